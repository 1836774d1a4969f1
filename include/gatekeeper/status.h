/*
 * gatekeeper/status.h - the migration history of a live database against
 * the folder: applied, pending, failed, edited, missing (`gatekeeper
 * status`), like `prisma migrate status` for every supported tool.
 *
 * The target is read through a read-only session and never written to;
 * its password never appears in a message or the report.
 */
#ifndef GATEKEEPER_STATUS_H
#define GATEKEEPER_STATUS_H

#include <stdbool.h>
#include <stddef.h>

#include "common.h"
#include "types.h"
#include "lint.h"
#include "report.h"

typedef struct gk_status_options {
	gk_lint_options lint;           /* severities of the status rules */
	const char *target_url;         /* the live database (required) */
	/* The migration folders, one history (Flyway's locations). */
	const char *const *dirs;
	size_t n_dirs;
	enum gk_layout_kind layout;     /* GK_LAYOUT_AUTO: detected from the folders */
	const char *history_table;      /* [schema.]name; NULL = the tool's default */
	/* The report's PostgreSQL version was chosen by the caller (an option
	 * or the configuration); false: the target's major version is used. */
	bool pg_version_set;
} gk_status_options;

/*
 * Read the target's history table, compare it with the folders and add a
 * finding per migration that failed, was edited after it was applied or
 * is missing from the folders, with the status of each on `r`.  The
 * report is not finished (the caller calls gk_report_finish()).
 *
 * Returns 0; GK_ECONFIG when the URL, the folders or the role's
 * privileges are wrong (nothing added to `r`: a setup error for the
 * caller); any other failure (the server unreachable, a timeout, an
 * unreadable folder) is added to `r` as a run error of its kind and its
 * code is returned with the message in `err`, so the caller can show it
 * and still write the report.  The borrowed pointers of `o` are only read
 * during the call.
 */
int gk_status_run(gk_report *r, const gk_status_options *o, gk_error *err);

#endif
