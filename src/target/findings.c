/*
 * findings.c - the status and the pre-flight as report entries and
 * findings (rules of the categories `status` and `gate`, registered in
 * src/rules/status.c and gate.c).
 *
 * Messages name the migration, when the target recorded it and what the
 * tool will do next; the help says how to repair it with the tool's own
 * command, because that is what the person reading a failed deploy needs
 * (the rules' generic help serves `explain`).
 */
#include "target/target_internal.h"
#include "rules/rules.h"
#include "util/util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Logs quoted in a message: the first line, cut. */
#define LOG_EXCERPT 300
#define QUERY_EXCERPT 120

static int vadd(gk_report *r, const gk_lint_options *o, enum gk_rule_id id, const char *path, int line,
		const char *help, const char *sql, const char *fmt, va_list ap)
{
	gk_buf b = GK_BUF_INIT;
	gk_buf_vprintf(&b, fmt, ap);
	char *msg = gk_buf_take(&b);
	if (!msg)
		return GK_ENOMEM;
	gk_finding f = {.message = msg, .help = (char *)help, .path = (char *)path, .sql = (char *)sql, .line = line};
	int rc = gk_rule_add_finding(r, o, id, &f);
	free(msg);
	return rc;
}

static int add(gk_report *r, const gk_lint_options *o, enum gk_rule_id id, const char *path, const char *help,
	       const char *sql, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static int add(gk_report *r, const gk_lint_options *o, enum gk_rule_id id, const char *path, const char *help,
	       const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vadd(r, o, id, path, 0, help, sql, fmt, ap);
	va_end(ap);
	return rc;
}

/* add() at `line` of `path` (0: none). */
static int add_at(gk_report *r, const gk_lint_options *o, enum gk_rule_id id, const char *path, int line,
		  const char *help, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static int add_at(gk_report *r, const gk_lint_options *o, enum gk_rule_id id, const char *path, int line,
		  const char *help, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vadd(r, o, id, path, line, help, NULL, fmt, ap);
	va_end(ap);
	return rc;
}

/* The first line of `s`, at most `max` bytes (whole UTF-8 characters), "..." when cut. */
static void excerpt(char *buf, size_t size, const char *s, size_t max)
{
	size_t n = strcspn(s, "\r\n");
	bool cut = n > max || s[n] != '\0';
	if (n > max)
		n = gk_utf8_whole(s, max);
	if (n > size - 4)
		n = gk_utf8_whole(s, size - 4);
	snprintf(buf, size, "%.*s%s", (int)n, s, cut ? "..." : "");
}

/* The line of a tool's log worth quoting: Prisma's start "Database error
 * code: 23505", blank line, "Database error:", then the server's "ERROR:
 * ..." line, which says what happened. */
static const char *log_line(const char *logs)
{
	const char *e = strncmp(logs, "ERROR:", 6) == 0 ? logs : strstr(logs, "\nERROR:");
	if (e)
		return *e == '\n' ? e + 1 : e;
	while (*logs == '\n' || *logs == '\r' || *logs == ' ')
		logs++;
	return logs;
}

/* "4.2 s", "5 min 12 s", "2 h 5 min". */
static void duration(char *buf, size_t size, double s)
{
	long t = (long)s;
	if (s < 60)
		snprintf(buf, size, "%.1f s", s);
	else if (t < 3600)
		snprintf(buf, size, "%ld min %ld s", t / 60, t % 60);
	else
		snprintf(buf, size, "%ld h %ld min", t / 3600, t % 3600 / 60);
}

/* ---- status ---------------------------------------------------------- */

/*
 * How to resolve a failed migration with the tool's own command (malloc'ed;
 * NULL = the rule's help).  The name comes from the target's history
 * table, so it is quoted for a POSIX shell before it goes into a command
 * someone will paste; a name with control characters gets no command at
 * all, since a terminal would not show what is pasted.
 */
static char *failed_help(enum gk_layout_kind kind, const char *key)
{
	char *q = NULL;
	int qrc = gk_shell_quote(&q, key);
	if (qrc < 0)
		return NULL;
	if (qrc > 0 && (kind == GK_LAYOUT_PRISMA || kind == GK_LAYOUT_GOLANG_MIGRATE))
		return gk_strdup("The migration's name in the history table holds control characters: look at the row "
				 "(and how far the migration got) before resolving it by hand with the tool.");
	char *help = NULL;
	switch (kind) {
	case GK_LAYOUT_PRISMA:
		help = gk_asprintf("Find out how far the migration got (its log, the database). Then either undo that by "
				   "hand and run `prisma migrate resolve --rolled-back %s`, or finish it by hand and "
				   "run `prisma migrate resolve --applied %s`. `prisma migrate deploy` refuses to run "
				   "until then (P3009).",
				   q, q);
		break;
	case GK_LAYOUT_FLYWAY:
		help = gk_strdup("Undo or finish by hand what the migration did, then run `flyway repair` to remove the "
				 "failed row; `flyway migrate` refuses to run until then.");
		break;
	case GK_LAYOUT_GOLANG_MIGRATE:
		help = gk_asprintf("Undo or finish by hand what version %s did, then clear the dirty flag with `migrate "
				   "force %s` (finished) or `migrate force <the version before it>` (undone); `migrate up` "
				   "refuses to run until then.",
				   q, q);
		break;
	default:
		break;
	}
	free(q);
	return help;
}

static const char *edited_help(enum gk_layout_kind kind)
{
	if (kind == GK_LAYOUT_FLYWAY)
		return "Restore the file as it was applied (git log -p) and put the change in a new migration; if only "
		       "comments or formatting changed, `flyway repair` records the new checksum. `flyway migrate` "
		       "validates checksums and fails until then.";
	return "Restore the file as it was applied (git log -p) and put the change in a new migration. The edit never "
	       "reaches this database, and Prisma's `migrate dev` wants to reset one where it finds it.";
}

static int report_failed(gk_report *r, const gk_lint_options *o, const gk_target_state *s,
			 const gk_target_migration *m)
{
	char log[LOG_EXCERPT + 8] = "";
	if (m->logs && *m->logs)
		excerpt(log, sizeof log, log_line(m->logs), LOG_EXCERPT);
	char what[160];
	if (s->kind == GK_LAYOUT_PRISMA)
		snprintf(what, sizeof what, "started at %s and never finished", m->at ? m->at : "an unknown time");
	else if (s->kind == GK_LAYOUT_GOLANG_MIGRATE)
		snprintf(what, sizeof what, "schema_migrations is dirty at this version");
	else
		snprintf(what, sizeof what, "recorded as failed%s%s", m->at ? " at " : "", m->at ? m->at : "");
	char *help = failed_help(s->kind, m->key);
	int rc = add(r, o, GK_RULE_ID_migration_failed, m->path, help, NULL, "%s failed on the target: %s%s%s%s%s", m->key,
		     what, m->note ? "; " : "", m->note ? m->note : "", *log ? "; its log: " : "", log);
	free(help);
	return rc;
}

static int report_edited(gk_report *r, const gk_lint_options *o, const gk_target_state *s,
			 const gk_target_migration *m)
{
	bool prisma = s->kind == GK_LAYOUT_PRISMA;
	return add(r, o, GK_RULE_ID_migration_edited_after_apply, m->path, edited_help(s->kind), NULL,
		   "%s was applied on the target%s%s and its file changed since: checksum %.*s%s recorded, the file's is "
		   "%.*s%s",
		   m->key, m->at ? " at " : "", m->at ? m->at : "", prisma ? 12 : 16, m->checksum_db ? m->checksum_db : "?",
		   prisma ? "..." : "", prisma ? 12 : 16, m->checksum_file ? m->checksum_file : "?", prisma ? "..." : "");
}

static int report_missing(gk_report *r, const gk_lint_options *o, const gk_target_state *s,
			  const gk_target_migration *m, const char *folder)
{
	char branch[320] = "";
	if (s->diverged)
		snprintf(branch, sizeof branch, "; the histories branched after %.200s",
			 s->last_common ? s->last_common : "the first migration");
	return add(r, o, GK_RULE_ID_migration_missing_locally, m->path, NULL, NULL,
		   "%s was applied on the target%s%s, but it is not in %s%s", m->key, m->at ? " at " : "",
		   m->at ? m->at : "", folder, branch);
}

static int report_pending(gk_report *r, const gk_lint_options *o, const gk_target_migration *m)
{
	enum gk_rule_id id = GK_RULE_ID_migration_pending;
	if (m->status == GK_APPLIED_DIVERGED)
		return add(r, o, id, m->path, NULL, NULL,
			   "%s is not applied on the target yet, though it %s: Prisma and dbmate apply it out of "
			   "order, golang-migrate never does, Flyway only with outOfOrder=true",
			   m->key, m->note ? m->note : "sorts before an applied migration");
	if (m->status == GK_APPLIED_ROLLED_BACK)
		return add(r, o, id, m->path, NULL, NULL, "%s was %s", m->key, m->note ? m->note : "rolled back");
	return add(r, o, id, m->path, NULL, NULL, "%s is not applied on the target yet: %s", m->key,
		   m->note ? m->note : "the next deploy applies it");
}

static int report_migration(gk_report *r, const gk_lint_options *o, const gk_target_state *s,
			    const gk_target_migration *m, const char *folder)
{
	switch (m->status) {
	case GK_APPLIED_FAILED: return report_failed(r, o, s, m);
	case GK_APPLIED_EDITED: return report_edited(r, o, s, m);
	case GK_APPLIED_MISSING: return report_missing(r, o, s, m, folder);
	case GK_APPLIED_PENDING:
	case GK_APPLIED_DIVERGED:
	case GK_APPLIED_ROLLED_BACK: return report_pending(r, o, m);
	default: return 0;
	}
}

/* The folder part of a migration's path, for "not in <folder>". */
static void folder_of(char *buf, size_t size, const gk_target_state *s)
{
	for (size_t i = 0; i < s->n_migrations; i++) {
		const gk_target_migration *m = &s->migrations[i];
		size_t pl = strlen(m->path), kl = strlen(m->key);
		if (!m->local && pl > kl + 1 && strcmp(m->path + pl - kl, m->key) == 0) {
			snprintf(buf, size, "%.*s", (int)(pl - kl - 1), m->path);
			return;
		}
	}
	snprintf(buf, size, "the folder");
}

static int report_deploy_status(gk_report *r, const gk_lint_options *o, const gk_target_state *s)
{
	const char *path = NULL, *key = NULL;
	for (size_t i = 0; i < s->n_migrations; i++)
		if (s->migrations[i].status == GK_APPLIED_RUNNING)
			path = s->migrations[i].path, key = s->migrations[i].key;
	gk_target_lock_holder h = {.held = true, .pid = s->deploy_pid, .age_s = -1};
	gk_report_set_deploy_in_progress(r);
	int rc = gk_target_report_deploy(r, o, path, &h);
	/* The verdict would be about a history that is changing: retry later (exit 3). */
	if (rc == 0)
		rc = gk_report_add_error(r, GK_ERRKIND_TIMEOUT, path,
					 "a deploy is in progress (pid %d holds Prisma's migration lock%s%s): run status "
					 "again when it has finished",
					 s->deploy_pid, key ? ", applying " : "", key ? key : "");
	return rc;
}

int gk_target_report_missing_history(gk_report *r, const gk_lint_options *o, const gk_target_state *s,
				     const char *where)
{
	size_t local = 0;
	for (size_t i = 0; i < s->n_migrations; i++)
		local += s->migrations[i].local;
	if (s->table_exists || local == 0)
		return 0;
	return add(r, o, GK_RULE_ID_history_table_missing, NULL, NULL, NULL,
		   "%s has no history table %s, but the folder has %zu migration%s: nothing was ever deployed to it, "
		   "or it is not the database the folder is deployed to (check the URL: host, port, database%s)",
		   where, s->table ? s->table : "(the tool's)", local, local == 1 ? "" : "s",
		   s->kind == GK_LAYOUT_PRISMA ? ", ?schema=" : ", search_path");
}

int gk_target_status_report(gk_report *r, const gk_lint_options *o, const gk_target_state *s, const char *where,
			    int server_version)
{
	int rc = gk_report_set_target(r, where, s->table, s->table_exists, gk_layout_kind_name(s->kind), server_version);
	if (rc == 0)
		rc = gk_target_report_missing_history(r, o, s, where);
	char folder[4096];
	folder_of(folder, sizeof folder, s);
	for (size_t i = 0; rc == 0 && i < s->n_migrations; i++) {
		const gk_target_migration *m = &s->migrations[i];
		int idx = gk_report_add_migration(r, m->path, 0, m->runner);
		if (idx < 0)
			return GK_ENOMEM;
		gk_report_set_unlinted(r, (size_t)idx);
		rc = gk_report_set_applied(r, (size_t)idx, m->status, m->at, m->logs, m->note);
		if (rc == 0)
			rc = report_migration(r, o, s, m, folder);
	}
	if (rc == 0 && s->deploy_in_progress)
		rc = report_deploy_status(r, o, s);
	for (size_t i = 0; rc == 0 && i < s->n_packages; i++)
		rc = add(r, o, GK_RULE_ID_prisma_migration_package, s->packages[i], NULL, NULL, "%s: %s", s->packages[i],
			 GK_LAYOUT_PACKAGE_NOTE);
	return rc < 0 ? GK_ENOMEM : 0;
}

/* ---- pre-flight ------------------------------------------------------ */

/* "pid 42 (user app, application "api", idle in transaction, transaction open 5 min 3 s)"; malloc'ed. */
static char *who(const gk_target_session *s)
{
	gk_buf b = GK_BUF_INIT;
	gk_buf_printf(&b, "pid %d (", s->pid);
	if (s->user)
		gk_buf_printf(&b, "user %s, ", s->user);
	if (s->application && *s->application)
		gk_buf_printf(&b, "application \"%s\", ", s->application);
	gk_buf_puts(&b, s->state ? s->state : "details hidden without pg_read_all_stats");
	if (s->xact_age_s >= 0) {
		char d[32];
		duration(d, sizeof d, s->xact_age_s);
		gk_buf_printf(&b, ", transaction open %s", d);
	}
	gk_buf_putc(&b, ')');
	if (b.failed) {
		gk_buf_free(&b);
		return NULL;
	}
	return gk_buf_take(&b);
}

int gk_target_report_sessions(gk_report *r, const gk_lint_options *o, const char *path,
			      const gk_target_session *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char q[QUERY_EXCERPT + 8] = "", wait[48] = "";
		char *holder = who(&s[i]);
		if (!holder)
			return GK_ENOMEM;
		if (s[i].query && *s[i].query)
			excerpt(q, sizeof q, s[i].query, QUERY_EXCERPT);
		if (!s[i].granted && s[i].wait_s >= 0) {
			char d[32];
			duration(d, sizeof d, s[i].wait_s);
			snprintf(wait, sizeof wait, " (for %s)", d);
		}
		int rc = add(r, o, GK_RULE_ID_blocking_session, path, NULL, NULL,
			     "%s %s %s on %s%s: the migration's lock waits behind it, and every query on %s waits behind "
			     "the migration%s%s",
			     holder, s[i].granted ? "holds" : "is waiting for", s[i].mode, s[i].relation, wait,
			     s[i].relation, *q ? "; its query: " : "", q);
		free(holder);
		if (rc)
			return rc;
	}
	return 0;
}

int gk_target_report_invalid_indexes(gk_report *r, const gk_lint_options *o, const gk_target_object *x, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int rc = add(r, o, GK_RULE_ID_invalid_index, NULL, NULL, x[i].definition,
			     "index %s on %s is invalid (indisvalid = false): queries do not use it, but every write "
			     "still updates it",
			     x[i].name, x[i].table);
		if (rc)
			return rc;
	}
	return 0;
}

int gk_target_report_unvalidated_constraints(gk_report *r, const gk_lint_options *o, const gk_target_object *x,
					     size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int rc = add(r, o, GK_RULE_ID_unvalidated_constraint, NULL, NULL, x[i].definition,
			     "constraint %s on %s is NOT VALID: new rows are checked, the rows that were there never were",
			     x[i].name, x[i].table);
		if (rc)
			return rc;
	}
	return 0;
}

int gk_target_report_deploy(gk_report *r, const gk_lint_options *o, const char *path, const gk_target_lock_holder *h)
{
	if (!h->held)
		return 0;
	char age[48] = "";
	if (h->age_s >= 0) {
		char d[32];
		duration(d, sizeof d, h->age_s);
		snprintf(age, sizeof age, ", for %s", d);
	}
	return add(r, o, GK_RULE_ID_deploy_in_progress, path, NULL, NULL,
		   "a deploy is running: pid %d%s%s%s holds Prisma Migrate's advisory lock (%lld)%s", h->pid,
		   h->application[0] ? " (application \"" : "", h->application, h->application[0] ? "\")" : "",
		   GK_TARGET_PRISMA_LOCK_KEY, age);
}

/* ---- what CONCURRENTLY waits for ------------------------------------- */

#define CONCURRENTLY_WAITS "CONCURRENTLY waits for transactions older than the build"

static const char concurrently_help[] =
	"End the transaction or wait it out (pg_terminate_backend(pid) when it is safe), or deploy later. While the "
	"build waits it holds SHARE UPDATE EXCLUSIVE on the table (other DDL, VACUUM and ANALYZE of the table queue "
	"behind it); if it is cancelled or times out, it leaves an invalid index behind that must be dropped.";

int gk_target_report_concurrently(gk_report *r, const gk_lint_options *o, const char *path, int line,
				  const char *what, const gk_target_session *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char q[QUERY_EXCERPT + 8] = "", snap[96] = "";
		char *holder = who(&s[i]);
		if (!holder)
			return GK_ENOMEM;
		if (s[i].query && *s[i].query)
			excerpt(q, sizeof q, s[i].query, QUERY_EXCERPT);
		if (s[i].xmin)
			snprintf(snap, sizeof snap, "a snapshot (backend_xmin %s, %lld transaction%s old)%s", s[i].xmin,
				 s[i].xmin_age, s[i].xmin_age == 1 ? "" : "s", s[i].wrote ? " and has written" : "");
		int rc;
		if (s[i].relation)
			rc = add_at(r, o, GK_RULE_ID_blocking_session, path, line, concurrently_help,
				    "%s %s %s on %s: " CONCURRENTLY_WAITS ", and %s waits until this transaction ends%s%s",
				    holder, s[i].granted ? "holds" : "is waiting for", s[i].mode, s[i].relation, what,
				    *q ? "; its query: " : "", q);
		else
			rc = add_at(r, o, GK_RULE_ID_blocking_session, path, line, concurrently_help,
				    "%s holds %s in this database: " CONCURRENTLY_WAITS ", and %s waits until this "
				    "transaction ends, whatever tables it uses%s%s",
				    holder, snap, what, *q ? "; its query: " : "", q);
		free(holder);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- lock_timeout of the deploying role ------------------------------- */

/* "2s", "1500ms", "5min". */
static void ms_text(char *buf, size_t size, double ms)
{
	if (ms >= 60000 && fmod(ms, 60000) == 0)
		snprintf(buf, size, "%.0fmin", ms / 60000);
	else if (ms >= 1000 && fmod(ms, 1000) == 0)
		snprintf(buf, size, "%.0fs", ms / 1000);
	else
		snprintf(buf, size, "%gms", ms);
}

int gk_target_report_role_lock_timeout(gk_report *r, const gk_lint_options *o, const gk_target_role_setting *s,
				       const char *role_from)
{
	enum gk_rule_id id = GK_RULE_ID_external_lock_timeout_missing;
	char advice[32], help[512];
	ms_text(advice, sizeof advice, o->lock_timeout_advice_ms);
	snprintf(help, sizeof help,
		 "Set it where every session of the deploying role gets it: ALTER ROLE %.100s SET lock_timeout = '%s' "
		 "(or ... IN DATABASE name). A timeout in the deploy's own connection (URL options=-c lock_timeout=..., "
		 "PGOPTIONS) cannot be verified from here: declare it as a role setting, or switch this rule off.",
		 s->role ? s->role : "role", advice);
	if (!s->role_exists)
		return add(r, o, id, NULL, help, NULL,
			   "lock_timeout: external is declared, but the deploying role %s (%s) does not exist on the "
			   "target: name the role that runs the deploy with --deploy-role",
			   s->role ? s->role : "?", role_from);
	if (!s->value)
		return add(r, o, id, NULL, help, NULL,
			   "lock_timeout: external is declared, but the deploying role %s (%s) gets no lock_timeout from "
			   "the target: neither ALTER ROLE ... IN DATABASE, ALTER ROLE nor ALTER DATABASE sets one, so a "
			   "blocked migration waits without limit while every query on its table queues behind it",
			   s->role, role_from);
	if (s->ms < 0)
		return add(r, o, id, NULL, help, NULL,
			   "lock_timeout: external is declared, but the deploying role %s (%s) gets lock_timeout = '%s' "
			   "from %s, which is not a duration", s->role, role_from, s->value, s->source);
	if (s->ms == 0)
		return add(r, o, id, NULL, help, NULL,
			   "lock_timeout: external is declared, but the deploying role %s (%s) gets lock_timeout = %s "
			   "(no limit) from %s", s->role, role_from, s->value, s->source);
	if (s->ms > o->lock_timeout_advice_ms)
		return add(r, o, id, NULL, help, NULL,
			   "lock_timeout: external is declared, but the deploying role %s (%s) gets lock_timeout = %s "
			   "from %s, longer than the advised %s: a blocked migration queues every query on its table "
			   "that long", s->role, role_from, s->value, s->source, advice);
	char *text = gk_asprintf("lock_timeout: external verified: the deploying role %s (%s) gets lock_timeout = %s "
				 "from %s", s->role, role_from, s->value, s->source);
	int rc = text && gk_report_add_note(r, text) >= 0 ? 0 : GK_ENOMEM;
	free(text);
	return rc;
}
