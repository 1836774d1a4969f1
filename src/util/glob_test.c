/*
 * glob_test.c - gk_glob_match(): fnmatch's syntax within a component,
 * `**` across folders, and work bounded by pattern x path.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/files.h"
#include "util/glob.h"
#include "util/util.h"

typedef struct gcase {
	const char *pattern, *path;
	bool match;
} gcase;

static void check_cases(const gcase *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (gk_glob_match(c[i].pattern, c[i].path) != c[i].match)
			fail_msg("'%s' against '%s': expected %s", c[i].pattern, c[i].path, c[i].match ? "a match" : "none");
}

static void test_glob__within_a_component(void **state)
{
	(void)state;
	static const gcase c[] = {
		{"db/*.sql", "db/1.sql", true},
		{"db/*.sql", "db/a/1.sql", false},     /* * stops at '/' */
		{"*", "a/b", false},
		{"*", "", true},
		{"", "", true},
		{"", "a", false},
		{"db/?.sql", "db/1.sql", true},
		{"db/?.sql", "db/12.sql", false},
		{"a?b", "a/b", false},                 /* ? is not '/' */
		{"*.sql", ".hidden.sql", true},       /* no special leading dot */
		{"[0-9]*_up.sql", "20240101_up.sql", true},
		{"[!0-9]*", "1.sql", false},
		{"[^0-9]*", "a.sql", true},
		{"[[:digit:]][[:alpha:]]", "1a", true},
		{"[[:digit:]][[:alpha:]]", "a1", false},
		{"[]]", "]", true},
		{"a[/]b", "a/b", false},               /* a bracket never takes '/' */
		{"[ab", "[ab", true},                  /* unclosed: '[' is itself */
		{"\\*", "*", true},
		{"\\*", "x", false},
		{"a\\", "a\\", false},                 /* a trailing '\' matches nothing */
	};
	check_cases(c, sizeof c / sizeof *c);
}

static void test_glob__globstar(void **state)
{
	(void)state;
	static const gcase c[] = {
		{"**/down.sql", "down.sql", true},
		{"**/down.sql", "m/1/down.sql", true},
		{"**/down.sql", "m/1/xdown.sql", false},
		{"**/down.sql", "m/1/down.sql/x", false},
		{"db/**", "db/a/b.sql", true},
		{"db/**", "db/", true},
		{"db/**", "db", false},
		{"db/**/", "db/x", true},              /* "**" then "/" at the end: anything */
		{"db/**/*.sql", "db/1.sql", true},
		{"db/**/*.sql", "db/a/b/1.sql", true},
		{"db/**/*.sql", "db/a/b/1.txt", false},
		{"a**b", "ab", true},                  /* an empty run */
		{"a**b", "a/x/b", true},
		{"a**b", "axb", false},                /* a run ends with '/' */
		{"**.sql", "a/b.sql", false},
		{"**", "", true},
		{"****", "any/thing", true},
		{"***x", "a/bx", true},                /* "**", then "*" in the last component */
		{"***x", "ax/b", false},
		/* wildcards before a "**" are wildcards too */
		{"**/m/*/**/down.sql", "x/m/1/y/down.sql", true},
		{"*/migrations/**", "db/migrations/1/up.sql", true},
		{"*/migrations/**", "a/db/migrations/1/up.sql", false},
		{"[ab]/**/x", "b/c/x", true},
	};
	check_cases(c, sizeof c / sizeof *c);
}

static char *repeat(const char *s, size_t n, const char *tail)
{
	gk_buf b = GK_BUF_INIT;
	for (size_t i = 0; i < n; i++)
		gk_buf_puts(&b, s);
	gk_buf_puts(&b, tail);
	return gk_buf_take(&b);
}

/*
 * The shapes that made the recursive matcher exponential: each "**" (or
 * "*") tried every position for the rest of the pattern.  Here the work is
 * at most (pattern + 1) x (path + 1) state visits, checked by counting them
 * (not by a clock, which would fail on a loaded machine or pass on a fast
 * one).
 */
static void test_glob__work_is_bounded(void **state)
{
	(void)state;
	struct {
		char *pattern, *path;
		bool match;
	} c[] = {
		{repeat("**/", 30, "*x"), repeat("a/", 200, "b"), false},
		{repeat("**/", 30, "*x"), repeat("a/", 200, "bx"), true},
		{repeat("*a", 40, "*b"), repeat("a", 2000, ""), false},
		{repeat("**a", 40, "b"), repeat("a/", 500, "a"), false},
		{repeat("?*", 50, "/x"), repeat("y", 3000, ""), false},
	};
	for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
		size_t steps = 0, np = strlen(c[i].pattern), ns = strlen(c[i].path);
		bool hit = gk_glob_match_counted(c[i].pattern, c[i].path, &steps);
		if (hit != c[i].match)
			fail_msg("case %zu: expected %s", i, c[i].match ? "a match" : "none");
		if (steps > (np + 1) * (ns + 1))
			fail_msg("case %zu: %zu steps for a pattern of %zu and a path of %zu", i, steps, np, ns);
		free(c[i].pattern);
		free(c[i].path);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glob__within_a_component),
		cmocka_unit_test(test_glob__globstar),
		cmocka_unit_test(test_glob__work_is_bounded),
	};
	return cmocka_run_group_tests_name("glob", tests, NULL, NULL);
}
