/*
 * gatekeeper/lint.h - static analysis of migration files.
 *
 * gk_lint_inputs() parses each migration with the PostgreSQL 15 parser
 * (libpg_query), runs every enabled rule and adds one migration entry and
 * its findings per migration to a report.  A file that cannot be read or
 * parsed gets a finding; the other files are still linted.
 */
#ifndef GATEKEEPER_LINT_H
#define GATEKEEPER_LINT_H

#include <stdint.h>

#include "common.h"
#include "types.h"
#include "report.h"

#define GK_RULES_MAX 128

typedef struct gk_lint_options {
	int pg_version;              /* major version the migrations will run on */
	enum gk_runner runner;       /* GK_RUNNER_AUTO decides per file */
	/* Per-rule severity by registry index; -1 keeps the rule's default. */
	signed char severity[GK_RULES_MAX];
	size_t max_file_size;        /* bytes; larger files are refused with a finding */
	int jobs;                    /* parser threads; 0 = one per core but the rules' thread's (at least 1) */
	/* The Prisma CLI version that deploys ("7.10.1"; "" = unknown), as
	 * stated by --prisma-version or prisma_version: (the repository's
	 * lockfiles are read by the runner model, not here). */
	char prisma_version[32];
	int lock_timeout_advice_ms;  /* the one lock_timeout findings recommend; default 2000 */
	/* The deploying role or URL sets lock_timeout, so files need not:
	 * `gate` verifies it on the target instead. */
	bool lock_timeout_external;
	/* Flyway's mixed as the project states it (flyway_mixed:): -1 = not
	 * stated (flyway.conf / flyway.toml decide), 0 false, 1 true. */
	int flyway_mixed;
	bool golang_multi_statement; /* golang-migrate's URL sets x-multi-statement=true */
	/* prefer-bigint on a foreign key column whose referenced key the model
	 * knows to be a 2- or 4-byte integer too: false (the default) reports it,
	 * saying that the referenced key must widen too; true stays quiet
	 * (prefer_bigint_int_reference: quiet). */
	bool bigint_int_reference_quiet;
} gk_lint_options;

/** Defaults: PostgreSQL GK_PG_DEFAULT_VERSION (15), runner auto, every rule at its default severity, 16 MiB, jobs 0,
 * Prisma version unknown, lock_timeout advice 2s, lock_timeout in the files. */
void gk_lint_options_init(gk_lint_options *o);

/* The severity of each rule by id: gk_lint_options_set_severity() and
 * gk_lint_options_severity() in gatekeeper/rules.h (the catalogue). */

/* What to do with one input of gk_lint_inputs(). */
enum gk_lint_role {
	GK_LINT_CHECK = 0,   /* lint it and report its findings */
	GK_LINT_CONTEXT,     /* only teach the schema model what it creates (an earlier migration) */
};

/*
 * One migration to lint.  Inputs are processed in order and share one
 * static schema model, so a later migration knows the tables, columns,
 * types and indexes earlier ones created.
 */
typedef struct gk_lint_input {
	const char *path;          /* shown in the report; read from disk unless `text` is set */
	const char *text;          /* optional contents, `len` bytes (borrowed) */
	size_t len;
	size_t end;                /* the migration ends at this byte (dbmate's up section); 0 = end of file */
	enum gk_runner runner;     /* a model the user forced; GK_RUNNER_AUTO: the options' runner,
				    * else gk_runner_choose() decides from the tool and the file */
	enum gk_layout_kind tool;  /* the tool that applies it; GK_LAYOUT_AUTO = not known */
	/* The project's runner settings (Prisma version, Flyway mixed, ...),
	 * borrowed; NULL = only `tool` and the options' prisma_version. */
	const gk_runner_settings *settings;
	bool no_transaction;       /* the layout's per-file "no transaction" flag */
	/* `tool` not known and no `text`: a file with dbmate's `-- migrate:up`
	 * marker is linted as dbmate's (its up section only, what precedes it
	 * blanked; its no-transaction flag), decided when it is read, so that
	 * it is read once. */
	bool find_dbmate;
	enum gk_lint_role role;
	/* Objects created before this input count as existing from here on:
	 * true for each file of a plain lint, and for the first migration of a
	 * change (the change's later migrations share it). */
	bool new_change;
	/* Set by a folder walk that judged the path: `refused` says why it must
	 * not be read (an invalid-input finding, the file is not opened);
	 * otherwise, with `judged`, it is read only if the file opened is still
	 * the one judged (device and inode), so a swap is caught, not read. */
	const char *refused;
	bool refused_package;      /* that finding is prisma-migration-package's, not invalid-input's */
	bool judged;
	uint64_t dev, ino;
} gk_lint_input;

/**
 * Lint `n` inputs in order with every rule of the catalogue
 * (gatekeeper/rules.h), adding a migration entry and its findings to
 * `r` for each GK_LINT_CHECK input.  Parsing runs on worker threads;
 * rules run in input order.  File problems become findings, not errors.
 * Returns 0, or a negative GK_E* for a failure of gatekeeper itself.
 */
int gk_lint_inputs(gk_report *r, const gk_lint_options *o, const gk_lint_input *in, size_t n, gk_error *err);

/**
 * Lint `n` files, each as its own change, in order (a shorthand for
 * gk_lint_inputs()).  Paths are shown as given.
 */
int gk_lint_files(gk_report *r, const gk_lint_options *o, const char *const *paths, size_t n,
		  gk_error *err);

/**
 * Lint one in-memory text as if it were the file `path`.  For tests and
 * embedders.  Same return values as gk_lint_files().
 */
int gk_lint_text(gk_report *r, const gk_lint_options *o, const char *path, const char *text,
		 size_t len, gk_error *err);

#endif
