/*
 * sql.h - the SQL front end: positions in a file, parsing with libpg_query
 * into the typed protobuf tree, and gatekeeper comment directives.
 * Internal to the library.
 */
#ifndef GK_SQL_H
#define GK_SQL_H

#include <stdbool.h>
#include <stddef.h>
#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

/* ---- positions ------------------------------------------------------ */

/*
 * A file's text with its line index.  Lines end at "\n" ("\r\n" counts as
 * one end); a leading UTF-8 byte order mark is not part of line 1.
 * Columns count Unicode code points, 1-based.
 */
typedef struct gk_source {
	const char *text;    /* borrowed, NUL-terminated */
	size_t len;
	size_t bom;          /* 3 when the text starts with a BOM, else 0 */
	size_t *line_start;  /* owned: offset of the first byte of each line */
	size_t n_lines;
} gk_source;

int gk_source_init(gk_source *s, const char *text, size_t len);
void gk_source_free(gk_source *s);
/** 1-based line and column of byte offset `off` (clamped to the text). */
void gk_source_pos(const gk_source *s, size_t off, int *line, int *col);
/** Byte range of 1-based `line`, without its line end. */
void gk_source_line(const gk_source *s, int line, size_t *start, size_t *end);

/* ---- parsing -------------------------------------------------------- */

typedef struct gk_sql_stmt {
	const PgQuery__Node *node;
	size_t start;  /* offset of the statement's first token */
	size_t end;    /* offset just past its last token (the ';' excluded) */
	size_t base;   /* offset that node `location` fields count from */
} gk_sql_stmt;

typedef struct gk_sql_error {
	char *message;      /* owned */
	size_t offset;      /* where the parser stopped */
	bool too_complex;   /* refused by a limit rather than a syntax error */
	/* The statement left unparsed: offset of its first token and just past
	 * its last (the ';' excluded).  After an unterminated literal or
	 * comment, start is where that token starts and end the text's end. */
	size_t start, end;
	/* An error in every PostgreSQL version up to 18, not syntax newer than
	 * the parser: an unterminated literal or comment, a statement that
	 * starts with a word that starts no statement, or one complete before
	 * a word that starts the next (a missing ';'). */
	bool any_version;
} gk_sql_error;

/* The PostgreSQL major version whose grammar the parser (libpg_query) has. */
#define GK_SQL_PARSER_VERSION 15

typedef struct gk_sql {
	gk_sql_stmt *stmts;
	size_t n_stmts;
	gk_sql_error *errors;
	size_t n_errors;
	/* owned: every statement's tree, unpacked into one arena and freed
	 * with it at once (freeing a tree node by node cost as much as
	 * unpacking it) */
	struct gk_sql_arena *arena;
	size_t cap_stmts, cap_errors;
	/* Statements whose tree was copied before libpg_query packed it (see
	 * parse.c), not unpacked from its bytes: all of them in a program
	 * linked with the Makefile's TAKE_TREE. */
	size_t n_taken;
} gk_sql;

/*
 * Parse `text` (NUL-terminated, `len` bytes) from offset `from`.  When the
 * whole text does not parse, it is split into statements with the scanner
 * and each is parsed alone, so that the statements around a syntax error
 * are still analysed.  `stmts` and `errors` are each in text order; every
 * statement that did not parse has one error.  Needs a deep stack: call it on a thread with at
 * least GK_SQL_STACK_SIZE bytes of stack.  Returns 0, or -1 when out of
 * memory.  Free with gk_sql_free().
 */
int gk_sql_parse(gk_sql *out, const char *text, size_t len, size_t from);
void gk_sql_free(gk_sql *s);

/*
 * Stack limits.  libpg_query's tree output and protobuf-c's unpack/free
 * recurse once per nesting level, so a deep enough statement overflows any
 * stack.  Measured (libpg_query 15-4.x, x86-64, -O2; a thread on a fresh
 * mapping, counting the pages it touched):
 *
 *   pg_query_parse_protobuf  ~355 B per expression level  (~177 B per
 *                            protobuf level; a syntax error needs ~20 kB)
 *   unpack + free_unpacked   ~1925 B per expression level (~962 B per
 *                            protobuf level)
 *
 * The same per level for `1+1`, `x||x`, `x@x`, `1::int`, COLLATE, ISNULL,
 * f(f(...)), ARRAY[[...]], NOT NOT, (SELECT (SELECT ...)).  The densest
 * input is a left-associative operator chain, `SELECT 1+1+...+1`: 2 bytes
 * of SQL and 2 protobuf levels per term, so at most 1 level per byte.
 * Right-nesting forms (parentheses, NOT, unary minus, ARRAY[[, sub-selects)
 * stop at bison's 10,000-entry stack ("memory exhausted") long before.
 * 100,000 terms: depth 200,007, parse 35 MB, unpack 192 MB of stack.
 *
 * Worst cases within the limits, against the 1 GiB reservation (only the
 * touched pages become resident):
 *   parse:  2 MiB statement -> <= 2.1 M levels * 177 B = 371 MB
 *   unpack: 300,000 levels  * 962 B                    = 289 MB
 * Parsing happens before the depth is known, so the statement size bounds
 * it; the depth limit is checked on the packed bytes (gk_pb_depth, no
 * recursion) before unpacking, one statement at a time.  Rules run after
 * unpacking on the same stack: a recursive walk over the tree has ~700 MB,
 * over 2 kB per protobuf level.
 *
 * The tree taken before packing (parse.c) is copied by a walk that
 * recurses once per protobuf level too, with a smaller frame than unpack's,
 * and refuses the same depth (it counts levels as gk_pb_depth does).
 *
 * Time, not stack, is the cost of such input: libpg_query packs nested
 * messages with a memmove per level, which is quadratic in the depth
 * (100,000 terms take ~5 s to parse, 150,000 ~12 s; a 2 MiB statement of
 * `+1` terms could take minutes, but cannot crash).
 */
#define GK_SQL_STACK_SIZE ((size_t)1 << 30)
#define GK_SQL_MAX_STMT_BYTES ((size_t)2 << 20)   /* longer statements are refused */
/* Deeper trees are refused.  The sanitizer build (make asan) lowers the
 * limit ten times, with its end-to-end inputs (ci/run-asan.sh exports
 * GK_E2E_SCALE=10): ASan's memmove is a byte loop, which makes the
 * quadratic packing above take over an hour at this depth. */
#ifndef GK_SQL_MAX_DEPTH
#define GK_SQL_MAX_DEPTH 300000
#endif

/*
 * Run fn(arg) on a thread of its own with GK_SQL_STACK_SIZE of stack and
 * wait for it: how everything that parses a migration (gk_sql_parse) or
 * walks its tree outside the lint engine's own workers calls it.  Returns
 * 0 once fn has returned, or -1 when the thread cannot be started (out of
 * memory or address space); fn's own result travels in `arg`.
 */
int gk_sql_on_deep_stack(void *(*fn)(void *), void *arg);

/* ---- what an unparsed statement does ------------------------------- */

#define GK_SQL_NAME_MAX 64  /* PostgreSQL's NAMEDATALEN: names are cut to 63 bytes */

enum gk_sql_recognised_kind {
	GK_SQL_NOT_RECOGNISED = 0,
	GK_SQL_CREATES_TABLE,       /* CREATE [...] TABLE [IF NOT EXISTS] schema.name (... | AS | PARTITION OF) */
	GK_SQL_CREATES_VIEW,        /* CREATE [MATERIALIZED] VIEW schema.name */
	GK_SQL_CREATES_INDEX,       /* CREATE [UNIQUE] INDEX [name] ON schema.table */
	GK_SQL_CREATES_TYPE,        /* CREATE TYPE schema.name */
	GK_SQL_NOT_NULL_NOT_VALID,  /* ALTER TABLE schema.table ADD CONSTRAINT name NOT NULL column NOT VALID (18+) */
};

typedef struct gk_sql_recognised {
	enum gk_sql_recognised_kind kind;
	char schema[GK_SQL_NAME_MAX];  /* "" when unqualified; of the table for an index or constraint */
	char name[GK_SQL_NAME_MAX];    /* the object; an index's may be "" (unnamed); the constraint's */
	char table[GK_SQL_NAME_MAX];   /* INDEX, NOT_NULL_NOT_VALID: the table */
	char column[GK_SQL_NAME_MAX];  /* NOT_NULL_NOT_VALID: the column */
} gk_sql_recognised;

/*
 * What the statement text[start, end) creates, read from its first scanner
 * tokens without the parser: for statements the parser refused (syntax
 * newer than its own).  Names are as PostgreSQL stores them (unquoted ones
 * down-cased, all cut to 63 bytes).  `out->kind` is GK_SQL_NOT_RECOGNISED
 * when the statement is none of the forms above.  Returns 0, or -1 when
 * out of memory.
 */
int gk_sql_recognise(gk_sql_recognised *out, const char *text, size_t start, size_t end);

/** First offset at or after `i` that is not a blank or inside a comment. */
size_t gk_sql_skip_blanks(const char *text, size_t i, size_t end);

/** Nesting depth of protobuf message `data` of type `desc`, stopping past `limit`. */
size_t gk_pb_depth(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
		   size_t limit);

/*
 * Call visit(child, ctx) for every message-typed child of `msg` that is
 * set (each item of a repeated field, a oneof's chosen member), in the
 * order protobuf-c's reflection lists the fields, so that a walk over it
 * misses no node type.  Stops at, and returns, the first nonzero result
 * of visit; 0 otherwise.  Not recursive: visit recurses when it wants to.
 */
int gk_pb_each_child(const ProtobufCMessage *msg, int (*visit)(const ProtobufCMessage *child, void *ctx), void *ctx);

/*
 * The tokens of a pg_query_scan() result, read from its packed bytes one by
 * one without unpacking (no allocation).  `sr` must outlive the iteration;
 * an error result has no tokens.
 */
typedef struct gk_scan_tokens {
	const uint8_t *data;
	size_t len, i;
	unsigned f_tokens, f_start, f_end, f_token, f_keyword_kind;
} gk_scan_tokens;

void gk_scan_tokens_init(gk_scan_tokens *it, const PgQueryScanResult *sr);
/** The next token into *t; false after the last. */
bool gk_scan_tokens_next(gk_scan_tokens *it, PgQuery__ScanToken *t);

/* ---- directives ----------------------------------------------------- */

typedef struct gk_directive {
	size_t start, end;  /* byte range of the comment */
	bool file_wide;     /* ignore-file */
	char **rules;       /* owned ids as written */
	size_t n_rules;
	bool *used;         /* per rule: suppressed at least one finding */
	char *reason;       /* owned; NULL when missing */
	int stmt;           /* 0-based statement it applies to, -1 = none/file */
} gk_directive;

/*
 * Find every `-- gatekeeper:ignore ...` and `-- gatekeeper:ignore-file ...`
 * comment (also in C-style comments) and attach each statement directive to
 * its statement: the statement it sits inside, the statement ending on the
 * same line before it, or the statement that starts after it with nothing
 * but blanks and comments between.  `malformed` receives comments that start with `gatekeeper:`
 * but are not a known directive.  Returns 0 or -1 (out of memory).
 */
typedef struct gk_directives {
	gk_directive *items;
	size_t n, cap;
	gk_directive *malformed;  /* rules/reason unused; start/end set */
	size_t n_malformed, cap_malformed;
} gk_directives;

int gk_directives_find(gk_directives *out, const gk_source *src, const gk_sql *sql);
void gk_directives_free(gk_directives *d);

#endif
