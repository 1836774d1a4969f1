/*
 * admin.c - the statements of a shadow's server that shadow.c, sandbox.c
 * and templates.c all send: errors without secrets, the administrative
 * connection, CREATE and DROP DATABASE.  Below those three files, so none
 * of them needs another for these.
 */
#include "shadow/shadow_internal.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A libpq/server message on one line, without the URL's secrets. */
static char *clean_message(const gk_shadow *s, const char *msg)
{
	return gk_shadow_clean_message(msg, s->url);
}

int gk_sh_sql_error(const gk_shadow *s, PGconn *c, PGresult *r, const char *what, gk_error *err)
{
	const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char *m = clean_message(s, primary ? primary : PQerrorMessage(c));
	int rc = gk_error_set(err, GK_EINFRA, "%s on %s: %s", what, s->where, m ? m : "");
	free(m);
	return rc;
}

int gk_sh_exec(const gk_shadow *s, PGconn *c, const char *sql, const char *what, gk_error *err)
{
	PGresult *r = PQexec(c, sql);
	int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : gk_sh_sql_error(s, c, r, what, err);
	PQclear(r);
	return rc;
}

/* Notices ("drop cascades to ...") are not for our user's terminal. */
void gk_sh_quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

PGconn *gk_sh_admin_conn(const gk_shadow *s, gk_error *err)
{
	if (!s->embedded) {
		if (PQstatus(s->admin) != CONNECTION_OK)
			PQreset(s->admin);
		if (PQstatus(s->admin) == CONNECTION_OK)
			return s->admin;
		gk_sh_sql_error(s, s->admin, NULL, "lost the connection to the shadow server", err);
		return NULL;
	}
	const char *db = s->cached ? "postgres" : "template1";
	char *ci = gk_conninfo_add(gk_strdup(s->base), "dbname", db);
	PGconn *c = ci ? PQconnectdb(ci) : NULL;
	free(ci);
	if (PQstatus(c) == CONNECTION_OK) {
		PQsetNoticeProcessor(c, gk_sh_quiet, NULL);
		return c;
	}
	char what[64];
	snprintf(what, sizeof what, "cannot connect to %s", db);
	gk_sh_sql_error(s, c, NULL, what, err);
	PQfinish(c);
	return NULL;
}

void gk_sh_admin_done(const gk_shadow *s, PGconn *c)
{
	if (s->embedded)
		PQfinish(c);
}

ssize_t gk_sh_find_created(const gk_shadow *s, const char *name)
{
	for (size_t i = 0; i < s->ncreated; i++)
		if (strcmp(s->created[i], name) == 0)
			return (ssize_t)i;
	return -1;
}

int gk_sh_create_db(const gk_shadow *s, PGconn *c, const char *name, const char *template_db,
                    gk_error *err)
{
	char *qn = PQescapeIdentifier(c, name, strlen(name));
	char *qt = PQescapeIdentifier(c, template_db, strlen(template_db));
	bool file_copy = s->embedded && s->version >= 150000;
	char *sql = qn && qt ? gk_asprintf("CREATE DATABASE %s TEMPLATE %s%s", qn, qt,
	                                   file_copy ? " STRATEGY = FILE_COPY" : "")
	                     : NULL;
	PQfreemem(qn);
	PQfreemem(qt);
	if (!sql)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	char what[128];
	snprintf(what, sizeof what, "cannot create database %s", name);
	int rc = gk_sh_exec(s, c, sql, what, err);
	free(sql);
	return rc;
}

int gk_sh_drop_db(const gk_shadow *s, PGconn *c, const char *name, gk_error *err)
{
	char *qn = PQescapeIdentifier(c, name, strlen(name));
	/* WITH (FORCE) (PostgreSQL 13+) ends sessions a crashed replay left. */
	char *sql = qn ? gk_asprintf("DROP DATABASE IF EXISTS %s%s", qn,
	                             s->version >= 130000 ? " WITH (FORCE)" : "")
	               : NULL;
	PQfreemem(qn);
	if (!sql)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	char what[128];
	snprintf(what, sizeof what, "cannot drop database %s", name);
	int rc = gk_sh_exec(s, c, sql, what, err);
	free(sql);
	return rc;
}
