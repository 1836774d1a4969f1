/*
 * files_test.c - gk_files_collect(): sorted recursive walk, folders named
 * *.sql, excludes, links that loop back up the tree, dangling links.
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
#include <sys/stat.h>
#include <unistd.h>

#include "util/files.h"
#include "util/test_support.h"

static char root[PATH_MAX];

static void mk(const char *rel, const char *text)
{
	char *p = gk_asprintf("%s/%s", root, rel);
	test_write_file(p, text);
	free(p);
}

static void link_to(const char *target, const char *rel)
{
	char *p = gk_asprintf("%s/%s", root, rel);
	assert_int_equal(symlink(target, p), 0);
	free(p);
}

static int setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(root, sizeof root, "%s/gk-files-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	test_rm_tree(root);
	return 0;
}

/* The collected paths relative to root, one per line. */
static char *collect(const char *const *ex, size_t nex)
{
	gk_file_list l = {0};
	gk_error err = {0};
	assert_int_equal(gk_files_collect(&l, root, NULL, ex, nex, &err), 0);
	gk_buf b = GK_BUF_INIT;
	for (size_t i = 0; i < l.n; i++)
		gk_buf_printf(&b, "%s\n", l.paths[i] + strlen(root) + 1);
	gk_file_list_free(&l);
	return gk_buf_take(&b);
}

static void test_files__sorted_recursive_with_sql_named_folders(void **state)
{
	(void)state;
	mk("b.sql", "SELECT 1;");
	mk("a/2.sql", "SELECT 1;");
	mk("a/1.sql", "SELECT 1;");
	mk("a/notes.md", "x");
	mk("x.sql/migration.sql", "SELECT 1;"); /* a folder whose name ends in .sql is walked */
	mk(".hidden/skip.sql", "SELECT 1;");
	char *got = collect(NULL, 0);
	assert_string_equal(got, "a/1.sql\na/2.sql\nb.sql\nx.sql/migration.sql\n");
	free(got);
}

static void test_files__excludes(void **state)
{
	(void)state;
	mk("m/1/up.sql", "SELECT 1;");
	mk("m/1/down.sql", "SELECT 1;");
	const char *ex[] = {"**/down.sql"};
	char *got = collect(ex, 1);
	assert_string_equal(got, "m/1/up.sql\n");
	free(got);
}

/* A glob without '/' also matches the file name alone, as users expect of
 * `--exclude 'V1_1*'` (and .gitignore does); one with '/' matches paths. */
static void test_files__exclude_bare_name(void **state)
{
	(void)state;
	mk("db/V1_1__init.sql", "SELECT 1;");
	mk("db/V1_10__more.sql", "SELECT 1;");
	mk("db/V2__next.sql", "SELECT 1;");
	const char *bare[] = {"V1_1_*"};
	char *got = collect(bare, 1);
	assert_string_equal(got, "db/V1_10__more.sql\ndb/V2__next.sql\n");
	free(got);
	const char *slash[] = {"V*/x", "**/db/V1*"};
	got = collect(slash, 2);
	assert_string_equal(got, "db/V2__next.sql\n");
	free(got);
	assert_true(gk_exclude_match("V1_1*", "db/sub/V1_1__init.sql"));
	assert_true(gk_exclude_match("V1_1*", "V1_1__init.sql"));
	assert_false(gk_exclude_match("db/V1_1*", "other/db/V1_1__init.sql"));
	assert_false(gk_exclude_match("V2*", "db/V1_1__init.sql"));
	assert_false(gk_exclude_match("V1*", "V1dir/"));
}

/* Empty folders, the root one too: nothing, and no sort of no entries
 * (qsort of NULL is undefined, which UBSan reports under make asan). */
static void test_files__empty_folders(void **state)
{
	(void)state;
	gk_file_list l = {0};
	gk_error err = {0};
	assert_int_equal(gk_files_collect(&l, root, NULL, NULL, 0, &err), 0);
	assert_int_equal(l.n, 0);
	char *sub = gk_asprintf("%s/empty", root);
	assert_int_equal(mkdir(sub, 0755), 0);
	free(sub);
	assert_int_equal(gk_files_collect(&l, root, NULL, NULL, 0, &err), 0);
	assert_int_equal(l.n, 0);
	gk_file_list_free(&l);
}

static void test_files__links_loop_and_dangle(void **state)
{
	(void)state;
	mk("m/1.sql", "SELECT 1;");
	link_to("..", "m/up");            /* loops back to root: must not be walked again */
	link_to("no/such/file.sql", "m/gone.sql"); /* dangling: kept, so linting reports it */
	link_to("1.sql", "m/alias.sql");  /* a link to a file is a file */
	char *got = collect(NULL, 0);
	assert_string_equal(got, "m/1.sql\nm/alias.sql\nm/gone.sql\n");
	free(got);
}

/* Links lead only inside the root (the folder given, outside a repository;
 * the repository otherwise); each folder is walked once; files keep the
 * identity they were judged by. */
static void test_files__links_stay_inside_and_folders_once(void **state)
{
	(void)state;
	mk("repo/db/1.sql", "SELECT 1;");
	mk("repo/shared/s.sql", "SELECT 2;");
	mk("outside.sql", "SELECT 3;");
	link_to("../../outside.sql", "repo/db/out.sql");
	link_to("/etc/passwd", "repo/db/passwd.sql");
	link_to("/etc", "repo/db/etc");
	link_to("../shared", "repo/db/a");    /* the same folder through two links */
	link_to("../shared", "repo/db/b");
	link_to("../shared/s.sql", "repo/db/in.sql");
	link_to("b", "repo/db/c");            /* a link to a link */
	link_to("loop2", "repo/db/loop1");    /* a loop of links */
	link_to("loop1", "repo/db/loop2");
	char *dir = gk_asprintf("%s/repo/db", root);
	gk_file_list l = {0};
	gk_error err = {0};
	/* Outside a repository: the folder given is the limit. */
	assert_int_equal(gk_files_collect(&l, dir, NULL, NULL, 0, &err), 0);
	gk_buf b = GK_BUF_INIT;
	for (size_t i = 0; i < l.n; i++)
		gk_buf_printf(&b, "%s %s\n", l.paths[i] + strlen(dir) + 1, l.refused[i] ? "refused" : l.ids[i].judged ? "ok" : "-");
	char *got = gk_buf_take(&b);
	assert_string_equal(got, "1.sql ok\na refused\nb refused\nc refused\netc refused\nin.sql refused\n"
				 "out.sql refused\npasswd.sql refused\n");
	free(got);
	gk_file_list_free(&l);
	/* In a repository: the shared folder is inside, walked once (a, b and c lead to it). */
	char *git = gk_asprintf("%s/repo/.git", root);
	assert_int_equal(mkdir(git, 0700), 0);
	assert_int_equal(gk_files_collect(&l, dir, NULL, NULL, 0, &err), 0);
	for (size_t i = 0; i < l.n; i++)
		gk_buf_printf(&b, "%s %s\n", l.paths[i] + strlen(dir) + 1, l.refused[i] ? "refused" : l.ids[i].judged ? "ok" : "-");
	got = gk_buf_take(&b);
	assert_string_equal(got, "1.sql ok\na/s.sql ok\netc refused\nin.sql ok\nout.sql refused\npasswd.sql refused\n");
	free(got);
	for (size_t i = 0; i < l.n; i++)
		if (strstr(l.paths[i], "passwd.sql"))
			assert_non_null(strstr(l.refused[i], "symbolic link to /etc/passwd, outside "));
	gk_file_list_free(&l);
	/* A file named directly: the same rule, from its own folder. */
	char *f = gk_asprintf("%s/out.sql", dir);
	assert_int_equal(gk_files_collect(&l, f, NULL, NULL, 0, &err), 0);
	assert_int_equal(l.n, 1);
	assert_non_null(l.refused[0]);
	gk_file_list_free(&l);
	free(f);
	free(git);
	free(dir);
}

/* One lstat says what a path is; a link is followed by a stat, a missing
 * path or a name below a file fails both alike. */
static void test_files__path_stat(void **state)
{
	(void)state;
	mk("d/a.sql", "SELECT 1;");
	link_to("d", "to_d");
	link_to("nowhere", "dangling.sql");
	static const struct {
		const char *rel;
		int lstat_errno, stat_errno;
		bool link, dir;
	} cases[] = {
		{"d/a.sql", 0, 0, false, false}, {"d", 0, 0, false, true}, {"to_d", 0, 0, true, true},
		{"to_d/", 0, 0, false, true}, {"dangling.sql", 0, ENOENT, true, false},
		{"gone.sql", ENOENT, ENOENT, false, false}, {"d/a.sql/x", ENOTDIR, ENOTDIR, false, false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *p = gk_asprintf("%s/%s", root, cases[i].rel);
		gk_path_stat ps;
		gk_path_stat_read(&ps, p);
		assert_int_equal(ps.lstat_errno, cases[i].lstat_errno);
		assert_int_equal(ps.stat_errno, cases[i].stat_errno);
		assert_int_equal(ps.lstat_errno == 0 && S_ISLNK(ps.lst.st_mode), cases[i].link);
		assert_int_equal(gk_path_stat_is_dir(&ps), cases[i].dir);
		struct stat st;
		if (cases[i].stat_errno == 0) { /* what stat says of it */
			assert_int_equal(stat(p, &st), 0);
			assert_int_equal(ps.st.st_ino, st.st_ino);
		}
		free(p);
	}
}

/* Told what the path is, the collection believes it: a path said to be a
 * folder is walked, a file is taken as it is, without asking again. */
static void test_files__collect_told_what_path_is(void **state)
{
	(void)state;
	mk("d/a.sql", "SELECT 1;");
	mk("d/b.sql", "SELECT 2;");
	char *d = gk_asprintf("%s/d", root), *a = gk_asprintf("%s/d/a.sql", root);
	gk_path_stat said_dir, said_file;
	gk_path_stat_read(&said_dir, d);
	gk_path_stat_read(&said_file, a);
	gk_file_list l = {0};
	gk_error err = {0};
	assert_int_equal(gk_files_collect(&l, d, &said_dir, NULL, 0, &err), 0);
	assert_int_equal(l.n, 2);
	gk_file_list_free(&l);
	/* The folder, said to be a file: taken as the one path. */
	assert_int_equal(gk_files_collect(&l, d, &said_file, NULL, 0, &err), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.paths[0], d);
	gk_file_list_free(&l);
	free(d);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_files__sorted_recursive_with_sql_named_folders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_files__excludes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_files__exclude_bare_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_files__empty_folders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_files__links_loop_and_dangle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_files__links_stay_inside_and_folders_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_files__path_stat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_files__collect_told_what_path_is, setup, teardown),
	};
	return cmocka_run_group_tests_name("files", tests, NULL, NULL);
}
