/*
 * cmd_snapshot.c - `gatekeeper snapshot --database URL [-o FILE]`: the
 * schema of a live database as a canonical JSON snapshot (the snapshot job,
 * gatekeeper/snapshot.h, says how it is read), e.g. saved after each
 * deploy so that a later drift check needs no replay.  The SHA-256 of the
 * snapshot goes to stderr in sha256sum's format ("HEX  FILE", "-" for
 * standard output), so `2> schema.json.sha256` gives a file that
 * `sha256sum -c` accepts.  Exit codes: 0 written, 2 usage (or a URL that
 * does not parse, a server older than 14), 3 the database cannot be
 * reached or read, 4 the output cannot be written.
 */
#include "cmd.h"
#include "gatekeeper/snapshot.h"
#include "report_opts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_DATABASE = 1, OPT_OUTPUT, OPT_SCHEMA, OPT_GRANTS, OPT_OWNERS, OPT_COMMENTS };

static const gk_opt snapshot_opts[] = {
	{"database", 0, GK_OPT_VALUE, "URL", "the database to read, read-only (default $DATABASE_URL)", OPT_DATABASE},
	{"output", 'o', GK_OPT_VALUE, "FILE", "write the snapshot to FILE (default standard output)", OPT_OUTPUT},
	{"schema", 0, GK_OPT_VALUE, "NAME", "read only this schema (repeatable; default every user schema)",
	 OPT_SCHEMA},
	{"grants", 0, GK_OPT_BOOL, NULL, "also read privileges (other than owners' own)", OPT_GRANTS},
	{"owners", 0, GK_OPT_BOOL, NULL, "also read owners", OPT_OWNERS},
	{"comments", 0, GK_OPT_BOOL, NULL, "also read comments", OPT_COMMENTS},
	{0},
};

typedef struct snapshot_ctx {
	const char *database, *output;
	const char **schemas;    /* argv pointers; the array is owned */
	size_t n_schemas;
	bool grants, owners, comments;
} snapshot_ctx;

static int add_schema(snapshot_ctx *c, const char *v)
{
	const char **s = realloc(c->schemas, (c->n_schemas + 1) * sizeof *s);
	if (!s)
		return gk_usage_error("snapshot: out of memory");
	c->schemas = s;
	s[c->n_schemas++] = v;
	return 0;
}

static int apply(void *p, const gk_opt *opt, const char *v)
{
	snapshot_ctx *c = p;
	bool on = strcmp(v, "1") == 0;
	switch (opt->id) {
	case OPT_DATABASE: c->database = v; return 0;
	case OPT_OUTPUT: c->output = v; return 0;
	case OPT_SCHEMA:
		if (!*v)
			return gk_usage_error("snapshot: --schema needs a name");
		return add_schema(c, v);
	case OPT_GRANTS: c->grants = on; return 0;
	case OPT_OWNERS: c->owners = on; return 0;
	case OPT_COMMENTS: c->comments = on; return 0;
	default: return 0;
	}
}

static int exit_code_of(int rc)
{
	switch (rc) {
	case GK_EINFRA: return GK_EXIT_INFRA;
	case GK_ECONFIG: return GK_EXIT_USAGE;
	default: return GK_EXIT_INTERNAL;
	}
}

/* The job writes the snapshot to FILE or stdout; its SHA-256 goes to
 * stderr in sha256sum's format. */
static int snapshot_run(snapshot_ctx *c)
{
	gk_snapshot_options o = {
		.database = c->database,
		.output = c->output,
		.stream = stdout,
		.schemas = c->schemas,
		.n_schemas = c->n_schemas,
		.include_grants = c->grants,
		.include_owners = c->owners,
		.include_comments = c->comments,
		.log = gk_run_log,
	};
	char sha256[65];
	gk_error err = {0, ""};
	int rc = gk_snapshot_export(sha256, &o, &err);
	if (rc) {
		fprintf(stderr, "gatekeeper: snapshot: %s\n", err.msg);
		return exit_code_of(rc);
	}
	fprintf(stderr, "%s  %s\n", sha256, c->output ? c->output : "-");
	return GK_EXIT_PASS;
}

static int snapshot_main(int argc, char **argv)
{
	snapshot_ctx c = {0};
	char **pos = NULL;
	int npos = 0;
	int rc = gk_opts_parse(&gk_cmd_snapshot, argc, argv, apply, &c, &pos, &npos);
	free(pos);
	if (rc == 0 && npos)
		rc = gk_usage_error("snapshot: takes no arguments (the database is --database URL)");
	if (rc == 0 && !c.database) {
		const char *env = getenv("DATABASE_URL");
		c.database = env && *env ? env : NULL;
	}
	if (rc == 0 && (!c.database || !*c.database))
		rc = gk_usage_error("snapshot: name the database with --database URL or $DATABASE_URL");
	if (rc == 0 && c.output && !*c.output)
		rc = gk_usage_error("snapshot: -o needs a file name");
	if (rc == 0)
		rc = snapshot_run(&c);
	free(c.schemas);
	return rc;
}

const gk_cmd gk_cmd_snapshot = {
	.name = "snapshot",
	.summary = "write a live database's schema as a canonical JSON snapshot (read-only)",
	.usage = "--database URL [-o FILE] [--schema NAME]... [--grants] [--owners] [--comments]",
	.opts = snapshot_opts,
	.run = snapshot_main,
};
