/*
 * drift_test.c - `gatekeeper drift` (src/drift) on the embedded server: a
 * "production" database gets a Prisma folder's migrations and the history
 * rows Prisma writes, is then changed by hand, and the drift check must
 * report exactly those changes: "drift-missing", "drift-unexpected",
 * "drift-changed" (object, attribute, both values), nothing for a pending
 * migration, the object kinds it did not compare as notes, a snapshot file
 * as the expected side, and an unreachable target as exit 3 without its
 * password.  The shadow is the same cluster, as an external server.
 */
/* test needs: postgres */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>

#include "gatekeeper/drift.h"
#include "catalog/catalog.h"
#include "history/history.h"
#include "gatekeeper/render.h"
#include "target/target_test_support.h"

#define INIT "20240101000000_init"
#define ADD "20240102000000_add_posts"
#define PENDING "20240103000000_add_tags"

static const char *const init_sql =
	"CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text);\n"
	"CREATE INDEX users_email_idx ON users (email);\n";
static const char *const add_sql =
	"CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id), title text);\n";

typedef struct world {
	char *dir;   /* the migrations folder */
	db prod;     /* the target */
} world;

/* The folder holds three migrations; production applied the first two. */
static world make_world(suite *s)
{
	world w = {new_folder(s, "migrations"), fresh_db(s)};
	put(w.dir, "migration_lock.toml", "provider = \"postgresql\"\n");
	sql(&w.prod, "%s", gk_layout_history_table_sql(GK_LAYOUT_PRISMA));
	prisma_deploy(&w.prod, w.dir, INIT, init_sql);
	prisma_deploy(&w.prod, w.dir, ADD, add_sql);
	put(w.dir, PENDING "/migration.sql", "CREATE TABLE tags (id bigint PRIMARY KEY);\n");
	return w;
}

static void free_world(suite *s, world *w)
{
	drop_db(s, &w->prod);
	free(w->dir);
}

static gk_report *drift_opts(suite *s, const world *w, const char *expected, const char *const *ignore,
			     size_t n_ignore, bool extras)
{
	gk_drift_options o = {.include_grants = extras, .include_owners = extras, .include_comments = extras};
	gk_lint_options_init(&o.lint);
	o.target_url = w->prod.conninfo;
	o.expected_path = expected;
	o.dirs = (const char *const *)&w->dir;
	o.n_dirs = 1;
	o.shadow.url = super_conninfo(s->shadow);
	o.ignore = ignore;
	o.n_ignore = n_ignore;
	gk_report *r = gk_report_new("drift");
	gk_error err = {0};
	if (gk_drift_run(r, &o, &err) != 0)
		fail_msg("gk_drift_run: %s", err.msg);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	return r;
}

static gk_report *drift(suite *s, const world *w, const char *expected, const char *const *ignore, size_t n_ignore)
{
	return drift_opts(s, w, expected, ignore, n_ignore, false);
}

static void dump(const gk_report *r)
{
	for (size_t i = 0; i < r->n_findings; i++)
		print_message("    %s: %s\n", r->findings[i].rule_id, r->findings[i].message);
	for (size_t i = 0; i < r->n_errors; i++)
		print_message("    error: %s\n", r->errors[i].message);
}

static const gk_finding *about(const gk_report *r, const char *rule, const char *object)
{
	for (size_t i = 0; i < r->n_findings; i++)
		if (!strcmp(r->findings[i].rule_id, rule) && r->findings[i].object &&
		    !strcmp(r->findings[i].object, object))
			return &r->findings[i];
	dump(r);
	fail_msg("no %s finding about %s", rule, object);
	return NULL;
}

/* `d` as `gatekeeper snapshot` writes it, into the suite's folder (malloc'ed path). */
static char *snapshot_file(suite *s, const db *d, const char *name, const gk_catalog_options *co)
{
	char *path = gk_asprintf("%s/%s", s->tmp, name);
	gk_catalog *cat = NULL;
	gk_error err = {0};
	if (gk_catalog_read(&cat, d->conninfo, co, &err) != 0)
		fail_msg("snapshot: %s", err.msg);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(gk_catalog_write(cat, f, &err), 0);
	assert_int_equal(fclose(f), 0);
	gk_catalog_free(cat);
	return path;
}

/* ---- tests ------------------------------------------------------------------ */

/* Production as its history says: no drift, and the pending migration's
 * table is not reported missing. */
static void test_no_drift(void **state)
{
	suite *s = *state;
	world w = make_world(s);
	gk_report *r = drift(s, &w, NULL, NULL, 0);
	if (r->n_findings || r->n_errors)
		dump(r);
	assert_int_equal(r->n_findings, 0);
	assert_int_equal(r->n_errors, 0);
	assert_int_equal(r->exit_code, GK_EXIT_PASS);
	gk_report_free(r);
	free_world(s, &w);
}

/* One change of each kind, made by hand on production. */
static void test_each_kind_of_drift(void **state)
{
	suite *s = *state;
	world w = make_world(s);
	sql(&w.prod, "ALTER TABLE users DROP COLUMN name; CREATE INDEX posts_title_idx ON posts (title); "
		     "ALTER TABLE posts ALTER COLUMN title TYPE varchar(200)");
	gk_report *r = drift(s, &w, NULL, NULL, 0);
	const gk_finding *f = about(r, "drift-missing", "public.users.name");
	assert_string_equal(f->object_kind, "column");
	f = about(r, "drift-unexpected", "public.posts_title_idx");
	assert_string_equal(f->object_kind, "index");
	f = about(r, "drift-changed", "public.posts.title");
	assert_string_equal(f->attribute, "type");
	assert_string_equal(f->expected, "text");
	assert_string_equal(f->actual, "character varying(200)");
	assert_non_null(strstr(f->message, "character varying(200)"));
	assert_int_equal(f->category, GK_CAT_DRIFT);
	assert_int_equal(r->exit_code, GK_EXIT_FAIL);
	gk_report_free(r);

	/* An ignored object is not reported. */
	const char *ignore[] = {"index:public.posts_title_idx"};
	r = drift(s, &w, NULL, ignore, 1);
	for (size_t i = 0; i < r->n_findings; i++)
		assert_true(!r->findings[i].object || strcmp(r->findings[i].object, "public.posts_title_idx"));
	gk_report_free(r);
	free_world(s, &w);
}

/* A kind the catalog does not compare is named, not passed over. */
static void test_not_compared_is_said(void **state)
{
	suite *s = *state;
	world w = make_world(s);
	sql(&w.prod, "CREATE AGGREGATE public.my_sum (int) (sfunc = int4pl, stype = int)");
	gk_report *r = drift(s, &w, NULL, NULL, 0);
	bool said = false;
	for (size_t i = 0; i < r->n_notes; i++)
		said = said || strstr(r->notes[i], "aggregate");
	if (!said)
		for (size_t i = 0; i < r->n_notes; i++)
			print_message("    note: %s\n", r->notes[i]);
	assert_true(said);
	gk_report_free(r);
	free_world(s, &w);
}

/* The expected side from a snapshot file instead of a replay. */
static void test_expected_snapshot(void **state)
{
	suite *s = *state;
	world w = make_world(s);
	char *path = snapshot_file(s, &w.prod, "expected.json", NULL);
	sql(&w.prod, "ALTER TABLE users ALTER COLUMN email DROP NOT NULL");
	gk_report *r = drift(s, &w, path, NULL, 0);
	const gk_finding *d = about(r, "drift-changed", "public.users.email");
	assert_string_equal(d->attribute, "not_null");
	gk_report_free(r);
	free(path);
	free_world(s, &w);
}

/* Owners, comments and grants are compared when asked for, and only then. */
static void test_owner_comment_grants(void **state)
{
	suite *s = *state;
	world w = make_world(s);
	char *role = unique(s, "owner");
	sql(&w.prod, "CREATE ROLE %s; ALTER TABLE posts OWNER TO %s; COMMENT ON TABLE users IS 'people'; "
		     "GRANT SELECT ON users TO PUBLIC", role, role);
	gk_report *r = drift(s, &w, NULL, NULL, 0);
	if (r->n_findings)
		dump(r);
	assert_int_equal(r->n_findings, 0);
	gk_report_free(r);
	r = drift_opts(s, &w, NULL, NULL, 0, true);
	assert_string_equal(about(r, "drift-changed", "public.posts")->actual, role);
	assert_string_equal(about(r, "drift-changed", "public.users")->attribute, "comment");
	bool grants = false;
	for (size_t i = 0; i < r->n_findings; i++)
		grants = grants || (r->findings[i].attribute && !strcmp(r->findings[i].attribute, "grants"));
	if (!grants)
		dump(r);
	assert_true(grants);
	gk_report_free(r);
	sql(&w.prod, "ALTER TABLE posts OWNER TO CURRENT_USER; DROP ROLE %s", role);
	free(role);
	free_world(s, &w);
}

/* A snapshot taken with comments makes drift read production with them. */
static void test_snapshot_options_carry_over(void **state)
{
	suite *s = *state;
	world w = make_world(s);
	gk_catalog_options co = {.include_comments = true};
	char *path = snapshot_file(s, &w.prod, "with-comments.json", &co);
	sql(&w.prod, "COMMENT ON COLUMN users.email IS 'login'");
	gk_report *r = drift(s, &w, path, NULL, 0);
	const gk_finding *d = about(r, "drift-changed", "public.users.email");
	assert_string_equal(d->attribute, "comment");
	assert_string_equal(d->actual, "login");
	gk_report_free(r);
	free(path);
	free_world(s, &w);
}

/* A snapshot file that is not one is the user's setup (exit 2), named. */
static void test_bad_snapshot_file(void **state)
{
	suite *s = *state;
	world w = make_world(s);
	char *path = gk_asprintf("%s/not-a-snapshot.json", s->tmp);
	test_write_file(path, "{\"hello\": ");
	gk_drift_options o = {0};
	gk_lint_options_init(&o.lint);
	o.target_url = w.prod.conninfo;
	o.expected_path = path;
	gk_report *r = gk_report_new("drift");
	gk_error err = {0};
	assert_int_equal(gk_drift_run(r, &o, &err), GK_ECONFIG);
	assert_non_null(strstr(err.msg, "not-a-snapshot.json:1:"));
	gk_report_free(r);
	free(path);
	free_world(s, &w);
}

/* The history names a migration the folder lacks: nothing to replay. */
static void test_applied_but_missing_locally(void **state)
{
	suite *s = *state;
	world w = make_world(s);
	prisma_applied(&w.prod, "20240104000000_hotfix", "SELECT 1;\n");
	gk_drift_options o = {0};
	gk_lint_options_init(&o.lint);
	o.target_url = w.prod.conninfo;
	o.dirs = (const char *const *)&w.dir;
	o.n_dirs = 1;
	o.shadow.url = super_conninfo(s->shadow);
	gk_report *r = gk_report_new("drift");
	gk_error err = {0};
	assert_int_equal(gk_drift_run(r, &o, &err), GK_ECONFIG);
	assert_non_null(strstr(err.msg, "20240104000000_hotfix"));
	gk_report_free(r);
	free_world(s, &w);
}

/* The expected schema replays each migration as its runner sent it: a
 * Prisma 7.4+ deploy splits the file, so an enum value added and used in
 * one migration applies (no drift); stated as Prisma 7.3, which sends the
 * file as one query, the same migration cannot apply (55P04) and the
 * drift says its expected schema could not be built. */
static void test_runner_model_of_each_migration(void **state)
{
	suite *s = *state;
	world w = make_world(s);
	static const char *const enum_sql = "ALTER TYPE mood ADD VALUE 'ok';\n"
					    "CREATE TABLE moods (m mood NOT NULL DEFAULT 'ok');\n";
	prisma_deploy(&w.prod, w.dir, "20240102100000_mood", "CREATE TYPE mood AS ENUM ('bad');\n");
	/* As Prisma 7.4+ deploys it: each statement on its own. */
	put(w.dir, "20240102200000_mood_ok/migration.sql", enum_sql);
	sql(&w.prod, "ALTER TYPE mood ADD VALUE 'ok'");
	sql(&w.prod, "CREATE TABLE moods (m mood NOT NULL DEFAULT 'ok')");
	prisma_applied(&w.prod, "20240102200000_mood_ok", enum_sql);
	gk_report *r = drift(s, &w, NULL, NULL, 0);
	if (r->n_findings || r->n_errors)
		dump(r);
	assert_int_equal(r->exit_code, GK_EXIT_PASS);
	gk_report_free(r);

	gk_drift_options o = {0};
	gk_lint_options_init(&o.lint);
	snprintf(o.lint.prisma_version, sizeof o.lint.prisma_version, "%s", "7.3.0");
	o.target_url = w.prod.conninfo;
	o.dirs = (const char *const *)&w.dir;
	o.n_dirs = 1;
	o.shadow.url = super_conninfo(s->shadow);
	r = gk_report_new("drift");
	gk_error err = {0};
	(void)gk_drift_run(r, &o, &err);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	bool said = strstr(err.msg, "55P04") != NULL;
	for (size_t i = 0; i < r->n_findings; i++)
		said = said || (r->findings[i].message && strstr(r->findings[i].message, "55P04"));
	for (size_t i = 0; i < r->n_errors; i++)
		said = said || (r->errors[i].message && strstr(r->errors[i].message, "55P04"));
	if (!said) {
		print_message("    err: %s\n", err.msg);
		dump(r);
	}
	assert_true(said);
	assert_int_not_equal(r->exit_code, GK_EXIT_PASS);
	gk_report_free(r);
	free_world(s, &w);
}

static void test_unreachable_target(void **state)
{
	suite *s = *state;
	world w = make_world(s);
	gk_drift_options o = {0};
	gk_lint_options_init(&o.lint);
	o.target_url = "postgresql://app:Dr1ftSecret@127.0.0.1:1/app";
	o.dirs = (const char *const *)&w.dir;
	o.n_dirs = 1;
	gk_report *r = gk_report_new("drift");
	gk_error err = {0};
	assert_int_equal(gk_drift_run(r, &o, &err), 0);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	assert_int_equal(r->exit_code, GK_EXIT_INFRA);
	assert_int_equal(r->errors[0].kind, GK_ERRKIND_DB_CONNECT);
	assert_non_null(strstr(r->errors[0].message, "127.0.0.1"));
	assert_null(strstr(r->errors[0].message, "Dr1ftSecret"));
	gk_report_free(r);
	free_world(s, &w);
}

/* A renderer's output for `r` (malloc'ed). */
static char *rendered(const gk_report *r, const char *name)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	gk_render_options ro = {.hostname = "test", .timestamp = 1, .pretty = true}; /* the tests read it by line */
	gk_error err = {0};
	assert_int_equal(gk_renderer_find(name)->render(r, f, &ro, &err), 0);
	fclose(f);
	return buf;
}

static const gk_report_kind_count *kind_count(const gk_report *r, const char *kind)
{
	for (size_t i = 0; i < r->drift.n_kinds; i++)
		if (!strcmp(r->drift.kinds[i].kind, kind))
			return &r->drift.kinds[i];
	fail_msg("no count of %s", kind);
	return NULL;
}

/* A pass says what it compared: the target, the applied migrations, the
 * objects per kind, and what --ignore left out, in the model (text and
 * JSON print it). */
static void test_pass_says_what_it_compared(void **state)
{
	suite *s = *state;
	world w = make_world(s);
	const char *ignore[] = {"table:public.posts"};
	gk_report *r = drift(s, &w, NULL, ignore, 1);
	assert_int_equal(r->exit_code, GK_EXIT_PASS);
	assert_non_null(r->drift.target);
	assert_null(r->drift.expected);
	assert_int_equal(r->drift.applied, 2);
	assert_int_equal(kind_count(r, "table")->compared, 1);   /* users */
	assert_int_equal(kind_count(r, "table")->ignored, 1);    /* posts */
	assert_int_equal(kind_count(r, "column")->compared, 3);  /* users' */
	assert_int_equal(kind_count(r, "column")->ignored, 3);   /* posts' */
	assert_int_equal(r->drift.n_schemas, 0);
	assert_int_equal(r->drift.n_ignore, 1);
	char *text = rendered(r, "text"), *json = rendered(r, "json");
	if (!strstr(text, "with 2 applied migrations, replayed") || !strstr(text, "table 1, column 3") ||
	    !strstr(text, "schemas: every user schema") ||
	    !strstr(text, "left out by --ignore: table:public.posts: 6 objects on the target"))
		fail_msg("text lacks the drift scope:\n%s", text);
	if (!strstr(json, "\"applied_migrations\": 2") || !strstr(json, "\"ignored\": 6") ||
	    !strstr(json, "\"expected\": \"replay\""))
		fail_msg("JSON lacks the drift scope:\n%s", json);
	free(text);
	free(json);
	gk_report_free(r);
	free_world(s, &w);
}

/* Prisma's ?schema=app: the migrations run in that schema (as Prisma
 * deploys them), only it is compared, and a table elsewhere is left out. */
static void test_url_schema_is_compared(void **state)
{
	suite *s = *state;
	world w = {new_folder(s, "migrations"), fresh_db(s)};
	put(w.dir, "migration_lock.toml", "provider = \"postgresql\"\n");
	sql(&w.prod, "CREATE SCHEMA app; ALTER DATABASE %s SET search_path = app", w.prod.name);
	sql(&w.prod, "%s", gk_layout_history_table_sql(GK_LAYOUT_PRISMA));
	prisma_deploy(&w.prod, w.dir, INIT, init_sql);
	prisma_deploy(&w.prod, w.dir, ADD, add_sql);
	sql(&w.prod, "CREATE TABLE public.unrelated (id int)");
	char *user = conn_param(w.prod.conninfo, "user");
	char *url = url_for(&w.prod, user, NULL, "&schema=app&connection_limit=1");
	gk_drift_options o = {0};
	gk_lint_options_init(&o.lint);
	o.target_url = url;
	o.dirs = (const char *const *)&w.dir;
	o.n_dirs = 1;
	o.shadow.url = super_conninfo(s->shadow);
	gk_report *r = gk_report_new("drift");
	gk_error err = {0};
	if (gk_drift_run(r, &o, &err) != 0)
		fail_msg("gk_drift_run: %s", err.msg);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	if (r->n_findings || r->n_errors)
		dump(r);
	assert_int_equal(r->n_findings, 0);
	assert_int_equal(r->n_errors, 0);
	assert_int_equal(r->drift.n_schemas, 1);
	assert_string_equal(r->drift.schemas[0], "app");
	assert_string_equal(r->drift.schemas_from, "the URL's ?schema=");
	assert_int_equal(kind_count(r, "table")->compared, 2);
	gk_report_free(r);
	/* A change in app by hand is found there. */
	sql(&w.prod, "ALTER TABLE app.users DROP COLUMN name");
	r = gk_report_new("drift");
	assert_int_equal(gk_drift_run(r, &o, &err), 0);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	about(r, "drift-missing", "app.users.name");
	assert_int_equal(r->n_findings, 1);
	gk_report_free(r);
	free(url);
	free(user);
	free_world(s, &w);
}

/* A migration edited after apply: the findings on the objects it touches
 * say so (others do not), and a note names it. */
static void test_edited_migration_is_said(void **state)
{
	suite *s = *state;
	world w = make_world(s);
	put(w.dir, ADD "/migration.sql",
	    "CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id), title text, body text);\n");
	sql(&w.prod, "CREATE INDEX users_name_idx ON users (name)");
	gk_report *r = drift(s, &w, NULL, NULL, 0);
	const gk_finding *f = about(r, "drift-missing", "public.posts.body");
	if (!strstr(f->message, ADD "/migration.sql, which touches this object, was edited after it was applied"))
		fail_msg("no word on the edit: %s", f->message);
	f = about(r, "drift-unexpected", "public.users_name_idx");
	if (strstr(f->message, "edited"))
		fail_msg("an object the edit does not touch: %s", f->message);
	bool noted = false;
	for (size_t i = 0; i < r->n_notes; i++)
		noted |= strstr(r->notes[i], ADD "/migration.sql was edited after it was applied") != NULL;
	assert_true(noted);
	gk_report_free(r);
	free_world(s, &w);
}

/* No history table while the folder has migrations: the warning names
 * the database, before the drift that follows from it. */
static void test_missing_history_warns(void **state)
{
	suite *s = *state;
	world w = {new_folder(s, "migrations"), fresh_db(s)};
	put(w.dir, "migration_lock.toml", "provider = \"postgresql\"\n");
	put(w.dir, INIT "/migration.sql", init_sql);
	sql(&w.prod, "%s", init_sql);
	gk_report *r = drift(s, &w, NULL, NULL, 0);
	const gk_finding *f = NULL;
	for (size_t i = 0; i < r->n_findings; i++)
		if (!strcmp(r->findings[i].rule_id, "history-table-missing"))
			f = &r->findings[i];
	if (!f) {
		dump(r);
		fail_msg("no history-table-missing finding");
	}
	assert_int_equal(f->severity, GK_SEV_WARNING);
	char *where = gk_asprintf("database %s on host %s port %s has no history table", w.prod.name, w.prod.host,
				  w.prod.port);
	if (!strstr(f->message, where) || !strstr(f->message, "not the database the folder is deployed to"))
		fail_msg("%s", f->message);
	about(r, "drift-unexpected", "public.users");
	free(where);
	gk_report_free(r);
	free_world(s, &w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_drift),
		cmocka_unit_test(test_pass_says_what_it_compared),
		cmocka_unit_test(test_url_schema_is_compared),
		cmocka_unit_test(test_edited_migration_is_said),
		cmocka_unit_test(test_missing_history_warns),
		cmocka_unit_test(test_each_kind_of_drift),
		cmocka_unit_test(test_not_compared_is_said),
		cmocka_unit_test(test_expected_snapshot),
		cmocka_unit_test(test_owner_comment_grants),
		cmocka_unit_test(test_snapshot_options_carry_over),
		cmocka_unit_test(test_bad_snapshot_file),
		cmocka_unit_test(test_applied_but_missing_locally),
		cmocka_unit_test(test_unreachable_target),
		cmocka_unit_test(test_runner_model_of_each_migration),
	};
	return cmocka_run_group_tests_name("drift", tests, group_start, group_stop);
}
