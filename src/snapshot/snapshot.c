/*
 * snapshot.c - the `snapshot` job (gatekeeper/snapshot.h): read a live
 * database's schema with the catalog block and write it where asked.
 */
#include "gatekeeper/snapshot.h"
#include "catalog/catalog.h"
#include "util/dburl.h"
#include "util/interrupt.h"
#include "util/util.h"

#include <assert.h>
#include <string.h>

static int write_catalog(void *ctx, FILE *f, gk_error *err)
{
	return gk_catalog_write(ctx, f, err);
}

int gk_snapshot_export(char sha256[65], const gk_snapshot_options *o, gk_error *err)
{
	assert(sha256 && o && o->database);
	assert(o->stream || (o->output && strcmp(o->output, "-") != 0));
	sha256[0] = '\0';
	gk_dburl u;
	int rc = gk_dburl_parse(&u, "the database URL", o->database, err);
	if (rc)
		return rc;
	if (u.note)
		gk_log_printf(&o->log, "snapshot: note: %s", u.note);
	/* The schemas asked for, else Prisma's ?schema=, the schema `drift` compares. */
	const char *url_schema[1] = {u.schema};
	bool by_url = !o->n_schemas && u.schema && *u.schema;
	gk_catalog_options co = {
		.include_grants = o->include_grants,
		.include_owners = o->include_owners,
		.include_comments = o->include_comments,
		.schemas = by_url ? url_schema : o->schemas,
		.n_schemas = by_url ? 1 : o->n_schemas,
	};
	gk_catalog *cat = NULL;
	rc = gk_catalog_read(&cat, u.libpq, &co, err);
	gk_dburl_free(&u);
	/* Interrupted (SIGINT, SIGTERM, --timeout): the reads were cancelled for
	 * it, or it came after them; either way nothing is written. */
	if (gk_interrupted() != GK_INTERRUPT_NONE) {
		char why[128];
		gk_interrupt_describe(why, sizeof why);
		gk_catalog_free(cat);
		return gk_error_set(err, GK_EINFRA, "%s; no snapshot written", why);
	}
	if (rc == 0)
		rc = gk_write_output(o->output, o->stream, write_catalog, cat, err);
	const char *sum = rc == 0 ? gk_catalog_sha256(cat) : NULL;
	if (rc == 0 && !sum)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	if (sum)
		memcpy(sha256, sum, 65);
	gk_catalog_free(cat);
	return rc;
}
