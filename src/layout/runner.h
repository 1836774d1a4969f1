/*
 * layout/runner.h - how a migration file reaches the server.
 *
 * One place answers "which statements of this file run inside a
 * transaction block": the tool that applies the file, the settings of the
 * project (the Prisma CLI version and where it was read, Flyway's `mixed`,
 * golang-migrate's `x-multi-statement`, a per-file "no transaction" flag)
 * and the statements of the file.  Lint, replay, check, status, drift and
 * gate all ask gk_runner_choose(); none decides on its own.
 *
 * Models (enum gk_runner, common.h), as measured per tool:
 *   Prisma  deploy WHOLE before 7.4.0, SPLIT from 7.4.0 (prisma-engines
 *           #5767); the shadow replay of `migrate dev` splits only from
 *           7.8.0 (#5799).  SPLIT falls back to WHOLE for a file holding a
 *           statement Prisma's SQL splitter (sqlparser 0.61) cannot parse:
 *           DO blocks, DROP INDEX CONCURRENTLY (#5847), REINDEX, LOCK.
 *           Unknown version: SPLIT, the current Prisma, and the reason says so.
 *   Flyway  PER_FILE, except that a file whose statements are all ones
 *           Flyway's parser marks non-transactional runs without a
 *           transaction (SPLIT); a file mixing both kinds is refused by
 *           Flyway unless `mixed` is true (then SPLIT); `.conf`
 *           executeInTransaction=false forces no transaction.
 *           Prisma 6 with the driver-adapter schema engine (`engine: "js"`
 *           in prisma.config.ts) migrates through the adapter's
 *           executeScript, which cuts the file at every ';' (even in
 *           strings, comments and function bodies) and sends each piece
 *           alone (@prisma/adapter-pg 6.x, PrismaPgAdapter.executeScript):
 *           SPLIT with that splitter.
 *   golang-migrate  WHOLE (one Exec of the file); SPLIT with x-multi-statement,
 *           cut after every ';' (multistmt.Parse, bytes.Index of the
 *           delimiter, v4.x up to 4.19.1: a dollar-aware splitter was
 *           proposed, golang-migrate#1018, and never released).
 *   dbmate, diesel  PER_FILE; without a transaction (dbmate
 *           `transaction:false`, diesel `run_in_transaction = false`) the
 *           file is still ONE Exec / batch_execute: WHOLE.
 *
 * Ownership: every struct here is plain data owned by the caller; nothing
 * is allocated except by gk_runner_prisma_find(), whose result is plain data
 * too.  No function prints.
 */
#ifndef GK_RUNNER_H
#define GK_RUNNER_H

#include <stdbool.h>
#include <stddef.h>

#include "gatekeeper/common.h"
#include "gatekeeper/types.h"
#include "layout/layout.h"

/* The first Prisma versions of each change (major, minor, patch). */
#define GK_PRISMA_SPLIT_DEPLOY "7.4.0"
#define GK_PRISMA_SPLIT_SHADOW "7.8.0"

/* Where the Prisma CLI version came from. */
typedef struct gk_prisma_version {
	char version[32];   /* "7.10.1"; "" = not known */
	char source[160];   /* "pnpm-lock.yaml", "package.json range ^7.4.0", "--prisma-version", ...; "" when unknown */
	char note[256];     /* why it is unknown or approximate (a lockfile that does not parse); "" if none */
} gk_prisma_version;

/* The first Prisma version without the driver-adapter schema engine's
 * `engine` setting (Prisma 7 dropped it). */
#define GK_PRISMA_NO_JS_ENGINE "7.0.0"

/* The project settings the models need, read once per migration folder. */
typedef struct gk_runner_settings {
	enum gk_layout_kind tool;          /* GK_LAYOUT_AUTO / PLAIN: no tool model */
	gk_prisma_version prisma;
	bool flyway_mixed;                 /* flyway.mixed / mixed = true / -mixed */
	char flyway_mixed_source[96];      /* where it was read, "" = default false */
	bool golang_multi_statement;       /* x-multi-statement=true */
	bool prisma_js_engine;             /* prisma.config.* says engine: "js" (Prisma 6) */
	char prisma_js_source[96];         /* the file that says it */
	int pg_version;                    /* server major (Flyway's ADD VALUE rule); 0 = GK_PG_DEFAULT_VERSION */
} gk_runner_settings;

/** Zero settings for `tool` (version unknown, defaults of each tool). */
void gk_runner_settings_init(gk_runner_settings *s, enum gk_layout_kind tool);

/* How a tool cuts a file into the statements it sends.  The two naive
 * splitters cut at the same places (every ';', whatever it is in) and
 * differ in what they send of each piece. */
enum gk_splitter {
	GK_SPLITTER_SQL = 0,        /* at the statements' own ends, as PostgreSQL reads them */
	GK_SPLITTER_EVERY_SEMICOLON,/* Prisma 6 driver adapters: script.split(';'), each piece
				     * trimmed (JavaScript's trim), empty ones dropped */
	GK_SPLITTER_MULTISTMT,      /* golang-migrate multistmt: each piece up to and with its
				     * ';', untrimmed; one of only white space is not sent */
};

/* The first ';' a naive splitter cuts at that ends no statement. */
typedef struct gk_runner_cut {
	int stmt;                   /* 0-based statement it falls in; -1 = none (n_stmts: after the last) */
	size_t offset;              /* byte offset of the ';' */
	char what[32];              /* "a string", "a comment", "a dollar-quoted body", ... */
} gk_runner_cut;

/* What each statement of a file means to the runners (gk_runner_scan). */
typedef struct gk_runner_sql {
	size_t n_stmts;            /* top-level statements */
	size_t n_no_tx;            /* of them, Flyway runs outside a transaction */
	int first_no_tx, first_tx; /* 0-based index of the first of each kind; -1 = none */
	int prisma_unsplittable;   /* first statement Prisma's splitter cannot parse; -1 = none */
	char unsplittable_what[48];/* "DO block", "DROP INDEX CONCURRENTLY", "REINDEX", "LOCK" */
	bool concurrently_beside;  /* CREATE/DROP/REINDEX CONCURRENTLY with other statements in the file */
	bool add_value_then_use;   /* ALTER TYPE ... ADD VALUE followed by another statement */
	gk_runner_cut cut_every;   /* the naive splitters' first wrong cut */
} gk_runner_sql;

/**
 * Classify the statements of `text` (`len` bytes) with the PostgreSQL
 * scanner: statements end at top-level ';' (not inside strings, comments,
 * dollar-quoted bodies or BEGIN ATOMIC ... END).  `pg_version` decides
 * Flyway's ALTER TYPE ... ADD VALUE rule (non-transactional before 12).
 * Text the scanner cannot read (an unterminated string) is classified up
 * to that point.  Never fails.
 */
void gk_runner_scan(gk_runner_sql *out, const char *text, size_t len, int pg_version);

/*
 * The same answer as gk_runner_scan() for a text whose parse `parsed`
 * (gk_sql_parse of the same text; NULL when there is none) found no error:
 * the parse knows where every statement is, so only what can change the
 * answer is scanned (a statement whose first words matter to a runner, or
 * that holds a ';', CONCURRENTLY, ATOMIC or, after an ALTER TYPE ... ADD
 * VALUE, a string; the text between statements when it holds more than
 * blanks, comments and the ';' that ends one).  Any other text, or text
 * the parse does not cover exactly, is scanned whole.  The scanner's own
 * cost (it packs every token into a protobuf message) was 15% of a lint's
 * instructions, twice what the rules took.
 */
struct gk_sql;
void gk_runner_scan_parsed(gk_runner_sql *out, const char *text, size_t len, int pg_version,
			   const struct gk_sql *parsed);
/* The same, returning how many bytes were given to the scanner (tests). */
size_t gk__runner_scan_parsed(gk_runner_sql *out, const char *text, size_t len, int pg_version,
			      const struct gk_sql *parsed);

/* The answer for one file. */
typedef struct gk_runner_choice {
	enum gk_runner deploy;     /* how the deploy sends it; never AUTO */
	enum gk_runner shadow;     /* Prisma `migrate dev`'s shadow replay; = deploy for other tools */
	bool refused;              /* the tool refuses the file (Flyway: mixed without mixed=true) */
	enum gk_splitter splitter; /* how a SPLIT deploy cuts the file */
	char tool[24];             /* "prisma", "flyway", ...; "" = no tool known */
	char version[32];          /* the tool's version when known ("7.10.1") */
	char source[160];          /* where the model came from: "pnpm-lock.yaml", "--runner", ... */
	char reason[320];          /* one line for a human: "statements sent one by one" */
	gk_runner_sql sql;         /* what the statements told (the rules about the model read it) */
} gk_runner_choice;

/**
 * Decide how the file with statements `sql` reaches the server.
 * `forced` is a model the user named (--runner, runner:) or
 * GK_RUNNER_AUTO; `no_transaction` is the layout's per-file flag (Flyway
 * .conf executeInTransaction=false, dbmate transaction:false, diesel
 * run_in_transaction = false).  Without a tool, the file name decides as
 * before: "migration.sql" and "*.up.sql" WHOLE, else PER_FILE.
 */
void gk_runner_choose(gk_runner_choice *out, const gk_runner_settings *s, enum gk_runner forced, bool no_transaction,
		      const char *path, const gk_runner_sql *sql);

/** The same from the file's text: gk_runner_scan() then gk_runner_choose(). */
void gk_runner_choose_text(gk_runner_choice *out, const gk_runner_settings *s, enum gk_runner forced,
			   bool no_transaction, const char *path, const char *text, size_t len);
/** The same with the text's parse, scanned by gk_runner_scan_parsed(). */
void gk_runner_choose_parsed(gk_runner_choice *out, const gk_runner_settings *s, enum gk_runner forced,
			     bool no_transaction, const char *path, const char *text, size_t len,
			     const struct gk_sql *parsed);

/** "one query", "statements sent one by one", "BEGIN; file; COMMIT" for a model. */
const char *gk_runner_model_text(enum gk_runner r);

/**
 * Compare two versions "a.b.c" numerically (missing parts are 0; a
 * pre-release suffix "-dev.3" sorts before the release).  <0, 0, >0.
 */
int gk_runner_version_cmp(const char *a, const char *b);

/* ---- the Prisma version of a repository --------------------------------- */

/**
 * Read `name` (a path relative to the repository root, "" = the root) into
 * a malloc'ed buffer of at most `limit` bytes.  0, GK_ENOTFOUND when there
 * is no such file, GK_EIO otherwise (also when it is larger than `limit`).
 */
typedef int (*gk_runner_read_fn)(char **out, size_t *len, const char *relpath, size_t limit, void *payload);

#define GK_RUNNER_LOCKFILE_MAX ((size_t)64 << 20)  /* larger lockfiles are not read */

/**
 * Find the Prisma CLI version for migrations in `dir` (relative to the
 * repository root, no trailing '/'): from `dir` up to the root, never
 * above, the first folder holding a lockfile (package-lock.json,
 * pnpm-lock.yaml, yarn.lock, bun.lock) that names the `prisma` package
 * gives its resolved version; failing that, the nearest package.json that
 * names it gives the lowest version its range allows (the source says
 * "range").  A file that does not parse leaves the version unknown and
 * says why in `out->note`.  Never fails; `out` is always set.
 */
void gk_runner_prisma_find(gk_prisma_version *out, const char *dir, gk_runner_read_fn read, void *payload);

/** The same on disk: `dir` a folder, `root` the repository root holding it
 * (NULL or not an ancestor: only `dir` itself is searched). */
void gk_runner_prisma_find_dir(gk_prisma_version *out, const char *dir, const char *root);

/**
 * The settings of the migrations in `dir` (repository-relative) for
 * `tool`: the Prisma version (gk_runner_prisma_find) for Prisma folders,
 * Flyway's `mixed` from flyway.conf (`flyway.mixed=true`), conf/flyway.conf
 * or flyway.toml (`mixed = true`), nearest first, from `dir` up to the
 * root; Prisma's driver-adapter engine from the nearest prisma.config.ts
 * (.mts, .cts, .js, .mjs, .cjs).  Never fails.
 */
void gk_runner_settings_find(gk_runner_settings *s, enum gk_layout_kind tool, const char *dir,
			     gk_runner_read_fn read, void *payload);
/** The same on disk (see gk_runner_prisma_find_dir for `root`). */
void gk_runner_settings_find_dir(gk_runner_settings *s, enum gk_layout_kind tool, const char *dir, const char *root);

typedef struct gk_dir_cache gk_dir_cache; /* src/util/dircache.h */
/** The same for the folder `dir` in its repository (gk_files_root(dir)),
 * each fact about a folder (real path, .git, the names it holds) asked of
 * the file system once per `dirs`: for many folders of one repository. */
void gk_runner_settings_find_cached(gk_runner_settings *s, enum gk_layout_kind tool, const char *dir,
				    gk_dir_cache *dirs);
/** Whether the folder `dir` (an absolute real path) holds none of the
 * files the settings search reads, nor ".git" (a repository's root), as
 * far as `dirs` can list it: then its settings are its parent folder's,
 * whichever of its sub-folders the search starts from. */
bool gk_runner_settings_dir_plain(gk_dir_cache *dirs, const char *dir);

/** Does the text of a prisma.config.* set `engine: "js"` (or 'js')?  Comments are skipped. */
bool gk_runner_prisma_js_engine(const char *text, size_t len);

/** The cut a splitter makes that ends no statement (NULL for GK_SPLITTER_SQL). */
const gk_runner_cut *gk_runner_wrong_cut(const gk_runner_choice *c);

/** "sql", "every-semicolon", "multistmt" (static). */
const char *gk_runner_splitter_name(enum gk_splitter sp);

/* One query a naive splitter sends: bytes [start, end) of the file. */
typedef struct gk_runner_piece {
	size_t start, end;
} gk_runner_piece;

/**
 * The queries naive splitter `sp` sends for `text` (`len` bytes), in
 * order, as the tool forms them: GK_SPLITTER_EVERY_SEMICOLON the text
 * between two ';' without the white space JavaScript's trim() removes
 * at either end, GK_SPLITTER_MULTISTMT the text after one ';' up to and
 * including the next (the rest of the file after the last one), without
 * the pieces of white space only that each tool skips.  A piece of only
 * a comment is sent (the server answers it with an empty query).  *out is
 * malloc'ed (NULL when *n is 0); the caller frees it.  0, GK_ERROR for
 * GK_SPLITTER_SQL (it cuts nothing by itself), GK_ENOMEM.
 */
int gk_runner_pieces(gk_runner_piece **out, size_t *n, enum gk_splitter sp, const char *text, size_t len);

/** Flyway's mixed setting in the text of a flyway.conf (`toml` false) or
 * flyway.toml: 1 true, 0 false, GK_ENOTFOUND not set. */
int gk_runner_flyway_mixed(const char *text, size_t len, bool toml);

/* Parsers of each file, for the search above and its tests: 0 and the
 * version (or range's lowest version) in `version`, GK_ENOTFOUND when the
 * file does not name prisma, GK_EPARSE when it is not what it claims. */
int gk_runner_prisma_from_package_lock(char *version, size_t size, const char *text, size_t len);
int gk_runner_prisma_from_pnpm_lock(char *version, size_t size, const char *text, size_t len);
int gk_runner_prisma_from_yarn_lock(char *version, size_t size, const char *text, size_t len);
int gk_runner_prisma_from_bun_lock(char *version, size_t size, const char *text, size_t len);
int gk_runner_prisma_from_package_json(char *version, size_t size, char *range, size_t range_size,
				       const char *text, size_t len);

#endif
