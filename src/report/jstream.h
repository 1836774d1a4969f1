/*
 * jstream.h - a JSON writer that streams to a stdio stream (internal to
 * src/report/).  The SARIF and GitLab renderers write as they go, with no
 * document tree, so a report of any size costs memory for one value only.
 *
 * Values and keys are written in document order; the writer puts the
 * commas and colons.  Strings are escaped for JSON (quote, backslash,
 * every control character and DEL as \uXXXX, so no terminal escape
 * survives); text that is not valid UTF-8 is written in gk_path_escape's
 * form (each invalid byte as \xNN, a backslash doubled), as in the JSON
 * report.  A failure is sticky in `failed`: callers check once, at the end.
 */
#ifndef GK_REPORT_JSTREAM_H
#define GK_REPORT_JSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define GK_JSTREAM_DEPTH 32

typedef struct gk_jstream {
	FILE *out;
	int depth;
	bool items[GK_JSTREAM_DEPTH]; /* the container at each depth holds a value already */
	bool after_key;               /* the next value is a key's */
	bool newline;                 /* a line break before the next element */
	bool failed;                  /* a write failed, memory ran out or nesting went too deep */
} gk_jstream;

void gk_js_init(gk_jstream *j, FILE *out);

void gk_js_object(gk_jstream *j);
void gk_js_array(gk_jstream *j);
/** Close the innermost object ('}') or array (']'). */
void gk_js_end(gk_jstream *j, char close);
/** A line break before the next element, so that long arrays read one element a line. */
void gk_js_newline(gk_jstream *j);

/** A key of the current object; `key` is the renderer's literal (written as is). */
void gk_js_key(gk_jstream *j, const char *key);
/** A string value; NULL writes null. */
void gk_js_string(gk_jstream *j, const char *s);
/** A string value from the bytes s[0..n). */
void gk_js_string_n(gk_jstream *j, const char *s, size_t n);
void gk_js_int(gk_jstream *j, long long v);
void gk_js_bool(gk_jstream *j, bool v);
void gk_js_null(gk_jstream *j);

/* A key and its value in one call. */
static inline void gk_js_kstring(gk_jstream *j, const char *k, const char *v) { gk_js_key(j, k); gk_js_string(j, v); }
static inline void gk_js_kint(gk_jstream *j, const char *k, long long v) { gk_js_key(j, k); gk_js_int(j, v); }
static inline void gk_js_kbool(gk_jstream *j, const char *k, bool v) { gk_js_key(j, k); gk_js_bool(j, v); }

/** End the document with a newline; 0, or -1 when anything failed. */
int gk_js_finish(gk_jstream *j);

#endif
