/*
 * texts.h - one copy of each distinct text, for the strings a report's
 * findings share: the path (every finding of a file), the help (every
 * finding of a rule), the statement (every finding of it) and the source
 * line.  The copies live in a few large blocks freed at once, so that a
 * report of thousands of findings is not thousands of small allocations
 * to make and free one by one.  Internal to the report module.
 *
 * Not thread-safe: one table belongs to one report, which is written by
 * one thread at a time.
 */
#ifndef GK_REPORT_TEXTS_H
#define GK_REPORT_TEXTS_H

#include <stddef.h>

typedef struct gk_text_slot gk_text_slot;
typedef struct gk_text_block gk_text_block;

typedef struct gk_texts {
	gk_text_slot *slots;    /* open addressing; cap a power of two */
	size_t cap, n;
	gk_text_block *blocks;  /* where the copies are */
} gk_texts;

#define GK_TEXTS_INIT {0}

/**
 * The table's copy of `s`, made on its first call with an equal text;
 * valid until gk_texts_free().  NULL when `s` is NULL or when out of
 * memory (the table is unchanged then).
 */
const char *gk_texts_intern(gk_texts *t, const char *s);

/** Free every copy and the table; it is empty (GK_TEXTS_INIT) after. */
void gk_texts_free(gk_texts *t);

#endif
