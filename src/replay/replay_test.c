/*
 * replay_test.c - replay (src/replay) against a real PostgreSQL: one
 * embedded shadow cluster for the whole binary (a start costs ~1 s), a
 * fresh database per test.  Without PostgreSQL binaries the tests skip,
 * saying so.
 */
/* test needs: postgres */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout/layout.h"
#include "replay/replay.h"
#include "shadow/shadow.h"
#include "util/util.h"
#include "replay/replay_internal.h"
#include "replay_test_support.h"

#include <unistd.h>
#include "util/skip_test_support.h"

#define CANARY_VALUE "gk-replay-canary-51d0"
#define CANARY_FILE "/tmp/gk-replay-sandbox-canary"

/* ---- helpers ---------------------------------------------------------- */

static void assert_query(const db *d, const char *sql, const char *want)
{
	char *v = query1(d, sql);
	if (strcmp(v, want))
		fail_msg("%s: got '%s', want '%s'", sql, v, want);
	free(v);
}

static gk_replay_migration mig(const char *sql, enum gk_runner runner, bool trace)
{
	return (gk_replay_migration){"m.sql", sql, strlen(sql), runner, trace, 0, NULL, GK_SPLITTER_SQL};
}

/* Replay `m[0..n)` into `d`, expecting the call itself to succeed. */
static void replay(const db *d, const gk_replay_migration *m, size_t n, gk_replay_result *out)
{
	gk_error err = {0, ""};
	if (gk_replay_run(out, d->conninfo, m, n, &err) != 0)
		fail_msg("replay: %s", err.msg);
}

static void assert_status(const gk_replay_result *r, enum gk_replay_status want)
{
	if (r->status != want)
		fail_msg("status %s, want %s (%s %s)", gk_replay_status_name(r->status),
			 gk_replay_status_name(want), r->sqlstate, r->message ? r->message : "");
}

/* One migration that creates public.t with rows, untraced. */
#define SETUP_T "CREATE TABLE t (id int PRIMARY KEY, a int); " \
	"INSERT INTO t SELECT g, g FROM generate_series(1, 100) g;"

/* Replay SETUP_T, then `sql` traced with `runner`; result in out[1]. */
static void traced(const db *d, const char *sql, enum gk_runner runner, gk_replay_result *out)
{
	gk_replay_migration m[2] = {mig(SETUP_T, GK_RUNNER_PER_FILE, false), mig(sql, runner, true)};
	replay(d, m, 2, out);
	assert_status(&out[0], GK_REPLAY_OK);
	assert_int_equal(out[0].n_locks, 0);
}

static void assert_lock(const gk_replay_lock *l, int stmt, const char *rel, const char *mode,
			bool rewrite)
{
	if (l->statement_index != stmt || strcmp(l->relation, rel) || strcmp(l->mode, mode) ||
	    l->rewrite != rewrite)
		fail_msg("lock: statement %d %s %s rewrite=%d; want %d %s %s rewrite=%d",
			 l->statement_index, l->relation, l->mode, l->rewrite, stmt, rel, mode,
			 rewrite);
}

/* ---- runner semantics ------------------------------------------------- */

/* Prisma sends the file as one query: two statements are an implicit
 * transaction, so CONCURRENTLY fails as in production; the later
 * migration is skipped. */
static void test_prisma_concurrently_in_multi_statement_file(void **state)
{
	(void)state;
	db d = fresh_db();
	gk_replay_migration m[3] = {
		mig(SETUP_T, GK_RUNNER_WHOLE, false),
		mig("SET lock_timeout = '1s';\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n",
		    GK_RUNNER_WHOLE, false),
		mig("CREATE TABLE later (i int);", GK_RUNNER_WHOLE, false),
	};
	gk_replay_result r[3];
	replay(&d, m, 3, r);
	assert_status(&r[0], GK_REPLAY_OK);
	assert_status(&r[1], GK_REPLAY_FAILED);
	assert_string_equal(r[1].sqlstate, "25001");
	assert_non_null(strstr(r[1].message, "CREATE INDEX CONCURRENTLY"));
	assert_status(&r[2], GK_REPLAY_SKIPPED);
	assert_null(r[2].message);
	assert_query(&d, "SELECT count(*) FROM pg_class WHERE relname IN ('t_a', 'later')", "0");
	gk_replay_results_free(r, 3);
	drop_db(&d);
}

/* The same statement alone in a Prisma file is autocommit: it applies. */
static void test_prisma_concurrently_alone(void **state)
{
	(void)state;
	db d = fresh_db();
	gk_replay_migration m[2] = {
		mig(SETUP_T, GK_RUNNER_WHOLE, false),
		mig("-- only statement\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n", GK_RUNNER_WHOLE,
		    false),
	};
	gk_replay_result r[2];
	replay(&d, m, 2, r);
	assert_status(&r[1], GK_REPLAY_OK);
	assert_string_equal(r[1].sqlstate, "");
	assert_int_equal(r[1].error_offset, -1);
	assert_true(r[1].duration_ms > 0);
	assert_query(&d, "SELECT count(*) FROM pg_class WHERE relname = 't_a'", "1");
	gk_replay_results_free(r, 2);
	drop_db(&d);
}

/* Flyway/dbmate wrap the file in BEGIN/COMMIT: CONCURRENTLY fails even
 * alone; golang-migrate (as written) runs it. */
static void test_per_file_wraps_in_transaction(void **state)
{
	(void)state;
	for (int trace = 0; trace < 2; trace++) {
		db d = fresh_db();
		gk_replay_migration m[3] = {
			mig(SETUP_T, GK_RUNNER_PER_FILE, false),
			mig("CREATE INDEX CONCURRENTLY t_a ON t (a);", GK_RUNNER_SPLIT, trace),
			mig("CREATE INDEX CONCURRENTLY t_id_a ON t (id, a);", GK_RUNNER_PER_FILE, trace),
		};
		gk_replay_result r[3];
		replay(&d, m, 3, r);
		assert_status(&r[1], GK_REPLAY_OK);
		assert_status(&r[2], GK_REPLAY_FAILED);
		assert_string_equal(r[2].sqlstate, "25001");
		assert_query(&d, "SELECT string_agg(relname, ',') FROM pg_class "
				 "WHERE relname IN ('t_a', 't_id_a')", "t_a");
		gk_replay_results_free(r, 3);
		drop_db(&d);
	}
}

/* A failure in statement 3 rolls the whole per-file migration back. */
static void test_per_file_failure_rolls_back(void **state)
{
	(void)state;
	const char *sql = "CREATE TABLE a (i int);\nCREATE TABLE b (i int);\n"
			  "INSERT INTO nosuch VALUES (1);\n";
	for (int trace = 0; trace < 2; trace++) {
		db d = fresh_db();
		gk_replay_migration m = mig(sql, GK_RUNNER_PER_FILE, trace);
		gk_replay_result r;
		replay(&d, &m, 1, &r);
		assert_status(&r, GK_REPLAY_FAILED);
		assert_string_equal(r.sqlstate, "42P01");
		assert_int_equal(r.error_offset, strstr(sql, "nosuch") - sql);
		assert_query(&d, "SELECT count(*) FROM pg_class WHERE relname IN ('a', 'b')", "0");
		gk_replay_results_free(&r, 1);
		drop_db(&d);
	}
}

/* The server's error position (characters of the query) becomes a byte
 * offset of the file, past multi-byte characters and earlier lines. */
static void test_error_offset_bytes(void **state)
{
	(void)state;
	const char *sql = "-- café ☕ migration\nCREATE TABLE t (a int);\n"
			  "COMMENT ON TABLE t IS 'née';\nSELECT 'ü' FROM t WHERE nosuch_col = 1;\n";
	enum gk_runner runners[] = {GK_RUNNER_WHOLE, GK_RUNNER_PER_FILE, GK_RUNNER_SPLIT};
	for (int k = 0; k < 6; k++) {
		db d = fresh_db();
		gk_replay_migration m = mig(sql, runners[k % 3], k >= 3);
		gk_replay_result r;
		replay(&d, &m, 1, &r);
		assert_status(&r, GK_REPLAY_FAILED);
		assert_string_equal(r.sqlstate, "42703");
		assert_int_equal(r.error_offset, strstr(sql, "nosuch_col") - sql);
		gk_replay_results_free(&r, 1);
		drop_db(&d);
	}
}

static void test_syntax_error_is_the_migrations(void **state)
{
	(void)state;
	db d = fresh_db();
	const char *sql = "CREATE TABLE t (a int);\nCREATE TABEL u (a int);\n";
	gk_replay_migration m = mig(sql, GK_RUNNER_PER_FILE, true);
	gk_replay_result r;
	replay(&d, &m, 1, &r);
	assert_status(&r, GK_REPLAY_FAILED);
	assert_string_equal(r.sqlstate, "42601");
	assert_null(r.missing);
	assert_int_equal(r.error_offset, strstr(sql, "TABEL") - sql);
	gk_replay_results_free(&r, 1);
	drop_db(&d);
}

/* A database with SETUP_T applied, for cases that fail: each runs per
 * file, so its failure rolls it back and the next case finds the same
 * database (one database per test keeps the suite fast). */
static db setup_db(void)
{
	db d = fresh_db();
	gk_replay_migration m = mig(SETUP_T, GK_RUNNER_PER_FILE, false);
	gk_replay_result r;
	replay(&d, &m, 1, &r);
	assert_status(&r, GK_REPLAY_OK);
	gk_replay_results_free(&r, 1);
	return d;
}

/* Replay `sql` into `d` per file, untraced and traced: both must end as
 * `want` with SQLSTATE `sqlstate` and `missing` (NULL: none). */
static void expect_outcome(const db *d, const char *sql, enum gk_replay_status want,
			   const char *missing, const char *sqlstate)
{
	for (int trace = 0; trace < 2; trace++) {
		gk_replay_migration m = mig(sql, GK_RUNNER_PER_FILE, trace);
		gk_replay_result r;
		replay(d, &m, 1, &r);
		if (r.status != want || strcmp(r.sqlstate, sqlstate) ||
		    (missing ? !r.missing || strcmp(r.missing, missing) : r.missing != NULL))
			fail_msg("%s (trace %d): %s %s missing '%s' (%s); want %s %s missing '%s'", sql,
				 trace, gk_replay_status_name(r.status), r.sqlstate,
				 r.missing ? r.missing : "", r.message ? r.message : "",
				 gk_replay_status_name(want), sqlstate, missing ? missing : "");
		gk_replay_results_free(&r, 1);
	}
}

static void expect_failed(const db *d, const char *sql, const char *sqlstate)
{
	expect_outcome(d, sql, GK_REPLAY_FAILED, NULL, sqlstate);
}

/* A plain mistake, however close to a newer construct, is the migration's. */
static void test_plain_syntax_errors_stay_failed(void **state)
{
	(void)state;
	db d = setup_db();
	expect_failed(&d, "CREAT TABLE u (a int);", "42601");
	expect_failed(&d, "SELECT 123abc;", "42601");        /* junk, not a newer literal */
	expect_failed(&d, "SELECT 0x;", "42601");            /* no digits after 0x */
	expect_failed(&d, "SELECT 1__000;", "42601");        /* one '_' between digits only */
	expect_failed(&d, "SELECT 0b102;", "42601");         /* 2 is no binary digit */
	expect_failed(&d, "CREATE TABLE u (a json json);", "42601");    /* JSON, but not after IS */
	expect_failed(&d, "CREATE TABLE u (a int VIRTUAL);", "42601");  /* not after GENERATED ... */
	expect_failed(&d, "CREATE TABLE u (a int ENFORCED);", "42601"); /* not after NOT */
	expect_failed(&d, "SELECT * FROM t ORDER a BY;", "42601");
	expect_failed(&d, "SELECT gk_no_such_function(1);", "42883");
	expect_failed(&d, "SELECT public.uuidv7();", "42883"); /* a user's function, not the built-in */
	drop_db(&d);
}

/* The SQLSTATE of the newer-server signatures. */
#define SYNTAX "42601"
#define NOFUNC "42883"

/* PostgreSQL 16 accepts a FROM subquery without an alias; 15 (the test
 * server) says 42601 in the grammar, so the front end cannot split the file
 * either and the traced run falls back to the whole file. */
static void test_newer_server_subquery_alias(void **state)
{
	(void)state;
	db d = setup_db();
	expect_outcome(&d, "SELECT * FROM (SELECT 1);", GK_REPLAY_ENVIRONMENT,
		       "PostgreSQL 16 or newer (subquery in FROM without an alias)", SYNTAX);
	expect_outcome(&d, "INSERT INTO t SELECT * FROM (VALUES (1000, 1));", GK_REPLAY_ENVIRONMENT,
		       "PostgreSQL 16 or newer (VALUES in FROM without an alias)", SYNTAX);
	drop_db(&d);
}

/* 16's scanner: 0x1F, 0o17, 0b101, 1_000_000 (also 1_000.5: the junk 15
 * reports is "1_000"). */
static void test_newer_server_numeric_literals(void **state)
{
	(void)state;
	static const char *const sql[] = {"SELECT 0x1F;", "SELECT 0o17;", "SELECT 0B101;",
					  "SELECT 1_000_000;", "SELECT 1_000.5;", "SELECT 0x_ff;"};
	db d = setup_db();
	for (size_t i = 0; i < sizeof sql / sizeof *sql; i++)
		expect_outcome(&d, sql[i], GK_REPLAY_ENVIRONMENT,
			       "PostgreSQL 16 or newer (non-decimal integer literal or digit separator)",
			       SYNTAX);
	drop_db(&d);
}

static void test_newer_server_keywords(void **state)
{
	(void)state;
	db d = setup_db();
	expect_outcome(&d, "SELECT '{}' IS JSON;", GK_REPLAY_ENVIRONMENT,
		       "PostgreSQL 16 or newer (IS JSON predicate)", SYNTAX);
	expect_outcome(&d, "ALTER TABLE t ADD COLUMN doc text\n  CHECK (doc is  not\n json object);",
		       GK_REPLAY_ENVIRONMENT, "PostgreSQL 16 or newer (IS JSON predicate)", SYNTAX);
	expect_outcome(&d, "MERGE INTO t USING t s ON s.id = t.id\n"
			   "WHEN NOT MATCHED BY SOURCE THEN DELETE;",
		       GK_REPLAY_ENVIRONMENT, "PostgreSQL 17 or newer (MERGE WHEN NOT MATCHED BY)",
		       SYNTAX);
	expect_outcome(&d, "ALTER TABLE t ADD COLUMN b int GENERATED ALWAYS AS ((a * 2) + 1) VIRTUAL;",
		       GK_REPLAY_ENVIRONMENT, "PostgreSQL 18 or newer (virtual generated column)",
		       SYNTAX);
	expect_outcome(&d, "ALTER TABLE t ADD CONSTRAINT a_pos CHECK (a > 0) NOT ENFORCED;",
		       GK_REPLAY_ENVIRONMENT, "PostgreSQL 18 or newer (NOT ENFORCED constraint)",
		       SYNTAX);
	drop_db(&d);
}

/* Built-ins of newer majors.  A function of that name that exists, or that
 * the migrations make themselves (here rolled back with the failure), means
 * a wrong call, not an old server. */
static void test_newer_server_functions(void **state)
{
	(void)state;
	db d = setup_db();
	expect_outcome(&d, "CREATE TABLE u (id uuid PRIMARY KEY DEFAULT uuidv7());",
		       GK_REPLAY_ENVIRONMENT, "PostgreSQL 18 or newer (function uuidv7)", NOFUNC);
	expect_outcome(&d, "SELECT pg_catalog.uuidv4();", GK_REPLAY_ENVIRONMENT,
		       "PostgreSQL 18 or newer (function uuidv4)", NOFUNC);
	expect_outcome(&d, "SELECT uuid_extract_version(gen_random_uuid());", GK_REPLAY_ENVIRONMENT,
		       "PostgreSQL 17 or newer (function uuid_extract_version)", NOFUNC);
	expect_outcome(&d, "CREATE VIEW v AS SELECT a, any_value(id) FROM t GROUP BY a;",
		       GK_REPLAY_ENVIRONMENT, "PostgreSQL 16 or newer (function any_value)", NOFUNC);
	expect_outcome(&d, "SELECT JSON_ARRAY(1, 2);", GK_REPLAY_ENVIRONMENT,
		       "PostgreSQL 16 or newer (function json_array)", NOFUNC);
	expect_failed(&d, "CREATE FUNCTION any_value(text) RETURNS text LANGUAGE sql AS 'SELECT $1';\n"
			  "SELECT any_value(1);", NOFUNC);
	/* Made by an earlier migration: the server has it. */
	gk_replay_migration m = mig("CREATE AGGREGATE public.random_normal(int) "
				    "(sfunc = int4pl, stype = int);", GK_RUNNER_PER_FILE, false);
	gk_replay_result r;
	replay(&d, &m, 1, &r);
	assert_status(&r, GK_REPLAY_OK);
	gk_replay_results_free(&r, 1);
	expect_failed(&d, "SELECT random_normal();", NOFUNC);
	/* Made by a later migration: out of order, the migrations' fault. */
	gk_replay_migration later[2] = {mig("SELECT array_shuffle(1);", GK_RUNNER_PER_FILE, false),
					mig("CREATE FUNCTION array_shuffle(int) RETURNS int "
					    "LANGUAGE sql AS 'SELECT $1';", GK_RUNNER_PER_FILE, false)};
	gk_replay_result lr[2];
	replay(&d, later, 2, lr);
	assert_status(&lr[0], GK_REPLAY_FAILED);
	assert_null(lr[0].missing);
	gk_replay_results_free(lr, 2);
	drop_db(&d);
}

/* ---- environment ------------------------------------------------------ */

static void expect_environment(const char *sql, const char *missing, const char *sqlstate)
{
	db d = fresh_db();
	gk_replay_migration m[2] = {mig(SETUP_T, GK_RUNNER_PER_FILE, false),
				    mig(sql, GK_RUNNER_PER_FILE, false)};
	gk_replay_result r[2];
	replay(&d, m, 2, r);
	assert_status(&r[1], GK_REPLAY_ENVIRONMENT);
	if (sqlstate ? strcmp(r[1].sqlstate, sqlstate) != 0
		     : strcmp(r[1].sqlstate, "0A000") && strcmp(r[1].sqlstate, "58P01"))
		fail_msg("%s: %s %s", sql, r[1].sqlstate, r[1].message);
	assert_string_equal(r[1].missing, missing);
	assert_non_null(r[1].message);
	gk_replay_results_free(r, 2);
	drop_db(&d);
}

/* Older servers say 58P01 "could not open extension control file"; newer
 * ones (this PostgreSQL 15 too) 0A000 "extension ... is not available".
 * Both name it (NULL: either SQLSTATE). */
static void test_environment_extension(void **state)
{
	(void)state;
	db d = fresh_db();
	char *v = query1(&d, "SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'");
	bool have = !strcmp(v, "1");
	free(v);
	drop_db(&d);
	if (!have)
		expect_environment("CREATE EXTENSION vector;", "extension vector", NULL);
	expect_environment("CREATE EXTENSION IF NOT EXISTS gk_no_such_ext;",
			   "extension gk_no_such_ext", NULL);
}

static void test_environment_role(void **state)
{
	(void)state;
	/* Foreign keys' triggers are a superuser's to disable; USER ones are not. */
	expect_environment("CREATE TABLE c (id int REFERENCES t);\nALTER TABLE c DISABLE TRIGGER ALL;",
			   "a superuser's power to disable a foreign key's triggers (DISABLE TRIGGER ALL; DISABLE "
			   "TRIGGER USER needs none)", "42501");
	/* Roles come from the init file: the replay's role cannot make them. */
	expect_environment("CREATE ROLE app_reader;", "the power to create roles (make them in the --shadow-init "
			   "file, which runs as the superuser)", "42501");

	expect_environment("GRANT SELECT ON t TO app_reader;", "role app_reader", "42704");
	expect_environment("ALTER TABLE t OWNER TO \"Owner Role\";", "role Owner Role", "42704");
	expect_environment("SET ROLE migrator;\nCREATE TABLE u (i int);", "role migrator", "22023");
}

/* A schema nobody creates is the environment's; one a later migration
 * creates means the migrations are out of order: the migration's fault. */
static void test_environment_schema(void **state)
{
	(void)state;
	expect_environment("CREATE TABLE audit.log (i int);", "schema audit", "3F000");
	db d = fresh_db();
	gk_replay_migration m[2] = {mig("CREATE TABLE audit.log (i int);", GK_RUNNER_SPLIT, false),
				    mig("CREATE SCHEMA audit;", GK_RUNNER_SPLIT, false)};
	gk_replay_result r[2];
	replay(&d, m, 2, r);
	assert_status(&r[0], GK_REPLAY_FAILED);
	assert_string_equal(r[0].sqlstate, "3F000");
	assert_null(r[0].missing);
	assert_status(&r[1], GK_REPLAY_SKIPPED);
	gk_replay_results_free(r, 2);
	drop_db(&d);
}

/* An unknown type is 42704 too, but not a role: the migration's fault. */
static void test_other_undefined_object_fails(void **state)
{
	(void)state;
	db d = fresh_db();
	gk_replay_migration m = mig("CREATE TABLE t (a nosuchtype);", GK_RUNNER_WHOLE, false);
	gk_replay_result r;
	replay(&d, &m, 1, &r);
	assert_status(&r, GK_REPLAY_FAILED);
	assert_string_equal(r.sqlstate, "42704");
	assert_null(r.missing);
	gk_replay_results_free(&r, 1);
	drop_db(&d);
}

/* ---- the tools' history tables ----------------------------------------- */

/* Each tool's own table executes on the server, under the runner the tool's
 * migrations use (Prisma and golang-migrate: one multi-statement query), and
 * is there afterwards (Flyway's with its primary key and index). */
static void test_history_tables_execute(void **state)
{
	(void)state;
	static const struct {
		enum gk_layout_kind kind;
		enum gk_runner runner;
		const char *relations;
	} want[] = {
		{GK_LAYOUT_PRISMA, GK_RUNNER_WHOLE, "_prisma_migrations,_prisma_migrations_pkey"},
		{GK_LAYOUT_FLYWAY, GK_RUNNER_PER_FILE,
		 "flyway_schema_history,flyway_schema_history_pk,flyway_schema_history_s_idx"},
		{GK_LAYOUT_GOLANG_MIGRATE, GK_RUNNER_WHOLE, "schema_migrations,schema_migrations_pkey"},
		{GK_LAYOUT_DBMATE, GK_RUNNER_PER_FILE, "schema_migrations,schema_migrations_pkey"},
		{GK_LAYOUT_DIESEL, GK_RUNNER_PER_FILE,
		 "__diesel_schema_migrations,__diesel_schema_migrations_pkey"},
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		db d = fresh_db();
		gk_replay_migration m = mig(gk_layout_history_table_sql(want[i].kind), want[i].runner,
					    false);
		gk_replay_result r;
		replay(&d, &m, 1, &r);
		assert_status(&r, GK_REPLAY_OK);
		assert_query(&d, "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class "
				 "WHERE relnamespace = 'public'::regnamespace", want[i].relations);
		gk_replay_results_free(&r, 1);
		drop_db(&d);
	}
}

/* ---- infrastructure ---------------------------------------------------- */

static void test_unreachable_server(void **state)
{
	(void)state;
	gk_replay_migration m = mig("SELECT 1;", GK_RUNNER_SPLIT, false);
	gk_replay_result r;
	gk_error err = {0, ""};
	assert_int_equal(gk_replay_run(&r, "host=/nonexistent-gk port=1 connect_timeout=2", &m, 1,
				       &err), GK_EINFRA);
	assert_non_null(strstr(err.msg, "cannot connect"));
	assert_status(&r, GK_REPLAY_SKIPPED);
	gk_replay_results_free(&r, 1);
}

/* The server ends our session mid-replay: GK_EINFRA, the running migration
 * failed with the reason, the next one skipped. */
static void test_connection_lost(void **state)
{
	(void)state;
	for (int trace = 0; trace < 2; trace++) {
		db d = fresh_db();
		gk_replay_migration m[2] = {
			mig("SELECT pg_terminate_backend(pg_backend_pid());", GK_RUNNER_SPLIT, trace),
			mig("CREATE TABLE x (i int);", GK_RUNNER_SPLIT, false),
		};
		gk_replay_result r[2];
		gk_error err = {0, ""};
		assert_int_equal(gk_replay_run(r, d.conninfo, m, 2, &err), GK_EINFRA);
		assert_non_null(strstr(err.msg, "went away during m.sql"));
		/* Cut off by the server's end: not the migration's failure. */
		assert_status(&r[0], GK_REPLAY_INTERRUPTED);
		assert_non_null(strstr(r[0].message, "the shadow server went away while it ran"));
		assert_status(&r[1], GK_REPLAY_SKIPPED);
		gk_replay_results_free(r, 2);
		drop_db(&d);
	}
}

/* The time limit per migration holds under every runner model, traced or
 * not: the statement is cancelled at the limit, the migration is
 * GK_REPLAY_TIMEOUT at that statement (untraced WHOLE and PER_FILE files
 * of several statements run as one query: no place), the next one
 * skipped; a migration within its limit is untouched. */
static void test_timeout_every_runner(void **state)
{
	(void)state;
	static const enum gk_runner runners[] = {GK_RUNNER_WHOLE, GK_RUNNER_PER_FILE, GK_RUNNER_SPLIT};
	const char *sql = "SELECT 1;\nSELECT pg_sleep(60);\n";
	for (size_t k = 0; k < 3; k++)
		for (int trace = 0; trace < 2; trace++) {
			db d = fresh_db();
			gk_replay_migration m[3] = {
				mig("SELECT pg_sleep(0.2);", runners[k], trace),
				mig(sql, runners[k], trace),
				mig("CREATE TABLE x (i int);", runners[k], false),
			};
			m[0].timeout_s = 5;
			m[1].timeout_s = 0.5;
			gk_replay_result r[3];
			double t0 = gk_now();
			replay(&d, m, 3, r);
			assert_true(gk_now() - t0 < 8);
			assert_status(&r[0], GK_REPLAY_OK);
			assert_status(&r[1], GK_REPLAY_TIMEOUT);
			assert_string_equal(r[1].sqlstate, "57014");
			assert_string_equal(r[1].message, "did not finish within 500 ms; cancelled");
			bool known = trace || runners[k] == GK_RUNNER_SPLIT;
			assert_int_equal(r[1].error_offset, known ? (long)strlen("SELECT 1;\n") : -1);
			assert_int_equal(r[1].failed_statement, known ? 2 : 0);
			assert_status(&r[2], GK_REPLAY_SKIPPED);
			gk_replay_results_free(r, 3);
			drop_db(&d);
		}
}

/* A file of one statement is found at it even untraced. */
static void test_timeout_one_statement(void **state)
{
	(void)state;
	db d = fresh_db();
	gk_replay_migration m = mig("\n  DO $$ BEGIN LOOP END LOOP; END $$;\n", GK_RUNNER_WHOLE, false);
	m.timeout_s = 0.3;
	gk_replay_result r;
	replay(&d, &m, 1, &r);
	assert_status(&r, GK_REPLAY_TIMEOUT);
	assert_int_equal(r.error_offset, 3);
	gk_replay_results_free(&r, 1);
	drop_db(&d);
}

/* ---- lock trace -------------------------------------------------------- */

/* A volatile default rewrites the table under ACCESS EXCLUSIVE; a constant
 * one (PostgreSQL 11+) takes the same lock without a rewrite. */
/* Relations are named as SQL needs them: mixed case is quoted. */
static void test_trace_quotes_names(void **state)
{
	(void)state;
	db d = fresh_db();
	gk_replay_migration m[2] = {mig("CREATE TABLE \"User\" (id int);", GK_RUNNER_SPLIT, false),
				    mig("ALTER TABLE \"User\" ADD COLUMN x int;", GK_RUNNER_SPLIT, true)};
	gk_replay_result r[2];
	replay(&d, m, 2, r);
	assert_int_equal(r[1].n_locks, 1);
	assert_lock(&r[1].locks[0], 1, "public.\"User\"", "AccessExclusiveLock", false);
	gk_replay_results_free(r, 2);
	drop_db(&d);
}

static void test_trace_add_column_volatile_default(void **state)
{
	(void)state;
	db d = fresh_db();
	gk_replay_result r[2];
	traced(&d, "ALTER TABLE t ADD COLUMN b float8 DEFAULT random();\n"
		   "ALTER TABLE t ADD COLUMN c int DEFAULT 0;\n", GK_RUNNER_SPLIT, r);
	assert_status(&r[1], GK_REPLAY_OK);
	/* t and its primary key index are rewritten by statement 1. */
	assert_int_equal(r[1].n_locks, 3);
	assert_lock(&r[1].locks[0], 1, "public.t", "AccessExclusiveLock", true);
	assert_lock(&r[1].locks[1], 1, "public.t_pkey", "AccessExclusiveLock", true);
	assert_lock(&r[1].locks[2], 2, "public.t", "AccessExclusiveLock", false);
	/* Each lock names where its statement starts in the file. */
	assert_int_equal(r[1].locks[0].offset, 0);
	assert_int_equal(r[1].locks[2].offset, 52);
	gk_replay_results_free(r, 2);
	drop_db(&d);
}

/* A table with a TOAST table: only the relations the user named show. */
static void test_trace_toast_not_reported(void **state)
{
	(void)state;
	db d = fresh_db();
	gk_replay_migration m[2] = {
		mig("CREATE TABLE doc (id int PRIMARY KEY, body text);\n"
		    "INSERT INTO doc VALUES (1, repeat('x', 10000));", GK_RUNNER_SPLIT, false),
		mig("ALTER TABLE doc ADD COLUMN r float8 DEFAULT random();", GK_RUNNER_SPLIT, true),
	};
	gk_replay_result r[2];
	replay(&d, m, 2, r);
	assert_status(&r[1], GK_REPLAY_OK);
	assert_query(&d, "SELECT count(*) FROM pg_class c JOIN pg_namespace n "
			 "ON n.oid = c.relnamespace WHERE n.nspname = 'pg_toast' "
			 "AND c.oid >= 16384 AND c.relkind = 't'", "1");
	assert_int_equal(r[1].n_locks, 2);
	assert_lock(&r[1].locks[0], 1, "public.doc", "AccessExclusiveLock", true);
	assert_lock(&r[1].locks[1], 1, "public.doc_pkey", "AccessExclusiveLock", true);
	gk_replay_results_free(r, 2);
	drop_db(&d);
}

static void test_trace_create_index_share_lock(void **state)
{
	(void)state;
	db d = fresh_db();
	gk_replay_result r[2];
	traced(&d, "CREATE INDEX t_a ON t (a);", GK_RUNNER_PER_FILE, r);
	assert_status(&r[1], GK_REPLAY_OK);
	assert_int_equal(r[1].n_locks, 1);
	assert_lock(&r[1].locks[0], 1, "public.t", "ShareLock", false);
	assert_true(r[1].locks[0].held_ms >= 0);
	gk_replay_results_free(r, 2);
	drop_db(&d);
}

/* Nobody can wait for a table the migration itself created. */
static void test_trace_new_table_not_recorded(void **state)
{
	(void)state;
	db d = fresh_db();
	gk_replay_result r[2];
	traced(&d, "CREATE TABLE n (i int);\nCREATE INDEX n_i ON n (i);\n"
		   "ALTER TABLE n ADD COLUMN x float8 DEFAULT random();\nLOCK TABLE n;\n",
		   GK_RUNNER_PER_FILE, r);
	assert_status(&r[1], GK_REPLAY_OK);
	assert_int_equal(r[1].n_locks, 0);
	gk_replay_results_free(r, 2);
	drop_db(&d);
}

/* A lock is held until the end of the runner's transaction: per file that
 * includes the later statements, as written (autocommit) it does not. */
static void test_trace_held_until_transaction_end(void **state)
{
	(void)state;
	const char *sql = "ALTER TABLE t ADD COLUMN d int;\nSELECT pg_sleep(0.3);\n";
	enum gk_runner runners[] = {GK_RUNNER_PER_FILE, GK_RUNNER_WHOLE, GK_RUNNER_SPLIT};
	for (int k = 0; k < 3; k++) {
		db d = fresh_db();
		gk_replay_result r[2];
		traced(&d, sql, runners[k], r);
		assert_status(&r[1], GK_REPLAY_OK);
		assert_int_equal(r[1].n_locks, 1);
		assert_lock(&r[1].locks[0], 1, "public.t", "AccessExclusiveLock", false);
		if (runners[k] == GK_RUNNER_SPLIT)
			assert_true(r[1].locks[0].held_ms < 250);
		else
			assert_true(r[1].locks[0].held_ms >= 300);
		gk_replay_results_free(r, 2);
		drop_db(&d);
	}
}

/* As written, the file's own BEGIN/COMMIT decide: locks inside are held to
 * its COMMIT, a statement after it is its own transaction. */
static void test_trace_explicit_transaction_as_written(void **state)
{
	(void)state;
	db d = fresh_db();
	gk_replay_result r[2];
	traced(&d, "BEGIN;\nALTER TABLE t ADD COLUMN g int;\nSELECT pg_sleep(0.3);\nCOMMIT;\n"
		   "CREATE INDEX t_a ON t (a);\n", GK_RUNNER_SPLIT, r);
	assert_status(&r[1], GK_REPLAY_OK);
	assert_int_equal(r[1].n_locks, 2);
	assert_lock(&r[1].locks[0], 2, "public.t", "AccessExclusiveLock", false);
	assert_true(r[1].locks[0].held_ms >= 300);
	assert_lock(&r[1].locks[1], 5, "public.t", "ShareLock", false);
	assert_true(r[1].locks[1].held_ms < 250);
	gk_replay_results_free(r, 2);
	drop_db(&d);
}

/* The lock_timeout in effect when each lock was taken: a SET counts from
 * the statement after it. */
static void test_trace_lock_timeout(void **state)
{
	(void)state;
	db d = fresh_db();
	gk_replay_result r[2];
	traced(&d, "CREATE INDEX t_a ON t (a);\nSET lock_timeout = '2s';\n"
		   "ALTER TABLE t ADD COLUMN f int;\n", GK_RUNNER_PER_FILE, r);
	assert_status(&r[1], GK_REPLAY_OK);
	assert_int_equal(r[1].n_locks, 2);
	assert_lock(&r[1].locks[0], 1, "public.t", "ShareLock", false);
	assert_int_equal(r[1].locks[0].lock_timeout_ms, 0);
	assert_lock(&r[1].locks[1], 3, "public.t", "AccessExclusiveLock", false);
	assert_int_equal(r[1].locks[1].lock_timeout_ms, 2000);
	gk_replay_results_free(r, 2);
	drop_db(&d);
}

/* A weaker lock after a stronger one in the same transaction adds nothing;
 * a stronger one is recorded on the statement that took it. */
static void test_trace_strongest_only(void **state)
{
	(void)state;
	db d = fresh_db();
	gk_replay_result r[2];
	traced(&d, "UPDATE t SET a = a + 1 WHERE id = 1;\nLOCK TABLE t IN SHARE MODE;\n"
		   "INSERT INTO t VALUES (1000, 1);\nDROP TABLE t;\n", GK_RUNNER_PER_FILE, r);
	assert_status(&r[1], GK_REPLAY_OK);
	assert_int_equal(r[1].n_locks, 5);
	assert_lock(&r[1].locks[0], 1, "public.t", "RowExclusiveLock", false);
	assert_lock(&r[1].locks[1], 1, "public.t_pkey", "RowExclusiveLock", false);
	assert_lock(&r[1].locks[2], 2, "public.t", "ShareLock", false);
	/* A dropped table keeps the name it had. */
	assert_lock(&r[1].locks[3], 4, "public.t", "AccessExclusiveLock", false);
	assert_lock(&r[1].locks[4], 4, "public.t_pkey", "AccessExclusiveLock", false);
	gk_replay_results_free(r, 2);
	drop_db(&d);
}

/* A statement that refuses a transaction block (CREATE/DROP INDEX
 * CONCURRENTLY, REINDEX CONCURRENTLY) runs alone, as autocommit would, and
 * applies; the SHARE UPDATE EXCLUSIVE lock it holds on the table while it
 * runs is sampled from a second session and recorded for the whole
 * statement.  The index DROP INDEX CONCURRENTLY drops (and the old index
 * REINDEX CONCURRENTLY replaces) is locked ACCESS EXCLUSIVE only once it is
 * dead: not recorded. */
static void test_trace_concurrently_alone(void **state)
{
	(void)state;
	static const struct {
		const char *sql;
		enum gk_runner runner;
		int stmt;
		const char *exists;
	} cases[] = {
		{"CREATE INDEX CONCURRENTLY t_a ON t (a);", GK_RUNNER_WHOLE, 1, "t,t_a,t_b,t_pkey"},
		{"CREATE TABLE n (i int);\nCREATE INDEX CONCURRENTLY t_a ON t (a);", GK_RUNNER_SPLIT, 2,
		 "n,t,t_a,t_b,t_pkey"},
		{"DROP INDEX CONCURRENTLY t_b;", GK_RUNNER_WHOLE, 1, "t,t_pkey"},
		{"REINDEX INDEX CONCURRENTLY t_b;", GK_RUNNER_SPLIT, 1, "t,t_b,t_pkey"},
		{"REINDEX TABLE CONCURRENTLY t;", GK_RUNNER_SPLIT, 1, "t,t_b,t_pkey"},
	};
	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		db d = fresh_db();
		gk_replay_migration m[2] = {mig(SETUP_T " CREATE INDEX t_b ON t (a);", GK_RUNNER_PER_FILE, false),
					    mig(cases[k].sql, cases[k].runner, true)};
		gk_replay_result r[2];
		replay(&d, m, 2, r);
		assert_status(&r[1], GK_REPLAY_OK);
		if (r[1].n_locks != 1)
			fail_msg("case %zu: %zu locks (%s %s)", k, r[1].n_locks, r[1].n_locks ? r[1].locks[0].relation : "", r[1].n_locks ? r[1].locks[0].mode : "");
		assert_lock(&r[1].locks[0], cases[k].stmt, "public.t", "ShareUpdateExclusiveLock", false);
		assert_true(r[1].locks[0].held_ms > 0);
		assert_true(r[1].locks[0].held_ms <= r[1].duration_ms);
		assert_query(&d, "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class "
				 "WHERE relnamespace = 'public'::regnamespace", cases[k].exists);
		gk_replay_results_free(r, 2);
		drop_db(&d);
	}
}

/* All the locks of r, one per line, for a failure message. */
static char *locks_text(const gk_replay_result *r)
{
	gk_buf b = GK_BUF_INIT;
	for (size_t i = 0; i < r->n_locks; i++)
		gk_buf_printf(&b, "\n  %d %s %s%s", r->locks[i].statement_index, r->locks[i].relation, r->locks[i].mode,
			      r->locks[i].rewrite ? " rewrite" : "");
	gk_buf_putc(&b, '\0');
	return gk_buf_take(&b);
}

/* A sequence's new relfilenode (ALTER SEQUENCE ... AS bigint) copies one
 * row: no rewrite, only its lock.  A table's is, recorded with the mode the
 * trace saw, also when an earlier statement of the transaction took it. */
static void test_trace_sequence_is_not_a_rewrite(void **state)
{
	(void)state;
	db d = fresh_db();
	gk_replay_migration m[2] = {
		mig(SETUP_T " CREATE SEQUENCE s AS int;", GK_RUNNER_PER_FILE, false),
		mig("ALTER SEQUENCE s AS bigint;\nLOCK TABLE t IN ACCESS EXCLUSIVE MODE;\n"
		    "ALTER TABLE t ALTER COLUMN a TYPE bigint;\n", GK_RUNNER_PER_FILE, true),
	};
	gk_replay_result r[2];
	replay(&d, m, 1, r);
	char *node = query1(&d, "SELECT relfilenode FROM pg_class WHERE relname = 's'");
	replay(&d, m + 1, 1, r + 1);
	assert_status(&r[1], GK_REPLAY_OK);
	/* It did get a new one. */
	char *now = query1(&d, "SELECT relfilenode FROM pg_class WHERE relname = 's'");
	assert_string_not_equal(node, now);
	free(node);
	free(now);
	char *got = locks_text(&r[1]);
	const char *want = "\n  1 public.s ShareRowExclusiveLock"
			   "\n  2 public.t AccessExclusiveLock"
			   "\n  3 public.t AccessExclusiveLock rewrite"
			   "\n  3 public.t_pkey AccessExclusiveLock rewrite";
	if (strcmp(got, want))
		fail_msg("locks:%s\nwant:%s", got, want);
	free(got);
	gk_replay_results_free(r, 2);
	drop_db(&d);
}

static void test_status_names(void **state)
{
	(void)state;
	assert_string_equal(gk_replay_status_name(GK_REPLAY_OK), "ok");
	assert_string_equal(gk_replay_status_name(GK_REPLAY_FAILED), "failed");
	assert_string_equal(gk_replay_status_name(GK_REPLAY_ENVIRONMENT), "environment");
	assert_string_equal(gk_replay_status_name(GK_REPLAY_SKIPPED), "skipped");
}

/* ---- main ---------------------------------------------------------------- */

static int group_setup(void **state)
{
	(void)state;
	setenv("GK_REPLAY_CANARY", CANARY_VALUE, 1);  /* ours, never the server's */
	open_shared();
	return 0;
}

/* ---- the sandbox ------------------------------------------------------ */


/* No field of a result may carry the canary (the server's environment). */
static void assert_no_canary(const gk_replay_result *r)
{
	const char *fields[] = {r->message, r->detail, r->hint, r->missing};
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
		if (fields[i] && strstr(fields[i], CANARY_VALUE))
			fail_msg("the environment leaked: %s", fields[i]);
}

/* `sql` as the migration after SETUP_T, untraced and traced: refused by
 * the server (42501, a permission), nothing of it done. */
static void expect_refused(const char *sql)
{
	for (int traced = 0; traced < 2; traced++) {
		db d = fresh_db();
		gk_replay_migration m[2] = {mig(SETUP_T, GK_RUNNER_PER_FILE, false),
					    mig(sql, GK_RUNNER_WHOLE, traced)};
		gk_replay_result r[2];
		replay(&d, m, 2, r);
		assert_status(&r[1], GK_REPLAY_FAILED);
		if (strcmp(r[1].sqlstate, "42501"))
			fail_msg("%s: %s %s", sql, r[1].sqlstate, r[1].message);
		assert_non_null(r[1].message);
		assert_no_canary(&r[1]);
		assert_int_equal(access(CANARY_FILE, F_OK), -1);
		gk_replay_results_free(r, 2);
		drop_db(&d);
	}
}

/* A migration has no power over the machine: programs, server files,
 * large objects from files, the server's configuration. */
static void test_sandbox_refuses(void **state)
{
	(void)state;
	unlink(CANARY_FILE);
	/* As a superuser this printed the job's environment in the error
	 * (invalid input syntax for type integer: "GK_REPLAY_CANARY=..."). */
	expect_refused("CREATE TABLE gk_env (n int);\nCOPY gk_env FROM PROGRAM 'env';");
	expect_refused("COPY t TO PROGRAM 'touch " CANARY_FILE "';");
	expect_refused("COPY t TO '" CANARY_FILE "';");
	expect_refused("CREATE TABLE gk_pw (line text);\nCOPY gk_pw FROM '/etc/passwd';");
	expect_refused("SELECT pg_read_file('/etc/passwd');");
	expect_refused("SELECT pg_ls_dir('/');");
	expect_refused("SELECT lo_import('/etc/passwd');");
	expect_refused("SELECT lo_export(lo_create(0), '" CANARY_FILE "');");
	expect_refused("ALTER SYSTEM SET archive_command = 'touch " CANARY_FILE "';");
	/* Connected as the role: there is no superuser session to return to. */
	expect_refused("RESET ROLE; SET SESSION AUTHORIZATION DEFAULT; SELECT pg_read_file('/etc/passwd');");
	expect_refused("SET SESSION AUTHORIZATION gatekeeper;");
	expect_refused("CREATE ROLE gk_escalate SUPERUSER;");
	expect_refused("CREATE LANGUAGE gk_lang HANDLER plpgsql_call_handler;");
}

/* The extensions that need a superuser and are not on the allow-list: the
 * environment's, with the key that allows them named.  adminpack is left
 * off the default list; plpython3u is no contrib extension. */
static void test_sandbox_extension_not_allowed(void **state)
{
	(void)state;
	db d = fresh_db();
	char *v = query1(&d, "SELECT string_agg(name, ',' ORDER BY name) FROM pg_available_extensions "
			     "WHERE name IN ('adminpack', 'plpython3u')");
	drop_db(&d);
	bool adminpack = strstr(v, "adminpack") != NULL, python = strstr(v, "plpython3u") != NULL;
	free(v);
	const char *want_adminpack = "extension adminpack (it needs a superuser: name it under shadow_extensions in "
				     "gatekeeper.yml to have gatekeeper create it)";
	if (adminpack)
		expect_environment("CREATE EXTENSION adminpack;", want_adminpack, "42501");
	else
		gk_test_skip_part("adminpack is not installed (PostgreSQL 17 removed it)");
	if (python) {
		const char *want = "extension plpython3u (it needs a superuser: name it under shadow_extensions in "
				   "gatekeeper.yml to have gatekeeper create it)";
		expect_environment("CREATE LANGUAGE plpython3u;", want, "42501");
		expect_environment("CREATE EXTENSION plpython3u;", want, "42501");
	} else {
		gk_test_skip_part("no untrusted language installed (postgresql-plpython3-N); "
				  "CREATE LANGUAGE plpython3u is then a missing extension");
		expect_environment("CREATE LANGUAGE plpython3u;", "extension plpython3u", NULL);
	}
}

/* Trusted extensions the role creates; allow-listed ones that need a
 * superuser gatekeeper creates in the migration's place: with or without
 * IF NOT EXISTS, in a schema the same migration made, rolled back with
 * it, owned by the role. */
static void test_sandbox_allowed_extensions(void **state)
{
	(void)state;
	db d = fresh_db();
	gk_replay_migration m[4] = {
		mig("CREATE EXTENSION citext;\nCREATE EXTENSION IF NOT EXISTS hstore;\n"
		    "CREATE TABLE people (name citext, tags hstore);", GK_RUNNER_WHOLE, false),
		mig("CREATE EXTENSION pg_stat_statements;\nCREATE SCHEMA ext;\n"
		    "CREATE EXTENSION pgrowlocks WITH SCHEMA ext;", GK_RUNNER_WHOLE, false),
		mig("CREATE EXTENSION IF NOT EXISTS \"pg_stat_statements\";\n"
		    "CREATE EXTENSION IF NOT EXISTS postgres_fdw;", GK_RUNNER_PER_FILE, true),
		mig("CREATE EXTENSION pg_stat_statements;", GK_RUNNER_WHOLE, false),
	};
	gk_replay_result r[4];
	replay(&d, m, 4, r);
	assert_status(&r[0], GK_REPLAY_OK);
	assert_status(&r[1], GK_REPLAY_OK);
	assert_status(&r[2], GK_REPLAY_OK);
	/* Production fails the same way on a second plain CREATE EXTENSION. */
	assert_status(&r[3], GK_REPLAY_FAILED);
	assert_string_equal(r[3].sqlstate, "42710");
	assert_string_equal(r[3].message, "extension \"pg_stat_statements\" already exists");
	assert_query(&d, "SELECT string_agg(extname || ':' || pg_get_userbyid(extowner) || ':' || "
			 "extnamespace::regnamespace, ',' ORDER BY extname) FROM pg_extension WHERE extname <> 'plpgsql'",
		     "citext:gatekeeper_replay:public,hstore:gatekeeper_replay:public,"
		     "pg_stat_statements:gatekeeper_replay:public,pgrowlocks:gatekeeper_replay:ext,"
		     "postgres_fdw:gatekeeper_replay:public");
	/* The role owns it as it would a trusted one: it may drop it. */
	gk_replay_migration drop = mig("DROP EXTENSION pg_stat_statements;", GK_RUNNER_WHOLE, false);
	gk_replay_result rd;
	replay(&d, &drop, 1, &rd);
	assert_status(&rd, GK_REPLAY_OK);
	gk_replay_results_free(&rd, 1);
	gk_replay_results_free(r, 4);
	drop_db(&d);

	/* A failure later in the file takes the extension with it. */
	d = fresh_db();
	gk_replay_migration f = mig("CREATE EXTENSION pg_buffercache;\nSELECT 1/0;", GK_RUNNER_PER_FILE, false);
	replay(&d, &f, 1, r);
	assert_status(&r[0], GK_REPLAY_FAILED);
	assert_string_equal(r[0].sqlstate, "22012");
	assert_query(&d, "SELECT count(*) FROM pg_extension WHERE extname = 'pg_buffercache'", "0");
	gk_replay_results_free(r, 1);
	drop_db(&d);
}

/* Positions are the file's, not those of what was sent in its place. */
static void test_sandbox_extension_positions(void **state)
{
	(void)state;
	static const char sql[] = "CREATE EXTENSION pg_stat_statements;\nCREATE TABLE x (id int);\nSELECT nope;";
	long want = (long)(strstr(sql, "nope") - sql);
	for (int traced = 0; traced < 2; traced++) {
		db d = fresh_db();
		gk_replay_migration m = mig(sql, GK_RUNNER_WHOLE, traced);
		gk_replay_result r;
		replay(&d, &m, 1, &r);
		assert_status(&r, GK_REPLAY_FAILED);
		assert_int_equal(r.error_offset, want);
		gk_replay_results_free(&r, 1);
		drop_db(&d);
	}
	/* Lock offsets too. */
	static const char locks[] = "CREATE EXTENSION pg_buffercache;\nALTER TABLE t ADD COLUMN b float DEFAULT random();";
	db d = fresh_db();
	gk_replay_result out[2];
	traced(&d, locks, GK_RUNNER_PER_FILE, out);
	assert_status(&out[1], GK_REPLAY_OK);
	assert_true(out[1].n_locks >= 1);
	assert_int_equal(out[1].locks[0].statement_index, 2);
	assert_int_equal(out[1].locks[0].offset, (size_t)(strstr(locks, "ALTER") - locks));
	gk_replay_results_free(out, 2);
	drop_db(&d);
}

/* The rewrite alone: every form of the statement, and what stays. */
static void test_sandbox_rewrite(void **state)
{
	(void)state;
	char *allowed[] = {"pg_stat_statements", "uuid-ossp"};
	static const char sql[] = "-- c\ncreate extension if not exists \"uuid-ossp\" with schema \"a'b\" version '1.1' cascade;\n"
				  "CREATE EXTENSION plpython3u; CREATE EXTENSION pg_stat_statements";
	char *out = NULL;
	size_t len = 0;
	gk_replay_edits ed;
	assert_int_equal(gk_replay_rewrite_extensions(sql, strlen(sql), allowed, 2, &out, &len, &ed), 0);
	assert_non_null(out);
	assert_int_equal(ed.n, 2);
	assert_string_equal(out, "-- c\nSELECT pg_catalog.gatekeeper_create_extension(E'uuid-ossp', true, E'a''b', "
				 "E'1.1', true, pg_catalog.current_setting('search_path'));\n"
				 "CREATE EXTENSION plpython3u; SELECT pg_catalog.gatekeeper_create_extension("
				 "E'pg_stat_statements', false, NULL, NULL, false, pg_catalog.current_setting('search_path'))");
	assert_int_equal(len, strlen(out));
	/* Offsets map back: before, inside and after a replaced statement. */
	assert_int_equal(gk_replay_edits_map(&ed, 2), 2);
	assert_int_equal(gk_replay_edits_map(&ed, 10), 5);
	long plpy = (long)(strstr(out, "CREATE EXTENSION plpython3u") - out);
	assert_int_equal(gk_replay_edits_map(&ed, plpy), (long)(strstr(sql, "CREATE EXTENSION plpython3u") - sql));
	assert_int_equal(gk_replay_edits_map(&ed, -1), -1);
	free(out);
	free(ed.v);
	/* Nothing on the list, no list, or a file that does not parse: as written. */
	assert_int_equal(gk_replay_rewrite_extensions("CREATE EXTENSION x;", 19, allowed, 2, &out, &len, &ed), 0);
	assert_null(out);
	assert_int_equal(gk_replay_rewrite_extensions(sql, strlen(sql), allowed, 0, &out, &len, &ed), 0);
	assert_null(out);
	assert_int_equal(gk_replay_rewrite_extensions("CREATE EXTENSION pg_stat_statements; SELEC 1;", 45, allowed, 2,
						      &out, &len, &ed), 0);
	assert_null(out);
}

/* The shadow init file runs as the superuser in a session of its own;
 * what follows as the role. */
static void test_sandbox_privileged_init(void **state)
{
	(void)state;
	db d = fresh_db();
	char *su = gk_shadow_superuser_conninfo(shared, d.name);
	assert_non_null(su);
	gk_replay_migration m[3] = {
		mig("DO $$BEGIN CREATE ROLE gk_init_reader; EXCEPTION WHEN duplicate_object THEN NULL; END$$;"
		    "CREATE TABLE init_log (who text); INSERT INTO init_log VALUES (current_user);",
		    GK_RUNNER_SPLIT, false),
		mig("CREATE TABLE t (id int); GRANT SELECT ON t TO gk_init_reader; CREATE TABLE who AS SELECT current_user AS u;",
		    GK_RUNNER_WHOLE, false),
		mig("CREATE ROLE gk_not_from_a_migration;", GK_RUNNER_WHOLE, false),
	};
	m[0].conninfo = su;
	gk_replay_result r[3];
	replay(&d, m, 3, r);
	assert_status(&r[0], GK_REPLAY_OK);
	assert_status(&r[1], GK_REPLAY_OK);
	assert_status(&r[2], GK_REPLAY_ENVIRONMENT);
	assert_query(&d, "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'init_log'", "gatekeeper");
	assert_query(&d, "SELECT u FROM who", "gatekeeper_replay");
	gk_replay_results_free(r, 3);
	free(su);
	drop_db(&d);
}

/* The server's message, detail and hint, each cut; never its CONTEXT. */
static void test_error_text_bounded(void **state)
{
	(void)state;
	db d = fresh_db();
	gk_replay_migration m = mig("DO $$BEGIN RAISE EXCEPTION 'big: %', repeat('\xc3\xa9', 3000) "
				    "USING DETAIL = repeat('d', 5000), HINT = 'short hint'; END$$;",
				    GK_RUNNER_WHOLE, false);
	gk_replay_result r;
	replay(&d, &m, 1, &r);
	assert_status(&r, GK_REPLAY_FAILED);
	assert_true(strlen(r.message) <= GK_REPLAY_TEXT_MAX);
	assert_true(strlen(r.message) > GK_REPLAY_TEXT_MAX - 10);
	assert_string_equal(r.message + strlen(r.message) - 3, "...");
	/* Cut between characters: "é" is two bytes. */
	assert_int_equal((unsigned char)r.message[strlen(r.message) - 4], 0xa9);
	assert_int_equal(strlen(r.detail), GK_REPLAY_TEXT_MAX);
	assert_string_equal(r.hint, "short hint");
	assert_null(strstr(r.message, "PL/pgSQL"));
	gk_replay_results_free(&r, 1);
	drop_db(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_prisma_concurrently_in_multi_statement_file),
		cmocka_unit_test(test_prisma_concurrently_alone),
		cmocka_unit_test(test_per_file_wraps_in_transaction),
		cmocka_unit_test(test_per_file_failure_rolls_back),
		cmocka_unit_test(test_error_offset_bytes),
		cmocka_unit_test(test_syntax_error_is_the_migrations),
		cmocka_unit_test(test_plain_syntax_errors_stay_failed),
		cmocka_unit_test(test_newer_server_subquery_alias),
		cmocka_unit_test(test_newer_server_numeric_literals),
		cmocka_unit_test(test_newer_server_keywords),
		cmocka_unit_test(test_newer_server_functions),
		cmocka_unit_test(test_environment_extension),
		cmocka_unit_test(test_sandbox_refuses),
		cmocka_unit_test(test_sandbox_extension_not_allowed),
		cmocka_unit_test(test_sandbox_allowed_extensions),
		cmocka_unit_test(test_sandbox_extension_positions),
		cmocka_unit_test(test_sandbox_rewrite),
		cmocka_unit_test(test_sandbox_privileged_init),
		cmocka_unit_test(test_error_text_bounded),
		cmocka_unit_test(test_environment_role),
		cmocka_unit_test(test_environment_schema),
		cmocka_unit_test(test_other_undefined_object_fails),
		cmocka_unit_test(test_history_tables_execute),
		cmocka_unit_test(test_unreachable_server),
		cmocka_unit_test(test_connection_lost),
		cmocka_unit_test(test_timeout_every_runner),
		cmocka_unit_test(test_timeout_one_statement),
		cmocka_unit_test(test_trace_add_column_volatile_default),
		cmocka_unit_test(test_trace_quotes_names),
		cmocka_unit_test(test_trace_toast_not_reported),
		cmocka_unit_test(test_trace_create_index_share_lock),
		cmocka_unit_test(test_trace_new_table_not_recorded),
		cmocka_unit_test(test_trace_held_until_transaction_end),
		cmocka_unit_test(test_trace_explicit_transaction_as_written),
		cmocka_unit_test(test_trace_lock_timeout),
		cmocka_unit_test(test_trace_strongest_only),
		cmocka_unit_test(test_trace_concurrently_alone),
		cmocka_unit_test(test_trace_sequence_is_not_a_rewrite),
	};
	if (getenv("GK_TEST_FILTER")) /* e.g. GK_TEST_FILTER='test_trace*' */
		cmocka_set_test_filter(getenv("GK_TEST_FILTER"));
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
