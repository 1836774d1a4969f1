/*
 * connect.c - the connection a snapshot reads through.
 *
 * The database is usually production, so the connection is read-only from
 * its first statement: default_transaction_read_only, statement_timeout and
 * lock_timeout go into the startup packet's `options` (the server applies
 * them before anything runs, and no statement of ours can forget them),
 * appended after whatever `options` the URL already carries, so that ours
 * win; settings from the startup packet also beat ALTER ROLE/DATABASE ...
 * SET.  They are user-level GUCs: a role with nothing but CONNECT can set
 * them.  The snapshot's transaction is READ ONLY on top of that.
 *
 * Messages: libpq quotes pieces of a URL it could not split (a password
 * with an unencoded '/' or '@' ends up quoted as a port or host), so every
 * message goes through the shadow module's redaction, which masks the
 * password and its pieces, and the URL itself is shown redacted.
 */
#include "catalog/catalog_internal.h"
#include "util/dburl.h"
#include "util/redact.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* libpq's multi-line messages as one line, secrets masked. */
static char *clean(const char *msg, const char *conninfo)
{
	return gk_shadow_clean_message(msg, conninfo);
}

static int fail(gk_error *err, int code, const char *what, const char *msg, const char *conninfo)
{
	char *url = gk_shadow_redact(conninfo);
	char *m = clean(msg, conninfo);
	gk_error_set(err, code, "%s %s: %s", what, url ? url : "(the database)", m ? m : "out of memory");
	free(url);
	free(m);
	return code;
}

int gk_cat_sql_error(PGconn *c, const PGresult *r, const char *conninfo, const char *what, gk_error *err)
{
	const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *host = PQhost(c), *port = PQport(c);
	/* The host too: an unencoded '@' in a password moves part of it there. */
	const char *msg = primary ? primary : PQerrorMessage(c);
	char *raw = gk_asprintf("%s on host %s port %s%s%s", what, host && *host ? host : "(default)",
				port && *port ? port : "(default)", *msg ? ": " : "", msg);
	char *m = raw ? clean(raw, conninfo) : NULL;
	gk_error_set(err, GK_EINFRA, "%s", m ? m : "out of memory");
	free(raw);
	free(m);
	return GK_EINFRA;
}

/* Keywords and values of `conninfo` with ours added; NULL-terminated
 * arrays, the values owned by `opts` (parsed) or by the struct. */
typedef struct params {
	PQconninfoOption *opts;
	const char **kw, **val;
	size_t n;
	char *options;
} params;

static void params_free(params *p)
{
	PQconninfoFree(p->opts);
	free(p->kw);
	free(p->val);
	free(p->options);
}

static void add(params *p, const char *kw, const char *val)
{
	p->kw[p->n] = kw;
	p->val[p->n++] = val;
}

/* The URL's own settings but `options`, which *theirs gets. */
static void copy_theirs(params *p, const char **theirs, bool *app, bool *timeout)
{
	for (PQconninfoOption *x = p->opts; x->keyword; x++) {
		if (!x->val || !*x->val)
			continue;
		if (!strcmp(x->keyword, "options")) {
			*theirs = x->val;
			continue;
		}
		*app |= !strcmp(x->keyword, "application_name");
		*timeout |= !strcmp(x->keyword, "connect_timeout");
		add(p, x->keyword, x->val);
	}
}

static int params_build(params *p, const gk_catalog_options *o)
{
	size_t n = 0;
	for (PQconninfoOption *x = p->opts; x->keyword; x++)
		n++;
	p->kw = calloc(n + 4, sizeof *p->kw);
	p->val = calloc(n + 4, sizeof *p->val);
	if (!p->kw || !p->val)
		return GK_ENOMEM;
	const char *theirs = NULL;
	bool app = false, timeout = false;
	copy_theirs(p, &theirs, &app, &timeout);
	int st = gk_cat_statement_timeout_ms(o);
	int lt = o && o->lock_timeout_ms > 0 ? o->lock_timeout_ms : GK_CATALOG_LOCK_TIMEOUT_MS;
	p->options = gk_asprintf("%s%s-c default_transaction_read_only=on -c statement_timeout=%d "
				 "-c lock_timeout=%d -c jit=off", theirs ? theirs : "", theirs ? " " : "", st, lt);
	if (!p->options)
		return GK_ENOMEM;
	add(p, "options", p->options);
	if (!app)
		add(p, "application_name", "gatekeeper snapshot");
	if (!timeout)
		add(p, "connect_timeout", "10");
	return 0;
}

int gk_cat_statement_timeout_ms(const gk_catalog_options *o)
{
	return o && o->statement_timeout_ms > 0 ? o->statement_timeout_ms : GK_CATALOG_STATEMENT_TIMEOUT_MS;
}

static int check_server(PGconn *c, const char *conninfo, gk_error *err)
{
	int v = PQserverVersion(c);
	if (v >= GK_CATALOG_MIN_VERSION)
		return 0;
	char msg[128];
	snprintf(msg, sizeof msg, "PostgreSQL %d.%d is older than 14, whose catalogs the snapshot reads",
		 v / 10000, v % 10000);
	return fail(err, GK_ECONFIG, "cannot snapshot", msg, conninfo);
}

static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

int gk_cat_connect(PGconn **out, const char *conninfo, const gk_catalog_options *o, gk_error *err)
{
	*out = NULL;
	params p = {0};
	char *perr = NULL;
	/* Every URL is read by the one parser (util/dburl.h): a Prisma
	 * URL loses the parameters libpq rejects, other forms are refused. */
	gk_dburl u;
	int urc = gk_dburl_parse(&u, "the database URL", conninfo, err);
	if (urc)
		return urc;
	p.opts = PQconninfoParse(u.libpq, &perr);
	gk_dburl_free(&u);
	if (!p.opts) {
		int rc = perr ? fail(err, GK_ECONFIG, "cannot use the database URL", perr, conninfo)
			      : gk_error_set(err, GK_ENOMEM, "out of memory");
		PQfreemem(perr);
		return rc;
	}
	int rc = params_build(&p, o);
	/* expand_dbname: a dbname that is itself a URL or conninfo is read as
	 * one, as PQconnectdb() would; `options` comes later and still wins. */
	PGconn *c = rc ? NULL : PQconnectdbParams(p.kw, p.val, 1);
	params_free(&p);
	if (rc)
		return gk_error_set(err, rc, "out of memory");
	if (!c)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	if (PQstatus(c) != CONNECTION_OK) {
		/* A wrong password or database is the URL's fault (exit 2), not the server's. */
		rc = fail(err, gk_dburl_refusal(PQerrorMessage(c), PQconnectionNeedsPassword(c)), "cannot connect to",
			  PQerrorMessage(c), conninfo);
		PQfinish(c);
		return rc;
	}
	PQsetNoticeProcessor(c, quiet, NULL);
	if ((rc = check_server(c, conninfo, err)) != 0 || PQsetClientEncoding(c, "UTF8") != 0) {
		if (!rc)
			rc = gk_cat_sql_error(c, NULL, conninfo, "cannot set the client encoding", err);
		PQfinish(c);
		return rc;
	}
	*out = c;
	return 0;
}
