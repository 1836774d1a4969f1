/*
 * history_internal.h - what the files of src/history share (not public API).
 */
#ifndef GK_HISTORY_INTERNAL_H
#define GK_HISTORY_INTERNAL_H

#include <git2.h>

#include "history/history.h"

struct gk_history {
	git_repository *repo;
	git_commit *base_commit;  /* the merge base */
	git_commit *head_commit;
	char *base_ref;           /* as resolved, for messages and reports */
	char merge_base_hex[GIT_OID_HEXSZ + 1];
	char head_hex[GIT_OID_HEXSZ + 1];
	bool worktree;
	bool shallow;
};

/** Fill `err` with `code` and "what: <libgit2's last message>"; returns `code`. */
int gk_lg2_error(gk_error *err, int code, const char *what);

/** The commit of a side (merge base or head). */
git_commit *gk_history_side_commit(const gk_history *h, gk_side side);

/** `dir` without "./" prefixes and trailing '/'; "" for the whole tree. NULL on ENOMEM. */
char *gk_history_norm_dir(const char *dir);

/** Whether a repo-relative path is safe to join to the working tree (no "..", not absolute). */
bool gk_history_path_ok(const char *path);

/* ---- resolve.c ---- */

/* Symbolic links followed, in all, when resolving one (the first included). */
#define GK_LINK_MAX_DEPTH 8

enum gk_link_node { GK_NODE_MISSING, GK_NODE_FILE, GK_NODE_DIR, GK_NODE_LINK, GK_NODE_OTHER };

/* What repo-relative `path` is on one side; a link's text into *text (malloc'ed).  0 or GK_E*. */
typedef int (*gk_link_lookup_fn)(enum gk_link_node *kind, char **text, const char *path, void *ctx);

/*
 * Resolve the symlink at repo-relative `link_path` whose text is `text`
 * inside the tree `lookup` describes: *out gets the repo-relative regular
 * file it names, or stays NULL with *why saying why not (static text).
 * 0, or GK_E* for a failure to read the tree.
 */
int gk__link_resolve(char **out, const char **why, gk_link_lookup_fn lookup, void *ctx, const char *link_path,
		     const char *text);
/* Lookups in a commit's root tree (ctx: git_tree *) and in the working tree (ctx: its path, ending in '/'). */
int gk__tree_lookup(enum gk_link_node *kind, char **text, const char *path, void *ctx);
int gk__workdir_lookup(enum gk_link_node *kind, char **text, const char *path, void *ctx);

/* tree.c: the symlinks below `dir` (normalised) in the working tree, relative to `dir`, as status lists them. */
int gk__workdir_symlinks(char ***out, size_t *n, gk_history *h, const char *dir, gk_error *err);

#endif
