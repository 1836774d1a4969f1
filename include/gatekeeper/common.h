/*
 * gatekeeper/common.h - error reporting and enums shared by every module.
 *
 * Errors: library functions return 0 on success and a negative GK_E* code on
 * failure.  Functions that can fail take a `gk_error *err` as their last
 * argument; on failure they fill it with a message meant for a human
 * (path, line, problem).  `err` may be NULL when the caller does not care.
 * There is no global error state.
 *
 * Output parameters come first (`int gk_x(T **out, size_t *n_out, object,
 * inputs..., gk_error *err)`); a function that fills an object it is
 * handed (a report, a stream) takes that object first instead.
 *
 * Programming errors are assert()ed, never returned: a NULL pointer where
 * a function's contract requires one, an index out of range.
 */
#ifndef GATEKEEPER_COMMON_H
#define GATEKEEPER_COMMON_H

#include <stddef.h>
#include <stdbool.h>

#define GK_VERSION "0.1.0"

/*
 * The PostgreSQL major version migrations are assumed to run on when
 * nothing says otherwise (--pg-version, pg_version:, the shadow's server):
 * lint options, the report, the runner model and the rule examples all
 * take it from here.  GK_PG_DEFAULT_VERSION_TEXT is the same as a string
 * literal, for help texts.
 */
#define GK_PG_DEFAULT_VERSION 15
#define GK_PG_DEFAULT_VERSION_TEXT "15"
_Static_assert(GK_PG_DEFAULT_VERSION == 15, "change GK_PG_DEFAULT_VERSION_TEXT with it");

enum gk_error_code {
	GK_OK = 0,
	GK_ERROR = -1,     /* generic failure */
	GK_ENOMEM = -2,    /* out of memory */
	GK_EIO = -3,       /* a file could not be read or written */
	GK_ECONFIG = -4,   /* bad configuration or usage */
	GK_EPARSE = -5,    /* input could not be parsed */
	GK_ENOTFOUND = -6, /* a named thing does not exist */
	GK_EINFRA = -7,    /* infrastructure failure: a server could not be started or reached */
	GK_EINTR = -8,     /* the run was interrupted (SIGINT, SIGTERM, its time limit) */
};

typedef struct gk_error {
	int code;        /* one of enum gk_error_code */
	char msg[1024];  /* NUL-terminated, never contains secrets */
} gk_error;

/**
 * Cancel the jobs running in this process, for a program with signal
 * handlers (or a user interface) of its own: each job ends in order, as a
 * first SIGINT makes it end under its `handle_signals` option: the query
 * running on a server is cancelled, private clusters are stopped and
 * removed, and the job returns GK_EINTR with its report holding what was
 * done ("cancelled by the program" in the message).  It only sets a flag
 * and writes a byte to a pipe, so it may be called from a signal handler
 * or from any thread.  The cancellation holds until gk_cancel_clear(): a
 * job started before then returns at its first step.
 */
void gk_cancel(void);

/** Let jobs run again after gk_cancel() (or after a handled signal or a
 * job's time limit).  Not for a signal handler: call it between runs. */
void gk_cancel_clear(void);

/** Fill `err` (if not NULL) with `code` and a printf-style message; returns `code`. */
int gk_error_set(gk_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Where a job sends a diagnostic that belongs in no report because it is
 * about this machine, not about the migrations (the replay cache could not
 * be used or kept: the result stands, only the next run is slower).
 * Library code never prints; a job hands these to the `log` of its
 * options, and the command-line tool writes each as "gatekeeper: MESSAGE"
 * on stderr.  `message` is one line without its newline, valid during the
 * call.  fn NULL (a zeroed struct) = dropped.
 */
typedef struct gk_log {
	void (*fn)(void *ctx, const char *message);
	void *ctx;
} gk_log;

enum gk_severity {
	GK_SEV_OFF = 0,   /* rule disabled */
	GK_SEV_INFO,
	GK_SEV_WARNING,
	GK_SEV_ERROR,
};
#define GK_SEV_COUNT 4

/** "off", "info", "warning" or "error". */
const char *gk_severity_name(enum gk_severity s);
/** Parse a severity word; returns 0 and sets *out, or GK_ENOTFOUND. */
int gk_severity_parse(enum gk_severity *out, const char *word);

enum gk_category {
	GK_CAT_LOCKING = 0,
	GK_CAT_TRANSACTION,
	GK_CAT_DESTRUCTIVE,
	GK_CAT_COMPATIBILITY,
	GK_CAT_HYGIENE,
	GK_CAT_META,
	GK_CAT_HISTORY,     /* what a change does to the migration history (git) */
	GK_CAT_REPLAY,      /* what the replay on a shadow database proved (locks, failures) */
	GK_CAT_STATUS,      /* what a live database's history table says against the files */
	GK_CAT_DRIFT,       /* where a live database's schema differs from its migrations' */
	GK_CAT_GATE,        /* the release gate's pre-flight on the live database */
};
#define GK_CAT_COUNT 11

/** "locking", "transaction", ... */
const char *gk_category_name(enum gk_category c);

/*
 * How the migration runner sends a file to the server (the transport, not
 * the tool: Prisma uses WHOLE or SPLIT depending on its version).  This
 * decides which statements run inside a transaction block.
 */
enum gk_runner {
	GK_RUNNER_AUTO = 0,  /* decided per file from the tool and its version */
	GK_RUNNER_WHOLE,     /* the file is ONE simple query: >1 statement = one implicit transaction */
	GK_RUNNER_PER_FILE,  /* the runner wraps each file in BEGIN ... COMMIT (Flyway, dbmate, diesel) */
	GK_RUNNER_SPLIT,     /* each statement its own query (autocommit); only an explicit BEGIN
			      * opens a transaction */
};

/* What happened to a migration on the shadow database. */
enum gk_replay_status {
	GK_REPLAY_NONE = 0,     /* not replayed (no replay ran) */
	GK_REPLAY_OK,
	GK_REPLAY_FAILED,       /* the migration does not apply */
	GK_REPLAY_ENVIRONMENT,  /* the shadow lacks something it needs (extension, role, ...) */
	GK_REPLAY_SKIPPED,      /* not run: an earlier migration did not apply */
	GK_REPLAY_TIMEOUT,      /* did not finish within its time limit (cancelled) */
	GK_REPLAY_INTERRUPTED,  /* cut off by the run's end (a signal, --timeout) or the shadow
				 * server's: neither applied nor failed */
};

/** "none", "ok", "failed", "environment", "skipped", "timeout", "interrupted". */
const char *gk_replay_status_name(enum gk_replay_status s);

/** "auto", "whole", "per-file", "split".  The parser also takes the
 * older names "prisma" (whole) and "none" (split). */
const char *gk_runner_name(enum gk_runner r);
int gk_runner_parse(enum gk_runner *out, const char *word);

#endif
