/*
 * diff.c - what changed in the migration folder between merge base and head.
 *
 * One tree-to-tree (or tree-to-working-tree) diff, limited to the folder by
 * a literal pathspec, so libgit2 only descends into that subtree: the cost
 * is the folder's size, independent of how many commits the branch has.
 * Rename detection matters because renaming a migration folder is, for a
 * migration runner, deleting an applied migration and adding a new one.
 */
#include "history_internal.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

void gk_changes_free(gk_change *c, size_t n)
{
	for (size_t i = 0; c && i < n; i++) {
		free(c[i].old_path);
		free(c[i].new_path);
	}
	free(c);
}

/* chmod +x alone changes the mode, not the bytes a runner executes. */
static bool mode_only(const git_diff_delta *d)
{
	return (d->old_file.flags & GIT_DIFF_FLAG_VALID_ID) && (d->new_file.flags & GIT_DIFF_FLAG_VALID_ID) &&
	       git_oid_equal(&d->old_file.id, &d->new_file.id);
}

/* Our kind for a libgit2 delta; -1 = not a change we report. */
static int change_kind(const git_diff_delta *d)
{
	switch (d->status) {
	case GIT_DELTA_ADDED:
	case GIT_DELTA_UNTRACKED:
	case GIT_DELTA_COPIED:
		return GK_CHANGE_ADDED;
	case GIT_DELTA_DELETED:
		return GK_CHANGE_DELETED;
	case GIT_DELTA_RENAMED:
		return GK_CHANGE_RENAMED;
	case GIT_DELTA_MODIFIED:
	case GIT_DELTA_TYPECHANGE:
		return mode_only(d) ? -1 : GK_CHANGE_MODIFIED;
	case GIT_DELTA_CONFLICTED:
		return GK_CHANGE_MODIFIED;
	default:
		return -1;
	}
}

static int make_diff(git_diff **diff, gk_history *h, const char *dir, gk_error *err)
{
	git_diff_options o;
	char *spec[] = {(char *)dir};
	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	o.flags = GIT_DIFF_DISABLE_PATHSPEC_MATCH | GIT_DIFF_INCLUDE_TYPECHANGE;
	if (h->worktree)
		o.flags |= GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS;
	if (*dir) {
		o.pathspec.strings = spec;
		o.pathspec.count = 1;
	}
	git_tree *base = NULL, *head = NULL;
	int rc = git_commit_tree(&base, h->base_commit);
	if (rc == 0 && h->worktree)
		rc = git_diff_tree_to_workdir_with_index(diff, h->repo, base, &o);
	else if (rc == 0 && (rc = git_commit_tree(&head, h->head_commit)) == 0)
		rc = git_diff_tree_to_tree(diff, h->repo, base, head, &o);
	git_tree_free(base);
	git_tree_free(head);
	if (rc < 0)
		return gk_lg2_error(err, GK_EIO, h->worktree ? "diff against the working tree" : "diff");
	git_diff_find_options fo;
	git_diff_find_options_init(&fo, GIT_DIFF_FIND_OPTIONS_VERSION);
	fo.flags = GIT_DIFF_FIND_RENAMES | (h->worktree ? GIT_DIFF_FIND_FOR_UNTRACKED : 0);
	if (git_diff_find_similar(*diff, &fo) < 0) {
		git_diff_free(*diff);
		*diff = NULL;
		return gk_lg2_error(err, GK_EIO, "rename detection");
	}
	return 0;
}

static int add_change(gk_change *c, const git_diff_delta *d, int kind)
{
	memset(c, 0, sizeof *c);
	c->kind = (gk_change_kind)kind;
	if (kind != GK_CHANGE_ADDED && !(c->old_path = gk_strdup(d->old_file.path)))
		return GK_ENOMEM;
	if (kind != GK_CHANGE_DELETED && !(c->new_path = gk_strdup(d->new_file.path)))
		return GK_ENOMEM;
	c->similarity = kind == GK_CHANGE_RENAMED ? (int)d->similarity : 0;
	return 0;
}

int gk_history_diff(gk_change **out, size_t *n, gk_history *h, const char *dir, gk_error *err)
{
	*out = NULL;
	*n = 0;
	char *nd = gk_history_norm_dir(dir);
	if (!nd)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	git_diff *diff = NULL;
	int rc = make_diff(&diff, h, nd, err);
	free(nd);
	if (rc < 0)
		return rc;
	size_t total = git_diff_num_deltas(diff), k = 0;
	gk_change *c = total ? calloc(total, sizeof *c) : NULL;
	if (total && !c)
		rc = GK_ENOMEM;
	for (size_t i = 0; rc == 0 && i < total; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		int kind = change_kind(d);
		if (kind >= 0 && (rc = add_change(&c[k], d, kind)) == 0)
			k++;
	}
	git_diff_free(diff);
	if (rc < 0) {
		gk_changes_free(c, k + 1);
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	*out = c;
	*n = k;
	return 0;
}
