/*
 * Drift rules: where a live database's schema differs from what its
 * migrations say it should be, found by `gatekeeper drift` (a catalog
 * snapshot of the target compared with one of a shadow database that got
 * exactly the migrations the target recorded as applied).  Pending
 * migrations are not drift: the expected side stops where the target's
 * history table stops.
 *
 * No check function and no SQL examples: src/drift/drift_test.c builds
 * targets with each kind of difference on the embedded server.
 */
#include "lint/lint_internal.h"

#define DRIFT_TEST "src/drift/drift_test.c"

const gk_rule gk_rule_drift_missing = {
	.info = {
		.id = "drift-missing",
		.category = GK_CAT_DRIFT,
		.severity = GK_SEV_ERROR,
		.summary = "an object the applied migrations create is missing from the database",
		.why = "Someone dropped it by hand, or a migration recorded as applied did not fully run. Code that "
		       "expects it fails, and the next migration that touches it fails in production although it "
		       "passed every check.",
		.help = "Find out who removed it (pg_stat_statements, audit logs). Restore it with a migration, or, "
			"when the removal was intended, write the migration that drops it so the history says so.",
		.tested_by = DRIFT_TEST,
	},
};

const gk_rule gk_rule_drift_unexpected = {
	.info = {
		.id = "drift-unexpected",
		.category = GK_CAT_DRIFT,
		.severity = GK_SEV_ERROR,
		.summary = "the database has an object no applied migration creates",
		.why = "A hot fix made by hand, an index added during an incident, a tool that creates its own "
		       "objects. Databases built from the migrations (staging, previews, a restore) lack it, and a "
		       "later migration creating the same name fails in production only.",
		.help = "Put it into a migration (for Prisma: add it to the schema and create the migration, then mark "
			"it applied with `prisma migrate resolve --applied`), or drop it if it was a mistake. Objects "
			"that are meant to live outside the migrations can be ignored (--ignore).",
		.tested_by = DRIFT_TEST,
	},
};

const gk_rule gk_rule_drift_changed = {
	.info = {
		.id = "drift-changed",
		.category = GK_CAT_DRIFT,
		.severity = GK_SEV_ERROR,
		.summary = "an object differs from what the applied migrations define (type, default, definition ...)",
		.why = "The database and its migrations disagree about the same object: a column altered by hand, a "
		       "constraint left NOT VALID, an index rebuilt differently, a function replaced. Queries, "
		       "plans and the next migration behave differently in production than anywhere else.",
		.help = "Make the migrations say what production has (a new migration), or bring production back to "
			"what they say; the finding names the attribute and both values.",
		.tested_by = DRIFT_TEST,
	},
};
