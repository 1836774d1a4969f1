/*
 * gate_test.c - `gatekeeper gate` (src/gate/gate.c) on the embedded
 * server.  A "production" database gets a Prisma folder's first two
 * migrations, Prisma's history rows and 2,000 rows of data; the folder
 * then holds pending migrations, and each test sets up one reason the
 * gate must (or must not) block: a clean deploy passes; a rewrite names
 * the table's size on the target; drift, a failed or missing migration,
 * a pending migration that does not apply, a session holding a
 * conflicting lock (and not one whose lock does not conflict), a deploy in
 * progress (exit 3), invalid indexes and NOT VALID constraints, the
 * sessions a CREATE/DROP INDEX CONCURRENTLY would wait for, the deploying
 * role's lock_timeout; the
 * target's catalog and history are the same after the gate as before; an
 * unreachable target is exit 3 without its password.  The shadow is the
 * same cluster, as an external server.
 */
/* test needs: postgres */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "gatekeeper/gate.h"
#include "history/history.h"
#include "gatekeeper/render.h"
#include "target/target_test_support.h"

#define INIT "20240101000000_init"
#define ADD "20240102000000_add_posts"
#define NEXT "20240103000000_add_tags"
#define LATER "20240104000000_add_more"

static const char *const init_sql =
	"CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text);\n"
	"CREATE INDEX users_email_idx ON users (email);\n";
static const char *const add_sql =
	"CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id), title text);\n";
static const char *const safe_sql = "CREATE TABLE tags (id bigint PRIMARY KEY, name text NOT NULL);\n";

typedef struct world {
	char *dir;   /* the migrations folder */
	db prod;     /* the target */
} world;

/* Production applied INIT and ADD; `pending` (may be NULL) is the next migration. */
static world make_world(suite *s, const char *pending)
{
	world w = {new_folder(s, "migrations"), fresh_db(s)};
	put(w.dir, "migration_lock.toml", "provider = \"postgresql\"\n");
	sql(&w.prod, "%s", gk_layout_history_table_sql(GK_LAYOUT_PRISMA));
	prisma_deploy(&w.prod, w.dir, INIT, init_sql);
	prisma_deploy(&w.prod, w.dir, ADD, add_sql);
	if (pending)
		put(w.dir, NEXT "/migration.sql", pending);
	sql(&w.prod, "INSERT INTO users SELECT i, 'u' || i || '@example.com' FROM generate_series(1, 2000) i; "
		     "ANALYZE users");
	return w;
}

static void free_world(suite *s, world *w)
{
	drop_db(s, &w->prod);
	free(w->dir);
}

/* The replay's time limit of the next gates (0: the default). */
static double replay_limit;
/* The data checks of the next gates (default: full). */
static enum gk_data_checks data_checks;

/* The gate against `url`, replaying on `shadow` (NULL: the suite's cluster). */
/* size_thresholds of the next gate runs (test_size_thresholds). */
static gk_size_thresholds thresholds;
/* lock_budget of the next gate runs (test_lock_window_budget; NULL: none). */
static const gk_lock_budget *budget;

static gk_report *gate_logged(suite *s, const world *w, const char *url, const gk_shadow_options *shadow,
			      const gk_log *log)
{
	gk_gate_options o = {.size_thresholds = thresholds, .lock_budget = budget};
	if (log)
		o.log = *log;
	gk_lint_options_init(&o.lint);
	o.replay_timeout_s = replay_limit;
	o.data_checks = data_checks;
	o.pg_version_from_target = true;
	o.target_url = url;
	o.dirs = (const char *const *)&w->dir;
	o.n_dirs = 1;
	if (shadow)
		o.shadow = *shadow;
	else
		o.shadow.url = super_conninfo(s->shadow);
	gk_report *r = gk_report_new("gate");
	gk_error err = {0};
	if (gk_gate_run(r, &o, &err) != 0)
		fail_msg("gk_gate_run: %s", err.msg);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	return r;
}

static gk_report *gate_on(suite *s, const world *w, const char *url, const gk_shadow_options *shadow)
{
	return gate_logged(s, w, url, shadow, NULL);
}

static gk_report *gate(suite *s, const world *w)
{
	return gate_on(s, w, w->prod.conninfo, NULL);
}

static void dump(const gk_report *r)
{
	for (size_t i = 0; i < r->n_findings; i++)
		print_message("    %s: %s\n", r->findings[i].rule_id, r->findings[i].message);
	for (size_t i = 0; i < r->n_errors; i++)
		print_message("    error: %s\n", r->errors[i].message);
	for (size_t i = 0; i < r->n_notes; i++)
		print_message("    note: %s\n", r->notes[i]);
}

static const gk_finding *find(const gk_report *r, const char *rule)
{
	for (size_t i = 0; i < r->n_findings; i++)
		if (!strcmp(r->findings[i].rule_id, rule))
			return &r->findings[i];
	return NULL;
}

static const gk_finding *must_find(const gk_report *r, const char *rule)
{
	const gk_finding *f = find(r, rule);
	if (!f) {
		dump(r);
		fail_msg("no %s finding", rule);
	}
	return f;
}

static const gk_migration *entry(const gk_report *r, const world *w, const char *name)
{
	char *path = gk_asprintf("%s/%s/migration.sql", w->dir, name);
	int idx = gk_report_find_migration(r, path);
	free(path);
	if (idx < 0)
		fail_msg("no report entry for %s", name);
	return &r->migrations[idx];
}

/* The finding's message contains `text`. */
static void must_say(const gk_report *r, const gk_finding *f, const char *text)
{
	if (!strstr(f->message, text)) {
		dump(r);
		fail_msg("%s: no \"%s\" in: %s", f->rule_id, text, f->message);
	}
}

static const gk_report_check *check(const gk_report *r, const char *name)
{
	for (size_t i = 0; i < r->n_checks; i++)
		if (!strcmp(r->checks[i].name, name))
			return &r->checks[i];
	fail_msg("no check %s", name);
	return NULL;
}

static void assert_exit(const gk_report *r, enum gk_exit code)
{
	if (r->exit_code != code)
		dump(r);
	assert_int_equal(r->exit_code, code);
}

/* ---- tests ------------------------------------------------------------------ */

/* A safe pending migration on a target in order: the gate passes, and the
 * pending migration was linted, replayed and traced. */
static void test_clean_deploy_passes(void **state)
{
	suite *s = *state;
	world w = make_world(s, safe_sql);
	gk_report *r = gate(s, &w);
	assert_exit(r, GK_EXIT_PASS);
	assert_null(find(r, "drift-missing"));
	must_find(r, "migration-pending");
	assert_int_equal(r->n_checks, 5);
	for (size_t i = 0; i < r->n_checks; i++) {
		assert_null(r->checks[i].not_run);
		assert_int_equal(r->checks[i].blocking, 0);
	}
	assert_int_equal(check(r, "status")->findings, 1); /* migration-pending, info */
	const gk_migration *m = entry(r, &w, NEXT);
	assert_int_equal(m->applied.status, GK_APPLIED_PENDING);
	assert_true(m->linted);
	assert_int_equal(m->statements, 1);
	assert_int_equal(m->replay.status, GK_REPLAY_OK);
	assert_true(m->replay.traced);
	const gk_migration *a = entry(r, &w, INIT);
	assert_int_equal(a->applied.status, GK_APPLIED_APPLIED);
	assert_false(a->linted);
	assert_non_null(r->replay.shadow);
	assert_int_equal(r->replay.migrations, 3);
	assert_non_null(r->target.database);
	gk_report_free(r);
	free_world(s, &w);
}

/* dbmate: only the up sections run, on both sides, with the tool's history table. */
static void test_dbmate_sections(void **state)
{
	suite *s = *state;
	db prod = fresh_db(s);
	char *dir = new_folder(s, "db-migrations");
	const char *init = "-- migrate:up\nCREATE TABLE users (id bigint PRIMARY KEY);\n\n-- migrate:down\nDROP TABLE users;\n";
	put(dir, "20240101000000_create_users.sql", init);
	put(dir, "20240102000000_add_email.sql",
	    "-- migrate:up\nALTER TABLE users ADD COLUMN email text;\n\n-- migrate:down\nDROP TABLE no_such_table;\n");
	sql(&prod, "%s", gk_layout_history_table_sql(GK_LAYOUT_DBMATE));
	sql(&prod, "CREATE TABLE users (id bigint PRIMARY KEY); INSERT INTO schema_migrations VALUES ('20240101000000')");
	world w = {dir, prod};
	gk_report *r = gate(s, &w);
	assert_exit(r, GK_EXIT_PASS);
	assert_null(find(r, "drift-missing"));
	assert_null(find(r, "drift-unexpected"));
	char *path = gk_asprintf("%s/20240102000000_add_email.sql", dir);
	int idx = gk_report_find_migration(r, path);
	assert_true(idx >= 0);
	assert_int_equal(r->migrations[idx].applied.status, GK_APPLIED_PENDING);
	assert_int_equal(r->migrations[idx].replay.status, GK_REPLAY_OK);
	assert_string_equal(r->target.tool, "dbmate");
	free(path);
	gk_report_free(r);
	free_world(s, &w);
}

/* Nothing pending: the gate says so and still checks the rest. */
static void test_nothing_pending(void **state)
{
	suite *s = *state;
	world w = make_world(s, NULL);
	gk_report *r = gate(s, &w);
	assert_exit(r, GK_EXIT_PASS);
	bool said = false;
	for (size_t i = 0; i < r->n_notes; i++)
		said = said || strstr(r->notes[i], "nothing to deploy");
	assert_true(said);
	gk_report_free(r);
	free_world(s, &w);
}

/* A rewrite of a table production fills: the lock finding names its size there. */
static void test_rewrite_names_target_size(void **state)
{
	suite *s = *state;
	world w = make_world(s, "ALTER TABLE users ADD COLUMN created_at timestamptz NOT NULL DEFAULT clock_timestamp();\n");
	gk_report *r = gate(s, &w);
	assert_exit(r, GK_EXIT_FAIL);
	const gk_finding *f = must_find(r, "observed-table-rewrite");
	must_say(r, f, "on the target: public.users, ~2.0k rows, ");
	assert_int_equal(f->line, 1);
	assert_non_null(strstr(f->path, NEXT));
	const gk_migration *m = entry(r, &w, NEXT);
	assert_true(m->replay.n_locks > 0);
	/* The lint of the pending migration saw it too, knowing users from the applied ones. */
	bool linted = false;
	for (size_t i = 0; i < r->n_findings; i++)
		linted = linted || r->findings[i].category == GK_CAT_LOCKING;
	if (!linted)
		dump(r);
	assert_true(linted);
	/* The lint finding says what the rewrite means on the target's table. */
	const gk_finding *v = must_find(r, "add-column-volatile-default");
	if (!v->production.summary || strncmp(v->production.summary, "rewrites public.users (2.0k rows, ", 34) != 0 ||
	    !strstr(v->production.summary, ") under ACCESS EXCLUSIVE"))
		fail_msg("production: %s", v->production.summary ? v->production.summary : "(none)");
	assert_string_equal(v->production.source, "target");
	assert_int_equal(v->production.rows, 2000);
	assert_true(v->production.total_bytes > 0);
	assert_null(v->production.size_rule);
	gk_report_free(r);
	free_world(s, &w);
}

/* How long a pending rewrite holds ACCESS EXCLUSIVE on the target's table:
 * calibrated on a copy of the expected schema on the shadow, extrapolated
 * to the target's rows, on the finding that predicted the lock.
 * lock_budget applies to it as to check's: over it, a blocking
 * lock-window-over-budget finding carrying the estimate; under it, none.
 * The replay itself ran on the expected schema without synthetic rows. */
static void test_lock_window_budget(void **state)
{
	suite *s = *state;
	world w = make_world(s, "ALTER TABLE users ALTER COLUMN name TYPE bigint USING length(name);\n");
	gk_report *r = gate(s, &w);
	const gk_finding *v = must_find(r, "alter-column-type");
	if (!v->estimate.method) {
		dump(r);
		fail_msg("no lock-window estimate on alter-column-type");
	}
	assert_string_equal(v->estimate.lock, "ACCESS EXCLUSIVE");
	assert_string_equal(v->estimate.relation, "public.users");
	assert_true(v->estimate.production_rows == 2000);
	assert_true(v->estimate.n_sizes >= 2);
	if (!(0 <= v->estimate.low_ms && v->estimate.low_ms <= v->estimate.high_ms && v->estimate.high_ms > 0))
		fail_msg("estimate %g..%g ms: %s", v->estimate.low_ms, v->estimate.high_ms, v->estimate.method);
	must_say(r, must_find(r, "observed-table-rewrite"), "held "); /* the replay's own trace, on no rows */
	assert_null(find(r, "lock-window-over-budget")); /* no budget set */
	gk_report_free(r);
	static const gk_lock_budget tight = {.access_exclusive_ms = 0.001}, loose = {.access_exclusive_ms = 86400000};
	budget = &tight;
	r = gate(s, &w);
	budget = NULL;
	const gk_finding *f = must_find(r, "lock-window-over-budget");
	assert_true(f->blocking);
	must_say(r, f, "predicted to hold ACCESS EXCLUSIVE on public.users for ~");
	must_say(r, f, "(2000 rows), over the lock budget of ");
	assert_non_null(f->estimate.method);
	assert_non_null(strstr(f->path, NEXT));
	assert_int_equal(f->line, 1);
	assert_int_equal(entry(r, &w, NEXT)->replay.status, GK_REPLAY_OK);
	gk_report_free(r);
	budget = &loose;
	r = gate(s, &w);
	budget = NULL;
	assert_null(find(r, "lock-window-over-budget"));
	assert_non_null(must_find(r, "alter-column-type")->estimate.method);
	gk_report_free(r);
	free_world(s, &w);
}

/* size_thresholds on the target's sizes: a warning on a table over the
 * threshold rises to error, saying the size and the threshold (the
 * missing lock_timeout is about the ACCESS EXCLUSIVE lock: `lock`). */
static void test_size_thresholds(void **state)
{
	suite *s = *state;
	world w = make_world(s, "ALTER TABLE users ADD COLUMN created_at timestamptz NOT NULL DEFAULT clock_timestamp();\n");
	thresholds = (gk_size_thresholds){.lock = 1024};
	gk_report *r = gate(s, &w);
	thresholds = (gk_size_thresholds){0};
	const gk_finding *f = must_find(r, "missing-lock-timeout");
	assert_int_equal(f->severity, GK_SEV_ERROR);
	must_say(r, f, "public.users is ");
	must_say(r, f, " in production, over the lock size threshold of 1.0 kB: warning raised to error)");
	assert_non_null(f->production.size_rule);
	gk_report_free(r);
	free_world(s, &w);
}

/* The replay passes on the empty shadow; the target's 2000 rows make the
 * deploy fail, and the data check says so before it runs. */
static void test_data_precondition(void **state)
{
	suite *s = *state;
	world w = make_world(s, "ALTER TABLE users ADD COLUMN plan text NOT NULL;\nALTER TABLE posts DROP COLUMN title;\n");
	gk_report *r = gate(s, &w);
	assert_exit(r, GK_EXIT_FAIL);
	const gk_finding *f = must_find(r, "precondition-failed");
	must_say(r, f, "ADD COLUMN plan NOT NULL without a default will fail on the target: users has 2000 rows");
	assert_int_equal(f->line, 1);
	assert_true(f->blocking);
	must_say(r, must_find(r, "data-loss-estimate"), "DROP COLUMN title on posts destroys 0 non-null values (of 0 rows)");
	assert_int_equal(entry(r, &w, NEXT)->replay.status, GK_REPLAY_OK);
	gk_report_free(r);
	data_checks = GK_DATA_CHECKS_OFF;
	r = gate(s, &w);
	data_checks = GK_DATA_CHECKS_FULL;
	assert_null(find(r, "precondition-failed"));
	assert_null(find(r, "data-loss-estimate"));
	bool said = false;
	for (size_t i = 0; i < r->n_notes; i++)
		said |= strstr(r->notes[i], "were not checked (--data-checks off)") != NULL;
	assert_true(said);
	gk_report_free(r);
	free_world(s, &w);
}

/* Production changed by hand: drift blocks the deploy. */
static void test_drift_blocks(void **state)
{
	suite *s = *state;
	world w = make_world(s, safe_sql);
	sql(&w.prod, "ALTER TABLE users DROP COLUMN name");
	gk_report *r = gate(s, &w);
	assert_exit(r, GK_EXIT_FAIL);
	const gk_finding *f = must_find(r, "drift-missing");
	assert_string_equal(f->object, "public.users.name");
	assert_int_equal(check(r, "drift")->blocking, 1);
	assert_int_equal(check(r, "replay")->blocking, 0);
	/* The pending migration still replayed on the expected schema. */
	assert_int_equal(entry(r, &w, NEXT)->replay.status, GK_REPLAY_OK);
	gk_report_free(r);
	free_world(s, &w);
}

/* A pending migration that does not apply, and the one after it. */
static void test_pending_does_not_apply(void **state)
{
	suite *s = *state;
	world w = make_world(s, "ALTER TABLE users\n  ADD COLUMN age int;\nCREATE INDEX users_nick_idx ON users (nick);\n");
	put(w.dir, LATER "/migration.sql", "CREATE TABLE more (id int);\n");
	gk_report *r = gate(s, &w);
	assert_exit(r, GK_EXIT_FAIL);
	const gk_finding *f = must_find(r, "replay-failed");
	assert_non_null(strstr(f->path, NEXT));
	must_say(r, f, "nick");
	if (f->line != 3)
		fail_msg("replay-failed at line %d, not 3", f->line);
	assert_int_equal(entry(r, &w, NEXT)->replay.status, GK_REPLAY_FAILED);
	const gk_migration *later = entry(r, &w, LATER);
	assert_int_equal(later->replay.status, GK_REPLAY_SKIPPED);
	assert_non_null(strstr(later->replay.error, "did not apply"));
	gk_report_free(r);
	free_world(s, &w);
}

/* A pending migration past the replay's time limit: replay-timeout at the
 * statement, the one after it skipped, and the gate ends in time. */
static void test_pending_times_out(void **state)
{
	suite *s = *state;
	world w = make_world(s, "ALTER TABLE users ADD COLUMN age int;\nSELECT pg_sleep(600);\n");
	put(w.dir, LATER "/migration.sql", "CREATE TABLE more (id int);\n");
	replay_limit = 1;
	double t0 = gk_now();
	gk_report *r = gate(s, &w);
	replay_limit = 0;
	assert_true(gk_now() - t0 < 30);
	assert_exit(r, GK_EXIT_FAIL);
	const gk_finding *f = must_find(r, "replay-timeout");
	assert_non_null(strstr(f->path, NEXT));
	must_say(r, f, "pg_sleep(600)");
	assert_int_equal(f->line, 2);
	assert_int_equal(entry(r, &w, NEXT)->replay.status, GK_REPLAY_TIMEOUT);
	assert_int_equal(entry(r, &w, LATER)->replay.status, GK_REPLAY_SKIPPED);
	gk_report_free(r);
	free_world(s, &w);
}

/* Failed and missing migrations block; with one missing, drift and the
 * replay cannot be built, and the report says so. */
static void test_failed_and_missing(void **state)
{
	suite *s = *state;
	world w = make_world(s, safe_sql);
	sql(&w.prod, "INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name, logs) VALUES "
		     "(gen_random_uuid()::text, 'x', now(), '%s', 'ERROR: boom')", NEXT);
	gk_report *r = gate(s, &w);
	assert_exit(r, GK_EXIT_FAIL);
	must_find(r, "migration-failed");
	gk_report_free(r);

	prisma_applied(&w.prod, "20240105000000_hotfix", "SELECT 1;\n");
	r = gate(s, &w);
	assert_exit(r, GK_EXIT_FAIL);
	must_find(r, "migration-missing-locally");
	assert_non_null(strstr(check(r, "drift")->not_run, "20240105000000_hotfix"));
	assert_non_null(strstr(check(r, "replay")->not_run, "is not in the folder"));
	assert_null(check(r, "lint")->not_run);
	assert_int_equal(check(r, "status")->blocking, 2); /* failed, missing */
	assert_null(r->replay.shadow);
	gk_report_free(r);
	free_world(s, &w);
}

/* A transaction that read users and stays open blocks an ALTER TABLE
 * users (ACCESS EXCLUSIVE), not a CREATE INDEX CONCURRENTLY (SHARE UPDATE
 * EXCLUSIVE does not conflict with ACCESS SHARE). */
static void test_blocking_session(void **state)
{
	suite *s = *state;
	world w = make_world(s, "ALTER TABLE users ADD COLUMN nick text;\n");
	PGconn *other = connect_as_super(&w.prod);
	exec_on(other, "SET application_name = 'report-job'; BEGIN; SELECT count(*) FROM users");
	gk_report *r = gate(s, &w);
	assert_exit(r, GK_EXIT_FAIL);
	const gk_finding *f = must_find(r, "blocking-session");
	char pid[32];
	snprintf(pid, sizeof pid, "pid %d ", PQbackendPID(other));
	assert_non_null(strstr(f->message, pid));
	assert_non_null(strstr(f->message, "report-job"));
	assert_non_null(strstr(f->path, NEXT));
	gk_report_free(r);

	put(w.dir, NEXT "/migration.sql", "CREATE INDEX CONCURRENTLY users_name_idx ON users (name);\n");
	r = gate(s, &w);
	if (find(r, "blocking-session"))
		dump(r);
	assert_null(find(r, "blocking-session"));
	assert_int_equal(entry(r, &w, NEXT)->replay.status, GK_REPLAY_OK);
	gk_report_free(r);
	exec_on(other, "ROLLBACK");
	PQfinish(other);
	free_world(s, &w);
}

static bool says_concurrently(const gk_report *r, int pid)
{
	char who[32];
	snprintf(who, sizeof who, "pid %d ", pid);
	for (size_t i = 0; i < r->n_findings; i++)
		if (!strcmp(r->findings[i].rule_id, "blocking-session") && strstr(r->findings[i].message, who) &&
		    strstr(r->findings[i].message, "CONCURRENTLY waits for transactions older than the build"))
			return true;
	return false;
}

/*
 * A pending CREATE INDEX CONCURRENTLY waits for a writer of its table idle
 * in transaction, and for a REPEATABLE READ session idle after reading
 * another table; a plain CREATE TABLE waits for neither; DROP INDEX
 * CONCURRENTLY waits for a reader of the table, not for the snapshot; an
 * idle session outside a transaction blocks nothing, and the gate's own
 * sessions never count.
 */
static void test_concurrently_waits(void **state)
{
	suite *s = *state;
	world w = make_world(s, "-- an index for the name search\n"
				"CREATE INDEX CONCURRENTLY users_name_idx ON users (name);\n");
	PGconn *writer = connect_as_super(&w.prod), *report = connect_as_super(&w.prod);
	PGconn *idle = connect_as_super(&w.prod);
	exec_on(writer, "SET application_name = 'api'; BEGIN; UPDATE users SET name = 'x' WHERE id = 1");
	exec_on(idle, "SELECT 1");
	gk_report *r = gate(s, &w);
	assert_exit(r, GK_EXIT_FAIL);
	if (!says_concurrently(r, PQbackendPID(writer))) {
		dump(r);
		fail_msg("the writer is not reported");
	}
	const gk_finding *f = must_find(r, "blocking-session");
	must_say(r, f, "holds RowExclusiveLock on public.users");
	must_say(r, f, "CREATE INDEX CONCURRENTLY users_name_idx ON users waits until this transaction ends");
	assert_non_null(strstr(f->path, NEXT));
	assert_int_equal(f->line, 2);
	assert_false(says_concurrently(r, PQbackendPID(idle)));
	gk_report_free(r);
	exec_on(writer, "ROLLBACK");

	exec_on(report, "SET application_name = 'report'; BEGIN ISOLATION LEVEL REPEATABLE READ; "
			"SELECT count(*) FROM posts");
	r = gate(s, &w);
	assert_exit(r, GK_EXIT_FAIL);
	assert_true(says_concurrently(r, PQbackendPID(report)));
	f = must_find(r, "blocking-session");
	must_say(r, f, "application \"report\", idle in transaction");
	must_say(r, f, "holds a snapshot (backend_xmin ");
	size_t n = 0;
	for (size_t i = 0; i < r->n_findings; i++)
		n += !strcmp(r->findings[i].rule_id, "blocking-session");
	assert_int_equal(n, 1); /* the report alone: not the gate's own sessions, not the idle one */
	gk_report_free(r);

	/* A statement that is not CONCURRENTLY does not wait for it. */
	put(w.dir, NEXT "/migration.sql", safe_sql);
	r = gate(s, &w);
	assert_exit(r, GK_EXIT_PASS);
	assert_null(find(r, "blocking-session"));
	gk_report_free(r);

	/* DROP INDEX CONCURRENTLY does not wait for the report's snapshot, but
	 * for every transaction holding a lock on the table, readers too. */
	put(w.dir, NEXT "/migration.sql", "DROP INDEX CONCURRENTLY users_email_idx;\n");
	exec_on(writer, "BEGIN; SELECT count(*) FROM users");
	r = gate(s, &w);
	assert_exit(r, GK_EXIT_FAIL);
	assert_false(says_concurrently(r, PQbackendPID(report)));
	assert_true(says_concurrently(r, PQbackendPID(writer)));
	must_say(r, must_find(r, "blocking-session"), "holds AccessShareLock on public.users");
	gk_report_free(r);
	exec_on(writer, "COMMIT");

	exec_on(report, "COMMIT");
	put(w.dir, NEXT "/migration.sql", "REINDEX INDEX CONCURRENTLY users_email_idx;\n");
	r = gate(s, &w);
	assert_null(find(r, "blocking-session"));
	gk_report_free(r);

	/* REINDEX SCHEMA ... CONCURRENTLY reindexes every table of the schema,
	 * each waiting for all its lock holders: a reader idle in transaction
	 * on posts (no snapshot of its own) holds it up. */
	put(w.dir, NEXT "/migration.sql", "REINDEX SCHEMA CONCURRENTLY public;\n");
	exec_on(writer, "BEGIN; SELECT count(*) FROM posts");
	r = gate(s, &w);
	assert_true(says_concurrently(r, PQbackendPID(writer)));
	f = must_find(r, "blocking-session");
	must_say(r, f, "holds AccessShareLock on public.posts");
	must_say(r, f, "REINDEX SCHEMA CONCURRENTLY public");
	gk_report_free(r);
	exec_on(writer, "COMMIT");
	PQfinish(writer);
	PQfinish(report);
	PQfinish(idle);
	free_world(s, &w);
}

/* Prisma 6 with the driver-adapter engine (engine "js" beside the folder)
 * cuts the pending file at every ';': the gate replays the same pieces,
 * and the ';' in a string fails as in production, after the first piece. */
static void test_naive_splitter(void **state)
{
	suite *s = *state;
	world w = make_world(s, "CREATE TABLE notes (body text);\nINSERT INTO notes VALUES ('a;b');\n");
	put(w.dir, "package.json", "{\"devDependencies\": {\"prisma\": \"6.19.0\"}}\n");
	put(w.dir, "prisma.config.ts", "export default defineConfig({ engine: 'js', adapter: async () => pg })\n");
	gk_report *r = gate(s, &w);
	assert_exit(r, GK_EXIT_FAIL);
	const gk_finding *f = must_find(r, "replay-failed");
	must_say(r, f, "piece 2 of 3 of the file as Prisma's driver adapter (engine \"js\") cuts it at every ';'");
	must_say(r, f, "piece 1 stayed applied, as in production: created table notes");
	const gk_migration *m = entry(r, &w, NEXT);
	assert_string_equal(m->replay.stop.splitter, "every-semicolon");
	assert_false(m->replay.traced);
	gk_report_free(r);
	free_world(s, &w);
}

/* lock_timeout: external is verified on the deploying role's settings. */
static void test_deploy_role_lock_timeout(void **state)
{
	suite *s = *state;
	world w = make_world(s, safe_sql);
	char *role = unique(s, "deployer");
	sql(&w.prod, "CREATE ROLE %s", role);
	gk_gate_options o = {0};
	gk_lint_options_init(&o.lint);
	o.lint.lock_timeout_external = true;
	o.pg_version_from_target = true;
	o.target_url = w.prod.conninfo;
	o.dirs = (const char *const *)&w.dir;
	o.n_dirs = 1;
	o.shadow.url = super_conninfo(s->shadow);
	o.deploy_role = role;
	gk_error err = {0};
	for (int run = 0; run < 3; run++) {
		if (run == 1)
			sql(&w.prod, "ALTER ROLE %s IN DATABASE %s SET lock_timeout = '2s'", role, w.prod.name);
		if (run == 2) /* the connecting user (the superuser) has none */
			o.deploy_role = NULL;
		gk_report *r = gk_report_new("gate");
		if (gk_gate_run(r, &o, &err) != 0)
			fail_msg("gk_gate_run: %s", err.msg);
		gk_report_finish(r, GK_SEV_ERROR, 0);
		if (run == 1) {
			assert_exit(r, GK_EXIT_PASS);
			assert_null(find(r, "external-lock-timeout-missing"));
			bool noted = false;
			for (size_t i = 0; i < r->n_notes; i++)
				noted = noted || strstr(r->notes[i], "lock_timeout: external verified");
			assert_true(noted);
		} else {
			assert_exit(r, GK_EXIT_FAIL);
			const gk_finding *f = must_find(r, "external-lock-timeout-missing");
			must_say(r, f, run == 0 ? "(--deploy-role)" : "(the connecting user; name the deploying role");
			assert_int_equal(check(r, "pre-flight")->blocking, 1);
		}
		gk_report_free(r);
	}
	sql(&w.prod, "DROP ROLE %s", role); /* its database setting goes with the database */
	free(role);
	free_world(s, &w);
}

/* Prisma's advisory lock held: a deploy is running, retry later (exit 3). */
static void test_deploy_in_progress(void **state)
{
	suite *s = *state;
	world w = make_world(s, safe_sql);
	PGconn *deploy = connect_as_super(&w.prod);
	exec_on(deploy, "SELECT pg_advisory_lock(72707369)");
	gk_report *r = gate(s, &w);
	assert_exit(r, GK_EXIT_INFRA);
	must_find(r, "deploy-in-progress");
	assert_null(r->replay.shadow);
	/* Not "status ok, schema up to date": the history is changing. */
	assert_non_null(strstr(check(r, "status")->not_run, "a deploy is in progress"));
	assert_non_null(strstr(check(r, "replay")->not_run, "a deploy is in progress"));
	assert_null(check(r, "pre-flight")->not_run);
	assert_true(r->target.deploy_in_progress);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	gk_render_options ro = {0};
	gk_error err = {0};
	assert_int_equal(gk_render_text(r, f, &ro, &err), 0);
	fclose(f);
	if (strstr(text, "up to date") || strstr(text, "status      ok") || !strstr(text, "status      not run: a deploy"))
		fail_msg("the text vouches for a changing history:\n%s", text);
	free(text);
	gk_report_free(r);
	PQfinish(deploy);
	free_world(s, &w);
}

/* What failed deploys leave behind on the target. */
static void test_health(void **state)
{
	suite *s = *state;
	world w = make_world(s, safe_sql);
	/* Both are drift too (the migrations made neither): ignore that here. */
	sql(&w.prod, "ALTER TABLE posts ADD CONSTRAINT title_len CHECK (length(title) < 200) NOT VALID; "
		     "CREATE INDEX users_name_idx ON users (name); "
		     "UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'users_name_idx'::regclass");
	gk_report *r = gate(s, &w);
	const gk_finding *f = must_find(r, "invalid-index");
	assert_non_null(strstr(f->message, "users_name_idx"));
	f = must_find(r, "unvalidated-constraint");
	assert_non_null(strstr(f->message, "title_len"));
	gk_report_free(r);
	free_world(s, &w);
}

/* The gate reads; it never writes: the target's schema and history are unchanged. */
static void test_target_untouched(void **state)
{
	suite *s = *state;
	world w = make_world(s, "ALTER TABLE users ADD COLUMN nick text;\n");
	gk_catalog *before = NULL, *after = NULL;
	gk_error err = {0};
	assert_int_equal(gk_catalog_read(&before, w.prod.conninfo, NULL, &err), 0);
	gk_report *r = gate(s, &w);
	gk_report_free(r);
	assert_int_equal(gk_catalog_read(&after, w.prod.conninfo, NULL, &err), 0);
	assert_string_equal(gk_catalog_sha256(before), gk_catalog_sha256(after));
	PGconn *c = connect_as_super(&w.prod);
	PGresult *res = PQexec(c, "SELECT count(*) FROM _prisma_migrations");
	assert_string_equal(PQgetvalue(res, 0, 0), "2");
	PQclear(res);
	PQfinish(c);
	gk_catalog_free(before);
	gk_catalog_free(after);
	free_world(s, &w);
}

/* With the template cache (a private cluster of its own), the expected
 * schema is cloned on the next run, and after a deploy only the new
 * migration is replayed on the previous run's expected schema. */
static void test_expected_schema_cached(void **state)
{
	suite *s = *state;
	world w = make_world(s, safe_sql);
	assert_int_equal(chmod(s->tmp, 0755), 0); /* the server's user reaches the cache */
	char *cache = gk_asprintf("%s/cache", s->tmp);
	gk_shadow_options cached = {.cache_dir = cache};
	size_t want[] = {0, 2, 2, 3};  /* applied migrations from the cache, per run */
	for (size_t run = 0; run < 4; run++) {
		if (run == 2) { /* deploy the pending migration, and write the next one */
			sql(&w.prod, "%s", safe_sql);
			prisma_applied(&w.prod, NEXT, safe_sql);
			put(w.dir, LATER "/migration.sql", "CREATE TABLE more (id int);\n");
		}
		gk_report *r = gate_on(s, &w, w.prod.conninfo, &cached);
		assert_exit(r, GK_EXIT_PASS);
		if (r->replay.reused != want[run])
			fail_msg("run %zu: %zu migrations from the cache, want %zu", run, r->replay.reused, want[run]);
		assert_int_equal(r->replay.migrations, run < 2 ? 3 : 4);
		assert_int_equal(entry(r, &w, run < 2 ? NEXT : LATER)->replay.status, GK_REPLAY_OK);
		gk_report_free(r);
	}
	free(cache);
	free_world(s, &w);
}

static void keep_message(void *ctx, const char *message)
{
	gk_buf *b = ctx;
	gk_buf_printf(b, "%s\n", message);
}

/* A cache that cannot be used is said through the options' log, in
 * today's words, and the library prints nothing itself. */
static void test_cache_note_logged(void **state)
{
	suite *s = *state;
	world w = make_world(s, safe_sql);
	assert_int_equal(chmod(s->tmp, 0755), 0);
	char *real = gk_asprintf("%s/real-cache", s->tmp), *link = gk_asprintf("%s/link-cache", s->tmp);
	assert_int_equal(mkdir(real, 0755), 0);
	assert_int_equal(symlink(real, link), 0);
	gk_shadow_options cached = {.cache_dir = link};
	gk_buf got = {0};
	gk_log log = {keep_message, &got};
	char *err_path = gk_asprintf("%s/stderr", s->tmp);
	fflush(stderr);
	int saved = dup(STDERR_FILENO), fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	gk_report *r = gate_logged(s, &w, w.prod.conninfo, &cached, &log);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
	assert_exit(r, GK_EXIT_PASS);
	struct stat st;
	assert_int_equal(stat(err_path, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_non_null(got.data);
	if (strncmp(got.data, "replay cache not used: ", 23) != 0 || !strstr(got.data, "is a symbolic link") ||
	    strchr(got.data, '\n') != got.data + got.len - 1)
		fail_msg("logged: %s", got.data);
	gk_buf_free(&got);
	gk_report_free(r);
	free(err_path);
	free(real);
	free(link);
	free_world(s, &w);
}

static void test_unreachable_target(void **state)
{
	suite *s = *state;
	world w = make_world(s, safe_sql);
	gk_report *r = gate_on(s, &w, "postgresql://app:G4teSecret@127.0.0.1:1/app", NULL);
	assert_exit(r, GK_EXIT_INFRA);
	assert_int_equal(r->errors[0].kind, GK_ERRKIND_DB_CONNECT);
	assert_non_null(strstr(r->errors[0].message, "127.0.0.1"));
	assert_null(strstr(r->errors[0].message, "G4teSecret"));
	assert_non_null(check(r, "status")->not_run);
	gk_report_free(r);
	free_world(s, &w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_deploy_passes),
		cmocka_unit_test(test_nothing_pending),
		cmocka_unit_test(test_dbmate_sections),
		cmocka_unit_test(test_rewrite_names_target_size),
		cmocka_unit_test(test_data_precondition),
		cmocka_unit_test(test_size_thresholds),
		cmocka_unit_test(test_lock_window_budget),
		cmocka_unit_test(test_drift_blocks),
		cmocka_unit_test(test_pending_does_not_apply),
		cmocka_unit_test(test_pending_times_out),
		cmocka_unit_test(test_failed_and_missing),
		cmocka_unit_test(test_blocking_session),
		cmocka_unit_test(test_concurrently_waits),
		cmocka_unit_test(test_naive_splitter),
		cmocka_unit_test(test_deploy_role_lock_timeout),
		cmocka_unit_test(test_deploy_in_progress),
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_target_untouched),
		cmocka_unit_test(test_expected_schema_cached),
		cmocka_unit_test(test_cache_note_logged),
		cmocka_unit_test(test_unreachable_target),
	};
	return cmocka_run_group_tests_name("gate", tests, group_start, group_stop);
}
