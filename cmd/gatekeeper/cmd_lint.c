/*
 * cmd_lint.c - `gatekeeper lint [options] PATH...`: static analysis of
 * migration files, reported as text, JSON and JUnit.  Options, settings
 * and output are shared with the other reporting commands (report_opts.h).
 */
#include "report_opts.h"
#include "gatekeeper/files.h"
#include "util/util.h"

#include <stdlib.h>

static int run_lint(gk_run_args *a, char **paths, int npaths)
{
	gk_file_list files = {0};
	gk_error err = {0};
	for (int i = 0; i < npaths; i++)
		if (gk_files_collect(&files, paths[i], a->excludes, a->n_excludes, &err) < 0) {
			gk_file_list_free(&files);
			fprintf(stderr, "gatekeeper: %s\n", err.msg);
			return GK_EXIT_INTERNAL;
		}
	gk_report *r = gk_run_report(a);
	if (!r) {
		gk_file_list_free(&files);
		fprintf(stderr, "gatekeeper: out of memory\n");
		return GK_EXIT_INTERNAL;
	}
	double t0 = gk_now();
	if (gk_lint_files(r, &a->lint, (const char *const *)files.paths, files.n, &err) < 0)
		gk_report_add_error(r, GK_ERRKIND_INTERNAL, NULL, "%s", err.msg);
	if (files.n == 0)
		gk_report_add_error(r, GK_ERRKIND_CONFIG, NULL, "no SQL files found in the given paths");
	gk_report_finish(r, a->fail_level, gk_now() - t0);
	gk_file_list_free(&files);
	return gk_run_emit(a, r);
}

static int lint_main(int argc, char **argv)
{
	gk_run_args a;
	gk_run_args_init(&a, "lint");
	char **pos = NULL;
	int npos = 0;
	int rc = gk_run_setup(&a, &gk_cmd_lint, argc, argv, &pos, &npos);
	if (rc == 0 && npos > 0)
		rc = run_lint(&a, pos, npos);
	else if (rc == 0 && a.config && a.config->n_paths > 0)
		rc = run_lint(&a, a.config->paths, (int)a.config->n_paths);
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
	.opts = NULL,
	.shared = gk_report_opts,
	.run = lint_main,
};
