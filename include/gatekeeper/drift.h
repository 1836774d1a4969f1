/*
 * gatekeeper/drift.h - the scheduled drift check: does the live database
 * (the target) have the schema its migrations say it should?
 *
 * Expected: the migrations the target's history table records as applied
 * (finished, not rolled back), replayed in the tool's order on a shadow
 * database (src/shadow, src/replay), or a snapshot file written by
 * `gatekeeper snapshot`.  Pending migrations are not drift: the expected
 * side stops where the target's history stops.  Actual: the target, read
 * through a read-only session (src/catalog).  Every difference becomes a
 * finding of category `drift` (drift-missing, drift-unexpected,
 * drift-changed) naming the object, the attribute and both values; object
 * kinds present but not compared are listed on the report, never passed
 * over as "in sync".
 *
 * The target is never written to.  Passwords never appear in messages.
 */
#ifndef GATEKEEPER_DRIFT_H
#define GATEKEEPER_DRIFT_H

#include "common.h"
#include "types.h"
#include "lint.h"
#include "report.h"

typedef struct gk_drift_options {
	gk_lint_options lint;           /* severities of the drift rules */
	const char *target_url;         /* the live database (required) */
	/* A snapshot file to compare with instead of replaying; NULL = replay. */
	const char *expected_path;
	/* The migration folders (replay only), read as `layout`. */
	const char *const *dirs;
	size_t n_dirs;
	enum gk_layout_kind layout;
	const char *history_table;      /* NULL = the tool's default */
	gk_shadow_options shadow;       /* where to replay (url NULL = private cluster) */
	const char *shadow_init;        /* SQL run on the shadow before the first migration */
	double replay_timeout_s;        /* time limit of each migration's replay; 0 = the default */
	const char *const *schemas;     /* --schema: compare only these; NULL/0 = all */
	size_t n_schemas;
	const char *const *ignore;      /* --ignore globs on "kind:identity" */
	size_t n_ignore;
	/* Also compare grants, owners, comments (a snapshot file that has them
	 * turns them on as well). */
	bool include_grants, include_owners, include_comments;
	/* As gk_check_options.handle_signals. */
	bool handle_signals;
	gk_log log;                     /* diagnostics in no report (replay cache); zeroed = dropped */
} gk_drift_options;

/**
 * Run the drift check into `r`: findings, the target on the report, the
 * kinds not compared.  Returns 0; problems of the setup (no URL, bad
 * snapshot file, a history the folder cannot replay because it lacks an
 * applied migration, shadow and target of different major versions) are
 * GK_ECONFIG with a message for the user (exit 2).  A target or shadow
 * that cannot be reached is a db_connect error on the report (exit 3) and
 * 0.  Call gk_report_finish() afterwards.
 */
int gk_drift_run(gk_report *r, const gk_drift_options *o, gk_error *err);

#endif
