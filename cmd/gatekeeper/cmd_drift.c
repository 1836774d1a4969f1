/*
 * cmd_drift.c - `gatekeeper drift [options] [MIGRATIONS_DIR...]`: the
 * scheduled drift check (src/drift).  The target comes from --database or
 * $DATABASE_URL; the expected schema from replaying the folders' applied
 * migrations (folders: the arguments, else `paths` in gatekeeper.yml, else
 * prisma/migrations) or from --expected FILE.  Output, settings and exit
 * codes are those of every reporting command (report_opts.h); the live
 * options are shared with `gate` (live_opts.h).
 */
#include "live_opts.h"
#include "gatekeeper/drift.h"

#include <stdlib.h>
#include <string.h>

enum { OPT_EXPECTED = GK_OPT_COMMAND };

static const gk_opt drift_opts[] = {
	GK_LIVE_OPTS,
	{"expected", 0, GK_OPT_VALUE, "FILE", "compare with this snapshot (gatekeeper snapshot) instead of replaying "
	 "the applied migrations", OPT_EXPECTED},
	{0},
};

typedef struct drift_ctx {
	gk_live_args live;
	const char *expected;
} drift_ctx;

static int apply_drift_opt(void *p, const gk_opt *opt, const char *v)
{
	drift_ctx *c = p;
	int rc = gk_live_apply(&c->live, opt, v);
	if (rc != 1)
		return rc;
	if (opt->id == OPT_EXPECTED) {
		c->expected = v;
		return 0;
	}
	return gk_usage_error("drift: option '--%s' is not handled", opt->name);
}

static int drift_job(gk_report *r, void *ctx, gk_error *err)
{
	return gk_drift_run(r, ctx, err);
}

static int drift_main(int argc, char **argv)
{
	gk_run_args a;
	drift_ctx c = {.expected = NULL};
	gk_live_init(&c.live, "drift");
	gk_run_args_init(&a, "drift");
	a.apply_own = apply_drift_opt;
	a.own_ctx = &c;
	char **pos = NULL;
	int npos = 0;
	int rc = gk_run_setup(&a, &gk_cmd_drift, argc, argv, &pos, &npos);
	if (rc == 0) {
		gk_live_args *l = &c.live;
		gk_live_resolve(l, &a, pos, npos);
		rc = gk_shadow_url_resolve(&a, &l->shadow.url, &l->shadow_url);
	}
	if (rc == 0) {
		gk_live_args *l = &c.live;
		gk_drift_options o = {
			.lint = a.lint, .target_url = l->target_url, .expected_path = c.expected, .dirs = l->dirs,
			.n_dirs = l->n_dirs, .layout = l->layout, .history_table = l->history_table, .shadow = l->shadow,
			.shadow_init = l->shadow_init, .replay_timeout_s = l->replay_timeout, .schemas = l->schemas, .n_schemas = l->n_schemas,
			.ignore = l->ignore, .n_ignore = l->n_ignore, .include_grants = l->grants,
			.include_owners = l->owners, .include_comments = l->comments, .handle_signals = true,
			.log = gk_run_log,
		};
		rc = gk_run_job(&a, drift_job, &o);
	}
	free(pos);
	gk_live_free(&c.live);
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
	.args = GK_ARGS_DIRS,
	.job_signals = true,
};
