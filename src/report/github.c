/*
 * github.c - the GitHub Actions renderers (see render.h): workflow
 * commands on standard output, and the $GITHUB_OUTPUT file.
 *
 * The migrations are untrusted: a pull request writes them, and their
 * names, their SQL and the messages that quote them must not be able to
 * issue a workflow command (::set-output::, ::add-mask::, ::stop-commands::
 * of their own).  The runner reads a line as a command when, after leading
 * blanks, it starts with "::" (actions/runner ActionCommand.TryParseV2), so:
 *
 *   - everything the text renderer shows (the findings with their source
 *     lines, then the run's errors, sections and summary) goes between
 *     ::stop-commands::TOKEN and ::TOKEN::, where the runner runs no
 *     command but the one that ends the pause.  TOKEN is fresh random hex
 *     per rendering, which the author of a migration cannot know;
 *   - the annotations, which must be outside, are escaped as the Actions
 *     toolkit escapes (packages/core/src/command.ts): in the data '%',
 *     CR and LF; in a property also ':' and ',', so a property can neither
 *     end the property list nor the command;
 *   - all untrusted text is first made visible (gk_visible), so no control
 *     character or terminal escape reaches the log, not even escaped.
 *
 * The runner keeps at most 10 annotations of each level per step (and 50
 * per job): errors come first, each level in the report's order (path,
 * line), and when any level has more, the last notice says how many were
 * left out and where they all are.
 */
#include "gatekeeper/render.h"
#include "text.h"
#include "../util/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PER_LEVEL 10

/* A rendering's state: its output, its token, whether memory ran out. */
typedef struct gh {
	FILE *out;
	char token[33];
	bool failed;
} gh;

/* The toolkit's escapeData: '%' first, then CR and LF. */
static void put_data(gk_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '%')
			gk_buf_puts(b, "%25");
		else if (*s == '\r')
			gk_buf_puts(b, "%0D");
		else if (*s == '\n')
			gk_buf_puts(b, "%0A");
		else
			gk_buf_putc(b, *s);
	}
}

/* The toolkit's escapeProperty: escapeData, and ':' and ','. */
static void put_property(gk_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == ':')
			gk_buf_puts(b, "%3A");
		else if (*s == ',')
			gk_buf_puts(b, "%2C");
		else if (*s == '%' || *s == '\r' || *s == '\n')
			put_data(b, (char[]){*s, '\0'});
		else
			gk_buf_putc(b, *s);
	}
}

/* Untrusted `s` made visible, then escaped as data or as a property. */
static void put_untrusted(gh *g, gk_buf *b, const char *s, bool property)
{
	char *v = gk_visible(s, 0);
	if (!v) {
		g->failed = true;
		return;
	}
	(property ? put_property : put_data)(b, v);
	free(v);
}

static const char *level_name(enum gk_severity s)
{
	return s == GK_SEV_ERROR ? "error" : s == GK_SEV_WARNING ? "warning" : "notice";
}

static void emit_line(gh *g, gk_buf *b)
{
	gk_buf_putc(b, '\n');
	if (b->failed)
		g->failed = true;
	else
		fwrite(b->data, 1, b->len, g->out);
	gk_buf_free(b);
}

/*
 * ::LEVEL file=P,line=L,endLine=L2,col=C,endColumn=C2,title=T::MESSAGE
 * The columns only on a one-line span (the toolkit drops them otherwise);
 * the message is followed by the safe recipe on its own lines.
 */
static void annotate_finding(gh *g, const gk_finding *f)
{
	gk_buf b = GK_BUF_INIT;
	gk_buf_printf(&b, "::%s ", level_name(f->severity));
	if (f->path) {
		gk_buf_puts(&b, "file=");
		put_untrusted(g, &b, f->path, true);
		gk_buf_putc(&b, ',');
	}
	if (f->path && f->line > 0) {
		gk_buf_printf(&b, "line=%d,", f->line);
		int end = f->end_line >= f->line ? f->end_line : f->line;
		gk_buf_printf(&b, "endLine=%d,", end);
		if (end == f->line && f->column > 0) {
			gk_buf_printf(&b, "col=%d,", f->column);
			if (f->end_column >= f->column)
				gk_buf_printf(&b, "endColumn=%d,", f->end_column);
		}
	}
	gk_buf_puts(&b, "title=");
	put_property(&b, f->rule_id);
	if (f->blocking)
		put_property(&b, " (blocking)");
	gk_buf_puts(&b, "::");
	put_untrusted(g, &b, f->message, false);
	if (f->help) {
		put_data(&b, "\n\nSafe recipe: ");
		put_untrusted(g, &b, f->help, false);
	}
	emit_line(g, &b);
}

static void annotate_error(gh *g, const gk_run_error *e)
{
	gk_buf b = GK_BUF_INIT;
	gk_buf_puts(&b, "::error ");
	if (e->path) {
		gk_buf_puts(&b, "file=");
		put_untrusted(g, &b, e->path, true);
		gk_buf_putc(&b, ',');
	}
	gk_buf_puts(&b, "title=");
	put_property(&b, "gatekeeper: ");
	put_property(&b, gk_error_kind_name(e->kind));
	put_property(&b, " error");
	gk_buf_puts(&b, "::");
	put_untrusted(g, &b, e->message, false);
	emit_line(g, &b);
}

/* The findings of one severity, in the report's order, at most `limit`. */
static size_t annotate_level(gh *g, const gk_report *r, enum gk_severity sev, size_t limit)
{
	size_t shown = 0;
	for (size_t i = 0; i < r->n_findings && shown < limit; i++)
		if (r->findings[i].severity == sev) {
			annotate_finding(g, &r->findings[i]);
			shown++;
		}
	return shown;
}

static void annotations(gh *g, const gk_report *r)
{
	size_t total[3] = {r->n_errors + r->by_severity[GK_SEV_ERROR], r->by_severity[GK_SEV_WARNING],
			   r->by_severity[GK_SEV_INFO]};
	bool more = total[0] > PER_LEVEL || total[1] > PER_LEVEL || total[2] > PER_LEVEL;
	/* The closing notice is a notice too: it takes the tenth place. */
	size_t limit[3] = {PER_LEVEL, PER_LEVEL, more ? PER_LEVEL - 1 : PER_LEVEL};
	size_t shown[3] = {0};
	for (size_t i = 0; i < r->n_errors && shown[0] < limit[0]; i++, shown[0]++)
		annotate_error(g, &r->errors[i]);
	shown[0] += annotate_level(g, r, GK_SEV_ERROR, limit[0] - shown[0]);
	shown[1] = annotate_level(g, r, GK_SEV_WARNING, limit[1]);
	shown[2] = annotate_level(g, r, GK_SEV_INFO, limit[2]);
	if (!more)
		return;
	size_t left[3] = {total[0] - shown[0], total[1] - shown[1], total[2] - shown[2]};
	fprintf(g->out,
		"::notice title=gatekeeper::%zu more not annotated (%zu error%s, %zu warning%s, %zu info): GitHub shows "
		"%d annotations per level; every finding is in the job summary and in the log above\n",
		left[0] + left[1] + left[2], left[0], left[0] == 1 ? "" : "s", left[1], left[1] == 1 ? "" : "s", left[2],
		PER_LEVEL);
}

static void stop_commands(gh *g) { fprintf(g->out, "::stop-commands::%s\n", g->token); }
static void resume_commands(gh *g) { fprintf(g->out, "::%s::\n", g->token); }

static bool same_path(const gk_finding *a, const gk_finding *b)
{
	return a->path && b->path ? strcmp(a->path, b->path) == 0 : a->path == b->path;
}

/* One ::group:: per file (findings are sorted by path), its findings in
 * the text renderer's words, none of them read as a command. */
static int groups(gh *g, const gk_report *r, const gk_render_options *o, gk_error *err)
{
	for (size_t i = 0; i < r->n_findings;) {
		const gk_finding *first = &r->findings[i];
		gk_buf b = GK_BUF_INIT;
		gk_buf_puts(&b, "::group::");
		put_untrusted(g, &b, first->path ? first->path : "findings without a file", false);
		if (first->migration >= 0) {
			const gk_migration *m = &r->migrations[first->migration];
			gk_buf_printf(&b, " (%zu finding%s, %zu blocking)", m->findings, m->findings == 1 ? "" : "s",
				      m->blocking);
		}
		emit_line(g, &b);
		stop_commands(g);
		for (; i < r->n_findings && same_path(first, &r->findings[i]); i++)
			if (gk_text_finding(g->out, &r->findings[i], o, err) < 0)
				return err->code;
		resume_commands(g);
		fputs("::endgroup::\n", g->out);
	}
	return 0;
}

int gk_render_github(const gk_report *r, FILE *out, const gk_render_options *o, gk_error *err)
{
	gh g = {.out = out};
	if (gk_random_hex(g.token, 16) < 0)
		return gk_error_set(err, GK_EIO, "cannot draw a random token for the GitHub report: %s", strerror(errno));
	gk_render_options text = *o;
	text.color = false;
	int rc = groups(&g, r, &text, err);
	if (rc < 0)
		return rc;
	annotations(&g, r);
	stop_commands(&g);
	if ((rc = gk_text_tail(r, out, &text, err)) < 0)
		return rc;
	resume_commands(&g);
	if (g.failed)
		return gk_error_set(err, GK_ENOMEM, "out of memory writing the GitHub report");
	if (ferror(out))
		return gk_error_set(err, GK_EIO, "cannot write the GitHub report: %s", strerror(errno));
	return 0;
}

/* name<<DELIMITER, the value, DELIMITER: the form that takes any value
 * (actions/toolkit file-command.ts prepareKeyValueMessage). */
static int output(FILE *out, const char *delim, const char *name, const char *value, gk_error *err)
{
	if (strstr(name, delim) || strstr(value, delim))
		return gk_error_set(err, GK_ERROR, "the GitHub output %s holds its delimiter", name);
	fprintf(out, "%s<<%s\n%s\n%s\n", name, delim, value, delim);
	return 0;
}

int gk_render_github_output(const gk_report *r, FILE *out, const gk_render_options *o, gk_error *err)
{
	char delim[64] = "ghadelimiter_";
	if (gk_random_hex(delim + strlen(delim), 16) < 0)
		return gk_error_set(err, GK_EIO, "cannot draw a random delimiter for GITHUB_OUTPUT: %s", strerror(errno));
	char n[3][32];
	snprintf(n[0], sizeof n[0], "%d", (int)r->exit_code);
	snprintf(n[1], sizeof n[1], "%zu", r->n_findings);
	snprintf(n[2], sizeof n[2], "%zu", r->n_blocking);
	int rc = output(out, delim, "verdict", r->verdict, err);
	if (rc == 0)
		rc = output(out, delim, "exit-code", n[0], err);
	if (rc == 0)
		rc = output(out, delim, "findings", n[1], err);
	if (rc == 0)
		rc = output(out, delim, "blocking", n[2], err);
	for (size_t i = 0; rc == 0 && i < o->n_outputs; i++)
		rc = output(out, delim, o->outputs[i].name, o->outputs[i].path, err);
	if (rc < 0)
		return rc;
	if (ferror(out))
		return gk_error_set(err, GK_EIO, "cannot write GITHUB_OUTPUT: %s", strerror(errno));
	return 0;
}
