/*
 * target_internal.h - what the files of src/target share (not public API).
 *
 *   connect.c    the read-only connection (URL read by gk_dburl_parse), queries
 *                in read-only transactions, messages without secrets
 *   history.c    finding and reading each tool's history table
 *   compare.c    the history against the folders: one status per migration
 *   checksum.c   Flyway's checksum of a script
 *   findings.c   status and pre-flight findings, the report's entries
 *   preflight.c  locks, sizes, invalid indexes, NOT VALID constraints,
 *                the deploy lock
 */
#ifndef GK_TARGET_INTERNAL_H
#define GK_TARGET_INTERNAL_H

#include <libpq-fe.h>

#include "target/target.h"

struct gk_target {
	PGconn *conn;
	char *url;           /* as given: its secrets are scrubbed from every message */
	char *where;         /* "database D on host H port P" */
	char *schema;        /* the URL's Prisma `schema`, or NULL */
	char *note;          /* what reading the URL changed (quotes, scheme), or NULL */
	int version;
	char sqlstate[6];    /* of the last failed query */
	int watch;           /* util/interrupt.h: SIGINT/SIGTERM cancel its query (-1: none) */
};

/* ---- connect.c ---- */

/** `msg` on one line, with the URL's secrets masked (malloc'ed; NULL when out of memory). */
char *gk_tg_clean_message(const gk_target *t, const char *msg);

/** Start a REPEATABLE READ READ ONLY transaction.  GK_EINFRA on failure. */
int gk_tg_begin(gk_target *t, gk_error *err);
/** End it (ROLLBACK: nothing was written anyway). */
void gk_tg_end(gk_target *t);

/**
 * Run a query with text parameters; the result when it returns rows, else
 * NULL with GK_EINFRA "<what> on <where>: <server message>" in `err` and
 * the SQLSTATE kept for gk_target_last_sqlstate().
 */
PGresult *gk_tg_query(gk_target *t, const char *sql, int nparams, const char *const *params, const char *what,
		      gk_error *err);

/** A PostgreSQL text[] literal of `n` strings (malloc'ed; NULL when out of memory). */
char *gk_tg_text_array(const char *const *items, size_t n);

/** Column `col` of row `row`: a malloc'ed copy, or NULL for SQL NULL (sets *oom on failure). */
char *gk_tg_value(const PGresult *r, int row, int col, bool *oom);

/* ---- history.c ---- */

/** gk_target_history() inside a transaction the caller began. */
int gk_tg_read_history(gk_target_history_rows **out, gk_target *t, enum gk_layout_kind kind, const char *table,
		       gk_error *err);

/* ---- preflight.c ---- */

/** gk_target_deploy_in_progress() inside a transaction the caller began. */
int gk_tg_deploy_lock(gk_target *t, gk_target_lock_holder *out, gk_error *err);

/* ---- checksum.c ---- */

/**
 * Flyway's checksum of a script: CRC-32 of its bytes without line breaks
 * (\r, \n) and without a leading UTF-8 byte order mark, as the signed
 * 32-bit number Flyway stores.
 */
int gk_tg_flyway_checksum(const char *text, size_t len);

#endif
