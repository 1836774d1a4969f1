/*
 * gatekeeper/rules.h - the rule registry, read-only.
 *
 * Every rule is listed once, in src/rules/rules.def; this header gives
 * the metadata `gatekeeper rules` and `gatekeeper explain` print.  All
 * pointers are static and live for the whole program.
 */
#ifndef GATEKEEPER_RULES_H
#define GATEKEEPER_RULES_H

#include "common.h"
#include "types.h"
#include "lint.h"
#include "render.h"
#include "report.h"

enum gk_example_kind {
	GK_EXAMPLE_BAD = 0,  /* must trigger the rule */
	GK_EXAMPLE_OK,       /* must not trigger it */
};

/*
 * A worked example.  They are shown by `explain` and are also the rule's
 * tests: src/rules/rules_test.c lints each one with the given settings and
 * fails when a BAD example does not trigger the rule or an OK one does.
 */
typedef struct gk_rule_example {
	enum gk_example_kind kind;
	int pg_version;        /* 0 = the default (GK_PG_DEFAULT_VERSION) */
	enum gk_runner runner; /* GK_RUNNER_AUTO = per-file */
	const char *note;      /* one line shown above the SQL; may be NULL */
	const char *sql;
	int hits;              /* BAD only: exact number of findings expected; 0 = at least one */
	/* The tool that applies the file (GK_LAYOUT_AUTO = not known), for
	 * rules that speak of one tool (Prisma's bookkeeping, its P3009).  Last,
	 * so that the positional examples above stay valid. */
	enum gk_layout_kind tool;
	const char *tool_version; /* Prisma: the CLI version (--prisma-version); NULL = not stated */
	/* A setting of the tool the example assumes: "engine: js" (Prisma's
	 * prisma.config.ts), "x-multi-statement" (golang-migrate); NULL = none. */
	const char *tool_setting;
} gk_rule_example;

#define GK_RULE_MAX_EXAMPLES 12

typedef struct gk_rule_info {
	const char *id;             /* stable kebab-case id */
	enum gk_category category;
	enum gk_severity severity;  /* default severity */
	const char *summary;        /* one line */
	const char *why;            /* why it is dangerous: lock level, what blocks */
	const char *help;           /* the safe recipe (default PostgreSQL version) */
	gk_rule_example examples[GK_RULE_MAX_EXAMPLES]; /* ends at the first with sql == NULL */
	/* Rules about more than SQL text (history) cannot be shown as SQL
	 * examples; they name the test file that covers them instead, and the
	 * registry test checks that the file mentions the rule. */
	const char *tested_by;
	/* The PostgreSQL major versions the rule applies to, both inclusive;
	 * 0 = no bound.  The engine does not run a rule outside its range
	 * (prefer-identity: identity columns arrived in 10), so the rule's
	 * code need not ask; a rule whose advice only changes with the version
	 * keeps 0 and asks gk_lint_pg(). */
	int pg_min, pg_max;
} gk_rule_info;

/** Number of rules in the registry. */
size_t gk_rules_count(void);
/** Rule at index i (0 <= i < gk_rules_count()), sorted by id. */
const gk_rule_info *gk_rule_at(size_t i);
/** Rule by id, or NULL. */
const gk_rule_info *gk_rule_find(const char *id);
/** Index of a rule by id, or -1. */
int gk_rule_index(const char *id);

/**
 * The catalogue as renderers take it (gk_render_options.rules): every rule,
 * sorted by id, with its first BAD and OK example; *n is set to the count.
 * Static, built on the first call (thread-safe), lives for the program.
 */
const gk_render_rule *gk_rules_render(size_t *n);

/**
 * Set the severity of one rule in lint options (GK_SEV_OFF disables it).
 * Returns 0, or GK_ENOTFOUND for an id the catalogue does not know (a
 * user's typo: config and --rule report it).
 */
int gk_lint_options_set_severity(gk_lint_options *o, const char *rule_id, enum gk_severity sev);

/** The effective severity of a rule under `o`; GK_SEV_OFF for an unknown id. */
enum gk_severity gk_lint_options_severity(const gk_lint_options *o, const char *rule_id);

/**
 * What a finding of rule `rule_id` predicts that the replay's lock trace
 * can check (the one mapping, by enum gk_rule_id, in src/lint/predict.c);
 * GK_PREDICT_NONE for rules that predict no lock, and for unknown ids.
 */
enum gk_prediction gk_rule_prediction(const char *rule_id);

#endif
