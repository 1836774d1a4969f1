/* files.c - collect SQL files from paths (see gatekeeper/files.h). */
#include "gatekeeper/files.h"
#include "util.h"

#include <dirent.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int push(gk_file_list *l, const char *path)
{
	if (gk_grow(&l->paths, &l->cap, l->n + 1, sizeof *l->paths) < 0)
		return -1;
	if (!(l->paths[l->n] = strdup(path)))
		return -1;
	l->n++;
	return 0;
}

bool gk_glob_match(const char *pattern, const char *path)
{
	const char *dstar = strstr(pattern, "**");
	if (!dstar)
		return fnmatch(pattern, path, FNM_PATHNAME) == 0;
	/* For "a/<globstar>/b" try the rest against every suffix that starts a path component. */
	size_t pre = (size_t)(dstar - pattern);
	if (strncmp(pattern, path, pre) != 0 && !(pre == 0))
		return false;
	const char *rest = dstar + 2;
	if (*rest == '/')
		rest++;
	for (const char *p = path + pre; ; p++) {
		if ((p == path + pre || p[-1] == '/') && gk_glob_match(rest, p))
			return true;
		if (!*p)
			return *rest == '\0';
	}
}

static bool excluded(const char *path, const char *const *ex, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (gk_glob_match(ex[i], path))
			return true;
	return false;
}

static int cmp_path(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static bool is_sql(const char *name)
{
	size_t n = strlen(name);
	return n > 4 && strcmp(name + n - 4, ".sql") == 0;
}

/* The folders being walked, outermost first: a symlink back to one of
 * them would otherwise be followed forever. */
typedef struct ancestry {
	dev_t dev[64];
	ino_t ino[64];
	size_t n;
} ancestry;

static bool is_ancestor(const ancestry *a, const struct stat *st)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->dev[i] == st->st_dev && a->ino[i] == st->st_ino)
			return true;
	return false;
}

static int walk(gk_file_list *out, const char *dir, const char *const *ex, size_t nex, ancestry *anc, gk_error *err);

/* One entry of a folder: d_type saves a stat for plain files and folders. */
static int visit(gk_file_list *out, const char *p, unsigned char type, const char *const *ex, size_t nex,
		 ancestry *anc, gk_error *err)
{
	if (excluded(p, ex, nex))
		return 0;
	if (type == DT_REG)
		return is_sql(p) && push(out, p) < 0 ? gk_error_set(err, GK_ENOMEM, "out of memory") : 0;
	struct stat st;
	if (stat(p, &st) != 0) /* a dangling link: report it when linted, if it looks like SQL */
		return is_sql(p) && push(out, p) < 0 ? gk_error_set(err, GK_ENOMEM, "out of memory") : 0;
	if (S_ISDIR(st.st_mode)) {
		if (is_ancestor(anc, &st) || anc->n == sizeof anc->dev / sizeof *anc->dev)
			return 0; /* a link back up the tree, or absurdly deep */
		anc->dev[anc->n] = st.st_dev;
		anc->ino[anc->n++] = st.st_ino;
		int rc = walk(out, p, ex, nex, anc, err);
		anc->n--;
		return rc;
	}
	return S_ISREG(st.st_mode) && is_sql(p) && push(out, p) < 0 ? gk_error_set(err, GK_ENOMEM, "out of memory") : 0;
}

static int walk(gk_file_list *out, const char *dir, const char *const *ex, size_t nex, ancestry *anc, gk_error *err)
{
	DIR *d = opendir(dir);
	if (!d) /* reported when linted, like any unreadable path */
		return push(out, dir) < 0 ? gk_error_set(err, GK_ENOMEM, "out of memory") : 0;
	struct entry {
		char *path;
		unsigned char type;
	} *here = NULL;
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
			rc = gk_error_set(err, GK_ENOMEM, "out of memory");
			break;
		}
		here[n++] = (struct entry){p, e->d_type};
	}
	closedir(d);
	if (n > 0) /* qsort of no entries (NULL) is undefined */
		qsort(here, n, sizeof *here, cmp_path); /* the path is the first member */
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = visit(out, here[i].path, here[i].type, ex, nex, anc, err);
	for (size_t i = 0; i < n; i++)
		free(here[i].path);
	free(here);
	return rc;
}

int gk_files_collect(gk_file_list *out, const char *path, const char *const *excludes, size_t n_excludes,
		     gk_error *err)
{
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		ancestry anc = {.dev = {st.st_dev}, .ino = {st.st_ino}, .n = 1};
		return walk(out, path, excludes, n_excludes, &anc, err);
	}
	if (excluded(path, excludes, n_excludes))
		return 0;
	return push(out, path) < 0 ? gk_error_set(err, GK_ENOMEM, "out of memory") : 0;
}

void gk_file_list_free(gk_file_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->paths[i]);
	free(l->paths);
	l->paths = NULL;
	l->n = l->cap = 0;
}
