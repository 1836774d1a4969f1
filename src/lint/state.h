/*
 * state.h - a static model of the schema, built by walking statements.
 *
 * The lint engine applies every statement of a file after its rules have
 * seen it, so rules always see the schema as it was before the statement.
 * Objects created while the model is in "change" mode are marked new:
 * lock rules skip them (an empty table has no one to block).
 */
#ifndef GK_STATE_H
#define GK_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <pg_query/pg_query.pb-c.h>

typedef struct gk_column {
	char *name;
	char *type;        /* as gk_type_text prints it, e.g. "varchar(20)" */
	bool not_null;
	unsigned change;   /* the change that added it, 0 = before any (see gk_state_is_new) */
} gk_column;

typedef struct gk_index {
	char *name;        /* may be NULL for unnamed constraint indexes */
	char **cols;       /* key columns in order; NULL entries for expressions */
	size_t n_cols;
	unsigned change;   /* the change that created it, 0 = before any */
} gk_index;

typedef struct gk_constraint {
	char *name;
	bool validated;
	char *not_null_col;  /* set for CHECK (col IS NOT NULL) */
	/* CHECK constraints: the columns the expression names, and those it
	 * proves NOT NULL (IS NOT NULL tests joined by AND at its top), each as
	 * a name list (gk_name_list_has); NULL for other constraints. */
	char *check_cols, *check_not_null;
	int tx_id;           /* transaction that added it (see gk_stmt) */
	/* FOREIGN KEY: the table it references ("public" when unqualified);
	 * NULL for other constraints.  Dropping the constraint, or its table,
	 * locks that table too (locks.c). */
	char *ref_schema, *ref_name;
	/* FOREIGN KEY: its own columns and the referenced ones, as name lists;
	 * ref_cols NULL when not written (the referenced table's primary key,
	 * which the model does not tell apart).  Dropping one of its columns
	 * drops the foreign key, and so does dropping a referenced column with
	 * CASCADE (locks.c). */
	char *fk_cols, *ref_cols;
} gk_constraint;

/*
 * A hash index of the names in one array of a table (its columns, indexes or
 * constraints): slot = element index + 1, 0 = empty.  Linear probing with
 * backward-shift deletion, so the array can remove by moving its last
 * element into the hole.  Elements without a name are not indexed.
 */
typedef struct gk_names {
	size_t *slots;
	size_t n_slots;    /* 0 or a power of two */
	size_t n;          /* names indexed */
} gk_names;

typedef struct gk_rel {
	char *schema;      /* "public" when unqualified; NULL once dropped */
	char *name;        /* NULL once dropped */
	unsigned change;   /* the change that created it, 0 = before any */
	bool defined;      /* its CREATE was seen, so columns and indexes are all known */
	bool partitioned;  /* created with PARTITION BY: its rows are in its partitions */
	gk_column *cols;
	size_t n_cols, cap_cols;
	gk_index *idx;
	size_t n_idx, cap_idx;
	gk_constraint *cons;
	size_t n_cons, cap_cons;
	/* A partitioned table's key columns as a name list (NULL when not
	 * partitioned, or when the key has an expression). */
	char *part_key;
	/* A partition (CREATE TABLE ... PARTITION OF, ATTACH PARTITION): its
	 * partitioned table, NULL when not one or detached; and whether it is
	 * that table's DEFAULT partition, which every new partition's bound is
	 * checked against. */
	char *parent_schema, *parent_name;
	bool default_partition;
	/* A migration may add thousands of columns, indexes or constraints to
	 * one table; every statement on it looks them up by name. */
	gk_names col_names, idx_names, con_names;
	/* The column sets that lead an index: for each index and each k up to
	 * GK_KEY_PREFIX_MAX, its first k columns when they are distinct named
	 * columns, sorted, with how many indexes lead with them (state.c). */
	struct gk_key_prefix *prefixes;
	size_t n_prefix_slots, n_prefixes;
} gk_rel;

/* An enum type and its values (order not kept: rules ask which exist). */
typedef struct gk_enum_type {
	char *schema;      /* "public" when unqualified; NULL once dropped */
	char *name;        /* NULL once dropped */
	char **vals;
	size_t n_vals, cap_vals;
	unsigned change;   /* the change that created it, 0 = before any */
} gk_enum_type;

/* A domain, and the constraints PostgreSQL checks when a column of it is
 * added (ADD COLUMN then rewrites the table on PostgreSQL 18 and older). */
typedef struct gk_domain {
	char *schema;      /* "public" when unqualified; NULL once dropped */
	char *name;        /* NULL once dropped */
	char **checks;     /* names of its CHECK constraints, NOT VALID ones included */
	size_t n_checks, cap_checks;
	bool not_null;
} gk_domain;

/* PostgreSQL's INDEX_MAX_KEYS: no index or foreign key has more columns. */
#define GK_KEY_PREFIX_MAX 32

typedef struct gk_state {
	gk_rel *rels;
	size_t n_rels, cap_rels;
	bool in_change;    /* objects created now belong to the current change */
	unsigned change;   /* the current change; objects of earlier ones count as existing */
	/* Hash indexes, by "schema.name" of tables and of indexes: pairs (rel index + 1, hash), 0 = empty (state.c). */
	size_t *rel_slots, *idx_slots;
	size_t n_slots;
	size_t n_rel_names, n_idx_names;  /* entries in each */
	/* Functions created RETURNS trigger, as a name list (gk_name_list_has)
	 * of "schema.name": PostgreSQL calls them only from triggers, which
	 * refer to them by OID, never by name. */
	char *trigger_fns;
	/* Enum types (state_types.c): few, so a plain array. */
	gk_enum_type *enums;
	size_t n_enums, cap_enums;
	/* Domains (state_types.c): few, so a plain array. */
	gk_domain *domains;
	size_t n_domains, cap_domains;
} gk_state;

/** True when an object stamped with `change` was created in the current change. */
static inline bool gk_state_is_new(const gk_state *st, unsigned change)
{
	return change != 0 && change == st->change;
}

void gk_state_init(gk_state *st);
void gk_state_free(gk_state *st);

/** From now on everything known counts as existing (a new change starts). */
void gk_state_forget_new(gk_state *st);

/** Learn from one statement that ran in transaction `tx_id`. Returns 0 or -1 (OOM). */
int gk_state_apply(gk_state *st, const PgQuery__Node *stmt, int tx_id);

struct gk_sql_recognised;
/** Learn from a statement that did not parse, recognised from its tokens
 * (gk_sql_recognise), in transaction `tx_id`. Returns 0 or -1 (OOM). */
int gk_state_learn(gk_state *st, const struct gk_sql_recognised *what, int tx_id);

gk_rel *gk_state_find(const gk_state *st, const char *schema, const char *name);
gk_rel *gk_state_find_index_table(const gk_state *st, const char *schema, const char *index);
const gk_column *gk_rel_column(const gk_rel *r, const char *col);
const gk_constraint *gk_rel_constraint(const gk_rel *r, const char *name);
/** The table's index named `name` (the first one, if the model has several), or NULL. */
const gk_index *gk_rel_index(const gk_rel *r, const char *name);
/** The partitioned table `r` is a partition of, or NULL (not one, or not known). */
gk_rel *gk_state_partition_parent(const gk_state *st, const gk_rel *r);
/** The DEFAULT partition of the partitioned table `parent`, or NULL when the model knows none. */
gk_rel *gk_state_default_partition(const gk_state *st, const gk_rel *parent);
/** True when a validated CHECK (col IS NOT NULL) exists on the table. */
bool gk_rel_has_not_null_check(const gk_rel *r, const char *col);
/** True when some index's leading columns are exactly `cols` (in any order). */
bool gk_rel_has_index_on(const gk_rel *r, const char *const *cols, size_t n);

/** True when a name list of the model (names each followed by '\x1f') holds `name`. */
bool gk_name_list_has(const char *list, const char *name);

/** True when the model saw schema.name (schema NULL or "" = public) created RETURNS trigger. */
bool gk_state_is_trigger_fn(const gk_state *st, const char *schema, const char *name);
/** The enum type schema.name (schema NULL = public), or NULL when the model does not know it. */
const gk_enum_type *gk_state_find_enum(const gk_state *st, const char *schema, const char *name);
/** The domain schema.name (schema NULL = public), or NULL when the model does not know it. */
const gk_domain *gk_state_find_domain(const gk_state *st, const char *schema, const char *name);
/** True when the enum type has the value. */
bool gk_enum_has(const gk_enum_type *e, const char *val);
/* state_types.c, for state.c: learn from CREATE TYPE ... AS ENUM, ALTER TYPE
 * ... ADD/RENAME VALUE, ALTER TYPE ... RENAME TO and DROP TYPE, and from
 * CREATE/ALTER/DROP DOMAIN and ALTER DOMAIN ... RENAME (0 or -1 on OOM),
 * and free what was learnt. */
int gk_state_apply_types(gk_state *st, const PgQuery__Node *stmt);
void gk_state_free_types(gk_state *st);

/** If `expr` is `col IS NOT NULL`, the column name, else NULL. */
const char *gk_expr_is_not_null_col(const PgQuery__Node *expr);

#endif
