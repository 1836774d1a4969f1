/*
 * cmd_lint.c - `gatekeeper lint [options] PATH...`: static analysis of
 * migration files, reported as text, JSON and JUnit.
 *
 * Settings come from three layers: the defaults, then gatekeeper.yml
 * (--config FILE, or found upward from the working folder unless
 * --no-config), then the command line.  Options are recorded while parsing
 * and applied after the file, so the command line always wins whatever the
 * order of discovery.  --exclude globs add to the file's `exclude`.
 */
#include "cmd.h"
#include "gatekeeper/config.h"
#include "gatekeeper/files.h"
#include "gatekeeper/lint.h"
#include "gatekeeper/render.h"
#include "gatekeeper/report.h"
#include "gatekeeper/rules.h"
#include "util/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
	OPT_FORMAT = 1, OPT_JSON, OPT_JUNIT, OPT_JUNIT_PROFILE, OPT_PG_VERSION, OPT_RUNNER,
	OPT_FAIL_LEVEL, OPT_EXCLUDE, OPT_RULE, OPT_JOBS, OPT_MAX_FILE_SIZE, OPT_COLOR, OPT_CONFIG, OPT_NO_CONFIG,
};

static const gk_opt lint_opts[] = {
	{"format", 'f', GK_OPT_VALUE, "text|json|junit", "report format on standard output (default text)", OPT_FORMAT},
	{"json", 0, GK_OPT_VALUE, "FILE", "also write the JSON report to FILE", OPT_JSON},
	{"junit", 0, GK_OPT_VALUE, "FILE", "also write the JUnit XML report to FILE", OPT_JUNIT},
	{"junit-profile", 0, GK_OPT_VALUE, "default|strict", "strict: no testcase file/line, valid against junit-10.xsd", OPT_JUNIT_PROFILE},
	{"pg-version", 0, GK_OPT_VALUE, "N", "PostgreSQL major version the migrations run on (default 15)", OPT_PG_VERSION},
	{"runner", 0, GK_OPT_VALUE, "prisma|per-file|none", "how the runner sends a file (default: prisma for migration.sql, else per-file)", OPT_RUNNER},
	{"fail-level", 0, GK_OPT_VALUE, "error|warning|info|never", "lowest severity that fails the run (default error)", OPT_FAIL_LEVEL},
	{"exclude", 0, GK_OPT_VALUE, "GLOB", "skip files matching GLOB (repeatable)", OPT_EXCLUDE},
	{"rule", 0, GK_OPT_VALUE, "ID=off|info|warning|error", "set a rule's severity (repeatable)", OPT_RULE},
	{"jobs", 'j', GK_OPT_VALUE, "N", "parser threads (default: one per core)", OPT_JOBS},
	{"max-file-size", 0, GK_OPT_VALUE, "MIB", "refuse files larger than this (default 16)", OPT_MAX_FILE_SIZE},
	{"color", 0, GK_OPT_BOOL, NULL, "colour the text report (default: on a terminal unless NO_COLOR is set)", OPT_COLOR},
	{"config", 0, GK_OPT_VALUE, "FILE", "settings file (default: gatekeeper.yml or .yaml found upward, up to the repository root)", OPT_CONFIG},
	{"no-config", 0, GK_OPT_BOOL, NULL, "do not look for gatekeeper.yml", OPT_NO_CONFIG},
	{0},
};

typedef struct lint_args {
	gk_lint_options lint;
	const char *format;
	const char *json_path, *junit_path;
	gk_render_options render;
	enum gk_severity fail_level;
	const char **excludes;
	size_t n_excludes;
	int color; /* -1 auto */
} lint_args;

/* The command line as parsed, applied only after the configuration file. */
typedef struct lint_cli {
	struct cli_opt {
		const gk_opt *opt;
		const char *value;
	} *opts;
	size_t n, cap;
	const char *config_path; /* --config */
	bool no_config;          /* --no-config */
} lint_cli;

static int parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int apply(void *ctx, const gk_opt *o, const char *v)
{
	lint_args *a = ctx;
	long n;
	switch (o->id) {
	case OPT_FORMAT:
		if (!gk_renderer_find(v))
			return gk_usage_error("lint: unknown format '%s' (%s)", v, gk_renderer_names());
		a->format = v;
		return 0;
	case OPT_JSON:
		a->json_path = v;
		return 0;
	case OPT_JUNIT:
		a->junit_path = v;
		return 0;
	case OPT_JUNIT_PROFILE:
		if (strcmp(v, "default") && strcmp(v, "strict"))
			return gk_usage_error("lint: --junit-profile must be default or strict, not '%s'", v);
		a->render.junit_profile = strcmp(v, "strict") == 0 ? GK_JUNIT_STRICT : GK_JUNIT_DEFAULT;
		return 0;
	case OPT_PG_VERSION:
		if (parse_int(v, 9, 30, &n) < 0)
			return gk_usage_error("lint: --pg-version must be a major version such as 15, not '%s'", v);
		a->lint.pg_version = (int)n;
		return 0;
	case OPT_RUNNER:
		if (gk_runner_parse(&a->lint.runner, v) < 0)
			return gk_usage_error("lint: --runner must be prisma, per-file, none or auto, not '%s'", v);
		return 0;
	case OPT_FAIL_LEVEL:
		if (strcmp(v, "never") == 0)
			a->fail_level = GK_SEV_OFF;
		else if (gk_severity_parse(&a->fail_level, v) < 0 || a->fail_level == GK_SEV_OFF)
			return gk_usage_error("lint: --fail-level must be error, warning, info or never, not '%s'", v);
		return 0;
	case OPT_EXCLUDE: {
		const char **e = realloc(a->excludes, (a->n_excludes + 1) * sizeof *e);
		if (!e)
			return gk_usage_error("out of memory");
		a->excludes = e;
		a->excludes[a->n_excludes++] = v;
		return 0;
	}
	case OPT_RULE: {
		const char *eq = strchr(v, '=');
		enum gk_severity sev;
		char id[128];
		if (!eq || (size_t)(eq - v) >= sizeof id || gk_severity_parse(&sev, eq + 1) < 0)
			return gk_usage_error("lint: --rule wants ID=off|info|warning|error, not '%s'", v);
		memcpy(id, v, (size_t)(eq - v));
		id[eq - v] = '\0';
		if (gk_lint_options_set_severity(&a->lint, id, sev) < 0)
			return gk_usage_error("lint: unknown rule '%s' (see 'gatekeeper rules')", id);
		return 0;
	}
	case OPT_JOBS:
		if (parse_int(v, 1, 64, &n) < 0)
			return gk_usage_error("lint: --jobs must be 1 to 64, not '%s'", v);
		a->lint.jobs = (int)n;
		return 0;
	case OPT_MAX_FILE_SIZE:
		if (parse_int(v, 1, 4096, &n) < 0)
			return gk_usage_error("lint: --max-file-size must be 1 to 4096 (MiB), not '%s'", v);
		a->lint.max_file_size = (size_t)n << 20;
		return 0;
	case OPT_COLOR:
		a->color = strcmp(v, "1") == 0;
		return 0;
	}
	return gk_usage_error("lint: option '--%s' is not handled", o->name);
}

/* Called by the option parser: remember the option, apply it later. */
static int record(void *ctx, const gk_opt *o, const char *v)
{
	lint_cli *c = ctx;
	if (o->id == OPT_CONFIG) {
		c->config_path = v;
		return 0;
	}
	if (o->id == OPT_NO_CONFIG) {
		c->no_config = strcmp(v, "1") == 0;
		return 0;
	}
	if (gk_grow(&c->opts, &c->cap, c->n + 1, sizeof *c->opts) < 0)
		return gk_usage_error("out of memory");
	c->opts[c->n].opt = o;
	c->opts[c->n++].value = v;
	return 0;
}

/* Apply the recorded command-line options in their order (the last one wins). */
static int replay(lint_args *a, const lint_cli *c)
{
	for (size_t i = 0; i < c->n; i++) {
		int rc = apply(a, c->opts[i].opt, c->opts[i].value);
		if (rc)
			return rc;
	}
	return 0;
}

/* Write the report to a file; a failure is an error of the run. */
static int write_file(gk_report *r, const char *format, const char *path, const gk_render_options *ro)
{
	const gk_renderer *rd = gk_renderer_find(format);
	if (!rd) {
		fprintf(stderr, "gatekeeper: this build cannot write %s reports\n", format);
		return -1;
	}
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "gatekeeper: cannot write %s report to %s: %s\n", format, path, strerror(errno));
		return -1;
	}
	gk_error err = {0};
	int rc = rd->render(r, f, ro, &err);
	if (fclose(f) != 0 && rc == 0)
		rc = gk_error_set(&err, GK_EIO, "%s", strerror(errno));
	if (rc < 0)
		fprintf(stderr, "gatekeeper: %s: %s\n", path, err.msg);
	return rc;
}

static int emit(lint_args *a, gk_report *r, bool to_stdout);

static int run_lint(lint_args *a, char **paths, int npaths)
{
	gk_file_list files = {0};
	gk_error err = {0};
	for (int i = 0; i < npaths; i++)
		if (gk_files_collect(&files, paths[i], a->excludes, a->n_excludes, &err) < 0) {
			gk_file_list_free(&files);
			fprintf(stderr, "gatekeeper: %s\n", err.msg);
			return GK_EXIT_INTERNAL;
		}
	gk_report *r = gk_report_new("lint");
	if (!r) {
		gk_file_list_free(&files);
		fprintf(stderr, "gatekeeper: out of memory\n");
		return GK_EXIT_INTERNAL;
	}
	r->pg_version = a->lint.pg_version;
	double t0 = gk_now();
	if (gk_lint_files(r, &a->lint, (const char *const *)files.paths, files.n, &err) < 0)
		gk_report_add_error(r, GK_ERRKIND_INTERNAL, NULL, "%s", err.msg);
	if (files.n == 0)
		gk_report_add_error(r, GK_ERRKIND_CONFIG, NULL, "no SQL files found in the given paths");
	gk_report_finish(r, a->fail_level, gk_now() - t0);
	gk_file_list_free(&files);
	return emit(a, r, true);
}

/*
 * Write the finished report to the --json/--junit files and, when
 * `to_stdout` or the format is not text, to standard output; free it.
 * Returns the exit code.
 */
static int emit(lint_args *a, gk_report *r, bool to_stdout)
{
	gk_error err = {0};
	int exit_code = r->exit_code;
	if (a->json_path && write_file(r, "json", a->json_path, &a->render) < 0)
		exit_code = GK_EXIT_INTERNAL;
	if (a->junit_path && write_file(r, "junit", a->junit_path, &a->render) < 0)
		exit_code = GK_EXIT_INTERNAL;
	gk_render_options ro = a->render;
	ro.color = a->color >= 0 ? a->color : (isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
	if (strcmp(a->format, "text") != 0) {
		ro.color = false;
		to_stdout = true; /* a machine format on stdout is an artefact too */
	}
	if (to_stdout && (gk_renderer_find(a->format)->render(r, stdout, &ro, &err) < 0 || fflush(stdout) != 0)) {
		fprintf(stderr, "gatekeeper: %s\n", err.msg[0] ? err.msg : "cannot write to standard output");
		exit_code = GK_EXIT_INTERNAL;
	}
	gk_report_free(r);
	return exit_code;
}

/*
 * A configuration problem ends the run with exit 2, but CI still gets its
 * artefacts: the --json/--junit reports hold one `config` error.  Text on
 * standard output would only repeat the message already on stderr.
 */
static int config_failed(lint_args *a, const char *path, const gk_error *e)
{
	fprintf(stderr, "gatekeeper: %s\n", e->msg);
	gk_report *r = gk_report_new("lint");
	if (!r)
		return GK_EXIT_INTERNAL;
	r->pg_version = a->lint.pg_version;
	gk_report_add_error(r, e->code == GK_ENOMEM ? GK_ERRKIND_INTERNAL : GK_ERRKIND_CONFIG, path, "%s", e->msg);
	gk_report_finish(r, a->fail_level, 0);
	return emit(a, r, false);
}

/*
 * Load --config FILE or the file found upward from the working folder into
 * *cfg and apply it to `a`.  Returns 0 (also when there is no file) or a
 * negative GK_E* with `err` filled; *path names the file for the report.
 */
static int load_config(lint_args *a, const lint_cli *c, gk_config **cfg, char **path, gk_error *err)
{
	*cfg = NULL;
	*path = NULL;
	if (c->no_config)
		return 0;
	if (c->config_path) {
		*path = strdup(c->config_path);
	} else {
		int rc = gk_config_find(path, ".");
		if (rc == GK_ENOMEM)
			return gk_error_set(err, rc, "out of memory looking for %s", GK_CONFIG_NAME);
		if (rc < 0)
			return 0; /* no file: the defaults and the command line */
	}
	if (!*path)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	int rc = gk_config_load(cfg, *path, err);
	if (rc == 0)
		rc = gk_config_apply(*cfg, &a->lint, err);
	if (rc < 0)
		return rc;
	if ((*cfg)->fail_level_set)
		a->fail_level = (*cfg)->fail_level;
	/* The file's globs come first; --exclude adds to them (borrowed from *cfg). */
	a->excludes = malloc(((*cfg)->n_excludes + 1) * sizeof *a->excludes);
	if (!a->excludes)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	for (size_t i = 0; i < (*cfg)->n_excludes; i++)
		a->excludes[a->n_excludes++] = (*cfg)->excludes[i];
	return 0;
}

static int lint_main(int argc, char **argv)
{
	lint_args a = {.format = "text", .fail_level = GK_SEV_ERROR, .color = -1};
	gk_lint_options_init(&a.lint);
	lint_cli cli = {0};
	gk_config *cfg = NULL;
	char *cfg_path = NULL, **pos = NULL;
	int npos = 0, crc = 0;
	gk_error cerr = {0};
	int rc = gk_opts_parse(&gk_cmd_lint, argc, argv, record, &cli, &pos, &npos);
	if (rc == 0 && cli.no_config && cli.config_path)
		rc = gk_usage_error("lint: --config and --no-config cannot be used together");
	if (rc == 0)
		crc = load_config(&a, &cli, &cfg, &cfg_path, &cerr);
	if (rc == 0)
		rc = replay(&a, &cli); /* the command line overrides the file */
	if (rc == 0 && crc < 0) {
		rc = config_failed(&a, cfg_path ? cfg_path : cli.config_path, &cerr);
	} else if (rc == 0 && npos > 0) {
		rc = run_lint(&a, pos, npos);
	} else if (rc == 0 && cfg && cfg->n_paths > 0) {
		rc = run_lint(&a, cfg->paths, (int)cfg->n_paths);
	} else if (rc == 0) {
		rc = gk_usage_error("lint: name the migration files or folders to lint%s",
				    cfg ? " (or set `paths` in the configuration file)" : "");
	}
	free(pos);
	free(a.excludes);
	free(cli.opts);
	free(cfg_path);
	gk_config_free(cfg);
	return rc;
}

const gk_cmd gk_cmd_lint = {
	.name = "lint",
	.summary = "check migration files for locking, destructive and unsafe operations",
	.usage = "[options] PATH...",
	.opts = lint_opts,
	.run = lint_main,
};
