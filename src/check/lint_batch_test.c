/*
 * lint_batch_test.c - runner settings of files passed one by one: the
 * files of one folder share the settings read from it (looked up once, not
 * once per file), and a file of another folder gets its own, unless both
 * folders are plain siblings (a Prisma history); two batches collected
 * side by side append into the one a single pass makes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check/check.h"
#include "layout/runner.h"
#include "util/util.h"

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void add(gk_lint_batch *b, const char *path)
{
	size_t from = b->n;
	assert_int_equal(gk_lint_batch_add_file(b, path), 0);
	assert_int_equal(gk_lint_batch_find_settings(b, from, path, false, GK_LAYOUT_PRISMA), 0);
}

static void test_settings_shared_by_folder(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/gk-lint-batch-XXXXXX";
	char *root = mkdtemp(tmpl);
	assert_non_null(root);
	char *a = gk_asprintf("%s/a", root), *bdir = gk_asprintf("%s/b", root);
	assert_int_equal(mkdir(a, 0700), 0);
	assert_int_equal(mkdir(bdir, 0700), 0);
	char *pkg = gk_asprintf("%s/package.json", a);
	write_text(pkg, "{\"devDependencies\": {\"prisma\": \"6.19.0\"}}\n");
	char *x = gk_asprintf("%s/x.sql", a), *y = gk_asprintf("%s/y.sql", a), *z = gk_asprintf("%s/z.sql", bdir);
	write_text(x, "SELECT 1;\n");
	write_text(y, "SELECT 2;\n");
	write_text(z, "SELECT 3;\n");

	gk_lint_batch b = {0};
	add(&b, x);
	add(&b, y);
	add(&b, z);
	assert_int_equal(b.n, 3);
	assert_ptr_equal(b.in[0].settings, b.in[1].settings);
	assert_int_equal(b.n_settings, 2);
	assert_ptr_not_equal(b.in[1].settings, b.in[2].settings);
	assert_string_equal(b.in[0].settings->prisma.version, "6.19.0");
	assert_string_equal(b.in[2].settings->prisma.version, "");
	gk_lint_batch_free(&b);
	/* A folder given as such: its own settings, not its parent's. */
	gk_lint_batch c = {0};
	assert_int_equal(gk_lint_batch_add_file(&c, x), 0);
	assert_int_equal(gk_lint_batch_find_settings(&c, 0, a, true, GK_LAYOUT_PRISMA), 0);
	assert_string_equal(c.in[0].settings->prisma.version, "6.19.0");
	gk_lint_batch_free(&c);

	unlink(x), unlink(y), unlink(z), unlink(pkg);
	rmdir(a), rmdir(bdir), rmdir(root);
	free(x), free(y), free(z), free(pkg), free(a), free(bdir);
}

/* Write `text` to root/rel, making its folders. */
static char *put(const char *root, const char *rel, const char *text)
{
	char *path = gk_asprintf("%s/%s", root, rel);
	assert_non_null(path);
	for (char *s = strchr(path + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(path, 0700);
		*s = '/';
	}
	if (text)
		write_text(path, text);
	else
		assert_int_equal(mkdir(path, 0700), 0);
	return path;
}

/* Remove the folder `root` and free the n paths made in it. */
static void remove_tree(const char *root, char **made, size_t n)
{
	char *rm = gk_asprintf("rm -rf '%s'", root);
	assert_int_equal(system(rm), 0);
	free(rm);
	for (size_t i = 0; i < n; i++)
		free(made[i]);
}

/*
 * A Prisma history passed file by file has a folder per migration: a
 * folder holding nothing the search reads shares the settings of the plain
 * sibling before it (its parent's), one with its own package.json does
 * not, and the settings read are those of a search from the folder itself.
 */
static void test_settings_shared_by_plain_siblings(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/gk-lint-batch-XXXXXX";
	char *root = mkdtemp(tmpl);
	assert_non_null(root);
	char *made[] = {
		put(root, ".git", NULL),
		put(root, "package.json", "{\"devDependencies\": {\"prisma\": \"6.19.0\"}}\n"),
		put(root, "m/1/a.sql", "SELECT 1;\n"),
		put(root, "m/2/b.sql", "SELECT 2;\n"),
		put(root, "m/3/package.json", "{\"devDependencies\": {\"prisma\": \"5.22.0\"}}\n"),
		put(root, "m/3/c.sql", "SELECT 3;\n"),
		put(root, "m/4/d.sql", "SELECT 4;\n"),
		put(root, "m/5/e.sql", "SELECT 5;\n"),
	};
	gk_lint_batch b = {0};
	for (size_t i = 2; i < sizeof made / sizeof *made; i++)
		if (i != 4)
			add(&b, made[i]);
	assert_int_equal(b.n, 5);
	assert_ptr_equal(b.in[0].settings, b.in[1].settings);
	assert_string_equal(b.in[0].settings->prisma.version, "6.19.0");
	assert_string_equal(b.in[0].settings->prisma.source, "package.json range 6.19.0");
	assert_string_equal(b.in[2].settings->prisma.version, "5.22.0");
	assert_string_equal(b.in[3].settings->prisma.version, "6.19.0");
	assert_ptr_equal(b.in[3].settings, b.in[4].settings);
	assert_int_equal(b.n_settings, 3);
	gk_lint_batch_free(&b);
	remove_tree(root, made, sizeof made / sizeof *made);
}

/*
 * Two batches collected side by side, each from its own paths, appended:
 * the inputs of the second follow those of the first, with the strings
 * and settings they borrow (valid after the second is freed), and the
 * second is left empty.
 */
static void test_append(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/gk-lint-batch-XXXXXX";
	char *root = mkdtemp(tmpl);
	assert_non_null(root);
	char *made[] = {
		put(root, ".git", NULL),
		put(root, "one/package.json", "{\"devDependencies\": {\"prisma\": \"6.19.0\"}}\n"),
		put(root, "one/a.sql", "SELECT 1;\n"),
		put(root, "one/b.sql", "SELECT 2;\n"),
		put(root, "two/package.json", "{\"devDependencies\": {\"prisma\": \"5.22.0\"}}\n"),
		put(root, "two/c.sql", "SELECT 3;\n"),
	};
	gk_lint_batch first = {0}, second = {0};
	add(&first, made[2]);
	add(&second, made[3]);
	add(&second, made[5]);
	assert_int_equal(gk_lint_batch_append(&first, &second), 0);
	assert_int_equal(second.n, 0);
	assert_int_equal(second.n_settings, 0);
	assert_null(second.in);
	gk_lint_batch_free(&second); /* again: nothing of the inputs' is freed */
	assert_int_equal(first.n, 3);
	assert_int_equal(first.n_settings, 3); /* the folder "one" looked up by each side */
	assert_string_equal(first.in[0].path, made[2]);
	assert_string_equal(first.in[1].path, made[3]);
	assert_string_equal(first.in[2].path, made[5]);
	assert_string_equal(first.in[1].settings->prisma.version, "6.19.0");
	assert_string_equal(first.in[2].settings->prisma.version, "5.22.0");
	/* An empty batch appends nothing, either way round. */
	gk_lint_batch empty = {0};
	assert_int_equal(gk_lint_batch_append(&first, &empty), 0);
	assert_int_equal(first.n, 3);
	assert_int_equal(gk_lint_batch_append(&empty, &first), 0);
	assert_int_equal(empty.n, 3);
	assert_int_equal(first.n, 0);
	assert_string_equal(empty.in[2].settings->prisma.version, "5.22.0");
	gk_lint_batch_free(&empty);
	remove_tree(root, made, sizeof made / sizeof *made);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settings_shared_by_folder),
		cmocka_unit_test(test_settings_shared_by_plain_siblings),
		cmocka_unit_test(test_append),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
