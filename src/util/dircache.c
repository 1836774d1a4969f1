/*
 * dircache.c - facts about folders, looked up once per run (see dircache.h).
 *
 * Entries are keyed by clean absolute paths: without ".", ".." or empty
 * components.  A real path is resolved as glibc's realpath() does it,
 * component by component from "/" (or the working folder), "." skipped,
 * ".." going up from the real path reached so far, a symbolic link read and
 * its target walked in turn, with at most MAX_LINKS links in all; but each
 * step is an entry, the real folder reached plus one name, asked of the file
 * system once (an lstat, and a readlink for a link).  So the real path of
 * anything below a folder is the folder's real path plus the name, and
 * realpath()'s getcwd and readlink of every component are not repeated for
 * every path.
 */
#include "dircache.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* glibc's realpath fails with ELOOP past this many links in one path (its
 * __eloop_threshold: Linux has no SYMLOOP_MAX, and 40 is its minimum). */
#define MAX_LINKS 40

typedef struct entry {
	char *path;        /* the key: a clean absolute path */
	size_t hash;       /* of path */
	/* realpath(path), once known, for a path whose parent is a real path
	 * (the steps of a walk): */
	char *target;      /* a link: its real path; NULL: the path itself, or an error */
	int real_errno;    /* 0, or why realpath(path) fails */
	unsigned char links; /* links realpath(path) follows (to its failure); > MAX_LINKS: ELOOP */
	bool real_known;
	bool real_dir;     /* the real path names a folder */
	bool busy;         /* a link being resolved: met again inside, it is a loop */
	signed char git;   /* path/.git exists: -1 not asked yet, 0, 1 */
	signed char list;  /* 0 not listed yet, 1 listed, 2 no such folder, -1 cannot list */
	char **names;      /* the listing, sorted */
	size_t n_names;
} entry;

struct gk_dir_cache {
	entry **slots;     /* open addressing, a power of two */
	size_t cap, n;
	char *cwd;         /* getcwd() at the first relative path */
	/* The folder of the last path resolved, as written, and where its walk
	 * led: paths passed one by one mostly share it (the folders of a
	 * Prisma history, the files of any other), and its walk need not be
	 * repeated, component by component, for each. */
	char *memo_text;   /* NULL: none */
	char *memo_real;   /* the walk's path ("" for "/") */
	unsigned memo_links;
	bool memo_dir;
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
	free(e->target);
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
	free(c->memo_text);
	free(c->memo_real);
	free(c);
}

/* ---- the table ------------------------------------------------------------ */

static entry **slot(entry **slots, size_t cap, const char *p, size_t n, size_t h)
{
	size_t i = h & (cap - 1);
	while (slots[i] && (slots[i]->hash != h || strncmp(slots[i]->path, p, n) != 0 || slots[i]->path[n] != '\0'))
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
			*slot(slots, cap, c->slots[i]->path, strlen(c->slots[i]->path), c->slots[i]->hash) = c->slots[i];
	free(c->slots);
	c->slots = slots;
	c->cap = cap;
	return 0;
}

/* The entry of the first `n` bytes of the clean path `p`, whose hash is
 * `h`, made if new; NULL when out of memory. */
static entry *get_hashed(gk_dir_cache *c, const char *p, size_t n, size_t h)
{
	entry **s = slot(c->slots, c->cap, p, n, h);
	if (*s)
		return *s;
	if ((c->n + 1) * 2 > c->cap) {
		if (grow(c) < 0)
			return NULL;
		s = slot(c->slots, c->cap, p, n, h);
	}
	entry *e = calloc(1, sizeof *e);
	if (!e || !(e->path = gk_strndup(p, n))) {
		free(e);
		return NULL;
	}
	e->hash = h;
	e->git = -1;
	c->n++;
	return *s = e;
}

static entry *get(gk_dir_cache *c, const char *p, size_t n)
{
	return get_hashed(c, p, n, gk_hash_bytes(GK_HASH_SEED, p, n));
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

/* The working folder, asked once (NULL with errno set). */
static const char *cwd(gk_dir_cache *c)
{
	if (!c->cwd) {
		char buf[PATH_MAX];
		if (!getcwd(buf, sizeof buf))
			return NULL;
		if (!(c->cwd = gk_strdup(buf)))
			errno = ENOMEM;
	}
	return c->cwd;
}

/* `path` made absolute against the working folder; malloc'ed, NULL on failure. */
static char *absolute(gk_dir_cache *c, const char *path)
{
	if (path[0] == '/')
		return gk_strdup(path);
	const char *wd = cwd(c);
	return wd ? gk_asprintf("%s/%s", strcmp(wd, "/") ? wd : "", path) : NULL;
}

/* The parent of the clean path `p` of `n` bytes: its length ("/x" -> 1). */
static size_t parent_len(const char *p, size_t n)
{
	while (n > 1 && p[n - 1] != '/')
		n--;
	return n > 1 ? n - 1 : 1;
}

/* ---- real paths ----------------------------------------------------------- */

/*
 * Where a walk is: a real path ("" stands for "/"), and what realpath()
 * would know there: the links it followed on the way and whether the path
 * names a folder.  `depth` counts the links being resolved around the
 * walk; `cut` says it went deeper than MAX_LINKS and gave up (so its failure
 * says nothing about the paths it was resolving).
 */
typedef struct walk {
	gk_buf path;
	size_t hash;    /* of path */
	unsigned links;
	bool dir;
	bool cut;
	bool list_last; /* the path's last component is a folder about to be listed */
	int depth;
} walk;

static void walk_set(walk *w, const char *p, size_t n)
{
	if (n == 1 && p[0] == '/')
		n = 0;
	w->path.len = 0;
	gk_buf_append(&w->path, p, n);
	w->hash = gk_hash_bytes(GK_HASH_SEED, p, n);
}

/* Back to the first `n` bytes of the path. */
static void walk_cut(walk *w, size_t n, size_t hash)
{
	w->path.len = n;
	if (w->path.data)
		w->path.data[n] = '\0';
	w->hash = hash;
}

/* The walk's path, malloc'ed ("/" for ""); NULL with errno ENOMEM. */
static char *walk_take(walk *w)
{
	char *out = w->path.failed ? NULL : w->path.len ? gk_buf_take(&w->path) : gk_strdup("/");
	gk_buf_free(&w->path);
	if (!out)
		errno = ENOMEM;
	return out;
}

/* A walk at "/" (for an absolute `path`) or at the working folder, which
 * getcwd() gives real.  0, or -1 with errno set. */
static int walk_start(gk_dir_cache *c, walk *w, const char *path)
{
	*w = (walk){.path = GK_BUF_INIT, .hash = GK_HASH_SEED, .dir = true};
	if (path[0] == '/')
		return 0;
	const char *wd = cwd(c);
	if (!wd)
		return -1;
	walk_set(w, wd, strlen(wd));
	if (w->path.failed) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* readlink(path) of a link `size` bytes long, malloc'ed; NULL with errno set. */
static char *read_link(const char *path, size_t size)
{
	for (size = size < 63 ? 64 : size + 1;; size *= 2) {
		char *buf = malloc(size);
		if (!buf) {
			errno = ENOMEM;
			return NULL;
		}
		ssize_t n = readlink(path, buf, size);
		if (n >= 0 && (size_t)n < size) {
			buf[n] = '\0';
			return buf;
		}
		free(buf);
		if (n < 0)
			return NULL; /* free() keeps errno (glibc, POSIX.1-2024) */
	}
}

static int walk_path(gk_dir_cache *c, walk *w, const char *s, const char **stop);
static void list_fd(entry *e, int fd);

/* opendir()'s flags: a folder, read, not kept across exec. */
#define FOLDER_FLAGS (O_RDONLY | O_NONBLOCK | O_DIRECTORY | O_CLOEXEC)

/*
 * A name first met as the last of a folder's path that is about to be
 * listed: opened as a folder without following a link, which when it
 * works says what an lstat would (a folder, not a link) and gives the
 * listing at once.  False when it does not work (a link, a file, missing,
 * not readable): ask lstat, as for any name.
 */
static bool open_folder(entry *e)
{
	int fd = open(e->path, FOLDER_FLAGS | O_NOFOLLOW);
	if (fd < 0)
		return false;
	e->real_dir = true;
	e->real_known = true;
	list_fd(e, fd);
	return true;
}

/*
 * realpath() of the entry `e`, met by the walk `w`, whose path is a real
 * folder (the first `parent` bytes of e's path) plus one name: one lstat;
 * a link is read and its target walked from that folder (or from "/"),
 * counting itself.  The answer is realpath()'s from scratch, kept with the
 * links followed, so that a walk that meets `e` after other links adds
 * them up and fails past MAX_LINKS as realpath() would.
 */
static void resolve(gk_dir_cache *c, entry *e, size_t parent, walk *w, bool last)
{
	struct stat st;
	char *target = NULL;
	if (last && w->list_last && e->list == 0 && open_folder(e))
		return;
	if (lstat(e->path, &st) != 0) {
		e->real_errno = errno;
	} else if (!S_ISLNK(st.st_mode)) {
		e->real_dir = S_ISDIR(st.st_mode);
	} else if (w->depth >= MAX_LINKS) {
		/* Links nested deeper than the limit: whatever met the outermost
		 * follows too many, but what `e` gives on its own is not known
		 * without going deeper.  Leave it unknown. */
		w->cut = true;
		return;
	} else if (!(target = read_link(e->path, (size_t)st.st_size))) {
		e->real_errno = errno;
	} else {
		walk sub = {.path = GK_BUF_INIT, .links = 1, .dir = true, .depth = w->depth + 1};
		walk_set(&sub, e->path, target[0] == '/' ? 0 : parent);
		e->busy = true;
		int rc = walk_path(c, &sub, target, NULL), err = errno;
		e->busy = false;
		free(target);
		if (sub.cut) {
			gk_buf_free(&sub.path);
			w->cut = true;
			return;
		}
		e->links = sub.links > MAX_LINKS ? MAX_LINKS + 1 : (unsigned char)sub.links;
		e->real_dir = sub.dir;
		if (rc < 0) {
			e->real_errno = err;
			gk_buf_free(&sub.path);
		} else if (!(e->target = walk_take(&sub))) {
			e->real_errno = ENOMEM;
		}
	}
	e->real_known = true;
}

/* One component `name` (`n` bytes, not empty) of a path, taken from where
 * `w` is as realpath() takes it.  0, or -1 with errno set and the walk
 * where it was. */
static int step(gk_dir_cache *c, walk *w, const char *name, size_t n, bool last)
{
	if (n == 1 && name[0] == '.')
		return 0;
	size_t at = w->path.len, hash = w->hash;
	if (n == 2 && name[0] == '.' && name[1] == '.') { /* the real path's parent */
		while (at > 0 && w->path.data[at - 1] != '/')
			at--;
		at -= at > 0;
		walk_cut(w, at, gk_hash_bytes(GK_HASH_SEED, w->path.data, at));
		return 0;
	}
	gk_buf_putc(&w->path, '/');
	gk_buf_append(&w->path, name, n);
	entry *e = w->path.failed ? NULL :
		get_hashed(c, w->path.data, w->path.len, gk_hash_bytes(gk_hash_bytes(hash, "/", 1), name, n));
	int err = ENOMEM;
	if (e && e->busy) { /* a link met again while it is being resolved: it never ends */
		w->links = MAX_LINKS + 1;
		err = ELOOP;
	} else if (e) {
		if (!e->real_known)
			resolve(c, e, at, w, last);
		w->links += e->links;
		err = w->cut || w->links > MAX_LINKS ? ELOOP : e->real_errno;
	}
	if (err) {
		walk_cut(w, at, hash);
		errno = err;
		return -1;
	}
	w->dir = e->real_dir;
	if (e->target)
		walk_set(w, e->target, strlen(e->target));
	else
		w->hash = e->hash;
	return 0;
}

/*
 * Walk the components of `s` from where `w` is, as realpath() does.  0, or
 * -1 with errno set, the walk at the last folder reached and, with `stop`,
 * *stop at the rest of `s` from there (from the slash before the component
 * that failed).  After a file nothing may follow, not even a slash: realpath
 * checks that a name followed by "/", "/." or "/.." is a folder, and a name
 * below a file is ENOTDIR.
 */
static int walk_path(gk_dir_cache *c, walk *w, const char *s, const char **stop)
{
	while (*s) {
		const char *at = s;
		while (*s == '/')
			s++;
		size_t n = strcspn(s, "/");
		int rc = 0;
		if (!w->dir) {
			errno = ENOTDIR;
			rc = -1;
		} else if (n > 0) {
			rc = step(c, w, s, n, s[n + strspn(s + n, "/")] == '\0');
		}
		if (rc < 0) {
			if (stop)
				*stop = at;
			return -1;
		}
		s += n;
	}
	return 0;
}

/*
 * Walk the first `n` bytes of `path`, its folder as written, or take the
 * walk from the memo when the last path had the same.  A walk's state
 * after some text depends on nothing else (the cache's answers do not
 * change), so what follows goes on as from the whole path.
 */
static int walk_folder(gk_dir_cache *c, walk *w, const char *path, size_t n)
{
	if (c->memo_text && strncmp(c->memo_text, path, n) == 0 && c->memo_text[n] == '\0') {
		walk_set(w, c->memo_real, strlen(c->memo_real));
		w->links = c->memo_links;
		w->dir = c->memo_dir;
		return w->path.failed ? (errno = ENOMEM, -1) : 0;
	}
	char *text = gk_strndup(path, n);
	if (!text) {
		errno = ENOMEM;
		return -1;
	}
	bool list_last = w->list_last;
	w->list_last = false; /* its last name is not the one to list */
	int rc = walk_path(c, w, text, NULL);
	w->list_last = list_last;
	char *real = rc == 0 ? gk_strndup(w->path.data ? w->path.data : "", w->path.len) : NULL;
	if (real) {
		free(c->memo_text);
		free(c->memo_real);
		c->memo_text = text;
		c->memo_real = real;
		c->memo_links = w->links;
		c->memo_dir = w->dir;
	} else {
		free(text);
	}
	return rc;
}

/* realpath(path) by a walk; `list_last` as in struct walk. */
static char *real_path(gk_dir_cache *c, const char *path, bool list_last)
{
	if (!path[0]) { /* as realpath("") */
		errno = ENOENT;
		return NULL;
	}
	walk w;
	int rc = walk_start(c, &w, path);
	w.list_last = list_last;
	const char *slash = strrchr(path, '/'), *rest = path;
	if (rc == 0 && slash && slash > path) { /* the rest keeps the slash: "a/b/" must end at a folder */
		rc = walk_folder(c, &w, path, (size_t)(slash - path));
		rest = slash;
	}
	if (rc < 0 || walk_path(c, &w, rest, NULL) < 0) {
		int err = errno;
		gk_buf_free(&w.path);
		errno = err;
		return NULL;
	}
	return walk_take(&w);
}

char *gk_dir_cache_realpath(gk_dir_cache *c, const char *path)
{
	return real_path(c, path, false);
}

char *gk_dir_cache_folder_to_list(gk_dir_cache *c, const char *dir)
{
	return real_path(c, dir, true);
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

char *gk_dir_cache_canonical(gk_dir_cache *c, const char *path)
{
	char *abs = absolute(c, path);
	if (!abs)
		return NULL;
	gk_path_normalise(abs);
	/* The longest prefix that resolves, real, then the rest as written: a
	 * prefix resolves when the walk gets past it, and no longer one does
	 * once a component fails. */
	walk w;
	const char *rest = "";
	if (walk_start(c, &w, abs) == 0)
		walk_path(c, &w, abs, &rest);
	gk_buf_puts(&w.path, rest);
	free(abs);
	return walk_take(&w);
}

/* ---- listings ------------------------------------------------------------- */

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The listing of the open folder `fd` (closed here) into `e`, read with
 * getdents64 as readdir() does, without the fstat and fcntl calls of
 * opendir() and fdopendir(): e->list 1, or -1 when reading fails.
 */
static void list_fd(entry *e, int fd)
{
	char buf[32768] __attribute__((aligned(8))); /* readdir()'s buffer size */
	size_t cap = 0;
	long n = 0;
	e->list = 1;
	while (e->list == 1 && (n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
		for (long off = 0; off < n;) {
			const struct gk_dirent64 *d = (const struct gk_dirent64 *)(buf + off);
			off += d->d_reclen;
			if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
				continue;
			char *name = gk_strdup(d->d_name);
			if (!name || gk_grow(&e->names, &cap, e->n_names + 1, sizeof *e->names) < 0) {
				free(name);
				e->list = -1;
				break;
			}
			e->names[e->n_names++] = name;
		}
	}
	if (n < 0)
		e->list = -1;
	close(fd);
	if (e->n_names > 1)
		qsort(e->names, e->n_names, sizeof *e->names, cmp_name);
}

/* List the folder of entry `e` once: e->list says how it went. */
static void list(entry *e)
{
	int fd = open(e->path, FOLDER_FLAGS);
	if (fd < 0) {
		e->list = errno == ENOENT || errno == ENOTDIR ? 2 : -1;
		return;
	}
	list_fd(e, fd);
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
