/*
 * stats-stale: the statistics file `check --stats` (or `stats:` in
 * gatekeeper.yml) was given was taken longer ago than `stats_max_age`
 * (default 7 days).  Its sizes are still used - an old size says more
 * than none, and the pull request has no other - but every production
 * context and estimate of the run rests on them, so the reader is told,
 * on the file itself, how old it is and what the limit is.
 *
 * A warning: the finding does not block under the default fail level,
 * because stale statistics make the context less sure, not the change
 * less safe; `rules: {stats-stale: error}` in gatekeeper.yml makes a fresh file a
 * requirement.
 *
 * No check function and no SQL examples: it is about a file, not a
 * statement; src/catalog/stats_test.c ages a snapshot past the limit and
 * within it, and the check-stats case runs it from the command line.
 */
#include "lint/lint_internal.h"

const gk_rule gk_rule_stats_stale = {
	.info = {
		.id = "stats-stale",
		.category = GK_CAT_META,
		.severity = GK_SEV_WARNING,
		.summary = "the production statistics file is older than stats_max_age; its sizes are used anyway",
		.why = "The production context of each finding (rows, size, write rate), the size thresholds and "
		       "the predicted lock windows all come from the statistics file. Tables grow: a file taken "
		       "weeks ago can call a table small that is now large, so a rewrite judged harmless there may "
		       "hold its lock for minutes today. The sizes are still used, because an old size says more "
		       "than none, but the report says how old they are.",
		.help = "Export a fresh file with `gatekeeper stats --database URL -o FILE` (for example nightly from "
			"a replica) and use it, or raise `stats_max_age:` in gatekeeper.yml if the tables change "
			"slowly.",
		.tested_by = "src/catalog/stats_test.c",
	},
};
