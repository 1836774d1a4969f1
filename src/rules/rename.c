/*
 * rename-column, rename-table, rename-enum-value, rename-view, rename-schema,
 * rename-type, rename-function: renames break the code
 * that is running while the migration is applied.
 *
 * A rename itself is quick: ALTER TABLE ... RENAME takes an ACCESS
 * EXCLUSIVE lock on the table only for the catalog update, and ALTER TYPE
 * ... RENAME VALUE (PostgreSQL 10+) updates one catalog row.  The damage is
 * that during a deploy the old release keeps running and keeps using the old
 * name; its queries fail from the moment the migration commits until the
 * last old process is gone (and for good if the deploy is rolled back).
 * There is no "safe form" in any PostgreSQL version: the safe recipe is
 * expand/contract across releases.  Tables, columns and enums created in the
 * same change are exempt: no running code knows them yet.
 */
#include "lint/lint_internal.h"

#include <string.h>

/* ================= rename-column ================= */

static void check_column(gk_lint *l, const gk_stmt *s)
{
	if (s->node->node_case != PG_QUERY__NODE__NODE_RENAME_STMT)
		return;
	const PgQuery__RenameStmt *rs = s->node->rename_stmt;
	if (rs->rename_type != PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN ||
	    rs->relation_type != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE || !rs->subname || !rs->newname)
		return;
	if (gk_lint_is_new(l, rs->relation) || gk_lint_column_is_new(l, rs->relation, rs->subname))
		return;
	char rel[256];
	gk_lint_report(l, s, -1, NULL,
		       "renaming column %s.%s to %s breaks running code that still reads or writes %s",
		       gk_rv_name(rs->relation, rel, sizeof rel), rs->subname, rs->newname, rs->subname);
}

const gk_rule gk_rule_rename_column = {
	.info = {
		.id = "rename-column",
		.category = GK_CAT_COMPATIBILITY,
		.severity = GK_SEV_ERROR,
		.summary = "ALTER TABLE ... RENAME COLUMN on an existing table",
		.why = "The application version that is running while the migration applies (and the one you roll back "
		       "to) still uses the old column name; every query naming it fails once the rename commits. The "
		       "rename also takes an ACCESS EXCLUSIVE lock, briefly, but it queues behind long transactions.",
		.help = "Expand/contract: add the new column, write both (in code or with a trigger), backfill in batches, "
			"switch reads to the new column in a release, then drop the old column in a later migration.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "ALTER TABLE users RENAME COLUMN email TO email_address;"},
			{GK_EXAMPLE_BAD, 0, 0, "Prisma renames quoted camelCase columns",
			 "ALTER TABLE \"User\" RENAME COLUMN \"name\" TO \"fullName\";"},
			{GK_EXAMPLE_OK, 0, 0, "a table created in the same change",
			 "CREATE TABLE users (id bigint, mail text);\nALTER TABLE users RENAME COLUMN mail TO email;"},
			{GK_EXAMPLE_OK, 0, 0, "a column added in the same change",
			 "ALTER TABLE users ADD COLUMN mail text;\nALTER TABLE users RENAME COLUMN mail TO email;"},
			{GK_EXAMPLE_OK, 0, 0, "renaming a constraint is not a column rename",
			 "ALTER TABLE users RENAME CONSTRAINT users_email_check TO users_email_format;"},
		},
	},
	.check = check_column,
};

/* ================= rename-table ================= */

static void check_table(gk_lint *l, const gk_stmt *s)
{
	if (s->node->node_case != PG_QUERY__NODE__NODE_RENAME_STMT)
		return;
	const PgQuery__RenameStmt *rs = s->node->rename_stmt;
	/* Only tables: views are rename-view's; sequences and indexes are
	 * renamed with their own statements and are not in this rule's scope. */
	if (rs->rename_type != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE || !rs->newname || gk_lint_is_new(l, rs->relation))
		return;
	char rel[256];
	gk_lint_report(l, s, -1, NULL, "renaming table %s to %s breaks running code that still queries %s",
		       gk_rv_name(rs->relation, rel, sizeof rel), rs->newname, rs->relation ? rs->relation->relname : "?");
}

const gk_rule gk_rule_rename_table = {
	.info = {
		.id = "rename-table",
		.category = GK_CAT_COMPATIBILITY,
		.severity = GK_SEV_ERROR,
		.summary = "ALTER TABLE ... RENAME TO on an existing table",
		.why = "Code that is running during the deploy (and the release you roll back to) still queries the old "
		       "table name and fails once the rename commits. The rename also takes an ACCESS EXCLUSIVE lock.",
		.help = "Rename and, in the same transaction, create a view with the old name "
			"(`CREATE VIEW old_name AS SELECT * FROM new_name;` simple views accept INSERT/UPDATE/DELETE) so "
			"old code keeps working; drop the view in a later migration once no code uses the old name.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "ALTER TABLE users RENAME TO accounts;"},
			{GK_EXAMPLE_BAD, 0, 0, "schema-qualified, IF EXISTS", "ALTER TABLE IF EXISTS billing.invoice RENAME TO invoices;"},
			{GK_EXAMPLE_OK, 0, 0, "a table created in the same change",
			 "CREATE TABLE accounts_new (id bigint);\nALTER TABLE accounts_new RENAME TO accounts_v2;"},
			{GK_EXAMPLE_OK, 0, 0, "renaming a view is rename-view's", "ALTER VIEW active_users RENAME TO current_users;"},
			{GK_EXAMPLE_OK, 0, 0, "renaming a column is rename-column's", "ALTER TABLE users RENAME COLUMN a TO b;"},
		},
	},
	.check = check_table,
};

/* ================= rename-enum-value ================= */

/* Was the enum type created by CREATE TYPE ... AS ENUM earlier in this change? */
static bool enum_created_in_change(const gk_lint *l, const gk_stmt *s, PgQuery__Node **names, size_t n)
{
	const char *name = gk_names_last(names, n);
	const char *schema = n > 1 ? gk_node_str(names[n - 2]) : NULL;
	for (int i = 0; i < s->index; i++) {
		const PgQuery__Node *st = l->stmts[i].node;
		if (st->node_case != PG_QUERY__NODE__NODE_CREATE_ENUM_STMT)
			continue;
		const PgQuery__CreateEnumStmt *ce = st->create_enum_stmt;
		const char *cs = ce->n_type_name > 1 ? gk_node_str(ce->type_name[ce->n_type_name - 2]) : NULL;
		if (strcmp(gk_names_last(ce->type_name, ce->n_type_name), name) == 0 &&
		    strcmp(cs ? cs : "public", schema ? schema : "public") == 0)
			return true;
	}
	return false;
}

static void check_enum_value(gk_lint *l, const gk_stmt *s)
{
	if (s->node->node_case != PG_QUERY__NODE__NODE_ALTER_ENUM_STMT)
		return;
	const PgQuery__AlterEnumStmt *ae = s->node->alter_enum_stmt;
	/* old_val is set only for RENAME VALUE; ADD VALUE leaves it empty. */
	if (!ae->old_val || !*ae->old_val || enum_created_in_change(l, s, ae->type_name, ae->n_type_name))
		return;
	const char *help = gk_lint_pg(l) < 10
		? "ALTER TYPE ... RENAME VALUE needs PostgreSQL 10 and fails on older servers. Add the new value instead "
		  "(ALTER TYPE ... ADD VALUE), move code and rows to it, and stop using the old one."
		: NULL;
	gk_lint_report(l, s, -1, help,
		       "renaming value '%s' of enum %s to '%s' breaks running code that still writes or compares '%s'",
		       ae->old_val, gk_names_last(ae->type_name, ae->n_type_name), ae->new_val ? ae->new_val : "?",
		       ae->old_val);
}

const gk_rule gk_rule_rename_enum_value = {
	.info = {
		.id = "rename-enum-value",
		.category = GK_CAT_COMPATIBILITY,
		.severity = GK_SEV_ERROR,
		.summary = "ALTER TYPE ... RENAME VALUE on an existing enum",
		.why = "Stored rows follow the rename, but code still running the old release sends the old label: its "
		       "INSERTs and UPDATEs fail with `invalid input value for enum` and its comparisons match nothing. "
		       "Clients that cache enum labels (ORMs, generated types) break the same way.",
		.help = "Expand/contract: ALTER TYPE ... ADD VALUE 'new' (in its own migration), release code that "
			"accepts both and writes the new label, update the rows in batches, then stop using the old label.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "ALTER TYPE order_status RENAME VALUE 'canceled' TO 'cancelled';"},
			{GK_EXAMPLE_BAD, 9, 0, "on PostgreSQL 9.6 it does not even run",
			 "ALTER TYPE public.mood RENAME VALUE 'sad' TO 'unhappy';"},
			{GK_EXAMPLE_OK, 0, 0, "adding a value is not a rename", "ALTER TYPE order_status ADD VALUE 'refunded';"},
			{GK_EXAMPLE_OK, 0, 0, "an enum created in the same change",
			 "CREATE TYPE mood AS ENUM ('sad', 'ok');\nALTER TYPE mood RENAME VALUE 'sad' TO 'unhappy';"},
			{GK_EXAMPLE_BAD, 0, 0, "an enum of the same name in another schema is not the new one",
			 "CREATE TYPE mood AS ENUM ('sad', 'ok');\nALTER TYPE app.mood RENAME VALUE 'sad' TO 'unhappy';"},
		},
	},
	.check = check_enum_value,
};

/*
 * ================= rename-view, rename-schema, rename-type, rename-function =================
 *
 * The same hazard as rename-table for the other objects running code names:
 * the rename commits, and the old release's queries, casts and calls that
 * still use the old name fail.  Each is quiet when the object was created
 * earlier in the same change (no running code knows it) and when the old
 * name is defined again later in the same file (Prisma's enum recreation
 * renames "Role" to "Role_old" and "Role_new" to "Role"; CREATE OR REPLACE
 * VIEW after renaming the old one away): the name running code uses still
 * exists once the migration has run.
 */

/* A qualified name: schema NULL means unqualified (public, as gk_rv_same assumes). */
typedef struct qname {
	const char *schema;
	const char *name;
} qname;

static qname qname_of_list(PgQuery__Node *const *items, size_t n)
{
	qname q = {n > 1 ? gk_node_str(items[n - 2]) : NULL, n ? gk_node_str(items[n - 1]) : NULL};
	return q;
}

/* The name of a List of String nodes, a TypeName, or an ObjectWithArgs. */
static qname qname_of_node(const PgQuery__Node *n)
{
	qname none = {NULL, NULL};
	if (!n)
		return none;
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_LIST:
		return qname_of_list(n->list->items, n->list->n_items);
	case PG_QUERY__NODE__NODE_TYPE_NAME:
		return qname_of_list(n->type_name->names, n->type_name->n_names);
	case PG_QUERY__NODE__NODE_OBJECT_WITH_ARGS:
		return qname_of_list(n->object_with_args->objname, n->object_with_args->n_objname);
	case PG_QUERY__NODE__NODE_STRING:
		return (qname){NULL, n->string->sval};
	default:
		return none;
	}
}

static bool qname_eq(qname a, qname b)
{
	if (!a.name || !b.name || strcmp(a.name, b.name) != 0)
		return false;
	return strcmp(a.schema && *a.schema ? a.schema : "public", b.schema && *b.schema ? b.schema : "public") == 0;
}

static qname qname_of_rv(const PgQuery__RangeVar *rv)
{
	qname q = {rv ? rv->schemaname : NULL, rv ? rv->relname : NULL};
	return q;
}

enum rename_kind { RK_VIEW, RK_SCHEMA, RK_TYPE, RK_FUNCTION };

/* What statement `n` defines under the name `q`, for kind k: a CREATE of
 * that kind, or a rename of an object of that kind to q. */
static bool defines(const PgQuery__Node *n, enum rename_kind k, qname q)
{
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_VIEW_STMT:
		return k == RK_VIEW && qname_eq(qname_of_rv(n->view_stmt->view), q);
	case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT:
		return k == RK_VIEW && n->create_table_as_stmt->into &&
		       qname_eq(qname_of_rv(n->create_table_as_stmt->into->rel), q);
	case PG_QUERY__NODE__NODE_CREATE_SCHEMA_STMT:
		return k == RK_SCHEMA && qname_eq((qname){NULL, n->create_schema_stmt->schemaname}, q);
	case PG_QUERY__NODE__NODE_CREATE_ENUM_STMT:
		return k == RK_TYPE && qname_eq(qname_of_list(n->create_enum_stmt->type_name, n->create_enum_stmt->n_type_name), q);
	case PG_QUERY__NODE__NODE_CREATE_DOMAIN_STMT:
		return k == RK_TYPE &&
		       qname_eq(qname_of_list(n->create_domain_stmt->domainname, n->create_domain_stmt->n_domainname), q);
	case PG_QUERY__NODE__NODE_COMPOSITE_TYPE_STMT:
		return k == RK_TYPE && qname_eq(qname_of_rv(n->composite_type_stmt->typevar), q);
	case PG_QUERY__NODE__NODE_CREATE_RANGE_STMT:
		return k == RK_TYPE && qname_eq(qname_of_list(n->create_range_stmt->type_name, n->create_range_stmt->n_type_name), q);
	case PG_QUERY__NODE__NODE_DEFINE_STMT:
		return k == RK_TYPE && n->define_stmt->kind == PG_QUERY__OBJECT_TYPE__OBJECT_TYPE &&
		       qname_eq(qname_of_list(n->define_stmt->defnames, n->define_stmt->n_defnames), q);
	case PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT:
		return k == RK_FUNCTION &&
		       qname_eq(qname_of_list(n->create_function_stmt->funcname, n->create_function_stmt->n_funcname), q);
	case PG_QUERY__NODE__NODE_RENAME_STMT: {
		const PgQuery__RenameStmt *rs = n->rename_stmt;
		if (!rs->newname)
			return false;
		/* A rename keeps the schema (ALTER ... SET SCHEMA moves it). */
		switch (rs->rename_type) {
		case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW:
		case PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW:
		case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE:
			return k == RK_VIEW && qname_eq((qname){rs->relation ? rs->relation->schemaname : NULL, rs->newname}, q);
		case PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA:
			return k == RK_SCHEMA && qname_eq((qname){NULL, rs->newname}, q);
		case PG_QUERY__OBJECT_TYPE__OBJECT_TYPE:
		case PG_QUERY__OBJECT_TYPE__OBJECT_DOMAIN:
			return k == RK_TYPE && qname_eq((qname){qname_of_node(rs->object).schema, rs->newname}, q);
		case PG_QUERY__OBJECT_TYPE__OBJECT_FUNCTION:
		case PG_QUERY__OBJECT_TYPE__OBJECT_PROCEDURE:
		case PG_QUERY__OBJECT_TYPE__OBJECT_ROUTINE:
			return k == RK_FUNCTION && qname_eq((qname){qname_of_node(rs->object).schema, rs->newname}, q);
		default:
			return false;
		}
	}
	default:
		return false;
	}
}

/* Created earlier in this file, or defined again under the old name later in it. */
static bool created_before(const gk_lint *l, const gk_stmt *s, enum rename_kind k, qname q)
{
	for (int i = 0; i < s->index; i++)
		if (defines(l->stmts[i].node, k, q))
			return true;
	return false;
}

static bool defined_after(const gk_lint *l, const gk_stmt *s, enum rename_kind k, qname q)
{
	for (size_t i = (size_t)s->index + 1; i < l->n_stmts; i++)
		if (defines(l->stmts[i].node, k, q))
			return true;
	return false;
}

static const PgQuery__RenameStmt *rename_of(const gk_stmt *s)
{
	return s->node->node_case == PG_QUERY__NODE__NODE_RENAME_STMT && s->node->rename_stmt->newname
		       ? s->node->rename_stmt
		       : NULL;
}

static void check_view(gk_lint *l, const gk_stmt *s)
{
	const PgQuery__RenameStmt *rs = rename_of(s);
	if (!rs || !rs->relation || !rs->relation->relname)
		return;
	bool view = rs->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_VIEW ||
		    rs->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW;
	bool column = rs->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN && rs->subname &&
		      (rs->relation_type == PG_QUERY__OBJECT_TYPE__OBJECT_VIEW ||
		       rs->relation_type == PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW);
	if ((!view && !column) || gk_lint_is_new(l, rs->relation))
		return;
	char rel[256];
	gk_rv_name(rs->relation, rel, sizeof rel);
	if (column)
		gk_lint_report(l, s, -1, NULL, "renaming column %s of view %s to %s breaks running code that still selects %s",
			       rs->subname, rel, rs->newname, rs->subname);
	else if (!defined_after(l, s, RK_VIEW, qname_of_rv(rs->relation)))
		gk_lint_report(l, s, -1, NULL, "renaming %sview %s to %s breaks running code that still queries %s",
			       rs->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW ? "materialized " : "", rel,
			       rs->newname, rs->relation->relname);
}

const gk_rule gk_rule_rename_view = {
	.info = {
		.id = "rename-view",
		.category = GK_CAT_COMPATIBILITY,
		.severity = GK_SEV_ERROR,
		.summary = "ALTER VIEW / ALTER MATERIALIZED VIEW ... RENAME on an existing view",
		.why = "Code that is running during the deploy (and the release you roll back to) still queries the old "
		       "view name, or the old column name, and fails once the rename commits. Views and functions that "
		       "use the view follow the rename (they refer to it by OID); application SQL does not. Peer: "
		       "squawk's renaming-object (2.68+); Atlas's BC101 covers tables only.",
		.help = "Create the view under the new name next to the old one, move the code to it in a release, and "
			"drop the old view in a later migration (or rename and, in the same transaction, create a view "
			"with the old name: `CREATE VIEW old_name AS SELECT * FROM new_name;`).",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "ALTER VIEW active_users RENAME TO current_users;"},
			{GK_EXAMPLE_BAD, 0, 0, "a materialized view", "ALTER MATERIALIZED VIEW IF EXISTS stats.daily RENAME TO daily_totals;"},
			{GK_EXAMPLE_BAD, 0, 0, "a column of a view (PostgreSQL 13+)",
			 "ALTER VIEW active_users RENAME COLUMN mail TO email;"},
			{GK_EXAMPLE_OK, 0, 0, "a view created in the same change",
			 "CREATE VIEW v1 AS SELECT 1 AS one;\nALTER VIEW v1 RENAME TO v2;"},
			{GK_EXAMPLE_OK, 0, 0, "the old name is created again in the same file",
			 "ALTER VIEW active_users RENAME TO active_users_v1;\n"
			 "CREATE VIEW active_users AS SELECT id, email FROM users WHERE active;"},
			{GK_EXAMPLE_OK, 0, 0, "renaming a table is rename-table's", "ALTER TABLE users RENAME TO accounts;"},
		},
	},
	.check = check_view,
};

static void check_schema(gk_lint *l, const gk_stmt *s)
{
	const PgQuery__RenameStmt *rs = rename_of(s);
	if (!rs || rs->rename_type != PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA || !rs->subname)
		return;
	qname q = {NULL, rs->subname};
	if (created_before(l, s, RK_SCHEMA, q) || defined_after(l, s, RK_SCHEMA, q))
		return;
	gk_lint_report(l, s, -1, NULL,
		       "renaming schema %s to %s breaks running code, and search_path settings, that still name %s",
		       rs->subname, rs->newname, rs->subname);
}

const gk_rule gk_rule_rename_schema = {
	.info = {
		.id = "rename-schema",
		.category = GK_CAT_COMPATIBILITY,
		.severity = GK_SEV_ERROR,
		.summary = "ALTER SCHEMA ... RENAME on an existing schema",
		.why = "Every qualified name in running code (`old_schema.table`), every search_path that lists the "
		       "schema (roles, connection strings, ORM settings such as Prisma's ?schema=) stops resolving once "
		       "the rename commits. Peers: strong_migrations' rename_schema, squawk's renaming-object (2.68+).",
		.help = "Keep the schema's name. If it must change: create the new schema, move the objects with ALTER "
			"... SET SCHEMA while views in the old schema keep old names working, move code and search_path "
			"to the new schema in a release, and drop the old schema's views later.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "ALTER SCHEMA reporting RENAME TO analytics;"},
			{GK_EXAMPLE_OK, 0, 0, "a schema created in the same file",
			 "CREATE SCHEMA staging;\nALTER SCHEMA staging RENAME TO import;"},
			{GK_EXAMPLE_OK, 0, 0, "a table's rename is rename-table's", "ALTER TABLE reporting.daily RENAME TO days;"},
		},
	},
	.check = check_schema,
};

static void check_type(gk_lint *l, const gk_stmt *s)
{
	const PgQuery__RenameStmt *rs = rename_of(s);
	if (!rs || (rs->rename_type != PG_QUERY__OBJECT_TYPE__OBJECT_TYPE &&
		    rs->rename_type != PG_QUERY__OBJECT_TYPE__OBJECT_DOMAIN))
		return;
	qname q = qname_of_node(rs->object);
	if (!q.name || created_before(l, s, RK_TYPE, q) || defined_after(l, s, RK_TYPE, q))
		return;
	gk_lint_report(l, s, -1, NULL,
		       "renaming %s %s to %s breaks running code that still names it, in casts such as ::%s (Prisma casts "
		       "enum parameters to the type's name) or in column definitions",
		       rs->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_DOMAIN ? "domain" : "type", q.name, rs->newname,
		       q.name);
}

const gk_rule gk_rule_rename_type = {
	.info = {
		.id = "rename-type",
		.category = GK_CAT_COMPATIBILITY,
		.severity = GK_SEV_ERROR,
		.summary = "ALTER TYPE / ALTER DOMAIN ... RENAME TO on an existing type",
		.why = "Columns follow the rename (they refer to the type by OID), but code names types in SQL text: "
		       "casts (`$1::\"Role\"`, which Prisma generates for every enum parameter), functions' bodies, and "
		       "CREATE TABLE statements of the release still running. They fail with `type does not exist` once "
		       "the rename commits. Peer: squawk's renaming-object (2.68+).",
		.help = "Keep the database name and rename only in code (Prisma: `@@map(\"old_name\")` on the enum). If the "
			"database name must change, release code that no longer names the type first, then rename.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "ALTER TYPE order_status RENAME TO order_state;"},
			{GK_EXAMPLE_BAD, 0, 0, "Prisma's quoted enum name", "ALTER TYPE \"Role\" RENAME TO \"UserRole\";"},
			{GK_EXAMPLE_BAD, 0, 0, "a domain", "ALTER DOMAIN app.email RENAME TO email_address;"},
			{GK_EXAMPLE_OK, 0, 0, "Prisma's enum recreation keeps the name",
			 "CREATE TYPE \"Role_new\" AS ENUM ('USER', 'ADMIN');\n"
			 "ALTER TABLE \"User\" ALTER COLUMN \"role\" TYPE \"Role_new\" USING (\"role\"::text::\"Role_new\");\n"
			 "ALTER TYPE \"Role\" RENAME TO \"Role_old\";\n"
			 "ALTER TYPE \"Role_new\" RENAME TO \"Role\";\n"
			 "DROP TYPE \"Role_old\";"},
			{GK_EXAMPLE_OK, 0, 0, "a type created in the same file",
			 "CREATE TYPE mood AS ENUM ('sad', 'ok');\nALTER TYPE mood RENAME TO feeling;"},
			{GK_EXAMPLE_OK, 0, 0, "renaming a value is rename-enum-value's",
			 "ALTER TYPE mood RENAME VALUE 'sad' TO 'unhappy';"},
		},
	},
	.check = check_type,
};

static void check_function(gk_lint *l, const gk_stmt *s)
{
	const PgQuery__RenameStmt *rs = rename_of(s);
	if (!rs || (rs->rename_type != PG_QUERY__OBJECT_TYPE__OBJECT_FUNCTION &&
		    rs->rename_type != PG_QUERY__OBJECT_TYPE__OBJECT_PROCEDURE &&
		    rs->rename_type != PG_QUERY__OBJECT_TYPE__OBJECT_ROUTINE))
		return;
	qname q = qname_of_node(rs->object);
	if (!q.name || created_before(l, s, RK_FUNCTION, q) || defined_after(l, s, RK_FUNCTION, q))
		return;
	/* A trigger function cannot be called by name, only by its triggers,
	 * which refer to it by OID. */
	if (gk_state_is_trigger_fn(l->state, q.schema, q.name))
		return;
	gk_lint_report(l, s, -1, NULL, "renaming %s %s to %s breaks running code and function bodies that still call %s",
		       rs->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_PROCEDURE ? "procedure" : "function", q.name,
		       rs->newname, q.name);
}

const gk_rule gk_rule_rename_function = {
	.info = {
		.id = "rename-function",
		.category = GK_CAT_COMPATIBILITY,
		.severity = GK_SEV_ERROR,
		.summary = "ALTER FUNCTION / PROCEDURE / ROUTINE ... RENAME TO on an existing function",
		.why = "Triggers, defaults and views refer to a function by OID and follow the rename, but application "
		       "SQL (`SELECT old_name(...)`, `CALL ...`) and the bodies of other PL/pgSQL or SQL functions call it "
		       "by name and fail once the rename commits. A trigger function (RETURNS trigger) cannot be called by "
		       "name, so renaming one the schema model knows is not reported. Peer: squawk's renaming-object (2.68+).",
		.help = "Create the function under the new name next to the old one (the old one can call the new), move "
			"callers to it in a release, and drop the old function in a later migration.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "ALTER FUNCTION calc_total(bigint) RENAME TO order_total;"},
			{GK_EXAMPLE_BAD, 0, 0, "a procedure", "ALTER PROCEDURE billing.close_month() RENAME TO close_period;"},
			{GK_EXAMPLE_OK, 0, 0, "a function created in the same file",
			 "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\nALTER FUNCTION f() RENAME TO g;"},
			{GK_EXAMPLE_OK, 0, 0, "the old name is created again in the same file",
			 "ALTER FUNCTION calc_total(bigint) RENAME TO calc_total_v1;\n"
			 "CREATE FUNCTION calc_total(o bigint) RETURNS numeric LANGUAGE sql AS 'SELECT 0';"},
		},
	},
	.check = check_function,
};
