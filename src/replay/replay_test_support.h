/*
 * replay_test_support.h - one embedded shadow per test program and a fresh
 * database of it per test, for the replay tests that apply SQL and look at
 * what it left.  The group setup opens the shadow; a test that finds none
 * (no PostgreSQL binaries) is skipped with the reason.
 */
#ifndef GK_REPLAY_TEST_SUPPORT_H
#define GK_REPLAY_TEST_SUPPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shadow/shadow.h"
#include "util/skip_test_support.h"

static gk_shadow *shared;
static gk_error shared_err;

typedef struct db {
	char *conninfo, *name;
} db;

static __attribute__((unused)) db fresh_db(void)
{
	if (!shared) {
		gk_test_skip("no embedded PostgreSQL: %s", shared_err.msg);
	}
	db d = {NULL, NULL};
	gk_error err = {0, ""};
	if (gk_shadow_new_database(&d.conninfo, &d.name, shared, NULL, &err) != 0)
		fail_msg("new database: %s", err.msg);
	return d;
}

static __attribute__((unused)) void drop_db(db *d)
{
	gk_error err = {0, ""};
	if (gk_shadow_drop_database(shared, d->name, &err) != 0)
		fail_msg("drop database: %s", err.msg);
	free(d->conninfo);
	free(d->name);
}

/* First value of `sql` on a separate connection ("" when no row or NULL). */
static __attribute__((unused)) char *query1(const db *d, const char *sql)
{
	PGconn *c = PQconnectdb(d->conninfo);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PGresult *res = PQexec(c, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	char *v = strdup(PQntuples(res) ? PQgetvalue(res, 0, 0) : "");
	PQclear(res);
	PQfinish(c);
	return v;
}

/* The group's shadow: opened once, closed at the end. */
static __attribute__((unused)) void open_shared(void)
{
	if (gk_shadow_open(&shared, NULL, &shared_err) != 0)
		shared = NULL;
}

static __attribute__((unused)) int group_teardown(void **state)
{
	(void)state;
	gk_shadow_close(shared);
	return 0;
}

#endif
