/*
 * about_test.c - rules that report several database objects on one
 * statement at one place (each dropped column, index or table, each
 * column made NOT NULL) name each finding's object (gk_finding.about), so
 * that its fingerprint does not depend on the order they are reported in
 * or on their messages; the report model's side is in
 * src/report/sarif_test.c (test_fingerprint_about).
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
	"CREATE VIEW w2 AS SELECT 2;\n";

static const char change[] =
	"ALTER TABLE t ALTER COLUMN a SET NOT NULL, ALTER COLUMN b SET NOT NULL;\n"
	"ALTER TABLE t ALTER COLUMN a DROP NOT NULL, ALTER COLUMN c DROP NOT NULL;\n"
	"DROP INDEX i1, i2;\n"
	"DROP VIEW w1, w2;\n"
	"ALTER TABLE t DROP COLUMN a, DROP COLUMN b;\n"
	"DROP TABLE u, v;\n";

static void test_about__one_per_object(void **state)
{
	(void)state;
	static const char *const rules[] = {"set-not-null", "drop-not-null", "drop-index-non-concurrent",
					    "drop-view", "drop-column", "drop-table"};
	gk_report *r = gk_test_lint_after(NULL, history, change);
	for (size_t k = 0; k < sizeof rules / sizeof *rules; k++) {
		const gk_finding *seen[2];
		size_t n = 0;
		for (size_t i = 0; i < r->n_findings; i++)
			if (strcmp(r->findings[i].path, "2.sql") == 0 && strcmp(r->findings[i].rule_id, rules[k]) == 0 &&
			    n < 2)
				seen[n++] = &r->findings[i];
		if (n != 2)
			fail_msg("%s: %zu findings, expected 2", rules[k], n);
		assert_int_equal(seen[0]->statement_index, seen[1]->statement_index);
		assert_int_equal(seen[0]->column, seen[1]->column);
		assert_non_null(seen[0]->about);
		assert_non_null(seen[1]->about);
		if (strcmp(seen[0]->about, seen[1]->about) == 0)
			fail_msg("%s: both findings name the same object", rules[k]);
	}
	gk_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_about__one_per_object),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
