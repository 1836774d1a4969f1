/*
 * xstream.h - the XML writer of the report module (internal to
 * src/report/), for the JUnit report.  Like jstream.h, it writes as the
 * renderer walks the report model, with no document tree and no copy of
 * the text: a report of any size costs the writer's buffer only.
 *
 * Output is byte for byte what libxml2's xmlTextWriter writes for the same
 * calls with indentation on (xmlTextWriterSetIndent 1, two spaces), so
 * that the JUnit report did not change when it stopped going through
 * libxml2, which cost two and a half times the whole JSON report in
 * escaping copies and list bookkeeping (xstream_test.c holds the two
 * side by side):
 *
 *   - the declaration <?xml version="1.0" encoding="UTF-8"?> on a line;
 *   - each element on a line of its own, indented two spaces a level; an
 *     element without content closes as <name/>, one with text as
 *     <name>text</name> on the same line, one with elements on a line of
 *     its own after them;
 *   - text: & < > " escaped as entities and \r as &#13;
 *     (xmlEncodeSpecialChars); other bytes as they are;
 *   - attribute values (xmlAttrSerializeTxtContent): the same plus \n \t
 *     as &#10; &#9;; characters beyond ASCII as they are, in UTF-8 (the
 *     document's encoding, declared).
 *
 * The text given must be what XML 1.0 can carry (the JUnit renderer's
 * clean() makes it so): the writer checks nothing.  Element and attribute
 * names are the caller's constants.  A failed write (or nesting deeper
 * than GK_XSTREAM_DEPTH) is sticky in `o.failed`; the stream is the
 * caller's, flushed by gk_xs_finish.
 */
#ifndef GK_REPORT_XSTREAM_H
#define GK_REPORT_XSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "outbuf.h"

#define GK_XSTREAM_DEPTH 16

typedef struct gk_xstream {
	gk_outbuf o;                         /* where the document goes; o.failed: anything failed */
	bool doindent;                      /* libxml2's: the next end tag goes on a line of its own */
	int depth;
	const char *names[GK_XSTREAM_DEPTH]; /* the open elements (borrowed) */
	bool open_tag[GK_XSTREAM_DEPTH];     /* its start tag is not closed yet: no content */
} gk_xstream;

/** Start a document (the XML declaration) on `out`.  The writer is large
 * (its buffer): allocate it, or keep it in a frame that can hold it. */
void gk_xs_init(gk_xstream *x, FILE *out);
/** <name, indented to its depth (the open start tag before it closed). */
void gk_xs_start(gk_xstream *x, const char *name);
/** name="value" in the open start tag. */
void gk_xs_attr(gk_xstream *x, const char *name, const char *value);
/** Text content of the current element. */
void gk_xs_text(gk_xstream *x, const char *s);
/** Close the current element. */
void gk_xs_end(gk_xstream *x);
/* Writes child i of the current element, or nothing to leave it out,
 * with the context of its half. */
typedef void (*gk_xs_each_fn)(gk_xstream *x, void *half, size_t i);

/**
 * Children 0..n-1 of the current element, each written (or left out) by
 * `each`, in order, byte for byte as a loop writes them.  A long run is
 * written in two halves, the second on a thread of its own (halves.h),
 * `each` called with `first` in one and `second` in the other: it must
 * write only to the writer it is given, and each child must be whole
 * (its elements closed).
 */
void gk_xs_children(gk_xstream *x, size_t n, gk_xs_each_fn each, void *first, void *second);

/** Close what is open and flush; 0, or -1 when anything failed. */
int gk_xs_finish(gk_xstream *x);

#endif
