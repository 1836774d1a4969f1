/*
 * export.c - the `stats` job (gatekeeper/stats.h): take a statistics
 * snapshot (src/catalog/stats.c) and write it where asked.
 */
#include "gatekeeper/stats.h"
#include "catalog/stats.h"
#include "util/util.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static int write_stats(void *ctx, FILE *f, gk_error *err)
{
	return gk_stats_write(ctx, f, err);
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
	rc = gk_write_output(o->output, o->stream, write_stats, s, err);
	gk_stats_free(s);
	return rc;
}
