/*
 * non-atomic-migration: a migration whose statements commit one by one.
 *
 * A runner that sends each statement as its own query (SPLIT: Prisma
 * 7.4+, golang-migrate with x-multi-statement) runs each one in its own
 * transaction, unless the file opens one with BEGIN.  When statement k
 * fails, statements 1..k-1 stay committed: the database is in a state no
 * migration describes, and a retry fails on the objects they created.
 * Prisma records the migration as failed and every later `migrate deploy`
 * stops with P3009 until someone repairs the database by hand and runs
 * `prisma migrate resolve`.  Under the other models the runner's or the
 * query's transaction makes the file atomic (a COMMIT in the middle of
 * such a file is transaction-control's business).
 *
 * "Statements with effects" are all but SET, RESET, SHOW, DISCARD and the
 * transaction commands: a file of one DDL statement and some settings is
 * atomic whatever the runner does.
 */
#include "lint/lint_internal.h"

#include <stdio.h>
#include <string.h>

static bool has_effect(const PgQuery__Node *n)
{
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_TRANSACTION_STMT:
	case PG_QUERY__NODE__NODE_VARIABLE_SET_STMT:
	case PG_QUERY__NODE__NODE_VARIABLE_SHOW_STMT:
	case PG_QUERY__NODE__NODE_DISCARD_STMT:
		return false;
	default:
		return true;
	}
}

/* The transaction a statement commits in: its block, or itself alone. */
static long unit_of(const gk_stmt *s)
{
	return s->tx_id >= 0 ? s->tx_id : -1 - (long)s->index;
}

static void report(gk_lint *l, const gk_stmt *second, size_t n_effects, size_t n_units, const char *non_tx)
{
	char help[900], v[32];
	if (non_tx)
		snprintf(help, sizeof help,
			 "Move %s to a migration of its own (it cannot run in a transaction block, and alone it cannot "
			 "half-apply), one such statement per file, and wrap the remaining statements in `BEGIN;` ... "
			 "`COMMIT;`.", non_tx);
	else if (l->opts->lock_timeout_external)
		snprintf(help, sizeof help,
			 "Wrap the migration in `BEGIN;` ... `COMMIT;` so that it applies completely or not at all.");
	else
		snprintf(help, sizeof help,
			 "Wrap the migration in `BEGIN;` ... `COMMIT;` so that it applies completely or not at all; "
			 "with the lock timeout: `BEGIN; SET LOCAL lock_timeout = %s; ... COMMIT;`.",
			 gk_lint_lock_timeout_value(l, v, sizeof v));
	if (gk_lint_prisma(l))
		gk_lint_report(l, second, -1, help,
			       "the %zu statements of this migration commit as %zu separate transactions (Prisma 7.4+ "
			       "sends each statement on its own, and no BEGIN ... COMMIT holds them together): if this "
			       "or a later statement fails, the ones before it stay applied, Prisma records the "
			       "migration as failed and every later `prisma migrate deploy` stops with P3009 until it "
			       "is repaired by hand and resolved", n_effects, n_units);
	else
		gk_lint_report(l, second, -1, help,
			       "the %zu statements of this migration commit as %zu separate transactions (the runner "
			       "sends each statement on its own, and no BEGIN ... COMMIT holds them together): if this "
			       "or a later statement fails, the ones before it stay applied and the migration is left "
			       "half-applied, to be repaired by hand", n_effects, n_units);
}

static void finish_non_atomic(gk_lint *l)
{
	if (l->runner != GK_RUNNER_SPLIT)
		return;
	const gk_stmt *second = NULL;
	const char *non_tx = NULL;
	size_t n_effects = 0, n_units = 0;
	long last_unit = 0;
	for (size_t i = 0; i < l->n_stmts; i++) {
		const gk_stmt *s = &l->stmts[i];
		if (!has_effect(s->node))
			continue;
		long u = unit_of(s);
		if (n_effects == 0 || u != last_unit) {
			n_units++;
			if (n_units == 2)
				second = s;
		}
		last_unit = u;
		n_effects++;
		if (!non_tx)
			non_tx = gk_lint_non_transactional(l, s);
	}
	if (second)
		report(l, second, n_effects, n_units, non_tx);
}

const gk_rule gk_rule_non_atomic_migration = {
	.info = {
		.id = "non-atomic-migration",
		.category = GK_CAT_TRANSACTION,
		.severity = GK_SEV_WARNING,
		.summary = "the statements of a migration commit one by one, so a failure leaves it half-applied",
		.why = "A runner that sends each statement as its own query (Prisma 7.4+ `migrate deploy`; "
		       "golang-migrate with x-multi-statement) commits every statement by itself unless the file "
		       "opens a transaction with BEGIN. When statement k fails, statements 1..k-1 stay applied: the "
		       "database matches no migration, a retry fails on what they created, and Prisma stops every "
		       "later deploy with P3009 until the database is repaired by hand and the migration resolved. "
		       "SET, RESET, SHOW, DISCARD and comments have no effect to undo and do not count. Runners that "
		       "wrap the file in a transaction, or send it as one query, are atomic already.",
		.help = "Wrap the migration in `BEGIN;` ... `COMMIT;` (with the lock timeout: `BEGIN; SET LOCAL "
			"lock_timeout = '2s'; ... COMMIT;`). A statement that cannot run in a transaction block (CREATE "
			"INDEX CONCURRENTLY, VACUUM, ...) belongs in a migration of its own instead.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "Prisma 7.4+: a failure of the UPDATE leaves the column added (P3009)",
			 "ALTER TABLE \"User\" ADD COLUMN \"plan\" TEXT;\nUPDATE \"User\" SET \"plan\" = 'free';\n"
			 "ALTER TABLE \"User\" ALTER COLUMN \"plan\" SET NOT NULL;", 1, GK_LAYOUT_PRISMA},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "a block followed by a statement outside it",
			 "BEGIN;\nCREATE TABLE plans (id bigint PRIMARY KEY);\nCOMMIT;\n"
			 "ALTER TABLE users ADD COLUMN plan_id bigint;"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "CREATE INDEX CONCURRENTLY beside other work: give it its own migration",
			 "CREATE TABLE plans (id bigint PRIMARY KEY);\n"
			 "CREATE INDEX CONCURRENTLY users_plan_idx ON users (plan_id);", 1, GK_LAYOUT_PRISMA},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "the file's own transaction makes it atomic",
			 "BEGIN;\nSET LOCAL lock_timeout = '2s';\nALTER TABLE \"User\" ADD COLUMN \"plan\" TEXT;\n"
			 "UPDATE \"User\" SET \"plan\" = 'free';\nCOMMIT;", 0, GK_LAYOUT_PRISMA},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "one statement with effects; settings do not count",
			 "SET lock_timeout = '2s';\n-- a comment\nCREATE INDEX CONCURRENTLY users_plan_idx ON users (plan_id);\n"
			 "RESET lock_timeout;", 0, GK_LAYOUT_PRISMA},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_WHOLE, "Prisma before 7.4 sends the file as one query: one transaction",
			 "ALTER TABLE \"User\" ADD COLUMN \"plan\" TEXT;\nUPDATE \"User\" SET \"plan\" = 'free';", 0,
			 GK_LAYOUT_PRISMA},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_PER_FILE, "the runner wraps the file in a transaction",
			 "ALTER TABLE users ADD COLUMN plan text;\nUPDATE users SET plan = 'free';"},
		},
	},
	.finish = finish_non_atomic,
};
