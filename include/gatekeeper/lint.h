/*
 * gatekeeper/lint.h - static analysis of migration files.
 *
 * gk_lint_files() parses each file with the PostgreSQL 15 parser
 * (libpg_query), runs every enabled rule and adds one migration entry and
 * its findings per file to a report.  A file that cannot be read or parsed
 * gets a finding; the other files are still linted.
 */
#ifndef GATEKEEPER_LINT_H
#define GATEKEEPER_LINT_H

#include "common.h"
#include "report.h"

#define GK_RULES_MAX 128

typedef struct gk_lint_options {
	int pg_version;              /* major version the migrations will run on */
	enum gk_runner runner;       /* GK_RUNNER_AUTO decides per file */
	/* Per-rule severity by registry index; -1 keeps the rule's default. */
	signed char severity[GK_RULES_MAX];
	size_t max_file_size;        /* bytes; larger files are refused with a finding */
	int jobs;                    /* worker threads; 0 = one per core (max 2 used per core count) */
} gk_lint_options;

/** Defaults: PostgreSQL 15, runner auto, every rule at its default severity, 16 MiB, jobs 0. */
void gk_lint_options_init(gk_lint_options *o);

/**
 * Set the severity of one rule (GK_SEV_OFF disables it).
 * Returns 0, or GK_ENOTFOUND for an unknown id.
 */
int gk_lint_options_set_severity(gk_lint_options *o, const char *rule_id, enum gk_severity sev);

/** The effective severity of a rule. */
enum gk_severity gk_lint_options_severity(const gk_lint_options *o, const char *rule_id);

/**
 * Lint `n` files, in order, adding to `r`.  Paths are shown as given.
 * Returns 0, or a negative GK_E* for a failure of gatekeeper itself
 * (file problems become findings, not errors).
 */
int gk_lint_files(gk_report *r, const gk_lint_options *o, const char *const *paths, size_t n,
		  gk_error *err);

/**
 * Lint one in-memory text as if it were the file `path`.  For tests and
 * embedders.  Same return values as gk_lint_files().
 */
int gk_lint_text(gk_report *r, const gk_lint_options *o, const char *path, const char *text,
		 size_t len, gk_error *err);

#endif
