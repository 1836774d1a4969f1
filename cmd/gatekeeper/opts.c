/* opts.c - table-driven option parsing and help (see cmd.h). */
#include "cmd.h"
#include "gatekeeper/report.h"
#include "util/util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* "gatekeeper: MESSAGE" on stderr, on one line: messages name files and
 * quote servers, so control characters are shown, not sent (gk_visible). */
static void vdiag(const char *fmt, va_list ap)
{
	gk_buf b = GK_BUF_INIT;
	gk_buf_vprintf(&b, fmt, ap);
	char *msg = gk_buf_take(&b);
	fputs("gatekeeper: ", stderr);
	gk_fput_visible(stderr, msg ? msg : "out of memory", 0);
	fputc('\n', stderr);
	free(msg);
}

void gk_diag(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdiag(fmt, ap);
	va_end(ap);
}

int gk_usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdiag(fmt, ap);
	va_end(ap);
	return GK_EXIT_USAGE;
}

static const gk_opt *find_long(const gk_opt *opts, const char *name, size_t len, bool *negated)
{
	*negated = false;
	for (const gk_opt *o = opts; o && o->name; o++)
		if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return o;
	if (len > 3 && strncmp(name, "no-", 3) == 0)
		for (const gk_opt *o = opts; o && o->name; o++)
			if (o->type == GK_OPT_BOOL && strlen(o->name) == len - 3 && strncmp(o->name, name + 3, len - 3) == 0) {
				*negated = true;
				return o;
			}
	return NULL;
}

/* " (did you mean '--fail-level'?)" for a mistyped long option, else "". */
static void option_hint(char *out, size_t size, const gk_cmd *cmd, const char *name, size_t len)
{
	char word[80];
	gk_suggest s;
	out[0] = '\0';
	if (len >= sizeof word)
		return;
	memcpy(word, name, len);
	word[len] = '\0';
	gk_suggest_init(&s, word);
	for (const gk_opt *o = cmd->opts; o && o->name; o++)
		gk_suggest_offer(&s, o->name);
	for (const gk_opt *o = cmd->shared; o && o->name; o++)
		gk_suggest_offer(&s, o->name);
	if (s.best)
		snprintf(out, size, " (did you mean '--%s'?)", s.best);
}

static const gk_opt *find_short(const gk_opt *opts, char c)
{
	for (const gk_opt *o = opts; o && o->name; o++)
		if (o->short_name == c)
			return o;
	return NULL;
}

int gk_opts_parse(const gk_cmd *cmd, int argc, char **argv,
		  int (*apply)(void *ctx, const gk_opt *o, const char *value), void *ctx, char ***pos, int *npos)
{
	*pos = calloc((size_t)argc + 1, sizeof **pos);
	*npos = 0;
	if (!*pos)
		return gk_usage_error("out of memory");
	bool only_positional = false;
	for (int i = 0; i < argc; i++) {
		char *a = argv[i];
		if (only_positional || a[0] != '-' || a[1] == '\0') {
			(*pos)[(*npos)++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_positional = true;
			continue;
		}
		const gk_opt *o;
		const char *value = NULL;
		bool negated = false;
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			o = find_long(cmd->opts, name, len, &negated);
			if (!o)
				o = find_long(cmd->shared, name, len, &negated);
			if (!o) {
				char hint[128];
				option_hint(hint, sizeof hint, cmd, name, len);
				return gk_usage_error("%s: unknown option '%s'%s (see 'gatekeeper %s --help')", cmd->name, a,
						      hint, cmd->name);
			}
			if (eq) {
				if (o->type == GK_OPT_BOOL)
					return gk_usage_error("%s: option '--%s' takes no value", cmd->name, o->name);
				value = eq + 1;
			}
		} else {
			o = a[2] == '\0' ? find_short(cmd->opts, a[1]) : NULL;
			if (!o && a[2] == '\0')
				o = find_short(cmd->shared, a[1]);
			if (!o)
				return gk_usage_error("%s: unknown option '%s' (see 'gatekeeper %s --help')", cmd->name, a, cmd->name);
		}
		if (o->type == GK_OPT_BOOL) {
			value = negated ? "0" : "1";
		} else if (!value) {
			if (i + 1 >= argc)
				return gk_usage_error("%s: option '--%s' needs a value (%s)", cmd->name, o->name, o->arg);
			value = argv[++i];
		}
		int rc = apply(ctx, o, value);
		if (rc)
			return rc;
	}
	return 0;
}

static void help_rows(const gk_opt *opts, FILE *out)
{
	for (const gk_opt *o = opts; o && o->name; o++) {
		char left[64];
		if (o->short_name)
			snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_name, o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(left, sizeof left, "    --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(out, "  %-30s %s\n", left, o->help);
	}
}

void gk_cmd_print_help(const gk_cmd *cmd, FILE *out)
{
	fprintf(out, "usage: gatekeeper %s %s\n\n%s\n", cmd->name, cmd->usage, cmd->summary);
	if ((!cmd->opts || !cmd->opts->name) && !cmd->shared)
		return;
	fputs("\noptions:\n", out);
	help_rows(cmd->opts, out);
	help_rows(cmd->shared, out);
}
