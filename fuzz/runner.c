/*
 * runner.c - the runner model's readers of untrusted text (src/layout):
 * every lockfile parser, package.json ranges, flyway.conf / flyway.toml
 * and the statement scan, on the same bytes.
 *
 * Invariants: nothing crashes or reads past the input (the parsers get
 * the bytes without a terminating NUL, as a file read gives them); a
 * version found is non-empty, starts with a digit and fits its buffer;
 * the scan's counts agree with each other.
 */
#include "fuzz.h"

#include "layout/runner.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static void check_version(int rc, const char *v)
{
	FUZZ_CHECK(rc == 0 || rc == GK_ENOTFOUND || rc == GK_EPARSE);
	if (rc == 0)
		FUZZ_CHECK(isdigit((unsigned char)v[0]) && strlen(v) < 32);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy: a read past the end is caught by ASan. */
	char *text = malloc(size ? size : 1);
	FUZZ_CHECK(text != NULL);
	memcpy(text, data, size);
	char v[32], range[64];
	check_version(gk_runner_prisma_from_package_lock(v, sizeof v, text, size), v);
	check_version(gk_runner_prisma_from_pnpm_lock(v, sizeof v, text, size), v);
	check_version(gk_runner_prisma_from_yarn_lock(v, sizeof v, text, size), v);
	check_version(gk_runner_prisma_from_bun_lock(v, sizeof v, text, size), v);
	check_version(gk_runner_prisma_from_package_json(v, sizeof v, range, sizeof range, text, size), v);
	int m = gk_runner_flyway_mixed(text, size, false);
	FUZZ_CHECK(m == 0 || m == 1 || m == GK_ENOTFOUND);
	m = gk_runner_flyway_mixed(text, size, true);
	FUZZ_CHECK(m == 0 || m == 1 || m == GK_ENOTFOUND);
	gk_runner_sql sql;
	gk_runner_scan(&sql, text, size, 11);
	FUZZ_CHECK(sql.n_no_tx <= sql.n_stmts);
	FUZZ_CHECK(sql.prisma_unsplittable < (int)sql.n_stmts);
	FUZZ_CHECK((sql.first_no_tx >= 0) == (sql.n_no_tx > 0));
	free(text);
	return 0;
}
