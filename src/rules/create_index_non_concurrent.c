/*
 * create-index-non-concurrent
 *
 * CREATE INDEX takes a SHARE lock on the table for the whole build: reads
 * go on, every INSERT, UPDATE and DELETE waits until the index is built,
 * which on a large table means minutes.  CREATE INDEX CONCURRENTLY takes
 * SHARE UPDATE EXCLUSIVE instead and lets writes continue (it scans the
 * table twice and cannot run in a transaction block).  A table created in
 * the same change is empty and exempt.
 *
 * PostgreSQL refuses CONCURRENTLY on a partitioned table ("cannot create
 * index on partitioned table ... concurrently"), and a plain CREATE INDEX
 * on one builds the index on every partition under their SHARE locks.  The
 * way without blocking writes goes partition by partition: CREATE INDEX ...
 * ON ONLY the parent (no build; the index stays invalid), CREATE INDEX
 * CONCURRENTLY on each partition, and ALTER INDEX parent_index ATTACH
 * PARTITION for each one (the parent's index becomes valid when every
 * partition has one).  When the schema model knows the table is
 * partitioned the finding says so, and CONCURRENTLY on it is reported as
 * the error it is.
 */
#include "lint/lint_internal.h"

#include <stdio.h>

static const char help_partitioned[] =
	"PostgreSQL refuses CONCURRENTLY on a partitioned table; build the index partition by partition: "
	"`CREATE INDEX name ON ONLY parent (...)` (no build, the index stays invalid), then in migrations of their "
	"own `CREATE INDEX CONCURRENTLY part_name ON partition (...)` for each partition, then `ALTER INDEX name "
	"ATTACH PARTITION part_name` for each one: the parent's index becomes valid once every partition's is "
	"attached.";

static bool partitioned(const gk_lint *l, const PgQuery__RangeVar *rv)
{
	const gk_rel *r = rv ? gk_state_find(l->state, rv->schemaname, rv->relname) : NULL;
	return r && r->partitioned;
}

static void check(gk_lint *l, const gk_stmt *s)
{
	if (s->node->node_case != PG_QUERY__NODE__NODE_INDEX_STMT)
		return;
	const PgQuery__IndexStmt *is = s->node->index_stmt;
	if (!is->relation || gk_lint_is_new(l, is->relation))
		return;
	char rel[256];
	gk_rv_name(is->relation, rel, sizeof rel);
	enum gk_lockmode mode = gk_stmt_lock_on(s->node, gk_lint_pg(l), is->relation->schemaname,
						is->relation->relname, NULL);
	if (partitioned(l, is->relation)) {
		if (is->concurrent)
			gk_lint_report(l, s, -1, help_partitioned,
				       "CREATE %sINDEX CONCURRENTLY on partitioned table %s fails: PostgreSQL refuses "
				       "CONCURRENTLY on a partitioned table",
				       is->unique ? "UNIQUE " : "", rel);
		else if (is->relation->inh) /* ON ONLY builds nothing */
			gk_lint_report(l, s, -1, help_partitioned,
				       "CREATE %sINDEX on partitioned table %s builds the index on every partition, blocking "
				       "writes (%s lock) until the last one is built",
				       is->unique ? "UNIQUE " : "", rel, gk_lockmode_name(mode));
		return;
	}
	if (is->concurrent)
		return;
	const char *help = NULL;
	if (gk_lint_pg(l) == 14)
		help = "Use CREATE INDEX CONCURRENTLY in a migration of its own (no transaction). "
		       "On PostgreSQL 14.0-14.3 CONCURRENTLY can corrupt the index: upgrade to 14.4+ first.";
	gk_lint_report(l, s, -1, help, "CREATE %sINDEX on existing table %s without CONCURRENTLY blocks writes (%s lock) for the whole build",
		       is->unique ? "UNIQUE " : "", rel, gk_lockmode_name(mode));
}

const gk_rule gk_rule_create_index_non_concurrent = {
	.info = {
		.id = "create-index-non-concurrent",
		.category = GK_CAT_LOCKING,
		.severity = GK_SEV_ERROR,
		.summary = "CREATE INDEX without CONCURRENTLY on an existing table",
		.why = "CREATE INDEX holds a SHARE lock on the table until the index is built: "
		       "reads continue, but every INSERT, UPDATE and DELETE waits, for minutes on a large table. "
		       "On a partitioned table it builds the index on every partition, and PostgreSQL refuses "
		       "CONCURRENTLY there: when the linted files created the table with PARTITION BY, a CREATE INDEX "
		       "CONCURRENTLY on it is reported too, since it fails.",
		.help = "Use CREATE INDEX CONCURRENTLY (SHARE UPDATE EXCLUSIVE: writes continue) in a migration "
			"of its own, outside a transaction. If it fails, drop the INVALID index it leaves and retry. "
			"On a partitioned table CONCURRENTLY is refused: `CREATE INDEX name ON ONLY parent (...)`, then "
			"CREATE INDEX CONCURRENTLY on each partition, then `ALTER INDEX name ATTACH PARTITION` each "
			"partition's index.",
		/* The partitioned cases need a table of an earlier change: src/lint/server_facts_test.c. */
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
