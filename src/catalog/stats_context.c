/*
 * stats_context.c - what a lock, rewrite, scan or index-build finding
 * means on the production table it is about (gk_stats_annotate()).
 *
 * The facts come from two places computed elsewhere: the lock table's
 * prediction on the finding (src/lint/predict.c: the relation, the lock,
 * whether the table is rewritten or scanned) and a statistics snapshot
 * (a file, or one just taken from the gate's target).  This file joins
 * them once, after linting and before gk_report_finish(), so that rules
 * stay static and renderers only print production.summary.
 *
 * size_thresholds is applied here too, because it needs the same join:
 * a finding's severity rises to error above the threshold of what its
 * statement does, or falls to info below info_below, and the message
 * says the size and the threshold every time.
 */
#include "catalog/stats.h"
#include "rules/rules.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the statement does to the table, strongest first. */
enum action { ACT_LOCK, ACT_SCAN, ACT_INDEX_BUILD, ACT_REWRITE };

static enum action action_of(const gk_evidence *e)
{
	const gk_lock_fact *p = &e->predicted;
	/* A rule that predicts a rewrite knows more than the lock table (a
	 * volatile default is a rewrite the table's entry cannot see). */
	if (p->rewrite || e->kind == GK_PREDICT_REWRITE)
		return ACT_REWRITE;
	/* A scan under SHARE is CREATE INDEX's (locks.c): it builds an index. */
	if (p->scan && p->lock && !strcmp(p->lock, "SHARE"))
		return ACT_INDEX_BUILD;
	return p->scan ? ACT_SCAN : ACT_LOCK;
}

static const char *verb(enum action a)
{
	switch (a) {
	case ACT_REWRITE: return "rewrites";
	case ACT_INDEX_BUILD: return "builds an index on";
	case ACT_SCAN: return "scans";
	case ACT_LOCK: return "locks";
	}
	return "locks";
}

static const char *threshold_name(enum action a)
{
	switch (a) {
	case ACT_REWRITE: return "rewrite";
	case ACT_INDEX_BUILD: return "index_build";
	case ACT_SCAN: return "scan";
	case ACT_LOCK: return "lock";
	}
	return "lock";
}

static long long threshold_of(const gk_size_thresholds *t, enum action a)
{
	switch (a) {
	case ACT_REWRITE: return t->rewrite;
	case ACT_INDEX_BUILD: return t->index_build;
	case ACT_SCAN: return t->scan;
	case ACT_LOCK: return t->lock;
	}
	return 0;
}

/* `v` in the largest of `units` (each `base` times the one before) that
 * keeps it under `base`; one decimal below 10 ("1.5 GB", "41M"). */
static void scaled(char *out, size_t n, double v, double base, const char *const *units, size_t n_units,
		   const char *sep)
{
	size_t i = 0;
	while (v >= base - 0.5 && i + 1 < n_units)
		v /= base, i++;
	snprintf(out, n, i > 0 && v < 9.95 ? "%.1f%s%s" : "%.0f%s%s", v, sep, units[i]);
}

/* 41M, 1.2k, 300 */
static void fmt_count(char *out, size_t n, double v)
{
	static const char *const suffix[] = {"", "k", "M", "B", "T"};
	scaled(out, n, v, 1000, suffix, sizeof suffix / sizeof *suffix, "");
}

void gk_stats_format_bytes(char *out, size_t n, long long bytes)
{
	static const char *const unit[] = {"bytes", "kB", "MB", "GB", "TB", "PB"};
	scaled(out, n, (double)bytes, 1024, unit, sizeof unit / sizeof *unit, " ");
}

/* "~2,300 writes/s": two significant figures with thousands separators. */
static void fmt_rate(char *out, size_t n, double r)
{
	if (r < 0.05) {
		snprintf(out, n, "no writes");
		return;
	}
	if (r < 1) {
		snprintf(out, n, "~%.1f writes/s", r);
		return;
	}
	long long v = (long long)(r + 0.5);
	long long scale = 1;
	while (v / scale >= 100)
		scale *= 10;
	v = (v + scale / 2) / scale * scale;
	char digits[24], grouped[40];
	snprintf(digits, sizeof digits, "%lld", v);
	size_t len = strlen(digits), k = 0;
	for (size_t i = 0; i < len && k + 2 < sizeof grouped; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			grouped[k++] = ',';
		grouped[k++] = digits[i];
	}
	grouped[k] = '\0';
	snprintf(out, n, "~%s write%s/s", grouped, v == 1 ? "" : "s");
}

/* "41M rows, 18 GB, ~2,300 writes/s" */
static void table_facts(char *out, size_t n, const gk_stats_table *t)
{
	char rows[32], size[32], rate[80];
	long long r = gk_stats_rows(t);
	fmt_count(rows, sizeof rows, (double)(r > 0 ? r : 0));
	gk_stats_format_bytes(size, sizeof size, t->total_bytes);
	if (t->writes_per_second >= 0)
		fmt_rate(rate, sizeof rate, t->writes_per_second);
	snprintf(out, n, "%s row%s, %s%s%s", rows, r == 1 ? "" : "s", size, t->writes_per_second >= 0 ? ", " : "",
		 t->writes_per_second >= 0 ? rate : "");
}

/* Split "schema.name" (the lock table's form; identifiers as written,
 * unquoted) at its last dot; no dot: public. */
static void split_relation(const char *rel, char *schema, size_t ns, char *name, size_t nn)
{
	const char *dot = strrchr(rel, '.');
	if (!dot) {
		snprintf(schema, ns, "public");
		snprintf(name, nn, "%s", rel);
		return;
	}
	snprintf(schema, ns, "%.*s", (int)(dot - rel), rel);
	snprintf(name, nn, "%s", dot + 1);
}

typedef struct ctx {
	const gk_stats *s;
	const char *source;
	const gk_size_thresholds *t;
} ctx;

/* size_thresholds: the new severity and why, or false to leave it. */
static bool size_rule(const ctx *c, const gk_finding *f, enum action a, const char *rel, long long bytes,
		      enum gk_severity *sev, char *why, size_t n)
{
	if (!c->t)
		return false;
	char size[32], limit[32];
	gk_stats_format_bytes(size, sizeof size, bytes);
	long long over = threshold_of(c->t, a);
	if (over > 0 && bytes > over && f->severity < GK_SEV_ERROR) {
		gk_stats_format_bytes(limit, sizeof limit, over);
		snprintf(why, n, "%s is %s in production, over the %s size threshold of %s: %s raised to error", rel, size,
			 threshold_name(a), limit, gk_severity_name(f->severity));
		*sev = GK_SEV_ERROR;
		return true;
	}
	if (c->t->info_below > 0 && bytes < c->t->info_below && f->severity > GK_SEV_INFO) {
		gk_stats_format_bytes(limit, sizeof limit, c->t->info_below);
		snprintf(why, n, "%s is %s in production, under the info_below size threshold of %s: %s lowered to info",
			 rel, size, limit, gk_severity_name(f->severity));
		*sev = GK_SEV_INFO;
		return true;
	}
	return false;
}

static int annotate(const ctx *c, gk_finding *f)
{
	const gk_lock_fact *p = &f->evidence.predicted;
	if (f->evidence.kind == GK_PREDICT_NONE || !p->relation || !p->lock)
		return 0;
	char schema[256], name[256];
	split_relation(p->relation, schema, sizeof schema, name, sizeof name);
	const gk_stats_index *ix = NULL;
	const gk_stats_table *t = gk_stats_find(c->s, schema, name);
	if (!t && !(t = gk_stats_find_index(c->s, schema, name, &ix)))
		return 0; /* not in production's statistics: nothing to say about it there */
	enum action a = action_of(&f->evidence);
	char facts[256], summary[1280];
	table_facts(facts, sizeof facts, t);
	if (ix) {
		char isize[32];
		gk_stats_format_bytes(isize, sizeof isize, ix->total_bytes);
		snprintf(summary, sizeof summary, "%s index %s.%s (%s) of %s.%s (%s) under %s", verb(a), t->schema, ix->name,
			 isize, t->schema, t->name, facts, p->lock);
	} else {
		snprintf(summary, sizeof summary, "%s %s.%s (%s) under %s", verb(a), t->schema, t->name, facts, p->lock);
	}
	char *rel = gk_asprintf("%s.%s", t->schema, t->name);
	if (!rel)
		return GK_ENOMEM;
	gk_production prod = {
		.summary = summary,
		.relation = rel,
		.source = (char *)c->source,
		.rows = gk_stats_rows(t),
		.total_bytes = t->total_bytes,
		.writes_per_second = t->writes_per_second,
	};
	int rc = gk_finding_set_production(f, &prod);
	enum gk_severity sev;
	char why[512];
	if (!rc && size_rule(c, f, a, rel, t->total_bytes, &sev, why, sizeof why))
		rc = gk_finding_set_size_severity(f, sev, why);
	free(rel);
	return rc;
}

int gk_stats_annotate(gk_report *r, const gk_stats *s, const char *source, const gk_size_thresholds *t,
		      gk_error *err)
{
	ctx c = {.s = s, .source = source, .t = t};
	for (size_t i = 0; i < r->n_findings; i++)
		if (annotate(&c, &r->findings[i]) != 0)
			return gk_error_set(err, GK_ENOMEM, "out of memory");
	return 0;
}

int gk_stats_check_age(gk_report *r, const gk_lint_options *lint, const gk_stats *s, const char *name,
		       double max_age_s, long long now, gk_error *err)
{
	if (max_age_s <= 0)
		max_age_s = GK_STATS_MAX_AGE_DEFAULT_S;
	long long age = now - gk_stats_taken_at(s);
	if (age <= (long long)max_age_s)
		return 0;
	char *msg = gk_asprintf("stale statistics: %s was taken %.1f days ago, more than stats_max_age "
				"(%.1f days); its production sizes are still used and may be out of date",
				name, (double)age / 86400, max_age_s / 86400);
	gk_finding f = {.message = msg, .path = (char *)name};
	int rc = msg ? gk_rule_add_finding(r, lint, GK_RULE_ID_stats_stale, &f) : GK_ENOMEM;
	free(msg);
	return rc ? gk_error_set(err, GK_ENOMEM, "out of memory") : 0;
}
