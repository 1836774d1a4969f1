/*
 * catalog_test_support.h - what the catalog tests share: one embedded
 * cluster per test program (made by group_setup, handed to each test as its
 * state), fresh databases on it, and the fixture schema that holds one
 * object of every kind a snapshot reads (and a few it lists as not
 * compared).  Included by test files only, after <cmocka.h>; everything
 * here is static.
 */
#ifndef GK_CATALOG_TEST_SUPPORT_H
#define GK_CATALOG_TEST_SUPPORT_H

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_internal.h"
#include "catalog/catalog.h"
#include "layout/layout.h"
#include "shadow/shadow.h"
#include "shadow/shadow_test_support.h"
#include "util/util.h"
#include "util/skip_test_support.h"

typedef struct suite {
	gk_shadow *shadow;  /* NULL: no PostgreSQL (err says why) */
	gk_error err;
	bool have_ext;      /* citext, pgcrypto, hstore 1.7/1.8, pg_trgm, tablefunc, uuid-ossp */
	void *extra;        /* the program's own state */
} suite;

typedef struct db {
	char *conninfo, *name;
} db;

static __attribute__((unused)) void need_server(const suite *s, const char *what)
{
	if (!s->shadow) {
		gk_test_skip("no embedded PostgreSQL (%s): %s not run", s->err.msg, what);
	}
}

static __attribute__((unused)) db new_db(const suite *s)
{
	db d = {NULL, NULL};
	gk_error err = {0, ""};
	if (new_super_db(s->shadow, NULL, &d.conninfo, &d.name, &err) != 0)
		fail_msg("new database: %s", err.msg);
	return d;
}

static __attribute__((unused)) void drop_db(const suite *s, db *d)
{
	gk_error err = {0, ""};
	if (d->name && gk_shadow_drop_database(s->shadow, d->name, &err) != 0)
		fail_msg("drop database: %s", err.msg);
	free(d->conninfo);
	free(d->name);
	d->conninfo = d->name = NULL;
}

static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Run `sql` on its own connection; `ok` false: it must fail. */
static __attribute__((unused)) void exec_sql_expect(const char *conninfo, const char *sql, bool ok)
{
	PGconn *c = PQconnectdb(conninfo);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PQsetNoticeProcessor(c, quiet_notices, NULL);
	PGresult *res = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(res);
	bool worked = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
	if (worked != ok)
		fail_msg("%s: %s", sql, ok ? PQerrorMessage(c) : "worked, but should have failed");
	PQclear(res);
	PQfinish(c);
}

static __attribute__((unused)) void exec_sql(const char *conninfo, const char *sql)
{
	exec_sql_expect(conninfo, sql, true);
}

static __attribute__((unused)) void exec_all(const char *conninfo, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		exec_sql(conninfo, v[i]);
}

/* First value of a one-row query. */
static __attribute__((unused)) char *query_value(const char *conninfo, const char *sql)
{
	PGconn *c = PQconnectdb(conninfo);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PGresult *res = PQexec(c, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	char *v = gk_strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(c);
	return v;
}

static __attribute__((unused)) gk_catalog *snapshot(const char *conninfo, const gk_catalog_options *o)
{
	gk_catalog *cat = NULL;
	gk_error err = {0, ""};
	if (gk_catalog_read(&cat, conninfo, o, &err) != 0)
		fail_msg("snapshot: %s", err.msg);
	return cat;
}

/* The canonical bytes, as gk_catalog_write() writes them (malloc'ed). */
static __attribute__((unused)) char *bytes_of(gk_catalog *cat)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	gk_error err = {0, ""};
	assert_int_equal(gk_catalog_write(cat, f, &err), 0);
	fclose(f);
	return buf;
}

/* objects[kind][id] or NULL. */
static __attribute__((unused)) const json_t *object_of(const gk_catalog *cat, const char *kind, const char *id)
{
	return json_object_get(json_object_get(json_object_get(cat->doc, "objects"), kind), id);
}

/* ---- the fixture ---------------------------------------------------------- */

/* One object of every kind, and objects the drift test changes.  Core:
 * only what any PostgreSQL 15 server has. */
static const char *const fixture_core[] = {
	"CREATE SCHEMA app",
	"CREATE SCHEMA reports",
	"CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy')",
	"CREATE TYPE app.color AS ENUM ('red')",
	"CREATE DOMAIN app.email AS text COLLATE \"C\" NOT NULL DEFAULT 'x@y' CONSTRAINT email_has_at CHECK (VALUE LIKE '%@%')",
	"CREATE DOMAIN app.code AS varchar(10)",
	"CREATE TYPE app.address AS (street text, city text COLLATE \"C\", zip integer)",
	"CREATE TYPE app.pair AS (a integer, b integer)",
	"CREATE TYPE app.floatrange AS RANGE (subtype = float8, subtype_diff = float8mi)",
	"CREATE TYPE app.intr AS RANGE (subtype = integer)",
	"CREATE SEQUENCE app.counter AS integer START 10 INCREMENT 5 MINVALUE 10 MAXVALUE 1000 CACHE 2 CYCLE",
	"CREATE SEQUENCE app.seq_gone",
	"CREATE TABLE app.users (id bigint GENERATED ALWAYS AS IDENTITY (START WITH 100 INCREMENT BY 2) PRIMARY KEY, "
	"email app.email NOT NULL, name text COMPRESSION pglz COLLATE \"C\", mood app.mood DEFAULT 'ok', "
	"score integer DEFAULT 0 CHECK (score >= 0), score2 integer GENERATED ALWAYS AS (score * 2) STORED, "
	"serial_no serial, created_at timestamptz NOT NULL DEFAULT now(), CONSTRAINT users_email_key UNIQUE (email))",
	"CREATE TABLE app.orders (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, user_id bigint NOT NULL, "
	"total numeric(10,2), placed date NOT NULL, note text, code text COLLATE \"C\")",
	"ALTER TABLE app.orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES app.users (id) "
	"ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED",
	"ALTER TABLE app.orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID",
	"CREATE UNIQUE INDEX users_lower_name_idx ON app.users (lower(name)) WHERE name IS NOT NULL",
	"CREATE INDEX orders_placed_idx ON app.orders USING brin (placed)",
	"ALTER TABLE app.users ENABLE ROW LEVEL SECURITY",
	"ALTER TABLE app.users FORCE ROW LEVEL SECURITY",
	"CREATE POLICY users_self ON app.users AS RESTRICTIVE FOR SELECT TO PUBLIC USING (id > 0)",
	"CREATE POLICY users_ins ON app.users FOR INSERT WITH CHECK (score >= 0)",
	"CREATE POLICY orders_all ON app.orders USING (true)",
	"CREATE TABLE app.events (id bigint NOT NULL, at date NOT NULL, payload jsonb) PARTITION BY RANGE (at)",
	"CREATE TABLE app.events_2024 PARTITION OF app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
	"ALTER TABLE app.events ADD PRIMARY KEY (id, at)",
	"ALTER TABLE app.events ADD CONSTRAINT events_id_positive CHECK (id > 0)",
	"CREATE INDEX events_payload_idx ON app.events USING gin (payload)",
	"CREATE TABLE app.logs (kind text NOT NULL, msg text) PARTITION BY LIST (kind)",
	"CREATE TABLE app.logs_a PARTITION OF app.logs FOR VALUES IN ('a')",
	"CREATE TABLE app.logs_c (kind text NOT NULL, msg text)",
	"CREATE TABLE app.base_t (id integer)",
	"CREATE TABLE app.child_t (id integer)",
	"CREATE TABLE app.t_kind (id integer, at date)",
	"CREATE TABLE app.t_missing (id integer)",
	"CREATE INDEX t_missing_idx ON app.t_missing (id)",
	"CREATE UNLOGGED TABLE app.cache (k text PRIMARY KEY, v text) WITH (fillfactor = 70, autovacuum_enabled = false)",
	"CREATE TABLE app.excl (r app.floatrange, EXCLUDE USING gist (r WITH &&))",
	"CREATE TABLE app.dups (v integer)",
	"INSERT INTO app.dups VALUES (1), (1)",
	"CREATE TABLE public.\"Mixed Case\" (\"Id\" integer PRIMARY KEY, \"select\" text)",
	"CREATE VIEW app.active_users WITH (security_barrier) AS SELECT id, email FROM app.users WHERE score > 0",
	"CREATE VIEW app.v_gone AS SELECT 1 AS one",
	"CREATE MATERIALIZED VIEW app.order_totals AS SELECT user_id, sum(total) AS total FROM app.orders GROUP BY user_id "
	"WITH NO DATA",
	"CREATE UNIQUE INDEX order_totals_user_idx ON app.order_totals (user_id)",
	"CREATE MATERIALIZED VIEW app.mv_gone AS SELECT 1 AS one WITH NO DATA",
	"CREATE MATERIALIZED VIEW app.mv_def AS SELECT 1 AS one WITH NO DATA",
	"CREATE FUNCTION app.add(a integer, b integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT a + b'",
	"CREATE FUNCTION app.gone() RETURNS integer LANGUAGE sql AS 'SELECT 1'",
	"CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.created_at := now(); RETURN NEW; END$$",
	"CREATE FUNCTION app.audit() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$",
	"CREATE PROCEDURE app.reset(p_mood app.mood) LANGUAGE sql AS $$UPDATE app.users SET mood = p_mood$$",
	"CREATE TRIGGER users_touch BEFORE UPDATE ON app.users FOR EACH ROW WHEN (OLD.score IS DISTINCT FROM NEW.score) "
	"EXECUTE FUNCTION app.touch()",
	"ALTER TABLE app.users DISABLE TRIGGER users_touch",
	"CREATE TRIGGER events_audit AFTER INSERT ON app.events FOR EACH ROW EXECUTE FUNCTION app.audit()",
	"CREATE TRIGGER orders_audit AFTER INSERT ON app.orders FOR EACH ROW EXECUTE FUNCTION app.audit()",
	"CREATE AGGREGATE app.mysum(integer) (sfunc = int4pl, stype = integer)",
	"CREATE RULE cache_no_delete AS ON DELETE TO app.cache DO INSTEAD NOTHING",
};

/* Extensions from the contrib package, and columns that use them. */
static const char *const fixture_ext[] = {
	"CREATE EXTENSION citext",
	"CREATE EXTENSION pgcrypto",
	"CREATE EXTENSION hstore VERSION '1.7'",
	"CREATE EXTENSION pg_trgm",
	"CREATE EXTENSION tablefunc",
	"ALTER TABLE app.users ADD COLUMN nick public.citext",
	"ALTER TABLE app.users ADD COLUMN secret bytea DEFAULT public.gen_random_bytes(8)",
};

/* The same schema built in another order: types and tables in another
 * order, columns in another order, constraints out of line, reloptions
 * in another order, a compression set afterwards. */
static const char *const fixture_reordered[] = {
	"CREATE SCHEMA reports",
	"CREATE SCHEMA app",
	"CREATE TYPE app.intr AS RANGE (subtype = integer)",
	"CREATE TYPE app.floatrange AS RANGE (subtype = float8, subtype_diff = float8mi)",
	"CREATE TYPE app.pair AS (a integer, b integer)",
	"CREATE TYPE app.address AS (street text, city text COLLATE \"C\", zip integer)",
	"CREATE DOMAIN app.code AS varchar(10)",
	"CREATE DOMAIN app.email AS text COLLATE \"C\" NOT NULL DEFAULT 'x@y' CONSTRAINT email_has_at CHECK (VALUE LIKE '%@%')",
	"CREATE TYPE app.color AS ENUM ('red')",
	"CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy')",
	"CREATE TABLE public.\"Mixed Case\" (\"select\" text, \"Id\" integer PRIMARY KEY)",
	"CREATE TABLE app.dups (v integer)",
	"INSERT INTO app.dups VALUES (1), (1)",
	"CREATE TABLE app.excl (r app.floatrange, EXCLUDE USING gist (r WITH &&))",
	"CREATE UNLOGGED TABLE app.cache (v text, k text PRIMARY KEY) WITH (autovacuum_enabled = false, fillfactor = 70)",
	"CREATE TABLE app.t_missing (id integer)",
	"CREATE TABLE app.t_kind (at date, id integer)",
	"CREATE TABLE app.child_t (id integer)",
	"CREATE TABLE app.base_t (id integer)",
	"CREATE TABLE app.logs_c (msg text, kind text NOT NULL)",
	"CREATE TABLE app.logs (msg text, kind text NOT NULL) PARTITION BY LIST (kind)",
	"CREATE TABLE app.logs_a PARTITION OF app.logs FOR VALUES IN ('a')",
	"CREATE TABLE app.events (payload jsonb, at date NOT NULL, id bigint NOT NULL) PARTITION BY RANGE (at)",
	"ALTER TABLE app.events ADD CONSTRAINT events_id_positive CHECK (id > 0)",
	"ALTER TABLE app.events ADD PRIMARY KEY (id, at)",
	"CREATE TABLE app.events_2024 PARTITION OF app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
	"CREATE INDEX events_payload_idx ON app.events USING gin (payload)",
	"CREATE TABLE app.users (created_at timestamptz DEFAULT now(), score integer DEFAULT 0, "
	"score2 integer GENERATED ALWAYS AS (score * 2) STORED, mood app.mood DEFAULT 'ok', name text COLLATE \"C\", "
	"email app.email NOT NULL, serial_no serial, id bigint GENERATED ALWAYS AS IDENTITY (START WITH 100 INCREMENT BY 2))",
	"ALTER TABLE app.users ALTER COLUMN created_at SET NOT NULL",
	"ALTER TABLE app.users ALTER COLUMN name SET COMPRESSION pglz",
	"ALTER TABLE app.users ADD CONSTRAINT users_email_key UNIQUE (email)",
	"ALTER TABLE app.users ADD PRIMARY KEY (id)",
	"ALTER TABLE app.users ADD CONSTRAINT users_score_check CHECK (score >= 0)",
	"CREATE TABLE app.orders (code text COLLATE \"C\", note text, placed date NOT NULL, total numeric(10,2), "
	"user_id bigint NOT NULL, id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY)",
	"ALTER TABLE app.orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID",
	"ALTER TABLE app.orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES app.users (id) "
	"ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED",
	"CREATE INDEX orders_placed_idx ON app.orders USING brin (placed)",
	"CREATE INDEX t_missing_idx ON app.t_missing (id)",
	"CREATE UNIQUE INDEX users_lower_name_idx ON app.users (lower(name)) WHERE name IS NOT NULL",
	"CREATE SEQUENCE app.seq_gone",
	"CREATE SEQUENCE app.counter AS integer START 10 INCREMENT 5 MINVALUE 10 MAXVALUE 1000 CACHE 2 CYCLE",
	"CREATE POLICY orders_all ON app.orders USING (true)",
	"CREATE POLICY users_ins ON app.users FOR INSERT WITH CHECK (score >= 0)",
	"CREATE POLICY users_self ON app.users AS RESTRICTIVE FOR SELECT TO PUBLIC USING (id > 0)",
	"ALTER TABLE app.users FORCE ROW LEVEL SECURITY",
	"ALTER TABLE app.users ENABLE ROW LEVEL SECURITY",
	"CREATE FUNCTION app.audit() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$",
	"CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.created_at := now(); RETURN NEW; END$$",
	"CREATE FUNCTION app.gone() RETURNS integer LANGUAGE sql AS 'SELECT 1'",
	"CREATE FUNCTION app.add(a integer, b integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT a + b'",
	"CREATE PROCEDURE app.reset(p_mood app.mood) LANGUAGE sql AS $$UPDATE app.users SET mood = p_mood$$",
	"CREATE TRIGGER orders_audit AFTER INSERT ON app.orders FOR EACH ROW EXECUTE FUNCTION app.audit()",
	"CREATE TRIGGER events_audit AFTER INSERT ON app.events FOR EACH ROW EXECUTE FUNCTION app.audit()",
	"CREATE TRIGGER users_touch BEFORE UPDATE ON app.users FOR EACH ROW WHEN (OLD.score IS DISTINCT FROM NEW.score) "
	"EXECUTE FUNCTION app.touch()",
	"ALTER TABLE app.users DISABLE TRIGGER users_touch",
	"CREATE MATERIALIZED VIEW app.mv_def AS SELECT 1 AS one WITH NO DATA",
	"CREATE MATERIALIZED VIEW app.mv_gone AS SELECT 1 AS one WITH NO DATA",
	"CREATE MATERIALIZED VIEW app.order_totals AS SELECT user_id, sum(total) AS total FROM app.orders GROUP BY user_id "
	"WITH NO DATA",
	"CREATE UNIQUE INDEX order_totals_user_idx ON app.order_totals (user_id)",
	"CREATE VIEW app.v_gone AS SELECT 1 AS one",
	"CREATE VIEW app.active_users WITH (security_barrier) AS SELECT id, email FROM app.users WHERE score > 0",
	"CREATE RULE cache_no_delete AS ON DELETE TO app.cache DO INSTEAD NOTHING",
	"CREATE AGGREGATE app.mysum(integer) (sfunc = int4pl, stype = integer)",
};

static const char *const fixture_ext_reordered[] = {
	"CREATE EXTENSION tablefunc",
	"CREATE EXTENSION pg_trgm",
	"CREATE EXTENSION hstore VERSION '1.7'",
	"CREATE EXTENSION pgcrypto",
	"CREATE EXTENSION citext",
	"ALTER TABLE app.users ADD COLUMN secret bytea DEFAULT public.gen_random_bytes(8)",
	"ALTER TABLE app.users ADD COLUMN nick public.citext",
};

/* A CREATE INDEX CONCURRENTLY that fails on duplicates leaves an invalid
 * index behind (autocommit only). */
#define FIXTURE_INVALID_INDEX "CREATE UNIQUE INDEX CONCURRENTLY dups_v_idx ON app.dups (v)"

static __attribute__((unused)) bool extensions_available(const char *conninfo)
{
	char *n = query_value(conninfo, "SELECT count(DISTINCT name) FROM pg_available_extension_versions WHERE "
					"(name, version) IN (('citext', '1.6'), ('pgcrypto', '1.3'), ('hstore', '1.7'), "
					"('hstore', '1.8'), ('pg_trgm', '1.6'), ('tablefunc', '1.0'), ('uuid-ossp', '1.1'))");
	bool all = atoi(n) == 6;
	free(n);
	return all;
}

/* Build the fixture (or its reordered twin) with the tools' history tables. */
static __attribute__((unused)) void build_fixture(const suite *s, const char *conninfo, bool reordered)
{
	if (reordered)
		exec_all(conninfo, fixture_reordered, sizeof fixture_reordered / sizeof *fixture_reordered);
	else
		exec_all(conninfo, fixture_core, sizeof fixture_core / sizeof *fixture_core);
	if (s->have_ext && reordered)
		exec_all(conninfo, fixture_ext_reordered, sizeof fixture_ext_reordered / sizeof *fixture_ext_reordered);
	else if (s->have_ext)
		exec_all(conninfo, fixture_ext, sizeof fixture_ext / sizeof *fixture_ext);
	exec_sql_expect(conninfo, FIXTURE_INVALID_INDEX, false);
	exec_sql(conninfo, gk_layout_history_table_sql(GK_LAYOUT_PRISMA));
	exec_sql(conninfo, gk_layout_history_table_sql(GK_LAYOUT_FLYWAY));
}

static __attribute__((unused)) int group_setup_cluster(void **state)
{
	suite *s = calloc(1, sizeof *s);
	if (!s)
		return -1;
	if (gk_shadow_open(&s->shadow, NULL, &s->err) != 0)
		s->shadow = NULL;
	else
		s->have_ext = extensions_available(super_conninfo(s->shadow));
	if (s->shadow && !s->have_ext)
		gk_test_skip_part("the contrib extensions are not all available: extension objects are not tested");
	*state = s;
	return 0;
}

static __attribute__((unused)) int group_teardown_cluster(void **state)
{
	suite *s = *state;
	gk_shadow_close(s->shadow);
	free(s);
	return 0;
}

#endif
