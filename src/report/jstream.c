/* jstream.c - the report module's JSON writer (see jstream.h). */
#include "jstream.h"
#include "../util/util.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void gk_js_init(gk_jstream *j, FILE *out, bool pretty)
{
	gk_outbuf_init(&j->o, out, NULL);
	j->pretty = pretty;
	j->after_key = false;
	j->newline = false;
	j->depth = 0;
	j->items[0] = false;
}

/* ---- output ---- */

static void flush(gk_jstream *j) { gk_outbuf_flush(&j->o); }
static void put(gk_jstream *j, const char *s, size_t n) { gk_outbuf_put(&j->o, s, n); }
static void putch(gk_jstream *j, char c) { gk_outbuf_putc(&j->o, c); }

/* A line break, indented to the current depth when pretty. */
static void line_break(gk_jstream *j)
{
	static const char pad[] = "                                ";
	putch(j, '\n');
	if (!j->pretty)
		return;
	for (size_t n = (size_t)j->depth * 2; n > 0;) {
		size_t k = n < sizeof pad - 1 ? n : sizeof pad - 1;
		put(j, pad, k);
		n -= k;
	}
}

/* ---- structure ---- */

/* What goes before a value or a key: the separator from the previous
 * element and the line break; nothing before a key's value. */
static void before(gk_jstream *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth == 0)
		return;
	if (j->items[j->depth])
		putch(j, ',');
	j->items[j->depth] = true;
	if (j->pretty || j->newline)
		line_break(j);
	j->newline = false;
}

static void open_container(gk_jstream *j, char c)
{
	before(j);
	putch(j, c);
	if (j->depth + 1 >= GK_JSTREAM_DEPTH) {
		j->o.failed = true;
		return;
	}
	j->items[++j->depth] = false;
}

void gk_js_object(gk_jstream *j) { open_container(j, '{'); }
void gk_js_array(gk_jstream *j) { open_container(j, '['); }

void gk_js_end(gk_jstream *j, char close)
{
	bool had_items = j->items[j->depth];
	if (j->depth > 0)
		j->depth--;
	if (had_items && (j->pretty || j->newline))
		line_break(j);
	j->newline = false;
	putch(j, close);
}

void gk_js_newline(gk_jstream *j)
{
	j->newline = !j->pretty;
}

/* ---- values ---- */

/* Whether any of the eight bytes of `w` is below 0x20, '"' or '\\' (the
 * bytes JSON escapes): the classic "has a zero byte" test on w ^ '"' and
 * w ^ '\\', and its "has a byte less than n" form for the controls. */
static bool needs_escape8(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
	uint64_t hit = ((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b);
	return (hit & high) != 0;
}

static bool escaped(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

/* Byte `c` (escaped()) as jansson escapes it. */
static void put_escape(gk_jstream *j, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	switch (c) {
	case '"': put(j, "\\\"", 2); break;
	case '\\': put(j, "\\\\", 2); break;
	case '\b': put(j, "\\b", 2); break;
	case '\f': put(j, "\\f", 2); break;
	case '\n': put(j, "\\n", 2); break;
	case '\r': put(j, "\\r", 2); break;
	case '\t': put(j, "\\t", 2); break;
	default: {
		char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
		put(j, u, sizeof u);
	}
	}
}

/*
 * s[0..n), valid UTF-8, as a JSON string escaped as jansson escapes it;
 * runs of plain bytes are copied at once, and found eight at a time: the
 * eight bytes that hold one to escape are then looked at one by one, once
 * (a statement has a line break every few dozen bytes).
 */
static void quoted(gk_jstream *j, const char *s, size_t n)
{
	putch(j, '"');
	size_t run = 0, i = 0;
	for (;;) {
		uint64_t w;
		while (n - i >= 8 && (memcpy(&w, s + i, 8), !needs_escape8(w)))
			i += 8;
		size_t end = n - i >= 8 ? i + 8 : n;
		while (i < end && !escaped((unsigned char)s[i]))
			i++;
		if (i == n)
			break;
		if (i == end)
			continue;
		put(j, s + run, i - run);
		put_escape(j, (unsigned char)s[i]);
		run = ++i;
	}
	put(j, s + run, n - run);
	putch(j, '"');
}

/* A C string in gk_path_escape's form. */
static void path_escaped(gk_jstream *j, const char *s)
{
	/* Valid UTF-8 without a backslash is its own escaped form: no copy. */
	size_t n = strlen(s);
	if (!memchr(s, '\\', n) && gk_utf8_valid(s, n, NULL)) {
		quoted(j, s, n);
		return;
	}
	char *e = gk_path_escape(s);
	if (e)
		quoted(j, e, strlen(e));
	else {
		j->o.failed = true;
		put(j, "\"\"", 2);
	}
	free(e);
}

/* Whether s[0..n) holds no byte to escape. */
static bool plain(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (escaped((unsigned char)s[i]))
			return false;
	return true;
}

void gk_js_key(gk_jstream *j, const char *key)
{
	before(j);
	size_t n = strlen(key);
	/* A key is a short word with nothing to escape: written, quotes and
	 * all, straight into the buffer when it fits (a report writes a dozen
	 * keys for each finding). */
	if (n + 2 <= GK_OUTBUF_SIZE - j->o.n && plain(key, n)) {
		char *o = j->o.buf + j->o.n;
		o[0] = '"';
		memcpy(o + 1, key, n);
		o[n + 1] = '"';
		j->o.n += n + 2;
	} else {
		quoted(j, key, n);
	}
	if (j->pretty)
		put(j, ": ", 2);
	else
		putch(j, ':');
	j->after_key = true;
}

void gk_js_string_n(gk_jstream *j, const char *s, size_t n)
{
	before(j);
	size_t bad;
	if (gk_utf8_valid(s, n, &bad)) {
		quoted(j, s, n);
		return;
	}
	char *copy = gk_strndup(s, n); /* rare: gk_path_escape wants a C string */
	if (copy)
		path_escaped(j, copy);
	else {
		j->o.failed = true;
		put(j, "\"\"", 2);
	}
	free(copy);
}

void gk_js_string(gk_jstream *j, const char *s)
{
	if (!s)
		gk_js_null(j);
	else
		gk_js_string_n(j, s, strlen(s));
}

void gk_js_path(gk_jstream *j, const char *s)
{
	if (!s) {
		gk_js_null(j);
		return;
	}
	before(j);
	path_escaped(j, s);
}

void gk_js_int(gk_jstream *j, long long v)
{
	char s[24], *p = s + sizeof s;
	/* In unsigned arithmetic, so that LLONG_MIN negates. */
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	before(j);
	put(j, p, (size_t)(s + sizeof s - p));
}

void gk_js_real(gk_jstream *j, double v)
{
	if (!isfinite(v)) {
		gk_js_null(j);
		return;
	}
	char s[64];
	int n = snprintf(s, sizeof s, "%.17g", v);
	if (n < 0 || (size_t)n >= sizeof s - 3) {
		gk_js_null(j);
		return;
	}
	size_t len = (size_t)n;
	if (!strchr(s, '.') && !strchr(s, 'e')) {
		memcpy(s + len, ".0", 3);
		len += 2;
	}
	char *e = strchr(s, 'e');
	if (e) {
		char *start = e + 1, *end = start + 1;
		if (*start == '-')
			start++;
		while (*end == '0')
			end++;
		if (end != start) {
			memmove(start, end, len - (size_t)(end - s) + 1);
			len -= (size_t)(end - start);
		}
	}
	before(j);
	put(j, s, len);
}

void gk_js_bool(gk_jstream *j, bool v)
{
	before(j);
	put(j, v ? "true" : "false", v ? 4 : 5);
}

void gk_js_null(gk_jstream *j)
{
	before(j);
	put(j, "null", 4);
}

/* ---- a long array in two halves (halves.h) ---- */

typedef struct js_half {
	gk_jstream *j;
	gk_js_each_fn each;
	const void *ctx;
} js_half;

static void write_elements(void *arg, size_t from, size_t to)
{
	js_half *h = arg;
	for (size_t i = from; i < to && !h->j->o.failed; i++)
		h->each(h->j, h->ctx, i);
}

/* The second half `c`, written into `mem` as if its array were empty so
 * far, behind the first: the separator its first element left out (when
 * both halves wrote one), then its bytes; `j` is left as one loop leaves it. */
static void splice(gk_jstream *j, gk_jstream *c, const gk_half_memory *mem)
{
	bool wrote = c->items[c->depth];
	if (wrote && j->items[j->depth])
		putch(j, ',');
	j->items[j->depth] |= wrote;
	if (wrote || c->newline) /* the second half had the last word on a line break */
		j->newline = c->newline;
	for (const gk_half_block *b = mem->first; b; b = b->next)
		put(j, b->data, b->len);
	if (c->o.failed)
		j->o.failed = true;
}

void gk_js_elements(gk_jstream *j, size_t n, gk_js_each_fn each, const void *ctx)
{
	js_half first = {j, each, ctx}, second = {NULL, each, ctx};
	gk_half_memory mem = GK_HALF_MEMORY_INIT;
	/* A pending line break or key belongs to the first element written,
	 * which the second half cannot know: one loop then (none of the
	 * reports asks for either before an array's elements). */
	gk_jstream *c = n >= GK_HALVES_MIN && !j->newline && !j->after_key && !j->o.failed ? malloc(sizeof *c) : NULL;
	if (c) {
		gk_js_init(c, NULL, j->pretty);
		c->o.mem = &mem;
		c->depth = j->depth;
		c->items[c->depth] = false;
		second.j = c;
	}
	if (c && gk_halves_run(n, write_elements, &first, &second)) {
		flush(c);
		splice(j, c, &mem);
	} else {
		write_elements(&first, 0, n);
	}
	gk_half_memory_free(&mem);
	free(c);
}

int gk_js_finish(gk_jstream *j)
{
	putch(j, '\n');
	flush(j);
	return j->o.failed || j->depth != 0 || ferror(j->o.out) ? -1 : 0;
}
