/*
 * attach-partition-without-check
 *
 * ALTER TABLE parent ATTACH PARTITION p FOR VALUES ... must prove that
 * every row of p fits the bound.  PostgreSQL takes SHARE UPDATE EXCLUSIVE
 * on the parent (12+) but ACCESS EXCLUSIVE on p, and scans p under it,
 * unless a validated CHECK constraint on p implies the partition
 * constraint.  For range partitions (and list partitions without NULL) the
 * partition constraint includes `key IS NOT NULL`, so the CHECK must say it
 * too, or the column must be NOT NULL.  Checked on PostgreSQL 15 with
 * client_min_messages = debug1 ("verifying table" against "partition
 * constraint ... is implied by existing constraints") and pg_locks.  A
 * default partition of the parent is scanned too, under ACCESS EXCLUSIVE,
 * whatever p has: when the schema model knows it (the lock table lists it
 * then), the message names it, and an ATTACH whose own scan a CHECK spares
 * is still reported for it; otherwise the help says it.  A validated CHECK
 * on the default partition that excludes the new bound would spare that
 * scan too; the model does not judge it.
 *
 * What counts as matching: a validated CHECK on p that names every key
 * column of the parent (when the model saw the parent's PARTITION BY), and
 * NOT NULL of each key column for range and list bounds.  When the parent's
 * key is not known, any validated CHECK naming a column is given the benefit
 * of the doubt.  A hash bound is never implied by a CHECK in practice.
 * Quiet for a partition created in the same change (nothing to scan).
 */
#include "lint/lint_internal.h"

#include <stdio.h>
#include <string.h>

static const char help[] =
	"ALTER TABLE p ADD CONSTRAINT p_bound CHECK (key IS NOT NULL AND key >= <from> AND key < <to>) NOT VALID; "
	"then ALTER TABLE p VALIDATE CONSTRAINT p_bound (SHARE UPDATE EXCLUSIVE: reads and writes continue); then "
	"ATTACH PARTITION, which sees the validated CHECK and skips the scan; then ALTER TABLE p DROP CONSTRAINT "
	"p_bound. A DEFAULT partition of the parent is still scanned under ACCESS EXCLUSIVE unless a validated CHECK "
	"on it excludes the new bound.";

/* A NULL among the values of a list bound: then the bound admits NULL keys. */
static bool list_has_null(const PgQuery__PartitionBoundSpec *b)
{
	for (size_t i = 0; i < b->n_listdatums; i++) {
		const PgQuery__Node *d = b->listdatums[i];
		if (d->node_case == PG_QUERY__NODE__NODE_A_CONST && d->a_const->isnull)
			return true;
	}
	return false;
}

static bool proven_not_null(const gk_rel *part, const char *col)
{
	const gk_column *c = gk_rel_column(part, col);
	if ((c && c->not_null) || gk_rel_has_not_null_check(part, col))
		return true;
	for (size_t i = 0; i < part->n_cons; i++)
		if (part->cons[i].validated && gk_name_list_has(part->cons[i].check_not_null, col))
			return true;
	return false;
}

/* Does a validated CHECK on the partition imply the bound, as far as the model can tell? */
static bool bound_implied(const gk_rel *parent, const gk_rel *part, const PgQuery__PartitionBoundSpec *b)
{
	if (!part)
		return false;
	bool need_nn = b->strategy && (b->strategy[0] == 'r' || (b->strategy[0] == 'l' && !list_has_null(b)));
	for (size_t i = 0; i < part->n_cons; i++) {
		const gk_constraint *k = &part->cons[i];
		if (!k->validated || !k->check_cols)
			continue;
		if (!parent || !parent->part_key)
			return true; /* key unknown: this CHECK may well be the one */
		bool all = true;
		for (const char *p = parent->part_key; all && *p;) {
			const char *end = strchr(p, '\x1f');
			char col[128];
			size_t n = (size_t)(end - p) < sizeof col ? (size_t)(end - p) : sizeof col - 1;
			memcpy(col, p, n);
			col[n] = '\0';
			all = gk_name_list_has(k->check_cols, col) && (!need_nn || proven_not_null(part, col));
			p = end + 1;
		}
		if (all)
			return true;
	}
	return false;
}

/* The existing default partition the statement reads, as the lock table lists it, or NULL. */
static const gk_lock *default_partition_read(const gk_lint *l, const gk_stmt *s, gk_lock *locks)
{
	size_t n = gk_lint_stmt_locks(l, s, locks, GK_MAX_LOCKS);
	for (size_t i = 0; i < n; i++) {
		if (locks[i].role != GK_LOCK_ROLE_DEFAULT_PARTITION || !locks[i].scan)
			continue;
		const gk_rel *r = gk_state_find(l->state, locks[i].schema, locks[i].name);
		if (!r || !gk_state_is_new(l->state, r->change))
			return &locks[i];
	}
	return NULL;
}

static void attach(gk_lint *l, const gk_stmt *s, const PgQuery__RangeVar *parent_rv, const PgQuery__PartitionCmd *pc)
{
	const PgQuery__RangeVar *rv = pc->name;
	if (!rv || !rv->relname || !pc->bound || gk_lint_is_new(l, rv))
		return;
	const gk_rel *parent = gk_state_find(l->state, parent_rv->schemaname, parent_rv->relname);
	const gk_rel *part = gk_state_find(l->state, rv->schemaname, rv->relname);
	const PgQuery__PartitionBoundSpec *b = pc->bound;
	bool hash = b->strategy && b->strategy[0] == 'h';
	char t[256], p[256], dtext[400] = "";
	gk_rv_name(rv, t, sizeof t);
	gk_rv_name(parent_rv, p, sizeof p);
	gk_lock locks[GK_MAX_LOCKS];
	const gk_lock *dp = b->is_default ? NULL : default_partition_read(l, s, locks);
	if (!b->is_default && !hash && bound_implied(parent, part, b)) {
		if (dp)
			gk_lint_report(l, s, rv->location, help,
				       "ATTACH PARTITION %s reads the default partition %s%s%s of %s under %s (%s) to prove "
				       "none of its rows belongs to the new bound (the CHECK on %s spares only its own scan)",
				       t, dp->schema ? dp->schema : "", dp->schema ? "." : "", dp->name, p,
				       gk_lockmode_name(dp->mode), gk_lockmode_blocks(dp->mode), t);
		return;
	}
	if (dp)
		snprintf(dtext, sizeof dtext, "; the default partition %s%s%s is read too, under %s", dp->schema ? dp->schema : "",
			 dp->schema ? "." : "", dp->name, gk_lockmode_name(dp->mode));
	enum gk_lockmode m = gk_stmt_lock_on(s->node, gk_lint_pg(l), rv->schemaname, rv->relname, NULL);
	if (m == GK_LOCK_NONE) /* a lock table that does not list the partition yet: PostgreSQL's lock */
		m = GK_LOCK_ACCESS_EXCLUSIVE;
	if (b->is_default)
		gk_lint_report(l, s, rv->location, help,
			       "ATTACH PARTITION %s DEFAULT scans %s under %s (%s) to prove none of its rows belongs to "
			       "another partition of %s", t, t, gk_lockmode_name(m), gk_lockmode_blocks(m), p);
	else
		gk_lint_report(l, s, rv->location, help,
			       "ATTACH PARTITION %s scans it under %s (%s) to prove every row fits the bound: no validated "
			       "CHECK constraint on %s is known to imply it%s%s", t, gk_lockmode_name(m), gk_lockmode_blocks(m),
			       t, hash ? " (a hash bound never is)" : "", dtext);
}

static void check(gk_lint *l, const gk_stmt *s)
{
	if (s->node->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_STMT)
		return;
	const PgQuery__AlterTableStmt *as = s->node->alter_table_stmt;
	for (size_t i = 0; as->relation && i < as->n_cmds; i++) {
		const PgQuery__AlterTableCmd *c = gk_alter_cmd(as, i);
		if (c && c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AttachPartition && c->def &&
		    c->def->node_case == PG_QUERY__NODE__NODE_PARTITION_CMD)
			attach(l, s, as->relation, c->def->partition_cmd);
	}
}

const gk_rule gk_rule_attach_partition_without_check = {
	.info = {
		.id = "attach-partition-without-check",
		.category = GK_CAT_LOCKING,
		.severity = GK_SEV_ERROR,
		.summary = "ATTACH PARTITION of an existing table without a validated CHECK that implies the bound",
		.why = "ATTACH PARTITION takes ACCESS EXCLUSIVE on the table being attached and scans all of it to prove "
		       "every row fits the partition bound, unless a validated CHECK constraint on it already implies "
		       "the bound (for range bounds including `key IS NOT NULL`). Every read and write of that table "
		       "waits for the scan. A DEFAULT partition of the parent is scanned too, also under ACCESS EXCLUSIVE: "
		       "when the schema model knows it, the message names it, and the ATTACH is reported for it even "
		       "when a CHECK spares the partition's own scan. Peers: none of squawk, "
		       "strong_migrations, eugene or Atlas reports it.",
		.help = help,
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL,
			 "ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"},
			{GK_EXAMPLE_BAD, 0, 0, "a CHECK that is not validated proves nothing",
			 "ALTER TABLE events_2024 ADD CONSTRAINT events_2024_bound CHECK (created_at IS NOT NULL AND "
			 "created_at >= '2024-01-01' AND created_at < '2025-01-01') NOT VALID;\n"
			 "ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"},
			{GK_EXAMPLE_BAD, 0, 0, "a default partition is scanned too",
			 "ALTER TABLE events ATTACH PARTITION events_other DEFAULT;"},
			{GK_EXAMPLE_BAD, 0, 0, "the CHECK names another column than the key",
			 "CREATE TABLE ledger (id bigint, booked_on date) PARTITION BY RANGE (booked_on);\n"
			 "ALTER TABLE ledger_2023 ADD CONSTRAINT ledger_2023_id CHECK (id > 0) NOT VALID;\n"
			 "ALTER TABLE ledger_2023 VALIDATE CONSTRAINT ledger_2023_id;\n"
			 "ALTER TABLE ledger ATTACH PARTITION ledger_2023 FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');"},
			{GK_EXAMPLE_BAD, 0, 0, "a range key needs IS NOT NULL in the CHECK (or a NOT NULL column)",
			 "CREATE TABLE ledger (id bigint, booked_on date) PARTITION BY RANGE (booked_on);\n"
			 "ALTER TABLE ledger_2023 ADD CONSTRAINT ledger_2023_bound CHECK (booked_on >= '2023-01-01' AND "
			 "booked_on < '2024-01-01') NOT VALID;\n"
			 "ALTER TABLE ledger_2023 VALIDATE CONSTRAINT ledger_2023_bound;\n"
			 "ALTER TABLE ledger ATTACH PARTITION ledger_2023 FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "the recipe: CHECK NOT VALID, VALIDATE, ATTACH, DROP the CHECK",
			 "ALTER TABLE events_2024 ADD CONSTRAINT events_2024_bound CHECK (created_at IS NOT NULL AND "
			 "created_at >= '2024-01-01' AND created_at < '2025-01-01') NOT VALID;\n"
			 "ALTER TABLE events_2024 VALIDATE CONSTRAINT events_2024_bound;\n"
			 "ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n"
			 "ALTER TABLE events_2024 DROP CONSTRAINT events_2024_bound;"},
			{GK_EXAMPLE_OK, 0, 0, "a partition created in the same change is empty",
			 "CREATE TABLE events_2025 (LIKE events);\n"
			 "ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');"},
			{GK_EXAMPLE_OK, 0, 0, "the key's CHECK with the parent's key known",
			 "CREATE TABLE ledger (id bigint, booked_on date) PARTITION BY RANGE (booked_on);\n"
			 "ALTER TABLE ledger_2023 ADD CONSTRAINT ledger_2023_bound CHECK (booked_on IS NOT NULL AND "
			 "booked_on >= '2023-01-01' AND booked_on < '2024-01-01') NOT VALID;\n"
			 "ALTER TABLE ledger_2023 VALIDATE CONSTRAINT ledger_2023_bound;\n"
			 "ALTER TABLE ledger ATTACH PARTITION ledger_2023 FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');"},
			{GK_EXAMPLE_OK, 0, 0, "a list bound with NULL needs no IS NOT NULL",
			 "CREATE TABLE items (id bigint, region text) PARTITION BY LIST (region);\n"
			 "ALTER TABLE items_misc ADD CONSTRAINT items_misc_region CHECK (region IN ('x', 'y') OR region IS NULL) NOT VALID;\n"
			 "ALTER TABLE items_misc VALIDATE CONSTRAINT items_misc_region;\n"
			 "ALTER TABLE items ATTACH PARTITION items_misc FOR VALUES IN ('x', 'y', NULL);"},
		},
	},
	.check = check,
};
