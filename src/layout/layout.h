/*
 * layout/layout.h - the migration folder of each migration tool.
 *
 * Every tool keeps its migrations in a folder with its own naming and
 * ordering rule (Prisma: <folder>/migration.sql by folder name; Flyway:
 * V<version>__<desc>.sql by numeric version; golang-migrate:
 * <n>_<name>.up.sql by number; dbmate: one file with up and down sections;
 * diesel: <version>_<name>/up.sql; plain: every *.sql by path).  This
 * module turns a list of relative paths into the migrations in the order
 * the tool applies them, so that the same code serves a folder on disk and
 * a git tree.  It does not judge the history: duplicate versions, gaps and
 * edited files are left to later checks.
 */
#ifndef GK_LAYOUT_H
#define GK_LAYOUT_H

#include <stdint.h>

#include "gatekeeper/common.h"
#include "gatekeeper/types.h"

/* enum gk_layout_kind: gatekeeper/types.h. */

/** "auto", "prisma", "flyway", "golang-migrate", "dbmate", "diesel", "plain". */
const char *gk_layout_kind_name(enum gk_layout_kind k);
/** Parse one of the names above ("supabase" is accepted for plain); 0 or GK_ENOTFOUND. */
int gk_layout_kind_parse(enum gk_layout_kind *out, const char *word);

/**
 * Read the file `relpath` (relative to the migrations folder) into a
 * malloc'ed buffer *out of *len bytes (NUL-terminated is welcome but not
 * required).  Returns 0, or a negative GK_E* when the file cannot be read.
 */
typedef int (*gk_layout_read_fn)(char **out, size_t *len, const char *relpath, void *payload);

/* up_end when the layout was read without a reader: "to the end of the file". */
#define GK_LAYOUT_END SIZE_MAX

typedef struct gk_layout_migration {
	char *key;          /* identity across history: Prisma folder name, Flyway file name
			     * ("V1_10__x.sql"), golang-migrate "0001_name", dbmate file name
			     * without ".sql", diesel folder name, plain file path */
	char *version;      /* ordering version as written ("20240101120000", "1_10", "0015",
			     * "2019-02-26-002946"); NULL for Flyway repeatables and plain files */
	char *name;         /* description part (after the version and its separator) */
	char *path;         /* relative path of the SQL to apply */
	char *down_path;    /* golang-migrate .down.sql / diesel down.sql, or NULL */
	bool repeatable;    /* Flyway R__ */
	bool no_transaction;/* dbmate `-- migrate:up transaction:false`, diesel metadata.toml
			     * `run_in_transaction = false`, Flyway `<script>.conf`
			     * `executeInTransaction=false` */
	size_t up_start, up_end; /* byte range of the migration's SQL inside `path`: dbmate's up
				  * section (from its marker line to the down marker line), the
				  * whole file otherwise; up_end is GK_LAYOUT_END when the layout
				  * was read without a reader */
} gk_layout_migration;

typedef struct gk_layout {
	enum gk_layout_kind kind;            /* never GK_LAYOUT_AUTO */
	gk_layout_migration *migrations;     /* in apply order */
	size_t n_migrations;
	char **stray;                        /* files the layout does not recognise, by path */
	size_t n_stray;
	char *lock_file;                     /* Prisma migration_lock.toml path or NULL */
	char *provider;                      /* provider from the lock file, or NULL */
	/* gk_layout_read_dir: symbolic links left out of the listing because
	 * they lead outside the repository (or the folder), by path, each with
	 * the reason; never read. */
	char **refused, **refused_why;
	size_t n_refused;
	/* Prisma: migration folders holding a Prisma 8 migration package
	 * (migration.ts, ops.json, migration.json) and no migration.sql, by
	 * folder path, sorted.  Prisma 8's `db migrate` applies them; nothing
	 * here models that, so they are reported, never skipped in silence. */
	char **packages;
	size_t n_packages;
} gk_layout;

/* What is said of each of them (rule prisma-migration-package). */
#define GK_LAYOUT_PACKAGE_NOTE "not checked: Prisma 8 migration packages are not modelled (the folder holds " \
	"a migration package, migration.ts, ops.json or migration.json, and no migration.sql)"

/**
 * Read the layout of a migrations folder given as `n` relative paths of
 * files ("a/b.sql"; a leading "./" is ignored, entries ending in '/' are
 * skipped).  `kind` GK_LAYOUT_AUTO detects the layout.  `read` may be NULL;
 * without it dbmate folders cannot be told from plain ones, dbmate sections
 * and lock-file providers are not read and ranges end at GK_LAYOUT_END.
 * Returns 0, GK_ENOMEM, or the reader's error (GK_EIO) for a file the
 * layout needs to read.  An empty folder is a plain layout with nothing.
 */
int gk_layout_read(gk_layout **out, enum gk_layout_kind kind, const char *const *relpaths, size_t n,
		   gk_layout_read_fn read, void *payload, gk_error *err);

/** List `dir` on disk recursively and call gk_layout_read() with a file reader.
 * Symbolic links are followed only to files and folders inside the
 * repository holding `dir` (or `dir` itself outside one, gk_files_root); the
 * others are not listed but named in `refused`.  A folder is listed once,
 * known by device and inode, however many links lead to it. */
int gk_layout_read_dir(gk_layout **out, enum gk_layout_kind kind, const char *dir, gk_error *err);

/** NULL is a no-op. */
void gk_layout_free(gk_layout *l);

/**
 * The sections of a dbmate migration from its text, as gk_layout_read()
 * finds them in a dbmate folder: sets m->up_start, m->up_end (the down
 * marker line, or `len`) and m->no_transaction.  Returns false, leaving
 * `m` alone, when the text has no `-- migrate:up` marker line.
 */
bool gk_layout_dbmate_sections(gk_layout_migration *m, const char *text, size_t len);

/**
 * SQL that creates the history table the tool itself creates before it
 * applies the first migration (Prisma `_prisma_migrations`, Flyway
 * `flyway_schema_history`, golang-migrate and dbmate `schema_migrations`,
 * diesel `__diesel_schema_migrations`), exactly as the tool does, so that a
 * replay sees what production has (some migrations alter or read that
 * table).  NULL for plain folders.  Static string.
 */
const char *gk_layout_history_table_sql(enum gk_layout_kind kind);

/**
 * Compare two versions of a layout kind in the tool's order (<0, 0, >0).
 * Flyway: numeric part by part, '.' and '_' alike, missing parts are 0
 * (1.10 > 1.9, 1_10 == 1.10, 1.0 == 1).  golang-migrate: numeric (0015 ==
 * 15).  diesel: bytes with '-' removed, as diesel stores them.  Others:
 * bytes.  NULL (no version) sorts after any version.
 */
int gk_layout_version_cmp(enum gk_layout_kind kind, const char *a, const char *b);

#endif
