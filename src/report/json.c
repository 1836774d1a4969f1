/*
 * json.c - the JSON renderer.  Keys keep a fixed order, positions are
 * 1-based (null when a finding has no position), and the document follows
 * schemas/report/v1.json.  Minor versions only add keys.
 */
#include "gatekeeper/render.h"
#include "../util/util.h"

#include <jansson.h>
#include <pthread.h>
#include <unistd.h>
#include <math.h>
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

static json_t *str_or_null(const char *s) { return s ? json_string(s) : json_null(); }
static json_t *pos_or_null(int v) { return v > 0 ? json_integer(v) : json_null(); }

/* jansson refuses invalid UTF-8 (a file name can be any bytes, a message
 * can quote one): such text is written with each invalid byte as \xNN and
 * each backslash doubled (gk_path_escape), so that no text is lost and two
 * names never become one. */
static json_t *text(const char *s)
{
	json_t *j = str_or_null(s);
	if (j)
		return j;
	char *e = gk_path_escape(s);
	j = e ? json_string(e) : NULL;
	free(e);
	return j ? j : json_string("(out of memory)");
}

/* A file name: always in gk_path_escape's form, so it decodes back to the
 * bytes whether or not it was valid UTF-8 (README, "Reports"). */
static json_t *path(const char *s)
{
	if (!s)
		return json_null();
	char *e = gk_path_escape(s);
	json_t *j = e ? json_string(e) : NULL;
	free(e);
	return j ? j : json_string("(out of memory)");
}

/* A predicted or observed lock; `observed` adds what only a trace knows. */
static json_t *lock_fact(const gk_lock_fact *l, bool observed)
{
	json_t *o = json_object();
	json_object_set_new(o, "lock", l->lock ? json_string(l->lock) : json_null());
	json_object_set_new(o, "relation", text(l->relation));
	json_object_set_new(o, "rewrite", json_boolean(l->rewrite));
	if (observed) {
		json_object_set_new(o, "held_ms", json_real(l->held_ms));
		json_object_set_new(o, "lock_timeout_ms", json_integer(l->lock_timeout_ms));
	}
	return o;
}

/* What the trace said of the finding: only for a traced statement. */
static json_t *evidence(const gk_evidence *e)
{
	json_t *o = json_object();
	json_object_set_new(o, "verdict", json_string(gk_evidence_verdict_name(e->verdict)));
	json_object_set_new(o, "predicted", e->kind != GK_PREDICT_NONE ? lock_fact(&e->predicted, false) : json_null());
	json_object_set_new(o, "observed", e->observed.lock ? lock_fact(&e->observed, true) : json_null());
	return o;
}

static json_t *finding(const gk_finding *f)
{
	json_t *o = json_object();
	json_object_set_new(o, "rule_id", json_string(f->rule_id));
	json_object_set_new(o, "category", json_string(gk_category_name(f->category)));
	json_object_set_new(o, "severity", json_string(gk_severity_name(f->severity)));
	json_object_set_new(o, "blocking", json_boolean(f->blocking));
	json_object_set_new(o, "message", text(f->message));
	json_object_set_new(o, "help", text(f->help));
	json_object_set_new(o, "path", path(f->path));
	json_object_set_new(o, "line", pos_or_null(f->line));
	json_object_set_new(o, "column", pos_or_null(f->column));
	json_object_set_new(o, "end_line", pos_or_null(f->end_line));
	json_object_set_new(o, "end_column", pos_or_null(f->end_column));
	json_object_set_new(o, "statement_index", pos_or_null(f->statement_index));
	json_object_set_new(o, "sql", text(f->sql));
	if (f->object) {
		json_t *ob = json_object();
		json_object_set_new(ob, "kind", text(f->object_kind));
		json_object_set_new(ob, "identity", text(f->object));
		json_object_set_new(ob, "attribute", text(f->attribute));
		json_object_set_new(ob, "expected", text(f->expected));
		json_object_set_new(ob, "actual", text(f->actual));
		json_object_set_new(o, "object", ob);
	}
	if (f->evidence.verdict != GK_EVIDENCE_NONE)
		json_object_set_new(o, "evidence", evidence(&f->evidence));
	return o;
}

static json_t *commit(const gk_commit_ref *c)
{
	if (!c->sha[0])
		return json_null();
	char date[32];
	time_t t = (time_t)c->time;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_t *o = json_object();
	json_object_set_new(o, "sha", json_string(c->sha));
	json_object_set_new(o, "author", text(c->author));
	json_object_set_new(o, "email", text(c->email));
	json_object_set_new(o, "date", json_string(date));
	json_object_set_new(o, "subject", text(c->subject));
	return o;
}

static json_t *history(const gk_migration *m)
{
	json_t *o = json_object();
	json_object_set_new(o, "status", json_string(gk_history_status_name(m->history)));
	json_object_set_new(o, "old_path", path(m->old_path));
	json_object_set_new(o, "commit", commit(&m->commit));
	return o;
}

static json_t *lock(const gk_observed_lock *l)
{
	json_t *o = json_object();
	json_object_set_new(o, "statement_index", json_integer(l->statement_index));
	json_object_set_new(o, "line", pos_or_null(l->line));
	json_object_set_new(o, "relation", text(l->relation));
	json_object_set_new(o, "mode", text(l->mode));
	json_object_set_new(o, "duration_ms", json_real(round(l->duration_ms * 1000.0) / 1000.0));
	json_object_set_new(o, "rewrite", json_boolean(l->rewrite));
	json_object_set_new(o, "lock_timeout_ms", json_integer(l->lock_timeout_ms));
	return o;
}

static json_t *names(char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* Where a migration that did not apply stopped, and what it left applied. */
static json_t *stopped(const gk_replay_stop *s)
{
	json_t *o = json_object();
	json_object_set_new(o, "failed_statement", pos_or_null(s->failed_statement));
	json_object_set_new(o, "statements", pos_or_null(s->n_statements));
	json_object_set_new(o, "committed_statements", json_integer(s->committed_statements));
	json_object_set_new(o, "aborted_session", json_boolean(s->aborted_session));
	if (s->splitter[0])
		json_object_set_new(o, "splitter", json_string(s->splitter));
	json_object_set_new(o, "created", names(s->created, s->n_created));
	json_object_set_new(o, "changed", names(s->changed, s->n_changed));
	return o;
}

static json_t *replay(const gk_migration_replay *p)
{
	json_t *o = json_object();
	json_object_set_new(o, "status", json_string(gk_replay_status_name(p->status)));
	json_object_set_new(o, "duration_ms", json_real(round(p->duration_ms * 1000.0) / 1000.0));
	json_object_set_new(o, "sqlstate", p->sqlstate[0] ? json_string(p->sqlstate) : json_null());
	json_object_set_new(o, "error", text(p->error));
	json_object_set_new(o, "traced", json_boolean(p->traced));
	if (p->stop.failed_statement || p->stop.n_statements || p->stop.aborted_session || p->stop.n_created ||
	    p->stop.n_changed)
		json_object_set_new(o, "stopped", stopped(&p->stop));
	return o;
}

static json_t *locks(const gk_migration_replay *p)
{
	json_t *a = json_array();
	for (size_t i = 0; i < p->n_locks; i++)
		json_array_append_new(a, lock(&p->locks[i]));
	return a;
}

/* `status`: where the migration stands on the live database. */
static json_t *applied(const gk_migration_applied *a)
{
	json_t *o = json_object();
	json_object_set_new(o, "status", json_string(gk_applied_status_name(a->status)));
	json_object_set_new(o, "at", text(a->at));
	json_object_set_new(o, "logs", text(a->logs));
	json_object_set_new(o, "note", text(a->note));
	return o;
}

static json_t *migration(const gk_migration *m)
{
	json_t *o = json_object();
	json_object_set_new(o, "path", path(m->path));
	json_object_set_new(o, "statements", json_integer(m->statements));
	if (m->linted)
		json_object_set_new(o, "statements_total", json_integer(m->statements_total));
	json_object_set_new(o, "status", json_string(m->status == GK_MIGRATION_FAIL ? "fail" : "pass"));
	json_t *run = json_object();
	json_object_set_new(run, "tool", m->runner_why.tool ? text(m->runner_why.tool) : json_null());
	json_object_set_new(run, "version", m->runner_why.version ? text(m->runner_why.version) : json_null());
	json_object_set_new(run, "model", json_string(gk_runner_name(m->runner)));
	json_object_set_new(run, "source", m->runner_why.source ? text(m->runner_why.source) : json_null());
	json_object_set_new(run, "reason", m->runner_why.reason ? text(m->runner_why.reason) : json_null());
	json_object_set_new(o, "runner", run);
	json_object_set_new(o, "findings", json_integer((json_int_t)m->findings));
	json_object_set_new(o, "blocking", json_integer((json_int_t)m->blocking));
	json_object_set_new(o, "linted", json_boolean(m->linted));
	if (m->history != GK_HISTORY_NONE)
		json_object_set_new(o, "history", history(m));
	if (m->replay.status != GK_REPLAY_NONE) {
		json_object_set_new(o, "replay", replay(&m->replay));
		json_object_set_new(o, "locks", locks(&m->replay));
	}
	if (m->applied.status != GK_APPLIED_NONE)
		json_object_set_new(o, "applied", applied(&m->applied));
	return o;
}

static json_t *summary(const gk_report *r)
{
	json_t *o = json_object(), *by = json_object();
	json_object_set_new(o, "verdict", json_string(r->verdict));
	json_object_set_new(o, "exit_code", json_integer(r->exit_code));
	json_object_set_new(o, "files", json_integer((json_int_t)r->n_migrations));
	json_object_set_new(o, "findings", json_integer((json_int_t)r->n_findings));
	json_object_set_new(o, "blocking", json_integer((json_int_t)r->n_blocking));
	json_object_set_new(by, "error", json_integer((json_int_t)r->by_severity[GK_SEV_ERROR]));
	json_object_set_new(by, "warning", json_integer((json_int_t)r->by_severity[GK_SEV_WARNING]));
	json_object_set_new(by, "info", json_integer((json_int_t)r->by_severity[GK_SEV_INFO]));
	json_object_set_new(o, "by_severity", by);
	if (r->n_linted) {
		json_object_set_new(o, "statements_total", json_integer((json_int_t)r->statements_total));
		json_object_set_new(o, "statements_analysed", json_integer((json_int_t)r->statements_analysed));
	}
	if (r->evidence.traced) {
		json_object_set_new(o, "predictions_confirmed", json_integer((json_int_t)r->evidence.confirmed));
		json_object_set_new(o, "predictions_corrected", json_integer((json_int_t)r->evidence.corrected));
		json_object_set_new(o, "trace_only", json_integer((json_int_t)r->evidence.trace_only));
	}
	return o;
}

static json_t *run_error(const gk_run_error *re)
{
	json_t *e = json_object();
	json_object_set_new(e, "kind", json_string(gk_error_kind_name(re->kind)));
	json_object_set_new(e, "message", text(re->message));
	json_object_set_new(e, "path", path(re->path));
	return e;
}

static json_t *strings(char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, text(v[i]));
	return a;
}

/* What a drift comparison covered. */
static json_t *drift_scope(const gk_report *r)
{
	json_t *d = json_object(), *kinds = json_object();
	json_object_set_new(d, "target", text(r->drift.target));
	json_object_set_new(d, "expected", json_string(r->drift.expected ? "snapshot" : "replay"));
	json_object_set_new(d, "snapshot", text(r->drift.expected));
	json_object_set_new(d, "applied_migrations", json_integer((json_int_t)r->drift.applied));
	for (size_t i = 0; i < r->drift.n_kinds; i++) {
		json_t *k = json_object();
		json_object_set_new(k, "compared", json_integer((json_int_t)r->drift.kinds[i].compared));
		json_object_set_new(k, "ignored", json_integer((json_int_t)r->drift.kinds[i].ignored));
		json_object_set_new(kinds, r->drift.kinds[i].kind, k);
	}
	json_object_set_new(d, "objects", kinds);
	json_object_set_new(d, "compared", json_integer((json_int_t)r->drift.compared));
	json_object_set_new(d, "ignored", json_integer((json_int_t)r->drift.ignored));
	json_object_set_new(d, "schemas", strings(r->drift.schemas, r->drift.n_schemas));
	json_object_set_new(d, "schemas_from", text(r->drift.schemas_from));
	json_object_set_new(d, "ignore", strings(r->drift.ignore, r->drift.n_ignore));
	return d;
}

/* The small head of the document, before the arrays. */
static json_t *head(const gk_report *r)
{
	json_t *doc = json_object(), *tool = json_object(), *run = json_object(), *cfg = json_object();
	json_object_set_new(doc, "schema_version", json_string(SCHEMA_VERSION));
	json_object_set_new(tool, "name", json_string("gatekeeper"));
	json_object_set_new(tool, "version", json_string(GK_VERSION));
	json_object_set_new(doc, "tool", tool);
	json_object_set_new(run, "command", json_string(r->command));
	json_object_set_new(run, "duration_ms", json_integer((json_int_t)llround(r->duration_s * 1000.0)));
	json_object_set_new(doc, "run", run);
	json_object_set_new(cfg, "fail_level", json_string(r->fail_level == GK_SEV_OFF ? "never" : gk_severity_name(r->fail_level)));
	json_object_set_new(cfg, "pg_version", json_integer(r->pg_version));
	json_object_set_new(doc, "config", cfg);
	json_object_set_new(doc, "summary", summary(r));
	if (r->base_ref) {
		json_t *git = json_object();
		json_object_set_new(git, "base_ref", text(r->base_ref));
		json_object_set_new(git, "merge_base", text(r->merge_base));
		json_object_set_new(git, "head", text(r->head));
		json_object_set_new(doc, "git", git);
	}
	if (r->replay.shadow) {
		json_t *rp = json_object();
		json_object_set_new(rp, "shadow", json_string(r->replay.shadow));
		json_object_set_new(rp, "server_version", json_integer(r->replay.server_version));
		json_object_set_new(rp, "migrations", json_integer((json_int_t)r->replay.migrations));
		json_object_set_new(rp, "reused_from_cache", json_integer((json_int_t)r->replay.reused));
		json_object_set_new(rp, "duration_ms", json_integer((json_int_t)llround(r->replay.duration_ms)));
		json_object_set_new(doc, "replay", rp);
	}
	if (r->target.database) {
		json_t *tg = json_object();
		json_object_set_new(tg, "database", text(r->target.database));
		json_object_set_new(tg, "server_version", json_integer(r->target.server_version));
		json_object_set_new(tg, "tool", text(r->target.tool));
		json_object_set_new(tg, "history_table", text(r->target.history_table));
		json_object_set_new(tg, "history_exists", json_boolean(r->target.history_exists));
		json_object_set_new(doc, "target", tg);
	}
	if (r->drift.target)
		json_object_set_new(doc, "drift", drift_scope(r));
	if (r->n_checks) {
		json_t *checks = json_array();
		for (size_t i = 0; i < r->n_checks; i++) {
			const gk_report_check *c = &r->checks[i];
			json_t *o = json_object();
			json_object_set_new(o, "name", json_string(c->name));
			json_object_set_new(o, "ran", json_boolean(!c->not_run));
			json_object_set_new(o, "not_run_reason", text(c->not_run));
			json_object_set_new(o, "findings", json_integer((json_int_t)c->findings));
			json_object_set_new(o, "blocking", json_integer((json_int_t)c->blocking));
			json_array_append_new(checks, o);
		}
		json_object_set_new(doc, "checks", checks);
	}
	if (r->n_notes) {
		json_t *notes = json_array();
		for (size_t i = 0; i < r->n_notes; i++)
			json_array_append_new(notes, text(r->notes[i]));
		json_object_set_new(doc, "notes", notes);
	}
	return doc;
}

/* Write `j` (consumed) indented by `depth` levels of two spaces. */
static int put(FILE *out, json_t *j, int depth)
{
	if (!j)
		return -1;
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (!s)
		return -1;
	static const char pad[] = "                ";
	const char *p = s, *nl;
	while ((nl = strchr(p, '\n')) != NULL) {
		fwrite(p, 1, (size_t)(nl - p) + 1, out);
		fwrite(pad, 1, (size_t)depth * 2 < sizeof pad ? (size_t)depth * 2 : sizeof pad - 1, out);
		p = nl + 1;
	}
	fputs(p, out);
	free(s);
	return 0;
}

typedef json_t *(*to_json_fn)(const void *item);

static json_t *finding_any(const void *x) { return finding(x); }
static json_t *migration_any(const void *x) { return migration(x); }
static json_t *run_error_any(const void *x) { return run_error(x); }

/* Elements [from, to) of an array, each after its separator. */
typedef struct chunk {
	const char *items;
	size_t size, from, to;
	to_json_fn fn;
	char *buf;        /* rendered text (open_memstream) */
	size_t len;
	int rc;
} chunk;

static void *render_chunk(void *arg)
{
	chunk *c = arg;
	FILE *mem = open_memstream(&c->buf, &c->len);
	c->rc = mem ? 0 : -1;
	for (size_t i = c->from; c->rc == 0 && i < c->to; i++) {
		fputs(i ? ",\n    " : "\n    ", mem);
		c->rc = put(mem, c->fn(c->items + i * c->size), 2);
	}
	if (mem && fclose(mem) != 0)
		c->rc = -1;
	return NULL;
}

/*
 * `"key": [ items ]`.  Building and escaping JSON text is a third of a
 * large run's work, so long arrays are rendered in chunks on as many
 * threads as there are cores, then written in order: the output is the
 * same byte for byte.  Each thread holds one element's JSON tree at a time.
 */
#define CHUNK_MIN 256
#define CHUNK_MAX 2048   /* elements per chunk: bounds the text held in memory */
#define MAX_CHUNKS 16

/* Render [from, to) on up to `k` threads and write it in order. */
static int put_round(FILE *out, const void *items, size_t from, size_t to, size_t size, to_json_fn fn, size_t k)
{
	chunk c[MAX_CHUNKS];
	pthread_t tid[MAX_CHUNKS];
	bool started[MAX_CHUNKS] = {false};
	size_t n = to - from;
	for (size_t i = 0; i < k; i++) {
		c[i] = (chunk){.items = items, .size = size, .from = from + n * i / k, .to = from + n * (i + 1) / k, .fn = fn};
		started[i] = i > 0 && pthread_create(&tid[i], NULL, render_chunk, &c[i]) == 0;
	}
	for (size_t i = 0; i < k; i++)
		if (!started[i])
			render_chunk(&c[i]); /* the first chunk, or a thread that could not start */
	int rc = 0;
	for (size_t i = 0; i < k; i++) {
		if (started[i])
			pthread_join(tid[i], NULL);
		if (c[i].rc < 0)
			rc = -1;
		else if (rc == 0)
			fwrite(c[i].buf, 1, c[i].len, out);
		free(c[i].buf);
	}
	return rc;
}

static int put_array(FILE *out, const char *key, const void *items, size_t n, size_t size, to_json_fn fn, bool last)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t k = cores > 1 ? (size_t)cores : 1;
	if (k > MAX_CHUNKS)
		k = MAX_CHUNKS;
	int rc = 0;
	fprintf(out, "  \"%s\": [", key);
	for (size_t from = 0; rc == 0 && from < n;) {
		size_t left = n - from, per = left / k;
		size_t threads = per >= CHUNK_MIN ? k : 1;
		size_t take = threads * CHUNK_MAX < left ? threads * CHUNK_MAX : left;
		rc = put_round(out, items, from, from + take, size, fn, threads);
		from += take;
	}
	fprintf(out, "%s]%s\n", n ? "\n  " : "", last ? "" : ",");
	return rc;
}

int gk_render_json(const gk_report *r, FILE *out, const gk_render_options *o, gk_error *err)
{
	(void)o;
	/* jansson seeds its hash function on first use; do it before threads. */
	json_object_seed(0);
	/* The head is dumped whole and its closing brace replaced by the arrays. */
	json_t *hj = head(r);
	char *h = hj ? json_dumps(hj, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(hj);
	int rc = h ? 0 : -1;
	if (rc == 0) {
		size_t n = strlen(h);
		while (n > 0 && h[n - 1] != '}')
			n--;
		if (n > 0)
			n--; /* the closing brace */
		while (n > 0 && (h[n - 1] == '\n' || h[n - 1] == ' '))
			n--;
		fwrite(h, 1, n, out);
		fputs(",\n", out);
		free(h);
		rc = put_array(out, "migrations", r->migrations, r->n_migrations, sizeof *r->migrations, migration_any, false);
	}
	if (rc == 0)
		rc = put_array(out, "findings", r->findings, r->n_findings, sizeof *r->findings, finding_any, false);
	if (rc == 0)
		rc = put_array(out, "errors", r->errors, r->n_errors, sizeof *r->errors, run_error_any, true);
	if (rc < 0)
		return gk_error_set(err, GK_ENOMEM, "out of memory building the JSON report");
	if (fputs("}\n", out) == EOF || ferror(out))
		return gk_error_set(err, GK_EIO, "cannot write the JSON report");
	return 0;
}
