/*
 * Status rules: what the target database's migration history says against
 * the migration folder, found by `gatekeeper status` (src/target) from the
 * tool's own history table (_prisma_migrations, flyway_schema_history,
 * golang-migrate's and dbmate's schema_migrations), not by reading SQL.
 * They hold for every PostgreSQL version: the tools, not the server,
 * record what was applied.
 *
 * No check function and no SQL examples: src/target/status_test.c builds
 * each history on the embedded server and reads it through a read-only
 * role.
 */
#include "lint/lint_internal.h"

#define STATUS_TEST "src/target/status_test.c"

const gk_rule gk_rule_migration_failed = {
	.info = {
		.id = "migration-failed",
		.category = GK_CAT_STATUS,
		.severity = GK_SEV_ERROR,
		.summary = "a migration failed on the target and was never resolved",
		.why = "The tool recorded that the migration started and did not finish (Prisma: finished_at and "
		       "rolled_back_at both NULL; Flyway: success = false; golang-migrate: the dirty flag). Part of it "
		       "may have run: a Prisma file without a transaction, any CREATE INDEX CONCURRENTLY, a "
		       "golang-migrate or Flyway script outside a transaction. Every later deploy refuses to run "
		       "(Prisma P3009, `migrate up` on a dirty database) until a person decides what the database "
		       "now holds.",
		.help = "Find out how far the migration got (the tool's log, the database), undo or finish it by hand, "
			"then tell the tool: `prisma migrate resolve --rolled-back|--applied <name>`, `flyway repair`, "
			"`migrate force <version>`.",
		.tested_by = STATUS_TEST,
	},
};

const gk_rule gk_rule_migration_edited_after_apply = {
	.info = {
		.id = "migration-edited-after-apply",
		.category = GK_CAT_STATUS,
		.severity = GK_SEV_ERROR,
		.summary = "a migration's file changed after the target applied it",
		.why = "The checksum the tool recorded when it applied the migration no longer matches the file "
		       "(Prisma: SHA-256 of migration.sql, line-ending changes tolerated as Prisma does; Flyway: its "
		       "CRC-32 of the lines). The edit never reaches this database, but databases built from the "
		       "folder get it: the two drift apart. Flyway's migrate fails validation; Prisma's `migrate "
		       "deploy` says nothing (it applies migrations by name, since 3.12 without a warning) and "
		       "`migrate dev` wants to reset.",
		.help = "Restore the file as it was applied (git log -p) and put the change in a new migration.",
		.tested_by = STATUS_TEST,
	},
};

const gk_rule gk_rule_history_table_missing = {
	.info = {
		.id = "history-table-missing",
		.category = GK_CAT_STATUS,
		.severity = GK_SEV_WARNING,
		.summary = "the target has no history table, but the folder has migrations",
		.why = "Nothing was ever deployed to this database, or it is not the one the folder is deployed to: "
		       "a URL naming the wrong host, port or database (a replica of another service, a fresh "
		       "staging copy, the server's default `postgres` database), or Prisma's ?schema= missing. "
		       "Every migration then shows as pending, and drift finds everything the database holds "
		       "unexpected.",
		.help = "Check the URL (the message names the database, host and port). On a new database, the first "
			"deploy creates the table (`prisma migrate deploy`, `flyway migrate`, ...).",
		.tested_by = "src/target/cli_test.c",
	},
};

const gk_rule gk_rule_migration_missing_locally = {
	.info = {
		.id = "migration-missing-locally",
		.category = GK_CAT_STATUS,
		.severity = GK_SEV_ERROR,
		.summary = "the target applied a migration that is not in the folder",
		.why = "It was deleted or renamed in the repository, or the target was deployed from another branch. "
		       "The database keeps what it did, new databases never get it, and the tools stop: Flyway's "
		       "validate fails, golang-migrate cannot find its current version, Prisma reports diverging "
		       "histories. When the folder also has migrations the target lacks, the histories branched.",
		.help = "Restore the migration from the branch that deployed it; never deploy a branch that lost an "
			"applied migration. To undo what it did, add a new migration.",
		.tested_by = STATUS_TEST,
	},
};

const gk_rule gk_rule_migration_pending = {
	.info = {
		.id = "migration-pending",
		.category = GK_CAT_STATUS,
		.severity = GK_SEV_INFO,
		.summary = "a migration in the folder is not applied on the target yet",
		.why = "The next deploy applies it. Reported so that a release knows what it will run; it is a "
		       "problem only when it sorts before a migration that is already applied (the message says "
		       "so): Prisma and dbmate apply it out of order, golang-migrate never applies it, Flyway only "
		       "with outOfOrder=true. A Prisma migration marked rolled back is pending again.",
		.help = "Deploy it (`prisma migrate deploy`, `flyway migrate`, `migrate up`, `dbmate up`); give an "
			"out-of-order migration a version after the newest applied one.",
		.tested_by = STATUS_TEST,
	},
};
