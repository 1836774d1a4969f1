/*
 * rules_test_support.h - lint one example of a rule the way its tests
 * mean it: with the example's PostgreSQL version, runner, tool, tool
 * version and tool setting (rules_test.c, snapshot_test.c).  Static
 * functions for test programs only, included after <cmocka.h>.
 */
#ifndef GK_RULES_TEST_SUPPORT_H
#define GK_RULES_TEST_SUPPORT_H

#include <stdio.h>
#include <string.h>

#include "gatekeeper/lint.h"
#include "gatekeeper/rules.h"
#include "layout/runner.h"

/* The lint options of example `ex`: its version (0 = the default), its
 * runner (auto = per file, or the tool's model for an example of a tool). */
static void example_options(gk_lint_options *o, const gk_rule_example *ex)
{
	gk_lint_options_init(o);
	o->jobs = 1;
	o->pg_version = ex->pg_version ? ex->pg_version : GK_PG_DEFAULT_VERSION;
	o->runner = ex->runner == GK_RUNNER_AUTO ? GK_RUNNER_PER_FILE : ex->runner;
	/* An example of a tool: the runner model decides, as for the tool's folders. */
	if (ex->tool != GK_LAYOUT_AUTO && ex->runner == GK_RUNNER_AUTO)
		o->runner = GK_RUNNER_AUTO;
	if (ex->tool_version)
		snprintf(o->prisma_version, sizeof o->prisma_version, "%s", ex->tool_version);
}

/* The runner settings of example `ex` (its tool and tool setting), into
 * *settings; `o` learns golang-migrate's x-multi-statement. */
static void example_settings(gk_runner_settings *settings, gk_lint_options *o, const gk_rule_example *ex)
{
	gk_runner_settings_init(settings, ex->tool);
	if (ex->tool_setting && strcmp(ex->tool_setting, "x-multi-statement") == 0)
		o->golang_multi_statement = true;
	else if (ex->tool_setting && strcmp(ex->tool_setting, "engine: js") == 0)
		settings->prisma_js_engine = true;
	else
		assert_null(ex->tool_setting);
	snprintf(settings->prisma_js_source, sizeof settings->prisma_js_source, "%s", "prisma.config.ts");
}

/* The input of example `ex`, as the file example.sql. */
static gk_lint_input example_input(const gk_rule_example *ex, const gk_runner_settings *settings)
{
	return (gk_lint_input){.path = "example.sql", .text = ex->sql, .len = strlen(ex->sql), .tool = ex->tool,
			       .role = GK_LINT_CHECK, .new_change = true, .settings = settings};
}

#endif
