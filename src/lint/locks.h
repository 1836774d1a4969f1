/*
 * locks.h - the one place that decides which table locks a statement takes.
 *
 * Modelled on PostgreSQL's AlterTableGetLockLevel(): every lock decision
 * lives in locks.c, a table of every statement kind and ALTER TABLE
 * subcommand with the mode, rewrite and scan for each relation it touches
 * and the major version from which each holds; rules only ask.  The
 * conformance test (locks_conformance_test.c) runs every entry on a
 * PostgreSQL server and compares pg_locks and relfilenode with the table.
 */
#ifndef GK_LOCKS_H
#define GK_LOCKS_H

#include <stdbool.h>
#include <stddef.h>
#include <pg_query/pg_query.pb-c.h>

enum gk_lockmode {
	GK_LOCK_NONE = 0,
	GK_LOCK_ACCESS_SHARE,
	GK_LOCK_ROW_SHARE,
	GK_LOCK_ROW_EXCLUSIVE,
	GK_LOCK_SHARE_UPDATE_EXCLUSIVE,
	GK_LOCK_SHARE,
	GK_LOCK_SHARE_ROW_EXCLUSIVE,
	GK_LOCK_EXCLUSIVE,
	GK_LOCK_ACCESS_EXCLUSIVE,
};

/* Why a statement locks a relation. */
enum gk_lock_role {
	GK_LOCK_ROLE_TABLE = 0,         /* the relation the statement names (table, view, sequence) */
	GK_LOCK_ROLE_INDEX,             /* an index the statement names */
	GK_LOCK_ROLE_REFERENCED,        /* the referenced table of a foreign key */
	GK_LOCK_ROLE_PARTITION_PARENT,  /* the partitioned table a partition is created in */
	GK_LOCK_ROLE_PARTITION,         /* the partition ATTACH/DETACH PARTITION names */
	GK_LOCK_ROLE_INHERIT_PARENT,    /* the parent of INHERITS / INHERIT / NO INHERIT */
	GK_LOCK_ROLE_SOURCE,            /* a table CREATE TABLE ... LIKE copies */
	GK_LOCK_ROLE_DEFAULT_PARTITION, /* the DEFAULT partition of the partitioned table whose partitions change */
	GK_LOCK_ROLE_SUBPARTITION,      /* a partition, at any depth, of a partitioned table the statement drops or truncates */
	GK_LOCK_ROLE_REFERENCING,       /* a table whose foreign key to a table the statement drops or truncates CASCADE reaches */
};

typedef struct gk_lock {
	const char *schema;         /* borrowed from the tree; NULL = unqualified */
	const char *name;
	bool is_index;              /* the name is an index (DROP INDEX, REINDEX INDEX) */
	enum gk_lockmode mode;
	bool rewrite;               /* the table is rewritten */
	bool scan;                  /* the table is scanned while the lock is held */
	/* Fields below were added after the first six; initialise by name. */
	enum gk_lock_role role;
	/* For an index (is_index): the lock the statement also takes on the
	 * index's table, which the tree does not name (the schema model
	 * resolves it: gk_state_find_index_table()); GK_LOCK_NONE when none. */
	enum gk_lockmode table_mode;
	/* NULL for a relation the statement names.  For one it locks without
	 * naming it, found through the schema model (gk_stmt_locks_in()): why,
	 * for messages, e.g. "the table the dropped foreign key referenced". */
	const char *implied;
	/* For such a relation, when the statement locks several of the same
	 * kind (a dropped table's partitions): how messages name them together,
	 * before the list of names ("its partitions"); NULL when never several. */
	const char *implied_group;
	/* On the last listed relation of such a kind: how many more of it the
	 * statement locks alike that did not fit in the caller's array (those
	 * of a kind none of which fits are not counted). */
	size_t more;
} gk_lock;

#define GK_MAX_LOCKS 16

/** Locks `stmt` takes on existing relations it names, strongest per relation. Returns the count. */
size_t gk_stmt_locks(const PgQuery__Node *stmt, int pg_version, gk_lock *out, size_t max);

struct gk_state;
/**
 * As gk_stmt_locks(), followed by the locks on relations the statement
 * does not name, as the schema model `st` (the schema before the
 * statement; NULL = none) knows them: the table a dropped foreign key
 * references, the tables a dropped table's foreign keys reference, the
 * partitioned table and the default partition of a dropped partition, the
 * default partition that ATTACH PARTITION, DETACH PARTITION and CREATE
 * TABLE ... PARTITION OF lock, the partitions (at every depth) of a
 * partitioned table that DROP TABLE or TRUNCATE names, the tables whose
 * foreign keys to a table DROP TABLE ... CASCADE drops, and the tables
 * TRUNCATE ... CASCADE empties with it.  Their names are borrowed from `st`: valid
 * until it changes.
 */
size_t gk_stmt_locks_in(const PgQuery__Node *stmt, int pg_version, const struct gk_state *st, gk_lock *out,
			size_t max);

/**
 * The lock `stmt` takes on the relation `schema.name` (schema NULL or "" =
 * public), as gk_stmt_locks() decides it.  Fills *out when not NULL and
 * returns the mode, or GK_LOCK_NONE when it takes none on that relation.
 */
enum gk_lockmode gk_stmt_lock_on(const PgQuery__Node *stmt, int pg_version, const char *schema, const char *name,
				 gk_lock *out);

/**
 * True when a generic option list (VACUUM, REINDEX, CLUSTER: DefElem nodes)
 * turns `name` on: `name` alone, or `name` with true/on/yes/1.
 */
bool gk_option_on(PgQuery__Node *const *opts, size_t n, const char *name);

/**
 * The entries of the lock table `stmt` uses at `pg_version` (one per ALTER
 * TABLE subcommand, one for other statements), by name, e.g. "ALTER TABLE
 * ADD COLUMN", "DROP INDEX"; static strings.  Returns the count (at most
 * max).  For the conformance test and messages; gk_stmt_locks() has the facts.
 */
size_t gk_stmt_lock_entries(const PgQuery__Node *stmt, int pg_version, const char **out, size_t max);
/** The entries gk_stmt_locks_in() uses with the schema model `st`. */
size_t gk_stmt_lock_entries_in(const PgQuery__Node *stmt, int pg_version, const struct gk_state *st,
			       const char **out, size_t max);

/** Name of entry i of the lock table, NULL past the end (names repeat for rows of other versions). */
const char *gk_lock_entry_name(size_t i);

/**
 * Name of the mode `stmt` locks the relation it names first (an ALTER
 * TABLE's table, ...) in, as gk_stmt_locks() decides it: for messages
 * about the statement's own lock.  "NONE" when it locks none.
 */
const char *gk_stmt_lock_name(const PgQuery__Node *stmt, int pg_version);

/** "ACCESS EXCLUSIVE", ... */
const char *gk_lockmode_name(enum gk_lockmode m);
/** What the mode blocks, for messages: "blocks reads and writes", "blocks writes", ... */
const char *gk_lockmode_blocks(enum gk_lockmode m);
/** True when ordinary INSERT/UPDATE/DELETE must wait for this lock. */
static inline bool gk_lockmode_blocks_writes(enum gk_lockmode m) { return m >= GK_LOCK_SHARE; }

#endif
