/*
 * dburl_form.c - the shape of a database URL as people paste it: inside
 * quotes or not, and its scheme.  Below dburl.c, which reads the forms,
 * and redact.c, which masks them, since both must see a URL alike.
 */
#include "util/dburl.h"
#include "util/dburl_form.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

bool gk_dburl_is_quote(char c) { return c == '\'' || c == '"'; }

void gk_dburl_unwrap(size_t *start, size_t *len, const char *s)
{
	size_t a = 0, b = strlen(s);
	while (a < b && isspace((unsigned char)s[a]))
		a++;
	while (b > a && isspace((unsigned char)s[b - 1]))
		b--;
	if (a < b && gk_dburl_is_quote(s[a])) {
		char q = s[a++];
		if (b > a && s[b - 1] == q)
			b--;
	}
	*start = a;
	*len = b - a;
}

size_t gk_dburl_scheme_chars(const char *s)
{
	if (!isalpha((unsigned char)*s))
		return 0;
	size_t n = 1;
	while (isalnum((unsigned char)s[n]) || s[n] == '+' || s[n] == '.' || s[n] == '-')
		n++;
	return n;
}

size_t gk_dburl_scheme_len(const char *s)
{
	size_t n = gk_dburl_scheme_chars(s);
	if (n == 0 || s[n] != ':')
		return 0;
	if (strncmp(s + n, "://", 3) == 0)
		return n + 3;
	if (n != 4 || strncasecmp(s, "jdbc", 4) != 0)
		return 0;
	size_t m = gk_dburl_scheme_chars(s + 5);
	if (m == 0 || s[5 + m] != ':')
		return 0;
	return strncmp(s + 5 + m, "://", 3) == 0 ? 5 + m + 3 : 5 + m + 1;
}
