/*
 * The CONCURRENTLY family: commands that have an online form which the
 * migration does not use.
 *
 * drop-index-non-concurrent: DROP INDEX takes ACCESS EXCLUSIVE on the
 *   index's table.  Dropping is quick, but the lock request queues behind
 *   every open transaction on the table and every query queues behind it.
 *   DROP INDEX CONCURRENTLY (PostgreSQL 9.2+) waits without blocking.
 * reindex-non-concurrent: REINDEX holds SHARE on the table (writes wait) and
 *   ACCESS EXCLUSIVE on each index while it is rebuilt (queries that plan
 *   with it wait), for the whole build.  REINDEX CONCURRENTLY exists from
 *   PostgreSQL 12; before that the online recipe is a new index built
 *   CONCURRENTLY and swapped in.
 * detach-partition-non-concurrent: DETACH PARTITION takes ACCESS EXCLUSIVE
 *   on the partitioned table, blocking every query on any partition.
 *   PostgreSQL 14 added DETACH PARTITION ... CONCURRENTLY (SHARE UPDATE
 *   EXCLUSIVE on the parent), which PostgreSQL refuses while the table has
 *   a default partition; a default partition the schema model knows (the
 *   lock table lists its ACCESS EXCLUSIVE) is named, with that.
 * refresh-matview-non-concurrent: REFRESH MATERIALIZED VIEW holds ACCESS
 *   EXCLUSIVE for the whole refresh, so reads of the view wait.
 *   CONCURRENTLY (9.4+, needs a unique index) takes EXCLUSIVE: reads go on.
 *
 * Tables created earlier in the same change are exempt: nothing uses them.
 * An index created in the change on an existing table is not: the lock is
 * taken on the table.
 */
#include "lint/lint_internal.h"

#include <stdio.h>

/* The lock locks.c says `s` takes on schema.name. */
static enum gk_lockmode lock_on(const gk_lint *l, const gk_stmt *s, const char *schema, const char *name)
{
	return gk_stmt_lock_on(s->node, gk_lint_pg(l), schema, name, NULL);
}

/* ---- drop-index-non-concurrent ---- */

static void check_drop_index(gk_lint *l, const gk_stmt *s)
{
	if (s->node->node_case != PG_QUERY__NODE__NODE_DROP_STMT)
		return;
	const PgQuery__DropStmt *ds = s->node->drop_stmt;
	if (ds->remove_type != PG_QUERY__OBJECT_TYPE__OBJECT_INDEX || ds->concurrent)
		return;
	for (size_t i = 0; i < ds->n_objects; i++) {
		const PgQuery__Node *o = ds->objects[i];
		if (o->node_case != PG_QUERY__NODE__NODE_LIST || !o->list->n_items)
			continue;
		const PgQuery__List *names = o->list;
		const char *name = gk_names_last(names->items, names->n_items);
		const char *schema = names->n_items > 1 ? gk_node_str(names->items[names->n_items - 2]) : NULL;
		/* Only an index on a table created in the change is harmless to
		 * drop: on an existing table the ACCESS EXCLUSIVE request still
		 * queues behind every open transaction, whoever made the index. */
		const gk_rel *t = gk_state_find_index_table(l->state, schema, name);
		if (t && gk_state_is_new(l->state, t->change))
			continue;
		enum gk_lockmode m = lock_on(l, s, schema, name);
		char about[512];
		snprintf(about, sizeof about, "%s%s%s", schema ? schema : "", schema ? "." : "", name);
		gk_lint_report_about(l, s, -1, about, NULL,
				     "DROP INDEX %s without CONCURRENTLY waits for and then holds %s on its table (%s) until the "
				     "transaction ends", about, gk_lockmode_name(m), gk_lockmode_blocks(m));
	}
}

const gk_rule gk_rule_drop_index_non_concurrent = {
	.info = {
		.id = "drop-index-non-concurrent",
		.category = GK_CAT_LOCKING,
		.severity = GK_SEV_WARNING,
		.summary = "DROP INDEX without CONCURRENTLY on an existing index",
		.why = "DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table. The drop itself is quick, but the "
		       "lock waits for every open transaction on the table, and every query on it waits behind the lock.",
		.help = "Use DROP INDEX CONCURRENTLY (one index per statement, outside a transaction block: a migration of "
			"its own). It waits for conflicting transactions without blocking queries.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "DROP INDEX users_email_idx;"},
			{GK_EXAMPLE_BAD, 0, 0, "each index of a list is named", "DROP INDEX IF EXISTS app.a_idx, app.b_idx;"},
			{GK_EXAMPLE_BAD, 0, 0, "an index of an existing table the change did not create",
			 "CREATE INDEX CONCURRENTLY orders_new_idx ON orders (created_at);\nDROP INDEX orders_old_idx;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, NULL, "DROP INDEX CONCURRENTLY users_email_idx;"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "an index created in the change on an existing table: the lock is on the table",
			 "CREATE INDEX CONCURRENTLY orders_tmp_idx ON orders (created_at);\nDROP INDEX orders_tmp_idx;"},
			{GK_EXAMPLE_OK, 0, 0, "an index of a table created earlier in the same change",
			 "CREATE TABLE t (id bigint, v text);\nCREATE INDEX t_v_idx ON t (v);\nDROP INDEX t_v_idx;"},
			{GK_EXAMPLE_OK, 0, 0, "a schema-qualified index created earlier in the change",
			 "CREATE TABLE app.t (id bigint, v text);\nCREATE INDEX t_v_idx ON app.t (v);\nDROP INDEX app.t_v_idx;"},
		},
	},
	.check = check_drop_index,
};

/* ---- reindex-non-concurrent ---- */

static const char reindex_help_pre12[] =
	"REINDEX CONCURRENTLY needs PostgreSQL 12. Upgrade, or rebuild online by hand: CREATE INDEX CONCURRENTLY a "
	"copy of the index, DROP INDEX CONCURRENTLY the old one, then ALTER INDEX ... RENAME the copy (for an index "
	"behind a constraint, swap it with ADD CONSTRAINT ... USING INDEX).";

static const char reindex_help_system[] =
	"System catalog indexes cannot be rebuilt concurrently: do not REINDEX SYSTEM from a migration, run it by hand "
	"in a maintenance window.";

static void reindex_relation(gk_lint *l, const gk_stmt *s, const PgQuery__ReindexStmt *rs, const char *help)
{
	const PgQuery__RangeVar *rv = rs->relation;
	if (!rv || !rv->relname)
		return;
	char name[256];
	gk_rv_name(rv, name, sizeof name);
	enum gk_lockmode m = lock_on(l, s, rv->schemaname, rv->relname);
	if (rs->kind == PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_INDEX) {
		const gk_rel *t = gk_state_find_index_table(l->state, rv->schemaname, rv->relname);
		if (t && gk_state_is_new(l->state, t->change))
			return;
		gk_lock lk;
		gk_stmt_lock_on(s->node, gk_lint_pg(l), rv->schemaname, rv->relname, &lk);
		gk_lint_report(l, s, rv->location, help,
			       "REINDEX INDEX %s holds %s on the index (queries that would use it wait) and %s on its table (%s) for the whole rebuild",
			       name, gk_lockmode_name(m), gk_lockmode_name(lk.table_mode), gk_lockmode_blocks(lk.table_mode));
		return;
	}
	if (gk_lint_is_new(l, rv))
		return;
	gk_lint_report(l, s, rv->location, help,
		       "REINDEX TABLE %s holds %s on the table (%s) and ACCESS EXCLUSIVE on each index while it is rebuilt (queries that plan with it wait)",
		       name, gk_lockmode_name(m), gk_lockmode_blocks(m));
}

static void check_reindex(gk_lint *l, const gk_stmt *s)
{
	if (s->node->node_case != PG_QUERY__NODE__NODE_REINDEX_STMT)
		return;
	const PgQuery__ReindexStmt *rs = s->node->reindex_stmt;
	if (gk_option_on(rs->params, rs->n_params, "concurrently"))
		return;
	const char *help = gk_lint_pg(l) < 12 ? reindex_help_pre12 : NULL;
	const char *name = rs->name ? rs->name : "";
	switch (rs->kind) {
	case PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_INDEX:
	case PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_TABLE:
		reindex_relation(l, s, rs, help);
		break;
	case PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_SCHEMA:
		gk_lint_report(l, s, -1, help,
			       "REINDEX SCHEMA %s rebuilds every index in the schema, blocking writes to each table while its indexes are rebuilt",
			       name);
		break;
	case PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_DATABASE:
		gk_lint_report(l, s, -1, help,
			       "REINDEX DATABASE %s rebuilds every index of the database, blocking writes to each table while its indexes are rebuilt",
			       name);
		break;
	case PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_SYSTEM:
		gk_lint_report(l, s, -1, reindex_help_system,
			       "REINDEX SYSTEM %s locks the system catalogs while their indexes are rebuilt, and CONCURRENTLY cannot help",
			       name);
		break;
	default:
		break;
	}
}

const gk_rule gk_rule_reindex_non_concurrent = {
	.info = {
		.id = "reindex-non-concurrent",
		.category = GK_CAT_LOCKING,
		.severity = GK_SEV_ERROR,
		.summary = "REINDEX without CONCURRENTLY",
		.why = "REINDEX holds a SHARE lock on the table (every INSERT, UPDATE and DELETE waits) and an ACCESS "
		       "EXCLUSIVE lock on each index being rebuilt (queries whose plans consider it wait) for the whole "
		       "rebuild, which takes minutes on a large table.",
		.help = "Use REINDEX ... CONCURRENTLY (PostgreSQL 12+; SHARE UPDATE EXCLUSIVE, reads and writes continue) "
			"outside a transaction block, in a migration of its own. If it fails, drop the leftover *_ccnew index.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "REINDEX INDEX users_email_idx;"},
			{GK_EXAMPLE_BAD, 0, 0, "a whole table", "REINDEX TABLE users;"},
			{GK_EXAMPLE_BAD, 0, 0, "CONCURRENTLY turned off is not CONCURRENTLY",
			 "REINDEX (VERBOSE, CONCURRENTLY false) TABLE users;"},
			{GK_EXAMPLE_BAD, 11, 0, "before PostgreSQL 12 there is no CONCURRENTLY: the help says how to swap by hand",
			 "REINDEX TABLE users;"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "a schema at once", "REINDEX SCHEMA app;"},
			{GK_EXAMPLE_OK, 12, GK_RUNNER_SPLIT, NULL, "REINDEX TABLE CONCURRENTLY users;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "option syntax", "REINDEX (CONCURRENTLY) INDEX users_email_idx;"},
			{GK_EXAMPLE_OK, 0, 0, "a table and index created earlier in the same change",
			 "CREATE TABLE t (id bigint, v text);\nCREATE INDEX t_v_idx ON t (v);\nREINDEX TABLE t;\nREINDEX INDEX t_v_idx;"},
		},
	},
	.check = check_reindex,
};

/* ---- detach-partition-non-concurrent ---- */

static const char detach_help_pre14[] =
	"DETACH PARTITION ... CONCURRENTLY needs PostgreSQL 14. Before that, detach in a low-traffic window with a "
	"short lock_timeout and retries, or upgrade.";

static const char detach_help_default[] =
	"DETACH PARTITION ... CONCURRENTLY is refused while the partitioned table has a default partition. Detach in "
	"a low-traffic window with a short lock_timeout and retries, or move the default partition's rows into "
	"proper partitions and drop (or detach) the default partition first.";

/* The existing default partition the statement locks, as the lock table lists it, or NULL. */
static const gk_lock *default_partition(const gk_lint *l, const gk_stmt *s, gk_lock *locks)
{
	size_t n = gk_lint_stmt_locks(l, s, locks, GK_MAX_LOCKS);
	for (size_t i = 0; i < n; i++)
		if (locks[i].role == GK_LOCK_ROLE_DEFAULT_PARTITION) {
			const gk_rel *r = gk_state_find(l->state, locks[i].schema, locks[i].name);
			if (!r || !gk_state_is_new(l->state, r->change))
				return &locks[i];
		}
	return NULL;
}

static void check_detach(gk_lint *l, const gk_stmt *s)
{
	if (s->node->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_STMT)
		return;
	const PgQuery__AlterTableStmt *as = s->node->alter_table_stmt;
	if (gk_lint_is_new(l, as->relation))
		return;
	char parent[256], part[256];
	gk_rv_name(as->relation, parent, sizeof parent);
	enum gk_lockmode m = lock_on(l, s, as->relation ? as->relation->schemaname : NULL,
				     as->relation ? as->relation->relname : NULL);
	for (size_t i = 0; i < as->n_cmds; i++) {
		if (as->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		const PgQuery__AlterTableCmd *c = as->cmds[i]->alter_table_cmd;
		if (c->subtype != PG_QUERY__ALTER_TABLE_TYPE__AT_DetachPartition || !c->def ||
		    c->def->node_case != PG_QUERY__NODE__NODE_PARTITION_CMD || c->def->partition_cmd->concurrent)
			continue;
		const PgQuery__RangeVar *p = c->def->partition_cmd->name;
		gk_lock locks[GK_MAX_LOCKS];
		const gk_lock *d = default_partition(l, s, locks);
		if (d)
			gk_lint_report(l, s, p ? p->location : -1, gk_lint_pg(l) < 14 ? detach_help_pre14 : detach_help_default,
				       "DETACH PARTITION %s without CONCURRENTLY holds %s on %s and %s on its default partition "
				       "%s%s%s: every query on the partitioned table waits, and CONCURRENTLY is refused while "
				       "the default partition exists",
				       gk_rv_name(p, part, sizeof part), gk_lockmode_name(m), parent, gk_lockmode_name(d->mode),
				       d->schema ? d->schema : "", d->schema ? "." : "", d->name);
		else
			gk_lint_report(l, s, p ? p->location : -1, gk_lint_pg(l) < 14 ? detach_help_pre14 : NULL,
				       "DETACH PARTITION %s without CONCURRENTLY holds %s on %s: every query on the partitioned "
				       "table waits",
				       gk_rv_name(p, part, sizeof part), gk_lockmode_name(m), parent);
	}
}

const gk_rule gk_rule_detach_partition_non_concurrent = {
	.info = {
		.id = "detach-partition-non-concurrent",
		.category = GK_CAT_LOCKING,
		.severity = GK_SEV_WARNING,
		.summary = "ALTER TABLE ... DETACH PARTITION without CONCURRENTLY",
		.why = "DETACH PARTITION takes an ACCESS EXCLUSIVE lock on the partitioned table, so reads and writes of "
		       "every partition wait, first for the lock to be granted behind open transactions, then for the detach. "
		       "A default partition is locked ACCESS EXCLUSIVE too (its bound grows), and while one exists "
		       "PostgreSQL refuses CONCURRENTLY: when the schema model knows it, the message and help say so.",
		.help = "Use ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY (PostgreSQL 14+): SHARE UPDATE EXCLUSIVE on "
			"the parent, queries continue. It cannot run in a transaction block or with a default partition; if "
			"it is interrupted, finish with DETACH PARTITION ... FINALIZE.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "ALTER TABLE events DETACH PARTITION events_2020;"},
			{GK_EXAMPLE_BAD, 13, 0, "PostgreSQL 13 has no CONCURRENTLY; the help says what to do instead",
			 "ALTER TABLE events DETACH PARTITION events_2020;"},
			{GK_EXAMPLE_BAD, 0, 0, "a partition created in the change, of an existing parent",
			 "CREATE TABLE events_tmp PARTITION OF events FOR VALUES FROM (1) TO (2);\n"
			 "ALTER TABLE events DETACH PARTITION events_tmp;"},
			{GK_EXAMPLE_OK, 14, GK_RUNNER_SPLIT, NULL, "ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "FINALIZE completes an interrupted concurrent detach",
			 "ALTER TABLE events DETACH PARTITION events_2020 FINALIZE;"},
			{GK_EXAMPLE_OK, 0, 0, "a partitioned table created earlier in the same change",
			 "CREATE TABLE m (id bigint, at date) PARTITION BY RANGE (at);\n"
			 "CREATE TABLE m_2020 PARTITION OF m FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');\n"
			 "ALTER TABLE m DETACH PARTITION m_2020;"},
		},
	},
	.check = check_detach,
};

/* ---- refresh-matview-non-concurrent ---- */

static const char refresh_help_no_data[] =
	"Do not empty a view the application reads. To stop maintaining it, drop it once nothing reads it; to "
	"rebuild it, use REFRESH MATERIALIZED VIEW CONCURRENTLY.";

static void check_refresh(gk_lint *l, const gk_stmt *s)
{
	if (s->node->node_case != PG_QUERY__NODE__NODE_REFRESH_MAT_VIEW_STMT)
		return;
	const PgQuery__RefreshMatViewStmt *rs = s->node->refresh_mat_view_stmt;
	const PgQuery__RangeVar *rv = rs->relation;
	if (rs->concurrent || !rv || gk_lint_is_new(l, rv))
		return;
	char name[256];
	gk_rv_name(rv, name, sizeof name);
	enum gk_lockmode m = lock_on(l, s, rv->schemaname, rv->relname);
	if (rs->skip_data)
		gk_lint_report(l, s, rv->location, refresh_help_no_data,
			       "REFRESH MATERIALIZED VIEW %s WITH NO DATA takes %s and leaves the view unreadable until its next refresh",
			       name, gk_lockmode_name(m));
	else
		gk_lint_report(l, s, rv->location, NULL,
			       "REFRESH MATERIALIZED VIEW %s without CONCURRENTLY holds %s for the whole refresh: reads of the view wait",
			       name, gk_lockmode_name(m));
}

const gk_rule gk_rule_refresh_matview_non_concurrent = {
	.info = {
		.id = "refresh-matview-non-concurrent",
		.category = GK_CAT_LOCKING,
		.severity = GK_SEV_WARNING,
		.summary = "REFRESH MATERIALIZED VIEW without CONCURRENTLY",
		.why = "A plain refresh holds an ACCESS EXCLUSIVE lock on the materialized view while its query runs, so "
		       "every read of the view waits, for as long as the query takes.",
		.help = "Use REFRESH MATERIALIZED VIEW CONCURRENTLY: it takes EXCLUSIVE, so reads continue while it runs. It "
			"needs a unique index on the view (plain column names, no WHERE) and a populated view.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "REFRESH MATERIALIZED VIEW sales_summary;"},
			{GK_EXAMPLE_BAD, 0, 0, "WITH NO DATA empties the view",
			 "REFRESH MATERIALIZED VIEW reporting.sales_summary WITH NO DATA;"},
			{GK_EXAMPLE_OK, 0, 0, NULL, "REFRESH MATERIALIZED VIEW CONCURRENTLY sales_summary;"},
			{GK_EXAMPLE_OK, 0, 0, "a view created earlier in the same change (CONCURRENTLY is not possible there)",
			 "CREATE MATERIALIZED VIEW sales_summary AS SELECT 1 AS id WITH NO DATA;\n"
			 "REFRESH MATERIALIZED VIEW sales_summary;"},
		},
	},
	.check = check_refresh,
};
