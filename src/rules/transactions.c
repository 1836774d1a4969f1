/*
 * concurrently-in-transaction, non-transactional-statement,
 * transaction-control, enum-value-in-transaction: statements that clash
 * with the transaction the migration runs in.
 *
 * Which statements run in a transaction block is decided by the engine
 * from the runner model (gk_stmt.in_transaction / explicit_tx / tx_id): a
 * per-file runner (Flyway, dbmate, diesel) wraps the whole file in one;
 * Prisma sends the file as one simple query, which PostgreSQL runs as one
 * implicit transaction block as soon as it has more than one statement
 * (prisma/prisma#14456); BEGIN opens one anywhere.  Some commands refuse
 * to run inside a block and fail with SQLSTATE 25001: the CONCURRENTLY
 * forms (they commit internally between their phases), VACUUM, database
 * and tablespace commands, ALTER SYSTEM, and a few more.  COMMIT inside a
 * wrapped file ends the runner's transaction early.  A new enum value
 * cannot be added in a block before PostgreSQL 12 and cannot be used in
 * the block that added it on 12+.
 */
#include "lint/lint_internal.h"

#include <protobuf-c/protobuf-c.h>
#include <stdio.h>
#include <string.h>

/* ---- which transaction, and how to get out of it ---- */

/* Who sends the file as one query, for messages. */
static const char *whole_sender(const gk_lint *l)
{
	switch (l->tool) {
	case GK_LAYOUT_PRISMA: return "Prisma";
	case GK_LAYOUT_GOLANG_MIGRATE: return "golang-migrate";
	default: return "the runner";
	}
}

static const char *tx_desc(const gk_lint *l, const gk_stmt *s, char *buf, size_t size)
{
	if (s->explicit_tx)
		return "inside the BEGIN ... COMMIT block written in the file";
	if (l->runner == GK_RUNNER_WHOLE) {
		snprintf(buf, size, "inside the implicit transaction of a file sent as one query (%s sends the whole "
			 "file at once, and PostgreSQL runs a query of several statements as one transaction)",
			 whole_sender(l));
		return buf;
	}
	return "inside the transaction the per-file runner wraps the file in";
}

static const char *tx_help(const gk_lint *l, const gk_stmt *s)
{
	if (s->explicit_tx)
		return "Remove the BEGIN/COMMIT around the statement: it cannot run in a transaction block "
		       "(SQLSTATE 25001). Keep it alone in its migration so a failure leaves nothing half-applied.";
	if (l->runner == GK_RUNNER_WHOLE && gk_lint_prisma(l))
		return "Put the statement alone in a migration file of its own, with no SET and no other "
		       "statement: Prisma then sends a single statement, which runs outside a transaction "
		       "(prisma/prisma#14456). Prisma 7.4+ sends statements one by one, but falls back to one "
		       "query for a file its splitter cannot parse (DO blocks, DROP INDEX CONCURRENTLY, REINDEX, "
		       "LOCK TABLE).";
	if (l->runner == GK_RUNNER_WHOLE)
		return "Put the statement alone in a migration file of its own, with no SET and no other "
		       "statement: a file of one statement runs outside a transaction.";
	return "Move the statement to a migration the runner does not wrap in a transaction, alone in its "
	       "file (Flyway: executeInTransaction=false in the script's .conf; dbmate: `-- migrate:up "
	       "transaction:false`; golang-migrate and Prisma: one statement per file).";
}

/* ---- concurrently-in-transaction ---- */

static bool has_defelem(PgQuery__Node **items, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (items[i]->node_case == PG_QUERY__NODE__NODE_DEF_ELEM && strcmp(items[i]->def_elem->defname, name) == 0)
			return true;
	return false;
}

static bool detaches_concurrently(const PgQuery__AlterTableStmt *as)
{
	for (size_t i = 0; i < as->n_cmds; i++) {
		if (as->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		const PgQuery__AlterTableCmd *c = as->cmds[i]->alter_table_cmd;
		if (c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_DetachPartition && c->def &&
		    c->def->node_case == PG_QUERY__NODE__NODE_PARTITION_CMD && c->def->partition_cmd->concurrent)
			return true;
	}
	return false;
}

/* The CONCURRENTLY command `n` is, or NULL.  REFRESH MATERIALIZED VIEW
 * CONCURRENTLY is not listed: it does run inside a transaction. */
static const char *concurrent_command(const PgQuery__Node *n)
{
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		return n->index_stmt->concurrent ? "CREATE INDEX CONCURRENTLY" : NULL;
	case PG_QUERY__NODE__NODE_DROP_STMT:
		return n->drop_stmt->concurrent ? "DROP INDEX CONCURRENTLY" : NULL;
	case PG_QUERY__NODE__NODE_REINDEX_STMT:
		return has_defelem(n->reindex_stmt->params, n->reindex_stmt->n_params, "concurrently")
			? "REINDEX CONCURRENTLY" : NULL;
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		return detaches_concurrently(n->alter_table_stmt) ? "DETACH PARTITION CONCURRENTLY" : NULL;
	default:
		return NULL;
	}
}

static void check_concurrently(gk_lint *l, const gk_stmt *s)
{
	const char *cmd = concurrent_command(s->node);
	char desc[300];
	if (!cmd || !s->in_transaction)
		return;
	gk_lint_report(l, s, -1, tx_help(l, s), "%s cannot run inside a transaction block (fails with SQLSTATE 25001); "
		       "here it runs %s", cmd, tx_desc(l, s, desc, sizeof desc));
}

const gk_rule gk_rule_concurrently_in_transaction = {
	.info = {
		.id = "concurrently-in-transaction",
		.category = GK_CAT_TRANSACTION,
		.severity = GK_SEV_ERROR,
		.summary = "CREATE/DROP INDEX, REINDEX or DETACH PARTITION CONCURRENTLY inside a transaction block",
		.why = "The CONCURRENTLY forms commit internally between their phases, so PostgreSQL refuses them in a "
		       "transaction block with \"cannot run inside a transaction block\" (SQLSTATE 25001). The block "
		       "may be the runner's: a per-file runner wraps every file, and a runner that sends the file as "
		       "one query (Prisma before 7.4, golang-migrate) runs a file with more than one statement as one "
		       "implicit transaction, so `SET lock_timeout` before CREATE INDEX CONCURRENTLY is enough to make "
		       "the deploy fail. A runner that sends each statement on its own (Prisma 7.4+) runs it beside "
		       "other statements, but not inside a BEGIN written in the file.",
		.help = "Put the statement alone in a migration that runs outside a transaction.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_WHOLE, "Prisma before 7.4: two statements are one implicit transaction",
			 "SET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);", 0,
			 GK_LAYOUT_PRISMA},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_PER_FILE, "the per-file runner's transaction",
			 "DROP INDEX CONCURRENTLY users_email_idx;"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "statements sent one by one, but inside an explicit BEGIN",
			 "BEGIN;\nREINDEX INDEX CONCURRENTLY users_email_idx;\nCOMMIT;"},
			{GK_EXAMPLE_BAD, 0, 0, "DETACH PARTITION CONCURRENTLY (PostgreSQL 14+)",
			 "ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_WHOLE, "a single-statement Prisma file runs outside a transaction",
			 "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "Prisma 7.4+ sends each statement on its own: beside others is fine",
			 "SET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n"
			 "RESET lock_timeout;", 0, GK_LAYOUT_PRISMA},
			{GK_EXAMPLE_OK, 0, 0, "REFRESH MATERIALIZED VIEW CONCURRENTLY is allowed in a transaction",
			 "REFRESH MATERIALIZED VIEW CONCURRENTLY daily_totals;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "after COMMIT the statement runs on its own",
			 "BEGIN;\nALTER TABLE users ADD COLUMN email text;\nCOMMIT;\n"
			 "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);"},
		},
	},
	.check = check_concurrently,
};

/* ---- non-transactional-statement ---- */

/* A DefElem's value is false/off/0 (how `WITH (create_slot = false)` parses). */
static bool defelem_false(PgQuery__Node **items, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		if (items[i]->node_case != PG_QUERY__NODE__NODE_DEF_ELEM || strcmp(items[i]->def_elem->defname, name) != 0)
			continue;
		const char *v = gk_node_str(items[i]->def_elem->arg);
		const PgQuery__Node *a = items[i]->def_elem->arg;
		if (a && a->node_case == PG_QUERY__NODE__NODE_A_CONST && a->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL)
			return a->a_const->ival->ival == 0;
		return v && (!strcmp(v, "false") || !strcmp(v, "off") || !strcmp(v, "0") || !strcmp(v, "no"));
	}
	return false;
}

/* Did an earlier statement run `ALTER SUBSCRIPTION name SET (slot_name = NONE)`? */
static bool slot_detached(const gk_lint *l, const gk_stmt *s, const char *sub)
{
	for (int i = 0; i < s->index; i++) {
		const PgQuery__Node *n = l->stmts[i].node;
		if (n->node_case != PG_QUERY__NODE__NODE_ALTER_SUBSCRIPTION_STMT || !sub ||
		    strcmp(n->alter_subscription_stmt->subname, sub) != 0)
			continue;
		const PgQuery__AlterSubscriptionStmt *as = n->alter_subscription_stmt;
		for (size_t k = 0; k < as->n_options; k++)
			if (as->options[k]->node_case == PG_QUERY__NODE__NODE_DEF_ELEM &&
			    strcmp(as->options[k]->def_elem->defname, "slot_name") == 0) {
				const char *v = gk_node_str(as->options[k]->def_elem->arg);
				if (v && strcmp(v, "none") == 0)
					return true;
			}
	}
	return false;
}

static const char *alter_subscription_command(const PgQuery__AlterSubscriptionStmt *as)
{
	switch (as->kind) {
	case PG_QUERY__ALTER_SUBSCRIPTION_TYPE__ALTER_SUBSCRIPTION_REFRESH:
		return "ALTER SUBSCRIPTION ... REFRESH PUBLICATION";
	case PG_QUERY__ALTER_SUBSCRIPTION_TYPE__ALTER_SUBSCRIPTION_SET_PUBLICATION:
	case PG_QUERY__ALTER_SUBSCRIPTION_TYPE__ALTER_SUBSCRIPTION_ADD_PUBLICATION:
	case PG_QUERY__ALTER_SUBSCRIPTION_TYPE__ALTER_SUBSCRIPTION_DROP_PUBLICATION:
		/* refresh defaults to true and refreshes in its own transactions */
		return defelem_false(as->options, as->n_options, "refresh") ? NULL
			: "ALTER SUBSCRIPTION ... PUBLICATION (with refresh)";
	default:
		return NULL;
	}
}

static const char *reindex_command(const PgQuery__ReindexStmt *rs)
{
	switch (rs->kind) {
	case PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_SCHEMA: return "REINDEX SCHEMA";
	case PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_SYSTEM: return "REINDEX SYSTEM";
	case PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_DATABASE: return "REINDEX DATABASE";
	default: return NULL;
	}
}

static const char *transaction_stmt_command(const PgQuery__TransactionStmt *ts)
{
	if (ts->kind == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT_PREPARED)
		return "COMMIT PREPARED";
	if (ts->kind == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK_PREPARED)
		return "ROLLBACK PREPARED";
	return NULL;
}

/* The command `n` is when PostgreSQL refuses it in a transaction block, or NULL. */
static const char *non_transactional_command(const gk_lint *l, const gk_stmt *s)
{
	const PgQuery__Node *n = s->node;
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_VACUUM_STMT: return n->vacuum_stmt->is_vacuumcmd ? "VACUUM" : NULL;
	case PG_QUERY__NODE__NODE_CREATEDB_STMT: return "CREATE DATABASE";
	case PG_QUERY__NODE__NODE_DROPDB_STMT: return "DROP DATABASE";
	case PG_QUERY__NODE__NODE_ALTER_SYSTEM_STMT: return "ALTER SYSTEM";
	case PG_QUERY__NODE__NODE_CREATE_TABLE_SPACE_STMT: return "CREATE TABLESPACE";
	case PG_QUERY__NODE__NODE_DROP_TABLE_SPACE_STMT: return "DROP TABLESPACE";
	case PG_QUERY__NODE__NODE_ALTER_DATABASE_STMT:
		return has_defelem(n->alter_database_stmt->options, n->alter_database_stmt->n_options, "tablespace")
			? "ALTER DATABASE ... SET TABLESPACE" : NULL;
	case PG_QUERY__NODE__NODE_REINDEX_STMT: return reindex_command(n->reindex_stmt);
	case PG_QUERY__NODE__NODE_CLUSTER_STMT: return n->cluster_stmt->relation ? NULL : "CLUSTER without a table";
	case PG_QUERY__NODE__NODE_TRANSACTION_STMT: return transaction_stmt_command(n->transaction_stmt);
	case PG_QUERY__NODE__NODE_CREATE_SUBSCRIPTION_STMT: {
		const PgQuery__CreateSubscriptionStmt *cs = n->create_subscription_stmt;
		/* Only creating the replication slot on the publisher is refused. */
		return defelem_false(cs->options, cs->n_options, "create_slot") ||
				       defelem_false(cs->options, cs->n_options, "connect")
			       ? NULL : "CREATE SUBSCRIPTION (creating a replication slot)";
	}
	case PG_QUERY__NODE__NODE_ALTER_SUBSCRIPTION_STMT:
		return alter_subscription_command(n->alter_subscription_stmt);
	case PG_QUERY__NODE__NODE_DROP_SUBSCRIPTION_STMT:
		return slot_detached(l, s, n->drop_subscription_stmt->subname) ? NULL
			: "DROP SUBSCRIPTION (dropping its replication slot)";
	default:
		return NULL;
	}
}

const char *gk_lint_non_transactional(const gk_lint *l, const gk_stmt *s)
{
	const char *cmd = concurrent_command(s->node);
	return cmd ? cmd : non_transactional_command(l, s);
}

static void check_non_transactional(gk_lint *l, const gk_stmt *s)
{
	if (!s->in_transaction)
		return;
	const char *cmd = non_transactional_command(l, s);
	char desc[300];
	if (cmd)
		gk_lint_report(l, s, -1, tx_help(l, s), "%s cannot run inside a transaction block (fails with SQLSTATE "
			       "25001); here it runs %s", cmd, tx_desc(l, s, desc, sizeof desc));
}

const gk_rule gk_rule_non_transactional_statement = {
	.info = {
		.id = "non-transactional-statement",
		.category = GK_CAT_TRANSACTION,
		.severity = GK_SEV_ERROR,
		.summary = "a command that cannot run in a transaction block runs inside one",
		.why = "VACUUM, CREATE/DROP DATABASE, CREATE/DROP TABLESPACE, ALTER SYSTEM, REINDEX "
		       "SCHEMA/SYSTEM/DATABASE, CLUSTER without a table, COMMIT/ROLLBACK PREPARED and the subscription "
		       "commands that talk to the publisher (CREATE SUBSCRIPTION creating a slot, ALTER SUBSCRIPTION "
		       "... REFRESH, DROP SUBSCRIPTION with a slot) refuse to run in a transaction block and fail with "
		       "SQLSTATE 25001. The block may be the runner's own.",
		.help = "Run the command in a migration that is not wrapped in a transaction, alone in its file.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, "the per-file runner's transaction", "VACUUM ANALYZE users;"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_WHOLE, "Prisma's implicit transaction",
			 "ALTER SYSTEM SET work_mem = '64MB';\nSELECT pg_reload_conf();"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, NULL,
			 "BEGIN;\nCREATE SUBSCRIPTION sub CONNECTION 'host=primary' PUBLICATION pub;\nCOMMIT;"},
			{GK_EXAMPLE_BAD, 0, 0, "a subscription normally owns a slot",
			 "DROP SUBSCRIPTION sub;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "autocommit", "VACUUM ANALYZE users;"},
			{GK_EXAMPLE_OK, 0, 0, "ANALYZE alone runs in a transaction", "ANALYZE users;"},
			{GK_EXAMPLE_OK, 0, 0, "without a slot, DROP SUBSCRIPTION is transactional",
			 "ALTER SUBSCRIPTION sub DISABLE;\nALTER SUBSCRIPTION sub SET (slot_name = NONE);\nDROP SUBSCRIPTION sub;"},
			{GK_EXAMPLE_OK, 0, 0, "no slot created, no refresh",
			 "CREATE SUBSCRIPTION sub CONNECTION 'host=primary' PUBLICATION pub WITH (connect = false);\n"
			 "ALTER SUBSCRIPTION sub SET PUBLICATION pub2 WITH (refresh = false);"},
		},
	},
	.check = check_non_transactional,
};

/* ---- transaction-control ---- */

static bool opens_block(PgQuery__TransactionStmtKind k)
{
	return k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_BEGIN ||
	       k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_START;
}

static bool ends_block(PgQuery__TransactionStmtKind k)
{
	return k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT ||
	       k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK ||
	       k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_PREPARE;
}

static const char *end_word(PgQuery__TransactionStmtKind k)
{
	return k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT     ? "COMMIT"
	       : k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK ? "ROLLBACK"
									   : "PREPARE TRANSACTION";
}

static const char help_per_file[] =
	"Remove BEGIN/COMMIT/ROLLBACK: the runner already runs the file in one transaction. If part of the file "
	"must run outside it, move that part to a migration the runner does not wrap.";
static const char help_whole[] =
	"Either wrap the whole file in one BEGIN ... COMMIT, or split it into one migration per transaction, so "
	"that a failure cannot leave the migration half-applied.";
static const char help_split[] =
	"End the block with COMMIT. To make a migration conditional, test the condition in a DO block and raise "
	"an exception, so the runner sees the failure.";

static void per_file_control(gk_lint *l, const gk_stmt *s, PgQuery__TransactionStmtKind k, bool last)
{
	if (opens_block(k))
		gk_lint_report(l, s, -1, help_per_file,
			       "BEGIN inside a file the per-file runner already runs in a transaction: PostgreSQL only "
			       "warns, and the matching COMMIT then ends the runner's transaction early");
	else if (k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK)
		gk_lint_report(l, s, -1, help_per_file,
			       "ROLLBACK inside a file the per-file runner wraps in a transaction undoes %s, yet the "
			       "runner goes on and may record the migration as applied",
			       last ? "the migration" : "the statements before it while the rest still runs");
	else if (last)
		gk_lint_report(l, s, -1, help_per_file,
			       "%s at the end of the file ends the per-file runner's transaction before the runner "
			       "records the migration, so the two are no longer atomic", end_word(k));
	else
		gk_lint_report(l, s, -1, help_per_file,
			       "%s ends the per-file runner's transaction early: the statements after it run outside it, "
			       "and a failure there leaves the migration half-applied", end_word(k));
}

static void whole_control(gk_lint *l, const gk_stmt *s, PgQuery__TransactionStmtKind k, bool last)
{
	if (!ends_block(k))
		return; /* BEGIN turns the implicit transaction into an explicit one: fine */
	if (!last)
		gk_lint_report(l, s, -1, help_whole,
			       "%s in a migration %s sends as one query, with statements after it: they run in a new "
			       "implicit transaction, so a failure there leaves the migration half-applied", end_word(k),
			       whole_sender(l));
	else if (k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK)
		gk_lint_report(l, s, -1, help_whole,
			       "ROLLBACK at the end of the migration undoes it, but %s records it as applied",
			       whole_sender(l));
}

/*
 * Statements sent one by one: BEGIN ... COMMIT in the file is the only way
 * to make it atomic, so it is never reported here (non-atomic-migration and
 * uncommitted-transaction speak of the blocks that are missing or left
 * open).  Only a ROLLBACK is wrong: it undoes the block, and the runner,
 * which saw no error, records the migration as applied.
 */
static void split_control(gk_lint *l, const gk_stmt *s, PgQuery__TransactionStmtKind k)
{
	if (k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK && s->explicit_tx)
		gk_lint_report(l, s, -1, help_split,
			       "ROLLBACK undoes the statements since BEGIN, but %s saw no error and records the "
			       "migration as applied", gk_lint_prisma(l) ? "Prisma" : "the runner");
}

static void check_control(gk_lint *l, const gk_stmt *s)
{
	if (s->node->node_case != PG_QUERY__NODE__NODE_TRANSACTION_STMT)
		return;
	PgQuery__TransactionStmtKind k = s->node->transaction_stmt->kind;
	if (!opens_block(k) && !ends_block(k))
		return; /* SAVEPOINT and friends work inside the runner's transaction */
	bool last = (size_t)s->index + 1 >= l->n_stmts;
	if (l->runner == GK_RUNNER_PER_FILE)
		per_file_control(l, s, k, last);
	else if (l->runner == GK_RUNNER_WHOLE)
		whole_control(l, s, k, last);
	else
		split_control(l, s, k);
}

const gk_rule gk_rule_transaction_control = {
	.info = {
		.id = "transaction-control",
		.category = GK_CAT_TRANSACTION,
		.severity = GK_SEV_ERROR,
		.summary = "BEGIN/COMMIT/ROLLBACK that ends the runner's transaction early or undoes a migration the runner records",
		.why = "A per-file runner runs the file in its own transaction: a COMMIT in the file ends it early, "
		       "the statements after it run unprotected, and a failure leaves the migration half-applied and "
		       "unrecorded. A runner that sends the file as one query (Prisma before 7.4, golang-migrate): "
		       "after a COMMIT the remaining statements run in a new implicit transaction, with the same "
		       "result. A runner that sends each statement on its own (Prisma 7.4+) commits after every "
		       "statement: there BEGIN ... COMMIT in the file is a real transaction and the way to make the "
		       "migration atomic, so it is not reported; a ROLLBACK is, in every model, because the runner "
		       "records as applied what it undid.",
		.help = help_per_file,
		.examples = {
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_PER_FILE, NULL,
			 "BEGIN;\nALTER TABLE users ADD COLUMN plan text;\nCOMMIT;"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_PER_FILE, "COMMIT halfway",
			 "ALTER TABLE users ADD COLUMN plan text;\nCOMMIT;\nUPDATE users SET plan = 'free';"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_WHOLE, "statements after COMMIT run in a new transaction",
			 "BEGIN;\nALTER TYPE plan ADD VALUE 'pro';\nCOMMIT;\nUPDATE users SET plan = 'pro';"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_WHOLE, "a final ROLLBACK undoes a migration Prisma records as applied",
			 "ALTER TABLE users ADD COLUMN plan text;\nROLLBACK;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_WHOLE, "BEGIN ... COMMIT around the whole Prisma file is fine",
			 "BEGIN;\nALTER TYPE plan ADD VALUE 'pro';\nCOMMIT;"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "statements sent one by one: the ROLLBACK undoes what Prisma records",
			 "BEGIN;\nALTER TABLE users ADD COLUMN plan text;\nROLLBACK;", 0, GK_LAYOUT_PRISMA},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "statements sent one by one: the file's own transaction is the way to atomicity",
			 "BEGIN;\nALTER TABLE users ADD COLUMN plan text;\nUPDATE users SET plan = 'free';\nCOMMIT;",
			 0, GK_LAYOUT_PRISMA},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "an autocommit runner needs the file's own transactions",
			 "BEGIN;\nALTER TABLE users ADD COLUMN plan text;\nCOMMIT;\nBEGIN;\nUPDATE users SET plan = 'free';\nCOMMIT;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_PER_FILE, "savepoints work inside the runner's transaction",
			 "SAVEPOINT before_plan;\nALTER TABLE users ADD COLUMN plan text;\nRELEASE SAVEPOINT before_plan;"},
		},
	},
	.check = check_control,
};

/* ---- enum-value-in-transaction ---- */

/* CREATE TYPE name AS ENUM earlier in the same transaction as `s`. */
static bool enum_created_in_tx(gk_lint *l, const gk_stmt *s, const char *type)
{
	return gk_lint_enum_created_before(l, s, type);
}

static void enum_value_used_later(gk_lint *l, const gk_stmt *s, const char *type, const char *value)
{
	int line, col;
	gk_source_pos(l->src, s->start, &line, &col);
	const PgQuery__AConst *c;
	const gk_stmt *n = gk_lint_next_string_use(l, s, value, &c);
	if (n)
		gk_lint_report(l, n, c->location,
			       s->explicit_tx && l->runner == GK_RUNNER_SPLIT
				       ? "Commit the ALTER TYPE ... ADD VALUE first: the runner sends each statement on its "
					 "own, so move it before the BEGIN (it then commits by itself) or end the block "
					 "after it."
				       : "Commit the ALTER TYPE ... ADD VALUE first: put it in a migration of its own (or "
					 "end the transaction after it) and use the new value in a later migration.",
			       "'%s' may be the enum value added to %s on line %d in the same transaction: a new enum value "
			       "cannot be used before that transaction commits (\"unsafe use of new value\")",
			       value, type, line);
}

static void check_enum(gk_lint *l, const gk_stmt *s)
{
	if (s->node->node_case != PG_QUERY__NODE__NODE_ALTER_ENUM_STMT || !s->in_transaction)
		return;
	const PgQuery__AlterEnumStmt *ae = s->node->alter_enum_stmt;
	if (!ae->new_val || !*ae->new_val || (ae->old_val && *ae->old_val))
		return; /* RENAME VALUE is fine in a transaction */
	const char *type = gk_names_last(ae->type_name, ae->n_type_name);
	if (gk_lint_pg(l) >= 12) {
		enum_value_used_later(l, s, type, ae->new_val);
		return;
	}
	/* Before 12 a block could add values only to an enum it created itself. */
	char desc[300];
	if (!enum_created_in_tx(l, s, type))
		gk_lint_report(l, s, -1, tx_help(l, s),
			       "ALTER TYPE %s ADD VALUE cannot run inside a transaction block before PostgreSQL 12 "
			       "(fails with SQLSTATE 25001); here it runs %s", type, tx_desc(l, s, desc, sizeof desc));
}

const gk_rule gk_rule_enum_value_in_transaction = {
	.info = {
		.id = "enum-value-in-transaction",
		.category = GK_CAT_TRANSACTION,
		.severity = GK_SEV_ERROR,
		.summary = "ALTER TYPE ... ADD VALUE in a transaction: fails before PostgreSQL 12, value unusable until commit on 12+",
		.why = "Before PostgreSQL 12, ALTER TYPE ... ADD VALUE refuses to run in a transaction block unless "
		       "the enum was created in the same transaction. From 12 it runs, but the new value cannot be used "
		       "until the transaction commits: a later statement of the same transaction that uses it fails "
		       "with \"unsafe use of new value\" (even for an enum created in that transaction). The "
		       "transaction may be the runner's; a runner that sends each statement on its own (Prisma 7.4+) "
		       "commits the ADD VALUE by itself, so a later statement may use the value unless both are inside "
		       "a BEGIN written in the file. The check for a use is a good-faith one: any string literal equal "
		       "to the new value counts.",
		.help = "Add the enum value in a migration of its own and use it in a later one.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, "the per-file runner's transaction is still open",
			 "ALTER TYPE order_status ADD VALUE 'shipped';\nUPDATE orders SET status = 'shipped' WHERE shipped_at IS NOT NULL;"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_WHOLE, "a default counts as a use",
			 "ALTER TYPE order_status ADD VALUE 'new' BEFORE 'paid';\n"
			 "ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'new';"},
			{GK_EXAMPLE_BAD, 11, 0, "before PostgreSQL 12 it fails in any transaction block",
			 "ALTER TYPE order_status ADD VALUE 'shipped';"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "12+: even for an enum created in the same transaction",
			 "BEGIN;\nCREATE TYPE mood AS ENUM ('sad');\nALTER TYPE mood ADD VALUE 'happy';\n"
			 "CREATE TABLE people (m mood DEFAULT 'happy');\nCOMMIT;"},
			{GK_EXAMPLE_OK, 0, 0, "12+: adding the value alone is fine",
			 "ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'shipped';"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "Prisma 7.4+: the ADD VALUE commits before the next statement",
			 "ALTER TYPE \"Role\" ADD VALUE 'AUDITOR';\nALTER TABLE \"User\" ALTER COLUMN \"role\" SET DEFAULT 'AUDITOR';",
			 0, GK_LAYOUT_PRISMA},
			{GK_EXAMPLE_OK, 11, GK_RUNNER_SPLIT, "outside a transaction block, any version",
			 "ALTER TYPE order_status ADD VALUE 'shipped';\nUPDATE orders SET status = 'shipped';"},
			{GK_EXAMPLE_OK, 11, GK_RUNNER_SPLIT, "before 12, an enum created in the same transaction may get values",
			 "BEGIN;\nCREATE TYPE mood AS ENUM ('sad');\nALTER TYPE mood ADD VALUE 'happy';\nCOMMIT;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_WHOLE, "used after the transaction that added it committed",
			 "BEGIN;\nALTER TYPE order_status ADD VALUE 'shipped';\nCOMMIT;\nUPDATE orders SET status = 'shipped';"},
		},
	},
	.check = check_enum,
};
