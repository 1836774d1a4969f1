/*
 * skip_test_support.h - a test that cannot run here says why, in the words
 * ci/run-unit.sh reads, so that the summary counts it and names the reason
 * (a test that cannot run never passes silently, and a skip without a
 * reason fails the run).  Include after <cmocka.h>.
 *
 *   gk_test_skip("fmt", ...)       the whole test: "SKIP: reason", then
 *                                  cmocka's skip()
 *   gk_test_skip_part("fmt", ...)  one part of it, the rest runs:
 *                                  "SKIP part: reason"
 *
 * The format must be a string literal.  Both go to standard output, as
 * cmocka's own lines do, so they stay in order with them.
 */
#ifndef GK_SKIP_TEST_SUPPORT_H
#define GK_SKIP_TEST_SUPPORT_H

#define gk_test_skip(...)                                  \
	do {                                               \
		print_message("SKIP: " __VA_ARGS__);       \
		print_message("\n");                       \
		skip();                                    \
	} while (0)

#define gk_test_skip_part(...)                             \
	do {                                               \
		print_message("SKIP part: " __VA_ARGS__);  \
		print_message("\n");                       \
	} while (0)

#endif
