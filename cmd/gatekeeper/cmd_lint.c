/*
 * cmd_lint.c - `gatekeeper lint [options] PATH...`: static analysis of
 * migration files, reported as text, JSON and JUnit.  Options, settings
 * and output are shared with the other reporting commands (report_opts.h).
 */
#include "report_opts.h"
#include "check/check.h"
#include "layout/runner.h"
#include "util/files.h"
#include "util/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_LAYOUT = GK_OPT_COMMAND };

static const gk_opt lint_opts[] = {
	{"layout", 0, GK_OPT_VALUE, "KIND", "how a folder PATH is read: auto (default: dbmate, golang-migrate, diesel "
	 "and Flyway folders lint their migrations in the tool's order, up sections only; other folders every *.sql), "
	 "or one of prisma, flyway, golang-migrate, dbmate, diesel, plain", OPT_LAYOUT},
	{0},
};

typedef struct lint_ctx {
	enum gk_layout_kind layout;
	bool layout_set;            /* on the command line: wins over the file's `layout` */
} lint_ctx;

static int apply_lint_opt(void *ctx, const gk_opt *o, const char *v)
{
	lint_ctx *c = ctx;
	if (o->id == OPT_LAYOUT && gk_layout_kind_parse(&c->layout, v) == 0) {
		c->layout_set = true;
		return 0;
	}
	return gk_usage_error("lint: --layout must be auto, prisma, flyway, golang-migrate, dbmate, diesel or plain, not '%s'", v);
}

/* One PATH (`ps` what it is): a folder in a tool layout, else every *.sql
 * under it (or the file itself). */
static int add_path(gk_lint_batch *b, gk_run_args *a, enum gk_layout_kind layout, const char *path,
		    const gk_path_stat *ps, gk_error *err)
{
	/* Only a folder can have a layout.  The path is examined once (by
	 * missing()): its every caller below is told what it is. */
	bool is_dir = gk_path_stat_is_dir(ps);
	int rc = is_dir ? gk_lint_batch_add_layout(b, path, layout, &a->lint, a->excludes, a->n_excludes, err) : 0;
	if (rc != 0)
		return rc < 0 ? rc : 0;
	gk_file_list files = {0};
	size_t from = b->n;
	rc = gk_files_collect(&files, path, ps, a->excludes, a->n_excludes, err);
	for (size_t i = 0; rc == 0 && i < files.n; i++)
		if (gk_lint_batch_add_judged(b, files.paths[i], files.refused[i], &files.ids[i]) < 0)
			rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	/* dbmate files outside a dbmate folder (or passed one by one): their up section only. */
	if (rc == 0 && gk_lint_batch_dbmate_files(b, from, layout, &a->lint) < 0)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	/* A Prisma folder (or a file of one): the version its repository deploys with. */
	if (rc == 0 && gk_lint_batch_find_settings(b, from, path, is_dir, layout) < 0)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	gk_file_list_free(&files);
	return rc;
}

/*
 * A PATH that does not exist is a mistake in the command line or in
 * `paths:` (exit 2), not a finding about a migration; the other paths are
 * still linted.  A dangling link, or a file that exists but cannot be read,
 * is an input the lint reports as such.  `ps` is what the path is.
 */
static bool missing(const char *path, gk_path_stat *ps)
{
	gk_path_stat_read(ps, path);
	return ps->lstat_errno == ENOENT || ps->lstat_errno == ENOTDIR;
}

static int run_lint(gk_run_args *a, enum gk_layout_kind layout, char **paths, int npaths)
{
	gk_lint_batch batch = {0};
	gk_error err = {0};
	gk_report *r = gk_run_report(a);
	if (!r) {
		fprintf(stderr, "gatekeeper: out of memory\n");
		return GK_EXIT_INTERNAL;
	}
	double t0 = gk_now();
	for (int i = 0; i < npaths; i++) {
		gk_path_stat ps;
		if (missing(paths[i], &ps)) {
			gk_report_add_error(r, GK_ERRKIND_CONFIG, paths[i], "no such file or folder");
			continue;
		}
		int rc = add_path(&batch, a, layout, paths[i], &ps, &err);
		if (rc == GK_ENOMEM) {
			gk_lint_batch_free(&batch);
			gk_report_free(r);
			gk_diag("%s", err.msg);
			return GK_EXIT_INTERNAL;
		}
		if (rc < 0) /* a folder whose layout cannot be read: say so, lint the rest */
			gk_report_add_error(r, GK_ERRKIND_IO, paths[i], "%s", err.msg);
	}
	/* A lockfile that does not parse: its Prisma version is not used, and the report says why. */
	for (size_t i = 0; i < batch.n_settings; i++)
		if (batch.settings[i]->prisma.note[0] && gk_report_add_note(r, batch.settings[i]->prisma.note) < 0)
			gk_report_add_error(r, GK_ERRKIND_INTERNAL, NULL, "out of memory");
	if (gk_lint_inputs(r, &a->lint, batch.in, batch.n, &err) < 0)
		gk_report_add_error(r, GK_ERRKIND_INTERNAL, NULL, "%s", err.msg);
	if (batch.n == 0 && r->n_errors == 0)
		gk_report_add_error(r, GK_ERRKIND_CONFIG, NULL, "no SQL files found in the given paths");
	gk_report_finish(r, a->fail_level, gk_now() - t0);
	gk_lint_batch_free(&batch);
	return gk_run_emit(a, r);
}

static int lint_main(int argc, char **argv)
{
	gk_run_args a;
	lint_ctx ctx = {GK_LAYOUT_AUTO, false};
	gk_run_args_init(&a, "lint");
	a.apply_own = apply_lint_opt;
	a.own_ctx = &ctx;
	char **pos = NULL;
	int npos = 0;
	int rc = gk_run_setup(&a, &gk_cmd_lint, argc, argv, &pos, &npos);
	enum gk_layout_kind layout = !ctx.layout_set && a.config ? a.config->layout : ctx.layout;
	if (rc == 0 && npos > 0)
		rc = run_lint(&a, layout, pos, npos);
	else if (rc == 0 && a.config && a.config->n_paths > 0)
		rc = run_lint(&a, layout, a.config->paths, (int)a.config->n_paths);
	else if (rc == 0)
		rc = gk_usage_error("lint: name the migration files or folders to lint%s",
				    a.config ? " (or set `paths` in the configuration file)" : "");
	free(pos);
	gk_run_args_free(&a);
	return rc;
}

const gk_cmd gk_cmd_lint = {
	.name = "lint",
	.summary = "check migration files for locking, destructive and unsafe operations",
	.usage = "[options] PATH...",
	.opts = lint_opts,
	.shared = gk_report_opts,
	.run = lint_main,
	.args = GK_ARGS_FILES,
};
