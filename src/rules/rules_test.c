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
		gk_lint_options_init(&o);
		o.jobs = 1;
		o.pg_version = ex->pg_version ? ex->pg_version : 15;
		o.runner = ex->runner == GK_RUNNER_AUTO ? GK_RUNNER_PER_FILE : ex->runner;
		/* An example of a tool: the runner model decides, as for the tool's folders. */
		if (ex->tool != GK_LAYOUT_AUTO && ex->runner == GK_RUNNER_AUTO)
			o.runner = GK_RUNNER_AUTO;
		if (ex->tool_version)
			snprintf(o.prisma_version, sizeof o.prisma_version, "%s", ex->tool_version);
		gk_report *r = gk_report_new("test");
		gk_error err = {0};
		gk_runner_settings settings;
		gk_runner_settings_init(&settings, ex->tool);
		if (ex->tool_setting && strcmp(ex->tool_setting, "x-multi-statement") == 0)
			o.golang_multi_statement = true;
		else if (ex->tool_setting && strcmp(ex->tool_setting, "engine: js") == 0)
			settings.prisma_js_engine = true;
		else
			assert_null(ex->tool_setting);
		snprintf(settings.prisma_js_source, sizeof settings.prisma_js_source, "%s", "prisma.config.ts");
		gk_lint_input in = {.path = "example.sql", .text = ex->sql, .len = strlen(ex->sql), .tool = ex->tool,
				    .role = GK_LINT_CHECK, .new_change = true, .settings = &settings};
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
	}
	assert_null(gk_rule_find("no-such-rule"));
}

int main(void)
{
	static struct CMUnitTest tests[GK_RULES_MAX + 1];
	size_t n = 0;
	tests[n++] = (struct CMUnitTest){"registry_sorted_unique_documented", test_registry_sorted_unique_documented,
					 NULL, NULL, NULL};
	for (size_t i = 0; i < gk_rules_count(); i++)
		tests[n++] = (struct CMUnitTest){gk_rule_at(i)->id, test_rule_examples, NULL, NULL, (void *)(uintptr_t)i};
	return _cmocka_run_group_tests("rules", tests, n, NULL, NULL);
}
