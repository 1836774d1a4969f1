/*
 * missing-lock-timeout, locks-held-across-statements: how long a lock
 * blocks other sessions.
 *
 * A lock request waits behind every open transaction that holds a
 * conflicting lock, and every later request on the table queues behind the
 * waiting one.  So an ALTER TABLE that waits behind one slow query stops
 * all traffic on the table, reads included when it asks for ACCESS
 * EXCLUSIVE.  `SET lock_timeout` (PostgreSQL 9.3+) makes the request give
 * up instead; the migration fails cleanly and can be retried.  Once
 * granted, a lock is held until the transaction ends, so every statement
 * that runs after an ACCESS EXCLUSIVE lock in the same transaction extends
 * the outage.  Which lock a statement takes is decided in locks.c only;
 * which statements share a transaction (and whether a SET LOCAL still
 * holds) is decided by the engine from the runner model.
 * Tables created in the same change are empty and exempt.
 */
#include "../lint_internal.h"

#include <stdio.h>
#include <string.h>

/* Name of a statement for messages; "statement" when not interesting. */
static const char *stmt_tag(const PgQuery__Node *n)
{
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT: return "ALTER TABLE";
	case PG_QUERY__NODE__NODE_INDEX_STMT: return "CREATE INDEX";
	case PG_QUERY__NODE__NODE_DROP_STMT: return "DROP";
	case PG_QUERY__NODE__NODE_REINDEX_STMT: return "REINDEX";
	case PG_QUERY__NODE__NODE_RENAME_STMT: return "ALTER ... RENAME";
	case PG_QUERY__NODE__NODE_TRUNCATE_STMT: return "TRUNCATE";
	case PG_QUERY__NODE__NODE_LOCK_STMT: return "LOCK TABLE";
	case PG_QUERY__NODE__NODE_VACUUM_STMT: return "VACUUM";
	case PG_QUERY__NODE__NODE_CLUSTER_STMT: return "CLUSTER";
	case PG_QUERY__NODE__NODE_REFRESH_MAT_VIEW_STMT: return "REFRESH MATERIALIZED VIEW";
	case PG_QUERY__NODE__NODE_CREATE_TRIG_STMT: return "CREATE TRIGGER";
	case PG_QUERY__NODE__NODE_RULE_STMT: return "CREATE RULE";
	case PG_QUERY__NODE__NODE_CREATE_POLICY_STMT: return "CREATE POLICY";
	case PG_QUERY__NODE__NODE_UPDATE_STMT: return "UPDATE";
	case PG_QUERY__NODE__NODE_DELETE_STMT: return "DELETE";
	case PG_QUERY__NODE__NODE_INSERT_STMT: return "INSERT";
	case PG_QUERY__NODE__NODE_SELECT_STMT: return "SELECT";
	case PG_QUERY__NODE__NODE_CREATE_STMT: return "CREATE TABLE";
	default: return "statement";
	}
}

/* The lock is on a table (or an index of a table) created in this change. */
static bool lock_on_new(const gk_lint *l, const gk_lock *lk)
{
	const gk_rel *r = lk->is_index ? gk_state_find_index_table(l->state, lk->schema, lk->name)
				       : gk_state_find(l->state, lk->schema, lk->name);
	return r && gk_state_is_new(l->state, r->change);
}

/* First lock of `s` on an existing relation that is at least `min`, or NULL. */
static const gk_lock *existing_lock_at_least(const gk_lint *l, const gk_stmt *s, enum gk_lockmode min, gk_lock *buf)
{
	size_t n = gk_stmt_locks(s->node, gk_lint_pg(l), buf, GK_MAX_LOCKS);
	for (size_t i = 0; i < n; i++)
		if (buf[i].mode >= min && !lock_on_new(l, &buf[i]))
			return &buf[i];
	return NULL;
}

static void lock_target(const gk_lock *lk, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s%s", lk->is_index ? "index " : "", lk->schema ? lk->schema : "",
		 lk->schema ? "." : "", lk->name);
}

/* ---- missing-lock-timeout ---- */

static void check_timeout(gk_lint *l, const gk_stmt *s)
{
	/* One finding per file: the fix is one SET at the top.  A timeout the
	 * deploying role or URL sets (lock_timeout: external, verified by
	 * `gate`) covers every file. */
	if (l->opts->lock_timeout_external || l->lock_timeout_set || gk_lint_count_current(l) > 0)
		return;
	gk_lock locks[GK_MAX_LOCKS];
	const gk_lock *lk = existing_lock_at_least(l, s, GK_LOCK_SHARE, locks);
	if (!lk)
		return;
	char target[300], help[700], recipe[600];
	lock_target(lk, target, sizeof target);
	snprintf(help, sizeof help, "%s A blocked lock request then fails fast instead of queueing traffic; retry "
		 "the migration when it times out.",
		 gk_lint_lock_timeout_recipe(l, recipe, sizeof recipe));
	gk_lint_report(l, s, -1, help,
		       "%s locks %s in %s mode (%s) with no lock_timeout set: while it waits behind a running "
		       "query, every other query on the table queues behind it",
		       stmt_tag(s->node), target, gk_lockmode_name(lk->mode), gk_lockmode_blocks(lk->mode));
}

const gk_rule gk_rule_missing_lock_timeout = {
	.info = {
		.id = "missing-lock-timeout",
		.category = GK_CAT_LOCKING,
		.severity = GK_SEV_WARNING,
		.summary = "a lock that blocks writes is requested on an existing table without SET lock_timeout",
		.why = "A lock request waits behind any transaction using the table, and all later queries on the "
		       "table wait behind the request. Without lock_timeout, one long-running query turns a "
		       "millisecond ALTER TABLE into an outage of the table for as long as that query runs. Only a "
		       "timeout in effect for the statement counts: one set earlier in the same file (a SET LOCAL "
		       "only inside its own transaction, so not under a runner that sends statements one by one "
		       "without BEGIN; `SELECT set_config('lock_timeout', ..., is_local)` counts as SET, or as SET "
		       "LOCAL when is_local is true), not one a previous migration may have left in the session, since the files "
		       "of one deploy differ from run to run. With `lock_timeout: external` in the configuration "
		       "(the deploying role or connection sets it; `gate --deploy-role` verifies) no file needs one.",
		.help = "Start the migration with `SET LOCAL lock_timeout = '2s';` (PostgreSQL 9.3+; the value is "
			"`lock_timeout_advice:`) so a blocked lock request fails fast instead of queueing traffic, and "
			"retry the migration when it times out. When the runner sends each statement on its own, wrap "
			"the file in `BEGIN; SET LOCAL lock_timeout = '2s'; ... COMMIT;` instead, or, for a file that "
			"must run outside a transaction, use `SET lock_timeout` at the top and `RESET lock_timeout` at "
			"the end.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "ALTER TABLE users ADD COLUMN nickname text;"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_WHOLE, "a SHARE lock blocks writes too",
			 "CREATE INDEX users_email_idx ON users (email);"},
			{GK_EXAMPLE_BAD, 0, 0, "lock_timeout = 0 means wait forever",
			 "SET lock_timeout = 0;\nALTER TABLE users ADD COLUMN nickname text;"},
			{GK_EXAMPLE_BAD, 0, 0, "a lock_timeout set after the statement is too late",
			 "ALTER TABLE users ADD COLUMN nickname text;\nSET lock_timeout = '2s';"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "statements sent one by one: SET LOCAL outside BEGIN does nothing",
			 "SET LOCAL lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_WHOLE, "a SET LOCAL ends with its transaction",
			 "BEGIN;\nSET LOCAL lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;\nCOMMIT;\n"
			 "ALTER TABLE orders ADD COLUMN note text;", 1},
			{GK_EXAMPLE_OK, 0, 0, "'0.5s' is 500 ms, as the server reads it",
			 "SET LOCAL lock_timeout = '0.5s';\nALTER TABLE users ADD COLUMN nickname text;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "the file's own transaction",
			 "BEGIN;\nSET LOCAL lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;\nCOMMIT;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "a session SET covers the statements after it, RESET ends it",
			 "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;\n"
			 "ALTER TABLE orders ADD COLUMN note text;\nRESET lock_timeout;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "CONCURRENTLY takes SHARE UPDATE EXCLUSIVE, which lets writes go on",
			 "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);"},
			{GK_EXAMPLE_OK, 0, 0, "a table created in the same migration is empty",
			 "CREATE TABLE users (id bigint PRIMARY KEY);\nALTER TABLE users ADD COLUMN nickname text;\n"
			 "CREATE INDEX users_nickname_idx ON users (nickname);"},
			{GK_EXAMPLE_OK, 0, 0, "plain DML takes ROW EXCLUSIVE, which does not block other writers",
			 "UPDATE users SET nickname = name WHERE id < 1000;"},
		},
	},
	.check = check_timeout,
};

/* ---- locks-held-across-statements ---- */

/* Statements that take no time and no locks of their own. */
static bool does_work(const PgQuery__Node *n)
{
	return n->node_case != PG_QUERY__NODE__NODE_TRANSACTION_STMT &&
	       n->node_case != PG_QUERY__NODE__NODE_VARIABLE_SET_STMT &&
	       n->node_case != PG_QUERY__NODE__NODE_VARIABLE_SHOW_STMT;
}

/* Did an earlier statement of the same transaction already hold this lock?
 * Then that statement was reported, and the table is not locked anew. */
static bool already_held(gk_lint *l, const gk_stmt *s, const gk_lock *lk)
{
	return gk_lint_ael_before(l, s, lk->schema, lk->name);
}

static void check_held(gk_lint *l, const gk_stmt *s)
{
	if (s->tx_id < 0)
		return;
	gk_lock locks[GK_MAX_LOCKS];
	const gk_lock *lk = existing_lock_at_least(l, s, GK_LOCK_ACCESS_EXCLUSIVE, locks);
	if (!lk || already_held(l, s, lk))
		return;
	const gk_stmt *next = gk_lint_next_in_tx(l, s);
	while (next && !does_work(next->node))
		next = gk_lint_next_in_tx(l, next);
	if (!next)
		return;
	int line, col;
	gk_source_pos(l->src, s->start, &line, &col);
	char target[300];
	lock_target(lk, target, sizeof target);
	gk_lint_report(l, next, -1, NULL,
		       "%s runs while the %s lock that %s on line %d took on %s is still held: nobody "
		       "can read or write %s until the transaction commits",
		       stmt_tag(next->node), gk_lockmode_name(lk->mode), stmt_tag(s->node), line, target, lk->name);
}

const gk_rule gk_rule_locks_held_across_statements = {
	.info = {
		.id = "locks-held-across-statements",
		.category = GK_CAT_LOCKING,
		.severity = GK_SEV_WARNING,
		.summary = "statements run in the same transaction after an ACCESS EXCLUSIVE lock on an existing table",
		.why = "Locks are released only at commit. After a statement takes ACCESS EXCLUSIVE on a table, every "
		       "later statement of the same transaction (a backfill, an index build, a lock wait on another "
		       "table) extends the time during which the table can be neither read nor written. The "
		       "transaction may be the runner's (a per-file runner, or a file sent as one query); a runner "
		       "that sends each statement on its own (Prisma 7.4+) commits after every statement, so there "
		       "it happens only inside a BEGIN ... COMMIT written in the file.",
		.help = "Make the statement that takes ACCESS EXCLUSIVE the last one of its transaction, or move it "
			"to a migration of its own, so its lock is released as soon as it is done.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, "the per-file runner's transaction holds the lock during the backfill",
			 "ALTER TABLE users ADD COLUMN plan text;\nUPDATE users SET plan = 'free';"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_WHOLE, "Prisma runs a multi-statement file as one transaction",
			 "ALTER TABLE users RENAME COLUMN name TO full_name;\nCREATE INDEX orders_user_idx ON orders (user_id);"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "an explicit transaction",
			 "BEGIN;\nALTER TABLE users ADD COLUMN plan text;\nSET lock_timeout = '2s';\n"
			 "ALTER TABLE orders ADD COLUMN note text;\nCOMMIT;"},
			{GK_EXAMPLE_BAD, 0, 0, "reported once per table and transaction, however often it is locked again",
			 "ALTER TABLE users ADD COLUMN a text;\nALTER TABLE users ADD COLUMN b text;\n"
			 "ALTER TABLE users ADD COLUMN c text;\nUPDATE accounts SET flag = true WHERE id = 1;", 1},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "autocommit: each statement commits on its own",
			 "ALTER TABLE users ADD COLUMN plan text;\nUPDATE users SET plan = 'free';"},
			{GK_EXAMPLE_OK, 0, 0, "the lock-taking statement is last; SET and COMMIT do no work",
			 "SET lock_timeout = '2s';\nUPDATE users SET plan = 'free' WHERE plan IS NULL;\n"
			 "ALTER TABLE users ADD COLUMN note text;\nRESET lock_timeout;"},
			{GK_EXAMPLE_OK, 0, 0, "a table created in the same migration is empty",
			 "CREATE TABLE users (id bigint PRIMARY KEY);\nALTER TABLE users ADD COLUMN plan text;\n"
			 "INSERT INTO users (id, plan) VALUES (1, 'free');"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_WHOLE, "a single-statement Prisma file has no transaction",
			 "ALTER TABLE users ADD COLUMN plan text;"},
			{GK_EXAMPLE_OK, 0, 0, "SHARE UPDATE EXCLUSIVE (VALIDATE) lets reads and writes go on",
			 "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;\nUPDATE users SET plan = 'free';"},
		},
	},
	.check = check_held,
};

/* ---- missing-statement-timeout (opt-in) ---- */

/*
 * lock_timeout bounds the wait for a lock; statement_timeout bounds how long
 * the statement then runs while holding it (a rewrite, a scan, a backfill).
 * Same model as missing-lock-timeout: one finding per file, on the first
 * statement that takes a lock blocking writes on an existing table with no
 * statement_timeout in effect.  Off by default: a role or connection often
 * sets it, and the right bound depends on the table sizes.
 */
static void check_statement_timeout(gk_lint *l, const gk_stmt *s)
{
	if (l->statement_timeout_set || gk_lint_count_current(l) > 0)
		return;
	gk_lock locks[GK_MAX_LOCKS];
	const gk_lock *lk = existing_lock_at_least(l, s, GK_LOCK_SHARE, locks);
	if (!lk)
		return;
	char target[300], help[800], recipe[600];
	lock_target(lk, target, sizeof target);
	snprintf(help, sizeof help, "%s Pick the longest time the table may stay locked ('5min' here); a statement "
		 "that runs longer is cancelled and the migration fails, to be retried off-peak or rewritten.",
		 gk_lint_timeout_recipe(l, "statement_timeout", "'5min'", recipe, sizeof recipe));
	gk_lint_report(l, s, -1, help,
		       "%s locks %s in %s mode (%s) with no statement_timeout set: however long it runs, the table "
		       "stays locked",
		       stmt_tag(s->node), target, gk_lockmode_name(lk->mode), gk_lockmode_blocks(lk->mode));
}

const gk_rule gk_rule_missing_statement_timeout = {
	.info = {
		.id = "missing-statement-timeout",
		.category = GK_CAT_LOCKING,
		.severity = GK_SEV_OFF,
		.summary = "opt-in: a lock that blocks writes is taken on an existing table without SET statement_timeout",
		.why = "Once granted, a lock is held until the statement (and its transaction) ends. A statement that "
		       "turns out slow on the production table, a rewrite, a scan for a constraint, a backfill, keeps "
		       "writes (or reads) blocked for as long as it runs; statement_timeout cancels it instead. As for "
		       "missing-lock-timeout, only a timeout set earlier in the same file counts (a SET LOCAL only "
		       "inside its own transaction). Off by default, because the deploying role or connection often "
		       "sets it and the bound depends on the tables: turn it on with `rules: {missing-statement-timeout: "
		       "warning}` in gatekeeper.yml or `--rule missing-statement-timeout=warning`. squawk "
		       "(require-timeout-settings) and strong_migrations (statement_timeout) have the same check.",
		.help = "Start the migration with `SET LOCAL statement_timeout = '5min';` (the longest time the table "
			"may stay locked), next to `SET LOCAL lock_timeout`. When the runner sends each statement on its "
			"own, wrap the file in `BEGIN; SET LOCAL statement_timeout = '5min'; ... COMMIT;`, or, for a file "
			"that must run outside a transaction, use `SET statement_timeout` at the top and `RESET "
			"statement_timeout` at the end.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, "reported once per file",
			 "SET LOCAL lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;\n"
			 "CREATE INDEX users_nickname_idx ON users (nickname);", 1},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "statements sent one by one: SET LOCAL outside BEGIN does nothing",
			 "SET LOCAL statement_timeout = '5min';\nALTER TABLE users ADD COLUMN nickname text;"},
			{GK_EXAMPLE_BAD, 0, 0, "statement_timeout = 0 means no limit",
			 "SET LOCAL statement_timeout = 0;\nALTER TABLE users ALTER COLUMN id TYPE bigint;"},
			{GK_EXAMPLE_OK, 0, 0, NULL,
			 "SET LOCAL lock_timeout = '2s';\nSET LOCAL statement_timeout = '5min';\n"
			 "ALTER TABLE users ADD COLUMN nickname text;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "a session SET covers the statements after it, RESET ends it",
			 "SET statement_timeout = '5min';\nCREATE INDEX users_email_idx ON users (email);\n"
			 "RESET statement_timeout;"},
			{GK_EXAMPLE_OK, 0, 0, "a table created in the same migration is empty",
			 "CREATE TABLE users (id bigint PRIMARY KEY);\nALTER TABLE users ADD COLUMN nickname text;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "CONCURRENTLY lets writes go on (and a timeout would leave an invalid index)",
			 "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);"},
		},
	},
	.check = check_statement_timeout,
};
