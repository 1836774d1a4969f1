/*
 * locks.h - the one place that decides which table locks a statement takes.
 *
 * Modelled on PostgreSQL's AlterTableGetLockLevel(): every lock decision
 * lives in locks.c, rules only ask.  Levels are PostgreSQL 15's, from the
 * "Explicit Locking" and ALTER TABLE pages of its documentation.
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

typedef struct gk_lock {
	const char *schema;         /* borrowed from the tree; NULL = unqualified */
	const char *name;
	bool is_index;              /* the name is an index (DROP INDEX, REINDEX INDEX) */
	enum gk_lockmode mode;
	bool rewrite;               /* the table is rewritten */
	bool scan;                  /* the table is scanned while the lock is held */
} gk_lock;

#define GK_MAX_LOCKS 16

/** Locks `stmt` takes on existing relations, strongest per relation. Returns the count. */
size_t gk_stmt_locks(const PgQuery__Node *stmt, int pg_version, gk_lock *out, size_t max);

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

/** "ACCESS EXCLUSIVE", ... */
const char *gk_lockmode_name(enum gk_lockmode m);
/** What the mode blocks, for messages: "blocks reads and writes", "blocks writes", ... */
const char *gk_lockmode_blocks(enum gk_lockmode m);
/** True when ordinary INSERT/UPDATE/DELETE must wait for this lock. */
static inline bool gk_lockmode_blocks_writes(enum gk_lockmode m) { return m >= GK_LOCK_SHARE; }

#endif
