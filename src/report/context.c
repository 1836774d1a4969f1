/*
 * context.c - a finding's production context and lock-window estimate,
 * as the renderers that carry them show them (see context.h).
 */
#include "context.h"
#include "../util/util.h"

#include <math.h>

bool gk_render_has_context(const gk_finding *f)
{
	return f->production.summary || f->estimate.text;
}

char *gk_render_message_with_context(const gk_finding *f)
{
	if (!gk_render_has_context(f))
		return NULL;
	gk_buf b = GK_BUF_INIT;
	gk_buf_puts(&b, f->message && *f->message ? f->message : f->rule_id);
	if (f->production.summary)
		gk_buf_printf(&b, "\nproduction: %s", f->production.summary);
	if (f->estimate.text)
		gk_buf_printf(&b, "\nestimate: %s", f->estimate.text);
	return gk_buf_take(&b);
}

/* A count, null when not known (< 0). */
static void kcount(gk_jstream *j, const char *key, long long v)
{
	if (v >= 0)
		gk_js_kint(j, key, v);
	else
		gk_js_knull(j, key);
}

/* The predicted lock window in production (see gk_lock_estimate). */
static void estimate(gk_jstream *j, const gk_lock_estimate *e)
{
	gk_js_kopen(j, "estimate", '{');
	gk_js_kint(j, "low_ms", llround(e->low_ms));
	gk_js_kint(j, "high_ms", llround(e->high_ms));
	gk_js_kstring(j, "method", e->method);
	gk_js_kstring(j, "lock", e->lock);
	gk_js_kstring(j, "relation", e->relation);
	gk_js_kint(j, "production_rows", llround(e->production_rows));
	gk_js_kopen(j, "sizes", '[');
	for (size_t i = 0; i < e->n_sizes; i++) {
		gk_js_object(j);
		gk_js_kint(j, "rows", e->sizes[i].rows);
		gk_js_kreal(j, "ms", e->sizes[i].ms);
		gk_js_end(j, '}');
	}
	gk_js_end(j, ']');
	gk_js_end(j, '}');
}

/* What the statement means on the production table (--stats, gate). */
static void production(gk_jstream *j, const gk_production *p)
{
	gk_js_kopen(j, "production", '{');
	gk_js_kstring(j, "summary", p->summary);
	gk_js_kstring(j, "relation", p->relation);
	gk_js_kstring(j, "source", p->source);
	kcount(j, "rows", p->rows);
	gk_js_kint(j, "total_bytes", p->total_bytes);
	if (p->writes_per_second >= 0)
		gk_js_kreal(j, "writes_per_second", p->writes_per_second);
	else
		gk_js_knull(j, "writes_per_second");
	gk_js_kstring(j, "size_rule", p->size_rule);
	gk_js_end(j, '}');
}

/* The counts behind a data-precondition finding (the gate). */
static void precondition(gk_jstream *j, const gk_precondition *p)
{
	gk_js_kopen(j, "precondition", '{');
	gk_js_kstring(j, "kind", p->kind);
	gk_js_kint(j, "rows", p->rows);
	kcount(j, "groups", p->groups);
	kcount(j, "values", p->values);
	gk_js_kbool(j, "sampled", p->sampled);
	gk_js_kbool(j, "estimated", p->estimated);
	gk_js_end(j, '}');
}

void gk_render_context_json(gk_jstream *j, const gk_finding *f)
{
	if (f->production.summary)
		production(j, &f->production);
	if (f->estimate.method)
		estimate(j, &f->estimate);
	if (f->precondition.kind)
		precondition(j, &f->precondition);
}
