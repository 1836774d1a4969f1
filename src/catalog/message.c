/*
 * message.c - one line a human understands for each difference:
 *
 *   table public.audit is in production but not in the migrations
 *   column public.users.email: type is character varying(320) in production, text in the migrations
 *   column public.users.email: NOT NULL in production, nullable in the migrations
 *   function public.f(integer): definition differs at line 4: "RETURN a + 1;" in production, "RETURN a;" in the migrations
 *   enum public.mood: labels are [sad, ok, happy, angry] in production, [sad, ok, happy] in the migrations
 *
 * Production (the actual side) comes first, as the reader is asking what
 * production has.  Long or multi-line values (view and function
 * definitions) are shown by an excerpt of their first differing line,
 * from a little before where the two part; the change itself carries both
 * values whole.
 */
#include "catalog/catalog_internal.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

#define SHORT_VALUE 100   /* longer values are shown by their first differing line */
#define LINE_EXCERPT 80
#define CONTEXT 20      /* bytes shown before the first difference in a line */

/* Booleans with words of their own: what true and false read as. */
static const struct {
	const char *attr, *yes, *no;
} bool_words[] = {
	{"not_null", "NOT NULL", "nullable"},
	{"validated", "validated", "NOT VALID"},
	{"deferrable", "DEFERRABLE", "NOT DEFERRABLE"},
	{"deferred", "INITIALLY DEFERRED", "INITIALLY IMMEDIATE"},
	{"unique", "unique", "not unique"},
	{"valid", "valid", "invalid (a failed CREATE INDEX CONCURRENTLY)"},
	{"row_security", "row level security enabled", "row level security disabled"},
	{"force_row_security", "row level security forced on the owner", "row level security not forced"},
	{"permissive", "PERMISSIVE", "RESTRICTIVE"},
	{"cycle", "CYCLE", "NO CYCLE"},
};

char *gk_cat_value_text(const json_t *v)
{
	if (!v || json_is_null(v))
		return NULL;
	if (json_is_string(v))
		return gk_strdup(json_string_value(v));
	if (json_is_boolean(v))
		return gk_strdup(json_is_true(v) ? "true" : "false");
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* "materialized_view" -> "materialized view" */
static void put_words(gk_buf *b, const char *s)
{
	for (; *s; s++)
		gk_buf_putc(b, *s == '_' ? ' ' : *s);
}

static bool is_long(const json_t *v)
{
	const char *s = json_string_value(v);
	return s && (strlen(s) > SHORT_VALUE || strchr(s, '\n'));
}

static void put_short(gk_buf *b, const json_t *v)
{
	if (!v || json_is_null(v)) {
		gk_buf_puts(b, "none");
	} else if (json_is_array(v)) {
		gk_buf_putc(b, '[');
		for (size_t i = 0; i < json_array_size(v); i++)
			gk_buf_printf(b, "%s%s", i ? ", " : "", json_string_value(json_array_get(v, i)));
		gk_buf_putc(b, ']');
	} else if (json_is_boolean(v)) {
		gk_buf_puts(b, json_is_true(v) ? "true" : "false");
	} else {
		const char *s = json_string_value(v);
		size_t lead = strspn(s, " \t"), n = strlen(s + lead);
		while (n > 0 && (s[lead + n - 1] == ' ' || s[lead + n - 1] == '\t'))
			n--;
		gk_buf_append(b, s + lead, n);
	}
}

static bool put_bool_words(gk_buf *b, const char *attr, const json_t *e, const json_t *a,
			   const char *en, const char *an)
{
	if (!json_is_boolean(e) || !json_is_boolean(a))
		return false;
	for (size_t i = 0; i < sizeof bool_words / sizeof *bool_words; i++) {
		if (strcmp(bool_words[i].attr, attr) != 0)
			continue;
		gk_buf_printf(b, "%s in %s, %s in %s", json_is_true(a) ? bool_words[i].yes : bool_words[i].no, an,
			      json_is_true(e) ? bool_words[i].yes : bool_words[i].no, en);
		return true;
	}
	return false;
}

/* Line `k` (0-based) of `s`, or NULL. */
static const char *line_at(const char *s, size_t k)
{
	for (; s && k > 0; k--) {
		s = strchr(s, '\n');
		s = s ? s + 1 : NULL;
	}
	return s;
}

/* The excerpt of a line around byte `at` (where the two sides part):
 * leading blanks skipped, from a little before `at`, LINE_EXCERPT bytes at
 * most, cut on UTF-8 boundaries, "..." where something was left out. */
static void put_excerpt(gk_buf *b, const char *line, size_t at)
{
	if (!line) {
		gk_buf_puts(b, "(no such line)");
		return;
	}
	size_t n = strcspn(line, "\n"), lead = strspn(line, " \t");
	size_t from = at > lead + CONTEXT ? at - CONTEXT : lead;
	while (from > lead && ((unsigned char)line[from] & 0xC0) == 0x80)
		from--;
	size_t len = n - from > LINE_EXCERPT ? gk_utf8_whole(line + from, LINE_EXCERPT) : n - from;
	gk_buf_printf(b, "\"%s%.*s%s\"", from > lead ? "..." : "", (int)len, line + from, from + len < n ? "..." : "");
}

/* Where two texts part: the line (0-based) and the byte in that line. */
static size_t first_difference(const char *x, const char *y, size_t *col)
{
	size_t line = 0;
	const char *start = x;
	for (; *x && *x == *y; x++, y++)
		if (*x == '\n') {
			line++;
			start = x + 1;
		}
	*col = (size_t)(x - start);
	return line;
}

static void put_long(gk_buf *b, const char *attr, const json_t *e, const json_t *a, const char *en,
		     const char *an)
{
	const char *es = json_string_value(e), *as = json_string_value(a);
	put_words(b, attr);
	if (!es || !as) {
		gk_buf_printf(b, " is %s in %s, %s in %s", as ? "set" : "none", an, es ? "set" : "none", en);
		return;
	}
	size_t col, k = first_difference(es, as, &col);
	if (strchr(es, '\n') || strchr(as, '\n'))
		gk_buf_printf(b, " differs at line %zu: ", k + 1);
	else
		gk_buf_puts(b, " differs: ");
	put_excerpt(b, line_at(as, k), col);
	gk_buf_printf(b, " in %s, ", an);
	put_excerpt(b, line_at(es, k), col);
	gk_buf_printf(b, " in %s", en);
}

static void put_changed(gk_buf *b, const char *attr, const json_t *e, const json_t *a, const char *en,
			const char *an)
{
	if (put_bool_words(b, attr, e, a, en, an))
		return;
	if (is_long(e) || is_long(a)) {
		put_long(b, attr, e, a, en, an);
		return;
	}
	put_words(b, attr);
	gk_buf_puts(b, json_is_array(a) || json_is_array(e) ? " are " : " is ");
	put_short(b, a);
	gk_buf_printf(b, " in %s, ", an);
	put_short(b, e);
	gk_buf_printf(b, " in %s", en);
}

char *gk_cat_message(enum gk_catalog_change_kind k, const char *kind, const char *id, const char *attr,
                     const json_t *expected, const json_t *actual, const char *exp_name,
                     const char *act_name)
{
	gk_buf b = GK_BUF_INIT;
	put_words(&b, kind);
	gk_buf_printf(&b, " %s", id);
	if (k == GK_CATALOG_MISSING)
		gk_buf_printf(&b, " is in %s but not in %s", exp_name, act_name);
	else if (k == GK_CATALOG_UNEXPECTED)
		gk_buf_printf(&b, " is in %s but not in %s", act_name, exp_name);
	else {
		gk_buf_puts(&b, ": ");
		put_changed(&b, attr, expected, actual, exp_name, act_name);
	}
	if (b.failed) {
		gk_buf_free(&b);
		return NULL;
	}
	return gk_buf_take(&b);
}
