/*
 * history_internal.h - what the files of src/history share (not public API).
 */
#ifndef GK_HISTORY_INTERNAL_H
#define GK_HISTORY_INTERNAL_H

#include <git2.h>

#include "gatekeeper/history.h"

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

#endif
