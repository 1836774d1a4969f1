/*
 * scale_test.c - the indexes that keep lint linear in the size of a file:
 * a table's columns, indexes and constraints by name in the schema model
 * (state.c), the locks and enum types of the current transaction and the
 * string constants of later statements (memo.c), the suppressions by
 * statement (engine.c), and the resets of session settings
 * (rules/session_setting_leak.c).  Each is checked on files large enough to shuffle
 * its hash tables (growth, removal, renaming) against the answers a scan
 * of the statements gives.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gatekeeper/lint.h"
#include "util/util.h"

#define N 2000

/* Lint `first` (may be NULL: the existing schema) then `sql`, each a change of its own. */
static gk_report *lint_after(const char *first, const char *sql, enum gk_runner runner, int pg_version)
{
	gk_lint_options o;
	gk_lint_options_init(&o);
	o.jobs = 1;
	o.pg_version = pg_version;
	gk_lint_input in[] = {
		{.path = "1.sql", .text = first, .len = first ? strlen(first) : 0, .role = GK_LINT_CHECK,
		 .new_change = true, .runner = runner},
		{.path = "2.sql", .text = sql, .len = strlen(sql), .role = GK_LINT_CHECK, .new_change = true,
		 .runner = runner},
	};
	gk_report *r = gk_report_new("test");
	gk_error err = {0};
	assert_int_equal(gk_lint_inputs(r, &o, first ? in : in + 1, first ? 2 : 1, &err), 0);
	return r;
}

static gk_report *lint_text(const char *sql, enum gk_runner runner) { return lint_after(NULL, sql, runner, 15); }

static size_t count(const gk_report *r, const char *rule)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_findings; i++)
		n += strcmp(r->findings[i].rule_id, rule) == 0;
	return n;
}

/*
 * The model knows the columns that exist: widening varchar(20) to
 * varchar(40) is fine on a known column and reported on one the model does
 * not know (dropped, or renamed away).
 */
static void test_scale__columns_by_name_through_drops_and_renames(void **state)
{
	(void)state;
	gk_buf b = GK_BUF_INIT;
	gk_buf_puts(&b, "CREATE TABLE wide (id bigint PRIMARY KEY");
	for (int i = 0; i < N; i++)
		gk_buf_printf(&b, ", c%d varchar(20)", i);
	gk_buf_puts(&b, ");\n");
	char *first = gk_buf_take(&b);
	/* drop every third column, rename every fifth (not dropped) one */
	size_t unknown = 0;
	for (int i = 0; i < N; i++) {
		if (i % 3 == 0) {
			gk_buf_printf(&b, "ALTER TABLE wide DROP COLUMN c%d;\n", i);
			unknown++;
		} else if (i % 5 == 0) {
			gk_buf_printf(&b, "ALTER TABLE wide RENAME COLUMN c%d TO r%d;\n", i, i);
			unknown++;
		}
	}
	for (int i = 0; i < N; i++)
		gk_buf_printf(&b, "ALTER TABLE wide ALTER COLUMN c%d TYPE varchar(40);\n", i);
	/* the renamed columns are known by their new names */
	for (int i = 0; i < N; i += 5)
		if (i % 3)
			gk_buf_printf(&b, "ALTER TABLE wide ALTER COLUMN r%d TYPE varchar(40);\n", i);
	char *sql = gk_buf_take(&b);
	gk_report *r = lint_after(first, sql, GK_RUNNER_SPLIT, 15);
	assert_int_equal(count(r, "alter-column-type"), unknown);
	gk_report_free(r);
	free(first);
	free(sql);
}

/*
 * Indexes and constraints by name, among thousands on one table: ADD
 * PRIMARY KEY USING INDEX is judged only for an index the model knows, and
 * VALIDATE in the transaction of the ADD ... NOT VALID only for a
 * constraint it knows; the dropped half are not found.
 */
static void test_scale__indexes_and_constraints_by_name(void **state)
{
	(void)state;
	const char *first = "CREATE TABLE t (id bigint, a int, b int);\n";
	gk_buf b = GK_BUF_INIT;
	for (int i = 0; i < N; i++)
		gk_buf_printf(&b, "CREATE INDEX i%d ON t (a);\nALTER TABLE t ADD CONSTRAINT k%d CHECK (a > %d) NOT VALID;\n",
			      i, i, i);
	for (int i = 0; i < N; i += 2)
		gk_buf_printf(&b, "DROP INDEX i%d;\nALTER TABLE t DROP CONSTRAINT k%d;\n", i, i);
	for (int i = 0; i < N; i++)
		gk_buf_printf(&b, "ALTER TABLE t ADD CONSTRAINT p%d PRIMARY KEY USING INDEX i%d;\n"
			      "ALTER TABLE t VALIDATE CONSTRAINT k%d;\n", i, i, i);
	char *second = gk_buf_take(&b);

	gk_report *r = lint_after(first, second, GK_RUNNER_PER_FILE, 15);
	assert_int_equal(count(r, "add-primary-key"), N / 2);
	assert_int_equal(count(r, "validate-in-same-transaction"), N / 2);
	gk_report_free(r);
	free(second);
}

/*
 * foreign-key-without-index: a key is covered by an index that leads with
 * its columns in any order, among thousands of indexes and keys on one
 * table; a dropped index covers nothing.
 */
static void test_scale__foreign_keys_and_leading_columns(void **state)
{
	(void)state;
	gk_buf b = GK_BUF_INIT;
	gk_buf_puts(&b, "CREATE TABLE p (a bigint, b bigint, PRIMARY KEY (a, b));\nCREATE TABLE t (id bigint PRIMARY KEY");
	for (int i = 0; i < N; i++)
		gk_buf_printf(&b, ", c%d bigint", i);
	gk_buf_puts(&b, ");\n");
	char *first = gk_buf_take(&b);
	size_t uncovered = 0;
	for (int i = 0; i + 1 < N; i += 2)
		gk_buf_printf(&b, "CREATE INDEX CONCURRENTLY x%d ON t (c%d, c%d, id);\n", i, i, i + 1);
	for (int i = 0; i + 1 < N; i += 2) {
		gk_buf_printf(&b, "ALTER TABLE t ADD CONSTRAINT f%d FOREIGN KEY (c%d, c%d) REFERENCES p (a, b) NOT VALID;\n",
			      i, i + 1, i);
		gk_buf_printf(&b, "ALTER TABLE t ADD CONSTRAINT g%d FOREIGN KEY (c%d) REFERENCES p (a) NOT VALID;\n",
			      i, i + 1); /* c(i+1) leads no index */
		uncovered++;
		if (i % 4 == 0) {
			gk_buf_printf(&b, "DROP INDEX CONCURRENTLY x%d;\n", i);
			uncovered++;
		}
	}
	char *sql = gk_buf_take(&b);
	gk_report *r = lint_after(first, sql, GK_RUNNER_SPLIT, 15);
	assert_int_equal(count(r, "foreign-key-without-index"), uncovered);
	gk_report_free(r);
	free(first);
	free(sql);
}

/*
 * locks-held-across-statements reports a statement that takes ACCESS
 * EXCLUSIVE on an existing table when a later statement of its transaction
 * waits for a lock on another table, once per table per transaction: N
 * tables altered twice in one transaction make N - 1 findings (the last
 * table of the first pass is followed only by tables the transaction holds
 * already, which wait for nobody), and the same again in a second
 * transaction.
 */
static void test_scale__locks_held_once_per_table_and_transaction(void **state)
{
	(void)state;
	gk_buf b = GK_BUF_INIT;
	for (int tx = 0; tx < 2; tx++) {
		gk_buf_puts(&b, "BEGIN;\n");
		for (int pass = 0; pass < 2; pass++)
			for (int i = 0; i < N; i++)
				gk_buf_printf(&b, "ALTER TABLE t%d ADD COLUMN x%d_%d int;\n", i, tx, pass);
		gk_buf_puts(&b, "SELECT 1;\nCOMMIT;\n");
	}
	char *sql = gk_buf_take(&b);
	gk_report *r = lint_text(sql, GK_RUNNER_SPLIT);
	assert_int_equal(count(r, "locks-held-across-statements"), 2 * (N - 1));
	gk_report_free(r);
	free(sql);
}

/*
 * enum-value-in-transaction: a value added in a transaction and used later
 * in it is reported once, at its first use; a use after COMMIT is not.
 * Before PostgreSQL 12 the enum must have been created in the same
 * transaction.
 */
static void test_scale__enum_values_and_their_uses(void **state)
{
	(void)state;
	gk_buf b = GK_BUF_INIT;
	gk_buf_puts(&b, "BEGIN;\n");
	for (int i = 0; i < N; i++)
		gk_buf_printf(&b, "ALTER TYPE mood ADD VALUE 'v%d';\n", i);
	for (int i = 0; i < N; i += 10)
		gk_buf_printf(&b, "UPDATE people SET m = 'v%d' WHERE m = 'v%d';\n", i, i);
	gk_buf_puts(&b, "COMMIT;\nUPDATE people SET m = 'v1';\n");
	char *sql = gk_buf_take(&b);
	gk_report *r = lint_text(sql, GK_RUNNER_SPLIT);
	assert_int_equal(count(r, "enum-value-in-transaction"), N / 10);
	gk_report_free(r);
	free(sql);

	gk_buf_puts(&b, "BEGIN;\n");
	for (int i = 0; i < N; i++) {
		if (i % 2 == 0)
			gk_buf_printf(&b, "CREATE TYPE e%d AS ENUM ('a');\n", i);
		gk_buf_printf(&b, "ALTER TYPE e%d ADD VALUE 'x';\n", i);
	}
	/* created in an earlier transaction: too late */
	gk_buf_puts(&b, "COMMIT;\nBEGIN;\nALTER TYPE e0 ADD VALUE 'y';\nCOMMIT;\n");
	sql = gk_buf_take(&b);
	r = lint_after(NULL, sql, GK_RUNNER_SPLIT, 11);
	assert_int_equal(count(r, "enum-value-in-transaction"), N / 2 + 1);
	gk_report_free(r);
	free(sql);
}

/*
 * session-setting-leak: of N session SETs in a Prisma migration, those
 * whose setting a later RESET (or SET ... TO DEFAULT) puts back are not
 * reported, those reset only before they were set are, and a RESET ALL
 * covers the SETs before it.
 */
static void test_scale__session_settings_and_their_resets(void **state)
{
	(void)state;
	gk_buf b = GK_BUF_INIT;
	for (int i = 0; i < N; i++) {
		if (i % 4 == 3) /* before the SET: does not reset it */
			gk_buf_printf(&b, "RESET gk.s%d;\n", i);
		gk_buf_printf(&b, "SET gk.s%d = 'on';\nSELECT %d;\n", i, i);
	}
	for (int i = 0; i < N; i += 2)
		gk_buf_printf(&b, i % 4 ? "SET gk.s%d TO DEFAULT;\n" : "RESET gk.s%d;\n", i);
	char *sql = gk_buf_take(&b);
	gk_lint_options o;
	gk_lint_options_init(&o);
	o.jobs = 1;
	gk_lint_input in = {.path = "migration.sql", .text = sql, .len = strlen(sql), .role = GK_LINT_CHECK,
			    .new_change = true, .runner = GK_RUNNER_SPLIT, .tool = GK_LAYOUT_PRISMA};
	gk_report *r = gk_report_new("test");
	gk_error err = {0};
	assert_int_equal(gk_lint_inputs(r, &o, &in, 1, &err), 0);
	assert_int_equal(count(r, "session-setting-leak"), N / 2);
	gk_report_free(r);
	free(sql);

	gk_buf_puts(&b, "SET gk.a = 1;\nSET gk.b = 2;\nRESET ALL;\nSET gk.c = 3;\nSET gk.a = 4;\n");
	sql = gk_buf_take(&b);
	in.text = sql;
	in.len = strlen(sql);
	r = gk_report_new("test");
	assert_int_equal(gk_lint_inputs(r, &o, &in, 1, &err), 0);
	assert_int_equal(count(r, "session-setting-leak"), 2);
	gk_report_free(r);
	free(sql);
}

/* Suppressions apply to their own statement only, among thousands. */
static void test_scale__many_suppressions(void **state)
{
	(void)state;
	gk_buf b = GK_BUF_INIT;
	for (int i = 0; i < N; i++)
		gk_buf_printf(&b, "%sALTER TABLE t ADD COLUMN c%d int NOT NULL;\n",
			      i % 2 ? "" : "-- gatekeeper:ignore add-column-required reason: empty table\n", i);
	gk_buf_puts(&b, "-- gatekeeper:ignore drop-table reason: nothing to drop\nSELECT 1;\n");
	char *sql = gk_buf_take(&b);
	gk_report *r = lint_text(sql, GK_RUNNER_SPLIT);
	assert_int_equal(count(r, "add-column-required"), N / 2);
	assert_int_equal(count(r, "unused-suppression"), 1);
	gk_report_free(r);
	free(sql);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scale__columns_by_name_through_drops_and_renames),
		cmocka_unit_test(test_scale__indexes_and_constraints_by_name),
		cmocka_unit_test(test_scale__foreign_keys_and_leading_columns),
		cmocka_unit_test(test_scale__locks_held_once_per_table_and_transaction),
		cmocka_unit_test(test_scale__enum_values_and_their_uses),
		cmocka_unit_test(test_scale__many_suppressions),
		cmocka_unit_test(test_scale__session_settings_and_their_resets),
	};
	return cmocka_run_group_tests_name("lint-scale", tests, NULL, NULL);
}
