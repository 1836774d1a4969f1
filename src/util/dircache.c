/*
 * dircache.c - facts about folders, looked up once per run (see dircache.h).
 *
 * Entries are keyed by absolute paths without ".", ".." or empty
 * components ("clean" paths); only those are cached, because only for them
 * is the real path of a folder its parent's real path plus its own name
 * (when it is not a link).  Anything else is passed to the uncached
 * function, so the answers never differ from the file system's.
 */
#include "dircache.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct entry {
	char *path;        /* the key: a clean absolute path */
	char *real;        /* realpath(path), once known; NULL = does not resolve */
	int real_errno;
	bool real_known;
	signed char git;   /* path/.git exists: -1 not asked yet, 0, 1 */
	signed char list;  /* 0 not listed yet, 1 listed, 2 no such folder, -1 cannot list */
	char **names;      /* the listing, sorted */
	size_t n_names;
} entry;

struct gk_dir_cache {
	entry **slots;     /* open addressing, a power of two */
	size_t cap, n;
	char *cwd;         /* getcwd() at the first relative path */
};

gk_dir_cache *gk_dir_cache_new(void)
{
	gk_dir_cache *c = calloc(1, sizeof *c);
	if (c && !(c->slots = calloc(c->cap = 256, sizeof *c->slots))) {
		free(c);
		return NULL;
	}
	return c;
}

static void entry_free(entry *e)
{
	for (size_t i = 0; i < e->n_names; i++)
		free(e->names[i]);
	free(e->names);
	free(e->real);
	free(e->path);
	free(e);
}

void gk_dir_cache_free(gk_dir_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->cap; i++)
		if (c->slots[i])
			entry_free(c->slots[i]);
	free(c->slots);
	free(c->cwd);
	free(c);
}

/* ---- the table ------------------------------------------------------------ */

static entry **slot(entry **slots, size_t cap, const char *p, size_t n)
{
	size_t i = gk_hash_bytes(GK_HASH_SEED, p, n) & (cap - 1);
	while (slots[i] && (strncmp(slots[i]->path, p, n) != 0 || slots[i]->path[n] != '\0'))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int grow(gk_dir_cache *c)
{
	size_t cap = c->cap * 2;
	entry **slots = calloc(cap, sizeof *slots);
	if (!slots)
		return -1;
	for (size_t i = 0; i < c->cap; i++)
		if (c->slots[i])
			*slot(slots, cap, c->slots[i]->path, strlen(c->slots[i]->path)) = c->slots[i];
	free(c->slots);
	c->slots = slots;
	c->cap = cap;
	return 0;
}

/* The entry of the first `n` bytes of the clean path `p`, made if new; NULL when out of memory. */
static entry *get(gk_dir_cache *c, const char *p, size_t n)
{
	entry **s = slot(c->slots, c->cap, p, n);
	if (*s)
		return *s;
	if ((c->n + 1) * 2 > c->cap) {
		if (grow(c) < 0)
			return NULL;
		s = slot(c->slots, c->cap, p, n);
	}
	entry *e = calloc(1, sizeof *e);
	if (!e || !(e->path = gk_strndup(p, n))) {
		free(e);
		return NULL;
	}
	e->git = -1;
	c->n++;
	return *s = e;
}

/* ---- paths ---------------------------------------------------------------- */

/* Absolute, without empty, "." or ".." components, no trailing slash (except "/"). */
static bool clean(const char *p)
{
	if (p[0] != '/')
		return false;
	if (p[1] == '\0')
		return true;
	for (const char *s = p; *s;) {
		s++; /* past the slash */
		size_t n = strcspn(s, "/");
		if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		s += n;
	}
	return true;
}

/* `path` made absolute against the working folder; malloc'ed, NULL on failure. */
static char *absolute(gk_dir_cache *c, const char *path)
{
	if (path[0] == '/')
		return gk_strdup(path);
	if (!c->cwd) {
		char buf[PATH_MAX];
		if (!getcwd(buf, sizeof buf) || !(c->cwd = gk_strdup(buf)))
			return NULL;
	}
	return gk_asprintf("%s/%s", strcmp(c->cwd, "/") ? c->cwd : "", path);
}

/* The parent of the clean path `p` of `n` bytes: its length ("/x" -> 1). */
static size_t parent_len(const char *p, size_t n)
{
	while (n > 1 && p[n - 1] != '/')
		n--;
	return n > 1 ? n - 1 : 1;
}

/* A real path is its own real path: callers often ask for it next (the
 * repository root of a folder reached through a link). */
static void seed(gk_dir_cache *c, const char *real)
{
	if (!real || !clean(real))
		return;
	entry *r = get(c, real, strlen(real));
	if (r && !r->real_known && (r->real = gk_strdup(real)) != NULL)
		r->real_known = true;
}

/*
 * realpath() of the first `n` bytes of the clean path `p`, borrowed from
 * the cache (NULL with errno set).  A component that is not a link resolves
 * to itself, so the real path of anything below a folder is the folder's
 * real path plus the name: one lstat instead of a readlink per component.
 */
static const char *real_of(gk_dir_cache *c, const char *p, size_t n)
{
	static const char root[] = "/";
	if (n == 1)
		return root;
	entry *e = get(c, p, n);
	if (!e) {
		errno = ENOMEM;
		return NULL;
	}
	if (!e->real_known) {
		struct stat st;
		const char *up = NULL;
		size_t pn = parent_len(p, n);
		if (lstat(e->path, &st) != 0) {
			e->real_errno = errno;
		} else if (!S_ISLNK(st.st_mode) && (up = real_of(c, p, pn)) != NULL) {
			e->real = gk_asprintf("%s/%s", strcmp(up, "/") ? up : "", e->path + pn + (pn > 1));
			e->real_errno = e->real ? 0 : ENOMEM;
		} else if (!(e->real = realpath(e->path, NULL))) {
			e->real_errno = errno;
		}
		e->real_known = true;
		seed(c, e->real);
	}
	errno = e->real_errno;
	return e->real;
}

char *gk_dir_cache_realpath(gk_dir_cache *c, const char *path)
{
	char *abs = absolute(c, path);
	if (!abs)
		return NULL;
	if (!clean(abs)) {
		free(abs);
		return realpath(path, NULL);
	}
	const char *r = real_of(c, abs, strlen(abs));
	int e = errno;
	char *out = r ? gk_strdup(r) : NULL;
	free(abs);
	errno = out || !r ? e : ENOMEM;
	return out;
}

/* Whether the clean folder `p` (n bytes) holds a .git entry (lstat, as gk_files_root). */
static bool has_git(gk_dir_cache *c, const char *p, size_t n)
{
	entry *e = get(c, p, n);
	if (e && e->git >= 0)
		return e->git == 1;
	char *git = gk_asprintf("%.*s/.git", n == 1 ? 0 : (int)n, p);
	struct stat st;
	bool found = git && lstat(git, &st) == 0;
	free(git);
	if (e && git)
		e->git = found;
	return found;
}

char *gk_dir_cache_root(gk_dir_cache *c, const char *dir)
{
	char *d = gk_dir_cache_realpath(c, dir);
	if (!d || !clean(d))
		return d;
	for (size_t n = strlen(d);; n = parent_len(d, n)) {
		if (has_git(c, d, n)) {
			d[n] = '\0';
			return d;
		}
		if (n == 1)
			return d;
	}
}

/* real_of for gk_path_resolve_prefix: a copy, as it frees what it gets. */
static char *real_copy(void *ctx, const char *prefix)
{
	const char *real = real_of(ctx, prefix, strlen(prefix));
	return real ? gk_strdup(real) : NULL;
}

char *gk_dir_cache_canonical(gk_dir_cache *c, const char *path)
{
	char *abs = absolute(c, path);
	if (!abs)
		return NULL;
	gk_path_normalise(abs);
	/* The longest prefix that exists, with its symlinks resolved (cached), then the rest as written. */
	return gk_path_resolve_prefix(abs, real_copy, c);
}

/* ---- listings ------------------------------------------------------------- */

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* List the folder of entry `e` once: e->list says how it went. */
static void list(entry *e)
{
	DIR *d = opendir(e->path);
	if (!d) {
		e->list = errno == ENOENT || errno == ENOTDIR ? 2 : -1;
		return;
	}
	size_t cap = 0;
	struct dirent *de;
	e->list = 1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char *name = gk_strdup(de->d_name);
		if (!name || gk_grow(&e->names, &cap, e->n_names + 1, sizeof *e->names) < 0) {
			free(name);
			e->list = -1;
			break;
		}
		e->names[e->n_names++] = name;
	}
	closedir(d);
	if (e->n_names > 1)
		qsort(e->names, e->n_names, sizeof *e->names, cmp_name);
}

/* The listed entry of the clean folder `dir`; its `list` says how listing went. */
static entry *listed(gk_dir_cache *c, const char *dir)
{
	if (!clean(dir))
		return NULL;
	entry *e = get(c, dir, strlen(dir));
	if (e && e->list == 0)
		list(e);
	return e;
}

int gk_dir_cache_has(gk_dir_cache *c, const char *dir, const char *name)
{
	if (!name[0] || strchr(name, '/'))
		return -1;
	entry *e = listed(c, dir);
	if (!e)
		return -1;
	if (e->list != 1)
		return e->list == 2 ? 0 : -1;
	return bsearch(&name, e->names, e->n_names, sizeof *e->names, cmp_name) != NULL;
}

int gk_dir_cache_list(gk_dir_cache *c, const char *dir, const char *const **names, size_t *n)
{
	entry *e = listed(c, dir);
	if (!e || e->list != 1)
		return e && e->list == 2 ? 0 : -1;
	*names = (const char *const *)e->names;
	*n = e->n_names;
	return 1;
}
