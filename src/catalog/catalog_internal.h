/*
 * catalog_internal.h - what the files of src/catalog share (not public API).
 *
 *   connect.c   the read-only connection and its one transaction; messages
 *               without passwords
 *   queries.c   the catalog queries, one per object kind, and the rows
 *               they return turned into the snapshot's objects
 *   lanes.c     running the queries on several connections at once
 *   snapshot.c  the document: read, load, write, SHA-256
 *   canon.c     its canonical bytes
 *   ident.c     identities: their parts, schema, owner, glob matching
 *   diff.c      the comparison of two snapshots
 *   message.c   the one-line messages of the comparison
 */
#ifndef GK_CATALOG_INTERNAL_H
#define GK_CATALOG_INTERNAL_H

#include <jansson.h>
#include <libpq-fe.h>

#include "catalog/catalog.h"

#define GK_CATALOG_FORMAT "gatekeeper-catalog/1"
/* The oldest server whose catalogs the queries know (attcompression: 14). */
#define GK_CATALOG_MIN_VERSION 140000
/* Defaults of gk_catalog_options' timeouts. */
#define GK_CATALOG_STATEMENT_TIMEOUT_MS 60000
#define GK_CATALOG_LOCK_TIMEOUT_MS 5000

struct gk_catalog {
	json_t *doc;        /* the canonical document (catalog.h) */
	int server_version; /* server_version_num */
	char sha[65];       /* "" until computed */
};

/** The canonical bytes of a document, with a final newline (malloc'ed;
 * NULL when out of memory). */
char *gk_cat_canonical(const json_t *doc, size_t *len);

/* Wrap a document already checked to be well formed (takes the reference). */
gk_catalog *gk_cat_wrap(json_t *doc);

/* ---- connect.c -------------------------------------------------------- */

/**
 * Connect to `conninfo` read-only: its own settings kept, `options` gets
 * default_transaction_read_only=on and the timeouts appended, jit off.
 * GK_ECONFIG when the string does not parse or the server is older than
 * GK_CATALOG_MIN_VERSION, GK_EINFRA when it cannot connect.
 */
int gk_cat_connect(PGconn **out, const char *conninfo, const gk_catalog_options *o, gk_error *err);

/** The statement_timeout the connection gets. */
int gk_cat_statement_timeout_ms(const gk_catalog_options *o);

/** GK_EINFRA "<what> on <where>: <server message>" with every secret of
 * `conninfo` masked. */
int gk_cat_sql_error(PGconn *c, const PGresult *r, const char *conninfo, const char *what, gk_error *err);

/* ---- queries.c -------------------------------------------------------- */

/* The object kinds read, in the order a diff reports them. */
extern const char *const gk_cat_kinds[];
extern const size_t gk_cat_n_kinds;
/* Kinds of not_compared that belong to no schema. */
bool gk_cat_kind_global(const char *kind);

/* The queries of a snapshot ("jobs"), each run once on any connection of
 * the snapshot's transaction; their results fill `objects` (an object per
 * kind of gk_cat_kinds, already present) and `not_compared`. */
size_t gk_cat_n_jobs(void);
/** The lane (0 or 1) the job runs on when there are two. */
unsigned gk_cat_job_lane(size_t i);
const char *gk_cat_job_what(size_t i);
/** The job's SQL (malloc'ed); $1 is the schema list (text[]) or NULL. */
char *gk_cat_job_sql(size_t i, const gk_catalog_options *o);
int gk_cat_job_store(size_t i, const PGresult *r, json_t *objects, json_t *not_compared,
                     const gk_catalog_options *o, gk_error *err);
/** not_compared's lists in byte order (rows come in any order). */
int gk_cat_sort_not_compared(json_t *not_compared);
/** The schema list as a text[] literal; NULL for none (or out of memory). */
char *gk_cat_scope_literal(const gk_catalog_options *o);

/* ---- lanes.c ---------------------------------------------------------- */

/**
 * Run every job on `n` connections, each inside a transaction on the same
 * snapshot, a job at a time per connection, storing results as they come.
 */
int gk_cat_run_jobs(PGconn *const *conns, size_t n, json_t *objects, json_t *not_compared,
                    const gk_catalog_options *o, const char *conninfo, gk_error *err);

/** A JSON string for possibly invalid UTF-8 (bad bytes become U+FFFD). */
json_t *gk_cat_string(const char *s, size_t len);

/* ---- ident.c ---------------------------------------------------------- */

/** Length of the identity without its last part ("a.b.c" -> 3), quotes
 * respected; 0 when it has one part. */
size_t gk_cat_ident_parent_len(const char *id);
/** The first part, unquoted, into `out` (truncated to `size`). */
void gk_cat_ident_first(char *out, size_t size, const char *id);
/** Copy without the quoting quote_ident() added; NULL when out of memory. */
char *gk_cat_ident_unquote(const char *id);
/** Whether "kind:id" (or id, for a glob without ':') matches a glob, also
 * with the identity unquoted. */
bool gk_cat_glob_match(const char *glob, const char *kind, const char *id);

/* ---- message.c -------------------------------------------------------- */

/** A value as gk_catalog_change holds it: NULL for none. */
char *gk_cat_value_text(const json_t *v);
/** The one-line message of a change (malloc'ed; NULL when out of memory). */
char *gk_cat_message(enum gk_catalog_change_kind k, const char *kind, const char *id, const char *attr,
                     const json_t *expected, const json_t *actual, const char *exp_name,
                     const char *act_name);

#endif
