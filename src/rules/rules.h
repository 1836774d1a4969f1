/*
 * rules.h - the catalogue for the modules above it: the rule table handed
 * to the lint engine, and findings of rules that other modules find.
 * Internal; an embedder reads the catalogue through gatekeeper/rules.h.
 */
#ifndef GK_RULES_RULES_H
#define GK_RULES_RULES_H

#include "gatekeeper/lint.h"
#include "gatekeeper/rules.h"
#include "lint/lint_internal.h"
#include "rules/rule_id.h"

/** Rule by enum id (always a rule: the enum is expanded from the same list). */
const gk_rule_info *gk_rule_info_of(enum gk_rule_id id);

/** Every rule, indexed by enum gk_rule_id (static, lives for the program). */
const gk_rule_table *gk_rules_table(void);

/**
 * Add a finding of rule `id` found by something other than the lint
 * (history, replay, drift, status, gate): rule id, category and the user's
 * severity come from the catalogue and `o`, the rest (message, path,
 * positions, help: NULL = the rule's own) from `f`, copied.  Nothing is
 * added when the rule is off.  0 or GK_ENOMEM.
 */
int gk_rule_add_finding(gk_report *r, const gk_lint_options *o, enum gk_rule_id id, const gk_finding *f);

#endif
