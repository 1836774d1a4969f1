/*
 * gate_internal.h - what the files of src/gate share beyond the plan
 * (plan/plan.h): the CONCURRENTLY statements of the pending migrations,
 * for the gate's pre-flight (concurrently.c).
 */
#ifndef GK_GATE_INTERNAL_H
#define GK_GATE_INTERNAL_H

#include "plan/plan.h"

/* ---- concurrently.c ---- */

/* A statement that waits for older transactions: CREATE INDEX, DROP INDEX
 * or REINDEX ... CONCURRENTLY. */
typedef struct gk_drift_concurrently {
	char *what;        /* "CREATE INDEX CONCURRENTLY users_email_idx ON users" */
	char *relation;    /* the table, or the index, SQL-quoted ("app.\"User\""); NULL for a REINDEX of a
			    * schema or a database */
	int line;          /* 1-based line of the statement */
	/* What it waits for (gk_target_concurrently_waits): every lock holder
	 * of the table (DROP, REINDEX), else only the writers (CREATE); the
	 * older snapshots of the database (CREATE, REINDEX). */
	bool all_lockers, snapshots;
	/* REINDEX SCHEMA (schema, as parsed) or DATABASE (database) ...
	 * CONCURRENTLY: `relation` is NULL and it waits for the lock holders
	 * of each table it reindexes; the caller fills `tables` from the
	 * target (gk_target_reindex_tables). */
	char *schema;
	bool database;
	char **tables;
	size_t n_tables;
} gk_drift_concurrently;

/*
 * The CONCURRENTLY statements of migration text `text` (`len` bytes,
 * NUL-terminated), in order.  Statements that do not parse are skipped
 * (the lint reports them).  0 or GK_ENOMEM.
 */
int gk_drift_find_concurrently(const char *text, size_t len, gk_drift_concurrently **out, size_t *n_out);
void gk_drift_concurrently_free(gk_drift_concurrently *c, size_t n);

#endif
