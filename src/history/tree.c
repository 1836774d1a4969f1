/*
 * tree.c - list and read the files of a folder on the base or head side.
 *
 * Commit sides read the object database only (the subtree of `dir`, then
 * its blobs), so the cost is the size of the folder, not of the repository
 * or its history.  The working-tree side asks git's status machinery,
 * because "the files of the folder" there means tracked files still on
 * disk plus untracked ones that are not ignored - a plain readdir would
 * pick up ignored build output.
 */
#include "history_internal.h"
#include "util/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct path_vec {
	char **v;
	size_t n, cap;
	bool failed;
} path_vec;

static void vec_push(path_vec *pv, char *s)
{
	if (!s || gk_grow(&pv->v, &pv->cap, pv->n + 1, sizeof *pv->v) < 0) {
		free(s);
		pv->failed = true;
		return;
	}
	pv->v[pv->n++] = s;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Sort and drop duplicates (status can name a path twice). */
static void vec_sort_unique(path_vec *pv)
{
	if (pv->n)
		qsort(pv->v, pv->n, sizeof *pv->v, cmp_str);
	size_t w = 0;
	for (size_t i = 0; i < pv->n; i++) {
		if (w && strcmp(pv->v[w - 1], pv->v[i]) == 0)
			free(pv->v[i]);
		else
			pv->v[w++] = pv->v[i];
	}
	pv->n = w;
}

void gk_history_paths_free(char **paths, size_t n)
{
	for (size_t i = 0; paths && i < n; i++)
		free(paths[i]);
	free(paths);
}

/* The tree of `dir` (normalised) in commit `c`; *out = NULL when `dir` is not a folder there. */
static int dir_tree(git_tree **out, git_commit *c, const char *dir, gk_error *err)
{
	git_tree *root = NULL;
	*out = NULL;
	if (git_commit_tree(&root, c) < 0)
		return gk_lg2_error(err, GK_EIO, "reading a commit's tree");
	if (!*dir) {
		*out = root;
		return 0;
	}
	git_tree_entry *e = NULL;
	int rc = git_tree_entry_bypath(&e, root, dir);
	if (rc == 0 && git_tree_entry_type(e) == GIT_OBJECT_TREE)
		rc = git_tree_lookup(out, git_commit_owner(c), git_tree_entry_id(e)) < 0
			     ? gk_lg2_error(err, GK_EIO, dir)
			     : 0;
	else if (rc == GIT_ENOTFOUND || rc == 0)
		rc = 0;
	else
		rc = gk_lg2_error(err, GK_EIO, dir);
	git_tree_entry_free(e);
	git_tree_free(root);
	return rc;
}

static bool regular_mode(git_filemode_t m) { return m == GIT_FILEMODE_BLOB || m == GIT_FILEMODE_BLOB_EXECUTABLE; }

/* Where a symlink at repo-relative `path` leads: a regular file inside the repository (malloc'ed) or NULL. */
static char *link_target(gk_link_lookup_fn lookup, void *ctx, const char *path, int *rc)
{
	enum gk_link_node kind;
	char *text = NULL, *target = NULL;
	const char *why;
	*rc = lookup(&kind, &text, path, ctx);
	if (*rc == 0 && kind == GK_NODE_LINK)
		*rc = gk__link_resolve(&target, &why, lookup, ctx, path, text);
	free(text);
	return target;
}

typedef struct walk_ctx {
	path_vec *pv;
	git_tree *root;   /* the commit's tree, to resolve symlinks in */
	const char *dir;  /* the folder walked */
} walk_ctx;

static int walk_cb(const char *sub, const git_tree_entry *e, void *payload)
{
	walk_ctx *w = payload;
	git_filemode_t m = git_tree_entry_filemode(e);
	if (regular_mode(m)) {
		vec_push(w->pv, gk_asprintf("%s%s", sub, git_tree_entry_name(e)));
	} else if (m == GIT_FILEMODE_LINK) {
		char *full = gk_asprintf("%s%s%s%s", w->dir, *w->dir ? "/" : "", sub, git_tree_entry_name(e));
		int rc = GK_ENOMEM;
		char *target = full ? link_target(gk__tree_lookup, w->root, full, &rc) : NULL;
		if (rc < 0)
			w->pv->failed = true;
		else if (target)
			vec_push(w->pv, gk_asprintf("%s%s", sub, git_tree_entry_name(e)));
		free(target);
		free(full);
	}
	return w->pv->failed ? -1 : 0;
}

static int list_commit(path_vec *pv, git_commit *c, const char *dir, gk_error *err)
{
	git_tree *t = NULL, *root = NULL;
	int rc = dir_tree(&t, c, dir, err);
	if (rc < 0 || !t)
		return rc;
	if (git_commit_tree(&root, c) < 0)
		rc = gk_lg2_error(err, GK_EIO, "reading a commit's tree");
	walk_ctx w = {pv, root, dir};
	if (rc == 0 && git_tree_walk(t, GIT_TREEWALK_PRE, walk_cb, &w) < 0 && !pv->failed)
		rc = gk_lg2_error(err, GK_EIO, "walking a tree");
	git_tree_free(root);
	git_tree_free(t);
	return rc;
}

static bool is_regular_file(const char *workdir, const char *path)
{
	char *full = gk_asprintf("%s%s", workdir, path);
	struct stat st;
	bool ok = full && lstat(full, &st) == 0 && S_ISREG(st.st_mode);
	free(full);
	return ok;
}

static bool is_symlink(const char *workdir, const char *path)
{
	char *full = gk_asprintf("%s%s", workdir, path);
	struct stat st;
	bool ok = full && lstat(full, &st) == 0 && S_ISLNK(st.st_mode);
	free(full);
	return ok;
}

/* `want`: regular files, and symlinks that resolve to one inside the working tree; or symlinks only. */
enum status_want { WANT_FILES, WANT_SYMLINKS };

static void add_status_entry(path_vec *pv, const git_status_entry *s, const char *workdir, const char *dir,
			     enum status_want want)
{
	const git_diff_delta *d = s->index_to_workdir ? s->index_to_workdir : s->head_to_index;
	if (!d || (s->status & GIT_STATUS_IGNORED))
		return;
	const char *p = d->new_file.path;
	size_t dl = strlen(dir);
	if (dl && (strncmp(p, dir, dl) != 0 || p[dl] != '/'))
		return;
	bool take = false;
	if (want == WANT_SYMLINKS) {
		take = is_symlink(workdir, p);
	} else if (is_regular_file(workdir, p)) {
		take = true;
	} else if (is_symlink(workdir, p)) {
		int rc;
		char *target = link_target(gk__workdir_lookup, (void *)workdir, p, &rc);
		take = target != NULL;
		pv->failed |= rc < 0;
		free(target);
	}
	if (take)
		vec_push(pv, gk_strdup(p + (dl ? dl + 1 : 0)));
}

static int status_list(path_vec *pv, gk_history *h, const char *dir, enum status_want want, gk_error *err)
{
	git_status_options so;
	char *spec[] = {(char *)dir};
	git_status_options_init(&so, GIT_STATUS_OPTIONS_VERSION);
	so.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	so.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
		   GIT_STATUS_OPT_INCLUDE_UNMODIFIED | GIT_STATUS_OPT_DISABLE_PATHSPEC_MATCH |
		   GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	if (*dir) {
		so.pathspec.strings = spec;
		so.pathspec.count = 1;
	}
	git_status_list *sl = NULL;
	if (git_status_list_new(&sl, h->repo, &so) < 0)
		return gk_lg2_error(err, GK_EIO, "reading the working tree's status");
	const char *workdir = git_repository_workdir(h->repo);
	size_t n = git_status_list_entrycount(sl);
	for (size_t i = 0; i < n && !pv->failed; i++)
		add_status_entry(pv, git_status_byindex(sl, i), workdir, dir, want);
	git_status_list_free(sl);
	return 0;
}

static int list_workdir(path_vec *pv, gk_history *h, const char *dir, gk_error *err)
{
	return status_list(pv, h, dir, WANT_FILES, err);
}

/* A listing's end: sorted and unique into *out, or freed on failure. */
static int finish_list(path_vec *pv, int rc, char ***out, size_t *n, gk_error *err)
{
	if (rc == 0 && pv->failed)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	if (rc < 0) {
		gk_history_paths_free(pv->v, pv->n);
		return rc;
	}
	vec_sort_unique(pv);
	*out = pv->v;
	*n = pv->n;
	return 0;
}

int gk__workdir_symlinks(char ***out, size_t *n, gk_history *h, const char *dir, gk_error *err)
{
	path_vec pv = {0};
	int rc = status_list(&pv, h, dir, WANT_SYMLINKS, err);
	return finish_list(&pv, rc, out, n, err);
}

int gk_history_list(char ***out_paths, size_t *out_n, gk_history *h, gk_side side, const char *dir,
		    gk_error *err)
{
	*out_paths = NULL;
	*out_n = 0;
	char *nd = gk_history_norm_dir(dir);
	if (!nd)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	path_vec pv = {0};
	int rc = side == GK_SIDE_HEAD && h->worktree ? list_workdir(&pv, h, nd, err)
						     : list_commit(&pv, gk_history_side_commit(h, side), nd, err);
	free(nd);
	return finish_list(&pv, rc, out_paths, out_n, err);
}

static int read_blob(char **out, size_t *len, git_commit *c, const char *path, gk_error *err)
{
	git_tree *root = NULL;
	git_tree_entry *e = NULL;
	git_blob *b = NULL;
	int rc = git_commit_tree(&root, c) < 0 ? gk_lg2_error(err, GK_EIO, "reading a commit's tree") : 0;
	char *target = NULL;
	if (rc == 0) {
		int lrc = git_tree_entry_bypath(&e, root, path);
		if (lrc == 0 && git_tree_entry_filemode(e) == GIT_FILEMODE_LINK) {
			/* What the runner would read: the file the link resolves to inside the tree, if any. */
			target = link_target(gk__tree_lookup, root, path, &rc);
			git_tree_entry_free(e);
			e = NULL;
			lrc = rc < 0 ? rc : target ? git_tree_entry_bypath(&e, root, target) : GIT_ENOTFOUND;
			if (rc < 0)
				rc = gk_error_set(err, rc, "%s: reading a symbolic link", path);
		}
		if (rc < 0)
			; /* said */
		else if (lrc == GIT_ENOTFOUND || (lrc == 0 && !regular_mode(git_tree_entry_filemode(e))))
			rc = gk_error_set(err, GK_ENOTFOUND, "%s: no such file in commit %.12s", path,
					  git_oid_tostr_s(git_commit_id(c)));
		else if (lrc < 0 || git_blob_lookup(&b, git_commit_owner(c), git_tree_entry_id(e)) < 0)
			rc = gk_lg2_error(err, GK_EIO, path);
	}
	if (rc == 0) {
		*len = (size_t)git_blob_rawsize(b);
		/* Every byte, NUL bytes included: the checksum is over all of them. */
		*out = malloc(*len + 1);
		if (*out) {
			memcpy(*out, git_blob_rawcontent(b), *len);
			(*out)[*len] = '\0';
		}
		rc = *out ? 0 : gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	git_blob_free(b);
	git_tree_entry_free(e);
	git_tree_free(root);
	free(target);
	return rc;
}

static int read_workdir(char **out, size_t *len, gk_history *h, const char *path, gk_error *err)
{
	const char *workdir = git_repository_workdir(h->repo);
	char *target = NULL;
	int rc = 0;
	if (is_symlink(workdir, path)) {
		/* What the runner would read: the file the link resolves to inside the working tree, if any. */
		target = link_target(gk__workdir_lookup, (void *)workdir, path, &rc);
		if (rc < 0)
			return gk_error_set(err, rc, "%s: reading a symbolic link", path);
		path = target ? target : path;
	}
	if (!is_regular_file(workdir, path)) {
		rc = gk_error_set(err, GK_ENOTFOUND, "%s: no such file in the working tree", path);
		free(target);
		return rc;
	}
	char *full = gk_asprintf("%s%s", workdir, path);
	free(target);
	if (!full)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	rc = gk_read_file(out, len, full, 0) < 0 ? gk_error_set(err, GK_EIO, "%s: %s", full, strerror(errno)) : 0;
	free(full);
	return rc;
}

int gk_history_read(char **out, size_t *len, gk_history *h, gk_side side, const char *repo_relpath,
		    gk_error *err)
{
	*out = NULL;
	*len = 0;
	if (!gk_history_path_ok(repo_relpath))
		return gk_error_set(err, GK_ECONFIG, "%s: not a repository-relative path", repo_relpath);
	if (side == GK_SIDE_HEAD && h->worktree)
		return read_workdir(out, len, h, repo_relpath, err);
	return read_blob(out, len, gk_history_side_commit(h, side), repo_relpath, err);
}
