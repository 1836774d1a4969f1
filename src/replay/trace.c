/*
 * trace.c - run a migration statement by statement and observe, after each,
 * which locks our backend holds on relations that existed before the
 * migration, and which of them were rewritten (new relfilenode).
 *
 * Why observe instead of infer: the lock a statement takes depends on the
 * server version and on details the static rules can only guess (a volatile
 * default rewrites, a constant one does not since PostgreSQL 11).  Locks are
 * held until the end of the transaction, so they are read inside it, after
 * each statement; a lock already held at least as strongly is not recorded
 * again.  Relations created by the migration itself are ignored: nobody
 * else can be waiting for them.  Dropped relations are still named, because
 * names come from the snapshot taken before the migration.  TOAST tables
 * are left out: they are locked and rewritten with their table, and their
 * names (pg_toast.pg_toast_16390) mean nothing to the reader.  Names are
 * quoted as SQL needs them (public."User"), so they can be pasted.
 */
#include "replay/replay_internal.h"
#include "util/interrupt.h"
#include "util/util.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* PostgreSQL's FirstNormalObjectId: lower oids belong to the system. */
#define FIRST_USER_OID 16384

typedef struct pre_rel {
	unsigned long oid, filenode;
	char relkind;
	char *name;  /* schema.name before the migration */
} pre_rel;

/* A relation lock seen by the sampler while a statement ran. */
typedef struct sampled {
	unsigned long oid;
	char mode[32];
} sampled;

typedef struct open_lock {
	unsigned long oid;
	double started;  /* when the statement that took it started */
} open_lock;

typedef struct tracer {
	PGconn *c;
	gk_replay_result *r;
	pre_rel *rels;
	size_t n_rels;
	open_lock *open;    /* parallel to r->locks */
	size_t cap_open, cap_locks;
	size_t tx_from;     /* first lock of the transaction still open */
	int stmt;           /* 1-based index of the statement just run */
	size_t stmt_start;  /* its byte offset in the file */
	double t_stmt;
	long timeout_ms;    /* lock_timeout in effect for the statement running */
	bool timeout_inherited; /* ... the one the session had before the migration */
	long start_timeout; /* lock_timeout when the migration began */
	bool timeout_set;   /* a statement of the migration changed it since */
	long next_timeout;  /* ... as read after it: for the next statement */
	PGconn *observer;   /* second session sampling pg_locks (NULL until needed) */
	bool no_observer;   /* it could not be opened: statements run unsampled */
	sampled *samples;   /* strongest mode per relation seen for the statement */
	size_t n_samples, cap_samples;
} tracer;

/* Lock modes from weakest to strongest (the conflict table's order). */
static int mode_rank(const char *mode)
{
	static const char *const modes[] = {
		"AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock",
		"ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock",
	};
	for (int i = 0; i < 8; i++)
		if (!strcmp(mode, modes[i]))
			return i + 1;
	return 0;
}

static pre_rel *find_rel(tracer *t, unsigned long oid)
{
	for (size_t i = 0; i < t->n_rels; i++)
		if (t->rels[i].oid == oid)
			return &t->rels[i];
	return NULL;
}

static PGresult *query(PGconn *c, const char *q)
{
	PGresult *res = PQexec(c, q);
	if (res && PQresultStatus(res) == PGRES_TUPLES_OK)
		return res;
	PQclear(res);
	return NULL;
}

/* ---- snapshot before the migration ---------------------------------------- */

static int snapshot(tracer *t)
{
	PGresult *res = query(t->c,
		"SELECT c.oid::int8, c.relfilenode::int8, quote_ident(n.nspname) || '.' || quote_ident(c.relname), "
		"c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
		"WHERE c.oid >= 16384 AND n.nspname <> 'pg_toast'");
	if (!res)
		return -1;
	int rows = PQntuples(res);
	t->rels = calloc(rows ? (size_t)rows : 1, sizeof *t->rels);
	for (int i = 0; t->rels && i < rows; i++) {
		pre_rel *p = &t->rels[t->n_rels++];
		p->oid = strtoul(PQgetvalue(res, i, 0), NULL, 10);
		p->filenode = strtoul(PQgetvalue(res, i, 1), NULL, 10);
		p->relkind = PQgetvalue(res, i, 3)[0];
		if (!(p->name = gk_strdup(PQgetvalue(res, i, 2))))
			break;
	}
	bool ok = t->rels && (t->n_rels == 0 || t->rels[t->n_rels - 1].name) &&
		  t->n_rels == (size_t)rows;
	PQclear(res);
	return ok ? 0 : GK_ENOMEM;
}

/* ---- recording ------------------------------------------------------------ */

/* Strongest mode recorded for `oid` in the open transaction; with
 * `this_stmt`, only by the current statement (its index in *at). */
static int held_rank(const tracer *t, unsigned long oid, bool this_stmt, size_t *at)
{
	int best = 0;
	for (size_t k = t->tx_from; k < t->r->n_locks; k++) {
		if (t->open[k].oid != oid || (this_stmt && t->r->locks[k].statement_index != t->stmt))
			continue;
		int rank = mode_rank(t->r->locks[k].mode);
		if (rank > best) {
			best = rank;
			if (at)
				*at = k;
		}
	}
	return best;
}

static gk_replay_lock *add_lock(tracer *t, const pre_rel *p, const char *mode)
{
	gk_replay_result *r = t->r;
	if (gk_grow(&r->locks, &t->cap_locks, r->n_locks + 1, sizeof *r->locks) != 0 ||
	    gk_grow(&t->open, &t->cap_open, r->n_locks + 1, sizeof *t->open) != 0)
		return NULL;
	gk_replay_lock *l = &r->locks[r->n_locks];
	*l = (gk_replay_lock){t->stmt, t->stmt_start, gk_strdup(p->name), gk_strdup(mode), false, 0,
			      t->timeout_ms, t->timeout_inherited && t->timeout_ms > 0};
	if (!l->relation || !l->mode) {
		free(l->relation);
		free(l->mode);
		return NULL;
	}
	t->open[r->n_locks++] = (open_lock){p->oid, t->t_stmt};
	return l;
}

/* Record `mode` on `p` unless the transaction already holds it as strongly;
 * the current statement keeps only its strongest mode per relation. */
static int note_lock(tracer *t, const pre_rel *p, const char *mode)
{
	int rank = mode_rank(mode);
	size_t at = 0;
	if (held_rank(t, p->oid, true, &at) > 0) {
		if (rank <= mode_rank(t->r->locks[at].mode))
			return 0;
		char *m = gk_strdup(mode);
		if (!m)
			return GK_ENOMEM;
		free(t->r->locks[at].mode);
		t->r->locks[at].mode = m;
		return 0;
	}
	if (rank <= held_rank(t, p->oid, false, NULL))
		return 0;
	return add_lock(t, p, mode) ? 0 : GK_ENOMEM;
}

static int read_locks(tracer *t)
{
	PGresult *res = query(t->c,
		"SELECT relation::int8, mode FROM pg_locks "
		"WHERE locktype = 'relation' AND pid = pg_backend_pid() AND granted "
		"AND relation IS NOT NULL");
	if (!res)
		return 0;  /* not readable now (no transaction): nothing held */
	int rc = 0;
	for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
		const pre_rel *p = find_rel(t, strtoul(PQgetvalue(res, i, 0), NULL, 10));
		if (p)
			rc = note_lock(t, p, PQgetvalue(res, i, 1));
	}
	PQclear(res);
	return rc;
}

/* Mark the rewrite on the current statement's lock of `p`, adding one in
 * the mode the transaction holds when an earlier statement of it took the
 * lock (the locks are read before the rewrites, so one is known). */
static int note_rewrite(tracer *t, const pre_rel *p)
{
	size_t at = 0;
	if (held_rank(t, p->oid, true, &at) > 0) {
		t->r->locks[at].rewrite = true;
		return 0;
	}
	const char *mode = NULL;
	int best = 0;
	for (size_t k = t->tx_from; k < t->r->n_locks; k++)
		if (t->open[k].oid == p->oid && mode_rank(t->r->locks[k].mode) > best) {
			best = mode_rank(t->r->locks[k].mode);
			mode = t->r->locks[k].mode;
		}
	if (!mode)
		return 0;
	char *copy = gk_strdup(mode);
	gk_replay_lock *l = copy ? add_lock(t, p, copy) : NULL;
	free(copy);
	if (!l)
		return GK_ENOMEM;
	l->rewrite = true;
	return 0;
}

/* Whose new relfilenode is a rewrite: a table's, a materialized view's or
 * an index's, whose rows are copied.  A sequence gets one from ALTER
 * SEQUENCE ... AS / RESTART and holds one row: no rewrite.  Partitioned
 * tables and indexes have no storage of their own (their partitions do). */
static bool has_rows(const pre_rel *p)
{
	return p->relkind == 'r' || p->relkind == 'm' || p->relkind == 'i';
}

static int read_rewrites(tracer *t)
{
	PGresult *res = query(t->c,
		"SELECT oid::int8, relfilenode::int8 FROM pg_class WHERE oid >= 16384");
	if (!res)
		return 0;
	int rc = 0;
	for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
		pre_rel *p = find_rel(t, strtoul(PQgetvalue(res, i, 0), NULL, 10));
		unsigned long fn = strtoul(PQgetvalue(res, i, 1), NULL, 10);
		if (p && p->filenode != fn) {
			p->filenode = fn;
			if (has_rows(p))
				rc = note_rewrite(t, p);
		}
	}
	PQclear(res);
	return rc;
}

/* Locks end with the transaction (at `now`): give the open ones their
 * holding time. */
static void close_tx_at(tracer *t, double now)
{
	for (size_t k = t->tx_from; k < t->r->n_locks; k++)
		t->r->locks[k].held_ms = (now - t->open[k].started) * 1000.0;
	t->tx_from = t->r->n_locks;
}

static void close_tx(tracer *t)
{
	close_tx_at(t, gk_now());
}

/* pg_locks has no order: sort the statement's locks by relation so that
 * reports (and tests) are stable. */
static void sort_stmt_locks(tracer *t)
{
	gk_replay_lock *l = t->r->locks;
	size_t from = t->r->n_locks;
	while (from > t->tx_from && l[from - 1].statement_index == t->stmt)
		from--;
	for (size_t i = from + 1; i < t->r->n_locks; i++)
		for (size_t k = i; k > from && strcmp(l[k - 1].relation, l[k].relation) > 0; k--) {
			gk_replay_lock tl = l[k];
			l[k] = l[k - 1];
			l[k - 1] = tl;
			open_lock to = t->open[k];
			t->open[k] = t->open[k - 1];
			t->open[k - 1] = to;
		}
}

/* lock_timeout in milliseconds, -1 when unreadable.  SHOW, unlike a
 * SELECT, takes no snapshot (see gk_replay_stmt.no_snapshot). */
static long read_timeout(PGconn *c)
{
	PGresult *res = query(c, "SHOW lock_timeout");
	long v = -1;
	if (res && PQntuples(res) == 1 && gk_parse_guc_ms(PQgetvalue(res, 0, 0), &v) != 0)
		v = -1;
	PQclear(res);
	return v;
}

static int observe(tracer *t, const gk_replay_stmt *s)
{
	/* A statement may be the SET itself: its value counts from the next. */
	long v = read_timeout(t->c);
	if (v >= 0) {
		t->timeout_set = t->timeout_set || v != t->start_timeout;
		t->next_timeout = v;
	}
	if (s->no_snapshot) {
		if (PQtransactionStatus(t->c) == PQTRANS_IDLE)
			close_tx(t);
		return 0;
	}
	int rc = read_locks(t);
	if (rc == 0)
		rc = read_rewrites(t);
	sort_stmt_locks(t);
	if (PQtransactionStatus(t->c) == PQTRANS_IDLE)
		close_tx(t);
	return rc;
}

/* ---- statements that refuse a transaction block ------------------------ */

/*
 * CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY and VACUUM commit
 * inside the statement and drop their locks before it returns, so our own
 * session can never read them.  A second session (the observer) samples
 * pg_locks for our backend while the statement runs.  On the shadow such a
 * statement takes a few milliseconds, less than a sample may need, so the
 * observer first makes it wait once it holds its locks: it keeps a
 * snapshot open (CREATE INDEX and REINDEX CONCURRENTLY wait for every
 * older snapshot) and ACCESS SHARE on the statement's table (DROP INDEX
 * CONCURRENTLY waits for every holder of a lock on it; ACCESS SHARE
 * conflicts with none of their locks), and lets go as soon as a sample
 * shows the statement waiting.  The SHARE UPDATE EXCLUSIVE lock they hold
 * on the table from start to end is then always seen.
 */

/* The sampler's session: the same server, database and role as ours. */
static PGconn *observer(tracer *t)
{
	if (t->observer || t->no_observer)
		return t->observer;
	PQconninfoOption *opts = PQconninfo(t->c);
	size_t n = 0;
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		n++;
	const char **kw = calloc(n + 1, sizeof *kw), **val = calloc(n + 1, sizeof *val);
	size_t k = 0;
	for (PQconninfoOption *o = opts; kw && val && o && o->keyword; o++)
		if (o->val && *o->val) {
			kw[k] = o->keyword;
			val[k++] = o->val;
		}
	PGconn *c = kw && val && opts ? PQconnectdbParams(kw, val, 0) : NULL;
	free(kw);
	free(val);
	PQconninfoFree(opts);
	/* The observer must never hold the replay up: its queries are short,
	 * and the server ends it should it stay in its transaction. */
	PGresult *res = c && PQstatus(c) == CONNECTION_OK
				? PQexec(c, "SET statement_timeout = '2s'; SET idle_in_transaction_session_timeout = '5s'")
				: NULL;
	if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
		PQfinish(c);
		c = NULL;
		t->no_observer = true;
	}
	PQclear(res);
	t->observer = c;
	return c;
}

static bool control(PGconn *c, const char *q)
{
	PGresult *res = PQexec(c, q);
	bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	return ok;
}

/* The table statement `s` works on ("public.t"; the table of a named
 * index), resolved on our session, whose search_path the statement uses;
 * NULL when none or unknown. */
static char *table_of(tracer *t, const gk_replay_stmt *s)
{
	if (!s->rel_name)
		return NULL;
	const char *params[2] = {s->rel_schema ? s->rel_schema : "", s->rel_name};
	PGresult *res = PQexecParams(t->c,
		"SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) FROM pg_catalog.pg_class c "
		"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ("
		"SELECT CASE WHEN r.relkind IN ('i', 'I') THEN (SELECT i.indrelid FROM pg_catalog.pg_index i "
		"WHERE i.indexrelid = r.oid) ELSE r.oid END FROM pg_catalog.pg_class r "
		"WHERE r.oid = pg_catalog.to_regclass(CASE WHEN $1 = '' THEN pg_catalog.quote_ident($2) "
		"ELSE pg_catalog.quote_ident($1) || '.' || pg_catalog.quote_ident($2) END))",
		2, NULL, params, NULL, NULL, 0);
	char *name = res && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1
			     ? gk_strdup(PQgetvalue(res, 0, 0)) : NULL;
	PQclear(res);
	return name;
}

/* Open the observer's transaction that the statement will wait for (see
 * the top of this part).  False when it could not be opened. */
static bool hold_gate(tracer *t, PGconn *o, const gk_replay_stmt *s)
{
	if (!control(o, "BEGIN ISOLATION LEVEL REPEATABLE READ"))
		return false;
	PGresult *res = PQexec(o, "SELECT 1");  /* takes the snapshot */
	bool ok = res && PQresultStatus(res) == PGRES_TUPLES_OK;
	PQclear(res);
	char *table = ok ? table_of(t, s) : NULL;
	if (table && control(o, "SAVEPOINT gate")) {
		char *lock = gk_asprintf("LOCK TABLE %s IN ACCESS SHARE MODE NOWAIT", table);
		if (!lock || !control(o, lock))
			control(o, "ROLLBACK TO SAVEPOINT gate");  /* no privilege: the snapshot still holds */
		free(lock);
	}
	free(table);
	if (!ok)
		control(o, "ROLLBACK");
	return ok;
}

static int keep_sample(tracer *t, unsigned long oid, const char *mode)
{
	for (size_t i = 0; i < t->n_samples; i++)
		if (t->samples[i].oid == oid) {
			if (mode_rank(mode) > mode_rank(t->samples[i].mode))
				snprintf(t->samples[i].mode, sizeof t->samples[i].mode, "%s", mode);
			return 0;
		}
	if (gk_grow(&t->samples, &t->cap_samples, t->n_samples + 1, sizeof *t->samples) != 0)
		return GK_ENOMEM;
	sampled *sm = &t->samples[t->n_samples++];
	sm->oid = oid;
	snprintf(sm->mode, sizeof sm->mode, "%s", mode);
	return 0;
}

/* One look at the locks of our backend (`pid`): the relation locks it
 * holds on relations that existed before the migration are kept, and
 * *waiting says whether it waits for one.  False when the sampler failed. */
static bool sample(tracer *t, PGconn *o, const char *pid, bool *waiting, int *rc)
{
	const char *params[1] = {pid};
	PGresult *res = PQexecParams(o,
		"SELECT relation::int8, mode, granted, locktype = 'relation' FROM pg_catalog.pg_locks "
		"WHERE pid = $1::int4 AND (NOT granted OR locktype = 'relation' AND database = "
		"(SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()))",
		1, NULL, params, NULL, NULL, 0);
	bool ok = res && PQresultStatus(res) == PGRES_TUPLES_OK;
	for (int i = 0; ok && *rc == 0 && i < PQntuples(res); i++) {
		if (PQgetvalue(res, i, 2)[0] != 't') {
			*waiting = true;
			continue;
		}
		unsigned long oid = strtoul(PQgetvalue(res, i, 0), NULL, 10);
		if (PQgetvalue(res, i, 3)[0] == 't' && find_rel(t, oid))
			*rc = keep_sample(t, oid, PQgetvalue(res, i, 1));
	}
	PQclear(res);
	return ok;
}

/* Record the samples of relations that still exist: the statement dropped
 * the others (the index of DROP INDEX CONCURRENTLY, the old index of
 * REINDEX CONCURRENTLY), and locked them only once they were dead, used by
 * no query. */
static int record_samples(tracer *t)
{
	if (t->n_samples == 0)
		return 0;
	gk_buf ids = GK_BUF_INIT;
	gk_buf_putc(&ids, '{');
	for (size_t i = 0; i < t->n_samples; i++)
		gk_buf_printf(&ids, "%s%lu", i ? "," : "", t->samples[i].oid);
	gk_buf_putc(&ids, '}');
	if (ids.failed) {
		gk_buf_free(&ids);
		return GK_ENOMEM;
	}
	const char *params[1] = {ids.data};
	PGresult *res = PQexecParams(t->c, "SELECT oid::int8 FROM pg_catalog.pg_class WHERE oid = ANY ($1::oid[])",
				     1, NULL, params, NULL, NULL, 0);
	gk_buf_free(&ids);
	int rc = 0;
	for (int i = 0; res && PQresultStatus(res) == PGRES_TUPLES_OK && rc == 0 && i < PQntuples(res); i++) {
		unsigned long oid = strtoul(PQgetvalue(res, i, 0), NULL, 10);
		for (size_t k = 0; rc == 0 && k < t->n_samples; k++)
			if (t->samples[k].oid == oid)
				rc = note_lock(t, find_rel(t, oid), t->samples[k].mode);
	}
	PQclear(res);
	return rc;
}

/* Run statement `s` (`q`) alone (autocommit), sampling its locks from the
 * observer.  Without one, it runs unsampled. */
static bool run_sampled(tracer *t, const gk_replay_stmt *s, const char *q, int *rc)
{
	PGconn *o = observer(t);
	bool gated = o && hold_gate(t, o, s);
	if (!o || !PQsendQuery(t->c, q)) {
		if (gated)
			control(o, "ROLLBACK");
		return gk_replay_send(t->c, q, s->start, t->r);
	}
	char pid[16];
	snprintf(pid, sizeof pid, "%d", PQbackendPID(t->c));
	t->n_samples = 0;
	bool sampling = true;
	double t0 = gk_now();
	for (;;) {
		bool waiting = false;
		if (sampling && *rc == 0)
			sampling = sample(t, o, pid, &waiting, rc);
		/* Seen waiting for us (or not at all in time): let it go on. */
		if (gated && (waiting || !sampling || *rc != 0 || gk_now() - t0 > 2.0)) {
			control(o, "COMMIT");
			gated = false;
		}
		struct pollfd pfd = {PQsocket(t->c), POLLIN, 0};
		poll(&pfd, 1, 2);
		if (!PQconsumeInput(t->c) || !PQisBusy(t->c))
			break;
	}
	if (gated)
		control(o, "COMMIT");
	PGresult *last = NULL, *res;
	while ((res = PQgetResult(t->c))) {
		PQclear(last);
		last = res;
	}
	double end = gk_now();
	bool ok = gk_replay_outcome(t->c, last, q, s->start, t->r);
	PQclear(last);
	if (ok && *rc == 0)
		*rc = record_samples(t);
	if (ok && *rc == 0)
		*rc = read_rewrites(t);  /* VACUUM FULL */
	sort_stmt_locks(t);
	/* The locks went with the statement. */
	close_tx_at(t, end);
	return ok;
}

/* ---- running ---------------------------------------------------------------- */

static void clear_error(gk_replay_result *r)
{
	free(r->message);
	free(r->detail);
	free(r->hint);
	r->message = r->detail = r->hint = NULL;
	r->sqlstate[0] = '\0';
	r->error_offset = -1;
}

/* An autocommit statement, wrapped in its own transaction so that its locks
 * can be read before they go; one that refuses a transaction block (25001:
 * CONCURRENTLY, VACUUM, ...) is run alone as autocommit would, sampled. */
static bool run_autocommit(tracer *t, const gk_replay_stmt *s, const char *q, int *rc)
{
	size_t base = s->start;
	if (!control(t->c, "BEGIN"))
		return gk_replay_send(t->c, q, base, t->r);
	if (!gk_replay_send(t->c, q, base, t->r)) {
		bool refused = !strcmp(t->r->sqlstate, "25001");
		control(t->c, "ROLLBACK");
		if (!refused)
			return false;
		clear_error(t->r);
		return run_sampled(t, s, q, rc);
	}
	*rc = observe(t, s);
	if (!gk_replay_send(t->c, "COMMIT", 0, t->r)) {
		t->r->error_offset = -1;
		return false;
	}
	return true;
}

/* Run statement `s`; false when it failed (the error is in t->r). */
static bool run_stmt(tracer *t, const gk_replay_stmt *s, const char *text, bool in_tx, int *rc)
{
	char *q = gk_strndup(text + s->start, s->end - s->start);
	if (!q) {
		*rc = GK_ENOMEM;
		return false;
	}
	t->t_stmt = gk_now();
	t->timeout_ms = t->next_timeout;
	t->timeout_inherited = !t->timeout_set;
	bool ok;
	if (!in_tx && !s->is_tx && PQtransactionStatus(t->c) == PQTRANS_IDLE)
		ok = run_autocommit(t, s, q, rc);
	else if ((ok = gk_replay_send(t->c, q, s->start, t->r)))
		*rc = observe(t, s);
	if (PQtransactionStatus(t->c) == PQTRANS_IDLE)
		close_tx(t);
	free(q);
	if (!ok)
		gk_replay_point_at(t->r, text, s);
	return ok;
}

/*
 * The runner's model, statement by statement.  WHOLE (more than one
 * statement) and PER_FILE run inside one transaction of ours, as the one
 * query's implicit transaction or the runner's BEGIN would; after a COMMIT
 * of the file's own, the rest of the file gets a new one, as the rest of
 * one query would.  SPLIT runs each statement on its own.
 */
static void run_all(tracer *t, const gk_replay_migration *m, const gk_replay_split *sp,
		    const char *text, int watch, int *rc)
{
	gk_replay_result *r = t->r;
	bool in_tx = m->runner == GK_RUNNER_PER_FILE || (m->runner == GK_RUNNER_WHOLE && sp->n > 1);
	bool ok = true, own_open = false;
	r->n_statements = (int)sp->n;
	for (size_t i = 0; ok && *rc == 0 && i < sp->n; i++) {
		const gk_replay_stmt *s = &sp->stmts[i];
		t->stmt = (int)i + 1;
		t->stmt_start = s->start;
		bool ours = false;  /* our BEGIN failed, not the statement */
		if (gk_watch_expired(watch) || gk_interrupted()) {
			/* Stopped between statements: as if this one was cancelled. */
			gk_replay_stopped_at(r, s);
			ok = false;
		} else if (in_tx && (i == 0 || !s->is_tx) && PQtransactionStatus(t->c) == PQTRANS_IDLE &&
			   !control(t->c, "BEGIN")) {
			gk_replay_send(t->c, "BEGIN", 0, r);
			ok = false;
			ours = true;
		} else {
			ok = run_stmt(t, s, text, in_tx, rc);
		}
		own_open = ok && s->begins ? true : ok && s->ends ? false : own_open;
		if (ok && PQtransactionStatus(t->c) == PQTRANS_IDLE)
			r->committed_statements = (int)i + 1;
		if (!ok && !ours)
			r->failed_statement = (int)i + 1;
	}
	if (ok && *rc == 0 && in_tx && PQtransactionStatus(t->c) != PQTRANS_IDLE &&
	    !gk_replay_send(t->c, "COMMIT", 0, r)) {
		ok = false;
		r->error_offset = -1;
	}
	/* Failed inside the file's own BEGIN: the runner's session stays
	 * aborted (the per-file runner rolls its own transaction back). */
	r->aborted_session = !ok && own_open && m->runner != GK_RUNNER_PER_FILE;
	if (PQtransactionStatus(t->c) != PQTRANS_IDLE)
		control(t->c, "ROLLBACK");
	close_tx(t);
	r->status = ok ? GK_REPLAY_OK : GK_REPLAY_FAILED;
}

int gk_replay_trace(PGconn *c, const gk_replay_migration *m, const char *text, int watch,
		    gk_replay_result *r)
{
	gk_replay_split sp;
	int rc = gk_replay_split_sql(&sp, text, m->len);
	if (rc != 0)
		return rc;
	if (!sp.parsed) {
		gk_replay_split_free(&sp);
		return 1;
	}
	tracer t = {.c = c, .r = r, .next_timeout = read_timeout(c)};
	t.start_timeout = t.next_timeout;
	rc = t.next_timeout < 0 ? -1 : snapshot(&t);
	if (rc == -1) {
		/* Could not read the catalog: the connection is gone; say so. */
		if (gk_replay_send(c, "SELECT 1", 0, r))
			r->message = gk_strdup("cannot read pg_class to start the lock trace");
		r->status = GK_REPLAY_FAILED;
		rc = 0;
	} else if (rc == 0) {
		run_all(&t, m, &sp, text, watch, &rc);
	}
	for (size_t i = 0; i < t.n_rels; i++)
		free(t.rels[i].name);
	free(t.rels);
	free(t.open);
	free(t.samples);
	PQfinish(t.observer);
	gk_replay_split_free(&sp);
	return rc;
}
