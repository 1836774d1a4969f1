/*
 * shadow_test.c - the shadow server (src/shadow) against real PostgreSQL.
 *
 * One embedded cluster is shared by most tests (opened in the group setup:
 * a start costs ~0.7 s); the tests that are about starting, stopping and
 * cleaning up open their own.  The exit and signal cases run this very
 * binary again as a fresh process (GK_SHADOW_CHILD=<mode>), which opens a
 * shadow, reports its folder on a pipe and then returns from main, calls
 * exit(1), waits for a signal, or installs its own SIGINT handler (or
 * ignores SIGHUP, as under nohup) first;
 * the parent then proves that no server process of that cluster is left
 * (postmaster pid and every /proc/<pid>/cmdline) and that its folder is
 * gone.  The external-server tests point the external path at databases
 * of the shared cluster, as roles with and without CREATEDB.
 *
 * When the tests run as root (CI), the servers run as `postgres` (or
 * `nobody`); the non-root path is then tested in a child that drops to
 * `postgres` itself.  Without PostgreSQL binaries the server tests skip,
 * saying so.
 */
/* test needs: postgres */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shadow/shadow.h"
#include "shadow/shadow_internal.h"
#include "util/util.h"
#include "util/pg_test_support.h"
#include "shadow/shadow_test_support.h"
#include "util/skip_test_support.h"

#define SECRET "s3cr3t"

static gk_shadow *shared;          /* the cluster most tests use */
static gk_error shared_err;        /* why it could not start */

/* ---- helpers ---------------------------------------------------------- */

/* Skip only when there are no PostgreSQL binaries; a cluster that does not
 * start although they exist is a failure. */
static bool have_binaries;

static void need_server(void)
{
	if (shared)
		return;
	if (have_binaries)
		fail_msg("the embedded cluster did not start: %s", shared_err.msg);
	gk_test_skip("no PostgreSQL server binaries: %s", shared_err.msg);
}

/* Where the tests' own clusters go: tmpfs makes initdb twice as fast
 * (0.45 s against 0.95 s on ext4); the shared cluster uses the default. */
static const char *fast_tmp(void)
{
	struct statvfs v;
	if (statvfs("/dev/shm", &v) == 0 && access("/dev/shm", W_OK) == 0 &&
	    (unsigned long long)v.f_bavail * v.f_frsize > (2ULL << 30))
		return "/dev/shm";
	return "/tmp";
}

/* A private folder every user can enter (servers may run as another user). */
static void make_tmp(char *out, size_t size)
{
	snprintf(out, size, "%s/gk-shadow-test-XXXXXX", fast_tmp());
	assert_non_null(mkdtemp(out));
	assert_int_equal(chmod(out, 0755), 0);
}

/* gk_shadow_open() that must succeed. */
static gk_shadow *open_ok(const gk_shadow_options *o)
{
	gk_shadow *s = NULL;
	gk_error err = {0, ""};
	if (gk_shadow_open(&s, o, &err) != 0)
		fail_msg("open: %s", err.msg);
	return s;
}

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static void write_script(const char *dir, const char *name, const char *body)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0755), 0);
}

/* Conninfo to the shared cluster as `user` on `db`. */
static char *shared_url(const char *user, const char *db, const char *extra)
{
	char *host = conninfo_get(gk_shadow_conninfo(shared), "host");
	char *url = gk_asprintf("host='%s' port=5432 user=%s dbname=%s%s%s", host, user, db,
	                        extra ? " " : "", extra ? extra : "");
	free(host);
	return url;
}

/* The shared cluster's postgres database as its superuser (migrations
 * connect as GK_SHADOW_ROLE). */
static PGconn *connect_super(void)
{
	char *ci = gk_shadow_superuser_conninfo(shared, "postgres");
	assert_non_null(ci);
	PGconn *c = connect_ok(ci);
	free(ci);
	return c;
}

/* Run SQL on the shared cluster's postgres database as its superuser. */
static void admin_sql(const char *sql)
{
	PGconn *c = connect_super();
	exec_ok(c, sql);
	PQfinish(c);
}

static bool db_exists(const char *name)
{
	PGconn *c = connect_super();
	const char *params[] = {name};
	PGresult *r = PQexecParams(c, "SELECT 1 FROM pg_database WHERE datname = $1", 1, NULL,
	                           params, NULL, NULL, 0);
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	bool yes = PQntuples(r) == 1;
	PQclear(r);
	PQfinish(c);
	return yes;
}


/* A process whose command line mentions `text` (a cluster folder). */
static pid_t process_mentioning(const char *text)
{
	DIR *d = opendir("/proc");
	assert_non_null(d);
	struct dirent *e;
	pid_t found = 0;
	while (!found && (e = readdir(d))) {
		char path[300], buf[4096];
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
		int fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, buf, sizeof buf - 1);
		close(fd);
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		buf[n > 0 ? n : 0] = '\0';
		if (strstr(buf, text))
			found = (pid_t)atoi(e->d_name);
	}
	closedir(d);
	return found;
}

static pid_t postmaster_of(const char *dir)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/data/postmaster.pid", dir);
	FILE *f = fopen(path, "r");
	long pid = 0;
	if (f) {
		if (fscanf(f, "%ld", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	return (pid_t)pid;
}

/* Wait (bounded) until `pid` is gone; true when it is. */
static bool wait_gone(pid_t pid, int ms)
{
	for (int i = 0; i < ms / 10 && pid_alive(pid); i++)
		poll(NULL, 0, 10);
	return !pid_alive(pid);
}

/* The cluster in `dir` left nothing: no server process, no folder. */
static void assert_cluster_gone(const char *dir, pid_t postmaster, const char *what)
{
	if (postmaster > 0 && !wait_gone(postmaster, 3000))
		fail_msg("%s: postmaster %d of %s is still running", what, (int)postmaster, dir);
	pid_t p = process_mentioning(dir);
	if (p)
		fail_msg("%s: process %d still mentions %s", what, (int)p, dir);
	if (exists(dir))
		fail_msg("%s: folder %s is still there", what, dir);
}

static uid_t uid_of(const char *user)
{
	struct passwd *pw = getpwnam(user);
	assert_non_null(pw);
	return pw->pw_uid;
}

/* ---- redaction (no server) -------------------------------------------- */

static void test_redact_forms(void **state)
{
	(void)state;
	static const struct {
		const char *in, *keep;
	} cases[] = {
		{"postgresql://bob:" SECRET "@db.example.com:5432/app?sslmode=require",
		 "postgresql://bob:****@db.example.com:5432/app?sslmode=require"},
		{"postgres://bob:" SECRET "@db.example.com/app", "postgres://bob:****@db.example.com/app"},
		{"postgresql://bob:s3%63r3t@db.example.com/app", "postgresql://bob:****@db.example.com/app"},
		{"postgresql://bob@db.example.com/app?password=" SECRET "&sslmode=require",
		 "postgresql://bob@db.example.com/app?password=****&sslmode=require"},
		{"postgresql://bob@db.example.com/app?sslpassword=" SECRET,
		 "postgresql://bob@db.example.com/app?sslpassword=****"},
		{"postgresql://bob:p@ss/" SECRET "@db.example.com/app", "@db.example.com/app"},
		{"postgresql://bob:pa?ss" SECRET "@db.example.com/app", "@db.example.com/app"},
		{"postgresql://bob:" SECRET "@h1:5432,h2:5433/app", "postgresql://bob:****@h1:5432,h2:5433/app"},
		{"host=db.example.com user=bob password=" SECRET " dbname=app",
		 "host=db.example.com user=bob password=**** dbname=app"},
		{"host=db.example.com password = '" SECRET " with space' dbname=app",
		 "host=db.example.com password=**** dbname=app"},
		{"host=db.example.com password='it\\'s " SECRET "' user=bob",
		 "host=db.example.com password=**** user=bob"},
		{"host=db.example.com sslpassword=" SECRET, "host=db.example.com sslpassword=****"},
		{"dbname='postgresql://bob:" SECRET "@db.example.com/app' user=bob",
		 "dbname='postgresql://bob:****@db.example.com/app' user=bob"},
		{"dbname='host=db.example.com password=" SECRET "'", "host=db.example.com password=****"},
		{"host=db.example.com password " SECRET, "host=db.example.com password ****"},
		{"host=db.example.com password='" SECRET, "host=db.example.com password ****"},
		{"host=db.example.com user=bob dbname=app", "host=db.example.com user=bob dbname=app"},
		{"postgresql://bob@db.example.com/app", "postgresql://bob@db.example.com/app"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *out = gk_shadow_redact(cases[i].in);
		assert_non_null(out);
		if (strstr(out, SECRET) || strstr(out, "s3%63r3t") || strstr(out, "r3t"))
			fail_msg("case %zu: %s -> %s shows the password", i, cases[i].in, out);
		if (!strstr(out, cases[i].keep))
			fail_msg("case %zu: %s -> %s lacks %s", i, cases[i].in, out, cases[i].keep);
		free(out);
	}
	/* Without a password the text comes back unchanged. */
	char *same = gk_shadow_redact("host='/tmp/a b' port=5432 user=gatekeeper");
	assert_string_equal(same, "host='/tmp/a b' port=5432 user=gatekeeper");
	free(same);
}

static void test_redact_message(void **state)
{
	(void)state;
	const char *url = "postgresql://bob:s3%63r3t@db.example.com/app?password=pw2" SECRET;
	char *m = gk_redact_message("bad: s3cr3t and s3%63r3t and pw2s3cr3t near db.example.com", url);
	assert_non_null(m);
	assert_null(strstr(m, SECRET));
	assert_null(strstr(m, "s3%63r3t"));
	assert_non_null(strstr(m, "db.example.com"));
	free(m);
	/* The raw text of a key=value password with escapes, decoded. */
	m = gk_redact_message("it's s3cr3t!", "password='it\\'s s3cr3t!'");
	assert_string_equal(m, "****");
	free(m);
	/* A later '@' (in the path) widens the masked piece past the
	 * password: libpq's decoded password is still a secret. */
	m = gk_redact_message("bad: s3cr3t", "postgresql://bob:s3%63r3t@db.example.com/app@x");
	assert_string_equal(m, "bad: ****");
	free(m);
}

/* ---- finding the binaries (fake folders, no server) ------------------- */

static void make_fake_bin(const char *dir, bool with_postgres)
{
	assert_int_equal(mkdir(dir, 0755), 0);
	write_script(dir, "initdb", "exit 0");
	if (with_postgres)
		write_script(dir, "postgres", "exit 0");
}

static void test_find_bin_explicit(void **state)
{
	(void)state;
	char tmp[64], bin[PATH_MAX];
	make_tmp(tmp, sizeof tmp);
	gk_error err = {0, ""};
	char *out = NULL;
	gk_bin_search w = {tmp, NULL, NULL};
	/* An explicit folder without the binaries is an error, not a fallback. */
	assert_int_equal(gk_cluster_find_bin(&out, &w, &err), GK_EINFRA);
	assert_null(out);
	assert_non_null(strstr(err.msg, tmp));
	assert_non_null(strstr(err.msg, "--pg-bin"));
	snprintf(bin, sizeof bin, "%s/bin", tmp);
	make_fake_bin(bin, true);
	w.pg_bin = bin;
	assert_int_equal(gk_cluster_find_bin(&out, &w, &err), 0);
	assert_string_equal(out, bin);
	free(out);
	gk_reg_remove_tree(tmp);
}

static void test_find_bin_search(void **state)
{
	(void)state;
	char tmp[64], p[PATH_MAX], cfgdir[PATH_MAX], script[PATH_MAX + 64];
	make_tmp(tmp, sizeof tmp);
	snprintf(p, sizeof p, "%s/root", tmp);
	assert_int_equal(mkdir(p, 0755), 0);
	static const char *const versions[] = {"9.6", "13", "16", "17", "notaversion"};
	for (size_t i = 0; i < 5; i++) {
		char v[PATH_MAX];
		snprintf(v, sizeof v, "%s/root/%s", tmp, versions[i]);
		assert_int_equal(mkdir(v, 0755), 0);
		strcat(v, "/bin");
		/* 17 lacks `postgres`: a client-only install must not win. */
		make_fake_bin(v, strcmp(versions[i], "17") != 0);
	}
	char missing[PATH_MAX];
	snprintf(missing, sizeof missing, "%s/no-such-pg_config", tmp);
	gk_bin_search w = {NULL, missing, p};
	gk_error err = {0, ""};
	char *out = NULL;
	assert_int_equal(gk_cluster_find_bin(&out, &w, &err), 0);
	char want[PATH_MAX];
	snprintf(want, sizeof want, "%s/root/16/bin", tmp);
	assert_string_equal(out, want);
	free(out);

	/* pg_config --bindir wins over the newest folder... */
	snprintf(cfgdir, sizeof cfgdir, "%s/cfgbin", tmp);
	make_fake_bin(cfgdir, true);
	snprintf(script, sizeof script, "[ \"$1\" = --bindir ] && echo '%s'", cfgdir);
	write_script(tmp, "pg_config", script);
	char cfg[PATH_MAX];
	snprintf(cfg, sizeof cfg, "%s/pg_config", tmp);
	w.pg_config = cfg;
	assert_int_equal(gk_cluster_find_bin(&out, &w, &err), 0);
	assert_string_equal(out, cfgdir);
	free(out);
	/* ...unless it names a folder without the server (libpq-dev only). */
	write_script(tmp, "pg_config", "echo /nonexistent/bin");
	assert_int_equal(gk_cluster_find_bin(&out, &w, &err), 0);
	assert_string_equal(out, want);
	free(out);

	/* Nothing anywhere: the message names every place it looked. */
	char empty[PATH_MAX];
	snprintf(empty, sizeof empty, "%s/empty", tmp);
	assert_int_equal(mkdir(empty, 0755), 0);
	w.search_root = empty;
	assert_int_equal(gk_cluster_find_bin(&out, &w, &err), GK_EINFRA);
	assert_null(out);
	assert_non_null(strstr(err.msg, "/nonexistent/bin"));
	assert_non_null(strstr(err.msg, empty));
	assert_non_null(strstr(err.msg, "--pg-bin"));
	w.pg_config = missing;
	assert_int_equal(gk_cluster_find_bin(&out, &w, &err), GK_EINFRA);
	assert_non_null(strstr(err.msg, "did not run"));
	gk_reg_remove_tree(tmp);
}

/* ---- the embedded cluster --------------------------------------------- */

static void test_embedded_settings(void **state)
{
	(void)state;
	need_server();
	assert_true(gk_shadow_is_embedded(shared));
	assert_non_null(strstr(gk_shadow_where(shared), "the private cluster in "));
	/* No cache was asked for: none, and nothing to say about it. */
	assert_false(gk_shadow_cached(shared));
	assert_null(gk_shadow_cache_note(shared));
	const char *ci = gk_shadow_conninfo(shared);
	char *dir = conninfo_get(ci, "host");
	assert_non_null(dir);
	assert_non_null(strstr(dir, "gatekeeper-shadow-"));
	struct stat st;
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	PGconn *su = connect_super();
	char *sockdir = query1(su, "SHOW unix_socket_directories");
	assert_string_equal(sockdir, dir);
	free(sockdir);
	PQfinish(su);
	PGconn *c = connect_ok(ci);
	assert_query(c, "SHOW listen_addresses", "");
	assert_query(c, "SELECT inet_server_addr() IS NULL", "t");  /* a Unix socket */
	assert_query(c, "SHOW fsync", "off");
	assert_query(c, "SHOW full_page_writes", "off");
	assert_query(c, "SHOW synchronous_commit", "off");
	char *v = query1(c, "SHOW server_version_num");
	assert_int_equal(atoi(v), gk_shadow_server_version(shared));
	assert_true(gk_shadow_server_version(shared) >= 90600);
	free(v);
	/* Fresh and empty: no user objects but the extension door in pg_catalog. */
	assert_query(c, "SELECT count(*) FROM pg_class WHERE oid >= 16384", "0");
	assert_query(c, "SELECT string_agg(n.nspname || '.' || proname, ',' ORDER BY proname) FROM pg_proc p "
	                "JOIN pg_namespace n ON n.oid = pronamespace WHERE p.oid >= 16384",
	             "pg_catalog.gatekeeper_create_extension,pg_catalog.gatekeeper_shadow_extensions");
	assert_string_equal(PQdb(c), gk_shadow_dbname(shared));
	PQfinish(c);

	/* As root the server runs as an unprivileged user, and owns its data. */
	char data[PATH_MAX];
	snprintf(data, sizeof data, "%s/data", dir);
	assert_int_equal(stat(data, &st), 0);
	if (geteuid() == 0)
		assert_int_equal(st.st_uid, uid_of("postgres"));
	else
		assert_int_equal(st.st_uid, geteuid());
	pid_t pm = postmaster_of(dir);
	assert_true(pid_alive(pm));
	char status[64];
	snprintf(status, sizeof status, "/proc/%d", (int)pm);
	assert_int_equal(stat(status, &st), 0);
	assert_int_equal(st.st_uid, geteuid() == 0 ? uid_of("postgres") : geteuid());
	free(dir);
}

/* SQLSTATE of `sql` on `c` ("" when it succeeds); the session goes on. */
static void expect_state(PGconn *c, const char *sql, const char *want)
{
	PGresult *r = PQexec(c, sql);
	const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	if (strcmp(st ? st : "", want) != 0)
		fail_msg("%s: got SQLSTATE %s (%s), want %s", sql, st ? st : "none", PQresultErrorMessage(r),
		         *want ? want : "success");
	PQclear(r);
}

#define CANARY_VALUE "gk-canary-7f3a9c"

/* Migrations run as a role with no power over the machine; the database
 * is the role's. */
static void test_sandbox_role(void **state)
{
	(void)state;
	need_server();
	assert_string_equal(gk_shadow_role(shared), GK_SHADOW_ROLE);
	assert_null(gk_shadow_sandbox_note(shared));
	PGconn *c = connect_ok(gk_shadow_conninfo(shared));
	assert_query(c, "SELECT current_user", GK_SHADOW_ROLE);
	assert_query(c, "SELECT session_user", GK_SHADOW_ROLE);
	assert_query(c, "SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls "
	                "FROM pg_roles WHERE rolname = current_user", "f");
	assert_query(c, "SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member "
	                "WHERE r.rolname = current_user", "0");
	assert_query(c, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()",
	             GK_SHADOW_ROLE);
	/* What a migration needs. */
	exec_ok(c, "CREATE TYPE gk_mood AS ENUM ('ok'); CREATE TABLE gk_t (id int, m gk_mood); "
	           "CREATE FUNCTION gk_f() RETURNS int LANGUAGE plpgsql AS $$BEGIN RETURN 1; END$$; "
	           "CREATE FUNCTION gk_g() RETURNS int LANGUAGE sql AS 'SELECT 2'; "
	           "CREATE SCHEMA gk_s; CREATE EXTENSION citext; DROP EXTENSION citext; DROP SCHEMA gk_s; "
	           "DROP FUNCTION gk_f(); DROP FUNCTION gk_g(); DROP TABLE gk_t; DROP TYPE gk_mood");
	/* What it must not do. */
	expect_state(c, "CREATE TEMP TABLE gk_x (t text); COPY gk_x FROM PROGRAM 'env'", "42501");
	expect_state(c, "COPY (SELECT 1) TO '/tmp/gk-sandbox-canary'", "42501");
	expect_state(c, "SELECT pg_read_file('/etc/passwd')", "42501");
	expect_state(c, "SELECT lo_import('/etc/passwd')", "42501");
	expect_state(c, "ALTER SYSTEM SET work_mem = '1MB'", "42501");
	expect_state(c, "CREATE EXTENSION pg_stat_statements", "42501");
	expect_state(c, "SET SESSION AUTHORIZATION gatekeeper", "42501");
	expect_state(c, "SET ROLE gatekeeper", "42501");
	expect_state(c, "CREATE ROLE gk_other", "42501");
	expect_state(c, "ALTER ROLE CURRENT_USER SUPERUSER", "42501");
	assert_int_equal(access("/tmp/gk-sandbox-canary", F_OK), -1);
	PQfinish(c);
}

/* The door to allow-listed extensions: only those, owned by the role. */
static void test_sandbox_extension_door(void **state)
{
	(void)state;
	need_server();
	PGconn *c = connect_ok(gk_shadow_conninfo(shared));
	exec_ok(c, "SELECT pg_catalog.gatekeeper_create_extension('pg_stat_statements', false, NULL, NULL, false, "
	           "pg_catalog.current_setting('search_path'))");
	assert_query(c, "SELECT pg_get_userbyid(extowner) FROM pg_extension WHERE extname = 'pg_stat_statements'",
	             GK_SHADOW_ROLE);
	/* Created in the migration's transaction: a second one fails as it would. */
	expect_state(c, "SELECT pg_catalog.gatekeeper_create_extension('pg_stat_statements', false, NULL, NULL, "
	                "false, pg_catalog.current_setting('search_path'))", "42710");
	exec_ok(c, "SELECT pg_catalog.gatekeeper_create_extension('pg_stat_statements', true, NULL, NULL, false, "
	           "pg_catalog.current_setting('search_path'))");
	exec_ok(c, "DROP EXTENSION pg_stat_statements");
	/* The caller's search_path picks the schema, as for the statement itself. */
	exec_ok(c, "CREATE SCHEMA gk_ext; SET search_path = gk_ext, public");
	exec_ok(c, "SELECT pg_catalog.gatekeeper_create_extension('pgrowlocks', false, NULL, NULL, false, "
	           "pg_catalog.current_setting('search_path'))");
	assert_query(c, "SELECT extnamespace::regnamespace FROM pg_extension WHERE extname = 'pgrowlocks'", "gk_ext");
	exec_ok(c, "DROP SCHEMA gk_ext CASCADE; RESET search_path");
	/* Nothing off the list, whatever the caller passes. */
	expect_state(c, "SELECT pg_catalog.gatekeeper_create_extension('plpython3u', false, NULL, NULL, true, "
	                "'pg_catalog')", "42501");
	expect_state(c, "SELECT pg_catalog.gatekeeper_create_extension(NULL, false, NULL, NULL, false, NULL)",
	             "42501");
	/* The list itself is the superuser's. */
	expect_state(c, "CREATE OR REPLACE FUNCTION pg_catalog.gatekeeper_shadow_extensions() RETURNS text[] "
	                "LANGUAGE sql AS $$SELECT '{plpython3u}'::text[]$$", "42501");
	PQfinish(c);
}

/* The server's environment is ours cleared: no variable of the CI job. */
static void test_server_environment(void **state)
{
	(void)state;
	need_server();
	assert_string_equal(getenv("GK_SANDBOX_CANARY"), CANARY_VALUE);
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/environ", (long)gk_cluster_postmaster(shared->cluster));
	char *env = NULL;
	size_t len = 0;
	if (gk_read_file(&env, &len, path, 1 << 20) < 0) {
		gk_test_skip("cannot read %s: %s", path, strerror(errno));
	}
	bool saw_path = false, saw_lang = false;
	for (size_t i = 0; i < len; i += strlen(env + i) + 1) {
		assert_null(strstr(env + i, CANARY_VALUE));
		assert_true(strncmp(env + i, "HOME=", 5) != 0);
		saw_path |= !strncmp(env + i, "PATH=", 5);
		saw_lang |= !strcmp(env + i, "LC_ALL=C");
	}
	assert_true(saw_path);
	assert_true(saw_lang);
	free(env);
}

static void test_new_database(void **state)
{
	(void)state;
	need_server();
	gk_error err = {0, ""};
	char *ci_a = NULL, *name_a = NULL, *ci_b = NULL, *name_b = NULL;
	assert_int_equal(gk_shadow_new_database(&ci_a, &name_a, shared, NULL, &err), 0);
	assert_int_equal(strncmp(name_a, "gatekeeper_shadow_", 18), 0);
	assert_int_equal(strlen(name_a), 18 + 16);
	PGconn *a = connect_ok(ci_a);
	assert_string_equal(PQdb(a), name_a);
	exec_ok(a, "CREATE TABLE carried (id int); INSERT INTO carried VALUES (7)");
	PQfinish(a);

	/* A clone of a database we made carries its contents. */
	assert_int_equal(gk_shadow_new_database(&ci_b, &name_b, shared, name_a, &err), 0);
	assert_string_not_equal(name_a, name_b);
	PGconn *b = connect_ok(ci_b);
	assert_query(b, "SELECT id FROM carried", "7");
	PQfinish(b);

	/* Only our own databases serve as templates or may be dropped. */
	char *ci_x = NULL;
	assert_int_equal(gk_shadow_new_database(&ci_x, NULL, shared, "template1", &err),
	                 GK_ENOTFOUND);
	assert_null(ci_x);
	assert_int_equal(gk_shadow_drop_database(shared, "template1", &err), GK_ENOTFOUND);
	assert_int_equal(gk_shadow_drop_database(shared, "postgres", &err), GK_ENOTFOUND);
	assert_true(db_exists("template1"));

	assert_int_equal(gk_shadow_drop_database(shared, name_a, &err), 0);
	assert_false(db_exists(name_a));
	assert_true(db_exists(name_b));
	assert_int_equal(gk_shadow_drop_database(shared, name_a, &err), GK_ENOTFOUND);
	assert_int_equal(gk_shadow_drop_database(shared, name_b, &err), 0);
	assert_false(db_exists(name_b));
	free(ci_a);
	free(name_a);
	free(ci_b);
	free(name_b);
}

/* Fake stale folders for the sweep: one whose process is gone, one live. */
static void make_marked(const char *tmp, const char *name, pid_t pid)
{
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/%s", tmp, name);
	assert_int_equal(mkdir(p, 0700), 0);
	strcat(p, "/gatekeeper.pid");
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fprintf(f, "%ld\n", (long)pid);
	fclose(f);
}

static pid_t dead_pid(void)
{
	pid_t p = fork();
	if (p == 0)
		_exit(0);
	assert_true(p > 0);
	waitpid(p, NULL, 0);
	return p;
}

static void test_open_close_leaves_nothing(void **state)
{
	(void)state;
	need_server();
	char tmp[64];
	make_tmp(tmp, sizeof tmp);
	make_marked(tmp, "gatekeeper-shadow-stale0", dead_pid());
	make_marked(tmp, "gatekeeper-shadow-live00", getpid());
	bool root = geteuid() == 0;
	/* "" (an empty SHADOW_DATABASE_URL) means the embedded cluster. */
	gk_shadow_options o = {.url = "", .tmp_dir = tmp, .run_as = root ? "nobody" : NULL};
	gk_shadow *s = NULL;
	gk_error err = {0, ""};
	int rc = gk_shadow_open(&s, &o, &err);
	if (rc)
		fail_msg("open: %s", err.msg);
	assert_true(gk_shadow_is_embedded(s));
	char *dir = conninfo_get(gk_shadow_conninfo(s), "host");
	assert_int_equal(strncmp(dir, tmp, strlen(tmp)), 0);
	struct stat st;
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_uid, root ? uid_of("nobody") : geteuid());
	pid_t pm = postmaster_of(dir);
	assert_true(pid_alive(pm));
	PGconn *c = connect_ok(gk_shadow_conninfo(s));
	assert_query(c, "SELECT 1", "1");
	PQfinish(c);

	/* The sweep removed the folder of the dead process, kept the live one. */
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/gatekeeper-shadow-stale0", tmp);
	assert_false(exists(p));
	snprintf(p, sizeof p, "%s/gatekeeper-shadow-live00", tmp);
	assert_true(exists(p));

	assert_int_equal(gk_shadow_cleanup(s, &err), 0);
	assert_cluster_gone(dir, pm, "gk_shadow_cleanup");
	gk_shadow_close(s);
	gk_shadow_close(NULL);
	assert_int_equal(gk_shadow_cleanup(NULL, NULL), 0);
	free(dir);
	assert_int_equal(count_entries(tmp), 1);
	gk_reg_remove_tree(tmp);
}

static void test_start_failures(void **state)
{
	(void)state;
	char tmp[64], bin[PATH_MAX], clusters[PATH_MAX];
	make_tmp(tmp, sizeof tmp);
	snprintf(bin, sizeof bin, "%s/bin", tmp);
	snprintf(clusters, sizeof clusters, "%s/clusters", tmp);
	assert_int_equal(mkdir(clusters, 0755), 0);
	assert_int_equal(mkdir(bin, 0755), 0);
	gk_shadow_options o = {.pg_bin = bin, .tmp_dir = clusters};
	gk_shadow *s = NULL;
	gk_error err = {0, ""};

	write_script(bin, "initdb", "echo 'initdb: fake failure' >&2; exit 1");
	write_script(bin, "postgres", "exit 0");
	assert_int_equal(gk_shadow_open(&s, &o, &err), GK_EINFRA);
	assert_null(s);
	assert_non_null(strstr(err.msg, "initdb failed (exit status 1)"));
	assert_non_null(strstr(err.msg, "fake failure"));
	assert_int_equal(count_entries(clusters), 0);

	/* initdb works, the server dies at once. */
	write_script(bin, "initdb", "mkdir -p \"$2\"");
	write_script(bin, "postgres", "echo 'FATAL: fake server refuses' >&2; exit 3");
	assert_int_equal(gk_shadow_open(&s, &o, &err), GK_EINFRA);
	assert_non_null(strstr(err.msg, "exited during start-up (exit status 3)"));
	assert_non_null(strstr(err.msg, "fake server refuses"));
	assert_int_equal(count_entries(clusters), 0);

	/* A socket path must fit in sockaddr_un. */
	char deep[PATH_MAX];
	snprintf(deep, sizeof deep, "%s/%0100d", tmp, 0);
	o.tmp_dir = deep;
	assert_int_equal(gk_shadow_open(&s, &o, &err), GK_EINFRA);
	assert_non_null(strstr(err.msg, "too long for a Unix socket"));

	if (geteuid() == 0) {
		o.tmp_dir = clusters;
		o.run_as = "no-such-user-gk";
		assert_int_equal(gk_shadow_open(&s, &o, &err), GK_EINFRA);
		assert_non_null(strstr(err.msg, "no user no-such-user-gk"));
		o.run_as = "root";
		assert_int_equal(gk_shadow_open(&s, &o, &err), GK_EINFRA);
		assert_non_null(strstr(err.msg, "refuses to run as root"));
		/* The server's user cannot reach a folder only root may enter. */
		o.run_as = NULL;
		assert_int_equal(chmod(clusters, 0700), 0);
		assert_int_equal(gk_shadow_open(&s, &o, &err), GK_EINFRA);
		assert_non_null(strstr(err.msg, "cannot enter"));
		assert_non_null(strstr(err.msg, "TMPDIR"));
		assert_int_equal(count_entries(clusters), 0);
	}
	gk_reg_remove_tree(tmp);
}

/* ---- exit and signal cases: this binary again as a child --------------- */

/* Child side: open a shadow in $GK_SHADOW_TMP, write its folder to fd
 * $GK_SHADOW_FD, then end as `mode` says. */
static volatile sig_atomic_t own_handler_ran;
static void own_handler(int sig)
{
	(void)sig;
	own_handler_ran = 1;
}

static gk_shadow *child_shadow;  /* global: reachable for LeakSanitizer at exit */
static char child_dir[PATH_MAX];

static int child_main(const char *mode)
{
	if (strcmp(mode, "chain") == 0) {
		/* The program's own handler, installed before the first shadow. */
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = own_handler;
		sigaction(SIGINT, &sa, NULL);
	}
	if (strcmp(mode, "nohup") == 0)
		signal(SIGHUP, SIG_IGN);  /* as nohup(1) starts it */
	if (strcmp(mode, "nonroot") == 0 && geteuid() == 0) {
		struct passwd *pw = getpwnam("postgres");
		if (!pw || setgroups(0, NULL) || setgid(pw->pw_gid) || setuid(pw->pw_uid))
			return 90;
	}
	gk_shadow_options o = {.tmp_dir = getenv("GK_SHADOW_TMP"), .cleanup_handlers = true};
	gk_error err = {0, ""};
	if (gk_shadow_open(&child_shadow, &o, &err) != 0) {
		fprintf(stderr, "child open: %s\n", err.msg);
		return 91;
	}
	char *dir = conninfo_get(gk_shadow_conninfo(child_shadow), "host");
	snprintf(child_dir, sizeof child_dir, "%s", dir);
	free(dir);
	int fd = atoi(getenv("GK_SHADOW_FD"));
	dprintf(fd, "%d %s\n", (int)postmaster_of(child_dir), child_dir);
	close(fd);
	if (strcmp(mode, "return") == 0 || strcmp(mode, "nonroot") == 0) {
		if (strcmp(mode, "nonroot") == 0)
			gk_shadow_close(child_shadow);
		return 0;
	}
	if (strcmp(mode, "exit1") == 0)
		exit(1);
	while (!own_handler_ran)
		pause();
	/* Our handler ran after the shadow's: the cluster must be gone now. */
	return exists(child_dir) ? 92 : 42;
}

typedef struct child {
	const char *mode;
	int sig;              /* signal the parent sends, 0 = none */
	int want_exit;        /* exit status, or -1 for "killed by sig" */
	pid_t pid;
	int fd;               /* read end of the report pipe */
	char dir[PATH_MAX];
	pid_t postmaster;
} child;

/* Children still running when a test fails: the teardown ends them
 * (SIGTERM, so that they clean up) and reaps them. */
static pid_t running[16];
static size_t nrunning;

static int reap_children(void **state)
{
	(void)state;
	for (size_t i = 0; i < nrunning; i++) {
		int status;
		if (waitpid(running[i], &status, WNOHANG) != 0)
			continue;
		kill(running[i], SIGTERM);
		for (int t = 0; t < 500 && waitpid(running[i], &status, WNOHANG) == 0; t++)
			poll(NULL, 0, 10);
		kill(running[i], SIGKILL);
		waitpid(running[i], &status, 0);
	}
	nrunning = 0;
	return 0;
}

static void start_child(child *ch, const char *tmp)
{
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	char fdtext[16];
	snprintf(fdtext, sizeof fdtext, "%d", pfd[1]);
	ch->pid = fork();
	assert_true(ch->pid >= 0);
	if (ch->pid == 0) {
		close(pfd[0]);
		setenv("GK_SHADOW_CHILD", ch->mode, 1);
		setenv("GK_SHADOW_FD", fdtext, 1);
		setenv("GK_SHADOW_TMP", tmp, 1);
		default_signals();
		execl("/proc/self/exe", "shadow_test", (char *)NULL);
		_exit(99);
	}
	close(pfd[1]);
	ch->fd = pfd[0];
	if (nrunning < sizeof running / sizeof *running)
		running[nrunning++] = ch->pid;
}

static void read_report(child *ch)
{
	char buf[PATH_MAX];
	size_t len = 0;
	ssize_t n;
	while (len < sizeof buf - 1 && (n = read(ch->fd, buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t)n;
	close(ch->fd);
	buf[len] = '\0';
	if (len == 0 || buf[len - 1] != '\n')
		fail_msg("child %s reported nothing (did it open a shadow?)", ch->mode);
	buf[len - 1] = '\0';
	char *space = strchr(buf, ' ');
	assert_non_null(space);
	snprintf(ch->dir, sizeof ch->dir, "%s", space + 1);
	ch->postmaster = (pid_t)atoi(buf);
	if (ch->postmaster <= 0)
		fail_msg("child %s: no postmaster pid in %s", ch->mode, ch->dir);
}

static int wait_child(child *ch)
{
	int status;
	for (int i = 0; i < 3000; i++) {
		if (waitpid(ch->pid, &status, WNOHANG) == ch->pid)
			return status;
		poll(NULL, 0, 10);
	}
	kill(ch->pid, SIGKILL);
	waitpid(ch->pid, &status, 0);
	fail_msg("child %s did not end", ch->mode);
	return -1;
}

static void check_child(child *ch, int status)
{
	if (ch->want_exit >= 0) {
		if (!WIFEXITED(status) || WEXITSTATUS(status) != ch->want_exit)
			fail_msg("child %s: status %#x, want exit %d", ch->mode, status, ch->want_exit);
	} else if (!WIFSIGNALED(status) || WTERMSIG(status) != ch->sig) {
		fail_msg("child %s: status %#x, want killed by signal %d", ch->mode, status, ch->sig);
	}
	assert_cluster_gone(ch->dir, ch->postmaster, ch->mode);
}

/* SIGKILL cannot be caught: the server still stops (parent-death signal),
 * and the next open in that folder removes what was left. */
static void check_killed(child *ch, int status, const char *tmp)
{
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	if (!wait_gone(ch->postmaster, 5000))
		fail_msg("the postmaster outlived its killed parent");
	assert_true(exists(ch->dir));
	gk_cluster_sweep_stale(tmp);
	assert_cluster_gone(ch->dir, ch->postmaster, "sweep after SIGKILL");
}

static void test_cleanup_on_exit_and_signals(void **state)
{
	(void)state;
	need_server();
	char tmp[64];
	make_tmp(tmp, sizeof tmp);
	child kids[] = {
		{"return", 0, 0, 0, 0, "", 0},
		{"exit1", 0, 1, 0, 0, "", 0},
		{"sigint", SIGINT, -1, 0, 0, "", 0},
		{"sigterm", SIGTERM, -1, 0, 0, "", 0},
		{"sighup", SIGHUP, -1, 0, 0, "", 0},
		{"chain", SIGINT, 42, 0, 0, "", 0},
		{"sigkill", SIGKILL, -1, 0, 0, "", 0},
	};
	size_t n = sizeof kids / sizeof *kids;
	for (size_t i = 0; i < n; i++)
		start_child(&kids[i], tmp);
	for (size_t i = 0; i < n; i++) {
		read_report(&kids[i]);
		if (kids[i].sig)  /* the others may be done already */
			assert_true(pid_alive(kids[i].postmaster));
	}
	for (size_t i = 0; i < n; i++)
		if (kids[i].sig)
			kill(kids[i].pid, kids[i].sig);
	for (size_t i = 0; i < n; i++) {
		int status = wait_child(&kids[i]);
		if (kids[i].sig != SIGKILL)
			check_child(&kids[i], status);
		else
			check_killed(&kids[i], status, tmp);
	}
	assert_int_equal(count_entries(tmp), 0);

	/* A forked child that exits leaves the parent's cluster alone. */
	pid_t p = fork();
	if (p == 0)
		exit(0);
	waitpid(p, NULL, 0);
	assert_int_equal(PQping(gk_shadow_conninfo(shared)), PQPING_OK);
	gk_reg_remove_tree(tmp);
}

/* A signal the process was started with ignored (nohup, a shell's
 * background job) stays ignored: the cluster survives it, and the next
 * signal still cleans up. */
static void test_ignored_signal_stays_ignored(void **state)
{
	(void)state;
	need_server();
	char tmp[64];
	make_tmp(tmp, sizeof tmp);
	child ch = {"nohup", SIGHUP, -1, 0, 0, "", 0};
	start_child(&ch, tmp);
	read_report(&ch);
	kill(ch.pid, SIGHUP);
	poll(NULL, 0, 300);
	int status;
	assert_int_equal(waitpid(ch.pid, &status, WNOHANG), 0);
	assert_true(pid_alive(ch.postmaster));
	assert_true(exists(ch.dir));
	ch.sig = SIGTERM;
	kill(ch.pid, SIGTERM);
	status = wait_child(&ch);
	check_child(&ch, status);
	assert_int_equal(count_entries(tmp), 0);
	gk_reg_remove_tree(tmp);
}

/* As root the servers run as `postgres`; this covers running as an
 * ordinary user (no switch) by dropping to one first. */
static void test_non_root_process(void **state)
{
	(void)state;
	need_server();
	if (geteuid() != 0) {
		gk_test_skip("not root; every other test already runs the non-root path");
	}
	char tmp[64];
	make_tmp(tmp, sizeof tmp);
	assert_int_equal(chown(tmp, uid_of("postgres"), 0), 0);
	child ch = {"nonroot", 0, 0, 0, 0, "", 0};
	start_child(&ch, tmp);
	read_report(&ch);
	struct stat st;
	int status = wait_child(&ch);
	check_child(&ch, status);
	assert_int_equal(stat(tmp, &st), 0);
	assert_int_equal(count_entries(tmp), 0);
	gk_reg_remove_tree(tmp);
}

/* ---- external servers -------------------------------------------------- */

static void test_external_createdb(void **state)
{
	(void)state;
	need_server();
	admin_sql("DROP ROLE IF EXISTS gk_creator");
	admin_sql("CREATE ROLE gk_creator LOGIN CREATEDB PASSWORD '" SECRET "'");
	char *url = shared_url("gk_creator", "postgres", "password=" SECRET);
	/* A cache folder is ignored (and never created) on an external server. */
	gk_shadow_options o = {.url = url, .cache_dir = "/nonexistent/gk-cache"};
	gk_shadow *s = NULL;
	gk_error err = {0, ""};
	if (gk_shadow_open(&s, &o, &err) != 0)
		fail_msg("open: %s", err.msg);
	assert_false(gk_shadow_is_embedded(s));
	assert_false(gk_shadow_cached(s));
	assert_null(gk_shadow_cache_note(s));
	/* Migrations run as the URL's user, who has no power to report. */
	assert_string_equal(gk_shadow_role(s), "gk_creator");
	assert_null(gk_shadow_sandbox_note(s));
	assert_null(gk_shadow_superuser_conninfo(s, gk_shadow_dbname(s)));
	assert_false(exists("/nonexistent"));
	assert_non_null(strstr(gk_shadow_where(s), "port 5432"));
	char *name = gk_strdup(gk_shadow_dbname(s));
	assert_int_equal(strncmp(name, "gatekeeper_shadow_", 18), 0);
	assert_true(db_exists(name));
	assert_int_equal(gk_shadow_server_version(s), gk_shadow_server_version(shared));
	/* The conninfo carries the password (to connect); the redacted one not. */
	char *red = gk_shadow_redact(gk_shadow_conninfo(s));
	assert_null(strstr(red, SECRET));
	assert_non_null(strstr(red, name));
	free(red);
	PGconn *c = connect_ok(gk_shadow_conninfo(s));
	assert_query(c, "SELECT current_user", "gk_creator");
	assert_query(c, "SELECT count(*) FROM pg_class WHERE oid >= 16384", "0");
	exec_ok(c, "CREATE TABLE t (id int)");
	/* A session still open on it: DROP ... WITH (FORCE) ends it. */
	char *ci2 = NULL, *name2 = NULL;
	assert_int_equal(gk_shadow_new_database(&ci2, &name2, s, NULL, &err), 0);
	assert_true(db_exists(name2));
	assert_int_equal(gk_shadow_cleanup(s, &err), 0);
	assert_false(db_exists(name));
	assert_false(db_exists(name2));
	assert_true(db_exists("postgres"));
	gk_shadow_close(s);
	PQfinish(c);
	free(ci2);
	free(name2);
	free(name);
	free(url);
	admin_sql("DROP ROLE gk_creator");
}

static int count_databases(void)
{
	PGconn *c = connect_super();
	char *n = query1(c, "SELECT count(*) FROM pg_database");
	PQfinish(c);
	int v = atoi(n);
	free(n);
	return v;
}

/* Make database `db` (owned by gk_plain) with `setup` run in it. */
static void make_db(const char *db, const char *setup)
{
	char *sql = gk_asprintf("DROP DATABASE IF EXISTS %s", db);
	admin_sql(sql);
	free(sql);
	sql = gk_asprintf("CREATE DATABASE %s OWNER gk_plain", db);
	admin_sql(sql);
	free(sql);
	if (!setup)
		return;
	char *url = shared_url("gatekeeper", db, NULL);
	PGconn *c = connect_ok(url);
	exec_ok(c, setup);
	PQfinish(c);
	free(url);
}

static void drop_db(const char *db)
{
	char *sql = gk_asprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", db);
	admin_sql(sql);
	free(sql);
}

static void plain_role(void)
{
	/* What a failed earlier test may have left. */
	drop_db("gk_appdb");
	drop_db("gk_kinddb");
	drop_db("gk_emptydb");
	admin_sql("DROP ROLE IF EXISTS gk_plain");
	admin_sql("CREATE ROLE gk_plain LOGIN NOCREATEDB");
}

/* A URL whose user has a superuser's power (or a file or program role's):
 * it is used as given, and the note says what a migration can do. */
static void test_external_powerful_user(void **state)
{
	(void)state;
	need_server();
	admin_sql("DROP ROLE IF EXISTS gk_progs");
	admin_sql("CREATE ROLE gk_progs LOGIN CREATEDB PASSWORD '" SECRET "' IN ROLE pg_execute_server_program");
	const char *users[] = {"gatekeeper", "gk_progs"};
	const char *want[] = {"a superuser", "a member of pg_execute_server_program"};
	for (size_t i = 0; i < 2; i++) {
		char *url = shared_url(users[i], "postgres", "password=" SECRET);
		gk_shadow_options o = {.url = url};
		gk_shadow *s = NULL;
		gk_error err = {0, ""};
		if (gk_shadow_open(&s, &o, &err) != 0)
			fail_msg("open: %s", err.msg);
		const char *note = gk_shadow_sandbox_note(s);
		assert_non_null(note);
		assert_non_null(strstr(note, users[i]));
		assert_non_null(strstr(note, want[i]));
		assert_non_null(strstr(note, "--shadow-url"));
		assert_null(strstr(note, SECRET));
		gk_shadow_close(s);
		free(url);
	}
	admin_sql("DROP ROLE gk_progs");
}

static void test_external_no_createdb_refuses_data(void **state)
{
	(void)state;
	need_server();
	plain_role();
	make_db("gk_appdb", "CREATE TABLE public.users (id int PRIMARY KEY, name text);"
	                    "INSERT INTO users VALUES (1, 'ann'), (2, 'bo'), (3, 'cy')");
	int before = count_databases();
	char *url = shared_url("gk_plain", "gk_appdb", "password=" SECRET);
	gk_shadow_options o = {.url = url};
	gk_shadow *s = NULL;
	gk_error err = {0, ""};
	assert_int_equal(gk_shadow_open(&s, &o, &err), GK_ECONFIG);
	assert_null(s);
	assert_non_null(strstr(err.msg, "table public.users"));
	assert_non_null(strstr(err.msg, "CREATEDB"));
	assert_non_null(strstr(err.msg, "gk_appdb"));
	assert_null(strstr(err.msg, SECRET));
	/* Touched nothing: the data is there, no database was made. */
	char *app = shared_url("gatekeeper", "gk_appdb", NULL);
	PGconn *c = connect_ok(app);
	assert_query(c, "SELECT string_agg(name, ',' ORDER BY id) FROM users", "ann,bo,cy");
	PQfinish(c);
	free(app);
	assert_int_equal(count_databases(), before);

	/* Each kind of object alone is enough to refuse. */
	static const struct {
		const char *setup, *named;
	} kinds[] = {
		{"CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 1'", "function public.f()"},
		{"SELECT lo_create(0)", "large object"},
		{"CREATE SCHEMA s; CREATE VIEW s.v AS SELECT 1 AS x", "view s.v"},
		{"CREATE TYPE public.mood AS ENUM ('ok')", "type public.mood"},
		{"CREATE SEQUENCE public.counter", "sequence public.counter"},
	};
	make_db("gk_kinddb", NULL);
	char *kind_admin = shared_url("gatekeeper", "gk_kinddb", NULL);
	char *kind_url = shared_url("gk_plain", "gk_kinddb", NULL);
	o.url = kind_url;
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
		c = connect_ok(kind_admin);
		exec_ok(c, "BEGIN");
		exec_ok(c, kinds[i].setup);
		exec_ok(c, "COMMIT");
		assert_int_equal(gk_shadow_open(&s, &o, &err), GK_ECONFIG);
		if (!strstr(err.msg, kinds[i].named))
			fail_msg("%s: message does not name %s: %s", kinds[i].setup, kinds[i].named, err.msg);
		exec_ok(c, "DROP SCHEMA IF EXISTS s CASCADE; DROP SCHEMA public CASCADE; CREATE SCHEMA public;"
		           "SELECT lo_unlink(oid) FROM pg_largeobject_metadata");
		PQfinish(c);
	}
	/* ...and with them gone it is usable (as a borrowed database). */
	if (gk_shadow_open(&s, &o, &err) != 0)
		fail_msg("open of the emptied database: %s", err.msg);
	gk_shadow_close(s);
	free(kind_admin);
	free(kind_url);
	drop_db("gk_kinddb");
	free(url);
	drop_db("gk_appdb");
	admin_sql("DROP ROLE gk_plain");
}

static void test_external_borrowed_reset(void **state)
{
	(void)state;
	need_server();
	plain_role();
	/* Tolerated at open and kept: an extension and an empty schema. */
	make_db("gk_emptydb", "CREATE EXTENSION pgcrypto; CREATE SCHEMA keep_me");
	char *url = shared_url("gk_plain", "gk_emptydb", NULL);
	gk_shadow_options o = {.url = url};
	gk_shadow *s = NULL;
	gk_error err = {0, ""};
	if (gk_shadow_open(&s, &o, &err) != 0)
		fail_msg("open: %s", err.msg);
	assert_string_equal(gk_shadow_dbname(s), "gk_emptydb");
	char *ci = NULL;
	assert_int_equal(gk_shadow_new_database(&ci, NULL, s, NULL, &err), GK_ECONFIG);
	assert_non_null(strstr(err.msg, "borrowed"));

	/* What a replay might leave behind. */
	PGconn *c = connect_ok(gk_shadow_conninfo(s));
	exec_ok(c, "CREATE SCHEMA app;"
	           "CREATE TABLE app.orders (id bigserial PRIMARY KEY, total numeric);"
	           "CREATE TABLE public.users (id int PRIMARY KEY, email text UNIQUE);"
	           "ALTER TABLE app.orders ADD COLUMN user_id int REFERENCES public.users;"
	           "CREATE INDEX ON public.users (lower(email));"
	           "CREATE TYPE public.mood AS ENUM ('ok', 'sad');"
	           "CREATE DOMAIN public.pos AS int CHECK (VALUE > 0);"
	           "CREATE FUNCTION public.f(int) RETURNS int LANGUAGE sql AS 'SELECT $1';"
	           "CREATE VIEW public.v AS SELECT id FROM public.users;"
	           "CREATE MATERIALIZED VIEW public.mv AS SELECT 1 AS one;"
	           "CREATE SEQUENCE public.counter;"
	           "CREATE TABLE public.parted (k int) PARTITION BY RANGE (k);"
	           "CREATE TABLE public.parted_1 PARTITION OF public.parted FOR VALUES FROM (0) TO (10);"
	           "CREATE EXTENSION citext;"
	           "SELECT lo_create(0);");
	PQfinish(c);
	assert_int_equal(gk_shadow_cleanup(s, &err), 0);
	gk_shadow_close(s);

	/* Back as it was: only the extension and the schema that were there. */
	char *admin = shared_url("gatekeeper", "gk_emptydb", NULL);
	c = connect_ok(admin);
	assert_query(c, "SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension",
	             "pgcrypto,plpgsql");
	assert_query(c, "SELECT count(*) FROM pg_namespace WHERE nspname IN ('keep_me', 'app')", "1");
	assert_query(c, "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = relnamespace "
	                "WHERE nspname = 'public'", "0");
	assert_query(c, "SELECT count(*) FROM pg_largeobject_metadata", "0");
	PQfinish(c);
	free(admin);
	/* ...so it can be borrowed again. */
	if (gk_shadow_open(&s, &o, &err) != 0)
		fail_msg("second open: %s", err.msg);
	gk_shadow_close(s);
	free(url);
	drop_db("gk_emptydb");
	admin_sql("DROP ROLE gk_plain");
}

static void test_external_unreachable(void **state)
{
	(void)state;
	static const char *const urls[] = {
		"postgresql://bob:" SECRET "@127.0.0.1:1/app?connect_timeout=2",
		"postgresql://bob:" SECRET "@127.0.0.1:1/app?bogus=1",
		"host=127.0.0.1 port=1 user=bob password=" SECRET " connect_timeout=2",
		"host=127.0.0.1 port=1 password " SECRET,
		/* libpq quotes these: a '/' splits the password into host and
		 * port, a bad %-escape is shown as written. */
		"postgresql://bob:" SECRET "/x@127.0.0.1/app",
		"postgresql://bob:" SECRET "%zz@127.0.0.1:1/app",
	};
	for (size_t i = 0; i < sizeof urls / sizeof *urls; i++) {
		gk_shadow_options o = {.url = urls[i]};
		gk_shadow *s = NULL;
		gk_error err = {0, ""};
		assert_int_equal(gk_shadow_open(&s, &o, &err), GK_EINFRA);
		assert_null(s);
		if (strstr(err.msg, SECRET))
			fail_msg("password in message: %s", err.msg);
		assert_non_null(strstr(err.msg, "cannot connect to the shadow server"));
		assert_null(strstr(err.msg, "r3t"));
		if (i == 0 && (!strstr(err.msg, "host 127.0.0.1 port 1") || !strstr(err.msg, "refused")))
			fail_msg("message lacks host or reason: %s", err.msg);
	}
}

/* A server that refuses the URL's settings (a role or a database that does
 * not exist) is a configuration error (exit 2), not a retryable failure. */
static void test_external_refused(void **state)
{
	(void)state;
	need_server();
	static const struct {
		const char *user, *db, *reason;
	} cases[] = {
		{"gatekeeper", "gk_no_such_database", "database \"gk_no_such_database\" does not exist"},
		{"gk_no_such_role", "postgres", "role \"gk_no_such_role\" does not exist"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *url = shared_url(cases[i].user, cases[i].db, "password=" SECRET);
		gk_shadow_options o = {.url = url};
		gk_shadow *s = NULL;
		gk_error err = {0, ""};
		assert_int_equal(gk_shadow_open(&s, &o, &err), GK_ECONFIG);
		assert_int_equal(err.code, GK_ECONFIG);
		assert_null(s);
		assert_non_null(strstr(err.msg, "cannot connect to the shadow server"));
		if (!strstr(err.msg, cases[i].reason))
			fail_msg("message lacks '%s': %s", cases[i].reason, err.msg);
		assert_null(strstr(err.msg, SECRET));
		free(url);
	}
}

/* ---- who installs the process's handlers ------------------------------- */

static const int cleanup_sigs[] = {SIGINT, SIGTERM, SIGHUP};
#define N_CLEANUP_SIGS (sizeof cleanup_sigs / sizeof *cleanup_sigs)
static struct sigaction at_start[N_CLEANUP_SIGS];  /* before any shadow (main) */

/* Open and close a private cluster with or without cleanup_handlers, then
 * whether each signal's handler is still the one the program started with. */
static void open_close(bool handlers, bool *unchanged)
{
	char tmp[64];
	make_tmp(tmp, sizeof tmp);
	gk_shadow_options o = {.tmp_dir = tmp, .cleanup_handlers = handlers};
	gk_shadow_close(open_ok(&o));
	gk_reg_remove_tree(tmp);
	for (size_t i = 0; i < N_CLEANUP_SIGS; i++) {
		struct sigaction now;
		assert_int_equal(sigaction(cleanup_sigs[i], NULL, &now), 0);
		unchanged[i] = (now.sa_flags & SA_SIGINFO) == (at_start[i].sa_flags & SA_SIGINFO) &&
			       now.sa_handler == at_start[i].sa_handler;
	}
}

/*
 * The exit and signal handlers are opt-in (gk_shadow_options.
 * cleanup_handlers): a program that embeds the library and starts a
 * cluster without asking keeps its own dispositions (and stops its
 * clusters with gk_shadow_close()); with it, SIGINT, SIGTERM and SIGHUP
 * get the registry's handler, but for one the program ignores (run under
 * nohup, SIGHUP).  Last among the tests: the handlers stay.
 */
static void test_cleanup_handlers_opt_in(void **state)
{
	(void)state;
	need_server();
	bool unchanged[N_CLEANUP_SIGS];
	open_close(false, unchanged);
	for (size_t i = 0; i < N_CLEANUP_SIGS; i++)
		if (!unchanged[i])
			fail_msg("a cluster without cleanup_handlers replaced the handler of signal %d", cleanup_sigs[i]);
	open_close(true, unchanged);
	for (size_t i = 0; i < N_CLEANUP_SIGS; i++) {
		/* A signal ignored from the start (nohup's SIGHUP) stays ignored. */
		bool ignored = !(at_start[i].sa_flags & SA_SIGINFO) && at_start[i].sa_handler == SIG_IGN;
		if (ignored && !unchanged[i])
			fail_msg("a cluster with cleanup_handlers took signal %d, which the program ignores", cleanup_sigs[i]);
		if (!ignored && unchanged[i])
			fail_msg("a cluster with cleanup_handlers left signal %d's handler alone", cleanup_sigs[i]);
	}
}

/* ---- main ---------------------------------------------------------------- */

static int group_setup(void **state)
{
	(void)state;
	char *bin = NULL;
	gk_bin_search w = {NULL, NULL, NULL};
	gk_error err;
	have_binaries = gk_cluster_find_bin(&bin, &w, &err) == 0;
	free(bin);
	if (gk_shadow_open(&shared, NULL, &shared_err) != 0)
		shared = NULL;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	gk_shadow_close(shared);
	return 0;
}

int main(void)
{
	const char *mode = getenv("GK_SHADOW_CHILD");
	if (mode)
		return child_main(mode);
	/* In our environment, never in the server's (test_server_environment). */
	setenv("GK_SANDBOX_CANARY", CANARY_VALUE, 1);
	for (size_t i = 0; i < N_CLEANUP_SIGS; i++)
		sigaction(cleanup_sigs[i], NULL, &at_start[i]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redact_forms),
		cmocka_unit_test(test_redact_message),
		cmocka_unit_test(test_find_bin_explicit),
		cmocka_unit_test(test_find_bin_search),
		cmocka_unit_test(test_embedded_settings),
		cmocka_unit_test(test_sandbox_role),
		cmocka_unit_test(test_sandbox_extension_door),
		cmocka_unit_test(test_server_environment),
		cmocka_unit_test(test_new_database),
		cmocka_unit_test(test_open_close_leaves_nothing),
		cmocka_unit_test(test_start_failures),
		cmocka_unit_test_teardown(test_cleanup_on_exit_and_signals, reap_children),
		cmocka_unit_test_teardown(test_ignored_signal_stays_ignored, reap_children),
		cmocka_unit_test_teardown(test_non_root_process, reap_children),
		cmocka_unit_test(test_external_createdb),
		cmocka_unit_test(test_external_powerful_user),
		cmocka_unit_test(test_external_no_createdb_refuses_data),
		cmocka_unit_test(test_external_borrowed_reset),
		cmocka_unit_test(test_external_unreachable),
		cmocka_unit_test(test_external_refused),
		cmocka_unit_test(test_cleanup_handlers_opt_in),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
