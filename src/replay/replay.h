/*
 * replay/replay.h - apply migrations to a shadow server the way their
 * runner would, and (optionally) trace the locks each statement takes.
 *
 * Runner models (enum gk_runner, common.h):
 *  - GK_RUNNER_WHOLE: the whole file is ONE simple query, so a file with
 *    more than one statement runs in one implicit transaction (CREATE INDEX
 *    CONCURRENTLY then fails with 25001, exactly as in production);
 *  - GK_RUNNER_PER_FILE (Flyway, dbmate, diesel): BEGIN; the file; COMMIT;
 *  - GK_RUNNER_SPLIT (and AUTO): each top-level statement of the file (as
 *    the library's SQL front end splits it) its own simple query, stopping
 *    at the first error, as Prisma 7.4+ and golang-migrate's
 *    x-multi-statement do: each statement commits on its own, and an
 *    explicit BEGIN ... COMMIT in the file is a real transaction across its
 *    statements.  A file the front end cannot parse is sent as one query
 *    (the runner models decide WHOLE for files their tool cannot split).
 *    With a naive splitter (Prisma 6's driver adapters, golang-migrate's
 *    multistmt: gk_migration.splitter) the file is cut where that tool
 *    cuts it, at every ';' even inside a string, a comment or a body, and
 *    each piece is sent as that tool sends it (gk_runner_pieces): a half
 *    statement fails as it fails in production, after the pieces before it
 *    committed.  Such a file is traced only when every cut ends a
 *    statement (then the pieces are its statements).
 * All migrations share one session, in order, like a runner's connection.
 *
 * What a failure left behind: a statement that fails after others
 * committed (SPLIT, or a file's own COMMIT) leaves them applied, as in
 * production.  The result names the statement that failed, how many were
 * committed, and what they left in the catalog: objects created (read as
 * catalog rows with an oid newer than the migration, by oid order) and
 * columns of existing tables added, changed or dropped (rows written by
 * the migration's transactions).  A dropped object, or data, is not named.
 *
 * Sandbox: the session is the shadow's role's (see src/shadow/shadow.h).
 * When the database has the shadow's extension door, a migration's
 * `CREATE EXTENSION` of an allow-listed extension is sent as a call of
 * pg_catalog.gatekeeper_create_extension() with the same name, options and
 * search_path, in the same place of the file, so that the superuser
 * creates it inside the migration's transaction; error positions and lock
 * offsets are mapped back to the file.  One that is not on the list and
 * needs a superuser is GK_REPLAY_ENVIRONMENT, naming `shadow_extensions`.
 * The server's message, detail and hint are kept (each cut at
 * GK_REPLAY_TEXT_MAX bytes, on a character boundary, marked with "..."); its
 * CONTEXT and the statement's text, which can echo data, never are.
 *
 * Trace: the file is split into statements with the library's SQL front end
 * and run one by one inside the transaction the runner would use; after each
 * statement the relation locks of our own backend on relations that existed
 * before the migration are read from pg_locks, and relfilenode changes
 * (rewrites) from pg_class.  Statements that run in autocommit are each
 * wrapped in their own BEGIN/COMMIT (the same transaction autocommit would
 * give them) so that their locks can be seen.  A statement that refuses a
 * transaction block (25001: CREATE/DROP INDEX CONCURRENTLY, REINDEX
 * CONCURRENTLY, VACUUM) takes and drops its locks inside the statement:
 * it is run alone, as autocommit would, while a second session samples
 * pg_locks for it (the SHARE UPDATE EXCLUSIVE lock CONCURRENTLY holds on
 * the table for the whole statement), held from its start to its end.
 * Relations the statement itself dropped (the index of DROP INDEX
 * CONCURRENTLY, the old index of REINDEX CONCURRENTLY, locked only once no
 * query could use them) are left out.  A rewrite is a new relfilenode of a
 * table, materialized view or index, recorded with the strongest lock the
 * transaction held on it; a sequence's new relfilenode (ALTER SEQUENCE ...
 * AS bigint) copies no rows and is none.
 */
#ifndef GK_REPLAY_H
#define GK_REPLAY_H

#include "gatekeeper/common.h"
#include "layout/runner.h"

/* The default time limit of one migration's replay (--replay-timeout). */
#define GK_REPLAY_TIMEOUT_DEFAULT_S 300.0

typedef struct gk_replay_migration {
	const char *path;            /* for messages */
	const char *sql;             /* the migration's SQL (need not be NUL-terminated) */
	size_t len;
	enum gk_runner runner;
	bool trace;                  /* run statement by statement and read locks */
	/* Time limit of the whole migration (its statements, the runner's
	 * BEGIN/COMMIT, the trace's reads), in seconds; 0 = none.  Enforced
	 * by the client, which cancels the running query when it runs out, so
	 * a migration cannot lift it (a `SET statement_timeout = 0` of its
	 * own changes nothing): the migration is then GK_REPLAY_TIMEOUT, at
	 * the statement that was running when the file is traced or holds one
	 * statement. */
	double timeout_s;
	/* NULL: on the run's connection (as the shadow's role).  Else in a
	 * session of its own to this conninfo, after what came before was
	 * committed: the shadow init file as the server's superuser
	 * (gk_shadow_superuser_conninfo). */
	const char *conninfo;
	/* Under GK_RUNNER_SPLIT, how the tool cuts the file (GK_SPLITTER_SQL:
	 * at the statements' ends; a naive splitter: at every ';'). */
	enum gk_splitter splitter;
} gk_replay_migration;

/* The longest message, detail or hint kept from the server, in bytes. */
#define GK_REPLAY_TEXT_MAX 1000

typedef struct gk_replay_lock {
	int statement_index;  /* 1-based statement of the migration that took it */
	size_t offset;        /* byte offset of that statement in the migration's sql */
	char *relation;       /* schema.name (owned) */
	char *mode;           /* "AccessExclusiveLock" (owned) */
	bool rewrite;         /* the relation's relfilenode changed in that statement */
	double held_ms;       /* from the start of that statement to the end of its transaction */
	long lock_timeout_ms; /* lock_timeout in effect when the statement ran (0 = wait forever) */
	/* ... and it was the session's before the migration began (an earlier
	 * migration's session SET, which the runner's session kept), not set
	 * by the migration: a deploy that starts at this migration has none. */
	bool timeout_inherited;
} gk_replay_lock;

typedef struct gk_replay_result {
	enum gk_replay_status status;
	double duration_ms;
	char sqlstate[6];             /* "" when none */
	char *message, *detail, *hint;  /* owned; NULL when none */
	long error_offset;            /* byte offset into the migration's sql, -1 unknown */
	char *missing;                /* GK_REPLAY_ENVIRONMENT: "extension vector", "role app",
					 * "schema auth", "PostgreSQL 16 or newer (...)" */
	gk_replay_lock *locks;        /* trace only, in statement order */
	size_t n_locks;
	/* Where a file sent statement by statement (SPLIT, or traced) stopped:
	 * the 1-based statement that failed (0 when not known: the file went
	 * as one query), the file's statements (0 when not split), and how many
	 * of the first ones were committed before the failure: those stay
	 * applied, as in production. */
	int failed_statement, n_statements, committed_statements;
	/* Not GK_SPLITTER_SQL: the file was sent as that naive splitter's
	 * pieces, which the three counts above count instead of statements;
	 * the failed piece is bytes [piece_start, piece_end) of the file. */
	enum gk_splitter pieces;
	size_t piece_start, piece_end;
	/* The lock trace ran: false when it was not asked for, or the file
	 * was sent another way (it does not parse; a naive splitter cuts it
	 * where no statement ends). */
	bool traced;
	/* The failure was inside the file's own BEGIN: the runner's session is
	 * left in an aborted transaction, where anything it sends next fails
	 * with 25P02 until a ROLLBACK (Prisma cannot record the failure). */
	bool aborted_session;
	/* What the migration left committed when it did not apply (see the top):
	 * "table a", "index a_b" (created) and "column x of table users"
	 * (added, changed or dropped), as pg_describe_object() words them;
	 * owned, in catalog order. */
	char **created, **changed;
	size_t n_created, n_changed;
} gk_replay_result;


/**
 * Apply `m[0..n)` in order on one connection to `conninfo`, filling
 * `out[0..n)`.  Stops at the first migration that does not apply (or runs
 * out of time); the later ones are GK_REPLAY_SKIPPED.  Returns 0 when
 * every result is filled (even when a migration failed), GK_EINFRA when
 * the server cannot be reached or the connection is lost mid-replay (the
 * results are still filled: the one running is GK_REPLAY_INTERRUPTED with
 * the reason, the rest SKIPPED), GK_EINTR when the run is interrupted
 * (util/interrupt.h: the running query is cancelled, that migration is
 * GK_REPLAY_INTERRUPTED, the rest SKIPPED), GK_ENOMEM.
 * Free the results with gk_replay_results_free() in every case.
 */
int gk_replay_run(gk_replay_result *out, const char *conninfo, const gk_replay_migration *m,
                  size_t n, gk_error *err);

/* Called before each migration is applied (i of n, 0-based), e.g. for a
 * progress line.  Runs on the caller's thread. */
typedef void (*gk_replay_progress_fn)(void *ctx, size_t i, size_t n, const gk_replay_migration *m);

/** gk_replay_run() with a progress callback (`progress` may be NULL). */
int gk_replay_run_progress(gk_replay_result *out, const char *conninfo, const gk_replay_migration *m,
                           size_t n, gk_replay_progress_fn progress, void *ctx, gk_error *err);

void gk_replay_results_free(gk_replay_result *r, size_t n);

/**
 * Chain hashes for the template cache (gk_shadow_chain_start/next):
 * out[i] names the prefix m[0..i] after a seed of `seed_len` bytes (what
 * made the database before m[0]).  Each link covers the migration's path,
 * its runner (the same SQL applied another way can end differently) and
 * its bytes.  `out` has n entries.  0 or GK_ENOMEM.
 */
int gk_replay_chain(char (*out)[65], const char *seed, size_t seed_len, const gk_replay_migration *m, size_t n,
		    gk_error *err);

#endif
