/*
 * layout_dir.c - gk_layout_read_dir: list a folder on disk as relative
 * paths and read files from it, for gk_layout_read().
 */
#include "layout/layout_internal.h"
#include "util/util.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Far above any migration; keeps a runaway file from eating memory. */
#define LAYOUT_MAX_FILE ((size_t)256 << 20)
/* Symlinked folders could loop; real layouts are one or two levels deep. */
#define LAYOUT_MAX_DEPTH 16

typedef struct listing {
	char **paths;
	size_t n, cap;
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
		struct stat st;
		if (!child || !child_abs)
			rc = gk_error_set(err, GK_ENOMEM, "out of memory");
		else if (stat(child_abs, &st) != 0)
			; /* a dangling link is not a file of the layout */
		else if (S_ISDIR(st.st_mode)) {
			if (e->d_name[0] != '.' && depth < LAYOUT_MAX_DEPTH)
				rc = walk(ls, root, child, depth + 1, err);
		} else if (S_ISREG(st.st_mode)) {
			rc = push(ls, child);
			child = NULL;
			if (rc < 0)
				gk_error_set(err, rc, "out of memory");
		}
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
	int rc = walk(&ls, root, "", 0, err);
	if (rc == 0)
		rc = gk_layout_read(out, kind, (const char *const *)ls.paths, ls.n, read_from_dir, root, err);
	for (size_t i = 0; i < ls.n; i++)
		free(ls.paths[i]);
	free(ls.paths);
	free(root);
	return rc;
}
