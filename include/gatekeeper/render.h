/*
 * gatekeeper/render.h - renderers: they format a finished gk_report and
 * compute nothing.  Each writes to a stdio stream and returns 0, or a
 * negative GK_E* code with `err` filled (a write error, out of memory).
 */
#ifndef GATEKEEPER_RENDER_H
#define GATEKEEPER_RENDER_H

#include <stdio.h>
#include <time.h>
#include "common.h"
#include "report.h"

enum gk_junit_profile {
	GK_JUNIT_DEFAULT = 0,  /* testcase@file/@line, for GitLab, mikepenz, EnricoMi */
	GK_JUNIT_STRICT,       /* only what junit-10.xsd allows */
};

typedef struct gk_render_options {
	bool color;                     /* ANSI colours (text only) */
	bool pretty;                    /* JSON indented by two spaces (default: compact, one line) */
	enum gk_junit_profile junit_profile;
	const char *hostname;           /* NULL = gethostname() */
	time_t timestamp;               /* run start; 0 = now */
} gk_render_options;

typedef int (*gk_render_fn)(const gk_report *r, FILE *out, const gk_render_options *o, gk_error *err);

typedef struct gk_renderer {
	const char *name;               /* "text", "json", "junit" */
	gk_render_fn render;
} gk_renderer;

/** Renderer by name, or NULL. */
const gk_renderer *gk_renderer_find(const char *name);
/** Names of all renderers, '|'-separated, for usage messages. */
const char *gk_renderer_names(void);

int gk_render_text(const gk_report *r, FILE *out, const gk_render_options *o, gk_error *err);
int gk_render_json(const gk_report *r, FILE *out, const gk_render_options *o, gk_error *err);
int gk_render_junit(const gk_report *r, FILE *out, const gk_render_options *o, gk_error *err);

#endif
