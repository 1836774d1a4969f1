/*
 * run.c - the lock-window estimate of a change's migrations (see
 * gk_estimate_migrations() in estimate.h).
 *
 * The database given holds the schema before the change.  Its migrations
 * are applied statement by statement, in order, so that each statement
 * meets the schema it will meet in production; before a statement that
 * rewrites or scans a table production has rows in, or builds an index on
 * it, under a lock that blocks writes (or VALIDATE's), that table is
 * calibrated (estimate.c), then emptied again and the statement applied.
 * A statement the lock table does not expect to rewrite or scan gets no
 * estimate: its window does not grow with the table.  CONCURRENTLY builds
 * are left out too: they block no reads or writes, and they cannot run in
 * the transaction the timing rolls back.
 */
#include "estimate/estimate.h"
#include "config/config.h"
#include "lint/locks.h"
#include "rules/rules.h"
#include "sql/sql.h"
#include "util/interrupt.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One statement of a migration, as the walk needs it. */
typedef struct stmt_plan {
	size_t start, end;
	bool skip;                     /* transaction control: the walk runs autocommit */
	bool estimable;
	char schema[64], name[64];
	const char *lock;              /* static */
	bool sorts;
} stmt_plan;

typedef struct plan_job {
	const char *text;
	size_t len;
	int pg_version;
	stmt_plan *out;
	size_t n;
	int rc;
} plan_job;

/* The statement builds an index while it holds its lock. */
static bool builds_index(const PgQuery__Node *n)
{
	if (n->node_case == PG_QUERY__NODE__NODE_INDEX_STMT)
		return true;
	if (n->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_STMT)
		return false;
	const PgQuery__AlterTableStmt *a = n->alter_table_stmt;
	for (size_t i = 0; i < a->n_cmds; i++) {
		const PgQuery__Node *c = a->cmds[i];
		if (c->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD || !c->alter_table_cmd->def ||
		    c->alter_table_cmd->def->node_case != PG_QUERY__NODE__NODE_CONSTRAINT)
			continue;
		const PgQuery__Constraint *k = c->alter_table_cmd->def->constraint;
		if ((k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY ||
		     k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE ||
		     k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_EXCLUSION) &&
		    (!k->indexname || !*k->indexname))
			return true;
	}
	return false;
}

static void classify(stmt_plan *p, const PgQuery__Node *n, int pg_version)
{
	if (!n || n->node_case == PG_QUERY__NODE__NODE_TRANSACTION_STMT) {
		p->skip = n != NULL;
		return;
	}
	if (n->node_case == PG_QUERY__NODE__NODE_INDEX_STMT && n->index_stmt->concurrent)
		return;
	gk_lock locks[GK_MAX_LOCKS];
	size_t k = gk_stmt_locks(n, pg_version, locks, GK_MAX_LOCKS);
	for (size_t i = 0; i < k; i++) {
		const gk_lock *l = &locks[i];
		if (l->is_index || l->role != GK_LOCK_ROLE_TABLE || !(l->rewrite || l->scan) ||
		    l->mode < GK_LOCK_SHARE_UPDATE_EXCLUSIVE || !l->name)
			continue;
		snprintf(p->schema, sizeof p->schema, "%s", l->schema && *l->schema ? l->schema : "public");
		snprintf(p->name, sizeof p->name, "%s", l->name);
		p->lock = gk_lockmode_name(l->mode);
		p->sorts = builds_index(n);
		p->estimable = true;
		return;
	}
}

static void *plan_thread(void *arg)
{
	plan_job *j = arg;
	gk_sql sql;
	if (gk_sql_parse(&sql, j->text, j->len, 0) != 0) {
		j->rc = GK_ENOMEM;
		return NULL;
	}
	/* Parsed statements and those that did not parse, in text order: a
	 * statement the parser refuses is still sent, unestimated. */
	j->out = calloc(sql.n_stmts + sql.n_errors + 1, sizeof *j->out);
	if (!j->out) {
		j->rc = GK_ENOMEM;
		gk_sql_free(&sql);
		return NULL;
	}
	size_t a = 0, b = 0;
	while (a < sql.n_stmts || b < sql.n_errors) {
		bool take_stmt = b >= sql.n_errors || (a < sql.n_stmts && sql.stmts[a].start < sql.errors[b].start);
		stmt_plan *p = &j->out[j->n++];
		if (take_stmt) {
			p->start = sql.stmts[a].start;
			p->end = sql.stmts[a].end;
			classify(p, sql.stmts[a++].node, j->pg_version);
		} else {
			p->start = sql.errors[b].start;
			p->end = sql.errors[b++].end;
		}
	}
	gk_sql_free(&sql);
	return NULL;
}

/* The statements of `text`, parsed on a thread with the parser's stack. */
static int plan_migration(const char *text, size_t len, int pg_version, stmt_plan **out, size_t *n)
{
	plan_job j = {.text = text, .len = len, .pg_version = pg_version};
	if (gk_sql_on_deep_stack(plan_thread, &j) != 0)
		return GK_ENOMEM;
	if (j.rc != 0) {
		free(j.out);
		return j.rc;
	}
	*out = j.out;
	*n = j.n;
	return 0;
}

/* ---- the walk ------------------------------------------------------------ */

typedef struct walk {
	gk_report *r;
	const gk_estimate_run_options *o;
	gk_estimate_options limits;
	PGconn *c;
	/* The tables before the change, "schema\x01name" sorted: one the change
	 * creates has no rows in production whatever a statistics file says
	 * of a table of that name. */
	char **before;
	size_t n_before;
	bool interrupted;       /* the run was interrupted: the rest is not walked */
} walk;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_tables(walk *w, gk_error *err)
{
	PGresult *res = PQexec(w->c, "SELECT n.nspname || chr(1) || c.relname FROM pg_class c\n"
				     "JOIN pg_namespace n ON n.oid = c.relnamespace\n"
				     "WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		return gk_error_set(err, GK_EINFRA, "lock-window estimate: reading the tables: %s", PQerrorMessage(w->c));
	}
	size_t n = (size_t)PQntuples(res);
	w->before = calloc(n + 1, sizeof *w->before);
	for (size_t i = 0; w->before && i < n; i++)
		if ((w->before[w->n_before] = gk_strdup(PQgetvalue(res, (int)i, 0))))
			w->n_before++;
	PQclear(res);
	if (!w->before || w->n_before < n)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	qsort(w->before, w->n_before, sizeof *w->before, cmp_str);
	return 0;
}

static bool existed(const walk *w, const char *schema, const char *name)
{
	char key[140];
	snprintf(key, sizeof key, "%s\x01%s", schema, name);
	const char *k = key;
	return bsearch(&k, w->before, w->n_before, sizeof *w->before, cmp_str) != NULL;
}

static int note(walk *w, const char *path, int index, const char *what)
{
	char *msg = gk_asprintf("lock-window estimate: %s statement %d: %s", path, index, what);
	int rc = msg ? gk_report_add_note(w->r, msg) : GK_ENOMEM;
	free(msg);
	return rc;
}

/* The report's form of `e`; out->text is malloc'ed (NULL when out of memory). */
static void to_report(const gk_estimate_result *e, gk_lock_estimate *out, char *relation, size_t size)
{
	char range[64];
	snprintf(relation, size, "%s.%s", e->schema, e->name);
	gk_estimate_describe(range, sizeof range, e->low_ms, e->high_ms);
	*out = (gk_lock_estimate){.low_ms = e->low_ms, .high_ms = e->high_ms, .method = e->method, .lock = e->lock,
				  .relation = relation, .production_rows = e->production_rows,
				  .text = gk_asprintf("%s under %s on %s, %s", range, e->lock, relation, e->method)};
	for (size_t i = 0; i < e->n_points && i < GK_ESTIMATE_SIZES; i++) {
		out->sizes[i].rows = e->points[i].rows;
		out->sizes[i].ms = e->points[i].ms;
		out->n_sizes++;
	}
}

/* The budget finding of a statement over its lock's budget. */
static int over_budget(walk *w, const gk_estimate_migration *m, const stmt_plan *p, int index,
		       const gk_lock_estimate *le, double budget_ms)
{
	char range[64], budget[64], rows[32];
	gk_estimate_describe(range, sizeof range, le->low_ms, le->high_ms);
	gk_estimate_describe_ms(budget, sizeof budget, budget_ms);
	if (le->production_rows >= 1e6)
		snprintf(rows, sizeof rows, "%.3gM rows", le->production_rows / 1e6);
	else
		snprintf(rows, sizeof rows, "%.0f rows", le->production_rows);
	char *msg = gk_asprintf("predicted to hold %s on %s for %s in production (%s), over the lock budget of %s",
				le->lock, le->relation, range, rows, budget);
	gk_source src;
	int line = 0, col = 0;
	if (gk_source_init(&src, m->sql, m->len) == 0) {
		gk_source_pos(&src, p->start, &line, &col);
		gk_source_free(&src);
	}
	gk_finding f = {.message = msg, .path = (char *)m->path, .line = line, .column = col,
			.statement_index = index, .estimate = *le};
	int rc = msg ? gk_rule_add_finding(w->r, w->o->lint, GK_RULE_ID_lock_window_over_budget, &f) : GK_ENOMEM;
	free(msg);
	return rc;
}

/* Put the estimate on the statement's findings that predict its lock or
 * rewrite;
 * a note when none does; the budget finding when over. */
static int record(walk *w, const gk_estimate_migration *m, const stmt_plan *p, int index,
		  const gk_estimate_result *e)
{
	char relation[140];
	gk_lock_estimate le;
	to_report(e, &le, relation, sizeof relation);
	size_t attached = 0;
	int rc = le.text ? 0 : GK_ENOMEM;
	for (size_t i = 0; rc == 0 && i < w->r->n_findings; i++) {
		const gk_finding *f = &w->r->findings[i];
		/* A lock wait's finding (missing-lock-timeout) is about the queue
		 * before the lock, not how long it is held. */
		if (f->statement_index == index && f->path && !strcmp(f->path, m->path) &&
		    (f->evidence.kind == GK_PREDICT_LOCK || f->evidence.kind == GK_PREDICT_REWRITE) &&
		    !f->estimate.method) {
			rc = gk_report_set_estimate(w->r, i, &le);
			attached++;
		}
	}
	if (rc == 0 && attached == 0)
		rc = note(w, m->path, index, le.text);
	double budget = gk_lock_budget_ms(w->o->budget, e->lock);
	if (rc == 0 && budget > 0 && e->high_ms > budget)
		rc = over_budget(w, m, p, index, &le, budget);
	free(le.text);
	return rc;
}

static int estimate_one(walk *w, const gk_estimate_migration *m, const stmt_plan *p, int index, const char *sql)
{
	const gk_estimate_table *prod = gk_estimate_tables_find(w->o->production, p->schema, p->name);
	if (!prod || prod->rows < 0 || !existed(w, p->schema, p->name))
		return 0;
	gk_estimate_result e;
	gk_error e_err = {0};
	int rc = gk_estimate_statement(&e, w->c, &w->limits, sql, p->schema, p->name, p->lock, p->sorts, prod,
				       &e_err);
	if (rc == GK_ENOMEM || rc == GK_EINFRA)
		return rc;
	if (rc < 0)
		return note(w, m->path, index, e_err.msg);
	rc = record(w, m, p, index, &e);
	gk_estimate_result_free(&e);
	if (rc == 0 && gk_estimate_empty(w->c, p->schema, p->name, &e_err) < 0)
		rc = e_err.code == GK_EINFRA ? GK_EINFRA : note(w, m->path, index, e_err.msg);
	return rc;
}

/* Apply `sql`; false (with a note) when it fails: the walk of this
 * migration stops, the schema after it is not what production will have. */
static int apply(walk *w, const gk_estimate_migration *m, int index, const char *sql, bool *ok)
{
	PGresult *res = PQexec(w->c, sql);
	ExecStatusType st = PQresultStatus(res);
	*ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY;
	char msg[512];
	snprintf(msg, sizeof msg, "%s", *ok ? "" : PQresultErrorMessage(res));
	PQclear(res);
	if (*ok)
		return 0;
	if (PQstatus(w->c) != CONNECTION_OK)
		return GK_EINFRA;
	gk_one_line(msg);
	char *what = gk_asprintf("does not apply on the estimate's database, the rest of the file is not estimated: %s",
				 msg);
	int rc = what ? note(w, m->path, index, what) : GK_ENOMEM;
	free(what);
	return rc;
}

static int walk_migration(walk *w, const gk_estimate_migration *m)
{
	stmt_plan *plan = NULL;
	size_t n = 0;
	int rc = plan_migration(m->sql, m->len, w->o->pg_version, &plan, &n);
	bool ok = true;
	for (size_t i = 0; rc == 0 && ok && i < n; i++) {
		if (plan[i].skip)
			continue;
		/* Between statements, as every step of a run: an interruption
		 * (a signal, --timeout) ends the walk in order; the watchdog
		 * has already cancelled a query it found running. */
		if (gk_interrupted()) {
			w->interrupted = true;
			rc = note(w, m->path, (int)i + 1, "interrupted: this statement and the ones after it were "
							  "not estimated");
			break;
		}
		char *sql = gk_strndup(m->sql + plan[i].start, plan[i].end - plan[i].start);
		if (!sql) {
			rc = GK_ENOMEM;
			break;
		}
		if (plan[i].estimable && m->estimate && w->o->production)
			rc = estimate_one(w, m, &plan[i], (int)i + 1, sql);
		if (rc == 0)
			rc = apply(w, m, (int)i + 1, sql, &ok);
		free(sql);
	}
	free(plan);
	return rc;
}

/* The server's notices ("truncate cascades to table ...") are not for the
 * user: libpq's default prints them on stderr, and library code never prints. */
static void drop_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* The run was interrupted before the walk began or while it read the
 * tables: nothing is estimated, which a note says (the job reports the
 * interruption itself). */
static int interrupted_note(gk_report *r)
{
	return gk_report_add_note(r, "lock-window estimate: interrupted: no statement was estimated") < 0
		       ? GK_ENOMEM : 0;
}

int gk_estimate_migrations(gk_report *r, const gk_estimate_run_options *o, const char *conninfo,
			   const gk_estimate_migration *m, size_t n, gk_error *err)
{
	if (gk_interrupted())
		return interrupted_note(r) < 0 ? gk_error_set(err, GK_ENOMEM, "out of memory") : 0;
	PGconn *c = PQconnectdb(conninfo);
	PQsetNoticeProcessor(c, drop_notice, NULL);
	if (PQstatus(c) != CONNECTION_OK) {
		char msg[512];
		snprintf(msg, sizeof msg, "%s", PQerrorMessage(c));
		gk_one_line(msg);
		PQfinish(c);
		return gk_error_set(err, GK_EINFRA, "lock-window estimate: cannot connect to the shadow: %s", msg);
	}
	walk w = {.r = r, .o = o, .limits = o->limits, .c = c};
	/* Watched, as every session of a run: an interruption cancels the
	 * calibration's running query instead of waiting for it. */
	int watch = gk_watch_begin(c, 0);
	int rc = o->production ? read_tables(&w, err) : 0;
	if (rc < 0) {
		gk_watch_end(watch);
		PQfinish(c);
		for (size_t i = 0; i < w.n_before; i++)
			free(w.before[i]);
		free(w.before);
		if (rc != GK_ENOMEM && gk_interrupted())
			return interrupted_note(r) < 0 ? gk_error_set(err, GK_ENOMEM, "out of memory") : 0;
		return rc;
	}
	for (size_t i = 0; rc == 0 && !w.interrupted && i < n; i++)
		rc = walk_migration(&w, &m[i]);
	gk_watch_end(watch);
	PQfinish(c);
	for (size_t i = 0; i < w.n_before; i++)
		free(w.before[i]);
	free(w.before);
	if (rc == GK_EINFRA)
		return gk_error_set(err, rc, "lock-window estimate: the shadow server went away");
	return rc < 0 ? gk_error_set(err, rc, "out of memory") : 0;
}
