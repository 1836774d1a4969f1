/* util.c - helpers of the fuzz targets (see fuzz.h). */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

_Noreturn void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
	abort();
}

/* The private folder and the files written in it, removed at exit. */
static char dir[1024];
static char written[8][2048];
static size_t n_written;

static void cleanup(void)
{
	for (size_t i = 0; i < n_written; i++)
		unlink(written[i]);
	if (dir[0])
		rmdir(dir);
}

const char *fuzz_file(const char *name, const void *data, size_t size)
{
	if (!dir[0]) {
		const char *tmp = getenv("TMPDIR");
		int n = snprintf(dir, sizeof dir, "%s/gk-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (n < 0 || (size_t)n >= sizeof dir || !mkdtemp(dir))
			abort();
		atexit(cleanup);
	}
	size_t i = 0;
	while (i < n_written && strcmp(strrchr(written[i], '/') + 1, name) != 0)
		i++;
	if (i == n_written) {
		if (n_written == sizeof written / sizeof *written)
			abort();
		int n = snprintf(written[n_written], sizeof *written, "%s/%s", dir, name);
		if (n < 0 || (size_t)n >= sizeof *written)
			abort();
		n_written++;
	}
	FILE *f = fopen(written[i], "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
	return written[i];
}
