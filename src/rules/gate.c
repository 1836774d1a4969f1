/*
 * Gate rules: the release gate's pre-flight on the target database, read
 * from its catalogs and statistics views right before a migration runs
 * (src/target/preflight.c), not from SQL.  They describe the database
 * now, not the migration: the same migration is safe at 3 am and an
 * outage behind an idle-in-transaction session at noon.
 *
 * No check function and no SQL examples: src/target/preflight_test.c
 * creates each situation on the embedded server (a second session holding
 * a lock, a failed CREATE INDEX CONCURRENTLY, a NOT VALID constraint, the
 * Prisma advisory lock held, a role with and without lock_timeout).
 */
#include "lint/lint_internal.h"

#define GATE_TEST "src/target/preflight_test.c"

const gk_rule gk_rule_blocking_session = {
	.info = {
		.id = "blocking-session",
		.category = GK_CAT_GATE,
		.severity = GK_SEV_ERROR,
		.summary = "another session holds or waits for a lock on a table the migration will lock, or holds a "
			   "transaction a CONCURRENTLY build waits for",
		.why = "ALTER TABLE and most DDL need ACCESS EXCLUSIVE, which waits for every transaction that "
		       "touched the table, even with a plain SELECT, to end. While it waits, every new query on the "
		       "table queues behind it: a session idle in transaction for an hour turns a one-millisecond "
		       "ALTER into an hour of outage. This is the usual cause of \"the migration hangs on ALTER "
		       "TABLE\". The CONCURRENTLY forms block no query, but they wait for more: CREATE INDEX "
		       "CONCURRENTLY for every writer of the table, then for every transaction of the database whose "
		       "snapshot is older than the build, on any table (a REPEATABLE READ report idle in its "
		       "transaction keeps the build, and the deploy, waiting as long as it stays open); REINDEX "
		       "CONCURRENTLY for those snapshots and every transaction holding a lock on the table; DROP "
		       "INDEX CONCURRENTLY for every transaction holding a lock on the table.",
		.help = "End or wait out the session (pg_terminate_backend(pid) when it is safe), or deploy later; "
			"always run DDL with a short lock_timeout and retries so a blocked migration gives up instead "
			"of queueing traffic.",
		.tested_by = GATE_TEST,
	},
};

const gk_rule gk_rule_invalid_index = {
	.info = {
		.id = "invalid-index",
		.category = GK_CAT_GATE,
		.severity = GK_SEV_WARNING,
		.summary = "an invalid index (indisvalid = false) is left on the target",
		.why = "A CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY that failed (a duplicate key, a deadlock, "
		       "a cancelled statement) leaves the index behind, marked invalid. Queries never use it, every "
		       "write still updates it, and a migration that creates it again fails because the name is "
		       "taken, or, with IF NOT EXISTS, silently keeps the broken one.",
		.help = "DROP INDEX CONCURRENTLY the invalid index and create it again (fix the duplicates first for a "
			"unique index), or REINDEX INDEX CONCURRENTLY it.",
		.tested_by = GATE_TEST,
	},
};

const gk_rule gk_rule_unvalidated_constraint = {
	.info = {
		.id = "unvalidated-constraint",
		.category = GK_CAT_GATE,
		.severity = GK_SEV_WARNING,
		.summary = "a CHECK or FOREIGN KEY constraint was added NOT VALID and never validated",
		.why = "NOT VALID is the safe first half of adding a constraint; the second half, VALIDATE "
		       "CONSTRAINT, was forgotten. New rows are checked, old ones never were, so the constraint "
		       "promises less than it says, and the planner cannot use it (e.g. to skip the scan of SET NOT "
		       "NULL).",
		.help = "ALTER TABLE ... VALIDATE CONSTRAINT name; in a migration of its own (it takes only SHARE "
			"UPDATE EXCLUSIVE, so reads and writes go on).",
		.tested_by = GATE_TEST,
	},
};

const gk_rule gk_rule_deploy_in_progress = {
	.info = {
		.id = "deploy-in-progress",
		.category = GK_CAT_GATE,
		.severity = GK_SEV_ERROR,
		.summary = "a deploy is running on the target (Prisma's migration lock is held)",
		.why = "`prisma migrate deploy` holds the advisory lock 72707369 while it applies migrations. "
		       "Another deploy would wait for it, and what the history table says now is about to change: "
		       "a migration without finished_at is being applied, not failed. The run ends with exit code "
		       "3 so that the job is retried later.",
		.help = "Retry when the other deploy has finished; if no deploy is running, find the session holding "
			"the lock (pg_locks, locktype advisory, objid 72707369) and end it.",
		.tested_by = GATE_TEST,
	},
};

const gk_rule gk_rule_external_lock_timeout_missing = {
	.info = {
		.id = "external-lock-timeout-missing",
		.category = GK_CAT_GATE,
		.severity = GK_SEV_ERROR,
		.summary = "lock_timeout: external is declared, but the deploying role gets no short lock_timeout "
			   "from the target",
		.why = "With `lock_timeout: external` the migration files carry no SET lock_timeout, because the "
		       "deploy's sessions are said to get one from outside. If they do not, a migration blocked "
		       "behind a long transaction waits without limit, and every query on its table queues behind "
		       "it. `gate` reads what the server gives the deploying role (--deploy-role, default the "
		       "connecting user) in this database: ALTER ROLE ... IN DATABASE, ALTER ROLE, ALTER DATABASE "
		       "(pg_db_role_setting), and finds none, 0, or one longer than lock_timeout_advice.",
		.help = "ALTER ROLE deployer SET lock_timeout = '2s'; (or ... IN DATABASE name). A timeout set in the "
			"deploy's own connection (URL options=-c lock_timeout=..., PGOPTIONS) cannot be verified from "
			"the target: declare it as a role setting, or switch this rule off.",
		.tested_by = GATE_TEST,
	},
};
