/*
 * engine.c - lints one migration: checks the input, parses it, decides
 * which statements run in a transaction, runs the rules in order while the
 * schema model follows along, and applies suppressions.  run.c drives it
 * over many migrations.
 */
#include "lint_internal.h"
#include "engine.h"
#include "../util/util.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_SQL_IN_FINDING 2000

typedef struct engine {
	gk_file_result *res;
	gk_directives *dirs;
	size_t reported[GK_RULES_MAX]; /* gk_lint_report calls per rule in this file */
	/* The directives by statement, built on the first finding: directive
	 * numbers, file-wide ones first (n_wide of them), then those of
	 * statement i at by_stmt[first[i] .. first[i + 1]). */
	size_t *by_stmt, *first, n_wide;
	bool indexed;
	/* lock_timeout and statement_timeout as the statements leave them: the
	 * session's value, and a SET LOCAL's, which lasts until its transaction
	 * (local_tx; -1: no SET LOCAL in effect) ends. */
	struct setting { bool session, local; int local_tx; } lock_timeout, statement_timeout;
	/* gk_lint_cover(): statement and rule whose findings another rule's
	 * finding already tells. */
	struct cover { int stmt, rule; } *covered;
	size_t n_covered, cap_covered;
	int recognised;  /* statements the parser refused but their words explain */
} engine;

void gk_lint_options_init(gk_lint_options *o)
{
	memset(o, 0, sizeof *o);
	o->pg_version = GK_PG_DEFAULT_VERSION;
	o->runner = GK_RUNNER_AUTO;
	o->flyway_mixed = -1;
	memset(o->severity, -1, sizeof o->severity);
	o->max_file_size = (size_t)16 << 20;
	o->jobs = 0;
	o->lock_timeout_advice_ms = 2000;
}

int gk_rule_table_index(const gk_rule_table *t, const char *id)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(t->rules[mid]->info.id, id);
		if (c == 0)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1; /* the table is sorted: src/rules/rules_test.c checks it */
}

enum gk_severity gk_rule_table_severity(const gk_rule_table *t, const gk_lint_options *o, size_t i)
{
	return o->severity[i] >= 0 ? (enum gk_severity)o->severity[i] : t->rules[i]->info.severity;
}

static enum gk_severity severity_of(const gk_lint *l, int idx)
{
	return gk_rule_table_severity(l->rules, l->opts, (size_t)idx);
}

/* ---- findings ---- */

/* A directive of statement i (0 <= i < n), else -1 for file-wide or none. */
static long directive_stmt(const gk_directive *d, size_t n)
{
	return !d->file_wide && d->stmt >= 0 && (size_t)d->stmt < n ? d->stmt : -1;
}

/* Sort the directives by statement (counting sort), so that a finding looks
 * at its own statement's directives only: a file may have thousands. */
static void index_directives(gk_lint *l, engine *e)
{
	const gk_directives *ds = e->dirs;
	size_t n = l->n_stmts;
	e->indexed = true;
	e->first = calloc(n + 2, sizeof *e->first);
	e->by_stmt = calloc(ds->n ? ds->n : 1, sizeof *e->by_stmt);
	if (!e->first || !e->by_stmt) {
		free(e->first);
		free(e->by_stmt);
		e->first = e->by_stmt = NULL;
		return; /* suppressed() scans them all */
	}
	e->n_wide = 0;
	for (size_t i = 0; i < ds->n; i++) {
		long s = directive_stmt(&ds->items[i], n);
		if (s >= 0)
			e->first[s + 2]++;
		else if (ds->items[i].file_wide)
			e->n_wide++;
	}
	e->first[1] = e->n_wide;
	for (size_t i = 2; i < n + 2; i++)
		e->first[i] += e->first[i - 1];
	size_t wide = 0;
	for (size_t i = 0; i < ds->n; i++) {
		long s = directive_stmt(&ds->items[i], n);
		if (s >= 0)
			e->by_stmt[e->first[s + 1]++] = i;
		else if (ds->items[i].file_wide)
			e->by_stmt[wide++] = i;
	}
	/* first[i + 1] now ends statement i's run: shift back to starts. */
	memmove(e->first + 1, e->first, (n + 1) * sizeof *e->first);
	e->first[1] = e->n_wide;
}

static bool suppress_by(gk_directive *d, const char *rule_id, int stmt)
{
	bool hit = false;
	if (!d->reason || (!d->file_wide && (stmt < 0 || d->stmt != stmt)))
		return false;
	for (size_t k = 0; k < d->n_rules; k++)
		if (strcmp(d->rules[k], rule_id) == 0) {
			d->used[k] = true;
			hit = true;
		}
	return hit;
}

static bool suppressed(gk_lint *l, const char *rule_id, int stmt)
{
	engine *e = l->engine;
	bool hit = false;
	if (!e->indexed && e->dirs->n)
		index_directives(l, e);
	if (!e->first) {
		for (size_t i = 0; i < e->dirs->n; i++)
			hit = suppress_by(&e->dirs->items[i], rule_id, stmt) || hit;
		return hit;
	}
	for (size_t i = 0; i < e->n_wide; i++)
		hit = suppress_by(&e->dirs->items[e->by_stmt[i]], rule_id, stmt) || hit;
	if (stmt >= 0 && (size_t)stmt < l->n_stmts)
		for (size_t i = e->first[stmt + 1]; i < e->first[stmt + 2]; i++)
			hit = suppress_by(&e->dirs->items[e->by_stmt[i]], rule_id, stmt) || hit;
	return hit;
}

/* Statement text for the report, cut at a UTF-8 boundary when very long. */
static char *stmt_sql(const gk_lint *l, const gk_stmt *s)
{
	size_t n = s->end > s->start ? s->end - s->start : 0;
	if (n <= MAX_SQL_IN_FINDING)
		return gk_strndup(l->src->text + s->start, n);
	n = MAX_SQL_IN_FINDING;
	while (n > 0 && ((unsigned char)l->src->text[s->start + n] & 0xC0) == 0x80)
		n--;
	char *t = gk_strndup(l->src->text + s->start, n);
	char *r = t ? gk_asprintf("%s ...", t) : NULL;
	free(t);
	return r;
}

static bool is_covered(const engine *e, int stmt, int rule)
{
	for (size_t i = 0; i < e->n_covered; i++)
		if (e->covered[i].stmt == stmt && e->covered[i].rule == rule)
			return true;
	return false;
}

void gk_lint_cover(gk_lint *l, const gk_stmt *s, enum gk_rule_id id)
{
	engine *e = l->engine;
	int rule = (int)id;
	if (is_covered(e, s->index, rule))
		return;
	if (gk_grow(&e->covered, &e->cap_covered, e->n_covered + 1, sizeof *e->covered) < 0) {
		e->res->oom = true;
		return;
	}
	e->covered[e->n_covered++] = (struct cover){s->index, rule};
}

/*
 * Add a finding of rule `idx`.  `start`/`end` are byte offsets (end
 * exclusive); start == SIZE_MAX means no position.
 */
static void emit(gk_lint *l, int idx, const gk_stmt *s, size_t start, size_t end, const char *help,
		 const char *msg, enum gk_severity max)
{
	const gk_rule *rule = l->rules->rules[idx];
	enum gk_severity sev = severity_of(l, idx);
	if (sev > max)
		sev = max;
	engine *e = l->engine;
	gk_file_result *fr = e->res;
	if (sev == GK_SEV_OFF || (s && is_covered(e, s->index, idx)))
		return;
	/* A suppressed finding that predicts a lock is kept, marked, so that
	 * the replay's observation of the same lock is suppressed with it. */
	enum gk_prediction kind = s ? gk_lint_prediction((enum gk_rule_id)idx) : GK_PREDICT_NONE;
	bool hidden = suppressed(l, rule->info.id, s ? s->index : -1);
	if (hidden && kind == GK_PREDICT_NONE)
		return;
	if (gk_grow(&fr->findings, &fr->cap, fr->n + 1, sizeof *fr->findings) < 0) {
		fr->oom = true;
		return;
	}
	gk_finding *f = &fr->findings[fr->n];
	memset(f, 0, sizeof *f);
	f->suppressed = hidden;
	if (kind != GK_PREDICT_NONE && gk_lint_predict(l, s, kind, &f->evidence) < 0)
		fr->oom = true;
	f->rule_id = rule->info.id;
	f->category = rule->info.category;
	f->severity = sev;
	f->message = gk_strdup(msg);
	f->help = gk_strdup(help ? help : rule->info.help);
	f->path = gk_strdup(l->path);
	if (start != SIZE_MAX) {
		gk_source_pos(l->src, start, &f->line, &f->column);
		gk_source_pos(l->src, end > start ? end - 1 : start, &f->end_line, &f->end_column);
		size_t a, b;
		gk_source_line(l->src, f->line, &a, &b);
		f->context = gk_strndup(l->src->text + a, gk_utf8_whole(l->src->text + a, b - a > 400 ? 400 : b - a));
	}
	if (s) {
		f->statement_index = s->index + 1;
		f->sql = stmt_sql(l, s);
	}
	fr->n++;
	if (!f->message || !f->path)
		fr->oom = true;
}

static void report(gk_lint *l, const gk_stmt *s, enum gk_severity max, int loc, const char *about, const char *help,
		   const char *fmt, va_list ap) __attribute__((format(printf, 7, 0)));

static void report(gk_lint *l, const gk_stmt *s, enum gk_severity max, int loc, const char *about, const char *help,
		   const char *fmt, va_list ap)
{
	char msg[1024];
	vsnprintf(msg, sizeof msg, fmt, ap);
	msg[gk_utf8_whole(msg, strlen(msg))] = '\0'; /* a long message may have been cut mid-character */
	size_t start = loc >= 0 ? s->base + (size_t)loc : s->start;
	if (start < s->start || start >= s->end)
		start = s->start;
	engine *e = l->engine;
	e->reported[l->current_index]++;
	size_t n = e->res->n;
	emit(l, l->current_index, s, start, s->end, help, msg, max);
	if (e->res->n > n && about && !(e->res->findings[n].about = gk_strdup(about)))
		e->res->oom = true;
}

void gk_lint_report(gk_lint *l, const gk_stmt *s, int loc, const char *help, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(l, s, GK_SEV_ERROR, loc, NULL, help, fmt, ap);
	va_end(ap);
}

void gk_lint_report_about(gk_lint *l, const gk_stmt *s, int loc, const char *about, const char *help,
			  const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(l, s, GK_SEV_ERROR, loc, about, help, fmt, ap);
	va_end(ap);
}

void gk_lint_report_at_most(gk_lint *l, const gk_stmt *s, enum gk_severity max, int loc, const char *help,
			    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(l, s, max, loc, NULL, help, fmt, ap);
	va_end(ap);
}

size_t gk_lint_count_current(const gk_lint *l)
{
	return ((const engine *)l->engine)->reported[l->current_index];
}

static void emit_meta(gk_lint *l, enum gk_rule_id rule, const gk_stmt *s, size_t start, size_t end,
		      const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void emit_meta(gk_lint *l, enum gk_rule_id rule, const gk_stmt *s, size_t start, size_t end,
		      const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	msg[gk_utf8_whole(msg, strlen(msg))] = '\0';
	emit(l, (int)rule, s, start, end, NULL, msg, GK_SEV_ERROR);
}

/* ---- transactions ---- */

static PgQuery__TransactionStmtKind tx_kind(const PgQuery__Node *n)
{
	return n->node_case == PG_QUERY__NODE__NODE_TRANSACTION_STMT ? n->transaction_stmt->kind
		: PG_QUERY__TRANSACTION_STMT_KIND__TRANSACTION_STMT_KIND_UNDEFINED;
}

static bool opens_tx(PgQuery__TransactionStmtKind k)
{
	return k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_BEGIN ||
	       k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_START;
}

static bool closes_tx(PgQuery__TransactionStmtKind k)
{
	return k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT ||
	       k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK ||
	       k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_PREPARE ||
	       k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT_PREPARED ||
	       k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK_PREPARED;
}

/*
 * Which statements share a transaction.  A WHOLE runner (Prisma before
 * 7.4, golang-migrate) sends the file as one simple query: PostgreSQL runs
 * a multi-statement simple query as one implicit transaction block, and
 * after an explicit COMMIT in it the next statements open a new implicit
 * block.  A per-file runner wraps everything in its own transaction.  A
 * SPLIT runner (Prisma 7.4+) sends each statement as its own query, so
 * each one commits by itself: there only an explicit BEGIN opens a block,
 * and it lasts until COMMIT or ROLLBACK (to the end of the file when the
 * file never commits).
 */
static void assign_transactions(gk_lint *l, size_t n_total)
{
	/* n_total: the refused statements count too, as the server gets them */
	bool implicit = l->runner == GK_RUNNER_PER_FILE || (l->runner == GK_RUNNER_WHOLE && n_total > 1);
	int cur = implicit ? 0 : -1, next = implicit ? 1 : 0;
	bool expl = false;
	for (size_t i = 0; i < l->n_stmts; i++) {
		gk_stmt *s = &l->stmts[i];
		PgQuery__TransactionStmtKind k = tx_kind(s->node);
		if (opens_tx(k) && !expl) {
			expl = true;
			if (cur < 0)
				cur = next++;
		}
		s->explicit_tx = expl;
		s->tx_id = cur;
		s->in_transaction = cur >= 0;
		if (closes_tx(k)) {
			expl = false;
			cur = implicit ? next++ : -1;
		}
	}
}

/*
 * Whether a timeout value (lock_timeout, statement_timeout) turns the timeout on: a number of
 * milliseconds above 0, read as the server reads it ('0.5s' is 500 ms,
 * '400us' rounds to 0).  A value the server rejects sets nothing (the
 * statement fails).  A value that is not a constant is taken as on.
 */
static bool timeout_on(const PgQuery__Node *a)
{
	if (!a || a->node_case != PG_QUERY__NODE__NODE_A_CONST)
		return true;
	const PgQuery__AConst *c = a->a_const;
	long ms = 0;
	if (c->isnull)
		return false;
	if (c->val_case == PG_QUERY__A__CONST__VAL_IVAL)
		return c->ival->ival > 0;
	if (c->val_case == PG_QUERY__A__CONST__VAL_FVAL)
		return gk_parse_guc_ms(c->fval->fval, &ms) == 0 && ms > 0;
	if (c->val_case == PG_QUERY__A__CONST__VAL_SVAL)
		return gk_parse_guc_ms(c->sval->sval, &ms) == 0 && ms > 0;
	return false;
}

/* set_config()'s is_local argument: true unless a constant says false. */
static bool set_config_local(const PgQuery__Node *a)
{
	if (!a || a->node_case != PG_QUERY__NODE__NODE_A_CONST)
		return true;
	const PgQuery__AConst *c = a->a_const;
	if (c->val_case == PG_QUERY__A__CONST__VAL_BOOLVAL)
		return c->boolval->boolval;
	if (c->val_case == PG_QUERY__A__CONST__VAL_SVAL) {
		const char *v = c->sval->sval;
		return !(gk_strcasecmp(v, "false") == 0 || gk_strcasecmp(v, "f") == 0 || gk_strcasecmp(v, "off") == 0 ||
			 gk_strcasecmp(v, "no") == 0 || strcmp(v, "0") == 0);
	}
	return !(c->val_case == PG_QUERY__A__CONST__VAL_IVAL && c->ival->ival == 0);
}

/* `SELECT set_config('name', value, is_local)` among the targets of a plain SELECT (the last one wins). */
static bool set_config_timeout(const PgQuery__Node *n, const char *name, bool *on, bool *local)
{
	if (n->node_case != PG_QUERY__NODE__NODE_SELECT_STMT)
		return false;
	const PgQuery__SelectStmt *ss = n->select_stmt;
	bool found = false;
	for (size_t i = 0; i < ss->n_target_list; i++) {
		const PgQuery__Node *t = ss->target_list[i];
		if (t->node_case != PG_QUERY__NODE__NODE_RES_TARGET || !t->res_target->val ||
		    t->res_target->val->node_case != PG_QUERY__NODE__NODE_FUNC_CALL)
			continue;
		const PgQuery__FuncCall *f = t->res_target->val->func_call;
		const char *fn = gk_names_last(f->funcname, f->n_funcname);
		const char *schema = f->n_funcname == 2 ? gk_node_str(f->funcname[0]) : "pg_catalog";
		if (f->n_funcname > 2 || !schema || strcmp(schema, "pg_catalog") != 0 || strcmp(fn, "set_config") != 0 ||
		    f->n_args != 3 || f->args[0]->node_case != PG_QUERY__NODE__NODE_A_CONST ||
		    f->args[0]->a_const->val_case != PG_QUERY__A__CONST__VAL_SVAL ||
		    gk_strcasecmp(f->args[0]->a_const->sval->sval, name) != 0)
			continue;
		*on = timeout_on(f->args[1]);
		*local = set_config_local(f->args[2]);
		found = true;
	}
	return found;
}

/*
 * What statement s does to the timeout `name`: true when it sets or resets
 * it, with *on for a non-zero timeout and *local for one that ends with the
 * transaction (SET LOCAL, set_config(..., true)).
 */
static bool sets_timeout(const PgQuery__Node *n, const char *name, bool *on, bool *local)
{
	if (n->node_case != PG_QUERY__NODE__NODE_VARIABLE_SET_STMT)
		return set_config_timeout(n, name, on, local);
	const PgQuery__VariableSetStmt *vs = n->variable_set_stmt;
	*local = vs->is_local;
	if (vs->kind == PG_QUERY__VARIABLE_SET_KIND__VAR_RESET_ALL) {
		*on = false;
		return true;
	}
	if (!vs->name || strcmp(vs->name, name) != 0)
		return false;
	/* DEFAULT, RESET: the server default, 0 */
	*on = vs->kind == PG_QUERY__VARIABLE_SET_KIND__VAR_SET_VALUE && vs->n_args > 0 && timeout_on(vs->args[0]);
	return true;
}

/*
 * Before statement s: is a non-zero timeout in effect?  A SET LOCAL ends
 * with its transaction, so it no longer counts once s runs in another one
 * (after COMMIT, or under an autocommit runner).
 */
static bool setting_before(struct setting *t, const gk_stmt *s)
{
	if (t->local_tx >= 0 && s->tx_id != t->local_tx)
		t->local_tx = -1;
	return t->local_tx >= 0 ? t->local : t->session;
}

/* After statement s: what it did to the timeout `name`.  SET LOCAL (or
 * set_config(..., true)) outside a transaction block does nothing
 * (PostgreSQL only warns); a session SET or RESET replaces any SET LOCAL
 * of the transaction too. */
static void track_setting(struct setting *t, const gk_stmt *s, const char *name)
{
	bool on, local;
	if (!sets_timeout(s->node, name, &on, &local))
		return;
	if (!local) {
		t->session = on;
		t->local_tx = -1;
	} else if (s->tx_id >= 0) {
		t->local = on;
		t->local_tx = s->tx_id;
	}
}

/* ---- directives ---- */

/* A rule whose findings come from the replay, which lint cannot match. */
static bool replay_rule(const gk_lint *l, const char *id)
{
	int i = gk_rule_table_index(l->rules, id);
	return i >= 0 && l->rules->rules[i]->info.category == GK_CAT_REPLAY;
}

/* The suppression of a replay rule, passed on (marked suppressed) to the
 * replay of the same statement, or of the whole file (statement 0). */
static void replay_suppression(gk_lint *l, const gk_directive *d, const char *id)
{
	int rule = gk_rule_table_index(l->rules, id);
	gk_file_result *fr = ((engine *)l->engine)->res;
	if (gk_grow(&fr->findings, &fr->cap, fr->n + 1, sizeof *fr->findings) < 0) {
		fr->oom = true;
		return;
	}
	gk_finding *f = &fr->findings[fr->n++];
	memset(f, 0, sizeof *f);
	f->rule_id = l->rules->rules[rule]->info.id;
	f->category = GK_CAT_REPLAY;
	f->suppressed = true;
	f->statement_index = d->file_wide ? 0 : (int)d->stmt + 1;
	f->message = gk_strdup(d->reason);
	f->path = gk_strdup(l->path);
	if (!f->message || !f->path)
		fr->oom = true;
}

/* "suppression names unknown rule 'x'", with the closest id when it looks like a typo of one. */
static void unknown_rule(gk_lint *l, const gk_directive *d, const char *id)
{
	gk_suggest s;
	gk_suggest_init(&s, id);
	for (size_t i = 0; i < l->rules->n; i++)
		gk_suggest_offer(&s, l->rules->rules[i]->info.id);
	emit_meta(l, GK_RULE_ID_unknown_rule, NULL, d->start, d->end, "suppression names unknown rule '%s'%s%s%s", id,
		  s.best ? " (did you mean '" : "", s.best ? s.best : "", s.best ? "'?)" : "");
}

static void directive_findings(gk_lint *l)
{
	engine *e = l->engine;
	for (size_t i = 0; i < e->dirs->n_malformed; i++) {
		gk_directive *d = &e->dirs->malformed[i];
		emit_meta(l, GK_RULE_ID_unknown_rule, NULL, d->start, d->end,
			  "unknown gatekeeper directive; write `gatekeeper:ignore RULE reason: ...` or `gatekeeper:ignore-file RULE reason: ...`");
	}
	for (size_t i = 0; i < e->dirs->n; i++) {
		gk_directive *d = &e->dirs->items[i];
		if (d->n_rules == 0)
			emit_meta(l, GK_RULE_ID_unknown_rule, NULL, d->start, d->end, "suppression names no rule");
		for (size_t k = 0; k < d->n_rules; k++)
			if (gk_rule_table_index(l->rules, d->rules[k]) < 0)
				unknown_rule(l, d, d->rules[k]);
		if (!d->reason) {
			emit_meta(l, GK_RULE_ID_suppression_without_reason, NULL, d->start, d->end,
				  "suppression has no reason, so it is ignored; add `reason: why this is safe`");
			continue;
		}
		if (!d->file_wide && d->stmt < 0) {
			emit_meta(l, GK_RULE_ID_unused_suppression, NULL, d->start, d->end,
				  "suppression is not next to a statement; put it on the line before the statement or at its end");
			continue;
		}
		for (size_t k = 0; k < d->n_rules; k++)
			if (replay_rule(l, d->rules[k]))
				replay_suppression(l, d, d->rules[k]);
			else if (!d->used[k] && gk_rule_table_index(l->rules, d->rules[k]) >= 0)
				emit_meta(l, GK_RULE_ID_unused_suppression, NULL, d->start, d->end,
					  "suppression of '%s' matched no finding", d->rules[k]);
	}
}

/* ---- one file ---- */

static bool rule_enabled(const gk_lint *l, size_t i)
{
	return severity_of(l, (int)i) != GK_SEV_OFF;
}

/* The target version is in the rule's range (gk_rule_info.pg_min, pg_max). */
static bool rule_applies(const gk_lint *l, size_t i)
{
	const gk_rule_info *ri = &l->rules->rules[i]->info;
	int pg = l->opts->pg_version;
	return (!ri->pg_min || pg >= ri->pg_min) && (!ri->pg_max || pg <= ri->pg_max);
}

static void set_current(gk_lint *l, size_t r)
{
	l->current = l->rules->rules[r];
	l->current_index = (int)r;
}

/* ---- statements the parser refused ---- */

/*
 * Learn what statement `er` (which did not parse) creates, from its words,
 * into the model; it ran in transaction `tx_id` as far as we know.  The
 * NOT NULL ... NOT VALID constraint is PostgreSQL 18's: older servers
 * refuse it.  Returns what was recognised.
 */
static enum gk_sql_recognised_kind learn_unparsed(gk_lint *l, const gk_sql_error *er, int tx_id,
						  gk_sql_recognised *w)
{
	gk_file_result *fr = ((engine *)l->engine)->res;
	memset(w, 0, sizeof *w);
	if (er->too_complex || er->any_version)
		return GK_SQL_NOT_RECOGNISED;
	if (gk_sql_recognise(w, l->src->text, er->start, er->end) < 0) {
		fr->oom = true;
		return GK_SQL_NOT_RECOGNISED;
	}
	if (w->kind == GK_SQL_NOT_NULL_NOT_VALID && l->opts->pg_version < 18)
		w->kind = GK_SQL_NOT_RECOGNISED;
	if (gk_state_learn(l->state, w, tx_id) < 0)
		fr->oom = true;
	return w->kind;
}

/*
 * A statement that did not parse.  With a target newer than the parser,
 * valid newer syntax is likely: it is reported as not analysed
 * (unparsed-statement, a warning) and the replay on a server of that
 * version judges it, unless its error is one in every version.  With the
 * parser's version or older (the default), it is a syntax error.
 */
static void unparsed(gk_lint *l, const gk_sql_error *er, int tx_id)
{
	gk_sql_recognised w;
	enum gk_sql_recognised_kind k = learn_unparsed(l, er, tx_id, &w);
	int pg = l->opts->pg_version;
	if (er->too_complex) {
		emit_meta(l, GK_RULE_ID_invalid_input, NULL, er->offset, er->offset + 1, "%s", er->message);
		return;
	}
	if (k == GK_SQL_NOT_NULL_NOT_VALID) {
		((engine *)l->engine)->recognised++; /* understood: no scan, brief lock */
		return;
	}
	if (pg <= GK_SQL_PARSER_VERSION || er->any_version) {
		emit_meta(l, GK_RULE_ID_syntax_error, NULL, er->offset, er->offset + 1, "%s", er->message);
		return;
	}
	int line, col;
	gk_source_pos(l->src, er->offset, &line, &col);
	char learnt[300] = "";
	static const char *const what[] = {[GK_SQL_CREATES_TABLE] = "table", [GK_SQL_CREATES_VIEW] = "view",
					   [GK_SQL_CREATES_INDEX] = "index", [GK_SQL_CREATES_TYPE] = "type"};
	if (k == GK_SQL_CREATES_INDEX)
		snprintf(learnt, sizeof learnt, "; its words say it creates an index on %s%s%s, which later statements see",
			 w.schema, w.schema[0] ? "." : "", w.table);
	else if (k != GK_SQL_NOT_RECOGNISED)
		snprintf(learnt, sizeof learnt, "; its words say it creates %s %s%s%s%s", what[k], w.schema,
			 w.schema[0] ? "." : "", w.name, k == GK_SQL_CREATES_TYPE ? "" : ", which later statements see as new");
	emit_meta(l, GK_RULE_ID_unparsed_statement, NULL, er->start, er->end,
		  "statement not analysed: the PostgreSQL %d parser stops at line %d column %d (%s), and the target "
		  "is PostgreSQL %d, whose newer syntax it may be%s",
		  GK_SQL_PARSER_VERSION, line, col, er->message, pg, learnt);
}

static void run_rules(gk_lint *l, const gk_sql *sql)
{
	size_t nr = l->rules->n, k = 0;
	for (size_t i = 0; i < l->n_stmts; i++) {
		gk_stmt *s = &l->stmts[i];
		/* The refused statements before this one, in order: what they
		 * create is in the model before it runs. */
		for (; k < sql->n_errors && sql->errors[k].start < s->start; k++)
			unparsed(l, &sql->errors[k], s->tx_id);
		l->lock_timeout_set = setting_before(&((engine *)l->engine)->lock_timeout, s);
		l->statement_timeout_set = setting_before(&((engine *)l->engine)->statement_timeout, s);
		for (size_t r = 0; r < nr; r++) {
			if (!l->rules->rules[r]->check || !rule_enabled(l, r) || !rule_applies(l, r))
				continue;
			set_current(l, r);
			l->current->check(l, s);
		}
		if (gk_state_apply(l->state, s->node, s->tx_id) < 0)
			((engine *)l->engine)->res->oom = true;
		track_setting(&((engine *)l->engine)->lock_timeout, s, "lock_timeout");
		track_setting(&((engine *)l->engine)->statement_timeout, s, "statement_timeout");
	}
	for (size_t r = 0; r < nr; r++) {
		if (!l->rules->rules[r]->finish || !rule_enabled(l, r) || !rule_applies(l, r))
			continue;
		set_current(l, r);
		l->current->finish(l);
	}
	for (; k < sql->n_errors; k++)
		unparsed(l, &sql->errors[k], l->n_stmts ? l->stmts[l->n_stmts - 1].tx_id : -1);
}

/* Problems found while reading; true when there were none. */
static bool input_findings(gk_lint *l, const gk_parsed_file *pf)
{
	switch (pf->problem) {
	case GK_INPUT_OK:
		return true;
	case GK_INPUT_NUL:
		emit_meta(l, GK_RULE_ID_invalid_input, NULL, pf->bad_offset, pf->bad_offset + 1,
			  "file contains a NUL byte: it is binary, not SQL text");
		break;
	case GK_INPUT_UTF8:
		emit_meta(l, GK_RULE_ID_invalid_input, NULL, pf->bad_offset, pf->bad_offset + 1,
			  "file is not valid UTF-8 (byte 0x%02x at offset %zu); PostgreSQL would reject it",
			  (unsigned char)pf->text[pf->bad_offset], pf->bad_offset);
		break;
	case GK_INPUT_TOO_BIG:
		emit_meta(l, GK_RULE_ID_invalid_input, NULL, SIZE_MAX, 0,
			  "file is larger than the %zu MiB limit (max_file_size); split it or raise the limit",
			  l->opts->max_file_size >> 20);
		break;
	case GK_INPUT_IS_DIR:
		emit_meta(l, GK_RULE_ID_invalid_input, NULL, SIZE_MAX, 0, "is a directory, not a SQL file");
		break;
	case GK_INPUT_UNREADABLE:
		emit_meta(l, GK_RULE_ID_invalid_input, NULL, SIZE_MAX, 0, "cannot read file: %s", strerror(pf->read_errno));
		break;
	case GK_INPUT_REFUSED:
		emit_meta(l, pf->in->refused_package ? GK_RULE_ID_prisma_migration_package : GK_RULE_ID_invalid_input, NULL,
			  SIZE_MAX, 0, "%s",
			  pf->in->refused);
		break;
	case GK_INPUT_REPLACED:
		emit_meta(l, GK_RULE_ID_invalid_input, NULL, SIZE_MAX, 0,
			  "the file was replaced after it was listed (another file is at this path now): not read");
		break;
	}
	return false;
}

static int make_stmts(gk_lint *l, const gk_sql *sql)
{
	l->n_stmts = sql->n_stmts;
	l->stmts = calloc(sql->n_stmts ? sql->n_stmts : 1, sizeof *l->stmts);
	if (!l->stmts)
		return -1;
	for (size_t i = 0; i < sql->n_stmts; i++)
		l->stmts[i] = (gk_stmt){.node = sql->stmts[i].node, .index = (int)i, .start = sql->stmts[i].start,
					.end = sql->stmts[i].end, .base = sql->stmts[i].base};
	return 0;
}

/* The settings of the input, with the user's Prisma version over the repository's. */
void gk_lint_runner(gk_runner_choice *out, const gk_lint_options *o, const gk_lint_input *in, const char *text,
			size_t len, const struct gk_sql *parsed)
{
	gk_runner_settings s;
	if (in->settings)
		s = *in->settings;
	else
		gk_runner_settings_init(&s, in->tool);
	if (s.tool == GK_LAYOUT_AUTO)
		s.tool = in->tool;
	if (o->prisma_version[0]) {
		snprintf(s.prisma.version, sizeof s.prisma.version, "%s", o->prisma_version);
		snprintf(s.prisma.source, sizeof s.prisma.source, "%s", "--prisma-version or prisma_version:");
	}
	if (o->flyway_mixed >= 0) {
		s.flyway_mixed = o->flyway_mixed == 1;
		snprintf(s.flyway_mixed_source, sizeof s.flyway_mixed_source, "%s", "flyway_mixed setting");
	}
	s.golang_multi_statement = s.golang_multi_statement || o->golang_multi_statement;
	s.pg_version = o->pg_version;
	gk_runner_choose_parsed(out, &s, in->runner != GK_RUNNER_AUTO ? in->runner : o->runner, in->no_transaction,
				in->path, text, len, parsed);
}

/* The input as reading it found it (a dbmate file among plain ones). */
static gk_lint_input parsed_input(const gk_parsed_file *pf)
{
	gk_lint_input in = *pf->in;
	if (in.tool == GK_LAYOUT_AUTO && pf->tool == GK_LAYOUT_DBMATE) {
		in.tool = pf->tool;
		in.no_transaction = pf->no_transaction;
	}
	return in;
}

void gk__choose_runner(gk_parsed_file *pf, const gk_lint_options *o)
{
	gk_lint_input in = parsed_input(pf);
	if (pf->have_source)
		gk_lint_runner(&pf->choice, o, &in, pf->src.text, pf->src.len, pf->parsed ? &pf->sql : NULL);
	else
		gk_lint_runner(&pf->choice, o, &in, "", 0, NULL);
}

void gk__lint_parsed(gk_parsed_file *pf, const gk_lint_options *o, const gk_rule_table *rules, gk_state *st,
		     gk_file_result *out)
{
	static const char empty_text[] = "";
	static size_t zero;
	gk_source no_source = {.text = empty_text, .line_start = &zero, .n_lines = 1};
	engine e = {.res = out, .dirs = &pf->dirs, .lock_timeout = {.local_tx = -1},
		     .statement_timeout = {.local_tx = -1}};
	gk_lint l = {.opts = o, .rules = rules, .path = pf->in->path, .src = pf->have_source ? &pf->src : &no_source, .engine = &e,
		     .state = st};
	out->choice = pf->choice;
	l.runner = out->runner = out->choice.deploy;
	l.choice = &out->choice;
	l.tool = parsed_input(pf).tool;
	out->oom = pf->oom;
	if (pf->in->new_change)
		gk_state_forget_new(st);
	st->in_change = pf->in->role == GK_LINT_CHECK;
	if ((pf->in->role == GK_LINT_CHECK && !input_findings(&l, pf)) || !pf->parsed)
		goto done;
	if (make_stmts(&l, &pf->sql) < 0) {
		out->oom = true;
		goto done;
	}
	assign_transactions(&l, pf->sql.n_stmts + pf->sql.n_errors);
	if (pf->in->role == GK_LINT_CONTEXT) {
		gk_sql_recognised w;
		size_t k = 0;
		for (size_t i = 0; i < l.n_stmts; i++) {
			for (; k < pf->sql.n_errors && pf->sql.errors[k].start < l.stmts[i].start; k++)
				learn_unparsed(&l, &pf->sql.errors[k], l.stmts[i].tx_id, &w);
			if (gk_state_apply(st, l.stmts[i].node, l.stmts[i].tx_id) < 0)
				out->oom = true;
		}
		for (; k < pf->sql.n_errors; k++)
			learn_unparsed(&l, &pf->sql.errors[k], l.n_stmts ? l.stmts[l.n_stmts - 1].tx_id : -1, &w);
	} else {
		run_rules(&l, &pf->sql);
		if (pf->sql.n_stmts == 0 && pf->sql.n_errors == 0)
			emit_meta(&l, GK_RULE_ID_empty_migration, NULL, pf->src.bom, pf->src.bom + 1, "migration has no SQL statements");
		directive_findings(&l);
	}
	out->statements = (int)pf->sql.n_stmts + e.recognised;
	out->statements_total = (int)(pf->sql.n_stmts + pf->sql.n_errors);
done:
	gk_lint_memo_free(&l);
	free(e.first);
	free(e.by_stmt);
	free(e.covered);
	free(l.stmts);
}
