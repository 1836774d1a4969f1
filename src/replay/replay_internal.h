/*
 * replay_internal.h - what the files of src/replay share: replay.c (runner
 * semantics, errors), trace.c (statement-by-statement lock trace),
 * extensions.c, and below them split.c (a migration's statements) and
 * send.c (one query and its outcome).  Internal to the library.
 */
#ifndef GK_REPLAY_INTERNAL_H
#define GK_REPLAY_INTERNAL_H

#include <libpq-fe.h>

#include "replay/replay.h"
#include "gatekeeper/report.h"

/* One statement of a migration as the SQL front end split it. */
typedef struct gk_replay_stmt {
	size_t start, end;  /* byte range in the file, the ';' excluded */
	bool is_tx;         /* BEGIN / COMMIT / ROLLBACK / SAVEPOINT ... */
	bool begins, ends;  /* BEGIN / START TRANSACTION; COMMIT / ROLLBACK / PREPARE
			     * TRANSACTION (not the savepoint forms) */
	/* Runs without a snapshot and locks no relation (transaction control,
	 * SET, SHOW, SET CONSTRAINTS): the trace reads nothing after it, since
	 * a query of its own would take the transaction's snapshot and a later
	 * SET TRANSACTION ISOLATION LEVEL of the file would fail (25001). */
	bool no_snapshot;
	/* CREATE INDEX, DROP INDEX, REINDEX INDEX|TABLE: the relation named,
	 * as written (schema NULL when unqualified; owned).  The trace makes a
	 * CONCURRENTLY form wait for it to see its locks. */
	char *rel_schema, *rel_name;
} gk_replay_stmt;

/* A CREATE EXTENSION statement of a migration. */
typedef struct gk_replay_ext {
	size_t start, end;     /* the statement's byte range */
	char *name;            /* owned */
	char *schema, *version; /* owned; NULL when not given */
	bool if_not_exists, cascade;
	bool other;            /* an option the door does not take (FROM old_version) */
} gk_replay_ext;

typedef struct gk_replay_split {
	gk_replay_stmt *stmts;
	size_t n;
	bool parsed;        /* the whole file parsed: the split can be trusted */
	char **schemas;     /* names of CREATE SCHEMA statements (owned) */
	size_t n_schemas;
	char **functions;   /* unqualified names of CREATE FUNCTION / PROCEDURE /
			     * AGGREGATE statements (owned) */
	size_t n_functions;
	gk_replay_ext *exts;  /* CREATE EXTENSION statements (owned) */
	size_t n_exts;
} gk_replay_split;

/* split.c: split `text` (NUL-terminated, `len` bytes) on a thread with the deep
 * stack the parser needs.  0 or GK_ENOMEM. */
int gk_replay_split_sql(gk_replay_split *out, const char *text, size_t len);
void gk_replay_split_free(gk_replay_split *s);

/* ---- extensions.c: the shadow's extension door ---------------------- */

/* Where a rewrite replaced text: [orig_start, orig_end) of the file became
 * [new_start, new_end) of what is sent. */
typedef struct gk_replay_edit {
	size_t orig_start, orig_end, new_start, new_end;
} gk_replay_edit;

typedef struct gk_replay_edits {
	gk_replay_edit *v;
	size_t n;
} gk_replay_edits;

/* The database's allow-list (pg_catalog.gatekeeper_shadow_extensions());
 * none (*n = 0) when it has no door.  0 or GK_ENOMEM. */
int gk_replay_allow_list(PGconn *c, char ***out, size_t *n);
void gk_replay_allow_list_free(char **list, size_t n);

/* `text` with each CREATE EXTENSION of a name on `allowed` replaced by a
 * call of the door (*out malloc'ed, NUL-terminated), or *out = NULL when
 * there is none or the file does not parse.  0 or GK_ENOMEM. */
int gk_replay_rewrite_extensions(const char *text, size_t len, char *const *allowed, size_t n_allowed,
				 char **out, size_t *out_len, gk_replay_edits *ed);
/* An offset of the sent text as an offset of the file (-1 stays -1). */
long gk_replay_edits_map(const gk_replay_edits *ed, long off);

/*
 * send.c: send one simple query.  True when it succeeded; otherwise `r` gets the
 * server's SQLSTATE, message, detail, hint and the error position mapped
 * to a byte offset of the file (`q` starts at byte `base` of the file).
 */
bool gk_replay_send(PGconn *c, const char *q, size_t base, gk_replay_result *r);

/* gk_replay_send() for a query sent with PQsendQuery: `res` is its last
 * result (NULL: none), which the caller still frees. */
bool gk_replay_outcome(PGconn *c, const PGresult *res, const char *q, size_t base, gk_replay_result *r);

/* Statement `s` of `text` failed and the server gave no position: point at
 * its first word (many errors carry none: a missing column of an index, a
 * failed cast of existing rows). */
void gk_replay_point_at(gk_replay_result *r, const char *text, const gk_replay_stmt *s);

/* The run was stopped (time limit, interrupt) before statement `s` could
 * start: as if it was cancelled (57014 at its first byte). */
void gk_replay_stopped_at(gk_replay_result *r, const gk_replay_stmt *s);

/* ---- leftover.c: what a failure left committed ---------------------- */

/* Where the catalogs stood before a migration. */
typedef struct gk_replay_mark {
	char oid[16];   /* the largest oid of the catalogs that name objects */
	char xid[16];   /* the next transaction id, modulo 2^32 */
	bool taken;     /* false: could not be read, nothing is named later */
} gk_replay_mark;

/* Note the mark on an idle session.  Always 0 (an unreadable catalog only
 * means nothing will be named). */
int gk_replay_mark_take(PGconn *c, gk_replay_mark *mk);

/* Fill r->created and r->changed with what was committed since `mk` (the
 * session must be idle again).  0 or GK_ENOMEM. */
int gk_replay_leftover(PGconn *c, const gk_replay_mark *mk, gk_replay_result *r);

/* Run a migration statement by statement with the lock trace.  Fills
 * r->status (OK or FAILED), errors, locks, and where it stopped
 * (failed_statement, n_statements, committed_statements, aborted_session).  `watch` is the session's
 * slot of util/interrupt.h (-1: none): once its limit has run out or the
 * run is interrupted, no further statement starts (FAILED with 57014 at
 * the statement that did not start).  0; 1 when the file does not parse,
 * so it cannot be split (nothing was run); or GK_ENOMEM. */
int gk_replay_trace(PGconn *c, const gk_replay_migration *m, const char *text, int watch,
                    gk_replay_result *r);

/* ---- evidence.c: lint predictions judged by the lock trace ------------ */

/* What a lock of a traced statement is reported as (trace-only findings). */
enum {
	GK_SEEN_REWRITE = 1,    /* observed-table-rewrite */
	GK_SEEN_EXCLUSIVE = 2,  /* observed-access-exclusive-lock */
	GK_SEEN_SHARE = 4,      /* observed-share-lock */
	GK_SEEN_WAIT = 8,       /* observed-lock-without-timeout */
};

/*
 * Merge the trace of one statement, its locks l[0..n) (one statement_index)
 * among all[0..n_all) of the migration at `path`, into the findings of r that predicted
 * something about it, visible or suppressed: evidence, message, and
 * severity (info when refuted).  *covered gets the GK_SEEN_* kinds those
 * findings account for on this statement.  `complete`: the migration ran
 * to its end, so a predicted lock the trace did not see was not taken.
 * 0 or GK_ENOMEM.
 */
int gk_replay_evidence_merge(gk_report *r, const char *path, const gk_replay_lock *all, size_t n_all,
			     const gk_replay_lock *l, size_t n, bool complete, unsigned *covered);

/* True when a directive suppressed `rule_id` on statement `stmt` of `path`
 * (or on the whole file). */
bool gk_replay_evidence_suppressed(const gk_report *r, const char *path, int stmt, const char *rule_id);

/* "ACCESS EXCLUSIVE" for pg_locks' "AccessExclusiveLock" (static; an
 * unknown mode is returned as it is). */
const char *gk_replay_mode_name(const char *pg_mode);

#endif
