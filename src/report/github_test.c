/*
 * github_test.c - the GitHub renderers and the Markdown reports on what
 * the e2e cases (github-demo, github-hostile) do not reach with `lint`:
 *   - an annotation's properties: no col/endColumn on a span of several
 *     lines, no line without a position, a run error as an error
 *     annotation naming its file, the title escaped as a property;
 *   - $GITHUB_OUTPUT keeps a value with a line break whole, in the
 *     heredoc form, with a fresh delimiter per rendering;
 *   - the Markdown of a composed run (gate): the checks, the drift scope,
 *     the findings about no migration file (drift objects, expected and
 *     actual), the run's errors, a replay that failed and where it stopped,
 *     the observed locks; untrusted text in them escaped;
 *   - on a long history the failing migration comes first, in the table
 *     and the details, and the table leaves room for its details.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gatekeeper/render.h"
#include "gatekeeper/report.h"

static char *render(gk_render_fn fn, const gk_report *r, const gk_render_options *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	gk_error err = {0};
	gk_render_options none = {0};
	assert_int_equal(fn(r, f, o ? o : &none, &err), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void add(gk_report *r, enum gk_severity sev, const char *path, int line, int end_line, const char *msg)
{
	gk_finding f = {.rule_id = "set-not-null", .category = GK_CAT_LOCKING, .severity = sev, .message = (char *)msg,
			.path = (char *)path, .line = line, .column = line ? 3 : 0, .end_line = end_line,
			.end_column = line ? 9 : 0, .statement_index = 1};
	assert_int_equal(gk_report_add_finding(r, &f), 0);
}

static void test_annotation_properties(void **state)
{
	(void)state;
	gk_report *r = gk_report_new("lint");
	assert_int_equal(gk_report_add_migration(r, "db/1.sql", 2, GK_RUNNER_WHOLE), 0);
	add(r, GK_SEV_ERROR, "db/1.sql", 2, 2, "one line");
	add(r, GK_SEV_WARNING, "db/1.sql", 4, 6, "three lines");
	add(r, GK_SEV_INFO, "db/1.sql", 0, 0, "the whole file");
	assert_int_equal(gk_report_add_error(r, GK_ERRKIND_IO, "db/a,b:c.sql", "cannot read: 100%% bad"), 0);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	char *out = render(gk_render_github, r, NULL);
	assert_non_null(strstr(out, "\n::error file=db/1.sql,line=2,endLine=2,col=3,endColumn=9,title=set-not-null (blocking)::one line\n"));
	assert_non_null(strstr(out, "\n::warning file=db/1.sql,line=4,endLine=6,title=set-not-null::three lines\n"));
	assert_non_null(strstr(out, "\n::notice file=db/1.sql,title=set-not-null::the whole file\n"));
	assert_non_null(strstr(out, "\n::error file=db/a%2Cb%3Ac.sql,title=gatekeeper%3A io error::cannot read: 100%25 bad\n"));
	/* four annotations: no closing notice */
	assert_null(strstr(out, "more not annotated"));
	free(out);
	gk_report_free(r);
}

static void test_output_heredoc(void **state)
{
	(void)state;
	gk_report *r = gk_report_new("lint");
	gk_report_finish(r, GK_SEV_ERROR, 0);
	gk_render_output files[] = {{"report-json", "out/a\nb.json"}};
	gk_render_options o = {.outputs = files, .n_outputs = 1};
	char *a = render(gk_render_github_output, r, &o), *b = render(gk_render_github_output, r, &o);
	char delim[64];
	assert_int_equal(sscanf(a, "verdict<<%63s", delim), 1);
	assert_int_equal(strlen(delim), strlen("ghadelimiter_") + 32);
	char want[512];
	snprintf(want, sizeof want, "report-json<<%s\nout/a\nb.json\n%s\n", delim, delim);
	assert_non_null(strstr(a, want));
	snprintf(want, sizeof want, "exit-code<<%s\n0\n%s\n", delim, delim);
	assert_non_null(strstr(a, want));
	assert_null(strstr(b, delim)); /* a fresh delimiter each time */
	free(a);
	free(b);
	gk_report_free(r);
}

static gk_report *gate_report(void)
{
	gk_report *r = gk_report_new("gate");
	int c = gk_report_add_check(r, "drift", 1u << GK_CAT_DRIFT);
	assert_true(c >= 0);
	assert_true(gk_report_add_check(r, "pre-flight", 1u << GK_CAT_GATE) >= 0);
	assert_int_equal(gk_report_skip_check(r, 1, "no <b>target</b>"), 0);
	const char *schemas[] = {"public"};
	assert_int_equal(gk_report_set_drift_scope(r, "postgres://app@db/app", NULL, 3, schemas, 1, "--schema", NULL, 0), 0);
	assert_int_equal(gk_report_add_drift_kind(r, "column", 12, 0), 0);
	gk_finding f = {.rule_id = "drift-changed", .category = GK_CAT_DRIFT, .severity = GK_SEV_ERROR,
			.message = (char *)"column public.users.email differs", .object_kind = (char *)"column",
			.object = (char *)"public.users.email", .attribute = (char *)"type",
			.expected = (char *)"text", .actual = (char *)"varchar(10) | <i>x</i>"};
	assert_int_equal(gk_report_add_finding(r, &f), 0);
	int m = gk_report_add_migration(r, "db/2.sql", 3, GK_RUNNER_SPLIT);
	assert_int_equal(gk_report_set_replay(r, (size_t)m, GK_REPLAY_FAILED, 12.0, "42P01", "relation \"x\" does not exist", true), 0);
	gk_replay_stop stop = {.failed_statement = 2, .n_statements = 3, .committed_statements = 1};
	assert_int_equal(gk_report_set_replay_stop(r, (size_t)m, &stop), 0);
	gk_observed_lock l = {.statement_index = 1, .line = 1, .relation = (char *)"public.users",
			      .mode = (char *)"AccessExclusiveLock", .duration_ms = 7, .rewrite = true};
	assert_int_equal(gk_report_add_lock(r, (size_t)m, &l), 0);
	assert_int_equal(gk_report_add_migration(r, "db/1.sql", 1, GK_RUNNER_SPLIT), 1);
	/* A timeout: the run stopped (exit 3), blocking findings or not. */
	assert_int_equal(gk_report_add_error(r, GK_ERRKIND_TIMEOUT, NULL, "timed out on <db>"), 0);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	return r;
}

static void test_markdown_gate(void **state)
{
	(void)state;
	gk_report *r = gate_report();
	char *out = render(gk_render_markdown, r, NULL);
	assert_memory_equal(out, GK_MARKDOWN_MARKER "\n", strlen(GK_MARKDOWN_MARKER) + 1);
	assert_non_null(strstr(out, "### ⚠️ gatekeeper gate: stopped at an error\n"));
	assert_non_null(strstr(out, "- timeout: timed out on &lt;db&gt;\n"));
	assert_non_null(strstr(out, "| drift | ❌ blocks (1 blocking finding) |\n"));
	assert_non_null(strstr(out, "| pre\\-flight | ⚠️ not run: no &lt;b&gt;target&lt;\\/b&gt; |\n"));
	assert_non_null(strstr(out, "**Drift:** compared postgres\\:\\/\\/app@&#8288;db\\/app with 3 applied migrations, replayed: "
				    "12 objects (column 12); schemas: only public.\n"));
	/* the failed replay: its row, where it stopped, its locks */
	assert_non_null(strstr(out, "| <code>db\\/2\\.sql</code> | ✅ pass | split | 0 | AccessExclusiveLock on "
				    "public\\.users, 7 ms, rewritten | ❌ failed 42P01, 12 ms |\n"));
	assert_non_null(strstr(out, "Replay: failed (SQLSTATE 42P01): relation &quot;x&quot; does not exist; it stopped at "
				    "statement 2 of 3; 1 committed before it.\n"));
	assert_non_null(strstr(out, "| 1 | AccessExclusiveLock (rewrite) | public\\.users | 7 ms | none: waits forever |\n"));
	assert_non_null(strstr(out, "1 other migration: nothing to report.\n"));
	/* the drift finding, about no file */
	assert_non_null(strstr(out, "<details><summary>1 finding about no migration file</summary>\n"));
	assert_non_null(strstr(out, "Object: column <code>public\\.users\\.email</code>, type: expected <code>text</code>, "
				    "actual <code>varchar\\(10\\) \\| &lt;i&gt;x&lt;\\/i&gt;</code>\n"));
	assert_null(strstr(out, "Left out"));
	free(out);
	out = render(gk_render_step_summary, r, NULL);
	assert_memory_equal(out, "### ⚠️", strlen("### ⚠️"));
	free(out);
	gk_report_free(r);
}

/* A run over a long history: the table does not crowd out the details of
 * the one migration that fails, listed (and detailed) first. */
static void test_markdown_failing_first(void **state)
{
	(void)state;
	gk_report *r = gk_report_new("lint");
	char path[64];
	for (int i = 0; i < 3000; i++) {
		snprintf(path, sizeof path, "db/%04d_a_rather_long_migration_name.sql", i);
		assert_int_equal(gk_report_add_migration(r, path, 1, GK_RUNNER_WHOLE), i);
		add(r, i == 2999 ? GK_SEV_ERROR : GK_SEV_WARNING, path, 1, 1, i == 2999 ? "the one that fails" : "meh");
	}
	gk_report_finish(r, GK_SEV_ERROR, 0);
	char *out = render(gk_render_markdown, r, NULL);
	assert_true(strlen(out) <= GK_MARKDOWN_COMMENT_MAX);
	const char *row = strstr(out, "| <code>db\\/2999\\_a");
	const char *first_row = strstr(out, "| <code>db\\/");
	assert_non_null(row);
	assert_ptr_equal(row, first_row);
	assert_non_null(strstr(out, "<details><summary>❌ <code>db/2999_a_rather_long_migration_name.sql</code>"));
	assert_non_null(strstr(out, "the one that fails"));
	assert_non_null(strstr(out, "more migrations worth a look: not listed here, for room.\n"));
	assert_non_null(strstr(out, "_Left out to stay within the 65,000 characters of a comment: "));
	free(out);
	gk_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_annotation_properties),
		cmocka_unit_test(test_output_heredoc),
		cmocka_unit_test(test_markdown_gate),
		cmocka_unit_test(test_markdown_failing_first),
	};
	return cmocka_run_group_tests_name("github", tests, NULL, NULL);
}
