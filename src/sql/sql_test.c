/*
 * sql_test.c - the SQL front end: positions, statement ranges, syntax
 * errors and recovery, directives, and the protobuf depth counter that
 * guards unpacking.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/sql.h"

/* ---- helpers ---- */

static size_t off_of(const char *text, const char *needle)
{
	const char *p = strstr(text, needle);
	if (!p)
		fail_msg("'%s' not found in the test text", needle);
	return (size_t)(p - text);
}

static void pos(const char *text, size_t off, int *line, int *col)
{
	gk_source src;
	assert_int_equal(gk_source_init(&src, text, strlen(text)), 0);
	gk_source_pos(&src, off, line, col);
	gk_source_free(&src);
}

static void assert_pos(const char *text, size_t off, int want_line, int want_col)
{
	int line, col;
	pos(text, off, &line, &col);
	if (line != want_line || col != want_col)
		fail_msg("offset %zu: got %d:%d, want %d:%d", off, line, col, want_line, want_col);
}

/* Parse `text` as the engine does (after a BOM, if any). */
static void parse(gk_sql *sql, const char *text)
{
	size_t from = strncmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	assert_int_equal(gk_sql_parse(sql, text, strlen(text), from), 0);
}

static void assert_range(const char *text, const gk_sql_stmt *s, const char *want)
{
	size_t n = s->end - s->start;
	if (n != strlen(want) || strncmp(text + s->start, want, n) != 0)
		fail_msg("statement range is [%.*s], want [%s]", (int)n, text + s->start, want);
}

/* ---- positions ---- */

static void test_pos_utf8_columns_count_code_points(void **state)
{
	(void)state;
	const char *t = "SELECT 'é€😀', x;\n  ü y";
	assert_pos(t, off_of(t, "x"), 1, 15);   /* 2-, 3- and 4-byte characters count once */
	assert_pos(t, off_of(t, "y"), 2, 5);
	assert_pos(t, 0, 1, 1);
}

static void test_pos_crlf(void **state)
{
	(void)state;
	const char *t = "SELECT 1;\r\nSELECT 2;\r\n\r\nx";
	assert_pos(t, off_of(t, "SELECT 2"), 2, 1);
	assert_pos(t, off_of(t, "x"), 4, 1);
	gk_source src;
	assert_int_equal(gk_source_init(&src, t, strlen(t)), 0);
	assert_int_equal(src.n_lines, 4);
	size_t a, b;
	gk_source_line(&src, 1, &a, &b);
	assert_int_equal(a, 0);
	assert_int_equal(b, 9); /* without "\r\n" */
	gk_source_line(&src, 3, &a, &b);
	assert_int_equal(b, a); /* empty line */
	gk_source_free(&src);
}

static void test_pos_bom_is_not_a_column(void **state)
{
	(void)state;
	const char *t = "\xEF\xBB\xBFSELECT 1;\nSELECT 2;";
	gk_source src;
	assert_int_equal(gk_source_init(&src, t, strlen(t)), 0);
	assert_int_equal(src.bom, 3);
	gk_source_free(&src);
	assert_pos(t, 3, 1, 1);
	assert_pos(t, off_of(t, "1;"), 1, 8);
	assert_pos(t, off_of(t, "SELECT 2"), 2, 1);
}

static void test_pos_last_line_without_newline(void **state)
{
	(void)state;
	const char *t = "a\nbc";
	assert_pos(t, 3, 2, 2);
	assert_pos(t, 4, 2, 3);   /* end of text */
	assert_pos(t, 99, 2, 3);  /* clamped */
	gk_source src;
	assert_int_equal(gk_source_init(&src, t, strlen(t)), 0);
	assert_int_equal(src.n_lines, 2);
	size_t a, b;
	gk_source_line(&src, 2, &a, &b);
	assert_int_equal(a, 2);
	assert_int_equal(b, 4);
	gk_source_free(&src);
}

/* ---- statement ranges ---- */

static void test_ranges_skip_leading_comments_and_blanks(void **state)
{
	(void)state;
	const char *t = "  -- first\n/* block /* nested */ */\n\tCREATE TABLE a (id int);\n\n-- x\nDROP TABLE b;\n";
	gk_sql sql;
	parse(&sql, t);
	assert_int_equal(sql.n_stmts, 2);
	assert_int_equal(sql.n_errors, 0);
	assert_range(t, &sql.stmts[0], "CREATE TABLE a (id int)");
	assert_range(t, &sql.stmts[1], "DROP TABLE b");
	assert_int_equal(sql.stmts[0].node->node_case, PG_QUERY__NODE__NODE_CREATE_STMT);
	assert_int_equal(sql.stmts[1].node->node_case, PG_QUERY__NODE__NODE_DROP_STMT);
	gk_sql_free(&sql);
}

static void test_ranges_last_statement_without_semicolon(void **state)
{
	(void)state;
	const char *t = "SELECT 1;\nSELECT '--not a comment' /* c */ -- trailing\n/* more */\n";
	gk_sql sql;
	parse(&sql, t);
	assert_int_equal(sql.n_stmts, 2);
	assert_range(t, &sql.stmts[0], "SELECT 1");
	assert_range(t, &sql.stmts[1], "SELECT '--not a comment'");
	gk_sql_free(&sql);

	const char *u = "SELECT 1";
	parse(&sql, u);
	assert_int_equal(sql.n_stmts, 1);
	assert_range(u, &sql.stmts[0], "SELECT 1");
	gk_sql_free(&sql);
}

static void test_ranges_after_bom_and_crlf(void **state)
{
	(void)state;
	const char *t = "\xEF\xBB\xBF-- c\r\nALTER TABLE t ADD COLUMN c int;\r\nSELECT 2\r\n";
	gk_sql sql;
	parse(&sql, t);
	assert_int_equal(sql.n_stmts, 2);
	assert_range(t, &sql.stmts[0], "ALTER TABLE t ADD COLUMN c int");
	assert_range(t, &sql.stmts[1], "SELECT 2");
	gk_sql_free(&sql);
}

static void test_ranges_empty_and_comment_only(void **state)
{
	(void)state;
	const char *texts[] = {"", "   \n\n", "-- nothing here\n/* nor here */", ";;;"};
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
		gk_sql sql;
		parse(&sql, texts[i]);
		assert_int_equal(sql.n_stmts, 0);
		assert_int_equal(sql.n_errors, 0);
		gk_sql_free(&sql);
	}
}

/* ---- syntax errors and recovery ---- */

static void test_error_offset_and_recovery(void **state)
{
	(void)state;
	const char *t = "CREATE TABLE a (id int);\nSELEC 1;\n-- c\nDROP TABLE b;\nSELECT 3";
	gk_sql sql;
	parse(&sql, t);
	assert_int_equal(sql.n_errors, 1);
	assert_false(sql.errors[0].too_complex);
	assert_int_equal(sql.errors[0].offset, off_of(t, "SELEC 1"));
	assert_non_null(strstr(sql.errors[0].message, "syntax error"));
	assert_int_equal(sql.n_stmts, 3);
	assert_range(t, &sql.stmts[0], "CREATE TABLE a (id int)");
	assert_range(t, &sql.stmts[1], "DROP TABLE b");
	assert_range(t, &sql.stmts[2], "SELECT 3");
	gk_sql_free(&sql);
}

static void test_error_offset_is_bytes_after_multibyte_text(void **state)
{
	(void)state;
	/* PostgreSQL counts the error cursor in characters; offsets are bytes. */
	const char *t = "SELECT 1;\nSELECT 'ééé€' FROM WHERE;\nSELECT 2;";
	gk_sql sql;
	parse(&sql, t);
	assert_int_equal(sql.n_errors, 1);
	assert_int_equal(sql.errors[0].offset, off_of(t, "WHERE"));
	assert_int_equal(sql.n_stmts, 2);
	gk_sql_free(&sql);
}

static void test_error_at_end_of_input(void **state)
{
	(void)state;
	const char *t = "SELECT 1;\nSELECT 1 +";
	gk_sql sql;
	parse(&sql, t);
	assert_int_equal(sql.n_errors, 1);
	assert_non_null(strstr(sql.errors[0].message, "end of input"));
	assert_true(sql.errors[0].offset >= off_of(t, "+") && sql.errors[0].offset <= strlen(t));
	assert_int_equal(sql.n_stmts, 1);
	gk_sql_free(&sql);
}

static void test_unterminated_literal_keeps_statements_before(void **state)
{
	(void)state;
	const char *t = "CREATE TABLE a (id int);\nSELEC 2;\nDROP TABLE b;\nSELECT 'abc;\nSELECT 4;";
	gk_sql sql;
	parse(&sql, t);
	assert_int_equal(sql.n_stmts, 2);
	assert_range(t, &sql.stmts[0], "CREATE TABLE a (id int)");
	assert_range(t, &sql.stmts[1], "DROP TABLE b");
	assert_int_equal(sql.n_errors, 2);
	assert_int_equal(sql.errors[0].offset, off_of(t, "SELEC 2"));
	assert_int_equal(sql.errors[1].offset, off_of(t, "'abc"));
	assert_non_null(strstr(sql.errors[1].message, "unterminated"));
	assert_true(sql.errors[1].any_version);
	assert_int_equal(sql.errors[1].start, off_of(t, "'abc"));
	assert_int_equal(sql.errors[1].end, strlen(t));
	gk_sql_free(&sql);

	const char *u = "SELECT 1;\n/* never closed";
	parse(&sql, u);
	assert_int_equal(sql.n_stmts, 1);
	assert_int_equal(sql.n_errors, 1);
	assert_int_equal(sql.errors[0].offset, off_of(u, "/*"));
	gk_sql_free(&sql);
}

/* Each refused statement's range, and whether its error is one in every version. */
static void test_error_statement_range_and_kind(void **state)
{
	(void)state;
	const char *t = "SELECT 1;\n-- c\nSELECT * FROM (SELECT 1) /* x */ ;\nSELEC 2;\n"
			"ALTER TABLE a ADD COLUMN b int\n-- migrate:down\nALTER TABLE a DROP COLUMN b;\n"
			"MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE RETURNING t.id";
	gk_sql sql;
	parse(&sql, t);
	assert_int_equal(sql.n_stmts, 1);
	assert_int_equal(sql.n_errors, 4);
	const gk_sql_error *e = sql.errors;
	assert_int_equal(e[0].start, off_of(t, "SELECT * FROM"));
	assert_int_equal(e[0].end, off_of(t, " /* x */"));
	assert_false(e[0].any_version);  /* PostgreSQL 16 allows it */
	assert_int_equal(e[1].start, off_of(t, "SELEC 2"));
	assert_true(e[1].any_version);   /* no statement starts with an identifier */
	assert_int_equal(e[2].start, off_of(t, "ALTER TABLE a ADD"));
	assert_int_equal(e[2].offset, off_of(t, "ALTER TABLE a DROP"));
	assert_true(e[2].any_version);   /* a ';' left out */
	assert_int_equal(e[3].end, strlen(t));
	assert_false(e[3].any_version);  /* PostgreSQL 17's MERGE ... RETURNING */
	gk_sql_free(&sql);
}

static void recognise(gk_sql_recognised *w, const char *text)
{
	assert_int_equal(gk_sql_recognise(w, text, 0, strlen(text)), 0);
}

static void test_recognise_what_a_statement_creates(void **state)
{
	(void)state;
	gk_sql_recognised w;
	recognise(&w, "CREATE TABLE comment_actions AS SELECT * FROM (SELECT 1)");
	assert_int_equal(w.kind, GK_SQL_CREATES_TABLE);
	assert_string_equal(w.schema, "");
	assert_string_equal(w.name, "comment_actions");
	recognise(&w, "create unlogged table if not exists App.\"Odd \"\"Name\"\" \" (id int)");
	assert_int_equal(w.kind, GK_SQL_CREATES_TABLE);
	assert_string_equal(w.schema, "app");
	assert_string_equal(w.name, "Odd \"Name\" ");
	recognise(&w, "/* c */ CREATE TEMP TABLE comment (x int) -- a keyword as a name");
	assert_int_equal(w.kind, GK_SQL_CREATES_TABLE);
	assert_string_equal(w.name, "comment");
	recognise(&w, "CREATE MATERIALIZED VIEW IF NOT EXISTS db.s.mv AS SELECT 1");
	assert_int_equal(w.kind, GK_SQL_CREATES_VIEW);
	assert_string_equal(w.schema, "s");
	assert_string_equal(w.name, "mv");
	recognise(&w, "CREATE OR REPLACE RECURSIVE VIEW v (n) AS SELECT 1");
	assert_int_equal(w.kind, GK_SQL_CREATES_VIEW);
	assert_string_equal(w.name, "v");
	recognise(&w, "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON ONLY s.t (a)");
	assert_int_equal(w.kind, GK_SQL_CREATES_INDEX);
	assert_string_equal(w.name, "i");
	assert_string_equal(w.schema, "s");
	assert_string_equal(w.table, "t");
	recognise(&w, "CREATE INDEX ON t USING gin (a)");
	assert_int_equal(w.kind, GK_SQL_CREATES_INDEX);
	assert_string_equal(w.name, "");
	assert_string_equal(w.table, "t");
	recognise(&w, "CREATE TYPE mood AS ENUM ('a')");
	assert_int_equal(w.kind, GK_SQL_CREATES_TYPE);
	assert_string_equal(w.name, "mood");
	/* names are cut to 63 bytes, on a character boundary */
	char longname[200] = "CREATE TABLE ";
	for (int i = 0; i < 31; i++)
		strcat(longname, "ab");
	strcat(longname, "é (id int)"); /* 62 bytes, then a 2-byte character */
	recognise(&w, longname);
	assert_int_equal(strlen(w.name), 62);
	recognise(&w, "ALTER TABLE ONLY s.t ADD CONSTRAINT t_c_nn NOT NULL c NOT VALID;");
	assert_int_equal(w.kind, GK_SQL_NOT_NULL_NOT_VALID);
	assert_string_equal(w.schema, "s");
	assert_string_equal(w.table, "t");
	assert_string_equal(w.name, "t_c_nn");
	assert_string_equal(w.column, "c");
}

static void test_recognise_leaves_other_statements_alone(void **state)
{
	(void)state;
	static const char *const others[] = {
		"SELECT * FROM (SELECT 1)",
		"CREATE FUNCTION f() RETURNS int LANGUAGE sql RETURN 1",
		"CREATE INDEX IF NOT EXISTS ON t (a)",              /* IF NOT EXISTS needs a name */
		"CREATE TABLE",
		"ALTER TABLE t ADD CONSTRAINT c NOT NULL col",      /* validated: it scans */
		"ALTER TABLE t ADD CONSTRAINT c NOT NULL col NOT VALID, ADD COLUMN d int",
		"CREATE TABLE U&\"d\\0061t\\+000061\" (id int)",
		"",
	};
	for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
		gk_sql_recognised w;
		recognise(&w, others[i]);
		if (w.kind != GK_SQL_NOT_RECOGNISED)
			fail_msg("recognised %d in [%s]", (int)w.kind, others[i]);
	}
}

static void test_recovery_keeps_begin_atomic_bodies_whole(void **state)
{
	(void)state;
	/* A SQL-standard function body (PostgreSQL 14+) has ';' inside; the
	 * split after a syntax error must not cut it. */
	const char *t = "SELEC 1;\n"
			"CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql BEGIN ATOMIC\n"
			"  SELECT CASE WHEN x > 0 THEN 1 ELSE 2 END;\n"
			"  SELECT x;\n"
			"END;\n"
			"DROP TABLE b;";
	gk_sql sql;
	parse(&sql, t);
	assert_int_equal(sql.n_errors, 1);
	assert_int_equal(sql.errors[0].offset, 0);
	assert_int_equal(sql.n_stmts, 2);
	assert_int_equal(sql.stmts[0].node->node_case, PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT);
	assert_range(t, &sql.stmts[1], "DROP TABLE b");
	gk_sql_free(&sql);
}

static void test_memory_exhausted_is_a_syntax_error(void **state)
{
	(void)state;
	/* 10,000 parentheses overflow bison's stack, not ours. */
	size_t n = 10000;
	char *t = malloc(2 * n + 64);
	assert_non_null(t);
	char *p = t + sprintf(t, "SELECT 1;\nSELECT ");
	memset(p, '(', n);
	p[n] = '1';
	memset(p + n + 1, ')', n);
	strcpy(p + 2 * n + 1, ";\nSELECT 2;");
	gk_sql sql;
	parse(&sql, t);
	assert_int_equal(sql.n_stmts, 2);
	assert_int_equal(sql.n_errors, 1);
	assert_false(sql.errors[0].too_complex);
	assert_non_null(strstr(sql.errors[0].message, "memory exhausted"));
	gk_sql_free(&sql);
	free(t);
}

static void test_overlong_statement_refused(void **state)
{
	(void)state;
	/* A flat statement just over the limit: refused without parsing. */
	size_t n = GK_SQL_MAX_STMT_BYTES + 16;
	char *t = malloc(n + 64);
	assert_non_null(t);
	char *p = t + sprintf(t, "SELECT 1;\nSELECT '");
	memset(p, 'x', n);
	strcpy(p + n, "';\nSELECT 3;");
	gk_sql sql;
	parse(&sql, t);
	assert_int_equal(sql.n_stmts, 2);
	assert_int_equal(sql.n_errors, 1);
	assert_true(sql.errors[0].too_complex);
	assert_int_equal(sql.errors[0].offset, off_of(t, "SELECT '"));
	assert_non_null(strstr(sql.errors[0].message, "longer than"));
	gk_sql_free(&sql);
	free(t);
}

/* ---- directives ---- */

static void directives(gk_directives *d, gk_sql *sql, gk_source *src, const char *t)
{
	assert_int_equal(gk_source_init(src, t, strlen(t)), 0);
	parse(sql, t);
	assert_int_equal(gk_directives_find(d, src, sql), 0);
}

static void done(gk_directives *d, gk_sql *sql, gk_source *src)
{
	gk_directives_free(d);
	gk_sql_free(sql);
	gk_source_free(src);
}

static void test_directive_leading_and_trailing(void **state)
{
	(void)state;
	const char *t = "-- gatekeeper:ignore drop-table reason: table is empty\n"
			"DROP TABLE a;\n"
			"DROP TABLE b; -- gatekeeper:ignore drop-table,unknown-x reason:  backfilled  \n"
			"SELECT 3;\n";
	gk_directives d;
	gk_sql sql;
	gk_source src;
	directives(&d, &sql, &src, t);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.items[0].stmt, 0);
	assert_false(d.items[0].file_wide);
	assert_int_equal(d.items[0].n_rules, 1);
	assert_string_equal(d.items[0].rules[0], "drop-table");
	assert_string_equal(d.items[0].reason, "table is empty");
	assert_int_equal(d.items[0].start, 0);
	assert_int_equal(d.items[1].stmt, 1); /* trailing: same line as the end of statement 1 */
	assert_int_equal(d.items[1].n_rules, 2);
	assert_string_equal(d.items[1].rules[1], "unknown-x");
	assert_string_equal(d.items[1].reason, "backfilled");
	done(&d, &sql, &src);
}

static void test_directive_stacked_and_c_style(void **state)
{
	(void)state;
	const char *t = "SELECT 1;\n"
			"-- gatekeeper:ignore drop-table reason: one\n"
			"/* gatekeeper:ignore drop-schema reason: two */\n"
			"-- an ordinary comment between\n"
			"DROP TABLE a;\n";
	gk_directives d;
	gk_sql sql;
	gk_source src;
	directives(&d, &sql, &src, t);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.items[0].stmt, 1);
	assert_int_equal(d.items[1].stmt, 1);
	assert_string_equal(d.items[1].rules[0], "drop-schema");
	assert_string_equal(d.items[1].reason, "two");
	done(&d, &sql, &src);
}

static void test_directive_ignore_file_and_missing_reason(void **state)
{
	(void)state;
	const char *t = "-- gatekeeper:ignore-file drop-table reason: scratch schema\n"
			"SELECT 1;\n\n"
			"-- gatekeeper:ignore drop-table\n"
			"DROP TABLE a;\n"
			"-- gatekeeper:frobnicate\n";
	gk_directives d;
	gk_sql sql;
	gk_source src;
	directives(&d, &sql, &src, t);
	assert_int_equal(d.n, 2);
	assert_true(d.items[0].file_wide);
	assert_int_equal(d.items[0].stmt, -1);
	assert_string_equal(d.items[0].reason, "scratch schema");
	assert_false(d.items[1].file_wide);
	assert_null(d.items[1].reason);
	assert_int_equal(d.items[1].stmt, 1);
	assert_int_equal(d.n_malformed, 1);
	assert_int_equal(d.malformed[0].start, off_of(t, "-- gatekeeper:frobnicate"));
	done(&d, &sql, &src);
}

static void test_directive_not_next_to_a_statement(void **state)
{
	(void)state;
	const char *t = "SELECT 1;\n\n-- gatekeeper:ignore drop-table reason: x\nSELECT 2 +\n";
	gk_directives d;
	gk_sql sql;
	gk_source src;
	directives(&d, &sql, &src, t);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.items[0].stmt, -1); /* the next statement does not parse */
	done(&d, &sql, &src);
}

static void test_directive_in_string_or_function_body_is_not_one(void **state)
{
	(void)state;
	const char *t = "SELECT '-- gatekeeper:ignore drop-table reason: in a string';\n"
			"SELECT E'/* gatekeeper:ignore drop-table reason: x */';\n"
			"CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $body$\n"
			"BEGIN\n"
			"  -- gatekeeper:ignore drop-table reason: in a function body\n"
			"  DROP TABLE a;\n"
			"END $body$;\n"
			"SELECT $$ -- gatekeeper:ignore-file drop-table reason: y $$;\n";
	gk_directives d;
	gk_sql sql;
	gk_source src;
	directives(&d, &sql, &src, t);
	assert_int_equal(sql.n_stmts, 4);
	assert_int_equal(d.n, 0);
	assert_int_equal(d.n_malformed, 0);
	done(&d, &sql, &src);
}

static void test_directive_after_bom(void **state)
{
	(void)state;
	const char *t = "\xEF\xBB\xBF-- gatekeeper:ignore drop-table reason: r\r\nDROP TABLE a;\r\n";
	gk_directives d;
	gk_sql sql;
	gk_source src;
	directives(&d, &sql, &src, t);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.items[0].start, 3);
	assert_int_equal(d.items[0].stmt, 0);
	assert_string_equal(d.items[0].reason, "r");
	done(&d, &sql, &src);
}

/* ---- protobuf depth ---- */

static size_t depth_of(const char *sql_text, size_t limit)
{
	PgQueryProtobufParseResult r = pg_query_parse_protobuf(sql_text);
	assert_null(r.error);
	size_t d = gk_pb_depth(&pg_query__parse_result__descriptor, (const uint8_t *)r.parse_tree.data,
			       r.parse_tree.len, limit);
	pg_query_free_protobuf_parse_result(r);
	return d;
}

static char *plus_chain(size_t terms)
{
	char *t = malloc(2 * terms + 16), *p = t;
	assert_non_null(t);
	p += sprintf(p, "SELECT 1");
	for (size_t i = 1; i < terms; i++)
		p += sprintf(p, "+1");
	return t;
}

static void test_pb_depth_counts_levels(void **state)
{
	(void)state;
	/* ParseResult > RawStmt > Node > SelectStmt > Node > ResTarget > Node > A_Const */
	size_t base = depth_of("SELECT 1", SIZE_MAX - 1);
	assert_true(base >= 6);
	/* Each `+1` adds a Node and an A_Expr level. */
	for (size_t terms = 2; terms <= 2000; terms *= 10) {
		char *t = plus_chain(terms);
		size_t d = depth_of(t, SIZE_MAX - 1);
		free(t);
		if (d != base + 2 * (terms - 1))
			fail_msg("%zu terms: depth %zu, want %zu", terms, d, base + 2 * (terms - 1));
	}
	/* Siblings do not add up: a long flat list is shallow. */
	assert_int_equal(depth_of("SELECT 1, 2, 3, 4, 5, 6, 7, 8", SIZE_MAX - 1), base);
	assert_true(depth_of("SELECT 1; SELECT 1+1+1", SIZE_MAX - 1) == base + 4);
}

static void test_pb_depth_stops_past_limit(void **state)
{
	(void)state;
	char *t = plus_chain(1000);
	size_t full = depth_of(t, SIZE_MAX - 1);
	assert_int_equal(depth_of(t, full), full);
	assert_int_equal(depth_of(t, 100), 101);
	free(t);
}

static void test_pb_depth_malformed_input(void **state)
{
	(void)state;
	/* Truncated and garbage bytes must not read past the buffer. */
	PgQueryProtobufParseResult r = pg_query_parse_protobuf("SELECT 1+1+1, (SELECT 2)");
	assert_null(r.error);
	const uint8_t *d = (const uint8_t *)r.parse_tree.data;
	for (size_t len = 0; len < r.parse_tree.len; len++) {
		uint8_t *copy = malloc(len ? len : 1);
		assert_non_null(copy);
		memcpy(copy, d, len);
		size_t got = gk_pb_depth(&pg_query__parse_result__descriptor, copy, len, 1000);
		assert_true(got >= 1 && got <= 1000);
		free(copy);
	}
	pg_query_free_protobuf_parse_result(r);
	const uint8_t junk[] = {0x12, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x0a, 0x03, 0xff, 0xff, 0xff, 0x07};
	assert_int_equal(gk_pb_depth(&pg_query__parse_result__descriptor, junk, sizeof junk, 1000), 1);
}

/* The tokens read in place are those protobuf-c unpacks, field for field. */
static void test_scan_tokens_match_unpack(void **state)
{
	(void)state;
	const char *text = "-- c\nCREATE INDEX CONCURRENTLY \"Ix\" ON t (a); /* b */ SELECT 'x;y', $$ ; $$, "
			   "caf\xc3\xa9, 123456789, e'\\n', -1 FROM \"T\"; ALTER TYPE e ADD VALUE 'v'";
	PgQueryScanResult sr = pg_query_scan(text);
	assert_null(sr.error);
	PgQuery__ScanResult *scan = pg_query__scan_result__unpack(NULL, sr.pbuf.len, (void *)sr.pbuf.data);
	assert_non_null(scan);
	assert_true(scan->n_tokens > 30);
	gk_scan_tokens it;
	gk_scan_tokens_init(&it, &sr);
	PgQuery__ScanToken t;
	size_t n = 0;
	for (; gk_scan_tokens_next(&it, &t); n++) {
		assert_true(n < scan->n_tokens);
		assert_int_equal(t.start, scan->tokens[n]->start);
		assert_int_equal(t.end, scan->tokens[n]->end);
		assert_int_equal(t.token, scan->tokens[n]->token);
		assert_int_equal(t.keyword_kind, scan->tokens[n]->keyword_kind);
	}
	assert_int_equal(n, scan->n_tokens);
	pg_query__scan_result__free_unpacked(scan, NULL);
	pg_query_free_scan_result(sr);

	/* A scanner error has no tokens. */
	sr = pg_query_scan("SELECT 'open");
	assert_non_null(sr.error);
	gk_scan_tokens_init(&it, &sr);
	assert_false(gk_scan_tokens_next(&it, &t));
	pg_query_free_scan_result(sr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pos_utf8_columns_count_code_points),
		cmocka_unit_test(test_pos_crlf),
		cmocka_unit_test(test_pos_bom_is_not_a_column),
		cmocka_unit_test(test_pos_last_line_without_newline),
		cmocka_unit_test(test_ranges_skip_leading_comments_and_blanks),
		cmocka_unit_test(test_ranges_last_statement_without_semicolon),
		cmocka_unit_test(test_ranges_after_bom_and_crlf),
		cmocka_unit_test(test_ranges_empty_and_comment_only),
		cmocka_unit_test(test_error_offset_and_recovery),
		cmocka_unit_test(test_error_offset_is_bytes_after_multibyte_text),
		cmocka_unit_test(test_error_at_end_of_input),
		cmocka_unit_test(test_unterminated_literal_keeps_statements_before),
		cmocka_unit_test(test_error_statement_range_and_kind),
		cmocka_unit_test(test_recognise_what_a_statement_creates),
		cmocka_unit_test(test_recognise_leaves_other_statements_alone),
		cmocka_unit_test(test_recovery_keeps_begin_atomic_bodies_whole),
		cmocka_unit_test(test_memory_exhausted_is_a_syntax_error),
		cmocka_unit_test(test_overlong_statement_refused),
		cmocka_unit_test(test_directive_leading_and_trailing),
		cmocka_unit_test(test_directive_stacked_and_c_style),
		cmocka_unit_test(test_directive_ignore_file_and_missing_reason),
		cmocka_unit_test(test_directive_not_next_to_a_statement),
		cmocka_unit_test(test_directive_in_string_or_function_body_is_not_one),
		cmocka_unit_test(test_directive_after_bom),
		cmocka_unit_test(test_pb_depth_counts_levels),
		cmocka_unit_test(test_pb_depth_stops_past_limit),
		cmocka_unit_test(test_pb_depth_malformed_input),
		cmocka_unit_test(test_scan_tokens_match_unpack),
	};
	return cmocka_run_group_tests_name("sql", tests, NULL, NULL);
}
