/*
 * engine.c - lints files: reads and checks the input, parses it, decides
 * which statements run in a transaction, runs the rules in order while the
 * schema model follows along, applies suppressions, and hands the findings
 * to the report.
 *
 * Files are independent, so they are linted on worker threads (each with
 * the deep stack the parser needs); results are merged in input order so
 * the report does not depend on scheduling.
 */
#include "lint_internal.h"
#include "../util/util.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_SQL_IN_FINDING 2000

typedef struct file_result {
	gk_finding *findings;
	size_t n, cap;
	int statements;
	enum gk_runner runner;
	bool oom;
} file_result;

typedef struct engine {
	file_result *res;
	gk_directives dirs;
	size_t reported[GK_RULES_MAX]; /* gk_lint_report calls per rule in this file */
} engine;

void gk_lint_options_init(gk_lint_options *o)
{
	memset(o, 0, sizeof *o);
	o->pg_version = 15;
	o->runner = GK_RUNNER_AUTO;
	memset(o->severity, -1, sizeof o->severity);
	o->max_file_size = (size_t)16 << 20;
	o->jobs = 0;
}

int gk_lint_options_set_severity(gk_lint_options *o, const char *rule_id, enum gk_severity sev)
{
	int i = gk_rule_index(rule_id);
	if (i < 0)
		return GK_ENOTFOUND;
	o->severity[i] = (signed char)sev;
	return 0;
}

static enum gk_severity severity_of(const gk_lint_options *o, int idx)
{
	return o->severity[idx] >= 0 ? (enum gk_severity)o->severity[idx] : gk_rule_impl((size_t)idx)->info.severity;
}

enum gk_severity gk_lint_options_severity(const gk_lint_options *o, const char *rule_id)
{
	int i = gk_rule_index(rule_id);
	return i < 0 ? GK_SEV_OFF : severity_of(o, i);
}

/* ---- findings ---- */

static bool suppressed(gk_lint *l, const char *rule_id, int stmt)
{
	engine *e = l->engine;
	bool hit = false;
	for (size_t i = 0; i < e->dirs.n; i++) {
		gk_directive *d = &e->dirs.items[i];
		if (!d->reason || (!d->file_wide && (stmt < 0 || d->stmt != stmt)))
			continue;
		for (size_t k = 0; k < d->n_rules; k++)
			if (strcmp(d->rules[k], rule_id) == 0) {
				d->used[k] = true;
				hit = true;
			}
	}
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

/*
 * Add a finding of rule `idx`.  `start`/`end` are byte offsets (end
 * exclusive); start == SIZE_MAX means no position.
 */
static void emit(gk_lint *l, int idx, const gk_stmt *s, size_t start, size_t end, const char *help,
		 const char *msg)
{
	const gk_rule *rule = gk_rule_impl((size_t)idx);
	enum gk_severity sev = severity_of(l->opts, idx);
	engine *e = l->engine;
	file_result *fr = e->res;
	if (sev == GK_SEV_OFF || suppressed(l, rule->info.id, s ? s->index : -1))
		return;
	if (gk_grow(&fr->findings, &fr->cap, fr->n + 1, sizeof *fr->findings) < 0) {
		fr->oom = true;
		return;
	}
	gk_finding *f = &fr->findings[fr->n];
	memset(f, 0, sizeof *f);
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
		f->context = gk_strndup(l->src->text + a, b - a > 400 ? 400 : b - a);
	}
	if (s) {
		f->statement_index = s->index + 1;
		f->sql = stmt_sql(l, s);
	}
	fr->n++;
	if (!f->message || !f->path)
		fr->oom = true;
}

void gk_lint_report(gk_lint *l, const gk_stmt *s, int loc, const char *help, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	size_t start = loc >= 0 ? s->base + (size_t)loc : s->start;
	if (start < s->start || start >= s->end)
		start = s->start;
	((engine *)l->engine)->reported[l->current_index]++;
	emit(l, l->current_index, s, start, s->end, help, msg);
}

size_t gk_lint_count_current(const gk_lint *l)
{
	return ((const engine *)l->engine)->reported[l->current_index];
}

static void emit_meta(gk_lint *l, const char *rule_id, const gk_stmt *s, size_t start, size_t end,
		      const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void emit_meta(gk_lint *l, const char *rule_id, const gk_stmt *s, size_t start, size_t end,
		      const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	emit(l, gk_rule_index(rule_id), s, start, end, NULL, msg);
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
 * Which statements share a transaction.  Prisma (and golang-migrate) send
 * the file as one simple query: PostgreSQL runs a multi-statement simple
 * query as one implicit transaction block, and after an explicit COMMIT in
 * it the next statements open a new implicit block.  A per-file runner
 * wraps everything in its own transaction.  Otherwise only an explicit
 * BEGIN opens one.
 */
static void assign_transactions(gk_lint *l)
{
	bool implicit = l->runner == GK_RUNNER_PER_FILE || (l->runner == GK_RUNNER_PRISMA && l->n_stmts > 1);
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

static enum gk_runner resolve_runner(enum gk_runner r, const char *path)
{
	if (r != GK_RUNNER_AUTO)
		return r;
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(base);
	if (strcmp(base, "migration.sql") == 0 || (n > 7 && strcmp(base + n - 7, ".up.sql") == 0))
		return GK_RUNNER_PRISMA;
	return GK_RUNNER_PER_FILE;
}

/* After each statement: is a non-zero lock_timeout in effect? */
static void track_lock_timeout(gk_lint *l, const PgQuery__Node *n)
{
	if (n->node_case != PG_QUERY__NODE__NODE_VARIABLE_SET_STMT)
		return;
	const PgQuery__VariableSetStmt *vs = n->variable_set_stmt;
	if (vs->kind == PG_QUERY__VARIABLE_SET_KIND__VAR_RESET_ALL) {
		l->lock_timeout_set = false;
		return;
	}
	if (!vs->name || strcmp(vs->name, "lock_timeout") != 0)
		return;
	if (vs->kind != PG_QUERY__VARIABLE_SET_KIND__VAR_SET_VALUE || vs->n_args == 0) {
		l->lock_timeout_set = false;
		return;
	}
	const PgQuery__Node *a = vs->args[0];
	bool zero = false;
	if (a->node_case == PG_QUERY__NODE__NODE_A_CONST) {
		const PgQuery__AConst *c = a->a_const;
		if (c->val_case == PG_QUERY__A__CONST__VAL_IVAL)
			zero = c->ival->ival == 0;
		else if (c->val_case == PG_QUERY__A__CONST__VAL_SVAL)
			zero = strtol(c->sval->sval, NULL, 10) == 0 && c->sval->sval[0] == '0';
	}
	l->lock_timeout_set = !zero;
}

/* ---- directives ---- */

static void directive_findings(gk_lint *l)
{
	engine *e = l->engine;
	for (size_t i = 0; i < e->dirs.n_malformed; i++) {
		gk_directive *d = &e->dirs.malformed[i];
		emit_meta(l, "unknown-rule", NULL, d->start, d->end,
			  "unknown gatekeeper directive; write `gatekeeper:ignore RULE reason: ...` or `gatekeeper:ignore-file RULE reason: ...`");
	}
	for (size_t i = 0; i < e->dirs.n; i++) {
		gk_directive *d = &e->dirs.items[i];
		if (d->n_rules == 0)
			emit_meta(l, "unknown-rule", NULL, d->start, d->end, "suppression names no rule");
		for (size_t k = 0; k < d->n_rules; k++)
			if (gk_rule_index(d->rules[k]) < 0)
				emit_meta(l, "unknown-rule", NULL, d->start, d->end, "suppression names unknown rule '%s'",
					  d->rules[k]);
		if (!d->reason) {
			emit_meta(l, "suppression-without-reason", NULL, d->start, d->end,
				  "suppression has no reason, so it is ignored; add `reason: why this is safe`");
			continue;
		}
		if (!d->file_wide && d->stmt < 0) {
			emit_meta(l, "unused-suppression", NULL, d->start, d->end,
				  "suppression is not next to a statement; put it on the line before the statement or at its end");
			continue;
		}
		for (size_t k = 0; k < d->n_rules; k++)
			if (!d->used[k] && gk_rule_index(d->rules[k]) >= 0)
				emit_meta(l, "unused-suppression", NULL, d->start, d->end,
					  "suppression of '%s' matched no finding", d->rules[k]);
	}
}

/* ---- one file ---- */

static bool rule_enabled(const gk_lint_options *o, size_t i)
{
	return severity_of(o, (int)i) != GK_SEV_OFF;
}

static void run_rules(gk_lint *l, gk_sql *sql)
{
	size_t nr = gk_rules_count();
	for (size_t i = 0; i < l->n_stmts; i++) {
		gk_stmt *s = &l->stmts[i];
		for (size_t r = 0; r < nr; r++) {
			const gk_rule *rule = gk_rule_impl(r);
			if (!rule->check || !rule_enabled(l->opts, r))
				continue;
			l->current = rule;
			l->current_index = (int)r;
			rule->check(l, s);
		}
		if (gk_state_apply(&l->state, s->node, s->tx_id) < 0)
			((engine *)l->engine)->res->oom = true;
		track_lock_timeout(l, s->node);
	}
	for (size_t r = 0; r < nr; r++) {
		const gk_rule *rule = gk_rule_impl(r);
		if (!rule->finish || !rule_enabled(l->opts, r))
			continue;
		l->current = rule;
		l->current_index = (int)r;
		rule->finish(l);
	}
	for (size_t i = 0; i < sql->n_errors; i++) {
		const gk_sql_error *er = &sql->errors[i];
		if (er->too_complex)
			emit_meta(l, "invalid-input", NULL, er->offset, er->offset + 1, "%s", er->message);
		else
			emit_meta(l, "syntax-error", NULL, er->offset, er->offset + 1, "%s", er->message);
	}
}

/* Input problems that stop analysis; true when the text can be parsed. */
static bool check_input(gk_lint *l, const char *text, size_t len)
{
	const char *nul = memchr(text, '\0', len);
	if (nul) {
		emit_meta(l, "invalid-input", NULL, (size_t)(nul - text), (size_t)(nul - text) + 1,
			  "file contains a NUL byte: it is binary, not SQL text");
		return false;
	}
	size_t bad;
	if (!gk_utf8_valid(text, len, &bad)) {
		emit_meta(l, "invalid-input", NULL, bad, bad + 1,
			  "file is not valid UTF-8 (byte 0x%02x at offset %zu); PostgreSQL would reject it",
			  (unsigned char)text[bad], bad);
		return false;
	}
	return true;
}

static void lint_text(file_result *fr, const gk_lint_options *o, const char *path, const char *text, size_t len)
{
	engine e = {.res = fr};
	gk_source src;
	gk_sql sql;
	memset(&sql, 0, sizeof sql);
	gk_lint l = {.opts = o, .path = path, .src = &src, .engine = &e};
	l.runner = fr->runner = resolve_runner(o->runner, path);
	gk_state_init(&l.state);
	l.state.in_change = true;
	if (gk_source_init(&src, text, len) < 0) {
		fr->oom = true;
		goto done;
	}
	if (!check_input(&l, text, len))
		goto done;
	if (gk_sql_parse(&sql, text, len, src.bom) < 0 || gk_directives_find(&e.dirs, &src, &sql) < 0) {
		fr->oom = true;
		goto done;
	}
	l.n_stmts = sql.n_stmts;
	l.stmts = calloc(sql.n_stmts ? sql.n_stmts : 1, sizeof *l.stmts);
	if (!l.stmts) {
		fr->oom = true;
		goto done;
	}
	for (size_t i = 0; i < sql.n_stmts; i++)
		l.stmts[i] = (gk_stmt){.node = sql.stmts[i].node, .index = (int)i, .start = sql.stmts[i].start,
				       .end = sql.stmts[i].end, .base = sql.stmts[i].base};
	assign_transactions(&l);
	fr->statements = (int)sql.n_stmts;
	run_rules(&l, &sql);
	if (sql.n_stmts == 0 && sql.n_errors == 0)
		emit_meta(&l, "empty-migration", NULL, src.bom, src.bom + 1, "migration has no SQL statements");
	directive_findings(&l);
done:
	free(l.stmts);
	gk_state_free(&l.state);
	gk_directives_free(&e.dirs);
	gk_sql_free(&sql);
	gk_source_free(&src);
}

static void lint_path(file_result *fr, const gk_lint_options *o, const char *path)
{
	char *text = NULL;
	size_t len = 0;
	if (gk_read_file(&text, &len, path, o->max_file_size) == 0) {
		lint_text(fr, o, path, text, len);
		free(text);
		return;
	}
	int err = errno;
	gk_source empty = {.text = "", .len = 0};
	size_t zero = 0;
	empty.line_start = &zero;
	empty.n_lines = 1;
	engine e = {.res = fr};
	gk_lint l = {.opts = o, .path = path, .src = &empty, .engine = &e};
	fr->runner = resolve_runner(o->runner, path);
	if (err == EFBIG)
		emit_meta(&l, "invalid-input", NULL, SIZE_MAX, 0,
			  "file is larger than the %zu MiB limit (max_file_size); split it or raise the limit",
			  o->max_file_size >> 20);
	else if (err == EISDIR)
		emit_meta(&l, "invalid-input", NULL, SIZE_MAX, 0, "is a directory, not a SQL file");
	else
		emit_meta(&l, "invalid-input", NULL, SIZE_MAX, 0, "cannot read file: %s", strerror(err));
}

/* ---- many files ---- */

typedef struct job {
	const gk_lint_options *o;
	const char *const *paths;
	const char *text; /* gk_lint_text: one in-memory file */
	size_t text_len;
	file_result *res;
	size_t n;
	atomic_size_t next;
} job;

static void *worker(void *arg)
{
	job *j = arg;
	size_t i;
	while ((i = atomic_fetch_add(&j->next, 1)) < j->n) {
		if (j->text)
			lint_text(&j->res[i], j->o, j->paths[i], j->text, j->text_len);
		else
			lint_path(&j->res[i], j->o, j->paths[i]);
	}
	return NULL;
}

static int run_jobs(job *j, gk_error *err)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nthreads = j->o->jobs > 0 ? (size_t)j->o->jobs : (cores > 0 ? (size_t)cores : 1);
	if (nthreads > j->n)
		nthreads = j->n ? j->n : 1;
	if (nthreads > 64)
		nthreads = 64;
	pthread_t tids[64];
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, GK_SQL_STACK_SIZE);
	size_t started = 0;
	for (; started < nthreads; started++)
		if (pthread_create(&tids[started], &attr, worker, j) != 0)
			break;
	pthread_attr_destroy(&attr);
	if (started == 0)
		return gk_error_set(err, GK_ERROR, "cannot start a parser thread");
	for (size_t i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	return 0;
}

static int merge(gk_report *r, const char *const *paths, file_result *res, size_t n, gk_error *err)
{
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		file_result *fr = &res[i];
		if (rc == 0 && fr->oom)
			rc = gk_error_set(err, GK_ENOMEM, "out of memory while linting %s", paths[i]);
		if (rc == 0 && gk_report_add_migration(r, paths[i], fr->statements, fr->runner) < 0)
			rc = gk_error_set(err, GK_ENOMEM, "out of memory");
		for (size_t k = 0; k < fr->n; k++) {
			gk_finding *f = &fr->findings[k];
			if (rc == 0 && gk_report_add_finding(r, f) < 0)
				rc = gk_error_set(err, GK_ENOMEM, "out of memory");
			free(f->message);
			free(f->help);
			free(f->path);
			free(f->sql);
			free(f->context);
		}
		free(fr->findings);
	}
	return rc;
}

int gk_lint_files(gk_report *r, const gk_lint_options *o, const char *const *paths, size_t n, gk_error *err)
{
	file_result *res = calloc(n ? n : 1, sizeof *res);
	if (!res)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	job j = {.o = o, .paths = paths, .res = res, .n = n};
	atomic_init(&j.next, 0);
	int rc = run_jobs(&j, err);
	int mrc = merge(r, paths, res, n, err);
	free(res);
	return rc ? rc : mrc;
}

int gk_lint_text(gk_report *r, const gk_lint_options *o, const char *path, const char *text, size_t len,
		 gk_error *err)
{
	/* The parser wants a NUL-terminated text; keep embedded NULs visible. */
	char *copy = malloc(len + 1);
	if (!copy)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	memcpy(copy, text, len);
	copy[len] = '\0';
	file_result res;
	memset(&res, 0, sizeof res);
	const char *paths[1] = {path};
	job j = {.o = o, .paths = paths, .text = copy, .text_len = len, .res = &res, .n = 1};
	atomic_init(&j.next, 0);
	int rc = run_jobs(&j, err);
	int mrc = merge(r, paths, &res, 1, err);
	free(copy);
	return rc ? rc : mrc;
}
