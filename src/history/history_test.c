/*
 * history_test.c - src/history against real repositories.
 *
 * Every test builds its own repository in a fresh mkdtemp folder by running
 * git (user.name/user.email go into the repository's config; HOME points
 * into the temporary folder so neither git nor libgit2 reads the user's
 * configuration).  The scenario (make_repo):
 *
 *   main:    init ── main-only migration            (main moves on after the fork)
 *              └── feature: add "new" (by Alice) ── edit history ── app change
 *
 * where "edit history" modifies _edit, turns _crlf's LF into CRLF, deletes
 * _gone and renames _users to _accounts; _init, _stable, _move and the
 * lock file stay unchanged.  Expected from merge-base(main, feature)..feature
 * under prisma/migrations: 5 changes.
 */
/* test needs: git */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "history/history.h"
#include "util/util.h"


/* libgit2 1.5 does not honour .git/shallow; when git_merge_base walks into
 * a parent the shallow clone lacks, it fails (as we want) but leaks its
 * commit-list error state (64 bytes, inside libgit2, after we freed
 * everything).  LeakSanitizer ignores allocations made between these. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define LIBGIT2_LEAK_BEGIN() __lsan_disable()
#define LIBGIT2_LEAK_END() __lsan_enable()
#else
#define LIBGIT2_LEAK_BEGIN() ((void)0)
#define LIBGIT2_LEAK_END() ((void)0)
#endif

#define MIG "prisma/migrations"

typedef struct fx {
	char root[1024];     /* the mkdtemp folder */
	char repo[PATH_MAX]; /* root/repo */
	char new_sha[41];    /* commit "add new migration" */
	char edit_sha[41];   /* commit "edit history" */
	char init_sha[41];   /* commit "init" (the fork point) */
} fx;

/* ---- running git: see src/util/test_support.h ---------------------------- */

#include "util/test_support.h"

/* ---- files ------------------------------------------------------------ */

static void put(const char *dir, const char *rel, const char *text)
{
	char *full = gk_asprintf("%s/%s", dir, rel);
	test_write_file(full, text);
	free(full);
}

static void rm_path(const char *dir, const char *rel)
{
	char *full = gk_asprintf("%s/%s", dir, rel);
	assert_int_equal(unlink(full), 0);
	free(full);
}

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
	snprintf(f->root, sizeof f->root, "%s/gk-history-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(f->root))
		return -1;
	snprintf(f->repo, sizeof f->repo, "%s/repo", f->root);
	setenv("HOME", f->root, 1); /* libgit2 and git read $HOME/.gitconfig: keep it empty */
	unsetenv("GITHUB_BASE_REF");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	test_rm_tree(f->root);
	free(f);
	return 0;
}

static void init_repo(const char *dir)
{
	GIT(NULL, "init", "-q", "-b", "main", dir);
	GIT(dir, "config", "user.name", "Test User");
	GIT(dir, "config", "user.email", "test@example.com");
	GIT(dir, "config", "core.autocrlf", "false");
}

static void commit_all(const char *dir, const char *msg)
{
	GIT(dir, "add", "-A");
	GIT(dir, "commit", "-q", "-m", msg);
}

static void make_repo(fx *f)
{
	const char *r = f->repo;
	init_repo(r);
	put(r, MIG "/migration_lock.toml", "provider = \"postgresql\"\n");
	put(r, MIG "/20240101000000_init/migration.sql", "CREATE TABLE a (id int);\n");
	put(r, MIG "/20240102000000_users/migration.sql",
	    "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text);\n"
	    "CREATE INDEX users_email ON users (email);\n");
	put(r, MIG "/20240103000000_crlf/migration.sql", "CREATE TABLE c (id int);\nCREATE TABLE d (id int);\n");
	put(r, MIG "/20240104000000_gone/migration.sql", "CREATE TABLE gone (id int);\n");
	put(r, MIG "/20240105000000_edit/migration.sql", "CREATE TABLE e (id int);\n");
	put(r, MIG "/20240106000000_stable/migration.sql", "CREATE TABLE s (id int);\n");
	put(r, MIG "/20240107000000_move/migration.sql",
	    "CREATE TABLE m (id bigint PRIMARY KEY, payload jsonb NOT NULL DEFAULT '{}');\n");
	put(r, "src/app.c", "int main(void) { return 0; }\n");
	commit_all(r, "init");
	git_sha(f->init_sha, r, "HEAD");

	GIT(r, "switch", "-q", "-c", "feature");
	put(r, MIG "/20240201000000_new/migration.sql", "CREATE TABLE n (id int);\n");
	GIT(r, "add", "-A");
	GIT(r, "-c", "user.name=Alice Example", "-c", "user.email=alice@example.com", "commit", "-q", "-m",
	    "Add new migration\n\nWith a body that is not the subject.");
	git_sha(f->new_sha, r, "HEAD");

	put(r, MIG "/20240105000000_edit/migration.sql", "CREATE TABLE e (id int, x int);\n");
	put(r, MIG "/20240103000000_crlf/migration.sql", "CREATE TABLE c (id int);\r\nCREATE TABLE d (id int);\r\n");
	rm_path(r, MIG "/20240104000000_gone/migration.sql");
	GIT(r, "mv", MIG "/20240102000000_users", MIG "/20240102000000_accounts");
	commit_all(r, "edit history");
	git_sha(f->edit_sha, r, "HEAD");

	put(r, "src/app.c", "int main(void) { return 1; }\n");
	put(r, "prisma/migrations2/other.sql", "SELECT 1;\n"); /* a sibling folder the pathspec must not match */
	commit_all(r, "app change");

	GIT(r, "switch", "-q", "main");
	put(r, MIG "/20240150000000_main_only/migration.sql", "CREATE TABLE mo (id int);\n");
	commit_all(r, "main moves on");
	GIT(r, "switch", "-q", "feature");
}

static gk_history *open_h(const char *repo, const char *base, const char *head, bool worktree)
{
	gk_history_options o = {.repo_path = repo, .base = base, .head = head, .worktree = worktree};
	gk_history *h = NULL;
	gk_error err = {0};
	int rc = gk_history_open(&h, &o, &err);
	if (rc != 0)
		fail_msg("gk_history_open(%s, base %s): %d %s", repo, base ? base : "(default)", rc, err.msg);
	return h;
}

static int open_err(gk_error *err, const char *repo, const char *base)
{
	gk_history_options o = {.repo_path = repo, .base = base};
	gk_history *h = NULL;
	int rc = gk_history_open(&h, &o, err);
	assert_null(h);
	return rc;
}

/* ---- change lists ----------------------------------------------------- */

static const char *kind_name(gk_change_kind k)
{
	static const char *const n[] = {"A", "M", "D", "R"};
	return n[k];
}

static void dump_changes(const gk_change *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		print_message("    %s %s -> %s\n", kind_name(c[i].kind), c[i].old_path ? c[i].old_path : "-",
			      c[i].new_path ? c[i].new_path : "-");
}

static bool same(const char *a, const char *b) { return (!a && !b) || (a && b && strcmp(a, b) == 0); }

static void expect_change(const gk_change *c, size_t n, gk_change_kind kind, const char *old, const char *new)
{
	for (size_t i = 0; i < n; i++)
		if (c[i].kind == kind && same(c[i].old_path, old) && same(c[i].new_path, new))
			return;
	dump_changes(c, n);
	fail_msg("missing change %s %s -> %s", kind_name(kind), old ? old : "-", new ? new : "-");
}

static size_t diff_n(gk_history *h, gk_change **c)
{
	size_t n = 0;
	gk_error err = {0};
	if (gk_history_diff(c, &n, h, MIG, &err) != 0)
		fail_msg("diff: %s", err.msg);
	return n;
}

#define P(name) MIG "/" name "/migration.sql"

/* The five committed changes of the scenario. */
static void expect_feature_changes(const gk_change *c, size_t n, size_t want)
{
	expect_change(c, n, GK_CHANGE_ADDED, NULL, P("20240201000000_new"));
	expect_change(c, n, GK_CHANGE_MODIFIED, P("20240105000000_edit"), P("20240105000000_edit"));
	expect_change(c, n, GK_CHANGE_MODIFIED, P("20240103000000_crlf"), P("20240103000000_crlf"));
	expect_change(c, n, GK_CHANGE_DELETED, P("20240104000000_gone"), NULL);
	expect_change(c, n, GK_CHANGE_RENAMED, P("20240102000000_users"), P("20240102000000_accounts"));
	if (n != want) {
		dump_changes(c, n);
		fail_msg("expected %zu changes, got %zu", want, n);
	}
}

/* ---- tests ------------------------------------------------------------ */

static void test_diff_kinds(void **state)
{
	fx *f = *state;
	make_repo(f);
	gk_history *h = open_h(f->repo, "main", NULL, false);
	char mb[41], head[41];
	char *git_mb = NULL;
	GIT_OUT(&git_mb, f->repo, "merge-base", "main", "feature");
	git_sha(head, f->repo, "HEAD");
	git_sha(mb, f->repo, "main~1");
	assert_string_equal(gk_history_merge_base(h), git_mb);
	assert_string_equal(gk_history_merge_base(h), f->init_sha);
	assert_string_equal(gk_history_head(h), head);
	assert_string_equal(gk_history_base_ref(h), "main");
	assert_non_null(gk_history_workdir(h));
	assert_int_equal(strncmp(gk_history_workdir(h), f->repo, strlen(f->repo)), 0);

	gk_change *c = NULL;
	size_t n = diff_n(h, &c);
	expect_feature_changes(c, n, 5); /* not _init/_stable (unchanged), _main_only (base side), migrations2, src */
	for (size_t i = 0; i < n; i++)
		if (c[i].kind == GK_CHANGE_RENAMED)
			assert_int_equal(c[i].similarity, 100);
	gk_changes_free(c, n);

	/* The same folder named differently; the whole tree sees src/ and migrations2 too. */
	gk_error err = {0};
	assert_int_equal(gk_history_diff(&c, &n, h, "./" MIG "/", &err), 0);
	expect_feature_changes(c, n, 5);
	gk_changes_free(c, n);
	assert_int_equal(gk_history_diff(&c, &n, h, "", &err), 0);
	expect_change(c, n, GK_CHANGE_MODIFIED, "src/app.c", "src/app.c");
	expect_change(c, n, GK_CHANGE_ADDED, NULL, "prisma/migrations2/other.sql");
	expect_feature_changes(c, n, 7);
	gk_changes_free(c, n);
	free(git_mb);
	gk_history_free(h);
}

static void test_unchanged_branch_has_no_changes(void **state)
{
	fx *f = *state;
	make_repo(f);
	GIT(f->repo, "branch", "same", "main");
	gk_history *h = open_h(f->repo, "main", "same", false);
	gk_change *c = NULL;
	assert_int_equal(diff_n(h, &c), 0);
	gk_changes_free(c, 0);
	gk_commit_info ci;
	gk_error err = {0};
	assert_int_equal(gk_history_commit_for(&ci, h, GK_SIDE_HEAD, P("20240101000000_init"), &err), GK_ENOTFOUND);
	gk_commit_info_clear(&ci);
	gk_history_free(h);
}

static void test_list_and_read(void **state)
{
	fx *f = *state;
	make_repo(f);
	gk_history *h = open_h(f->repo, "main", NULL, false);
	char **p = NULL;
	size_t n = 0;
	gk_error err = {0};
	assert_int_equal(gk_history_list(&p, &n, h, GK_SIDE_BASE, MIG, &err), 0);
	const char *base_want[] = {"20240101000000_init/migration.sql", "20240102000000_users/migration.sql",
				   "20240103000000_crlf/migration.sql", "20240104000000_gone/migration.sql",
				   "20240105000000_edit/migration.sql", "20240106000000_stable/migration.sql",
				   "20240107000000_move/migration.sql", "migration_lock.toml"};
	assert_int_equal(n, 8); /* the merge base: no _main_only */
	for (size_t i = 0; i < n; i++)
		assert_string_equal(p[i], base_want[i]);
	gk_history_paths_free(p, n);

	assert_int_equal(gk_history_list(&p, &n, h, GK_SIDE_HEAD, MIG "/", &err), 0);
	assert_int_equal(n, 8); /* -gone +new, users -> accounts */
	assert_string_equal(p[0], "20240101000000_init/migration.sql");
	assert_string_equal(p[1], "20240102000000_accounts/migration.sql");
	assert_string_equal(p[6], "20240201000000_new/migration.sql");
	gk_history_paths_free(p, n);

	assert_int_equal(gk_history_list(&p, &n, h, GK_SIDE_HEAD, "no/such/dir", &err), 0);
	assert_int_equal(n, 0);
	assert_null(p);
	assert_int_equal(gk_history_list(&p, &n, h, GK_SIDE_HEAD, "src/app.c", &err), 0); /* a file, not a folder */
	assert_int_equal(n, 0);

	char *a = NULL, *b = NULL;
	size_t al = 0, bl = 0;
	assert_int_equal(gk_history_read(&a, &al, h, GK_SIDE_BASE, P("20240103000000_crlf"), &err), 0);
	assert_int_equal(gk_history_read(&b, &bl, h, GK_SIDE_HEAD, P("20240103000000_crlf"), &err), 0);
	assert_string_equal(a, "CREATE TABLE c (id int);\nCREATE TABLE d (id int);\n");
	assert_int_equal(bl, al + 2); /* raw blob: no CRLF conversion */
	char ha[65], hb[65];
	gk_sha256_hex(ha, a, al);
	gk_sha256_hex(hb, b, bl);
	assert_string_not_equal(ha, hb);
	assert_true(gk_checksum_equal_prisma(a, al, b, bl));
	assert_true(gk_checksum_equal_prisma(b, bl, a, al));
	assert_true(gk_checksum_verify_prisma(ha, b, bl));
	free(a);
	free(b);

	assert_int_equal(gk_history_read(&a, &al, h, GK_SIDE_BASE, P("20240105000000_edit"), &err), 0);
	assert_int_equal(gk_history_read(&b, &bl, h, GK_SIDE_HEAD, P("20240105000000_edit"), &err), 0);
	assert_false(gk_checksum_equal_prisma(a, al, b, bl));
	free(a);
	free(b);

	assert_int_equal(gk_history_read(&a, &al, h, GK_SIDE_HEAD, P("20240104000000_gone"), &err), GK_ENOTFOUND);
	assert_null(a);
	assert_int_equal(gk_history_read(&a, &al, h, GK_SIDE_BASE, P("20240150000000_main_only"), &err), GK_ENOTFOUND);
	assert_int_equal(gk_history_read(&a, &al, h, GK_SIDE_HEAD, MIG, &err), GK_ENOTFOUND); /* a folder */
	assert_int_equal(gk_history_read(&a, &al, h, GK_SIDE_HEAD, "../etc/passwd", &err), GK_ECONFIG);
	assert_int_equal(gk_history_read(&a, &al, h, GK_SIDE_HEAD, "/etc/passwd", &err), GK_ECONFIG);
	gk_history_free(h);
}

static void test_checksum_prisma(void **state)
{
	(void)state;
	char hex[65];
	gk_sha256_hex(hex, "hello", 5); /* the vector of prisma-engines' own test */
	assert_string_equal(hex, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
	gk_sha256_hex(hex, "", 0);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

	/* prisma-engines script_matches_checksum_is_line_ending_agnostic: every pair matches both ways. */
	const char *groups[2][2] = {{"ab\ncd\nef\ngh\rab", "ab\r\ncd\r\nef\r\ngh\rab"},
				    {"ab\ncd\nef\ngh\rab\n", "ab\r\ncd\r\nef\r\ngh\rab\r\n"}};
	for (int g = 0; g < 2; g++)
		for (int i = 0; i < 2; i++)
			for (int j = 0; j < 2; j++) {
				const char *x = groups[g][i], *y = groups[g][j];
				assert_true(gk_checksum_equal_prisma(x, strlen(x), y, strlen(y)));
				gk_sha256_hex(hex, x, strlen(x));
				assert_true(gk_checksum_verify_prisma(hex, y, strlen(y)));
			}
	/* ... and its negative cases. */
	assert_false(gk_checksum_equal_prisma("abcd", 4, "abc", 3));
	assert_false(gk_checksum_equal_prisma("abc", 3, "abc\n", 4));
	gk_sha256_hex(hex, "abc", 3);
	assert_false(gk_checksum_verify_prisma(hex, "abc\n", 4));

	/* Mixed endings: no single rewrite of the current text gives the applied one. */
	const char *mixed = "a\r\nb\n", *lf = "a\nb\n", *crlf = "a\r\nb\r\n";
	assert_false(gk_checksum_equal_prisma(mixed, strlen(mixed), lf, strlen(lf)));
	assert_true(gk_checksum_equal_prisma(lf, strlen(lf), mixed, strlen(mixed)));
	assert_false(gk_checksum_equal_prisma(crlf, strlen(crlf), mixed, strlen(mixed)));
	/* Rust's replace('\n', "\r\n") turns an existing "\r\n" into "\r\r\n". */
	assert_true(gk_checksum_equal_prisma("a\r\r\nb\r\n", 7, mixed, strlen(mixed)));
	/* NUL bytes count. */
	assert_false(gk_checksum_equal_prisma("a\0b", 3, "a\0c", 3));

	/* Legacy checksums without zero padding (prisma-engines#1887): "hello" has byte 0e. */
	char legacy[65];
	size_t k = 0;
	gk_sha256_hex(hex, "hello", 5);
	for (size_t i = 0; i < 64; i += 2) {
		if (hex[i] != '0')
			legacy[k++] = hex[i];
		legacy[k++] = hex[i + 1];
	}
	legacy[k] = '\0';
	assert_true(k < 64);
	assert_true(gk_checksum_verify_prisma(legacy, "hello", 5));
	assert_false(gk_checksum_verify_prisma(legacy, "hellO", 5));
	assert_false(gk_checksum_verify_prisma("", "hello", 5));
	assert_false(gk_checksum_verify_prisma("2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824", "hello",
					       5)); /* Prisma compares lowercase strings */
}

static void test_commit_info(void **state)
{
	fx *f = *state;
	make_repo(f);
	gk_history *h = open_h(f->repo, "main", NULL, false);
	gk_commit_info ci;
	gk_error err = {0};
	assert_int_equal(gk_history_commit_for(&ci, h, GK_SIDE_HEAD, P("20240201000000_new"), &err), 0);
	assert_string_equal(ci.sha, f->new_sha);
	assert_string_equal(ci.author, "Alice Example");
	assert_string_equal(ci.email, "alice@example.com");
	assert_string_equal(ci.subject, "Add new migration");
	char *at = NULL, *tz = NULL;
	GIT_OUT(&at, f->repo, "log", "-1", "--format=%at", f->new_sha);
	GIT_OUT(&tz, f->repo, "log", "-1", "--format=%ad", "--date=format:%z", f->new_sha);
	assert_int_equal(ci.time, strtoll(at, NULL, 10));
	int z = atoi(tz);
	assert_int_equal(ci.tz_offset_min, (z / 100) * 60 + z % 100);
	gk_commit_info_clear(&ci);
	free(at);
	free(tz);

	assert_int_equal(gk_history_commit_for(&ci, h, GK_SIDE_HEAD, P("20240105000000_edit"), &err), 0);
	assert_string_equal(ci.sha, f->edit_sha);
	gk_commit_info_clear(&ci);
	assert_int_equal(gk_history_commit_for(&ci, h, GK_SIDE_HEAD, P("20240102000000_accounts"), &err), 0);
	assert_string_equal(ci.sha, f->edit_sha);
	gk_commit_info_clear(&ci);

	/* Untouched on the branch: not found on head's side, found at the base. */
	assert_int_equal(gk_history_commit_for(&ci, h, GK_SIDE_HEAD, P("20240101000000_init"), &err), GK_ENOTFOUND);
	assert_non_null(strstr(err.msg, "was not changed"));
	gk_commit_info_clear(&ci);
	assert_int_equal(gk_history_commit_for(&ci, h, GK_SIDE_BASE, P("20240101000000_init"), &err), 0);
	assert_string_equal(ci.sha, f->init_sha);
	assert_string_equal(ci.author, "Test User");
	gk_commit_info_clear(&ci);
	/* The base side of a file edited on the branch is the commit that made the base's version. */
	assert_int_equal(gk_history_commit_for(&ci, h, GK_SIDE_BASE, P("20240105000000_edit"), &err), 0);
	assert_string_equal(ci.sha, f->init_sha);
	gk_commit_info_clear(&ci);
	assert_int_equal(gk_history_commit_for(&ci, h, GK_SIDE_HEAD, P("20240104000000_gone"), &err), GK_ENOTFOUND);
	assert_non_null(strstr(err.msg, "does not exist"));
	gk_commit_info_clear(&ci);
	gk_history_free(h);
}

static void test_detached_head(void **state)
{
	fx *f = *state;
	make_repo(f);
	GIT(f->repo, "checkout", "-q", "--detach", "feature~1");
	gk_history *h = open_h(f->repo, "main", NULL, false);
	assert_string_equal(gk_history_head(h), f->edit_sha);
	gk_change *c = NULL;
	size_t n = diff_n(h, &c);
	expect_feature_changes(c, n, 5);
	gk_changes_free(c, n);
	gk_history_free(h);
	/* --head names another revision than the checked-out one. */
	h = open_h(f->repo, "main", f->new_sha, false);
	assert_int_equal(diff_n(h, &c), 1);
	expect_change(c, 1, GK_CHANGE_ADDED, NULL, P("20240201000000_new"));
	gk_changes_free(c, 1);
	gk_history_free(h);

	/* What actions/checkout gives a pull request: a detached merge of the branch into the base. */
	GIT(f->repo, "checkout", "-q", "--detach", "main");
	GIT(f->repo, "merge", "-q", "--no-ff", "-m", "Merge feature into main", "feature");
	char main_sha[41];
	git_sha(main_sha, f->repo, "main");
	h = open_h(f->repo, "main", NULL, false);
	assert_string_equal(gk_history_merge_base(h), main_sha);
	n = diff_n(h, &c);
	expect_feature_changes(c, n, 5);
	gk_changes_free(c, n);
	gk_commit_info ci;
	gk_error err = {0};
	assert_int_equal(gk_history_commit_for(&ci, h, GK_SIDE_HEAD, P("20240201000000_new"), &err), 0);
	assert_string_equal(ci.sha, f->new_sha);
	gk_commit_info_clear(&ci);
	gk_history_free(h);
}

static void test_merge_commits(void **state)
{
	fx *f = *state;
	make_repo(f);
	const char *r = f->repo;
	/* A side branch merged into feature: its migration is attributed to its own commit, not the merge. */
	GIT(r, "switch", "-q", "-c", "side");
	put(r, P("20240301000000_side"), "CREATE TABLE side (id int);\n");
	commit_all(r, "side migration");
	char side_sha[41];
	git_sha(side_sha, r, "HEAD");
	GIT(r, "switch", "-q", "feature");
	put(r, "src/other.c", "/* keeps the merge a real merge */\n");
	commit_all(r, "feature work");
	GIT(r, "merge", "-q", "--no-ff", "-m", "merge side", "side");
	/* Catch up with main: the merge base moves to main's tip, _main_only is on both sides. */
	GIT(r, "merge", "-q", "--no-ff", "-m", "merge main", "main");
	char main_sha[41];
	git_sha(main_sha, r, "main");

	gk_history *h = open_h(r, "main", NULL, false);
	assert_string_equal(gk_history_merge_base(h), main_sha);
	gk_change *c = NULL;
	size_t n = diff_n(h, &c);
	expect_change(c, n, GK_CHANGE_ADDED, NULL, P("20240301000000_side"));
	expect_feature_changes(c, n, 6);
	gk_changes_free(c, n);

	gk_commit_info ci;
	gk_error err = {0};
	assert_int_equal(gk_history_commit_for(&ci, h, GK_SIDE_HEAD, P("20240301000000_side"), &err), 0);
	assert_string_equal(ci.sha, side_sha);
	gk_commit_info_clear(&ci);
	assert_int_equal(gk_history_commit_for(&ci, h, GK_SIDE_HEAD, P("20240201000000_new"), &err), 0);
	assert_string_equal(ci.sha, f->new_sha);
	gk_commit_info_clear(&ci);
	/* Came in with "merge main": it is the base's, not the branch's. */
	assert_int_equal(gk_history_commit_for(&ci, h, GK_SIDE_HEAD, P("20240150000000_main_only"), &err),
			 GK_ENOTFOUND);
	gk_commit_info_clear(&ci);
	assert_int_equal(gk_history_commit_for(&ci, h, GK_SIDE_BASE, P("20240150000000_main_only"), &err), 0);
	assert_string_equal(ci.sha, main_sha);
	assert_string_equal(ci.subject, "main moves on");
	gk_commit_info_clear(&ci);
	gk_history_free(h);
}

static void test_linked_worktree(void **state)
{
	fx *f = *state;
	make_repo(f);
	char wt[PATH_MAX + 8];
	snprintf(wt, sizeof wt, "%s/wt", f->root);
	GIT(f->repo, "worktree", "add", "-q", "-b", "wt-branch", wt, "feature");
	gk_history *h = open_h(wt, "main", NULL, false);
	char head[41];
	git_sha(head, f->repo, "feature");
	assert_string_equal(gk_history_head(h), head);
	assert_string_equal(gk_history_merge_base(h), f->init_sha);
	assert_int_equal(strncmp(gk_history_workdir(h), wt, strlen(wt)), 0);
	gk_change *c = NULL;
	size_t n = diff_n(h, &c);
	expect_feature_changes(c, n, 5);
	gk_changes_free(c, n);
	gk_history_free(h);

	/* --worktree in the linked worktree sees its own edits, not the main checkout's. */
	put(wt, P("20240401000000_wt"), "CREATE TABLE wt (id int);\n");
	put(f->repo, P("20240402000000_main_checkout"), "CREATE TABLE mc (id int);\n");
	h = open_h(wt, "main", NULL, true);
	n = diff_n(h, &c);
	expect_change(c, n, GK_CHANGE_ADDED, NULL, P("20240401000000_wt"));
	expect_feature_changes(c, n, 6);
	gk_changes_free(c, n);
	gk_history_free(h);
}

static void test_worktree_mode(void **state)
{
	fx *f = *state;
	make_repo(f);
	const char *r = f->repo;
	put(r, P("20240101000000_init"), "CREATE TABLE a (id int, staged int);\n");
	GIT(r, "add", P("20240101000000_init"));                               /* staged edit */
	put(r, P("20240106000000_stable"), "CREATE TABLE s (id int, unstaged int);\n"); /* unstaged edit */
	put(r, P("20240301000000_untracked"), "CREATE TABLE u (id int);\n");   /* new, untracked */
	put(r, ".gitignore", "*.log\n");
	put(r, MIG "/debug.log", "ignored\n");                                  /* ignored: not a change */
	rm_path(r, P("20240102000000_accounts"));                               /* unstaged deletion */
	GIT(r, "rm", "-q", P("20240105000000_edit"));                           /* staged deletion */
	char *from = gk_asprintf("%s/" MIG "/20240107000000_move", r), *to = gk_asprintf("%s/" MIG "/20240107000000_moved", r);
	assert_int_equal(rename(from, to), 0);                                  /* untracked rename */
	free(from);
	free(to);

	gk_history *h = open_h(r, "main", NULL, true);
	gk_change *c = NULL;
	size_t n = diff_n(h, &c);
	expect_change(c, n, GK_CHANGE_MODIFIED, P("20240101000000_init"), P("20240101000000_init"));
	expect_change(c, n, GK_CHANGE_MODIFIED, P("20240106000000_stable"), P("20240106000000_stable"));
	expect_change(c, n, GK_CHANGE_ADDED, NULL, P("20240301000000_untracked"));
	expect_change(c, n, GK_CHANGE_DELETED, P("20240102000000_users"), NULL);
	expect_change(c, n, GK_CHANGE_DELETED, P("20240105000000_edit"), NULL);
	expect_change(c, n, GK_CHANGE_RENAMED, P("20240107000000_move"), P("20240107000000_moved"));
	expect_change(c, n, GK_CHANGE_MODIFIED, P("20240103000000_crlf"), P("20240103000000_crlf"));
	expect_change(c, n, GK_CHANGE_ADDED, NULL, P("20240201000000_new"));
	expect_change(c, n, GK_CHANGE_DELETED, P("20240104000000_gone"), NULL);
	if (n != 9) {
		dump_changes(c, n);
		fail_msg("expected 9 changes, got %zu", n);
	}
	gk_changes_free(c, n);

	char **p = NULL;
	gk_error err = {0};
	assert_int_equal(gk_history_list(&p, &n, h, GK_SIDE_HEAD, MIG, &err), 0);
	const char *want[] = {"20240101000000_init/migration.sql",  "20240103000000_crlf/migration.sql",
			      "20240106000000_stable/migration.sql", "20240107000000_moved/migration.sql",
			      "20240201000000_new/migration.sql",   "20240301000000_untracked/migration.sql",
			      "migration_lock.toml"};
	for (size_t i = 0; i < n && i < 7; i++)
		assert_string_equal(p[i], want[i]);
	assert_int_equal(n, 7);
	gk_history_paths_free(p, n);

	char *s = NULL;
	size_t len = 0;
	assert_int_equal(gk_history_read(&s, &len, h, GK_SIDE_HEAD, P("20240106000000_stable"), &err), 0);
	assert_string_equal(s, "CREATE TABLE s (id int, unstaged int);\n");
	free(s);
	assert_int_equal(gk_history_read(&s, &len, h, GK_SIDE_BASE, P("20240106000000_stable"), &err), 0);
	assert_string_equal(s, "CREATE TABLE s (id int);\n");
	free(s);
	assert_int_equal(gk_history_read(&s, &len, h, GK_SIDE_HEAD, P("20240102000000_accounts"), &err), GK_ENOTFOUND);
	/* Uncommitted work is never attributed to a commit. */
	gk_commit_info ci;
	assert_int_equal(gk_history_commit_for(&ci, h, GK_SIDE_HEAD, P("20240301000000_untracked"), &err), GK_ENOTFOUND);
	gk_commit_info_clear(&ci);
	gk_history_free(h);

	/* Without --worktree the same checkout gives the committed view. */
	h = open_h(r, "main", NULL, false);
	n = diff_n(h, &c);
	expect_feature_changes(c, n, 5);
	gk_changes_free(c, n);
	gk_history_free(h);
}

static void test_non_ascii_paths(void **state)
{
	fx *f = *state;
	make_repo(f);
	const char *r = f->repo;
	GIT(r, "config", "core.quotepath", "true"); /* git would print "\303\274..."; libgit2 must not */
	const char *u1 = P("20240501000000_ünïcödé"), *u2 = P("20240502000000_日本語 テーブル");
	put(r, u1, "CREATE TABLE \"zoë\" (id int);\n");
	put(r, u2, "CREATE TABLE t (id int);\n");
	commit_all(r, "non-ASCII names");
	char *quoted = NULL;
	GIT_OUT(&quoted, r, "diff", "--name-only", "HEAD~1", "HEAD");
	assert_non_null(strstr(quoted, "\\303")); /* shows that quoting was on */
	free(quoted);

	gk_history *h = open_h(r, "main", NULL, false);
	gk_change *c = NULL;
	size_t n = diff_n(h, &c);
	expect_change(c, n, GK_CHANGE_ADDED, NULL, u1);
	expect_change(c, n, GK_CHANGE_ADDED, NULL, u2);
	expect_feature_changes(c, n, 7);
	gk_changes_free(c, n);

	char **p = NULL;
	gk_error err = {0};
	assert_int_equal(gk_history_list(&p, &n, h, GK_SIDE_HEAD, MIG, &err), 0);
	bool seen = false;
	for (size_t i = 0; i < n; i++)
		seen |= strcmp(p[i], "20240502000000_日本語 テーブル/migration.sql") == 0;
	assert_true(seen);
	gk_history_paths_free(p, n);
	char *s = NULL;
	size_t len = 0;
	assert_int_equal(gk_history_read(&s, &len, h, GK_SIDE_HEAD, u1, &err), 0);
	assert_string_equal(s, "CREATE TABLE \"zoë\" (id int);\n");
	free(s);
	gk_commit_info ci;
	assert_int_equal(gk_history_commit_for(&ci, h, GK_SIDE_HEAD, u2, &err), 0);
	assert_string_equal(ci.subject, "non-ASCII names");
	gk_commit_info_clear(&ci);
	gk_history_free(h);
}


/* ---- symbolic links and submodules -------------------------------------- */

static void link_at(const char *dir, const char *rel, const char *text)
{
	char *full = gk_asprintf("%s/%s", dir, rel);
	assert_int_equal(symlink(text, full), 0);
	free(full);
}

static const gk_history_link *find_link(const gk_history_link *l, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(l[i].path, path) == 0)
			return &l[i];
	fail_msg("no link %s", path);
	return NULL;
}

static void expect_links(gk_history *h, gk_side side)
{
	gk_history_link *l = NULL;
	size_t n = 0;
	gk_error err = {0};
	assert_int_equal(gk_history_links(&l, &n, h, side, "db", &err), 0);
	assert_int_equal(n, 11);
	const gk_history_link *k = find_link(l, n, "in.sql");
	assert_string_equal(k->target, "shared/a.sql");
	assert_string_equal(find_link(l, n, "dotdot.sql")->target, "shared/a.sql"); /* db/./../db/../shared//a.sql */
	assert_string_equal(find_link(l, n, "through_missing.sql")->why, "a path that does not exist");
	assert_string_equal(find_link(l, n, "viadir.sql")->target, "shared/a.sql"); /* through a linked folder */
	assert_null(find_link(l, n, "abs.sql")->target);
	assert_string_equal(find_link(l, n, "abs.sql")->why, "an absolute path");
	assert_null(find_link(l, n, "out.sql")->target);
	assert_string_equal(find_link(l, n, "out.sql")->why, "outside the repository");
	assert_string_equal(find_link(l, n, "loop.sql")->why, "a chain of too many symbolic links");
	assert_string_equal(find_link(l, n, "dir.sql")->why, "a folder, not a file");
	assert_string_equal(find_link(l, n, "gone.sql")->why, "a path that does not exist");
	assert_string_equal(find_link(l, n, "loop2.sql")->why, "a chain of too many symbolic links");
	assert_null(find_link(l, n, "shared")->target);
	assert_string_equal(find_link(l, n, "shared")->why, "a folder, not a file");
	assert_string_equal(find_link(l, n, "shared")->text, "../shared");
	for (size_t i = 0; i < n; i++)
		assert_int_equal(l[i].kind, GK_LINK_SYMLINK);
	gk_history_links_free(l, n);
}

static void test_symlinks(void **state)
{
	fx *f = *state;
	const char *r = f->repo;
	init_repo(r);
	put(r, "db/001.sql", "SELECT 1;\n");
	commit_all(r, "init");
	GIT(r, "switch", "-q", "-c", "feature");
	put(r, "shared/a.sql", "CREATE TABLE linked (id int);\n");
	link_at(r, "db/in.sql", "../shared/a.sql");
	link_at(r, "db/dotdot.sql", "./../db/../shared//a.sql");
	link_at(r, "db/through_missing.sql", "x/../../shared/a.sql"); /* the kernel needs x to exist */
	link_at(r, "db/shared", "../shared");
	link_at(r, "db/viadir.sql", "shared/a.sql");
	link_at(r, "db/abs.sql", "/etc/passwd");
	link_at(r, "db/out.sql", "../../secret.sql");
	link_at(r, "db/loop.sql", "loop2.sql");
	link_at(r, "db/loop2.sql", "loop.sql");
	link_at(r, "db/dir.sql", "../shared");
	link_at(r, "db/gone.sql", "nothing.sql");
	commit_all(r, "links");
	gk_history *h = open_h(r, "main", NULL, false);
	gk_error err = {0};
	size_t n = 0;
	expect_links(h, GK_SIDE_HEAD);

	/* The list holds the links that resolve to files, read as their targets. */
	char **p = NULL;
	assert_int_equal(gk_history_list(&p, &n, h, GK_SIDE_HEAD, "db", &err), 0);
	assert_int_equal(n, 4);
	assert_string_equal(p[0], "001.sql");
	assert_string_equal(p[1], "dotdot.sql");
	assert_string_equal(p[2], "in.sql");
	assert_string_equal(p[3], "viadir.sql");
	gk_history_paths_free(p, n);
	char *s = NULL;
	size_t len = 0;
	assert_int_equal(gk_history_read(&s, &len, h, GK_SIDE_HEAD, "db/viadir.sql", &err), 0);
	assert_string_equal(s, "CREATE TABLE linked (id int);\n");
	free(s);
	assert_int_equal(gk_history_read(&s, &len, h, GK_SIDE_HEAD, "db/abs.sql", &err), GK_ENOTFOUND);
	assert_int_equal(gk_history_read(&s, &len, h, GK_SIDE_HEAD, "db/out.sql", &err), GK_ENOTFOUND);
	gk_history_free(h);

	/* The working tree resolves the links on disk alike. */
	h = open_h(r, "main", NULL, true);
	expect_links(h, GK_SIDE_HEAD);
	assert_int_equal(gk_history_list(&p, &n, h, GK_SIDE_HEAD, "db", &err), 0);
	assert_int_equal(n, 4);
	gk_history_paths_free(p, n);
	assert_int_equal(gk_history_read(&s, &len, h, GK_SIDE_HEAD, "db/dotdot.sql", &err), 0);
	assert_string_equal(s, "CREATE TABLE linked (id int);\n");
	free(s);
	assert_int_equal(gk_history_read(&s, &len, h, GK_SIDE_HEAD, "db/abs.sql", &err), GK_ENOTFOUND);
	gk_history_free(h);
}

static void clone_repo(fx *f, char *dst, size_t cap, const char *name, const char *const *extra)
{
	snprintf(dst, cap, "%s/%s", f->root, name);
	char *url = gk_asprintf("file://%s", f->repo);
	const char *argv[16] = {"git", "clone", "-q"};
	size_t k = 3;
	for (; extra && *extra; extra++)
		argv[k++] = *extra;
	argv[k++] = url;
	argv[k++] = dst;
	argv[k] = NULL;
	assert_int_equal(run(NULL, NULL, argv), 0);
	free(url);
}

static void test_github_base_ref(void **state)
{
	fx *f = *state;
	make_repo(f);
	char c[PATH_MAX + 16];
	clone_repo(f, c, sizeof c, "clone", NULL); /* origin/main, origin/feature; local branch feature only */
	setenv("GITHUB_BASE_REF", "main", 1);
	gk_history *h = open_h(c, NULL, NULL, false);
	unsetenv("GITHUB_BASE_REF");
	assert_string_equal(gk_history_base_ref(h), "origin/main");
	assert_string_equal(gk_history_merge_base(h), f->init_sha);
	gk_change *ch = NULL;
	size_t n = diff_n(h, &ch);
	expect_feature_changes(ch, n, 5);
	gk_changes_free(ch, n);
	gk_history_free(h);

	/* --base main: there is no local main in the clone, origin/main is used. */
	h = open_h(c, "main", NULL, false);
	assert_string_equal(gk_history_base_ref(h), "origin/main");
	gk_history_free(h);

	gk_error err = {0};
	setenv("GITHUB_BASE_REF", "release", 1);
	assert_int_equal(open_err(&err, c, NULL), GK_ECONFIG);
	unsetenv("GITHUB_BASE_REF");
	assert_non_null(strstr(err.msg, "origin/release"));
	assert_non_null(strstr(err.msg, "GITHUB_BASE_REF"));
}

static void test_default_branch(void **state)
{
	fx *f = *state;
	make_repo(f);
	/* No remote: the local main. */
	gk_history *h = open_h(f->repo, NULL, NULL, false);
	assert_string_equal(gk_history_base_ref(h), "main");
	gk_history_free(h);

	/* refs/remotes/origin/HEAD wins over main when it names another branch. */
	GIT(f->repo, "branch", "trunk", "main~1");
	char c[PATH_MAX + 16];
	clone_repo(f, c, sizeof c, "clone", NULL);
	GIT(c, "remote", "set-head", "origin", "trunk");
	h = open_h(c, NULL, NULL, false);
	assert_string_equal(gk_history_base_ref(h), "origin/trunk");
	assert_string_equal(gk_history_merge_base(h), f->init_sha);
	gk_history_free(h);

	/* Without origin/HEAD: origin/main (the clone has no local main). */
	GIT(c, "remote", "set-head", "origin", "--delete");
	h = open_h(c, NULL, NULL, false);
	assert_string_equal(gk_history_base_ref(h), "origin/main");
	gk_history_free(h);

	/* Nothing to fall back on. */
	char lone[PATH_MAX + 8];
	snprintf(lone, sizeof lone, "%s/lone", f->root);
	init_repo(lone);
	GIT(lone, "switch", "-q", "-c", "dev");
	put(lone, "x.sql", "SELECT 1;\n");
	commit_all(lone, "only commit");
	gk_error err = {0};
	assert_int_equal(open_err(&err, lone, NULL), GK_ECONFIG);
	assert_non_null(strstr(err.msg, "--base"));
}

static void test_shallow_clone(void **state)
{
	fx *f = *state;
	make_repo(f); /* main moved on after the fork, so depth 1 lacks the merge base */
	gk_error err = {0};

	/* Depth 1, single branch (what actions/checkout does): origin/main is not even there. */
	char s1[PATH_MAX + 16];
	const char *single[] = {"--depth", "1", NULL};
	clone_repo(f, s1, sizeof s1, "shallow1", single);
	assert_int_equal(open_err(&err, s1, "origin/main"), GK_ECONFIG);
	assert_non_null(strstr(err.msg, "fetch-depth: 0"));
	assert_non_null(strstr(err.msg, "git fetch --unshallow origin main"));
	setenv("GITHUB_BASE_REF", "main", 1);
	assert_int_equal(open_err(&err, s1, NULL), GK_ECONFIG);
	unsetenv("GITHUB_BASE_REF");
	assert_non_null(strstr(err.msg, "fetch-depth: 0"));

	/* Depth 1 of every branch: origin/main exists, the fork point does not. */
	char s2[PATH_MAX + 16];
	const char *all[] = {"--depth", "1", "--no-single-branch", NULL};
	clone_repo(f, s2, sizeof s2, "shallow2", all);
	LIBGIT2_LEAK_BEGIN();
	int rc = open_err(&err, s2, "origin/main");
	LIBGIT2_LEAK_END();
	assert_int_equal(rc, GK_ECONFIG);
	assert_non_null(strstr(err.msg, "fetch-depth: 0"));
	assert_non_null(strstr(err.msg, "merge base"));

	/* The base named by an older commit that the shallow clone lacks. */
	assert_int_equal(open_err(&err, s2, f->init_sha), GK_ECONFIG);
	assert_non_null(strstr(err.msg, "fetch-depth: 0"));

	/* The same opens fine in a full clone. */
	char full[PATH_MAX + 16];
	clone_repo(f, full, sizeof full, "full", NULL);
	gk_history *h = open_h(full, f->init_sha, NULL, false);
	assert_string_equal(gk_history_merge_base(h), f->init_sha);
	gk_history_free(h);
}

static void test_open_errors(void **state)
{
	fx *f = *state;
	gk_error err = {0};
	assert_int_equal(open_err(&err, f->root, "main"), GK_ECONFIG); /* an empty folder */
	assert_non_null(strstr(err.msg, "not inside a git repository"));
	make_repo(f);
	assert_int_equal(open_err(&err, f->repo, "no-such-branch"), GK_ECONFIG);
	assert_non_null(strstr(err.msg, "base no-such-branch not found"));
	assert_null(strstr(err.msg, "fetch-depth")); /* not shallow: no shallow advice */

	/* Unrelated history. */
	GIT(f->repo, "switch", "-q", "--orphan", "lonely");
	put(f->repo, "lonely.txt", "x\n");
	commit_all(f->repo, "lonely");
	assert_int_equal(open_err(&err, f->repo, "main"), GK_ECONFIG);
	assert_non_null(strstr(err.msg, "share no history"));

	gk_history_options o = {.repo_path = f->repo, .base = "main", .head = "nope"};
	gk_history *h = NULL;
	assert_int_equal(gk_history_open(&h, &o, &err), GK_ECONFIG);
	assert_non_null(strstr(err.msg, "head not found"));

	/* An unborn HEAD. */
	char fresh[PATH_MAX + 8];
	snprintf(fresh, sizeof fresh, "%s/fresh", f->root);
	init_repo(fresh);
	assert_int_equal(open_err(&err, fresh, "main"), GK_ECONFIG);
	assert_non_null(strstr(err.msg, "no commits"));
}

static void test_discover_from_cwd(void **state)
{
	fx *f = *state;
	make_repo(f);
	char old[PATH_MAX], sub[PATH_MAX + 32];
	assert_non_null(getcwd(old, sizeof old));
	snprintf(sub, sizeof sub, "%s/" MIG, f->repo);
	assert_int_equal(chdir(sub), 0);
	gk_history *h = open_h(NULL, "main", NULL, false);
	assert_int_equal(chdir(old), 0);
	assert_string_equal(gk_history_merge_base(h), f->init_sha);
	gk_history_free(h);
}

/* Print (not assert) gk_history_diff against `git diff --name-status base...HEAD -- dir`
 * on a generated repository; GK_BENCH_HISTORY_COMMITS overrides the size. */
static void test_bench_diff(void **state)
{
	fx *f = *state;
	const char *env = getenv("GK_BENCH_HISTORY_COMMITS");
	long commits = env ? strtol(env, NULL, 10) : 2000;
	char ncom[32], nmig[32];
	snprintf(ncom, sizeof ncom, "%ld", commits);
	snprintf(nmig, sizeof nmig, "%ld", commits / 20);
	const char *gen[] = {"bash", GK_SOURCE_DIR "/bench/gen-history-repo.sh", ncom, nmig, f->repo, NULL};
	double t0 = gk_now();
	assert_int_equal(run(NULL, NULL, gen), 0);
	double t_gen = gk_now() - t0;

	t0 = gk_now();
	gk_history *h = open_h(f->repo, "main", NULL, false);
	double t_open = gk_now() - t0;
	gk_change *c = NULL;
	t0 = gk_now();
	size_t n = diff_n(h, &c);
	double t_diff = gk_now() - t0;

	char *out = NULL;
	t0 = gk_now();
	GIT_OUT(&out, f->repo, "diff", "--name-status", "main...HEAD", "--", MIG);
	double t_git = gk_now() - t0;
	/* Same answer as git, kind by kind (the script makes 3 A, 1 M, 1 R). */
	size_t git_kinds[4] = {0}, our_kinds[4] = {0}, lines = 0;
	for (const char *l = out; l && *l; lines++) {
		const char *k = strchr("AMDR", *l);
		assert_non_null(k);
		git_kinds[k - "AMDR"]++;
		l = strchr(l, '\n');
		l = l ? l + 1 : "";
	}
	for (size_t i = 0; i < n; i++)
		our_kinds[c[i].kind]++;
	assert_int_equal(n, lines);
	assert_memory_equal(git_kinds, our_kinds, sizeof git_kinds);
	assert_int_equal(our_kinds[GK_CHANGE_RENAMED], 1);
	free(out);
	double t_head = -1;

	/* Head side: a migration the branch added (walks merge-base..HEAD only). */
	gk_commit_info ci;
	gk_error err = {0};
	for (size_t i = 0; i < n; i++)
		if (c[i].kind == GK_CHANGE_ADDED) {
			t0 = gk_now();
			assert_int_equal(gk_history_commit_for(&ci, h, GK_SIDE_HEAD, c[i].new_path, &err), 0);
			t_head = gk_now() - t0;
			assert_non_null(strstr(ci.subject, "feature commit"));
			gk_commit_info_clear(&ci);
			break;
		}
	gk_changes_free(c, n);

	/* Worst case for the base side: a migration from the first commits. */
	char **p = NULL;
	size_t np = 0;
	assert_int_equal(gk_history_list(&p, &np, h, GK_SIDE_BASE, MIG, &err), 0);
	char *first = gk_asprintf(MIG "/%s", p[0]);
	t0 = gk_now();
	assert_int_equal(gk_history_commit_for(&ci, h, GK_SIDE_BASE, first, &err), 0);
	double t_blame = gk_now() - t0;
	gk_commit_info_clear(&ci);
	free(first);
	gk_history_paths_free(p, np);
	gk_history_free(h);
	print_message("    history bench (%ld commits, %ld migrations): generate %.2f s, open %.1f ms, "
		      "gk_history_diff %.2f ms vs git diff --name-status %.1f ms (process incl.), "
		      "commit_for of an added migration %.2f ms, base-side commit_for of the oldest one %.1f ms\n",
		      commits, commits / 20, t_gen, t_open * 1e3, t_diff * 1e3, t_git * 1e3, t_head * 1e3,
		      t_blame * 1e3);
}

/*
 * libgit2's process-wide options stay untouched until a caller opts in:
 * a blob whose loose object holds other content (a corrupt object) is
 * refused while strict hash verification is on, and read as it is after
 * an open with libgit2_globals.  Both halves in one test, in this order:
 * the option cannot be turned back.
 */
static void test_libgit2_globals_opt_in(void **state)
{
	fx *f = *state;
	init_repo(f->repo);
	put(f->repo, MIG "/1/migration.sql", "CREATE TABLE a (id int);\n");
	commit_all(f->repo, "init");
	char *want = NULL, *other = NULL;
	GIT_OUT(&want, f->repo, "rev-parse", "HEAD:" MIG "/1/migration.sql");
	put(f->root, "other.sql", "DROP TABLE a;\n");
	char *other_path = gk_asprintf("%s/other.sql", f->root);
	GIT_OUT(&other, f->repo, "hash-object", "-w", other_path);
	want[40] = other[40] = '\0';
	/* The object file of `want` now holds the bytes of `other`. */
	char *from = gk_asprintf("%s/.git/objects/%.2s/%s", f->repo, other, other + 2);
	char *to = gk_asprintf("%s/.git/objects/%.2s/%s", f->repo, want, want + 2);
	assert_int_equal(chmod(to, 0644), 0);
	assert_int_equal(rename(from, to), 0);

	for (int opt_in = 0; opt_in <= 1; opt_in++) {
		gk_history_options o = {.repo_path = f->repo, .base = "main", .libgit2_globals = opt_in};
		gk_history *h = NULL;
		gk_error err = {0};
		assert_int_equal(gk_history_open(&h, &o, &err), 0);
		char *text = NULL;
		size_t len = 0;
		int rc = gk_history_read(&text, &len, h, GK_SIDE_HEAD, MIG "/1/migration.sql", &err);
		if (!opt_in) {
			assert_true(rc < 0); /* verified: the hash does not match */
		} else {
			assert_int_equal(rc, 0);
			assert_string_equal(text, "DROP TABLE a;\n");
		}
		free(text);
		gk_history_free(h);
	}
	free(from);
	free(to);
	free(other_path);
	free(want);
	free(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checksum_prisma),
		/* First: the options it tests are process-wide and cannot be undone. */
		cmocka_unit_test_setup_teardown(test_libgit2_globals_opt_in, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diff_kinds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unchanged_branch_has_no_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_and_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detached_head, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_commits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_linked_worktree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_worktree_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_non_ascii_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_github_base_ref, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_branch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shallow_clone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_discover_from_cwd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bench_diff, setup, teardown),
	};
	if (getenv("GK_TEST_FILTER")) /* e.g. GK_TEST_FILTER='test_shallow*' */
		cmocka_set_test_filter(getenv("GK_TEST_FILTER"));
	return cmocka_run_group_tests_name("history", tests, group_setup, NULL);
}
