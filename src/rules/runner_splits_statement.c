/*
 * runner-splits-statement
 *
 * Two runners cut a file into statements without parsing it (see
 * src/layout/runner.h): Prisma 6's driver-adapter schema engine
 * (`engine: "js"`) and golang-migrate with x-multi-statement, both at every
 * ';'.  A ';' in a string, a comment, a quoted name or a function body
 * then ends a piece that is no statement:
 * the piece is sent alone and fails, after the pieces before it were
 * committed, or, worse, a piece that happens to parse runs on its own.
 * The model's scan (gk_runner_sql.cut_every) found the first such ';'.
 */
#include "lint/lint_internal.h"

static void splits_finish(gk_lint *l)
{
	const gk_runner_choice *c = l->choice;
	const gk_runner_cut *cut = c ? gk_runner_wrong_cut(c) : NULL;
	if (!cut || l->n_stmts == 0)
		return;
	const gk_stmt *s = &l->stmts[(size_t)cut->stmt < l->n_stmts ? (size_t)cut->stmt : l->n_stmts - 1];
	int line, col;
	gk_source_pos(l->src, cut->offset, &line, &col);
	bool prisma = c->splitter == GK_SPLITTER_EVERY_SEMICOLON;
	const char *who = prisma ? "Prisma's driver adapter (engine \"js\") cuts the file at every ';'"
				 : "golang-migrate with x-multi-statement cuts the file at every ';'";
	const char *help =
		prisma ? "Deploy with the classic schema engine (remove `engine: \"js\"` from prisma.config.ts for "
			 "`migrate deploy`) or with Prisma 7, whose splitter parses SQL; or apply this file with `prisma db "
			 "execute --file` and record it with `prisma migrate resolve --applied`."
		       : "Keep ';' out of strings, comments and quoted names; a function body or DO block holding ';' "
			 "cannot pass this splitter (it cuts dollar-quoted bodies too): apply such a migration without "
			 "x-multi-statement, which sends the file as one query.";
	gk_lint_report(l, s, (int)cut->offset - (int)s->base, help,
		       "%s: the ';' in %s at line %d, column %d ends no statement, so the deploy sends the text on "
		       "each side of it as statements of their own; one that is no statement fails, after the pieces "
		       "before it committed",
		       who, cut->what, line, col);
}

const gk_rule gk_rule_runner_splits_statement = {
	.info = {
		.id = "runner-splits-statement",
		.category = GK_CAT_TRANSACTION,
		.severity = GK_SEV_ERROR,
		.summary = "the runner cuts a statement at a ';' inside it (a string, comment or function body)",
		.why = "Prisma 6 with the driver-adapter schema engine (`engine: \"js\"` in prisma.config.ts) splits a "
		       "migration at every ';' (@prisma/adapter-pg's executeScript: \"there's no guarantee that the "
		       "semicolon is between statements\"), and golang-migrate with x-multi-statement at every ';' "
		       "too (multistmt.Parse); each piece is sent on its own, outside any transaction.  A ';' in "
		       "a string, a comment, a quoted name or a function body cuts a statement in two: the deploy fails "
		       "at that piece with the pieces before it committed, and a piece that happens to parse runs alone. "
		       "A `--` comment between statements whose ';' only ends its line (commented-out SQL) cuts "
		       "harmlessly: its pieces are comments, which the server takes as empty queries.",
		.help = "Keep ';' out of strings, comments and bodies the runner cuts, or deploy the file another way.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, "Prisma 6 with engine \"js\": a PL/pgSQL body holds ';'",
			 "CREATE TABLE t (id int);\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\nBEGIN\n"
			 "  RETURN 1;\nEND $$;", 1, GK_LAYOUT_PRISMA, "6.19.0", "engine: js"},
			{GK_EXAMPLE_BAD, 0, 0, "golang-migrate with x-multi-statement: a ';' in a comment",
			 "-- add users; see ticket 12\nCREATE TABLE users (id bigint);", 1, GK_LAYOUT_GOLANG_MIGRATE, NULL,
			 "x-multi-statement"},
			{GK_EXAMPLE_BAD, 0, 0, "golang-migrate with x-multi-statement cuts a dollar-quoted body too",
			 "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;",
			 1, GK_LAYOUT_GOLANG_MIGRATE, NULL, "x-multi-statement"},
			{GK_EXAMPLE_OK, 0, 0, "commented-out SQL between statements: its pieces are comments",
			 "-- DROP TABLE legacy;\nCREATE TABLE users (id bigint);", 0, GK_LAYOUT_GOLANG_MIGRATE, NULL,
			 "x-multi-statement"},
			{GK_EXAMPLE_OK, 0, 0, "golang-migrate with x-multi-statement: no ';' inside a statement",
			 "CREATE TABLE users (id bigint);\nCREATE INDEX users_id ON users (id);",
			 0, GK_LAYOUT_GOLANG_MIGRATE, NULL, "x-multi-statement"},
			{GK_EXAMPLE_OK, 0, 0, "Prisma 7 parses the file: the body is one statement",
			 "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;",
			 0, GK_LAYOUT_PRISMA, "7.10.1", "engine: js"},
			{GK_EXAMPLE_OK, 0, 0, "without x-multi-statement golang-migrate sends the file as one query",
			 "-- add users; see ticket 12\nCREATE TABLE users (id bigint);", 0, GK_LAYOUT_GOLANG_MIGRATE},
		},
	},
	.finish = splits_finish,
};
