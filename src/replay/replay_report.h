/*
 * replay/replay_report.h - what a replay proved, as report entries and
 * findings of category `replay` (ids and docs in src/rules/replay.c).
 *
 * Shared by the commands that replay: `check` (the change's migrations on
 * a database built from the ones before them), `drift` (the applied ones)
 * and `gate` (the pending ones on a clone of the expected schema), so that
 * a failure or a lock reads the same wherever it was found.
 *
 * Findings about a migration's text point at the statement: the server's
 * error position for a failure, the statement's first line for a lock.
 */
#ifndef GK_REPLAY_REPORT_H
#define GK_REPLAY_REPORT_H

#include "gatekeeper/lint.h"
#include "replay/replay.h"
#include "gatekeeper/report.h"

typedef struct gk_replay_reporter {
	gk_report *r;
	const gk_lint_options *o;    /* the rules' severities */
	/* What a failure means for the rest of the run, appended to its
	 * message: "the migrations after it were not replayed". */
	const char *consequence;
	/* Optional: what to say of a relation a traced statement locked, e.g.
	 * the target's "public.users, ~12M rows, 3.1 GB" for the gate.  Returns
	 * a malloc'ed string the reporter frees, or NULL for nothing. */
	char *(*relation_note)(void *ctx, const char *relation);
	void *note_ctx;
	/* Merge what the trace saw into the findings of the same report that
	 * predicted it (`check`: one finding per risk per statement, with its
	 * evidence).  False: every observation is a finding of its own (`gate`,
	 * whose lint and replay are checks of their own). */
	bool merge;
} gk_replay_reporter;

/**
 * A migration (`what`: "the migration", "the shadow init file", "this
 * applied migration") that did not apply: `replay-failed`, or
 * `replay-environment` when the shadow lacks something it needs, at the
 * server's error position in `m`, with the server's DETAIL and HINT as
 * help.  0 or GK_ENOMEM.
 */
int gk_replay_report_failure(const gk_replay_reporter *rr, const gk_replay_migration *m, const gk_replay_result *res,
			     const char *what);

/**
 * Where a migration that did not apply stopped, onto migration entry `idx`
 * (gk_report_set_replay_stop): the failing statement, how many committed
 * before it, what they left, an aborted session.  Nothing when it applied
 * or nothing is known.  0 or GK_ENOMEM.
 */
int gk_replay_report_stop(gk_report *r, size_t idx, const gk_replay_result *res);

/**
 * Every lock a traced migration took: on migration entry `idx` of the
 * report (gk_report_add_lock), and per statement as the findings
 * observed-table-rewrite, observed-access-exclusive-lock,
 * observed-share-lock and observed-lock-without-timeout.  0 or GK_ENOMEM.
 */
int gk_replay_report_locks(const gk_replay_reporter *rr, size_t idx, const gk_replay_migration *m,
			   const gk_replay_result *res);

#endif
