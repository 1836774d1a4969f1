/*
 * history.c - finding and reading the migration tool's history table.
 *
 * Where the table is: Prisma puts _prisma_migrations in the schema its URL
 * names (`?schema=`, default public); golang-migrate, dbmate and Flyway
 * use the connection's current schema (the first of search_path that
 * exists); diesel likewise.  --history-table names another.  The lookup
 * reads pg_class, which every role may read, rather than to_regclass(),
 * which raises an error when the role lacks USAGE on the schema: a missing
 * privilege must be reported as such, never as "nothing applied".  For the
 * same reason a table of the right name in another schema is an error
 * naming it, not an empty history.
 *
 * Every tool's table is read into the same row shape, with NULL where the
 * tool has no such column; timestamps are rendered by the server
 * (timestamptz in UTC with a Z, Flyway's and diesel's timestamp without
 * time zone as stored).
 */
#include "target/target_internal.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

#define TS_UTC(c) "to_char(" c " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define TS_LOCAL(c) "to_char(" c ", 'YYYY-MM-DD\"T\"HH24:MI:SS')"

/* Columns: name, version, description, type, checksum, started_at,
 * finished_at, rolled_back_at, logs, applied_steps, success.  %s is the
 * table, quoted by the server. */
static const char *rows_sql(enum gk_layout_kind kind)
{
	switch (kind) {
	case GK_LAYOUT_PRISMA:
		return "SELECT migration_name, NULL, NULL, NULL, checksum, " TS_UTC("started_at") ", "
		       TS_UTC("finished_at") ", " TS_UTC("rolled_back_at") ", logs, applied_steps_count, true "
		       "FROM %s ORDER BY started_at, migration_name";
	case GK_LAYOUT_FLYWAY:
		return "SELECT script, version, description, type, checksum::text, NULL, " TS_LOCAL("installed_on")
		       ", NULL, NULL, 0, success FROM %s ORDER BY installed_rank";
	case GK_LAYOUT_GOLANG_MIGRATE:
		return "SELECT NULL, version::text, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NOT dirty "
		       "FROM %s ORDER BY version";
	case GK_LAYOUT_DBMATE:
		return "SELECT NULL, version::text, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, true "
		       "FROM %s ORDER BY version";
	case GK_LAYOUT_DIESEL:
		return "SELECT NULL, version::text, NULL, NULL, NULL, NULL, " TS_LOCAL("run_on")
		       ", NULL, NULL, 0, true FROM %s ORDER BY version";
	default:
		return NULL;
	}
}

static const char *default_table(enum gk_layout_kind kind)
{
	switch (kind) {
	case GK_LAYOUT_PRISMA: return "_prisma_migrations";
	case GK_LAYOUT_FLYWAY: return "flyway_schema_history";
	case GK_LAYOUT_GOLANG_MIGRATE:
	case GK_LAYOUT_DBMATE: return "schema_migrations";
	case GK_LAYOUT_DIESEL: return "__diesel_schema_migrations";
	default: return NULL;
	}
}

void gk_target_history_free(gk_target_history_rows *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n_rows; i++) {
		gk_target_row *r = &h->rows[i];
		free(r->name);
		free(r->version);
		free(r->description);
		free(r->type);
		free(r->checksum);
		free(r->started_at);
		free(r->finished_at);
		free(r->rolled_back_at);
		free(r->logs);
	}
	free(h->rows);
	free(h->table);
	free(h);
}

/* Where the table should be: schema and name of `spec` (SQL syntax), the
 * schema defaulting to `schema`, else current_schema(). */
typedef struct table_ref {
	char *schema, *name, *shown, *role;
} table_ref;

static void table_ref_free(table_ref *t)
{
	free(t->schema);
	free(t->name);
	free(t->shown);
	free(t->role);
}

static int expected_place(gk_target *t, const char *spec, const char *schema, table_ref *out, gk_error *err)
{
	const char *params[] = {spec, schema};
	PGresult *r = gk_tg_query(t,
				  "SELECT s, a[cardinality(a)], quote_ident(COALESCE(s, '(no current schema)')) || '.' "
				  "|| quote_ident(a[cardinality(a)]), current_user "
				  "FROM (SELECT a, CASE WHEN cardinality(a) > 1 THEN a[cardinality(a) - 1] "
				  "ELSE COALESCE($2, current_schema()) END AS s FROM parse_ident($1) AS a) w",
				  2, params, "cannot read the history table's name", err);
	if (!r) {
		if (strcmp(t->sqlstate, "22023") == 0) /* parse_ident: not an identifier */
			return gk_error_set(err, GK_ECONFIG, "the history table '%s' is not a table name", spec);
		return GK_EINFRA;
	}
	bool oom = false;
	out->schema = gk_tg_value(r, 0, 0, &oom);
	out->name = gk_tg_value(r, 0, 1, &oom);
	out->shown = gk_tg_value(r, 0, 2, &oom);
	out->role = gk_tg_value(r, 0, 3, &oom);
	PQclear(r);
	return oom || !out->name || !out->shown ? gk_error_set(err, GK_ENOMEM, "out of memory") : 0;
}

/* Which tables of that name exist, ours first: may we read it? */
static int locate(gk_target *t, const table_ref *want, gk_target_history_rows *h, gk_error *err)
{
	const char *params[] = {want->schema, want->name};
	PGresult *r = gk_tg_query(t,
				  "SELECT n.nspname = $1, quote_ident(n.nspname) || '.' || quote_ident(c.relname), "
				  "has_schema_privilege(n.oid, 'USAGE'), has_table_privilege(c.oid, 'SELECT') "
				  "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
				  "WHERE c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'm', 'f') "
				  "AND n.nspname !~ '^pg_(toast_)?temp_' "
				  "ORDER BY n.nspname = $1 DESC NULLS LAST, n.nspname",
				  2, params, "cannot look for the history table", err);
	if (!r)
		return GK_EINFRA;
	int rc = 0;
	bool here = PQntuples(r) > 0 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	if (PQntuples(r) == 0) {
		h->exists = false;
	} else if (!here) {
		rc = gk_error_set(err, GK_ECONFIG,
				  "no history table %s on %s, but %s exists%s: name it with --history-table (Prisma: "
				  "?schema= in the URL)",
				  want->shown, t->where, PQgetvalue(r, 0, 1), PQntuples(r) > 1 ? " (and others)" : "");
	} else if (strcmp(PQgetvalue(r, 0, 2), "t") != 0 || strcmp(PQgetvalue(r, 0, 3), "t") != 0) {
		bool schema = strcmp(PQgetvalue(r, 0, 2), "t") != 0;
		rc = gk_error_set(err, GK_ECONFIG,
				  "role %s may not read the history table %s on %s: GRANT %s %s TO %s (gatekeeper only "
				  "reads it)",
				  want->role ? want->role : "?", PQgetvalue(r, 0, 1), t->where,
				  schema ? "USAGE ON SCHEMA" : "SELECT ON", schema ? want->schema : PQgetvalue(r, 0, 1),
				  want->role ? want->role : "<role>");
	} else {
		h->exists = true;
	}
	free(h->table);
	h->table = gk_strdup(h->exists ? PQgetvalue(r, 0, 1) : want->shown);
	PQclear(r);
	return rc ? rc : h->table ? 0 : gk_error_set(err, GK_ENOMEM, "out of memory");
}

static int fill_row(gk_target_row *row, const PGresult *r, int i)
{
	bool oom = false;
	row->name = gk_tg_value(r, i, 0, &oom);
	row->version = gk_tg_value(r, i, 1, &oom);
	row->description = gk_tg_value(r, i, 2, &oom);
	row->type = gk_tg_value(r, i, 3, &oom);
	row->checksum = gk_tg_value(r, i, 4, &oom);
	row->started_at = gk_tg_value(r, i, 5, &oom);
	row->finished_at = gk_tg_value(r, i, 6, &oom);
	row->rolled_back_at = gk_tg_value(r, i, 7, &oom);
	row->logs = gk_tg_value(r, i, 8, &oom);
	row->applied_steps = atoi(PQgetvalue(r, i, 9));
	row->success = strcmp(PQgetvalue(r, i, 10), "t") == 0;
	return oom ? GK_ENOMEM : 0;
}

static int read_rows(gk_target *t, gk_target_history_rows *h, gk_error *err)
{
	char *sql = gk_asprintf(rows_sql(h->kind), h->table);
	if (!sql)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	gk_error qerr = {0, ""};
	PGresult *r = gk_tg_query(t, sql, 0, NULL, "cannot read the history table", &qerr);
	free(sql);
	if (!r) {
		/* 42703 undefined column, 42804 datatype mismatch: not the tool's table. */
		bool shape = strcmp(t->sqlstate, "42703") == 0 || strcmp(t->sqlstate, "42804") == 0;
		bool denied = strcmp(t->sqlstate, "42501") == 0;
		if (shape)
			return gk_error_set(err, GK_ECONFIG, "%s does not look like %s's history table: %s", h->table,
					    gk_layout_kind_name(h->kind), qerr.msg);
		return gk_error_set(err, denied ? GK_ECONFIG : GK_EINFRA, "%s", qerr.msg);
	}
	int n = PQntuples(r), rc = 0;
	h->rows = calloc(n > 0 ? (size_t)n : 1, sizeof *h->rows);
	if (!h->rows)
		rc = GK_ENOMEM;
	/* n_rows counts a half-filled row too, so that it is freed. */
	for (int i = 0; rc == 0 && i < n; i++, h->n_rows++)
		rc = fill_row(&h->rows[i], r, i);
	PQclear(r);
	return rc ? gk_error_set(err, rc, "out of memory") : 0;
}

int gk_tg_read_history(gk_target_history_rows **out, gk_target *t, enum gk_layout_kind kind, const char *table,
		       gk_error *err)
{
	*out = NULL;
	if (!rows_sql(kind))
		return gk_error_set(err, GK_ECONFIG,
				    "a %s folder has no history table to compare with: name the tool with --layout",
				    gk_layout_kind_name(kind));
	gk_target_history_rows *h = calloc(1, sizeof *h);
	if (!h)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	h->kind = kind;
	table_ref want = {0};
	const char *schema = kind == GK_LAYOUT_PRISMA ? (t->schema ? t->schema : "public") : NULL;
	int rc = expected_place(t, table ? table : default_table(kind), schema, &want, err);
	if (rc == 0)
		rc = locate(t, &want, h, err);
	if (rc == 0 && h->exists)
		rc = read_rows(t, h, err);
	table_ref_free(&want);
	if (rc) {
		gk_target_history_free(h);
		return rc;
	}
	*out = h;
	return 0;
}

int gk_target_history(gk_target_history_rows **out, gk_target *t, enum gk_layout_kind kind, const char *table,
		      gk_error *err)
{
	*out = NULL;
	int rc = gk_tg_begin(t, err);
	if (rc)
		return rc;
	rc = gk_tg_read_history(out, t, kind, table, err);
	gk_tg_end(t);
	return rc;
}
