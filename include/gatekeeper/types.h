/*
 * gatekeeper/types.h - the types the public options name whose modules are
 * not public themselves: the migration tool of a folder (src/layout), where
 * the check reads git (src/history), where a job replays (src/shadow), and
 * an opaque name for the runner settings a lint input points to
 * (src/layout/runner.h).
 *
 * Plain data owned by the caller; every string is borrowed and must outlive
 * the call it is passed to.
 */
#ifndef GATEKEEPER_TYPES_H
#define GATEKEEPER_TYPES_H

#include <stdbool.h>

/* The tool that applies a folder's migrations (its naming and order). */
enum gk_layout_kind {
	GK_LAYOUT_AUTO = 0,      /* detect from the paths */
	GK_LAYOUT_PRISMA,
	GK_LAYOUT_FLYWAY,
	GK_LAYOUT_GOLANG_MIGRATE,
	GK_LAYOUT_DBMATE,
	GK_LAYOUT_DIESEL,
	GK_LAYOUT_PLAIN,         /* every *.sql in path order (Supabase CLI folders) */
};

/* Where `check` reads the migration history: a git repository (libgit2). */
typedef struct gk_history_options {
	/* NULL = $GIT_DIR, else discover upwards from the working directory. */
	const char *repo_path;
	/* --base REF (any revision git understands; a bare branch name that
	 * only exists as origin/NAME is found there too).  NULL =
	 * origin/$GITHUB_BASE_REF when GITHUB_BASE_REF is set, else the
	 * remote's default branch (refs/remotes/origin/HEAD), else main,
	 * master, origin/main, origin/master. */
	const char *base;
	/* --head REF; NULL = HEAD (detached or not). */
	const char *head;
	/* Take the index and the working tree into account for the head side:
	 * staged and unstaged edits, deletions and untracked (not ignored)
	 * files.  Needs a non-bare repository. */
	bool worktree;
	/* Change two process-wide libgit2 options, once, for the rest of the
	 * process (libgit2 has no per-repository form of either): trees up to
	 * 4 MiB are cached (GIT_OPT_SET_CACHE_OBJECT_LIMIT), and objects read
	 * are not re-hashed (GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION off; git
	 * does not re-hash on reads either, integrity is `git fsck`'s job).
	 * Together about a fifth of a history check.  Set it only when the
	 * process is yours: every other libgit2 user in it is affected (the
	 * gatekeeper CLI sets it); false keeps libgit2's defaults. */
	bool libgit2_globals;
} gk_history_options;

/*
 * Where a job replays migrations: a private PostgreSQL cluster (the
 * default) or a database on an external server; the behaviour of each is
 * described in src/shadow/shadow.h.  Messages never contain a password.
 */
typedef struct gk_shadow_options {
	/* External server (a libpq URL or key=value conninfo); NULL or "" =
	 * embedded private cluster.  The caller reads --shadow-url /
	 * SHADOW_DATABASE_URL. */
	const char *url;
	/* Embedded: folder with `initdb` and `postgres`; NULL = the folder
	 * `pg_config --bindir` names, else the newest /usr/lib/postgresql/<N>/bin. */
	const char *pg_bin;
	/* Embedded: where the cluster's folder is made; NULL = $TMPDIR or /tmp. */
	const char *tmp_dir;
	/* Embedded, only when running as root: the user the server runs as;
	 * NULL = `postgres` if that user exists, else `nobody`. */
	const char *run_as;
	/* Embedded only (ignored, without a note, with `url`): keep the
	 * cluster in a folder under `cache_dir` between runs (one cluster per
	 * PostgreSQL major version) so that replayed prefixes can be kept as
	 * templates.  NULL = a private temporary cluster (no cache).  When the
	 * cache cannot be used (another gatekeeper holds it, the folder is not
	 * writable, the cluster there is damaged and cannot be recreated),
	 * the job falls back to a private temporary cluster and says why
	 * through its options' `log` callback ("replay cache not used: ...").
	 * The folder is created when missing; the CLI's default is
	 * $XDG_CACHE_HOME/gatekeeper, else ~/.cache/gatekeeper, or
	 * /var/cache/gatekeeper for root. */
	const char *cache_dir;
	/* Extensions that need a superuser which a migration may still create
	 * (embedded server only): its `CREATE EXTENSION` of one of these is
	 * carried out by gatekeeper, as the server's superuser, inside the
	 * migration's transaction (see "The sandbox" in src/shadow/shadow.h).  NULL-terminated;
	 * NULL = gk_shadow_default_extensions. */
	const char *const *extensions;
	/* Embedded only: when the first private cluster starts, install an
	 * atexit handler and handlers for SIGINT, SIGTERM and SIGHUP that stop
	 * every private cluster still open and remove its folder, once, for
	 * the rest of the process (a handler the program had is called after
	 * them, a signal it ignores stays ignored; with the job's
	 * handle_signals the first SIGINT or SIGTERM is left to the run's
	 * orderly end).  false (the default): nothing process-wide is
	 * installed and the cleanup is the caller's: a job stops and removes
	 * its clusters before it returns (gk_shadow_close() in
	 * src/shadow/shadow.h), so let it return (its time limits, an
	 * interruption) rather than end the process under it; a process that
	 * ends mid-run still stops its server (parent-death signal), and the
	 * folder left in tmp_dir is removed by the next run there.  The CLI
	 * sets it. */
	bool cleanup_handlers;
} gk_shadow_options;

/* Opaque here: the runner settings of a folder a lint input may point to,
 * filled and read by the library (src/layout/runner.h). */
typedef struct gk_runner_settings gk_runner_settings;

#endif
