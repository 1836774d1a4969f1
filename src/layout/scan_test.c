/*
 * scan_test.c - gk_runner_scan_parsed gives gk_runner_scan's answer: on
 * texts made to catch each shortcut it takes (a ';' in a comment, a
 * string, a quoted name, a dollar-quoted or BEGIN ATOMIC body; CONCURRENTLY
 * and ATOMIC outside the first words; ADD VALUE then a use; empty
 * statements; a byte order mark; a parse with errors) and on every file of
 * the shared corpora, where it must also scan a small part of the text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout/runner.h"
#include "sql/sql.h"
#include "util/corpus_files_test_support.h"
#include "util/skip_test_support.h"
#include "util/util.h"

typedef struct parse_job {
	gk_sql sql;
	const char *text;
	size_t len, from;
	int rc;
} parse_job;

static void *parse_fn(void *arg)
{
	parse_job *j = arg;
	j->rc = gk_sql_parse(&j->sql, j->text, j->len, j->from);
	return NULL;
}

static void parse(parse_job *j, const char *text, size_t len)
{
	*j = (parse_job){.text = text, .len = len, .from = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0};
	assert_int_equal(gk_sql_on_deep_stack(parse_fn, j), 0);
	assert_int_equal(j->rc, 0);
}

/* Field by field, so that a difference names itself. */
static void assert_same(const gk_runner_sql *a, const gk_runner_sql *b, const char *what)
{
	if (a->n_stmts != b->n_stmts || a->n_no_tx != b->n_no_tx || a->first_no_tx != b->first_no_tx ||
	    a->first_tx != b->first_tx || a->prisma_unsplittable != b->prisma_unsplittable ||
	    strcmp(a->unsplittable_what, b->unsplittable_what) != 0 || a->concurrently_beside != b->concurrently_beside ||
	    a->add_value_then_use != b->add_value_then_use || a->cut_every.stmt != b->cut_every.stmt ||
	    (a->cut_every.stmt >= 0 && (a->cut_every.offset != b->cut_every.offset ||
					strcmp(a->cut_every.what, b->cut_every.what) != 0)))
		fail_msg("%s: scan gives stmts %zu no_tx %zu/%d tx %d unsplittable %d '%s' beside %d use %d cut %d@%zu '%s'; "
			 "the parsed scan stmts %zu no_tx %zu/%d tx %d unsplittable %d '%s' beside %d use %d cut %d@%zu '%s'",
			 what, a->n_stmts, a->n_no_tx, a->first_no_tx, a->first_tx, a->prisma_unsplittable,
			 a->unsplittable_what, a->concurrently_beside, a->add_value_then_use, a->cut_every.stmt,
			 a->cut_every.offset, a->cut_every.what, b->n_stmts, b->n_no_tx, b->first_no_tx, b->first_tx,
			 b->prisma_unsplittable, b->unsplittable_what, b->concurrently_beside, b->add_value_then_use,
			 b->cut_every.stmt, b->cut_every.offset, b->cut_every.what);
}

/* Both ways for `text` at server version `pg`; the bytes scanned the parsed way. */
static size_t compare(const char *text, size_t len, int pg, const char *what)
{
	parse_job j;
	parse(&j, text, len);
	gk_runner_sql whole, fast;
	gk_runner_scan(&whole, text, len, pg);
	size_t scanned = gk__runner_scan_parsed(&fast, text, len, pg, &j.sql);
	assert_same(&whole, &fast, what);
	gk_sql_free(&j.sql);
	return scanned;
}

static size_t same(const char *text) { return compare(text, strlen(text), 15, text); }

/* Texts where a shortcut would go wrong, each against the whole scan. */
static void test_shortcuts_agree(void **state)
{
	(void)state;
	static const char *const texts[] = {
		"",
		"-- only a comment; with a semicolon\n",
		"CREATE TABLE a (x int);\nALTER TABLE a ADD COLUMN y int;\n",
		"-- CreateTable\nCREATE TABLE a (x int);\n\n-- CreateIndex\nCREATE INDEX a_x ON a (x);\n",
		"CREATE TABLE a (x int);; ;\n;INSERT INTO a VALUES (1)",
		"CREATE TABLE a (x int); -- DROP TABLE a;\nSELECT 1;",
		"CREATE TABLE a (x int); -- DROP TABLE a; SELECT 2\nSELECT 1;",
		"CREATE TABLE a (x int) /* a; b */;\nSELECT 1;",
		"INSERT INTO a VALUES ('x;y');\nSELECT 1;",
		"CREATE TABLE \"a;b\" (x int);\nSELECT 1;",
		"CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nSELECT 1;",
		"CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 1 END; END;\n"
		"SELECT 1;",
		"CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC END;\nSELECT 1;",
		"SELECT begin atomic FROM t;\nSELECT 2;\nSELECT 3;",
		"CREATE INDEX CONCURRENTLY a_x ON a (x);\nALTER TABLE a ADD COLUMN y int;\n",
		"ALTER TABLE p DETACH PARTITION c CONCURRENTLY;\nSELECT 1;",
		"CREATE INDEX concurrently_named ON a (x);\nSELECT 1;",
		"DROP INDEX CONCURRENTLY a_x;\nCREATE TABLE b (x int);",
		"ALTER TYPE mood ADD VALUE 'sad';\nINSERT INTO t VALUES ('sad');\n",
		"ALTER TYPE mood ADD VALUE 'sad';\nCREATE TABLE x (m mood DEFAULT 'sad');\n",
		"ALTER TYPE mood ADD VALUE 'sad';\nCREATE TABLE x (m mood DEFAULT 'happy');\n",
		"ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';\nUPDATE t SET m = 'sad';\n",
		"DO $$ BEGIN PERFORM 1; END $$;\nCREATE TABLE a (x int);",
		"LOCK TABLE a;\nREINDEX TABLE a;\nVACUUM a;\nDISCARD ALL;\nALTER SYSTEM SET work_mem = '1MB';",
		"CREATE DATABASE d;\nDROP TABLESPACE s;\nCREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p;",
		"REINDEX VERBOSE SCHEMA app;\nSELECT 1;",
		"SET lock_timeout = '1s';\nBEGIN;\nALTER TABLE a ADD COLUMN y int;\nCOMMIT;",
		"CREATE TABLE a (x int)\n-- trailing; comment\n;\nSELECT 1",
		"SELECT 1 -- no terminator; here",
		"CREATE TYPE t AS (a int);\nALTER TYPE t ADD ATTRIBUTE b int;\n",
		"GRANT SELECT ON a TO b;\nREVOKE SELECT ON a FROM b;\nCOMMENT ON TABLE a IS 'x;y';",
		"CREATE SCHEMA s CREATE TABLE t (x int) CREATE VIEW v AS SELECT 1;\nSELECT 1;",
		"\xEF\xBB\xBF" "CREATE TABLE a (x int);\nSELECT 1;",
		"SELECT 1;\n/* nested /* comment; */ still */\nSELECT 2;",
	};
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
		same(texts[i]);
	/* ALTER TYPE ... ADD VALUE is Flyway's business before PostgreSQL 12 only. */
	const char *av = "ALTER TYPE mood ADD VALUE 'sad';\nCREATE TABLE b (x int);";
	compare(av, strlen(av), 11, av);
	compare(av, strlen(av), 12, av);
	/* A composite type's ALTER TYPE whose words end in ADD VALUE (a type
	 * in schema "add"): Flyway's rule matches it before 12 as well. */
	const char *attr = "ALTER TYPE t ADD ATTRIBUTE x add.value;\nCREATE TABLE b (x int);";
	compare(attr, strlen(attr), 11, attr);
	gk_runner_sql sql;
	gk_runner_scan(&sql, attr, strlen(attr), 11);
	assert_int_equal(sql.n_no_tx, 1);
	/* The same words from a rename of that type. */
	const char *ren = "ALTER TYPE add.value RENAME TO other;\nALTER TABLE a RENAME COLUMN x TO y;";
	compare(ren, strlen(ren), 11, ren);
	gk_runner_scan(&sql, ren, strlen(ren), 11);
	assert_int_equal(sql.n_no_tx, 1);
	/* After an ADD VALUE, statements with and without strings. */
	same("ALTER TYPE mood ADD VALUE 'sad';\nALTER TABLE a ADD COLUMN m mood;\nUPDATE a SET m = $$sad$$;");
	same("ALTER TYPE mood ADD VALUE 'sad';\nALTER TABLE a ADD COLUMN m mood;\nTRUNCATE a;");
	same("BEGIN;\nCREATE TABLE a AS SELECT 1 AS x;\nCREATE POLICY p ON a USING (x = 1);\nCOMMIT;");
}

/* What the parse makes plain is not scanned; what it cannot settle is. */
static void test_scans_only_what_matters(void **state)
{
	(void)state;
	assert_int_equal(same("-- CreateTable\nCREATE TABLE a (x int);\n\n-- AddColumn\nALTER TABLE a ADD COLUMN y int;\n"), 0);
	assert_int_equal(same("INSERT INTO a VALUES (1);\nUPDATE a SET x = 2;\nDELETE FROM a;\n"), 0);
	const char *conc = "CREATE TABLE a (x int);\nCREATE INDEX CONCURRENTLY a_x ON a (x);\n";
	assert_int_equal(same(conc), strlen("CREATE INDEX CONCURRENTLY a_x ON a (x)"));
	const char *cut = "CREATE TABLE a (x int); -- DROP TABLE a;\nSELECT 1;";
	assert_true(same(cut) > 0);
	/* A parse with an error: the whole text, as before. */
	const char *bad = "CREATE TABLE a (x int);\nSELEC 1;\n";
	parse_job j;
	parse(&j, bad, strlen(bad));
	assert_true(j.sql.n_errors > 0);
	gk_runner_sql whole, fast;
	gk_runner_scan(&whole, bad, strlen(bad), 15);
	assert_int_equal(gk__runner_scan_parsed(&fast, bad, strlen(bad), 15, &j.sql), strlen(bad));
	assert_same(&whole, &fast, bad);
	gk_sql_free(&j.sql);
	/* No parse at all: the whole text. */
	assert_int_equal(gk__runner_scan_parsed(&fast, conc, strlen(conc), 15, NULL), strlen(conc));
}

typedef struct walk {
	size_t files, bytes, scanned;
} walk;

static void corpus_one(const char *path, const char *text, size_t len, void *ctx)
{
	walk *w = ctx;
	w->files++;
	w->bytes += len;
	w->scanned += compare(text, len, 15, path);
}

/* Every file of the shared corpora, and how much of them is still scanned. */
static void test_corpora_agree(void **state)
{
	(void)state;
	walk w = {0};
	if (!each_corpus_file(corpus_one, &w))
		gk_test_skip("%s is absent: the runner scan is not compared on the corpora", CORPUS_FILES);
	assert_true(w.files > 0);
	print_message("runner scan on %zu corpus files: %zu of %zu bytes scanned\n", w.files, w.scanned, w.bytes);
	/* Most statements of real migrations are settled by the parse. */
	assert_true(w.scanned * 4 < w.bytes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shortcuts_agree),
		cmocka_unit_test(test_scans_only_what_matters),
		cmocka_unit_test(test_corpora_agree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
