/* helpers.c - what the rules ask of the linted file: its locks, what is new
 * in the change, timeouts and their recipes (the pure tree readers are in
 * nodes.c, below the schema model and the lock table). */
#include "lint_internal.h"

#include <stdio.h>
#include <string.h>

size_t gk_lint_stmt_locks(const gk_lint *l, const gk_stmt *s, gk_lock *out, size_t max)
{
	return gk_stmt_locks_in(s->node, gk_lint_pg(l), l->state, out, max);
}

bool gk_lint_is_new(const gk_lint *l, const PgQuery__RangeVar *rv)
{
	if (!rv || !rv->relname)
		return false;
	const gk_rel *r = gk_state_find(l->state, rv->schemaname, rv->relname);
	return r && gk_state_is_new(l->state, r->change);
}

bool gk_lint_column_is_new(const gk_lint *l, const PgQuery__RangeVar *rv, const char *col)
{
	if (!rv || !rv->relname || !col)
		return false;
	const gk_rel *r = gk_state_find(l->state, rv->schemaname, rv->relname);
	const gk_column *c = gk_rel_column(r, col);
	return r && (gk_state_is_new(l->state, r->change) || (c && gk_state_is_new(l->state, c->change)));
}

const PgQuery__AlterTableStmt *gk_lint_alter_existing(const gk_lint *l, const gk_stmt *s)
{
	if (s->node->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_STMT)
		return NULL;
	const PgQuery__AlterTableStmt *as = s->node->alter_table_stmt;
	if (as->objtype != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE || !as->relation || !as->relation->relname ||
	    gk_lint_is_new(l, as->relation))
		return NULL;
	return as;
}

const gk_stmt *gk_lint_next_in_tx(const gk_lint *l, const gk_stmt *s)
{
	if (s->tx_id < 0 || (size_t)s->index + 1 >= l->n_stmts)
		return NULL;
	const gk_stmt *n = &l->stmts[s->index + 1];
	return n->tx_id == s->tx_id ? n : NULL;
}

const char *gk_lint_lock_timeout_value(const gk_lint *l, char *buf, size_t size)
{
	int ms = l->opts->lock_timeout_advice_ms > 0 ? l->opts->lock_timeout_advice_ms : 2000;
	if (ms % 1000 == 0)
		snprintf(buf, size, "'%ds'", ms / 1000);
	else
		snprintf(buf, size, "'%dms'", ms);
	return buf;
}

const char *gk_lint_lock_timeout_recipe(const gk_lint *l, char *buf, size_t size)
{
	char v[32];
	return gk_lint_timeout_recipe(l, "lock_timeout", gk_lint_lock_timeout_value(l, v, sizeof v), buf, size);
}

const char *gk_lint_timeout_recipe(const gk_lint *l, const char *setting, const char *v, char *buf, size_t size)
{
	switch (l->runner) {
	case GK_RUNNER_SPLIT:
		snprintf(buf, size,
			 "Each statement is sent on its own, so wrap the file in `BEGIN; SET LOCAL %s = %s; "
			 "... COMMIT;` (which also makes it atomic; SET LOCAL outside BEGIN does nothing); a file that "
			 "must run outside a transaction (CONCURRENTLY) starts with `SET %s = %s;` and ends "
			 "with `RESET %s;`.", setting, v, setting, v, setting);
		break;
	case GK_RUNNER_WHOLE:
		snprintf(buf, size,
			 "Start the file with `SET LOCAL %s = %s;`: the file then runs as one transaction, "
			 "and the setting ends with it (a session SET would stay for the later migrations of the "
			 "deploy). Keep CREATE INDEX CONCURRENTLY and other non-transactional statements in files of "
			 "their own.", setting, v);
		break;
	default:
		snprintf(buf, size,
			 "Start the file with `SET LOCAL %s = %s;`: it lasts until the runner's transaction "
			 "ends, and no longer.", setting, v);
		break;
	}
	return buf;
}

const char *gk_lint_columns_of_type(const gk_lint *l, const char *name, char *buf, size_t size)
{
	size_t used = 0, shown = 0, more = 0;
	buf[0] = '\0';
	size_t len = strlen(name);
	for (size_t i = 0; i < l->state->n_rels; i++) {
		const gk_rel *r = &l->state->rels[i];
		if (!r->name || gk_state_is_new(l->state, r->change))
			continue;
		for (size_t c = 0; c < r->n_cols; c++) {
			const char *t = r->cols[c].type;
			if (!t || strncmp(t, name, len) != 0 || (t[len] && strncmp(t + len, "[]", 2) != 0))
				continue;
			if (shown == 5 || used + strlen(r->name) + strlen(r->cols[c].name) + 4 >= size) {
				more++;
				continue;
			}
			used += (size_t)snprintf(buf + used, size - used, "%s%s.%s", shown ? ", " : "", r->name, r->cols[c].name);
			shown++;
		}
	}
	if (more && used + 24 < size)
		snprintf(buf + used, size - used, " and %zu more", more);
	return buf;
}
