/*
 * plan/plan.h - the expected-schema plan shared by the drift and gate jobs:
 * the expected schema of a target, built on the shadow from the migrations
 * its history records as applied (expected.c), and the drift findings of
 * a comparison with the target.  Not public API.
 */
#ifndef GK_PLAN_H
#define GK_PLAN_H

#include "catalog/catalog.h"
#include "replay/replay.h"
#include "shadow/shadow.h"
#include "target/target.h"

/* Applied on the target, so part of the expected schema: applied, and
 * edited (replayed as the file is now: the closest the folder can say;
 * the status reports the edit). */
bool gk_drift_is_applied(enum gk_applied_status s);
/* What the next deploy applies: pending, diverged, rolled back. */
bool gk_drift_is_pending(enum gk_applied_status s);

/* What to replay: the tool's preludes, then migrations of a status. */
typedef struct gk_drift_plan {
	gk_replay_migration *m;
	char **texts;              /* owned, per entry */
	const gk_target_migration **tm; /* per entry; NULL for a prelude */
	size_t n, cap;
	size_t n_pre;              /* entries [0, n_pre): the preludes */
	bool has_init;             /* the last prelude is the shadow init file */
	size_t n_expected;         /* entries [0, n_expected): preludes and applied */
	char (*hash)[65];          /* chain hash after each applied migration (cache only) */
	/* Prisma's ?schema=: the migrations run with it as search_path, as
	 * `prisma migrate deploy` runs them (owned; NULL = the default). */
	char *search_path;
} gk_drift_plan;

/*
 * The preludes (Prisma's schema when the URL names one, the tool's history
 * table, the init file) and the applied migrations of `st` read from
 * `dirs`, then, with `pending`, the pending ones, traced.  `prisma_schema`
 * (the URL's ?schema=, may be NULL) is created first and is the
 * migrations' search_path, as Prisma deploys them.  Each migration is
 * sent as the runner model decides from its statements, the folder's
 * settings (its Prisma lockfile) and `lint`'s overrides (--prisma-version,
 * --runner), as the lint and the check decide it.  Migrations missing
 * from the folder are left out (the caller decides what that means).
 * GK_ECONFIG naming the file when one cannot be read.
 */
int gk_drift_plan_build(gk_drift_plan *p, const gk_target_state *st, const char *const *dirs, size_t n_dirs,
			const gk_lint_options *lint, const char *shadow_init, const char *prisma_schema, bool pending,
			gk_error *err);
void gk_drift_plan_free(gk_drift_plan *p);
/* Every entry's replay time limit (`secs` <= 0: GK_REPLAY_TIMEOUT_DEFAULT_S). */
void gk_drift_plan_set_timeout(gk_drift_plan *p, double secs);

/* A database on the shadow holding the expected schema. */
typedef struct gk_drift_expected {
	char *conninfo, *dbname;   /* owned */
	size_t reused;             /* applied migrations taken from the template cache */
	double duration_ms;
	/* The first entry that did not apply (its result in res), or
	 * n_expected when all did. */
	size_t bad;
	gk_replay_result *res;     /* per plan entry; the expected ones filled */
} gk_drift_expected;

/*
 * Build the expected schema of plan `p` on shadow `s`: a clone of the
 * longest cached prefix of its migrations (after a deploy, the previous
 * run's expected schema), the rest replayed, the whole kept as the
 * template for the next run.  0 also when a migration does not apply (see
 * `bad`); GK_EINFRA when the shadow cannot be reached.  A template that
 * cannot be kept goes to `log` (may be NULL): this run's result stands.
 */
int gk_drift_expected_build(gk_drift_expected *e, gk_shadow *s, gk_drift_plan *p, const gk_log *log, gk_error *err);

/*
 * A copy of the expected schema `e` built (every applied migration, none
 * of the pending ones) as another database of shadow `s`, for work that
 * must not touch `e` (the gate's lock-window estimate fills tables with
 * synthetic rows).  Call before anything else connects to `e` again: a
 * database is copied only while no session is on it.  *conninfo
 * (malloc'ed) connects to the copy with the plan's search_path; the
 * shadow drops it when closed.  GK_ECONFIG on a borrowed database (no
 * CREATEDB), GK_EINFRA when the shadow cannot be reached.
 */
int gk_drift_expected_copy(char **conninfo, gk_shadow *s, const gk_drift_plan *p, const gk_drift_expected *e,
			   gk_error *err);
void gk_drift_expected_free(gk_drift_expected *e, const gk_drift_plan *p);

/* A migration of the expected side that did not apply, as a finding. */
int gk_drift_report_unbuilt(gk_report *r, const gk_lint_options *o, const gk_drift_plan *p,
			    const gk_drift_expected *e);

/* What a comparison is of, for the report's drift scope. */
typedef struct gk_drift_scope {
	const char *snapshot;          /* the --expected file; NULL: replayed */
	const gk_drift_plan *plan;     /* the replayed plan (its edited migrations); NULL with a snapshot */
	const char *schemas_from;      /* "--schema", "the URL's ?schema=" (dopt's schemas) */
} gk_drift_scope;

/*
 * Snapshot the target (`target_url`) and add a drift finding per
 * difference from `expected`, and a note per kind not compared; record
 * what was compared (gk_report_set_drift_scope).  A finding whose object
 * an applied migration edited after apply touches says so.
 */
int gk_drift_compare(gk_report *r, const gk_lint_options *o, const gk_catalog *expected, const char *target_url,
		     const gk_catalog_options *co, const gk_catalog_diff_options *dopt, const gk_drift_scope *sc,
		     gk_error *err);

/* An unreachable server (GK_EINFRA) becomes a db_connect error on the
 * report and 0; other codes pass through. */
int gk_drift_infra(gk_report *r, int rc, const gk_error *err);

#endif
