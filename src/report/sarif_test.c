/*
 * sarif_test.c - the fingerprints of the report model and the renderers
 * that carry them (SARIF, GitLab Code Quality), and the JUnit summary of a
 * live run:
 *   - a fingerprint ignores the line, the statement number and the
 *     statement's layout, and differs by rule, path, statement, database
 *     object and occurrence, which is by the object a finding names
 *     before its place; no two findings of a report share one;
 *   - SARIF: every rule with help text and Markdown, one result per
 *     finding in a file with the model's fingerprint, 1-based regions with
 *     endColumn after the end, the rest as notifications, the job kind in
 *     automationDetails.id, hostile paths as valid URI references;
 *   - GitLab: one issue per finding in a file, 1-based lines, severities,
 *     unique fingerprints, no "./";
 *   - both show a finding's production context and lock-window estimate
 *     after its message (SARIF also in its properties);
 *   - both are valid UTF-8 JSON for hostile text and 10,000 findings;
 *   - JUnit for a live run: settled migrations are one case; coverage is
 *     a property.
 * The schema validation itself is in the e2e case report-sarif-gitlab (ajv).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gatekeeper/render.h"
#include "gatekeeper/report.h"
#include "gatekeeper/rules.h"
#include "util/skip_test_support.h"

#define HOSTILE "drop \xff bad\x01 byte ]]> %0A ::set-output name=x:: and\nnewline\x1b[31m"

static void add(gk_report *r, const char *rule, enum gk_severity sev, enum gk_category cat, const char *path,
		int line, int stmt, const char *msg, const char *sql)
{
	gk_finding f = {
		.rule_id = rule, .category = cat, .severity = sev, .message = (char *)msg, .help = (char *)"recipe",
		.path = (char *)path, .line = line, .column = line ? 3 : 0, .end_line = line ? line + 1 : 0,
		.end_column = line ? 7 : 0, .statement_index = stmt, .sql = (char *)sql,
	};
	assert_int_equal(gk_report_add_finding(r, &f), 0);
}

static void add_object(gk_report *r, const char *rule, const char *object, const char *attribute)
{
	gk_finding f = {.rule_id = rule, .category = GK_CAT_DRIFT, .severity = GK_SEV_ERROR, .message = (char *)"differs",
			.object_kind = (char *)"column", .object = (char *)object, .attribute = (char *)attribute,
			.expected = (char *)"text", .actual = (char *)"varchar(20)"};
	assert_int_equal(gk_report_add_finding(r, &f), 0);
}

static const char *fp_of(const gk_report *r, const char *rule, int line)
{
	for (size_t i = 0; i < r->n_findings; i++)
		if (strcmp(r->findings[i].rule_id, rule) == 0 && r->findings[i].line == line)
			return r->findings[i].fingerprint;
	fail_msg("no finding %s at line %d", rule, line);
	return NULL;
}

static void assert_all_distinct(const gk_report *r)
{
	for (size_t i = 0; i < r->n_findings; i++) {
		assert_int_equal(strlen(r->findings[i].fingerprint), 64);
		assert_int_equal(strspn(r->findings[i].fingerprint, "0123456789abcdef"), 64);
		for (size_t k = i + 1; k < r->n_findings; k++)
			if (strcmp(r->findings[i].fingerprint, r->findings[k].fingerprint) == 0)
				fail_msg("findings %zu and %zu share a fingerprint", i, k);
	}
}

static char *render(const gk_report *r, gk_render_fn fn, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	assert_non_null(f);
	gk_error err = {0};
	gk_render_options o = {.hostname = "host", .timestamp = 1700000000};
	o.rules = gk_rules_render(&o.n_rules);
	int rc = fn(r, f, &o, &err);
	assert_int_equal(fclose(f), 0);
	if (rc != 0)
		fail_msg("renderer failed: %s", err.msg);
	if (len)
		*len = n;
	return buf;
}

/* Parse strictly (jansson refuses invalid UTF-8 and a NUL). */
static json_t *parse(const char *text, size_t len)
{
	json_error_t je;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!doc)
		fail_msg("not JSON at %d:%d: %s\n%.2000s", je.line, je.column, je.text, text);
	return doc;
}

static const char *sget(json_t *o, const char *path)
{
	/* "a.b.c" through objects */
	char buf[256];
	snprintf(buf, sizeof buf, "%s", path);
	json_t *cur = o;
	for (char *save = NULL, *k = strtok_r(buf, ".", &save); k && cur; k = strtok_r(NULL, ".", &save))
		cur = json_object_get(cur, k);
	if (!json_is_string(cur))
		fail_msg("%s is not a string", path);
	return json_string_value(cur);
}

static json_int_t iget(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v))
		fail_msg("%s is not an integer", key);
	return json_integer_value(v);
}

/* ---- fingerprints ------------------------------------------------------ */

static void test_fingerprint_ignores_position_and_layout(void **state)
{
	(void)state;
	gk_report *a = gk_report_new("lint"), *b = gk_report_new("lint");
	add(a, "create-index-non-concurrent", GK_SEV_ERROR, GK_CAT_LOCKING, "db/1.sql", 3, 2, "x",
	    "CREATE INDEX a ON t (x)");
	add(b, "create-index-non-concurrent", GK_SEV_ERROR, GK_CAT_LOCKING, "db/1.sql", 40, 9, "other words",
	    "\n  CREATE  INDEX a\n\tON t (x)  \n");
	gk_report_finish(a, GK_SEV_ERROR, 0);
	gk_report_finish(b, GK_SEV_ERROR, 0);
	assert_string_equal(fp_of(a, "create-index-non-concurrent", 3), fp_of(b, "create-index-non-concurrent", 40));
	/* Finishing again (an interrupted run's reports) gives the same. */
	char before[65];
	memcpy(before, a->findings[0].fingerprint, sizeof before);
	gk_report_finish(a, GK_SEV_WARNING, 0);
	assert_string_equal(a->findings[0].fingerprint, before);
	gk_report_free(a);
	gk_report_free(b);
}

static void test_fingerprint_differs_by_subject(void **state)
{
	(void)state;
	gk_report *r = gk_report_new("lint");
	add(r, "rule-a", GK_SEV_ERROR, GK_CAT_LOCKING, "db/1.sql", 1, 1, "m", "ALTER TABLE t ADD c int");
	add(r, "rule-b", GK_SEV_ERROR, GK_CAT_LOCKING, "db/1.sql", 2, 1, "m", "ALTER TABLE t ADD c int");
	add(r, "rule-a", GK_SEV_ERROR, GK_CAT_LOCKING, "db/2.sql", 3, 1, "m", "ALTER TABLE t ADD c int");
	add(r, "rule-a", GK_SEV_ERROR, GK_CAT_LOCKING, "db/1.sql", 4, 2, "m", "ALTER TABLE t ADD d int");
	/* "ab" + "c" must not hash like "a" + "bc". */
	add(r, "rule-a", GK_SEV_ERROR, GK_CAT_LOCKING, "db/1.sql", 5, 3, "m", NULL);
	add(r, "rule-a", GK_SEV_ERROR, GK_CAT_LOCKING, "db/1.sq", 6, 3, "m", "l");
	add_object(r, "drift-changed", "public.users.email", "type");
	add_object(r, "drift-changed", "public.users.name", "type");
	add_object(r, "drift-changed", "public.users.email", "not_null");
	gk_report_finish(r, GK_SEV_ERROR, 0);
	assert_all_distinct(r);
	gk_report_free(r);
}

/*
 * The same statement twice in a file (two identical CREATE INDEX) keeps
 * two fingerprints, by occurrence; a finding added before them elsewhere
 * in the file changes neither.
 */
static void test_fingerprint_occurrence(void **state)
{
	(void)state;
	gk_report *a = gk_report_new("lint"), *b = gk_report_new("lint");
	const char *sql = "CREATE INDEX ON t (x)";
	add(a, "rule-a", GK_SEV_ERROR, GK_CAT_LOCKING, "db/1.sql", 3, 1, "m", sql);
	add(a, "rule-a", GK_SEV_ERROR, GK_CAT_LOCKING, "db/1.sql", 7, 2, "m", sql);
	add(b, "rule-z", GK_SEV_WARNING, GK_CAT_LOCKING, "db/1.sql", 1, 1, "m", "SET x = 1");
	add(b, "rule-a", GK_SEV_ERROR, GK_CAT_LOCKING, "db/1.sql", 13, 2, "m", sql);
	add(b, "rule-a", GK_SEV_ERROR, GK_CAT_LOCKING, "db/1.sql", 17, 3, "m", sql);
	gk_report_finish(a, GK_SEV_ERROR, 0);
	gk_report_finish(b, GK_SEV_ERROR, 0);
	assert_all_distinct(a);
	assert_all_distinct(b);
	assert_string_equal(fp_of(a, "rule-a", 3), fp_of(b, "rule-a", 13));
	assert_string_equal(fp_of(a, "rule-a", 7), fp_of(b, "rule-a", 17));
	gk_report_free(a);
	gk_report_free(b);
}

static void add_about(gk_report *r, const char *about, const char *msg)
{
	gk_finding f = {.rule_id = "drop-column", .category = GK_CAT_DESTRUCTIVE, .severity = GK_SEV_WARNING,
			.message = (char *)msg, .path = (char *)"db/1.sql", .line = 3, .column = 1, .statement_index = 1,
			.sql = (char *)"ALTER TABLE t DROP COLUMN a, DROP COLUMN b", .about = (char *)about};
	assert_int_equal(gk_report_add_finding(r, &f), 0);
}

static const char *fp_about(const gk_report *r, const char *about)
{
	for (size_t i = 0; i < r->n_findings; i++)
		if (r->findings[i].about && strcmp(r->findings[i].about, about) == 0)
			return r->findings[i].fingerprint;
	fail_msg("no finding about %s", about);
	return NULL;
}

/*
 * Two findings of one rule at one place of one statement (a column each)
 * keep their fingerprints when the rule reports them in the other order
 * and when their messages, which hold sizes, sort the other way: the
 * occurrence goes by `about`.  A finding alone on its statement has the
 * same fingerprint with or without one.
 */
static void test_fingerprint_about(void **state)
{
	(void)state;
	gk_report *a = gk_report_new("lint"), *b = gk_report_new("lint");
	add_about(a, "a", "DROP COLUMN t.a (9 rows)");
	add_about(a, "b", "DROP COLUMN t.b (10 rows)");
	add_about(b, "b", "10 rows: DROP COLUMN t.b");
	add_about(b, "a", "90 rows: DROP COLUMN t.a");
	gk_report_finish(a, GK_SEV_ERROR, 0);
	gk_report_finish(b, GK_SEV_ERROR, 0);
	assert_all_distinct(a);
	assert_string_equal(fp_about(a, "a"), fp_about(b, "a"));
	assert_string_equal(fp_about(a, "b"), fp_about(b, "b"));
	gk_report_free(a);
	gk_report_free(b);

	a = gk_report_new("lint"), b = gk_report_new("lint");
	add_about(a, NULL, "DROP COLUMN t.a");
	add_about(b, "a", "DROP COLUMN t.a");
	gk_report_finish(a, GK_SEV_ERROR, 0);
	gk_report_finish(b, GK_SEV_ERROR, 0);
	assert_string_equal(a->findings[0].fingerprint, b->findings[0].fingerprint);
	gk_report_free(a);
	gk_report_free(b);
}

static void test_settled_migrations(void **state)
{
	(void)state;
	gk_report *r = gk_report_new("status");
	const char *paths[] = {"m/1.sql", "m/2.sql", "m/3.sql", "m/4.sql", "m/5.sql"};
	for (int i = 0; i < 5; i++) {
		assert_int_equal(gk_report_add_migration(r, paths[i], 1, GK_RUNNER_WHOLE), i);
		r->migrations[i].linted = false;
	}
	gk_report_set_applied(r, 0, GK_APPLIED_APPLIED, "2024-01-01T00:00:00Z", NULL, NULL);
	gk_report_set_applied(r, 1, GK_APPLIED_APPLIED, "2024-01-02T00:00:00Z", NULL, NULL);
	gk_report_set_applied(r, 2, GK_APPLIED_EDITED, "2024-01-03T00:00:00Z", NULL, NULL);
	gk_report_set_applied(r, 3, GK_APPLIED_PENDING, NULL, NULL, NULL);
	gk_report_set_applied(r, 4, GK_APPLIED_APPLIED, "2024-01-04T00:00:00Z", NULL, NULL);
	add(r, "status-note", GK_SEV_INFO, GK_CAT_STATUS, "m/5.sql", 0, 0, "something about it", NULL);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	assert_true(r->migrations[0].settled);
	assert_true(r->migrations[1].settled);
	assert_false(r->migrations[2].settled); /* edited */
	assert_false(r->migrations[3].settled); /* pending */
	assert_false(r->migrations[4].settled); /* a finding */
	assert_int_equal(r->n_settled, 2);
	gk_report_free(r);
}

/* ---- SARIF -------------------------------------------------------------- */

static gk_report *sample(const char *command)
{
	gk_report *r = gk_report_new(command);
	assert_int_equal(gk_report_add_migration(r, "db/001.sql", 3, GK_RUNNER_PER_FILE), 0);
	add(r, "create-index-non-concurrent", GK_SEV_ERROR, GK_CAT_LOCKING, "db/001.sql", 4, 2, "index blocks writes",
	    "CREATE INDEX a ON t (a)");
	add(r, "missing-lock-timeout", GK_SEV_WARNING, GK_CAT_LOCKING, "db/001.sql", 4, 2, "no lock_timeout",
	    "CREATE INDEX a ON t (a)");
	add(r, "prefer-text", GK_SEV_INFO, GK_CAT_HYGIENE, "./db/001.sql", 0, 0, "", NULL);
	add_object(r, "drift-changed", "public.users.email", "type");
	/* A timeout stops the run (exit 3) even with blocking findings, where
	 * an unreachable server would not: the change is judged whole then. */
	gk_report_add_error(r, GK_ERRKIND_TIMEOUT, NULL, "statement timeout on host db");
	gk_report_finish(r, GK_SEV_ERROR, 0.25);
	return r;
}

static void test_sarif_document(void **state)
{
	(void)state;
	gk_report *r = sample("check");
	size_t len;
	char *text = render(r, gk_render_sarif, &len);
	json_t *doc = parse(text, len);
	assert_string_equal(sget(doc, "version"), "2.1.0");
	assert_string_equal(sget(doc, "$schema"), "https://json.schemastore.org/sarif-2.1.0.json");
	json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
	assert_int_equal(json_array_size(json_object_get(doc, "runs")), 1);
	assert_string_equal(sget(run, "automationDetails.id"), "gatekeeper/check/");
	assert_string_equal(sget(run, "columnKind"), "unicodeCodePoints");
	assert_string_equal(sget(run, "tool.driver.name"), "gatekeeper");

	/* Every rule of the registry, with help text and Markdown. */
	json_t *rules = json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "rules");
	assert_int_equal(json_array_size(rules), gk_rules_count());
	for (size_t i = 0; i < json_array_size(rules); i++) {
		json_t *ru = json_array_get(rules, i);
		const gk_rule_info *ri = gk_rule_at(i);
		assert_string_equal(sget(ru, "id"), ri->id);
		assert_string_equal(sget(ru, "shortDescription.text"), ri->summary);
		assert_non_null(strstr(sget(ru, "help.text"), ri->summary));
		if (ri->help) {
			assert_non_null(strstr(sget(ru, "help.text"), ri->help));
			assert_non_null(strstr(sget(ru, "help.markdown"), ri->help));
		}
		/* Rules shown by SQL examples show one; the others name their test. */
		if (ri->examples[0].sql)
			assert_non_null(strstr(sget(ru, "help.markdown"), "```sql\n"));
		assert_non_null(strstr(sget(ru, "help.markdown"), ri->id));
	}

	/* The three findings in a file are results, in report order. */
	json_t *results = json_object_get(run, "results");
	assert_int_equal(json_array_size(results), 3);
	size_t k = 0;
	for (size_t i = 0; i < r->n_findings; i++) {
		const gk_finding *f = &r->findings[i];
		if (!f->path)
			continue;
		json_t *res = json_array_get(results, k++);
		assert_string_equal(sget(res, "ruleId"), f->rule_id);
		int idx = gk_rule_index(f->rule_id);
		assert_true(idx >= 0);
		assert_int_equal(iget(res, "ruleIndex"), idx);
		assert_string_equal(json_string_value(json_object_get(json_object_get(res, "partialFingerprints"),
								      "gatekeeperFingerprint/v1")),
				    f->fingerprint);
		assert_string_equal(sget(res, "level"), f->severity == GK_SEV_ERROR ? "error"
						       : f->severity == GK_SEV_WARNING ? "warning" : "note");
		json_t *loc = json_object_get(json_array_get(json_object_get(res, "locations"), 0), "physicalLocation");
		assert_string_equal(sget(loc, "artifactLocation.uriBaseId"), "%SRCROOT%");
		json_t *region = json_object_get(loc, "region");
		if (f->line == 0) {
			assert_null(region);
			assert_string_equal(sget(res, "message.text"), "(no message)");
			continue;
		}
		assert_int_equal(iget(region, "startLine"), f->line);
		assert_int_equal(iget(region, "startColumn"), f->column);
		assert_int_equal(iget(region, "endLine"), f->end_line);
		assert_int_equal(iget(region, "endColumn"), f->end_column + 1);
		assert_string_equal(sget(res, "message.text"), f->message);
	}

	/* The drift finding and the run error are notifications; exit 3 failed the invocation. */
	json_t *inv = json_array_get(json_object_get(run, "invocations"), 0);
	assert_false(json_is_true(json_object_get(inv, "executionSuccessful")));
	assert_int_equal(iget(inv, "exitCode"), 3);
	json_t *notes = json_object_get(inv, "toolExecutionNotifications");
	assert_int_equal(json_array_size(notes), 2);
	assert_string_equal(sget(json_array_get(notes, 0), "message.text"), "statement timeout on host db");
	json_t *drift = json_array_get(notes, 1);
	assert_string_equal(sget(drift, "associatedRule.id"), "drift-changed");
	json_t *lloc = json_array_get(json_object_get(json_array_get(json_object_get(drift, "locations"), 0),
						      "logicalLocations"), 0);
	assert_string_equal(sget(lloc, "fullyQualifiedName"), "public.users.email");
	assert_string_equal(sget(lloc, "kind"), "column");
	assert_string_equal(sget(run, "properties.verdict"), "error");
	json_decref(doc);
	free(text);
	gk_report_free(r);
}

/* The renderer lists the catalogue it is handed, and no other: a caller's
 * own list (sorted by id) is what driver.rules shows and ruleIndex counts
 * in; without one, results refer to their rule by id only. */
static void test_sarif_catalogue_from_options(void **state)
{
	(void)state;
	gk_report *r = sample("lint");
	static const gk_render_rule mine[] = {
		{.id = "create-index-non-concurrent", .category = GK_CAT_LOCKING, .severity = GK_SEV_ERROR,
		 .summary = "index build blocks writes", .help = "build it CONCURRENTLY", .bad_sql = "CREATE INDEX a ON t (a);"},
		{.id = "prefer-text", .category = GK_CAT_HYGIENE, .severity = GK_SEV_INFO, .summary = "varchar"},
	};
	gk_render_options o = {.hostname = "host", .timestamp = 1, .rules = mine, .n_rules = 2};
	for (int pass = 0; pass < 2; pass++) {
		char *buf = NULL;
		size_t n = 0;
		FILE *f = open_memstream(&buf, &n);
		assert_non_null(f);
		gk_error err = {0};
		assert_int_equal(gk_render_sarif(r, f, &o, &err), 0);
		assert_int_equal(fclose(f), 0);
		json_t *doc = parse(buf, n);
		json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
		json_t *rules = json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "rules");
		json_t *results = json_object_get(run, "results");
		assert_int_equal(json_array_size(rules), o.n_rules);
		for (size_t i = 0; i < json_array_size(results); i++) {
			json_t *res = json_array_get(results, i);
			const char *id = sget(res, "ruleId");
			json_t *idx = json_object_get(res, "ruleIndex");
			if (pass == 1 || strcmp(id, "missing-lock-timeout") == 0)
				assert_null(idx); /* not in the catalogue handed */
			else
				assert_int_equal(json_integer_value(idx), strcmp(id, "prefer-text") == 0 ? 1 : 0);
		}
		if (pass == 0) {
			assert_string_equal(sget(json_array_get(rules, 0), "shortDescription.text"), "index build blocks writes");
			assert_non_null(strstr(sget(json_array_get(rules, 0), "help.markdown"), "CREATE INDEX a ON t (a);"));
		}
		json_decref(doc);
		free(buf);
		o.rules = NULL, o.n_rules = 0;
	}
	gk_report_free(r);
}

static void test_sarif_job_kinds(void **state)
{
	(void)state;
	const char *commands[] = {"check", "drift", "gate", "lint", "status"};
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
		gk_report *r = gk_report_new(commands[i]);
		gk_report_finish(r, GK_SEV_ERROR, 0);
		size_t len;
		char *text = render(r, gk_render_sarif, &len);
		json_t *doc = parse(text, len);
		char want[64];
		snprintf(want, sizeof want, "gatekeeper/%s/", commands[i]);
		json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
		assert_string_equal(sget(run, "automationDetails.id"), want);
		assert_int_equal(json_array_size(json_object_get(run, "results")), 0);
		assert_true(json_is_true(json_object_get(json_array_get(json_object_get(run, "invocations"), 0),
							 "executionSuccessful")));
		json_decref(doc);
		free(text);
		gk_report_free(r);
	}
}

/* Hostile file names become URI references; hostile text stays JSON text. */
static void test_sarif_hostile(void **state)
{
	(void)state;
	gk_report *r = gk_report_new("lint");
	add(r, "rule-a", GK_SEV_ERROR, GK_CAT_LOCKING, "db/a b%:#?[]\xff\x1b\n.sql", 1, 1, HOSTILE, HOSTILE);
	add(r, "rule-a", GK_SEV_ERROR, GK_CAT_LOCKING, "/abs/x y.sql", 1, 1, "m", "s");
	add(r, "rule-a", GK_SEV_ERROR, GK_CAT_LOCKING, "c:d.sql", 1, 1, "m", "s");
	gk_report_finish(r, GK_SEV_ERROR, 0);
	size_t len;
	char *text = render(r, gk_render_sarif, &len);
	assert_null(memchr(text, '\x1b', len));
	assert_null(memchr(text, '\x01', len));
	json_t *doc = parse(text, len);
	json_t *results = json_object_get(json_array_get(json_object_get(doc, "runs"), 0), "results");
	const char *want[][2] = {
		{"/abs/x y.sql", "file:///abs/x%20y.sql"},
		{"c:d.sql", "c%3Ad.sql"},
		{"db/a b%:#?[]\xff\x1b\n.sql", "db/a%20b%25%3A%23%3F%5B%5D%FF%1B%0A.sql"},
	};
	assert_int_equal(json_array_size(results), 3);
	for (size_t i = 0; i < 3; i++) {
		json_t *loc = json_object_get(json_array_get(json_object_get(json_array_get(results, i), "locations"), 0),
					      "physicalLocation");
		assert_string_equal(r->findings[i].path, want[i][0]);
		assert_string_equal(sget(loc, "artifactLocation.uri"), want[i][1]);
		/* An absolute file: URI needs no base. */
		assert_int_equal(json_object_get(json_object_get(loc, "artifactLocation"), "uriBaseId") == NULL, i == 0);
	}
	/* Invalid UTF-8 in the message: \xNN as in the JSON report; the escape character as \u001B. */
	assert_non_null(strstr(sget(json_array_get(results, 2), "message.text"), "drop \\xff bad\x01 byte ]]>"));
	json_decref(doc);
	free(text);
	gk_report_free(r);
}

/* ---- GitLab ------------------------------------------------------------- */

static void test_gitlab_issues(void **state)
{
	(void)state;
	gk_report *r = sample("check");
	size_t len;
	char *text = render(r, gk_render_gitlab, &len);
	assert_true(len > 3 && (unsigned char)text[0] == '[');
	json_t *doc = parse(text, len);
	assert_true(json_is_array(doc));
	assert_int_equal(json_array_size(doc), 3); /* not the drift finding: it is about no file */
	size_t k = 0;
	for (size_t i = 0; i < r->n_findings; i++) {
		const gk_finding *f = &r->findings[i];
		if (!f->path)
			continue;
		json_t *is = json_array_get(doc, k++);
		assert_string_equal(sget(is, "check_name"), f->rule_id);
		assert_string_equal(sget(is, "fingerprint"), f->fingerprint);
		assert_string_equal(sget(is, "location.path"), "db/001.sql"); /* "./" dropped */
		json_t *lines = json_object_get(json_object_get(is, "location"), "lines");
		assert_int_equal(iget(lines, "begin"), f->line > 0 ? f->line : 1);
		const char *sev = sget(is, "severity");
		if (strcmp(f->rule_id, "create-index-non-concurrent") == 0)
			assert_string_equal(sev, "critical"); /* an error about locking */
		else if (f->severity == GK_SEV_WARNING)
			assert_string_equal(sev, "minor");
		else
			assert_string_equal(sev, "info");
		/* The empty message falls back to the rule: GitLab needs a description. */
		assert_string_equal(sget(is, "description"), f->message[0] ? f->message : f->rule_id);
	}
	json_decref(doc);
	free(text);
	gk_report_free(r);

	/* An error outside the lock and data-loss categories is major; no finding, an empty array. */
	r = gk_report_new("lint");
	add(r, "rule-a", GK_SEV_ERROR, GK_CAT_HYGIENE, "a.sql", 2, 1, "m", "s");
	gk_report_finish(r, GK_SEV_ERROR, 0);
	text = render(r, gk_render_gitlab, &len);
	doc = parse(text, len);
	assert_string_equal(sget(json_array_get(doc, 0), "severity"), "major");
	json_decref(doc);
	free(text);
	gk_report_free(r);
	r = gk_report_new("lint");
	gk_report_finish(r, GK_SEV_ERROR, 0);
	text = render(r, gk_render_gitlab, &len);
	assert_string_equal(text, "[]\n");
	free(text);
	gk_report_free(r);
}

/* What a finding says about production (--stats, the gate's target) and
 * its predicted lock window follow the message in SARIF (code scanning
 * shows only the text) and in GitLab's description; SARIF's properties
 * carry the JSON report's objects.  A finding without them is unchanged. */
static void test_production_and_estimate(void **state)
{
	(void)state;
	gk_report *r = gk_report_new("check");
	add(r, "alter-column-type", GK_SEV_ERROR, GK_CAT_LOCKING, "db/002.sql", 2, 1, "rewrites users", "ALTER ...");
	add(r, "missing-lock-timeout", GK_SEV_WARNING, GK_CAT_LOCKING, "db/002.sql", 2, 1, "no lock_timeout", "ALTER ...");
	gk_production p = {.summary = (char *)"rewrites public.users (3M rows, 380 MB) under ACCESS EXCLUSIVE",
			   .relation = (char *)"public.users", .source = (char *)"stats file", .rows = 3000000,
			   .total_bytes = 400000000, .writes_per_second = -1};
	assert_int_equal(gk_finding_set_production(&r->findings[0], &p), 0);
	gk_lock_estimate e = {.low_ms = 2000, .high_ms = 5000, .method = (char *)"calibrated on 2 sizes",
			      .text = (char *)"~2-5 s under ACCESS EXCLUSIVE on public.users", .lock = "ACCESS EXCLUSIVE",
			      .relation = (char *)"public.users", .production_rows = 3e6,
			      .sizes = {{10000, 7.5}, {50000, 36.25}}, .n_sizes = 2};
	assert_int_equal(gk_report_set_estimate(r, 0, &e), 0);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	const char *want = "rewrites users\nproduction: rewrites public.users (3M rows, 380 MB) under ACCESS "
			   "EXCLUSIVE\nestimate: ~2-5 s under ACCESS EXCLUSIVE on public.users";

	size_t len;
	char *text = render(r, gk_render_sarif, &len);
	json_t *doc = parse(text, len);
	json_t *results = json_object_get(json_array_get(json_object_get(doc, "runs"), 0), "results");
	json_t *res = json_array_get(results, 0);
	assert_string_equal(sget(res, "message.text"), want);
	assert_string_equal(sget(res, "properties.production.summary"), p.summary);
	assert_string_equal(sget(res, "properties.production.source"), "stats file");
	json_t *est = json_object_get(json_object_get(res, "properties"), "estimate");
	assert_int_equal(iget(est, "low_ms"), 2000);
	assert_int_equal(iget(est, "high_ms"), 5000);
	assert_int_equal(iget(est, "production_rows"), 3000000);
	assert_string_equal(sget(est, "lock"), "ACCESS EXCLUSIVE");
	assert_int_equal(json_array_size(json_object_get(est, "sizes")), 2);
	json_t *plain = json_array_get(results, 1);
	assert_string_equal(sget(plain, "message.text"), "no lock_timeout");
	assert_null(json_object_get(json_object_get(plain, "properties"), "production"));
	assert_null(json_object_get(json_object_get(plain, "properties"), "estimate"));
	json_decref(doc);
	free(text);

	text = render(r, gk_render_gitlab, &len);
	doc = parse(text, len);
	assert_string_equal(sget(json_array_get(doc, 0), "description"), want);
	assert_string_equal(sget(json_array_get(doc, 1), "description"), "no lock_timeout");
	json_decref(doc);
	free(text);
	gk_report_free(r);
}

/* 10,000 findings with hostile text: both documents parse, counts and fingerprints hold. */
static void test_many_hostile_findings(void **state)
{
	(void)state;
	enum { N = 10000 };
	gk_report *r = gk_report_new("lint");
	assert_int_equal(gk_report_add_migration(r, "db/big.sql", N, GK_RUNNER_SPLIT), 0);
	for (int i = 0; i < N; i++)
		add(r, i % 2 ? "rule-a" : "rule-b", GK_SEV_ERROR, GK_CAT_LOCKING, "db/big.sql", i + 1, i + 1, HOSTILE,
		    "CREATE INDEX ON t (x)");
	gk_report_finish(r, GK_SEV_ERROR, 0);
	assert_all_distinct(r);
	size_t len;
	char *text = render(r, gk_render_gitlab, &len);
	json_t *doc = parse(text, len);
	assert_int_equal(json_array_size(doc), N);
	json_decref(doc);
	free(text);
	text = render(r, gk_render_sarif, &len);
	doc = parse(text, len);
	assert_int_equal(json_array_size(json_object_get(json_array_get(json_object_get(doc, "runs"), 0), "results")), N);
	json_decref(doc);
	free(text);
	gk_report_free(r);
}

/* ---- JUnit of a live run -------------------------------------------------- */

static void test_junit_settled_and_coverage(void **state)
{
	(void)state;
	gk_report *r = gk_report_new("status");
	const char *paths[] = {"m/1.sql", "m/2.sql", "m/3.sql", "m/4.sql"};
	for (int i = 0; i < 4; i++) {
		assert_int_equal(gk_report_add_migration(r, paths[i], 2, GK_RUNNER_WHOLE), i);
		r->migrations[i].linted = i == 3;
	}
	gk_report_set_statements_total(r, 3, 5);
	gk_report_set_applied(r, 0, GK_APPLIED_APPLIED, "2024-01-01T00:00:00Z", NULL, NULL);
	gk_report_set_applied(r, 1, GK_APPLIED_APPLIED, "2024-01-02T00:00:00Z", NULL, NULL);
	gk_report_set_applied(r, 2, GK_APPLIED_EDITED, "2024-01-03T00:00:00Z", NULL, NULL);
	gk_report_set_applied(r, 3, GK_APPLIED_PENDING, NULL, NULL, NULL);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	size_t len;
	char *x = render(r, gk_render_junit, &len);
	/* The two applied ones: no suite, one case, counted in system-out. */
	assert_null(strstr(x, "<testsuite name=\"m/1.sql\""));
	assert_null(strstr(x, "<testsuite name=\"m/2.sql\""));
	assert_non_null(strstr(x, "<testsuite name=\"m/3.sql\""));
	assert_non_null(strstr(x, "<testsuite name=\"m/4.sql\""));
	assert_non_null(strstr(x, "<testcase classname=\"gatekeeper\" name=\"status/applied\""));
	assert_non_null(strstr(x, "status/applied: 2 applied migrations match their files, from m/1.sql to m/2.sql"));
	assert_non_null(strstr(x, "<testsuites name=\"gatekeeper\" tests=\"3\" failures=\"0\""));
	assert_non_null(strstr(x, "<testsuite name=\"gatekeeper\" tests=\"1\""));
	/* Coverage of the one linted migration (2 of its 5 statements analysed). */
	assert_non_null(strstr(x, "<property name=\"coverage\" value=\"2 of 5 statements analysed\"/>"));
	free(x);
	gk_report_free(r);
}

/* A write that fails (a full disk) is an error of the renderer, never a short report passed as whole. */
static void test_write_failure(void **state)
{
	(void)state;
	gk_report *r = sample("lint");
	gk_render_fn fns[] = {gk_render_sarif, gk_render_gitlab, gk_render_junit};
	for (size_t i = 0; i < sizeof fns / sizeof *fns; i++) {
		FILE *f = fopen("/dev/full", "w");
		if (!f)
			gk_test_skip("/dev/full cannot be opened: a full disk cannot be simulated");
		gk_error err = {0};
		gk_render_options o = {.hostname = "host", .timestamp = 1};
		assert_int_equal(fns[i](r, f, &o, &err), GK_EIO);
		assert_non_null(strstr(err.msg, "cannot write"));
		fclose(f);
	}
	gk_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fingerprint_ignores_position_and_layout),
		cmocka_unit_test(test_fingerprint_differs_by_subject),
		cmocka_unit_test(test_fingerprint_occurrence),
		cmocka_unit_test(test_fingerprint_about),
		cmocka_unit_test(test_settled_migrations),
		cmocka_unit_test(test_sarif_document),
		cmocka_unit_test(test_sarif_catalogue_from_options),
		cmocka_unit_test(test_sarif_job_kinds),
		cmocka_unit_test(test_sarif_hostile),
		cmocka_unit_test(test_gitlab_issues),
		cmocka_unit_test(test_production_and_estimate),
		cmocka_unit_test(test_many_hostile_findings),
		cmocka_unit_test(test_junit_settled_and_coverage),
		cmocka_unit_test(test_write_failure),
	};
	return cmocka_run_group_tests_name("sarif", tests, NULL, NULL);
}
