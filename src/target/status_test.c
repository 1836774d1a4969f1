/*
 * status_test.c - `status` from src/target against real history tables on
 * the embedded server (one cluster for the program, a database per test):
 * every verdict of every tool (applied, pending, failed with its logs,
 * rolled back, edited after apply with Prisma's CRLF tolerance, missing
 * locally, diverged), the findings "migration-failed",
 * "migration-edited-after-apply", "migration-missing-locally" and
 * "migration-pending", and the safety of the target: a role that can
 * only connect and read works, its session is read-only with short
 * timeouts, a missing privilege or a misplaced table is named, not taken
 * for "nothing applied", and no message holds the password.
 */
/* test needs: postgres */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "target/target_test_support.h"
#include "target/target_internal.h"
#include "history/history.h"
#include "layout/layout.h"

/* ---- helpers ---------------------------------------------------------- */

#define INIT_SQL "CREATE TABLE users (id bigint PRIMARY KEY);\n"
#define POSTS_SQL "CREATE TABLE posts (id bigint PRIMARY KEY);\n"
#define TAGS_SQL "CREATE TABLE tags (id bigint PRIMARY KEY);\n"

static char *prisma_folder(suite *s)
{
	char *dir = new_folder(s, "prisma");
	put(dir, "migration_lock.toml", "provider = \"postgresql\"\n");
	return dir;
}

static void prisma_mig(const char *dir, const char *name, const char *text)
{
	char *rel = gk_asprintf("%s/migration.sql", name);
	put(dir, rel, text);
	free(rel);
}

static void history_table(const db *d, enum gk_layout_kind kind) { sql(d, "%s", gk_layout_history_table_sql(kind)); }

/* One _prisma_migrations row as `migrate deploy` writes it: applied, failed
 * (no finished_at, with logs) or rolled back. */
enum row_kind { APPLIED, FAILED, ROLLED_BACK };

static void prisma_row(const db *d, const char *name, const char *script, enum row_kind k, const char *logs)
{
	char sum[65];
	gk_sha256_hex(sum, script, strlen(script));
	/* started_at: one minute per row already there, so rows keep their order. */
	sql(d,
	    "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, rolled_back_at, "
	    "started_at, applied_steps_count) VALUES (gen_random_uuid()::text, '%s', %s, '%s', %s, %s, "
	    "'2024-01-01 00:00:00+00'::timestamptz + (SELECT count(*) + 1 FROM _prisma_migrations) * interval '1 minute', "
	    "%d)",
	    sum, k == APPLIED ? "now()" : "NULL", name,
	    logs ? "'ERROR: duplicate key value violates unique constraint \"users_email_key\"\n"
		   "DETAIL: Key (email)=(a@b) already exists.'"
		 : "NULL",
	    k == ROLLED_BACK ? "now()" : "NULL", k == APPLIED);
}

static gk_target_state *status_of(const char *url, const char *dir, enum gk_layout_kind kind)
{
	gk_target *t = target_or_fail(url);
	gk_target_state *st = NULL;
	gk_error err = {0, ""};
	const char *dirs[] = {dir};
	if (gk_target_status(&st, t, dirs, 1, kind, NULL, &err) != 0)
		fail_msg("gk_target_status: %s", err.msg);
	gk_target_close(t);
	return st;
}

static const gk_target_migration *find(const gk_target_state *st, const char *key)
{
	for (size_t i = 0; i < st->n_migrations; i++)
		if (strcmp(st->migrations[i].key, key) == 0)
			return &st->migrations[i];
	fail_msg("no migration %s", key);
	return NULL;
}

static void assert_state(const gk_target_state *st, const char *key, enum gk_applied_status want)
{
	const gk_target_migration *m = find(st, key);
	if (m->status != want)
		fail_msg("%s: %s, want %s (%s)", key, gk_applied_status_name(m->status), gk_applied_status_name(want),
			 m->note ? m->note : "");
}

/* The statuses in order, "applied,pending,...", to check the order too. */
static void assert_order(const gk_target_state *st, const char *want)
{
	gk_buf b = GK_BUF_INIT;
	for (size_t i = 0; i < st->n_migrations; i++)
		gk_buf_printf(&b, "%s%s=%s", i ? "," : "", st->migrations[i].key,
			      gk_applied_status_name(st->migrations[i].status));
	if (strcmp(b.data ? b.data : "", want) != 0)
		fail_msg("order: %s\n  want: %s", b.data ? b.data : "", want);
	gk_buf_free(&b);
}

/* The report of a status: findings by rule, the exit code. */
static gk_report *report_of(const gk_target_state *st)
{
	gk_report *r = gk_report_new("status");
	gk_lint_options o;
	gk_lint_options_init(&o);
	assert_int_equal(gk_target_status_report(r, &o, st, "database x on host h port 5432", 150000), 0);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	return r;
}

static const gk_finding *finding(const gk_report *r, const char *rule, const char *path_part)
{
	for (size_t i = 0; i < r->n_findings; i++)
		if (strcmp(r->findings[i].rule_id, rule) == 0 &&
		    (!path_part || (r->findings[i].path && strstr(r->findings[i].path, path_part))))
			return &r->findings[i];
	fail_msg("no %s finding about %s", rule, path_part ? path_part : "anything");
	return NULL;
}

static size_t count(const gk_report *r, const char *rule)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_findings; i++)
		n += strcmp(r->findings[i].rule_id, rule) == 0;
	return n;
}

/* ---- Prisma ----------------------------------------------------------- */

static void test_prisma_applied_pending(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	char *dir = prisma_folder(s);
	prisma_mig(dir, "20240101000000_init", INIT_SQL);
	prisma_mig(dir, "20240102000000_add_posts", POSTS_SQL);
	prisma_mig(dir, "20240103000000_add_tags", TAGS_SQL);
	history_table(&d, GK_LAYOUT_PRISMA);
	prisma_row(&d, "20240101000000_init", INIT_SQL, APPLIED, NULL);
	prisma_row(&d, "20240102000000_add_posts", POSTS_SQL, APPLIED, NULL);
	gk_target_state *st = status_of(d.conninfo, dir, GK_LAYOUT_AUTO);
	assert_int_equal(st->kind, GK_LAYOUT_PRISMA);
	assert_true(st->table_exists);
	assert_string_equal(st->table, "public._prisma_migrations");
	assert_order(st, "20240101000000_init=applied,20240102000000_add_posts=applied,20240103000000_add_tags=pending");
	assert_int_equal(st->count[GK_APPLIED_APPLIED], 2);
	assert_int_equal(st->n_local, 3);
	assert_false(st->diverged);
	assert_non_null(strstr(find(st, "20240101000000_init")->path, "20240101000000_init/migration.sql"));
	assert_non_null(find(st, "20240101000000_init")->at);
	gk_report *r = report_of(st);
	assert_int_equal(count(r, "migration-pending"), 1);
	assert_int_equal(r->n_findings, 1);
	assert_int_equal(r->exit_code, GK_EXIT_PASS); /* pending is information */
	assert_int_equal(r->migrations[2].applied.status, GK_APPLIED_PENDING);
	assert_false(r->migrations[0].linted);
	assert_string_equal(r->target.tool, "prisma");
	gk_report_free(r);
	gk_target_status_free(st);
	free(dir);
	drop_db(s, &d);
}

/* No _prisma_migrations at all: a database nothing was deployed to. */
static void test_prisma_no_history_table(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	char *dir = prisma_folder(s);
	prisma_mig(dir, "20240101000000_init", INIT_SQL);
	gk_target_state *st = status_of(d.conninfo, dir, GK_LAYOUT_AUTO);
	assert_false(st->table_exists);
	assert_string_equal(st->table, "public._prisma_migrations");
	assert_order(st, "20240101000000_init=pending");
	gk_target_status_free(st);
	free(dir);
	drop_db(s, &d);
}

static void test_prisma_failed_with_logs(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	char *dir = prisma_folder(s);
	prisma_mig(dir, "20240101000000_init", INIT_SQL);
	prisma_mig(dir, "20240102000000_add_email_key", "CREATE UNIQUE INDEX users_email_key ON users (email);\n");
	history_table(&d, GK_LAYOUT_PRISMA);
	prisma_row(&d, "20240101000000_init", INIT_SQL, APPLIED, NULL);
	prisma_row(&d, "20240102000000_add_email_key", "x", FAILED, "logs");
	gk_target_state *st = status_of(d.conninfo, dir, GK_LAYOUT_AUTO);
	assert_state(st, "20240102000000_add_email_key", GK_APPLIED_FAILED);
	const gk_target_migration *m = find(st, "20240102000000_add_email_key");
	assert_non_null(m->logs);
	assert_non_null(strstr(m->logs, "users_email_key"));
	assert_string_equal(m->at, "2024-01-01T00:02:00Z"); /* started_at, in UTC */
	gk_report *r = report_of(st);
	const gk_finding *f = finding(r, "migration-failed", "add_email_key");
	assert_non_null(strstr(f->message, "never finished"));
	assert_non_null(strstr(f->message, "its log: ERROR: duplicate key value"));
	assert_null(strstr(f->message, "DETAIL")); /* the first line only */
	assert_non_null(strstr(f->help, "prisma migrate resolve --rolled-back"));
	assert_int_equal(f->severity, GK_SEV_ERROR);
	assert_int_equal(r->exit_code, GK_EXIT_FAIL);
	assert_non_null(strstr(r->migrations[1].applied.logs, "DETAIL")); /* the whole log on the entry */
	gk_report_free(r);
	gk_target_status_free(st);
	free(dir);
	drop_db(s, &d);
}

/* A name from the history table goes into a command someone pastes: quoted
 * for a POSIX shell, or no command at all when it holds control characters. */
static void test_prisma_failed_hostile_name(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	char *dir = prisma_folder(s);
	const char *name = "20240102000000_a\"$(touch pwned)`id`";
	prisma_mig(dir, "20240101000000_init", INIT_SQL);
	prisma_mig(dir, name, "SELECT 1;\n");
	history_table(&d, GK_LAYOUT_PRISMA);
	prisma_row(&d, "20240101000000_init", INIT_SQL, APPLIED, NULL);
	prisma_row(&d, name, "x", FAILED, NULL);
	gk_target_state *st = status_of(d.conninfo, dir, GK_LAYOUT_AUTO);
	gk_report *r = report_of(st);
	const gk_finding *f = finding(r, "migration-failed", "20240102000000_a");
	assert_non_null(strstr(f->help, "prisma migrate resolve --rolled-back '20240102000000_a\"$(touch pwned)`id`'"));
	gk_report_free(r);
	gk_target_status_free(st);
	free(dir);
	drop_db(s, &d);
}

/* Rolled back alone: pending again.  Rolled back, then applied: applied. */
static void test_prisma_rolled_back(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	char *dir = prisma_folder(s);
	prisma_mig(dir, "20240101000000_init", INIT_SQL);
	prisma_mig(dir, "20240102000000_add_posts", POSTS_SQL);
	history_table(&d, GK_LAYOUT_PRISMA);
	prisma_row(&d, "20240101000000_init", INIT_SQL, ROLLED_BACK, "logs");
	prisma_row(&d, "20240101000000_init", INIT_SQL, APPLIED, NULL);
	prisma_row(&d, "20240102000000_add_posts", POSTS_SQL, ROLLED_BACK, NULL);
	gk_target_state *st = status_of(d.conninfo, dir, GK_LAYOUT_AUTO);
	assert_order(st, "20240101000000_init=applied,20240102000000_add_posts=rolled_back");
	gk_report *r = report_of(st);
	const gk_finding *f = finding(r, "migration-pending", "add_posts");
	assert_non_null(strstr(f->message, "rolled back at"));
	assert_non_null(strstr(f->message, "applies it again"));
	assert_int_equal(r->exit_code, GK_EXIT_PASS);
	gk_report_free(r);
	gk_target_status_free(st);
	free(dir);
	drop_db(s, &d);
}

/* Prisma's checksum: line endings changed either way still match; an edit does not. */
static void test_prisma_edited_after_apply(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	char *dir = prisma_folder(s);
	const char *lf = "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n";
	prisma_mig(dir, "20240101000000_crlf", "CREATE TABLE a (id int);\r\nCREATE TABLE b (id int);\r\n");
	prisma_mig(dir, "20240102000000_lf", lf);
	prisma_mig(dir, "20240103000000_edited", "CREATE TABLE c (id bigint);\n");
	prisma_mig(dir, "20240104000000_edited_crlf", "CREATE TABLE d (id int);\r\nSELECT 1;\r\n");
	history_table(&d, GK_LAYOUT_PRISMA);
	prisma_row(&d, "20240101000000_crlf", lf, APPLIED, NULL); /* applied with LF, checked out with CRLF */
	prisma_row(&d, "20240102000000_lf", "CREATE TABLE a (id int);\r\nCREATE TABLE b (id int);\r\n", APPLIED, NULL);
	prisma_row(&d, "20240103000000_edited", "CREATE TABLE c (id int);\n", APPLIED, NULL);
	prisma_row(&d, "20240104000000_edited_crlf", "CREATE TABLE d (id int);\n", APPLIED, NULL);
	gk_target_state *st = status_of(d.conninfo, dir, GK_LAYOUT_AUTO);
	assert_order(st, "20240101000000_crlf=applied,20240102000000_lf=applied,20240103000000_edited=edited,"
			 "20240104000000_edited_crlf=edited");
	const gk_target_migration *m = find(st, "20240103000000_edited");
	char want[65];
	gk_sha256_hex(want, "CREATE TABLE c (id bigint);\n", 28);
	assert_string_equal(m->checksum_file, want);
	gk_report *r = report_of(st);
	assert_int_equal(count(r, "migration-edited-after-apply"), 2);
	const gk_finding *f = finding(r, "migration-edited-after-apply", "20240103000000_edited/");
	assert_non_null(strstr(f->message, "changed since"));
	assert_int_equal(r->exit_code, GK_EXIT_FAIL);
	gk_report_free(r);
	gk_target_status_free(st);
	free(dir);
	drop_db(s, &d);
}

static void test_prisma_missing_locally(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	char *dir = prisma_folder(s);
	prisma_mig(dir, "20240101000000_init", INIT_SQL);
	prisma_mig(dir, "20240103000000_add_tags", TAGS_SQL);
	history_table(&d, GK_LAYOUT_PRISMA);
	prisma_row(&d, "20240101000000_init", INIT_SQL, APPLIED, NULL);
	prisma_row(&d, "20240102000000_hotfix", "x", APPLIED, NULL);
	prisma_row(&d, "20240103000000_add_tags", TAGS_SQL, APPLIED, NULL);
	prisma_row(&d, "20231231000000_gone_rolled_back", "x", ROLLED_BACK, NULL); /* not missing: rolled back */
	gk_target_state *st = status_of(d.conninfo, dir, GK_LAYOUT_AUTO);
	assert_order(st, "20240101000000_init=applied,20240102000000_hotfix=missing,20240103000000_add_tags=applied");
	assert_false(st->diverged);
	const gk_target_migration *m = find(st, "20240102000000_hotfix");
	assert_false(m->local);
	gk_report *r = report_of(st);
	const gk_finding *f = finding(r, "migration-missing-locally", "20240102000000_hotfix");
	assert_non_null(strstr(f->message, "is not in"));
	assert_non_null(strstr(f->message, dir));
	assert_int_equal(r->exit_code, GK_EXIT_FAIL);
	gk_report_free(r);
	gk_target_status_free(st);
	free(dir);
	drop_db(s, &d);
}

/* A Prisma 8 migration package (no migration.sql) is not compared: it is
 * reported as prisma-migration-package, blocking, and its history row is
 * not "missing locally". */
static void test_prisma_migration_package(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	char *dir = prisma_folder(s);
	prisma_mig(dir, "20240101000000_init", INIT_SQL);
	put(dir, "20240102000000_pkg/migration.ts", "export default {}\n");
	put(dir, "20240102000000_pkg/ops.json", "[]\n");
	history_table(&d, GK_LAYOUT_PRISMA);
	prisma_row(&d, "20240101000000_init", INIT_SQL, APPLIED, NULL);
	prisma_row(&d, "20240102000000_pkg", "x", APPLIED, NULL);
	gk_target_state *st = status_of(d.conninfo, dir, GK_LAYOUT_AUTO);
	assert_order(st, "20240101000000_init=applied");
	assert_int_equal(st->n_packages, 1);
	gk_report *r = report_of(st);
	const gk_finding *f = finding(r, "prisma-migration-package", "20240102000000_pkg");
	assert_non_null(strstr(f->message, "not checked: Prisma 8 migration packages are not modelled"));
	assert_true(f->blocking);
	assert_int_equal(count(r, "migration-missing-locally"), 0);
	assert_int_equal(r->exit_code, GK_EXIT_FAIL);
	gk_report_free(r);
	gk_target_status_free(st);
	free(dir);
	drop_db(s, &d);
}

/*
 * Diverged, both ways: a pending migration that sorts before an applied
 * one, and histories that branch (the database has a migration the folder
 * lacks, the folder one the database lacks, after a shared prefix).
 */
static void test_prisma_diverged(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	char *dir = prisma_folder(s);
	prisma_mig(dir, "20240101000000_init", INIT_SQL);
	prisma_mig(dir, "20240102000000_late_branch", POSTS_SQL);
	prisma_mig(dir, "20240103000000_add_tags", TAGS_SQL);
	history_table(&d, GK_LAYOUT_PRISMA);
	prisma_row(&d, "20240101000000_init", INIT_SQL, APPLIED, NULL);
	prisma_row(&d, "20240103000000_add_tags", TAGS_SQL, APPLIED, NULL);
	gk_target_state *st = status_of(d.conninfo, dir, GK_LAYOUT_AUTO);
	assert_order(st, "20240101000000_init=applied,20240102000000_late_branch=diverged,20240103000000_add_tags=applied");
	assert_non_null(strstr(find(st, "20240102000000_late_branch")->note, "20240103000000_add_tags"));
	gk_report *r = report_of(st);
	const gk_finding *f = finding(r, "migration-pending", "late_branch");
	assert_non_null(strstr(f->message, "out of order"));
	assert_int_equal(r->exit_code, GK_EXIT_PASS);
	gk_report_free(r);
	gk_target_status_free(st);

	/* The other branch was deployed: the database has 0104 the folder lacks. */
	prisma_row(&d, "20240104000000_other_branch", "x", APPLIED, NULL);
	prisma_mig(dir, "20240105000000_this_branch", "SELECT 1;\n");
	st = status_of(d.conninfo, dir, GK_LAYOUT_AUTO);
	assert_true(st->diverged);
	assert_string_equal(st->last_common, "20240101000000_init");
	assert_state(st, "20240104000000_other_branch", GK_APPLIED_MISSING);
	assert_state(st, "20240105000000_this_branch", GK_APPLIED_PENDING);
	r = report_of(st);
	f = finding(r, "migration-missing-locally", "other_branch");
	assert_non_null(strstr(f->message, "histories branched after 20240101000000_init"));
	gk_report_free(r);
	gk_target_status_free(st);
	free(dir);
	drop_db(s, &d);
}

/* Prisma's DATABASE_URL: ?schema= names the schema of the history table,
 * and the other Prisma-only parameters do not break libpq. */
static void test_prisma_url_schema(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	char *dir = prisma_folder(s);
	prisma_mig(dir, "20240101000000_init", INIT_SQL);
	sql(&d, "CREATE SCHEMA app; SET search_path = app; %s", gk_layout_history_table_sql(GK_LAYOUT_PRISMA));
	sql(&d, "INSERT INTO app._prisma_migrations (id, checksum, finished_at, migration_name) "
		"VALUES ('1', 'x', now(), '20240101000000_init')");
	char *url = url_for(&d, "gatekeeper", NULL, "&schema=app&connection_limit=5&pgbouncer=true&pool_timeout=10");
	gk_target *t = target_or_fail(url);
	assert_string_equal(gk_target_url_schema(t), "app");
	gk_target_close(t);
	gk_target_state *st = status_of(url, dir, GK_LAYOUT_AUTO);
	assert_string_equal(st->table, "app._prisma_migrations");
	assert_state(st, "20240101000000_init", GK_APPLIED_EDITED); /* checksum 'x' */
	gk_target_status_free(st);

	/* Without ?schema= the table is looked for in public: found elsewhere, it is named. */
	gk_target *t2 = target_or_fail(d.conninfo);
	gk_target_state *st2 = NULL;
	gk_error err = {0, ""};
	const char *dirs[] = {dir};
	assert_int_equal(gk_target_status(&st2, t2, dirs, 1, GK_LAYOUT_AUTO, NULL, &err), GK_ECONFIG);
	assert_non_null(strstr(err.msg, "app._prisma_migrations exists"));
	/* ... unless --history-table says where. */
	assert_int_equal(gk_target_status(&st2, t2, dirs, 1, GK_LAYOUT_AUTO, "app._prisma_migrations", &err), 0);
	assert_string_equal(st2->table, "app._prisma_migrations");
	gk_target_status_free(st2);
	gk_target_close(t2);
	free(url);
	free(dir);
	drop_db(s, &d);
}

/* The URL's own `options` reach the server (search_path finds the table),
 * and ours come after them: a URL cannot turn the read-only setting off. */
static void test_url_options(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	char *dir = new_folder(s, "golang");
	put(dir, "1_init.up.sql", INIT_SQL);
	put(dir, "2_posts.up.sql", POSTS_SQL);
	sql(&d, "CREATE SCHEMA app; SET search_path = app; %s; INSERT INTO app.schema_migrations VALUES (1, false)",
	    gk_layout_history_table_sql(GK_LAYOUT_GOLANG_MIGRATE));
	char *url = url_for(&d, "gatekeeper", NULL,
			    "&options=-c%20search_path%3Dapp%20-c%20default_transaction_read_only%3Doff"
			    "&application_name=deployer");
	gk_target_state *st = status_of(url, dir, GK_LAYOUT_GOLANG_MIGRATE);
	assert_string_equal(st->table, "app.schema_migrations");
	assert_order(st, "1_init=applied,2_posts=pending");
	gk_target_status_free(st);
	gk_target *t = target_or_fail(url);
	PGresult *r = PQexec(t->conn, "SELECT current_setting('default_transaction_read_only'), "
				      "current_setting('application_name')");
	assert_string_equal(PQgetvalue(r, 0, 0), "on");
	assert_string_equal(PQgetvalue(r, 0, 1), "deployer"); /* the URL's name wins */
	PQclear(r);
	gk_target_close(t);
	free(url);
	free(dir);
	drop_db(s, &d);
}

/* ---- Flyway ----------------------------------------------------------- */

/* CRC-32 test vector "123456789" = 0xCBF43926, stored signed; line breaks
 * and a leading BOM do not count. */
static void test_flyway_checksum(void **state)
{
	(void)state;
	assert_int_equal(gk_tg_flyway_checksum("123456789", 9), (int)(int32_t)0xCBF43926u);
	assert_int_equal(gk_tg_flyway_checksum("1234\r\n567\r89\n", 13), (int)(int32_t)0xCBF43926u);
	assert_int_equal(gk_tg_flyway_checksum("\xEF\xBB\xBF" "123456789", 12), (int)(int32_t)0xCBF43926u);
	assert_int_equal(gk_tg_flyway_checksum("", 0), 0);
}

static void flyway_row(const db *d, int rank, const char *version, const char *desc, const char *type,
		       const char *script, const char *text, bool success)
{
	char sum[16] = "NULL";
	if (text)
		snprintf(sum, sizeof sum, "%d", gk_tg_flyway_checksum(text, strlen(text)));
	char ver[64] = "NULL";
	if (version)
		snprintf(ver, sizeof ver, "'%s'", version);
	sql(d,
	    "INSERT INTO flyway_schema_history VALUES (%d, %s, '%s', '%s', '%s', %s, 'flyway', "
	    "'2024-02-0%d 10:00:00', 5, %s)",
	    rank, ver, desc, type, script, sum, rank, success ? "true" : "false");
}

static void test_flyway(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	char *dir = new_folder(s, "flyway");
	put(dir, "V1__init.sql", INIT_SQL);
	put(dir, "V1_1__add_posts.sql", POSTS_SQL);
	put(dir, "V1_2__add_tags.sql", "CREATE TABLE tags (id bigint PRIMARY KEY);\r\n"); /* CRLF: same checksum */
	put(dir, "V1_10__edited.sql", "CREATE TABLE e (id bigint);\n");
	put(dir, "V2__failed.sql", "CREATE TABLE f (id int);\n");
	put(dir, "V3__next.sql", "SELECT 1;\n");
	put(dir, "R__views.sql", "CREATE OR REPLACE VIEW v AS SELECT 2;\n");
	history_table(&d, GK_LAYOUT_FLYWAY);
	flyway_row(&d, 1, "1", "init", "SQL", "V1__init.sql", INIT_SQL, true);
	flyway_row(&d, 2, "1.1", "add posts", "SQL", "V1_1__add_posts.sql", POSTS_SQL, true);
	flyway_row(&d, 3, "1.2", "add tags", "SQL", "V1_2__add_tags.sql", TAGS_SQL, true);
	flyway_row(&d, 4, "1.5", "removed", "SQL", "V1_5__removed.sql", "SELECT 5;\n", true);
	flyway_row(&d, 5, "1.10", "edited", "SQL", "V1_10__edited.sql", "CREATE TABLE e (id int);\n", true);
	flyway_row(&d, 6, "2", "failed", "SQL", "V2__failed.sql", "CREATE TABLE f (id int);\n", false);
	flyway_row(&d, 7, NULL, "views", "SQL", "R__views.sql", "CREATE OR REPLACE VIEW v AS SELECT 1;\n", true);
	gk_target_state *st = status_of(d.conninfo, dir, GK_LAYOUT_AUTO);
	assert_int_equal(st->kind, GK_LAYOUT_FLYWAY);
	assert_string_equal(st->table, "public.flyway_schema_history");
	assert_order(st, "V1__init.sql=applied,V1_1__add_posts.sql=applied,V1_2__add_tags.sql=applied,"
			 "V1_5__removed.sql=missing,V1_10__edited.sql=edited,V2__failed.sql=failed,V3__next.sql=pending,"
			 "R__views.sql=pending");
	assert_non_null(strstr(find(st, "R__views.sql")->note, "runs it again"));
	gk_report *r = report_of(st);
	assert_non_null(strstr(finding(r, "migration-failed", "V2__failed")->help, "flyway repair"));
	assert_non_null(finding(r, "migration-edited-after-apply", "V1_10__edited"));
	assert_non_null(finding(r, "migration-missing-locally", "V1_5__removed"));
	gk_report_free(r);
	gk_target_status_free(st);

	/* A repair's DELETE row takes the missing one off the list; versions up to a BASELINE count as applied. */
	sql(&d, "DELETE FROM flyway_schema_history");
	flyway_row(&d, 1, "1.1", "<< Flyway Baseline >>", "BASELINE", "<< Flyway Baseline >>", NULL, true);
	flyway_row(&d, 2, "1.5", "removed", "SQL", "V1_5__removed.sql", "SELECT 5;\n", true);
	flyway_row(&d, 3, "1.5", "removed", "DELETE", "V1_5__removed.sql", NULL, true);
	st = status_of(d.conninfo, dir, GK_LAYOUT_AUTO);
	assert_order(st, "V1__init.sql=applied,V1_1__add_posts.sql=applied,V1_2__add_tags.sql=pending,"
			 "V1_10__edited.sql=pending,V2__failed.sql=pending,V3__next.sql=pending,R__views.sql=pending");
	assert_non_null(strstr(find(st, "V1__init.sql")->note, "baseline"));
	gk_target_status_free(st);
	free(dir);
	drop_db(s, &d);
}

/* ---- golang-migrate, dbmate ------------------------------------------- */

static void test_golang_migrate(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	char *dir = new_folder(s, "golang");
	put(dir, "1_init.up.sql", INIT_SQL);
	put(dir, "1_init.down.sql", "DROP TABLE users;\n");
	put(dir, "2_posts.up.sql", POSTS_SQL);
	put(dir, "3_tags.up.sql", TAGS_SQL);
	history_table(&d, GK_LAYOUT_GOLANG_MIGRATE);
	sql(&d, "INSERT INTO schema_migrations VALUES (2, true)");
	gk_target_state *st = status_of(d.conninfo, dir, GK_LAYOUT_AUTO);
	assert_order(st, "1_init=applied,2_posts=failed,3_tags=pending");
	assert_non_null(strstr(find(st, "1_init")->note, "current version"));
	gk_report *r = report_of(st);
	const gk_finding *f = finding(r, "migration-failed", "2_posts");
	assert_non_null(strstr(f->message, "dirty"));
	assert_non_null(strstr(f->help, "migrate force"));
	gk_report_free(r);
	gk_target_status_free(st);

	/* The current version is not in the folder. */
	sql(&d, "UPDATE schema_migrations SET version = 5, dirty = false");
	st = status_of(d.conninfo, dir, GK_LAYOUT_AUTO);
	assert_order(st, "1_init=applied,2_posts=applied,3_tags=applied,5=missing");
	gk_target_status_free(st);
	free(dir);
	drop_db(s, &d);
}

static void test_dbmate(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	char *dir = new_folder(s, "dbmate");
	put(dir, "20240101000000_init.sql", "-- migrate:up\n" INIT_SQL "-- migrate:down\nDROP TABLE users;\n");
	put(dir, "20240102000000_posts.sql", "-- migrate:up\n" POSTS_SQL "-- migrate:down\n");
	put(dir, "20240104000000_tags.sql", "-- migrate:up\n" TAGS_SQL "-- migrate:down\n");
	history_table(&d, GK_LAYOUT_DBMATE);
	sql(&d, "INSERT INTO schema_migrations VALUES ('20240101000000'), ('20240103000000'), ('20240104000000')");
	gk_target_state *st = status_of(d.conninfo, dir, GK_LAYOUT_AUTO);
	assert_int_equal(st->kind, GK_LAYOUT_DBMATE);
	assert_order(st, "20240101000000_init=applied,20240102000000_posts=diverged,20240103000000=missing,"
			 "20240104000000_tags=applied");
	assert_true(st->diverged);
	assert_string_equal(st->last_common, "20240101000000_init");
	gk_target_status_free(st);
	free(dir);
	drop_db(s, &d);
}

/* ---- the safety of the target ----------------------------------------- */

/*
 * A role that can connect and read the history table, nothing else, with
 * a password the server checks: status works, the session is read-only
 * (a write through gk_target's own connection fails) with the timeouts
 * and application_name set; without SELECT the message gives the GRANT.
 */
static void test_read_only_role(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	char *dir = prisma_folder(s);
	prisma_mig(dir, "20240101000000_init", INIT_SQL);
	history_table(&d, GK_LAYOUT_PRISMA);
	prisma_row(&d, "20240101000000_init", INIT_SQL, APPLIED, NULL);
	char *role = unique(s, "reader");
	make_reader(&d, role, "Re4der-Pw");
	require_password(&d, role);
	char *url = url_for(&d, role, "Re4der-Pw", NULL);

	gk_target *t = NULL;
	gk_error err = {0, ""};
	gk_target_state *st = NULL;
	const char *dirs[] = {dir};
	assert_int_equal(gk_target_connect(&t, url, &err), 0);
	assert_int_equal(gk_target_status(&st, t, dirs, 1, GK_LAYOUT_AUTO, NULL, &err), GK_ECONFIG);
	assert_non_null(strstr(err.msg, "may not read the history table public._prisma_migrations"));
	assert_non_null(strstr(err.msg, "GRANT SELECT ON public._prisma_migrations TO"));
	assert_null(strstr(err.msg, "Re4der-Pw"));
	sql(&d, "GRANT SELECT ON _prisma_migrations TO %s", role);
	assert_int_equal(gk_target_status(&st, t, dirs, 1, GK_LAYOUT_AUTO, NULL, &err), 0);
	assert_order(st, "20240101000000_init=applied");
	gk_target_status_free(st);

	/* The session: read-only by the server's settings, short timeouts. */
	PGresult *r = PQexec(t->conn, "SELECT current_setting('default_transaction_read_only'), "
				      "current_setting('statement_timeout'), current_setting('lock_timeout'), "
				      "current_setting('application_name')");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	assert_string_equal(PQgetvalue(r, 0, 0), "on");
	assert_string_equal(PQgetvalue(r, 0, 1), "10s");
	assert_string_equal(PQgetvalue(r, 0, 2), "2s");
	assert_string_equal(PQgetvalue(r, 0, 3), "gatekeeper");
	PQclear(r);
	gk_target_close(t);

	/* Even a superuser's session through gk_target cannot write. */
	t = target_or_fail(d.conninfo);
	r = PQexec(t->conn, "CREATE TABLE written (id int)");
	assert_int_equal(PQresultStatus(r), PGRES_FATAL_ERROR);
	assert_string_equal(PQresultErrorField(r, PG_DIAG_SQLSTATE), "25006"); /* read_only_sql_transaction */
	PQclear(r);
	r = PQexec(t->conn, "INSERT INTO _prisma_migrations (id, checksum, migration_name) VALUES ('w', 'w', 'w')");
	assert_string_equal(PQresultErrorField(r, PG_DIAG_SQLSTATE), "25006");
	PQclear(r);
	gk_target_close(t);

	/* A wrong password: "host H port P: reason", never the password; the
	 * URL's fault (GK_ECONFIG, exit 2), not the server's. */
	char *bad = url_for(&d, role, "Wr0ng-Secret", NULL);
	assert_int_equal(gk_target_connect(&t, bad, &err), GK_ECONFIG);
	assert_null(t);
	assert_non_null(strstr(err.msg, "password authentication failed"));
	assert_non_null(strstr(err.msg, d.host));
	assert_non_null(strstr(err.msg, "port"));
	assert_null(strstr(err.msg, "Wr0ng-Secret"));
	free(bad);
	free(url);
	free(role);
	free(dir);
	drop_db(s, &d);
}

/* Unreachable: exit 3's message names host and port and the reason, not
 * the password, also when an unencoded '@' moves libpq's idea of the host. */
static void test_connect_failure(void **state)
{
	(void)state;
	gk_target *t = NULL;
	gk_error err = {0, ""};
	assert_int_equal(gk_target_connect(&t, "postgresql://app:Sup3r-Secret@127.0.0.1:1/db?schema=x", &err), GK_EINFRA);
	assert_non_null(strstr(err.msg, "host 127.0.0.1 port 1:"));
	assert_non_null(strstr(err.msg, "refused"));
	assert_null(strstr(err.msg, "Sup3r-Secret"));
	assert_int_equal(gk_target_connect(&t, "postgresql://app:p@ss-Sec4et@127.0.0.1:1/db", &err), GK_EINFRA);
	assert_null(strstr(err.msg, "ss-Sec4et"));
	assert_int_equal(gk_target_connect(&t, "postgresql://app:Sup3r-Secret@127.0.0.1:1/db?nonsense=1", &err),
			 GK_ECONFIG);
	assert_null(strstr(err.msg, "Sup3r-Secret"));
	assert_int_equal(gk_target_connect(&t, "host=127.0.0.1 port=1 password='Sup3r Secret'", &err), GK_EINFRA);
	assert_null(strstr(err.msg, "Sup3r Secret"));
}

/* A migration lock held by a table lock: the read gives up after
 * lock_timeout instead of queueing (and blocking everyone behind it). */
static void test_lock_timeout(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	char *dir = prisma_folder(s);
	prisma_mig(dir, "20240101000000_init", INIT_SQL);
	history_table(&d, GK_LAYOUT_PRISMA);
	PGconn *holder = connect_as_super(&d);
	exec_on(holder, "BEGIN; LOCK TABLE _prisma_migrations IN ACCESS EXCLUSIVE MODE");
	gk_target *t = target_or_fail(d.conninfo);
	gk_target_state *st = NULL;
	gk_error err = {0, ""};
	const char *dirs[] = {dir};
	double t0 = gk_now();
	assert_int_equal(gk_target_status(&st, t, dirs, 1, GK_LAYOUT_AUTO, NULL, &err), GK_EINFRA);
	double took = gk_now() - t0;
	assert_string_equal(gk_target_last_sqlstate(t), "55P03");
	assert_true(took >= 1.9 && took < 5);
	gk_target_close(t);
	PQfinish(holder);
	free(dir);
	drop_db(s, &d);
}

/* A deploy holding Prisma's lock: its unfinished row is running, not failed. */
static void test_deploy_in_progress(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	char *dir = prisma_folder(s);
	prisma_mig(dir, "20240101000000_init", INIT_SQL);
	prisma_mig(dir, "20240102000000_add_posts", POSTS_SQL);
	history_table(&d, GK_LAYOUT_PRISMA);
	prisma_row(&d, "20240101000000_init", INIT_SQL, APPLIED, NULL);
	prisma_row(&d, "20240102000000_add_posts", POSTS_SQL, FAILED, NULL);
	PGconn *deploy = connect_as_super(&d);
	exec_on(deploy, "SELECT pg_advisory_lock(72707369)");
	gk_target_state *st = status_of(d.conninfo, dir, GK_LAYOUT_AUTO);
	assert_true(st->deploy_in_progress);
	assert_int_equal(st->deploy_pid, PQbackendPID(deploy));
	assert_order(st, "20240101000000_init=applied,20240102000000_add_posts=running");
	gk_report *r = report_of(st);
	assert_int_equal(count(r, "migration-failed"), 0);
	assert_non_null(finding(r, "deploy-in-progress", "add_posts"));
	assert_int_equal(r->exit_code, GK_EXIT_INFRA); /* retry later */
	assert_int_equal(r->errors[0].kind, GK_ERRKIND_TIMEOUT);
	gk_report_free(r);
	gk_target_status_free(st);
	PQfinish(deploy);
	st = status_of(d.conninfo, dir, GK_LAYOUT_AUTO);
	assert_state(st, "20240102000000_add_posts", GK_APPLIED_FAILED);
	gk_target_status_free(st);
	free(dir);
	drop_db(s, &d);
}

static void test_history_table_shape(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	sql(&d, "CREATE TABLE _prisma_migrations (id text)");
	gk_target *t = target_or_fail(d.conninfo);
	gk_target_history_rows *h = NULL;
	gk_error err = {0, ""};
	assert_int_equal(gk_target_history(&h, t, GK_LAYOUT_PRISMA, NULL, &err), GK_ECONFIG);
	assert_non_null(strstr(err.msg, "does not look like prisma's history table"));
	assert_int_equal(gk_target_history(&h, t, GK_LAYOUT_PLAIN, NULL, &err), GK_ECONFIG);
	assert_int_equal(gk_target_history(&h, t, GK_LAYOUT_PRISMA, "no such name", &err), GK_ECONFIG);
	gk_target_close(t);
	drop_db(s, &d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prisma_applied_pending),
		cmocka_unit_test(test_prisma_no_history_table),
		cmocka_unit_test(test_prisma_failed_with_logs),
		cmocka_unit_test(test_prisma_failed_hostile_name),
		cmocka_unit_test(test_prisma_rolled_back),
		cmocka_unit_test(test_prisma_edited_after_apply),
		cmocka_unit_test(test_prisma_missing_locally),
		cmocka_unit_test(test_prisma_migration_package),
		cmocka_unit_test(test_prisma_diverged),
		cmocka_unit_test(test_prisma_url_schema),
		cmocka_unit_test(test_url_options),
		cmocka_unit_test(test_flyway_checksum),
		cmocka_unit_test(test_flyway),
		cmocka_unit_test(test_golang_migrate),
		cmocka_unit_test(test_dbmate),
		cmocka_unit_test(test_read_only_role),
		cmocka_unit_test(test_connect_failure),
		cmocka_unit_test(test_lock_timeout),
		cmocka_unit_test(test_deploy_in_progress),
		cmocka_unit_test(test_history_table_shape),
	};
	return cmocka_run_group_tests_name("target status", tests, group_start, group_stop);
}
