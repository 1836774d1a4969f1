/*
 * canon.c - the canonical bytes of a snapshot document.
 *
 * Keys sorted by bytes at every level; the top level, "objects", each kind
 * under it and "not_compared" have one member per line, everything below
 * (an object's attributes, a list) is compact on that line.  So a changed
 * object is one changed line in `git diff`, and the same document always
 * gives the same bytes.  Strings are written as UTF-8, escaping only what
 * JSON requires.  Written here rather than by json_dumps(): a 2,000-table
 * snapshot has some 30,000 objects, and jansson's indented dump with
 * sorted keys took a quarter of the whole `gatekeeper snapshot`.
 */
#include "catalog/catalog_internal.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

static void put_string(gk_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	gk_buf_putc(b, '"');
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		gk_buf_append(b, s + run, i - run);
		run = i + 1;
		char esc[7] = {'\\', 0};
		switch (ch) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\t': esc[1] = 't'; break;
		case '\r': esc[1] = 'r'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[ch >> 4];
			esc[5] = hex[ch & 15];
		}
		gk_buf_puts(b, esc);
	}
	gk_buf_append(b, s + run, n - run);
	gk_buf_putc(b, '"');
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The keys of `o` sorted; NULL when out of memory. */
static const char **sorted_keys(const json_t *o, size_t *n)
{
	*n = 0;
	const char **v = malloc((json_object_size(o) + 1) * sizeof *v);
	if (!v)
		return NULL;
	const char *k;
	json_t *x;
	json_object_foreach((json_t *)o, k, x)
		v[(*n)++] = k;
	qsort(v, *n, sizeof *v, cmp_str);
	return v;
}

static int put_compact(gk_buf *b, const json_t *v);

static int put_compact_object(gk_buf *b, const json_t *o)
{
	size_t n;
	const char **keys = sorted_keys(o, &n);
	if (!keys)
		return GK_ENOMEM;
	gk_buf_putc(b, '{');
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (i)
			gk_buf_puts(b, ", ");
		put_string(b, keys[i], strlen(keys[i]));
		gk_buf_puts(b, ": ");
		rc = put_compact(b, json_object_get(o, keys[i]));
	}
	gk_buf_putc(b, '}');
	free(keys);
	return rc;
}

static int put_compact(gk_buf *b, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return put_compact_object(b, v);
	case JSON_ARRAY:
		gk_buf_putc(b, '[');
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i)
				gk_buf_puts(b, ", ");
			int rc = put_compact(b, json_array_get(v, i));
			if (rc)
				return rc;
		}
		gk_buf_putc(b, ']');
		return 0;
	case JSON_STRING:
		put_string(b, json_string_value(v), json_string_length(v));
		return 0;
	case JSON_INTEGER:
		gk_buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return 0;
	case JSON_REAL:
		gk_buf_printf(b, "%.17g", json_real_value(v));
		return 0;
	case JSON_TRUE: gk_buf_puts(b, "true"); return 0;
	case JSON_FALSE: gk_buf_puts(b, "false"); return 0;
	default: gk_buf_puts(b, "null"); return 0;
	}
}

/* Which members are expanded one per line: the top level (depth 0), its
 * "objects" and "not_compared" (1), each kind under "objects" (2). */
static bool expand(const char *path1, int depth)
{
	if (depth == 0)
		return true;
	if (depth == 1)
		return !strcmp(path1, "objects") || !strcmp(path1, "not_compared");
	return depth == 2 && !strcmp(path1, "objects");
}

static int put_value(gk_buf *b, const json_t *v, const char *path1, int depth);

static int put_expanded(gk_buf *b, const json_t *o, const char *path1, int depth)
{
	size_t n;
	const char **keys = sorted_keys(o, &n);
	if (!keys)
		return GK_ENOMEM;
	gk_buf_putc(b, '{');
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		gk_buf_printf(b, "%s\n%*s", i ? "," : "", 2 * (depth + 1), "");
		put_string(b, keys[i], strlen(keys[i]));
		gk_buf_puts(b, ": ");
		rc = put_value(b, json_object_get(o, keys[i]), depth == 0 ? keys[i] : path1, depth + 1);
	}
	if (n)
		gk_buf_printf(b, "\n%*s", 2 * depth, "");
	gk_buf_putc(b, '}');
	free(keys);
	return rc;
}

static int put_value(gk_buf *b, const json_t *v, const char *path1, int depth)
{
	if (json_is_object(v) && expand(path1, depth))
		return put_expanded(b, v, path1, depth);
	return put_compact(b, v);
}

char *gk_cat_canonical(const json_t *doc, size_t *len)
{
	gk_buf b = GK_BUF_INIT;
	int rc = put_value(&b, doc, "", 0);
	gk_buf_putc(&b, '\n');
	if (rc || b.failed) {
		gk_buf_free(&b);
		return NULL;
	}
	*len = b.len;
	return gk_buf_take(&b);
}
