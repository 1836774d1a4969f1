/*
 * gatekeeper/snapshot.h - the `snapshot` job: the schema of a live
 * database as a canonical JSON snapshot (the format drift compares), e.g.
 * saved after each deploy so that a later drift check needs no replay.
 *
 * Read-only: the connection is read-only from its first statement
 * (src/catalog says how); the URL's password reaches no output.  The URL
 * is read as every command reads one: a Prisma URL's ?schema= names the
 * schema read when `schemas` is not given, as `drift` compares it.
 * Nothing prints: the snapshot goes to the file or the stream the caller
 * names, a note about the URL to the log, errors to the caller's gk_error.
 */
#ifndef GATEKEEPER_SNAPSHOT_H
#define GATEKEEPER_SNAPSHOT_H

#include "common.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct gk_snapshot_options {
	const char *database;         /* the URL, in any form --database takes; required */
	const char *output;           /* the file to write; NULL or "-" = `stream` */
	FILE *stream;                 /* where the snapshot goes without a file (the CLI: stdout); required then */
	const char *const *schemas;   /* read only these; NULL/0 = the URL's ?schema=, else every user schema */
	size_t n_schemas;
	bool include_grants, include_owners, include_comments;
	gk_log log;                   /* what the URL's reading noted (a pasted form turned into libpq's) */
} gk_snapshot_options;

/**
 * Read the snapshot and write it; a regular file is replaced only once the
 * new one is complete.  On success `sha256` (65 bytes) holds the SHA-256
 * of the bytes written, in lowercase hex.  Returns 0, GK_ECONFIG (the URL,
 * a server older than 14), GK_EINFRA (the server cannot be reached or
 * read; also when interrupted), GK_EIO (the output cannot be written) or
 * GK_ENOMEM.
 */
int gk_snapshot_export(char sha256[65], const gk_snapshot_options *o, gk_error *err);

#endif
