/*
 * junit.c - the JUnit XML renderer, for CI test-report widgets (GitLab,
 * Jenkins, dorny, mikepenz, EnricoMi, Azure).  The mapping follows
 * report-conventions §1:
 *
 *   - one <testsuite> per migration; one <testcase> with one <failure> per
 *     *blocking* finding, named "lint/<rule> [stmt N]" (plus " #2" when a
 *     rule repeats on a statement; "drift/<rule> [column public.t.c]" for
 *     a finding about a database object; the prefix names what found it)
 *     so names are stable across edits and CI history matches; a passing
 *     "lint" case when nothing blocks, because Jenkins drops suites
 *     without cases;
 *   - non-blocking findings go to the suite's <system-out>, so the JUnit
 *     verdict equals the exit code: failures = blocking findings,
 *     errors = run errors;
 *   - run errors, and findings that belong to no migration, go in a suite
 *     "gatekeeper" (<error> only for tool/infra faults);
 *   - for `check`, each suite's properties also say where the migration
 *     stands in the change (history.status, history.old_path) and which
 *     commit put it there (commit.sha, commit.author, commit.subject);
 *   - for `status` and `gate`, where it stands on the live database (applied.status,
 *     applied.at, applied.note), the log of a failed one in system-out,
 *     and a passing "status" case instead of "lint"; only the migrations
 *     with something to say (pending, failed, edited, ...) get a suite:
 *     the applied ones whose file is unchanged (`settled` in the model)
 *     are one passing "status/applied" case of the gatekeeper suite, whose
 *     system-out counts them (a history of hundreds made a report of
 *     hundreds of empty suites);
 *   - every suite's properties carry the coverage, "N of M statements
 *     analysed", when the run linted anything;
 *   - all text is forced to valid UTF-8, the C0 controls XML 1.0 forbids
 *     and bytes that are not UTF-8 shown as \xNN, then escaped by the
 *     report's XML writer (xstream.h, libxml2's bytes; no CDATA: "]]>"
 *     can occur in SQL).
 *
 * The default profile adds testcase@file/@line and testsuite@file, which
 * GitLab, mikepenz and EnricoMi read but no public XSD allows (validated by
 * testdata/schemas/junit-10-file-line.xsd).  GK_JUNIT_STRICT drops them and
 * the <testsuites> attributes and adds package/id, to pass junit-10.xsd and
 * windyroad-JUnit.xsd.
 */
#include "gatekeeper/render.h"
#include "../util/util.h"
#include "xstream.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MESSAGE_MAX 200 /* code points in a message attribute */
#define GK_SUITE "gatekeeper"

typedef struct jw {
	gk_xstream *x;
	bool failed;               /* an allocation failed; sticky (the writer keeps its own) */
	const gk_report *r;
	bool strict;
	char stamp[32];            /* suite timestamp, UTC without zone */
	char host[256];
	size_t *owner;             /* per finding: its migration, or n_migrations = the gatekeeper suite */
	size_t *repeat;            /* per blocking finding: 1, 2, ... among same suite, path, rule, statement */
	size_t *fails;             /* per suite: blocking findings */
	size_t *order;             /* finding indices grouped by suite, report order within a suite */
	size_t *first;             /* per suite: its findings are order[first[s] .. first[s + 1]) */
	size_t *outcome;           /* per suite: its finding with replay_outcome, or SIZE_MAX */
	size_t next_id;            /* the id of the next suite written */
} jw;

/* Iterate the findings of one suite, in report order. */
#define FOR_SUITE_FINDINGS(j, suite, i)                                                                 \
	for (size_t k_ = (j)->first[suite], i; k_ < (j)->first[(suite) + 1] && ((i) = (j)->order[k_], 1); k_++)

/* ---- text hygiene ---------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (n bytes left), or 0. */
/*
 * A copy of `s` that XML 1.0 can carry: bytes that are not UTF-8 and C0
 * controls other than \t\n\r (illegal even as character references) are
 * written as \xNN, as in the text and JSON reports, so that file names
 * stay distinct and an escape sequence stays visible; U+FFFE/U+FFFF
 * become U+FFFD.  `one_line` turns \t\n\r into spaces; `max_cp`
 * (0 = no limit) cuts the text to that many code points, ending in "…".
 */
static char *clean(const char *s, bool one_line, size_t max_cp)
{
	gk_buf b = GK_BUF_INIT;
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), cps = 0, cut = 0;
	for (size_t i = 0; i < n;) {
		/* A run of printable ASCII that ends before the cut is copied in one piece. */
		size_t run = 0, room = !max_cp ? n - i : cps + 1 < max_cp ? max_cp - 1 - cps : 0;
		while (run < room && i + run < n && p[i + run] >= 0x20 && p[i + run] < 0x7F)
			run++;
		if (run > 0) {
			gk_buf_append(&b, (const char *)p + i, run);
			i += run;
			cps += run;
			continue;
		}
		uint32_t cp = 0;
		size_t k = gk_utf8_seq((const char *)p + i, n - i, &cp);
		if (max_cp && cps == max_cp - 1)
			cut = b.len; /* where the ellipsis goes if the text is too long */
		if (max_cp && cps == max_cp) {
			b.len = cut;
			gk_buf_puts(&b, "\xE2\x80\xA6");
			break;
		}
		if (k == 0 || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r'))
			gk_buf_printf(&b, "\\x%02x", p[i]); /* not even &#1; is legal XML 1.0 */
		else if (cp == 0xFFFE || cp == 0xFFFF)
			gk_buf_puts(&b, "\xEF\xBF\xBD");
		else if (one_line && (cp == '\t' || cp == '\n' || cp == '\r'))
			gk_buf_putc(&b, ' ');
		else
			gk_buf_append(&b, (const char *)p + i, k);
		i += k ? k : 1;
		cps++;
	}
	return gk_buf_take(&b);
}

/* Whether clean() would return `s` unchanged: printable ASCII only (and
 * \t\n\r when not `one_line`), no longer than `max_cp`.  Most text is,
 * and is then written without a copy. */
static bool is_clean(const char *s, bool one_line, size_t max_cp)
{
	if (!s)
		return false;
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	size_t n = strlen(s);
	if (max_cp && n > max_cp)
		return false;
	for (size_t i = 0; i < n; i++) {
		/* Eight bytes at a time while none is below 0x20, DEL or beyond ASCII. */
		uint64_t w, d;
		while (n - i >= 8 && (memcpy(&w, s + i, 8), d = w ^ (ones * 0x7F),
				      ((((w - ones * 0x20) & ~w) | w | ((d - ones) & ~d)) & high) == 0))
			i += 8;
		if (i == n)
			break;
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 || c >= 0x7F) && (one_line || (c != '\t' && c != '\n' && c != '\r')))
			return false;
	}
	return true;
}

/* ---- writer calls ---------------------------------------------------- */

static void start(jw *j, const char *el) { gk_xs_start(j->x, el); }

static void end(jw *j) { gk_xs_end(j->x); }

/* Attribute values are one line: consumers show them as titles. */
static void attr(jw *j, const char *name, const char *value, size_t max_cp)
{
	bool as_is = is_clean(value, true, max_cp);
	char *v = as_is ? NULL : clean(value, true, max_cp);
	const char *w = as_is ? value : v;
	if (w)
		gk_xs_attr(j->x, name, w);
	else
		j->failed = true;
	free(v);
}

static void attrf(jw *j, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void attrf(jw *j, const char *name, const char *fmt, ...)
{
	char buf[400]; /* %.3f of the largest double is 313 bytes */
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof buf) /* numbers only, which fit */
		j->failed = true;
	else
		attr(j, name, buf, 0);
}

static void text(jw *j, const char *s)
{
	bool as_is = is_clean(s, false, 0);
	char *v = as_is ? NULL : clean(s, false, 0);
	const char *w = as_is ? s : v;
	if (!w)
		j->failed = true;
	else if (*w)
		gk_xs_text(j->x, w);
	free(v);
}

/* An element holding only text (or nothing: <system-err/>). */
static void text_element(jw *j, const char *el, const char *s)
{
	start(j, el);
	if (s && *s)
		text(j, s);
	end(j);
}

/* ---- the mapping ----------------------------------------------------- */

static const char *fail_level_name(enum gk_severity s) { return s == GK_SEV_OFF ? "never" : gk_severity_name(s); }

static bool same_str(const char *a, const char *b) { return a == b || (a && b && strcmp(a, b) == 0); }

/* The migration a finding belongs to (the first with its path), else n_migrations. */
static size_t owner_of(const gk_report *r, const gk_finding *f)
{
	if (r->finished) /* gk_report_finish linked them */
		return f->migration >= 0 ? (size_t)f->migration : r->n_migrations;
	for (size_t m = 0; f->path && m < r->n_migrations; m++)
		if (strcmp(f->path, r->migrations[m].path) == 0)
			return m;
	return r->n_migrations;
}

static size_t suite_failures(const jw *j, size_t suite) { return j->fails[suite]; }

static size_t suite_errors(const jw *j, size_t suite) { return suite == j->r->n_migrations ? j->r->n_errors : 0; }

/* The migration was replayed: its suite has a "replay" case. */
static const gk_migration_replay *suite_replay(const jw *j, size_t suite)
{
	const gk_migration *m = suite < j->r->n_migrations ? &j->r->migrations[suite] : NULL;
	return m && m->replay.status != GK_REPLAY_NONE ? &m->replay : NULL;
}

/* Whether the replay case fails: its outcome finding blocks. */
static bool replay_fails(const jw *j, size_t suite)
{
	return j->outcome[suite] != SIZE_MAX && j->r->findings[j->outcome[suite]].blocking;
}

/* Failing cases other than the replay case. */
static size_t lint_bad(const jw *j, size_t suite)
{
	return suite_failures(j, suite) - replay_fails(j, suite) + suite_errors(j, suite);
}

/* Checks of a composed run (`gate`) that did not run: skipped cases of the
 * gatekeeper suite, so that a CI widget shows what was not checked. */
static size_t checks_not_run(const jw *j, size_t suite)
{
	size_t n = 0;
	for (size_t i = 0; suite == j->r->n_migrations && i < j->r->n_checks; i++)
		n += j->r->checks[i].not_run != NULL;
	return n;
}

/* Every suite holds at least one case: a passing "lint" when nothing else
 * failed (or the gatekeeper suite's "status/applied"), plus the "replay"
 * case of a replayed migration, plus the skipped checks. */
static bool has_settled_case(const jw *j, size_t suite) { return suite == j->r->n_migrations && j->r->n_settled; }

/* The passing "lint" (or "status") case: when nothing failed, unless the
 * settled case already gives the suite one. */
static bool has_pass_case(const jw *j, size_t suite) { return lint_bad(j, suite) == 0 && !has_settled_case(j, suite); }

static size_t suite_tests(const jw *j, size_t suite)
{
	return lint_bad(j, suite) + has_pass_case(j, suite) + (suite_replay(j, suite) != NULL) +
	       checks_not_run(j, suite) + has_settled_case(j, suite);
}

/* A migration's own suite: not one of the settled ones summarised in the gatekeeper suite. */
static bool has_suite(const jw *j, size_t suite)
{
	return suite == j->r->n_migrations || !j->r->migrations[suite].settled;
}

static bool replay_skipped(const jw *j, size_t suite)
{
	const gk_migration_replay *p = suite_replay(j, suite);
	return p && (p->status == GK_REPLAY_SKIPPED || p->status == GK_REPLAY_INTERRUPTED) && !replay_fails(j, suite);
}

static size_t suite_skipped(const jw *j, size_t suite)
{
	return replay_skipped(j, suite) + checks_not_run(j, suite);
}

/* The gatekeeper suite exists when something belongs to it, or when it is the only suite. */
static bool has_tool_suite(const jw *j)
{
	if (j->r->n_errors || j->r->n_migrations == 0 || checks_not_run(j, j->r->n_migrations) || j->r->n_settled)
		return true;
	for (size_t i = 0; i < j->r->n_findings; i++)
		if (j->owner[i] == j->r->n_migrations)
			return true;
	return false;
}

typedef struct repeat_key {
	const gk_finding *f;
	size_t owner, idx;
} repeat_key;

static int cmp_str(const char *a, const char *b) { return !a || !b ? (a != NULL) - (b != NULL) : strcmp(a, b); }

static int cmp_repeat(const void *pa, const void *pb)
{
	const repeat_key *a = pa, *b = pb;
	int c;
	if (a->owner != b->owner)
		return a->owner < b->owner ? -1 : 1;
	if ((c = cmp_str(a->f->path, b->f->path)) || (c = strcmp(a->f->rule_id, b->f->rule_id)) ||
	    (c = cmp_str(a->f->object, b->f->object)))
		return c;
	if (a->f->statement_index != b->f->statement_index)
		return a->f->statement_index < b->f->statement_index ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/*
 * Case names must be unique in a suite (GitLab keeps the first of equal
 * names), so the k-th blocking hit of a rule on one statement, in report
 * order, gets " #k".  Sorting keeps this O(n log n) for huge files.
 */
static int number_repeats(jw *j)
{
	size_t n = 0;
	repeat_key *keys = malloc((j->r->n_findings ? j->r->n_findings : 1) * sizeof *keys);
	if (!keys)
		return -1;
	for (size_t i = 0; i < j->r->n_findings; i++)
		if (j->r->findings[i].blocking)
			keys[n++] = (repeat_key){&j->r->findings[i], j->owner[i], i};
	qsort(keys, n, sizeof *keys, cmp_repeat);
	for (size_t k = 0; k < n; k++) {
		const repeat_key *a = &keys[k], *p = k ? &keys[k - 1] : NULL;
		bool same = p && p->owner == a->owner && same_str(p->f->path, a->f->path) &&
			    strcmp(p->f->rule_id, a->f->rule_id) == 0 && same_str(p->f->object, a->f->object) &&
			    p->f->statement_index == a->f->statement_index;
		j->repeat[a->idx] = same ? j->repeat[p->idx] + 1 : 1;
	}
	free(keys);
	return 0;
}

/* What a finding's case and failure type start with: "history" for what
 * git says of the change, "replay" for what the shadow proved, "status",
 * "drift" and "gate" for what the live database says, "lint" for the rest. */
static const char *case_prefix(const gk_finding *f)
{
	switch (f->category) {
	case GK_CAT_HISTORY: return "history";
	case GK_CAT_REPLAY: return "replay";
	case GK_CAT_STATUS: return "status";
	case GK_CAT_DRIFT: return "drift";
	case GK_CAT_GATE: return "gate";
	default: return "lint";
	}
}

/* "lint/<rule> [stmt N]" ("[file]" when about the whole file, "[column
 * public.users.email]" when about a database object), then " #k" for repeats. */
static void case_name(jw *j, size_t i, gk_buf *b)
{
	const gk_finding *f = &j->r->findings[i];
	gk_buf_printf(b, "%s/%s", case_prefix(f), f->rule_id);
	if (f->object)
		gk_buf_printf(b, " [%s%s%s]", f->object_kind ? f->object_kind : "", f->object_kind ? " " : "", f->object);
	else if (f->statement_index > 0)
		gk_buf_printf(b, " [stmt %d]", f->statement_index);
	else
		gk_buf_puts(b, " [file]");
	if (j->repeat[i] > 1)
		gk_buf_printf(b, " #%zu", j->repeat[i]);
}

/* "path:line:col", "path" or "" - the place a finding points at. */
static void location(const gk_finding *f, gk_buf *b)
{
	if (f->path)
		gk_buf_puts(b, f->path);
	if (f->path && f->line > 0)
		gk_buf_printf(b, ":%d:%d", f->line, f->column > 0 ? f->column : 1);
}

/* Failure text: GitLab shows only the element text, so it repeats the message. */
static char *failure_text(const gk_finding *f)
{
	gk_buf b = GK_BUF_INIT;
	gk_buf_printf(&b, "%s\n", f->message);
	location(f, &b);
	gk_buf_printf(&b, "%sseverity=%s category=%s", f->path ? " " : "", gk_severity_name(f->severity),
		      gk_category_name(f->category));
	if (f->production.summary)
		gk_buf_printf(&b, "\nproduction: %s", f->production.summary);
	if (f->estimate.text)
		gk_buf_printf(&b, "\nestimate: %s", f->estimate.text);
	if (f->help)
		gk_buf_printf(&b, "\nhelp: %s", f->help);
	if (f->sql)
		gk_buf_printf(&b, "\nSQL: %s", f->sql);
	return gk_buf_take(&b);
}

/* <failure type="lint/RULE" message="..."> with the finding's text. */
static void failure(jw *j, const gk_finding *f)
{
	char *body = failure_text(f), *type = gk_asprintf("%s/%s", case_prefix(f), f->rule_id);
	if (!body || !type)
		j->failed = true;
	start(j, "failure");
	attr(j, "type", type, 0);
	attr(j, "message", f->message, MESSAGE_MAX);
	text(j, body);
	end(j);
	free(body);
	free(type);
}

static void finding_case(jw *j, size_t i)
{
	const gk_finding *f = &j->r->findings[i];
	gk_buf name = GK_BUF_INIT;
	case_name(j, i, &name);
	char *n = gk_buf_take(&name);
	if (!n)
		j->failed = true;
	start(j, "testcase");
	attr(j, "classname", f->path ? f->path : GK_SUITE, 0);
	attr(j, "name", n, 0);
	if (!j->strict && f->path)
		attr(j, "file", f->path, 0);
	if (!j->strict && f->path && f->line > 0)
		attrf(j, "line", "%d", f->line);
	attr(j, "time", "0.000", 0);
	failure(j, f);
	end(j);
	free(n);
}

static void error_case(jw *j, size_t i)
{
	const gk_run_error *e = &j->r->errors[i];
	size_t k = 1;
	for (size_t p = 0; p < i; p++)
		k += j->r->errors[p].kind == e->kind && same_str(j->r->errors[p].path, e->path);
	char *name = k > 1 ? gk_asprintf("error/%s #%zu", gk_error_kind_name(e->kind), k)
			   : gk_asprintf("error/%s", gk_error_kind_name(e->kind));
	char *body = e->path ? gk_asprintf("%s\npath: %s", e->message, e->path) : gk_strdup(e->message);
	if (!name || !body)
		j->failed = true;
	start(j, "testcase");
	attr(j, "classname", e->path ? e->path : GK_SUITE, 0);
	attr(j, "name", name, 0);
	if (!j->strict && e->path)
		attr(j, "file", e->path, 0);
	attr(j, "time", "0.000", 0);
	start(j, "error");
	attr(j, "type", gk_error_kind_name(e->kind), 0);
	attr(j, "message", e->message, MESSAGE_MAX);
	text(j, body);
	end(j);
	end(j);
	free(name);
	free(body);
}

/* `status` lists migrations it did not lint: their passing case is "status". */
static void pass_case(jw *j, const char *classname, const gk_migration *m)
{
	start(j, "testcase");
	attr(j, "classname", classname, 0);
	attr(j, "name", m && !m->linted && m->applied.status != GK_APPLIED_NONE ? "status" : "lint", 0);
	attr(j, "time", "0.000", 0);
	end(j);
}

/* The locks a traced migration took, one line each. */
static void lock_lines(const gk_migration_replay *p, gk_buf *b)
{
	for (size_t i = 0; i < p->n_locks; i++) {
		const gk_observed_lock *l = &p->locks[i];
		gk_buf_printf(b, "lock: line %d stmt %d %s %s held %.1f ms%s%s\n", l->line, l->statement_index,
			      l->relation, l->mode, l->duration_ms, l->rewrite ? " rewrite" : "",
			      l->lock_timeout_ms == 0 ? " lock_timeout=0" : "");
	}
}

/*
 * The migration's replay: fails when its outcome finding (replay-failed,
 * -environment or -timeout: gk_finding.replay_outcome) blocks (so failures
 * still equal blocking findings), skipped when an earlier migration stopped
 * the replay or the run's end (or the server's) cut it off (status skipped
 * or interrupted).  The default profile puts the
 * locks in the case's system-out; windyroad's schema allows none there,
 * so the strict profile leaves them to the suite's.
 */
static void replay_case(jw *j, size_t suite)
{
	const gk_migration *m = &j->r->migrations[suite];
	const gk_migration_replay *p = &m->replay;
	start(j, "testcase");
	attr(j, "classname", m->path, 0);
	attr(j, "name", "replay", 0);
	if (!j->strict)
		attr(j, "file", m->path, 0);
	attrf(j, "time", "%.3f", p->duration_ms / 1000.0);
	if (replay_fails(j, suite))
		failure(j, &j->r->findings[j->outcome[suite]]);
	else if (replay_skipped(j, suite)) {
		start(j, "skipped");
		attr(j, "message", p->error ? p->error : "not replayed", MESSAGE_MAX);
		end(j);
	}
	if (!j->strict && p->n_locks) {
		gk_buf b = GK_BUF_INIT;
		lock_lines(p, &b);
		char *out = gk_buf_take(&b);
		if (!out)
			j->failed = true;
		text_element(j, "system-out", out);
		free(out);
	}
	end(j);
}

/* The settled migrations, in one passing case (their count is in the suite's system-out). */
static void settled_case(jw *j)
{
	if (!j->r->n_settled)
		return;
	start(j, "testcase");
	attr(j, "classname", GK_SUITE, 0);
	attr(j, "name", "status/applied", 0);
	attr(j, "time", "0.000", 0);
	end(j);
}

/* "N applied migrations match their files (FIRST ... LAST)". */
static void settled_line(const gk_report *r, gk_buf *b)
{
	const char *first = NULL, *last = NULL;
	for (size_t i = 0; i < r->n_migrations; i++)
		if (r->migrations[i].settled) {
			first = first ? first : r->migrations[i].path;
			last = r->migrations[i].path;
		}
	if (!first)
		return;
	gk_buf_printf(b, "status/applied: %zu applied migration%s match%s %s file%s", r->n_settled,
		      r->n_settled == 1 ? "" : "s", r->n_settled == 1 ? "es" : "", r->n_settled == 1 ? "its" : "their",
		      r->n_settled == 1 ? "" : "s");
	if (r->n_settled == 1)
		gk_buf_printf(b, ": %s\n", first);
	else
		gk_buf_printf(b, ", from %s to %s\n", first, last);
}

/* "check/drift", skipped with why it did not run. */
static void skipped_checks(jw *j)
{
	for (size_t i = 0; i < j->r->n_checks; i++) {
		const gk_report_check *k = &j->r->checks[i];
		if (!k->not_run)
			continue;
		char *name = gk_asprintf("check/%s", k->name);
		start(j, "testcase");
		attr(j, "classname", GK_SUITE, 0);
		attr(j, "name", name ? name : "check", 0);
		attr(j, "time", "0.000", 0);
		start(j, "skipped");
		attr(j, "message", k->not_run, MESSAGE_MAX);
		end(j);
		end(j);
		free(name);
	}
}

static void property(jw *j, const char *name, const char *value)
{
	start(j, "property");
	attr(j, "name", name, 0);
	attr(j, "value", value, 0);
	end(j);
}

/* `check`: where the migration stands in the change and the commit that put it there. */
static void history_properties(jw *j, const gk_migration *m)
{
	property(j, "history.status", gk_history_status_name(m->history));
	if (m->old_path)
		property(j, "history.old_path", m->old_path);
	if (!m->commit.sha[0])
		return;
	property(j, "commit.sha", m->commit.sha);
	if (m->commit.author)
		property(j, "commit.author", m->commit.author);
	if (m->commit.subject)
		property(j, "commit.subject", m->commit.subject);
}

static void properties(jw *j, const gk_migration *m)
{
	char pg[16], statements[16];
	snprintf(pg, sizeof pg, "%d", j->r->pg_version);
	start(j, "properties");
	property(j, "tool.version", GK_VERSION);
	property(j, "command", j->r->command);
	property(j, "pg_version", pg);
	property(j, "fail_level", fail_level_name(j->r->fail_level));
	if (m) {
		snprintf(statements, sizeof statements, "%d", m->statements);
		property(j, "runner", gk_runner_name(m->runner));
		if (m->runner_why.tool)
			property(j, "runner.tool", m->runner_why.tool);
		if (m->runner_why.version)
			property(j, "runner.version", m->runner_why.version);
		if (m->runner_why.source)
			property(j, "runner.source", m->runner_why.source);
		if (m->runner_why.reason)
			property(j, "runner.reason", m->runner_why.reason);
		property(j, "statements", statements);
	}
	if (j->r->n_linted) {
		char cov[64];
		snprintf(cov, sizeof cov, "%zu of %zu statements analysed", j->r->statements_analysed,
			 j->r->statements_total);
		property(j, "coverage", cov);
	}
	if (j->r->evidence.traced) {
		char n[3][24];
		snprintf(n[0], sizeof n[0], "%zu", j->r->evidence.confirmed);
		snprintf(n[1], sizeof n[1], "%zu", j->r->evidence.corrected);
		snprintf(n[2], sizeof n[2], "%zu", j->r->evidence.trace_only);
		property(j, "evidence.predictions_confirmed", n[0]);
		property(j, "evidence.predictions_corrected", n[1]);
		property(j, "evidence.trace_only", n[2]);
	}
	if (m && m->history != GK_HISTORY_NONE)
		history_properties(j, m);
	if (m && m->applied.status != GK_APPLIED_NONE) {
		property(j, "applied.status", gk_applied_status_name(m->applied.status));
		if (m->applied.at)
			property(j, "applied.at", m->applied.at);
		if (m->applied.note)
			property(j, "applied.note", m->applied.note);
	}
	end(j);
}

/* Non-blocking findings of a suite, one line each: "path:line:col severity rule: message". */
static char *system_out(jw *j, size_t suite)
{
	gk_buf b = GK_BUF_INIT;
	FOR_SUITE_FINDINGS(j, suite, i) {
		const gk_finding *f = &j->r->findings[i];
		if (f->blocking)
			continue;
		location(f, &b);
		gk_buf_printf(&b, "%s%s %s: ", f->path ? " " : "", gk_severity_name(f->severity), f->rule_id);
		char *msg = clean(f->message, true, 0); /* one finding, one line */
		gk_buf_printf(&b, "%s\n", msg ? msg : "");
		free(msg);
	}
	const gk_migration_replay *p = suite_replay(j, suite);
	if (j->strict && p)
		lock_lines(p, &b);
	const gk_migration *m = suite < j->r->n_migrations ? &j->r->migrations[suite] : NULL;
	if (!m)
		settled_line(j->r, &b);
	if (m && m->applied.logs && *m->applied.logs)
		gk_buf_printf(&b, "log of the failed migration:\n%s\n", m->applied.logs);
	return gk_buf_take(&b);
}

static void suite_attrs(jw *j, size_t suite, const char *name, size_t id)
{
	const gk_migration *m = suite < j->r->n_migrations ? &j->r->migrations[suite] : NULL;
	attr(j, "name", name, 0);
	if (!j->strict && m)
		attr(j, "file", m->path, 0);
	if (j->strict) {
		attr(j, "package", GK_SUITE, 0);
		attrf(j, "id", "%zu", id);
	}
	attrf(j, "tests", "%zu", suite_tests(j, suite));
	attrf(j, "failures", "%zu", suite_failures(j, suite));
	attrf(j, "errors", "%zu", suite_errors(j, suite));
	attrf(j, "skipped", "%zu", suite_skipped(j, suite));
	/* The report has no per-migration time; the run's time is on <testsuites>. */
	attr(j, "time", "0.000", 0);
	attr(j, "timestamp", j->stamp, 0);
	attr(j, "hostname", j->host, 0);
}

/* `suite` is a migration index, or n_migrations for the gatekeeper suite; `id` its position. */
static void write_suite(jw *j, size_t suite, size_t id)
{
	const gk_migration *m = suite < j->r->n_migrations ? &j->r->migrations[suite] : NULL;
	const char *name = m ? m->path : GK_SUITE;
	start(j, "testsuite");
	suite_attrs(j, suite, name, id);
	properties(j, m);
	for (size_t i = 0; i < suite_errors(j, suite); i++)
		error_case(j, i);
	FOR_SUITE_FINDINGS(j, suite, i)
		if (j->r->findings[i].blocking && i != j->outcome[suite])
			finding_case(j, i);
	if (has_pass_case(j, suite))
		pass_case(j, name, m);
	if (suite_replay(j, suite))
		replay_case(j, suite);
	if (suite == j->r->n_migrations) {
		settled_case(j);
		skipped_checks(j);
	}
	char *out = system_out(j, suite);
	if (!out)
		j->failed = true;
	text_element(j, "system-out", out);
	text_element(j, "system-err", NULL);
	end(j);
	free(out);
}

/* Suite s, when it has one, written by the half `half` of the suites
 * (a copy of the writer's state of its own, see gk_xs_children). */
static void each_suite(gk_xstream *x, void *half, size_t s)
{
	jw *j = half;
	j->x = x;
	if (has_suite(j, s))
		write_suite(j, s, j->next_id++);
}

static void write_document(jw *j)
{
	const gk_report *r = j->r;
	size_t suites = r->n_migrations + has_tool_suite(j);
	start(j, "testsuites");
	if (!j->strict) {
		size_t tests = 0;
		for (size_t s = 0; s < suites; s++)
			tests += has_suite(j, s) ? suite_tests(j, s) : 0;
		attr(j, "name", GK_SUITE, 0);
		attrf(j, "tests", "%zu", tests);
		attrf(j, "failures", "%zu", r->n_blocking);
		attrf(j, "errors", "%zu", r->n_errors);
		attrf(j, "time", "%.3f", r->duration_s > 0 ? r->duration_s : 0.0);
	}
	/* The second half of the suites numbers on from the suites before it. */
	jw second = *j;
	second.next_id = 0;
	for (size_t s = 0; s < gk_halves_split(suites); s++)
		second.next_id += has_suite(j, s);
	j->next_id = 0;
	gk_xs_children(j->x, suites, each_suite, j, &second);
	j->failed |= second.failed;
	end(j);
}

/* Timestamp (UTC, no zone: windyroad's pattern) and hostname ("localhost" if unknown). */
static void run_identity(jw *j, const gk_render_options *o)
{
	time_t t = o && o->timestamp ? o->timestamp : time(NULL);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(j->stamp, sizeof j->stamp, "%Y-%m-%dT%H:%M:%S", &tm))
		snprintf(j->stamp, sizeof j->stamp, "1970-01-01T00:00:00");
	if (o && o->hostname)
		snprintf(j->host, sizeof j->host, "%s", o->hostname);
	else if (gethostname(j->host, sizeof j->host) != 0)
		j->host[0] = '\0';
	j->host[sizeof j->host - 1] = '\0';
	if (strspn(j->host, " \t\r\n") == strlen(j->host)) /* xs:token minLength 1 */
		snprintf(j->host, sizeof j->host, "localhost");
}

static void free_index(jw *j)
{
	free(j->owner);
	free(j->repeat);
	free(j->fails);
	free(j->order);
	free(j->first);
	free(j->outcome);
}

/* Group the findings by suite (a counting sort, so report order is kept):
 * writing a suite then costs its own findings, not all of them. */
static int group_by_suite(jw *j)
{
	size_t suites = j->r->n_migrations + 1, n = j->r->n_findings;
	j->order = malloc((n ? n : 1) * sizeof *j->order);
	j->first = calloc(suites + 1, sizeof *j->first);
	if (!j->order || !j->first)
		return -1;
	for (size_t i = 0; i < n; i++)
		j->first[j->owner[i] + 1]++;
	for (size_t s = 0; s < suites; s++)
		j->first[s + 1] += j->first[s];
	size_t *next = malloc(suites * sizeof *next);
	if (!next)
		return -1;
	memcpy(next, j->first, suites * sizeof *next);
	for (size_t i = 0; i < n; i++)
		j->order[next[j->owner[i]]++] = i;
	free(next);
	return 0;
}

/* Which suite each finding goes to, the suites' failure counts, the repeat numbers. */
static int index_findings(jw *j)
{
	const gk_report *r = j->r;
	size_t n = r->n_findings ? r->n_findings : 1;
	j->owner = malloc(n * sizeof *j->owner);
	j->repeat = calloc(n, sizeof *j->repeat);
	j->fails = calloc(r->n_migrations + 1, sizeof *j->fails);
	j->outcome = malloc((r->n_migrations + 1) * sizeof *j->outcome);
	if (!j->owner || !j->repeat || !j->fails || !j->outcome)
		return -1;
	for (size_t s = 0; s <= r->n_migrations; s++)
		j->outcome[s] = SIZE_MAX;
	for (size_t i = 0; i < r->n_findings; i++) {
		const gk_finding *f = &r->findings[i];
		/* Findings are sorted by path: reuse the previous owner when the path repeats. */
		bool same = i > 0 && same_str(f->path, r->findings[i - 1].path);
		j->owner[i] = same ? j->owner[i - 1] : owner_of(r, f);
		j->fails[j->owner[i]] += f->blocking;
		if (f->replay_outcome && suite_replay(j, j->owner[i]) && j->outcome[j->owner[i]] == SIZE_MAX)
			j->outcome[j->owner[i]] = i;
	}
	return group_by_suite(j) < 0 ? -1 : number_repeats(j);
}

/* The writer streams to `out`: nothing is held but its buffer, whatever
 * the report's size. */
int gk_render_junit(const gk_report *r, FILE *out, const gk_render_options *o, gk_error *err)
{
	jw j = {.r = r, .strict = o && o->junit_profile == GK_JUNIT_STRICT};
	run_identity(&j, o);
	j.x = malloc(sizeof *j.x);
	if (!j.x || index_findings(&j) < 0) {
		free_index(&j);
		free(j.x);
		return gk_error_set(err, GK_ENOMEM, "out of memory building the JUnit report");
	}
	gk_xs_init(j.x, out);
	write_document(&j);
	bool write_failed = gk_xs_finish(j.x) < 0;
	free(j.x);
	free_index(&j);
	if (j.failed)
		return gk_error_set(err, GK_ENOMEM, "cannot build the JUnit report (out of memory)");
	if (write_failed || fflush(out) != 0)
		return gk_error_set(err, GK_EIO, "cannot write the JUnit report");
	return 0;
}
