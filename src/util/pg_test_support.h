/*
 * pg_test_support.h - libpq helpers shared by the tests that talk to a
 * real server (shadow, cache, catalog, target ...).  Static functions for
 * test programs only (include after <cmocka.h>); each fails the running
 * cmocka test on error.
 */
#ifndef GK_PG_TEST_SUPPORT_H
#define GK_PG_TEST_SUPPORT_H

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <libpq-fe.h>

#include "util/util.h"

static __attribute__((unused)) int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static __attribute__((unused)) void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static __attribute__((unused)) PGconn *connect_ok(const char *conninfo)
{
	PGconn *c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("cannot connect: %s", PQerrorMessage(c));
	PQsetNoticeProcessor(c, quiet, NULL);
	return c;
}

static __attribute__((unused)) void exec_ok(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
}

static __attribute__((unused)) char *query1(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	char *v = PQntuples(r) > 0 ? gk_strdup(PQgetvalue(r, 0, 0)) : NULL;
	PQclear(r);
	return v;
}

static __attribute__((unused)) void assert_query(PGconn *c, const char *sql, const char *want)
{
	char *got = query1(c, sql);
	if (!got || strcmp(got, want) != 0)
		fail_msg("%s: got %s, want %s", sql, got ? got : "(no row)", want);
	free(got);
}

static __attribute__((unused)) char *conninfo_get(const char *conninfo, const char *key)
{
	PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
	assert_non_null(opts);
	char *v = NULL;
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (strcmp(o->keyword, key) == 0 && o->val)
			v = gk_strdup(o->val);
	PQconninfoFree(opts);
	return v;
}

/* The process runs (a zombie waiting for a parent that does not reap it
 * does not). */
static __attribute__((unused)) bool pid_alive(pid_t pid)
{
	if (pid <= 0 || (kill(pid, 0) != 0 && errno != EPERM))
		return false;
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *paren = strrchr(buf, ')');
	return !(paren && paren[1] == ' ' && paren[2] == 'Z');
}

#endif
