/*
 * stats.c - statistics snapshots (stats.h): the queries that take one,
 * the file that holds one, and the index the readers look tables up in.
 *
 * One document, two sources: gk_stats_take() builds the JSON document
 * from the statistics views and gk_stats_load() parses it from a file;
 * both then go through index_doc(), which checks every key and builds
 * the tables' array.  So a snapshot written is one that reads back.
 *
 * What is read is sizes and counters only: pg_class.reltuples,
 * pg_total_relation_size / pg_relation_size, pg_stat_all_tables'
 * counters and maintenance times, pg_stat_all_indexes.idx_scan, the
 * database's stats_reset.  Neither pg_stat_statements nor any table's
 * rows are touched: the file can be published.  Sizes take an ACCESS
 * SHARE lock on each relation, which waits only behind ACCESS EXCLUSIVE,
 * and then at most lock_timeout (connect.c).
 */
#include "catalog/stats.h"
#include "catalog/catalog_internal.h"
#include "util/interrupt.h"
#include "util/util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct gk_stats {
	json_t *doc;
	gk_stats_table *tables;
	size_t n_tables;
	gk_stats_index *indexes;      /* every table's, in order */
	size_t n_indexes;
	long long taken_at, stats_reset; /* stats_reset 0: never */
	int server_version;
	int sample_seconds;
};

/* ---- the document ------------------------------------------------------ */

/* "YYYY-MM-DDTHH:MM:SS[.fff]Z" (or +00:00) as seconds since the epoch. */
static bool parse_time(const char *s, long long *out)
{
	struct tm tm = {0};
	int n = 0;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
		   &tm.tm_sec, &n) != 6 || n != 19)
		return false;
	const char *p = s + n;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (strcmp(p, "Z") != 0 && strcmp(p, "+00:00") != 0)
		return false;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 60)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = (long long)timegm(&tm);
	return true;
}

typedef struct reader {
	const char *name;             /* the file, for messages */
	gk_error *err;
	char where[96];               /* "tables[3]" */
} reader;

static int bad(reader *rd, const char *key, const char *what)
{
	return gk_error_set(rd->err, GK_EPARSE, "%s: %s%s%s: %s", rd->name, rd->where, *rd->where ? "." : "",
			    key, what);
}

static int get_int(reader *rd, const json_t *o, const char *key, long long min, long long *out)
{
	const json_t *v = json_object_get(o, key);
	if (!json_is_integer(v) || json_integer_value(v) < min)
		return bad(rd, key, min < 0 ? "expected an integer >= -1" : "expected a non-negative integer");
	*out = json_integer_value(v);
	return 0;
}

static int get_str(reader *rd, const json_t *o, const char *key, const char **out)
{
	const json_t *v = json_object_get(o, key);
	if (!json_is_string(v))
		return bad(rd, key, "expected a string");
	*out = json_string_value(v);
	return 0;
}

/* A time or null: *out NULL for null. */
static int get_time(reader *rd, const json_t *o, const char *key, const char **out, long long *secs)
{
	const json_t *v = json_object_get(o, key);
	long long t = 0;
	*out = NULL;
	if (json_is_null(v)) {
		if (secs)
			*secs = 0;
		return 0;
	}
	if (!json_is_string(v) || !parse_time(json_string_value(v), &t))
		return bad(rd, key, "expected a UTC time as YYYY-MM-DDTHH:MM:SSZ, or null");
	*out = json_string_value(v);
	if (secs)
		*secs = t;
	return 0;
}

static int read_index(reader *rd, const json_t *o, gk_stats_index *x)
{
	if (!json_is_object(o))
		return bad(rd, "indexes", "expected objects");
	int rc;
	if ((rc = get_str(rd, o, "name", &x->name)) || (rc = get_int(rd, o, "total_bytes", 0, &x->total_bytes)) ||
	    (rc = get_int(rd, o, "reltuples", -1, &x->reltuples)) || (rc = get_int(rd, o, "idx_scan", 0, &x->idx_scan)))
		return rc;
	return 0;
}

static int read_sample(reader *rd, const json_t *o, gk_stats_table *t)
{
	const json_t *smp = json_object_get(o, "sample");
	if (!smp)
		return 0;
	if (!json_is_object(smp))
		return bad(rd, "sample", "expected an object");
	size_t len = strlen(rd->where);
	snprintf(rd->where + len, sizeof rd->where - len, ".sample");
	int rc;
	if ((rc = get_int(rd, smp, "n_tup_ins", 0, &t->sample_ins)) || (rc = get_int(rd, smp, "n_tup_upd", 0, &t->sample_upd)) ||
	    (rc = get_int(rd, smp, "n_tup_del", 0, &t->sample_del)))
		return rc;
	rd->where[len] = '\0';
	t->sampled = true;
	return 0;
}

static int read_counters(reader *rd, const json_t *o, gk_stats_table *t)
{
	int rc;
	if ((rc = get_int(rd, o, "reltuples", -1, &t->reltuples)) || (rc = get_int(rd, o, "total_bytes", 0, &t->total_bytes)) ||
	    (rc = get_int(rd, o, "heap_bytes", 0, &t->heap_bytes)) || (rc = get_int(rd, o, "n_tup_ins", 0, &t->n_tup_ins)) ||
	    (rc = get_int(rd, o, "n_tup_upd", 0, &t->n_tup_upd)) || (rc = get_int(rd, o, "n_tup_del", 0, &t->n_tup_del)) ||
	    (rc = get_int(rd, o, "n_live_tup", 0, &t->n_live_tup)) || (rc = get_int(rd, o, "n_dead_tup", 0, &t->n_dead_tup)))
		return rc;
	if ((rc = get_time(rd, o, "last_vacuum", &t->last_vacuum, NULL)) ||
	    (rc = get_time(rd, o, "last_autovacuum", &t->last_autovacuum, NULL)) ||
	    (rc = get_time(rd, o, "last_analyze", &t->last_analyze, NULL)) ||
	    (rc = get_time(rd, o, "last_autoanalyze", &t->last_autoanalyze, NULL)))
		return rc;
	return read_sample(rd, o, t);
}

static double rate_of(const gk_stats *s, const gk_stats_table *t)
{
	if (t->sampled && s->sample_seconds > 0)
		return (double)(t->sample_ins + t->sample_upd + t->sample_del) / s->sample_seconds;
	if (s->stats_reset > 0 && s->taken_at > s->stats_reset)
		return (double)(t->n_tup_ins + t->n_tup_upd + t->n_tup_del) / (double)(s->taken_at - s->stats_reset);
	return -1;
}

static bool is_kind(const char *k)
{
	return !strcmp(k, "table") || !strcmp(k, "partitioned table") || !strcmp(k, "materialized view");
}

static int read_table(reader *rd, gk_stats *s, const json_t *o, gk_stats_table *t)
{
	if (!json_is_object(o))
		return bad(rd, "", "expected an object");
	int rc;
	if ((rc = get_str(rd, o, "schema", &t->schema)) || (rc = get_str(rd, o, "name", &t->name)) ||
	    (rc = get_str(rd, o, "kind", &t->kind)))
		return rc;
	if (!is_kind(t->kind))
		return bad(rd, "kind", "expected \"table\", \"partitioned table\" or \"materialized view\"");
	if ((rc = read_counters(rd, o, t)))
		return rc;
	const json_t *ix = json_object_get(o, "indexes");
	if (!json_is_array(ix))
		return bad(rd, "indexes", "expected an array");
	t->indexes = s->indexes + s->n_indexes;
	for (size_t i = 0; i < json_array_size(ix); i++, s->n_indexes++, t->n_indexes++)
		if ((rc = read_index(rd, json_array_get(ix, i), &s->indexes[s->n_indexes])))
			return rc;
	t->writes_per_second = rate_of(s, t);
	return 0;
}

static size_t count_indexes(const json_t *tables)
{
	size_t n = 0;
	for (size_t i = 0; i < json_array_size(tables); i++) {
		const json_t *ix = json_object_get(json_array_get(tables, i), "indexes");
		n += json_is_array(ix) ? json_array_size(ix) : 0;
	}
	return n;
}

static int read_top(reader *rd, gk_stats *s)
{
	const json_t *d = s->doc;
	const char *fmt = NULL, *when = NULL, *reset = NULL;
	long long v = 0, smp = 0;
	int rc;
	if (!json_is_object(d))
		return gk_error_set(rd->err, GK_EPARSE, "%s: not a JSON object", rd->name);
	if ((rc = get_str(rd, d, "format", &fmt)))
		return rc;
	if (strcmp(fmt, GK_STATS_FORMAT) != 0)
		return gk_error_set(rd->err, GK_EPARSE, "%s: format is \"%s\", not \"%s\" (a newer gatekeeper's file?)",
				    rd->name, fmt, GK_STATS_FORMAT);
	if ((rc = get_int(rd, d, "server_version_num", 0, &v)) || (rc = get_time(rd, d, "taken_at", &when, &s->taken_at)) ||
	    (rc = get_time(rd, d, "stats_reset", &reset, &s->stats_reset)))
		return rc;
	if (!when)
		return bad(rd, "taken_at", "expected a UTC time as YYYY-MM-DDTHH:MM:SSZ");
	if (json_object_get(d, "sample_seconds") && ((rc = get_int(rd, d, "sample_seconds", 1, &smp))))
		return rc;
	s->server_version = (int)v;
	s->sample_seconds = (int)smp;
	return 0;
}

/* Check the document and build the tables' array. */
static int index_doc(gk_stats *s, const char *name, gk_error *err)
{
	reader rd = {.name = name, .err = err};
	int rc = read_top(&rd, s);
	if (rc)
		return rc;
	const json_t *tables = json_object_get(s->doc, "tables");
	if (!json_is_array(tables))
		return bad(&rd, "tables", "expected an array");
	size_t n = json_array_size(tables), ni = count_indexes(tables);
	s->tables = calloc(n ? n : 1, sizeof *s->tables);
	s->indexes = calloc(ni ? ni : 1, sizeof *s->indexes);
	if (!s->tables || !s->indexes)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++, s->n_tables++) {
		snprintf(rd.where, sizeof rd.where, "tables[%zu]", i);
		if ((rc = read_table(&rd, s, json_array_get(tables, i), &s->tables[i])))
			return rc;
	}
	return 0;
}

int gk_stats_parse(gk_stats **out, const char *text, size_t len, const char *name, gk_error *err)
{
	*out = NULL;
	json_error_t je;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!doc)
		return gk_error_set(err, GK_EPARSE, "%s:%d:%d: %s", name, je.line, je.column, je.text);
	gk_stats *s = calloc(1, sizeof *s);
	if (!s) {
		json_decref(doc);
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	s->doc = doc;
	int rc = index_doc(s, name, err);
	if (rc) {
		gk_stats_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* A stats file of a large database is a few MB; 256 MB is not one. */
#define GK_STATS_MAX_FILE (256u << 20)

int gk_stats_load(gk_stats **out, const char *path, gk_error *err)
{
	*out = NULL;
	char *text = NULL;
	size_t len = 0;
	if (gk_read_file(&text, &len, path, GK_STATS_MAX_FILE) != 0)
		return gk_error_set(err, GK_EIO, "cannot read %s: %s", path, errno ? strerror(errno) : "too large");
	int rc = gk_stats_parse(out, text, len, path, err);
	free(text);
	return rc;
}

void gk_stats_free(gk_stats *s)
{
	if (!s)
		return;
	json_decref(s->doc);
	free(s->tables);
	free(s->indexes);
	free(s);
}

int gk_stats_write(const gk_stats *s, FILE *f, gk_error *err)
{
	if (json_dumpf(s->doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 || fputc('\n', f) == EOF || ferror(f))
		return gk_error_set(err, GK_EIO, "%s", errno ? strerror(errno) : "write error");
	return 0;
}

long long gk_stats_taken_at(const gk_stats *s) { return s->taken_at; }
int gk_stats_server_version(const gk_stats *s) { return s->server_version; }
size_t gk_stats_count(const gk_stats *s) { return s->n_tables; }

const gk_stats_table *gk_stats_table_at(const gk_stats *s, size_t i)
{
	return i < s->n_tables ? &s->tables[i] : NULL;
}

static const char *or_public(const char *schema)
{
	return schema && *schema ? schema : "public";
}

const gk_stats_table *gk_stats_find(const gk_stats *s, const char *schema, const char *name)
{
	schema = or_public(schema);
	for (size_t i = 0; name && i < s->n_tables; i++)
		if (!strcmp(s->tables[i].name, name) && !strcmp(s->tables[i].schema, schema))
			return &s->tables[i];
	return NULL;
}

const gk_stats_table *gk_stats_find_index(const gk_stats *s, const char *schema, const char *name,
					  const gk_stats_index **index)
{
	schema = or_public(schema);
	*index = NULL;
	for (size_t i = 0; name && i < s->n_tables; i++) {
		const gk_stats_table *t = &s->tables[i];
		if (strcmp(t->schema, schema) != 0)
			continue;
		for (size_t j = 0; j < t->n_indexes; j++)
			if (!strcmp(t->indexes[j].name, name)) {
				*index = &t->indexes[j];
				return t;
			}
	}
	return NULL;
}

const gk_stats_table *gk_stats_find_quoted(const gk_stats *s, const char *relation, const gk_stats_index **index)
{
	*index = NULL;
	size_t dot = gk_cat_ident_parent_len(relation);
	char schema[256];
	gk_cat_ident_first(schema, sizeof schema, relation);
	char *name = gk_cat_ident_unquote(dot ? relation + dot + 1 : relation);
	if (!name)
		return NULL;
	const char *sch = dot ? schema : NULL;
	const gk_stats_table *t = gk_stats_find(s, sch, name);
	if (!t)
		t = gk_stats_find_index(s, sch, name, index);
	free(name);
	return t;
}

long long gk_stats_rows(const gk_stats_table *t)
{
	return t->reltuples >= 0 ? t->reltuples : t->n_live_tup;
}

/* ---- taking one -------------------------------------------------------- */

#define UTC(x) "to_char((" x ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
/* Relations of the user's schemas, not the system's or temporary ones. */
#define USER_SCHEMA "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'"

/* A partitioned table holds no rows of its own: its rows and sizes are
 * its partitions' (the sum of the leaves, as the gate's lock messages
 * and the lock-window estimate need them); the partitions are listed too. */
#define PART_SUM(expr, leaf_filter) \
	"(SELECT sum(" expr ") FROM pg_partition_tree(c.oid) pt JOIN pg_class l ON l.oid = pt.relid" \
	" WHERE pt.isleaf" leaf_filter ")"
static const char tables_sql[] =
	"SELECT n.nspname, c.relname, c.relkind::text,"
	" round(CASE WHEN c.relkind = 'p' THEN coalesce(" PART_SUM("l.reltuples", " AND l.reltuples >= 0") ", -1)"
	" ELSE c.reltuples END)::bigint,"
	" CASE WHEN c.relkind = 'p' THEN coalesce(" PART_SUM("pg_total_relation_size(l.oid)", "") ", 0)::bigint"
	" ELSE pg_total_relation_size(c.oid) END,"
	" CASE WHEN c.relkind = 'p' THEN coalesce(" PART_SUM("pg_relation_size(l.oid)", "") ", 0)::bigint"
	" ELSE pg_relation_size(c.oid) END, coalesce(s.n_tup_ins, 0), coalesce(s.n_tup_upd, 0), coalesce(s.n_tup_del, 0),"
	" coalesce(s.n_live_tup, 0), coalesce(s.n_dead_tup, 0), " UTC("s.last_vacuum") ", " UTC("s.last_autovacuum") ","
	" " UTC("s.last_analyze") ", " UTC("s.last_autoanalyze")
	" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
	" LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid"
	" WHERE c.relkind IN ('r', 'p', 'm') AND " USER_SCHEMA
	" ORDER BY n.nspname COLLATE \"C\", c.relname COLLATE \"C\"";

static const char indexes_sql[] =
	"SELECT n.nspname, t.relname, i.relname, pg_relation_size(i.oid), round(i.reltuples)::bigint,"
	" coalesce(s.idx_scan, 0)"
	" FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
	" JOIN pg_namespace n ON n.oid = t.relnamespace LEFT JOIN pg_stat_all_indexes s ON s.indexrelid = i.oid"
	" WHERE t.relkind IN ('r', 'p', 'm') AND " USER_SCHEMA
	" ORDER BY n.nspname COLLATE \"C\", t.relname COLLATE \"C\", i.relname COLLATE \"C\"";

static const char top_sql[] =
	"SELECT current_setting('server_version_num')::int, " UTC("now()") ", " UTC("d.stats_reset")
	" FROM pg_stat_database d WHERE d.datname = current_database()";

typedef struct taker {
	PGconn *c;
	const char *conninfo;
	gk_error *err;
} taker;

static int run(taker *k, const char *sql, const char *what, PGresult **out)
{
	*out = PQexec(k->c, sql);
	if (PQresultStatus(*out) == PGRES_TUPLES_OK || PQresultStatus(*out) == PGRES_COMMAND_OK)
		return 0;
	int rc = gk_cat_sql_error(k->c, *out, k->conninfo, what, k->err);
	PQclear(*out);
	*out = NULL;
	return rc;
}

static json_t *num(const PGresult *r, int row, int col)
{
	return json_integer(strtoll(PQgetvalue(r, row, col), NULL, 10));
}

static json_t *str(const PGresult *r, int row, int col)
{
	return gk_cat_string(PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col));
}

static json_t *time_or_null(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? json_null() : str(r, row, col);
}

static const char *kind_word(const char *relkind)
{
	return *relkind == 'p' ? "partitioned table" : *relkind == 'm' ? "materialized view" : "table";
}

static const char *const counter_keys[] = {"reltuples", "total_bytes", "heap_bytes", "n_tup_ins", "n_tup_upd",
					   "n_tup_del", "n_live_tup", "n_dead_tup"};
static const char *const time_keys[] = {"last_vacuum", "last_autovacuum", "last_analyze", "last_autoanalyze"};

static json_t *table_row(const PGresult *r, int i)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	int bad = json_object_set_new(o, "schema", str(r, i, 0)) | json_object_set_new(o, "name", str(r, i, 1)) |
		  json_object_set_new(o, "kind", json_string(kind_word(PQgetvalue(r, i, 2))));
	for (int k = 0; k < 8; k++)
		bad |= json_object_set_new(o, counter_keys[k], num(r, i, 3 + k));
	for (int k = 0; k < 4; k++)
		bad |= json_object_set_new(o, time_keys[k], time_or_null(r, i, 11 + k));
	bad |= json_object_set_new(o, "indexes", json_array());
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Rows of both queries come sorted by schema and table: a merge. */
static int add_indexes(json_t *tables, const PGresult *r)
{
	size_t t = 0;
	for (int i = 0; i < PQntuples(r); i++) {
		json_t *tab = NULL;
		for (; t < json_array_size(tables); t++) {
			tab = json_array_get(tables, t);
			if (!strcmp(json_string_value(json_object_get(tab, "schema")), PQgetvalue(r, i, 0)) &&
			    !strcmp(json_string_value(json_object_get(tab, "name")), PQgetvalue(r, i, 1)))
				break;
		}
		if (t == json_array_size(tables))
			return GK_EPARSE; /* cannot happen: both lists come from one snapshot */
		json_t *o = json_object();
		if (!o || json_object_set_new(o, "name", str(r, i, 2)) | json_object_set_new(o, "total_bytes", num(r, i, 3)) |
				  json_object_set_new(o, "reltuples", num(r, i, 4)) |
				  json_object_set_new(o, "idx_scan", num(r, i, 5)) ||
		    json_array_append_new(json_object_get(tab, "indexes"), o))
			return GK_ENOMEM;
	}
	return 0;
}

static int build_tables(taker *k, json_t *doc)
{
	PGresult *r = NULL;
	int rc = run(k, tables_sql, "cannot read the table statistics", &r);
	if (rc)
		return rc;
	json_t *tables = json_array();
	for (int i = 0; tables && i < PQntuples(r); i++)
		if (json_array_append_new(tables, table_row(r, i)))
			rc = GK_ENOMEM;
	PQclear(r);
	if (!tables || rc || json_object_set_new(doc, "tables", tables))
		return gk_error_set(k->err, GK_ENOMEM, "out of memory");
	if ((rc = run(k, indexes_sql, "cannot read the index statistics", &r)))
		return rc;
	rc = add_indexes(tables, r);
	PQclear(r);
	return rc ? gk_error_set(k->err, rc, "the index statistics name a table the table statistics lack") : 0;
}

static int build_top(taker *k, json_t *doc)
{
	PGresult *r = NULL;
	int rc = run(k, top_sql, "cannot read the server version", &r);
	if (rc)
		return rc;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return gk_error_set(k->err, GK_EINFRA, "pg_stat_database has no row for the current database");
	}
	long v = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	char version[32];
	snprintf(version, sizeof version, "%ld.%ld", v / 10000, v % 10000);
	int bad = json_object_set_new(doc, "format", json_string(GK_STATS_FORMAT)) |
		  json_object_set_new(doc, "server_version", json_string(version)) |
		  json_object_set_new(doc, "server_version_num", json_integer(v)) |
		  json_object_set_new(doc, "taken_at", str(r, 0, 1)) |
		  json_object_set_new(doc, "stats_reset", time_or_null(r, 0, 2));
	PQclear(r);
	return bad ? gk_error_set(k->err, GK_ENOMEM, "out of memory") : 0;
}

/* Sleep, a tenth of a second at a time so that SIGINT ends it. */
static int wait_seconds(int seconds, gk_error *err)
{
	for (int i = 0; i < seconds * 10; i++) {
		if (gk_interrupted())
			return gk_error_set(err, GK_EINTR, "interrupted during the sample");
		struct timespec ts = {0, 100000000L};
		nanosleep(&ts, NULL);
	}
	return 0;
}

static long long counter(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static json_t *delta(const json_t *before, const PGresult *r, int i)
{
	static const char *const keys[] = {"n_tup_ins", "n_tup_upd", "n_tup_del"};
	json_t *o = json_object();
	for (int k = 0; o && k < 3; k++) {
		long long d = strtoll(PQgetvalue(r, i, 6 + k), NULL, 10) - counter(before, keys[k]);
		/* A reset between the samples makes the counters smaller. */
		if (json_object_set_new(o, keys[k], json_integer(d > 0 ? d : 0))) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* Read the counters again; tables are matched by name (a table created
 * since the first sample is left out, one dropped gets no sample). */
static int second_sample(taker *k, json_t *doc, int seconds)
{
	int rc = wait_seconds(seconds, k->err);
	PGresult *r = NULL;
	if (rc || (rc = run(k, tables_sql, "cannot read the table statistics again", &r)))
		return rc;
	json_t *tables = json_object_get(doc, "tables");
	size_t t = 0;
	for (int i = 0; i < PQntuples(r) && !rc; i++) {
		for (; t < json_array_size(tables); t++) {
			json_t *tab = json_array_get(tables, t);
			int c = strcmp(json_string_value(json_object_get(tab, "schema")), PQgetvalue(r, i, 0));
			c = c ? c : strcmp(json_string_value(json_object_get(tab, "name")), PQgetvalue(r, i, 1));
			if (c > 0)
				break;
			if (c == 0) {
				if (json_object_set_new(tab, "sample", delta(tab, r, i)))
					rc = GK_ENOMEM;
				break;
			}
		}
	}
	PQclear(r);
	if (rc || json_object_set_new(doc, "sample_seconds", json_integer(seconds)))
		return gk_error_set(k->err, GK_ENOMEM, "out of memory");
	return 0;
}

/* The first sample in one read-only transaction, so that the tables,
 * their indexes and the time agree. */
static int first_sample(taker *k, json_t *doc)
{
	PGresult *r = NULL;
	int rc = run(k, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "cannot begin a read-only transaction", &r);
	if (rc)
		return rc;
	PQclear(r);
	if ((rc = build_top(k, doc)) || (rc = build_tables(k, doc)))
		return rc;
	rc = run(k, "COMMIT", "cannot end the read-only transaction", &r);
	PQclear(r);
	return rc;
}

/* The snapshot over connection k->c, which is left open. */
static int take(gk_stats **out, taker *k, const gk_stats_options *o, gk_error *err)
{
	int rc = 0;
	gk_stats *s = calloc(1, sizeof *s);
	json_t *doc = json_object();
	if (!s || !doc)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	if (!rc)
		rc = first_sample(k, doc);
	/* The second sample is read outside that transaction: the statistics
	 * views keep one snapshot per transaction (stats_fetch_consistency). */
	if (!rc && o && o->sample_seconds > 0)
		rc = second_sample(k, doc, o->sample_seconds);
	if (s)
		s->doc = doc;
	else
		json_decref(doc);
	if (!rc)
		rc = index_doc(s, "the statistics read", err);
	if (rc) {
		gk_stats_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int gk_stats_take(gk_stats **out, const char *conninfo, const gk_stats_options *o, gk_error *err)
{
	*out = NULL;
	gk_catalog_options co = {0};
	co.statement_timeout_ms = o ? o->statement_timeout_ms : 0;
	taker k = {.conninfo = conninfo, .err = err};
	int rc = gk_cat_connect(&k.c, conninfo, &co, err);
	if (rc)
		return rc;
	rc = take(out, &k, o, err);
	PQfinish(k.c);
	return rc;
}

int gk_stats_take_on(gk_stats **out, PGconn *c, const char *conninfo, gk_error *err)
{
	*out = NULL;
	taker k = {.c = c, .conninfo = conninfo, .err = err};
	int rc = take(out, &k, NULL, err);
	/* A failure inside the snapshot's transaction must not leave the
	 * caller's session in it. */
	if (rc && PQtransactionStatus(c) != PQTRANS_IDLE)
		PQclear(PQexec(c, "ROLLBACK"));
	return rc;
}
