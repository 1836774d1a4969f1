/* files.c - collect SQL files from paths (see src/util/files.h). */
#include "util/files.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

bool gk_exclude_match(const char *pattern, const char *path)
{
	if (gk_glob_match(pattern, path))
		return true;
	const char *name = strrchr(path, '/');
	return name && name[1] && !strchr(pattern, '/') && gk_glob_match(pattern, name + 1);
}

static bool excluded(const char *path, const char *const *ex, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (gk_exclude_match(ex[i], path))
			return true;
	return false;
}

static int cmp_path(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static bool is_sql(const char *name)
{
	size_t n = strlen(name);
	return n > 4 && strcmp(name + n - 4, ".sql") == 0;
}

/* ---- the walk -------------------------------------------------------------- */

typedef struct walker {
	gk_file_list *out;
	const char *const *ex;
	size_t nex;
	char *root;            /* resolved; links must stay below it */
	struct { dev_t dev; ino_t ino; } *seen; /* folders walked */
	size_t n_seen, cap_seen;
	gk_error *err;
} walker;

static int push_entry(gk_file_list *l, const char *path, char *refused, const struct stat *st)
{
	size_t old_cap = l->cap;
	if (gk_grow(&l->paths, &l->cap, l->n + 1, sizeof *l->paths) < 0)
		goto oom;
	if (l->cap != old_cap || !l->refused || !l->ids) { /* the parallel arrays follow */
		char **r = realloc(l->refused, l->cap * sizeof *r);
		if (r)
			l->refused = r;
		gk_file_id *ids = realloc(l->ids, l->cap * sizeof *ids);
		if (ids)
			l->ids = ids;
		if (!r || !ids)
			goto oom;
	}
	if (!(l->paths[l->n] = strdup(path)))
		goto oom;
	l->refused[l->n] = refused;
	l->ids[l->n] = st ? (gk_file_id){true, (uint64_t)st->st_dev, (uint64_t)st->st_ino} : (gk_file_id){0};
	l->n++;
	return 0;
oom:
	free(refused);
	return -1;
}

static int push(gk_file_list *l, const char *path) { return push_entry(l, path, NULL, NULL); }

static int nomem(walker *w) { return gk_error_set(w->err, GK_ENOMEM, "out of memory"); }

/* Whether folder `st` was walked already; if not, remember it. */
static int seen_before(walker *w, const struct stat *st)
{
	for (size_t i = 0; i < w->n_seen; i++)
		if (w->seen[i].dev == st->st_dev && w->seen[i].ino == st->st_ino)
			return 1;
	if (gk_grow(&w->seen, &w->cap_seen, w->n_seen + 1, sizeof *w->seen) < 0)
		return -1;
	w->seen[w->n_seen].dev = st->st_dev;
	w->seen[w->n_seen++].ino = st->st_ino;
	return 0;
}

/* Whether resolved path `real` is `root` or below it. */
static bool below(const char *real, const char *root)
{
	size_t n = strlen(root);
	return strncmp(real, root, n) == 0 && (real[n] == '\0' || real[n] == '/' || (n == 1 && root[0] == '/'));
}

static int walk(walker *w, const char *dir);

/* A folder reached directly or through a link inside the root. */
static int enter(walker *w, const char *p, const struct stat *st)
{
	int seen = seen_before(w, st);
	if (seen < 0)
		return nomem(w);
	return seen ? 0 : walk(w, p); /* a loop, or a folder reached twice: walked once */
}

/* A symbolic link: followed only to a regular file or folder inside the root. */
static int visit_link(walker *w, const char *p)
{
	struct stat st;
	char *real = realpath(p, NULL);
	if (!real || stat(real, &st) != 0) {
		free(real); /* dangling or looping: reported when linted (cannot read), if it looks like SQL */
		return is_sql(p) && push(w->out, p) < 0 ? nomem(w) : 0;
	}
	bool inside = below(real, w->root);
	int rc = 0;
	if (inside && S_ISDIR(st.st_mode)) {
		rc = enter(w, p, &st);
	} else if (inside && S_ISREG(st.st_mode)) {
		if (is_sql(p) && push_entry(w->out, p, NULL, &st) < 0)
			rc = nomem(w);
	} else if (S_ISDIR(st.st_mode) || is_sql(p)) {
		char *why = gk_asprintf("symbolic link to %s, %s %s: not read", real,
					inside ? "not a regular file, inside" : "outside", w->root);
		if (!why || push_entry(w->out, p, why, NULL) < 0)
			rc = nomem(w);
	}
	free(real);
	return rc;
}

/* One entry of a folder: lstat, so that a link is judged before it is followed. */
static int visit(walker *w, const char *p)
{
	if (excluded(p, w->ex, w->nex))
		return 0;
	struct stat st;
	if (lstat(p, &st) != 0) /* gone since the listing: reported when linted, if it looks like SQL */
		return is_sql(p) && push(w->out, p) < 0 ? nomem(w) : 0;
	if (S_ISLNK(st.st_mode))
		return visit_link(w, p);
	if (S_ISDIR(st.st_mode))
		return enter(w, p, &st);
	if (S_ISREG(st.st_mode) && is_sql(p))
		return push_entry(w->out, p, NULL, &st) < 0 ? nomem(w) : 0;
	return 0;
}

static int walk(walker *w, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) /* reported when linted, like any unreadable path */
		return push(w->out, dir) < 0 ? nomem(w) : 0;
	char **here = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	int rc = 0;
	const char *sep = dir[strlen(dir) - 1] == '/' ? "" : "/";
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char *p = gk_asprintf("%s%s%s", dir, sep, e->d_name);
		if (!p || gk_grow(&here, &cap, n + 1, sizeof *here) < 0) {
			free(p);
			rc = nomem(w);
			break;
		}
		here[n++] = p;
	}
	closedir(d);
	if (n > 0) /* qsort of no entries (NULL) is undefined */
		qsort(here, n, sizeof *here, cmp_path);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = visit(w, here[i]);
	for (size_t i = 0; i < n; i++)
		free(here[i]);
	free(here);
	return rc;
}

char *gk_files_root(const char *dir)
{
	char *d = realpath(dir, NULL);
	if (!d)
		return NULL;
	char *up = gk_strdup(d);
	while (up) {
		char *git = gk_asprintf("%s/.git", strcmp(up, "/") ? up : "");
		struct stat st;
		bool found = git && lstat(git, &st) == 0;
		free(git);
		if (found) {
			free(d);
			return up;
		}
		char *slash = strrchr(up, '/');
		if (!slash || strcmp(up, "/") == 0)
			break;
		slash[slash == up ? 1 : 0] = '\0';
	}
	free(up);
	return d;
}

void gk_path_stat_read(gk_path_stat *out, const char *path)
{
	memset(out, 0, sizeof *out);
	out->lstat_errno = lstat(path, &out->lst) == 0 ? 0 : errno;
	out->stat_errno = out->lstat_errno; /* stat resolves the same names: it fails the same way */
	out->st = out->lst;
	if (out->lstat_errno == 0 && S_ISLNK(out->lst.st_mode))
		out->stat_errno = stat(path, &out->st) == 0 ? 0 : errno;
}

bool gk_path_stat_is_dir(const gk_path_stat *ps)
{
	return ps->stat_errno == 0 && S_ISDIR(ps->st.st_mode);
}

/* A file named directly (`ps` what it is): a link is followed only inside
 * its folder's repository (or folder). */
static int add_file(gk_file_list *out, const char *path, const gk_path_stat *ps, gk_error *err)
{
	struct stat st;
	if (ps->lstat_errno != 0 || !S_ISLNK(ps->lst.st_mode))
		return push_entry(out, path, NULL, NULL) < 0 ? gk_error_set(err, GK_ENOMEM, "out of memory") : 0;
	const char *slash = strrchr(path, '/');
	char *dir = slash ? gk_strndup(path, slash == path ? 1 : (size_t)(slash - path)) : gk_strdup(".");
	char *root = dir ? gk_files_root(dir) : NULL;
	char *real = realpath(path, NULL);
	int rc = 0;
	if (!real || !root || stat(real, &st) != 0)
		rc = push(out, path); /* dangling or looping: the read says why */
	else if (below(real, root) && !S_ISDIR(st.st_mode))
		rc = push_entry(out, path, NULL, S_ISREG(st.st_mode) ? &st : NULL);
	else if (below(real, root))
		rc = push(out, path);
	else {
		char *why = gk_asprintf("symbolic link to %s, outside %s: not read", real, root);
		rc = why ? push_entry(out, path, why, NULL) : -1;
	}
	free(dir);
	free(root);
	free(real);
	return rc < 0 ? gk_error_set(err, GK_ENOMEM, "out of memory") : 0;
}

int gk_files_collect(gk_file_list *out, const char *path, const gk_path_stat *ps, const char *const *excludes,
		     size_t n_excludes, gk_error *err)
{
	gk_path_stat own;
	if (!ps) {
		gk_path_stat_read(&own, path);
		ps = &own;
	}
	if (gk_path_stat_is_dir(ps)) {
		walker w = {.out = out, .ex = excludes, .nex = n_excludes, .err = err, .root = gk_files_root(path)};
		int rc = w.root ? 0 : gk_error_set(err, GK_ENOMEM, "out of memory");
		if (rc == 0 && seen_before(&w, &ps->st) < 0)
			rc = nomem(&w);
		if (rc == 0)
			rc = walk(&w, path);
		free(w.root);
		free(w.seen);
		return rc;
	}
	if (excluded(path, excludes, n_excludes))
		return 0;
	return add_file(out, path, ps, err);
}

void gk_file_list_free(gk_file_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->paths[i]);
		free(l->refused[i]);
	}
	free(l->paths);
	free(l->refused);
	free(l->ids);
	l->paths = NULL;
	l->refused = NULL;
	l->ids = NULL;
	l->n = l->cap = 0;
}
