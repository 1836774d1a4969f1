/*
 * xstream_test.c - the XML writer writes what libxml2's xmlTextWriter
 * writes (indented by two spaces, as the JUnit report was written): the
 * same calls go to both, and the bytes must be the same, for documents of
 * every shape (empty elements, text, nesting, attributes) and text with
 * every character that is escaped or referenced (& < > " \r \n \t,
 * two-, three- and four-byte UTF-8, the Char limits).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/xstream.h"

/* Both writers, fed the same calls. */
typedef struct pair {
	gk_xstream *x;
	FILE *xf;
	char *xbuf;
	size_t xlen;
	xmlBufferPtr lb;
	xmlTextWriterPtr lw;
} pair;

static void open_pair(pair *p)
{
	p->x = malloc(sizeof *p->x);
	assert_non_null(p->x);
	p->xf = open_memstream(&p->xbuf, &p->xlen);
	assert_non_null(p->xf);
	gk_xs_init(p->x, p->xf);
	p->lb = xmlBufferCreate();
	p->lw = xmlNewTextWriterMemory(p->lb, 0);
	assert_non_null(p->lw);
	xmlTextWriterSetIndent(p->lw, 1);
	xmlTextWriterSetIndentString(p->lw, BAD_CAST "  ");
	assert_true(xmlTextWriterStartDocument(p->lw, NULL, "UTF-8", NULL) >= 0);
}

static void start(pair *p, const char *el)
{
	gk_xs_start(p->x, el);
	assert_true(xmlTextWriterStartElement(p->lw, BAD_CAST el) >= 0);
}

static void attr(pair *p, const char *name, const char *v)
{
	gk_xs_attr(p->x, name, v);
	assert_true(xmlTextWriterWriteAttribute(p->lw, BAD_CAST name, BAD_CAST v) >= 0);
}

static void text(pair *p, const char *s)
{
	gk_xs_text(p->x, s);
	assert_true(xmlTextWriterWriteString(p->lw, BAD_CAST s) >= 0);
}

static void end(pair *p)
{
	gk_xs_end(p->x);
	assert_true(xmlTextWriterEndElement(p->lw) >= 0);
}

/* Finish both and compare. */
static void close_pair(pair *p)
{
	assert_int_equal(gk_xs_finish(p->x), 0);
	assert_int_equal(fclose(p->xf), 0);
	assert_true(xmlTextWriterEndDocument(p->lw) >= 0);
	xmlFreeTextWriter(p->lw);
	const char *want = (const char *)xmlBufferContent(p->lb);
	if (strlen(want) != p->xlen || memcmp(want, p->xbuf, p->xlen) != 0)
		fail_msg("libxml2 wrote:\n%s\nxstream wrote:\n%.*s", want, (int)p->xlen, p->xbuf);
	xmlBufferFree(p->lb);
	free(p->xbuf);
	free(p->x);
}

static const char *const samples[] = {
	"",
	"plain text",
	"a & b < c > d \"e\" 'f'",
	"line one\nline two\r\nthree\tfour",
	"caf\xC3\xA9 na\xC3\xAFve \xE2\x80\xA6 \xE2\x9C\x93 \xF0\x9F\x98\x80",
	"\xEF\xBF\xBD \xEE\x80\x80 \xED\x9F\xBF \xF4\x8F\xBF\xBF",
	"&amp; is not re-read; ]]> is fine; <![CDATA[ too",
	"trailing newline\n",
	"\t\n\r",
};

static void test_shapes(void **state)
{
	(void)state;
	pair p;
	open_pair(&p);
	start(&p, "testsuites");
	attr(&p, "name", "gatekeeper");
	attr(&p, "tests", "3");
	start(&p, "testsuite");
	start(&p, "properties");
	start(&p, "property");
	attr(&p, "name", "runner");
	attr(&p, "value", "per-file");
	end(&p);
	end(&p);
	start(&p, "testcase");
	attr(&p, "name", "empty");
	end(&p);
	start(&p, "testcase");
	start(&p, "failure");
	attr(&p, "message", "m");
	text(&p, "body\nmore");
	end(&p);
	end(&p);
	start(&p, "system-err");
	end(&p);
	start(&p, "system-out");
	text(&p, "out");
	end(&p);
	end(&p);
	close_pair(&p);
}

/* Every sample as text and as an attribute value, at several depths. */
static void test_escaping(void **state)
{
	(void)state;
	for (size_t depth = 1; depth <= 4; depth++) {
		pair p;
		open_pair(&p);
		for (size_t d = 0; d < depth; d++)
			start(&p, d % 2 ? "testcase" : "testsuite");
		for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
			start(&p, "property");
			attr(&p, "name", samples[i]);
			attr(&p, "value", samples[sizeof samples / sizeof *samples - 1 - i]);
			if (samples[i][0])
				text(&p, samples[i]);
			end(&p);
		}
		close_pair(&p);
	}
}

/* Random documents: shapes and text drawn from the samples and random
 * valid characters, the open elements closed by the finish. */
static uint32_t next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* A random string of XML Chars (what the JUnit renderer's clean() leaves). */
static void random_text(uint32_t *s, char *o, size_t cap)
{
	static const uint32_t pool[] = {'a', 'Z', ' ', '&', '<', '>', '"', '\'', '\n', '\r', '\t', ';', 0x7F,
					0xE9, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFD, 0x10000, 0x10FFFF, 0x1F600};
	size_t n = 0, want = next(s) % 24;
	for (size_t i = 0; i < want && n + 4 < cap; i++)
		n += put_utf8(o + n, pool[next(s) % (sizeof pool / sizeof *pool)]);
	o[n] = '\0';
}

static void test_random_documents(void **state)
{
	(void)state;
	static const char *const names[] = {"testsuites", "testsuite", "testcase", "failure", "property", "system-out"};
	uint32_t seed = 0x9E3779B9u;
	char buf[128];
	for (int doc = 0; doc < 300; doc++) {
		pair p;
		open_pair(&p);
		start(&p, "testsuites");
		int depth = 1;
		bool has_text = false; /* text then an element: mixed content, which the JUnit report never writes */
		bool tag_open = true;  /* attributes go only into the start tag */
		for (int step = 0; step < 40; step++) {
			uint32_t r = next(&seed) % 10;
			if (r < 3 && depth < 8 && !has_text) {
				start(&p, names[next(&seed) % (sizeof names / sizeof *names)]);
				depth++;
				tag_open = true;
			} else if (r < 5 && depth > 1) {
				end(&p);
				depth--;
				has_text = tag_open = false;
			} else if (r < 8) {
				random_text(&seed, buf, sizeof buf);
				if (buf[0]) {
					text(&p, buf);
					has_text = true;
					tag_open = false;
				}
			} else if (tag_open) {
				random_text(&seed, buf, sizeof buf);
				attr(&p, next(&seed) % 2 ? "value" : "name", buf);
			}
		}
		close_pair(&p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_random_documents),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
