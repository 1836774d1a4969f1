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

/* A report file the run wrote, for $GITHUB_OUTPUT ("report-json"). */
typedef struct gk_render_output {
	const char *name;
	const char *path;
} gk_render_output;

/*
 * One rule of the catalogue as a renderer shows it (SARIF's
 * tool.driver.rules).  Renderers know no registry: the caller hands them
 * the catalogue in the options (gk_rules_render() in gatekeeper/rules.h
 * gives gatekeeper's, sorted by id).  Strings borrowed.
 */
typedef struct gk_render_rule {
	const char *id;
	enum gk_category category;
	enum gk_severity severity;      /* the default */
	const char *summary, *why, *help;
	const char *bad_sql, *bad_note; /* the first BAD example (sql NULL = none) */
	const char *ok_sql, *ok_note;   /* the first OK example (sql NULL = none) */
} gk_render_rule;

typedef struct gk_render_options {
	bool color;                     /* ANSI colours (text only) */
	bool pretty;                    /* JSON indented by two spaces (default: compact, one line) */
	enum gk_junit_profile junit_profile;
	const char *hostname;           /* NULL = gethostname() */
	time_t timestamp;               /* run start; 0 = now */
	const gk_render_output *outputs; /* gk_render_github_output: the report files written */
	size_t n_outputs;
	/* The rule catalogue, sorted by id (SARIF lists it and refers to it by
	 * index); NULL lists no rules and refers by id only. */
	const gk_render_rule *rules;
	size_t n_rules;
} gk_render_options;

typedef int (*gk_render_fn)(const gk_report *r, FILE *out, const gk_render_options *o, gk_error *err);

typedef struct gk_renderer {
	const char *name;               /* "text", "json", "junit", "sarif", "gitlab" */
	gk_render_fn render;
} gk_renderer;

/** Renderer by name, or NULL. */
const gk_renderer *gk_renderer_find(const char *name);
/** Names of all renderers, '|'-separated, for usage messages. */
const char *gk_renderer_names(void);

int gk_render_text(const gk_report *r, FILE *out, const gk_render_options *o, gk_error *err);
int gk_render_json(const gk_report *r, FILE *out, const gk_render_options *o, gk_error *err);
int gk_render_junit(const gk_report *r, FILE *out, const gk_render_options *o, gk_error *err);
/* SARIF 2.1.0 (GitHub code scanning) and GitLab Code Quality: findings in
 * files, with the report model's fingerprints; both stream. */
int gk_render_sarif(const gk_report *r, FILE *out, const gk_render_options *o, gk_error *err);
int gk_render_gitlab(const gk_report *r, FILE *out, const gk_render_options *o, gk_error *err);

/*
 * GitHub Actions (github.c): the text report with each file's findings in
 * a ::group:: and all untrusted text inside ::stop-commands::<random
 * token>, then workflow-command annotations (at most 10 per level, a
 * closing notice counting the rest).  Every annotation is escaped as the
 * Actions toolkit escapes (data: %, CR, LF; properties also : and ,).
 */
int gk_render_github(const gk_report *r, FILE *out, const gk_render_options *o, gk_error *err);
/* $GITHUB_OUTPUT: verdict, exit-code, findings, blocking and o->outputs,
 * each in the name<<DELIMITER form with a random delimiter. */
int gk_render_github_output(const gk_report *r, FILE *out, const gk_render_options *o, gk_error *err);

/*
 * Markdown (markdown.c).  gk_render_markdown: the body of the sticky pull
 * request comment; its first line is GK_MARKDOWN_MARKER, and it stays
 * within GK_MARKDOWN_COMMENT_MAX bytes (the details that do not fit are
 * left out, and it says so).  gk_render_step_summary: the same document
 * for $GITHUB_STEP_SUMMARY, without the marker, within
 * GK_MARKDOWN_SUMMARY_MAX bytes.  Untrusted text cannot add markup.
 */
#define GK_MARKDOWN_MARKER "<!-- gatekeeper:comment -->"
#define GK_MARKDOWN_COMMENT_MAX 65000
#define GK_MARKDOWN_SUMMARY_MAX (900 * 1024)
int gk_render_markdown(const gk_report *r, FILE *out, const gk_render_options *o, gk_error *err);
int gk_render_step_summary(const gk_report *r, FILE *out, const gk_render_options *o, gk_error *err);

#endif
