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
#include <stdlib.h>
#include <string.h>

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

/* Flyway's regexes, against the words seen so far (called after each word). */
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

void gk_runner_scan(gk_runner_sql *out, const char *text, size_t len, int pg_version)
{
	*out = (gk_runner_sql){.first_no_tx = -1, .first_tx = -1, .prisma_unsplittable = -1,
			       .cut_every = {.stmt = -1}};
	char *copy = gk_strndup(text ? text : "", text ? len : 0);
	if (!copy)
		return;
	PgQueryScanResult sr = pg_query_scan(copy);
	gk_scan_tokens it;
	gk_scan_tokens_init(&it, &sr);
	scanner sc = {.out = out, .text = copy, .pg_version = pg_version ? pg_version : GK_PG_DEFAULT_VERSION};
	int parens = 0, atomic = 0;
	int prev = 0;
	PgQuery__ScanToken tok;
	while (gk_scan_tokens_next(&it, &tok)) {
		const PgQuery__ScanToken *t = &tok;
		cut_in_token(&sc, t, atomic > 0);
		if (t->token == PG_QUERY__TOKEN__SQL_COMMENT || t->token == PG_QUERY__TOKEN__C_COMMENT)
			continue;
		/* BEGIN ATOMIC ... END (SQL-standard function bodies) holds ';' of its own;
		 * CASE ... END inside it nests, as in Flyway's PostgreSQLParser.adjustBlockDepth. */
		if (t->token == PG_QUERY__TOKEN__ATOMIC && prev == PG_QUERY__TOKEN__BEGIN_P)
			atomic++;
		else if (atomic && t->token == PG_QUERY__TOKEN__CASE)
			atomic++;
		else if (atomic && t->token == PG_QUERY__TOKEN__END_P)
			atomic--;
		prev = t->token;
		if (t->token == PG_QUERY__TOKEN__ASCII_40)
			parens++;
		else if (t->token == PG_QUERY__TOKEN__ASCII_41 && parens > 0)
			parens--;
		if (t->token == PG_QUERY__TOKEN__ASCII_59 && !atomic) {
			end_statement(&sc);
			parens = 0;
			continue;
		}
		token(&sc, t, parens);
	}
	end_statement(&sc);
	if (out->n_stmts < 2)
		out->concurrently_beside = false;
	pg_query_free_scan_result(sr);
	free(sc.values);
	free(copy);
}
