/*
 * concurrently.c - which statements of a pending migration build or drop
 * an index CONCURRENTLY, for the gate's pre-flight (see
 * target/target.h, gk_target_concurrently_waits): such a statement
 * blocks no query, but it waits for transactions the table's lock
 * conflicts do not show: the table's writers, or all its lockers, and
 * every older snapshot of the database, so the gate looks at those too.
 *
 * Statements come from libpg_query on a thread with the parser's stack
 * (GK_SQL_STACK_SIZE), as everywhere a migration is parsed.
 */
#include "gate/gate_internal.h"
#include "sql/sql.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void gk_drift_concurrently_free(gk_drift_concurrently *c, size_t n)
{
	for (size_t i = 0; c && i < n; i++) {
		free(c[i].what);
		free(c[i].relation);
		free(c[i].schema);
		gk_target_names_free(c[i].tables, c[i].n_tables);
	}
	free(c);
}

/* An identifier as SQL writes it: bare when parse_ident() reads it back unchanged. */
static void put_ident(gk_buf *b, const char *id)
{
	bool bare = *id && !(*id >= '0' && *id <= '9') && *id != '$';
	for (const char *p = id; bare && *p; p++)
		bare = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '$';
	if (bare) {
		gk_buf_puts(b, id);
		return;
	}
	gk_buf_putc(b, '"');
	for (const char *p = id; *p; p++) {
		if (*p == '"')
			gk_buf_putc(b, '"');
		gk_buf_putc(b, *p);
	}
	gk_buf_putc(b, '"');
}

/* [schema.]name, SQL-quoted (malloc'ed; NULL when out of memory). */
static char *qualified(const char *schema, const char *name)
{
	gk_buf b = GK_BUF_INIT;
	if (schema && *schema) {
		put_ident(&b, schema);
		gk_buf_putc(&b, '.');
	}
	put_ident(&b, name ? name : "");
	if (b.failed) {
		gk_buf_free(&b);
		return NULL;
	}
	return gk_buf_take(&b);
}

static char *range_var(const PgQuery__RangeVar *rv)
{
	return rv && rv->relname ? qualified(rv->schemaname, rv->relname) : NULL;
}

static const char *str(const PgQuery__Node *n)
{
	return n && n->node_case == PG_QUERY__NODE__NODE_STRING ? n->string->sval : NULL;
}

/* REINDEX (CONCURRENTLY [bool]): as PostgreSQL's defGetBoolean, the last one wins. */
static bool reindex_concurrently(const PgQuery__ReindexStmt *rs)
{
	bool on = false;
	for (size_t i = 0; i < rs->n_params; i++) {
		const PgQuery__Node *p = rs->params[i];
		if (p->node_case != PG_QUERY__NODE__NODE_DEF_ELEM || !p->def_elem->defname ||
		    strcmp(p->def_elem->defname, "concurrently") != 0)
			continue;
		const PgQuery__Node *arg = p->def_elem->arg;
		const char *v = str(arg);
		if (!arg)
			on = true;
		else if (arg->node_case == PG_QUERY__NODE__NODE_INTEGER)
			on = arg->integer->ival != 0;
		else
			on = !v || !(strcasecmp(v, "false") == 0 || strcasecmp(v, "off") == 0 || strcasecmp(v, "no") == 0 ||
				     strcmp(v, "0") == 0);
	}
	return on;
}

static const char *const reindex_kind[] = {
	[PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_INDEX] = "INDEX",
	[PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_TABLE] = "TABLE",
	[PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_SCHEMA] = "SCHEMA",
	[PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_SYSTEM] = "SYSTEM",
	[PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_DATABASE] = "DATABASE",
};

/* What statement `n` is, when it is one of the CONCURRENTLY family: its
 * description, the relation it waits on (*rel, NULL for none) and what it
 * waits for (c's flags).  Returns 1 when it is, 0 when not, GK_ENOMEM. */
static int classify(const PgQuery__Node *n, char **what, char **rel, gk_drift_concurrently *c)
{
	*what = *rel = NULL;
	/* As measured (see gk_target_concurrently_waits): CREATE waits for
	 * writers and snapshots, REINDEX for every locker and snapshots, DROP
	 * for every locker. */
	c->all_lockers = n->node_case != PG_QUERY__NODE__NODE_INDEX_STMT;
	c->snapshots = n->node_case != PG_QUERY__NODE__NODE_DROP_STMT;
	if (n->node_case == PG_QUERY__NODE__NODE_INDEX_STMT && n->index_stmt->concurrent) {
		const PgQuery__IndexStmt *is = n->index_stmt;
		*rel = range_var(is->relation);
		*what = gk_asprintf("CREATE %sINDEX CONCURRENTLY %s%sON %s", is->unique ? "UNIQUE " : "",
				    is->idxname && *is->idxname ? is->idxname : "", is->idxname && *is->idxname ? " " : "",
				    *rel ? *rel : "?");
	} else if (n->node_case == PG_QUERY__NODE__NODE_DROP_STMT && n->drop_stmt->concurrent &&
		   n->drop_stmt->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_INDEX && n->drop_stmt->n_objects > 0) {
		/* PostgreSQL drops one index per DROP INDEX CONCURRENTLY. */
		const PgQuery__Node *o = n->drop_stmt->objects[0];
		if (o->node_case != PG_QUERY__NODE__NODE_LIST || o->list->n_items == 0)
			return 0;
		size_t k = o->list->n_items;
		*rel = qualified(k > 1 ? str(o->list->items[k - 2]) : NULL, str(o->list->items[k - 1]));
		*what = gk_asprintf("DROP INDEX CONCURRENTLY %s", *rel ? *rel : "?");
	} else if (n->node_case == PG_QUERY__NODE__NODE_REINDEX_STMT && reindex_concurrently(n->reindex_stmt)) {
		const PgQuery__ReindexStmt *rs = n->reindex_stmt;
		bool relation = rs->kind == PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_INDEX ||
				rs->kind == PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_TABLE;
		const char *kind = (size_t)rs->kind < sizeof reindex_kind / sizeof *reindex_kind && reindex_kind[rs->kind]
					   ? reindex_kind[rs->kind] : "?";
		if (relation)
			*rel = range_var(rs->relation);
		else
			*rel = NULL;
		*what = gk_asprintf("REINDEX %s CONCURRENTLY %s", kind,
				    relation ? (*rel ? *rel : "?") : rs->name && *rs->name ? rs->name : "");
		if (relation && !*rel) {
			free(*what);
			*what = NULL;
		}
		/* Every table of the schema or the database, one after another. */
		c->database = rs->kind == PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_DATABASE;
		if (rs->kind == PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_SCHEMA && rs->name &&
		    !(c->schema = gk_strdup(rs->name))) {
			free(*what);
			*what = NULL;
		}
	} else {
		return 0;
	}
	if (!*what) {
		free(*rel);
		*rel = NULL;
		return GK_ENOMEM;
	}
	return 1;
}

typedef struct find_job {
	const char *text;
	size_t len;
	gk_drift_concurrently *out;
	size_t n, cap;
	int rc;
} find_job;

static void find_in(find_job *j, const gk_sql *sql, const gk_source *src)
{
	for (size_t i = 0; j->rc == 0 && i < sql->n_stmts; i++) {
		char *what, *rel;
		gk_drift_concurrently c = {0};
		int k = classify(sql->stmts[i].node, &what, &rel, &c);
		if (k <= 0) {
			j->rc = k;
			continue;
		}
		if (gk_grow(&j->out, &j->cap, j->n + 1, sizeof *j->out) < 0) {
			free(what);
			free(rel);
			j->rc = GK_ENOMEM;
			continue;
		}
		int line, col;
		gk_source_pos(src, sql->stmts[i].start, &line, &col);
		c.what = what;
		c.relation = rel;
		c.line = line;
		j->out[j->n++] = c;
	}
}

static void *find_thread(void *arg)
{
	find_job *j = arg;
	gk_sql sql;
	gk_source src;
	if (gk_source_init(&src, j->text, j->len) != 0) {
		j->rc = GK_ENOMEM;
		return NULL;
	}
	if (gk_sql_parse(&sql, j->text, j->len, 0) != 0)
		j->rc = GK_ENOMEM;
	else {
		find_in(j, &sql, &src);
		gk_sql_free(&sql);
	}
	gk_source_free(&src);
	return NULL;
}

int gk_drift_find_concurrently(const char *text, size_t len, gk_drift_concurrently **out, size_t *n_out)
{
	*out = NULL;
	*n_out = 0;
	find_job j = {.text = text, .len = len};
	if (gk_sql_on_deep_stack(find_thread, &j) != 0)
		return GK_ENOMEM;
	if (j.rc != 0) {
		gk_drift_concurrently_free(j.out, j.n);
		return j.rc;
	}
	*out = j.out;
	*n_out = j.n;
	return 0;
}
