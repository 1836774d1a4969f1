/*
 * rules/rule_id.h - every rule's id as a constant, expanded from the one
 * list of rules (rules.def), in its order: the value is the rule's index
 * in the registry (gk_rule_at()).  Internal: the lint engine and the
 * modules that report findings name rules by it; an embedder reads the
 * catalogue by id string through gatekeeper/rules.h.
 *
 * Code that reports a finding of a rule names it by this enum, never by
 * its string: an id that is not in rules.def does not compile, where a
 * mistyped string used to be found only when the finding went missing.
 * The constant of rule "drift-missing" is GK_RULE_ID_drift_missing.
 */
#ifndef GK_RULES_RULE_ID_H
#define GK_RULES_RULE_ID_H

enum gk_rule_id {
#define GK_RULE(c) GK_RULE_ID_##c,
#include "rules/rules.def"
#undef GK_RULE
	GK_RULE_ID_COUNT /* the number of rules, not a rule */
};

#endif
