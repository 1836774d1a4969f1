/*
 * layout_test.c - migration folders of each tool: synthetic path lists for
 * every naming and ordering rule and trap, and the real corpora in
 * ../shared/corpora (skipped with a message when absent).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layout/layout.h"
#include "sql/sql.h"
#include "util/util.h"
#include "util/skip_test_support.h"

#ifndef GK_SOURCE_DIR
#define GK_SOURCE_DIR "."
#endif
#define CORPORA GK_SOURCE_DIR "/../shared/corpora"

/* ---- an in-memory folder ------------------------------------------------ */

typedef struct vfile {
	const char *path;
	const char *text;   /* NULL = unreadable */
} vfile;

/* Files not in the table read as empty. */
static int vread(char **out, size_t *len, const char *relpath, void *payload)
{
	for (const vfile *f = payload; f && f->path; f++) {
		if (strcmp(f->path, relpath) != 0)
			continue;
		if (!f->text)
			return GK_EIO;
		*out = strdup(f->text);
		*len = strlen(f->text);
		return *out ? 0 : GK_ENOMEM;
	}
	*out = strdup("");
	*len = 0;
	return *out ? 0 : GK_ENOMEM;
}

#define N(a) (sizeof(a) / sizeof *(a))

static gk_layout *must_read(enum gk_layout_kind kind, const char *const *paths, size_t n, const vfile *files)
{
	gk_layout *l = NULL;
	gk_error err = {0};
	/* no table: no reader, as when a caller only has the names */
	int rc = gk_layout_read(&l, kind, paths, n, files ? vread : NULL, (void *)files, &err);
	if (rc != 0)
		print_error("gk_layout_read: %d %s\n", rc, err.msg);
	assert_int_equal(rc, 0);
	assert_non_null(l);
	return l;
}

static void assert_keys(const gk_layout *l, const char *const *keys, size_t n)
{
	if (l->n_migrations != n) {
		for (size_t i = 0; i < l->n_migrations; i++)
			print_error("  [%zu] %s\n", i, l->migrations[i].key);
	}
	assert_int_equal(l->n_migrations, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(l->migrations[i].key, keys[i]);
}

static void assert_stray(const gk_layout *l, const char *const *paths, size_t n)
{
	if (l->n_stray != n)
		for (size_t i = 0; i < l->n_stray; i++)
			print_error("  stray %s\n", l->stray[i]);
	assert_int_equal(l->n_stray, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(l->stray[i], paths[i]);
}

static const gk_layout_migration *by_key(const gk_layout *l, const char *key)
{
	for (size_t i = 0; i < l->n_migrations; i++)
		if (strcmp(l->migrations[i].key, key) == 0)
			return &l->migrations[i];
	fail_msg("no migration %s", key);
	return NULL;
}

/* ---- names and versions ------------------------------------------------- */

static void test_kind_names(void **state)
{
	(void)state;
	static const char *const names[] = {"auto", "prisma", "flyway", "golang-migrate", "dbmate", "diesel", "plain"};
	for (int k = GK_LAYOUT_AUTO; k <= GK_LAYOUT_PLAIN; k++) {
		enum gk_layout_kind got = GK_LAYOUT_AUTO;
		assert_string_equal(gk_layout_kind_name((enum gk_layout_kind)k), names[k]);
		assert_int_equal(gk_layout_kind_parse(&got, names[k]), 0);
		assert_int_equal(got, k);
	}
	enum gk_layout_kind got = GK_LAYOUT_AUTO;
	assert_int_equal(gk_layout_kind_parse(&got, "supabase"), 0);
	assert_int_equal(got, GK_LAYOUT_PLAIN);
	assert_int_equal(gk_layout_kind_parse(&got, "liquibase"), GK_ENOTFOUND);
	assert_int_equal(gk_layout_kind_parse(&got, "Flyway"), GK_ENOTFOUND);
}

static void test_version_cmp_flyway(void **state)
{
	(void)state;
	enum gk_layout_kind f = GK_LAYOUT_FLYWAY;
	assert_true(gk_layout_version_cmp(f, "1.10", "1.9") > 0);
	assert_true(gk_layout_version_cmp(f, "1_9", "1_10") < 0);
	assert_int_equal(gk_layout_version_cmp(f, "1_10", "1.10"), 0);
	assert_true(gk_layout_version_cmp(f, "2", "1_10") > 0);
	assert_int_equal(gk_layout_version_cmp(f, "1.0", "1"), 0);
	assert_int_equal(gk_layout_version_cmp(f, "1.0.0", "1"), 0);
	assert_true(gk_layout_version_cmp(f, "1.0.1", "1") > 0);
	assert_true(gk_layout_version_cmp(f, "1.2.3", "1.10") < 0);
	assert_int_equal(gk_layout_version_cmp(f, "010", "10"), 0);
	assert_true(gk_layout_version_cmp(f, "99999999999999999999999", "99999999999999999999998") > 0);
	assert_true(gk_layout_version_cmp(f, "1", NULL) < 0);
	assert_true(gk_layout_version_cmp(f, NULL, "1") > 0);
	assert_int_equal(gk_layout_version_cmp(f, NULL, NULL), 0);
}

static void test_version_cmp_others(void **state)
{
	(void)state;
	enum gk_layout_kind g = GK_LAYOUT_GOLANG_MIGRATE, d = GK_LAYOUT_DIESEL;
	assert_int_equal(gk_layout_version_cmp(g, "0015", "15"), 0);
	assert_true(gk_layout_version_cmp(g, "9", "10") < 0);
	assert_true(gk_layout_version_cmp(g, "0100", "0099") > 0);
	assert_int_equal(gk_layout_version_cmp(d, "2019-02-26-002946", "20190226002946"), 0);
	assert_true(gk_layout_version_cmp(d, "00000000000000", "2019-02-26-002946") < 0);
	/* diesel compares strings: the longer version with the same prefix sorts after */
	assert_true(gk_layout_version_cmp(d, "2026-07-08-184840-0000", "2026-07-08-184840") > 0);
	/* Prisma, dbmate and plain compare bytes, as the tools sort names */
	assert_true(gk_layout_version_cmp(GK_LAYOUT_PRISMA, "01", "02") < 0);
	assert_true(gk_layout_version_cmp(GK_LAYOUT_DBMATE, "9", "10") > 0);
	assert_true(gk_layout_version_cmp(GK_LAYOUT_PLAIN, "b", "a") > 0);
}

/* ---- Flyway ------------------------------------------------------------- */

static void test_flyway_order(void **state)
{
	(void)state;
	static const char *const paths[] = {
		"V1_9__nine.sql", "V1_10__ten.sql", "V2__two.sql", "V1_1__init.sql", "R__b_view.sql",
		"R__a_func.sql", "U1_10__undo_ten.sql", "beforeMigrate.sql", "afterMigrate__grants.sql",
		"README.md", "V1_2__conf.sql", "V1_2__conf.sql.conf", "V3__gone.sql.conf", "Vx__bad.sql",
		"V1_5__nested.sql", "notes.sql", "v4__lowercase.sql", "R1__versioned_repeatable.sql",
		"afterthought.sql", "sub/V1_3__in_sub_folder.sql",
	};
	static const vfile files[] = {{"V1_2__conf.sql.conf", "# script config\nexecuteInTransaction=false\n"}, {0}};
	gk_layout *l = must_read(GK_LAYOUT_AUTO, paths, N(paths), files);
	assert_int_equal(l->kind, GK_LAYOUT_FLYWAY);
	static const char *const keys[] = {
		"V1_1__init.sql", "V1_2__conf.sql", "V1_3__in_sub_folder.sql", "V1_5__nested.sql",
		"V1_9__nine.sql", "V1_10__ten.sql", "V2__two.sql", "R__a_func.sql", "R__b_view.sql",
	};
	assert_keys(l, keys, N(keys));
	static const char *const stray[] = {
		"R1__versioned_repeatable.sql", "README.md", "V3__gone.sql.conf", "Vx__bad.sql",
		"afterthought.sql", "notes.sql", "v4__lowercase.sql",
	};
	assert_stray(l, stray, N(stray));
	const gk_layout_migration *ten = by_key(l, "V1_10__ten.sql");
	assert_string_equal(ten->version, "1_10");
	assert_string_equal(ten->name, "ten");
	assert_false(ten->repeatable);
	assert_false(ten->no_transaction);
	assert_true(by_key(l, "V1_2__conf.sql")->no_transaction);
	assert_string_equal(by_key(l, "V1_3__in_sub_folder.sql")->path, "sub/V1_3__in_sub_folder.sql");
	const gk_layout_migration *r = by_key(l, "R__a_func.sql");
	assert_true(r->repeatable);
	assert_null(r->version);
	assert_string_equal(r->name, "a_func");
	gk_layout_free(l);
}

static void test_flyway_baseline_and_equal_versions(void **state)
{
	(void)state;
	static const char *const paths[] = {"V6__six.sql", "B5__baseline.sql", "V4__four.sql", "V1.0__one.sql",
					    "V1__one_again.sql"};
	gk_layout *l = must_read(GK_LAYOUT_AUTO, paths, N(paths), NULL);
	assert_int_equal(l->kind, GK_LAYOUT_FLYWAY);
	/* 1.0 == 1 for Flyway: both kept (a later check reports them), ordered by key */
	static const char *const keys[] = {"V1.0__one.sql", "V1__one_again.sql", "V4__four.sql", "B5__baseline.sql",
					   "V6__six.sql"};
	assert_keys(l, keys, N(keys));
	gk_layout_free(l);
}

/* ---- golang-migrate ----------------------------------------------------- */

static void test_golang_pairs_and_gaps(void **state)
{
	(void)state;
	static const char *const paths[] = {
		"0001_init.up.sql", "0001_init.down.sql", "0002_add.up.sql", "0010_gap.up.sql",
		"0010_gap.down.sql", "0100_hundred.up.sql", "0005_orphan.down.sql", "README.md",
		"15_fifteen.up.sql", "sub/0003_nested.up.sql", "0030_2.0.0_schema.up.sql", "0040_x.up.json",
	};
	gk_layout *l = must_read(GK_LAYOUT_AUTO, paths, N(paths), NULL);
	assert_int_equal(l->kind, GK_LAYOUT_GOLANG_MIGRATE);
	static const char *const keys[] = {"0001_init", "0002_add", "0010_gap", "15_fifteen", "0030_2.0.0_schema",
					   "0100_hundred"};
	assert_keys(l, keys, N(keys));
	static const char *const stray[] = {"0005_orphan.down.sql", "0040_x.up.json", "README.md",
					    "sub/0003_nested.up.sql"};
	assert_stray(l, stray, N(stray));
	assert_string_equal(l->migrations[0].down_path, "0001_init.down.sql");
	assert_null(l->migrations[1].down_path);
	assert_string_equal(l->migrations[2].down_path, "0010_gap.down.sql");
	assert_string_equal(l->migrations[2].version, "0010");
	assert_string_equal(l->migrations[4].name, "2.0.0_schema");
	assert_string_equal(l->migrations[4].path, "0030_2.0.0_schema.up.sql");
	gk_layout_free(l);
}

static void test_golang_duplicates_stable(void **state)
{
	(void)state;
	static const char *const a[] = {"1_b.up.sql", "0001_a.up.sql", "2_c.up.sql"};
	static const char *const b[] = {"2_c.up.sql", "0001_a.up.sql", "1_b.up.sql"};
	static const char *const keys[] = {"0001_a", "1_b", "2_c"};
	gk_layout *la = must_read(GK_LAYOUT_AUTO, a, N(a), NULL);
	gk_layout *lb = must_read(GK_LAYOUT_AUTO, b, N(b), NULL);
	assert_keys(la, keys, N(keys));
	assert_keys(lb, keys, N(keys));
	gk_layout_free(la);
	gk_layout_free(lb);
}

/* ---- dbmate ------------------------------------------------------------- */

static const char DB_PLAIN[] = "-- a comment before\n-- migrate:up\nCREATE TABLE t (id int);\n\n-- migrate:down\nDROP TABLE t;\n";
/* UPchieve's trap: the down marker indented inside an unterminated statement */
static const char DB_INDENT[] = "-- migrate:up\nALTER TABLE c\n    ADD CONSTRAINT u UNIQUE (a)\n    -- migrate:down\n    DROP CONSTRAINT u;\n";
static const char DB_NOTX[] = "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n-- migrate:down\nDROP INDEX i;\n";
static const char DB_SECOND_OPT[] = "-- migrate:up foo:bar transaction:false\nSELECT 1;\n";
static const char DB_NO_UP[] = "CREATE TABLE x (a int);\n-- migrate:down\nDROP TABLE x;\n";
static const char DB_DOWN_FIRST[] = "-- migrate:down\nDROP TABLE y;\n--migrate:up\nCREATE TABLE y (a int);\n";
static const char DB_UPGRADE[] = "-- migrate:upgrade\nSELECT 1;\n-- migrate:up\r\nSELECT 2;\r\n-- migrate:down\r\nSELECT 3;\r\n";

static const vfile db_files[] = {
	{"20200101000000_plain.sql", DB_PLAIN},     {"20200101000001_indent.sql", DB_INDENT},
	{"20200101000002_notx.sql", DB_NOTX},       {"20200101000003_second_opt.sql", DB_SECOND_OPT},
	{"20200101000004_no_up.sql", DB_NO_UP},     {"20200101000005_down_first.sql", DB_DOWN_FIRST},
	{"20200101000006_upgrade.sql", DB_UPGRADE}, {0},
};

static size_t off(const char *text, const char *needle)
{
	const char *p = strstr(text, needle);
	assert_non_null(p);
	return (size_t)(p - text);
}

static void test_dbmate_sections(void **state)
{
	(void)state;
	static const char *const paths[] = {
		"20200101000000_plain.sql", "20200101000001_indent.sql", "20200101000002_notx.sql",
		"20200101000003_second_opt.sql", "20200101000004_no_up.sql", "20200101000005_down_first.sql",
		"20200101000006_upgrade.sql", "schema.sql", "sub/20200101000007_nested.sql", "README.md",
	};
	gk_layout *l = must_read(GK_LAYOUT_AUTO, paths, N(paths), db_files);
	assert_int_equal(l->kind, GK_LAYOUT_DBMATE);
	assert_int_equal(l->n_migrations, 7);
	static const char *const stray[] = {"README.md", "schema.sql", "sub/20200101000007_nested.sql"};
	assert_stray(l, stray, N(stray));

	const gk_layout_migration *m = by_key(l, "20200101000000_plain");
	assert_string_equal(m->version, "20200101000000");
	assert_string_equal(m->name, "plain");
	assert_int_equal(m->up_start, off(DB_PLAIN, "-- migrate:up"));
	assert_int_equal(m->up_end, off(DB_PLAIN, "-- migrate:down"));
	assert_false(m->no_transaction);

	m = by_key(l, "20200101000001_indent");
	assert_int_equal(m->up_start, 0);
	assert_int_equal(m->up_end, off(DB_INDENT, "    -- migrate:down"));

	assert_true(by_key(l, "20200101000002_notx")->no_transaction);
	/* dbmate reads one option token after the marker: the second is ignored */
	assert_false(by_key(l, "20200101000003_second_opt")->no_transaction);
	assert_int_equal(by_key(l, "20200101000003_second_opt")->up_end, strlen(DB_SECOND_OPT));

	m = by_key(l, "20200101000004_no_up");
	assert_int_equal(m->up_start, 0);
	assert_int_equal(m->up_end, off(DB_NO_UP, "-- migrate:down"));

	m = by_key(l, "20200101000005_down_first");
	assert_int_equal(m->up_start, off(DB_DOWN_FIRST, "--migrate:up"));
	assert_int_equal(m->up_end, strlen(DB_DOWN_FIRST));

	m = by_key(l, "20200101000006_upgrade");
	assert_int_equal(m->up_start, off(DB_UPGRADE, "-- migrate:up\r"));
	assert_int_equal(m->up_end, off(DB_UPGRADE, "-- migrate:down"));
	gk_layout_free(l);
}

static void test_dbmate_file_name_order(void **state)
{
	(void)state;
	/* dbmate sorts file names: "1_a-b.sql" < "1_a.sql" ('-' < '.') and "10_x" < "9_y" */
	static const char *const paths[] = {"9_y.sql", "1_a.sql", "10_x.sql", "1_a-b.sql", "2.sql"};
	gk_layout *l = must_read(GK_LAYOUT_DBMATE, paths, N(paths), NULL);
	static const char *const keys[] = {"10_x", "1_a-b", "1_a", "2", "9_y"};
	assert_keys(l, keys, N(keys));
	assert_string_equal(by_key(l, "2")->name, "");
	assert_int_equal(l->migrations[0].up_end, GK_LAYOUT_END);
	gk_layout_free(l);
}

static void test_dbmate_detection_needs_markers(void **state)
{
	(void)state;
	static const char *const paths[] = {"20200101000000_a.sql", "20200101000001_b.sql"};
	static const vfile marked[] = {{"20200101000000_a.sql", "SELECT 1;\n"}, {"20200101000001_b.sql", DB_PLAIN}, {0}};
	static const vfile unmarked[] = {{"20200101000000_a.sql", "SELECT 1;\n"}, {0}};
	gk_layout *l = must_read(GK_LAYOUT_AUTO, paths, N(paths), marked);
	assert_int_equal(l->kind, GK_LAYOUT_DBMATE);
	gk_layout_free(l);
	l = must_read(GK_LAYOUT_AUTO, paths, N(paths), unmarked);
	assert_int_equal(l->kind, GK_LAYOUT_PLAIN);
	gk_layout_free(l);
	/* without a reader the marker cannot be seen */
	gk_error err = {0};
	assert_int_equal(gk_layout_read(&l, GK_LAYOUT_AUTO, paths, N(paths), NULL, NULL, &err), 0);
	assert_int_equal(l->kind, GK_LAYOUT_PLAIN);
	assert_int_equal(l->migrations[1].up_end, GK_LAYOUT_END);
	gk_layout_free(l);
}

/* ---- Prisma ------------------------------------------------------------- */

static void test_prisma_traps(void **state)
{
	(void)state;
	static const char *const paths[] = {
		"migration_lock.toml",
		"20240126184148_new_models copy/migration.sql",
		"20240126184148_new_models/migration.sql",
		"20250517173700_add_event_log.sql/migration.sql",
		"20250625_add_pivot_table_charttype/migration.sql",
		"01_init/migration.sql",
		"init/migration.sql",
		"README.md",
		"20240101000000_x/notes.md",
		"20240102000000_data_only/migration.ts",
		"20240103000000_pkg/ops.json",
		"20240103000000_pkg/migration.json",
		"01_init/ops.json",
		"a/b/migration.sql",
		"a/b/ops.json",
		".DS_Store",
	};
	static const vfile files[] = {
		{"migration_lock.toml",
		 "# Please do not edit this file manually\n# It should be added in your version-control system\nprovider = \"postgresql\"\n"},
		{0},
	};
	gk_layout *l = must_read(GK_LAYOUT_AUTO, paths, N(paths), files);
	assert_int_equal(l->kind, GK_LAYOUT_PRISMA);
	static const char *const keys[] = {
		"01_init", "20240126184148_new_models", "20240126184148_new_models copy",
		"20250517173700_add_event_log.sql", "20250625_add_pivot_table_charttype", "init",
	};
	assert_keys(l, keys, N(keys));
	/* A Prisma 8 package (no migration.sql) is listed, once per folder, not
	 * stray; a package file beside a migration.sql, or deeper, is stray. */
	static const char *const stray[] = {".DS_Store", "01_init/ops.json", "20240101000000_x/notes.md", "README.md",
					    "a/b/migration.sql", "a/b/ops.json"};
	assert_stray(l, stray, N(stray));
	assert_int_equal(l->n_packages, 2);
	assert_string_equal(l->packages[0], "20240102000000_data_only");
	assert_string_equal(l->packages[1], "20240103000000_pkg");
	assert_string_equal(l->lock_file, "migration_lock.toml");
	assert_string_equal(l->provider, "postgresql");
	const gk_layout_migration *m = by_key(l, "20240126184148_new_models copy");
	assert_string_equal(m->path, "20240126184148_new_models copy/migration.sql");
	assert_string_equal(m->version, "20240126184148");
	assert_string_equal(m->name, "new_models copy");
	assert_string_equal(by_key(l, "01_init")->version, "01");
	assert_string_equal(by_key(l, "01_init")->name, "init");
	assert_null(by_key(l, "init")->version);
	assert_string_equal(by_key(l, "init")->name, "init");
	assert_null(l->migrations[0].down_path);
	gk_layout_free(l);
}

static void test_prisma_lock_variants(void **state)
{
	(void)state;
	static const char *const with_lock[] = {"migration_lock.toml"};
	static const vfile mysql[] = {{"migration_lock.toml", "  provider=mysql \r\n"}, {0}};
	gk_layout *l = must_read(GK_LAYOUT_AUTO, with_lock, 1, mysql);
	assert_int_equal(l->kind, GK_LAYOUT_PRISMA);
	assert_int_equal(l->n_migrations, 0);
	assert_string_equal(l->provider, "mysql");
	gk_layout_free(l);
	/* no lock file: the folders alone make it Prisma */
	static const char *const no_lock[] = {"20240101000000_a/migration.sql", "20240101000001_b/migration.sql"};
	l = must_read(GK_LAYOUT_AUTO, no_lock, N(no_lock), NULL);
	assert_int_equal(l->kind, GK_LAYOUT_PRISMA);
	assert_null(l->lock_file);
	assert_null(l->provider);
	assert_int_equal(l->n_migrations, 2);
	gk_layout_free(l);
}

/* ---- diesel ------------------------------------------------------------- */

static void test_diesel(void **state)
{
	(void)state;
	static const char *const paths[] = {
		"2019-02-26-002946_create_user/up.sql",
		"2019-02-26-002946_create_user/down.sql",
		"00000000000000_diesel_initial_setup/up.sql",
		"00000000000000_diesel_initial_setup/down.sql",
		"2026-07-08-184840-0000_longer/up.sql",
		"2026-07-08-184840_shorter/up.sql",
		"2020-01-01-000000_no_tx/up.sql",
		"2020-01-01-000000_no_tx/metadata.toml",
		"2020-01-02-000000_empty_meta/up.sql",
		"2020-01-02-000000_empty_meta/metadata.toml",
		"2020-01-03-000000_tx/up.sql",
		"2020-01-03-000000_tx/metadata.toml",
		"orphan/down.sql",
		"README.md",
		"2020-01-03-000000_tx/notes.txt",
	};
	static const vfile files[] = {
		{"2020-01-01-000000_no_tx/metadata.toml", "run_in_transaction = false\n"},
		{"2020-01-02-000000_empty_meta/metadata.toml", "# nothing here\n"},
		{"2020-01-03-000000_tx/metadata.toml", "run_in_transaction=true\n"},
		{0},
	};
	gk_layout *l = must_read(GK_LAYOUT_AUTO, paths, N(paths), files);
	assert_int_equal(l->kind, GK_LAYOUT_DIESEL);
	/* diesel's order: versions without dashes, as strings ("…184840" < "…1848400000") */
	static const char *const keys[] = {
		"00000000000000_diesel_initial_setup", "2019-02-26-002946_create_user", "2020-01-01-000000_no_tx",
		"2020-01-02-000000_empty_meta", "2020-01-03-000000_tx", "2026-07-08-184840_shorter",
		"2026-07-08-184840-0000_longer",
	};
	assert_keys(l, keys, N(keys));
	static const char *const stray[] = {"2020-01-03-000000_tx/notes.txt", "README.md", "orphan/down.sql"};
	assert_stray(l, stray, N(stray));
	const gk_layout_migration *m = by_key(l, "2019-02-26-002946_create_user");
	assert_string_equal(m->version, "2019-02-26-002946");
	assert_string_equal(m->name, "create_user");
	assert_string_equal(m->path, "2019-02-26-002946_create_user/up.sql");
	assert_string_equal(m->down_path, "2019-02-26-002946_create_user/down.sql");
	assert_null(by_key(l, "2026-07-08-184840_shorter")->down_path);
	assert_false(m->no_transaction);
	assert_true(by_key(l, "2020-01-01-000000_no_tx")->no_transaction);
	/* serde's default for a bool missing from metadata.toml is false */
	assert_true(by_key(l, "2020-01-02-000000_empty_meta")->no_transaction);
	assert_false(by_key(l, "2020-01-03-000000_tx")->no_transaction);
	gk_layout_free(l);
}

static void test_diesel_order_ignores_dashes(void **state)
{
	(void)state;
	/* by folder name "1-9_a" comes first ('-' < '0'); diesel compares "19" with "10" */
	static const char *const paths[] = {"1-9_a/up.sql", "10_b/up.sql"};
	gk_layout *l = must_read(GK_LAYOUT_AUTO, paths, N(paths), NULL);
	static const char *const keys[] = {"10_b", "1-9_a"};
	assert_keys(l, keys, N(keys));
	gk_layout_free(l);
}

/* ---- plain, detection, normalisation ------------------------------------ */

static void test_plain(void **state)
{
	(void)state;
	static const char *const paths[] = {"20240108234541_add_profiles.sql", "20240108234540_setup.sql",
					    "seed/data.sql", "README.md", "schema.prisma"};
	static const vfile files[] = {{"20240108234540_setup.sql", "CREATE TABLE a (id int);\n"}, {0}};
	gk_layout *l = must_read(GK_LAYOUT_AUTO, paths, N(paths), files);
	assert_int_equal(l->kind, GK_LAYOUT_PLAIN);
	static const char *const keys[] = {"20240108234540_setup.sql", "20240108234541_add_profiles.sql", "seed/data.sql"};
	assert_keys(l, keys, N(keys));
	static const char *const stray[] = {"README.md", "schema.prisma"};
	assert_stray(l, stray, N(stray));
	assert_null(l->migrations[0].version);
	assert_string_equal(l->migrations[0].name, "20240108234540_setup");
	assert_int_equal(l->migrations[0].up_start, 0);
	assert_int_equal(l->migrations[0].up_end, strlen("CREATE TABLE a (id int);\n"));
	assert_int_equal(l->migrations[1].up_end, 0);  /* the test reader's empty file */
	gk_layout_free(l);
}

static void test_detect_each_kind(void **state)
{
	(void)state;
	static const struct {
		enum gk_layout_kind want;
		const char *paths[4];
	} cases[] = {
		{GK_LAYOUT_PRISMA, {"20240101000000_a/migration.sql", "README.md"}},
		{GK_LAYOUT_PRISMA, {"migration_lock.toml", "V1__looks_like_flyway.sql"}},
		{GK_LAYOUT_FLYWAY, {"V1__a.sql", "V2__b.sql", "R__c.sql"}},
		{GK_LAYOUT_FLYWAY, {"db/V1__a.sql"}},
		{GK_LAYOUT_GOLANG_MIGRATE, {"1_a.up.sql", "1_a.down.sql"}},
		{GK_LAYOUT_DBMATE, {"20200101000000_plain.sql"}},
		{GK_LAYOUT_DIESEL, {"2019-01-01-000000_a/up.sql", "2019-01-01-000000_a/down.sql"}},
		{GK_LAYOUT_PLAIN, {"20240101000000_a.sql", "20240101000001_b.sql"}},
		{GK_LAYOUT_PLAIN, {"README.md"}},
		{GK_LAYOUT_PLAIN, {NULL}},
	};
	for (size_t i = 0; i < N(cases); i++) {
		size_t n = 0;
		while (n < 4 && cases[i].paths[n])
			n++;
		gk_layout *l = must_read(GK_LAYOUT_AUTO, cases[i].paths, n, db_files);
		if (l->kind != cases[i].want)
			fail_msg("case %zu (%s): detected %s, want %s", i, cases[i].paths[0] ? cases[i].paths[0] : "empty",
				 gk_layout_kind_name(l->kind), gk_layout_kind_name(cases[i].want));
		gk_layout_free(l);
	}
}

static void test_forced_kind(void **state)
{
	(void)state;
	/* a Flyway folder read as plain: every .sql in path order, nothing ignored */
	static const char *const paths[] = {"V1_10__b.sql", "V1_9__a.sql", "beforeMigrate.sql"};
	gk_layout *l = must_read(GK_LAYOUT_PLAIN, paths, N(paths), NULL);
	assert_int_equal(l->kind, GK_LAYOUT_PLAIN);
	static const char *const keys[] = {"V1_10__b.sql", "V1_9__a.sql", "beforeMigrate.sql"};
	assert_keys(l, keys, N(keys));
	gk_layout_free(l);
	gk_error err = {0};
	assert_int_equal(gk_layout_read(&l, (enum gk_layout_kind)42, paths, N(paths), NULL, NULL, &err), GK_ECONFIG);
	assert_null(l);
}

static void test_normalise_paths(void **state)
{
	(void)state;
	static const char *const paths[] = {"./V2__b.sql", "V1__a.sql", "V1__a.sql", "sub/", "", "././V3__c.sql"};
	gk_layout *l = must_read(GK_LAYOUT_AUTO, paths, N(paths), NULL);
	static const char *const keys[] = {"V1__a.sql", "V2__b.sql", "V3__c.sql"};
	assert_keys(l, keys, N(keys));
	assert_string_equal(l->migrations[1].path, "V2__b.sql");
	assert_int_equal(l->n_stray, 0);
	gk_layout_free(l);
}

static void test_read_error(void **state)
{
	(void)state;
	static const char *const paths[] = {"20200101000000_plain.sql", "20200101000001_gone.sql"};
	static const vfile files[] = {{"20200101000000_plain.sql", DB_PLAIN}, {"20200101000001_gone.sql", NULL}, {0}};
	gk_layout *l = (gk_layout *)1;
	gk_error err = {0};
	assert_int_equal(gk_layout_read(&l, GK_LAYOUT_DBMATE, paths, N(paths), vread, (void *)files, &err), GK_EIO);
	assert_null(l);
	assert_non_null(strstr(err.msg, "20200101000001_gone.sql"));
	/* a Prisma lock file that cannot be read fails too */
	static const char *const lock[] = {"migration_lock.toml"};
	static const vfile bad_lock[] = {{"migration_lock.toml", NULL}, {0}};
	assert_int_equal(gk_layout_read(&l, GK_LAYOUT_AUTO, lock, 1, vread, (void *)bad_lock, &err), GK_EIO);
	assert_null(l);
}

/* ---- a folder on disk --------------------------------------------------- */

static void write_file(const char *dir, const char *rel, const char *text)
{
	char *p = gk_asprintf("%s/%s", dir, rel);
	assert_non_null(p);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

static void make_dir(const char *dir, const char *rel)
{
	char *p = gk_asprintf("%s/%s", dir, rel);
	assert_non_null(p);
	assert_int_equal(mkdir(p, 0700), 0);
	free(p);
}

static void test_read_dir(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	char *tmpl = gk_asprintf("%s/gk_layout_XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(tmpl);
	char *dir = mkdtemp(tmpl);
	assert_non_null(dir);
	make_dir(dir, "0001_a");
	make_dir(dir, "0002_b");
	make_dir(dir, ".git");
	write_file(dir, "0001_a/up.sql", "CREATE TABLE a (id int);\n");
	write_file(dir, "0001_a/down.sql", "DROP TABLE a;\n");
	write_file(dir, "0002_b/up.sql", "SELECT 1;\n");
	write_file(dir, "0002_b/metadata.toml", "run_in_transaction = false\n");
	write_file(dir, ".git/HEAD", "ref: refs/heads/main\n");
	write_file(dir, ".DS_Store", "x");

	char *slash = gk_asprintf("%s/", dir);
	gk_layout *l = NULL;
	gk_error err = {0};
	assert_int_equal(gk_layout_read_dir(&l, GK_LAYOUT_AUTO, slash, &err), 0);
	assert_int_equal(l->kind, GK_LAYOUT_DIESEL);
	static const char *const keys[] = {"0001_a", "0002_b"};
	assert_keys(l, keys, N(keys));
	static const char *const stray[] = {".DS_Store"};
	assert_stray(l, stray, N(stray));
	assert_string_equal(l->migrations[0].down_path, "0001_a/down.sql");
	assert_int_equal(l->migrations[0].up_end, strlen("CREATE TABLE a (id int);\n"));
	assert_true(l->migrations[1].no_transaction);
	gk_layout_free(l);

	char *missing = gk_asprintf("%s/nope", dir);
	assert_int_equal(gk_layout_read_dir(&l, GK_LAYOUT_AUTO, missing, &err), GK_EIO);
	assert_null(l);
	assert_non_null(strstr(err.msg, "nope"));

	const char *rm[] = {"0001_a/up.sql", "0001_a/down.sql", "0002_b/up.sql", "0002_b/metadata.toml", ".git/HEAD",
			    ".DS_Store", "0001_a", "0002_b", ".git"};
	for (size_t i = 0; i < N(rm); i++) {
		char *p = gk_asprintf("%s/%s", dir, rm[i]);
		assert_int_equal(remove(p), 0);
		free(p);
	}
	assert_int_equal(rmdir(dir), 0);
	free(tmpl);
	free(slash);
	free(missing);
}

/* ---- the tools' own history tables ---------------------------------------- */

/* Each tool's table parses with the library's front end, creates the table
 * of the tool's name first, and has the statements the tool runs (Flyway
 * adds its primary key and an index afterwards); plain folders have none.
 * That they also execute is tested by the replay tests. */
static void test_history_table_sql(void **state)
{
	(void)state;
	static const struct {
		enum gk_layout_kind kind;
		const char *table;
		size_t statements;
	} want[] = {
		{GK_LAYOUT_PRISMA, "_prisma_migrations", 1},
		{GK_LAYOUT_FLYWAY, "flyway_schema_history", 3},
		{GK_LAYOUT_GOLANG_MIGRATE, "schema_migrations", 1},
		{GK_LAYOUT_DBMATE, "schema_migrations", 1},
		{GK_LAYOUT_DIESEL, "__diesel_schema_migrations", 1},
	};
	for (size_t i = 0; i < N(want); i++) {
		const char *text = gk_layout_history_table_sql(want[i].kind);
		assert_non_null(text);
		gk_sql sql;
		assert_int_equal(gk_sql_parse(&sql, text, strlen(text), 0), 0);
		if (sql.n_errors)
			fail_msg("%s: %s", gk_layout_kind_name(want[i].kind), sql.errors[0].message);
		assert_int_equal(sql.n_stmts, want[i].statements);
		const PgQuery__Node *n = sql.stmts[0].node;
		assert_int_equal(n->node_case, PG_QUERY__NODE__NODE_CREATE_STMT);
		assert_string_equal(n->create_stmt->relation->relname, want[i].table);
		gk_sql_free(&sql);
		/* A static string: the same pointer every time. */
		assert_ptr_equal(gk_layout_history_table_sql(want[i].kind), text);
	}
	assert_null(gk_layout_history_table_sql(GK_LAYOUT_PLAIN));
	assert_null(gk_layout_history_table_sql(GK_LAYOUT_AUTO));
	/* Flyway's index is the one its queries rely on, named as Flyway names it. */
	assert_non_null(strstr(gk_layout_history_table_sql(GK_LAYOUT_FLYWAY),
			       "CREATE INDEX \"flyway_schema_history_s_idx\""));
}

/* ---- the real corpora --------------------------------------------------- */

typedef struct corpus {
	const char *folder, *source;   /* corpus folder; migrations folder inside it */
	enum gk_layout_kind kind;
	size_t count;                  /* migrations, from the corpora README table */
	const char *first, *last;      /* keys in apply order */
} corpus;

static const corpus corpora[] = {
	{"documenso__documenso", "packages/prisma/migrations", GK_LAYOUT_PRISMA, 163,
	 "20230404095503_initial_migration", "20260622120000_add_recipient_reminder_count"},
	{"triggerdotdev__trigger.dev", "internal-packages/database/prisma/migrations", GK_LAYOUT_PRISMA, 820,
	 "20221206131204_init", "20260818120100_add_worker_deployment_environment_id_external_id_index"},
	{"langfuse__langfuse", "packages/shared/prisma/migrations", GK_LAYOUT_PRISMA, 434, "20230518191501_init",
	 "20260821121500_backfill_evaluator_v2"},
	{"umami-software__umami", "prisma/migrations", GK_LAYOUT_PRISMA, 19, "01_init", "19_add_session_replay"},
	{"formbricks__formbricks", "packages/database/migration", GK_LAYOUT_PRISMA, 167, "20230329205933_init",
	 "20260821000000_add_response_survey_finished_index"},
	{"LemmyNet__lemmy", "migrations", GK_LAYOUT_DIESEL, 342, "00000000000000_diesel_initial_setup",
	 "2026-07-27-143313-0000_rename_resolve_reason_to_conclusion"},
	{"goharbor__harbor", "make/migrations/postgresql", GK_LAYOUT_GOLANG_MIGRATE, 39, "0001_initial_schema",
	 "0190_2.16.0_schema"},
	{"kestra-io__kestra", "jdbc-postgres/src/main/resources/migrations/postgres", GK_LAYOUT_FLYWAY, 26,
	 "V1_1__initial.sql", "V1_27__escape_fulltext.sql"},
	{"UPchieve__subway", "database/migrations", GK_LAYOUT_DBMATE, 282, "20211026204222_create_upchieve_schema",
	 "20260623012028_add-view-for-comments"},
	{"mckaywrigley__chatbot-ui", "supabase/migrations", GK_LAYOUT_PLAIN, 25, "20240108234540_setup.sql",
	 "20240302004845_add_groq.sql"},
};

static bool have_corpora(void)
{
	struct stat st;
	return stat(CORPORA, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The "migrations: N" line of the corpus MANIFEST.txt, or 0. */
static size_t manifest_count(const char *folder)
{
	char *p = gk_asprintf("%s/%s/MANIFEST.txt", CORPORA, folder), *text = NULL;
	size_t len = 0, n = 0;
	if (p && gk_read_file(&text, &len, p, 0) == 0) {
		const char *m = strstr(text, "\nmigrations: ");
		if (m)
			n = strtoul(m + 13, NULL, 10);
	}
	free(text);
	free(p);
	return n;
}

static size_t index_of(const gk_layout *l, const char *key)
{
	for (size_t i = 0; i < l->n_migrations; i++)
		if (strcmp(l->migrations[i].key, key) == 0)
			return i;
	fail_msg("no migration %s", key);
	return 0;
}

/* Per-corpus traps named in the README and MANIFESTs. */
static void corpus_traps(const corpus *c, const gk_layout *l, const char *dir)
{
	if (strcmp(c->folder, "kestra-io__kestra") == 0) {
		assert_int_equal(index_of(l, "V1_10__multitenant_indices.sql"), index_of(l, "V1_9__execution_queued.sql") + 1);
		assert_int_equal(index_of(l, "V1_12__execution_triggerid.sql"), index_of(l, "V1_10__multitenant_indices.sql") + 1);
	} else if (strcmp(c->folder, "langfuse__langfuse") == 0) {
		assert_string_equal(l->migrations[index_of(l, "20240126184148_new_models copy")].path,
				    "20240126184148_new_models copy/migration.sql");
		index_of(l, "20250517173700_add_event_log_migration_background_migration.sql");
		index_of(l, "20250517273700_add_table_view_presets.sql");
		index_of(l, "20250625_add_pivot_table_charttype");
	} else if (strcmp(c->folder, "goharbor__harbor") == 0) {
		for (size_t i = 1; i < l->n_migrations; i++)
			assert_true(gk_layout_version_cmp(l->kind, l->migrations[i - 1].version, l->migrations[i].version) < 0);
	} else if (strcmp(c->folder, "LemmyNet__lemmy") == 0) {
		for (size_t i = 0; i < l->n_migrations; i++)
			assert_non_null(l->migrations[i].down_path);
	} else if (strcmp(c->folder, "UPchieve__subway") == 0) {
		static const char *const indented[] = {"20211026205335_create_cities_table",
						       "20220124171208_add_foreign_key_constraints",
						       "20220701142259_add_response_display_text"};
		for (size_t i = 0; i < N(indented); i++) {
			const gk_layout_migration *m = &l->migrations[index_of(l, indented[i])];
			char *p = gk_asprintf("%s/%s", dir, m->path), *text = NULL;
			size_t len = 0;
			assert_int_equal(gk_read_file(&text, &len, p, 0), 0);
			assert_true(m->up_end < len);
			assert_true(strncmp(text + m->up_end, "    -- migrate:down", 19) == 0);
			assert_null(memmem(text + m->up_start, m->up_end - m->up_start, "migrate:down", 12));
			free(text);
			free(p);
		}
	}
}

static void check_corpus_shape(const corpus *c, const gk_layout *l)
{
	assert_int_equal(l->n_stray, 0);
	if (c->kind == GK_LAYOUT_PRISMA) {
		assert_non_null(l->lock_file);
		assert_string_equal(l->lock_file, "migration_lock.toml");
		assert_string_equal(l->provider, "postgresql");
	} else {
		assert_null(l->lock_file);
	}
	for (size_t i = 1; i < l->n_migrations; i++) /* no duplicate keys in these histories */
		assert_true(strcmp(l->migrations[i - 1].key, l->migrations[i].key) != 0);
	for (size_t i = 0; i < l->n_migrations; i++)
		assert_true(l->migrations[i].up_end != GK_LAYOUT_END && l->migrations[i].up_start < l->migrations[i].up_end);
}

static void test_corpus(void **state)
{
	const corpus *c = *state;
	if (!have_corpora()) {
		gk_test_skip("%s is absent: the corpus test of %s not run", CORPORA, c->folder);
	}
	char *dir = gk_asprintf("%s/%s/%s", CORPORA, c->folder, c->source);
	gk_layout *l = NULL;
	gk_error err = {0};
	int rc = gk_layout_read_dir(&l, GK_LAYOUT_AUTO, dir, &err);
	if (rc != 0)
		fail_msg("%s: %s", c->folder, err.msg);
	assert_string_equal(gk_layout_kind_name(l->kind), gk_layout_kind_name(c->kind));
	assert_int_equal(l->n_migrations, c->count);
	assert_int_equal(manifest_count(c->folder), c->count);
	assert_string_equal(l->migrations[0].key, c->first);
	assert_string_equal(l->migrations[l->n_migrations - 1].key, c->last);
	check_corpus_shape(c, l);
	corpus_traps(c, l, dir);
	gk_layout_free(l);
	free(dir);
}

#define CORPUS_TEST(i, name) {"corpus " name, test_corpus, NULL, NULL, (void *)&corpora[i]}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_version_cmp_flyway),
		cmocka_unit_test(test_version_cmp_others),
		cmocka_unit_test(test_flyway_order),
		cmocka_unit_test(test_flyway_baseline_and_equal_versions),
		cmocka_unit_test(test_golang_pairs_and_gaps),
		cmocka_unit_test(test_golang_duplicates_stable),
		cmocka_unit_test(test_dbmate_sections),
		cmocka_unit_test(test_dbmate_file_name_order),
		cmocka_unit_test(test_dbmate_detection_needs_markers),
		cmocka_unit_test(test_prisma_traps),
		cmocka_unit_test(test_prisma_lock_variants),
		cmocka_unit_test(test_diesel),
		cmocka_unit_test(test_diesel_order_ignores_dashes),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_detect_each_kind),
		cmocka_unit_test(test_forced_kind),
		cmocka_unit_test(test_normalise_paths),
		cmocka_unit_test(test_read_error),
		cmocka_unit_test(test_read_dir),
		cmocka_unit_test(test_history_table_sql),
		CORPUS_TEST(0, "documenso"), CORPUS_TEST(1, "trigger.dev"), CORPUS_TEST(2, "langfuse"),
		CORPUS_TEST(3, "umami"), CORPUS_TEST(4, "formbricks"), CORPUS_TEST(5, "lemmy"),
		CORPUS_TEST(6, "harbor"), CORPUS_TEST(7, "kestra"), CORPUS_TEST(8, "UPchieve"),
		CORPUS_TEST(9, "chatbot-ui"),
	};
	_Static_assert(sizeof corpora / sizeof *corpora == 10, "one CORPUS_TEST per corpus");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
