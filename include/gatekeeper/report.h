/*
 * gatekeeper/report.h - the one report model every input fills and every
 * renderer reads.
 *
 * Inputs (lint, later history, replay, drift) add migrations, findings and
 * errors.  gk_report_finish() then decides, once, which findings block,
 * the verdict and the exit code; renderers only format what is here.
 *
 * Ownership: a gk_report owns every string stored in it (they are copied
 * on the way in).  Pointers read from the struct are borrowed and valid
 * until gk_report_free().  Fields are public for reading; change them only
 * through these functions.  A finding's help, path, sql, context and about,
 * and a migration's path and runner_why, are the report's one copy of that
 * text, shared by every finding and migration with the same (a file's
 * findings have one path, a repository's migrations one runner): nothing
 * changes them once added, and they are freed with the report, at once.
 *
 * Programming errors are assert()ed, not returned: a NULL report, finding
 * or string where one is required, a migration or check index out of
 * range.  Running out of memory is GK_ENOMEM.
 */
#ifndef GATEKEEPER_REPORT_H
#define GATEKEEPER_REPORT_H

#include "common.h"

enum gk_exit {
	GK_EXIT_PASS = 0,      /* nothing at or above the fail level */
	GK_EXIT_FAIL = 1,      /* the gate failed: a blocking finding */
	GK_EXIT_USAGE = 2,     /* usage or configuration error */
	GK_EXIT_INFRA = 3,     /* database unreachable, timeout */
	GK_EXIT_INTERNAL = 4,  /* a bug in gatekeeper */
};

/* What a run-level error was about; decides the exit code. */
enum gk_error_kind {
	GK_ERRKIND_CONFIG = 0, /* exit 2 */
	GK_ERRKIND_IO,         /* exit 2: an input that could not be read at all */
	GK_ERRKIND_DB_CONNECT, /* exit 3 */
	GK_ERRKIND_TIMEOUT,    /* exit 3 */
	GK_ERRKIND_INTERRUPTED, /* exit 3: SIGINT or SIGTERM */
	GK_ERRKIND_INTERNAL,   /* exit 4 */
};

/*
 * What a lint rule predicted a statement does to a relation, and what the
 * replay's lock trace saw it do (see src/replay/evidence.c).  A rule
 * predicts one of three things (gk_rule_prediction() maps rules to them,
 * the facts come from the lock table, src/lint/locks.c):
 */
enum gk_prediction {
	GK_PREDICT_NONE = 0,
	GK_PREDICT_LOCK,        /* a lock of this mode on this relation */
	GK_PREDICT_REWRITE,     /* that lock, and the relation's storage copied */
	GK_PREDICT_LOCK_WAIT,   /* that lock requested with lock_timeout = 0 */
};

/* How the trace judged a prediction. */
enum gk_evidence_verdict {
	GK_EVIDENCE_NONE = 0,       /* the statement was not traced */
	GK_EVIDENCE_CONFIRMED,      /* the trace saw what was predicted */
	GK_EVIDENCE_CORRECTED,      /* it saw a stronger or another lock: the finding stands, corrected */
	GK_EVIDENCE_REFUTED,        /* it saw less (weaker lock, no rewrite, a timeout): downgraded to info */
	GK_EVIDENCE_TRACE_ONLY,     /* seen by the trace, predicted by no rule */
};

typedef struct gk_lock_fact {
	const char *lock;             /* static: "ACCESS EXCLUSIVE", ...; NULL: no lock */
	char *relation;               /* owned; NULL when none */
	bool rewrite;
	double held_ms;               /* observed only */
	long lock_timeout_ms;         /* observed only: in effect when requested (0 = none) */
	bool scan;                    /* predicted only: the table is read while the lock is held */
} gk_lock_fact;

/* How long a statement is predicted to hold its lock in production
 * (`check` given production sizes; see src/estimate/): calibrated on the
 * shadow at a few sizes of synthetic rows and extrapolated.  method NULL:
 * not estimated. */
#define GK_ESTIMATE_SIZES 4
typedef struct gk_lock_estimate {
	double low_ms, high_ms;       /* the predicted range */
	char *method;                 /* one line: sizes, fit, production size (owned) */
	char *text;                   /* one line for people: range, lock, relation, method (owned) */
	const char *lock;             /* static: "ACCESS EXCLUSIVE", ... */
	char *relation;               /* schema.name (owned) */
	double production_rows;       /* what it was extrapolated to */
	struct {
		long rows;
		double ms;            /* measured on the shadow */
	} sizes[GK_ESTIMATE_SIZES];
	size_t n_sizes;
} gk_lock_estimate;

typedef struct gk_evidence {
	enum gk_prediction kind;      /* NONE: the finding predicts nothing */
	gk_lock_fact predicted;       /* kind != NONE */
	enum gk_evidence_verdict verdict;
	gk_lock_fact observed;        /* verdict != NONE; lock NULL when the trace saw none on the relation */
} gk_evidence;

/*
 * What a finding's statement means on the production table it locks
 * (`check --stats FILE`, `gate`): taken from a statistics snapshot or the
 * live target, for findings that predict a lock, a rewrite, a scan or an
 * index build on an existing table.  All zero (summary NULL) otherwise.
 */
typedef struct gk_production {
	char *summary;                /* "rewrites public.orders (41M rows, 18 GB, ~2,300 writes/s) under
				       * ACCESS EXCLUSIVE"; NULL: not known */
	char *relation;               /* schema.name of the table */
	char *source;                 /* "stats file" or "target" */
	long long rows;               /* estimated rows; -1 not known */
	long long total_bytes;        /* heap, indexes and TOAST */
	double writes_per_second;     /* < 0: not known */
	/* size_thresholds changed the severity: what and why, with the size
	 * and the threshold ("public.orders is 18 GB, over the rewrite
	 * threshold of 1 GB: warning raised to error"); NULL otherwise. */
	char *size_rule;
} gk_production;

/*
 * The counts behind a data-precondition finding of the gate
 * (precondition-failed, data-loss-estimate; see src/target/preconditions.c):
 * counts only, never values.  Plain values, so a finding copies it as it
 * is.  kind NULL: the finding is not one.  A check that did not run (a
 * timeout, a role without SELECT) is a note of the report, not a finding.
 */
typedef struct gk_precondition {
	const char *kind;             /* static: "nulls", "rows", "unique", "check", "foreign_key", "fit",
				       * "enum", "loss_rows", "loss_column" */
	long long rows;               /* the rows violating it (unique: in the duplicate groups; loss: the
				       * rows destroyed) */
	long long groups;             /* unique: the duplicate groups; -1 otherwise */
	long long values;             /* loss_column: the non-null values destroyed; -1 otherwise */
	bool sampled;                 /* counted on a sample (--data-checks sample): at least this many */
	bool estimated;               /* loss: taken from the statistics, not counted */
} gk_precondition;

typedef struct gk_finding {
	const char *rule_id;          /* static string from the rule registry */
	enum gk_category category;
	enum gk_severity severity;    /* after configuration overrides */
	bool blocking;                /* severity >= fail level; set by gk_report_finish */
	char *message;                /* one line */
	char *help;                   /* may be NULL */
	char *path;                   /* as given on the command line; may be NULL */
	int line, column;             /* 1-based; 0 when the finding has no position */
	int end_line, end_column;     /* 1-based, end_column is the last character */
	int statement_index;          /* 1-based; 0 when about the whole file */
	char *sql;                    /* the statement's text; may be NULL */
	char *context;                /* the source line `line`, for display; may be NULL */
	/* A finding about a database object rather than a place in a file
	 * (drift): its kind ("column"), identity ("public.users.email"), the
	 * attribute that differs and both values; NULL when not about one. */
	char *object_kind, *object, *attribute, *expected, *actual;
	gk_evidence evidence;
	gk_production production;     /* set by gk_finding_set_production() */
	/* The database object the finding names when its rule may report
	 * several at one place of one statement ("email" of each dropped
	 * column, "public.users" of each dropped table); NULL = none.  Orders
	 * those findings' occurrences in the fingerprint, so each keeps its
	 * own whatever order they are reported in (the message cannot: it
	 * holds sizes and line numbers that change between runs). */
	char *about;
	/* A directive suppressed it: gk_report_add_finding keeps it out of
	 * the findings, among `suppressed`, so that what the replay saw of
	 * the same risk is suppressed with it. */
	bool suppressed;
	/* The replay's verdict on its whole migration (it failed, could not
	 * run here, or ran past its time limit), set by the replay: JUnit
	 * reports it as the outcome of the migration's `replay` case. */
	bool replay_outcome;
	/* The index in r->migrations of the (first) migration with this path,
	 * -1 for none (drift, a run error's file); set by gk_report_finish. */
	long migration;
	/* Set by gk_report_finish: 64 hex digits of SHA-256 over the rule,
	 * the path, what the finding is about (the statement's text with its
	 * white space folded, or the database object) and its occurrence among
	 * findings with the same three (by `about`, then by place); no line,
	 * column or statement number, so a finding keeps it when the file
	 * changes elsewhere, and no two findings of a report share one (SARIF,
	 * GitLab Code Quality). */
	char fingerprint[65];
	gk_lock_estimate estimate;    /* method NULL: none */
	/* Set when the finding is added: the digest of what it is about (the
	 * fingerprint before its occurrence), so that the thread that adds
	 * findings pays for it as they come, not gk_report_finish at once. */
	unsigned char subject[32];
	gk_precondition precondition; /* kind NULL: none */
} gk_finding;

enum gk_migration_status {
	GK_MIGRATION_PASS = 0,  /* no blocking finding */
	GK_MIGRATION_FAIL,      /* at least one blocking finding */
};

/* Where a migration stands between the base and the head of a change (`check`). */
enum gk_history_status {
	GK_HISTORY_NONE = 0,    /* not known: `lint` does not read history */
	GK_HISTORY_UNCHANGED,
	GK_HISTORY_ADDED,
	GK_HISTORY_MODIFIED,
	GK_HISTORY_RENAMED,
	GK_HISTORY_DELETED,
};

/* The commit that last added or changed a migration, for the reports. */
typedef struct gk_commit_ref {
	char sha[41];           /* "" when unknown (e.g. an uncommitted file) */
	char *author;           /* owned by the report */
	char *email;
	long long time;         /* seconds since the epoch */
	int tz_offset_min;
	char *subject;
} gk_commit_ref;

/* A lock the replay saw a migration's statement take on a relation that
 * existed before the migration (`check` with replay). */
typedef struct gk_observed_lock {
	int statement_index;          /* 1-based */
	int line;                     /* 1-based line of that statement in the file */
	char *relation;               /* schema.name (owned by the report) */
	char *mode;                   /* as pg_locks names it: "AccessExclusiveLock" */
	double duration_ms;           /* from the statement's start to the end of its transaction */
	bool rewrite;                 /* the relation's storage was rewritten */
	long lock_timeout_ms;         /* lock_timeout in effect (0 = wait forever) */
} gk_observed_lock;

/*
 * Where a migration that did not apply stopped, when it was sent statement
 * by statement (a SPLIT runner, or the lock trace): the state production is
 * left in.  All zero when unknown (the file went as one query) or when it
 * applied.
 */
typedef struct gk_replay_stop {
	int failed_statement;         /* 1-based; 0 = not known */
	int n_statements;             /* the file's statements; 0 = not split */
	int committed_statements;     /* the first ones committed before the failure */
	bool aborted_session;         /* failed inside the file's own BEGIN (25P02 next) */
	char splitter[24];            /* "every-semicolon", "multistmt": the counts are that naive
				       * splitter's pieces; "" = statements */
	char **created, **changed;    /* what stayed committed, pg_describe_object() words */
	size_t n_created, n_changed;
} gk_replay_stop;

/* The replay of one migration on the shadow database. */
typedef struct gk_migration_replay {
	enum gk_replay_status status; /* GK_REPLAY_NONE: not replayed */
	double duration_ms;
	char sqlstate[6];             /* "" when none */
	char *error;                  /* the server's message, or why it did not run; may be NULL */
	bool traced;                  /* run statement by statement with the lock trace */
	gk_observed_lock *locks;
	size_t n_locks;
	gk_replay_stop stop;          /* where it stopped, when it did not apply */
} gk_migration_replay;

/* Where a migration stands on a live database (`status`). */
enum gk_applied_status {
	GK_APPLIED_NONE = 0,     /* not known: the command reads no database */
	GK_APPLIED_APPLIED,      /* recorded as applied; the file still matches */
	GK_APPLIED_PENDING,      /* in the folder, not applied yet */
	GK_APPLIED_FAILED,       /* started and did not finish (Prisma), success = false
				  * (Flyway), dirty (golang-migrate) */
	GK_APPLIED_ROLLED_BACK,  /* Prisma: marked rolled back; the next deploy applies it again */
	GK_APPLIED_EDITED,       /* applied, and the file changed since */
	GK_APPLIED_MISSING,      /* applied, and not in the folder */
	GK_APPLIED_DIVERGED,     /* not applied, but sorts before an applied migration */
	GK_APPLIED_RUNNING,      /* being applied by a deploy in progress */
};

/* A migration's state on the live database (`status`). */
typedef struct gk_migration_applied {
	enum gk_applied_status status; /* GK_APPLIED_NONE: not read */
	char *at;                     /* applied (failed: started) at, ISO 8601; may be NULL */
	char *logs;                   /* failed: what the tool logged; may be NULL */
	char *note;                   /* one line: why this status; may be NULL */
} gk_migration_applied;

typedef struct gk_migration {
	char *path;
	int statements;               /* statements analysed: parsed (or understood from their words) */
	int statements_total;         /* statements in the file, analysed or not (a refused one counts once) */
	enum gk_runner runner;        /* resolved runner model (never AUTO) */
	/* Why `runner` (gk_runner_choose): the tool ("prisma"), its version
	 * ("7.10.1"), where the model came from ("pnpm-lock.yaml") and one line
	 * for a human; each may be NULL (not known). */
	struct {
		char *tool, *version, *source, *reason;
	} runner_why;
	enum gk_migration_status status;
	size_t findings, blocking;    /* counts; set by gk_report_finish */
	/* Its findings are r->findings[first_finding .. first_finding +
	 * findings) (sorted by path, they are contiguous); set by
	 * gk_report_finish, meaningful when findings > 0. */
	size_t first_finding;
	/* Worth a reader's look: a finding, a lock the replay saw, a replay
	 * that did not apply, a change in the history, a state on the
	 * database other than applied (set by gk_report_finish; the Markdown
	 * reports list these and count the others). */
	bool notable;
	bool linted;                  /* false for a deleted migration, or one only listed */
	enum gk_history_status history;
	char *old_path;               /* renamed: the path at the base */
	gk_commit_ref commit;
	gk_migration_replay replay;
	gk_migration_applied applied;
	/* Set by gk_report_finish: recorded as applied on the target with the
	 * file unchanged, not linted or replayed, and no finding; reports that
	 * list migrations summarise these instead (391 of them on a large
	 * history). */
	bool settled;
} gk_migration;

/* One check of a run that composes several (`gate`): the categories of
 * findings it owns, whether it ran, and how many of its findings block. */
typedef struct gk_report_check {
	char *name;                   /* "status", "drift", "lint", "replay", "pre-flight" */
	unsigned categories;          /* bit (1u << category) per category it owns */
	char *not_run;                /* why it did not run; NULL when it ran */
	size_t findings, blocking;    /* set by gk_report_finish */
} gk_report_check;

/* Objects of one kind on the target that a drift comparison covered. */
typedef struct gk_report_kind_count {
	char *kind;                   /* "table", "column", ... */
	size_t compared;              /* compared with the expected side */
	size_t ignored;               /* left out by --ignore */
} gk_report_kind_count;

typedef struct gk_run_error {
	enum gk_error_kind kind;
	char *message;
	char *path;                   /* may be NULL */
} gk_run_error;

typedef struct gk_report {
	char *command;                /* "lint", ... */
	enum gk_severity fail_level;  /* GK_SEV_OFF = never fail */
	int pg_version;

	gk_migration *migrations;
	size_t n_migrations;
	gk_finding *findings;
	size_t n_findings;
	gk_finding *suppressed;       /* suppressed findings that predicted something, and
				       * suppressions of replay rules (never rendered) */
	size_t n_suppressed;
	gk_run_error *errors;
	size_t n_errors;
	char **notes;                 /* what the reader should know besides findings */
	size_t n_notes;
	gk_report_check *checks;      /* a composed run's checks, in order; none otherwise */
	size_t n_checks;

	/* Git context of a `check` run; NULL otherwise. */
	char *base_ref, *merge_base, *head;

	/* The shadow database of a run with replay; shadow NULL otherwise. */
	struct {
		char *shadow;             /* "embedded" or "external" */
		int server_version;       /* server_version_num, e.g. 150020 */
		size_t migrations;        /* migrations in the replayed histories */
		size_t reused;            /* of them, taken from the template cache */
		double duration_ms;       /* shadow start, replay and trace */
	} replay;

	/* The live database of a `status` run; target.database NULL otherwise. */
	struct {
		char *database;           /* "database app on host db port 5432", never a password */
		char *history_table;      /* schema.name of the tool's history table */
		bool history_exists;      /* false: no history table, nothing applied */
		char *tool;               /* the layout: "prisma", "flyway", ... */
		int server_version;       /* server_version_num */
		bool deploy_in_progress;  /* a deploy held the migration lock: the history is changing */
	} target;

	/* What a drift comparison (`drift`, the drift check of `gate`)
	 * covered, so that a pass says what it vouches for; target NULL when
	 * no comparison ran. */
	struct {
		char *target;             /* the target's URL with its password masked */
		char *expected;           /* NULL: the applied migrations replayed; else the snapshot file */
		size_t applied;           /* applied migrations replayed (0 with a snapshot) */
		gk_report_kind_count *kinds;
		size_t n_kinds;
		size_t compared, ignored; /* the sums over kinds */
		char **schemas;           /* the schemas compared; none: every user schema */
		size_t n_schemas;
		char *schemas_from;       /* "--schema" or "the URL's ?schema="; NULL with no schemas */
		char **ignore;            /* the --ignore globs */
		size_t n_ignore;
	} drift;

	/* The run's interruption (SIGINT, SIGTERM, its time limit) is among
	 * the errors: added once, by whoever ends the run. */
	bool interrupted;

	/* Set by gk_report_finish(); calling it again after adding an error
	 * decides everything anew. */
	bool finished;
	const char *verdict;          /* "pass", "fail" or "error" */
	enum gk_exit exit_code;
	/* How the lock trace judged the static predictions (counted from the
	 * findings' evidence; refuted ones count as corrected); shown when a
	 * migration was traced. */
	struct {
		bool traced;
		size_t confirmed, corrected, trace_only;
	} evidence;
	size_t n_blocking;
	size_t by_severity[GK_SEV_COUNT];
	/* Coverage, summed over the linted migrations by gk_report_finish:
	 * "statements_analysed of statements_total statements analysed". */
	size_t statements_total, statements_analysed;
	size_t n_linted;              /* migrations linted (0: no coverage to state) */
	size_t n_notable;             /* migrations marked notable */
	size_t n_unattached;          /* findings of no migration (drift, a run error's file) */
	size_t n_settled;             /* migrations `settled` (see gk_migration) */
	double duration_s;
} gk_report;

/** Create an empty report. Returns NULL on out-of-memory. Free with gk_report_free(). */
gk_report *gk_report_new(const char *command);
/** Free the report and everything in it. NULL is a no-op. */
void gk_report_free(gk_report *r);

/** Add a linted migration; strings are copied. Returns its index or a negative GK_E*. */
int gk_report_add_migration(gk_report *r, const char *path, int statements, enum gk_runner runner);

/** The index of the migration entry for `path`, or -1. */
int gk_report_find_migration(const gk_report *r, const char *path);

/** Set why migration `idx` has its runner model (each string copied; NULL = not known).
 * 0 or GK_ENOMEM. */
int gk_report_set_runner_why(gk_report *r, size_t idx, const char *tool, const char *version, const char *source,
			     const char *reason);

/** Set how many statements migration `idx` has, analysed or not (its `statements` are the analysed ones). */
void gk_report_set_statements_total(gk_report *r, size_t idx, int total);

/** Mark migration `idx` as linted, with its statement count and runner. */
void gk_report_set_linted(gk_report *r, size_t idx, int statements, enum gk_runner runner);

/** Mark migration `idx` as only listed, not linted (a deleted migration,
 * one a `status` run reads from the database). */
void gk_report_set_unlinted(gk_report *r, size_t idx);

/**
 * Record where migration `idx` stands in the change; strings are copied.
 * `commit` may be NULL.  Returns 0 or GK_ENOMEM.
 */
int gk_report_set_history(gk_report *r, size_t idx, enum gk_history_status status, const char *old_path,
			  const gk_commit_ref *commit);

/**
 * Record how migration `idx` replayed; `error` is copied (may be NULL).
 * Returns 0 or GK_ENOMEM.
 */
int gk_report_set_replay(gk_report *r, size_t idx, enum gk_replay_status status, double duration_ms,
			 const char *sqlstate, const char *error, bool traced);

/** Record where migration `idx` stopped (`stop` and its strings copied). 0 or GK_ENOMEM. */
int gk_report_set_replay_stop(gk_report *r, size_t idx, const gk_replay_stop *stop);

/** Add an observed lock to migration `idx` (strings copied). Returns 0 or GK_ENOMEM. */
int gk_report_add_lock(gk_report *r, size_t idx, const gk_observed_lock *l);

/** Record which shadow the run replayed on (`shadow` copied). Returns 0 or GK_ENOMEM. */
int gk_report_set_shadow(gk_report *r, const char *shadow, int server_version);
/** Add one folder's replay to the run's totals. */
void gk_report_add_replay_totals(gk_report *r, size_t migrations, size_t reused, double duration_ms);

/**
 * Record migration `idx`'s state on the live database; strings are copied
 * (each may be NULL).  Returns 0 or GK_ENOMEM.
 */
int gk_report_set_applied(gk_report *r, size_t idx, enum gk_applied_status status, const char *at,
			  const char *logs, const char *note);

/** Add a note for the reader (copied), e.g. what a drift check did not
 * compare.  Returns 0 or GK_ENOMEM. */
int gk_report_add_note(gk_report *r, const char *note);

/** Declare a check of a composed run (name copied).  Returns its index or GK_ENOMEM. */
int gk_report_add_check(gk_report *r, const char *name, unsigned categories);

/** Record that check `idx` did not run and why (copied; the first reason
 * stays).  Returns 0 or GK_ENOMEM. */
int gk_report_skip_check(gk_report *r, size_t idx, const char *why);

/** Record the live database of the run (strings copied). Returns 0 or GK_ENOMEM. */
int gk_report_set_target(gk_report *r, const char *database, const char *history_table, bool history_exists,
			 const char *tool, int server_version);

/** Record that a deploy holds the target's migration lock. */
void gk_report_set_deploy_in_progress(gk_report *r);

/** Set the PostgreSQL major version the run linted for (e.g. 16), when it
 * was learnt from a server rather than given. */
void gk_report_set_pg_version(gk_report *r, int major);

/** Record that the run was interrupted (SIGINT, SIGTERM, its time limit);
 * whoever ends the run adds the error that says so, once. */
void gk_report_set_interrupted(gk_report *r);

/**
 * Record what a drift comparison covered (strings copied; see the drift
 * fields of gk_report): `target` is already redacted, `expected` NULL for
 * a replay.  Replaces an earlier scope.  Returns 0 or GK_ENOMEM.
 */
int gk_report_set_drift_scope(gk_report *r, const char *target, const char *expected, size_t applied,
			      const char *const *schemas, size_t n_schemas, const char *schemas_from,
			      const char *const *ignore, size_t n_ignore);

/** Add a kind's counts to the drift scope (kind copied), and to its sums.
 * Returns 0 or GK_ENOMEM. */
int gk_report_add_drift_kind(gk_report *r, const char *kind, size_t compared, size_t ignored);

/** "applied", "pending", "failed", "rolled_back", "edited", "missing", "diverged",
 * "running"; NULL for GK_APPLIED_NONE. */
const char *gk_applied_status_name(enum gk_applied_status s);

/** Record the git context of the run (copied). Returns 0 or GK_ENOMEM. */
int gk_report_set_git(gk_report *r, const char *base_ref, const char *merge_base, const char *head);

/** "unchanged", "added", ...; NULL for GK_HISTORY_NONE. */
const char *gk_history_status_name(enum gk_history_status s);

/**
 * Add a finding; every string in `f` is copied, `f` stays the caller's.
 * `blocking` is ignored (decided by gk_report_finish).  A finding marked
 * `suppressed` goes among r->suppressed.  Returns 0 or GK_ENOMEM.
 */
int gk_report_add_finding(gk_report *r, const gk_finding *f);

/**
 * Add a finding by moving it: every string of `*f` (each allocated with
 * malloc) becomes the report's, and `*f` is zeroed.  What the lint makes
 * by the thousand is handed over without a copy of each string, but for
 * the shared texts (see Ownership above): the report keeps its one copy
 * of each and frees the finding's.  On GK_ENOMEM nothing is taken: `*f`
 * is still the caller's to free.
 */
int gk_report_take_finding(gk_report *r, gk_finding *f);

/**
 * Take findings f[0..n) as gk_report_take_finding() does, those not
 * suppressed in the order gk_report_finish() gives them (sorted here, by
 * the thread that adds them, so that gk_report_finish() finds a report
 * added this way, batch after batch in order, sorted already: what the
 * lint does with each file's findings).  On GK_ENOMEM the findings not
 * taken (not zeroed) are still the caller's.
 */
int gk_report_take_findings(gk_report *r, gk_finding *f, size_t n);

/**
 * Make room for `n` more findings at once, so that adding them does not
 * move the findings as their array grows (each move of megabytes of
 * findings costs a page fault per page at the next touch, on the thread
 * that renders).  A hint: the array still grows past it.  Room left
 * unused is address space, not memory, as long as nothing touches it.
 * 0 or GK_ENOMEM.
 */
int gk_report_reserve_findings(gk_report *r, size_t n);

/** Record that a lock trace judged the lint's predictions: the summary
 * then states its counts. */
void gk_report_set_evidence_traced(gk_report *r);

/** "confirmed", "corrected", "refuted", "trace-only"; NULL for GK_EVIDENCE_NONE. */
const char *gk_evidence_verdict_name(enum gk_evidence_verdict v);

/**
 * Set finding `f`'s evidence (its relation strings copied; the old ones
 * freed).  Returns 0 or GK_ENOMEM.
 */
int gk_finding_set_evidence(gk_finding *f, const gk_evidence *e);

/** Replace finding `f`'s message (copied; the old one freed).  0 or GK_ENOMEM. */
int gk_finding_set_message(gk_finding *f, const char *message);

/** Change finding `f`'s severity (e.g. downgraded by the lock trace's
 * evidence); blocking is decided again by gk_report_finish. */
void gk_finding_set_severity(gk_finding *f, enum gk_severity severity);

/**
 * Set finding `f`'s lock-window estimate (its strings copied; the old ones
 * freed).  Returns 0 or GK_ENOMEM.
 */
int gk_finding_set_estimate(gk_finding *f, const gk_lock_estimate *e);

/** Set the estimate of r->findings[idx] (see gk_finding_set_estimate()). */
int gk_report_set_estimate(gk_report *r, size_t idx, const gk_lock_estimate *e);

/**
 * Set finding `f`'s production context (its strings copied; the old ones
 * freed).  Returns 0 or GK_ENOMEM.
 */
int gk_finding_set_production(gk_finding *f, const gk_production *p);

/**
 * Change finding `f`'s severity because of its table's size
 * (size_thresholds): `why` names the size and the threshold; it becomes
 * production.size_rule and is appended to the message, so that no
 * severity changes silently.  Call before gk_report_finish().  Returns 0
 * or GK_ENOMEM.
 */
int gk_finding_set_size_severity(gk_finding *f, enum gk_severity severity, const char *why);

/** Add a run-level error (message copied; must hold no secret). Returns 0 or GK_ENOMEM. */
int gk_report_add_error(gk_report *r, enum gk_error_kind kind, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/**
 * Decide blocking, counts (also per check), verdict and exit code; sort findings by path,
 * line, column and rule so every renderer sees one deterministic order; give
 * each finding its fingerprint and mark the settled migrations.
 * Call once, after the last add.
 */
void gk_report_finish(gk_report *r, enum gk_severity fail_level, double duration_s);

/** "error" etc. for kind. */
const char *gk_error_kind_name(enum gk_error_kind k);

#endif
