/* state.c - the static schema model (see state.h). */
#include "state.h"
#include "nodes.h"
#include "../sql/sql.h"
#include "../util/util.h"

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void gk_state_init(gk_state *st)
{
	memset(st, 0, sizeof *st);
	st->change = 1;
}

/* A new change: bumping the counter makes every stamp older, in O(1). */
void gk_state_forget_new(gk_state *st) { st->change++; }

static unsigned stamp(const gk_state *st) { return st->in_change ? st->change : 0; }

/* ---- hash indexes ----
 * A migration history of thousands of files makes a model of thousands of
 * tables; rules look tables and indexes up for almost every statement. */

static size_t hash2(const char *a, const char *b)
{
	return gk_hash_str(gk_hash_bytes(gk_hash_str(GK_HASH_SEED, a), ".", 1), b);
}

/*
 * Slot i is slots[2 * i] = rel index + 1 (0 = empty) and slots[2 * i + 1] =
 * the hash of its key, so that an entry can be removed (a dropped table or
 * index, a renamed table) by moving the entries after it back: a history
 * that creates and drops the same name thousands of times would otherwise
 * leave a probe sequence as long.
 */
static void slot_put(size_t *slots, size_t n_slots, size_t h, size_t rel)
{
	size_t i = h & (n_slots - 1);
	while (slots[2 * i])
		i = (i + 1) & (n_slots - 1);
	slots[2 * i] = rel + 1;
	slots[2 * i + 1] = h;
}

/* Remove one entry of `rel` under hash h; false when there is none. */
static bool slot_del(size_t *slots, size_t n_slots, size_t h, size_t rel)
{
	if (!n_slots)
		return false;
	size_t m = n_slots - 1, k = h & m;
	while (slots[2 * k] && !(slots[2 * k] == rel + 1 && slots[2 * k + 1] == h))
		k = (k + 1) & m;
	if (!slots[2 * k])
		return false;
	slots[2 * k] = 0;
	for (size_t j = (k + 1) & m; slots[2 * j]; j = (j + 1) & m) {
		size_t home = slots[2 * j + 1] & m;
		if (((j - home) & m) >= ((j - k) & m)) {
			slots[2 * k] = slots[2 * j];
			slots[2 * k + 1] = slots[2 * j + 1];
			slots[2 * j] = 0;
			k = j;
		}
	}
	return true;
}

/* Rebuild both indexes, at least `need` entries large. */
static int reindex(gk_state *st, size_t need)
{
	size_t n = 64;
	while (n < need * 2)
		n *= 2;
	size_t *rs = calloc(2 * n, sizeof *rs), *is = calloc(2 * n, sizeof *is);
	if (!rs || !is) {
		free(rs);
		free(is);
		return -1;
	}
	free(st->rel_slots);
	free(st->idx_slots);
	st->rel_slots = rs;
	st->idx_slots = is;
	st->n_slots = n;
	st->n_idx_names = st->n_rel_names = 0;
	for (size_t i = 0; i < st->n_rels; i++) {
		gk_rel *r = &st->rels[i];
		if (!r->name)
			continue; /* dropped */
		slot_put(rs, n, hash2(r->schema, r->name), i);
		st->n_rel_names++;
		for (size_t k = 0; k < r->n_idx; k++)
			if (r->idx[k].name) {
				slot_put(is, n, hash2(r->schema, r->idx[k].name), i);
				st->n_idx_names++;
			}
	}
	return 0;
}

static size_t names_needed(const gk_state *st)
{
	return st->n_rel_names > st->n_idx_names ? st->n_rel_names : st->n_idx_names;
}

/* Make room for one more entry; rebuilds when the tables get half full. */
static int reserve(gk_state *st)
{
	size_t need = names_needed(st) + 1;
	return need * 2 > st->n_slots ? reindex(st, need) : 0;
}

/* ---- name indexes of one table's columns, indexes and constraints ---- */

/* One of a table's arrays, seen through the `char *name` of its elements. */
typedef struct name_array {
	const void *base;
	size_t stride, off, n;
} name_array;

#define COLS(r) ((name_array){(r)->cols, sizeof *(r)->cols, offsetof(gk_column, name), (r)->n_cols})
#define IDXS(r) ((name_array){(r)->idx, sizeof *(r)->idx, offsetof(gk_index, name), (r)->n_idx})
#define CONS(r) ((name_array){(r)->cons, sizeof *(r)->cons, offsetof(gk_constraint, name), (r)->n_cons})

static const char *name_at(name_array a, size_t i)
{
	return *(char *const *)((const char *)a.base + i * a.stride + a.off);
}

static size_t hash1(const char *s)
{
	return gk_hash_str(GK_HASH_SEED, s);
}

static void names_put(gk_names *ix, name_array a, size_t i)
{
	const char *name = name_at(a, i);
	if (!name)
		return;
	size_t m = ix->n_slots - 1, k = hash1(name) & m;
	while (ix->slots[k])
		k = (k + 1) & m;
	ix->slots[k] = i + 1;
	ix->n++;
}

/* Room for one more name: rebuilt from the array's a.n elements when half full. */
static int names_reserve(gk_names *ix, name_array a)
{
	if ((ix->n + 1) * 2 <= ix->n_slots)
		return 0;
	size_t n = 16;
	while (n < (ix->n + 1) * 4)
		n *= 2;
	size_t *slots = calloc(n, sizeof *slots);
	if (!slots)
		return -1;
	free(ix->slots);
	ix->slots = slots;
	ix->n_slots = n;
	ix->n = 0;
	for (size_t i = 0; i < a.n; i++)
		names_put(ix, a, i);
	return 0;
}

/* The first element in array order named `name`, or SIZE_MAX. */
static size_t names_find(const gk_names *ix, name_array a, const char *name)
{
	size_t best = SIZE_MAX;
	if (!ix->n_slots || !name)
		return best;
	size_t m = ix->n_slots - 1;
	for (size_t k = hash1(name) & m; ix->slots[k]; k = (k + 1) & m) {
		size_t i = ix->slots[k] - 1;
		if (i < best && strcmp(name_at(a, i), name) == 0)
			best = i;
	}
	return best;
}

/* The slot holding element i, whose name is still readable, or SIZE_MAX. */
static size_t names_slot(const gk_names *ix, name_array a, size_t i)
{
	const char *name = name_at(a, i);
	if (!ix->n_slots || !name)
		return SIZE_MAX;
	size_t m = ix->n_slots - 1, k = hash1(name) & m;
	while (ix->slots[k] && ix->slots[k] != i + 1)
		k = (k + 1) & m;
	return ix->slots[k] ? k : SIZE_MAX;
}

/* Forget element i.  The entries after the hole move back into it when
 * their home slot allows, so that no probe sequence is cut short. */
static void names_del(gk_names *ix, name_array a, size_t i)
{
	size_t k = names_slot(ix, a, i);
	if (k == SIZE_MAX)
		return;
	size_t m = ix->n_slots - 1;
	ix->slots[k] = 0;
	ix->n--;
	for (size_t j = (k + 1) & m; ix->slots[j]; j = (j + 1) & m) {
		size_t home = hash1(name_at(a, ix->slots[j] - 1)) & m;
		if (((j - home) & m) >= ((j - k) & m)) {
			ix->slots[k] = ix->slots[j];
			ix->slots[j] = 0;
			k = j;
		}
	}
}

/* Element `from` moves to position `to` of the array. */
static void names_move(gk_names *ix, name_array a, size_t from, size_t to)
{
	size_t k = names_slot(ix, a, from);
	if (k != SIZE_MAX)
		ix->slots[k] = to + 1;
}

static void names_free(gk_names *ix)
{
	free(ix->slots);
	memset(ix, 0, sizeof *ix);
}

/* ---- the column sets that lead an index ----
 * foreign-key-without-index asks, for every foreign key, whether an index
 * leads with its columns: a table with thousands of both would otherwise
 * compare every pair. */

struct gk_key_prefix {
	char *key;        /* NULL = empty slot */
	size_t hash, count;
};

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The key of a column set: its names sorted, each with its length, or NULL
 * when a name is missing (an expression) or repeated. */
static char *set_key(const char *const *cols, size_t n)
{
	const char *sorted[GK_KEY_PREFIX_MAX];
	if (n == 0 || n > GK_KEY_PREFIX_MAX)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (!cols[i])
			return NULL;
		sorted[i] = cols[i];
	}
	qsort(sorted, n, sizeof *sorted, cmp_str);
	gk_buf b = GK_BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (i && strcmp(sorted[i - 1], sorted[i]) == 0) {
			gk_buf_free(&b);
			return NULL;
		}
		gk_buf_printf(&b, "%zu:%s", strlen(sorted[i]), sorted[i]);
	}
	return gk_buf_take(&b);
}

static struct gk_key_prefix *prefix_slot(const gk_rel *r, const char *key, size_t h)
{
	size_t m = r->n_prefix_slots - 1, k = h & m;
	while (r->prefixes[k].key && (r->prefixes[k].hash != h || strcmp(r->prefixes[k].key, key) != 0))
		k = (k + 1) & m;
	return &r->prefixes[k];
}

/* Count `key` (owned) once more, or once less; a key that falls to zero
 * stays, so that the table only grows with the distinct sets ever seen. */
static int prefix_count(gk_rel *r, char *key, bool add)
{
	if (!add && !r->n_prefix_slots) {
		free(key);
		return 0;
	}
	if (add && (r->n_prefixes + 1) * 2 > r->n_prefix_slots) {
		size_t n = r->n_prefix_slots ? r->n_prefix_slots * 2 : 16;
		struct gk_key_prefix *old = r->prefixes, *t = calloc(n, sizeof *t);
		size_t old_n = r->n_prefix_slots;
		if (!t) {
			free(key);
			return -1;
		}
		r->prefixes = t;
		r->n_prefix_slots = n;
		for (size_t i = 0; i < old_n; i++)
			if (old[i].key)
				*prefix_slot(r, old[i].key, old[i].hash) = old[i];
		free(old);
	}
	size_t h = hash1(key);
	struct gk_key_prefix *e = prefix_slot(r, key, h);
	if (!e->key) {
		if (!add) {
			free(key);
			return 0;
		}
		*e = (struct gk_key_prefix){key, h, 0};
		r->n_prefixes++;
	} else {
		free(key);
	}
	if (add)
		e->count++;
	else if (e->count)
		e->count--;
	return 0;
}

/* Count (or uncount) every leading column set of index ix. */
static int prefixes_of(gk_rel *r, const gk_index *ix, bool add)
{
	for (size_t k = 1; k <= ix->n_cols && k <= GK_KEY_PREFIX_MAX; k++) {
		char *key = set_key((const char *const *)ix->cols, k);
		if (key && prefix_count(r, key, add) < 0)
			return -1;
	}
	return 0;
}

static void constraint_free(gk_constraint *k)
{
	free(k->name);
	free(k->not_null_col);
	free(k->check_cols);
	free(k->check_not_null);
	free(k->ref_schema);
	free(k->ref_name);
	free(k->fk_cols);
	free(k->ref_cols);
}

static void rel_free(gk_rel *r)
{
	for (size_t i = 0; i < r->n_cols; i++) {
		free(r->cols[i].name);
		free(r->cols[i].type);
	}
	for (size_t i = 0; i < r->n_idx; i++) {
		for (size_t k = 0; k < r->idx[i].n_cols; k++)
			free(r->idx[i].cols[k]);
		free(r->idx[i].cols);
		free(r->idx[i].name);
	}
	for (size_t i = 0; i < r->n_cons; i++)
		constraint_free(&r->cons[i]);
	free(r->part_key);
	free(r->parent_schema);
	free(r->parent_name);
	free(r->cols);
	free(r->idx);
	free(r->cons);
	names_free(&r->col_names);
	names_free(&r->idx_names);
	names_free(&r->con_names);
	for (size_t i = 0; i < r->n_prefix_slots; i++)
		free(r->prefixes[i].key);
	free(r->prefixes);
	free(r->schema);
	free(r->name);
}

void gk_state_free(gk_state *st)
{
	for (size_t i = 0; i < st->n_rels; i++)
		rel_free(&st->rels[i]);
	free(st->rels);
	gk_state_free_types(st);
	free(st->rel_slots);
	free(st->idx_slots);
	free(st->trigger_fns);
	memset(st, 0, sizeof *st);
}

static const char *schema_or_public(const char *s) { return s && *s ? s : "public"; }

gk_rel *gk_state_find(const gk_state *st, const char *schema, const char *name)
{
	if (!st->n_slots || !name)
		return NULL;
	schema = schema_or_public(schema);
	for (size_t i = hash2(schema, name) & (st->n_slots - 1); st->rel_slots[2 * i]; i = (i + 1) & (st->n_slots - 1)) {
		gk_rel *r = &st->rels[st->rel_slots[2 * i] - 1];
		if (r->name && strcmp(r->name, name) == 0 && strcmp(r->schema, schema) == 0)
			return r;
	}
	return NULL;
}

const gk_index *gk_rel_index(const gk_rel *r, const char *name)
{
	size_t i = r ? names_find(&r->idx_names, IDXS(r), name) : SIZE_MAX;
	return i == SIZE_MAX ? NULL : &r->idx[i];
}

gk_rel *gk_state_find_index_table(const gk_state *st, const char *schema, const char *index)
{
	if (!st->n_slots || !index)
		return NULL;
	schema = schema_or_public(schema);
	for (size_t i = hash2(schema, index) & (st->n_slots - 1); st->idx_slots[2 * i]; i = (i + 1) & (st->n_slots - 1)) {
		gk_rel *r = &st->rels[st->idx_slots[2 * i] - 1];
		if (r->name && strcmp(r->schema, schema) == 0 && gk_rel_index(r, index))
			return r;
	}
	return NULL;
}

const gk_column *gk_rel_column(const gk_rel *r, const char *col)
{
	size_t i = r ? names_find(&r->col_names, COLS(r), col) : SIZE_MAX;
	return i == SIZE_MAX ? NULL : &r->cols[i];
}

const gk_constraint *gk_rel_constraint(const gk_rel *r, const char *name)
{
	size_t i = r ? names_find(&r->con_names, CONS(r), name) : SIZE_MAX;
	return i == SIZE_MAX ? NULL : &r->cons[i];
}

gk_rel *gk_state_partition_parent(const gk_state *st, const gk_rel *r)
{
	return r && r->parent_name ? gk_state_find(st, r->parent_schema, r->parent_name) : NULL;
}

/* A scan of the model: asked only by statements that change a partitioned
 * table's partitions, which are few. */
gk_rel *gk_state_default_partition(const gk_state *st, const gk_rel *parent)
{
	for (size_t i = 0; parent && parent->name && i < st->n_rels; i++) {
		gk_rel *r = &st->rels[i];
		if (r->name && r->default_partition && r->parent_name && strcmp(r->parent_name, parent->name) == 0 &&
		    strcmp(r->parent_schema, parent->schema) == 0)
			return r;
	}
	return NULL;
}

bool gk_rel_has_not_null_check(const gk_rel *r, const char *col)
{
	for (size_t i = 0; r && i < r->n_cons; i++)
		if (r->cons[i].validated && r->cons[i].not_null_col && strcmp(r->cons[i].not_null_col, col) == 0)
			return true;
	return false;
}

bool gk_rel_has_index_on(const gk_rel *r, const char *const *cols, size_t n)
{
	/* Distinct named columns: an index leads with them exactly when its
	 * first n columns are the same set (the scan below, in short). */
	char *key = r ? set_key(cols, n) : NULL;
	if (key) {
		const struct gk_key_prefix *e = r->n_prefix_slots ? prefix_slot(r, key, hash1(key)) : NULL;
		bool hit = e && e->key && e->count > 0;
		free(key);
		return hit;
	}
	for (size_t i = 0; r && i < r->n_idx; i++) {
		const gk_index *ix = &r->idx[i];
		if (ix->n_cols < n)
			continue;
		size_t hit = 0;
		for (size_t a = 0; a < n; a++)
			for (size_t b = 0; b < n; b++)
				if (ix->cols[b] && strcmp(ix->cols[b], cols[a]) == 0) {
					hit++;
					break;
				}
		if (hit == n)
			return true;
	}
	return false;
}

const char *gk_expr_is_not_null_col(const PgQuery__Node *expr)
{
	if (!expr || expr->node_case != PG_QUERY__NODE__NODE_NULL_TEST)
		return NULL;
	const PgQuery__NullTest *nt = expr->null_test;
	if (nt->nulltesttype != PG_QUERY__NULL_TEST_TYPE__IS_NOT_NULL || !nt->arg ||
	    nt->arg->node_case != PG_QUERY__NODE__NODE_COLUMN_REF)
		return NULL;
	const PgQuery__ColumnRef *cr = nt->arg->column_ref;
	return cr->n_fields ? gk_node_str(cr->fields[cr->n_fields - 1]) : NULL;
}

bool gk_name_list_has(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, '\x1f');
		if (!end)
			return false;
		if ((size_t)(end - p) == n && strncmp(p, name, n) == 0)
			return true;
		p = end + 1;
	}
	return false;
}

/* Append `name` to a name list unless it is there; 0 or -1 (OOM). */
static int name_list_add(char **list, const char *name)
{
	if (!name || gk_name_list_has(*list, name))
		return 0;
	size_t have = *list ? strlen(*list) : 0, n = strlen(name);
	char *p = realloc(*list, have + n + 2);
	if (!p)
		return -1;
	memcpy(p + have, name, n);
	p[have + n] = '\x1f';
	p[have + n + 1] = '\0';
	*list = p;
	return 0;
}

/* Remove `name` from a name list (nothing when it is not there). */
static void name_list_del(char *list, const char *name)
{
	size_t n = strlen(name);
	for (char *p = list; p && *p;) {
		char *end = strchr(p, '\x1f');
		if (!end)
			return;
		if ((size_t)(end - p) == n && strncmp(p, name, n) == 0) {
			memmove(p, end + 1, strlen(end + 1) + 1);
			return;
		}
		p = end + 1;
	}
}

/* "schema.name" of a function, into buf (schema NULL or "" = public). */
static const char *fn_key(const char *schema, const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s.%s", schema_or_public(schema), name ? name : "");
	return buf;
}

bool gk_state_is_trigger_fn(const gk_state *st, const char *schema, const char *name)
{
	char key[512];
	return name && gk_name_list_has(st->trigger_fns, fn_key(schema, name, key, sizeof key));
}

/* The schema and name of a function's qualified name list. */
static const char *fn_name(PgQuery__Node *const *items, size_t n, const char **schema)
{
	*schema = n > 1 ? gk_node_str(items[n - 2]) : NULL;
	return n ? gk_node_str(items[n - 1]) : NULL;
}

/* CREATE FUNCTION ... RETURNS trigger is remembered; the other functions
 * are not (CREATE OR REPLACE cannot change the return type). */
static int apply_create_function(gk_state *st, const PgQuery__CreateFunctionStmt *cf)
{
	const char *schema, *name = fn_name(cf->funcname, cf->n_funcname, &schema);
	const PgQuery__TypeName *rt = cf->return_type;
	const char *base = rt && rt->n_names ? gk_node_str(rt->names[rt->n_names - 1]) : NULL;
	if (!name || !base || strcmp(base, "trigger") != 0)
		return 0;
	char key[512];
	return name_list_add(&st->trigger_fns, fn_key(schema, name, key, sizeof key));
}

static void apply_drop_functions(gk_state *st, const PgQuery__DropStmt *ds)
{
	for (size_t i = 0; i < ds->n_objects; i++) {
		const PgQuery__Node *o = ds->objects[i];
		if (o->node_case != PG_QUERY__NODE__NODE_OBJECT_WITH_ARGS)
			continue;
		const char *schema, *name = fn_name(o->object_with_args->objname, o->object_with_args->n_objname, &schema);
		char key[512];
		if (name)
			name_list_del(st->trigger_fns, fn_key(schema, name, key, sizeof key));
	}
}

static int apply_rename_function(gk_state *st, const PgQuery__RenameStmt *rs)
{
	if (!rs->newname || !rs->object || rs->object->node_case != PG_QUERY__NODE__NODE_OBJECT_WITH_ARGS)
		return 0;
	const PgQuery__ObjectWithArgs *ow = rs->object->object_with_args;
	const char *schema, *name = fn_name(ow->objname, ow->n_objname, &schema);
	if (!gk_state_is_trigger_fn(st, schema, name))
		return 0;
	char key[512];
	name_list_del(st->trigger_fns, fn_key(schema, name, key, sizeof key));
	return name_list_add(&st->trigger_fns, fn_key(schema, rs->newname, key, sizeof key));
}

/*
 * The columns a CHECK expression names, into *cols, and those its top-level
 * AND proves NOT NULL, into *nn (when nn is not NULL).  Walks the node kinds
 * a partition-bound CHECK is written with (comparisons, AND/OR/NOT, IN and
 * BETWEEN lists, IS [NOT] NULL, casts); other nodes add nothing, so a column
 * named only inside, say, a function call is not counted.
 */
static int check_columns(const PgQuery__Node *e, char **cols, char **nn)
{
	if (!e)
		return 0;
	switch (e->node_case) {
	case PG_QUERY__NODE__NODE_COLUMN_REF: {
		const PgQuery__ColumnRef *cr = e->column_ref;
		return cr->n_fields ? name_list_add(cols, gk_node_str(cr->fields[cr->n_fields - 1])) : 0;
	}
	case PG_QUERY__NODE__NODE_A_EXPR:
		return check_columns(e->a_expr->lexpr, cols, NULL) < 0 ? -1 : check_columns(e->a_expr->rexpr, cols, NULL);
	case PG_QUERY__NODE__NODE_BOOL_EXPR: {
		bool and = e->bool_expr->boolop == PG_QUERY__BOOL_EXPR_TYPE__AND_EXPR;
		for (size_t i = 0; i < e->bool_expr->n_args; i++)
			if (check_columns(e->bool_expr->args[i], cols, and ? nn : NULL) < 0)
				return -1;
		return 0;
	}
	case PG_QUERY__NODE__NODE_NULL_TEST:
		if (nn && name_list_add(nn, gk_expr_is_not_null_col(e)) < 0)
			return -1;
		return check_columns(e->null_test->arg, cols, NULL);
	case PG_QUERY__NODE__NODE_TYPE_CAST:
		return check_columns(e->type_cast->arg, cols, NULL);
	case PG_QUERY__NODE__NODE_LIST:
		for (size_t i = 0; i < e->list->n_items; i++)
			if (check_columns(e->list->items[i], cols, NULL) < 0)
				return -1;
		return 0;
	default:
		return 0;
	}
}

/* ---- building ---- */

static gk_rel *add_rel(gk_state *st, const char *schema, const char *name, unsigned change)
{
	gk_rel *old = gk_state_find(st, schema, name);
	if (old)
		return old;
	if (reserve(st) < 0 || gk_grow(&st->rels, &st->cap_rels, st->n_rels + 1, sizeof *st->rels) < 0)
		return NULL;
	gk_rel *r = &st->rels[st->n_rels];
	memset(r, 0, sizeof *r);
	r->schema = strdup(schema_or_public(schema));
	r->name = strdup(name);
	if (!r->schema || !r->name) {
		rel_free(r);
		return NULL;
	}
	r->change = change;
	slot_put(st->rel_slots, st->n_slots, hash2(r->schema, r->name), st->n_rels);
	st->n_rel_names++;
	st->n_rels++;
	return r;
}

enum rel_lookup {
	FIND,         /* only an object the model knows */
	CREATE,       /* a CREATE statement: new when in the change */
	SEEN,         /* referenced: existed before, even if the model never saw it */
};

static gk_rel *rel_of(gk_state *st, const PgQuery__RangeVar *rv, enum rel_lookup how)
{
	if (!rv || !rv->relname)
		return NULL;
	gk_rel *r = gk_state_find(st, rv->schemaname, rv->relname);
	if (r || how == FIND)
		return r;
	return add_rel(st, rv->schemaname, rv->relname, how == CREATE ? stamp(st) : 0);
}

/* Add or update a column; a column it adds is new when the change adds it. */
static int set_column(gk_state *st, gk_rel *r, const char *name, const char *type, bool not_null)
{
	gk_column *c = (gk_column *)gk_rel_column(r, name);
	if (!c) {
		if (names_reserve(&r->col_names, COLS(r)) < 0 ||
		    gk_grow(&r->cols, &r->cap_cols, r->n_cols + 1, sizeof *r->cols) < 0)
			return -1;
		c = &r->cols[r->n_cols++];
		memset(c, 0, sizeof *c);
		c->change = stamp(st);
		if (!(c->name = strdup(name)))
			return -1;
		names_put(&r->col_names, COLS(r), r->n_cols - 1);
	}
	if (type) {
		free(c->type);
		if (!(c->type = strdup(type)))
			return -1;
	}
	c->not_null = c->not_null || not_null;
	return 0;
}

static int add_index(gk_state *st, gk_rel *r, const char *name, PgQuery__Node **keys, size_t n, bool from_elems)
{
	if ((name && reserve(st) < 0) || names_reserve(&r->idx_names, IDXS(r)) < 0 ||
	    gk_grow(&r->idx, &r->cap_idx, r->n_idx + 1, sizeof *r->idx) < 0)
		return -1;
	gk_index *ix = &r->idx[r->n_idx];
	memset(ix, 0, sizeof *ix);
	ix->change = stamp(st);
	ix->name = gk_strdup(name);
	ix->cols = calloc(n ? n : 1, sizeof *ix->cols);
	if (!ix->cols || (name && !ix->name)) {
		free(ix->cols);
		free(ix->name);
		return -1;
	}
	r->n_idx++;
	names_put(&r->idx_names, IDXS(r), r->n_idx - 1);
	if (name) {
		slot_put(st->idx_slots, st->n_slots, hash2(r->schema, name), (size_t)(r - st->rels));
		st->n_idx_names++;
	}
	for (size_t i = 0; i < n; i++) {
		const char *col = NULL;
		if (from_elems && keys[i]->node_case == PG_QUERY__NODE__NODE_INDEX_ELEM)
			col = keys[i]->index_elem->name;
		else if (!from_elems)
			col = gk_node_str(keys[i]);
		ix->cols[i] = col && *col ? strdup(col) : NULL;
		ix->n_cols++;
	}
	return prefixes_of(r, ix, true);
}

/*
 * The name PostgreSQL gives a foreign key written without one
 * (ChooseConstraintName(), makeObjectName()): table, columns and "fkey"
 * joined by '_', the longer of the table name and the column part cut
 * until it fits NAMEDATALEN - 1 bytes.  A clash with an existing name
 * (PostgreSQL then appends a digit) is not modelled.
 */
static char *default_fk_name(const char *table, const PgQuery__Constraint *c, const char *col)
{
	char cols[128] = "";
	size_t n = 0;
	if (col)
		n = (size_t)snprintf(cols, sizeof cols, "%s", col);
	for (size_t i = 0; !col && i < c->n_fk_attrs && n < 64; i++) {
		const char *a = gk_node_str(c->fk_attrs[i]);
		n += (size_t)snprintf(cols + n, sizeof cols - n, "%s%s", i ? "_" : "", a ? a : "");
	}
	if (n >= sizeof cols)
		n = sizeof cols - 1;
	size_t t = strlen(table), avail = 63 - (strlen("fkey") + 1) - 1;
	while (t + n > avail) {
		if (t > n)
			t--;
		else
			n--;
	}
	return gk_asprintf("%.*s_%.*s_fkey", (int)t, table, (int)n, cols);
}

static int add_constraint(gk_state *st, gk_rel *r, const PgQuery__Constraint *c, const char *col, int tx_id)
{
	char *fk_name = NULL;
	switch (c->contype) {
	case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY:
	case PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE:
		if (c->n_keys)
		{
			/* Every primary key column is NOT NULL from now on. */
			for (size_t i = 0; c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY && i < c->n_keys; i++)
				if (gk_node_str(c->keys[i]) && set_column(st, r, gk_node_str(c->keys[i]), NULL, true) < 0)
					return -1;
			return add_index(st, r, c->conname, c->keys, c->n_keys, false);
		}
		if (col) {
			PgQuery__String s = PG_QUERY__STRING__INIT;
			s.sval = (char *)col;
			PgQuery__Node n = PG_QUERY__NODE__INIT, *np = &n;
			n.node_case = PG_QUERY__NODE__NODE_STRING;
			n.string = &s;
			return add_index(st, r, c->conname, &np, 1, false);
		}
		return 0;
	case PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL:
		return col ? set_column(st, r, col, NULL, true) : 0;
	case PG_QUERY__CONSTR_TYPE__CONSTR_CHECK:
		break;
	case PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN:
		/* Named as PostgreSQL names it, so that a later DROP
		 * CONSTRAINT finds the table it references. */
		if ((!c->conname || !*c->conname) && !(fk_name = default_fk_name(r->name, c, col)))
			return -1;
		break;
	default:
		if (!c->conname)
			return 0;
		break;
	}
	if (names_reserve(&r->con_names, CONS(r)) < 0 || gk_grow(&r->cons, &r->cap_cons, r->n_cons + 1, sizeof *r->cons) < 0) {
		free(fk_name);
		return -1;
	}
	gk_constraint *k = &r->cons[r->n_cons++];
	memset(k, 0, sizeof *k);
	k->name = fk_name ? fk_name : gk_strdup(c->conname);
	names_put(&r->con_names, CONS(r), r->n_cons - 1);
	k->validated = !c->skip_validation;
	k->tx_id = tx_id;
	const char *nn = c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_CHECK ? gk_expr_is_not_null_col(c->raw_expr) : NULL;
	k->not_null_col = gk_strdup(nn);
	if (c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN && c->pktable && c->pktable->relname) {
		/* A reference to the table itself names it unqualified. */
		k->ref_schema = strdup(schema_or_public(c->pktable->schemaname));
		k->ref_name = strdup(c->pktable->relname);
		if (!k->ref_schema || !k->ref_name || (!c->n_fk_attrs && col && name_list_add(&k->fk_cols, col) < 0))
			return -1;
		for (size_t i = 0; i < c->n_fk_attrs; i++)
			if (name_list_add(&k->fk_cols, gk_node_str(c->fk_attrs[i])) < 0)
				return -1;
		for (size_t i = 0; i < c->n_pk_attrs; i++)
			if (name_list_add(&k->ref_cols, gk_node_str(c->pk_attrs[i])) < 0)
				return -1;
	}
	if (c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_CHECK)
		return check_columns(c->raw_expr, &k->check_cols, &k->check_not_null);
	return 0;
}

static int apply_column_def(gk_state *st, gk_rel *r, const PgQuery__ColumnDef *cd, int tx_id)
{
	char type[128];
	bool nn = cd->is_not_null;
	for (size_t i = 0; i < cd->n_constraints; i++)
		if (cd->constraints[i]->node_case == PG_QUERY__NODE__NODE_CONSTRAINT &&
		    (cd->constraints[i]->constraint->contype == PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL ||
		     cd->constraints[i]->constraint->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY))
			nn = true;
	if (set_column(st, r, cd->colname, cd->type_name ? gk_type_text(cd->type_name, type, sizeof type) : NULL, nn) < 0)
		return -1;
	for (size_t i = 0; i < cd->n_constraints; i++)
		if (cd->constraints[i]->node_case == PG_QUERY__NODE__NODE_CONSTRAINT &&
		    add_constraint(st, r, cd->constraints[i]->constraint, cd->colname, tx_id) < 0)
			return -1;
	return 0;
}

static void remove_rel(gk_state *st, gk_rel *r);

/* Make `child` a partition of `parent` (NULL: no longer one). */
static int set_parent(gk_rel *child, const gk_rel *parent, bool is_default)
{
	free(child->parent_schema);
	free(child->parent_name);
	child->parent_schema = child->parent_name = NULL;
	child->default_partition = false;
	if (!parent)
		return 0;
	child->parent_schema = strdup(parent->schema);
	child->parent_name = strdup(parent->name);
	child->default_partition = is_default;
	return child->parent_schema && child->parent_name ? 0 : -1;
}

/*
 * A table a CREATE makes: CREATE TABLE (or ... AS, SELECT ... INTO)
 * succeeds only when no table has the name, so one the model still knows
 * was dropped where it could not see (a file it was not given) and the
 * table is a new one.  With IF NOT EXISTS the known table stays.
 */
static gk_rel *created_table(gk_state *st, const PgQuery__RangeVar *rv, bool if_not_exists)
{
	gk_rel *old = !if_not_exists && rv && rv->relname ? gk_state_find(st, rv->schemaname, rv->relname) : NULL;
	if (old)
		remove_rel(st, old);
	return rel_of(st, rv, CREATE);
}

static int apply_create(gk_state *st, const PgQuery__CreateStmt *cs, int tx_id)
{
	gk_rel *r = created_table(st, cs->relation, cs->if_not_exists);
	if (!r)
		return cs->relation ? -1 : 0;
	r->defined = true;
	r->partitioned = cs->partspec != NULL;
	if (cs->partbound && cs->n_inh_relations && cs->inh_relations[0]->node_case == PG_QUERY__NODE__NODE_RANGE_VAR) {
		gk_rel *parent = rel_of(st, cs->inh_relations[0]->range_var, SEEN);
		/* rel_of may have moved the array. */
		r = gk_state_find(st, cs->relation->schemaname, cs->relation->relname);
		if (!parent || !r || set_parent(r, parent, cs->partbound->is_default) < 0)
			return -1;
	}
	if (cs->partspec) {
		const PgQuery__PartitionSpec *ps = cs->partspec;
		free(r->part_key);
		r->part_key = NULL;
		for (size_t i = 0; i < ps->n_part_params; i++) {
			const PgQuery__Node *p = ps->part_params[i];
			const char *col = p->node_case == PG_QUERY__NODE__NODE_PARTITION_ELEM ? p->partition_elem->name : NULL;
			if (!col || !*col) { /* an expression: no column list */
				free(r->part_key);
				r->part_key = NULL;
				break;
			}
			if (name_list_add(&r->part_key, col) < 0)
				return -1;
		}
	}
	for (size_t i = 0; i < cs->n_table_elts; i++) {
		const PgQuery__Node *e = cs->table_elts[i];
		int rc = 0;
		if (e->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF)
			rc = apply_column_def(st, r, e->column_def, tx_id);
		else if (e->node_case == PG_QUERY__NODE__NODE_CONSTRAINT)
			rc = add_constraint(st, r, e->constraint, NULL, tx_id);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* The arrays remove an element by moving the last one into its place. */
static void drop_column(gk_rel *r, const char *name)
{
	size_t i = names_find(&r->col_names, COLS(r), name), last = r->n_cols - 1;
	if (i == SIZE_MAX)
		return;
	names_del(&r->col_names, COLS(r), i);
	if (i != last)
		names_move(&r->col_names, COLS(r), last, i);
	free(r->cols[i].name);
	free(r->cols[i].type);
	r->cols[i] = r->cols[--r->n_cols];
}

static void drop_constraint(gk_state *st, gk_rel *r, const char *name);

/* The foreign keys that go with column `col` of `r`: its own on the column,
 * and those of other tables that reference it (the drop succeeded, so with
 * CASCADE). */
static void drop_column_fks(gk_state *st, gk_rel *r, const char *col)
{
	for (size_t i = 0; i < st->n_rels; i++) {
		gk_rel *o = &st->rels[i];
		for (size_t k = o->n_cons; o->name && k-- > 0;) {
			const gk_constraint *c = &o->cons[k];
			bool own = o == r && gk_name_list_has(c->fk_cols, col);
			bool to = c->ref_name && strcmp(c->ref_name, r->name) == 0 &&
				  strcmp(c->ref_schema, r->schema) == 0 && gk_name_list_has(c->ref_cols, col);
			if ((own || to) && c->name)
				drop_constraint(st, o, c->name);
		}
	}
}

static void drop_index_at(gk_state *st, gk_rel *r, size_t i)
{
	size_t last = r->n_idx - 1;
	if (r->idx[i].name && slot_del(st->idx_slots, st->n_slots, hash2(r->schema, r->idx[i].name), (size_t)(r - st->rels)))
		st->n_idx_names--;
	prefixes_of(r, &r->idx[i], false);
	names_del(&r->idx_names, IDXS(r), i);
	if (i != last)
		names_move(&r->idx_names, IDXS(r), last, i);
	for (size_t k = 0; k < r->idx[i].n_cols; k++)
		free(r->idx[i].cols[k]);
	free(r->idx[i].cols);
	free(r->idx[i].name);
	r->idx[i] = r->idx[--r->n_idx];
}

/* A dropped constraint is gone, and so is the index behind a key.  `name`
 * may be the constraint's own: the index goes first. */
static void drop_constraint(gk_state *st, gk_rel *r, const char *name)
{
	size_t i = names_find(&r->idx_names, IDXS(r), name);
	if (i != SIZE_MAX)
		drop_index_at(st, r, i);
	i = names_find(&r->con_names, CONS(r), name);
	size_t last = r->n_cons - 1;
	if (i != SIZE_MAX) {
		names_del(&r->con_names, CONS(r), i);
		if (i != last)
			names_move(&r->con_names, CONS(r), last, i);
		constraint_free(&r->cons[i]);
		r->cons[i] = r->cons[--r->n_cons];
	}
}

/* VALIDATE CONSTRAINT: every constraint of that name. */
static void validate_constraint(gk_rel *r, const char *name)
{
	if (!r->con_names.n_slots || !name)
		return;
	size_t m = r->con_names.n_slots - 1;
	for (size_t k = hash1(name) & m; r->con_names.slots[k]; k = (k + 1) & m) {
		gk_constraint *c = &r->cons[r->con_names.slots[k] - 1];
		if (strcmp(c->name, name) == 0)
			c->validated = true;
	}
}

/* ATTACH PARTITION makes a table a partition of *parent, DETACH ends it;
 * *parent is found again when the model grew. */
static int attach(gk_state *st, gk_rel **parent, const PgQuery__PartitionCmd *pc, bool attaching)
{
	size_t at = (size_t)(*parent - st->rels);
	gk_rel *child = rel_of(st, pc->name, attaching ? SEEN : FIND);
	*parent = &st->rels[at];
	if (!child)
		return attaching && pc->name ? -1 : 0;
	return set_parent(child, attaching ? *parent : NULL, attaching && pc->bound && pc->bound->is_default);
}

static int apply_alter(gk_state *st, const PgQuery__AlterTableStmt *as, int tx_id)
{
	gk_rel *r = rel_of(st, as->relation, SEEN);
	if (!r)
		return as->relation ? -1 : 0;
	for (size_t i = 0; i < as->n_cmds; i++) {
		if (as->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		const PgQuery__AlterTableCmd *c = as->cmds[i]->alter_table_cmd;
		const PgQuery__Node *def = c->def;
		char type[128];
		int rc = 0;
		switch (c->subtype) {
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn:
			if (def && def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF)
				rc = apply_column_def(st, r, def->column_def, tx_id);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint:
			if (def && def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT)
				rc = add_constraint(st, r, def->constraint, NULL, tx_id);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_ValidateConstraint:
			validate_constraint(r, c->name);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType:
			if (c->name && def && def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF && def->column_def->type_name)
				rc = set_column(st, r, c->name, gk_type_text(def->column_def->type_name, type, sizeof type), false);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_SetNotNull:
			if (c->name)
				rc = set_column(st, r, c->name, NULL, true);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DropNotNull:
			/* A later SET NOT NULL has to check every row again. */
			if (c->name && gk_rel_column(r, c->name))
				((gk_column *)gk_rel_column(r, c->name))->not_null = false;
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumn:
			if (c->name) {
				drop_column(r, c->name);
				drop_column_fks(st, r, c->name);
			}
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DropConstraint:
			if (c->name)
				drop_constraint(st, r, c->name);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AttachPartition:
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DetachPartition:
			if (as->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE && def &&
			    def->node_case == PG_QUERY__NODE__NODE_PARTITION_CMD)
				rc = attach(st, &r, def->partition_cmd, c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AttachPartition);
			break;
		default:
			break;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* A dropped table stays in place as a tombstone without a name (the hash
 * indexes hold positions in st->rels); its entries leave the indexes. */
static void remove_rel(gk_state *st, gk_rel *r)
{
	size_t at = (size_t)(r - st->rels);
	if (slot_del(st->rel_slots, st->n_slots, hash2(r->schema, r->name), at))
		st->n_rel_names--;
	for (size_t k = 0; k < r->n_idx; k++)
		if (r->idx[k].name && slot_del(st->idx_slots, st->n_slots, hash2(r->schema, r->idx[k].name), at))
			st->n_idx_names--;
	rel_free(r);
	unsigned change = r->change;
	memset(r, 0, sizeof *r);
	r->change = change;
}

static bool names_rel(const char *schema, const char *name, const gk_rel *r)
{
	return name && r->name && strcmp(name, r->name) == 0 && strcmp(schema, r->schema) == 0;
}

/* DROP TABLE: its partitions go with it, and so do the foreign keys of
 * other tables that reference it (the drop succeeded, so with CASCADE). */
static void drop_table(gk_state *st, gk_rel *r)
{
	set_parent(r, NULL, false); /* untrusted input may make a cycle of partitions */
	for (size_t i = 0; i < st->n_rels; i++)
		if (&st->rels[i] != r && names_rel(st->rels[i].parent_schema, st->rels[i].parent_name, r))
			drop_table(st, &st->rels[i]);
	for (size_t i = 0; i < st->n_rels; i++) {
		gk_rel *o = &st->rels[i];
		for (size_t k = o->n_cons; o != r && k-- > 0;)
			if (names_rel(o->cons[k].ref_schema, o->cons[k].ref_name, r) && o->cons[k].name)
				drop_constraint(st, o, o->cons[k].name);
	}
	remove_rel(st, r);
}

static void drop_index(gk_state *st, const char *schema, const char *name)
{
	gk_rel *r = gk_state_find_index_table(st, schema, name);
	size_t i = r ? names_find(&r->idx_names, IDXS(r), name) : SIZE_MAX;
	if (i != SIZE_MAX)
		drop_index_at(st, r, i);
}

static void apply_drop(gk_state *st, const PgQuery__DropStmt *ds)
{
	if (ds->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_INDEX) {
		for (size_t i = 0; i < ds->n_objects; i++) {
			const PgQuery__Node *o = ds->objects[i];
			if (o->node_case != PG_QUERY__NODE__NODE_LIST || !o->list->n_items)
				continue;
			const PgQuery__List *l = o->list;
			const char *name = gk_node_str(l->items[l->n_items - 1]);
			if (name)
				drop_index(st, l->n_items > 1 ? gk_node_str(l->items[l->n_items - 2]) : NULL, name);
		}
		return;
	}
	if (ds->remove_type != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE &&
	    ds->remove_type != PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW &&
	    ds->remove_type != PG_QUERY__OBJECT_TYPE__OBJECT_VIEW)
		return;
	for (size_t i = 0; i < ds->n_objects; i++) {
		const PgQuery__Node *o = ds->objects[i];
		if (o->node_case != PG_QUERY__NODE__NODE_LIST || !o->list->n_items)
			continue;
		const PgQuery__List *l = o->list;
		const char *name = gk_node_str(l->items[l->n_items - 1]);
		const char *schema = l->n_items > 1 ? gk_node_str(l->items[l->n_items - 2]) : NULL;
		gk_rel *r = name ? gk_state_find(st, schema, name) : NULL;
		if (r)
			drop_table(st, r);
	}
}

/* The foreign keys and partitions that name table `r` by its old name follow a rename. */
static int renamed_refs(gk_state *st, const gk_rel *r, const char *old)
{
	for (size_t i = 0; i < st->n_rels; i++) {
		gk_rel *o = &st->rels[i];
		if (o->parent_name && strcmp(o->parent_name, old) == 0 && strcmp(o->parent_schema, r->schema) == 0) {
			free(o->parent_name);
			if (!(o->parent_name = strdup(r->name)))
				return -1;
		}
		for (size_t k = 0; k < o->n_cons; k++) {
			gk_constraint *c = &o->cons[k];
			if (c->ref_name && strcmp(c->ref_name, old) == 0 && strcmp(c->ref_schema, r->schema) == 0) {
				free(c->ref_name);
				if (!(c->ref_name = strdup(r->name)))
					return -1;
			}
		}
	}
	return 0;
}

/* ALTER TABLE ... RENAME CONSTRAINT: every constraint of that name. */
/* The foreign keys that name column `from` of `r` (their own, or the one
 * they reference) follow its rename. */
static int renamed_fk_column(gk_state *st, const gk_rel *r, const char *from, const char *to)
{
	for (size_t i = 0; i < st->n_rels; i++) {
		gk_rel *o = &st->rels[i];
		for (size_t k = 0; o->name && k < o->n_cons; k++) {
			gk_constraint *c = &o->cons[k];
			bool to_r = c->ref_name && strcmp(c->ref_name, r->name) == 0 && strcmp(c->ref_schema, r->schema) == 0;
			char **lists[] = {o == r ? &c->fk_cols : NULL, to_r ? &c->ref_cols : NULL};
			for (size_t j = 0; j < 2; j++)
				if (lists[j] && gk_name_list_has(*lists[j], from)) {
					name_list_del(*lists[j], from);
					if (name_list_add(lists[j], to) < 0)
						return -1;
				}
		}
	}
	return 0;
}

static int rename_constraint(gk_rel *r, const char *from, const char *to)
{
	size_t i;
	while ((i = names_find(&r->con_names, CONS(r), from)) != SIZE_MAX) {
		char *n = strdup(to);
		if (!n)
			return -1;
		names_del(&r->con_names, CONS(r), i);
		free(r->cons[i].name);
		r->cons[i].name = n;
		names_put(&r->con_names, CONS(r), i);
	}
	return 0;
}

static int apply_rename(gk_state *st, const PgQuery__RenameStmt *rs)
{
	gk_rel *r = rel_of(st, rs->relation, FIND);
	if (!r || !rs->newname)
		return 0;
	if (rs->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE) {
		if (reserve(st) < 0)
			return -1;
		char *n = strdup(rs->newname);
		if (!n)
			return -1;
		if (slot_del(st->rel_slots, st->n_slots, hash2(r->schema, r->name), (size_t)(r - st->rels)))
			st->n_rel_names--;
		char *old = r->name;
		r->name = n;
		slot_put(st->rel_slots, st->n_slots, hash2(r->schema, r->name), (size_t)(r - st->rels));
		st->n_rel_names++;
		int rc = renamed_refs(st, r, old);
		free(old);
		return rc;
	} else if (rs->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABCONSTRAINT && rs->subname) {
		if (strcmp(rs->subname, rs->newname) != 0)
			return rename_constraint(r, rs->subname, rs->newname);
	} else if (rs->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN && rs->subname) {
		gk_column *c = (gk_column *)gk_rel_column(r, rs->subname);
		if (c) {
			char *n = strdup(rs->newname);
			if (!n)
				return -1;
			size_t i = (size_t)(c - r->cols);
			names_del(&r->col_names, COLS(r), i);
			free(c->name);
			c->name = n;
			names_put(&r->col_names, COLS(r), i);
		}
		return renamed_fk_column(st, r, rs->subname, rs->newname);
	}
	return 0;
}

static int apply(gk_state *st, const PgQuery__Node *n, int tx_id);

int gk_state_apply(gk_state *st, const PgQuery__Node *n, int tx_id)
{
	return apply(st, n, tx_id) < 0 ? -1 : gk_state_apply_types(st, n);
}

static int apply(gk_state *st, const PgQuery__Node *n, int tx_id)
{
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_CREATE_STMT:
		return apply_create(st, n->create_stmt, tx_id);
	case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT:
		if (n->create_table_as_stmt->into &&
		    !created_table(st, n->create_table_as_stmt->into->rel, n->create_table_as_stmt->if_not_exists))
			return -1;
		return 0;
	case PG_QUERY__NODE__NODE_SELECT_STMT:
		/* SELECT ... INTO creates a table, as CREATE TABLE ... AS does. */
		if (n->select_stmt->into_clause && n->select_stmt->into_clause->rel &&
		    !created_table(st, n->select_stmt->into_clause->rel, false))
			return -1;
		return 0;
	case PG_QUERY__NODE__NODE_VIEW_STMT:
		return rel_of(st, n->view_stmt->view, CREATE) || !n->view_stmt->view ? 0 : -1;
	case PG_QUERY__NODE__NODE_INDEX_STMT: {
		const PgQuery__IndexStmt *is = n->index_stmt;
		gk_rel *r = rel_of(st, is->relation, SEEN);
		if (!r)
			return is->relation ? -1 : 0;
		return add_index(st, r, is->idxname, is->index_params, is->n_index_params, true);
	}
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		return apply_alter(st, n->alter_table_stmt, tx_id);
	case PG_QUERY__NODE__NODE_DROP_STMT:
		if (n->drop_stmt->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_FUNCTION)
			apply_drop_functions(st, n->drop_stmt);
		apply_drop(st, n->drop_stmt);
		return 0;
	case PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT:
		return apply_create_function(st, n->create_function_stmt);
	case PG_QUERY__NODE__NODE_RENAME_STMT:
		if (n->rename_stmt->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_FUNCTION)
			return apply_rename_function(st, n->rename_stmt);
		return apply_rename(st, n->rename_stmt);
	default:
		return 0;
	}
}

/*
 * A statement the parser refused, recognised from its tokens: the table,
 * view or index it creates, or PostgreSQL 18's NOT NULL ... NOT VALID
 * constraint (validated later by VALIDATE CONSTRAINT, which parses).  The
 * model keeps no types, so CREATE TYPE teaches it nothing.
 */
int gk_state_learn(gk_state *st, const gk_sql_recognised *w, int tx_id)
{
	const char *schema = w->schema[0] ? w->schema : NULL;
	gk_rel *r = NULL;
	switch (w->kind) {
	case GK_SQL_CREATES_TABLE:
	case GK_SQL_CREATES_VIEW:
		return add_rel(st, schema, w->name, stamp(st)) ? 0 : -1;
	case GK_SQL_CREATES_INDEX:
		if (!(r = add_rel(st, schema, w->table, 0)))
			return -1;
		return add_index(st, r, w->name[0] ? w->name : NULL, NULL, 0, false);
	case GK_SQL_NOT_NULL_NOT_VALID:
		if (!(r = add_rel(st, schema, w->table, 0)) || names_reserve(&r->con_names, CONS(r)) < 0 ||
		    gk_grow(&r->cons, &r->cap_cons, r->n_cons + 1, sizeof *r->cons) < 0)
			return -1;
		gk_constraint *k = &r->cons[r->n_cons++];
		*k = (gk_constraint){.name = gk_strdup(w->name), .not_null_col = gk_strdup(w->column), .tx_id = tx_id};
		names_put(&r->con_names, CONS(r), r->n_cons - 1);
		return k->name && k->not_null_col ? 0 : -1;
	default:
		return 0;
	}
}
