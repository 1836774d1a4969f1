/*
 * report_test.c - the report model and its renderers agree:
 *   - gk_report_finish decides blocking, verdict and exit code for every
 *     fail level and every kind of run error;
 *   - the JUnit output validates (default profile: junit-10-file-line.xsd;
 *     strict: junit-10.xsd and windyroad-JUnit.xsd, from testdata/schemas),
 *     its failure/error counts equal blocking findings/run errors, and its
 *     suite counts equal their children;
 *   - hostile text (invalid UTF-8, C0 controls, "]]>", long messages) comes
 *     out as well-formed XML;
 *   - the JSON output carries the same verdict, exit code and counts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>

#include "gatekeeper/render.h"
#include "gatekeeper/report.h"
#include "jstream.h"

#ifndef GK_SOURCE_DIR
#define GK_SOURCE_DIR "."
#endif

#define M1 "db/001_users.sql"
#define M2 "db/002_orders.sql"
#define M3 "db/003_clean.sql"
#define HOSTILE "drop \xff bad\x01 byte ]]> and\nnewline\x1b"

/* ---- building reports ------------------------------------------------ */

static void add(gk_report *r, const char *rule, enum gk_severity sev, const char *path, int line, int stmt,
		const char *msg, const char *sql)
{
	gk_finding f = {
		.rule_id = rule, .category = GK_CAT_LOCKING, .severity = sev, .message = (char *)msg,
		.help = (char *)"do the safe thing", .path = (char *)path, .line = line, .column = line ? 1 : 0,
		.end_line = line, .end_column = line ? 20 : 0, .statement_index = stmt, .sql = (char *)sql,
	};
	assert_int_equal(gk_report_add_finding(r, &f), 0);
}

/*
 * Three files (the third clean), findings of each severity, a rule that
 * repeats on one statement, a finding without position and one without
 * path.  Added out of order on purpose: finish must sort.
 */
static gk_report *sample(void)
{
	gk_report *r = gk_report_new("lint");
	assert_non_null(r);
	assert_int_equal(gk_report_add_migration(r, M1, 3, GK_RUNNER_PER_FILE), 0);
	assert_int_equal(gk_report_add_migration(r, M2, 2, GK_RUNNER_WHOLE), 1);
	assert_int_equal(gk_report_add_migration(r, M3, 1, GK_RUNNER_SPLIT), 2);
	add(r, "some-warning", GK_SEV_WARNING, M1, 5, 3, "ALTER TABLE users takes ACCESS EXCLUSIVE", "ALTER TABLE users ...");
	add(r, "create-index-non-concurrent", GK_SEV_ERROR, M1, 4, 2, "second index on users blocks writes",
	    "CREATE INDEX b ON users (b)");
	add(r, "create-index-non-concurrent", GK_SEV_ERROR, M1, 3, 2, "first index on users blocks writes",
	    "CREATE INDEX a ON users (a)");
	add(r, "some-info", GK_SEV_INFO, M2, 1, 1, "consider a comment", NULL);
	add(r, "drop-table", GK_SEV_ERROR, M2, 0, 0, HOSTILE, "DROP TABLE x; -- ]]> \x02");
	add(r, "config-note", GK_SEV_WARNING, NULL, 0, 0, "a finding about no file", NULL);
	return r;
}

static size_t count_rule(const gk_report *r, const char *rule, bool blocking)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_findings; i++)
		n += strcmp(r->findings[i].rule_id, rule) == 0 && r->findings[i].blocking == blocking;
	return n;
}

/* ---- rendering and XML helpers --------------------------------------- */

static char *render(const gk_report *r, gk_render_fn fn, const gk_render_options *o, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	assert_non_null(f);
	gk_error err = {0};
	int rc = fn(r, f, o, &err);
	assert_int_equal(fclose(f), 0);
	if (rc != 0)
		fail_msg("renderer failed: %s", err.msg);
	if (len)
		*len = n;
	return buf;
}

/* libxml2 2.12 made the error argument const. */
#if LIBXML_VERSION >= 21200
static void quiet(void *ctx, const xmlError *e)
#else
static void quiet(void *ctx, xmlErrorPtr e)
#endif
{
	(void)ctx;
	(void)e;
}

/* 0 when `doc` is valid against testdata/schemas/<xsd>; errors printed unless `expect_invalid`. */
static int validate(xmlDocPtr doc, const char *xsd, bool expect_invalid)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/testdata/schemas/%s", GK_SOURCE_DIR, xsd);
	xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(path);
	assert_non_null(pc);
	xmlSchemaPtr schema = xmlSchemaParse(pc);
	if (!schema)
		fail_msg("cannot load the schema %s", path);
	xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
	assert_non_null(vc);
	if (expect_invalid)
		xmlSchemaSetValidStructuredErrors(vc, quiet, NULL);
	int rc = xmlSchemaValidateDoc(vc, doc);
	xmlSchemaFreeValidCtxt(vc);
	xmlSchemaFree(schema);
	xmlSchemaFreeParserCtxt(pc);
	return rc;
}

typedef struct xdoc {
	char *raw;
	size_t len;
	xmlDocPtr doc;
	xmlXPathContextPtr xp;
} xdoc;

static xdoc junit(const gk_report *r, enum gk_junit_profile profile)
{
	gk_render_options o = {.junit_profile = profile, .hostname = "ci-runner-7", .timestamp = 1700000000};
	xdoc d = {0};
	d.raw = render(r, gk_render_junit, &o, &d.len);
	/* No RECOVER: an illegal character or a bad escape fails here. */
	d.doc = xmlReadMemory(d.raw, (int)d.len, "junit.xml", "UTF-8", XML_PARSE_NONET);
	if (!d.doc)
		fail_msg("the JUnit output is not well-formed XML:\n%s", d.raw);
	d.xp = xmlXPathNewContext(d.doc);
	assert_non_null(d.xp);
	return d;
}

static void xdoc_free(xdoc *d)
{
	xmlXPathFreeContext(d->xp);
	xmlFreeDoc(d->doc);
	free(d->raw);
}

static double xnum(xdoc *d, const char *expr)
{
	xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, d->xp);
	assert_non_null(o);
	double v = xmlXPathCastToNumber(o);
	xmlXPathFreeObject(o);
	return v;
}

/* string(expr), malloc'ed. */
static char *xstr(xdoc *d, const char *expr)
{
	xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, d->xp);
	assert_non_null(o);
	xmlChar *s = xmlXPathCastToString(o);
	xmlXPathFreeObject(o);
	char *c = strdup((const char *)s);
	xmlFree(s);
	return c;
}

static void assert_xstr(xdoc *d, const char *expr, const char *want)
{
	char *got = xstr(d, expr);
	if (strcmp(got, want) != 0)
		fail_msg("%s is '%s', expected '%s'", expr, got, want);
	free(got);
}

static void assert_xnum(xdoc *d, const char *expr, double want)
{
	double got = xnum(d, expr);
	if (got != want)
		fail_msg("%s is %g, expected %g", expr, got, want);
}

/* Each suite's counts equal its children; the totals equal the report's. */
static void assert_counts_agree(xdoc *d, const gk_report *r, bool strict)
{
	int suites = (int)xnum(d, "count(/testsuites/testsuite)");
	assert_true(suites >= 1);
	for (int s = 1; s <= suites; s++) {
		char e[256];
		snprintf(e, sizeof e, "/testsuites/testsuite[%d]/@tests = count(/testsuites/testsuite[%d]/testcase)", s, s);
		assert_xnum(d, e, 1);
		snprintf(e, sizeof e, "/testsuites/testsuite[%d]/@failures = count(/testsuites/testsuite[%d]/testcase/failure)",
			 s, s);
		assert_xnum(d, e, 1);
		snprintf(e, sizeof e, "/testsuites/testsuite[%d]/@errors = count(/testsuites/testsuite[%d]/testcase/error)", s, s);
		assert_xnum(d, e, 1);
		snprintf(e, sizeof e, "count(/testsuites/testsuite[%d]/testcase)", s);
		assert_true(xnum(d, e) >= 1); /* Jenkins drops suites without cases */
		if (strict) {
			snprintf(e, sizeof e, "string(/testsuites/testsuite[%d]/@id)", s);
			char want[16];
			snprintf(want, sizeof want, "%d", s - 1);
			assert_xstr(d, e, want);
		}
	}
	assert_xnum(d, "count(//failure)", (double)r->n_blocking);
	assert_xnum(d, "count(//error)", (double)r->n_errors);
	assert_xnum(d, "count(//testcase[count(failure) + count(error) + count(skipped) > 1])", 0);
	if (!strict) {
		assert_xnum(d, "number(/testsuites/@failures)", (double)r->n_blocking);
		assert_xnum(d, "number(/testsuites/@errors)", (double)r->n_errors);
		assert_xnum(d, "number(/testsuites/@tests)", xnum(d, "count(//testcase)"));
	}
}

static void assert_valid_profiles(const gk_report *r)
{
	xdoc d = junit(r, GK_JUNIT_DEFAULT);
	if (validate(d.doc, "junit-10-file-line.xsd", false) != 0)
		fail_msg("default JUnit is not valid against junit-10-file-line.xsd:\n%s", d.raw);
	assert_counts_agree(&d, r, false);
	xdoc_free(&d);

	d = junit(r, GK_JUNIT_STRICT);
	if (validate(d.doc, "junit-10.xsd", false) != 0)
		fail_msg("strict JUnit is not valid against junit-10.xsd:\n%s", d.raw);
	if (validate(d.doc, "windyroad-JUnit.xsd", false) != 0)
		fail_msg("strict JUnit is not valid against windyroad-JUnit.xsd:\n%s", d.raw);
	assert_counts_agree(&d, r, true);
	xdoc_free(&d);
}

/* ---- the model ------------------------------------------------------- */

static void test_finish_fail_levels(void **state)
{
	(void)state;
	static const struct {
		enum gk_severity level;
		size_t blocking;
		const char *verdict;
		enum gk_exit exit;
		enum gk_migration_status m1, m2, m3;
	} cases[] = {
		{GK_SEV_ERROR, 3, "fail", GK_EXIT_FAIL, GK_MIGRATION_FAIL, GK_MIGRATION_FAIL, GK_MIGRATION_PASS},
		{GK_SEV_WARNING, 5, "fail", GK_EXIT_FAIL, GK_MIGRATION_FAIL, GK_MIGRATION_FAIL, GK_MIGRATION_PASS},
		{GK_SEV_INFO, 6, "fail", GK_EXIT_FAIL, GK_MIGRATION_FAIL, GK_MIGRATION_FAIL, GK_MIGRATION_PASS},
		{GK_SEV_OFF, 0, "pass", GK_EXIT_PASS, GK_MIGRATION_PASS, GK_MIGRATION_PASS, GK_MIGRATION_PASS},
	};
	for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
		gk_report *r = sample();
		gk_report_finish(r, cases[c].level, 0.25);
		assert_true(r->finished);
		assert_int_equal(r->n_findings, 6);
		assert_int_equal(r->n_blocking, cases[c].blocking);
		assert_string_equal(r->verdict, cases[c].verdict);
		assert_int_equal(r->exit_code, cases[c].exit);
		assert_int_equal(r->migrations[0].status, cases[c].m1);
		assert_int_equal(r->migrations[1].status, cases[c].m2);
		assert_int_equal(r->migrations[2].status, cases[c].m3);
		assert_int_equal(r->migrations[0].findings, 3);
		assert_int_equal(r->migrations[1].findings, 2);
		assert_int_equal(r->migrations[2].findings, 0);
		assert_int_equal(r->by_severity[GK_SEV_ERROR], 3);
		assert_int_equal(r->by_severity[GK_SEV_WARNING], 2);
		assert_int_equal(r->by_severity[GK_SEV_INFO], 1);
		size_t blocking = 0;
		for (size_t i = 0; i < r->n_findings; i++) {
			bool want = cases[c].level != GK_SEV_OFF && r->findings[i].severity >= cases[c].level;
			assert_int_equal(r->findings[i].blocking, want);
			blocking += want;
		}
		assert_int_equal(blocking, cases[c].blocking);
		assert_int_equal(count_rule(r, "create-index-non-concurrent", true), cases[c].level == GK_SEV_OFF ? 0 : 2);
		assert_int_equal(count_rule(r, "some-info", false), cases[c].level == GK_SEV_INFO ? 0 : 1);
		gk_report_free(r);
	}
}

/*
 * What code outside the report changes goes through setters: a finding
 * downgraded by the lock trace no longer blocks, its new message is a
 * copy, an unlinted migration leaves the coverage, and the learnt version
 * and the interruption are kept.
 */
static void test_setters(void **state)
{
	(void)state;
	gk_report *r = gk_report_new("check");
	assert_non_null(r);
	int k = gk_report_add_migration(r, M1, 2, GK_RUNNER_WHOLE);
	int u = gk_report_add_migration(r, M2, 0, GK_RUNNER_WHOLE);
	assert_true(k >= 0 && u >= 0);
	gk_report_set_unlinted(r, (size_t)u);
	add(r, "create-index-non-concurrent", GK_SEV_ERROR, M1, 1, 1, "first", "CREATE INDEX i ON t (a)");
	char msg[] = "first; the replay saw less";
	assert_int_equal(gk_finding_set_message(&r->findings[0], msg), 0);
	msg[0] = 'X';
	gk_finding_set_severity(&r->findings[0], GK_SEV_INFO);
	gk_report_set_pg_version(r, 17);
	gk_report_set_interrupted(r);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	assert_string_equal(r->findings[0].message, "first; the replay saw less");
	assert_int_equal(r->findings[0].severity, GK_SEV_INFO);
	assert_false(r->findings[0].blocking);
	assert_int_equal(r->n_blocking, 0);
	assert_true(r->migrations[k].linted);
	assert_false(r->migrations[u].linted);
	assert_int_equal(r->n_linted, 1);
	assert_int_equal(r->pg_version, 17);
	assert_true(r->interrupted);
	gk_report_free(r);
}

/* Run `fn` in a child process: true when it died of SIGABRT (an assert). */
static bool aborts(void (*fn)(gk_report *r), gk_report *r)
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* The child's abort writes no core file and no sanitizer report. */
		struct rlimit no_core = {0, 0};
		setrlimit(RLIMIT_CORE, &no_core);
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, STDERR_FILENO);
		fn(r);
		_exit(0);
	}
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
}

static void set_linted_out_of_range(gk_report *r) { gk_report_set_linted(r, r->n_migrations, 1, GK_RUNNER_WHOLE); }
static void add_null_note(gk_report *r) { gk_report_add_note(r, NULL); }
static void add_finding_without_rule(gk_report *r)
{
	gk_finding f = {.message = (char *)"m"};
	gk_report_add_finding(r, &f);
}
static void skip_unknown_check(gk_report *r) { gk_report_skip_check(r, r->n_checks, "why"); }
static void finish_null(gk_report *r)
{
	(void)r;
	gk_report_finish(NULL, GK_SEV_ERROR, 0);
}
static void set_linted_in_range(gk_report *r) { gk_report_set_linted(r, 0, 1, GK_RUNNER_WHOLE); }

/* Programming errors are asserted, not turned into a return code or a
 * crash somewhere later; a call within the contract does not abort. */
static void test_contract_asserts(void **state)
{
	(void)state;
	gk_report *r = gk_report_new("lint");
	assert_true(gk_report_add_migration(r, M1, 1, GK_RUNNER_WHOLE) == 0);
	assert_true(aborts(set_linted_out_of_range, r));
	assert_true(aborts(add_null_note, r));
	assert_true(aborts(add_finding_without_rule, r));
	assert_true(aborts(skip_unknown_check, r));
	assert_true(aborts(finish_null, r));
	assert_false(aborts(set_linted_in_range, r));
	gk_report_free(r);
}

static void test_finish_sorts(void **state)
{
	(void)state;
	gk_report *r = sample();
	gk_report_finish(r, GK_SEV_ERROR, 0);
	/* The finding without a path sorts first, then by path, line, column, rule. */
	assert_null(r->findings[0].path);
	assert_string_equal(r->findings[1].path, M1);
	assert_int_equal(r->findings[1].line, 3);
	assert_int_equal(r->findings[2].line, 4);
	assert_int_equal(r->findings[3].line, 5);
	assert_string_equal(r->findings[4].path, M2);
	assert_int_equal(r->findings[4].line, 0);
	assert_string_equal(r->findings[5].rule_id, "some-info");
	gk_report_free(r);
}

/* Room reserved for findings is used as they come: the array is not
 * moved until it is full, and grows past it. */
static void test_reserve_findings(void **state)
{
	(void)state;
	gk_report *r = gk_report_new("lint");
	assert_non_null(r);
	assert_int_equal(gk_report_reserve_findings(r, 300), 0);
	const gk_finding *array = r->findings;
	assert_non_null(array);
	for (int i = 0; i < 300; i++)
		add(r, "drop-table", GK_SEV_WARNING, "big.sql", i + 1, i + 1, "drops t", "DROP TABLE t;");
	assert_ptr_equal(r->findings, array);
	for (int i = 0; i < 300; i++)
		add(r, "drop-table", GK_SEV_WARNING, "big.sql", 301 + i, 301 + i, "drops t", "DROP TABLE t;");
	assert_int_equal(r->n_findings, 600);
	assert_int_equal(gk_report_reserve_findings(r, SIZE_MAX), GK_ENOMEM);
	assert_int_equal(r->n_findings, 600);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	assert_int_equal(r->findings[599].line, 600);
	gk_report_free(r);
}

/* The fingerprint of a finding about `sql` (drop-table at a.sql), malloc'ed. */
static char *fingerprint_of(const char *sql)
{
	gk_report *r = gk_report_new("lint");
	assert_non_null(r);
	add(r, "drop-table", GK_SEV_WARNING, "a.sql", 1, 1, "drops t", sql);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	char *fp = strdup(r->findings[0].fingerprint);
	assert_non_null(fp);
	gk_report_free(r);
	return fp;
}

/* A statement's fingerprint survives re-indenting: every run of the six
 * white-space characters is one space, both ends trimmed, also across the
 * digest's 4 kB chunks; a space more or less between two words' letters
 * is another statement.  The value itself is pinned, so that a change of
 * the folding, which would renew every fingerprint of every user's
 * baseline, is a decision and not an accident. */
static void test_fingerprint_folds_white_space(void **state)
{
	(void)state;
	char *plain = fingerprint_of("DROP TABLE t CASCADE;");
	assert_string_equal(plain, "91f98b4421a31a0ba34ef6af8efe0d9d3c13937b74f42069e0265d632f787219");
	const char *same[] = {"DROP TABLE t CASCADE;", "  DROP\tTABLE\n\tt  CASCADE;\n", "\v\fDROP\r\nTABLE t\v\f CASCADE;\r\n  "};
	for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
		char *fp = fingerprint_of(same[i]);
		assert_string_equal(fp, plain);
		free(fp);
	}
	char *other = fingerprint_of("DROP TABLE t  CASCADE ;");
	assert_string_not_equal(other, plain);
	free(other);
	/* Past a chunk: 3,000 words of "x" apart by runs of mixed blanks,
	 * against the same words one space apart. */
	char *wide = malloc(3000 * 5 + 1), *narrow = malloc(3000 * 2 + 1);
	assert_non_null(wide);
	assert_non_null(narrow);
	size_t w = 0, n = 0;
	for (size_t i = 0; i < 3000; i++) {
		memcpy(wide + w, i % 2 ? "x \n\t " : "x\r\n  ", 5);
		w += 5;
		narrow[n++] = 'x';
		if (i + 1 < 3000)
			narrow[n++] = ' ';
	}
	wide[w] = narrow[n] = '\0';
	char *a = fingerprint_of(wide), *b = fingerprint_of(narrow);
	assert_string_equal(a, b);
	free(a), free(b), free(wide), free(narrow), free(plain);
}

/*
 * Many findings (their digests taken by two threads, halves.h): each
 * fingerprint is SHA-256 of its subject's digest and its occurrence (four
 * bytes, big-endian), computed here apart.  Each of 700 paths has one
 * statement with three findings of one rule (occurrences 0, 1, 2) and one
 * of another rule (occurrence 0).
 */
static void test_fingerprints_of_many_findings(void **state)
{
	(void)state;
	gk_report *r = gk_report_new("lint");
	assert_non_null(r);
	char path[32];
	for (int i = 0; i < 700; i++) {
		snprintf(path, sizeof path, "m/%04d.sql", i);
		for (int k = 0; k < 3; k++)
			add(r, "drop-table", GK_SEV_WARNING, path, 1 + k, 1, "drops t", "DROP TABLE t;");
		add(r, "drop-column", GK_SEV_WARNING, path, 4, 1, "drops c", "DROP TABLE t;");
	}
	gk_report_finish(r, GK_SEV_ERROR, 0);
	assert_int_equal(r->n_findings, 2800);
	for (size_t i = 0; i < r->n_findings; i++) {
		const gk_finding *f = &r->findings[i];
		unsigned o = strcmp(f->rule_id, "drop-table") == 0 ? (unsigned)f->line - 1 : 0;
		unsigned char in[36], d[32];
		memcpy(in, f->subject, 32);
		in[32] = 0, in[33] = 0, in[34] = 0, in[35] = (unsigned char)o;
		unsigned len = 0;
		assert_true(EVP_Digest(in, sizeof in, d, &len, EVP_sha256(), NULL) && len == 32);
		char hex[65];
		for (size_t b = 0; b < 32; b++)
			snprintf(hex + 2 * b, 3, "%02x", d[b]);
		assert_string_equal(f->fingerprint, hex);
	}
	gk_report_free(r);
}

/* No path and the path "" digest alike: two findings about one statement,
 * one of each, are two occurrences of one subject (findings with no path
 * sort just before those with "", so one pass over a path sees both), and
 * the same two at two paths are two subjects. */
static void test_fingerprint_no_path_and_empty_path(void **state)
{
	(void)state;
	gk_report *r = gk_report_new("lint");
	assert_non_null(r);
	add(r, "drop-table", GK_SEV_WARNING, "", 1, 1, "drops t", "DROP TABLE t;");
	add(r, "drop-table", GK_SEV_WARNING, NULL, 1, 1, "drops t", "DROP TABLE t;");
	add(r, "drop-table", GK_SEV_WARNING, "a.sql", 1, 1, "drops t", "DROP TABLE t;");
	add(r, "drop-table", GK_SEV_WARNING, "b.sql", 1, 1, "drops t", "DROP TABLE t;");
	gk_report_finish(r, GK_SEV_ERROR, 0);
	assert_null(r->findings[0].path);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(strlen(r->findings[i].fingerprint), 64);
		for (size_t k = 0; k < i; k++)
			assert_string_not_equal(r->findings[i].fingerprint, r->findings[k].fingerprint);
	}
	gk_report *one = gk_report_new("lint");
	add(one, "drop-table", GK_SEV_WARNING, NULL, 1, 1, "drops t", "DROP TABLE t;");
	gk_report_finish(one, GK_SEV_ERROR, 0);
	assert_string_equal(one->findings[0].fingerprint, r->findings[0].fingerprint); /* the first occurrence */
	gk_report_free(one);
	gk_report_free(r);
}

/* ---- the report's order, whatever order findings come in ------------- */

typedef struct order_key {
	const char *path, *rule, *message;
	int line, column;
	const char *tag; /* tells equal findings apart: their help */
} order_key;

/* The findings of the order tests: files "", "a.sql" and "b.sql" and no
 * file; some equal in everything gk_report_finish sorts by (the tags
 * tell them apart). */
static const order_key ORDER_KEYS[] = {
	{"a.sql", "drop-table", "drops t", 3, 1, "a1"},
	{"a.sql", "drop-table", "drops t", 3, 1, "a2"},
	{"a.sql", "drop-column", "drops c", 3, 1, "a3"},
	{"a.sql", "drop-table", "drops t", 2, 9, "a4"},
	{"a.sql", "drop-table", "drops u", 3, 1, "a5"},
	{"b.sql", "drop-table", "drops t", 1, 1, "b1"},
	{"b.sql", "drop-table", "drops t", 1, 1, "b2"},
	{"b.sql", "add-column", "adds c", 7, 3, "b3"},
	{"", "config-note", "no file", 0, 0, "e1"},
	{NULL, "config-note", "no file", 0, 0, "n1"},
	{NULL, "config-note", "no file", 0, 0, "n2"},
	{"a.sql", "drop-table", "drops t", 3, 1, "a6"},
};
#define N_ORDER_KEYS (sizeof ORDER_KEYS / sizeof *ORDER_KEYS)

static int order_cmp(const order_key *a, const order_key *b)
{
	if (!a->path || !b->path) {
		if (a->path || b->path)
			return a->path ? 1 : -1;
	} else if (strcmp(a->path, b->path)) {
		return strcmp(a->path, b->path);
	}
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->column != b->column)
		return a->column < b->column ? -1 : 1;
	int c = strcmp(a->rule, b->rule);
	return c ? c : strcmp(a->message, b->message);
}

/* What gk_report_finish must give for findings added in the order of
 * `seq`: sorted, equal ones as they were added (an insertion sort). */
static void order_expected(const size_t *seq, size_t n, size_t *out)
{
	for (size_t i = 0; i < n; i++) {
		size_t k = i;
		while (k > 0 && order_cmp(&ORDER_KEYS[out[k - 1]], &ORDER_KEYS[seq[i]]) > 0) {
			out[k] = out[k - 1];
			k--;
		}
		out[k] = seq[i];
	}
}

static gk_finding order_finding(size_t k)
{
	const order_key *o = &ORDER_KEYS[k];
	return (gk_finding){.rule_id = o->rule, .category = GK_CAT_DESTRUCTIVE, .severity = GK_SEV_ERROR,
			    .message = (char *)o->message, .help = (char *)o->tag, .path = (char *)o->path,
			    .line = o->line, .column = o->column, .sql = (char *)"DROP TABLE t"};
}

/* Findings added in the order of `seq` (one at a time, or taken in
 * batches of one path each, as the lint does) come out of
 * gk_report_finish in order, equal ones in the order they were added. */
static void check_order(const size_t *seq, size_t n, bool batches)
{
	gk_report *r = gk_report_new("lint");
	assert_non_null(r);
	for (size_t i = 0; i < n;) {
		size_t end = i + 1;
		while (batches && end < n && ORDER_KEYS[seq[end]].path && ORDER_KEYS[seq[i]].path &&
		       strcmp(ORDER_KEYS[seq[end]].path, ORDER_KEYS[seq[i]].path) == 0)
			end++;
		gk_finding batch[N_ORDER_KEYS];
		for (size_t k = i; k < end; k++) {
			batch[k - i] = order_finding(seq[k]);
			if (batches) {
				batch[k - i].message = strdup(batch[k - i].message);
				batch[k - i].help = strdup(batch[k - i].help);
				batch[k - i].path = batch[k - i].path ? strdup(batch[k - i].path) : NULL;
				batch[k - i].sql = strdup(batch[k - i].sql);
			}
		}
		if (batches)
			assert_int_equal(gk_report_take_findings(r, batch, end - i), 0);
		for (size_t k = i; !batches && k < end; k++)
			assert_int_equal(gk_report_add_finding(r, &batch[k - i]), 0);
		i = end;
	}
	gk_report_finish(r, GK_SEV_ERROR, 0);
	size_t want[N_ORDER_KEYS];
	order_expected(seq, n, want);
	assert_int_equal(r->n_findings, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(r->findings[i].help, ORDER_KEYS[want[i]].tag);
	gk_report_free(r);
}

static void check_order_both(const size_t *seq, size_t n)
{
	check_order(seq, n, false);
	check_order(seq, n, true);
}

/* In order, reversed, each file in order but the files not (named twice,
 * with findings equal across the two), and shuffled: always sorted, and
 * equal findings in the order they were added, as a stable sort (glibc's
 * qsort) gave them before the report looked for runs already in order. */
static void test_finish_orders_any_input(void **state)
{
	(void)state;
	size_t seq[N_ORDER_KEYS], sorted[N_ORDER_KEYS];
	for (size_t i = 0; i < N_ORDER_KEYS; i++)
		seq[i] = i;
	check_order_both(seq, N_ORDER_KEYS);
	order_expected(seq, N_ORDER_KEYS, sorted);
	check_order_both(sorted, N_ORDER_KEYS);
	for (size_t i = 0; i < N_ORDER_KEYS; i++)
		seq[i] = sorted[N_ORDER_KEYS - 1 - i];
	check_order_both(seq, N_ORDER_KEYS);
	/* b.sql's, then a.sql's (with a tie across its two runs), then the
	 * file "" and no file: runs each in order, not among themselves. */
	const size_t runs[] = {5, 6, 7, 0, 3, 1, 8, 9, 10, 2, 4, 11};
	check_order_both(runs, N_ORDER_KEYS);
	const size_t files_reversed[] = {5, 6, 7, 3, 2, 0, 1, 11, 4, 8, 9, 10};
	check_order_both(files_reversed, N_ORDER_KEYS);
	/* Two runs that would be in order one after the other but for a2
	 * equal to a1, which came first. */
	const size_t tie_across[] = {0, 5, 3, 1};
	check_order_both(tie_across, 4);
	unsigned x = 12345;
	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < N_ORDER_KEYS; i++)
			seq[i] = i;
		for (size_t i = N_ORDER_KEYS - 1; i > 0; i--) {
			x = x * 1103515245u + 12345u;
			size_t j = (x >> 16) % (i + 1), t = seq[i];
			seq[i] = seq[j];
			seq[j] = t;
		}
		check_order_both(seq, N_ORDER_KEYS);
	}
}

/* A batch taken out of order: its findings go in sorted, a suppressed one
 * apart in the order given; what is not taken (all of it) stays the
 * caller's. */
static void test_take_findings_sorts_batch(void **state)
{
	(void)state;
	gk_report *r = gk_report_new("lint");
	assert_non_null(r);
	gk_finding f[4];
	const size_t keys[] = {4, 1, 0, 3};
	for (size_t i = 0; i < 4; i++) {
		f[i] = order_finding(keys[i]);
		f[i].message = strdup(f[i].message);
		f[i].help = strdup(f[i].help);
		f[i].path = strdup(f[i].path);
		f[i].sql = NULL;
	}
	f[2].suppressed = true;
	assert_int_equal(gk_report_take_findings(r, f, 4), 0);
	for (size_t i = 0; i < 4; i++)
		assert_null(f[i].message);
	assert_int_equal(r->n_findings, 3);
	assert_int_equal(r->n_suppressed, 1);
	assert_string_equal(r->findings[0].help, "a4");
	assert_string_equal(r->findings[1].help, "a2");
	assert_string_equal(r->findings[2].help, "a5");
	assert_string_equal(r->suppressed[0].help, "a1");
	assert_int_equal(gk_report_take_findings(r, NULL, 0), 0);
	gk_report_free(r);
}

static void test_finish_error_kinds(void **state)
{
	(void)state;
	static const struct {
		enum gk_error_kind kinds[3];
		size_t n;
		enum gk_exit exit;
	} cases[] = {
		{{GK_ERRKIND_CONFIG}, 1, GK_EXIT_USAGE},
		{{GK_ERRKIND_IO}, 1, GK_EXIT_USAGE},
		{{GK_ERRKIND_TIMEOUT}, 1, GK_EXIT_INFRA},
		{{GK_ERRKIND_INTERRUPTED}, 1, GK_EXIT_INFRA},
		{{GK_ERRKIND_CONFIG, GK_ERRKIND_DB_CONNECT}, 2, GK_EXIT_USAGE},
		{{GK_ERRKIND_DB_CONNECT, GK_ERRKIND_CONFIG}, 2, GK_EXIT_USAGE},
		{{GK_ERRKIND_DB_CONNECT, GK_ERRKIND_TIMEOUT}, 2, GK_EXIT_INFRA},
		{{GK_ERRKIND_INTERNAL, GK_ERRKIND_TIMEOUT, GK_ERRKIND_IO}, 3, GK_EXIT_INTERNAL},
		{{GK_ERRKIND_IO, GK_ERRKIND_INTERNAL, GK_ERRKIND_CONFIG}, 3, GK_EXIT_INTERNAL},
		{{GK_ERRKIND_DB_CONNECT, GK_ERRKIND_INTERNAL}, 2, GK_EXIT_INTERNAL},
	};
	for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
		gk_report *r = sample();
		for (size_t k = 0; k < cases[c].n; k++)
			assert_int_equal(gk_report_add_error(r, cases[c].kinds[k], k ? NULL : M2, "problem %zu", k), 0);
		gk_report_finish(r, GK_SEV_ERROR, 0);
		/* An error outranks blocking findings, which are still counted. */
		assert_string_equal(r->verdict, "error");
		assert_int_equal(r->exit_code, cases[c].exit);
		assert_int_equal(r->n_blocking, 3);
		assert_valid_profiles(r);
		gk_report_free(r);
	}
}

static json_t *json_report(const gk_report *r);

/*
 * A server that failed (db_connect: the shadow did not start, a target was
 * unreachable) next to blocking findings: the change is known bad, exit 1,
 * with the error still in the report.  Without blocking findings it is the
 * retryable 3.
 */
static void test_finish_blocking_beats_failed_server(void **state)
{
	(void)state;
	gk_report *r = sample();
	assert_int_equal(gk_report_add_error(r, GK_ERRKIND_DB_CONNECT, NULL, "replay: cannot start the shadow"), 0);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	assert_string_equal(r->verdict, "fail");
	assert_int_equal(r->exit_code, GK_EXIT_FAIL);
	assert_int_equal(r->n_errors, 1);
	assert_valid_profiles(r);
	json_t *doc = json_report(r);
	json_t *sum = json_object_get(doc, "summary");
	assert_int_equal(json_integer_value(json_object_get(sum, "exit_code")), GK_EXIT_FAIL);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(doc, "errors"), 0), "kind")),
			    "db_connect");
	json_decref(doc);
	/* Nothing blocks at fail level never: the failure decides, exit 3. */
	gk_report_finish(r, GK_SEV_OFF, 0);
	assert_string_equal(r->verdict, "error");
	assert_int_equal(r->exit_code, GK_EXIT_INFRA);
	gk_report_free(r);
}

/* ---- JUnit ----------------------------------------------------------- */

static void test_junit_valid_and_counts_at_every_level(void **state)
{
	(void)state;
	const enum gk_severity levels[] = {GK_SEV_ERROR, GK_SEV_WARNING, GK_SEV_INFO, GK_SEV_OFF};
	for (size_t l = 0; l < sizeof levels / sizeof *levels; l++) {
		gk_report *r = sample();
		gk_report_finish(r, levels[l], 0.4125);
		assert_valid_profiles(r);
		gk_report_free(r);
	}
}

static void test_junit_default_mapping(void **state)
{
	(void)state;
	gk_report *r = sample();
	assert_int_equal(gk_report_add_error(r, GK_ERRKIND_IO, "db/004_missing.sql", "cannot read the file"), 0);
	gk_report_finish(r, GK_SEV_ERROR, 0.4126);
	xdoc d = junit(r, GK_JUNIT_DEFAULT);

	assert_xstr(&d, "string(/testsuites/@name)", "gatekeeper");
	assert_xstr(&d, "string(/testsuites/@time)", "0.413");
	assert_xnum(&d, "count(/testsuites/testsuite)", 4);
	assert_xstr(&d, "string(/testsuites/testsuite[1]/@name)", M1);
	assert_xstr(&d, "string(/testsuites/testsuite[1]/@file)", M1);
	assert_xstr(&d, "string(/testsuites/testsuite[3]/@name)", M3);
	assert_xstr(&d, "string(/testsuites/testsuite[4]/@name)", "gatekeeper");
	assert_xstr(&d, "string(/testsuites/testsuite[1]/@timestamp)", "2023-11-14T22:13:20");
	assert_xstr(&d, "string(/testsuites/testsuite[1]/@hostname)", "ci-runner-7");
	assert_xstr(&d, "string(/testsuites/testsuite[1]/properties/property[@name='fail_level']/@value)", "error");
	assert_xstr(&d, "string(/testsuites/testsuite[1]/properties/property[@name='tool.version']/@value)", GK_VERSION);
	assert_xstr(&d, "string(/testsuites/testsuite[1]/properties/property[@name='pg_version']/@value)", "15");

	/* A repeated rule on one statement gets "#2"; names carry no line. */
	assert_xstr(&d, "string(/testsuites/testsuite[1]/testcase[1]/@name)", "lint/create-index-non-concurrent [stmt 2]");
	assert_xstr(&d, "string(/testsuites/testsuite[1]/testcase[2]/@name)", "lint/create-index-non-concurrent [stmt 2] #2");
	assert_xstr(&d, "string(/testsuites/testsuite[1]/testcase[1]/@classname)", M1);
	assert_xstr(&d, "string(/testsuites/testsuite[1]/testcase[1]/@file)", M1);
	assert_xstr(&d, "string(/testsuites/testsuite[1]/testcase[1]/@line)", "3");
	assert_xstr(&d, "string(/testsuites/testsuite[1]/testcase[2]/@line)", "4");
	assert_xstr(&d, "string(/testsuites/testsuite[1]/testcase[1]/failure/@type)", "lint/create-index-non-concurrent");
	assert_xstr(&d, "string(/testsuites/testsuite[1]/testcase[1]/failure/@message)", "first index on users blocks writes");
	assert_xstr(&d, "string(/testsuites/testsuite[1]/testcase[1]/failure)",
		    "first index on users blocks writes\n" M1 ":3:1 severity=error category=locking\n"
		    "help: do the safe thing\nSQL: CREATE INDEX a ON users (a)");
	/* The warning does not block: it is a line of system-out, not a case. */
	assert_xnum(&d, "count(/testsuites/testsuite[1]/testcase)", 2);
	assert_xstr(&d, "string(/testsuites/testsuite[1]/system-out)",
		    M1 ":5:1 warning some-warning: ALTER TABLE users takes ACCESS EXCLUSIVE\n");

	/* A finding about the whole file: "[file]" and no line attribute. */
	assert_xstr(&d, "string(/testsuites/testsuite[2]/testcase[1]/@name)", "lint/drop-table [file]");
	assert_xnum(&d, "count(/testsuites/testsuite[2]/testcase[1]/@line)", 0);
	assert_xstr(&d, "string(/testsuites/testsuite[2]/system-out)", M2 ":1:1 info some-info: consider a comment\n");

	/* The clean file has one passing "lint" case. */
	assert_xnum(&d, "count(/testsuites/testsuite[3]/testcase)", 1);
	assert_xstr(&d, "string(/testsuites/testsuite[3]/testcase/@name)", "lint");
	assert_xnum(&d, "count(/testsuites/testsuite[3]/testcase/*)", 0);
	assert_xstr(&d, "string(/testsuites/testsuite[3]/@tests)", "1");

	/* Run error and the pathless finding live in the gatekeeper suite. */
	assert_xstr(&d, "string(/testsuites/testsuite[4]/testcase[1]/error/@type)", "io");
	assert_xstr(&d, "string(/testsuites/testsuite[4]/testcase[1]/error/@message)", "cannot read the file");
	assert_xstr(&d, "string(/testsuites/testsuite[4]/testcase[1]/@classname)", "db/004_missing.sql");
	assert_xstr(&d, "string(/testsuites/testsuite[4]/testcase[1]/error)", "cannot read the file\npath: db/004_missing.sql");
	assert_xstr(&d, "string(/testsuites/testsuite[4]/@errors)", "1");
	assert_xstr(&d, "string(/testsuites/testsuite[4]/system-out)", "warning config-note: a finding about no file\n");
	assert_xstr(&d, "string(/testsuites/@failures)", "3");
	assert_xstr(&d, "string(/testsuites/@errors)", "1");

	/* The default profile is not valid against upstream junit-10.xsd (testcase@file). */
	assert_int_not_equal(validate(d.doc, "junit-10.xsd", true), 0);
	assert_int_equal(validate(d.doc, "junit-10-file-line.xsd", false), 0);
	xdoc_free(&d);
	gk_report_free(r);
}

static void test_junit_strict_profile(void **state)
{
	(void)state;
	gk_report *r = sample();
	assert_int_equal(gk_report_add_error(r, GK_ERRKIND_DB_CONNECT, NULL, "connection refused"), 0);
	gk_report_finish(r, GK_SEV_WARNING, 1.0);
	xdoc d = junit(r, GK_JUNIT_STRICT);
	assert_xnum(&d, "count(/testsuites/@*)", 0);
	assert_xnum(&d, "count(//testcase/@file) + count(//testcase/@line) + count(//testsuite/@file)", 0);
	assert_xnum(&d, "count(//testsuite[not(@package) or not(@id)])", 0);
	assert_xnum(&d, "count(//testsuite[not(properties) or not(system-out) or not(system-err)])", 0);
	/* At fail level warning the pathless warning blocks: a failing case in the gatekeeper suite. */
	assert_xstr(&d, "string(/testsuites/testsuite[4]/testcase[2]/@name)", "lint/config-note [file]");
	assert_xstr(&d, "string(/testsuites/testsuite[4]/testcase[2]/@classname)", "gatekeeper");
	assert_xstr(&d, "string(/testsuites/testsuite[4]/testcase[1]/error/@type)", "db_connect");
	assert_int_equal(validate(d.doc, "junit-10.xsd", false), 0);
	assert_int_equal(validate(d.doc, "windyroad-JUnit.xsd", false), 0);
	/* The default profile breaks windyroad: a control that the validator can fail. */
	xdoc def = junit(r, GK_JUNIT_DEFAULT);
	assert_int_not_equal(validate(def.doc, "windyroad-JUnit.xsd", true), 0);
	xdoc_free(&def);
	assert_counts_agree(&d, r, true);
	xdoc_free(&d);
	gk_report_free(r);
}

static void test_junit_hostile_text(void **state)
{
	(void)state;
	gk_report *r = sample();
	char longmsg[1024] = "";
	for (int i = 0; i < 250; i++)
		strcat(longmsg, "\xC3\xA9"); /* é: 250 code points, 500 bytes */
	add(r, "long-message", GK_SEV_ERROR, M3, 1, 1, longmsg, NULL);
	char asciimsg[300];
	memset(asciimsg, 'a', 250); /* plain ASCII, which is copied in runs: the cut must land at the same place */
	asciimsg[250] = '\0';
	add(r, "long-ascii", GK_SEV_ERROR, M3, 1, 1, asciimsg, NULL);
	/* At the limit, plain ASCII is written as is; one more and it is cut. */
	char at_limit[201], over[202];
	memset(at_limit, 'b', 200);
	at_limit[200] = '\0';
	memset(over, 'c', 201);
	over[201] = '\0';
	add(r, "ascii-at-limit", GK_SEV_ERROR, M3, 2, 1, at_limit, NULL);
	add(r, "ascii-over", GK_SEV_ERROR, M3, 3, 1, over, NULL);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	for (int p = GK_JUNIT_DEFAULT; p <= GK_JUNIT_STRICT; p++) {
		xdoc d = junit(r, (enum gk_junit_profile)p);
		assert_null(strstr(d.raw, "CDATA"));
		assert_null(memchr(d.raw, '\x01', d.len));
		assert_null(memchr(d.raw, '\x02', d.len));
		assert_null(memchr(d.raw, '\x1b', d.len));
		assert_null(memchr(d.raw, '\xff', d.len));
		assert_non_null(strstr(d.raw, "]]&gt;"));
		/* Invalid bytes and controls shown as \xNN, the message attribute on one line. */
		assert_xstr(&d, "string(//failure[@type='lint/drop-table']/@message)",
			    "drop \\xff bad\\x01 byte ]]> and newline\\x1b");
		char *body = xstr(&d, "string(//failure[@type='lint/drop-table'])");
		assert_non_null(strstr(body, "drop \\xff bad\\x01 byte ]]> and\nnewline\\x1b\n"));
		assert_non_null(strstr(body, "\nSQL: DROP TABLE x; -- ]]> "));
		free(body);
		/* 199 code points and an ellipsis, cut on a character boundary. */
		char *msg = xstr(&d, "string(//failure[@type='lint/long-message']/@message)");
		assert_int_equal(strlen(msg), 199 * 2 + 3);
		assert_string_equal(msg + 199 * 2, "\xE2\x80\xA6");
		free(msg);
		msg = xstr(&d, "string(//failure[@type='lint/long-ascii']/@message)");
		assert_int_equal(strlen(msg), 199 + 3);
		assert_int_equal(strspn(msg, "a"), 199);
		assert_string_equal(msg + 199, "\xE2\x80\xA6");
		free(msg);
		assert_xstr(&d, "string(//failure[@type='lint/ascii-at-limit']/@message)", at_limit);
		msg = xstr(&d, "string(//failure[@type='lint/ascii-over']/@message)");
		assert_int_equal(strspn(msg, "c"), 199);
		assert_string_equal(msg + 199, "\xE2\x80\xA6");
		free(msg);
		char *full = xstr(&d, "string(//failure[@type='lint/long-message'])");
		assert_memory_equal(full, longmsg, strlen(longmsg)); /* the text keeps it whole */
		free(full);
		assert_int_equal(validate(d.doc, p == GK_JUNIT_STRICT ? "windyroad-JUnit.xsd" : "junit-10-file-line.xsd", false), 0);
		xdoc_free(&d);
	}
	gk_report_free(r);
}

static void test_junit_empty_report(void **state)
{
	(void)state;
	gk_report *r = gk_report_new("lint");
	assert_non_null(r);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	assert_string_equal(r->verdict, "pass");
	assert_valid_profiles(r);
	xdoc d = junit(r, GK_JUNIT_DEFAULT);
	assert_xnum(&d, "count(/testsuites/testsuite)", 1);
	assert_xstr(&d, "string(/testsuites/testsuite/testcase/@name)", "lint");
	xdoc_free(&d);
	gk_report_free(r);
}

/* Findings about database objects (drift) and about the change (history):
 * their own case prefixes, and an object's case named by the object. */
static void test_junit_objects_and_prefixes(void **state)
{
	(void)state;
	gk_report *r = gk_report_new("drift");
	assert_non_null(r);
	gk_finding a = {.rule_id = "drift-changed", .category = GK_CAT_DRIFT, .severity = GK_SEV_ERROR,
			.message = "column public.users.email: type differs", .object_kind = "column",
			.object = "public.users.email", .attribute = "type", .expected = "text", .actual = "varchar"};
	gk_finding b = a;
	b.object = "public.users.name";
	gk_finding h = {.rule_id = "deleted-migration", .category = GK_CAT_HISTORY, .severity = GK_SEV_ERROR,
			.message = "gone", .path = "m/1.sql"};
	assert_int_equal(gk_report_add_finding(r, &a), 0);
	assert_int_equal(gk_report_add_finding(r, &b), 0);
	assert_int_equal(gk_report_add_finding(r, &h), 0);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	assert_valid_profiles(r);
	xdoc d = junit(r, GK_JUNIT_DEFAULT);
	assert_xnum(&d, "count(//testcase[@name='drift/drift-changed [column public.users.email]'])", 1);
	assert_xnum(&d, "count(//testcase[@name='drift/drift-changed [column public.users.name]'])", 1);
	assert_xnum(&d, "count(//failure[@type='history/deleted-migration'])", 1);
	assert_xnum(&d, "count(//failure)", 3);
	xdoc_free(&d);
	gk_report_free(r);
}

/* The replay case of a migration fails with the finding the replay marked
 * as its outcome (gk_finding.replay_outcome), whatever its rule id; an
 * unmarked finding with the same rule id is a case of its own and the
 * replay case passes. */
static void junit_replay_case(bool marked)
{
	gk_report *r = gk_report_new("check");
	assert_non_null(r);
	assert_int_equal(gk_report_add_migration(r, M1, 1, GK_RUNNER_WHOLE), 0);
	assert_int_equal(gk_report_set_replay(r, 0, GK_REPLAY_FAILED, 2.0, "42P07", "relation exists", false), 0);
	gk_finding f = {.rule_id = "replay-verdict", .category = GK_CAT_REPLAY, .severity = GK_SEV_ERROR,
			.message = "does not apply", .path = M1, .line = 1, .column = 1, .statement_index = 1,
			.replay_outcome = marked};
	assert_int_equal(gk_report_add_finding(r, &f), 0);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	assert_valid_profiles(r);
	xdoc d = junit(r, GK_JUNIT_DEFAULT);
	assert_xnum(&d, "count(//testcase[@name='replay']/failure[@message='does not apply'])", marked ? 1 : 0);
	assert_xnum(&d, "count(//testcase[@name='replay/replay-verdict [stmt 1]'])", marked ? 0 : 1);
	xdoc_free(&d);
	gk_report_free(r);
}

/* gk_report_take_finding moves the strings (the report frees them, the
 * caller's finding is zeroed): the message itself, the texts findings
 * share as the report's one copy of each (two findings of one file and
 * statement have one path and one statement); and sorts a suppressed one
 * apart, as gk_report_add_finding does with copies. */
static void test_take_finding_moves(void **state)
{
	(void)state;
	gk_report *r = gk_report_new("lint");
	assert_non_null(r);
	char *msg = strdup("adds a column"), *path = strdup("m/1.sql"), *sql = strdup("ALTER TABLE t ADD c int");
	gk_finding f = {.rule_id = "adding-field-with-default", .category = GK_CAT_LOCKING, .severity = GK_SEV_WARNING,
			.message = msg, .path = path, .sql = sql, .line = 3, .blocking = true};
	assert_int_equal(gk_report_take_finding(r, &f), 0);
	assert_null(f.message);
	assert_null(f.path);
	assert_null(f.rule_id);
	assert_int_equal(r->n_findings, 1);
	assert_ptr_equal(r->findings[0].message, msg);
	assert_string_equal(r->findings[0].path, "m/1.sql");
	assert_string_equal(r->findings[0].sql, "ALTER TABLE t ADD c int");
	assert_false(r->findings[0].blocking);
	gk_finding g = {.rule_id = "require-lock-timeout", .severity = GK_SEV_WARNING, .message = strdup("no timeout"),
			.path = strdup("m/1.sql"), .sql = strdup("ALTER TABLE t ADD c int"), .line = 3};
	assert_int_equal(gk_report_take_finding(r, &g), 0);
	assert_ptr_equal(r->findings[1].path, r->findings[0].path);
	assert_ptr_equal(r->findings[1].sql, r->findings[0].sql);
	gk_finding copied = {.rule_id = "drop-table", .message = (char *)"drops", .path = (char *)"m/1.sql"};
	assert_int_equal(gk_report_add_finding(r, &copied), 0);
	assert_ptr_equal(r->findings[2].path, r->findings[0].path);
	gk_finding h = {.rule_id = "ban-drop-column", .severity = GK_SEV_ERROR, .path = strdup("m/2.sql"),
			.suppressed = true};
	assert_int_equal(gk_report_take_finding(r, &h), 0);
	assert_int_equal(r->n_findings, 3);
	assert_int_equal(r->n_suppressed, 1);
	assert_string_equal(r->suppressed[0].message, ""); /* a missing message reads as empty, as when copied */
	gk_report_finish(r, GK_SEV_ERROR, 0);
	assert_int_equal(r->findings[0].line, 0);
	assert_int_equal(r->findings[1].line, 3);
	gk_report_free(r); /* frees what was moved: the leak check of make asan sees any double free or leak */
}

/* A path named twice (the same file given twice): its findings belong to
 * the first migration with the path, whatever order sorting found them in;
 * JUnit puts them in that migration's suite. */
static void test_finding_owner_is_first_migration(void **state)
{
	(void)state;
	gk_report *r = gk_report_new("lint");
	assert_non_null(r);
	const char *paths[] = {"z.sql", "m.sql", "a.sql", "m.sql", "m.sql", "b.sql", "m.sql"};
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
		assert_int_equal(gk_report_add_migration(r, paths[i], 1, GK_RUNNER_WHOLE), (int)i);
	gk_finding f = {.rule_id = "ban-drop-column", .category = GK_CAT_DESTRUCTIVE, .severity = GK_SEV_ERROR,
			.message = (char *)"drops", .path = (char *)"m.sql", .line = 1};
	assert_int_equal(gk_report_add_finding(r, &f), 0);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	assert_int_equal(r->findings[0].migration, 1);
	assert_int_equal(r->migrations[1].findings, 1);
	assert_int_equal(r->migrations[3].findings + r->migrations[4].findings + r->migrations[6].findings, 0);
	xdoc d = junit(r, GK_JUNIT_DEFAULT);
	assert_xnum(&d, "count((//testsuite)[2]//failure)", 1);
	assert_xnum(&d, "count(//failure)", 1);
	xdoc_free(&d);
	gk_report_free(r);
}

static void test_junit_replay_outcome_by_field(void **state)
{
	(void)state;
	junit_replay_case(true);
	junit_replay_case(false);
}

/* A composed run's checks: each counted by category at finish; those that
 * did not run are skipped cases of the gatekeeper suite, and nothing else. */
static void test_checks_counted_and_skipped(void **state)
{
	(void)state;
	gk_report *r = gk_report_new("gate");
	assert_non_null(r);
	assert_int_equal(gk_report_add_migration(r, "m/1.sql", 1, GK_RUNNER_WHOLE), 0);
	assert_int_equal(gk_report_add_check(r, "status", 1u << GK_CAT_STATUS), 0);
	assert_int_equal(gk_report_add_check(r, "drift", 1u << GK_CAT_DRIFT), 1);
	assert_int_equal(gk_report_skip_check(r, 1, "a deploy is in progress"), 0);
	assert_int_equal(gk_report_skip_check(r, 1, "a second reason is not kept"), 0);
	gk_finding f = {.rule_id = "migration-failed", .category = GK_CAT_STATUS, .severity = GK_SEV_ERROR,
			.message = "failed", .path = "m/1.sql"};
	gk_finding p = {.rule_id = "migration-pending", .category = GK_CAT_STATUS, .severity = GK_SEV_INFO,
			.message = "pending", .path = "m/1.sql"};
	assert_int_equal(gk_report_add_finding(r, &f), 0);
	assert_int_equal(gk_report_add_finding(r, &p), 0);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	assert_int_equal(r->checks[0].findings, 2);
	assert_int_equal(r->checks[0].blocking, 1);
	assert_string_equal(r->checks[1].not_run, "a deploy is in progress");
	assert_int_equal(r->checks[1].findings, 0);
	assert_valid_profiles(r);
	xdoc d = junit(r, GK_JUNIT_DEFAULT);
	assert_xnum(&d, "count(//testcase[@name='check/drift']/skipped[@message='a deploy is in progress'])", 1);
	assert_xnum(&d, "count(//testcase[@name='check/status'])", 0);
	assert_xnum(&d, "sum(//testsuite/@skipped)", 1);
	assert_xnum(&d, "count(//failure)", 1);
	xdoc_free(&d);
	gk_report_free(r);
}

/* ---- JSON ------------------------------------------------------------ */

static json_t *json_report(const gk_report *r)
{
	gk_render_options o = {0};
	char *raw = render(r, gk_render_json, &o, NULL);
	json_error_t e;
	json_t *doc = json_loads(raw, 0, &e);
	if (!doc)
		fail_msg("JSON output does not parse (%s at line %d):\n%s", e.text, e.line, raw);
	free(raw);
	return doc;
}

static json_t *find_rule(json_t *doc, const char *rule)
{
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(doc, "findings"), i, f)
		if (strcmp(json_string_value(json_object_get(f, "rule_id")), rule) == 0)
			return f;
	fail_msg("no finding %s in the JSON report", rule);
	return NULL;
}

/* The checks in JSON: name, ran, why not, counts. */
static void test_json_checks(void **state)
{
	(void)state;
	gk_report *r = gk_report_new("gate");
	assert_non_null(r);
	assert_int_equal(gk_report_add_check(r, "lint", 1u << GK_CAT_LOCKING), 0);
	assert_int_equal(gk_report_add_check(r, "replay", 1u << GK_CAT_REPLAY), 1);
	assert_int_equal(gk_report_skip_check(r, 1, "the shadow could not be reached"), 0);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	json_t *doc = json_report(r);
	json_t *checks = json_object_get(doc, "checks");
	assert_int_equal(json_array_size(checks), 2);
	json_t *a = json_array_get(checks, 0), *b = json_array_get(checks, 1);
	assert_string_equal(json_string_value(json_object_get(a, "name")), "lint");
	assert_true(json_is_true(json_object_get(a, "ran")));
	assert_true(json_is_null(json_object_get(a, "not_run_reason")));
	assert_true(json_is_false(json_object_get(b, "ran")));
	assert_string_equal(json_string_value(json_object_get(b, "not_run_reason")), "the shadow could not be reached");
	assert_int_equal(json_integer_value(json_object_get(b, "blocking")), 0);
	json_decref(doc);
	gk_report_free(r);
}

static void test_json_agrees(void **state)
{
	(void)state;
	gk_report *r = sample();
	assert_int_equal(gk_report_add_error(r, GK_ERRKIND_TIMEOUT, NULL, "statement timeout"), 0);
	/* M3 went statement by statement and stopped at its third: what the
	 * first two left is data, not only words in a message. */
	char *created[] = {"table posts", "index posts_x"}, *changed[] = {"column nickname of table users"};
	gk_replay_stop stop = {.failed_statement = 3, .n_statements = 4, .committed_statements = 2,
			       .created = created, .n_created = 2, .changed = changed, .n_changed = 1};
	assert_int_equal(gk_report_set_replay(r, 2, GK_REPLAY_FAILED, 1.0, "22012", "division by zero", false), 0);
	assert_int_equal(gk_report_set_replay_stop(r, 2, &stop), 0);
	assert_int_equal(gk_report_set_replay(r, 1, GK_REPLAY_OK, 1.0, NULL, NULL, false), 0);
	gk_report_finish(r, GK_SEV_WARNING, 0.0126);
	json_t *doc = json_report(r);
	for (size_t i = 0; i < 3; i++) {
		json_t *m = json_array_get(json_object_get(doc, "migrations"), i);
		json_t *st = json_object_get(json_object_get(m, "replay"), "stopped");
		if (strcmp(json_string_value(json_object_get(m, "path")), M3) != 0) {
			assert_null(st);
			continue;
		}
		assert_int_equal(json_integer_value(json_object_get(st, "failed_statement")), 3);
		assert_int_equal(json_integer_value(json_object_get(st, "statements")), 4);
		assert_int_equal(json_integer_value(json_object_get(st, "committed_statements")), 2);
		assert_true(json_is_false(json_object_get(st, "aborted_session")));
		assert_string_equal(json_string_value(json_array_get(json_object_get(st, "created"), 1)), "index posts_x");
		assert_string_equal(json_string_value(json_array_get(json_object_get(st, "changed"), 0)),
				    "column nickname of table users");
	}
	json_t *sum = json_object_get(doc, "summary");
	assert_string_equal(json_string_value(json_object_get(sum, "verdict")), "error");
	assert_int_equal(json_integer_value(json_object_get(sum, "exit_code")), GK_EXIT_INFRA);
	assert_int_equal(json_integer_value(json_object_get(sum, "blocking")), 5);
	assert_int_equal(json_integer_value(json_object_get(sum, "findings")), 6);
	assert_int_equal(json_integer_value(json_object_get(sum, "files")), 3);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(sum, "by_severity"), "warning")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "run"), "duration_ms")), 13);
	assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "config"), "fail_level")), "warning");
	assert_int_equal(json_array_size(json_object_get(doc, "findings")), 6);
	assert_int_equal(json_array_size(json_object_get(doc, "migrations")), 3);
	json_t *m3 = json_array_get(json_object_get(doc, "migrations"), 2);
	assert_string_equal(json_string_value(json_object_get(m3, "status")), "pass");
	assert_string_equal(json_string_value(json_object_get(json_object_get(m3, "runner"), "model")), "split");
	json_t *err = json_array_get(json_object_get(doc, "errors"), 0);
	assert_string_equal(json_string_value(json_object_get(err, "kind")), "timeout");
	assert_true(json_is_null(json_object_get(err, "path")));

	/* Positions: 1-based integers, null when there is none. */
	json_t *drop = find_rule(doc, "drop-table");
	assert_true(json_is_null(json_object_get(drop, "line")));
	assert_true(json_is_null(json_object_get(drop, "column")));
	assert_true(json_is_null(json_object_get(drop, "statement_index")));
	assert_true(json_is_string(json_object_get(drop, "message"))); /* invalid UTF-8 never breaks the document */
	assert_true(json_is_true(json_object_get(drop, "blocking")));
	json_t *info = find_rule(doc, "some-info");
	assert_int_equal(json_integer_value(json_object_get(info, "line")), 1);
	assert_int_equal(json_integer_value(json_object_get(info, "statement_index")), 1);
	assert_true(json_is_false(json_object_get(info, "blocking")));
	assert_true(json_is_null(json_object_get(find_rule(doc, "config-note"), "path")));

	/* Each finding carries the model's fingerprint (the one SARIF and GitLab carry), all different. */
	for (size_t i = 0; i < r->n_findings; i++) {
		const char *fp = json_string_value(json_object_get(json_array_get(json_object_get(doc, "findings"), i),
								  "fingerprint"));
		assert_non_null(fp);
		assert_int_equal(strlen(fp), 64);
		assert_string_equal(fp, r->findings[i].fingerprint);
		for (size_t k = 0; k < i; k++)
			assert_string_not_equal(fp, r->findings[k].fingerprint);
	}

	/* JUnit of the same report: failures = blocking, errors = run errors. */
	xdoc d = junit(r, GK_JUNIT_DEFAULT);
	assert_xnum(&d, "number(/testsuites/@failures)",
		    (double)json_integer_value(json_object_get(sum, "blocking")));
	assert_xnum(&d, "number(/testsuites/@errors)", (double)json_array_size(json_object_get(doc, "errors")));
	xdoc_free(&d);
	json_decref(doc);
	gk_report_free(r);
}

/*
 * The document is written as the report is walked (json.c): a long array
 * must still hold every finding once, in the report's order, across the
 * writer's buffer flushes.
 */
static void test_json_many_findings_in_order(void **state)
{
	(void)state;
	enum { N = 7001 };
	gk_report *r = gk_report_new("lint");
	assert_int_equal(gk_report_add_migration(r, "big.sql", N, GK_RUNNER_PER_FILE), 0);
	for (int i = 0; i < N; i++) {
		char msg[32];
		snprintf(msg, sizeof msg, "finding %05d", i);
		add(r, "drop-table", GK_SEV_WARNING, "big.sql", i + 1, i + 1, msg, "DROP TABLE t;");
	}
	gk_report_finish(r, GK_SEV_ERROR, 0);
	json_t *doc = json_report(r);
	json_t *f = json_object_get(doc, "findings");
	assert_int_equal(json_array_size(f), N);
	for (int i = 0; i < N; i++) {
		json_t *o = json_array_get(f, (size_t)i);
		assert_int_equal(json_integer_value(json_object_get(o, "line")), i + 1);
		char msg[32];
		snprintf(msg, sizeof msg, "finding %05d", i);
		assert_string_equal(json_string_value(json_object_get(o, "message")), msg);
	}
	json_decref(doc);
	gk_report_free(r);
}

/*
 * Compact by default, indented with `pretty`: both are the same document,
 * written byte for byte as jansson writes it (JSON_COMPACT, JSON_INDENT(2)),
 * so that only whitespace tells them apart.  The report holds what the
 * writer escapes or formats itself: invalid UTF-8, C0 controls, quotes and
 * backslashes, reals of every shape, empty arrays and objects, evidence.
 */
static void test_json_compact_and_pretty(void **state)
{
	(void)state;
	gk_report *r = sample();
	assert_int_equal(gk_report_add_note(r, "a \"quoted\" note\\ with \b\f\r\t\x7f and \xe2\x80\xae"), 0);
	gk_finding f = {
		.rule_id = "observed-lock", .category = GK_CAT_LOCKING, .severity = GK_SEV_WARNING,
		.message = (char *)HOSTILE, .help = (char *)"h", .path = (char *)"db/\xff\\odd.sql", .line = 2,
		.statement_index = 1, .sql = (char *)"SELECT '\x01';",
		.evidence = {.kind = GK_PREDICT_LOCK, .predicted = {.lock = "ACCESS EXCLUSIVE", .relation = (char *)"t"},
			     .verdict = GK_EVIDENCE_CORRECTED,
			     .observed = {.lock = "SHARE", .relation = (char *)"t", .held_ms = 0.1, .lock_timeout_ms = 5}},
	};
	assert_int_equal(gk_report_add_finding(r, &f), 0);
	assert_int_equal(gk_report_set_replay(r, 0, GK_REPLAY_OK, 1e21, NULL, NULL, true), 0);
	assert_int_equal(gk_report_set_replay(r, 1, GK_REPLAY_OK, 2.0, NULL, NULL, true), 0);
	gk_observed_lock l = {.statement_index = 1, .line = 3, .relation = (char *)"public.t",
			      .mode = (char *)"AccessExclusiveLock", .duration_ms = 12.3456, .lock_timeout_ms = 0};
	assert_int_equal(gk_report_add_lock(r, 1, &l), 0);
	gk_report_finish(r, GK_SEV_ERROR, 1.5);

	gk_render_options compact = {0}, pretty = {.pretty = true};
	size_t nc, np;
	char *c = render(r, gk_render_json, &compact, &nc), *p = render(r, gk_render_json, &pretty, &np);
	assert_true(nc > 1 && c[nc - 1] == '\n');
	assert_null(memchr(c, '\n', nc - 1)); /* one line */
	assert_true(np > nc && strstr(p, "{\n  \"schema_version\": \"2.2\",\n  \"tool\": {\n    \"name\""));
	json_error_t e;
	json_t *doc = json_loads(c, 0, &e);
	if (!doc)
		fail_msg("compact JSON does not parse (%s at column %d)", e.text, e.column);
	char *jc = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	char *jp = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	assert_non_null(jc);
	assert_non_null(jp);
	assert_int_equal(nc, strlen(jc) + 1);
	assert_memory_equal(c, jc, nc - 1);
	assert_int_equal(np, strlen(jp) + 1);
	assert_memory_equal(p, jp, np - 1);
	/* What the writer formats itself, checked by value too. */
	json_t *m0 = json_array_get(json_object_get(doc, "migrations"), 0);
	assert_true(json_real_value(json_object_get(json_object_get(m0, "replay"), "duration_ms")) == 1e21);
	assert_non_null(strstr(c, "\"duration_ms\":1e21,"));
	assert_non_null(strstr(c, "\"held_ms\":0.10000000000000001,"));
	assert_non_null(strstr(c, "\"duration_ms\":2.0,"));
	assert_non_null(strstr(c, "\\u001B"));
	free(jc);
	free(jp);
	json_decref(doc);
	free(c);
	free(p);
	gk_report_free(r);
}

/* One document through the writer, `pretty` or compact with a line break
 * asked before each element of the outer array; *rc is gk_js_finish's. */
static char *jstream_doc(bool pretty, const char *big, int *rc)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	assert_non_null(f);
	gk_jstream *j = malloc(sizeof *j);
	assert_non_null(j);
	gk_js_init(j, f, pretty);
	gk_js_array(j);
	gk_js_newline(j);
	gk_js_object(j);
	gk_js_kint(j, "min", INT64_MIN);
	gk_js_kint(j, "max", INT64_MAX);
	gk_js_kint(j, "zero", 0);
	gk_js_kint(j, "say \"hi\"\t", 1); /* a key to escape */
	gk_js_kreal(j, "real", -2.5e-7);
	gk_js_kopen(j, "empty", '[');
	gk_js_end(j, ']');
	gk_js_kopen(j, "none", '{');
	gk_js_end(j, '}');
	gk_js_end(j, '}');
	gk_js_newline(j);
	gk_js_string(j, big);
	gk_js_newline(j);
	gk_js_end(j, ']');
	*rc = gk_js_finish(j);
	free(j);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/*
 * The writer finds the bytes it escapes eight at a time: each of them
 * (every control, '"', '\\') and the plain bytes around the edges of that
 * test (' ', '!', '#', '[', ']', DEL, UTF-8) at every offset of a long
 * string, written as jansson writes the same string.
 */
static void test_jstream_escapes_at_every_offset(void **state)
{
	(void)state;
	int specials[40], n = 0;
	for (int c = 1; c < 0x20; c++)
		specials[n++] = c;
	const char more[] = " !\"#[\\]\x7f";
	for (const char *m = more; *m; m++)
		specials[n++] = (unsigned char)*m;
	for (int k = 0; k < n; k++)
		for (size_t at = 0; at < 20; at++) {
			char s[32];
			memset(s, 'x', sizeof s - 1);
			s[sizeof s - 1] = '\0';
			s[at] = (char)specials[k];
			memcpy(s + 24, "\xc3\xa9", 2);
			int rc;
			char *doc = jstream_doc(false, s, &rc);
			assert_int_equal(rc, 0);
			json_t *str = json_string(s);
			char *want = json_dumps(str, JSON_ENCODE_ANY);
			assert_non_null(want);
			if (!strstr(doc, want))
				fail_msg("byte 0x%02x at %zu: %s not in %s", (unsigned)specials[k], at, want, doc);
			free(want);
			json_decref(str);
			free(doc);
		}
	/* Two to escape in one eight bytes, or in the last few, of strings of
	 * every length up to 20. */
	for (size_t len = 1; len <= 20; len++)
		for (size_t at = 0; at < len; at++)
			for (size_t d = 1; at + d < len && d < 10; d++) {
				char s[24];
				memset(s, 'y', len);
				s[len] = '\0';
				s[at] = '\n';
				s[at + d] = (char)(d % 2 ? '"' : 0x1f);
				int rc;
				char *doc = jstream_doc(false, s, &rc);
				assert_int_equal(rc, 0);
				json_t *str = json_string(s);
				char *want = json_dumps(str, JSON_ENCODE_ANY);
				if (!strstr(doc, want))
					fail_msg("%zu bytes, escapes at %zu and %zu: %s not in %s", len, at, at + d, want, doc);
				free(want);
				json_decref(str);
				free(doc);
			}
}


/*
 * The writer's own edges: integers at both ends of their range (formatted
 * without printf), a string longer than the buffer, empty containers; a
 * compact document with line breaks between the outer elements (SARIF,
 * GitLab), where `pretty` ignores them and is jansson's indentation; and
 * nesting deeper than the writer keeps fails the document.
 */
static void test_jstream_layouts(void **state)
{
	(void)state;
	size_t big_n = GK_OUTBUF_SIZE * 2 + 7;
	char *big = malloc(big_n + 1);
	assert_non_null(big);
	for (size_t i = 0; i < big_n; i++)
		big[i] = (char)('a' + i % 26);
	big[big_n] = '\0';
	big[GK_OUTBUF_SIZE + 3] = '\n';

	int rc;
	char *c = jstream_doc(false, big, &rc);
	assert_int_equal(rc, 0);
	const char *head = "[\n{\"min\":-9223372036854775808,\"max\":9223372036854775807,\"zero\":0,"
			   "\"say \\\"hi\\\"\\t\":1,\"real\":-2.4999999999999999e-7,\"empty\":[],\"none\":{}},\n\"abc";
	assert_memory_equal(c, head, strlen(head));
	assert_string_equal(c + strlen(c) - 3, "\n]\n");
	char *p = jstream_doc(true, big, &rc);
	assert_int_equal(rc, 0);

	json_error_t e;
	json_t *doc = json_loads(c, 0, &e);
	if (!doc)
		fail_msg("the writer's document does not parse (%s at column %d)", e.text, e.column);
	assert_string_equal(json_string_value(json_array_get(doc, 1)), big);
	assert_true(json_integer_value(json_object_get(json_array_get(doc, 0), "min")) == INT64_MIN);
	char *jp = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	assert_non_null(jp);
	assert_int_equal(strlen(p), strlen(jp) + 1);
	assert_memory_equal(p, jp, strlen(jp));
	free(jp);
	json_decref(doc);
	free(c);
	free(p);
	free(big);

	/* Too deep: the document is refused, not truncated silently. */
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	assert_non_null(f);
	gk_jstream *j = malloc(sizeof *j);
	assert_non_null(j);
	gk_js_init(j, f, false);
	for (int i = 0; i < GK_JSTREAM_DEPTH + 1; i++)
		gk_js_array(j);
	for (int i = 0; i < GK_JSTREAM_DEPTH + 1; i++)
		gk_js_end(j, ']');
	assert_int_equal(gk_js_finish(j), -1);
	free(j);
	assert_int_equal(fclose(f), 0);
	free(buf);
}

static void test_renderer_table(void **state)
{
	(void)state;
	assert_ptr_equal(gk_renderer_find("junit")->render, gk_render_junit);
	assert_ptr_equal(gk_renderer_find("json")->render, gk_render_json);
	assert_ptr_equal(gk_renderer_find("github")->render, gk_render_github);
	assert_ptr_equal(gk_renderer_find("markdown")->render, gk_render_markdown);
	assert_ptr_equal(gk_renderer_find("sarif")->render, gk_render_sarif);
	assert_ptr_equal(gk_renderer_find("gitlab")->render, gk_render_gitlab);
	assert_null(gk_renderer_find("xml"));
	assert_string_equal(gk_renderer_names(), "text|json|junit|github|markdown|sarif|gitlab");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finish_fail_levels),
		cmocka_unit_test(test_setters),
		cmocka_unit_test(test_take_finding_moves),
		cmocka_unit_test(test_finding_owner_is_first_migration),
		cmocka_unit_test(test_jstream_escapes_at_every_offset),
		cmocka_unit_test(test_contract_asserts),
		cmocka_unit_test(test_finish_sorts),
		cmocka_unit_test(test_finish_orders_any_input),
		cmocka_unit_test(test_reserve_findings),
		cmocka_unit_test(test_fingerprint_no_path_and_empty_path),
		cmocka_unit_test(test_fingerprint_folds_white_space),
		cmocka_unit_test(test_fingerprints_of_many_findings),
		cmocka_unit_test(test_take_findings_sorts_batch),
		cmocka_unit_test(test_finish_error_kinds),
		cmocka_unit_test(test_finish_blocking_beats_failed_server),
		cmocka_unit_test(test_junit_valid_and_counts_at_every_level),
		cmocka_unit_test(test_junit_default_mapping),
		cmocka_unit_test(test_junit_strict_profile),
		cmocka_unit_test(test_junit_hostile_text),
		cmocka_unit_test(test_junit_empty_report),
		cmocka_unit_test(test_junit_objects_and_prefixes),
		cmocka_unit_test(test_junit_replay_outcome_by_field),
		cmocka_unit_test(test_checks_counted_and_skipped),
		cmocka_unit_test(test_json_checks),
		cmocka_unit_test(test_json_agrees),
		cmocka_unit_test(test_json_many_findings_in_order),
		cmocka_unit_test(test_json_compact_and_pretty),
		cmocka_unit_test(test_jstream_layouts),
		cmocka_unit_test(test_renderer_table),
	};
	xmlInitParser();
	int rc = cmocka_run_group_tests_name("report", tests, NULL, NULL);
	xmlCleanupParser();
	return rc;
}
