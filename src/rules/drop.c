/*
 * drop-table, drop-schema, drop-database: data loss.
 * drop-view: breaks the running code that queries the view.
 * drop-cascade: DROP TYPE / DOMAIN / EXTENSION / FUNCTION / SEQUENCE ...
 * CASCADE also drops what depends on the object, columns and their data
 * included.
 *
 * DROP takes ACCESS EXCLUSIVE on what it drops, but the lock is the small
 * problem: the data is gone, and the running application still queries the
 * object.  Objects created in the same change are exempt.
 */
#include "lint/lint_internal.h"

#include <stdio.h>
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
		gk_rv_name(&rv, rel, sizeof rel);
		gk_lint_report_about(l, s, -1, rel, NULL,
				     "DROP TABLE %s deletes the table and its data; running code that uses it breaks", rel);
	}
}

/* The dropped object i of a DROP as a RangeVar-like pair (Lists of names). */
static PgQuery__RangeVar dropped_rv(const PgQuery__Node *o)
{
	PgQuery__RangeVar rv = PG_QUERY__RANGE_VAR__INIT;
	if (o->node_case == PG_QUERY__NODE__NODE_LIST && o->list->n_items) {
		const PgQuery__List *names = o->list;
		rv.relname = (char *)gk_names_last(names->items, names->n_items);
		rv.schemaname = names->n_items > 1 ? (char *)gk_node_str(names->items[names->n_items - 2]) : NULL;
	}
	return rv;
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
		gk_lint_report_about(l, s, -1, name, NULL, "DROP SCHEMA %s%s deletes every object in it", name ? name : "?",
				     ds->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE ? " CASCADE" : "");
	}
}

static void check_database(gk_lint *l, const gk_stmt *s)
{
	if (s->node->node_case == PG_QUERY__NODE__NODE_DROPDB_STMT)
		gk_lint_report(l, s, -1, NULL, "DROP DATABASE %s deletes a whole database",
			       s->node->dropdb_stmt->dbname ? s->node->dropdb_stmt->dbname : "?");
}

/* ================= drop-view ================= */

/* Is the view created again (CREATE [OR REPLACE] VIEW, CREATE MATERIALIZED
 * VIEW) later in the file?  Then running code finds it once the migration
 * has run: the usual way to change a view's columns. */
static bool view_recreated(const gk_lint *l, const gk_stmt *s, const PgQuery__RangeVar *rv)
{
	for (size_t i = (size_t)s->index + 1; i < l->n_stmts; i++) {
		const PgQuery__Node *n = l->stmts[i].node;
		if (n->node_case == PG_QUERY__NODE__NODE_VIEW_STMT && gk_rv_same(n->view_stmt->view, rv))
			return true;
		if (n->node_case == PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT && n->create_table_as_stmt->into &&
		    gk_rv_same(n->create_table_as_stmt->into->rel, rv))
			return true;
	}
	return false;
}

static void check_view(gk_lint *l, const gk_stmt *s)
{
	if (s->node->node_case != PG_QUERY__NODE__NODE_DROP_STMT)
		return;
	const PgQuery__DropStmt *ds = s->node->drop_stmt;
	bool matview = ds->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW;
	if (!matview && ds->remove_type != PG_QUERY__OBJECT_TYPE__OBJECT_VIEW)
		return;
	bool cascade = ds->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE;
	for (size_t i = 0; i < ds->n_objects; i++) {
		PgQuery__RangeVar rv = dropped_rv(ds->objects[i]);
		if (!rv.relname || !*rv.relname || gk_lint_is_new(l, &rv) || view_recreated(l, s, &rv))
			continue;
		char rel[256];
		gk_rv_name(&rv, rel, sizeof rel);
		gk_lint_report_about(l, s, -1, rel, NULL, "DROP %sVIEW %s%s breaks running code that still queries it%s",
				     matview ? "MATERIALIZED " : "", rel, cascade ? " CASCADE" : "",
				     cascade ? ", and CASCADE also drops the views that select from it" : "");
	}
}

const gk_rule gk_rule_drop_view = {
	.info = {
		.id = "drop-view",
		.category = GK_CAT_COMPATIBILITY,
		.severity = GK_SEV_ERROR,
		.summary = "DROP VIEW / DROP MATERIALIZED VIEW of an existing view that is not created again",
		.why = "A view holds no data of its own, but the release still running while the migration applies (and "
		       "the one you roll back to) still queries it and fails once the drop commits; with CASCADE the "
		       "views built on it go too. A materialized view's rows must be recomputed to get it back. "
		       "Quiet when the same file creates the view again (the usual way to change a view's columns). "
		       "Peers: squawk's ban-drop-table and Atlas's DS102 cover tables only.",
		.help = "Release code that no longer uses the view first, then drop it in a later migration with "
			"`-- gatekeeper:ignore drop-view reason: ...`. To change a view, CREATE OR REPLACE VIEW it (or "
			"drop and create it again in the same transaction).",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "DROP VIEW active_users;"},
			{GK_EXAMPLE_BAD, 0, 0, "a materialized view, with CASCADE",
			 "DROP MATERIALIZED VIEW IF EXISTS stats.daily_totals CASCADE;"},
			{GK_EXAMPLE_OK, 0, 0, "dropped and created again to change its columns",
			 "DROP VIEW active_users;\nCREATE VIEW active_users AS SELECT id, email, name FROM users WHERE active;"},
			{GK_EXAMPLE_OK, 0, 0, "a view created in the same change",
			 "CREATE VIEW tmp_report AS SELECT 1 AS one;\nDROP VIEW tmp_report;"},
			{GK_EXAMPLE_OK, 0, 0, "dropping a table is drop-table's", "DROP TABLE sessions;"},
		},
	},
	.check = check_view,
};

/* ================= drop-cascade ================= */

/* What a DROP ... CASCADE of this kind of object takes with it, for the
 * message; NULL for kinds this rule leaves to others (tables, schemas,
 * views) or does not judge. */
static const char *cascade_what(PgQuery__ObjectType t)
{
	switch (t) {
	case PG_QUERY__OBJECT_TYPE__OBJECT_TYPE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_DOMAIN:
		return "every column of that type, with its data, and the functions and views that use the type";
	case PG_QUERY__OBJECT_TYPE__OBJECT_EXTENSION:
		return "every object that depends on the extension: columns of its types with their data, indexes "
		       "using its operator classes, and the defaults, views, triggers and functions that use its functions";
	case PG_QUERY__OBJECT_TYPE__OBJECT_FUNCTION:
	case PG_QUERY__OBJECT_TYPE__OBJECT_PROCEDURE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_ROUTINE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_AGGREGATE:
		return "the triggers, column defaults, generated columns, CHECK constraints, indexes and views that use it";
	case PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE:
		return "the column defaults that call nextval() on it, so inserts that rely on them fail";
	default:
		return NULL;
	}
}

static const char *kind_word(PgQuery__ObjectType t)
{
	switch (t) {
	case PG_QUERY__OBJECT_TYPE__OBJECT_TYPE: return "TYPE";
	case PG_QUERY__OBJECT_TYPE__OBJECT_DOMAIN: return "DOMAIN";
	case PG_QUERY__OBJECT_TYPE__OBJECT_EXTENSION: return "EXTENSION";
	case PG_QUERY__OBJECT_TYPE__OBJECT_FUNCTION: return "FUNCTION";
	case PG_QUERY__OBJECT_TYPE__OBJECT_PROCEDURE: return "PROCEDURE";
	case PG_QUERY__OBJECT_TYPE__OBJECT_ROUTINE: return "ROUTINE";
	case PG_QUERY__OBJECT_TYPE__OBJECT_AGGREGATE: return "AGGREGATE";
	default: return "SEQUENCE";
	}
}

/* The last name component and its schema of a dropped object, as the
 * parser gives it for each kind: a TypeName (types, domains), an
 * ObjectWithArgs (functions), a String (extensions) or a List of names. */
static const char *dropped_name(const PgQuery__Node *o, const char **schema)
{
	PgQuery__Node *const *items = NULL;
	size_t n = 0;
	*schema = NULL;
	switch (o->node_case) {
	case PG_QUERY__NODE__NODE_TYPE_NAME: items = o->type_name->names; n = o->type_name->n_names; break;
	case PG_QUERY__NODE__NODE_OBJECT_WITH_ARGS:
		items = o->object_with_args->objname;
		n = o->object_with_args->n_objname;
		break;
	case PG_QUERY__NODE__NODE_LIST: items = o->list->items; n = o->list->n_items; break;
	case PG_QUERY__NODE__NODE_STRING: return o->string->sval;
	default: return NULL;
	}
	if (n > 1)
		*schema = gk_node_str(items[n - 2]);
	return n ? gk_node_str(items[n - 1]) : NULL;
}

static bool same_schema(const char *a, const char *b)
{
	return strcmp(a && *a ? a : "public", b && *b ? b : "public") == 0;
}

/* Was the object created earlier in the file (then nothing existing depends on it)? */
static bool created_in_file(const gk_lint *l, const gk_stmt *s, PgQuery__ObjectType t, const char *schema, const char *name)
{
	for (int i = 0; i < s->index; i++) {
		const PgQuery__Node *n = l->stmts[i].node;
		PgQuery__Node *const *items = NULL;
		size_t k = 0;
		const char *single = NULL;
		bool types = t == PG_QUERY__OBJECT_TYPE__OBJECT_TYPE || t == PG_QUERY__OBJECT_TYPE__OBJECT_DOMAIN;
		if (types && n->node_case == PG_QUERY__NODE__NODE_CREATE_ENUM_STMT) {
			items = n->create_enum_stmt->type_name;
			k = n->create_enum_stmt->n_type_name;
		} else if (types && n->node_case == PG_QUERY__NODE__NODE_CREATE_DOMAIN_STMT) {
			items = n->create_domain_stmt->domainname;
			k = n->create_domain_stmt->n_domainname;
		} else if (types && n->node_case == PG_QUERY__NODE__NODE_COMPOSITE_TYPE_STMT &&
			   n->composite_type_stmt->typevar) {
			if (strcmp(n->composite_type_stmt->typevar->relname, name) == 0 &&
			    same_schema(n->composite_type_stmt->typevar->schemaname, schema))
				return true;
			continue;
		} else if (n->node_case == PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT && !types &&
			   t != PG_QUERY__OBJECT_TYPE__OBJECT_EXTENSION && t != PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE) {
			items = n->create_function_stmt->funcname;
			k = n->create_function_stmt->n_funcname;
		} else if (t == PG_QUERY__OBJECT_TYPE__OBJECT_EXTENSION && n->node_case == PG_QUERY__NODE__NODE_CREATE_EXTENSION_STMT) {
			single = n->create_extension_stmt->extname;
		} else if (t == PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE && n->node_case == PG_QUERY__NODE__NODE_CREATE_SEQ_STMT &&
			   n->create_seq_stmt->sequence) {
			if (strcmp(n->create_seq_stmt->sequence->relname, name) == 0 &&
			    same_schema(n->create_seq_stmt->sequence->schemaname, schema))
				return true;
			continue;
		}
		if (single && strcmp(single, name) == 0)
			return true;
		if (k && strcmp(gk_names_last((PgQuery__Node **)items, k), name) == 0 &&
		    same_schema(k > 1 ? gk_node_str(items[k - 2]) : NULL, schema))
			return true;
	}
	return false;
}

static void check_cascade(gk_lint *l, const gk_stmt *s)
{
	if (s->node->node_case != PG_QUERY__NODE__NODE_DROP_STMT)
		return;
	const PgQuery__DropStmt *ds = s->node->drop_stmt;
	const char *what = cascade_what(ds->remove_type);
	if (!what || ds->behavior != PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE)
		return;
	for (size_t i = 0; i < ds->n_objects; i++) {
		const char *schema, *name = dropped_name(ds->objects[i], &schema);
		if (!name || created_in_file(l, s, ds->remove_type, schema, name))
			continue;
		char cols[512] = "", about[512];
		snprintf(about, sizeof about, "%s%s%s", schema ? schema : "", schema ? "." : "", name);
		bool typed = ds->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_TYPE ||
			     ds->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_DOMAIN;
		if (ds->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_FUNCTION && gk_state_is_trigger_fn(l->state, schema, name))
			gk_lint_report_about(l, s, -1, about, NULL,
					     "DROP FUNCTION %s CASCADE also drops every trigger that calls it: the tables stop "
					     "doing what the triggers did", name);
		else if (typed && *gk_lint_columns_of_type(l, name, cols, sizeof cols))
			gk_lint_report_about(l, s, -1, about, NULL,
					     "DROP %s %s CASCADE also drops the columns of a type named %s and their data (%s), "
					     "and the functions and views that use it", kind_word(ds->remove_type), name, name, cols);
		else
			gk_lint_report_about(l, s, -1, about, NULL, "DROP %s %s CASCADE also drops %s",
					     kind_word(ds->remove_type), name, what);
	}
}

const gk_rule gk_rule_drop_cascade = {
	.info = {
		.id = "drop-cascade",
		.category = GK_CAT_DESTRUCTIVE,
		.severity = GK_SEV_ERROR,
		.summary = "DROP TYPE / DOMAIN / EXTENSION / FUNCTION / SEQUENCE ... CASCADE: drops what depends on it",
		.why = "Without CASCADE PostgreSQL refuses to drop an object that something still uses. CASCADE drops "
		       "the dependents instead, silently: a type's or domain's columns with all their data, an "
		       "extension's types, operator classes and functions with everything built on them, a function's "
		       "triggers, defaults, generated columns, constraints, indexes and views, a sequence's nextval() "
		       "defaults. Tables and schemas are drop-table's and drop-schema's. Peers: squawk (2.68+) has "
		       "ban-drop-domain and ban-drop-extension for any drop of those, none looks at CASCADE.",
		.help = "Drop without CASCADE: PostgreSQL then lists what still depends on the object and refuses. Drop "
			"or move those dependents in their own reviewed statements (after the code stops using them), "
			"then drop the object. If losing them is intended, say so with "
			"`-- gatekeeper:ignore drop-cascade reason: ...`.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "DROP TYPE order_status CASCADE;"},
			{GK_EXAMPLE_BAD, 0, 0, NULL, "DROP DOMAIN IF EXISTS app.email CASCADE;"},
			{GK_EXAMPLE_BAD, 0, 0, "an extension takes its types' columns with it", "DROP EXTENSION citext CASCADE;"},
			{GK_EXAMPLE_BAD, 0, 0, "a trigger function takes its triggers with it",
			 "DROP FUNCTION IF EXISTS set_updated_at() CASCADE;"},
			{GK_EXAMPLE_BAD, 0, 0, "a sequence takes its nextval() defaults with it", "DROP SEQUENCE order_no_seq CASCADE;"},
			{GK_EXAMPLE_OK, 0, 0, "without CASCADE PostgreSQL refuses while something depends on it",
			 "DROP TYPE order_status;"},
			{GK_EXAMPLE_OK, 0, 0, "created earlier in the same file",
			 "CREATE FUNCTION tmp_fn() RETURNS int LANGUAGE sql AS 'SELECT 1';\nDROP FUNCTION tmp_fn() CASCADE;"},
			{GK_EXAMPLE_OK, 0, 0, "tables are drop-table's", "DROP TABLE sessions CASCADE;"},
		},
	},
	.check = check_cascade,
};

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
