/*
 * evidence.c - one finding per risk per statement: what the lock trace saw
 * a statement do, merged into the lint findings that predicted it (see
 * replay_internal.h).
 *
 * Lint findings that predict a lock, a rewrite or a lock wait carry the
 * prediction from the lock table (src/lint/predict.c).  When the replay
 * traced their statement, the observation of the predicted relation
 * confirms the prediction, corrects it (a stronger lock, a rewrite nobody
 * predicted) or refutes it (a weaker lock, no rewrite, a lock_timeout in
 * effect): a refuted finding is downgraded to info, its evidence in the
 * message, because the static rule's worry did not happen on this server.
 * The observations a finding accounts for are not reported again; what no
 * finding accounts for is reported by the caller as trace-only.
 *
 * A suppressed lint finding is merged the same way but stays hidden, so
 * that suppressing the rule suppresses what the trace saw of its risk.
 */
#include "replay/replay_internal.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* pg_locks' names and the documentation's, weakest first. */
static const char *const modes[][2] = {
	{"AccessShareLock", "ACCESS SHARE"},
	{"RowShareLock", "ROW SHARE"},
	{"RowExclusiveLock", "ROW EXCLUSIVE"},
	{"ShareUpdateExclusiveLock", "SHARE UPDATE EXCLUSIVE"},
	{"ShareLock", "SHARE"},
	{"ShareRowExclusiveLock", "SHARE ROW EXCLUSIVE"},
	{"ExclusiveLock", "EXCLUSIVE"},
	{"AccessExclusiveLock", "ACCESS EXCLUSIVE"},
};
#define N_MODES (sizeof modes / sizeof *modes)

/* Rank of a mode in either spelling (1 = weakest), 0 when unknown. */
static int rank(const char *mode, int spelling)
{
	for (size_t i = 0; mode && i < N_MODES; i++)
		if (strcmp(modes[i][spelling], mode) == 0)
			return (int)i + 1;
	return 0;
}

const char *gk_replay_mode_name(const char *pg_mode)
{
	int k = rank(pg_mode, 0);
	return k ? modes[k - 1][1] : pg_mode;
}

/* ShareLock and stronger keep writers out: what a lock wait endangers. */
static bool blocking(const char *pg_mode) { return rank(pg_mode, 0) >= rank("ShareLock", 0); }

/* One identifier of a quote_ident()ed name, unquoted, into out; returns
 * where it stopped (at the '.' or the end). */
static const char *ident(const char *s, char *out, size_t size)
{
	size_t k = 0;
	if (*s == '"') {
		for (s++; *s && !(*s == '"' && s[1] != '"'); s++) {
			if (*s == '"')
				s++;
			if (k + 1 < size)
				out[k++] = *s;
		}
		if (*s == '"')
			s++;
	} else {
		for (; *s && *s != '.'; s++)
			if (k + 1 < size)
				out[k++] = *s;
	}
	out[k] = '\0';
	return s;
}

/*
 * Does the trace's relation ("public.\"User\"") name the predicted one
 * ("User", or "app.User" when the statement qualified it)?  Unqualified
 * names match in any schema: the statement's search_path decided it.
 */
static bool same_relation(const char *observed, const char *predicted)
{
	char schema[256], name[256];
	const char *p = ident(observed, schema, sizeof schema);
	if (*p != '.')
		return false;
	ident(p + 1, name, sizeof name);
	const char *dot = strrchr(predicted, '.');
	if (!dot)
		return strcmp(name, predicted) == 0;
	return strcmp(name, dot + 1) == 0 && strlen(schema) == (size_t)(dot - predicted) &&
	       strncmp(schema, predicted, (size_t)(dot - predicted)) == 0;
}

static const gk_replay_lock *find_lock(const gk_replay_lock *l, size_t n, const char *relation)
{
	for (size_t i = 0; relation && i < n; i++)
		if (same_relation(l[i].relation, relation))
			return &l[i];
	return NULL;
}

/* The verdict on prediction `e` from the lock `o` the trace saw on its
 * relation (NULL: none).  `held` says nothing yet. */
static enum gk_evidence_verdict judge(const gk_evidence *e, const gk_replay_lock *o)
{
	if (!o)
		return GK_EVIDENCE_REFUTED;
	int want = rank(e->predicted.lock, 1), got = rank(o->mode, 0);
	switch (e->kind) {
	case GK_PREDICT_LOCK_WAIT:
		/* A timeout the session kept from an earlier migration is not
		 * this file's: the prediction stands. */
		if ((o->lock_timeout_ms > 0 && !o->timeout_inherited) || !blocking(o->mode))
			return GK_EVIDENCE_REFUTED;
		return got == want ? GK_EVIDENCE_CONFIRMED : GK_EVIDENCE_CORRECTED;
	case GK_PREDICT_REWRITE:
		if (!o->rewrite)
			return GK_EVIDENCE_REFUTED;
		return got == want ? GK_EVIDENCE_CONFIRMED : GK_EVIDENCE_CORRECTED;
	default:
		if (got < want)
			return GK_EVIDENCE_REFUTED;
		return got == want && !o->rewrite ? GK_EVIDENCE_CONFIRMED : GK_EVIDENCE_CORRECTED;
	}
}

/* "predicted ACCESS EXCLUSIVE on users, confirmed by replay (held 13 ms)". */
static char *sentence(const gk_evidence *e, const gk_replay_lock *o)
{
	const char *rel = e->predicted.relation, *lock = e->predicted.lock;
	char what[512];
	if (e->kind == GK_PREDICT_REWRITE)
		snprintf(what, sizeof what, "predicted a rewrite of %s under %s", rel, lock);
	else if (e->kind == GK_PREDICT_LOCK_WAIT)
		snprintf(what, sizeof what, "predicted %s on %s requested without lock_timeout", lock, rel);
	else
		snprintf(what, sizeof what, "predicted %s on %s", lock, rel);
	if (!o)
		return gk_asprintf("%s; the replay saw no lock on it among the relations that existed before the "
				   "migration (downgraded to info)", what);
	const char *seen = gk_replay_mode_name(o->mode);
	switch (e->verdict) {
	case GK_EVIDENCE_CONFIRMED:
		if (e->kind == GK_PREDICT_LOCK_WAIT && o->timeout_inherited)
			return gk_asprintf("%s, confirmed by replay (held %.0f ms): the lock_timeout = %ld ms it ran with "
					   "was left in the session by an earlier migration of the deploy, which a deploy "
					   "starting at this migration does not have", what, o->held_ms, o->lock_timeout_ms);
		if (e->kind == GK_PREDICT_LOCK_WAIT)
			return gk_asprintf("%s, confirmed by replay (lock_timeout = 0, held %.0f ms)", what, o->held_ms);
		return gk_asprintf("%s, confirmed by replay (held %.0f ms)", what, o->held_ms);
	case GK_EVIDENCE_CORRECTED:
		return gk_asprintf("%s; the replay saw %s%s (held %.0f ms)", what, seen,
				   o->rewrite && e->kind != GK_PREDICT_REWRITE ? " and a rewrite of the table" : "",
				   o->held_ms);
	default:
		if (e->kind == GK_PREDICT_LOCK_WAIT && o->lock_timeout_ms > 0)
			return gk_asprintf("%s; the replay saw lock_timeout = %ld ms in effect (downgraded to info)", what,
					   o->lock_timeout_ms);
		if (e->kind == GK_PREDICT_REWRITE && rank(o->mode, 0) >= rank(e->predicted.lock, 1))
			return gk_asprintf("%s; the replay saw %s (held %.0f ms) and no rewrite (downgraded to info)", what,
					   seen, o->held_ms);
		return gk_asprintf("%s; the replay saw only %s (held %.0f ms) (downgraded to info)", what, seen,
				   o->held_ms);
	}
}

/* Record the judgement on a visible finding: evidence, message, severity. */
static int apply(gk_finding *f, gk_evidence *e, const gk_replay_lock *o)
{
	if (o)
		e->observed = (gk_lock_fact){gk_replay_mode_name(o->mode), o->relation, o->rewrite, o->held_ms,
					     o->lock_timeout_ms, false};
	char *s = sentence(e, o);
	char *msg = s ? gk_asprintf("%s; %s", f->message, s) : NULL;
	free(s);
	int rc = msg && gk_finding_set_evidence(f, e) == 0 ? gk_finding_set_message(f, msg) : GK_ENOMEM;
	free(msg);
	if (rc < 0)
		return rc;
	if (e->verdict == GK_EVIDENCE_REFUTED && f->severity > GK_SEV_INFO)
		gk_finding_set_severity(f, GK_SEV_INFO);
	return 0;
}

/*
 * The kinds of the statement's observations finding `e` accounts for.  A
 * lock or rewrite finding speaks for the locks of its statement; a lock
 * wait finding for the lock it waited for too, unless the trace refuted
 * the wait (a timeout was in effect): the lock itself is then a risk of
 * its own.  A rewrite nobody predicted stays trace-only.
 */
static unsigned covers(const gk_evidence *e)
{
	if (e->kind != GK_PREDICT_LOCK_WAIT)
		return GK_SEEN_REWRITE | GK_SEEN_EXCLUSIVE | GK_SEEN_SHARE;
	return e->verdict == GK_EVIDENCE_REFUTED ? GK_SEEN_WAIT : GK_SEEN_WAIT | GK_SEEN_EXCLUSIVE | GK_SEEN_SHARE;
}

static bool about(const gk_finding *f, const char *path, int stmt)
{
	return f->evidence.kind != GK_PREDICT_NONE && f->statement_index == stmt && f->path &&
	       strcmp(f->path, path) == 0 && f->evidence.verdict == GK_EVIDENCE_NONE;
}

/* The trace of one migration and the statement being merged. */
typedef struct trace {
	const gk_replay_lock *all;    /* every lock of the migration */
	size_t n_all;
	const gk_replay_lock *l;      /* the statement's */
	size_t n;
	bool complete;
} trace;

/* An earlier statement already holds a lock on `relation`: the trace
 * records a lock once per transaction, so this statement's silence about
 * it proves nothing. */
static bool held_before(const trace *t, const char *relation)
{
	for (size_t i = 0; i < t->n_all; i++)
		if (t->all[i].statement_index < t->l[0].statement_index && same_relation(t->all[i].relation, relation))
			return true;
	return false;
}

/* Judge finding `f` (hidden: among the suppressed) on the statement's locks. */
static int merge_one(gk_finding *f, bool hidden, const trace *t, unsigned *covered)
{
	const gk_replay_lock *o = find_lock(t->l, t->n, f->evidence.predicted.relation);
	if (!o && (!t->complete || held_before(t, f->evidence.predicted.relation)))
		return 0; /* the statement may not have run to the lock, or the lock was older: no evidence */
	gk_evidence e = f->evidence;
	e.verdict = judge(&e, o);
	*covered |= covers(&e);
	if (hidden)
		return 0;
	return apply(f, &e, o);
}

/*
 * missing-lock-timeout is one finding per file: the fix is one SET at the
 * top.  So the lock waits of the statements after it are its risk too.
 */
static bool wait_reported_before(const gk_finding *v, size_t n, const char *path, int stmt)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].evidence.kind == GK_PREDICT_LOCK_WAIT && v[i].statement_index > 0 &&
		    v[i].statement_index < stmt && v[i].path && strcmp(v[i].path, path) == 0)
			return true;
	return false;
}

int gk_replay_evidence_merge(gk_report *r, const char *path, const gk_replay_lock *all, size_t n_all,
			     const gk_replay_lock *l, size_t n, bool complete, unsigned *covered)
{
	*covered = 0;
	if (n == 0 || !path)
		return 0;
	trace t = {all, n_all, l, n, complete};
	int stmt = l[0].statement_index, rc = 0;
	for (size_t i = 0; rc == 0 && i < r->n_findings; i++)
		if (about(&r->findings[i], path, stmt))
			rc = merge_one(&r->findings[i], false, &t, covered);
	for (size_t i = 0; rc == 0 && i < r->n_suppressed; i++)
		if (about(&r->suppressed[i], path, stmt))
			rc = merge_one(&r->suppressed[i], true, &t, covered);
	if (wait_reported_before(r->findings, r->n_findings, path, stmt) ||
	    wait_reported_before(r->suppressed, r->n_suppressed, path, stmt))
		*covered |= GK_SEEN_WAIT;
	return rc;
}

bool gk_replay_evidence_suppressed(const gk_report *r, const char *path, int stmt, const char *rule_id)
{
	for (size_t i = 0; i < r->n_suppressed; i++) {
		const gk_finding *f = &r->suppressed[i];
		if (f->path && path && strcmp(f->path, path) == 0 && strcmp(f->rule_id, rule_id) == 0 &&
		    (f->statement_index == 0 || f->statement_index == stmt))
			return true;
	}
	return false;
}
