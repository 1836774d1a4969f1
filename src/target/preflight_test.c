/*
 * preflight_test.c - the release gate's pre-flight (src/target/preflight.c)
 * on the embedded server, each situation made for real: a second session
 * idle in transaction on a table and a third one queued behind it
 * ("blocking-session"), table sizes from the statistics (also of a
 * partitioned table), an index left invalid by a CREATE UNIQUE INDEX
 * CONCURRENTLY that failed on duplicate data ("invalid-index"), NOT VALID
 * constraints ("unvalidated-constraint"), and Prisma's advisory lock held
 * by another session ("deploy-in-progress") - as the superuser and
 * through a role that can only connect and read the catalogs.
 */
/* test needs: postgres */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "target/target_test_support.h"
#include "util/pg_test_support.h"
#include "gatekeeper/rules.h"

#define USERS "CREATE TABLE users (id bigint PRIMARY KEY, email text); " \
	"INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 1000) g; ANALYZE users"

static gk_report *new_report(void) { return gk_report_new("gate"); }

static const gk_finding *only_finding(gk_report *r, const char *rule)
{
	gk_report_finish(r, GK_SEV_ERROR, 0);
	assert_int_equal(r->n_findings, 1);
	assert_string_equal(r->findings[0].rule_id, rule);
	return &r->findings[0];
}

/* Wait until `pid` waits for a lock (pg_locks granted = false). */
static void wait_until_waiting(const db *d, int pid)
{
	PGconn *c = connect_as_super(d);
	char q[128];
	snprintf(q, sizeof q, "SELECT 1 FROM pg_locks WHERE pid = %d AND NOT granted", pid);
	for (int i = 0; i < 200; i++) {
		PGresult *r = PQexec(c, q);
		int n = PQntuples(r);
		PQclear(r);
		if (n > 0)
			break;
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	}
	PQfinish(c);
}

static const gk_target_session *session_of(const gk_target_session *s, size_t n, int pid)
{
	for (size_t i = 0; i < n; i++)
		if (s[i].pid == pid)
			return &s[i];
	fail_msg("no session of pid %d among %zu", pid, n);
	return NULL;
}

static void test_blocking_sessions(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	sql(&d, USERS "; CREATE TABLE \"Order\" (id int); CREATE TABLE quiet (id int)");
	/* An application session that read users and went idle in its transaction ... */
	PGconn *idle = connect_as_super(&d);
	exec_on(idle, "SET application_name = 'api'; BEGIN; SELECT count(*) FROM users; SELECT * FROM \"Order\"");
	/* ... and a migration queued behind it. */
	PGconn *queued = connect_as_super(&d);
	assert_int_equal(PQsendQuery(queued, "BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE"), 1);
	wait_until_waiting(&d, PQbackendPID(queued));

	gk_target *t = target_or_fail(d.conninfo);
	const char *tables[] = {"users", "public.\"Order\"", "quiet", "not_there", "other_schema.users"};
	gk_target_session *ss = NULL;
	size_t n = 0;
	gk_error err = {0, ""};
	assert_int_equal(gk_target_blocking_sessions(&ss, &n, t, tables, 5, &err), 0);
	assert_int_equal(n, 3); /* idle on users and "Order", queued on users; never ourselves */
	const gk_target_session *a = session_of(ss, n, PQbackendPID(idle));
	assert_true(a->granted);
	assert_string_equal(a->relation, "public.\"Order\""); /* oldest transaction first, then relation */
	assert_string_equal(ss[1].relation, "public.users");
	assert_string_equal(ss[1].mode, "AccessShareLock");
	assert_string_equal(a->state, "idle in transaction");
	assert_string_equal(a->application, "api");
	assert_true(a->xact_age_s >= 0);
	assert_non_null(strstr(a->query, "\"Order\""));
	const gk_target_session *q = session_of(ss, n, PQbackendPID(queued));
	assert_false(q->granted);
	assert_string_equal(q->mode, "AccessExclusiveLock");
	assert_true(q->wait_s >= 0);

	gk_report *r = new_report();
	gk_lint_options o;
	gk_lint_options_init(&o);
	assert_int_equal(gk_target_report_sessions(r, &o, "m/migration.sql", ss, n), 0);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	assert_int_equal(r->n_findings, 3);
	assert_string_equal(r->findings[0].rule_id, "blocking-session");
	assert_int_equal(r->findings[0].category, GK_CAT_GATE);
	bool seen_idle = false, seen_wait = false;
	for (size_t i = 0; i < r->n_findings; i++) {
		const char *m = r->findings[i].message;
		seen_idle |= strstr(m, "application \"api\", idle in transaction, transaction open") &&
			     strstr(m, "holds AccessShareLock on public.users");
		seen_wait |= strstr(m, "is waiting for AccessExclusiveLock on public.users (for") != NULL;
	}
	assert_true(seen_idle);
	assert_true(seen_wait);
	assert_int_equal(r->exit_code, GK_EXIT_FAIL);
	gk_report_free(r);
	gk_target_sessions_free(ss, n);
	gk_target_close(t);

	/* A role without pg_read_all_stats sees the locks, not the details. */
	char *role = unique(s, "reader");
	make_reader(&d, role, "x");
	char *url = url_for(&d, role, NULL, NULL);
	t = target_or_fail(url);
	assert_int_equal(gk_target_blocking_sessions(&ss, &n, t, tables, 1, &err), 0);
	assert_int_equal(n, 2);
	assert_null(ss[0].state);
	assert_null(ss[0].query);
	assert_true(ss[0].xact_age_s < 0);
	r = new_report();
	assert_int_equal(gk_target_report_sessions(r, &o, NULL, ss, 1), 0);
	assert_non_null(strstr(only_finding(r, "blocking-session")->message, "details hidden without pg_read_all_stats"));
	gk_report_free(r);
	gk_target_sessions_free(ss, n);
	gk_target_close(t);

	exec_on(idle, "COMMIT");
	PQfinish(idle);
	PGresult *res;
	while ((res = PQgetResult(queued)))
		PQclear(res);
	PQfinish(queued);
	t = target_or_fail(d.conninfo);
	assert_int_equal(gk_target_blocking_sessions(&ss, &n, t, tables, 5, &err), 0);
	assert_int_equal(n, 0);
	gk_target_sessions_free(ss, n);
	gk_target_close(t);
	free(url);
	free(role);
	drop_db(s, &d);
}

/* The sessions on the database `c` is connected to. */
static int sessions(PGconn *c)
{
	char *v = query1(c, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()");
	int n = v ? atoi(v) : -1;
	free(v);
	return n;
}

static void test_table_sizes(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	sql(&d, USERS "; CREATE TABLE fresh (id int); INSERT INTO fresh VALUES (1);"
		"CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);"
		"CREATE TABLE events_1 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2024-02-01');"
		"CREATE TABLE events_2 PARTITION OF events FOR VALUES FROM ('2024-02-01') TO ('2024-03-01');"
		"INSERT INTO events SELECT g, '2024-01-01'::date + (g %% 50) FROM generate_series(1, 2000) g;"
		"ANALYZE events");
	char *role = unique(s, "reader");
	make_reader(&d, role, "x");
	char *url = url_for(&d, role, NULL, NULL);
	gk_target *t = target_or_fail(url); /* sizes need no privilege on the tables */
	gk_error err = {0, ""};
	/* The statistics snapshot over the same session (the gate's one read
	 * for the sizes in its messages, the production context and the
	 * estimate): no second connection, and the session is still there,
	 * idle, for what comes after. */
	PGconn *c = PQconnectdb(d.conninfo);
	int before = sessions(c);
	gk_stats *st = NULL;
	assert_int_equal(gk_target_stats(&st, t, &err), 0);
	const gk_stats_table *u = gk_stats_find(st, "public", "users");
	assert_non_null(u);
	assert_int_equal(gk_stats_rows(u), 1000);
	assert_true(u->total_bytes > 40000);
	const gk_stats_table *ev = gk_stats_find(st, "public", "events");
	assert_non_null(ev);
	assert_int_equal(gk_stats_rows(ev), 2000); /* the partitions' sum */
	assert_true(gk_stats_taken_at(st) > 0);
	gk_stats_free(st);
	assert_int_equal(sessions(c), before);
	PQfinish(c);
	gk_target_close(t);

	char text[256];
	gk_target_table_size z = {"users", "public.users", 1000, 49152};
	gk_target_size_text(text, sizeof text, &z);
	assert_non_null(strstr(text, "public.users, ~1.0k rows, "));
	z = (gk_target_table_size){"fresh", "public.fresh", -1, 8192};
	gk_target_size_text(text, sizeof text, &z);
	assert_non_null(strstr(text, "public.fresh, rows unknown (never analyzed), "));
	z = (gk_target_table_size){"not_there", NULL, -1, 0};
	gk_target_size_text(text, sizeof text, &z);
	assert_string_equal(text, "not_there: not on the target");
	gk_target_table_size big = {"users", "public.users", 12.3e6, (long long)(3.1 * 1024 * 1024 * 1024)};
	gk_target_size_text(text, sizeof text, &big);
	assert_string_equal(text, "public.users, ~12M rows, 3.1 GB");
	big.rows = 1, big.bytes = 8192;
	gk_target_size_text(text, sizeof text, &big);
	assert_string_equal(text, "public.users, ~1 row, 8.0 kB");
	free(url);
	free(role);
	drop_db(s, &d);
}

/* A CREATE UNIQUE INDEX CONCURRENTLY that fails on duplicates leaves an invalid index. */
static void test_invalid_index(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	sql(&d, USERS "; INSERT INTO users VALUES (1001, 'u1'); CREATE INDEX users_ok ON users (id)");
	PGconn *c = connect_as_super(&d);
	PGresult *res = PQexec(c, "CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email)");
	assert_int_equal(PQresultStatus(res), PGRES_FATAL_ERROR);
	assert_string_equal(PQresultErrorField(res, PG_DIAG_SQLSTATE), "23505");
	PQclear(res);
	PQfinish(c);
	char *role = unique(s, "reader");
	make_reader(&d, role, "x");
	char *url = url_for(&d, role, NULL, NULL);
	gk_target *t = target_or_fail(url);
	gk_target_object *x = NULL;
	size_t n = 0;
	gk_error err = {0, ""};
	assert_int_equal(gk_target_invalid_indexes(&x, &n, t, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(x[0].name, "public.users_email_key");
	assert_string_equal(x[0].table, "public.users");
	assert_non_null(strstr(x[0].definition, "CREATE UNIQUE INDEX users_email_key ON public.users"));
	gk_report *r = new_report();
	gk_lint_options o;
	gk_lint_options_init(&o);
	assert_int_equal(gk_target_report_invalid_indexes(r, &o, x, n), 0);
	const gk_finding *f = only_finding(r, "invalid-index");
	assert_int_equal(f->severity, GK_SEV_WARNING);
	assert_non_null(strstr(f->message, "index public.users_email_key on public.users is invalid"));
	assert_non_null(f->sql);
	gk_report_free(r);
	gk_target_objects_free(x, n);
	gk_target_close(t);
	free(url);
	free(role);
	drop_db(s, &d);
}

static void test_unvalidated_constraints(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	sql(&d, USERS "; CREATE TABLE orders (id int, user_id bigint, total int);"
		"ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users NOT VALID;"
		"ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;"
		"ALTER TABLE orders ADD CONSTRAINT orders_id_check CHECK (id > 0) NOT VALID;"
		"ALTER TABLE orders VALIDATE CONSTRAINT orders_id_check;"
		"CREATE DOMAIN positive AS int; ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0) NOT VALID");
	char *role = unique(s, "reader");
	make_reader(&d, role, "x");
	char *url = url_for(&d, role, NULL, NULL);
	gk_target *t = target_or_fail(url);
	gk_target_object *x = NULL;
	size_t n = 0;
	gk_error err = {0, ""};
	assert_int_equal(gk_target_unvalidated_constraints(&x, &n, t, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(x[0].table, "positive");
	assert_string_equal(x[1].name, "orders_total_check");
	assert_string_equal(x[1].table, "public.orders");
	assert_string_equal(x[2].name, "orders_user_fk");
	assert_non_null(strstr(x[2].definition, "NOT VALID"));
	gk_report *r = new_report();
	gk_lint_options o;
	gk_lint_options_init(&o);
	assert_int_equal(gk_target_report_unvalidated_constraints(r, &o, x + 2, 1), 0);
	const gk_finding *f = only_finding(r, "unvalidated-constraint");
	assert_non_null(strstr(f->message, "constraint orders_user_fk on public.orders is NOT VALID"));
	assert_int_equal(r->exit_code, GK_EXIT_PASS); /* a warning */
	gk_report_free(r);
	gk_target_objects_free(x, n);
	gk_target_close(t);
	free(url);
	free(role);
	drop_db(s, &d);
}

/* pg_advisory_lock(72707369) held by another session; the (int, int) form
 * with the same number is another lock. */
static void test_deploy_in_progress(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	char *role = unique(s, "reader");
	make_reader(&d, role, "x");
	char *url = url_for(&d, role, NULL, NULL);
	gk_target *t = target_or_fail(url);
	gk_target_lock_holder h;
	gk_error err = {0, ""};
	assert_int_equal(gk_target_deploy_in_progress(&h, t, &err), 0);
	assert_false(h.held);

	PGconn *other = connect_as_super(&d);
	exec_on(other, "SELECT pg_advisory_lock(0, 72707369)");
	assert_int_equal(gk_target_deploy_in_progress(&h, t, &err), 0);
	assert_false(h.held);

	PGconn *deploy = connect_as_super(&d);
	exec_on(deploy, "SET application_name = 'prisma-migrate'; SELECT pg_advisory_lock(72707369)");
	assert_int_equal(gk_target_deploy_in_progress(&h, t, &err), 0);
	assert_true(h.held);
	assert_int_equal(h.pid, PQbackendPID(deploy));
	assert_string_equal(h.application, "prisma-migrate"); /* application_name is visible to all */
	gk_report *r = new_report();
	gk_lint_options o;
	gk_lint_options_init(&o);
	assert_int_equal(gk_target_report_deploy(r, &o, NULL, &h), 0);
	const gk_finding *f = only_finding(r, "deploy-in-progress");
	assert_non_null(strstr(f->message, "(application \"prisma-migrate\") holds Prisma Migrate's advisory lock (72707369)"));
	assert_int_equal(f->severity, GK_SEV_ERROR);
	gk_report_free(r);

	exec_on(deploy, "SELECT pg_advisory_unlock(72707369)");
	assert_int_equal(gk_target_deploy_in_progress(&h, t, &err), 0);
	assert_false(h.held);
	PQfinish(deploy);
	PQfinish(other);
	gk_target_close(t);
	free(url);
	free(role);
	drop_db(s, &d);
}

/* A statement run with a short statement_timeout: true when it finished,
 * false when it was cancelled (57014), i.e. it was still waiting. */
static bool finishes_in_time(const db *d, const char *stmt)
{
	PGconn *c = connect_as_super(d);
	exec_on(c, "SET statement_timeout = '1500ms'");
	PGresult *r = PQexec(c, stmt);
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok && strcmp(PQresultErrorField(r, PG_DIAG_SQLSTATE), "57014") != 0)
		fail_msg("%s: %s", stmt, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return ok;
}

/* The entry of session `pid` for name `asked` (NULL: its snapshot entry). */
static const gk_target_session *wait_for(const gk_target_session *s, size_t n, int pid, const char *asked)
{
	for (size_t i = 0; i < n; i++)
		if (s[i].pid == pid && (asked ? s[i].asked && !strcmp(s[i].asked, asked) : !s[i].asked))
			return &s[i];
	return NULL;
}

/*
 * What the CONCURRENTLY statements wait for, read from the target and
 * then measured on the server: a writer idle in transaction on the table
 * and a reader idle in transaction on it (their locks, in every mode:
 * the caller picks); a REPEATABLE READ session idle after reading
 * another table (its snapshot); not a READ COMMITTED writer of another
 * table (a transaction id, but no snapshot between statements), not an
 * idle session outside a transaction, never our own session.  The server
 * then shows which statement waits for which: CREATE INDEX CONCURRENTLY
 * for the snapshot and not the reader, REINDEX CONCURRENTLY for both,
 * DROP INDEX CONCURRENTLY for the reader and not the snapshot.
 */
static void test_concurrently_waits(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	sql(&d, USERS "; CREATE INDEX users_email_idx ON users (email); CREATE INDEX users_id_idx ON users (id); "
		"CREATE TABLE audit (id int); INSERT INTO audit VALUES (1)");
	PGconn *writer = connect_as_super(&d), *report = connect_as_super(&d), *reader = connect_as_super(&d);
	PGconn *other = connect_as_super(&d), *idle = connect_as_super(&d);
	exec_on(writer, "SET application_name = 'api'; BEGIN; UPDATE users SET email = 'x' WHERE id = 1");
	exec_on(report, "SET application_name = 'report'; BEGIN ISOLATION LEVEL REPEATABLE READ; "
			"SELECT count(*) FROM audit");
	exec_on(reader, "BEGIN; SELECT count(*) FROM users");
	exec_on(other, "BEGIN; INSERT INTO audit VALUES (2)");
	exec_on(idle, "SELECT 1");

	gk_target *t = target_or_fail(d.conninfo);
	const char *names[] = {"users", "users_email_idx", "not_there"};
	gk_target_session *w = NULL;
	size_t n = 0;
	gk_error err = {0, ""};
	assert_int_equal(gk_target_concurrently_waits(&w, &n, t, names, 3, &err), 0);
	assert_int_equal(n, 5); /* writer and reader, for the table and for its index; the snapshot */
	const gk_target_session *a = wait_for(w, n, PQbackendPID(writer), "users");
	assert_non_null(a);
	assert_string_equal(a->relation, "public.users");
	assert_string_equal(a->mode, "RowExclusiveLock");
	assert_true(a->wrote);
	assert_string_equal(a->state, "idle in transaction");
	a = wait_for(w, n, PQbackendPID(writer), "users_email_idx"); /* the index stands for its table */
	assert_non_null(a);
	assert_string_equal(a->relation, "public.users");
	a = wait_for(w, n, PQbackendPID(reader), "users");
	assert_non_null(a);
	assert_string_equal(a->mode, "AccessShareLock");
	assert_false(a->wrote);
	const gk_target_session *r = wait_for(w, n, PQbackendPID(report), NULL);
	assert_non_null(r);
	assert_null(r->mode);
	assert_null(r->relation);
	assert_non_null(r->xmin);
	assert_true(r->xmin_age >= 0);
	assert_false(r->wrote);
	assert_string_equal(r->application, "report");
	assert_null(wait_for(w, n, PQbackendPID(writer), NULL)); /* READ COMMITTED: no snapshot while idle */
	assert_null(wait_for(w, n, PQbackendPID(reader), NULL));
	for (size_t i = 0; i < n; i++) {
		assert_int_not_equal(w[i].pid, PQbackendPID(other));
		assert_int_not_equal(w[i].pid, PQbackendPID(idle));
	}

	gk_report *rep = new_report();
	gk_lint_options o;
	gk_lint_options_init(&o);
	const gk_target_session two[] = {*wait_for(w, n, PQbackendPID(writer), "users"), *r};
	assert_int_equal(gk_target_report_concurrently(rep, &o, "m.sql", 3, "CREATE INDEX CONCURRENTLY i ON users", two, 2),
			 0);
	gk_report_finish(rep, GK_SEV_ERROR, 0);
	assert_int_equal(rep->n_findings, 2);
	bool seen_writer = false, seen_snapshot = false;
	for (size_t i = 0; i < rep->n_findings; i++) {
		const gk_finding *f = &rep->findings[i];
		assert_string_equal(f->rule_id, "blocking-session");
		assert_int_equal(f->line, 3);
		assert_non_null(strstr(f->message, "CONCURRENTLY waits for transactions older than the build"));
		seen_writer |= strstr(f->message, "application \"api\", idle in transaction") &&
			       strstr(f->message, "holds RowExclusiveLock on public.users") &&
			       strstr(f->message, "CREATE INDEX CONCURRENTLY i ON users waits until this transaction ends");
		seen_snapshot |= strstr(f->message, "application \"report\", idle in transaction") &&
				 strstr(f->message, "holds a snapshot (backend_xmin ") &&
				 strstr(f->message, "whatever tables it uses");
	}
	assert_true(seen_writer);
	assert_true(seen_snapshot);
	assert_int_equal(rep->exit_code, GK_EXIT_FAIL);
	gk_report_free(rep);
	gk_target_sessions_free(w, n);

	/* A role without pg_read_all_stats sees the locks and the snapshot, not the details. */
	char *role = unique(s, "reader");
	make_reader(&d, role, "x");
	char *url = url_for(&d, role, NULL, NULL);
	gk_target *low = target_or_fail(url);
	assert_int_equal(gk_target_concurrently_waits(&w, &n, low, names, 1, &err), 0);
	assert_int_equal(n, 3);
	r = wait_for(w, n, PQbackendPID(report), NULL);
	assert_non_null(r);
	assert_non_null(r->xmin);
	assert_null(r->state);
	rep = new_report();
	assert_int_equal(gk_target_report_concurrently(rep, &o, "m.sql", 3, "CREATE INDEX CONCURRENTLY i ON users", r, 1), 0);
	assert_non_null(strstr(only_finding(rep, "blocking-session")->message, "details hidden without pg_read_all_stats"));
	gk_report_free(rep);
	gk_target_sessions_free(w, n);
	gk_target_close(low);

	/* The server: with the reader and the report open (the writer gone) ... */
	exec_on(writer, "ROLLBACK");
	assert_false(finishes_in_time(&d, "CREATE INDEX CONCURRENTLY users_id2_idx ON users (id)")); /* the snapshot */
	assert_false(finishes_in_time(&d, "DROP INDEX CONCURRENTLY users_id_idx"));                 /* the reader */
	exec_on(reader, "COMMIT");
	/* ... with the report alone ... */
	assert_false(finishes_in_time(&d, "REINDEX INDEX CONCURRENTLY users_email_idx"));           /* the snapshot */
	assert_true(finishes_in_time(&d, "DROP INDEX CONCURRENTLY users_id_idx"));
	exec_on(report, "COMMIT");
	/* ... with the reader alone (and the writer of audit, the idle session). */
	exec_on(reader, "BEGIN; SELECT count(*) FROM users");
	assert_int_equal(gk_target_concurrently_waits(&w, &n, t, names, 3, &err), 0);
	assert_int_equal(n, 2); /* the reader's lock; no snapshot */
	assert_non_null(wait_for(w, n, PQbackendPID(reader), "users"));
	gk_target_sessions_free(w, n);
	assert_false(finishes_in_time(&d, "REINDEX INDEX CONCURRENTLY users_email_idx"));           /* the reader */
	assert_true(finishes_in_time(&d, "CREATE INDEX CONCURRENTLY users_id3_idx ON users (id)"));
	exec_on(reader, "COMMIT");

	/* No names: the snapshot holders alone. */
	exec_on(report, "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1");
	assert_int_equal(gk_target_concurrently_waits(&w, &n, t, NULL, 0, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(w[0].pid, PQbackendPID(report));
	gk_target_sessions_free(w, n);

	gk_target_close(t);
	PQfinish(writer);
	PQfinish(report);
	PQfinish(reader);
	PQfinish(other);
	PQfinish(idle);
	free(url);
	free(role);
	drop_db(s, &d);
}

/* lock_timeout of the deploying role: role in database, role, database, in that order. */
static void test_role_lock_timeout(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	char *deployer = unique(s, "deployer"), *role = unique(s, "reader");
	make_reader(&d, deployer, "x");
	make_reader(&d, role, "x");
	char *url = url_for(&d, role, NULL, NULL);
	gk_target *t = target_or_fail(url); /* pg_db_role_setting is readable by every role */
	gk_target_role_setting rs;
	gk_error err = {0, ""};
	gk_lint_options o;
	gk_lint_options_init(&o);
	gk_report *r;

	assert_int_equal(gk_target_role_lock_timeout(&rs, t, deployer, &err), 0);
	assert_true(rs.role_exists);
	assert_null(rs.value);
	r = new_report();
	assert_int_equal(gk_target_report_role_lock_timeout(r, &o, &rs, "--deploy-role"), 0);
	const gk_finding *f = only_finding(r, "external-lock-timeout-missing");
	assert_int_equal(f->severity, GK_SEV_ERROR);
	assert_non_null(strstr(f->message, "gets no lock_timeout from the target"));
	assert_int_equal(r->exit_code, GK_EXIT_FAIL);
	gk_report_free(r);
	gk_target_role_setting_free(&rs);

	sql(&d, "ALTER DATABASE %s SET lock_timeout = '5s'", d.name);
	assert_int_equal(gk_target_role_lock_timeout(&rs, t, deployer, &err), 0);
	assert_string_equal(rs.value, "5s");
	assert_true(rs.ms == 5000);
	assert_non_null(strstr(rs.source, "ALTER DATABASE "));
	r = new_report();
	assert_int_equal(gk_target_report_role_lock_timeout(r, &o, &rs, "--deploy-role"), 0);
	assert_non_null(strstr(only_finding(r, "external-lock-timeout-missing")->message, "longer than the advised 2s"));
	gk_report_free(r);
	gk_target_role_setting_free(&rs);

	sql(&d, "ALTER ROLE %s SET lock_timeout = '1500ms'", deployer);
	assert_int_equal(gk_target_role_lock_timeout(&rs, t, deployer, &err), 0);
	assert_true(rs.ms == 1500);
	char *want = gk_asprintf("ALTER ROLE %s", deployer);
	assert_string_equal(rs.source, want);
	free(want);
	r = new_report();
	assert_int_equal(gk_target_report_role_lock_timeout(r, &o, &rs, "--deploy-role"), 0);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	assert_int_equal(r->n_findings, 0);
	assert_int_equal(r->n_notes, 1);
	assert_non_null(strstr(r->notes[0], "lock_timeout: external verified"));
	assert_int_equal(r->exit_code, GK_EXIT_PASS);
	gk_report_free(r);
	gk_target_role_setting_free(&rs);
	/* A shorter advice makes the same setting too long. */
	o.lock_timeout_advice_ms = 1000;
	assert_int_equal(gk_target_role_lock_timeout(&rs, t, deployer, &err), 0);
	r = new_report();
	assert_int_equal(gk_target_report_role_lock_timeout(r, &o, &rs, "--deploy-role"), 0);
	assert_non_null(strstr(only_finding(r, "external-lock-timeout-missing")->message, "longer than the advised 1s"));
	gk_report_free(r);
	gk_target_role_setting_free(&rs);
	o.lock_timeout_advice_ms = 2000;

	/* Units and rounding as the server reads them: '400us' is no timeout at all. */
	sql(&d, "ALTER ROLE %s SET lock_timeout = '0.5s'", deployer);
	assert_int_equal(gk_target_role_lock_timeout(&rs, t, deployer, &err), 0);
	assert_true(rs.ms == 500);
	gk_target_role_setting_free(&rs);
	sql(&d, "ALTER ROLE %s SET lock_timeout = '400us'", deployer);
	assert_int_equal(gk_target_role_lock_timeout(&rs, t, deployer, &err), 0);
	assert_true(rs.ms == 0);
	gk_target_role_setting_free(&rs);

	sql(&d, "ALTER ROLE %s IN DATABASE %s SET lock_timeout = 0", deployer, d.name);
	assert_int_equal(gk_target_role_lock_timeout(&rs, t, deployer, &err), 0);
	assert_true(rs.ms == 0);
	assert_non_null(strstr(rs.source, " IN DATABASE "));
	r = new_report();
	assert_int_equal(gk_target_report_role_lock_timeout(r, &o, &rs, "--deploy-role"), 0);
	assert_non_null(strstr(only_finding(r, "external-lock-timeout-missing")->message, "(no limit)"));
	gk_report_free(r);
	gk_target_role_setting_free(&rs);

	/* No role named: the connecting user, who has only the database's. */
	assert_int_equal(gk_target_role_lock_timeout(&rs, t, NULL, &err), 0);
	assert_string_equal(rs.role, role);
	assert_string_equal(rs.value, "5s");
	gk_target_role_setting_free(&rs);

	assert_int_equal(gk_target_role_lock_timeout(&rs, t, "no_such_role", &err), 0);
	assert_false(rs.role_exists);
	r = new_report();
	assert_int_equal(gk_target_report_role_lock_timeout(r, &o, &rs, "--deploy-role"), 0);
	assert_non_null(strstr(only_finding(r, "external-lock-timeout-missing")->message, "does not exist"));
	gk_report_free(r);
	gk_target_role_setting_free(&rs);

	gk_target_close(t);
	sql(&d, "ALTER ROLE %s RESET ALL; ALTER ROLE %s IN DATABASE %s RESET ALL", deployer, deployer, d.name);
	free(url);
	free(role);
	free(deployer);
	drop_db(s, &d);
}

/* A rule switched off adds nothing. */
static void test_rule_off(void **state)
{
	(void)state;
	gk_report *r = new_report();
	gk_lint_options o;
	gk_lint_options_init(&o);
	assert_int_equal(gk_lint_options_set_severity(&o, "deploy-in-progress", GK_SEV_OFF), 0);
	gk_target_lock_holder h = {.held = true, .pid = 7, .age_s = 65};
	assert_int_equal(gk_target_report_deploy(r, &o, NULL, &h), 0);
	assert_int_equal(r->n_findings, 0);
	assert_int_equal(gk_lint_options_set_severity(&o, "deploy-in-progress", GK_SEV_ERROR), 0);
	assert_int_equal(gk_target_report_deploy(r, &o, NULL, &h), 0);
	assert_non_null(strstr(r->findings[0].message, "pid 7 holds Prisma Migrate's advisory lock (72707369), for 1 min 5 s"));
	gk_report_free(r);
}

/* The tables REINDEX SCHEMA / DATABASE ... CONCURRENTLY goes through:
 * ordinary tables and materialized views of the schema (of every user
 * schema), quoted as SQL writes them; not views, sequences, partitioned
 * parents, nor the system catalogs. */
static void test_reindex_tables(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	sql(&d, "CREATE SCHEMA app; CREATE TABLE app.\"Orders\" (id int); CREATE MATERIALIZED VIEW app.mv AS SELECT 1 AS x; "
		"CREATE VIEW app.v AS SELECT 1 AS x; CREATE SEQUENCE app.seq; "
		"CREATE TABLE app.p (id int) PARTITION BY RANGE (id); "
		"CREATE TABLE app.p1 PARTITION OF app.p FOR VALUES FROM (0) TO (10); CREATE TABLE public.t (id int)");
	gk_target *t = target_or_fail(d.conninfo);
	char **v = NULL;
	size_t n = 0;
	gk_error err = {0, ""};
	assert_int_equal(gk_target_reindex_tables(&v, &n, t, "app", &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "app.\"Orders\"");
	assert_string_equal(v[1], "app.mv");
	assert_string_equal(v[2], "app.p1");
	gk_target_names_free(v, n);
	assert_int_equal(gk_target_reindex_tables(&v, &n, t, NULL, &err), 0);
	bool catalog = false, pub = false;
	for (size_t i = 0; i < n; i++) {
		catalog |= !strncmp(v[i], "pg_catalog.", 11);
		pub |= !strcmp(v[i], "public.t");
	}
	assert_false(catalog);
	assert_true(pub);
	assert_true(n >= 4);
	gk_target_names_free(v, n);
	gk_target_close(t);
	drop_db(s, &d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocking_sessions),
		cmocka_unit_test(test_table_sizes),
		cmocka_unit_test(test_invalid_index),
		cmocka_unit_test(test_unvalidated_constraints),
		cmocka_unit_test(test_deploy_in_progress),
		cmocka_unit_test(test_concurrently_waits),
		cmocka_unit_test(test_reindex_tables),
		cmocka_unit_test(test_role_lock_timeout),
		cmocka_unit_test(test_rule_off),
	};
	return cmocka_run_group_tests_name("target preflight", tests, group_start, group_stop);
}
