/*
 * lanes.c - the snapshot's queries on several connections at once.
 *
 * Most of a snapshot's time is the server rendering definitions
 * (pg_get_indexdef, pg_get_constraintdef, ...), one backend per
 * connection, single-threaded.  With the transaction's snapshot exported to
 * a second connection the server can render on two cores while this
 * process turns finished results into JSON: one thread, libpq's
 * asynchronous calls and poll().  Each job has its lane (queries.c says
 * why); with one connection it runs them all.
 */
#include "catalog/catalog_internal.h"
#include "util/util.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LANES 4
#define NETWORK_GRACE_MS 10000

typedef struct lane {
	PGconn *c;
	long job;          /* running job, -1 = idle */
	size_t next;       /* where to look for this lane's next job */
	PGresult *result;  /* the job's result, once it arrived */
} lane;

typedef struct run {
	lane lanes[MAX_LANES];
	size_t n;
	json_t *objects, *nc;
	const gk_catalog_options *o;
	const char *scope, *conninfo;
	gk_error *err;
} run;

/* The lane's next job, or gk_cat_n_jobs() when it has none left. */
static size_t next_job(const run *r, const lane *l)
{
	size_t i = l->next;
	while (i < gk_cat_n_jobs() && gk_cat_job_lane(i) % r->n != (size_t)(l - r->lanes))
		i++;
	return i;
}

static int send_job(run *r, lane *l, size_t i)
{
	l->next = i + 1;
	char *sql = gk_cat_job_sql(i, r->o);
	if (!sql)
		return gk_error_set(r->err, GK_ENOMEM, "out of memory");
	const Oid types[1] = {1009}; /* text[] */
	const char *params[1] = {r->scope};
	int ok = PQsendQueryParams(l->c, sql, 1, types, params, NULL, NULL, 0);
	free(sql);
	if (!ok)
		return gk_cat_sql_error(l->c, NULL, r->conninfo, "sending a catalog query", r->err);
	l->job = (long)i;
	return 0;
}

static int job_error(run *r, lane *l, const PGresult *res)
{
	char what[96];
	snprintf(what, sizeof what, "reading the %s", gk_cat_job_what((size_t)l->job));
	return gk_cat_sql_error(l->c, res, r->conninfo, what, r->err);
}

/* The job's result is complete (PQgetResult gave NULL): store it. */
static int finish_job(run *r, lane *l)
{
	PGresult *res = l->result;
	int rc;
	if (!res || PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = job_error(r, l, res);
	else
		rc = gk_cat_job_store((size_t)l->job, res, r->objects, r->nc, r->o, r->err);
	PQclear(res);
	l->result = NULL;
	l->job = -1;
	return rc;
}

/* Read what arrived on a busy lane; finish its job when it is done. */
static int drain(run *r, lane *l)
{
	if (!PQconsumeInput(l->c))
		return job_error(r, l, NULL);
	while (!PQisBusy(l->c)) {
		PGresult *res = PQgetResult(l->c);
		if (!res)
			return finish_job(r, l);
		if (l->result)  /* one statement gives one result: keep the first */
			PQclear(res);
		else
			l->result = res;
	}
	return 0;
}

static int wait_lanes(run *r)
{
	struct pollfd fds[MAX_LANES];
	size_t map[MAX_LANES], k = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->lanes[i].job >= 0) {
			fds[k] = (struct pollfd){PQsocket(r->lanes[i].c), POLLIN, 0};
			map[k++] = i;
		}
	if (k == 0)
		return 0;
	/* The server ends a statement at statement_timeout; this ends the wait
	 * when the server (or the network) says nothing at all. */
	int timeout = gk_cat_statement_timeout_ms(r->o) + NETWORK_GRACE_MS;
	int got = poll(fds, k, timeout);
	if (got < 0 && errno != EINTR)
		return gk_error_set(r->err, GK_EINFRA, "waiting for the server: %s", strerror(errno));
	if (got == 0) {
		char what[64];
		snprintf(what, sizeof what, "no answer from the server in %d s", timeout / 1000);
		return gk_cat_sql_error(r->lanes[map[0]].c, NULL, r->conninfo, what, r->err);
	}
	int rc = 0;
	for (size_t j = 0; rc == 0 && j < k; j++)
		if (fds[j].revents)
			rc = drain(r, &r->lanes[map[j]]);
	return rc;
}

static int loop(run *r)
{
	int rc = 0;
	for (;;) {
		bool pending = false;
		for (size_t i = 0; rc == 0 && i < r->n; i++) {
			lane *l = &r->lanes[i];
			size_t j = l->job < 0 ? next_job(r, l) : gk_cat_n_jobs();
			if (j < gk_cat_n_jobs())
				rc = send_job(r, l, j);
			pending |= l->job >= 0;
		}
		if (rc || !pending)
			return rc;
		rc = wait_lanes(r);
	}
}

int gk_cat_run_jobs(PGconn *const *conns, size_t n, json_t *objects, json_t *not_compared,
                    const gk_catalog_options *o, const char *conninfo, gk_error *err)
{
	run r = {.n = n < MAX_LANES ? n : MAX_LANES, .objects = objects, .nc = not_compared, .o = o,
		 .conninfo = conninfo, .err = err};
	char *scope = gk_cat_scope_literal(o);
	if (o->n_schemas && !scope)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	r.scope = scope;
	for (size_t i = 0; i < r.n; i++)
		r.lanes[i] = (lane){conns[i], -1, 0, NULL};
	int rc = loop(&r);
	/* After a failure the other lanes may still be running: their
	 * connections are closed by the caller, which ends their queries. */
	for (size_t i = 0; i < r.n; i++)
		PQclear(r.lanes[i].result);
	free(scope);
	if (rc == 0 && gk_cat_sort_not_compared(not_compared) != 0)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	return rc;
}
