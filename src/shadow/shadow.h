/*
 * shadow/shadow.h - a PostgreSQL server to replay migrations into.
 *
 * A shadow is one of
 *  - embedded (the default): a private cluster gatekeeper creates with
 *    `initdb` in a fresh temporary folder and runs with durability off,
 *    listening only on a Unix socket inside that folder; when gatekeeper runs
 *    as root the server runs as an unprivileged user (PostgreSQL refuses
 *    root).  The cluster is stopped and its folder removed by
 *    gk_shadow_close().  With `cleanup_handlers` (gatekeeper/types.h) also when the
 *    process returns from main, calls exit(), or gets SIGINT, SIGTERM or
 *    SIGHUP while the cluster is open; without it nothing process-wide is
 *    installed and the caller owns the cleanup: gk_shadow_close() on every
 *    path out, its own signal handling included.  If the process is killed
 *    outright (or ends without that cleanup) the server still stops
 *    (parent-death signal); its folder is removed by the next
 *    gk_shadow_open() in the same temporary folder.  Open a shadow from a
 *    thread that outlives it: the server stops when the thread that
 *    started it exits.
 *  - cached (embedded with `cache_dir`): the same kind of server, but its
 *    data folder persists in <cache_dir>/pg<major>/data between runs, so
 *    that the schema after a replayed prefix of migrations can be kept as a
 *    template database and cloned by a later run (the template cache
 *    below).  Each run works in databases of its own, dropped on close;
 *    only the server and its socket folder (a private temporary folder, as
 *    above) go away on close, exit and signals, and the server is shut
 *    down cleanly, so the folder can be saved by a CI cache step.  One
 *    process at a time uses a cache folder (an flock); a second one, or one
 *    that cannot use the folder, gets a private temporary cluster instead
 *    and gk_shadow_cache_note() says why.  When root, the data folder
 *    belongs to the server's user, who must be able to pass through
 *    `cache_dir` (not so under a 0700 home such as /root).  The folder is
 *    untrusted: `cache_dir` itself and everything below it are used only
 *    when they are no symlinks, belong to us (the data folder to the
 *    server's user), are not writable by others, and the data folder
 *    carries the marker gatekeeper wrote; else the cache is not used (the
 *    note says why) and nothing in it is touched.  Its configuration files
 *    are rewritten before every start.
 *  - external (`url`): a fresh database `gatekeeper_shadow_<random>` on
 *    someone else's server, dropped WITH (FORCE) on close.  That needs
 *    CREATEDB; without it the database named in the URL is borrowed, but only
 *    when it holds no user objects (else GK_ECONFIG and nothing is touched),
 *    and everything created in it is dropped again on close.
 *
 * Errors: GK_EINFRA when the server cannot be found, started or reached
 * (the caller exits 3), GK_ECONFIG when the setup is unusable as given
 * (exit 2).  Messages never contain a password.
 */
#ifndef GK_SHADOW_H
#define GK_SHADOW_H

#include "gatekeeper/common.h"
#include "gatekeeper/types.h"

typedef struct gk_shadow gk_shadow;

/* gk_shadow_options: gatekeeper/types.h (the jobs' options hold one). */

/*
 * The sandbox.  Migrations are untrusted input, so they never run as a
 * superuser of the embedded server: the databases a shadow makes belong to
 * the role GK_SHADOW_ROLE (LOGIN, no SUPERUSER, CREATEDB, CREATEROLE,
 * REPLICATION or BYPASSRLS, member of no role), and gk_shadow_conninfo()
 * and gk_shadow_new_database() connect as that role.  It can create
 * tables, types, functions in trusted languages and trusted extensions;
 * it cannot COPY to or from a program or a server file, read server files,
 * load untrusted languages or ALTER SYSTEM.  What needs more (the shadow
 * init file, which the repository's owner writes) runs on
 * gk_shadow_superuser_conninfo().  The server's superuser connects only
 * from inside the process: both roles log in by `trust` on the Unix socket
 * in the cluster's private folder, which the role's own sessions cannot
 * use to become the superuser (dblink and postgres_fdw refuse a
 * non-superuser a connection that used no password).
 *
 * An extension on the allow-list (`extensions` above) is created through
 * the function pg_catalog.gatekeeper_create_extension(), installed in each
 * database as the superuser, callable by the role, and refusing any other
 * name; the replay (src/replay) sends a call of it in place of the
 * migration's CREATE EXTENSION statement.  The extension then belongs to
 * the role, as a trusted extension would.
 *
 * On an external server the URL's user runs the migrations as it is: a
 * cluster-wide role made there for the run would outlive a killed run.
 * gk_shadow_sandbox_note() says so when that user has a superuser's power.
 */
#define GK_SHADOW_ROLE "gatekeeper_replay"

/** The default allow-list: the extensions of PostgreSQL's contrib that need
 * a superuser, except adminpack (writes server files) and
 * those that only exist to bind an untrusted language.  NULL-terminated. */
extern const char *const gk_shadow_default_extensions[];

/**
 * Start (embedded) or connect to (external) a shadow server and make a fresh,
 * empty database on it.  `o` may be NULL (embedded defaults).  On success
 * *out is owned by the caller and released with gk_shadow_close().
 */
int gk_shadow_open(gk_shadow **out, const gk_shadow_options *o, gk_error *err);

/** libpq conninfo of the fresh database (owned by `s`).  It may contain the
 * password of an external URL: pass it through gk_shadow_redact() before
 * showing it. */
const char *gk_shadow_conninfo(const gk_shadow *s);

/** libpq conninfo of database `dbname` of this shadow as the server's
 * superuser (malloc'ed; it may contain a password), for what the
 * repository's owner wrote (the shadow init file); NULL when the shadow
 * has no superuser of its own (an external server) or out of memory: then
 * use the role's conninfo. */
char *gk_shadow_superuser_conninfo(const gk_shadow *s, const char *dbname);

/** The role migrations run as (GK_SHADOW_ROLE, or an external URL's user). */
const char *gk_shadow_role(const gk_shadow *s);

/** NULL when migrations run sandboxed; else one sentence for the report,
 * e.g. "migrations run as app on host db port 5432, a superuser: ...". */
const char *gk_shadow_sandbox_note(const gk_shadow *s);

/** Name of that database. */
const char *gk_shadow_dbname(const gk_shadow *s);

/** The server's server_version_num, e.g. 150020. */
int gk_shadow_server_version(const gk_shadow *s);

/** True for the private cluster, false for an external server. */
bool gk_shadow_is_embedded(const gk_shadow *s);

/** Where the server is, for messages, without any password:
 * "the private cluster in /tmp/gatekeeper-shadow-ab12Cd" or
 * "host db.example.com port 5432". */
const char *gk_shadow_where(const gk_shadow *s);

/**
 * Create another database on the same server: a copy of `template_db` (a
 * database this shadow created, e.g. after replaying a prefix, or a
 * template gk_shadow_template_find() named) or, when it is NULL, a fresh
 * empty one (template0).  *conninfo_out (malloc'ed, the caller frees it)
 * connects to it; *dbname_out (optional, malloc'ed) gets
 * its name.  The database is dropped by gk_shadow_close().  GK_ECONFIG on a
 * borrowed database (no CREATEDB).
 */
int gk_shadow_new_database(char **conninfo_out, char **dbname_out, gk_shadow *s, const char *template_db, gk_error *err);

/** Drop a database this shadow created (never any other: GK_ENOTFOUND). */
int gk_shadow_drop_database(gk_shadow *s, const char *dbname, gk_error *err);

/**
 * Undo everything the shadow did on its server: drop the databases it
 * created (or empty the borrowed one), stop and remove a private cluster.
 * A cache cluster keeps its templates and its data folder: its server is
 * only stopped.  Reports the first failure but always finishes; afterwards
 * only gk_shadow_close() may be called.
 */
int gk_shadow_cleanup(gk_shadow *s, gk_error *err);

/** gk_shadow_cleanup() (ignoring failures) and free `s`.  NULL is a no-op. */
void gk_shadow_close(gk_shadow *s);

/* ---- the template cache ---------------------------------------------- */

/*
 * A run replays migrations 1..n in order.  The chain hash after migration i
 * names the prefix 1..i: it covers every earlier migration's name and
 * bytes, so editing migration k changes the hashes of k.. and leaves those
 * of ..k-1 alone (their templates still hit).  The seed should cover
 * whatever else changes what a replay does (e.g. GK_VERSION and the
 * runner); the server's major version is covered by the pg<major> folder.
 * Typical use:
 *
 *     gk_shadow_template_find(&k, &tpl, s, hashes, n, err);
 *     gk_shadow_new_database(&ci, &db, s, tpl, err);  (tpl NULL: empty)
 *     replay migrations k+1..n into db; after migration i, with every
 *     connection to db closed: gk_shadow_template_store(s, db, hashes[i-1], err)
 *
 * Without a cache (gk_shadow_cached() false) the same calls work and
 * cache nothing.
 */

/* Chain hash: H_0 = SHA-256(seed), H_i = SHA-256(H_{i-1} || name_i || 0x00 ||
 * bytes_i), where H_{i-1} enters as its 64 lowercase hex digits.  `hex`
 * buffers are 65 bytes (64 hex digits + NUL); `hex` may be `prev_hex`.
 * When out of memory, or when `prev_hex` is not 64 characters (such an ""),
 * `hex` becomes "", which find and store reject (GK_ECONFIG). */
void gk_shadow_chain_start(char hex[65], const char *seed, size_t seed_len);
void gk_shadow_chain_next(char hex[65], const char *prev_hex, const char *name,
                          const char *bytes, size_t len);

/** True when this shadow runs on a cache cluster (templates can be found and kept). */
bool gk_shadow_cached(const gk_shadow *s);

/** Why the cache is not used (NULL when it is, or when none was asked for):
 * one sentence such as "the cache folder /c/pg15 is in use by another
 * gatekeeper process".  Owned by `s`. */
const char *gk_shadow_cache_note(const gk_shadow *s);

/** $XDG_CACHE_HOME/gatekeeper, else (root) /var/cache/gatekeeper, else
 * $HOME/.cache/gatekeeper (malloc'ed); NULL when none applies (or out of
 * memory). */
char *gk_shadow_default_cache_dir(void);

#define GK_SHADOW_TEMPLATES_MAX 10

/**
 * The longest cached prefix: hashes[i] is the chain hash after migration i
 * (i = 0..n-1).  Sets *prefix to the number of migrations the template
 * holds (0 = none cached, then *template_db = NULL) and *template_db
 * (malloc'ed, caller frees) to the database to pass to
 * gk_shadow_new_database() as the template.  Marks it used (LRU).
 * Without a cache: *prefix = 0, returns 0.  GK_ECONFIG when a hash is not
 * 64 lowercase hex digits.
 */
int gk_shadow_template_find(size_t *prefix, char **template_db, gk_shadow *s, const char *const *hashes, size_t n,
                            gk_error *err);

/**
 * Keep a copy of database `dbname` (one this shadow created, with no open
 * connection) as the template for chain hash `hash`; evicts the least
 * recently used templates beyond GK_SHADOW_TEMPLATES_MAX.  Storing a hash
 * already cached only marks it used.  Without a cache: no-op, 0.
 * GK_ENOTFOUND when this shadow did not create `dbname`, GK_ECONFIG for a
 * malformed hash, GK_EINFRA when the server refuses (a session still on
 * `dbname` makes the copy fail after ~5 s).
 */
int gk_shadow_template_store(gk_shadow *s, const char *dbname, const char *hash, gk_error *err);

/**
 * Copy of a libpq URL or key=value conninfo with every password
 * (`user:PASSWORD@`, `password=`, `sslpassword=`, also inside a `dbname=`
 * that is itself a URL or conninfo) replaced by "****", for messages.
 * Malloc'ed; NULL only when out of memory.
 */
char *gk_shadow_redact(const char *conninfo);

/**
 * A libpq or server message for the reports: every secret of `conninfo`
 * (the URL the message is about) masked, also pieces libpq quotes from a
 * malformed URL, and folded onto one line.  Malloc'ed; NULL when out of
 * memory.
 */
char *gk_shadow_clean_message(const char *msg, const char *conninfo);

#endif
