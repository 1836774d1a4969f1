/*
 * predict.c - which lint rules predict a lock or a rewrite that the
 * replay's lock trace can confirm, correct or refute, and the predicted
 * facts themselves, taken from the lock table (locks.c).
 *
 * The mapping is written here and nowhere else.  A rule belongs in it when
 * its finding is *about* the lock (or the rewrite) its statement takes, so
 * that the trace's observation of that lock is the same risk seen twice:
 *
 *   lock      the statement's strongest lock blocks the application:
 *             constraints added with a scan, non-concurrent index builds,
 *             drops and reindexes, SET NOT NULL, LOCK TABLE, REFRESH, DETACH
 *   rewrite   the statement copies the table under ACCESS EXCLUSIVE
 *   lock wait a blocking lock requested with no lock_timeout
 *
 * Rules about what a statement means rather than how it locks (renames,
 * drops of data, types, transactions) predict nothing: the trace has no
 * say on them.
 */
#include "lint_internal.h"
#include "locks.h"
#include "gatekeeper/rules.h"
#include "../util/util.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const char *rule;
	enum gk_prediction kind;
} predictions[] = {
	{"add-check-validated", GK_PREDICT_LOCK},
	{"add-column-rewrite", GK_PREDICT_REWRITE},
	{"add-column-volatile-default", GK_PREDICT_REWRITE},
	{"add-exclusion-constraint", GK_PREDICT_LOCK},
	{"add-foreign-key-validated", GK_PREDICT_LOCK},
	{"add-primary-key", GK_PREDICT_LOCK},
	{"add-unique-constraint", GK_PREDICT_LOCK},
	{"alter-column-type", GK_PREDICT_REWRITE},
	{"create-index-non-concurrent", GK_PREDICT_LOCK},
	{"detach-partition-non-concurrent", GK_PREDICT_LOCK},
	{"drop-index-non-concurrent", GK_PREDICT_LOCK},
	{"lock-table", GK_PREDICT_LOCK},
	{"missing-lock-timeout", GK_PREDICT_LOCK_WAIT},
	{"refresh-matview-non-concurrent", GK_PREDICT_LOCK},
	{"reindex-non-concurrent", GK_PREDICT_LOCK},
	{"remove-enum-value", GK_PREDICT_REWRITE},
	{"set-not-null", GK_PREDICT_LOCK},
	{"table-rewrite-command", GK_PREDICT_REWRITE},
};

enum gk_prediction gk_rule_prediction(const char *rule_id)
{
	for (size_t i = 0; rule_id && i < sizeof predictions / sizeof *predictions; i++)
		if (strcmp(predictions[i].rule, rule_id) == 0)
			return predictions[i].kind;
	return GK_PREDICT_NONE;
}

/* The relation was created in this change: the trace does not follow it
 * (nobody else can be waiting for it), so nothing is predicted about it. */
static bool is_new(const gk_lint *l, const gk_lock *lk)
{
	const gk_rel *r = lk->is_index ? gk_state_find_index_table(l->state, lk->schema, lk->name)
				       : gk_state_find(l->state, lk->schema, lk->name);
	return r && gk_state_is_new(l->state, r->change);
}

/*
 * The lock the prediction is about, among those on existing relations:
 * for a rewrite the relation rewritten, otherwise the strongest lock (the
 * first of equals, which is the statement's own table: locks.c lists it
 * first).
 */
static const gk_lock *about(const gk_lint *l, const gk_lock *v, size_t n, enum gk_prediction kind)
{
	const gk_lock *best = NULL;
	for (size_t i = 0; i < n; i++) {
		if (is_new(l, &v[i]))
			continue;
		bool rw = kind == GK_PREDICT_REWRITE && v[i].rewrite;
		if (!best || (rw && !best->rewrite) ||
		    (v[i].mode > best->mode && !(kind == GK_PREDICT_REWRITE && best->rewrite)))
			best = &v[i];
	}
	return best;
}

int gk_lint_predict(const gk_lint *l, const gk_stmt *s, enum gk_prediction kind, gk_evidence *out)
{
	memset(out, 0, sizeof *out);
	if (kind == GK_PREDICT_NONE || !s)
		return 0;
	gk_lock locks[GK_MAX_LOCKS];
	size_t n = gk_stmt_locks(s->node, gk_lint_pg(l), locks, GK_MAX_LOCKS);
	const gk_lock *lk = about(l, locks, n, kind);
	if (!lk)
		return 0; /* the lock table knows no lock of it on an existing relation: nothing to compare */
	out->kind = kind;
	out->predicted.lock = gk_lockmode_name(lk->mode);
	out->predicted.rewrite = lk->rewrite;
	out->predicted.scan = lk->scan;
	out->predicted.relation = lk->schema ? gk_asprintf("%s.%s", lk->schema, lk->name) : gk_strdup(lk->name);
	return out->predicted.relation ? 0 : GK_ENOMEM;
}
