/*
 * cli_test.c - `gatekeeper stats` end to end: the built binary run against
 * a database of the embedded cluster as a role that can only connect
 * (its password really checked), the file it writes read back and
 * validated against schemas/stats/v1.json with ajv (ci/json-validator.sh;
 * without node or npm that step says why it is skipped), the exit codes
 * of usage errors and an unreachable server, and the password in no
 * output.
 */
/* test needs: postgres */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "catalog/stats.h"
#include "target/target_test_support.h"
#include "util/cli_test_support.h"

#define PASSWORD "St4ts-S3cret-pw"

/* ajv against schemas/stats/v1.json; false (with a note) when it is not installable here. */
static bool validate_stats(const char *path)
{
	char *npm = gk_asprintf("%s/build/npm", GK_SOURCE_DIR), *script = gk_asprintf("%s/ci/json-validator.sh", GK_SOURCE_DIR);
	const char *install[] = {script, npm, NULL};
	bool have = quiet_run(install) == 0;
	if (have) {
		setenv("GK_NPM_DIR", npm, 1);
		char *js = gk_asprintf("%s/ci/validate-json.js", GK_SOURCE_DIR);
		char *schema = gk_asprintf("%s/schemas/stats/v1.json", GK_SOURCE_DIR);
		const char *argv[] = {"node", js, schema, path, NULL};
		if (quiet_run(argv) != 0)
			fail_msg("%s is not valid against %s", path, schema);
		free(js);
		free(schema);
	} else {
		print_message("note: SKIP schema validation: ci/json-validator.sh cannot install ajv here (no node/npm "
			      "or no registry)\n");
	}
	free(npm);
	free(script);
	return have;
}

static void test_stats_file(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	sql(&d, "CREATE TABLE orders (id bigint PRIMARY KEY, total numeric NOT NULL)");
	sql(&d, "INSERT INTO orders SELECT g, g * 1.5 FROM generate_series(1, 2000) g");
	sql(&d, "ANALYZE orders");
	char *role = unique(s, "stats_reader");
	make_reader(&d, role, PASSWORD);
	require_password(&d, role);
	char *url = url_for(&d, role, PASSWORD, NULL);
	char *dir = new_folder(s, "stats");
	char *file = gk_asprintf("%s/prod-stats.json", dir);
	const char *args[] = {"stats", "--database", url, "-o", file, NULL};
	out o = run_gk(s->tmp, dir, NULL, args);
	assert_code(&o, 0);
	assert_string_equal(o.stdout_text, "");

	gk_stats *st = NULL;
	gk_error err = {0, ""};
	if (gk_stats_load(&st, file, &err) != 0)
		fail_msg("%s", err.msg);
	const gk_stats_table *t = gk_stats_find(st, "public", "orders");
	assert_non_null(t);
	assert_int_equal(gk_stats_rows(t), 2000);
	assert_int_equal(t->n_indexes, 1);
	assert_string_equal(t->indexes[0].name, "orders_pkey");
	gk_stats_free(st);
	char *text = slurp(file);
	const char *texts[] = {o.stdout_text, o.stderr_text, text};
	assert_no_secret(PASSWORD, texts, 3);
	/* The role and the database are connection details: not in the file. */
	assert_null(strstr(text, role));
	assert_null(strstr(text, d.name));
	validate_stats(file);

	/* To standard output with $DATABASE_URL. */
	const char *env[] = {NULL, NULL};
	char *var = gk_asprintf("DATABASE_URL=%s", url);
	env[0] = var;
	const char *args2[] = {"stats", NULL};
	out o2 = run_gk(s->tmp, dir, env, args2);
	assert_code(&o2, 0);
	assert_has(o2.stdout_text, "\"format\": \"gatekeeper-stats/1\"");
	assert_has(o2.stdout_text, "\"name\": \"orders\"");

	out_free(&o);
	out_free(&o2);
	free(var);
	free(text);
	free(file);
	free(dir);
	free(url);
	free(role);
	drop_db(s, &d);
}

static void test_errors(void **state)
{
	suite *s = *state;
	const char *no_url[] = {"stats", NULL};
	const char *unset[] = {"DATABASE_URL=", NULL};
	out o = run_gk(s->tmp, s->tmp, unset, no_url);
	assert_code(&o, 2);
	assert_has(o.stderr_text, "stats: name the database with --database URL or $DATABASE_URL");
	out_free(&o);

	const char *bad_sample[] = {"stats", "--database", "postgresql://x@127.0.0.1:1/x", "--sample-seconds", "0", NULL};
	o = run_gk(s->tmp, s->tmp, NULL, bad_sample);
	assert_code(&o, 2);
	assert_has(o.stderr_text, "--sample-seconds takes a whole number of seconds");
	out_free(&o);

	const char *url = "postgresql://app:" PASSWORD "@127.0.0.1:1/app?connect_timeout=3";
	const char *unreachable[] = {"stats", "--database", url, NULL};
	o = run_gk(s->tmp, s->tmp, NULL, unreachable);
	assert_code(&o, 3);
	assert_has(o.stderr_text, "127.0.0.1");
	const char *texts[] = {o.stdout_text, o.stderr_text};
	assert_no_secret(PASSWORD, texts, 2);
	out_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats_file),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, group_start, group_stop);
}
