/*
 * sql_lint.c - a migration file through the whole lint and every renderer.
 *
 * The input is one SQL file.  Its size picks the file name (which decides
 * the runner: a Prisma migration.sql, a Flyway script or a plain file) and
 * the PostgreSQL version the rules assume, so that one corpus covers them
 * all while each input stays reproducible.  Its first line also goes into
 * the report's note, run error, replay error and target name, which a
 * lint alone never fills, so that the renderers meet hostile text there
 * too.  Invariants: the JSON, SARIF and GitLab renderers write a JSON
 * document (valid UTF-8), the JUnit renderer well-formed XML (both
 * profiles), the GitHub renderer no line the Actions runner would run as
 * a command but its own, the Markdown comment its marker first and no
 * more than its budget.
 */
#include "fuzz.h"

#include "gatekeeper/lint.h"
#include "gatekeeper/render.h"
#include "gatekeeper/report.h"
#include "gatekeeper/rules.h"

#include <jansson.h>
#include <libxml/parser.h>
#include <stdlib.h>
#include <string.h>

static const char *const paths[] = {
	"prisma/migrations/20240101000000_init/migration.sql",
	"db/migration/V1_1__init.sql",
	"migrations/0001_init.up.sql",
};
static const int versions[] = {11, 13, 15, 17};

/* Render `r` with `fn` into memory; the text is the caller's. */
static char *render(gk_render_fn fn, const gk_report *r, const gk_render_options *o, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	FUZZ_CHECK(f != NULL);
	gk_error err;
	int rc = fn(r, f, o, &err);
	FUZZ_CHECK(fclose(f) == 0);
	FUZZ_CHECK(rc == 0 || rc == GK_ENOMEM);
	return buf;
}

static void check_json(gk_render_fn fn, const gk_report *r, const gk_render_options *o)
{
	size_t len;
	char *text = render(fn, r, o, &len);
	json_error_t je;
	json_t *doc = json_loadb(text, len, 0, &je);
	if (!doc)
		fprintf(stderr, "JSON report does not parse: %d:%d: %s\n", je.line, je.column, je.text);
	FUZZ_CHECK(doc != NULL);
	json_decref(doc);
	free(text);
}

static void check_junit(const gk_report *r, gk_render_options *o, enum gk_junit_profile profile)
{
	size_t len;
	o->junit_profile = profile;
	char *text = render(gk_render_junit, r, o, &len);
	xmlDocPtr doc = xmlReadMemory(text, (int)len, "junit.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
									     XML_PARSE_NOWARNING);
	FUZZ_CHECK(doc != NULL);
	xmlFreeDoc(doc);
	free(text);
}

/* Whether line `s` (blanks skipped) starts one of the GitHub renderer's commands. */
static bool own_command(const char *s, size_t n)
{
	static const char *const ours[] = {"::group::", "::endgroup::", "::error ", "::warning ", "::notice ",
					   "::stop-commands::"};
	for (size_t i = 0; i < sizeof ours / sizeof *ours; i++)
		if (n >= strlen(ours[i]) && strncmp(s, ours[i], strlen(ours[i])) == 0)
			return true;
	return false;
}

/*
 * The runner reads a line as a command when it starts with "::" after
 * blanks (actions/runner ActionCommand.TryParseV2); between
 * ::stop-commands::TOKEN and ::TOKEN:: it runs none.  Outside those
 * blocks every line must be one of the renderer's commands, and an
 * annotation's properties (up to the next "::") hold no ':' unescaped.
 */
static void check_github(const gk_report *r, const gk_render_options *o)
{
	size_t len;
	char *text = render(gk_render_github, r, o, &len);
	FUZZ_CHECK(!memchr(text, '\x1b', len) && !memchr(text, '\r', len));
	char resume[40] = "";
	for (char *line = text; line < text + len;) {
		char *nl = memchr(line, '\n', (size_t)(text + len - line));
		size_t n = nl ? (size_t)(nl - line) : (size_t)(text + len - line);
		const char *s = line;
		while (s < line + n && (*s == ' ' || *s == '\t'))
			s++;
		size_t k = n - (size_t)(s - line);
		if (resume[0]) {
			if (k >= strlen(resume) && strncmp(s, resume, strlen(resume)) == 0)
				resume[0] = '\0';
		} else if (k) {
			FUZZ_CHECK(own_command(s, k));
			const char *end = memmem(s + 2, k - 2, "::", 2);
			FUZZ_CHECK(end != NULL && !memchr(s + 2, ':', (size_t)(end - s - 2)));
			if (strncmp(s, "::stop-commands::", 17) == 0) {
				FUZZ_CHECK(k == 17 + 32);
				snprintf(resume, sizeof resume, "::%.32s::", s + 17);
			}
		}
		line += n + 1;
	}
	FUZZ_CHECK(!resume[0]);
	free(text);
}

static void check_markdown(const gk_report *r, const gk_render_options *o)
{
	size_t len;
	char *text = render(gk_render_markdown, r, o, &len);
	FUZZ_CHECK(len <= GK_MARKDOWN_COMMENT_MAX);
	FUZZ_CHECK(strncmp(text, GK_MARKDOWN_MARKER "\n", strlen(GK_MARKDOWN_MARKER) + 1) == 0);
	FUZZ_CHECK(!memchr(text, '\x1b', len) && !memchr(text, '\r', len));
	free(text);
}

/* Text that a lint never puts into a report, from the input's first line. */
static void add_context(gk_report *r, const char *text)
{
	size_t n = strcspn(text, "\n");
	char *line = strndup(text, n < 200 ? n : 200);
	FUZZ_CHECK(line != NULL);
	gk_report_add_note(r, line);
	gk_report_add_error(r, GK_ERRKIND_IO, line, "%s", line);
	if (r->n_migrations > 0)
		gk_report_set_replay(r, 0, GK_REPLAY_FAILED, 1.0, "42P01", line, false);
	gk_report_set_target(r, line, "_prisma_migrations", true, "prisma", 150000);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	gk_lint_options o;
	gk_lint_options_init(&o);
	o.jobs = 1;
	o.pg_version = versions[(size / 3) % (sizeof versions / sizeof *versions)];
	gk_report *r = gk_report_new("lint");
	FUZZ_CHECK(r != NULL);
	gk_error err;
	int rc = gk_lint_text(r, &o, paths[size % 3], text, size, &err);
	FUZZ_CHECK(rc == 0 || rc == GK_ENOMEM);
	add_context(r, text);
	gk_report_finish(r, GK_SEV_ERROR, 0.5);

	gk_render_options ro = {.color = false, .hostname = "host", .timestamp = 1};
	ro.rules = gk_rules_render(&ro.n_rules);
	size_t len;
	free(render(gk_render_text, r, &ro, &len));
	ro.color = true;
	free(render(gk_render_text, r, &ro, &len));
	check_json(gk_render_json, r, &ro);
	check_json(gk_render_sarif, r, &ro);
	check_json(gk_render_gitlab, r, &ro);
	check_junit(r, &ro, GK_JUNIT_DEFAULT);
	check_junit(r, &ro, GK_JUNIT_STRICT);
	check_github(r, &ro);
	check_markdown(r, &ro);
	free(render(gk_render_step_summary, r, &ro, &len));

	gk_report_free(r);
	free(text);
	return 0;
}
