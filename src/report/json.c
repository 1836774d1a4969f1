/*
 * json.c - the JSON renderer.  Keys keep a fixed order, positions are
 * 1-based (null when a finding has no position), and the document follows
 * schemas/report/v1.json.  Minor versions only add keys.
 *
 * The document is written as it is walked, straight from the report model
 * into a buffer flushed to the stream: no tree is built, so memory does not
 * grow with the number of findings.  It is compact (one line) by default;
 * `pretty` indents it by two spaces, byte for byte as jansson's
 * JSON_INDENT(2) does, so that people and diff tools can read it.
 */
#include "gatekeeper/render.h"
#include "../util/util.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* 1.1 replay, 1.2 the gate's checks[], 1.3 drift's scope (`drift`), the
 * replay statuses `timeout` and `interrupted`, and the error kind
 * `interrupted`; 1.4 the runner models are named by transport (`whole`,
 * `split`, `per-file`) now that one tool can use several; 2.0 `runner` is an
 * object {tool, version, model, source, reason}: which tool sends the file,
 * its version, the model and where it came from (a lockfile, a setting). */
#define SCHEMA_VERSION "2.1"

/* ---- the writer ---- */

#define JW_BUF 65536
#define JW_MAX_DEPTH 16

typedef struct jw {
	FILE *out;
	bool pretty;
	bool failed;       /* a write failed: the rest is skipped */
	int depth;
	bool empty[JW_MAX_DEPTH]; /* the container at each depth has no member yet */
	bool after_key;    /* a key was written: its value follows without a separator */
	size_t n;
	char buf[JW_BUF];
} jw;

static void jw_flush(jw *w)
{
	if (w->n && !w->failed && fwrite(w->buf, 1, w->n, w->out) != w->n)
		w->failed = true;
	w->n = 0;
}

static void jw_put(jw *w, const char *s, size_t n)
{
	if (n > JW_BUF - w->n) {
		jw_flush(w);
		if (n > JW_BUF) {
			if (!w->failed && fwrite(s, 1, n, w->out) != n)
				w->failed = true;
			return;
		}
	}
	memcpy(w->buf + w->n, s, n);
	w->n += n;
}

static void jw_puts(jw *w, const char *s) { jw_put(w, s, strlen(s)); }

/* A new line indented to the current depth (pretty only). */
static void jw_newline(jw *w)
{
	static const char pad[] = "                                ";
	jw_put(w, "\n", 1);
	for (size_t n = (size_t)w->depth * 2; n > 0;) {
		size_t k = n < sizeof pad - 1 ? n : sizeof pad - 1;
		jw_put(w, pad, k);
		n -= k;
	}
}

/* What goes before a value or a key: the separator from the previous member. */
static void jw_before(jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth == 0)
		return;
	if (!w->empty[w->depth])
		jw_put(w, ",", 1);
	w->empty[w->depth] = false;
	if (w->pretty)
		jw_newline(w);
}

static void jw_open(jw *w, char c)
{
	jw_before(w);
	jw_put(w, &c, 1);
	if (w->depth + 1 < JW_MAX_DEPTH)
		w->depth++;
	w->empty[w->depth] = true;
}

static void jw_close(jw *w, char c)
{
	bool was_empty = w->empty[w->depth];
	if (w->depth > 0)
		w->depth--;
	if (w->pretty && !was_empty)
		jw_newline(w);
	jw_put(w, &c, 1);
}

/*
 * A JSON string of valid UTF-8, escaped as jansson escapes: '"', '\\' and
 * the control characters below 0x20 (\b \f \n \r \t, else \u00XX).
 */
static void jw_quoted(jw *w, const char *s, size_t n)
{
	jw_put(w, "\"", 1);
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		jw_put(w, s + run, i - run);
		run = i + 1;
		char esc[8];
		switch (c) {
		case '"': jw_put(w, "\\\"", 2); break;
		case '\\': jw_put(w, "\\\\", 2); break;
		case '\b': jw_put(w, "\\b", 2); break;
		case '\f': jw_put(w, "\\f", 2); break;
		case '\n': jw_put(w, "\\n", 2); break;
		case '\r': jw_put(w, "\\r", 2); break;
		case '\t': jw_put(w, "\\t", 2); break;
		default:
			snprintf(esc, sizeof esc, "\\u%04X", (unsigned)c);
			jw_put(w, esc, 6);
			break;
		}
	}
	jw_put(w, s + run, n - run);
	jw_put(w, "\"", 1);
}

static void jw_key(jw *w, const char *k)
{
	jw_before(w);
	jw_quoted(w, k, strlen(k));
	jw_put(w, w->pretty ? ": " : ":", w->pretty ? 2 : 1);
	w->after_key = true;
}

static void jw_null(jw *w)
{
	jw_before(w);
	jw_put(w, "null", 4);
}

static void jw_bool(jw *w, bool v)
{
	jw_before(w);
	jw_puts(w, v ? "true" : "false");
}

static void jw_int(jw *w, long long v)
{
	char s[32];
	int n = snprintf(s, sizeof s, "%lld", v);
	jw_before(w);
	jw_put(w, s, (size_t)n);
}

/*
 * A real as jansson writes it (jsonp_dtostr): %.17g, ".0" added when that
 * looks like an integer, the exponent without '+' or leading zeros.  JSON
 * has no NaN or infinity: those are null.
 */
static void jw_real(jw *w, double v)
{
	if (!isfinite(v)) {
		jw_null(w);
		return;
	}
	char s[64];
	int n = snprintf(s, sizeof s, "%.17g", v);
	if (n < 0 || (size_t)n >= sizeof s - 3) {
		jw_null(w);
		return;
	}
	size_t len = (size_t)n;
	if (!strchr(s, '.') && !strchr(s, 'e')) {
		memcpy(s + len, ".0", 3);
		len += 2;
	}
	char *e = strchr(s, 'e');
	if (e) {
		char *start = e + 1, *end = start + 1;
		if (*start == '-')
			start++;
		while (*end == '0')
			end++;
		if (end != start) {
			memmove(start, end, len - (size_t)(end - s) + 1);
			len -= (size_t)(end - start);
		}
	}
	jw_before(w);
	jw_put(w, s, len);
}

/* Valid UTF-8 as it is; other bytes in gk_path_escape's form (\xNN, and
 * each backslash doubled), so that no text is lost and two names never
 * become one. */
static void jw_escaped(jw *w, const char *s)
{
	size_t n = strlen(s), bad;
	if (gk_utf8_valid(s, n, &bad)) {
		jw_quoted(w, s, n);
		return;
	}
	char *e = gk_path_escape(s);
	if (!e) {
		jw_quoted(w, "(out of memory)", 15);
		return;
	}
	jw_quoted(w, e, strlen(e));
	free(e);
}

/* A text value, null when there is none. */
static void jw_text(jw *w, const char *s)
{
	if (!s) {
		jw_null(w);
		return;
	}
	jw_before(w);
	jw_escaped(w, s);
}

/* A file name: always in gk_path_escape's form, so it decodes back to the
 * bytes whether or not it was valid UTF-8 (README, "Reports"). */
static void jw_path(jw *w, const char *s)
{
	if (!s) {
		jw_null(w);
		return;
	}
	char *e = gk_path_escape(s);
	jw_before(w);
	if (e)
		jw_quoted(w, e, strlen(e));
	else
		jw_quoted(w, "(out of memory)", 15);
	free(e);
}

/* key: value shorthands */
static void kv_text(jw *w, const char *k, const char *s) { jw_key(w, k); jw_text(w, s); }
static void kv_path(jw *w, const char *k, const char *s) { jw_key(w, k); jw_path(w, s); }
static void kv_int(jw *w, const char *k, long long v) { jw_key(w, k); jw_int(w, v); }
static void kv_real(jw *w, const char *k, double v) { jw_key(w, k); jw_real(w, v); }
static void kv_bool(jw *w, const char *k, bool v) { jw_key(w, k); jw_bool(w, v); }
static void kv_null(jw *w, const char *k) { jw_key(w, k); jw_null(w); }
static void kv_open(jw *w, const char *k, char c) { jw_key(w, k); jw_open(w, c); }

/* A 1-based position, null when there is none. */
static void kv_pos(jw *w, const char *k, int v)
{
	jw_key(w, k);
	if (v > 0)
		jw_int(w, v);
	else
		jw_null(w);
}

/* ---- the report ---- */

/* A predicted or observed lock; `observed` adds what only a trace knows. */
static void lock_fact(jw *w, const char *key, const gk_lock_fact *l, bool observed)
{
	kv_open(w, key, '{');
	kv_text(w, "lock", l->lock);
	kv_text(w, "relation", l->relation);
	kv_bool(w, "rewrite", l->rewrite);
	if (observed) {
		kv_real(w, "held_ms", l->held_ms);
		kv_int(w, "lock_timeout_ms", l->lock_timeout_ms);
	}
	jw_close(w, '}');
}

/* What the trace said of the finding: only for a traced statement. */
static void evidence(jw *w, const gk_evidence *e)
{
	kv_open(w, "evidence", '{');
	kv_text(w, "verdict", gk_evidence_verdict_name(e->verdict));
	if (e->kind != GK_PREDICT_NONE)
		lock_fact(w, "predicted", &e->predicted, false);
	else
		kv_null(w, "predicted");
	if (e->observed.lock)
		lock_fact(w, "observed", &e->observed, true);
	else
		kv_null(w, "observed");
	jw_close(w, '}');
}

static void finding(jw *w, const gk_finding *f)
{
	jw_open(w, '{');
	kv_text(w, "rule_id", f->rule_id);
	kv_text(w, "category", gk_category_name(f->category));
	kv_text(w, "severity", gk_severity_name(f->severity));
	kv_bool(w, "blocking", f->blocking);
	kv_text(w, "message", f->message);
	kv_text(w, "help", f->help);
	kv_path(w, "path", f->path);
	kv_pos(w, "line", f->line);
	kv_pos(w, "column", f->column);
	kv_pos(w, "end_line", f->end_line);
	kv_pos(w, "end_column", f->end_column);
	kv_pos(w, "statement_index", f->statement_index);
	kv_text(w, "sql", f->sql);
	if (f->object) {
		kv_open(w, "object", '{');
		kv_text(w, "kind", f->object_kind);
		kv_text(w, "identity", f->object);
		kv_text(w, "attribute", f->attribute);
		kv_text(w, "expected", f->expected);
		kv_text(w, "actual", f->actual);
		jw_close(w, '}');
	}
	if (f->evidence.verdict != GK_EVIDENCE_NONE)
		evidence(w, &f->evidence);
	jw_close(w, '}');
}

static void commit(jw *w, const gk_commit_ref *c)
{
	jw_key(w, "commit");
	if (!c->sha[0]) {
		jw_null(w);
		return;
	}
	char date[32];
	time_t t = (time_t)c->time;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
	jw_open(w, '{');
	kv_text(w, "sha", c->sha);
	kv_text(w, "author", c->author);
	kv_text(w, "email", c->email);
	kv_text(w, "date", date);
	kv_text(w, "subject", c->subject);
	jw_close(w, '}');
}

static void history(jw *w, const gk_migration *m)
{
	kv_open(w, "history", '{');
	kv_text(w, "status", gk_history_status_name(m->history));
	kv_path(w, "old_path", m->old_path);
	commit(w, &m->commit);
	jw_close(w, '}');
}

static void lock(jw *w, const gk_observed_lock *l)
{
	jw_open(w, '{');
	kv_int(w, "statement_index", l->statement_index);
	kv_pos(w, "line", l->line);
	kv_text(w, "relation", l->relation);
	kv_text(w, "mode", l->mode);
	kv_real(w, "duration_ms", round(l->duration_ms * 1000.0) / 1000.0);
	kv_bool(w, "rewrite", l->rewrite);
	kv_int(w, "lock_timeout_ms", l->lock_timeout_ms);
	jw_close(w, '}');
}

static void strings(jw *w, const char *key, char *const *v, size_t n)
{
	kv_open(w, key, '[');
	for (size_t i = 0; i < n; i++)
		jw_text(w, v[i]);
	jw_close(w, ']');
}

/* Where a migration that did not apply stopped, and what it left applied. */
static void stopped(jw *w, const gk_replay_stop *s)
{
	kv_open(w, "stopped", '{');
	kv_pos(w, "failed_statement", s->failed_statement);
	kv_pos(w, "statements", s->n_statements);
	kv_int(w, "committed_statements", s->committed_statements);
	kv_bool(w, "aborted_session", s->aborted_session);
	strings(w, "created", s->created, s->n_created);
	strings(w, "changed", s->changed, s->n_changed);
	jw_close(w, '}');
}

static void replay(jw *w, const gk_migration_replay *p)
{
	kv_open(w, "replay", '{');
	kv_text(w, "status", gk_replay_status_name(p->status));
	kv_real(w, "duration_ms", round(p->duration_ms * 1000.0) / 1000.0);
	kv_text(w, "sqlstate", p->sqlstate[0] ? p->sqlstate : NULL);
	kv_text(w, "error", p->error);
	kv_bool(w, "traced", p->traced);
	if (p->stop.failed_statement || p->stop.n_statements || p->stop.aborted_session || p->stop.n_created ||
	    p->stop.n_changed)
		stopped(w, &p->stop);
	jw_close(w, '}');
	kv_open(w, "locks", '[');
	for (size_t i = 0; i < p->n_locks; i++)
		lock(w, &p->locks[i]);
	jw_close(w, ']');
}

/* `status`: where the migration stands on the live database. */
static void applied(jw *w, const gk_migration_applied *a)
{
	kv_open(w, "applied", '{');
	kv_text(w, "status", gk_applied_status_name(a->status));
	kv_text(w, "at", a->at);
	kv_text(w, "logs", a->logs);
	kv_text(w, "note", a->note);
	jw_close(w, '}');
}

static void migration(jw *w, const gk_migration *m)
{
	jw_open(w, '{');
	kv_path(w, "path", m->path);
	kv_int(w, "statements", m->statements);
	if (m->linted)
		kv_int(w, "statements_total", m->statements_total);
	kv_text(w, "status", m->status == GK_MIGRATION_FAIL ? "fail" : "pass");
	kv_open(w, "runner", '{');
	kv_text(w, "tool", m->runner_why.tool);
	kv_text(w, "version", m->runner_why.version);
	kv_text(w, "model", gk_runner_name(m->runner));
	kv_text(w, "source", m->runner_why.source);
	kv_text(w, "reason", m->runner_why.reason);
	jw_close(w, '}');
	kv_int(w, "findings", (long long)m->findings);
	kv_int(w, "blocking", (long long)m->blocking);
	kv_bool(w, "linted", m->linted);
	if (m->history != GK_HISTORY_NONE)
		history(w, m);
	if (m->replay.status != GK_REPLAY_NONE)
		replay(w, &m->replay);
	if (m->applied.status != GK_APPLIED_NONE)
		applied(w, &m->applied);
	jw_close(w, '}');
}

static void summary(jw *w, const gk_report *r)
{
	kv_open(w, "summary", '{');
	kv_text(w, "verdict", r->verdict);
	kv_int(w, "exit_code", r->exit_code);
	kv_int(w, "files", (long long)r->n_migrations);
	kv_int(w, "findings", (long long)r->n_findings);
	kv_int(w, "blocking", (long long)r->n_blocking);
	kv_open(w, "by_severity", '{');
	kv_int(w, "error", (long long)r->by_severity[GK_SEV_ERROR]);
	kv_int(w, "warning", (long long)r->by_severity[GK_SEV_WARNING]);
	kv_int(w, "info", (long long)r->by_severity[GK_SEV_INFO]);
	jw_close(w, '}');
	if (r->n_linted) {
		kv_int(w, "statements_total", (long long)r->statements_total);
		kv_int(w, "statements_analysed", (long long)r->statements_analysed);
	}
	if (r->evidence.traced) {
		kv_int(w, "predictions_confirmed", (long long)r->evidence.confirmed);
		kv_int(w, "predictions_corrected", (long long)r->evidence.corrected);
		kv_int(w, "trace_only", (long long)r->evidence.trace_only);
	}
	jw_close(w, '}');
}

static void run_error(jw *w, const gk_run_error *re)
{
	jw_open(w, '{');
	kv_text(w, "kind", gk_error_kind_name(re->kind));
	kv_text(w, "message", re->message);
	kv_path(w, "path", re->path);
	jw_close(w, '}');
}

/* What a drift comparison covered. */
static void drift_scope(jw *w, const gk_report *r)
{
	kv_open(w, "drift", '{');
	kv_text(w, "target", r->drift.target);
	kv_text(w, "expected", r->drift.expected ? "snapshot" : "replay");
	kv_text(w, "snapshot", r->drift.expected);
	kv_int(w, "applied_migrations", (long long)r->drift.applied);
	kv_open(w, "objects", '{');
	for (size_t i = 0; i < r->drift.n_kinds; i++) {
		kv_open(w, r->drift.kinds[i].kind, '{');
		kv_int(w, "compared", (long long)r->drift.kinds[i].compared);
		kv_int(w, "ignored", (long long)r->drift.kinds[i].ignored);
		jw_close(w, '}');
	}
	jw_close(w, '}');
	kv_int(w, "compared", (long long)r->drift.compared);
	kv_int(w, "ignored", (long long)r->drift.ignored);
	strings(w, "schemas", r->drift.schemas, r->drift.n_schemas);
	kv_text(w, "schemas_from", r->drift.schemas_from);
	strings(w, "ignore", r->drift.ignore, r->drift.n_ignore);
	jw_close(w, '}');
}

/* The small head of the document, before the arrays. */
static void head(jw *w, const gk_report *r)
{
	kv_text(w, "schema_version", SCHEMA_VERSION);
	kv_open(w, "tool", '{');
	kv_text(w, "name", "gatekeeper");
	kv_text(w, "version", GK_VERSION);
	jw_close(w, '}');
	kv_open(w, "run", '{');
	kv_text(w, "command", r->command);
	kv_int(w, "duration_ms", llround(r->duration_s * 1000.0));
	jw_close(w, '}');
	kv_open(w, "config", '{');
	kv_text(w, "fail_level", r->fail_level == GK_SEV_OFF ? "never" : gk_severity_name(r->fail_level));
	kv_int(w, "pg_version", r->pg_version);
	jw_close(w, '}');
	summary(w, r);
	if (r->base_ref) {
		kv_open(w, "git", '{');
		kv_text(w, "base_ref", r->base_ref);
		kv_text(w, "merge_base", r->merge_base);
		kv_text(w, "head", r->head);
		jw_close(w, '}');
	}
	if (r->replay.shadow) {
		kv_open(w, "replay", '{');
		kv_text(w, "shadow", r->replay.shadow);
		kv_int(w, "server_version", r->replay.server_version);
		kv_int(w, "migrations", (long long)r->replay.migrations);
		kv_int(w, "reused_from_cache", (long long)r->replay.reused);
		kv_int(w, "duration_ms", llround(r->replay.duration_ms));
		jw_close(w, '}');
	}
	if (r->target.database) {
		kv_open(w, "target", '{');
		kv_text(w, "database", r->target.database);
		kv_int(w, "server_version", r->target.server_version);
		kv_text(w, "tool", r->target.tool);
		kv_text(w, "history_table", r->target.history_table);
		kv_bool(w, "history_exists", r->target.history_exists);
		jw_close(w, '}');
	}
	if (r->drift.target)
		drift_scope(w, r);
	if (r->n_checks) {
		kv_open(w, "checks", '[');
		for (size_t i = 0; i < r->n_checks; i++) {
			const gk_report_check *c = &r->checks[i];
			jw_open(w, '{');
			kv_text(w, "name", c->name);
			kv_bool(w, "ran", !c->not_run);
			kv_text(w, "not_run_reason", c->not_run);
			kv_int(w, "findings", (long long)c->findings);
			kv_int(w, "blocking", (long long)c->blocking);
			jw_close(w, '}');
		}
		jw_close(w, ']');
	}
	if (r->n_notes)
		strings(w, "notes", r->notes, r->n_notes);
}

int gk_render_json(const gk_report *r, FILE *out, const gk_render_options *o, gk_error *err)
{
	jw *w = calloc(1, sizeof *w);
	if (!w)
		return gk_error_set(err, GK_ENOMEM, "out of memory writing the JSON report");
	w->out = out;
	w->pretty = o && o->pretty;
	jw_open(w, '{');
	head(w, r);
	kv_open(w, "migrations", '[');
	for (size_t i = 0; i < r->n_migrations && !w->failed; i++)
		migration(w, &r->migrations[i]);
	jw_close(w, ']');
	kv_open(w, "findings", '[');
	for (size_t i = 0; i < r->n_findings && !w->failed; i++)
		finding(w, &r->findings[i]);
	jw_close(w, ']');
	kv_open(w, "errors", '[');
	for (size_t i = 0; i < r->n_errors; i++)
		run_error(w, &r->errors[i]);
	jw_close(w, ']');
	jw_close(w, '}');
	jw_put(w, "\n", 1);
	jw_flush(w);
	bool failed = w->failed;
	free(w);
	if (failed || ferror(out))
		return gk_error_set(err, GK_EIO, "cannot write the JSON report");
	return 0;
}
