/*
 * dbmate.c - dbmate's migration folder: <digits>*.sql at the top of the
 * folder (dbmate's ^(\d+).*\.sql$, version = the digits), applied in file
 * name order.  Each file holds both directions:
 *
 *   -- migrate:up [transaction:false]
 *   ...SQL run forward...
 *   -- migrate:down
 *   ...SQL run backward...
 *
 * dbmate sends the text from the up marker to the down marker (the marker
 * line is a comment, so it is included), inside a transaction unless the
 * up marker says `transaction:false`.  dbmate only sees markers at the
 * start of a line; we also accept indented ones, because a formatter can
 * indent them (UPchieve's 20211026205335_create_cities_table.sql has its
 * down marker indented inside an unterminated ALTER TABLE): splitting
 * there is what the author meant, while dbmate would run the down section
 * as part of the up one.  A file without an up marker (dbmate refuses it)
 * gets everything before the down marker, so that it is still linted.
 */
#include "layout/layout_internal.h"
#include "util/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

bool gk_dbmate_match(const char *base, gk_span *key, gk_span *version, gk_span *name)
{
	size_t d = 0, len = strlen(base);
	while (isdigit((unsigned char)base[d]))
		d++;
	if (d == 0 || !gk_lp_ends(base, ".sql") || len - 4 < d)
		return false;
	size_t ns = d + (base[d] == '_');
	*key = (gk_span){base, len - 4};
	*version = (gk_span){base, d};
	*name = (gk_span){base + ns, len - 4 > ns ? len - 4 - ns : 0};
	return true;
}

typedef struct marker {
	bool found;
	size_t line;          /* offset of the marker's line */
	size_t opt, opt_end;  /* the options after the word, up to the end of the line */
} marker;

static bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

/* Whether the line [s, e) is "-- migrate:<word>" followed by nothing or blanks. */
static bool marker_line(const char *s, const char *e, const char *word, const char **opt)
{
	while (s < e && blank(*s))
		s++;
	if (e - s < 2 || s[0] != '-' || s[1] != '-')
		return false;
	for (s += 2; s < e && blank(*s);)
		s++;
	size_t n = strlen(word);
	if ((size_t)(e - s) < n || memcmp(s, word, n) != 0)
		return false;
	s += n;
	if (s < e && !blank(*s))
		return false;  /* "-- migrate:upgrade" is not a marker */
	*opt = s;
	return true;
}

/* The first marker line of `word` (a UTF-8 BOM before the first line is skipped). */
static marker find_marker(const char *text, size_t len, const char *word)
{
	size_t i = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	while (i < len) {
		const char *eol = memchr(text + i, '\n', len - i);
		size_t end = eol ? (size_t)(eol - text) : len;
		const char *opt;
		if (marker_line(text + i, text + end, word, &opt))
			return (marker){true, i, (size_t)(opt - text), end};
		i = end + 1;
	}
	return (marker){0};
}

bool gk_dbmate_has_marker(const char *text, size_t len) { return find_marker(text, len, "migrate:up").found; }

/* dbmate's marker pattern `migrate:up(\s*$|\s+\S+)` captures only the first
 * token after the word, so only that one can say "transaction:false". */
static bool option_no_transaction(const char *s, const char *e)
{
	while (s < e && blank(*s))
		s++;
	const char *t = s;
	while (t < e && !blank(*t))
		t++;
	return t - s == 17 && memcmp(s, "transaction:false", 17) == 0;
}

static void sections(gk_layout_migration *m, const char *text, size_t len)
{
	marker up = find_marker(text, len, "migrate:up");
	marker down = find_marker(text, len, "migrate:down");
	m->up_start = up.found ? up.line : 0;
	m->up_end = down.found && (!up.found || down.line > up.line) ? down.line : len;
	m->no_transaction = up.found && option_no_transaction(text + up.opt, text + up.opt_end);
}

bool gk_layout_dbmate_sections(gk_layout_migration *m, const char *text, size_t len)
{
	if (!gk_dbmate_has_marker(text, len))
		return false;
	sections(m, text, len);
	return true;
}

static int add(gk_lb *b, const char *p, gk_span key, gk_span ver, gk_span name)
{
	gk_layout_migration *m = gk_lb_add(b, key, ver, name, p);
	if (!m)
		return gk_lb_oom(b);
	m->up_end = GK_LAYOUT_END;
	if (!b->read)
		return 0;
	char *text;
	size_t len;
	int rc = gk_lb_read(b, p, &text, &len);
	if (rc < 0)
		return rc;
	sections(m, text ? text : "", text ? len : 0);
	free(text);
	return 0;
}

int gk_layout_dbmate(gk_lb *b, const char *const *paths, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *p = paths[i];
		gk_span key, ver, name;
		int rc = gk_lp_depth(p) == 0 && gk_dbmate_match(p, &key, &ver, &name) ? add(b, p, key, ver, name)
										: gk_lb_stray(b, p);
		if (rc < 0)
			return rc;
	}
	return 0;
}
