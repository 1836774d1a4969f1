/*
 * drift.c - `gatekeeper drift`: the target's schema against the schema its
 * applied migrations build (see gatekeeper/drift.h; the expected schema is
 * built in expected.c).
 */
#include "gatekeeper/drift.h"
#include "plan/plan.h"
#include "util/dburl.h"
#include "util/interrupt.h"
#include "util/util.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* What one run holds while it builds the expected side and compares. */
typedef struct drift_run {
	gk_report *r;
	const gk_drift_options *o;
	gk_target_state *st;       /* replay only */
	gk_drift_plan plan;        /* replay only: kept for the edited migrations */
} drift_run;

static int expected_by_replay(drift_run *d, gk_catalog **out, const char *prisma_schema, const gk_catalog_options *co,
			      gk_error *err)
{
	const gk_drift_options *o = d->o;
	const gk_target_state *st = d->st;
	for (size_t i = 0; i < st->n_migrations; i++)
		if (st->migrations[i].status == GK_APPLIED_MISSING)
			return gk_error_set(err, GK_ECONFIG,
					    "%s was applied to the target but is not in the folder, so the schema the "
					    "migrations build cannot be replayed; run `gatekeeper status`, or compare with a "
					    "snapshot (--expected FILE)", st->migrations[i].path);
	gk_drift_plan *p = &d->plan;
	gk_drift_expected e = {0};
	gk_shadow *s = NULL;
	int rc = gk_drift_plan_build(p, st, o->dirs, o->n_dirs, &o->lint, o->shadow_init, prisma_schema, false, err);
	if (rc == 0)
		gk_drift_plan_set_timeout(p, o->replay_timeout_s);
	if (rc == 0)
		rc = gk_shadow_open(&s, &o->shadow, err);
	const char *note = rc == 0 ? gk_shadow_sandbox_note(s) : NULL;
	if (note && gk_report_add_note(d->r, note) < 0)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	if (rc == 0)
		rc = gk_drift_expected_build(&e, s, p, &o->log, err);
	if (rc == 0 && e.bad < p->n_expected)
		rc = gk_drift_report_unbuilt(d->r, &o->lint, p, &e) < 0 ? gk_error_set(err, GK_ENOMEM, "out of memory") : 0;
	else if (rc == 0)
		rc = gk_catalog_read(out, e.conninfo, co, err);
	gk_drift_expected_free(&e, p);
	gk_shadow_close(s);
	return rc;
}

/* ---- the run ------------------------------------------------------------- */

/* The target's history (and its warnings), then the replay. */
static int expected_side(drift_run *d, gk_catalog **out, const gk_catalog_options *co, gk_error *err)
{
	const gk_drift_options *o = d->o;
	if (o->expected_path) {
		/* A snapshot that cannot be read or is not one is the user's setup: exit 2. */
		int rc = gk_catalog_load(out, o->expected_path, err);
		if (rc == GK_EIO || rc == GK_EPARSE)
			err->code = rc = GK_ECONFIG;
		return rc;
	}
	if (o->n_dirs == 0)
		return gk_error_set(err, GK_ECONFIG, "drift: name the migration folder, or a snapshot with --expected FILE");
	gk_target *t = NULL;
	int rc = gk_target_connect(&t, o->target_url, err);
	if (rc == 0)
		rc = gk_target_status(&d->st, t, o->dirs, o->n_dirs, o->layout, o->history_table, err);
	if (rc == 0 && gk_report_set_target(d->r, gk_target_where(t), d->st->table, d->st->table_exists,
					    gk_layout_kind_name(d->st->kind), gk_target_server_version(t)) < 0)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	if (rc == 0 && gk_target_report_missing_history(d->r, &o->lint, d->st, gk_target_where(t)) < 0)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	char *schema = rc == 0 ? gk_strdup(gk_target_url_schema(t)) : NULL;
	gk_target_close(t);
	if (rc == 0)
		rc = expected_by_replay(d, out, schema, co, err);
	free(schema);
	return rc;
}

int gk_drift_run(gk_report *r, const gk_drift_options *o, gk_error *err)
{
	assert(r && o && (o->dirs || o->n_dirs == 0));
	if (gk_interrupt_opt_in(o->handle_signals, err) < 0)
		return GK_ERROR;
	if (!o->target_url || !*o->target_url)
		return gk_error_set(err, GK_ECONFIG, "drift: no target database: give --database URL or set DATABASE_URL");
	gk_dburl u;
	int rc = gk_dburl_parse(&u, "the target database URL", o->target_url, err);
	if (rc)
		return rc;
	if (u.note && gk_report_add_note(r, u.note) < 0) {
		gk_dburl_free(&u);
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	/* --schema, else Prisma's ?schema=: the schema Prisma deploys into. */
	const char *url_schema[1] = {u.schema};
	gk_drift_scope sc = {.snapshot = o->expected_path, .schemas_from = o->n_schemas ? "--schema" : NULL};
	const char *const *schemas = o->schemas;
	size_t n_schemas = o->n_schemas;
	if (!n_schemas && u.schema && *u.schema) {
		schemas = url_schema;
		n_schemas = 1;
		sc.schemas_from = "the URL's ?schema=";
	}
	gk_catalog_options co = {.schemas = schemas, .n_schemas = n_schemas, .include_grants = o->include_grants,
				 .include_owners = o->include_owners, .include_comments = o->include_comments};
	drift_run d = {.r = r, .o = o};
	gk_catalog *expected = NULL;
	rc = expected_side(&d, &expected, &co, err);
	if (rc == 0 && expected && o->expected_path) {
		gk_catalog_options snap = co;
		gk_catalog_options_of(expected, &snap);
		co.include_grants |= snap.include_grants;
		co.include_owners |= snap.include_owners;
		co.include_comments |= snap.include_comments;
	}
	gk_catalog_diff_options dopt = {.schemas = schemas, .n_schemas = n_schemas, .ignore = o->ignore,
					.n_ignore = o->n_ignore};
	sc.plan = o->expected_path ? NULL : &d.plan;
	if (rc == 0 && expected)
		rc = gk_drift_compare(r, &o->lint, expected, o->target_url, &co, &dopt, &sc, err);
	gk_catalog_free(expected);
	gk_drift_plan_free(&d.plan);
	gk_target_status_free(d.st);
	gk_dburl_free(&u);
	return gk_drift_infra(r, rc, err);
}
