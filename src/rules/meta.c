/*
 * Meta rules: findings the engine itself reports about the input and about
 * suppression comments.  They have no check function; the examples still
 * run as tests through the engine.
 */
#include "lint/lint_internal.h"

const gk_rule gk_rule_syntax_error = {
	.info = {
		.id = "syntax-error",
		.category = GK_CAT_META,
		.severity = GK_SEV_ERROR,
		.summary = "the statement does not parse as PostgreSQL 15 SQL",
		.why = "A migration that does not parse fails when it is applied, and nothing in it can be checked.",
		.help = "Fix the SQL at the position shown. If it is valid on a newer PostgreSQL, set pg_version (or "
			"--pg-version) to the version it runs on: syntax newer than PostgreSQL 15 is then reported as "
			"unparsed-statement and judged by the replay.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "ALTER TABLE users ADD COLUMN;"},
			{GK_EXAMPLE_BAD, 0, 0, "statements after the error are still checked", "SELEC 1;\nSELECT 2;"},
			{GK_EXAMPLE_BAD, 0, 0, "syntax of PostgreSQL 16 with the default target, 15",
			 "SELECT count(*) FROM (SELECT 1);"},
			{GK_EXAMPLE_BAD, 17, 0, "a word that starts no statement is an error in every version",
			 "SELEC 1;"},
			{GK_EXAMPLE_BAD, 17, 0, "a ';' left out is an error in every version",
			 "ALTER TABLE users ADD COLUMN nickname text\nALTER TABLE users ADD COLUMN bio text;"},
			{GK_EXAMPLE_OK, 0, 0, NULL, "ALTER TABLE users ADD COLUMN nickname text;"},
			{GK_EXAMPLE_OK, 17, 0, "a newer target: newer syntax is unparsed-statement instead",
			 "SELECT count(*) FROM (SELECT 1);"},
		},
	},
};

const gk_rule gk_rule_unparsed_statement = {
	.info = {
		.id = "unparsed-statement",
		.category = GK_CAT_META,
		.severity = GK_SEV_WARNING,
		.summary = "a statement in syntax newer than PostgreSQL 15 was not analysed",
		.why = "The parser knows PostgreSQL 15's grammar. With a newer target (pg_version, --pg-version, or "
		       "the shadow server's version in check) a statement it refuses may be valid newer syntax (a "
		       "subquery in FROM without an alias, MERGE ... RETURNING, JSON_TABLE), so it is not called a "
		       "syntax error; but no rule checked it. What it creates (a table, view or index, read from its "
		       "first words) is still learnt, so later statements on that object are judged right.",
		.help = "Check the statement by hand, or let check replay it on a server of the target version, "
			"which reports it if it fails. Suppress with a file-wide `-- gatekeeper:ignore-file "
			"unparsed-statement reason: ...`.",
		.examples = {
			{GK_EXAMPLE_BAD, 16, 0, "PostgreSQL 16: a subquery in FROM without an alias",
			 "SELECT count(*) FROM (SELECT 1);", 1},
			{GK_EXAMPLE_BAD, 17, 0, "PostgreSQL 17: MERGE ... RETURNING; the other statements are checked",
			 "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE RETURNING t.id;\nSELECT 1;", 1},
			{GK_EXAMPLE_OK, 0, 0, "the default target, 15: a syntax error",
			 "SELECT count(*) FROM (SELECT 1);"},
			{GK_EXAMPLE_OK, 18, 0, "PostgreSQL 18's NOT NULL ... NOT VALID is recognised from its words",
			 "ALTER TABLE users ADD CONSTRAINT users_email_nn NOT NULL email NOT VALID;"},
		},
	},
};

const gk_rule gk_rule_invalid_input = {
	.info = {
		.id = "invalid-input",
		.category = GK_CAT_META,
		.severity = GK_SEV_ERROR,
		.summary = "the file is not SQL text gatekeeper can analyse",
		.why = "Binary content, invalid UTF-8, unreadable or oversized files, and statements too long or too "
		       "deeply nested to analyse safely cannot be checked; PostgreSQL would reject most of them too.",
		.help = "Make the file plain UTF-8 SQL, readable by the CI user; split very large files.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, "Latin-1 bytes", "SELECT 'caf\xe9';"},
			{GK_EXAMPLE_OK, 0, 0, NULL, "SELECT 'caf\xc3\xa9';"},
		},
	},
};

/* About the history more than the SQL (a migration recorded as applied that did
 * nothing), so it is in category history with the findings of `check`. */
const gk_rule gk_rule_empty_migration = {
	.info = {
		.id = "empty-migration",
		.category = GK_CAT_HISTORY,
		.severity = GK_SEV_WARNING,
		.summary = "a migration with no statements",
		.why = "An empty migration is recorded as applied and does nothing; usually a file was saved before "
		       "its SQL was written, or the SQL went into another file.",
		.help = "Add the intended SQL or delete the migration.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "-- nothing here yet\n"},
			{GK_EXAMPLE_BAD, 0, 0, "whitespace only", "\n\t\n"},
			{GK_EXAMPLE_OK, 0, 0, NULL, "SELECT 1;"},
		},
	},
};

const gk_rule gk_rule_unknown_rule = {
	.info = {
		.id = "unknown-rule",
		.category = GK_CAT_META,
		.severity = GK_SEV_ERROR,
		.summary = "a gatekeeper comment names a rule or directive that does not exist",
		.why = "A misspelt rule in a suppression silently suppresses nothing.",
		.help = "Use an id from `gatekeeper rules`: `-- gatekeeper:ignore RULE[,RULE] reason: ...`.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "-- gatekeeper:ignore drop-tabel reason: legacy table\nDROP TABLE old_sessions;"},
			{GK_EXAMPLE_BAD, 0, 0, "unknown directive", "-- gatekeeper:skip drop-table\nSELECT 1;"},
			{GK_EXAMPLE_OK, 0, 0, NULL, "-- gatekeeper:ignore drop-table reason: table unused since v2\nDROP TABLE old_sessions;"},
		},
	},
};

const gk_rule gk_rule_suppression_without_reason = {
	.info = {
		.id = "suppression-without-reason",
		.category = GK_CAT_META,
		.severity = GK_SEV_ERROR,
		.summary = "a suppression without `reason:`; it is ignored",
		.why = "Reviewers need to know why a hazard is accepted; a suppression without a reason does not apply.",
		.help = "Write `-- gatekeeper:ignore RULE reason: why this is safe here`.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "-- gatekeeper:ignore drop-table\nDROP TABLE old_sessions;"},
			{GK_EXAMPLE_OK, 0, 0, NULL, "-- gatekeeper:ignore drop-table reason: emptied and unused since v2\nDROP TABLE old_sessions;"},
		},
	},
};

const gk_rule gk_rule_unused_suppression = {
	.info = {
		.id = "unused-suppression",
		.category = GK_CAT_META,
		.severity = GK_SEV_WARNING,
		.summary = "a suppression that matches no finding",
		.why = "A stale suppression hides the next real finding of that rule on the same statement.",
		.help = "Remove the suppression, or move it onto the statement it is meant for.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "-- gatekeeper:ignore drop-table reason: old\nSELECT 1;"},
			{GK_EXAMPLE_OK, 0, 0, NULL, "-- gatekeeper:ignore drop-table reason: emptied in v2\nDROP TABLE old_sessions;"},
			{GK_EXAMPLE_OK, 0, 0, "trailing form", "DROP TABLE old_sessions; -- gatekeeper:ignore drop-table reason: emptied in v2"},
		},
	},
};
