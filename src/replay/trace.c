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

#include <stdlib.h>
#include <string.h>

/* PostgreSQL's FirstNormalObjectId: lower oids belong to the system. */
#define FIRST_USER_OID 16384

typedef struct pre_rel {
	unsigned long oid, filenode;
	char *name;  /* schema.name before the migration */
} pre_rel;

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
	long next_timeout;  /* ... as read after it: for the next statement */
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
		"SELECT c.oid::int8, c.relfilenode::int8, quote_ident(n.nspname) || '.' || quote_ident(c.relname) "
		"FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
		"WHERE c.oid >= 16384 AND n.nspname <> 'pg_toast'");
	if (!res)
		return -1;
	int rows = PQntuples(res);
	t->rels = calloc(rows ? (size_t)rows : 1, sizeof *t->rels);
	for (int i = 0; t->rels && i < rows; i++) {
		pre_rel *p = &t->rels[t->n_rels++];
		p->oid = strtoul(PQgetvalue(res, i, 0), NULL, 10);
		p->filenode = strtoul(PQgetvalue(res, i, 1), NULL, 10);
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
			      t->timeout_ms};
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

/* Mark the rewrite on the current statement's lock of `p`, adding one when
 * the lock was taken by an earlier statement of the transaction. */
static int note_rewrite(tracer *t, const pre_rel *p)
{
	size_t at = 0;
	if (held_rank(t, p->oid, true, &at) > 0) {
		t->r->locks[at].rewrite = true;
		return 0;
	}
	/* Only ACCESS EXCLUSIVE lets PostgreSQL swap a relation's storage. */
	gk_replay_lock *l = add_lock(t, p, "AccessExclusiveLock");
	if (!l)
		return GK_ENOMEM;
	l->rewrite = true;
	return 0;
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
			rc = note_rewrite(t, p);
		}
	}
	PQclear(res);
	return rc;
}

/* Locks end with the transaction: give the open ones their holding time. */
static void close_tx(tracer *t)
{
	double now = gk_now();
	for (size_t k = t->tx_from; k < t->r->n_locks; k++)
		t->r->locks[k].held_ms = (now - t->open[k].started) * 1000.0;
	t->tx_from = t->r->n_locks;
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

/* lock_timeout in milliseconds (pg_settings keeps it in ms); -1 unreadable. */
static long read_timeout(PGconn *c)
{
	PGresult *res = query(c, "SELECT setting FROM pg_settings WHERE name = 'lock_timeout'");
	long v = res && PQntuples(res) == 1 ? atol(PQgetvalue(res, 0, 0)) : -1;
	PQclear(res);
	return v;
}

static int observe(tracer *t)
{
	/* A statement may be the SET itself: its value counts from the next. */
	long v = read_timeout(t->c);
	if (v >= 0)
		t->next_timeout = v;
	int rc = read_locks(t);
	if (rc == 0)
		rc = read_rewrites(t);
	sort_stmt_locks(t);
	if (PQtransactionStatus(t->c) == PQTRANS_IDLE)
		close_tx(t);
	return rc;
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

static bool control(PGconn *c, const char *q)
{
	PGresult *res = PQexec(c, q);
	bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	return ok;
}

/* An autocommit statement, wrapped in its own transaction so that its locks
 * can be read before they go; one that refuses a transaction block (25001:
 * CONCURRENTLY, VACUUM, ...) is run alone as autocommit would. */
static bool run_autocommit(tracer *t, const char *q, size_t base, int *rc)
{
	if (!control(t->c, "BEGIN"))
		return gk_replay_send(t->c, q, base, t->r);
	if (!gk_replay_send(t->c, q, base, t->r)) {
		bool refused = !strcmp(t->r->sqlstate, "25001");
		control(t->c, "ROLLBACK");
		if (!refused)
			return false;
		clear_error(t->r);
		return gk_replay_send(t->c, q, base, t->r);
	}
	*rc = observe(t);
	if (!gk_replay_send(t->c, "COMMIT", 0, t->r)) {
		t->r->error_offset = -1;
		return false;
	}
	return true;
}

/* Run statement `i`; false when it failed (the error is in t->r). */
static bool run_stmt(tracer *t, const gk_replay_stmt *s, const char *text, bool in_tx, int *rc)
{
	char *q = gk_strndup(text + s->start, s->end - s->start);
	if (!q) {
		*rc = GK_ENOMEM;
		return false;
	}
	t->t_stmt = gk_now();
	t->timeout_ms = t->next_timeout;
	bool ok;
	if (!in_tx && !s->is_tx && PQtransactionStatus(t->c) == PQTRANS_IDLE)
		ok = run_autocommit(t, q, s->start, rc);
	else if ((ok = gk_replay_send(t->c, q, s->start, t->r)))
		*rc = observe(t);
	if (PQtransactionStatus(t->c) == PQTRANS_IDLE)
		close_tx(t);
	free(q);
	/* Many errors carry no position (a missing column of an index, a
	 * failed cast of existing rows): the statement that failed is still
	 * known, so point at its first word. */
	if (!ok && t->r->error_offset < 0 && t->r->sqlstate[0]) {
		size_t at = s->start;
		while (at < s->end && (text[at] == ' ' || text[at] == '\t' || text[at] == '\n' || text[at] == '\r'))
			at++;
		t->r->error_offset = (long)at;
	}
	return ok;
}

static void run_all(tracer *t, const gk_replay_migration *m, const gk_replay_split *sp,
		    const char *text, int watch, int *rc)
{
	/* Prisma: one statement is autocommit, more form an implicit transaction. */
	bool in_tx = m->runner == GK_RUNNER_PER_FILE || (m->runner == GK_RUNNER_WHOLE && sp->n > 1);
	if (in_tx && !control(t->c, "BEGIN")) {
		gk_replay_send(t->c, "BEGIN", 0, t->r);
		return;
	}
	bool ok = true;
	for (size_t i = 0; ok && *rc == 0 && i < sp->n; i++) {
		t->stmt = (int)i + 1;
		t->stmt_start = sp->stmts[i].start;
		if (gk_watch_expired(watch) || gk_interrupted()) {
			/* Stopped between statements: as if this one was cancelled. */
			clear_error(t->r);
			snprintf(t->r->sqlstate, sizeof t->r->sqlstate, "57014");
			t->r->error_offset = (long)sp->stmts[i].start;
			ok = false;
			break;
		}
		ok = run_stmt(t, &sp->stmts[i], text, in_tx, rc);
	}
	if (ok && *rc == 0 && in_tx && !gk_replay_send(t->c, "COMMIT", 0, t->r)) {
		ok = false;
		t->r->error_offset = -1;
	}
	if (PQtransactionStatus(t->c) != PQTRANS_IDLE)
		control(t->c, "ROLLBACK");
	close_tx(t);
	t->r->status = ok ? GK_REPLAY_OK : GK_REPLAY_FAILED;
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
	gk_replay_split_free(&sp);
	return rc;
}
