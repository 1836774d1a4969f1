/*
 * glob.h - the glob matcher behind gk_glob_match() (src/util/files.h).
 *
 * `*` and `?` match within one path component, `[...]` is a bracket
 * expression as fnmatch(3) reads it (ranges, `!`/`^`, `[:class:]`), `\`
 * quotes the next character, and `**` spans folders: it matches nothing
 * or any run of characters that ends with '/' (the one '/' after it is
 * part of it), and anything at all at the end of a pattern.
 *
 * The pattern is run as a set of states over the path, one character at a
 * time, so a match costs at most (tokens + 1) * (length + 1) steps whatever
 * the pattern: a `--exclude` like `**` `/` `**` `/` ... cannot make it
 * backtrack.
 */
#ifndef GK_UTIL_GLOB_H
#define GK_UTIL_GLOB_H

#include <stdbool.h>
#include <stddef.h>

/**
 * gk_glob_match() that also counts its steps (state x character visits)
 * into *steps when not NULL, so tests can bound the work.
 */
bool gk_glob_match_counted(const char *pattern, const char *path, size_t *steps);

#endif
