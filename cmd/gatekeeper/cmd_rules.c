/*
 * cmd_rules.c - `gatekeeper rules`: the rule catalogue, as a table for a
 * terminal or as the Markdown table in README.md (a test keeps the two
 * identical, so the README cannot drift from the registry).
 */
#include "cmd.h"
#include "gatekeeper/report.h"
#include "gatekeeper/rules.h"

#include <stdlib.h>
#include <string.h>

enum { OPT_FORMAT = 1 };

static const gk_opt rules_opts[] = {
	{"format", 'f', GK_OPT_VALUE, "text|markdown", "output format (default text)", OPT_FORMAT},
	{0},
};

static int apply(void *ctx, const gk_opt *o, const char *v)
{
	(void)o;
	if (strcmp(v, "text") && strcmp(v, "markdown"))
		return gk_usage_error("rules: --format must be text or markdown, not '%s'", v);
	*(const char **)ctx = v;
	return 0;
}

void gk_rules_print_markdown(FILE *out)
{
	fputs("| id | category | severity | catches |\n|---|---|---|---|\n", out);
	for (size_t i = 0; i < gk_rules_count(); i++) {
		const gk_rule_info *r = gk_rule_at(i);
		fprintf(out, "| `%s` | %s | %s | %s |\n", r->id, gk_category_name(r->category),
			gk_severity_name(r->severity), r->summary);
	}
}

static int rules_main(int argc, char **argv)
{
	const char *format = "text";
	char **pos = NULL;
	int npos = 0;
	int rc = gk_opts_parse(&gk_cmd_rules, argc, argv, apply, &format, &pos, &npos);
	free(pos);
	if (rc)
		return rc;
	if (npos)
		return gk_usage_error("rules: takes no arguments (use 'gatekeeper explain RULE')");
	if (strcmp(format, "markdown") == 0) {
		gk_rules_print_markdown(stdout);
		return GK_EXIT_PASS;
	}
	for (size_t i = 0; i < gk_rules_count(); i++) {
		const gk_rule_info *r = gk_rule_at(i);
		printf("%-32s %-13s %-8s %s\n", r->id, gk_category_name(r->category), gk_severity_name(r->severity),
		       r->summary);
	}
	return GK_EXIT_PASS;
}

const gk_cmd gk_cmd_rules = {
	.name = "rules",
	.summary = "list every rule with its category, default severity and summary",
	.usage = "[--format text|markdown]",
	.opts = rules_opts,
	.run = rules_main,
};
