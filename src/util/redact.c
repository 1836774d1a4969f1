/*
 * redact.c - keep passwords out of everything gatekeeper prints.
 *
 * libpq takes two syntaxes, and a `dbname` value may itself be either:
 *   postgresql://user:PASSWORD@host:5432/db?password=PASSWORD&sslpassword=X
 *   host=h user=u password='PASS WORD' sslpassword=X dbname=...
 * We mask more than libpq would read as a password rather than less: in a
 * URL everything between the first ':' of the user part and the *last* '@'
 * before the path (a password with an unencoded '@' or '/' shifts where
 * libpq splits), and after a syntax error in key=value form the whole rest.
 *
 * Server and libpq messages could quote a piece of the URL; the passwords
 * found here (raw and percent-decoded) are replaced in them as well.
 *
 * The forms libpq does not take but people paste (see util/dburl.h)
 * are masked the same way, since they are shown when refused and their
 * secrets must not reach a message either: a value wrapped in quotes is
 * masked inside its quotes, and any scheme:// URL (JDBC's, SQLAlchemy's
 * postgresql+driver://, mysql://) is masked as a URL, not read as a
 * key=value string (whose syntax error would show it whole).
 */
#include "util/redact.h"
#include "util/dburl.h"
#include "util/util.h"

#include <ctype.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MASK "****"

static void secrets_add(gk_secrets *s, const char *p, size_t n)
{
	if (!s || n == 0 || gk_grow(&s->v, &s->cap, s->n + 1, sizeof *s->v) != 0)
		return;
	char *copy = gk_strndup(p, n);
	if (copy)
		s->v[s->n++] = copy;
}

void gk_secrets_free(gk_secrets *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Add a URL piece and, when it differs, its percent-decoded form.  A
 * password with an unencoded '/', '?', '@', ':', '&' or '=' is split by
 * libpq, which then quotes a part of it ("invalid integer value "s3cr" for
 * connection option "port"", "invalid URI query parameter: "s3cr""): its
 * parts of 3 or more characters are secrets too. */
static void secrets_add_url(gk_secrets *s, const char *p, size_t n)
{
	secrets_add(s, p, n);
	for (size_t i = 0; i < n;) {
		size_t len = strcspn(p + i, "/?@:#&=");
		if (len > n - i)
			len = n - i;
		if (len >= 3 && len < n)
			secrets_add(s, p + i, len);
		i += len + 1;
	}
	char *dec = malloc(n + 1);
	if (!dec)
		return;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (p[i] == '%' && i + 2 < n && (hi = hexval((unsigned char)p[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)p[i + 2])) >= 0) {
			dec[k++] = (char)(hi * 16 + lo);
			i += 2;
		} else
			dec[k++] = p[i];
	}
	if (k != n)
		secrets_add(s, dec, k);
	free(dec);
}

static bool key_has(const char *k, size_t n, const char *word)
{
	size_t w = strlen(word);
	for (size_t i = 0; i + w <= n; i++)
		if (strncasecmp(k + i, word, w) == 0)
			return true;
	return false;
}

/* libpq's password and sslpassword, and whatever else a driver may call a
 * secret (JDBC's sslpassword, "pwd", tokens): masking too much is fine. */
static bool is_secret_key(const char *k, size_t n)
{
	return key_has(k, n, "pass") || key_has(k, n, "pwd") || key_has(k, n, "secret") || key_has(k, n, "token");
}

static bool is_uri(const char *s)
{
	return gk_dburl_scheme_len(s) > 0;
}

/* A libpq keyword: letters and '_'.  Anything else before a missing '='
 * is not a keyword but a piece of a value (or a URL libpq did not see as
 * one), and is masked. */
static bool is_keyword(const char *k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isalpha((unsigned char)k[i]) && k[i] != '_')
			return false;
	return n > 0;
}

static void redact_to(gk_buf *out, const char *s, gk_secrets *found);

/* postgresql://user:PASSWORD@hosts/db?k=v&password=PASSWORD */
static void redact_uri(gk_buf *out, const char *s, gk_secrets *found)
{
	const char *p = s + gk_dburl_scheme_len(s);
	gk_buf_append(out, s, (size_t)(p - s));
	/* The later of: the last '@' before the first '/' (a password with an
	 * unencoded '?'), the last '@' before the first '?' (one with a '/'). */
	const char *slash = p + strcspn(p, "/"), *quest = p + strcspn(p, "?");
	const char *at = NULL;
	for (const char *q = p; q < slash || q < quest; q++)
		if (*q == '@')
			at = q;
	const char *rest = p;
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		if (colon) {
			gk_buf_append(out, p, (size_t)(colon + 1 - p));
			gk_buf_puts(out, MASK);
			secrets_add_url(found, colon + 1, (size_t)(at - colon - 1));
			rest = at;
		}
	}
	const char *query = strchr(at ? at : p, '?');
	if (!query) {
		gk_buf_puts(out, rest);
		return;
	}
	gk_buf_append(out, rest, (size_t)(query + 1 - rest));
	for (const char *k = query + 1; *k;) {
		size_t len = strcspn(k, "&");
		const char *eq = memchr(k, '=', len);
		if (eq && is_secret_key(k, (size_t)(eq - k))) {
			gk_buf_append(out, k, (size_t)(eq + 1 - k));
			gk_buf_puts(out, MASK);
			secrets_add_url(found, eq + 1, (size_t)(k + len - eq - 1));
		} else if (!eq && len > 0) {
			/* Never a parameter: the rest of a value with an
			 * unencoded '&', maybe a password's. */
			gk_buf_puts(out, MASK);
			secrets_add_url(found, k, len);
		} else
			gk_buf_append(out, k, len);
		k += len;
		if (*k == '&')
			gk_buf_putc(out, *k++);
	}
}

/* One key=value value as libpq reads it: quoted with \-escapes, or up to
 * the next space.  *end gets where it stops; NULL on an open quote. */
static char *read_value(const char *p, const char **end)
{
	gk_buf v = GK_BUF_INIT;
	bool quoted = *p == '\'';
	if (quoted)
		p++;
	for (; *p; p++) {
		if (quoted ? *p == '\'' : isspace((unsigned char)*p))
			break;
		if (*p == '\\' && p[1])
			p++;
		gk_buf_putc(&v, *p);
	}
	if (quoted && *p != '\'') {
		gk_buf_free(&v);
		return NULL;
	}
	*end = quoted ? p + 1 : p;
	char *s = gk_buf_take(&v);
	return s ? s : gk_strdup("");
}

static void redact_keywords(gk_buf *out, const char *s, gk_secrets *found)
{
	const char *p = s;
	while (*p) {
		const char *sp = p;
		while (isspace((unsigned char)*p))
			p++;
		gk_buf_append(out, sp, (size_t)(p - sp));
		if (!*p)
			break;
		const char *key = p;
		while (*p && *p != '=' && !isspace((unsigned char)*p))
			p++;
		size_t klen = (size_t)(p - key);
		const char *after_key = p;
		while (isspace((unsigned char)*p))
			p++;
		const char *end;
		char *value = *p == '=' ? read_value(p + 1 + strspn(p + 1, " \t\n\r\f\v"), &end) : NULL;
		if (!value) {  /* syntax error: hide the rest */
			if (is_keyword(key, klen)) {
				gk_buf_append(out, key, klen);
			} else {
				gk_buf_puts(out, MASK);
				secrets_add_url(found, key, klen);
			}
			if (*after_key)
				gk_buf_puts(out, " " MASK);
			secrets_add(found, after_key, strlen(after_key));
			return;
		}
		gk_buf_append(out, key, klen);
		gk_buf_putc(out, '=');
		if (is_secret_key(key, klen)) {
			gk_buf_puts(out, MASK);
			secrets_add(found, value, strlen(value));
		} else if (klen == 6 && strncmp(key, "dbname", 6) == 0 &&
		           (is_uri(value) || strchr(value, '='))) {
			gk_buf inner = GK_BUF_INIT;
			redact_to(&inner, value, found);
			char *r = gk_buf_take(&inner);
			free(value);
			value = r;
			char *q = gk_conninfo_add(NULL, "", value ? value : "");
			gk_buf_puts(out, q ? q + 1 : "''");  /* skip the '=' of an empty key */
			free(q);
		} else {
			const char *vstart = p + 1 + strspn(p + 1, " \t\n\r\f\v");
			gk_buf_append(out, vstart, (size_t)(end - vstart));
		}
		free(value);
		p = end;
	}
}

static void redact_body(gk_buf *out, const char *s, gk_secrets *found)
{
	if (is_uri(s))
		redact_uri(out, s, found);
	else
		redact_keywords(out, s, found);
}

/* The quotes and white space around a pasted value are kept as they are;
 * what they hold is masked as if it stood alone. */
static void redact_to(gk_buf *out, const char *s, gk_secrets *found)
{
	size_t start, len;
	gk_dburl_unwrap(&start, &len, s);
	if (start == 0 && s[len] == '\0') {
		redact_body(out, s, found);
		return;
	}
	char *inner = gk_strndup(s + start, len);
	if (!inner) {
		out->failed = true;
		return;
	}
	gk_buf_append(out, s, start);
	redact_body(out, inner, found);
	gk_buf_puts(out, s + start + len);
	free(inner);
}

/* The passwords libpq itself reads from `conninfo`: the scans above mask
 * more than it reads, but where a URL's parts are ambiguous (a query
 * before a later '@') it may read a password none of their pieces is. */
static void libpq_secrets(const char *conninfo, gk_secrets *found)
{
	if (!found)
		return;
	/* A pasted value is read by libpq without its quotes (gk_dburl_parse). */
	size_t start, len;
	gk_dburl_unwrap(&start, &len, conninfo);
	char *inner = gk_strndup(conninfo + start, len);
	PQconninfoOption *opts = inner ? PQconninfoParse(inner, NULL) : NULL;
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (o->val && is_secret_key(o->keyword, strlen(o->keyword)))
			secrets_add(found, o->val, strlen(o->val));
	PQconninfoFree(opts);
	free(inner);
}

char *gk_redact_collect(const char *conninfo, gk_secrets *found)
{
	gk_buf out = GK_BUF_INIT;
	redact_to(&out, conninfo ? conninfo : "", found);
	libpq_secrets(conninfo ? conninfo : "", found);
	if (out.failed) {
		gk_buf_free(&out);
		return NULL;
	}
	char *s = gk_buf_take(&out);
	return s ? s : gk_strdup("");
}

char *gk_shadow_redact(const char *conninfo)
{
	return gk_redact_collect(conninfo, NULL);
}

char *gk_redact_message(const char *msg, const char *conninfo)
{
	gk_secrets found = {0};
	free(gk_redact_collect(conninfo, &found));
	char *cur = gk_strdup(msg ? msg : "");
	for (size_t i = 0; cur && i < found.n; i++) {
		const char *secret = found.v[i];
		size_t n = strlen(secret);
		if (n == 0)
			continue;
		gk_buf b = GK_BUF_INIT;
		const char *p = cur, *hit;
		while ((hit = strstr(p, secret))) {
			gk_buf_append(&b, p, (size_t)(hit - p));
			gk_buf_puts(&b, MASK);
			p = hit + n;
		}
		gk_buf_puts(&b, p);
		free(cur);
		cur = b.failed ? NULL : gk_buf_take(&b);
		if (!cur)
			cur = gk_strdup("");
		gk_buf_free(&b);
	}
	gk_secrets_free(&found);
	return cur;
}

char *gk_conninfo_add(char *base, const char *key, const char *value)
{
	gk_buf b = GK_BUF_INIT;
	if (base && *base) {
		gk_buf_puts(&b, base);
		gk_buf_putc(&b, ' ');
	}
	free(base);
	gk_buf_puts(&b, key);
	gk_buf_puts(&b, "='");
	for (const char *p = value; *p; p++) {
		if (*p == '\'' || *p == '\\')
			gk_buf_putc(&b, '\\');
		gk_buf_putc(&b, *p);
	}
	gk_buf_putc(&b, '\'');
	if (b.failed) {
		gk_buf_free(&b);
		return NULL;
	}
	return gk_buf_take(&b);
}

char *gk_shadow_clean_message(const char *msg, const char *conninfo)
{
	char *m = gk_redact_message(msg ? msg : "", conninfo);
	if (m)
		gk_one_line(m);
	return m;
}
