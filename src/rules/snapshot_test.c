/*
 * snapshot_test.c - each rule's BAD examples, linted, against the pinned
 * text report in testdata/rules/<rule-id>.txt.  rules_test.c checks that a
 * BAD example triggers its rule; this checks what the finding says: the
 * lock named, the message, the position, the help.  A change to any of
 * them shows as a diff of the snapshot, reviewed like code.
 *
 * GK_UPDATE_RULE_SNAPSHOTS=1 writes the files instead of comparing
 * (ci/update-rule-snapshots.sh).  A snapshot with no rule behind it fails
 * too, so a renamed rule does not leave its old file behind.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdlib.h>

#include "gatekeeper/render.h"
#include "rules/rules_test_support.h"

#define SNAPSHOT_DIR GK_SOURCE_DIR "/testdata/rules"

static bool updating(void)
{
	const char *u = getenv("GK_UPDATE_RULE_SNAPSHOTS");
	return u && strcmp(u, "1") == 0;
}

/* The text report of BAD example `ex` (no colour), appended to `out`. */
static void render_example(FILE *out, const gk_rule_info *rule, const gk_rule_example *ex, size_t number)
{
	gk_lint_options o;
	example_options(&o, ex);
	gk_runner_settings settings;
	example_settings(&settings, &o, ex);
	if (rule->severity == GK_SEV_OFF)
		assert_int_equal(gk_lint_options_set_severity(&o, rule->id, GK_SEV_WARNING), 0); /* opt-in: on */
	gk_lint_input in = example_input(ex, &settings);
	gk_report *r = gk_report_new("lint");
	assert_non_null(r);
	gk_error err = {0};
	assert_int_equal(gk_lint_inputs(r, &o, &in, 1, &err), 0);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	fprintf(out, "=== BAD example %zu: PostgreSQL %d, runner %s, tool %s%s%s%s%s\n", number, o.pg_version,
		gk_runner_name(o.runner), ex->tool == GK_LAYOUT_AUTO ? "unknown" : gk_layout_kind_name(ex->tool),
		ex->tool_version ? " " : "", ex->tool_version ? ex->tool_version : "", ex->tool_setting ? ", " : "",
		ex->tool_setting ? ex->tool_setting : "");
	fprintf(out, "%s%s", ex->sql, ex->sql[0] && ex->sql[strlen(ex->sql) - 1] == '\n' ? "" : "\n");
	fprintf(out, "--- text report\n");
	gk_render_options ro = {.color = false, .hostname = "host", .timestamp = 1};
	assert_int_equal(gk_render_text(r, out, &ro, &err), 0);
	fputc('\n', out);
	gk_report_free(r);
}

/* The snapshot of `rule`: a header, then each BAD example and its report
 * (malloc'ed, NUL-terminated). */
static char *snapshot_of(const gk_rule_info *rule)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_non_null(out);
	fprintf(out, "# %s: the text report of linting each BAD example of the rule.\n"
		     "# Written by ci/update-rule-snapshots.sh; review a change like code.\n", rule->id);
	for (size_t i = 0, n = 0; i < GK_RULE_MAX_EXAMPLES && rule->examples[i].sql; i++)
		if (rule->examples[i].kind == GK_EXAMPLE_BAD)
			render_example(out, rule, &rule->examples[i], ++n);
	assert_int_equal(fclose(out), 0);
	return text;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	char chunk[8192];
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		memcpy(buf + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (!buf)
		buf = calloc(1, 1);
	buf[len] = '\0';
	return buf;
}

/* The first line where `a` and `b` differ (1-based), for the message. */
static int first_difference(const char *a, const char *b)
{
	int line = 1;
	for (; *a && *a == *b; a++, b++)
		line += *a == '\n';
	return line;
}

static void test_snapshot(void **state)
{
	const gk_rule_info *rule = gk_rule_at((size_t)(uintptr_t)*state);
	char *want = snapshot_of(rule);
	assert_non_null(want);
	char path[512];
	snprintf(path, sizeof path, "%s/%s.txt", SNAPSHOT_DIR, rule->id);
	if (updating()) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		assert_int_equal(fputs(want, f) >= 0, 1);
		assert_int_equal(fclose(f), 0);
		free(want);
		return;
	}
	char *got = slurp(path);
	if (!got)
		fail_msg("%s: no snapshot %s; run ci/update-rule-snapshots.sh and review it", rule->id, path);
	if (strcmp(got, want) != 0) {
		print_error("%s: the report of its BAD examples differs from %s at line %d; if the change is meant, "
			    "run ci/update-rule-snapshots.sh and review the diff\n--- now:\n%s", rule->id, path,
			    first_difference(got, want), want);
		free(got);
		free(want);
		fail();
	}
	free(got);
	free(want);
}

/* Every snapshot belongs to a rule with SQL examples. */
static void test_no_stray_snapshots(void **state)
{
	(void)state;
	DIR *d = opendir(SNAPSHOT_DIR);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char id[256];
		size_t n = strlen(e->d_name);
		if (n <= 4 || strcmp(e->d_name + n - 4, ".txt") != 0 || n - 4 >= sizeof id)
			fail_msg("testdata/rules/%s is not a rule snapshot (<rule-id>.txt)", e->d_name);
		memcpy(id, e->d_name, n - 4);
		id[n - 4] = '\0';
		const gk_rule_info *rule = gk_rule_find(id);
		if (!rule || rule->tested_by)
			fail_msg("testdata/rules/%s belongs to no rule with SQL examples; remove it", e->d_name);
	}
	closedir(d);
}

int main(void)
{
	static struct CMUnitTest tests[GK_RULES_MAX + 1];
	size_t n = 0;
	for (size_t i = 0; i < gk_rules_count(); i++)
		if (!gk_rule_at(i)->tested_by) /* no SQL examples: its own test file covers it */
			tests[n++] = (struct CMUnitTest){gk_rule_at(i)->id, test_snapshot, NULL, NULL, (void *)(uintptr_t)i};
	if (!updating())
		tests[n++] = (struct CMUnitTest){"no_stray_snapshots", test_no_stray_snapshots, NULL, NULL, NULL};
	return _cmocka_run_group_tests("rule_snapshots", tests, n, NULL, NULL);
}
