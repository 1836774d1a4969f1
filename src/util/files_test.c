/*
 * files_test.c - gk_files_collect(): sorted recursive walk, folders named
 * *.sql, excludes, links that loop back up the tree, dangling links.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gatekeeper/files.h"
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
	assert_int_equal(gk_files_collect(&l, root, ex, nex, &err), 0);
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

/* Empty folders, the root one too: nothing, and no sort of no entries
 * (qsort of NULL is undefined, which UBSan reports under make asan). */
static void test_files__empty_folders(void **state)
{
	(void)state;
	gk_file_list l = {0};
	gk_error err = {0};
	assert_int_equal(gk_files_collect(&l, root, NULL, 0, &err), 0);
	assert_int_equal(l.n, 0);
	char *sub = gk_asprintf("%s/empty", root);
	assert_int_equal(mkdir(sub, 0755), 0);
	free(sub);
	assert_int_equal(gk_files_collect(&l, root, NULL, 0, &err), 0);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_files__sorted_recursive_with_sql_named_folders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_files__excludes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_files__empty_folders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_files__links_loop_and_dangle, setup, teardown),
	};
	return cmocka_run_group_tests_name("files", tests, NULL, NULL);
}
