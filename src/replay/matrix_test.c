/*
 * matrix_test.c - the replay sends each file as its runner model says, and
 * each model ends as PostgreSQL ends it when the tool sends the file that
 * way (the measured outcomes of the runner-models reference):
 *
 *   WHOLE     the file is one simple query (Prisma < 7.4, golang-migrate);
 *   SPLIT     each statement its own query, stopping at the first error
 *             (Prisma >= 7.4, golang-migrate x-multi-statement, Flyway mixed);
 *   PER_FILE  BEGIN; the file; COMMIT (Flyway, dbmate, diesel).
 *
 * Every fixture is replayed under each model, untraced and traced (the
 * trace emulates the model statement by statement and must end the same
 * way), and the test asserts the status, the SQLSTATE, where a SPLIT file
 * stopped, and what exists afterwards: a replay that sent the file another
 * way fails here.  One embedded cluster for the program, a fresh database
 * per run; without PostgreSQL binaries the tests skip, saying so.
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

#include "replay/replay.h"
#include "shadow/shadow.h"
#include "util/util.h"
#include "replay_test_support.h"

/* ---- helpers ---------------------------------------------------------- */

static gk_replay_migration mig(const char *sql, enum gk_runner runner, bool trace)
{
	return (gk_replay_migration){"m.sql", sql, strlen(sql), runner, trace, 0, NULL, GK_SPLITTER_SQL};
}

/* ---- the matrix ------------------------------------------------------- */

/* What one model gives. */
typedef struct outcome {
	enum gk_replay_status status;
	const char *sqlstate;   /* "" when it applied */
	const char *after;      /* the probe's answer afterwards */
	/* SPLIT only (0 = not checked): the statement that failed, how many
	 * were committed before it, and a session left in the file's aborted
	 * transaction. */
	int failed, committed;
	bool aborted;
} outcome;

typedef struct fixture {
	const char *name;
	const char *before;     /* applied first (per file, untraced); NULL: nothing */
	const char *sql;        /* the migration under test */
	const char *next;       /* the migration after it, same model; NULL: none */
	const char *probe;      /* read afterwards; NULL: the relations of public */
	int statements;         /* what the front end splits it into */
	outcome whole, split, per_file;
} fixture;

#define RELATIONS "SELECT coalesce(string_agg(relname, ',' ORDER BY relname), '') FROM pg_class " \
	"WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'i', 'S', 'v')"
#define SETUP_T "CREATE TABLE t (id int PRIMARY KEY, a int);\n" \
	"INSERT INTO t SELECT g, g FROM generate_series(1, 100) g;\n"
#define OK_(after) {GK_REPLAY_OK, "", after, 0, 0, false}
#define FAILED(state, after) {GK_REPLAY_FAILED, state, after, 0, 0, false}

static const fixture fixtures[] = {
	{"single statement", NULL, "CREATE TABLE a (i int);", NULL, NULL, 1, OK_("a"), OK_("a"), OK_("a")},
	{"three statements", NULL, "CREATE TABLE a (i int);\nCREATE TABLE b (i int);\nCREATE INDEX b_i ON b (i);\n",
	 NULL, NULL, 3, OK_("a,b,b_i"), OK_("a,b,b_i"), OK_("a,b,b_i")},
	/* WHOLE and PER_FILE roll the file back; SPLIT keeps statements 1-2. */
	{"failure at the third", NULL, "CREATE TABLE a (i int);\nCREATE INDEX a_i ON a (i);\nSELECT 1/0;\n", NULL,
	 NULL, 3, FAILED("22012", ""), {GK_REPLAY_FAILED, "22012", "a,a_i", 3, 2, false}, FAILED("22012", "")},
	{"explicit BEGIN/COMMIT", NULL, "BEGIN;\nCREATE TABLE a (i int);\nCREATE TABLE b (i int);\nCOMMIT;\n", NULL,
	 NULL, 4, OK_("a,b"), OK_("a,b"), OK_("a,b")},
	/* One query: the BEGIN makes the implicit transaction (with statement
	 * 1) explicit, all of it rolls back.  SPLIT: statement 1 stays, the
	 * file's own transaction is left aborted. */
	{"failure inside BEGIN", NULL,
	 "CREATE TABLE a (i int);\nBEGIN;\nCREATE TABLE b (i int);\nSELECT 1/0;\nCOMMIT;\n", NULL, NULL, 5,
	 {GK_REPLAY_FAILED, "22012", "", 0, 0, true}, {GK_REPLAY_FAILED, "22012", "a", 4, 1, true},
	 FAILED("22012", "")},
	/* A statement after the file's own COMMIT runs in a new transaction of
	 * the same query: it rolls back with the failure, the committed part
	 * stays (every model). */
	{"failure after COMMIT", NULL,
	 "BEGIN;\nCREATE TABLE a (i int);\nCOMMIT;\nCREATE TABLE b (i int);\nSELECT 1/0;\n", NULL, NULL, 5,
	 FAILED("22012", "a"), {GK_REPLAY_FAILED, "22012", "a,b", 5, 4, false}, FAILED("22012", "a")},
	/* A session SET lasts into the next migration under every model. */
	{"SET lock_timeout", NULL, "SET lock_timeout = '1234ms';\nCREATE TABLE a (i int);\n",
	 "CREATE TABLE seen AS SELECT current_setting('lock_timeout') AS v;", "SELECT v FROM seen", 2,
	 OK_("1234ms"), OK_("1234ms"), OK_("1234ms")},
	/* SET LOCAL covers a file run in one transaction; alone (SPLIT) it
	 * ends with its own statement. */
	{"SET LOCAL", NULL,
	 "SET LOCAL lock_timeout = '1234ms';\nCREATE TABLE seen AS SELECT current_setting('lock_timeout') AS v;\n",
	 NULL, "SELECT v FROM seen", 2, OK_("1234ms"), OK_("0"), OK_("1234ms")},
	{"CIC alone", SETUP_T, "CREATE INDEX CONCURRENTLY t_a ON t (a);", NULL, NULL, 1, OK_("t,t_a,t_pkey"),
	 OK_("t,t_a,t_pkey"), FAILED("25001", "t,t_pkey")},
	{"CIC beside another statement", SETUP_T, "CREATE TABLE b (i int);\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n",
	 NULL, NULL, 2, FAILED("25001", "t,t_pkey"), OK_("b,t,t_a,t_pkey"), FAILED("25001", "t,t_pkey")},
	{"function, trigger and DO block with ; inside", SETUP_T,
	 "CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS $$\n"
	 "BEGIN\n  NEW.a := NEW.a + 1;\n  RETURN NEW;\nEND\n$$;\n"
	 "CREATE TRIGGER t_bump BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION bump();\n"
	 "DO $$ BEGIN INSERT INTO t VALUES (1000, 1); PERFORM 1; END $$;\n",
	 NULL, "SELECT a FROM t WHERE id = 1000", 3, OK_("2"), OK_("2"), OK_("2")},
	{"comments and strings with ;", NULL,
	 "-- one; two\nCREATE TABLE a (s text DEFAULT 'x;y'); /* ; */\nINSERT INTO a VALUES ('1;2'), (DEFAULT);\n",
	 NULL, "SELECT string_agg(s, '|' ORDER BY s) FROM a", 2, OK_("1;2|x;y"), OK_("1;2|x;y"), OK_("1;2|x;y")},
	{"DROP INDEX CONCURRENTLY", SETUP_T "CREATE INDEX t_a ON t (a);\n", "DROP INDEX CONCURRENTLY t_a;", NULL, NULL,
	 1, OK_("t,t_pkey"), OK_("t,t_pkey"), FAILED("25001", "t,t_a,t_pkey")},
	{"DROP INDEX CONCURRENTLY beside another statement", SETUP_T "CREATE INDEX t_a ON t (a);\n",
	 "DROP INDEX CONCURRENTLY t_a;\nCREATE TABLE b (i int);\n", NULL, NULL, 2, FAILED("25001", "t,t_a,t_pkey"),
	 OK_("b,t,t_pkey"), FAILED("25001", "t,t_a,t_pkey")},
	/* What `prisma migrate dev` generates to drop an enum value. */
	{"Prisma enum change",
	 "CREATE TYPE \"Role\" AS ENUM ('USER', 'ADMIN', 'GUEST');\n"
	 "CREATE TABLE \"User\" (id int PRIMARY KEY, role \"Role\" NOT NULL DEFAULT 'USER');\n"
	 "INSERT INTO \"User\" VALUES (1, 'ADMIN');\n",
	 "-- AlterEnum\nBEGIN;\nCREATE TYPE \"Role_new\" AS ENUM ('USER', 'ADMIN');\n"
	 "ALTER TABLE \"User\" ALTER COLUMN \"role\" DROP DEFAULT;\n"
	 "ALTER TABLE \"User\" ALTER COLUMN \"role\" TYPE \"Role_new\" USING (\"role\"::text::\"Role_new\");\n"
	 "ALTER TYPE \"Role\" RENAME TO \"Role_old\";\nALTER TYPE \"Role_new\" RENAME TO \"Role\";\n"
	 "DROP TYPE \"Role_old\";\nALTER TABLE \"User\" ALTER COLUMN \"role\" SET DEFAULT 'USER';\nCOMMIT;\n",
	 NULL, "SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum "
	       "WHERE enumtypid = '\"Role\"'::regtype", 9,
	 OK_("USER,ADMIN"), OK_("USER,ADMIN"), OK_("USER,ADMIN")},
	/* The same with a row holding the dropped value: the cast fails inside
	 * the file's BEGIN, nothing of it stays. */
	{"Prisma enum change that fails",
	 "CREATE TYPE \"Role\" AS ENUM ('USER', 'ADMIN', 'GUEST');\n"
	 "CREATE TABLE \"User\" (id int PRIMARY KEY, role \"Role\" NOT NULL DEFAULT 'USER');\n"
	 "INSERT INTO \"User\" VALUES (1, 'GUEST');\n",
	 "-- AlterEnum\nBEGIN;\nCREATE TYPE \"Role_new\" AS ENUM ('USER', 'ADMIN');\n"
	 "ALTER TABLE \"User\" ALTER COLUMN \"role\" DROP DEFAULT;\n"
	 "ALTER TABLE \"User\" ALTER COLUMN \"role\" TYPE \"Role_new\" USING (\"role\"::text::\"Role_new\");\n"
	 "ALTER TYPE \"Role\" RENAME TO \"Role_old\";\nALTER TYPE \"Role_new\" RENAME TO \"Role\";\n"
	 "DROP TYPE \"Role_old\";\nALTER TABLE \"User\" ALTER COLUMN \"role\" SET DEFAULT 'USER';\nCOMMIT;\n",
	 NULL, "SELECT string_agg(t.typname, ',' ORDER BY t.typname) FROM pg_type t "
	       "WHERE t.typnamespace = 'public'::regnamespace AND t.typtype = 'e'", 9,
	 {GK_REPLAY_FAILED, "22P02", "Role", 0, 0, true}, {GK_REPLAY_FAILED, "22P02", "Role", 4, 0, true},
	 FAILED("22P02", "Role")},
	/* A new enum value cannot be used in the transaction that added it. */
	{"ADD VALUE then use", "CREATE TYPE mood AS ENUM ('sad');\nCREATE TABLE m (x mood);\n",
	 "ALTER TYPE mood ADD VALUE 'happy';\nINSERT INTO m VALUES ('happy');\n", NULL, "SELECT count(*) FROM m", 2,
	 FAILED("55P04", "0"), OK_("1"), FAILED("55P04", "0")},
	{"DO block plus CIC", SETUP_T,
	 "DO $$ BEGIN PERFORM 1; END $$;\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n", NULL, NULL, 2,
	 FAILED("25001", "t,t_pkey"), OK_("t,t_a,t_pkey"), FAILED("25001", "t,t_pkey")},
};

static const char *runner_label(enum gk_runner r)
{
	return r == GK_RUNNER_WHOLE ? "whole" : r == GK_RUNNER_SPLIT ? "split" : "per-file";
}

/* Replay fixture `f` under `runner` (traced or not) into a fresh database
 * and compare with `want`. */
static void run_fixture(const fixture *f, enum gk_runner runner, bool trace, const outcome *want)
{
	db d = fresh_db();
	gk_replay_migration m[3];
	size_t n = 0, at;
	if (f->before)
		m[n++] = mig(f->before, GK_RUNNER_PER_FILE, false);
	at = n;
	m[n++] = mig(f->sql, runner, trace);
	if (f->next)
		m[n++] = mig(f->next, runner, false);
	gk_replay_result r[3];
	gk_error err = {0, ""};
	if (gk_replay_run(r, d.conninfo, m, n, &err) != 0)
		fail_msg("%s: replay: %s", f->name, err.msg);
	const gk_replay_result *got = &r[at];
	const char *how = runner_label(runner), *traced = trace ? "traced" : "untraced";
	if (at > 0 && r[0].status != GK_REPLAY_OK)
		fail_msg("%s: the fixture's setup failed: %s", f->name, r[0].message);
	if (got->status != want->status || strcmp(got->sqlstate, want->sqlstate))
		fail_msg("%s (%s, %s): %s %s (%s), want %s %s", f->name, how, traced,
			 gk_replay_status_name(got->status), got->sqlstate, got->message ? got->message : "",
			 gk_replay_status_name(want->status), want->sqlstate);
	if (f->next && want->status == GK_REPLAY_OK && r[at + 1].status != GK_REPLAY_OK)
		fail_msg("%s (%s): the next migration: %s", f->name, how, r[at + 1].message);
	char *after = query1(&d, f->probe ? f->probe : RELATIONS);
	if (strcmp(after, want->after))
		fail_msg("%s (%s, %s): afterwards '%s', want '%s'", f->name, how, traced, after, want->after);
	free(after);
	if (runner == GK_RUNNER_SPLIT || trace) {
		if (got->n_statements != f->statements)
			fail_msg("%s (%s, %s): %d statements, want %d", f->name, how, traced, got->n_statements,
				 f->statements);
	}
	if (runner == GK_RUNNER_SPLIT && want->failed &&
	    (got->failed_statement != want->failed || got->committed_statements != want->committed))
		fail_msg("%s (split, %s): statement %d failed after %d committed, want %d after %d", f->name, traced,
			 got->failed_statement, got->committed_statements, want->failed, want->committed);
	/* An aborted session is known under every model when the file is
	 * traced, or sent as the runner sends it. */
	if (got->aborted_session != want->aborted)
		fail_msg("%s (%s, %s): aborted session %d, want %d", f->name, how, traced, got->aborted_session,
			 want->aborted);
	gk_replay_results_free(r, n);
	drop_db(&d);
}

static void run_model(enum gk_runner runner)
{
	for (size_t i = 0; i < sizeof fixtures / sizeof *fixtures; i++) {
		const fixture *f = &fixtures[i];
		const outcome *want = runner == GK_RUNNER_WHOLE ? &f->whole
				      : runner == GK_RUNNER_SPLIT ? &f->split : &f->per_file;
		for (int trace = 0; trace < 2; trace++)
			run_fixture(f, runner, trace, want);
	}
}

static void test_matrix_whole(void **state)
{
	(void)state;
	run_model(GK_RUNNER_WHOLE);
}

static void test_matrix_split(void **state)
{
	(void)state;
	run_model(GK_RUNNER_SPLIT);
}

static void test_matrix_per_file(void **state)
{
	(void)state;
	run_model(GK_RUNNER_PER_FILE);
}

/* ---- the naive splitters ----------------------------------------------- */

/*
 * Prisma 6's driver adapters (engine "js") and golang-migrate's
 * x-multi-statement cut at every ';' and send each piece alone: a ';' in a
 * string, a comment or a $$ body makes a half statement the server refuses
 * (42601), after the pieces before it committed.  A file whose ';' all end
 * statements goes as under SPLIT (and is traced); one cut wrong is never
 * traced (the trace runs statements, not pieces).
 */
typedef struct naive_fixture {
	const char *name;
	const char *before;
	const char *sql;
	const char *probe;      /* NULL: the relations of public */
	bool cut;               /* a ';' inside a token: sent as pieces, untraced */
	int pieces_every, pieces_multistmt;
	outcome every, multistmt;
} naive_fixture;

static const naive_fixture naive_fixtures[] = {
	/* 'x;y' becomes "INSERT INTO a VALUES ('x" (unterminated quoted string). */
	{"; in a string", NULL, "CREATE TABLE a (s text);\nINSERT INTO a VALUES ('x;y');\nCREATE TABLE b (i int);\n",
	 NULL, true, 4, 4, {GK_REPLAY_FAILED, "42601", "a", 2, 1, false}, {GK_REPLAY_FAILED, "42601", "a", 2, 1, false}},
	/* "-- a" is an empty query; "b\nCREATE TABLE b ..." a syntax error at "b". */
	{"; in a comment", NULL, "CREATE TABLE a (i int);\n-- a; b\nCREATE TABLE b (i int);\n", NULL, true, 3, 3,
	 {GK_REPLAY_FAILED, "42601", "a", 3, 2, false}, {GK_REPLAY_FAILED, "42601", "a", 3, 2, false}},
	/* A ';' that ends a comment's line between statements cuts harmlessly:
	 * the deploy works, and the file is traced as its statements. */
	{"; ending a comment line", NULL, "-- users;\nCREATE TABLE a (i int);\n", NULL, false, 2, 2, OK_("a"), OK_("a")},
	/* "... AS $$ BEGIN RETURN 1" is an unterminated dollar-quoted string. */
	{"; in a $$ body", NULL,
	 "CREATE TABLE a (i int);\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n"
	 "CREATE TABLE b (i int);\n", NULL, true, 4, 4,
	 {GK_REPLAY_FAILED, "42601", "a", 2, 1, false}, {GK_REPLAY_FAILED, "42601", "a", 2, 1, false}},
	/* Plain files: as SPLIT. */
	{"plain, failure at the third", NULL, "CREATE TABLE a (i int);\nCREATE INDEX a_i ON a (i);\nSELECT 1/0;\n", NULL,
	 false, 3, 3, {GK_REPLAY_FAILED, "22012", "a,a_i", 3, 2, false}, {GK_REPLAY_FAILED, "22012", "a,a_i", 3, 2, false}},
	{"plain, CIC beside another statement", SETUP_T, "CREATE TABLE b (i int);\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n",
	 NULL, false, 2, 2, OK_("b,t,t_a,t_pkey"), OK_("b,t,t_a,t_pkey")},
};

static void run_naive(const naive_fixture *f, enum gk_splitter sp, bool trace)
{
	const outcome *want = sp == GK_SPLITTER_EVERY_SEMICOLON ? &f->every : &f->multistmt;
	int pieces = sp == GK_SPLITTER_EVERY_SEMICOLON ? f->pieces_every : f->pieces_multistmt;
	const char *how = gk_runner_splitter_name(sp), *traced = trace ? "traced" : "untraced";
	db d = fresh_db();
	gk_replay_migration m[2];
	size_t n = 0;
	if (f->before)
		m[n++] = mig(f->before, GK_RUNNER_PER_FILE, false);
	size_t at = n;
	m[n] = mig(f->sql, GK_RUNNER_SPLIT, trace);
	m[n++].splitter = sp;
	gk_replay_result r[2];
	gk_error err = {0, ""};
	if (gk_replay_run(r, d.conninfo, m, n, &err) != 0)
		fail_msg("%s: replay: %s", f->name, err.msg);
	const gk_replay_result *got = &r[at];
	if (got->status != want->status || strcmp(got->sqlstate, want->sqlstate))
		fail_msg("%s (%s, %s): %s %s (%s), want %s %s", f->name, how, traced, gk_replay_status_name(got->status),
			 got->sqlstate, got->message ? got->message : "", gk_replay_status_name(want->status),
			 want->sqlstate);
	char *after = query1(&d, f->probe ? f->probe : RELATIONS);
	if (strcmp(after, want->after))
		fail_msg("%s (%s, %s): afterwards '%s', want '%s'", f->name, how, traced, after, want->after);
	free(after);
	bool as_pieces = f->cut || !trace;
	if (got->traced != !as_pieces || got->pieces != (as_pieces ? sp : GK_SPLITTER_SQL))
		fail_msg("%s (%s, %s): traced %d, sent as pieces %d", f->name, how, traced, got->traced,
			 got->pieces != GK_SPLITTER_SQL);
	if (as_pieces && got->n_statements != pieces)
		fail_msg("%s (%s, %s): %d pieces, want %d", f->name, how, traced, got->n_statements, pieces);
	if (want->failed && (got->failed_statement != want->failed || got->committed_statements != want->committed))
		fail_msg("%s (%s, %s): %d failed after %d committed, want %d after %d", f->name, how, traced,
			 got->failed_statement, got->committed_statements, want->failed, want->committed);
	/* The failed piece is what the server was sent: its error points into it. */
	if (want->failed && as_pieces &&
	    (got->piece_start >= got->piece_end || got->error_offset < (long)got->piece_start ||
	     got->error_offset > (long)got->piece_end))
		fail_msg("%s (%s, %s): error at %ld, outside the failed piece [%zu, %zu)", f->name, how, traced,
			 got->error_offset, got->piece_start, got->piece_end);
	gk_replay_results_free(r, n);
	drop_db(&d);
}

static void test_matrix_naive_splitters(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof naive_fixtures / sizeof *naive_fixtures; i++)
		for (int trace = 0; trace < 2; trace++) {
			run_naive(&naive_fixtures[i], GK_SPLITTER_EVERY_SEMICOLON, trace);
			run_naive(&naive_fixtures[i], GK_SPLITTER_MULTISTMT, trace);
		}
}

/* ---- what a failure left behind ---------------------------------------- */

static void assert_list(char *const *v, size_t n, const char *want)
{
	gk_buf b = GK_BUF_INIT;
	for (size_t i = 0; i < n; i++)
		gk_buf_printf(&b, "%s%s", i ? "; " : "", v[i]);
	gk_buf_putc(&b, '\0');
	if (strcmp(b.data, want))
		fail_msg("got '%s', want '%s'", b.data, want);
	gk_buf_free(&b);
}

/* SPLIT, failing at statement 6: the objects 1-5 created and the columns
 * of existing tables they changed are named, not their parts (a new
 * table's row type, serial sequence, primary key index) nor what the
 * failed statement itself did.  Traced or not, the same. */
static void test_left_behind(void **state)
{
	(void)state;
	const char *sql = "CREATE TABLE a (id serial PRIMARY KEY, v text);\n"
			  "CREATE INDEX a_v ON a (v);\n"
			  "ALTER TABLE t ADD COLUMN note text, ALTER COLUMN a TYPE bigint;\n"
			  "CREATE TYPE mood AS ENUM ('ok');\n"
			  "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
			  "CREATE TABLE b (i int);\n";
	for (int trace = 0; trace < 2; trace++) {
		db d = fresh_db();
		gk_replay_migration m[2] = {mig(SETUP_T, GK_RUNNER_PER_FILE, false),
					    mig("", GK_RUNNER_SPLIT, trace)};
		char *text = gk_asprintf("%sCREATE TABLE b (i int) ; SELECT 1/0;", sql);
		m[1].sql = text;
		m[1].len = strlen(text);
		gk_replay_result r[2];
		gk_error err = {0, ""};
		if (gk_replay_run(r, d.conninfo, m, 2, &err) != 0)
			fail_msg("replay: %s", err.msg);
		/* statement 7 fails: b exists twice over (42P07) */
		assert_int_equal(r[1].status, GK_REPLAY_FAILED);
		assert_string_equal(r[1].sqlstate, "42P07");
		assert_int_equal(r[1].failed_statement, 7);
		assert_int_equal(r[1].committed_statements, 6);
		assert_int_equal(r[1].n_statements, 8);
		assert_false(r[1].aborted_session);
		assert_list(r[1].created, r[1].n_created,
			    "table a; index a_v; type mood; function f(); table b");
		assert_list(r[1].changed, r[1].n_changed, "column a of table t; column note of table t");
		gk_replay_results_free(r, 2);
		free(text);
		drop_db(&d);
	}
}

/* A SPLIT file cut off by its time limit leaves what committed before. */
static void test_left_behind_timeout(void **state)
{
	(void)state;
	db d = fresh_db();
	gk_replay_migration m = mig("CREATE TABLE a (i int);\nSELECT pg_sleep(60);\n", GK_RUNNER_SPLIT, false);
	m.timeout_s = 0.5;
	gk_replay_result r;
	gk_error err = {0, ""};
	if (gk_replay_run(&r, d.conninfo, &m, 1, &err) != 0)
		fail_msg("replay: %s", err.msg);
	assert_int_equal(r.status, GK_REPLAY_TIMEOUT);
	assert_int_equal(r.failed_statement, 2);
	assert_int_equal(r.committed_statements, 1);
	assert_list(r.created, r.n_created, "table a");
	gk_replay_results_free(&r, 1);
	drop_db(&d);
}

/* A file that applied, or failed as one query with nothing committed,
 * names nothing. */
static void test_nothing_left_behind(void **state)
{
	(void)state;
	db d = fresh_db();
	gk_replay_migration m[2] = {mig(SETUP_T, GK_RUNNER_PER_FILE, false),
				    mig("CREATE TABLE a (i int);\nALTER TABLE t ADD COLUMN c int;\nSELECT 1/0;\n",
					GK_RUNNER_WHOLE, false)};
	gk_replay_result r[2];
	gk_error err = {0, ""};
	if (gk_replay_run(r, d.conninfo, m, 2, &err) != 0)
		fail_msg("replay: %s", err.msg);
	assert_int_equal(r[0].n_created + r[0].n_changed, 0);
	assert_int_equal(r[1].status, GK_REPLAY_FAILED);
	assert_int_equal(r[1].n_created + r[1].n_changed, 0);
	assert_int_equal(r[1].failed_statement, 0);
	gk_replay_results_free(r, 2);
	drop_db(&d);
}

/* A file the front end cannot parse goes as one query under SPLIT too: the
 * statement before the syntax error does not stay. */
static void test_split_unparsable_file_is_one_query(void **state)
{
	(void)state;
	for (int trace = 0; trace < 2; trace++) {
		db d = fresh_db();
		gk_replay_migration m = mig("CREATE TABLE a (i int);\nCREATE TABLEX b (i int);\n", GK_RUNNER_SPLIT, trace);
		gk_replay_result r;
		gk_error err = {0, ""};
		if (gk_replay_run(&r, d.conninfo, &m, 1, &err) != 0)
			fail_msg("replay: %s", err.msg);
		assert_int_equal(r.status, GK_REPLAY_FAILED);
		assert_string_equal(r.sqlstate, "42601");
		assert_int_equal(r.failed_statement, 0);
		char *after = query1(&d, RELATIONS);
		assert_string_equal(after, "");
		free(after);
		gk_replay_results_free(&r, 1);
		drop_db(&d);
	}
}

/* ---- main ---------------------------------------------------------------- */

static int group_setup(void **state)
{
	(void)state;
	open_shared();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matrix_whole),
		cmocka_unit_test(test_matrix_split),
		cmocka_unit_test(test_matrix_per_file),
		cmocka_unit_test(test_matrix_naive_splitters),
		cmocka_unit_test(test_left_behind),
		cmocka_unit_test(test_left_behind_timeout),
		cmocka_unit_test(test_nothing_left_behind),
		cmocka_unit_test(test_split_unparsable_file_is_one_query),
	};
	if (getenv("GK_TEST_FILTER")) /* e.g. GK_TEST_FILTER='test_matrix*' */
		cmocka_set_test_filter(getenv("GK_TEST_FILTER"));
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
