/*
 * cli_test_support.h - for tests that run the built gatekeeper binary (found
 * next to the test in the build folder): run it with arguments, an
 * environment and a working folder, read what it printed, check exit codes,
 * search outputs for a password, and validate the JSON and JUnit reports
 * against their schemas when python3's jsonschema and xmllint are there.
 * Included by test files only, after <cmocka.h>; everything is static.
 */
#ifndef GK_CLI_TEST_SUPPORT_H
#define GK_CLI_TEST_SUPPORT_H

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/skip_test_support.h"
#include "util/util.h"

extern char **environ;

typedef struct out {
	int code;
	char *stdout_text, *stderr_text;
} out;

static __attribute__((unused)) void out_free(out *o)
{
	free(o->stdout_text);
	free(o->stderr_text);
}

/* <build>/gatekeeper, from <build>/test/src/<module>/<test>. */
static __attribute__((unused)) char *binary(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	char *dir = exe;
	for (int i = 0; i < 4; i++)
		dir = dirname(dir);
	char *bin = gk_asprintf("%s/gatekeeper", dir);
	if (access(bin, X_OK) != 0)
		fail_msg("%s is not built (make all builds it before the tests)", bin);
	return bin;
}

static __attribute__((unused)) char *slurp(const char *path)
{
	char *text = NULL;
	size_t len = 0;
	if (gk_read_file(&text, &len, path, 64 << 20) != 0)
		return gk_strdup("");
	return text;
}

/* The environment without DATABASE_URL, plus `extra` ("K=V", NULL-terminated). */
static __attribute__((unused)) char **environment(const char *const *extra)
{
	size_t n = 0, k = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 8, sizeof *env);
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "DATABASE_URL=", 13) != 0 && strncmp(environ[i], "NO_COLOR=", 9) != 0)
			env[k++] = environ[i];
	env[k++] = "NO_COLOR=1";
	for (size_t i = 0; extra && extra[i]; i++)
		env[k++] = (char *)extra[i];
	env[k] = NULL;
	return env;
}

/* Run gatekeeper with `args` in `cwd`; stdout and stderr go through files. */
static __attribute__((unused)) out run_gk(const char *tmp, const char *cwd, const char *const *extra_env, const char *const *args)
{
	char *bin = binary();
	char *o_path = gk_asprintf("%s/stdout", tmp), *e_path = gk_asprintf("%s/stderr", tmp);
	const char *argv[32] = {bin};
	size_t n = 1;
	for (; args[n - 1]; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	if (cwd)
		posix_spawn_file_actions_addchdir_np(&fa, cwd);
	posix_spawn_file_actions_addopen(&fa, 1, o_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_addopen(&fa, 2, e_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	char **env = environment(extra_env);
	pid_t pid;
	assert_int_equal(posix_spawn(&pid, bin, &fa, NULL, (char *const *)argv, env), 0);
	posix_spawn_file_actions_destroy(&fa);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	out o = {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(o_path), slurp(e_path)};
	free(env);
	free(bin);
	free(o_path);
	free(e_path);
	return o;
}

static __attribute__((unused)) void assert_code(const out *o, int want)
{
	if (o->code != want)
		fail_msg("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", o->code, want, o->stdout_text, o->stderr_text);
}

static __attribute__((unused)) void assert_has(const char *text, const char *what)
{
	if (!strstr(text, what))
		fail_msg("'%s' not in:\n%s", what, text);
}

/* The password in none of these texts. */
static __attribute__((unused)) void assert_no_secret(const char *secret, const char *const *texts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(texts[i], secret))
			fail_msg("the password leaked into output %zu:\n%s", i, texts[i]);
}

/* Run a program quietly: 0 when it exited 0. */
static __attribute__((unused)) int quiet_run(const char *const *argv)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	int status = -1;
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static __attribute__((unused)) void validate_json(const char *path)
{
	const char *probe[] = {"python3", "-c", "import jsonschema", NULL};
	if (quiet_run(probe) != 0) {
		gk_test_skip_part("python3 with jsonschema is missing: the JSON report is not validated");
		return;
	}
	char *schema = gk_asprintf("%s/schemas/report/v1.json", GK_SOURCE_DIR);
	const char *argv[] = {"python3", "-c",
			      "import json, sys\n"
			      "from jsonschema import Draft202012Validator\n"
			      "v = Draft202012Validator(json.load(open(sys.argv[1])))\n"
			      "sys.exit(1 if list(v.iter_errors(json.load(open(sys.argv[2])))) else 0)\n",
			      schema, path, NULL};
	if (quiet_run(argv) != 0)
		fail_msg("%s is not valid against %s", path, schema);
	free(schema);
}

static __attribute__((unused)) void validate_junit(const char *path, const char *xsd)
{
	const char *probe[] = {"xmllint", "--version", NULL};
	if (quiet_run(probe) != 0) {
		gk_test_skip_part("xmllint is missing: the JUnit report is not validated");
		return;
	}
	char *schema = gk_asprintf("%s/testdata/schemas/%s", GK_SOURCE_DIR, xsd);
	const char *argv[] = {"xmllint", "--noout", "--schema", schema, path, NULL};
	if (quiet_run(argv) != 0)
		fail_msg("%s is not valid against %s", path, xsd);
	free(schema);
}

#endif
