/* xstream.c - the report module's XML writer (see xstream.h). */
#include "xstream.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- output ---- */

static void flush(gk_xstream *x) { gk_outbuf_flush(&x->o); }
static void put(gk_xstream *x, const char *s, size_t n) { gk_outbuf_put(&x->o, s, n); }

static void puts_(gk_xstream *x, const char *s) { put(x, s, strlen(s)); }

/* Two spaces for each open element but the innermost (xmlTextWriterWriteIndent). */
static void indent(gk_xstream *x)
{
	for (int i = 1; i < x->depth; i++)
		put(x, "  ", 2);
}

/* ---- escaping ---- */

/* The entity of byte `c` in text (xmlEncodeSpecialChars), or NULL. */
static const char *text_entity(unsigned char c)
{
	switch (c) {
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '&': return "&amp;";
	case '"': return "&quot;";
	case '\r': return "&#13;";
	default: return NULL;
	}
}

/* The same in an attribute value (xmlAttrSerializeTxtContent). */
static const char *attr_entity(unsigned char c)
{
	switch (c) {
	case '\n': return "&#10;";
	case '\t': return "&#9;";
	default: return text_entity(c);
	}
}

/* Whether any of the eight bytes of `w` may need escaping: below 0x20,
 * '"', '&', '<' or '>' (the "has a zero byte" test on w ^ c, and its
 * "has a byte less than n" form for the controls, as in jstream.c). */
static bool special8(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	uint64_t q = w ^ (ones * '"'), a = w ^ (ones * '&'), l = w ^ (ones * '<'), g = w ^ (ones * '>');
	uint64_t hit = ((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((a - ones) & ~a) | ((l - ones) & ~l) |
		       ((g - ones) & ~g);
	return (hit & high) != 0;
}

/* s, escaped; runs of plain bytes are copied at once, found eight at a time. */
static void escaped(gk_xstream *x, const char *s, bool in_attr)
{
	size_t n = strlen(s), run = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t w;
		while (n - i >= 8 && (memcpy(&w, s + i, 8), !special8(w)))
			i += 8;
		if (i == n)
			break;
		const char *e = in_attr ? attr_entity((unsigned char)s[i]) : text_entity((unsigned char)s[i]);
		if (!e)
			continue;
		put(x, s + run, i - run);
		puts_(x, e);
		run = i + 1;
	}
	put(x, s + run, n - run);
}

/* ---- structure ---- */

void gk_xs_init(gk_xstream *x, FILE *out)
{
	gk_outbuf_init(&x->o, out, NULL);
	x->doindent = true; /* as xmlTextWriterSetIndent leaves it */
	x->depth = 0;
	puts_(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
}

/* Content follows the open start tag: close it. */
static void close_tag(gk_xstream *x)
{
	if (x->depth > 0 && x->open_tag[x->depth - 1]) {
		put(x, ">", 1);
		x->open_tag[x->depth - 1] = false;
	}
}

void gk_xs_start(gk_xstream *x, const char *name)
{
	if (x->depth > 0 && x->open_tag[x->depth - 1]) {
		close_tag(x);
		put(x, "\n", 1);
	}
	if (x->depth == GK_XSTREAM_DEPTH) {
		x->o.failed = true;
		return;
	}
	x->names[x->depth] = name;
	x->open_tag[x->depth] = true;
	x->depth++;
	indent(x);
	put(x, "<", 1);
	puts_(x, name);
}

void gk_xs_attr(gk_xstream *x, const char *name, const char *value)
{
	put(x, " ", 1);
	puts_(x, name);
	put(x, "=\"", 2);
	escaped(x, value, true);
	put(x, "\"", 1);
}

void gk_xs_text(gk_xstream *x, const char *s)
{
	close_tag(x);
	x->doindent = false;
	escaped(x, s, false);
}

void gk_xs_end(gk_xstream *x)
{
	if (x->depth == 0) {
		x->o.failed = true;
		return;
	}
	if (x->open_tag[x->depth - 1]) {
		put(x, "/>", 2);
	} else {
		if (x->doindent)
			indent(x);
		put(x, "</", 2);
		puts_(x, x->names[x->depth - 1]);
		put(x, ">", 1);
	}
	x->doindent = true;
	put(x, "\n", 1);
	x->depth--;
}

/* ---- a long run of children in two halves (halves.h) ---- */

typedef struct xs_half {
	gk_xstream *x;
	gk_xs_each_fn each;
	void *ctx;
} xs_half;

static void write_children(void *arg, size_t from, size_t to)
{
	xs_half *h = arg;
	for (size_t i = from; i < to && !h->x->o.failed; i++)
		h->each(h->x, h->ctx, i);
}

/* The second half `c`, written into `mem` as if the first had left its
 * parent's start tag closed and a child ended (the state a child leaves,
 * and the only one a whole child depends on), behind the first: what the
 * first child's start would have written when the first half wrote none
 * (the parent's start tag closed, a line break), then its bytes; `x` is
 * left as one loop leaves it. */
static void splice(gk_xstream *x, gk_xstream *c, const gk_half_memory *mem)
{
	if (c->o.failed)
		x->o.failed = true;
	if (!mem->first)
		return;
	if (x->depth > 0 && x->open_tag[x->depth - 1]) {
		close_tag(x);
		put(x, "\n", 1);
	}
	for (const gk_half_block *b = mem->first; b; b = b->next)
		put(x, b->data, b->len);
	x->doindent = c->doindent;
}

void gk_xs_children(gk_xstream *x, size_t n, gk_xs_each_fn each, void *first, void *second)
{
	xs_half one = {x, each, first}, two = {NULL, each, second};
	gk_half_memory mem = GK_HALF_MEMORY_INIT;
	gk_xstream *c = n >= GK_HALVES_MIN && !x->o.failed ? malloc(sizeof *c) : NULL;
	if (c) {
		gk_outbuf_init(&c->o, NULL, &mem);
		c->doindent = true;
		c->depth = x->depth;
		memcpy(c->names, x->names, sizeof c->names);
		memset(c->open_tag, 0, sizeof c->open_tag);
		two.x = c;
	}
	if (c && gk_halves_run(n, write_children, &one, &two)) {
		flush(c);
		splice(x, c, &mem);
	} else {
		write_children(&one, 0, n);
	}
	gk_half_memory_free(&mem);
	free(c);
}

int gk_xs_finish(gk_xstream *x)
{
	while (x->depth > 0)
		gk_xs_end(x);
	flush(x);
	return x->o.failed ? -1 : 0;
}
