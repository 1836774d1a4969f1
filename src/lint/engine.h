/*
 * engine.h - the two stages of linting, shared by engine.c (one file) and
 * run.c (many files).  Internal.
 *
 * Stage 1, gk__parse_file(), runs on any worker thread: it reads the file,
 * checks that it is text, parses it and finds directives.  Stage 2,
 * gk__lint_parsed(), runs in input order on one thread, because the schema
 * model is shared: each migration sees what the earlier ones created.
 */
#ifndef GK_ENGINE_H
#define GK_ENGINE_H

#include "lint_internal.h"

typedef struct gk_file_result {
	gk_finding *findings;    /* owned strings */
	size_t n, cap;
	int statements;          /* analysed: parsed, or explained by their words */
	int statements_total;    /* parsed or not */
	enum gk_runner runner;
	gk_runner_choice choice;  /* how and why `runner` */
	bool oom;
} gk_file_result;

enum gk_input_problem {
	GK_INPUT_OK = 0,
	GK_INPUT_NUL,            /* at bad_offset */
	GK_INPUT_UTF8,           /* at bad_offset */
	GK_INPUT_TOO_BIG,
	GK_INPUT_IS_DIR,
	GK_INPUT_UNREADABLE,     /* read_errno says why */
	GK_INPUT_REFUSED,        /* in->refused says why; not read */
	GK_INPUT_REPLACED,       /* not the file the walk judged any more; not read */
};

typedef struct gk_parsed_file {
	const gk_lint_input *in; /* borrowed */
	char *text;              /* owned, NUL-terminated at the migration's end */
	size_t len;
	enum gk_input_problem problem;
	size_t bad_offset;
	int read_errno;
	bool have_source;        /* src is valid (the text was read) */
	bool parsed;             /* sql and dirs are valid */
	gk_source src;
	gk_sql sql;
	gk_directives dirs;
	bool oom;
	/* The input's tool and no-transaction flag, or what reading it found
	 * (in->find_dbmate: a dbmate file). */
	enum gk_layout_kind tool;
	bool no_transaction;
	/* How the file's runner sends it: it depends on the text alone and
	 * costs a scan of it, so it is chosen here, on the parsing thread,
	 * rather than on the one thread that runs the rules in order. */
	gk_runner_choice choice;
} gk_parsed_file;

/** Stage 1: fill `pf` (whose `in` is set) from its input, and choose its
 * runner (pf->choice), whether or not the file could be read. */
void gk__parse_file(gk_parsed_file *pf, const gk_lint_options *o);
/** Stage 1's choice of runner (pf->choice), from what loading found. */
void gk__choose_runner(gk_parsed_file *pf, const gk_lint_options *o);
/** Free what stage 1 made; `pf->in` stays. */
void gk__parsed_file_clear(gk_parsed_file *pf);
/** Stage 2: run the rules of `rules` with the shared model `st`, findings into `out`. */
void gk__lint_parsed(gk_parsed_file *pf, const gk_lint_options *o, const gk_rule_table *rules, gk_state *st,
		     gk_file_result *out);

#endif
