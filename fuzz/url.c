/*
 * url.c - database URL parsing and password redaction
 * (src/util/redact.c, src/target/connect.c).
 *
 * The input is a URL or key=value conninfo on its first line and a
 * message (as libpq or a server could word it) in the rest.  The URL goes
 * through the Prisma parameter filter, the redaction of URLs and of
 * messages.  Invariant: the password libpq reads from the URL is masked
 * in a message that quotes it, cleaned as each user of the URL cleans
 * it: a shadow (the URL as given), a target (libpq gets the URL without
 * Prisma's parameters) and a catalog snapshot (given that form).
 */
#include "fuzz.h"

#include "shadow/shadow.h"
#include "target/target.h"
#include "shadow/shadow_internal.h"
#include "target/target_internal.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

/* The password libpq reads from `conninfo` (malloc'ed), or NULL. */
static char *libpq_password(const char *conninfo)
{
	PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
	char *pw = NULL;
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val)
			pw = strdup(o->val);
	PQconninfoFree(opts);
	return pw;
}

/* Whether `clean`, a cleaned message that quoted `password`, still has it. */
static void check_masked(const char *password, char *clean)
{
	FUZZ_CHECK(clean != NULL);
	if (strstr(clean, password))
		fprintf(stderr, "password %s left in %s\n", password, clean);
	FUZZ_CHECK(strstr(clean, password) == NULL);
	free(clean);
}

/* The three cleaners against the password libpq reads from `conninfo`. */
static void check_cleaners(const char *url, const char *libpq)
{
	char *pw_url = libpq_password(url), *pw_libpq = libpq_password(libpq);
	/* Short or starred passwords are found by accident in any text. */
	for (int i = 0; i < 2; i++) {
		const char *pw = i == 0 ? pw_url : pw_libpq;
		if (!pw || strlen(pw) < 6 || strchr(pw, '*'))
			continue;
		char *msg = malloc(strlen(pw) + 64);
		FUZZ_CHECK(msg != NULL);
		sprintf(msg, "invalid value \"%s\" for connection option", pw);
		if (i == 0) {
			check_masked(pw, gk_shadow_clean_message(msg, url));
		} else {
			gk_target t = {.url = (char *)url};
			check_masked(pw, gk_tg_clean_message(&t, msg));
			check_masked(pw, gk_shadow_clean_message(msg, libpq));
		}
		free(msg);
	}
	free(pw_url);
	free(pw_libpq);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	char *msg = strchr(text, '\n');
	if (msg)
		*msg++ = '\0';
	const char *url = text;

	char *libpq = gk_target_libpq_url(url);
	FUZZ_CHECK(libpq != NULL);
	char *shown = gk_shadow_redact(url);
	FUZZ_CHECK(shown != NULL);
	gk_secrets found = {0};
	char *collected = gk_redact_collect(url, &found);
	FUZZ_CHECK(collected != NULL && strcmp(collected, shown) == 0);
	char *clean = gk_shadow_clean_message(msg ? msg : url, url);
	FUZZ_CHECK(clean != NULL);
	FUZZ_CHECK(strchr(clean, '\n') == NULL);

	check_cleaners(url, libpq);

	free(clean);
	free(collected);
	gk_secrets_free(&found);
	free(shown);
	free(libpq);
	free(text);
	return 0;
}
