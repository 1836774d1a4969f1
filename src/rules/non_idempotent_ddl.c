/*
 * non-idempotent-ddl (opt-in): DDL that fails when it runs a second time.
 *
 * A migration that stops halfway outside a transaction (a runner that
 * sends statements one by one, a file with CONCURRENTLY, a COMMIT in the
 * middle) leaves its first statements applied; running it again then fails
 * on the first CREATE of something that exists or DROP of something that is
 * gone.  Teams that rerun migrations by hand, or apply the same file to
 * databases in different states, write every statement so that it can run
 * again: IF NOT EXISTS, IF EXISTS, OR REPLACE.  Reported per statement, for
 * the kinds where PostgreSQL has such a form; CREATE TYPE, ADD CONSTRAINT
 * and renames have none (they need a DO block or a catalog check) and are
 * not reported.  Off by default: a runner that applies each file once, in
 * a transaction, never reruns a statement.
 */
#include "lint/lint_internal.h"

#include <stddef.h>

static const char *drop_what(PgQuery__ObjectType t)
{
	switch (t) {
	case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE: return "DROP TABLE";
	case PG_QUERY__OBJECT_TYPE__OBJECT_INDEX: return "DROP INDEX";
	case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW: return "DROP VIEW";
	case PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW: return "DROP MATERIALIZED VIEW";
	case PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE: return "DROP SEQUENCE";
	case PG_QUERY__OBJECT_TYPE__OBJECT_TYPE: return "DROP TYPE";
	case PG_QUERY__OBJECT_TYPE__OBJECT_DOMAIN: return "DROP DOMAIN";
	case PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA: return "DROP SCHEMA";
	case PG_QUERY__OBJECT_TYPE__OBJECT_FUNCTION: return "DROP FUNCTION";
	case PG_QUERY__OBJECT_TYPE__OBJECT_PROCEDURE: return "DROP PROCEDURE";
	case PG_QUERY__OBJECT_TYPE__OBJECT_TRIGGER: return "DROP TRIGGER";
	case PG_QUERY__OBJECT_TYPE__OBJECT_POLICY: return "DROP POLICY";
	case PG_QUERY__OBJECT_TYPE__OBJECT_EXTENSION: return "DROP EXTENSION";
	default: return "DROP";
	}
}

/* The form a statement lacks to be rerunnable, or NULL when it has it (or has none). */
static const char *missing_form(const PgQuery__Node *n, const char **what)
{
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_CREATE_STMT:
		*what = "CREATE TABLE";
		return n->create_stmt->if_not_exists ? NULL : "IF NOT EXISTS";
	case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT:
		*what = n->create_table_as_stmt->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW
				? "CREATE MATERIALIZED VIEW" : "CREATE TABLE AS";
		return n->create_table_as_stmt->is_select_into || n->create_table_as_stmt->if_not_exists
			       ? NULL : "IF NOT EXISTS";
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		*what = "CREATE INDEX";
		return n->index_stmt->if_not_exists ? NULL : "IF NOT EXISTS (and a name)";
	case PG_QUERY__NODE__NODE_CREATE_SEQ_STMT:
		*what = "CREATE SEQUENCE";
		return n->create_seq_stmt->if_not_exists ? NULL : "IF NOT EXISTS";
	case PG_QUERY__NODE__NODE_CREATE_SCHEMA_STMT:
		*what = "CREATE SCHEMA";
		return n->create_schema_stmt->if_not_exists ? NULL : "IF NOT EXISTS";
	case PG_QUERY__NODE__NODE_CREATE_EXTENSION_STMT:
		*what = "CREATE EXTENSION";
		return n->create_extension_stmt->if_not_exists ? NULL : "IF NOT EXISTS";
	case PG_QUERY__NODE__NODE_VIEW_STMT:
		*what = "CREATE VIEW";
		return n->view_stmt->replace ? NULL : "OR REPLACE";
	case PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT:
		*what = n->create_function_stmt->is_procedure ? "CREATE PROCEDURE" : "CREATE FUNCTION";
		return n->create_function_stmt->replace ? NULL : "OR REPLACE";
	case PG_QUERY__NODE__NODE_ALTER_ENUM_STMT:
		*what = "ALTER TYPE ... ADD VALUE";
		return (n->alter_enum_stmt->old_val && *n->alter_enum_stmt->old_val) ||
			       n->alter_enum_stmt->skip_if_new_val_exists ? NULL : "IF NOT EXISTS";
	case PG_QUERY__NODE__NODE_DROP_STMT:
		*what = drop_what(n->drop_stmt->remove_type);
		return n->drop_stmt->missing_ok ? NULL : "IF EXISTS";
	default:
		return NULL;
	}
}

/* ADD COLUMN, DROP COLUMN and DROP CONSTRAINT of an ALTER TABLE without IF [NOT] EXISTS. */
static void check_alter(gk_lint *l, const gk_stmt *s, const PgQuery__AlterTableStmt *as)
{
	for (size_t i = 0; i < as->n_cmds; i++) {
		const PgQuery__AlterTableCmd *c = gk_alter_cmd(as, i);
		if (!c || c->missing_ok)
			continue;
		switch (c->subtype) {
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn:
			gk_lint_report(l, s, -1, NULL, "ADD COLUMN %s without IF NOT EXISTS fails when the migration runs again",
				       c->def && c->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF && c->def->column_def->colname
					       ? c->def->column_def->colname : "?");
			return;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumn:
			gk_lint_report(l, s, -1, NULL, "DROP COLUMN %s without IF EXISTS fails when the migration runs again",
				       c->name ? c->name : "?");
			return;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DropConstraint:
			gk_lint_report(l, s, -1, NULL,
				       "DROP CONSTRAINT %s without IF EXISTS fails when the migration runs again",
				       c->name ? c->name : "?");
			return;
		default:
			break;
		}
	}
}

static void check(gk_lint *l, const gk_stmt *s)
{
	if (s->node->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_STMT &&
	    s->node->alter_table_stmt->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE) {
		check_alter(l, s, s->node->alter_table_stmt);
		return;
	}
	const char *what = NULL, *form = missing_form(s->node, &what);
	if (form)
		gk_lint_report(l, s, -1, NULL, "%s without %s fails when the migration runs again", what, form);
}

const gk_rule gk_rule_non_idempotent_ddl = {
	.info = {
		.id = "non-idempotent-ddl",
		.category = GK_CAT_HYGIENE,
		.severity = GK_SEV_OFF,
		.summary = "opt-in: CREATE without IF NOT EXISTS / OR REPLACE, DROP without IF EXISTS",
		.why = "A migration that stops halfway outside a transaction (statements sent one by one, a file with "
		       "CONCURRENTLY, a COMMIT in the middle) leaves its first statements applied, and running it again "
		       "fails on the first CREATE of an object that now exists or DROP of one that is gone; so does "
		       "applying the same file to databases in different states. Statements written with IF NOT "
		       "EXISTS, IF EXISTS or OR REPLACE can run again. CREATE TYPE, ADD CONSTRAINT and renames have no "
		       "such form and are not reported. Off by default, since a runner that applies each file once in "
		       "a transaction never reruns a statement: turn it on with `rules: {non-idempotent-ddl: warning}` "
		       "in gatekeeper.yml or `--rule non-idempotent-ddl=warning`. squawk has the same check "
		       "(prefer-robust-stmts).",
		.help = "Write CREATE TABLE/INDEX/SEQUENCE/SCHEMA/EXTENSION ... IF NOT EXISTS, ALTER TABLE ... ADD COLUMN "
			"IF NOT EXISTS, ALTER TYPE ... ADD VALUE IF NOT EXISTS, CREATE OR REPLACE VIEW/FUNCTION, and DROP "
			"... IF EXISTS (DROP COLUMN/CONSTRAINT IF EXISTS), so that the migration can run again after a "
			"partial failure.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, "one finding per statement",
			 "CREATE TABLE users (id bigint PRIMARY KEY);\nCREATE INDEX users_id_idx ON users (id);\n"
			 "DROP TABLE legacy;", 3},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, NULL,
			 "ALTER TABLE users ADD COLUMN nickname text, DROP COLUMN nick;"},
			{GK_EXAMPLE_BAD, 0, 0, NULL, "CREATE VIEW active_users AS SELECT * FROM users WHERE active;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, NULL,
			 "CREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY);\n"
			 "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);\n"
			 "ALTER TABLE users ADD COLUMN IF NOT EXISTS nickname text, DROP COLUMN IF EXISTS nick;\n"
			 "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'calm';\n"
			 "CREATE OR REPLACE VIEW active_users AS SELECT * FROM users WHERE active;\n"
			 "DROP INDEX CONCURRENTLY IF EXISTS users_old_idx;"},
			{GK_EXAMPLE_OK, 0, 0, "no IF NOT EXISTS form exists: not reported",
			 "CREATE TYPE mood AS ENUM ('ok');\nALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age > 0);\n"
			 "ALTER TABLE users RENAME COLUMN nick TO nickname;"},
		},
	},
	.check = check,
};
