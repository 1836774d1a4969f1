/*
 * text.h - the parts of the text renderer (text.c) that the GitHub
 * renderer (github.c) shows inside its groups, so that both say the same
 * thing the same way.  Both escape untrusted text as gk_render_text does.
 */
#ifndef GK_REPORT_TEXT_H
#define GK_REPORT_TEXT_H

#include "gatekeeper/render.h"

/** One finding: its location line, the source line underlined, the help.
 * 0 or a negative GK_E* with `err` filled. */
int gk_text_finding(FILE *out, const gk_finding *f, const gk_render_options *o, gk_error *err);

/** Everything gk_render_text writes after the findings: run errors, the
 * sections of the command, notes, checks and the summary line. */
int gk_text_tail(const gk_report *r, FILE *out, const gk_render_options *o, gk_error *err);

#endif
