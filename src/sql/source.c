/* source.c - line index and UTF-8 aware positions. */
#include "sql.h"
#include "../util/util.h"

#include <stdlib.h>
#include <string.h>

int gk_source_init(gk_source *s, const char *text, size_t len)
{
	memset(s, 0, sizeof *s);
	s->text = text;
	s->len = len;
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		s->bom = 3;
	size_t cap = 0;
	if (gk_grow(&s->line_start, &cap, 1, sizeof *s->line_start) < 0)
		return -1;
	s->line_start[s->n_lines++] = s->bom;
	const char *p = text + s->bom, *end = text + len;
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		p++;
		if (gk_grow(&s->line_start, &cap, s->n_lines + 1, sizeof *s->line_start) < 0)
			return -1;
		s->line_start[s->n_lines++] = (size_t)(p - text);
	}
	return 0;
}

void gk_source_free(gk_source *s)
{
	free(s->line_start);
	s->line_start = NULL;
}

void gk_source_pos(const gk_source *s, size_t off, int *line, int *col)
{
	if (off > s->len)
		off = s->len;
	if (off < s->bom)
		off = s->bom;
	size_t lo = 0, hi = s->n_lines;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (s->line_start[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	int c = 1;
	for (size_t i = s->line_start[lo]; i < off; i++)
		if (((unsigned char)s->text[i] & 0xC0) != 0x80)
			c++;
	*line = (int)lo + 1;
	*col = c;
}

void gk_source_line(const gk_source *s, int line, size_t *start, size_t *end)
{
	if (line < 1)
		line = 1;
	if ((size_t)line > s->n_lines)
		line = (int)s->n_lines;
	size_t a = s->line_start[line - 1];
	size_t b = (size_t)line < s->n_lines ? s->line_start[line] - 1 : s->len;
	if (b > a && s->text[b - 1] == '\r')
		b--;
	*start = a;
	*end = b;
}
