/*
 * live_opts.h - the options of the commands that compare a live database
 * with what its migrations build on a shadow (`drift`, `gate`): the
 * target, how the folders are read, where to replay, what to compare.
 *
 * A command lists GK_LIVE_OPTS in its own option table and hands every
 * option to gk_live_apply() first; gk_live_resolve() then fills the
 * defaults from the environment and gatekeeper.yml.
 */
#ifndef GK_LIVE_OPTS_H
#define GK_LIVE_OPTS_H

#include "report_opts.h"
#include "layout/layout.h"
#include "shadow/shadow.h"

enum {
	GK_OPT_LIVE = 200, /* ids of the shared live options; a command's own start at GK_OPT_COMMAND */
	GK_OPT_LIVE_DATABASE = GK_OPT_LIVE, GK_OPT_LIVE_LAYOUT, GK_OPT_LIVE_HISTORY_TABLE, GK_OPT_LIVE_SHADOW_URL,
	GK_OPT_LIVE_PG_BIN, GK_OPT_LIVE_SHADOW_INIT, GK_OPT_LIVE_CACHE_DIR, GK_OPT_LIVE_CACHE, GK_OPT_LIVE_SCHEMA,
	GK_OPT_LIVE_IGNORE, GK_OPT_LIVE_GRANTS, GK_OPT_LIVE_OWNERS, GK_OPT_LIVE_COMMENTS, GK_OPT_LIVE_REPLAY_TIMEOUT,
};

#define GK_LIVE_OPTS                                                                                                 \
	{"database", 0, GK_OPT_VALUE, "URL", "the live database (libpq or Prisma URL; default $DATABASE_URL); only read, " \
	 "through read-only sessions", GK_OPT_LIVE_DATABASE},                                                        \
	{"layout", 0, GK_OPT_VALUE, "KIND", "how the folders are read: auto (default), prisma, flyway, golang-migrate, "  \
	 "dbmate or diesel", GK_OPT_LIVE_LAYOUT},                                                                    \
	{"history-table", 0, GK_OPT_VALUE, "NAME", "the tool's history table, [schema.]name (default: the tool's own)",  \
	 GK_OPT_LIVE_HISTORY_TABLE},                                                                                 \
	{"shadow-url", 0, GK_OPT_VALUE, "URL", "replay on this server (default $SHADOW_DATABASE_URL, else a private "    \
	 "cluster)", GK_OPT_LIVE_SHADOW_URL},                                                                        \
	{"pg-bin", 0, GK_OPT_VALUE, "DIR", "PostgreSQL binaries for the private cluster (the target's major version)",   \
	 GK_OPT_LIVE_PG_BIN},                                                                                        \
	{"shadow-init", 0, GK_OPT_VALUE, "FILE", "SQL run on the shadow before the first migration", GK_OPT_LIVE_SHADOW_INIT}, \
	{"replay-timeout", 0, GK_OPT_VALUE, "DURATION", "time limit of each migration's replay on the shadow (default "  \
	 "5min)", GK_OPT_LIVE_REPLAY_TIMEOUT},                                                                       \
	{"cache-dir", 0, GK_OPT_VALUE, "DIR", "keep the expected schema here between runs (default $XDG_CACHE_HOME/"    \
	 "gatekeeper, ~/.cache/gatekeeper, or /var/cache/gatekeeper for root)", GK_OPT_LIVE_CACHE_DIR},              \
	{"cache", 0, GK_OPT_BOOL, NULL, "use the replay cache (default); --no-cache replays on a throw-away cluster",     \
	 GK_OPT_LIVE_CACHE},                                                                                         \
	{"schema", 0, GK_OPT_VALUE, "NAME", "compare only this schema (repeatable)", GK_OPT_LIVE_SCHEMA},               \
	{"ignore", 0, GK_OPT_VALUE, "GLOB", "ignore objects matching KIND:IDENTITY or IDENTITY (repeatable), e.g. "      \
	 "'table:public.tmp_*'", GK_OPT_LIVE_IGNORE},                                                                \
	{"grants", 0, GK_OPT_BOOL, NULL, "also compare privileges (GRANTs)", GK_OPT_LIVE_GRANTS},                      \
	{"owners", 0, GK_OPT_BOOL, NULL, "also compare owners", GK_OPT_LIVE_OWNERS},                                   \
	{"comments", 0, GK_OPT_BOOL, NULL, "also compare comments", GK_OPT_LIVE_COMMENTS}

typedef struct gk_live_args {
	const char *command;            /* for messages */
	const char *target_url;
	enum gk_layout_kind layout;
	bool layout_set;
	const char *history_table;
	gk_shadow_options shadow;
	const char *shadow_init;
	double replay_timeout;          /* seconds; 0 until resolved */
	const char *cache_dir;
	int cache;                      /* -1: not on the command line */
	const char **schemas, **ignore; /* owned arrays, borrowed strings */
	size_t n_schemas, n_ignore, cap_schemas, cap_ignore;
	bool grants, owners, comments;
	const char *const *dirs;        /* borrowed: argv, the configuration or a static default */
	size_t n_dirs;
	char *default_cache;            /* owned */
	char *shadow_url;               /* owned: the libpq form of shadow.url */
} gk_live_args;

void gk_live_init(gk_live_args *l, const char *command);
void gk_live_free(gk_live_args *l);

/** Apply one of GK_LIVE_OPTS: 0, an exit code for a bad value, or 1 when `o` is not one of them. */
int gk_live_apply(gk_live_args *l, const gk_opt *o, const char *value);

/**
 * Defaults after the command line: $DATABASE_URL, $SHADOW_DATABASE_URL,
 * gatekeeper.yml's layout, shadow_init and paths, the cache folder; the
 * folders are the arguments, else `paths`, else prisma/migrations when it
 * exists (none: n_dirs 0, for the library to say).
 */
void gk_live_resolve(gk_live_args *l, const gk_run_args *a, char **pos, int npos);

/**
 * A shadow URL (--shadow-url, $SHADOW_DATABASE_URL; NULL or "" = none) read
 * by gk_dburl_parse() like every database URL: *url is replaced by the
 * libpq form, which *owned holds (the caller frees it); a note on what
 * was changed goes to stderr.  0, or the exit code of a refused URL (2,
 * the reports written with the error).
 */
int gk_shadow_url_resolve(gk_run_args *a, const char **url, char **owned);

#endif
