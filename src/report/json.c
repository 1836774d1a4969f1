/*
 * json.c - the JSON renderer.  Keys keep a fixed order, positions are
 * 1-based (null when a finding has no position), and the document follows
 * schemas/report/v1.json.  Minor versions only add keys.
 *
 * The document is written as it is walked, straight from the report model,
 * by the module's JSON writer (jstream.h): no tree is built, so memory does
 * not grow with the number of findings.  It is compact (one line) by
 * default; `pretty` indents it by two spaces, byte for byte as jansson's
 * JSON_INDENT(2) does, so that people and diff tools can read it.
 */
#include "gatekeeper/render.h"
#include "context.h"
#include "jstream.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* 1.1 replay, 1.2 the gate's checks[], 1.3 drift's scope (`drift`), the
 * replay statuses `timeout` and `interrupted`, and the error kind
 * `interrupted`; 1.4 the runner models are named by transport (`whole`,
 * `split`, `per-file`) now that one tool can use several; 2.0 `runner` is an
 * object {tool, version, model, source, reason}: which tool sends the file,
 * its version, the model and where it came from (a lockfile, a setting);
 * 2.1 a replay's `stopped`; 2.2 each finding's `fingerprint`, the one the
 * SARIF and GitLab reports carry. */
#define SCHEMA_VERSION "2.2"

/* A 1-based position, null when there is none. */
static void kv_pos(gk_jstream *j, const char *k, int v)
{
	gk_js_key(j, k);
	if (v > 0)
		gk_js_int(j, v);
	else
		gk_js_null(j);
}

/* ---- the report ---- */

/* A predicted or observed lock; `observed` adds what only a trace knows. */
static void lock_fact(gk_jstream *j, const char *key, const gk_lock_fact *l, bool observed)
{
	gk_js_kopen(j, key, '{');
	gk_js_kstring(j, "lock", l->lock);
	gk_js_kstring(j, "relation", l->relation);
	gk_js_kbool(j, "rewrite", l->rewrite);
	if (observed) {
		gk_js_kreal(j, "held_ms", l->held_ms);
		gk_js_kint(j, "lock_timeout_ms", l->lock_timeout_ms);
	}
	gk_js_end(j, '}');
}

/* What the trace said of the finding: only for a traced statement. */
static void evidence(gk_jstream *j, const gk_evidence *e)
{
	gk_js_kopen(j, "evidence", '{');
	gk_js_kstring(j, "verdict", gk_evidence_verdict_name(e->verdict));
	if (e->kind != GK_PREDICT_NONE)
		lock_fact(j, "predicted", &e->predicted, false);
	else
		gk_js_knull(j, "predicted");
	if (e->observed.lock)
		lock_fact(j, "observed", &e->observed, true);
	else
		gk_js_knull(j, "observed");
	gk_js_end(j, '}');
}

static void finding(gk_jstream *j, const gk_finding *f)
{
	gk_js_object(j);
	gk_js_kstring(j, "rule_id", f->rule_id);
	gk_js_kstring(j, "category", gk_category_name(f->category));
	gk_js_kstring(j, "severity", gk_severity_name(f->severity));
	gk_js_kbool(j, "blocking", f->blocking);
	gk_js_kstring(j, "message", f->message);
	gk_js_kstring(j, "help", f->help);
	gk_js_kpath(j, "path", f->path);
	kv_pos(j, "line", f->line);
	kv_pos(j, "column", f->column);
	kv_pos(j, "end_line", f->end_line);
	kv_pos(j, "end_column", f->end_column);
	kv_pos(j, "statement_index", f->statement_index);
	gk_js_kstring(j, "sql", f->sql);
	if (f->fingerprint[0])
		gk_js_kstring(j, "fingerprint", f->fingerprint);
	if (f->object) {
		gk_js_kopen(j, "object", '{');
		gk_js_kstring(j, "kind", f->object_kind);
		gk_js_kstring(j, "identity", f->object);
		gk_js_kstring(j, "attribute", f->attribute);
		gk_js_kstring(j, "expected", f->expected);
		gk_js_kstring(j, "actual", f->actual);
		gk_js_end(j, '}');
	}
	if (f->evidence.verdict != GK_EVIDENCE_NONE)
		evidence(j, &f->evidence);
	gk_render_context_json(j, f);
	gk_js_end(j, '}');
}

static void commit(gk_jstream *j, const gk_commit_ref *c)
{
	gk_js_key(j, "commit");
	if (!c->sha[0]) {
		gk_js_null(j);
		return;
	}
	char date[32];
	time_t t = (time_t)c->time;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
	gk_js_object(j);
	gk_js_kstring(j, "sha", c->sha);
	gk_js_kstring(j, "author", c->author);
	gk_js_kstring(j, "email", c->email);
	gk_js_kstring(j, "date", date);
	gk_js_kstring(j, "subject", c->subject);
	gk_js_end(j, '}');
}

static void history(gk_jstream *j, const gk_migration *m)
{
	gk_js_kopen(j, "history", '{');
	gk_js_kstring(j, "status", gk_history_status_name(m->history));
	gk_js_kpath(j, "old_path", m->old_path);
	commit(j, &m->commit);
	gk_js_end(j, '}');
}

static void lock(gk_jstream *j, const gk_observed_lock *l)
{
	gk_js_object(j);
	gk_js_kint(j, "statement_index", l->statement_index);
	kv_pos(j, "line", l->line);
	gk_js_kstring(j, "relation", l->relation);
	gk_js_kstring(j, "mode", l->mode);
	gk_js_kreal(j, "duration_ms", round(l->duration_ms * 1000.0) / 1000.0);
	gk_js_kbool(j, "rewrite", l->rewrite);
	gk_js_kint(j, "lock_timeout_ms", l->lock_timeout_ms);
	gk_js_end(j, '}');
}

static void strings(gk_jstream *j, const char *key, char *const *v, size_t n)
{
	gk_js_kopen(j, key, '[');
	for (size_t i = 0; i < n; i++)
		gk_js_string(j, v[i]);
	gk_js_end(j, ']');
}

/* Where a migration that did not apply stopped, and what it left applied. */
static void stopped(gk_jstream *j, const gk_replay_stop *s)
{
	gk_js_kopen(j, "stopped", '{');
	kv_pos(j, "failed_statement", s->failed_statement);
	kv_pos(j, "statements", s->n_statements);
	gk_js_kint(j, "committed_statements", s->committed_statements);
	gk_js_kbool(j, "aborted_session", s->aborted_session);
	if (s->splitter[0])
		gk_js_kstring(j, "splitter", s->splitter);
	strings(j, "created", s->created, s->n_created);
	strings(j, "changed", s->changed, s->n_changed);
	gk_js_end(j, '}');
}

static void replay(gk_jstream *j, const gk_migration_replay *p)
{
	gk_js_kopen(j, "replay", '{');
	gk_js_kstring(j, "status", gk_replay_status_name(p->status));
	gk_js_kreal(j, "duration_ms", round(p->duration_ms * 1000.0) / 1000.0);
	gk_js_kstring(j, "sqlstate", p->sqlstate[0] ? p->sqlstate : NULL);
	gk_js_kstring(j, "error", p->error);
	gk_js_kbool(j, "traced", p->traced);
	if (p->stop.failed_statement || p->stop.n_statements || p->stop.aborted_session || p->stop.n_created ||
	    p->stop.n_changed)
		stopped(j, &p->stop);
	gk_js_end(j, '}');
	gk_js_kopen(j, "locks", '[');
	for (size_t i = 0; i < p->n_locks; i++)
		lock(j, &p->locks[i]);
	gk_js_end(j, ']');
}

/* `status`: where the migration stands on the live database. */
static void applied(gk_jstream *j, const gk_migration_applied *a)
{
	gk_js_kopen(j, "applied", '{');
	gk_js_kstring(j, "status", gk_applied_status_name(a->status));
	gk_js_kstring(j, "at", a->at);
	gk_js_kstring(j, "logs", a->logs);
	gk_js_kstring(j, "note", a->note);
	gk_js_end(j, '}');
}

static void migration(gk_jstream *j, const gk_migration *m)
{
	gk_js_object(j);
	gk_js_kpath(j, "path", m->path);
	gk_js_kint(j, "statements", m->statements);
	if (m->linted)
		gk_js_kint(j, "statements_total", m->statements_total);
	gk_js_kstring(j, "status", m->status == GK_MIGRATION_FAIL ? "fail" : "pass");
	gk_js_kopen(j, "runner", '{');
	gk_js_kstring(j, "tool", m->runner_why.tool);
	gk_js_kstring(j, "version", m->runner_why.version);
	gk_js_kstring(j, "model", gk_runner_name(m->runner));
	gk_js_kstring(j, "source", m->runner_why.source);
	gk_js_kstring(j, "reason", m->runner_why.reason);
	gk_js_end(j, '}');
	gk_js_kint(j, "findings", (long long)m->findings);
	gk_js_kint(j, "blocking", (long long)m->blocking);
	gk_js_kbool(j, "linted", m->linted);
	if (m->history != GK_HISTORY_NONE)
		history(j, m);
	if (m->replay.status != GK_REPLAY_NONE)
		replay(j, &m->replay);
	if (m->applied.status != GK_APPLIED_NONE)
		applied(j, &m->applied);
	gk_js_end(j, '}');
}

static void summary(gk_jstream *j, const gk_report *r)
{
	gk_js_kopen(j, "summary", '{');
	gk_js_kstring(j, "verdict", r->verdict);
	gk_js_kint(j, "exit_code", r->exit_code);
	gk_js_kint(j, "files", (long long)r->n_migrations);
	gk_js_kint(j, "findings", (long long)r->n_findings);
	gk_js_kint(j, "blocking", (long long)r->n_blocking);
	gk_js_kopen(j, "by_severity", '{');
	gk_js_kint(j, "error", (long long)r->by_severity[GK_SEV_ERROR]);
	gk_js_kint(j, "warning", (long long)r->by_severity[GK_SEV_WARNING]);
	gk_js_kint(j, "info", (long long)r->by_severity[GK_SEV_INFO]);
	gk_js_end(j, '}');
	if (r->n_linted) {
		gk_js_kint(j, "statements_total", (long long)r->statements_total);
		gk_js_kint(j, "statements_analysed", (long long)r->statements_analysed);
	}
	if (r->evidence.traced) {
		gk_js_kint(j, "predictions_confirmed", (long long)r->evidence.confirmed);
		gk_js_kint(j, "predictions_corrected", (long long)r->evidence.corrected);
		gk_js_kint(j, "trace_only", (long long)r->evidence.trace_only);
	}
	gk_js_end(j, '}');
}

static void run_error(gk_jstream *j, const gk_run_error *re)
{
	gk_js_object(j);
	gk_js_kstring(j, "kind", gk_error_kind_name(re->kind));
	gk_js_kstring(j, "message", re->message);
	gk_js_kpath(j, "path", re->path);
	gk_js_end(j, '}');
}

/* What a drift comparison covered. */
static void drift_scope(gk_jstream *j, const gk_report *r)
{
	gk_js_kopen(j, "drift", '{');
	gk_js_kstring(j, "target", r->drift.target);
	gk_js_kstring(j, "expected", r->drift.expected ? "snapshot" : "replay");
	gk_js_kstring(j, "snapshot", r->drift.expected);
	gk_js_kint(j, "applied_migrations", (long long)r->drift.applied);
	gk_js_kopen(j, "objects", '{');
	for (size_t i = 0; i < r->drift.n_kinds; i++) {
		gk_js_kopen(j, r->drift.kinds[i].kind, '{');
		gk_js_kint(j, "compared", (long long)r->drift.kinds[i].compared);
		gk_js_kint(j, "ignored", (long long)r->drift.kinds[i].ignored);
		gk_js_end(j, '}');
	}
	gk_js_end(j, '}');
	gk_js_kint(j, "compared", (long long)r->drift.compared);
	gk_js_kint(j, "ignored", (long long)r->drift.ignored);
	strings(j, "schemas", r->drift.schemas, r->drift.n_schemas);
	gk_js_kstring(j, "schemas_from", r->drift.schemas_from);
	strings(j, "ignore", r->drift.ignore, r->drift.n_ignore);
	gk_js_end(j, '}');
}

/* The small head of the document, before the arrays. */
static void head(gk_jstream *j, const gk_report *r)
{
	gk_js_kstring(j, "schema_version", SCHEMA_VERSION);
	gk_js_kopen(j, "tool", '{');
	gk_js_kstring(j, "name", "gatekeeper");
	gk_js_kstring(j, "version", GK_VERSION);
	gk_js_end(j, '}');
	gk_js_kopen(j, "run", '{');
	gk_js_kstring(j, "command", r->command);
	gk_js_kint(j, "duration_ms", llround(r->duration_s * 1000.0));
	gk_js_end(j, '}');
	gk_js_kopen(j, "config", '{');
	gk_js_kstring(j, "fail_level", r->fail_level == GK_SEV_OFF ? "never" : gk_severity_name(r->fail_level));
	gk_js_kint(j, "pg_version", r->pg_version);
	gk_js_end(j, '}');
	summary(j, r);
	if (r->base_ref) {
		gk_js_kopen(j, "git", '{');
		gk_js_kstring(j, "base_ref", r->base_ref);
		gk_js_kstring(j, "merge_base", r->merge_base);
		gk_js_kstring(j, "head", r->head);
		gk_js_end(j, '}');
	}
	if (r->replay.shadow) {
		gk_js_kopen(j, "replay", '{');
		gk_js_kstring(j, "shadow", r->replay.shadow);
		gk_js_kint(j, "server_version", r->replay.server_version);
		gk_js_kint(j, "migrations", (long long)r->replay.migrations);
		gk_js_kint(j, "reused_from_cache", (long long)r->replay.reused);
		gk_js_kint(j, "duration_ms", llround(r->replay.duration_ms));
		gk_js_end(j, '}');
	}
	if (r->target.database) {
		gk_js_kopen(j, "target", '{');
		gk_js_kstring(j, "database", r->target.database);
		gk_js_kint(j, "server_version", r->target.server_version);
		gk_js_kstring(j, "tool", r->target.tool);
		gk_js_kstring(j, "history_table", r->target.history_table);
		gk_js_kbool(j, "history_exists", r->target.history_exists);
		gk_js_end(j, '}');
	}
	if (r->drift.target)
		drift_scope(j, r);
	if (r->n_checks) {
		gk_js_kopen(j, "checks", '[');
		for (size_t i = 0; i < r->n_checks; i++) {
			const gk_report_check *c = &r->checks[i];
			gk_js_object(j);
			gk_js_kstring(j, "name", c->name);
			gk_js_kbool(j, "ran", !c->not_run);
			gk_js_kstring(j, "not_run_reason", c->not_run);
			gk_js_kint(j, "findings", (long long)c->findings);
			gk_js_kint(j, "blocking", (long long)c->blocking);
			gk_js_end(j, '}');
		}
		gk_js_end(j, ']');
	}
	if (r->n_notes)
		strings(j, "notes", r->notes, r->n_notes);
}

static void each_finding(gk_jstream *j, const void *report, size_t i)
{
	finding(j, &((const gk_report *)report)->findings[i]);
}

int gk_render_json(const gk_report *r, FILE *out, const gk_render_options *o, gk_error *err)
{
	gk_jstream *j = malloc(sizeof *j);
	if (!j)
		return gk_error_set(err, GK_ENOMEM, "out of memory writing the JSON report");
	gk_js_init(j, out, o && o->pretty);
	gk_js_object(j);
	head(j, r);
	gk_js_kopen(j, "migrations", '[');
	for (size_t i = 0; i < r->n_migrations && !j->o.failed; i++)
		migration(j, &r->migrations[i]);
	gk_js_end(j, ']');
	gk_js_kopen(j, "findings", '[');
	gk_js_elements(j, r->n_findings, each_finding, r);
	gk_js_end(j, ']');
	gk_js_kopen(j, "errors", '[');
	for (size_t i = 0; i < r->n_errors; i++)
		run_error(j, &r->errors[i]);
	gk_js_end(j, ']');
	gk_js_end(j, '}');
	int rc = gk_js_finish(j);
	free(j);
	if (rc < 0)
		return gk_error_set(err, GK_EIO, "cannot write the JSON report");
	return 0;
}
