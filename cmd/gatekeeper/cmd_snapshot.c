/*
 * cmd_snapshot.c - `gatekeeper snapshot --database URL [-o FILE]`: the
 * schema of a live database as a canonical JSON snapshot (src/catalog),
 * e.g. saved after each deploy so that a later drift check needs no
 * replay.
 *
 * The connection is read-only from its first statement (src/catalog says
 * how); the URL's password never reaches any output.  The URL is read as
 * every command reads one (util/dburl.h): a Prisma URL's ?schema=
 * names the schema read when --schema is not given, as `drift` compares
 * it.  The SHA-256 of the
 * snapshot goes to stderr in sha256sum's format ("HEX  FILE", "-" for
 * standard output), so `2> schema.json.sha256` gives a file that
 * `sha256sum -c` accepts.  Exit codes: 0 written, 2 usage (or a URL that
 * does not parse, a server older than 14), 3 the database cannot be
 * reached or read, 4 the output cannot be written.
 */
#include "cmd.h"
#include "gatekeeper/catalog.h"
#include "util/dburl.h"
#include "gatekeeper/report.h"
#include "util/interrupt.h"
#include "util/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	gk_catalog_options o;
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
	case OPT_GRANTS: c->o.include_grants = on; return 0;
	case OPT_OWNERS: c->o.include_owners = on; return 0;
	case OPT_COMMENTS: c->o.include_comments = on; return 0;
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

static int write_to(gk_catalog *cat, FILE *f, const char *shown)
{
	gk_error err = {0, ""};
	int rc = gk_catalog_write(cat, f, &err);
	if (rc)
		fprintf(stderr, "gatekeeper: snapshot: cannot write %s: %s\n", shown, err.msg);
	return rc;
}

static int close_checked(FILE *f, const char *path, int rc)
{
	if (fclose(f) != 0 && rc == 0) {
		fprintf(stderr, "gatekeeper: snapshot: cannot write %s: %s\n", path, strerror(errno));
		rc = -1;
	}
	return rc;
}

/* A FILE that exists and is not a regular file (a FIFO, /dev/stdout) is
 * written directly. */
static int write_special(gk_catalog *cat, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "gatekeeper: snapshot: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return close_checked(f, path, write_to(cat, f, path));
}

/* Otherwise through a temporary file beside it, renamed into place once
 * complete: no truncated snapshot is ever left under FILE, and nothing
 * but our own temporary file is ever removed. */
static int write_replace(gk_catalog *cat, const char *path)
{
	char *tmp = gk_asprintf("%s.tmp-XXXXXX", path);
	int fd = tmp ? mkstemp(tmp) : -1;
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		fprintf(stderr, "gatekeeper: snapshot: cannot write %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd), unlink(tmp);
		free(tmp);
		return -1;
	}
	mode_t mask = umask(0);  /* mkstemp made it 0600: give it the mode fopen() would */
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	int rc = close_checked(f, path, write_to(cat, f, path));
	if (rc == 0 && rename(tmp, path) != 0) {
		fprintf(stderr, "gatekeeper: snapshot: cannot write %s: %s\n", path, strerror(errno));
		rc = -1;
	}
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}

static int write_file(gk_catalog *cat, const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return write_special(cat, path);
	return write_replace(cat, path);
}

/* The snapshot to FILE or stdout, then its SHA-256 on stderr. */
static int write_snapshot(gk_catalog *cat, const char *path)
{
	int rc = path ? write_file(cat, path) : write_to(cat, stdout, "standard output");
	if (rc)
		return GK_EXIT_INTERNAL;
	fprintf(stderr, "%s  %s\n", gk_catalog_sha256(cat), path ? path : "-");
	return GK_EXIT_PASS;
}

static int snapshot_run(snapshot_ctx *c)
{
	gk_error err = {0, ""};
	gk_dburl u;
	int rc = gk_dburl_parse(&u, "the database URL", c->database, &err);
	if (rc) {
		fprintf(stderr, "gatekeeper: snapshot: %s\n", err.msg);
		return exit_code_of(rc);
	}
	if (u.note)
		fprintf(stderr, "gatekeeper: snapshot: note: %s\n", u.note);
	/* --schema, else Prisma's ?schema=, the schema `drift` compares. */
	const char *url_schema[1] = {u.schema};
	c->o.schemas = c->n_schemas || !u.schema || !*u.schema ? c->schemas : url_schema;
	c->o.n_schemas = c->n_schemas || !u.schema || !*u.schema ? c->n_schemas : 1;
	gk_catalog *cat = NULL;
	rc = gk_catalog_read(&cat, u.libpq, &c->o, &err);
	gk_dburl_free(&u);
	char why[128];
	gk_interrupt_describe(why, sizeof why);
	if (why[0]) { /* the reads were cancelled for it: say that, not what it caused */
		fprintf(stderr, "gatekeeper: snapshot: %s; no snapshot written\n", why);
		gk_catalog_free(cat);
		return GK_EXIT_INFRA;
	}
	if (rc) {
		fprintf(stderr, "gatekeeper: snapshot: %s\n", err.msg);
		return exit_code_of(rc);
	}
	int code = write_snapshot(cat, c->output);
	gk_catalog_free(cat);
	return code;
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
