/*
 * lint_test_support.h - for the lint tests (include after cmocka.h):
 * lint a change after an earlier file of the history, as `check` does.
 */
#ifndef GK_LINT_TEST_SUPPORT_H
#define GK_LINT_TEST_SUPPORT_H

#include <string.h>

#include "gatekeeper/lint.h"

/*
 * Lint `change` ("2.sql") under the per-file runner, after `history`
 * ("1.sql", an earlier change of the same history) when not NULL, with the
 * options `o` (NULL: the defaults, one job).  The caller frees the report.
 */
static inline gk_report *gk_test_lint_after(const gk_lint_options *o, const char *history, const char *change)
{
	gk_lint_options defaults;
	if (!o) {
		gk_lint_options_init(&defaults);
		defaults.jobs = 1;
		o = &defaults;
	}
	gk_lint_input in[2];
	size_t n = 0;
	if (history)
		in[n++] = (gk_lint_input){.path = "1.sql", .text = history, .len = strlen(history),
					  .runner = GK_RUNNER_PER_FILE, .role = GK_LINT_CHECK, .new_change = false};
	in[n++] = (gk_lint_input){.path = "2.sql", .text = change, .len = strlen(change), .runner = GK_RUNNER_PER_FILE,
				  .role = GK_LINT_CHECK, .new_change = true};
	gk_report *r = gk_report_new("test");
	gk_error err = {0};
	assert_int_equal(gk_lint_inputs(r, o, in, n, &err), 0);
	return r;
}

#endif
