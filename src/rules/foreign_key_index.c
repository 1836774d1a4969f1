/*
 * foreign-key-without-index
 *
 * PostgreSQL indexes the referenced side of a foreign key (it must be a
 * primary key or unique) but never the referencing columns.  Every DELETE
 * of a parent row, and every UPDATE of its key, then looks for children
 * with a sequential scan of the child table, while holding the parent row
 * lock; ON DELETE CASCADE does one such scan per deleted parent.  No lock is
 * taken by the missing index itself; the cost comes later, in production.
 * This holds for every PostgreSQL version.
 *
 * The rule runs after the last statement (finish), when the schema model
 * holds every index the file creates, so an index created after the foreign
 * key (Prisma writes CREATE INDEX before its ALTER TABLE ... ADD FOREIGN KEY,
 * hand-written migrations often after) counts, as do PRIMARY KEY and UNIQUE
 * constraints.  The model knows every index of a table whose CREATE it saw
 * (in this migration or an earlier migration of the run), so a foreign key
 * is judged only then, or when one of the key columns was added in this
 * change (no index made before the change can contain it).
 */
#include "lint/lint_internal.h"

#include <stdio.h>
#include <string.h>

#define MAX_FK_COLS 32 /* PostgreSQL's INDEX_MAX_KEYS */

typedef struct fk {
	const PgQuery__RangeVar *rel;   /* referencing table */
	const PgQuery__RangeVar *ref;   /* referenced table */
	const char *cols[MAX_FK_COLS];
	size_t n;
	int loc;
} fk;

/* Lower case, digits and _ that the scanner reads as an identifier, not a keyword (user, order). */
static bool plain_ident(const char *id)
{
	bool plain = *id && !(*id >= '0' && *id <= '9');
	for (const char *p = id; *p; p++)
		plain = plain && ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_');
	if (!plain)
		return false;
	PgQueryScanResult sr = pg_query_scan(id);
	PgQuery__ScanResult *scan = sr.error ? NULL : pg_query__scan_result__unpack(NULL, sr.pbuf.len, (void *)sr.pbuf.data);
	plain = scan && scan->n_tokens == 1 && scan->tokens[0]->token == PG_QUERY__TOKEN__IDENT;
	if (scan)
		pg_query__scan_result__free_unpacked(scan, NULL);
	pg_query_free_scan_result(sr);
	return plain;
}

/* An identifier as it must be written in SQL: quoted unless plain. */
static size_t put_ident(char *buf, size_t size, const char *id)
{
	if (plain_ident(id))
		return (size_t)snprintf(buf, size, "%s", id);
	if (size < 3) {
		if (size)
			buf[0] = '\0';
		return 0;
	}
	size_t n = 0;
	buf[n++] = '"';
	for (const char *p = id; *p && n + 3 < size; p++) {
		if (*p == '"')
			buf[n++] = '"';
		buf[n++] = *p;
	}
	buf[n++] = '"';
	buf[n] = '\0';
	return n;
}

/* `schema.table (col, ...)` in SQL syntax, for the recipe. */
static void index_target(const fk *f, char *buf, size_t size)
{
	size_t n = 0;
	if (f->rel->schemaname && *f->rel->schemaname) {
		n += put_ident(buf, size, f->rel->schemaname);
		n += n < size ? (size_t)snprintf(buf + n, size - n, ".") : 0;
	}
	n += n < size ? put_ident(buf + n, size - n, f->rel->relname) : 0;
	for (size_t i = 0; i < f->n && n < size; i++) {
		n += (size_t)snprintf(buf + n, size - n, "%s", i ? ", " : " (");
		n += n < size ? put_ident(buf + n, size - n, f->cols[i]) : 0;
	}
	if (n < size)
		snprintf(buf + n, size - n, ")");
}

static void join_cols(const fk *f, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < f->n && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? ", " : "", f->cols[i]);
}

/* Can the model tell whether an index covers the key?  When it saw the
 * table's CREATE (in this migration or an earlier one of the run), or when a
 * key column is new: no index made before the column existed contains it. */
static bool judgeable(const gk_lint *l, const gk_rel *r, const fk *f)
{
	if (r->defined)
		return true;
	for (size_t i = 0; i < f->n; i++)
		if (gk_lint_column_is_new(l, f->rel, f->cols[i]))
			return true;
	return false;
}

static void judge(gk_lint *l, const gk_stmt *s, const fk *f)
{
	/* Not in the model at the end: dropped or renamed later; nothing to say. */
	const gk_rel *r = f->rel ? gk_state_find(l->state, f->rel->schemaname, f->rel->relname) : NULL;
	if (!r || !f->n || !judgeable(l, r, f) || gk_rel_has_index_on(r, f->cols, f->n))
		return;
	char rel[256], ref[256], cols[512], target[1024], help[1600];
	gk_rv_name(f->rel, rel, sizeof rel);
	gk_rv_name(f->ref, ref, sizeof ref);
	join_cols(f, cols, sizeof cols);
	index_target(f, target, sizeof target);
	if (gk_state_is_new(l->state, r->change))
		snprintf(help, sizeof help, "Add `CREATE INDEX ON %s;` to this migration (the table is new, so a plain "
			 "CREATE INDEX is fine); in Prisma, add @@index([...]) for the relation's fields.", target);
	else
		snprintf(help, sizeof help, "Add `CREATE INDEX CONCURRENTLY ON %s;` in a migration of its own, outside "
			 "a transaction, before rows referencing %s accumulate.", target, ref);
	gk_lint_report(l, s, f->loc, help,
		       "foreign key %s (%s) -> %s has no index on %s (%s): each DELETE or key UPDATE on %s scans all of %s",
		       rel, cols, ref, rel, cols, ref, rel);
}

/* A foreign key constraint; `col` is the column for an inline REFERENCES. */
static void constraint_fk(gk_lint *l, const gk_stmt *s, const PgQuery__RangeVar *rel, const PgQuery__Node *n,
			  const char *col)
{
	if (!n || n->node_case != PG_QUERY__NODE__NODE_CONSTRAINT ||
	    n->constraint->contype != PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN)
		return;
	const PgQuery__Constraint *k = n->constraint;
	fk f = {.rel = rel, .ref = k->pktable, .loc = k->location};
	if (k->n_fk_attrs == 0 && col)
		f.cols[f.n++] = col;
	for (size_t i = 0; i < k->n_fk_attrs && f.n < MAX_FK_COLS; i++)
		if (gk_node_str(k->fk_attrs[i]))
			f.cols[f.n++] = gk_node_str(k->fk_attrs[i]);
	judge(l, s, &f);
}

static void column_fks(gk_lint *l, const gk_stmt *s, const PgQuery__RangeVar *rel, const PgQuery__ColumnDef *cd)
{
	for (size_t i = 0; i < cd->n_constraints; i++)
		constraint_fk(l, s, rel, cd->constraints[i], cd->colname);
}

static void alter_fks(gk_lint *l, const gk_stmt *s, const PgQuery__AlterTableStmt *as)
{
	for (size_t i = 0; i < as->n_cmds; i++) {
		if (as->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		const PgQuery__AlterTableCmd *c = as->cmds[i]->alter_table_cmd;
		if (c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint)
			constraint_fk(l, s, as->relation, c->def, NULL);
		else if (c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn && c->def &&
			 c->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF)
			column_fks(l, s, as->relation, c->def->column_def);
	}
}

static void create_fks(gk_lint *l, const gk_stmt *s, const PgQuery__CreateStmt *cs)
{
	for (size_t i = 0; i < cs->n_table_elts; i++) {
		const PgQuery__Node *e = cs->table_elts[i];
		if (e->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF)
			column_fks(l, s, cs->relation, e->column_def);
		else
			constraint_fk(l, s, cs->relation, e, NULL);
	}
}

static void finish(gk_lint *l)
{
	for (size_t i = 0; i < l->n_stmts; i++) {
		const gk_stmt *s = &l->stmts[i];
		if (s->node->node_case == PG_QUERY__NODE__NODE_CREATE_STMT)
			create_fks(l, s, s->node->create_stmt);
		else if (s->node->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_STMT)
			alter_fks(l, s, s->node->alter_table_stmt);
	}
}

const gk_rule gk_rule_foreign_key_without_index = {
	.info = {
		.id = "foreign-key-without-index",
		.category = GK_CAT_HYGIENE,
		.severity = GK_SEV_WARNING,
		.summary = "foreign key whose referencing columns have no index",
		.why = "PostgreSQL does not index the referencing side of a foreign key. Every DELETE of a referenced row "
		       "(and every UPDATE of its key) checks for children with a sequential scan of the referencing table, "
		       "and ON DELETE CASCADE does one scan per deleted row; joins along the key scan too. An index whose "
		       "leading columns are the key columns (a PRIMARY KEY or UNIQUE constraint counts) avoids that. "
		       "Only foreign keys on tables or columns created in the change are judged: for older ones the "
		       "existing indexes are not visible in the migration.",
		.help = "Create an index on the referencing columns, in the same change: "
			"CREATE INDEX ON child (parent_id); for an existing table, CREATE INDEX CONCURRENTLY in its own migration.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL,
			 "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id));"},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_WHOLE, "Prisma adds foreign keys at the end and indexes only @@index fields",
			 "CREATE TABLE \"Post\" (\"id\" BIGSERIAL NOT NULL, \"authorId\" BIGINT NOT NULL,\n"
			 "  CONSTRAINT \"Post_pkey\" PRIMARY KEY (\"id\"));\n"
			 "ALTER TABLE \"Post\" ADD CONSTRAINT \"Post_authorId_fkey\" FOREIGN KEY (\"authorId\") "
			 "REFERENCES \"User\"(\"id\") ON DELETE RESTRICT ON UPDATE CASCADE;"},
			{GK_EXAMPLE_BAD, 0, 0, "a column added to an existing table with a foreign key",
			 "ALTER TABLE orders ADD COLUMN coupon_id bigint REFERENCES coupons (id);"},
			{GK_EXAMPLE_BAD, 0, 0, "the key is not the leading column of the primary key",
			 "CREATE TABLE post_tags (post_id bigint REFERENCES posts, tag_id bigint REFERENCES tags,\n"
			 "  PRIMARY KEY (post_id, tag_id));"},
			{GK_EXAMPLE_OK, 0, 0, "an index created later in the same file counts",
			 "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id));\n"
			 "CREATE INDEX orders_customer_id_idx ON orders (customer_id);"},
			{GK_EXAMPLE_OK, 0, 0, "a leading primary-key column counts",
			 "CREATE TABLE post_tags (post_id bigint REFERENCES posts, tag_id bigint REFERENCES tags,\n"
			 "  PRIMARY KEY (post_id, tag_id));\nCREATE INDEX ON post_tags (tag_id);"},
			{GK_EXAMPLE_OK, 0, 0, "an existing column may already be indexed: not judged",
			 "ALTER TABLE orders ADD CONSTRAINT orders_customer_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;"},
			{GK_EXAMPLE_OK, 0, 0, "a multi-column key covered by a unique constraint in another order",
			 "CREATE TABLE lines (order_id bigint, shop_id bigint, n int, UNIQUE (shop_id, order_id, n),\n"
			 "  FOREIGN KEY (order_id, shop_id) REFERENCES orders (id, shop_id));"},
		},
	},
	.finish = finish,
};
