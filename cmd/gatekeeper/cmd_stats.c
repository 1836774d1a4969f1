/*
 * cmd_stats.c - `gatekeeper stats --database URL [-o FILE]
 * [--sample-seconds N]`: the sizes and write activity of a live
 * database's tables and indexes, as the file `check --stats` reads (the
 * stats job, gatekeeper/stats.h; the format is schemas/stats/v1.json).
 *
 * Exit codes: 0 written, 2 usage (or a URL that does not parse, a server
 * older than 14), 3 the database cannot be reached or read, or the run was
 * interrupted, 4 the output cannot be written.
 */
#include "cmd.h"
#include "gatekeeper/report.h"
#include "gatekeeper/stats.h"
#include "util/interrupt.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_DATABASE = 1, OPT_OUTPUT, OPT_SAMPLE };

static const gk_opt stats_opts[] = {
	{"database", 0, GK_OPT_VALUE, "URL", "the database to read, read-only (default $DATABASE_URL)", OPT_DATABASE},
	{"output", 'o', GK_OPT_VALUE, "FILE", "write the statistics to FILE (default standard output)", OPT_OUTPUT},
	{"sample-seconds", 0, GK_OPT_VALUE, "N",
	 "read the write counters again after N seconds, for rates that need no reset time", OPT_SAMPLE},
	{0},
};

static int apply(void *p, const gk_opt *opt, const char *v)
{
	gk_stats_export_options *o = p;
	char *end = NULL;
	long n;
	switch (opt->id) {
	case OPT_DATABASE: o->database = v; return 0;
	case OPT_OUTPUT:
		if (!*v)
			return gk_usage_error("stats: -o needs a file name");
		o->output = v;
		return 0;
	case OPT_SAMPLE:
		n = strtol(v, &end, 10);
		if (!*v || *end || n < 1 || n > 3600)
			return gk_usage_error("stats: --sample-seconds takes a whole number of seconds from 1 to 3600, not '%s'",
					      v);
		o->sample_seconds = (int)n;
		return 0;
	default: return 0;
	}
}

static int exit_code_of(int rc)
{
	switch (rc) {
	case GK_EINFRA:
	case GK_EINTR: return GK_EXIT_INFRA;
	case GK_ECONFIG: return GK_EXIT_USAGE;
	default: return GK_EXIT_INTERNAL;
	}
}

static int stats_main(int argc, char **argv)
{
	gk_stats_export_options o = {.stream = stdout};
	char **pos = NULL;
	int npos = 0;
	int rc = gk_opts_parse(&gk_cmd_stats, argc, argv, apply, &o, &pos, &npos);
	free(pos);
	if (rc)
		return rc;
	if (npos)
		return gk_usage_error("stats: takes no arguments (the database is --database URL)");
	if (!o.database) {
		const char *env = getenv("DATABASE_URL");
		o.database = env && *env ? env : NULL;
	}
	if (!o.database || !*o.database)
		return gk_usage_error("stats: name the database with --database URL or $DATABASE_URL");
	gk_error err = {0, ""};
	rc = gk_stats_export(&o, &err);
	char why[128];
	gk_interrupt_describe(why, sizeof why);
	if (why[0]) {
		gk_diag("stats: %s; no statistics written", why);
		return GK_EXIT_INFRA;
	}
	if (rc) {
		gk_diag("stats: %s", err.msg);
		return exit_code_of(rc);
	}
	return GK_EXIT_PASS;
}

const gk_cmd gk_cmd_stats = {
	.name = "stats",
	.summary = "write a live database's table sizes and write activity for `check --stats` (read-only)",
	.usage = "--database URL [-o FILE] [--sample-seconds N]",
	.opts = stats_opts,
	.run = stats_main,
};
