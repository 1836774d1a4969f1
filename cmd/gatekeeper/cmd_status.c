/*
 * cmd_status.c - `gatekeeper status [--database URL] [MIGRATIONS_DIR...]`:
 * the migration history of a live database against the folder
 * (the job in src/status), like `prisma migrate status` for every
 * supported tool.
 *
 * The database is --database, else $DATABASE_URL (Prisma's own variable;
 * its Prisma-only parameters such as ?schema= are understood).  It is
 * only read, through a read-only session.  Folders: the arguments, else
 * `paths` from gatekeeper.yml, else prisma/migrations when it exists;
 * several folders form one history (Flyway's locations).
 *
 * Exit codes: 1 when a migration failed, was edited after it was applied
 * or is missing from the folder; 0 otherwise (pending migrations are
 * information); 3 when the database cannot be reached, times out, or a
 * deploy is running right now (retry later), with the --json/--junit
 * artefacts still written and holding the error; 2 for usage and setup
 * errors (no URL, an unreadable history table).  The password of the URL
 * never reaches any output.
 */
#include "report_opts.h"
#include "gatekeeper/status.h"
#include "layout/layout.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { OPT_DATABASE = GK_OPT_COMMAND, OPT_LAYOUT, OPT_HISTORY_TABLE };

static const gk_opt status_opts[] = {
	{"database", 0, GK_OPT_VALUE, "URL", "the database to read (libpq or Prisma URL; default $DATABASE_URL); only "
	 "read, through a read-only session", OPT_DATABASE},
	{"layout", 0, GK_OPT_VALUE, "KIND", "which tool's history to compare with: auto (default: detected from the "
	 "folder), prisma, flyway, golang-migrate, dbmate or diesel", OPT_LAYOUT},
	{"history-table", 0, GK_OPT_VALUE, "NAME", "the tool's history table, [schema.]name (default: the tool's, in "
	 "the schema it uses)", OPT_HISTORY_TABLE},
	{0},
};

typedef struct status_ctx {
	const char *url;
	const char *table;
	enum gk_layout_kind layout;
	bool layout_set;
} status_ctx;

static int apply_status_opt(void *p, const gk_opt *opt, const char *v)
{
	status_ctx *c = p;
	switch (opt->id) {
	case OPT_DATABASE: c->url = v; return 0;
	case OPT_HISTORY_TABLE: c->table = v; return 0;
	case OPT_LAYOUT:
		if (gk_layout_kind_parse(&c->layout, v) < 0 || c->layout == GK_LAYOUT_PLAIN)
			return gk_usage_error("status: --layout must be auto, prisma, flyway, golang-migrate, dbmate or "
					      "diesel, not '%s'", v);
		c->layout_set = true;
		return 0;
	}
	return gk_usage_error("status: option '--%s' is not handled", opt->name);
}

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The job (src/status) adds a failure of the run to the report, a setup
 * error (GK_ECONFIG: the URL, the folders, the role's privileges) is exit
 * 2 without one. */
static int run_status(gk_run_args *a, status_ctx *c, const char *const *dirs, size_t n)
{
	gk_report *r = gk_run_report(a);
	if (!r) {
		fprintf(stderr, "gatekeeper: out of memory\n");
		return GK_EXIT_INTERNAL;
	}
	double t0 = gk_now();
	gk_error err = {0, ""};
	gk_status_options o = {
		.lint = a->lint,
		.target_url = c->url,
		.dirs = dirs,
		.n_dirs = n,
		.layout = c->layout,
		.history_table = c->table,
		.pg_version_set = a->pg_version_set,
	};
	int rc = gk_status_run(r, &o, &err);
	if (rc == GK_ECONFIG) {
		gk_report_free(r);
		return gk_run_setup_failed(a, NULL, &err);
	}
	if (rc != 0)
		gk_diag("%s", err.msg);
	gk_report_finish(r, a->fail_level, gk_now() - t0);
	return gk_run_emit(a, r);
}

/* The folders: arguments, else gatekeeper.yml's paths, else prisma/migrations. */
static int pick_dirs(gk_run_args *a, char **pos, int npos, const char *const **dirs, size_t *n)
{
	if (npos > 0) {
		*dirs = (const char *const *)pos;
		*n = (size_t)npos;
	} else if (a->config && a->config->n_paths > 0) {
		*dirs = (const char *const *)a->config->paths;
		*n = a->config->n_paths;
	} else if (is_dir("prisma/migrations")) {
		static const char *const prisma[] = {"prisma/migrations"};
		*dirs = prisma;
		*n = 1;
	} else {
		gk_error e;
		gk_error_set(&e, GK_ECONFIG, "status: no migrations folder: give MIGRATIONS_DIR, set `paths` in %s, or "
			     "run it where prisma/migrations is", GK_CONFIG_NAME);
		return gk_run_setup_failed(a, NULL, &e);
	}
	for (size_t i = 0; i < *n; i++)
		if (!is_dir((*dirs)[i])) {
			gk_error e;
			gk_error_set(&e, GK_ECONFIG, "status: %s is not a folder", (*dirs)[i]);
			return gk_run_setup_failed(a, (*dirs)[i], &e);
		}
	return 0;
}

static int status_main(int argc, char **argv)
{
	gk_run_args a;
	status_ctx c = {.layout = GK_LAYOUT_AUTO};
	gk_run_args_init(&a, "status");
	a.apply_own = apply_status_opt;
	a.own_ctx = &c;
	char **pos = NULL;
	int npos = 0;
	const char *const *dirs = NULL;
	size_t n = 0;
	int rc = gk_run_setup(&a, &gk_cmd_status, argc, argv, &pos, &npos);
	if (rc == 0)
		rc = pick_dirs(&a, pos, npos, &dirs, &n);
	if (rc == 0 && !c.layout_set && a.config)
		c.layout = a.config->layout;
	if (rc == 0 && !c.url)
		c.url = getenv("DATABASE_URL");
	if (rc == 0 && (!c.url || !*c.url)) {
		gk_error e;
		gk_error_set(&e, GK_ECONFIG, "status: no database: give --database URL or set DATABASE_URL");
		rc = gk_run_setup_failed(&a, NULL, &e);
	}
	if (rc == 0)
		rc = run_status(&a, &c, dirs, n);
	free(pos);
	gk_run_args_free(&a);
	return rc;
}

const gk_cmd gk_cmd_status = {
	.name = "status",
	.summary = "the migration history of a live database against the folder: applied, pending, failed, edited, "
		   "missing",
	.usage = "[options] [MIGRATIONS_DIR...]",
	.opts = status_opts,
	.shared = gk_report_opts,
	.run = status_main,
	.args = GK_ARGS_DIRS,
};
