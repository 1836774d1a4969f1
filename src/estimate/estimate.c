/*
 * estimate.c - a statement timed at growing sizes of its table, and the
 * fit that extrapolates it to production (see estimate.h).
 *
 * Each size is filled and committed, then vacuumed and analysed as a
 * production table would be (hint bits set, visibility map, statistics),
 * and the statement runs twice in a transaction that is rolled back; the
 * faster run counts, since the slower one is the one the machine's other
 * work disturbed.  The fit is deliberately a range, not a line: the
 * marginal cost per row differs between sizes (caches, the sort of an
 * index build), and the range carries both the lowest and the highest of
 * them to the production size.
 */
#include "estimate/estimate.h"
#include "util/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const long DEFAULT_SIZES[] = {10000, 50000, 200000};
#define DEFAULT_LIMIT_S 120.0

/*
 * Margins around the extrapolated range, from `make bench`
 * (bench/estimate.c: predicted from 10k/50k/200k, measured at 1M and 5M
 * rows on the embedded server): what one machine's caches and the
 * statement's fixed costs do between the calibration sizes and production.
 * They widen the range; they never move its middle.
 */
#define LOW_MARGIN 0.5
#define HIGH_MARGIN 2.0

/*
 * A btree CREATE INDEX builds in parallel when the planner gives it
 * workers (plan_create_index_workers() in the server's
 * optimizer/plan/planner.c, compute_parallel_worker() in allpaths.c): one
 * worker once the heap reaches min_parallel_table_scan_size, one more each
 * time it triples, at most max_parallel_maintenance_workers, then fewer
 * while maintenance_work_mem would leave a participant (the leader is one)
 * under 32 MB.  With the server's defaults below that is one worker, two
 * participants, from 8 MB of heap on.
 *
 * The calibration sizes straddle 8 MB for ordinary rows (50k rows of the
 * bench's table are 6.7 MB, 200k are 27 MB), so the server built the
 * small sizes serially and the largest in parallel, and the slope between
 * them measured the switch (a worker to start, sorted runs written to
 * shared tapes for the leader to merge, which cost more than they save at
 * 200k rows: 350 ms in parallel against 221 ms serially at load 5), not
 * the rows: the bench predicted 948-4801 ms for 1M rows and measured
 * 576 ms.  So the calibration builds serially (time_once()) and the
 * parallel build production can use with the defaults lowers the bottom
 * of the range by its participants; the top stays serial, which a server
 * with workers set to 0 or busy cores still runs.
 */
#define PG_MIN_PARALLEL_TABLE_SCAN_BYTES (8.0 * 1024 * 1024)
#define PG_MAX_PARALLEL_MAINTENANCE_WORKERS 2
#define PG_MAINTENANCE_WORK_MEM_KB 65536L
#define PG_PARTICIPANT_MIN_KB 32768L

void gk_estimate_result_free(gk_estimate_result *e)
{
	if (!e)
		return;
	free(e->schema);
	free(e->name);
	free(e->method);
	memset(e, 0, sizeof *e);
}

/* ---- the fit ------------------------------------------------------------ */

/* Participants (leader included) of a btree build over `heap_bytes` of
 * heap on a server with the default settings (see above). */
static int index_build_participants(double heap_bytes)
{
	if (heap_bytes < PG_MIN_PARALLEL_TABLE_SCAN_BYTES)
		return 1;
	int workers = 1;
	for (double t = PG_MIN_PARALLEL_TABLE_SCAN_BYTES; heap_bytes >= t * 3; t *= 3)
		workers++;
	if (workers > PG_MAX_PARALLEL_MAINTENANCE_WORKERS)
		workers = PG_MAX_PARALLEL_MAINTENANCE_WORKERS;
	while (workers > 0 && PG_MAINTENANCE_WORK_MEM_KB / (workers + 1) < PG_PARTICIPANT_MIN_KB)
		workers--;
	return workers + 1;
}

/* The production heap: as given, else `n` rows as wide as the largest
 * size's; < 0 when neither is known. */
static double production_heap(const gk_estimate_point *p, size_t n_points, double n, double heap_bytes)
{
	const gk_estimate_point *last = &p[n_points - 1];
	if (heap_bytes >= 0)
		return heap_bytes;
	return last->heap_bytes > 0 ? n * (last->heap_bytes / (double)last->rows) : -1;
}

int gk_estimate_build_participants(const gk_estimate_point *p, size_t n_points, double n, double heap_bytes)
{
	return index_build_participants(production_heap(p, n_points, n, heap_bytes));
}

/* Least-squares slope of ms over rows. */
static double ls_slope(const gk_estimate_point *p, size_t n)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0;
	for (size_t i = 0; i < n; i++) {
		sx += (double)p[i].rows;
		sy += p[i].ms;
		sxx += (double)p[i].rows * (double)p[i].rows;
		sxy += (double)p[i].rows * p[i].ms;
	}
	double d = (double)n * sxx - sx * sx;
	return d > 0 ? ((double)n * sxy - sx * sy) / d : 0;
}

void gk_estimate_fit(const gk_estimate_point *p, size_t n_points, double n, double heap_bytes, bool sort,
		     double *low_ms, double *high_ms)
{
	const gk_estimate_point *last = &p[n_points - 1];
	double b = ls_slope(p, n_points);
	double b_last = (last->ms - p[n_points - 2].ms) / (double)(last->rows - p[n_points - 2].rows);
	double b_mean = last->ms / (double)last->rows;  /* fixed costs included: the steepest */
	double b_lo = fmin(b, b_last), b_hi = fmax(fmax(b, b_last), b_mean);
	/* Timed serially; production may split the build (see above). */
	int participants = sort ? gk_estimate_build_participants(p, n_points, n, heap_bytes) : 1;
	if (b_lo <= 0)  /* noise at the small sizes: no less than half the mean */
		b_lo = b_mean / 2;
	/* Rows, and rows of the synthetic width that the production heap holds. */
	double n_lo = n, n_hi = n;
	if (heap_bytes > 0 && last->heap_bytes > 0) {
		double by_size = heap_bytes / (last->heap_bytes / (double)last->rows);
		n_lo = fmin(n, by_size);
		n_hi = fmax(n, by_size);
	}
	if (n_hi <= (double)last->rows) {
		/* Production no larger than the largest size (a gate on a small
		 * table): carrying the slope down from there can go below zero.
		 * Time grows with rows, so it lies between the measured size
		 * just below (none: the lowest cost per row from nothing) and
		 * the one just above. */
		size_t k = 0;
		while ((double)p[k].rows < n_hi)
			k++;
		size_t j = n_points;
		while (j > 0 && (double)p[j - 1].rows > n_lo)
			j--;
		double below = j > 0 ? p[j - 1].ms : b_lo * n_lo;
		*low_ms = below * LOW_MARGIN / participants;
		*high_ms = fmax(p[k].ms, below) * HIGH_MARGIN;
		return;
	}
	double lo = last->ms + b_lo * (n_lo - (double)last->rows);
	double hi = last->ms + b_hi * (n_hi - (double)last->rows);
	if (sort && n_hi > (double)last->rows)
		hi *= log(n_hi) / log((double)last->rows);
	*low_ms = fmax(lo, 0) * LOW_MARGIN / participants;
	*high_ms = fmax(hi, lo) * HIGH_MARGIN;
}

void gk_estimate_describe(char *buf, size_t size, double low_ms, double high_ms)
{
	double hi = high_ms;
	if (hi < 1000)
		snprintf(buf, size, "~%.0f–%.0f ms", low_ms, high_ms);
	else if (hi < 60e3)
		snprintf(buf, size, "~%.1f–%.1f s", low_ms / 1e3, high_ms / 1e3);
	else if (hi < 3600e3)
		snprintf(buf, size, "~%.0f–%.0f min", floor(low_ms / 60e3), ceil(high_ms / 60e3));
	else
		snprintf(buf, size, "~%.1f–%.1f h", low_ms / 3600e3, high_ms / 3600e3);
}

void gk_estimate_describe_ms(char *buf, size_t size, double ms)
{
	if (ms < 1000)
		snprintf(buf, size, "%.0f ms", ms);
	else if (ms < 60e3)
		snprintf(buf, size, "%.3g s", ms / 1e3);
	else if (ms < 3600e3)
		snprintf(buf, size, "%.3g min", ms / 60e3);
	else
		snprintf(buf, size, "%.3g h", ms / 3600e3);
}

/* ---- timing --------------------------------------------------------------- */

static int exec_ok(PGconn *c, const char *sql, gk_error *err, const char *what)
{
	PGresult *res = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(res);
	PQclear(res);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return 0;
	char msg[512];
	snprintf(msg, sizeof msg, "%s", PQerrorMessage(c));
	gk_one_line(msg);
	return gk_error_set(err, PQstatus(c) == CONNECTION_OK ? GK_ECONFIG : GK_EINFRA, "%s: %s", what, msg);
}

/* Seconds left of the run's estimate time. */
static double left_s(const gk_estimate_options *o)
{
	double limit = o->time_limit_s > 0 ? o->time_limit_s : DEFAULT_LIMIT_S;
	return limit - (gk_now() - o->started);
}

/*
 * One run of `sql` in a transaction rolled back, under a statement
 * timeout of the time left.  *timed_out when the limit cancelled it.
 */
static int time_once(PGconn *c, const gk_estimate_options *o, const char *sql, bool sorts, double *ms,
		     bool *timed_out, gk_error *err)
{
	char set[96];
	double left = left_s(o);
	*timed_out = left <= 0;
	if (*timed_out)
		return 0;
	snprintf(set, sizeof set, "SET LOCAL statement_timeout = %ld", (long)(left * 1000) + 1);
	int rc = exec_ok(c, "BEGIN", err, "BEGIN");
	if (rc == 0)
		rc = exec_ok(c, set, err, "statement_timeout");
	/* An index build serially at every size: the server would switch to
	 * a parallel build between them (see PG_MIN_PARALLEL_TABLE_SCAN_BYTES). */
	if (rc == 0 && sorts)
		rc = exec_ok(c, "SET LOCAL max_parallel_maintenance_workers = 0", err, "serial index build");
	double t0 = gk_now();
	PGresult *res = rc == 0 ? PQexec(c, sql) : NULL;
	*ms = (gk_now() - t0) * 1000.0;
	if (res) {
		ExecStatusType st = PQresultStatus(res);
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		*timed_out = state && !strcmp(state, "57014");
		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && !*timed_out) {
			char msg[512];
			snprintf(msg, sizeof msg, "%s", PQresultErrorMessage(res));
			gk_one_line(msg);
			rc = gk_error_set(err, PQstatus(c) == CONNECTION_OK ? GK_ECONFIG : GK_EINFRA,
					  "the statement failed on synthetic rows: %s", msg);
		}
	}
	PQclear(res);
	PGresult *rb = PQexec(c, "ROLLBACK");
	PQclear(rb);
	return rc;
}

int gk_estimate_empty(PGconn *c, const char *schema, const char *name, gk_error *err)
{
	char *qs = PQescapeIdentifier(c, schema, strlen(schema)), *qn = PQescapeIdentifier(c, name, strlen(name));
	char *q = qs && qn ? gk_asprintf("TRUNCATE %s.%s CASCADE", qs, qn) : NULL;
	PQfreemem(qs);
	PQfreemem(qn);
	int rc = q ? exec_ok(c, q, err, "emptying the table") : gk_error_set(err, GK_ENOMEM, "out of memory");
	free(q);
	return rc;
}

/* Heap bytes of the table now. */
static double heap_size(PGconn *c, const char *schema, const char *name)
{
	const char *params[] = {schema, name};
	PGresult *res = PQexecParams(c, "SELECT pg_relation_size(format('%I.%I', $1::text, $2::text)::regclass)", 2,
				     NULL, params, NULL, NULL, 0);
	double b = PQresultStatus(res) == PGRES_TUPLES_OK ? atof(PQgetvalue(res, 0, 0)) : -1;
	PQclear(res);
	return b;
}

/* Fill to `rows`, vacuum, and time the best of two runs. */
static int time_size(PGconn *c, const gk_estimate_options *o, const char *sql, bool sorts, const char *schema,
		     const char *name, long rows, gk_estimate_point *pt, bool *timed_out, gk_error *err)
{
	int rc = gk_estimate_fill(c, schema, name, rows, err);
	char *qs = rc == 0 ? PQescapeIdentifier(c, schema, strlen(schema)) : NULL;
	char *qn = rc == 0 ? PQescapeIdentifier(c, name, strlen(name)) : NULL;
	char *vac = qs && qn ? gk_asprintf("VACUUM (ANALYZE) %s.%s", qs, qn) : NULL;
	PQfreemem(qs);
	PQfreemem(qn);
	if (rc == 0)
		rc = vac ? exec_ok(c, vac, err, "VACUUM") : gk_error_set(err, GK_ENOMEM, "out of memory");
	free(vac);
	double best = -1;
	for (int run = 0; rc == 0 && run < 2 && !*timed_out; run++) {
		double ms = 0;
		rc = time_once(c, o, sql, sorts, &ms, timed_out, err);
		if (rc == 0 && !*timed_out && (best < 0 || ms < best))
			best = ms;
	}
	*pt = (gk_estimate_point){.rows = rows, .heap_bytes = heap_size(c, schema, name), .ms = best};
	return rc;
}

/* "10k", "1.5M": a row count for a reader. */
static void count_text(char *buf, size_t size, double n)
{
	if (n >= 1e9)
		snprintf(buf, size, "%.3gG", n / 1e9);
	else if (n >= 1e6)
		snprintf(buf, size, "%.3gM", n / 1e6);
	else if (n >= 1e3)
		snprintf(buf, size, "%.3gk", n / 1e3);
	else
		snprintf(buf, size, "%.0f", n);
}

static char *method_text(const gk_estimate_result *e, const gk_estimate_table *prod, bool sorts)
{
	gk_buf b = GK_BUF_INIT;
	char t[32];
	gk_buf_printf(&b, "calibrated on %zu sizes (", e->n_points);
	for (size_t i = 0; i < e->n_points; i++) {
		count_text(t, sizeof t, (double)e->points[i].rows);
		gk_buf_printf(&b, "%s%s", i ? ", " : "", t);
	}
	count_text(t, sizeof t, prod->rows);
	gk_buf_printf(&b, " rows), cost per row%s, extrapolated to %s rows", prod->heap_bytes > 0 ? " and per MB" : "",
		      t);
	if (prod->heap_bytes > 0)
		gk_buf_printf(&b, " and %.0f MB", prod->heap_bytes / (1024.0 * 1024.0));
	int participants = sorts ? gk_estimate_build_participants(e->points, e->n_points, prod->rows,
								   prod->heap_bytes) : 1;
	if (sorts)
		gk_buf_printf(&b, "; built serially here");
	if (participants > 1)
		gk_buf_printf(&b, ", the low end allows a parallel build of %d participants "
			      "(the server's default settings)", participants);
	return gk_buf_take(&b);
}

int gk_estimate_statement(gk_estimate_result *out, PGconn *c, gk_estimate_options *o, const char *sql,
			  const char *schema, const char *name, const char *lock, bool sorts,
			  const gk_estimate_table *prod, gk_error *err)
{
	memset(out, 0, sizeof *out);
	if (o->started == 0)
		o->started = gk_now();
	const long *sizes = o->sizes[0] ? o->sizes : DEFAULT_SIZES;
	size_t n_sizes = o->sizes[0] ? 0 : sizeof DEFAULT_SIZES / sizeof *DEFAULT_SIZES;
	while (o->sizes[0] && n_sizes < GK_ESTIMATE_MAX_SIZES && o->sizes[n_sizes])
		n_sizes++;
	bool timed_out = false;
	int rc = gk_estimate_empty(c, schema, name, err);
	for (size_t i = 0; rc == 0 && i < n_sizes && !timed_out && left_s(o) > 0; i++) {
		gk_estimate_point pt;
		rc = time_size(c, o, sql, sorts, schema, name, sizes[i], &pt, &timed_out, err);
		if (rc == 0 && pt.ms >= 0)
			out->points[out->n_points++] = pt;
	}
	if (rc < 0)
		return rc;
	if (out->n_points < 2)
		return gk_error_set(err, GK_ERROR, "the time limit for estimates (%.0f s) ran out after %zu of %zu sizes",
				    o->time_limit_s > 0 ? o->time_limit_s : DEFAULT_LIMIT_S, out->n_points, n_sizes);
	out->schema = gk_strdup(schema);
	out->name = gk_strdup(name);
	out->lock = lock;
	out->production_rows = prod->rows;
	gk_estimate_fit(out->points, out->n_points, prod->rows, prod->heap_bytes, sorts, &out->low_ms, &out->high_ms);
	out->method = method_text(out, prod, sorts);
	if (!out->schema || !out->name || !out->method) {
		gk_estimate_result_free(out);
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	return 0;
}
