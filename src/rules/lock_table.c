/*
 * lock-table
 *
 * LOCK TABLE takes the named lock (ACCESS EXCLUSIVE when no mode is given)
 * and keeps it until the transaction ends, so every later statement of the
 * migration lengthens the time others wait.  Waiting for a strong lock also
 * queues every later query on the table behind it.  No PostgreSQL version
 * makes this safe; statements take the locks they need by themselves.
 * Tables created earlier in the same change are exempt.
 */
#include "lint/lint_internal.h"

static const char help_no_tx[] =
	"LOCK TABLE only works inside a transaction block; drop it, or wrap it and the statements it protects in "
	"BEGIN ... COMMIT with a short lock_timeout.";

static void lock_one(gk_lint *l, const gk_stmt *s, const PgQuery__RangeVar *rv)
{
	if (!rv->relname || gk_lint_is_new(l, rv))
		return;
	char t[256];
	gk_rv_name(rv, t, sizeof t);
	enum gk_lockmode m = gk_stmt_lock_on(s->node, gk_lint_pg(l), rv->schemaname, rv->relname, NULL);
	if (!s->in_transaction)
		gk_lint_report(l, s, rv->location, help_no_tx,
			       "LOCK TABLE %s outside a transaction block fails: PostgreSQL only allows LOCK inside BEGIN ... COMMIT",
			       t);
	else if (gk_lockmode_blocks_writes(m))
		gk_lint_report(l, s, rv->location, NULL,
			       "LOCK TABLE %s IN %s MODE %s until the transaction ends, and conflicting queries queue behind it while it waits",
			       t, gk_lockmode_name(m), gk_lockmode_blocks(m));
	else
		/* Weak modes only hold off schema changes, but for the whole transaction. */
		gk_lint_report(l, s, rv->location, NULL,
			       "LOCK TABLE %s IN %s MODE holds off conflicting schema changes and maintenance on it until the transaction ends",
			       t, gk_lockmode_name(m));
}

static void check(gk_lint *l, const gk_stmt *s)
{
	if (s->node->node_case != PG_QUERY__NODE__NODE_LOCK_STMT)
		return;
	const PgQuery__LockStmt *ls = s->node->lock_stmt;
	for (size_t i = 0; i < ls->n_relations; i++)
		if (ls->relations[i]->node_case == PG_QUERY__NODE__NODE_RANGE_VAR)
			lock_one(l, s, ls->relations[i]->range_var);
}

const gk_rule gk_rule_lock_table = {
	.info = {
		.id = "lock-table",
		.category = GK_CAT_LOCKING,
		.severity = GK_SEV_WARNING,
		.summary = "explicit LOCK TABLE on an existing table",
		.why = "LOCK TABLE holds its lock (ACCESS EXCLUSIVE by default, which blocks even reads) until the "
		       "transaction ends, so everything the migration does after it extends the outage; while the lock "
		       "is awaited, every new query on the table queues behind it.",
		.help = "Drop the explicit lock: each statement takes the lock it needs for as long as it needs it. If "
			"you must serialise, use the weakest mode that works (SHARE ROW EXCLUSIVE blocks writes, not "
			"reads), SET lock_timeout first, and keep the transaction short.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, "ACCESS EXCLUSIVE is the default mode", "LOCK TABLE users;"},
			{GK_EXAMPLE_BAD, 0, 0, "every mode is named, one finding per table",
			 "LOCK TABLE accounts, ledger IN SHARE ROW EXCLUSIVE MODE NOWAIT;"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "outside a transaction block LOCK is an error", "LOCK users;"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "inside an explicit transaction",
			 "BEGIN;\nLOCK TABLE users IN ACCESS SHARE MODE;\nCOMMIT;"},
			{GK_EXAMPLE_OK, 0, 0, "a table created earlier in the same change",
			 "CREATE TABLE staging (id bigint);\nLOCK TABLE staging IN EXCLUSIVE MODE;"},
			{GK_EXAMPLE_OK, 0, 0, NULL, "ALTER TABLE users ADD COLUMN note text;"},
		},
	},
	.check = check,
};
