/* texts.c - one copy of each distinct text (see texts.h). */
#include "texts.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct gk_text_slot {
	const char *s;          /* NULL: empty */
	size_t len;
	size_t hash;
};

struct gk_text_block {
	gk_text_block *next;
	size_t used, cap;
	char data[];
};

/* Most texts share a block this big; a text over a quarter of it gets a
 * block of its own, so that no block is left mostly empty. */
#define BLOCK_BYTES ((size_t)64 * 1024)

/*
 * Eight bytes at a step: statements run to two thousand characters and
 * every finding's texts are looked up, so a byte-at-a-time hash (FNV-1a,
 * as the smaller tables use) would cost several times more.
 */
static size_t text_hash(const char *s, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15u ^ (uint64_t)n;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdu;
		h ^= h >> 32;
	}
	uint64_t w = 0;
	memcpy(&w, s + i, n - i);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53u;
	return (size_t)(h ^ h >> 29);
}

/* Room for `n` bytes in a block; NULL when out of memory. */
static char *text_room(gk_texts *t, size_t n)
{
	gk_text_block *b = t->blocks;
	if (b && b->cap - b->used >= n) {
		char *p = b->data + b->used;
		b->used += n;
		return p;
	}
	bool own = n > BLOCK_BYTES / 4;
	size_t cap = own ? n : BLOCK_BYTES - sizeof *b;
	gk_text_block *nb = malloc(sizeof *nb + cap);
	if (!nb)
		return NULL;
	nb->cap = cap;
	nb->used = n;
	if (own && b) { /* behind the current block, which keeps its room */
		nb->next = b->next;
		b->next = nb;
	} else {
		nb->next = b;
		t->blocks = nb;
	}
	return nb->data;
}

/* Twice the slots, every text placed anew; -1 when out of memory. */
static int grow(gk_texts *t)
{
	size_t cap = t->cap ? t->cap * 2 : 256;
	gk_text_slot *slots = calloc(cap, sizeof *slots);
	if (!slots)
		return -1;
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->slots[i].s)
			continue;
		size_t k = t->slots[i].hash & (cap - 1);
		while (slots[k].s)
			k = (k + 1) & (cap - 1);
		slots[k] = t->slots[i];
	}
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	return 0;
}

const char *gk_texts_intern(gk_texts *t, const char *s)
{
	if (!s)
		return NULL;
	if (2 * (t->n + 1) > t->cap && grow(t) < 0)
		return NULL;
	size_t len = strlen(s), h = text_hash(s, len), k = h & (t->cap - 1);
	for (; t->slots[k].s; k = (k + 1) & (t->cap - 1))
		if (t->slots[k].hash == h && t->slots[k].len == len && memcmp(t->slots[k].s, s, len) == 0)
			return t->slots[k].s;
	char *copy = text_room(t, len + 1);
	if (!copy)
		return NULL;
	memcpy(copy, s, len + 1);
	t->slots[k] = (gk_text_slot){copy, len, h};
	t->n++;
	return copy;
}

void gk_texts_free(gk_texts *t)
{
	for (gk_text_block *b = t->blocks, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	free(t->slots);
	*t = (gk_texts)GK_TEXTS_INIT;
}
