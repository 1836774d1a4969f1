/*
 * replay_test.c - `gatekeeper check` with replay (src/check/replay.c) on a
 * real PostgreSQL: repositories built per test (check_test_support.h), the
 * migrations applied to a shadow database, and the report checked for the
 * replay status and observed locks of each migration and for the `replay`
 * findings: "replay-failed", "replay-environment", "replay-timeout",
 * "observed-access-exclusive-lock", "observed-share-lock",
 * "observed-table-rewrite" and "observed-lock-without-timeout".
 *
 * One private cluster is started for the whole program and handed to the
 * checks as an external server (a fresh database per run, as with
 * --shadow-url); the embedded default, the template cache and an
 * unreachable server have tests of their own.
 */
/* test needs: postgres git */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gatekeeper/check.h"
#include "shadow/shadow.h"
#include "util/interrupt.h"
#include "util/util.h"

#include "check_test_support.h"

static gk_shadow *server;   /* shared by the tests; see group_start */
static char role_suffix[32];

static int group_start(void **state)
{
	group_setup(state);
	gk_error err = {0};
	if (gk_shadow_open(&server, NULL, &err) != 0) {
		fprintf(stderr, "replay_test: cannot start the shadow cluster: %s\n", err.msg);
		return -1;
	}
	snprintf(role_suffix, sizeof role_suffix, "%ld", (long)getpid());
	return 0;
}

static int group_stop(void **state)
{
	(void)state;
	gk_shadow_close(server);
	return 0;
}

static const char *const prisma_dirs[] = {MIG};

static void replay_opts(gk_check_options *o)
{
	opts(o, prisma_dirs, 1);
	o->replay = true;
	o->shadow.url = super_conninfo(server);
	o->pg_version_from_shadow = true;
}

/* main: a users table with an index; feature: the given migration. */
static void base_and_change(const char *sql)
{
	put(MIG "/migration_lock.toml", "provider = \"postgresql\"\n");
	put(P("20240101000000_init"), "CREATE TABLE users (id bigint PRIMARY KEY, email text, name text);\n"
				      "CREATE INDEX users_email_idx ON users (email);\n");
	commit_all("init");
	branch("feature");
	put(P("20240201000000_change_users"), sql);
	commit_all("change");
}

static gk_report *replay_check(void)
{
	gk_check_options o;
	replay_opts(&o);
	return check_o(&o);
}

#define CHANGE P("20240201000000_change_users")

/* The finding of `rule` on CHANGE at `line`. */
static const gk_finding *at_line(const gk_report *r, const char *rule, int line)
{
	for (size_t i = 0; i < r->n_findings; i++)
		if (!strcmp(r->findings[i].rule_id, rule) && r->findings[i].line == line)
			return &r->findings[i];
	dump(r);
	fail_msg("no %s finding at line %d", rule, line);
	return NULL;
}

static const gk_observed_lock *lock_on(const gk_migration *m, const char *relation, int stmt)
{
	for (size_t i = 0; i < m->replay.n_locks; i++)
		if (!strcmp(m->replay.locks[i].relation, relation) && m->replay.locks[i].statement_index == stmt)
			return &m->replay.locks[i];
	fail_msg("no lock on %s by statement %d", relation, stmt);
	return NULL;
}

/* ---- observed locks ------------------------------------------------------ */

static void test_observed_locks(void **state)
{
	(void)state;
	/* One transaction (Prisma, three statements): a lock is listed by the
	 * statement that first took it that strongly. */
	base_and_change("CREATE INDEX users_name_idx ON users (name);\n"
			"ALTER TABLE users ADD COLUMN nickname text;\n"
			"ALTER TABLE users ADD COLUMN score float8 DEFAULT random();\n");
	gk_report *r = replay_check();
	assert_int_equal(r->pg_version, gk_shadow_server_version(server) / 10000);
	assert_string_equal(r->replay.shadow, "external");
	assert_int_equal(r->replay.migrations, 2);
	/* The tests' shadow URL is the superuser's: the report says what that means. */
	assert_int_equal(r->n_notes, 1);
	assert_non_null(strstr(r->notes[0], "migrations run as gatekeeper on host "));
	assert_non_null(strstr(r->notes[0], "a superuser"));

	const gk_migration *m = migration(r, CHANGE);
	assert_int_equal(m->replay.status, GK_REPLAY_OK);
	assert_true(m->replay.traced);
	assert_string_equal(lock_on(m, "public.users", 1)->mode, "ShareLock");
	assert_int_equal(lock_on(m, "public.users", 1)->line, 1);
	const gk_observed_lock *l = lock_on(m, "public.users", 2);
	assert_string_equal(l->mode, "AccessExclusiveLock");
	assert_false(l->rewrite);
	assert_int_equal(l->line, 2);
	assert_int_equal(l->lock_timeout_ms, 0);
	assert_true(lock_on(m, "public.users", 3)->rewrite);
	assert_true(lock_on(m, "public.users_pkey", 3)->rewrite);

	/* One finding per risk per statement: the trace confirms the lint
	 * findings that predicted its locks; only statement 2's lock, which no
	 * rule predicts, is reported by the trace alone. */
	const gk_finding *f = at_line(r, "create-index-non-concurrent", 1);
	assert_int_equal(f->evidence.verdict, GK_EVIDENCE_CONFIRMED);
	expect_in(f->message, "predicted SHARE on users, confirmed by replay (held ");
	assert_int_equal(at_line(r, "missing-lock-timeout", 1)->evidence.verdict, GK_EVIDENCE_CONFIRMED);
	f = at_line(r, "observed-access-exclusive-lock", 2);
	expect_in(f->message, "public.users");
	assert_int_equal(f->statement_index, 2);
	assert_int_equal(f->evidence.verdict, GK_EVIDENCE_TRACE_ONLY);
	f = at_line(r, "add-column-volatile-default", 3);
	assert_int_equal(f->evidence.verdict, GK_EVIDENCE_CONFIRMED);
	assert_true(f->evidence.observed.rewrite);
	expect_none(r, "observed-share-lock");
	expect_none(r, "observed-table-rewrite");
	expect_none(r, "observed-lock-without-timeout"); /* the file's one missing-lock-timeout covers them */
	/* The base migration was not traced: its locks are nobody's concern. */
	assert_false(has_migration(r, P("20240101000000_init")));
	gk_report_free(r);
}

/* A migration that sets lock_timeout first is not told to. */
static void test_lock_timeout_set(void **state)
{
	(void)state;
	base_and_change("SET lock_timeout = '3s';\nALTER TABLE users ADD COLUMN nickname text;\n");
	gk_report *r = replay_check();
	at_line(r, "observed-access-exclusive-lock", 2);
	expect_none(r, "observed-lock-without-timeout");
	assert_int_equal(lock_on(migration(r, CHANGE), "public.users", 2)->lock_timeout_ms, 3000);
	gk_report_free(r);
}

/* A file that sets its own isolation level right after its BEGIN replays
 * traced, under each runner model: the trace reads nothing after a
 * statement that takes no snapshot, so the file's SET TRANSACTION is still
 * its transaction's first query (langfuse's backfill migrations do this). */
static void test_trace_keeps_set_transaction_first(void **state)
{
	(void)state;
	base_and_change("BEGIN;\nSET TRANSACTION ISOLATION LEVEL REPEATABLE READ;\n"
			"ALTER TABLE users ADD COLUMN nickname text;\nUPDATE users SET nickname = email;\nCOMMIT;\n");
	static const enum gk_runner models[] = {GK_RUNNER_SPLIT, GK_RUNNER_WHOLE, GK_RUNNER_PER_FILE};
	for (size_t i = 0; i < sizeof models / sizeof *models; i++) {
		gk_check_options o;
		replay_opts(&o);
		o.lint.runner = models[i];
		gk_report *r = check_o(&o);
		const gk_migration *m = migration(r, CHANGE);
		assert_true(m->replay.traced);
		if (m->replay.status != GK_REPLAY_OK)
			fail_msg("runner %s: %s", gk_runner_name(models[i]), m->replay.error ? m->replay.error : "?");
		assert_non_null(lock_on(m, "public.users", 3));
		gk_report_free(r);
	}
}

/* A session SET lock_timeout of an earlier migration is still in effect
 * when a split runner sends the next one on the same session: the trace
 * sees it, but it is not the later file's, and a deploy that starts there
 * has none, so missing-lock-timeout stands, confirmed, and says why. */
static void test_trace_inherited_lock_timeout(void **state)
{
	(void)state;
	base_and_change("SET lock_timeout = '5s';\nCREATE TABLE posts (id bigint PRIMARY KEY);\n");
	put(P("20240202000000_nickname"), "ALTER TABLE users ADD COLUMN nickname text;\n");
	commit_all("later");
	gk_check_options o;
	replay_opts(&o);
	o.lint.runner = GK_RUNNER_SPLIT;
	gk_report *r = check_o(&o);
	const gk_migration *m = migration(r, P("20240202000000_nickname"));
	const gk_observed_lock *l = lock_on(m, "public.users", 1);
	assert_int_equal(l->lock_timeout_ms, 5000);
	const gk_finding *f = NULL;
	for (size_t i = 0; i < r->n_findings; i++)
		if (!strcmp(r->findings[i].rule_id, "missing-lock-timeout") &&
		    !strcmp(r->findings[i].path, P("20240202000000_nickname")))
			f = &r->findings[i];
	assert_non_null(f);
	assert_int_equal(f->evidence.verdict, GK_EVIDENCE_CONFIRMED);
	assert_int_equal(f->severity, GK_SEV_WARNING);
	expect_in(f->message, "the lock_timeout = 5000 ms it ran with was left in the session by an earlier migration");
	gk_report_free(r);
}

/* What the change creates is nobody else's yet: no lock findings. */
static void test_new_table_is_quiet(void **state)
{
	(void)state;
	base_and_change("CREATE TABLE posts (id bigint PRIMARY KEY, title text);\n"
			"CREATE INDEX posts_title_idx ON posts (title);\n");
	gk_report *r = replay_check();
	assert_int_equal(migration(r, CHANGE)->replay.n_locks, 0);
	expect_none(r, "observed-access-exclusive-lock");
	expect_none(r, "observed-share-lock");
	gk_report_free(r);
}

/* ---- failures -------------------------------------------------------------- */

/* Prisma 6 with the driver-adapter engine (engine "js" in prisma.config.ts)
 * cuts the file at every ';': the replay sends the same pieces, so the
 * half statement fails as in production, after the first piece committed,
 * and the finding and replay.stopped say it was the splitter's piece. */
static void test_naive_splitter_pieces(void **state)
{
	(void)state;
	base_and_change("CREATE TABLE notes (body text);\n"
			"INSERT INTO notes VALUES ('a;b');\n");
	put("package.json", "{\"devDependencies\": {\"prisma\": \"6.19.0\"}}\n");
	put("prisma.config.ts", "export default defineConfig({ engine: 'js', adapter: async () => pg })\n");
	commit_all("js engine");
	gk_report *r = replay_check();
	const gk_migration *m = migration(r, CHANGE);
	assert_int_equal(m->replay.status, GK_REPLAY_FAILED);
	assert_string_equal(m->replay.sqlstate, "42601");
	assert_false(m->replay.traced);
	const gk_finding *f = finding(r, "replay-failed", CHANGE);
	expect_in(f->message, "piece 2 of 3 of the file as Prisma's driver adapter (engine \"js\") cuts it at every "
			      "';' (`INSERT INTO notes VALUES ('a`) failed: unterminated quoted string");
	expect_in(f->message, "piece 1 stayed applied, as in production: created table notes");
	assert_int_equal(f->line, 2);
	const gk_replay_stop *st = &m->replay.stop;
	assert_string_equal(st->splitter, "every-semicolon");
	assert_int_equal(st->failed_statement, 2);
	assert_int_equal(st->n_statements, 3);
	assert_int_equal(st->committed_statements, 1);
	gk_report_free(r);
}

/* Prisma before 7.4 sends the file as one query: CONCURRENTLY beside
 * another statement fails as in production, and the next migration is
 * skipped.  The version comes from the committed package.json. */
static void test_concurrently_in_multi_statement_prisma_file(void **state)
{
	(void)state;
	base_and_change("ALTER TABLE users ADD COLUMN nickname text;\n"
			"CREATE INDEX CONCURRENTLY users_nickname_idx ON users (nickname);\n");
	put(P("20240202000000_add_posts"), "CREATE TABLE posts (id bigint PRIMARY KEY);\n");
	put("package.json", "{\"devDependencies\": {\"prisma\": \"7.3.0\"}}\n");
	commit_all("more");
	gk_report *r = replay_check();
	const gk_migration *m = migration(r, CHANGE);
	assert_int_equal(m->replay.status, GK_REPLAY_FAILED);
	assert_string_equal(m->replay.sqlstate, "25001");
	expect_in(finding(r, "replay-failed", CHANGE)->message, "cannot run inside a transaction block");
	const gk_migration *next = migration(r, P("20240202000000_add_posts"));
	assert_int_equal(next->replay.status, GK_REPLAY_SKIPPED);
	expect_in(next->replay.error, CHANGE);
	assert_int_equal(r->exit_code, GK_EXIT_FAIL);
	gk_report_free(r);
}

/* Statements sent one by one: the failure names its statement, and what
 * the statements before it left committed (the state production is left
 * in). */
static void test_split_failure_left_behind(void **state)
{
	(void)state;
	base_and_change("CREATE TABLE posts (id bigint PRIMARY KEY);\n"
			"ALTER TABLE users ADD COLUMN nickname text;\n"
			"CREATE INDEX posts_x ON posts (id);\n"
			"SELECT 1/0;\n");
	gk_check_options o;
	replay_opts(&o);
	o.lint.runner = GK_RUNNER_SPLIT;
	gk_report *r = check_o(&o);
	const gk_finding *f = finding(r, "replay-failed", CHANGE);
	expect_in(f->message, "statement 4 of 4 failed: division by zero (SQLSTATE 22012); statements 1-3 stayed "
			      "applied, as in production: created table posts, index posts_x; changed column "
			      "nickname of table users; the migrations after it were not replayed");
	assert_int_equal(f->line, 4);
	/* The same, as data: the JSON report's replay.stopped. */
	const gk_replay_stop *st = &migration(r, CHANGE)->replay.stop;
	assert_int_equal(st->failed_statement, 4);
	assert_int_equal(st->n_statements, 4);
	assert_int_equal(st->committed_statements, 3);
	assert_false(st->aborted_session);
	assert_int_equal(st->n_created, 2);
	assert_string_equal(st->created[0], "table posts");
	assert_string_equal(st->created[1], "index posts_x");
	assert_int_equal(st->n_changed, 1);
	assert_string_equal(st->changed[0], "column nickname of table users");
	gk_report_free(r);
}

/* The one finding of `rule` on `path` at `line`, or NULL. */
static const gk_finding *on_line(const gk_report *r, const char *rule, const char *path, int line)
{
	for (size_t i = 0; i < r->n_findings; i++)
		if (!strcmp(r->findings[i].rule_id, rule) && r->findings[i].path &&
		    !strcmp(r->findings[i].path, path) && r->findings[i].line == line)
			return &r->findings[i];
	return NULL;
}

/* A sequence's new relfilenode is no table rewrite; a table's is, under
 * the lock the trace saw.  CREATE INDEX CONCURRENTLY shows the SHARE
 * UPDATE EXCLUSIVE lock it holds while it runs (not "0 locks"). */
static void test_rewrites_and_concurrently(void **state)
{
	(void)state;
	put(MIG "/migration_lock.toml", "provider = \"postgresql\"\n");
	put(P("20240101000000_init"), "CREATE TABLE users (id bigint PRIMARY KEY, email text, name text);\n"
				      "CREATE SEQUENCE counter AS integer;\n");
	commit_all("init");
	branch("feature");
	put(P("20240201000000_widen"), "ALTER SEQUENCE counter AS bigint;\n"
				       "ALTER TABLE users ADD COLUMN score float8 DEFAULT random();\n");
	put(P("20240202000000_index"), "CREATE INDEX CONCURRENTLY users_name_idx ON users (name);\n");
	commit_all("change");
	gk_report *r = replay_check();
	const char *widen = P("20240201000000_widen"), *index = P("20240202000000_index");
	assert_null(on_line(r, "observed-table-rewrite", widen, 1));
	/* The rewrite was predicted by the lint, so the trace confirms that
	 * finding instead of adding one of its own. */
	assert_null(on_line(r, "observed-table-rewrite", widen, 2));
	const gk_finding *f = on_line(r, "add-column-volatile-default", widen, 2);
	if (!f)
		dump(r);
	assert_non_null(f);
	assert_int_equal(f->evidence.verdict, GK_EVIDENCE_CONFIRMED);
	assert_true(f->evidence.observed.rewrite);
	assert_string_equal(f->evidence.observed.lock, "ACCESS EXCLUSIVE");
	expect_in(f->message, "confirmed by replay");
	const gk_migration *m = migration(r, index);
	assert_int_equal(m->replay.status, GK_REPLAY_OK);
	assert_int_equal(m->replay.n_locks, 1);
	assert_string_equal(lock_on(m, "public.users", 1)->mode, "ShareUpdateExclusiveLock");
	assert_true(lock_on(m, "public.users", 1)->duration_ms > 0);
	assert_null(on_line(r, "observed-access-exclusive-lock", index, 1));
	assert_null(on_line(r, "observed-share-lock", index, 1));
	gk_report_free(r);
}

/* The server's error position becomes the file's line and column. */
static void test_error_position(void **state)
{
	(void)state;
	base_and_change("-- adds a column\nALTER TABLE users ADD COLUMN nickname text;\n"
			"UPDATE users SET nickname = nam;\n");
	gk_report *r = replay_check();
	const gk_finding *f = finding(r, "replay-failed", CHANGE);
	assert_int_equal(f->line, 3);
	assert_int_equal(f->column, 29);
	expect_in(f->message, "42703");
	expect_in(f->context, "nickname = nam");
	assert_int_equal(migration(r, CHANGE)->replay.status, GK_REPLAY_FAILED);
	gk_report_free(r);
}

/* A statement the parser refuses is still replayed: with a target newer
 * than the parser it is unparsed-statement (not a syntax error), and the
 * server judges it; what it creates is learnt from its words, so the index
 * on the new table is no lock finding. */
static void test_unparsed_statement_is_replayed(void **state)
{
	(void)state;
	base_and_change("CREATE TABLE user_ids AS SELECT id FROM (SELECT id FROM users);\n"
			"CREATE INDEX user_ids_idx ON user_ids (id);\n");
	gk_check_options o;
	replay_opts(&o);
	o.pg_version_from_shadow = false;
	o.lint.pg_version = 17;
	gk_report *r = check_o(&o);
	const gk_finding *u = finding(r, "unparsed-statement", CHANGE);
	assert_int_equal(u->line, 1);
	expect_in(u->message, "creates table user_ids");
	expect_none(r, "syntax-error");
	expect_none(r, "create-index-non-concurrent");
	const gk_migration *m = migration(r, CHANGE);
	assert_int_equal(m->statements, 1);
	assert_int_equal(m->statements_total, 2);
	/* This shadow is PostgreSQL 15: it refuses the statement, which the
	 * replay knows for syntax of 16, so it blames the shadow's version. */
	assert_int_equal(m->replay.status, GK_REPLAY_ENVIRONMENT);
	expect_in(finding(r, "replay-environment", CHANGE)->message, "16");
	gk_report_free(r);

	/* The shadow's version as the target: a syntax error, replayed all the same. */
	r = replay_check();
	finding(r, "syntax-error", CHANGE);
	expect_none(r, "unparsed-statement");
	assert_int_equal(migration(r, CHANGE)->replay.status, GK_REPLAY_ENVIRONMENT);
	gk_report_free(r);
}

/* A missing role is the shadow's lack, not the migration's fault; the
 * init file supplies it. */
static void test_environment_and_init_file(void **state)
{
	(void)state;
	char sql[256], init[256];
	snprintf(sql, sizeof sql, "GRANT SELECT ON users TO gk_reader_%s;\n", role_suffix);
	base_and_change(sql);
	gk_report *r = replay_check();
	const gk_finding *f = finding(r, "replay-environment", CHANGE);
	expect_in(f->message, "role gk_reader_");
	expect_none(r, "replay-failed");
	assert_int_equal(migration(r, CHANGE)->replay.status, GK_REPLAY_ENVIRONMENT);
	gk_report_free(r);

	snprintf(init, sizeof init, "DO $$ BEGIN CREATE ROLE gk_reader_%s; EXCEPTION WHEN duplicate_object THEN "
		 "NULL; END $$;\n", role_suffix);
	put("../shadow-init.sql", init);
	gk_check_options o;
	replay_opts(&o);
	o.shadow_init = "../shadow-init.sql";
	r = check_o(&o);
	expect_none(r, "replay-environment");
	assert_int_equal(migration(r, CHANGE)->replay.status, GK_REPLAY_OK);
	gk_report_free(r);

	/* An init file that cannot be read is the user's setup: exit 2. */
	o.shadow_init = "../no-such-init.sql";
	gk_error err = {0};
	assert_int_equal(check_fails(&o, &err), GK_ECONFIG);
	expect_in(err.msg, "no-such-init.sql");
}

/* A migration of the base that does not apply gets an entry of its own. */
static void test_failure_before_the_change(void **state)
{
	(void)state;
	put(MIG "/migration_lock.toml", "provider = \"postgresql\"\n");
	put(P("20240101000000_init"), "CREATE TABLE users (id bigint PRIMARY KEY);\n");
	put(P("20240102000000_broken"), "INSERT INTO users (id, nosuch) VALUES (1, 2);\n");
	commit_all("init");
	branch("feature");
	put(P("20240201000000_add_posts"), "CREATE TABLE posts (id bigint PRIMARY KEY);\n");
	commit_all("change");
	gk_report *r = replay_check();
	const gk_migration *broken = migration(r, P("20240102000000_broken"));
	assert_int_equal(broken->history, GK_HISTORY_UNCHANGED);
	assert_false(broken->linted);
	assert_int_equal(broken->replay.status, GK_REPLAY_FAILED);
	const gk_finding *f = finding(r, "replay-failed", P("20240102000000_broken"));
	assert_int_equal(f->line, 1);
	assert_int_equal(f->column, 24);
	assert_int_equal(migration(r, P("20240201000000_add_posts"))->replay.status, GK_REPLAY_SKIPPED);
	gk_report_free(r);
}

/* golang-migrate's own table exists before the first migration, as the
 * tool makes it; a migration may alter it (harbor does). */
static void test_runner_history_table(void **state)
{
	(void)state;
	put("db/0001_init.up.sql", "CREATE TABLE t (id int);\n");
	put("db/0001_init.down.sql", "DROP TABLE t;\n");
	commit_all("init");
	branch("feature");
	put("db/0002_touch.up.sql", "ALTER TABLE schema_migrations ADD COLUMN data_version int;\n");
	put("db/0002_touch.down.sql", "SELECT 1;\n");
	commit_all("change");
	const char *dirs[] = {"db"};
	gk_check_options o;
	replay_opts(&o);
	o.dirs = dirs;
	gk_report *r = check_o(&o);
	assert_int_equal(migration(r, "db/0002_touch.up.sql")->replay.status, GK_REPLAY_OK);
	expect_none(r, "replay-failed");
	gk_report_free(r);
}

/* ---- the server ----------------------------------------------------------- */

/* The shadow's connection dies mid-replay: history and lint stay, the
 * report holds a db_connect error (exit 3), and the migration that was
 * running is "interrupted" (not "failed": no finding blames it), which is
 * what every renderer reads. */
static void test_connection_lost(void **state)
{
	(void)state;
	base_and_change("DROP INDEX users_email_idx;\nSELECT pg_terminate_backend(pg_backend_pid());\n");
	gk_report *r = replay_check();
	assert_int_equal(r->exit_code, GK_EXIT_INFRA);
	assert_true(r->n_errors >= 1);
	assert_int_equal(r->errors[0].kind, GK_ERRKIND_DB_CONNECT);
	finding(r, "drop-index-non-concurrent", CHANGE); /* the lint still reported */
	expect_none(r, "replay-failed");
	const gk_migration *m = migration(r, CHANGE);
	assert_int_equal(m->replay.status, GK_REPLAY_INTERRUPTED);
	assert_non_null(strstr(m->replay.error, "the shadow server went away"));
	gk_report_free(r);
}

/* ---- time limits and interruption ------------------------------------------ */

/* A replay with a 1 s limit per migration. */
static gk_report *limited_check(double limit, double *elapsed)
{
	gk_check_options o;
	replay_opts(&o);
	o.replay_timeout_s = limit;
	double t0 = gk_now();
	gk_report *r = check_o(&o);
	*elapsed = gk_now() - t0;
	return r;
}

/* A sleeping migration is cancelled at the limit: replay-timeout at the
 * statement, naming it and the limit; the next one is skipped, saying why. */
static void test_timeout_sleep(void **state)
{
	(void)state;
	base_and_change("ALTER TABLE users ADD COLUMN nickname text;\nSELECT pg_sleep(600);\n");
	put(P("20240202000000_add_tags"), "CREATE TABLE tags (id bigint PRIMARY KEY);\n");
	commit_all("more");
	double elapsed;
	gk_report *r = limited_check(1, &elapsed);
	assert_true(elapsed < 20);
	const gk_finding *f = at_line(r, "replay-timeout", 2);
	assert_int_equal(f->severity, GK_SEV_ERROR);
	assert_int_equal(f->statement_index, 2);
	assert_non_null(strstr(f->message, "1 s"));
	assert_non_null(strstr(f->message, "SELECT pg_sleep(600)"));
	assert_int_equal(migration(r, CHANGE)->replay.status, GK_REPLAY_TIMEOUT);
	const gk_migration *next = migration(r, P("20240202000000_add_tags"));
	assert_int_equal(next->replay.status, GK_REPLAY_SKIPPED);
	assert_non_null(strstr(next->replay.error, "did not finish within the time limit"));
	assert_int_equal(r->exit_code, GK_EXIT_FAIL);
	expect_none(r, "replay-failed");
	gk_report_free(r);
}

/* A migration's own `SET statement_timeout = 0` cannot lift the limit, and
 * an endless loop is cancelled like a sleep; a migration before the change
 * runs whole (untraced) and is still found at its one statement. */
static void test_timeout_endless_loop(void **state)
{
	(void)state;
	put(MIG "/migration_lock.toml", "provider = \"postgresql\"\n");
	put(P("20240101000000_init"), "CREATE TABLE users (id bigint PRIMARY KEY);\n");
	put(P("20240102000000_loop"), "\n  DO $$ BEGIN LOOP END LOOP; END $$;\n");
	commit_all("init");
	branch("feature");
	put(P("20240201000000_change_users"), "ALTER TABLE users ADD COLUMN nickname text;\n");
	commit_all("change");
	double elapsed;
	gk_report *r = limited_check(1, &elapsed);
	assert_true(elapsed < 20);
	const gk_finding *f = finding(r, "replay-timeout", P("20240102000000_loop"));
	assert_int_equal(f->line, 2);
	assert_int_equal(f->column, 3);
	assert_non_null(strstr(f->message, "DO $$ BEGIN LOOP END LOOP; END $$"));
	gk_report_free(r);

	put(P("20240201000000_change_users"), "SET statement_timeout = 0;\nDO $$ BEGIN LOOP END LOOP; END $$;\n");
	put(P("20240102000000_loop"), "SELECT 1;\n");
	commit_all("own timeout");
	r = limited_check(1, &elapsed);
	assert_true(elapsed < 20);
	at_line(r, "replay-timeout", 2);
	gk_report_free(r);
}

/* A migration's own statement_timeout is the migration's failure, not
 * ours: replay-failed with the server's message. */
static void test_own_statement_timeout_is_a_failure(void **state)
{
	(void)state;
	base_and_change("SET statement_timeout = '100ms';\nSELECT pg_sleep(5);\n");
	double elapsed;
	gk_report *r = limited_check(30, &elapsed);
	at_line(r, "replay-failed", 2);
	expect_none(r, "replay-timeout");
	assert_int_equal(migration(r, CHANGE)->replay.status, GK_REPLAY_FAILED);
	gk_report_free(r);
}

static void *interrupt_later(void *arg)
{
	(void)arg;
	poll(NULL, 0, 2500);  /* the sleep is running by then */
	gk_interrupt_raise(GK_INTERRUPT_SIGNAL, SIGTERM);
	return NULL;
}

/* What a program with handlers of its own does: the public call. */
static void *cancel_later(void *arg)
{
	(void)arg;
	poll(NULL, 0, 2500);
	gk_cancel();
	return NULL;
}

/* Interrupted mid-statement by `interrupter` (what SIGTERM does in the
 * CLI, or gk_cancel()): the running query is cancelled at once, the
 * migration is "interrupted" (no finding), the rest skipped with the
 * reason, and gk_check_run says GK_EINTR, `why`, with the report filled. */
static void interrupted_run(void *(*interrupter)(void *), const char *why)
{
	base_and_change("ALTER TABLE users ADD COLUMN nickname text;\nSELECT pg_sleep(600);\n");
	put(P("20240202000000_add_tags"), "CREATE TABLE tags (id bigint PRIMARY KEY);\n");
	commit_all("more");
	gk_check_options o;
	replay_opts(&o);
	gk_report *r = gk_report_new("check");
	gk_error err = {0};
	pthread_t tid;
	assert_int_equal(pthread_create(&tid, NULL, interrupter, NULL), 0);
	double t0 = gk_now();
	int rc = gk_check_run(r, &o, &err);
	pthread_join(tid, NULL);
	assert_true(gk_now() - t0 < 20);
	gk_cancel_clear();
	assert_int_equal(rc, GK_EINTR);
	assert_non_null(strstr(err.msg, why));
	const gk_migration *m = migration(r, CHANGE);
	assert_int_equal(m->replay.status, GK_REPLAY_INTERRUPTED);
	assert_non_null(strstr(m->replay.error, why));
	assert_int_equal(migration(r, P("20240202000000_add_tags"))->replay.status, GK_REPLAY_SKIPPED);
	expect_none(r, "replay-failed");
	expect_none(r, "replay-timeout");
	/* What ran is reported: the trace confirmed the lint's prediction. */
	assert_int_equal(at_line(r, "missing-lock-timeout", 1)->evidence.verdict, GK_EVIDENCE_CONFIRMED);
	gk_report_free(r);
}

static void test_interrupted(void **state)
{
	(void)state;
	interrupted_run(interrupt_later, "interrupted by SIGTERM");
}

/* gk_cancel() ends a job as a handled signal does, and holds until
 * gk_cancel_clear(): a job started while it holds returns at once. */
static void test_cancelled(void **state)
{
	(void)state;
	interrupted_run(cancel_later, "cancelled by the program (gk_cancel)");
	gk_cancel();
	gk_check_options o;
	replay_opts(&o);
	gk_report *r = gk_report_new("check");
	gk_error err = {0};
	double t0 = gk_now();
	int rc = gk_check_run(r, &o, &err);
	gk_cancel_clear();
	assert_int_equal(rc, GK_EINTR);
	assert_true(gk_now() - t0 < 20);
	gk_report_free(r);
}

static void test_server_unreachable(void **state)
{
	(void)state;
	base_and_change("ALTER TABLE users ADD COLUMN nickname text;\n");
	gk_check_options o;
	replay_opts(&o);
	o.shadow.url = "host=/nonexistent-gatekeeper-socket-dir port=5432 user=nobody password=s3cr3t-pw dbname=x";
	gk_report *r = check_o(&o);
	assert_int_equal(r->exit_code, GK_EXIT_INFRA);
	assert_int_equal(r->errors[0].kind, GK_ERRKIND_DB_CONNECT);
	assert_null(strstr(r->errors[0].message, "s3cr3t-pw"));
	assert_true(has_migration(r, CHANGE)); /* history and lint ran */
	assert_null(r->replay.shadow);
	gk_report_free(r);
}

/* The default: a private cluster of the check's own. */
static void test_embedded_default(void **state)
{
	(void)state;
	base_and_change("ALTER TABLE users ADD COLUMN nickname text;\n");
	gk_check_options o;
	replay_opts(&o);
	o.shadow.url = NULL;
	gk_report *r = check_o(&o);
	assert_string_equal(r->replay.shadow, "embedded");
	assert_int_equal(migration(r, CHANGE)->replay.status, GK_REPLAY_OK);
	assert_int_equal(at_line(r, "missing-lock-timeout", 1)->evidence.verdict, GK_EVIDENCE_CONFIRMED);
	gk_report_free(r);
}

/* ---- the template cache ----------------------------------------------------- */

static gk_report *cached_check(const char *cache_dir)
{
	gk_check_options o;
	replay_opts(&o);
	o.shadow.url = NULL;
	o.shadow.cache_dir = cache_dir;
	return check_o(&o);
}

static void add_m4_on(const char *branch_name)
{
	GIT(".", "switch", "-q", "main");
	branch(branch_name);
	put(P("20240201000000_add_users_name"), "ALTER TABLE users ADD COLUMN name text;\n");
	commit_all("change");
}

/*
 * A run keeps the migrations before its change as a template; the next run
 * whose history starts the same way clones the longest such prefix and
 * replays only what follows.  Editing a migration invalidates exactly the
 * prefixes that contain it.
 */
static void test_template_cache(void **state)
{
	fx *f = *state;
	char cache[PATH_MAX];
	snprintf(cache, sizeof cache, "%s/cache", f->root);
	/* As root the cluster runs as another user, who must reach the folder. */
	assert_int_equal(chmod(f->root, 0755), 0);
	put(MIG "/migration_lock.toml", "provider = \"postgresql\"\n");
	put(P("20240101000000_init"), "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n");
	put(P("20240102000000_add_posts"), "CREATE TABLE posts (id bigint PRIMARY KEY);\n");
	put(P("20240103000000_add_tags"), "CREATE TABLE tags (id bigint PRIMARY KEY);\n");
	commit_all("init");

	/* A branch that edits the second migration: the prefix kept is the first. */
	branch("edit-posts");
	put(P("20240102000000_add_posts"), "CREATE TABLE posts (id bigint PRIMARY KEY, title text);\n");
	commit_all("edit");
	gk_report *r = cached_check(cache);
	assert_int_equal(r->replay.migrations, 3);
	assert_int_equal(r->replay.reused, 0);
	gk_report_free(r);

	/* A branch that adds one: the first migration comes from the cache. */
	add_m4_on("add-name");
	r = cached_check(cache);
	assert_int_equal(r->replay.migrations, 4);
	assert_int_equal(r->replay.reused, 1);
	gk_report_free(r);

	/* Again: now all three before the change come from the cache. */
	r = cached_check(cache);
	assert_int_equal(r->replay.reused, 3);
	const gk_migration *m = migration(r, P("20240201000000_add_users_name"));
	assert_int_equal(m->replay.status, GK_REPLAY_OK);
	assert_true(m->replay.traced);
	assert_int_equal(at_line(r, "missing-lock-timeout", 1)->evidence.verdict, GK_EVIDENCE_CONFIRMED);
	gk_report_free(r);

	/* The base edits its third migration: the three-migration template no
	 * longer matches; the first still does. */
	GIT(".", "switch", "-q", "main");
	put(P("20240103000000_add_tags"), "CREATE TABLE tags (id bigint PRIMARY KEY, label text);\n");
	commit_all("edit tags on main");
	add_m4_on("add-name-2");
	r = cached_check(cache);
	assert_int_equal(r->replay.reused, 1);
	assert_int_equal(migration(r, P("20240201000000_add_users_name"))->replay.status, GK_REPLAY_OK);
	gk_report_free(r);
}

/* Prisma's enum recreation: remove-enum-value predicts the rewrite of its
 * ALTER COLUMN, and the trace confirms that finding rather than adding one
 * of its own; alter-column-type, covered, says nothing. */
static void test_enum_recreation_rewrite(void **state)
{
	(void)state;
	put(MIG "/migration_lock.toml", "provider = \"postgresql\"\n");
	put(P("20240101000000_init"), "CREATE TYPE \"Status\" AS ENUM ('draft', 'live', 'archived');\n"
				      "CREATE TABLE posts (id bigint PRIMARY KEY, status \"Status\" NOT NULL);\n");
	commit_all("init");
	branch("feature");
	put(P("20240201000000_drop_archived"),
	    "CREATE TYPE \"Status_new\" AS ENUM ('draft', 'live');\n"
	    "ALTER TABLE posts ALTER COLUMN status TYPE \"Status_new\" USING (status::text::\"Status_new\");\n"
	    "ALTER TYPE \"Status\" RENAME TO \"Status_old\";\n"
	    "ALTER TYPE \"Status_new\" RENAME TO \"Status\";\n"
	    "DROP TYPE \"Status_old\";\n");
	commit_all("change");
	gk_report *r = replay_check();
	const char *m = P("20240201000000_drop_archived");
	const gk_finding *f = on_line(r, "remove-enum-value", m, 2);
	if (!f)
		dump(r);
	assert_non_null(f);
	expect_in(f->message, "without its value 'archived'");
	assert_int_equal(f->evidence.verdict, GK_EVIDENCE_CONFIRMED);
	assert_true(f->evidence.observed.rewrite);
	assert_null(on_line(r, "observed-table-rewrite", m, 2));
	assert_null(on_line(r, "alter-column-type", m, 2));
	gk_report_free(r);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_observed_locks),
		T(test_lock_timeout_set),
		T(test_new_table_is_quiet),
		T(test_concurrently_in_multi_statement_prisma_file),
		T(test_unparsed_statement_is_replayed),
		T(test_error_position),
		T(test_split_failure_left_behind),
		T(test_naive_splitter_pieces),
		T(test_trace_keeps_set_transaction_first),
		T(test_trace_inherited_lock_timeout),
		T(test_rewrites_and_concurrently),
		T(test_enum_recreation_rewrite),
		T(test_environment_and_init_file),
		T(test_failure_before_the_change),
		T(test_runner_history_table),
		T(test_connection_lost),
		T(test_timeout_sleep),
		T(test_timeout_endless_loop),
		T(test_own_statement_timeout_is_a_failure),
		T(test_interrupted),
		T(test_cancelled),
		T(test_server_unreachable),
		T(test_embedded_default),
		T(test_template_cache),
	};
	return cmocka_run_group_tests_name("check replay", tests, group_start, group_stop);
}
