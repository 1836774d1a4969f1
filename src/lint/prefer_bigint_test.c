/*
 * prefer_bigint_test.c - what the rule examples cannot show, because it
 * needs an option or several files: prefer_bigint_int_reference: quiet, and
 * that integer arrays are never keys whichever path declares them or later
 * constrains them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "gatekeeper/lint.h"
#include "lint_test_support.h"


/* The prefer-bigint messages of a report, joined by "\n", into buf; returns their count. */
static size_t bigint(const gk_report *r, char *buf, size_t size)
{
	size_t n = 0, used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < r->n_findings; i++)
		if (strcmp(r->findings[i].rule_id, "prefer-bigint") == 0) {
			n++;
			int w = snprintf(buf + used, size - used, "%s\n", r->findings[i].message);
			used += w > 0 && (size_t)w < size - used ? (size_t)w : 0;
		}
	return n;
}

static void test_prefer_bigint__int_reference_reported_or_quiet(void **state)
{
	(void)state;
	static const char *const changes[] = {
		/* declared with REFERENCES */
		"CREATE TABLE users (id int PRIMARY KEY);\nCREATE TABLE orders (user_id int REFERENCES users (id));",
		/* Prisma: the referencing table first, the foreign key at the end */
		"CREATE TABLE \"Post\" (\"authorId\" INTEGER NOT NULL);\n"
		"CREATE TABLE \"User\" (\"id\" SERIAL NOT NULL, CONSTRAINT \"User_pkey\" PRIMARY KEY (\"id\"));\n"
		"ALTER TABLE \"Post\" ADD CONSTRAINT \"Post_authorId_fkey\" FOREIGN KEY (\"authorId\") REFERENCES \"User\"(\"id\");",
	};
	static const char *const referenced[] = {"users.id", "User.id"};
	gk_lint_options o;
	gk_lint_options_init(&o);
	o.jobs = 1;
	for (size_t i = 0; i < sizeof changes / sizeof *changes; i++) {
		char msgs[2000];
		o.bigint_int_reference_quiet = false;
		gk_report *r = gk_test_lint_after(&o, NULL, changes[i]);
		assert_int_equal(bigint(r, msgs, sizeof msgs), 2); /* the key, and the foreign key to it */
		char want[100];
		snprintf(want, sizeof want, "%s must become bigint as well", referenced[i]);
		if (!strstr(msgs, want))
			fail_msg("change %zu: no '%s' in:\n%s", i + 1, want, msgs);
		gk_report_free(r);
		o.bigint_int_reference_quiet = true;
		r = gk_test_lint_after(&o, NULL, changes[i]);
		assert_int_equal(bigint(r, msgs, sizeof msgs), 1); /* the key only */
		assert_null(strstr(msgs, "foreign key"));
		gk_report_free(r);
	}
}

/* A key the model knows to be bigint: the foreign key column gets the ordinary finding. */
static void test_prefer_bigint__bigint_reference_is_the_ordinary_finding(void **state)
{
	(void)state;
	gk_lint_options o;
	gk_lint_options_init(&o);
	o.jobs = 1;
	o.bigint_int_reference_quiet = true;
	char msgs[2000];
	gk_report *r = gk_test_lint_after(&o, "CREATE TABLE users (id bigint PRIMARY KEY);",
			    "CREATE TABLE orders (user_id int REFERENCES users (id));");
	assert_int_equal(bigint(r, msgs, sizeof msgs), 1);
	assert_non_null(strstr(msgs, "orders.user_id is integer"));
	assert_non_null(strstr(msgs, "use bigint"));
	gk_report_free(r);
}

/* Integer arrays are never keys: declared in an earlier change and
 * constrained or changed in this one, or declared here. */
static void test_prefer_bigint__arrays_never_keys(void **state)
{
	(void)state;
	static const struct {
		const char *history, *change;
	} cases[] = {
		{"CREATE TABLE t (ids int[]);", "ALTER TABLE t ADD CONSTRAINT t_ids_fkey FOREIGN KEY (ids) REFERENCES x (id);"},
		{"CREATE TABLE t (ids int[]);", "ALTER TABLE t ADD PRIMARY KEY (ids);"},
		{"CREATE TABLE t (ids bigint[]);", "ALTER TABLE t ALTER COLUMN ids TYPE int[];"},
		{NULL, "CREATE TABLE t (ids int[], PRIMARY KEY (ids));"},
		{NULL, "CREATE TABLE t (user_id int[] REFERENCES users (id));"},
		{NULL, "CREATE TABLE t (ids int[]);\nALTER TABLE t ADD CONSTRAINT t_ids_fkey FOREIGN KEY (ids) REFERENCES x (id);"},
		{NULL, "CREATE TABLE t (\"userIds\" INTEGER[] NOT NULL DEFAULT ARRAY[]::INTEGER[]);"},
		{NULL, "ALTER TABLE t ADD COLUMN ids smallint[], ADD COLUMN tag_id int ARRAY;"},
	};
	gk_lint_options o;
	gk_lint_options_init(&o);
	o.jobs = 1;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char msgs[2000];
		gk_report *r = gk_test_lint_after(&o, cases[i].history, cases[i].change);
		if (bigint(r, msgs, sizeof msgs) != 0)
			fail_msg("%s: %s", cases[i].change, msgs);
		gk_report_free(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefer_bigint__int_reference_reported_or_quiet),
		cmocka_unit_test(test_prefer_bigint__bigint_reference_is_the_ordinary_finding),
		cmocka_unit_test(test_prefer_bigint__arrays_never_keys),
	};
	return cmocka_run_group_tests_name("prefer_bigint", tests, NULL, NULL);
}
