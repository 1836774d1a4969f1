/*
 * cli_test.c - `gatekeeper status` end to end: the built binary (found
 * next to this test in the build folder) run against databases of the
 * embedded cluster, with a role whose password the server really checks.
 *
 * Why here and not under testdata/e2e: an e2e case's check.sh would have
 * to start a server of its own (initdb, pg_ctl, a port, cleanup on every
 * exit path), while this program already has one cluster for all its
 * cases, run in `make check` and under the sanitizers like any unit test.
 *
 * Covered: the text, JSON (valid against schemas/report/v1.json when
 * python3 has jsonschema) and JUnit (valid against the XSDs when xmllint
 * is there) of a history with an applied, a failed and a pending
 * migration; exit codes 1 (failed), 0 (pending only), 3 (unreachable, or
 * a deploy running) with the artefacts still written, 2 (usage, no URL,
 * an unreadable history table); $DATABASE_URL and the prisma/migrations
 * default; the password in no output at all.
 */
/* test needs: postgres */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <unistd.h>

#include "target/target_test_support.h"
#include "util/cli_test_support.h"
#include "history/history.h"
#include "layout/layout.h"

#define PASSWORD "Cl1-S3cret-pw"
#define INIT_SQL "CREATE TABLE users (id bigint PRIMARY KEY);\n"

/* ---- fixtures ---------------------------------------------------------- */

typedef struct fixture {
	db d;
	char *dir, *role, *url;
} fixture;

static void prisma_row(const db *d, const char *name, const char *script, bool finished, const char *logs)
{
	char sum[65];
	gk_sha256_hex(sum, script, strlen(script));
	sql(d,
	    "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, started_at, "
	    "applied_steps_count) VALUES (gen_random_uuid()::text, '%s', %s, '%s', %s, "
	    "'2024-01-01 00:00:00+00'::timestamptz + (SELECT count(*) + 1 FROM _prisma_migrations) * interval '1 minute', "
	    "%d)",
	    sum, finished ? "now()" : "NULL", name, logs ? logs : "NULL", finished);
}

/* A Prisma project at <dir>/prisma/migrations with init applied, and a
 * reader role (password checked) that may read the history table. */
static fixture project(suite *s)
{
	fixture f = {.d = fresh_db(s)};
	f.dir = new_folder(s, "project");
	put(f.dir, "prisma/migrations/migration_lock.toml", "provider = \"postgresql\"\n");
	put(f.dir, "prisma/migrations/20240101000000_init/migration.sql", INIT_SQL);
	sql(&f.d, "%s", gk_layout_history_table_sql(GK_LAYOUT_PRISMA));
	prisma_row(&f.d, "20240101000000_init", INIT_SQL, true, NULL);
	f.url = prisma_reader_url(s, &f.d, "cli_reader", PASSWORD, &f.role);
	return f;
}

static void fixture_free(suite *s, fixture *f)
{
	drop_db(s, &f->d);
	free(f->dir);
	free(f->role);
	free(f->url);
}

static char *in_tmp(suite *s, const char *name) { return gk_asprintf("%s/%s", s->tmp, name); }

/* ---- cases ------------------------------------------------------------- */

static void test_failed_pending_all_formats(void **state)
{
	suite *s = *state;
	fixture f = project(s);
	put(f.dir, "prisma/migrations/20240102000000_add_email_key/migration.sql",
	    "CREATE UNIQUE INDEX users_email_key ON users (email);\n");
	put(f.dir, "prisma/migrations/20240103000000_add_posts/migration.sql", "CREATE TABLE posts (id int);\n");
	prisma_row(&f.d, "20240102000000_add_email_key", "x", false,
		   "'Database error code: 23505\nERROR: could not create unique index \"users_email_key\"'");
	char *json = in_tmp(s, "r.json"), *xml = in_tmp(s, "r.xml"), *dir = gk_asprintf("%s/prisma/migrations", f.dir);
	const char *args[] = {"status", "--no-config", "--pretty", "--database", f.url, "--json", json, "--junit", xml, dir, NULL};
	out o = run_gk(s->tmp, NULL, NULL, args);
	assert_code(&o, 1);
	assert_has(o.stdout_text, "error: 20240102000000_add_email_key failed on the target: started at "
				  "2024-01-01T00:02:00Z and never finished; its log: ERROR: could not create unique index");
	assert_has(o.stdout_text, "[migration-failed]");
	assert_has(o.stdout_text, "target: database ");
	assert_has(o.stdout_text, "prisma history: public._prisma_migrations");
	assert_has(o.stdout_text, "3 migrations found in the folder, 1 applied (the last: ");
	assert_has(o.stdout_text, "  failed      2024-01-01T00:02:00Z");
	assert_has(o.stdout_text, "log: ERROR: could not create unique index \"users_email_key\"\n");
	assert_has(o.stdout_text, "prisma migrate resolve --rolled-back '20240102000000_add_email_key'");
	assert_has(o.stdout_text, "1 migration failed: resolve it by hand");
	assert_has(o.stdout_text, "1 migration is not yet applied: `prisma migrate deploy` applies it.");
	assert_has(o.stdout_text, "FAIL: 3 files, 2 findings (1 error, 0 warning, 1 info), 1 blocking");
	char *j = slurp(json), *x = slurp(xml);
	assert_has(j, "\"command\": \"status\"");
	assert_has(j, "\"tool\": \"prisma\"");
	assert_has(j, "\"history_table\": \"public._prisma_migrations\"");
	assert_has(j, "\"status\": \"failed\"");
	assert_has(j, "\"status\": \"pending\"");
	assert_has(j, "\"rule_id\": \"migration-pending\"");
	assert_has(j, "\"exit_code\": 1");
	assert_has(x, "type=\"status/migration-failed\"");
	assert_has(x, "<property name=\"applied.status\" value=\"pending\"/>");
	assert_has(x, "name=\"status\"");
	assert_has(x, "log of the failed migration:");
	/* The applied, unchanged migration is no suite of its own: one case sums it up. */
	assert_has(x, "<testcase classname=\"gatekeeper\" name=\"status/applied\"");
	assert_has(x, "status/applied: 1 applied migration matches its file: ");
	assert_null(strstr(x, "20240101000000_init/migration.sql\" file="));
	assert_has(x, "20240102000000_add_email_key/migration.sql\" file=");
	validate_json(json);
	validate_junit(xml, "junit-10-file-line.xsd");
	const char *texts[] = {o.stdout_text, o.stderr_text, j, x};
	assert_no_secret(PASSWORD, texts, 4);
	free(j);
	free(x);
	out_free(&o);

	/* The same run with JSON and strict JUnit on standard output. */
	const char *a2[] = {"status", "--no-config", "--pretty", "--database", f.url, "--format", "junit", "--junit-profile",
			    "strict", dir, NULL};
	o = run_gk(s->tmp, NULL, NULL, a2);
	assert_code(&o, 1);
	FILE *fx = fopen(xml, "w");
	fputs(o.stdout_text, fx);
	fclose(fx);
	validate_junit(xml, "junit-10.xsd");
	validate_junit(xml, "windyroad-JUnit.xsd");
	const char *t2[] = {o.stdout_text, o.stderr_text};
	assert_no_secret(PASSWORD, t2, 2);
	out_free(&o);
	free(json);
	free(xml);
	free(dir);
	fixture_free(s, &f);
}

/* $DATABASE_URL and the prisma/migrations default; pending alone passes. */
static void test_env_url_default_folder(void **state)
{
	suite *s = *state;
	fixture f = project(s);
	put(f.dir, "prisma/migrations/20240102000000_add_posts/migration.sql", "CREATE TABLE posts (id int);\n");
	char *env_url = gk_asprintf("DATABASE_URL=%s", f.url);
	const char *env[] = {env_url, NULL};
	const char *args[] = {"status", "--no-config", "--pretty", NULL};
	out o = run_gk(s->tmp, f.dir, env, args);
	assert_code(&o, 0);
	assert_has(o.stdout_text, "prisma/migrations/20240102000000_add_posts/migration.sql");
	assert_has(o.stdout_text, "not yet applied");
	assert_has(o.stdout_text, "PASS:");
	out_free(&o);
	sql(&f.d, "DELETE FROM _prisma_migrations");
	prisma_row(&f.d, "20240101000000_init", INIT_SQL, true, NULL);
	prisma_row(&f.d, "20240102000000_add_posts", "CREATE TABLE posts (id int);\n", true, NULL);
	o = run_gk(s->tmp, f.dir, env, args);
	assert_code(&o, 0);
	assert_has(o.stdout_text, "Database schema is up to date.");
	out_free(&o);
	free(env_url);
	fixture_free(s, &f);
}

/* Unreachable: exit 3, the reports hold a db_connect error naming the host. */
static void test_unreachable(void **state)
{
	suite *s = *state;
	char *dir = new_folder(s, "unreachable");
	put(dir, "migration_lock.toml", "provider = \"postgresql\"\n");
	put(dir, "20240101000000_init/migration.sql", INIT_SQL);
	char *json = in_tmp(s, "u.json"), *xml = in_tmp(s, "u.xml");
	const char *args[] = {"status", "--no-config", "--pretty", "--database", "postgresql://app:Unre4chable-Pw@127.0.0.1:1/db",
			      "--json", json, "--junit", xml, dir, NULL};
	out o = run_gk(s->tmp, NULL, NULL, args);
	assert_code(&o, 3);
	assert_has(o.stderr_text, "cannot connect to the target database on host 127.0.0.1 port 1:");
	char *j = slurp(json), *x = slurp(xml);
	assert_has(j, "\"kind\": \"db_connect\"");
	assert_has(j, "\"exit_code\": 3");
	assert_has(j, "127.0.0.1");
	assert_has(x, "<error type=\"db_connect\"");
	validate_json(json);
	const char *texts[] = {o.stdout_text, o.stderr_text, j, x};
	assert_no_secret("Unre4chable-Pw", texts, 4);
	free(j);
	free(x);
	out_free(&o);
	free(json);
	free(xml);
	free(dir);
}

/*
 * A wrong password, or a database that does not exist, is the URL's fault,
 * which a retry cannot fix: exit 2 (not the retryable 3), the server's
 * reason on stderr and as a `config` error in the report, never the
 * password.  The same for status, drift and snapshot (each connects its
 * own way).
 */
static void expect_refused(suite *s, const char *cmd, const char *url, const char *dir, const char *reason)
{
	char *json = in_tmp(s, "w.json"), *snap = in_tmp(s, "w.snap");
	unlink(json);
	const char *report[] = {cmd, "--no-config", "--pretty", "--database", url, "--json", json, dir, NULL};
	const char *snapshot[] = {cmd, "--database", url, "-o", snap, NULL};
	out o = run_gk(s->tmp, NULL, NULL, strcmp(cmd, "snapshot") == 0 ? snapshot : report);
	if (o.code != 2)
		fail_msg("%s with %s: exit %d, expected 2; stderr: %s", cmd, reason, o.code, o.stderr_text);
	assert_has(o.stderr_text, reason);
	char *j = slurp(json);
	if (strcmp(cmd, "snapshot") != 0) {
		assert_has(j, "\"kind\": \"config\"");
		const char *tail = strrchr(reason, '"'); /* JSON escapes the quotes */
		assert_has(j, tail ? tail + 1 : reason);
	}
	const char *texts[] = {o.stdout_text, o.stderr_text, j};
	assert_no_secret("Wr0ng-Pw-Value", texts, 3);
	free(j);
	out_free(&o);
	free(json);
	free(snap);
}

static void test_wrong_password_or_database(void **state)
{
	suite *s = *state;
	fixture f = project(s);
	char *bad = url_for(&f.d, f.role, "Wr0ng-Pw-Value", NULL), *dir = gk_asprintf("%s/prisma/migrations", f.dir);
	char *nodb = gk_asprintf("postgresql://%s:%s@/gk_no_such_database?host=%s&port=%s", f.role, PASSWORD, f.d.host,
				 f.d.port);
	static const char *const cmds[] = {"status", "drift", "snapshot"};
	for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
		expect_refused(s, cmds[i], bad, dir, "password authentication failed");
		expect_refused(s, cmds[i], nodb, dir, "database \"gk_no_such_database\" does not exist");
	}
	free(nodb);
	free(bad);
	free(dir);
	fixture_free(s, &f);
}

/* Usage and setup errors exit 2, with the artefacts still written. */
static void test_usage_errors(void **state)
{
	suite *s = *state;
	fixture f = project(s);
	char *dir = gk_asprintf("%s/prisma/migrations", f.dir), *json = in_tmp(s, "e.json");
	const char *no_url[] = {"status", "--no-config", "--pretty", "--json", json, dir, NULL};
	out o = run_gk(s->tmp, NULL, NULL, no_url);
	assert_code(&o, 2);
	assert_has(o.stderr_text, "no database: give --database URL or set DATABASE_URL");
	char *j = slurp(json);
	assert_has(j, "\"kind\": \"config\"");
	free(j);
	out_free(&o);
	const char *plain[] = {"status", "--no-config", "--pretty", "--layout", "plain", "--database", f.url, dir, NULL};
	o = run_gk(s->tmp, NULL, NULL, plain);
	assert_code(&o, 2);
	out_free(&o);
	const char *not_dir[] = {"status", "--no-config", "--pretty", "--database", f.url, "/nonexistent/migrations", NULL};
	o = run_gk(s->tmp, NULL, NULL, not_dir);
	assert_code(&o, 2);
	assert_has(o.stderr_text, "/nonexistent/migrations is not a folder");
	out_free(&o);
	const char *no_dir[] = {"status", "--no-config", "--pretty", "--database", f.url, NULL};
	o = run_gk(s->tmp, s->tmp, NULL, no_dir);
	assert_code(&o, 2);
	assert_has(o.stderr_text, "no migrations folder");
	out_free(&o);
	/* The role may not read the history table: exit 2 and the GRANT to give. */
	sql(&f.d, "REVOKE SELECT ON _prisma_migrations FROM %s", f.role);
	const char *denied[] = {"status", "--no-config", "--pretty", "--database", f.url, dir, NULL};
	o = run_gk(s->tmp, NULL, NULL, denied);
	assert_code(&o, 2);
	assert_has(o.stderr_text, "GRANT SELECT ON public._prisma_migrations TO");
	const char *texts[] = {o.stdout_text, o.stderr_text};
	assert_no_secret(PASSWORD, texts, 2);
	out_free(&o);
	free(json);
	free(dir);
	fixture_free(s, &f);
}

/* A deploy holds Prisma's lock: exit 3, retry later. */
static void test_deploy_running(void **state)
{
	suite *s = *state;
	fixture f = project(s);
	put(f.dir, "prisma/migrations/20240102000000_add_posts/migration.sql", "CREATE TABLE posts (id int);\n");
	prisma_row(&f.d, "20240102000000_add_posts", "CREATE TABLE posts (id int);\n", false, NULL);
	PGconn *deploy = connect_as_super(&f.d);
	exec_on(deploy, "SELECT pg_advisory_lock(72707369)");
	char *dir = gk_asprintf("%s/prisma/migrations", f.dir);
	const char *args[] = {"status", "--no-config", "--pretty", "--database", f.url, "--format", "json", dir, NULL};
	out o = run_gk(s->tmp, NULL, NULL, args);
	assert_code(&o, 3);
	assert_has(o.stdout_text, "\"status\": \"running\"");
	assert_has(o.stdout_text, "\"rule_id\": \"deploy-in-progress\"");
	assert_has(o.stdout_text, "\"kind\": \"timeout\"");
	out_free(&o);
	/* The lock alone (Prisma has not written its row yet): never "up to date". */
	sql(&f.d, "DELETE FROM _prisma_migrations WHERE finished_at IS NULL");
	char *file = gk_asprintf("%s/20240102000000_add_posts/migration.sql", dir);
	assert_int_equal(unlink(file), 0);
	*strrchr(file, '/') = '\0';
	assert_int_equal(rmdir(file), 0);
	free(file);
	const char *text[] = {"status", "--no-config", "--pretty", "--database", f.url, dir, NULL};
	o = run_gk(s->tmp, NULL, NULL, text);
	assert_code(&o, 3);
	assert_has(o.stdout_text, "A deploy is applying migrations right now");
	if (strstr(o.stdout_text, "up to date"))
		fail_msg("%s", o.stdout_text);
	out_free(&o);
	PQfinish(deploy);
	free(dir);
	fixture_free(s, &f);
}

/* The URL forms people paste, per command: read with a note (quotes and a
 * newline from a secret store, SQLAlchemy's scheme), converted (JDBC),
 * or refused with exit 2 and a message saying how to write it; the
 * password in no output. */
static void test_url_forms(void **state)
{
	suite *s = *state;
	fixture f = project(s);
	char *dir = gk_asprintf("%s/prisma/migrations", f.dir), *json = in_tmp(s, "url.json");
	/* Quoted, with the newline a secret file ends with. */
	char *quoted = gk_asprintf("'%s'\n", f.url);
	const char *q_args[] = {"status", "--no-config", "--pretty", "--database", quoted, "--json", json, dir, NULL};
	out o = run_gk(s->tmp, NULL, NULL, q_args);
	assert_code(&o, 0);
	assert_has(o.stdout_text, "note: the target database URL was wrapped in quotes and ended with a newline");
	char *j = slurp(json);
	assert_has(j, "wrapped in quotes");
	validate_json(json);
	const char *t1[] = {o.stdout_text, o.stderr_text, j};
	assert_no_secret(PASSWORD, t1, 3);
	free(j);
	out_free(&o);
	/* SQLAlchemy's postgresql+asyncpg:// */
	char *alchemy = gk_asprintf("postgresql+asyncpg%s", f.url + strlen("postgresql"));
	const char *a_args[] = {"status", "--no-config", "--pretty", "--database", alchemy, dir, NULL};
	o = run_gk(s->tmp, NULL, NULL, a_args);
	assert_code(&o, 0);
	assert_has(o.stdout_text, "SQLAlchemy's scheme postgresql+asyncpg://; it was read as postgresql://");
	const char *t2[] = {o.stdout_text, o.stderr_text};
	assert_no_secret(PASSWORD, t2, 2);
	out_free(&o);
	/* JDBC: converted (user and password are query parameters libpq takes
	 * too), so the server is tried: exit 3 on a closed port, not 2. */
	const char *jdbc = "jdbc:postgresql://127.0.0.1:1/app?user=app&password=" PASSWORD;
	const char *j_args[] = {"status", "--no-config", "--pretty", "--database", jdbc, dir, NULL};
	o = run_gk(s->tmp, NULL, NULL, j_args);
	assert_code(&o, 3);
	assert_has(o.stderr_text, "cannot connect to the target database on host 127.0.0.1 port 1");
	const char *t3[] = {o.stdout_text, o.stderr_text};
	assert_no_secret(PASSWORD, t3, 2);
	out_free(&o);
	/* Refused: a JDBC parameter libpq lacks, another scheme, an open quote. */
	const char *refused[] = {"jdbc:postgresql://db:5432/app?user=app&password=" PASSWORD "&ssl=true",
				 "mysql://app:" PASSWORD "@db/app", "\"postgresql://app:" PASSWORD "@db/app"};
	const char *said[] = {"its parameter ssl has no libpq equivalent", "is a mysql:// URL, not a PostgreSQL one",
			      "starts with a quote (\") that does not close"};
	for (size_t i = 0; i < 3; i++) {
		const char *r_args[] = {"status", "--no-config", "--pretty", "--database", refused[i], "--json", json, dir, NULL};
		o = run_gk(s->tmp, NULL, NULL, r_args);
		assert_code(&o, 2);
		assert_has(o.stderr_text, said[i]);
		j = slurp(json);
		assert_has(j, "\"kind\": \"config\"");
		const char *t4[] = {o.stdout_text, o.stderr_text, j};
		assert_no_secret(PASSWORD, t4, 3);
		free(j);
		out_free(&o);
	}
	free(alchemy);
	free(quoted);
	free(json);
	free(dir);
	fixture_free(s, &f);
}

/* No history table, while the folder has migrations: a warning naming the
 * database (no password) that it may be the wrong one. */
static void test_missing_history_warns(void **state)
{
	suite *s = *state;
	fixture f = project(s);
	sql(&f.d, "DROP TABLE _prisma_migrations");
	char *dir = gk_asprintf("%s/prisma/migrations", f.dir);
	const char *args[] = {"status", "--no-config", "--pretty", "--database", f.url, dir, NULL};
	out o = run_gk(s->tmp, NULL, NULL, args);
	assert_code(&o, 0);
	assert_has(o.stdout_text, "warning");
	assert_has(o.stdout_text, "history-table-missing");
	char *where = gk_asprintf("database %s on host %s port %s has no history table public._prisma_migrations, but "
				  "the folder has 1 migration", f.d.name, f.d.host, f.d.port);
	assert_has(o.stdout_text, where);
	assert_has(o.stdout_text, "not the database the folder is deployed to");
	const char *t[] = {o.stdout_text, o.stderr_text};
	assert_no_secret(PASSWORD, t, 2);
	out_free(&o);
	free(where);
	free(dir);
	fixture_free(s, &f);
}

/* The README's table of grants, row by row: without USAGE on the history
 * table's schema exit 2 naming the GRANT (SELECT: test_usage_errors),
 * without CONNECT exit 3 with the server's reason. */
static void test_grants_as_documented(void **state)
{
	suite *s = *state;
	fixture f = project(s);
	char *dir = gk_asprintf("%s/prisma/migrations", f.dir);
	const char *args[] = {"status", "--no-config", "--pretty", "--database", f.url, dir, NULL};
	sql(&f.d, "REVOKE USAGE ON SCHEMA public FROM PUBLIC");
	out o = run_gk(s->tmp, NULL, NULL, args);
	assert_code(&o, 2);
	assert_has(o.stderr_text, "GRANT USAGE ON SCHEMA public TO");
	out_free(&o);
	sql(&f.d, "GRANT USAGE ON SCHEMA public TO PUBLIC; REVOKE CONNECT ON DATABASE %s FROM PUBLIC, %s", f.d.name,
	    f.role);
	o = run_gk(s->tmp, NULL, NULL, args);
	assert_code(&o, 3);
	assert_has(o.stderr_text, "permission denied for database");
	const char *t[] = {o.stdout_text, o.stderr_text};
	assert_no_secret(PASSWORD, t, 2);
	out_free(&o);
	sql(&f.d, "GRANT CONNECT ON DATABASE %s TO PUBLIC", f.d.name);
	free(dir);
	fixture_free(s, &f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failed_pending_all_formats),
		cmocka_unit_test(test_env_url_default_folder),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_wrong_password_or_database),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_deploy_running),
		cmocka_unit_test(test_url_forms),
		cmocka_unit_test(test_missing_history_warns),
		cmocka_unit_test(test_grants_as_documented),
	};
	return cmocka_run_group_tests_name("target cli", tests, group_start, group_stop);
}
