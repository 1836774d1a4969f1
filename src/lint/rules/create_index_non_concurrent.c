/*
 * create-index-non-concurrent
 *
 * CREATE INDEX takes a SHARE lock on the table for the whole build: reads
 * go on, every INSERT, UPDATE and DELETE waits until the index is built,
 * which on a large table means minutes.  CREATE INDEX CONCURRENTLY takes
 * SHARE UPDATE EXCLUSIVE instead and lets writes continue (it scans the
 * table twice and cannot run in a transaction block).  A table created in
 * the same change is empty and exempt.
 */
#include "../lint_internal.h"

static void check(gk_lint *l, const gk_stmt *s)
{
	if (s->node->node_case != PG_QUERY__NODE__NODE_INDEX_STMT)
		return;
	const PgQuery__IndexStmt *is = s->node->index_stmt;
	if (is->concurrent || gk_lint_is_new(l, is->relation))
		return;
	char rel[256];
	const char *help = NULL;
	if (gk_lint_pg(l) == 14)
		help = "Use CREATE INDEX CONCURRENTLY in a migration of its own (no transaction). "
		       "On PostgreSQL 14.0-14.3 CONCURRENTLY can corrupt the index: upgrade to 14.4+ first.";
	gk_lint_report(l, s, -1, help, "CREATE %sINDEX on existing table %s without CONCURRENTLY blocks writes (SHARE lock) for the whole build",
		       is->unique ? "UNIQUE " : "", gk_rv_name(is->relation, rel, sizeof rel));
}

const gk_rule gk_rule_create_index_non_concurrent = {
	.info = {
		.id = "create-index-non-concurrent",
		.category = GK_CAT_LOCKING,
		.severity = GK_SEV_ERROR,
		.summary = "CREATE INDEX without CONCURRENTLY on an existing table",
		.why = "CREATE INDEX holds a SHARE lock on the table until the index is built: "
		       "reads continue, but every INSERT, UPDATE and DELETE waits, for minutes on a large table.",
		.help = "Use CREATE INDEX CONCURRENTLY (SHARE UPDATE EXCLUSIVE: writes continue) in a migration "
			"of its own, outside a transaction. If it fails, drop the INVALID index it leaves and retry.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "CREATE INDEX users_email_idx ON users (email);"},
			{GK_EXAMPLE_BAD, 0, 0, "unique indexes too", "CREATE UNIQUE INDEX users_email_key ON users (email);"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, NULL, "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);"},
			{GK_EXAMPLE_OK, 0, 0, "a table created in the same migration is empty",
			 "CREATE TABLE users (id bigint PRIMARY KEY, email text);\nCREATE INDEX users_email_idx ON users (email);"},
		},
	},
	.check = check,
};
