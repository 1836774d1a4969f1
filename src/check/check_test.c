/*
 * check_test.c - `gatekeeper check` (src/check) against real repositories.
 *
 * Every test builds its own git repository in a fresh mkdtemp folder by
 * running git (HOME points into the folder so neither git nor libgit2 reads
 * the user's configuration), with a base branch `main` and a branch
 * `feature` that changes the migrations, and checks the report: history
 * status and commit of each migration, the history findings
 * ("modified-migration", "deleted-migration", "renamed-migration",
 * "out-of-order-migration", "duplicate-version", "lock-file-mismatch",
 * "stray-file", "migration-name", "empty-migration"), and the lint of the
 * change over the schema model built from the base (lock rules quiet for
 * tables created anywhere in the change, set-not-null after a validated
 * CHECK, alter-column-type with the old type, foreign-key-without-index
 * with an index from another migration).  Each exemption has its
 * counter-case, so the tests can fail.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gatekeeper/check.h"
#include "gatekeeper/rules.h"
#include "util/util.h"


/* libgit2 leaks a little error state when a shallow clone lacks the merge
 * base (see src/history/history_test.c); LeakSanitizer ignores it here. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define LIBGIT2_LEAK_BEGIN() __lsan_disable()
#define LIBGIT2_LEAK_END() __lsan_enable()
#else
#define LIBGIT2_LEAK_BEGIN() ((void)0)
#define LIBGIT2_LEAK_END() ((void)0)
#endif

#define MIG "prisma/migrations"
#define P(name) MIG "/" name "/migration.sql"

typedef struct fx {
	char root[1024];      /* the mkdtemp folder */
	char repo[PATH_MAX];  /* root/repo, the working directory during a test */
	char cwd[PATH_MAX];   /* where the test started */
} fx;

/* ---- running git: see src/util/test_support.h ----------------- */

#include "util/test_support.h"

/* ---- files ------------------------------------------------------------ */

static void put(const char *rel, const char *text) { test_write_file(rel, text); }

/* ---- fixtures --------------------------------------------------------- */

static int group_setup(void **state)
{
	(void)state;
	test_isolate_git_env();
	return 0;
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	const char *tmp = getenv("TMPDIR");
	snprintf(f->root, sizeof f->root, "%s/gk-check-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(f->root) || !getcwd(f->cwd, sizeof f->cwd))
		return -1;
	snprintf(f->repo, sizeof f->repo, "%s/repo", f->root);
	setenv("HOME", f->root, 1);
	GIT(NULL, "init", "-q", "-b", "main", f->repo);
	GIT(f->repo, "config", "user.name", "Test User");
	GIT(f->repo, "config", "user.email", "test@example.com");
	GIT(f->repo, "config", "core.autocrlf", "false");
	if (chdir(f->repo) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	if (chdir(f->cwd) != 0)
		return -1;
	test_rm_tree(f->root);
	free(f);
	return 0;
}

static void commit_all(const char *msg)
{
	GIT(".", "add", "-A");
	GIT(".", "commit", "-q", "-m", msg);
}

static void commit_as(const char *who, const char *msg)
{
	char name[128], email[160];
	snprintf(name, sizeof name, "user.name=%s", who);
	snprintf(email, sizeof email, "user.email=%s@example.com", who);
	GIT(".", "add", "-A");
	GIT(".", "-c", name, "-c", email, "commit", "-q", "-m", msg);
}

static void branch(const char *name) { GIT(".", "switch", "-q", "-c", name); }

/* ---- running the check ------------------------------------------------ */

static void opts(gk_check_options *o, const char *const *dirs, size_t n)
{
	gk_check_options_init(o);
	o->lint.jobs = 1;
	o->git.base = "main";
	o->dirs = dirs;
	o->n_dirs = n;
}

static void dump(const gk_report *r)
{
	for (size_t i = 0; i < r->n_migrations; i++)
		print_message("    migration %s %s%s\n", gk_history_status_name(r->migrations[i].history) ? gk_history_status_name(r->migrations[i].history) : "-",
			      r->migrations[i].path, r->migrations[i].linted ? "" : " (not linted)");
	for (size_t i = 0; i < r->n_findings; i++)
		print_message("    %s:%d:%d %s: %s\n", r->findings[i].path ? r->findings[i].path : "-", r->findings[i].line,
			      r->findings[i].column, r->findings[i].rule_id, r->findings[i].message);
}

static gk_report *check_o(const gk_check_options *o)
{
	gk_report *r = gk_report_new("check");
	gk_error err = {0};
	int rc = gk_check_run(r, o, &err);
	if (rc != 0)
		fail_msg("gk_check_run: %d %s", rc, err.msg);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	return r;
}

/* Check one folder against main with the defaults. */
static gk_report *check_dir(const char *dir)
{
	const char *dirs[] = {dir};
	gk_check_options o;
	opts(&o, dirs, 1);
	return check_o(&o);
}

static int check_fails(const gk_check_options *o, gk_error *err)
{
	gk_report *r = gk_report_new("check");
	int rc = gk_check_run(r, o, err);
	gk_report_free(r);
	return rc;
}

static size_t count(const gk_report *r, const char *rule)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_findings; i++)
		n += strcmp(r->findings[i].rule_id, rule) == 0;
	return n;
}

/* The finding of `rule` on `path` (NULL = any); fails the test when absent. */
static const gk_finding *finding(const gk_report *r, const char *rule, const char *path)
{
	for (size_t i = 0; i < r->n_findings; i++)
		if (strcmp(r->findings[i].rule_id, rule) == 0 && (!path || (r->findings[i].path && !strcmp(r->findings[i].path, path))))
			return &r->findings[i];
	dump(r);
	fail_msg("no %s finding on %s", rule, path ? path : "any path");
	return NULL;
}

static void expect_none(const gk_report *r, const char *rule)
{
	if (count(r, rule) != 0) {
		dump(r);
		fail_msg("unexpected %s finding", rule);
	}
}

static const gk_migration *migration(const gk_report *r, const char *path)
{
	for (size_t i = 0; i < r->n_migrations; i++)
		if (strcmp(r->migrations[i].path, path) == 0)
			return &r->migrations[i];
	dump(r);
	fail_msg("no migration entry %s", path);
	return NULL;
}

static bool has_migration(const gk_report *r, const char *path)
{
	for (size_t i = 0; i < r->n_migrations; i++)
		if (strcmp(r->migrations[i].path, path) == 0)
			return true;
	return false;
}

static void expect_in(const char *haystack, const char *needle)
{
	if (!haystack || !strstr(haystack, needle))
		fail_msg("'%s' does not contain '%s'", haystack ? haystack : "(null)", needle);
}

/* ---- Prisma: every classification -------------------------------------- */

/*
 *   main:    init (6 migrations + lock file)
 *              └── feature: Bob adds a migration ── edit history
 * where "edit history" edits 20240103 on its second line, turns 20240104's
 * LF into CRLF, deletes 20240105 and renames 20240106's folder.
 */
static void prisma_history(char base_sha[41], char added_sha[41], char edit_sha[41])
{
	put(MIG "/migration_lock.toml", "# Please do not edit this file manually\nprovider = \"postgresql\"\n");
	put(P("20240101000000_init"), "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n");
	put(P("20240102000000_add_posts"), "CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint);\n");
	put(P("20240103000000_add_name"), "ALTER TABLE users ADD COLUMN name text;\nSELECT 1;\n");
	put(P("20240104000000_crlf"), "SELECT 2;\nSELECT 3;\n");
	put(P("20240105000000_gone"), "SELECT 4;\n");
	put(P("20240106000000_users_idx"), "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n");
	commit_all("init");
	git_sha(base_sha, ".", "HEAD");
	branch("feature");
	put(P("20240201000000_add_comments"), "CREATE TABLE comments (id bigint PRIMARY KEY, body text);\n");
	commit_as("Bob", "Add comments\n\nThe body is not the subject.");
	git_sha(added_sha, ".", "HEAD");
	put(P("20240103000000_add_name"), "ALTER TABLE users ADD COLUMN name text;\nSELECT 1, 'edited';\n");
	put(P("20240104000000_crlf"), "SELECT 2;\r\nSELECT 3;\r\n");
	assert_int_equal(unlink(P("20240105000000_gone")), 0);
	GIT(".", "mv", MIG "/20240106000000_users_idx", MIG "/20240106000000_add_users_email_idx");
	commit_all("edit history");
	git_sha(edit_sha, ".", "HEAD");
}

static void test_prisma_classification(void **state)
{
	(void)state;
	char base[41], added[41], edit[41];
	prisma_history(base, added, edit);
	gk_report *r = check_dir(MIG);

	assert_string_equal(r->base_ref, "main");
	assert_string_equal(r->merge_base, base);
	assert_string_equal(r->head, edit);

	const gk_migration *a = migration(r, P("20240201000000_add_comments"));
	assert_int_equal(a->history, GK_HISTORY_ADDED);
	assert_true(a->linted);
	assert_string_equal(a->commit.sha, added);
	assert_string_equal(a->commit.author, "Bob");
	assert_string_equal(a->commit.subject, "Add comments");
	assert_int_equal(a->runner, GK_RUNNER_PRISMA);

	const gk_migration *m = migration(r, P("20240103000000_add_name"));
	assert_int_equal(m->history, GK_HISTORY_MODIFIED);
	assert_string_equal(m->commit.sha, edit);

	const gk_migration *n = migration(r, P("20240106000000_add_users_email_idx"));
	assert_int_equal(n->history, GK_HISTORY_RENAMED);
	assert_string_equal(n->old_path, P("20240106000000_users_idx"));

	const gk_migration *d = migration(r, P("20240105000000_gone"));
	assert_int_equal(d->history, GK_HISTORY_DELETED);
	assert_false(d->linted);
	assert_int_equal(d->commit.sha[0], '\0');

	/* CRLF <-> LF only is unchanged (Prisma's checksum tolerates it): context, not in the report. */
	assert_false(has_migration(r, P("20240104000000_crlf")));
	assert_false(has_migration(r, P("20240101000000_init")));
	assert_int_equal(r->n_migrations, 4);

	/* modified-migration points at the first changed line. */
	const gk_finding *f = finding(r, "modified-migration", P("20240103000000_add_name"));
	assert_int_equal(f->severity, GK_SEV_ERROR);
	assert_int_equal(f->category, GK_CAT_HISTORY);
	assert_int_equal(f->line, 2);
	assert_int_equal(f->column, 9);
	assert_int_equal(f->end_line, 2);
	assert_int_equal(f->end_column, 19); /* the last character of the line */
	assert_string_equal(f->context, "SELECT 1, 'edited';");
	expect_in(f->message, "20240103000000_add_name");
	expect_in(f->message, "main");
	expect_in(f->message, "edit history");
	expect_in(f->help, "checksum");
	assert_int_equal(count(r, "modified-migration"), 1);

	f = finding(r, "deleted-migration", P("20240105000000_gone"));
	assert_int_equal(f->line, 0);
	expect_in(f->message, "20240105000000_gone");
	expect_in(f->message, "main");

	f = finding(r, "renamed-migration", P("20240106000000_add_users_email_idx"));
	expect_in(f->message, "20240106000000_users_idx");
	expect_in(f->message, "20240106000000_add_users_email_idx");
	expect_in(f->message, "Prisma");

	/* The new migration comes after the base's newest: in order. */
	expect_none(r, "out-of-order-migration");
	expect_none(r, "lock-file-mismatch");
	expect_none(r, "stray-file");
	expect_none(r, "migration-name");
	gk_report_free(r);
}

/* An edit mixed with a change of line endings is still an edit. */
static void test_crlf_plus_edit_is_modified(void **state)
{
	(void)state;
	put(MIG "/migration_lock.toml", "provider = \"postgresql\"\n");
	put(P("20240101000000_init"), "SELECT 1;\nSELECT 2;\n");
	commit_all("init");
	branch("feature");
	put(P("20240101000000_init"), "SELECT 1;\r\nSELECT 20;\r\n");
	commit_all("crlf and an edit");
	gk_report *r = check_dir(MIG);
	const gk_finding *f = finding(r, "modified-migration", P("20240101000000_init"));
	assert_int_equal(f->line, 2);
	assert_int_equal(f->column, 9);
	assert_string_equal(f->context, "SELECT 20;");
	gk_report_free(r);
}

/* ---- out-of-order, duplicate versions ---------------------------------- */

static void test_out_of_order(void **state)
{
	(void)state;
	put(MIG "/migration_lock.toml", "provider = \"postgresql\"\n");
	put(P("20240101000000_init"), "SELECT 1;\n");
	commit_all("init");
	branch("feature");
	GIT(".", "switch", "-q", "main");
	put(P("20240301000000_add_x"), "SELECT 2;\n");
	commit_all("main moves on");
	GIT(".", "switch", "-q", "feature");
	GIT(".", "merge", "-q", "--no-edit", "main");
	put(P("20240201000000_add_y"), "SELECT 3;\n"); /* written before main's migration, merged after it */
	put(P("20240401000000_add_z"), "SELECT 4;\n");
	commit_all("two migrations");
	gk_report *r = check_dir(MIG);
	const gk_finding *f = finding(r, "out-of-order-migration", P("20240201000000_add_y"));
	expect_in(f->message, "20240301000000_add_x");
	expect_in(f->message, "main");
	assert_int_equal(count(r, "out-of-order-migration"), 1);
	/* main's migration came through the merge: it is on the base, not added. */
	assert_false(has_migration(r, P("20240301000000_add_x")));
	gk_report_free(r);
}

static void test_flyway_out_of_order_and_repeatables(void **state)
{
	(void)state;
	put("db/V1__init.sql", "CREATE TABLE a (id int);\n");
	put("db/V1_10__more.sql", "CREATE TABLE b (id int);\n");
	put("db/R__views.sql", "CREATE OR REPLACE VIEW v AS SELECT 1;\n");
	commit_all("init");
	branch("feature");
	put("db/V1_9__late.sql", "CREATE TABLE c (id int);\n");  /* 1.9 < 1.10: out of order */
	put("db/V1_11__next.sql", "CREATE TABLE d (id int);\n");
	put("db/R__zz_functions.sql", "SELECT 1;\n");              /* repeatable: no version */
	put("db/V1_10_0__dup.sql", "SELECT 2;\n");                 /* 1.10.0 == 1.10 */
	commit_all("flyway");
	gk_report *r = check_dir("db");
	finding(r, "out-of-order-migration", "db/V1_9__late.sql");
	assert_int_equal(count(r, "out-of-order-migration"), 1);
	const gk_finding *f = finding(r, "duplicate-version", "db/V1_10_0__dup.sql");
	expect_in(f->message, "V1_10__more.sql");
	/* Only the change's migrations are judged: the base's twin is not reported. */
	assert_int_equal(count(r, "duplicate-version"), 1);
	/* Flyway wraps each script in a transaction. */
	assert_int_equal(migration(r, "db/V1_11__next.sql")->runner, GK_RUNNER_PER_FILE);
	assert_int_equal(migration(r, "db/R__zz_functions.sql")->history, GK_HISTORY_ADDED);
	gk_report_free(r);
}

static void test_duplicate_version_golang_migrate(void **state)
{
	(void)state;
	put("migrations/0001_init.up.sql", "CREATE TABLE a (id int);\n");
	put("migrations/0001_init.down.sql", "DROP TABLE a;\n");
	put("migrations/0002_users.up.sql", "CREATE TABLE users (id int);\n");
	put("migrations/0002_users.down.sql", "DROP TABLE users;\n");
	commit_all("init");
	branch("feature");
	put("migrations/2_accounts.up.sql", "CREATE TABLE accounts (id int);\n"); /* 2 == 0002 */
	put("migrations/2_accounts.down.sql", "DROP TABLE accounts;\n");
	commit_all("accounts");
	gk_report *r = check_dir("migrations");
	const gk_finding *f = finding(r, "duplicate-version", "migrations/2_accounts.up.sql");
	expect_in(f->message, "0002_users");
	assert_int_equal(count(r, "duplicate-version"), 1);
	/* Down files are not migrations: neither linted nor stray. */
	assert_int_equal(r->n_migrations, 1);
	expect_none(r, "stray-file");
	expect_none(r, "drop-table");
	assert_int_equal(migration(r, "migrations/2_accounts.up.sql")->runner, GK_RUNNER_PRISMA);

	/* --all judges the base's migrations too. */
	const char *dirs[] = {"migrations"};
	gk_check_options o;
	opts(&o, dirs, 1);
	o.all = true;
	gk_report_free(r);
	r = check_o(&o);
	assert_int_equal(count(r, "duplicate-version"), 2);
	gk_report_free(r);
}

/* ---- lock file --------------------------------------------------------- */

static gk_report *lock_case(const char *base_lock, const char *head_lock)
{
	if (base_lock)
		put(MIG "/migration_lock.toml", base_lock);
	put(P("20240101000000_init"), "SELECT 1;\n");
	commit_all("init");
	branch("feature");
	if (head_lock)
		put(MIG "/migration_lock.toml", head_lock);
	else if (base_lock)
		assert_int_equal(unlink(MIG "/migration_lock.toml"), 0);
	put(P("20240201000000_add_x"), "SELECT 2;\n");
	commit_all("change");
	return check_dir(MIG);
}

static void test_lock_file_deleted(void **state)
{
	(void)state;
	gk_report *r = lock_case("provider = \"postgresql\"\n", NULL);
	const gk_finding *f = finding(r, "lock-file-mismatch", MIG "/migration_lock.toml");
	expect_in(f->message, "deleted");
	assert_int_equal(count(r, "lock-file-mismatch"), 1);
	gk_report_free(r);
}

static void test_lock_file_missing(void **state)
{
	(void)state;
	gk_report *r = lock_case(NULL, NULL);
	expect_in(finding(r, "lock-file-mismatch", MIG "/migration_lock.toml")->message, "has no migration_lock.toml");
	gk_report_free(r);
}

static void test_lock_file_provider(void **state)
{
	(void)state;
	gk_report *r = lock_case("provider = \"postgresql\"\n", "provider = \"mysql\"\n");
	expect_in(finding(r, "lock-file-mismatch", MIG "/migration_lock.toml")->message, "\"mysql\"");
	assert_int_equal(count(r, "lock-file-mismatch"), 1);
	gk_report_free(r);
}

static void test_lock_file_edited(void **state)
{
	(void)state;
	gk_report *r = lock_case("provider = \"postgresql\"\n", "# hand edit\nprovider = \"postgresql\"\n");
	expect_in(finding(r, "lock-file-mismatch", MIG "/migration_lock.toml")->message, "was edited");
	gk_report_free(r);
}

static void test_lock_file_unchanged_or_line_endings(void **state)
{
	(void)state;
	gk_report *r = lock_case("provider = \"postgresql\"\n", "provider = \"postgresql\"\r\n");
	expect_none(r, "lock-file-mismatch");
	gk_report_free(r);
}

/* ---- stray files, names, empty migrations ------------------------------ */

static void test_stray_file(void **state)
{
	(void)state;
	put(MIG "/migration_lock.toml", "provider = \"postgresql\"\n");
	put(P("20240101000000_init"), "SELECT 1;\n");
	put(MIG "/README.md", "old notes\n");
	commit_all("init");
	branch("feature");
	put(MIG "/20240201000000_add_x/seed.sql", "INSERT INTO t VALUES (1);\n");
	put(MIG "/20240201000000_add_x.sql", "SELECT 2;\n");
	commit_all("stray");
	gk_report *r = check_dir(MIG);
	const gk_finding *f = finding(r, "stray-file", MIG "/20240201000000_add_x/seed.sql");
	assert_int_equal(f->severity, GK_SEV_WARNING);
	expect_in(f->message, "migration.sql");
	finding(r, "stray-file", MIG "/20240201000000_add_x.sql");
	/* The base's README was not touched by the change. */
	assert_int_equal(count(r, "stray-file"), 2);
	assert_int_equal(r->n_migrations, 0);
	gk_report_free(r);

	const char *dirs[] = {MIG};
	gk_check_options o;
	opts(&o, dirs, 1);
	o.all = true;
	r = check_o(&o);
	finding(r, "stray-file", MIG "/README.md");
	assert_int_equal(count(r, "stray-file"), 3);
	gk_report_free(r);
}

static void test_migration_name(void **state)
{
	(void)state;
	put(MIG "/migration_lock.toml", "provider = \"postgresql\"\n");
	put(P("20240101000000_Init"), "SELECT 1;\n"); /* on the base: not judged */
	commit_all("init");
	branch("feature");
	put(P("20240201000000_add_user_email"), "SELECT 2;\n");
	put(P("20240202000000_backfill_emails"), "SELECT 3;\n");
	put(P("20240203000000_UserEmail"), "SELECT 4;\n");
	put(P("20240204000000_users"), "SELECT 5;\n");         /* no verb */
	put(P("2024_add_x"), "SELECT 6;\n");                   /* no 14-digit timestamp */
	commit_all("names");
	gk_report *r = check_dir(MIG);
	finding(r, "migration-name", P("20240203000000_UserEmail"));
	finding(r, "migration-name", P("20240204000000_users"));
	const gk_finding *f = finding(r, "migration-name", P("2024_add_x"));
	expect_in(f->message, "<14-digit timestamp>");
	assert_int_equal(f->severity, GK_SEV_WARNING);
	assert_int_equal(count(r, "migration-name"), 3);
	gk_report_free(r);

	/* A project's own convention replaces the default. */
	const char *dirs[] = {MIG};
	gk_check_options o;
	opts(&o, dirs, 1);
	o.name_pattern = "^[0-9]{14}_[a-z_]+$";
	r = check_o(&o);
	finding(r, "migration-name", P("20240203000000_UserEmail"));
	expect_in(finding(r, "migration-name", P("2024_add_x"))->message, "^[0-9]{14}_[a-z_]+$");
	assert_int_equal(count(r, "migration-name"), 2);
	gk_report_free(r);

	/* A pattern that does not compile is the user's error. */
	o.name_pattern = "^(add";
	gk_error err = {0};
	assert_int_equal(check_fails(&o, &err), GK_ECONFIG);
	expect_in(err.msg, "^(add");
}

static void test_migration_name_other_layouts(void **state)
{
	(void)state;
	put("db/V1__init.sql", "SELECT 1;\n");
	commit_all("init");
	branch("feature");
	put("db/V2__Stuff.sql", "SELECT 2;\n");
	commit_all("stuff");
	gk_report *r = check_dir("db"); /* no default convention outside Prisma */
	expect_none(r, "migration-name");
	gk_report_free(r);
	const char *dirs[] = {"db"};
	gk_check_options o;
	opts(&o, dirs, 1);
	o.name_pattern = "^V[0-9_]+__[a-z_]+\\.sql$";
	r = check_o(&o);
	finding(r, "migration-name", "db/V2__Stuff.sql");
	gk_report_free(r);
}

static void test_empty_migration(void **state)
{
	(void)state;
	put(MIG "/migration_lock.toml", "provider = \"postgresql\"\n");
	put(P("20240101000000_init"), "-- empty on the base, not judged\n");
	commit_all("init");
	branch("feature");
	put(P("20240201000000_add_nothing"), "-- TODO\n");
	commit_all("empty");
	gk_report *r = check_dir(MIG);
	const gk_finding *f = finding(r, "empty-migration", P("20240201000000_add_nothing"));
	assert_int_equal(f->category, GK_CAT_HISTORY);
	assert_int_equal(count(r, "empty-migration"), 1);
	gk_report_free(r);
}

/* Severity overrides apply to history findings like to any rule. */
static void test_severity_overrides(void **state)
{
	(void)state;
	char b[41], a[41], e[41];
	prisma_history(b, a, e);
	const char *dirs[] = {MIG};
	gk_check_options o;
	opts(&o, dirs, 1);
	assert_int_equal(gk_lint_options_set_severity(&o.lint, "modified-migration", GK_SEV_OFF), 0);
	assert_int_equal(gk_lint_options_set_severity(&o.lint, "deleted-migration", GK_SEV_INFO), 0);
	gk_report *r = check_o(&o);
	expect_none(r, "modified-migration");
	assert_int_equal(finding(r, "deleted-migration", NULL)->severity, GK_SEV_INFO);
	gk_report_free(r);
}

/* ---- every layout ------------------------------------------------------- */

static void test_layout_dbmate(void **state)
{
	(void)state;
	put("db/migrations/20240101000000_init.sql",
	    "-- migrate:up\nCREATE TABLE users (id bigint PRIMARY KEY, email text);\n\n"
	    "-- migrate:down\nDROP TABLE users;\n");
	commit_all("init");
	branch("feature");
	/* The down section is broken SQL and drops a table: never run forward, never linted. */
	put("db/migrations/20240201000000_index_users.sql",
	    "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n\n"
	    "-- migrate:down\nDROP INDEX users_email_idx\nDROP TABLE users;\n");
	put("db/migrations/20240202000000_add_col.sql",
	    "-- a comment before the marker\n-- migrate:up\nALTER TABLE users ADD COLUMN n int;\nCREATE INDEX users_n ON users (n);\n"
	    "-- migrate:down\nALTER TABLE users DROP COLUMN n;\n");
	commit_all("dbmate");
	gk_report *r = check_dir("db/migrations");
	expect_none(r, "syntax-error");
	expect_none(r, "drop-table");
	expect_none(r, "drop-column");
	/* transaction:false: CONCURRENTLY outside a transaction is fine. */
	const gk_migration *m = migration(r, "db/migrations/20240201000000_index_users.sql");
	assert_int_equal(m->runner, GK_RUNNER_NONE);
	assert_int_equal(m->statements, 1);
	expect_none(r, "concurrently-in-transaction");
	/* The up section keeps the file's line numbers. */
	const gk_finding *f = finding(r, "create-index-non-concurrent", "db/migrations/20240202000000_add_col.sql");
	assert_int_equal(f->line, 4);
	assert_int_equal(migration(r, "db/migrations/20240202000000_add_col.sql")->runner, GK_RUNNER_PER_FILE);
	gk_report_free(r);
}

static void test_layout_diesel(void **state)
{
	(void)state;
	put("migrations/2024-01-01-000000_init/up.sql", "CREATE TABLE users (id bigint PRIMARY KEY);\n");
	put("migrations/2024-01-01-000000_init/down.sql", "DROP TABLE users;\n");
	commit_all("init");
	branch("feature");
	put("migrations/2024-02-01-000000_idx/up.sql", "CREATE INDEX CONCURRENTLY users_id ON users (id);\n");
	put("migrations/2024-02-01-000000_idx/down.sql", "DROP INDEX users_id;\n");
	put("migrations/2024-02-01-000000_idx/metadata.toml", "run_in_transaction = false\n");
	put("migrations/2024-02-02-000000_col/up.sql", "ALTER TABLE users ADD COLUMN n int;\n");
	put("migrations/2024-02-02-000000_col/down.sql", "ALTER TABLE users DROP COLUMN n;\n");
	put("migrations/2024-01-15-000000_late/up.sql", "SELECT 1;\n");
	commit_all("diesel");
	gk_report *r = check_dir("migrations");
	assert_int_equal(r->n_migrations, 3);
	assert_int_equal(migration(r, "migrations/2024-02-01-000000_idx/up.sql")->runner, GK_RUNNER_NONE);
	assert_int_equal(migration(r, "migrations/2024-02-02-000000_col/up.sql")->runner, GK_RUNNER_PER_FILE);
	expect_none(r, "concurrently-in-transaction");
	expect_none(r, "drop-index-non-concurrent");
	expect_none(r, "drop-column");
	expect_none(r, "stray-file"); /* metadata.toml belongs to the migration */
	expect_none(r, "out-of-order-migration"); /* 2024-01-15 > 2024-01-01, the newest on the base */
	gk_report_free(r);
}

static void test_layout_plain(void **state)
{
	(void)state;
	put("supabase/migrations/20240101000000_init.sql", "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n");
	commit_all("init");
	branch("feature");
	put("supabase/migrations/20240201000000_idx.sql", "CREATE INDEX users_email ON users (email);\n");
	put("supabase/migrations/notes.txt", "todo\n");
	commit_all("plain");
	gk_report *r = check_dir("supabase/migrations");
	const gk_migration *m = migration(r, "supabase/migrations/20240201000000_idx.sql");
	assert_int_equal(m->history, GK_HISTORY_ADDED);
	assert_int_equal(m->runner, GK_RUNNER_PER_FILE); /* plain: decided by the file name */
	finding(r, "create-index-non-concurrent", "supabase/migrations/20240201000000_idx.sql");
	finding(r, "stray-file", "supabase/migrations/notes.txt");
	expect_none(r, "out-of-order-migration"); /* plain files have no version */
	gk_report_free(r);
}

static void test_layout_override_and_runner_option(void **state)
{
	(void)state;
	put("sql/001_init.sql", "CREATE TABLE t (id int);\n");
	commit_all("init");
	branch("feature");
	put("sql/002_more.sql", "CREATE INDEX CONCURRENTLY t_id ON t (id);\n");
	commit_all("more");
	const char *dirs[] = {"sql"};
	gk_check_options o;
	opts(&o, dirs, 1);
	o.layout = GK_LAYOUT_PLAIN;
	o.lint.runner = GK_RUNNER_NONE; /* the user's --runner wins over the layout's */
	gk_report *r = check_o(&o);
	assert_int_equal(migration(r, "sql/002_more.sql")->runner, GK_RUNNER_NONE);
	expect_none(r, "concurrently-in-transaction");
	gk_report_free(r);
	o.lint.runner = GK_RUNNER_AUTO;
	r = check_o(&o);
	finding(r, "concurrently-in-transaction", "sql/002_more.sql");
	gk_report_free(r);
}

/* ---- the schema model across migrations ------------------------------- */

static void test_table_created_in_another_added_migration(void **state)
{
	(void)state;
	put(MIG "/migration_lock.toml", "provider = \"postgresql\"\n");
	put(P("20240101000000_init"), "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n");
	commit_all("init");
	branch("feature");
	put(P("20240201000000_create_orders"), "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\n");
	put(P("20240202000000_index_orders"), "CREATE INDEX orders_user_id ON orders (user_id);\n");
	put(P("20240203000000_index_users"), "CREATE INDEX users_email ON users (email);\n");
	commit_all("orders");
	gk_report *r = check_dir(MIG);
	/* orders is created by the change: no one to block.  users exists on the base. */
	finding(r, "create-index-non-concurrent", P("20240203000000_index_users"));
	assert_int_equal(count(r, "create-index-non-concurrent"), 1);
	gk_report_free(r);
}

static void set_not_null_history(void)
{
	put(MIG "/migration_lock.toml", "provider = \"postgresql\"\n");
	put(P("20240101000000_init"), "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n");
	put(P("20240102000000_add_email_check"),
	    "ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;\n");
	put(P("20240103000000_validate_email_check"), "ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;\n");
	commit_all("init");
	branch("feature");
	put(P("20240201000000_set_email_not_null"), "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n");
	commit_all("not null");
}

static void test_set_not_null_after_validated_check_on_base(void **state)
{
	(void)state;
	set_not_null_history();
	const char *dirs[] = {MIG};
	gk_check_options o;
	opts(&o, dirs, 1);
	o.lint.pg_version = 12;
	gk_report *r = check_o(&o);
	expect_none(r, "set-not-null");
	gk_report_free(r);
	o.lint.pg_version = 11; /* before 12 the CHECK does not spare the scan */
	r = check_o(&o);
	finding(r, "set-not-null", P("20240201000000_set_email_not_null"));
	gk_report_free(r);
}

static void test_set_not_null_without_validation(void **state)
{
	(void)state;
	put(MIG "/migration_lock.toml", "provider = \"postgresql\"\n");
	put(P("20240101000000_init"), "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n");
	put(P("20240102000000_add_email_check"),
	    "ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;\n");
	commit_all("init");
	branch("feature");
	put(P("20240201000000_set_email_not_null"), "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n");
	commit_all("not null");
	gk_report *r = check_dir(MIG);
	finding(r, "set-not-null", P("20240201000000_set_email_not_null"));
	gk_report_free(r);
}

static void test_alter_column_type_knows_old_type(void **state)
{
	(void)state;
	put(MIG "/migration_lock.toml", "provider = \"postgresql\"\n");
	put(P("20240101000000_init"), "CREATE TABLE users (id bigint PRIMARY KEY, nick varchar(20), code varchar(20));\n");
	commit_all("init");
	branch("feature");
	put(P("20240201000000_widen_nick"), "ALTER TABLE users ALTER COLUMN nick TYPE varchar(40);\n");
	put(P("20240202000000_narrow_code"), "ALTER TABLE users ALTER COLUMN code TYPE varchar(10);\n");
	commit_all("types");
	gk_report *r = check_dir(MIG);
	finding(r, "alter-column-type", P("20240202000000_narrow_code"));
	assert_int_equal(count(r, "alter-column-type"), 1); /* the widening is metadata-only */
	gk_report_free(r);
}

static void test_foreign_key_sees_index_of_another_migration(void **state)
{
	(void)state;
	put(MIG "/migration_lock.toml", "provider = \"postgresql\"\n");
	put(P("20240101000000_init"), "CREATE TABLE users (id bigint PRIMARY KEY);\n");
	commit_all("init");
	branch("feature");
	put(P("20240201000000_create_orders"),
	    "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, shop_id bigint);\n"
	    "CREATE INDEX orders_user_id ON orders (user_id);\n");
	put(P("20240202000000_add_orders_fks"),
	    "ALTER TABLE orders ADD CONSTRAINT orders_user_fkey FOREIGN KEY (user_id) REFERENCES users (id);\n"
	    "ALTER TABLE orders ADD CONSTRAINT orders_shop_fkey FOREIGN KEY (shop_id) REFERENCES users (id);\n");
	commit_all("orders");
	gk_report *r = check_dir(MIG);
	const gk_finding *f = finding(r, "foreign-key-without-index", P("20240202000000_add_orders_fks"));
	expect_in(f->message, "shop_id");
	assert_int_equal(count(r, "foreign-key-without-index"), 1); /* user_id is indexed by the other migration */
	gk_report_free(r);
}

/* A modified migration was applied already: what it creates is not new for the added ones. */
static void test_modified_migration_objects_exist(void **state)
{
	(void)state;
	put(MIG "/migration_lock.toml", "provider = \"postgresql\"\n");
	put(P("20240101000000_init"), "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n");
	commit_all("init");
	branch("feature");
	put(P("20240101000000_init"), "CREATE TABLE users (id bigint PRIMARY KEY, email text, name text);\n");
	put(P("20240201000000_index_users"), "CREATE INDEX users_email ON users (email);\n");
	commit_all("edit and index");
	gk_report *r = check_dir(MIG);
	finding(r, "modified-migration", P("20240101000000_init"));
	finding(r, "create-index-non-concurrent", P("20240201000000_index_users"));
	gk_report_free(r);
}

/* --all lints the unchanged migrations too, each as its own change. */
static void test_all(void **state)
{
	(void)state;
	put(MIG "/migration_lock.toml", "provider = \"postgresql\"\n");
	put(P("20240101000000_init"), "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n");
	put(P("20240102000000_index_users"), "CREATE INDEX users_email ON users (email);\n");
	commit_all("init");
	branch("feature");
	put(P("20240201000000_add_x"), "SELECT 1;\n");
	commit_all("x");
	gk_report *r = check_dir(MIG);
	expect_none(r, "create-index-non-concurrent");
	assert_int_equal(r->n_migrations, 1);
	gk_report_free(r);
	const char *dirs[] = {MIG};
	gk_check_options o;
	opts(&o, dirs, 1);
	o.all = true;
	r = check_o(&o);
	assert_int_equal(r->n_migrations, 3);
	assert_int_equal(migration(r, P("20240101000000_init"))->history, GK_HISTORY_UNCHANGED);
	finding(r, "create-index-non-concurrent", P("20240102000000_index_users"));
	gk_report_free(r);
}

/* --no-lint: history findings and entries only; nothing is linted. */
static void test_no_lint(void **state)
{
	(void)state;
	put(MIG "/migration_lock.toml", "provider = \"postgresql\"\n");
	put(P("20240101000000_init"), "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n");
	commit_all("init");
	branch("feature");
	put(P("20240101000000_init"), "CREATE TABLE users (id bigint PRIMARY KEY, email text, name text);\n");
	put(P("20240201000000_add_index"), "CREATE INDEX users_email ON users (email);\n");
	commit_all("edit and add");
	const char *dirs[] = {MIG};
	gk_check_options o;
	opts(&o, dirs, 1);
	o.no_lint = true;
	gk_report *r = check_o(&o);
	finding(r, "modified-migration", P("20240101000000_init"));
	expect_none(r, "create-index-non-concurrent");
	assert_int_equal(r->n_migrations, 2);
	assert_false(migration(r, P("20240201000000_add_index"))->linted);
	assert_int_equal(migration(r, P("20240201000000_add_index"))->history, GK_HISTORY_ADDED);
	assert_int_equal(migration(r, P("20240101000000_init"))->history, GK_HISTORY_MODIFIED);
	gk_report_free(r);
}

/* --exclude keeps a migration out of the lint (it still teaches the model); history findings stay. */
static void test_exclude(void **state)
{
	(void)state;
	put(MIG "/migration_lock.toml", "provider = \"postgresql\"\n");
	put(P("20240101000000_init"), "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n");
	commit_all("init");
	branch("feature");
	put(P("20240201000000_Create_Orders"), "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\n");
	put(P("20240202000000_index_users"), "CREATE INDEX users_email ON users (email);\n");
	put(P("20240203000000_index_orders"), "CREATE INDEX orders_user_id ON orders (user_id);\n");
	commit_all("orders");
	const char *dirs[] = {MIG}, *ex[] = {"**/*_index_users/*"};
	gk_check_options o;
	opts(&o, dirs, 1);
	o.excludes = ex;
	o.n_excludes = 1;
	gk_report *r = check_o(&o);
	expect_none(r, "create-index-non-concurrent");
	assert_int_equal(r->n_migrations, 2);
	assert_false(has_migration(r, P("20240202000000_index_users")));
	finding(r, "migration-name", P("20240201000000_Create_Orders"));
	gk_report_free(r);
	o.n_excludes = 0;
	r = check_o(&o);
	finding(r, "create-index-non-concurrent", P("20240202000000_index_users"));
	gk_report_free(r);
}

/* ---- git situations ----------------------------------------------------- */

static void test_worktree(void **state)
{
	(void)state;
	put(MIG "/migration_lock.toml", "provider = \"postgresql\"\n");
	put(P("20240101000000_init"), "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n");
	commit_all("init");
	branch("feature");
	put(P("20240201000000_index_users"), "CREATE INDEX users_email ON users (email);\n"); /* not committed */
	gk_report *r = check_dir(MIG);
	assert_int_equal(r->n_migrations, 0); /* without --worktree only commits count */
	gk_report_free(r);
	const char *dirs[] = {MIG};
	gk_check_options o;
	opts(&o, dirs, 1);
	o.git.worktree = true;
	r = check_o(&o);
	const gk_migration *m = migration(r, P("20240201000000_index_users"));
	assert_int_equal(m->history, GK_HISTORY_ADDED);
	assert_int_equal(m->commit.sha[0], '\0'); /* nothing to attribute */
	finding(r, "create-index-non-concurrent", P("20240201000000_index_users"));
	gk_report_free(r);
}

static void test_shallow_clone(void **state)
{
	fx *f = *state;
	put(MIG "/migration_lock.toml", "provider = \"postgresql\"\n");
	put(P("20240101000000_init"), "SELECT 1;\n");
	commit_all("init");
	branch("feature");
	put(P("20240201000000_add_x"), "SELECT 2;\n");
	commit_all("x");
	GIT(".", "switch", "-q", "main");
	put(P("20240102000000_add_y"), "SELECT 3;\n");
	commit_all("main moves on");
	char shallow[PATH_MAX + 16], *url = gk_asprintf("file://%s", f->repo);
	snprintf(shallow, sizeof shallow, "%s/shallow", f->root);
	GIT(NULL, "clone", "-q", "--depth", "1", "--branch", "feature", url, shallow);
	free(url);
	assert_int_equal(chdir(shallow), 0);
	const char *dirs[] = {MIG};
	gk_check_options o;
	opts(&o, dirs, 1);
	o.git.base = "origin/main";
	gk_error err = {0};
	LIBGIT2_LEAK_BEGIN();
	int rc = check_fails(&o, &err);
	LIBGIT2_LEAK_END();
	assert_int_equal(rc, GK_ECONFIG);
	expect_in(err.msg, "fetch-depth: 0");
}

static void test_user_errors(void **state)
{
	fx *f = *state;
	put(MIG "/migration_lock.toml", "provider = \"postgresql\"\n");
	put(P("20240101000000_init"), "SELECT 1;\n");
	commit_all("init");
	gk_check_options o;
	gk_error err = {0};

	/* A folder outside the repository. */
	const char *outside[] = {f->root};
	opts(&o, outside, 1);
	assert_int_equal(check_fails(&o, &err), GK_ECONFIG);
	expect_in(err.msg, "outside the repository");

	/* A folder that exists on neither side (a typo must not pass silently). */
	const char *typo[] = {"prisma/migraitons"};
	opts(&o, typo, 1);
	assert_int_equal(check_fails(&o, &err), GK_ECONFIG);
	expect_in(err.msg, "prisma/migraitons");

	/* An unknown base. */
	const char *dirs[] = {MIG};
	opts(&o, dirs, 1);
	o.git.base = "no-such-branch";
	assert_int_equal(check_fails(&o, &err), GK_ECONFIG);

	/* Not a repository. */
	assert_int_equal(chdir(f->root), 0);
	opts(&o, dirs, 1);
	assert_int_equal(check_fails(&o, &err), GK_ECONFIG);
	expect_in(err.msg, "not inside a git repository");
}

/* No folder named: every folder with a migration_lock.toml at head (a monorepo). */
static void test_default_folders_and_subdirectory(void **state)
{
	fx *f = *state;
	put("apps/a/prisma/migrations/migration_lock.toml", "provider = \"postgresql\"\n");
	put("apps/a/prisma/migrations/20240101000000_init/migration.sql", "CREATE TABLE a (id int);\n");
	put("apps/b/prisma/migrations/migration_lock.toml", "provider = \"postgresql\"\n");
	put("apps/b/prisma/migrations/20240101000000_init/migration.sql", "CREATE TABLE b (id int);\n");
	commit_all("init");
	branch("feature");
	put("apps/a/prisma/migrations/20240201000000_index_a/migration.sql", "CREATE INDEX a_id ON a (id);\n");
	put("apps/b/prisma/migrations/20240201000000_index_b/migration.sql", "CREATE INDEX b_id ON b (id);\n");
	commit_all("indexes");
	gk_check_options o;
	opts(&o, NULL, 0);
	gk_report *r = check_o(&o);
	finding(r, "create-index-non-concurrent", "apps/a/prisma/migrations/20240201000000_index_a/migration.sql");
	finding(r, "create-index-non-concurrent", "apps/b/prisma/migrations/20240201000000_index_b/migration.sql");
	assert_int_equal(r->n_migrations, 2);
	gk_report_free(r);

	/* From a subdirectory, a relative folder still means the same folder; reports use repo paths. */
	assert_int_equal(chdir("apps/a"), 0);
	const char *rel[] = {"prisma/migrations/"};
	opts(&o, rel, 1);
	r = check_o(&o);
	assert_int_equal(r->n_migrations, 1);
	migration(r, "apps/a/prisma/migrations/20240201000000_index_a/migration.sql");
	gk_report_free(r);
	/* ...and so does an absolute one. */
	char abs[PATH_MAX + 64];
	snprintf(abs, sizeof abs, "%s/apps/b/prisma/migrations", f->repo);
	const char *absd[] = {abs};
	opts(&o, absd, 1);
	r = check_o(&o);
	migration(r, "apps/b/prisma/migrations/20240201000000_index_b/migration.sql");
	gk_report_free(r);

	/* No lock file anywhere and no folder named: the user has to say which. */
	assert_int_equal(chdir(f->repo), 0);
	GIT(".", "rm", "-q", "apps/a/prisma/migrations/migration_lock.toml", "apps/b/prisma/migrations/migration_lock.toml");
	commit_all("no lock files");
	gk_error err = {0};
	opts(&o, NULL, 0);
	assert_int_equal(check_fails(&o, &err), GK_ECONFIG);
	expect_in(err.msg, "migration_lock.toml");
}

/* The rules of category history are in the registry and say where they are tested. */
static void test_registry_entries(void **state)
{
	(void)state;
	const char *ids[] = {"modified-migration", "deleted-migration", "renamed-migration", "out-of-order-migration",
			     "duplicate-version", "lock-file-mismatch", "stray-file", "migration-name"};
	for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
		const gk_rule_info *r = gk_rule_find(ids[i]);
		assert_non_null(r);
		assert_int_equal(r->category, GK_CAT_HISTORY);
		assert_string_equal(r->tested_by, "src/check/check_test.c");
	}
	assert_int_equal(gk_rule_find("empty-migration")->category, GK_CAT_HISTORY);
	assert_int_equal(gk_rule_find("stray-file")->severity, GK_SEV_WARNING);
	assert_int_equal(gk_rule_find("modified-migration")->severity, GK_SEV_ERROR);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_prisma_classification),
		T(test_crlf_plus_edit_is_modified),
		T(test_out_of_order),
		T(test_flyway_out_of_order_and_repeatables),
		T(test_duplicate_version_golang_migrate),
		T(test_lock_file_deleted),
		T(test_lock_file_missing),
		T(test_lock_file_provider),
		T(test_lock_file_edited),
		T(test_lock_file_unchanged_or_line_endings),
		T(test_stray_file),
		T(test_migration_name),
		T(test_migration_name_other_layouts),
		T(test_empty_migration),
		T(test_severity_overrides),
		T(test_layout_dbmate),
		T(test_layout_diesel),
		T(test_layout_plain),
		T(test_layout_override_and_runner_option),
		T(test_table_created_in_another_added_migration),
		T(test_set_not_null_after_validated_check_on_base),
		T(test_set_not_null_without_validation),
		T(test_alter_column_type_knows_old_type),
		T(test_foreign_key_sees_index_of_another_migration),
		T(test_modified_migration_objects_exist),
		T(test_all),
		T(test_no_lint),
		T(test_exclude),
		T(test_worktree),
		T(test_shallow_clone),
		T(test_user_errors),
		T(test_default_folders_and_subdirectory),
		T(test_registry_entries),
	};
	return cmocka_run_group_tests_name("check", tests, group_setup, NULL);
}
