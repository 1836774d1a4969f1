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
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* A path the collection could not add, for the report once every chunk is done. */
typedef struct path_error {
	enum gk_error_kind kind;
	const char *path;           /* borrowed: the command line's */
	char *message;              /* owned */
} path_error;

/* The paths[from..to) of a run, collected into a batch of their own. */
typedef struct collection {
	gk_run_args *a;
	enum gk_layout_kind layout;
	char **paths;
	int from, to;
	gk_lint_batch batch;
	path_error *errors;
	size_t n_errors, cap_errors;
	bool oom;
	gk_error err;               /* why, when oom */
} collection;

static void path_failed(collection *c, enum gk_error_kind kind, const char *path, const char *message)
{
	char *m = gk_strdup(message);
	if (!m || gk_grow(&c->errors, &c->cap_errors, c->n_errors + 1, sizeof *c->errors) < 0) {
		free(m);
		c->oom = true;
		gk_error_set(&c->err, GK_ENOMEM, "out of memory");
		return;
	}
	c->errors[c->n_errors++] = (path_error){kind, path, m};
}

static void collect(collection *c)
{
	for (int i = c->from; i < c->to && !c->oom; i++) {
		gk_path_stat ps;
		gk_error err = {0};
		if (missing(c->paths[i], &ps)) {
			path_failed(c, GK_ERRKIND_CONFIG, c->paths[i], "no such file or folder");
			continue;
		}
		int rc = add_path(&c->batch, c->a, c->layout, c->paths[i], &ps, &err);
		if (rc == GK_ENOMEM) {
			c->oom = true;
			c->err = err;
		} else if (rc < 0) { /* a folder whose layout cannot be read: say so, lint the rest */
			path_failed(c, GK_ERRKIND_IO, c->paths[i], err.msg);
		}
	}
}

/*
 * The files of every PATH, in order.  Looking at a file costs system calls
 * (its metadata, a listing of its folder for the settings): some 20 ms for
 * the 2,659 corpus files one by one, while the other cores wait.  Many
 * paths are cut into chunks of consecutive paths, each collected into a
 * batch of its own by whichever of two threads takes it next (a Prisma
 * history, a folder per file, costs twice what a diesel one does, so
 * halves fixed in advance came out 8 and 13 ms), then appended in order.
 */
enum { CHUNK_PATHS = 128 };

typedef struct collecting {
	collection *chunks;
	size_t n;
	atomic_size_t next;         /* the next chunk to take */
} collecting;

static void *collect_chunks(void *arg)
{
	collecting *c = arg;
	for (size_t k; (k = atomic_fetch_add(&c->next, 1)) < c->n;)
		collect(&c->chunks[k]);
	return NULL;
}

/* The chunks of paths[0..npaths), collected, the batch of all of them in
 * the first (the others' errors still to report); NULL when out of memory.
 * `*n` is their count. */
static collection *collect_all(gk_run_args *a, enum gk_layout_kind layout, char **paths, int npaths, size_t *n)
{
	*n = npaths > CHUNK_PATHS ? ((size_t)npaths + CHUNK_PATHS - 1) / CHUNK_PATHS : 1;
	collection *chunks = calloc(*n, sizeof *chunks);
	if (!chunks)
		return NULL;
	for (size_t k = 0; k < *n; k++) {
		int from = (int)(k * CHUNK_PATHS), to = k + 1 < *n ? from + CHUNK_PATHS : npaths;
		chunks[k] = (collection){.a = a, .layout = layout, .paths = paths, .from = from, .to = to};
	}
	collecting c = {chunks, *n, 0};
	pthread_t tid;
	bool helped = *n > 1 && sysconf(_SC_NPROCESSORS_ONLN) > 1 && pthread_create(&tid, NULL, collect_chunks, &c) == 0;
	collect_chunks(&c);
	if (helped)
		pthread_join(tid, NULL);
	for (size_t k = 1; k < *n && !chunks[0].oom; k++) {
		if (chunks[k].oom) {
			chunks[0].oom = true;
			chunks[0].err = chunks[k].err;
		} else if (gk_lint_batch_append(&chunks[0].batch, &chunks[k].batch) < 0) {
			chunks[0].oom = true;
			gk_error_set(&chunks[0].err, GK_ENOMEM, "out of memory");
		}
	}
	return chunks;
}

static void collection_free(collection *c)
{
	for (size_t i = 0; i < c->n_errors; i++)
		free(c->errors[i].message);
	free(c->errors);
	gk_lint_batch_free(&c->batch);
}

/* Whether settings before index `i` carry the same note: a repository's
 * broken lockfile is said once, however many of its folders were looked up. */
static bool note_said(const gk_lint_batch *b, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (strcmp(b->settings[k]->prisma.note, b->settings[i]->prisma.note) == 0)
			return true;
	return false;
}

static int run_lint(gk_run_args *a, enum gk_layout_kind layout, char **paths, int npaths)
{
	gk_report *r = gk_run_report(a);
	if (!r) {
		fprintf(stderr, "gatekeeper: out of memory\n");
		return GK_EXIT_INTERNAL;
	}
	double t0 = gk_now();
	size_t n_chunks = 0;
	collection *chunks = collect_all(a, layout, paths, npaths, &n_chunks);
	if (!chunks || chunks[0].oom) {
		gk_diag("%s", chunks ? chunks[0].err.msg : "out of memory");
		for (size_t k = 0; chunks && k < n_chunks; k++)
			collection_free(&chunks[k]);
		free(chunks);
		gk_report_free(r);
		return GK_EXIT_INTERNAL;
	}
	for (size_t k = 0; k < n_chunks; k++)
		for (size_t i = 0; i < chunks[k].n_errors; i++)
			gk_report_add_error(r, chunks[k].errors[i].kind, chunks[k].errors[i].path, "%s",
					    chunks[k].errors[i].message);
	gk_lint_batch *batch = &chunks[0].batch;
	gk_error err = {0};
	/* A lockfile that does not parse: its Prisma version is not used, and the report says why. */
	for (size_t i = 0; i < batch->n_settings; i++)
		if (batch->settings[i]->prisma.note[0] && !note_said(batch, i) &&
		    gk_report_add_note(r, batch->settings[i]->prisma.note) < 0)
			gk_report_add_error(r, GK_ERRKIND_INTERNAL, NULL, "out of memory");
	if (gk_lint_inputs(r, &a->lint, batch->in, batch->n, &err) < 0)
		gk_report_add_error(r, GK_ERRKIND_INTERNAL, NULL, "%s", err.msg);
	if (batch->n == 0 && r->n_errors == 0)
		gk_report_add_error(r, GK_ERRKIND_CONFIG, NULL, "no SQL files found in the given paths");
	gk_report_finish(r, a->fail_level, gk_now() - t0);
	for (size_t k = 0; k < n_chunks; k++)
		collection_free(&chunks[k]);
	free(chunks);
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
