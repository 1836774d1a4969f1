/*
 * source.c - the files of one migration folder on one side of the change.
 *
 * The layout reader, the classification and the lint all want the same
 * blobs; reading each once through libgit2 and keeping it avoids
 * inflating a blob three times.  The list comes sorted from
 * gk_history_list, so a lookup is a binary search and the cache is an
 * array beside it.
 *
 * Also what check.c and replay.c both take from a folder, below both: a
 * migration's text as its tool sends it, and its report entry when it is
 * listed but not linted.
 */
#include "check_internal.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

char *gk_check_join(const char *dir, const char *rel)
{
	return *dir ? gk_asprintf("%s/%s", dir, rel) : gk_strdup(rel);
}

int gk_side_files_list(gk_side_files *s, gk_history *h, gk_side side, const char *dir, gk_error *err)
{
	memset(s, 0, sizeof *s);
	s->h = h;
	s->side = side;
	s->dir = dir;
	int rc = gk_history_list(&s->paths, &s->n, h, side, *dir ? dir : ".", err);
	if (rc < 0)
		return rc;
	s->text = calloc(s->n ? s->n : 1, sizeof *s->text);
	s->len = calloc(s->n ? s->n : 1, sizeof *s->len);
	if (!s->text || !s->len)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* `path` (repo-relative) relative to `dir`, or NULL when outside it. */
static const char *within(const char *dir, const char *path)
{
	size_t n = strlen(dir);
	if (!path || !*dir)
		return path;
	return strncmp(path, dir, n) == 0 && path[n] == '/' ? path + n + 1 : NULL;
}

static bool dropped_by(const gk_change *c, size_t nc, const char *rel, const char *dir)
{
	for (size_t i = 0; i < nc; i++)
		if ((c[i].kind == GK_CHANGE_ADDED || c[i].kind == GK_CHANGE_RENAMED) &&
		    within(dir, c[i].new_path) && strcmp(within(dir, c[i].new_path), rel) == 0)
			return true;
	return false;
}

int gk_side_files_derive_base(gk_side_files *s, const gk_side_files *head, const gk_change *c, size_t nc,
			      gk_error *err)
{
	memset(s, 0, sizeof *s);
	s->h = head->h;
	s->side = GK_SIDE_BASE;
	s->dir = head->dir;
	size_t cap = head->n + nc + 1;
	s->paths = calloc(cap, sizeof *s->paths);
	s->text = calloc(cap, sizeof *s->text);
	s->len = calloc(cap, sizeof *s->len);
	if (!s->paths || !s->text || !s->len)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	/* Head's files, less what the change added or renamed to ... */
	for (size_t i = 0; i < head->n; i++)
		if (!dropped_by(c, nc, head->paths[i], s->dir) && !(s->paths[s->n++] = strdup(head->paths[i])))
			return gk_error_set(err, GK_ENOMEM, "out of memory");
	/* ... plus what it deleted or renamed from. */
	for (size_t i = 0; i < nc; i++) {
		const char *rel = c[i].kind == GK_CHANGE_DELETED || c[i].kind == GK_CHANGE_RENAMED ? within(s->dir, c[i].old_path)
															 : NULL;
		if (rel && !(s->paths[s->n++] = strdup(rel)))
			return gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	qsort(s->paths, s->n, sizeof *s->paths, cmp_str);
	return 0;
}

void gk_side_files_free(gk_side_files *s)
{
	for (size_t i = 0; s->text && i < s->n; i++)
		free(s->text[i]);
	free(s->text);
	free(s->len);
	gk_history_paths_free(s->paths, s->n);
	memset(s, 0, sizeof *s);
}

static long find(const gk_side_files *s, const char *rel)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->paths[mid], rel);
		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int gk_side_files_get(gk_side_files *s, const char *rel, const char **text, size_t *len, gk_error *err)
{
	long i = find(s, rel);
	if (i < 0)
		return gk_error_set(err, GK_ENOTFOUND, "%s%s%s: not in the %s", s->dir, *s->dir ? "/" : "", rel,
				    s->side == GK_SIDE_BASE ? "merge base" : "head");
	if (!s->text[i]) {
		char *full = gk_check_join(s->dir, rel);
		if (!full)
			return gk_error_set(err, GK_ENOMEM, "out of memory");
		int rc = gk_history_read(&s->text[i], &s->len[i], s->h, s->side, full, err);
		free(full);
		if (rc < 0)
			return rc;
	}
	*text = s->text[i];
	*len = s->len[i];
	return 0;
}

int gk_side_files_read(char **out, size_t *len, const char *rel, void *payload)
{
	const char *t;
	int rc = gk_side_files_get(payload, rel, &t, len, NULL);
	if (rc < 0)
		return rc;
	*out = malloc(*len + 1);
	if (!*out)
		return GK_ENOMEM;
	memcpy(*out, t, *len);
	(*out)[*len] = '\0';
	return 0;
}

int gk_check_migration_text(gk_side_files *s, const gk_layout_migration *m, gk_lint_input *in, char **owned,
			    gk_error *err)
{
	const char *t;
	size_t len;
	int rc = gk_side_files_get(s, m->path, &t, &len, err);
	if (rc < 0)
		return rc;
	if (m->up_end != GK_LAYOUT_END && m->up_end < len)
		len = m->up_end;
	in->text = t;
	in->len = len;
	if (m->up_start == 0 || m->up_start > len)
		return 0;
	if (!(*owned = gk_strndup(t, len)))
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	for (size_t i = 0; i < m->up_start; i++)
		if ((*owned)[i] != '\n' && (*owned)[i] != '\r')
			(*owned)[i] = ' ';
	in->text = *owned;
	return 0;
}

/* The runner a deleted migration's entry shows (never auto). */
static enum gk_runner shown_runner(const gk_check_folder *f, const gk_layout_migration *m)
{
	gk_runner_choice c;
	gk_runner_choose(&c, &f->runner, f->o->lint.runner, m->no_transaction, m->path, NULL);
	return c.deploy;
}

int gk_check_add_unlinted(gk_report *r, const gk_check_folder *f, const gk_layout_migration *m)
{
	char *path = gk_check_join(f->dir, m->path);
	int k = path ? gk_report_add_migration(r, path, 0, shown_runner(f, m)) : GK_ENOMEM;
	free(path);
	if (k >= 0)
		gk_report_set_unlinted(r, (size_t)k);
	return k;
}
