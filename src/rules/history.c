/*
 * History rules: what a change does to the migration history, found by
 * `gatekeeper check` from git (src/check), not by reading SQL.  No lock is
 * involved; the hazard is that databases that already applied the base's
 * migrations and databases built from scratch stop agreeing, or that the
 * migration tool refuses to run at all.  They hold for every PostgreSQL
 * version: the tools, not the server, record what was applied.
 *
 * The registry lists them so that severities, `--rule`, `rules` and
 * `explain` work as for any rule; they have no check function (the lint
 * engine never runs them) and no SQL examples: src/check/check_test.c
 * builds git repositories for each of them.
 */
#include "lint/lint_internal.h"
#include "gatekeeper/check.h"

#define HISTORY_TEST "src/check/check_test.c"

const gk_rule gk_rule_modified_migration = {
	.info = {
		.id = "modified-migration",
		.category = GK_CAT_HISTORY,
		.severity = GK_SEV_ERROR,
		.summary = "a migration that exists on the base branch was edited",
		.why = "Migration tools record each migration as applied once, by name. Prisma's `migrate deploy` "
		       "applies only the migrations whose names it has not recorded and compares no checksum (since "
		       "Prisma 3.12; before, it printed a warning and went on): on every database that already applied "
		       "the migration the edit is skipped without a word, while databases built from the folder get "
		       "it, so the two drift apart. `prisma migrate dev` compares the SHA-256 checksum it recorded "
		       "(line-ending changes tolerated), reports that the migration \"was modified after it was "
		       "applied\" and asks to reset the development database, losing its data. Flyway's validate "
		       "fails before migrating. golang-migrate, dbmate and diesel keep no checksum and skip the edit "
		       "like Prisma's deploy.",
		.help = "Revert the edit and put the change in a new migration: only a new migration reaches the "
			"databases that already applied this one.",
		.tested_by = HISTORY_TEST,
	},
};

const gk_rule gk_rule_deleted_migration = {
	.info = {
		.id = "deleted-migration",
		.category = GK_CAT_HISTORY,
		.severity = GK_SEV_ERROR,
		.summary = "a migration that exists on the base branch is gone",
		.why = "Databases that applied the migration keep what it did, new databases never get it: the schema "
		       "now depends on when a database was created. Prisma reports the applied-but-missing migration "
		       "and `migrate dev` wants to reset; Flyway's validate fails.",
		.help = "Restore the migration file. To undo what it did, add a new migration that reverts it.",
		.tested_by = HISTORY_TEST,
	},
};

const gk_rule gk_rule_renamed_migration = {
	.info = {
		.id = "renamed-migration",
		.category = GK_CAT_HISTORY,
		.severity = GK_SEV_ERROR,
		.summary = "a migration on the base branch was moved or renamed",
		.why = "Tools identify a migration by its name (Prisma's folder, Flyway's file name, the version of "
		       "golang-migrate, dbmate and diesel). A renamed migration looks like a deleted one plus a new one, "
		       "which databases that applied the old name will try to apply a second time.",
		.help = "Give the migration its original name back; put any change in a new migration.",
		.tested_by = HISTORY_TEST,
	},
};

const gk_rule gk_rule_out_of_order_migration = {
	.info = {
		.id = "out-of-order-migration",
		.category = GK_CAT_HISTORY,
		.severity = GK_SEV_ERROR,
		.summary = "a new migration sorts before the newest migration of the base branch",
		.why = "The branch was started before the base got newer migrations, so its migration's version is "
		       "older than migrations production already has. Databases at the newest version then apply it "
		       "out of order (Prisma, dbmate) or not at all: golang-migrate only moves forward from the "
		       "current version, and Flyway refuses unless outOfOrder is set. Fresh databases apply it in "
		       "between, so the two end up built differently. Flyway repeatable migrations have no version "
		       "and are exempt.",
		.help = "Rename the migration with a version after the newest one on the base (for Prisma: create it "
			"again with `prisma migrate dev` after merging the base, or give its folder a new timestamp).",
		.tested_by = HISTORY_TEST,
	},
};

const gk_rule gk_rule_duplicate_version = {
	.info = {
		.id = "duplicate-version",
		.category = GK_CAT_HISTORY,
		.severity = GK_SEV_ERROR,
		.summary = "two migrations share a version or timestamp",
		.why = "Usually two branches created migrations in the same second, or a file was copied. Flyway and "
		       "golang-migrate refuse to run with two migrations of one version (Flyway compares 1.0 and 1 as "
		       "equal); Prisma, dbmate and diesel order them by the rest of the name, which may not be the "
		       "order they were written to run in.",
		.help = "Give the newer migration a later version (a new timestamp) so every migration has its own.",
		.tested_by = HISTORY_TEST,
	},
};

const gk_rule gk_rule_lock_file_mismatch = {
	.info = {
		.id = "lock-file-mismatch",
		.category = GK_CAT_HISTORY,
		.severity = GK_SEV_ERROR,
		.summary = "Prisma's migration_lock.toml is missing, edited, or names a provider other than postgresql",
		.why = "Prisma writes migration_lock.toml itself and checks that the schema's provider matches it before "
		       "applying migrations. A missing or hand-edited file, or one for another database (mysql, "
		       "sqlite), means the migrations were not generated for PostgreSQL, or `migrate deploy` fails. "
		       "`postgres` is accepted as another spelling of `postgresql`, as Prisma does.",
		.help = "Restore migration_lock.toml as Prisma generated it (`provider = \"postgresql\"`); if the "
			"provider really changed, the migration history has to be recreated for it.",
		.tested_by = HISTORY_TEST,
	},
};

const gk_rule gk_rule_stray_file = {
	.info = {
		.id = "stray-file",
		.category = GK_CAT_HISTORY,
		.severity = GK_SEV_WARNING,
		.summary = "a file in a migration folder that the migration tool does not recognise",
		.why = "The tool skips files whose names it does not recognise (a Prisma SQL file outside "
		       "<folder>/migration.sql, a Flyway file without V<version>__, a golang-migrate file in a "
		       "sub-folder), so SQL someone expected to run never does. Only files added or changed by the "
		       "change are reported (all with --all).",
		.help = "Rename the file the way the tool expects, or move it out of the migration folder.",
		.tested_by = HISTORY_TEST,
	},
};

const gk_rule gk_rule_migration_name = {
	.info = {
		.id = "migration-name",
		.category = GK_CAT_HISTORY,
		.severity = GK_SEV_WARNING,
		.summary = "a new migration's name breaks the naming convention",
		.why = "Migration names are the history's table of contents: a name that says what the migration does "
		       "(add_, create_, drop_, rename_, backfill_, ...) makes review and incident work faster, and "
		       "names from an editor's default (`migration`, `new`, `copy`) hide what ran. The default for "
		       "Prisma is `<14-digit timestamp>_<snake_case>` starting with a verb: " GK_CHECK_NAME_VERBS
		       "; other layouts have no default. Set your own POSIX extended regular expression with "
		       "--migration-name or `migration_name` in gatekeeper.yml; it is matched against the migration's "
		       "name as the tool knows it (Prisma or diesel folder, Flyway file name, golang-migrate or "
		       "dbmate file name without .up.sql / .sql, plain file path).",
		.help = "Rename the new migration, e.g. 20240501120000_add_user_email (`prisma migrate dev --name "
			"add_user_email`).",
		.tested_by = HISTORY_TEST,
	},
};

const gk_rule gk_rule_symlinked_migration = {
	.info = {
		.id = "symlinked-migration",
		.category = GK_CAT_HISTORY,
		.severity = GK_SEV_ERROR,
		.summary = "a file in a migration folder is a symbolic link or a submodule",
		.why = "A migration runner reads the checkout, so it follows a symbolic link and applies whatever the "
		       "link points at: a file elsewhere in the repository that review does not see as a migration, or "
		       "a file outside it (`../../secret.sql`, `/etc/passwd`) that differs on every machine. A "
		       "submodule brings another repository's files, at a commit this one only names. gatekeeper checks "
		       "a link whose target is a regular file inside the repository as that file (linted, replayed); "
		       "it never reads outside the repository, so a link leaving it, an absolute one, a chain of more "
		       "than 8 links, or a submodule is not checked at all.",
		.help = "Commit the migration as a regular file (`cp --remove-destination \"$(readlink -f F)\" F`); "
			"share SQL between folders by copying it, not by linking.",
		.tested_by = HISTORY_TEST,
	},
};
