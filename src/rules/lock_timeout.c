/*
 * missing-lock-timeout, locks-held-across-statements: how long a lock
 * blocks other sessions.
 *
 * A lock request waits behind every open transaction that holds a
 * conflicting lock, and every later request on the table queues behind the
 * waiting one.  So an ALTER TABLE that waits behind one slow query stops
 * all traffic on the table, reads included when it asks for ACCESS
 * EXCLUSIVE.  `SET lock_timeout` (PostgreSQL 9.3+) makes the request give
 * up instead; the migration fails cleanly and can be retried.  Once
 * granted, a lock is held until the transaction ends, so every statement
 * that runs after an ACCESS EXCLUSIVE lock in the same transaction extends
 * the outage.  Which lock a statement takes is decided in locks.c only;
 * which statements share a transaction (and whether a SET LOCAL still
 * holds) is decided by the engine from the runner model.
 * Tables created in the same change are empty and exempt.
 */
#include "lint/lint_internal.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Name of a statement for messages; "statement" when not interesting. */
static const char *stmt_tag(const PgQuery__Node *n)
{
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT: return "ALTER TABLE";
	case PG_QUERY__NODE__NODE_INDEX_STMT: return "CREATE INDEX";
	case PG_QUERY__NODE__NODE_DROP_STMT:
		switch (n->drop_stmt->remove_type) {
		case PG_QUERY__OBJECT_TYPE__OBJECT_INDEX: return "DROP INDEX";
		case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE: return "DROP TABLE";
		case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW: return "DROP VIEW";
		case PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW: return "DROP MATERIALIZED VIEW";
		default: return "DROP";
		}
	case PG_QUERY__NODE__NODE_REINDEX_STMT: return "REINDEX";
	case PG_QUERY__NODE__NODE_RENAME_STMT: return "ALTER ... RENAME";
	case PG_QUERY__NODE__NODE_TRUNCATE_STMT: return "TRUNCATE";
	case PG_QUERY__NODE__NODE_LOCK_STMT: return "LOCK TABLE";
	case PG_QUERY__NODE__NODE_VACUUM_STMT: return n->vacuum_stmt->is_vacuumcmd ? "VACUUM" : "ANALYZE";
	case PG_QUERY__NODE__NODE_CLUSTER_STMT: return "CLUSTER";
	case PG_QUERY__NODE__NODE_REFRESH_MAT_VIEW_STMT: return "REFRESH MATERIALIZED VIEW";
	case PG_QUERY__NODE__NODE_CREATE_TRIG_STMT: return "CREATE TRIGGER";
	case PG_QUERY__NODE__NODE_RULE_STMT: return "CREATE RULE";
	case PG_QUERY__NODE__NODE_CREATE_POLICY_STMT: return "CREATE POLICY";
	case PG_QUERY__NODE__NODE_UPDATE_STMT: return "UPDATE";
	case PG_QUERY__NODE__NODE_DELETE_STMT: return "DELETE";
	case PG_QUERY__NODE__NODE_INSERT_STMT: return "INSERT";
	case PG_QUERY__NODE__NODE_SELECT_STMT: return "SELECT";
	case PG_QUERY__NODE__NODE_CREATE_STMT: return "CREATE TABLE";
	default: return "statement";
	}
}

/* The lock is on a table (or an index of a table) created in this change. */
static bool lock_on_new(const gk_lint *l, const gk_lock *lk)
{
	const gk_rel *r = lk->is_index ? gk_state_find_index_table(l->state, lk->schema, lk->name)
				       : gk_state_find(l->state, lk->schema, lk->name);
	return r && gk_state_is_new(l->state, r->change);
}

/* First lock of `s` on an existing relation that is at least `min`, or
 * NULL; *n: the locks in buf. */
static const gk_lock *existing_lock_at_least(const gk_lint *l, const gk_stmt *s, enum gk_lockmode min, gk_lock *buf,
					     size_t *n)
{
	*n = gk_lint_stmt_locks(l, s, buf, GK_MAX_LOCKS);
	for (size_t i = 0; i < *n; i++)
		if (buf[i].mode >= min && !lock_on_new(l, &buf[i]))
			return &buf[i];
	return NULL;
}

/* "index i", "users", or for a relation the statement does not name "orders (the table ... referenced)". */
static void lock_target(const gk_lock *lk, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s%s%s%s%s", lk->is_index ? "index " : "", lk->schema ? lk->schema : "",
		 lk->schema ? "." : "", lk->name, lk->implied ? " (" : "", lk->implied ? lk->implied : "",
		 lk->implied ? ")" : "");
}

static bool other_shown(const gk_lint *l, const gk_lock *lk, const gk_lock *first, enum gk_lockmode min)
{
	return lk != first && lk->implied && lk->mode >= min && !lock_on_new(l, lk);
}

/* The locks of one kind from locks[i] on, named together: "its partitions
 * orders_2024, orders_2025 and 3 more".  Returns the end of the run; *shown:
 * how many of them are named. */
static size_t implied_run(const gk_lint *l, const gk_lock *locks, size_t n, size_t i, const gk_lock *first,
			  enum gk_lockmode min, char *buf, size_t size, size_t *shown)
{
	size_t e = i, more = 0, len = (size_t)snprintf(buf, size, "%s", locks[i].implied_group);
	*shown = 0;
	for (; e < n && locks[e].implied == locks[i].implied && locks[e].mode == locks[i].mode; e++) {
		more += locks[e].more;
		if (!other_shown(l, &locks[e], first, min) || len >= size)
			continue;
		int w = snprintf(buf + len, size - len, "%s %s%s%s", *shown ? "," : "", locks[e].schema ? locks[e].schema : "",
				 locks[e].schema ? "." : "", locks[e].name);
		len += w > 0 ? (size_t)w : 0;
		++*shown;
	}
	if (more && len < size)
		snprintf(buf + len, size - len, " and %zu more", more);
	return e;
}

/* ", and ACCESS EXCLUSIVE on orders (the table the dropped foreign key
 * referenced)" for each other lock of at least `min` on an existing
 * relation the statement does not name, and ", and ACCESS EXCLUSIVE on its
 * partitions orders_2024, orders_2025" for several of a kind: the lock
 * table's, not prose. */
static void other_implied(const gk_lint *l, const gk_lock *locks, size_t n, const gk_lock *first,
			  enum gk_lockmode min, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0, next; i < n && len < size; i = next) {
		char target[1200];
		size_t shown = 1;
		next = i + 1;
		if (locks[i].implied_group && locks[i].implied) {
			size_t one = i;
			while (one < n && !other_shown(l, &locks[one], first, min))
				one++;
			next = implied_run(l, locks, n, i, first, min, target, sizeof target, &shown);
			/* One alone, nothing left out: named as the others are. */
			if (shown == 1 && !locks[next - 1].more)
				lock_target(&locks[one], target, sizeof target);
		} else if (other_shown(l, &locks[i], first, min)) {
			lock_target(&locks[i], target, sizeof target);
		} else {
			continue;
		}
		if (!shown)
			continue;
		int w = snprintf(buf + len, size - len, ", and %s on %s", gk_lockmode_name(locks[i].mode), target);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

/* ---- missing-lock-timeout ---- */

/*
 * The first lock of `s` that blocks writes on an existing table, for both
 * timeout rules: its mode, `target` naming its relation and `also` the
 * relations the statement locks without naming them.  False when none.
 */
static bool write_blocking_lock(const gk_lint *l, const gk_stmt *s, enum gk_lockmode *mode, char *target,
				size_t target_size, char *also, size_t also_size)
{
	gk_lock locks[GK_MAX_LOCKS];
	size_t n;
	const gk_lock *lk = existing_lock_at_least(l, s, GK_LOCK_SHARE, locks, &n);
	if (!lk)
		return false;
	*mode = lk->mode;
	lock_target(lk, target, target_size);
	other_implied(l, locks, n, lk, GK_LOCK_SHARE, also, also_size);
	return true;
}

static void check_timeout(gk_lint *l, const gk_stmt *s)
{
	/* One finding per file: the fix is one SET at the top.  A timeout the
	 * deploying role or URL sets (lock_timeout: external, verified by
	 * `gate`) covers every file. */
	if (l->opts->lock_timeout_external || l->lock_timeout_set || gk_lint_count_current(l) > 0)
		return;
	char target[300], help[700], recipe[600], also[2400];
	enum gk_lockmode mode;
	if (!write_blocking_lock(l, s, &mode, target, sizeof target, also, sizeof also))
		return;
	snprintf(help, sizeof help, "%s A blocked lock request then fails fast instead of queueing traffic; retry "
		 "the migration when it times out.",
		 gk_lint_lock_timeout_recipe(l, recipe, sizeof recipe));
	gk_lint_report(l, s, -1, help,
		       "%s locks %s in %s mode (%s)%s with no lock_timeout set: while it waits behind a running "
		       "query, every other query on the table queues behind it",
		       stmt_tag(s->node), target, gk_lockmode_name(mode), gk_lockmode_blocks(mode), also);
}

const gk_rule gk_rule_missing_lock_timeout = {
	.info = {
		.id = "missing-lock-timeout",
		.category = GK_CAT_LOCKING,
		.severity = GK_SEV_WARNING,
		.summary = "a lock that blocks writes is requested on an existing table without SET lock_timeout",
		.why = "A lock request waits behind any transaction using the table, and all later queries on the "
		       "table wait behind the request. Without lock_timeout, one long-running query turns a "
		       "millisecond ALTER TABLE into an outage of the table for as long as that query runs. Only a "
		       "timeout in effect for the statement counts: one set earlier in the same file (a SET LOCAL "
		       "only inside its own transaction, so not under a runner that sends statements one by one "
		       "without BEGIN; `SELECT set_config('lock_timeout', ..., is_local)` counts as SET, or as SET "
		       "LOCAL when is_local is true), not one a previous migration may have left in the session, since the files "
		       "of one deploy differ from run to run. With `lock_timeout: external` in the configuration "
		       "(the deploying role or connection sets it; `gate --deploy-role` verifies) no file needs one.",
		.help = "Start the migration with `SET LOCAL lock_timeout = '2s';` (PostgreSQL 9.3+; the value is "
			"`lock_timeout_advice:`) so a blocked lock request fails fast instead of queueing traffic, and "
			"retry the migration when it times out. When the runner sends each statement on its own, wrap "
			"the file in `BEGIN; SET LOCAL lock_timeout = '2s'; ... COMMIT;` instead, or, for a file that "
			"must run outside a transaction, use `SET lock_timeout` at the top and `RESET lock_timeout` at "
			"the end.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "ALTER TABLE users ADD COLUMN nickname text;"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_WHOLE, "a SHARE lock blocks writes too",
			 "CREATE INDEX users_email_idx ON users (email);"},
			{GK_EXAMPLE_BAD, 0, 0, "lock_timeout = 0 means wait forever",
			 "SET lock_timeout = 0;\nALTER TABLE users ADD COLUMN nickname text;"},
			{GK_EXAMPLE_BAD, 0, 0, "a lock_timeout set after the statement is too late",
			 "ALTER TABLE users ADD COLUMN nickname text;\nSET lock_timeout = '2s';"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "statements sent one by one: SET LOCAL outside BEGIN does nothing",
			 "SET LOCAL lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_WHOLE, "a SET LOCAL ends with its transaction",
			 "BEGIN;\nSET LOCAL lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;\nCOMMIT;\n"
			 "ALTER TABLE orders ADD COLUMN note text;", 1},
			{GK_EXAMPLE_OK, 0, 0, "'0.5s' is 500 ms, as the server reads it",
			 "SET LOCAL lock_timeout = '0.5s';\nALTER TABLE users ADD COLUMN nickname text;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "the file's own transaction",
			 "BEGIN;\nSET LOCAL lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;\nCOMMIT;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "a session SET covers the statements after it, RESET ends it",
			 "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;\n"
			 "ALTER TABLE orders ADD COLUMN note text;\nRESET lock_timeout;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "CONCURRENTLY takes SHARE UPDATE EXCLUSIVE, which lets writes go on",
			 "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);"},
			{GK_EXAMPLE_OK, 0, 0, "a table created in the same migration is empty",
			 "CREATE TABLE users (id bigint PRIMARY KEY);\nALTER TABLE users ADD COLUMN nickname text;\n"
			 "CREATE INDEX users_nickname_idx ON users (nickname);"},
			{GK_EXAMPLE_OK, 0, 0, "plain DML takes ROW EXCLUSIVE, which does not block other writers",
			 "UPDATE users SET nickname = name WHERE id < 1000;"},
		},
	},
	.check = check_timeout,
};

/* ---- locks-held-across-statements ---- */

/*
 * Holding ACCESS EXCLUSIVE on a table costs nothing while the rest of the
 * transaction is quick work on that same table: merging the statements or
 * moving the lock-taking one changes nothing.  It costs an outage when a
 * later statement of the transaction
 *  - waits for a lock on another table (behind every transaction using
 *    that one, while nobody can use the held table),
 *  - does slow work: an index build or validation scan, a rewrite, a
 *    backfill (UPDATE, DELETE, MERGE, INSERT ... SELECT, CREATE TABLE AS),
 *  - or both: work on the held table that on its own would need only a
 *    weaker lock (CREATE INDEX under SHARE, VALIDATE under SHARE UPDATE
 *    EXCLUSIVE, a backfill under ROW EXCLUSIVE) now blocks reads too.
 * Quick statements under a weaker lock (CREATE TRIGGER, a foreign key
 * added NOT VALID) on the held table add nothing worth reporting, and
 * neither does anything on a table created in the same change (empty, and
 * nobody else uses it yet).  The relations a statement locks, scans or
 * rewrites come from the lock table (locks.c).
 */

/* The relation a lock of the held statement is about: a table, or, when
 * the lock is on an index, the index's table when the model knows it. */
typedef struct held_rel {
	const char *schema, *name;  /* the table; name NULL when not known */
	const char *index;          /* the index named by the statement, or NULL */
	const char *implied;        /* why, for a table the statement does not name (gk_lock.implied) */
} held_rel;

static bool same_rel(const char *sa, const char *na, const char *sb, const char *nb)
{
	return na && nb && strcmp(na, nb) == 0 && strcmp(sa && *sa ? sa : "public", sb && *sb ? sb : "public") == 0;
}

/* The table lock `lk` lands on (for an index: its table in the model). */
static held_rel rel_of_lock(const gk_lint *l, const gk_lock *lk)
{
	if (!lk->is_index)
		return (held_rel){lk->schema, lk->name, NULL, lk->implied};
	const gk_rel *r = gk_state_find_index_table(l->state, lk->schema, lk->name);
	return (held_rel){r ? r->schema : NULL, r ? r->name : NULL, lk->name, NULL};
}

/* "users", "users (the table of index users_email_idx)", "the table of index users_email_idx" or
 * "orders (the table the dropped foreign key referenced)". */
static const char *held_text(const held_rel *h, char *buf, size_t size)
{
	if (h->name && h->implied)
		snprintf(buf, size, "%s%s%s (%s)", h->schema ? h->schema : "", h->schema ? "." : "", h->name, h->implied);
	else if (!h->name)
		snprintf(buf, size, "the table of index %s", h->index);
	else if (h->index)
		snprintf(buf, size, "%s (the table of index %s)", h->name, h->index);
	else
		snprintf(buf, size, "%s%s%s", h->schema ? h->schema : "", h->schema ? "." : "", h->name);
	return buf;
}

/* ALTER INDEX ... RENAME changes only the catalog, under SHARE UPDATE
 * EXCLUSIVE on the index since PostgreSQL 12. */
static bool index_rename(const PgQuery__Node *n)
{
	return n->node_case == PG_QUERY__NODE__NODE_RENAME_STMT &&
	       n->rename_stmt->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_INDEX;
}

/* The relation statement `n` creates, if any (for "created in between"). */
static const PgQuery__RangeVar *created_rel(const PgQuery__Node *n, const char **index)
{
	*index = NULL;
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_CREATE_STMT: return n->create_stmt->relation;
	case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT:
		return n->create_table_as_stmt->into ? n->create_table_as_stmt->into->rel : NULL;
	case PG_QUERY__NODE__NODE_SELECT_STMT:
		return n->select_stmt->into_clause ? n->select_stmt->into_clause->rel : NULL;
	case PG_QUERY__NODE__NODE_VIEW_STMT: return n->view_stmt->view;
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		*index = n->index_stmt->idxname;
		return n->index_stmt->relation;
	default: return NULL;
	}
}

/*
 * True when schema.name is new: created in the change before `s` (the
 * model), or, for a table, by a statement between `s` and `n` (the model
 * learns those only after `s` is checked).  An index is new when the model
 * knows its table is.
 */
static bool new_between(const gk_lint *l, const gk_stmt *s, const gk_stmt *n, const char *schema, const char *name,
			bool is_index)
{
	const gk_rel *r = is_index ? gk_state_find_index_table(l->state, schema, name) : gk_state_find(l->state, schema, name);
	if (r && gk_state_is_new(l->state, r->change))
		return true;
	for (int i = s->index + 1; !is_index && i < n->index; i++) {
		const char *index;
		const PgQuery__RangeVar *rv = created_rel(l->stmts[i].node, &index);
		if (rv && !index && same_rel(rv->schemaname, rv->relname, schema, name))
			return true;
	}
	return false;
}

static bool rv_new_between(const gk_lint *l, const gk_stmt *s, const gk_stmt *n, const PgQuery__RangeVar *rv)
{
	return rv && rv->relname && new_between(l, s, n, rv->schemaname, rv->relname, false);
}

/* A FROM list reads an existing table (a subquery counts: it reads something). */
static bool reads_existing(const gk_lint *l, const gk_stmt *s, const gk_stmt *n, PgQuery__Node *const *from, size_t k)
{
	for (size_t i = 0; i < k; i++) {
		const PgQuery__Node *f = from[i];
		switch (f->node_case) {
		case PG_QUERY__NODE__NODE_RANGE_VAR:
			if (!rv_new_between(l, s, n, f->range_var))
				return true;
			break;
		case PG_QUERY__NODE__NODE_JOIN_EXPR: {
			PgQuery__Node *sides[] = {f->join_expr->larg, f->join_expr->rarg};
			if (sides[0] && sides[1] && reads_existing(l, s, n, sides, 2))
				return true;
			break;
		}
		case PG_QUERY__NODE__NODE_RANGE_SUBSELECT:
			return true;
		default:
			break;
		}
	}
	return false;
}

static bool select_reads_existing(const gk_lint *l, const gk_stmt *s, const gk_stmt *n, const PgQuery__Node *q)
{
	return q && q->node_case == PG_QUERY__NODE__NODE_SELECT_STMT &&
	       reads_existing(l, s, n, q->select_stmt->from_clause, q->select_stmt->n_from_clause);
}

/* A system catalog (pg_index, pg_class, ...): a migration that writes one
 * patches a few rows of metadata, it does not backfill. */
static bool system_catalog(const gk_lint *l, const PgQuery__RangeVar *rv)
{
	if (rv->schemaname && *rv->schemaname)
		return strcmp(rv->schemaname, "pg_catalog") == 0;
	return strncmp(rv->relname, "pg_", 3) == 0 && !gk_state_find(l->state, NULL, rv->relname);
}

/* A backfill: DML that touches every row it may, on an existing table.  Into why. */
static bool backfill(const gk_lint *l, const gk_stmt *s, const gk_stmt *n, char *why, size_t size)
{
	const PgQuery__Node *q = n->node;
	const PgQuery__RangeVar *rv = NULL;
	const char *verb = NULL;
	switch (q->node_case) {
	case PG_QUERY__NODE__NODE_UPDATE_STMT: rv = q->update_stmt->relation, verb = "updates rows of"; break;
	case PG_QUERY__NODE__NODE_DELETE_STMT: rv = q->delete_stmt->relation, verb = "deletes rows of"; break;
	case PG_QUERY__NODE__NODE_MERGE_STMT: rv = q->merge_stmt->relation, verb = "merges rows into"; break;
	case PG_QUERY__NODE__NODE_INSERT_STMT:
		rv = q->insert_stmt->relation, verb = "copies rows (INSERT ... SELECT) into";
		if (!select_reads_existing(l, s, n, q->insert_stmt->select_stmt))
			return false;
		break;
	case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT:
		if (!q->create_table_as_stmt->into || !select_reads_existing(l, s, n, q->create_table_as_stmt->query))
			return false;
		rv = q->create_table_as_stmt->into->rel, verb = "copies rows of existing tables into";
		snprintf(why, size, "%s %s", verb, rv && rv->relname ? rv->relname : "a new table");
		return true;
	case PG_QUERY__NODE__NODE_SELECT_STMT:
		if (!q->select_stmt->into_clause || !select_reads_existing(l, s, n, q))
			return false;
		rv = q->select_stmt->into_clause->rel, verb = "copies rows of existing tables (SELECT ... INTO) into";
		snprintf(why, size, "%s %s", verb, rv && rv->relname ? rv->relname : "a new table");
		return true;
	default:
		return false;
	}
	if (!rv || !rv->relname || system_catalog(l, rv) ||
	    (rv_new_between(l, s, n, rv) && q->node_case != PG_QUERY__NODE__NODE_INSERT_STMT))
		return false;
	snprintf(why, size, "%s %s", verb, rv->relname);
	return true;
}

/* Tables later statements of the transaction lock ACCESS EXCLUSIVE: a
 * statement that needs one of them again waits for nobody. */
typedef struct taken {
	const char **schema, **name;
	size_t n, cap_s, cap_n;
} taken;

static bool taken_has(const taken *t, const char *schema, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (same_rel(t->schema[i], t->name[i], schema, name))
			return true;
	return false;
}

static void taken_add(taken *t, const char *schema, const char *name)
{
	if (!name || taken_has(t, schema, name) || gk_grow(&t->schema, &t->cap_s, t->n + 1, sizeof *t->schema) < 0 ||
	    gk_grow(&t->name, &t->cap_n, t->n + 1, sizeof *t->name) < 0)
		return; /* out of memory: only a lock wait may be reported that is none */
	t->schema[t->n] = schema;
	t->name[t->n++] = name;
}

/*
 * A table or view the statement drops, unless a later statement of the
 * transaction creates it again: code that still uses it fails after the
 * commit anyway (drop-table says so), so holding its lock longer blocks
 * nothing that would have worked; and a later statement that drops one
 * waits for nobody who should still be there.  Views dropped to be
 * recreated stay.
 */
static bool dropped_for_good(const gk_lint *l, const gk_stmt *s, const gk_lock *lk)
{
	const PgQuery__Node *q = s->node;
	/* The tables a dropped one referenced, its partitioned table and the
	 * tables whose foreign keys to it CASCADE drops stay; its partitions
	 * go with it. */
	if (q->node_case != PG_QUERY__NODE__NODE_DROP_STMT || lk->is_index ||
	    (lk->implied && lk->role != GK_LOCK_ROLE_SUBPARTITION))
		return false;
	for (const gk_stmt *n = gk_lint_next_in_tx(l, s); n; n = gk_lint_next_in_tx(l, n)) {
		const char *index;
		const PgQuery__RangeVar *rv = created_rel(n->node, &index);
		if (rv && !index && same_rel(rv->schemaname, rv->relname, lk->schema, lk->name))
			return false;
	}
	return true;
}

/* Whether ALTER TABLE `n` changes a column type: a rewrite unless binary-compatible. */
static bool changes_type(const PgQuery__Node *n)
{
	if (n->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_STMT)
		return false;
	const PgQuery__AlterTableStmt *as = n->alter_table_stmt;
	for (size_t i = 0; i < as->n_cmds; i++) {
		const PgQuery__AlterTableCmd *c = gk_alter_cmd(as, i);
		if (c && c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType)
			return true;
	}
	return false;
}

/* A varchar limit, from the model's type text: "varchar(20)" 20, "varchar" -1; false when not a varchar. */
static bool varchar_limit(const char *type, long *limit)
{
	*limit = -1;
	if (strcmp(type, "varchar") == 0)
		return true;
	return sscanf(type, "varchar(%ld)", limit) == 1 && strchr(type, '[') == NULL;
}

/*
 * True when every command of ALTER TABLE `n` changes a column the model
 * knows as varchar to a varchar at least as long, or to text, without
 * USING: binary-compatible, so nothing is rewritten (PostgreSQL checks only
 * the catalog).  Other type changes count as rewrites.
 */
static bool only_widens_varchar(const gk_lint *l, const PgQuery__Node *n)
{
	const PgQuery__AlterTableStmt *as = n->alter_table_stmt;
	const gk_rel *r = as->relation ? gk_state_find(l->state, as->relation->schemaname, as->relation->relname) : NULL;
	for (size_t i = 0; r && i < as->n_cmds; i++) {
		const PgQuery__AlterTableCmd *c = gk_alter_cmd(as, i);
		if (!c || c->subtype != PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType || !c->def ||
		    c->def->node_case != PG_QUERY__NODE__NODE_COLUMN_DEF || c->def->column_def->raw_default ||
		    !c->def->column_def->type_name)
			return false;
		const gk_column *col = gk_rel_column(r, c->name);
		const PgQuery__TypeName *to = c->def->column_def->type_name;
		long from_limit, to_limit = to->n_typmods ? gk_type_mod(to, 0) : -1;
		if (!col || !col->type || !varchar_limit(col->type, &from_limit) || to->n_array_bounds)
			return false;
		const char *base = gk_type_base(to);
		if (strcmp(base, "text") != 0 &&
		    !(strcmp(base, "varchar") == 0 && (to_limit < 0 || (from_limit >= 0 && to_limit >= from_limit))))
			return false;
	}
	return r != NULL;
}

/* What slow work lock `x` of `n` does on `what`, as a verb phrase. */
static void slow_work(const gk_stmt *n, const gk_lock *x, const char *what, char *buf, size_t size)
{
	if (x->rewrite && changes_type(n->node))
		snprintf(buf, size, "changes a column type of %s (a rewrite of every row unless the types are "
			 "binary-compatible)", what);
	else if (x->rewrite)
		snprintf(buf, size, "rewrites %s", what);
	else if (n->node->node_case == PG_QUERY__NODE__NODE_INDEX_STMT)
		snprintf(buf, size, "builds an index on %s, reading every row", what);
	else if (n->node->node_case == PG_QUERY__NODE__NODE_VACUUM_STMT && !n->node->vacuum_stmt->is_vacuumcmd)
		snprintf(buf, size, "analyzes %s, reading a sample of its rows", what);
	else
		snprintf(buf, size, "scans every row of %s", what);
}

/*
 * Does lock `x` of later statement `n` make holding `h` costly?  Into why.
 * A lock on another existing table costs when it has to wait for other
 * sessions (SHARE UPDATE EXCLUSIVE and up, unless the transaction already
 * holds ACCESS EXCLUSIVE there) or when it scans or rewrites.  A lock on
 * the held table itself costs only when it scans or rewrites under a mode
 * below ACCESS EXCLUSIVE: then work that would have let reads (and maybe
 * writes) go on blocks them.  Relations the model cannot place (an index
 * of an unknown table) count only for slow work under a weaker mode, which
 * costs wherever it runs.
 */
static bool lock_costly(gk_lint *l, const gk_stmt *s, const gk_stmt *n, const held_rel *h, const gk_lock *x,
			const taken *t, char *why, size_t size)
{
	if (new_between(l, s, n, x->schema, x->name, x->is_index) || dropped_for_good(l, n, x))
		return false;
	held_rel xr = rel_of_lock(l, x);
	bool known = h->name && xr.name, same = known && same_rel(h->schema, h->name, xr.schema, xr.name);
	char what[300];
	snprintf(what, sizeof what, "%s%s%s%s%s%s", xr.name && xr.schema ? xr.schema : "", xr.name && xr.schema ? "." : "",
		 xr.name ? xr.name : x->name, x->implied ? " (" : "", x->implied ? x->implied : "", x->implied ? ")" : "");
	/* The lock table marks every type change as a rewrite and a scan; a
	 * binary-compatible one does neither. */
	bool slow = (x->scan || x->rewrite) && !(changes_type(n->node) && only_widens_varchar(l, n->node));
	char work[600];
	slow_work(n, x, what, work, sizeof work);
	if (known && !same && x->mode >= GK_LOCK_SHARE_UPDATE_EXCLUSIVE && !taken_has(t, xr.schema, xr.name) &&
	    !gk_lint_ael_before(l, s, xr.schema, xr.name)) {
		snprintf(why, size, "waits for %s on %s behind every transaction using it%s%s", gk_lockmode_name(x->mode),
			 what, slow ? ", then " : "", slow ? work : "");
		return true;
	}
	if (!slow || (x->mode >= GK_LOCK_ACCESS_EXCLUSIVE && !(known && !same)))
		return false;
	if (same)
		snprintf(why, size, "%s, which on its own would take only %s", work, gk_lockmode_name(x->mode));
	else
		snprintf(why, size, "%s", work);
	return true;
}

static bool costly(gk_lint *l, const gk_stmt *s, const gk_stmt *n, const held_rel *h, const taken *t, char *why,
		   size_t size)
{
	if (index_rename(n->node))
		return false;
	if (backfill(l, s, n, why, size))
		return true;
	gk_lock locks[GK_MAX_LOCKS];
	size_t k = gk_lint_stmt_locks(l, n, locks, GK_MAX_LOCKS);
	for (size_t i = 0; i < k; i++)
		if (lock_costly(l, s, n, h, &locks[i], t, why, size))
			return true;
	return false;
}

static void take(const gk_lint *l, const gk_stmt *n, taken *t)
{
	gk_lock locks[GK_MAX_LOCKS];
	size_t k = gk_lint_stmt_locks(l, n, locks, GK_MAX_LOCKS);
	for (size_t i = 0; i < k; i++)
		if (locks[i].mode >= GK_LOCK_ACCESS_EXCLUSIVE && !locks[i].is_index)
			taken_add(t, locks[i].schema, locks[i].name);
}

/* The first later statement of the transaction that makes holding `h` costly, with why. */
static const gk_stmt *first_costly(gk_lint *l, const gk_stmt *s, const held_rel *h, char *why, size_t size)
{
	taken t = {0};
	take(l, s, &t); /* DROP TABLE a, b: b is held as well as a */
	const gk_stmt *n = gk_lint_next_in_tx(l, s);
	for (; n && !costly(l, s, n, h, &t, why, size); n = gk_lint_next_in_tx(l, n))
		take(l, n, &t);
	free(t.schema);
	free(t.name);
	return n;
}

/*
 * After DROP INDEX, does a later statement before `n` take ACCESS EXCLUSIVE
 * on the same table (or, for an index of an unknown table, drop another
 * such index)?  Then that one reports `n`, once: the model forgets a
 * dropped index, so a later statement cannot tell that an earlier DROP
 * INDEX already held its table.
 */
static bool held_again_before(const gk_lint *l, const gk_stmt *s, const gk_stmt *n, const held_rel *h)
{
	for (const gk_stmt *t = gk_lint_next_in_tx(l, s); t && t != n; t = gk_lint_next_in_tx(l, t)) {
		gk_lock locks[GK_MAX_LOCKS];
		size_t k = gk_lint_stmt_locks(l, t, locks, GK_MAX_LOCKS);
		for (size_t i = 0; i < k; i++) {
			if (locks[i].mode < GK_LOCK_ACCESS_EXCLUSIVE || index_rename(t->node))
				continue;
			held_rel tr = rel_of_lock(l, &locks[i]);
			if (h->name ? same_rel(h->schema, h->name, tr.schema, tr.name) : locks[i].is_index && !tr.name)
				return true;
		}
	}
	return false;
}

/* Did an earlier statement of the same transaction already hold this lock?
 * Then that statement was judged, with the same statements after it. */
static bool already_held(gk_lint *l, const gk_stmt *s, const gk_lock *lk, const held_rel *h)
{
	return gk_lint_ael_before(l, s, lk->schema, lk->name) ||
	       (h->index && h->name && gk_lint_ael_before(l, s, h->schema, h->name));
}

static void check_held(gk_lint *l, const gk_stmt *s)
{
	if (s->tx_id < 0 || index_rename(s->node) || !gk_lint_next_in_tx(l, s))
		return;
	gk_lock locks[GK_MAX_LOCKS];
	size_t k = gk_lint_stmt_locks(l, s, locks, GK_MAX_LOCKS);
	for (size_t i = 0; i < k; i++) {
		const gk_lock *lk = &locks[i];
		if (lk->mode < GK_LOCK_ACCESS_EXCLUSIVE || lock_on_new(l, lk) || dropped_for_good(l, s, lk))
			continue;
		held_rel h = rel_of_lock(l, lk);
		char why[1200], target[400], about[1200];
		const gk_stmt *n;
		if (already_held(l, s, lk, &h) || !(n = first_costly(l, s, &h, why, sizeof why)) ||
		    (lk->is_index && held_again_before(l, s, n, &h)))
			continue;
		int line, col, nline;
		gk_source_pos(l->src, s->start, &line, &col);
		gk_source_pos(l->src, n->start, &nline, &col);
		held_text(&h, target, sizeof target);
		/* Two earlier statements may hold locks on one table: each
		 * finding names the lock and the statement that took it. */
		snprintf(about, sizeof about, "%s\n%.*s", target, (int)(s->end - s->start), l->src->text + s->start);
		gk_lint_report_about(l, n, -1, about, NULL,
				     "%s on line %d %s, while the %s lock that %s on line %d took on %s is still held: "
				     "nobody can read or write %s until the transaction commits",
				     stmt_tag(n->node), nline, why, gk_lockmode_name(lk->mode), stmt_tag(s->node), line,
				     target, h.name ? h.name : "that table");
		return; /* one finding per statement */
	}
}

const gk_rule gk_rule_locks_held_across_statements = {
	.info = {
		.id = "locks-held-across-statements",
		.category = GK_CAT_LOCKING,
		.severity = GK_SEV_WARNING,
		.summary = "slow work or a lock wait on another table while an ACCESS EXCLUSIVE lock on an existing table is held",
		.why = "Locks are released only at commit. After a statement takes ACCESS EXCLUSIVE on a table, a later "
		       "statement of the same transaction that waits for a lock on another table (behind every "
		       "transaction using that one) or does slow work (an index build, a validation scan, a rewrite, a "
		       "backfill) keeps the table unreadable and unwritable all that time; work on the same table that "
		       "alone would need a weaker lock (CREATE INDEX, VALIDATE, UPDATE) now blocks reads too. Quick "
		       "statements that need ACCESS EXCLUSIVE on the same table anyway, renames of an index, tables "
		       "created in the same change and tables dropped for good are not reported: merging or "
		       "reordering them changes nothing. The tables a statement locks without naming them count as "
		       "the schema model knows them: the table a dropped foreign key (or a dropped table's or "
		       "column's) referenced, a dropped partition's table, the default partition a new bound is checked "
		       "against, the partitions of a truncated partitioned table, the tables whose foreign keys "
		       "DROP TABLE ... CASCADE or DROP COLUMN ... CASCADE drops or whose rows TRUNCATE ... CASCADE deletes (a dropped table's "
		       "own partitions go with it). The transaction may be the runner's (a per-file runner, or "
		       "a file sent as one query); a runner that sends each statement on its own (Prisma 7.4+) "
		       "commits after every statement, so there it happens only inside a BEGIN ... COMMIT written in "
		       "the file.",
		.help = "Make the statement that takes ACCESS EXCLUSIVE the last one of its transaction, or move the slow "
			"or other-table statement to a migration of its own, so the lock is released as soon as the "
			"quick change is done.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, "the per-file runner's transaction holds the lock during the backfill",
			 "ALTER TABLE users ADD COLUMN plan text;\nUPDATE users SET plan = 'free';"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_WHOLE, "Prisma runs a multi-statement file as one transaction",
			 "ALTER TABLE users RENAME COLUMN name TO full_name;\nCREATE INDEX orders_user_idx ON orders (user_id);"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "an explicit transaction: a lock wait on another table",
			 "BEGIN;\nALTER TABLE users ADD COLUMN plan text;\nSET lock_timeout = '2s';\n"
			 "ALTER TABLE orders ADD COLUMN note text;\nCOMMIT;"},
			{GK_EXAMPLE_BAD, 0, 0, "an index build that alone would take SHARE (reads go on) blocks reads",
			 "ALTER TABLE users ADD COLUMN plan text;\nCREATE INDEX users_plan_idx ON users (plan);"},
			{GK_EXAMPLE_BAD, 0, 0, "DROP INDEX locks the index's table; unknown here, so named by the index",
			 "DROP INDEX users_email_idx;\nCREATE INDEX users_email_lower_idx ON users (lower(email));", 1},
			{GK_EXAMPLE_BAD, 0, 0, "reported once per table and transaction, however often it is locked again",
			 "ALTER TABLE users ADD COLUMN a text;\nALTER TABLE users ADD COLUMN b text;\n"
			 "ALTER TABLE users ADD COLUMN c text;\nUPDATE accounts SET flag = true WHERE id = 1;", 1},
			{GK_EXAMPLE_OK, 0, 0, "every later statement needs ACCESS EXCLUSIVE on the same table anyway",
			 "ALTER TABLE users ADD COLUMN plan text;\nALTER TABLE users DROP COLUMN legacy_plan;\n"
			 "ALTER TABLE users RENAME COLUMN name TO full_name;"},
			{GK_EXAMPLE_OK, 0, 0, "quick statements under a weaker lock on the same table; an index rename",
			 "ALTER TABLE users ADD COLUMN updated_at timestamptz;\nALTER INDEX users_email_idx RENAME TO users_email_key;\n"
			 "CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "autocommit: each statement commits on its own",
			 "ALTER TABLE users ADD COLUMN plan text;\nUPDATE users SET plan = 'free';"},
			{GK_EXAMPLE_OK, 0, 0, "tables created in the same change are empty, even between the statements",
			 "ALTER TABLE users ADD COLUMN team_id bigint;\nCREATE TABLE teams (id bigint PRIMARY KEY, name text);\n"
			 "CREATE INDEX teams_name_idx ON teams (name);\nINSERT INTO teams SELECT 1, 'default';"},
			{GK_EXAMPLE_OK, 0, 0, "a table dropped for good: nobody should be using it",
			 "DROP TABLE legacy_tokens;\nDROP TABLE legacy_sessions;\nUPDATE users SET token = NULL;"},
			{GK_EXAMPLE_OK, 0, 0, "SHARE UPDATE EXCLUSIVE (VALIDATE) lets reads and writes go on",
			 "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;\nUPDATE users SET plan = 'free';"},
		},
	},
	.check = check_held,
};

/* ---- missing-statement-timeout (opt-in) ---- */

/*
 * lock_timeout bounds the wait for a lock; statement_timeout bounds how long
 * the statement then runs while holding it (a rewrite, a scan, a backfill).
 * Same model as missing-lock-timeout: one finding per file, on the first
 * statement that takes a lock blocking writes on an existing table with no
 * statement_timeout in effect.  Off by default: a role or connection often
 * sets it, and the right bound depends on the table sizes.
 */
static void check_statement_timeout(gk_lint *l, const gk_stmt *s)
{
	if (l->statement_timeout_set || gk_lint_count_current(l) > 0)
		return;
	char target[300], help[800], recipe[600], also[2400];
	enum gk_lockmode mode;
	if (!write_blocking_lock(l, s, &mode, target, sizeof target, also, sizeof also))
		return;
	snprintf(help, sizeof help, "%s Pick the longest time the table may stay locked ('5min' here); a statement "
		 "that runs longer is cancelled and the migration fails, to be retried off-peak or rewritten.",
		 gk_lint_timeout_recipe(l, "statement_timeout", "'5min'", recipe, sizeof recipe));
	gk_lint_report(l, s, -1, help,
		       "%s locks %s in %s mode (%s)%s with no statement_timeout set: however long it runs, the table "
		       "stays locked",
		       stmt_tag(s->node), target, gk_lockmode_name(mode), gk_lockmode_blocks(mode), also);
}

const gk_rule gk_rule_missing_statement_timeout = {
	.info = {
		.id = "missing-statement-timeout",
		.category = GK_CAT_LOCKING,
		.severity = GK_SEV_OFF,
		.summary = "opt-in: a lock that blocks writes is taken on an existing table without SET statement_timeout",
		.why = "Once granted, a lock is held until the statement (and its transaction) ends. A statement that "
		       "turns out slow on the production table, a rewrite, a scan for a constraint, a backfill, keeps "
		       "writes (or reads) blocked for as long as it runs; statement_timeout cancels it instead. As for "
		       "missing-lock-timeout, only a timeout set earlier in the same file counts (a SET LOCAL only "
		       "inside its own transaction). Off by default, because the deploying role or connection often "
		       "sets it and the bound depends on the tables: turn it on with `rules: {missing-statement-timeout: "
		       "warning}` in gatekeeper.yml or `--rule missing-statement-timeout=warning`. squawk "
		       "(require-timeout-settings) and strong_migrations (statement_timeout) have the same check.",
		.help = "Start the migration with `SET LOCAL statement_timeout = '5min';` (the longest time the table "
			"may stay locked), next to `SET LOCAL lock_timeout`. When the runner sends each statement on its "
			"own, wrap the file in `BEGIN; SET LOCAL statement_timeout = '5min'; ... COMMIT;`, or, for a file "
			"that must run outside a transaction, use `SET statement_timeout` at the top and `RESET "
			"statement_timeout` at the end.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, "reported once per file",
			 "SET LOCAL lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;\n"
			 "CREATE INDEX users_nickname_idx ON users (nickname);", 1},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "statements sent one by one: SET LOCAL outside BEGIN does nothing",
			 "SET LOCAL statement_timeout = '5min';\nALTER TABLE users ADD COLUMN nickname text;"},
			{GK_EXAMPLE_BAD, 0, 0, "statement_timeout = 0 means no limit",
			 "SET LOCAL statement_timeout = 0;\nALTER TABLE users ALTER COLUMN id TYPE bigint;"},
			{GK_EXAMPLE_OK, 0, 0, NULL,
			 "SET LOCAL lock_timeout = '2s';\nSET LOCAL statement_timeout = '5min';\n"
			 "ALTER TABLE users ADD COLUMN nickname text;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "a session SET covers the statements after it, RESET ends it",
			 "SET statement_timeout = '5min';\nCREATE INDEX users_email_idx ON users (email);\n"
			 "RESET statement_timeout;"},
			{GK_EXAMPLE_OK, 0, 0, "a table created in the same migration is empty",
			 "CREATE TABLE users (id bigint PRIMARY KEY);\nALTER TABLE users ADD COLUMN nickname text;"},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "CONCURRENTLY lets writes go on (and a timeout would leave an invalid index)",
			 "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);"},
		},
	},
	.check = check_statement_timeout,
};
