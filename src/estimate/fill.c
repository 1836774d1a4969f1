/*
 * fill.c - synthetic rows for a table of a shadow database.
 *
 * One INSERT ... SELECT over generate_series(from, to) g per table, each
 * column an expression of g chosen from the column's type (its domain's
 * base type for a domain), so that row g of every table holds the same
 * key values: a foreign key column takes the value the referenced table's
 * column has in row 1 + g % R, where R reference rows were put there
 * first.  Values are distinct per g, so primary keys and unique
 * constraints hold; a text value is 32 characters or more, so rows are not
 * unrealistically narrow.  A nullable column the generator has no
 * expression for stays NULL, a column with a default (serial, identity,
 * now()) gets it unless it is a key; a NOT NULL column without either is
 * refused with its name and type.  CHECK constraints are not solved: the
 * server refuses rows that break one, and the message says which.
 */
#include "estimate/estimate.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reference rows put in a table a foreign key points to. */
#define REFERENCE_ROWS 1000L
/* Foreign keys followed from the filled table (a chain deeper than this
 * is refused with a message rather than followed forever). */
#define MAX_DEPTH 4

/*
 * Per column of the table, in order: its name and type quoted, the
 * category and kind (enum, domain) of its base type, its length limit,
 * NOT NULL, default, identity, generated, whether a primary key or unique
 * constraint includes it, and the referenced table and column of a
 * single-column foreign key.
 */
static const char COLUMNS_SQL[] =
	"SELECT quote_ident(a.attname), format_type(a.atttypid, a.atttypmod),\n"
	"       bt.typcategory, bt.typtype, format_type(bt.oid, NULL),\n"
	"       CASE WHEN a.atttypmod > 4 AND bt.typcategory = 'S' THEN a.atttypmod - 4 ELSE 0 END,\n"
	"       a.attnotnull, a.atthasdef, a.attidentity, a.attgenerated,\n"
	"       EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = a.attrelid\n"
	"               AND k.contype IN ('p', 'u') AND a.attnum = ANY (k.conkey)),\n"
	"       fn.nspname, fc.relname, fa.attname, ft.typcategory\n"
	"FROM pg_attribute a\n"
	"JOIN pg_type t ON t.oid = a.atttypid\n"
	"JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END\n"
	"LEFT JOIN LATERAL (SELECT k.confrelid, k.confkey[1] AS fk FROM pg_constraint k\n"
	"                   WHERE k.conrelid = a.attrelid AND k.contype = 'f'\n"
	"                     AND k.conkey = ARRAY[a.attnum] LIMIT 1) f ON true\n"
	"LEFT JOIN pg_class fc ON fc.oid = f.confrelid\n"
	"LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace\n"
	"LEFT JOIN pg_attribute fa ON fa.attrelid = f.confrelid AND fa.attnum = f.fk\n"
	"LEFT JOIN pg_type ft ON ft.oid = fa.atttypid\n"
	"WHERE a.attrelid = format('%I.%I', $1::text, $2::text)::regclass\n"
	"  AND a.attnum > 0 AND NOT a.attisdropped\n"
	"ORDER BY a.attnum";

enum { C_NAME, C_TYPE, C_CAT, C_KIND, C_BASE, C_LEN, C_NOTNULL, C_DEF, C_IDENT, C_GEN, C_KEY, C_FSCHEMA,
       C_FTABLE, C_FCOLUMN };

static bool yes(const PGresult *res, int row, int col)
{
	return !PQgetisnull(res, row, col) && PQgetvalue(res, row, col)[0] == 't';
}

static int db_error(gk_error *err, PGconn *c, const char *what)
{
	int rc = PQstatus(c) == CONNECTION_OK ? GK_ECONFIG : GK_EINFRA;
	char msg[512];
	snprintf(msg, sizeof msg, "%s", PQerrorMessage(c));
	gk_one_line(msg);
	return gk_error_set(err, rc, "%s: %s", what, msg);
}

/*
 * The value of row `g` (an SQL expression of type bigint) for a column of
 * base type `base`, category `cat`, kind `kind`, declared `type`, at most
 * `len` characters (0: no limit).  False when the generator has none.
 */
static bool value_of(gk_buf *b, const char *g, const char *type, const char *base, char cat, char kind, long len)
{
	if (kind == 'e') {
		gk_buf_printf(b, "(enum_range(NULL::%s))[1 + (%s) %% array_length(enum_range(NULL::%s), 1)]", base, g,
			      base);
	} else if (!strcmp(base, "smallint")) {
		gk_buf_printf(b, "((%s) %% 32767)::smallint", g);
	} else if (cat == 'N') {
		gk_buf_printf(b, "(%s)::%s", g, base);
	} else if (cat == 'S') {
		/* The number first, so a short limit still keeps values distinct. */
		gk_buf_printf(b, "(%s)::text || md5((%s)::text)", g, g);
		if (len > 0) {
			char *inner = gk_buf_take(b);
			gk_buf_printf(b, "left(%s, %ld)", inner ? inner : "''", len);
			free(inner);
		}
	} else if (cat == 'B') {
		gk_buf_printf(b, "((%s) %% 2 = 0)", g);
	} else if (!strcmp(base, "date")) {
		gk_buf_printf(b, "(date '2000-01-01' + ((%s) %% 20000)::int)", g);
	} else if (cat == 'D') {
		gk_buf_printf(b, "(timestamp '2000-01-01' + (%s) * interval '1 second')::%s", g, base);
	} else if (cat == 'T') {
		gk_buf_printf(b, "(%s) * interval '1 second'", g);
	} else if (!strcmp(base, "uuid")) {
		gk_buf_printf(b, "md5((%s)::text)::uuid", g);
	} else if (!strcmp(base, "json") || !strcmp(base, "jsonb")) {
		gk_buf_printf(b, "json_build_object('n', %s, 's', md5((%s)::text))::%s", g, g, base);
	} else if (!strcmp(base, "bytea")) {
		gk_buf_printf(b, "decode(md5((%s)::text), 'hex')", g);
	} else if (cat == 'I') {
		gk_buf_printf(b, "('10.0.0.0'::inet + (%s))::%s", g, base);
	} else if (cat == 'A') {
		gk_buf_printf(b, "'{}'::%s", base);
	} else {
		return false;
	}
	/* A domain: the base value cast to it (its CHECK may still refuse). */
	if (strcmp(type, base) && kind != 'e' && cat != 'S') {
		char *inner = gk_buf_take(b);
		gk_buf_printf(b, "(%s)::%s", inner ? inner : "NULL", type);
		free(inner);
	}
	return true;
}

static int fill_table(PGconn *c, const char *schema, const char *name, long rows, int depth, gk_error *err);

/* Rows the table has now. */
static int count_rows(PGconn *c, const char *schema, const char *name, long *n, gk_error *err)
{
	/* count(*) of a table named at run time: the names quoted here. */
	char *qs = PQescapeIdentifier(c, schema, strlen(schema)), *qn = PQescapeIdentifier(c, name, strlen(name));
	if (!qs || !qn) {
		PQfreemem(qs);
		PQfreemem(qn);
		return db_error(err, c, "quoting a name");
	}
	char *q = gk_asprintf("SELECT count(*) FROM %s.%s", qs, qn);
	PQfreemem(qs);
	PQfreemem(qn);
	if (!q)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	PGresult *res = PQexec(c, q);
	free(q);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		return db_error(err, c, "counting rows");
	}
	*n = atol(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

/* The referenced table of column `i`, filled with reference rows first. */
static int fill_reference(PGconn *c, const PGresult *cols, int i, const char *schema, const char *name, int depth,
			  gk_error *err)
{
	const char *fs = PQgetvalue(cols, i, C_FSCHEMA), *ft = PQgetvalue(cols, i, C_FTABLE);
	if (!strcmp(fs, schema) && !strcmp(ft, name))
		return 0;  /* self-reference: row g refers to itself, checked at the statement's end */
	if (depth >= MAX_DEPTH)
		return gk_error_set(err, GK_ECONFIG, "foreign keys from %s.%s go deeper than %d tables", schema, name,
				    MAX_DEPTH);
	return fill_table(c, fs, ft, REFERENCE_ROWS, depth + 1, err);
}

/* Column i's expression for row `g` into `vals` and its name into `names`;
 * *skip when it is left to its default or NULL. */
static int column_expr(PGconn *c, const PGresult *cols, int i, const char *schema, const char *name, int depth,
		       gk_buf *names, gk_buf *vals, bool *overriding, gk_error *err)
{
	const char *col = PQgetvalue(cols, i, C_NAME), *type = PQgetvalue(cols, i, C_TYPE);
	bool notnull = yes(cols, i, C_NOTNULL), key = yes(cols, i, C_KEY);
	bool has_default = yes(cols, i, C_DEF) || PQgetvalue(cols, i, C_IDENT)[0] != '\0';
	if (PQgetvalue(cols, i, C_GEN)[0] != '\0')
		return 0;  /* a generated column computes itself */
	gk_buf v = GK_BUF_INIT;
	bool ok;
	if (!PQgetisnull(cols, i, C_FTABLE)) {
		int rc = fill_reference(c, cols, i, schema, name, depth, err);
		if (rc < 0)
			return rc;
		/* The referenced column was made from its own row number. */
		bool self = !strcmp(PQgetvalue(cols, i, C_FSCHEMA), schema) &&
			    !strcmp(PQgetvalue(cols, i, C_FTABLE), name);
		char g[64];
		snprintf(g, sizeof g, self ? "g" : "(1 + g %% %ld)", REFERENCE_ROWS);
		ok = value_of(&v, g, type, PQgetvalue(cols, i, C_BASE), PQgetvalue(cols, i, C_CAT)[0],
			      PQgetvalue(cols, i, C_KIND)[0], atol(PQgetvalue(cols, i, C_LEN)));
	} else if (has_default && !key) {
		return 0;
	} else {
		ok = value_of(&v, "g", type, PQgetvalue(cols, i, C_BASE), PQgetvalue(cols, i, C_CAT)[0],
			      PQgetvalue(cols, i, C_KIND)[0], atol(PQgetvalue(cols, i, C_LEN)));
	}
	if (!ok) {
		gk_buf_free(&v);
		if (notnull && !has_default)
			return gk_error_set(err, GK_ECONFIG, "no synthetic value for %s.%s.%s of type %s", schema, name,
					    col, type);
		return 0;  /* NULL or its default */
	}
	if (PQgetvalue(cols, i, C_IDENT)[0] == 'a')
		*overriding = true;
	gk_buf_printf(names, "%s%s", names->len ? ", " : "", col);
	gk_buf_printf(vals, "%s%s", vals->len ? ", " : "", v.data ? v.data : "NULL");
	gk_buf_free(&v);
	return 0;
}

static int fill_table(PGconn *c, const char *schema, const char *name, long rows, int depth, gk_error *err)
{
	long have = 0;
	int rc = count_rows(c, schema, name, &have, err);
	if (rc < 0 || have >= rows)
		return rc;
	const char *params[] = {schema, name};
	PGresult *cols = PQexecParams(c, COLUMNS_SQL, 2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(cols) != PGRES_TUPLES_OK) {
		PQclear(cols);
		return db_error(err, c, "reading the table's columns");
	}
	gk_buf names = GK_BUF_INIT, vals = GK_BUF_INIT;
	bool overriding = false;
	for (int i = 0; rc == 0 && i < PQntuples(cols); i++)
		rc = column_expr(c, cols, i, schema, name, depth, &names, &vals, &overriding, err);
	PQclear(cols);
	char *qs = PQescapeIdentifier(c, schema, strlen(schema)), *qn = PQescapeIdentifier(c, name, strlen(name));
	char *q = NULL;
	if (rc == 0 && qs && qn)
		q = names.len ? gk_asprintf("INSERT INTO %s.%s (%s) %sSELECT %s FROM generate_series(%ld::bigint, %ld) g",
					    qs, qn, names.data, overriding ? "OVERRIDING SYSTEM VALUE " : "",
					    vals.data, have + 1, rows)
			      : gk_asprintf("INSERT INTO %s.%s SELECT FROM generate_series(%ld::bigint, %ld) g", qs,
					    qn, have + 1, rows);
	PQfreemem(qs);
	PQfreemem(qn);
	gk_buf_free(&names);
	gk_buf_free(&vals);
	if (rc < 0)
		return rc;
	if (!q)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	PGresult *res = PQexec(c, q);
	free(q);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		PQclear(res);
		char what[300];
		snprintf(what, sizeof what, "synthetic rows for %s.%s", schema, name);
		return db_error(err, c, what);
	}
	PQclear(res);
	return 0;
}

int gk_estimate_fill(PGconn *c, const char *schema, const char *name, long rows, gk_error *err)
{
	return fill_table(c, schema, name, rows, 0, err);
}
