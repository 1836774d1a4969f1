/*
 * memo.c - per-file indexes for the rules that look at other statements of
 * the file (see lint_internal.h).
 *
 * Asking "did an earlier statement of this transaction lock the table?" or
 * "does a later one use this string?" by scanning the statements costs the
 * length of the transaction for every statement that asks, and a file of a
 * few hundred KB can hold tens of thousands of statements in one
 * transaction.  Both questions are answered here from hash tables built
 * once per file, on first use, so a file costs time linear in its size.
 */
#include "lint_internal.h"
#include "../util/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>



/* ---- ACCESS EXCLUSIVE locks taken earlier in the transaction ---- */

typedef struct held_key {
	const char *schema, *name;  /* borrowed from the parse trees; schema never NULL */
} held_key;

typedef struct held_set {
	held_key *slots;            /* name NULL = empty */
	size_t n_slots, n;
	size_t *used;               /* occupied slots, to empty the set in O(n) */
	size_t cap_used;
} held_set;

/* What the statements before `next` that share a transaction did. */
typedef struct tx_run {
	held_set ael;               /* tables they lock ACCESS EXCLUSIVE */
	held_set enums;             /* enum types they create (schema "") */
	int tx_id;                  /* their transaction */
	size_t next;                /* statements [0, next) have been taken in */
} tx_run;

struct gk_lint_memo {
	tx_run run;
	struct str_uses *uses;      /* string constants: NULL until first asked */
	size_t n_uses_slots;
	bool uses_built;
	struct fk_col *fks;         /* columns ALTER TABLE ... ADD FOREIGN KEY names: NULL until first asked */
	size_t n_fk_slots;
	bool fks_built;
};

static size_t held_hash(const char *schema, const char *name)
{
	return gk_hash_str(gk_hash_str(GK_HASH_SEED, schema) * 31u, name);
}

static size_t held_slot(const held_set *h, const char *schema, const char *name)
{
	size_t m = h->n_slots - 1, k = held_hash(schema, name) & m;
	while (h->slots[k].name && (strcmp(h->slots[k].name, name) != 0 || strcmp(h->slots[k].schema, schema) != 0))
		k = (k + 1) & m;
	return k;
}

static bool held_has(const held_set *h, const char *schema, const char *name)
{
	return h->n_slots && h->slots[held_slot(h, schema, name)].name;
}

static int held_add(held_set *h, const char *schema, const char *name)
{
	if ((h->n + 1) * 2 > h->n_slots) {
		size_t n = h->n_slots ? h->n_slots * 2 : 64;
		held_key *old = h->slots;
		size_t old_n = h->n_slots;
		if (!(h->slots = calloc(n, sizeof *h->slots))) {
			h->slots = old;
			return -1;
		}
		h->n_slots = n;
		h->n = 0;
		for (size_t i = 0; i < old_n; i++) {
			if (!old[i].name)
				continue;
			h->slots[held_slot(h, old[i].schema, old[i].name)] = old[i];
			h->n++;
		}
		free(old);
		/* The slots moved: list them anew. */
		size_t k = 0;
		if (gk_grow(&h->used, &h->cap_used, h->n + 1, sizeof *h->used) < 0)
			return -1;
		for (size_t i = 0; i < n; i++)
			if (h->slots[i].name)
				h->used[k++] = i;
	}
	size_t k = held_slot(h, schema, name);
	if (h->slots[k].name)
		return 0;
	if (gk_grow(&h->used, &h->cap_used, h->n + 1, sizeof *h->used) < 0)
		return -1;
	h->slots[k] = (held_key){schema, name};
	h->used[h->n++] = k;
	return 0;
}

static void held_clear(held_set *h)
{
	for (size_t i = 0; i < h->n; i++)
		h->slots[h->used[i]].name = NULL;
	h->n = 0;
}

static void run_reset(tx_run *r)
{
	held_clear(&r->ael);
	held_clear(&r->enums);
	r->tx_id = INT32_MIN;
	r->next = 0;
}

/* Take statement i in: the enum it creates, and the tables it locks ACCESS
 * EXCLUSIVE, judged as gk_stmt_lock_on() judges them (the first lock listed
 * for a table). */
static int run_take(gk_lint *l, tx_run *r, size_t i)
{
	const gk_stmt *s = &l->stmts[i];
	if (s->tx_id != r->tx_id) {
		held_clear(&r->ael);
		held_clear(&r->enums);
		r->tx_id = s->tx_id;
	}
	if (s->node->node_case == PG_QUERY__NODE__NODE_CREATE_ENUM_STMT &&
	    held_add(&r->enums, "", gk_names_last(s->node->create_enum_stmt->type_name,
						  s->node->create_enum_stmt->n_type_name)) < 0)
		return -1;
	held_set *h = &r->ael;
	gk_lock locks[GK_MAX_LOCKS];
	/* The model is already past s: the relations s locked without naming
	 * them that it no longer knows (a dropped foreign key's table) are
	 * missed, which only lets a later statement be judged again. */
	size_t n = gk_lint_stmt_locks(l, s, locks, GK_MAX_LOCKS);
	for (size_t k = 0; k < n; k++) {
		const char *schema = locks[k].schema && *locks[k].schema ? locks[k].schema : "public";
		bool first = true;
		for (size_t j = 0; j < k && first; j++) {
			const char *sj = locks[j].schema && *locks[j].schema ? locks[j].schema : "public";
			first = strcmp(locks[j].name, locks[k].name) != 0 || strcmp(sj, schema) != 0;
		}
		if (first && locks[k].mode >= GK_LOCK_ACCESS_EXCLUSIVE && held_add(h, schema, locks[k].name) < 0)
			return -1;
	}
	return 0;
}

static gk_lint_memo *memo_of(gk_lint *l)
{
	if (!l->memo && (l->memo = calloc(1, sizeof *l->memo)))
		l->memo->run.tx_id = INT32_MIN;
	return l->memo;
}

/* The run of statements before s that share its transaction, or NULL when
 * there is none (or no memory). */
static const tx_run *run_before(gk_lint *l, const gk_stmt *s)
{
	gk_lint_memo *m = memo_of(l);
	if (!m)
		return NULL;
	tx_run *r = &m->run;
	if (r->next > (size_t)s->index) /* asked out of order: start again */
		run_reset(r);
	for (; r->next < (size_t)s->index; r->next++)
		if (run_take(l, r, r->next) < 0) {
			run_reset(r); /* out of memory: a later question starts again */
			return NULL;
		}
	return s->index == 0 || r->tx_id != s->tx_id ? NULL : r;
}

bool gk_lint_ael_before(gk_lint *l, const gk_stmt *s, const char *schema, const char *name)
{
	const tx_run *r = name ? run_before(l, s) : NULL;
	return r && held_has(&r->ael, schema && *schema ? schema : "public", name);
}

bool gk_lint_enum_created_before(gk_lint *l, const gk_stmt *s, const char *type)
{
	const tx_run *r = type ? run_before(l, s) : NULL;
	return r && held_has(&r->enums, "", type);
}

/* ---- string constants of later statements ---- */

typedef struct str_use {
	int stmt;
	const PgQuery__AConst *c;   /* the first such constant of the statement, in tree order */
} str_use;

typedef struct str_uses {
	const char *value;          /* borrowed; NULL = empty slot */
	str_use *uses;              /* by statement, ascending */
	size_t n, cap;
} str_uses;

static void uses_free(gk_lint_memo *m)
{
	for (size_t i = 0; i < m->n_uses_slots; i++)
		free(m->uses[i].uses);
	free(m->uses);
	m->uses = NULL;
	m->n_uses_slots = 0;
}

static str_uses *uses_slot(str_uses *t, size_t n_slots, const char *value)
{
	size_t m = n_slots - 1, k = gk_hash_str(GK_HASH_SEED, value) & m;
	while (t[k].value && strcmp(t[k].value, value) != 0)
		k = (k + 1) & m;
	return &t[k];
}

typedef struct uses_build {
	gk_lint_memo *m;
	size_t n_values;
	int stmt;
	bool oom;
} uses_build;

static int uses_grow(uses_build *b)
{
	gk_lint_memo *m = b->m;
	size_t n = m->n_uses_slots ? m->n_uses_slots * 2 : 256;
	str_uses *t = calloc(n, sizeof *t);
	if (!t)
		return -1;
	for (size_t i = 0; i < m->n_uses_slots; i++)
		if (m->uses[i].value)
			*uses_slot(t, n, m->uses[i].value) = m->uses[i];
	free(m->uses);
	m->uses = t;
	m->n_uses_slots = n;
	return 0;
}

static void uses_add(uses_build *b, const PgQuery__AConst *c)
{
	gk_lint_memo *m = b->m;
	if ((b->n_values + 1) * 2 > m->n_uses_slots && uses_grow(b) < 0) {
		b->oom = true;
		return;
	}
	str_uses *e = uses_slot(m->uses, m->n_uses_slots, c->sval->sval);
	if (!e->value) {
		e->value = c->sval->sval;
		b->n_values++;
	}
	if (e->n && e->uses[e->n - 1].stmt == b->stmt)
		return; /* only the statement's first one counts */
	if (gk_grow(&e->uses, &e->cap, e->n + 1, sizeof *e->uses) < 0) {
		b->oom = true;
		return;
	}
	e->uses[e->n++] = (str_use){b->stmt, c};
}

static void each_string_const(uses_build *b, const ProtobufCMessage *msg);

static int string_const_child(const ProtobufCMessage *child, void *ctx)
{
	uses_build *b = ctx;
	each_string_const(b, child);
	return b->oom;
}

/* Every string constant of a tree, in the order protobuf-c's reflection
 * lists the fields, so that every node type is searched. */
static void each_string_const(uses_build *b, const ProtobufCMessage *msg)
{
	if (!msg || b->oom)
		return;
	if (msg->descriptor == &pg_query__a__const__descriptor) {
		const PgQuery__AConst *c = (const PgQuery__AConst *)msg;
		if (c->val_case == PG_QUERY__A__CONST__VAL_SVAL && c->sval && c->sval->sval)
			uses_add(b, c);
		return;
	}
	gk_pb_each_child(msg, string_const_child, b);
}

const gk_stmt *gk_lint_next_string_use(gk_lint *l, const gk_stmt *s, const char *value, const PgQuery__AConst **c)
{
	gk_lint_memo *m = memo_of(l);
	*c = NULL;
	if (!m || !value || s->tx_id < 0)
		return NULL;
	if (!m->uses_built) {
		uses_build b = {.m = m};
		for (size_t i = 0; i < l->n_stmts && !b.oom; i++) {
			b.stmt = (int)i;
			each_string_const(&b, &l->stmts[i].node->base);
		}
		if (b.oom) {
			uses_free(m);
			return NULL;
		}
		m->uses_built = true;
	}
	if (!m->n_uses_slots)
		return NULL;
	const str_uses *e = uses_slot(m->uses, m->n_uses_slots, value);
	/* The first use after s; statements of one transaction are consecutive. */
	size_t lo = 0, hi = e->value ? e->n : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (e->uses[mid].stmt <= s->index)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == (e->value ? e->n : 0) || l->stmts[e->uses[lo].stmt].tx_id != s->tx_id)
		return NULL;
	*c = e->uses[lo].c;
	return &l->stmts[e->uses[lo].stmt];
}

/* ---- columns declared in the file, and foreign keys ALTER TABLE adds on them ---- */

typedef struct fk_col {
	char *key;                  /* "schema.table.column", malloc'ed; NULL = empty slot */
	int decl;                   /* the first statement that declares the column, or -1 */
	int fk;                     /* the first ALTER TABLE that adds a foreign key on it, or -1 */
	const PgQuery__Constraint *k; /* that foreign key */
} fk_col;

static char *fk_key(const PgQuery__RangeVar *rv, const char *col)
{
	return gk_asprintf("%s.%s.%s", rv->schemaname && *rv->schemaname ? rv->schemaname : "public", rv->relname, col);
}

static fk_col *fk_slot(fk_col *t, size_t n_slots, const char *key)
{
	size_t m = n_slots - 1, k = gk_hash_str(GK_HASH_SEED, key) & m;
	while (t[k].key && strcmp(t[k].key, key) != 0)
		k = (k + 1) & m;
	return &t[k];
}

static void fks_free(gk_lint_memo *m)
{
	for (size_t i = 0; i < m->n_fk_slots; i++)
		free(m->fks[i].key);
	free(m->fks);
	m->fks = NULL;
	m->n_fk_slots = 0;
}

/* The entry of `key` (taking the string), added when missing; NULL when out of memory. */
static fk_col *fks_entry(gk_lint_memo *m, size_t *n, char *key)
{
	if (!key)
		return NULL;
	if ((*n + 1) * 2 > m->n_fk_slots) {
		size_t ns = m->n_fk_slots ? m->n_fk_slots * 2 : 64;
		fk_col *t = calloc(ns, sizeof *t);
		if (!t) {
			free(key);
			return NULL;
		}
		for (size_t i = 0; i < m->n_fk_slots; i++)
			if (m->fks[i].key)
				*fk_slot(t, ns, m->fks[i].key) = m->fks[i];
		free(m->fks);
		m->fks = t;
		m->n_fk_slots = ns;
	}
	fk_col *e = fk_slot(m->fks, m->n_fk_slots, key);
	if (e->key) {
		free(key);
		return e;
	}
	*e = (fk_col){key, -1, -1, NULL};
	(*n)++;
	return e;
}

static int fks_declare(gk_lint_memo *m, size_t *n, const PgQuery__RangeVar *rv, const char *col, int stmt)
{
	fk_col *e = col ? fks_entry(m, n, fk_key(rv, col)) : NULL;
	if (col && !e)
		return -1;
	if (e && e->decl < 0)
		e->decl = stmt;
	return 0;
}

/* The columns of statement i and the foreign keys it adds by ALTER TABLE. */
static int fks_take(gk_lint_memo *m, size_t *n, const PgQuery__Node *node, int i)
{
	if (node->node_case == PG_QUERY__NODE__NODE_CREATE_STMT && node->create_stmt->relation) {
		const PgQuery__CreateStmt *cs = node->create_stmt;
		for (size_t e = 0; e < cs->n_table_elts; e++)
			if (cs->table_elts[e]->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF &&
			    fks_declare(m, n, cs->relation, cs->table_elts[e]->column_def->colname, i) < 0)
				return -1;
		return 0;
	}
	if (node->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_STMT || !node->alter_table_stmt->relation)
		return 0;
	const PgQuery__AlterTableStmt *as = node->alter_table_stmt;
	for (size_t c = 0; c < as->n_cmds; c++) {
		const PgQuery__AlterTableCmd *cmd = gk_alter_cmd(as, c);
		if (!cmd || !cmd->def)
			continue;
		if (cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn &&
		    cmd->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF) {
			if (fks_declare(m, n, as->relation, cmd->def->column_def->colname, i) < 0)
				return -1;
			continue;
		}
		if (cmd->subtype != PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint ||
		    cmd->def->node_case != PG_QUERY__NODE__NODE_CONSTRAINT ||
		    cmd->def->constraint->contype != PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN)
			continue;
		const PgQuery__Constraint *k = cmd->def->constraint;
		for (size_t a = 0; a < k->n_fk_attrs; a++) {
			const char *col = gk_node_str(k->fk_attrs[a]);
			fk_col *e = col ? fks_entry(m, n, fk_key(as->relation, col)) : NULL;
			if (col && !e)
				return -1;
			if (e && e->fk < 0) {
				e->fk = i;
				e->k = k;
			}
		}
	}
	return 0;
}

/* The column's entry, building the table on first use; NULL when none. */
static const fk_col *fk_find(gk_lint *l, const PgQuery__RangeVar *rv, const char *col)
{
	gk_lint_memo *m = memo_of(l);
	if (!m || !rv || !rv->relname || !col)
		return NULL;
	if (!m->fks_built) {
		size_t n = 0;
		for (size_t i = 0; i < l->n_stmts; i++)
			if (fks_take(m, &n, l->stmts[i].node, (int)i) < 0) {
				fks_free(m);
				return NULL;
			}
		m->fks_built = true;
	}
	if (!m->n_fk_slots)
		return NULL;
	char *key = fk_key(rv, col);
	const fk_col *e = key ? fk_slot(m->fks, m->n_fk_slots, key) : NULL;
	free(key);
	return e && e->key ? e : NULL;
}

const PgQuery__Constraint *gk_lint_later_foreign_key(gk_lint *l, const gk_stmt *s, const PgQuery__RangeVar *rv,
						     const char *col)
{
	const fk_col *e = fk_find(l, rv, col);
	return e && e->fk > s->index ? e->k : NULL;
}

bool gk_lint_foreign_key_of_earlier_column(gk_lint *l, const gk_stmt *s, const PgQuery__RangeVar *rv, const char *col)
{
	const fk_col *e = fk_find(l, rv, col);
	return e && e->fk == s->index && e->decl >= 0 && e->decl < s->index;
}

void gk_lint_memo_free(gk_lint *l)
{
	gk_lint_memo *m = l->memo;
	if (!m)
		return;
	free(m->run.ael.slots);
	free(m->run.ael.used);
	free(m->run.enums.slots);
	free(m->run.enums.used);
	uses_free(m);
	fks_free(m);
	free(m);
	l->memo = NULL;
}
