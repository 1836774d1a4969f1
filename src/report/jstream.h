/*
 * jstream.h - the JSON writer of the report module (internal to
 * src/report/).  The JSON, SARIF and GitLab renderers write as they walk
 * the report model, with no document tree: a report of any size costs
 * memory for one value and the writer's buffer only.
 *
 * Values and keys are written in document order; the writer puts the
 * commas, colons and (pretty) the indentation.  Output is byte for byte
 * what jansson writes for the same document, so that the JSON report did
 * not change when it stopped building a tree:
 *
 *   - compact by default (JSON_COMPACT): one line; `pretty` indents by two
 *     spaces (JSON_INDENT(2)): a line per member, "key": value;
 *   - strings: '"', '\\' and every control character below 0x20 escaped
 *     (\b \f \n \r \t, else \u00XX), so that no terminal escape or line
 *     break reaches a reader raw; DEL is written as is (it starts no
 *     terminal sequence, and jansson writes it so);
 *   - reals as jsonp_dtostr writes them (%.17g, ".0" added to an integer,
 *     no '+' or leading zeros in the exponent); NaN and infinity are null.
 *
 * Text that is not valid UTF-8 is written in gk_path_escape's form (each
 * invalid byte as \xNN, a backslash doubled), and file names always are
 * (gk_js_path), so that no byte is lost and two names never become one.
 *
 * A compact document may still break lines between the elements of a long
 * array (gk_js_newline), so that SARIF results and GitLab issues read and
 * diff one to a line; pretty documents break every line anyway.
 *
 * A failure (a write, memory, nesting deeper than GK_JSTREAM_DEPTH) is
 * sticky in `o.failed`: callers check once, with gk_js_finish.  The stream
 * is the caller's; the writer buffers and flushes it in gk_js_finish.
 */
#ifndef GK_REPORT_JSTREAM_H
#define GK_REPORT_JSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "outbuf.h"

#define GK_JSTREAM_DEPTH 32

typedef struct gk_jstream {
	gk_outbuf o;                  /* where the document goes; o.failed: anything failed */
	bool pretty;                  /* indented by two spaces (else compact) */
	bool after_key;               /* a key was written: its value follows without a separator */
	bool newline;                 /* compact: a line break before the next element */
	int depth;
	bool items[GK_JSTREAM_DEPTH]; /* the container at each depth holds a value already */
} gk_jstream;

/** Start a document on `out`, compact or `pretty`.  The writer is large
 * (its buffer): allocate it, or keep it in a frame that can hold it. */
void gk_js_init(gk_jstream *j, FILE *out, bool pretty);

void gk_js_object(gk_jstream *j);
void gk_js_array(gk_jstream *j);
/** Close the innermost object ('}') or array (']'). */
void gk_js_end(gk_jstream *j, char close);
/** Compact only: a line break before the next element (or the close). */
void gk_js_newline(gk_jstream *j);

/** A key of the current object. */
void gk_js_key(gk_jstream *j, const char *key);
/** A string value; NULL writes null. */
void gk_js_string(gk_jstream *j, const char *s);
/** A string value from the bytes s[0..n). */
void gk_js_string_n(gk_jstream *j, const char *s, size_t n);
/** A file name, always in gk_path_escape's form; NULL writes null. */
void gk_js_path(gk_jstream *j, const char *s);
void gk_js_int(gk_jstream *j, long long v);
/** A real, as jansson writes it; NaN and infinity write null. */
void gk_js_real(gk_jstream *j, double v);
void gk_js_bool(gk_jstream *j, bool v);
void gk_js_null(gk_jstream *j);

/* A key and its value in one call. */
static inline void gk_js_kstring(gk_jstream *j, const char *k, const char *v) { gk_js_key(j, k); gk_js_string(j, v); }
static inline void gk_js_kpath(gk_jstream *j, const char *k, const char *v) { gk_js_key(j, k); gk_js_path(j, v); }
static inline void gk_js_kint(gk_jstream *j, const char *k, long long v) { gk_js_key(j, k); gk_js_int(j, v); }
static inline void gk_js_kreal(gk_jstream *j, const char *k, double v) { gk_js_key(j, k); gk_js_real(j, v); }
static inline void gk_js_kbool(gk_jstream *j, const char *k, bool v) { gk_js_key(j, k); gk_js_bool(j, v); }
static inline void gk_js_knull(gk_jstream *j, const char *k) { gk_js_key(j, k); gk_js_null(j); }
/** A key whose value is an object ('{') or an array ('['). */
static inline void gk_js_kopen(gk_jstream *j, const char *k, char open)
{
	gk_js_key(j, k);
	if (open == '{')
		gk_js_object(j);
	else
		gk_js_array(j);
}

/* Writes element i of an array, or nothing to leave it out. */
typedef void (*gk_js_each_fn)(gk_jstream *j, const void *ctx, size_t i);

/**
 * Elements 0..n-1 of the array just opened, each written (or left out)
 * by `each`, in order, byte for byte as a loop writes them.  A long array
 * is written in two halves, the second on a thread of its own (halves.h):
 * `each` must write only to `j` and read `ctx` only.  Stops early when the
 * writer fails.
 */
void gk_js_elements(gk_jstream *j, size_t n, gk_js_each_fn each, const void *ctx);

/** End the document with a newline and flush it to the stream; 0, or -1
 * when anything failed. */
int gk_js_finish(gk_jstream *j);

#endif
