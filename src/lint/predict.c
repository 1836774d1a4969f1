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

/* By rule, GK_PREDICT_NONE (0) for the rules not listed: an id that is not
 * in rules.def does not compile. */
static const enum gk_prediction predictions[GK_RULE_ID_COUNT] = {
	[GK_RULE_ID_add_check_validated] = GK_PREDICT_LOCK,
	[GK_RULE_ID_add_column_rewrite] = GK_PREDICT_REWRITE,
	[GK_RULE_ID_add_column_volatile_default] = GK_PREDICT_REWRITE,
	[GK_RULE_ID_add_exclusion_constraint] = GK_PREDICT_LOCK,
	[GK_RULE_ID_add_foreign_key_validated] = GK_PREDICT_LOCK,
	[GK_RULE_ID_add_primary_key] = GK_PREDICT_LOCK,
	[GK_RULE_ID_add_unique_constraint] = GK_PREDICT_LOCK,
	[GK_RULE_ID_alter_column_type] = GK_PREDICT_REWRITE,
	[GK_RULE_ID_create_index_non_concurrent] = GK_PREDICT_LOCK,
	[GK_RULE_ID_detach_partition_non_concurrent] = GK_PREDICT_LOCK,
	[GK_RULE_ID_drop_index_non_concurrent] = GK_PREDICT_LOCK,
	[GK_RULE_ID_lock_table] = GK_PREDICT_LOCK,
	[GK_RULE_ID_missing_lock_timeout] = GK_PREDICT_LOCK_WAIT,
	[GK_RULE_ID_refresh_matview_non_concurrent] = GK_PREDICT_LOCK,
	[GK_RULE_ID_reindex_non_concurrent] = GK_PREDICT_LOCK,
	[GK_RULE_ID_remove_enum_value] = GK_PREDICT_REWRITE,
	[GK_RULE_ID_set_not_null] = GK_PREDICT_LOCK,
	[GK_RULE_ID_table_rewrite_command] = GK_PREDICT_REWRITE,
};

enum gk_prediction gk_lint_prediction(enum gk_rule_id rule)
{
	return (unsigned)rule < GK_RULE_ID_COUNT ? predictions[rule] : GK_PREDICT_NONE;
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
