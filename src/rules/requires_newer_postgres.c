/*
 * requires-newer-postgres: syntax the target PostgreSQL version refuses.
 *
 * The parser is PostgreSQL 15's, so it accepts everything up to 15; a
 * server older than the feature answers with a syntax error (or "unrecognized
 * parameter") and the migration fails halfway through the deploy.  The
 * target is pg_version (--pg-version, gatekeeper.yml, or the shadow's
 * version in `check`).  One table lists each feature with the first major
 * version that accepts it, from the release notes of that version; each entry
 * carries an example that version_features_test.c lints on both sides of
 * the boundary.
 */
#include "lint/lint_internal.h"

#include <stdio.h>
#include <string.h>

/* ---- walking the parts of a statement that features live in ---- */

typedef bool (*column_pred)(const PgQuery__ColumnDef *cd, int *loc);
typedef bool (*constraint_pred)(const PgQuery__Constraint *c, int *loc);

static const PgQuery__AlterTableStmt *alter_of(const PgQuery__Node *n)
{
	return n->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_STMT ? n->alter_table_stmt : NULL;
}

static const PgQuery__AlterTableCmd *cmd_at(const PgQuery__AlterTableStmt *as, size_t i)
{
	const PgQuery__Node *c = as->cmds[i];
	return c->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_CMD ? c->alter_table_cmd : NULL;
}

/* True when an ALTER TABLE of `n` has a command of `subtype`. */
static bool has_subcommand(const PgQuery__Node *n, PgQuery__AlterTableType subtype)
{
	const PgQuery__AlterTableStmt *as = alter_of(n);
	for (size_t i = 0; as && i < as->n_cmds; i++)
		if (cmd_at(as, i) && cmd_at(as, i)->subtype == subtype)
			return true;
	return false;
}

/* Column definitions of CREATE TABLE, ADD COLUMN and ALTER COLUMN ... TYPE. */
static bool any_column(const PgQuery__Node *n, column_pred pred, int *loc)
{
	if (n->node_case == PG_QUERY__NODE__NODE_CREATE_STMT) {
		const PgQuery__CreateStmt *cs = n->create_stmt;
		for (size_t i = 0; i < cs->n_table_elts; i++)
			if (cs->table_elts[i]->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF &&
			    pred(cs->table_elts[i]->column_def, loc))
				return true;
		return false;
	}
	const PgQuery__AlterTableStmt *as = alter_of(n);
	for (size_t i = 0; as && i < as->n_cmds; i++) {
		const PgQuery__AlterTableCmd *c = cmd_at(as, i);
		if (c && c->def && c->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF &&
		    (c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn ||
		     c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType) &&
		    pred(c->def->column_def, loc))
			return true;
	}
	return false;
}

static bool column_constraints(const PgQuery__ColumnDef *cd, constraint_pred pred, int *loc)
{
	for (size_t i = 0; i < cd->n_constraints; i++)
		if (cd->constraints[i]->node_case == PG_QUERY__NODE__NODE_CONSTRAINT && pred(cd->constraints[i]->constraint, loc))
			return true;
	return false;
}

/* Constraints of CREATE TABLE (table and column ones), ADD CONSTRAINT and ADD COLUMN. */
static bool any_constraint(const PgQuery__Node *n, constraint_pred pred, int *loc)
{
	if (n->node_case == PG_QUERY__NODE__NODE_CREATE_STMT) {
		const PgQuery__CreateStmt *cs = n->create_stmt;
		for (size_t i = 0; i < cs->n_table_elts; i++) {
			const PgQuery__Node *e = cs->table_elts[i];
			if ((e->node_case == PG_QUERY__NODE__NODE_CONSTRAINT && pred(e->constraint, loc)) ||
			    (e->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF && column_constraints(e->column_def, pred, loc)))
				return true;
		}
		return false;
	}
	const PgQuery__AlterTableStmt *as = alter_of(n);
	for (size_t i = 0; as && i < as->n_cmds; i++) {
		const PgQuery__AlterTableCmd *c = cmd_at(as, i);
		if (!c || !c->def)
			continue;
		if ((c->def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT && pred(c->def->constraint, loc)) ||
		    (c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn &&
		     c->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF && column_constraints(c->def->column_def, pred, loc)))
			return true;
	}
	return false;
}

/* A DefElem named `name` in an option list. */
static bool has_option(PgQuery__Node *const *opts, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (opts[i]->node_case == PG_QUERY__NODE__NODE_DEF_ELEM && opts[i]->def_elem->defname &&
		    strcmp(opts[i]->def_elem->defname, name) == 0)
			return true;
	return false;
}

/* ---- the features ---- */

static bool c_identity(const PgQuery__Constraint *c, int *loc)
{
	*loc = c->location;
	return c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_IDENTITY;
}

static bool identity(const PgQuery__Node *n, int *loc)
{
	return any_constraint(n, c_identity, loc) || has_subcommand(n, PG_QUERY__ALTER_TABLE_TYPE__AT_AddIdentity) ||
	       has_subcommand(n, PG_QUERY__ALTER_TABLE_TYPE__AT_SetIdentity) ||
	       has_subcommand(n, PG_QUERY__ALTER_TABLE_TYPE__AT_DropIdentity);
}

static bool partitioning(const PgQuery__Node *n, int *loc)
{
	(void)loc;
	if (n->node_case == PG_QUERY__NODE__NODE_CREATE_STMT)
		return n->create_stmt->partspec || n->create_stmt->partbound;
	return has_subcommand(n, PG_QUERY__ALTER_TABLE_TYPE__AT_AttachPartition) ||
	       has_subcommand(n, PG_QUERY__ALTER_TABLE_TYPE__AT_DetachPartition);
}

static bool rename_value(const PgQuery__Node *n, int *loc)
{
	(void)loc;
	/* protobuf-c leaves an unset string "" */
	return n->node_case == PG_QUERY__NODE__NODE_ALTER_ENUM_STMT && n->alter_enum_stmt->old_val &&
	       *n->alter_enum_stmt->old_val;
}

static bool create_statistics(const PgQuery__Node *n, int *loc)
{
	(void)loc;
	return n->node_case == PG_QUERY__NODE__NODE_CREATE_STATS_STMT;
}

static bool c_include(const PgQuery__Constraint *c, int *loc)
{
	*loc = c->location;
	return c->n_including > 0;
}

static bool include_columns(const PgQuery__Node *n, int *loc)
{
	if (n->node_case == PG_QUERY__NODE__NODE_INDEX_STMT)
		return n->index_stmt->n_index_including_params > 0;
	return any_constraint(n, c_include, loc);
}

static bool bound_is_hash(const PgQuery__PartitionBoundSpec *b)
{
	return b && b->strategy && strcmp(b->strategy, "h") == 0;
}

/* The bound of ATTACH PARTITION in an ALTER TABLE, or NULL. */
static const PgQuery__PartitionBoundSpec *attach_bound(const PgQuery__Node *n)
{
	const PgQuery__AlterTableStmt *as = alter_of(n);
	for (size_t i = 0; as && i < as->n_cmds; i++) {
		const PgQuery__AlterTableCmd *c = cmd_at(as, i);
		if (c && c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AttachPartition && c->def &&
		    c->def->node_case == PG_QUERY__NODE__NODE_PARTITION_CMD)
			return c->def->partition_cmd->bound;
	}
	return NULL;
}

static bool hash_partitioning(const PgQuery__Node *n, int *loc)
{
	(void)loc;
	if (n->node_case == PG_QUERY__NODE__NODE_CREATE_STMT) {
		const PgQuery__CreateStmt *cs = n->create_stmt;
		return (cs->partspec && cs->partspec->strategy && strcmp(cs->partspec->strategy, "hash") == 0) ||
		       bound_is_hash(cs->partbound);
	}
	return bound_is_hash(attach_bound(n));
}

static bool default_partition(const PgQuery__Node *n, int *loc)
{
	(void)loc;
	if (n->node_case == PG_QUERY__NODE__NODE_CREATE_STMT)
		return n->create_stmt->partbound && n->create_stmt->partbound->is_default;
	const PgQuery__PartitionBoundSpec *b = attach_bound(n);
	return b && b->is_default;
}

static bool index_on_only(const PgQuery__Node *n, int *loc)
{
	(void)loc;
	return n->node_case == PG_QUERY__NODE__NODE_INDEX_STMT && n->index_stmt->relation &&
	       !n->index_stmt->relation->inh;
}

static bool attach_index(const PgQuery__Node *n, int *loc)
{
	(void)loc;
	return alter_of(n) && alter_of(n)->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_INDEX &&
	       has_subcommand(n, PG_QUERY__ALTER_TABLE_TYPE__AT_AttachPartition);
}

static bool procedure(const PgQuery__Node *n, int *loc)
{
	(void)loc;
	return n->node_case == PG_QUERY__NODE__NODE_CALL_STMT ||
	       (n->node_case == PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT && n->create_function_stmt->is_procedure);
}

static bool reindex_concurrently(const PgQuery__Node *n, int *loc)
{
	(void)loc;
	return n->node_case == PG_QUERY__NODE__NODE_REINDEX_STMT &&
	       gk_option_on(n->reindex_stmt->params, n->reindex_stmt->n_params, "concurrently");
}

static bool c_generated(const PgQuery__Constraint *c, int *loc)
{
	*loc = c->location;
	return c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_GENERATED;
}

static bool generated_column(const PgQuery__Node *n, int *loc)
{
	return any_constraint(n, c_generated, loc);
}

static bool table_access_method(const PgQuery__Node *n, int *loc)
{
	(void)loc;
	return n->node_case == PG_QUERY__NODE__NODE_CREATE_STMT && n->create_stmt->access_method &&
	       *n->create_stmt->access_method;
}

static bool drop_expression(const PgQuery__Node *n, int *loc)
{
	(void)loc;
	return has_subcommand(n, PG_QUERY__ALTER_TABLE_TYPE__AT_DropExpression);
}

static bool detach_concurrently(const PgQuery__Node *n, int *loc)
{
	(void)loc;
	const PgQuery__AlterTableStmt *as = alter_of(n);
	for (size_t i = 0; as && i < as->n_cmds; i++) {
		const PgQuery__AlterTableCmd *c = cmd_at(as, i);
		if (c && c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_DetachPartition && c->def &&
		    c->def->node_case == PG_QUERY__NODE__NODE_PARTITION_CMD && c->def->partition_cmd->concurrent)
			return true;
	}
	return has_subcommand(n, PG_QUERY__ALTER_TABLE_TYPE__AT_DetachPartitionFinalize);
}

static bool replace_trigger(const PgQuery__Node *n, int *loc)
{
	(void)loc;
	return n->node_case == PG_QUERY__NODE__NODE_CREATE_TRIG_STMT && n->create_trig_stmt->replace;
}

static bool col_compression(const PgQuery__ColumnDef *cd, int *loc)
{
	*loc = cd->location;
	return cd->compression && *cd->compression;
}

static bool compression(const PgQuery__Node *n, int *loc)
{
	return has_subcommand(n, PG_QUERY__ALTER_TABLE_TYPE__AT_SetCompression) || any_column(n, col_compression, loc);
}

static bool sql_body(const PgQuery__Node *n, int *loc)
{
	(void)loc;
	return n->node_case == PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT && n->create_function_stmt->sql_body;
}

static bool col_multirange(const PgQuery__ColumnDef *cd, int *loc)
{
	if (!cd->type_name)
		return false;
	const char *base = gk_type_base(cd->type_name);
	size_t len = base ? strlen(base) : 0;
	*loc = cd->type_name->location;
	return len >= 10 && strcmp(base + len - 10, "multirange") == 0;
}

static bool multirange(const PgQuery__Node *n, int *loc)
{
	return any_column(n, col_multirange, loc);
}

static bool c_nulls_not_distinct(const PgQuery__Constraint *c, int *loc)
{
	*loc = c->location;
	return c->nulls_not_distinct;
}

static bool nulls_not_distinct(const PgQuery__Node *n, int *loc)
{
	if (n->node_case == PG_QUERY__NODE__NODE_INDEX_STMT)
		return n->index_stmt->nulls_not_distinct;
	return any_constraint(n, c_nulls_not_distinct, loc);
}

static bool merge(const PgQuery__Node *n, int *loc)
{
	(void)loc;
	return n->node_case == PG_QUERY__NODE__NODE_MERGE_STMT;
}

static bool set_access_method(const PgQuery__Node *n, int *loc)
{
	(void)loc;
	return has_subcommand(n, PG_QUERY__ALTER_TABLE_TYPE__AT_SetAccessMethod);
}

/* WITH (security_invoker) on CREATE VIEW or ALTER VIEW ... SET. */
static bool security_invoker(const PgQuery__Node *n, int *loc)
{
	(void)loc;
	if (n->node_case == PG_QUERY__NODE__NODE_VIEW_STMT)
		return has_option(n->view_stmt->options, n->view_stmt->n_options, "security_invoker");
	const PgQuery__AlterTableStmt *as = alter_of(n);
	for (size_t i = 0; as && i < as->n_cmds; i++) {
		const PgQuery__AlterTableCmd *c = cmd_at(as, i);
		if (c && c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_SetRelOptions && c->def &&
		    c->def->node_case == PG_QUERY__NODE__NODE_LIST &&
		    has_option(c->def->list->items, c->def->list->n_items, "security_invoker"))
			return true;
	}
	return false;
}

/* Sorted by version, then name.  `instead` is the older form, for the help. */
static const gk_version_feature features[] = {
	{10, "identity columns (GENERATED ... AS IDENTITY)", identity,
	 "CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY);",
	 "Use a serial column (a sequence and a nextval() default)."},
	{10, "declarative partitioning (PARTITION BY, PARTITION OF, ATTACH/DETACH PARTITION)", partitioning,
	 "CREATE TABLE m (at date) PARTITION BY RANGE (at);",
	 "Use inheritance with CHECK constraints and a routing trigger."},
	{10, "ALTER TYPE ... RENAME VALUE", rename_value, "ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';",
	 "Add the new value, move the rows over, and stop using the old one."},
	{10, "CREATE STATISTICS", create_statistics, "CREATE STATISTICS s (dependencies) ON a, b FROM t;",
	 "Leave it out: extended statistics only help the planner."},
	{11, "INCLUDE columns of an index or constraint", include_columns,
	 "CREATE INDEX t_a_idx ON t (a) INCLUDE (b);",
	 "Put the extra columns into the index key, or leave them out."},
	{11, "hash partitioning", hash_partitioning, "CREATE TABLE m (id int) PARTITION BY HASH (id);",
	 "Partition by RANGE or LIST."},
	{11, "a DEFAULT partition", default_partition, "CREATE TABLE m_rest PARTITION OF m DEFAULT;",
	 "Create partitions that cover every value."},
	{11, "CREATE INDEX ON ONLY a partitioned table", index_on_only, "CREATE INDEX m_at_idx ON ONLY m (at);",
	 "Create the index on each partition; PostgreSQL 10 has no index on the partitioned table."},
	{11, "ALTER INDEX ... ATTACH PARTITION", attach_index, "ALTER INDEX m_at_idx ATTACH PARTITION m_2024_at_idx;",
	 "Create the index on each partition; PostgreSQL 10 has no index on the partitioned table."},
	{11, "procedures (CREATE PROCEDURE, CALL)", procedure, "CALL refresh_totals();",
	 "Use a function and SELECT it."},
	{12, "REINDEX CONCURRENTLY", reindex_concurrently, "REINDEX INDEX CONCURRENTLY users_email_idx;",
	 "Build a copy with CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY the old one, and rename the copy."},
	{12, "generated columns (GENERATED ALWAYS AS (...) STORED)", generated_column,
	 "CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) STORED);",
	 "Fill the column from a trigger, or compute it in a view."},
	{12, "CREATE TABLE ... USING an access method", table_access_method, "CREATE TABLE t (a int) USING heap;",
	 "Leave out USING: heap is the only table access method before 12."},
	{13, "ALTER COLUMN ... DROP EXPRESSION", drop_expression, "ALTER TABLE t ALTER COLUMN b DROP EXPRESSION;",
	 "Generated columns exist from PostgreSQL 12 only; this one cannot exist on the target."},
	{14, "DETACH PARTITION ... CONCURRENTLY or FINALIZE", detach_concurrently,
	 "ALTER TABLE m DETACH PARTITION m_2020 CONCURRENTLY;",
	 "Use a plain DETACH PARTITION (ACCESS EXCLUSIVE on the partitioned table) under a short lock_timeout."},
	{14, "CREATE OR REPLACE TRIGGER", replace_trigger,
	 "CREATE OR REPLACE TRIGGER t_audit AFTER UPDATE ON t FOR EACH ROW EXECUTE FUNCTION audit();",
	 "DROP TRIGGER IF EXISTS, then CREATE TRIGGER, in one transaction."},
	{14, "column compression (COMPRESSION, SET COMPRESSION)", compression,
	 "ALTER TABLE t ALTER COLUMN body SET COMPRESSION lz4;", "Leave it out: pglz is the only method before 14."},
	{14, "SQL-standard function bodies (BEGIN ATOMIC, RETURN)", sql_body,
	 "CREATE FUNCTION one() RETURNS int LANGUAGE sql RETURN 1;", "Write the body as a string: AS $$ SELECT 1 $$."},
	{14, "multirange types", multirange, "ALTER TABLE t ADD COLUMN slots tstzmultirange;",
	 "Use an array of ranges."},
	{15, "MERGE", merge,
	 "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED THEN INSERT "
	 "VALUES (s.id, s.v);",
	 "Use INSERT ... ON CONFLICT ... DO UPDATE (a unique index on the key), or an UPDATE and an INSERT."},
	{15, "NULLS NOT DISTINCT", nulls_not_distinct, "CREATE UNIQUE INDEX t_a_b_key ON t (a, b) NULLS NOT DISTINCT;",
	 "Add partial unique indexes for the NULL cases (e.g. ON t (a) WHERE b IS NULL), or index COALESCE(b, ...)."},
	{15, "ALTER TABLE ... SET ACCESS METHOD", set_access_method, "ALTER TABLE t SET ACCESS METHOD heap;",
	 "Create a new table USING the method and copy the rows over."},
	{15, "views WITH (security_invoker)", security_invoker,
	 "CREATE VIEW v WITH (security_invoker = true) AS SELECT 1 AS one;",
	 "Leave the option out (the view then checks permissions as its owner), or use a SECURITY INVOKER function."},
};

size_t gk_version_features(const gk_version_feature **out)
{
	*out = features;
	return sizeof features / sizeof *features;
}

static void check(gk_lint *l, const gk_stmt *s)
{
	int pg = gk_lint_pg(l);
	for (size_t i = 0; i < sizeof features / sizeof *features; i++) {
		const gk_version_feature *f = &features[i];
		int loc = -1;
		if (pg >= f->min_version || !f->used(s->node, &loc))
			continue;
		char help[600];
		snprintf(help, sizeof help,
			 "%s Or, if every server this migration runs on is PostgreSQL %d or newer, say so with `pg_version: "
			 "%d` (or --pg-version).",
			 f->instead, f->min_version, f->min_version);
		gk_lint_report(l, s, loc, help, "%s needs PostgreSQL %d: this statement will not run on PostgreSQL %d (the "
			       "target pg_version)", f->name, f->min_version, pg);
	}
}

const gk_rule gk_rule_requires_newer_postgres = {
	.info = {
		.id = "requires-newer-postgres",
		.category = GK_CAT_COMPATIBILITY,
		.severity = GK_SEV_ERROR,
		.summary = "syntax that the target PostgreSQL version (pg_version) does not have yet",
		.why = "gatekeeper parses with PostgreSQL 15's grammar, but the servers run the version in pg_version "
		       "(--pg-version, gatekeeper.yml, or the shadow's in `check`). An older server refuses newer syntax "
		       "(REINDEX CONCURRENTLY before 12, DETACH PARTITION ... CONCURRENTLY before 14, NULLS NOT "
		       "DISTINCT or MERGE before 15, ...) with an error, and the deploy stops at that statement, with "
		       "the earlier statements of a non-atomic migration already applied. No peer linter checks "
		       "syntax against the target version.",
		.help = "Write the statement in a form the target version accepts (each finding names one), or, if "
			"every server runs a newer PostgreSQL, raise `pg_version:` (or --pg-version).",
		.examples = {
			{GK_EXAMPLE_BAD, 11, 0, "REINDEX CONCURRENTLY exists from PostgreSQL 12",
			 "REINDEX INDEX CONCURRENTLY users_email_idx;", 1},
			{GK_EXAMPLE_BAD, 13, 0, "DETACH ... CONCURRENTLY exists from PostgreSQL 14",
			 "ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;", 1},
			{GK_EXAMPLE_BAD, 14, 0, "NULLS NOT DISTINCT exists from PostgreSQL 15",
			 "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE NULLS NOT DISTINCT (email);", 1},
			{GK_EXAMPLE_BAD, 11, 0, "one finding per feature: generated column, then INCLUDE is fine on 11",
			 "CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) STORED, UNIQUE (a) INCLUDE (b));", 1},
			{GK_EXAMPLE_OK, 12, 0, NULL, "REINDEX INDEX CONCURRENTLY users_email_idx;"},
			{GK_EXAMPLE_OK, 0, 0, "every feature the parser knows runs on the default, PostgreSQL 15",
			 "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE NULLS NOT DISTINCT (email);\n"
			 "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE;"},
			{GK_EXAMPLE_OK, 11, 0, "a plain REINDEX and a plain DETACH run on any version",
			 "REINDEX INDEX users_email_idx;\nALTER TABLE events DETACH PARTITION events_2020;"},
		},
	},
	.check = check,
};
