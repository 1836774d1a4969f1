/*
 * util/dburl_form.h - helpers of dburl_form.c that dburl.c also uses (the
 * public ones, gk_dburl_unwrap() and gk_dburl_scheme_len(), are declared
 * in util/dburl.h).  Not public API.
 */
#ifndef GK_UTIL_DBURL_FORM_H
#define GK_UTIL_DBURL_FORM_H

#include <stdbool.h>
#include <stddef.h>

/* A quote that may wrap a pasted value: ' or ". */
bool gk_dburl_is_quote(char c);
/* [A-Za-z][A-Za-z0-9+.-]*: the length of a scheme at `s`, or 0. */
size_t gk_dburl_scheme_chars(const char *s);

#endif
