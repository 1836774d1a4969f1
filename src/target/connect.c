/*
 * connect.c - the read-only connection to the target database.
 *
 * The target is production: gatekeeper must not be able to change it even
 * through a bug of its own.  So the session is made read-only by the
 * server, not by our discipline: default_transaction_read_only=on in the
 * startup options, plus a statement_timeout and a lock_timeout so that a
 * catalog read stuck behind a migration's ACCESS EXCLUSIVE lock gives up
 * instead of joining the lock queue (where it would block everyone behind
 * it, too).  A connection pooler may drop startup options, so the settings
 * are checked after connecting and set again with SET when they did not
 * arrive; a session that still is not read-only is refused.
 *
 * The URL is read by gk_dburl_parse() (util/dburl.h), like every
 * URL gatekeeper takes: Prisma's parameters libpq rejects (`schema`,
 * `connection_limit`, `pgbouncer`, ...) are removed, and `schema` is kept
 * because it names the schema of _prisma_migrations; quotes from a secret
 * store, SQLAlchemy's and JDBC's schemes are undone with a note, or refused.
 *
 * Messages: libpq's own say "connection to server at "h" (1.2.3.4), port
 * 5432 failed: ..." and never quote the password, but a password with an
 * unencoded '@' or '/' makes libpq read part of it as the host; every
 * message therefore goes through the shadow module's redaction (the same
 * code that guards --shadow-url), which masks each secret of the URL.
 */
#include "target/target_internal.h"
#include "util/dburl.h"
#include "util/redact.h"
#include "util/interrupt.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *gk_target_libpq_url(const char *url)
{
	gk_dburl u;
	if (gk_dburl_parse(&u, NULL, url, NULL) != 0)
		return NULL;
	char *clean = u.libpq;
	u.libpq = NULL;
	gk_dburl_free(&u);
	return clean;
}

/* libpq reads the URL without the Prisma parameters, which can move where
 * it finds the password ("?schema=a/b" before an '@'): the secrets of both
 * forms are masked. */
char *gk_tg_clean_message(const gk_target *t, const char *msg)
{
	char *libpq = gk_target_libpq_url(t->url);
	char *once = libpq ? gk_shadow_clean_message(msg, libpq) : NULL;
	char *twice = once ? gk_shadow_clean_message(once, t->url) : NULL;
	free(once);
	free(libpq);
	return twice;
}

/* "database D on host H port P" of a connection (tried or made), scrubbed. */
static char *describe(const gk_target *t)
{
	const char *db = PQdb(t->conn), *host = PQhost(t->conn), *port = PQport(t->conn);
	char *raw = gk_asprintf("database %s on host %s port %s", db && *db ? db : "(default)",
				host && *host ? host : "(default)", port && *port ? port : "(default)");
	char *clean = raw ? gk_tg_clean_message(t, raw) : NULL;
	free(raw);
	return clean;
}

/* The URL's own `options` (or ""), so that ours go after them and win. */
static char *url_options(const char *url)
{
	PQconninfoOption *opts = PQconninfoParse(url, NULL);
	char *v = NULL;
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, "options") == 0 && o->val)
			v = gk_strdup(o->val);
	PQconninfoFree(opts);
	return v ? v : gk_strdup("");
}

static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Open the session: libpq keywords are processed in order, so the
 * defaults before `dbname` yield to the URL, and `options` after it wins. */
static int open_conn(gk_target *t, const char *clean_url, gk_error *err)
{
	char *user_opts = url_options(clean_url);
	char timeout[16];
	snprintf(timeout, sizeof timeout, "%d", GK_TARGET_CONNECT_TIMEOUT_S);
	char *opts = user_opts ? gk_asprintf("%s%s-c default_transaction_read_only=on -c statement_timeout=%d "
					     "-c lock_timeout=%d -c idle_in_transaction_session_timeout=%d",
					     user_opts, *user_opts ? " " : "", GK_TARGET_STATEMENT_TIMEOUT_MS,
					     GK_TARGET_LOCK_TIMEOUT_MS, GK_TARGET_STATEMENT_TIMEOUT_MS * 6)
			       : NULL;
	free(user_opts);
	if (!opts)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	const char *keys[] = {"connect_timeout", "application_name", "dbname", "options", NULL};
	const char *vals[] = {timeout, "gatekeeper", clean_url, opts, NULL};
	t->conn = PQconnectdbParams(keys, vals, 1);
	free(opts);
	t->where = t->conn ? describe(t) : NULL;
	if (!t->conn || !t->where)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	if (PQstatus(t->conn) == CONNECTION_OK) {
		PQsetNoticeProcessor(t->conn, quiet, NULL);
		t->version = PQserverVersion(t->conn);
		/* An interrupted run cancels what the target is busy with. */
		t->watch = gk_watch_begin(t->conn, 0);
		return 0;
	}
	const char *host = PQhost(t->conn), *port = PQport(t->conn);
	char *raw = gk_asprintf("host %s port %s: %s", host && *host ? host : "(default)",
				port && *port ? port : "(default)", PQerrorMessage(t->conn));
	char *m = raw ? gk_tg_clean_message(t, raw) : NULL;
	/* A wrong password or database is the URL's fault (exit 2), not the server's. */
	int code = gk_dburl_refusal(PQerrorMessage(t->conn), PQconnectionNeedsPassword(t->conn));
	int rc = gk_error_set(err, m ? code : GK_ENOMEM, "cannot connect to the target database on %s",
			      m ? m : "(out of memory)");
	free(raw);
	free(m);
	return rc;
}

/* The settings that make the session safe, as the server has them now. */
static PGresult *read_settings(gk_target *t, gk_error *err)
{
	return gk_tg_query(t,
			   "SELECT current_setting('default_transaction_read_only'), "
			   "current_setting('statement_timeout'), current_setting('lock_timeout')",
			   0, NULL, "cannot read the session settings", err);
}

static bool settings_ok(const PGresult *r)
{
	return strcmp(PQgetvalue(r, 0, 0), "on") == 0 && strcmp(PQgetvalue(r, 0, 1), "0") != 0 &&
	       strcmp(PQgetvalue(r, 0, 2), "0") != 0;
}

/* A pooler (PgBouncer) may not pass startup options on: set them again. */
static int ensure_read_only(gk_target *t, gk_error *err)
{
	PGresult *r = read_settings(t, err);
	if (!r)
		return GK_EINFRA;
	bool ok = settings_ok(r);
	PQclear(r);
	if (ok)
		return 0;
	char *sql = gk_asprintf("SET SESSION default_transaction_read_only = on; SET SESSION statement_timeout = %d; "
				"SET SESSION lock_timeout = %d",
				GK_TARGET_STATEMENT_TIMEOUT_MS, GK_TARGET_LOCK_TIMEOUT_MS);
	if (!sql)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	PQclear(PQexec(t->conn, sql));
	free(sql);
	if (!(r = read_settings(t, err)))
		return GK_EINFRA;
	ok = settings_ok(r);
	PQclear(r);
	if (!ok)
		return gk_error_set(err, GK_EINFRA,
				    "the session on %s is not read-only (default_transaction_read_only could not be set); "
				    "gatekeeper reads production only through read-only sessions",
				    t->where);
	return 0;
}

int gk_target_connect(gk_target **out, const char *url, gk_error *err)
{
	*out = NULL;
	gk_target *t = calloc(1, sizeof *t);
	if (!t)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	t->watch = -1;
	t->url = gk_strdup(url ? url : "");
	gk_dburl u = {0};
	int rc = t->url ? gk_dburl_parse(&u, "the target database URL", t->url, err)
			: gk_error_set(err, GK_ENOMEM, "out of memory");
	char *clean = u.libpq;
	t->schema = u.schema;
	t->note = u.note;
	if (rc == 0)
		rc = open_conn(t, clean, err);
	if (rc == 0)
		rc = ensure_read_only(t, err);
	free(clean);
	if (rc) {
		gk_target_close(t);
		return rc;
	}
	*out = t;
	return 0;
}

void gk_target_close(gk_target *t)
{
	if (!t)
		return;
	gk_watch_end(t->watch);
	PQfinish(t->conn);
	free(t->url);
	free(t->where);
	free(t->schema);
	free(t->note);
	free(t);
}

const char *gk_target_where(const gk_target *t) { return t->where; }
int gk_target_server_version(const gk_target *t) { return t->version; }
const char *gk_target_url_schema(const gk_target *t) { return t->schema; }
const char *gk_target_url_note(const gk_target *t) { return t->note; }
const char *gk_target_last_sqlstate(const gk_target *t) { return t->sqlstate; }

/* ---- queries ---------------------------------------------------------- */

static int command(gk_target *t, const char *sql, const char *what, gk_error *err)
{
	PGresult *r = PQexec(t->conn, sql);
	int rc = 0;
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		snprintf(t->sqlstate, sizeof t->sqlstate, "%s", state ? state : "");
		const char *primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
		char *m = gk_tg_clean_message(t, primary ? primary : PQerrorMessage(t->conn));
		rc = gk_error_set(err, GK_EINFRA, "%s on %s: %s", what, t->where, m ? m : "");
		free(m);
	}
	PQclear(r);
	return rc;
}

int gk_tg_begin(gk_target *t, gk_error *err)
{
	return command(t, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "cannot start a read-only transaction",
		       err);
}

void gk_tg_end(gk_target *t)
{
	PQclear(PQexec(t->conn, "ROLLBACK"));
}

PGresult *gk_tg_query(gk_target *t, const char *sql, int nparams, const char *const *params, const char *what,
		      gk_error *err)
{
	PGresult *r = PQexecParams(t->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) == PGRES_TUPLES_OK) {
		t->sqlstate[0] = '\0';
		return r;
	}
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	snprintf(t->sqlstate, sizeof t->sqlstate, "%s", state ? state : "");
	const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char *m = gk_tg_clean_message(t, primary ? primary : PQerrorMessage(t->conn));
	gk_error_set(err, GK_EINFRA, "%s on %s: %s", what, t->where, m ? m : "(out of memory)");
	free(m);
	PQclear(r);
	return NULL;
}

char *gk_tg_text_array(const char *const *items, size_t n)
{
	return gk_text_array_literal(items, n);
}

char *gk_tg_value(const PGresult *r, int row, int col, bool *oom)
{
	if (PQgetisnull(r, row, col))
		return NULL;
	char *v = gk_strdup(PQgetvalue(r, row, col));
	if (!v)
		*oom = true;
	return v;
}
