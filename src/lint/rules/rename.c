/*
 * rename-column, rename-table, rename-enum-value: renames break the code
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
#include "../lint_internal.h"

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
	/* Only tables: views, sequences and indexes are renamed with their
	 * own statements and are not in this rule's scope. */
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
			{GK_EXAMPLE_OK, 0, 0, "renaming a view is out of scope", "ALTER VIEW active_users RENAME TO current_users;"},
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
