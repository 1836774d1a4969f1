/*
 * history_inproc.c - for bench/history.sh: the history side of `check`
 * (base resolution, tree diff, classification, history findings; no lint)
 * run several times in one process, so that process start-up and
 * libgit2's one-time initialisation are told apart from the steady cost.
 * usage: history_inproc BASE DIR  (run inside the repository)
 * Prints "FIRST_MS BEST_MS".
 */
#include "gatekeeper/check.h"
#include "util/util.h"

#include <stdio.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: history_inproc BASE DIR\n");
		return 2;
	}
	const char *dirs[] = {argv[2]};
	double first = 0, best = 1e9;
	for (int k = 0; k < 10; k++) {
		gk_check_options o;
		gk_check_options_init(&o);
		o.dirs = dirs;
		o.n_dirs = 1;
		o.no_lint = true;
		o.git.base = argv[1];
		gk_report *r = gk_report_new("check");
		gk_error err = {0};
		double t0 = gk_now();
		int rc = r ? gk_check_run(r, &o, &err) : GK_ENOMEM;
		double ms = (gk_now() - t0) * 1000;
		gk_report_free(r);
		if (rc < 0) {
			fprintf(stderr, "history_inproc: %s\n", err.msg);
			return 1;
		}
		if (k == 0)
			first = ms;
		else if (ms < best)
			best = ms;
	}
	printf("%.3f %.3f\n", first, best);
	return 0;
}
