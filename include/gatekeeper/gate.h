/*
 * gatekeeper/gate.h - the release gate, run before `prisma migrate deploy`
 * (or flyway migrate, migrate up, dbmate up): may the pending migrations
 * go to this database now?
 *
 * It passes only when
 *  - the target's history has no failed, edited or missing migration
 *    (status, target/target.h);
 *  - the target has no drift from the schema its applied migrations build
 *    (drift, gatekeeper/drift.h);
 *  - every pending migration lints clean at the fail level, with the
 *    schema model taught by the applied ones (gatekeeper/lint.h);
 *  - every pending migration applies on a clone of that expected schema,
 *    traced statement by statement (replay/replay.h), its lock and
 *    rewrite findings naming each table's size on the target;
 *  - no session on the target holds or waits for a lock that conflicts
 *    with one the pending migrations take (blocking-session), and, for a
 *    pending CREATE/DROP INDEX or REINDEX CONCURRENTLY, no session it
 *    would wait for: writers or lockers of its table, transactions of the
 *    database with an older snapshot (blocking-session, "CONCURRENTLY
 *    waits for transactions older than the build"; see
 *    gk_target_concurrently_waits);
 *  - with lock_timeout: external, the deploying role gets a lock_timeout
 *    no longer than the advice from pg_db_role_setting
 *    (external-lock-timeout-missing);
 *  - the target's data meets what each pending statement needs: no NULL
 *    for SET NOT NULL, no duplicate for a unique index, no violating or
 *    orphan row for a CHECK or FOREIGN KEY, no value a narrowing type
 *    change cannot hold (precondition-failed; counted read-only under a
 *    statement_timeout per check, see --data-checks);
 *  - no pending statement is predicted to hold its lock on the target's
 *    table longer than `lock_budget:` allows (lock-window-over-budget;
 *    calibrated on the shadow, extrapolated to the target's size);
 * and it reports invalid indexes and NOT VALID constraints left on the
 * target, and how much data a DROP or TRUNCATE destroys
 * (data-loss-estimate).  A deploy already running (Prisma's advisory lock held) ends
 * the gate with exit 3: the history is changing, retry later.
 *
 * The target is only read, through read-only sessions; nothing is written
 * there.  Passwords never appear in messages.
 */
#ifndef GATEKEEPER_GATE_H
#define GATEKEEPER_GATE_H

#include "common.h"
#include "types.h"
#include "lint.h"
#include "report.h"
#include "config.h"

/* How the data preconditions are checked on the target. */
enum gk_data_checks {
	GK_DATA_CHECKS_FULL = 0,   /* count over every row, each check under its time limit */
	GK_DATA_CHECKS_SAMPLE,     /* the first rows of each table; data loss from the statistics */
	GK_DATA_CHECKS_OFF,
};

typedef struct gk_gate_options {
	gk_lint_options lint;           /* rules, severities, pg_version */
	bool pg_version_from_target;    /* the target's major version replaces lint.pg_version */
	const char *target_url;         /* the live database (required) */
	const char *const *dirs;        /* the migration folders (required) */
	size_t n_dirs;
	enum gk_layout_kind layout;     /* GK_LAYOUT_AUTO = detected */
	const char *history_table;      /* NULL = the tool's default */
	gk_shadow_options shadow;       /* where to replay (url NULL = private cluster) */
	const char *shadow_init;        /* SQL run on the shadow before the first migration */
	double replay_timeout_s;        /* time limit of each migration's replay; 0 = the default */
	const char *const *schemas;     /* drift: compare only these; NULL/0 = all */
	size_t n_schemas;
	const char *const *ignore;      /* drift: ignore globs on "kind:identity" */
	size_t n_ignore;
	bool include_grants, include_owners, include_comments; /* drift: also compare these */
	/* lint.lock_timeout_external: the role whose pg_db_role_setting must
	 * give the deploy a lock_timeout (NULL = the connecting user), and
	 * where that name came from, for the report (NULL = "--deploy-role"). */
	const char *deploy_role;
	const char *deploy_role_from;
	/* As gk_check_options.handle_signals. */
	bool handle_signals;
	enum gk_data_checks data_checks; /* default: full */
	double data_check_timeout_s;    /* statement_timeout of each data check; 0 = 10 s */
	gk_log log;                     /* diagnostics in no report (replay cache); zeroed = dropped */
	/* Severity by the size of the target's tables (lock, rewrite, scan and
	 * index-build findings get the table's size and activity either way). */
	gk_size_thresholds size_thresholds;
	/* Predicted lock windows: each pending statement that rewrites or
	 * scans a table the target has rows in, or builds an index on it, is
	 * calibrated on a copy of the expected schema on the shadow and
	 * extrapolated to the target's size (as `check --stats` does from a
	 * file).  The total time the calibration may take (seconds; 0 = the
	 * default, 120 s), and the budget that makes an estimate above it a
	 * `lock-window-over-budget` finding (NULL = none). */
	double estimate_limit_s;
	const gk_lock_budget *lock_budget;
} gk_gate_options;

/**
 * Run the gate into `r`: the status of every migration, the findings of
 * each check, the replay of the pending migrations with their observed
 * locks, the target and the shadow.  Returns 0; GK_ECONFIG for a setup
 * the gate cannot use (no URL or folder, an unreadable file, a history
 * table of the wrong shape, shadow and target of different major
 * versions) with a message for the user (exit 2).  A target or shadow
 * that cannot be reached is a db_connect error on the report (exit 3)
 * and 0, with what was found before.  Call gk_report_finish() afterwards.
 */
int gk_gate_run(gk_report *r, const gk_gate_options *o, gk_error *err);

#endif
