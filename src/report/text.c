/*
 * text.c - the human renderer:
 *   path:line:col: severity: message [rule]
 *      3 | the source line
 *        |    ^^^^^
 *     = help: the safe recipe
 * followed by a one-line summary.  Colour only when asked (a TTY without
 * NO_COLOR, decided by the caller).
 */
#include "gatekeeper/render.h"

#include <errno.h>
#include <string.h>

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"

static const char *sev_color(enum gk_severity s)
{
	return s == GK_SEV_ERROR ? "\033[1;31m" : s == GK_SEV_WARNING ? "\033[1;33m" : "\033[1;36m";
}

static const char *c(const gk_render_options *o, const char *code) { return o && o->color ? code : ""; }

/* Print the line and a caret span from column `col` for `width` code points. */
static void excerpt(FILE *out, const gk_finding *f, const gk_render_options *o)
{
	const char *t = f->context;
	fprintf(out, "%6d | %s\n", f->line, t);
	fprintf(out, "       | ");
	int cp = 1;
	const char *p = t;
	for (; *p && cp < f->column; p++) {
		if (((unsigned char)*p & 0xC0) == 0x80)
			continue;
		fputc(*p == '\t' ? '\t' : ' ', out);
		cp++;
	}
	int last = f->end_line == f->line ? f->end_column : 0;
	if (!last) { /* to the end of the line */
		last = cp - 1;
		for (; *p; p++)
			if (((unsigned char)*p & 0xC0) != 0x80)
				last++;
	}
	fputs(c(o, sev_color(f->severity)), out);
	for (int i = f->column; i <= (last < f->column ? f->column : last); i++)
		fputc('^', out);
	fprintf(out, "%s\n", c(o, C_RESET));
}

static void finding(FILE *out, const gk_finding *f, const gk_render_options *o)
{
	if (f->path && f->line)
		fprintf(out, "%s%s:%d:%d:%s ", c(o, C_BOLD), f->path, f->line, f->column, c(o, C_RESET));
	else if (f->path)
		fprintf(out, "%s%s:%s ", c(o, C_BOLD), f->path, c(o, C_RESET));
	fprintf(out, "%s%s:%s %s [%s]\n", c(o, sev_color(f->severity)), gk_severity_name(f->severity), c(o, C_RESET),
		f->message, f->rule_id);
	if (f->context && f->line)
		excerpt(out, f, o);
	if (f->help)
		fprintf(out, "       = help: %s\n", f->help);
	fputc('\n', out);
}

int gk_render_text(const gk_report *r, FILE *out, const gk_render_options *o, gk_error *err)
{
	for (size_t i = 0; i < r->n_findings; i++)
		finding(out, &r->findings[i], o);
	for (size_t i = 0; i < r->n_errors; i++) {
		const gk_run_error *e = &r->errors[i];
		fprintf(out, "%serror:%s %s%s%s\n", c(o, sev_color(GK_SEV_ERROR)), c(o, C_RESET), e->path ? e->path : "",
			e->path ? ": " : "", e->message);
	}
	fprintf(out, "%s%s%s: %zu file%s, %zu finding%s (%zu error, %zu warning, %zu info), %zu blocking\n",
		c(o, C_BOLD), strcmp(r->verdict, "pass") == 0 ? "PASS" : strcmp(r->verdict, "fail") == 0 ? "FAIL" : "ERROR",
		c(o, C_RESET), r->n_migrations, r->n_migrations == 1 ? "" : "s", r->n_findings,
		r->n_findings == 1 ? "" : "s", r->by_severity[GK_SEV_ERROR], r->by_severity[GK_SEV_WARNING],
		r->by_severity[GK_SEV_INFO], r->n_blocking);
	if (ferror(out))
		return gk_error_set(err, GK_EIO, "cannot write the text report: %s", strerror(errno));
	return 0;
}
