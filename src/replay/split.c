/*
 * split.c - a migration's statements as the SQL front end splits them,
 * with what the replay needs of each (transaction control, the relation
 * of an index statement, the schemas, functions and extensions it
 * creates).  Below replay.c, trace.c and extensions.c, which all split.
 */
#include "replay/replay_internal.h"
#include "sql/sql.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- splitting ------------------------------------------------------------ */

typedef struct split_job {
	gk_replay_split *out;
	const char *text;
	size_t len;
	int rc;
} split_job;

/* Append a copy of `name` (NULL: nothing) to list[0..*n). */
static int add_name(char ***list, size_t *n, const char *name)
{
	if (!name)
		return 0;
	char **grown = realloc(*list, (*n + 1) * sizeof *grown);
	if (!grown)
		return GK_ENOMEM;
	*list = grown;
	grown[*n] = gk_strdup(name);
	return grown[(*n)++] ? 0 : GK_ENOMEM;
}

/* The unqualified name at the end of a qualified name list. */
static const char *last_name(PgQuery__Node **names, size_t n)
{
	const PgQuery__Node *last = n ? names[n - 1] : NULL;
	return last && last->node_case == PG_QUERY__NODE__NODE_STRING ? last->string->sval : NULL;
}

/* The function or aggregate `node` creates, or NULL. */
static const char *created_function(const PgQuery__Node *node)
{
	if (node->node_case == PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT)
		return last_name(node->create_function_stmt->funcname,
				 node->create_function_stmt->n_funcname);
	if (node->node_case == PG_QUERY__NODE__NODE_DEFINE_STMT &&
	    node->define_stmt->kind == PG_QUERY__OBJECT_TYPE__OBJECT_AGGREGATE)
		return last_name(node->define_stmt->defnames, node->define_stmt->n_defnames);
	return NULL;
}

static int add_ext(gk_replay_split *s, const gk_sql_stmt *st, const PgQuery__CreateExtensionStmt *ce)
{
	gk_replay_ext *grown = realloc(s->exts, (s->n_exts + 1) * sizeof *grown);
	if (!grown)
		return GK_ENOMEM;
	s->exts = grown;
	gk_replay_ext *e = &grown[s->n_exts++];
	*e = (gk_replay_ext){.start = st->start, .end = st->end, .if_not_exists = ce->if_not_exists};
	e->name = gk_strdup(ce->extname);
	for (size_t i = 0; i < ce->n_options; i++) {
		const PgQuery__Node *o = ce->options[i];
		const PgQuery__DefElem *d = o->node_case == PG_QUERY__NODE__NODE_DEF_ELEM ? o->def_elem : NULL;
		const PgQuery__Node *a = d ? d->arg : NULL;
		const char *sval = a && a->node_case == PG_QUERY__NODE__NODE_STRING ? a->string->sval : NULL;
		if (d && !strcmp(d->defname, "schema") && sval && !e->schema)
			e->schema = gk_strdup(sval);
		else if (d && !strcmp(d->defname, "new_version") && sval && !e->version)
			e->version = gk_strdup(sval);
		else if (d && !strcmp(d->defname, "cascade"))
			e->cascade = true;
		else
			e->other = true;
	}
	return e->name ? 0 : GK_ENOMEM;
}

static int set_relation(gk_replay_stmt *rs, const char *schema, const char *name)
{
	if (!name || !*name)
		return 0;
	rs->rel_name = gk_strdup(name);
	rs->rel_schema = schema && *schema ? gk_strdup(schema) : NULL;
	return rs->rel_name && (rs->rel_schema || !schema || !*schema) ? 0 : GK_ENOMEM;
}

/* The relation of CREATE INDEX, DROP INDEX (its first) and REINDEX INDEX |
 * TABLE. */
static int index_relation(gk_replay_stmt *rs, const PgQuery__Node *node)
{
	const PgQuery__RangeVar *rv = NULL;
	if (node->node_case == PG_QUERY__NODE__NODE_INDEX_STMT)
		rv = node->index_stmt->relation;
	else if (node->node_case == PG_QUERY__NODE__NODE_REINDEX_STMT &&
		 (node->reindex_stmt->kind == PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_INDEX ||
		  node->reindex_stmt->kind == PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_TABLE))
		rv = node->reindex_stmt->relation;
	if (rv)
		return set_relation(rs, rv->schemaname, rv->relname);
	const PgQuery__DropStmt *d = node->node_case == PG_QUERY__NODE__NODE_DROP_STMT ? node->drop_stmt : NULL;
	if (!d || d->remove_type != PG_QUERY__OBJECT_TYPE__OBJECT_INDEX || d->n_objects == 0 ||
	    d->objects[0]->node_case != PG_QUERY__NODE__NODE_LIST)
		return 0;
	const PgQuery__List *l = d->objects[0]->list;
	const char *names[2] = {NULL, NULL};
	for (size_t i = 0; i < l->n_items; i++) {
		if (l->items[i]->node_case != PG_QUERY__NODE__NODE_STRING)
			return 0;
		names[0] = names[1];
		names[1] = l->items[i]->string->sval;
	}
	return l->n_items <= 2 ? set_relation(rs, names[0], names[1]) : 0;
}

static int add_stmt(gk_replay_split *s, size_t *cap, const gk_sql_stmt *st)
{
	if (gk_grow(&s->stmts, cap, s->n + 1, sizeof *s->stmts) != 0)
		return GK_ENOMEM;
	int k = st->node ? (int)st->node->node_case : 0;
	gk_replay_stmt *rs = &s->stmts[s->n++];
	*rs = (gk_replay_stmt){st->start, st->end, k == PG_QUERY__NODE__NODE_TRANSACTION_STMT, false, false, NULL, NULL,
			       false};
	/* As PostgreSQL's PlannedStmtRequiresSnapshot(), less LOCK (which locks). */
	rs->no_snapshot = k == PG_QUERY__NODE__NODE_TRANSACTION_STMT || k == PG_QUERY__NODE__NODE_VARIABLE_SET_STMT ||
			  k == PG_QUERY__NODE__NODE_VARIABLE_SHOW_STMT || k == PG_QUERY__NODE__NODE_CONSTRAINTS_SET_STMT;
	if (!st->node)
		return 0;
	if (index_relation(rs, st->node) != 0)
		return GK_ENOMEM;
	if (rs->is_tx) {
		PgQuery__TransactionStmtKind tk = st->node->transaction_stmt->kind;
		rs->begins = tk == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_BEGIN ||
			     tk == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_START;
		rs->ends = tk == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT ||
			   tk == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK ||
			   tk == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_PREPARE;
	}
	if (k == PG_QUERY__NODE__NODE_CREATE_SCHEMA_STMT)
		return add_name(&s->schemas, &s->n_schemas, st->node->create_schema_stmt->schemaname);
	if (k == PG_QUERY__NODE__NODE_CREATE_EXTENSION_STMT)
		return add_ext(s, st, st->node->create_extension_stmt);
	return add_name(&s->functions, &s->n_functions, created_function(st->node));
}

static void *split_thread(void *arg)
{
	split_job *j = arg;
	gk_sql sql;
	if (gk_sql_parse(&sql, j->text, j->len, 0) != 0) {
		j->rc = GK_ENOMEM;
		return NULL;
	}
	size_t cap = 0;
	j->out->parsed = sql.n_errors == 0;
	for (size_t i = 0; i < sql.n_stmts && j->rc == 0; i++)
		j->rc = add_stmt(j->out, &cap, &sql.stmts[i]);
	gk_sql_free(&sql);
	return NULL;
}

int gk_replay_split_sql(gk_replay_split *out, const char *text, size_t len)
{
	memset(out, 0, sizeof *out);
	split_job j = {out, text, len, 0};
	if (gk_sql_on_deep_stack(split_thread, &j) != 0)
		return GK_ENOMEM;
	if (j.rc != 0)
		gk_replay_split_free(out);
	return j.rc;
}

void gk_replay_split_free(gk_replay_split *s)
{
	for (size_t i = 0; i < s->n_schemas; i++)
		free(s->schemas[i]);
	free(s->schemas);
	for (size_t i = 0; i < s->n_functions; i++)
		free(s->functions[i]);
	free(s->functions);
	for (size_t i = 0; i < s->n_exts; i++) {
		free(s->exts[i].name);
		free(s->exts[i].schema);
		free(s->exts[i].version);
	}
	free(s->exts);
	for (size_t i = 0; i < s->n; i++) {
		free(s->stmts[i].rel_schema);
		free(s->stmts[i].rel_name);
	}
	free(s->stmts);
	memset(s, 0, sizeof *s);
}
