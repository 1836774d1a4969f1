/*
 * check_test_support.h - what the tests of src/check share: a repository
 * built in a fresh mkdtemp folder per test (HOME points into it so that
 * neither git nor libgit2 reads the user's configuration), with a base
 * branch `main`, and helpers to run the check and look into the report.
 * Included by each test program (static functions, nothing exported).
 */
#ifndef GK_CHECK_TEST_SUPPORT_H
#define GK_CHECK_TEST_SUPPORT_H

#define MIG "prisma/migrations"
#define P(name) MIG "/" name "/migration.sql"

typedef struct fx {
	char root[1024];      /* the mkdtemp folder */
	char repo[PATH_MAX];  /* root/repo, the working directory during a test */
	char cwd[PATH_MAX];   /* where the test started */
} fx;

/* ---- running git: see src/util/test_support.h ----------------- */

#include "util/test_support.h"
#include "shadow/shadow_test_support.h"

/* ---- files ------------------------------------------------------------ */

static __attribute__((unused)) void put(const char *rel, const char *text) { test_write_file(rel, text); }

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

static __attribute__((unused)) void commit_all(const char *msg)
{
	GIT(".", "add", "-A");
	GIT(".", "commit", "-q", "-m", msg);
}

static __attribute__((unused)) void commit_as(const char *who, const char *msg)
{
	char name[128], email[160];
	snprintf(name, sizeof name, "user.name=%s", who);
	snprintf(email, sizeof email, "user.email=%s@example.com", who);
	GIT(".", "add", "-A");
	GIT(".", "-c", name, "-c", email, "commit", "-q", "-m", msg);
}

static __attribute__((unused)) void branch(const char *name) { GIT(".", "switch", "-q", "-c", name); }

/* ---- running the check ------------------------------------------------ */

static __attribute__((unused)) void opts(gk_check_options *o, const char *const *dirs, size_t n)
{
	gk_check_options_init(o);
	o->lint.jobs = 1;
	o->git.base = "main";
	o->dirs = dirs;
	o->n_dirs = n;
}

static __attribute__((unused)) void dump(const gk_report *r)
{
	for (size_t i = 0; i < r->n_migrations; i++)
		print_message("    migration %s %s%s\n", gk_history_status_name(r->migrations[i].history) ? gk_history_status_name(r->migrations[i].history) : "-",
			      r->migrations[i].path, r->migrations[i].linted ? "" : " (not linted)");
	for (size_t i = 0; i < r->n_findings; i++)
		print_message("    %s:%d:%d %s: %s\n", r->findings[i].path ? r->findings[i].path : "-", r->findings[i].line,
			      r->findings[i].column, r->findings[i].rule_id, r->findings[i].message);
}

static __attribute__((unused)) gk_report *check_o(const gk_check_options *o)
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
static __attribute__((unused)) gk_report *check_dir(const char *dir)
{
	const char *dirs[] = {dir};
	gk_check_options o;
	opts(&o, dirs, 1);
	return check_o(&o);
}

static __attribute__((unused)) int check_fails(const gk_check_options *o, gk_error *err)
{
	gk_report *r = gk_report_new("check");
	int rc = gk_check_run(r, o, err);
	gk_report_free(r);
	return rc;
}

static __attribute__((unused)) size_t count(const gk_report *r, const char *rule)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_findings; i++)
		n += strcmp(r->findings[i].rule_id, rule) == 0;
	return n;
}

/* The finding of `rule` on `path` (NULL = any); fails the test when absent. */
static __attribute__((unused)) const gk_finding *finding(const gk_report *r, const char *rule, const char *path)
{
	for (size_t i = 0; i < r->n_findings; i++)
		if (strcmp(r->findings[i].rule_id, rule) == 0 && (!path || (r->findings[i].path && !strcmp(r->findings[i].path, path))))
			return &r->findings[i];
	dump(r);
	fail_msg("no %s finding on %s", rule, path ? path : "any path");
	return NULL;
}

static __attribute__((unused)) void expect_none(const gk_report *r, const char *rule)
{
	if (count(r, rule) != 0) {
		dump(r);
		fail_msg("unexpected %s finding", rule);
	}
}

static __attribute__((unused)) const gk_migration *migration(const gk_report *r, const char *path)
{
	for (size_t i = 0; i < r->n_migrations; i++)
		if (strcmp(r->migrations[i].path, path) == 0)
			return &r->migrations[i];
	dump(r);
	fail_msg("no migration entry %s", path);
	return NULL;
}

static __attribute__((unused)) bool has_migration(const gk_report *r, const char *path)
{
	for (size_t i = 0; i < r->n_migrations; i++)
		if (strcmp(r->migrations[i].path, path) == 0)
			return true;
	return false;
}

static __attribute__((unused)) void expect_in(const char *haystack, const char *needle)
{
	if (!haystack || !strstr(haystack, needle))
		fail_msg("'%s' does not contain '%s'", haystack ? haystack : "(null)", needle);
}

#endif
