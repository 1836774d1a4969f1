/*
 * main.c - run a fuzz target over files, without libFuzzer.
 *
 *   build/fuzz/<name> PATH...
 *
 * Each PATH is a file or a folder whose files (not recursively, in name
 * order, dot files skipped) are given to LLVMFuzzerTestOneInput() one by
 * one.  Prints "<n> inputs" at the end; a broken input crashes the process
 * (or is reported by the sanitizers in an instrumented build).
 */
#include "fuzz.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static size_t run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(2);
	}
	size_t cap = 1 << 16, len = 0, got;
	uint8_t *data = malloc(cap);
	while (data && (got = fread(data + len, 1, cap - len, f)) > 0)
		if ((len += got) == cap)
			data = realloc(data, cap *= 2);
	if (!data || ferror(f)) {
		fprintf(stderr, "%s: cannot read\n", path);
		exit(2);
	}
	fclose(f);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "%s\n", path);
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	return 1;
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

static size_t run_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		perror(path);
		exit(2);
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	struct dirent **ents;
	int n = scandir(path, &ents, NULL, by_name);
	if (n < 0) {
		perror(path);
		exit(2);
	}
	size_t count = 0;
	for (int i = 0; i < n; i++) {
		char sub[4096];
		snprintf(sub, sizeof sub, "%s/%s", path, ents[i]->d_name);
		if (ents[i]->d_name[0] != '.' && stat(sub, &st) == 0 && S_ISREG(st.st_mode))
			count += run_file(sub);
		free(ents[i]);
	}
	free(ents);
	return count;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	for (int i = 1; i < argc; i++)
		count += run_path(argv[i]);
	printf("%zu inputs\n", count);
	return 0;
}
