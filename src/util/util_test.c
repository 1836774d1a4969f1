/* util_test.c - UTF-8 helpers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "util/util.h"

static void test_util__utf8_whole_drops_a_cut_sequence(void **state)
{
	(void)state;
	const char *s = "ab\xc3\xa9\xe2\x98\x95"; /* a b é ☕ */
	assert_int_equal(gk_utf8_whole(s, 7), 7);  /* whole */
	assert_int_equal(gk_utf8_whole(s, 6), 4);  /* ☕ cut after 2 of 3 bytes */
	assert_int_equal(gk_utf8_whole(s, 5), 4);  /* ☕ cut after 1 byte */
	assert_int_equal(gk_utf8_whole(s, 4), 4);  /* é whole */
	assert_int_equal(gk_utf8_whole(s, 3), 2);  /* é cut */
	assert_int_equal(gk_utf8_whole(s, 2), 2);
	assert_int_equal(gk_utf8_whole(s, 0), 0);
	assert_int_equal(gk_utf8_whole("\xf0\x9f\x98", 3), 0); /* 4-byte sequence cut */
}

static void test_util__utf8_valid(void **state)
{
	(void)state;
	size_t bad = 99;
	assert_true(gk_utf8_valid("caf\xc3\xa9", 5, &bad));
	assert_false(gk_utf8_valid("caf\xe9!", 5, &bad));
	assert_int_equal(bad, 3);
	assert_false(gk_utf8_valid("\xc0\xaf", 2, &bad)); /* overlong */
	assert_false(gk_utf8_valid("\xed\xa0\x80", 3, &bad)); /* surrogate */
	assert_false(gk_utf8_valid("ab\xc3", 3, &bad));
	assert_int_equal(bad, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_util__utf8_whole_drops_a_cut_sequence),
		cmocka_unit_test(test_util__utf8_valid),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
