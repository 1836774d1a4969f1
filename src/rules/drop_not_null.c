/*
 * drop-not-null
 *
 * ALTER TABLE ... ALTER COLUMN ... DROP NOT NULL is quick (a catalog
 * update under ACCESS EXCLUSIVE, no scan), but it changes a promise the
 * running code relies on: the release still running, and every reader of
 * the table (reports, ETL, other services, generated types such as
 * Prisma's non-optional fields), assumes the column is never NULL.  Once
 * new code writes NULLs, old readers crash on them or silently mishandle
 * them.  A compatibility hazard, hence a warning.  Columns added and tables
 * created in the same change are exempt.
 */
#include "lint/lint_internal.h"

static void check(gk_lint *l, const gk_stmt *s)
{
	const PgQuery__AlterTableStmt *as = gk_lint_alter_existing(l, s);
	for (size_t i = 0; as && i < as->n_cmds; i++) {
		const PgQuery__AlterTableCmd *c = gk_alter_cmd(as, i);
		if (!c || c->subtype != PG_QUERY__ALTER_TABLE_TYPE__AT_DropNotNull || !c->name ||
		    gk_lint_column_is_new(l, as->relation, c->name))
			continue;
		char t[256];
		gk_lint_report_about(l, s, -1, c->name, NULL,
				     "DROP NOT NULL on %s.%s lets NULLs in; code and readers that assume the column is never "
				     "NULL break on them", gk_rv_name(as->relation, t, sizeof t), c->name);
	}
}

const gk_rule gk_rule_drop_not_null = {
	.info = {
		.id = "drop-not-null",
		.category = GK_CAT_COMPATIBILITY,
		.severity = GK_SEV_WARNING,
		.summary = "ALTER COLUMN ... DROP NOT NULL on an existing column",
		.why = "The statement is quick, but the release still running (and the one you roll back to), reports, "
		       "ETL jobs and other services that read the table assume the column is never NULL: once NULLs are "
		       "written they fail on them or mishandle them. Making it NOT NULL again later needs a scan "
		       "(set-not-null). Peer: squawk's ban-drop-not-null.",
		.help = "Release readers that handle NULL first (Prisma: make the field optional in the schema and deploy "
			"the client before the migration), then drop the constraint; or keep NOT NULL with a default.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;"},
			{GK_EXAMPLE_BAD, 0, 0, "Prisma's form when a field becomes optional",
			 "ALTER TABLE \"User\" ALTER COLUMN \"name\" DROP NOT NULL;"},
			{GK_EXAMPLE_OK, 0, 0, "a column added in the same change",
			 "ALTER TABLE users ADD COLUMN nickname text NOT NULL DEFAULT '';\n"
			 "ALTER TABLE users ALTER COLUMN nickname DROP NOT NULL;"},
			{GK_EXAMPLE_OK, 0, 0, "a table created in the same change",
			 "CREATE TABLE t (id bigint, v text NOT NULL);\nALTER TABLE t ALTER COLUMN v DROP NOT NULL;"},
			{GK_EXAMPLE_OK, 0, 0, "dropping a default is not dropping NOT NULL",
			 "ALTER TABLE users ALTER COLUMN email DROP DEFAULT;"},
		},
	},
	.check = check,
};
