/*
 * Data preconditions: what the release gate counts on the target before a
 * pending migration runs (src/target/preconditions.c), not what the SQL
 * says.  A statement that depends on the data (SET NOT NULL, a unique
 * index, a CHECK or FOREIGN KEY, a narrowing type change, an enum
 * recreated without some values) fails on the rows that violate it; one
 * that destroys data (DROP TABLE, DROP COLUMN, TRUNCATE) is reported with
 * how much.  Counts only, never values.
 *
 * No check function and no SQL examples: src/target/preconditions_test.c
 * makes each situation on the embedded server, passing and failing.
 */
#include "lint/lint_internal.h"

#define PRECONDITIONS_TEST "src/target/preconditions_test.c"

const gk_rule gk_rule_precondition_failed = {
	.info = {
		.id = "precondition-failed",
		.category = GK_CAT_GATE,
		.severity = GK_SEV_ERROR,
		.summary = "the target's data violates what a pending statement needs: it will fail at deploy",
		.why = "The replay on the shadow proves the schema, not the data: SET NOT NULL fails on one NULL, ADD "
		       "COLUMN ... NOT NULL without a default on any row, ADD UNIQUE or CREATE UNIQUE INDEX on one "
		       "duplicate, ADD CHECK or FOREIGN KEY (and VALIDATE CONSTRAINT) on one violating or orphan "
		       "row, a narrowing type change on one value that does not fit, a recreated enum on one row "
		       "holding a removed value. On the target the deploy then fails halfway, often after a long "
		       "scan under ACCESS EXCLUSIVE. The gate counts those rows, read-only and under "
		       "statement_timeout (--data-checks).",
		.help = "Repair the data first (backfill, deduplicate, delete or fix orphans) in an earlier deploy or "
			"earlier in the migration, or add the constraint NOT VALID and validate it once the data is "
			"clean.",
		.tested_by = PRECONDITIONS_TEST,
	},
};

const gk_rule gk_rule_data_loss_estimate = {
	.info = {
		.id = "data-loss-estimate",
		.category = GK_CAT_GATE,
		.severity = GK_SEV_INFO,
		.summary = "how much data a pending DROP TABLE, DROP COLUMN or TRUNCATE destroys on the target",
		.why = "A destructive statement is reviewed differently when it drops an empty table than when it "
		       "drops ten million rows. The gate counts the rows (and, for a column, the non-null values) "
		       "on the target, or estimates them from the statistics with --data-checks sample.",
		.help = "Make sure the data is backed up or no longer needed; keep the old column or table for a "
			"release (stop using it first) when a rollback may need it.",
		.tested_by = PRECONDITIONS_TEST,
	},
};
