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
 *
 * A cache cluster is not thrown away, so its `postgres` database cannot be
 * the fresh one: it holds the template bookkeeping (templates.c) and takes
 * the administrative connections, and each run makes its own working
 * database, dropped again on close with the others it made.  When the
 * cache cannot be used, the shadow is a temporary cluster instead: a cache
 * is an optimisation, never a reason to fail.
 *
 * On an embedded server of PostgreSQL 15+, databases are copied with
 * STRATEGY FILE_COPY: 15's default (WAL_LOG) writes the whole copy to WAL,
 * 3-4 times slower for template0 with fsync off, and fills the cache's
 * pg_wal.  Not on an external server, where FILE_COPY's two checkpoints
 * would be felt by everyone else.
 */
#include "util/dburl.h"
#include "shadow/shadow.h"
#include "shadow/shadow_internal.h"
#include "util/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---------------------------------------------------------- */

static int random_name(char out[40])
{
	memcpy(out, "gatekeeper_shadow_", 18);
	return gk_random_hex(out + 18, 8);
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

/* A database of this run's, dropped on cleanup. */
static int create_db(gk_shadow *s, PGconn *c, const char *name, const char *template_db,
                     gk_error *err)
{
	int rc = gk_sh_create_db(s, c, name, template_db, err);
	return rc ? rc : track(s, name);
}

/* A new database with a random name (out: 40 bytes) from `template_db`. */
static int create_random_db(gk_shadow *s, const char *template_db, char name[40], gk_error *err)
{
	if (random_name(name) != 0)
		return gk_error_set(err, GK_EINFRA, "no random numbers: %s", strerror(errno));
	PGconn *c = gk_sh_admin_conn(s, err);
	if (!c)
		return GK_EINFRA;
	int rc = create_db(s, c, name, template_db, err);
	gk_sh_admin_done(s, c);
	return rc ? rc : gk_sh_prepare_db(s, name, err);
}

/* ---- opening ---------------------------------------------------------- */

/* Start a temporary or cache cluster and fill in what every embedded
 * shadow has. */
static int start_embedded(gk_shadow *s, const gk_cluster_req *req, gk_error *err)
{
	int rc = gk_cluster_start(&s->cluster, req, err);
	if (rc)
		return rc;
	s->embedded = true;
	s->cached = req->cache_dir != NULL;
	const char *home = gk_cluster_cache_home(s->cluster);
	s->base = gk_strdup(gk_cluster_conninfo_base(s->cluster));
	s->where = home ? gk_asprintf("the cached cluster in %s", home)
	                : gk_asprintf("the private cluster in %s", gk_cluster_dir(s->cluster));
	if (!s->base || !s->where)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	PGconn *c = gk_sh_admin_conn(s, err);
	if (!c)
		return GK_EINFRA;
	s->version = PQserverVersion(c);
	/* Migrations run as a role of their own, never as the superuser. */
	rc = gk_sb_make_role(s, c, err);
	gk_sh_admin_done(s, c);
	if (rc)
		return rc;
	s->role = gk_strdup(GK_SHADOW_ROLE);
	s->role_base = gk_conninfo_add(gk_conninfo_add(gk_conninfo_add(NULL, "host", gk_cluster_dir(s->cluster)),
						       "port", "5432"),
				       "user", GK_SHADOW_ROLE);
	return s->role && s->role_base ? 0 : gk_error_set(err, GK_ENOMEM, "out of memory");
}

/* Forget a cluster that did not work out, so that another can start. */
static void forget_embedded(gk_shadow *s)
{
	gk_cluster_stop(s->cluster);
	s->cluster = NULL;
	s->embedded = s->cached = false;
	for (size_t i = 0; i < s->ncreated; i++)
		free(s->created[i]);
	s->ncreated = 0;
	free(s->base);
	free(s->where);
	free(s->dbname);
	free(s->role_base);
	free(s->role);
	s->base = s->where = s->dbname = s->role_base = s->role = NULL;
}

/* The cache's bookkeeping and this run's working database. */
static int prepare_cached(gk_shadow *s, gk_error *err)
{
	int rc = gk_tpl_prepare(s, err);
	if (rc)
		return rc;
	char name[40];
	rc = create_random_db(s, "template0", name, err);
	if (!rc && !(s->dbname = gk_strdup(name)))
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	return rc;
}

/* A cluster that starts but whose catalog does not work (a half-made or
 * damaged cache) is made again once; cluster.c already did that for one
 * that does not start. */
static int open_cache(gk_shadow *s, gk_cluster_req *req, gk_error *err)
{
	int rc = start_embedded(s, req, err);
	if (!rc)
		rc = prepare_cached(s, err);
	if (rc && rc != GK_ENOMEM && s->cluster && !gk_cluster_fresh(s->cluster)) {
		forget_embedded(s);
		req->wipe = true;
		rc = start_embedded(s, req, err);
		if (!rc)
			rc = prepare_cached(s, err);
	}
	if (rc)
		forget_embedded(s);
	return rc;
}

static int open_embedded(gk_shadow *s, const gk_shadow_options *o, gk_error *err)
{
	char *bindir = NULL;
	gk_bin_search where = {o->pg_bin, NULL, NULL};
	int rc = gk_cluster_find_bin(&bindir, &where, err);
	if (rc)
		return rc;
	gk_cluster_req req = {bindir, o->tmp_dir, o->run_as, o->cache_dir, false, o->cleanup_handlers};
	if (o->cache_dir) {
		gk_error why = {0, ""};
		rc = open_cache(s, &req, &why);
		if (rc == 0 || rc == GK_ENOMEM) {
			free(bindir);
			return rc ? gk_error_set(err, rc, "out of memory") : 0;
		}
		if (!(s->cache_note = gk_strdup(why.msg))) {
			free(bindir);
			return gk_error_set(err, GK_ENOMEM, "out of memory");
		}
		req.cache_dir = NULL;
		req.wipe = false;
	}
	rc = start_embedded(s, &req, err);
	free(bindir);
	/* initdb just made `postgres`: it is the fresh database, for free. */
	if (!rc && !(s->dbname = gk_strdup("postgres")))
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	return rc ? rc : gk_sh_prepare_db(s, s->dbname, err);
}

/* "host H port P" of a connection (tried or made), never its password. */
static char *describe_server(PGconn *c)
{
	const char *host = c ? PQhost(c) : NULL;
	const char *port = c ? PQport(c) : NULL;
	return gk_asprintf("host %s port %s", host && *host ? host : "(default)",
	                   port && *port ? port : "(default)");
}

/* A server that accepts the connection and never answers must not hold
 * the run: libpq's connect_timeout, unless the URL sets its own. */
#define CONNECT_TIMEOUT "10"

/* The URL's settings as key='value' pairs, without dbname, with a
 * connect_timeout. */
static char *base_of(const char *url)
{
	PQconninfoOption *opts = PQconninfoParse(url, NULL);
	if (!opts)
		return NULL;
	char *base = gk_strdup("");
	bool timeout = false;
	for (PQconninfoOption *o = opts; base && o->keyword; o++)
		if (o->val && *o->val && strcmp(o->keyword, "dbname") != 0) {
			base = gk_conninfo_add(base, o->keyword, o->val);
			timeout |= strcmp(o->keyword, "connect_timeout") == 0;
		}
	PQconninfoFree(opts);
	return timeout ? base : gk_conninfo_add(base, "connect_timeout", CONNECT_TIMEOUT);
}

static int external_target(gk_shadow *s, gk_error *err)
{
	PGresult *r = PQexec(s->admin, "SELECT current_user, rolcreatedb OR rolsuper FROM pg_roles "
	                               "WHERE rolname = current_user");
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		int rc = gk_sh_sql_error(s, s->admin, r, "cannot read the role's privileges", err);
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
	/* Keywords in order: the URL's own connect_timeout wins over ours. */
	const char *keys[] = {"connect_timeout", "dbname", NULL}, *vals[] = {CONNECT_TIMEOUT, url, NULL};
	s->admin = PQconnectdbParams(keys, vals, 1);
	/* An unencoded '/' in the password makes libpq read part of it as the
	 * host or port: scrub this too. */
	char *where = describe_server(s->admin);
	s->where = where && s->url ? gk_shadow_clean_message(where, s->url) : NULL;
	free(where);
	if (!s->url || !s->where)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	if (PQstatus(s->admin) != CONNECTION_OK) {
		/* A wrong password or database is the URL's fault (exit 2), not the server's. */
		int code = gk_dburl_refusal(PQerrorMessage(s->admin), PQconnectionNeedsPassword(s->admin));
		gk_sh_sql_error(s, s->admin, NULL, "cannot connect to the shadow server", err);
		if (err)
			err->code = code;
		return code;
	}
	if (!s->base)
		return gk_error_set(err, GK_ECONFIG, "cannot parse the shadow URL");
	PQsetNoticeProcessor(s->admin, gk_sh_quiet, NULL);
	s->version = PQserverVersion(s->admin);
	/* Migrations run as the URL's user: see gk_sb_external_role(). */
	if (!(s->role_base = gk_strdup(s->base)))
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	int rc = gk_sb_external_role(s, s->admin, err);
	return rc ? rc : external_target(s, err);
}

int gk_shadow_open(gk_shadow **out, const gk_shadow_options *o, gk_error *err)
{
	static const gk_shadow_options defaults = {0};
	*out = NULL;
	if (!o)
		o = &defaults;
	gk_shadow *s = calloc(1, sizeof *s);
	if (!s)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	/* An empty SHADOW_DATABASE_URL means "not set", not libpq's defaults. */
	bool external = o->url && *o->url;
	/* cache_dir is ignored on an external server, without a note: it is
	 * the CLI's default, not a request. */
	int rc = gk_sb_copy_extensions(s, o->extensions, err);
	if (!rc)
		rc = external ? open_external(s, o->url, err) : open_embedded(s, o, err);
	if (!rc) {
		s->conninfo = gk_conninfo_add(gk_strdup(s->role_base), "dbname", s->dbname);
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
const char *gk_shadow_role(const gk_shadow *s) { return s->role; }
const char *gk_shadow_sandbox_note(const gk_shadow *s) { return s->sandbox_note; }

char *gk_shadow_superuser_conninfo(const gk_shadow *s, const char *dbname)
{
	if (!s->embedded || s->cleaned)
		return NULL;
	return gk_conninfo_add(gk_strdup(s->base), "dbname", dbname);
}
const char *gk_shadow_dbname(const gk_shadow *s) { return s->dbname; }
int gk_shadow_server_version(const gk_shadow *s) { return s->version; }
bool gk_shadow_is_embedded(const gk_shadow *s) { return s->embedded; }
const char *gk_shadow_where(const gk_shadow *s) { return s->where; }
bool gk_shadow_cached(const gk_shadow *s) { return s->cached; }
const char *gk_shadow_cache_note(const gk_shadow *s) { return s->cache_note; }

int gk_shadow_new_database(char **conninfo_out, char **dbname_out, gk_shadow *s, const char *template_db, gk_error *err)
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
	if (template_db && strcmp(template_db, s->dbname) != 0 &&
	    gk_sh_find_created(s, template_db) < 0 && !(s->cached && gk_tpl_is_template_name(template_db)))
		return gk_error_set(err, GK_ENOTFOUND, "database %s was not made by this shadow",
		                    template_db);
	char name[40];
	int rc = create_random_db(s, template_db ? template_db : "template0", name, err);
	if (rc)
		return rc;
	*conninfo_out = gk_conninfo_add(gk_strdup(s->role_base), "dbname", name);
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
	ssize_t i = gk_sh_find_created(s, dbname);
	if (i < 0 || s->cleaned)
		return gk_error_set(err, GK_ENOTFOUND, "database %s was not made by this shadow", dbname);
	PGconn *c = gk_sh_admin_conn(s, err);
	if (!c)
		return GK_EINFRA;
	int rc = gk_sh_drop_db(s, c, dbname, err);
	gk_sh_admin_done(s, c);
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
	if (s->cached && s->ncreated > 0) {
		/* The cluster stays: only the templates may. */
		PGconn *c = gk_sh_admin_conn(s, err);
		if (!c)
			rc = GK_EINFRA;
		for (size_t i = 0; c && i < s->ncreated; i++) {
			int r = gk_sh_drop_db(s, c, s->created[i], rc ? NULL : err);
			if (!rc)
				rc = r;
		}
		gk_sh_admin_done(s, c);
	}
	if (s->cluster) {
		/* A temporary cluster's databases go with it. */
		gk_cluster_stop(s->cluster);
		s->cluster = NULL;
	} else if (s->ncreated > 0 || s->borrowed) {
		PGconn *c = gk_sh_admin_conn(s, err);
		if (!c)
			rc = GK_EINFRA;
		if (c && s->borrowed)
			rc = gk_ext_reset(c, &s->kept, err);
		for (size_t i = 0; c && i < s->ncreated; i++) {
			int r = gk_sh_drop_db(s, c, s->created[i], rc ? NULL : err);
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
	free(s->cache_note);
	free(s->url);
	free(s->base);
	free(s->role_base);
	free(s->role);
	free(s->sandbox_note);
	gk_sb_free_extensions(s);
	free(s->where);
	free(s->dbname);
	free(s->conninfo);
	free(s);
}
