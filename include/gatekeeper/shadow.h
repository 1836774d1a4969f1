/*
 * gatekeeper/shadow.h - a PostgreSQL server to replay migrations into.
 *
 * A shadow is either
 *  - embedded (the default): a private cluster gatekeeper creates with
 *    `initdb` in a fresh temporary folder and runs with durability off,
 *    listening only on a Unix socket inside that folder; when gatekeeper runs
 *    as root the server runs as an unprivileged user (PostgreSQL refuses
 *    root).  The cluster is stopped and its folder removed by
 *    gk_shadow_close(), and also when the process exits, calls exit(), or
 *    gets SIGINT, SIGTERM or SIGHUP while the cluster is open.  If the
 *    process is killed outright the server still stops (parent-death
 *    signal); its folder is removed by the next gk_shadow_open() in the same
 *    temporary folder.  Open a shadow from a thread that outlives it: the
 *    server stops when the thread that started it exits.
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
#ifndef GATEKEEPER_SHADOW_H
#define GATEKEEPER_SHADOW_H

#include "gatekeeper/common.h"

typedef struct gk_shadow gk_shadow;

typedef struct gk_shadow_options {
	/* External server (a libpq URL or key=value conninfo); NULL or "" =
	 * embedded private cluster.  The caller reads --shadow-url /
	 * SHADOW_DATABASE_URL. */
	const char *url;
	/* Embedded: folder with `initdb` and `postgres`; NULL = the folder
	 * `pg_config --bindir` names, else the newest /usr/lib/postgresql/<N>/bin. */
	const char *pg_bin;
	/* Embedded: where the cluster's folder is made; NULL = $TMPDIR or /tmp. */
	const char *tmp_dir;
	/* Embedded, only when running as root: the user the server runs as;
	 * NULL = `postgres` if that user exists, else `nobody`. */
	const char *run_as;
} gk_shadow_options;

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
 * database this shadow created, e.g. after replaying a prefix) or, when it
 * is NULL, a fresh empty one (template0).  *conninfo_out (malloc'ed, the
 * caller frees it) connects to it; *dbname_out (optional, malloc'ed) gets
 * its name.  The database is dropped by gk_shadow_close().  GK_ECONFIG on a
 * borrowed database (no CREATEDB).
 */
int gk_shadow_new_database(gk_shadow *s, const char *template_db, char **conninfo_out,
                           char **dbname_out, gk_error *err);

/** Drop a database this shadow created (never any other: GK_ENOTFOUND). */
int gk_shadow_drop_database(gk_shadow *s, const char *dbname, gk_error *err);

/**
 * Undo everything the shadow did on its server: drop the databases it
 * created (or empty the borrowed one), stop and remove a private cluster.
 * Reports the first failure but always finishes; afterwards only
 * gk_shadow_close() may be called.
 */
int gk_shadow_cleanup(gk_shadow *s, gk_error *err);

/** gk_shadow_cleanup() (ignoring failures) and free `s`.  NULL is a no-op. */
void gk_shadow_close(gk_shadow *s);

/**
 * Copy of a libpq URL or key=value conninfo with every password
 * (`user:PASSWORD@`, `password=`, `sslpassword=`, also inside a `dbname=`
 * that is itself a URL or conninfo) replaced by "****", for messages.
 * Malloc'ed; NULL only when out of memory.
 */
char *gk_shadow_redact(const char *conninfo);

#endif
