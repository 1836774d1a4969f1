/*
 * gate_cli_test.c - `gatekeeper gate` end to end: the built binary run
 * against a "production" database of the embedded cluster, through a role
 * that can only connect, read the catalogs and read Prisma's history
 * table, with a password the server really checks (see
 * src/target/cli_test.c for why such cases live here and not in
 * testdata/e2e).
 *
 * Covered: a pending migration that rewrites a filled table blocks the
 * deploy (exit 1) with the text, JSON (schema-valid) and JUnit (valid
 * against the XSDs, default and strict) saying so and agreeing; a safe
 * one passes (exit 0) with $DATABASE_URL and the prisma/migrations
 * default; an unreachable target is exit 3 with the reports written; no
 * target is exit 2; the password is in no output; lock_timeout: external
 * verified for --deploy-role.
 */
/* test needs: postgres */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "target/target_test_support.h"
#include "util/cli_test_support.h"
#include "history/history.h"
#include "layout/layout.h"

#define PASSWORD "G4te-Cl1-pw"
#define M "prisma/migrations/"
#define INIT_SQL "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\n"
#define REWRITE_SQL "ALTER TABLE users ADD COLUMN created_at timestamptz NOT NULL DEFAULT clock_timestamp();\n"
#define SAFE_SQL "CREATE TABLE tags (id bigint PRIMARY KEY);\n"

typedef struct fixture {
	db d;
	char *dir, *role, *url, *shadow;
} fixture;

/* A Prisma project with init applied on a filled production database, and
 * a reader role (password checked) that may read the history table. */
static fixture project(suite *s)
{
	fixture f = {.d = fresh_db(s)};
	f.dir = new_folder(s, "project");
	put(f.dir, M "migration_lock.toml", "provider = \"postgresql\"\n");
	sql(&f.d, "%s", gk_layout_history_table_sql(GK_LAYOUT_PRISMA));
	char *m = gk_asprintf("%s/prisma/migrations", f.dir);
	prisma_deploy(&f.d, m, "20240101000000_init", INIT_SQL);
	free(m);
	sql(&f.d, "INSERT INTO users SELECT i, 'u' || i FROM generate_series(1, 5000) i; ANALYZE users");
	f.url = prisma_reader_url(s, &f.d, "gate_reader", PASSWORD, &f.role);
	f.shadow = gk_strdup(super_conninfo(s->shadow));
	return f;
}

static void fixture_free(suite *s, fixture *f)
{
	drop_db(s, &f->d);
	free(f->dir);
	free(f->role);
	free(f->url);
	free(f->shadow);
}

static char *in_tmp(suite *s, const char *name) { return gk_asprintf("%s/%s", s->tmp, name); }

static void test_rewrite_blocks_all_formats(void **state)
{
	suite *s = *state;
	fixture f = project(s);
	put(f.dir, M "20240102000000_add_user_created_at/migration.sql", REWRITE_SQL);
	char *json = in_tmp(s, "g.json"), *xml = in_tmp(s, "g.xml"), *dir = gk_asprintf("%s/prisma/migrations", f.dir);
	char *sarif = in_tmp(s, "g.sarif"), *gitlab = in_tmp(s, "g.gl.json");
	const char *args[] = {"gate", "--no-config", "--pretty", "--database", f.url, "--shadow-url", f.shadow, "--no-cache",
			      "--json", json, "--junit", xml, "--sarif", sarif, "--gitlab", gitlab, dir, NULL};
	out o = run_gk(s->tmp, NULL, NULL, args);
	assert_code(&o, 1);
	assert_has(o.stdout_text, "[observed-table-rewrite]");
	assert_has(o.stdout_text, "on the target: public.users, ~5.0k rows, ");
	assert_has(o.stdout_text, "[add-column-volatile-default]");
	assert_has(o.stdout_text, "target: database ");
	assert_has(o.stdout_text, "1 migration is not yet applied: `prisma migrate deploy` applies it.");
	assert_has(o.stdout_text, "gate: 2 of 5 checks block\n");
	assert_has(o.stdout_text, "  status      ok (nothing blocking)\n");
	assert_has(o.stdout_text, "  lint        blocks (");
	assert_has(o.stdout_text, "  replay      blocks (1 blocking finding)\n");
	assert_has(o.stdout_text, "  pre-flight  ok\n");
	assert_has(o.stdout_text, "FAIL: ");
	char *j = slurp(json), *x = slurp(xml);
	assert_has(j, "\"command\": \"gate\"");
	assert_has(j, "\"exit_code\": 1");
	assert_has(j, "\"status\": \"pending\"");
	assert_has(j, "\"rule_id\": \"observed-table-rewrite\"");
	assert_has(j, "\"traced\": true");
	assert_has(j, "\"name\": \"replay\",\n      \"ran\": true,");
	assert_has(x, "replay/observed-table-rewrite");
	/* The applied init migration is summed up, not a suite of its own. */
	assert_has(x, "<testcase classname=\"gatekeeper\" name=\"status/applied\"");
	assert_null(strstr(x, "20240101000000_init/migration.sql\" file="));
	validate_json(json);
	validate_junit(xml, "junit-10-file-line.xsd");
	/* SARIF: the gate's own analysis, the replay's finding with its fingerprint; GitLab agrees. */
	char *sf = slurp(sarif), *gl = slurp(gitlab);
	assert_has(sf, "\"automationDetails\":{\"id\":\"gatekeeper/gate/\"}");
	assert_has(sf, "\"ruleId\":\"observed-table-rewrite\"");
	assert_has(sf, "\"gatekeeperFingerprint/v1\":\"");
	assert_has(sf, "\"executionSuccessful\":true,\"exitCode\":1");
	assert_has(gl, "\"check_name\":\"observed-table-rewrite\"");
	const char *texts[] = {o.stdout_text, o.stderr_text, j, x, sf, gl};
	assert_no_secret(PASSWORD, texts, 6);
	free(sf);
	free(gl);
	free(sarif);
	free(gitlab);
	free(j);
	free(x);
	out_free(&o);

	const char *a2[] = {"gate", "--no-config", "--pretty", "--database", f.url, "--shadow-url", f.shadow, "--no-cache",
			    "--format", "junit", "--junit-profile", "strict", dir, NULL};
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

/* $DATABASE_URL and prisma/migrations by default; a safe migration passes. */
static void test_safe_passes(void **state)
{
	suite *s = *state;
	fixture f = project(s);
	put(f.dir, M "20240102000000_add_tags/migration.sql", SAFE_SQL);
	char *env_url = gk_asprintf("DATABASE_URL=%s", f.url), *env_shadow = gk_asprintf("SHADOW_DATABASE_URL=%s", f.shadow);
	const char *env[] = {env_url, env_shadow, NULL};
	const char *args[] = {"gate", "--no-config", "--pretty", "--no-cache", "--format", "json", NULL};
	out o = run_gk(s->tmp, f.dir, env, args);
	assert_code(&o, 0);
	assert_has(o.stdout_text, "\"verdict\": \"pass\"");
	assert_has(o.stdout_text, "\"rule_id\": \"migration-pending\"");
	const char *texts[] = {o.stdout_text, o.stderr_text};
	assert_no_secret(PASSWORD, texts, 2);
	out_free(&o);
	free(env_url);
	free(env_shadow);
	fixture_free(s, &f);
}

static void test_unreachable_and_usage(void **state)
{
	suite *s = *state;
	fixture f = project(s);
	char *json = in_tmp(s, "u.json"), *dir = gk_asprintf("%s/prisma/migrations", f.dir);
	const char *args[] = {"gate", "--no-config", "--pretty", "--database", "postgresql://app:" PASSWORD "@127.0.0.1:1/app",
			      "--json", json, dir, NULL};
	out o = run_gk(s->tmp, NULL, NULL, args);
	assert_code(&o, 3);
	char *j = slurp(json);
	assert_has(j, "\"kind\": \"db_connect\"");
	assert_has(j, "\"exit_code\": 3");
	assert_has(j, "127.0.0.1");
	const char *texts[] = {o.stdout_text, o.stderr_text, j};
	assert_no_secret(PASSWORD, texts, 3);
	free(j);
	out_free(&o);

	const char *none[] = {"gate", "--no-config", "--pretty", dir, NULL};
	o = run_gk(s->tmp, NULL, NULL, none);
	assert_code(&o, 2);
	assert_has(o.stderr_text, "DATABASE_URL");
	out_free(&o);
	free(json);
	free(dir);
	fixture_free(s, &f);
}

/* lock_timeout: external from gatekeeper.yml, verified for --deploy-role
 * (or the file's deploy_role:): a role without a lock_timeout blocks (exit
 * 1), one with a short one passes with a note; an empty role name is a
 * usage error. */
static void test_deploy_role(void **state)
{
	suite *s = *state;
	fixture f = project(s);
	put(f.dir, M "20240102000000_add_tags/migration.sql", SAFE_SQL);
	put(f.dir, "gatekeeper.yml", "lock_timeout: external\n");
	char *deployer = unique(s, "deployer"), *conf = gk_asprintf("%s/gatekeeper.yml", f.dir);
	sql(&f.d, "CREATE ROLE %s LOGIN", deployer);
	const char *args[] = {"gate", "--config", conf, "--database", f.url, "--shadow-url", f.shadow, "--no-cache",
			      "--deploy-role", deployer, NULL};
	out o = run_gk(s->tmp, f.dir, NULL, args);
	assert_code(&o, 1);
	assert_has(o.stdout_text, "[external-lock-timeout-missing]");
	assert_has(o.stdout_text, "gets no lock_timeout from the target");
	assert_has(o.stdout_text, "  pre-flight  blocks (1 blocking finding)\n");
	out_free(&o);

	sql(&f.d, "ALTER ROLE %s SET lock_timeout = '2s'", deployer);
	o = run_gk(s->tmp, f.dir, NULL, args);
	assert_code(&o, 0);
	assert_has(o.stdout_text, "lock_timeout: external verified: the deploying role ");
	out_free(&o);

	/* The same role named by the configuration's deploy_role: instead. */
	char *yml = gk_asprintf("lock_timeout: external\ndeploy_role: %s\n", deployer);
	put(f.dir, "gatekeeper.yml", yml);
	const char *by_config[] = {"gate", "--config", conf, "--database", f.url, "--shadow-url", f.shadow, "--no-cache", NULL};
	o = run_gk(s->tmp, f.dir, NULL, by_config);
	assert_code(&o, 0);
	assert_has(o.stdout_text, "lock_timeout: external verified: the deploying role ");
	assert_has(o.stdout_text, "(deploy_role in the configuration)");
	out_free(&o);
	free(yml);

	const char *empty[] = {"gate", "--config", conf, "--database", f.url, "--deploy-role", "", NULL};
	o = run_gk(s->tmp, f.dir, NULL, empty);
	assert_code(&o, 2);
	assert_has(o.stderr_text, "--deploy-role needs a role name");
	out_free(&o);
	sql(&f.d, "DROP ROLE %s", deployer);
	free(deployer);
	free(conf);
	fixture_free(s, &f);
}

/* Every command that takes a URL reads it the same way: snapshot takes a
 * Prisma URL (its ?schema= naming the schema read) and a quoted one;
 * drift, gate, snapshot and check (--shadow-url) refuse a JDBC URL they
 * cannot convert and a foreign scheme with exit 2, password in no output. */
static void test_url_forms_per_command(void **state)
{
	suite *s = *state;
	fixture f = project(s);
	char *dir = gk_asprintf("%s/prisma/migrations", f.dir), *snap = in_tmp(s, "url-snapshot.json");
	char *prisma = gk_asprintf("\"%s&connection_limit=5&pgbouncer=true&pool_timeout=10\"\n", f.url);
	const char *ok[] = {"snapshot", "--database", prisma, "-o", snap, NULL};
	out o = run_gk(s->tmp, NULL, NULL, ok);
	assert_code(&o, 0);
	assert_has(o.stderr_text, "note: the database URL was wrapped in quotes and ended with a newline");
	char *j = slurp(snap);
	assert_has(j, "\"schemas\": [\"public\"]");
	assert_has(j, "\"public.users\"");
	const char *t1[] = {o.stdout_text, o.stderr_text, j};
	assert_no_secret(PASSWORD, t1, 3);
	free(j);
	out_free(&o);
	const char *jdbc = "jdbc:postgresql://db:5432/app?user=app&password=" PASSWORD "&currentSchema=app";
	const char *mysql = "mysql://app:" PASSWORD "@db/app";
	const char *const cmds[][12] = {
		{"snapshot", "--database", jdbc, NULL},
		{"drift", "--no-config", "--pretty", "--database", jdbc, "--shadow-url", f.shadow, dir, NULL},
		{"gate", "--no-config", "--pretty", "--database", jdbc, "--shadow-url", f.shadow, dir, NULL},
		{"drift", "--no-config", "--pretty", "--database", f.url, "--shadow-url", mysql, dir, NULL},
		{"gate", "--no-config", "--pretty", "--database", f.url, "--shadow-url", mysql, dir, NULL},
		{"check", "--no-config", "--pretty", "--worktree", "--shadow-url", mysql, dir, NULL},
	};
	const char *said[] = {"its parameter currentSchema has no libpq equivalent",
			      "its parameter currentSchema has no libpq equivalent",
			      "its parameter currentSchema has no libpq equivalent",
			      "the shadow database URL is a mysql:// URL", "the shadow database URL is a mysql:// URL",
			      "the shadow database URL is a mysql:// URL"};
	for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
		o = run_gk(s->tmp, f.dir, NULL, cmds[i]);
		if (o.code != 2 || !strstr(o.stderr_text, said[i]))
			fail_msg("%s: exit %d, stderr: %s", cmds[i][0], o.code, o.stderr_text);
		const char *t[] = {o.stdout_text, o.stderr_text};
		assert_no_secret(PASSWORD, t, 2);
		out_free(&o);
	}
	free(prisma);
	free(snap);
	free(dir);
	fixture_free(s, &f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rewrite_blocks_all_formats),
		cmocka_unit_test(test_safe_passes),
		cmocka_unit_test(test_unreachable_and_usage),
		cmocka_unit_test(test_url_forms_per_command),
		cmocka_unit_test(test_deploy_role),
	};
	return cmocka_run_group_tests_name("gate cli", tests, group_start, group_stop);
}
