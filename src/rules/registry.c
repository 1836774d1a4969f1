/*
 * registry.c - the rule table, expanded from rules.def, and what needs it:
 * lookups by id, the user's severities, and findings of rules that other
 * modules (history, replay, drift, status, gate) find.
 */
#include "rules/rules.h"

#include <pthread.h>
#include <string.h>

#define GK_RULE(c) extern const gk_rule gk_rule_##c;
#include "rules.def"
#undef GK_RULE

static const gk_rule *const registry[] = {
#define GK_RULE(c) [GK_RULE_ID_##c] = &gk_rule_##c,
#include "rules.def"
#undef GK_RULE
};

#define N_RULES (sizeof registry / sizeof *registry)
_Static_assert(N_RULES <= GK_RULES_MAX, "raise GK_RULES_MAX");
_Static_assert(N_RULES == GK_RULE_ID_COUNT, "enum gk_rule_id and the registry differ");

static const gk_rule_table catalogue = {.rules = registry, .n = N_RULES};

const gk_rule_table *gk_rules_table(void) { return &catalogue; }

size_t gk_rules_count(void) { return N_RULES; }

const gk_rule_info *gk_rule_at(size_t i) { return i < N_RULES ? &registry[i]->info : NULL; }

const gk_rule_info *gk_rule_info_of(enum gk_rule_id id) { return &registry[id]->info; }

int gk_rule_index(const char *id) { return gk_rule_table_index(&catalogue, id); }

const gk_rule_info *gk_rule_find(const char *id)
{
	int i = gk_rule_index(id);
	return i < 0 ? NULL : &registry[i]->info;
}

enum gk_prediction gk_rule_prediction(const char *rule_id)
{
	int i = rule_id ? gk_rule_index(rule_id) : -1;
	return i < 0 ? GK_PREDICT_NONE : gk_lint_prediction((enum gk_rule_id)i);
}

int gk_lint_options_set_severity(gk_lint_options *o, const char *rule_id, enum gk_severity sev)
{
	int i = gk_rule_index(rule_id);
	if (i < 0)
		return GK_ENOTFOUND;
	o->severity[i] = (signed char)sev;
	return 0;
}

enum gk_severity gk_lint_options_severity(const gk_lint_options *o, const char *rule_id)
{
	int i = gk_rule_index(rule_id);
	return i < 0 ? GK_SEV_OFF : gk_rule_table_severity(&catalogue, o, (size_t)i);
}

int gk_rule_add_finding(gk_report *r, const gk_lint_options *o, enum gk_rule_id id, const gk_finding *f)
{
	const gk_rule_info *rule = gk_rule_info_of(id);
	enum gk_severity sev = gk_rule_table_severity(&catalogue, o, (size_t)id);
	if (sev == GK_SEV_OFF)
		return 0;
	gk_finding fd = *f;
	fd.rule_id = rule->id;
	fd.category = rule->category;
	fd.severity = sev;
	if (!fd.help)
		fd.help = (char *)rule->help;
	return gk_report_add_finding(r, &fd) < 0 ? GK_ENOMEM : 0;
}

/* ---- the catalogue for renderers ---- */

static gk_render_rule render_rules[N_RULES];
static pthread_once_t render_once = PTHREAD_ONCE_INIT;

/* The first example of `kind`, or NULL. */
static const gk_rule_example *first_example(const gk_rule_info *ri, enum gk_example_kind kind)
{
	for (size_t i = 0; i < GK_RULE_MAX_EXAMPLES && ri->examples[i].sql; i++)
		if (ri->examples[i].kind == kind)
			return &ri->examples[i];
	return NULL;
}

static void build_render_rules(void)
{
	for (size_t i = 0; i < N_RULES; i++) {
		const gk_rule_info *ri = &registry[i]->info;
		const gk_rule_example *bad = first_example(ri, GK_EXAMPLE_BAD), *ok = first_example(ri, GK_EXAMPLE_OK);
		render_rules[i] = (gk_render_rule){
			.id = ri->id, .category = ri->category, .severity = ri->severity,
			.summary = ri->summary, .why = ri->why, .help = ri->help,
			.bad_sql = bad ? bad->sql : NULL, .bad_note = bad ? bad->note : NULL,
			.ok_sql = ok ? ok->sql : NULL, .ok_note = ok ? ok->note : NULL,
		};
	}
}

const gk_render_rule *gk_rules_render(size_t *n)
{
	pthread_once(&render_once, build_render_rules);
	*n = N_RULES;
	return render_rules;
}
