/*
 * history.c - open a repository and resolve base, head and merge base.
 *
 * The gate compares the migration folder at merge-base(base, head) with
 * head, like `git diff base...head`: commits that landed on the base branch
 * after the PR forked are not the PR's changes.  Everything here is done on
 * the object database (revparse, merge base); nothing walks the history.
 *
 * Shallow clones (actions/checkout defaults to fetch-depth 1) are the usual
 * way this fails: the base branch or the fork point is simply not there.
 * Those errors say how to fetch the history instead of a bare "not found".
 */
#include "history_internal.h"
#include "util/util.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* git_libgit2_init() must run once before any other libgit2 call.  The
 * result is written once, under pthread_once, and only read afterwards.
 * There is deliberately no shutdown: libgit2 stays up for the life of the
 * process (its state stays reachable, so LeakSanitizer does not report it),
 * and no exit-time teardown can race a thread still using it. */
static pthread_once_t lg2_once = PTHREAD_ONCE_INIT, lg2_globals_once = PTHREAD_ONCE_INIT;
static int lg2_init_rc;

static void lg2_init(void)
{
	lg2_init_rc = git_libgit2_init();
}

/*
 * Process-wide settings for a read-only look at a local repository, made
 * only when the caller owns the process (gk_history_options.libgit2_globals):
 * they change libgit2 for every other user of it in the process too, and
 * there is no way back.  libgit2 caches only trees up to 4 KiB by default;
 * a migrations folder of hundreds of entries is a tree of tens of KiB, and
 * every file read walks through it: without the cache it is inflated and
 * parsed again each time.
 */
static void lg2_set_globals(void)
{
	git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, (int)GIT_OBJECT_TREE, (size_t)4 << 20);
	/* Re-hashing every object read from the local repository costs a
	 * fifth of a history check; git does not do it on reads either, and
	 * the objects' integrity is git fsck's job. */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
}

int gk_lg2_error(gk_error *err, int code, const char *what)
{
	const git_error *e = git_error_last();
	return gk_error_set(err, code, "%s: %s", what, e && e->message ? e->message : "unknown libgit2 error");
}

static int open_repo(git_repository **repo, const char *path, gk_error *err)
{
	/* FROM_ENV honours GIT_DIR, GIT_CEILING_DIRECTORIES and friends like git does. */
	int rc = path ? git_repository_open_ext(repo, path, 0, NULL)
		      : git_repository_open_ext(repo, NULL, GIT_REPOSITORY_OPEN_FROM_ENV, NULL);
	const char *shown = path ? path : "the current directory";
	if (rc == GIT_EOWNER)
		return gk_error_set(err, GK_ECONFIG,
				    "%s: the repository is owned by another user; if you trust it, run "
				    "`git config --global --add safe.directory <its path>`",
				    shown);
	if (rc == GIT_ENOTFOUND)
		return gk_error_set(err, GK_ECONFIG, "%s is not inside a git repository", shown);
	if (rc < 0)
		return gk_lg2_error(err, GK_ECONFIG, shown);
	return 0;
}

static int lookup_commit(git_commit **out, git_repository *repo, const char *spec)
{
	git_object *obj = NULL;
	int rc = git_revparse_single(&obj, repo, spec);
	if (rc < 0)
		return rc;
	rc = git_object_peel((git_object **)out, obj, GIT_OBJECT_COMMIT);
	git_object_free(obj);
	return rc;
}

/* A branch name for `git fetch origin NAME`: "origin/main" -> "main". */
static const char *fetch_name(const char *ref)
{
	if (strncmp(ref, "refs/remotes/origin/", 20) == 0)
		return ref + 20;
	if (strncmp(ref, "origin/", 7) == 0)
		return ref + 7;
	return ref;
}

static bool is_sha(const char *s)
{
	size_t n = strspn(s, "0123456789abcdefABCDEF");
	return n >= 7 && s[n] == '\0';
}

static int shallow_error(gk_error *err, const char *what, const char *ref)
{
	const char *name = fetch_name(ref);
	/* Servers refuse to fetch an arbitrary commit by id: deepen what origin has. */
	return gk_error_set(err, GK_ECONFIG,
			    "%s: this is a shallow clone and the commits needed are not in it. "
			    "In GitHub Actions set `fetch-depth: 0` on actions/checkout; elsewhere run "
			    "`git fetch --unshallow origin%s%s`",
			    what, is_sha(name) ? "" : " ", is_sha(name) ? "" : name);
}

/* One way to name the base: the revision to look up and the name shown. */
typedef struct base_try {
	char *spec, *shown;
} base_try;

static int add_try(base_try *t, size_t *n, const char *spec, const char *shown)
{
	t[*n].spec = gk_strdup(spec);
	t[*n].shown = gk_strdup(shown);
	if (!t[*n].spec || !t[*n].shown) {
		free(t[*n].spec);
		free(t[*n].shown);
		return GK_ENOMEM;
	}
	(*n)++;
	return 0;
}

static int add_remote_try(base_try *t, size_t *n, const char *branch)
{
	char *spec = gk_asprintf("refs/remotes/origin/%s", branch);
	char *shown = gk_asprintf("origin/%s", branch);
	int rc = spec && shown ? add_try(t, n, spec, shown) : GK_ENOMEM;
	free(spec);
	free(shown);
	return rc;
}

/* refs/remotes/origin/HEAD -> refs/remotes/origin/<default>, as `git clone` records it. */
static int add_origin_head_try(base_try *t, size_t *n, git_repository *repo)
{
	git_reference *ref = NULL;
	if (git_reference_lookup(&ref, repo, "refs/remotes/origin/HEAD") < 0)
		return 0;
	int rc = 0;
	const char *target = git_reference_symbolic_target(ref);
	if (target && strncmp(target, "refs/remotes/", 13) == 0)
		rc = add_try(t, n, target, target + 13);
	git_reference_free(ref);
	return rc;
}

/* Candidates in order; `why` tells which rule produced them, for the error. */
static int base_candidates(base_try *t, size_t *n, const char **why, git_repository *repo, const gk_history_options *o)
{
	const char *gh = getenv("GITHUB_BASE_REF");
	int rc = 0;
	*n = 0;
	if (o->base) {
		*why = "explicit";
		rc = add_try(t, n, o->base, o->base);
		/* CI checkouts have origin/main but no local main. */
		if (!rc && strncmp(o->base, "refs/", 5) != 0 && strchr(o->base, '~') == NULL &&
		    strchr(o->base, '^') == NULL)
			rc = add_remote_try(t, n, o->base);
	} else if (gh && *gh) {
		*why = "GITHUB_BASE_REF";
		rc = add_remote_try(t, n, gh);
	} else {
		*why = "default";
		rc = add_origin_head_try(t, n, repo);
		if (!rc)
			rc = add_try(t, n, "refs/heads/main", "main");
		if (!rc)
			rc = add_try(t, n, "refs/heads/master", "master");
		if (!rc)
			rc = add_remote_try(t, n, "main");
		if (!rc)
			rc = add_remote_try(t, n, "master");
	}
	return rc;
}

static int base_not_found(gk_error *err, const gk_history *h, const char *why, const base_try *first)
{
	char what[512];
	if (strcmp(why, "default") == 0) {
		if (h->shallow)
			return shallow_error(err, "no base branch (origin/HEAD, main or master) in this repository",
					     "main");
		return gk_error_set(err, GK_ECONFIG,
				    "no base branch: origin/HEAD, main, master, origin/main and origin/master do "
				    "not exist; pass --base REF");
	}
	if (strcmp(why, "GITHUB_BASE_REF") == 0)
		snprintf(what, sizeof what, "base %s (from GITHUB_BASE_REF) not found", first->shown);
	else
		snprintf(what, sizeof what, "base %s not found", first->shown);
	if (h->shallow)
		return shallow_error(err, what, first->shown);
	return gk_error_set(err, GK_ECONFIG, "%s; fetch it with `git fetch origin %s` or pass another --base", what,
			    fetch_name(first->shown));
}

static int resolve_base(git_commit **base, gk_history *h, const gk_history_options *o, gk_error *err)
{
	base_try t[8];
	size_t n = 0;
	const char *why = "";
	int rc = base_candidates(t, &n, &why, h->repo, o);
	if (rc < 0)
		gk_error_set(err, rc, "out of memory");
	for (size_t i = 0; !rc && i < n; i++)
		if (lookup_commit(base, h->repo, t[i].spec) == 0) {
			h->base_ref = t[i].shown;
			t[i].shown = NULL;
			break;
		}
	if (!rc && !h->base_ref)
		rc = n ? base_not_found(err, h, why, &t[0]) : gk_error_set(err, GK_ECONFIG, "no base");
	for (size_t i = 0; i < n; i++) {
		free(t[i].spec);
		free(t[i].shown);
	}
	return rc;
}

static int resolve_head(gk_history *h, const gk_history_options *o, gk_error *err)
{
	const char *spec = o->head ? o->head : "HEAD";
	int rc = lookup_commit(&h->head_commit, h->repo, spec);
	if (rc == GIT_EUNBORNBRANCH || (rc == GIT_ENOTFOUND && !o->head && git_repository_head_unborn(h->repo) == 1))
		return gk_error_set(err, GK_ECONFIG, "HEAD has no commits yet");
	if (rc < 0 && h->shallow)
		return shallow_error(err, "head not found", spec);
	if (rc < 0)
		return gk_lg2_error(err, GK_ECONFIG, "head not found");
	git_oid_tostr(h->head_hex, sizeof h->head_hex, git_commit_id(h->head_commit));
	return 0;
}

static int resolve_merge_base(gk_history *h, git_commit *base, gk_error *err)
{
	git_oid mb;
	int rc = git_merge_base(&mb, h->repo, git_commit_id(h->head_commit), git_commit_id(base));
	if (rc < 0) {
		char what[512];
		snprintf(what, sizeof what, "no merge base of %s and %s", h->base_ref, h->head_hex);
		/* libgit2 1.5 does not read .git/shallow: a cut history shows up as
		 * a missing parent object (or no common ancestor). */
		if (h->shallow)
			return shallow_error(err, what, h->base_ref);
		if (rc == GIT_ENOTFOUND)
			return gk_error_set(err, GK_ECONFIG, "%s: they share no history", what);
		return gk_lg2_error(err, GK_ECONFIG, what);
	}
	if (git_commit_lookup(&h->base_commit, h->repo, &mb) < 0)
		return gk_lg2_error(err, GK_ECONFIG, "merge base");
	git_oid_tostr(h->merge_base_hex, sizeof h->merge_base_hex, &mb);
	return 0;
}

static int open_all(gk_history *h, const gk_history_options *o, gk_error *err)
{
	int rc = open_repo(&h->repo, o->repo_path, err);
	if (rc < 0)
		return rc;
	h->shallow = git_repository_is_shallow(h->repo) == 1;
	h->worktree = o->worktree;
	if (o->worktree && git_repository_is_bare(h->repo))
		return gk_error_set(err, GK_ECONFIG, "--worktree needs a working tree, and this repository is bare");
	rc = resolve_head(h, o, err);
	if (rc < 0)
		return rc;
	git_commit *base = NULL;
	rc = resolve_base(&base, h, o, err);
	if (rc == 0)
		rc = resolve_merge_base(h, base, err);
	git_commit_free(base);
	return rc;
}

int gk_history_open(gk_history **out, const gk_history_options *o, gk_error *err)
{
	assert(out && o);
	*out = NULL;
	pthread_once(&lg2_once, lg2_init);
	if (lg2_init_rc < 0)
		return gk_lg2_error(err, GK_ERROR, "libgit2 initialisation");
	if (o->libgit2_globals)
		pthread_once(&lg2_globals_once, lg2_set_globals);
	gk_history *h = calloc(1, sizeof *h);
	if (!h)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	git_error_clear();
	int rc = open_all(h, o, err);
	if (rc < 0) {
		gk_history_free(h);
		return rc;
	}
	*out = h;
	return 0;
}

void gk_history_free(gk_history *h)
{
	if (!h)
		return;
	git_commit_free(h->base_commit);
	git_commit_free(h->head_commit);
	git_repository_free(h->repo);
	free(h->base_ref);
	free(h);
}

const char *gk_history_base_ref(const gk_history *h) { return h->base_ref; }
const char *gk_history_merge_base(const gk_history *h) { return h->merge_base_hex; }
const char *gk_history_head(const gk_history *h) { return h->head_hex; }
const char *gk_history_workdir(const gk_history *h) { return git_repository_workdir(h->repo); }

git_commit *gk_history_side_commit(const gk_history *h, gk_side side)
{
	return side == GK_SIDE_BASE ? h->base_commit : h->head_commit;
}

char *gk_history_norm_dir(const char *dir)
{
	if (!dir)
		dir = "";
	while (dir[0] == '.' && dir[1] == '/')
		dir += 2;
	if (strcmp(dir, ".") == 0)
		dir = "";
	size_t n = strlen(dir);
	while (n && dir[n - 1] == '/')
		n--;
	return gk_strndup(dir, n);
}

bool gk_history_path_ok(const char *path)
{
	if (!*path || path[0] == '/')
		return false;
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, "/");
		if ((n == 2 && p[0] == '.' && p[1] == '.') || n == 0)
			return false;
		p += n;
		if (*p == '/')
			p++;
	}
	return true;
}
