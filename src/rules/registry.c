/* registry.c - the rule table, expanded from rules.def. */
#include "lint/lint_internal.h"

#include <string.h>

#define GK_RULE(c) extern const gk_rule gk_rule_##c;
#include "rules.def"
#undef GK_RULE

static const gk_rule *const registry[] = {
#define GK_RULE(c) &gk_rule_##c,
#include "rules.def"
#undef GK_RULE
};

#define N_RULES (sizeof registry / sizeof *registry)
_Static_assert(N_RULES <= GK_RULES_MAX, "raise GK_RULES_MAX");

size_t gk_rules_count(void) { return N_RULES; }

const gk_rule_info *gk_rule_at(size_t i) { return i < N_RULES ? &registry[i]->info : NULL; }

const gk_rule *gk_rule_impl(size_t i) { return registry[i]; }

int gk_rule_index(const char *id)
{
	size_t lo = 0, hi = N_RULES;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(registry[mid]->info.id, id);
		if (c == 0)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* The table is sorted by a test; fall back to a scan so that an
	 * unsorted table during development still works. */
	for (size_t i = 0; i < N_RULES; i++)
		if (strcmp(registry[i]->info.id, id) == 0)
			return (int)i;
	return -1;
}

const gk_rule_info *gk_rule_find(const char *id)
{
	int i = gk_rule_index(id);
	return i < 0 ? NULL : &registry[i]->info;
}
