/*
 * builder.c - what the per-tool readers (tools.c, flyway.c, dbmate.c) use
 * to add migrations and stray files, and the path and settings helpers
 * they share (see layout_internal.h).  Below both layout.c, which calls
 * the readers, and the readers.
 */
#include "layout/layout_internal.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

size_t gk_lp_depth(const char *path)
{
	size_t d = 0;
	for (; *path; path++)
		d += *path == '/';
	return d;
}

const char *gk_lp_base(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

gk_span gk_lp_dir(const char *path)
{
	const char *s = strchr(path, '/');
	return (gk_span){path, s ? (size_t)(s - path) : strlen(path)};
}

bool gk_lp_ends(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

gk_span gk_span_str(const char *s) { return (gk_span){s, strlen(s)}; }

bool gk_span_eq(gk_span a, const char *s) { return a.p && strlen(s) == a.n && memcmp(a.p, s, a.n) == 0; }

int gk_lb_oom(gk_lb *b) { return gk_error_set(b->err, GK_ENOMEM, "out of memory"); }

static char *span_dup(gk_span s, bool *failed)
{
	if (!s.p)
		return NULL;
	char *r = gk_strndup(s.p, s.n);
	*failed |= r == NULL;
	return r;
}

gk_layout_migration *gk_lb_add(gk_lb *b, gk_span key, gk_span version, gk_span name, const char *path)
{
	gk_layout *l = b->l;
	if (gk_grow(&l->migrations, &b->cap_m, l->n_migrations + 1, sizeof *l->migrations) < 0)
		return NULL;
	gk_layout_migration *m = &l->migrations[l->n_migrations];
	bool failed = false;
	*m = (gk_layout_migration){0};
	m->key = span_dup(key, &failed);
	m->version = span_dup(version, &failed);
	m->name = span_dup(name, &failed);
	m->path = span_dup(gk_span_str(path), &failed);
	l->n_migrations++;  /* counted even when incomplete, so that gk_layout_free frees it */
	return failed ? NULL : m;
}

int gk_lb_stray(gk_lb *b, const char *path)
{
	gk_layout *l = b->l;
	if (gk_grow(&l->stray, &b->cap_s, l->n_stray + 1, sizeof *l->stray) < 0)
		return gk_lb_oom(b);
	if (!(l->stray[l->n_stray] = strdup(path)))
		return gk_lb_oom(b);
	l->n_stray++;
	return 0;
}

int gk_lb_read(gk_lb *b, const char *path, char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	int rc = b->read(out, len, path, b->payload);
	if (rc < 0) {
		free(*out);
		*out = NULL;
		return gk_error_set(b->err, rc == GK_ENOMEM ? GK_ENOMEM : GK_EIO, "%s: cannot read the file", path);
	}
	return 0;
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(((const gk_layout_migration *)a)->key, ((const gk_layout_migration *)b)->key);
}

void gk_lb_sort_by_key(gk_lb *b)
{
	if (b->l->n_migrations > 1)
		qsort(b->l->migrations, b->l->n_migrations, sizeof *b->l->migrations, cmp_key);
}

gk_layout_migration *gk_lb_find(gk_lb *b, gk_span key)
{
	size_t lo = 0, hi = b->l->n_migrations;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *k = b->l->migrations[mid].key;
		int c = strncmp(k, key.p, key.n);
		if (c == 0)
			c = k[key.n] != '\0';  /* k is longer than key */
		if (c == 0)
			return &b->l->migrations[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---- settings ---------------------------------------------------------- */

static bool blank(char c) { return c == ' ' || c == '\t'; }

gk_span gk_lp_setting(const char *text, size_t len, const char *key)
{
	size_t kn = strlen(key);
	for (size_t i = 0; i < len;) {
		const char *line = text + i, *eol = memchr(line, '\n', len - i);
		size_t n = eol ? (size_t)(eol - line) : len - i;
		i += n + 1;
		while (n && blank(*line))
			line++, n--;
		if (n < kn || memcmp(line, key, kn) != 0)
			continue;
		const char *s = line + kn, *e = line + n;
		while (s < e && blank(*s))
			s++;
		if (s == e || *s != '=')
			continue;
		for (s++; s < e && blank(*s);)
			s++;
		return (gk_span){s, (size_t)(e - s)};
	}
	return GK_SPAN_NONE;
}
