/*
 * catalog_diff.c - for bench/catalog.sh: the diff of two snapshots in one
 * process, so that loading the files is told apart from the comparison.
 * usage: catalog_diff EXPECTED.json ACTUAL.json
 * Prints "LOAD_MS FIRST_MS BEST_MS CHANGES": loading both files, the first
 * diff, the best of 10.
 */
#include "catalog/catalog.h"
#include "util/util.h"

#include <stdio.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: catalog_diff EXPECTED.json ACTUAL.json\n");
		return 2;
	}
	gk_error err = {0, ""};
	gk_catalog *e = NULL, *a = NULL;
	double t0 = gk_now();
	if (gk_catalog_load(&e, argv[1], &err) != 0 || gk_catalog_load(&a, argv[2], &err) != 0) {
		fprintf(stderr, "catalog_diff: %s\n", err.msg);
		return 1;
	}
	double load = (gk_now() - t0) * 1000, first = 0, best = 1e9;
	size_t changes = 0;
	for (int k = 0; k < 10; k++) {
		gk_catalog_diff_result *d = NULL;
		double t = gk_now();
		if (gk_catalog_diff(&d, e, a, NULL, &err) != 0) {
			fprintf(stderr, "catalog_diff: %s\n", err.msg);
			return 1;
		}
		double ms = (gk_now() - t) * 1000;
		changes = d->n_changes;
		gk_catalog_diff_free(d);
		if (k == 0)
			first = ms;
		if (ms < best)
			best = ms;
	}
	printf("%.3f %.3f %.3f %zu\n", load, first, best, changes);
	gk_catalog_free(e);
	gk_catalog_free(a);
	return 0;
}
