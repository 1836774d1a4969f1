/*
 * prisma-migration-package
 *
 * Prisma 8 replaces <folder>/migration.sql with a migration package
 * (migration.ts, ops.json, migration.json) that `prisma db migrate`
 * applies in one transaction.  Nothing here reads packages, so a folder
 * holding one and no migration.sql would otherwise pass unchecked: the
 * layout lists it (gk_layout.packages) and lint, check and status report
 * it with this rule.  No check function: the finding comes from the
 * folder's listing, not from SQL.
 */
#include "lint/lint_internal.h"

const gk_rule gk_rule_prisma_migration_package = {
	.info = {
		.id = "prisma-migration-package",
		.category = GK_CAT_META,
		.severity = GK_SEV_ERROR,
		.summary = "not checked: Prisma 8 migration packages are not modelled",
		.why = "Prisma 8 writes a migration as a package (migration.ts, ops.json, migration.json) instead of "
		       "migration.sql and applies it with `prisma db migrate` in one transaction. gatekeeper does not "
		       "read packages, so a migration folder holding one and no migration.sql was neither linted, "
		       "replayed nor compared; it is reported so that it does not pass in silence (`lint` and "
		       "`status` report every such folder, `check` those the change adds or edits, all with --all).",
		.help = "Review this migration by hand, or keep a migration.sql for it (Prisma 7 and earlier apply "
			"migration.sql); once the packages are reviewed, `--rule prisma-migration-package=warning` "
			"(or `rules:` in gatekeeper.yml) keeps them reported without blocking.",
		.tested_by = "src/check/check_test.c",
	},
};
