/* common.c - errors and the names of the shared enums. */
#include "gatekeeper/common.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gk_error_set(gk_error *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		err->code = code;
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return code;
}

void gk_log_printf(const gk_log *log, const char *fmt, ...)
{
	if (!log || !log->fn)
		return;
	gk_buf b = {0};
	va_list ap;
	va_start(ap, fmt);
	gk_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	char *message = gk_buf_take(&b);
	if (message)
		log->fn(log->ctx, message);
	free(message);
}

static const char *const severity_names[GK_SEV_COUNT] = {"off", "info", "warning", "error"};
static const char *const category_names[GK_CAT_COUNT] = {
	"locking", "transaction", "destructive", "compatibility", "hygiene", "meta", "history", "replay", "status", "drift", "gate",
};
static const char *const runner_names[] = {"auto", "whole", "per-file", "split"};

_Static_assert(sizeof severity_names / sizeof *severity_names == GK_SEV_ERROR + 1, "severity names");
_Static_assert(sizeof category_names / sizeof *category_names == GK_CAT_GATE + 1, "category names");
_Static_assert(sizeof runner_names / sizeof *runner_names == GK_RUNNER_SPLIT + 1, "runner names");

const char *gk_severity_name(enum gk_severity s) { return severity_names[s]; }
const char *gk_category_name(enum gk_category c) { return category_names[c]; }
const char *gk_runner_name(enum gk_runner r) { return runner_names[r]; }

static int find_name(const char *const *names, size_t n, const char *word)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], word) == 0)
			return (int)i;
	return -1;
}

int gk_severity_parse(enum gk_severity *out, const char *word)
{
	int i = find_name(severity_names, GK_SEV_COUNT, word);
	if (i < 0)
		return GK_ENOTFOUND;
	*out = (enum gk_severity)i;
	return 0;
}

int gk_runner_parse(enum gk_runner *out, const char *word)
{
	int i = find_name(runner_names, sizeof runner_names / sizeof *runner_names, word);
	/* The names of the first releases, when "prisma" was the one-query
	 * model and "none" the autocommit one; gatekeeper.yml files keep them. */
	if (i < 0 && strcmp(word, "prisma") == 0)
		i = GK_RUNNER_WHOLE;
	if (i < 0 && strcmp(word, "none") == 0)
		i = GK_RUNNER_SPLIT;
	if (i < 0)
		return GK_ENOTFOUND;
	*out = (enum gk_runner)i;
	return 0;
}

static const char *const replay_status_names[] = {"none", "ok", "failed", "environment", "skipped", "timeout",
						 "interrupted"};
_Static_assert(sizeof replay_status_names / sizeof *replay_status_names == GK_REPLAY_INTERRUPTED + 1,
	       "replay status names");

const char *gk_replay_status_name(enum gk_replay_status s) { return replay_status_names[s]; }
