/*
 * check/check.h - the check module's plumbing for the command line: the
 * batch of inputs `gatekeeper lint` builds from its paths, read the way
 * the check reads a folder in a tool layout (dbmate up sections, no down
 * files, the tool's order and runner).  Not public: an embedder lints
 * with gk_lint_inputs() (gatekeeper/lint.h) and inputs of its own.
 */
#ifndef GK_CHECK_CHECK_H
#define GK_CHECK_CHECK_H

#include "gatekeeper/check.h"
#include "layout/runner.h"
#include "util/dircache.h"
#include "util/files.h"

/*
 * Inputs for gk_lint_inputs() built from command-line paths: files, plain
 * folders (every *.sql) and folders in a tool layout.  The batch owns the
 * paths and texts its inputs point to.
 */
typedef struct gk_lint_batch {
	gk_lint_input *in;
	size_t n, cap;
	char **owned;               /* strings the inputs borrow */
	size_t n_owned, cap_owned;
	gk_runner_settings **settings; /* runner settings the inputs borrow, one per folder */
	size_t n_settings, cap_settings;
	/* The last gk_lint_batch_find_settings: its folder (owned), tool and settings. */
	char *last_dir;
	enum gk_layout_kind last_tool;
	gk_runner_settings *last_settings;
	/* The real parent of last_dir when last_dir is plain (see
	 * gk_runner_settings_dir_plain), else NULL: a plain sibling (the next
	 * folder of a Prisma history) has the same settings. */
	char *last_parent;
	gk_dir_cache *dirs;         /* facts about folders, for the settings (owned; made when needed) */
} gk_lint_batch;

/**
 * Give the inputs from index `from` on that have no runner settings yet the
 * settings of the folder `path` (`is_dir`, as the caller found it) or of
 * the folder of the file `path`, read from it up to its repository's root
 * (gk_runner_settings_find_dir): the Prisma version of a folder linted
 * file by file.  0 or GK_ENOMEM.
 */
int gk_lint_batch_find_settings(gk_lint_batch *b, size_t from, const char *path, bool is_dir,
				enum gk_layout_kind tool);

/** Add one file, linted as its own change.  0 or GK_ENOMEM. */
int gk_lint_batch_add_file(gk_lint_batch *b, const char *path);
/** The same for a path a folder walk judged (gk_files_collect): `refused`
 * (copied; NULL = none) makes it an invalid-input finding without reading
 * it; `id` (NULL = none) is the file it must still be when read. */
int gk_lint_batch_add_judged(gk_lint_batch *b, const char *path, const char *refused, const gk_file_id *id);

/**
 * Add the migrations of folder `dir` in the order the tool applies them,
 * each as its own change, with the tool's runner (unless `o->runner` is
 * set) and, for dbmate, only the up section.  Files matching an exclude
 * glob are skipped.  With `kind` GK_LAYOUT_AUTO the folder is a layout
 * only when detected as dbmate, golang-migrate, diesel or flyway and its
 * migrations outnumber the SQL files the layout does not recognise (so
 * that a folder of many projects is not mistaken for the one Flyway
 * folder inside it); an explicit prisma or plain `kind` is never a layout
 * here (their files are linted by a plain walk).  A folder read as Prisma
 * (given or detected) adds each Prisma 8 migration package it holds
 * (gk_layout.packages) as an input that is not read, for a
 * prisma-migration-package finding.
 * Returns 1 when the folder was added as a layout, 0 when it is not one
 * (walk it as plain files), or a negative GK_E*.
 */
int gk_lint_batch_add_layout(gk_lint_batch *b, const char *dir, enum gk_layout_kind kind,
			     const gk_lint_options *o, const char *const *excludes, size_t n_excludes,
			     gk_error *err);

/**
 * Inputs from index `from` on that are plain files (no tool known) and
 * carry dbmate's `-- migrate:up` marker are dbmate migrations: only their
 * up section is linted (what precedes it blanked, so lines and columns
 * stay the file's), with dbmate's runner and its `transaction:false`.  A
 * file passed by path, or found by a walk of a folder that is not itself
 * a dbmate folder, is then linted as dbmate applies it, never its down
 * section.  Only for `kind` auto or dbmate.  The engine decides when it
 * reads the file (gk_lint_input.find_dbmate), so each file is read once.
 * 0 or GK_ENOMEM.
 */
int gk_lint_batch_dbmate_files(gk_lint_batch *b, size_t from, enum gk_layout_kind kind, const gk_lint_options *o);

/**
 * Move every input of `src` behind those of `dst`, with the strings and
 * settings they borrow; `src` is empty after (as gk_lint_batch_free leaves
 * it).  Two batches collected side by side (each path in one of them, in
 * order) make the batch one would have made.  0, or GK_ENOMEM with both
 * unchanged.
 */
int gk_lint_batch_append(gk_lint_batch *dst, gk_lint_batch *src);

void gk_lint_batch_free(gk_lint_batch *b);

#endif
