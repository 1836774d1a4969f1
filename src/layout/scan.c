/*
 * scan.c - what each statement of a file means to the migration runners.
 *
 * The runners do not parse SQL the way PostgreSQL does; they look at the
 * first words of each statement.  So does this file, with PostgreSQL's own
 * scanner (pg_query_scan), which knows strings, comments, quoted
 * identifiers and dollar-quoted bodies: a ';' inside them ends nothing.
 * It needs no deep stack, so the lint, the replay and the live commands
 * get the same answer from the same text.
 *
 * Flyway (flyway-database-postgresql, PostgreSQLParser.
 * detectCanExecuteInTransaction): the "simplified statement" is the
 * statement's words outside parentheses, upper-cased, re-tested after each
 * of its first 10 words (Parser.getTransactionalDetectionCutoff); a
 * statement cannot run in a transaction when it is matched by
 *   ^(CREATE|DROP) (DATABASE|TABLESPACE|SUBSCRIPTION)
 *   ^ALTER SYSTEM
 *   ^(CREATE|DROP)( UNIQUE)? INDEX CONCURRENTLY
 *   ^REINDEX( VERBOSE)? (SCHEMA|DATABASE|SYSTEM)
 *   ^VACUUM
 *   ^DISCARD ALL
 *   ^ALTER TYPE( .*)? ADD VALUE      only when the server is older than 12
 * Note what is not there: REINDEX INDEX/TABLE CONCURRENTLY runs inside
 * Flyway's transaction (and fails), and so does ALTER TABLE ... DETACH
 * PARTITION CONCURRENTLY.
 *
 * Prisma 7.4+ splits a file with the Rust crate sqlparser (0.61, PostgreSQL
 * dialect) and falls back to sending the whole file when any statement does
 * not parse there: DO blocks, DROP INDEX CONCURRENTLY (prisma-engines #5847,
 * "sqlparser supports CONCURRENTLY in CREATE INDEX but not in DROP INDEX"),
 * REINDEX and LOCK.
 *
 * Two splitters are not parsers at all, and cut where no statement ends:
 * Prisma 6's driver adapters and golang-migrate's multistmt cut at every
 * ';'.  The first such cut is noted (a ';' in a string, a comment, a
 * quoted name, a dollar-quoted body or a BEGIN ATOMIC body), unless it
 * cuts nothing the server minds (harmless_comment_cuts).
 */
#include "layout/runner.h"
#include "sql/sql.h"
#include "util/util.h"

#include <ctype.h>
#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FLYWAY_CUTOFF 10  /* words Flyway looks at */
#define WORDS_KEPT 12

typedef struct stmt_scan {
	int words[WORDS_KEPT];      /* token kinds of the first words outside parentheses */
	size_t n_words;             /* words seen (may exceed WORDS_KEPT) */
	bool no_tx;                 /* Flyway: cannot run in a transaction */
	bool concurrently;          /* a CONCURRENTLY statement (cannot run in a transaction block) */
	const char *add_value;      /* the ADD VALUE literal as written ('x'), into the text */
	size_t add_value_len;
	bool any;                   /* holds a token other than comments */
} stmt_scan;

static bool is_word(const PgQuery__ScanToken *t, const char *text)
{
	if (t->keyword_kind != PG_QUERY__KEYWORD_KIND__NO_KEYWORD)
		return true;
	/* Flyway counts any unquoted name made of letters and '_' as a word. */
	if (t->token != PG_QUERY__TOKEN__IDENT)
		return false;
	for (int i = t->start; i < t->end; i++)
		if (!isalpha((unsigned char)text[i]) && text[i] != '_')
			return false;
	return true;
}

static bool words_are(const stmt_scan *s, size_t from, int a, int b, int c)
{
	int want[3] = {a, b, c};
	for (size_t i = 0; i < 3 && want[i]; i++)
		if (from + i >= s->n_words || from + i >= WORDS_KEPT || s->words[from + i] != want[i])
			return false;
	return true;
}

/* Flyway's regexes, against the words seen so far (called after each word).
 * A statement kind whose words can match here, or in prisma_unsplittable
 * or token(), must not be among words_cannot_matter's, which the parsed
 * scan skips without looking at its words. */
static bool flyway_no_tx(const stmt_scan *s, int pg_version)
{
	size_t n = s->n_words < WORDS_KEPT ? s->n_words : WORDS_KEPT;
	int w0 = s->words[0];
	if ((w0 == PG_QUERY__TOKEN__CREATE || w0 == PG_QUERY__TOKEN__DROP) && n >= 2) {
		int w1 = s->words[1];
		if (w1 == PG_QUERY__TOKEN__DATABASE || w1 == PG_QUERY__TOKEN__TABLESPACE ||
		    w1 == PG_QUERY__TOKEN__SUBSCRIPTION)
			return true;
		if (words_are(s, 1, PG_QUERY__TOKEN__INDEX, PG_QUERY__TOKEN__CONCURRENTLY, 0) ||
		    words_are(s, 1, PG_QUERY__TOKEN__UNIQUE, PG_QUERY__TOKEN__INDEX, PG_QUERY__TOKEN__CONCURRENTLY))
			return true;
	}
	if (words_are(s, 0, PG_QUERY__TOKEN__ALTER, PG_QUERY__TOKEN__SYSTEM_P, 0) ||
	    words_are(s, 0, PG_QUERY__TOKEN__DISCARD, PG_QUERY__TOKEN__ALL, 0) || w0 == PG_QUERY__TOKEN__VACUUM)
		return true;
	if (w0 == PG_QUERY__TOKEN__REINDEX && n >= 2) {
		size_t k = s->words[1] == PG_QUERY__TOKEN__VERBOSE ? 2 : 1;
		int w = k < n ? s->words[k] : 0;
		if (w == PG_QUERY__TOKEN__SCHEMA || w == PG_QUERY__TOKEN__DATABASE || w == PG_QUERY__TOKEN__SYSTEM_P)
			return true;
	}
	if (pg_version < 12 && words_are(s, 0, PG_QUERY__TOKEN__ALTER, PG_QUERY__TOKEN__TYPE_P, 0) && n >= 4 &&
	    s->words[n - 2] == PG_QUERY__TOKEN__ADD_P && s->words[n - 1] == PG_QUERY__TOKEN__VALUE_P)
		return true;
	return false;
}

/* What Prisma's splitter cannot parse, by the statement's first words; NULL if it can. */
static const char *prisma_unsplittable(const stmt_scan *s)
{
	switch (s->words[0]) {
	case PG_QUERY__TOKEN__DO: return "DO block";
	case PG_QUERY__TOKEN__REINDEX: return "REINDEX";
	case PG_QUERY__TOKEN__LOCK_P: return "LOCK";
	case PG_QUERY__TOKEN__DROP:
		if (words_are(s, 1, PG_QUERY__TOKEN__INDEX, PG_QUERY__TOKEN__CONCURRENTLY, 0))
			return "DROP INDEX CONCURRENTLY";
		return NULL;
	default: return NULL;
	}
}

typedef struct scanner {
	gk_runner_sql *out;
	const char *text;
	int pg_version;
	stmt_scan cur;
	/* ADD VALUE literals of earlier statements, for "then a use" */
	struct lit { const char *p; size_t n; } *values;
	size_t n_values, cap_values;
	size_t scanned;             /* bytes given to the scanner */
} scanner;

static void end_statement(scanner *sc)
{
	stmt_scan *s = &sc->cur;
	gk_runner_sql *o = sc->out;
	if (!s->any) {
		*s = (stmt_scan){0};
		return;
	}
	int idx = (int)o->n_stmts++;
	if (s->no_tx) {
		o->n_no_tx++;
		if (o->first_no_tx < 0)
			o->first_no_tx = idx;
	} else if (o->first_tx < 0) {
		o->first_tx = idx;
	}
	const char *what = prisma_unsplittable(s);
	if (what && o->prisma_unsplittable < 0) {
		o->prisma_unsplittable = idx;
		snprintf(o->unsplittable_what, sizeof o->unsplittable_what, "%s", what);
	}
	if (s->concurrently)
		o->concurrently_beside = true; /* settled against n_stmts at the end */
	/* Out of memory only loses the "then a use" hint. */
	if (s->add_value && gk_grow(&sc->values, &sc->cap_values, sc->n_values + 1, sizeof *sc->values) == 0)
		sc->values[sc->n_values++] = (struct lit){s->add_value, s->add_value_len};
	*s = (stmt_scan){0};
}

/* A string constant of the current statement: a use of an earlier ADD VALUE? */
static void string_seen(scanner *sc, const char *p, size_t n)
{
	for (size_t i = 0; i < sc->n_values; i++)
		if (sc->values[i].n == n && memcmp(sc->values[i].p, p, n) == 0)
			sc->out->add_value_then_use = true;
}

/* The first ';' of a token that ends no statement: where the naive
 * splitters cut.  `what` says what the ';' is in. */
static void note_cut(scanner *sc, const PgQuery__ScanToken *t, const char *what)
{
	const char *semi = memchr(sc->text + t->start, ';', (size_t)(t->end - t->start));
	if (!semi)
		return;
	gk_runner_cut c = {.stmt = (int)sc->out->n_stmts, .offset = (size_t)(semi - sc->text)};
	snprintf(c.what, sizeof c.what, "%s", what);
	if (sc->out->cut_every.stmt < 0)
		sc->out->cut_every = c;
}

/*
 * A `--` comment between two statements ("-- DROP TABLE old;", commented-out
 * SQL) is cut harmlessly when what follows each of its ';', up to the next
 * one or the end of the line, is blank or another `--` comment: every
 * piece is then comments and blanks (an empty query, which the server
 * accepts) or, for the last, the next statement after them.  Anything else
 * after a ';' starts a piece the server refuses.
 */
static bool harmless_comment_cuts(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != ';')
			continue;
		size_t j = i + 1;
		while (j < n && (p[j] == ' ' || p[j] == '\t' || p[j] == '\r' || p[j] == '\f' || p[j] == '\v'))
			j++;
		if (j < n && p[j] != ';' && !(p[j] == '-' && j + 1 < n && p[j + 1] == '-'))
			return false;
	}
	return true;
}

static void cut_in_token(scanner *sc, const PgQuery__ScanToken *t, bool atomic)
{
	const char *text = sc->text;
	switch (t->token) {
	case PG_QUERY__TOKEN__SQL_COMMENT:
		if (!sc->cur.any && harmless_comment_cuts(text + t->start, (size_t)(t->end - t->start)))
			break;
		note_cut(sc, t, "a comment");
		break;
	case PG_QUERY__TOKEN__C_COMMENT:
		note_cut(sc, t, "a comment");
		break;
	case PG_QUERY__TOKEN__SCONST:
	case PG_QUERY__TOKEN__USCONST:
		note_cut(sc, t, text[t->start] == '$' ? "a dollar-quoted body" : "a string");
		break;
	case PG_QUERY__TOKEN__IDENT:
	case PG_QUERY__TOKEN__UIDENT:
		note_cut(sc, t, "a quoted name");
		break;
	case PG_QUERY__TOKEN__ASCII_59:
		if (atomic)
			note_cut(sc, t, "a BEGIN ATOMIC body");
		break;
	default:
		break;
	}
}

static void token(scanner *sc, const PgQuery__ScanToken *t, int parens)
{
	stmt_scan *s = &sc->cur;
	const char *text = sc->text;
	s->any = true;
	if (t->token == PG_QUERY__TOKEN__SCONST) {
		size_t n = (size_t)(t->end - t->start);
		if (s->n_words >= 2 && s->words[0] == PG_QUERY__TOKEN__ALTER && s->words[1] == PG_QUERY__TOKEN__TYPE_P &&
		    s->n_words <= WORDS_KEPT && s->words[s->n_words - 1] == PG_QUERY__TOKEN__VALUE_P && !s->add_value) {
			s->add_value = text + t->start;
			s->add_value_len = n;
		} else {
			string_seen(sc, text + t->start, n);
		}
		return;
	}
	if (t->token == PG_QUERY__TOKEN__CONCURRENTLY && s->n_words > 0 &&
	    (s->words[0] == PG_QUERY__TOKEN__CREATE || s->words[0] == PG_QUERY__TOKEN__DROP ||
	     s->words[0] == PG_QUERY__TOKEN__REINDEX || s->words[0] == PG_QUERY__TOKEN__ALTER))
		s->concurrently = true;
	if (parens > 0 || !is_word(t, text))
		return;
	if (s->n_words < WORDS_KEPT)
		s->words[s->n_words] = t->token;
	s->n_words++;
	if (!s->no_tx && s->n_words <= FLYWAY_CUTOFF && flyway_no_tx(s, sc->pg_version))
		s->no_tx = true;
}

/* Where the token loop stands between two tokens: what carries from one
 * region of the text to the next. */
typedef struct loop {
	int parens, atomic, prev;
} loop;

/* One token, in text order, through everything the scan keeps. */
static void step(scanner *sc, loop *l, const PgQuery__ScanToken *t)
{
	cut_in_token(sc, t, l->atomic > 0);
	if (t->token == PG_QUERY__TOKEN__SQL_COMMENT || t->token == PG_QUERY__TOKEN__C_COMMENT)
		return;
	/* BEGIN ATOMIC ... END (SQL-standard function bodies) holds ';' of its own;
	 * CASE ... END inside it nests, as in Flyway's PostgreSQLParser.adjustBlockDepth. */
	if (t->token == PG_QUERY__TOKEN__ATOMIC && l->prev == PG_QUERY__TOKEN__BEGIN_P)
		l->atomic++;
	else if (l->atomic && t->token == PG_QUERY__TOKEN__CASE)
		l->atomic++;
	else if (l->atomic && t->token == PG_QUERY__TOKEN__END_P)
		l->atomic--;
	l->prev = t->token;
	if (t->token == PG_QUERY__TOKEN__ASCII_40)
		l->parens++;
	else if (t->token == PG_QUERY__TOKEN__ASCII_41 && l->parens > 0)
		l->parens--;
	if (t->token == PG_QUERY__TOKEN__ASCII_59 && !l->atomic) {
		end_statement(sc);
		l->parens = 0;
		return;
	}
	token(sc, t, l->parens);
}

/*
 * Scan text[from, to) with the PostgreSQL scanner and step through its
 * tokens, their offsets made the text's.  `from` and `to` must be token
 * boundaries of the whole text, so that the region's tokens are the ones a
 * scan of the whole text has there.  Returns false when the scanner
 * refused the region (or out of memory), having stepped through nothing.
 */
static bool scan_region(scanner *sc, loop *l, size_t from, size_t to)
{
	char *piece = gk_strndup(sc->text + from, to - from);
	if (!piece)
		return false;
	sc->scanned += to - from;
	PgQueryScanResult sr = pg_query_scan(piece);
	bool ok = !sr.error;
	gk_scan_tokens it;
	gk_scan_tokens_init(&it, &sr);
	PgQuery__ScanToken tok;
	while (ok && gk_scan_tokens_next(&it, &tok)) {
		tok.start += (int32_t)from;
		tok.end += (int32_t)from;
		step(sc, l, &tok);
	}
	pg_query_free_scan_result(sr);
	free(piece);
	return ok;
}

static void scan_init(gk_runner_sql *out)
{
	*out = (gk_runner_sql){.first_no_tx = -1, .first_tx = -1, .prisma_unsplittable = -1,
			       .cut_every = {.stmt = -1}};
}

static void scan_finish(scanner *sc)
{
	end_statement(sc);
	if (sc->out->n_stmts < 2)
		sc->out->concurrently_beside = false;
	free(sc->values);
}

void gk_runner_scan(gk_runner_sql *out, const char *text, size_t len, int pg_version)
{
	scan_init(out);
	char *copy = gk_strndup(text ? text : "", text ? len : 0);
	if (!copy)
		return;
	PgQueryScanResult sr = pg_query_scan(copy);
	gk_scan_tokens it;
	gk_scan_tokens_init(&it, &sr);
	scanner sc = {.out = out, .text = copy, .pg_version = pg_version ? pg_version : GK_PG_DEFAULT_VERSION};
	loop l = {0};
	PgQuery__ScanToken tok;
	while (gk_scan_tokens_next(&it, &tok))
		step(&sc, &l, &tok);
	scan_finish(&sc);
	pg_query_free_scan_result(sr);
	free(copy);
}

/* ---- the same answer from a parse of the text ---------------------------- */

/*
 * Statements whose words cannot matter to any runner: their first words
 * are none of those the rules above look for (Flyway's CREATE/DROP
 * DATABASE, TABLESPACE, SUBSCRIPTION, [UNIQUE] INDEX CONCURRENTLY, ALTER
 * SYSTEM, REINDEX, VACUUM, DISCARD ALL, ALTER TYPE ... ADD VALUE; Prisma's
 * DO, REINDEX, LOCK, DROP INDEX CONCURRENTLY) and no string of theirs can
 * be an ADD VALUE literal.  Each node type stands for grammar productions
 * whose leading keywords are fixed: an INSERT starts with INSERT or WITH,
 * a CreateStmt with CREATE and then TABLE, TEMP, TEMPORARY, LOCAL, GLOBAL
 * or UNLOGGED, an AlterTableStmt (but the one of ALTER TYPE, a composite
 * type's) with ALTER and TABLE, INDEX, VIEW, MATERIALIZED, SEQUENCE or
 * FOREIGN, a RenameStmt (but ALTER TYPE's) with ALTER and the object's
 * kind.  (ALTER TYPE ... ADD VALUE and RENAME VALUE are AlterEnumStmts.)
 * CONCURRENTLY and ATOMIC are looked for in the bytes, not here.
 * Every other statement is scanned.
 */
static bool words_cannot_matter(const PgQuery__Node *n)
{
	switch (n ? n->node_case : PG_QUERY__NODE__NODE__NOT_SET) {
	case PG_QUERY__NODE__NODE_INSERT_STMT:
	case PG_QUERY__NODE__NODE_UPDATE_STMT:
	case PG_QUERY__NODE__NODE_DELETE_STMT:
	case PG_QUERY__NODE__NODE_SELECT_STMT:
	case PG_QUERY__NODE__NODE_CREATE_STMT:
	case PG_QUERY__NODE__NODE_INDEX_STMT:
	case PG_QUERY__NODE__NODE_DROP_STMT:
	case PG_QUERY__NODE__NODE_COMMENT_STMT:
	case PG_QUERY__NODE__NODE_VIEW_STMT:
	case PG_QUERY__NODE__NODE_CREATE_ENUM_STMT:
	case PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT:
	case PG_QUERY__NODE__NODE_CREATE_TRIG_STMT:
	case PG_QUERY__NODE__NODE_CREATE_SEQ_STMT:
	case PG_QUERY__NODE__NODE_ALTER_SEQ_STMT:
	case PG_QUERY__NODE__NODE_VARIABLE_SET_STMT:
	case PG_QUERY__NODE__NODE_GRANT_STMT:
	case PG_QUERY__NODE__NODE_CREATE_EXTENSION_STMT:
	case PG_QUERY__NODE__NODE_CREATE_SCHEMA_STMT:
	case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT:
	case PG_QUERY__NODE__NODE_CREATE_POLICY_STMT:
	case PG_QUERY__NODE__NODE_TRANSACTION_STMT:
	case PG_QUERY__NODE__NODE_TRUNCATE_STMT:
		return true;
	/* ALTER TYPE: a type in schema "add" named "value" is Flyway's ADD VALUE. */
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		return n->alter_table_stmt->objtype != PG_QUERY__OBJECT_TYPE__OBJECT_TYPE;
	case PG_QUERY__NODE__NODE_RENAME_STMT:
		return n->rename_stmt->rename_type != PG_QUERY__OBJECT_TYPE__OBJECT_TYPE &&
		       n->rename_stmt->relation_type != PG_QUERY__OBJECT_TYPE__OBJECT_TYPE;
	default:
		return false;
	}
}

/* Whether p[0, n) holds `lower` (lower-case letters) in any case. */
static bool has_word(const char *p, size_t n, const char *lower)
{
	size_t w = strlen(lower);
	for (size_t i = 0; i + w <= n; i++)
		if (((unsigned char)p[i] | 0x20) == (unsigned char)lower[0] && strncasecmp(p + i, lower, w) == 0)
			return true;
	return false;
}

/*
 * Whether stepping through the tokens of text[a, b), statement `st`'s own,
 * would only mark the statement as begun: no ';' in it before the first
 * wrong cut is known (none cut), no CONCURRENTLY and no ATOMIC anywhere
 * (the bytes are looked at, so a name holding them is scanned too), no
 * string in which to find an ADD VALUE literal of an earlier statement,
 * and words that cannot matter (the loop is at the statement's start: no
 * ';' is open in a BEGIN ATOMIC body).
 */
static bool body_inert(const scanner *sc, const loop *l, const gk_sql_stmt *st, size_t a, size_t b)
{
	const char *p = sc->text + a;
	size_t n = b - a;
	if (l->atomic != 0 || !words_cannot_matter(st->node))
		return false;
	/* A string constant is quoted, or dollar-quoted. */
	if (sc->n_values > 0 && (memchr(p, '\'', n) || memchr(p, '$', n)))
		return false;
	/* A ';' inside a parsed statement is in a string, a comment, a quoted
	 * name or a dollar-quoted body (a BEGIN ATOMIC body is looked for
	 * below): it matters only as the first wrong cut, once. */
	if (sc->out->cut_every.stmt < 0 && memchr(p, ';', n))
		return false;
	return !has_word(p, n, "concurrently") && !has_word(p, n, "atomic");
}

/* Whether the byte before offset `i` ends a token of the whole text's scan
 * there: a blank, a ';' or a comment's end (or `i` is the start). */
static bool boundary_before(const char *text, size_t i)
{
	return i == 0 || strchr(" \t\r\n\f\v;/", text[i - 1]) != NULL;
}

/* Whether offset `i` starts something that no token before it runs into:
 * a blank, a ';', a comment's start, or the end of the text. */
static bool boundary_at(const char *text, size_t len, size_t i)
{
	return i >= len || strchr(" \t\r\n\f\v;-/", text[i]) != NULL;
}

/*
 * The text between two statements (or before the first, after the last),
 * text[a, b): blanks, comments and the ';' that end statements.  Blanks
 * and comments without a ';' change nothing (a comment matters only for
 * the ';' it holds), so a gap of those alone, or of those after one ';' at
 * its start (the one that ends the statement before it), is settled here.
 * Anything else is scanned.
 */
static bool gap(scanner *sc, loop *l, size_t a, size_t b)
{
	const char *p = sc->text + a;
	size_t n = b - a;
	const char *semi = memchr(p, ';', n);
	if (!semi && gk_sql_skip_blanks(sc->text, a, b) == b)
		return true;
	if (semi == p && !memchr(p + 1, ';', n - 1) && gk_sql_skip_blanks(sc->text, a + 1, b) == b) {
		PgQuery__ScanToken t = PG_QUERY__SCAN_TOKEN__INIT;
		t.start = (int32_t)a;
		t.end = (int32_t)a + 1;
		t.token = PG_QUERY__TOKEN__ASCII_59;
		step(sc, l, &t);
		return true;
	}
	return scan_region(sc, l, a, b);
}

/*
 * The fast way: statement by statement from the parse, scanning only what
 * can change the answer.  False when it cannot be used for this text (the
 * caller then scans it whole; nothing is kept of the attempt).
 */
static bool scan_parsed(gk_runner_sql *out, const char *text, size_t len, int pg_version, const gk_sql *parsed,
			size_t *scanned)
{
	if (!parsed || parsed->n_errors > 0 || len > INT32_MAX)
		return false;
	scanner sc = {.out = out, .text = text, .pg_version = pg_version ? pg_version : GK_PG_DEFAULT_VERSION};
	loop l = {0};
	size_t at = 0;
	bool ok = true;
	for (size_t i = 0; ok && i < parsed->n_stmts; i++) {
		const gk_sql_stmt *st = &parsed->stmts[i];
		ok = st->start >= at && st->end >= st->start && st->end <= len && boundary_before(text, st->start) &&
		     boundary_at(text, len, st->end) && gap(&sc, &l, at, st->start);
		if (!ok)
			break;
		if (body_inert(&sc, &l, st, st->start, st->end)) {
			sc.cur.any = true; /* what its tokens would have done */
			l.prev = 0;
		} else {
			ok = scan_region(&sc, &l, st->start, st->end);
		}
		at = st->end;
	}
	ok = ok && gap(&sc, &l, at, len);
	*scanned = sc.scanned;
	if (!ok) {
		free(sc.values);
		return false;
	}
	scan_finish(&sc);
	return true;
}

size_t gk__runner_scan_parsed(gk_runner_sql *out, const char *text, size_t len, int pg_version, const gk_sql *parsed)
{
	size_t scanned = 0;
	scan_init(out);
	if (text && scan_parsed(out, text, len, pg_version, parsed, &scanned))
		return scanned;
	gk_runner_scan(out, text, len, pg_version);
	return len;
}

void gk_runner_scan_parsed(gk_runner_sql *out, const char *text, size_t len, int pg_version, const gk_sql *parsed)
{
	(void)gk__runner_scan_parsed(out, text, len, pg_version, parsed);
}
