/*
 * corpus_files_test_support.h - every *.sql file of the shared corpora
 * (../shared/corpora, read in place) that the lint would parse (readable,
 * valid UTF-8, no NUL byte), for the tests that compare two ways of
 * reading SQL on all of them (src/layout/scan_test.c, src/sql/take_test.c).
 * Static functions for test programs only, included after <cmocka.h>.
 */
#ifndef GK_CORPUS_FILES_TEST_SUPPORT_H
#define GK_CORPUS_FILES_TEST_SUPPORT_H

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/util.h"

#define CORPUS_FILES GK_SOURCE_DIR "/../shared/corpora"

typedef void (*corpus_file_fn)(const char *path, const char *text, size_t len, void *ctx);

static void corpus_file(const char *path, corpus_file_fn fn, void *ctx)
{
	char *text = NULL;
	size_t len = 0;
	if (gk_read_file(&text, &len, path, 0) < 0)
		return;
	if (!memchr(text, '\0', len) && gk_utf8_valid(text, len, NULL))
		fn(path, text, len, ctx);
	free(text);
}

static void corpus_dir(const char *dir, corpus_file_fn fn, void *ctx)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char *p = gk_asprintf("%s/%s", dir, e->d_name);
		struct stat st;
		size_t n = strlen(e->d_name);
		if (p && stat(p, &st) == 0 && S_ISDIR(st.st_mode))
			corpus_dir(p, fn, ctx);
		else if (p && n > 4 && strcmp(e->d_name + n - 4, ".sql") == 0)
			corpus_file(p, fn, ctx);
		free(p);
	}
	closedir(d);
}

/* fn(path, text, len, ctx) for each file; false (nothing called) when the
 * corpora are absent, for the caller to skip with its reason. */
static __attribute__((unused)) bool each_corpus_file(corpus_file_fn fn, void *ctx)
{
	struct stat st;
	if (stat(CORPUS_FILES, &st) != 0 || !S_ISDIR(st.st_mode))
		return false;
	corpus_dir(CORPUS_FILES, fn, ctx);
	return true;
}

#endif
