/*
 * target_test_support.h - for the tests of src/target: one embedded
 * cluster per test program (cmocka group state), a fresh database per
 * test, SQL run as the superuser, roles that can only connect and read,
 * a password that the server really checks, migration folders on disk.
 * Included by test files only, after <cmocka.h>; everything is static.
 */
#ifndef GK_TARGET_TEST_SUPPORT_H
#define GK_TARGET_TEST_SUPPORT_H

#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "history/history.h"
#include "shadow/shadow.h"
#include "shadow/shadow_test_support.h"
#include "target/target.h"
#include "util/test_support.h"
#include "util/util.h"
#include "util/skip_test_support.h"

typedef struct suite {
	gk_shadow *shadow;           /* NULL: no PostgreSQL here, tests skip */
	gk_error err;
	char tmp[256];               /* a folder of this program's, removed at the end */
	int next;                    /* for unique names */
} suite;

static __attribute__((unused)) int group_start(void **state)
{
	suite *s = calloc(1, sizeof *s);
	assert_non_null(s);
	const char *tmp = getenv("TMPDIR");
	snprintf(s->tmp, sizeof s->tmp, "%s/gk-target-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(s->tmp));
	if (gk_shadow_open(&s->shadow, NULL, &s->err) != 0)
		s->shadow = NULL;
	*state = s;
	return 0;
}

static __attribute__((unused)) int group_stop(void **state)
{
	suite *s = *state;
	gk_shadow_close(s->shadow);
	test_rm_tree(s->tmp);
	free(s);
	return 0;
}

typedef struct db {
	char *conninfo, *name;
	char *host, *port;           /* of the server: its socket folder and port */
} db;

static __attribute__((unused)) char *conn_param(const char *conninfo, const char *key)
{
	PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
	char *v = NULL;
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, key) == 0 && o->val)
			v = gk_strdup(o->val);
	PQconninfoFree(opts);
	return v;
}

static __attribute__((unused)) db fresh_db(suite *s)
{
	if (!s->shadow) {
		gk_test_skip("no embedded PostgreSQL: %s", s->err.msg);
	}
	db d = {0};
	gk_error err = {0, ""};
	if (new_super_db(s->shadow, NULL, &d.conninfo, &d.name, &err) != 0)
		fail_msg("new database: %s", err.msg);
	d.host = conn_param(d.conninfo, "host");
	d.port = conn_param(d.conninfo, "port");
	return d;
}

static __attribute__((unused)) void drop_db(suite *s, db *d)
{
	gk_error err = {0, ""};
	if (gk_shadow_drop_database(s->shadow, d->name, &err) != 0)
		fail_msg("drop database: %s", err.msg);
	free(d->conninfo);
	free(d->name);
	free(d->host);
	free(d->port);
}

static __attribute__((unused)) PGconn *connect_as_super(const db *d)
{
	PGconn *c = PQconnectdb(d->conninfo);
	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("connect: %s", PQerrorMessage(c));
	return c;
}

/* Run `sql` (several statements allowed) on connection `c`; it must succeed. */
static __attribute__((unused)) void exec_on(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
}

/* Run SQL as the superuser on a connection of its own. */
static __attribute__((unused)) void sql(const db *d, const char *fmt, ...)
{
	gk_buf b = GK_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	gk_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	PGconn *c = connect_as_super(d);
	exec_on(c, b.data);
	PQfinish(c);
	gk_buf_free(&b);
}

/* A unique name with a prefix ("reader_3"), malloc'ed. */
static __attribute__((unused)) char *unique(suite *s, const char *prefix)
{
	return gk_asprintf("%s_%d", prefix, ++s->next);
}

/* postgresql://user:password@/db?host=...&port=...<extra> */
static __attribute__((unused)) char *url_for(const db *d, const char *user, const char *password, const char *extra)
{
	return gk_asprintf("postgresql://%s%s%s@/%s?host=%s&port=%s%s", user, password ? ":" : "",
			   password ? password : "", d->name, d->host, d->port, extra ? extra : "");
}

/*
 * A role that can connect and read the catalogs, and nothing else: no
 * superuser, no pg_read_all_stats, SELECT only on what is granted after.
 */
static __attribute__((unused)) void make_reader(const db *d, const char *role, const char *password)
{
	sql(d, "CREATE ROLE %s LOGIN PASSWORD '%s' NOSUPERUSER NOCREATEDB NOCREATEROLE; "
	       "GRANT CONNECT ON DATABASE %s TO %s",
	    role, password, d->name, role);
}

/* A new fresh migrations folder under the suite's tmp (malloc'ed path). */
static __attribute__((unused)) char *new_folder(suite *s, const char *name)
{
	char *dir = gk_asprintf("%s/%s_%d", s->tmp, name, ++s->next);
	assert_non_null(dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	return dir;
}

static __attribute__((unused)) void put(const char *dir, const char *rel, const char *text)
{
	char *p = gk_asprintf("%s/%s", dir, rel);
	test_write_file(p, text);
	free(p);
}

/*
 * Make the server check `role`'s password (scram-sha-256 on the Unix
 * socket) instead of trusting it, as production does: a line before the
 * cluster's trust lines in pg_hba.conf, then a reload, waited for.
 */
static __attribute__((unused)) void require_password(const db *d, const char *role)
{
	PGconn *c = connect_as_super(d);
	PGresult *r = PQexec(c, "SHOW hba_file");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	char *path = gk_strdup(PQgetvalue(r, 0, 0)), *old = NULL;
	PQclear(r);
	size_t len = 0;
	assert_int_equal(gk_read_file(&old, &len, path, 1 << 20), 0);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "local all %s scram-sha-256\n%s", role, old);
	fclose(f);
	exec_on(c, "SELECT pg_reload_conf()");
	PQfinish(c);
	/* The postmaster rereads the file asynchronously: wait until a wrong password is refused. */
	char *bad = gk_asprintf("host=%s port=%s dbname=%s user=%s password=wrong", d->host, d->port, d->name, role);
	bool refused = false;
	for (int i = 0; i < 100 && !refused; i++) {
		PGconn *t = PQconnectdb(bad);
		refused = PQstatus(t) != CONNECTION_OK;
		PQfinish(t);
		if (!refused)
			nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
	}
	assert_true(refused);
	free(bad);
	free(path);
	free(old);
}

/* The history row `prisma migrate deploy` writes once migration `name`
 * (whose migration.sql is `text`) has applied: its SHA-256, finished now. */
static __attribute__((unused)) void prisma_applied(const db *d, const char *name, const char *text)
{
	char sum[65];
	gk_sha256_hex(sum, text, strlen(text));
	sql(d, "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count) "
	       "VALUES (gen_random_uuid()::text, '%s', now(), '%s', 1)", sum, name);
}

/* Migration `name` in the Prisma folder `dir`, applied to `d` with its
 * history row (the history table must exist). */
static __attribute__((unused)) void prisma_deploy(const db *d, const char *dir, const char *name, const char *text)
{
	char *rel = gk_asprintf("%s/migration.sql", name);
	put(dir, rel, text);
	free(rel);
	sql(d, "%s", text);
	prisma_applied(d, name, text);
}

/*
 * A reader (make_reader) named `prefix`_N (*role_out, malloc'ed) whose
 * password the server checks, allowed to read Prisma's history table; its
 * URL with Prisma's ?schema=public (malloc'ed).
 */
static __attribute__((unused)) char *prisma_reader_url(suite *s, const db *d, const char *prefix,
						     const char *password, char **role_out)
{
	char *role = unique(s, prefix);
	make_reader(d, role, password);
	require_password(d, role);
	sql(d, "GRANT SELECT ON _prisma_migrations TO %s", role);
	*role_out = role;
	return url_for(d, role, password, "&schema=public");
}

static __attribute__((unused)) gk_target *target_or_fail(const char *url)
{
	gk_target *t = NULL;
	gk_error err = {0, ""};
	if (gk_target_connect(&t, url, &err) != 0)
		fail_msg("gk_target_connect: %s", err.msg);
	return t;
}

#endif
