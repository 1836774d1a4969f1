/*
 * report_opts.h - what every reporting command (lint, check, ...) shares:
 * the lint and report options, gatekeeper.yml, and writing the reports.
 *
 * Settings come in three layers: the defaults, then gatekeeper.yml
 * (--config FILE, or found upward from the working folder unless
 * --no-config), then the command line.  Options are recorded while
 * parsing and applied after the file, so the command line always wins.
 * --exclude globs add to the file's `exclude`.
 */
#ifndef GK_REPORT_OPTS_H
#define GK_REPORT_OPTS_H

#include "cmd.h"
#include "gatekeeper/config.h"
#include "gatekeeper/lint.h"
#include "gatekeeper/render.h"
#include "gatekeeper/report.h"

/* The shared option table; command options use ids from GK_OPT_COMMAND up. */
extern const gk_opt gk_report_opts[];
#define GK_OPT_COMMAND 100

typedef struct gk_run_args {
	const char *command;            /* "lint", "check" */
	gk_lint_options lint;
	bool pg_version_set;            /* --pg-version or the file's pg_version named one */
	const char *format;
	bool format_set;                /* --format given: GitHub Actions does not change it */
	const char *json_path, *junit_path, *markdown_path, *sarif_path, *gitlab_path;
	int github;                     /* --github/--no-github; -1: when GITHUB_ACTIONS=true or --format github */
	gk_render_options render;
	enum gk_severity fail_level;
	const char **excludes;          /* owned array; strings borrowed */
	size_t n_excludes;
	int color;                      /* -1: on a terminal without NO_COLOR */
	gk_config *config;              /* owned; NULL without a file */
	char *config_path;              /* owned */
	/* The command's own options, applied after the shared ones. */
	int (*apply_own)(void *ctx, const gk_opt *o, const char *value);
	void *own_ctx;
	/* recorded command line */
	struct gk_recorded_opt {
		const gk_opt *opt;
		const char *value;
	} *recorded;
	size_t n_recorded, cap_recorded;
	const char *cli_config;
	bool no_config;
} gk_run_args;

void gk_run_args_init(gk_run_args *a, const char *command);
void gk_run_args_free(gk_run_args *a);

/*
 * Parse argv for `cmd`, load the configuration and apply the command line
 * over it.  Returns 0 and fills *pos / *npos (free *pos), or an exit code.
 * A configuration error has already been reported, with the --json,
 * --junit, --sarif and --gitlab artefacts written, when the returned code is GK_EXIT_USAGE.
 */
int gk_run_setup(gk_run_args *a, const gk_cmd *cmd, int argc, char **argv, char ***pos, int *npos);

/** A new report for the run (NULL when out of memory). */
gk_report *gk_run_report(const gk_run_args *a);

/*
 * Write the finished report to the --json/--junit/--markdown/--sarif/
 * --gitlab files, in GitHub Actions the job summary and step outputs, and
 * standard output, then free it.  Returns the exit code (4 when a report
 * could not be written; what is written after it says so, as an internal
 * error).
 */
int gk_run_emit(gk_run_args *a, gk_report *r);

/*
 * A problem of the user's setup (configuration, repository) ends the run
 * with exit 2, but CI still gets its artefacts: the --json/--junit reports
 * (and a machine format on stdout) hold one `config` error naming `path`
 * (may be NULL).  Text on standard output would only repeat the message,
 * which goes to stderr.  Returns the exit code.
 */
int gk_run_setup_failed(gk_run_args *a, const char *path, const gk_error *e);

/*
 * Run `job` into a new report, then finish and emit it (gk_run_emit):
 * GK_ECONFIG from the job ends the run through gk_run_setup_failed() with
 * its message; any other failure is an internal error on the report.
 * Returns the exit code.
 */
int gk_run_job(gk_run_args *a, int (*job)(gk_report *r, void *ctx, gk_error *err), void *ctx);

/* The jobs' log (gatekeeper/common.h): each message on stderr as
 * "gatekeeper: MESSAGE". */
extern const gk_log gk_run_log;

/** Parse a whole decimal number in [lo, hi]; 0 or -1. */
int gk_parse_int(const char *s, long lo, long hi, long *out);

#endif
