/*
 * texts_test.c - gk_texts keeps one copy of each distinct text: equal
 * texts give one pointer, different ones (even of one length and one
 * beginning) their own, long texts and thousands of them included, and
 * every copy stays where it is as the table grows.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "texts.h"

static void test_equal_texts_share_one_copy(void **state)
{
	(void)state;
	gk_texts t = GK_TEXTS_INIT;
	char a[] = "db/migrations/001_users.sql", b[] = "db/migrations/001_users.sql";
	const char *x = gk_texts_intern(&t, a), *y = gk_texts_intern(&t, b);
	assert_non_null(x);
	assert_ptr_equal(x, y);
	assert_ptr_not_equal(x, a); /* a copy: the caller's may go */
	a[0] = 'X';
	assert_string_equal(x, "db/migrations/001_users.sql");
	assert_null(gk_texts_intern(&t, NULL));
	const char *e = gk_texts_intern(&t, "");
	assert_non_null(e);
	assert_string_equal(e, "");
	assert_ptr_equal(gk_texts_intern(&t, ""), e);
	/* Same length, same beginning and end, one byte apart in the middle. */
	const char *p = gk_texts_intern(&t, "ALTER TABLE t ADD COLUMN a int DEFAULT 1;");
	const char *q = gk_texts_intern(&t, "ALTER TABLE t ADD COLUMN b int DEFAULT 1;");
	assert_ptr_not_equal(p, q);
	assert_string_equal(p, "ALTER TABLE t ADD COLUMN a int DEFAULT 1;");
	assert_string_equal(q, "ALTER TABLE t ADD COLUMN b int DEFAULT 1;");
	gk_texts_free(&t);
	assert_null(t.slots);
	assert_null(t.blocks);
	gk_texts_free(&t); /* empty: a no-op */
}

/* Thousands of texts, some longer than a block's quarter (a block of
 * their own): each is found again, at the address it was first given. */
static void test_many_and_long_texts(void **state)
{
	(void)state;
	enum { N = 5000 };
	gk_texts t = GK_TEXTS_INIT;
	const char **first = calloc(N, sizeof *first);
	assert_non_null(first);
	char *buf = malloc(40000);
	assert_non_null(buf);
	for (int i = 0; i < N; i++) {
		size_t len = i % 500 == 0 ? 20000 + (size_t)i : (size_t)(i % 97) + 12;
		memset(buf, 'a' + i % 26, len);
		int head = snprintf(buf, len, "%d:", i);
		buf[head] = '-';
		buf[len] = '\0';
		first[i] = gk_texts_intern(&t, buf);
		assert_non_null(first[i]);
		assert_string_equal(first[i], buf);
	}
	assert_int_equal(t.n, N);
	for (int i = 0; i < N; i++) {
		char *again = strdup(first[i]);
		assert_ptr_equal(gk_texts_intern(&t, again), first[i]);
		free(again);
	}
	assert_int_equal(t.n, N);
	free(buf);
	free(first);
	gk_texts_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal_texts_share_one_copy),
		cmocka_unit_test(test_many_and_long_texts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
