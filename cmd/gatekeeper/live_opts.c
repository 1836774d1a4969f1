/*
 * live_opts.c - the options `drift` and `gate` share (see live_opts.h).
 */
#include "live_opts.h"
#include "util/dburl.h"
#include "replay/replay.h"
#include "util/util.h"

#include <stdio.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void gk_live_init(gk_live_args *l, const char *command)
{
	memset(l, 0, sizeof *l);
	l->command = command;
	l->cache = -1;
}

void gk_live_free(gk_live_args *l)
{
	free(l->schemas);
	free(l->ignore);
	free(l->default_cache);
	free(l->shadow_url);
	memset(l, 0, sizeof *l);
}

static int push(const char ***arr, size_t *n, size_t *cap, const char *v)
{
	if (gk_grow(arr, cap, *n + 1, sizeof **arr) < 0)
		return gk_usage_error("out of memory");
	(*arr)[(*n)++] = v;
	return 0;
}

int gk_live_apply(gk_live_args *l, const gk_opt *o, const char *v)
{
	switch (o->id) {
	case GK_OPT_LIVE_DATABASE: l->target_url = v; return 0;
	case GK_OPT_LIVE_HISTORY_TABLE: l->history_table = v; return 0;
	case GK_OPT_LIVE_SHADOW_URL: l->shadow.url = v; return 0;
	case GK_OPT_LIVE_PG_BIN: l->shadow.pg_bin = v; return 0;
	case GK_OPT_LIVE_SHADOW_INIT: l->shadow_init = v; return 0;
	case GK_OPT_LIVE_REPLAY_TIMEOUT:
		if (gk_parse_duration(v, &l->replay_timeout) < 0 || l->replay_timeout <= 0)
			return gk_usage_error("%s: --replay-timeout wants a duration such as 300, 90s or 5min (up to 24h), "
					      "not '%s'", l->command, v);
		return 0;
	case GK_OPT_LIVE_CACHE_DIR: l->cache_dir = v; return 0;
	case GK_OPT_LIVE_CACHE: l->cache = strcmp(v, "1") == 0; return 0;
	case GK_OPT_LIVE_GRANTS: l->grants = strcmp(v, "1") == 0; return 0;
	case GK_OPT_LIVE_OWNERS: l->owners = strcmp(v, "1") == 0; return 0;
	case GK_OPT_LIVE_COMMENTS: l->comments = strcmp(v, "1") == 0; return 0;
	case GK_OPT_LIVE_SCHEMA: return push(&l->schemas, &l->n_schemas, &l->cap_schemas, v);
	case GK_OPT_LIVE_IGNORE: return push(&l->ignore, &l->n_ignore, &l->cap_ignore, v);
	case GK_OPT_LIVE_LAYOUT:
		if (gk_layout_kind_parse(&l->layout, v) < 0 || l->layout == GK_LAYOUT_PLAIN)
			return gk_usage_error("%s: --layout must be auto, prisma, flyway, golang-migrate, dbmate or diesel, "
					      "not '%s'", l->command, v);
		l->layout_set = true;
		return 0;
	}
	return 1;
}

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

void gk_live_resolve(gk_live_args *l, const gk_run_args *a, char **pos, int npos)
{
	static const char *const prisma[] = {"prisma/migrations"};
	if (npos > 0) {
		l->dirs = (const char *const *)pos;
		l->n_dirs = (size_t)npos;
	} else if (a->config && a->config->n_paths > 0) {
		l->dirs = (const char *const *)a->config->paths;
		l->n_dirs = a->config->n_paths;
	} else if (is_dir(prisma[0])) {
		l->dirs = prisma;
		l->n_dirs = 1;
	}
	if (!l->target_url)
		l->target_url = getenv("DATABASE_URL");
	if (!l->shadow.url)
		l->shadow.url = getenv("SHADOW_DATABASE_URL");
	if (!l->shadow_init && a->config)
		l->shadow_init = a->config->shadow_init;
	if (l->replay_timeout <= 0)
		l->replay_timeout = a->config && a->config->replay_timeout_s > 0 ? a->config->replay_timeout_s
									     : GK_REPLAY_TIMEOUT_DEFAULT_S;
	if (a->config)
		l->shadow.extensions = (const char *const *)a->config->shadow_extensions;
	if (a->config && !l->layout_set)
		l->layout = a->config->layout;
	if (l->cache != 0)
		l->shadow.cache_dir = l->cache_dir ? l->cache_dir : (l->default_cache = gk_shadow_default_cache_dir());
	/* The process is ours: its private clusters go however it ends. */
	l->shadow.cleanup_handlers = true;
}

int gk_shadow_url_resolve(gk_run_args *a, const char **url, char **owned)
{
	*owned = NULL;
	if (!*url || !**url)
		return 0;
	gk_dburl u;
	gk_error e = {0, ""};
	int rc = gk_dburl_parse(&u, "the shadow database URL", *url, &e);
	if (rc == GK_ECONFIG)
		return gk_run_setup_failed(a, NULL, &e);
	if (rc) {
		fprintf(stderr, "gatekeeper: out of memory\n");
		return GK_EXIT_INTERNAL;
	}
	if (u.note)
		fprintf(stderr, "gatekeeper: note: %s\n", u.note);
	*url = *owned = u.libpq;
	u.libpq = NULL;
	gk_dburl_free(&u);
	return 0;
}
