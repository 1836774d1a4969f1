/*
 * sandbox.c - what migrations may do on the shadow (see "The sandbox" in
 * src/shadow/shadow.h): the role they run as on an embedded server, the
 * databases it owns, the one door to extensions that need a superuser,
 * and on an external server a note when the URL's user is too powerful.
 *
 * The role is made (or, on a cache cluster, made again to measure) at
 * every start: its attributes, settings and memberships are whatever the
 * last run left, and only a superuser's session could have changed them.
 *
 * gatekeeper_create_extension() runs as the superuser (SECURITY DEFINER)
 * but inside the migration's transaction, so that the statement it stands
 * for keeps its place: a schema the migration made just before is there,
 * a second CREATE EXTENSION without IF NOT EXISTS fails as it would, and a
 * failure later in the file rolls it back.  Its own statements run with
 * search_path = pg_catalog, pg_temp (a migration's objects cannot stand in
 * for the functions and operators it uses); only the CREATE EXTENSION
 * itself sees the caller's search_path, which decides the schema as it
 * would have for the migration.  It refuses any name off the allow-list,
 * and CASCADE when that would install one.
 */
#include "shadow/shadow_internal.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* contrib as PostgreSQL 10 to 18 ship it (an absent one is never asked
 * for), without adminpack (pg_file_write and friends write server files;
 * they are revoked from PUBLIC, but nothing needs them in a replay) and
 * without the transforms that bind plperlu or plpython3u (their CASCADE
 * would install an untrusted language).  dblink and postgres_fdw refuse a
 * non-superuser a connection without a password. */
const char *const gk_shadow_default_extensions[] = {
	"amcheck", "autoinc", "bloom", "btree_gin", "btree_gist", "chkpass", "citext", "cube", "dblink",
	"dict_int", "dict_xsyn", "earthdistance", "file_fdw", "fuzzystrmatch", "hstore", "insert_username",
	"intagg", "intarray", "isn", "lo", "ltree", "moddatetime", "old_snapshot", "pageinspect",
	"pg_buffercache", "pg_freespacemap", "pg_logicalinspect", "pg_prewarm", "pg_stat_statements",
	"pg_surgery", "pg_trgm", "pg_visibility", "pg_walinspect", "pgcrypto", "pgrowlocks", "pgstattuple",
	"postgres_fdw", "refint", "seg", "sslinfo", "tablefunc", "tcn", "timetravel", "tsm_system_rows",
	"tsm_system_time", "unaccent", "uuid-ossp", "xml2", NULL,
};

/* The role, reset to what it must be.  Memberships go too: a member of a
 * superuser role can SET ROLE to it, one of pg_execute_server_program can
 * run programs. */
static const char role_sql[] =
	"DO $gk$BEGIN\n"
	"  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '" GK_SHADOW_ROLE "') THEN\n"
	"    CREATE ROLE " GK_SHADOW_ROLE " LOGIN;\n"
	"  END IF;\n"
	"END$gk$;\n"
	"ALTER ROLE " GK_SHADOW_ROLE " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION%s "
	"CONNECTION LIMIT -1 PASSWORD NULL;\n"
	"ALTER ROLE " GK_SHADOW_ROLE " RESET ALL;\n"
	"DO $gk$DECLARE g text;\n"
	"BEGIN\n"
	"  FOR g IN SELECT r.rolname FROM pg_catalog.pg_auth_members m\n"
	"           JOIN pg_catalog.pg_roles r ON r.oid = m.roleid\n"
	"           JOIN pg_catalog.pg_roles u ON u.oid = m.member\n"
	"           WHERE u.rolname = '" GK_SHADOW_ROLE "' LOOP\n"
	"    EXECUTE pg_catalog.format('REVOKE %%I FROM " GK_SHADOW_ROLE " CASCADE', g);\n"
	"  END LOOP;\n"
	"END$gk$;\n";

int gk_sb_make_role(const gk_shadow *s, PGconn *c, gk_error *err)
{
	char *sql = gk_asprintf(role_sql, s->version >= 90500 ? " NOBYPASSRLS" : "");
	if (!sql)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	int rc = gk_sh_exec(s, c, sql, "cannot make the role " GK_SHADOW_ROLE, err);
	free(sql);
	return rc;
}

/* The extension door.  %s: the allow-list as an array literal's items. */
static const char door_sql[] =
	"CREATE OR REPLACE FUNCTION pg_catalog.gatekeeper_shadow_extensions() RETURNS text[]\n"
	"  LANGUAGE sql IMMUTABLE AS $gk$SELECT ARRAY[%s]::text[]$gk$;\n"
	"CREATE OR REPLACE FUNCTION pg_catalog.gatekeeper_create_extension(\n"
	"    ext text, if_not_exists boolean, sch text, ver text, with_cascade boolean, caller_path text)\n"
	"  RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $gk$\n"
	"DECLARE\n"
	"  allowed text[] := gatekeeper_shadow_extensions();\n"
	"  existed boolean := EXISTS (SELECT FROM pg_extension WHERE extname = ext);\n"
	"  off text;\n"
	"  q text := 'CREATE EXTENSION ';\n"
	"BEGIN\n"
	"  IF ext IS NULL OR NOT ext = ANY (allowed) THEN\n"
	"    RAISE EXCEPTION 'extension \"%%\" is not on the shadow_extensions allow-list', ext\n"
	"      USING ERRCODE = '42501';\n"
	"  END IF;\n"
	"  IF with_cascade THEN\n"
	"    WITH RECURSIVE req(name) AS (\n"
	"        SELECT unnest(v.requires)::text FROM pg_available_extension_versions v WHERE v.name = ext\n"
	"      UNION\n"
	"        SELECT unnest(v.requires)::text FROM pg_available_extension_versions v JOIN req ON v.name = req.name)\n"
	"    SELECT req.name INTO off FROM req\n"
	"     WHERE NOT req.name = ANY (allowed)\n"
	"       AND NOT EXISTS (SELECT FROM pg_extension e WHERE e.extname = req.name) LIMIT 1;\n"
	"    IF off IS NOT NULL THEN\n"
	"      RAISE EXCEPTION 'extension \"%%\" (required by \"%%\") is not on the shadow_extensions allow-list',\n"
	"        off, ext USING ERRCODE = '42501';\n"
	"    END IF;\n"
	"  END IF;\n"
	"  IF if_not_exists THEN q := q || 'IF NOT EXISTS '; END IF;\n"
	"  q := q || quote_ident(ext);\n"
	"  IF sch IS NOT NULL THEN q := q || ' SCHEMA ' || quote_ident(sch); END IF;\n"
	"  IF ver IS NOT NULL THEN q := q || ' VERSION ' || quote_literal(ver); END IF;\n"
	"  IF with_cascade THEN q := q || ' CASCADE'; END IF;\n"
	"  PERFORM pg_catalog.set_config('search_path', caller_path, true);\n"
	"  EXECUTE q;\n"
	"  PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);\n"
	"  IF NOT existed THEN\n"
	"    UPDATE pg_extension SET extowner = (SELECT oid FROM pg_roles WHERE rolname = session_user)\n"
	"     WHERE extname = ext;\n"
	"  END IF;\n"
	"END$gk$;\n"
	"REVOKE ALL ON FUNCTION pg_catalog.gatekeeper_create_extension(text, boolean, text, text, boolean, text)"
	" FROM PUBLIC;\n"
	"GRANT EXECUTE ON FUNCTION pg_catalog.gatekeeper_create_extension(text, boolean, text, text, boolean, text)"
	" TO " GK_SHADOW_ROLE ";\n";

/* The allow-list as SQL string literals: names are plain words, anything
 * else is left out rather than quoted. */
static char *allow_list_items(const gk_shadow *s)
{
	gk_buf b = GK_BUF_INIT;
	for (char **e = s->extensions; e && *e; e++) {
		if (!**e || strspn(*e, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != strlen(*e))
			continue;
		gk_buf_printf(&b, "%s'%s'", b.len ? ", " : "", *e);
	}
	return gk_buf_take(&b);
}

/* Run `sql` as the superuser on database `name`. */
static int exec_in(const gk_shadow *s, const char *name, const char *sql, gk_error *err)
{
	char *ci = gk_conninfo_add(gk_strdup(s->base), "dbname", name);
	PGconn *c = ci ? PQconnectdb(ci) : NULL;
	free(ci);
	int rc;
	if (PQstatus(c) != CONNECTION_OK) {
		char what[128];
		snprintf(what, sizeof what, "cannot connect to %s", name);
		rc = gk_sh_sql_error(s, c, NULL, what, err);
	} else {
		char what[128];
		snprintf(what, sizeof what, "cannot prepare database %s for the replay", name);
		rc = gk_sh_exec(s, c, sql, what, err);
	}
	PQfinish(c);
	return rc;
}

int gk_sh_prepare_db(const gk_shadow *s, const char *name, gk_error *err)
{
	if (!s->embedded)
		return 0;
	char *items = allow_list_items(s);
	char *door = items ? gk_asprintf(door_sql, items) : NULL;
	/* Before 15 `public` belongs to the bootstrap superuser; from 15 on
	 * to pg_database_owner, which is the role after the first line. */
	char *sql = door ? gk_asprintf("ALTER DATABASE \"%s\" OWNER TO " GK_SHADOW_ROLE ";\n%s%s", name,
				       s->version < 150000 ? "ALTER SCHEMA public OWNER TO " GK_SHADOW_ROLE ";\n" : "",
				       door)
			 : NULL;
	free(items);
	free(door);
	if (!sql)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	int rc = exec_in(s, name, sql, err);
	free(sql);
	return rc;
}

int gk_sb_external_role(gk_shadow *s, PGconn *c, gk_error *err)
{
	/* pg_read_server_files and friends are 11+. */
	const char *sql = s->version >= 110000
		? "SELECT current_user, rolsuper, pg_has_role('pg_execute_server_program', 'MEMBER'), "
		  "pg_has_role('pg_read_server_files', 'MEMBER') OR pg_has_role('pg_write_server_files', 'MEMBER') "
		  "FROM pg_roles WHERE rolname = current_user"
		: "SELECT current_user, rolsuper, false, false FROM pg_roles WHERE rolname = current_user";
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		int rc = gk_sh_sql_error(s, c, r, "cannot read the role's privileges", err);
		PQclear(r);
		return rc;
	}
	s->role = gk_strdup(PQgetvalue(r, 0, 0));
	bool super = !strcmp(PQgetvalue(r, 0, 1), "t"), program = !strcmp(PQgetvalue(r, 0, 2), "t"),
	     files = !strcmp(PQgetvalue(r, 0, 3), "t");
	const char *what = super ? "a superuser" : program ? "a member of pg_execute_server_program"
			 : files ? "a member of pg_read_server_files or pg_write_server_files" : NULL;
	if (s->role && what)
		s->sandbox_note = gk_asprintf("migrations run as %s on %s, %s: a migration can read files or run "
					      "programs on that server; give --shadow-url a role without that power",
					      s->role, s->where, what);
	PQclear(r);
	return !s->role || (what && !s->sandbox_note) ? gk_error_set(err, GK_ENOMEM, "out of memory") : 0;
}

int gk_sb_copy_extensions(gk_shadow *s, const char *const *list, gk_error *err)
{
	if (!list)
		list = gk_shadow_default_extensions;
	size_t n = 0;
	while (list[n])
		n++;
	s->extensions = calloc(n + 1, sizeof *s->extensions);
	for (size_t i = 0; s->extensions && i < n; i++)
		if (!(s->extensions[i] = gk_strdup(list[i]))) {
			gk_sb_free_extensions(s);
			break;
		}
	return s->extensions ? 0 : gk_error_set(err, GK_ENOMEM, "out of memory");
}

void gk_sb_free_extensions(gk_shadow *s)
{
	for (char **e = s->extensions; e && *e; e++)
		free(*e);
	free(s->extensions);
	s->extensions = NULL;
}
