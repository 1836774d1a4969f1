/*
 * lint_entry.c - the lint entry points of gatekeeper/lint.h: the lint
 * engine (src/lint/) runs whatever rule table it is given and knows no
 * catalogue; here it is given this one.
 */
#include "rules/rules.h"

#include <stdlib.h>

int gk_lint_inputs(gk_report *r, const gk_lint_options *o, const gk_lint_input *in, size_t n, gk_error *err)
{
	return gk_lint_run(r, o, gk_rules_table(), in, n, err);
}

int gk_lint_files(gk_report *r, const gk_lint_options *o, const char *const *paths, size_t n, gk_error *err)
{
	gk_lint_input *in = calloc(n ? n : 1, sizeof *in);
	if (!in)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		in[i] = (gk_lint_input){.path = paths[i], .role = GK_LINT_CHECK, .new_change = true};
	int rc = gk_lint_inputs(r, o, in, n, err);
	free(in);
	return rc;
}

int gk_lint_text(gk_report *r, const gk_lint_options *o, const char *path, const char *text, size_t len,
		 gk_error *err)
{
	gk_lint_input in = {.path = path, .text = text, .len = len, .role = GK_LINT_CHECK, .new_change = true};
	return gk_lint_inputs(r, o, &in, 1, err);
}
