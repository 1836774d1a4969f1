/*
 * cmd_drift.c - `gatekeeper drift [options] [MIGRATIONS_DIR...]`: the
 * scheduled drift check (src/drift).  The target comes from --database or
 * $DATABASE_URL; the expected schema from replaying the folders' applied
 * migrations (folders: the arguments, else `paths` in gatekeeper.yml, else
 * prisma/migrations) or from --expected FILE.  Output, settings and exit
 * codes are those of every reporting command (report_opts.h).
 */
#include "report_opts.h"
#include "gatekeeper/drift.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum {
	OPT_DATABASE = GK_OPT_COMMAND, OPT_EXPECTED, OPT_LAYOUT, OPT_HISTORY_TABLE, OPT_SHADOW_URL, OPT_PG_BIN,
	OPT_SHADOW_INIT, OPT_SCHEMA, OPT_IGNORE,
};

static const gk_opt drift_opts[] = {
	{"database", 0, GK_OPT_VALUE, "URL", "the live database (default $DATABASE_URL); read only, never written",
	 OPT_DATABASE},
	{"expected", 0, GK_OPT_VALUE, "FILE", "compare with this snapshot (gatekeeper snapshot) instead of replaying "
	 "the applied migrations", OPT_EXPECTED},
	{"layout", 0, GK_OPT_VALUE, "KIND", "how the folders are read: auto (default), prisma, flyway, golang-migrate, "
	 "dbmate or diesel", OPT_LAYOUT},
	{"history-table", 0, GK_OPT_VALUE, "NAME", "the tool's history table (default: the tool's own name)",
	 OPT_HISTORY_TABLE},
	{"shadow-url", 0, GK_OPT_VALUE, "URL", "replay on this server (default $SHADOW_DATABASE_URL, else a private "
	 "cluster)", OPT_SHADOW_URL},
	{"pg-bin", 0, GK_OPT_VALUE, "DIR", "PostgreSQL binaries for the private cluster", OPT_PG_BIN},
	{"shadow-init", 0, GK_OPT_VALUE, "FILE", "SQL run on the shadow before the first migration", OPT_SHADOW_INIT},
	{"schema", 0, GK_OPT_VALUE, "NAME", "compare only this schema (repeatable)", OPT_SCHEMA},
	{"ignore", 0, GK_OPT_VALUE, "GLOB", "ignore objects matching KIND:IDENTITY or IDENTITY (repeatable), e.g. "
	 "'table:public.tmp_*'", OPT_IGNORE},
	{0},
};

typedef struct drift_ctx {
	gk_drift_options o;
	const char **schemas, **ignore;  /* owned arrays, borrowed strings */
	size_t cap_schemas, cap_ignore;
	bool layout_set;
} drift_ctx;

static int push(const char ***arr, size_t *n, size_t *cap, const char *v)
{
	if (gk_grow(arr, cap, *n + 1, sizeof **arr) < 0)
		return gk_usage_error("out of memory");
	(*arr)[(*n)++] = v;
	return 0;
}

static int apply_drift_opt(void *p, const gk_opt *opt, const char *v)
{
	drift_ctx *c = p;
	switch (opt->id) {
	case OPT_DATABASE: c->o.target_url = v; return 0;
	case OPT_EXPECTED: c->o.expected_path = v; return 0;
	case OPT_HISTORY_TABLE: c->o.history_table = v; return 0;
	case OPT_SHADOW_URL: c->o.shadow.url = v; return 0;
	case OPT_PG_BIN: c->o.shadow.pg_bin = v; return 0;
	case OPT_SHADOW_INIT: c->o.shadow_init = v; return 0;
	case OPT_SCHEMA: return push(&c->schemas, &c->o.n_schemas, &c->cap_schemas, v);
	case OPT_IGNORE: return push(&c->ignore, &c->o.n_ignore, &c->cap_ignore, v);
	case OPT_LAYOUT:
		if (gk_layout_kind_parse(&c->o.layout, v) < 0 || c->o.layout == GK_LAYOUT_PLAIN)
			return gk_usage_error("drift: --layout must be auto, prisma, flyway, golang-migrate, dbmate or "
					      "diesel, not '%s'", v);
		c->layout_set = true;
		return 0;
	}
	return gk_usage_error("drift: option '--%s' is not handled", opt->name);
}

/* Folders: the arguments, else `paths` of the file, else prisma/migrations. */
static void folders(drift_ctx *c, const gk_run_args *a, char **pos, int npos)
{
	static const char *const prisma[] = {"prisma/migrations"};
	struct stat st;
	if (npos > 0) {
		c->o.dirs = (const char *const *)pos;
		c->o.n_dirs = (size_t)npos;
	} else if (a->config && a->config->n_paths > 0) {
		c->o.dirs = (const char *const *)a->config->paths;
		c->o.n_dirs = a->config->n_paths;
	} else if (stat(prisma[0], &st) == 0 && S_ISDIR(st.st_mode)) {
		c->o.dirs = prisma;
		c->o.n_dirs = 1;
	}
}

static int drift_job(gk_report *r, void *ctx, gk_error *err)
{
	return gk_drift_run(r, &((drift_ctx *)ctx)->o, err);
}

static int run_drift(gk_run_args *a, drift_ctx *c)
{
	c->o.lint = a->lint;
	c->o.schemas = c->schemas;
	c->o.ignore = c->ignore;
	if (!c->o.target_url)
		c->o.target_url = getenv("DATABASE_URL");
	if (!c->o.shadow.url)
		c->o.shadow.url = getenv("SHADOW_DATABASE_URL");
	if (!c->o.shadow_init && a->config)
		c->o.shadow_init = a->config->shadow_init;
	if (a->config && !c->layout_set)
		c->o.layout = a->config->layout;
	return gk_run_job(a, drift_job, c);
}

static int drift_main(int argc, char **argv)
{
	gk_run_args a;
	drift_ctx c;
	memset(&c, 0, sizeof c);
	gk_run_args_init(&a, "drift");
	a.apply_own = apply_drift_opt;
	a.own_ctx = &c;
	char **pos = NULL;
	int npos = 0;
	int rc = gk_run_setup(&a, &gk_cmd_drift, argc, argv, &pos, &npos);
	if (rc == 0) {
		folders(&c, &a, pos, npos);
		rc = run_drift(&a, &c);
	}
	free(pos);
	free(c.schemas);
	free(c.ignore);
	gk_run_args_free(&a);
	return rc;
}

const gk_cmd gk_cmd_drift = {
	.name = "drift",
	.summary = "compare a live database's schema with what its applied migrations build (scheduled drift check)",
	.usage = "[options] [MIGRATIONS_DIR...]",
	.opts = drift_opts,
	.shared = gk_report_opts,
	.run = drift_main,
};
