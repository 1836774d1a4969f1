/*
 * util/dburl.h - database URLs as people paste them, made into what
 * libpq takes, or refused.
 *
 * Every URL gatekeeper is given (--database and $DATABASE_URL of status,
 * drift, gate and snapshot; --shadow-url and $SHADOW_DATABASE_URL) goes
 * through gk_dburl_parse(), so each form is handled the same way wherever
 * it arrives.  libpq takes `postgresql://` / `postgres://` URLs and
 * key=value conninfo.  What else arrives, and what happens to it:
 *
 *  - a value wrapped in quotes, single or double, often with a trailing
 *    newline (copied from a secret store or a .env file): the quotes and
 *    the surrounding white space are removed, with a note.  A quote that
 *    opens and does not close (or closes a URL it did not open) is refused.
 *  - Prisma's URL: its own query parameters (`schema`, `connection_limit`,
 *    `pgbouncer`, ...), which libpq rejects, are removed; `schema` is kept
 *    apart (it names the schema of _prisma_migrations and the schema drift
 *    compares).  No note: this is the URL the project already uses.
 *  - SQLAlchemy's `postgresql+DRIVER://` (asyncpg, psycopg2, psycopg, ...):
 *    read as `postgresql://`, with a note.  Driver-only query parameters
 *    are then refused by libpq like any unknown parameter.
 *  - JDBC `jdbc:postgresql://HOST:PORT/DB?user=U&password=P`: read as the
 *    libpq URL with the same host, port, database and parameters (libpq
 *    also takes user and password as query parameters), with a note,
 *    when that is unambiguous: every parameter is one libpq takes under
 *    the same name (or ApplicationName, connectTimeout, renamed), no
 *    value holds a '+' (a space to the JDBC driver, a '+' to libpq) and
 *    the host is given.  Otherwise refused, saying how to write it.
 *  - any other scheme (mysql://, http://, ...): refused.
 * A refusal is GK_ECONFIG (exit 2).  What libpq itself cannot parse is
 * refused too, with the URL shown redacted.
 *
 * Secrets: no message or note ever holds a piece of the URL that may be a
 * password.  Refusals name the form and at most the scheme (which cannot
 * hold a password: it stops at the first character a scheme may not
 * contain) or a JDBC parameter name from the driver's documented list.
 */
#ifndef GK_UTIL_DBURL_H
#define GK_UTIL_DBURL_H

#include "gatekeeper/common.h"

typedef struct gk_dburl {
	char *libpq;  /* what libpq gets (holds the password: never print it) */
	char *schema; /* Prisma's ?schema= (percent-decoded), or NULL */
	char *note;   /* what was changed to make it libpq's, no secrets; or NULL */
} gk_dburl;

/**
 * Read `input`, given as `what` ("the target database URL", "--shadow-url"),
 * into *out (fields malloc'ed, freed with gk_dburl_free(); *out is zeroed
 * first and stays zeroed on failure).  GK_ECONFIG for a form that is
 * refused or that libpq cannot parse, GK_ENOMEM.
 */
int gk_dburl_parse(gk_dburl *out, const char *what, const char *input, gk_error *err);

void gk_dburl_free(gk_dburl *u);

/**
 * Where the value inside surrounding white space and one pair of quotes
 * is: *start and *len.  A leading quote is removed with or without its
 * closing one; a trailing quote only with its opening one (a conninfo may
 * end with a quoted value).  For redaction, which must mask what a
 * quoted URL holds exactly as an unquoted one.
 */
void gk_dburl_unwrap(size_t *start, size_t *len, const char *s);

/**
 * Length of the scheme prefix of a URL form ("postgresql://",
 * "postgresql+asyncpg://", "jdbc:postgresql://", also JDBC's short
 * "jdbc:postgresql:"), 0 when `s` is not a URL (key=value conninfo).
 */
size_t gk_dburl_scheme_len(const char *s);

/**
 * Why a connection failed, from libpq's message (PQerrorMessage()) and
 * PQconnectionNeedsPassword(): GK_ECONFIG when the server refused the
 * URL's settings, which a retry cannot fix (exit 2): a wrong password or
 * user, no password given, a role that may not log in, no pg_hba.conf
 * entry, a database that does not exist; GK_EINFRA for anything else (a
 * server down or unreachable, a timeout, too many connections: exit 3).
 *
 * libpq keeps only the text of the server's refusal, not its SQLSTATE, so
 * the server's English messages (28P01, 28000, 3D000) are recognised; a
 * server whose lc_messages is another language gets the retryable
 * GK_EINFRA.
 */
int gk_dburl_refusal(const char *message, bool needs_password);

#endif
