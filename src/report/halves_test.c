/*
 * halves_test.c - a long array written in two halves (halves.h) is byte
 * for byte the array one loop writes: the same elements go through
 * gk_js_elements and through a plain loop, compact and pretty, for arrays
 * below and above GK_HALVES_MIN, with elements left out (none, some, all
 * of either half), line breaks asked before elements (SARIF's results),
 * a line break asked for before an element then left out (it falls to
 * the next element written, or to the array's end), nesting inside
 * elements, a second half larger than a block of memory
 * (GK_HALF_BLOCK), and a document that goes on after the array.
 * The XML writer's children (the JUnit report's test suites) the same
 * way: a parent whose start tag the first half leaves open, children
 * with attributes, text and children of their own.
 * On a machine of one core gk_js_elements is the loop, and the two sides
 * agree trivially; every machine this project builds on has two.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/halves.h"
#include "report/jstream.h"
#include "report/xstream.h"

/* Which elements are written, and how. */
typedef struct shape {
	size_t n;
	size_t skip_below, skip_from; /* elements in [skip_below, skip_from) are written, the rest left out */
	size_t skip_every;            /* also leave out every skip_every-th (0 = none) */
	bool newline;                 /* a line break before each element (compact) */
	bool dangling;                /* ...asked for even before an element left out */
	bool fat;                     /* elements of some 2 kB: the second half spans memory blocks */
} shape;

static bool written(const shape *s, size_t i)
{
	if (i < s->skip_below || i >= s->skip_from)
		return false;
	return !(s->skip_every && i % s->skip_every == s->skip_every - 1);
}

/* Element i: an object with a string that needs escaping, a number and a
 * nested array, so that the depth inside an element changes. */
static void element(gk_jstream *j, const void *ctx, size_t i)
{
	const shape *s = ctx;
	if (s->newline && s->dangling)
		gk_js_newline(j);
	if (!written(s, i))
		return;
	if (s->newline)
		gk_js_newline(j);
	char text[64], fat[2048];
	snprintf(text, sizeof text, "line %zu\n\"quoted\"\t\\", i);
	gk_js_object(j);
	gk_js_kstring(j, "text", text);
	if (s->fat) {
		memset(fat, 'a' + (int)(i % 26), sizeof fat - 1);
		fat[sizeof fat - 1] = '\0';
		gk_js_kstring(j, "fat", fat);
	}
	gk_js_kint(j, "i", (long long)i);
	gk_js_kopen(j, "nested", '[');
	for (size_t k = 0; k < i % 3; k++)
		gk_js_int(j, (long long)k);
	gk_js_end(j, ']');
	gk_js_end(j, '}');
}

/* The document {"before":1,"items":[...],"after":true}, its array written
 * by gk_js_elements (`halves`) or by a loop; the bytes, malloc'ed. */
static char *document(const shape *s, bool pretty, bool halves, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	assert_non_null(f);
	gk_jstream *j = malloc(sizeof *j);
	assert_non_null(j);
	gk_js_init(j, f, pretty);
	gk_js_object(j);
	gk_js_kint(j, "before", 1);
	gk_js_kopen(j, "items", '[');
	if (halves)
		gk_js_elements(j, s->n, element, s);
	else
		for (size_t i = 0; i < s->n; i++)
			element(j, s, i);
	if (s->newline && !s->dangling)
		gk_js_newline(j);
	gk_js_end(j, ']');
	gk_js_kbool(j, "after", true);
	gk_js_end(j, '}');
	assert_int_equal(gk_js_finish(j), 0);
	free(j);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void same_bytes(const shape *s)
{
	for (int pretty = 0; pretty <= 1; pretty++) {
		size_t la, lb;
		char *a = document(s, pretty, false, &la);
		char *b = document(s, pretty, true, &lb);
		if (la != lb || memcmp(a, b, la) != 0)
			fail_msg("n=%zu written [%zu, %zu) skip_every=%zu newline=%d dangling=%d pretty=%d: "
				 "the halves differ from the loop",
				 s->n, s->skip_below, s->skip_from, s->skip_every, s->newline, s->dangling, pretty);
		free(a);
		free(b);
	}
}

static void test_every_element(void **state)
{
	(void)state;
	size_t sizes[] = {0, 1, 2, GK_HALVES_MIN - 1, GK_HALVES_MIN, GK_HALVES_MIN + 1, 5001};
	for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
		same_bytes(&(shape){.n = sizes[k], .skip_from = SIZE_MAX});
		same_bytes(&(shape){.n = sizes[k], .skip_from = SIZE_MAX, .newline = true});
	}
}

static void test_elements_left_out(void **state)
{
	(void)state;
	size_t n = 3000, half = gk_halves_split(n);
	shape shapes[] = {
		{.n = n, .skip_from = SIZE_MAX, .skip_every = 7},                 /* some of each half */
		{.n = n, .skip_below = half, .skip_from = SIZE_MAX},              /* all of the first */
		{.n = n, .skip_below = 0, .skip_from = half},                     /* all of the second */
		{.n = n, .skip_below = n, .skip_from = n},                        /* every one */
		{.n = n, .skip_below = half - 1, .skip_from = half + 1},          /* one each side of the cut */
		{.n = n, .skip_below = half, .skip_from = half + 1, .newline = true},
		{.n = n, .skip_below = 0, .skip_from = half, .skip_every = 2, .newline = true},
		{.n = n, .skip_below = 0, .skip_from = half, .newline = true, .dangling = true},
		{.n = n, .skip_below = half, .skip_from = SIZE_MAX, .newline = true, .dangling = true},
		{.n = n, .skip_from = SIZE_MAX, .skip_every = 5, .newline = true, .dangling = true},
		{.n = n, .skip_below = n, .skip_from = n, .newline = true, .dangling = true},
		{.n = n, .skip_from = SIZE_MAX, .skip_every = 3, .fat = true},
	};
	for (size_t k = 0; k < sizeof shapes / sizeof *shapes; k++)
		same_bytes(&shapes[k]);
}

/* Child i of the XML document: an element with an attribute, and text
 * or a child of its own; the halves' context counts what each wrote. */
static void child(gk_xstream *x, void *half, size_t i)
{
	size_t *wrote = half;
	const shape *s = (const shape *)wrote[1];
	if (!written(s, i))
		return;
	wrote[0]++;
	char v[32];
	snprintf(v, sizeof v, "%zu <&>\"\t", i);
	gk_xs_start(x, "suite");
	gk_xs_attr(x, "name", v);
	if (i % 3 == 0) {
		gk_xs_start(x, "case");
		gk_xs_text(x, v);
		gk_xs_end(x);
	} else if (i % 3 == 1) {
		gk_xs_text(x, "text\r\n");
	}
	gk_xs_end(x);
}

static char *xml_document(const shape *s, bool halves, size_t *len, size_t *wrote)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	assert_non_null(f);
	gk_xstream *x = malloc(sizeof *x);
	assert_non_null(x);
	gk_xs_init(x, f);
	gk_xs_start(x, "root");
	gk_xs_attr(x, "n", "1");
	size_t one[2] = {0, (size_t)s}, two[2] = {0, (size_t)s};
	if (halves)
		gk_xs_children(x, s->n, child, one, two);
	else
		for (size_t i = 0; i < s->n; i++)
			child(x, one, i);
	*wrote = one[0] + two[0];
	gk_xs_start(x, "after");
	gk_xs_end(x);
	assert_int_equal(gk_xs_finish(x), 0);
	free(x);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void test_xml_children(void **state)
{
	(void)state;
	size_t n = 3000, half = gk_halves_split(n);
	shape shapes[] = {
		{.n = 0, .skip_from = SIZE_MAX},
		{.n = GK_HALVES_MIN - 1, .skip_from = SIZE_MAX},
		{.n = n, .skip_from = SIZE_MAX},
		{.n = n, .skip_from = SIZE_MAX, .skip_every = 4},
		{.n = n, .skip_below = half, .skip_from = SIZE_MAX}, /* the parent's start tag left open */
		{.n = n, .skip_below = 0, .skip_from = half},
		{.n = n, .skip_below = n, .skip_from = n},
	};
	for (size_t k = 0; k < sizeof shapes / sizeof *shapes; k++) {
		size_t la, lb, wa, wb;
		char *a = xml_document(&shapes[k], false, &la, &wa);
		char *b = xml_document(&shapes[k], true, &lb, &wb);
		assert_int_equal(wa, wb);
		if (la != lb || memcmp(a, b, la) != 0)
			fail_msg("n=%zu written [%zu, %zu) skip_every=%zu: the halves differ from the loop", shapes[k].n,
				 shapes[k].skip_below, shapes[k].skip_from, shapes[k].skip_every);
		free(a);
		free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_element),
		cmocka_unit_test(test_elements_left_out),
		cmocka_unit_test(test_xml_children),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
