/*
 * drift.c - `gatekeeper drift`: the target's schema against the schema its
 * applied migrations build (see gatekeeper/drift.h).
 *
 * Why replay exactly the applied set: a migration still pending is not
 * drift, and a migration that failed or was rolled back left nothing the
 * history vouches for.  Both sides are read by the same catalog code from
 * servers of the same major version (the server renders every definition,
 * and renderings change between majors), so that equal schemas give equal
 * snapshots.
 */
#include "gatekeeper/drift.h"
#include "gatekeeper/replay.h"
#include "gatekeeper/target.h"
#include "util/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- the expected schema by replay -------------------------------------- */

typedef struct applied_list {
	gk_replay_migration *m;
	char **texts;          /* owned, per migration */
	size_t n, cap;
} applied_list;

static void applied_free(applied_list *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->texts[i]);
	free(a->texts);
	free(a->m);
}

static int add_sql(applied_list *a, const char *path, char *text, size_t len, enum gk_runner runner)
{
	size_t cap_t = a->cap;
	if (gk_grow(&a->m, &a->cap, a->n + 1, sizeof *a->m) < 0 ||
	    gk_grow(&a->texts, &cap_t, a->n + 1, sizeof *a->texts) < 0) {
		free(text);
		return GK_ENOMEM;
	}
	a->texts[a->n] = text;
	a->m[a->n++] = (gk_replay_migration){path, text, len, runner, false};
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

/* The layout migration of folder `dir` whose joined path is `path`. */
static const gk_layout_migration *find_file(gk_layout *const *layouts, const char *const *dirs, size_t n_dirs,
					    const char *path, const char **dir)
{
	for (size_t d = 0; d < n_dirs; d++) {
		size_t dl = strlen(dirs[d]);
		if (strncmp(path, dirs[d], dl) != 0 || path[dl] != '/')
			continue;
		for (size_t i = 0; i < layouts[d]->n_migrations; i++)
			if (!strcmp(layouts[d]->migrations[i].path, path + dl + 1)) {
				*dir = dirs[d];
				return &layouts[d]->migrations[i];
			}
	}
	return NULL;
}

static bool replayed(enum gk_applied_status s)
{
	/* An edited file is replayed as it is now: the closest the folder can
	 * say; `gatekeeper status` reports the edit. */
	return s == GK_APPLIED_APPLIED || s == GK_APPLIED_EDITED;
}

/* The applied migrations of `st`, in order, with their SQL. */
static int collect_applied(applied_list *a, const gk_target_state *st, const gk_drift_options *o, gk_error *err)
{
	gk_layout **layouts = calloc(o->n_dirs + 1, sizeof *layouts);
	int rc = layouts ? 0 : gk_error_set(err, GK_ENOMEM, "out of memory");
	for (size_t d = 0; rc == 0 && d < o->n_dirs; d++)
		rc = gk_layout_read_dir(&layouts[d], st->kind, o->dirs[d], err);
	for (size_t i = 0; rc == 0 && i < st->n_migrations; i++) {
		const gk_target_migration *tm = &st->migrations[i];
		if (tm->status == GK_APPLIED_MISSING)
			rc = gk_error_set(err, GK_ECONFIG,
					  "%s was applied to the target but is not in the folder, so the schema the "
					  "migrations build cannot be replayed; run `gatekeeper status`, or compare with a "
					  "snapshot (--expected FILE)", tm->path);
		if (rc || !replayed(tm->status))
			continue;
		const char *dir = NULL;
		const gk_layout_migration *lm = find_file(layouts, o->dirs, o->n_dirs, tm->path, &dir);
		char *text = NULL;
		size_t len = 0;
		if (!lm)
			rc = gk_error_set(err, GK_ECONFIG, "%s: applied, but not found in the folder's layout", tm->path);
		if (rc == 0)
			rc = read_migration(&text, &len, tm->path, lm, err);
		if (rc == 0 && add_sql(a, tm->path, text, len, tm->runner) < 0)
			rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	for (size_t d = 0; layouts && d < o->n_dirs; d++)
		gk_layout_free(layouts[d]);
	free(layouts);
	return rc;
}

/* What the tool makes before its first migration, then the user's init file. */
static int add_preludes(applied_list *a, enum gk_layout_kind kind, const gk_drift_options *o, gk_error *err)
{
	const char *history = gk_layout_history_table_sql(kind);
	if (history && add_sql(a, "(history table)", gk_strdup(history), strlen(history), GK_RUNNER_NONE) < 0)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	if (!o->shadow_init)
		return 0;
	char *text;
	size_t len;
	if (gk_read_file(&text, &len, o->shadow_init, 64u << 20) < 0)
		return gk_error_set(err, GK_ECONFIG, "shadow init file %s: cannot be read: %s", o->shadow_init,
				    strerror(errno));
	return add_sql(a, o->shadow_init, text, len, GK_RUNNER_NONE) < 0 ? gk_error_set(err, GK_ENOMEM, "out of memory")
									: 0;
}

/* A migration that does not apply: no expected schema, and a finding. */
static int replay_failure(gk_report *r, const gk_drift_options *o, const gk_replay_migration *m,
			  const gk_replay_result *res)
{
	bool env = res->status == GK_REPLAY_ENVIRONMENT;
	char *msg = env ? gk_asprintf("the shadow database lacks %s, which this applied migration needs: %s; the "
				      "expected schema could not be built, so drift was not checked",
				      res->missing ? res->missing : "something", res->message ? res->message : "")
			: gk_asprintf("this applied migration does not apply on a fresh database: %s (SQLSTATE %s); the "
				      "expected schema could not be built, so drift was not checked",
				      res->message ? res->message : "", res->sqlstate[0] ? res->sqlstate : "none");
	gk_finding f = {.message = msg, .path = (char *)m->path};
	int rc = msg ? gk_lint_add_rule_finding(r, &o->lint, env ? "replay-environment" : "replay-failed", &f) : GK_ENOMEM;
	free(msg);
	return rc;
}

static int expected_by_replay(gk_catalog **out, gk_report *r, const gk_drift_options *o, const gk_target_state *st,
			      const gk_catalog_options *co, gk_error *err)
{
	applied_list a = {0};
	int rc = add_preludes(&a, st->kind, o, err);
	if (rc == 0)
		rc = collect_applied(&a, st, o, err);
	gk_shadow *s = NULL;
	if (rc == 0)
		rc = gk_shadow_open(&s, &o->shadow, err);
	gk_replay_result *res = rc == 0 ? calloc(a.n + 1, sizeof *res) : NULL;
	if (rc == 0 && !res)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	if (rc == 0)
		rc = gk_replay_run(res, gk_shadow_conninfo(s), a.m, a.n, err);
	size_t bad = a.n;
	for (size_t i = 0; rc == 0 && i < a.n && bad == a.n; i++)
		if (res[i].status != GK_REPLAY_OK)
			bad = i;
	if (rc == 0 && bad < a.n)
		rc = replay_failure(r, o, &a.m[bad], &res[bad]);
	else if (rc == 0)
		rc = gk_catalog_read(out, gk_shadow_conninfo(s), co, err);
	if (res)
		gk_replay_results_free(res, a.n);
	free(res);
	gk_shadow_close(s);
	applied_free(&a);
	return rc;
}

/* ---- comparing ------------------------------------------------------------ */

static const char *rule_of(enum gk_catalog_change_kind k)
{
	return k == GK_CATALOG_MISSING ? "drift-missing" : k == GK_CATALOG_UNEXPECTED ? "drift-unexpected"
										       : "drift-changed";
}

static int report_diff(gk_report *r, const gk_drift_options *o, const gk_catalog_diff_result *d)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < d->n_changes; i++) {
		const gk_catalog_change *c = &d->changes[i];
		gk_finding f = {.message = c->message, .object_kind = c->object_kind, .object = c->object,
				.attribute = c->attribute, .expected = c->expected, .actual = c->actual};
		rc = gk_lint_add_rule_finding(r, &o->lint, rule_of(c->kind), &f);
	}
	for (size_t i = 0; rc == 0 && i < d->n_uncompared; i++) {
		char *note = gk_asprintf("%s: not compared: %s", d->uncompared[i].kind, d->uncompared[i].reason);
		rc = note ? gk_report_add_note(r, note) : GK_ENOMEM;
		free(note);
	}
	return rc;
}

static int compare(gk_report *r, const gk_drift_options *o, const gk_catalog *expected, const gk_catalog_options *co,
		   gk_error *err)
{
	gk_catalog *actual = NULL;
	int rc = gk_catalog_read(&actual, o->target_url, co, err);
	if (rc < 0)
		return rc;
	gk_catalog_diff_options dopt = {.schemas = o->schemas, .n_schemas = o->n_schemas, .ignore = o->ignore,
					.n_ignore = o->n_ignore};
	gk_catalog_diff_result *d = NULL;
	rc = gk_catalog_diff(&d, expected, actual, &dopt, err);
	if (rc == 0 && report_diff(r, o, d) < 0)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	gk_catalog_diff_free(d);
	gk_catalog_free(actual);
	return rc;
}

/* ---- the run ------------------------------------------------------------- */

/* An unreachable server is a db_connect error on the report (exit 3). */
static int infra(gk_report *r, int rc, const gk_error *err)
{
	if (rc != GK_EINFRA)
		return rc;
	return gk_report_add_error(r, GK_ERRKIND_DB_CONNECT, NULL, "%s", err->msg) < 0 ? GK_ENOMEM : 0;
}

static int expected_side(gk_catalog **out, gk_report *r, const gk_drift_options *o, const gk_catalog_options *co,
			 gk_error *err)
{
	if (o->expected_path)
		return gk_catalog_load(out, o->expected_path, err);
	if (o->n_dirs == 0)
		return gk_error_set(err, GK_ECONFIG, "drift: name the migration folder, or a snapshot with --expected FILE");
	gk_target *t = NULL;
	gk_target_state *st = NULL;
	int rc = gk_target_connect(&t, o->target_url, err);
	if (rc == 0)
		rc = gk_target_status(&st, t, o->dirs, o->n_dirs, o->layout, o->history_table, err);
	if (rc == 0 && gk_report_set_target(r, gk_target_where(t), st->table, st->table_exists,
					    gk_layout_kind_name(st->kind), gk_target_server_version(t)) < 0)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	gk_target_close(t);
	if (rc == 0)
		rc = expected_by_replay(out, r, o, st, co, err);
	gk_target_status_free(st);
	return rc;
}

int gk_drift_run(gk_report *r, const gk_drift_options *o, gk_error *err)
{
	if (!o->target_url || !*o->target_url)
		return gk_error_set(err, GK_ECONFIG, "drift: no target database: give --database URL or set DATABASE_URL");
	gk_catalog_options co = {.schemas = o->schemas, .n_schemas = o->n_schemas};
	gk_catalog *expected = NULL;
	int rc = expected_side(&expected, r, o, &co, err);
	if (rc == 0 && expected)
		rc = compare(r, o, expected, &co, err);
	gk_catalog_free(expected);
	return infra(r, rc, err);
}
