/*
 * dburl.c - database URLs as people paste them (see util/dburl.h).
 *
 * The rule for every message here: a refused URL is described by its form,
 * never quoted.  Even its redacted form could hold a secret when the URL is
 * not shaped as we think (a password with an unencoded '&' or '@'), so the
 * only pieces named are the scheme, which stops at the first character a
 * scheme may not hold, and JDBC parameter names from the driver's list.
 * Once a URL is in libpq's form, libpq's own parser decides, and what it
 * says goes through the redaction of redact.c.
 */
#include "util/dburl.h"
#include "util/dburl_form.h"
#include "util/redact.h"
#include "util/util.h"

#include <ctype.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HOW_TO "postgresql://USER:PASSWORD@HOST:PORT/DATABASE (user and password percent-encoded) or key=value conninfo"

/* Query parameters of Prisma's connection URL that libpq does not know
 * (prisma.io/docs/orm/overview/databases/postgresql#arguments). */
static const char *const prisma_only[] = {
	"schema", "connection_limit", "pool_timeout", "pgbouncer", "statement_cache_size", "socket_timeout",
	"sslaccept", "sslidentity", "max_connection_lifetime", "max_idle_connection_lifetime",
	"single_use_connections",
};

/* JDBC parameters libpq takes under the same name (as URI parameters). */
static const char *const jdbc_same[] = {
	"user", "password", "sslmode", "sslcert", "sslkey", "sslrootcert", "sslpassword", "options",
};

/* ... and under another name (same unit: connectTimeout is in seconds). */
static const struct {
	const char *jdbc, *libpq;
} jdbc_renamed[] = {
	{"ApplicationName", "application_name"},
	{"connectTimeout", "connect_timeout"},
};

/* Other parameters of the PostgreSQL JDBC driver (jdbc.postgresql.org
 * documentation, "Connection Parameters"): named in a refusal, since they
 * are known not to be secrets.  Anything else is "a parameter". */
static const char *const jdbc_other[] = {
	"ssl", "sslfactory", "sslfactoryarg", "sslhostnameverifier", "sslpasswordcallback", "sslResponseTimeout",
	"currentSchema", "loginTimeout", "socketTimeout", "cancelSignalTimeout", "tcpKeepAlive", "tcpNoDelay",
	"prepareThreshold", "preparedStatementCacheQueries", "preparedStatementCacheSizeMiB", "preferQueryMode",
	"targetServerType", "loadBalanceHosts", "hostRecheckSeconds", "readOnly", "readOnlyMode", "gssEncMode",
	"gsslib", "kerberosServerName", "jaasApplicationName", "jaasLogin", "channelBinding", "binaryTransfer",
	"stringtype", "reWriteBatchedInserts", "autosave", "cleanupSavepoints", "assumeMinServerVersion",
	"defaultRowFetchSize", "logUnclosedConnections", "escapeSyntaxCallMode", "replication", "protocolVersion",
	"receiveBufferSize", "sendBufferSize", "maxResultBuffer", "logServerErrorDetail", "quoteReturningIdentifiers",
};

#define COUNT(a) (sizeof (a) / sizeof *(a))

static bool in_list(const char *const *list, size_t n, const char *key, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(list[i]) == len && strncmp(list[i], key, len) == 0)
			return true;
	return false;
}

void gk_dburl_free(gk_dburl *u)
{
	if (!u)
		return;
	free(u->libpq);
	free(u->schema);
	free(u->note);
	memset(u, 0, sizeof *u);
}

/* ---- Prisma's parameters ------------------------------------------------ */

static int hexval(int c)
{
	if (isdigit(c))
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decoding of a URL query value ('+' is left alone, as libpq does). */
static char *url_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	size_t k = 0;
	for (size_t i = 0; out && i < n; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < n && (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)s[i + 2])) >= 0) {
			out[k++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			out[k++] = s[i];
		}
	}
	if (out)
		out[k] = '\0';
	return out;
}

/* `url` (a postgresql:// URL) without Prisma's parameters; *schema gets
 * the value of `schema`.  NULL when out of memory. */
static char *strip_prisma(const char *url, char **schema)
{
	const char *q = strchr(url, '?');
	if (!q)
		return gk_strdup(url);
	gk_buf b = GK_BUF_INIT;
	gk_buf_append(&b, url, (size_t)(q - url));
	bool first = true;
	for (const char *p = q + 1; *p;) {
		size_t len = strcspn(p, "&");
		size_t klen = strcspn(p, "=&");
		if (klen == 6 && strncmp(p, "schema", 6) == 0 && klen < len) {
			free(*schema);
			*schema = url_decode(p + 7, len - 7);
		}
		if (len > 0 && !in_list(prisma_only, COUNT(prisma_only), p, klen)) {
			gk_buf_putc(&b, first ? '?' : '&');
			gk_buf_append(&b, p, len);
			first = false;
		}
		p += len;
		if (*p == '&')
			p++;
	}
	if (b.failed) {
		gk_buf_free(&b);
		return NULL;
	}
	char *s = gk_buf_take(&b);
	return s ? s : gk_strdup("");
}

/* ---- JDBC ---------------------------------------------------------------- */

static int jdbc_refuse(gk_error *err, const char *what, const char *why)
{
	return gk_error_set(err, GK_ECONFIG, "%s is a JDBC URL (jdbc:postgresql:...), which libpq does not take, and %s; "
			    "write it as " HOW_TO, what, why);
}

/* One parameter of a JDBC URL appended to `b` under libpq's name. */
static int jdbc_param(gk_buf *b, const char *p, size_t len, const char *what, gk_error *err)
{
	const char *eq = memchr(p, '=', len);
	if (!eq)
		return jdbc_refuse(err, what, "it has a parameter without '=' (an unencoded '&' in a value?)");
	size_t klen = (size_t)(eq - p);
	if (memchr(eq, '+', len - klen))
		return jdbc_refuse(err, what, "a parameter value holds a '+', which the JDBC driver reads as a space and "
				   "libpq as a '+' (encode it as %2B or %20)");
	const char *name = NULL;
	if (in_list(jdbc_same, COUNT(jdbc_same), p, klen))
		name = "";
	for (size_t i = 0; !name && i < COUNT(jdbc_renamed); i++)
		if (strlen(jdbc_renamed[i].jdbc) == klen && strncmp(jdbc_renamed[i].jdbc, p, klen) == 0)
			name = jdbc_renamed[i].libpq;
	if (!name) {
		for (size_t i = 0; i < COUNT(jdbc_other); i++)
			if (strlen(jdbc_other[i]) == klen && strncmp(jdbc_other[i], p, klen) == 0) {
				char why[160];
				snprintf(why, sizeof why, "its parameter %s has no libpq equivalent under that name",
					 jdbc_other[i]);
				return jdbc_refuse(err, what, why);
			}
		return jdbc_refuse(err, what, "it has a parameter libpq does not take");
	}
	if (*name) {
		gk_buf_puts(b, name);
		gk_buf_append(b, eq, len - klen);
	} else {
		gk_buf_append(b, p, len);
	}
	return 0;
}

/* jdbc:postgresql://HOST[:PORT][,HOST...]/DB?params -> postgresql://... */
static int jdbc_convert(char **out, const char *url, const char *what, gk_error *err)
{
	*out = NULL;
	const char *body = url + 5;  /* after "jdbc:" */
	if (strncasecmp(body, "postgresql://", 13) != 0)
		return jdbc_refuse(err, what, strncasecmp(body, "postgresql:", 11) == 0
					       ? "it names no host (the JDBC driver then uses localhost:5432)"
					       : "it is not the PostgreSQL driver's");
	const char *auth = body + 13;
	size_t alen = strcspn(auth, "/?");
	if (alen == 0)
		return jdbc_refuse(err, what, "it names no host");
	if (memchr(auth, '@', alen))
		return jdbc_refuse(err, what, "it has a user or password before the host, which the JDBC driver does not read");
	gk_buf b = GK_BUF_INIT;
	gk_buf_puts(&b, "postgresql://");
	const char *q = strchr(auth, '?');
	gk_buf_append(&b, auth, q ? (size_t)(q - auth) : strlen(auth));
	int rc = 0;
	bool first = true;
	for (const char *p = q ? q + 1 : ""; *p && rc == 0;) {
		size_t len = strcspn(p, "&");
		if (len > 0) {
			gk_buf_putc(&b, first ? '?' : '&');
			first = false;
			rc = jdbc_param(&b, p, len, what, err);
		}
		p += len;
		if (*p == '&')
			p++;
	}
	if (rc == 0 && b.failed)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	if (rc) {
		gk_buf_free(&b);
		return rc;
	}
	*out = gk_buf_take(&b);
	return *out ? 0 : gk_error_set(err, GK_ENOMEM, "out of memory");
}

/* ---- the forms ----------------------------------------------------------- */

static void add_note(gk_buf *notes, const char *fmt, const char *a, const char *b)
{
	if (notes->len)
		gk_buf_puts(notes, "; ");
	gk_buf_printf(notes, fmt, a, b);
}

/* `s` (unwrapped) into libpq's form: *out malloc'ed; notes added. */
static int to_libpq(char **out, const char *s, const char *what, gk_buf *notes, gk_error *err)
{
	*out = NULL;
	size_t slen = gk_dburl_scheme_len(s);
	if (slen == 0) {
		*out = gk_strdup(s); /* key=value conninfo: libpq decides */
		return *out ? 0 : gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	size_t n = gk_dburl_scheme_chars(s);
	char scheme[48];
	snprintf(scheme, sizeof scheme, "%.*s", (int)(n < 40 ? n : 40), s);
	if (n == 4 && strncasecmp(s, "jdbc", 4) == 0) {
		int rc = jdbc_convert(out, s, what, err);
		char *shown = rc == 0 ? gk_shadow_redact(*out) : NULL;
		if (rc == 0)
			add_note(notes, "%s is a JDBC URL; it was read as the libpq URL %s", what,
				 shown ? shown : "postgresql://...");
		free(shown);
		return rc;
	}
	if (strncmp(s + n, "://", 3) != 0)
		return gk_error_set(err, GK_ECONFIG, "%s is not a URL libpq takes; write it as " HOW_TO, what);
	bool pg = (n == 10 && strncasecmp(s, "postgresql", 10) == 0) || (n == 8 && strncasecmp(s, "postgres", 8) == 0);
	if (pg) { /* libpq knows the scheme in lower case only */
		*out = gk_strdup(s);
		for (size_t i = 0; *out && i < n; i++)
			(*out)[i] = (char)tolower((unsigned char)(*out)[i]);
		return *out ? 0 : gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	const char *plus = memchr(s, '+', n);
	bool driver = plus && plus > s &&
		      ((plus - s == 10 && strncasecmp(s, "postgresql", 10) == 0) ||
		       (plus - s == 8 && strncasecmp(s, "postgres", 8) == 0));
	if (!driver)
		return gk_error_set(err, GK_ECONFIG, "%s is a %s:// URL, not a PostgreSQL one; write it as " HOW_TO, what,
				    scheme);
	*out = gk_asprintf("postgresql://%s", s + n + 3);
	if (!*out)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	add_note(notes, "%s has SQLAlchemy's scheme %s://; it was read as postgresql://", what, scheme);
	return 0;
}

/* The quotes and white space around `input`: refused when unbalanced,
 * noted when removed.  *body gets the inside (malloc'ed). */
static int unwrap(char **body, const char *input, const char *what, gk_buf *notes, gk_error *err)
{
	size_t start, len;
	gk_dburl_unwrap(&start, &len, input);
	*body = NULL;
	size_t first = strspn(input, " \t\r\n\f\v");
	bool quoted = gk_dburl_is_quote(input[first]);
	bool closed = quoted && input[start + len] == input[first];
	if (quoted && !closed)
		return gk_error_set(err, GK_ECONFIG, "%s starts with a quote (%c) that does not close: remove the quotes "
				    "around it", what, input[first]);
	if (len == 0)
		return gk_error_set(err, GK_ECONFIG, "%s is empty%s", what, quoted ? " (only quotes)" : "");
	if (!quoted && gk_dburl_scheme_len(input + start) > 0 && gk_dburl_is_quote(input[start + len - 1]))
		return gk_error_set(err, GK_ECONFIG, "%s ends with a quote (%c) that was not opened: remove it", what,
				    input[start + len - 1]);
	bool newline = strpbrk(input + start + len, "\r\n") != NULL;
	if (quoted)
		add_note(notes, "%s was wrapped in quotes%s (as a secret store may keep it); they were removed", what,
			 newline ? " and ended with a newline" : "");
	else if (newline && gk_dburl_scheme_len(input + start) > 0)
		add_note(notes, "%s ended with a newline%s; it was removed", what, "");
	*body = gk_strndup(input + start, len);
	return *body ? 0 : gk_error_set(err, GK_ENOMEM, "out of memory");
}

/* libpq's own verdict on the result, its message cleaned of secrets. */
static int libpq_accepts(const char *libpq, const char *input, const char *what, gk_error *err)
{
	char *perr = NULL;
	PQconninfoOption *o = PQconninfoParse(libpq, &perr);
	PQconninfoFree(o);
	if (o)
		return 0;
	if (!perr)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	char *m1 = gk_shadow_clean_message(perr, input);
	char *m = m1 ? gk_shadow_clean_message(m1, libpq) : NULL;
	PQfreemem(perr);
	char *shown = gk_shadow_redact(libpq);
	int rc = gk_error_set(err, GK_ECONFIG, "%s is not a libpq URL or conninfo: %s (%s)", what,
			      shown ? shown : "(out of memory)", m ? m : "out of memory");
	free(shown);
	free(m1);
	free(m);
	return rc;
}

int gk_dburl_parse(gk_dburl *out, const char *what, const char *input, gk_error *err)
{
	memset(out, 0, sizeof *out);
	if (!what)
		what = "the database URL";
	gk_buf notes = GK_BUF_INIT;
	char *body = NULL, *libpq = NULL, *schema = NULL;
	int rc = unwrap(&body, input ? input : "", what, &notes, err);
	if (rc == 0)
		rc = to_libpq(&libpq, body, what, &notes, err);
	if (rc == 0 && gk_dburl_scheme_len(libpq) > 0) {
		char *clean = strip_prisma(libpq, &schema);
		free(libpq);
		libpq = clean;
		if (!libpq)
			rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	if (rc == 0)
		rc = libpq_accepts(libpq, input, what, err);
	if (rc == 0 && notes.failed)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	free(body);
	if (rc) {
		gk_buf_free(&notes);
		free(libpq);
		free(schema);
		return rc;
	}
	out->libpq = libpq;
	out->schema = schema;
	out->note = notes.len ? gk_buf_take(&notes) : NULL;
	gk_buf_free(&notes);
	return 0;
}

/* ---- why a connection failed -------------------------------------------- */

/* Whether `msg` holds `before` NAME `after` on one line ('database "x" does not exist'). */
static bool names_missing(const char *msg, const char *before, const char *after)
{
	for (const char *p = strstr(msg, before); p; p = strstr(p + 1, before)) {
		const char *end = strstr(p + strlen(before), after), *nl = strchr(p, '\n');
		if (end && (!nl || end < nl))
			return true;
	}
	return false;
}

int gk_dburl_refusal(const char *message, bool needs_password)
{
	/* The server's FATAL messages of its authentication and database checks
	 * (src/backend/libpq/auth.c, utils/init/postinit.c), and libpq's own
	 * when no password was given. */
	static const char *const refusals[] = {
		"authentication failed for user \"", /* password (28P01), peer, ident, ldap, cert, ... (28000) */
		"no pg_hba.conf entry for ",         /* 28000 */
		"pg_hba.conf rejects connection",    /* 28000 */
		"\" is not permitted to log in",     /* 28000: NOLOGIN */
		"fe_sendauth: no password supplied",
	};
	if (needs_password)
		return GK_ECONFIG;
	if (!message)
		return GK_EINFRA;
	for (size_t i = 0; i < sizeof refusals / sizeof *refusals; i++)
		if (strstr(message, refusals[i]))
			return GK_ECONFIG;
	if (names_missing(message, "database \"", "\" does not exist") ||
	    names_missing(message, "role \"", "\" does not exist"))
		return GK_ECONFIG;
	return GK_EINFRA;
}
