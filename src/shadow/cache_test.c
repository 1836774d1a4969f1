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
	gk_test_skip("no PostgreSQL server binaries: %s", no_binaries);
}

/* "<a>/<b>" into out, which must fit (noinline: GCC would warn about
 * the truncation this checks for). */
__attribute__((noinline)) static void pjoin(char *out, size_t size, const char *a, const char *b)
{
	int n = snprintf(out, size, "%s/%s", a, b);
	assert_true(n > 0 && (size_t)n < size);
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
	if (gk_shadow_template_find(&prefix, &t, s, h, n, &err) != 0)
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
	if (gk_shadow_new_database(&ci, &name, s, tpl, &err) != 0)
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
	assert_int_equal(gk_shadow_new_database(&ci, NULL, s, "template1", &err), GK_ENOTFOUND);
	assert_int_equal(gk_shadow_template_store(s, "template1", h[0], &err), GK_ENOTFOUND);
	assert_int_equal(gk_shadow_template_store(s, db, "not-a-hash", &err), GK_ECONFIG);
	const char *bad[] = {h[0], "ABC"};
	size_t prefix = 7;
	char *t = (char *)"x";
	assert_int_equal(gk_shadow_template_find(&prefix, &t, s, bad, 2, &err), GK_ECONFIG);
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
	/* It does not wait for the lock (flock LOCK_NB): the note below says
	 * the cache is in use, which only the refused lock writes. */
	if (gk_shadow_open(&t, &o, &err) != 0)
		fail_msg("second open: %s", err.msg);
	keep(t);
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
	pjoin(p, sizeof p, data, name);
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

/* ---- trust: only what gatekeeper made is used -------------------------- */

/* Open with cache folder `dir`: the cache is not used, and the note says
 * `why` and names `path`. */
static void open_not_used(const char *dir, const char *why, const char *path)
{
	gk_shadow_options o = {.tmp_dir = sock_dir, .cache_dir = dir};
	gk_shadow *s = NULL;
	gk_error err = {0, ""};
	if (gk_shadow_open(&s, &o, &err) != 0)
		fail_msg("open with cache %s: %s", dir, err.msg);
	keep(s);
	if (gk_shadow_cached(s))
		fail_msg("the cache %s was used (expected: %s)", dir, why);
	const char *note = gk_shadow_cache_note(s);
	if (!note || !strstr(note, why) || !strstr(note, path))
		fail_msg("note for %s: %s (expected %s and %s)", dir, note ? note : "(none)", why, path);
	forget(s);
	gk_shadow_close(s);
}

/* The same one level down, without the fallback's initdb: the cache
 * cluster does not start, and the error (the note) says why. */
static void cluster_not_used(const char *dir, const char *why, const char *path)
{
	char *bin = NULL;
	gk_bin_search w = {NULL, NULL, NULL};
	gk_error err = {0, ""};
	assert_int_equal(gk_cluster_find_bin(&bin, &w, &err), 0);
	gk_cluster_req req = {bin, sock_dir, NULL, dir, false, false};
	gk_cluster *c = NULL;
	int rc = gk_cluster_start(&c, &req, &err);
	free(bin);
	if (rc == 0) {
		gk_cluster_stop(c);
		fail_msg("the cache %s was used (expected: %s)", dir, why);
	}
	if (!strstr(err.msg, why) || !strstr(err.msg, path))
		fail_msg("error for %s: %s (expected %s and %s)", dir, err.msg, why, path);
}

static void sh(const char *fmt, const char *a, const char *b)
{
	char cmd[3 * PATH_MAX];
	snprintf(cmd, sizeof cmd, fmt, a, b);
	if (system(cmd) != 0)
		fail_msg("failed: %s", cmd);
}

/* The id in the data folder's marker ("" when there is none). */
static void marker_id(char out[33])
{
	char path[PATH_MAX], *text = NULL;
	size_t len = 0;
	out[0] = '\0';
	cache_path(path, sizeof path, server_version, "data/gatekeeper-cache");
	if (gk_read_file(&text, &len, path, 4096) != 0)
		return;
	const char *id = strstr(text, "\nid ");
	if (id)
		snprintf(out, 33, "%s", id + 4);
	free(text);
}

static const char *pg_user(void) { return geteuid() == 0 ? "postgres" : getpwuid(geteuid())->pw_name; }

/* A data folder of another owner is not ours: not used, not chowned, not
 * started; given back, it is used again with its templates. */
static void test_foreign_owner_not_used(void **state)
{
	(void)state;
	need_server();
	if (geteuid() != 0) {
		gk_test_skip("not root, nothing can change owner");
	}
	char h[1][65];
	const char *body[] = {"foreign"};
	chain(h, body, 1, "foreign");
	gk_shadow *s = open_cache();
	store_ok(s, gk_shadow_dbname(s), h[0]);
	close_cache(s);
	char data[PATH_MAX], home[PATH_MAX], base[PATH_MAX];
	cache_path(data, sizeof data, server_version, "data");
	cache_path(home, sizeof home, server_version, NULL);
	cache_path(base, sizeof base, server_version, "data/base");
	/* tar restoring the folder of another machine by number, say. */
	sh("chown -R 0:0 '%s'%s", data, "");
	open_not_used(cache_dir, "belongs to user root, not to user postgres", data);
	struct stat st;
	assert_int_equal(stat(base, &st), 0);
	assert_int_equal(st.st_uid, 0);  /* not chowned */
	sh("chown -R postgres '%s' && chown root '%s'/gatekeeper-cache", data, data);
	/* The cache folder itself, or its pg<major>, of another user. */
	sh("chown nobody '%s'%s", cache_dir, "");
	cluster_not_used(cache_dir, "belongs to user nobody, not to user root", cache_dir);
	sh("chown root '%s' && chown nobody '%s'", cache_dir, home);
	cluster_not_used(cache_dir, "belongs to user nobody", home);
	sh("chown root '%s'%s", home, "");
	s = open_cache();
	assert_int_equal(find_ok(s, h, 1, NULL), 1);
	close_cache(s);
}

static void test_writable_folders_not_used(void **state)
{
	(void)state;
	need_server();
	char h[1][65];
	const char *body[] = {"writable"};
	chain(h, body, 1, "writable");
	gk_shadow *s = open_cache();
	store_ok(s, gk_shadow_dbname(s), h[0]);
	close_cache(s);
	char data[PATH_MAX], home[PATH_MAX];
	cache_path(data, sizeof data, server_version, "data");
	cache_path(home, sizeof home, server_version, NULL);
	const char *dirs[] = {cache_dir, home, data};
	for (size_t i = 0; i < 3; i++) {
		struct stat st;
		assert_int_equal(stat(dirs[i], &st), 0);
		for (int k = 0; k < 2; k++) {
			assert_int_equal(chmod(dirs[i], (st.st_mode & 0777) | (k ? 002 : 020)), 0);
			cluster_not_used(cache_dir, "writable by other users", dirs[i]);
			struct stat now;
			assert_int_equal(stat(dirs[i], &now), 0);
			assert_int_equal(now.st_mode & 0777, (st.st_mode & 0777) | (k ? 002 : 020));
		}
		assert_int_equal(chmod(dirs[i], st.st_mode & 0777), 0);
	}
	/* Wider but not writable (tar with another umask): ours, mode fixed. */
	assert_int_equal(chmod(data, 0755), 0);
	s = open_cache();
	assert_int_equal(find_ok(s, h, 1, NULL), 1);
	close_cache(s);
	struct stat st;
	assert_int_equal(stat(data, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
}

/*
 * Symlinks anywhere in our part of the path are not followed: a cache
 * folder that leads to another cluster's data folder leaves that cluster
 * running, untouched, with its owner and mode.  The other cluster here is
 * a second cache cluster this process runs.
 */
static void test_symlinks_not_followed(void **state)
{
	(void)state;
	need_server();
	char victim_dir[PATH_MAX];
	snprintf(victim_dir, sizeof victim_dir, "%s/victim", root_dir);
	gk_shadow_options o = {.tmp_dir = sock_dir, .cache_dir = victim_dir};
	gk_shadow *victim = NULL;
	gk_error err = {0, ""};
	if (gk_shadow_open(&victim, &o, &err) != 0 || !gk_shadow_cached(victim))
		fail_msg("victim: %s %s", err.msg, victim ? gk_shadow_cache_note(victim) : "");
	keep(victim);
	char vhome[PATH_MAX], vdata[PATH_MAX], vpid[PATH_MAX];
	char pg[16];
	snprintf(pg, sizeof pg, "pg%d", server_version / 10000);
	pjoin(vhome, sizeof vhome, victim_dir, pg);
	pjoin(vdata, sizeof vdata, vhome, "data");
	pjoin(vpid, sizeof vpid, vdata, "postmaster.pid");
	pid_t vpm = read_pid(vpid);
	assert_true(pid_alive(vpm));
	struct stat before;
	assert_int_equal(stat(vdata, &before), 0);

	char links[PATH_MAX], a[PATH_MAX], b[PATH_MAX], bpg[PATH_MAX], cdata[PATH_MAX];
	snprintf(links, sizeof links, "%s/links", root_dir);
	assert_int_equal(mkdir(links, 0755), 0);
	/* The cache folder itself is a link to the other cache. */
	pjoin(a, sizeof a, links, "a");
	assert_int_equal(symlink(victim_dir, a), 0);
	open_not_used(a, "is a symbolic link", a);
	/* Its pg<major> is a link. */
	pjoin(b, sizeof b, links, "b");
	assert_int_equal(mkdir(b, 0700), 0);
	pjoin(bpg, sizeof bpg, b, pg);
	assert_int_equal(symlink(vhome, bpg), 0);
	cluster_not_used(b, "is a symbolic link", bpg);
	/* Its data folder is a link to the running cluster's data folder. */
	pjoin(b, sizeof b, links, "c");
	assert_int_equal(mkdir(b, 0700), 0);
	pjoin(bpg, sizeof bpg, b, pg);
	assert_int_equal(mkdir(bpg, 0700), 0);
	pjoin(cdata, sizeof cdata, bpg, "data");
	assert_int_equal(symlink(vdata, cdata), 0);
	cluster_not_used(b, "is a symbolic link", cdata);
	/* A link inside the data folder (a tablespace elsewhere). */
	char outside[PATH_MAX], inside[PATH_MAX];
	snprintf(outside, sizeof outside, "%s/outside", root_dir);
	assert_int_equal(mkdir(outside, 0700), 0);
	write_text(strcat(strcpy(inside, outside), "/keep"), "x");
	cache_path(inside, sizeof inside, server_version, "data/pg_tblspc/16999");
	gk_shadow *s = open_cache();  /* make sure the cache exists */
	close_cache(s);
	assert_int_equal(symlink(outside, inside), 0);
	cluster_not_used(cache_dir, "holds a symbolic link (pg_tblspc/16999)", "");
	assert_true(exists(inside));
	assert_int_equal(unlink(inside), 0);
	char kept[PATH_MAX];
	pjoin(kept, sizeof kept, outside, "keep");
	assert_true(exists(kept));

	/* The other cluster never noticed. */
	assert_true(pid_alive(vpm));
	assert_int_equal(read_pid(vpid), vpm);
	struct stat after;
	assert_int_equal(stat(vdata, &after), 0);
	assert_int_equal(after.st_uid, before.st_uid);
	assert_int_equal(after.st_gid, before.st_gid);
	assert_int_equal(after.st_mode, before.st_mode);
	PGconn *c = connect_ok(gk_shadow_conninfo(victim));
	assert_query(c, "SELECT 1", "1");
	PQfinish(c);
	forget(victim);
	gk_shadow_close(victim);
	s = open_cache();
	close_cache(s);
}

/* Replace the marker's text (owned as gatekeeper would own it). */
static void write_marker(const char *text)
{
	char path[PATH_MAX];
	cache_path(path, sizeof path, server_version, "data/gatekeeper-cache");
	unlink(path);
	write_text(path, text);
	assert_int_equal(chmod(path, 0600), 0);
}

static char canary_old[PATH_MAX];

/* An older gatekeeper's cache, with a recovery.signal that would run
 * restore_command if the folder were started before it is made again. */
static void no_marker(const char *data)
{
	remove_file(data, "gatekeeper-cache");
	char path[PATH_MAX];
	pjoin(path, sizeof path, data, "postgresql.conf");
	FILE *f = fopen(path, "a");
	assert_non_null(f);
	fprintf(f, "restore_command = 'touch %s'\n", canary_old);
	fclose(f);
	pjoin(path, sizeof path, data, "recovery.signal");
	write_text(path, "");
}
static void marker_garbage(const char *data)
{
	char text[128];
	(void)data;
	snprintf(text, sizeof text, "gatekeeper cache\nmajor %d\nid ../../etc\n",
	         server_version / 10000);
	write_marker(text);
}
/* Well-formed, but not the id the cluster holds. */
static void marker_other_id(const char *data)
{
	char text[128];
	(void)data;
	snprintf(text, sizeof text, "gatekeeper cache\nmajor %d\nid 0123456789abcdef0123456789abcdef\n",
	         server_version / 10000);
	write_marker(text);
}
/* Our marker, but the server's user wrote it. */
static void marker_of_server_user(const char *data)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/gatekeeper-cache", data);
	if (geteuid() == 0)
		assert_int_equal(chown(path, getpwnam("postgres")->pw_uid, 0), 0);
	else
		remove_file(data, "gatekeeper-cache");  /* same user: nothing to test */
}

/* A data folder without our marker (an older gatekeeper's cache, or one
 * someone else wrote) is never started: it is ours to replace (it lies in
 * our folders and belongs to the server's user), so it is made again. */
static void test_marker_required(void **state)
{
	(void)state;
	need_server();
	gk_shadow *s = open_cache();
	close_cache(s);
	char before[33], after[33];
	marker_id(before);
	assert_int_equal(strlen(before), 32);
	pjoin(canary_old, sizeof canary_old, root_dir, "canary-old");
	void (*cases[])(const char *) = {no_marker, marker_garbage, marker_other_id,
	                                  marker_of_server_user};
	const char *names[] = {"no marker", "garbled marker", "marker with another id",
	                       "marker of the server's user"};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		reopen_after(cases[i], false, names[i]);
		marker_id(after);
		assert_int_equal(strlen(after), 32);
		if (strcmp(before, after) == 0)
			fail_msg("%s: the id did not change", names[i]);
		memcpy(before, after, sizeof before);
	}
	assert_false(exists(canary_old));
}

/* Whatever an earlier run (ALTER SYSTEM in a migration) or whoever wrote
 * the folder planted in its configuration is reset before the start. */
static void test_planted_configuration_reset(void **state)
{
	(void)state;
	need_server();
	char h[1][65];
	const char *body[] = {"planted"};
	chain(h, body, 1, "planted");
	gk_shadow *s = open_cache();
	store_ok(s, gk_shadow_dbname(s), h[0]);
	/* ALTER SYSTEM during a run: the command line still wins. */
	char canary[4][PATH_MAX], sql[PATH_MAX + 128];
	for (int i = 0; i < 4; i++)
		snprintf(canary[i], sizeof canary[i], "%s/canary-%d", root_dir, i);
	PGconn *c = connect_db(s, "postgres");
	snprintf(sql, sizeof sql, "ALTER SYSTEM SET archive_command = 'touch %s'", canary[0]);
	exec_ok(c, sql);
	exec_ok(c, "ALTER SYSTEM SET shared_preload_libraries = 'no_such_library'");
	exec_ok(c, "SELECT pg_reload_conf()");
	poll(NULL, 0, 300);
	/* (SHOW says "(disabled)" when archive_mode is off.) */
	assert_query(c, "SELECT source FROM pg_settings WHERE name = 'archive_command'",
	             "command line");
	assert_query(c, "SHOW archive_mode", "off");
	PQfinish(c);
	close_cache(s);

	char data[PATH_MAX], path[PATH_MAX + 32];
	cache_path(data, sizeof data, server_version, "data");
	snprintf(path, sizeof path, "%s/postgresql.auto.conf", data);
	FILE *f = fopen(path, "a");
	assert_non_null(f);
	fprintf(f, "archive_mode = on\nrestore_command = 'touch %s'\n", canary[1]);
	fclose(f);
	snprintf(path, sizeof path, "%s/postgresql.conf", data);
	f = fopen(path, "a");
	assert_non_null(f);
	fprintf(f, "archive_mode = on\narchive_command = 'touch %s'\n"
	           "shared_preload_libraries = 'no_such_library'\n"
	           "include '%s/planted.conf'\nhba_file = '/etc/passwd'\n"
	           "timezone = 'UTC'; archive_command = 'touch %s'\n",
	        canary[2], root_dir, canary[3]);
	fclose(f);
	snprintf(path, sizeof path, "%s/planted.conf", root_dir);
	write_text(path, "ssl = on\nssl_passphrase_command = 'touch /nonexistent'\n");
	/* What a run killed while rewriting the configuration left (as root:
	 * root's file in the server's folder) is no reason to refuse it. */
	snprintf(path, sizeof path, "%s/.gatekeeper-write", data);
	write_text(path, "half");
	/* As the server's user, like what a migration or a restored cache of
	 * the same user left (a file of another owner is refused outright). */
	snprintf(path, sizeof path, "%s/recovery.signal", data);
	write_text(path, "");
	if (geteuid() == 0)
		assert_int_equal(chown(path, getpwnam("postgres")->pw_uid, 0), 0);
	snprintf(path, sizeof path, "%s/standby.signal", data);
	write_text(path, "");
	if (geteuid() == 0)
		assert_int_equal(chown(path, getpwnam("postgres")->pw_uid, 0), 0);
	/* Had any of it acted: the library does not exist (no start, the
	 * cache is made again), recovery would wait for WAL. */
	s = open_cache();
	assert_int_equal(find_ok(s, h, 1, NULL), 1);
	c = connect_db(s, "postgres");
	assert_query(c, "SELECT pg_is_in_recovery()", "f");
	assert_query(c, "SHOW archive_mode", "off");
	assert_query(c, "SHOW shared_preload_libraries", "");
	assert_query(c, "SHOW restore_command", "");
	assert_query(c, "SHOW ssl", "off");
	assert_query(c, "SHOW timezone", "Etc/UTC");  /* initdb's, kept */
	assert_query(c, "SELECT count(*) FROM pg_file_settings WHERE name NOT IN ('max_connections', "
	                "'shared_buffers', 'dynamic_shared_memory_type', 'max_wal_size', "
	                "'min_wal_size', 'log_timezone', 'datestyle', 'timezone', 'lc_messages', "
	                "'lc_monetary', 'lc_numeric', 'lc_time', 'default_text_search_config')",
	             "0");
	/* Enough WAL for a segment to be archived, were archiving on. */
	exec_ok(c, "CREATE TABLE wal AS SELECT g FROM generate_series(1, 20000) g");
	exec_ok(c, "SELECT pg_switch_wal()");
	exec_ok(c, "CHECKPOINT");
	PQfinish(c);
	poll(NULL, 0, 500);
	close_cache(s);
	for (int i = 0; i < 4; i++)
		if (exists(canary[i]))
			fail_msg("%s was created", canary[i]);
	snprintf(path, sizeof path, "%s/recovery.signal", data);
	assert_false(exists(path));
	char *text = NULL;
	size_t len = 0;
	snprintf(path, sizeof path, "%s/postgresql.auto.conf", data);
	assert_int_equal(gk_read_file(&text, &len, path, 1 << 20), 0);
	assert_null(strstr(text, "canary"));
	free(text);
}

/* actions/cache saves the folder with tar and restores it, as root
 * keeping owners (by name) and modes: the templates still hit. */
static void test_restored_cache_hits(void **state)
{
	(void)state;
	need_server();
	char h[2][65];
	chain(h, schema, 2, "restored");
	gk_shadow *s = open_cache();
	run_in(s, gk_shadow_dbname(s), schema[0]);
	store_ok(s, gk_shadow_dbname(s), h[0]);
	run_in(s, gk_shadow_dbname(s), schema[1]);
	store_ok(s, gk_shadow_dbname(s), h[1]);
	close_cache(s);
	char tarball[PATH_MAX], parent[PATH_MAX];
	snprintf(tarball, sizeof tarball, "%s/cache.tar", root_dir);
	snprintf(parent, sizeof parent, "%s/cache", root_dir);
	sh("tar --posix -cf '%s' -C '%s' dir", tarball, parent);
	assert_int_equal(gk_reg_remove_tree(cache_dir), 0);
	assert_false(exists(cache_dir));
	sh("tar -xf '%s' -C '%s'", tarball, parent);
	s = open_cache();
	assert_false(gk_cluster_fresh(s->cluster));
	char *tpl = NULL;
	assert_int_equal(find_ok(s, h, 2, &tpl), 2);
	char *db = new_db(s, tpl);
	PGconn *c = connect_db(s, db);
	assert_query(c, "SELECT count(*) FROM pg_class WHERE relname IN ('users', 'posts')", "2");
	PQfinish(c);
	free(db);
	free(tpl);
	close_cache(s);
	unlink(tarball);
	(void)pg_user;
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

/* A non-root gatekeeper (the tests run it as another user): store or find
 * the template of $GK_CACHE_HASH.  0 when it did (find: a hit). */
static int child_template(const char *mode)
{
	gk_shadow_options o = {.tmp_dir = getenv("GK_CACHE_SOCK"), .cache_dir = getenv("GK_CACHE_DIR")};
	gk_error err = {0, ""};
	const char *hash = getenv("GK_CACHE_HASH");
	if (gk_shadow_open(&child_shadow, &o, &err) != 0 || !gk_shadow_cached(child_shadow)) {
		fprintf(stderr, "child open: %s %s\n", err.msg,
		        child_shadow ? gk_shadow_cache_note(child_shadow) : "");
		return 91;
	}
	int rc;
	if (strcmp(mode, "store") == 0)
		rc = gk_shadow_template_store(child_shadow, gk_shadow_dbname(child_shadow), hash, &err)
		         ? 92 : 0;
	else {
		const char *h[] = {hash};
		size_t prefix = 0;
		char *tpl = NULL;
		rc = gk_shadow_template_find(&prefix, &tpl, child_shadow, h, 1, &err) ? 93
		     : prefix == 1 ? 0 : 94;
		free(tpl);
	}
	if (rc)
		fprintf(stderr, "child %s: %s\n", mode, err.msg);
	gk_shadow_close(child_shadow);
	child_shadow = NULL;
	return rc;
}

static int child_main(const char *mode)
{
	if (strcmp(mode, "store") == 0 || strcmp(mode, "find") == 0)
		return child_template(mode);
	snprintf(cache_dir, sizeof cache_dir, "%s", getenv("GK_CACHE_DIR"));
	gk_shadow_options o = {.tmp_dir = getenv("GK_CACHE_SOCK"), .cache_dir = cache_dir, .cleanup_handlers = true};
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
		default_signals();
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

/* Run `argv` (NULL-terminated; argv[0] "self" = this test binary with
 * GK_CACHE_CHILD=`mode`) as user `name`; its exit status. */
static int run_as(const char *name, const char *const *argv, const char *mode, const char *dir,
                  const char *tmp, const char *hash)
{
	struct passwd *pw = getpwnam(name);
	assert_non_null(pw);
	uid_t uid = pw->pw_uid;
	gid_t gid = pw->pw_gid;
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	assert_true(n > 0);
	self[n] = '\0';
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0)
			_exit(98);
		if (strcmp(argv[0], "self") == 0) {
			setenv("GK_CACHE_CHILD", mode, 1);
			setenv("GK_CACHE_DIR", dir, 1);
			setenv("GK_CACHE_SOCK", tmp, 1);
			setenv("GK_CACHE_HASH", hash, 1);
			execl(self, "cache_test", (char *)NULL);
		} else
			execvp(argv[0], (char *const *)argv);
		_exit(99);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* A folder of user `name` under the test's folder. */
static void user_folder(char *out, size_t size, const char *name)
{
	pjoin(out, size, root_dir, name);
	assert_int_equal(mkdir(out, 0700), 0);
	struct passwd *pw = getpwnam(name);
	assert_non_null(pw);
	assert_int_equal(chown(out, pw->pw_uid, pw->pw_gid), 0);
}

/*
 * actions/cache restoring as a user other than root (a runner's own user)
 * cannot keep owners: everything becomes the extracting user's, the user
 * who then runs gatekeeper, and the modes lose the umask's bits.  A cache
 * saved by a non-root gatekeeper of one user and restored by another still
 * hits.
 */
static void test_restored_as_another_user(void **state)
{
	(void)state;
	need_server();
	if (geteuid() != 0) {
		gk_test_skip("not root, cannot act as other users");
	}
	char h[1][65];
	const char *body[] = {"another user"};
	chain(h, body, 1, "another user");
	char saver[PATH_MAX], restorer[PATH_MAX], dir[PATH_MAX], tarball[PATH_MAX];
	user_folder(saver, sizeof saver, "postgres");
	user_folder(restorer, sizeof restorer, "nobody");
	pjoin(dir, sizeof dir, saver, "cache");
	const char *self[] = {"self", NULL};
	assert_int_equal(run_as("postgres", self, "store", dir, saver, h[0]), 0);
	pjoin(tarball, sizeof tarball, root_dir, "another.tar");
	sh("tar --posix -cf '%s' -C '%s' cache", tarball, saver);
	assert_int_equal(chmod(tarball, 0644), 0);
	const char *untar[] = {"tar", "-xf", tarball, "-C", restorer, NULL};
	assert_int_equal(run_as("nobody", untar, NULL, NULL, NULL, NULL), 0);
	pjoin(dir, sizeof dir, restorer, "cache");
	/* The restored data folder (<dir>/pg<major>/data) is nobody's. */
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d)) && strncmp(e->d_name, "pg", 2) != 0)
		;
	assert_non_null(e);
	char home[PATH_MAX], data[PATH_MAX];
	pjoin(home, sizeof home, dir, e->d_name);
	closedir(d);
	pjoin(data, sizeof data, home, "data");
	struct stat st;
	assert_int_equal(stat(data, &st), 0);
	assert_int_equal(st.st_uid, getpwnam("nobody")->pw_uid);
	assert_int_equal(run_as("nobody", self, "find", dir, restorer, h[0]), 0);
	unlink(tarball);
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
		cmocka_unit_test_teardown(test_foreign_owner_not_used, close_leftovers),
		cmocka_unit_test_teardown(test_writable_folders_not_used, close_leftovers),
		cmocka_unit_test_teardown(test_symlinks_not_followed, close_leftovers),
		cmocka_unit_test_teardown(test_marker_required, close_leftovers),
		cmocka_unit_test_teardown(test_planted_configuration_reset, close_leftovers),
		cmocka_unit_test_teardown(test_restored_cache_hits, close_leftovers),
		cmocka_unit_test_teardown(test_restored_as_another_user, close_leftovers),
		cmocka_unit_test_teardown(test_unusable_folder_falls_back, close_leftovers),
		cmocka_unit_test_teardown(test_exit_and_signals_stop_the_server, close_leftovers),
		cmocka_unit_test_teardown(test_open_right_after_kill, close_leftovers),
	};
	if (getenv("GK_TEST_FILTER"))
		cmocka_set_test_filter(getenv("GK_TEST_FILTER"));
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
