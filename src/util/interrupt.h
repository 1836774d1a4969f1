/*
 * interrupt.h - how a run is bounded and interrupted: SIGINT/SIGTERM, the
 * whole run's time limit (--timeout), and a time budget per database
 * session (the replay's per-migration limit).  Internal to the library and
 * the CLI.
 *
 * One model for all three: a flag the jobs read between steps, and a
 * watchdog thread that cancels what is running on the server (PQcancel)
 * so that a step stuck in a query returns.  The signal handler only sets
 * the flag and writes one byte to a pipe (both async-signal-safe); the
 * watchdog does the rest in an ordinary thread.  Nothing is printed: the
 * jobs turn an interruption into a report error, and the CLI writes every
 * report as usual.
 *
 * Watched sessions: gk_watch_begin() registers a connection for as long
 * as one step uses it, with an optional budget.  When the budget runs out
 * (that session's own timeout) or the run is interrupted, the watchdog
 * cancels the session's running query, again every half second while the
 * session stays watched (a cancel that reaches the server between two
 * queries is lost), and after GK_WATCH_GRACE_S more seconds without the
 * step giving the session back it shuts the socket down, so that even a
 * server that no longer answers cannot hold the step.
 *
 * This is global state, kept to one registry (like src/shadow/registry.c):
 * a fixed array of slots with atomic states, the flag, the deadline.
 */
#ifndef GK_INTERRUPT_H
#define GK_INTERRUPT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "gatekeeper/common.h"

#define GK_WATCH_GRACE_S 5.0

enum gk_interrupt_kind {
	GK_INTERRUPT_NONE = 0,
	GK_INTERRUPT_SIGNAL,   /* SIGINT or SIGTERM */
	GK_INTERRUPT_TIMEOUT,  /* the run's time limit ran out */
	GK_INTERRUPT_CANCEL,   /* the program called gk_cancel() */
};

/**
 * Handle SIGINT and SIGTERM by interrupting the run instead of ending the
 * process: the first one sets the flag and cancels the watched sessions; a
 * second one ends the process as the signal would (after the cleanup of
 * src/shadow/registry.c).  A signal the program ignores stays ignored.
 * Call once, early in main().  0, or -1 when the watchdog cannot start.
 */
int gk_interrupt_install(void);

/** A job's start: gk_interrupt_install() when its options' handle_signals
 * asks for it (the caller owns the process), nothing otherwise.  0, or
 * GK_ERROR in `err` when the watchdog cannot start. */
int gk_interrupt_opt_in(bool handle_signals, gk_error *err);

/** True while `sig` would only interrupt the run (it is SIGINT or SIGTERM,
 * the handler is installed and has not been called yet): src/shadow/registry.c then
 * leaves its clusters to the run's own cleanup.  Async-signal-safe. */
bool gk_interrupt_handles_signal(int sig);

/** The run is interrupted after `seconds` from now, as by a signal but
 * with GK_INTERRUPT_TIMEOUT.  0 or -1 (no watchdog). */
int gk_interrupt_set_deadline(double seconds);

/** Why the run is interrupted; GK_INTERRUPT_NONE while it is not. */
enum gk_interrupt_kind gk_interrupted(void);

/** The signal that interrupted the run (0 when none). */
int gk_interrupt_signal(void);

/** The limit given to gk_interrupt_set_deadline() (0 when none). */
double gk_interrupt_limit(void);

/**
 * One sentence for the report: "interrupted by SIGTERM", "the run's time
 * limit (30 s) ran out".  Writes "" when not interrupted.
 */
void gk_interrupt_describe(char *buf, size_t size);

/** Interrupt the run from inside (tests, a job that gives up). */
void gk_interrupt_raise(enum gk_interrupt_kind kind, int sig);

/** Back to not interrupted (tests; a library user starting another run). */
void gk_interrupt_reset(void);

/**
 * Watch `c` (connected) while a step uses it; `budget_s` > 0 gives it a
 * deadline of its own, `budget_s` <= 0 none (the run's interruption
 * only).  Returns the slot to pass to the other calls; -1 when no slot is
 * free or the watchdog cannot start (the step then runs unwatched).
 */
int gk_watch_begin(PGconn *c, double budget_s);

/** Whether the slot's own budget ran out (its session was cancelled). */
bool gk_watch_expired(int slot);

/** Stop watching (before PQfinish of its connection).  -1 is a no-op. */
void gk_watch_end(int slot);

/* ---- signal plumbing, shared with src/shadow/registry.c ---------------- */

/** Install `fn` (SA_SIGINFO, SA_RESTART, every signal blocked while it runs)
 * for each of sigs[0..n), saving the previous action in previous[i]; a
 * signal the process ignores (nohup, a CI runner) stays ignored. */
void gk_sig_take(const int *sigs, size_t n, void (*fn)(int, siginfo_t *, void *), struct sigaction *previous);

/** Pass `sig` on to the action `old` that gk_sig_take() replaced: its
 * handler, or the default action (raised again, delivered when the
 * current handler returns).  Async-signal-safe. */
void gk_sig_chain(int sig, siginfo_t *info, void *ctx, const struct sigaction *old);

#endif
