/*
 * replay.c - the replay part of `gatekeeper check`: every migration of a
 * folder applied to a fresh database on the shadow server (src/shadow) the
 * way its tool applies it (src/replay), the change's migrations traced
 * statement by statement, and what that proved turned into report entries
 * and `replay` findings (ids and docs in src/rules/replay.c).
 *
 * Before the first migration the database gets what the tool itself makes
 * (its history table: some migrations alter or read it) and the user's
 * init file (--shadow-init: extensions, roles, schemas production has
 * from elsewhere).
 *
 * With the template cache (a shadow on a cache cluster), the migrations
 * before the change are the prefix worth keeping: the next run of any
 * branch off the same base clones it and replays only the change.  The
 * chain hash seeds with the layout, the history table and the init file,
 * so a different preamble never matches.
 */
#include "check_internal.h"
#include "replay/replay.h"
#include "replay/replay_report.h"
#include "util/interrupt.h"
#include "util/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 2: templates hold objects of the replay role (gatekeeper_replay), not
 * of the superuser, as earlier ones did. */
#define SEED_TAG "gatekeeper replay 2"

/* One thing to apply: a prelude (history table, init file) or a migration. */
typedef struct step {
	gk_replay_migration m;
	char *path;           /* shown path (owned) */
	char *text;           /* NUL-terminated copy of what is sent (owned) */
	gk_check_item *it;    /* NULL for a prelude */
	bool init_file;       /* the user's --shadow-init file */
} step;

typedef struct plan {
	gk_check_replay *rp;
	gk_report *r;
	gk_check_folder *f;
	step *s;
	size_t n, n_pre;      /* steps; the first n_pre are preludes */
	size_t first_traced;  /* index into s of the first traced migration (n when none) */
	char (*hash)[65];     /* per migration (not per prelude) */
	gk_replay_result *res;
	size_t from;          /* first step applied (the rest before it came from a template) */
	double t0;
	size_t phase_start;   /* first step of the gk_replay_run() running */
} plan;

/* ---- opening and closing ----------------------------------------------- */

int gk_check_replay_open(gk_check_replay *rp, gk_report *r, gk_check_options *o, gk_error *err)
{
	memset(rp, 0, sizeof *rp);
	rp->o = o;
	double t0 = gk_now();
	gk_error e = {0};
	int rc = gk_shadow_open(&rp->shadow, &o->shadow, &e);
	gk_report_add_replay_totals(r, 0, 0, (gk_now() - t0) * 1000.0);
	if (rc == GK_ECONFIG || rc == GK_ENOMEM || rc == GK_EINTR)
		return gk_error_set(err, rc, "%s", e.msg);
	if (rc < 0) {
		/* The history and the lint still stand; the run exits 3 for this. */
		rp->shadow = NULL;
		return gk_report_add_error(r, GK_ERRKIND_DB_CONNECT, NULL, "replay: %s", e.msg) < 0
			       ? gk_error_set(err, GK_ENOMEM, "out of memory") : 0;
	}
	int version = gk_shadow_server_version(rp->shadow);
	if (o->pg_version_from_shadow && version > 0) {
		o->lint.pg_version = version / 10000;
		gk_report_set_pg_version(r, o->lint.pg_version);
	}
	if (gk_report_set_shadow(r, gk_shadow_is_embedded(rp->shadow) ? "embedded" : "external", version) < 0)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	const char *note = gk_shadow_cache_note(rp->shadow);
	if (note)
		gk_log_printf(&o->log, "replay cache not used: %s", note);
	/* An external shadow's user with a superuser's power: said, not hidden. */
	note = gk_shadow_sandbox_note(rp->shadow);
	if (note && gk_report_add_note(r, note) < 0)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	return 0;
}

void gk_check_replay_close(gk_check_replay *rp)
{
	gk_shadow_close(rp->shadow);
	free(rp->init_text);
	memset(rp, 0, sizeof *rp);
}

/* The init file, read once for every folder. */
static int read_init(gk_check_replay *rp, gk_error *err)
{
	if (!rp->o->shadow_init || rp->init_text)
		return 0;
	int rc = gk_read_file(&rp->init_text, &rp->init_len, rp->o->shadow_init, rp->o->lint.max_file_size);
	if (rc < 0)
		return gk_error_set(err, GK_ECONFIG, "shadow init file %s: cannot be read: %s", rp->o->shadow_init,
				    strerror(errno));
	return 0;
}

/* ---- the plan ------------------------------------------------------------ */

static void plan_free(plan *p)
{
	for (size_t i = 0; p->s && i < p->n; i++) {
		free(p->s[i].path);
		free(p->s[i].text);
	}
	free(p->s);
	free(p->hash);
	if (p->res)
		gk_replay_results_free(p->res, p->n);
	free(p->res);
}

static step *add_step(plan *p, const char *path, const char *text, size_t len, enum gk_runner runner)
{
	step *s = &p->s[p->n];
	s->path = gk_strdup(path);
	s->text = gk_strndup(text, len);
	if (!s->path || !s->text) {
		free(s->path);
		free(s->text);
		return NULL;
	}
	s->m = (gk_replay_migration){s->path, s->text, len, runner, false, p->rp->o->replay_timeout_s, NULL, GK_SPLITTER_SQL};
	p->n++;
	return s;
}

static int add_preludes(plan *p, gk_error *err)
{
	const char *history = gk_layout_history_table_sql(p->f->head->kind);
	if (history) {
		char *name = gk_asprintf("(%s history table)", gk_layout_kind_name(p->f->head->kind));
		step *s = name ? add_step(p, name, history, strlen(history), GK_RUNNER_SPLIT) : NULL;
		free(name);
		if (!s)
			return gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	if (p->rp->init_text) {
		step *s = add_step(p, p->rp->o->shadow_init, p->rp->init_text, p->rp->init_len, GK_RUNNER_SPLIT);
		if (!s)
			return gk_error_set(err, GK_ENOMEM, "out of memory");
		s->init_file = true;
	}
	p->n_pre = p->n;
	return 0;
}

static bool traced_status(enum gk_history_status h)
{
	return h == GK_HISTORY_ADDED || h == GK_HISTORY_MODIFIED || h == GK_HISTORY_RENAMED;
}

static int add_migration(plan *p, gk_check_item *it, gk_error *err)
{
	const gk_check_folder *f = p->f;
	gk_lint_input in = {0};
	char *owned = NULL, *path = gk_check_join(f->dir, it->head->path);
	int rc = path ? gk_check_migration_text((gk_side_files *)&f->head_files, it->head, &in, &owned, err)
		      : gk_error_set(err, GK_ENOMEM, "out of memory");
	gk_runner_choice how;
	in.path = path;
	in.tool = f->head->kind;
	in.settings = &f->runner;
	in.no_transaction = it->head->no_transaction;
	if (rc == 0)
		gk_lint_runner(&how, &f->o->lint, &in, in.text, in.len, NULL);
	/* A Flyway file Flyway refuses (flyway-mixed-transaction) is replayed as
	 * with mixed = true, how.deploy: the history after it is still checked. */
	step *s = rc == 0 ? add_step(p, path, in.text, in.len, how.deploy) : NULL;
	if (rc == 0 && !s)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	if (s) {
		s->it = it;
		s->m.splitter = how.splitter;
		s->m.trace = traced_status(it->status);
		if (s->m.trace && p->first_traced == SIZE_MAX)
			p->first_traced = p->n - 1;
	}
	free(owned);
	free(path);
	return rc;
}

/* Chain hashes of the migrations (gk_replay_chain), seeded with everything
 * that made the database before the first migration. */
static int chain(plan *p, gk_error *err)
{
	gk_buf seed = GK_BUF_INIT;
	gk_buf_printf(&seed, "%s", SEED_TAG);
	for (size_t i = 0; i < p->n_pre; i++)
		gk_buf_printf(&seed, "%c%s%c%s", 0, p->s[i].init_file ? "init" : p->s[i].path, 0, p->s[i].text);
	size_t seed_len = seed.len;
	char *seed_text = gk_buf_take(&seed);
	p->hash = calloc(p->n - p->n_pre + 1, sizeof *p->hash);
	if (!seed_text || !p->hash) {
		free(seed_text);
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	gk_replay_migration *m = calloc(p->n - p->n_pre + 1, sizeof *m);
	for (size_t i = p->n_pre; m && i < p->n; i++)
		m[i - p->n_pre] = p->s[i].m;
	int rc = m ? gk_replay_chain(p->hash, seed_text, seed_len, m, p->n - p->n_pre, err)
		   : gk_error_set(err, GK_ENOMEM, "out of memory");
	free(m);
	free(seed_text);
	return rc;
}

static int build_plan(plan *p, gk_error *err)
{
	gk_check_folder *f = p->f;
	p->s = calloc(f->n_items + 3, sizeof *p->s);
	p->res = calloc(f->n_items + 3, sizeof *p->res);
	if (!p->s || !p->res)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	p->first_traced = SIZE_MAX;
	int rc = add_preludes(p, err);
	for (size_t i = 0; rc == 0 && i < f->n_items; i++)
		rc = add_migration(p, &f->items[i], err);
	if (p->first_traced == SIZE_MAX)
		p->first_traced = p->n;
	for (size_t i = 0; i < p->n; i++) {
		p->res[i].status = GK_REPLAY_SKIPPED;
		p->res[i].error_offset = -1;
	}
	return rc == 0 && gk_shadow_cached(p->rp->shadow) ? chain(p, err) : rc;
}

/* ---- running ------------------------------------------------------------- */

/* Progress counts migrations, not the preludes, from the first one replayed. */
static void on_progress(void *ctx, size_t i, size_t n, const gk_replay_migration *m)
{
	plan *p = ctx;
	(void)n;
	size_t step = p->phase_start + i, first = p->from > p->n_pre ? p->from : p->n_pre;
	if (step < first)
		return;
	const gk_check_options *o = p->rp->o;
	o->progress(o->progress_ctx, step - first, p->n - first, m->path, gk_now() - p->t0);
}

/* Apply steps [a, b) on one connection; false when one did not apply. */
static int run_steps(plan *p, const char *conninfo, size_t a, size_t b, bool *ok, gk_error *err)
{
	*ok = true;
	if (a >= b)
		return 0;
	gk_replay_migration *m = calloc(b - a, sizeof *m);
	if (!m)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	for (size_t i = a; i < b; i++)
		m[i - a] = p->s[i].m;
	p->phase_start = a;
	int rc = gk_replay_run_progress(p->res + a, conninfo, m, b - a, p->rp->o->progress ? on_progress : NULL, p,
					err);
	free(m);
	for (size_t i = a; i < b; i++)
		*ok = *ok && p->res[i].status == GK_REPLAY_OK;
	return rc;
}

/* Keep the database as the template of the prefix ending before step `end`. */
static void store_prefix(plan *p, const char *dbname, size_t end)
{
	if (end <= p->n_pre || !p->hash)
		return;
	gk_error e = {0};
	if (gk_shadow_template_store(p->rp->shadow, dbname, p->hash[end - 1 - p->n_pre], &e) < 0)
		gk_log_printf(&p->rp->o->log, "replay cache: could not keep a template: %s", e.msg);
}

/* The longest cached prefix of the migrations before the change. */
static int find_template(plan *p, size_t *k, char **tpl, gk_error *err)
{
	size_t before = p->first_traced - p->n_pre;
	*k = 0;
	*tpl = NULL;
	if (!p->hash || before == 0)
		return 0;
	const char **h = calloc(before, sizeof *h);
	if (!h)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	for (size_t i = 0; i < before; i++)
		h[i] = p->hash[i];
	int rc = gk_shadow_template_find(k, tpl, p->rp->shadow, h, before, err);
	free(h);
	return rc;
}

/* The folder's database: a clone of the cached prefix, else a fresh one
 * (the shadow's own for the first folder).  Sets p->from. */
static int open_database(plan *p, char **conninfo, char **dbname, gk_error *err)
{
	gk_check_replay *rp = p->rp;
	char *tpl = NULL;
	size_t k = 0;
	int rc = find_template(p, &k, &tpl, err);
	if (rc < 0)
		return rc;
	if (tpl || rp->default_db_used) {
		rc = gk_shadow_new_database(conninfo, dbname, rp->shadow, tpl, err);
	} else {
		rp->default_db_used = true;
		*conninfo = gk_strdup(gk_shadow_conninfo(rp->shadow));
		*dbname = gk_strdup(gk_shadow_dbname(rp->shadow));
		rc = *conninfo && *dbname ? 0 : gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	p->from = tpl && rc == 0 ? p->n_pre + k : 0;
	free(tpl);
	return rc;
}

/*
 * Without a cache: everything on one connection, as the tool would.  With
 * one: the migrations before the change first, kept as a template when they
 * applied, then the change.
 */
static int run_plan(plan *p, const char *conninfo, const char *dbname, gk_error *err)
{
	bool ok = true;
	if (!p->hash)
		return run_steps(p, conninfo, p->from, p->n, &ok, err);
	int rc = run_steps(p, conninfo, p->from, p->first_traced, &ok, err);
	if (rc == 0 && ok && p->first_traced > p->from)
		store_prefix(p, dbname, p->first_traced);
	if (rc == 0 && ok)
		rc = run_steps(p, conninfo, p->first_traced, p->n, &ok, err);
	return rc;
}

/* ---- findings ------------------------------------------------------------ */

static gk_replay_reporter reporter(const plan *p)
{
	return (gk_replay_reporter){.r = p->r, .o = &p->rp->o->lint,
				    .consequence = "the migrations after it were not replayed", .merge = true};
}

static int failure_finding(plan *p, const step *s, const gk_replay_result *res)
{
	gk_replay_reporter rr = reporter(p);
	return gk_replay_report_failure(&rr, &s->m, res, s->init_file ? "the shadow init file" : "the migration");
}

/* ---- recording ------------------------------------------------------------ */

/* The migration's own outcome stopped the replay: a finding blames it. */
static bool did_not_apply(const gk_replay_result *res)
{
	return res->status == GK_REPLAY_FAILED || res->status == GK_REPLAY_ENVIRONMENT ||
	       res->status == GK_REPLAY_TIMEOUT;
}

/* Why the migrations after step `stop` (SIZE_MAX: none; the run was
 * interrupted between two) were not replayed (malloc'ed). */
static char *skip_reason(const plan *p, size_t stop)
{
	char why[128];
	gk_interrupt_describe(why, sizeof why);
	if (stop == SIZE_MAX)
		return gk_asprintf("not replayed: %s", why[0] ? why : "the replay stopped");
	const char *path = p->s[stop].path;
	switch (p->res[stop].status) {
	case GK_REPLAY_TIMEOUT:
		return gk_asprintf("not replayed: %s did not finish within the time limit", path);
	case GK_REPLAY_INTERRUPTED:
		return gk_asprintf("not replayed: %s", why[0] ? why : "the shadow server went away");
	default:
		return gk_asprintf("not replayed: %s did not apply", path);
	}
}

/* A prelude that did not apply: the user's init file is a finding; our
 * own history table failing is a bug of ours. */
static int record_prelude(plan *p, const step *s, const gk_replay_result *res)
{
	if (s->init_file)
		return failure_finding(p, s, res);
	return gk_report_add_error(p->r, GK_ERRKIND_INTERNAL, NULL, "replay: %s does not apply: %s", s->path,
				   res->message ? res->message : "unknown error") < 0 ? GK_ENOMEM : 0;
}

/* The report entry of a step's migration; one is added for a migration
 * outside the change that did not apply, so that it has a place. */
static int entry_of(plan *p, const step *s, bool bad)
{
	int idx = s->it->report_idx;
	if (idx >= 0 || !bad)
		return idx;
	idx = gk_check_add_unlinted(p->r, p->f, s->it->head);
	if (idx >= 0 && gk_report_set_history(p->r, (size_t)idx, s->it->status, NULL, NULL) < 0)
		return GK_ENOMEM;
	if (idx >= 0)
		s->it->report_idx = idx;
	return idx;
}

/* `stop`: the step that stopped the replay (SIZE_MAX: none). */
static int record_step(plan *p, size_t i, size_t stop, bool stopped)
{
	const step *s = &p->s[i];
	const gk_replay_result *res = &p->res[i];
	/* A step cut off by the run's end or the server's (GK_REPLAY_INTERRUPTED)
	 * is not the migration's failure: the run's error says what happened. */
	bool cached = i < p->from, bad = !cached && did_not_apply(res);
	if (!s->it)
		return bad ? record_prelude(p, s, res) : 0;
	int idx = entry_of(p, s, bad);
	if (idx < 0)
		return idx == -1 ? 0 : idx;
	char *why = NULL;
	if (!cached && res->status == GK_REPLAY_SKIPPED && stopped && !(why = skip_reason(p, stop)))
		return GK_ENOMEM;
	int rc = gk_report_set_replay(p->r, (size_t)idx, cached ? GK_REPLAY_OK : res->status,
				      cached ? 0 : res->duration_ms, res->sqlstate, why ? why : res->message,
				      res->traced && !cached);
	free(why);
	if (rc == 0 && bad)
		rc = gk_replay_report_stop(p->r, (size_t)idx, res);
	if (rc == 0 && bad)
		rc = failure_finding(p, s, res);
	gk_replay_reporter rr = reporter(p);
	if (rc == 0 && !cached && res->traced)
		rc = gk_replay_report_locks(&rr, (size_t)idx, &s->m, res);
	return rc;
}

static int record(plan *p, bool interrupted, gk_error *err)
{
	size_t stop = SIZE_MAX;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < p->n; i++) {
		rc = record_step(p, i, stop, stop != SIZE_MAX || interrupted);
		enum gk_replay_status st = p->res[i].status;
		if (stop == SIZE_MAX && i >= p->from && st != GK_REPLAY_OK && st != GK_REPLAY_SKIPPED)
			stop = i;
	}
	return rc < 0 ? gk_error_set(err, GK_ENOMEM, "out of memory") : 0;
}

/* ---- the lock-window estimate -------------------------------------------- */

/* On a database of its own, from the prefix's template when cached
 * (src/check/estimate.c).  Only the change's migrations the replay
 * applied, in order: the walk has no time limit of its own, and one after
 * a migration that failed meets a schema production will never have. */
static int estimate(plan *p, gk_error *err)
{
	size_t applied = p->first_traced;
	while (applied < p->n && p->res[applied].status == GK_REPLAY_OK)
		applied++;
	if ((p->rp->o->n_rows == 0 && !p->rp->o->stats_file) || p->first_traced >= applied)
		return 0;
	char *tpl = NULL;
	size_t k = 0;
	int rc = find_template(p, &k, &tpl, err);
	size_t from = tpl ? p->n_pre + k : 0;
	gk_replay_migration *m = rc == 0 ? calloc(p->n, sizeof *m) : NULL;
	if (rc == 0 && !m)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	for (size_t i = 0; m && i < p->n; i++)
		m[i] = p->s[i].m;
	if (m)
		rc = gk_check_estimate_folder(p->rp, p->r, tpl, m + from, p->first_traced - from, m + p->first_traced,
					      applied - p->first_traced, err);
	free(m);
	free(tpl);
	return rc;
}

/* ---- one folder ------------------------------------------------------------ */


int gk_check_replay_folder(gk_check_replay *rp, gk_report *r, gk_check_folder *f, gk_error *err)
{
	if (!rp->shadow || rp->lost)
		return 0;
	plan p = {.rp = rp, .r = r, .f = f, .t0 = gk_now()};
	char *conninfo = NULL, *dbname = NULL;
	int rc = read_init(rp, err);
	if (rc == 0)
		rc = build_plan(&p, err);
	if (rc == 0)
		rc = open_database(&p, &conninfo, &dbname, err);
	/* The init file, written by the repository's owner, runs as the
	 * shadow's superuser; migrations as its role. */
	char *init_ci = rc == 0 && rp->init_text ? gk_shadow_superuser_conninfo(rp->shadow, dbname) : NULL;
	for (size_t i = 0; init_ci && i < p.n_pre; i++)
		if (p.s[i].init_file)
			p.s[i].m.conninfo = init_ci;
	if (rc == 0)
		rc = run_plan(&p, conninfo, dbname, err);
	if (rp->o->progress)
		rp->o->progress(rp->o->progress_ctx, p.n, p.n, NULL, gk_now() - p.t0);
	if (rc == GK_EINFRA) {
		/* The shadow went away: what ran is still worth reporting; the
		 * run exits 3 for the error. */
		gk_one_line(err->msg);
		rc = gk_report_add_error(r, GK_ERRKIND_DB_CONNECT, NULL, "%s", err->msg) < 0 ? GK_ENOMEM : 0;
		rp->lost = true;
	}
	/* Interrupted: what ran is recorded, then the run ends (the caller
	 * reports the interruption once for the whole run). */
	bool interrupted = rc == GK_EINTR;
	if (rc == 0 || interrupted)
		rc = record(&p, interrupted, err) < 0 ? GK_ENOMEM : rc;
	if (rc == 0 && (rc = estimate(&p, err)) == GK_EINFRA) {
		rc = gk_report_add_error(r, GK_ERRKIND_DB_CONNECT, NULL, "%s", err->msg) < 0 ? GK_ENOMEM : 0;
		rp->lost = true;
	}
	if (rc == 0 || rc == GK_EINTR)
		gk_report_add_replay_totals(r, p.n - p.n_pre, p.from > p.n_pre ? p.from - p.n_pre : 0,
					    (gk_now() - p.t0) * 1000.0);
	free(conninfo);
	free(dbname);
	free(init_ci);
	plan_free(&p);
	return rc;
}
