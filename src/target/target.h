/*
 * target/target.h - the live database a migration folder is deployed
 * to (the "target", usually production), read and never written.
 *
 * Three things are read from it:
 *  - its migration history: the table the migration tool keeps
 *    (_prisma_migrations, flyway_schema_history, golang-migrate's and
 *    dbmate's schema_migrations, diesel's __diesel_schema_migrations),
 *    compared with the folder by gk_target_status(): applied, pending,
 *    failed, rolled back, edited after apply, missing locally, diverged;
 *  - the pre-flight facts a release gate needs before it lets a migration
 *    run: sessions holding locks on the tables the migration will lock,
 *    the tables' sizes, invalid indexes and NOT VALID constraints left
 *    behind, a deploy already in progress;
 *  - the server's version.
 *
 * Safety: every session is read-only.  The connection asks the server for
 * default_transaction_read_only=on, a statement_timeout and a lock_timeout
 * in its startup options (and checks that it got them), and each group of
 * reads runs in one REPEATABLE READ READ ONLY transaction, so the facts
 * agree with each other.  Nothing is ever written, locked beyond
 * ACCESS SHARE, or created.  A role that can only connect and read the
 * catalogs and the history table is enough; without pg_read_all_stats the
 * details of other roles' sessions (state, query, transaction age) are
 * hidden by the server and reported as unknown.
 *
 * Messages never contain a password: connection failures say "host H port
 * P: reason", with every secret of the URL masked.
 *
 * Ownership: gk_target_* functions that return arrays or structs through
 * `out` pointers hand them to the caller, who frees them with the matching
 * *_free(); strings inside belong to those structs.  Errors: 0 or a
 * negative GK_E* code with `err` filled; GK_EINFRA when the server cannot
 * be reached, times out or fails a query (exit 3), GK_ECONFIG when the
 * setup is unusable as given: a URL libpq cannot parse, a history table
 * the role may not read, one of the wrong shape (exit 2).
 */
#ifndef GK_TARGET_H
#define GK_TARGET_H

#include "gatekeeper/common.h"
#include "layout/layout.h"
#include "gatekeeper/lint.h"
#include "gatekeeper/report.h"
#include "catalog/stats.h"

typedef struct gk_target gk_target;

/* The session settings every target connection gets (milliseconds). */
#define GK_TARGET_STATEMENT_TIMEOUT_MS 10000
#define GK_TARGET_LOCK_TIMEOUT_MS 2000
#define GK_TARGET_CONNECT_TIMEOUT_S 10

/* Prisma Migrate's advisory lock key (pg_advisory_lock(72707369)). */
#define GK_TARGET_PRISMA_LOCK_KEY 72707369LL

/**
 * Connect to `url` (a libpq URL or key=value conninfo, or a form
 * gk_dburl_parse() reads: see util/dburl.h).  Query parameters only
 * Prisma understands (`schema`, `connection_limit`, `pgbouncer`, ...) are
 * taken out before libpq sees the URL; `schema` names the schema of
 * Prisma's history table.  The session gets application_name=gatekeeper
 * (unless the URL names one), connect_timeout (unless the URL names one)
 * and the read-only settings above, after any `options` of the URL.
 * On success *out is the caller's, closed with gk_target_close().
 * GK_EINFRA "cannot connect to the target database on host H port P: reason";
 * GK_ECONFIG when the URL is refused or libpq cannot parse it (shown with
 * its password masked).
 */
int gk_target_connect(gk_target **out, const char *url, gk_error *err);

/**
 * `url` as libpq takes it: without the query parameters only Prisma
 * understands (see gk_target_connect), for other libpq sessions on the
 * same database (the catalog snapshot).  Key=value strings are copied as
 * they are.  Malloc'ed; it holds the URL's password: never print it.
 * NULL when out of memory or when gk_target_connect() would refuse `url`.
 */
char *gk_target_libpq_url(const char *url);

/** Close the connection and free `t`.  NULL is a no-op. */
void gk_target_close(gk_target *t);

/** "database app on host db.example.com port 5432" (no password), owned by `t`. */
const char *gk_target_where(const gk_target *t);

/** server_version_num, e.g. 150020. */
int gk_target_server_version(const gk_target *t);

/** The schema named by the URL's Prisma `schema` parameter, or NULL. */
const char *gk_target_url_schema(const gk_target *t);

/** What reading the URL changed to make it libpq's (quotes removed, a
 * JDBC or SQLAlchemy scheme read as postgresql://), for a report note; no
 * secrets.  NULL when the URL was taken as it was. */
const char *gk_target_url_note(const gk_target *t);

/**
 * SQLSTATE of the last failed query ("" when none), so that a caller can
 * tell a timeout (57014 statement_timeout, 55P03 lock_timeout) from a lost
 * connection.
 */
const char *gk_target_last_sqlstate(const gk_target *t);

/* ---- the migration history ------------------------------------------ */

/* One row of a history table.  Which fields are set depends on the tool. */
typedef struct gk_target_row {
	char *name;          /* Prisma migration_name, Flyway script; NULL for the others */
	char *version;       /* Flyway (NULL for repeatables), golang-migrate, dbmate, diesel */
	char *description;   /* Flyway */
	char *type;          /* Flyway: "SQL", "BASELINE", "DELETE", "UNDO_SQL", ... */
	char *checksum;      /* Prisma: hex; Flyway: signed decimal; NULL when none */
	char *started_at;    /* Prisma started_at; ISO 8601 UTC ("...Z"); NULL */
	char *finished_at;   /* Prisma finished_at, Flyway installed_on, diesel run_on; NULL */
	char *rolled_back_at;/* Prisma; NULL */
	char *logs;          /* Prisma; NULL */
	int applied_steps;   /* Prisma applied_steps_count */
	bool success;        /* Flyway success; golang-migrate: not dirty; others true */
} gk_target_row;

typedef struct gk_target_history_rows {
	enum gk_layout_kind kind;
	char *table;         /* schema.name quoted as SQL needs, also when missing */
	bool exists;         /* false: the table does not exist, nothing was applied */
	gk_target_row *rows; /* in the order the tool wrote them */
	size_t n_rows;
} gk_target_history_rows;

/**
 * Read the history table of a `kind` folder (Prisma, Flyway,
 * golang-migrate, dbmate, diesel) in one read-only transaction.  `table`
 * overrides the tool's table ("name" or "schema.name", SQL syntax); NULL =
 * the tool's default in the schema it uses (Prisma: the URL's `schema`,
 * else public; the others: current_schema()).  A missing table is
 * exists = false, not an error, unless a table of that name exists in
 * another schema (GK_ECONFIG naming it).  GK_ECONFIG when the role may not
 * read the table or its schema (the message gives the GRANT), or when the
 * table lacks the tool's columns; GK_ECONFIG for a plain folder.
 */
int gk_target_history(gk_target_history_rows **out, gk_target *t, enum gk_layout_kind kind, const char *table,
		      gk_error *err);

void gk_target_history_free(gk_target_history_rows *h);

/* ---- status: the history against the folder ------------------------- */

typedef struct gk_target_migration {
	char *key;           /* the tool's identity: Prisma folder, Flyway version or
			      * description, golang-migrate/dbmate/diesel version */
	char *path;          /* the file in the folder (folder/relpath); for a migration
			      * missing locally folder/<name or version as recorded> */
	bool local;          /* it is in the folder */
	enum gk_runner runner;
	enum gk_applied_status status;
	char *at;            /* applied (or, failed: started) at; NULL */
	char *logs;          /* failed: the tool's log; NULL */
	char *note;          /* one line saying why, for the messages; NULL */
	char *checksum_db;   /* edited: the checksum recorded ... */
	char *checksum_file; /* ... and the file's */
} gk_target_migration;

typedef struct gk_target_state {
	enum gk_layout_kind kind;
	char *table;             /* the history table (see gk_target_history) */
	bool table_exists;
	gk_target_migration *migrations; /* local and missing ones, in the tool's order */
	size_t n_migrations;
	size_t n_local, n_recorded;      /* in the folder; recorded in the history */
	size_t count[GK_APPLIED_RUNNING + 1]; /* per status */
	/* The database applied migrations the folder lacks, and the folder has
	 * migrations the database lacks after them: the histories branched.
	 * last_common names the last migration of the shared prefix (NULL
	 * when they share none). */
	bool diverged;
	char *last_common;
	/* Prisma: another session holds the migration lock; an unfinished row
	 * is then `running`, not failed. */
	bool deploy_in_progress;
	int deploy_pid;
	/* Prisma 8 migration packages in the folders (folder/name; see
	 * gk_layout.packages): not compared, so never missing locally either. */
	char **packages;
	size_t n_packages;
} gk_target_state;

/**
 * Compare a history with the migrations of the folders `dirs` (read as
 * `kind`, or detected when GK_LAYOUT_AUTO; several folders form one
 * history, like Flyway locations) and classify each migration:
 *  - applied, or edited when the file no longer matches the recorded
 *    checksum (Prisma: SHA-256 of migration.sql, line-ending changes
 *    tolerated as Prisma does; Flyway: its CRC32 of the lines);
 *  - failed: Prisma finished_at and rolled_back_at NULL (with its logs),
 *    Flyway success = false, golang-migrate dirty;
 *  - rolled back (Prisma, only rolled-back rows: the next deploy re-applies it);
 *  - pending, or diverged when it sorts before an applied migration;
 *  - missing when the history has it and the folder does not.
 * golang-migrate records only its current version: every file up to it
 * counts as applied.  Reads the files; touches no database.
 * GK_ECONFIG when the folders' layouts disagree or are plain.
 */
int gk_target_status_compare(gk_target_state **out, const gk_target_history_rows *h, const char *const *dirs,
			     size_t n_dirs, enum gk_layout_kind kind, gk_error *err);

/**
 * gk_target_history() for the folders' layout, then
 * gk_target_status_compare(); for Prisma also whether a deploy holds the
 * migration lock.
 */
int gk_target_status(gk_target_state **out, gk_target *t, const char *const *dirs, size_t n_dirs,
		     enum gk_layout_kind kind, const char *table, gk_error *err);

void gk_target_status_free(gk_target_state *s);

/**
 * Add one migration entry per migration of `s` with its applied state, and
 * the findings: migration-failed, migration-edited-after-apply,
 * migration-missing-locally, migration-pending (also for rolled-back and
 * diverged ones), at the severities of `o`.  When a deploy is in progress:
 * deploy-in-progress, and a run error of kind `timeout` (exit 3: the
 * history is changing, retry later).  Also records the target (`where`,
 * the history table, the tool) on the report.  0 or GK_ENOMEM.
 */
int gk_target_status_report(gk_report *r, const gk_lint_options *o, const gk_target_state *s, const char *where,
			    int server_version);

/**
 * When the target has no history table but the folder has migrations, a
 * `history-table-missing` warning naming the database (`where`, no
 * password) and the table: it may not be the database the folder is
 * deployed to.  gk_target_status_report() adds it; `drift` calls it
 * alone.  0 or GK_ENOMEM.
 */
int gk_target_report_missing_history(gk_report *r, const gk_lint_options *o, const gk_target_state *s,
				     const char *where);

/* ---- pre-flight ------------------------------------------------------ */

/*
 * Relation names below are SQL text as a migration writes them: `users`,
 * `public.users`, `"User"`, `app."Order"`.  A name without a schema is
 * looked up along the session's search_path.  Relations the target does
 * not have (yet) are skipped.
 */

/* Another session that holds, or waits for, a lock on a relation. */
typedef struct gk_target_session {
	int pid;
	char *relation;      /* schema.name, quoted as SQL needs */
	char *mode;          /* as pg_locks names it: "AccessShareLock" */
	bool granted;        /* false: it is waiting for the lock */
	char *user;          /* may be NULL */
	char *application;   /* may be NULL or "" */
	char *state;         /* "active", "idle in transaction", ...; NULL when hidden */
	double xact_age_s;   /* age of its transaction; < 0 when unknown (hidden or none) */
	double wait_s;       /* waiting: for how long (14+); < 0 otherwise */
	char *query;         /* its current or last query, cut to 200 bytes; NULL when hidden */
	/* gk_target_concurrently_waits() only: */
	char *asked;         /* the name asked for whose table it locks; NULL for a snapshot holder */
	char *xmin;          /* backend_xmin, its snapshot's horizon; NULL when it holds none */
	long long xmin_age;  /* transactions begun since xmin; < 0 when it holds no snapshot */
	bool wrote;          /* it has a transaction id (it wrote something) */
} gk_target_session;

/**
 * Sessions other than ours that hold or wait for any lock on one of the
 * `n` relations `tables` (an ALTER TABLE queues behind every one of them,
 * and every later query on the table queues behind the ALTER), oldest
 * transaction first, one entry per session and relation (its strongest
 * mode).  Read from pg_locks and pg_stat_activity in one snapshot.
 */
int gk_target_blocking_sessions(gk_target_session **out, size_t *n_out, gk_target *t, const char *const *tables,
				size_t n, gk_error *err);
void gk_target_sessions_free(gk_target_session *s, size_t n);

/*
 * Who a CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY or REINDEX
 * CONCURRENTLY could wait for right now.  As measured on PostgreSQL 15:
 *  - CREATE INDEX CONCURRENTLY waits for every transaction holding a lock
 *    that conflicts with SHARE on the table (a writer: ROW EXCLUSIVE and
 *    up), then for every transaction of the database whose snapshot is
 *    older than the build's, whatever tables it reads: a REPEATABLE READ
 *    session idle on another table holds the build as long as it stays
 *    open;
 *  - REINDEX CONCURRENTLY waits for those snapshots too, and, before it
 *    drops the old index, for every transaction holding any lock on the
 *    table (a reader idle in transaction as well);
 *  - DROP INDEX CONCURRENTLY waits for every transaction holding any lock
 *    on the table, not for snapshots elsewhere.
 * A session outside a transaction holds no lock and no snapshot, and a
 * READ COMMITTED one holds no snapshot between its statements.
 *
 * `names` are the relations the statements name (a table, or an index,
 * whose table is meant).  *out holds first the lock holders (relation,
 * mode, asked set; one entry per session and name, its strongest mode),
 * then the snapshot holders of this database (relation and mode NULL,
 * xmin set) except those running a statement younger than
 * GK_TARGET_SNAPSHOT_GRACE_S, which end before a build gets that far; a
 * session can be in both parts.  Never our own session.  backend_xmin
 * is shown to every role; without pg_read_all_stats the state and the
 * transaction's start of other roles' sessions are hidden, so each
 * snapshot holder of theirs is listed, whatever it runs.
 */
#define GK_TARGET_SNAPSHOT_GRACE_S 1
int gk_target_concurrently_waits(gk_target_session **out, size_t *n_out, gk_target *t, const char *const *names,
				 size_t n, gk_error *err);

/*
 * The tables REINDEX SCHEMA `schema` CONCURRENTLY (`schema` NULL: REINDEX
 * DATABASE CONCURRENTLY) goes through one by one, each as a REINDEX TABLE
 * CONCURRENTLY that waits for every lock holder of that table: ordinary
 * tables and materialized views (PostgreSQL's ReindexMultipleTables skips
 * the other kinds, and with CONCURRENTLY the system catalogs: pg_catalog
 * and TOAST schemas are left out, and other sessions' temporary tables).
 * *out gets them SQL-quoted (schema.name, as gk_target_concurrently_waits
 * names relations), sorted; free with gk_target_names_free().
 */
int gk_target_reindex_tables(char ***out, size_t *n_out, gk_target *t, const char *schema, gk_error *err);
void gk_target_names_free(char **v, size_t n);

/*
 * lock_timeout as the server gives it to a role's sessions in this
 * database, from pg_db_role_setting: ALTER ROLE r IN DATABASE d, else
 * ALTER ROLE r, else ALTER DATABASE d (the order PostgreSQL applies them
 * in).  A setting in the client's connection (URL `options`, PGOPTIONS)
 * or in postgresql.conf is not there and cannot be seen from here.
 */
typedef struct gk_target_role_setting {
	char *role;          /* the role asked about */
	bool role_exists;
	char *value;         /* as stored, e.g. "2s"; NULL when none of the three sets it */
	char *source;        /* "ALTER ROLE app IN DATABASE shop", "ALTER ROLE app", "ALTER DATABASE shop"; NULL */
	double ms;           /* value in milliseconds; < 0 when value is NULL or not understood */
} gk_target_role_setting;

/** Read lock_timeout for `role` (NULL: the connecting user). */
int gk_target_role_lock_timeout(gk_target_role_setting *out, gk_target *t, const char *role, gk_error *err);
void gk_target_role_setting_free(gk_target_role_setting *s);

/* A relation's size as the messages show it (gk_target_size_text); the
 * gate fills it from the statistics snapshot (gk_target_stats). */
typedef struct gk_target_table_size {
	char *name;          /* as asked */
	char *relation;      /* schema.name as found; NULL when the target has no such relation */
	double rows;         /* pg_class.reltuples estimate; < 0 when never analyzed */
	long long bytes;     /* pg_total_relation_size: heap, indexes, TOAST */
} gk_target_table_size;

/**
 * The statistics snapshot of the target (catalog/stats.h) over its own
 * read-only session, so that a job that needs them (the gate's production
 * context and lock-window estimate) opens no second connection.  Errors
 * as gk_stats_take(); the caller frees *out with gk_stats_free().
 */
int gk_target_stats(gk_stats **out, gk_target *t, gk_error *err);


/**
 * "public.users, ~12M rows, 3.1 GB" (or "..., rows unknown (never
 * analyzed), 8.0 kB", "users: not on the target") into `buf`, for lock
 * and rewrite messages.
 */
void gk_target_size_text(char *buf, size_t size, const gk_target_table_size *s);

/* An index or constraint found by a health check. */
typedef struct gk_target_object {
	char *name;          /* schema.name of the index; the constraint's name */
	char *table;         /* schema.name of its table (a domain's name for a domain constraint) */
	char *definition;    /* pg_get_indexdef / pg_get_constraintdef */
} gk_target_object;

/**
 * Indexes with indisvalid = false, e.g. left by a CREATE INDEX
 * CONCURRENTLY that failed (queries do not use them, writes still pay for
 * them), except those a CREATE INDEX in progress is building right now.
 */
int gk_target_invalid_indexes(gk_target_object **out, size_t *n_out, gk_target *t, gk_error *err);

/** CHECK and FOREIGN KEY constraints added NOT VALID and never validated. */
int gk_target_unvalidated_constraints(gk_target_object **out, size_t *n_out, gk_target *t, gk_error *err);

void gk_target_objects_free(gk_target_object *o, size_t n);

/* Who holds a migration tool's lock. */
typedef struct gk_target_lock_holder {
	bool held;           /* another session holds it */
	int pid;
	char application[64];
	double age_s;        /* age of its transaction, else of its session; < 0 when hidden */
} gk_target_lock_holder;

/**
 * Whether another session holds Prisma Migrate's advisory lock
 * (GK_TARGET_PRISMA_LOCK_KEY, held by `migrate deploy` while it runs):
 * pg_locks, locktype advisory, the bigint key split as PostgreSQL stores
 * it (classid = high 32 bits, objid = low 32 bits, objsubid = 1), in this
 * database.  Taking the lock to test it would be a write of sorts; this
 * only looks.
 */
int gk_target_deploy_in_progress(gk_target_lock_holder *out, gk_target *t, gk_error *err);

/*
 * Findings of the pre-flight, at the severities of `o`, about `path` (the
 * migration concerned; may be NULL).  Each returns 0 or GK_ENOMEM.
 */
int gk_target_report_sessions(gk_report *r, const gk_lint_options *o, const char *path,
			      const gk_target_session *s, size_t n);
int gk_target_report_invalid_indexes(gk_report *r, const gk_lint_options *o, const gk_target_object *x, size_t n);
int gk_target_report_unvalidated_constraints(gk_report *r, const gk_lint_options *o, const gk_target_object *x,
					     size_t n);
int gk_target_report_deploy(gk_report *r, const gk_lint_options *o, const char *path,
			    const gk_target_lock_holder *h);

/*
 * blocking-session findings for the sessions `s` (gk_target_concurrently_waits)
 * that statement `what` (e.g. "CREATE INDEX CONCURRENTLY users_email_idx
 * ON users", at `line` of `path`) would wait for (the caller picks them),
 * with the reason
 * "CONCURRENTLY waits for transactions older than the build".
 */
int gk_target_report_concurrently(gk_report *r, const gk_lint_options *o, const char *path, int line,
				  const char *what, const gk_target_session *s, size_t n);

/*
 * lock_timeout: external, verified: an external-lock-timeout-missing
 * finding when `s` has no lock_timeout, or 0, or one longer than
 * o->lock_timeout_advice_ms; else a note saying where it is set.
 * `role_from` says how the role was chosen ("--deploy-role", "the
 * connecting user").  0 or GK_ENOMEM.
 */
int gk_target_report_role_lock_timeout(gk_report *r, const gk_lint_options *o, const gk_target_role_setting *s,
				       const char *role_from);

#endif
