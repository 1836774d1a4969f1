/*
 * check_internal.h - what the parts of src/check share: one migration
 * folder seen on both sides of the change, and how its migrations are
 * classified.
 *
 *   source.c    files of one side, read once through libgit2 and cached
 *   classify.c  added / modified / renamed / deleted / unchanged
 *   findings.c  the history findings
 *   check.c     folders, the lint of the change, the report entries
 */
#ifndef GK_CHECK_INTERNAL_H
#define GK_CHECK_INTERNAL_H

#include "check/check.h"
#include "history/history.h"
#include "shadow/shadow.h"
#include "replay/replay.h"
#include "layout/runner.h"
#include "rules/rules.h"

/* The files of a folder on one side, read on demand and kept for the lint. */
typedef struct gk_side_files {
	gk_history *h;
	gk_side side;
	const char *dir;       /* repo-relative folder, "" = the repository root */
	char **paths;          /* relative to dir, sorted (gk_history_list) */
	size_t n;
	char **text;           /* per path: its bytes once read, else NULL */
	size_t *len;
} gk_side_files;

int gk_side_files_list(gk_side_files *s, gk_history *h, gk_side side, const char *dir, gk_error *err);
/*
 * The base side's file list without walking the base tree: head's files,
 * less those the change added or renamed to, plus those it deleted or
 * renamed from (the diff of the same folder).  Contents are still read
 * from the base on demand.
 */
int gk_side_files_derive_base(gk_side_files *s, const gk_side_files *head, const gk_change *changes, size_t n,
			      gk_error *err);
void gk_side_files_free(gk_side_files *s);
/* The bytes of `rel` (cached; owned by `s`).  GK_ENOTFOUND when absent. */
int gk_side_files_get(gk_side_files *s, const char *rel, const char **text, size_t *len, gk_error *err);
/* A gk_layout_read_fn over a gk_side_files (the copy it hands out is the caller's). */
int gk_side_files_read(char **out, size_t *len, const char *rel, void *payload);

/* "dir/rel", or rel when dir is the root.  NULL when out of memory. */
char *gk_check_join(const char *dir, const char *rel);

/* One head migration, or one deleted base migration, and where it stands. */
typedef struct gk_check_item {
	const gk_layout_migration *head;   /* NULL for a deleted migration */
	const gk_layout_migration *base;   /* same key, or renamed from; NULL when added */
	enum gk_history_status status;
	bool have_commit;
	gk_commit_info commit;             /* head side, for added/modified/renamed */
	int report_idx;                    /* its migration entry in the report, -1 = none */
} gk_check_item;

typedef struct gk_check_folder {
	const gk_check_options *o;
	gk_history *h;
	char *dir;                 /* repo-relative, "" = root */
	gk_side_files base_files, head_files;
	gk_layout *base, *head;
	gk_change *changes;
	size_t n_changes;
	gk_check_item *items;      /* head migrations in apply order */
	size_t n_items;
	gk_check_item *deleted;    /* base migrations that are gone */
	size_t n_deleted;
	gk_history_link *links;    /* symlinks and submodules at head */
	size_t n_links;
	gk_runner_settings runner; /* the tool's settings at head (Prisma version, Flyway mixed) */
} gk_check_folder;

/* source.c: the text of a migration as its tool sends it (dbmate's up
 * section, what precedes it blanked so that lines and columns stay those
 * of the file) into in->text / in->len; *owned gets a copy to free when
 * one had to be made. */
int gk_check_migration_text(gk_side_files *s, const gk_layout_migration *m, gk_lint_input *in, char **owned,
			    gk_error *err);

/* source.c: a report entry for a migration listed but not linted; its index or GK_ENOMEM. */
int gk_check_add_unlinted(gk_report *r, const gk_check_folder *f, const gk_layout_migration *m);

/* classify.c: fill items and deleted (needs layouts and changes). */
int gk_check_classify(gk_check_folder *f, gk_error *err);

/* Where a finding points; zero when about the whole file. */
typedef struct gk_check_place {
	int line, column, end_line, end_column;
	int statement_index;
	char *context;          /* the source line, for display (borrowed) */
} gk_check_place;

/* findings.c: add a finding of rule `id` with the user's severity (nothing
 * when it is off); `help` NULL = the rule's.  0 or GK_ENOMEM. */
int gk_check_add_finding(gk_report *r, const gk_lint_options *o, enum gk_rule_id id, const char *path,
			 const gk_check_place *pl, const char *help, const char *msg);

/* findings.c: every history finding of the folder. */
int gk_check_history_findings(gk_report *r, gk_check_folder *f, gk_error *err);

/* The change the diff reports for repo-relative `path` (new side, else old side), or NULL. */
const gk_change *gk_check_change_of(const gk_check_folder *f, const char *path);

/* The report's copy of a commit (strings borrowed from `c`). */
gk_commit_ref gk_check_commit_ref(const gk_commit_info *c);

/* replay.c: the shadow of one run, shared by its folders. */
typedef struct gk_check_replay {
	gk_check_options *o;
	gk_shadow *shadow;       /* NULL when it could not be opened (the report says why) */
	bool default_db_used;    /* the shadow's own database went to a folder */
	bool lost;               /* the server went away: later folders are not replayed */
	char *init_text;         /* --shadow-init, read once */
	size_t init_len;
} gk_check_replay;

/* Open the shadow (GK_EINFRA becomes a db_connect error in `r` and 0 with
 * no shadow); the shadow's major version becomes the lint's when asked. */
int gk_check_replay_open(gk_check_replay *rp, gk_report *r, gk_check_options *o, gk_error *err);
/* Replay folder `f` (after its lint: report entries exist) and record it. */
int gk_check_replay_folder(gk_check_replay *rp, gk_report *r, gk_check_folder *f, gk_error *err);
void gk_check_replay_close(gk_check_replay *rp);
/* The lock-window estimate of a folder's change (estimate.c), when the run
 * has production sizes: a new database from `tpl` (NULL: empty) with
 * `before` applied, then the walk of `change`. */
int gk_check_estimate_folder(gk_check_replay *rp, gk_report *r, const char *tpl, const gk_replay_migration *before,
			     size_t n_before, const gk_replay_migration *change, size_t n_change, gk_error *err);
/* The run's production row counts (o->rows) all read: else GK_ECONFIG
 * naming the first that does not (checked before anything runs). */
int gk_check_rows_valid(const gk_check_options *o, gk_error *err);
/* A note when a lock budget is set that no estimate can be held to. */
int gk_check_estimate_note(gk_report *r, const gk_check_options *o);

/* ---- production.c ------------------------------------------------------ */

/**
 * With o->stats_file: read it, note it when stale, and give the report's
 * findings their production context and size thresholds
 * (gk_stats_annotate).  A file that cannot be read becomes a
 * configuration error of the report.  Returns 0 or GK_ENOMEM.
 */
int gk_check_production(gk_report *r, const gk_check_options *o, gk_error *err);

#endif
