/*
 * Replay rules: what applying the migrations to a shadow database proved,
 * found by `gatekeeper check` (src/check/replay.c) and by `gatekeeper gate`
 * for the pending migrations (src/gate/gate.c), not by reading SQL.
 * The static rules guess from the statement which lock it takes; these
 * report what the server actually did on the version the shadow runs,
 * including what no static rule can know (a volatile default's rewrite, a
 * lock taken through a trigger or a foreign key on the other table).
 *
 * Observed locks are reported for relations that existed before the
 * migration (objects it creates are invisible to other sessions), per
 * statement, with the time the lock was held on the shadow: production
 * holds it at least that long, longer on real data.
 *
 * No check function and no SQL examples: src/check/replay_test.c replays
 * real repositories on the embedded server for each of them.
 */
#include "lint/lint_internal.h"

#define REPLAY_TEST "src/check/replay_test.c"

const gk_rule gk_rule_replay_failed = {
	.info = {
		.id = "replay-failed",
		.category = GK_CAT_REPLAY,
		.severity = GK_SEV_ERROR,
		.summary = "the migration does not apply on a database built from the migrations before it",
		.why = "The shadow database received every earlier migration in the tool's order and with the tool's "
		       "transaction semantics (Prisma sends a file as one query, Flyway and dbmate wrap it in a "
		       "transaction), so the server's error is the one `migrate deploy` will hit in production. A "
		       "failed Prisma migration blocks every later deploy until it is resolved by hand.",
		.help = "Fix the statement at the reported position. For CREATE INDEX CONCURRENTLY in a Prisma "
			"migration, put it alone in its own migration.",
		.tested_by = REPLAY_TEST,
	},
};

const gk_rule gk_rule_replay_environment = {
	.info = {
		.id = "replay-environment",
		.category = GK_CAT_REPLAY,
		.severity = GK_SEV_ERROR,
		.summary = "the shadow database lacks something the migration needs (extension, role, schema, newer server)",
		.why = "Production got it from somewhere other than the migrations: an extension installed by the "
		       "provider, roles made by hand, a newer PostgreSQL. The migration may well be right, but the "
		       "replay cannot prove it, and the migrations after it were not replayed.",
		.help = "Give the shadow what production has: an SQL file run before the first migration "
			"(`--shadow-init FILE` or `shadow_init` in gatekeeper.yml, like Prisma's shadow database "
			"setup), a shadow server with the extension (`--shadow-url`), or newer binaries (`--pg-bin`).",
		.tested_by = REPLAY_TEST,
	},
};

const gk_rule gk_rule_replay_timeout = {
	.info = {
		.id = "replay-timeout",
		.category = GK_CAT_REPLAY,
		.severity = GK_SEV_ERROR,
		.summary = "the migration did not finish on the shadow database within the replay's time limit",
		.why = "The shadow holds only the schema, no production rows, so a statement that runs for minutes "
		       "there (a sleep, an endless loop in a DO block, a lock wait on itself) will run at least as "
		       "long in production, inside the deploy, holding whatever locks it took. The replay "
		       "cancelled it at the limit (`--replay-timeout`, `replay_timeout:` in gatekeeper.yml, "
		       "default 5 min per migration) so the check still ends, and the migrations after it were "
		       "not replayed.",
		.help = "Find out why the statement runs so long on an empty database; move long data work out of "
			"the migration (a batched job), or raise the limit if the migration really needs the time.",
		.tested_by = REPLAY_TEST,
	},
};

const gk_rule gk_rule_observed_access_exclusive_lock = {
	.info = {
		.id = "observed-access-exclusive-lock",
		.category = GK_CAT_REPLAY,
		.severity = GK_SEV_WARNING,
		.summary = "the statement took an ACCESS EXCLUSIVE lock on an existing table or index",
		.why = "ACCESS EXCLUSIVE conflicts with every other lock, plain SELECTs included. While the statement "
		       "waits for it, every query behind it in the lock queue waits too; once granted it is held to "
		       "the end of the transaction. Brief is fine; held during a scan, a rewrite or a long "
		       "transaction, it is an outage.",
		.help = "Keep the transaction short, set `lock_timeout` (with a retry) so a blocked ALTER gives up "
			"instead of queueing traffic behind it, and prefer the recipes of the static rules that avoid "
			"the lock (NOT VALID + VALIDATE, CONCURRENTLY).",
		.tested_by = REPLAY_TEST,
	},
};

const gk_rule gk_rule_observed_share_lock = {
	.info = {
		.id = "observed-share-lock",
		.category = GK_CAT_REPLAY,
		.severity = GK_SEV_WARNING,
		.summary = "the statement took a lock that blocks writes (SHARE, SHARE ROW EXCLUSIVE, EXCLUSIVE)",
		.why = "These modes let reads through but block INSERT, UPDATE and DELETE on the table until the "
		       "transaction ends: a CREATE INDEX without CONCURRENTLY, a foreign key or trigger added "
		       "without NOT VALID, a REFRESH MATERIALIZED VIEW.",
		.help = "Use the non-blocking form: CREATE INDEX CONCURRENTLY (alone, outside a transaction), "
			"constraints added NOT VALID and validated in a later migration.",
		.tested_by = REPLAY_TEST,
	},
};

const gk_rule gk_rule_observed_table_rewrite = {
	.info = {
		.id = "observed-table-rewrite",
		.category = GK_CAT_REPLAY,
		.severity = GK_SEV_ERROR,
		.summary = "the statement rewrote an existing table or index (new storage file)",
		.why = "A rewrite copies every row under ACCESS EXCLUSIVE: nothing reads or writes the table for the "
		       "whole copy, and the disk needs room for a second copy. The shadow's tables are empty, so "
		       "its timing says nothing about production's.",
		.help = "Avoid the rewrite: add the column without a volatile default and backfill in batches; "
			"change a type through a new column; see the static rule named for the statement.",
		.tested_by = REPLAY_TEST,
	},
};

const gk_rule gk_rule_observed_lock_without_timeout = {
	.info = {
		.id = "observed-lock-without-timeout",
		.category = GK_CAT_REPLAY,
		.severity = GK_SEV_WARNING,
		.summary = "a blocking lock was requested while lock_timeout was 0 (wait forever)",
		.why = "If any session holds a conflicting lock (a long query, an idle transaction), the statement "
		       "waits without limit, and every query that arrives after it queues behind its request: the "
		       "table is down until the holder finishes.",
		.help = "Set a lock timeout for the migration (`SET LOCAL lock_timeout = '2s';` at the top of a file "
			"that runs in one transaction; the value is `lock_timeout_advice:`) and retry the deploy when it "
			"times out.",
		.tested_by = REPLAY_TEST,
	},
};
