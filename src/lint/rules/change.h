/*
 * change.h - questions about what the linted change did before a statement,
 * for rules that exempt objects no running code can depend on yet.  The
 * schema model (state.h) knows which tables are new; these answers need the
 * statements themselves, so they re-walk l->stmts (rules keep no state).
 */
#ifndef GK_RULES_CHANGE_H
#define GK_RULES_CHANGE_H

#include "../lint_internal.h"

#include <string.h>

static inline bool gk_same_name(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* Same relation as written: an unqualified name means the public schema. */
static inline bool gk_rv_same(const PgQuery__RangeVar *a, const PgQuery__RangeVar *b)
{
	const char *sa = a && a->schemaname && *a->schemaname ? a->schemaname : "public";
	const char *sb = b && b->schemaname && *b->schemaname ? b->schemaname : "public";
	return a && b && gk_same_name(a->relname, b->relname) && strcmp(sa, sb) == 0;
}

static inline bool gk_adds_column(const PgQuery__Node *n, const PgQuery__RangeVar *rv, const char *col)
{
	if (n->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_STMT || !gk_rv_same(n->alter_table_stmt->relation, rv))
		return false;
	const PgQuery__AlterTableStmt *as = n->alter_table_stmt;
	for (size_t i = 0; i < as->n_cmds; i++) {
		const PgQuery__Node *c = as->cmds[i];
		if (c->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_CMD &&
		    c->alter_table_cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn && c->alter_table_cmd->def &&
		    c->alter_table_cmd->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF &&
		    gk_same_name(c->alter_table_cmd->def->column_def->colname, col))
			return true;
	}
	return false;
}

/* True when ALTER TABLE rv ADD COLUMN col ran in this change, up to and including `s`. */
static inline bool gk_change_added_column(const gk_lint *l, const gk_stmt *s, const PgQuery__RangeVar *rv,
					  const char *col)
{
	for (int i = 0; i <= s->index && (size_t)i < l->n_stmts; i++)
		if (gk_adds_column(l->stmts[i].node, rv, col))
			return true;
	return false;
}

#endif
