/*
 * gitlab.c - the GitLab Code Quality renderer (artifacts:reports:
 * codequality), following report-conventions §4 and GitLab's "Code Quality
 * report format":
 *
 *   - one JSON array, no byte-order mark; one issue per finding in a file:
 *     description (the message, then "production: ..." and "estimate:
 *     ..." lines for what the finding says about production, because
 *     GitLab shows nothing else of it), check_name (the rule), fingerprint,
 *     severity and location.path with location.lines.begin, 1-based
 *     (squawk writes 0-based lines; GitLab counts from 1);
 *   - the fingerprint is the report model's (see gk_finding): unique per
 *     finding, stable across runs and free of line numbers, because GitLab
 *     collapses issues with equal fingerprints and compares the base
 *     branch's report with the merge request's by fingerprint;
 *   - severity: error is "critical" for a lock or data-loss hazard (the
 *     locking and destructive categories), else "major"; warning "minor";
 *     info "info";
 *   - a finding about no file (a drift of a database object, a run-level
 *     finding) has no place in a code quality report: GitLab needs a path
 *     in the repository.  Those are in the JSON and JUnit reports.
 *
 * It streams: each issue is written as it is reached.
 */
#include "gatekeeper/render.h"
#include "context.h"
#include "jstream.h"

#include <stdlib.h>
#include <string.h>

static const char *severity_of(const gk_finding *f)
{
	switch (f->severity) {
	case GK_SEV_ERROR:
		return f->category == GK_CAT_LOCKING || f->category == GK_CAT_DESTRUCTIVE ? "critical" : "major";
	case GK_SEV_WARNING: return "minor";
	default: return "info";
	}
}

/* GitLab wants the path relative to the repository, without a leading "./". */
static const char *repo_path(const char *p)
{
	while (p[0] == '.' && p[1] == '/' && p[2])
		p += 2;
	return p;
}

static void issue(gk_jstream *j, const gk_finding *f)
{
	gk_js_newline(j);
	gk_js_object(j);
	gk_js_kstring(j, "type", "issue");
	gk_js_kstring(j, "check_name", f->rule_id);
	char *text = gk_render_message_with_context(f); /* production and estimate: GitLab shows only this */
	gk_js_kstring(j, "description", text ? text : f->message && *f->message ? f->message : f->rule_id);
	free(text);
	gk_js_kstring(j, "fingerprint", f->fingerprint[0] ? f->fingerprint : "none");
	gk_js_kstring(j, "severity", severity_of(f));
	gk_js_key(j, "location");
	gk_js_object(j);
	gk_js_kstring(j, "path", repo_path(f->path));
	gk_js_key(j, "lines");
	gk_js_object(j);
	gk_js_kint(j, "begin", f->line > 0 ? f->line : 1);
	if (f->line > 0 && f->end_line >= f->line)
		gk_js_kint(j, "end", f->end_line);
	gk_js_end(j, '}');
	gk_js_end(j, '}');
	gk_js_end(j, '}');
}

/* Finding i, unless it is about no file (GitLab places every issue in one). */
static void each_issue(gk_jstream *j, const void *report, size_t i)
{
	const gk_finding *f = &((const gk_report *)report)->findings[i];
	if (f->path && f->path[0])
		issue(j, f);
}

int gk_render_gitlab(const gk_report *r, FILE *out, const gk_render_options *o, gk_error *err)
{
	(void)o; /* compact, one element a line: `pretty` is the JSON report's */
	gk_jstream *j = malloc(sizeof *j);
	if (!j)
		return gk_error_set(err, GK_ENOMEM, "out of memory writing the GitLab Code Quality report");
	gk_js_init(j, out, false);
	gk_js_array(j);
	gk_js_elements(j, r->n_findings, each_issue, r);
	gk_js_newline(j);
	gk_js_end(j, ']');
	int rc = gk_js_finish(j);
	free(j);
	if (rc < 0 || fflush(out) != 0)
		return gk_error_set(err, GK_EIO, "cannot write the GitLab Code Quality report");
	return 0;
}
