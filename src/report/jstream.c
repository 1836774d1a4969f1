/* jstream.c - a streaming JSON writer (see jstream.h). */
#include "jstream.h"
#include "../util/util.h"

#include <stdlib.h>
#include <string.h>

void gk_js_init(gk_jstream *j, FILE *out)
{
	memset(j, 0, sizeof *j);
	j->out = out;
}

static void put(gk_jstream *j, const char *s, size_t n)
{
	if (n && fwrite_unlocked(s, 1, n, j->out) != n)
		j->failed = true;
}

static void putch(gk_jstream *j, char c)
{
	if (putc_unlocked(c, j->out) == EOF)
		j->failed = true;
}

/* The comma (and line break) before a value, unless it is a key's. */
static void before_value(gk_jstream *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->items[j->depth])
		putch(j, ',');
	if (j->newline)
		putch(j, '\n');
	j->newline = false;
	j->items[j->depth] = true;
}

static void open_container(gk_jstream *j, char c)
{
	before_value(j);
	putch(j, c);
	if (j->depth + 1 >= GK_JSTREAM_DEPTH) {
		j->failed = true;
		return;
	}
	j->items[++j->depth] = false;
}

void gk_js_object(gk_jstream *j) { open_container(j, '{'); }
void gk_js_array(gk_jstream *j) { open_container(j, '['); }

void gk_js_end(gk_jstream *j, char close)
{
	if (j->newline && j->items[j->depth])
		putch(j, '\n');
	j->newline = false;
	putch(j, close);
	if (j->depth > 0)
		j->depth--;
}

void gk_js_newline(gk_jstream *j) { j->newline = true; }

void gk_js_key(gk_jstream *j, const char *key)
{
	before_value(j);
	putch(j, '"');
	put(j, key, strlen(key));
	put(j, "\":", 2);
	j->after_key = true;
}

/* s[0..n), valid UTF-8: runs of plain bytes written at once. */
static void escaped(gk_jstream *j, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
			continue;
		put(j, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': put(j, "\\\"", 2); break;
		case '\\': put(j, "\\\\", 2); break;
		case '\n': put(j, "\\n", 2); break;
		case '\r': put(j, "\\r", 2); break;
		case '\t': put(j, "\\t", 2); break;
		default: {
			char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			put(j, u, sizeof u);
		}
		}
	}
	put(j, s + run, n - run);
}

void gk_js_string_n(gk_jstream *j, const char *s, size_t n)
{
	before_value(j);
	putch(j, '"');
	size_t bad;
	if (gk_utf8_valid(s, n, &bad)) {
		escaped(j, s, n);
	} else {
		char *copy = gk_strndup(s, n);
		char *e = copy ? gk_path_escape(copy) : NULL;
		if (e)
			escaped(j, e, strlen(e));
		else
			j->failed = true;
		free(e);
		free(copy);
	}
	putch(j, '"');
}

void gk_js_string(gk_jstream *j, const char *s)
{
	if (!s)
		gk_js_null(j);
	else
		gk_js_string_n(j, s, strlen(s));
}

void gk_js_int(gk_jstream *j, long long v)
{
	before_value(j);
	if (fprintf(j->out, "%lld", v) < 0)
		j->failed = true;
}

void gk_js_bool(gk_jstream *j, bool v)
{
	before_value(j);
	put(j, v ? "true" : "false", v ? 4 : 5);
}

void gk_js_null(gk_jstream *j)
{
	before_value(j);
	put(j, "null", 4);
}

int gk_js_finish(gk_jstream *j)
{
	putch(j, '\n');
	return j->failed || j->depth != 0 || ferror(j->out) ? -1 : 0;
}
