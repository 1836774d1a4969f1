/*
 * markdown.c - the pull request comment (gk_render_markdown) and the job
 * summary (gk_render_step_summary): one document in GitHub Flavored
 * Markdown with a little HTML (<details>, <summary>, <code>, <pre>, as the
 * Actions toolkit's summary.ts writes), in two sizes (see render.h).
 *
 * Order: the verdict and the counts, the coverage, the run's errors, the
 * checks of a composed run (gate), what a drift comparison covered, the
 * replay, the notes; then a table of the migrations worth a look (a
 * finding, a lock the replay saw, a replay that did not go well, a change
 * in the history, a state on the database other than applied) with their
 * status, runner model, findings, observed locks and replay time, the
 * others counted in one line; then one collapsed <details> per such
 * migration: each finding with its safe recipe and the SQL line it points
 * at, the locks with
 * how long they were held, how the replay ended.  Findings about no file
 * (drift) get a <details> of their own.
 *
 * Size: the document is built in memory and every piece (a table row, a
 * finding) goes in only when it fits, with room kept for the closing note;
 * once one does not, nothing more does, and the note counts what was left
 * out and says where it all is.  The head (verdict, counts, errors, checks)
 * always fits, so the smallest comment is the summary.  The failing
 * migrations come first, in the table and in the details, and the table
 * takes at most half of the room the head left, so that on a run over a
 * whole history the findings that fail it are still shown.
 *
 * Escaping.  Untrusted text (file names, messages that quote SQL, SQL,
 * server messages, commit authors and subjects) is first made visible
 * (gk_visible: no control character, no line break), then written for
 * where it goes:
 *   - in markdown (paragraphs, table cells): '&', '<', '>', '"' and '\''
 *     as character references, every other ASCII punctuation character
 *     behind a backslash (CommonMark lets any be escaped so; GFM reads
 *     "\|" in a table cell as a '|' of its content), and leading blanks as
 *     references, so nothing in it opens a tag, a link, an image,
 *     emphasis, a list, a heading, a code block or a new cell;
 *   - in raw HTML (a <summary> line, a <pre> block, where markdown is not
 *     read): the references only.  SQL keeps its line breaks in <pre>;
 *     "</pre>" in it is text, so it cannot end the block.
 * Backtick code spans are never used for untrusted text: a backslash does
 * not escape inside them.  Outside <pre>, an '@' is followed by an
 * invisible word joiner, so that no "@user" or "@org/team" in a name
 * notifies anyone when the comment is posted.
 */
#include "gatekeeper/render.h"
#include "../util/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* After an '@' of untrusted text outside <pre>: U+2060 WORD JOINER, shown
 * as nothing, so that GitHub does not read "@name" as a mention and notify
 * whoever a migration's author named. */
#define NO_MENTION "&#8288;"
/* Room kept for the closing note and the tags that close an open block. */
#define RESERVE 1024
/* Run errors and notes listed in the head; the rest are counted. */
#define HEAD_ITEMS 20
/* Locks named in a table cell; the <details> lists them all. */
#define CELL_LOCKS 3

typedef struct md {
	gk_buf doc;
	size_t budget;               /* the whole document's */
	size_t limit;                /* the current part's end: the table gets half of what the head left */
	bool full;                   /* a piece did not fit: nothing more goes in this part */
	bool left_out;               /* something did not fit */
	bool failed;                 /* out of memory */
	size_t rows_shown, findings_shown, details_shown;
} md;

/* ---- escaping ---------------------------------------------------------- */

static bool put_reference(gk_buf *b, char c)
{
	const char *ref = c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '"' ? "&quot;"
			: c == '\'' ? "&#39;" : NULL;
	if (ref)
		gk_buf_puts(b, ref);
	return ref != NULL;
}

/* `s` (untrusted) as markdown text: see the head comment. */
static void md_text(md *m, gk_buf *b, const char *s)
{
	char *v = gk_visible(s, 0);
	if (!v) {
		m->failed = true;
		return;
	}
	bool lead = true;
	for (const char *p = v; *p; p++) {
		lead = lead && *p == ' ';
		if (lead)
			gk_buf_puts(b, "&#32;");
		else if (*p == '@')
			gk_buf_puts(b, "@" NO_MENTION);
		else if (put_reference(b, *p))
			continue;
		else if (ispunct((unsigned char)*p)) {
			gk_buf_putc(b, '\\');
			gk_buf_putc(b, *p);
		} else
			gk_buf_putc(b, *p);
	}
	free(v);
}

/* `s` (untrusted, made visible) as text in raw HTML; `mentions`: outside
 * <pre>, where GitHub would read @name as a mention. */
static void html_text(md *m, gk_buf *b, const char *s, bool mentions)
{
	char *v = gk_visible(s, 0);
	if (!v) {
		m->failed = true;
		return;
	}
	for (const char *p = v; *p; p++)
		if (mentions && *p == '@')
			gk_buf_puts(b, "@" NO_MENTION);
		else if (!put_reference(b, *p))
			gk_buf_putc(b, *p);
	free(v);
}

/* SQL in a <pre> block: each line made visible, its line breaks kept. */
static void html_pre(md *m, gk_buf *b, const char *sql)
{
	gk_buf_puts(b, "<pre>\n");
	for (const char *p = sql; *p;) {
		size_t n = strcspn(p, "\n");
		size_t k = n && p[n - 1] == '\r' ? n - 1 : n;
		char *line = gk_strndup(p, k);
		if (!line)
			m->failed = true;
		else
			html_text(m, b, line, false);
		free(line);
		gk_buf_putc(b, '\n');
		p += n + (p[n] == '\n');
	}
	gk_buf_puts(b, "</pre>\n\n");
}

/* ---- the budget -------------------------------------------------------- */

/* Append `piece` (consumed) when it fits; false once one did not. */
static bool fit(md *m, gk_buf *piece)
{
	m->failed |= piece->failed;
	bool ok = !m->full && !piece->failed && m->doc.len + piece->len + RESERVE <= m->limit;
	if (ok && piece->len)
		gk_buf_append(&m->doc, piece->data, piece->len);
	m->full |= !ok;
	m->left_out |= !ok;
	gk_buf_free(piece);
	return ok;
}

/* The head always goes in: it is small and bounded. */
static void put(md *m, gk_buf *piece)
{
	m->failed |= piece->failed;
	if (piece->len)
		gk_buf_append(&m->doc, piece->data, piece->len);
	gk_buf_free(piece);
}

static const char *plural(size_t n) { return n == 1 ? "" : "s"; }

/* ---- the head ---------------------------------------------------------- */

static void head_verdict(md *m, const gk_report *r)
{
	gk_buf b = GK_BUF_INIT;
	bool pass = !strcmp(r->verdict, "pass"), fail = !strcmp(r->verdict, "fail");
	gk_buf_printf(&b, "### %s gatekeeper %s: %s\n\n", pass ? "✅" : fail ? "❌" : "⚠️", r->command,
		      pass ? "passed" : fail ? "the gate failed" : "stopped at an error");
	gk_buf_printf(&b, "**%zu** migration%s · **%zu** finding%s (%zu error, %zu warning, %zu info) · **%zu** blocking"
		      " · exit %d\n\n", r->n_migrations, plural(r->n_migrations), r->n_findings, plural(r->n_findings),
		      r->by_severity[GK_SEV_ERROR], r->by_severity[GK_SEV_WARNING], r->by_severity[GK_SEV_INFO],
		      r->n_blocking, (int)r->exit_code);
	if (r->n_linted)
		gk_buf_printf(&b, "Coverage: %zu of %zu statement%s analysed in %zu linted migration%s.\n\n",
			      r->statements_analysed, r->statements_total, plural(r->statements_total), r->n_linted,
			      plural(r->n_linted));
	put(m, &b);
}

static void head_errors(md *m, const gk_report *r)
{
	if (!r->n_errors)
		return;
	gk_buf b = GK_BUF_INIT;
	gk_buf_puts(&b, "**Errors**\n\n");
	for (size_t i = 0; i < r->n_errors && i < HEAD_ITEMS; i++) {
		const gk_run_error *e = &r->errors[i];
		gk_buf_printf(&b, "- %s: ", gk_error_kind_name(e->kind));
		if (e->path) {
			gk_buf_puts(&b, "<code>");
			md_text(m, &b, e->path);
			gk_buf_puts(&b, "</code>: ");
		}
		md_text(m, &b, e->message);
		gk_buf_putc(&b, '\n');
	}
	if (r->n_errors > HEAD_ITEMS)
		gk_buf_printf(&b, "- and %zu more (see the JSON report)\n", r->n_errors - HEAD_ITEMS);
	gk_buf_putc(&b, '\n');
	put(m, &b);
}

static void head_checks(md *m, const gk_report *r)
{
	if (!r->n_checks)
		return;
	gk_buf b = GK_BUF_INIT;
	gk_buf_puts(&b, "| Check | Result |\n|---|---|\n");
	for (size_t i = 0; i < r->n_checks; i++) {
		const gk_report_check *k = &r->checks[i];
		gk_buf_puts(&b, "| ");
		md_text(m, &b, k->name);
		if (k->not_run) {
			gk_buf_puts(&b, " | ⚠️ not run: ");
			md_text(m, &b, k->not_run);
			gk_buf_puts(&b, " |\n");
		} else if (k->blocking) {
			gk_buf_printf(&b, " | ❌ blocks (%zu blocking finding%s) |\n", k->blocking, plural(k->blocking));
		} else {
			gk_buf_printf(&b, " | ✅ ok%s |\n", k->findings ? " (nothing blocking)" : "");
		}
	}
	gk_buf_putc(&b, '\n');
	put(m, &b);
}

static void head_drift(md *m, const gk_report *r)
{
	if (!r->drift.target)
		return;
	gk_buf b = GK_BUF_INIT;
	gk_buf_puts(&b, "**Drift:** compared ");
	md_text(m, &b, r->drift.target);
	if (r->drift.expected) {
		gk_buf_puts(&b, " with the snapshot ");
		md_text(m, &b, r->drift.expected);
	} else {
		gk_buf_printf(&b, " with %zu applied migration%s, replayed", r->drift.applied, plural(r->drift.applied));
	}
	gk_buf_printf(&b, ": %zu object%s", r->drift.compared, plural(r->drift.compared));
	for (size_t i = 0, k = 0; i < r->drift.n_kinds; i++)
		if (r->drift.kinds[i].compared)
			gk_buf_printf(&b, "%s%s %zu", k++ ? ", " : " (", r->drift.kinds[i].kind, r->drift.kinds[i].compared);
	gk_buf_puts(&b, r->drift.compared ? ")" : "");
	if (r->drift.n_schemas) {
		gk_buf_puts(&b, "; schemas: only");
		for (size_t i = 0; i < r->drift.n_schemas; i++) {
			gk_buf_puts(&b, i ? ", " : " ");
			md_text(m, &b, r->drift.schemas[i]);
		}
	}
	if (r->drift.n_ignore)
		gk_buf_printf(&b, "; %zu object%s left out by --ignore", r->drift.ignored, plural(r->drift.ignored));
	gk_buf_puts(&b, ".\n\n");
	put(m, &b);
}

static void head_replay(md *m, const gk_report *r)
{
	gk_buf b = GK_BUF_INIT;
	if (r->replay.shadow) {
		int v = r->replay.server_version;
		gk_buf_printf(&b, "**Replay:** %zu migration%s on PostgreSQL %d.%d (", r->replay.migrations,
			      plural(r->replay.migrations), v / 10000, v % 10000);
		md_text(m, &b, r->replay.shadow);
		gk_buf_puts(&b, " shadow)");
		if (r->replay.reused)
			gk_buf_printf(&b, ", %zu reused from the cache", r->replay.reused);
		gk_buf_printf(&b, ", %.2f s.\n\n", r->replay.duration_ms / 1000.0);
	}
	if (r->evidence.traced)
		gk_buf_printf(&b, "**Lock trace:** %zu prediction%s confirmed, %zu corrected, %zu trace-only.\n\n",
			      r->evidence.confirmed, plural(r->evidence.confirmed), r->evidence.corrected,
			      r->evidence.trace_only);
	for (size_t i = 0; i < r->n_notes && i < HEAD_ITEMS; i++) {
		gk_buf_puts(&b, "- Note: ");
		md_text(m, &b, r->notes[i]);
		gk_buf_putc(&b, '\n');
	}
	if (r->n_notes > HEAD_ITEMS)
		gk_buf_printf(&b, "- and %zu more notes (see the JSON report)\n", r->n_notes - HEAD_ITEMS);
	if (r->n_notes)
		gk_buf_putc(&b, '\n');
	put(m, &b);
}

/* ---- the table of migrations ------------------------------------------ */

static void status_words(gk_buf *b, const gk_migration *m)
{
	gk_buf_puts(b, m->status == GK_MIGRATION_FAIL ? "❌ fail" : "✅ pass");
	if (m->history != GK_HISTORY_NONE && m->history != GK_HISTORY_UNCHANGED)
		gk_buf_printf(b, ", %s", gk_history_status_name(m->history));
	if (m->applied.status != GK_APPLIED_NONE)
		gk_buf_printf(b, ", %s", gk_applied_status_name(m->applied.status));
}

static void runner_words(md *d, gk_buf *b, const gk_migration *m)
{
	if (m->runner_why.tool) {
		md_text(d, b, m->runner_why.tool);
		gk_buf_putc(b, ' ');
		if (m->runner_why.version) {
			md_text(d, b, m->runner_why.version);
			gk_buf_putc(b, ' ');
		}
		gk_buf_puts(b, "· ");
	}
	gk_buf_puts(b, gk_runner_name(m->runner));
}

static void lock_words(md *d, gk_buf *b, const gk_observed_lock *l)
{
	gk_buf_puts(b, l->mode);
	gk_buf_puts(b, " on ");
	md_text(d, b, l->relation);
	gk_buf_printf(b, ", %.0f ms%s", l->duration_ms, l->rewrite ? ", rewritten" : "");
}

static void replay_words(md *d, gk_buf *b, const gk_migration_replay *p)
{
	if (p->status == GK_REPLAY_NONE) {
		gk_buf_puts(b, "—");
		return;
	}
	gk_buf_printf(b, "%s%s", p->status == GK_REPLAY_OK ? "" : "❌ ", gk_replay_status_name(p->status));
	if (p->sqlstate[0]) {
		gk_buf_puts(b, " ");
		md_text(d, b, p->sqlstate);
	}
	if (p->status != GK_REPLAY_SKIPPED)
		gk_buf_printf(b, ", %.0f ms", p->duration_ms);
}

static void table_row(md *d, gk_buf *b, const gk_migration *m)
{
	gk_buf_puts(b, "| <code>");
	md_text(d, b, m->path);
	gk_buf_puts(b, "</code> | ");
	status_words(b, m);
	gk_buf_puts(b, " | ");
	runner_words(d, b, m);
	gk_buf_printf(b, " | %zu", m->findings);
	if (m->blocking)
		gk_buf_printf(b, " (%zu blocking)", m->blocking);
	gk_buf_puts(b, " | ");
	for (size_t k = 0; k < m->replay.n_locks && k < CELL_LOCKS; k++) {
		gk_buf_puts(b, k ? "<br>" : "");
		lock_words(d, b, &m->replay.locks[k]);
	}
	if (m->replay.n_locks > CELL_LOCKS)
		gk_buf_printf(b, "<br>and %zu more", m->replay.n_locks - CELL_LOCKS);
	if (!m->replay.n_locks)
		gk_buf_puts(b, "—");
	gk_buf_puts(b, " | ");
	replay_words(d, b, &m->replay);
	gk_buf_puts(b, " |\n");
}

/* The failing migrations first (pass 0), then the other notable ones. */
static bool in_pass(const gk_migration *m, int pass)
{
	return m->notable && (m->status == GK_MIGRATION_FAIL) == (pass == 0);
}

/* The table takes at most half of what the head left, so that on a run
 * over a whole history the details of the failing migrations still fit. */
static void table(md *d, const gk_report *r)
{
	gk_buf b = GK_BUF_INIT;
	gk_buf_puts(&b, "| Migration | Status | Runner | Findings | Locks observed | Replay |\n"
			"|---|---|---|---|---|---|\n");
	bool open = false;
	d->limit = d->doc.len + (d->budget - d->doc.len) / 2;
	for (int pass = 0; pass < 2 && !d->full; pass++)
		for (size_t i = 0; i < r->n_migrations && !d->full; i++) {
			if (!in_pass(&r->migrations[i], pass))
				continue;
			if (!open && !(open = fit(d, &b)))
				break;
			table_row(d, &b, &r->migrations[i]);
			d->rows_shown += fit(d, &b);
		}
	gk_buf_free(&b);
	d->limit = d->budget;
	d->full = false;
	size_t quiet = r->n_migrations - r->n_notable, unlisted = r->n_notable - d->rows_shown;
	b = (gk_buf)GK_BUF_INIT;
	if (open)
		gk_buf_putc(&b, '\n');
	if (unlisted)
		gk_buf_printf(&b, "%zu more migration%s worth a look: not listed here, for room.\n\n", unlisted,
			      plural(unlisted));
	if (quiet)
		gk_buf_printf(&b, "%zu %smigration%s: nothing to report.\n\n", quiet, open ? "other " : "", plural(quiet));
	fit(d, &b);
}

/* ---- details per migration -------------------------------------------- */

static void finding_piece(md *d, gk_buf *b, const gk_finding *f)
{
	gk_buf_printf(b, "**%s** · ", gk_severity_name(f->severity));
	md_text(d, b, f->rule_id);
	if (f->line > 0)
		gk_buf_printf(b, " · line %d, column %d", f->line, f->column);
	if (f->blocking)
		gk_buf_puts(b, " · blocking");
	gk_buf_puts(b, "<br>\n");
	md_text(d, b, f->message);
	gk_buf_puts(b, "\n\n");
	if (f->object) {
		gk_buf_puts(b, "Object: ");
		md_text(d, b, f->object_kind ? f->object_kind : "");
		gk_buf_puts(b, " <code>");
		md_text(d, b, f->object);
		gk_buf_puts(b, "</code>");
		if (f->attribute) {
			gk_buf_puts(b, ", ");
			md_text(d, b, f->attribute);
		}
		if (f->expected || f->actual) {
			gk_buf_puts(b, ": expected <code>");
			md_text(d, b, f->expected ? f->expected : "(none)");
			gk_buf_puts(b, "</code>, actual <code>");
			md_text(d, b, f->actual ? f->actual : "(none)");
			gk_buf_puts(b, "</code>");
		}
		gk_buf_puts(b, "\n\n");
	}
	if (f->production.summary) {
		gk_buf_puts(b, "**In production:** ");
		md_text(d, b, f->production.summary);
		gk_buf_puts(b, "\n\n");
	}
	if (f->estimate.text) {
		gk_buf_puts(b, "**Predicted lock window:** ");
		md_text(d, b, f->estimate.text);
		gk_buf_puts(b, "\n\n");
	}
	if (f->help) {
		gk_buf_puts(b, "**Safe recipe:** ");
		md_text(d, b, f->help);
		gk_buf_puts(b, "\n\n");
	}
	/* The line it points at (the statement can be long and is often the
	 * same for several findings), else the statement. */
	if (f->context && f->line > 0)
		html_pre(d, b, f->context);
	else if (f->sql && *f->sql)
		html_pre(d, b, f->sql);
}

static void locks_piece(md *d, gk_buf *b, const gk_migration_replay *p)
{
	gk_buf_puts(b, "| Line | Lock | Relation | Held | lock_timeout |\n|---|---|---|---|---|\n");
	for (size_t k = 0; k < p->n_locks; k++) {
		const gk_observed_lock *l = &p->locks[k];
		gk_buf_printf(b, "| %d | %s%s | ", l->line, l->mode, l->rewrite ? " (rewrite)" : "");
		md_text(d, b, l->relation);
		gk_buf_printf(b, " | %.0f ms | ", l->duration_ms);
		if (l->lock_timeout_ms)
			gk_buf_printf(b, "%ld ms |\n", l->lock_timeout_ms);
		else
			gk_buf_puts(b, "none: waits forever |\n");
	}
	gk_buf_putc(b, '\n');
}

static void stop_words(md *d, gk_buf *b, const gk_replay_stop *s)
{
	if (!s->failed_statement)
		return;
	gk_buf_printf(b, "; it stopped at statement %d", s->failed_statement);
	if (s->n_statements)
		gk_buf_printf(b, " of %d", s->n_statements);
	gk_buf_printf(b, "; %d committed before it%s.", s->committed_statements,
		      s->aborted_session ? ", and the session's transaction was aborted" : "");
	for (int which = 0; which < 2; which++) {
		char **v = which ? s->changed : s->created;
		size_t n = which ? s->n_changed : s->n_created;
		for (size_t k = 0; k < n && k < CELL_LOCKS; k++) {
			gk_buf_puts(b, k ? ", " : which ? " Stays changed: " : " Stays created: ");
			md_text(d, b, v[k]);
		}
		if (n > CELL_LOCKS)
			gk_buf_printf(b, " and %zu more", n - CELL_LOCKS);
		if (n)
			gk_buf_putc(b, '.');
	}
}

/* What the history, the database and the replay say of `m`, if anything. */
static void migration_facts(md *d, gk_buf *b, const gk_migration *m)
{
	if (m->history != GK_HISTORY_NONE && m->history != GK_HISTORY_UNCHANGED) {
		gk_buf_printf(b, "History: %s", gk_history_status_name(m->history));
		if (m->old_path) {
			gk_buf_puts(b, " from <code>");
			md_text(d, b, m->old_path);
			gk_buf_puts(b, "</code>");
		}
		if (m->commit.sha[0] && m->history != GK_HISTORY_DELETED) {
			gk_buf_printf(b, " in %.7s by ", m->commit.sha);
			md_text(d, b, m->commit.author ? m->commit.author : "?");
			gk_buf_puts(b, ": ");
			md_text(d, b, m->commit.subject ? m->commit.subject : "");
		}
		gk_buf_puts(b, "\n\n");
	}
	if (m->applied.status != GK_APPLIED_NONE && m->applied.status != GK_APPLIED_APPLIED) {
		gk_buf_printf(b, "On the database: %s", gk_applied_status_name(m->applied.status));
		if (m->applied.note) {
			gk_buf_puts(b, ": ");
			md_text(d, b, m->applied.note);
		}
		gk_buf_puts(b, "\n\n");
	}
	const gk_migration_replay *p = &m->replay;
	if (p->status != GK_REPLAY_NONE && p->status != GK_REPLAY_OK) {
		gk_buf_printf(b, "Replay: %s", gk_replay_status_name(p->status));
		if (p->sqlstate[0]) {
			gk_buf_puts(b, " (SQLSTATE ");
			md_text(d, b, p->sqlstate);
			gk_buf_putc(b, ')');
		}
		if (p->error) {
			gk_buf_puts(b, ": ");
			md_text(d, b, p->error);
		}
		stop_words(d, b, &p->stop);
		gk_buf_puts(b, "\n\n");
	}
	if (p->n_locks)
		locks_piece(d, b, p);
}

/* The findings r->findings[first .. first + n), one piece each. */
static void findings_pieces(md *d, const gk_report *r, size_t first, size_t n)
{
	for (size_t i = first; i < first + n && !d->full; i++) {
		gk_buf b = GK_BUF_INIT;
		finding_piece(d, &b, &r->findings[i]);
		if (fit(d, &b))
			d->findings_shown++;
	}
}

/* <details> around pieces: opened when its first pieces fit, always closed
 * (the reserve has room for it). */
static void migration_details(md *d, const gk_report *r, const gk_migration *m)
{
	gk_buf b = GK_BUF_INIT;
	gk_buf_printf(&b, "<details><summary>%s <code>", m->status == GK_MIGRATION_FAIL ? "❌" : "✅");
	html_text(d, &b, m->path, true);
	gk_buf_printf(&b, "</code>: %zu finding%s", m->findings, plural(m->findings));
	if (m->blocking)
		gk_buf_printf(&b, ", %zu blocking", m->blocking);
	gk_buf_puts(&b, "</summary>\n\n");
	migration_facts(d, &b, m);
	if (!fit(d, &b))
		return;
	d->details_shown++;
	if (m->findings)
		findings_pieces(d, r, m->first_finding, m->findings);
	gk_buf_puts(&d->doc, "</details>\n\n");
}

/* Findings of no migration (drift, a file the run did not list), in order. */
static void other_details(md *d, const gk_report *r, size_t n_other)
{
	gk_buf b = GK_BUF_INIT;
	gk_buf_printf(&b, "<details><summary>%zu finding%s about no migration file</summary>\n\n", n_other,
		      plural(n_other));
	if (!fit(d, &b))
		return;
	for (size_t i = 0; i < r->n_findings && !d->full; i++) {
		if (r->findings[i].migration >= 0)
			continue;
		if (r->findings[i].path) {
			gk_buf_puts(&b, "<code>");
			md_text(d, &b, r->findings[i].path);
			gk_buf_puts(&b, "</code>: ");
		}
		finding_piece(d, &b, &r->findings[i]);
		if (fit(d, &b))
			d->findings_shown++;
	}
	gk_buf_puts(&d->doc, "</details>\n\n");
}

static void details(md *d, const gk_report *r)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < r->n_migrations && !d->full; i++)
			if (in_pass(&r->migrations[i], pass))
				migration_details(d, r, &r->migrations[i]);
	if (r->n_unattached && !d->full)
		other_details(d, r, r->n_unattached);
}

/* ---- the document ------------------------------------------------------ */

static int render(const gk_report *r, FILE *out, size_t budget, bool comment, gk_error *err)
{
	md d = {.budget = budget, .limit = budget};
	if (comment)
		gk_buf_puts(&d.doc, GK_MARKDOWN_MARKER "\n");
	head_verdict(&d, r);
	head_errors(&d, r);
	head_checks(&d, r);
	head_drift(&d, r);
	head_replay(&d, r);
	table(&d, r);
	details(&d, r);
	if (d.left_out) {
		size_t worth = r->n_notable;
		gk_buf_printf(&d.doc,
			      "_Left out to stay within %s: %zu of %zu finding%s and the details of %zu of %zu migration%s "
			      "(%zu table row%s). %s_\n",
			      comment ? "the 65,000 characters of a comment" : "the 1 MiB of a job summary",
			      r->n_findings - d.findings_shown, r->n_findings, plural(r->n_findings), worth - d.details_shown,
			      worth, plural(worth), worth - d.rows_shown, plural(worth - d.rows_shown),
			      comment ? "The job summary and the JSON report have them all." : "The JSON report has them all.");
	}
	d.failed |= d.doc.failed;
	if (!d.failed && d.doc.len)
		fwrite(d.doc.data, 1, d.doc.len, out);
	gk_buf_free(&d.doc);
	if (d.failed)
		return gk_error_set(err, GK_ENOMEM, "out of memory writing the Markdown report");
	if (ferror(out))
		return gk_error_set(err, GK_EIO, "cannot write the Markdown report: %s", strerror(errno));
	return 0;
}

int gk_render_markdown(const gk_report *r, FILE *out, const gk_render_options *o, gk_error *err)
{
	(void)o;
	return render(r, out, GK_MARKDOWN_COMMENT_MAX, true, err);
}

int gk_render_step_summary(const gk_report *r, FILE *out, const gk_render_options *o, gk_error *err)
{
	(void)o;
	return render(r, out, GK_MARKDOWN_SUMMARY_MAX, false, err);
}
