/*
 * layout_dir.c - gk_layout_read_dir: list a folder on disk as relative
 * paths and read files from it, for gk_layout_read().
 */
#include "layout/layout_internal.h"
#include "util/files.h"
#include "util/util.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Far above any migration; keeps a runaway file from eating memory. */
#define LAYOUT_MAX_FILE ((size_t)256 << 20)
/* Real layouts are one or two levels deep; a folder is never walked twice anyway. */
#define LAYOUT_MAX_DEPTH 16

typedef struct listing {
	char **paths;
	size_t n, cap;
	char **refused, **why;
	size_t n_refused, cap_refused, cap_why;
	char *root;              /* resolved: links must stay below it */
	struct { dev_t dev; ino_t ino; } *seen;
	size_t n_seen, cap_seen;
} listing;

static int push(listing *ls, char *rel)
{
	if (!rel || gk_grow(&ls->paths, &ls->cap, ls->n + 1, sizeof *ls->paths) < 0) {
		free(rel);
		return GK_ENOMEM;
	}
	ls->paths[ls->n++] = rel;
	return 0;
}

static int refuse(listing *ls, const char *rel, const char *real)
{
	char *r = gk_strdup(rel), *w = gk_asprintf("symbolic link to %s, outside %s: not read", real, ls->root);
	if (!r || !w || gk_grow(&ls->refused, &ls->cap_refused, ls->n_refused + 1, sizeof *ls->refused) < 0 ||
	    gk_grow(&ls->why, &ls->cap_why, ls->n_refused + 1, sizeof *ls->why) < 0) {
		free(r);
		free(w);
		return GK_ENOMEM;
	}
	ls->refused[ls->n_refused] = r;
	ls->why[ls->n_refused++] = w;
	return 0;
}

/* Whether folder `st` was listed already; if not, remember it.  1, 0 or GK_ENOMEM. */
static int seen_before(listing *ls, const struct stat *st)
{
	for (size_t i = 0; i < ls->n_seen; i++)
		if (ls->seen[i].dev == st->st_dev && ls->seen[i].ino == st->st_ino)
			return 1;
	if (gk_grow(&ls->seen, &ls->cap_seen, ls->n_seen + 1, sizeof *ls->seen) < 0)
		return GK_ENOMEM;
	ls->seen[ls->n_seen].dev = st->st_dev;
	ls->seen[ls->n_seen++].ino = st->st_ino;
	return 0;
}

static bool below(const char *real, const char *root)
{
	size_t n = strlen(root);
	return strncmp(real, root, n) == 0 && (real[n] == '\0' || real[n] == '/' || (n == 1 && root[0] == '/'));
}

static int walk(listing *ls, const char *root, const char *rel, int depth, gk_error *err);

/* One entry: lstat first, so that a symbolic link is judged before it is followed. */
static int entry(listing *ls, const char *root, const char *name, char *child, const char *child_abs, int depth,
		 gk_error *err)
{
	struct stat st;
	if (lstat(child_abs, &st) != 0)
		return 0; /* gone since the listing */
	if (S_ISLNK(st.st_mode)) {
		char *real = realpath(child_abs, NULL);
		bool follow = false;
		int rc = 0;
		if (!real || stat(real, &st) != 0)
			; /* a dangling link is not a file of the layout */
		else if (!below(real, ls->root))
			rc = refuse(ls, child, real);
		else
			follow = S_ISDIR(st.st_mode) || S_ISREG(st.st_mode);
		free(real);
		if (rc < 0)
			return gk_error_set(err, rc, "out of memory");
		if (!follow)
			return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		if (name[0] == '.' || depth >= LAYOUT_MAX_DEPTH)
			return 0;
		int seen = seen_before(ls, &st);
		if (seen < 0)
			return gk_error_set(err, GK_ENOMEM, "out of memory");
		return seen ? 0 : walk(ls, root, child, depth + 1, err);
	}
	if (S_ISREG(st.st_mode) && push(ls, gk_strdup(child)) < 0)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	return 0;
}

/*
 * Add the files below `root`/`rel` (rel "" = the root).  Hidden folders are
 * skipped: version-control and editor metadata live there and no tool
 * reads migrations from them (diesel skips them explicitly); hidden files
 * are kept, so that a stray .DS_Store shows up as stray.
 */
static int walk(listing *ls, const char *root, const char *rel, int depth, gk_error *err)
{
	char *abs = *rel ? gk_asprintf("%s/%s", root, rel) : gk_strdup(root);
	if (!abs)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	DIR *d = opendir(abs);
	if (!d) {
		int rc = gk_error_set(err, GK_EIO, "%s: %s", abs, strerror(errno));
		free(abs);
		return rc;
	}
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *child = *rel ? gk_asprintf("%s/%s", rel, e->d_name) : gk_strdup(e->d_name);
		char *child_abs = gk_asprintf("%s/%s", abs, e->d_name);
		if (!child || !child_abs)
			rc = gk_error_set(err, GK_ENOMEM, "out of memory");
		else
			rc = entry(ls, root, e->d_name, child, child_abs, depth, err);
		free(child);
		free(child_abs);
	}
	closedir(d);
	free(abs);
	return rc;
}

static int read_from_dir(char **out, size_t *len, const char *relpath, void *payload)
{
	char *abs = gk_asprintf("%s/%s", (const char *)payload, relpath);
	if (!abs)
		return GK_ENOMEM;
	int rc = gk_read_file(out, len, abs, LAYOUT_MAX_FILE);
	free(abs);
	return rc < 0 ? GK_EIO : 0;
}

int gk_layout_read_dir(gk_layout **out, enum gk_layout_kind kind, const char *dir, gk_error *err)
{
	*out = NULL;
	listing ls = {0};
	char *root = gk_strdup(dir);
	if (!root)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	size_t rn = strlen(root);
	while (rn > 1 && root[rn - 1] == '/')
		root[--rn] = '\0';
	struct stat st;
	int rc = (ls.root = gk_files_root(root)) ? 0 : gk_error_set(err, GK_EIO, "%s: %s", root, strerror(errno));
	if (rc == 0 && stat(root, &st) == 0 && seen_before(&ls, &st) < 0)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	if (rc == 0)
		rc = walk(&ls, root, "", 0, err);
	if (rc == 0)
		rc = gk_layout_read(out, kind, (const char *const *)ls.paths, ls.n, read_from_dir, root, err);
	if (rc == 0) { /* the layout takes the refused links */
		(*out)->refused = ls.refused;
		(*out)->refused_why = ls.why;
		(*out)->n_refused = ls.n_refused;
		ls.refused = ls.why = NULL;
		ls.n_refused = 0;
	}
	for (size_t i = 0; i < ls.n; i++)
		free(ls.paths[i]);
	for (size_t i = 0; i < ls.n_refused; i++) {
		free(ls.refused[i]);
		free(ls.why[i]);
	}
	free(ls.refused);
	free(ls.why);
	free(ls.paths);
	free(ls.seen);
	free(ls.root);
	free(root);
	return rc;
}
