/*
 * concurrently_test.c - which statements of a migration the gate treats
 * as CONCURRENTLY builds (src/drift/concurrently.c): CREATE [UNIQUE]
 * INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, REINDEX ... CONCURRENTLY
 * in both spellings, not REINDEX (CONCURRENTLY false) nor the plain
 * forms; names quoted as SQL needs them; the line of each statement; what
 * each waits for.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "gate/gate_internal.h"

static void test_finds_the_family(void **state)
{
	(void)state;
	const char *text =
		"CREATE INDEX plain_idx ON users (id);\n"
		"CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON app.\"Users\" (email);\n"
		"-- a comment; with a semicolon\n"
		"DROP INDEX CONCURRENTLY IF EXISTS \"Old_idx\";\n"
		"DROP INDEX other_idx;\n"
		"REINDEX INDEX CONCURRENTLY app.users_email_key;\n"
		"REINDEX (CONCURRENTLY) TABLE orders;\n"
		"REINDEX (CONCURRENTLY false) TABLE orders;\n"
		"REINDEX SCHEMA CONCURRENTLY app;\n"
		"CREATE INDEX CONCURRENTLY ON events (at);\n";
	gk_drift_concurrently *c = NULL;
	size_t n = 0;
	assert_int_equal(gk_drift_find_concurrently(text, strlen(text), &c, &n), 0);
	assert_int_equal(n, 6);
	assert_string_equal(c[0].what, "CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON app.\"Users\"");
	assert_string_equal(c[0].relation, "app.\"Users\"");
	assert_int_equal(c[0].line, 2);
	assert_false(c[0].all_lockers); /* CREATE: the writers and the snapshots */
	assert_true(c[0].snapshots);
	assert_string_equal(c[1].what, "DROP INDEX CONCURRENTLY \"Old_idx\"");
	assert_string_equal(c[1].relation, "\"Old_idx\"");
	assert_int_equal(c[1].line, 4);
	assert_true(c[1].all_lockers); /* DROP: every locker, no snapshot */
	assert_false(c[1].snapshots);
	assert_string_equal(c[2].what, "REINDEX INDEX CONCURRENTLY app.users_email_key");
	assert_string_equal(c[2].relation, "app.users_email_key");
	assert_true(c[2].all_lockers); /* REINDEX: both */
	assert_true(c[2].snapshots);
	assert_string_equal(c[3].relation, "orders");
	assert_int_equal(c[3].line, 7);
	assert_string_equal(c[4].what, "REINDEX SCHEMA CONCURRENTLY app");
	assert_null(c[4].relation); /* the snapshot wait alone */
	assert_string_equal(c[5].what, "CREATE INDEX CONCURRENTLY ON events");
	assert_int_equal(c[5].line, 10);
	gk_drift_concurrently_free(c, n);
}

/* Nothing of the family, and a file that does not parse: no statements, no error. */
static void test_none(void **state)
{
	(void)state;
	const char *texts[] = {"CREATE TABLE t (id int);\nALTER TABLE t ADD COLUMN x int;\n", "CREATE INDEX CONCURRENTLY ON;\n", ""};
	for (size_t i = 0; i < 3; i++) {
		gk_drift_concurrently *c = NULL;
		size_t n = 9;
		assert_int_equal(gk_drift_find_concurrently(texts[i], strlen(texts[i]), &c, &n), 0);
		assert_int_equal(n, 0);
		gk_drift_concurrently_free(c, n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finds_the_family),
		cmocka_unit_test(test_none),
	};
	return cmocka_run_group_tests_name("gate: CONCURRENTLY statements", tests, NULL, NULL);
}
