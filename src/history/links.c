/*
 * links.c - symbolic links and submodules in a migration folder.
 *
 * git stores a symlink as a blob (mode 120000) holding the link's text and
 * a submodule as a gitlink (mode 160000) naming a commit of another
 * repository.  A migration runner reading a checkout follows the link and
 * applies whatever it points at, so a link must neither be skipped (the
 * migration would be invisible to the check) nor followed blindly (it may
 * point at /etc/passwd or at a file outside the checkout).
 *
 * Each link is resolved by resolve.c, which tree.c uses too to read the
 * file a link names.
 */
#include "history_internal.h"
#include "util/util.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- listing ------------------------------------------------------------- */

typedef struct link_vec {
	gk_history_link *v;
	size_t n, cap;
	int rc;
} link_vec;

static void push_link(link_vec *lv, gk_link_kind kind, char *path, char *text, char *target, const char *why)
{
	if (lv->rc == 0 && (!path || !text || gk_grow(&lv->v, &lv->cap, lv->n + 1, sizeof *lv->v) < 0))
		lv->rc = GK_ENOMEM;
	if (lv->rc < 0) {
		free(path);
		free(text);
		free(target);
		return;
	}
	lv->v[lv->n++] = (gk_history_link){.kind = kind, .path = path, .text = text, .target = target, .why = why};
}

typedef struct walk_ctx {
	link_vec *lv;
	git_tree *root;   /* the commit's whole tree, to resolve in */
	const char *dir;  /* the folder walked, repo-relative ("" = root) */
	bool gitlinks_only;
} walk_ctx;

static int walk_links(const char *sub, const git_tree_entry *e, void *payload)
{
	walk_ctx *w = payload;
	git_filemode_t m = git_tree_entry_filemode(e);
	if (m != GIT_FILEMODE_LINK && m != GIT_FILEMODE_COMMIT)
		return 0;
	if (m == GIT_FILEMODE_LINK && w->gitlinks_only)
		return 0;
	char *rel = gk_asprintf("%s%s", sub, git_tree_entry_name(e));
	char *full = rel ? gk_asprintf("%s%s%s", w->dir, *w->dir ? "/" : "", rel) : NULL;
	if (m == GIT_FILEMODE_COMMIT) {
		push_link(w->lv, GK_LINK_SUBMODULE, rel, gk_strdup(git_oid_tostr_s(git_tree_entry_id(e))), NULL,
			  "a submodule: another repository's files");
	} else {
		enum gk_link_node kind;
		char *text = NULL, *target = NULL;
		const char *why = NULL;
		int rc = full ? gk__tree_lookup(&kind, &text, full, w->root) : GK_ENOMEM;
		if (rc == 0 && kind == GK_NODE_LINK)
			rc = gk__link_resolve(&target, &why, gk__tree_lookup, w->root, full, text);
		else if (rc == 0)
			why = "not readable as a link";
		if (rc < 0)
			w->lv->rc = rc;
		push_link(w->lv, GK_LINK_SYMLINK, rel, text ? text : gk_strdup(""), target, why);
	}
	free(full);
	return w->lv->rc < 0 ? -1 : 0;
}

static int links_of_commit(link_vec *lv, git_commit *c, const char *dir, bool gitlinks_only, gk_error *err)
{
	git_tree *root = NULL, *t = NULL;
	if (git_commit_tree(&root, c) < 0)
		return gk_lg2_error(err, GK_EIO, "reading a commit's tree");
	git_tree_entry *e = NULL;
	int rc = 0;
	if (!*dir) {
		t = root;
	} else if ((rc = git_tree_entry_bypath(&e, root, dir)) == 0 && git_tree_entry_type(e) == GIT_OBJECT_TREE) {
		rc = git_tree_lookup(&t, git_commit_owner(c), git_tree_entry_id(e)) < 0 ? gk_lg2_error(err, GK_EIO, dir) : 0;
	} else {
		rc = rc == 0 || rc == GIT_ENOTFOUND ? 0 : gk_lg2_error(err, GK_EIO, dir);
	}
	walk_ctx w = {lv, root, dir, gitlinks_only};
	if (rc == 0 && t && git_tree_walk(t, GIT_TREEWALK_PRE, walk_links, &w) < 0 && lv->rc == 0)
		rc = gk_lg2_error(err, GK_EIO, "walking a tree");
	if (rc == 0 && lv->rc < 0)
		rc = gk_error_set(err, lv->rc, lv->rc == GK_ENOMEM ? "out of memory" : "reading a symbolic link");
	git_tree_entry_free(e);
	if (t != root)
		git_tree_free(t);
	git_tree_free(root);
	return rc;
}

/* Symlinks below `dir` in the working tree, as git status lists them. */
static int links_of_workdir(link_vec *lv, gk_history *h, const char *dir, gk_error *err)
{
	char **paths = NULL;
	size_t n = 0;
	int rc = gk__workdir_symlinks(&paths, &n, h, dir, err);
	const char *wd = git_repository_workdir(h->repo);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char *full = gk_asprintf("%s%s%s", dir, *dir ? "/" : "", paths[i]);
		enum gk_link_node kind = GK_NODE_MISSING;
		char *text = NULL, *target = NULL;
		const char *why = NULL;
		rc = full ? gk__workdir_lookup(&kind, &text, full, (void *)wd) : GK_ENOMEM;
		if (rc == 0 && kind == GK_NODE_LINK)
			rc = gk__link_resolve(&target, &why, gk__workdir_lookup, (void *)wd, full, text);
		else if (rc == 0)
			why = "not readable as a link";
		free(full);
		push_link(lv, GK_LINK_SYMLINK, gk_strdup(paths[i]), text ? text : gk_strdup(""), target, why);
		if (rc == 0)
			rc = lv->rc;
		if (rc < 0)
			rc = gk_error_set(err, rc, "out of memory");
	}
	gk_history_paths_free(paths, n);
	return rc;
}

static int cmp_link(const void *a, const void *b)
{
	return strcmp(((const gk_history_link *)a)->path, ((const gk_history_link *)b)->path);
}

int gk_history_links(gk_history_link **out, size_t *out_n, gk_history *h, gk_side side, const char *dir,
		     gk_error *err)
{
	*out = NULL;
	*out_n = 0;
	char *nd = gk_history_norm_dir(dir);
	if (!nd)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	link_vec lv = {0};
	bool wt = side == GK_SIDE_HEAD && h->worktree;
	/* The working tree: its symlinks on disk; submodules as committed at head. */
	int rc = links_of_commit(&lv, gk_history_side_commit(h, side), nd, wt, err);
	if (rc == 0 && wt)
		rc = links_of_workdir(&lv, h, nd, err);
	free(nd);
	if (rc < 0) {
		gk_history_links_free(lv.v, lv.n);
		return rc;
	}
	if (lv.n)
		qsort(lv.v, lv.n, sizeof *lv.v, cmp_link);
	*out = lv.v;
	*out_n = lv.n;
	return 0;
}

void gk_history_links_free(gk_history_link *l, size_t n)
{
	for (size_t i = 0; l && i < n; i++) {
		free(l[i].path);
		free(l[i].text);
		free(l[i].target);
	}
	free(l);
}
