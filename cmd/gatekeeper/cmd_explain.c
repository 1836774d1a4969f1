/* cmd_explain.c - `gatekeeper explain RULE`: one rule's documentation. */
#include "cmd.h"
#include "gatekeeper/report.h"
#include "gatekeeper/rules.h"
#include "layout/layout.h"

#include <stdlib.h>

static void print_example(const gk_rule_example *e)
{
	printf("\n  -- %s", e->kind == GK_EXAMPLE_BAD ? "flagged" : "accepted");
	if (e->pg_version)
		printf(", PostgreSQL %d", e->pg_version);
	if (e->runner != GK_RUNNER_AUTO)
		printf(", runner %s", gk_runner_name(e->runner));
	if (e->tool != GK_LAYOUT_AUTO)
		printf(", applied by %s", gk_layout_kind_name(e->tool));
	if (e->note)
		printf(": %s", e->note);
	fputs("\n  ", stdout);
	for (const char *p = e->sql; *p; p++) {
		putchar(*p);
		if (*p == '\n')
			fputs("  ", stdout);
	}
	putchar('\n');
}

static int explain_main(int argc, char **argv)
{
	char **pos = NULL;
	int npos = 0;
	int rc = gk_opts_parse(&gk_cmd_explain, argc, argv, NULL, NULL, &pos, &npos);
	if (rc == 0 && npos != 1)
		rc = gk_usage_error("explain: name one rule (see 'gatekeeper rules')");
	const gk_rule_info *r = rc == 0 ? gk_rule_find(pos[0]) : NULL;
	if (rc == 0 && !r) {
		char hint[128];
		gk_rule_hint(hint, sizeof hint, pos[0]);
		rc = gk_usage_error("explain: unknown rule '%s'%s (see 'gatekeeper rules')", pos[0], hint);
	}
	free(pos);
	if (rc)
		return rc;
	printf("%s  (%s, default severity %s)\n\n%s\n\nWhy: %s\n\nSafe recipe: %s\n", r->id,
	       gk_category_name(r->category), gk_severity_name(r->severity), r->summary, r->why, r->help);
	if (r->examples[0].sql)
		fputs("\nExamples:\n", stdout);
	for (size_t i = 0; i < GK_RULE_MAX_EXAMPLES && r->examples[i].sql; i++)
		print_example(&r->examples[i]);
	return GK_EXIT_PASS;
}

const gk_cmd gk_cmd_explain = {
	.name = "explain",
	.summary = "print one rule's documentation: why it matters, the safe recipe, examples",
	.usage = "RULE",
	.opts = NULL,
	.run = explain_main,
	.args = GK_ARGS_RULE,
};
