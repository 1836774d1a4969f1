/*
 * ident.c - identities: "part.part.part", each part as quote_ident()
 * renders it (double quotes around a name that needs them, "" inside), a
 * routine's last part followed by its argument types in parentheses.
 */
#include "catalog/catalog_internal.h"
#include "util/util.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

/* Offsets of the top-level dots (outside quotes and parentheses). */
static size_t last_dot(const char *id, size_t *first)
{
	bool quoted = false;
	int depth = 0;
	size_t last = 0;
	*first = 0;
	for (size_t i = 0; id[i]; i++) {
		char ch = id[i];
		if (ch == '"')
			quoted = !quoted;  /* "" inside quotes toggles twice: no change */
		else if (!quoted && ch == '(')
			depth++;
		else if (!quoted && ch == ')')
			depth--;
		else if (!quoted && depth == 0 && ch == '.') {
			if (!*first)
				*first = i;
			last = i;
		}
	}
	return last;
}

size_t gk_cat_ident_parent_len(const char *id)
{
	size_t first;
	return last_dot(id, &first);
}

/* Unquote `n` bytes of `s` into `b`: "a""b" -> a"b, other text as is. */
static void unquote_to(gk_buf *b, const char *s, size_t n)
{
	bool quoted = false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '"') {
			gk_buf_putc(b, s[i]);
		} else if (quoted && i + 1 < n && s[i + 1] == '"') {
			gk_buf_putc(b, '"');
			i++;
		} else {
			quoted = !quoted;
		}
	}
}

void gk_cat_ident_first(char *out, size_t size, const char *id)
{
	size_t first;
	last_dot(id, &first);
	size_t n = first ? first : strlen(id);
	gk_buf b = GK_BUF_INIT;
	unquote_to(&b, id, n);
	snprintf(out, size, "%s", b.data && !b.failed ? b.data : "");
	gk_buf_free(&b);
}

char *gk_cat_ident_unquote(const char *id)
{
	gk_buf b = GK_BUF_INIT;
	unquote_to(&b, id, strlen(id));
	if (b.failed) {
		gk_buf_free(&b);
		return NULL;
	}
	char *s = gk_buf_take(&b);
	return s ? s : gk_strdup("");
}

static bool match_one(const char *glob, const char *kind, const char *id)
{
	if (!strchr(glob, ':'))
		return fnmatch(glob, id, 0) == 0;
	char *full = gk_asprintf("%s:%s", kind, id);
	bool hit = full && fnmatch(glob, full, 0) == 0;
	free(full);
	return hit;
}

bool gk_cat_glob_match(const char *glob, const char *kind, const char *id)
{
	if (match_one(glob, kind, id))
		return true;
	if (!strchr(id, '"'))
		return false;
	char *plain = gk_cat_ident_unquote(id);
	bool hit = plain && match_one(glob, kind, plain);
	free(plain);
	return hit;
}
