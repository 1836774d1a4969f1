/*
 * lint/lint.h - the lint module's plumbing for the modules above it (the
 * check's replay, the expected-schema plan): how one input reaches the
 * server, decided as the lint decides it.  Not public.
 */
#ifndef GK_LINT_LINT_H
#define GK_LINT_LINT_H

#include "gatekeeper/lint.h"
#include "layout/runner.h"

/**
 * How input `in`, whose text is `len` bytes of `text`, reaches the server:
 * gk_runner_choose() with the input's settings, under what the options
 * state (prisma_version, flyway_mixed, golang_multi_statement override the
 * repository's files; a runner other than auto forces the model).
 * `parsed` is the text's parse when there is one (it spares most of the
 * scan, see gk_runner_scan_parsed), else NULL.
 */
void gk_lint_runner(gk_runner_choice *out, const gk_lint_options *o, const gk_lint_input *in, const char *text,
		    size_t len, const struct gk_sql *parsed);

#endif
