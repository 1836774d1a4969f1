/*
 * preflight.c - what a release gate reads from the target before it lets
 * a migration run: who holds locks on the tables the migration will lock,
 * how big those tables are, what earlier migrations left half-done
 * (invalid indexes, NOT VALID constraints), and whether a deploy is
 * running right now.
 *
 * Everything comes from the catalogs and the statistics views, which any
 * role may read, in one read-only snapshot per call.  pg_stat_activity
 * hides the state, query and timestamps of other roles' sessions unless
 * the role has pg_read_all_stats; pg_locks hides nothing, so a lock is
 * always seen, only its holder's details may be unknown.
 *
 * Relations are named as SQL writes them and resolved the way the
 * migration's own statement would be: parse_ident(), then the schema
 * given, else the first schema of search_path that has the name.
 */
#include "catalog/stats.h"
#include "target/target_internal.h"
#include "util/util.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The requested names ($1, text[]) resolved: ord, name, oid, relation, reltuples, relkind. */
#define RESOLVE_CTE                                                                                      \
	"WITH req AS (SELECT u.ord, u.name, parse_ident(u.name, false) AS p "                            \
	"  FROM unnest($1::text[]) WITH ORDINALITY AS u(name, ord)), "                                   \
	"rel AS (SELECT req.ord, req.name, x.oid, x.relation, x.reltuples, x.relkind FROM req "          \
	"  LEFT JOIN LATERAL (SELECT c.oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname) "    \
	"      AS relation, c.reltuples, c.relkind "                                                      \
	"    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "        \
	"    WHERE c.relname = req.p[cardinality(req.p)] AND CASE WHEN cardinality(req.p) > 1 "           \
	"      THEN n.nspname = req.p[cardinality(req.p) - 1] "                                           \
	"      ELSE n.nspname = ANY (current_schemas(false)) END "                                        \
	"    ORDER BY array_position(current_schemas(false), n.nspname) LIMIT 1) x ON true) "

/* Only user schemas: PostgreSQL reserves pg_* names for itself. */
#define USER_SCHEMA(n) "(" n ".nspname !~ '^pg_' AND " n ".nspname <> 'information_schema')"

/* Run one query in its own read-only snapshot. */
static PGresult *snapshot_query(gk_target *t, const char *sql, int np, const char *const *params, const char *what,
				gk_error *err)
{
	if (gk_tg_begin(t, err) != 0)
		return NULL;
	PGresult *r = gk_tg_query(t, sql, np, params, what, err);
	gk_tg_end(t);
	return r;
}

static double num_or(const PGresult *r, int row, int col, double dflt)
{
	return PQgetisnull(r, row, col) ? dflt : strtod(PQgetvalue(r, row, col), NULL);
}

/* ---- blocking sessions ----------------------------------------------- */

void gk_target_sessions_free(gk_target_session *s, size_t n)
{
	for (size_t i = 0; s && i < n; i++) {
		free(s[i].relation);
		free(s[i].mode);
		free(s[i].user);
		free(s[i].application);
		free(s[i].state);
		free(s[i].query);
		free(s[i].asked);
		free(s[i].xmin);
	}
	free(s);
}

/* Lock modes, weakest first: a session's strongest mode on a relation is shown. */
#define MODE_RANK                                                                                        \
	"array_position(ARRAY['AccessShareLock', 'RowShareLock', 'RowExclusiveLock', "                   \
	"'ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', "            \
	"'AccessExclusiveLock'], l.mode)"

static char *sessions_sql(int version)
{
	/* pg_locks.waitstart is 14+.  A prepared transaction holds its locks
	 * with no pid at all: it blocks as surely as a session does. */
	return gk_asprintf(
		RESOLVE_CTE
		"SELECT * FROM (SELECT DISTINCT ON (l.pid, r.relation) COALESCE(l.pid, 0), r.relation, l.mode, "
		"  l.granted, a.usename, a.application_name, "
		"  CASE WHEN l.pid IS NULL THEN 'prepared transaction' ELSE a.state END, "
		"  extract(epoch FROM clock_timestamp() - a.xact_start), "
		/* Other roles' queries read "<insufficient privilege>" without pg_read_all_stats. */
		"  %s, NULLIF(left(a.query, 200), '<insufficient privilege>'), a.xact_start "
		"FROM pg_catalog.pg_locks l JOIN rel r ON r.oid = l.relation "
		"LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "
		"WHERE l.locktype = 'relation' "
		"  AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()) "
		"  AND l.pid IS DISTINCT FROM pg_backend_pid() "
		"ORDER BY l.pid, r.relation, l.granted, " MODE_RANK " DESC) s "
		"ORDER BY s.xact_start NULLS LAST, 1, 2",
		version >= 140000 ? "CASE WHEN NOT l.granted THEN extract(epoch FROM clock_timestamp() - l.waitstart) END"
				  : "NULL::numeric");
}

static int fill_session(gk_target_session *s, const PGresult *r, int i)
{
	bool oom = false;
	s->pid = atoi(PQgetvalue(r, i, 0));
	s->relation = gk_tg_value(r, i, 1, &oom);
	s->mode = gk_tg_value(r, i, 2, &oom);
	s->granted = strcmp(PQgetvalue(r, i, 3), "t") == 0;
	s->user = gk_tg_value(r, i, 4, &oom);
	s->application = gk_tg_value(r, i, 5, &oom);
	s->state = gk_tg_value(r, i, 6, &oom);
	s->xact_age_s = num_or(r, i, 7, -1);
	s->wait_s = num_or(r, i, 8, -1);
	s->query = gk_tg_value(r, i, 9, &oom);
	return oom ? GK_ENOMEM : 0;
}

int gk_target_blocking_sessions(gk_target_session **out, size_t *n_out, gk_target *t, const char *const *tables,
				size_t n, gk_error *err)
{
	*out = NULL;
	*n_out = 0;
	if (n == 0)
		return 0;
	char *names = gk_tg_text_array(tables, n), *sql = sessions_sql(t->version);
	const char *params[] = {names};
	PGresult *r = names && sql ? snapshot_query(t, sql, 1, params, "cannot read the locks", err) : NULL;
	int rc = r ? 0 : names && sql ? GK_EINFRA : gk_error_set(err, GK_ENOMEM, "out of memory");
	free(names);
	free(sql);
	int rows = r ? PQntuples(r) : 0;
	gk_target_session *s = rc == 0 ? calloc(rows ? (size_t)rows : 1, sizeof *s) : NULL;
	if (rc == 0 && !s)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	size_t k = 0;
	for (int i = 0; rc == 0 && i < rows; i++, k++)
		if (fill_session(&s[i], r, i) != 0)
			rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	PQclear(r);
	if (rc) {
		gk_target_sessions_free(s, k); /* k counts a half-filled session too */
		return rc;
	}
	*out = s;
	*n_out = k;
	return 0;
}

/* ---- what CONCURRENTLY waits for ------------------------------------- */

/*
 * Columns 0-9 as sessions_sql (fill_session), then 10 the name asked for,
 * 11 backend_xmin, 12 its age in transactions, 13 whether it has an xid,
 * 14 xact_start (for the order).
 */
#define WAIT_COLUMNS                                                                                     \
	"a.usename, a.application_name, %s, "                                                            \
	"  extract(epoch FROM clock_timestamp() - a.xact_start), %s, "                                   \
	"  NULLIF(left(a.query, 200), '<insufficient privilege>'), "

/*
 * The lock holders of the tables named, in every mode: the caller knows
 * which ones its statement waits for (CREATE INDEX CONCURRENTLY: those
 * conflicting with SHARE, ROW EXCLUSIVE and up, and a queue for SHARE
 * UPDATE EXCLUSIVE; DROP INDEX and REINDEX CONCURRENTLY: every one, readers
 * too, before they drop an index).  An index named (DROP INDEX, REINDEX
 * INDEX) stands for its table.
 */
static char *holders_sql(int version)
{
	return gk_asprintf(
		RESOLVE_CTE
		", tbl AS (SELECT r.name, t.oid, quote_ident(n.nspname) || '.' || quote_ident(t.relname) AS relation "
		"  FROM rel r JOIN pg_catalog.pg_class t ON t.oid = COALESCE((SELECT x.indrelid "
		"    FROM pg_catalog.pg_index x WHERE x.indexrelid = r.oid), r.oid) "
		"  JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace) "
		"SELECT * FROM (SELECT DISTINCT ON (l.pid, r.name) COALESCE(l.pid, 0), r.relation, l.mode, l.granted, "
		WAIT_COLUMNS
		"  r.name, a.backend_xmin, age(a.backend_xmin), a.backend_xid IS NOT NULL OR l.pid IS NULL, a.xact_start "
		"FROM pg_catalog.pg_locks l JOIN tbl r ON r.oid = l.relation "
		"LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "
		"WHERE l.locktype = 'relation' "
		"  AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()) "
		"  AND l.pid IS DISTINCT FROM pg_backend_pid() "
		"ORDER BY l.pid, r.name, l.granted, " MODE_RANK " DESC) s "
		"ORDER BY s.xact_start NULLS LAST, 1, 2",
		"CASE WHEN l.pid IS NULL THEN 'prepared transaction' ELSE a.state END",
		version >= 140000 ? "CASE WHEN NOT l.granted THEN extract(epoch FROM clock_timestamp() - l.waitstart) END"
				  : "NULL::numeric");
}

/*
 * The snapshot holders: the build waits for every transaction of this
 * database whose xmin is older than its own snapshot's (PostgreSQL's
 * WaitForOlderSnapshots()), and a session that holds no snapshot has
 * backend_xmin NULL.  The server skips autovacuum; a parallel worker
 * shares its leader's snapshot and is reported through the leader.
 * (The server also skips a VACUUM and, from 14, another CONCURRENTLY
 * build of a plain index; pg_stat_activity cannot tell them apart, so
 * they are reported.)  A statement running for less than the grace
 * period ends before a build gets to wait for it.  Without
 * pg_read_all_stats the server shows other roles' backend_xmin but hides
 * their backend_type, state and xact_start: such a session is reported,
 * whatever it runs.
 */
static char *snapshots_sql(int version)
{
	return gk_asprintf(
		"SELECT a.pid, NULL, NULL, true, " WAIT_COLUMNS
		"  NULL, a.backend_xmin, age(a.backend_xmin), a.backend_xid IS NOT NULL, a.xact_start "
		"FROM pg_catalog.pg_stat_activity a "
		"WHERE a.datid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()) "
		"  AND a.pid IS DISTINCT FROM pg_backend_pid() %s "
		"  AND a.backend_xmin IS NOT NULL AND (a.state IS DISTINCT FROM 'active' OR a.xact_start IS NULL "
		"    OR a.xact_start <= clock_timestamp() - interval '%d s') "
		"ORDER BY a.xact_start NULLS LAST, a.pid",
		"a.state", "NULL::numeric",
		version >= 100000 ? "AND COALESCE(a.backend_type, '') NOT IN ('autovacuum worker', 'parallel worker')" : "",
		GK_TARGET_SNAPSHOT_GRACE_S);
}

static int fill_wait(gk_target_session *s, const PGresult *r, int i)
{
	bool oom = fill_session(s, r, i) != 0; /* a snapshot holder's relation and mode are NULL */
	s->asked = gk_tg_value(r, i, 10, &oom);
	s->xmin = gk_tg_value(r, i, 11, &oom);
	s->xmin_age = PQgetisnull(r, i, 12) ? -1 : strtoll(PQgetvalue(r, i, 12), NULL, 10);
	s->wrote = strcmp(PQgetvalue(r, i, 13), "t") == 0;
	return oom ? GK_ENOMEM : 0;
}

/* Append the rows of `r` to *s (n entries, room for `cap`). */
static int add_waits(gk_target_session **s, size_t *n, size_t *cap, const PGresult *r)
{
	int rows = PQntuples(r);
	if (gk_grow(s, cap, *n + (size_t)rows + 1, sizeof **s) < 0)
		return GK_ENOMEM;
	for (int i = 0; i < rows; i++) {
		memset(&(*s)[*n], 0, sizeof **s);
		int rc = fill_wait(&(*s)[(*n)++], r, i); /* counted when half-filled: freed with the rest */
		if (rc)
			return rc;
	}
	return 0;
}

int gk_target_concurrently_waits(gk_target_session **out, size_t *n_out, gk_target *t, const char *const *names,
				 size_t n, gk_error *err)
{
	*out = NULL;
	*n_out = 0;
	char *arr = gk_tg_text_array(names, n), *wsql = holders_sql(t->version), *ssql = snapshots_sql(t->version);
	const char *params[] = {arr};
	gk_target_session *s = NULL;
	size_t k = 0, cap = 0;
	int rc = arr && wsql && ssql ? gk_tg_begin(t, err) : gk_error_set(err, GK_ENOMEM, "out of memory");
	if (rc == 0) {
		/* Both in one snapshot: lock holders and snapshot holders of the same moment. */
		PGresult *w = n ? gk_tg_query(t, wsql, 1, params, "cannot read the locks", err) : NULL;
		PGresult *x = !n || w ? gk_tg_query(t, ssql, 0, NULL, "cannot read the sessions", err) : NULL;
		gk_tg_end(t);
		if ((n && !w) || !x)
			rc = GK_EINFRA;
		if (rc == 0 && w && add_waits(&s, &k, &cap, w) != 0)
			rc = gk_error_set(err, GK_ENOMEM, "out of memory");
		if (rc == 0 && add_waits(&s, &k, &cap, x) != 0)
			rc = gk_error_set(err, GK_ENOMEM, "out of memory");
		PQclear(w);
		PQclear(x);
	}
	free(arr);
	free(wsql);
	free(ssql);
	if (rc) {
		gk_target_sessions_free(s, k);
		return rc;
	}
	*out = s;
	*n_out = k;
	return 0;
}

void gk_target_names_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

int gk_target_reindex_tables(char ***out, size_t *n_out, gk_target *t, const char *schema, gk_error *err)
{
	*out = NULL;
	*n_out = 0;
	const char *params[] = {schema};
	PGresult *r = snapshot_query(
		t,
		"SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) "
		"FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
		"WHERE c.relkind IN ('r', 'm') AND ($1::text IS NULL OR n.nspname = $1) "
		"  AND n.nspname <> 'pg_catalog' AND n.nspname !~ '^pg_toast' AND NOT c.relisshared "
		"  AND (c.relpersistence <> 't' OR n.oid = pg_catalog.pg_my_temp_schema()) "
		"ORDER BY 1",
		1, params, "cannot read the tables to reindex", err);
	if (!r)
		return GK_EINFRA;
	int rows = PQntuples(r);
	char **v = calloc((size_t)rows + 1, sizeof *v);
	bool oom = !v;
	for (int i = 0; !oom && i < rows; i++)
		oom = !(v[i] = gk_tg_value(r, i, 0, &oom)) || oom;
	PQclear(r);
	if (oom) {
		gk_target_names_free(v, (size_t)rows);
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	*out = v;
	*n_out = (size_t)rows;
	return 0;
}

/* ---- lock_timeout of the deploying role ------------------------------- */

void gk_target_role_setting_free(gk_target_role_setting *s)
{
	free(s->role);
	free(s->value);
	free(s->source);
	memset(s, 0, sizeof *s);
}

/* A lock_timeout value as PostgreSQL reads it (no unit: milliseconds); < 0 when not understood. */
static double timeout_ms(const char *v)
{
	long ms;
	return gk_parse_guc_ms(v, &ms) == 0 && ms >= 0 ? (double)ms : -1;
}

int gk_target_role_lock_timeout(gk_target_role_setting *out, gk_target *t, const char *role, gk_error *err)
{
	memset(out, 0, sizeof *out);
	/* pg_db_role_setting is readable by every role.  PostgreSQL applies
	 * role-in-database, then role, then database: the first one found wins. */
	const char *params[] = {role};
	PGresult *r = snapshot_query(
		t,
		"WITH ro AS (SELECT oid, rolname FROM pg_catalog.pg_roles WHERE rolname = COALESCE($1, session_user::text)), "
		"db AS (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()), "
		"st AS (SELECT CASE WHEN s.setrole = 0 THEN 3 WHEN s.setdatabase = 0 THEN 2 ELSE 1 END AS k, s.setconfig "
		"  FROM pg_catalog.pg_db_role_setting s "
		"  WHERE (s.setrole = (SELECT oid FROM ro) AND s.setdatabase IN (0, (SELECT oid FROM db))) "
		"     OR (s.setrole = 0 AND s.setdatabase = (SELECT oid FROM db))), "
		"lt AS (SELECT st.k, substr(c, length('lock_timeout=') + 1) AS v FROM st, unnest(st.setconfig) c "
		"  WHERE c LIKE 'lock\\_timeout=%' ORDER BY st.k LIMIT 1) "
		"SELECT COALESCE($1, session_user::text), (SELECT quote_ident(rolname) FROM ro), lt.v, lt.k, "
		"  quote_ident(current_database()) FROM (SELECT 1) one LEFT JOIN lt ON true",
		1, params, "cannot read the role settings", err);
	if (!r)
		return GK_EINFRA;
	bool oom = false;
	out->role = gk_tg_value(r, 0, 0, &oom);
	out->role_exists = !PQgetisnull(r, 0, 1);
	out->value = gk_tg_value(r, 0, 2, &oom);
	out->ms = out->value ? timeout_ms(out->value) : -1;
	if (out->value) {
		const char *role_q = PQgetvalue(r, 0, 1), *db = PQgetvalue(r, 0, 4);
		int k = atoi(PQgetvalue(r, 0, 3));
		out->source = k == 1 ? gk_asprintf("ALTER ROLE %s IN DATABASE %s", role_q, db)
			      : k == 2 ? gk_asprintf("ALTER ROLE %s", role_q)
				       : gk_asprintf("ALTER DATABASE %s", db);
		oom |= !out->source;
	}
	PQclear(r);
	if (oom) {
		gk_target_role_setting_free(out);
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	return 0;
}

/* ---- table sizes ----------------------------------------------------- */

int gk_target_stats(gk_stats **out, gk_target *t, gk_error *err)
{
	return gk_stats_take_on(out, t->conn, t->url, err);
}

/* "12M", "3.4k", "950" - the rough size a reviewer needs. */
static void rough_count(char *buf, size_t size, double v)
{
	static const char *const unit[] = {"", "k", "M", "G", "T"};
	int u = 0;
	while (v >= 999.5 && u < 4) {
		v /= 1000;
		u++;
	}
	snprintf(buf, size, u && v < 9.95 ? "%.1f%s" : "%.0f%s", v, unit[u]);
}

static void bytes_text(char *buf, size_t size, long long b)
{
	static const char *const unit[] = {"bytes", "kB", "MB", "GB", "TB", "PB"};
	double v = (double)b;
	int u = 0;
	while (v >= 1023.95 && u < 5) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

void gk_target_size_text(char *buf, size_t size, const gk_target_table_size *s)
{
	if (!s->relation) {
		snprintf(buf, size, "%s: not on the target", s->name ? s->name : "?");
		return;
	}
	char rows[32], bytes[32];
	bytes_text(bytes, sizeof bytes, s->bytes);
	if (s->rows < 0) {
		snprintf(buf, size, "%s, rows unknown (never analyzed), %s", s->relation, bytes);
		return;
	}
	rough_count(rows, sizeof rows, s->rows);
	snprintf(buf, size, "%s, ~%s row%s, %s", s->relation, rows, s->rows == 1 ? "" : "s", bytes);
}

/* ---- health: invalid indexes, NOT VALID constraints ------------------ */

void gk_target_objects_free(gk_target_object *o, size_t n)
{
	for (size_t i = 0; o && i < n; i++) {
		free(o[i].name);
		free(o[i].table);
		free(o[i].definition);
	}
	free(o);
}

static int objects(gk_target *t, const char *sql, const char *what, gk_target_object **out, size_t *n_out,
		   gk_error *err)
{
	*out = NULL;
	*n_out = 0;
	PGresult *r = snapshot_query(t, sql, 0, NULL, what, err);
	if (!r)
		return GK_EINFRA;
	int rows = PQntuples(r);
	gk_target_object *o = calloc(rows ? (size_t)rows : 1, sizeof *o);
	bool oom = !o;
	for (int i = 0; o && i < rows; i++) {
		o[i].name = gk_tg_value(r, i, 0, &oom);
		o[i].table = gk_tg_value(r, i, 1, &oom);
		o[i].definition = gk_tg_value(r, i, 2, &oom);
	}
	PQclear(r);
	if (oom) {
		gk_target_objects_free(o, o ? (size_t)rows : 0);
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	*out = o;
	*n_out = (size_t)rows;
	return 0;
}

int gk_target_invalid_indexes(gk_target_object **out, size_t *n_out, gk_target *t, gk_error *err)
{
	/* An index that CREATE INDEX [CONCURRENTLY] is building right now is
	 * invalid too, until it finishes: skip it (pg_stat_progress_create_index,
	 * 12+; its index_relid is hidden from other roles, so any build on the
	 * table counts then). */
	char *sql = gk_asprintf(
		"SELECT quote_ident(n.nspname) || '.' || quote_ident(i.relname), "
		"  quote_ident(tn.nspname) || '.' || quote_ident(t.relname), pg_catalog.pg_get_indexdef(x.indexrelid) "
		"FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid "
		"JOIN pg_catalog.pg_namespace n ON n.oid = i.relnamespace "
		"JOIN pg_catalog.pg_class t ON t.oid = x.indrelid JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace "
		"WHERE NOT x.indisvalid AND " USER_SCHEMA("n") " %s ORDER BY 2, 1",
		t->version >= 120000 ? "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_progress_create_index p "
				       "WHERE p.relid = x.indrelid AND (p.index_relid IS NULL OR p.index_relid IN (0, x.indexrelid)))"
				     : "");
	if (!sql)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	int rc = objects(t, sql, "cannot read the indexes", out, n_out, err);
	free(sql);
	return rc;
}

int gk_target_unvalidated_constraints(gk_target_object **out, size_t *n_out, gk_target *t, gk_error *err)
{
	/* A partition's copy of its parent's constraint (conparentid, 11+) is
	 * reported once, with the parent. */
	char *sql = gk_asprintf(
		"SELECT quote_ident(con.conname), "
		"  COALESCE(quote_ident(cn.nspname) || '.' || quote_ident(c.relname), "
		"    pg_catalog.format_type(NULLIF(con.contypid, 0), NULL)), pg_catalog.pg_get_constraintdef(con.oid) "
		"FROM pg_catalog.pg_constraint con JOIN pg_catalog.pg_namespace n ON n.oid = con.connamespace "
		"LEFT JOIN pg_catalog.pg_class c ON c.oid = con.conrelid "
		"LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = c.relnamespace "
		"WHERE NOT con.convalidated AND con.contype IN ('c', 'f') AND " USER_SCHEMA("n") " %s ORDER BY 2, 1",
		t->version >= 110000 ? "AND con.conparentid = 0" : "");
	if (!sql)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	int rc = objects(t, sql, "cannot read the constraints", out, n_out, err);
	free(sql);
	return rc;
}

/* ---- a deploy in progress -------------------------------------------- */

int gk_tg_deploy_lock(gk_target *t, gk_target_lock_holder *out, gk_error *err)
{
	memset(out, 0, sizeof *out);
	/* pg_advisory_lock(bigint) is stored as classid = high 32 bits, objid =
	 * low 32 bits, objsubid = 1 (objsubid 2 is the (int, int) form). */
	uint64_t key = (uint64_t)GK_TARGET_PRISMA_LOCK_KEY;
	char hi[16], lo[16];
	snprintf(hi, sizeof hi, "%" PRIu32, (uint32_t)(key >> 32));
	snprintf(lo, sizeof lo, "%" PRIu32, (uint32_t)key);
	const char *params[] = {hi, lo};
	PGresult *r = gk_tg_query(
		t,
		"SELECT l.pid, a.application_name, "
		"  extract(epoch FROM clock_timestamp() - COALESCE(a.xact_start, a.backend_start)) "
		"FROM pg_catalog.pg_locks l LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "
		"WHERE l.locktype = 'advisory' AND l.classid = $1::oid AND l.objid = $2::oid AND l.objsubid = 1 "
		"  AND l.granted AND l.pid IS DISTINCT FROM pg_backend_pid() "
		"  AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()) "
		"ORDER BY l.pid LIMIT 1",
		2, params, "cannot read the advisory locks", err);
	if (!r)
		return GK_EINFRA;
	if (PQntuples(r) == 1) {
		out->held = true;
		out->pid = atoi(PQgetvalue(r, 0, 0));
		snprintf(out->application, sizeof out->application, "%s", PQgetvalue(r, 0, 1));
		out->age_s = num_or(r, 0, 2, -1);
	}
	PQclear(r);
	return 0;
}

int gk_target_deploy_in_progress(gk_target_lock_holder *out, gk_target *t, gk_error *err)
{
	memset(out, 0, sizeof *out);
	int rc = gk_tg_begin(t, err);
	if (rc)
		return rc;
	rc = gk_tg_deploy_lock(t, out, err);
	gk_tg_end(t);
	return rc;
}
