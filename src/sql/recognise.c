/*
 * recognise.c - what a statement the parser refused creates, read from the
 * scanner's tokens.
 *
 * The parser is PostgreSQL 15's; a statement in newer syntax (a FROM
 * subquery without an alias, JSON_TABLE, MERGE ... RETURNING) does not
 * parse, but its first tokens still say plainly what it creates:
 * `CREATE TABLE name ... AS SELECT <new syntax>` makes a table however the
 * query is written.  A schema model that missed it would treat every later
 * statement on that table as work on an existing, populated table.  The
 * scanner (unlike the grammar) has not changed in the ways that matter
 * here, so reading a fixed prefix of tokens is reliable; anything past the
 * prefix is left alone.
 */
#include "sql.h"
#include "../util/util.h"

#include <stdlib.h>
#include <string.h>

typedef struct toks {
	const char *text;        /* the statement's text, as scanned */
	PgQuery__ScanToken **t;  /* its tokens, comments included */
	size_t n, i;
} toks;

static void skip_comments(toks *k)
{
	while (k->i < k->n && (k->t[k->i]->token == PG_QUERY__TOKEN__SQL_COMMENT ||
			       k->t[k->i]->token == PG_QUERY__TOKEN__C_COMMENT))
		k->i++;
}

static bool at_end(toks *k)
{
	skip_comments(k);
	return k->i == k->n;
}

/* Consume token `t` if it comes next. */
static bool tok(toks *k, PgQuery__Token t)
{
	skip_comments(k);
	if (k->i < k->n && k->t[k->i]->token == t) {
		k->i++;
		return true;
	}
	return false;
}

/*
 * An identifier as PostgreSQL stores it: a quoted one as written (""
 * meaning "), an unquoted one or a non-reserved keyword down-cased (ASCII
 * only, as the server does in UTF-8), both cut to 63 bytes on a character
 * boundary as the scanner truncates them.  U&"..." identifiers are not
 * decoded: the caller gives up on them.
 */
static bool ident(toks *k, char out[GK_SQL_NAME_MAX])
{
	skip_comments(k);
	if (k->i >= k->n)
		return false;
	const PgQuery__ScanToken *t = k->t[k->i];
	if (t->token != PG_QUERY__TOKEN__IDENT && t->keyword_kind != PG_QUERY__KEYWORD_KIND__UNRESERVED_KEYWORD &&
	    t->keyword_kind != PG_QUERY__KEYWORD_KIND__COL_NAME_KEYWORD)
		return false;
	const char *s = k->text + t->start, *e = k->text + t->end;
	bool quoted = *s == '"';
	size_t n = 0;
	char buf[4 * GK_SQL_NAME_MAX];
	if (quoted)
		s++, e--;
	for (; s < e && n < sizeof buf - 1; s++) {
		char c = *s;
		if (quoted && c == '"')
			s++; /* "" is one " */
		else if (!quoted && c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		buf[n++] = c;
	}
	if (n == 0)
		return false;
	n = gk_utf8_whole(buf, n < GK_SQL_NAME_MAX - 1 ? n : GK_SQL_NAME_MAX - 1);
	memcpy(out, buf, n);
	out[n] = '\0';
	k->i++;
	return true;
}

/* [catalog.][schema.]name: the last two parts. */
static bool qualified(toks *k, char schema[GK_SQL_NAME_MAX], char name[GK_SQL_NAME_MAX])
{
	schema[0] = '\0';
	if (!ident(k, name))
		return false;
	for (int parts = 1; parts < 3 && tok(k, PG_QUERY__TOKEN__ASCII_46); parts++) {
		memcpy(schema, name, GK_SQL_NAME_MAX);
		if (!ident(k, name))
			return false;
	}
	return true;
}

static bool if_not_exists(toks *k)
{
	size_t at = k->i;
	if (tok(k, PG_QUERY__TOKEN__IF_P) && tok(k, PG_QUERY__TOKEN__NOT) && tok(k, PG_QUERY__TOKEN__EXISTS))
		return true;
	k->i = at;
	return false;
}

/* CREATE [OR REPLACE] [GLOBAL | LOCAL] [TEMP | TEMPORARY | UNLOGGED] [RECURSIVE] ... */
static void create_prefix(toks *k)
{
	if (tok(k, PG_QUERY__TOKEN__OR))
		tok(k, PG_QUERY__TOKEN__REPLACE);
	if (!tok(k, PG_QUERY__TOKEN__GLOBAL))
		tok(k, PG_QUERY__TOKEN__LOCAL);
	if (!tok(k, PG_QUERY__TOKEN__TEMP) && !tok(k, PG_QUERY__TOKEN__TEMPORARY))
		tok(k, PG_QUERY__TOKEN__UNLOGGED);
	tok(k, PG_QUERY__TOKEN__RECURSIVE);
}

/* CREATE [UNIQUE] INDEX [CONCURRENTLY] [[IF NOT EXISTS] name] ON [ONLY] table */
static bool create_index(toks *k, gk_sql_recognised *out)
{
	char s[GK_SQL_NAME_MAX], n[GK_SQL_NAME_MAX];
	tok(k, PG_QUERY__TOKEN__CONCURRENTLY);
	bool ine = if_not_exists(k);
	if (!tok(k, PG_QUERY__TOKEN__ON)) {
		if (!ident(k, out->name) || !tok(k, PG_QUERY__TOKEN__ON))
			return false;
	} else if (ine) {
		return false; /* IF NOT EXISTS needs a name */
	}
	tok(k, PG_QUERY__TOKEN__ONLY);
	if (!qualified(k, s, n))
		return false;
	/* An index lives in its table's schema. */
	memcpy(out->schema, s, sizeof s);
	memcpy(out->table, n, sizeof n);
	out->kind = GK_SQL_CREATES_INDEX;
	return true;
}

static bool create(toks *k, gk_sql_recognised *out)
{
	if (tok(k, PG_QUERY__TOKEN__UNIQUE))
		return tok(k, PG_QUERY__TOKEN__INDEX) && create_index(k, out);
	if (tok(k, PG_QUERY__TOKEN__INDEX))
		return create_index(k, out);
	if (tok(k, PG_QUERY__TOKEN__TYPE_P)) {
		out->kind = GK_SQL_CREATES_TYPE;
		return qualified(k, out->schema, out->name);
	}
	if (tok(k, PG_QUERY__TOKEN__MATERIALIZED)) {
		if (!tok(k, PG_QUERY__TOKEN__VIEW))
			return false;
		if_not_exists(k);
		out->kind = GK_SQL_CREATES_VIEW;
		return qualified(k, out->schema, out->name);
	}
	create_prefix(k);
	if (tok(k, PG_QUERY__TOKEN__VIEW)) {
		out->kind = GK_SQL_CREATES_VIEW;
		return qualified(k, out->schema, out->name);
	}
	if (tok(k, PG_QUERY__TOKEN__TABLE)) {
		if_not_exists(k);
		out->kind = GK_SQL_CREATES_TABLE;
		return qualified(k, out->schema, out->name);
	}
	return false;
}

/*
 * ALTER TABLE [IF EXISTS] [ONLY] t ADD CONSTRAINT c NOT NULL col NOT VALID,
 * alone: PostgreSQL 18's not-null constraint added without a scan.
 */
static bool alter(toks *k, gk_sql_recognised *out)
{
	if (!tok(k, PG_QUERY__TOKEN__TABLE))
		return false;
	size_t at = k->i;
	if (!(tok(k, PG_QUERY__TOKEN__IF_P) && tok(k, PG_QUERY__TOKEN__EXISTS)))
		k->i = at;
	tok(k, PG_QUERY__TOKEN__ONLY);
	if (!qualified(k, out->schema, out->table) || !tok(k, PG_QUERY__TOKEN__ADD_P) ||
	    !tok(k, PG_QUERY__TOKEN__CONSTRAINT) || !ident(k, out->name) || !tok(k, PG_QUERY__TOKEN__NOT) ||
	    !tok(k, PG_QUERY__TOKEN__NULL_P) || !ident(k, out->column) || !tok(k, PG_QUERY__TOKEN__NOT) ||
	    !tok(k, PG_QUERY__TOKEN__VALID))
		return false;
	tok(k, PG_QUERY__TOKEN__ASCII_59);
	if (!at_end(k))
		return false;
	out->kind = GK_SQL_NOT_NULL_NOT_VALID;
	return true;
}

int gk_sql_recognise(gk_sql_recognised *out, const char *text, size_t start, size_t end)
{
	memset(out, 0, sizeof *out);
	if (end <= start)
		return 0;
	char *piece = gk_strndup(text + start, end - start);
	if (!piece)
		return -1;
	PgQueryScanResult sr = pg_query_scan(piece);
	PgQuery__ScanResult *scan = NULL;
	if (!sr.error && !(scan = pg_query__scan_result__unpack(NULL, sr.pbuf.len, (void *)sr.pbuf.data))) {
		pg_query_free_scan_result(sr);
		free(piece);
		return -1;
	}
	if (scan) {
		toks k = {.text = piece, .t = scan->tokens, .n = scan->n_tokens};
		bool ok = tok(&k, PG_QUERY__TOKEN__CREATE) ? create(&k, out)
			: tok(&k, PG_QUERY__TOKEN__ALTER) ? alter(&k, out) : false;
		if (!ok)
			memset(out, 0, sizeof *out);
		pg_query__scan_result__free_unpacked(scan, NULL);
	}
	pg_query_free_scan_result(sr);
	free(piece);
	return 0;
}
