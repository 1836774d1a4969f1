/* report.c - the report model (see gatekeeper/report.h). */
#include "gatekeeper/report.h"
#include "../util/util.h"
#include "halves.h"
#include "texts.h"

#include <assert.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FINDING_OWNED 10
#define FINDING_SHARED 5

typedef struct report_priv {
	gk_report pub;
	size_t cap_m, cap_f, cap_e, cap_s;
	/* For each added finding's subject digest: fetched once, as
	 * EVP_sha256() would look the implementation up at every init. */
	EVP_MD_CTX *digest;
	EVP_MD *sha256;
	bool subject_lost;   /* a finding's subject digest could not be made */
	/* The texts findings share (FINDING_SHARED): one copy of each, and
	 * the last one of each field (consecutive findings of a file have
	 * its path, often its statement and rule: no lookup then). */
	gk_texts texts;
	const char *last_shared[FINDING_SHARED];
} report_priv;

gk_report *gk_report_new(const char *command)
{
	report_priv *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->pub.command = gk_strdup(command);
	p->pub.fail_level = GK_SEV_ERROR;
	p->pub.pg_version = GK_PG_DEFAULT_VERSION;
	p->pub.verdict = "pass";
	if (!p->pub.command) {
		free(p);
		return NULL;
	}
	return &p->pub;
}

/* The strings a finding owns alone, so that copying and freeing name them once. */
static void finding_owned(gk_finding *f, char **out[FINDING_OWNED])
{
	char **all[FINDING_OWNED] = {&f->message, &f->object_kind, &f->object, &f->attribute, &f->expected,
				     &f->actual, &f->production.summary, &f->production.relation,
				     &f->production.source, &f->production.size_rule};
	memcpy(out, all, sizeof all);
}

/* The strings of a finding that the report keeps one copy of, shared by
 * the findings with the same text (r->texts): nothing changes them once
 * the finding is added. */
static void finding_shared(gk_finding *f, char **out[FINDING_SHARED])
{
	char **all[FINDING_SHARED] = {&f->help, &f->path, &f->sql, &f->context, &f->about};
	memcpy(out, all, sizeof all);
}

/* Everything finding `f` owns (not its shared texts: the report's). */
static void finding_free(gk_finding *f)
{
	char **fields[FINDING_OWNED];
	finding_owned(f, fields);
	for (size_t k = 0; k < FINDING_OWNED; k++)
		free(*fields[k]);
	free(f->evidence.predicted.relation);
	free(f->evidence.observed.relation);
	free(f->estimate.method);
	free(f->estimate.relation);
	free(f->estimate.text);
}

/* The report's copies of `f`'s shared texts, in finding_shared's order;
 * -1 when out of memory. */
static int share_texts(gk_report *r, const gk_finding *f, char *out[FINDING_SHARED])
{
	report_priv *p = (report_priv *)r;
	const char *src[FINDING_SHARED] = {f->help, f->path, f->sql, f->context, f->about};
	for (size_t k = 0; k < FINDING_SHARED; k++) {
		const char *last = p->last_shared[k];
		if (src[k] && last && strcmp(src[k], last) == 0)
			out[k] = (char *)last;
		else if (!(out[k] = (char *)gk_texts_intern(&p->texts, src[k])) && src[k])
			return -1;
		if (out[k])
			p->last_shared[k] = out[k];
	}
	return 0;
}

static void strings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void stop_free(gk_replay_stop *s)
{
	strings_free(s->created, s->n_created);
	strings_free(s->changed, s->n_changed);
	memset(s, 0, sizeof *s);
}

static void drift_scope_free(gk_report *r)
{
	free(r->drift.target);
	free(r->drift.expected);
	for (size_t i = 0; i < r->drift.n_kinds; i++)
		free(r->drift.kinds[i].kind);
	free(r->drift.kinds);
	strings_free(r->drift.schemas, r->drift.n_schemas);
	free(r->drift.schemas_from);
	strings_free(r->drift.ignore, r->drift.n_ignore);
	memset(&r->drift, 0, sizeof r->drift);
}

void gk_report_free(gk_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_migrations; i++) {
		gk_migration *m = &r->migrations[i];
		free(m->old_path); /* path and runner_why: shared texts */
		free(m->commit.author);
		free(m->commit.email);
		free(m->commit.subject);
		free(m->replay.error);
		for (size_t k = 0; k < m->replay.n_locks; k++) {
			free(m->replay.locks[k].relation);
			free(m->replay.locks[k].mode);
		}
		free(m->replay.locks);
		stop_free(&m->replay.stop);
		free(m->applied.at);
		free(m->applied.logs);
		free(m->applied.note);
	}
	for (size_t i = 0; i < r->n_checks; i++) {
		free(r->checks[i].name);
		free(r->checks[i].not_run);
	}
	free(r->checks);
	free(r->target.database);
	free(r->target.history_table);
	free(r->target.tool);
	drift_scope_free(r);
	free(r->replay.shadow);
	free(r->base_ref);
	free(r->merge_base);
	free(r->head);
	for (size_t i = 0; i < r->n_findings; i++)
		finding_free(&r->findings[i]);
	for (size_t i = 0; i < r->n_suppressed; i++)
		finding_free(&r->suppressed[i]);
	free(r->suppressed);
	for (size_t i = 0; i < r->n_notes; i++)
		free(r->notes[i]);
	free(r->notes);
	for (size_t i = 0; i < r->n_errors; i++) {
		free(r->errors[i].message);
		free(r->errors[i].path);
	}
	free(r->migrations);
	free(r->findings);
	free(r->errors);
	free(r->command);
	report_priv *p = (report_priv *)r;
	gk_texts_free(&p->texts);
	EVP_MD_free(p->sha256);
	EVP_MD_CTX_free(p->digest);
	free(p);
}

int gk_report_add_migration(gk_report *r, const char *path, int statements, enum gk_runner runner)
{
	assert(r && path);
	report_priv *p = (report_priv *)r;
	if (gk_grow(&r->migrations, &p->cap_m, r->n_migrations + 1, sizeof *r->migrations) < 0)
		return GK_ENOMEM;
	gk_migration *m = &r->migrations[r->n_migrations];
	memset(m, 0, sizeof *m);
	if (!(m->path = (char *)gk_texts_intern(&p->texts, path)))
		return GK_ENOMEM;
	m->statements = m->statements_total = statements;
	m->runner = runner;
	m->linted = true;
	return (int)r->n_migrations++;
}

int gk_report_find_migration(const gk_report *r, const char *path)
{
	assert(r && path);
	for (size_t i = 0; i < r->n_migrations; i++)
		if (!strcmp(r->migrations[i].path, path))
			return (int)i;
	return -1;
}

/* NULL and "" alike: not known. */
/* `*dst` made the report's shared copy of `src` (NULL or "": none). */
static int set_text(gk_report *r, char **dst, const char *src)
{
	report_priv *p = (report_priv *)r;
	*dst = src && src[0] ? (char *)gk_texts_intern(&p->texts, src) : NULL;
	return src && src[0] && !*dst ? GK_ENOMEM : 0;
}

int gk_report_set_runner_why(gk_report *r, size_t idx, const char *tool, const char *version, const char *source,
			     const char *reason)
{
	assert(r && idx < r->n_migrations);
	gk_migration *m = &r->migrations[idx];
	int rc = set_text(r, &m->runner_why.tool, tool);
	rc |= set_text(r, &m->runner_why.version, version);
	rc |= set_text(r, &m->runner_why.source, source);
	rc |= set_text(r, &m->runner_why.reason, reason);
	return rc ? GK_ENOMEM : 0;
}

void gk_report_set_statements_total(gk_report *r, size_t idx, int total)
{
	assert(r && idx < r->n_migrations);
	r->migrations[idx].statements_total = total;
}

void gk_report_set_linted(gk_report *r, size_t idx, int statements, enum gk_runner runner)
{
	assert(r && idx < r->n_migrations);
	if (r->migrations[idx].statements_total < statements)
		r->migrations[idx].statements_total = statements;
	r->migrations[idx].statements = statements;
	r->migrations[idx].runner = runner;
	r->migrations[idx].linted = true;
}

void gk_report_set_unlinted(gk_report *r, size_t idx)
{
	assert(r && idx < r->n_migrations);
	r->migrations[idx].linted = false;
}

int gk_report_set_history(gk_report *r, size_t idx, enum gk_history_status status, const char *old_path,
			  const gk_commit_ref *commit)
{
	assert(r && idx < r->n_migrations);
	gk_migration *m = &r->migrations[idx];
	m->history = status;
	free(m->old_path);
	m->old_path = gk_strdup(old_path);
	if (old_path && !m->old_path)
		return GK_ENOMEM;
	if (!commit)
		return 0;
	memcpy(m->commit.sha, commit->sha, sizeof m->commit.sha);
	m->commit.sha[sizeof m->commit.sha - 1] = '\0';
	m->commit.time = commit->time;
	m->commit.tz_offset_min = commit->tz_offset_min;
	m->commit.author = gk_strdup(commit->author);
	m->commit.email = gk_strdup(commit->email);
	m->commit.subject = gk_strdup(commit->subject);
	if ((commit->author && !m->commit.author) || (commit->email && !m->commit.email) ||
	    (commit->subject && !m->commit.subject))
		return GK_ENOMEM;
	return 0;
}

int gk_report_set_replay(gk_report *r, size_t idx, enum gk_replay_status status, double duration_ms,
			 const char *sqlstate, const char *error, bool traced)
{
	assert(r && idx < r->n_migrations);
	gk_migration_replay *p = &r->migrations[idx].replay;
	p->status = status;
	p->duration_ms = duration_ms;
	p->traced = traced;
	snprintf(p->sqlstate, sizeof p->sqlstate, "%s", sqlstate ? sqlstate : "");
	free(p->error);
	p->error = gk_strdup(error);
	return error && !p->error ? GK_ENOMEM : 0;
}

int gk_report_add_lock(gk_report *r, size_t idx, const gk_observed_lock *l)
{
	assert(r && idx < r->n_migrations && l);
	gk_migration_replay *p = &r->migrations[idx].replay;
	gk_observed_lock *grown = realloc(p->locks, (p->n_locks + 1) * sizeof *grown);
	if (!grown)
		return GK_ENOMEM;
	p->locks = grown;
	gk_observed_lock *d = &p->locks[p->n_locks];
	*d = *l;
	d->relation = gk_strdup(l->relation);
	d->mode = gk_strdup(l->mode);
	if (!d->relation || !d->mode) {
		free(d->relation);
		free(d->mode);
		return GK_ENOMEM;
	}
	p->n_locks++;
	return 0;
}

int gk_report_set_shadow(gk_report *r, const char *shadow, int server_version)
{
	assert(r);
	free(r->replay.shadow);
	r->replay.shadow = gk_strdup(shadow);
	r->replay.server_version = server_version;
	return shadow && !r->replay.shadow ? GK_ENOMEM : 0;
}

void gk_report_add_replay_totals(gk_report *r, size_t migrations, size_t reused, double duration_ms)
{
	r->replay.migrations += migrations;
	r->replay.reused += reused;
	r->replay.duration_ms += duration_ms;
}

int gk_report_set_git(gk_report *r, const char *base_ref, const char *merge_base, const char *head)
{
	assert(r);
	free(r->base_ref);
	free(r->merge_base);
	free(r->head);
	r->base_ref = gk_strdup(base_ref);
	r->merge_base = gk_strdup(merge_base);
	r->head = gk_strdup(head);
	return (base_ref && !r->base_ref) || (merge_base && !r->merge_base) || (head && !r->head) ? GK_ENOMEM : 0;
}

int gk_report_set_applied(gk_report *r, size_t idx, enum gk_applied_status status, const char *at,
			  const char *logs, const char *note)
{
	assert(r && idx < r->n_migrations);
	gk_migration_applied *a = &r->migrations[idx].applied;
	a->status = status;
	free(a->at);
	free(a->logs);
	free(a->note);
	a->at = gk_strdup(at);
	a->logs = gk_strdup(logs);
	a->note = gk_strdup(note);
	return (at && !a->at) || (logs && !a->logs) || (note && !a->note) ? GK_ENOMEM : 0;
}

int gk_report_set_target(gk_report *r, const char *database, const char *history_table, bool history_exists,
			 const char *tool, int server_version)
{
	assert(r);
	free(r->target.database);
	free(r->target.history_table);
	free(r->target.tool);
	r->target.database = gk_strdup(database);
	r->target.history_table = gk_strdup(history_table);
	r->target.tool = gk_strdup(tool);
	r->target.history_exists = history_exists;
	r->target.server_version = server_version;
	bool lost = (database && !r->target.database) || (history_table && !r->target.history_table) ||
		    (tool && !r->target.tool);
	return lost ? GK_ENOMEM : 0;
}

void gk_report_set_deploy_in_progress(gk_report *r)
{
	assert(r);
	r->target.deploy_in_progress = true;
}

void gk_report_set_pg_version(gk_report *r, int major)
{
	assert(r);
	r->pg_version = major;
}

void gk_report_set_interrupted(gk_report *r)
{
	assert(r);
	r->interrupted = true;
}

/* A copy of `v` (n strings); NULL with n == 0; *lost when out of memory. */
static char **strings_copy(const char *const *v, size_t n, bool *lost)
{
	if (n == 0)
		return NULL;
	char **out = calloc(n, sizeof *out);
	for (size_t i = 0; out && i < n; i++)
		*lost |= !(out[i] = gk_strdup(v[i]));
	*lost |= !out;
	return out;
}

int gk_report_set_replay_stop(gk_report *r, size_t idx, const gk_replay_stop *stop)
{
	assert(r && idx < r->n_migrations && stop);
	gk_replay_stop *d = &r->migrations[idx].replay.stop;
	bool lost = false;
	stop_free(d);
	*d = *stop;
	d->created = strings_copy((const char *const *)stop->created, stop->n_created, &lost);
	d->changed = strings_copy((const char *const *)stop->changed, stop->n_changed, &lost);
	if (lost) {
		stop_free(d);
		return GK_ENOMEM;
	}
	return 0;
}

int gk_report_set_drift_scope(gk_report *r, const char *target, const char *expected, size_t applied,
			      const char *const *schemas, size_t n_schemas, const char *schemas_from,
			      const char *const *ignore, size_t n_ignore)
{
	assert(r && (schemas || n_schemas == 0) && (ignore || n_ignore == 0));
	drift_scope_free(r);
	bool lost = false;
	r->drift.target = gk_strdup(target ? target : "");
	r->drift.expected = gk_strdup(expected);
	r->drift.applied = applied;
	r->drift.schemas = strings_copy(schemas, n_schemas, &lost);
	r->drift.n_schemas = r->drift.schemas ? n_schemas : 0;
	r->drift.schemas_from = n_schemas ? gk_strdup(schemas_from) : NULL;
	r->drift.ignore = strings_copy(ignore, n_ignore, &lost);
	r->drift.n_ignore = r->drift.ignore ? n_ignore : 0;
	lost |= !r->drift.target || (expected && !r->drift.expected) || (n_schemas && schemas_from && !r->drift.schemas_from);
	return lost ? GK_ENOMEM : 0;
}

int gk_report_add_drift_kind(gk_report *r, const char *kind, size_t compared, size_t ignored)
{
	assert(r && kind);
	size_t cap = r->drift.n_kinds;
	gk_report_kind_count *k = realloc(r->drift.kinds, (cap + 1) * sizeof *k);
	if (!k)
		return GK_ENOMEM;
	r->drift.kinds = k;
	char *name = gk_strdup(kind);
	if (!name)
		return GK_ENOMEM;
	k[r->drift.n_kinds++] = (gk_report_kind_count){name, compared, ignored};
	r->drift.compared += compared;
	r->drift.ignored += ignored;
	return 0;
}

static const char *const applied_names[] = {NULL, "applied", "pending", "failed", "rolled_back",
					    "edited", "missing", "diverged", "running"};
_Static_assert(sizeof applied_names / sizeof *applied_names == GK_APPLIED_RUNNING + 1, "applied names");

const char *gk_applied_status_name(enum gk_applied_status s) { return applied_names[s]; }

static const char *const history_names[] = {NULL, "unchanged", "added", "modified", "renamed", "deleted"};
_Static_assert(sizeof history_names / sizeof *history_names == GK_HISTORY_DELETED + 1, "history names");

const char *gk_history_status_name(enum gk_history_status s) { return history_names[s]; }

void gk_report_set_evidence_traced(gk_report *r) { r->evidence.traced = true; }

const char *gk_evidence_verdict_name(enum gk_evidence_verdict v)
{
	switch (v) {
	case GK_EVIDENCE_CONFIRMED: return "confirmed";
	case GK_EVIDENCE_CORRECTED: return "corrected";
	case GK_EVIDENCE_REFUTED: return "refuted";
	case GK_EVIDENCE_TRACE_ONLY: return "trace-only";
	default: return NULL;
	}
}

int gk_finding_set_evidence(gk_finding *f, const gk_evidence *e)
{
	assert(f && e);
	gk_evidence d = *e;
	d.predicted.relation = e->predicted.relation ? gk_strdup(e->predicted.relation) : NULL;
	d.observed.relation = e->observed.relation ? gk_strdup(e->observed.relation) : NULL;
	if ((e->predicted.relation && !d.predicted.relation) || (e->observed.relation && !d.observed.relation)) {
		free(d.predicted.relation);
		free(d.observed.relation);
		return GK_ENOMEM;
	}
	free(f->evidence.predicted.relation);
	free(f->evidence.observed.relation);
	f->evidence = d;
	return 0;
}

int gk_finding_set_message(gk_finding *f, const char *message)
{
	assert(f && message);
	char *m = gk_strdup(message);
	if (!m)
		return GK_ENOMEM;
	free(f->message);
	f->message = m;
	return 0;
}

void gk_finding_set_severity(gk_finding *f, enum gk_severity severity)
{
	assert(f);
	f->severity = severity;
}

int gk_finding_set_estimate(gk_finding *f, const gk_lock_estimate *e)
{
	gk_lock_estimate d = *e;
	d.method = e->method ? gk_strdup(e->method) : NULL;
	d.relation = e->relation ? gk_strdup(e->relation) : NULL;
	d.text = e->text ? gk_strdup(e->text) : NULL;
	if ((e->method && !d.method) || (e->relation && !d.relation) || (e->text && !d.text)) {
		free(d.method);
		free(d.relation);
		free(d.text);
		return GK_ENOMEM;
	}
	if (d.n_sizes > GK_ESTIMATE_SIZES)
		d.n_sizes = GK_ESTIMATE_SIZES;
	free(f->estimate.method);
	free(f->estimate.relation);
	free(f->estimate.text);
	f->estimate = d;
	return 0;
}

int gk_report_set_estimate(gk_report *r, size_t idx, const gk_lock_estimate *e)
{
	return idx < r->n_findings ? gk_finding_set_estimate(&r->findings[idx], e) : GK_ENOTFOUND;
}

int gk_finding_set_production(gk_finding *f, const gk_production *p)
{
	gk_production d = *p;
	d.summary = p->summary ? gk_strdup(p->summary) : NULL;
	d.relation = p->relation ? gk_strdup(p->relation) : NULL;
	d.source = p->source ? gk_strdup(p->source) : NULL;
	d.size_rule = p->size_rule ? gk_strdup(p->size_rule) : NULL;
	if ((p->summary && !d.summary) || (p->relation && !d.relation) || (p->source && !d.source) ||
	    (p->size_rule && !d.size_rule)) {
		free(d.summary), free(d.relation), free(d.source), free(d.size_rule);
		return GK_ENOMEM;
	}
	free(f->production.summary), free(f->production.relation), free(f->production.source);
	free(f->production.size_rule);
	f->production = d;
	return 0;
}

int gk_finding_set_size_severity(gk_finding *f, enum gk_severity severity, const char *why)
{
	char *rule = gk_strdup(why);
	char *msg = gk_asprintf("%s (%s)", f->message ? f->message : "", why);
	if (!rule || !msg) {
		free(rule);
		free(msg);
		return GK_ENOMEM;
	}
	free(f->production.size_rule);
	f->production.size_rule = rule;
	free(f->message);
	f->message = msg;
	f->severity = severity;
	return 0;
}

/* ---- fingerprints ---------------------------------------------------- */

/* A field of the fingerprint, ended by a NUL so that no two splits of the
 * same bytes hash alike ("ab","c" and "a","bc"). */
static int digest_field(EVP_MD_CTX *c, const char *s)
{
	s = s ? s : "";
	return EVP_DigestUpdate(c, s, strlen(s) + 1);
}

/* White space as the C locale's isspace() has it: space, \t \n \v \f \r. */
static bool is_blank(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* The statement's text with every run of white space folded into one
 * space and both ends trimmed, so that re-indenting it keeps the
 * fingerprint; folded a byte at a time into a chunk that goes to the
 * digest when full (a call of strspn and strcspn per word cost more than
 * the SQL's short words), with no copy of the statement. */
static int digest_statement(EVP_MD_CTX *c, const char *sql)
{
	char chunk[4096];
	size_t n = 0;
	bool any = false, gap = false; /* a word written; white space after it */
	int ok = 1;
	for (const unsigned char *p = (const unsigned char *)(sql ? sql : ""); *p && ok; p++) {
		if (is_blank(*p)) {
			gap = any;
			continue;
		}
		if (n + 2 > sizeof chunk) {
			ok = EVP_DigestUpdate(c, chunk, n);
			n = 0;
		}
		if (gap)
			chunk[n++] = ' ';
		chunk[n++] = (char)*p;
		any = true;
		gap = false;
	}
	return ok && EVP_DigestUpdate(c, chunk, n) && EVP_DigestUpdate(c, "", 1);
}

/* The digest of what finding `f` is about, before its occurrence. */
static int digest_subject(EVP_MD_CTX *c, const EVP_MD *md, const gk_finding *f, unsigned char out[32])
{
	unsigned n = 0;
	int ok = EVP_DigestInit_ex(c, md, NULL) && digest_field(c, "gatekeeper-finding/1") &&
		 digest_field(c, f->rule_id) && digest_field(c, f->path);
	if (f->object)
		ok = ok && digest_field(c, f->object_kind) && digest_field(c, f->object) &&
		     digest_field(c, f->attribute);
	else
		ok = ok && digest_statement(c, f->sql);
	return ok && EVP_DigestFinal_ex(c, out, &n) && n == 32 ? 0 : -1;
}

/* The subject digest of finding `f`, the one just added; out of memory
 * leaves it zero, and gk_report_finish then leaves every fingerprint empty. */
static bool digest_ready(report_priv *p)
{
	if (!p->digest)
		p->digest = EVP_MD_CTX_new();
	if (!p->sha256)
		p->sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
	return p->digest && p->sha256;
}

static void set_subject(gk_report *r, gk_finding *f)
{
	report_priv *p = (report_priv *)r;
	if (!digest_ready(p) || digest_subject(p->digest, p->sha256, f, f->subject) < 0) {
		memset(f->subject, 0, sizeof f->subject);
		p->subject_lost = true;
	}
}

static int cmp_str(const char *a, const char *b)
{
	if (a == b)
		return 0;
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int cmp_finding(const void *pa, const void *pb)
{
	const gk_finding *a = pa, *b = pb;
	int c = cmp_str(a->path, b->path);
	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->column != b->column)
		return a->column < b->column ? -1 : 1;
	c = strcmp(a->rule_id, b->rule_id);
	if (c)
		return c;
	return cmp_str(a->message, b->message);
}

/* ---- the report's order --------------------------------------------- */

/*
 * Positions pos[0..n) into `f`, sorted by cmp_finding of the findings they
 * name; equal findings keep the order of their positions (a merge sort, as
 * glibc's qsort is: the report's order must not depend on ties being
 * reordered).  tmp has room for n / 2.  Halves already in order cost one
 * comparison, so positions nearly in order cost about n.
 */
static void sort_positions(const gk_finding *f, size_t *pos, size_t *tmp, size_t n)
{
	if (n < 2)
		return;
	size_t h = n / 2;
	sort_positions(f, pos, tmp, h);
	sort_positions(f, pos + h, tmp, n - h);
	if (cmp_finding(&f[pos[h - 1]], &f[pos[h]]) <= 0)
		return;
	memcpy(tmp, pos, h * sizeof *pos);
	size_t a = 0, b = h, k = 0;
	while (a < h && b < n)
		pos[k++] = cmp_finding(&f[pos[b]], &f[tmp[a]]) < 0 ? pos[b++] : tmp[a++];
	while (a < h)
		pos[k++] = tmp[a++];
}

/* The runs of f[0..n) in cmp_finding order: their count, and with `starts`
 * each one's first position. */
static size_t runs_of(const gk_finding *f, size_t n, size_t *starts)
{
	size_t runs = 0;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || cmp_finding(&f[i - 1], &f[i]) > 0) {
			if (starts)
				starts[runs] = i;
			runs++;
		}
	return runs;
}

/*
 * The order of runs that are each in order (a lint's files, each sorted
 * as it was added) but not among themselves (files named in another
 * order): the runs sorted by their first findings, into `pos`, when that
 * puts every finding in order with equal ones as they came (a run's last
 * is below the next one's first, or equal to it from an earlier run);
 * false otherwise.  `work` has room for 2 * n.
 */
static bool order_by_runs(const gk_finding *f, size_t n, size_t runs, size_t *pos, size_t *work)
{
	size_t *starts = work, *last = work + n;
	runs_of(f, n, starts);
	for (size_t k = 0; k < runs; k++)
		last[starts[k]] = (k + 1 < runs ? starts[k + 1] : n) - 1;
	sort_positions(f, starts, pos, runs);
	for (size_t k = 1; k < runs; k++) {
		int c = cmp_finding(&f[last[starts[k - 1]]], &f[starts[k]]);
		if (c > 0 || (c == 0 && starts[k - 1] > starts[k]))
			return false;
	}
	size_t m = 0;
	for (size_t k = 0; k < runs; k++)
		for (size_t i = starts[k]; i <= last[starts[k]]; i++)
			pos[m++] = i;
	return true;
}

/* Move f[pos[k]] to f[k] for every k, in place (one finding held aside
 * per cycle of the permutation); pos is consumed. */
static void permute(gk_finding *f, size_t *pos, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (pos[k] == k)
			continue;
		gk_finding held = f[k];
		size_t j = k;
		while (pos[j] != k) {
			size_t from = pos[j];
			f[j] = f[from];
			pos[j] = j;
			j = from;
		}
		f[j] = held;
		pos[j] = j;
	}
}

/*
 * Sort f[0..n) by cmp_finding, equal findings in the order they are in.
 * What the lint adds is in order already (each file's findings sorted as
 * they are taken, the files in the order named): one pass sees it.  Out
 * of memory, qsort() does it: glibc's is the same merge sort while it can
 * allocate.
 */
static void sort_findings(gk_finding *f, size_t n)
{
	size_t runs = runs_of(f, n, NULL);
	if (runs < 2)
		return;
	size_t *pos = malloc(n * sizeof *pos), *work = malloc(2 * n * sizeof *work);
	if (!pos || !work) {
		free(pos);
		free(work);
		qsort(f, n, sizeof *f, cmp_finding);
		return;
	}
	if (!order_by_runs(f, n, runs, pos, work)) {
		for (size_t i = 0; i < n; i++)
			pos[i] = i;
		sort_positions(f, pos, work, n);
	}
	free(work);
	permute(f, pos, n);
	free(pos);
}

/* The next free slot for finding `f` (among the findings or the
 * suppressed ones), with `*n` its list's count; NULL when out of memory. */
static gk_finding *finding_slot(gk_report *r, const gk_finding *f, size_t **n)
{
	report_priv *p = (report_priv *)r;
	gk_finding **list = f->suppressed ? &r->suppressed : &r->findings;
	*n = f->suppressed ? &r->n_suppressed : &r->n_findings;
	if (gk_grow_large(list, f->suppressed ? &p->cap_s : &p->cap_f, **n + 1, sizeof **list) < 0)
		return NULL;
	gk_finding *d = &(*list)[**n];
	*d = *f;
	d->blocking = false;
	d->fingerprint[0] = '\0';
	return d;
}

int gk_report_take_finding(gk_report *r, gk_finding *f)
{
	assert(r && f && f->rule_id);
	char *shared[FINDING_SHARED], *empty = NULL;
	if (share_texts(r, f, shared) < 0 || (!f->message && !(empty = gk_strdup(""))))
		return GK_ENOMEM;
	size_t *n;
	gk_finding *d = finding_slot(r, f, &n);
	if (!d) {
		free(empty);
		return GK_ENOMEM;
	}
	if (empty)
		d->message = empty;
	char **fields[FINDING_SHARED];
	finding_shared(d, fields);
	for (size_t k = 0; k < FINDING_SHARED; k++) {
		free(*fields[k]); /* the caller's copy, the report's now */
		*fields[k] = shared[k];
	}
	memset(f, 0, sizeof *f);
	set_subject(r, d);
	(*n)++;
	return 0;
}

int gk_report_reserve_findings(gk_report *r, size_t n)
{
	assert(r);
	report_priv *p = (report_priv *)r;
	if (n > SIZE_MAX / sizeof *r->findings - r->n_findings)
		return GK_ENOMEM;
	return gk_grow_large(&r->findings, &p->cap_f, r->n_findings + n, sizeof *r->findings) < 0 ? GK_ENOMEM : 0;
}

int gk_report_take_findings(gk_report *r, gk_finding *f, size_t n)
{
	assert(r && (f || n == 0));
	size_t *pos = malloc((n ? n : 1) * sizeof *pos), *tmp = malloc((n / 2 + 1) * sizeof *tmp);
	int rc = pos && tmp ? 0 : GK_ENOMEM;
	size_t m = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (f[i].suppressed)
			rc = gk_report_take_finding(r, &f[i]);
		else
			pos[m++] = i;
	}
	if (rc == 0)
		sort_positions(f, pos, tmp, m);
	for (size_t k = 0; rc == 0 && k < m; k++)
		rc = gk_report_take_finding(r, &f[pos[k]]);
	free(pos);
	free(tmp);
	return rc;
}

int gk_report_add_finding(gk_report *r, const gk_finding *f)
{
	assert(r && f && f->rule_id);
	char *shared[FINDING_SHARED];
	if (share_texts(r, f, shared) < 0)
		return GK_ENOMEM;
	size_t *n;
	gk_finding *d = finding_slot(r, f, &n);
	if (!d)
		return GK_ENOMEM;
	d->evidence.predicted.relation = d->evidence.observed.relation = NULL;
	d->estimate.method = d->estimate.relation = d->estimate.text = NULL;
	if (!d->message)
		d->message = "";
	char **fields[FINDING_OWNED];
	finding_owned(d, fields);
	bool ok = true;
	for (size_t i = 0; i < FINDING_OWNED; i++) {
		const char *src = *fields[i];
		*fields[i] = gk_strdup(src);
		ok = ok && (!src || *fields[i]);
	}
	if (!ok || gk_finding_set_evidence(d, &f->evidence) < 0 || gk_finding_set_estimate(d, &f->estimate) < 0) {
		for (size_t i = 0; i < FINDING_OWNED; i++)
			free(*fields[i]);
		free(d->evidence.predicted.relation);
		free(d->evidence.observed.relation);
		return GK_ENOMEM;
	}
	char **texts[FINDING_SHARED];
	finding_shared(d, texts);
	for (size_t k = 0; k < FINDING_SHARED; k++)
		*texts[k] = shared[k];
	set_subject(r, d);
	(*n)++;
	return 0;
}

int gk_report_add_note(gk_report *r, const char *note)
{
	assert(r && note);
	char **grown = realloc(r->notes, (r->n_notes + 1) * sizeof *grown);
	if (!grown)
		return GK_ENOMEM;
	r->notes = grown;
	return (r->notes[r->n_notes] = gk_strdup(note)) ? (int)(r->n_notes++, 0) : GK_ENOMEM;
}

int gk_report_add_check(gk_report *r, const char *name, unsigned categories)
{
	assert(r && name);
	gk_report_check *grown = realloc(r->checks, (r->n_checks + 1) * sizeof *grown);
	if (!grown)
		return GK_ENOMEM;
	r->checks = grown;
	gk_report_check *c = &r->checks[r->n_checks];
	*c = (gk_report_check){.name = gk_strdup(name), .categories = categories};
	return c->name ? (int)r->n_checks++ : GK_ENOMEM;
}

int gk_report_skip_check(gk_report *r, size_t idx, const char *why)
{
	assert(r && idx < r->n_checks && why);
	gk_report_check *c = &r->checks[idx];
	if (c->not_run)
		return 0;
	return (c->not_run = gk_strdup(why)) ? 0 : GK_ENOMEM;
}

int gk_report_add_error(gk_report *r, enum gk_error_kind kind, const char *path, const char *fmt, ...)
{
	assert(r && fmt);
	report_priv *p = (report_priv *)r;
	if (gk_grow(&r->errors, &p->cap_e, r->n_errors + 1, sizeof *r->errors) < 0)
		return GK_ENOMEM;
	gk_buf b = GK_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	gk_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	gk_run_error *e = &r->errors[r->n_errors];
	e->kind = kind;
	e->message = gk_buf_take(&b);
	e->path = gk_strdup(path);
	if (!e->message || (path && !e->path)) {
		free(e->message);
		free(e->path);
		return GK_ENOMEM;
	}
	r->n_errors++;
	return 0;
}

static const char *const kind_names[] = {"config", "io", "db_connect", "timeout", "interrupted", "internal"};
_Static_assert(sizeof kind_names / sizeof *kind_names == GK_ERRKIND_INTERNAL + 1, "error kind names");

const char *gk_error_kind_name(enum gk_error_kind k) { return kind_names[k]; }

/* The exit code of the worst error; db_connect errors are left out when
 * `skip_connect` (see gk_report_finish). */
static enum gk_exit exit_for_errors(const gk_report *r, bool skip_connect)
{
	enum gk_exit worst = GK_EXIT_PASS;
	for (size_t i = 0; i < r->n_errors; i++) {
		if (skip_connect && r->errors[i].kind == GK_ERRKIND_DB_CONNECT)
			continue;
		enum gk_exit e = r->errors[i].kind == GK_ERRKIND_INTERNAL ? GK_EXIT_INTERNAL
			: (r->errors[i].kind == GK_ERRKIND_DB_CONNECT || r->errors[i].kind == GK_ERRKIND_TIMEOUT ||
			   r->errors[i].kind == GK_ERRKIND_INTERRUPTED)
				? GK_EXIT_INFRA
				: GK_EXIT_USAGE;
		/* Internal beats infra beats usage: the most serious wins. */
		if (e == GK_EXIT_INTERNAL || (e == GK_EXIT_INFRA && worst != GK_EXIT_INTERNAL) || worst == GK_EXIT_PASS)
			worst = e;
	}
	return worst;
}

/* Whether the run was cut short: a timeout or an interruption. */
static bool stopped(const gk_report *r)
{
	for (size_t i = 0; i < r->n_errors; i++)
		if (r->errors[i].kind == GK_ERRKIND_TIMEOUT || r->errors[i].kind == GK_ERRKIND_INTERRUPTED)
			return true;
	return false;
}

static int cmp_migration_path(const void *pa, const void *pb)
{
	const gk_migration *const *a = pa, *const *b = pb;
	return strcmp((*a)->path, (*b)->path);
}

/* By path, then by place in the report: among migrations with the same
 * path, the first comes first. */
static int cmp_migration_path_index(const void *pa, const void *pb)
{
	const gk_migration *const *a = pa, *const *b = pb;
	int c = strcmp((*a)->path, (*b)->path);
	return c ? c : (*a > *b) - (*a < *b);
}

/* The index of the first migration with `path` in `byp` (the migrations
 * sorted by cmp_migration_path_index), or -1. */
static long first_migration(const gk_report *r, gk_migration *const *byp, const char *path)
{
	gk_migration key = {.path = (char *)path}, *kp = &key;
	gk_migration *const *hit = bsearch(&kp, byp, r->n_migrations, sizeof *byp, cmp_migration_path);
	if (!hit)
		return -1;
	while (hit > byp && cmp_migration_path(hit - 1, &kp) == 0)
		hit--; /* the first migration with the path, whichever bsearch found */
	return *hit - r->migrations;
}

/* Count each finding against its migration, and link the two (a
 * finding's migration, a migration's first finding) so that a renderer
 * that lists findings per migration never searches; a sorted index, and
 * the findings sorted by path, keep this O(M log M + F) for runs over
 * thousands of files. */
static void count_per_migration(gk_report *r)
{
	gk_migration **byp = malloc((r->n_migrations ? r->n_migrations : 1) * sizeof *byp);
	for (size_t i = 0; i < r->n_migrations; i++) {
		r->migrations[i].findings = r->migrations[i].blocking = 0;
		r->migrations[i].status = GK_MIGRATION_PASS;
		if (byp)
			byp[i] = &r->migrations[i];
	}
	if (!byp) {
		for (size_t i = 0; i < r->n_findings; i++)
			r->findings[i].migration = -1;
		return;
	}
	if (r->n_migrations)
		qsort(byp, r->n_migrations, sizeof *byp, cmp_migration_path_index);
	const gk_finding *prev = NULL;
	for (size_t i = 0; i < r->n_findings; prev = &r->findings[i++]) {
		gk_finding *f = &r->findings[i];
		f->migration = -1;
		if (!f->path)
			continue;
		/* Sorted by path: the finding before has the same one, mostly. */
		if (prev && prev->path && strcmp(prev->path, f->path) == 0)
			f->migration = prev->migration;
		else
			f->migration = first_migration(r, byp, f->path);
		if (f->migration < 0)
			continue;
		gk_migration *m = &r->migrations[f->migration];
		if (m->findings == 0)
			m->first_finding = i;
		m->findings++;
		if (f->blocking) {
			m->blocking++;
			m->status = GK_MIGRATION_FAIL;
		}
	}
	free(byp);
}

static void count_per_check(gk_report *r)
{
	for (size_t k = 0; k < r->n_checks; k++) {
		gk_report_check *c = &r->checks[k];
		c->findings = c->blocking = 0;
		for (size_t i = 0; i < r->n_findings; i++)
			if (c->categories >> r->findings[i].category & 1u) {
				c->findings++;
				c->blocking += r->findings[i].blocking;
			}
	}
}

static bool notable(const gk_migration *m)
{
	return m->findings || m->replay.n_locks ||
	       (m->replay.status != GK_REPLAY_NONE && m->replay.status != GK_REPLAY_OK) ||
	       (m->history != GK_HISTORY_NONE && m->history != GK_HISTORY_UNCHANGED) ||
	       (m->applied.status != GK_APPLIED_NONE && m->applied.status != GK_APPLIED_APPLIED);
}

/* What the summaries list and count: see gk_migration.notable. */
static void count_notable(gk_report *r)
{
	size_t attached = 0;
	r->n_notable = 0;
	for (size_t i = 0; i < r->n_migrations; i++) {
		gk_migration *m = &r->migrations[i];
		m->notable = notable(m);
		r->n_notable += m->notable;
		attached += m->findings;
	}
	r->n_unattached = r->n_findings - attached;
}

typedef struct subject_key {
	unsigned char digest[32];
	size_t idx;
} subject_key;

/* By subject; within one, by the object each names (`about`), then by
 * place: the findings' order in the report is by message last, and that
 * holds sizes and line numbers that change between runs. */
static int cmp_subject(const void *pa, const void *pb, void *findings)
{
	const subject_key *a = pa, *b = pb;
	int c = memcmp(a->digest, b->digest, sizeof a->digest);
	if (!c) {
		const char *x = ((const gk_finding *)findings)[a->idx].about;
		const char *y = ((const gk_finding *)findings)[b->idx].about;
		c = strcmp(x ? x : "", y ? y : "");
	}
	return c ? c : (a->idx > b->idx) - (a->idx < b->idx);
}

/* The path as the subject digests it: none reads as "". */
static const char *subject_path(const gk_finding *f) { return f->path ? f->path : ""; }

/* The end of the findings from `i` on with the path of r->findings[i]
 * (mostly the report's one copy of it: the same pointer). */
static size_t path_end(const gk_report *r, size_t i)
{
	const char *path = subject_path(&r->findings[i]);
	size_t end = i + 1;
	for (; end < r->n_findings; end++) {
		const char *next = subject_path(&r->findings[end]);
		if (next != path && strcmp(next, path) != 0)
			break;
	}
	return end;
}

/* Each of keys[0..n) (sorted by cmp_subject) numbered among the findings
 * of its subject, from 0, into occurrence[]. */
static void number_occurrences(const subject_key *keys, size_t n, uint32_t *occurrence)
{
	uint32_t k_th = 0;
	for (size_t k = 0; k < n; k++) {
		bool same = k > 0 && memcmp(keys[k].digest, keys[k - 1].digest, sizeof keys[k].digest) == 0;
		k_th = same ? k_th + 1 : 0;
		occurrence[keys[k].idx] = k_th;
	}
}

/* Writing the fingerprints of findings [from, to): a half's own digest
 * context (halves.h); `ok` false when the digest failed. */
typedef struct fingerprint_half {
	gk_report *r;
	const uint32_t *occurrence;
	const EVP_MD *sha256;
	EVP_MD_CTX *ctx;
	bool ok;
} fingerprint_half;

static void write_fingerprints(void *arg, size_t from, size_t to)
{
	static const char hexdigits[] = "0123456789abcdef";
	fingerprint_half *h = arg;
	for (size_t i = from; h->ok && i < to; i++) {
		gk_finding *f = &h->r->findings[i];
		uint32_t o = h->occurrence[i];
		unsigned char be[4] = {o >> 24, o >> 16 & 0xff, o >> 8 & 0xff, o & 0xff};
		unsigned char d[32];
		unsigned len = 0;
		if (!EVP_DigestInit_ex(h->ctx, h->sha256, NULL) || !EVP_DigestUpdate(h->ctx, f->subject, 32) ||
		    !EVP_DigestUpdate(h->ctx, be, sizeof be) || !EVP_DigestFinal_ex(h->ctx, d, &len) || len != 32) {
			h->ok = false;
			break;
		}
		for (size_t b = 0; b < 32; b++) {
			f->fingerprint[2 * b] = hexdigits[d[b] >> 4];
			f->fingerprint[2 * b + 1] = hexdigits[d[b] & 15];
		}
		f->fingerprint[64] = '\0';
	}
}

/*
 * Each finding's fingerprint (see gk_finding): the digest of the subject's
 * digest and the finding's occurrence among those of the same subject
 * (cmp_subject), so two identical statements in one file stay apart.
 * Findings of one subject have one path, and the findings are sorted by
 * path (no path just before ""): their keys are sorted path by path, a few
 * at a time, in a buffer as large as the most findings of a path.  The
 * digests, one per finding, are taken by two threads for many findings
 * (halves.h).  Out of memory leaves them all empty.
 */
static void fingerprint_findings(gk_report *r)
{
	report_priv *p = (report_priv *)r;
	subject_key *keys = NULL;
	size_t cap = 0, n = r->n_findings;
	uint32_t *occurrence = malloc((n ? n : 1) * sizeof *occurrence);
	bool ok = occurrence && !p->subject_lost && digest_ready(p);
	for (size_t i = 0, end; ok && i < n; i = end) {
		end = path_end(r, i);
		ok = gk_grow(&keys, &cap, end - i, sizeof *keys) == 0;
		for (size_t k = i; ok && k < end; k++) {
			keys[k - i].idx = k;
			memcpy(keys[k - i].digest, r->findings[k].subject, sizeof keys[k - i].digest);
		}
		if (ok) {
			qsort_r(keys, end - i, sizeof *keys, cmp_subject, r->findings);
			number_occurrences(keys, end - i, occurrence);
		}
	}
	free(keys);
	fingerprint_half first = {r, occurrence, p->sha256, p->digest, ok};
	fingerprint_half second = {r, occurrence, p->sha256, ok ? EVP_MD_CTX_new() : NULL, ok};
	second.ok = second.ok && second.ctx;
	if (ok && !(second.ok && gk_halves_run(n, write_fingerprints, &first, &second))) {
		write_fingerprints(&first, 0, n);
		second.ok = true;
	}
	EVP_MD_CTX_free(second.ctx);
	free(occurrence);
	for (size_t i = 0; !(ok && first.ok && second.ok) && i < n; i++)
		r->findings[i].fingerprint[0] = '\0';
}

/* Applied on the target with the file unchanged, and nothing else to say:
 * not notable (run after count_notable), neither linted nor replayed. */
static void mark_settled(gk_report *r)
{
	r->n_settled = 0;
	for (size_t i = 0; i < r->n_migrations; i++) {
		gk_migration *m = &r->migrations[i];
		m->settled = m->applied.status == GK_APPLIED_APPLIED && !m->notable && !m->linted &&
			     m->replay.status == GK_REPLAY_NONE;
		r->n_settled += m->settled;
	}
}

void gk_report_finish(gk_report *r, enum gk_severity fail_level, double duration_s)
{
	assert(r);
	r->fail_level = fail_level;
	r->duration_s = duration_s;
	sort_findings(r->findings, r->n_findings);
	memset(r->by_severity, 0, sizeof r->by_severity);
	r->n_blocking = 0;
	r->evidence.confirmed = r->evidence.corrected = r->evidence.trace_only = 0;
	for (size_t i = 0; i < r->n_findings; i++) {
		gk_finding *f = &r->findings[i];
		f->blocking = fail_level != GK_SEV_OFF && f->severity >= fail_level;
		r->by_severity[f->severity]++;
		r->n_blocking += f->blocking;
		enum gk_evidence_verdict v = f->evidence.verdict;
		r->evidence.confirmed += v == GK_EVIDENCE_CONFIRMED;
		r->evidence.corrected += v == GK_EVIDENCE_CORRECTED || v == GK_EVIDENCE_REFUTED;
		r->evidence.trace_only += v == GK_EVIDENCE_TRACE_ONLY;
	}
	count_per_migration(r);
	count_per_check(r);
	count_notable(r);
	fingerprint_findings(r);
	mark_settled(r);
	r->statements_total = r->statements_analysed = r->n_linted = 0;
	for (size_t i = 0; i < r->n_migrations; i++) {
		const gk_migration *m = &r->migrations[i];
		if (!m->linted)
			continue;
		r->n_linted++;
		r->statements_analysed += m->statements > 0 ? (size_t)m->statements : 0;
		r->statements_total += m->statements_total > m->statements ? (size_t)m->statements_total
					: m->statements > 0 ? (size_t)m->statements : 0;
	}
	/* Blocking findings and a server that failed (a shadow that could not
	 * start or went away, a target unreachable): the change is known bad
	 * and a retry would not change that, so the verdict is the gate's
	 * (exit 1); errors[] still says what failed.  A timeout or an
	 * interruption stays 3: the run was stopped, or is waiting for a
	 * deploy in progress, not judged whole. */
	enum gk_exit e = exit_for_errors(r, r->n_blocking > 0 && !stopped(r));
	if (e != GK_EXIT_PASS) {
		r->exit_code = e;
		r->verdict = "error";
	} else if (r->n_blocking) {
		r->exit_code = GK_EXIT_FAIL;
		r->verdict = "fail";
	} else {
		r->exit_code = GK_EXIT_PASS;
		r->verdict = "pass";
	}
	r->finished = true;
}
