/*
 * suggest.c - "did you mean": the known word closest to a mistyped one
 * (see util.h).
 *
 * The distance is the optimal string alignment distance (Levenshtein with
 * the swap of two neighbours counting as one edit, as git's help.c does
 * for commands): "lnit" is one edit from "lint".  A candidate is offered
 * only when it is close for the word's length, so a word that is simply
 * unknown gets no suggestion rather than a far-fetched one.
 */
#include "util/util.h"

#include <string.h>

/* Words longer than this are not compared (no typo of a name is that long). */
#define SUGGEST_MAX_LEN 64

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;
	return m < c ? m : c;
}

size_t gk_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > SUGGEST_MAX_LEN || lb > SUGGEST_MAX_LEN)
		return (size_t)-1;
	/* Three rows: the swap looks two rows back. */
	size_t rows[3][SUGGEST_MAX_LEN + 1];
	size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < cur[j])
				cur[j] = prev2[j - 2] + 1;
		}
		size_t *t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

void gk_suggest_init(gk_suggest *s, const char *word)
{
	size_t len = strlen(word);
	s->word = word;
	s->best = NULL;
	/* One edit for short words, two from 5 characters, three from 9. */
	s->distance = len < 5 ? 1 : len < 9 ? 2 : 3;
	if (len < 2)
		s->distance = 0; /* "-x": too short to guess at */
}

void gk_suggest_offer(gk_suggest *s, const char *candidate)
{
	if (!candidate || !*candidate || s->distance == 0)
		return;
	size_t d = gk_edit_distance(s->word, candidate);
	/* Ties go to the first offered: tables list the common names first. */
	if (d > 0 && d <= s->distance && (!s->best || d < s->best_distance)) {
		s->best = candidate;
		s->best_distance = d;
	}
}
