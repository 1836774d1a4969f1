/*
 * run_test.c - gk_lint_inputs(): one schema model across migrations,
 * changes, context-only migrations, migration ranges and ordering.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gatekeeper/lint.h"
#include "sql/sql.h"
#include "util/skip_test_support.h"

static gk_lint_input text_input(const char *path, const char *sql, bool new_change)
{
	return (gk_lint_input){.path = path, .text = sql, .len = strlen(sql), .role = GK_LINT_CHECK,
			       .new_change = new_change, .runner = GK_RUNNER_PER_FILE};
}

static gk_report *run_pg(const gk_lint_input *in, size_t n, int jobs, int pg)
{
	gk_lint_options o;
	gk_lint_options_init(&o);
	o.jobs = jobs;
	if (pg)
		o.pg_version = pg;
	gk_report *r = gk_report_new("test");
	gk_error err = {0};
	assert_int_equal(gk_lint_inputs(r, &o, in, n, &err), 0);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	return r;
}

static gk_report *run(const gk_lint_input *in, size_t n, int jobs)
{
	return run_pg(in, n, jobs, 0);
}

static size_t count(const gk_report *r, const char *path, const char *rule)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_findings; i++)
		n += strcmp(r->findings[i].rule_id, rule) == 0 && (!path || strcmp(r->findings[i].path, path) == 0);
	return n;
}

static void test_lint_run__later_migration_knows_column_types(void **state)
{
	(void)state;
	gk_lint_input in[] = {
		text_input("1.sql", "CREATE TABLE users (id bigint PRIMARY KEY, email varchar(20));", true),
		text_input("2.sql", "ALTER TABLE users ALTER COLUMN email TYPE varchar(40);", true),
		text_input("3.sql", "ALTER TABLE users ALTER COLUMN email TYPE integer USING email::integer;", true),
	};
	gk_report *r = run(in, 3, 2);
	assert_int_equal(count(r, "2.sql", "alter-column-type"), 0);
	assert_int_equal(count(r, "3.sql", "alter-column-type"), 1);
	gk_report_free(r);
}

static void test_lint_run__new_change_makes_earlier_objects_existing(void **state)
{
	(void)state;
	gk_lint_input own[] = {
		text_input("1.sql", "CREATE TABLE t (id bigint PRIMARY KEY, v text);", true),
		text_input("2.sql", "CREATE INDEX t_v_idx ON t (v);", true),
	};
	gk_report *r = run(own, 2, 1);
	assert_int_equal(count(r, "2.sql", "create-index-non-concurrent"), 1);
	gk_report_free(r);

	gk_lint_input together[] = {
		text_input("1.sql", "CREATE TABLE t (id bigint PRIMARY KEY, v text);", true),
		text_input("2.sql", "CREATE INDEX t_v_idx ON t (v);", false),
	};
	r = run(together, 2, 1);
	assert_int_equal(count(r, NULL, "create-index-non-concurrent"), 0);
	gk_report_free(r);
}

static void test_lint_run__context_teaches_without_reporting(void **state)
{
	(void)state;
	gk_lint_input in[] = {
		text_input("0.sql", "CREATE TABLE t (id int PRIMARY KEY, v varchar(10));\nDROP TABLE gone;", true),
		text_input("1.sql", "ALTER TABLE t ALTER COLUMN v TYPE text;\nCREATE INDEX t_v_idx ON t (v);", true),
	};
	in[0].role = GK_LINT_CONTEXT;
	gk_report *r = run(in, 2, 2);
	assert_int_equal(r->n_migrations, 1);
	assert_string_equal(r->migrations[0].path, "1.sql");
	assert_int_equal(count(r, "0.sql", "drop-table"), 0);
	assert_int_equal(count(r, "0.sql", "prefer-bigint"), 0);
	assert_int_equal(count(r, "1.sql", "alter-column-type"), 0); /* varchar(10) -> text is known safe */
	assert_int_equal(count(r, "1.sql", "create-index-non-concurrent"), 1);
	gk_report_free(r);
}

static void test_lint_run__end_limits_the_migration(void **state)
{
	(void)state;
	const char *dbmate = "-- migrate:up\nCREATE TABLE t (id bigint PRIMARY KEY);\n\n-- migrate:down\nDROP TABLE t;\n";
	gk_lint_input in = text_input("20240101_t.sql", dbmate, true);
	in.end = (size_t)(strstr(dbmate, "-- migrate:down") - dbmate);
	gk_report *r = run(&in, 1, 1);
	assert_int_equal(r->migrations[0].statements, 1);
	assert_int_equal(count(r, NULL, "drop-table"), 0);
	gk_report_free(r);
}

static void test_lint_run__many_files_keep_input_order(void **state)
{
	(void)state;
	enum { N = 200 };
	static char paths[N][16];
	gk_lint_input in[N];
	for (int i = 0; i < N; i++) {
		snprintf(paths[i], sizeof paths[i], "%03d.sql", N - i); /* names sort against input order */
		in[i] = text_input(paths[i], i % 2 ? "DROP TABLE x;" : "SELECT 1;", true);
	}
	gk_report *r = run(in, N, 2);
	assert_int_equal(r->n_migrations, N);
	for (int i = 0; i < N; i++)
		assert_string_equal(r->migrations[i].path, paths[i]);
	assert_int_equal(count(r, NULL, "drop-table"), N / 2);
	gk_report_free(r);
}

/* `n` statements SELECT '<k x's>'; (malloc'ed). */
static char *long_selects(size_t n, size_t k)
{
	char *t = malloc(n * (k + 12) + 1), *o = t;
	assert_non_null(t);
	for (size_t i = 0; i < n; i++) {
		memcpy(o, "SELECT '", 8);
		memset(o + 8, 'x', k);
		memcpy(o + 8 + k, "';\n", 3);
		o += k + 11;
	}
	*o = '\0';
	return t;
}

/* Files larger, together, than the SQL parsers may hold ahead of the
 * rules (16 MB), and one larger than that alone (with a file size limit
 * that lets it in): each is parsed and linted, in input order, the run
 * neither stalls nor skips one. */
static void test_lint_run__large_files_past_the_bytes_ahead(void **state)
{
	(void)state;
	enum { N = 25 };
	static char paths[N][16];
	char *big = long_selects(8, 250000), *huge = long_selects(9, 2000000);
	gk_lint_input in[N];
	for (int i = 0; i < N; i++) {
		snprintf(paths[i], sizeof paths[i], "%02d.sql", i);
		in[i] = text_input(paths[i], i == 5 ? huge : i % 2 ? "DROP TABLE x;" : big, true);
	}
	gk_lint_options o;
	gk_lint_options_init(&o);
	o.jobs = 2;
	o.max_file_size = (size_t)32 << 20;
	gk_report *r = gk_report_new("test");
	gk_error err = {0};
	assert_int_equal(gk_lint_inputs(r, &o, in, N, &err), 0);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	assert_int_equal(r->n_migrations, N);
	for (int i = 0; i < N; i++) {
		assert_string_equal(r->migrations[i].path, paths[i]);
		assert_int_equal(r->migrations[i].statements, i == 5 ? 9 : i % 2 ? 1 : 8);
	}
	assert_int_equal(count(r, NULL, "drop-table"), N / 2 - 1);
	gk_report_free(r);
	free(big);
	free(huge);
}

/* The model's hash indexes follow drops and renames (several in one statement too). */
static void test_lint_run__model_follows_drops_and_renames(void **state)
{
	(void)state;
	gk_lint_input in[] = {
		text_input("1.sql", "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\nCREATE TABLE c (v varchar(10));\n"
				    "CREATE INDEX c_v_idx ON c (v);", true),
		/* a and b gone, c renamed: their names must not be found any more. */
		text_input("2.sql", "DROP TABLE a, b;\nALTER TABLE c RENAME TO d;", true),
		/* New tables with the old names, in the same change: new, so exempt. */
		text_input("3.sql", "CREATE TABLE a (id int);\nCREATE INDEX a_id_idx ON a (id);\n"
				    "ALTER TABLE d ALTER COLUMN v TYPE text;\nDROP INDEX c_v_idx;", true),
	};
	gk_report *r = run(in, 3, 2);
	assert_int_equal(count(r, "3.sql", "create-index-non-concurrent"), 0);
	assert_int_equal(count(r, "3.sql", "alter-column-type"), 0);  /* d is c: varchar(10) -> text is safe */
	assert_int_equal(count(r, "3.sql", "drop-index-non-concurrent"), 1); /* c_v_idx is on d, which exists */
	gk_report_free(r);
}

/*
 * DROP NOT NULL makes a column nullable again, so a SET NOT NULL in a later
 * migration scans the table again (langfuse's slack_integrations.project_id,
 * made nullable and then NOT NULL again two migrations later).
 */
static void test_lint_run__drop_not_null_then_set_not_null(void **state)
{
	(void)state;
	gk_lint_input in[] = {
		text_input("1.sql", "CREATE TABLE \"slack_integrations\" (\"id\" TEXT NOT NULL, \"project_id\" TEXT NOT NULL);", true),
		text_input("2.sql", "ALTER TABLE \"slack_integrations\" ALTER COLUMN \"project_id\" SET NOT NULL;", true),
		text_input("3.sql", "ALTER TABLE \"slack_integrations\" ALTER COLUMN \"project_id\" DROP NOT NULL;", true),
		text_input("4.sql", "DELETE FROM \"slack_integrations\" WHERE \"project_id\" IS NULL;\n"
				    "ALTER TABLE \"slack_integrations\" ALTER COLUMN \"project_id\" SET NOT NULL;", true),
	};
	gk_report *r = run(in, 4, 2);
	assert_int_equal(count(r, "2.sql", "set-not-null"), 0); /* already NOT NULL: nothing to check */
	assert_int_equal(count(r, "4.sql", "set-not-null"), 1);
	gk_report_free(r);
}

/* SELECT ... INTO and CREATE TABLE ... AS create tables: new in their change, existing after it. */
static void test_lint_run__select_into_creates_a_table(void **state)
{
	(void)state;
	gk_lint_input in[] = {
		text_input("1.sql", "CREATE TABLE users (id bigint PRIMARY KEY, email text);", true),
		text_input("2.sql", "SELECT id, email INTO users_copy FROM users;\n"
				    "CREATE TABLE users_ids AS SELECT id FROM users;", false),
		text_input("3.sql", "CREATE INDEX users_copy_email_idx ON users_copy (email);\n"
				    "CREATE INDEX users_ids_id_idx ON users_ids (id);", false),
		text_input("4.sql", "CREATE INDEX users_copy_id_idx ON users_copy (id);", true),
	};
	gk_report *r = run(in, 4, 2);
	assert_int_equal(count(r, "3.sql", "create-index-non-concurrent"), 0);
	assert_int_equal(count(r, "4.sql", "create-index-non-concurrent"), 1);
	gk_report_free(r);
}

/*
 * CREATE TABLE succeeds only when the name is free: a table the model still
 * knows was dropped where it could not see it (a down migration it was not
 * given), and the created one is new.  IF NOT EXISTS keeps the old one.
 */
static void test_lint_run__create_table_of_a_known_name_is_new(void **state)
{
	(void)state;
	gk_lint_input in[] = {
		text_input("1.sql", "CREATE TABLE stats (id bigint, hot real);\nCREATE TABLE totals (id bigint, n bigint);", true),
		text_input("2.sql", "CREATE TABLE stats (id bigint, hot real);\nCREATE INDEX stats_hot_idx ON stats (hot);\n"
				    "CREATE TABLE totals AS SELECT 1 AS id, 2 AS n;\nCREATE INDEX totals_n_idx ON totals (n);", true),
		text_input("3.sql", "CREATE TABLE IF NOT EXISTS stats (id bigint, hot real);\n"
				    "CREATE INDEX stats_id_idx ON stats (id);", true),
	};
	gk_report *r = run(in, 3, 2);
	assert_int_equal(count(r, "2.sql", "create-index-non-concurrent"), 0);
	assert_int_equal(count(r, "3.sql", "create-index-non-concurrent"), 1);
	gk_report_free(r);
}

/* The source line kept for display is cut at 400 bytes, never inside a character. */
static void test_lint_run__context_is_cut_between_characters(void **state)
{
	(void)state;
	char sql[1024] = "DROP TABLE t; -- ";
	size_t n = strlen(sql);
	while (n < 399)
		sql[n++] = 'x';
	for (int i = 0; i < 20; i++, n += 2)
		memcpy(sql + n, "\xc3\xa9", 2); /* byte 400 falls inside a two-byte character */
	sql[n] = '\0';
	gk_lint_input in = text_input("1.sql", sql, true);
	gk_report *r = run(&in, 1, 1);
	assert_int_equal(count(r, NULL, "drop-table"), 1);
	const char *ctx = r->findings[0].context;
	assert_non_null(ctx);
	assert_int_equal(strlen(ctx), 399);
	gk_report_free(r);
}

static void test_lint_run__unreadable_input_does_not_stop_the_run(void **state)
{
	(void)state;
	gk_lint_input in[] = {
		{.path = "no/such/file.sql", .role = GK_LINT_CHECK, .new_change = true},
		text_input("2.sql", "DROP TABLE x;", true),
	};
	gk_report *r = run(in, 2, 2);
	assert_int_equal(count(r, "no/such/file.sql", "invalid-input"), 1);
	assert_int_equal(count(r, "2.sql", "drop-table"), 1);
	gk_report_free(r);
}

/* A file of unknown tool with dbmate's markers, read from disk: its up
 * section only, with dbmate's runner, decided when it is read (once). */
static void test_lint_run__dbmate_file_found_when_read(void **state)
{
	(void)state;
	char dir[] = "/tmp/gk-run-dbmate-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[64], plain[64];
	snprintf(path, sizeof path, "%s/1_users.sql", dir);
	snprintf(plain, sizeof plain, "%s/2_plain.sql", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n\n"
	      "-- migrate:down\nDROP TABLE t;\n", f);
	fclose(f);
	f = fopen(plain, "w");
	assert_non_null(f);
	fputs("DROP TABLE u;\n", f);
	fclose(f);
	gk_lint_input in[] = {
		{.path = path, .role = GK_LINT_CHECK, .new_change = true, .find_dbmate = true},
		{.path = plain, .role = GK_LINT_CHECK, .new_change = true, .find_dbmate = true},
	};
	gk_report *r = run(in, 2, 2);
	assert_int_equal(count(r, path, "drop-table"), 0); /* the down section is not linted */
	assert_int_equal(count(r, plain, "drop-table"), 1);
	assert_int_equal(r->n_migrations, 2);
	assert_string_equal(r->migrations[0].runner_why.tool, "dbmate");
	assert_int_equal(r->migrations[0].statements, 1);
	assert_true(r->migrations[1].runner_why.tool == NULL || strcmp(r->migrations[1].runner_why.tool, "dbmate") != 0);
	gk_report_free(r);
	/* Without the flag the whole file is linted, down section included. */
	in[0].find_dbmate = false;
	r = run(in, 1, 1);
	assert_int_equal(count(r, path, "drop-table"), 1);
	gk_report_free(r);
	remove(path);
	remove(plain);
	rmdir(dir);
}

/* Syntax newer than the parser: a syntax error for the parser's version (the
 * default), not analysed with a newer target, an error in every version when
 * it cannot be newer syntax; what the statements create is learnt either way. */
static void test_lint_run__newer_syntax_depends_on_the_target(void **state)
{
	(void)state;
	gk_lint_input in[] = {
		text_input("1.sql",
			   "SELECT count(*) FROM (SELECT 1);\n"
			   "CREATE TABLE a AS SELECT * FROM (SELECT 1 AS x);\n"
			   "CREATE INDEX a_x ON a (x);\n"
			   "ALTER TABLE a ALTER COLUMN x SET NOT NULL;\n"
			   "SELEC 1;\n"
			   "ALTER TABLE a ADD COLUMN y int\n"
			   "ALTER TABLE a ADD COLUMN z int;",
			   true),
	};
	for (int pg = 15; pg <= 17; pg += 2) {
		gk_report *r = run_pg(in, 1, 1, pg);
		assert_int_equal(count(r, "1.sql", "syntax-error"), pg == 15 ? 4 : 2);
		assert_int_equal(count(r, "1.sql", "unparsed-statement"), pg == 15 ? 0 : 2);
		/* a is new: the lock rules leave it alone */
		assert_int_equal(count(r, "1.sql", "create-index-non-concurrent"), 0);
		assert_int_equal(count(r, "1.sql", "set-not-null"), 0);
		assert_int_equal(r->migrations[0].statements, 2);
		assert_int_equal(r->migrations[0].statements_total, 6);
		assert_int_equal(r->statements_analysed, 2);
		assert_int_equal(r->statements_total, 6);
		gk_report_free(r);
	}
	/* A file-wide suppression accepts it; an unterminated literal is an
	 * error in every version. */
	gk_lint_input more[] = {
		text_input("2.sql",
			   "-- gatekeeper:ignore-file unparsed-statement reason: PostgreSQL 17 syntax\n"
			   "SELECT * FROM (SELECT 1);",
			   true),
		text_input("3.sql", "SELECT 1;\nSELECT 'never closed;", true),
	};
	gk_report *r = run_pg(more, 2, 1, 17);
	assert_int_equal(count(r, "2.sql", "unparsed-statement"), 0);
	assert_int_equal(count(r, "2.sql", "unused-suppression"), 0);
	assert_int_equal(count(r, "3.sql", "syntax-error"), 1);
	assert_int_equal(count(r, "3.sql", "unparsed-statement"), 0);
	assert_int_equal(r->statements_analysed, 1);
	assert_int_equal(r->statements_total, 3);
	gk_report_free(r);
	/* Sent whole, a file of two statements is one transaction, even when
	 * the parser refuses one of them. */
	gk_lint_input whole = text_input("4.sql", "CREATE INDEX CONCURRENTLY i ON t (a);\nSELECT * FROM (SELECT 1);", true);
	whole.runner = GK_RUNNER_WHOLE;
	r = run_pg(&whole, 1, 1, 17);
	assert_int_equal(count(r, "4.sql", "concurrently-in-transaction"), 1);
	gk_report_free(r);
}

/* The PostgreSQL 18 recipe that set-not-null's help gives: the NOT NULL
 * constraint added NOT VALID, validated in another transaction, after which
 * SET NOT NULL has nothing to scan.  Gatekeeper must accept its own advice. */
static void test_lint_run__pg18_not_null_not_valid_recipe(void **state)
{
	(void)state;
	gk_lint_input in[] = {
		text_input("1.sql", "ALTER TABLE t ADD CONSTRAINT t_col_not_null NOT NULL col NOT VALID;", true),
		text_input("2.sql", "ALTER TABLE t VALIDATE CONSTRAINT t_col_not_null;", true),
		text_input("3.sql", "ALTER TABLE t ALTER COLUMN col SET NOT NULL;", true),
	};
	gk_report *r = run_pg(in, 3, 1, 18);
	assert_int_equal(count(r, NULL, "syntax-error"), 0);
	assert_int_equal(count(r, NULL, "unparsed-statement"), 0);
	assert_int_equal(count(r, NULL, "set-not-null"), 0);
	assert_int_equal(count(r, NULL, "validate-in-same-transaction"), 0);
	assert_int_equal(r->statements_analysed, 3);
	assert_int_equal(r->statements_total, 3);
	gk_report_free(r);
	/* PostgreSQL 17 has no such constraint: not analysed, nothing learnt */
	r = run_pg(in, 3, 1, 17);
	assert_int_equal(count(r, "1.sql", "unparsed-statement"), 1);
	assert_int_equal(count(r, "3.sql", "set-not-null"), 1);
	assert_int_equal(r->statements_analysed, 2);
	gk_report_free(r);
	/* the same recipe in one transaction validates under the ADD's lock */
	gk_lint_input one[] = {text_input("1.sql",
					  "ALTER TABLE t ADD CONSTRAINT t_col_not_null NOT NULL col NOT VALID;\n"
					  "ALTER TABLE t VALIDATE CONSTRAINT t_col_not_null;",
					  true)};
	r = run_pg(one, 1, 1, 18);
	assert_int_equal(count(r, "1.sql", "validate-in-same-transaction"), 1);
	gk_report_free(r);
}

/* History read only for the model learns from refused statements too. */
static void test_lint_run__context_learns_from_unparsed(void **state)
{
	(void)state;
	gk_lint_input in[] = {
		text_input("0.sql",
			   "ALTER TABLE t ADD CONSTRAINT t_col_not_null NOT NULL col NOT VALID;\n"
			   "COMMIT;\n"
			   "ALTER TABLE t VALIDATE CONSTRAINT t_col_not_null;",
			   true),
		text_input("1.sql", "ALTER TABLE t ALTER COLUMN col SET NOT NULL;", true),
	};
	in[0].role = GK_LINT_CONTEXT;
	gk_report *r = run_pg(in, 2, 1, 18);
	assert_int_equal(r->n_migrations, 1);
	assert_int_equal(count(r, "1.sql", "set-not-null"), 0);
	gk_report_free(r);
}

/* A suppression naming a mistyped rule offers the closest id; a name close
 * to none gets no guess. */
static void test_lint_run__unknown_rule_did_you_mean(void **state)
{
	(void)state;
	gk_lint_input in[] = {
		text_input("1.sql", "-- gatekeeper:ignore drop-tabel reason: legacy\nDROP TABLE old_sessions;\n"
				    "-- gatekeeper:ignore frobnicate-everything reason: x\nSELECT 1;\n", true),
	};
	gk_report *r = run(in, 1, 1);
	const char *want[] = {"suppression names unknown rule 'drop-tabel' (did you mean 'drop-table'?)",
			      "suppression names unknown rule 'frobnicate-everything'"};
	size_t seen = 0;
	for (size_t i = 0; i < r->n_findings; i++) {
		if (strcmp(r->findings[i].rule_id, "unknown-rule") != 0)
			continue;
		assert_true(seen < 2);
		assert_string_equal(r->findings[i].message, want[seen++]);
	}
	assert_int_equal(seen, 2);
	gk_report_free(r);
}

#if !defined(__SANITIZE_ADDRESS__)
/* In a child whose address space holds one more deep stack but not two:
 * the rules' thread starts, no parser does.  0 when the rules' thread
 * parsed every file itself and the run came out whole: each file's
 * statement analysed, the one finding there is. */
static int no_parser_child(void)
{
	long pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f || fscanf(f, "%ld", &pages) != 1)
		return 2;
	fclose(f);
	rlim_t room = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + GK_SQL_STACK_SIZE + ((rlim_t)512 << 20);
	struct rlimit rl = {room, room};
	if (setrlimit(RLIMIT_AS, &rl) != 0)
		return 2;
	gk_lint_input in[] = {
		text_input("1.sql", "CREATE TABLE a (id int);", true),
		text_input("2.sql", "ALTER TABLE a ADD COLUMN b int;", false),
		text_input("3.sql", "DROP TABLE a;", false),
	};
	gk_lint_options o;
	gk_lint_options_init(&o);
	o.jobs = 2;
	gk_report *r = gk_report_new("test");
	gk_error err = {0};
	int rc = gk_lint_inputs(r, &o, in, 3, &err);
	if (rc != 0 || r->n_migrations != 3)
		return 1;
	for (size_t i = 0; i < 3; i++) /* parsed, not unread */
		if (r->migrations[i].statements != 1)
			return 1;
	/* int where bigint is wanted: the one finding, the file read and linted */
	return r->n_findings == 1 && strcmp(r->findings[0].rule_id, "prefer-bigint") == 0 ? 0 : 1;
}
#endif

/* No parser thread can start: the rules' thread parses every file itself,
 * and the run is the one parser threads would have made. */
static void test_lint_run__no_parser_thread(void **state)
{
	(void)state;
#if defined(__SANITIZE_ADDRESS__)
	gk_test_skip("the sanitizer's shadow memory needs more address space than the limit this test sets");
#else
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(no_parser_child());
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 2)
		gk_test_skip("cannot limit this process's address space here");
	assert_int_equal(WEXITSTATUS(status), 0);
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lint_run__later_migration_knows_column_types),
		cmocka_unit_test(test_lint_run__new_change_makes_earlier_objects_existing),
		cmocka_unit_test(test_lint_run__context_teaches_without_reporting),
		cmocka_unit_test(test_lint_run__end_limits_the_migration),
		cmocka_unit_test(test_lint_run__many_files_keep_input_order),
		cmocka_unit_test(test_lint_run__large_files_past_the_bytes_ahead),
		cmocka_unit_test(test_lint_run__model_follows_drops_and_renames),
		cmocka_unit_test(test_lint_run__drop_not_null_then_set_not_null),
		cmocka_unit_test(test_lint_run__select_into_creates_a_table),
		cmocka_unit_test(test_lint_run__create_table_of_a_known_name_is_new),
		cmocka_unit_test(test_lint_run__context_is_cut_between_characters),
		cmocka_unit_test(test_lint_run__unreadable_input_does_not_stop_the_run),
		cmocka_unit_test(test_lint_run__dbmate_file_found_when_read),
		cmocka_unit_test(test_lint_run__newer_syntax_depends_on_the_target),
		cmocka_unit_test(test_lint_run__pg18_not_null_not_valid_recipe),
		cmocka_unit_test(test_lint_run__context_learns_from_unparsed),
		cmocka_unit_test(test_lint_run__unknown_rule_did_you_mean),
		cmocka_unit_test(test_lint_run__no_parser_thread),
	};
	return cmocka_run_group_tests_name("lint_run", tests, NULL, NULL);
}
