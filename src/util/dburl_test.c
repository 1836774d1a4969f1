/* dburl_test.c - the URL forms people paste, read or refused, and their
 * redaction: no message, note or redacted form ever holds the password. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/dburl.h"
#include "util/redact.h"

/* Every case's password holds SECRET; pieces of it split by an unencoded
 * '&' or '+' hold PIECE. */
#define SECRET "s3cr3t"
#define PIECE "Zq7x"

typedef struct url_case {
	const char *in;
	int rc;              /* 0 or GK_ECONFIG */
	const char *libpq;   /* expected when rc == 0 */
	const char *schema;  /* expected Prisma schema, or NULL */
	const char *note;    /* a piece of the note, or NULL: no note */
	const char *msg;     /* a piece of the refusal */
} url_case;

static const url_case cases[] = {
	/* libpq's own forms, as they are */
	{"postgresql://u:" SECRET "@h:5432/db", 0, "postgresql://u:" SECRET "@h:5432/db", NULL, NULL, NULL},
	{"postgres://u:" SECRET "@h/db?sslmode=require", 0, "postgres://u:" SECRET "@h/db?sslmode=require", NULL, NULL,
	 NULL},
	{"host=h dbname=db password=" SECRET, 0, "host=h dbname=db password=" SECRET, NULL, NULL, NULL},
	{"PostgreSQL://u:" SECRET "@h/db", 0, "postgresql://u:" SECRET "@h/db", NULL, NULL, NULL},
	/* Prisma: its parameters go, libpq's stay, `schema` is decoded */
	{"postgresql://u:" SECRET "@h:5432/db?schema=my%20app&sslmode=require&connection_limit=1", 0,
	 "postgresql://u:" SECRET "@h:5432/db?sslmode=require", "my app", NULL, NULL},
	{"postgres://h/db?pgbouncer=true&statement_cache_size=0", 0, "postgres://h/db", NULL, NULL, NULL},
	/* quotes from a secret store */
	{"'postgresql://u:" SECRET "@h/db'", 0, "postgresql://u:" SECRET "@h/db", NULL, "wrapped in quotes (as", NULL},
	{"\"postgresql://u:" SECRET "@h/db?schema=app\"\n", 0, "postgresql://u:" SECRET "@h/db", "app",
	 "wrapped in quotes and ended with a newline", NULL},
	{"postgresql://u:" SECRET "@h/db\r\n", 0, "postgresql://u:" SECRET "@h/db", NULL, "ended with a newline", NULL},
	{"  'host=h password=" SECRET "'  ", 0, "host=h password=" SECRET, NULL, "wrapped in quotes", NULL},
	{"host=h password='" SECRET "'", 0, "host=h password='" SECRET "'", NULL, NULL, NULL},
	{"'postgresql://u:" SECRET "@h/db", GK_ECONFIG, NULL, NULL, NULL, "starts with a quote (') that does not close"},
	{"postgresql://u:" SECRET "@h/db\"", GK_ECONFIG, NULL, NULL, NULL, "ends with a quote (\") that was not opened"},
	{"\"\"", GK_ECONFIG, NULL, NULL, NULL, "is empty (only quotes)"},
	{" \n", GK_ECONFIG, NULL, NULL, NULL, "is empty"},
	/* SQLAlchemy */
	{"postgresql+asyncpg://u:" SECRET "@h:5432/db", 0, "postgresql://u:" SECRET "@h:5432/db", NULL,
	 "SQLAlchemy's scheme postgresql+asyncpg://; it was read as postgresql://", NULL},
	{"postgresql+psycopg2://u:" SECRET "@h/db?sslmode=require", 0, "postgresql://u:" SECRET "@h/db?sslmode=require",
	 NULL, "postgresql+psycopg2://", NULL},
	{"postgresql+asyncpg://u:" SECRET "@h/db?ssl=require", GK_ECONFIG, NULL, NULL, NULL,
	 "is not a libpq URL or conninfo: postgresql://u:****@h/db?ssl=require"},
	/* JDBC */
	{"jdbc:postgresql://h:5432/db?user=u&password=" SECRET, 0, "postgresql://h:5432/db?user=u&password=" SECRET,
	 NULL, "JDBC URL; it was read as the libpq URL postgresql://h:5432/db?user=u&password=****", NULL},
	{"jdbc:postgresql://h1,h2:5433/db?user=u&password=" SECRET "&ApplicationName=api&connectTimeout=5", 0,
	 "postgresql://h1,h2:5433/db?user=u&password=" SECRET "&application_name=api&connect_timeout=5", NULL, "JDBC",
	 NULL},
	{"'jdbc:postgresql://h/db?user=u&password=" SECRET "'\n", 0, "postgresql://h/db?user=u&password=" SECRET, NULL,
	 "wrapped in quotes and ended with a newline (as a secret store may keep it); they were removed; the database "
	 "URL is a JDBC URL", NULL},
	{"jdbc:postgresql://h/db?user=u&password=" SECRET "&ssl=true", GK_ECONFIG, NULL, NULL, NULL,
	 "its parameter ssl has no libpq equivalent under that name; write it as postgresql://USER:PASSWORD@HOST"},
	{"jdbc:postgresql://h/db?user=u&password=" SECRET "+" PIECE, GK_ECONFIG, NULL, NULL, NULL, "holds a '+'"},
	{"jdbc:postgresql://h/db?user=u&password=" SECRET "&" PIECE, GK_ECONFIG, NULL, NULL, NULL,
	 "a parameter without '='"},
	{"jdbc:postgresql://h/db?user=u&password=" SECRET "&" PIECE "=1", GK_ECONFIG, NULL, NULL, NULL,
	 "it has a parameter libpq does not take"},
	{"jdbc:postgresql:db?user=u&password=" SECRET, GK_ECONFIG, NULL, NULL, NULL, "names no host"},
	{"jdbc:postgresql://u:" SECRET "@h/db", GK_ECONFIG, NULL, NULL, NULL, "a user or password before the host"},
	{"jdbc:mysql://h/db?password=" SECRET, GK_ECONFIG, NULL, NULL, NULL, "not the PostgreSQL driver's"},
	/* other schemes and broken forms */
	{"mysql://u:" SECRET "@h/db", GK_ECONFIG, NULL, NULL, NULL, "is a mysql:// URL, not a PostgreSQL one"},
	{"postgresql://h/db?password=" SECRET "&" PIECE, GK_ECONFIG, NULL, NULL, NULL,
	 "is not a libpq URL or conninfo: postgresql://h/db?password=****&****"},
	{"postgresql:/u:" SECRET "@h/db", GK_ECONFIG, NULL, NULL, NULL, "is not a libpq URL or conninfo: ****"},
	{"postgresql://u:" SECRET "@h/db?bogus=1", GK_ECONFIG, NULL, NULL, NULL,
	 "postgresql://u:****@h/db?bogus=1 (invalid URI query parameter: \"bogus\")"},
};

static void no_secret(size_t i, const char *what, const char *text)
{
	if (text && (strstr(text, SECRET) || strstr(text, PIECE)))
		fail_msg("case %zu (%s): the %s shows the password: %s", i, cases[i].in, what, text);
}

static void test_dburl__forms(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const url_case *c = &cases[i];
		gk_dburl u;
		gk_error err = {0, ""};
		int rc = gk_dburl_parse(&u, "the database URL", c->in, &err);
		if (rc != c->rc)
			fail_msg("case %zu (%s): rc %d, expected %d: %s", i, c->in, rc, c->rc, err.msg);
		no_secret(i, "message", err.msg);
		if (rc) {
			if (!strstr(err.msg, c->msg))
				fail_msg("case %zu (%s): message lacks \"%s\": %s", i, c->in, c->msg, err.msg);
			assert_null(u.libpq);
			continue;
		}
		if (strcmp(u.libpq, c->libpq) != 0)
			fail_msg("case %zu (%s): libpq %s, expected %s", i, c->in, u.libpq, c->libpq);
		if (c->schema ? !u.schema || strcmp(u.schema, c->schema) != 0 : u.schema != NULL)
			fail_msg("case %zu (%s): schema %s, expected %s", i, c->in, u.schema ? u.schema : "(none)",
				 c->schema ? c->schema : "(none)");
		if (c->note ? !u.note || !strstr(u.note, c->note) : u.note != NULL)
			fail_msg("case %zu (%s): note %s, expected %s", i, c->in, u.note ? u.note : "(none)",
				 c->note ? c->note : "(none)");
		no_secret(i, "note", u.note);
		gk_dburl_free(&u);
	}
}

/* The redaction reads the same forms: a quoted, JDBC, SQLAlchemy or
 * foreign URL is masked as a URL, never shown whole as a key=value string
 * with a syntax error. */
static void test_dburl__redaction(void **state)
{
	(void)state;
	static const struct {
		const char *in, *keep;
	} red[] = {
		{"'postgresql://bob:" SECRET "@db/app'", "'postgresql://bob:****@db/app'"},
		{"\"postgresql://bob:" SECRET "@db/app?sslmode=require\"\n", "\"postgresql://bob:****@db/app?sslmode=require\""},
		{"'postgresql://bob:" SECRET "@db/app", "'postgresql://bob:****@db/app"},
		{"jdbc:postgresql://db:5432/app?user=bob&password=" SECRET, "jdbc:postgresql://db:5432/app?user=bob&password=****"},
		{"jdbc:postgresql://db/app?user=bob&PASSWORD=" SECRET, "user=bob&PASSWORD=****"},
		{"jdbc:postgresql:app?password=" SECRET, "jdbc:postgresql:app?password=****"},
		{"postgresql+asyncpg://bob:" SECRET "@db/app", "postgresql+asyncpg://bob:****@db/app"},
		{"mysql://bob:" SECRET "@db/app", "mysql://bob:****@db/app"},
		{"postgresql:/bob:" SECRET "@db/app", "****"},
		{"postgresql://db/app?password=" SECRET "&" PIECE, "postgresql://db/app?password=****&****"},
		{"host=db password=" SECRET, "host=db password=****"},
	};
	for (size_t i = 0; i < sizeof red / sizeof *red; i++) {
		char *out = gk_shadow_redact(red[i].in);
		assert_non_null(out);
		if (strstr(out, SECRET) || strstr(out, PIECE))
			fail_msg("redact %zu: %s -> %s shows the password", i, red[i].in, out);
		if (!strstr(out, red[i].keep))
			fail_msg("redact %zu: %s -> %s lacks %s", i, red[i].in, out, red[i].keep);
		free(out);
	}
	/* A libpq message quoting a piece split off by an unencoded '&'. */
	char *m = gk_shadow_clean_message("invalid URI query parameter: \"" PIECE "\"",
					  "postgresql://db/app?password=" SECRET "&" PIECE);
	assert_string_equal(m, "invalid URI query parameter: \"****\"");
	free(m);
}

static void test_dburl__scheme_len(void **state)
{
	(void)state;
	assert_int_equal(gk_dburl_scheme_len("postgresql://h"), 13);
	assert_int_equal(gk_dburl_scheme_len("postgresql+asyncpg://h"), 21);
	assert_int_equal(gk_dburl_scheme_len("jdbc:postgresql://h"), 18);
	assert_int_equal(gk_dburl_scheme_len("JDBC:postgresql:db"), 16);
	assert_int_equal(gk_dburl_scheme_len("host=h password=a://b"), 0);
	assert_int_equal(gk_dburl_scheme_len("postgresql:/h"), 0);
	assert_int_equal(gk_dburl_scheme_len(""), 0);
	size_t start, len;
	gk_dburl_unwrap(&start, &len, " 'x' \n");
	assert_int_equal(start, 2);
	assert_int_equal(len, 1);
	gk_dburl_unwrap(&start, &len, "password='x'");
	assert_int_equal(start, 0);
	assert_int_equal(len, 12);
}

/* A refusal of the URL's settings is exit 2; the server or the network, 3. */
static void test_dburl__refusal(void **state)
{
	(void)state;
	static const char *const config[] = {
		"connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  password authentication failed for "
		"user \"app\"\n",
		"connection to server on socket \"/tmp/.s.PGSQL.5432\" failed: FATAL:  database \"nope\" does not "
		"exist\n",
		"connection to server at \"db\" (10.0.0.1), port 5432 failed: FATAL:  role \"ghost\" does not exist\n",
		"connection to server at \"db\", port 5432 failed: FATAL:  no pg_hba.conf entry for host \"10.0.0.2\", "
		"user \"app\", database \"app\", no encryption\n",
		"FATAL:  role \"reader\" is not permitted to log in\n",
		"FATAL:  Peer authentication failed for user \"app\"\n",
		"fe_sendauth: no password supplied\n",
		/* The second host refused the password after the first was down. */
		"connection to server at \"a\", port 5432 failed: Connection refused\n\tIs the server running on that "
		"host and accepting TCP/IP connections?\nconnection to server at \"b\", port 5432 failed: FATAL:  "
		"password authentication failed for user \"app\"\n",
	};
	for (size_t i = 0; i < sizeof config / sizeof *config; i++)
		if (gk_dburl_refusal(config[i], false) != GK_ECONFIG)
			fail_msg("not a refusal: %s", config[i]);
	static const char *const infra[] = {
		"connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n\tIs the server running on "
		"that host and accepting TCP/IP connections?\n",
		"connection to server at \"10.1.1.1\", port 5432 failed: timeout expired\n",
		"connection to server at \"db\", port 5432 failed: FATAL:  sorry, too many clients already\n",
		"connection to server at \"db\", port 5432 failed: FATAL:  the database system is starting up\n",
		"could not translate host name \"db\" to address: Name or service not known\n",
		/* A database named like the message, on another line than "does not exist". */
		"FATAL:  the database \"x\" is being shut down\nDETAIL:  relation does not exist\n",
		"FATAL:  la authentification par mot de passe a échoué pour l'utilisateur « app »\n",
		"",
	};
	for (size_t i = 0; i < sizeof infra / sizeof *infra; i++)
		if (gk_dburl_refusal(infra[i], false) != GK_EINFRA)
			fail_msg("a refusal: %s", infra[i]);
	assert_int_equal(gk_dburl_refusal(NULL, false), GK_EINFRA);
	assert_int_equal(gk_dburl_refusal("", true), GK_ECONFIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dburl__forms),
		cmocka_unit_test(test_dburl__redaction),
		cmocka_unit_test(test_dburl__scheme_len),
		cmocka_unit_test(test_dburl__refusal),
	};
	return cmocka_run_group_tests_name("dburl", tests, NULL, NULL);
}
