/*
 * templates.c - the template cache's bookkeeping on a cache cluster.
 *
 * A template is a database gk_tpl_<first 32 hex digits of its chain hash>
 * with IS_TEMPLATE true and ALLOW_CONNECTIONS false: a session on a
 * template makes every CREATE DATABASE from it wait ~5 s and fail (55006),
 * and nothing of ours needs to connect to one.  DROP DATABASE refuses a
 * template, so IS_TEMPLATE goes back to false first.
 *
 * The table gatekeeper_templates in the `postgres` database maps each full
 * hash to its database and says when it was last used.  It lives in the
 * cluster so that it travels with the data folder (a CI cache) and can
 * never describe another copy of it.  "When" is a counter, not a clock:
 * caches move between machines whose clocks disagree.
 *
 * A hit needs both the row and a template database: a run killed between
 * the steps of a store leaves one without the other, which is then simply
 * no hit, and gk_tpl_prepare() removes it at the next open.  The cache's
 * lock (cache.c) means nobody else changes any of this meanwhile.
 */
#include "shadow/shadow_internal.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TPL_PREFIX "gk_tpl_"

static const char create_table[] =
	"CREATE TABLE IF NOT EXISTS gatekeeper_templates ("
	" hash text PRIMARY KEY,"    /* the chain hash, 64 hex digits */
	" dbname name NOT NULL,"
	" used bigint NOT NULL)";    /* LRU order: larger = used more recently */

/* The usable rows: their database exists and is a template. */
#define USABLE "FROM gatekeeper_templates t JOIN pg_database d " \
               "ON d.datname = t.dbname AND d.datistemplate "

static bool is_hash(const char *h)
{
	if (!h || strlen(h) != 64)
		return false;
	return strspn(h, "0123456789abcdef") == 64;
}

bool gk_tpl_is_template_name(const char *name)
{
	size_t p = strlen(TPL_PREFIX);
	return strncmp(name, TPL_PREFIX, p) == 0 && strlen(name + p) == 32 &&
	       strspn(name + p, "0123456789abcdef") == 32;
}

/* Run a query with text parameters; NULL (err set) unless it succeeds. */
static PGresult *query(const gk_shadow *s, PGconn *c, const char *sql, int n,
                       const char *const *params, const char *what, gk_error *err)
{
	PGresult *r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return r;
	gk_sh_sql_error(s, c, r, what, err);
	PQclear(r);
	return NULL;
}

static int run(const gk_shadow *s, PGconn *c, const char *sql, int n, const char *const *params,
               const char *what, gk_error *err)
{
	PGresult *r = query(s, c, sql, n, params, what, err);
	PQclear(r);
	return r ? 0 : GK_EINFRA;
}

/* Drop a database that may be a template. */
static int drop_template(const gk_shadow *s, PGconn *c, const char *name, gk_error *err)
{
	char *q = PQescapeIdentifier(c, name, strlen(name));
	char *sql = q ? gk_asprintf("ALTER DATABASE %s WITH IS_TEMPLATE false", q) : NULL;
	PQfreemem(q);
	if (!sql)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	char what[128];
	snprintf(what, sizeof what, "cannot drop template %s", name);
	int rc = gk_sh_exec(s, c, sql, what, err);
	free(sql);
	return rc ? rc : gk_sh_drop_db(s, c, name, err);
}

/* Make `hash` the most recently used. */
static int mark_used(const gk_shadow *s, PGconn *c, const char *hash, gk_error *err)
{
	const char *p[] = {hash};
	return run(s, c,
	           "UPDATE gatekeeper_templates SET used = "
	           "(SELECT coalesce(max(used), 0) + 1 FROM gatekeeper_templates) WHERE hash = $1",
	           1, p, "cannot update the template cache", err);
}

/* Drop the least recently used templates beyond GK_SHADOW_TEMPLATES_MAX.
 * The row goes first: a template without one is no hit, and is swept. */
static int evict(const gk_shadow *s, PGconn *c, gk_error *err)
{
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT hash, dbname FROM gatekeeper_templates "
	                          "ORDER BY used DESC, hash OFFSET %d", GK_SHADOW_TEMPLATES_MAX);
	PGresult *r = query(s, c, sql, 0, NULL, "cannot read the template cache", err);
	int rc = r ? 0 : GK_EINFRA;
	for (int i = 0; !rc && i < PQntuples(r); i++) {
		const char *p[] = {PQgetvalue(r, i, 0)};
		rc = run(s, c, "DELETE FROM gatekeeper_templates WHERE hash = $1", 1, p,
		         "cannot update the template cache", err);
		if (!rc)
			rc = drop_template(s, c, PQgetvalue(r, i, 1), err);
	}
	PQclear(r);
	return rc;
}

/* Rows without a template, then databases of killed runs: their working
 * databases, and templates without a row. */
static int sweep(const gk_shadow *s, PGconn *c, gk_error *err)
{
	int rc = run(s, c,
	             "DELETE FROM gatekeeper_templates t WHERE NOT EXISTS (SELECT FROM pg_database d "
	             "WHERE d.datname = t.dbname AND d.datistemplate)",
	             0, NULL, "cannot update the template cache", err);
	if (rc)
		return rc;
	PGresult *r = query(s, c,
	                    "SELECT datname FROM pg_database d "
	                    "WHERE datname LIKE 'gatekeeper\\_shadow\\_%' "
	                    "OR (datname LIKE 'gk\\_tpl\\_%' AND NOT EXISTS (SELECT FROM "
	                    "gatekeeper_templates t WHERE t.dbname = d.datname))",
	                    0, NULL, "cannot list databases", err);
	rc = r ? 0 : GK_EINFRA;
	for (int i = 0; !rc && i < PQntuples(r); i++)
		rc = drop_template(s, c, PQgetvalue(r, i, 0), err);
	PQclear(r);
	return rc;
}

/*
 * The cluster holds the random id of its data folder's marker file
 * (cache.c): written right after initdb, checked at every later open,
 * before anything of the cluster is used.  A data folder whose files
 * passed for ours but whose cluster is not the one the marker was written
 * for (a marker copied next to another cluster) is not used: the caller
 * makes the cache again.
 */
static int check_id(const gk_shadow *s, PGconn *c, gk_error *err)
{
	const char *id = gk_cluster_cache_id(s->cluster);
	if (!id || strlen(id) != 32)
		return gk_error_set(err, GK_EINFRA, "the cache in %s has no id", s->where);
	const char *p[] = {id};
	if (gk_cluster_fresh(s->cluster)) {
		int rc = run(s, c, "CREATE TABLE gatekeeper_cache (id text NOT NULL)", 0, NULL,
		             "cannot create the cache's id table", err);
		return rc ? rc : run(s, c, "INSERT INTO gatekeeper_cache (id) VALUES ($1)", 1, p,
		                     "cannot store the cache's id", err);
	}
	PGresult *r = PQexecParams(c, "SELECT count(*) = 1 AND bool_and(id = $1) FROM gatekeeper_cache",
	                           1, NULL, p, NULL, NULL, 0);
	bool same = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
	            strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (same)
		return 0;
	return gk_error_set(err, GK_EINFRA,
	                    "the cluster in %s does not hold the id of its marker file: not the one "
	                    "gatekeeper made there", s->where);
}

int gk_tpl_prepare(gk_shadow *s, gk_error *err)
{
	PGconn *c = gk_sh_admin_conn(s, err);
	if (!c)
		return GK_EINFRA;
	int rc = check_id(s, c, err);
	if (!rc)
		rc = gk_sh_exec(s, c, create_table, "cannot create the template cache's table", err);
	if (!rc)
		rc = sweep(s, c, err);
	if (!rc)
		rc = evict(s, c, err);
	gk_sh_admin_done(s, c);
	return rc;
}

/* ---- find and store ---------------------------------------------------- */

/* "{h1,h2,...}": a text[] literal, safe because each is 64 hex digits. */
static char *hash_array(const char *const *hashes, size_t n)
{
	gk_buf b = GK_BUF_INIT;
	gk_buf_putc(&b, '{');
	for (size_t i = 0; i < n; i++) {
		if (i)
			gk_buf_putc(&b, ',');
		gk_buf_puts(&b, hashes[i]);
	}
	gk_buf_putc(&b, '}');
	if (b.failed) {
		gk_buf_free(&b);
		return NULL;
	}
	return gk_buf_take(&b);
}

/* The largest i whose hash has a usable template in `r` (hash, dbname). */
static long longest_hit(const PGresult *r, const char *const *hashes, size_t n)
{
	for (size_t i = n; i-- > 0;)
		for (int k = 0; k < PQntuples(r); k++)
			if (strcmp(PQgetvalue(r, k, 0), hashes[i]) == 0)
				return k;
	return -1;
}

static size_t index_of(const char *const *hashes, size_t n, const char *hash)
{
	size_t i = n;
	while (i-- > 0 && strcmp(hashes[i], hash) != 0)
		;
	return i;
}

int gk_shadow_template_find(size_t *prefix, char **template_db, gk_shadow *s, const char *const *hashes, size_t n,
                            gk_error *err)
{
	*prefix = 0;
	*template_db = NULL;
	for (size_t i = 0; i < n; i++)
		if (!is_hash(hashes[i]))
			return gk_error_set(err, GK_ECONFIG, "hash %zu is not a chain hash (64 hex digits)",
			                    i + 1);
	if (!s->cached || n == 0)
		return 0;
	if (s->cleaned)
		return gk_error_set(err, GK_ERROR, "the shadow was already cleaned up");
	char *array = hash_array(hashes, n);
	if (!array)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	PGconn *c = gk_sh_admin_conn(s, err);
	const char *p[] = {array};
	PGresult *r = c ? query(s, c, "SELECT t.hash, t.dbname " USABLE "WHERE t.hash = ANY ($1::text[])",
	                        1, p, "cannot read the template cache", err)
	                : NULL;
	free(array);
	long k = r ? longest_hit(r, hashes, n) : -1;
	int rc = r ? 0 : GK_EINFRA;
	if (k >= 0)
		rc = mark_used(s, c, PQgetvalue(r, k, 0), err);
	if (!rc && k >= 0) {
		*template_db = gk_strdup(PQgetvalue(r, k, 1));
		*prefix = index_of(hashes, n, PQgetvalue(r, k, 0)) + 1;
		if (!*template_db) {
			*prefix = 0;
			rc = gk_error_set(err, GK_ENOMEM, "out of memory");
		}
	}
	PQclear(r);
	gk_sh_admin_done(s, c);
	return rc;
}

/* Whether `hash` already has a usable template. */
static int cached_already(const gk_shadow *s, PGconn *c, const char *hash, bool *yes,
                          gk_error *err)
{
	const char *p[] = {hash};
	PGresult *r = query(s, c, "SELECT 1 " USABLE "WHERE t.hash = $1", 1, p,
	                    "cannot read the template cache", err);
	*yes = r && PQntuples(r) > 0;
	PQclear(r);
	return r ? 0 : GK_EINFRA;
}

/* Remove what a failed or killed earlier store left under this name. */
static int clear_name(const gk_shadow *s, PGconn *c, const char *hash, const char *tname,
                      gk_error *err)
{
	const char *p[] = {hash, tname};
	PGresult *r = query(s, c, "SELECT 1 FROM pg_database WHERE datname = $1", 1, p + 1,
	                    "cannot list databases", err);
	if (!r)
		return GK_EINFRA;
	bool there = PQntuples(r) > 0;
	PQclear(r);
	int rc = run(s, c, "DELETE FROM gatekeeper_templates WHERE hash = $1 OR dbname = $2", 2, p,
	             "cannot update the template cache", err);
	return rc || !there ? rc : drop_template(s, c, tname, err);
}

/* Copy, then seal as a template, then record: see the header comment. */
static int make_template(const gk_shadow *s, PGconn *c, const char *dbname, const char *hash,
                         const char *tname, gk_error *err)
{
	int rc = gk_sh_create_db(s, c, tname, dbname, err);
	if (rc)
		return rc;
	char *q = PQescapeIdentifier(c, tname, strlen(tname));
	char *sql = q ? gk_asprintf("ALTER DATABASE %s WITH IS_TEMPLATE true ALLOW_CONNECTIONS false",
	                            q)
	              : NULL;
	PQfreemem(q);
	rc = sql ? gk_sh_exec(s, c, sql, "cannot make a template", err)
	         : gk_error_set(err, GK_ENOMEM, "out of memory");
	free(sql);
	const char *p[] = {hash, tname};
	if (!rc)
		rc = run(s, c,
		         "INSERT INTO gatekeeper_templates (hash, dbname, used) SELECT $1, $2, "
		         "coalesce(max(used), 0) + 1 FROM gatekeeper_templates",
		         2, p, "cannot update the template cache", err);
	if (rc)
		drop_template(s, c, tname, NULL);  /* not sealed or not recorded: no use */
	return rc;
}

int gk_shadow_template_store(gk_shadow *s, const char *dbname, const char *hash, gk_error *err)
{
	if (!is_hash(hash))
		return gk_error_set(err, GK_ECONFIG, "not a chain hash (64 hex digits): %.80s",
		                    hash ? hash : "(null)");
	if (!s->cached)
		return 0;
	if (s->cleaned)
		return gk_error_set(err, GK_ERROR, "the shadow was already cleaned up");
	if (gk_sh_find_created(s, dbname) < 0)
		return gk_error_set(err, GK_ENOTFOUND, "database %s was not made by this shadow", dbname);
	char tname[64];
	snprintf(tname, sizeof tname, TPL_PREFIX "%.32s", hash);
	PGconn *c = gk_sh_admin_conn(s, err);
	if (!c)
		return GK_EINFRA;
	bool yes = false;
	int rc = cached_already(s, c, hash, &yes, err);
	if (!rc && yes)
		rc = mark_used(s, c, hash, err);
	else if (!rc) {
		rc = clear_name(s, c, hash, tname, err);
		if (!rc)
			rc = make_template(s, c, dbname, hash, tname, err);
		if (!rc)
			rc = evict(s, c, err);
	}
	gk_sh_admin_done(s, c);
	return rc;
}
