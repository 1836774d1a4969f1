/*
 * chain.c - the chain hash that names a prefix of migrations.
 *
 * H_0 = SHA-256(seed), H_i = SHA-256(H_{i-1} || name_i || 0x00 || bytes_i),
 * H_{i-1} as its 64 hex digits.  The parts cannot run into each other:
 * the previous hash has a fixed length and a name holds no NUL, so a
 * rename and an edit never collide.  The name is in the hash because the
 * order of migrations and the way a runner sends them follow from it.
 */
#include "shadow/shadow.h"

#include <openssl/evp.h>
#include <string.h>

static void to_hex(char hex[65], const unsigned char md[32])
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
}

/* Digest of the pieces into `hex`; "" when OpenSSL fails (out of memory),
 * which every later link keeps and which find and store reject. */
static void digest(char hex[65], const void *const *piece, const size_t *len, size_t n)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (size_t i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(ctx, piece[i], len[i]);
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen == 32;
	EVP_MD_CTX_free(ctx);
	if (ok)
		to_hex(hex, md);
	else
		hex[0] = '\0';
}

void gk_shadow_chain_start(char hex[65], const char *seed, size_t seed_len)
{
	const void *piece[] = {seed ? seed : ""};
	size_t len[] = {seed ? seed_len : 0};
	digest(hex, piece, len, 1);
}

void gk_shadow_chain_next(char hex[65], const char *prev_hex, const char *name,
                          const char *bytes, size_t len)
{
	if (strlen(prev_hex) != 64) {
		hex[0] = '\0';
		return;
	}
	char prev[64];
	memcpy(prev, prev_hex, 64);  /* `hex` may be `prev_hex` */
	const void *piece[] = {prev, name, "", bytes ? bytes : ""};
	size_t lens[] = {64, strlen(name), 1, bytes ? len : 0};
	digest(hex, piece, lens, 4);
}
