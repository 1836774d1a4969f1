/*
 * output.c - writing a document the user asked for to a file or a stream
 * (gk_write_output, util/util.h): the one way `snapshot` and `stats`
 * replace their output files.
 */
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int through(gk_output_fn fn, void *ctx, FILE *f, const char *shown, gk_error *err)
{
	gk_error why = {0, ""}; /* its own buffer: err's message is formatted from it */
	if (fn(ctx, f, &why) == 0)
		return 0;
	return gk_error_set(err, GK_EIO, "cannot write %s: %s", shown, why.msg);
}

static int close_checked(FILE *f, const char *path, int rc, gk_error *err)
{
	if (fclose(f) != 0 && rc == 0)
		rc = gk_error_set(err, GK_EIO, "cannot write %s: %s", path, strerror(errno));
	return rc;
}

/* A file that exists and is not a regular file (a FIFO, /dev/stdout) is
 * written directly: there is nothing to rename into place. */
static int write_special(const char *path, gk_output_fn fn, void *ctx, gk_error *err)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return gk_error_set(err, GK_EIO, "cannot write %s: %s", path, strerror(errno));
	return close_checked(f, path, through(fn, ctx, f, path, err), err);
}

/* Otherwise through a temporary file beside it, renamed into place once
 * complete: a reader never sees half a file, a failure leaves the old
 * one, and nothing but our own temporary file is ever removed. */
static int write_replace(const char *path, gk_output_fn fn, void *ctx, gk_error *err)
{
	char *tmp = gk_asprintf("%s.tmp-XXXXXX", path);
	int fd = tmp ? mkstemp(tmp) : -1;
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		int rc = gk_error_set(err, GK_EIO, "cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd), unlink(tmp);
		free(tmp);
		return rc;
	}
	mode_t mask = umask(0); /* mkstemp made it 0600: give it the mode fopen() would */
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	int rc = close_checked(f, path, through(fn, ctx, f, path, err), err);
	if (rc == 0 && rename(tmp, path) != 0)
		rc = gk_error_set(err, GK_EIO, "cannot write %s: %s", path, strerror(errno));
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}

int gk_write_output(const char *path, FILE *stream, gk_output_fn fn, void *ctx, gk_error *err)
{
	if (!path || !strcmp(path, "-")) {
		int rc = through(fn, ctx, stream, "standard output", err);
		if (!rc && fflush(stream) != 0)
			rc = gk_error_set(err, GK_EIO, "cannot write standard output: %s", strerror(errno));
		return rc;
	}
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return write_special(path, fn, ctx, err);
	return write_replace(path, fn, ctx, err);
}
