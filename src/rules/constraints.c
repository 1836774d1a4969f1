/*
 * The constraint family: adding a constraint to an existing table checks or
 * indexes every row while ALTER TABLE's lock is held.
 *
 * add-foreign-key-validated: ADD FOREIGN KEY takes SHARE ROW EXCLUSIVE on
 *   both tables (writes to both wait) and scans the referencing table.
 *   NOT VALID skips the scan; VALIDATE CONSTRAINT (9.1+ for foreign keys)
 *   then checks the rows under SHARE UPDATE EXCLUSIVE, which lets DML run.
 * add-check-validated: ADD CHECK takes ACCESS EXCLUSIVE and scans; the same
 *   NOT VALID + VALIDATE split exists from PostgreSQL 9.2.
 * validate-in-same-transaction: the split only helps if the ADD's lock is
 *   released (committed) before VALIDATE starts scanning.
 * add-unique-constraint / add-primary-key: ADD UNIQUE / PRIMARY KEY build
 *   their index under ACCESS EXCLUSIVE; USING INDEX (9.1+) attaches an
 *   index built beforehand with CREATE UNIQUE INDEX CONCURRENTLY.
 * add-exclusion-constraint: ADD EXCLUDE builds its index under ACCESS
 *   EXCLUSIVE and there is no USING INDEX form.
 *
 * Tables created earlier in the same change are exempt: they are empty.
 */
#include "lint/lint_internal.h"

#include <stdio.h>
#include <string.h>

/* Called for each constraint an ALTER TABLE adds; `cd` is the column for one
 * written on ADD COLUMN, NULL for ADD [CONSTRAINT]. */
typedef void (*constraint_fn)(gk_lint *l, const gk_stmt *s, const PgQuery__RangeVar *table,
			      const PgQuery__Constraint *k, const PgQuery__ColumnDef *cd);

static void each_added_constraint(gk_lint *l, const gk_stmt *s, constraint_fn fn)
{
	if (s->node->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_STMT)
		return;
	const PgQuery__AlterTableStmt *as = s->node->alter_table_stmt;
	if (!as->relation || gk_lint_is_new(l, as->relation))
		return;
	for (size_t i = 0; i < as->n_cmds; i++) {
		if (as->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		const PgQuery__AlterTableCmd *c = as->cmds[i]->alter_table_cmd;
		const PgQuery__Node *def = c->def;
		if (!def)
			continue;
		if (c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint &&
		    def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT)
			fn(l, s, as->relation, def->constraint, NULL);
		if (c->subtype != PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn ||
		    def->node_case != PG_QUERY__NODE__NODE_COLUMN_DEF)
			continue;
		const PgQuery__ColumnDef *cd = def->column_def;
		for (size_t k = 0; k < cd->n_constraints; k++)
			if (cd->constraints[k]->node_case == PG_QUERY__NODE__NODE_CONSTRAINT)
				fn(l, s, as->relation, cd->constraints[k]->constraint, cd);
	}
}

static enum gk_lockmode lock_on(const gk_lint *l, const gk_stmt *s, const PgQuery__RangeVar *rv)
{
	return rv ? gk_stmt_lock_on(s->node, gk_lint_pg(l), rv->schemaname, rv->relname, NULL) : GK_LOCK_NONE;
}

/* The name of the column a constraint is written on, NULL for a table constraint. */
static const char *column_name(const PgQuery__ColumnDef *cd)
{
	return cd ? (cd->colname ? cd->colname : "?") : NULL;
}

/* "CONSTRAINT name " when the constraint is named, else "". */
static const char *con_label(const PgQuery__Constraint *k, char *buf, size_t size)
{
	if (k->conname && *k->conname)
		snprintf(buf, size, "CONSTRAINT %s ", k->conname);
	else
		buf[0] = '\0';
	return buf;
}

/* ---- add-foreign-key-validated ---- */

static const char fk_help_column[] =
	"Add the column without DEFAULT (it is then NULL in every row and the REFERENCES is not checked) and fill it "
	"in batches; or add it without REFERENCES, then ALTER TABLE ... ADD CONSTRAINT name FOREIGN KEY (col) "
	"REFERENCES other (id) NOT VALID, and VALIDATE CONSTRAINT name in a separate transaction (a later migration).";

/*
 * Whether ADD COLUMN gives the existing rows a value: a DEFAULT clause (even
 * DEFAULT NULL), a generated expression or an identity.  Without one the new
 * column is NULL in every row and PostgreSQL skips the initial check of a
 * REFERENCES written on it (checked on 15: no scan of the table, where
 * DEFAULT NULL or DEFAULT 1 scans it).
 */
static bool column_gets_values(const PgQuery__ColumnDef *cd)
{
	if (cd->raw_default || cd->cooked_default || (cd->identity && *cd->identity) ||
	    (cd->generated && *cd->generated))
		return true;
	for (size_t i = 0; i < cd->n_constraints; i++) {
		const PgQuery__Node *n = cd->constraints[i];
		if (n->node_case != PG_QUERY__NODE__NODE_CONSTRAINT)
			continue;
		PgQuery__ConstrType t = n->constraint->contype;
		if (t == PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT || t == PG_QUERY__CONSTR_TYPE__CONSTR_GENERATED ||
		    t == PG_QUERY__CONSTR_TYPE__CONSTR_IDENTITY)
			return true;
	}
	return false;
}

static void foreign_key(gk_lint *l, const gk_stmt *s, const PgQuery__RangeVar *table, const PgQuery__Constraint *k,
			const PgQuery__ColumnDef *cd)
{
	if (k->contype != PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN || k->skip_validation)
		return;
	if (cd && !column_gets_values(cd))
		return; /* a new all-NULL column: nothing to validate */
	const char *column = column_name(cd);
	char t[256], pk[256], label[200];
	gk_rv_name(table, t, sizeof t);
	gk_rv_name(k->pktable, pk, sizeof pk);
	enum gk_lockmode mt = lock_on(l, s, table), mp = lock_on(l, s, k->pktable);
	if (column)
		gk_lint_report(l, s, k->location, fk_help_column,
			       "ADD COLUMN %s ... REFERENCES %s on existing table %s gives every row a value and checks each "
			       "one while holding %s on %s and %s on %s",
			       column, pk, t, gk_lockmode_name(mt), t, gk_lockmode_name(mp), pk);
	else
		gk_lint_report(l, s, k->location, NULL,
			       "ADD %sFOREIGN KEY on existing table %s without NOT VALID scans %s while holding %s on %s and %s on %s",
			       con_label(k, label, sizeof label), t, t, gk_lockmode_name(mt), t, gk_lockmode_name(mp), pk);
}

static void check_foreign_key(gk_lint *l, const gk_stmt *s) { each_added_constraint(l, s, foreign_key); }

const gk_rule gk_rule_add_foreign_key_validated = {
	.info = {
		.id = "add-foreign-key-validated",
		.category = GK_CAT_LOCKING,
		.severity = GK_SEV_ERROR,
		.summary = "ADD FOREIGN KEY without NOT VALID on an existing table",
		.why = "Adding a foreign key takes SHARE ROW EXCLUSIVE locks on both the table and the referenced table, "
		       "so writes to both wait, while every existing row is checked: minutes on a large table. A "
		       "REFERENCES written on ADD COLUMN is checked too when the column gets a value (a DEFAULT, even "
		       "DEFAULT NULL, a generated expression or an identity); without one the new column is NULL in "
		       "every row and PostgreSQL skips the check.",
		.help = "Add the constraint with NOT VALID (brief lock, no scan; new rows are checked at once), then run "
			"ALTER TABLE ... VALIDATE CONSTRAINT name in a separate transaction (a later migration): it scans "
			"under SHARE UPDATE EXCLUSIVE, which lets reads and writes continue.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL,
			 "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);"},
			{GK_EXAMPLE_BAD, 0, 0, "an unnamed key", "ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users;"},
			{GK_EXAMPLE_BAD, 0, 0, "REFERENCES on a column added with a DEFAULT checks every row's value",
			 "ALTER TABLE orders ADD COLUMN coupon_id bigint DEFAULT 1 REFERENCES coupons (id);"},
			{GK_EXAMPLE_BAD, 0, 0, "even DEFAULT NULL: PostgreSQL skips the check only without a DEFAULT clause",
			 "ALTER TABLE orders ADD COLUMN coupon_id bigint DEFAULT NULL REFERENCES coupons (id);"},
			{GK_EXAMPLE_BAD, 0, 0, "referencing a new table still scans the existing one",
			 "CREATE TABLE coupons (id bigint PRIMARY KEY);\n"
			 "ALTER TABLE orders ADD CONSTRAINT orders_coupon_fk FOREIGN KEY (coupon_id) REFERENCES coupons (id);"},
			{GK_EXAMPLE_OK, 0, 0, NULL,
			 "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;"},
			{GK_EXAMPLE_OK, 0, 0, "a new column without DEFAULT is NULL in every row: there is nothing to check",
			 "ALTER TABLE orders ADD COLUMN coupon_id bigint REFERENCES coupons (id);"},
			{GK_EXAMPLE_OK, 0, 0, "validating in a later migration",
			 "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;"},
			{GK_EXAMPLE_OK, 0, 0, "a table created earlier in the same change is empty",
			 "CREATE TABLE orders (id bigint, user_id bigint);\n"
			 "ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users (id);\n"
			 "ALTER TABLE orders ADD COLUMN shop_id bigint REFERENCES shops (id);"},
		},
	},
	.check = check_foreign_key,
};

/* ---- add-check-validated ---- */

static const char check_help_column[] =
	"Add the column without the CHECK, then ALTER TABLE ... ADD CONSTRAINT name CHECK (...) NOT VALID, and "
	"VALIDATE CONSTRAINT name in a separate transaction (a later migration).";

static void check_constraint(gk_lint *l, const gk_stmt *s, const PgQuery__RangeVar *table,
			     const PgQuery__Constraint *k, const PgQuery__ColumnDef *cd)
{
	const char *column = column_name(cd);
	if (k->contype != PG_QUERY__CONSTR_TYPE__CONSTR_CHECK || k->skip_validation)
		return;
	char t[256], label[200];
	gk_rv_name(table, t, sizeof t);
	enum gk_lockmode m = lock_on(l, s, table);
	if (column)
		gk_lint_report(l, s, k->location, check_help_column,
			       "ADD COLUMN %s with a CHECK on existing table %s checks every row while holding %s (%s)",
			       column, t, gk_lockmode_name(m), gk_lockmode_blocks(m));
	else
		gk_lint_report(l, s, k->location, NULL,
			       "ADD %sCHECK on existing table %s without NOT VALID scans the table while holding %s (%s)",
			       con_label(k, label, sizeof label), t, gk_lockmode_name(m), gk_lockmode_blocks(m));
}

static void check_check(gk_lint *l, const gk_stmt *s) { each_added_constraint(l, s, check_constraint); }

const gk_rule gk_rule_add_check_validated = {
	.info = {
		.id = "add-check-validated",
		.category = GK_CAT_LOCKING,
		.severity = GK_SEV_ERROR,
		.summary = "ADD CHECK without NOT VALID on an existing table",
		.why = "Adding a CHECK constraint takes an ACCESS EXCLUSIVE lock and keeps it while every existing row is "
		       "checked, so all reads and writes of the table wait for a full scan.",
		.help = "Add the constraint with NOT VALID (brief lock, no scan; new rows are checked at once), then run "
			"ALTER TABLE ... VALIDATE CONSTRAINT name in a separate transaction (a later migration): it scans "
			"under SHARE UPDATE EXCLUSIVE, which lets reads and writes continue.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL,
			 "ALTER TABLE products ADD CONSTRAINT price_positive CHECK (price > 0);"},
			{GK_EXAMPLE_BAD, 0, 0, "an unnamed check, among other commands",
			 "ALTER TABLE products ADD COLUMN note text, ADD CHECK (price > 0);"},
			{GK_EXAMPLE_BAD, 0, 0, "a CHECK on a column added to an existing table checks every row",
			 "ALTER TABLE products ADD COLUMN discount int CHECK (discount >= 0);"},
			{GK_EXAMPLE_OK, 0, 0, NULL,
			 "ALTER TABLE products ADD CONSTRAINT price_positive CHECK (price > 0) NOT VALID;"},
			{GK_EXAMPLE_OK, 0, 0, "a table created earlier in the same change is empty",
			 "CREATE TABLE products (id bigint, price numeric);\n"
			 "ALTER TABLE products ADD CONSTRAINT price_positive CHECK (price > 0);"},
		},
	},
	.check = check_check,
};

/* ---- add-unique-constraint ---- */

static const char unique_help_column[] =
	"Add the column without UNIQUE, then CREATE UNIQUE INDEX CONCURRENTLY on it in a migration of its own, and "
	"ALTER TABLE ... ADD CONSTRAINT name UNIQUE USING INDEX index_name.";

static void unique_constraint(gk_lint *l, const gk_stmt *s, const PgQuery__RangeVar *table,
			      const PgQuery__Constraint *k, const PgQuery__ColumnDef *cd)
{
	const char *column = column_name(cd);
	if (k->contype != PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE || (k->indexname && *k->indexname))
		return;
	char t[256], label[200];
	gk_rv_name(table, t, sizeof t);
	enum gk_lockmode m = lock_on(l, s, table);
	if (column)
		gk_lint_report(l, s, k->location, unique_help_column,
			       "ADD COLUMN %s ... UNIQUE on existing table %s builds a unique index while holding %s (%s)",
			       column, t, gk_lockmode_name(m), gk_lockmode_blocks(m));
	else
		gk_lint_report(l, s, k->location, NULL,
			       "ADD %sUNIQUE on existing table %s builds its index while holding %s (%s) until the build ends",
			       con_label(k, label, sizeof label), t, gk_lockmode_name(m), gk_lockmode_blocks(m));
}

static void check_unique(gk_lint *l, const gk_stmt *s) { each_added_constraint(l, s, unique_constraint); }

const gk_rule gk_rule_add_unique_constraint = {
	.info = {
		.id = "add-unique-constraint",
		.category = GK_CAT_LOCKING,
		.severity = GK_SEV_ERROR,
		.summary = "ADD UNIQUE without USING INDEX on an existing table",
		.why = "ADD CONSTRAINT ... UNIQUE builds the unique index inside ALTER TABLE, holding an ACCESS EXCLUSIVE "
		       "lock for the whole build: every read and write of the table waits.",
		.help = "Build the index first with CREATE UNIQUE INDEX CONCURRENTLY name ON t (cols) in a migration of its "
			"own, then attach it: ALTER TABLE t ADD CONSTRAINT name UNIQUE USING INDEX name (a brief lock, no build).",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);"},
			{GK_EXAMPLE_BAD, 0, 0, "UNIQUE on a column added to an existing table",
			 "ALTER TABLE users ADD COLUMN handle text UNIQUE;"},
			{GK_EXAMPLE_OK, 0, 0, NULL,
			 "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "the whole recipe",
			 "CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);\n"
			 "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;"},
			{GK_EXAMPLE_OK, 0, 0, "a table created earlier in the same change is empty",
			 "CREATE TABLE users (id bigint, email text);\nALTER TABLE users ADD UNIQUE (email);"},
		},
	},
	.check = check_unique,
};

/* ---- add-primary-key ---- */

static const char pk_help_column[] =
	"Add the column without PRIMARY KEY (filled and NOT NULL, see set-not-null), CREATE UNIQUE INDEX "
	"CONCURRENTLY on it, then ALTER TABLE ... ADD CONSTRAINT name PRIMARY KEY USING INDEX index_name.";

static const char pk_help_nullable[] =
	"Make the key columns NOT NULL first without a long lock (see set-not-null: a validated CHECK (col IS NOT "
	"NULL) lets PostgreSQL 12+ skip the scan), then ADD PRIMARY KEY USING INDEX.";

/*
 * PRIMARY KEY USING INDEX still marks the key columns NOT NULL, which scans
 * the table unless they already are (or, from PostgreSQL 12, a validated
 * CHECK (col IS NOT NULL) proves it).  Only columns the model knows are judged.
 */
static void pk_nullable_columns(gk_lint *l, const gk_stmt *s, const PgQuery__RangeVar *table,
				const PgQuery__Constraint *k)
{
	const gk_rel *r = gk_state_find(l->state, table->schemaname, table->relname);
	const gk_index *ix = gk_rel_index(gk_state_find_index_table(l->state, table->schemaname, k->indexname),
					 k->indexname);
	char t[256];
	gk_rv_name(table, t, sizeof t);
	for (size_t i = 0; ix && i < ix->n_cols; i++) {
		const gk_column *c = ix->cols[i] ? gk_rel_column(r, ix->cols[i]) : NULL;
		if (!c || c->not_null || (gk_lint_pg(l) >= 12 && gk_rel_has_not_null_check(r, c->name)))
			continue;
		enum gk_lockmode m = lock_on(l, s, table);
		gk_lint_report(l, s, k->location, pk_help_nullable,
			       "ADD PRIMARY KEY USING INDEX %s marks nullable column %s.%s NOT NULL, scanning the table while holding %s",
			       k->indexname, t, c->name, gk_lockmode_name(m));
	}
}

static void primary_key(gk_lint *l, const gk_stmt *s, const PgQuery__RangeVar *table, const PgQuery__Constraint *k,
			const PgQuery__ColumnDef *cd)
{
	const char *column = column_name(cd);
	if (k->contype != PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY)
		return;
	if (k->indexname && *k->indexname) {
		pk_nullable_columns(l, s, table, k);
		return;
	}
	char t[256], label[200];
	gk_rv_name(table, t, sizeof t);
	enum gk_lockmode m = lock_on(l, s, table);
	if (column)
		gk_lint_report(l, s, k->location, pk_help_column,
			       "ADD COLUMN %s ... PRIMARY KEY on existing table %s builds the key's index while holding %s (%s)",
			       column, t, gk_lockmode_name(m), gk_lockmode_blocks(m));
	else
		gk_lint_report(l, s, k->location, NULL,
			       "ADD %sPRIMARY KEY on existing table %s builds its index and checks NOT NULL while holding %s (%s)",
			       con_label(k, label, sizeof label), t, gk_lockmode_name(m), gk_lockmode_blocks(m));
}

static void check_primary_key(gk_lint *l, const gk_stmt *s) { each_added_constraint(l, s, primary_key); }

const gk_rule gk_rule_add_primary_key = {
	.info = {
		.id = "add-primary-key",
		.category = GK_CAT_LOCKING,
		.severity = GK_SEV_ERROR,
		.summary = "ADD PRIMARY KEY without USING INDEX on an existing table",
		.why = "ADD PRIMARY KEY builds a unique index inside ALTER TABLE and marks the key columns NOT NULL, "
		       "holding an ACCESS EXCLUSIVE lock for the build and the scan: every read and write waits.",
		.help = "Make the key columns NOT NULL without a long lock (see set-not-null), build the index with CREATE "
			"UNIQUE INDEX CONCURRENTLY in a migration of its own, then ALTER TABLE t ADD CONSTRAINT t_pkey "
			"PRIMARY KEY USING INDEX index_name.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "ALTER TABLE accounts ADD PRIMARY KEY (id);"},
			{GK_EXAMPLE_BAD, 0, 0, "a named key", "ALTER TABLE accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);"},
			{GK_EXAMPLE_BAD, 0, 0, "a new key column on an existing table",
			 "ALTER TABLE accounts ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "USING INDEX on a column known to be nullable still scans",
			 "ALTER TABLE accounts ADD COLUMN uid bigint;\n"
			 "CREATE UNIQUE INDEX CONCURRENTLY accounts_uid_key ON accounts (uid);\n"
			 "ALTER TABLE accounts ADD PRIMARY KEY USING INDEX accounts_uid_key;"},
			{GK_EXAMPLE_BAD, 11, GK_RUNNER_SPLIT, "before PostgreSQL 12 a validated CHECK does not spare the scan",
			 "ALTER TABLE accounts ADD COLUMN uid bigint;\n"
			 "ALTER TABLE accounts ADD CONSTRAINT uid_nn CHECK (uid IS NOT NULL) NOT VALID;\n"
			 "ALTER TABLE accounts VALIDATE CONSTRAINT uid_nn;\n"
			 "CREATE UNIQUE INDEX CONCURRENTLY accounts_uid_key ON accounts (uid);\n"
			 "ALTER TABLE accounts ADD PRIMARY KEY USING INDEX accounts_uid_key;"},
			{GK_EXAMPLE_OK, 12, GK_RUNNER_SPLIT, "from PostgreSQL 12 the validated CHECK proves the column NOT NULL",
			 "ALTER TABLE accounts ADD COLUMN uid bigint;\n"
			 "ALTER TABLE accounts ADD CONSTRAINT uid_nn CHECK (uid IS NOT NULL) NOT VALID;\n"
			 "ALTER TABLE accounts VALIDATE CONSTRAINT uid_nn;\n"
			 "CREATE UNIQUE INDEX CONCURRENTLY accounts_uid_key ON accounts (uid);\n"
			 "ALTER TABLE accounts ADD PRIMARY KEY USING INDEX accounts_uid_key;"},
			{GK_EXAMPLE_OK, 0, 0, NULL, "ALTER TABLE accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY USING INDEX accounts_id_key;"},
			{GK_EXAMPLE_OK, 0, 0, "a table created earlier in the same change is empty",
			 "CREATE TABLE accounts (id bigint NOT NULL);\nALTER TABLE accounts ADD PRIMARY KEY (id);"},
		},
	},
	.check = check_primary_key,
};

/* ---- add-exclusion-constraint ---- */

static void exclusion(gk_lint *l, const gk_stmt *s, const PgQuery__RangeVar *table, const PgQuery__Constraint *k,
		      const PgQuery__ColumnDef *cd)
{
	(void)cd; /* EXCLUDE has no column form */
	if (k->contype != PG_QUERY__CONSTR_TYPE__CONSTR_EXCLUSION)
		return;
	char t[256], label[200];
	gk_rv_name(table, t, sizeof t);
	enum gk_lockmode m = lock_on(l, s, table);
	gk_lint_report(l, s, k->location, NULL,
		       "ADD %sEXCLUDE on existing table %s builds its index and checks every row while holding %s (%s)",
		       con_label(k, label, sizeof label), t, gk_lockmode_name(m), gk_lockmode_blocks(m));
}

static void check_exclusion(gk_lint *l, const gk_stmt *s) { each_added_constraint(l, s, exclusion); }

const gk_rule gk_rule_add_exclusion_constraint = {
	.info = {
		.id = "add-exclusion-constraint",
		.category = GK_CAT_LOCKING,
		.severity = GK_SEV_ERROR,
		.summary = "ADD EXCLUDE constraint on an existing table",
		.why = "An exclusion constraint builds its index and checks every row inside ALTER TABLE under an ACCESS "
		       "EXCLUSIVE lock, and unlike UNIQUE it cannot adopt an index built CONCURRENTLY (no USING INDEX).",
		.help = "There is no online form. Run it in a maintenance window with a short lock_timeout, or create a new "
			"table with the constraint, backfill it in batches and switch over. Declare exclusion constraints "
			"when creating a table.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL,
			 "ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);"},
			{GK_EXAMPLE_BAD, 0, 0, "unnamed", "ALTER TABLE bookings ADD EXCLUDE USING gist (during WITH &&);"},
			{GK_EXAMPLE_OK, 0, 0, "a table created earlier in the same change is empty",
			 "CREATE TABLE bookings (room int, during tstzrange);\n"
			 "ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);"},
			{GK_EXAMPLE_OK, 0, 0, "declared in CREATE TABLE",
			 "CREATE TABLE bookings (room int, during tstzrange, EXCLUDE USING gist (room WITH =, during WITH &&));"},
		},
	},
	.check = check_exclusion,
};

/* ---- validate-in-same-transaction ---- */

/* The earlier statement of the same transaction that added `name` NOT VALID to `table`. */
static const gk_stmt *find_not_valid_add(const gk_lint *l, const gk_stmt *s, const PgQuery__RangeVar *table,
					 const char *name)
{
	for (int i = s->index - 1; i >= 0 && l->stmts[i].tx_id == s->tx_id; i--) {
		const PgQuery__Node *n = l->stmts[i].node;
		if (n->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_STMT || !n->alter_table_stmt->relation)
			continue;
		const PgQuery__AlterTableStmt *as = n->alter_table_stmt;
		const char *sa = as->relation->schemaname && *as->relation->schemaname ? as->relation->schemaname : "public";
		const char *sb = table->schemaname && *table->schemaname ? table->schemaname : "public";
		if (strcmp(as->relation->relname, table->relname) != 0 || strcmp(sa, sb) != 0)
			continue;
		for (size_t k = 0; k < as->n_cmds; k++) {
			const PgQuery__Node *c = as->cmds[k];
			const PgQuery__Node *def = c->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_CMD ? c->alter_table_cmd->def : NULL;
			if (def && def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT && def->constraint->skip_validation &&
			    def->constraint->conname && strcmp(def->constraint->conname, name) == 0)
				return &l->stmts[i];
		}
	}
	return NULL;
}

/* True when an earlier command of the same ALTER TABLE adds `name` NOT VALID. */
static bool added_earlier_in_stmt(const PgQuery__AlterTableStmt *as, size_t upto, const char *name)
{
	for (size_t k = 0; k < upto; k++) {
		const PgQuery__Node *c = as->cmds[k];
		const PgQuery__Node *def = c->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_CMD ? c->alter_table_cmd->def : NULL;
		if (def && def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT && def->constraint->skip_validation &&
		    def->constraint->conname && strcmp(def->constraint->conname, name) == 0)
			return true;
	}
	return false;
}

static const char validate_help_explicit[] =
	"COMMIT after the ADD ... NOT VALID and run VALIDATE CONSTRAINT in a new transaction, so the ADD's lock is "
	"released before the scan starts.";

static void validate_one(gk_lint *l, const gk_stmt *s, const PgQuery__AlterTableStmt *as, size_t cmd, const char *name)
{
	char t[256];
	gk_rv_name(as->relation, t, sizeof t);
	const char *help = s->explicit_tx ? validate_help_explicit : NULL;
	if (added_earlier_in_stmt(as, cmd, name)) {
		gk_lint_report(l, s, -1, help,
			       "VALIDATE CONSTRAINT %s on %s is in the same ALTER TABLE that adds it NOT VALID: the scan runs under %s",
			       name, t, gk_lockmode_name(gk_stmt_lock_on(s->node, gk_lint_pg(l), as->relation->schemaname,
									as->relation->relname, NULL)));
		return;
	}
	const gk_rel *r = gk_state_find(l->state, as->relation->schemaname, as->relation->relname);
	const gk_constraint *k = gk_rel_constraint(r, name);
	if (!k || k->validated || s->tx_id < 0 || k->tx_id != s->tx_id || gk_state_is_new(l->state, r->change))
		return;
	const gk_stmt *add = find_not_valid_add(l, s, as->relation, name);
	if (!add) {
		gk_lint_report(l, s, -1, help,
			       "VALIDATE CONSTRAINT %s on %s runs in the transaction that added it NOT VALID, so the ADD's lock is still held during the scan",
			       name, t);
		return;
	}
	enum gk_lockmode m = gk_stmt_lock_on(add->node, gk_lint_pg(l), as->relation->schemaname, as->relation->relname, NULL);
	gk_lint_report(l, s, -1, help,
		       "VALIDATE CONSTRAINT %s on %s runs in the same transaction as its ADD ... NOT VALID (statement %d), so the %s lock it took is held during the scan",
		       name, t, add->index + 1, gk_lockmode_name(m));
}

static void check_validate(gk_lint *l, const gk_stmt *s)
{
	const PgQuery__AlterTableStmt *as = gk_lint_alter_existing(l, s);
	for (size_t i = 0; as && i < as->n_cmds; i++) {
		const PgQuery__AlterTableCmd *c = gk_alter_cmd(as, i);
		if (c && c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_ValidateConstraint && c->name)
			validate_one(l, s, as, i, c->name);
	}
}

const gk_rule gk_rule_validate_in_same_transaction = {
	.info = {
		.id = "validate-in-same-transaction",
		.category = GK_CAT_LOCKING,
		.severity = GK_SEV_ERROR,
		.summary = "VALIDATE CONSTRAINT in the transaction that added the constraint NOT VALID",
		.why = "NOT VALID + VALIDATE only helps when the ADD's lock (ACCESS EXCLUSIVE for CHECK, SHARE ROW "
		       "EXCLUSIVE on both tables for a foreign key) is released before VALIDATE scans the table. In one "
		       "transaction the lock is held until COMMIT, so the scan blocks writes exactly as a plain ADD would.",
		.help = "Move VALIDATE CONSTRAINT to a separate migration: the runner runs each file in its own transaction, "
			"so the ADD ... NOT VALID commits first and VALIDATE scans under SHARE UPDATE EXCLUSIVE alone.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, "the per-file runner wraps both in one transaction",
			 "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\n"
			 "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "an explicit transaction",
			 "BEGIN;\nALTER TABLE products ADD CONSTRAINT price_positive CHECK (price > 0) NOT VALID;\n"
			 "ALTER TABLE products VALIDATE CONSTRAINT price_positive;\nCOMMIT;"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_WHOLE, "Prisma sends the file as one implicit transaction",
			 "ALTER TABLE products ADD CONSTRAINT price_positive CHECK (price > 0) NOT VALID;\n"
			 "ALTER TABLE products VALIDATE CONSTRAINT price_positive;"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "one ALTER TABLE is one transaction",
			 "ALTER TABLE products ADD CONSTRAINT price_positive CHECK (price > 0) NOT VALID, "
			 "VALIDATE CONSTRAINT price_positive;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "without a runner transaction each statement commits on its own",
			 "ALTER TABLE products ADD CONSTRAINT price_positive CHECK (price > 0) NOT VALID;\n"
			 "ALTER TABLE products VALIDATE CONSTRAINT price_positive;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "COMMIT between them",
			 "BEGIN;\nALTER TABLE products ADD CONSTRAINT price_positive CHECK (price > 0) NOT VALID;\nCOMMIT;\n"
			 "BEGIN;\nALTER TABLE products VALIDATE CONSTRAINT price_positive;\nCOMMIT;"},
			{GK_EXAMPLE_OK, 0, 0, "validating a constraint added by an earlier migration",
			 "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;"},
			{GK_EXAMPLE_OK, 0, 0, "a table created earlier in the same change is empty",
			 "CREATE TABLE products (id bigint, price numeric);\n"
			 "ALTER TABLE products ADD CONSTRAINT price_positive CHECK (price > 0) NOT VALID;\n"
			 "ALTER TABLE products VALIDATE CONSTRAINT price_positive;"},
		},
	},
	.check = check_validate,
};
