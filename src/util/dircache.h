/*
 * dircache.h - facts about folders, looked up once per run.
 *
 * Linting files one by one asks the same questions about their folders
 * again and again: the real path of the folder, the repository root above
 * it (the nearest .git), and whether a settings file (package-lock.json,
 * prisma.config.ts, flyway.conf, ...) is there.  Asked of the file system
 * each time, that is some sixty system calls per file, most of them for
 * names that do not exist.  A gk_dir_cache answers each question once per
 * folder: a real path from its parent's (one lstat per folder, a readlink
 * per link), the .git probe once per ancestor, and a folder's names from
 * one listing.
 *
 * The answers are those of the uncached functions (realpath, gk_files_root,
 * gk_path_canonical, open) as of the first question: a run must not be
 * changing the folders it lints.  Not thread-safe: one thread owns a cache.
 */
#ifndef GK_UTIL_DIRCACHE_H
#define GK_UTIL_DIRCACHE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct gk_dir_cache gk_dir_cache;

/** A new, empty cache (NULL when out of memory); free with gk_dir_cache_free. */
gk_dir_cache *gk_dir_cache_new(void);
void gk_dir_cache_free(gk_dir_cache *c);

/** realpath(path), malloc'ed; NULL with realpath()'s errno when it does
 * not resolve (ENOENT, ENOTDIR, ELOOP, EACCES...), or ENOMEM.  Any path:
 * relative, with ".", ".." (the parent of the real path reached, as
 * realpath goes up from a link's target) or empty components. */
char *gk_dir_cache_realpath(gk_dir_cache *c, const char *path);

/** gk_dir_cache_realpath(dir) of a folder the caller lists next
 * (gk_dir_cache_list of the answer): a last name not met before is opened
 * as a folder and listed at once, where an lstat and then a listing would
 * cost a system call more.  The same answers. */
char *gk_dir_cache_folder_to_list(gk_dir_cache *c, const char *dir);

/** gk_files_root(dir): the nearest folder at or above the real path of
 * `dir` holding a .git entry, else that real path; malloc'ed or NULL. */
char *gk_dir_cache_root(gk_dir_cache *c, const char *dir);

/** gk_path_canonical(path): absolute, "." and ".." applied, symlinks
 * resolved as far as the path exists; malloc'ed, NULL when out of memory. */
char *gk_dir_cache_canonical(gk_dir_cache *c, const char *path);

/**
 * Whether the folder `dir` has an entry `name` (one component): 1 yes,
 * 0 no (the folder does not list it, or does not exist), -1 unknown (the
 * folder cannot be listed for another reason, or out of memory): then ask
 * the file system.  A "yes" is only a name in a listing: opening it may
 * still fail (a dangling link, a folder, no permission).
 */
int gk_dir_cache_has(gk_dir_cache *c, const char *dir, const char *name);

/**
 * The names the clean absolute folder `dir` holds, sorted, borrowed from
 * the cache (valid until gk_dir_cache_free): 1 with *names and *n set, 0
 * when the folder does not exist, -1 unknown (as gk_dir_cache_has).  For
 * a question about many names at once: one lookup of the folder.
 */
int gk_dir_cache_list(gk_dir_cache *c, const char *dir, const char *const **names, size_t *n);

#endif
