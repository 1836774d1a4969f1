/*
 * preconditions.h - the data a pending migration depends on, checked on
 * the target before the deploy (read-only, bounded).  Not public API.
 *
 * Some statements succeed or fail on the data, not on the schema: SET NOT
 * NULL fails on a NULL, ADD COLUMN ... NOT NULL without a default on any
 * row, a unique index on a duplicate, a CHECK or FOREIGN KEY on a row that
 * violates it, a narrowing type change on a value that does not fit.  The
 * replay on the shadow cannot see these (the shadow has the schema, not
 * the rows); the target has the rows.  Other statements succeed and
 * destroy data (DROP TABLE, DROP COLUMN, TRUNCATE): how much is reported.
 *
 *   precondition_find.c  which statements of the pending migrations depend
 *                        on data, and what to count (from the parse tree)
 *   preconditions.c      the counting queries on the target, each in its
 *                        own read-only transaction under statement_timeout,
 *                        and the findings (precondition-failed,
 *                        data-loss-estimate; counts only, never values)
 *
 * Ownership: gk_precheck arrays belong to the caller, freed with
 * gk_prechecks_free(); every string in them is owned by its entry.
 */
#ifndef GK_TARGET_PRECONDITIONS_H
#define GK_TARGET_PRECONDITIONS_H

#include "gatekeeper/lint.h"
#include "gatekeeper/report.h"
#include "target/target.h"

enum gk_precheck_kind {
	GK_PRECHECK_NULLS,        /* SET NOT NULL, ADD PRIMARY KEY: rows with a NULL in `cols` */
	GK_PRECHECK_ROWS,         /* ADD COLUMN ... NOT NULL without a default: any row */
	GK_PRECHECK_UNIQUE,       /* ADD UNIQUE / PRIMARY KEY, CREATE UNIQUE INDEX: duplicate groups */
	GK_PRECHECK_CHECK,        /* ADD CHECK, VALIDATE CONSTRAINT: rows where `expr` is false */
	GK_PRECHECK_FOREIGN_KEY,  /* ADD FOREIGN KEY, VALIDATE CONSTRAINT: orphan rows */
	GK_PRECHECK_VALIDATE,     /* VALIDATE CONSTRAINT of a constraint only the target knows:
				   * read from its catalog, then CHECK or FOREIGN_KEY */
	GK_PRECHECK_FIT,          /* a narrowing type change: rows where `expr` (the guard) holds */
	GK_PRECHECK_ENUM,         /* enum recreation: rows whose value is not one of the new labels */
	GK_PRECHECK_LOSS_ROWS,    /* DROP TABLE, TRUNCATE: the rows destroyed */
	GK_PRECHECK_LOSS_COLUMN,  /* DROP COLUMN: the non-null values destroyed */
};

typedef struct gk_precheck {
	enum gk_precheck_kind kind;
	const char *path;       /* the migration (borrowed from the caller's input) */
	int line;               /* of the statement */
	char *what;             /* "ALTER COLUMN email SET NOT NULL", for the messages */
	char *table;            /* the table as SQL writes it ("public.users", "\"User\"") */
	char **cols;            /* NULLS, UNIQUE, FOREIGN_KEY, FIT, ENUM, LOSS_COLUMN: columns */
	size_t n_cols;
	char *expr;             /* CHECK: the expression; UNIQUE: the index's WHERE; FIT, ENUM: the
			         * value stored (SQL over the row's columns); VALIDATE: the name */
	bool nulls_distinct;    /* UNIQUE: rows with a NULL key never collide (the default) */
	char *ref_table;        /* FOREIGN_KEY: the referenced table and columns */
	char **ref_cols;
	size_t n_ref_cols;
	bool match_full;        /* FOREIGN_KEY: MATCH FULL (else SIMPLE) */
	char *guard;            /* FIT: the SQL condition on `expr` that fails the change;
			         * ENUM: the new labels as a SQL list "'A', 'B'" */
	char *not_run;          /* set when the finder knows it cannot be checked (and why) */
} gk_precheck;

/* One pending migration, in deploy order. */
typedef struct gk_precheck_input {
	const char *path;
	const char *text;
	size_t len;
} gk_precheck_input;

/**
 * The statements of `in` (pending migrations, in the order they deploy)
 * whose success depends on the target's data, or that destroy data.  A
 * statement after one that changes the same table's rows in the pending
 * migrations (INSERT, UPDATE, DELETE, MERGE, COPY; DO and CALL may change
 * any table) is listed with `not_run` set: the target's rows are not
 * what the statement will meet.  Returns 0 or GK_ENOMEM; *out is the
 * caller's (gk_prechecks_free).
 */
int gk_precheck_find(const gk_precheck_input *in, size_t n, gk_precheck **out, size_t *n_out);

void gk_prechecks_free(gk_precheck *c, size_t n);
/** Free what one entry owns and zero it. */
void gk_precheck_clear(gk_precheck *c);

/* How each check ran. */
enum gk_precheck_status {
	GK_PRECHECK_RAN = 0,
	GK_PRECHECK_ABSENT,       /* the table is not on the target: the pending migrations create it */
	GK_PRECHECK_NOT_RUN,      /* timed out, not allowed, failed: `why` says */
};

typedef struct gk_precheck_result {
	enum gk_precheck_status status;
	enum gk_precheck_kind kind;  /* what was counted (VALIDATE: CHECK or FOREIGN_KEY, from the catalog) */
	long long count;        /* violating rows (UNIQUE: duplicate groups; LOSS_*: rows) */
	long long count2;       /* UNIQUE: rows in those groups; LOSS_COLUMN: non-null values */
	bool sampled;           /* counted on a sample: at least `count` (or an estimate for LOSS_*) */
	bool estimate;          /* LOSS_*: from the statistics, not counted */
	double ms;              /* how long the query ran */
	char *why;              /* NOT_RUN: one line, no values */
} gk_precheck_result;

/* Rows a sample reads from each table (the first ones, in physical order). */
#define GK_PRECHECK_SAMPLE_ROWS 100000

typedef struct gk_precheck_options {
	bool sample;            /* read at most GK_PRECHECK_SAMPLE_ROWS rows per table; data loss
				 * from the statistics */
	int timeout_ms;         /* statement_timeout of each check; <= 0: GK_TARGET_STATEMENT_TIMEOUT_MS */
} gk_precheck_options;

/**
 * Run check `c` on the target in a read-only transaction of its own under
 * the options' statement_timeout.  A timeout, a lock_timeout, a role
 * without SELECT, a column or table missing, or any other failure of the
 * query is GK_PRECHECK_NOT_RUN with the reason (a server message is quoted
 * only when it cannot hold a value), never a pass.  Returns 0, GK_ENOMEM,
 * or GK_EINFRA when the connection is lost.  Free with
 * gk_precheck_result_free().
 */
int gk_target_precheck(gk_target *t, const gk_precheck *c, const gk_precheck_options *o, gk_precheck_result *out,
		       gk_error *err);

void gk_precheck_result_free(gk_precheck_result *res);

/**
 * The gate's data preconditions: find the checks of the pending migrations
 * `in`, run each on `t`, and add their findings (precondition-failed,
 * data-loss-estimate) and notes (checks not run, samples that found
 * nothing) to `r`.  Returns 0, GK_ENOMEM or GK_EINFRA (connection lost).
 */
int gk_target_data_checks(gk_report *r, const gk_lint_options *lo, gk_target *t, const gk_precheck_input *in,
			  size_t n, const gk_precheck_options *o, gk_error *err);

#endif
