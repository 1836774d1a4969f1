/*
 * outbuf.h - the buffered output the report module's writers share
 * (jstream.c, xstream.c; internal to src/report/): bytes gather in a
 * buffer and go to a stdio stream when it is full, or, for the second
 * half of a long array (halves.h), to memory.  A failed write or
 * allocation is sticky in `failed` and drops what follows; the writers
 * check it once, at the end.
 */
#ifndef GK_REPORT_OUTBUF_H
#define GK_REPORT_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "halves.h"

#define GK_OUTBUF_SIZE 65536

typedef struct gk_outbuf {
	FILE *out;
	gk_half_memory *mem;   /* set: the bytes go here instead of `out` */
	bool failed;
	size_t n;              /* bytes in buf */
	char buf[GK_OUTBUF_SIZE];
} gk_outbuf;

/** Start writing to `out`, or to `mem` when it is not NULL. */
void gk_outbuf_init(gk_outbuf *o, FILE *out, gk_half_memory *mem);
/** What is buffered, to where the bytes go. */
void gk_outbuf_flush(gk_outbuf *o);
/** gk_outbuf_put's way when s[0..n) does not fit: flush, then buffer it,
 * or send it on at once when it is larger than the buffer. */
void gk_outbuf_put_long(gk_outbuf *o, const char *s, size_t n);

static inline void gk_outbuf_put(gk_outbuf *o, const char *s, size_t n)
{
	if (n > GK_OUTBUF_SIZE - o->n) {
		gk_outbuf_put_long(o, s, n);
		return;
	}
	memcpy(o->buf + o->n, s, n);
	o->n += n;
}

static inline void gk_outbuf_putc(gk_outbuf *o, char c)
{
	if (o->n == GK_OUTBUF_SIZE)
		gk_outbuf_flush(o);
	o->buf[o->n++] = c;
}

#endif
