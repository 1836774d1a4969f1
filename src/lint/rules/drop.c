/*
 * drop-table, drop-schema, drop-database: data loss.
 *
 * DROP takes ACCESS EXCLUSIVE on what it drops, but the lock is the small
 * problem: the data is gone, and the running application still queries the
 * object.  Objects created in the same change are exempt.
 */
#include "../lint_internal.h"

#include <string.h>

static void each_dropped_table(gk_lint *l, const gk_stmt *s, const PgQuery__DropStmt *ds)
{
	for (size_t i = 0; i < ds->n_objects; i++) {
		const PgQuery__Node *o = ds->objects[i];
		if (o->node_case != PG_QUERY__NODE__NODE_LIST || !o->list->n_items)
			continue;
		const PgQuery__List *names = o->list;
		PgQuery__RangeVar rv = PG_QUERY__RANGE_VAR__INIT;
		rv.relname = (char *)gk_names_last(names->items, names->n_items);
		rv.schemaname = names->n_items > 1 ? (char *)gk_node_str(names->items[names->n_items - 2]) : NULL;
		if (gk_lint_is_new(l, &rv))
			continue;
		char rel[256];
		gk_lint_report(l, s, -1, NULL, "DROP TABLE %s deletes the table and its data; running code that uses it breaks",
			       gk_rv_name(&rv, rel, sizeof rel));
	}
}

static void check_table(gk_lint *l, const gk_stmt *s)
{
	if (s->node->node_case == PG_QUERY__NODE__NODE_DROP_STMT &&
	    s->node->drop_stmt->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE)
		each_dropped_table(l, s, s->node->drop_stmt);
}

static void check_schema(gk_lint *l, const gk_stmt *s)
{
	if (s->node->node_case != PG_QUERY__NODE__NODE_DROP_STMT ||
	    s->node->drop_stmt->remove_type != PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA)
		return;
	const PgQuery__DropStmt *ds = s->node->drop_stmt;
	for (size_t i = 0; i < ds->n_objects; i++) {
		const char *name = gk_node_str(ds->objects[i]);
		gk_lint_report(l, s, -1, NULL, "DROP SCHEMA %s%s deletes every object in it",
			       name ? name : "?", ds->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE ? " CASCADE" : "");
	}
}

static void check_database(gk_lint *l, const gk_stmt *s)
{
	if (s->node->node_case == PG_QUERY__NODE__NODE_DROPDB_STMT)
		gk_lint_report(l, s, -1, NULL, "DROP DATABASE %s deletes a whole database",
			       s->node->dropdb_stmt->dbname ? s->node->dropdb_stmt->dbname : "?");
}

const gk_rule gk_rule_drop_table = {
	.info = {
		.id = "drop-table",
		.category = GK_CAT_DESTRUCTIVE,
		.severity = GK_SEV_ERROR,
		.summary = "DROP TABLE on an existing table: data loss",
		.why = "The table's rows are gone for good and application code still reading or writing it fails. "
		       "DROP also takes an ACCESS EXCLUSIVE lock, queueing behind every open transaction on the table.",
		.help = "Stop using the table in a release first, back it up or rename it (expand/contract), and drop it "
			"in a later migration with `-- gatekeeper:ignore drop-table reason: ...`.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "DROP TABLE sessions;"},
			{GK_EXAMPLE_OK, 0, 0, "dropping a table created in the same change",
			 "CREATE TABLE tmp_import (id bigint);\nDROP TABLE tmp_import;"},
		},
	},
	.check = check_table,
};

const gk_rule gk_rule_drop_schema = {
	.info = {
		.id = "drop-schema",
		.category = GK_CAT_DESTRUCTIVE,
		.severity = GK_SEV_ERROR,
		.summary = "DROP SCHEMA: data loss",
		.why = "Dropping a schema (with CASCADE) deletes every table, view and function in it.",
		.help = "Drop the objects one by one in reviewed migrations, or acknowledge with a suppression and a reason.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "DROP SCHEMA reporting CASCADE;"},
			{GK_EXAMPLE_OK, 0, 0, NULL, "CREATE SCHEMA reporting;"},
		},
	},
	.check = check_schema,
};

const gk_rule gk_rule_drop_database = {
	.info = {
		.id = "drop-database",
		.category = GK_CAT_DESTRUCTIVE,
		.severity = GK_SEV_ERROR,
		.summary = "DROP DATABASE in a migration",
		.why = "A migration that drops a database destroys everything in it; it also cannot run in a transaction.",
		.help = "Drop databases by hand, never from a migration.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, NULL, "DROP DATABASE analytics;"},
			{GK_EXAMPLE_OK, 0, 0, NULL, "SELECT 1;"},
		},
	},
	.check = check_database,
};
