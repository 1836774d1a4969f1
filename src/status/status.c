/*
 * status.c - the `status` job: the target's history table against the
 * migration folders (src/target reads and compares; this file composes
 * that into a report, see gatekeeper/status.h).
 */
#include "gatekeeper/status.h"
#include "target/target.h"

#include <string.h>

/* A failure of the run as a report error: a timeout (statement_timeout,
 * lock_timeout) or anything else of the server's is exit 3, an unreadable
 * folder exit 2. */
static void db_failed(gk_report *r, const gk_target *t, const gk_error *e)
{
	const char *state = t ? gk_target_last_sqlstate(t) : "";
	bool timeout = strcmp(state, "57014") == 0 || strcmp(state, "55P03") == 0;
	enum gk_error_kind kind = timeout ? GK_ERRKIND_TIMEOUT : GK_ERRKIND_DB_CONNECT;
	if (e->code == GK_ENOMEM)
		kind = GK_ERRKIND_INTERNAL;
	else if (e->code == GK_EIO) /* a migration folder that cannot be read: exit 2 */
		kind = GK_ERRKIND_IO;
	gk_report_add_error(r, kind, NULL, "%s", e->msg);
}

int gk_status_run(gk_report *r, const gk_status_options *o, gk_error *err)
{
	gk_target *t = NULL;
	gk_target_state *st = NULL;
	int rc = gk_target_connect(&t, o->target_url, err);
	if (rc == 0)
		rc = gk_target_status(&st, t, o->dirs, o->n_dirs, o->layout, o->history_table, err);
	if (rc == GK_ECONFIG) { /* the URL, the folders or the role's privileges */
		gk_target_close(t);
		return rc;
	}
	if (rc != 0)
		db_failed(r, t, err);
	if (rc == 0 && gk_target_url_note(t) && gk_report_add_note(r, gk_target_url_note(t)) < 0)
		gk_report_add_error(r, GK_ERRKIND_INTERNAL, NULL, "out of memory");
	if (rc == 0 && !o->pg_version_set)
		gk_report_set_pg_version(r, gk_target_server_version(t) / 10000);
	if (rc == 0 && gk_target_status_report(r, &o->lint, st, gk_target_where(t), gk_target_server_version(t)) != 0)
		gk_report_add_error(r, GK_ERRKIND_INTERNAL, NULL, "out of memory");
	gk_target_status_free(st);
	gk_target_close(t);
	return rc;
}
