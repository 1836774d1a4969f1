/*
 * preconditions.c - the data preconditions of the pending migrations,
 * counted on the target (see preconditions.h), and their findings.
 *
 * Bounded and read-only: each check is one REPEATABLE READ READ ONLY
 * transaction of its own with SET LOCAL statement_timeout, so a slow
 * check ends at its limit without taking the others with it, and the
 * session's lock_timeout keeps a check from queueing behind a lock.  In
 * sample mode each table is read through "(SELECT * FROM t LIMIT n)": at
 * most n rows, the first ones in physical order, so a violation found is
 * certain and none found proves nothing (said so in a note); the data a
 * DROP or TRUNCATE destroys then comes from the statistics (reltuples,
 * pg_stats.null_frac) without reading the table.
 *
 * Nothing a query returns is a value of the table: every query returns
 * counts.  A server message is quoted only for the failures whose message
 * names objects and never data (permission, missing relation or column,
 * timeouts); any other failure, a cast error for one, could quote a row's
 * value, so it is reported by its SQLSTATE alone.
 */
#include "target/preconditions.h"
#include "rules/rules.h"
#include "target/target_internal.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

void gk_precheck_result_free(gk_precheck_result *res)
{
	free(res->why);
	memset(res, 0, sizeof *res);
}

/* ---- the queries ------------------------------------------------------ */

/* The rows a check reads: the table, or its first rows in sample mode. */
static void source(gk_buf *b, const char *table, bool sample)
{
	if (sample)
		gk_buf_printf(b, "(SELECT * FROM %s LIMIT %d) t", table, GK_PRECHECK_SAMPLE_ROWS);
	else
		gk_buf_printf(b, "%s t", table);
}

static void joined(gk_buf *b, char *const *cols, size_t n, const char *prefix, const char *each, const char *sep)
{
	for (size_t i = 0; i < n; i++)
		gk_buf_printf(b, "%s%s%s%s", i ? sep : "", prefix, cols[i], each);
}

/* The foreign key's orphans: rows whose key is complete (MATCH SIMPLE) or
 * partly set (MATCH FULL) and found in no referenced row. */
static void orphans(gk_buf *b, const gk_precheck *c)
{
	gk_buf_puts(b, "SELECT count(*) FROM ");
	source(b, c->table, false);
	gk_buf_puts(b, " WHERE ");
	gk_buf nx = GK_BUF_INIT;
	gk_buf_printf(&nx, "NOT EXISTS (SELECT 1 FROM %s p WHERE ", c->ref_table);
	for (size_t i = 0; i < c->n_cols && i < c->n_ref_cols; i++)
		gk_buf_printf(&nx, "%sp.%s = t.%s", i ? " AND " : "", c->ref_cols[i], c->cols[i]);
	gk_buf_putc(&nx, ')');
	char *not_exists = gk_buf_take(&nx);
	if (c->match_full) {
		gk_buf_putc(b, '(');
		joined(b, c->cols, c->n_cols, "t.", " IS NOT NULL", " OR ");
		gk_buf_puts(b, ") AND (");
		joined(b, c->cols, c->n_cols, "t.", " IS NULL", " OR ");
		gk_buf_printf(b, " OR %s)", not_exists ? not_exists : "");
	} else {
		joined(b, c->cols, c->n_cols, "t.", " IS NOT NULL", " AND ");
		gk_buf_printf(b, " AND %s", not_exists ? not_exists : "");
	}
	free(not_exists);
}

/*
 * The counting query of `c` (malloc'ed; NULL when out of memory).  One row:
 * count, and for UNIQUE and LOSS_COLUMN a second count.  $1 is the table
 * (LOSS_* from the statistics: $2 the column).
 */
static char *query(const gk_precheck *c, bool sample, bool *estimate)
{
	gk_buf b = GK_BUF_INIT;
	*estimate = false;
	switch (c->kind) {
	case GK_PRECHECK_NULLS:
		gk_buf_puts(&b, "SELECT count(*) FROM ");
		source(&b, c->table, sample);
		gk_buf_puts(&b, " WHERE ");
		joined(&b, c->cols, c->n_cols, "t.", " IS NULL", " OR ");
		break;
	case GK_PRECHECK_ROWS:
		gk_buf_puts(&b, "SELECT count(*) FROM ");
		source(&b, c->table, sample);
		break;
	case GK_PRECHECK_UNIQUE:
		gk_buf_puts(&b, "SELECT count(*), COALESCE(sum(d.n), 0) FROM (SELECT count(*) AS n FROM ");
		source(&b, c->table, sample);
		gk_buf_puts(&b, " WHERE true");
		if (c->nulls_distinct)
			joined(&b, c->cols, c->n_cols, " AND ", " IS NOT NULL", "");
		if (c->expr)
			gk_buf_printf(&b, " AND (%s)", c->expr);
		gk_buf_puts(&b, " GROUP BY ");
		joined(&b, c->cols, c->n_cols, "", "", ", ");
		gk_buf_puts(&b, " HAVING count(*) > 1) d");
		break;
	case GK_PRECHECK_CHECK:
		gk_buf_puts(&b, "SELECT count(*) FROM ");
		source(&b, c->table, sample);
		gk_buf_printf(&b, " WHERE (%s) IS FALSE", c->expr);
		break;
	case GK_PRECHECK_FOREIGN_KEY:
		orphans(&b, c);
		if (sample) {
			/* The same query on the first rows only. */
			char *full = gk_buf_take(&b);
			gk_buf fb = GK_BUF_INIT;
			gk_buf_puts(&fb, "SELECT count(*) FROM ");
			source(&fb, c->table, false);
			char *prefix = gk_buf_take(&fb);
			gk_buf_puts(&b, "SELECT count(*) FROM ");
			source(&b, c->table, true);
			if (full && prefix)
				gk_buf_puts(&b, full + strlen(prefix));
			free(full);
			free(prefix);
		}
		break;
	case GK_PRECHECK_FIT:
		gk_buf_puts(&b, "SELECT count(*) FROM ");
		source(&b, c->table, sample);
		gk_buf_printf(&b, " WHERE (%s) IS NOT NULL AND (%s)", c->expr, c->guard);
		break;
	case GK_PRECHECK_ENUM:
		gk_buf_puts(&b, "SELECT count(*) FROM ");
		source(&b, c->table, sample);
		gk_buf_printf(&b, " WHERE (%s) IS NOT NULL", c->expr);
		if (*c->guard)
			gk_buf_printf(&b, " AND (%s)::text NOT IN (%s)", c->expr, c->guard);
		break;
	case GK_PRECHECK_LOSS_ROWS:
		*estimate = sample;
		if (sample)
			gk_buf_puts(&b, "SELECT reltuples::bigint FROM pg_catalog.pg_class WHERE oid = to_regclass($1)");
		else
			gk_buf_printf(&b, "SELECT count(*) FROM %s", c->table);
		break;
	case GK_PRECHECK_LOSS_COLUMN:
		*estimate = sample;
		if (sample)
			gk_buf_puts(&b, "SELECT c.reltuples::bigint, round(GREATEST(c.reltuples, 0) * (1 - s.null_frac))::bigint "
					"FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
					"LEFT JOIN pg_catalog.pg_stats s ON s.schemaname = n.nspname "
					"AND s.tablename = c.relname AND '\"' || replace(s.attname, '\"', '\"\"') || '\"' = $2 "
					"WHERE c.oid = to_regclass($1)");
		else
			gk_buf_printf(&b, "SELECT count(*), count(%s) FROM %s", c->cols[0], c->table);
		break;
	case GK_PRECHECK_VALIDATE:
		break;
	}
	return gk_buf_take(&b);
}

/* ---- running one --------------------------------------------------------- */

typedef struct run {
	gk_target *t;
	const gk_precheck_options *o;
	gk_precheck_result *res;
	gk_error *err;
} run;

/* Why a query failed, from its SQLSTATE: a message only where it names
 * objects, never data. */
static char *failure(gk_target *t, const PGresult *r, int timeout_ms)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	snprintf(t->sqlstate, sizeof t->sqlstate, "%s", state ? state : "");
	if (strcmp(t->sqlstate, "57014") == 0)
		return gk_asprintf("not run to the end: it did not finish within %d ms (statement_timeout)", timeout_ms);
	if (strcmp(t->sqlstate, "55P03") == 0)
		return gk_strdup("not run: a lock on the table was not granted within the session's lock_timeout");
	bool names_objects = strcmp(t->sqlstate, "42501") == 0 || strcmp(t->sqlstate, "42P01") == 0 ||
			     strcmp(t->sqlstate, "42703") == 0 || strcmp(t->sqlstate, "42704") == 0 ||
			     strcmp(t->sqlstate, "42883") == 0;
	if (names_objects && primary) {
		char *m = gk_tg_clean_message(t, primary);
		char *why = gk_asprintf("not run: %s%s", m ? m : "",
					strcmp(t->sqlstate, "42501") == 0 ? " (the role needs SELECT on it)" : "");
		free(m);
		return why;
	}
	return gk_asprintf("not run: the query failed on the target (SQLSTATE %s; its message is not shown, it "
			   "could quote a row's value)", *t->sqlstate ? t->sqlstate : "unknown");
}

/*
 * Run `sql` with `np` text parameters.  The rows, or NULL: res->why says
 * why (status NOT_RUN), and GK_EINFRA in *rc when the connection is gone.
 */
static PGresult *exec(run *x, const char *sql, int np, const char *const *params, int *rc)
{
	PGresult *r = PQexecParams(x->t->conn, sql, np, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) == PGRES_TUPLES_OK)
		return r;
	if (PQstatus(x->t->conn) != CONNECTION_OK) {
		*rc = gk_error_set(x->err, GK_EINFRA, "the connection to %s was lost during the data checks",
				   x->t->where);
	} else {
		x->res->status = GK_PRECHECK_NOT_RUN;
		int ms = x->o->timeout_ms > 0 ? x->o->timeout_ms : GK_TARGET_STATEMENT_TIMEOUT_MS;
		if (!(x->res->why = failure(x->t, r, ms)))
			*rc = gk_error_set(x->err, GK_ENOMEM, "out of memory");
	}
	PQclear(r);
	return NULL;
}

/* Column 1 of the rows whose column 0 is `side` (malloc'ed; NULL when out of memory). */
static char **split_rows(const PGresult *r, int side, size_t *n)
{
	char **v = calloc((size_t)PQntuples(r) + 1, sizeof *v);
	*n = 0;
	for (int i = 0; v && i < PQntuples(r); i++)
		if (atoi(PQgetvalue(r, i, 0)) == side && !(v[(*n)++] = gk_strdup(PQgetvalue(r, i, 1)))) {
			for (size_t k = 0; k < *n; k++)
				free(v[k]);
			free(v);
			*n = 0;
			return NULL;
		}
	return v;
}

static bool copy_list(char ***dst, size_t *n_dst, char *const *src, size_t n)
{
	*dst = calloc(n + 1, sizeof **dst);
	*n_dst = 0;
	for (size_t i = 0; *dst && i < n; i++)
		if (!((*dst)[(*n_dst)++] = gk_strdup(src[i])))
			return false;
	return *dst != NULL;
}

/* A deep copy of what the queries read of `c` (false when out of memory;
 * `dst` is freed with gk_precheck_clear either way). */
static bool copy(const gk_precheck *c, gk_precheck *dst)
{
	*dst = (gk_precheck){.kind = c->kind, .match_full = c->match_full, .nulls_distinct = c->nulls_distinct};
	bool ok = (dst->table = gk_strdup(c->table)) != NULL;
	ok &= !c->expr || (dst->expr = gk_strdup(c->expr)) != NULL;
	ok &= !c->guard || (dst->guard = gk_strdup(c->guard)) != NULL;
	ok &= !c->ref_table || (dst->ref_table = gk_strdup(c->ref_table)) != NULL;
	ok &= copy_list(&dst->cols, &dst->n_cols, c->cols, c->n_cols);
	ok &= copy_list(&dst->ref_cols, &dst->n_ref_cols, c->ref_cols, c->n_ref_cols);
	return ok;
}

/* The columns of a constraint (side 0) and of its referenced key (side 1);
 * with `pk`, the primary key of table $1 (side 1 only). */
#define KEY_COLUMNS(where)                                                                                 \
	"SELECT k.side, quote_ident(a.attname) FROM pg_catalog.pg_constraint c, LATERAL ("                   \
	"  SELECT 0 AS side, u.n, u.o, c.conrelid AS rel FROM unnest(c.conkey) WITH ORDINALITY u(n, o) "    \
	"  UNION ALL SELECT 1, u.n, u.o, c.confrelid FROM unnest(c.confkey) WITH ORDINALITY u(n, o)) k "    \
	"JOIN pg_catalog.pg_attribute a ON a.attrelid = k.rel AND a.attnum = k.n "                            \
	"WHERE c.conrelid = to_regclass($1) AND " where " ORDER BY k.side, k.o"

/* REFERENCES t without columns: t's primary key, from the catalog. */
static int primary_key(run *x, gk_precheck *c)
{
	const char *params[] = {c->ref_table};
	int rc = 0;
	PGresult *r = exec(x,
			   "SELECT 1, quote_ident(a.attname) FROM pg_catalog.pg_constraint c, "
			   "unnest(c.conkey) WITH ORDINALITY u(n, o) "
			   "JOIN pg_catalog.pg_attribute a ON a.attnum = u.n "
			   "WHERE c.conrelid = to_regclass($1) AND a.attrelid = c.conrelid AND c.contype = 'p' "
			   "ORDER BY u.o",
			   1, params, &rc);
	if (!r)
		return rc;
	free(c->ref_cols);
	if (!(c->ref_cols = split_rows(r, 1, &c->n_ref_cols)))
		rc = gk_error_set(x->err, GK_ENOMEM, "out of memory");
	PQclear(r);
	if (rc == 0 && c->n_ref_cols != c->n_cols) {
		x->res->status = GK_PRECHECK_NOT_RUN;
		if (!(x->res->why = gk_strdup("not run: the referenced table's primary key does not match the "
					      "foreign key's columns on the target")))
			rc = gk_error_set(x->err, GK_ENOMEM, "out of memory");
	}
	return rc;
}

/* VALIDATE CONSTRAINT of a constraint the target has: its definition. */
static int from_catalog(run *x, const gk_precheck *v, gk_precheck *c)
{
	const char *params[] = {v->table, v->expr};
	int rc = 0;
	PGresult *r = exec(x,
			   "SELECT c.contype, pg_catalog.pg_get_expr(c.conbin, c.conrelid), c.confrelid::regclass::text, "
			   "  c.confmatchtype FROM pg_catalog.pg_constraint c "
			   "WHERE c.conrelid = to_regclass($1) AND c.conname = $2 AND c.contype IN ('c', 'f')",
			   2, params, &rc);
	if (!r)
		return rc;
	if (PQntuples(r) != 1) {
		PQclear(r);
		x->res->status = GK_PRECHECK_NOT_RUN;
		x->res->why = gk_strdup("not run: the target has no CHECK or FOREIGN KEY of that name on the table");
		return x->res->why ? 0 : gk_error_set(x->err, GK_ENOMEM, "out of memory");
	}
	bool check = PQgetvalue(r, 0, 0)[0] == 'c';
	c->kind = check ? GK_PRECHECK_CHECK : GK_PRECHECK_FOREIGN_KEY;
	c->table = gk_strdup(v->table);
	c->expr = check ? gk_strdup(PQgetvalue(r, 0, 1)) : NULL;
	c->ref_table = check ? NULL : gk_strdup(PQgetvalue(r, 0, 2));
	c->match_full = PQgetvalue(r, 0, 3)[0] == 'f';
	bool oom = !c->table || (check ? !c->expr : !c->ref_table);
	PQclear(r);
	if (oom)
		return gk_error_set(x->err, GK_ENOMEM, "out of memory");
	if (check)
		return 0;
	if (!(r = exec(x, KEY_COLUMNS("c.conname = $2"), 2, params, &rc)))
		return rc;
	c->cols = split_rows(r, 0, &c->n_cols);
	c->ref_cols = split_rows(r, 1, &c->n_ref_cols);
	PQclear(r);
	return c->cols && c->ref_cols ? 0 : gk_error_set(x->err, GK_ENOMEM, "out of memory");
}

/* Inside the check's transaction: resolve what the target must tell, then count. */
static int count(run *x, const gk_precheck *given)
{
	const char *params[] = {given->table, given->n_cols ? given->cols[0] : NULL};
	int rc = 0;
	PGresult *r = exec(x, "SELECT to_regclass($1) IS NOT NULL", 1, params, &rc);
	if (!r)
		return rc;
	bool present = PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	if (!present) {
		x->res->status = GK_PRECHECK_ABSENT;
		return 0;
	}
	gk_precheck own = {0};
	const gk_precheck *c = given;
	if (given->kind == GK_PRECHECK_VALIDATE) {
		rc = from_catalog(x, given, &own);
		c = &own;
	} else if (given->kind == GK_PRECHECK_FOREIGN_KEY && given->n_ref_cols == 0) {
		rc = copy(given, &own) ? 0 : gk_error_set(x->err, GK_ENOMEM, "out of memory");
		if (rc == 0)
			rc = primary_key(x, &own);
		c = &own;
	}
	char *sql = NULL;
	x->res->kind = c->kind;
	if (rc == 0 && x->res->status == GK_PRECHECK_RAN) {
		bool estimate;
		if (!(sql = query(c, x->o->sample, &estimate)))
			rc = gk_error_set(x->err, GK_ENOMEM, "out of memory");
		x->res->estimate = estimate;
		x->res->sampled = x->o->sample;
	}
	double t0 = gk_now();
	int np = !x->res->estimate ? 0 : c->kind == GK_PRECHECK_LOSS_COLUMN ? 2 : 1;
	r = sql ? exec(x, sql, np, params, &rc) : NULL;
	x->res->ms = (gk_now() - t0) * 1000.0;
	if (r) {
		if (PQntuples(r) == 0 || PQgetisnull(r, 0, 0) || atoll(PQgetvalue(r, 0, 0)) < 0) {
			x->res->status = GK_PRECHECK_NOT_RUN;
			x->res->why = gk_strdup("not run: the table has no statistics yet (never vacuumed or analyzed)");
			if (!x->res->why)
				rc = gk_error_set(x->err, GK_ENOMEM, "out of memory");
		} else {
			x->res->count = atoll(PQgetvalue(r, 0, 0));
			x->res->count2 = PQnfields(r) > 1 && !PQgetisnull(r, 0, 1) ? atoll(PQgetvalue(r, 0, 1)) : 0;
		}
		PQclear(r);
	}
	free(sql);
	gk_precheck_clear(&own);
	return rc;
}

int gk_target_precheck(gk_target *t, const gk_precheck *c, const gk_precheck_options *o, gk_precheck_result *out,
		       gk_error *err)
{
	memset(out, 0, sizeof *out);
	out->kind = c->kind;
	if (c->not_run) {
		out->status = GK_PRECHECK_NOT_RUN;
		out->why = gk_strdup(c->not_run);
		return out->why ? 0 : gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	int rc = gk_tg_begin(t, err);
	if (rc)
		return rc;
	int ms = o->timeout_ms > 0 ? o->timeout_ms : GK_TARGET_STATEMENT_TIMEOUT_MS;
	char set[64];
	snprintf(set, sizeof set, "SET LOCAL statement_timeout = %d", ms);
	PGresult *s = PQexec(t->conn, set);
	if (PQresultStatus(s) != PGRES_COMMAND_OK)
		rc = gk_error_set(err, GK_EINFRA, "cannot set the data checks' statement_timeout on %s", t->where);
	PQclear(s);
	run x = {.t = t, .o = o, .res = out, .err = err};
	if (rc == 0)
		rc = count(&x, c);
	gk_tg_end(t);
	if (rc)
		gk_precheck_result_free(out);
	return rc;
}

/* ---- findings -------------------------------------------------------------- */

/* `"public"."users"` as people write it: public.users (quotes kept where needed). */
static char *shown(const char *table)
{
	gk_buf b = GK_BUF_INIT;
	const char *p = table;
	while (*p) {
		if (*p != '"') {
			gk_buf_putc(&b, *p++);
			continue;
		}
		const char *e = p + 1;
		bool plain = e[0] && !(e[0] >= '0' && e[0] <= '9');
		while (*e && !(e[0] == '"' && e[1] != '"')) {
			plain &= (*e >= 'a' && *e <= 'z') || (*e >= '0' && *e <= '9') || *e == '_';
			e += e[0] == '"' ? 2 : 1;
		}
		if (plain)
			gk_buf_append(&b, p + 1, (size_t)(e - p - 1));
		else
			gk_buf_append(&b, p, (size_t)(e - p + (*e ? 1 : 0)));
		p = *e ? e + 1 : e;
	}
	return gk_buf_take(&b);
}

static const char *rows(long long n) { return n == 1 ? "row" : "rows"; }

/* What the violating rows are, for the precondition-failed message. */
static char *violation(const gk_precheck *c, const gk_precheck_result *res, const char *table)
{
	char *cols = NULL;
	gk_buf b = GK_BUF_INIT;
	for (size_t i = 0; i < c->n_cols; i++)
		gk_buf_printf(&b, "%s%s", i ? ", " : "", c->cols[i]);
	cols = gk_buf_take(&b);
	char *cs = cols ? shown(cols) : NULL;
	free(cols);
	const char *at_least = res->sampled ? "at least " : "";
	char *m = NULL;
	switch (c->kind) {
	case GK_PRECHECK_NULLS:
		m = gk_asprintf("%s%lld %s of %s %s NULL in %s", at_least, res->count, rows(res->count), table,
				res->count == 1 ? "has" : "have", cs ? cs : "");
		break;
	case GK_PRECHECK_ROWS:
		m = gk_asprintf("%s has %s%lld %s, and each would need a value", table, at_least, res->count,
				rows(res->count));
		break;
	case GK_PRECHECK_UNIQUE:
		m = gk_asprintf("%s has %s%lld duplicate %s of (%s), %lld rows in all", table, at_least, res->count,
				res->count == 1 ? "group" : "groups", cs ? cs : "", res->count2);
		break;
	case GK_PRECHECK_CHECK:
		m = gk_asprintf("%s%lld %s of %s violate%s the CHECK expression", at_least, res->count, rows(res->count),
				table, res->count == 1 ? "s" : "");
		break;
	case GK_PRECHECK_FOREIGN_KEY:
	case GK_PRECHECK_VALIDATE:
		m = gk_asprintf("%s%lld %s of %s reference%s no row of the referenced table (orphans)", at_least,
				res->count, rows(res->count), table, res->count == 1 ? "s" : "");
		break;
	case GK_PRECHECK_FIT:
		m = gk_asprintf("%s%lld %s of %s hold%s a value of %s that the new type cannot hold", at_least,
				res->count, rows(res->count), table, res->count == 1 ? "s" : "", cs ? cs : "");
		break;
	case GK_PRECHECK_ENUM:
		m = gk_asprintf("%s%lld %s of %s hold%s a value of %s that the recreated enum no longer has", at_least,
				res->count, rows(res->count), table, res->count == 1 ? "s" : "", cs ? cs : "");
		break;
	default:
		break;
	}
	free(cs);
	return m;
}

static const char *fix_of(enum gk_precheck_kind k)
{
	switch (k) {
	case GK_PRECHECK_NULLS:
		return "Backfill the NULLs (UPDATE in batches) in an earlier deploy, or in the same migration before "
		       "the statement, then set NOT NULL.";
	case GK_PRECHECK_ROWS:
		return "Add the column with a DEFAULT (constant defaults are instant since PostgreSQL 11), or add it "
		       "nullable, backfill, then SET NOT NULL.";
	case GK_PRECHECK_UNIQUE:
		return "Resolve the duplicates first (find them with GROUP BY ... HAVING count(*) > 1 on the key), "
		       "then add the constraint or index.";
	case GK_PRECHECK_FOREIGN_KEY:
	case GK_PRECHECK_VALIDATE:
		return "Delete or repair the orphan rows first, or add the constraint NOT VALID (new rows are "
		       "checked) and validate it once the data is clean.";
	case GK_PRECHECK_FIT:
		return "Fix or widen the values that do not fit before the change, or change the type with a "
		       "USING expression that converts them.";
	case GK_PRECHECK_ENUM:
		return "Map the rows holding removed values to values the new enum keeps (UPDATE) before the "
		       "migration, or keep the values in the enum.";
	default:
		return "Repair the rows that violate the constraint first, or add it NOT VALID and validate it "
		       "once the data is clean.";
	}
}

typedef struct reporter {
	gk_report *r;
	const gk_lint_options *lo;
} reporter;

/* The report model's name of what was counted (gk_precondition.kind). */
static const char *kind_name(enum gk_precheck_kind k)
{
	switch (k) {
	case GK_PRECHECK_NULLS: return "nulls";
	case GK_PRECHECK_ROWS: return "rows";
	case GK_PRECHECK_UNIQUE: return "unique";
	case GK_PRECHECK_CHECK: return "check";
	case GK_PRECHECK_FOREIGN_KEY: return "foreign_key";
	case GK_PRECHECK_VALIDATE: return "validate";
	case GK_PRECHECK_FIT: return "fit";
	case GK_PRECHECK_ENUM: return "enum";
	case GK_PRECHECK_LOSS_ROWS: return "loss_rows";
	case GK_PRECHECK_LOSS_COLUMN: return "loss_column";
	}
	return "check";
}

/* The counts of result `res` of a check of kind `k`, for the finding
 * (the messages say the same in words). */
static gk_precondition counts(enum gk_precheck_kind k, const gk_precheck_result *res)
{
	gk_precondition pc = {.kind = kind_name(k), .rows = res->count, .groups = -1, .values = -1,
			      .sampled = res->sampled, .estimated = res->estimate};
	if (k == GK_PRECHECK_UNIQUE) {
		pc.groups = res->count;
		pc.rows = res->count2;
	} else if (k == GK_PRECHECK_LOSS_COLUMN) {
		pc.values = res->count2;
	}
	return pc;
}

static int finding(reporter *p, enum gk_rule_id rule, const gk_precheck *c, const gk_precondition *pc,
		   const char *help, char *msg)
{
	if (!msg)
		return GK_ENOMEM;
	/* A precondition finding has no statement text: what the check is
	 * about tells two of one file apart for the fingerprint, not their
	 * messages, whose counts change from run to run. */
	gk_finding f = {.message = msg, .help = (char *)help, .path = (char *)c->path, .line = c->line,
			.about = (char *)c->what, .precondition = *pc};
	int rc = gk_rule_add_finding(p->r, p->lo, rule, &f);
	free(msg);
	return rc;
}

static int note(reporter *p, char *text)
{
	int rc = text && gk_report_add_note(p->r, text) >= 0 ? 0 : GK_ENOMEM;
	free(text);
	return rc;
}

static int loss(reporter *p, const gk_precheck *c, const gk_precheck_result *res, const char *table)
{
	const char *how = res->estimate ? "~" : "";
	const char *src = res->estimate ? " (estimated from the statistics)" : "";
	char *m = c->kind == GK_PRECHECK_LOSS_ROWS
			  ? gk_asprintf("%s destroys the rows of %s: %s%lld %s%s", c->what, table, how, res->count,
					rows(res->count), src)
			  : gk_asprintf("%s on %s destroys %s%lld non-null values (of %s%lld %s)%s", c->what, table, how,
					res->count2, how, res->count, rows(res->count), src);
	gk_precondition pc = counts(c->kind, res);
	return finding(p, GK_RULE_ID_data_loss_estimate, c, &pc, NULL, m);
}

static int report_one(reporter *p, const gk_precheck *c, const gk_precheck_result *res)
{
	char *table = shown(c->table);
	if (!table)
		return GK_ENOMEM;
	int rc = 0;
	bool is_loss = c->kind == GK_PRECHECK_LOSS_ROWS || c->kind == GK_PRECHECK_LOSS_COLUMN;
	if (res->status == GK_PRECHECK_NOT_RUN)
		rc = note(p, gk_asprintf("data check %s at %s:%d on %s %s", c->what, c->path, c->line, table, res->why));
	else if (res->status == GK_PRECHECK_RAN && is_loss)
		rc = loss(p, c, res, table);
	else if (res->status == GK_PRECHECK_RAN && res->count > 0) {
		gk_precheck as_run = *c;
		as_run.kind = res->kind;
		char *v = violation(&as_run, res, table);
		gk_precondition pc = counts(res->kind, res);
		rc = v ? finding(p, GK_RULE_ID_precondition_failed, c, &pc, fix_of(res->kind),
				 gk_asprintf("%s will fail on the target: %s", c->what, v))
		       : GK_ENOMEM;
		free(v);
	} else if (res->status == GK_PRECHECK_RAN && res->sampled)
		rc = note(p, gk_asprintf("data check %s at %s:%d on %s: no violation among the first %d rows read "
					 "(a sample, not a proof)", c->what, c->path, c->line, table,
					 GK_PRECHECK_SAMPLE_ROWS));
	free(table);
	return rc;
}

int gk_target_data_checks(gk_report *r, const gk_lint_options *lo, gk_target *t, const gk_precheck_input *in,
			  size_t n, const gk_precheck_options *o, gk_error *err)
{
	gk_precheck *c = NULL;
	size_t nc = 0;
	if (gk_precheck_find(in, n, &c, &nc) != 0)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	reporter p = {.r = r, .lo = lo};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < nc; i++) {
		gk_precheck_result res;
		rc = gk_target_precheck(t, &c[i], o, &res, err);
		if (rc == 0 && report_one(&p, &c[i], &res) != 0)
			rc = gk_error_set(err, GK_ENOMEM, "out of memory");
		gk_precheck_result_free(&res);
	}
	gk_prechecks_free(c, nc);
	return rc;
}
