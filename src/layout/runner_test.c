/*
 * runner_test.c - the runner model: each tool, each Prisma version
 * boundary, the statements that change the model, the lockfile readers
 * (garbage included) and the upward search that stops at the root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout/runner.h"
#include "util/util.h"

static gk_runner_choice choose(enum gk_layout_kind tool, const char *version, bool no_tx, const char *sql)
{
	gk_runner_settings s;
	gk_runner_settings_init(&s, tool);
	if (version) {
		snprintf(s.prisma.version, sizeof s.prisma.version, "%s", version);
		snprintf(s.prisma.source, sizeof s.prisma.source, "%s", "pnpm-lock.yaml");
	}
	gk_runner_choice c;
	gk_runner_choose_text(&c, &s, GK_RUNNER_AUTO, no_tx, "m/migration.sql", sql, strlen(sql));
	return c;
}

static const char two[] = "CREATE INDEX CONCURRENTLY a_x ON a (x);\nALTER TABLE a ADD COLUMN y int;\n";

static void test_prisma_boundaries(void **state)
{
	(void)state;
	static const struct {
		const char *v;
		enum gk_runner deploy, shadow;
	} cases[] = {
		{"6.19.0", GK_RUNNER_WHOLE, GK_RUNNER_WHOLE},  {"7.3.9", GK_RUNNER_WHOLE, GK_RUNNER_WHOLE},
		{"7.4.0", GK_RUNNER_SPLIT, GK_RUNNER_WHOLE},   {"7.7.5", GK_RUNNER_SPLIT, GK_RUNNER_WHOLE},
		{"7.8.0", GK_RUNNER_SPLIT, GK_RUNNER_SPLIT},   {"7.10.1", GK_RUNNER_SPLIT, GK_RUNNER_SPLIT},
		{"7.4.0-dev.3", GK_RUNNER_WHOLE, GK_RUNNER_WHOLE},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		gk_runner_choice c = choose(GK_LAYOUT_PRISMA, cases[i].v, false, two);
		assert_int_equal(c.deploy, cases[i].deploy);
		assert_int_equal(c.shadow, cases[i].shadow);
		assert_string_equal(c.version, cases[i].v);
		assert_string_equal(c.source, "pnpm-lock.yaml");
	}
	gk_runner_choice c = choose(GK_LAYOUT_PRISMA, "7.10.1", false, two);
	assert_string_equal(c.reason, "prisma 7.10.1 (pnpm-lock.yaml): statements sent one by one");
	c = choose(GK_LAYOUT_PRISMA, NULL, false, two);
	assert_int_equal(c.deploy, GK_RUNNER_SPLIT);
	assert_non_null(strstr(c.reason, "Prisma version not found; assuming current Prisma (>= 7.4)"));
}

static void test_prisma_fallback(void **state)
{
	(void)state;
	static const char *const unsplittable[] = {
		"DO $$ BEGIN PERFORM 1; END $$;\nCREATE INDEX CONCURRENTLY a_x ON a (x);\n",
		"DROP INDEX CONCURRENTLY a_x;\nCREATE INDEX CONCURRENTLY a_y ON a (y);\n",
		"REINDEX TABLE a;\nSELECT 1;\n",
		"LOCK TABLE a;\nSELECT 1;\n",
	};
	for (size_t i = 0; i < 4; i++) {
		gk_runner_choice c = choose(GK_LAYOUT_PRISMA, "7.10.1", false, unsplittable[i]);
		assert_int_equal(c.deploy, GK_RUNNER_WHOLE);
		assert_non_null(strstr(c.reason, "cannot parse"));
	}
	/* ';' inside a body, a string and a comment ends nothing. */
	gk_runner_sql sql;
	const char *t = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n-- a; b\nSELECT ';';\n"
			"CREATE FUNCTION g() RETURNS int BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 1 END; END;\n";
	gk_runner_scan(&sql, t, strlen(t), 15);
	assert_int_equal(sql.n_stmts, 3);
	assert_int_equal(sql.prisma_unsplittable, -1);
}

static void test_flyway(void **state)
{
	(void)state;
	gk_runner_choice c = choose(GK_LAYOUT_FLYWAY, NULL, false, "CREATE TABLE a (x int);\nALTER TABLE a ADD y int;\n");
	assert_int_equal(c.deploy, GK_RUNNER_PER_FILE);
	assert_false(c.refused);
	c = choose(GK_LAYOUT_FLYWAY, NULL, false, "CREATE INDEX CONCURRENTLY a_x ON a (x);\nVACUUM a;\n");
	assert_int_equal(c.deploy, GK_RUNNER_SPLIT);
	assert_false(c.refused);
	c = choose(GK_LAYOUT_FLYWAY, NULL, false, two);
	assert_true(c.refused);
	assert_non_null(strstr(c.reason, "Flyway refuses the migration"));
	gk_runner_settings s;
	gk_runner_settings_init(&s, GK_LAYOUT_FLYWAY);
	s.flyway_mixed = true;
	snprintf(s.flyway_mixed_source, sizeof s.flyway_mixed_source, "flyway.conf");
	gk_runner_choose_text(&c, &s, GK_RUNNER_AUTO, false, "V1__a.sql", two, strlen(two));
	assert_int_equal(c.deploy, GK_RUNNER_SPLIT);
	assert_false(c.refused);
	assert_string_equal(c.source, "flyway.conf");
	c = choose(GK_LAYOUT_FLYWAY, NULL, true, "CREATE TABLE a (x int);\n");
	assert_int_equal(c.deploy, GK_RUNNER_SPLIT);
	/* REINDEX TABLE is not in Flyway's list; REINDEX SCHEMA is. */
	gk_runner_sql sql;
	gk_runner_scan(&sql, "REINDEX TABLE a;", 16, 15);
	assert_int_equal(sql.n_no_tx, 0);
	gk_runner_scan(&sql, "REINDEX VERBOSE SCHEMA app;", 27, 15);
	assert_int_equal(sql.n_no_tx, 1);
	/* ALTER TYPE ... ADD VALUE: outside a transaction before PostgreSQL 12 only. */
	const char *av = "ALTER TYPE mood ADD VALUE 'x';";
	gk_runner_scan(&sql, av, strlen(av), 11);
	assert_int_equal(sql.n_no_tx, 1);
	gk_runner_scan(&sql, av, strlen(av), 12);
	assert_int_equal(sql.n_no_tx, 0);
	assert_int_equal(gk_runner_flyway_mixed("flyway.url=x\nflyway.mixed = true\n", 33, false), 1);
	assert_int_equal(gk_runner_flyway_mixed("[flyway]\nmixed = false\n", 23, true), 0);
	assert_int_equal(gk_runner_flyway_mixed("flyway.url=x\n", 13, false), GK_ENOTFOUND);
}

static void test_other_tools(void **state)
{
	(void)state;
	assert_int_equal(choose(GK_LAYOUT_GOLANG_MIGRATE, NULL, false, two).deploy, GK_RUNNER_WHOLE);
	gk_runner_settings s;
	gk_runner_settings_init(&s, GK_LAYOUT_GOLANG_MIGRATE);
	s.golang_multi_statement = true;
	gk_runner_choice c;
	gk_runner_choose_text(&c, &s, GK_RUNNER_AUTO, false, "1_a.up.sql", two, strlen(two));
	assert_int_equal(c.deploy, GK_RUNNER_SPLIT);
	assert_int_equal(choose(GK_LAYOUT_DBMATE, NULL, false, two).deploy, GK_RUNNER_PER_FILE);
	assert_int_equal(choose(GK_LAYOUT_DBMATE, NULL, true, two).deploy, GK_RUNNER_WHOLE);
	assert_int_equal(choose(GK_LAYOUT_DIESEL, NULL, true, two).deploy, GK_RUNNER_WHOLE);
	/* A forced model wins, and says so. */
	gk_runner_settings_init(&s, GK_LAYOUT_PRISMA);
	gk_runner_choose_text(&c, &s, GK_RUNNER_PER_FILE, false, "migration.sql", two, strlen(two));
	assert_int_equal(c.deploy, GK_RUNNER_PER_FILE);
	assert_string_equal(c.source, "runner setting");
}

static void test_shadow_mismatch_facts(void **state)
{
	(void)state;
	gk_runner_sql sql;
	gk_runner_scan(&sql, two, strlen(two), 15);
	assert_true(sql.concurrently_beside);
	const char *one = "CREATE INDEX CONCURRENTLY a_x ON a (x);";
	gk_runner_scan(&sql, one, strlen(one), 15);
	assert_false(sql.concurrently_beside);
	const char *use = "ALTER TYPE mood ADD VALUE 'sad';\nUPDATE t SET m = 'sad';\n";
	gk_runner_scan(&sql, use, strlen(use), 15);
	assert_true(sql.add_value_then_use);
	const char *nouse = "ALTER TYPE mood ADD VALUE 'sad';\nALTER TYPE mood ADD VALUE 'glad';\n";
	gk_runner_scan(&sql, nouse, strlen(nouse), 15);
	assert_false(sql.add_value_then_use);
}

static void test_lockfiles(void **state)
{
	(void)state;
	char v[32], range[64];
	const char *npm = "{\"lockfileVersion\":3,\"packages\":{\"node_modules/prisma\":{\"version\":\"7.10.1\"}}}";
	assert_int_equal(gk_runner_prisma_from_package_lock(v, sizeof v, npm, strlen(npm)), 0);
	assert_string_equal(v, "7.10.1");
	const char *npm1 = "{\"dependencies\":{\"prisma\":{\"version\":\"5.22.0\"}}}";
	assert_int_equal(gk_runner_prisma_from_package_lock(v, sizeof v, npm1, strlen(npm1)), 0);
	assert_string_equal(v, "5.22.0");
	const char *pnpm = "lockfileVersion: '9.0'\n\npackages:\n\n  '@prisma/engines@7.10.1':\n    x: 1\n\n"
			   "  prisma@7.10.1(typescript@5.4.0):\n    resolution: {}\n";
	assert_int_equal(gk_runner_prisma_from_pnpm_lock(v, sizeof v, pnpm, strlen(pnpm)), 0);
	assert_string_equal(v, "7.10.1");
	const char *pnpm6 = "lockfileVersion: '6.0'\npackages:\n  /prisma@6.19.0:\n    resolution: {}\n";
	assert_int_equal(gk_runner_prisma_from_pnpm_lock(v, sizeof v, pnpm6, strlen(pnpm6)), 0);
	assert_string_equal(v, "6.19.0");
	const char *yarn = "# yarn lockfile v1\n\n\"@prisma/client@^7.0.0\":\n  version \"7.0.0\"\n\n"
			   "prisma@^7.4.0, prisma@^7.5.0:\n  version \"7.5.2\"\n  resolved \"x\"\n";
	assert_int_equal(gk_runner_prisma_from_yarn_lock(v, sizeof v, yarn, strlen(yarn)), 0);
	assert_string_equal(v, "7.5.2");
	const char *berry = "__metadata:\n  version: 8\n\n\"prisma@npm:^7.8.0\":\n  version: 7.8.1\n";
	assert_int_equal(gk_runner_prisma_from_yarn_lock(v, sizeof v, berry, strlen(berry)), 0);
	assert_string_equal(v, "7.8.1");
	const char *bun = "{\n  \"lockfileVersion\": 1,\n  \"packages\": {\n    \"prisma\": [\"prisma@7.9.0\", \"\", {}],\n  }\n}\n";
	assert_int_equal(gk_runner_prisma_from_bun_lock(v, sizeof v, bun, strlen(bun)), 0);
	assert_string_equal(v, "7.9.0");
	/* Garbage: a parse error, never a crash or a version. */
	static const char junk[] = "\x00\xff{{{[[[ prisma@ version \"";
	assert_int_equal(gk_runner_prisma_from_package_lock(v, sizeof v, junk, sizeof junk - 1), GK_EPARSE);
	assert_int_equal(gk_runner_prisma_from_pnpm_lock(v, sizeof v, junk, sizeof junk - 1), GK_EPARSE);
	assert_int_equal(gk_runner_prisma_from_yarn_lock(v, sizeof v, junk, sizeof junk - 1), GK_EPARSE);
	assert_int_equal(gk_runner_prisma_from_bun_lock(v, sizeof v, junk, sizeof junk - 1), GK_EPARSE);
	const char *trunc = "lockfileVersion: '9.0'\npackages:\n  prisma@";
	assert_int_equal(gk_runner_prisma_from_pnpm_lock(v, sizeof v, trunc, strlen(trunc)), GK_ENOTFOUND);
	/* package.json ranges: the lowest version allowed. */
	static const struct {
		const char *range, *low;
	} ranges[] = {{"^7.4.0", "7.4.0"}, {"~7.3", "7.3.0"}, {">=7.8.0 <8", "7.8.0"}, {"7.x", "7.0.0"},
		      {"^6.0.0 || ^7.4.0", "6.0.0"}, {"v7.10.1", "7.10.1"}, {"7.2.0 - 7.9.0", "7.2.0"}};
	for (size_t i = 0; i < sizeof ranges / sizeof *ranges; i++) {
		char *pj = gk_asprintf("{\"devDependencies\":{\"prisma\":\"%s\"}}", ranges[i].range);
		assert_int_equal(gk_runner_prisma_from_package_json(v, sizeof v, range, sizeof range, pj, strlen(pj)), 0);
		assert_string_equal(v, ranges[i].low);
		assert_string_equal(range, ranges[i].range);
		free(pj);
	}
	const char *star = "{\"dependencies\":{\"prisma\":\"*\"}}";
	assert_int_equal(gk_runner_prisma_from_package_json(v, sizeof v, range, sizeof range, star, strlen(star)), GK_EPARSE);
	const char *none = "{\"dependencies\":{\"left-pad\":\"1.0.0\"}}";
	assert_int_equal(gk_runner_prisma_from_package_json(v, sizeof v, range, sizeof range, none, strlen(none)), GK_ENOTFOUND);
}

/* An in-memory repository for the upward search. */
typedef struct file { const char *path, *text; } file;

static int read_mem(char **out, size_t *len, const char *relpath, size_t limit, void *payload)
{
	for (const file *f = payload; f->path; f++)
		if (!strcmp(f->path, relpath)) {
			*len = strlen(f->text);
			if (*len > limit)
				return GK_EIO;
			*out = gk_strdup(f->text);
			return *out ? 0 : GK_ENOMEM;
		}
	return GK_ENOTFOUND;
}

static void test_upward_search(void **state)
{
	(void)state;
	gk_prisma_version pv;
	file mono[] = {{"pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages:\n  prisma@7.10.1:\n    x: 1\n"},
		       {"apps/web/package.json", "{\"devDependencies\":{\"prisma\":\"^6.0.0\"}}"},
		       {NULL, NULL}};
	/* The lockfile at the root beats the nearer package.json range. */
	gk_runner_prisma_find(&pv, "apps/web/prisma/migrations", read_mem, mono);
	assert_string_equal(pv.version, "7.10.1");
	assert_string_equal(pv.source, "pnpm-lock.yaml");
	file rangeonly[] = {{"apps/web/package.json", "{\"devDependencies\":{\"prisma\":\"^6.19.0\"}}"}, {NULL, NULL}};
	gk_runner_prisma_find(&pv, "apps/web/prisma/migrations/", read_mem, rangeonly);
	assert_string_equal(pv.version, "6.19.0");
	assert_string_equal(pv.source, "apps/web/package.json range ^6.19.0");
	/* A lockfile of another folder, beside rather than above, is not read. */
	file beside[] = {{"other/package-lock.json", "{\"packages\":{\"node_modules/prisma\":{\"version\":\"7.1.0\"}}}"},
			 {NULL, NULL}};
	gk_runner_prisma_find(&pv, "app/prisma/migrations", read_mem, beside);
	assert_string_equal(pv.version, "");
	/* A broken lockfile: unknown, with a note naming it. */
	file broken[] = {{"package-lock.json", "{ not json"}, {NULL, NULL}};
	gk_runner_prisma_find(&pv, "prisma/migrations", read_mem, broken);
	assert_string_equal(pv.version, "");
	assert_non_null(strstr(pv.note, "package-lock.json does not parse"));
}

/* Prisma 6's driver-adapter engine, from prisma.config.*: split at every
 * ';'; Prisma 7 has no such engine, and a comment or a string saying it is
 * no setting. */
static void test_prisma_js_engine(void **state)
{
	(void)state;
	assert_true(gk_runner_prisma_js_engine("export default defineConfig({\n  engine: \"js\",\n})", 45));
	const char *yes[] = {"{ engine: 'js', adapter: async () => a }", "{engine:`js`}", "{ /* x */ engine /* y */ : 'js' }"};
	const char *no[] = {"{ engine: 'classic' }", "// engine: 'js'\n{}", "/* engine: \"js\" */ {}",
			    "{ note: \"engine: 'js'\" }", "{ myengine: 'js' }", "{ engine: 'jsx' }", "{ x.engine: 'js' }"};
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
		assert_true(gk_runner_prisma_js_engine(yes[i], strlen(yes[i])));
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		assert_false(gk_runner_prisma_js_engine(no[i], strlen(no[i])));

	file repo[] = {{"package-lock.json", "{\"packages\":{\"node_modules/prisma\":{\"version\":\"6.19.0\"}}}"},
		       {"prisma.config.ts", "import { defineConfig } from 'prisma/config'\nexport default defineConfig({\n"
					    "  experimental: { adapter: true },\n  engine: 'js',\n  adapter: async () => pg,\n})\n"},
		       {NULL, NULL}};
	gk_runner_settings st;
	gk_runner_settings_find(&st, GK_LAYOUT_PRISMA, "prisma/migrations", read_mem, repo);
	assert_true(st.prisma_js_engine);
	assert_string_equal(st.prisma_js_source, "prisma.config.ts");
	const char *body = "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n"
			   "CREATE TABLE t (id int);\n";
	gk_runner_choice c;
	gk_runner_choose_text(&c, &st, GK_RUNNER_AUTO, false, "m/migration.sql", body, strlen(body));
	assert_int_equal(c.deploy, GK_RUNNER_SPLIT);
	assert_int_equal(c.shadow, GK_RUNNER_SPLIT);
	assert_int_equal(c.splitter, GK_SPLITTER_EVERY_SEMICOLON);
	assert_string_equal(c.source, "prisma.config.ts");
	assert_non_null(strstr(c.reason, "prisma 6.19.0 with engine \"js\" (prisma.config.ts): the driver adapter cuts"));
	const gk_runner_cut *cut = gk_runner_wrong_cut(&c);
	assert_non_null(cut);
	assert_int_equal(cut->stmt, 0);
	assert_string_equal(cut->what, "a dollar-quoted body");
	assert_int_equal(body[cut->offset], ';');
	assert_int_equal(cut->offset, (size_t)(strstr(body, "1;") + 1 - body));
	/* Prisma 7 reads no engine setting. */
	snprintf(st.prisma.version, sizeof st.prisma.version, "%s", "7.10.1");
	gk_runner_choose_text(&c, &st, GK_RUNNER_AUTO, false, "m/migration.sql", body, strlen(body));
	assert_int_equal(c.splitter, GK_SPLITTER_SQL);
	assert_null(gk_runner_wrong_cut(&c));
}

/* Where the naive splitters cut wrong: at every ';' inside a token (a
 * dollar-quoted body too: golang-migrate's released multistmt.Parse does
 * not read them). */
static void test_wrong_cuts(void **state)
{
	(void)state;
	gk_runner_settings st;
	gk_runner_settings_init(&st, GK_LAYOUT_GOLANG_MIGRATE);
	st.golang_multi_statement = true;
	static const struct {
		const char *sql;
		int every;           /* statement of the cut; -1 none */
		const char *what;
	} cases[] = {
		{"CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n", -1, NULL},
		{"CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n", 0, "a dollar-quoted body"},
		{"CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\nCOMMENT ON TABLE a IS 'x; y';\n", 2, "a string"},
		{"-- first; then\nCREATE TABLE a (id int);\n", 0, "a comment"},
		/* Commented-out SQL between statements: each piece is a comment
		 * (an empty query) or the next statement. */
		{"-- DROP TABLE old;\nCREATE TABLE a (id int);\n-- ALTER TABLE a ADD b int; -- later;;\n", -1, NULL},
		{"CREATE TABLE a (id int); -- done; then\n", 1, "a comment"},
		{"CREATE TABLE a ( -- the key;\n id int);\n", 0, "a comment"},
		{"CREATE TABLE \"a;b\" (id int);\n", 0, "a quoted name"},
		{"CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;\n", 0, "a BEGIN ATOMIC body"},
		{"CREATE TABLE a (id int); /* trailing; */\n", 1, "a comment"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		gk_runner_choice c;
		gk_runner_choose_text(&c, &st, GK_RUNNER_AUTO, false, "1_a.up.sql", cases[i].sql, strlen(cases[i].sql));
		assert_int_equal(c.splitter, GK_SPLITTER_MULTISTMT);
		assert_int_equal(c.sql.cut_every.stmt, cases[i].every);
		const gk_runner_cut *cut = gk_runner_wrong_cut(&c);
		if (cases[i].every < 0) {
			assert_null(cut);
			continue;
		}
		assert_non_null(cut);
		assert_string_equal(cut->what, cases[i].what);
		assert_int_equal(cases[i].sql[cut->offset], ';');
	}
	/* Without x-multi-statement the file is one Exec: nothing is cut. */
	st.golang_multi_statement = false;
	gk_runner_choice c;
	gk_runner_choose_text(&c, &st, GK_RUNNER_AUTO, false, "1_a.up.sql", cases[2].sql, strlen(cases[2].sql));
	assert_null(gk_runner_wrong_cut(&c));
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* On disk: the search reads from the folder up to the root it is given, never above. */
static void test_disk_stops_at_root(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/gk-runner-XXXXXX";
	char *top = mkdtemp(tmpl);
	assert_non_null(top);
	char *repo = gk_asprintf("%s/repo", top), *mig = gk_asprintf("%s/repo/db/migration", top);
	char *above = gk_asprintf("%s/pnpm-lock.yaml", top), *conf = gk_asprintf("%s/repo/flyway.conf", top);
	char *cmd = gk_asprintf("mkdir -p %s", mig);
	assert_int_equal(system(cmd), 0);
	put(above, "lockfileVersion: '9.0'\npackages:\n  prisma@6.19.0:\n    x: 1\n");
	gk_prisma_version pv;
	gk_runner_prisma_find_dir(&pv, mig, repo);
	assert_string_equal(pv.version, ""); /* the lockfile above the root is not the repository's */
	gk_runner_prisma_find_dir(&pv, mig, top);
	assert_string_equal(pv.version, "6.19.0");
	assert_string_equal(pv.source, "pnpm-lock.yaml");
	put(conf, "flyway.url=jdbc:postgresql://db/app\nflyway.mixed=true\n");
	gk_runner_settings s;
	gk_runner_settings_find_dir(&s, GK_LAYOUT_FLYWAY, mig, repo);
	assert_true(s.flyway_mixed);
	assert_string_equal(s.flyway_mixed_source, "flyway.conf");
	free(cmd);
	cmd = gk_asprintf("rm -rf %s", top);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(repo);
	free(mig);
	free(above);
	free(conf);
}

static void test_version_cmp(void **state)
{
	(void)state;
	assert_true(gk_runner_version_cmp("7.10.1", "7.4.0") > 0);
	assert_true(gk_runner_version_cmp("7.3.99", "7.4.0") < 0);
	assert_int_equal(gk_runner_version_cmp("7.4", "7.4.0"), 0);
	assert_true(gk_runner_version_cmp("7.4.0-dev.1", "7.4.0") < 0);
}

/* The queries each naive splitter sends, as "[piece]" per query. */
static void assert_pieces(enum gk_splitter sp, const char *text, const char *want)
{
	gk_runner_piece *p = NULL;
	size_t n = 0;
	assert_int_equal(gk_runner_pieces(&p, &n, sp, text, strlen(text)), 0);
	char got[512] = "";
	for (size_t i = 0; i < n; i++)
		snprintf(got + strlen(got), sizeof got - strlen(got), "[%.*s]", (int)(p[i].end - p[i].start),
			 text + p[i].start);
	if (strcmp(got, want))
		fail_msg("%s pieces of '%s': got %s, want %s", gk_runner_splitter_name(sp), text, got, want);
	free(p);
}

/* Prisma 6's executeScript: split(';'), trim(), drop empty pieces.
 * golang-migrate's multistmt.Parse: up to and with each ';', the rest at
 * the end, pieces of white space only skipped. */
static void test_pieces(void **state)
{
	(void)state;
	const char *plain = "CREATE TABLE a (i int);\n\nCREATE TABLE b (i int);\n";
	assert_pieces(GK_SPLITTER_EVERY_SEMICOLON, plain, "[CREATE TABLE a (i int)][CREATE TABLE b (i int)]");
	assert_pieces(GK_SPLITTER_MULTISTMT, plain, "[CREATE TABLE a (i int);][\n\nCREATE TABLE b (i int);]");
	const char *body = "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;";
	assert_pieces(GK_SPLITTER_EVERY_SEMICOLON, body,
		      "[CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1][END $$]");
	assert_pieces(GK_SPLITTER_MULTISTMT, body,
		      "[CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1;][ END $$;]");
	/* A comment at the end stays a piece (the server answers it with an
	 * empty query); so does text after the last ';'. */
	const char *tail = "-- one; two\nSELECT 1;;  \n-- end";
	assert_pieces(GK_SPLITTER_EVERY_SEMICOLON, tail, "[-- one][two\nSELECT 1][-- end]");
	assert_pieces(GK_SPLITTER_MULTISTMT, tail, "[-- one;][ two\nSELECT 1;][;][  \n-- end]");
	/* Each language's white space: U+00A0 for both, U+FEFF for JavaScript
	 * only, U+0085 for Go only. */
	assert_pieces(GK_SPLITTER_EVERY_SEMICOLON, "\xc2\xa0;\xef\xbb\xbf;\xc2\x85;x\xc2\xa0", "[\xc2\x85][x]");
	assert_pieces(GK_SPLITTER_MULTISTMT, "\xc2\xa0", "");
	assert_pieces(GK_SPLITTER_MULTISTMT, "\xc2\x85 \xe3\x80\x80", "");
	assert_pieces(GK_SPLITTER_MULTISTMT, "\xef\xbb\xbf", "[\xef\xbb\xbf]");
	assert_pieces(GK_SPLITTER_EVERY_SEMICOLON, "", "");
	gk_runner_piece *p = NULL;
	size_t n = 1;
	assert_int_equal(gk_runner_pieces(&p, &n, GK_SPLITTER_SQL, "SELECT 1", 8), GK_ERROR);
	assert_int_equal(n, 0);
	assert_null(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prisma_boundaries), cmocka_unit_test(test_prisma_fallback),
		cmocka_unit_test(test_flyway),            cmocka_unit_test(test_other_tools),
		cmocka_unit_test(test_shadow_mismatch_facts), cmocka_unit_test(test_lockfiles),
		cmocka_unit_test(test_upward_search),     cmocka_unit_test(test_version_cmp),
		cmocka_unit_test(test_disk_stops_at_root), cmocka_unit_test(test_prisma_js_engine),
		cmocka_unit_test(test_wrong_cuts),        cmocka_unit_test(test_pieces),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
