/*
 * lock_timeout_test.c - what the rule examples cannot show, because they
 * need options or several files: `lock_timeout: external`, the one
 * recommended value (lock_timeout_advice), a timeout set by an earlier
 * migration, that the forms lint recommends for lock_timeout do not
 * trigger the rules about transactions and session settings, which
 * values and forms set a timeout at all, and the tables a statement locks
 * without naming them, which the message names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "gatekeeper/lint.h"

typedef struct file {
	const char *sql;
	enum gk_runner runner;
	enum gk_layout_kind tool;
} file;

static gk_report *lint(const gk_lint_options *o, const file *files, size_t n)
{
	gk_lint_input in[4];
	assert_true(n <= 4);
	for (size_t i = 0; i < n; i++)
		in[i] = (gk_lint_input){.path = i ? "2.sql" : "1.sql", .text = files[i].sql, .len = strlen(files[i].sql),
					.runner = files[i].runner, .tool = files[i].tool, .role = GK_LINT_CHECK,
					.new_change = true};
	gk_report *r = gk_report_new("test");
	gk_error err = {0};
	assert_int_equal(gk_lint_inputs(r, o, in, n, &err), 0);
	return r;
}

static const gk_finding *find(const gk_report *r, const char *path, const char *rule)
{
	for (size_t i = 0; i < r->n_findings; i++)
		if (strcmp(r->findings[i].rule_id, rule) == 0 && (!path || strcmp(r->findings[i].path, path) == 0))
			return &r->findings[i];
	return NULL;
}

static void options(gk_lint_options *o)
{
	gk_lint_options_init(o);
	o->jobs = 1;
}

static const char alter[] = "ALTER TABLE users ADD COLUMN nickname text;\nUPDATE users SET nickname = name;";

static void test_lock_timeout__external_needs_none_in_the_files(void **state)
{
	(void)state;
	gk_lint_options o;
	options(&o);
	file f = {alter, GK_RUNNER_PER_FILE, GK_LAYOUT_AUTO};
	gk_report *r = lint(&o, &f, 1);
	assert_non_null(find(r, NULL, "missing-lock-timeout"));
	gk_report_free(r);
	o.lock_timeout_external = true;
	r = lint(&o, &f, 1);
	assert_null(find(r, NULL, "missing-lock-timeout"));
	gk_report_free(r);
}

/* Every help that names a value names the configured one, written once. */
static void test_lock_timeout__advice_is_the_configured_value(void **state)
{
	(void)state;
	gk_lint_options o;
	options(&o);
	o.lock_timeout_advice_ms = 500;
	file f[] = {{alter, GK_RUNNER_SPLIT, GK_LAYOUT_PRISMA},
		    {"SET lock_timeout = '9s';\nALTER TABLE users ADD COLUMN a text;", GK_RUNNER_SPLIT, GK_LAYOUT_PRISMA}};
	gk_report *r = lint(&o, f, 2);
	const char *rules[] = {"missing-lock-timeout", "non-atomic-migration"};
	for (size_t i = 0; i < 2; i++) {
		const gk_finding *fd = find(r, "1.sql", rules[i]);
		assert_non_null(fd);
		assert_non_null(strstr(fd->help, "lock_timeout = '500ms'"));
		assert_null(strstr(fd->help, "'2s'"));
	}
	const gk_finding *leak = find(r, "2.sql", "session-setting-leak");
	assert_non_null(leak);
	assert_non_null(strstr(leak->help, "SET LOCAL lock_timeout = '500ms'"));
	assert_non_null(strstr(leak->help, "RESET lock_timeout"));
	gk_report_free(r);
	o.lock_timeout_advice_ms = 3000;
	r = lint(&o, f, 1);
	assert_non_null(strstr(find(r, "1.sql", "missing-lock-timeout")->help, "lock_timeout = '3s'"));
	gk_report_free(r);
}

/* A timeout a previous migration left in the session does not count: the
 * migrations of one deploy differ from run to run. */
static void test_lock_timeout__earlier_migration_does_not_cover(void **state)
{
	(void)state;
	gk_lint_options o;
	options(&o);
	file f[] = {{"SET lock_timeout = '2s';\nCREATE TABLE t (id int);", GK_RUNNER_SPLIT, GK_LAYOUT_AUTO},
		    {"ALTER TABLE users ADD COLUMN nickname text;", GK_RUNNER_SPLIT, GK_LAYOUT_AUTO}};
	gk_report *r = lint(&o, f, 2);
	assert_non_null(find(r, "2.sql", "missing-lock-timeout"));
	gk_report_free(r);
}

/*
 * Which statements give the ALTER after them a timeout, as the server
 * would: values read with their units and rounding, set_config() like SET
 * (is_local like SET LOCAL), and a local setting only inside a transaction
 * of the runner model.
 */
static void test_lock_timeout__values_and_forms_as_the_server_reads_them(void **state)
{
	(void)state;
	static const struct {
		const char *before;
		enum gk_runner runner;
		bool covered;
	} cases[] = {
		{"SET lock_timeout = '0.5s';", GK_RUNNER_SPLIT, true},
		{"SET lock_timeout = '500ms';", GK_RUNNER_SPLIT, true},
		{"SET lock_timeout = '0.001min';", GK_RUNNER_SPLIT, false}, /* min rounds to whole s: 0 */
		{"SET lock_timeout = 0.6;", GK_RUNNER_SPLIT, true},
		{"SET lock_timeout = '1500us';", GK_RUNNER_SPLIT, true},
		{"SET lock_timeout = '400us';", GK_RUNNER_SPLIT, false}, /* rounds to 0: no timeout */
		{"SET lock_timeout = '0.5ms';", GK_RUNNER_SPLIT, false}, /* rint(0.5) is 0 */
		{"SET lock_timeout = '0s';", GK_RUNNER_SPLIT, false},
		{"SET lock_timeout = '2 seconds';", GK_RUNNER_SPLIT, false}, /* rejected by the server */
		{"SET lock_timeout = '2s';\nSET lock_timeout TO DEFAULT;", GK_RUNNER_SPLIT, false},
		{"SELECT set_config('lock_timeout', '2s', false);", GK_RUNNER_SPLIT, true},
		{"SELECT pg_catalog.set_config('lock_timeout', '0.5s', false);", GK_RUNNER_SPLIT, true},
		{"SELECT set_config('lock_timeout', '0', false);", GK_RUNNER_SPLIT, false},
		{"SELECT set_config('statement_timeout', '2s', false);", GK_RUNNER_SPLIT, false},
		{"SELECT set_config('lock_timeout', '2s', true);", GK_RUNNER_SPLIT, false}, /* its own transaction */
		{"SELECT set_config('lock_timeout', '2s', true);", GK_RUNNER_PER_FILE, true},
		{"SELECT set_config('lock_timeout', '2s', true);", GK_RUNNER_WHOLE, true},
		{"BEGIN;\nSELECT set_config('lock_timeout', '2s', true);", GK_RUNNER_SPLIT, true},
		{"SET LOCAL lock_timeout = '2s';", GK_RUNNER_SPLIT, false},
		{"SET LOCAL lock_timeout = '2s';", GK_RUNNER_PER_FILE, true},
		{"BEGIN;\nSET LOCAL lock_timeout = '2s';\nCOMMIT;", GK_RUNNER_PER_FILE, false},
	};
	gk_lint_options o;
	options(&o);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char sql[256];
		snprintf(sql, sizeof sql, "%s\nALTER TABLE users ADD COLUMN nickname text;", cases[i].before);
		file f = {sql, cases[i].runner, GK_LAYOUT_AUTO};
		gk_report *r = lint(&o, &f, 1);
		bool reported = find(r, NULL, "missing-lock-timeout") != NULL;
		if (reported == cases[i].covered)
			fail_msg("%s (runner %s): %s", cases[i].before, gk_runner_name(cases[i].runner),
				 reported ? "reported, but the timeout is set" : "not reported, but no timeout is set");
		gk_report_free(r);
	}
}

/* The forms the helps recommend pass every rule about lock_timeout,
 * transactions and session settings, under the model they are given for. */
static void test_lock_timeout__recommended_forms_pass(void **state)
{
	(void)state;
	static const char *const quiet[] = {"missing-lock-timeout", "session-setting-leak", "set-local-outside-transaction",
					    "non-atomic-migration", "transaction-control", "uncommitted-transaction",
					    "concurrently-in-transaction"};
	const file forms[] = {
		{"SET LOCAL lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;\n"
		 "UPDATE users SET nickname = name;", GK_RUNNER_WHOLE, GK_LAYOUT_PRISMA},
		{"BEGIN;\nSET LOCAL lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;\n"
		 "UPDATE users SET nickname = name;\nCOMMIT;", GK_RUNNER_SPLIT, GK_LAYOUT_PRISMA},
		{"SET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY users_nickname_idx ON users (nickname);\n"
		 "RESET lock_timeout;", GK_RUNNER_SPLIT, GK_LAYOUT_PRISMA},
		{"SET LOCAL lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;", GK_RUNNER_PER_FILE,
		 GK_LAYOUT_FLYWAY},
	};
	gk_lint_options o;
	options(&o);
	for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
		gk_report *r = lint(&o, &forms[i], 1);
		for (size_t k = 0; k < sizeof quiet / sizeof *quiet; k++)
			if (find(r, NULL, quiet[k]))
				fail_msg("form %zu (runner %s) triggers %s: %s", i + 1, gk_runner_name(forms[i].runner),
					 quiet[k], find(r, NULL, quiet[k])->message);
		gk_report_free(r);
	}
}

/* The locks on tables the statement does not name are in the message. */
static void test_lock_timeout__names_the_tables_not_named(void **state)
{
	(void)state;
	gk_lint_options o;
	options(&o);
	const char *history = "CREATE TABLE orders (id bigint PRIMARY KEY);\n"
			      "CREATE TABLE items (id bigint, order_id bigint REFERENCES orders (id));\n"
			      "CREATE TABLE events (id bigint, at date) PARTITION BY RANGE (at);\n"
			      "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n"
			      "CREATE TABLE events_default PARTITION OF events DEFAULT;\n"
			      "CREATE TABLE events_2025 (id bigint, at date);";
	file f[] = {{history, GK_RUNNER_PER_FILE, 0}, {"ALTER TABLE items DROP CONSTRAINT items_order_id_fkey;", GK_RUNNER_PER_FILE, 0}};
	gk_report *r = lint(&o, f, 2);
	const gk_finding *x = find(r, "2.sql", "missing-lock-timeout");
	assert_non_null(x);
	assert_non_null(strstr(x->message, "ALTER TABLE locks items in ACCESS EXCLUSIVE mode (blocks all reads and writes), "
					   "and ACCESS EXCLUSIVE on orders (the table the dropped foreign key referenced) "
					   "with no lock_timeout set"));
	gk_report_free(r);
	f[1].sql = "ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');";
	r = lint(&o, f, 2);
	x = find(r, "2.sql", "missing-lock-timeout");
	assert_non_null(x);
	assert_non_null(strstr(x->message, "locks events_2025 in ACCESS EXCLUSIVE mode (blocks all reads and writes), and "
					   "ACCESS EXCLUSIVE on events_default (the default partition, read for rows of the "
					   "new partition)"));
	gk_report_free(r);

	/* A partitioned table's partitions, named together. */
	f[1].sql = "DROP TABLE events;";
	r = lint(&o, f, 2);
	x = find(r, "2.sql", "missing-lock-timeout");
	assert_non_null(x);
	assert_non_null(strstr(x->message, "DROP TABLE locks events in ACCESS EXCLUSIVE mode (blocks all reads and writes), "
					   "and ACCESS EXCLUSIVE on its partitions events_2024, events_default with no "
					   "lock_timeout set"));
	gk_report_free(r);
	f[1].sql = "TRUNCATE events;";
	r = lint(&o, f, 2);
	x = find(r, "2.sql", "missing-lock-timeout");
	assert_non_null(x);
	assert_non_null(strstr(x->message, "TRUNCATE locks events in ACCESS EXCLUSIVE mode (blocks all reads and writes), "
					   "and ACCESS EXCLUSIVE on its partitions events_2024, events_default with no"));
	gk_report_free(r);
	/* One alone is named as the other implied locks are. */
	f[1].sql = "DROP TABLE orders CASCADE;";
	r = lint(&o, f, 2);
	x = find(r, "2.sql", "missing-lock-timeout");
	assert_non_null(x);
	assert_non_null(strstr(x->message, "DROP TABLE locks orders in ACCESS EXCLUSIVE mode (blocks all reads and writes), "
					   "and ACCESS EXCLUSIVE on items (its foreign key to the dropped table goes with "
					   "CASCADE) with no lock_timeout set"));
	gk_report_free(r);
	/* A column with a foreign key: the key goes with it. */
	f[1].sql = "ALTER TABLE items DROP COLUMN order_id;";
	r = lint(&o, f, 2);
	x = find(r, "2.sql", "missing-lock-timeout");
	assert_non_null(x);
	assert_non_null(strstr(x->message, "ALTER TABLE locks items in ACCESS EXCLUSIVE mode (blocks all reads and writes), "
					   "and ACCESS EXCLUSIVE on orders (the table the dropped column's foreign key "
					   "referenced) with no lock_timeout set"));
	gk_report_free(r);
	/* Without CASCADE PostgreSQL refuses the drop: no lock on items. */
	f[1].sql = "DROP TABLE orders;";
	r = lint(&o, f, 2);
	x = find(r, "2.sql", "missing-lock-timeout");
	assert_non_null(x);
	assert_null(strstr(x->message, "items"));
	gk_report_free(r);
}

/* More partitions than one statement's lock list holds: the rest are counted. */
static void test_lock_timeout__counts_the_partitions_not_listed(void **state)
{
	(void)state;
	gk_lint_options o;
	options(&o);
	char history[4096] = "CREATE TABLE big (k int) PARTITION BY LIST (k);\n";
	for (int i = 0; i < 20; i++) {
		size_t len = strlen(history);
		snprintf(history + len, sizeof history - len, "CREATE TABLE big_%d PARTITION OF big FOR VALUES IN (%d);\n", i, i);
	}
	file f[] = {{history, GK_RUNNER_PER_FILE, 0}, {"DROP TABLE big;", GK_RUNNER_PER_FILE, 0}};
	gk_report *r = lint(&o, f, 2);
	const gk_finding *x = find(r, "2.sql", "missing-lock-timeout");
	assert_non_null(x);
	assert_non_null(strstr(x->message, "and ACCESS EXCLUSIVE on its partitions big_0, big_1, big_2, big_3, big_4, big_5, "
					   "big_6, big_7, big_8, big_9, big_10, big_11, big_12, big_13, big_14 and 5 more "
					   "with no lock_timeout set"));
	gk_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lock_timeout__external_needs_none_in_the_files),
		cmocka_unit_test(test_lock_timeout__advice_is_the_configured_value),
		cmocka_unit_test(test_lock_timeout__earlier_migration_does_not_cover),
		cmocka_unit_test(test_lock_timeout__recommended_forms_pass),
		cmocka_unit_test(test_lock_timeout__values_and_forms_as_the_server_reads_them),
		cmocka_unit_test(test_lock_timeout__names_the_tables_not_named),
		cmocka_unit_test(test_lock_timeout__counts_the_partitions_not_listed),
	};
	return cmocka_run_group_tests_name("lock_timeout", tests, NULL, NULL);
}
