/*
 * cmd_gate.c - `gatekeeper gate [options] [MIGRATIONS_DIR...]`: the release
 * gate before `prisma migrate deploy` (src/gate/gate.c): status, drift,
 * the lint and the traced replay of the pending migrations, and the
 * target's pre-flight.  The target comes from --database or $DATABASE_URL
 * and is only read.  The lint's PostgreSQL version is the target's unless
 * --pg-version or the configuration names one.  --deploy-role names the
 * role whose settings must give the deploy its lock_timeout when the
 * configuration says `lock_timeout: external` (over its `deploy_role:`).
 * --data-checks and --data-check-timeout bound the data preconditions
 * counted on the target (src/target/preconditions.c); --estimate-limit
 * bounds the lock-window estimate and `lock_budget:` applies to it.  Exit codes: 0 the deploy
 * may go, 1 it must not, 2 usage or setup, 3 the target or the shadow
 * cannot be reached, or a deploy is running right now (retry later).
 */
#include "live_opts.h"
#include "gatekeeper/gate.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

enum { OPT_DEPLOY_ROLE = GK_OPT_COMMAND, OPT_DATA_CHECKS, OPT_DATA_CHECK_TIMEOUT, OPT_ESTIMATE_LIMIT };

static const gk_opt gate_opts[] = {
	GK_LIVE_OPTS,
	{"deploy-role", 0, GK_OPT_VALUE, "ROLE", "with lock_timeout: external, the role that runs the deploy, whose "
	 "role and database settings must give it a lock_timeout (default: the connecting user)", OPT_DEPLOY_ROLE},
	{"data-checks", 0, GK_OPT_VALUE, "full|sample|off", "count the rows that would make a pending statement fail "
	 "(NULLs, duplicates, orphans, values that do not fit) and the data a DROP or TRUNCATE destroys: over every "
	 "row (full, the default), over the first 100000 rows of each table (sample), or not at all", OPT_DATA_CHECKS},
	{"data-check-timeout", 0, GK_OPT_VALUE, "DURATION", "statement_timeout of each data check (default 10s); a "
	 "check that runs out is reported as not run", OPT_DATA_CHECK_TIMEOUT},
	{"estimate-limit", 0, GK_OPT_VALUE, "DURATION", "total time the lock-window estimate may calibrate on the shadow "
	 "(default 2min): past it the statements left are noted as not estimated", OPT_ESTIMATE_LIMIT},
	{0},
};

typedef struct gate_args {
	gk_live_args live;
	const char *deploy_role;
	enum gk_data_checks data_checks;
	double data_check_timeout;
	double estimate_limit;
} gate_args;

static int apply_gate_opt(void *p, const gk_opt *opt, const char *v)
{
	gate_args *g = p;
	if (opt->id == OPT_DEPLOY_ROLE) {
		if (!*v)
			return gk_usage_error("gate: --deploy-role needs a role name");
		g->deploy_role = v;
		return 0;
	}
	if (opt->id == OPT_DATA_CHECKS) {
		if (strcmp(v, "full") == 0)
			g->data_checks = GK_DATA_CHECKS_FULL;
		else if (strcmp(v, "sample") == 0)
			g->data_checks = GK_DATA_CHECKS_SAMPLE;
		else if (strcmp(v, "off") == 0)
			g->data_checks = GK_DATA_CHECKS_OFF;
		else
			return gk_usage_error("gate: --data-checks is full, sample or off, not '%s'", v);
		return 0;
	}
	if (opt->id == OPT_DATA_CHECK_TIMEOUT) {
		if (gk_parse_duration(v, &g->data_check_timeout) < 0 || g->data_check_timeout <= 0)
			return gk_usage_error("gate: --data-check-timeout wants a duration such as 10, 30s or 2min, not "
					      "'%s'", v);
		return 0;
	}
	if (opt->id == OPT_ESTIMATE_LIMIT) {
		if (gk_parse_duration(v, &g->estimate_limit) < 0 || g->estimate_limit <= 0)
			return gk_usage_error("gate: --estimate-limit wants a duration such as 90s or 5min, not '%s'", v);
		return 0;
	}
	int rc = gk_live_apply(&g->live, opt, v);
	return rc != 1 ? rc : gk_usage_error("gate: option '--%s' is not handled", opt->name);
}

static int gate_job(gk_report *r, void *ctx, gk_error *err)
{
	return gk_gate_run(r, ctx, err);
}

static int gate_main(int argc, char **argv)
{
	gk_run_args a;
	gate_args g = {.deploy_role = NULL};
	gk_live_args *l = &g.live;
	gk_live_init(l, "gate");
	gk_run_args_init(&a, "gate");
	a.apply_own = apply_gate_opt;
	a.own_ctx = &g;
	char **pos = NULL;
	int npos = 0;
	int rc = gk_run_setup(&a, &gk_cmd_gate, argc, argv, &pos, &npos);
	if (rc == 0) {
		gk_live_resolve(l, &a, pos, npos);
		rc = gk_shadow_url_resolve(&a, &l->shadow.url, &l->shadow_url);
	}
	if (rc == 0) {
		gk_gate_options o = {
			.lint = a.lint, .pg_version_from_target = !a.pg_version_set, .target_url = l->target_url,
			.dirs = l->dirs, .n_dirs = l->n_dirs, .layout = l->layout, .history_table = l->history_table,
			.shadow = l->shadow, .shadow_init = l->shadow_init, .replay_timeout_s = l->replay_timeout,
			.schemas = l->schemas, .n_schemas = l->n_schemas, .ignore = l->ignore, .n_ignore = l->n_ignore,
			.include_grants = l->grants, .include_owners = l->owners, .include_comments = l->comments,
			.deploy_role = g.deploy_role ? g.deploy_role : a.config ? a.config->deploy_role : NULL,
			.deploy_role_from = g.deploy_role || !a.config ? NULL : "deploy_role in the configuration",
			.handle_signals = true,
			.data_checks = g.data_checks, .data_check_timeout_s = g.data_check_timeout,
			.log = gk_run_log,
			.size_thresholds = a.config ? a.config->size_thresholds : (gk_size_thresholds){0},
			.estimate_limit_s = g.estimate_limit,
			.lock_budget = a.config ? &a.config->lock_budget : NULL,
		};
		rc = gk_run_job(&a, gate_job, &o);
	}
	free(pos);
	gk_live_free(l);
	gk_run_args_free(&a);
	return rc;
}

const gk_cmd gk_cmd_gate = {
	.name = "gate",
	.summary = "the release gate: may the pending migrations be deployed to this database now?",
	.usage = "[options] [MIGRATIONS_DIR...]",
	.opts = gate_opts,
	.shared = gk_report_opts,
	.run = gate_main,
	.args = GK_ARGS_DIRS,
	.job_signals = true,
};
