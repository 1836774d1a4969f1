/*
 * set-local-outside-transaction: a SET LOCAL (or SET TRANSACTION) that
 * does nothing because it does not run in a transaction block.
 *
 * SET LOCAL lasts until the end of the current transaction.  Outside a
 * block the statement is its own transaction, so the setting ends as soon
 * as it is made; PostgreSQL only warns ("SET LOCAL can only be used in
 * transaction blocks", likewise for SET TRANSACTION), and the statements
 * after it run without it.  This is the case for every statement under a
 * runner that sends statements one by one (Prisma 7.4+) outside a BEGIN
 * written in the file, and for a file of a single statement sent as one
 * query.  Which statements run in a block is the engine's decision.
 */
#include "lint/lint_internal.h"

#include <stdio.h>
#include <string.h>

/* "SET LOCAL name" or "SET TRANSACTION" when `n` only lasts for its transaction, else NULL. */
static const char *local_setting(const PgQuery__Node *n, char *buf, size_t size)
{
	if (n->node_case != PG_QUERY__NODE__NODE_VARIABLE_SET_STMT)
		return NULL;
	const PgQuery__VariableSetStmt *vs = n->variable_set_stmt;
	if (vs->kind == PG_QUERY__VARIABLE_SET_KIND__VAR_SET_MULTI && vs->name && strcmp(vs->name, "TRANSACTION") == 0)
		return "SET TRANSACTION";
	if (!vs->is_local || !vs->name)
		return NULL;
	snprintf(buf, size, "SET LOCAL %s", vs->name);
	return buf;
}

static void check_set_local(gk_lint *l, const gk_stmt *s)
{
	char what[200], help[900], recipe[600];
	const char *cmd = local_setting(s->node, what, sizeof what);
	if (!cmd || s->in_transaction)
		return;
	bool lock_timeout = strcmp(cmd, "SET LOCAL lock_timeout") == 0;
	if (l->runner == GK_RUNNER_SPLIT) {
		if (lock_timeout)
			gk_lint_lock_timeout_recipe(l, recipe, sizeof recipe);
		snprintf(help, sizeof help, "%s",
			 lock_timeout ? recipe
				      : "Open a transaction with `BEGIN;` before it and end it with `COMMIT;` after the "
					"statements it must cover (which also makes them atomic), or use a session SET "
					"with a RESET at the end of the file.");
		gk_lint_report(l, s, -1, help,
			       "%s has no effect: the runner sends each statement on its own and no BEGIN precedes it, "
			       "so its transaction ends with the statement (PostgreSQL only warns \"%s can only be used "
			       "in transaction blocks\")", cmd, strncmp(cmd, "SET LOCAL", 9) == 0 ? "SET LOCAL" : cmd);
	} else {
		gk_lint_report(l, s, -1,
			       "Remove it, or put it in the file of the statements it must cover: a file of several "
			       "statements sent as one query runs as one transaction.",
			       "%s has no effect: it is the only statement of a file sent as one query, so its "
			       "transaction ends with it (PostgreSQL only warns \"%s can only be used in transaction "
			       "blocks\")", cmd, strncmp(cmd, "SET LOCAL", 9) == 0 ? "SET LOCAL" : cmd);
	}
}

const gk_rule gk_rule_set_local_outside_transaction = {
	.info = {
		.id = "set-local-outside-transaction",
		.category = GK_CAT_TRANSACTION,
		.severity = GK_SEV_WARNING,
		.summary = "SET LOCAL or SET TRANSACTION outside a transaction block has no effect",
		.why = "SET LOCAL lasts until its transaction ends. Outside a transaction block every statement is a "
		       "transaction of its own, so the setting ends with the SET itself and the statements after it "
		       "run without it; PostgreSQL only warns. A runner that sends each statement as its own query "
		       "(Prisma 7.4+) runs every statement outside a block unless the file opens one with BEGIN, so "
		       "a `SET LOCAL lock_timeout` written for the older one-query model silently stops protecting "
		       "the migration.",
		.help = "Put the SET LOCAL after a `BEGIN;` and end the block with `COMMIT;` after the statements it "
			"must cover, or use a session SET and RESET it at the end of the file.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "Prisma 7.4+: the timeout is gone before the ALTER runs",
			 "SET LOCAL lock_timeout = '2s';\nALTER TABLE \"User\" ADD COLUMN \"plan\" TEXT;", 1,
			 GK_LAYOUT_PRISMA},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "SET TRANSACTION too",
			 "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;\nUPDATE accounts SET balance = 0;"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_WHOLE, "a file of one statement is not a transaction block",
			 "SET LOCAL statement_timeout = '5min';"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "inside the file's own transaction",
			 "BEGIN;\nSET LOCAL lock_timeout = '2s';\nALTER TABLE \"User\" ADD COLUMN \"plan\" TEXT;\nCOMMIT;", 0,
			 GK_LAYOUT_PRISMA},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_WHOLE, "a file of several statements sent as one query is one transaction",
			 "SET LOCAL lock_timeout = '2s';\nALTER TABLE users ADD COLUMN plan text;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_PER_FILE, "the runner's transaction",
			 "SET LOCAL lock_timeout = '2s';\nALTER TABLE users ADD COLUMN plan text;"},
		},
	},
	.check = check_set_local,
};
