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

/* Durations of --timeout, --replay-timeout and replay_timeout:. */
static void test_util__durations(void **state)
{
	(void)state;
	static const struct { const char *in; double secs; } ok[] = {
		{"300", 300}, {"90s", 90}, {"5min", 300}, {"5m", 300}, {"1h", 3600}, {"1500ms", 1.5},
		{"0.5", 0.5}, {"24h", 86400}, {"0", 0},
	};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		double v = -1;
		assert_int_equal(gk_parse_duration(ok[i].in, &v), 0);
		assert_true(v == ok[i].secs);
	}
	static const char *const bad[] = {"", "s", "-1", "+1", " 1", "1 s", "5 years", "2d", "25h", "nan", "inf", "1e999"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		double v = -1;
		if (gk_parse_duration(bad[i], &v) != -1)
			fail_msg("'%s' parsed as %g", bad[i], v);
	}
	char buf[32];
	static const struct { double secs; const char *out; } shown[] = {
		{300, "5 min"}, {1, "1 s"}, {1.5, "1.5 s"}, {0.5, "500 ms"}, {7200, "2 h"}, {90, "90 s"},
	};
	for (size_t i = 0; i < sizeof shown / sizeof *shown; i++) {
		gk_format_duration(buf, sizeof buf, shown[i].secs);
		assert_string_equal(buf, shown[i].out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_util__utf8_whole_drops_a_cut_sequence),
		cmocka_unit_test(test_util__utf8_valid),
		cmocka_unit_test(test_util__durations),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
