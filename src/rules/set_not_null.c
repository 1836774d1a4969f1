/*
 * set-not-null
 *
 * ALTER TABLE ... ALTER COLUMN ... SET NOT NULL takes ACCESS EXCLUSIVE and,
 * while holding it, scans the whole table to prove no row is NULL: every
 * read and write waits for the scan.
 *
 * From PostgreSQL 12 the scan is skipped when a validated CHECK (col IS NOT
 * NULL) already proves it, and such a check can be added NOT VALID and
 * validated under SHARE UPDATE EXCLUSIVE (which lets DML run).  PostgreSQL 18
 * can add the NOT NULL constraint itself NOT VALID and validate it later.
 * Before 12 there is no scan-free way.
 *
 * Quiet when the table was created in the same change (empty), when the
 * column is already NOT NULL (nothing to check), and on 12+ when a validated
 * CHECK (col IS NOT NULL) is known, possibly added earlier in the same file.
 */
#include "lint/lint_internal.h"

static const char help_pre12[] =
	"Before PostgreSQL 12 SET NOT NULL always scans the table under ACCESS EXCLUSIVE. Upgrade to 12+ (where a "
	"validated CHECK (col IS NOT NULL) lets it skip the scan), or keep a CHECK (col IS NOT NULL) constraint, added "
	"NOT VALID and validated in a separate transaction, instead of NOT NULL.";

static const char help_12_to_17[] =
	"ALTER TABLE t ADD CONSTRAINT t_col_not_null CHECK (col IS NOT NULL) NOT VALID; then, in a separate "
	"transaction, ALTER TABLE t VALIDATE CONSTRAINT t_col_not_null (SHARE UPDATE EXCLUSIVE: reads and writes "
	"continue); then ALTER COLUMN col SET NOT NULL, which uses the check instead of scanning; then DROP "
	"CONSTRAINT t_col_not_null.";

static const char help_18[] =
	"ALTER TABLE t ADD CONSTRAINT t_col_not_null NOT NULL col NOT VALID (PostgreSQL 18+: brief lock, no scan); "
	"then, in a separate transaction, ALTER TABLE t VALIDATE CONSTRAINT t_col_not_null (SHARE UPDATE EXCLUSIVE: "
	"reads and writes continue). Once validated the column is NOT NULL. The CHECK (col IS NOT NULL) NOT VALID "
	"recipe of older versions works too.";

static const char *help_for(int pg)
{
	return pg < 12 ? help_pre12 : pg >= 18 ? help_18 : help_12_to_17;
}

static void set_not_null(gk_lint *l, const gk_stmt *s, const PgQuery__RangeVar *table, const char *col)
{
	const gk_rel *r = gk_state_find(l->state, table->schemaname, table->relname);
	const gk_column *c = gk_rel_column(r, col);
	if (c && c->not_null)
		return;
	bool checked = gk_rel_has_not_null_check(r, col);
	int pg = gk_lint_pg(l);
	if (checked && pg >= 12)
		return;
	char t[256];
	gk_rv_name(table, t, sizeof t);
	enum gk_lockmode m = gk_stmt_lock_on(s->node, pg, table->schemaname, table->relname, NULL);
	if (checked)
		gk_lint_report_about(l, s, -1, col, help_for(pg),
				     "SET NOT NULL on %s.%s still scans the table under %s on PostgreSQL %d: only 12+ uses "
				     "the validated CHECK (%s IS NOT NULL)", t, col, gk_lockmode_name(m), pg, col);
	else
		gk_lint_report_about(l, s, -1, col, help_for(pg),
				     "ALTER COLUMN %s SET NOT NULL on existing table %s scans every row while holding %s (%s)",
				     col, t, gk_lockmode_name(m), gk_lockmode_blocks(m));
}

static void check(gk_lint *l, const gk_stmt *s)
{
	const PgQuery__AlterTableStmt *as = gk_lint_alter_existing(l, s);
	for (size_t i = 0; as && i < as->n_cmds; i++) {
		const PgQuery__AlterTableCmd *c = gk_alter_cmd(as, i);
		if (c && c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_SetNotNull && c->name)
			set_not_null(l, s, as->relation, c->name);
	}
}

const gk_rule gk_rule_set_not_null = {
	.info = {
		.id = "set-not-null",
		.category = GK_CAT_LOCKING,
		.severity = GK_SEV_ERROR,
		.summary = "ALTER COLUMN SET NOT NULL on an existing table",
		.why = "SET NOT NULL takes an ACCESS EXCLUSIVE lock and scans the whole table to check for NULLs while "
		       "holding it, so every read and write of the table waits for the scan.",
		.help = help_12_to_17,
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "ALTER TABLE users ALTER COLUMN email SET NOT NULL;"},
			{GK_EXAMPLE_BAD, 18, 0, "PostgreSQL 18: the help shows NOT NULL ... NOT VALID",
			 "ALTER TABLE users ALTER COLUMN email SET NOT NULL;"},
			{GK_EXAMPLE_BAD, 11, GK_RUNNER_SPLIT, "before PostgreSQL 12 the validated CHECK does not avoid the scan",
			 "ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\n"
			 "ALTER TABLE users VALIDATE CONSTRAINT email_nn;\n"
			 "ALTER TABLE users ALTER COLUMN email SET NOT NULL;"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "a CHECK that is not validated yet proves nothing",
			 "ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\n"
			 "ALTER TABLE users ALTER COLUMN email SET NOT NULL;"},
			{GK_EXAMPLE_OK, 12, GK_RUNNER_SPLIT, "PostgreSQL 12+: the validated CHECK, even from the same file, avoids the scan",
			 "ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\n"
			 "ALTER TABLE users VALIDATE CONSTRAINT email_nn;\n"
			 "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n"
			 "ALTER TABLE users DROP CONSTRAINT email_nn;"},
			{GK_EXAMPLE_OK, 0, 0, "a table created earlier in the same change is empty",
			 "CREATE TABLE users (id bigint, email text);\nALTER TABLE users ALTER COLUMN email SET NOT NULL;"},
			{GK_EXAMPLE_OK, 0, 0, "a column already NOT NULL is not checked again",
			 "ALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT true;\n"
			 "ALTER TABLE users ALTER COLUMN active SET NOT NULL;"},
		},
	},
	.check = check,
};
