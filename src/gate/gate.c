/*
 * gate.c - `gatekeeper gate`: may the pending migrations be deployed to
 * the target now?  (see gatekeeper/gate.h)
 *
 * One read-only session on the target serves the whole run: the status,
 * the health checks, the table sizes and the sessions are read through
 * it; the drift snapshot opens its own, as `drift` does.  On the shadow,
 * the expected schema (the applied migrations, or their cached template)
 * is snapshotted for the drift check, then the pending migrations are
 * replayed on that same database, traced: the shadow then holds what the
 * migrations say the target will be after the deploy.
 *
 * Order matters for the reader, not for the verdict: each check adds its
 * findings to the one report, and gk_report_finish() decides.
 */
#include "gatekeeper/gate.h"
#include "catalog/stats.h"
#include "estimate/estimate.h"
#include "gate/gate_internal.h"
#include "replay/replay_report.h"
#include "util/interrupt.h"
#include "target/preconditions.h"
#include "util/util.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The checks the gate composes, in the order the report lists them. */
enum { CHECK_STATUS, CHECK_DRIFT, CHECK_LINT, CHECK_REPLAY, CHECK_PREFLIGHT, N_CHECKS };

#define CAT(c) (1u << (c))
static const struct {
	const char *name;
	unsigned categories;
} gate_checks[N_CHECKS] = {
	[CHECK_STATUS] = {"status", CAT(GK_CAT_STATUS)},
	[CHECK_DRIFT] = {"drift", CAT(GK_CAT_DRIFT)},
	[CHECK_LINT] = {"lint", CAT(GK_CAT_LOCKING) | CAT(GK_CAT_TRANSACTION) | CAT(GK_CAT_DESTRUCTIVE) |
				CAT(GK_CAT_COMPATIBILITY) | CAT(GK_CAT_HYGIENE) | CAT(GK_CAT_META)},
	[CHECK_REPLAY] = {"replay", CAT(GK_CAT_REPLAY)},
	[CHECK_PREFLIGHT] = {"pre-flight", CAT(GK_CAT_GATE)},
};

typedef struct gate {
	gk_report *r;
	const gk_gate_options *o;
	gk_lint_options lint;        /* o->lint, with the target's version when asked */
	gk_target *t;
	gk_target_state *st;
	gk_drift_plan plan;
	gk_shadow *shadow;
	gk_drift_expected e;
	/* Relations the pending migrations locked, and their size on the target. */
	const char **rel;            /* borrowed from the replay results */
	size_t n_rel, cap_rel;
	/* The report's check entries: the first one's index, and which ran. */
	size_t check0;
	bool ran[N_CHECKS];
	bool locks_known;            /* the replay traced every pending migration's locks */
	/* The target's statistics, read once (target_stats()) for the
	 * production context and the lock-window estimate. */
	gk_stats *stats;
	bool stats_read;
	char *estimate_db;           /* conninfo of the copy of the expected schema; NULL: no estimate */
} gate;

static int oom(gk_error *err) { return gk_error_set(err, GK_ENOMEM, "out of memory"); }

static int add_checks(gate *g, gk_error *err)
{
	for (size_t i = 0; i < N_CHECKS; i++) {
		int idx = gk_report_add_check(g->r, gate_checks[i].name, gate_checks[i].categories);
		if (idx < 0)
			return oom(err);
		if (i == 0)
			g->check0 = (size_t)idx;
	}
	return 0;
}

/* Check `k` did not run, because of `why`. */
static int skip(gate *g, int k, const char *why, gk_error *err)
{
	return gk_report_skip_check(g->r, g->check0 + (size_t)k, why) < 0 ? oom(err) : 0;
}

static int note(gate *g, const char *text, gk_error *err)
{
	return gk_report_add_note(g->r, text) < 0 ? oom(err) : 0;
}

/* ---- status and health -------------------------------------------------- */

static int status(gate *g, gk_error *err)
{
	const gk_gate_options *o = g->o;
	int rc = gk_target_connect(&g->t, o->target_url, err);
	if (rc == 0)
		rc = gk_target_status(&g->st, g->t, o->dirs, o->n_dirs, o->layout, o->history_table, err);
	if (rc < 0)
		return rc;
	if (gk_target_url_note(g->t) && gk_report_add_note(g->r, gk_target_url_note(g->t)) < 0)
		return oom(err);
	int version = gk_target_server_version(g->t);
	if (o->pg_version_from_target && version > 0) {
		g->lint.pg_version = version / 10000;
		gk_report_set_pg_version(g->r, g->lint.pg_version);
	}
	g->ran[CHECK_STATUS] = true;
	return gk_target_status_report(g->r, &g->lint, g->st, gk_target_where(g->t), version) < 0 ? oom(err) : 0;
}

/* Invalid indexes and NOT VALID constraints the target carries. */
static int health(gate *g, gk_error *err)
{
	gk_target_object *x = NULL;
	size_t n = 0;
	int rc = gk_target_invalid_indexes(&x, &n, g->t, err);
	if (rc == 0 && gk_target_report_invalid_indexes(g->r, &g->lint, x, n) < 0)
		rc = oom(err);
	gk_target_objects_free(x, n);
	x = NULL;
	n = 0;
	if (rc == 0)
		rc = gk_target_unvalidated_constraints(&x, &n, g->t, err);
	if (rc == 0 && gk_target_report_unvalidated_constraints(g->r, &g->lint, x, n) < 0)
		rc = oom(err);
	gk_target_objects_free(x, n);
	g->ran[CHECK_PREFLIGHT] = rc == 0;
	return rc;
}

/* lock_timeout: external, verified on the deploying role's settings. */
static int deploy_role(gate *g, gk_error *err)
{
	if (!g->lint.lock_timeout_external)
		return g->o->deploy_role ? note(g, "--deploy-role is only read with lock_timeout: external", err) : 0;
	const char *from = !g->o->deploy_role ? "the connecting user; name the deploying role with --deploy-role"
			 : g->o->deploy_role_from ? g->o->deploy_role_from : "--deploy-role";
	gk_target_role_setting s;
	int rc = gk_target_role_lock_timeout(&s, g->t, g->o->deploy_role, err);
	if (rc == 0 && gk_target_report_role_lock_timeout(g->r, &g->lint, &s, from) < 0)
		rc = oom(err);
	gk_target_role_setting_free(&s);
	return rc;
}

/* ---- the lint of the pending migrations ---------------------------------- */

/* The lint's entries and findings into the status's entries of the same paths. */
static int merge_lint(gk_report *dst, const gk_report *src)
{
	for (size_t i = 0; i < src->n_migrations; i++) {
		const gk_migration *m = &src->migrations[i];
		int idx = gk_report_find_migration(dst, m->path);
		if (idx < 0 && (idx = gk_report_add_migration(dst, m->path, m->statements, m->runner)) < 0)
			return idx;
		gk_report_set_linted(dst, (size_t)idx, m->statements, m->runner);
		gk_report_set_statements_total(dst, (size_t)idx, m->statements_total);
		if (gk_report_set_runner_why(dst, (size_t)idx, m->runner_why.tool, m->runner_why.version,
					     m->runner_why.source, m->runner_why.reason) < 0)
			return GK_ENOMEM;
	}
	for (size_t i = 0; i < src->n_findings; i++)
		if (gk_report_add_finding(dst, &src->findings[i]) < 0)
			return GK_ENOMEM;
	for (size_t i = 0; i < src->n_errors; i++)
		if (gk_report_add_error(dst, src->errors[i].kind, src->errors[i].path, "%s", src->errors[i].message) < 0)
			return GK_ENOMEM;
	return 0;
}

/* The pending migrations, linted with the model the applied ones teach. */
static int lint_pending(gate *g, gk_error *err)
{
	const gk_drift_plan *p = &g->plan;
	if (p->n == p->n_expected) {
		g->ran[CHECK_LINT] = true;
		return 0;
	}
	gk_lint_input *in = calloc(p->n, sizeof *in);
	gk_report *tmp = gk_report_new("gate");
	int rc = in && tmp ? 0 : oom(err);
	size_t n = 0;
	for (size_t i = 0; rc == 0 && i < p->n; i++) {
		if (!p->tm[i])
			continue;
		bool pending = i >= p->n_expected;
		in[n++] = (gk_lint_input){.path = p->m[i].path, .text = p->m[i].sql, .len = p->m[i].len,
					  .runner = p->m[i].runner, .role = pending ? GK_LINT_CHECK : GK_LINT_CONTEXT,
					  .new_change = i == p->n_expected};
	}
	if (rc == 0)
		rc = gk_lint_inputs(tmp, &g->lint, in, n, err);
	if (rc == 0 && merge_lint(g->r, tmp) < 0)
		rc = oom(err);
	gk_report_free(tmp);
	free(in);
	g->ran[CHECK_LINT] = rc == 0;
	return rc;
}

/* ---- data preconditions ---------------------------------------------------- */

/* What the pending migrations need of the target's rows (src/target/preconditions.c). */
static int data_checks(gate *g, gk_error *err)
{
	const gk_drift_plan *p = &g->plan;
	if (p->n == p->n_expected)
		return 0;
	if (g->o->data_checks == GK_DATA_CHECKS_OFF)
		return note(g, "the data preconditions of the pending migrations were not checked (--data-checks off)",
			    err);
	gk_precheck_input *in = calloc(p->n - p->n_expected, sizeof *in);
	if (!in)
		return oom(err);
	size_t n = 0;
	for (size_t i = p->n_expected; i < p->n; i++)
		if (p->tm[i])
			in[n++] = (gk_precheck_input){.path = p->m[i].path, .text = p->m[i].sql, .len = p->m[i].len};
	gk_precheck_options po = {.sample = g->o->data_checks == GK_DATA_CHECKS_SAMPLE,
				  .timeout_ms = (int)(g->o->data_check_timeout_s * 1000.0)};
	int rc = gk_target_data_checks(g->r, &g->lint, g->t, in, n, &po, err);
	free(in);
	return rc;
}

/* ---- lock conflicts ------------------------------------------------------- */

/* pg_locks' table lock modes, weakest first (PostgreSQL's own numbering - 1). */
static const char *const lock_modes[] = {
	"AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock",
	"ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock",
};

/* Which modes each mode conflicts with, as bits of lock_modes (the table
 * "Conflicting Lock Modes" of the documentation). */
static const unsigned lock_conflicts[] = {
	0x80, 0xC0, 0xF0, 0xF8, 0xEC, 0xFC, 0xFE, 0xFF,
};

static int mode_index(const char *mode)
{
	for (size_t i = 0; i < sizeof lock_modes / sizeof *lock_modes; i++)
		if (!strcmp(mode, lock_modes[i]))
			return (int)i;
	return -1;
}

static bool conflicts(const char *a, const char *b)
{
	int i = mode_index(a), k = mode_index(b);
	return i >= 0 && k >= 0 && (lock_conflicts[i] >> k & 1u);
}

/* Does migration result `res` take a lock on `relation` that conflicts with `mode`? */
static bool migration_conflicts(const gk_replay_result *res, const char *relation, const char *mode)
{
	for (size_t i = 0; i < res->n_locks; i++)
		if (!strcmp(res->locks[i].relation, relation) && conflicts(res->locks[i].mode, mode))
			return true;
	return false;
}

/* ---- the target's side of the pending locks ------------------------------- */

static int rel_add(gate *g, const char *relation)
{
	for (size_t i = 0; i < g->n_rel; i++)
		if (!strcmp(g->rel[i], relation))
			return 0;
	if (gk_grow(&g->rel, &g->cap_rel, g->n_rel + 1, sizeof *g->rel) < 0)
		return GK_ENOMEM;
	g->rel[g->n_rel++] = relation;
	return 0;
}

static int target_stats(gate *g, gk_error *err);

/* Every relation a pending migration locked, and the target's statistics
 * for their sizes (read once: the production context and the estimate
 * use the same). */
static int pending_relations(gate *g, gk_error *err)
{
	for (size_t i = g->plan.n_expected; i < g->plan.n; i++)
		for (size_t k = 0; k < g->e.res[i].n_locks; k++)
			if (rel_add(g, g->e.res[i].locks[k].relation) < 0)
				return oom(err);
	return g->n_rel ? target_stats(g, err) : 0;
}

/* "public.users, ~12M rows, 3.1 GB" for the lock findings (gk_replay_reporter). */
static char *size_note(void *ctx, const char *relation)
{
	const gate *g = ctx;
	const gk_stats_index *ix = NULL;
	const gk_stats_table *t = g->stats ? gk_stats_find_quoted(g->stats, relation, &ix) : NULL;
	if (!t)
		return NULL; /* not on the target: the pending migrations create it */
	gk_target_table_size z = {.name = (char *)relation, .relation = (char *)relation,
				  .rows = (double)(ix ? ix->reltuples : t->reltuples),
				  .bytes = ix ? ix->total_bytes : t->total_bytes};
	char buf[256];
	gk_target_size_text(buf, sizeof buf, &z);
	return gk_strdup(buf);
}

/*
 * The sessions of `s` whose lock conflicts with one migration `res` takes,
 * one entry per session: a query on a table also holds its indexes, and
 * the reader wants one line per session naming them all.  The entries
 * borrow from `s` except `relation`, which is "a, b, c" (owned).
 */
static int conflicting(const gk_replay_result *res, const gk_target_session *s, size_t ns, gk_target_session *hit,
		       size_t *n_hit)
{
	*n_hit = 0;
	for (size_t k = 0; k < ns; k++) {
		if (!migration_conflicts(res, s[k].relation, s[k].mode))
			continue;
		size_t j = 0;
		while (j < *n_hit && hit[j].pid != s[k].pid)
			j++;
		char *rel = j < *n_hit ? gk_asprintf("%s, %s", hit[j].relation, s[k].relation) : gk_strdup(s[k].relation);
		if (!rel)
			return GK_ENOMEM;
		if (j == *n_hit)
			hit[(*n_hit)++] = s[k];
		else
			free(hit[j].relation);
		hit[j].relation = rel;
	}
	return 0;
}

/* ---- what CONCURRENTLY waits for ------------------------------------------ */

/* The CONCURRENTLY statements of each pending migration, and what they wait for. */
typedef struct conc {
	gk_drift_concurrently **st;  /* per plan entry (pending ones only) */
	size_t *n_st;
	const char **names;          /* borrowed from st: the relations named */
	size_t n_names, cap_names;
	gk_target_session *w;        /* gk_target_concurrently_waits */
	size_t n_w;
} conc;

static void conc_free(conc *c, size_t n)
{
	for (size_t i = 0; c->st && c->n_st && i < n; i++)
		gk_drift_concurrently_free(c->st[i], c->n_st[i]);
	free(c->st);
	free(c->n_st);
	free(c->names);
	gk_target_sessions_free(c->w, c->n_w);
}

static int conc_name(conc *c, const char *name)
{
	for (size_t i = 0; i < c->n_names; i++)
		if (!strcmp(c->names[i], name))
			return 0;
	if (gk_grow(&c->names, &c->cap_names, c->n_names + 1, sizeof *c->names) < 0)
		return GK_ENOMEM;
	c->names[c->n_names++] = name;
	return 0;
}

/* Find the statements; read the target only when a pending migration has one. */
static int conc_read(gate *g, conc *c, gk_error *err)
{
	const gk_drift_plan *p = &g->plan;
	c->st = calloc(p->n + 1, sizeof *c->st);
	c->n_st = calloc(p->n + 1, sizeof *c->n_st);
	if (!c->st || !c->n_st)
		return oom(err);
	size_t found = 0;
	for (size_t i = p->n_expected; i < p->n; i++) {
		if (!p->tm[i])
			continue;
		if (gk_drift_find_concurrently(p->m[i].sql, p->m[i].len, &c->st[i], &c->n_st[i]) != 0)
			return oom(err);
		found += c->n_st[i];
		for (size_t k = 0; k < c->n_st[i]; k++) {
			gk_drift_concurrently *st = &c->st[i][k];
			if (st->relation && conc_name(c, st->relation) < 0)
				return oom(err);
			/* REINDEX SCHEMA / DATABASE: the lock holders of every table. */
			int rc = st->schema || st->database
					 ? gk_target_reindex_tables(&st->tables, &st->n_tables, g->t, st->schema, err) : 0;
			if (rc < 0)
				return rc;
			for (size_t j = 0; j < st->n_tables; j++)
				if (conc_name(c, st->tables[j]) < 0)
					return oom(err);
		}
	}
	return found ? gk_target_concurrently_waits(&c->w, &c->n_w, g->t, c->names, c->n_names, err) : 0;
}

static bool has_pid(const gk_target_session *s, size_t n, int pid)
{
	for (size_t i = 0; i < n; i++)
		if (s[i].pid == pid)
			return true;
	return false;
}

/* Does statement `st` wait for session `w` (gk_target_concurrently_waits)? */
static bool waits_for(const gk_drift_concurrently *st, const gk_target_session *w)
{
	if (!w->asked)
		return st->snapshots;
	bool named = st->relation && strcmp(w->asked, st->relation) == 0;
	for (size_t i = 0; !named && i < st->n_tables; i++)
		named = strcmp(w->asked, st->tables[i]) == 0;
	if (!named)
		return false;
	/* CREATE INDEX CONCURRENTLY: a lock conflicting with SHARE, or a place
	 * in the queue for SHARE UPDATE EXCLUSIVE; readers do not hold it. */
	return st->all_lockers || (strcmp(w->mode, "AccessShareLock") != 0 && strcmp(w->mode, "RowShareLock") != 0);
}

/*
 * The sessions pending migration `i`'s CONCURRENTLY statements wait for,
 * each at the first statement that waits for it (the deploy waits there
 * first).  One finding per session: not one already reported for its
 * conflicting lock (`done`), nor twice.
 */
static int conc_report(gate *g, const conc *c, size_t i, const gk_target_session *done, size_t n_done)
{
	const gk_drift_concurrently *st = c->st[i];
	size_t n = c->n_st[i];
	gk_target_session *seen = calloc(c->n_w + 1, sizeof *seen);
	size_t n_seen = 0;
	int rc = seen ? 0 : GK_ENOMEM;
	for (size_t k = 0; rc == 0 && k < n; k++)
		for (size_t j = 0; rc == 0 && j < c->n_w; j++) {
			const gk_target_session *w = &c->w[j];
			if (!waits_for(&st[k], w) || has_pid(done, n_done, w->pid) || has_pid(seen, n_seen, w->pid))
				continue;
			seen[n_seen++] = *w;
			rc = gk_target_report_concurrently(g->r, &g->lint, g->plan.m[i].path, st[k].line, st[k].what, w, 1);
		}
	free(seen);
	return rc;
}

/*
 * Sessions on the target whose locks conflict with a pending migration's
 * (when the replay traced them), and those its CONCURRENTLY statements
 * would wait for.
 */
static int blocking_sessions(gate *g, gk_error *err)
{
	gk_target_session *s = NULL, *hit = NULL;
	size_t ns = 0;
	conc c = {0};
	int rc = g->locks_known && g->n_rel ? gk_target_blocking_sessions(&s, &ns, g->t, g->rel, g->n_rel, err) : 0;
	if (rc == 0)
		rc = conc_read(g, &c, err);
	if (rc == 0 && !(hit = calloc(ns + 1, sizeof *hit)))
		rc = oom(err);
	for (size_t i = g->plan.n_expected; rc == 0 && i < g->plan.n; i++) {
		size_t n_hit = 0;
		if (g->locks_known)
			rc = conflicting(&g->e.res[i], s, ns, hit, &n_hit);
		if (rc == 0)
			rc = gk_target_report_sessions(g->r, &g->lint, g->plan.m[i].path, hit, n_hit);
		if (rc == 0 && c.n_st[i])
			rc = conc_report(g, &c, i, hit, n_hit);
		for (size_t k = 0; k < n_hit; k++)
			free(hit[k].relation);
		if (rc < 0)
			rc = oom(err);
	}
	free(hit);
	conc_free(&c, g->plan.n);
	gk_target_sessions_free(s, ns);
	return rc;
}

/* ---- replay and drift ----------------------------------------------------- */

static int open_shadow(gate *g, gk_error *err)
{
	int rc = gk_shadow_open(&g->shadow, &g->o->shadow, err);
	if (rc < 0)
		return rc;
	int sv = gk_shadow_server_version(g->shadow) / 10000, tv = gk_target_server_version(g->t) / 10000;
	if (sv != tv)
		return gk_error_set(err, GK_ECONFIG,
				    "the shadow runs PostgreSQL %d and the target %d: the expected schema must be built "
				    "by the target's major version (give --pg-bin with PostgreSQL %d binaries, or "
				    "--shadow-url of such a server)", sv, tv, tv);
	const char *cache_note = gk_shadow_cache_note(g->shadow);
	if (cache_note)
		gk_log_printf(&g->o->log, "replay cache not used: %s", cache_note);
	const char *sandbox_note = gk_shadow_sandbox_note(g->shadow);
	if (sandbox_note && gk_report_add_note(g->r, sandbox_note) < 0)
		return oom(err);
	return gk_report_set_shadow(g->r, gk_shadow_is_embedded(g->shadow) ? "embedded" : "external",
				    gk_shadow_server_version(g->shadow)) < 0 ? oom(err) : 0;
}

static int drift(gate *g, gk_error *err)
{
	const gk_gate_options *o = g->o;
	/* --schema, else Prisma's ?schema=, as `drift` compares. */
	const char *url_schema[1] = {gk_target_url_schema(g->t)};
	const char *const *schemas = o->schemas;
	size_t n_schemas = o->n_schemas;
	gk_drift_scope sc = {.plan = &g->plan, .schemas_from = n_schemas ? "--schema" : NULL};
	if (!n_schemas && url_schema[0] && *url_schema[0]) {
		schemas = url_schema;
		n_schemas = 1;
		sc.schemas_from = "the URL's ?schema=";
	}
	gk_catalog_options co = {.schemas = schemas, .n_schemas = n_schemas, .include_grants = o->include_grants,
				 .include_owners = o->include_owners, .include_comments = o->include_comments};
	gk_catalog_diff_options dopt = {.schemas = schemas, .n_schemas = n_schemas, .ignore = o->ignore,
					.n_ignore = o->n_ignore};
	gk_catalog *expected = NULL;
	int rc = gk_catalog_read(&expected, g->e.conninfo, &co, err);
	if (rc == 0)
		rc = gk_drift_compare(g->r, &g->lint, expected, o->target_url, &co, &dopt, &sc, err);
	gk_catalog_free(expected);
	g->ran[CHECK_DRIFT] = rc == 0;
	return rc;
}

/* The replay of pending migration `i` on its report entry, with its
 * findings.  `lost`: the shadow went away, and the migration running then
 * failed for that reason, not its own (the run's db_connect error says so). */
static int record_pending(gate *g, size_t i, const char *failed, bool lost)
{
	const gk_replay_migration *m = &g->plan.m[i];
	const gk_replay_result *res = &g->e.res[i];
	int idx = gk_report_find_migration(g->r, m->path);
	if (idx < 0)
		return 0;
	char *why = NULL;
	if (res->status == GK_REPLAY_SKIPPED && failed &&
	    !(why = gk_asprintf("not replayed: %s did not apply", failed)))
		return GK_ENOMEM;
	int rc = gk_report_set_replay(g->r, (size_t)idx, res->status, res->duration_ms, res->sqlstate,
				      why ? why : res->message, res->traced);
	free(why);
	if (rc == 0)
		rc = gk_replay_report_stop(g->r, (size_t)idx, res);
	gk_replay_reporter rr = {.r = g->r, .o = &g->lint, .consequence = "the migrations after it were not replayed",
				 .relation_note = size_note, .note_ctx = g};
	if (rc == 0 && !lost && (res->status == GK_REPLAY_FAILED || res->status == GK_REPLAY_ENVIRONMENT ||
				 res->status == GK_REPLAY_TIMEOUT))
		rc = gk_replay_report_failure(&rr, m, res, "the migration");
	if (rc == 0)
		rc = gk_replay_report_locks(&rr, (size_t)idx, m, res);
	return rc;
}

/* The pending migrations on the expected schema, traced, then what the
 * target says of the relations they lock. */
static int replay_pending(gate *g, gk_error *err)
{
	gk_drift_plan *p = &g->plan;
	size_t a = p->n_expected;
	g->ran[CHECK_REPLAY] = true;
	if (a == p->n)
		return 0;
	int rc = gk_replay_run(g->e.res + a, g->e.conninfo, p->m + a, p->n - a, err);
	int lost = rc;
	if (rc == 0 || rc == GK_EINFRA)
		rc = pending_relations(g, err);
	const char *failed = NULL;
	for (size_t i = a; rc == 0 && i < p->n; i++) {
		if (record_pending(g, i, failed, lost == GK_EINFRA) < 0)
			rc = oom(err);
		if (!failed && (g->e.res[i].status == GK_REPLAY_FAILED || g->e.res[i].status == GK_REPLAY_ENVIRONMENT ||
				g->e.res[i].status == GK_REPLAY_TIMEOUT))
			failed = p->m[i].path;
	}
	g->locks_known = rc == 0 && lost == 0;
	if (rc == 0 && lost != 0 && g->n_rel)
		rc = note(g, "sessions holding the pending migrations' locks were not checked: the replay did not "
			  "finish", err);
	return rc == 0 ? lost : rc;
}

/* Does a finding predict a lock, rewrite, scan or index build?  Only
 * then is there a production context or a lock window to tell. */
static bool any_prediction(const gk_report *r)
{
	for (size_t i = 0; i < r->n_findings; i++)
		if (r->findings[i].evidence.kind != GK_PREDICT_NONE)
			return true;
	return false;
}

/* The expected schema, copied before the pending migrations change it,
 * for the lock-window estimate, whose synthetic rows must stay out of
 * the replay's database.  A shadow that cannot make databases (a borrowed
 * one) costs the estimate, not the gate: a note says so. */
static int copy_expected(gate *g, gk_error *err)
{
	if (g->plan.n == g->plan.n_expected || !any_prediction(g->r))
		return 0;
	gk_error cerr = {0, ""};
	int rc = gk_drift_expected_copy(&g->estimate_db, g->shadow, &g->plan, &g->e, &cerr);
	if (rc == GK_ECONFIG) {
		char *why = gk_asprintf("lock-window estimate: not made, the shadow cannot copy the expected schema: %s",
					cerr.msg);
		rc = why ? note(g, why, err) : oom(err);
		free(why);
		return rc;
	}
	return rc ? gk_error_set(err, rc, "%s", cerr.msg) : 0;
}

/* The expected schema, the drift, then the pending migrations on it. */
static int replay(gate *g, gk_error *err)
{
	const gk_target_state *st = g->st;
	for (size_t i = 0; i < st->n_migrations; i++)
		if (st->migrations[i].status == GK_APPLIED_MISSING) {
			char *text = gk_asprintf("%s was applied to the target but is not in the folder",
						 st->migrations[i].path);
			int rc = text ? skip(g, CHECK_DRIFT, text, err) : oom(err);
			if (rc == 0)
				rc = skip(g, CHECK_REPLAY, text, err);
			free(text);
			return rc;
		}
	int rc = open_shadow(g, err);
	if (rc == 0)
		rc = gk_drift_expected_build(&g->e, g->shadow, &g->plan, &g->o->log, err);
	if (rc == 0 && g->e.bad < g->plan.n_expected) {
		/* The replay ran and its finding blocks; drift has nothing to compare with. */
		g->ran[CHECK_REPLAY] = true;
		rc = gk_drift_report_unbuilt(g->r, &g->lint, &g->plan, &g->e) < 0 ? oom(err) : 0;
		if (rc == 0)
			rc = skip(g, CHECK_DRIFT, "the expected schema could not be built: an applied migration does not "
				  "replay", err);
		return rc == 0 ? note(g, "the pending migrations were not replayed: the expected schema could not be built",
				      err) : rc;
	}
	if (rc == 0)
		rc = drift(g, err);
	if (rc == 0)
		rc = copy_expected(g, err);
	double t0 = gk_now();
	if (rc == 0)
		rc = replay_pending(g, err);
	size_t migrations = 0;
	for (size_t i = 0; i < g->plan.n; i++)
		migrations += g->plan.tm[i] != NULL;
	if (g->shadow)
		gk_report_add_replay_totals(g->r, migrations, g->e.reused, g->e.duration_ms + (gk_now() - t0) * 1000.0);
	return rc;
}

/* ---- the run ----------------------------------------------------------------- */

static void gate_free(gate *g)
{
	gk_drift_expected_free(&g->e, &g->plan);
	gk_shadow_close(g->shadow);
	gk_stats_free(g->stats);
	free(g->estimate_db);
	free(g->rel);
	gk_drift_plan_free(&g->plan);
	gk_target_status_free(g->st);
	gk_target_close(g->t);
}

/* The checks that did not run and were not skipped with a reason of their own. */
/* ---- production context ------------------------------------------------- */

/*
 * What the pending migrations' lock, rewrite, scan and index-build findings
 * mean on the target's tables, as `check --stats` says it from a file:
 * here the statistics are read from the target itself (read-only, as
 * `gatekeeper stats` reads them).  Not being able to read them costs the
 * findings their context, not the gate its verdict: a note says why.
 */
static int target_stats(gate *g, gk_error *err)
{
	if (g->stats_read)
		return 0;
	g->stats_read = true;
	gk_error serr = {0, ""};
	int rc = gk_target_stats(&g->stats, g->t, &serr);
	if (rc == GK_ENOMEM)
		return oom(err);
	if (rc == 0)
		return 0;
	char *why = gk_asprintf("the target's table statistics could not be read (%s): findings lack their "
				"production context and lock-window estimate", serr.msg);
	rc = why ? note(g, why, err) : oom(err);
	free(why);
	return rc;
}

static int production(gate *g, gk_error *err)
{
	if (!any_prediction(g->r))
		return 0;
	int rc = target_stats(g, err);
	return rc == 0 && g->stats ? gk_stats_annotate(g->r, g->stats, "target", &g->o->size_thresholds, err) : rc;
}

/*
 * The pending migrations walked on the copy of the expected schema,
 * statement by statement: each that rewrites or scans a table the target
 * has rows in, or builds an index on it, is timed at a few sizes of
 * synthetic rows and extrapolated to the target's rows and heap size
 * (src/estimate/), as `check --stats` does from a file; the estimate
 * rides on the finding that predicted the lock, and one over
 * `lock_budget:` is a lock-window-over-budget finding.
 */
static int estimate(gate *g, gk_error *err)
{
	if (!g->estimate_db)
		return 0;
	int rc = target_stats(g, err);
	if (rc || !g->stats)
		return rc;
	const gk_drift_plan *p = &g->plan;
	gk_estimate_tables sizes = {0};
	gk_estimate_migration *m = calloc(p->n - p->n_expected + 1, sizeof *m);
	rc = m ? gk_estimate_tables_from_stats(&sizes, g->stats, err) : oom(err);
	/* Only what the replay applied, in order: the walk runs without the
	 * replay's time limit, and a migration after one that failed meets a
	 * schema production will never have. */
	size_t n = 0;
	for (size_t i = p->n_expected; m && i < p->n && g->e.res[i].status == GK_REPLAY_OK; i++)
		if (p->tm[i])
			m[n++] = (gk_estimate_migration){.path = p->m[i].path, .sql = p->m[i].sql, .len = p->m[i].len,
							 .estimate = true};
	gk_estimate_run_options eo = {.lint = &g->lint, .pg_version = g->lint.pg_version, .production = &sizes,
				      .budget = g->o->lock_budget, .limits = {.time_limit_s = g->o->estimate_limit_s}};
	if (rc == 0 && sizes.n > 0 && n > 0)
		rc = gk_estimate_migrations(g->r, &eo, g->estimate_db, m, n, err);
	free(m);
	gk_estimate_tables_free(&sizes);
	return rc;
}

static int skip_the_rest(gate *g, const char *why, gk_error *err)
{
	int rc = 0;
	for (int k = 0; rc == 0 && k < N_CHECKS; k++)
		if (!g->ran[k])
			rc = skip(g, k, why, err);
	return rc;
}

static int run(gate *g, gk_error *err)
{
	int rc = add_checks(g, err);
	if (rc == 0)
		rc = status(g, err);
	if (rc == 0 && g->st->deploy_in_progress) {
		/* The status found it (exit 3, retry when it is done): what it read
		 * of a history that is changing vouches for nothing, and the
		 * pre-flight check holds the deploy-in-progress finding. */
		g->ran[CHECK_STATUS] = false;
		g->ran[CHECK_PREFLIGHT] = true;
		return skip_the_rest(g, "a deploy is in progress: the target's history is changing", err);
	}
	if (rc == 0)
		rc = health(g, err);
	if (rc == 0)
		rc = deploy_role(g, err);
	if (rc == 0)
		rc = gk_drift_plan_build(&g->plan, g->st, g->o->dirs, g->o->n_dirs, &g->o->lint, g->o->shadow_init,
					 gk_target_url_schema(g->t), true, err);
	if (rc == 0)
		gk_drift_plan_set_timeout(&g->plan, g->o->replay_timeout_s);
	if (rc == 0 && g->plan.n == g->plan.n_expected)
		rc = note(g, "nothing to deploy: every migration in the folder is applied on the target", err);
	if (rc == 0)
		rc = lint_pending(g, err);
	if (rc == 0)
		rc = data_checks(g, err);
	if (rc == 0)
		rc = replay(g, err);
	if (rc == 0)
		rc = blocking_sessions(g, err);
	if (rc == 0)
		rc = estimate(g, err);
	if (rc == 0)
		rc = production(g, err);
	return rc;
}

int gk_gate_run(gk_report *r, const gk_gate_options *o, gk_error *err)
{
	assert(r && o && (o->dirs || o->n_dirs == 0));
	if (gk_interrupt_opt_in(o->handle_signals, err) < 0)
		return GK_ERROR;
	if (!o->target_url || !*o->target_url)
		return gk_error_set(err, GK_ECONFIG, "gate: no target database: give --database URL or set DATABASE_URL");
	if (o->n_dirs == 0)
		return gk_error_set(err, GK_ECONFIG, "gate: name the migration folder (or `paths` in gatekeeper.yml)");
	gate g = {.r = r, .o = o, .lint = o->lint};
	int rc = run(&g, err);
	if ((rc == 0 || rc == GK_EINFRA) && skip_the_rest(&g, "the run stopped at an error", &(gk_error){0}) < 0)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	gate_free(&g);
	if (rc == GK_EINFRA)
		gk_one_line(err->msg);
	return gk_drift_infra(r, rc, err);
}
