/*
 * external.c - is a database on someone else's server safe to borrow as a
 * shadow, and putting it back as it was.
 *
 * A role without CREATEDB cannot get a throw-away database, so gatekeeper
 * replays into the database named in the URL.  That must never damage real
 * data: it is used only when it holds no user objects, and on close exactly
 * the objects that were not there at open are dropped.
 *
 * "User object" is decided in the catalogs, not information_schema (which
 * hides what the role may not see): every row with an OID >= 16384
 * (FirstNormalObjectId: initdb's own objects are below it) in the catalogs
 * that hold named objects, except
 *  - members of an extension (pg_depend 'e'): they belong to the extension;
 *  - parts of another object (pg_depend 'i' internal, 'a' auto, 'P'/'S'
 *    partition): indexes, toast tables, row and array types, owned
 *    sequences.  They go when their owner goes, and the owner is listed;
 *  - temporary objects of other sessions (pg_temp_N schemas).
 * Large objects are data and count.  Schemas and extensions alone are
 * tolerated (an extension some admin installed, an empty schema) and kept.
 */
#include "shadow/shadow_internal.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* Columns: catalog oid, object oid, type, identity, the SQL that drops it. */
static const char USER_OBJECTS_SQL[] =
	"WITH objs(cls, oid) AS (\n"
	"  SELECT 'pg_namespace'::regclass, oid FROM pg_namespace\n"
	"   WHERE nspname !~ '^pg_(toast_)?temp_'\n"
	"  UNION ALL SELECT 'pg_class'::regclass, oid FROM pg_class WHERE relpersistence <> 't'\n"
	"  UNION ALL SELECT 'pg_proc'::regclass, oid FROM pg_proc\n"
	"  UNION ALL SELECT 'pg_type'::regclass, t.oid FROM pg_type t\n"
	"    JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname !~ '^pg_(toast_)?temp_'\n"
	"  UNION ALL SELECT 'pg_collation'::regclass, oid FROM pg_collation\n"
	"  UNION ALL SELECT 'pg_conversion'::regclass, oid FROM pg_conversion\n"
	"  UNION ALL SELECT 'pg_operator'::regclass, oid FROM pg_operator\n"
	"  UNION ALL SELECT 'pg_opclass'::regclass, oid FROM pg_opclass\n"
	"  UNION ALL SELECT 'pg_opfamily'::regclass, oid FROM pg_opfamily\n"
	"  UNION ALL SELECT 'pg_ts_config'::regclass, oid FROM pg_ts_config\n"
	"  UNION ALL SELECT 'pg_ts_dict'::regclass, oid FROM pg_ts_dict\n"
	"  UNION ALL SELECT 'pg_ts_parser'::regclass, oid FROM pg_ts_parser\n"
	"  UNION ALL SELECT 'pg_ts_template'::regclass, oid FROM pg_ts_template\n"
	"  UNION ALL SELECT 'pg_foreign_data_wrapper'::regclass, oid FROM pg_foreign_data_wrapper\n"
	"  UNION ALL SELECT 'pg_foreign_server'::regclass, oid FROM pg_foreign_server\n"
	"  UNION ALL SELECT 'pg_event_trigger'::regclass, oid FROM pg_event_trigger\n"
	"  UNION ALL SELECT 'pg_publication'::regclass, oid FROM pg_publication\n"
	"  UNION ALL SELECT 'pg_cast'::regclass, oid FROM pg_cast\n"
	"  UNION ALL SELECT 'pg_language'::regclass, oid FROM pg_language\n"
	"  UNION ALL SELECT 'pg_transform'::regclass, oid FROM pg_transform\n"
	"  UNION ALL SELECT 'pg_am'::regclass, oid FROM pg_am\n"
	"  UNION ALL SELECT 'pg_extension'::regclass, oid FROM pg_extension\n"
	"  UNION ALL SELECT 'pg_largeobject'::regclass, oid FROM pg_largeobject_metadata\n"
	")\n"
	"SELECT o.cls::oid, o.oid, i.type, i.identity,\n"
	"  CASE WHEN i.type = 'large object' THEN format('SELECT pg_catalog.lo_unlink(%s)', o.oid)\n"
	"       WHEN i.type = 'transform' THEN 'DROP TRANSFORM IF EXISTS '\n"
	"         || regexp_replace(i.identity, '^for (.*) on language (.*)$', 'FOR \\1 LANGUAGE \\2')\n"
	"       ELSE format('DROP %s IF EXISTS %s CASCADE',\n"
	"         CASE WHEN i.type = 'composite type' THEN 'TYPE'\n"
	"              WHEN o.cls = 'pg_type'::regclass\n"
	"                   AND (SELECT typtype FROM pg_type WHERE oid = o.oid) = 'd' THEN 'DOMAIN'\n"
	"              ELSE upper(replace(i.type, '-', ' ')) END,\n"
	"         i.identity) END\n"
	"  FROM objs o, LATERAL pg_identify_object(o.cls, o.oid, 0) i\n"
	" WHERE o.oid >= 16384\n"
	"   AND NOT EXISTS (SELECT 1 FROM pg_depend d\n"
	"                    WHERE d.classid = o.cls AND d.objid = o.oid AND d.objsubid = 0\n"
	"                      AND d.deptype IN ('e', 'i', 'a', 'P', 'S'))\n"
	/* Event triggers first: they would fire on the other DROPs.  Then
	 * schemas (CASCADE takes their contents), then newest first. */
	" ORDER BY i.type = 'event trigger' DESC, o.cls = 'pg_namespace'::regclass DESC, o.oid DESC";

static bool tolerated(const char *type)
{
	return strcmp(type, "schema") == 0 || strcmp(type, "extension") == 0;
}

static bool is_kept(const gk_kept *k, unsigned cls, unsigned oid)
{
	for (size_t i = 0; k && i < k->n; i++)
		if (k->v[i].cls == cls && k->v[i].oid == oid)
			return true;
	return false;
}

static unsigned col_oid(const PGresult *r, int row, int col)
{
	return (unsigned)strtoul(PQgetvalue(r, row, col), NULL, 10);
}

static PGresult *list_objects(PGconn *c, gk_error *err)
{
	PGresult *r = PQexec(c, USER_OBJECTS_SQL);
	if (PQresultStatus(r) == PGRES_TUPLES_OK)
		return r;
	gk_error_set(err, GK_EINFRA, "cannot list the objects of the shadow database: %s",
	             PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
	                 ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
	                 : PQerrorMessage(c));
	PQclear(r);
	return NULL;
}

int gk_ext_check_empty(PGconn *c, gk_kept *kept_out, const char *dbname, const char *where,
                       const char *role, gk_error *err)
{
	memset(kept_out, 0, sizeof *kept_out);
	PGresult *r = list_objects(c, err);
	if (!r)
		return GK_EINFRA;
	int rows = PQntuples(r), blocking = 0;
	gk_buf names = GK_BUF_INIT;
	for (int i = 0; i < rows; i++) {
		const char *type = PQgetvalue(r, i, 2);
		if (tolerated(type))
			continue;
		if (blocking++ < 3)
			gk_buf_printf(&names, "%s%s %s", blocking > 1 ? ", " : "", type, PQgetvalue(r, i, 3));
	}
	int rc = 0;
	if (blocking > 0) {
		rc = gk_error_set(err, GK_ECONFIG,
		                  "role \"%s\" may not create databases (no CREATEDB), and database \"%s\" on %s "
		                  "holds %d user object%s (%s%s); gatekeeper replays only into a database "
		                  "of its own or an empty one, so it touched nothing: grant CREATEDB "
		                  "(ALTER ROLE \"%s\" CREATEDB) or point the shadow URL at an empty database",
		                  role, dbname, where, blocking, blocking == 1 ? "" : "s",
		                  names.data ? names.data : "", blocking > 3 ? ", ..." : "", role);
	} else if (rows > 0) {
		kept_out->v = calloc((size_t)rows, sizeof *kept_out->v);
		if (!kept_out->v)
			rc = gk_error_set(err, GK_ENOMEM, "out of memory");
		for (int i = 0; !rc && i < rows; i++)
			kept_out->v[kept_out->n++] = (gk_object_ref){col_oid(r, i, 0), col_oid(r, i, 1)};
	}
	gk_buf_free(&names);
	PQclear(r);
	return rc;
}

/* One pass of DROPs; returns how many objects were left to drop.  The
 * first failure goes to `err` (IF EXISTS makes cascaded ones no-ops). */
static int drop_pass(PGconn *c, const gk_kept *kept, bool *failed, gk_error *err)
{
	PGresult *r = list_objects(c, err);
	if (!r) {
		*failed = true;
		return -1;
	}
	int left = 0;
	for (int i = 0; i < PQntuples(r); i++) {
		if (is_kept(kept, col_oid(r, i, 0), col_oid(r, i, 1)))
			continue;
		left++;
		PGresult *d = PQexec(c, PQgetvalue(r, i, 4));
		if (PQresultStatus(d) != PGRES_COMMAND_OK && PQresultStatus(d) != PGRES_TUPLES_OK &&
		    !*failed) {
			*failed = true;
			const char *m = PQresultErrorField(d, PG_DIAG_MESSAGE_PRIMARY);
			gk_error_set(err, GK_EINFRA, "cannot drop %s %s from the borrowed shadow database: %s",
			             PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), m ? m : PQerrorMessage(c));
		}
		PQclear(d);
	}
	PQclear(r);
	return left;
}

int gk_ext_reset(PGconn *c, const gk_kept *kept, gk_error *err)
{
	/* A CASCADE can fail on an order the catalog does not show (a
	 * dependency through a function body): retry a few times and report
	 * what the last pass could not drop. */
	gk_error last = {0, ""};
	for (int pass = 0; pass < 5; pass++) {
		bool failed = false;
		last.code = 0;
		int left = drop_pass(c, kept, &failed, &last);
		if (left == 0)
			return 0;
		if (left < 0)
			break;
	}
	if (last.code == 0)
		gk_error_set(&last, GK_EINFRA, "objects remain in the borrowed shadow database");
	return gk_error_set(err, last.code, "%s", last.msg);
}
