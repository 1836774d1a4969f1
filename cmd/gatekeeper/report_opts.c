/* report_opts.c - options, configuration and output shared by reporting commands. */
#include "report_opts.h"
#include "gatekeeper/rules.h"
#include "util/interrupt.h"
#include "util/util.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
	OPT_FORMAT = 1, OPT_JSON, OPT_JUNIT, OPT_JUNIT_PROFILE, OPT_PG_VERSION, OPT_RUNNER, OPT_PRISMA_VERSION,
	OPT_FAIL_LEVEL, OPT_EXCLUDE, OPT_RULE, OPT_JOBS, OPT_MAX_FILE_SIZE, OPT_COLOR, OPT_CONFIG, OPT_NO_CONFIG,
	OPT_TIMEOUT, OPT_MARKDOWN, OPT_GITHUB, OPT_SARIF, OPT_GITLAB, OPT_PRETTY,
};

const gk_opt gk_report_opts[] = {
	{"format", 'f', GK_OPT_VALUE, "FORMAT", "report format on standard output: text (default), json, junit, github "
	 "(the default in GitHub Actions), markdown, sarif, gitlab", OPT_FORMAT},
	{"json", 0, GK_OPT_VALUE, "FILE", "also write the JSON report to FILE", OPT_JSON},
	{"junit", 0, GK_OPT_VALUE, "FILE", "also write the JUnit XML report to FILE", OPT_JUNIT},
	{"markdown", 0, GK_OPT_VALUE, "FILE", "also write the pull request comment (Markdown) to FILE", OPT_MARKDOWN},
	{"sarif", 0, GK_OPT_VALUE, "FILE", "also write a SARIF 2.1.0 report to FILE (GitHub code scanning)", OPT_SARIF},
	{"gitlab", 0, GK_OPT_VALUE, "FILE", "also write a GitLab Code Quality report to FILE", OPT_GITLAB},
	{"github", 0, GK_OPT_BOOL, NULL, "GitHub Actions: annotations on standard output, the job summary and the step "
	 "outputs (default: on when GITHUB_ACTIONS=true)", OPT_GITHUB},
	{"pretty", 0, GK_OPT_BOOL, NULL, "indent the JSON report for people (default: compact, one line)", OPT_PRETTY},
	{"junit-profile", 0, GK_OPT_VALUE, "default|strict", "strict: no testcase file/line, valid against junit-10.xsd", OPT_JUNIT_PROFILE},
	{"pg-version", 0, GK_OPT_VALUE, "N", "PostgreSQL major version the migrations run on (default " GK_PG_DEFAULT_VERSION_TEXT ")", OPT_PG_VERSION},
	{"runner", 0, GK_OPT_VALUE, "whole|split|per-file", "how the runner sends a file (default: from the layout or file name)", OPT_RUNNER},
	{"prisma-version", 0, GK_OPT_VALUE, "V", "the Prisma CLI that deploys: before 7.4.0 a file is one query, from "
	 "7.4.0 its statements are sent one by one (default: from the lockfile)", OPT_PRISMA_VERSION},
	{"fail-level", 0, GK_OPT_VALUE, "error|warning|info|never", "lowest severity that fails the run (default error)", OPT_FAIL_LEVEL},
	{"exclude", 0, GK_OPT_VALUE, "GLOB", "skip files matching GLOB (repeatable)", OPT_EXCLUDE},
	{"rule", 0, GK_OPT_VALUE, "ID=off|info|warning|error", "set a rule's severity (repeatable)", OPT_RULE},
	{"jobs", 'j', GK_OPT_VALUE, "N", "parser threads (default: the cores but one, at least 1)", OPT_JOBS},
	{"max-file-size", 0, GK_OPT_VALUE, "MIB", "refuse files larger than this (default 16)", OPT_MAX_FILE_SIZE},
	{"color", 0, GK_OPT_BOOL, NULL, "colour the text report (default: on a terminal unless NO_COLOR is set)", OPT_COLOR},
	{"config", 0, GK_OPT_VALUE, "FILE", "settings file (default: gatekeeper.yml or .yaml found upward, up to the repository root)", OPT_CONFIG},
	{"no-config", 0, GK_OPT_BOOL, NULL, "do not look for gatekeeper.yml", OPT_NO_CONFIG},
	{"timeout", 0, GK_OPT_VALUE, "DURATION", "end the run after DURATION (e.g. 90s, 10min): the running query is "
	 "cancelled, the rest skipped, every report written, exit 3 (default: no limit)", OPT_TIMEOUT},
	{0},
};

void gk_run_args_init(gk_run_args *a, const char *command)
{
	memset(a, 0, sizeof *a);
	a->command = command;
	a->format = "text";
	a->fail_level = GK_SEV_ERROR;
	a->color = -1;
	a->github = -1;
	gk_lint_options_init(&a->lint);
	a->render.rules = gk_rules_render(&a->render.n_rules);
}

void gk_run_args_free(gk_run_args *a)
{
	free(a->excludes);
	free(a->recorded);
	free(a->config_path);
	gk_config_free(a->config);
}

int gk_parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int add_exclude(gk_run_args *a, const char *glob)
{
	const char **e = realloc(a->excludes, (a->n_excludes + 1) * sizeof *e);
	if (!e)
		return gk_usage_error("out of memory");
	a->excludes = e;
	a->excludes[a->n_excludes++] = glob;
	return 0;
}

static int apply_rule(gk_run_args *a, const char *v)
{
	const char *eq = strchr(v, '=');
	enum gk_severity sev;
	char id[128];
	if (!eq || (size_t)(eq - v) >= sizeof id || gk_severity_parse(&sev, eq + 1) < 0)
		return gk_usage_error("%s: --rule wants ID=off|info|warning|error, not '%s'", a->command, v);
	memcpy(id, v, (size_t)(eq - v));
	id[eq - v] = '\0';
	if (gk_lint_options_set_severity(&a->lint, id, sev) < 0) {
		char hint[128];
		gk_rule_hint(hint, sizeof hint, id);
		return gk_usage_error("%s: unknown rule '%s'%s (see 'gatekeeper rules')", a->command, id, hint);
	}
	return 0;
}

static int apply(gk_run_args *a, const gk_opt *o, const char *v)
{
	long n;
	if (o->id >= GK_OPT_COMMAND)
		return a->apply_own(a->own_ctx, o, v);
	switch (o->id) {
	case OPT_FORMAT:
		if (!gk_renderer_find(v))
			return gk_usage_error("%s: unknown format '%s' (%s)", a->command, v, gk_renderer_names());
		a->format = v;
		a->format_set = true;
		return 0;
	case OPT_JSON:
	case OPT_JUNIT:
	case OPT_MARKDOWN:
	case OPT_SARIF:
	case OPT_GITLAB:
		if (!*v)
			return gk_usage_error("%s: --%s wants a file name, not an empty string", a->command, o->name);
		*(o->id == OPT_JSON ? &a->json_path : o->id == OPT_JUNIT ? &a->junit_path
			: o->id == OPT_MARKDOWN ? &a->markdown_path : o->id == OPT_SARIF ? &a->sarif_path
			: &a->gitlab_path) = v;
		return 0;
	case OPT_GITHUB:
		a->github = strcmp(v, "1") == 0;
		return 0;
	case OPT_JUNIT_PROFILE:
		if (strcmp(v, "default") && strcmp(v, "strict"))
			return gk_usage_error("%s: --junit-profile must be default or strict, not '%s'", a->command, v);
		a->render.junit_profile = strcmp(v, "strict") == 0 ? GK_JUNIT_STRICT : GK_JUNIT_DEFAULT;
		return 0;
	case OPT_PG_VERSION:
		if (gk_parse_int(v, 9, 30, &n) < 0)
			return gk_usage_error("%s: --pg-version must be a major version such as 15, not '%s'", a->command, v);
		a->lint.pg_version = (int)n;
		a->pg_version_set = true;
		return 0;
	case OPT_RUNNER:
		if (gk_runner_parse(&a->lint.runner, v) < 0)
			return gk_usage_error("%s: --runner must be whole, split, per-file or auto, not '%s'", a->command, v);
		return 0;
	case OPT_PRISMA_VERSION: {
		size_t k = 0;
		bool ok = v[0] && strlen(v) < sizeof a->lint.prisma_version;
		for (int parts = 1; ok && v[k]; k++)
			ok = (v[k] >= '0' && v[k] <= '9') || (v[k] == '.' && k > 0 && v[k - 1] != '.' && v[k + 1] && ++parts <= 3);
		if (!ok)
			return gk_usage_error("%s: --prisma-version must be a released version such as 7.10.1, not '%s'",
					      a->command, v);
		snprintf(a->lint.prisma_version, sizeof a->lint.prisma_version, "%s", v);
		return 0;
	}
	case OPT_FAIL_LEVEL:
		if (strcmp(v, "never") == 0)
			a->fail_level = GK_SEV_OFF;
		else if (gk_severity_parse(&a->fail_level, v) < 0 || a->fail_level == GK_SEV_OFF)
			return gk_usage_error("%s: --fail-level must be error, warning, info or never, not '%s'", a->command, v);
		return 0;
	case OPT_EXCLUDE:
		return add_exclude(a, v);
	case OPT_RULE:
		return apply_rule(a, v);
	case OPT_JOBS:
		if (gk_parse_int(v, 1, 64, &n) < 0)
			return gk_usage_error("%s: --jobs must be 1 to 64, not '%s'", a->command, v);
		a->lint.jobs = (int)n;
		return 0;
	case OPT_MAX_FILE_SIZE:
		if (gk_parse_int(v, 1, 4096, &n) < 0)
			return gk_usage_error("%s: --max-file-size must be 1 to 4096 (MiB), not '%s'", a->command, v);
		a->lint.max_file_size = (size_t)n << 20;
		return 0;
	case OPT_COLOR:
		a->color = strcmp(v, "1") == 0;
		return 0;
	case OPT_PRETTY:
		a->render.pretty = strcmp(v, "1") == 0;
		return 0;
	case OPT_TIMEOUT: {
		double secs;
		if (gk_parse_duration(v, &secs) < 0 || secs <= 0)
			return gk_usage_error("%s: --timeout wants a duration such as 90s, 10min or 1h, not '%s'",
					      a->command, v);
		if (gk_interrupt_set_deadline(secs) < 0)
			return gk_usage_error("%s: --timeout: cannot start the timer thread", a->command);
		return 0;
	}
	}
	return gk_usage_error("%s: option '--%s' is not handled", a->command, o->name);
}

/* Called by the option parser: remember the option, apply it later. */
static int record(void *ctx, const gk_opt *o, const char *v)
{
	gk_run_args *a = ctx;
	if (o->id == OPT_CONFIG) {
		a->cli_config = v;
		return 0;
	}
	if (o->id == OPT_NO_CONFIG) {
		a->no_config = strcmp(v, "1") == 0;
		return 0;
	}
	if (gk_grow(&a->recorded, &a->cap_recorded, a->n_recorded + 1, sizeof *a->recorded) < 0)
		return gk_usage_error("out of memory");
	a->recorded[a->n_recorded].opt = o;
	a->recorded[a->n_recorded++].value = v;
	return 0;
}

/* Write the report with `render` to a file opened with `mode`; a failure is an error of the run. */
static int write_with(gk_report *r, gk_render_fn render, const char *format, const char *path, const char *mode,
		      const gk_render_options *ro)
{
	FILE *f = fopen(path, mode);
	if (!f) {
		gk_diag("cannot write %s report to %s: %s", format, path, strerror(errno));
		return -1;
	}
	gk_error err = {0};
	int rc = render(r, f, ro, &err);
	if (fclose(f) != 0 && rc == 0)
		rc = gk_error_set(&err, GK_EIO, "%s", strerror(errno));
	if (rc < 0)
		gk_diag("%s: %s", path, err.msg);
	return rc;
}

static int write_file(gk_report *r, const char *format, const char *path, const gk_render_options *ro)
{
	return write_with(r, gk_renderer_find(format)->render, format, path, "w", ro);
}

/*
 * An interrupted run (SIGINT, SIGTERM, --timeout) says so in its reports,
 * once, whatever the job managed: an `interrupted` error (a `timeout` one
 * for --timeout), exit 3.  True when it was added now.
 */
static bool note_interruption(gk_report *r)
{
	enum gk_interrupt_kind k = gk_interrupted();
	if (k == GK_INTERRUPT_NONE || r->interrupted)
		return false;
	char why[128];
	gk_interrupt_describe(why, sizeof why);
	gk_report_add_error(r, k == GK_INTERRUPT_TIMEOUT ? GK_ERRKIND_TIMEOUT : GK_ERRKIND_INTERRUPTED, NULL,
			    "%s: the run stopped there; this report holds what was done before", why);
	gk_report_set_interrupted(r);
	gk_report_finish(r, r->fail_level, r->duration_s);
	return true;
}

static int write_files(gk_run_args *a, gk_report *r)
{
	int rc = 0;
	if (a->json_path && write_file(r, "json", a->json_path, &a->render) < 0)
		rc = -1;
	if (a->junit_path && write_file(r, "junit", a->junit_path, &a->render) < 0)
		rc = -1;
	if (a->markdown_path && write_file(r, "markdown", a->markdown_path, &a->render) < 0)
		rc = -1;
	if (a->sarif_path && write_file(r, "sarif", a->sarif_path, &a->render) < 0)
		rc = -1;
	if (a->gitlab_path && write_file(r, "gitlab", a->gitlab_path, &a->render) < 0)
		rc = -1;
	return rc;
}

/*
 * In GitHub Actions: the job summary and the step outputs, appended to the
 * files the runner names (other steps write there too), once per run.
 * The outputs name the report files, so that later steps find them.
 */
static int write_github_files(gk_run_args *a, gk_report *r)
{
	if (a->github <= 0)
		return 0;
	int rc = 0;
	const char *summary = getenv("GITHUB_STEP_SUMMARY"), *outputs = getenv("GITHUB_OUTPUT");
	if (summary && *summary &&
	    write_with(r, gk_render_step_summary, "GitHub job summary", summary, "a", &a->render) < 0)
		rc = -1;
	gk_render_output files[5];
	size_t n = 0;
	if (a->json_path)
		files[n++] = (gk_render_output){"report-json", a->json_path};
	if (a->junit_path)
		files[n++] = (gk_render_output){"report-junit", a->junit_path};
	if (a->markdown_path)
		files[n++] = (gk_render_output){"report-markdown", a->markdown_path};
	if (a->sarif_path)
		files[n++] = (gk_render_output){"report-sarif", a->sarif_path};
	if (a->gitlab_path)
		files[n++] = (gk_render_output){"report-gitlab", a->gitlab_path};
	gk_render_options ro = a->render;
	ro.outputs = files;
	ro.n_outputs = n;
	if (outputs && *outputs && write_with(r, gk_render_github_output, "GitHub output", outputs, "a", &ro) < 0)
		rc = -1;
	return rc;
}

static int emit(gk_run_args *a, gk_report *r, bool to_stdout)
{
	gk_error err = {0};
	note_interruption(r);
	int failed = write_files(a, r);
	/* Interrupted while writing: the files are written again with it. */
	if (failed == 0 && note_interruption(r))
		failed = write_files(a, r);
	/* What is written next (the GitHub files, standard output) says exit 4 too. */
	if (failed < 0) {
		gk_report_add_error(r, GK_ERRKIND_INTERNAL, NULL, "a report file could not be written (see standard error)");
		gk_report_finish(r, r->fail_level, r->duration_s);
	}
	if (write_github_files(a, r) < 0)
		failed = -1;
	int exit_code = failed < 0 ? GK_EXIT_INTERNAL : r->exit_code;
	gk_render_options ro = a->render;
	ro.color = a->color >= 0 ? a->color : (isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
	if (strcmp(a->format, "text") != 0) {
		ro.color = false;
		to_stdout = true; /* a machine format on stdout is an artefact too */
	}
	if (to_stdout && (gk_renderer_find(a->format)->render(r, stdout, &ro, &err) < 0 || fflush(stdout) != 0)) {
		gk_diag("%s", err.msg[0] ? err.msg : "cannot write to standard output");
		exit_code = GK_EXIT_INTERNAL;
	}
	gk_report_free(r);
	return exit_code;
}

int gk_run_emit(gk_run_args *a, gk_report *r) { return emit(a, r, true); }

static void log_stderr(void *ctx, const char *message)
{
	(void)ctx;
	fprintf(stderr, "gatekeeper: %s\n", message);
}

const gk_log gk_run_log = {log_stderr, NULL};

int gk_run_job(gk_run_args *a, int (*job)(gk_report *r, void *ctx, gk_error *err), void *ctx)
{
	gk_report *r = gk_run_report(a);
	if (!r) {
		fprintf(stderr, "gatekeeper: out of memory\n");
		return GK_EXIT_INTERNAL;
	}
	double t0 = gk_now();
	gk_error err = {0};
	int rc = job(r, ctx, &err);
	if (rc == GK_ECONFIG && !gk_interrupted()) {
		gk_report_free(r);
		return gk_run_setup_failed(a, NULL, &err);
	}
	/* GK_EINTR: the job stopped for the interruption, which emit() reports;
	 * whatever else failed meanwhile was the interruption's doing. */
	if (rc < 0 && rc != GK_EINTR && !gk_interrupted())
		gk_report_add_error(r, GK_ERRKIND_INTERNAL, NULL, "%s", err.msg);
	gk_report_finish(r, a->fail_level, gk_now() - t0);
	return gk_run_emit(a, r);
}

gk_report *gk_run_report(const gk_run_args *a)
{
	gk_report *r = gk_report_new(a->command);
	if (r)
		gk_report_set_pg_version(r, a->lint.pg_version);
	return r;
}

/* gk_run_setup_failed() with several messages: each on stderr and in the reports. */
static int setup_failed(gk_run_args *a, const char *path, const char *const *msgs, size_t n, int code)
{
	for (size_t i = 0; i < n; i++)
		gk_diag("%s", msgs[i]);
	gk_report *r = gk_run_report(a);
	if (!r)
		return GK_EXIT_INTERNAL;
	for (size_t i = 0; i < n; i++)
		gk_report_add_error(r, code == GK_ENOMEM ? GK_ERRKIND_INTERNAL : GK_ERRKIND_CONFIG, path, "%s", msgs[i]);
	gk_report_finish(r, a->fail_level, 0);
	return emit(a, r, false);
}

/* See report_opts.h. */
int gk_run_setup_failed(gk_run_args *a, const char *path, const gk_error *e)
{
	const char *msg = e->msg;
	return setup_failed(a, path, &msg, 1, e->code);
}

/* Load --config FILE or the file found upward and apply it; 0 also without a file.
 * A file with problems: GK_ECONFIG, each problem in *problems (see gk_config_load_all). */
static int load_config(gk_run_args *a, char ***problems, size_t *n_problems, gk_error *err)
{
	if (a->no_config)
		return 0;
	if (a->cli_config) {
		a->config_path = strdup(a->cli_config);
	} else {
		int rc = gk_config_find(&a->config_path, ".");
		if (rc == GK_ENOMEM)
			return gk_error_set(err, rc, "out of memory looking for %s", GK_CONFIG_NAME);
		if (rc < 0)
			return 0; /* no file: the defaults and the command line */
	}
	if (!a->config_path)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	int rc = gk_config_load_all(&a->config, a->config_path, problems, n_problems, err);
	if (rc == 0)
		rc = gk_config_apply(a->config, &a->lint, err);
	if (rc < 0)
		return rc;
	if (a->config->fail_level_set)
		a->fail_level = a->config->fail_level;
	if (a->config->pg_version)
		a->pg_version_set = true;
	for (size_t i = 0; i < a->config->n_excludes; i++)
		if (add_exclude(a, a->config->excludes[i]) != 0)
			return gk_error_set(err, GK_ENOMEM, "out of memory");
	return 0;
}

/* ---- report paths that would overwrite an input ---------------------- */

/* `path` with its folder resolved (the file itself need not exist), malloc'ed; NULL when the folder does not exist. */
static char *resolve_report_path(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? gk_strndup(path, slash == path ? 1 : (size_t)(slash - path)) : gk_strdup(".");
	char *real = dir ? realpath(dir, NULL) : NULL;
	char *out = real ? gk_asprintf("%s/%s", strcmp(real, "/") == 0 ? "" : real, slash ? slash + 1 : path) : NULL;
	free(dir);
	free(real);
	return out;
}

/* Whether resolved file path `file` lies below folder `dir` (resolved here). */
static bool below(const char *file, const char *dir)
{
	char *rd = realpath(dir, NULL);
	size_t n = rd ? strlen(rd) : 0;
	bool yes = rd && strncmp(file, rd, n) == 0 && (file[n] == '/' || (n == 1 && rd[0] == '/'));
	free(rd);
	return yes;
}

/*
 * Why writing a report to `path` would destroy input, or NULL.  An input is
 * a PATH of the command line, a path of the configuration (`paths:`), or
 * the configuration file: the same file (device and inode), or a file
 * inside an input folder.  An existing .sql file is refused too, wherever
 * it is: `lint --junit db/NAME.sql ...` (a shell glob) makes the shell put a migration there.
 */
static const char *report_clobbers(const gk_run_args *a, const char *path, char *const *inputs, size_t n)
{
	struct stat rs, is;
	bool exists = stat(path, &rs) == 0;
	size_t len = strlen(path);
	if (exists && S_ISDIR(rs.st_mode))
		return NULL; /* fopen says why */
	if (exists && len >= 4 && strcmp(path + len - 4, ".sql") == 0)
		return "it is an existing SQL file";
	if (exists && a->config_path && stat(a->config_path, &is) == 0 && is.st_dev == rs.st_dev && is.st_ino == rs.st_ino)
		return "it is the configuration file";
	char *resolved = resolve_report_path(path);
	const char *why = NULL;
	for (size_t i = 0; i < n && !why; i++) {
		if (stat(inputs[i], &is) != 0)
			continue;
		if (exists && is.st_dev == rs.st_dev && is.st_ino == rs.st_ino)
			why = "it is one of the files to read";
		else if (S_ISDIR(is.st_mode) && resolved && below(resolved, inputs[i]))
			why = "it is inside a migrations folder being read";
	}
	free(resolved);
	return why;
}

static int check_report_paths(const gk_run_args *a, char *const *pos, int npos)
{
	const char *opt[] = {"json", "junit", "markdown", "sarif", "gitlab"};
	const char *path[] = {a->json_path, a->junit_path, a->markdown_path, a->sarif_path, a->gitlab_path};
	for (size_t k = 0; k < sizeof opt / sizeof *opt; k++) {
		const char *why = NULL;
		if (path[k] && !(why = report_clobbers(a, path[k], pos, (size_t)npos)) && a->config)
			why = report_clobbers(a, path[k], a->config->paths, a->config->n_paths);
		if (why)
			return gk_usage_error("%s: --%s %s is refused: %s; write the report elsewhere",
					      a->command, opt[k], path[k], why);
	}
	return 0;
}

int gk_run_setup(gk_run_args *a, const gk_cmd *cmd, int argc, char **argv, char ***pos, int *npos)
{
	int rc = gk_opts_parse(cmd, argc, argv, record, a, pos, npos);
	if (rc == 0 && a->no_config && a->cli_config)
		rc = gk_usage_error("%s: --config and --no-config cannot be used together", a->command);
	if (rc)
		return rc;
	gk_error cerr = {0};
	char **problems = NULL;
	size_t n_problems = 0;
	int crc = load_config(a, &problems, &n_problems, &cerr);
	/* The command line overrides the file, in its own order (the last one wins). */
	for (size_t i = 0; rc == 0 && i < a->n_recorded; i++)
		rc = apply(a, a->recorded[i].opt, a->recorded[i].value);
	if (rc == 0)
		rc = check_report_paths(a, *pos, *npos);
	/* GitHub Actions says so in GITHUB_ACTIONS; --format github asks for it too. */
	if (a->github < 0) {
		const char *ga = getenv("GITHUB_ACTIONS");
		a->github = (ga && strcmp(ga, "true") == 0) || strcmp(a->format, "github") == 0;
	}
	if (a->github && !a->format_set)
		a->format = "github";
	/* Every problem of the file at once, not one per run. */
	const char *path = a->config_path ? a->config_path : a->cli_config;
	if (rc == 0 && crc < 0)
		rc = n_problems > 1 ? setup_failed(a, path, (const char *const *)problems, n_problems, crc)
				    : gk_run_setup_failed(a, path, &cerr);
	gk_config_problems_free(problems, n_problems);
	return rc;
}
