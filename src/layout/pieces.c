/*
 * pieces.c - the queries a naive splitter sends for a file (see
 * gk_runner_pieces in src/layout/runner.h).
 *
 * Both cut at every ';' without reading the SQL, and differ in the text
 * they send of each piece:
 *
 *   Prisma 6 driver adapters (@prisma/adapter-pg 6.19, executeScript):
 *       script.split(';').map((stmt) => stmt.trim())
 *             .filter((stmt) => stmt.length > 0)
 *   and each piece is client.query(stmt): a simple query without the ';'.
 *
 *   golang-migrate (database/multistmt/parse.go, splitWithDelimiter with
 *   bufio.Scanner; database/postgres/postgres.go, runStatement): each token
 *   is the text up to and including the next ';' (the rest of the file at
 *   the end), skipped when strings.TrimSpace leaves nothing, else sent as
 *   it is with ExecContext.
 *
 * White space is what each language's own function trims: JavaScript's
 * trim() takes the ECMAScript WhiteSpace and LineTerminator characters
 * (with U+FEFF), Go's unicode.IsSpace the Unicode White_Space ones (with
 * U+0085, without U+FEFF).  Only the emptiness of a piece and where it
 * starts depend on it; the server reads the same statement either way.
 */
#include "layout/runner.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* The code point of the UTF-8 sequence at p[0..n) and its length; 0 when
 * it is not one (a stray byte counts as no white space). */
static size_t decode(const unsigned char *p, size_t n, unsigned long *cp)
{
	size_t len = p[0] < 0x80 ? 1 : (p[0] & 0xE0) == 0xC0 ? 2 : (p[0] & 0xF0) == 0xE0 ? 3
		   : (p[0] & 0xF8) == 0xF0 ? 4 : 0;
	if (len == 0 || len > n)
		return 0;
	unsigned long v = len == 1 ? p[0] : p[0] & (0x3F >> (len - 1));
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3F);
	}
	*cp = v;
	return len;
}

static bool is_space(unsigned long cp, enum gk_splitter sp)
{
	if ((cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
	    cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000)
		return true;
	return sp == GK_SPLITTER_EVERY_SEMICOLON ? cp == 0xFEFF : cp == 0x85;
}

/* Length of the white-space character starting at p[0..n), 0 when none. */
static size_t space_at(const char *p, size_t n, enum gk_splitter sp)
{
	unsigned long cp;
	size_t len = n ? decode((const unsigned char *)p, n, &cp) : 0;
	return len && is_space(cp, sp) ? len : 0;
}

/* Length of the white-space character ending at p[n], 0 when none. */
static size_t space_before(const char *p, size_t n, enum gk_splitter sp)
{
	for (size_t len = 1; len <= 4 && len <= n; len++) {
		unsigned char ch = (unsigned char)p[n - len];
		if ((ch & 0xC0) == 0x80)
			continue;  /* a continuation byte: the character starts further back */
		return space_at(p + n - len, len, sp) == len ? len : 0;
	}
	return 0;
}

/* [*a, *b) without white space at either end. */
static void trim(const char *text, size_t *a, size_t *b, enum gk_splitter sp)
{
	size_t k;
	while (*a < *b && (k = space_at(text + *a, *b - *a, sp)) > 0)
		*a += k;
	while (*b > *a && (k = space_before(text + *a, *b - *a, sp)) > 0)
		*b -= k;
}

int gk_runner_pieces(gk_runner_piece **out, size_t *n, enum gk_splitter sp, const char *text, size_t len)
{
	*out = NULL;
	*n = 0;
	if (sp != GK_SPLITTER_EVERY_SEMICOLON && sp != GK_SPLITTER_MULTISTMT)
		return GK_ERROR;
	size_t cap = 0;
	for (size_t from = 0; from <= len;) {
		const char *semi = memchr(text + from, ';', len - from);
		size_t cut = semi ? (size_t)(semi - text) : len;
		/* golang-migrate keeps the ';' in the piece, Prisma drops it. */
		size_t a = from, b = sp == GK_SPLITTER_MULTISTMT && semi ? cut + 1 : cut;
		size_t ta = a, tb = b;
		trim(text, &ta, &tb, sp);
		/* Go's TrimSpace of a piece holding its ';' is never empty. */
		if (tb > ta) {
			if (gk_grow(out, &cap, *n + 1, sizeof **out) < 0) {
				free(*out);
				*out = NULL;
				*n = 0;
				return GK_ENOMEM;
			}
			(*out)[(*n)++] = sp == GK_SPLITTER_EVERY_SEMICOLON ? (gk_runner_piece){ta, tb}
									   : (gk_runner_piece){a, b};
		}
		if (!semi)
			break;
		from = cut + 1;
	}
	return 0;
}
