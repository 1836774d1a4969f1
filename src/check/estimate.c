/*
 * estimate.c - the lock-window estimate of `gatekeeper check`: after a
 * folder's replay, a second database of the same shadow gets the
 * migrations before the change (a clone of their cached template when
 * there is one), and src/estimate walks the change's migrations on it,
 * calibrating each statement whose lock window grows with its table
 * against the production sizes the run was given.  The replay's own
 * database is left alone: its trace measured the change on the schema
 * alone, and the synthetic rows must not leak into what it proved.
 */
#include "check_internal.h"
#include "estimate/estimate.h"
#include "util/util.h"

#include <stdlib.h>

/* The database before the change: `tpl` cloned (NULL: empty), then
 * `before` applied.  A migration there that does not apply leaves no
 * schema to estimate on: a note, and *ready false. */
static int prepare(gk_check_replay *rp, gk_report *r, const char *tpl, const gk_replay_migration *before,
		   size_t n_before, char **conninfo, bool *ready, gk_error *err)
{
	char *dbname = NULL, *super = NULL;
	*ready = false;
	int rc = gk_shadow_new_database(conninfo, &dbname, rp->shadow, tpl, err);
	if (rc < 0 || n_before == 0) {
		free(dbname);
		*ready = rc == 0;
		return rc;
	}
	/* The init file runs as the superuser, in this database. */
	gk_replay_result *res = calloc(n_before, sizeof *res);
	gk_replay_migration *m = calloc(n_before, sizeof *m);
	if (res && m && rp->init_text)
		super = gk_shadow_superuser_conninfo(rp->shadow, dbname);
	free(dbname);
	if (!res || !m || (rp->init_text && !super)) {
		free(res);
		free(m);
		free(super);
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n_before; i++) {
		m[i] = before[i];
		if (m[i].conninfo)
			m[i].conninfo = super;
	}
	rc = gk_replay_run(res, *conninfo, m, n_before, err);
	free(m);
	free(super);
	*ready = rc == 0;
	for (size_t i = 0; rc == 0 && i < n_before; i++)
		*ready = *ready && res[i].status == GK_REPLAY_OK;
	gk_replay_results_free(res, n_before);
	free(res);
	if (rc == 0 && !*ready && gk_report_add_note(r, "lock-window estimate: not made, the migrations before the "
						       "change did not apply on its database") < 0)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	return rc;
}

/* o->rows into `sizes`: GK_ECONFIG naming the first that does not read. */
static int add_rows(gk_estimate_tables *sizes, const gk_check_options *o, gk_error *err)
{
	for (size_t i = 0; i < o->n_rows; i++) {
		int rc = gk_estimate_tables_add_rows(sizes, o->rows[i], err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int gk_check_rows_valid(const gk_check_options *o, gk_error *err)
{
	gk_estimate_tables sizes = {0};
	int rc = add_rows(&sizes, o, err);
	gk_estimate_tables_free(&sizes);
	return rc;
}

/* The production sizes: --rows first (they win), then the statistics file
 * (--stats, stats:).  A file that cannot be read is the run's
 * configuration error already (the production context reads it too); here
 * it only means no size from it, which a note says. */
static int production_sizes(gk_estimate_tables *sizes, gk_report *r, const gk_check_options *o, gk_error *err)
{
	int rc = add_rows(sizes, o, err);
	if (rc < 0 || !o->stats_file)
		return rc;
	gk_error e = {0, ""};
	if (gk_estimate_tables_load(sizes, o->stats_file, &e) == 0)
		return 0;
	char *msg = gk_asprintf("lock-window estimate: no production sizes from the statistics file: %s", e.msg);
	rc = msg ? gk_report_add_note(r, msg) : GK_ENOMEM;
	free(msg);
	return rc < 0 ? gk_error_set(err, GK_ENOMEM, "out of memory") : 0;
}

int gk_check_estimate_folder(gk_check_replay *rp, gk_report *r, const char *tpl, const gk_replay_migration *before,
			     size_t n_before, const gk_replay_migration *change, size_t n_change, gk_error *err)
{
	const gk_check_options *o = rp->o;
	if ((o->n_rows == 0 && !o->stats_file) || n_change == 0)
		return 0;
	gk_estimate_tables sizes = {0};
	int rc = production_sizes(&sizes, r, o, err);
	if (rc < 0 || sizes.n == 0) {
		gk_estimate_tables_free(&sizes);
		return rc;
	}
	char *conninfo = NULL;
	bool ready = false;
	rc = prepare(rp, r, tpl, before, n_before, &conninfo, &ready, err);
	gk_estimate_migration *m = ready ? calloc(n_change, sizeof *m) : NULL;
	if (ready && !m)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	for (size_t i = 0; m && i < n_change; i++)
		m[i] = (gk_estimate_migration){.path = change[i].path, .sql = change[i].sql, .len = change[i].len,
						.estimate = change[i].trace};
	gk_estimate_run_options eo = {.lint = &o->lint, .pg_version = o->lint.pg_version, .production = &sizes,
				      .budget = o->lock_budget, .limits = {.time_limit_s = o->estimate_limit_s}};
	if (rc == 0 && m)
		rc = gk_estimate_migrations(r, &eo, conninfo, m, n_change, err);
	free(m);
	free(conninfo);
	gk_estimate_tables_free(&sizes);
	return rc;
}

/* A budget no estimate can be held to must not pass in silence. */
int gk_check_estimate_note(gk_report *r, const gk_check_options *o)
{
	const gk_lock_budget *b = o->lock_budget;
	if (!b || (b->access_exclusive_ms <= 0 && b->exclusive_ms <= 0 && b->share_row_exclusive_ms <= 0 &&
		   b->share_ms <= 0 && b->share_update_exclusive_ms <= 0))
		return 0;
	const char *why = !o->replay ? "the replay is off"
			  : o->n_rows == 0 && !o->stats_file ? "no production sizes were given (--rows, --stats)"
							     : NULL;
	if (!why)
		return 0;
	char *msg = gk_asprintf("lock_budget: not applied: %s, so no lock window was estimated", why);
	int rc = msg ? gk_report_add_note(r, msg) : GK_ENOMEM;
	free(msg);
	return rc;
}
