/*
 * stats.h - a statistics snapshot of a database: the size and write
 * activity of each table and index, and nothing else (no row values, no
 * query texts, no user names, no connection details).
 *
 * `gatekeeper stats` takes one from a live database (read-only, as a
 * schema snapshot is taken) and writes it; `check --stats FILE` and the
 * lock-window estimate read it back.  The file format is
 * schemas/stats/v1.json ("format": "gatekeeper-stats/1"); a snapshot
 * taken here is indexed by the same code that reads a file, so what is
 * written can always be read back.
 *
 * Ownership: a gk_stats owns everything it holds; the tables and indexes
 * it hands out, and their strings, are borrowed and valid until
 * gk_stats_free().  Errors go to the caller's gk_error; nothing prints.
 */
#ifndef GK_CATALOG_STATS_H
#define GK_CATALOG_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "gatekeeper/common.h"
#include "gatekeeper/config.h"
#include "gatekeeper/lint.h"
#include "gatekeeper/report.h"

#include <libpq-fe.h>

#define GK_STATS_FORMAT "gatekeeper-stats/1"

typedef struct gk_stats gk_stats;

typedef struct gk_stats_index {
	const char *name;             /* in its table's schema */
	long long total_bytes;        /* pg_relation_size of the index */
	long long reltuples;          /* -1: never analyzed */
	long long idx_scan;
} gk_stats_index;

typedef struct gk_stats_table {
	const char *schema, *name;
	const char *kind;             /* "table", "partitioned table", "materialized view" */
	long long reltuples;          /* pg_class.reltuples; -1: never vacuumed or analyzed */
	long long total_bytes;        /* heap, indexes and TOAST */
	long long heap_bytes;         /* the main fork */
	long long n_tup_ins, n_tup_upd, n_tup_del, n_live_tup, n_dead_tup;
	const char *last_vacuum, *last_autovacuum, *last_analyze, *last_autoanalyze; /* ISO 8601 or NULL */
	bool sampled;                 /* a second sample was taken (--sample-seconds) */
	long long sample_ins, sample_upd, sample_del; /* increases over the sample */
	/* Writes (inserts, updates, deletes) per second: over the sample when
	 * there is one, else since the counters' reset; < 0 when unknown
	 * (never reset and not sampled). */
	double writes_per_second;
	const gk_stats_index *indexes; /* sorted by name */
	size_t n_indexes;
} gk_stats_table;

typedef struct gk_stats_options {
	/* > 0: read the write counters again after this many seconds, so
	 * that rates need no reset time. */
	int sample_seconds;
	int statement_timeout_ms;     /* 0: the catalog default (60 s) */
} gk_stats_options;

/**
 * Read a stats file.  GK_EIO when it cannot be read, GK_EPARSE when it is
 * not a gatekeeper-stats/1 document (the message names the file and the
 * line and column or the key at fault).
 */
int gk_stats_load(gk_stats **out, const char *path, gk_error *err);

/** The same from text already read; `name` is used in messages. */
int gk_stats_parse(gk_stats **out, const char *text, size_t len, const char *name, gk_error *err);

/**
 * Take a snapshot of the database at `conninfo` over a read-only
 * connection (src/catalog/connect.c).  GK_ECONFIG for a URL that does not
 * parse or a server older than 14, GK_EINFRA when the server cannot be
 * reached or read, GK_EINTR when interrupted during the sample.
 */
int gk_stats_take(gk_stats **out, const char *conninfo, const gk_stats_options *o, gk_error *err);

/**
 * The same over `c`, a read-only session the caller holds open and idle
 * (no transaction in progress; the gate's target session): the snapshot's
 * transaction is begun and ended on it, and it stays open.  `conninfo`
 * only keeps its secrets out of messages.  No second sample.
 */
int gk_stats_take_on(gk_stats **out, PGconn *c, const char *conninfo, gk_error *err);

/** Write the document (two-space indented JSON, final newline). */
int gk_stats_write(const gk_stats *s, FILE *f, gk_error *err);

void gk_stats_free(gk_stats *s);

/** When it was taken, seconds since the epoch. */
long long gk_stats_taken_at(const gk_stats *s);
/** server_version_num of the database it was taken from. */
int gk_stats_server_version(const gk_stats *s);

size_t gk_stats_count(const gk_stats *s);
const gk_stats_table *gk_stats_table_at(const gk_stats *s, size_t i);

/** The table `schema.name` (schema NULL or "" = public), or NULL. */
const gk_stats_table *gk_stats_find(const gk_stats *s, const char *schema, const char *name);

/** The table whose index is `schema.name`, *index set to it; NULL when none. */
const gk_stats_table *gk_stats_find_index(const gk_stats *s, const char *schema, const char *name,
					  const gk_stats_index **index);

/**
 * The table or index `relation` names as quote_ident() writes it
 * ("public.users", "app.\"Booking\"": the replay's trace), or NULL; for
 * an index, its table is returned and *index set (else *index is NULL).
 */
const gk_stats_table *gk_stats_find_quoted(const gk_stats *s, const char *relation, const gk_stats_index **index);

/** The best row count: reltuples, or n_live_tup when never analyzed. */
long long gk_stats_rows(const gk_stats_table *t);

/* ---- stats_context.c: what findings mean on the production tables ---- */

/** "18 GB", "1.5 MB", "300 bytes" (powers of 1024, as pg_size_pretty). */
void gk_stats_format_bytes(char *out, size_t n, long long bytes);

/**
 * Give each finding of `r` that predicts a lock, rewrite, scan or index
 * build on a table (or index) present in `s` its production context
 * (gk_finding.production, `source` its source: "stats file", "target"),
 * and apply the size thresholds `t` (NULL: none) to its severity, the
 * size and the threshold added to its message.  Call before
 * gk_report_finish().  Returns 0 or GK_ENOMEM.
 */
int gk_stats_annotate(gk_report *r, const gk_stats *s, const char *source, const gk_size_thresholds *t,
		      gk_error *err);

/**
 * Add a `stats-stale` finding to `r` (on file `name`, with `lint`'s
 * severity for the rule) when `s` was taken more than `max_age_s` (0: the
 * default, 7 days) before `now` (seconds since the epoch): stale
 * statistics are used, never silently.  Returns 0 or GK_ENOMEM.
 */
int gk_stats_check_age(gk_report *r, const gk_lint_options *lint, const gk_stats *s, const char *name,
		       double max_age_s, long long now, gk_error *err);

#endif
