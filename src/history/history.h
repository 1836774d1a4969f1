/*
 * history/history.h - migration history from git (libgit2).
 *
 * A pull-request gate compares the migration folder at the merge base of
 * the base branch and HEAD (what production has, or will have, applied)
 * with the folder at HEAD (what the PR adds).  This module opens the
 * repository, resolves base and head, lists and reads the files on either
 * side, diffs the folder with rename detection, attributes a file to the
 * commit that last changed it, and compares scripts the way Prisma's
 * checksums do.
 *
 * Conventions (libgit2 style): functions return 0 or a negative GK_E* code
 * and fill `err` (last argument, may be NULL).  Paths are repo-relative,
 * '/'-separated, raw UTF-8 bytes as git stores them (never quoted, whatever
 * core.quotepath says).  Strings and arrays handed out are owned by the
 * caller unless said otherwise; accessors return memory owned by the
 * gk_history, valid until gk_history_free().
 *
 * libgit2 is initialised once, on the first gk_history_open(), through
 * pthread_once, and never shut down: it lives as long as the process.
 * libgit2 counts init calls, so a host program's own init/shutdown pairs
 * are unaffected.  libgit2's process-wide options are left alone unless
 * gk_history_options.libgit2_globals asks for them (the CLI does).
 *
 * A gk_history is not thread-safe: use one per thread.
 */
#ifndef GK_HISTORY_H
#define GK_HISTORY_H

#include <stdint.h>

#include "gatekeeper/common.h"
#include "gatekeeper/types.h"

typedef struct gk_history gk_history; /* an open repository + resolved base/head */

/* gk_history_options: gatekeeper/types.h (the check job's options hold one). */

/**
 * Open the repository and resolve base, head and their merge base.
 * Returns GK_ECONFIG (message meant for the user, the CLI exits 2) when the
 * path is not in a repository, the repository is not owned by the current
 * user (git's safe.directory), base or head cannot be found, or base and
 * head share no history.  In a shallow clone whose history lacks the base
 * or the merge base the message spells out the fix (`fetch-depth: 0` in
 * actions/checkout, or `git fetch --unshallow origin <base>`).
 * Free with gk_history_free().
 */
int gk_history_open(gk_history **out, const gk_history_options *o, gk_error *err);
void gk_history_free(gk_history *h);

/** The base as resolved, e.g. "origin/main" or the --base text. */
const char *gk_history_base_ref(const gk_history *h);
/** 40-hex ids of the merge base and of the head commit. */
const char *gk_history_merge_base(const gk_history *h);
const char *gk_history_head(const gk_history *h);
/** The working tree (ends with '/'), or NULL for a bare repository. */
const char *gk_history_workdir(const gk_history *h);

typedef enum { GK_SIDE_BASE, GK_SIDE_HEAD } gk_side;

/**
 * Regular files below `dir` (repo-relative; "" or "." = whole tree) on one
 * side: GK_SIDE_BASE = the merge base's tree, GK_SIDE_HEAD = head's tree,
 * or the working tree with `worktree` (tracked and untracked files, not
 * ignored ones, not deleted ones).  *out_paths gets paths relative to
 * `dir`, sorted bytewise (strcmp).  A symlink is listed when it resolves
 * to a regular file inside the repository on that side (see
 * gk_history_links; gk_history_read then reads that file), since a runner
 * applies what it points at; other symlinks and submodules are left out.
 * A missing `dir` gives an empty list.  Free with gk_history_paths_free().
 */
int gk_history_list(char ***out_paths, size_t *out_n, gk_history *h, gk_side side, const char *dir,
		    gk_error *err);
void gk_history_paths_free(char **paths, size_t n);

typedef enum { GK_LINK_SYMLINK, GK_LINK_SUBMODULE } gk_link_kind;

typedef struct gk_history_link {
	gk_link_kind kind;
	char *path;         /* relative to the folder listed */
	char *text;         /* a symlink's text as stored; a submodule's commit id (hex) */
	char *target;       /* repo-relative regular file the symlink resolves to, or NULL */
	const char *why;    /* static: why `target` is NULL ("outside the repository", ...) */
} gk_history_link;

/**
 * The symlinks (mode 120000) and submodules (gitlinks, mode 160000) below
 * `dir` on one side, sorted by path; with `worktree`, the head side's
 * symlinks are those on disk.  A symlink is resolved inside the
 * repository only: relative to its folder, one component at a time, links
 * to links followed up to 8 in all; absolute text, a path leaving the
 * repository, a submodule or special file on the way, or a target that is
 * not a regular file leave `target` NULL with the reason in `why`.
 * Nothing outside the repository is read.  Free with gk_history_links_free().
 */
int gk_history_links(gk_history_link **out, size_t *n, gk_history *h, gk_side side, const char *dir,
		     gk_error *err);
void gk_history_links_free(gk_history_link *l, size_t n);

/**
 * The bytes of `repo_relpath` on one side: the blob as committed (no
 * filters, so no CRLF conversion), or the file on disk for the head side
 * with `worktree`.  A symlink reads the file it resolves to inside the
 * repository (gk_history_links).  *out is NUL-terminated (not counted in
 * *len), owned by the caller.  GK_ENOTFOUND when the file does not exist on
 * that side, or is a link that does not resolve to a file inside it.
 */
int gk_history_read(char **out, size_t *len, gk_history *h, gk_side side, const char *repo_relpath,
		    gk_error *err);

typedef enum { GK_CHANGE_ADDED, GK_CHANGE_MODIFIED, GK_CHANGE_DELETED, GK_CHANGE_RENAMED } gk_change_kind;

typedef struct gk_change {
	gk_change_kind kind;
	char *old_path; /* repo-relative; NULL for ADDED */
	char *new_path; /* repo-relative; NULL for DELETED */
	int similarity; /* RENAMED: 0-100 as git reports it; else 0 */
} gk_change;

/**
 * Changes below `dir` from the merge base to head (or to the working tree
 * with `worktree`): one tree-to-tree diff limited to `dir` as a literal
 * pathspec, with rename detection (git's default 50% similarity; untracked
 * files can be rename targets), without walking the history.  A change of
 * mode only (chmod +x) is not reported; a type change (file <-> symlink)
 * is MODIFIED.  Sorted by path as git sorts.  Free with gk_changes_free().
 */
int gk_history_diff(gk_change **out, size_t *n, gk_history *h, const char *dir, gk_error *err);
void gk_changes_free(gk_change *c, size_t n);

typedef struct gk_commit_info {
	char sha[41];
	char *author;
	char *email;
	int64_t time;      /* author time, seconds since the epoch */
	int tz_offset_min; /* author's UTC offset in minutes */
	char *subject;     /* first paragraph of the message, on one line */
} gk_commit_info;

/**
 * The commit that gave `repo_relpath` its content on one side.
 *
 * GK_SIDE_HEAD: follows the file's content from head down the parents
 * (through merges, into whichever parent has the same content, as git's
 * history simplification does) and stops at the first commit that is not
 * in merge-base..head.  Cost: one revwalk of merge-base..head plus a path
 * lookup per commit on the way.  GK_ENOTFOUND when the file is absent at
 * head or was not touched in merge-base..head (uncommitted edits are never
 * attributed); the caller may then ask for the base side.
 *
 * GK_SIDE_BASE: the same walk from the merge base with no lower bound:
 * the commit that introduced the file's content at the base.  Cost grows
 * with the age of that content: one commit parse and a root-tree lookup
 * per commit back to it (the folder's own tree is only read where it
 * changed) - about 0.6 s for a migration from the first of 20,000
 * commits, comparable to `git log -1 -- path`.  Call it only for the files
 * a report names.  GK_ENOTFOUND when absent, or when a shallow history
 * ends first.
 *
 * Clear *out with gk_commit_info_clear() (also safe after a failure).
 */
int gk_history_commit_for(gk_commit_info *out, gk_history *h, gk_side side, const char *repo_relpath,
			  gk_error *err);
void gk_commit_info_clear(gk_commit_info *c);

/** Lowercase hex SHA-256 of the bytes (OpenSSL EVP), as Prisma stores it. */
void gk_sha256_hex(char out[65], const void *data, size_t len);

/**
 * Whether a script whose checksum Prisma stored (`applied`) still matches
 * the `current` one: Prisma accepts the digest of the current script as
 * is, with every "\r\n" turned into "\n", and with every "\n" turned into
 * "\r\n".  So line-ending-only edits pass, in either direction, and
 * anything else (including mixed endings that no single rewrite
 * reproduces) does not.  Not symmetric in general.
 */
bool gk_checksum_equal_prisma(const char *applied, size_t applied_len, const char *current, size_t current_len);

/**
 * Whether `current` matches a checksum string read from
 * _prisma_migrations.checksum, with the same line-ending tolerance and
 * Prisma's legacy form (hex bytes not zero-padded) when its length is
 * not 64.
 */
bool gk_checksum_verify_prisma(const char *stored_hex, const char *current, size_t current_len);

#endif
