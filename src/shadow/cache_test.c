/*
 * cache_test.c - the template cache (chain.c, cache.c, templates.c) on a
 * real cache cluster.
 *
 * All server tests share one cache folder under $TMPDIR (else tmpfs, else
 * /tmp; never the user's real cache), made in the group setup; each opens
 * and closes its own shadow on it, because persistence across open/close
 * is the point.  The first open pays for initdb, the others only start
 * the server (~0.1 s); the damage cases pay for initdb again.
 * Socket folders (and the temporary clusters of the fallbacks) go to a
 * folder of their own, on tmpfs when there is one, so that the tests can
 * see them go.  The signal cases run this binary again as a child
 * (GK_CACHE_CHILD=<mode>), like shadow_test.c.
 *
 * Without PostgreSQL binaries the server tests skip, saying so.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

#include "gatekeeper/shadow.h"
#include "shadow/shadow_internal.h"
#include "util/util.h"
#include "util/pg_test_support.h"

static char root_dir[256];   /* everything the tests make */
static char cache_dir[512];  /* <root>/cache/dir (made by the first open) */
static char sock_dir[256];   /* socket folders and temporary clusters */
static bool have_binaries;
static char no_binaries[1024];

/* ---- helpers ---------------------------------------------------------- */

static void need_server(void)
{
	if (have_binaries)
		return;
	fprintf(stderr, "skipped: no PostgreSQL server binaries: %s\n", no_binaries);
	skip();
}

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* A connection to database `db` of the shadow's server. */
static PGconn *connect_db(gk_shadow *s, const char *db)
{
	char *host = conninfo_get(gk_shadow_conninfo(s), "host");
	char *ci = gk_asprintf("host='%s' port=5432 user=gatekeeper dbname=%s", host, db);
	PGconn *c = connect_ok(ci);
	free(ci);
	free(host);
	return c;
}

static int count_sql(gk_shadow *s, const char *sql)
{
	PGconn *c = connect_db(s, "postgres");
	char *v = query1(c, sql);
	PQfinish(c);
	int n = atoi(v);
	free(v);
	return n;
}

static int count_templates(gk_shadow *s)
{
	return count_sql(s, "SELECT count(*) FROM pg_database WHERE datname LIKE 'gk\\_tpl\\_%'");
}

static int count_rows(gk_shadow *s)
{
	return count_sql(s, "SELECT count(*) FROM gatekeeper_templates");
}


static bool wait_gone(pid_t pid, int ms)
{
	for (int i = 0; i < ms / 10 && pid_alive(pid); i++)
		poll(NULL, 0, 10);
	return !pid_alive(pid);
}

/* <cache_dir>/pg<major>[/<sub>] of the shadow's server version. */
static void cache_path(char *out, size_t size, int version, const char *sub)
{
	char major[16];
	if (version >= 100000)
		snprintf(major, sizeof major, "%d", version / 10000);
	else
		snprintf(major, sizeof major, "%d.%d", version / 10000, version / 100 % 100);
	snprintf(out, size, "%s/pg%s%s%s", cache_dir, major, sub ? "/" : "", sub ? sub : "");
}

static pid_t read_pid(const char *path)
{
	FILE *f = fopen(path, "r");
	long pid = 0;
	if (f) {
		if (fscanf(f, "%ld", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	return (pid_t)pid;
}

static int server_version;  /* of the cache's server, once opened */

/* Shadows a failed test left open (it would hold the cache's lock). */
static gk_shadow *live[4];

/* A live process of the server's user, which PostgreSQL would take for a
 * server still running if a stale postmaster.pid named it. */
static pid_t other_process;
/* A server the test stopped (SIGSTOP); the code under test ends it. */
static pid_t frozen;

static void keep(gk_shadow *s)
{
	for (size_t i = 0; i < 4; i++)
		if (!live[i]) {
			live[i] = s;
			return;
		}
}

static void forget(gk_shadow *s)
{
	for (size_t i = 0; i < 4; i++)
		if (live[i] == s)
			live[i] = NULL;
}

static int close_leftovers(void **state)
{
	(void)state;
	for (size_t i = 0; i < 4; i++) {
		gk_shadow_close(live[i]);
		live[i] = NULL;
	}
	if (other_process > 0) {
		kill(other_process, SIGKILL);
		waitpid(other_process, NULL, 0);
		other_process = 0;
	}
	if (frozen > 0 && pid_alive(frozen))
		kill(frozen, SIGKILL);
	frozen = 0;
	return 0;
}

static pid_t cache_postmaster(void)
{
	char path[PATH_MAX];
	cache_path(path, sizeof path, server_version, "data/postmaster.pid");
	return read_pid(path);
}

static gk_shadow *open_cache(void)
{
	gk_shadow_options o = {.tmp_dir = sock_dir, .cache_dir = cache_dir};
	gk_shadow *s = NULL;
	gk_error err = {0, ""};
	if (gk_shadow_open(&s, &o, &err) != 0)
		fail_msg("open: %s", err.msg);
	keep(s);
	if (!gk_shadow_cached(s))
		fail_msg("not cached: %s", gk_shadow_cache_note(s));
	assert_null(gk_shadow_cache_note(s));
	server_version = gk_shadow_server_version(s);
	return s;
}

/* The shadow closes cleanly: no server left, its socket folder gone, the
 * data folder kept without a postmaster.pid (a fast shutdown). */
static void close_cache(gk_shadow *s)
{
	char *sock = conninfo_get(gk_shadow_conninfo(s), "host");
	pid_t pm = cache_postmaster();
	assert_true(pid_alive(pm));
	forget(s);
	gk_shadow_close(s);
	if (!wait_gone(pm, 3000))
		fail_msg("postmaster %d is still running after close", (int)pm);
	if (exists(sock))
		fail_msg("socket folder %s is still there", sock);
	char path[PATH_MAX];
	cache_path(path, sizeof path, server_version, "data/PG_VERSION");
	assert_true(exists(path));
	cache_path(path, sizeof path, server_version, "data/postmaster.pid");
	assert_false(exists(path));
	free(sock);
}

/* Chain hashes of `n` migrations named m<i>.sql with the given bodies. */
static void chain(char (*out)[65], const char *const *body, size_t n, const char *seed)
{
	char prev[65];
	gk_shadow_chain_start(prev, seed, strlen(seed));
	for (size_t i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof name, "m%zu.sql", i + 1);
		gk_shadow_chain_next(out[i], prev, name, body[i], strlen(body[i]));
		memcpy(prev, out[i], 65);
	}
}

/* Run `sql` in database `db` (then disconnect: it may become a template). */
static void run_in(gk_shadow *s, const char *db, const char *sql)
{
	PGconn *c = connect_db(s, db);
	exec_ok(c, sql);
	PQfinish(c);
}

static void store_ok(gk_shadow *s, const char *db, const char *hash)
{
	gk_error err = {0, ""};
	if (gk_shadow_template_store(s, db, hash, &err) != 0)
		fail_msg("store: %s", err.msg);
}

/* find over `hashes`; returns the prefix, *tpl gets the template (or NULL). */
static size_t find_ok(gk_shadow *s, char (*hashes)[65], size_t n, char **tpl)
{
	const char *h[32];
	assert_true(n <= 32);
	for (size_t i = 0; i < n; i++)
		h[i] = hashes[i];
	size_t prefix = 99;
	char *t = NULL;
	gk_error err = {0, ""};
	if (gk_shadow_template_find(s, h, n, &prefix, &t, &err) != 0)
		fail_msg("find: %s", err.msg);
	assert_true((prefix == 0) == (t == NULL));
	if (tpl)
		*tpl = t;
	else
		free(t);
	return prefix;
}

static char *new_db(gk_shadow *s, const char *tpl)
{
	char *ci = NULL, *name = NULL;
	gk_error err = {0, ""};
	if (gk_shadow_new_database(s, tpl, &ci, &name, &err) != 0)
		fail_msg("new database from %s: %s", tpl ? tpl : "template0", err.msg);
	free(ci);
	return name;
}

/* ---- the chain hash (no server) -------------------------------------- */

static void test_chain_known_answers(void **state)
{
	(void)state;
	char h0[65], h1[65], h2[65];
	gk_shadow_chain_start(h0, "", 0);
	assert_string_equal(h0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	gk_shadow_chain_start(h0, "seed", 4);
	assert_string_equal(h0, "19b25856e1c150ca834cffc8b59b23adbd0ec0389e58eb22b3b64768098d002b");
	const char *body = "CREATE TABLE t (id int);\n";
	gk_shadow_chain_next(h1, h0, "001_init.sql", body, strlen(body));
	assert_string_equal(h1, "755ad4e5477bc32aafac88bc5dead3079135a73586e702a9997d20065728f103");
	/* An empty file, and the output may overwrite the input. */
	memcpy(h2, h1, 65);
	gk_shadow_chain_next(h2, h2, "002_more.sql", "", 0);
	assert_string_equal(h2, "44c122c652d5afbe438da7f60ed33523a510922a1329b8f064e1c596f248cc2d");
	/* The name is delimited: moving a byte between name and body differs. */
	char a[65], b[65];
	gk_shadow_chain_next(a, h0, "ab", "c", 1);
	gk_shadow_chain_next(b, h0, "a", "bc", 2);
	assert_string_not_equal(a, b);
}

static void test_chain_edit_invalidates_later_only(void **state)
{
	(void)state;
	const char *body[] = {"CREATE TABLE a (id int);", "CREATE TABLE b (id int);",
	                      "CREATE TABLE c (id int);", "CREATE TABLE d (id int);",
	                      "CREATE TABLE e (id int);"};
	char base[5][65], edited[5][65], reseeded[5][65];
	chain(base, body, 5, "s");
	for (size_t k = 0; k < 5; k++) {
		const char *changed[5];
		memcpy(changed, body, sizeof changed);
		changed[k] = "CREATE TABLE x (id int);";
		chain(edited, changed, 5, "s");
		for (size_t i = 0; i < 5; i++)
			if ((strcmp(base[i], edited[i]) == 0) != (i < k))
				fail_msg("editing migration %zu: hash %zu %s", k + 1, i + 1,
				         i < k ? "changed" : "did not change");
	}
	chain(reseeded, body, 5, "t");
	for (size_t i = 0; i < 5; i++)
		assert_string_not_equal(base[i], reseeded[i]);
}

static void test_default_cache_dir(void **state)
{
	(void)state;
	char *xdg = gk_strdup(getenv("XDG_CACHE_HOME")), *home = gk_strdup(getenv("HOME"));
	setenv("XDG_CACHE_HOME", "/x/cache", 1);
	setenv("HOME", "/h", 1);
	char *d = gk_shadow_default_cache_dir();
	assert_string_equal(d, "/x/cache/gatekeeper");
	free(d);
	setenv("XDG_CACHE_HOME", "relative", 1);  /* ignored, as the XDG spec says */
	d = gk_shadow_default_cache_dir();
	/* Root's home is closed to the server's user: the system cache folder. */
	assert_string_equal(d, geteuid() == 0 ? "/var/cache/gatekeeper" : "/h/.cache/gatekeeper");
	free(d);
	unsetenv("XDG_CACHE_HOME");
	unsetenv("HOME");
	d = gk_shadow_default_cache_dir();
	if (geteuid() == 0)
		assert_string_equal(d, "/var/cache/gatekeeper");
	else
		assert_null(d);
	free(d);
	if (xdg)
		setenv("XDG_CACHE_HOME", xdg, 1);
	if (home)
		setenv("HOME", home, 1);
	free(xdg);
	free(home);
}

/* ---- store and find -------------------------------------------------- */

static const char *const schema[] = {
	"CREATE TABLE users (id int PRIMARY KEY)",
	"CREATE TABLE posts (id int PRIMARY KEY, user_id int REFERENCES users)",
	"CREATE INDEX ON posts (user_id)",
};

static void test_store_find_across_runs(void **state)
{
	(void)state;
	need_server();
	char h[3][65];
	chain(h, schema, 3, "persist");

	/* Run 1 replays 1..2 and keeps both prefixes. */
	gk_shadow *s = open_cache();
	assert_non_null(strstr(gk_shadow_where(s), "the cached cluster in "));
	/* Only the socket, and not in the cache folder (paths too long for
	 * a socket, and nothing a CI cache should save). */
	char *su = gk_shadow_superuser_conninfo(s, gk_shadow_dbname(s));  /* settings are the superuser's */
	PGconn *c = connect_ok(su);
	free(su);
	assert_query(c, "SHOW listen_addresses", "");
	char *sock = conninfo_get(gk_shadow_conninfo(s), "host");
	assert_query(c, "SHOW unix_socket_directories", sock);
	assert_int_equal(strncmp(sock, sock_dir, strlen(sock_dir)), 0);
	assert_query(c, "SHOW fsync", "off");
	assert_query(c, "SELECT count(*) FROM pg_class WHERE oid >= 16384", "0");  /* empty */
	PQfinish(c);
	free(sock);
	char data[PATH_MAX];
	cache_path(data, sizeof data, server_version, "data");
	struct stat st;
	assert_int_equal(stat(data, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(st.st_uid, geteuid() == 0 ? getpwnam("postgres")->pw_uid : geteuid());
	assert_int_equal(find_ok(s, h, 3, NULL), 0);
	const char *work = gk_shadow_dbname(s);
	assert_int_equal(strncmp(work, "gatekeeper_shadow_", 18), 0);
	run_in(s, work, schema[0]);
	store_ok(s, work, h[0]);
	run_in(s, work, schema[1]);
	store_ok(s, work, h[1]);
	char *old_work = gk_strdup(work);
	close_cache(s);

	/* Run 2 starts from the longest prefix and adds the third. */
	s = open_cache();
	c = connect_db(s, "postgres");
	char *sql = gk_asprintf("SELECT count(*) FROM pg_database WHERE datname = '%s'", old_work);
	assert_query(c, sql, "0");  /* run 1's working database is gone */
	free(sql);
	assert_query(c, "SELECT count(*) FROM pg_database WHERE datname LIKE 'gk\\_tpl\\_%' "
	                "AND datistemplate AND NOT datallowconn", "2");
	PQfinish(c);
	char *tpl = NULL;
	assert_int_equal(find_ok(s, h, 3, &tpl), 2);
	char want[64];
	snprintf(want, sizeof want, "gk_tpl_%.32s", h[1]);
	assert_string_equal(tpl, want);
	char *db = new_db(s, tpl);
	c = connect_db(s, db);
	assert_query(c, "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class "
	                "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace", "posts,users");
	exec_ok(c, schema[2]);
	PQfinish(c);
	store_ok(s, db, h[2]);
	assert_int_equal(find_ok(s, h, 3, NULL), 3);
	/* A prefix of the list: its own longest hit. */
	assert_int_equal(find_ok(s, h, 1, NULL), 1);

	/* Editing migration 2 invalidates 2 and 3; 1 still hits. */
	const char *edited[] = {schema[0], "CREATE TABLE posts (id bigint PRIMARY KEY)", schema[2]};
	char e[3][65];
	chain(e, edited, 3, "persist");
	assert_int_equal(find_ok(s, e, 3, NULL), 1);

	/* Only our own databases and cache templates may be cloned or stored. */
	gk_error err = {0, ""};
	char *ci = NULL;
	assert_int_equal(gk_shadow_new_database(s, "template1", &ci, NULL, &err), GK_ENOTFOUND);
	assert_int_equal(gk_shadow_template_store(s, "template1", h[0], &err), GK_ENOTFOUND);
	assert_int_equal(gk_shadow_template_store(s, db, "not-a-hash", &err), GK_ECONFIG);
	const char *bad[] = {h[0], "ABC"};
	size_t prefix = 7;
	char *t = (char *)"x";
	assert_int_equal(gk_shadow_template_find(s, bad, 2, &prefix, &t, &err), GK_ECONFIG);
	assert_int_equal(prefix, 0);
	assert_null(t);
	free(db);
	free(tpl);
	free(old_work);
	close_cache(s);
}

static void test_store_twice_is_one_template(void **state)
{
	(void)state;
	need_server();
	char h[1][65];
	const char *body[] = {"CREATE TABLE once (id int)"};
	chain(h, body, 1, "twice");
	gk_shadow *s = open_cache();
	int before = count_templates(s);
	const char *work = gk_shadow_dbname(s);
	run_in(s, work, body[0]);
	store_ok(s, work, h[0]);
	int after = count_templates(s);
	assert_true(after == before + 1 || (before == GK_SHADOW_TEMPLATES_MAX && after == before));
	store_ok(s, work, h[0]);
	assert_int_equal(count_templates(s), after);
	assert_int_equal(count_rows(s), after);
	assert_int_equal(find_ok(s, h, 1, NULL), 1);
	close_cache(s);
}

static void test_lru_eviction(void **state)
{
	(void)state;
	need_server();
	const char *body[GK_SHADOW_TEMPLATES_MAX + 1];
	char text[GK_SHADOW_TEMPLATES_MAX + 1][64];
	for (int i = 0; i <= GK_SHADOW_TEMPLATES_MAX; i++) {
		snprintf(text[i], sizeof text[i], "CREATE TABLE t%d (id int)", i);
		body[i] = text[i];
	}
	char h[GK_SHADOW_TEMPLATES_MAX + 1][65];
	chain(h, body, GK_SHADOW_TEMPLATES_MAX + 1, "lru");
	gk_shadow *s = open_cache();
	const char *work = gk_shadow_dbname(s);
	for (int i = 0; i < GK_SHADOW_TEMPLATES_MAX; i++)
		store_ok(s, work, h[i]);
	assert_int_equal(count_templates(s), GK_SHADOW_TEMPLATES_MAX);
	/* The oldest stored is used again: the second oldest is now the least
	 * recently used, and goes when the eleventh comes. */
	assert_int_equal(find_ok(s, h, 1, NULL), 1);
	store_ok(s, work, h[GK_SHADOW_TEMPLATES_MAX]);
	assert_int_equal(count_templates(s), GK_SHADOW_TEMPLATES_MAX);
	assert_int_equal(count_rows(s), GK_SHADOW_TEMPLATES_MAX);
	char one[1][65];
	for (int i = 0; i <= GK_SHADOW_TEMPLATES_MAX; i++) {
		memcpy(one[0], h[i], 65);
		size_t want = i == 1 ? 0 : 1;
		if (find_ok(s, one, 1, NULL) != want)
			fail_msg("template %d: %s", i, want ? "evicted" : "kept");
	}
	/* Eviction survives the restart, and what remains still clones. */
	close_cache(s);
	s = open_cache();
	assert_int_equal(count_templates(s), GK_SHADOW_TEMPLATES_MAX);
	char *tpl = NULL;
	memcpy(one[0], h[1], 65);
	assert_int_equal(find_ok(s, one, 1, &tpl), 0);
	memcpy(one[0], h[GK_SHADOW_TEMPLATES_MAX], 65);
	assert_int_equal(find_ok(s, one, 1, &tpl), 1);
	char *db = new_db(s, tpl);
	free(db);
	free(tpl);
	close_cache(s);
}

/* A template without its row, or a row without its template, is no hit,
 * and the next open removes the rest. */
static void test_missing_halves_are_no_hits(void **state)
{
	(void)state;
	need_server();
	char h[2][65];
	chain(h, schema, 2, "halves");
	gk_shadow *s = open_cache();
	const char *work = gk_shadow_dbname(s);
	store_ok(s, work, h[0]);
	store_ok(s, work, h[1]);
	assert_int_equal(find_ok(s, h, 2, NULL), 2);
	PGconn *c = connect_db(s, "postgres");
	char *sql = gk_asprintf("DELETE FROM gatekeeper_templates WHERE hash = '%s'", h[1]);
	exec_ok(c, sql);
	free(sql);
	assert_int_equal(find_ok(s, h, 2, NULL), 1);
	sql = gk_asprintf("ALTER DATABASE gk_tpl_%.32s IS_TEMPLATE false", h[0]);
	exec_ok(c, sql);
	free(sql);
	sql = gk_asprintf("DROP DATABASE gk_tpl_%.32s", h[0]);
	exec_ok(c, sql);
	free(sql);
	assert_int_equal(find_ok(s, h, 2, NULL), 0);
	PQfinish(c);
	close_cache(s);
	s = open_cache();
	assert_int_equal(count_templates(s), count_rows(s));
	c = connect_db(s, "postgres");
	sql = gk_asprintf("SELECT count(*) FROM pg_database WHERE datname LIKE 'gk_tpl_%.32s'", h[1]);
	assert_query(c, sql, "0");
	free(sql);
	PQfinish(c);
	/* Both can be stored again. */
	store_ok(s, gk_shadow_dbname(s), h[0]);
	store_ok(s, gk_shadow_dbname(s), h[1]);
	assert_int_equal(find_ok(s, h, 2, NULL), 2);
	close_cache(s);
}

/* ---- sharing, damage, repairs ----------------------------------------- */

static void test_second_open_falls_back(void **state)
{
	(void)state;
	need_server();
	gk_shadow *s = open_cache();
	gk_shadow_options o = {.tmp_dir = sock_dir, .cache_dir = cache_dir};
	gk_shadow *t = NULL;
	gk_error err = {0, ""};
	double t0 = gk_now();
	if (gk_shadow_open(&t, &o, &err) != 0)
		fail_msg("second open: %s", err.msg);
	keep(t);
	assert_true(gk_now() - t0 < 20);  /* did not wait for the lock */
	assert_false(gk_shadow_cached(t));
	assert_true(gk_shadow_is_embedded(t));
	const char *note = gk_shadow_cache_note(t);
	assert_non_null(note);
	if (!strstr(note, "in use by another gatekeeper process") || !strstr(note, cache_dir))
		fail_msg("note: %s", note);
	assert_non_null(strstr(gk_shadow_where(t), "the private cluster in "));
	/* Without a cache, find and store do nothing. */
	char h[1][65];
	const char *body[] = {"x"};
	chain(h, body, 1, "fallback");
	assert_int_equal(find_ok(t, h, 1, NULL), 0);
	assert_int_equal(gk_shadow_template_store(t, gk_shadow_dbname(t), h[0], &err), 0);
	PGconn *c = connect_ok(gk_shadow_conninfo(t));
	assert_query(c, "SELECT 1", "1");
	PQfinish(c);
	forget(t);
	gk_shadow_close(t);
	/* The first is untouched. */
	c = connect_ok(gk_shadow_conninfo(s));
	assert_query(c, "SELECT 1", "1");
	PQfinish(c);
	close_cache(s);
}

/* Keep one template, close, let `damage` run on the data folder, reopen:
 * the cluster is usable again, and the template is gone (or kept). */
static void reopen_after(void (*damage)(const char *data), bool kept, const char *what)
{
	char h[1][65];
	const char *body[] = {what};
	chain(h, body, 1, what);
	gk_shadow *s = open_cache();
	store_ok(s, gk_shadow_dbname(s), h[0]);
	close_cache(s);
	char data[PATH_MAX];
	cache_path(data, sizeof data, server_version, "data");
	damage(data);
	s = open_cache();
	if (find_ok(s, h, 1, NULL) != (kept ? 1u : 0u))
		fail_msg("%s: the template was %s", what, kept ? "lost" : "kept");
	PGconn *c = connect_ok(gk_shadow_conninfo(s));
	exec_ok(c, "CREATE TABLE works (id int)");
	PQfinish(c);
	close_cache(s);
}

static void remove_file(const char *data, const char *name)
{
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/%s", data, name);
	assert_int_equal(unlink(p), 0);
}

static void no_pg_version(const char *data) { remove_file(data, "PG_VERSION"); }
static void no_pg_control(const char *data) { remove_file(data, "global/pg_control"); }

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void other_version(const char *data)
{
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/PG_VERSION", data);
	write_text(p, "9.4\n");
}

static void test_damaged_folder_is_recreated(void **state)
{
	(void)state;
	need_server();
	reopen_after(no_pg_version, false, "no PG_VERSION");
	reopen_after(no_pg_control, false, "no pg_control");
	reopen_after(other_version, false, "another version");
	/* A half-made initdb of a killed run is removed, the rest kept. */
	char half[PATH_MAX];
	cache_path(half, sizeof half, server_version, "data.new");
	assert_int_equal(mkdir(half, 0700), 0);
	gk_shadow *s = open_cache();
	close_cache(s);
	assert_false(exists(half));
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


static void stale_pid_of(const char *data, pid_t pid)
{
	char p[PATH_MAX], text[64];
	snprintf(p, sizeof p, "%s/postmaster.pid", data);
	snprintf(text, sizeof text, "%d\n%s\n", (int)pid, data);
	write_text(p, text);
	if (geteuid() == 0)
		assert_int_equal(chown(p, getpwnam("postgres")->pw_uid, 0), 0);
}

static void stale_dead(const char *data) { stale_pid_of(data, dead_pid()); }
static void stale_live(const char *data) { stale_pid_of(data, other_process); }

static void test_stale_postmaster_pid(void **state)
{
	(void)state;
	need_server();
	reopen_after(stale_dead, true, "stale pid, dead");
	other_process = fork();
	assert_true(other_process >= 0);
	if (other_process == 0) {
		struct passwd *pw = getpwnam("postgres");
		if (geteuid() == 0 && (!pw || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0))
			_exit(1);
		for (;;)
			pause();
	}
	reopen_after(stale_live, true, "stale pid, reused");
	close_leftovers(NULL);
}

/* tar as root keeps the uid of the machine that saved the cache. */
static void foreign_owner(const char *data)
{
	char cmd[PATH_MAX + 64];
	snprintf(cmd, sizeof cmd, "chown -R 0:0 '%s' && chmod 0755 '%s'", data, data);
	assert_int_equal(system(cmd), 0);
}

static void test_restored_with_other_owner(void **state)
{
	(void)state;
	need_server();
	if (geteuid() != 0) {
		fprintf(stderr, "skipped: not root, the data folder cannot change owner\n");
		skip();
	}
	reopen_after(foreign_owner, true, "foreign owner");
	char data[PATH_MAX];
	cache_path(data, sizeof data, server_version, "data/base");
	struct stat st;
	assert_int_equal(stat(data, &st), 0);
	assert_int_equal(st.st_uid, getpwnam("postgres")->pw_uid);
}

static void test_unusable_folder_falls_back(void **state)
{
	(void)state;
	need_server();
	char file[300], under[PATH_MAX];
	snprintf(file, sizeof file, "%s/a-file", root_dir);
	write_text(file, "x");
	snprintf(under, sizeof under, "%s/cache", file);
	const char *dirs[] = {under, NULL};
	char closed[PATH_MAX];
	if (geteuid() == 0) {
		/* The server's user cannot enter a folder only root may. */
		snprintf(closed, sizeof closed, "%s/root-only", root_dir);
		assert_int_equal(mkdir(closed, 0700), 0);
		strcat(closed, "/cache");
		dirs[1] = closed;
	}
	for (size_t i = 0; i < 2 && dirs[i]; i++) {
		gk_shadow_options o = {.tmp_dir = sock_dir, .cache_dir = dirs[i]};
		gk_shadow *s = NULL;
		gk_error err = {0, ""};
		if (gk_shadow_open(&s, &o, &err) != 0)
			fail_msg("open with cache %s: %s", dirs[i], err.msg);
		keep(s);
		assert_false(gk_shadow_cached(s));
		const char *note = gk_shadow_cache_note(s);
		assert_non_null(note);
		if (!strstr(note, dirs[i]) ||
		    !strstr(note, i == 0 ? "cannot create the cache folder" : "cannot enter"))
			fail_msg("note: %s", note);
		forget(s);
		gk_shadow_close(s);
	}
	assert_int_equal(count_entries(sock_dir), 0);
}

/* ---- exit and signals: this binary again as a child ------------------- */

static gk_shadow *child_shadow;  /* global: reachable for LeakSanitizer at exit */

static int child_main(const char *mode)
{
	snprintf(cache_dir, sizeof cache_dir, "%s", getenv("GK_CACHE_DIR"));
	gk_shadow_options o = {.tmp_dir = getenv("GK_CACHE_SOCK"), .cache_dir = cache_dir};
	gk_error err = {0, ""};
	if (gk_shadow_open(&child_shadow, &o, &err) != 0 || !gk_shadow_cached(child_shadow)) {
		fprintf(stderr, "child open: %s %s\n", err.msg,
		        child_shadow ? gk_shadow_cache_note(child_shadow) : "");
		return 91;
	}
	server_version = gk_shadow_server_version(child_shadow);
	char *sock = conninfo_get(gk_shadow_conninfo(child_shadow), "host");
	int fd = atoi(getenv("GK_CACHE_FD"));
	dprintf(fd, "%d %s\n", (int)cache_postmaster(), sock);
	close(fd);
	free(sock);
	if (strcmp(mode, "return") == 0)
		return 0;
	for (;;)
		pause();
}

typedef struct child {
	const char *mode;
	int sig;          /* what the parent sends; 0 = none (returns) */
	bool freeze;      /* SIGSTOP its postmaster first */
	pid_t pid, postmaster;
	char sock[PATH_MAX];
} child;

static void run_child(child *ch)
{
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	char fdtext[16];
	snprintf(fdtext, sizeof fdtext, "%d", pfd[1]);
	ch->pid = fork();
	assert_true(ch->pid >= 0);
	if (ch->pid == 0) {
		close(pfd[0]);
		setenv("GK_CACHE_CHILD", ch->mode, 1);
		setenv("GK_CACHE_FD", fdtext, 1);
		setenv("GK_CACHE_DIR", cache_dir, 1);
		setenv("GK_CACHE_SOCK", sock_dir, 1);
		execl("/proc/self/exe", "cache_test", (char *)NULL);
		_exit(99);
	}
	close(pfd[1]);
	char buf[PATH_MAX + 32];
	size_t len = 0;
	ssize_t n;
	while (len < sizeof buf - 1 && (n = read(pfd[0], buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t)n;
	close(pfd[0]);
	buf[len] = '\0';
	char *space = strchr(buf, ' ');
	if (!space || len == 0 || buf[len - 1] != '\n') {
		/* It closed the pipe without a report: it is ending by itself;
		 * a SIGKILL now would leave its temporary cluster behind. */
		int status = 0;
		waitpid(ch->pid, &status, 0);
		fail_msg("child %s reported nothing (status %#x)", ch->mode, status);
	}
	buf[len - 1] = '\0';
	snprintf(ch->sock, sizeof ch->sock, "%s", space + 1);
	ch->postmaster = (pid_t)atoi(buf);
	assert_true(pid_alive(ch->postmaster));
	if (ch->freeze && kill(ch->postmaster, SIGSTOP) == 0)
		frozen = ch->postmaster;
	if (ch->sig)
		kill(ch->pid, ch->sig);
	int status;
	assert_int_equal(waitpid(ch->pid, &status, 0), ch->pid);
	if (ch->sig ? !WIFSIGNALED(status) || WTERMSIG(status) != ch->sig
	            : !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("child %s: status %#x", ch->mode, status);
}

static void test_exit_and_signals_stop_the_server(void **state)
{
	(void)state;
	need_server();
	char h[1][65];
	const char *body[] = {"signals"};
	chain(h, body, 1, "signals");
	gk_shadow *s = open_cache();
	store_ok(s, gk_shadow_dbname(s), h[0]);
	close_cache(s);
	child kids[] = {{"return", 0, false, 0, 0, ""}, {"term", SIGTERM, false, 0, 0, ""},
	                {"int", SIGINT, false, 0, 0, ""}, {"kill", SIGKILL, false, 0, 0, ""}};
	char pidfile[PATH_MAX];
	cache_path(pidfile, sizeof pidfile, server_version, "data/postmaster.pid");
	for (size_t i = 0; i < sizeof kids / sizeof *kids; i++) {
		child *ch = &kids[i];
		run_child(ch);
		if (!wait_gone(ch->postmaster, 6000))
			fail_msg("%s: postmaster %d outlived gatekeeper", ch->mode, (int)ch->postmaster);
		/* Even a killed gatekeeper's server shuts down cleanly (its
		 * parent-death signal is a fast shutdown); only the socket folder
		 * waits for the next open to sweep it. */
		assert_false(exists(pidfile));
		if (exists(ch->sock) != (ch->sig == SIGKILL))
			fail_msg("%s: socket folder %s", ch->mode, ch->sig == SIGKILL ? "gone" : "left");
	}
	/* The cache survived all of that. */
	s = open_cache();
	assert_int_equal(find_ok(s, h, 1, NULL), 1);
	assert_false(exists(kids[3].sock));
	close_cache(s);
	assert_int_equal(count_entries(sock_dir), 0);
}

/* The next run right after a SIGKILL gets the lock while the old server
 * may still be shutting down: it must wait for it rather than fail on its
 * postmaster.pid and wipe the cache.  Freezing that server makes sure it
 * is still there. */
static void test_open_right_after_kill(void **state)
{
	(void)state;
	need_server();
	char h[1][65];
	const char *body[] = {"right after"};
	chain(h, body, 1, "right after");
	gk_shadow *s = open_cache();
	store_ok(s, gk_shadow_dbname(s), h[0]);
	close_cache(s);
	child ch = {"kill", SIGKILL, true, 0, 0, ""};
	run_child(&ch);
	assert_true(pid_alive(ch.postmaster));
	s = open_cache();
	assert_int_equal(find_ok(s, h, 1, NULL), 1);
	close_cache(s);
	assert_false(pid_alive(ch.postmaster));
}

/* ---- main ---------------------------------------------------------------- */

/* tmpfs halves initdb time for the fallbacks' temporary clusters. */
static const char *fast_tmp(void)
{
	struct statvfs v;
	if (statvfs("/dev/shm", &v) == 0 && access("/dev/shm", W_OK) == 0 &&
	    (unsigned long long)v.f_bavail * v.f_frsize > (2ULL << 30))
		return "/dev/shm";
	return "/tmp";
}

static int group_setup(void **state)
{
	(void)state;
	char *bin = NULL;
	gk_bin_search w = {NULL, NULL, NULL};
	gk_error err = {0, ""};
	have_binaries = gk_cluster_find_bin(&bin, &w, &err) == 0;
	snprintf(no_binaries, sizeof no_binaries, "%s", err.msg);
	free(bin);
	const char *tmp = getenv("TMPDIR");
	snprintf(root_dir, sizeof root_dir, "%s/gk-cache-test-XXXXXX", tmp && *tmp ? tmp : fast_tmp());
	snprintf(sock_dir, sizeof sock_dir, "%s/gk-cache-sock-XXXXXX", fast_tmp());
	if (!mkdtemp(root_dir) || !mkdtemp(sock_dir))
		return -1;
	/* The server may run as another user: it must pass through. */
	chmod(root_dir, 0755);
	chmod(sock_dir, 0755);
	snprintf(cache_dir, sizeof cache_dir, "%s/cache/dir", root_dir);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	gk_reg_remove_tree(root_dir);
	gk_reg_remove_tree(sock_dir);
	return 0;
}

int main(void)
{
	const char *mode = getenv("GK_CACHE_CHILD");
	if (mode)
		return child_main(mode);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_known_answers),
		cmocka_unit_test(test_chain_edit_invalidates_later_only),
		cmocka_unit_test(test_default_cache_dir),
		cmocka_unit_test_teardown(test_store_find_across_runs, close_leftovers),
		cmocka_unit_test_teardown(test_store_twice_is_one_template, close_leftovers),
		cmocka_unit_test_teardown(test_lru_eviction, close_leftovers),
		cmocka_unit_test_teardown(test_missing_halves_are_no_hits, close_leftovers),
		cmocka_unit_test_teardown(test_second_open_falls_back, close_leftovers),
		cmocka_unit_test_teardown(test_damaged_folder_is_recreated, close_leftovers),
		cmocka_unit_test_teardown(test_stale_postmaster_pid, close_leftovers),
		cmocka_unit_test_teardown(test_restored_with_other_owner, close_leftovers),
		cmocka_unit_test_teardown(test_unusable_folder_falls_back, close_leftovers),
		cmocka_unit_test_teardown(test_exit_and_signals_stop_the_server, close_leftovers),
		cmocka_unit_test_teardown(test_open_right_after_kill, close_leftovers),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
