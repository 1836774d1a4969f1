/* halves.c - a run of elements written by two threads (see halves.h). */
#include "halves.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct half_job {
	gk_half_fn write;
	void *half;
	size_t from, to;
} half_job;

static void *run_half(void *arg)
{
	half_job *h = arg;
	h->write(h->half, h->from, h->to);
	return NULL;
}

size_t gk_halves_split(size_t n) { return n / 2; }

bool gk_halves_run(size_t n, gk_half_fn write, void *first, void *second)
{
	if (n < GK_HALVES_MIN || sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return false;
	size_t split = gk_halves_split(n);
	half_job h = {write, second, split, n};
	pthread_t tid;
	if (pthread_create(&tid, NULL, run_half, &h) != 0)
		return false;
	write(first, 0, split);
	pthread_join(tid, NULL);
	return true;
}

/* The last block, or a new one when it is full; NULL when out of memory. */
static gk_half_block *room(gk_half_memory *m)
{
	if (m->last && m->last->len < m->last->cap)
		return m->last;
	gk_half_block *b = malloc(GK_HALF_BLOCK);
	if (!b)
		return NULL;
	*b = (gk_half_block){.cap = GK_HALF_BLOCK - sizeof *b};
	*(m->last ? &m->last->next : &m->first) = b;
	m->last = b;
	return b;
}

bool gk_half_keep(gk_half_memory *m, const char *s, size_t n)
{
	while (n > 0) {
		gk_half_block *b = room(m);
		if (!b)
			return false;
		size_t k = n < b->cap - b->len ? n : b->cap - b->len;
		memcpy(b->data + b->len, s, k);
		b->len += k;
		s += k;
		n -= k;
	}
	return true;
}

void gk_half_memory_free(gk_half_memory *m)
{
	for (gk_half_block *b = m->first, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	m->first = m->last = NULL;
}
