/*
 * version_features_test.c - every entry of the requires-newer-postgres table
 * is tested by its example: on the version before the feature's first one
 * the example gets exactly one finding that names that feature and version,
 * and on the first version none.  The table is sorted, its versions are
 * ones the parser knows (up to 15), and its examples parse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "lint/lint_internal.h"

static gk_report *lint(const char *sql, int pg)
{
	gk_lint_options o;
	gk_lint_options_init(&o);
	o.jobs = 1;
	o.pg_version = pg;
	o.runner = GK_RUNNER_PER_FILE;
	gk_lint_input in = {.path = "m.sql", .text = sql, .len = strlen(sql), .role = GK_LINT_CHECK, .new_change = true};
	gk_report *r = gk_report_new("test");
	gk_error err = {0};
	assert_int_equal(gk_lint_inputs(r, &o, &in, 1, &err), 0);
	return r;
}

/* Findings of the rule that name `feature`; fails on a syntax error. */
static size_t hits(const gk_report *r, const char *feature, const char **msg)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_findings; i++) {
		const gk_finding *f = &r->findings[i];
		if (strcmp(f->rule_id, "syntax-error") == 0)
			fail_msg("example does not parse: %s", f->message);
		if (strcmp(f->rule_id, "requires-newer-postgres") == 0 && strstr(f->message, feature)) {
			n++;
			*msg = f->message;
		}
	}
	return n;
}

static void test_table_sorted(void **state)
{
	(void)state;
	const gk_version_feature *fs;
	size_t n = gk_version_features(&fs);
	assert_true(n >= 20);
	for (size_t i = 0; i < n; i++) {
		assert_true(fs[i].min_version >= 10 && fs[i].min_version <= 15);
		assert_non_null(fs[i].example);
		assert_true(fs[i].instead && *fs[i].instead);
		if (i)
			assert_true(fs[i - 1].min_version <= fs[i].min_version);
	}
}

static void test_each_example(void **state)
{
	(void)state;
	const gk_version_feature *fs;
	size_t n = gk_version_features(&fs);
	for (size_t i = 0; i < n; i++) {
		const char *msg = NULL;
		char want[64];
		snprintf(want, sizeof want, "needs PostgreSQL %d: ", fs[i].min_version);
		gk_report *r = lint(fs[i].example, fs[i].min_version - 1);
		size_t before = hits(r, fs[i].name, &msg);
		if (before != 1 || !strstr(msg, want))
			fail_msg("%s on PostgreSQL %d: %zu findings (%s)\n%s", fs[i].name, fs[i].min_version - 1, before,
				 msg ? msg : "none", fs[i].example);
		gk_report_free(r);
		r = lint(fs[i].example, fs[i].min_version);
		msg = NULL;
		if (hits(r, fs[i].name, &msg) != 0)
			fail_msg("%s reported on PostgreSQL %d: %s", fs[i].name, fs[i].min_version, msg);
		gk_report_free(r);
	}
}

/* The message names the target version, and a statement that uses nothing
 * new is quiet on the oldest version accepted. */
static void test_message_and_old_syntax(void **state)
{
	(void)state;
	const char *msg = NULL;
	gk_report *r = lint("ALTER TABLE m DETACH PARTITION m_2020 CONCURRENTLY;", 13);
	assert_int_equal(hits(r, "DETACH PARTITION", &msg), 1);
	assert_non_null(strstr(msg, "will not run on PostgreSQL 13"));
	gk_report_free(r);
	r = lint("CREATE TABLE t (id serial PRIMARY KEY, v text UNIQUE);\nCREATE INDEX CONCURRENTLY t_v_idx ON t (v);\n"
		 "ALTER TABLE t ADD COLUMN w int DEFAULT 0;\nREINDEX TABLE t;\nCREATE TRIGGER x AFTER UPDATE ON t "
		 "FOR EACH ROW EXECUTE PROCEDURE f();\nCREATE VIEW v AS SELECT 1 AS one;\nALTER TYPE mood ADD VALUE 'x';\n"
		 "CREATE TABLE m (id int);\nCREATE INDEX m_id_idx ON m (id);\nALTER INDEX m_id_idx RENAME TO m_idx;", 9);
	assert_int_equal(hits(r, "", &msg), 0);
	gk_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_sorted),
		cmocka_unit_test(test_each_example),
		cmocka_unit_test(test_message_and_old_syntax),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
