/*
 * uncommitted-transaction: a BEGIN the file never ends.
 *
 * When the runner does not commit for the file (it sends the file as one
 * query, or each statement on its own), a BEGIN with no COMMIT or ROLLBACK
 * after it leaves the session inside an open transaction when the file is
 * done.  The runner's own bookkeeping then runs inside it, and so do the
 * later migrations of the same deploy; when the connection closes, all of
 * it is rolled back, after the runner may already have reported success.
 * A per-file runner commits the file itself, so there the BEGIN only warns
 * (transaction-control reports it).
 */
#include "lint/lint_internal.h"

#include <string.h>

static bool opens(const PgQuery__Node *n)
{
	if (n->node_case != PG_QUERY__NODE__NODE_TRANSACTION_STMT)
		return false;
	PgQuery__TransactionStmtKind k = n->transaction_stmt->kind;
	return k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_BEGIN ||
	       k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_START;
}

static bool ends(const PgQuery__Node *n)
{
	if (n->node_case != PG_QUERY__NODE__NODE_TRANSACTION_STMT)
		return false;
	PgQuery__TransactionStmtKind k = n->transaction_stmt->kind;
	return k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT ||
	       k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK ||
	       k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_PREPARE;
}

static void finish_uncommitted(gk_lint *l)
{
	if (l->runner == GK_RUNNER_PER_FILE)
		return;
	const gk_stmt *open = NULL;
	for (size_t i = 0; i < l->n_stmts; i++) {
		const gk_stmt *s = &l->stmts[i];
		if (opens(s->node) && !open)
			open = s; /* a second BEGIN inside the block only warns */
		else if (ends(s->node))
			open = NULL;
	}
	if (!open)
		return;
	if (gk_lint_prisma(l))
		gk_lint_report(l, open, -1, NULL,
			       "this BEGIN is never committed: the migration ends inside an open transaction, Prisma "
			       "records it (and applies the later migrations of the deploy) inside that transaction, "
			       "and all of it is rolled back when the connection closes");
	else
		gk_lint_report(l, open, -1, NULL,
			       "this BEGIN is never committed: the migration ends inside an open transaction, the "
			       "runner's bookkeeping runs inside it, and all of it is rolled back when the connection "
			       "closes");
}

const gk_rule gk_rule_uncommitted_transaction = {
	.info = {
		.id = "uncommitted-transaction",
		.category = GK_CAT_TRANSACTION,
		.severity = GK_SEV_ERROR,
		.summary = "a BEGIN in the migration has no COMMIT",
		.why = "A runner that does not commit for the file (one that sends the file as one query, or each "
		       "statement on its own) leaves the session in the open transaction when the file is done. Its "
		       "bookkeeping (Prisma's _prisma_migrations, golang-migrate's dirty flag) and the later "
		       "migrations of the deploy then run inside it, and when the connection closes it is all rolled "
		       "back, possibly after the runner reported success. A per-file runner commits the file itself "
		       "(transaction-control reports a BEGIN there).",
		.help = "End the block with `COMMIT;` after its last statement.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "Prisma 7.4+: the deploy ends inside the block",
			 "BEGIN;\nALTER TABLE \"User\" ADD COLUMN \"plan\" TEXT;\nUPDATE \"User\" SET \"plan\" = 'free';", 1,
			 GK_LAYOUT_PRISMA},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_WHOLE, "sent as one query: BEGIN turns it into an explicit block that stays open",
			 "BEGIN;\nALTER TABLE users ADD COLUMN plan text;"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "the second block is left open",
			 "BEGIN;\nCREATE TABLE plans (id bigint);\nCOMMIT;\nSTART TRANSACTION;\nALTER TABLE users ADD COLUMN plan text;", 1},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, NULL,
			 "BEGIN;\nALTER TABLE users ADD COLUMN plan text;\nCOMMIT;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_WHOLE, "ROLLBACK ends the block too (transaction-control judges it)",
			 "BEGIN;\nALTER TABLE users ADD COLUMN plan text;\nROLLBACK;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_PER_FILE, "the per-file runner commits the file",
			 "BEGIN;\nALTER TABLE users ADD COLUMN plan text;"},
		},
	},
	.finish = finish_uncommitted,
};
