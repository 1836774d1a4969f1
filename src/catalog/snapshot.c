/*
 * snapshot.c - the snapshot document: read from a database, loaded from a
 * file, written canonically, hashed.
 *
 * Canonical bytes: see canon.c (sorted keys, one object per line).
 * Nothing in the document depends on when or where it was read (no
 * database name, no time, no OIDs), so that equal schemas on the same
 * server give equal bytes and equal SHA-256.
 */
#include "catalog/catalog_internal.h"
#include "util/interrupt.h"
#include "util/util.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

gk_catalog *gk_cat_wrap(json_t *doc)
{
	gk_catalog *cat = calloc(1, sizeof *cat);
	if (!cat) {
		json_decref(doc);
		return NULL;
	}
	cat->doc = doc;
	cat->server_version = (int)json_integer_value(json_object_get(doc, "server_version_num"));
	return cat;
}

/* ---- reading a database ---------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The schema list sorted and without repeats, so that the options do not
 * change the bytes by their order on the command line. */
static json_t *schema_list(const gk_catalog_options *o)
{
	const char **v = malloc((o->n_schemas ? o->n_schemas : 1) * sizeof *v);
	json_t *a = json_array();
	if (!v || !a) {
		free(v);
		json_decref(a);
		return NULL;
	}
	if (o->n_schemas)
		memcpy(v, o->schemas, o->n_schemas * sizeof *v);
	qsort(v, o->n_schemas, sizeof *v, cmp_str);
	for (size_t i = 0; i < o->n_schemas; i++)
		if (i == 0 || strcmp(v[i], v[i - 1]) != 0)
			json_array_append_new(a, gk_cat_string(v[i], strlen(v[i])));
	free(v);
	return a;
}

static json_t *new_doc(const gk_catalog_options *o)
{
	json_t *kinds = json_array(), *objects = json_object();
	for (size_t i = 0; kinds && objects && i < gk_cat_n_kinds; i++) {
		json_array_append_new(kinds, json_string(gk_cat_kinds[i]));
		json_object_set_new(objects, gk_cat_kinds[i], json_object());
	}
	json_t *doc = json_pack("{s:s, s:{s:b, s:b, s:b, s:o*}, s:o*, s:o*, s:o}", "format", GK_CATALOG_FORMAT,
				"options", "comments", o->include_comments, "grants", o->include_grants, "owners",
				o->include_owners, "schemas", schema_list(o), "kinds", kinds, "objects", objects,
				"not_compared", json_object());
	return doc && json_object_size(json_object_get(doc, "objects")) == gk_cat_n_kinds ? doc
											   : (json_decref(doc), NULL);
}

#define LANES 2

static int exec_ok(PGconn *c, const char *sql, const char *conninfo, const char *what, gk_error *err)
{
	PGresult *r = PQexec(c, sql);
	int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : gk_cat_sql_error(c, r, conninfo, what, err);
	PQclear(r);
	return rc;
}

/* search_path '': every name the server renders comes schema-qualified
 * (pg_catalog is still searched implicitly). */
static int begin(PGconn *c, const char *conninfo, gk_error *err)
{
	return exec_ok(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL search_path = ''", conninfo,
		       "starting the snapshot", err);
}

static int read_version(json_t *doc, PGconn *c, const char *conninfo, gk_error *err)
{
	PGresult *r = PQexec(c, "SELECT current_setting('server_version'), current_setting('server_version_num')");
	int rc = 0;
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		rc = gk_cat_sql_error(c, r, conninfo, "reading the server version", err);
	else if (json_object_set_new(doc, "server_version", gk_cat_string(PQgetvalue(r, 0, 0),
									  (size_t)PQgetlength(r, 0, 0))) ||
		 json_object_set_new(doc, "server_version_num", json_integer(atoi(PQgetvalue(r, 0, 1)))))
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	PQclear(r);
	return rc;
}

/* Another connection in a transaction on the first one's snapshot, or
 * NULL when that cannot be had (a standby, a pooler, no connection slot
 * left): the snapshot is then read on one connection, only slower. */
static PGconn *second_lane(PGconn *first, const char *conninfo, const gk_catalog_options *o)
{
	/* An error here would abort the first connection's transaction (and
	 * a subtransaction cannot export): no attempt on a standby. */
	PGresult *r = PQexec(first, "SELECT CASE WHEN NOT pg_is_in_recovery() THEN pg_export_snapshot() END");
	char *id = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0)
			   ? PQescapeLiteral(first, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0))
			   : NULL;
	PQclear(r);
	PGconn *c = NULL;
	char *sql = id ? gk_asprintf("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT "
				     "%s; SET LOCAL search_path = ''", id)
		       : NULL;
	PQfreemem(id);
	if (sql && gk_cat_connect(&c, conninfo, o, NULL) == 0 && exec_ok(c, sql, conninfo, "", NULL) != 0) {
		PQfinish(c);
		c = NULL;
	}
	free(sql);
	return c;
}

static int read_doc(json_t *doc, PGconn *c, const gk_catalog_options *o, const char *conninfo, gk_error *err)
{
	PGconn *lanes[LANES] = {c, NULL};
	size_t n = 1;
	/* An interrupted run (SIGINT, SIGTERM) cancels the reads at once. */
	int watch[LANES] = {gk_watch_begin(c, 0), -1};
	int rc = begin(c, conninfo, err);
	if (rc == 0)
		rc = read_version(doc, c, conninfo, err);
	if (rc == 0 && (lanes[1] = second_lane(c, conninfo, o)) != NULL) {
		n = 2;
		watch[1] = gk_watch_begin(lanes[1], 0);
	}
	if (rc == 0)
		rc = gk_cat_run_jobs(lanes, n, json_object_get(doc, "objects"), json_object_get(doc, "not_compared"),
				     o, conninfo, err);
	for (size_t i = 0; i < LANES; i++)
		gk_watch_end(watch[i]);
	PQfinish(lanes[1]);
	/* Nothing was written: ROLLBACK and COMMIT are the same here. */
	if (rc == 0)
		PQclear(PQexec(c, "ROLLBACK"));
	return rc;
}

int gk_catalog_read(gk_catalog **out, const char *conninfo, const gk_catalog_options *o, gk_error *err)
{
	static const gk_catalog_options defaults = {0};
	*out = NULL;
	if (!o)
		o = &defaults;
	PGconn *c = NULL;
	int rc = gk_cat_connect(&c, conninfo, o, err);
	if (rc)
		return rc;
	json_t *doc = new_doc(o);
	rc = doc ? read_doc(doc, c, o, conninfo, err) : gk_error_set(err, GK_ENOMEM, "out of memory");
	PQfinish(c);
	if (rc == 0 && !(*out = gk_cat_wrap(doc)))
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	if (rc)
		json_decref(doc);
	return rc;
}

/* ---- loading a file ----------------------------------------------------- */

static bool is_value(const json_t *v)
{
	if (json_is_string(v) || json_is_boolean(v) || json_is_null(v))
		return true;
	if (!json_is_array(v))
		return false;
	size_t i;
	json_t *x;
	json_array_foreach(v, i, x)
		if (!json_is_string(x))
			return false;
	return true;
}

static bool objects_ok(const json_t *objects)
{
	const char *kind, *id, *attr;
	json_t *ids, *attrs, *v;
	json_object_foreach((json_t *)objects, kind, ids) {
		if (!json_is_object(ids))
			return false;
		json_object_foreach(ids, id, attrs) {
			if (!json_is_object(attrs))
				return false;
			json_object_foreach(attrs, attr, v)
				if (!is_value(v))
					return false;
		}
	}
	return true;
}

static bool lists_ok(const json_t *nc)
{
	const char *kind;
	json_t *list, *x;
	size_t i;
	json_object_foreach((json_t *)nc, kind, list) {
		if (!json_is_array(list))
			return false;
		json_array_foreach(list, i, x)
			if (!json_is_string(x))
				return false;
	}
	return true;
}

static bool options_ok(const json_t *o)
{
	return json_is_object(o) && json_is_boolean(json_object_get(o, "grants")) &&
	       json_is_boolean(json_object_get(o, "owners")) && json_is_boolean(json_object_get(o, "comments")) &&
	       is_value(json_object_get(o, "schemas")) && json_is_array(json_object_get(o, "schemas"));
}

/* What is wrong with a document, or NULL when it is a snapshot. */
static const char *check_doc(const json_t *doc)
{
	if (!json_is_object(doc) || !json_is_string(json_object_get(doc, "format")))
		return "not a gatekeeper snapshot (no \"format\")";
	if (strcmp(json_string_value(json_object_get(doc, "format")), GK_CATALOG_FORMAT) != 0)
		return "a snapshot format this gatekeeper does not read (want " GK_CATALOG_FORMAT ")";
	if (!json_is_integer(json_object_get(doc, "server_version_num")))
		return "no \"server_version_num\"";
	if (!options_ok(json_object_get(doc, "options")))
		return "\"options\" is not {grants, owners, comments, schemas}";
	const json_t *kinds = json_object_get(doc, "kinds");
	if (!json_is_array(kinds) || !is_value(kinds))
		return "\"kinds\" is not an array of names";
	const json_t *objects = json_object_get(doc, "objects");
	if (!json_is_object(objects) || !objects_ok(objects))
		return "\"objects\" is not {kind: {identity: {attribute: value}}}";
	const json_t *nc = json_object_get(doc, "not_compared");
	if (!json_is_object(nc) || !lists_ok(nc))
		return "\"not_compared\" is not {kind: [identity]}";
	return NULL;
}

int gk_catalog_load(gk_catalog **out, const char *path, gk_error *err)
{
	*out = NULL;
	char *text = NULL;
	size_t len = 0;
	if (gk_read_file(&text, &len, path, 0) != 0)
		return gk_error_set(err, GK_EIO, "cannot read %s: %s", path, strerror(errno));
	json_error_t je;
	json_t *doc = json_loadb(text, len, 0, &je);
	free(text);
	if (!doc)
		return gk_error_set(err, GK_EPARSE, "%s:%d:%d: %s", path, je.line, je.column, je.text);
	const char *problem = check_doc(doc);
	if (problem) {
		json_decref(doc);
		return gk_error_set(err, GK_EPARSE, "%s: %s", path, problem);
	}
	if (!(*out = gk_cat_wrap(doc)))
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	return 0;
}

void gk_catalog_options_of(const gk_catalog *cat, gk_catalog_options *o)
{
	const json_t *opt = json_object_get(cat->doc, "options");
	o->include_grants = json_is_true(json_object_get(opt, "grants"));
	o->include_owners = json_is_true(json_object_get(opt, "owners"));
	o->include_comments = json_is_true(json_object_get(opt, "comments"));
}

/* ---- writing, hashing ------------------------------------------------------ */

static void hex_sha256(char out[65], const char *data, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	out[0] = '\0';
	if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return;
	for (unsigned i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* The canonical bytes (malloc'ed, with the final newline); the SHA-256 is
 * remembered on the way. */
static char *canonical(gk_catalog *cat, size_t *len)
{
	char *s = gk_cat_canonical(cat->doc, len);
	if (s)
		hex_sha256(cat->sha, s, *len);
	return s;
}

int gk_catalog_write(gk_catalog *cat, FILE *f, gk_error *err)
{
	size_t len = 0;
	char *s = canonical(cat, &len);
	if (!s)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	int rc = fwrite(s, 1, len, f) == len && fflush(f) == 0 ? 0 : gk_error_set(err, GK_EIO, "%s", strerror(errno));
	free(s);
	return rc;
}

const char *gk_catalog_sha256(gk_catalog *cat)
{
	if (!cat->sha[0]) {
		size_t len;
		free(canonical(cat, &len));
	}
	return cat->sha[0] ? cat->sha : NULL;
}

int gk_catalog_server_version(const gk_catalog *cat)
{
	return cat->server_version;
}

size_t gk_catalog_count(const gk_catalog *cat, const char *kind)
{
	return json_object_size(json_object_get(json_object_get(cat->doc, "objects"), kind));
}

void gk_catalog_free(gk_catalog *cat)
{
	if (!cat)
		return;
	json_decref(cat->doc);
	free(cat);
}
