/*
 * dircache_test.c - gk_dir_cache gives the answers of realpath(),
 * gk_files_root(), gk_path_canonical() and open() (through links, above and
 * below a .git, for names that do not exist), and asks each folder once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/files.h"
#include "util/dircache.h"
#include "util/test_support.h"

static char root[PATH_MAX];

static char *at(const char *rel)
{
	return gk_asprintf("%s/%s", root, rel);
}

static void mk(const char *rel, const char *text)
{
	char *p = at(rel);
	test_write_file(p, text);
	free(p);
}

static int setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(root, sizeof root, "%s/gk-dircache-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(root))
		return -1;
	/* repo/.git, repo/db/m1, repo/db/m2; a link to repo/db; a folder outside any repository */
	mk("repo/.git/HEAD", "ref: refs/heads/main\n");
	mk("repo/db/m1/migration.sql", "SELECT 1;");
	mk("repo/db/m2/migration.sql", "SELECT 1;");
	mk("repo/db/package-lock.json", "{}");
	mk("plain/x/a.sql", "SELECT 1;");
	char *target = at("repo/db"), *link = at("via");
	int rc = symlink(target, link);
	free(target);
	free(link);
	return rc;
}

static int teardown(void **state)
{
	(void)state;
	test_rm_tree(root);
	return 0;
}

/* The cached answer equals the uncached one for `rel` (under root). */
static void same_real(gk_dir_cache *c, const char *rel)
{
	char *p = at(rel), *want = realpath(p, NULL), *got = gk_dir_cache_realpath(c, p);
	if (want)
		assert_string_equal(got, want);
	else
		assert_null(got);
	free(want);
	free(got);
	free(p);
}

static void test_dircache__realpath_through_links(void **state)
{
	(void)state;
	gk_dir_cache *c = gk_dir_cache_new();
	assert_non_null(c);
	static const char *const rels[] = {"repo/db/m1", "via/m1", "via/m2/migration.sql", "via", "repo/db/m1",
					   "missing/m1", "via/nothing", "repo/db/m2/../m1"};
	for (size_t i = 0; i < sizeof rels / sizeof *rels; i++)
		same_real(c, rels[i]);
	gk_dir_cache_free(c);
}

/* A chain of `n` links in the folder `dir` (under root, "" or ending in
 * '/'): <p>0 -> <p>1 -> ... -> <p>n-1 -> end. */
static void mk_chain(const char *dir, const char *p, int n, const char *end)
{
	for (int i = 0; i < n; i++) {
		char name[64], to[64];
		snprintf(name, sizeof name, "%s%s%d", dir, p, i);
		snprintf(to, sizeof to, "%s%d", p, i + 1);
		char *l = at(name);
		assert_int_equal(symlink(i == n - 1 ? end : to, l), 0);
		free(l);
	}
}

/* Links for the walks below: a loop, a dangling link, a link to a file, a
 * relative and an absolute link to folders, and chains: c0 -> c1 -> ... ->
 * c40 -> plain (c0 follows 41 links, one too many; c1 40) and, inside
 * plain, l0 -> ... -> l9 -> x (10 more for a path through both). */
static void mk_links(void)
{
	static const char *const links[][2] = {
		{"loop1", "loop2"}, {"loop2", "loop1"}, {"dangling", "nowhere"},
		{"filelink", "repo/db/package-lock.json"}, {"up", "repo/db/m1"}, {"deep", "repo/db/../db/m2"},
	};
	for (size_t i = 0; i < sizeof links / sizeof *links; i++) {
		char *l = at(links[i][0]);
		assert_int_equal(symlink(links[i][1], l), 0);
		free(l);
	}
	char *abs = at("plain"), *l = at("abs");
	assert_int_equal(symlink(abs, l), 0);
	free(abs);
	free(l);
	mk_chain("", "c", 41, "plain");
	mk_chain("plain/", "l", 10, "x");
}

/* Paths under root (relative to it) that realpath() resolves or refuses in
 * every way it can. */
static const char *const walks[] = {
	"repo/db/m1", "repo/db/m2/../m1", "via/..", "via/../..", "via/m1/..", "up/..", "up/../../..",
	"deep", "deep/../m1", "dangling", "dangling/", "dangling/x", "dangling/..", "loop1", "loop1/x",
	"loop1/..", "loop2/", "filelink", "filelink/", "filelink/..", "filelink/.", "filelink/x",
	"repo/db/package-lock.json", "repo/db/package-lock.json/x", "repo/db/package-lock.json/",
	"repo/db/package-lock.json/..", "repo/db/package-lock.json/.", "repo/db/package-lock.json/./x",
	"missing", "missing/m1", "missing/..", "missing/.", "repo//db///m1/", "repo/./db/.", "./repo/db/",
	"via/", "via//", "via/.", ".", "..", "../..", "abs", "abs/x", "abs/../repo", "c0", "c1", "c0/x",
	"c1/x", "c1/..", "c10/l0", "c10/l1", "c10/l0", "c11/l0", "c30/l0", "c11/l0/..", "plain/l0", "plain/l0/",
	"filelink/x", "filelink/y", "repo/db/m2", "repo/db/m1", "repo/db/m1/", "repo/db/m1/..",
	"repo/db/m1/migration.sql", "repo/db/m1/migration.sql/",
};

/* gk_dir_cache_realpath(p) is realpath(p): the same path, or NULL and the
 * same errno; so is gk_dir_cache_folder_to_list(p), then with the listing
 * of the folder a fresh cache gives (below root: the folders above it are
 * shared with other programs, which may change them meanwhile). */
static void same_realpath(gk_dir_cache *c, const char *p, bool to_list)
{
	errno = 0;
	char *want = realpath(p, NULL);
	int want_errno = errno;
	errno = 0;
	char *got = to_list ? gk_dir_cache_folder_to_list(c, p) : gk_dir_cache_realpath(c, p);
	int got_errno = errno;
	char *real_root = realpath(root, NULL);
	assert_non_null(real_root);
	bool below = got && strncmp(got, real_root, strlen(real_root)) == 0;
	free(real_root);
	if (to_list && below) {
		const char *const *names = NULL, *const *fresh_names = NULL;
		size_t n = 0, fresh_n = 0;
		gk_dir_cache *fresh = gk_dir_cache_new();
		int rc = gk_dir_cache_list(c, got, &names, &n), fresh_rc = gk_dir_cache_list(fresh, got, &fresh_names, &fresh_n);
		assert_int_equal(rc, fresh_rc);
		assert_int_equal(n, fresh_n);
		for (size_t i = 0; i < n; i++)
			assert_string_equal(names[i], fresh_names[i]);
		gk_dir_cache_free(fresh);
	}
	if (want) {
		if (!got || strcmp(got, want) != 0)
			fail_msg("%s: %s, realpath %s", p, got ? got : strerror(got_errno), want);
	} else if (got || got_errno != want_errno) {
		fail_msg("%s: %s, realpath fails: %s", p, got ? got : strerror(got_errno), strerror(want_errno));
	}
	free(want);
	free(got);
}

/* Every walk, absolute and relative, with the cache filled in the order
 * given or backwards: a cached step answers as realpath() would. */
static void walk_all(bool backwards, bool to_list)
{
	char cwd[PATH_MAX];
	assert_non_null(getcwd(cwd, sizeof cwd));
	size_t n = sizeof walks / sizeof *walks;
	gk_dir_cache *c = gk_dir_cache_new();
	for (size_t k = 0; k < n; k++) {
		char *p = at(walks[backwards ? n - 1 - k : k]);
		same_realpath(c, p, to_list);
		free(p);
	}
	static const char *const absolute[] = {"/", "/..", "/../..", "//", "/.", "/./", ""};
	for (size_t k = 0; k < sizeof absolute / sizeof *absolute; k++)
		same_realpath(c, absolute[k], to_list);
	assert_int_equal(chdir(root), 0);
	gk_dir_cache *rel = gk_dir_cache_new(); /* it keeps the working folder of its first question */
	for (size_t k = 0; k < n; k++) {
		same_realpath(rel, walks[backwards ? n - 1 - k : k], to_list);
		char *up = gk_asprintf("../%s/%s", strrchr(root, '/') + 1, walks[k]);
		same_realpath(rel, up, to_list);
		free(up);
	}
	assert_int_equal(chdir(cwd), 0);
	gk_dir_cache_free(rel);
	gk_dir_cache_free(c);
}

static void test_dircache__realpath_as_glibc(void **state)
{
	(void)state;
	mk("plain/x/b.sql", "SELECT 1;");
	mk_links();
	walk_all(false, false);
	walk_all(true, false);
	/* A folder about to be listed is opened rather than asked by lstat:
	 * the same answers, and the same listing. */
	walk_all(false, true);
	walk_all(true, true);
}

static void same_root(gk_dir_cache *c, const char *rel)
{
	char *p = at(rel), *want = gk_files_root(p), *got = gk_dir_cache_root(c, p);
	assert_non_null(want);
	assert_string_equal(got, want);
	free(want);
	free(got);
	free(p);
}

static void test_dircache__root_is_the_nearest_git(void **state)
{
	(void)state;
	gk_dir_cache *c = gk_dir_cache_new();
	same_root(c, "repo/db/m1");
	same_root(c, "via/m2"); /* through the link: the repository of its target */
	same_root(c, "repo");
	same_root(c, "plain/x"); /* no repository: the folder itself */
	char *p = at("via/m1"), *got = gk_dir_cache_root(c, p), *want = at("repo");
	char *real_want = realpath(want, NULL);
	assert_string_equal(got, real_want);
	free(real_want);
	free(want);
	free(got);
	free(p);
	gk_dir_cache_free(c);
}

/* What gk_path_canonical is: absolute, "." and ".." applied as text, then
 * the longest prefix realpath() resolves replaced by its real path. */
static char *canonical_ref(const char *path)
{
	char cwd[PATH_MAX];
	assert_non_null(getcwd(cwd, sizeof cwd));
	char *abs = path[0] == '/' ? gk_strdup(path) : gk_asprintf("%s/%s", cwd, path);
	gk_path_normalise(abs);
	for (size_t cut = strlen(abs); cut > 0;) {
		char saved = abs[cut];
		abs[cut] = '\0';
		char *real = realpath(abs, NULL);
		abs[cut] = saved;
		if (real) {
			char *r = gk_asprintf("%s%s", strcmp(real, "/") ? real : "", abs + cut);
			free(real);
			free(abs);
			if (!*r) {
				free(r);
				r = gk_strdup("/");
			}
			return r;
		}
		do
			cut--;
		while (cut > 0 && abs[cut] != '/');
	}
	return abs;
}

static void same_canonical(gk_dir_cache *c, const char *path)
{
	char *want = canonical_ref(path), *got = gk_dir_cache_canonical(c, path), *once = gk_path_canonical(path);
	if (strcmp(got, want) != 0 || strcmp(once, want) != 0)
		fail_msg("%s: %s (uncached %s), want %s", path, got, once, want);
	free(want);
	free(got);
	free(once);
}

static void test_dircache__canonical(void **state)
{
	(void)state;
	gk_dir_cache *c = gk_dir_cache_new();
	static const char *const rels[] = {"via/m1", "via/m1/not/yet", "repo/./db//m2/", "via/../plain", "/"};
	for (size_t i = 0; i < sizeof rels / sizeof *rels; i++) {
		char *p = rels[i][0] == '/' ? gk_strdup(rels[i]) : at(rels[i]);
		same_canonical(c, p);
		free(p);
	}
	char cwd[PATH_MAX];
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(root), 0);
	same_canonical(c, "via/m2"); /* relative: against the working folder */
	same_canonical(c, ".");
	/* Where a walk stops: the real path reached, then the rest as written. */
	mk_links();
	static const char *const more[] = {"via/m1/../x", "dangling/x/y", "loop1/y", "filelink/z", "c10/l0/q",
					   "c11/l0/q", "c0", "repo/db/package-lock.json/a/b", "missing/a/../b",
					   "/nonexistent/x", "/..", "abs/../repo/db/m9"};
	for (size_t i = 0; i < sizeof walks / sizeof *walks; i++)
		same_canonical(c, walks[i]);
	for (size_t i = 0; i < sizeof more / sizeof *more; i++)
		same_canonical(c, more[i]);
	assert_int_equal(chdir(cwd), 0);
	gk_dir_cache_free(c);
}

static void test_dircache__names_listed_once(void **state)
{
	(void)state;
	gk_dir_cache *c = gk_dir_cache_new();
	char *db = at("repo/db"), *gone = at("repo/nothing"), *file = at("repo/db/package-lock.json");
	assert_int_equal(gk_dir_cache_has(c, db, "package-lock.json"), 1);
	assert_int_equal(gk_dir_cache_has(c, db, "m1"), 1);
	assert_int_equal(gk_dir_cache_has(c, db, "yarn.lock"), 0);
	assert_int_equal(gk_dir_cache_has(c, gone, "yarn.lock"), 0); /* no such folder */
	assert_int_equal(gk_dir_cache_has(c, file, "x"), 0);         /* not a folder */
	assert_int_equal(gk_dir_cache_has(c, "repo/db", "m1"), -1);  /* relative: not cached, ask */
	assert_int_equal(gk_dir_cache_has(c, db, "conf/flyway.conf"), -1);
	/* The whole listing, sorted, from the same one listing. */
	const char *const *names = NULL;
	size_t n = 0;
	assert_int_equal(gk_dir_cache_list(c, db, &names, &n), 1);
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "m1");
	assert_string_equal(names[1], "m2");
	assert_string_equal(names[2], "package-lock.json");
	assert_int_equal(gk_dir_cache_list(c, gone, &names, &n), 0);
	assert_int_equal(gk_dir_cache_list(c, "repo/db", &names, &n), -1);
	/* Listed once: a file made since is not seen by this cache (a run does
	 * not change the folders it lints), but by a new one. */
	mk("repo/db/yarn.lock", "");
	assert_int_equal(gk_dir_cache_has(c, db, "yarn.lock"), 0);
	gk_dir_cache *fresh = gk_dir_cache_new();
	assert_int_equal(gk_dir_cache_has(fresh, db, "yarn.lock"), 1);
	gk_dir_cache_free(fresh);
	free(db);
	free(gone);
	free(file);
	gk_dir_cache_free(c);
}

/* Many folders: the table grows and keeps every entry. */
static void test_dircache__many_folders(void **state)
{
	(void)state;
	gk_dir_cache *c = gk_dir_cache_new();
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 600; i++) {
			char rel[64];
			snprintf(rel, sizeof rel, "repo/db/m%d", i);
			char *p = at(rel), *r = gk_dir_cache_realpath(c, p);
			if (i < 1 || i > 2) { /* only m1 and m2 exist */
				assert_null(r);
			} else {
				char *want = realpath(p, NULL);
				assert_string_equal(r, want);
				free(want);
			}
			free(r);
			free(p);
		}
	gk_dir_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dircache__realpath_through_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dircache__realpath_as_glibc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dircache__root_is_the_nearest_git, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dircache__canonical, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dircache__names_listed_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dircache__many_folders, setup, teardown),
	};
	return cmocka_run_group_tests_name("dircache", tests, NULL, NULL);
}
