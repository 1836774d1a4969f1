/*
 * gatekeeper/check.h - the pre-merge check from git history.
 *
 * `gatekeeper check` looks at a change the way a reviewer does: which
 * migrations does the branch add, which already-merged ones does it touch,
 * and is the history still one consistent line?  For every migration
 * folder it reads the layout at the merge base and at head (src/layout),
 * classifies each migration (added, modified, renamed, deleted, unchanged)
 * with one tree diff (src/history), reports the history findings (category
 * `history` of the rule registry), then lints the change with the schema
 * model built from the migrations before it (src/lint), and, with replay,
 * applies every migration to a shadow database and traces the change's
 * locks (src/shadow, src/replay), all into one report.
 *
 * `gatekeeper lint` of a folder in a tool layout (dbmate up sections, no
 * down files, the tool's order and runner) goes through the same module
 * (gk_lint_batch in src/check/check.h), so both commands treat a layout
 * the same way.
 */
#ifndef GATEKEEPER_CHECK_H
#define GATEKEEPER_CHECK_H

#include "common.h"
#include "config.h"
#include "types.h"
#include "lint.h"
#include "report.h"

typedef struct gk_check_options {
	gk_lint_options lint;      /* runner GK_RUNNER_AUTO = the layout's runner */
	gk_history_options git;
	/* Migration folders as given (relative to the working directory, or
	 * absolute); converted to repo-relative.  n_dirs == 0: every folder
	 * holding a migration_lock.toml at head. */
	const char *const *dirs;
	size_t n_dirs;
	enum gk_layout_kind layout; /* GK_LAYOUT_AUTO = detect per folder (at head) */
	bool all;                   /* lint every migration, not only the change's */
	bool no_lint;               /* history only: classify and report, lint nothing */
	/* POSIX ERE a new migration's name (its layout key) must match; NULL =
	 * the layout's default (Prisma: GK_CHECK_PRISMA_NAME; others: none). */
	const char *name_pattern;
	/* --exclude globs (gk_glob_match) matched against the migration's path in
	 * the repository: such a migration is not linted; it still teaches the
	 * schema model, like a migration before the change (what it creates
	 * counts as existing), and its history findings stay. */
	const char *const *excludes;
	size_t n_excludes;

	/* Replay: apply every migration of each folder, in the tool's order and
	 * with its transaction semantics, to a fresh database on a shadow
	 * server, and trace the locks of the change's migrations (added,
	 * modified, renamed).  Each folder gets its own database. */
	bool replay;
	gk_shadow_options shadow;    /* url NULL = the embedded private cluster */
	/* SQL file run on each shadow database before the first migration
	 * (extensions, roles, schemas production has from elsewhere); NULL = none. */
	const char *shadow_init;
	/* Time limit of each migration's replay, in seconds (default
	 * GK_REPLAY_TIMEOUT_DEFAULT_S; 0 = none): past it the migration is
	 * cancelled and reported as `replay-timeout`, the later ones of its
	 * folder are skipped. */
	double replay_timeout_s;
	/* The shadow server's major version replaces lint.pg_version (the user
	 * did not name one). */
	bool pg_version_from_shadow;
	/* Called before each migration is replayed (i of n in its folder) and
	 * once with i == n when the folder is done; NULL = quiet. */
	void (*progress)(void *ctx, size_t i, size_t n, const char *path, double elapsed_s);
	void *progress_ctx;
	/* Let SIGINT and SIGTERM end the run in order (src/util/interrupt.h):
	 * the first one cancels what runs on a server, stops the private
	 * clusters and leaves an `interrupted` error on the report (exit 3); a
	 * second one ends the process as the signal would.  Installs handlers
	 * for both signals and a watchdog thread, once, for the rest of the
	 * process; a signal the process ignores stays ignored.  Leave it
	 * false in a program with handlers of its own (the job still stops
	 * at its time limits, and gk_cancel() ends it in order from such a
	 * handler); the CLI sets it. */
	bool handle_signals;

	/* Predicted lock windows (with replay): production row counts of
	 * the tables as "TABLE=N" (TABLE schema.name, or name in public; N a
	 * number with an optional k, M or G: "public.orders=41M"; none = no
	 * estimate unless stats_file gives sizes), checked at the run's start
	 * (GK_ECONFIG naming the one that does not read); the total time the
	 * calibration may take on the shadow (seconds; 0 = the default,
	 * 120 s), and the lock budget that makes an estimate above it a
	 * `lock-window-over-budget` finding (NULL = none). */
	const char *const *rows;
	size_t n_rows;
	double estimate_limit_s;
	const gk_lock_budget *lock_budget;
	/* Diagnostics that are in no report (the replay cache not used or not
	 * kept); zeroed = dropped. */
	gk_log log;

	/* Production statistics (a `gatekeeper stats` file; NULL = none): each
	 * lock, rewrite, scan and index-build finding on a table it knows says
	 * what it means there (gk_finding.production).  A file that cannot be
	 * read is a configuration error of the run (the check still runs); one
	 * older than stats_max_age_s (0: GK_STATS_MAX_AGE_DEFAULT_S) is used,
	 * with a `stats-stale` finding on the file saying how old it is. */
	const char *stats_file;
	double stats_max_age_s;
	gk_size_thresholds size_thresholds; /* applied with stats_file; all 0 = none */
} gk_check_options;

/*
 * Prisma's default naming convention: `<14-digit timestamp>_<snake_case>`
 * whose first word is a verb saying what the migration does.  The verbs
 * are the ones schema changes are described with; `init` is what
 * `prisma migrate dev --name init` creates for the first migration.
 */
#define GK_CHECK_NAME_VERBS                                                                         \
	"add|alter|allow|backfill|change|convert|create|delete|disable|drop|enable|extend|fix|"      \
	"index|init|insert|introduce|link|make|merge|migrate|move|populate|remove|rename|replace|"   \
	"restore|revert|seed|set|split|unlink|update|upgrade"
#define GK_CHECK_PRISMA_NAME "^[0-9]{14}_(" GK_CHECK_NAME_VERBS ")(_[a-z0-9]+)*$"

/** Defaults: lint defaults, base/head from the environment, auto layout, no folders. */
void gk_check_options_init(gk_check_options *o);

/**
 * Run the check and fill `r`: git context, one migration entry per
 * migration linted (history status and introducing commit set) and per
 * deleted one (linted = false), history findings and lint findings.
 * With replay, each migration entry also gets its replay status and
 * observed locks, with the `replay` findings.  Returns 0; GK_ECONFIG for
 * problems of the user's setup (not a repository, shallow clone, unknown
 * base, folder outside the repository, no folder found, bad name pattern,
 * an unusable shadow URL or init file) with a message meant for the user
 * (the CLI exits 2); GK_ENOMEM or GK_EIO for failures of gatekeeper or of
 * the repository.  When the shadow server cannot be started or reached, or
 * goes away mid-replay, the history and lint results stay in `r`, a
 * `db_connect` error is added to it (exit 3) and 0 is returned.  Call
 * gk_report_finish() afterwards.
 */
int gk_check_run(gk_report *r, const gk_check_options *o, gk_error *err);

#endif
