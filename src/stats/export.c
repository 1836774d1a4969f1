/*
 * export.c - the `stats` job (gatekeeper/stats.h): take a statistics
 * snapshot (src/catalog/stats.c) and write it where asked.
 */
#include "gatekeeper/stats.h"
#include "catalog/stats.h"
#include "util/util.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_stream(const gk_stats *s, FILE *f, const char *shown, gk_error *err)
{
	int rc = gk_stats_write(s, f, err);
	if (rc)
		return gk_error_set(err, GK_EIO, "cannot write %s: %s", shown, err->msg);
	return 0;
}

static int close_checked(FILE *f, const char *path, int rc, gk_error *err)
{
	if (fclose(f) != 0 && rc == 0)
		rc = gk_error_set(err, GK_EIO, "cannot write %s: %s", path, strerror(errno));
	return rc;
}

/* Not a regular file (a FIFO, /dev/stdout): written directly. */
static int write_special(const gk_stats *s, const char *path, gk_error *err)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return gk_error_set(err, GK_EIO, "cannot write %s: %s", path, strerror(errno));
	return close_checked(f, path, write_stream(s, f, path, err), err);
}

/* Through a temporary file beside it, renamed into place once complete:
 * a reader never sees half a file, and a failure leaves the old one. */
static int write_replace(const gk_stats *s, const char *path, gk_error *err)
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
	int rc = close_checked(f, path, write_stream(s, f, path, err), err);
	if (rc == 0 && rename(tmp, path) != 0)
		rc = gk_error_set(err, GK_EIO, "cannot write %s: %s", path, strerror(errno));
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}

static int write_out(const gk_stats *s, const char *path, FILE *stream, gk_error *err)
{
	if (!path || !strcmp(path, "-")) {
		int rc = write_stream(s, stream, "standard output", err);
		if (!rc && fflush(stream) != 0)
			rc = gk_error_set(err, GK_EIO, "cannot write standard output: %s", strerror(errno));
		return rc;
	}
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return write_special(s, path, err);
	return write_replace(s, path, err);
}

int gk_stats_export(const gk_stats_export_options *o, gk_error *err)
{
	assert(o && o->database);
	assert(o->stream || (o->output && strcmp(o->output, "-") != 0));
	gk_stats_options so = {.sample_seconds = o->sample_seconds, .statement_timeout_ms = o->statement_timeout_ms};
	gk_stats *s = NULL;
	int rc = gk_stats_take(&s, o->database, &so, err);
	if (rc)
		return rc;
	rc = write_out(s, o->output, o->stream, err);
	gk_stats_free(s);
	return rc;
}
