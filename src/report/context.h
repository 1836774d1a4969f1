/*
 * context.h - what a finding says about production (gk_finding.production,
 * from statistics or the gate's target) and its predicted lock window
 * (gk_finding.estimate), for the renderers that show them beside the
 * message: the JSON report, SARIF and GitLab Code Quality.  The facts are
 * put on the finding before gk_report_finish(); these helpers only read
 * them, so every renderer shows the same facts under the same names.
 */
#ifndef GK_REPORT_CONTEXT_H
#define GK_REPORT_CONTEXT_H

#include "gatekeeper/report.h"
#include "jstream.h"

#include <stdbool.h>

/** Does `f` carry a production context or a lock-window estimate? */
bool gk_render_has_context(const gk_finding *f);

/**
 * The finding's message followed by "\nproduction: SUMMARY" and
 * "\nestimate: TEXT" for what it carries (malloc'd; the caller frees), or
 * NULL when it carries neither or memory ran out: the caller then shows
 * the message alone.
 */
char *gk_render_message_with_context(const gk_finding *f);

/** "production": {...}, "estimate": {...} and "precondition": {...} (the
 * JSON report's objects, schemas/report/v1.json) for what `f` carries, as
 * keys of the object being written. */
void gk_render_context_json(gk_jstream *j, const gk_finding *f);

#endif
