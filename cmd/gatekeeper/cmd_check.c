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
 */
#include "report_opts.h"
#include "gatekeeper/check.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>


enum {
	OPT_BASE = GK_OPT_COMMAND, OPT_HEAD, OPT_REPO, OPT_WORKTREE, OPT_LAYOUT, OPT_ALL, OPT_MIGRATION_NAME,
	OPT_REPLAY, OPT_LINT,
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
	{"replay", 0, GK_OPT_BOOL, NULL, "replay the migrations on a shadow database: NOT IMPLEMENTED YET; --no-replay is "
	 "accepted (and is what happens today)", OPT_REPLAY},
	{0},
};

typedef struct check_ctx {
	gk_check_options o;
	bool layout_set, replay;
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
	case OPT_LINT: c->o.no_lint = !on; return 0;
	case OPT_LAYOUT:
		if (gk_layout_kind_parse(&c->o.layout, v) < 0)
			return gk_usage_error("check: --layout must be auto, prisma, flyway, golang-migrate, dbmate, diesel or "
					      "plain, not '%s'", v);
		c->layout_set = true;
		return 0;
	}
	return gk_usage_error("check: option '--%s' is not handled", opt->name);
}

static int run_check(gk_run_args *a, check_ctx *c)
{
	gk_report *r = gk_run_report(a);
	if (!r) {
		fprintf(stderr, "gatekeeper: out of memory\n");
		return GK_EXIT_INTERNAL;
	}
	if (c->replay)
		fprintf(stderr, "gatekeeper: --replay: replay on a shadow database is not implemented yet; "
				"only the history and the lint ran\n");
	c->o.lint = a->lint;
	c->o.excludes = a->excludes;
	c->o.n_excludes = a->n_excludes;
	if (a->config && !c->layout_set)
		c->o.layout = a->config->layout;
	if (a->config && !c->o.name_pattern)
		c->o.name_pattern = a->config->migration_name;
	double t0 = gk_now();
	gk_error err = {0};
	int rc = gk_check_run(r, &c->o, &err);
	if (rc == GK_ECONFIG) {
		gk_report_free(r);
		return gk_run_setup_failed(a, NULL, &err);
	}
	if (rc < 0)
		gk_report_add_error(r, GK_ERRKIND_INTERNAL, NULL, "%s", err.msg);
	gk_report_finish(r, a->fail_level, gk_now() - t0);
	return gk_run_emit(a, r);
}

static int check_main(int argc, char **argv)
{
	gk_run_args a;
	check_ctx c;
	memset(&c, 0, sizeof c);
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
	gk_run_args_free(&a);
	return rc;
}

const gk_cmd gk_cmd_check = {
	.name = "check",
	.summary = "pre-merge check from git: history findings and the lint of the migrations a change adds",
	.usage = "[options] [MIGRATIONS_DIR...]",
	.opts = check_opts,
	.shared = gk_report_opts,
	.run = check_main,
};
