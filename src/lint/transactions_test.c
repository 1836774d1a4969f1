/*
 * transactions_test.c - the words of the transaction rules follow the
 * runner model and the tool: the examples show which statements are
 * reported, these tests what the findings say (Prisma's P3009 only for
 * Prisma, the one-query runner by name, the fix that fits the model).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "gatekeeper/lint.h"

static gk_report *lint(const char *sql, enum gk_runner runner, enum gk_layout_kind tool)
{
	gk_lint_options o;
	gk_lint_options_init(&o);
	o.jobs = 1;
	gk_lint_input in = {.path = "migration.sql", .text = sql, .len = strlen(sql), .runner = runner, .tool = tool,
			    .role = GK_LINT_CHECK, .new_change = true};
	gk_report *r = gk_report_new("test");
	gk_error err = {0};
	assert_int_equal(gk_lint_inputs(r, &o, &in, 1, &err), 0);
	return r;
}

static const gk_finding *find(const gk_report *r, const char *rule)
{
	for (size_t i = 0; i < r->n_findings; i++)
		if (strcmp(r->findings[i].rule_id, rule) == 0)
			return &r->findings[i];
	fail_msg("no %s finding", rule);
	return NULL;
}

static void test_transactions__non_atomic_names_p3009_for_prisma_only(void **state)
{
	(void)state;
	const char *sql = "ALTER TABLE users ADD COLUMN plan text;\nUPDATE users SET plan = 'free';";
	gk_report *r = lint(sql, GK_RUNNER_SPLIT, GK_LAYOUT_PRISMA);
	const gk_finding *f = find(r, "non-atomic-migration");
	assert_int_equal(f->statement_index, 2);
	assert_non_null(strstr(f->message, "P3009"));
	assert_non_null(strstr(f->message, "2 statements of this migration commit as 2 separate transactions"));
	assert_non_null(strstr(f->help, "BEGIN; SET LOCAL lock_timeout = '2s'; ... COMMIT;"));
	gk_report_free(r);
	r = lint(sql, GK_RUNNER_SPLIT, GK_LAYOUT_AUTO);
	f = find(r, "non-atomic-migration");
	assert_null(strstr(f->message, "P3009"));
	assert_null(strstr(f->message, "Prisma"));
	gk_report_free(r);
}

static void test_transactions__non_atomic_moves_concurrently_out(void **state)
{
	(void)state;
	gk_report *r = lint("CREATE TABLE plans (id bigint);\nCREATE INDEX CONCURRENTLY users_plan_idx ON users (plan_id);",
			    GK_RUNNER_SPLIT, GK_LAYOUT_PRISMA);
	const gk_finding *f = find(r, "non-atomic-migration");
	assert_non_null(strstr(f->help, "Move CREATE INDEX CONCURRENTLY to a migration of its own"));
	gk_report_free(r);
}

/* A file sent as one query: the sender by name, and for Prisma the
 * fallback of 7.4+ for files its splitter cannot parse. */
static void test_transactions__whole_names_the_sender(void **state)
{
	(void)state;
	const char *sql = "SET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);";
	gk_report *r = lint(sql, GK_RUNNER_WHOLE, GK_LAYOUT_PRISMA);
	const gk_finding *f = find(r, "concurrently-in-transaction");
	assert_non_null(strstr(f->message, "Prisma sends the whole file at once"));
	assert_non_null(strstr(f->help, "Prisma 7.4+"));
	gk_report_free(r);
	r = lint(sql, GK_RUNNER_WHOLE, GK_LAYOUT_GOLANG_MIGRATE);
	f = find(r, "concurrently-in-transaction");
	assert_non_null(strstr(f->message, "golang-migrate sends the whole file at once"));
	assert_null(strstr(f->help, "Prisma"));
	gk_report_free(r);
}

/* Under SPLIT the way out of the block is to move ADD VALUE before BEGIN. */
static void test_transactions__enum_value_fix_follows_the_model(void **state)
{
	(void)state;
	const char *sql = "BEGIN;\nALTER TYPE plan ADD VALUE 'pro';\nUPDATE users SET plan = 'pro';\nCOMMIT;";
	gk_report *r = lint(sql, GK_RUNNER_SPLIT, GK_LAYOUT_PRISMA);
	assert_non_null(strstr(find(r, "enum-value-in-transaction")->help, "move it before the BEGIN"));
	gk_report_free(r);
	r = lint(sql, GK_RUNNER_PER_FILE, GK_LAYOUT_FLYWAY);
	assert_non_null(strstr(find(r, "enum-value-in-transaction")->help, "migration of its own"));
	gk_report_free(r);
}

static void test_transactions__uncommitted_and_leak_speak_of_prisma(void **state)
{
	(void)state;
	gk_report *r = lint("SET search_path = billing;\nBEGIN;\nCREATE TABLE invoices (id bigint);", GK_RUNNER_SPLIT,
			    GK_LAYOUT_PRISMA);
	assert_non_null(strstr(find(r, "uncommitted-transaction")->message, "Prisma records it"));
	const gk_finding *f = find(r, "session-setting-leak");
	assert_non_null(strstr(f->message, "SET search_path lasts for the session"));
	assert_non_null(strstr(f->help, "RESET search_path;"));
	gk_report_free(r);
	r = lint("SET search_path = billing;\nCREATE TABLE invoices (id bigint);\nCREATE TABLE items (id bigint);",
		 GK_RUNNER_WHOLE, GK_LAYOUT_PRISMA);
	assert_non_null(strstr(find(r, "session-setting-leak")->help, "Use `SET LOCAL search_path`"));
	gk_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transactions__non_atomic_names_p3009_for_prisma_only),
		cmocka_unit_test(test_transactions__non_atomic_moves_concurrently_out),
		cmocka_unit_test(test_transactions__whole_names_the_sender),
		cmocka_unit_test(test_transactions__enum_value_fix_follows_the_model),
		cmocka_unit_test(test_transactions__uncommitted_and_leak_speak_of_prisma),
	};
	return cmocka_run_group_tests_name("transactions", tests, NULL, NULL);
}
