/*
 * test_support.h - for tests that work on real folders and git
 * repositories: run a command (git) in a folder and capture its output,
 * write and remove files, isolate git from the caller's environment.
 * Included by test files only, after <cmocka.h>; everything here is
 * static, and a test file may use only some of it.
 */
#ifndef GK_TEST_SUPPORT_H
#define GK_TEST_SUPPORT_H

#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/util.h"

extern char **environ;

static __attribute__((unused)) void read_all(gk_buf *b, int fd)
{
	char chunk[4096];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		gk_buf_append(b, chunk, (size_t)n);
	close(fd);
}

/* Run argv in `cwd`; returns the exit status, *out (if not NULL) gets stdout. */
static __attribute__((unused)) int run(char **out, const char *cwd, const char *const *argv)
{
	int po[2], pe[2];
	assert_int_equal(pipe(po), 0);
	assert_int_equal(pipe(pe), 0);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	if (cwd)
		posix_spawn_file_actions_addchdir_np(&fa, cwd);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	posix_spawn_file_actions_addclose(&fa, po[0]);
	posix_spawn_file_actions_addclose(&fa, pe[0]);
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(po[1]);
	close(pe[1]);
	gk_buf o = GK_BUF_INIT, e = GK_BUF_INIT;
	read_all(&o, po[0]);
	read_all(&e, pe[0]);
	int status = -1;
	if (rc == 0)
		waitpid(pid, &status, 0);
	int code = rc == 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (code != 0) {
		print_error("command failed (%d):", code);
		for (size_t i = 0; argv[i]; i++)
			print_error(" %s", argv[i]);
		print_error("\n%s\n", e.data ? e.data : "");
	}
	char *s = gk_buf_take(&o);
	while (s && *s && s[strlen(s) - 1] == '\n')
		s[strlen(s) - 1] = '\0';
	if (out)
		*out = s;
	else
		free(s);
	gk_buf_free(&e);
	return code;
}

#define GIT(cwd, ...) assert_int_equal(run(NULL, (cwd), (const char *[]){"git", __VA_ARGS__, NULL}), 0)
#define GIT_OUT(out, cwd, ...) assert_int_equal(run((out), (cwd), (const char *[]){"git", __VA_ARGS__, NULL}), 0)

static __attribute__((unused)) void git_sha(char sha[41], const char *cwd, const char *rev)
{
	char *s = NULL;
	GIT_OUT(&s, cwd, "rev-parse", rev);
	assert_int_equal(strlen(s), 40);
	memcpy(sha, s, 41);
	free(s);
}

/* ---- files and environment ---- */

#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>

/* Write `text` to `path`, making the folders on the way. */
static __attribute__((unused)) void test_write_file(const char *path, const char *text)
{
	char *full = gk_strdup(path);
	for (char *p = full + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(full, 0777);
			*p = '/';
		}
	FILE *f = fopen(full, "wb");
	assert_non_null(f);
	fwrite(text, 1, strlen(text), f);
	fclose(f);
	free(full);
}

static __attribute__((unused)) int test_rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(p);
}

/* Remove a folder and everything below it. */
static __attribute__((unused)) void test_rm_tree(const char *dir) { nftw(dir, test_rm_cb, 16, FTW_DEPTH | FTW_PHYS); }

/* The tests must not see the caller's git configuration or CI variables. */
static __attribute__((unused)) void test_isolate_git_env(void)
{
	const char *drop[] = {"GITHUB_BASE_REF", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
			      "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE", "GIT_COMMITTER_NAME",
			      "GIT_COMMITTER_EMAIL", "GIT_COMMITTER_DATE", "GIT_CEILING_DIRECTORIES", "XDG_CONFIG_HOME"};
	for (size_t i = 0; i < sizeof drop / sizeof *drop; i++)
		unsetenv(drop[i]);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
}

#endif
