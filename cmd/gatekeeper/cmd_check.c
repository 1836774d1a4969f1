/*
 * cmd_check.c - `gatekeeper check [options] [MIGRATIONS_DIR...]`: the
 * pre-merge check from git history (src/check).  Options, settings and
 * output are shared with `lint` (report_opts.h); the check's own options
 * say which history to compare and how to read the folders.
 *
 * Folders: the arguments, else `paths` from gatekeeper.yml, else every
 * folder holding a Prisma migration_lock.toml at head.  Problems of the
 * user's setup (not a repository, a shallow clone, an unknown base) exit
 * 2 with the message on stderr, and the --json/--junit artefacts still
 * hold it as a `config` error, so CI shows why the gate did not run.
 *
 * Replay (default; `replay: false` in gatekeeper.yml or --no-replay turns
 * it off) runs on --shadow-url / $SHADOW_DATABASE_URL, else on a private
 * cluster.  A shadow that cannot be started or reached exits 3, with the
 * history and lint results still in the reports.  The password of a URL
 * never reaches any output (src/shadow redacts every message).
 */
#include "live_opts.h"
#include "gatekeeper/check.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>


enum {
	OPT_BASE = GK_OPT_COMMAND, OPT_HEAD, OPT_REPO, OPT_WORKTREE, OPT_LAYOUT, OPT_ALL, OPT_MIGRATION_NAME,
	OPT_REPLAY, OPT_LINT, OPT_SHADOW_URL, OPT_PG_BIN, OPT_SHADOW_INIT, OPT_CACHE_DIR, OPT_CACHE, OPT_QUIET,
	OPT_REPLAY_TIMEOUT, OPT_ROWS, OPT_ESTIMATE_LIMIT, OPT_STATS,
};

static const gk_opt check_opts[] = {
	{"base", 0, GK_OPT_VALUE, "REF", "compare with the merge base of REF (default: origin/$GITHUB_BASE_REF in a pull "
	 "request, else the remote's default branch)", OPT_BASE},
	{"head", 0, GK_OPT_VALUE, "REF", "the change to check (default HEAD)", OPT_HEAD},
	{"repo", 0, GK_OPT_VALUE, "DIR", "the repository (default: found from the working directory)", OPT_REPO},
	{"worktree", 0, GK_OPT_BOOL, NULL, "include uncommitted changes (staged, unstaged and untracked files)", OPT_WORKTREE},
	{"layout", 0, GK_OPT_VALUE, "KIND", "how the migration folders are read: auto (default: detected per folder), "
	 "prisma, flyway, golang-migrate, dbmate, diesel or plain", OPT_LAYOUT},
	{"all", 0, GK_OPT_BOOL, NULL, "lint every migration, not only the added and modified ones; report every stray file",
	 OPT_ALL},
	{"migration-name", 0, GK_OPT_VALUE, "REGEX", "POSIX extended regex new migrations' names must match (default for "
	 "Prisma: <14-digit timestamp>_<verb>_<snake_case>)", OPT_MIGRATION_NAME},
	{"lint", 0, GK_OPT_BOOL, NULL, "lint the change (default); --no-lint checks only the history", OPT_LINT},
	{"replay", 0, GK_OPT_BOOL, NULL, "replay every migration on a shadow database and trace the change's locks "
	 "(default; --no-replay skips it)", OPT_REPLAY},
	{"shadow-url", 0, GK_OPT_VALUE, "URL", "replay on this server (needs CREATEDB; default: $SHADOW_DATABASE_URL, else "
	 "a private cluster started for the run)", OPT_SHADOW_URL},
	{"pg-bin", 0, GK_OPT_VALUE, "DIR", "PostgreSQL binaries for the private cluster (default: pg_config --bindir, else "
	 "the newest /usr/lib/postgresql/*/bin)", OPT_PG_BIN},
	{"shadow-init", 0, GK_OPT_VALUE, "FILE", "SQL run on the shadow before the first migration (extensions, roles, "
	 "schemas production has from elsewhere)", OPT_SHADOW_INIT},
	{"cache-dir", 0, GK_OPT_VALUE, "DIR", "keep replayed prefixes here between runs (default $XDG_CACHE_HOME/gatekeeper, "
	 "~/.cache/gatekeeper, or /var/cache/gatekeeper for root)",
	 OPT_CACHE_DIR},
	{"cache", 0, GK_OPT_BOOL, NULL, "use the replay cache (default); --no-cache replays everything on a throw-away "
	 "cluster", OPT_CACHE},
	{"replay-timeout", 0, GK_OPT_VALUE, "DURATION", "time limit of each migration's replay (default 5min): past it "
	 "the migration is cancelled and reported as replay-timeout", OPT_REPLAY_TIMEOUT},
	{"rows", 0, GK_OPT_VALUE, "TABLE=N", "production row count of TABLE (schema.name; 41M, 2k) for the lock-window "
	 "estimate (repeatable)", OPT_ROWS},
	{"estimate-limit", 0, GK_OPT_VALUE, "DURATION", "total time the lock-window estimate may calibrate on the shadow "
	 "(default 2min): past it the statements left are noted as not estimated", OPT_ESTIMATE_LIMIT},
	{"stats", 0, GK_OPT_VALUE, "FILE", "production statistics (`gatekeeper stats -o FILE`): lock, rewrite, scan and "
	 "index-build findings say what they mean on the table there", OPT_STATS},
	{"quiet", 'q', GK_OPT_BOOL, NULL, "no progress line on a terminal", OPT_QUIET},
	{0},
};

typedef struct check_ctx {
	gk_check_options o;
	bool layout_set, quiet;
	int replay, cache;            /* -1: not on the command line */
	double replay_timeout;        /* seconds; 0: not on the command line */
	const char *cache_dir;
	char *default_cache;          /* owned */
	char *shadow_url;             /* owned: the libpq form of o.shadow.url */
	double last_progress;
	const char **rows;            /* --rows, in order (the values are argv's) */
	size_t n_rows;
} check_ctx;

static int apply_check_opt(void *p, const gk_opt *opt, const char *v)
{
	check_ctx *c = p;
	bool on = strcmp(v, "1") == 0;
	switch (opt->id) {
	case OPT_BASE: c->o.git.base = v; return 0;
	case OPT_HEAD: c->o.git.head = v; return 0;
	case OPT_REPO: c->o.git.repo_path = v; return 0;
	case OPT_WORKTREE: c->o.git.worktree = on; return 0;
	case OPT_ALL: c->o.all = on; return 0;
	case OPT_MIGRATION_NAME: c->o.name_pattern = v; return 0;
	case OPT_REPLAY: c->replay = on; return 0;
	case OPT_SHADOW_URL: c->o.shadow.url = v; return 0;
	case OPT_PG_BIN: c->o.shadow.pg_bin = v; return 0;
	case OPT_SHADOW_INIT: c->o.shadow_init = v; return 0;
	case OPT_STATS:
		if (!*v)
			return gk_usage_error("check: --stats needs a file name");
		c->o.stats_file = v;
		return 0;
	case OPT_CACHE_DIR: c->cache_dir = v; return 0;
	case OPT_CACHE: c->cache = on; return 0;
	case OPT_QUIET: c->quiet = on; return 0;
	case OPT_LINT: c->o.no_lint = !on; return 0;
	case OPT_REPLAY_TIMEOUT:
		if (gk_parse_duration(v, &c->replay_timeout) < 0 || c->replay_timeout <= 0)
			return gk_usage_error("check: --replay-timeout wants a duration such as 300, 90s or 5min (up to "
					      "24h), not '%s'", v);
		return 0;
	case OPT_ROWS: {
		/* Read by the job (gk_check_options.rows), which names a bad one. */
		const char **grown = realloc(c->rows, (c->n_rows + 1) * sizeof *grown);
		if (!grown) {
			gk_diag("out of memory");
			return GK_EXIT_INTERNAL;
		}
		c->rows = grown;
		c->rows[c->n_rows++] = v;
		return 0;
	}
	case OPT_ESTIMATE_LIMIT:
		if (gk_parse_duration(v, &c->o.estimate_limit_s) < 0 || c->o.estimate_limit_s <= 0)
			return gk_usage_error("check: --estimate-limit wants a duration such as 90s or 5min (up to 24h), "
					      "not '%s'", v);
		return 0;
	case OPT_LAYOUT:
		if (gk_layout_kind_parse(&c->o.layout, v) < 0)
			return gk_usage_error("check: --layout must be auto, prisma, flyway, golang-migrate, dbmate, diesel or "
					      "plain, not '%s'", v);
		c->layout_set = true;
		return 0;
	}
	return gk_usage_error("check: option '--%s' is not handled", opt->name);
}

/* "replay 12/820 20240101_add_users/migration.sql 3.1 s", redrawn at most
 * ten times a second, once the replay has run for a second. */
static void progress_line(void *ctx, size_t i, size_t n, const char *path, double elapsed)
{
	check_ctx *c = ctx;
	if (i >= n) {
		if (c->last_progress > 0)
			fputs("\r\033[K", stderr);
		c->last_progress = 0;
		return;
	}
	double now = gk_now();
	if (elapsed < 1.0 || now - c->last_progress < 0.1)
		return;
	c->last_progress = now;
	size_t len = strlen(path);
	const char *tail = len > 50 ? path + len - 50 : path;
	while (tail > path && ((unsigned char)*tail & 0xC0) == 0x80)
		tail--; /* not in the middle of a character */
	fprintf(stderr, "\r\033[Kreplay %zu/%zu %s", i + 1, n, tail > path ? "..." : "");
	gk_fput_visible(stderr, tail, 0);
	fprintf(stderr, " (%.1f s)", elapsed);
	fflush(stderr);
}

/* Replay settings: command line, then gatekeeper.yml, then the defaults. */
static void replay_settings(gk_run_args *a, check_ctx *c)
{
	const gk_config *cf = a->config;
	c->o.replay = c->replay >= 0 ? c->replay : cf && cf->replay >= 0 ? cf->replay : true;
	if (!c->o.shadow_init && cf)
		c->o.shadow_init = cf->shadow_init;
	/* Production statistics: --stats, else the file's stats:. */
	if (!c->o.stats_file && cf)
		c->o.stats_file = cf->stats;
	if (cf) {
		c->o.stats_max_age_s = cf->stats_max_age_s;
		c->o.size_thresholds = cf->size_thresholds;
	}
	if (c->replay_timeout > 0)
		c->o.replay_timeout_s = c->replay_timeout;
	else if (cf && cf->replay_timeout_s > 0)
		c->o.replay_timeout_s = cf->replay_timeout_s;
	if (cf)
		c->o.shadow.extensions = (const char *const *)cf->shadow_extensions;
	if (!c->o.shadow.url)
		c->o.shadow.url = getenv("SHADOW_DATABASE_URL");
	if (c->cache != 0)
		c->o.shadow.cache_dir = c->cache_dir ? c->cache_dir : (c->default_cache = gk_shadow_default_cache_dir());
	c->o.pg_version_from_shadow = !a->pg_version_set;
	c->o.rows = c->rows;
	c->o.n_rows = c->n_rows;
	if (cf)
		c->o.lock_budget = &cf->lock_budget;
	c->o.log = gk_run_log;
	if (!c->quiet && isatty(STDERR_FILENO)) {
		c->o.progress = progress_line;
		c->o.progress_ctx = c;
	}
}

static int check_job(gk_report *r, void *ctx, gk_error *err)
{
	return gk_check_run(r, &((check_ctx *)ctx)->o, err);
}

static int run_check(gk_run_args *a, check_ctx *c)
{
	replay_settings(a, c);
	int rc = c->o.replay ? gk_shadow_url_resolve(a, &c->o.shadow.url, &c->shadow_url) : 0;
	if (rc)
		return rc;
	c->o.lint = a->lint;
	/* The process is ours: libgit2's process-wide speed-ups are safe. */
	c->o.git.libgit2_globals = true;
	c->o.handle_signals = true;
	c->o.shadow.cleanup_handlers = true;
	c->o.excludes = a->excludes;
	c->o.n_excludes = a->n_excludes;
	if (a->config && !c->layout_set)
		c->o.layout = a->config->layout;
	if (a->config && !c->o.name_pattern)
		c->o.name_pattern = a->config->migration_name;
	return gk_run_job(a, check_job, c);
}

static int check_main(int argc, char **argv)
{
	gk_run_args a;
	check_ctx c;
	memset(&c, 0, sizeof c);
	c.replay = c.cache = -1;
	gk_check_options_init(&c.o);
	gk_run_args_init(&a, "check");
	a.apply_own = apply_check_opt;
	a.own_ctx = &c;
	char **pos = NULL;
	int npos = 0;
	int rc = gk_run_setup(&a, &gk_cmd_check, argc, argv, &pos, &npos);
	if (rc == 0 && npos > 0) {
		c.o.dirs = (const char *const *)pos;
		c.o.n_dirs = (size_t)npos;
	} else if (rc == 0 && a.config && a.config->n_paths > 0) {
		c.o.dirs = (const char *const *)a.config->paths;
		c.o.n_dirs = a.config->n_paths;
	}
	if (rc == 0)
		rc = run_check(&a, &c);
	free(pos);
	free(c.default_cache);
	free(c.shadow_url);
	free(c.rows);
	gk_run_args_free(&a);
	return rc;
}

const gk_cmd gk_cmd_check = {
	.name = "check",
	.summary = "pre-merge check from git: history findings, the lint of the change, and its replay on a shadow database",
	.usage = "[options] [MIGRATIONS_DIR...]",
	.opts = check_opts,
	.shared = gk_report_opts,
	.run = check_main,
	.args = GK_ARGS_DIRS,
	.job_signals = true,
};
