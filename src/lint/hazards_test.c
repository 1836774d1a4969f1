/*
 * hazards_test.c - the hazard rules that read the schema model across
 * migrations (a rule's examples see one file only): drop-cascade and
 * domain-constraint name the existing columns of the type, and
 * attach-partition-without-check sees the CHECK an earlier migration
 * validated and the default partition an earlier one created;
 * rename-function and drop-cascade know trigger functions.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "gatekeeper/lint.h"

static gk_lint_input text_input(const char *path, const char *sql)
{
	return (gk_lint_input){.path = path, .text = sql, .len = strlen(sql), .role = GK_LINT_CHECK,
			       .new_change = true, .runner = GK_RUNNER_PER_FILE};
}

static gk_report *run(const gk_lint_input *in, size_t n)
{
	gk_lint_options o;
	gk_lint_options_init(&o);
	o.jobs = 1;
	gk_report *r = gk_report_new("test");
	gk_error err = {0};
	assert_int_equal(gk_lint_inputs(r, &o, in, n, &err), 0);
	return r;
}

/* The message of the only finding of `rule` in `path`, or NULL when there are none or several. */
static const char *only(const gk_report *r, const char *path, const char *rule)
{
	const char *msg = NULL;
	size_t n = 0;
	for (size_t i = 0; i < r->n_findings; i++)
		if (strcmp(r->findings[i].rule_id, rule) == 0 && strcmp(r->findings[i].path, path) == 0) {
			msg = r->findings[i].message;
			n++;
		}
	return n == 1 ? msg : NULL;
}

static void test_hazards__drop_type_cascade_names_the_columns(void **state)
{
	(void)state;
	gk_lint_input in[] = {
		text_input("1.sql", "CREATE TYPE order_status AS ENUM ('new', 'paid');\n"
				    "CREATE TABLE orders (id bigint, status order_status, history order_status[]);\n"
				    "CREATE TABLE notes (id bigint, body text);"),
		text_input("2.sql", "DROP TYPE order_status CASCADE;"),
	};
	gk_report *r = run(in, 2);
	assert_null(only(r, "1.sql", "drop-cascade"));
	const char *m = only(r, "2.sql", "drop-cascade");
	assert_non_null(m);
	assert_non_null(strstr(m, "orders.status, orders.history"));
	assert_null(strstr(m, "notes."));
	gk_report_free(r);
}

static void test_hazards__domain_constraint_names_the_columns(void **state)
{
	(void)state;
	gk_lint_input in[] = {
		text_input("1.sql", "CREATE DOMAIN email AS text;\n"
				    "CREATE TABLE users (id bigint, mail email);\n"
				    "CREATE TABLE invites (id bigint, sent_to email);"),
		text_input("2.sql", "ALTER DOMAIN email ADD CONSTRAINT email_at CHECK (VALUE LIKE '%@%');"),
	};
	gk_report *r = run(in, 2);
	assert_null(only(r, "1.sql", "domain-constraint"));
	const char *m = only(r, "2.sql", "domain-constraint");
	assert_non_null(m);
	assert_non_null(strstr(m, "users.mail, invites.sent_to"));
	assert_non_null(strstr(m, "SHARE"));
	gk_report_free(r);
}

/* The CHECK validated in an earlier migration lets the ATTACH skip its scan;
 * the same ATTACH without that migration is reported. */
static void test_hazards__attach_partition_sees_an_earlier_check(void **state)
{
	(void)state;
	const char *parent = "CREATE TABLE ledger (id bigint, booked_on date) PARTITION BY RANGE (booked_on);\n"
			     "CREATE TABLE ledger_2023 (id bigint, booked_on date);";
	const char *attach =
		"ALTER TABLE ledger ATTACH PARTITION ledger_2023 FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');";
	gk_lint_input with[] = {
		text_input("1.sql", parent),
		text_input("2.sql", "ALTER TABLE ledger_2023 ADD CONSTRAINT ledger_2023_bound CHECK (booked_on IS NOT NULL "
				    "AND booked_on >= '2023-01-01' AND booked_on < '2024-01-01') NOT VALID;"),
		text_input("3.sql", "ALTER TABLE ledger_2023 VALIDATE CONSTRAINT ledger_2023_bound;"),
		text_input("4.sql", attach),
	};
	gk_report *r = run(with, 4);
	assert_null(only(r, "4.sql", "attach-partition-without-check"));
	gk_report_free(r);

	gk_lint_input without[] = {text_input("1.sql", parent), text_input("4.sql", attach)};
	r = run(without, 2);
	const char *m = only(r, "4.sql", "attach-partition-without-check");
	assert_non_null(m);
	assert_non_null(strstr(m, "ledger_2023"));
	gk_report_free(r);

	/* A NOT NULL column stands for the CHECK's IS NOT NULL. */
	gk_lint_input nn[] = {
		text_input("1.sql", "CREATE TABLE ledger (id bigint, booked_on date NOT NULL) PARTITION BY RANGE (booked_on);\n"
				    "CREATE TABLE ledger_2023 (id bigint, booked_on date NOT NULL);"),
		text_input("2.sql", "ALTER TABLE ledger_2023 ADD CONSTRAINT b CHECK (booked_on >= '2023-01-01' AND "
				    "booked_on < '2024-01-01');"),
		text_input("3.sql", attach),
	};
	r = run(nn, 3);
	assert_null(only(r, "3.sql", "attach-partition-without-check"));
	gk_report_free(r);
}

/* The default partition an earlier migration created is read by ATTACH
 * under ACCESS EXCLUSIVE, even when a CHECK spares the partition's scan. */
static void test_hazards__attach_partition_reads_the_default_partition(void **state)
{
	(void)state;
	const char *parent = "CREATE TABLE ledger (id bigint, booked_on date NOT NULL) PARTITION BY RANGE (booked_on);\n"
			     "CREATE TABLE ledger_rest PARTITION OF ledger DEFAULT;\n"
			     "CREATE TABLE ledger_2023 (id bigint, booked_on date NOT NULL);";
	const char *attach =
		"ALTER TABLE ledger ATTACH PARTITION ledger_2023 FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');";
	gk_lint_input with[] = {
		text_input("1.sql", parent),
		text_input("2.sql", "ALTER TABLE ledger_2023 ADD CONSTRAINT b CHECK (booked_on >= '2023-01-01' AND "
				    "booked_on < '2024-01-01');"),
		text_input("3.sql", attach),
	};
	gk_report *r = run(with, 3);
	const char *m = only(r, "3.sql", "attach-partition-without-check");
	assert_non_null(m);
	assert_non_null(strstr(m, "reads the default partition ledger_rest of ledger under ACCESS EXCLUSIVE"));
	gk_report_free(r);
	gk_lint_input without[] = {text_input("1.sql", parent), text_input("3.sql", attach)};
	r = run(without, 2);
	m = only(r, "3.sql", "attach-partition-without-check");
	assert_non_null(m);
	assert_non_null(strstr(m, "; the default partition ledger_rest is read too, under ACCESS EXCLUSIVE"));
	gk_report_free(r);
}

/* DETACH PARTITION with a default partition the model knows: its lock is
 * named, and CONCURRENTLY is not the recipe (PostgreSQL refuses it). */
static void test_hazards__detach_partition_with_a_default_partition(void **state)
{
	(void)state;
	gk_lint_input in[] = {
		text_input("1.sql", "CREATE TABLE ledger (id bigint, booked_on date) PARTITION BY RANGE (booked_on);\n"
				    "CREATE TABLE ledger_2023 PARTITION OF ledger FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');\n"
				    "CREATE TABLE ledger_rest PARTITION OF ledger DEFAULT;"),
		text_input("2.sql", "ALTER TABLE ledger DETACH PARTITION ledger_2023;"),
	};
	gk_report *r = run(in, 2);
	const char *m = only(r, "2.sql", "detach-partition-non-concurrent");
	assert_non_null(m);
	assert_non_null(strstr(m, "and ACCESS EXCLUSIVE on its default partition ledger_rest"));
	assert_non_null(strstr(m, "CONCURRENTLY is refused while the default partition exists"));
	for (size_t i = 0; i < r->n_findings; i++)
		if (strcmp(r->findings[i].rule_id, "detach-partition-non-concurrent") == 0)
			assert_non_null(strstr(r->findings[i].help, "refused while the partitioned table has a default"));
	gk_report_free(r);
}

/* A trigger function an earlier migration created is called only by its
 * triggers (by OID): renaming it breaks nothing, dropping it CASCADE drops
 * the triggers.  An ordinary function is reported on rename. */
static void test_hazards__trigger_functions(void **state)
{
	(void)state;
	gk_lint_input in[] = {
		text_input("1.sql", "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';\n"
				    "CREATE FUNCTION total(o bigint) RETURNS numeric LANGUAGE sql AS 'SELECT 0';"),
		text_input("2.sql", "ALTER FUNCTION touch() RENAME TO set_updated_at;\n"
				    "ALTER FUNCTION total(bigint) RENAME TO order_total;"),
		text_input("3.sql", "DROP FUNCTION set_updated_at() CASCADE;"),
		text_input("4.sql", "DROP FUNCTION order_total(bigint) CASCADE;"),
	};
	gk_report *r = run(in, 4);
	const char *m = only(r, "2.sql", "rename-function");
	assert_non_null(m);
	assert_non_null(strstr(m, "total to order_total"));
	m = only(r, "3.sql", "drop-cascade");
	assert_non_null(m);
	assert_non_null(strstr(m, "every trigger that calls it"));
	m = only(r, "4.sql", "drop-cascade");
	assert_non_null(m);
	assert_null(strstr(m, "every trigger that calls it"));
	gk_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hazards__drop_type_cascade_names_the_columns),
		cmocka_unit_test(test_hazards__domain_constraint_names_the_columns),
		cmocka_unit_test(test_hazards__attach_partition_sees_an_earlier_check),
		cmocka_unit_test(test_hazards__attach_partition_reads_the_default_partition),
		cmocka_unit_test(test_hazards__detach_partition_with_a_default_partition),
		cmocka_unit_test(test_hazards__trigger_functions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
