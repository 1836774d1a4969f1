/*
 * lint_internal.h - what rules see: the statement being checked, the state
 * of the schema before it, the lock model, and how to report.
 *
 * A rule never prints and never keeps state of its own between files;
 * what it needs to know about earlier statements lives in gk_state.
 */
#ifndef GK_LINT_INTERNAL_H
#define GK_LINT_INTERNAL_H

#include "lint/lint.h"
#include "gatekeeper/rules.h"
#include "layout/runner.h"
#include "rules/rule_id.h"
#include "../sql/sql.h"
#include "nodes.h"
#include "state.h"
#include "locks.h"

typedef struct gk_lint gk_lint;
typedef struct gk_lint_memo gk_lint_memo;

typedef struct gk_stmt {
	const PgQuery__Node *node;
	int index;             /* 0-based position in the file */
	size_t start, end;     /* byte range in the file, first token to last */
	size_t base;           /* offset node `location` fields count from */
	bool in_transaction;   /* runs inside a transaction block (runner's or explicit) */
	bool explicit_tx;      /* inside a BEGIN ... COMMIT written in the file */
	int tx_id;             /* statements with the same id share a transaction; -1 = autocommit */
} gk_stmt;

typedef struct gk_rule {
	gk_rule_info info;
	/* Called for every statement, before the state learns about it. */
	void (*check)(gk_lint *l, const gk_stmt *s);
	/* Called once after the last statement; may be NULL. */
	void (*finish)(gk_lint *l);
} gk_rule;

/*
 * The rules the engine runs, sorted by id.  The engine knows no catalogue
 * of its own: src/rules/ hands it this table (gk_lint_run()), whose index
 * i is the rule of enum gk_rule_id i.  Borrowed for the whole run.
 */
typedef struct gk_rule_table {
	const gk_rule *const *rules;
	size_t n;
} gk_rule_table;

/** Index of the rule `id` in `t`, or -1. */
int gk_rule_table_index(const gk_rule_table *t, const char *id);

/** The severity of rule i of `t` under `o`: the user's, else the rule's default. */
enum gk_severity gk_rule_table_severity(const gk_rule_table *t, const gk_lint_options *o, size_t i);

/**
 * gk_lint_inputs() with the rules of `rules` (the engine itself; the entry
 * points of gatekeeper/lint.h are in src/rules/lint_entry.c).  `rules` must
 * have one rule per enum gk_rule_id, in its order.
 */
int gk_lint_run(gk_report *r, const gk_lint_options *o, const gk_rule_table *rules, const gk_lint_input *in, size_t n,
		gk_error *err);

struct gk_lint {
	const gk_lint_options *opts;
	const gk_rule_table *rules;  /* what the engine runs (gk_lint_run()) */
	const char *path;
	const gk_source *src;
	gk_stmt *stmts;
	size_t n_stmts;
	enum gk_runner runner;       /* resolved, never AUTO */
	enum gk_layout_kind tool;    /* the tool that applies the file; GK_LAYOUT_AUTO = not known */
	const gk_runner_choice *choice; /* how and why `runner` (src/layout/runner.h) */
	gk_state *state;             /* schema as it is before the current statement (shared by the run) */
	/* Engine bookkeeping the rules may read. */
	bool lock_timeout_set;       /* a non-zero lock_timeout is in effect for the current statement
				      * (set in this file: a SET LOCAL only in its own transaction) */
	bool statement_timeout_set;  /* the same for statement_timeout */
	const gk_rule *current;      /* rule being run */
	int current_index;           /* its registry index */
	void *engine;                /* private to engine.c */
	gk_lint_memo *memo;          /* per-file indexes of memo.c, built on first use; NULL until then */
};

/* ---- reporting ---- */

/*
 * Report a finding of the current rule on statement `s`.  `loc` is a node's
 * `location` field (relative to s->base) or -1 for the statement start.
 * `help` NULL means the rule's default help.  The message is one line.
 */
void gk_lint_report(gk_lint *l, const gk_stmt *s, int loc, const char *help, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/*
 * gk_lint_report for a rule that may report several database objects on
 * one statement at one place (each column of an ALTER TABLE, each table of
 * a DROP): `about` names the object ("public.users.email"), so that each
 * finding keeps its fingerprint whatever order they are reported in
 * (gk_finding.about).
 */
void gk_lint_report_about(gk_lint *l, const gk_stmt *s, int loc, const char *about, const char *help,
			  const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/*
 * gk_lint_report at no more than severity `max` (the rule's configured
 * severity when lower): for a finding that only says what lint cannot know,
 * such as a type change whose old type is unknown.
 */
void gk_lint_report_at_most(gk_lint *l, const gk_stmt *s, enum gk_severity max, int loc, const char *help,
			    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/*
 * How many findings the current rule has reported in this file so far,
 * counting suppressed ones (so a "once per file" rule stays quiet after a
 * suppressed finding instead of moving it to the next statement).
 */
size_t gk_lint_count_current(const gk_lint *l);

/*
 * The current rule's finding on statement `s` tells all that rule `rule`
 * would say about `s` (one hazard, one finding): that rule stays quiet on
 * `s` from now on, its suppressed findings included.  Call it before the
 * covered rule checks `s`: from an earlier statement, or from a rule that
 * sorts before it in rules.def.
 */
void gk_lint_cover(gk_lint *l, const gk_stmt *s, enum gk_rule_id rule);

/* ---- helpers for rules ---- */

/** PostgreSQL major version the migration targets. */
static inline int gk_lint_pg(const gk_lint *l) { return l->opts->pg_version; }

/**
 * The locks statement `s` takes (gk_stmt_locks()), followed by those on
 * relations it does not name that the schema model knows (the table a
 * dropped foreign key references, a partition's default partition, ...:
 * gk_stmt_locks_in()).  Asked before `s` is applied, the model is the
 * schema the statement meets.
 */
size_t gk_lint_stmt_locks(const gk_lint *l, const gk_stmt *s, gk_lock *out, size_t max);

/** True when the relation was created earlier in the linted change (exempt from lock rules). */
bool gk_lint_is_new(const gk_lint *l, const PgQuery__RangeVar *rv);

/**
 * The statement's ALTER TABLE when it alters a table (not a view, index or
 * foreign table) that existed before the change, else NULL: the common
 * start of the lock rules.
 */
const PgQuery__AlterTableStmt *gk_lint_alter_existing(const gk_lint *l, const gk_stmt *s);

/** True when the column was added in the linted change (or its table was created there). */
bool gk_lint_column_is_new(const gk_lint *l, const PgQuery__RangeVar *rv, const char *col);

/** First statement index of the statements in the same transaction as `s` that follow it. */
const gk_stmt *gk_lint_next_in_tx(const gk_lint *l, const gk_stmt *s);

/*
 * True when a statement before `s`, in the run of consecutive statements
 * that share its transaction, takes ACCESS EXCLUSIVE on schema.name (schema
 * NULL or "" = public) as gk_stmt_lock_on() decides it.  Linear over a file
 * when asked for statements in order (memo.c).
 */
bool gk_lint_ael_before(gk_lint *l, const gk_stmt *s, const char *schema, const char *name);

/*
 * The existing columns (of tables not created in this change) the schema
 * model knows to be of type `name` or an array of it, as "table.column, ..."
 * (at most five, then "and N more") into buf; "" when none.  The model keeps
 * a column's type without its schema, so a type of the same name in another
 * schema matches too: messages say "a type named ...".
 */
const char *gk_lint_columns_of_type(const gk_lint *l, const char *name, char *buf, size_t size);

/** True when a statement before `s` in the same run creates the enum type `type` (last name component). */
bool gk_lint_enum_created_before(gk_lint *l, const gk_stmt *s, const char *type);

/*
 * The first statement after `s` in the same transaction that contains a
 * string constant equal to `value` (anywhere in its tree), and in *c that
 * constant (the statement's first one, in tree order); NULL when none or
 * when `s` runs outside a transaction.  Built once per file (memo.c).
 */
const gk_stmt *gk_lint_next_string_use(gk_lint *l, const gk_stmt *s, const char *value, const PgQuery__AConst **c);

/*
 * The foreign key constraint that an ALTER TABLE ... ADD [CONSTRAINT]
 * FOREIGN KEY after `s` in the file puts on column `col` of `rv` (the
 * file's first one on that column), else NULL: Prisma declares columns in
 * CREATE TABLE and adds their foreign keys at the end of the file.  Built
 * once per file (memo.c).
 */
const PgQuery__Constraint *gk_lint_later_foreign_key(gk_lint *l, const gk_stmt *s, const PgQuery__RangeVar *rv,
						     const char *col);

/*
 * True when `s` is the file's first ALTER TABLE that adds a foreign key on
 * column `col` of `rv`, and a CREATE TABLE or ADD COLUMN earlier in the file
 * declared the column: the statement gk_lint_later_foreign_key() pointed
 * that declaration to (memo.c).
 */
bool gk_lint_foreign_key_of_earlier_column(gk_lint *l, const gk_stmt *s, const PgQuery__RangeVar *rv,
					   const char *col);

/*
 * The lock_timeout lint recommends (gk_lint_options.lock_timeout_advice_ms)
 * as a PostgreSQL literal, "'2s'" or "'500ms'", into buf.  Every message
 * and help that names a value takes it from here.
 */
const char *gk_lint_lock_timeout_value(const gk_lint *l, char *buf, size_t size);

/*
 * How to set that lock_timeout in a file of this runner model, as one
 * sentence for a help text, into buf: SET LOCAL at the top when the file
 * runs in one transaction (WHOLE, PER_FILE); under SPLIT, SET LOCAL inside
 * the file's own BEGIN ... COMMIT, or SET at the top and RESET at the end
 * for a file that must run outside a transaction.  Never a bare session
 * SET, which leaks into later migrations (session-setting-leak).
 */
const char *gk_lint_lock_timeout_recipe(const gk_lint *l, char *buf, size_t size);

/* The same sentence for another timeout `setting` (statement_timeout) set
 * to the literal `value`, e.g. "'5min'". */
const char *gk_lint_timeout_recipe(const gk_lint *l, const char *setting, const char *value, char *buf, size_t size);

/*
 * The name of the command when `s` refuses to run in a transaction block
 * (CONCURRENTLY forms, VACUUM, CREATE DATABASE, ...; see transactions.c),
 * else NULL.
 */
const char *gk_lint_non_transactional(const gk_lint *l, const gk_stmt *s);

/* True for the runner's tool being Prisma (its P3009 and bookkeeping can be named). */
static inline bool gk_lint_prisma(const gk_lint *l) { return l->tool == GK_LAYOUT_PRISMA; }

/*
 * requires_newer_postgres.c: one feature of the grammar that older servers
 * refuse.  `used` says whether statement `stmt` uses it and may set *loc
 * to a node's location (left -1: the statement's start); `example` uses it
 * (a test lints it on both sides of min_version); `instead` is the older
 * form, one sentence for the help.
 */
typedef struct gk_version_feature {
	int min_version;
	const char *name;
	bool (*used)(const PgQuery__Node *stmt, int *loc);
	const char *example;
	const char *instead;
} gk_version_feature;

/** The features, sorted by min_version, into *out; returns their count. */
size_t gk_version_features(const gk_version_feature **out);

/** Free what memo.c built for the file (the engine calls it). */
void gk_lint_memo_free(gk_lint *l);

/* predict.c: what a finding of rule `rule` predicts that the replay's lock
 * trace can check (the one mapping); GK_PREDICT_NONE for the others. */
enum gk_prediction gk_lint_prediction(enum gk_rule_id rule);

/* predict.c: what a finding of `kind` on statement `s` predicts, from the
 * lock table, about the existing relation it concerns: out->kind,
 * predicted.lock, .relation (malloc'ed, the caller frees it) and .rewrite.
 * out->kind stays GK_PREDICT_NONE when the statement locks no existing
 * relation.  0 or GK_ENOMEM. */
int gk_lint_predict(const gk_lint *l, const gk_stmt *s, enum gk_prediction kind, gk_evidence *out);

#endif
