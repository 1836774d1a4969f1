/*
 * table-rewrite-command
 *
 * VACUUM FULL and CLUSTER copy the whole table (and rebuild its indexes)
 * while holding ACCESS EXCLUSIVE: every read and write waits until the copy
 * is done, minutes to hours on a large table, and they need room for a
 * second copy.  PostgreSQL 19 adds REPACK, whose CONCURRENTLY form rewrites
 * the table while DML goes on and locks it exclusively only to swap; before
 * that the online tools are extensions such as pg_repack.
 *
 * Four ALTER TABLE subcommands copy the table the same way (checked on
 * PostgreSQL 15 by the table's relfilenode):
 *   - SET LOGGED / SET UNLOGGED rewrite the table and its indexes (SET
 *     LOGGED also writes all of it to the WAL);
 *   - SET ACCESS METHOD (PostgreSQL 15+) rewrites the table and its indexes;
 *   - SET TABLESPACE copies the table's files block by block (its indexes
 *     stay where they are).
 * Each is a no-op when the table already is what it asks for (already
 * logged, already in that tablespace, already of that access method), which
 * a migration rarely says; the lock table (locks.c) marks them as rewrites.
 * ALTER TABLE ALL IN TABLESPACE ... SET TABLESPACE moves every table of a
 * tablespace, each under ACCESS EXCLUSIVE.
 * Tables created earlier in the same change are exempt.
 */
#include "lint/lint_internal.h"

static const char help_repack[] =
	"Use REPACK (CONCURRENTLY) table [USING INDEX idx] (PostgreSQL 19+): it rewrites the table while reads and "
	"writes continue and takes ACCESS EXCLUSIVE only briefly to swap. Run it outside migrations, by hand.";

static const char help_alter[] =
	"Change the table while it is small, or create the new table as you want it (UNLOGGED or not, in its "
	"tablespace, with its access method), copy the rows in batches while the application writes to both (or "
	"with logical replication), and swap the names in one short transaction. If the table really must be "
	"rewritten in place, do it in a maintenance window with a lock_timeout, outside the deploy.";

static const char *help_for(const gk_lint *l) { return gk_lint_pg(l) >= 19 ? help_repack : NULL; }

static void rewrite_one(gk_lint *l, const gk_stmt *s, const char *what, const PgQuery__RangeVar *rv)
{
	if (!rv->relname || gk_lint_is_new(l, rv))
		return;
	char t[256];
	gk_rv_name(rv, t, sizeof t);
	enum gk_lockmode m = gk_stmt_lock_on(s->node, gk_lint_pg(l), rv->schemaname, rv->relname, NULL);
	gk_lint_report(l, s, rv->location, help_for(l),
		       "%s %s rewrites the whole table and its indexes while holding %s (%s) until the copy is done",
		       what, t, gk_lockmode_name(m), gk_lockmode_blocks(m));
}

static void check_vacuum(gk_lint *l, const gk_stmt *s, const PgQuery__VacuumStmt *vs)
{
	if (!vs->is_vacuumcmd || !gk_option_on(vs->options, vs->n_options, "full"))
		return;
	if (vs->n_rels == 0)
		gk_lint_report(l, s, -1, help_for(l),
			       "VACUUM FULL without a table list rewrites every table of the database, each under an exclusive lock");
	for (size_t i = 0; i < vs->n_rels; i++)
		if (vs->rels[i]->node_case == PG_QUERY__NODE__NODE_VACUUM_RELATION && vs->rels[i]->vacuum_relation->relation)
			rewrite_one(l, s, "VACUUM FULL", vs->rels[i]->vacuum_relation->relation);
}

/* What an ALTER TABLE subcommand copies, or NULL when it does not rewrite. */
static const char *alter_rewrite_what(const PgQuery__AlterTableCmd *c)
{
	switch (c->subtype) {
	case PG_QUERY__ALTER_TABLE_TYPE__AT_SetLogged:
		return "SET LOGGED rewrites the whole table and its indexes, writing all of it to the WAL,";
	case PG_QUERY__ALTER_TABLE_TYPE__AT_SetUnLogged:
		return "SET UNLOGGED rewrites the whole table and its indexes";
	case PG_QUERY__ALTER_TABLE_TYPE__AT_SetAccessMethod:
		return "SET ACCESS METHOD rewrites the whole table and its indexes";
	case PG_QUERY__ALTER_TABLE_TYPE__AT_SetTableSpace:
		return "SET TABLESPACE copies the whole table to the new tablespace";
	default:
		return NULL;
	}
}

static void check_alter(gk_lint *l, const gk_stmt *s)
{
	const PgQuery__AlterTableStmt *as = gk_lint_alter_existing(l, s);
	for (size_t i = 0; as && i < as->n_cmds; i++) {
		const PgQuery__AlterTableCmd *c = gk_alter_cmd(as, i);
		const char *what = c ? alter_rewrite_what(c) : NULL;
		if (!what)
			continue;
		char t[256];
		gk_rv_name(as->relation, t, sizeof t);
		enum gk_lockmode m = gk_stmt_lock_on(s->node, gk_lint_pg(l), as->relation->schemaname,
						     as->relation->relname, NULL);
		gk_lint_report(l, s, as->relation->location, help_alter,
			       "ALTER TABLE %s %s while holding %s (%s) until the copy is done", t, what,
			       gk_lockmode_name(m), gk_lockmode_blocks(m));
	}
}

static void check(gk_lint *l, const gk_stmt *s)
{
	if (s->node->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_STMT) {
		check_alter(l, s);
	} else if (s->node->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_MOVE_ALL_STMT) {
		const PgQuery__AlterTableMoveAllStmt *mv = s->node->alter_table_move_all_stmt;
		bool index = mv->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_INDEX;
		bool matview = mv->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW;
		gk_lint_report(l, s, -1, help_alter,
			       "ALTER %s ALL IN TABLESPACE %s SET TABLESPACE %s copies every %s of tablespace %s, each under "
			       "%s while it is copied",
			       index ? "INDEX" : matview ? "MATERIALIZED VIEW" : "TABLE",
			       mv->orig_tablespacename ? mv->orig_tablespacename : "?",
			       mv->new_tablespacename ? mv->new_tablespacename : "?",
			       index ? "index" : matview ? "materialized view" : "table",
			       mv->orig_tablespacename ? mv->orig_tablespacename : "?", gk_lockmode_name(GK_LOCK_ACCESS_EXCLUSIVE));
	} else if (s->node->node_case == PG_QUERY__NODE__NODE_VACUUM_STMT) {
		check_vacuum(l, s, s->node->vacuum_stmt);
	} else if (s->node->node_case == PG_QUERY__NODE__NODE_CLUSTER_STMT) {
		const PgQuery__ClusterStmt *cs = s->node->cluster_stmt;
		if (cs->relation)
			rewrite_one(l, s, "CLUSTER", cs->relation);
		else
			gk_lint_report(l, s, -1, help_for(l),
				       "CLUSTER without a table rewrites every previously clustered table of the database, each under an exclusive lock");
	}
}

const gk_rule gk_rule_table_rewrite_command = {
	.info = {
		.id = "table-rewrite-command",
		.category = GK_CAT_LOCKING,
		.severity = GK_SEV_ERROR,
		.summary = "VACUUM FULL, CLUSTER or ALTER TABLE SET LOGGED/UNLOGGED/TABLESPACE/ACCESS METHOD in a migration",
		.why = "VACUUM FULL and CLUSTER rewrite the table and rebuild its indexes under an ACCESS EXCLUSIVE lock: "
		       "every read and write waits until the copy is done, and the disk needs room for a second copy. "
		       "ALTER TABLE ... SET LOGGED, SET UNLOGGED and SET ACCESS METHOD rewrite the table and its indexes "
		       "the same way, and SET TABLESPACE copies the table's files, all under ACCESS EXCLUSIVE (unless the "
		       "table already is logged, unlogged, in that tablespace or of that access method). Peers: "
		       "squawk, strong_migrations, eugene and Atlas report none of these in a migration; eugene's trace "
		       "(and gatekeeper's replay, observed-table-rewrite) sees the rewrite when it runs.",
		.help = "Do not rewrite tables from migrations. Plain VACUUM (no FULL) makes dead space reusable without "
			"blocking; to shrink or reorder a table online use the pg_repack extension (or REPACK (CONCURRENTLY) "
			"on PostgreSQL 19+), by hand, outside migrations.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, NULL, "VACUUM FULL users;"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "the whole database", "VACUUM (FULL, ANALYZE);"},
			{GK_EXAMPLE_BAD, 0, 0, NULL, "CLUSTER users USING users_created_at_idx;"},
			{GK_EXAMPLE_BAD, 19, 0, "PostgreSQL 19: the help points to REPACK (CONCURRENTLY)", "CLUSTER users;"},
			{GK_EXAMPLE_BAD, 0, 0, "SET UNLOGGED rewrites the table and its indexes", "ALTER TABLE events SET UNLOGGED;"},
			{GK_EXAMPLE_BAD, 0, 0, "SET LOGGED (it also writes the whole table to the WAL) and SET TABLESPACE: two copies",
			 "ALTER TABLE IF EXISTS public.import_rows SET LOGGED, SET TABLESPACE fast_ssd;", 2},
			{GK_EXAMPLE_BAD, 0, 0, "SET ACCESS METHOD (PostgreSQL 15+)", "ALTER TABLE events SET ACCESS METHOD heap2;"},
			{GK_EXAMPLE_BAD, 0, 0, "every table of a tablespace",
			 "ALTER TABLE ALL IN TABLESPACE old_disk SET TABLESPACE new_disk;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, NULL, "VACUUM (ANALYZE) users;"},
			{GK_EXAMPLE_OK, 0, 0, "a table created in the same change is empty",
			 "CREATE TABLE staging (id bigint);\nALTER TABLE staging SET UNLOGGED;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "FULL turned off is a plain VACUUM", "VACUUM (FULL false) users;"},
			{GK_EXAMPLE_OK, 0, 0, "a table created earlier in the same change",
			 "CREATE TABLE staging (id bigint);\nCREATE INDEX staging_id_idx ON staging (id);\nCLUSTER staging USING staging_id_idx;"},
		},
	},
	.check = check,
};
