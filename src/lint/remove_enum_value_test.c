/*
 * remove_enum_value_test.c - what the rule examples cannot show, because
 * the old values of the enum come from earlier migrations: the removed
 * values are named, a reorder is left to alter-column-type, values added by
 * ALTER TYPE ... ADD VALUE and renamed types are followed, and the finding
 * covers alter-column-type on the recreation's ALTER COLUMNs (one hazard,
 * one finding) but not elsewhere.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "gatekeeper/lint.h"

/* Lint `history` as context, then `change` as the change under review. */
static gk_report *lint(const char *history, const char *change)
{
	gk_lint_options o;
	gk_lint_options_init(&o);
	o.jobs = 1;
	o.runner = GK_RUNNER_PER_FILE;
	gk_lint_input in[2] = {
		{.path = "1.sql", .text = history, .len = strlen(history), .role = GK_LINT_CONTEXT},
		{.path = "2.sql", .text = change, .len = strlen(change), .role = GK_LINT_CHECK, .new_change = true},
	};
	gk_report *r = gk_report_new("test");
	gk_error err = {0};
	assert_int_equal(gk_lint_inputs(r, &o, in, 2, &err), 0);
	return r;
}

static size_t count(const gk_report *r, const char *rule, const gk_finding **last)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_findings; i++)
		if (strcmp(r->findings[i].rule_id, rule) == 0) {
			n++;
			*last = &r->findings[i];
		}
	return n;
}

#define RECREATE(newvals)                                                                                        \
	"BEGIN;\n"                                                                                                  \
	"CREATE TYPE \"Status_new\" AS ENUM (" newvals ");\n"                                                      \
	"ALTER TABLE \"Post\" ALTER COLUMN \"status\" DROP DEFAULT;\n"                                              \
	"ALTER TABLE \"Post\" ALTER COLUMN \"status\" TYPE \"Status_new\" USING (\"status\"::text::\"Status_new\");\n" \
	"ALTER TYPE \"Status\" RENAME TO \"Status_old\";\n"                                                          \
	"ALTER TYPE \"Status_new\" RENAME TO \"Status\";\n"                                                          \
	"DROP TYPE \"Status_old\";\n"                                                                               \
	"ALTER TABLE \"Post\" ALTER COLUMN \"status\" SET DEFAULT 'draft';\n"                                       \
	"COMMIT;\n"

static const char history[] = "CREATE TYPE \"Status\" AS ENUM ('draft', 'live', 'archived');\n"
			      "CREATE TABLE \"Post\" (id int, status \"Status\" NOT NULL DEFAULT 'draft');\n"
			      "ALTER TYPE \"Status\" ADD VALUE 'deleted';\n";

static void test_removed_values_named(void **state)
{
	(void)state;
	const gk_finding *f = NULL;
	gk_report *r = lint(history, RECREATE("'draft', 'live'"));
	assert_int_equal(count(r, "remove-enum-value", &f), 1);
	assert_non_null(strstr(f->message, "without its values 'archived', 'deleted'"));
	assert_non_null(strstr(f->message, "ACCESS EXCLUSIVE"));
	assert_non_null(strstr(f->message, "line 2"));
	assert_int_equal(f->line, 4); /* the ALTER COLUMN */
	assert_int_equal(f->severity, GK_SEV_ERROR);
	/* the rewrite is in the finding: alter-column-type does not say it again */
	assert_int_equal(count(r, "alter-column-type", &f), 0);
	gk_report_free(r);
}

static void test_reorder_left_to_alter_column_type(void **state)
{
	(void)state;
	const gk_finding *f = NULL;
	gk_report *r = lint(history, RECREATE("'deleted', 'archived', 'live', 'draft', 'new'"));
	assert_int_equal(count(r, "remove-enum-value", &f), 0);
	assert_int_equal(count(r, "alter-column-type", &f), 1);
	gk_report_free(r);
}

/* A second recreation knows the values the first one left, under the old name. */
static void test_follows_renames(void **state)
{
	(void)state;
	const gk_finding *f = NULL;
	char both[4096];
	snprintf(both, sizeof both, "%s%s", history, RECREATE("'draft', 'live', 'archived'"));
	gk_report *r = lint(both, RECREATE("'draft', 'archived'"));
	assert_int_equal(count(r, "remove-enum-value", &f), 1);
	assert_non_null(strstr(f->message, "without its value 'live':"));
	gk_report_free(r);
}

/* Only the recreation's ALTER COLUMNs are covered. */
static void test_other_alter_column_type_kept(void **state)
{
	(void)state;
	const gk_finding *f = NULL;
	gk_report *r = lint(history, RECREATE("'draft'") "ALTER TABLE \"Post\" ALTER COLUMN id TYPE bigint;\n");
	assert_int_equal(count(r, "remove-enum-value", &f), 1);
	assert_int_equal(count(r, "alter-column-type", &f), 1);
	assert_non_null(strstr(f->message, "bigint"));
	gk_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_removed_values_named),
		cmocka_unit_test(test_reorder_left_to_alter_column_type),
		cmocka_unit_test(test_follows_renames),
		cmocka_unit_test(test_other_alter_column_type_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
