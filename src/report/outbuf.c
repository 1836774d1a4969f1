/* outbuf.c - the report writers' buffered output (see outbuf.h). */
#include "outbuf.h"

void gk_outbuf_init(gk_outbuf *o, FILE *out, gk_half_memory *mem)
{
	o->out = out;
	o->mem = mem;
	o->failed = false;
	o->n = 0; /* the buffer itself needs no clearing */
}

/* s[0..n) to where the bytes go: the stream, or memory. */
static void sink(gk_outbuf *o, const char *s, size_t n)
{
	if (o->failed)
		return;
	if (o->mem ? !gk_half_keep(o->mem, s, n) : fwrite(s, 1, n, o->out) != n)
		o->failed = true;
}

void gk_outbuf_flush(gk_outbuf *o)
{
	if (o->n)
		sink(o, o->buf, o->n);
	o->n = 0;
}

void gk_outbuf_put_long(gk_outbuf *o, const char *s, size_t n)
{
	gk_outbuf_flush(o);
	if (n > GK_OUTBUF_SIZE) {
		sink(o, s, n);
		return;
	}
	memcpy(o->buf, s, n);
	o->n = n;
}
