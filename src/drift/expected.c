/*
 * expected.c - the schema a target should have, built on the shadow from
 * the migrations its history records as applied (see drift_internal.h).
 *
 * Why exactly the applied set: a migration still pending is not drift, and
 * one that failed or was rolled back left nothing the history vouches for.
 * Both sides are read by the same catalog code from servers of the same
 * major version (the server renders every definition, and renderings change
 * between majors), so that equal schemas give equal snapshots.
 *
 * With the template cache, the expected schema of an applied set is kept as
 * a template named by the chain hash of its migrations: the scheduled drift
 * job and every gate until the next deploy clone it instead of replaying.
 */
#include "drift/drift_internal.h"
#include "gatekeeper/replay_report.h"
#include "util/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 2: templates hold objects of the replay role, not of the superuser. */
#define SEED_TAG "gatekeeper expected schema 2"

bool gk_drift_is_applied(enum gk_applied_status s)
{
	return s == GK_APPLIED_APPLIED || s == GK_APPLIED_EDITED;
}

bool gk_drift_is_pending(enum gk_applied_status s)
{
	return s == GK_APPLIED_PENDING || s == GK_APPLIED_DIVERGED || s == GK_APPLIED_ROLLED_BACK;
}

/* ---- the plan ------------------------------------------------------------- */

void gk_drift_plan_free(gk_drift_plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->texts[i]);
	free(p->texts);
	free(p->m);
	free(p->tm);
	free(p->hash);
	memset(p, 0, sizeof *p);
}

/* Add an entry; takes `text` in every case. */
static int add(gk_drift_plan *p, const char *path, char *text, size_t len, enum gk_runner runner,
	       const gk_target_migration *tm)
{
	size_t cap_t = p->cap, cap_tm = p->cap;
	if (!text || gk_grow(&p->m, &p->cap, p->n + 1, sizeof *p->m) < 0 ||
	    gk_grow(&p->texts, &cap_t, p->n + 1, sizeof *p->texts) < 0 ||
	    gk_grow(&p->tm, &cap_tm, p->n + 1, sizeof *p->tm) < 0) {
		free(text);
		return GK_ENOMEM;
	}
	p->texts[p->n] = text;
	p->tm[p->n] = tm;
	p->m[p->n++] = (gk_replay_migration){path, text, len, runner, false, NULL};
	return 0;
}

/* The migration's SQL as its tool sends it: dbmate's up section, what
 * precedes it blanked so that positions stay those of the file. */
static int read_migration(char **out, size_t *len, const char *path, const gk_layout_migration *m, gk_error *err)
{
	if (gk_read_file(out, len, path, 64u << 20) < 0)
		return gk_error_set(err, GK_ECONFIG, "%s: cannot be read: %s", path, strerror(errno));
	if (m->up_end != GK_LAYOUT_END && m->up_end < *len)
		(*out)[*len = m->up_end] = '\0';
	for (size_t i = 0; i < m->up_start && i < *len; i++)
		if ((*out)[i] != '\n' && (*out)[i] != '\r')
			(*out)[i] = ' ';
	return 0;
}

/* The layout migration of the folders whose joined path is `path`. */
static const gk_layout_migration *find_file(gk_layout *const *layouts, const char *const *dirs, size_t n_dirs,
					    const char *path)
{
	for (size_t d = 0; d < n_dirs; d++) {
		size_t dl = strlen(dirs[d]);
		if (strncmp(path, dirs[d], dl) != 0 || path[dl] != '/')
			continue;
		for (size_t i = 0; i < layouts[d]->n_migrations; i++)
			if (!strcmp(layouts[d]->migrations[i].path, path + dl + 1))
				return &layouts[d]->migrations[i];
	}
	return NULL;
}

static int add_migration(gk_drift_plan *p, gk_layout *const *layouts, const char *const *dirs, size_t n_dirs,
			 const gk_target_migration *tm, gk_error *err)
{
	const gk_layout_migration *lm = find_file(layouts, dirs, n_dirs, tm->path);
	if (!lm)
		return gk_error_set(err, GK_ECONFIG, "%s: on the target's history, but not found in the folder's layout",
				    tm->path);
	char *text = NULL;
	size_t len = 0;
	int rc = read_migration(&text, &len, tm->path, lm, err);
	if (rc == 0 && add(p, tm->path, text, len, tm->runner, tm) < 0)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	return rc;
}

/* The migrations of `st` that pass `which`, in the tool's order. */
static int add_migrations(gk_drift_plan *p, const gk_target_state *st, const char *const *dirs, size_t n_dirs,
			  bool (*which)(enum gk_applied_status), gk_error *err)
{
	gk_layout **layouts = calloc(n_dirs + 1, sizeof *layouts);
	int rc = layouts ? 0 : gk_error_set(err, GK_ENOMEM, "out of memory");
	for (size_t d = 0; rc == 0 && d < n_dirs; d++)
		rc = gk_layout_read_dir(&layouts[d], st->kind, dirs[d], err);
	for (size_t i = 0; rc == 0 && i < st->n_migrations; i++) {
		const gk_target_migration *tm = &st->migrations[i];
		if (which(tm->status))
			rc = add_migration(p, layouts, dirs, n_dirs, tm, err);
	}
	for (size_t d = 0; layouts && d < n_dirs; d++)
		gk_layout_free(layouts[d]);
	free(layouts);
	return rc;
}

/* What the tool makes before its first migration, then the user's init file. */
static int add_preludes(gk_drift_plan *p, enum gk_layout_kind kind, const char *shadow_init, gk_error *err)
{
	const char *history = gk_layout_history_table_sql(kind);
	if (history && add(p, "(history table)", gk_strdup(history), strlen(history), GK_RUNNER_NONE, NULL) < 0)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	if (!shadow_init)
		return 0;
	char *text;
	size_t len;
	if (gk_read_file(&text, &len, shadow_init, 64u << 20) < 0)
		return gk_error_set(err, GK_ECONFIG, "shadow init file %s: cannot be read: %s", shadow_init,
				    strerror(errno));
	p->has_init = true;
	return add(p, shadow_init, text, len, GK_RUNNER_NONE, NULL) < 0 ? gk_error_set(err, GK_ENOMEM, "out of memory")
									 : 0;
}

int gk_drift_plan_build(gk_drift_plan *p, const gk_target_state *st, const char *const *dirs, size_t n_dirs,
			const char *shadow_init, bool pending, gk_error *err)
{
	memset(p, 0, sizeof *p);
	int rc = add_preludes(p, st->kind, shadow_init, err);
	p->n_pre = p->n;
	if (rc == 0)
		rc = add_migrations(p, st, dirs, n_dirs, gk_drift_is_applied, err);
	p->n_expected = p->n;
	if (rc == 0 && pending)
		rc = add_migrations(p, st, dirs, n_dirs, gk_drift_is_pending, err);
	for (size_t i = p->n_expected; i < p->n; i++)
		p->m[i].trace = true;
	return rc;
}

/* ---- the expected database ------------------------------------------------ */

/* Chain hashes of the expected migrations (hash[i] after entry n_pre + i),
 * seeded with the preludes' bytes. */
static int chain(gk_drift_plan *p, gk_error *err)
{
	gk_buf seed = GK_BUF_INIT;
	gk_buf_puts(&seed, SEED_TAG);
	for (size_t i = 0; i < p->n_pre; i++)
		gk_buf_printf(&seed, "%c%s", 0, p->texts[i]);
	size_t seed_len = seed.len;
	char *seed_text = gk_buf_take(&seed);
	p->hash = calloc(p->n_expected - p->n_pre + 1, sizeof *p->hash);
	if (!seed_text || !p->hash) {
		free(seed_text);
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	int rc = gk_replay_chain(p->hash, seed_text, seed_len, p->m + p->n_pre, p->n_expected - p->n_pre, err);
	free(seed_text);
	return rc;
}

/* The longest cached prefix of the expected migrations: *tpl names its
 * template (NULL: none) and *from the first entry still to replay. */
static int find_template(gk_shadow *s, gk_drift_plan *p, size_t *from, char **tpl, gk_error *err)
{
	*tpl = NULL;
	*from = 0;
	size_t n = p->n_expected - p->n_pre;
	if (!gk_shadow_cached(s) || n == 0)
		return 0;
	const char **h = NULL;
	int rc = chain(p, err);
	if (rc == 0 && !(h = calloc(n, sizeof *h)))
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	for (size_t i = 0; rc == 0 && i < n; i++)
		h[i] = p->hash[i];
	size_t k = 0;
	if (rc == 0)
		rc = gk_shadow_template_find(s, h, n, &k, tpl, err);
	if (rc == 0 && *tpl)
		*from = p->n_pre + k;
	free(h);
	return rc;
}

/* Keep the expected schema for the next run (the last link names it). */
static void store(gk_shadow *s, const gk_drift_plan *p, const char *dbname)
{
	gk_error keep = {0};
	if (gk_shadow_template_store(s, dbname, p->hash[p->n_expected - p->n_pre - 1], &keep) < 0)
		fprintf(stderr, "gatekeeper: replay cache: could not keep the expected schema: %s\n", keep.msg);
}

void gk_drift_expected_free(gk_drift_expected *e, const gk_drift_plan *p)
{
	free(e->conninfo);
	free(e->dbname);
	if (e->res)
		gk_replay_results_free(e->res, p->n);
	free(e->res);
	memset(e, 0, sizeof *e);
}

static int new_database(gk_drift_expected *e, gk_shadow *s, const char *tpl, gk_error *err)
{
	if (tpl)
		return gk_shadow_new_database(s, tpl, &e->conninfo, &e->dbname, err);
	e->conninfo = gk_strdup(gk_shadow_conninfo(s));
	e->dbname = gk_strdup(gk_shadow_dbname(s));
	return e->conninfo && e->dbname ? 0 : gk_error_set(err, GK_ENOMEM, "out of memory");
}

int gk_drift_expected_build(gk_drift_expected *e, gk_shadow *s, gk_drift_plan *p, gk_error *err)
{
	memset(e, 0, sizeof *e);
	double t0 = gk_now();
	e->res = calloc(p->n + 1, sizeof *e->res);
	if (!e->res)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	for (size_t i = 0; i < p->n; i++) {
		e->res[i].status = GK_REPLAY_SKIPPED;
		e->res[i].error_offset = -1;
	}
	char *tpl = NULL;
	size_t from = 0;
	int rc = find_template(s, p, &from, &tpl, err);
	if (rc == 0)
		rc = new_database(e, s, tpl, err);
	free(tpl);
	for (size_t i = 0; i < from; i++)
		e->res[i].status = GK_REPLAY_OK;
	e->reused = from > p->n_pre ? from - p->n_pre : 0;
	/* The init file runs as the shadow's superuser, migrations as its role. */
	char *init_ci = rc == 0 && p->has_init ? gk_shadow_superuser_conninfo(s, e->dbname) : NULL;
	if (init_ci)
		p->m[p->n_pre - 1].conninfo = init_ci;
	if (rc == 0 && from < p->n_expected)
		rc = gk_replay_run(e->res + from, e->conninfo, p->m + from, p->n_expected - from, err);
	if (init_ci)
		p->m[p->n_pre - 1].conninfo = NULL;
	free(init_ci);
	e->bad = p->n_expected;
	for (size_t i = 0; rc == 0 && i < p->n_expected && e->bad == p->n_expected; i++)
		if (e->res[i].status != GK_REPLAY_OK)
			e->bad = i;
	if (rc == 0 && e->bad == p->n_expected && p->hash && from < p->n_expected)
		store(s, p, e->dbname);
	e->duration_ms = (gk_now() - t0) * 1000.0;
	return rc;
}

int gk_drift_report_unbuilt(gk_report *r, const gk_lint_options *o, const gk_drift_plan *p,
			    const gk_drift_expected *e)
{
	if (e->bad >= p->n_expected)
		return 0;
	gk_replay_reporter rr = {.r = r, .o = o,
				 .consequence = "the expected schema could not be built, so drift was not checked"};
	const char *what = p->tm[e->bad] ? "this applied migration" : "the shadow init file";
	if (!p->tm[e->bad] && e->bad == 0 && strcmp(p->m[0].path, "(history table)") == 0)
		return gk_report_add_error(r, GK_ERRKIND_INTERNAL, NULL, "replay: the tool's history table does not apply: %s",
					   e->res[0].message ? e->res[0].message : "unknown error") < 0 ? GK_ENOMEM : 0;
	return gk_replay_report_failure(&rr, &p->m[e->bad], &e->res[e->bad], what);
}

/* ---- comparing ------------------------------------------------------------ */

static const char *rule_of(enum gk_catalog_change_kind k)
{
	return k == GK_CATALOG_MISSING ? "drift-missing" : k == GK_CATALOG_UNEXPECTED ? "drift-unexpected"
										       : "drift-changed";
}

static int report_diff(gk_report *r, const gk_lint_options *o, const gk_catalog_diff_result *d)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < d->n_changes; i++) {
		const gk_catalog_change *c = &d->changes[i];
		gk_finding f = {.message = c->message, .object_kind = c->object_kind, .object = c->object,
				.attribute = c->attribute, .expected = c->expected, .actual = c->actual};
		rc = gk_lint_add_rule_finding(r, o, rule_of(c->kind), &f);
	}
	for (size_t i = 0; rc == 0 && i < d->n_uncompared; i++) {
		char *note = gk_asprintf("%s: not compared: %s", d->uncompared[i].kind, d->uncompared[i].reason);
		rc = note ? gk_report_add_note(r, note) : GK_ENOMEM;
		free(note);
	}
	return rc;
}

int gk_drift_compare(gk_report *r, const gk_lint_options *o, const gk_catalog *expected, const char *target_url,
		     const gk_catalog_options *co, const gk_catalog_diff_options *dopt, gk_error *err)
{
	gk_catalog *actual = NULL;
	char *url = gk_target_libpq_url(target_url);
	int rc = url ? gk_catalog_read(&actual, url, co, err) : gk_error_set(err, GK_ENOMEM, "out of memory");
	free(url);
	if (rc < 0)
		return rc;
	gk_catalog_diff_result *d = NULL;
	rc = gk_catalog_diff(&d, expected, actual, dopt, err);
	if (rc == 0 && report_diff(r, o, d) < 0)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	gk_catalog_diff_free(d);
	gk_catalog_free(actual);
	return rc;
}

int gk_drift_infra(gk_report *r, int rc, const gk_error *err)
{
	if (rc != GK_EINFRA)
		return rc;
	return gk_report_add_error(r, GK_ERRKIND_DB_CONNECT, NULL, "%s", err->msg) < 0 ? GK_ENOMEM : 0;
}
