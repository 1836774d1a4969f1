/*
 * checksum.c - Prisma's migration checksums.
 *
 * Prisma stores SHA-256 of the script's bytes, lowercase hex, in
 * _prisma_migrations.checksum and warns when a file no longer matches.
 * Its check (prisma-engines schema-connector/src/checksum.rs,
 * script_matches_checksum; summarised in ../shared/reference/
 * shadow-and-drift.md section 1) accepts the digest of the current script
 * as is, with "\r\n" replaced by "\n", and with "\n" replaced by "\r\n"
 * (Rust's str::replace: an existing "\r\n" becomes "\r\r\n"), because git's
 * autocrlf rewrites line endings behind the user's back.  A stored value
 * whose length is not 64 is the legacy rendering that dropped the leading
 * zero of each byte (prisma-engines#1887).
 *
 * The byte comparison below is the same test without hashing: equal
 * digests mean equal bytes.
 */
#include "history/history.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sha256(unsigned char md[32], const void *data, size_t len)
{
	unsigned int n = 0;
	if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) || n != 32)
		memset(md, 0, 32); /* only fails without memory; an all-zero digest matches nothing real */
}

static void hex(char *out, const unsigned char md[32], bool padded)
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		if (padded || md[i] >= 16)
			*out++ = digits[md[i] >> 4];
		*out++ = digits[md[i] & 15];
	}
	*out = '\0';
}

void gk_sha256_hex(char out[65], const void *data, size_t len)
{
	unsigned char md[32];
	sha256(md, data, len);
	hex(out, md, true);
}

/* Whether rewriting `s` (every `from` -> `to`) gives exactly `want`, without building the copy. */
static bool rewrite_equals(const char *s, size_t n, const char *from, const char *to, const char *want, size_t wn)
{
	size_t fl = strlen(from), tl = strlen(to), w = 0;
	for (size_t i = 0; i < n;) {
		const char *piece = s + i;
		size_t pl = 1;
		if (n - i >= fl && memcmp(s + i, from, fl) == 0) {
			piece = to;
			pl = tl;
			i += fl;
		} else {
			i++;
		}
		if (wn - w < pl || memcmp(want + w, piece, pl) != 0)
			return false;
		w += pl;
	}
	return w == wn;
}

bool gk_checksum_equal_prisma(const char *applied, size_t applied_len, const char *current, size_t current_len)
{
	return (applied_len == current_len && memcmp(applied, current, current_len) == 0) ||
	       rewrite_equals(current, current_len, "\r\n", "\n", applied, applied_len) ||
	       rewrite_equals(current, current_len, "\n", "\r\n", applied, applied_len);
}

/* SHA-256 of `s` with every `from` replaced by `to` (or as is when from == NULL), hex. */
static bool digest_matches(const char *stored, const char *s, size_t n, const char *from, const char *to)
{
	unsigned char md[32];
	char text[65];
	if (!from) {
		sha256(md, s, n);
	} else {
		size_t fl = strlen(from), tl = strlen(to), k = 0;
		char *copy = malloc(n * 2 + 1); /* "\n" -> "\r\n" at most doubles */
		if (!copy)
			return false;
		for (size_t i = 0; i < n;)
			if (n - i >= fl && memcmp(s + i, from, fl) == 0) {
				memcpy(copy + k, to, tl);
				k += tl;
				i += fl;
			} else {
				copy[k++] = s[i++];
			}
		sha256(md, copy, k);
		free(copy);
	}
	size_t sl = strlen(stored);
	hex(text, md, sl == 0 || sl == 64);
	return strcmp(text, stored) == 0;
}

bool gk_checksum_verify_prisma(const char *stored_hex, const char *current, size_t current_len)
{
	return digest_matches(stored_hex, current, current_len, NULL, NULL) ||
	       digest_matches(stored_hex, current, current_len, "\r\n", "\n") ||
	       digest_matches(stored_hex, current, current_len, "\n", "\r\n");
}
