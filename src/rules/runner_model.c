/*
 * flyway-mixed-transaction, prisma-shadow-mismatch
 *
 * Decisions of the runner model (src/layout/runner.h) that are findings of
 * their own: the file as a whole is refused by the tool, or applies one
 * way on deploy and another on the developer's machine.  Both look at the
 * model's summary of the file (gk_runner_choice.sql), not at one statement,
 * and report once per file at the statement that decides.
 */
#include "lint/lint_internal.h"

/* The statement with 0-based index i, or the first one. */
static const gk_stmt *stmt_at(const gk_lint *l, int i)
{
	if (l->n_stmts == 0)
		return NULL;
	return i >= 0 && (size_t)i < l->n_stmts ? &l->stmts[i] : &l->stmts[0];
}

/*
 * Flyway's DbMigrate refuses a migration whose statements are not all of
 * one kind ("Detected both transactional and non-transactional statements
 * within the same migration"), unless `mixed` is true.  The model marks it
 * `refused`; the replay runs it as mixed = true would, so only this finding
 * reports it.
 */
static void mixed_finish(gk_lint *l)
{
	const gk_runner_choice *c = l->choice;
	if (!c || !c->refused || l->tool != GK_LAYOUT_FLYWAY)
		return;
	const gk_stmt *s = stmt_at(l, c->sql.first_no_tx);
	if (!s)
		return;
	gk_lint_report(l, s, -1, NULL,
		       "Flyway refuses this migration: statement %d runs outside a transaction and statement %d inside "
		       "one (\"Detected both transactional and non-transactional statements within the same migration\")",
		       c->sql.first_no_tx + 1, c->sql.first_tx + 1);
}

const gk_rule gk_rule_flyway_mixed_transaction = {
	.info = {
		.id = "flyway-mixed-transaction",
		.category = GK_CAT_TRANSACTION,
		.severity = GK_SEV_ERROR,
		.summary = "a Flyway migration mixes statements that need a transaction and ones that cannot run in one",
		.why = "Flyway runs a migration in one transaction unless every statement is one its parser marks "
		       "non-transactional (CREATE/DROP INDEX CONCURRENTLY, VACUUM, REINDEX SCHEMA/DATABASE/SYSTEM, "
		       "CREATE/DROP DATABASE, ALTER SYSTEM, ...); a file with both kinds stops the deploy with "
		       "\"Detected both transactional and non-transactional statements within the same migration\".",
		.help = "Move the non-transactional statements to a migration of their own, or set mixed = true "
			"(flyway.mixed in flyway.conf, mixed in flyway.toml, or flyway_mixed: true in gatekeeper.yml) "
			"and accept that the whole file then runs without a transaction.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, "an index built concurrently beside a table change",
			 "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\nALTER TABLE users ADD COLUMN note text;",
			 1, GK_LAYOUT_FLYWAY, NULL},
			{GK_EXAMPLE_BAD, 11, 0, "before PostgreSQL 12, ADD VALUE is non-transactional too",
			 "ALTER TYPE mood ADD VALUE 'sad';\nCREATE TABLE t (m mood);", 1, GK_LAYOUT_FLYWAY, NULL},
			{GK_EXAMPLE_OK, 0, 0, "only non-transactional statements: Flyway runs the file without a transaction",
			 "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\nVACUUM ANALYZE users;", 0,
			 GK_LAYOUT_FLYWAY, NULL},
			{GK_EXAMPLE_OK, 0, 0, "from PostgreSQL 12 ADD VALUE runs in Flyway's transaction",
			 "ALTER TYPE mood ADD VALUE 'sad';\nCREATE TABLE t (id int);", 0, GK_LAYOUT_FLYWAY, NULL},
		},
	},
	.finish = mixed_finish,
};

/*
 * Prisma 7.4 to 7.7 split the deploy (prisma-engines #5767) but not the
 * shadow replay of `migrate dev` (#5799, in 7.8.0): a file that only works
 * statement by statement deploys, then fails every developer's `migrate
 * dev` with P3006.  The model says so with deploy SPLIT and shadow WHOLE.
 */
static void shadow_finish(gk_lint *l)
{
	const gk_runner_choice *c = l->choice;
	if (!c || l->tool != GK_LAYOUT_PRISMA || c->deploy != GK_RUNNER_SPLIT || c->shadow != GK_RUNNER_WHOLE)
		return;
	const char *what = c->sql.concurrently_beside ? "a CONCURRENTLY statement beside other statements"
			   : c->sql.add_value_then_use ? "ALTER TYPE ... ADD VALUE followed by a use of the value"
						       : NULL;
	const gk_stmt *s = stmt_at(l, 0);
	if (!what || !s)
		return;
	gk_lint_report(l, s, -1, NULL,
		       "prisma %s deploys this file statement by statement, but `migrate dev` replays it on the shadow "
		       "database as one query until 7.8.0: %s fails there (P3006)", c->version, what);
}

const gk_rule gk_rule_prisma_shadow_mismatch = {
	.info = {
		.id = "prisma-shadow-mismatch",
		.category = GK_CAT_TRANSACTION,
		.severity = GK_SEV_WARNING,
		.summary = "Prisma 7.4-7.7 deploys the file but `migrate dev` cannot replay it (P3006)",
		.why = "From 7.4.0 `migrate deploy` sends each statement on its own, so CONCURRENTLY beside other "
		       "statements, or a new enum value used after ADD VALUE, works on deploy; until 7.8.0 the shadow "
		       "database of `migrate dev` still receives the file as one query, one implicit transaction, where "
		       "both fail, and every developer's `migrate dev` stops with P3006.",
		.help = "Upgrade Prisma to 7.8.0 or later, or put the CONCURRENTLY statement (or the ADD VALUE) in a "
			"migration of its own.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, "Prisma 7.5: deploys, but the shadow replay fails with 25001",
			 "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\nALTER TABLE users ADD COLUMN note text;",
			 1, GK_LAYOUT_PRISMA, "7.5.0"},
			{GK_EXAMPLE_BAD, 0, 0, "a new value used in the same file",
			 "ALTER TYPE mood ADD VALUE 'sad';\nUPDATE people SET m = 'sad' WHERE id = 1;", 1, GK_LAYOUT_PRISMA,
			 "7.7.3"},
			{GK_EXAMPLE_OK, 0, 0, "7.8.0 replays the shadow statement by statement too",
			 "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\nALTER TABLE users ADD COLUMN note text;",
			 0, GK_LAYOUT_PRISMA, "7.8.0"},
			{GK_EXAMPLE_OK, 0, 0, "CONCURRENTLY alone in its migration",
			 "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);", 0, GK_LAYOUT_PRISMA, "7.5.0"},
		},
	},
	.finish = shadow_finish,
};
