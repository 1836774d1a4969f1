/*
 * lock-window-over-budget: the lock-window estimate (src/estimate/) put a
 * statement's lock, on a table of production's size, over the budget the
 * project set for that lock (`lock_budget:` in gatekeeper.yml).
 *
 * No check function and no SQL examples: the estimate needs a shadow
 * server and production sizes; src/estimate/estimate_test.c times real
 * statements on synthetic rows on the embedded server, over and under a
 * budget.
 */
#include "lint/lint_internal.h"

const gk_rule gk_rule_lock_window_over_budget = {
	.info = {
		.id = "lock-window-over-budget",
		.category = GK_CAT_REPLAY,
		.severity = GK_SEV_ERROR,
		.summary = "the statement is predicted to hold its lock in production longer than the lock budget allows",
		.why = "A statement that rewrites a table, scans it or builds an index holds its lock for a time "
		       "that grows with the table: milliseconds on the shadow, minutes on 40 million rows. The "
		       "estimate timed the statement on the shadow at a few sizes of synthetic rows that respect "
		       "the table's types and keys, fitted the cost per row (and per MB) and extrapolated it to "
		       "the production size from the statistics snapshot. The upper end of that range is over the "
		       "budget set for the lock in `lock_budget:`, so the deploy may block the table's readers or "
		       "writers for longer than the project accepts.",
		.help = "Use the form that holds a weaker lock or none while it works (CREATE INDEX CONCURRENTLY; "
			"a CHECK constraint NOT VALID, then VALIDATE; a new column filled in batches instead of a "
			"type change), deploy in a maintenance window, or raise the budget in gatekeeper.yml if the "
			"window is acceptable.",
		.tested_by = "src/estimate/estimate_test.c",
	},
};
