/*
 * about_test.c - rules that report several database objects on one
 * statement at one place (each dropped column, index, table or schema, each
 * column made NOT NULL, each dropped type, each lock still held) name
 * each finding's object (gk_finding.about), so that its fingerprint does
 * not depend on the order they are reported in or on their messages; the
 * report model's side is in src/report/sarif_test.c
 * (test_fingerprint_about).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "gatekeeper/report.h"
#include "lint/lint_test_support.h"

static const char history[] =
	"CREATE TABLE t (a int, b int, c int);\n"
	"CREATE INDEX i1 ON t (a);\n"
	"CREATE INDEX i2 ON t (b);\n"
	"CREATE TABLE u (x int);\n"
	"CREATE TABLE v (x int);\n"
	"CREATE VIEW w1 AS SELECT 1;\n"
	"CREATE VIEW w2 AS SELECT 2;\n"
	"CREATE TYPE e1 AS ENUM ('a');\n"
	"CREATE TYPE e2 AS ENUM ('b');\n";

static const char change[] =
	"ALTER TABLE t ALTER COLUMN a SET NOT NULL, ALTER COLUMN b SET NOT NULL;\n"
	"ALTER TABLE t ALTER COLUMN a DROP NOT NULL, ALTER COLUMN c DROP NOT NULL;\n"
	"DROP INDEX i1, i2;\n"
	"DROP VIEW w1, w2;\n"
	"ALTER TABLE t DROP COLUMN a, DROP COLUMN b;\n"
	"DROP TYPE e1, e2 CASCADE;\n"
	"DROP TABLE u, v;\n"
	"DROP SCHEMA s1, s2;\n";

/* Every two findings of `rule` at one place of one statement of 2.sql
 * name two objects; returns how many such pairs there are. */
static size_t distinct_pairs(const gk_report *r, const char *rule)
{
	size_t pairs = 0;
	for (size_t i = 0; i < r->n_findings; i++)
		for (size_t j = i + 1; j < r->n_findings; j++) {
			const gk_finding *a = &r->findings[i], *b = &r->findings[j];
			if (strcmp(a->rule_id, rule) || strcmp(b->rule_id, rule) || strcmp(a->path, "2.sql") ||
			    strcmp(b->path, "2.sql") || a->statement_index != b->statement_index || a->line != b->line ||
			    a->column != b->column)
				continue;
			pairs++;
			assert_non_null(a->about);
			assert_non_null(b->about);
			if (strcmp(a->about, b->about) == 0)
				fail_msg("%s: two findings name the same object %s", rule, a->about);
		}
	return pairs;
}

static void test_about__one_per_object(void **state)
{
	(void)state;
	static const char *const rules[] = {"set-not-null", "drop-not-null", "drop-index-non-concurrent",
					    "drop-view", "drop-column", "drop-table", "drop-cascade",
					    "drop-schema"};
	gk_report *r = gk_test_lint_after(NULL, history, change);
	for (size_t k = 0; k < sizeof rules / sizeof *rules; k++)
		if (distinct_pairs(r, rules[k]) == 0)
			fail_msg("%s: no two findings at one place of one statement", rules[k]);
	gk_report_free(r);
}

/* Two statements of one transaction hold ACCESS EXCLUSIVE on one table
 * (p, which both dropped tables referenced) when a third must wait: one
 * finding each, on the third, told apart by the statement that took it. */
static void test_about__locks_held_by_two_statements(void **state)
{
	(void)state;
	gk_report *r = gk_test_lint_after(NULL,
					  "CREATE TABLE p (id int PRIMARY KEY);\n"
					  "CREATE TABLE a (p_id int REFERENCES p (id));\n"
					  "CREATE TABLE b (p_id int REFERENCES p (id));\n"
					  "CREATE TABLE q (id int PRIMARY KEY);\n"
					  "CREATE TABLE c (q_id int REFERENCES q (id));\n",
					  "DROP TABLE a;\nDROP TABLE b;\nDROP TABLE c;\n");
	assert_int_equal(distinct_pairs(r, "locks-held-across-statements"), 1);
	gk_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_about__one_per_object),
		cmocka_unit_test(test_about__locks_held_by_two_statements),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
