/*
 * estimate.c - `make bench` (BENCH_ONLY=estimate): does the lock-window
 * model hold on this machine?  For each kind of statement whose lock
 * window grows with the table (a rewrite, the scan of SET NOT NULL, the
 * scan of VALIDATE CONSTRAINT, an index build) it predicts, as `check`
 * does, from the default calibration sizes (10k, 50k, 200k rows), then
 * fills the same table to each measured size (1M and 5M rows by default;
 * argv: other sizes), times the statement there (best of two, rolled
 * back) and prints the predicted range beside the measured time.  The
 * measurement runs with the server's default settings, as production
 * would: an index build there is parallel from 8 MB of heap on, while
 * the calibration builds serially (see estimate/estimate.c).
 *
 * Exit 0 when every measured time is inside its range, 1 otherwise, 3
 * when no embedded server can be started.
 */
#include "estimate/estimate.h"
#include "shadow/shadow.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char SCHEMA[] =
	"CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL, amount numeric NOT NULL,\n"
	"  note text, status text, created_at timestamptz NOT NULL DEFAULT now());\n"
	"ALTER TABLE orders ADD CONSTRAINT amount_positive CHECK (amount > 0) NOT VALID;";

typedef struct kind {
	const char *name, *lock, *sql;
	bool sorts;
} kind;

static const kind KINDS[] = {
	{"rewrite", "ACCESS EXCLUSIVE", "ALTER TABLE orders ALTER COLUMN customer_id TYPE bigint", false},
	{"set-not-null", "ACCESS EXCLUSIVE", "ALTER TABLE orders ALTER COLUMN status SET NOT NULL", false},
	{"validate", "SHARE UPDATE EXCLUSIVE", "ALTER TABLE orders VALIDATE CONSTRAINT amount_positive", false},
	{"index", "SHARE", "CREATE INDEX orders_note ON orders (note)", true},
};
#define N_KINDS (sizeof KINDS / sizeof *KINDS)

static int run(PGconn *c, const char *sql)
{
	PGresult *res = PQexec(c, sql);
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "bench estimate: %s: %s", sql, PQerrorMessage(c));
	PQclear(res);
	return ok ? 0 : -1;
}

/* Best of two runs of `sql` rolled back, in ms; < 0 on failure. */
static double measure(PGconn *c, const char *sql)
{
	double best = -1;
	for (int i = 0; i < 2; i++) {
		if (run(c, "BEGIN") < 0)
			return -1;
		double t0 = gk_now();
		int rc = run(c, sql);
		double ms = (gk_now() - t0) * 1000.0;
		run(c, "ROLLBACK");
		if (rc < 0)
			return -1;
		if (best < 0 || ms < best)
			best = ms;
	}
	return best;
}

int main(int argc, char **argv)
{
	long sizes[8] = {1000000, 5000000};
	size_t n_sizes = 2;
	if (argc > 1) {
		n_sizes = 0;
		for (int i = 1; i < argc && n_sizes < 8; i++)
			sizes[n_sizes++] = atol(argv[i]);
	}
	gk_shadow *sh = NULL;
	gk_error err = {0};
	/* The process is ours: its cluster goes however it ends (Ctrl-C too). */
	gk_shadow_options so = {.cleanup_handlers = true};
	if (gk_shadow_open(&sh, &so, &err) != 0) {
		printf("bench estimate: SKIP: no embedded PostgreSQL: %s\n", err.msg);
		return 3;
	}
	PGconn *c = PQconnectdb(gk_shadow_conninfo(sh));
	if (PQstatus(c) != CONNECTION_OK || run(c, SCHEMA) < 0) {
		fprintf(stderr, "bench estimate: %s", PQerrorMessage(c));
		PQfinish(c);
		gk_shadow_close(sh);
		return 3;
	}
	gk_estimate_point pts[N_KINDS][GK_ESTIMATE_MAX_SIZES];
	size_t n_pts[N_KINDS];
	double calib_s = 0;
	for (size_t k = 0; k < N_KINDS; k++) {
		gk_estimate_options o = {.time_limit_s = 600};
		gk_estimate_table prod = {.rows = (double)sizes[0], .heap_bytes = -1, .total_bytes = -1};
		gk_estimate_result e;
		double t0 = gk_now();
		if (gk_estimate_statement(&e, c, &o, KINDS[k].sql, "public", "orders", KINDS[k].lock, KINDS[k].sorts,
					  &prod, &err) != 0) {
			fprintf(stderr, "bench estimate: %s: %s\n", KINDS[k].name, err.msg);
			return 1;
		}
		calib_s += gk_now() - t0;
		memcpy(pts[k], e.points, sizeof e.points);
		n_pts[k] = e.n_points;
		gk_estimate_result_free(&e);
	}
	printf("lock-window estimate: predicted from 10k/50k/200k rows (calibration %.1f s), measured (best of 2, "
	       "default settings)\n", calib_s);
	printf("%-14s %10s %24s %12s %8s  %s\n", "statement", "rows", "predicted", "measured", "ratio", "inside");
	int bad = 0;
	gk_estimate_empty(c, "public", "orders", &err);
	for (size_t s = 0; s < n_sizes; s++) {
		double t0 = gk_now();
		if (gk_estimate_fill(c, "public", "orders", sizes[s], &err) != 0 || run(c, "VACUUM (ANALYZE) orders") < 0) {
			fprintf(stderr, "bench estimate: fill %ld: %s\n", sizes[s], err.msg);
			return 1;
		}
		double fill_s = gk_now() - t0;
		for (size_t k = 0; k < N_KINDS; k++) {
			double lo, hi, ms = measure(c, KINDS[k].sql);
			gk_estimate_fit(pts[k], n_pts[k], (double)sizes[s], -1, KINDS[k].sorts, &lo, &hi);
			bool in = ms >= lo && ms <= hi;
			bad += !in;
			char range[64];
			snprintf(range, sizeof range, "%.0f–%.0f ms", lo, hi);
			printf("%-14s %10ld %24s %9.0f ms %8.2f  %s\n", KINDS[k].name, sizes[s], range, ms,
			       ms / ((lo + hi) / 2), in ? "yes" : "NO");
		}
		printf("%-14s %10ld (fill and vacuum %.1f s)\n", "", sizes[s], fill_s);
	}
	PQfinish(c);
	gk_shadow_close(sh);
	printf("lock-window estimate: %s (target: every measured time inside its predicted range)\n",
	       bad ? "FAIL" : "pass");
	return bad ? 1 : 0;
}
