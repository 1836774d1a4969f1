/*
 * gatekeeper/config.h - the project configuration file, gatekeeper.yml.
 *
 * The file is YAML (read with libyaml); every key is optional and an empty
 * file is a valid empty configuration:
 *
 *     pg_version: 15              # integer 9..30
 *     runner: whole               # whole | split | per-file | auto
 *     paths: [prisma/migrations]  # what to lint when no PATH is given on the
 *                                 # command line; relative to the file's folder
 *     exclude: ["*_down.sql"]     # globs (like --exclude), relative to the folder
 *     fail_level: error           # error | warning | info | never
 *     rules:                      # per-rule severity: off | info | warning | error
 *       drop-table: warning
 *     layout: auto                # auto | prisma | flyway | golang-migrate | dbmate | diesel | plain
 *     migration_name: "^[0-9]{14}_[a-z0-9_]+$"  # POSIX ERE new migrations' names must match (check)
 *     replay: true                # check: replay on a shadow database (default true)
 *     shadow_init: db/shadow-init.sql  # check: SQL run on the shadow before the first migration
 *     replay_timeout: 5min        # check: time limit of each migration's replay (default 5min)
 *     shadow_extensions: [postgis, pg_stat_statements]  # extensions that need a superuser which
 *                                 # gatekeeper creates for a migration on the embedded shadow
 *                                 # (default: PostgreSQL's contrib; an empty list: none)
 *     prisma_version: 7.10.1      # the Prisma CLI that deploys (default: read from the lockfile)
 *     lock_timeout_advice: 2s     # the lock_timeout findings recommend (default 2s)
 *     lock_timeout: external      # set outside the files (role setting, URL options); default in-file
 *     deploy_role: migrator       # gate, with lock_timeout: external: the role whose settings give it
 *                                 # (like --deploy-role; default the connecting user)
 *     flyway_mixed: true          # Flyway's mixed (default: flyway.conf / flyway.toml, else false)
 *     golang_migrate_multi_statement: true  # the URL sets x-multi-statement=true (default false)
 *     prefer_bigint_int_reference: quiet  # prefer-bigint on a foreign key to an integer key:
 *                                 # report (default: it says the key must widen too) | quiet
 *     stats: ci/prod-stats.json   # check: statistics of production (`gatekeeper stats`), like --stats
 *     stats_max_age: 7d           # older statistics are reported as stale (default 7d; s, min, h, d)
 *     size_thresholds:            # severity by production table size (bytes, kB, MB, GB, TB)
 *       rewrite: 1GB              #   a rewrite of a bigger table is an error
 *       scan: 10GB                #   also index_build, lock
 *       info_below: 10MB          #   any of them on a smaller table is info
 *
 * `paths` and `exclude` take a list or a single string; an empty value
 * (`paths:`) is an empty list.  Relative entries are read from the file's
 * folder (it is prefixed to them, so "../" when the file is found one level
 * up); globs that start with "**" match anywhere and are kept as written.
 * `exclude` adds to --exclude.  The top level must be a mapping; unknown
 * keys, duplicate keys, wrong types and values outside the allowed set are
 * errors, reported as "PATH:LINE:COLUMN: problem" (1-based), so that a typo
 * never silently turns a check off.
 *
 * Precedence (decided by the caller): command-line options override the
 * file, which overrides the built-in defaults.
 */
#ifndef GATEKEEPER_CONFIG_H
#define GATEKEEPER_CONFIG_H

#include "common.h"
#include "types.h"
#include "lint.h"

/* The two names looked for, in this order, in each folder. */
#define GK_CONFIG_NAME "gatekeeper.yml"
#define GK_CONFIG_NAME_ALT "gatekeeper.yaml"

typedef struct gk_config_rule {
	char *id;                   /* as written; checked against the registry by gk_config_apply() */
	enum gk_severity severity;
	int line, column;           /* 1-based position of the id, for error messages */
} gk_config_rule;

/* lock_budget: the longest a statement may hold each lock in production,
 * as the lock-window estimate predicts it (`check` given production
 * sizes), in ms; 0 = no budget for that lock. */
typedef struct gk_lock_budget {
	double access_exclusive_ms, exclusive_ms, share_row_exclusive_ms, share_ms, share_update_exclusive_ms;
} gk_lock_budget;

/*
 * size_thresholds: severity by the size of the production table a lock,
 * rewrite, scan or index-build finding is about (with `check --stats` or
 * on `gate`'s target).  Sizes in bytes (total: heap, indexes, TOAST);
 * 0 = unset.  Above `rewrite`, `scan`, `index_build` or `lock` (whichever
 * the statement does) the finding becomes an error; below `info_below`
 * it falls to info.  The message always says the size and the threshold.
 */
typedef struct gk_size_thresholds {
	long long rewrite, scan, index_build, lock;
	long long info_below;
} gk_size_thresholds;

typedef struct gk_config {
	char *path;                 /* the file it was loaded from, as given */
	int pg_version;             /* 0 = unset */
	enum gk_runner runner;
	bool runner_set;
	char **paths;               /* already resolved against the file's folder */
	size_t n_paths;
	char **excludes;            /* as written */
	size_t n_excludes;
	enum gk_severity fail_level; /* GK_SEV_OFF = never fail */
	bool fail_level_set;
	gk_config_rule *rules;      /* in file order */
	size_t n_rules;
	enum gk_layout_kind layout; /* GK_LAYOUT_AUTO when unset */
	char *migration_name;       /* checked to compile as a POSIX ERE; NULL = unset */
	int replay;                 /* -1 unset, 0 false, 1 true */
	char *shadow_init;          /* resolved against the file's folder; NULL = unset */
	double replay_timeout_s;    /* seconds; 0 = unset */
	/* NULL-terminated names (letters, digits, '_', '-'); NULL = unset (the
	 * default, gk_shadow_default_extensions); { NULL } = none. */
	char **shadow_extensions;
	char *prisma_version;       /* "7.10.1" (digits and dots, 1 to 3 parts); NULL = unset */
	double lock_timeout_advice_s; /* seconds; 0 = unset */
	int lock_timeout_external;  /* -1 unset, 0 in-file, 1 external */
	char *deploy_role;          /* gate's deploying role; NULL = unset (--deploy-role overrides) */
	int flyway_mixed;           /* -1 unset, 0 false, 1 true */
	int golang_multi_statement; /* -1 unset, 0 false, 1 true */
	int bigint_int_reference;   /* -1 unset, 0 report, 1 quiet */
	gk_lock_budget lock_budget; /* all 0 = unset */
	char *stats;                /* check: statistics file, resolved against the file's folder; NULL = unset */
	double stats_max_age_s;     /* seconds; 0 = unset (default GK_STATS_MAX_AGE_DEFAULT_S) */
	gk_size_thresholds size_thresholds;
} gk_config;

/* A statistics file older than this is stale (a warning; it is still used). */
#define GK_STATS_MAX_AGE_DEFAULT_S (7 * 86400.0)

/**
 * Find the configuration file for `start_dir` by looking for gatekeeper.yml,
 * then gatekeeper.yaml, in `start_dir` and each parent folder.  The walk
 * stops after a folder that holds `.git` (the repository root) or at the
 * filesystem root, so a stray file above the project is never picked up.
 *
 * The path is built from `start_dir` and "../" steps, so it stays relative
 * when `start_dir` is ("." gives "gatekeeper.yml", "../gatekeeper.yml", ...).
 *
 * On success *out is a new string the caller frees with free().
 * Returns 0, GK_ENOTFOUND when there is none, GK_EIO when `start_dir`
 * cannot be read, or GK_ENOMEM.
 */
int gk_config_find(char **out, const char *start_dir);

/**
 * Read and check the configuration file `path`.
 *
 * On success *out is a new configuration owned by the caller (free it with
 * gk_config_free()); it owns every string in it.  On failure *out is NULL
 * and `err` holds "PATH:LINE:COLUMN: problem" (or "PATH: problem" when the
 * file cannot be read).
 *
 * Returns 0, GK_ECONFIG for a file that is not valid YAML or not a valid
 * configuration, GK_EIO when it cannot be read, or GK_ENOMEM.
 */
int gk_config_load(gk_config **out, const char *path, gk_error *err);

/**
 * gk_config_load() that also hands over every problem of the file, not
 * only the first: on GK_ECONFIG, *problems holds each "PATH:LINE:COLUMN:
 * problem" in the order met (file order, one per node; an unknown rule id
 * among them), *n_problems of them, owned by the caller (free with
 * gk_config_problems_free()); otherwise NULL and 0.  `err` holds the first.
 */
int gk_config_load_all(gk_config **out, const char *path, char ***problems, size_t *n_problems, gk_error *err);

void gk_config_problems_free(char **problems, size_t n);

/**
 * Copy the lint settings of `c` (pg_version, runner, rule severities,
 * prisma_version, lock_timeout_advice, lock_timeout, flyway_mixed,
 * golang_migrate_multi_statement, prefer_bigint_int_reference) into
 * `o`; settings the file does not name are left as they are.  fail_level,
 * paths, excludes, layout and migration_name are not lint options: the
 * caller reads them from `c`.
 *
 * Returns 0, or GK_ECONFIG with "PATH:LINE:COLUMN: unknown rule 'x' ..." in
 * `err` when a rule id is not in the registry (`o` may then be partly set).
 */
int gk_config_apply(const gk_config *c, gk_lint_options *o, gk_error *err);

/** Free a configuration and everything in it. NULL is a no-op. */
void gk_config_free(gk_config *c);

#endif
