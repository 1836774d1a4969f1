/*
 * drop-column, truncate, delete-without-where, update-without-where:
 * statements that destroy or rewrite existing data.
 *
 * - ALTER TABLE ... DROP COLUMN takes ACCESS EXCLUSIVE only briefly (the
 *   column is just marked dropped, no rewrite), but the data is gone and
 *   code still running the old release selects or inserts the column.
 * - TRUNCATE takes ACCESS EXCLUSIVE on every table it empties (and, with
 *   CASCADE, on every table with a foreign key to them) until the
 *   transaction ends, and the rows are gone.
 * - DELETE / UPDATE without WHERE take only ROW EXCLUSIVE, but lock every
 *   row of the table until the migration's transaction commits, write WAL
 *   for every row and leave a dead copy of each one (bloat).
 *
 * No PostgreSQL version makes these safe; the safe forms are procedures
 * (stop using, then drop; batch the change outside the DDL transaction).
 * Tables created in the same change are exempt: they hold nothing yet.
 */
#include "lint/lint_internal.h"

#include <string.h>

/* ================= drop-column ================= */

static void check_drop_column(gk_lint *l, const gk_stmt *s)
{
	const PgQuery__AlterTableStmt *as = gk_lint_alter_existing(l, s);
	if (!as)
		return;
	char rel[256];
	gk_rv_name(as->relation, rel, sizeof rel);
	for (size_t i = 0; i < as->n_cmds; i++) {
		const PgQuery__AlterTableCmd *c = gk_alter_cmd(as, i);
		/* A column added earlier in this change has no data and no users. */
		if (!c || c->subtype != PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumn || !c->name ||
		    gk_lint_column_is_new(l, as->relation, c->name))
			continue;
		if (c->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE)
			gk_lint_report_about(l, s, -1, c->name, NULL,
					     "DROP COLUMN %s.%s CASCADE deletes the column's data and also drops the views, "
					     "indexes and constraints that use it", rel, c->name);
		else
			gk_lint_report_about(l, s, -1, c->name, NULL,
					     "DROP COLUMN %s.%s deletes the column's data; running code that selects or "
					     "writes it breaks", rel, c->name);
	}
}

const gk_rule gk_rule_drop_column = {
	.info = {
		.id = "drop-column",
		.category = GK_CAT_DESTRUCTIVE,
		.severity = GK_SEV_ERROR,
		.summary = "ALTER TABLE ... DROP COLUMN on an existing table",
		.why = "The column's data is gone for good. The release still running while the migration applies "
		       "(and the one you roll back to) still names the column: ORMs select and insert every column they "
		       "know, so even code that never uses the field fails. The drop itself is quick but takes an ACCESS "
		       "EXCLUSIVE lock, which queues behind long transactions.",
		.help = "Release code that no longer reads or writes the column first (Prisma: remove the field or mark it "
			"@ignore; Rails: ignored_columns; Django: SeparateDatabaseAndState), deploy it, and drop the column "
			"in a later migration with `-- gatekeeper:ignore drop-column reason: ...`.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "ALTER TABLE users DROP COLUMN legacy_flags;"},
			{GK_EXAMPLE_BAD, 0, 0, "Prisma's generated form", "ALTER TABLE \"User\" DROP COLUMN \"nickname\";"},
			{GK_EXAMPLE_BAD, 0, 0, "CASCADE also drops dependent views",
			 "ALTER TABLE IF EXISTS users DROP COLUMN IF EXISTS age CASCADE;"},
			{GK_EXAMPLE_OK, 0, 0, "a table created in the same change",
			 "CREATE TABLE imports (id bigint, raw text);\nALTER TABLE imports DROP COLUMN raw;"},
			{GK_EXAMPLE_OK, 0, 0, "a column added earlier in the same change",
			 "ALTER TABLE users ADD COLUMN tmp text;\nALTER TABLE users DROP COLUMN tmp;"},
			{GK_EXAMPLE_OK, 0, 0, "dropping a constraint keeps the data",
			 "ALTER TABLE users DROP CONSTRAINT users_age_check;"},
		},
	},
	.check = check_drop_column,
};

/* ================= truncate ================= */

/*
 * TRUNCATE t CASCADE also empties tables with a foreign key to t.  A new
 * table can still have existing children: a foreign key may have been
 * added from an existing table earlier in this change.  Returns that
 * child's RangeVar, or NULL.
 */
static const PgQuery__RangeVar *existing_child(const gk_lint *l, const gk_stmt *s, const PgQuery__RangeVar *parent)
{
	for (int i = 0; i < s->index; i++) {
		const PgQuery__Node *n = l->stmts[i].node;
		if (n->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_STMT || gk_lint_is_new(l, n->alter_table_stmt->relation))
			continue;
		const PgQuery__AlterTableStmt *as = n->alter_table_stmt;
		for (size_t k = 0; k < as->n_cmds; k++) {
			const PgQuery__Node *c = as->cmds[k];
			const PgQuery__Node *def = c->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_CMD ? c->alter_table_cmd->def : NULL;
			if (def && def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT &&
			    def->constraint->contype == PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN &&
			    gk_rv_same(def->constraint->pktable, parent))
				return as->relation;
		}
	}
	return NULL;
}

/* The lock TRUNCATE takes on rv, as locks.c decides it. */
static const char *truncate_lock(const gk_lint *l, const gk_stmt *s, const PgQuery__RangeVar *rv)
{
	enum gk_lockmode m = gk_stmt_lock_on(s->node, gk_lint_pg(l), rv->schemaname, rv->relname, NULL);
	return gk_lockmode_name(m != GK_LOCK_NONE ? m : GK_LOCK_ACCESS_EXCLUSIVE);
}

static void truncate_one(gk_lint *l, const gk_stmt *s, const PgQuery__RangeVar *rv, bool cascade)
{
	char rel[256], child[256];
	gk_rv_name(rv, rel, sizeof rel);
	if (!gk_lint_is_new(l, rv)) {
		if (cascade)
			gk_lint_report(l, s, rv->location, NULL,
				       "TRUNCATE %s CASCADE deletes every row of %s and of every table with a foreign key to it, "
				       "under an %s lock", rel, rel, truncate_lock(l, s, rv));
		else
			gk_lint_report(l, s, rv->location, NULL,
				       "TRUNCATE %s deletes every row and holds an %s lock on it until commit",
				       rel, truncate_lock(l, s, rv));
		return;
	}
	const PgQuery__RangeVar *c = cascade ? existing_child(l, s, rv) : NULL;
	if (c)
		gk_lint_report(l, s, rv->location, NULL,
			       "TRUNCATE %s CASCADE also empties existing table %s, which got a foreign key to it in this change",
			       rel, gk_rv_name(c, child, sizeof child));
}

static void check_truncate(gk_lint *l, const gk_stmt *s)
{
	if (s->node->node_case != PG_QUERY__NODE__NODE_TRUNCATE_STMT)
		return;
	const PgQuery__TruncateStmt *ts = s->node->truncate_stmt;
	bool cascade = ts->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE;
	for (size_t i = 0; i < ts->n_relations; i++)
		if (ts->relations[i]->node_case == PG_QUERY__NODE__NODE_RANGE_VAR)
			truncate_one(l, s, ts->relations[i]->range_var, cascade);
}

const gk_rule gk_rule_truncate = {
	.info = {
		.id = "truncate",
		.category = GK_CAT_DESTRUCTIVE,
		.severity = GK_SEV_ERROR,
		.summary = "TRUNCATE of an existing table",
		.why = "TRUNCATE deletes every row at once and takes an ACCESS EXCLUSIVE lock that blocks all reads and "
		       "writes of the table until the transaction ends. With CASCADE it also empties every table that "
		       "has a foreign key to it, and their children in turn, which is easy to overlook.",
		.help = "Do not empty production tables from a migration. If the data really must go, back it up, "
			"delete in batches outside the migration, or acknowledge with `-- gatekeeper:ignore truncate reason: ...`.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "TRUNCATE sessions;"},
			{GK_EXAMPLE_BAD, 0, 0, "CASCADE empties the referencing tables too", "TRUNCATE TABLE users CASCADE;"},
			{GK_EXAMPLE_BAD, 0, 0, "one of several tables is existing",
			 "CREATE TABLE staging (id bigint);\nTRUNCATE staging, events;"},
			{GK_EXAMPLE_BAD, 0, 0, "CASCADE from a new table reaches an existing child",
			 "CREATE TABLE plans (id bigint PRIMARY KEY);\n"
			 "ALTER TABLE accounts ADD CONSTRAINT accounts_plan_fkey FOREIGN KEY (plan_id) REFERENCES plans (id);\n"
			 "TRUNCATE plans CASCADE;"},
			{GK_EXAMPLE_OK, 0, 0, "a table created in the same change",
			 "CREATE TABLE staging (id bigint);\nINSERT INTO staging VALUES (1);\nTRUNCATE staging;"},
			{GK_EXAMPLE_OK, 0, 0, "DELETE with a WHERE is not a TRUNCATE", "DELETE FROM sessions WHERE expires_at < now();"},
		},
	},
	.check = check_truncate,
};

/* ================= delete-without-where / update-without-where ================= */

/* No WHERE, or WHERE TRUE: every row. */
static bool whole_table(const PgQuery__Node *where)
{
	if (!where)
		return true;
	return where->node_case == PG_QUERY__NODE__NODE_A_CONST &&
	       where->a_const->val_case == PG_QUERY__A__CONST__VAL_BOOLVAL && where->a_const->boolval->boolval;
}

static void check_delete(gk_lint *l, const gk_stmt *s)
{
	if (s->node->node_case != PG_QUERY__NODE__NODE_DELETE_STMT)
		return;
	const PgQuery__DeleteStmt *ds = s->node->delete_stmt;
	if (!whole_table(ds->where_clause) || gk_lint_is_new(l, ds->relation))
		return;
	char rel[256];
	gk_rv_name(ds->relation, rel, sizeof rel);
	const char *how = ds->where_clause ? "WHERE true" : "without WHERE";
	if (s->in_transaction)
		gk_lint_report(l, s, -1, NULL,
			       "DELETE FROM %s %s deletes every row and keeps each one locked until the migration's transaction commits",
			       rel, how);
	else
		gk_lint_report(l, s, -1, NULL,
			       "DELETE FROM %s %s deletes every row in one long statement, locking each row and bloating the table",
			       rel, how);
}

const gk_rule gk_rule_delete_without_where = {
	.info = {
		.id = "delete-without-where",
		.category = GK_CAT_DESTRUCTIVE,
		.severity = GK_SEV_ERROR,
		.summary = "DELETE without WHERE on an existing table",
		.why = "It deletes every row. On a big table it runs long: every row stays locked (concurrent UPDATEs and "
		       "DELETEs of any row wait) until the transaction commits, WAL is written for each row, replicas "
		       "lag, and the dead rows bloat the table until VACUUM. Usually the WHERE was forgotten.",
		.help = "Add the intended WHERE. To remove most rows, delete in batches (DELETE ... WHERE id IN (SELECT id "
			"... LIMIT 10000)) from a job outside the migration's transaction, committing each batch.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "DELETE FROM sessions;"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "outside a transaction it is still every row", "DELETE FROM audit_log;"},
			{GK_EXAMPLE_BAD, 0, 0, "WHERE true is no filter", "DELETE FROM sessions WHERE true;"},
			{GK_EXAMPLE_BAD, 0, 0, "USING joins but does not filter", "DELETE FROM orders USING customers;"},
			{GK_EXAMPLE_OK, 0, 0, NULL, "DELETE FROM sessions WHERE expires_at < now() - interval '30 days';"},
			{GK_EXAMPLE_OK, 0, 0, "a table created and filled in the same change",
			 "CREATE TABLE tmp_ids (id bigint);\nINSERT INTO tmp_ids SELECT id FROM users;\nDELETE FROM tmp_ids;"},
		},
	},
	.check = check_delete,
};

static void check_update(gk_lint *l, const gk_stmt *s)
{
	if (s->node->node_case != PG_QUERY__NODE__NODE_UPDATE_STMT)
		return;
	const PgQuery__UpdateStmt *us = s->node->update_stmt;
	if (!whole_table(us->where_clause) || gk_lint_is_new(l, us->relation))
		return;
	char rel[256];
	gk_rv_name(us->relation, rel, sizeof rel);
	const char *how = us->where_clause ? "WHERE true" : "without WHERE";
	if (s->in_transaction)
		gk_lint_report(l, s, -1, NULL,
			       "UPDATE %s %s writes a new version of every row and keeps them all locked until the migration's transaction commits",
			       rel, how);
	else
		gk_lint_report(l, s, -1, NULL,
			       "UPDATE %s %s writes a new version of every row in one statement, locking them all until it ends",
			       rel, how);
}

const gk_rule gk_rule_update_without_where = {
	.info = {
		.id = "update-without-where",
		.category = GK_CAT_DESTRUCTIVE,
		.severity = GK_SEV_WARNING,
		.summary = "UPDATE without WHERE on an existing table",
		.why = "It rewrites every row: each one gets a new version, stays locked against concurrent UPDATEs and "
		       "DELETEs until the transaction commits, and leaves a dead copy behind (the table can double in "
		       "size). Inside a migration's transaction it also holds every lock the migration's DDL took for as "
		       "long as the whole-table update runs.",
		.help = "Backfill in batches outside the DDL transaction: e.g. UPDATE t SET ... WHERE id >= $1 AND id < $1 + "
			"10000, each batch its own transaction, from a job or a separate non-transactional migration.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "UPDATE users SET newsletter = false;"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_WHOLE, "a Prisma backfill after adding a column",
			 "ALTER TABLE \"User\" ADD COLUMN \"plan\" TEXT;\nUPDATE \"User\" SET \"plan\" = 'free';"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "outside a transaction it is still every row",
			 "UPDATE users SET email = lower(email);"},
			{GK_EXAMPLE_BAD, 0, 0, "WHERE TRUE is no filter", "UPDATE users SET newsletter = false WHERE TRUE;"},
			{GK_EXAMPLE_OK, 0, 0, NULL, "UPDATE users SET newsletter = false WHERE id BETWEEN 1 AND 10000;"},
			{GK_EXAMPLE_OK, 0, 0, "a table created in the same change",
			 "CREATE TABLE tmp (id bigint, done boolean);\nUPDATE tmp SET done = true;"},
		},
	},
	.check = check_update,
};
