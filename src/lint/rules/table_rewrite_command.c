/*
 * table-rewrite-command
 *
 * VACUUM FULL and CLUSTER copy the whole table (and rebuild its indexes)
 * while holding ACCESS EXCLUSIVE: every read and write waits until the copy
 * is done, minutes to hours on a large table, and they need room for a
 * second copy.  PostgreSQL 19 adds REPACK, whose CONCURRENTLY form rewrites
 * the table while DML goes on and locks it exclusively only to swap; before
 * that the online tools are extensions such as pg_repack.
 * Tables created earlier in the same change are exempt.
 */
#include "../lint_internal.h"

static const char help_repack[] =
	"Use REPACK (CONCURRENTLY) table [USING INDEX idx] (PostgreSQL 19+): it rewrites the table while reads and "
	"writes continue and takes ACCESS EXCLUSIVE only briefly to swap. Run it outside migrations, by hand.";

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

static void check(gk_lint *l, const gk_stmt *s)
{
	if (s->node->node_case == PG_QUERY__NODE__NODE_VACUUM_STMT) {
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
		.summary = "VACUUM FULL or CLUSTER in a migration",
		.why = "VACUUM FULL and CLUSTER rewrite the table and rebuild its indexes under an ACCESS EXCLUSIVE lock: "
		       "every read and write waits until the copy is done, and the disk needs room for a second copy.",
		.help = "Do not rewrite tables from migrations. Plain VACUUM (no FULL) makes dead space reusable without "
			"blocking; to shrink or reorder a table online use the pg_repack extension (or REPACK (CONCURRENTLY) "
			"on PostgreSQL 19+), by hand, outside migrations.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, NULL, "VACUUM FULL users;"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "the whole database", "VACUUM (FULL, ANALYZE);"},
			{GK_EXAMPLE_BAD, 0, 0, NULL, "CLUSTER users USING users_created_at_idx;"},
			{GK_EXAMPLE_BAD, 19, 0, "PostgreSQL 19: the help points to REPACK (CONCURRENTLY)", "CLUSTER users;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, NULL, "VACUUM (ANALYZE) users;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "FULL turned off is a plain VACUUM", "VACUUM (FULL false) users;"},
			{GK_EXAMPLE_OK, 0, 0, "a table created earlier in the same change",
			 "CREATE TABLE staging (id bigint);\nCREATE INDEX staging_id_idx ON staging (id);\nCLUSTER staging USING staging_id_idx;"},
		},
	},
	.check = check,
};
