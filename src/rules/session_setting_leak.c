/*
 * session-setting-leak: a session SET in a Prisma migration.
 *
 * `prisma migrate deploy` applies every pending migration, and its own
 * bookkeeping of `_prisma_migrations`, on one connection.  A SET without
 * LOCAL lasts for the session (also when made inside a transaction that
 * commits), so a `SET search_path`, `SET statement_timeout` or `SET ROLE`
 * in one migration changes how the later migrations of the same deploy run,
 * and which of them that is depends on how many were pending: a deploy of
 * one migration and a deploy of five behave differently.  A RESET of the
 * setting later in the file (or RESET ALL, DISCARD ALL, SET ... TO DEFAULT)
 * ends it.  Other runners are not judged: whether they reuse the session
 * is their configuration's business.
 */
#include "lint/lint_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The name of the setting a session SET changes, or NULL. */
static const char *session_set_name(const PgQuery__Node *n)
{
	if (n->node_case != PG_QUERY__NODE__NODE_VARIABLE_SET_STMT)
		return NULL;
	const PgQuery__VariableSetStmt *vs = n->variable_set_stmt;
	if (vs->is_local || !vs->name)
		return NULL;
	switch (vs->kind) {
	case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_VALUE:
	case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_CURRENT:
		return vs->name;
	case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_MULTI:
		/* SET TRANSACTION lasts for the transaction; SESSION CHARACTERISTICS does not */
		return strcmp(vs->name, "TRANSACTION") == 0 ? NULL : vs->name;
	default:
		return NULL; /* SET ... TO DEFAULT and RESET put the default back */
	}
}

/*
 * The setting `n` puts back to its default for the session: its name, ""
 * for all of them (RESET ALL, DISCARD ALL), else NULL.
 */
static const char *reset_name(const PgQuery__Node *n)
{
	if (n->node_case == PG_QUERY__NODE__NODE_DISCARD_STMT)
		return n->discard_stmt->target == PG_QUERY__DISCARD_MODE__DISCARD_ALL ? "" : NULL;
	if (n->node_case != PG_QUERY__NODE__NODE_VARIABLE_SET_STMT)
		return NULL;
	const PgQuery__VariableSetStmt *vs = n->variable_set_stmt;
	if (vs->kind == PG_QUERY__VARIABLE_SET_KIND__VAR_RESET_ALL)
		return "";
	if (vs->is_local || !vs->name)
		return NULL;
	return vs->kind == PG_QUERY__VARIABLE_SET_KIND__VAR_RESET || vs->kind == PG_QUERY__VARIABLE_SET_KIND__VAR_SET_DEFAULT
		? vs->name : NULL;
}

/* The resets of a file by setting name, each with its last statement, so
 * that "is this SET reset later?" is a binary search, not a scan of the
 * rest of the file for every SET. */
typedef struct reset {
	const char *name;
	size_t last;
} reset;

typedef struct resets {
	reset *by_name; /* sorted by name, one per name; NULL when out of memory (then scan) */
	size_t n;
	long last_all;  /* last RESET ALL / DISCARD ALL, -1 none */
} resets;

static int cmp_reset(const void *a, const void *b)
{
	const reset *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->last > y->last) - (x->last < y->last);
}

static void index_resets(const gk_lint *l, resets *rs)
{
	rs->n = 0;
	rs->last_all = -1;
	rs->by_name = malloc((l->n_stmts ? l->n_stmts : 1) * sizeof *rs->by_name);
	for (size_t i = 0; i < l->n_stmts; i++) {
		const char *name = reset_name(l->stmts[i].node);
		if (name && !*name)
			rs->last_all = (long)i;
		else if (name && rs->by_name)
			rs->by_name[rs->n++] = (reset){name, i};
	}
	if (!rs->by_name)
		return;
	qsort(rs->by_name, rs->n, sizeof *rs->by_name, cmp_reset);
	size_t k = 0; /* keep the last of each name: sorted by name, then position */
	for (size_t i = 0; i < rs->n; i++) {
		if (k && strcmp(rs->by_name[k - 1].name, rs->by_name[i].name) == 0)
			k--;
		rs->by_name[k++] = rs->by_name[i];
	}
	rs->n = k;
}

static bool reset_later(const gk_lint *l, const resets *rs, const gk_stmt *s, const char *name)
{
	if (rs->last_all > s->index)
		return true;
	if (!rs->by_name) {
		for (size_t i = (size_t)s->index + 1; i < l->n_stmts; i++) {
			const char *r = reset_name(l->stmts[i].node);
			if (r && strcmp(r, name) == 0)
				return true;
		}
		return false;
	}
	size_t lo = 0, hi = rs->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(rs->by_name[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < rs->n && strcmp(rs->by_name[lo].name, name) == 0 && rs->by_name[lo].last > (size_t)s->index;
}

/* How to write `SET name` in this file so that it ends with the file. */
static const char *leak_help(const gk_lint *l, const char *name, char *buf, size_t size)
{
	if (strcmp(name, "lock_timeout") == 0 && !l->opts->lock_timeout_external)
		return gk_lint_lock_timeout_recipe(l, buf, size);
	if (l->runner == GK_RUNNER_SPLIT)
		snprintf(buf, size,
			 "Add `RESET %s;` as the last statement of the file, or wrap the file in `BEGIN; SET LOCAL %s "
			 "...; ... COMMIT;` (Prisma 7.4+ sends each statement on its own, so SET LOCAL outside BEGIN "
			 "does nothing).", name, name);
	else
		snprintf(buf, size,
			 "Use `SET LOCAL %s`: the file runs as one transaction, so the setting ends with it. Or add "
			 "`RESET %s;` as the last statement of the file.", name, name);
	return buf;
}

static void finish_leak(gk_lint *l)
{
	if (!gk_lint_prisma(l))
		return;
	resets rs;
	index_resets(l, &rs);
	for (size_t i = 0; i < l->n_stmts; i++) {
		const gk_stmt *s = &l->stmts[i];
		const char *name = session_set_name(s->node);
		if (!name || reset_later(l, &rs, s, name))
			continue;
		char help[700];
		gk_lint_report(l, s, -1, leak_help(l, name, help, sizeof help),
			       "SET %s lasts for the session: Prisma applies the later migrations of the same `migrate "
			       "deploy`, and records them in _prisma_migrations, on this connection with the setting "
			       "still in effect", name);
	}
	free(rs.by_name);
}

const gk_rule gk_rule_session_setting_leak = {
	.info = {
		.id = "session-setting-leak",
		.category = GK_CAT_TRANSACTION,
		.severity = GK_SEV_WARNING,
		.summary = "a session SET in a Prisma migration stays in effect for the rest of the deploy",
		.why = "`prisma migrate deploy` runs all pending migrations and its own bookkeeping on one "
		       "connection. A SET without LOCAL lasts for the session, even when made inside a committed "
		       "transaction, so a search_path, statement_timeout, role or lock_timeout set by one migration "
		       "changes how the later ones run, and which ones depends on how many were pending in that "
		       "deploy. A RESET of the setting later in the file (or RESET ALL, DISCARD ALL) ends it.",
		.help = "Use SET LOCAL when the file runs as one transaction (Prisma before 7.4; under 7.4+ only "
			"inside the file's own `BEGIN; ... COMMIT;`), or add `RESET name;` as the last statement. "
			"For lock_timeout: `SET LOCAL lock_timeout = '2s';` at the top (Prisma before 7.4), "
			"`BEGIN; SET LOCAL lock_timeout = '2s'; ... COMMIT;` (7.4+), or `SET lock_timeout = '2s';` "
			"... `RESET lock_timeout;` around a file that must run outside a transaction.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "the later migrations of the deploy run in this schema",
			 "SET search_path = billing;\nCREATE TABLE invoices (id bigint PRIMARY KEY);", 1, GK_LAYOUT_PRISMA},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_WHOLE, "a session SET outlives the file's implicit transaction",
			 "SET statement_timeout = '1s';\nALTER TABLE \"User\" ADD COLUMN \"plan\" TEXT;", 1, GK_LAYOUT_PRISMA},
			{GK_EXAMPLE_BAD, 0, GK_RUNNER_SPLIT, "SET ROLE without RESET ROLE",
			 "SET ROLE app_owner;\nCREATE TABLE audit (id bigint);", 1, GK_LAYOUT_PRISMA},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "reset at the end of the file",
			 "SET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n"
			 "RESET lock_timeout;", 0, GK_LAYOUT_PRISMA},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_WHOLE, "SET LOCAL ends with the file's transaction",
			 "SET LOCAL lock_timeout = '2s';\nALTER TABLE \"User\" ADD COLUMN \"plan\" TEXT;", 0, GK_LAYOUT_PRISMA},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_SPLIT, "RESET ALL ends every session setting",
			 "SET search_path = billing;\nCREATE TABLE invoices (id bigint PRIMARY KEY);\nRESET ALL;", 0,
			 GK_LAYOUT_PRISMA},
			{GK_EXAMPLE_OK, 0, GK_RUNNER_PER_FILE, "not a Prisma migration",
			 "SET search_path = billing;\nCREATE TABLE invoices (id bigint PRIMARY KEY);"},
		},
	},
	.finish = finish_leak,
};
