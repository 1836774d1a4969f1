/*
 * estimate.h - predicted lock windows, calibrated on the shadow.
 *
 * A statement that rewrites a table, scans it or builds an index holds its
 * lock for a time that grows with the table.  The replay's shadow has the
 * schema but no rows, so the time it observes says nothing about
 * production.  This block fills a table of a shadow database with
 * synthetic rows that respect its column types, NOT NULL, unique keys and
 * foreign keys, at two or three sizes (10k, 50k, 200k rows by default,
 * within a total time limit), times the statement at each size inside a
 * transaction that is rolled back, fits the cost per row and extrapolates
 * to the production row count (and to the production heap size, for rows
 * wider or narrower than the synthetic ones) as a range.
 *
 * Ownership: every function that fills a struct allocates its strings;
 * free with the matching *_free().  Nothing here prints.
 */
#ifndef GK_ESTIMATE_H
#define GK_ESTIMATE_H

#include "gatekeeper/common.h"
#include "gatekeeper/config.h"
#include "gatekeeper/lint.h"
#include "gatekeeper/report.h"
#include "catalog/stats.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/* A table's size in production (from a statistics file or a test hook). */
typedef struct gk_estimate_table {
	char *schema, *name;   /* owned */
	double rows;           /* reltuples; < 0: not known */
	double heap_bytes;     /* main fork; < 0: not known */
	double total_bytes;    /* with indexes and TOAST; < 0: not known */
} gk_estimate_table;

typedef struct gk_estimate_tables {
	gk_estimate_table *t;
	size_t n;
} gk_estimate_tables;

/** Free the tables and their strings (not `ts` itself). */
void gk_estimate_tables_free(gk_estimate_tables *ts);

/**
 * Add the test hook's "TABLE=N" (TABLE as schema.name or name, public
 * then; N a row count, with an optional k/M/G suffix).  GK_ECONFIG with
 * a message naming the text when it does not read.
 */
int gk_estimate_tables_add_rows(gk_estimate_tables *ts, const char *spec, gk_error *err);

/**
 * Read the tables of a statistics snapshot (schemas/stats/v1.json:
 * per table schema, name, reltuples, heap_bytes, total_bytes; other keys
 * are ignored).  GK_EIO when it cannot be read, GK_ECONFIG with the
 * file's name and what is wrong when it is not such a snapshot.
 */
int gk_estimate_tables_load(gk_estimate_tables *ts, const char *path, gk_error *err);

/**
 * Append the tables of a statistics snapshot already read (the gate's,
 * from its target): rows as gk_stats_rows() gives them (reltuples, else
 * the live rows).  A table with no rows is left out: its lock window does
 * not grow with it, and calibrating it would only cost time.  0 or
 * GK_ENOMEM.
 */
int gk_estimate_tables_from_stats(gk_estimate_tables *ts, const gk_stats *s, gk_error *err);

/** The production size of schema.name (schema NULL = public), or NULL;
 * the first entry wins, so sizes added first override later ones. */
const gk_estimate_table *gk_estimate_tables_find(const gk_estimate_tables *ts, const char *schema,
						 const char *name);

#define GK_ESTIMATE_MAX_SIZES 4

typedef struct gk_estimate_options {
	long sizes[GK_ESTIMATE_MAX_SIZES];  /* ascending; all 0 = 10000, 50000, 200000 */
	double time_limit_s;                /* for the whole run; <= 0 = 120 s */
	double started;                     /* gk_now() when the budget started; 0 = first use */
} gk_estimate_options;

/* One timed size. */
typedef struct gk_estimate_point {
	long rows;
	double heap_bytes;    /* pg_relation_size after the fill */
	double ms;            /* the best of the statement's runs at this size */
} gk_estimate_point;

/* The estimate of one statement's lock window on one table. */
typedef struct gk_estimate_result {
	char *schema, *name;           /* the table (owned) */
	const char *lock;              /* static: "ACCESS EXCLUSIVE", ... */
	gk_estimate_point points[GK_ESTIMATE_MAX_SIZES];
	size_t n_points;
	double production_rows;        /* what it was extrapolated to */
	double low_ms, high_ms;
	char *method;                  /* one line, owned */
} gk_estimate_result;

void gk_estimate_result_free(gk_estimate_result *e);

/**
 * Fill `schema.name` on `c` (a shadow database, autocommit) up to `rows`
 * synthetic rows (rows already there count; those added are numbered
 * after them, so unique keys stay unique).  Tables its foreign keys
 * reference get reference rows first.  GK_ECONFIG with a message when a
 * column has a type no value can be made for, or the server refuses the
 * rows (a CHECK constraint the generator does not satisfy); GK_EINFRA
 * when the connection fails.
 */
int gk_estimate_fill(PGconn *c, const char *schema, const char *name, long rows, gk_error *err);

/** TRUNCATE schema.name CASCADE on `c` (a shadow database): before a
 * calibration, whose sizes count the table's rows.  GK_ECONFIG/GK_EINFRA. */
int gk_estimate_empty(PGconn *c, const char *schema, const char *name, gk_error *err);

/**
 * Estimate how long `sql` (one statement that can run in a transaction)
 * holds lock `lock` on schema.name in production, where the table has
 * `prod` rows (`sorts`: it builds an index, timed serially, see
 * gk_estimate_fit()):
 * empty the table (gk_estimate_empty()), fill it to each size of `o`,
 * time the statement in a rolled-back transaction, fit and extrapolate.
 * The synthetic rows stay (the caller empties the table when the database
 * lives on).  GK_ERROR when
 * the time limit left fewer than two sizes, GK_ECONFIG when the table
 * cannot be filled or the statement fails on it (the message says why, for
 * a note); GK_EINFRA when the connection fails.
 */
int gk_estimate_statement(gk_estimate_result *out, PGconn *c, gk_estimate_options *o, const char *sql,
			  const char *schema, const char *name, const char *lock, bool sorts,
			  const gk_estimate_table *prod, gk_error *err);

/**
 * The range for `n` rows (and, when heap_bytes >= 0, that heap size)
 * from the timed points (at least two): the marginal cost per row between
 * consecutive sizes, lowest and highest, carried from the largest size,
 * widened by the margins the bench measured (see the .c).  `sort`: the
 * statement sorts (an index build), whose cost per row grows with log n,
 * timed serially and possibly parallel in production (the low end is
 * divided by gk_estimate_build_participants()).
 */
void gk_estimate_fit(const gk_estimate_point *p, size_t n_points, double n, double heap_bytes, bool sort,
		     double *low_ms, double *high_ms);

/**
 * Participants (the leader included; 1 = serial) a btree index build
 * takes on a server with the default settings, for `n` rows (and heap
 * size when heap_bytes >= 0; else rows as wide as the largest point's).
 * The calibration builds serially; gk_estimate_fit() divides the low end
 * of a sorting statement's range by this.
 */
int gk_estimate_build_participants(const gk_estimate_point *p, size_t n_points, double n, double heap_bytes);

/** "~3–6 min", "~120–300 ms": a range for a reader (buf of at least 48 bytes). */
void gk_estimate_describe(char *buf, size_t size, double low_ms, double high_ms);

/** "5 s", "500 ms", "2 min": one duration for a reader. */
void gk_estimate_describe_ms(char *buf, size_t size, double ms);

/* ---- a change's migrations ------------------------------------------------ */

typedef struct gk_estimate_migration {
	const char *path;             /* as the report names it */
	const char *sql;              /* NUL-terminated */
	size_t len;
	bool estimate;                /* false: only applied (not part of the change) */
} gk_estimate_migration;

typedef struct gk_estimate_run_options {
	const gk_lint_options *lint;              /* the rules' severities, for the budget finding */
	int pg_version;                           /* the lock table's version */
	const gk_estimate_tables *production;     /* NULL: nothing is estimated, the walk only applies */
	const gk_lock_budget *budget;             /* NULL or all 0: no budget finding */
	gk_estimate_options limits;
} gk_estimate_run_options;

/**
 * Walk migrations `m` (in apply order) on the database `conninfo`, which
 * holds the schema before the first: apply each statement in turn (autocommit,
 * transaction control left out), and before each statement that rewrites
 * or scans a table with a production size, or builds an index on it,
 * estimate its lock window there (gk_estimate_statement()).  Each estimate
 * goes on the findings of `r` at that path and statement that predict a
 * lock or a rewrite (evidence; not a lock wait), else into a note; one above its lock's budget adds a
 * `lock-window-over-budget` finding.  A statement that fails, a table
 * that cannot be filled and a time limit that ran out are notes.  0,
 * GK_ENOMEM, or GK_EINFRA when the shadow cannot be reached.
 */
int gk_estimate_migrations(gk_report *r, const gk_estimate_run_options *o, const char *conninfo,
			   const gk_estimate_migration *m, size_t n, gk_error *err);

#endif
