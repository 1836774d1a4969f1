/*
 * util/files.h - turn command-line paths into the list of SQL files.
 */
#ifndef GK_FILES_H
#define GK_FILES_H

#include <stdint.h>
#include <sys/stat.h>

#include "gatekeeper/common.h"
#include "gatekeeper/types.h"

/* What the walk found a path to be, so that reading it later can check it
 * is still that file (a swap between the walk and the read is caught). */
typedef struct gk_file_id {
	bool judged;          /* false: a path as given, not examined */
	uint64_t dev, ino;    /* the regular file it named (through a link: the target) */
} gk_file_id;

typedef struct gk_file_list {
	char **paths;   /* owned */
	char **refused; /* per path: why it must not be read (owned), or NULL */
	gk_file_id *ids;/* per path */
	size_t n;
	size_t cap;
} gk_file_list;

/* What a path names, asked once: lstat, and for a link stat, so that the
 * callers that each need a part of it do not ask again. */
typedef struct gk_path_stat {
	int lstat_errno;    /* 0: lstat(path) succeeded, into `lst` */
	int stat_errno;     /* 0: stat(path) succeeded, into `st` (for a non-link, a copy of `lst`) */
	struct stat lst, st;
} gk_path_stat;

/** Fill `out` for `path`: one lstat, and a stat only when it is a link. */
void gk_path_stat_read(gk_path_stat *out, const char *path);

/** Whether `ps` says its path names a folder (through a link too). */
bool gk_path_stat_is_dir(const gk_path_stat *ps);

/**
 * Append `path` if it is a file, or every `*.sql` file below it (sorted,
 * recursively) if it is a directory, skipping any whose path matches one of
 * the `n_excludes` glob patterns (fnmatch, `**` matches across folders).
 * A path that does not exist is still appended, so that linting it reports
 * the problem in the report with the other files.
 *
 * Symbolic links are followed only to regular files and folders inside the
 * repository holding `path` (the nearest folder upward with a .git entry),
 * or inside `path` itself outside a repository; a link leading elsewhere
 * is appended with `refused` set (reported, never read) when its name
 * looks like SQL or it points at a folder.  A folder is walked once, known
 * by device and inode, however many links lead to it (loops included).
 * `ps` is what gk_path_stat_read() said of `path` (borrowed), or NULL to
 * ask here.  Returns 0 or GK_ENOMEM.  Free the list with gk_file_list_free().
 */
int gk_files_collect(gk_file_list *out, const char *path, const gk_path_stat *ps, const char *const *excludes,
		     size_t n_excludes, gk_error *err);

/** The folder symlinks below `dir` must stay in: the nearest folder upward
 * with a .git entry, else `dir` itself; resolved, malloc'ed; NULL when
 * `dir` cannot be resolved or out of memory. */
char *gk_files_root(const char *dir);

/** Free the paths (the struct itself is the caller's). NULL is a no-op. */
void gk_file_list_free(gk_file_list *l);

/** Whether `path` matches glob `pattern`, where `**` also spans folders (syntax: src/util/glob.h). */
bool gk_glob_match(const char *pattern, const char *path);

/**
 * Whether an exclude glob (`--exclude`, `exclude:`) matches `path`: the
 * whole path, or, for a pattern without '/', the file name alone, as
 * .gitignore reads such a pattern (`V1_1*` skips db/V1_1__x.sql).
 */
bool gk_exclude_match(const char *pattern, const char *path);

#endif
