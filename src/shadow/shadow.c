/*
 * shadow.c - the shadow server API: an embedded private cluster or a
 * database on an external server, and the databases made on it.
 *
 * Databases: the embedded cluster's own `postgres` database is the fresh
 * one (initdb just made it; creating another would cost ~0.1 s), and
 * administrative statements (CREATE/DROP DATABASE) go through short
 * connections to template1, so that no session of ours ever sits on a
 * database someone wants to clone or drop.  On an external server the
 * connection to the URL's database stays open for the whole run: it is the
 * one we are sure we may open, and the one that drops our databases at the
 * end.  Every database we create is named gatekeeper_shadow_<16 hex> and
 * made from template0, which is empty even when template1 is not.
 */
#include "gatekeeper/shadow.h"
#include "shadow/shadow_internal.h"
#include "util/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

struct gk_shadow {
	bool embedded, borrowed, cleaned;
	gk_cluster *cluster;
	char *url;        /* external: as given, to scrub its secrets from messages */
	char *base;       /* conninfo without dbname (may hold a password) */
	char *where;      /* "host H port P" / the cluster's folder, for messages */
	char *dbname;
	char *conninfo;
	PGconn *admin;    /* external only */
	int version;
	char **created;   /* databases we made, dropped on cleanup */
	size_t ncreated, cap;
	gk_kept kept;     /* borrowed: what was there at open */
};

/* ---- helpers ---------------------------------------------------------- */

/* A libpq/server message on one line, without the URL's secrets. */
static char *clean_message(const gk_shadow *s, const char *msg)
{
	char *m = gk_redact_message(msg ? msg : "", s->url);
	if (!m)
		return NULL;
	size_t len = strlen(m);
	while (len > 0 && (m[len - 1] == '\n' || m[len - 1] == ' '))
		m[--len] = '\0';
	/* One line: libpq puts hints on indented lines of their own. */
	char *w = m;
	for (const char *p = m; *p; p++) {
		bool space = *p == '\n' || *p == '\t' || *p == ' ';
		if (!space)
			*w++ = *p;
		else if (w > m && w[-1] != ' ')
			*w++ = ' ';
	}
	*w = '\0';
	return m;
}

static int sql_error(const gk_shadow *s, PGconn *c, PGresult *r, const char *what, gk_error *err)
{
	const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char *m = clean_message(s, primary ? primary : PQerrorMessage(c));
	int rc = gk_error_set(err, GK_EINFRA, "%s on %s: %s", what, s->where, m ? m : "");
	free(m);
	return rc;
}

static int exec_ok(const gk_shadow *s, PGconn *c, const char *sql, const char *what, gk_error *err)
{
	PGresult *r = PQexec(c, sql);
	int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : sql_error(s, c, r, what, err);
	PQclear(r);
	return rc;
}

static int random_name(char out[40])
{
	unsigned char b[8];
	size_t got = 0;
	while (got < sizeof b) {
		ssize_t n = getrandom(b + got, sizeof b - got, 0);
		if (n < 0 && errno != EINTR)
			return -1;
		if (n > 0)
			got += (size_t)n;
	}
	int k = snprintf(out, 40, "gatekeeper_shadow_");
	for (size_t i = 0; i < sizeof b; i++)
		k += snprintf(out + k, 40 - (size_t)k, "%02x", b[i]);
	return 0;
}

/* Notices ("drop cascades to ...") are not for our user's terminal. */
static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Connection for CREATE/DROP DATABASE; release it with admin_done(). */
static PGconn *admin_conn(const gk_shadow *s, gk_error *err)
{
	if (!s->embedded) {
		if (PQstatus(s->admin) != CONNECTION_OK)
			PQreset(s->admin);
		if (PQstatus(s->admin) == CONNECTION_OK)
			return s->admin;
		sql_error(s, s->admin, NULL, "lost the connection to the shadow server", err);
		return NULL;
	}
	char *ci = gk_conninfo_add(gk_strdup(s->base), "dbname", "template1");
	PGconn *c = ci ? PQconnectdb(ci) : NULL;
	free(ci);
	if (PQstatus(c) == CONNECTION_OK) {
		PQsetNoticeProcessor(c, quiet, NULL);
		return c;
	}
	sql_error(s, c, NULL, "cannot connect to template1", err);
	PQfinish(c);
	return NULL;
}

static void admin_done(const gk_shadow *s, PGconn *c)
{
	if (s->embedded)
		PQfinish(c);
}

static int track(gk_shadow *s, const char *name)
{
	char *copy = gk_strdup(name);
	if (!copy || gk_grow(&s->created, &s->cap, s->ncreated + 1, sizeof *s->created) != 0) {
		free(copy);
		return GK_ENOMEM;
	}
	s->created[s->ncreated++] = copy;
	return 0;
}

static ssize_t find_created(const gk_shadow *s, const char *name)
{
	for (size_t i = 0; i < s->ncreated; i++)
		if (strcmp(s->created[i], name) == 0)
			return (ssize_t)i;
	return -1;
}

/* CREATE DATABASE <name> TEMPLATE <template>, both already checked. */
static int create_db(gk_shadow *s, PGconn *c, const char *name, const char *template_db,
                     gk_error *err)
{
	char *qn = PQescapeIdentifier(c, name, strlen(name));
	char *qt = PQescapeIdentifier(c, template_db, strlen(template_db));
	char *sql = qn && qt ? gk_asprintf("CREATE DATABASE %s TEMPLATE %s", qn, qt) : NULL;
	PQfreemem(qn);
	PQfreemem(qt);
	if (!sql)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	char what[128];
	snprintf(what, sizeof what, "cannot create database %s", name);
	int rc = exec_ok(s, c, sql, what, err);
	free(sql);
	return rc ? rc : track(s, name);
}

static int drop_db(const gk_shadow *s, PGconn *c, const char *name, gk_error *err)
{
	char *qn = PQescapeIdentifier(c, name, strlen(name));
	/* WITH (FORCE) (PostgreSQL 13+) ends sessions a crashed replay left. */
	char *sql = qn ? gk_asprintf("DROP DATABASE IF EXISTS %s%s", qn,
	                             s->version >= 130000 ? " WITH (FORCE)" : "")
	               : NULL;
	PQfreemem(qn);
	if (!sql)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	char what[128];
	snprintf(what, sizeof what, "cannot drop database %s", name);
	int rc = exec_ok(s, c, sql, what, err);
	free(sql);
	return rc;
}

/* ---- opening ---------------------------------------------------------- */

static int open_embedded(gk_shadow *s, const gk_shadow_options *o, gk_error *err)
{
	char *bindir = NULL;
	gk_bin_search where = {o->pg_bin, NULL, NULL};
	int rc = gk_cluster_find_bin(&bindir, &where, err);
	if (rc)
		return rc;
	rc = gk_cluster_start(&s->cluster, bindir, o->tmp_dir, o->run_as, err);
	free(bindir);
	if (rc)
		return rc;
	s->embedded = true;
	s->base = gk_strdup(gk_cluster_conninfo_base(s->cluster));
	s->where = gk_asprintf("the private cluster in %s", gk_cluster_dir(s->cluster));
	s->dbname = gk_strdup("postgres");
	if (!s->base || !s->where || !s->dbname)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	PGconn *c = admin_conn(s, err);
	if (!c)
		return GK_EINFRA;
	s->version = PQserverVersion(c);
	admin_done(s, c);
	return 0;
}

/* "host H port P" of a connection (tried or made), never its password. */
static char *describe_server(PGconn *c)
{
	const char *host = c ? PQhost(c) : NULL;
	const char *port = c ? PQport(c) : NULL;
	return gk_asprintf("host %s port %s", host && *host ? host : "(default)",
	                   port && *port ? port : "(default)");
}

/* The URL's settings as key='value' pairs, without dbname. */
static char *base_of(const char *url)
{
	PQconninfoOption *opts = PQconninfoParse(url, NULL);
	if (!opts)
		return NULL;
	char *base = gk_strdup("");
	for (PQconninfoOption *o = opts; base && o->keyword; o++)
		if (o->val && *o->val && strcmp(o->keyword, "dbname") != 0)
			base = gk_conninfo_add(base, o->keyword, o->val);
	PQconninfoFree(opts);
	return base;
}

static int external_target(gk_shadow *s, gk_error *err)
{
	PGresult *r = PQexec(s->admin, "SELECT current_user, rolcreatedb OR rolsuper FROM pg_roles "
	                               "WHERE rolname = current_user");
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		int rc = sql_error(s, s->admin, r, "cannot read the role's privileges", err);
		PQclear(r);
		return rc;
	}
	char *role = gk_strdup(PQgetvalue(r, 0, 0));
	bool createdb = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
	PQclear(r);
	int rc = role ? 0 : GK_ENOMEM;
	char name[40];
	if (!rc && createdb) {
		if (random_name(name) != 0)
			rc = gk_error_set(err, GK_EINFRA, "no random numbers: %s", strerror(errno));
		if (!rc)
			rc = create_db(s, s->admin, name, "template0", err);
		s->dbname = rc ? NULL : gk_strdup(name);
	} else if (!rc) {
		rc = gk_ext_check_empty(s->admin, &s->kept, PQdb(s->admin), s->where, role, err);
		s->borrowed = rc == 0;
		s->dbname = rc ? NULL : gk_strdup(PQdb(s->admin));
	}
	free(role);
	if (!rc && !s->dbname)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	return rc;
}

static int open_external(gk_shadow *s, const char *url, gk_error *err)
{
	s->url = gk_strdup(url);
	s->base = base_of(url);
	s->admin = PQconnectdb(url);
	/* An unencoded '/' in the password makes libpq read part of it as the
	 * host or port: scrub this too. */
	char *where = describe_server(s->admin);
	s->where = where && s->url ? clean_message(s, where) : NULL;
	free(where);
	if (!s->url || !s->where)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	if (PQstatus(s->admin) != CONNECTION_OK)
		return sql_error(s, s->admin, NULL, "cannot connect to the shadow server", err);
	if (!s->base)
		return gk_error_set(err, GK_ECONFIG, "cannot parse the shadow URL");
	PQsetNoticeProcessor(s->admin, quiet, NULL);
	s->version = PQserverVersion(s->admin);
	return external_target(s, err);
}

int gk_shadow_open(gk_shadow **out, const gk_shadow_options *o, gk_error *err)
{
	static const gk_shadow_options defaults = {NULL, NULL, NULL, NULL};
	*out = NULL;
	if (!o)
		o = &defaults;
	gk_shadow *s = calloc(1, sizeof *s);
	if (!s)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	/* An empty SHADOW_DATABASE_URL means "not set", not libpq's defaults. */
	bool external = o->url && *o->url;
	int rc = external ? open_external(s, o->url, err) : open_embedded(s, o, err);
	if (!rc) {
		s->conninfo = gk_conninfo_add(gk_strdup(s->base), "dbname", s->dbname);
		if (!s->conninfo)
			rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	if (rc) {
		gk_shadow_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* ---- accessors and databases ----------------------------------------- */

const char *gk_shadow_conninfo(const gk_shadow *s) { return s->conninfo; }
const char *gk_shadow_dbname(const gk_shadow *s) { return s->dbname; }
int gk_shadow_server_version(const gk_shadow *s) { return s->version; }
bool gk_shadow_is_embedded(const gk_shadow *s) { return s->embedded; }
const char *gk_shadow_where(const gk_shadow *s) { return s->where; }

int gk_shadow_new_database(gk_shadow *s, const char *template_db, char **conninfo_out,
                           char **dbname_out, gk_error *err)
{
	*conninfo_out = NULL;
	if (dbname_out)
		*dbname_out = NULL;
	if (s->cleaned)
		return gk_error_set(err, GK_ERROR, "the shadow was already cleaned up");
	if (s->borrowed)
		return gk_error_set(err, GK_ECONFIG,
		                    "the shadow database %s is borrowed (the role has no CREATEDB), so "
		                    "no other database can be made", s->dbname);
	if (template_db && strcmp(template_db, s->dbname) != 0 && find_created(s, template_db) < 0)
		return gk_error_set(err, GK_ENOTFOUND, "database %s was not made by this shadow",
		                    template_db);
	char name[40];
	if (random_name(name) != 0)
		return gk_error_set(err, GK_EINFRA, "no random numbers: %s", strerror(errno));
	PGconn *c = admin_conn(s, err);
	if (!c)
		return GK_EINFRA;
	int rc = create_db(s, c, name, template_db ? template_db : "template0", err);
	admin_done(s, c);
	if (rc)
		return rc;
	*conninfo_out = gk_conninfo_add(gk_strdup(s->base), "dbname", name);
	if (dbname_out)
		*dbname_out = gk_strdup(name);
	if (!*conninfo_out || (dbname_out && !*dbname_out)) {
		free(*conninfo_out);
		*conninfo_out = NULL;
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	return 0;
}

int gk_shadow_drop_database(gk_shadow *s, const char *dbname, gk_error *err)
{
	ssize_t i = find_created(s, dbname);
	if (i < 0 || s->cleaned)
		return gk_error_set(err, GK_ENOTFOUND, "database %s was not made by this shadow", dbname);
	PGconn *c = admin_conn(s, err);
	if (!c)
		return GK_EINFRA;
	int rc = drop_db(s, c, dbname, err);
	admin_done(s, c);
	if (rc)
		return rc;
	free(s->created[i]);
	s->created[i] = s->created[--s->ncreated];
	return 0;
}

/* ---- closing ---------------------------------------------------------- */

int gk_shadow_cleanup(gk_shadow *s, gk_error *err)
{
	if (!s || s->cleaned)
		return 0;
	s->cleaned = true;
	int rc = 0;
	if (s->cluster) {
		/* Its databases go with it. */
		gk_cluster_stop(s->cluster);
		s->cluster = NULL;
	} else if (s->ncreated > 0 || s->borrowed) {
		PGconn *c = admin_conn(s, err);
		if (!c)
			rc = GK_EINFRA;
		if (c && s->borrowed)
			rc = gk_ext_reset(c, &s->kept, err);
		for (size_t i = 0; c && i < s->ncreated; i++) {
			int r = drop_db(s, c, s->created[i], rc ? NULL : err);
			if (!rc)
				rc = r;
		}
	}
	PQfinish(s->admin);
	s->admin = NULL;
	return rc;
}

void gk_shadow_close(gk_shadow *s)
{
	if (!s)
		return;
	gk_shadow_cleanup(s, NULL);
	for (size_t i = 0; i < s->ncreated; i++)
		free(s->created[i]);
	free(s->created);
	free(s->kept.v);
	free(s->url);
	free(s->base);
	free(s->where);
	free(s->dbname);
	free(s->conninfo);
	free(s);
}
