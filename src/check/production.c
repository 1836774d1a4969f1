/*
 * production.c - `check --stats FILE`: what the change's findings mean on
 * the production tables, from a statistics file taken by `gatekeeper
 * stats` (the pull request itself never connects to production).
 */
#include "check_internal.h"
#include "catalog/stats.h"

#include <time.h>

int gk_check_production(gk_report *r, const gk_check_options *o, gk_error *err)
{
	if (!o->stats_file)
		return 0;
	gk_stats *s = NULL;
	gk_error lerr = {0, ""};
	int rc = gk_stats_load(&s, o->stats_file, &lerr);
	if (rc == GK_ENOMEM)
		return gk_error_set(err, rc, "out of memory");
	if (rc) { /* the findings stand without their context; the run says why (exit 2) */
		if (gk_report_add_error(r, GK_ERRKIND_CONFIG, o->stats_file, "%s", lerr.msg) < 0)
			return gk_error_set(err, GK_ENOMEM, "out of memory");
		return 0;
	}
	rc = gk_stats_check_age(r, &o->lint, s, o->stats_file, o->stats_max_age_s, (long long)time(NULL), err);
	if (!rc)
		rc = gk_stats_annotate(r, s, "stats file", &o->size_thresholds, err);
	gk_stats_free(s);
	return rc;
}
