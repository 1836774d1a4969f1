/*
 * replay.c - apply migrations to a shadow server with their runner's
 * transaction semantics, and tell the migration's failures from the
 * environment's.
 *
 * Why the runner matters: PostgreSQL decides "inside a transaction block"
 * from how the statements arrive.  Prisma before 7.4 sends a file as one
 * simple query, so two statements form an implicit transaction and CREATE
 * INDEX CONCURRENTLY fails (25001) although it would succeed alone; Flyway
 * and dbmate wrap each file in BEGIN/COMMIT, so a failure anywhere rolls
 * the whole file back; Prisma 7.4+ sends each statement on its own, so a
 * failure at statement k leaves 1..k-1 committed.  Replaying any other way
 * would pass migrations that fail in production, or the reverse.
 *
 * Environment failures: a shadow built from the migrations alone lacks what
 * production got from elsewhere (an extension's files, roles, schemas made
 * by hand).  Those are reported as GK_REPLAY_ENVIRONMENT with the missing
 * piece named, so that the user fixes the shadow (an init script) rather
 * than the migration.  A shadow older than the server the migration was
 * written for is the environment too, but the server cannot tell "newer
 * syntax" from "wrong syntax": only the errors in newer_syntax_list[]
 * (each a construct a named newer major accepts) are read that way, and only
 * when the shadow is older than that major; every other syntax error stays
 * the migration's fault.
 */
#include "replay/replay_internal.h"
#include "util/interrupt.h"
#include "util/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Quiet control statements of the runner model (BEGIN, COMMIT, ROLLBACK). */
static bool control(PGconn *c, const char *q)
{
	PGresult *res = PQexec(c, q);
	bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	return ok;
}

/* ---- environment or migration? -------------------------------------------- */

/* The first "quoted" name in `msg`, malloc'ed; NULL when none. */
static char *quoted(const char *msg)
{
	const char *a = msg ? strchr(msg, '"') : NULL;
	const char *b = a ? strchr(a + 1, '"') : NULL;
	return b ? gk_strndup(a + 1, (size_t)(b - a - 1)) : NULL;
}

/* Name of the extension from ".../name.control" in a PG <= 15 message. */
static char *control_file_name(const char *msg)
{
	const char *end = msg ? strstr(msg, ".control\"") : NULL;
	if (!end)
		return NULL;
	const char *s = end;
	while (s > msg && s[-1] != '/' && s[-1] != '"')
		s--;
	return gk_strndup(s, (size_t)(end - s));
}

/* PG <= 15: 58P01 "could not open extension control file ".../x.control"";
 * PG >= 16: 0A000 "extension "x" is not available".  A missing shared
 * library ("$libdir/x") is the extension's files lacking too. */
static char *missing_extension(const gk_replay_result *r)
{
	char *name = NULL;
	if (!strcmp(r->sqlstate, "58P01") && (name = control_file_name(r->message)))
		return name;
	if (!strcmp(r->sqlstate, "0A000") && strstr(r->message, "is not available") &&
	    !strncmp(r->message, "extension \"", 11))
		return quoted(r->message);
	if (!strcmp(r->sqlstate, "58P01") && strstr(r->message, "\"$libdir/"))
		return gk_strdup(strstr(r->message, "\"$libdir/") + 9);
	return NULL;
}

/* The migration being applied (m[0]) and the ones after it, and the
 * shadow's extension allow-list (see extensions.c). */
typedef struct replay_rest {
	const gk_replay_migration *m;
	size_t n;
	char *const *allowed;
	size_t n_allowed;
} replay_rest;

/* 42501 "permission denied to create extension "x"": one that needs a
 * superuser, and is not on the allow-list (those go through the door). */
static char *forbidden_extension(const gk_replay_result *r)
{
	static const char prefix[] = "permission denied to create extension \"";
	if (strcmp(r->sqlstate, "42501") || strncmp(r->message, prefix, sizeof prefix - 1))
		return NULL;
	char *name = quoted(r->message);
	char *what = name ? gk_asprintf("extension %s (it needs a superuser: name it under shadow_extensions in "
					"gatekeeper.yml to have gatekeeper create it)", name)
			  : NULL;
	free(name);
	return what;
}

static bool in_list(char *const *list, size_t n, const char *name)
{
	for (size_t k = 0; k < n; k++)
		if (!strcmp(list[k], name))
			return true;
	return false;
}

/* Does any of m[0..n) create schema (or, with `function`, the function or
 * aggregate) `name`?  Then the migrations are at fault, not the
 * environment: out of order, or a call of their own function that failed
 * (its creation rolled back with the failure). */
static int created_by(const gk_replay_migration *m, size_t n, bool function, const char *name,
		      bool *found)
{
	*found = false;
	for (size_t i = 0; i < n && !*found; i++) {
		char *text = gk_strndup(m[i].sql, m[i].len);
		gk_replay_split sp;
		if (!text || gk_replay_split_sql(&sp, text, m[i].len) != 0) {
			free(text);
			return GK_ENOMEM;
		}
		*found = function ? in_list(sp.functions, sp.n_functions, name)
				  : in_list(sp.schemas, sp.n_schemas, name);
		gk_replay_split_free(&sp);
		free(text);
	}
	return 0;
}

static char *with_kind(const char *kind, char *name)
{
	char *s = name ? gk_asprintf("%s %s", kind, name) : NULL;
	free(name);
	return s;
}

/* ---- a newer server's syntax ---------------------------------------------- */

/*
 * How an error of an older server is recognised as a construct a newer one
 * accepts.  Kept to signatures that cannot be an ordinary mistake: an exact
 * message, a keyword that the older grammar has no place for right after
 * the words that introduce it, a numeric literal the newer scanner reads
 * whole, or a built-in function of which the older server has no function
 * of that name at all.
 */
enum newer_match {
	NEWER_MESSAGE,   /* the primary message is `text` */
	NEWER_NEAR,      /* 42601 syntax error at or near "<text>", right after `before` */
	NEWER_NUMBER,    /* 42601 trailing junk after a literal the newer scanner reads */
	NEWER_FUNCTION,  /* 42883 function <text>(...) does not exist */
};

typedef struct newer_syntax {
	int major;              /* the first PostgreSQL major that accepts it */
	enum newer_match match;
	const char *text;
	const char *before;     /* NEWER_NEAR: the words before the token, alternatives split
				 * by '|'; "()" stands for one parenthesised group */
	const char *what;       /* named in `missing` */
} newer_syntax;

/*
 * The one list.  Every entry is tested against the PostgreSQL 15 server of
 * the test suite (replay_test.c, test_newer_server_*).  Left out because an
 * older server's error does not single them out: JSON_TABLE (17; 15 stops
 * at COLUMNS, after an arbitrary expression), MERGE ... RETURNING (17; at
 * RETURNING, after an arbitrary action) and SYSTEM_USER (16; 15 reads it as
 * a column, 42703 like any misspelt name).
 */
static const newer_syntax newer_syntax_list[] = {
	/* 16 made the alias of a FROM subquery optional (gram.y lost the check
	 * that raised these two messages). */
	{16, NEWER_MESSAGE, "subquery in FROM must have an alias", NULL,
	 "subquery in FROM without an alias"},
	{16, NEWER_MESSAGE, "VALUES in FROM must have an alias", NULL,
	 "VALUES in FROM without an alias"},
	/* 16's scanner reads 0x1F, 0o17, 0b101 and 1_000_000; 15 calls them
	 * trailing junk after the leading digits. */
	{16, NEWER_NUMBER, NULL, NULL, "non-decimal integer literal or digit separator"},
	/* 16 added the SQL/JSON predicate `x IS [NOT] JSON [OBJECT|ARRAY|...]`;
	 * before it JSON was no keyword and nothing may follow IS as a name. */
	{16, NEWER_NEAR, "JSON", "IS|IS NOT", "IS JSON predicate"},
	/* Built-in functions added in 16: any_value (SQL:2023 aggregate),
	 * random_normal, array_sample, array_shuffle; and the SQL/JSON
	 * constructors JSON_ARRAY(...) and JSON_ARRAYAGG(...), grammar in 16,
	 * which 15 parses as calls of functions it does not have. */
	{16, NEWER_FUNCTION, "any_value", NULL, NULL},
	{16, NEWER_FUNCTION, "random_normal", NULL, NULL},
	{16, NEWER_FUNCTION, "array_sample", NULL, NULL},
	{16, NEWER_FUNCTION, "array_shuffle", NULL, NULL},
	{16, NEWER_FUNCTION, "json_array", NULL, NULL},
	{16, NEWER_FUNCTION, "json_arrayagg", NULL, NULL},
	/* 17 added MERGE ... WHEN NOT MATCHED BY SOURCE / BY TARGET. */
	{17, NEWER_NEAR, "BY", "WHEN NOT MATCHED", "MERGE WHEN NOT MATCHED BY"},
	/* Built-in functions added in 17. */
	{17, NEWER_FUNCTION, "uuid_extract_timestamp", NULL, NULL},
	{17, NEWER_FUNCTION, "uuid_extract_version", NULL, NULL},
	/* 18 added virtual generated columns: GENERATED ALWAYS AS (...) VIRTUAL. */
	{18, NEWER_NEAR, "VIRTUAL", "GENERATED ALWAYS AS ()", "virtual generated column"},
	/* 18 added NOT ENFORCED for CHECK and foreign key constraints (18 still
	 * refuses it on UNIQUE and PRIMARY KEY, with another error; an older
	 * server cannot tell those apart, and such a file targets 18 anyway). */
	{18, NEWER_NEAR, "ENFORCED", "NOT", "NOT ENFORCED constraint"},
	/* Built-in functions added in 18 (uuidv4 is an alias of
	 * gen_random_uuid). */
	{18, NEWER_FUNCTION, "uuidv7", NULL, NULL},
	{18, NEWER_FUNCTION, "uuidv4", NULL, NULL},
};

static bool word_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_' || ch == '$' || (unsigned char)ch >= 0x80;
}

/* Step back from `*end` in s over blanks and the token tok[0..n): a word
 * (compared without case), "()" (one parenthesised group) or punctuation.
 * False, *end unchanged, when the text there is something else. */
static bool back_over(const char *s, size_t *end, const char *tok, size_t n)
{
	size_t i = *end;
	while (i > 0 && isspace((unsigned char)s[i - 1]))
		i--;
	if (n == 2 && !memcmp(tok, "()", 2)) {
		for (int depth = 0; i > 0;) {
			char ch = s[--i];
			if (depth == 0 && ch != ')')
				return false;
			depth += ch == ')' ? 1 : ch == '(' ? -1 : 0;
			if (depth == 0) {
				*end = i;
				return true;
			}
		}
		return false;
	}
	if (i < n || strncasecmp(s + i - n, tok, n) != 0)
		return false;
	if (word_char(tok[0]) && i > n && word_char(s[i - n - 1]))
		return false;  /* "XIS" is not "IS" */
	*end = i - n;
	return true;
}

/* Whether the words of seq[0..n) ("WHEN NOT MATCHED") end right before `at`. */
static bool preceded_by(const char *s, size_t at, const char *seq, size_t n)
{
	while (n > 0) {
		size_t b = n;
		while (b > 0 && seq[b - 1] != ' ')
			b--;
		if (!back_over(s, &at, seq + b, n - b))
			return false;
		n = b ? b - 1 : 0;
	}
	return true;
}

/* NEWER_NEAR: the server's token is e->text, the file has it at the error
 * position, and one of the alternatives of e->before comes right before. */
static bool near_matches(const newer_syntax *e, const gk_replay_result *r,
			 const gk_replay_migration *m)
{
	static const char prefix[] = "syntax error at or near \"";
	size_t n = strlen(e->text), p = sizeof prefix - 1;
	const char *msg = r->message;
	if (strcmp(r->sqlstate, "42601") || strncmp(msg, prefix, p) ||
	    strncasecmp(msg + p, e->text, n) || strcmp(msg + p + n, "\""))
		return false;
	size_t at = (size_t)r->error_offset;
	if (r->error_offset < 0 || at + n > m->len || strncasecmp(m->sql + at, e->text, n))
		return false;
	for (const char *alt = e->before; alt;) {
		const char *bar = strchr(alt, '|');
		size_t len = bar ? (size_t)(bar - alt) : strlen(alt);
		if (preceded_by(m->sql, at, alt, len))
			return true;
		alt = bar ? bar + 1 : NULL;
	}
	return false;
}

/* Does PostgreSQL 16's scanner read `tok` whole as an integer?  scan.l:
 * decinteger {decdigit}(_?{decdigit})*, hexinteger 0[xX](_?{hexdigit})+,
 * and the same for 0o (octal) and 0b (binary). */
static bool pg16_integer(const char *tok)
{
	const char *digits = "0123456789", *p = tok;
	bool radix = p[0] == '0' && p[1] && strchr("xXoObB", p[1]);
	if (radix) {
		char k = (char)tolower((unsigned char)p[1]);
		digits = k == 'x' ? "0123456789abcdefABCDEF" : k == 'o' ? "01234567" : "01";
		p += 2;
	}
	bool separator = false;
	size_t groups = 0;
	while (*p) {
		if (*p == '_' && (radix || groups > 0)) {
			separator = true;
			p++;
		}
		if (!*p || !strchr(digits, *p))
			return false;
		while (*p && strchr(digits, *p))
			p++;
		groups++;
	}
	/* Plain decimal digits are no junk for 15 either: not this signature. */
	return groups > 0 && (radix || separator);
}

static bool number_matches(const gk_replay_result *r)
{
	static const char prefix[] = "trailing junk after numeric literal at or near \"";
	if (strcmp(r->sqlstate, "42601") || strncmp(r->message, prefix, sizeof prefix - 1))
		return false;
	char *tok = quoted(r->message);
	bool yes = tok && pg16_integer(tok);
	free(tok);
	return yes;
}

/* The function name of 42883 "function name(args) does not exist" when it
 * is unqualified or pg_catalog's (malloc'ed), else NULL. */
static char *undefined_function(const gk_replay_result *r)
{
	if (strcmp(r->sqlstate, "42883") || strncmp(r->message, "function ", 9))
		return NULL;
	const char *name = r->message + 9, *paren = strchr(name, '(');
	if (!paren)
		return NULL;
	if (!strncmp(name, "pg_catalog.", 11))
		name += 11;
	if (memchr(name, '.', (size_t)(paren - name)) || memchr(name, '"', (size_t)(paren - name)))
		return NULL;
	return gk_strndup(name, (size_t)(paren - name));
}

/* Whether the server has no function called `name` at all: then the call
 * cannot be a wrong argument list of an existing one (a user's own
 * any_value aggregate, say).  False when that cannot be read. */
static bool no_function_named(PGconn *c, const char *name)
{
	if (PQtransactionStatus(c) != PQTRANS_IDLE)
		return false;
	const char *params[1] = {name};
	PGresult *res = PQexecParams(c, "SELECT 1 FROM pg_catalog.pg_proc WHERE proname = $1",
				     1, NULL, params, NULL, NULL, 0);
	bool none = res && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 0;
	PQclear(res);
	return none;
}

/* Whether entry `e` describes the failure `r` (`fn`: its undefined function). */
static bool newer_matches(const newer_syntax *e, const gk_replay_migration *m,
			  const gk_replay_result *r, const char *fn)
{
	switch (e->match) {
	case NEWER_MESSAGE: return !strcmp(r->message, e->text);
	case NEWER_NEAR: return near_matches(e, r, m);
	case NEWER_NUMBER: return number_matches(r);
	case NEWER_FUNCTION: return fn && !strcmp(fn, e->text);
	}
	return false;
}

/* A built-in of a newer major, not one of the user's: the server has no
 * function of that name, and the migrations do not make one. */
static int builtin_missing(PGconn *c, const replay_rest *rest, const char *fn, bool *yes)
{
	*yes = false;
	if (!no_function_named(c, fn))
		return 0;
	bool made = false;
	int rc = created_by(rest->m, rest->n, true, fn, &made);
	*yes = rc == 0 && !made;
	return rc;
}

/* The entry of newer_syntax_list that explains `r` on this (older) server,
 * or NULL. */
static const newer_syntax *newer_entry(PGconn *c, const replay_rest *rest,
				       const gk_replay_result *r, const char *fn)
{
	int version = PQserverVersion(c);
	for (size_t i = 0; i < sizeof newer_syntax_list / sizeof *newer_syntax_list; i++) {
		const newer_syntax *e = &newer_syntax_list[i];
		/* A server that accepts the construct failed for another reason. */
		if (version > 0 && version < e->major * 10000 && newer_matches(e, rest->m, r, fn))
			return e;
	}
	return NULL;
}

/* *what = "PostgreSQL 16 or newer (subquery in FROM without an alias)" when
 * the failure is a newer server's construct and the shadow is older, else
 * NULL.  0 or GK_ENOMEM. */
static int newer_server(PGconn *c, const replay_rest *rest, const gk_replay_result *r,
			char **what)
{
	*what = NULL;
	char *fn = undefined_function(r);
	const newer_syntax *e = newer_entry(c, rest, r, fn);
	bool function = e && e->match == NEWER_FUNCTION, yes = e != NULL;
	int rc = function ? builtin_missing(c, rest, fn, &yes) : 0;
	if (yes && function)
		*what = gk_asprintf("PostgreSQL %d or newer (function %s)", e->major, e->text);
	else if (yes)
		*what = gk_asprintf("PostgreSQL %d or newer (%s)", e->major, e->what);
	free(fn);
	return rc == 0 && yes && !*what ? GK_ENOMEM : rc;
}

/* ---- classification ----------------------------------------------------------- */

/* Decide whether a failure is the environment's; sets status and missing. */
static int classify(PGconn *c, const replay_rest *rest, gk_replay_result *r)
{
	if (!r->message)
		return 0;
	char *what = with_kind("extension", missing_extension(r));
	if (!what)
		what = forbidden_extension(r);
	/* The shadow's role may not create roles (CREATEROLE could grant
	 * itself pg_execute_server_program before PostgreSQL 16): production's
	 * roles come from the init file, which runs as the superuser. */
	if (!what && !strcmp(r->sqlstate, "42501") && !strcmp(r->message, "permission denied to create role"))
		what = gk_strdup("the power to create roles (make them in the --shadow-init file, which runs as "
				 "the superuser)");
	/* ALTER TABLE ... DISABLE TRIGGER ALL on a table with foreign keys. */
	if (!what && !strcmp(r->sqlstate, "42501") && !strncmp(r->message, "permission denied: \"", 20) &&
	    strstr(r->message, "\" is a system trigger"))
		what = gk_strdup("a superuser's power to disable a foreign key's triggers (DISABLE TRIGGER ALL; "
				 "DISABLE TRIGGER USER needs none)");
	/* 42704 from GRANT / OWNER TO, 22023 from SET ROLE (a setting's check). */
	if (!what && (!strcmp(r->sqlstate, "42704") || !strcmp(r->sqlstate, "22023")) &&
	    !strncmp(r->message, "role \"", 6) && strstr(r->message, "does not exist"))
		what = with_kind("role", quoted(r->message));
	if (!what && !strcmp(r->sqlstate, "3F000") && !strncmp(r->message, "schema \"", 8)) {
		char *name = quoted(r->message);
		bool found = false;
		if (name && created_by(rest->m + 1, rest->n - 1, false, name, &found) != 0) {
			free(name);
			return GK_ENOMEM;
		}
		if (found)
			free(name);
		else
			what = with_kind("schema", name);
	}
	if (!what && newer_server(c, rest, r, &what) != 0)
		return GK_ENOMEM;
	if (what) {
		r->status = GK_REPLAY_ENVIRONMENT;
		r->missing = what;
	}
	return 0;
}

/* ---- runner models ------------------------------------------------------ */

/*
 * Leave no transaction open after the migration, whatever the file did:
 * the runner's connection ends with the deploy, which rolls back what is
 * open.  A failure inside the file's own BEGIN (not the per-file runner's
 * wrapper, which the runner rolls back itself) left the runner's session
 * aborted until then: said in r->aborted_session.
 */
static void settle(PGconn *c, const gk_replay_migration *m, gk_replay_result *r)
{
	PGTransactionStatusType ts = PQtransactionStatus(c);
	if (r->status != GK_REPLAY_OK && ts == PQTRANS_INERROR && m->runner != GK_RUNNER_PER_FILE)
		r->aborted_session = true;
	if (ts != PQTRANS_IDLE)
		control(c, "ROLLBACK");
}

static void apply_plain(PGconn *c, const gk_replay_migration *m, const char *text,
			gk_replay_result *r)
{
	if (m->runner == GK_RUNNER_PER_FILE && !control(c, "BEGIN")) {
		gk_replay_outcome(c, NULL, "", 0, r);  /* libpq's message */
		return;
	}
	bool ok = gk_replay_send(c, text, 0, r);
	if (ok && m->runner == GK_RUNNER_PER_FILE && !gk_replay_send(c, "COMMIT", 0, r)) {
		ok = false;
		r->error_offset = -1;  /* e.g. a deferred constraint: no place in the file */
	}
	if (ok)
		r->status = GK_REPLAY_OK;
	settle(c, m, r);
}

/*
 * SPLIT: each statement its own simple query on the session, in order,
 * stopping at the first error.  Between two statements the session is as
 * the file left it: autocommit, or inside the file's own BEGIN.  A file the
 * front end cannot split goes as one query, as a runner whose splitter
 * fails falls back to (Prisma), and its statements cannot be told apart.
 */
static int apply_split(PGconn *c, const gk_replay_migration *m, const char *text, int watch,
		       gk_replay_result *r)
{
	gk_replay_split sp;
	int rc = gk_replay_split_sql(&sp, text, m->len);
	if (rc != 0)
		return rc;
	if (!sp.parsed) {
		gk_replay_split_free(&sp);
		apply_plain(c, m, text, r);
		return 0;
	}
	r->n_statements = (int)sp.n;
	bool ok = true;
	for (size_t i = 0; ok && i < sp.n; i++) {
		const gk_replay_stmt *s = &sp.stmts[i];
		if (gk_watch_expired(watch) || gk_interrupted()) {
			gk_replay_stopped_at(r, s);
			ok = false;
		} else {
			char *q = gk_strndup(text + s->start, s->end - s->start);
			if (!q) {
				rc = GK_ENOMEM;
				break;
			}
			ok = gk_replay_send(c, q, s->start, r);
			free(q);
		}
		if (ok && PQtransactionStatus(c) == PQTRANS_IDLE)
			r->committed_statements = (int)i + 1;
		if (!ok) {
			r->failed_statement = (int)i + 1;
			gk_replay_point_at(r, text, s);
		}
	}
	if (ok && rc == 0)
		r->status = GK_REPLAY_OK;
	settle(c, m, r);
	gk_replay_split_free(&sp);
	return rc;
}

/*
 * A naive splitter's pieces (gk_runner_pieces), each its own simple query
 * as the tool sends it, stopping at the first error: a piece that is half
 * a statement fails as it does in production (an unterminated string or
 * body, a syntax error at its first word), after the pieces before it
 * committed.  A piece of only a comment is an empty query, as there.
 */
static int apply_pieces(PGconn *c, const gk_replay_migration *m, const char *text, int watch,
			gk_replay_result *r)
{
	gk_runner_piece *p = NULL;
	size_t n = 0;
	if (gk_runner_pieces(&p, &n, m->splitter, text, m->len) != 0)
		return GK_ENOMEM;
	r->pieces = m->splitter;
	r->n_statements = (int)n;
	bool ok = true;
	int rc = 0;
	for (size_t i = 0; ok && i < n; i++) {
		gk_replay_stmt s = {.start = p[i].start, .end = p[i].end};
		if (gk_watch_expired(watch) || gk_interrupted()) {
			gk_replay_stopped_at(r, &s);
			ok = false;
		} else {
			char *q = gk_strndup(text + s.start, s.end - s.start);
			if (!q) {
				rc = GK_ENOMEM;
				break;
			}
			ok = gk_replay_send(c, q, s.start, r);
			free(q);
		}
		if (ok && PQtransactionStatus(c) == PQTRANS_IDLE)
			r->committed_statements = (int)i + 1;
		if (!ok) {
			r->failed_statement = (int)i + 1;
			r->piece_start = s.start;
			r->piece_end = s.end;
			gk_replay_point_at(r, text, &s);
		}
	}
	if (ok && rc == 0)
		r->status = GK_REPLAY_OK;
	settle(c, m, r);
	free(p);
	return rc;
}

/* Whether `m` goes as a naive splitter's pieces that are not its
 * statements: a ';' inside a string, comment, quoted name or body is cut. */
static bool cut_wrong(const gk_replay_migration *m, const char *text)
{
	if (m->runner != GK_RUNNER_SPLIT || m->splitter == GK_SPLITTER_SQL)
		return false;
	gk_runner_sql sql;
	gk_runner_scan(&sql, text, m->len, 0);
	return sql.cut_every.stmt >= 0;
}

/* ---- stopped from outside ------------------------------------------------ */

/* The one statement of a file run whole, where a timeout points (-1 when
 * the file holds several: the server does not say which one ran). */
static int only_statement(const char *text, size_t len, long *offset)
{
	gk_replay_split sp;
	if (gk_replay_split_sql(&sp, text, len) != 0)
		return GK_ENOMEM;
	if (sp.parsed && sp.n == 1) {
		size_t at = sp.stmts[0].start;
		while (at < sp.stmts[0].end && strchr(" \t\r\n", text[at]))
			at++;
		*offset = (long)at;
	}
	gk_replay_split_free(&sp);
	return 0;
}

static int replace_message(gk_replay_result *r, char *msg)
{
	if (!msg)
		return GK_ENOMEM;
	free(r->message);
	free(r->detail);
	free(r->hint);
	r->detail = r->hint = NULL;
	r->message = msg;
	return 0;
}

/*
 * A migration stopped from outside did not fail by itself: its time limit
 * ran out (GK_REPLAY_TIMEOUT, at the statement that was running), or the
 * run was interrupted or the server went away (GK_REPLAY_INTERRUPTED,
 * which no finding blames on the migration).  57014 is what a cancel
 * gives; a migration's own statement_timeout gives it too, but then our
 * limit has not run out and the run is not interrupted.
 */
static int cut_off(PGconn *c, const gk_replay_migration *m, const char *text, bool expired, gk_replay_result *r)
{
	bool cancelled = !strcmp(r->sqlstate, "57014"), lost = PQstatus(c) != CONNECTION_OK;
	if (!cancelled && !lost)
		return 0;
	if (expired) {
		char limit[32];
		gk_format_duration(limit, sizeof limit, m->timeout_s);
		r->status = GK_REPLAY_TIMEOUT;
		if (r->error_offset < 0 && only_statement(text, m->len, &r->error_offset) != 0)
			return GK_ENOMEM;
		return replace_message(r, gk_asprintf("did not finish within %s; cancelled", limit));
	}
	char why[128];
	gk_interrupt_describe(why, sizeof why);
	if (!why[0] && !lost)
		return 0;
	r->status = GK_REPLAY_INTERRUPTED;
	r->error_offset = -1;
	if (why[0])
		return replace_message(r, gk_asprintf("not finished: %s while it ran", why));
	char *was = r->message;
	r->message = NULL;
	int rc = replace_message(r, gk_asprintf("not finished: the shadow server went away while it ran (%s)",
						was ? was : "connection lost"));
	free(was);
	return rc;
}

/* What is sent for `m`: its text with allow-listed CREATE EXTENSION
 * statements through the door (`ed` says where). */
static int text_to_send(const replay_rest *rest, gk_replay_migration *sent, char **text, gk_replay_edits *ed)
{
	const gk_replay_migration *m = rest->m;
	*sent = *m;
	if (!(*text = gk_strndup(m->sql, m->len)))
		return GK_ENOMEM;
	char *edited = NULL;
	size_t len = 0;
	int rc = gk_replay_rewrite_extensions(*text, m->len, rest->allowed, rest->n_allowed, &edited, &len, ed);
	if (rc == 0 && edited) {
		free(*text);
		*text = edited;
		sent->sql = edited;
		sent->len = len;
	}
	return rc;
}

/* Offsets into what was sent as offsets into the file. */
static void map_back(const gk_replay_edits *ed, gk_replay_result *r)
{
	if (ed->n == 0)
		return;
	r->error_offset = gk_replay_edits_map(ed, r->error_offset);
	if (r->piece_end > r->piece_start) {
		r->piece_start = (size_t)gk_replay_edits_map(ed, (long)r->piece_start);
		r->piece_end = (size_t)gk_replay_edits_map(ed, (long)r->piece_end);
	}
	for (size_t k = 0; k < r->n_locks; k++)
		r->locks[k].offset = (size_t)gk_replay_edits_map(ed, (long)r->locks[k].offset);
}

static int apply_one(PGconn *c, const replay_rest *rest, gk_replay_result *r)
{
	const gk_replay_migration *m = rest->m;
	gk_replay_migration sent;
	gk_replay_edits ed = {0};
	char *text = NULL;
	int rc = text_to_send(rest, &sent, &text, &ed);
	if (rc) {
		free(text);
		return rc;
	}
	/* Only a file that commits part of itself can leave something behind
	 * when it fails: one sent statement by statement, or one with a COMMIT
	 * of its own.  The others cost no catalog read. */
	gk_replay_mark mark = {0};
	if ((m->runner != GK_RUNNER_WHOLE && m->runner != GK_RUNNER_PER_FILE) || strcasestr(text, "commit"))
		gk_replay_mark_take(c, &mark);
	double t0 = gk_now();
	int watch = gk_watch_begin(c, m->timeout_s);
	/* A file the front end cannot split is run whole, untraced; one a naive
	 * splitter cuts is sent as its pieces, untraced when they are not its
	 * statements (the trace runs statements). */
	bool naive = m->runner == GK_RUNNER_SPLIT && m->splitter != GK_SPLITTER_SQL;
	rc = m->trace && !cut_wrong(&sent, text) ? gk_replay_trace(c, &sent, text, watch, r) : 1;
	r->traced = rc != 1;
	if (rc == 1 && naive)
		rc = apply_pieces(c, &sent, text, watch, r);
	else if (rc == 1 && m->runner != GK_RUNNER_WHOLE && m->runner != GK_RUNNER_PER_FILE)
		rc = apply_split(c, &sent, text, watch, r);
	else if (rc == 1) {
		rc = 0;
		apply_plain(c, &sent, text, r);
	}
	bool expired = gk_watch_expired(watch);
	gk_watch_end(watch);
	r->duration_ms = (gk_now() - t0) * 1000.0;
	if (rc == 0 && r->status == GK_REPLAY_FAILED)
		rc = cut_off(c, &sent, text, expired, r);
	map_back(&ed, r);
	free(ed.v);
	free(text);
	if (rc == 0 && r->status == GK_REPLAY_FAILED && PQstatus(c) == CONNECTION_OK)
		rc = classify(c, rest, r);
	/* What the statements before the failure left committed: the state
	 * production would be left in. */
	bool stopped = r->status == GK_REPLAY_FAILED || r->status == GK_REPLAY_ENVIRONMENT ||
		       r->status == GK_REPLAY_TIMEOUT;
	if (rc == 0 && stopped && PQstatus(c) == CONNECTION_OK && !gk_interrupted())
		rc = gk_replay_leftover(c, &mark, r);
	return rc;
}

static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static PGconn *connect_shadow(const char *conninfo, gk_error *err)
{
	PGconn *c = PQconnectdb(conninfo);
	if (!c || PQstatus(c) != CONNECTION_OK) {
		gk_error_set(err, GK_EINFRA, "replay: cannot connect to the shadow server: %s",
			     c ? PQerrorMessage(c) : "out of memory");
		PQfinish(c);
		return NULL;
	}
	/* The server counts error positions in characters: make them UTF-8's. */
	PQsetClientEncoding(c, "UTF8");
	PQsetNoticeProcessor(c, quiet_notices, NULL);
	return c;
}

/* A migration with a conninfo of its own (the init file, as the
 * superuser) in a session of its own, as written.  0 for the others. */
static int apply_own_session(const replay_rest *rest, gk_replay_result *r, gk_error *err)
{
	const gk_replay_migration *m = rest->m;
	if (!m->conninfo)
		return 0;
	PGconn *own = connect_shadow(m->conninfo, err);
	if (!own) {
		r->status = GK_REPLAY_FAILED;
		r->message = gk_strdup("cannot connect to the shadow server");
		return GK_EINFRA;
	}
	replay_rest plain = {rest->m, rest->n, NULL, 0};
	int rc = apply_one(own, &plain, r);
	if (rc == 0 && PQstatus(own) != CONNECTION_OK)
		rc = gk_error_set(err, GK_EINFRA, "replay: the shadow server went away during %s: %s",
				  m->path ? m->path : "a migration", r->message ? r->message : "connection lost");
	PQfinish(own);
	return rc;
}

int gk_replay_run(gk_replay_result *out, const char *conninfo, const gk_replay_migration *m,
		  size_t n, gk_error *err)
{
	return gk_replay_run_progress(out, conninfo, m, n, NULL, NULL, err);
}

int gk_replay_run_progress(gk_replay_result *out, const char *conninfo, const gk_replay_migration *m,
			   size_t n, gk_replay_progress_fn progress, void *ctx, gk_error *err)
{
	for (size_t i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof out[i]);
		out[i].status = GK_REPLAY_SKIPPED;
		out[i].error_offset = -1;
	}
	PGconn *c = connect_shadow(conninfo, err);
	if (!c)
		return GK_EINFRA;
	char **allowed = NULL;
	size_t n_allowed = 0;
	int rc = gk_replay_allow_list(c, &allowed, &n_allowed);
	if (rc)
		gk_error_set(err, rc, "replay: out of memory");
	for (size_t i = 0; i < n && rc == 0 && !gk_interrupted(); i++) {
		replay_rest rest = {m + i, n - i, allowed, n_allowed};
		if (progress)
			progress(ctx, i, n, &m[i]);
		rc = apply_own_session(&rest, &out[i], err);
		if (!m[i].conninfo && rc == 0)
			rc = apply_one(c, &rest, &out[i]);
		if (rc == 0 && !m[i].conninfo && PQstatus(c) != CONNECTION_OK && !gk_interrupted())
			rc = gk_error_set(err, GK_EINFRA,
					  "replay: the shadow server went away during %s: %s",
					  m[i].path ? m[i].path : "a migration",
					  out[i].message ? out[i].message : "connection lost");
		else if (rc == GK_ENOMEM)
			gk_error_set(err, GK_ENOMEM, "replay: out of memory");
		if (out[i].status != GK_REPLAY_OK)
			break;
	}
	gk_replay_allow_list_free(allowed, n_allowed);
	PQfinish(c);
	if (rc == 0 && gk_interrupted()) {
		char why[128];
		gk_interrupt_describe(why, sizeof why);
		rc = gk_error_set(err, GK_EINTR, "replay: %s", why);
	}
	return rc;
}

void gk_replay_results_free(gk_replay_result *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++) {
		free(r[i].message);
		free(r[i].detail);
		free(r[i].hint);
		free(r[i].missing);
		for (size_t k = 0; k < r[i].n_locks; k++) {
			free(r[i].locks[k].relation);
			free(r[i].locks[k].mode);
		}
		free(r[i].locks);
		for (size_t k = 0; k < r[i].n_created; k++)
			free(r[i].created[k]);
		free(r[i].created);
		for (size_t k = 0; k < r[i].n_changed; k++)
			free(r[i].changed[k]);
		free(r[i].changed);
		memset(&r[i], 0, sizeof r[i]);
	}
}
