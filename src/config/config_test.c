/*
 * config_test.c - gatekeeper.yml: every error with its exact line and
 * column, the values a valid file sets, discovery up the folder tree, and
 * the precedence defaults < file < command line through `gatekeeper lint`.
 *
 * Each test runs in a fresh temporary folder (mkdtemp) that is also the
 * working folder, so discovery and relative paths are deterministic; the
 * folder holds a `.git` so that discovery never looks above it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../cmd/gatekeeper/cmd.h"
#include "config/config.h"
#include "gatekeeper/rules.h"
#include "util/util.h"

typedef struct fixture {
	char dir[PATH_MAX];  /* the temporary folder */
	char old_cwd[PATH_MAX];
} fixture;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	const char *tmp = getenv("TMPDIR");
	if (!f || !getcwd(f->old_cwd, sizeof f->old_cwd))
		return -1;
	snprintf(f->dir, sizeof f->dir, "%s/gk-config-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(f->dir) || chdir(f->dir) != 0 || mkdir(".git", 0700) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	int rc = chdir(f->old_cwd) | nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return rc;
}

static void write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
	assert_int_equal(fclose(fp), 0);
}

/* Write gatekeeper.yml and load it; returns the load's code. */
static int load(const char *yaml, gk_config **c, gk_error *err)
{
	write_text("gatekeeper.yml", yaml);
	return gk_config_load(c, "gatekeeper.yml", err);
}

/* The file must be refused with exactly "gatekeeper.yml:<want>". */
static void expect_error(const char *yaml, const char *want)
{
	gk_config *c = (gk_config *)1;
	gk_error err = {0};
	char full[1100];
	snprintf(full, sizeof full, "gatekeeper.yml:%s", want);
	int rc = load(yaml, &c, &err);
	if (rc != GK_ECONFIG || strcmp(err.msg, full) != 0)
		fail_msg("for:\n%s\nwant %d \"%s\"\ngot  %d \"%s\"", yaml, GK_ECONFIG, full, rc, err.msg);
	assert_int_equal(err.code, GK_ECONFIG);
	assert_null(c);
}

/* stats:, stats_max_age: and size_thresholds: (production statistics). */
static void test_production_stats(void **state)
{
	(void)state;
	gk_config *c = NULL;
	gk_error err = {0};
	assert_int_equal(load("stats: ci/prod-stats.json\nstats_max_age: 36h\nsize_thresholds:\n  rewrite: 1GB\n"
			      "  scan: 512 MB\n  index_build: 64kB\n  lock: 10gb\n  info_below: 1048576\n",
			      &c, &err),
			 0);
	assert_string_equal(c->stats, "ci/prod-stats.json");
	assert_true(c->stats_max_age_s == 36 * 3600.0);
	assert_int_equal(c->size_thresholds.rewrite, 1LL << 30);
	assert_int_equal(c->size_thresholds.scan, 512LL << 20);
	assert_int_equal(c->size_thresholds.index_build, 64LL << 10);
	assert_int_equal(c->size_thresholds.lock, 10LL << 30);
	assert_int_equal(c->size_thresholds.info_below, 1048576);
	gk_config_free(c);
	assert_int_equal(load("pg_version: 15\n", &c, &err), 0);
	assert_null(c->stats);
	assert_true(c->stats_max_age_s == 0);
	assert_int_equal(c->size_thresholds.rewrite, 0);
	gk_config_free(c);
	expect_error("size_thresholds:\n  rewrite: huge\n",
		     "2:12: a size threshold must be a size such as 1GB, 500MB or 64kB, not 'huge'");
	expect_error("size_thresholds:\n  rewrite: -1GB\n",
		     "2:12: a size threshold must be a size such as 1GB, 500MB or 64kB, not '-1GB'");
	expect_error("size_thresholds:\n  rewrites: 1GB\n",
		     "2:3: unknown size threshold 'rewrites' (rewrite, scan, index_build, lock, info_below)");
	expect_error("size_thresholds: 1GB\n",
		     "1:18: size_thresholds must be a mapping such as {rewrite: 1GB, info_below: 10MB}, not '1GB'");
	expect_error("stats_max_age: soon\n",
		     "1:16: stats_max_age must be a duration such as 7d, 36h, 90min or 600s, not 'soon'");
	expect_error("stats_max_age: 0d\n",
		     "1:16: stats_max_age must be a duration such as 7d, 36h, 90min or 600s, not '0d'");
	expect_error("stats:\n", "1:7: stats must be the path of a statistics file (gatekeeper stats -o FILE), not empty");
}

/* Paths must stay inside the repository holding the file (the fixture's
 * folder has a .git), or inside the file's folder outside a repository. */
static void test_paths_stay_inside(void **state)
{
	(void)state;
	gk_config *c = NULL;
	gk_error err = {0};
	char *root = realpath(".", NULL);
	mkdir("proj", 0700);
	mkdir("proj/db", 0700);
	write_text("proj/gatekeeper.yml", "paths: [db, ../proj/db, ../other]\nshadow_init: ./db/../../init.sql\n");
	assert_int_equal(gk_config_load(&c, "proj/gatekeeper.yml", &err), 0);
	gk_config_free(c);
	write_text("proj/gatekeeper.yml", "paths: [db, ../../elsewhere]\n");
	assert_int_equal(gk_config_load(&c, "proj/gatekeeper.yml", &err), GK_ECONFIG);
	char *want = gk_asprintf("proj/gatekeeper.yml:1:13: paths entry '../../elsewhere' leads outside %s;", root);
	if (!strstr(err.msg, want))
		fail_msg("got %s", err.msg);
	free(want);
	write_text("proj/gatekeeper.yml", "replay: true\nshadow_init: /etc/passwd\n");
	assert_int_equal(gk_config_load(&c, "proj/gatekeeper.yml", &err), GK_ECONFIG);
	assert_non_null(strstr(err.msg, "proj/gatekeeper.yml:2:14: shadow_init '/etc/passwd' leads outside "));
	/* A symlink inside that points outside is outside. */
	assert_int_equal(symlink("/etc", "proj/db/etc"), 0);
	write_text("proj/gatekeeper.yml", "paths:\n  - db\n  - db/etc\n");
	assert_int_equal(gk_config_load(&c, "proj/gatekeeper.yml", &err), GK_ECONFIG);
	assert_non_null(strstr(err.msg, "proj/gatekeeper.yml:3:5: paths entry 'db/etc' leads outside"));
	/* Globs are patterns, not files to read: not judged. */
	assert_int_equal(load("exclude: [\"../../x/*.sql\"]\n", &c, &err), 0);
	gk_config_free(c);
	/* Outside a repository, the file's own folder is the limit. */
	assert_int_equal(rmdir(".git"), 0);
	write_text("proj/gatekeeper.yml", "shadow_init: ../init.sql\n");
	assert_int_equal(gk_config_load(&c, "proj/gatekeeper.yml", &err), GK_ECONFIG);
	assert_non_null(strstr(err.msg, "1:14: shadow_init '../init.sql' leads outside"));
	assert_int_equal(mkdir(".git", 0700), 0);
	free(root);
}

/* ---- valid files ---- */

static void test_full_file(void **state)
{
	(void)state;
	gk_config *c = NULL;
	gk_error err = {0};
	mkdir("proj", 0700);
	write_text("proj/gatekeeper.yml", "# settings\n"
					  "pg_version: 12\n"
					  "runner: per-file\n"
					  "paths: [prisma/migrations, ./db]\n"
					  "exclude:\n"
					  "  - \"**/down.sql\"\n"
					  "  - 'old/*.sql'\n"
					  "fail_level: warning\n"
					  "rules:\n"
					  "  drop-table: off\n"
					  "  create-index-non-concurrent: 'info'\n");
	assert_int_equal(gk_config_load(&c, "proj/gatekeeper.yml", &err), 0);
	assert_string_equal(c->path, "proj/gatekeeper.yml");
	assert_int_equal(c->pg_version, 12);
	assert_true(c->runner_set);
	assert_int_equal(c->runner, GK_RUNNER_PER_FILE);
	assert_int_equal(c->n_paths, 2);
	assert_string_equal(c->paths[0], "proj/prisma/migrations"); /* relative to the file's folder */
	assert_string_equal(c->paths[1], "proj/./db");
	assert_int_equal(c->n_excludes, 2);
	assert_string_equal(c->excludes[0], "**/down.sql"); /* matches anywhere: kept */
	assert_string_equal(c->excludes[1], "proj/old/*.sql");
	assert_true(c->fail_level_set);
	assert_int_equal(c->fail_level, GK_SEV_WARNING);
	assert_int_equal(c->n_rules, 2);
	assert_string_equal(c->rules[0].id, "drop-table");
	assert_int_equal(c->rules[0].severity, GK_SEV_OFF);
	assert_int_equal(c->rules[0].line, 10);
	assert_int_equal(c->rules[0].column, 3);
	assert_string_equal(c->rules[1].id, "create-index-non-concurrent");
	assert_int_equal(c->rules[1].severity, GK_SEV_INFO);
	gk_config_free(c);
}

static void test_empty_files_are_empty_configs(void **state)
{
	(void)state;
	static const char *const texts[] = {"", "# only a comment\n", "---\n", "---\n...\n", "~\n", "\n\n"};
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
		gk_config *c = NULL;
		gk_error err = {0};
		if (load(texts[i], &c, &err) != 0)
			fail_msg("'%s' refused: %s", texts[i], err.msg);
		assert_int_equal(c->pg_version, 0);
		assert_false(c->runner_set);
		assert_false(c->fail_level_set);
		assert_int_equal(c->n_paths + c->n_excludes + c->n_rules, 0);
		gk_config_free(c);
	}
}

static void test_single_values_and_empty_lists(void **state)
{
	(void)state;
	gk_config *c = NULL;
	gk_error err = {0};
	assert_int_equal(load("paths: migrations\nexclude:\nrules:\nfail_level: never\nrunner: auto\n", &c, &err), 0);
	assert_int_equal(c->n_paths, 1);
	assert_string_equal(c->paths[0], "migrations"); /* the file is in the working folder */
	assert_int_equal(c->n_excludes, 0);
	assert_int_equal(c->n_rules, 0);
	assert_true(c->fail_level_set);
	assert_int_equal(c->fail_level, GK_SEV_OFF);
	assert_true(c->runner_set);
	assert_int_equal(c->runner, GK_RUNNER_AUTO);
	gk_config_free(c);
}

static void test_flow_style(void **state)
{
	(void)state;
	gk_config *c = NULL;
	gk_error err = {0};
	assert_int_equal(load("{pg_version: 9, rules: {drop-schema: warning}}", &c, &err), 0);
	assert_int_equal(c->pg_version, 9);
	assert_int_equal(c->n_rules, 1);
	assert_int_equal(c->rules[0].severity, GK_SEV_WARNING);
	assert_int_equal(c->rules[0].line, 1);
	assert_int_equal(c->rules[0].column, 25);
	gk_config_free(c);
}

/* ---- every error, with its position ---- */

static void test_yaml_syntax_errors(void **state)
{
	(void)state;
	expect_error("pg_version: 15\nrunner: [prisma\n",
		     "3:1: invalid YAML: while parsing a flow sequence, did not find expected ',' or ']'");
	expect_error("pg_version: 15\n  runner: prisma\n",
		     "2:9: invalid YAML: mapping values are not allowed in this context");
	expect_error("rules:\n\tdrop-table: off\n",
		     "2:1: invalid YAML: while scanning for the next token, found character that cannot start any token");
	expect_error("runner: \"prisma\n", "2:1: invalid YAML: while scanning a quoted scalar, found unexpected end of stream");
	expect_error("paths: *nowhere\n", "1:8: invalid YAML: found undefined alias");
}

/* Deep nesting is refused at the first level too deep, before libyaml
 * builds the document (200 KB of it took libyaml tens of seconds). */
static void test_nesting_depth_limit(void **state)
{
	(void)state;
	gk_buf b = GK_BUF_INIT;
	gk_buf_puts(&b, "pg_version: 15\nexclude: ");
	for (int i = 0; i < 100000; i++)
		gk_buf_putc(&b, '[');
	for (int i = 0; i < 100000; i++)
		gk_buf_putc(&b, ']');
	gk_buf_putc(&b, '\n');
	char *deep = gk_buf_take(&b);
	/* the 32nd '[' is level 33 (the top mapping is level 1) */
	expect_error(deep, "2:41: invalid YAML: nested more than 32 levels deep");
	free(deep);
	expect_error("rules:\n  a:\n   b:\n    c:\n     d:\n      e:\n       f:\n        g:\n         h:\n          i:\n"
		     "           j:\n            k:\n             l:\n              m:\n               n:\n                o:\n"
		     "                 p:\n                  q:\n                   r:\n                    s:\n"
		     "                     t:\n                      u:\n                       v:\n"
		     "                        w:\n                         x:\n                          y:\n"
		     "                           z:\n                            aa:\n                             bb:\n"
		     "                              cc:\n                               dd:\n                                ee:\n"
		     "                                 ff: 1\n",
		     "33:34: invalid YAML: nested more than 32 levels deep");
	/* 32 levels are read (and then judged as usual) */
	gk_buf_puts(&b, "exclude: ");
	for (int i = 0; i < 31; i++)
		gk_buf_putc(&b, '[');
	for (int i = 0; i < 31; i++)
		gk_buf_putc(&b, ']');
	gk_buf_putc(&b, '\n');
	deep = gk_buf_take(&b);
	expect_error(deep, "1:11: each exclude entry must be a glob, not a list");
	free(deep);
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	expect_error("pg_version: 15\nrunner: pr\xff\n", "2:11: invalid YAML: invalid leading UTF-8 octet");
}

static void test_top_level_must_be_a_mapping(void **state)
{
	(void)state;
	expect_error("- pg_version: 15\n",
		     "1:1: the top level must be a mapping of settings (pg_version, runner, paths, exclude, "
		     "fail_level, rules, layout, migration_name, replay, shadow_init, replay_timeout, shadow_extensions, prisma_version, lock_timeout_advice, lock_timeout, deploy_role, flyway_mixed, golang_migrate_multi_statement, prefer_bigint_int_reference, lock_budget, stats, stats_max_age, size_thresholds), not a list");
	expect_error("\n  pg_version\n",
		     "2:3: the top level must be a mapping of settings (pg_version, runner, paths, exclude, "
		     "fail_level, rules, layout, migration_name, replay, shadow_init, replay_timeout, shadow_extensions, prisma_version, lock_timeout_advice, lock_timeout, deploy_role, flyway_mixed, golang_migrate_multi_statement, prefer_bigint_int_reference, lock_budget, stats, stats_max_age, size_thresholds), not a single value");
}

static void test_more_than_one_document(void **state)
{
	(void)state;
	expect_error("pg_version: 15\n---\npg_version: 16\n",
		     "2:1: only one YAML document is allowed in a configuration file");
	expect_error("pg_version: 15\n---\na: b\n  c: d\n", "4:4: invalid YAML: mapping values are not allowed in this context");
}

static void test_unknown_key(void **state)
{
	(void)state;
	expect_error("pg_version: 15\nrunnr: prisma\n", "2:1: unknown key 'runnr' (did you mean 'runner'?)");
	expect_error("pg_version: 15\nstrictness: high\n",
		     "2:1: unknown key 'strictness' (allowed: pg_version, runner, paths, exclude, fail_level, rules, layout, migration_name, replay, shadow_init, replay_timeout, shadow_extensions, prisma_version, lock_timeout_advice, lock_timeout, deploy_role, flyway_mixed, golang_migrate_multi_statement, prefer_bigint_int_reference, lock_budget, stats, stats_max_age, size_thresholds)");
	expect_error("? [a, b]\n: 1\n",
		     "1:3: a key must be a name (pg_version, runner, paths, exclude, fail_level, rules, layout, migration_name, replay, shadow_init, replay_timeout, shadow_extensions, prisma_version, lock_timeout_advice, lock_timeout, deploy_role, flyway_mixed, golang_migrate_multi_statement, prefer_bigint_int_reference, lock_budget, stats, stats_max_age, size_thresholds), not a list");
}

static void test_duplicate_keys(void **state)
{
	(void)state;
	expect_error("runner: prisma\npg_version: 15\nrunner: none\n", "3:1: duplicate key 'runner' (first set at line 1)");
	expect_error("rules:\n  drop-table: off\n  drop-schema: info\n  drop-table: error\n",
		     "4:3: duplicate rule 'drop-table' (first set at line 2)");
}

static void test_pg_version_values(void **state)
{
	(void)state;
	const char *what = "pg_version must be a PostgreSQL major version, an integer from 9 to 30";
	char want[300];
	static const struct {
		const char *yaml, *pos, *tail;
	} cases[] = {
		{"pg_version: fifteen\n", "1:13", "not 'fifteen'"},
		{"pg_version: 8\n", "1:13", "not '8'"},
		{"pg_version: 31\n", "1:13", "not '31'"},
		{"pg_version: 15.4\n", "1:13", "not '15.4'"},
		{"pg_version: -15\n", "1:13", "not '-15'"},
		{"pg_version: \"15\"\n", "1:13", "not '15'"}, /* a quoted value is a string */
		{"pg_version:\n", "1:12", "not empty"},
		{"pg_version: [15]\n", "1:13", "not a list"},
		{"pg_version:\n  major: 15\n", "2:3", "not a mapping"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		snprintf(want, sizeof want, "%s: %s, %s", cases[i].pos, what, cases[i].tail);
		expect_error(cases[i].yaml, want);
	}
	gk_config *c = NULL;
	gk_error err = {0};
	assert_int_equal(load("pg_version: 30\n", &c, &err), 0);
	assert_int_equal(c->pg_version, 30);
	gk_config_free(c);
}

static void test_enum_values(void **state)
{
	(void)state;
	expect_error("runner: flyway\n", "1:9: runner must be whole, split, per-file or auto, not 'flyway'");
	expect_error("runner:\n", "1:8: runner must be whole, split, per-file or auto, not empty");
	expect_error("runner: [prisma]\n", "1:9: runner must be whole, split, per-file or auto, not a list");
	expect_error("fail_level: off\n", "1:13: fail_level must be error, warning, info or never, not 'off'");
	expect_error("fail_level: Error\n", "1:13: fail_level must be error, warning, info or never, not 'Error'");
	expect_error("rules:\n  drop-table: loud\n",
		     "2:15: rule 'drop-table' must be set to off, info, warning or error, not 'loud'");
	expect_error("rules:\n  drop-table:\n",
		     "2:14: rule 'drop-table' must be set to off, info, warning or error, not empty");
	expect_error("rules:\n  drop-table: false\n",
		     "2:15: rule 'drop-table' must be set to off, info, warning or error, not 'false'");
}

static void test_wrong_types(void **state)
{
	(void)state;
	expect_error("rules: [drop-table]\n",
		     "1:8: rules must be a mapping of rule id to off, info, warning or error, not a list");
	expect_error("rules: drop-table\n",
		     "1:8: rules must be a mapping of rule id to off, info, warning or error, not 'drop-table'");
	expect_error("rules:\n  [a]: off\n", "2:3: a rule id must be a plain name such as drop-table, not a list");
	expect_error("paths:\n  db: migrations\n", "2:3: paths must be a path or a list of paths, not a mapping");
	expect_error("paths:\n  - migrations\n  - [a, b]\n", "3:5: each paths entry must be a file or folder, not a list");
	expect_error("paths: [migrations, '']\n", "1:21: each paths entry must be a file or folder, not ''");
	expect_error("paths: [migrations, ~]\n", "1:21: each paths entry must be a file or folder, not empty");
	expect_error("exclude: {a: b}\n", "1:10: exclude must be a glob or a list of globs, not a mapping");
	expect_error("exclude:\n  - {a: b}\n", "2:5: each exclude entry must be a glob, not a mapping");
	expect_error("paths: \"a\\0b\"\n", "1:8: value contains a NUL byte");
}

/* `layout` and `migration_name`, read by `check` (and `layout` by `lint`). */
static void test_layout_and_migration_name(void **state)
{
	(void)state;
	gk_config *c = NULL;
	gk_error err = {0};
	assert_int_equal(load("layout: dbmate\nmigration_name: '^[0-9]+_(add|drop)_[a-z_]+$'\n", &c, &err), 0);
	assert_int_equal(c->layout, GK_LAYOUT_DBMATE);
	assert_string_equal(c->migration_name, "^[0-9]+_(add|drop)_[a-z_]+$");
	gk_config_free(c);
	assert_int_equal(load("pg_version: 15\n", &c, &err), 0);
	assert_int_equal(c->layout, GK_LAYOUT_AUTO);
	assert_null(c->migration_name);
	gk_config_free(c);
	assert_int_equal(load("layout: supabase\n", &c, &err), 0); /* another name for plain */
	assert_int_equal(c->layout, GK_LAYOUT_PLAIN);
	gk_config_free(c);
	expect_error("layout: rails\n",
		     "1:9: layout must be auto, prisma, flyway, golang-migrate, dbmate, diesel or plain, not 'rails'");
	expect_error("layout: [prisma]\n",
		     "1:9: layout must be auto, prisma, flyway, golang-migrate, dbmate, diesel or plain, not a list");
	expect_error("migration_name:\n", "1:16: migration_name must be a POSIX extended regular expression, not empty");
	expect_error("migration_name: [a]\n", "1:17: migration_name must be a POSIX extended regular expression, not a list");
	/* A pattern that does not compile is refused where it is written. */
	c = (gk_config *)1;
	assert_int_equal(load("pg_version: 15\nmigration_name: '^(add'\n", &c, &err), GK_ECONFIG);
	assert_null(c);
	assert_non_null(strstr(err.msg, "gatekeeper.yml:2:17: migration_name '^(add' is not a valid POSIX extended regular expression"));
}

static void test_replay_settings(void **state)
{
	(void)state;
	gk_config *c = NULL;
	gk_error err = {0};
	mkdir("proj", 0700);
	write_text("proj/gatekeeper.yml", "replay: false\nshadow_init: db/init.sql\n");
	assert_int_equal(gk_config_load(&c, "proj/gatekeeper.yml", &err), 0);
	assert_int_equal(c->replay, 0);
	assert_string_equal(c->shadow_init, "proj/db/init.sql"); /* relative to the file's folder */
	gk_config_free(c);
	assert_int_equal(load("replay: true\n", &c, &err), 0);
	assert_int_equal(c->replay, 1);
	assert_null(c->shadow_init);
	gk_config_free(c);
	assert_int_equal(load("pg_version: 15\n", &c, &err), 0);
	assert_int_equal(c->replay, -1); /* unset: the command decides */
	gk_config_free(c);
	expect_error("replay: yes\n", "1:9: replay must be true or false, not 'yes'");
	expect_error("replay:\n", "1:8: replay must be true or false, not empty");
	expect_error("shadow_init: [a.sql]\n", "1:14: shadow_init must be the path of an SQL file, not a list");
}

static void test_replay_timeout(void **state)
{
	(void)state;
	gk_config *c = NULL;
	gk_error err = {0};
	static const struct { const char *yaml; double secs; } ok[] = {
		{"replay_timeout: 90\n", 90}, {"replay_timeout: 90s\n", 90}, {"replay_timeout: 5min\n", 300},
		{"replay_timeout: 1h\n", 3600}, {"replay_timeout: 1500ms\n", 1.5}, {"pg_version: 15\n", 0},
	};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		assert_int_equal(load(ok[i].yaml, &c, &err), 0);
		assert_true(c->replay_timeout_s == ok[i].secs);
		gk_config_free(c);
	}
	const char *why = "replay_timeout must be a duration such as 300, 90s or 5min (up to 24h)";
	static const char *const bad[] = {"replay_timeout: 0\n", "replay_timeout: -5s\n", "replay_timeout: 5 years\n",
					  "replay_timeout: 2d\n", "replay_timeout: [1]\n", "replay_timeout:\n"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(load(bad[i], &c, &err), GK_ECONFIG);
		assert_non_null(strstr(err.msg, why));
		assert_non_null(strstr(err.msg, "gatekeeper.yml:1:1"));  /* at the value */
	}
}

static void test_lock_budget(void **state)
{
	(void)state;
	gk_config *c = NULL;
	gk_error err = {0};
	assert_int_equal(load("lock_budget:\n  access_exclusive: 5s\n  share: 1min\n  share_update_exclusive: 250ms\n",
			      &c, &err), 0);
	assert_true(c->lock_budget.access_exclusive_ms == 5000);
	assert_true(c->lock_budget.share_ms == 60000);
	assert_true(c->lock_budget.share_update_exclusive_ms == 250);
	assert_true(c->lock_budget.exclusive_ms == 0);
	assert_true(gk_lock_budget_ms(&c->lock_budget, "ACCESS EXCLUSIVE") == 5000);
	assert_true(gk_lock_budget_ms(&c->lock_budget, "SHARE") == 60000);
	assert_true(gk_lock_budget_ms(&c->lock_budget, "SHARE ROW EXCLUSIVE") == 0);
	assert_true(gk_lock_budget_ms(&c->lock_budget, "ROW EXCLUSIVE") == 0);
	gk_config_free(c);
	assert_int_equal(load("lock_budget:\n", &c, &err), 0);
	assert_true(c->lock_budget.access_exclusive_ms == 0);
	gk_config_free(c);
	expect_error("lock_budget:\n  acess_exclusive: 5s\n",
		     "2:3: lock_budget keys are locks: access_exclusive, exclusive, share_row_exclusive, share, "
		     "share_update_exclusive, not 'acess_exclusive'");
	expect_error("lock_budget:\n  share: soon\n",
		     "2:10: a lock budget must be a duration such as 500ms, 5s or 2min (up to 24h), not 'soon'");
	expect_error("lock_budget:\n  share: 0\n",
		     "2:10: a lock budget must be a duration such as 500ms, 5s or 2min (up to 24h), not '0'");
	expect_error("lock_budget: 5s\n",
		     "1:14: lock_budget must be a mapping of lock to duration, e.g. access_exclusive: 5s, not '5s'");
}

static void test_shadow_extensions(void **state)
{
	(void)state;
	gk_config *c = NULL;
	gk_error err = {0};
	assert_int_equal(load("replay: true\n", &c, &err), 0);
	assert_null(c->shadow_extensions); /* unset: the default list */
	gk_config_free(c);
	assert_int_equal(load("shadow_extensions: [postgis, uuid-ossp, pg_stat_statements]\n", &c, &err), 0);
	assert_string_equal(c->shadow_extensions[0], "postgis");
	assert_string_equal(c->shadow_extensions[1], "uuid-ossp");
	assert_string_equal(c->shadow_extensions[2], "pg_stat_statements");
	assert_null(c->shadow_extensions[3]);
	gk_config_free(c);
	assert_int_equal(load("shadow_extensions: postgis\n", &c, &err), 0);
	assert_string_equal(c->shadow_extensions[0], "postgis");
	assert_null(c->shadow_extensions[1]);
	gk_config_free(c);
	/* Empty: none at all, which is not the default. */
	assert_int_equal(load("shadow_extensions: []\n", &c, &err), 0);
	assert_non_null(c->shadow_extensions);
	assert_null(c->shadow_extensions[0]);
	gk_config_free(c);
	assert_int_equal(load("shadow_extensions:\n", &c, &err), 0);
	assert_non_null(c->shadow_extensions);
	assert_null(c->shadow_extensions[0]);
	gk_config_free(c);
	expect_error("shadow_extensions: [\"x'; DROP\"]\n",
		     "1:21: each shadow_extensions entry must be an extension's name (letters, digits, '_' and '-'), "
		     "not 'x'; DROP'");
	expect_error("shadow_extensions: {a: b}\n", "1:20: shadow_extensions must be a list of extension names, not a mapping");
}

/* The runner and lock_timeout settings, and what gk_config_apply makes of them. */
static void test_runner_and_lock_timeout(void **state)
{
	(void)state;
	gk_config *c = NULL;
	gk_error err = {0};
	gk_lint_options o;
	gk_lint_options_init(&o);
	assert_string_equal(o.prisma_version, "");
	assert_int_equal(o.lock_timeout_advice_ms, 2000);
	assert_false(o.lock_timeout_external);

	assert_int_equal(load("prisma_version: 7.10.1\nlock_timeout_advice: 500ms\nlock_timeout: external\n", &c, &err), 0);
	assert_string_equal(c->prisma_version, "7.10.1");
	assert_int_equal(gk_config_apply(c, &o, &err), 0);
	assert_string_equal(o.prisma_version, "7.10.1");
	assert_int_equal(o.lock_timeout_advice_ms, 500);
	assert_true(o.lock_timeout_external);
	gk_config_free(c);

	/* Unset keys leave the options alone; in-file turns external off. */
	assert_int_equal(load("lock_timeout: in-file\n", &c, &err), 0);
	assert_int_equal(gk_config_apply(c, &o, &err), 0);
	assert_string_equal(o.prisma_version, "7.10.1");
	assert_int_equal(o.lock_timeout_advice_ms, 500);
	assert_false(o.lock_timeout_external);
	gk_config_free(c);
	assert_int_equal(load("prisma_version: 6\n", &c, &err), 0);
	assert_string_equal(c->prisma_version, "6");
	assert_int_equal(c->lock_timeout_external, -1);
	gk_config_free(c);

	/* A range is what package.json holds; the setting names what deploys. */
	expect_error("prisma_version: ^7.4.0\n", "1:17: prisma_version must be a released version such as 7.10.1, not '^7.4.0'");
	expect_error("prisma_version: 7.10.1.2\n", "1:17: prisma_version must be a released version such as 7.10.1, not '7.10.1.2'");
	expect_error("prisma_version: 7..1\n", "1:17: prisma_version must be a released version such as 7.10.1, not '7..1'");
	expect_error("prisma_version:\n", "1:16: prisma_version must be a released version such as 7.10.1, not empty");
	expect_error("lock_timeout_advice: 0\n", "1:22: lock_timeout_advice must be a duration from 1ms to 60s, such as 2s or 500ms, not '0'");
	expect_error("lock_timeout_advice: 2min\n",
		     "1:22: lock_timeout_advice must be a duration from 1ms to 60s, such as 2s or 500ms, not '2min'");
	expect_error("lock_timeout: 2s\n", "1:15: lock_timeout must be external (set by the deploying role or URL) or in-file, not '2s'");

	/* gate's deploying role, which --deploy-role overrides (cmd_gate.c). */
	assert_int_equal(load("deploy_role: \"Migrator Role\"\n", &c, &err), 0);
	assert_string_equal(c->deploy_role, "Migrator Role");
	gk_config_free(c);
	assert_int_equal(load("lock_timeout: external\n", &c, &err), 0);
	assert_null(c->deploy_role);
	gk_config_free(c);
	expect_error("deploy_role:\n", "1:13: deploy_role must be a role's name (1 to 63 bytes, no control characters), not empty");
	expect_error("deploy_role: "
		     "r234567890123456789012345678901234567890123456789012345678901234\n",
		     "1:14: deploy_role must be a role's name (1 to 63 bytes, no control characters), "
		     "not 'r234567890123456789012345678901234567890123456789012345678901234'");

	/* Flyway's mixed and golang-migrate's x-multi-statement: unset leaves the files (or false) to decide. */
	assert_int_equal(o.flyway_mixed, -1);
	assert_false(o.golang_multi_statement);
	assert_int_equal(load("flyway_mixed: false\ngolang_migrate_multi_statement: true\n", &c, &err), 0);
	assert_int_equal(gk_config_apply(c, &o, &err), 0);
	assert_int_equal(o.flyway_mixed, 0);
	assert_true(o.golang_multi_statement);
	gk_config_free(c);
	assert_int_equal(load("flyway_mixed: true\n", &c, &err), 0);
	assert_int_equal(gk_config_apply(c, &o, &err), 0);
	assert_int_equal(o.flyway_mixed, 1);
	gk_config_free(c);
	expect_error("flyway_mixed: yes\n", "1:15: flyway_mixed must be true or false, not 'yes'");
	expect_error("golang_migrate_multi_statement: 1\n", "1:33: golang_migrate_multi_statement must be true or false, not '1'");

	/* prefer-bigint on a foreign key to an integer key: reported unless quiet. */
	assert_false(o.bigint_int_reference_quiet);
	assert_int_equal(load("prefer_bigint_int_reference: quiet\n", &c, &err), 0);
	assert_int_equal(gk_config_apply(c, &o, &err), 0);
	assert_true(o.bigint_int_reference_quiet);
	gk_config_free(c);
	assert_int_equal(load("prefer_bigint_int_reference: report\n", &c, &err), 0);
	assert_int_equal(gk_config_apply(c, &o, &err), 0);
	assert_false(o.bigint_int_reference_quiet);
	gk_config_free(c);
	expect_error("prefer_bigint_int_reference: off\n", "1:30: prefer_bigint_int_reference must be report or quiet, not 'off'");
}

static void test_unreadable_file(void **state)
{
	(void)state;
	gk_config *c = (gk_config *)1;
	gk_error err = {0};
	assert_int_equal(gk_config_load(&c, "missing.yml", &err), GK_EIO);
	assert_null(c);
	assert_string_equal(err.msg, "missing.yml: cannot read the configuration file: No such file or directory");
	mkdir("adir.yml", 0700);
	assert_int_equal(gk_config_load(&c, "adir.yml", &err), GK_EIO);
	assert_string_equal(err.msg, "adir.yml: cannot read the configuration file: Is a directory");
}

/* ---- gk_config_apply ---- */

static void test_apply_sets_only_what_the_file_names(void **state)
{
	(void)state;
	gk_config *c = NULL;
	gk_error err = {0};
	gk_lint_options o;
	gk_lint_options_init(&o);
	o.pg_version = 13;
	assert_int_equal(load("rules:\n  drop-table: warning\n  drop-schema: off\n", &c, &err), 0);
	assert_int_equal(gk_config_apply(c, &o, &err), 0);
	assert_int_equal(o.pg_version, 13);
	assert_int_equal(o.runner, GK_RUNNER_AUTO);
	assert_int_equal(gk_lint_options_severity(&o, "drop-table"), GK_SEV_WARNING);
	assert_int_equal(gk_lint_options_severity(&o, "drop-schema"), GK_SEV_OFF);
	assert_int_equal(gk_lint_options_severity(&o, "drop-database"), gk_rule_find("drop-database")->severity);
	gk_config_free(c);

	assert_int_equal(load("pg_version: 11\nrunner: none\n", &c, &err), 0);
	assert_int_equal(gk_config_apply(c, &o, &err), 0);
	assert_int_equal(o.pg_version, 11);
	assert_int_equal(o.runner, GK_RUNNER_SPLIT);
	assert_int_equal(gk_lint_options_severity(&o, "drop-table"), GK_SEV_WARNING); /* left as it was */
	gk_config_free(c);
}

/* An unknown rule id is a problem of the file, found when it is loaded. */
static void test_unknown_rule(void **state)
{
	(void)state;
	expect_error("pg_version: 14\nrules:\n  drop-table: info\n  drop-tabel: off\n",
		     "4:3: unknown rule 'drop-tabel' (did you mean 'drop-table'?) (see 'gatekeeper rules')");
	expect_error("rules:\n  no-such-rule-at-all: off\n", "2:3: unknown rule 'no-such-rule-at-all' (see 'gatekeeper rules')");
}

/*
 * Every problem of a file in one load, in file order, one per node: the
 * settings after a bad one are still checked.  gk_config_load() gives the
 * first in `err`, as gk_config_load_all() does.
 */
static void test_every_problem(void **state)
{
	(void)state;
	write_text("gatekeeper.yml", "pg_version: 99\nrunner: flyway\nfail_levl: error\nrules:\n  drop-tabel: off\n"
				     "  drop-table: loud\n  set-not-null: error\nexclude: [ok, {a: b}]\n"
				     "shadow_extensions: [pgcrypto, \"bad name\", \"a\\0b\"]\nreplay: maybe\nrunner: split\n");
	static const char *const want[] = {
		"gatekeeper.yml:1:13: pg_version must be a PostgreSQL major version, an integer from 9 to 30, not '99'",
		"gatekeeper.yml:2:9: runner must be whole, split, per-file or auto, not 'flyway'",
		"gatekeeper.yml:3:1: unknown key 'fail_levl' (did you mean 'fail_level'?)",
		"gatekeeper.yml:5:3: unknown rule 'drop-tabel' (did you mean 'drop-table'?) (see 'gatekeeper rules')",
		"gatekeeper.yml:6:15: rule 'drop-table' must be set to off, info, warning or error, not 'loud'",
		"gatekeeper.yml:8:15: each exclude entry must be a glob, not a mapping",
		"gatekeeper.yml:9:31: each shadow_extensions entry must be an extension's name (letters, digits, '_' and "
		"'-'), not 'bad name'",
		"gatekeeper.yml:9:43: value contains a NUL byte",
		"gatekeeper.yml:10:9: replay must be true or false, not 'maybe'",
		"gatekeeper.yml:11:1: duplicate key 'runner' (first set at line 2)",
	};
	gk_config *c = (gk_config *)1;
	gk_error err = {0};
	char **all = NULL;
	size_t n = 0;
	assert_int_equal(gk_config_load_all(&c, "gatekeeper.yml", &all, &n, &err), GK_ECONFIG);
	assert_null(c);
	for (size_t i = 0; i < n && i < sizeof want / sizeof *want; i++)
		assert_string_equal(all[i], want[i]);
	assert_int_equal(n, sizeof want / sizeof *want);
	assert_string_equal(err.msg, want[0]);
	gk_config_problems_free(all, n);
	/* A good file: no problems, nothing to free. */
	write_text("gatekeeper.yml", "pg_version: 14\n");
	assert_int_equal(gk_config_load_all(&c, "gatekeeper.yml", &all, &n, &err), 0);
	assert_null(all);
	assert_int_equal(n, 0);
	gk_config_free(c);
}

/* ---- discovery ---- */

static void mkdirs(const char *path)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0700);
			*p = '/';
		}
	mkdir(buf, 0700);
}

static void expect_found(const char *start, const char *want)
{
	char *p = NULL;
	int rc = gk_config_find(&p, start);
	if (rc != 0 || strcmp(p, want) != 0)
		fail_msg("from '%s': want '%s', got %d '%s'", start, want, rc, p ? p : "(null)");
	free(p);
}

static void test_find_walks_up(void **state)
{
	(void)state;
	mkdirs("a/b/c");
	char *p = (char *)1;
	assert_int_equal(gk_config_find(&p, "."), GK_ENOTFOUND);
	assert_null(p);
	write_text("gatekeeper.yml", "");
	expect_found(".", "gatekeeper.yml");
	expect_found("a/b", "a/b/../../gatekeeper.yml");
	write_text("a/gatekeeper.yaml", "");
	expect_found("a/b/c", "a/b/c/../../gatekeeper.yaml");
	assert_int_equal(chdir("a/b/c"), 0);
	expect_found(".", "../../gatekeeper.yaml");
	write_text("../../gatekeeper.yml", "");
	expect_found(".", "../../gatekeeper.yml"); /* .yml before .yaml in one folder */
	mkdir("gatekeeper.yml", 0700);             /* a folder is not a configuration */
	expect_found(".", "../../gatekeeper.yml");
}

static void test_find_stops_at_repository_root(void **state)
{
	(void)state;
	/* The fixture's folder holds .git; a nested repository stops the walk below it. */
	write_text("gatekeeper.yml", "");
	mkdirs("inner/.git");
	mkdirs("inner/src");
	char *p = (char *)1;
	assert_int_equal(gk_config_find(&p, "inner/src"), GK_ENOTFOUND);
	assert_null(p);
	write_text("inner/gatekeeper.yml", ""); /* the repository root itself is searched */
	expect_found("inner/src", "inner/src/../gatekeeper.yml");
	assert_int_equal(gk_config_find(&p, "no/such/dir"), GK_EIO);
}

static void test_find_absolute_start(void **state)
{
	fixture *f = *state;
	char start[PATH_MAX + 8], want[PATH_MAX + 32];
	mkdirs("x/y");
	write_text("x/gatekeeper.yml", "");
	snprintf(start, sizeof start, "%s/x/y", f->dir);
	snprintf(want, sizeof want, "%s/x/y/../gatekeeper.yml", f->dir);
	expect_found(start, want);
}

/* ---- precedence through `gatekeeper lint` ---- */

/* Run `gatekeeper lint ARGS --format json --json out.json` with stdout muted;
 * return the exit code and the parsed report in *doc. */
static int run_lint(json_t **doc, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;
	va_start(ap, doc);
	for (const char *a; (a = va_arg(ap, const char *)) != NULL && argc < 28;)
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc++] = "--json";
	argv[argc++] = "out.json";
	argv[argc++] = "--format";
	argv[argc++] = "json";
	argv[argc] = NULL;
	fflush(stdout);
	int saved = dup(STDOUT_FILENO), null = open("/dev/null", O_WRONLY);
	dup2(null, STDOUT_FILENO);
	close(null);
	int rc = gk_cmd_lint.run(argc, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	json_error_t jerr;
	*doc = json_load_file("out.json", 0, &jerr);
	remove("out.json");
	return rc;
}

/* The severity of rule `id`'s first finding in the report, or "none". */
static const char *rule_severity(json_t *doc, const char *id)
{
	json_t *all = json_object_get(doc, "findings");
	for (size_t i = 0; i < json_array_size(all); i++) {
		json_t *f = json_array_get(all, i);
		if (!strcmp(json_string_value(json_object_get(f, "rule_id")), id))
			return json_string_value(json_object_get(f, "severity"));
	}
	return "none";
}

/* The SQL the precedence tests lint: drop-table is its only problem. */
#define DROP_SQL "SET lock_timeout = '2s';\nDROP TABLE users;\n"

static int report_int(json_t *doc, const char *section, const char *key)
{
	return (int)json_integer_value(json_object_get(json_object_get(doc, section), key));
}

static void test_precedence_defaults_file_command_line(void **state)
{
	(void)state;
	json_t *doc;
	write_text("m.sql", DROP_SQL);
	/* Defaults: drop-table is an error, PostgreSQL 15. */
	assert_int_equal(run_lint(&doc, "m.sql", NULL), GK_EXIT_FAIL);
	assert_string_equal(rule_severity(doc, "drop-table"), "error");
	assert_int_equal(report_int(doc, "config", "pg_version"), 15);
	json_decref(doc);
	/* The file lowers the rule and changes the version. */
	write_text("gatekeeper.yml", "pg_version: 11\nrules:\n  drop-table: warning\n");
	assert_int_equal(run_lint(&doc, "m.sql", NULL), GK_EXIT_PASS);
	assert_string_equal(rule_severity(doc, "drop-table"), "warning");
	assert_int_equal(report_int(doc, "config", "pg_version"), 11);
	json_decref(doc);
	/* The command line wins over the file, whatever its position. */
	assert_int_equal(run_lint(&doc, "--pg-version", "13", "m.sql", "--rule", "drop-table=error", NULL), GK_EXIT_FAIL);
	assert_string_equal(rule_severity(doc, "drop-table"), "error");
	assert_int_equal(report_int(doc, "config", "pg_version"), 13);
	json_decref(doc);
	/* fail_level from the file, then overridden. */
	write_text("gatekeeper.yml", "fail_level: warning\nrules: {drop-table: warning}\n");
	assert_int_equal(run_lint(&doc, "m.sql", NULL), GK_EXIT_FAIL);
	json_decref(doc);
	assert_int_equal(run_lint(&doc, "--fail-level", "never", "m.sql", NULL), GK_EXIT_PASS);
	json_decref(doc);
	/* --no-config ignores the file: back to the defaults. */
	assert_int_equal(run_lint(&doc, "--no-config", "m.sql", "--fail-level", "warning", NULL), GK_EXIT_FAIL);
	assert_string_equal(rule_severity(doc, "drop-table"), "error");
	json_decref(doc);
}

static void test_rule_off_in_file(void **state)
{
	(void)state;
	json_t *doc;
	write_text("m.sql", DROP_SQL);
	write_text("gatekeeper.yml", "rules:\n  drop-table: off\n");
	assert_int_equal(run_lint(&doc, "m.sql", NULL), GK_EXIT_PASS);
	assert_string_equal(rule_severity(doc, "drop-table"), "none");
	json_decref(doc);
	assert_int_equal(run_lint(&doc, "m.sql", "--rule", "drop-table=warning", NULL), GK_EXIT_PASS);
	assert_string_equal(rule_severity(doc, "drop-table"), "warning");
	json_decref(doc);
}

static void test_explicit_config_and_paths(void **state)
{
	(void)state;
	json_t *doc;
	mkdirs("sub/db/old");
	mkdirs("work");
	write_text("sub/db/1.sql", "SET lock_timeout = '2s';\nDROP TABLE a;\n");
	write_text("sub/db/old/0.sql", "DROP TABLE b;\n");
	write_text("sub/db/down.sql", "DROP TABLE c;\n");
	write_text("sub/other.yml", "paths: [db]\nexclude: [\"**/down.sql\", \"db/old/*\"]\n");
	write_text("gatekeeper.yml", "rules: {drop-table: off}\n"); /* would be found, but --config wins */
	assert_int_equal(chdir("work"), 0);
	assert_int_equal(run_lint(&doc, "--config", "../sub/other.yml", NULL), GK_EXIT_FAIL);
	json_t *migs = json_object_get(doc, "migrations");
	assert_int_equal(json_array_size(migs), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(migs, 0), "path")), "../sub/db/1.sql");
	json_decref(doc);
	/* Discovered upward from work/: the file in the fixture folder, which has no paths. */
	assert_int_equal(run_lint(&doc, NULL), GK_EXIT_USAGE);
	assert_null(doc);
	assert_int_equal(run_lint(&doc, "../sub/db/1.sql", NULL), GK_EXIT_PASS);
	json_decref(doc);
	assert_int_equal(chdir(".."), 0);
}

static void test_config_error_still_writes_reports(void **state)
{
	(void)state;
	json_t *doc;
	write_text("m.sql", "SELECT 1;\n");
	write_text("gatekeeper.yml", "pg_version: 15\nfail_level: sometimes\n");
	assert_int_equal(run_lint(&doc, "m.sql", NULL), GK_EXIT_USAGE);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "summary"), "verdict")), "error");
	assert_int_equal(report_int(doc, "summary", "exit_code"), 2);
	json_t *e = json_array_get(json_object_get(doc, "errors"), 0);
	assert_string_equal(json_string_value(json_object_get(e, "kind")), "config");
	assert_string_equal(json_string_value(json_object_get(e, "path")), "gatekeeper.yml");
	assert_string_equal(json_string_value(json_object_get(e, "message")),
			    "gatekeeper.yml:2:13: fail_level must be error, warning, info or never, not 'sometimes'");
	json_decref(doc);
	/* A missing --config file is a configuration error too. */
	assert_int_equal(run_lint(&doc, "--config", "nope.yml", "m.sql", NULL), GK_EXIT_USAGE);
	e = json_array_get(json_object_get(doc, "errors"), 0);
	assert_string_equal(json_string_value(json_object_get(e, "path")), "nope.yml");
	json_decref(doc);
	/* --config and --no-config contradict: a usage error, no report. */
	assert_int_equal(run_lint(&doc, "--config", "gatekeeper.yml", "--no-config", "m.sql", NULL), GK_EXIT_USAGE);
	assert_null(doc);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_full_file),
		T(test_empty_files_are_empty_configs),
		T(test_single_values_and_empty_lists),
		T(test_flow_style),
		T(test_yaml_syntax_errors),
		T(test_nesting_depth_limit),
		T(test_invalid_utf8),
		T(test_top_level_must_be_a_mapping),
		T(test_more_than_one_document),
		T(test_unknown_key),
		T(test_production_stats),
		T(test_duplicate_keys),
		T(test_pg_version_values),
		T(test_enum_values),
		T(test_wrong_types),
		T(test_layout_and_migration_name),
		T(test_replay_settings),
		T(test_paths_stay_inside),
		T(test_replay_timeout),
		T(test_lock_budget),
		T(test_shadow_extensions),
		T(test_runner_and_lock_timeout),
		T(test_unreadable_file),
		T(test_apply_sets_only_what_the_file_names),
		T(test_unknown_rule),
		T(test_every_problem),
		T(test_find_walks_up),
		T(test_find_stops_at_repository_root),
		T(test_find_absolute_start),
		T(test_precedence_defaults_file_command_line),
		T(test_rule_off_in_file),
		T(test_explicit_config_and_paths),
		T(test_config_error_still_writes_reports),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
