/*
 * rules_test.c - every rule's examples are its tests, and the registry
 * keeps its promises (like curl's test1139 for options):
 *   - ids are kebab-case, sorted and unique;
 *   - every rule has a summary, why, help and at least one BAD and one OK
 *     example;
 *   - each BAD example triggers the rule (exactly `hits` times when given)
 *     and each OK example does not, with the example's PostgreSQL version,
 *     runner and tool;
 *   - an opt-in rule (default severity off) runs its examples turned on,
 *     and its BAD examples report nothing when it is left off.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "gatekeeper/lint.h"
#include "gatekeeper/rules.h"
#include "rules/rules.h"
#include "rules/rules_test_support.h"

static size_t count_rule(const gk_report *r, const char *id)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_findings; i++)
		n += strcmp(r->findings[i].rule_id, id) == 0;
	return n;
}

static void dump(const gk_report *r)
{
	for (size_t i = 0; i < r->n_findings; i++)
		print_message("    %d:%d %s: %s\n", r->findings[i].line, r->findings[i].column, r->findings[i].rule_id,
			      r->findings[i].message);
}

/* A rule tested elsewhere: its test file must exist and name the rule. */
static void check_tested_by(const gk_rule_info *rule)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", GK_SOURCE_DIR, rule->tested_by);
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("%s: tested_by file %s does not exist", rule->id, rule->tested_by);
	static char text[1 << 20];
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	char quoted[140];
	snprintf(quoted, sizeof quoted, "\"%s\"", rule->id);
	if (!strstr(text, quoted))
		fail_msg("%s: %s never names the rule", rule->id, rule->tested_by);
}

static void test_rule_examples(void **state)
{
	const gk_rule_info *rule = gk_rule_at((size_t)(uintptr_t)*state);
	size_t bad = 0, ok = 0;
	if (rule->tested_by) {
		check_tested_by(rule);
		return;
	}
	for (size_t i = 0; i < GK_RULE_MAX_EXAMPLES && rule->examples[i].sql; i++) {
		const gk_rule_example *ex = &rule->examples[i];
		gk_lint_options o;
		example_options(&o, ex);
		gk_report *r = gk_report_new("test");
		gk_error err = {0};
		gk_runner_settings settings;
		example_settings(&settings, &o, ex);
		gk_lint_input in = example_input(ex, &settings);
		bool want = ex->kind == GK_EXAMPLE_BAD;
		if (rule->severity == GK_SEV_OFF) {
			/* Opt-in: quiet by default, the example's verdict once turned on. */
			assert_int_equal(gk_lint_inputs(r, &o, &in, 1, &err), 0);
			if (count_rule(r, rule->id))
				fail_msg("%s is off by default but example %zu reported it", rule->id, i + 1);
			gk_report_free(r);
			r = gk_report_new("test");
			assert_int_equal(gk_lint_options_set_severity(&o, rule->id, GK_SEV_WARNING), 0);
		}
		assert_int_equal(gk_lint_inputs(r, &o, &in, 1, &err), 0);
		size_t hits = count_rule(r, rule->id);
		if ((hits > 0) != want || (want && ex->hits > 0 && hits != (size_t)ex->hits)) {
			print_error("%s example %zu (%s, pg %d, runner %s, tool %s) %s:\n%s\n", rule->id, i + 1,
				    want ? "BAD" : "OK", o.pg_version, gk_runner_name(o.runner),
				    ex->tool == GK_LAYOUT_AUTO ? "unknown" : gk_layout_kind_name(ex->tool),
				    want ? (hits ? "triggered the rule a different number of times" : "did not trigger the rule")
					 : "triggered the rule",
				    ex->sql);
			dump(r);
			gk_report_free(r);
			fail();
		}
		gk_report_free(r);
		bad += want;
		ok += !want;
	}
	if (!bad || !ok)
		fail_msg("%s needs at least one BAD and one OK example (has %zu and %zu)", rule->id, bad, ok);
}

/* Findings of `rule` when BAD example `ex` is linted at PostgreSQL `pg`. */
static size_t hits_at(const gk_rule_info *rule, const gk_rule_example *ex, int pg)
{
	gk_lint_options o;
	example_options(&o, ex);
	o.pg_version = pg;
	gk_runner_settings settings;
	example_settings(&settings, &o, ex);
	if (rule->severity == GK_SEV_OFF)
		assert_int_equal(gk_lint_options_set_severity(&o, rule->id, GK_SEV_WARNING), 0);
	gk_lint_input in = example_input(ex, &settings);
	gk_report *r = gk_report_new("test");
	gk_error err = {0};
	assert_int_equal(gk_lint_inputs(r, &o, &in, 1, &err), 0);
	size_t n = count_rule(r, rule->id);
	gk_report_free(r);
	return n;
}

/*
 * A rule with a PostgreSQL version range (pg_min, pg_max) is not run
 * outside it: each BAD example, which triggers the rule at its own version
 * (inside the range), reports nothing at pg_min - 1 and at pg_max + 1.
 */
static void test_version_ranges(void **state)
{
	(void)state;
	size_t ranged = 0;
	for (size_t i = 0; i < gk_rules_count(); i++) {
		const gk_rule_info *rule = gk_rule_at(i);
		if (!rule->pg_min && !rule->pg_max)
			continue;
		ranged++;
		if (rule->pg_min < 0 || rule->pg_max < 0 || (rule->pg_max && rule->pg_min > rule->pg_max))
			fail_msg("%s: version range %d..%d is empty", rule->id, rule->pg_min, rule->pg_max);
		for (size_t k = 0; k < GK_RULE_MAX_EXAMPLES && rule->examples[k].sql; k++) {
			const gk_rule_example *ex = &rule->examples[k];
			int pg = ex->pg_version ? ex->pg_version : GK_PG_DEFAULT_VERSION;
			if ((rule->pg_min && pg < rule->pg_min) || (rule->pg_max && pg > rule->pg_max)) {
				if (ex->kind == GK_EXAMPLE_BAD)
					fail_msg("%s: BAD example %zu is for PostgreSQL %d, outside the rule's range", rule->id,
						 k + 1, pg);
				continue;
			}
			if (ex->kind != GK_EXAMPLE_BAD)
				continue;
			if (rule->pg_min && hits_at(rule, ex, rule->pg_min - 1))
				fail_msg("%s: BAD example %zu reports on PostgreSQL %d, below pg_min", rule->id, k + 1,
					 rule->pg_min - 1);
			if (rule->pg_max && hits_at(rule, ex, rule->pg_max + 1))
				fail_msg("%s: BAD example %zu reports on PostgreSQL %d, above pg_max", rule->id, k + 1,
					 rule->pg_max + 1);
		}
	}
	assert_true(ranged > 0);
}

static bool kebab(const char *s)
{
	if (!*s || *s == '-')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || (*s == '-' && s[1] && s[1] != '-')))
			return false;
	return true;
}

static void test_registry_sorted_unique_documented(void **state)
{
	(void)state;
	assert_true(gk_rules_count() > 0);
	for (size_t i = 0; i < gk_rules_count(); i++) {
		const gk_rule_info *r = gk_rule_at(i);
		if (!kebab(r->id))
			fail_msg("rule id '%s' is not kebab-case", r->id);
		if (i && strcmp(gk_rule_at(i - 1)->id, r->id) >= 0)
			fail_msg("rules.def is not sorted by id: '%s' before '%s'", gk_rule_at(i - 1)->id, r->id);
		if (!r->summary || !*r->summary || !r->why || !*r->why || !r->help || !*r->help)
			fail_msg("rule '%s' lacks summary, why or help", r->id);
		assert_int_equal(gk_rule_index(r->id), (int)i);
		assert_ptr_equal(gk_rule_find(r->id), r);
		assert_ptr_equal(gk_rule_info_of((enum gk_rule_id)i), r);
	}
	assert_null(gk_rule_find("no-such-rule"));
	assert_int_equal(gk_rules_count(), GK_RULE_ID_COUNT);
	assert_string_equal(gk_rule_info_of(GK_RULE_ID_drift_missing)->id, "drift-missing");
}

int main(void)
{
	static struct CMUnitTest tests[GK_RULES_MAX + 2];
	size_t n = 0;
	tests[n++] = (struct CMUnitTest){"registry_sorted_unique_documented", test_registry_sorted_unique_documented,
					 NULL, NULL, NULL};
	tests[n++] = (struct CMUnitTest){"version_ranges", test_version_ranges, NULL, NULL, NULL};
	for (size_t i = 0; i < gk_rules_count(); i++)
		tests[n++] = (struct CMUnitTest){gk_rule_at(i)->id, test_rule_examples, NULL, NULL, (void *)(uintptr_t)i};
	return _cmocka_run_group_tests("rules", tests, n, NULL, NULL);
}
