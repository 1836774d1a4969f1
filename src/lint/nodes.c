/*
 * nodes.c - small readers of the parse tree: names, types, ALTER TABLE
 * commands.  They know nothing of the schema model or the lock table, so
 * state.c, locks.c and the rules all use them from below (helpers.c, which
 * reads the model and the locks, sits above both).
 */
#include "nodes.h"

#include <stdio.h>
#include <string.h>

const char *gk_node_str(const PgQuery__Node *n)
{
	return n && n->node_case == PG_QUERY__NODE__NODE_STRING ? n->string->sval : NULL;
}

const char *gk_rv_name(const PgQuery__RangeVar *rv, char *buf, size_t size)
{
	if (!rv || !rv->relname)
		snprintf(buf, size, "?");
	else if (rv->schemaname && *rv->schemaname)
		snprintf(buf, size, "%s.%s", rv->schemaname, rv->relname);
	else
		snprintf(buf, size, "%s", rv->relname);
	return buf;
}

bool gk_rv_same(const PgQuery__RangeVar *a, const PgQuery__RangeVar *b)
{
	if (!a || !b || !a->relname || !b->relname || strcmp(a->relname, b->relname) != 0)
		return false;
	const char *sa = a->schemaname && *a->schemaname ? a->schemaname : "public";
	const char *sb = b->schemaname && *b->schemaname ? b->schemaname : "public";
	return strcmp(sa, sb) == 0;
}

const char *gk_names_last(PgQuery__Node **names, size_t n)
{
	const char *s = n ? gk_node_str(names[n - 1]) : NULL;
	return s ? s : "";
}

const char *gk_type_base(const PgQuery__TypeName *t)
{
	return t ? gk_names_last(t->names, t->n_names) : "";
}

long gk_type_mod(const PgQuery__TypeName *t, size_t i)
{
	if (!t || i >= t->n_typmods)
		return -1;
	const PgQuery__Node *m = t->typmods[i];
	if (m->node_case == PG_QUERY__NODE__NODE_A_CONST && m->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL)
		return m->a_const->ival->ival;
	return -1;
}

const char *gk_type_text(const PgQuery__TypeName *t, char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "%s", gk_type_base(t));
	for (size_t i = 0; t && i < t->n_typmods && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%ld%s", i ? "," : "(", gk_type_mod(t, i),
				      i + 1 == t->n_typmods ? ")" : "");
	for (size_t i = 0; t && i < t->n_array_bounds && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "[]");
	return buf;
}

const PgQuery__AlterTableCmd *gk_alter_cmd(const PgQuery__AlterTableStmt *as, size_t i)
{
	return as->cmds[i]->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_CMD ? as->cmds[i]->alter_table_cmd : NULL;
}
