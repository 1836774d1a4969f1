/*
 * gatekeeper/files.h - turn command-line paths into the list of SQL files.
 */
#ifndef GATEKEEPER_FILES_H
#define GATEKEEPER_FILES_H

#include "common.h"

typedef struct gk_file_list {
	char **paths;   /* owned */
	size_t n;
	size_t cap;
} gk_file_list;

/**
 * Append `path` if it is a file, or every `*.sql` file below it (sorted,
 * recursively) if it is a directory, skipping any whose path matches one of
 * the `n_excludes` glob patterns (fnmatch, `**` matches across folders).
 * A path that does not exist is still appended, so that linting it reports
 * the problem in the report with the other files.
 * Returns 0 or GK_ENOMEM.  Free the list with gk_file_list_free().
 */
int gk_files_collect(gk_file_list *out, const char *path, const char *const *excludes,
		     size_t n_excludes, gk_error *err);

/** Free the paths (the struct itself is the caller's). NULL is a no-op. */
void gk_file_list_free(gk_file_list *l);

/** Whether `path` matches glob `pattern`, where `**` also spans folders (syntax: src/util/glob.h). */
bool gk_glob_match(const char *pattern, const char *path);

#endif
