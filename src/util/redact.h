/*
 * util/redact.h - passwords out of URLs, conninfos and messages (redact.c),
 * below every module that shows a connection string: shadow, catalog,
 * target and the jobs.  Not public API; the public entry points
 * gk_shadow_redact() and gk_shadow_clean_message() are declared in
 * src/shadow/shadow.h and here.
 */
#ifndef GK_UTIL_REDACT_H
#define GK_UTIL_REDACT_H

#include <stddef.h>

/* Documented in src/shadow/shadow.h. */
char *gk_shadow_redact(const char *conninfo);
char *gk_shadow_clean_message(const char *msg, const char *conninfo);

typedef struct gk_secrets {
	char **v;
	size_t n, cap;
} gk_secrets;

/** gk_shadow_redact() that also collects the passwords it masked (raw and
 * percent-decoded) into `found` (may be NULL). */
char *gk_redact_collect(const char *conninfo, gk_secrets *found);
/** Copy of `msg` with every secret of `conninfo` replaced by "****". */
char *gk_redact_message(const char *msg, const char *conninfo);
void gk_secrets_free(gk_secrets *s);

/** Append key='value' (quoted for conninfo) to a malloc'ed string. */
char *gk_conninfo_add(char *base, const char *key, const char *value);

#endif
