/*
 * leftover.c - what a migration that did not apply left committed.
 *
 * Why: a runner that sends statements one by one (SPLIT) commits each on
 * its own, so a failure at statement k leaves 1..k-1 applied, and that is
 * the state production is left in (Prisma then stops every later deploy
 * with P3009 until someone repairs it by hand).  The reviewer needs to
 * know what is there: "table a, index a_b".
 *
 * How, cheaply and without a copy of the catalog per migration: before a
 * migration we note the largest oid of the catalogs that name objects and
 * the next transaction id.  Oids come from one counter that only grows (a
 * shadow never gets near its wraparound), so a row with a larger oid was
 * created by the migration; a row of an existing table's column written by
 * a transaction at or after the noted id was added, changed or dropped by
 * it.  Only committed rows are visible to the query that reads them, so
 * what a failed transaction did is not counted.  Objects that belong to
 * another one listed (a new table's row type, array type, TOAST table and
 * the indexes of its constraints, a serial's sequence, an extension's
 * members) are left out: the reader knows them from their owner.  What the
 * migration dropped, and its data, are not named.
 */
#include "replay/replay_internal.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

int gk_replay_mark_take(PGconn *c, gk_replay_mark *mk)
{
	memset(mk, 0, sizeof *mk);
	PGresult *res = PQexec(c,
		"SELECT GREATEST((SELECT max(oid) FROM pg_catalog.pg_class), "
		"(SELECT max(oid) FROM pg_catalog.pg_type), (SELECT max(oid) FROM pg_catalog.pg_proc), "
		"(SELECT max(oid) FROM pg_catalog.pg_namespace), (SELECT max(oid) FROM pg_catalog.pg_constraint), "
		"(SELECT max(oid) FROM pg_catalog.pg_trigger), (SELECT max(oid) FROM pg_catalog.pg_extension)), "
		"pg_catalog.txid_snapshot_xmax(pg_catalog.txid_current_snapshot()) % 4294967296");
	if (res && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
		snprintf(mk->oid, sizeof mk->oid, "%s", PQgetvalue(res, 0, 0));
		snprintf(mk->xid, sizeof mk->xid, "%s", PQgetvalue(res, 0, 1));
		mk->taken = true;
	}
	PQclear(res);
	return 0;
}

/* Objects created since the mark ($1: its oid), in creation order. */
static const char created_sql[] =
	"WITH obj AS ("
	" SELECT 'pg_catalog.pg_class'::pg_catalog.regclass AS cls, c.oid FROM pg_catalog.pg_class c"
	"  WHERE c.oid > $1::pg_catalog.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S', 'i', 'I')"
	"  AND c.relnamespace <> 'pg_toast'::pg_catalog.regnamespace"
	/* the index of a primary key, unique or exclusion constraint goes by
	 * its constraint, or by its new table */
	"  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = c.oid"
	"   AND k.contype IN ('p', 'u', 'x'))"
	/* a serial's or identity's sequence goes by its new table */
	"  AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_catalog.pg_depend d"
	"   WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid"
	"   AND d.deptype IN ('a', 'i') AND d.refobjid > $1::pg_catalog.oid))"
	" UNION ALL SELECT 'pg_catalog.pg_type'::pg_catalog.regclass, t.oid FROM pg_catalog.pg_type t"
	"  WHERE t.oid > $1::pg_catalog.oid AND t.typtype IN ('b', 'd', 'e', 'r') AND t.typrelid = 0"
	"  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type a WHERE a.typarray = t.oid)"
	" UNION ALL SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass, p.oid FROM pg_catalog.pg_proc p"
	"  WHERE p.oid > $1::pg_catalog.oid AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d"
	"   WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid AND d.deptype = 'i')"
	" UNION ALL SELECT 'pg_catalog.pg_namespace'::pg_catalog.regclass, n.oid FROM pg_catalog.pg_namespace n"
	"  WHERE n.oid > $1::pg_catalog.oid"
	/* constraints of a new table go by the table */
	" UNION ALL SELECT 'pg_catalog.pg_constraint'::pg_catalog.regclass, k.oid FROM pg_catalog.pg_constraint k"
	"  WHERE k.oid > $1::pg_catalog.oid AND k.conrelid <> 0 AND k.conrelid <= $1::pg_catalog.oid"
	" UNION ALL SELECT 'pg_catalog.pg_trigger'::pg_catalog.regclass, g.oid FROM pg_catalog.pg_trigger g"
	"  WHERE g.oid > $1::pg_catalog.oid AND NOT g.tgisinternal"
	" UNION ALL SELECT 'pg_catalog.pg_extension'::pg_catalog.regclass, e.oid FROM pg_catalog.pg_extension e"
	"  WHERE e.oid > $1::pg_catalog.oid)"
	" SELECT pg_catalog.pg_describe_object(o.cls, o.oid, 0) FROM obj o"
	" WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = o.cls AND d.objid = o.oid"
	"  AND d.deptype = 'e')"
	" ORDER BY o.oid";

/* Columns of relations older than the mark ($1) whose row a transaction
 * since the mark ($2) wrote.  age() counts back from the next transaction
 * id modulo 2^32, so the comparison holds across a wraparound. */
static const char changed_sql[] =
	"SELECT CASE WHEN a.attisdropped"
	" THEN 'a dropped column of ' || pg_catalog.pg_describe_object('pg_catalog.pg_class'::pg_catalog.regclass,"
	"  a.attrelid, 0)"
	" ELSE pg_catalog.pg_describe_object('pg_catalog.pg_class'::pg_catalog.regclass, a.attrelid, a.attnum) END"
	" FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
	" WHERE a.attrelid <= $1::pg_catalog.oid AND a.attrelid >= 16384 AND a.attnum > 0"
	" AND c.relkind IN ('r', 'p', 'v', 'm', 'f')"
	" AND pg_catalog.age(a.xmin) <= pg_catalog.age($2::pg_catalog.xid)"
	" ORDER BY a.attrelid, a.attnum";

/* The first column of every row of `sql` (parameters: the mark's oid, then
 * its transaction id) into list[0..*n). */
static int read_list(PGconn *c, const char *sql, int nparams, const gk_replay_mark *mk, char ***list, size_t *n)
{
	const char *params[2] = {mk->oid, mk->xid};
	PGresult *res = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
	if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		return 0;  /* not readable: nothing named (the failure is still reported) */
	}
	int rows = PQntuples(res), rc = 0;
	if (rows > 0 && !(*list = calloc((size_t)rows, sizeof **list)))
		rc = GK_ENOMEM;
	for (int i = 0; rc == 0 && i < rows; i++)
		if (!((*list)[(*n)++] = gk_strdup(PQgetvalue(res, i, 0))))
			rc = GK_ENOMEM;
	PQclear(res);
	return rc;
}

int gk_replay_leftover(PGconn *c, const gk_replay_mark *mk, gk_replay_result *r)
{
	if (!mk->taken || PQtransactionStatus(c) != PQTRANS_IDLE)
		return 0;
	int rc = read_list(c, created_sql, 1, mk, &r->created, &r->n_created);
	return rc ? rc : read_list(c, changed_sql, 2, mk, &r->changed, &r->n_changed);
}
