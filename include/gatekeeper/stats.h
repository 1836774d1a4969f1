/*
 * gatekeeper/stats.h - the `stats` job: a statistics snapshot of a live
 * database (sizes and write activity of its tables and indexes; no row
 * values, no query texts, nothing secret) written to a file that
 * `check --stats FILE` reads in a pull request that has no access to
 * production.  The format is schemas/stats/v1.json.
 *
 * Read-only: the connection is opened as `snapshot` opens one (default
 * transaction read-only, statement and lock timeouts in the startup
 * packet).  Nothing prints: the snapshot goes to the file or the stream
 * the caller names, errors to the caller's gk_error.
 */
#ifndef GATEKEEPER_STATS_H
#define GATEKEEPER_STATS_H

#include "common.h"

#include <stdio.h>

typedef struct gk_stats_export_options {
	const char *database;         /* the URL (any form a database URL may take, see --database); required */
	const char *output;           /* the file to write; NULL or "-" = `stream` */
	FILE *stream;                 /* where the snapshot goes without a file (the CLI: stdout); required then */
	int sample_seconds;           /* > 0: sample the write counters twice, this far apart */
	int statement_timeout_ms;     /* 0: the default (60 s) */
} gk_stats_export_options;

/**
 * Take the snapshot and write it.  A regular file is replaced only once
 * the new one is complete (written beside it, then renamed).  Returns 0,
 * GK_ECONFIG (the URL, a server older than 14), GK_EINFRA (the server
 * cannot be reached or read), GK_EINTR (interrupted) or GK_EIO (the file
 * cannot be written).
 */
int gk_stats_export(const gk_stats_export_options *o, gk_error *err);

#endif
