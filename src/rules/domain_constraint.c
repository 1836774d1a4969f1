/*
 * domain-constraint
 *
 * ALTER DOMAIN ... ADD CONSTRAINT (without NOT VALID) and ALTER DOMAIN ...
 * SET NOT NULL check every stored value of the domain: PostgreSQL scans
 * each table that has a column of the domain type, holding SHARE on it
 * (writes wait) while it scans.  Checked on PostgreSQL 15 in pg_locks: a
 * SHARE lock on every table using the domain, none with NOT VALID.
 *
 * Unlike ALTER TABLE ... VALIDATE CONSTRAINT (SHARE UPDATE EXCLUSIVE),
 * ALTER DOMAIN ... VALIDATE CONSTRAINT also takes SHARE on each table on
 * PostgreSQL 15, so NOT VALID + VALIDATE moves the scan out of the deploy
 * but does not let writes run during it; only table-level CHECK
 * constraints validate without blocking writes.
 *
 * CREATE DOMAIN ... CHECK is harmless by itself (no column uses a new
 * domain), so it is not reported.  Its cost comes later: up to PostgreSQL
 * 18, ALTER TABLE ... ADD COLUMN of a domain type that has constraints
 * rewrites the table (checked on 15 by relfilenode), even without a
 * DEFAULT, which add-column-rewrite reports.
 *
 * Quiet for a domain created earlier in the same file.  The message names
 * the columns of the domain the schema model knows.
 */
#include "lint/lint_internal.h"

#include <string.h>

static const char help[] =
	"ALTER DOMAIN d ADD CONSTRAINT c CHECK (...) NOT VALID: no table is locked or scanned and every new or "
	"updated value is checked at once. Then ALTER DOMAIN d VALIDATE CONSTRAINT c in a separate migration, at a "
	"quiet time and with a lock_timeout: it still holds SHARE (writes wait) on each table using the domain while "
	"it scans it. Where writes must never wait, put the CHECK on the columns instead: ALTER TABLE t ADD "
	"CONSTRAINT t_c_check CHECK (...) NOT VALID, then ALTER TABLE t VALIDATE CONSTRAINT t_c_check (SHARE UPDATE "
	"EXCLUSIVE: reads and writes continue). For SET NOT NULL, use CHECK (VALUE IS NOT NULL) the same way.";

/* Was the domain created earlier in this file? */
static bool created_in_file(const gk_lint *l, const gk_stmt *s, PgQuery__Node **names, size_t n)
{
	const char *name = gk_names_last(names, n);
	const char *schema = n > 1 ? gk_node_str(names[n - 2]) : NULL;
	for (int i = 0; i < s->index; i++) {
		const PgQuery__Node *st = l->stmts[i].node;
		if (st->node_case != PG_QUERY__NODE__NODE_CREATE_DOMAIN_STMT)
			continue;
		const PgQuery__CreateDomainStmt *cd = st->create_domain_stmt;
		const char *cs = cd->n_domainname > 1 ? gk_node_str(cd->domainname[cd->n_domainname - 2]) : NULL;
		if (strcmp(gk_names_last(cd->domainname, cd->n_domainname), name) == 0 &&
		    strcmp(cs && *cs ? cs : "public", schema && *schema ? schema : "public") == 0)
			return true;
	}
	return false;
}

static void check(gk_lint *l, const gk_stmt *s)
{
	if (s->node->node_case != PG_QUERY__NODE__NODE_ALTER_DOMAIN_STMT)
		return;
	const PgQuery__AlterDomainStmt *ad = s->node->alter_domain_stmt;
	const char *what;
	if (ad->subtype && strcmp(ad->subtype, "O") == 0) {
		what = "SET NOT NULL";
	} else if (ad->subtype && strcmp(ad->subtype, "C") == 0 && ad->def &&
		   ad->def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT && !ad->def->constraint->skip_validation) {
		what = "ADD CONSTRAINT";
	} else {
		return;
	}
	if (created_in_file(l, s, ad->type_name, ad->n_type_name))
		return;
	const char *name = gk_names_last(ad->type_name, ad->n_type_name);
	char cols[512];
	if (*gk_lint_columns_of_type(l, name, cols, sizeof cols))
		gk_lint_report(l, s, -1, NULL,
			       "ALTER DOMAIN %s %s scans every column of the domain (%s), holding %s (%s) on each table "
			       "while it scans it",
			       name, what, cols, gk_lockmode_name(GK_LOCK_SHARE), gk_lockmode_blocks(GK_LOCK_SHARE));
	else
		gk_lint_report(l, s, -1, NULL,
			       "ALTER DOMAIN %s %s scans every table with a column of the domain, holding %s (%s) on each "
			       "while it scans it",
			       name, what, gk_lockmode_name(GK_LOCK_SHARE), gk_lockmode_blocks(GK_LOCK_SHARE));
}

const gk_rule gk_rule_domain_constraint = {
	.info = {
		.id = "domain-constraint",
		.category = GK_CAT_LOCKING,
		.severity = GK_SEV_ERROR,
		.summary = "ALTER DOMAIN ... ADD CONSTRAINT (without NOT VALID) or SET NOT NULL on an existing domain",
		.why = "PostgreSQL checks the new constraint against every stored value of the domain: it scans each "
		       "table that has a column of the domain type and holds a SHARE lock on it during the scan, so every "
		       "INSERT, UPDATE and DELETE on those tables waits (PostgreSQL 15, seen in pg_locks). ALTER DOMAIN "
		       "... VALIDATE CONSTRAINT takes the same locks, unlike a table's VALIDATE. CREATE DOMAIN ... CHECK "
		       "is harmless by itself, but adding a column of a domain with constraints to an existing table "
		       "rewrites the table (PostgreSQL 15). Peers: squawk's ban-alter-domain-with-add-constraint and "
		       "ban-create-domain-with-constraint.",
		.help = help,
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "ALTER DOMAIN email ADD CONSTRAINT email_format CHECK (VALUE LIKE '%@%');"},
			{GK_EXAMPLE_BAD, 0, 0, "SET NOT NULL scans the same way", "ALTER DOMAIN app.positive_amount SET NOT NULL;"},
			{GK_EXAMPLE_OK, 0, 0, "NOT VALID checks only new values",
			 "ALTER DOMAIN email ADD CONSTRAINT email_format CHECK (VALUE LIKE '%@%') NOT VALID;"},
			{GK_EXAMPLE_OK, 0, 0, "a domain created in the same file has no column yet",
			 "CREATE DOMAIN email AS text;\nALTER DOMAIN email ADD CONSTRAINT email_format CHECK (VALUE LIKE '%@%');"},
			{GK_EXAMPLE_OK, 0, 0, "a new domain with a CHECK is used by no column yet",
			 "CREATE DOMAIN positive_amount AS numeric CHECK (VALUE > 0);"},
			{GK_EXAMPLE_OK, 0, 0, "dropping a constraint checks nothing",
			 "ALTER DOMAIN email DROP CONSTRAINT email_format;"},
		},
	},
	.check = check,
};
