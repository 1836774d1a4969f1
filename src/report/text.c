/*
 * text.c - the human renderer:
 *   path:line:col: severity: message [rule]
 *      3 | the source line
 *        |    ^^^^^
 *     = production: what it means on the production table (--stats, gate)
 *     = help: the safe recipe
 * then, for `check`, the migrations the change added, modified, renamed or
 * deleted (with the commit responsible), what the replay did, for
 * `status` the target and what is not simply applied there (with what to
 * do next), and a one-line summary.  Colour
 * only when asked (a TTY without NO_COLOR, decided by the caller).
 *
 * Every string that comes from a file, git or a database (paths, SQL,
 * messages naming identifiers, commit authors and subjects, server
 * errors, history rows) goes through gk_visible() on its way out: a
 * control character is shown as an escape, never sent to the terminal or
 * the CI log, and no such string can start a line of its own.
 */
#include "gatekeeper/render.h"
#include "text.h"
#include "../util/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"

static const char *sev_color(enum gk_severity s)
{
	return s == GK_SEV_ERROR ? "\033[1;31m" : s == GK_SEV_WARNING ? "\033[1;33m" : "\033[1;36m";
}

static const char *c(const gk_render_options *o, const char *code) { return o && o->color ? code : ""; }

/* The escaped copies of one rendering, freed at its end. */
typedef struct arena {
	char **v;
	size_t n, cap;
	bool failed;
} arena;

static const char *keep(arena *a, char *s)
{
	if (!s || gk_grow(&a->v, &a->cap, a->n + 1, sizeof *a->v) < 0) {
		free(s);
		a->failed = true;
		return "?";
	}
	return a->v[a->n++] = s;
}

/* `s` made visible (NULL stays NULL). */
static const char *V(arena *a, const char *s) { return s ? keep(a, gk_visible(s, 0)) : NULL; }
/* A path that starts a line. */
static const char *VL(arena *a, const char *s) { return s ? keep(a, gk_visible(s, GK_VIS_LINE_START)) : NULL; }

static void arena_free(arena *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
}

/*
 * Print the line and a caret span from column `col` (code points of the
 * line as written) to the span's end.  The line is shown escaped, so the
 * carets count the width of each code point as shown.
 */
static void excerpt(FILE *out, const gk_finding *f, const gk_render_options *o)
{
	const char *t = f->context;
	size_t n = strlen(t);
	int last = f->end_line == f->line ? f->end_column : 0; /* 0: to the end of the line */
	gk_buf line = GK_BUF_INIT, marks = GK_BUF_INIT;
	int cp_no = 1;
	for (size_t i = 0; i < n; cp_no++) {
		uint32_t cp = 0;
		size_t k = gk_utf8_seq(t + i, n - i, &cp);
		k = k ? k : 1;
		size_t before = line.len;
		gk_buf_put_visible(&line, t + i, k, GK_VIS_TAB);
		size_t width = 0; /* code points shown for this one */
		for (size_t j = before; j < line.len; j++)
			width += ((unsigned char)line.data[j] & 0xC0) != 0x80;
		bool in_span = cp_no >= f->column && (!last || cp_no <= last);
		for (size_t w = 0; w < width && cp_no < f->column; w++)
			gk_buf_putc(&marks, t[i] == '\t' ? '\t' : ' ');
		for (size_t w = 0; w < width && in_span; w++)
			gk_buf_putc(&marks, '^');
		i += k;
	}
	if (cp_no <= f->column || marks.len == 0 || marks.data[marks.len - 1] != '^')
		gk_buf_putc(&marks, '^'); /* a span at the line's end, or past it */
	fprintf(out, "%6d | %s\n", f->line, line.data ? line.data : "");
	fprintf(out, "       | ");
	const char *m = marks.data ? marks.data : "^";
	size_t lead = strspn(m, " \t");
	fprintf(out, "%.*s%s%s%s\n", (int)lead, m, c(o, sev_color(f->severity)), m + lead, c(o, C_RESET));
	gk_buf_free(&line);
	gk_buf_free(&marks);
}

static void finding(FILE *out, arena *a, const gk_finding *f, const gk_render_options *o)
{
	if (f->path && f->line)
		fprintf(out, "%s%s:%d:%d:%s ", c(o, C_BOLD), VL(a, f->path), f->line, f->column, c(o, C_RESET));
	else if (f->path)
		fprintf(out, "%s%s:%s ", c(o, C_BOLD), VL(a, f->path), c(o, C_RESET));
	fprintf(out, "%s%s:%s %s [%s]\n", c(o, sev_color(f->severity)), gk_severity_name(f->severity), c(o, C_RESET),
		V(a, f->message), f->rule_id);
	if (f->context && f->line)
		excerpt(out, f, o);
	if (f->production.summary)
		fprintf(out, "       = production: %s\n", V(a, f->production.summary));
	if (f->estimate.text)
		fprintf(out, "       = estimate: %s\n", V(a, f->estimate.text));
	if (f->help)
		fprintf(out, "       = help: %s\n", V(a, f->help));
	fputc('\n', out);
}

/* "1a2b3c4 Alice 2024-05-01 subject" of a migration's commit, or "(not committed)". */
static void commit_line(FILE *out, arena *a, const gk_commit_ref *cr)
{
	if (!cr->sha[0]) {
		fputs("  (not committed)", out);
		return;
	}
	char date[16] = "";
	time_t t = (time_t)(cr->time + (long long)cr->tz_offset_min * 60);
	struct tm tm;
	if (gmtime_r(&t, &tm))
		strftime(date, sizeof date, "%Y-%m-%d", &tm);
	fprintf(out, "  %.7s %s %s %s", cr->sha, cr->author ? V(a, cr->author) : "?", date,
		cr->subject ? V(a, cr->subject) : "");
}

/* `check`: what the change did to the migrations, before the summary line. */
static void history_section(FILE *out, arena *a, const gk_report *r, const gk_render_options *o)
{
	size_t shown = 0;
	for (size_t i = 0; i < r->n_migrations; i++) {
		const gk_migration *m = &r->migrations[i];
		if (m->history == GK_HISTORY_NONE || m->history == GK_HISTORY_UNCHANGED)
			continue;
		if (shown++ == 0)
			fprintf(out, "%smigrations changed since %s:%s\n", c(o, C_BOLD), V(a, r->base_ref), c(o, C_RESET));
		fprintf(out, "  %-9s %s", gk_history_status_name(m->history), V(a, m->path));
		if (m->old_path)
			fprintf(out, " (was %s)", V(a, m->old_path));
		if (m->history != GK_HISTORY_DELETED)
			commit_line(out, a, &m->commit);
		fputc('\n', out);
	}
	if (shown == 0)
		fprintf(out, "no migration changed since %s\n", V(a, r->base_ref));
	fputc('\n', out);
}

/* `check` with replay: the shadow, the traced and failed migrations. */
static void replay_section(FILE *out, arena *a, const gk_report *r, const gk_render_options *o)
{
	int v = r->replay.server_version;
	fprintf(out, "%sreplay:%s %zu migration%s on PostgreSQL %d.%d (%s shadow)", c(o, C_BOLD), c(o, C_RESET),
		r->replay.migrations, r->replay.migrations == 1 ? "" : "s", v / 10000, v % 10000, V(a, r->replay.shadow));
	if (r->replay.reused)
		fprintf(out, ", %zu reused from the cache", r->replay.reused);
	fprintf(out, ", %.2f s\n", r->replay.duration_ms / 1000.0);
	size_t skipped = 0;
	for (size_t i = 0; i < r->n_migrations; i++) {
		const gk_migration *m = &r->migrations[i];
		const gk_migration_replay *p = &m->replay;
		skipped += p->status == GK_REPLAY_SKIPPED;
		if (p->status == GK_REPLAY_FAILED || p->status == GK_REPLAY_ENVIRONMENT ||
		    p->status == GK_REPLAY_TIMEOUT || p->status == GK_REPLAY_INTERRUPTED)
			fprintf(out, "  %-11s %s: %s\n", gk_replay_status_name(p->status), V(a, m->path),
				p->error ? V(a, p->error) : "");
		else if (p->status == GK_REPLAY_OK && p->traced)
			fprintf(out, "  %-11s %s (%.0f ms, %zu lock%s on existing relations)\n", "traced", V(a, m->path),
				p->duration_ms, p->n_locks, p->n_locks == 1 ? "" : "s");
	}
	if (skipped)
		fprintf(out, "  %-11s %zu listed migration%s not replayed after it\n", "skipped", skipped,
			skipped == 1 ? "" : "s");
	fputc('\n', out);
}

/* `status`: the command that applies what is pending, per tool. */
static const char *deploy_command(const char *tool)
{
	static const char *const cmds[][2] = {
		{"prisma", "prisma migrate deploy"}, {"flyway", "flyway migrate"}, {"golang-migrate", "migrate up"},
		{"dbmate", "dbmate migrate"}, {"diesel", "diesel migration run"},
	};
	for (size_t i = 0; tool && i < sizeof cmds / sizeof *cmds; i++)
		if (strcmp(cmds[i][0], tool) == 0)
			return cmds[i][1];
	return "the migration tool";
}

/* `status`: one line per migration that is not simply applied. */
static void applied_line(FILE *out, arena *ar, const gk_migration *m, const gk_render_options *o)
{
	const gk_migration_applied *a = &m->applied;
	bool bad = a->status == GK_APPLIED_FAILED || a->status == GK_APPLIED_EDITED || a->status == GK_APPLIED_MISSING;
	fprintf(out, "  %s%-11s%s %-20s %s\n", c(o, bad ? sev_color(GK_SEV_ERROR) : ""), gk_applied_status_name(a->status),
		c(o, bad ? C_RESET : ""), a->at ? V(ar, a->at) : "", V(ar, m->path));
	if (a->note && a->status != GK_APPLIED_APPLIED)
		fprintf(out, "  %-11s %-20s %s\n", "", "", V(ar, a->note));
	if (a->logs && *a->logs) {
		/* The server's "ERROR: ..." line says what happened; Prisma's log starts with a code. */
		const char *l = strncmp(a->logs, "ERROR:", 6) == 0 ? a->logs : strstr(a->logs, "\nERROR:");
		l = l ? l + (*l == '\n') : a->logs;
		size_t n = strcspn(l, "\r\n");
		char *first = gk_strndup(l, gk_utf8_whole(l, n > 200 ? 200 : n));
		fprintf(out, "  %-11s %-20s log: %s%s\n", "", "", first ? V(ar, first) : "?", n > 200 || l[n] ? " ..." : "");
		free(first);
	}
}

/* `status`: what to do next, the way `prisma migrate status` says it. */
static void status_advice(FILE *out, const gk_report *r, const size_t *n)
{
	const char *deploy = deploy_command(r->target.tool);
	size_t waiting = n[GK_APPLIED_PENDING] + n[GK_APPLIED_DIVERGED] + n[GK_APPLIED_ROLLED_BACK];
	if (n[GK_APPLIED_RUNNING] || r->target.deploy_in_progress)
		fprintf(out, "A deploy is applying migrations right now: run status again when it has finished.\n");
	if (n[GK_APPLIED_FAILED])
		fprintf(out, "%zu migration%s failed: resolve %s by hand before the next deploy (see the findings).\n",
			n[GK_APPLIED_FAILED], n[GK_APPLIED_FAILED] == 1 ? "" : "s", n[GK_APPLIED_FAILED] == 1 ? "it" : "them");
	if (n[GK_APPLIED_EDITED])
		fprintf(out, "%zu applied migration%s changed since: restore the file%s, put changes in new migrations.\n",
			n[GK_APPLIED_EDITED], n[GK_APPLIED_EDITED] == 1 ? "" : "s", n[GK_APPLIED_EDITED] == 1 ? "" : "s");
	if (n[GK_APPLIED_MISSING])
		fprintf(out, "%zu applied migration%s not in the folder%s: restore %s from the branch that deployed %s.\n",
			n[GK_APPLIED_MISSING], n[GK_APPLIED_MISSING] == 1 ? " is" : "s are",
			waiting ? ", and the folder has migrations the database lacks: the histories diverge" : "",
			n[GK_APPLIED_MISSING] == 1 ? "it" : "them", n[GK_APPLIED_MISSING] == 1 ? "it" : "them");
	if (waiting)
		fprintf(out, "%zu migration%s not yet applied: `%s` applies %s.\n", waiting, waiting == 1 ? " is" : "s are",
			deploy, waiting == 1 ? "it" : "them");
	if (!waiting && !n[GK_APPLIED_FAILED] && !n[GK_APPLIED_EDITED] && !n[GK_APPLIED_MISSING] &&
	    !n[GK_APPLIED_RUNNING] && !r->target.deploy_in_progress)
		fprintf(out, "Database schema is up to date.\n");
}

/* `status`: the target, the migrations that are not simply applied, advice. */
static void status_section(FILE *out, arena *a, const gk_report *r, const gk_render_options *o)
{
	int v = r->target.server_version;
	size_t n[GK_APPLIED_RUNNING + 1] = {0}, local = 0;
	const gk_migration *last = NULL;
	for (size_t i = 0; i < r->n_migrations; i++) {
		const gk_migration *m = &r->migrations[i];
		n[m->applied.status]++;
		local += m->applied.status != GK_APPLIED_MISSING;
		if (m->applied.status == GK_APPLIED_APPLIED)
			last = m;
	}
	fprintf(out, "%starget:%s %s (PostgreSQL %d.%d)\n", c(o, C_BOLD), c(o, C_RESET), V(a, r->target.database),
		v / 10000, v % 10000);
	if (r->target.history_exists)
		fprintf(out, "%s history: %s\n", V(a, r->target.tool), V(a, r->target.history_table));
	else
		fprintf(out, "%s history: no table %s: nothing has been applied to this database\n", V(a, r->target.tool),
			V(a, r->target.history_table));
	fprintf(out, "%zu migration%s found in the folder, %zu applied", local, local == 1 ? "" : "s",
		n[GK_APPLIED_APPLIED]);
	if (last)
		fprintf(out, " (the last: %s%s%s)", V(a, last->path), last->applied.at ? " at " : "",
			last->applied.at ? V(a, last->applied.at) : "");
	fputs("\n", out);
	for (size_t i = 0; i < r->n_migrations; i++)
		if (r->migrations[i].applied.status != GK_APPLIED_APPLIED)
			applied_line(out, a, &r->migrations[i], o);
	status_advice(out, r, n);
	fputc('\n', out);
}

/* `drift` (and the drift check of `gate`): what the comparison covered,
 * so that a pass says what it vouches for. */
static void drift_scope_section(FILE *out, arena *a, const gk_report *r, const gk_render_options *o)
{
	fprintf(out, "%sdrift:%s compared %s with ", c(o, C_BOLD), c(o, C_RESET), V(a, r->drift.target));
	if (r->drift.expected)
		fprintf(out, "the snapshot %s\n", V(a, r->drift.expected));
	else
		fprintf(out, "%zu applied migration%s, replayed\n", r->drift.applied, r->drift.applied == 1 ? "" : "s");
	fprintf(out, "  objects compared: %zu", r->drift.compared);
	for (size_t i = 0, k = 0; i < r->drift.n_kinds; i++)
		if (r->drift.kinds[i].compared)
			fprintf(out, "%s%s %zu", k++ ? ", " : " (", r->drift.kinds[i].kind, r->drift.kinds[i].compared);
	fputs(r->drift.compared ? ")\n" : "\n", out);
	if (r->drift.n_schemas) {
		fputs("  schemas: only", out);
		for (size_t i = 0; i < r->drift.n_schemas; i++)
			fprintf(out, "%s %s", i ? "," : "", V(a, r->drift.schemas[i]));
		fprintf(out, " (%s); the others were left out\n", r->drift.schemas_from ? r->drift.schemas_from : "--schema");
	} else {
		fputs("  schemas: every user schema\n", out);
	}
	if (r->drift.n_ignore) {
		fprintf(out, "  left out by --ignore:");
		for (size_t i = 0; i < r->drift.n_ignore; i++)
			fprintf(out, "%s %s", i ? "," : "", V(a, r->drift.ignore[i]));
		fprintf(out, ": %zu object%s on the target", r->drift.ignored, r->drift.ignored == 1 ? "" : "s");
		for (size_t i = 0, k = 0; i < r->drift.n_kinds; i++)
			if (r->drift.kinds[i].ignored)
				fprintf(out, "%s%s %zu", k++ ? ", " : " (", r->drift.kinds[i].kind, r->drift.kinds[i].ignored);
		fputs(r->drift.ignored ? ")\n" : "\n", out);
	}
	fputc('\n', out);
}

/* A composed run (`gate`): each check and whether it blocks, so that the
 * reader sees at a glance why the deploy may not go, and what was not
 * checked at all. */
static void checks_section(FILE *out, arena *a, const gk_report *r, const gk_render_options *o)
{
	size_t blocking = 0, not_run = 0;
	for (size_t i = 0; i < r->n_checks; i++) {
		blocking += r->checks[i].blocking > 0;
		not_run += r->checks[i].not_run != NULL;
	}
	fprintf(out, "%s%s:%s ", c(o, C_BOLD), r->command, c(o, C_RESET));
	if (!strcmp(r->verdict, "pass"))
		fprintf(out, "every check passed%s\n", not_run ? ", but not every check ran" : "");
	else if (!strcmp(r->verdict, "fail"))
		fprintf(out, "%zu of %zu checks block\n", blocking, r->n_checks);
	else
		fprintf(out, "no verdict: the run stopped at an error\n");
	for (size_t i = 0; i < r->n_checks; i++) {
		const gk_report_check *k = &r->checks[i];
		fprintf(out, "  %-11s ", k->name);
		if (k->not_run)
			fprintf(out, "not run: %s\n", V(a, k->not_run));
		else if (k->blocking)
			fprintf(out, "%sblocks%s (%zu blocking finding%s)\n", c(o, sev_color(GK_SEV_ERROR)), c(o, C_RESET),
				k->blocking, k->blocking == 1 ? "" : "s");
		else
			fprintf(out, "ok%s\n", k->findings ? " (nothing blocking)" : "");
	}
	fputc('\n', out);
}

/* How the files reach the server (gk_runner_choose's reasons), one line per
 * distinct reason; when they differ, each names its migrations.  Files of
 * no known tool have no line: the default model needs no explanation. */
static void runner_section(FILE *out, arena *a, const gk_report *r, const gk_render_options *o)
{
	size_t distinct = 0, printed = 0;
	for (size_t i = 0; i < r->n_migrations; i++) {
		const char *why = r->migrations[i].runner_why.tool ? r->migrations[i].runner_why.reason : NULL;
		bool first = why != NULL;
		for (size_t k = 0; first && k < i; k++)
			first = !(r->migrations[k].runner_why.tool && r->migrations[k].runner_why.reason &&
				  !strcmp(r->migrations[k].runner_why.reason, why));
		distinct += first;
	}
	for (size_t i = 0; i < r->n_migrations; i++) {
		const gk_migration *m = &r->migrations[i];
		const char *why = m->runner_why.tool ? m->runner_why.reason : NULL;
		bool first = why != NULL;
		for (size_t k = 0; first && k < i; k++)
			first = !(r->migrations[k].runner_why.tool && r->migrations[k].runner_why.reason &&
				  !strcmp(r->migrations[k].runner_why.reason, why));
		if (!first)
			continue;
		fprintf(out, "%srunner:%s %s", c(o, C_BOLD), c(o, C_RESET), V(a, why));
		size_t shown = 0, more = 0;
		for (size_t k = i; distinct > 1 && k < r->n_migrations; k++) {
			const gk_migration *n = &r->migrations[k];
			if (!n->runner_why.tool || !n->runner_why.reason || strcmp(n->runner_why.reason, why))
				continue;
			if (shown < 3)
				fprintf(out, "%s%s", shown++ ? ", " : " (", V(a, n->path));
			else
				more++;
		}
		if (more)
			fprintf(out, " and %zu more", more);
		fputs(shown ? ")\n" : "\n", out);
		printed++;
	}
	if (printed)
		fputc('\n', out);
}

/* Close an arena: the rendering's result. */
static int arena_done(arena *a, FILE *out, gk_error *err)
{
	bool failed = a->failed;
	arena_free(a);
	if (failed)
		return gk_error_set(err, GK_ENOMEM, "out of memory writing the text report");
	if (ferror(out))
		return gk_error_set(err, GK_EIO, "cannot write the text report: %s", strerror(errno));
	return 0;
}

int gk_text_finding(FILE *out, const gk_finding *f, const gk_render_options *o, gk_error *err)
{
	arena a = {0};
	finding(out, &a, f, o);
	return arena_done(&a, out, err);
}

int gk_text_tail(const gk_report *r, FILE *out, const gk_render_options *o, gk_error *err)
{
	arena a = {0};
	for (size_t i = 0; i < r->n_errors; i++) {
		const gk_run_error *e = &r->errors[i];
		fprintf(out, "%serror:%s %s%s%s\n", c(o, sev_color(GK_SEV_ERROR)), c(o, C_RESET), e->path ? V(&a, e->path) : "",
			e->path ? ": " : "", V(&a, e->message));
	}
	if (r->base_ref)
		history_section(out, &a, r, o);
	if (r->replay.shadow)
		replay_section(out, &a, r, o);
	if (r->target.database && (!strcmp(r->command, "status") || !strcmp(r->command, "gate")))
		status_section(out, &a, r, o);
	if (r->drift.target)
		drift_scope_section(out, &a, r, o);
	runner_section(out, &a, r, o);
	for (size_t i = 0; i < r->n_notes; i++)
		fprintf(out, "%snote:%s %s\n", c(o, C_BOLD), c(o, C_RESET), V(&a, r->notes[i]));
	if (r->n_notes)
		fputc('\n', out);
	if (r->n_checks)
		checks_section(out, &a, r, o);
	/* How the lock trace judged the static predictions, just above the verdict. */
	if (r->evidence.traced)
		fprintf(out, "lock trace: %zu prediction%s confirmed, %zu corrected, %zu trace-only\n", r->evidence.confirmed,
			r->evidence.confirmed == 1 ? "" : "s", r->evidence.corrected, r->evidence.trace_only);
	char coverage[96] = "";
	if (r->n_linted)
		snprintf(coverage, sizeof coverage, ", %zu of %zu statement%s analysed", r->statements_analysed,
			 r->statements_total, r->statements_total == 1 ? "" : "s");
	fprintf(out, "%s%s%s: %zu file%s%s, %zu finding%s (%zu error, %zu warning, %zu info), %zu blocking\n",
		c(o, C_BOLD), strcmp(r->verdict, "pass") == 0 ? "PASS" : strcmp(r->verdict, "fail") == 0 ? "FAIL" : "ERROR",
		c(o, C_RESET), r->n_migrations, r->n_migrations == 1 ? "" : "s", coverage, r->n_findings,
		r->n_findings == 1 ? "" : "s", r->by_severity[GK_SEV_ERROR], r->by_severity[GK_SEV_WARNING],
		r->by_severity[GK_SEV_INFO], r->n_blocking);
	return arena_done(&a, out, err);
}

int gk_render_text(const gk_report *r, FILE *out, const gk_render_options *o, gk_error *err)
{
	for (size_t i = 0; i < r->n_findings; i++)
		if (gk_text_finding(out, &r->findings[i], o, err) < 0)
			return err->code;
	return gk_text_tail(r, out, o, err);
}
