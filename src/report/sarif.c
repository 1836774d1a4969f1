/*
 * sarif.c - the SARIF 2.1.0 renderer, for GitHub code scanning
 * (upload-sarif) and other SARIF readers.  The mapping follows
 * report-conventions §3 and GitHub's "SARIF support for code scanning":
 *
 *   - one run; tool.driver lists every rule of the catalogue (handed in
 *     the render options, sorted by id) with its
 *     summary (shortDescription), why it is dangerous (fullDescription)
 *     and the safe recipe with an example, as text and as Markdown (help);
 *   - run.automationDetails.id is "gatekeeper/<command>/" (check, drift,
 *     gate, lint, status), so that code scanning keeps one analysis per
 *     kind of job and a drift run does not close a check run's alerts;
 *   - a finding in a file is a result: level error, warning or note; the
 *     path as a URI reference relative to %SRCROOT% (percent-encoded, so
 *     that any file name is a valid URI); region lines and columns 1-based,
 *     columns in code points (run.columnKind), endColumn after the last
 *     character; our fingerprint under partialFingerprints
 *     "gatekeeperFingerprint/v1" (upload-sarif computes its own
 *     primaryLocationLineHash and warns when a given one differs);
 *   - what a finding says about production (its table's size, the
 *     predicted lock window) follows the message text, because code
 *     scanning shows only that, and is in the result's properties as the
 *     JSON report's `production` and `estimate` objects;
 *   - code scanning refuses a result without a file ("expected at least one
 *     location"), so findings about no file (a drift of a database object,
 *     a run-level finding) and the run's errors are notifications of the
 *     invocation, with the object as a logical location; the invocation
 *     also carries the exit code (executionSuccessful: exit 0 or 1).
 *
 * It streams: each value is written as it is reached, nothing is built.
 */
#include "gatekeeper/render.h"
#include "context.h"
#include "jstream.h"
#include "../util/util.h"

#include <stdlib.h>
#include <string.h>

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"
#define FINGERPRINT_KEY "gatekeeperFingerprint/v1"

static const char *level_of(enum gk_severity s)
{
	switch (s) {
	case GK_SEV_ERROR: return "error";
	case GK_SEV_WARNING: return "warning";
	case GK_SEV_INFO: return "note";
	default: return "none";
	}
}

/* ---- rules ----------------------------------------------------------- */

/* A Markdown code fence longer than any run of backticks in `sql`. */
static size_t fence_len(const char *sql)
{
	size_t longest = 0, run = 0;
	for (const char *p = sql; *p; p++) {
		run = *p == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	return longest < 3 ? 3 : longest + 1;
}

static void sql_block(gk_buf *b, const char *title, const char *sql, const char *note)
{
	size_t n = fence_len(sql);
	gk_buf_printf(b, "\n\n**%s**%s%s\n\n", title, note ? ": " : "", note ? note : "");
	for (size_t i = 0; i < n; i++)
		gk_buf_putc(b, '`');
	gk_buf_puts(b, "sql\n");
	gk_buf_puts(b, sql);
	if (sql[0] && sql[strlen(sql) - 1] != '\n')
		gk_buf_putc(b, '\n');
	for (size_t i = 0; i < n; i++)
		gk_buf_putc(b, '`');
}

/* help.text and help.markdown: why, the recipe, a bad and a good example. */
static void rule_help(gk_jstream *j, const gk_render_rule *ri)
{
	gk_buf text = GK_BUF_INIT, md = GK_BUF_INIT;
	const char *why = ri->why ? ri->why : ri->summary;
	gk_buf_printf(&text, "%s\n\nWhy: %s", ri->summary, why);
	gk_buf_printf(&md, "**%s**\n\n%s", ri->summary, why);
	if (ri->help) {
		gk_buf_printf(&text, "\n\nSafe recipe: %s", ri->help);
		gk_buf_printf(&md, "\n\n**Safe recipe.** %s", ri->help);
	}
	if (ri->bad_sql)
		sql_block(&md, "Reported", ri->bad_sql, ri->bad_note);
	if (ri->ok_sql)
		sql_block(&md, "Not reported", ri->ok_sql, ri->ok_note);
	gk_buf_printf(&md, "\n\nRule `%s` (%s); `gatekeeper explain %s` shows every example.", ri->id,
		      gk_category_name(ri->category), ri->id);
	if (text.failed || md.failed)
		j->o.failed = true;
	gk_js_key(j, "help");
	gk_js_object(j);
	gk_js_key(j, "text");
	gk_js_string_n(j, text.data ? text.data : "", text.len);
	gk_js_key(j, "markdown");
	gk_js_string_n(j, md.data ? md.data : "", md.len);
	gk_js_end(j, '}');
	gk_buf_free(&text);
	gk_buf_free(&md);
}

static void text_object(gk_jstream *j, const char *key, const char *text)
{
	gk_js_key(j, key);
	gk_js_object(j);
	gk_js_kstring(j, "text", text);
	gk_js_end(j, '}');
}

static void rule(gk_jstream *j, const gk_render_rule *ri)
{
	gk_js_newline(j);
	gk_js_object(j);
	gk_js_kstring(j, "id", ri->id);
	text_object(j, "shortDescription", ri->summary);
	text_object(j, "fullDescription", ri->why ? ri->why : ri->summary);
	rule_help(j, ri);
	gk_js_key(j, "defaultConfiguration");
	gk_js_object(j);
	gk_js_kbool(j, "enabled", ri->severity != GK_SEV_OFF);
	gk_js_kstring(j, "level", level_of(ri->severity));
	gk_js_end(j, '}');
	gk_js_key(j, "properties");
	gk_js_object(j);
	gk_js_key(j, "tags");
	gk_js_array(j);
	gk_js_string(j, gk_category_name(ri->category));
	gk_js_end(j, ']');
	gk_js_end(j, '}');
	gk_js_end(j, '}');
}

static void driver(gk_jstream *j, const gk_render_options *o)
{
	gk_js_key(j, "tool");
	gk_js_object(j);
	gk_js_key(j, "driver");
	gk_js_object(j);
	gk_js_kstring(j, "name", "gatekeeper");
	gk_js_kstring(j, "semanticVersion", GK_VERSION);
	gk_js_key(j, "rules");
	gk_js_array(j);
	for (size_t i = 0; o && o->rules && i < o->n_rules; i++)
		rule(j, &o->rules[i]);
	gk_js_end(j, ']');
	gk_js_end(j, '}');
	gk_js_end(j, '}');
}

/* ---- locations ------------------------------------------------------- */

/*
 * A path as a URI reference (RFC 3986): every byte other than unreserved
 * characters, sub-delimiters, '@' and '/' percent-encoded, ':' too so that
 * a first segment never reads as a scheme.  An absolute path becomes a
 * file: URI (*relative false), which upload-sarif makes relative to the
 * checkout.
 */
static bool uri_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("-._~!$&'()*+,;=@/", c));
}

static char *uri_of(const char *path, bool *relative)
{
	static const char hex[] = "0123456789ABCDEF";
	gk_buf b = GK_BUF_INIT;
	*relative = path[0] != '/';
	if (!*relative)
		gk_buf_puts(&b, "file://");
	const unsigned char *p = (const unsigned char *)path;
	while (*p) {
		const unsigned char *run = p;
		while (*p && uri_plain(*p))
			p++;
		gk_buf_append(&b, (const char *)run, (size_t)(p - run)); /* plain characters at once */
		for (; *p && !uri_plain(*p); p++) {
			char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			gk_buf_append(&b, esc, sizeof esc);
		}
	}
	return gk_buf_take(&b);
}

static void artifact(gk_jstream *j, const char *path)
{
	bool relative;
	char *uri = uri_of(path, &relative);
	if (!uri)
		j->o.failed = true;
	gk_js_key(j, "artifactLocation");
	gk_js_object(j);
	gk_js_kstring(j, "uri", uri ? uri : "");
	if (relative)
		gk_js_kstring(j, "uriBaseId", "%SRCROOT%");
	gk_js_end(j, '}');
	free(uri);
}

/* Lines and code-point columns, 1-based; SARIF's endColumn is the column after the end. */
static void region(gk_jstream *j, const gk_finding *f)
{
	gk_js_key(j, "region");
	gk_js_object(j);
	gk_js_kint(j, "startLine", f->line);
	if (f->column > 0)
		gk_js_kint(j, "startColumn", f->column);
	if (f->end_line >= f->line) {
		gk_js_kint(j, "endLine", f->end_line);
		if (f->end_column > 0 && (f->end_line > f->line || f->end_column >= f->column))
			gk_js_kint(j, "endColumn", f->end_column + 1);
	}
	gk_js_end(j, '}');
}

static void physical(gk_jstream *j, const char *path, const gk_finding *f)
{
	gk_js_key(j, "physicalLocation");
	gk_js_object(j);
	artifact(j, path);
	if (f && f->line > 0)
		region(j, f);
	gk_js_end(j, '}');
}

/* A database object ("column public.users.email"), for findings about no file. */
static void logical(gk_jstream *j, const gk_finding *f)
{
	gk_js_key(j, "logicalLocations");
	gk_js_array(j);
	gk_js_object(j);
	gk_js_kstring(j, "fullyQualifiedName", f->object);
	if (f->object_kind)
		gk_js_kstring(j, "kind", f->object_kind);
	gk_js_end(j, '}');
	gk_js_end(j, ']');
}

/* ---- results and notifications ------------------------------------------ */

static void message(gk_jstream *j, const char *text)
{
	gk_js_key(j, "message");
	gk_js_object(j);
	gk_js_kstring(j, "text", text && *text ? text : "(no message)");
	gk_js_end(j, '}');
}

/* The message, with what the finding says about production after it:
 * code scanning shows only the text, never the properties. */
static void finding_message(gk_jstream *j, const gk_finding *f)
{
	char *text = gk_render_message_with_context(f);
	message(j, text ? text : f->message);
	free(text);
}

static void finding_properties(gk_jstream *j, const gk_finding *f)
{
	gk_js_key(j, "properties");
	gk_js_object(j);
	gk_js_kstring(j, "category", gk_category_name(f->category));
	gk_js_kbool(j, "blocking", f->blocking);
	if (f->statement_index > 0)
		gk_js_kint(j, "statementIndex", f->statement_index);
	if (f->help)
		gk_js_kstring(j, "help", f->help);
	if (f->object && f->attribute) {
		gk_js_kstring(j, "attribute", f->attribute);
		gk_js_kstring(j, "expected", f->expected);
		gk_js_kstring(j, "actual", f->actual);
	}
	gk_render_context_json(j, f);
	gk_js_end(j, '}');
}

/* The index of rule `id` in the catalogue of the options, or -1. */
static long rule_index(const gk_render_options *o, const char *id)
{
	size_t lo = 0, hi = o && o->rules ? o->n_rules : 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(o->rules[mid].id, id);
		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static void rule_ref(gk_jstream *j, const gk_render_options *o, const gk_finding *f, bool result)
{
	long idx = rule_index(o, f->rule_id);
	if (result) {
		gk_js_kstring(j, "ruleId", f->rule_id);
		if (idx >= 0)
			gk_js_kint(j, "ruleIndex", idx);
		return;
	}
	gk_js_key(j, "associatedRule");
	gk_js_object(j);
	gk_js_kstring(j, "id", f->rule_id);
	if (idx >= 0)
		gk_js_kint(j, "index", idx);
	gk_js_end(j, '}');
}

static void result(gk_jstream *j, const gk_render_options *o, const gk_finding *f)
{
	gk_js_newline(j);
	gk_js_object(j);
	rule_ref(j, o, f, true);
	gk_js_kstring(j, "level", level_of(f->severity));
	finding_message(j, f);
	gk_js_key(j, "locations");
	gk_js_array(j);
	gk_js_object(j);
	physical(j, f->path, f);
	gk_js_end(j, '}');
	gk_js_end(j, ']');
	if (f->fingerprint[0]) {
		gk_js_key(j, "partialFingerprints");
		gk_js_object(j);
		gk_js_kstring(j, FINGERPRINT_KEY, f->fingerprint);
		gk_js_end(j, '}');
	}
	finding_properties(j, f);
	gk_js_end(j, '}');
}

static void finding_notification(gk_jstream *j, const gk_render_options *o, const gk_finding *f)
{
	gk_js_newline(j);
	gk_js_object(j);
	gk_js_kstring(j, "level", level_of(f->severity));
	finding_message(j, f);
	rule_ref(j, o, f, false);
	if (f->object) {
		gk_js_key(j, "locations");
		gk_js_array(j);
		gk_js_object(j);
		logical(j, f);
		gk_js_end(j, '}');
		gk_js_end(j, ']');
	}
	finding_properties(j, f);
	gk_js_end(j, '}');
}

static void error_notification(gk_jstream *j, const gk_run_error *e)
{
	gk_js_newline(j);
	gk_js_object(j);
	gk_js_kstring(j, "level", "error");
	message(j, e->message);
	if (e->path) {
		gk_js_key(j, "locations");
		gk_js_array(j);
		gk_js_object(j);
		physical(j, e->path, NULL);
		gk_js_end(j, '}');
		gk_js_end(j, ']');
	}
	gk_js_key(j, "properties");
	gk_js_object(j);
	gk_js_kstring(j, "kind", gk_error_kind_name(e->kind));
	gk_js_end(j, '}');
	gk_js_end(j, '}');
}

static void invocation(gk_jstream *j, const gk_report *r, const gk_render_options *o)
{
	gk_js_key(j, "invocations");
	gk_js_array(j);
	gk_js_object(j);
	gk_js_kbool(j, "executionSuccessful", r->exit_code == GK_EXIT_PASS || r->exit_code == GK_EXIT_FAIL);
	gk_js_kint(j, "exitCode", r->exit_code);
	gk_js_key(j, "toolExecutionNotifications");
	gk_js_array(j);
	for (size_t i = 0; i < r->n_errors; i++)
		error_notification(j, &r->errors[i]);
	for (size_t i = 0; i < r->n_findings; i++)
		if (!r->findings[i].path || !r->findings[i].path[0])
			finding_notification(j, o, &r->findings[i]);
	gk_js_end(j, ']');
	gk_js_end(j, '}');
	gk_js_end(j, ']');
}

/* What the run decided, for readers that look past the results. */
static void run_properties(gk_jstream *j, const gk_report *r)
{
	gk_js_key(j, "properties");
	gk_js_object(j);
	gk_js_kstring(j, "verdict", r->verdict);
	gk_js_kint(j, "exitCode", r->exit_code);
	gk_js_kstring(j, "failLevel", r->fail_level == GK_SEV_OFF ? "never" : gk_severity_name(r->fail_level));
	gk_js_kint(j, "findings", (long long)r->n_findings);
	gk_js_kint(j, "blocking", (long long)r->n_blocking);
	if (r->n_linted) {
		gk_js_kint(j, "statementsTotal", (long long)r->statements_total);
		gk_js_kint(j, "statementsAnalysed", (long long)r->statements_analysed);
	}
	gk_js_end(j, '}');
}

typedef struct results_ctx {
	const gk_report *r;
	const gk_render_options *o;
} results_ctx;

/* Finding i as a result, when it is about a file (else it is a notification). */
static void each_result(gk_jstream *j, const void *ctx, size_t i)
{
	const results_ctx *c = ctx;
	const gk_finding *f = &c->r->findings[i];
	if (f->path && f->path[0])
		result(j, c->o, f);
}

int gk_render_sarif(const gk_report *r, FILE *out, const gk_render_options *o, gk_error *err)
{
	/* compact, one element a line: `pretty` is the JSON report's */
	gk_jstream *j = malloc(sizeof *j);
	if (!j)
		return gk_error_set(err, GK_ENOMEM, "out of memory writing the SARIF report");
	gk_js_init(j, out, false);
	gk_js_object(j);
	gk_js_kstring(j, "$schema", SARIF_SCHEMA);
	gk_js_kstring(j, "version", "2.1.0");
	gk_js_key(j, "runs");
	gk_js_array(j);
	gk_js_object(j);
	driver(j, o);
	char *id = gk_asprintf("gatekeeper/%s/", r->command);
	gk_js_key(j, "automationDetails");
	gk_js_object(j);
	gk_js_kstring(j, "id", id ? id : "gatekeeper/");
	gk_js_end(j, '}');
	free(id);
	gk_js_kstring(j, "columnKind", "unicodeCodePoints");
	invocation(j, r, o);
	gk_js_key(j, "results");
	gk_js_array(j);
	gk_js_elements(j, r->n_findings, each_result, &(results_ctx){r, o});
	gk_js_newline(j);
	gk_js_end(j, ']');
	run_properties(j, r);
	gk_js_end(j, '}');
	gk_js_end(j, ']');
	gk_js_end(j, '}');
	int rc = gk_js_finish(j);
	free(j);
	if (rc < 0 || fflush(out) != 0)
		return gk_error_set(err, GK_EIO, "cannot write the SARIF report");
	return 0;
}
