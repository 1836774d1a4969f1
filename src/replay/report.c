/*
 * report.c - replay results as report entries and `replay` findings (see
 * replay/replay_report.h).
 *
 * Locks are grouped per statement: one finding per kind of hazard naming
 * every relation the statement took that way, so that a statement touching
 * a table and its indexes reads as one event, as a reviewer sees it.
 */
#include "replay/replay_report.h"
#include "replay/replay_internal.h"
#include "rules/rules.h"
#include "sql/sql.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where a finding points, and the source line shown with it. */
typedef struct place {
	int line, column, statement_index;
	char *context;      /* owned */
} place;

/* Line, column and source line of byte `off` of the migration. */
static void locate(const gk_replay_migration *m, size_t off, place *pl)
{
	gk_source src;
	if (gk_source_init(&src, m->sql, m->len) != 0)
		return;
	gk_source_pos(&src, off, &pl->line, &pl->column);
	size_t a, b;
	gk_source_line(&src, pl->line, &a, &b);
	pl->context = gk_strndup(m->sql + a, b - a);
	gk_source_free(&src);
}

/* `outcome`: the finding is the verdict on the whole migration (it did not
 * apply, could not run here, timed out), which JUnit shows as the result of
 * the migration's replay case; a lock finding is not. */
static int add(const gk_replay_reporter *rr, enum gk_rule_id id, const gk_replay_migration *m, const place *pl,
	       const char *help, const char *msg, const gk_evidence *ev, bool outcome)
{
	gk_finding f = {.message = (char *)msg, .help = (char *)help, .path = (char *)m->path, .line = pl->line,
			.column = pl->column, .statement_index = pl->statement_index, .context = pl->context,
			.replay_outcome = outcome};
	if (ev)
		f.evidence = *ev;
	return gk_rule_add_finding(rr->r, rr->o, id, &f);
}

/* The server's DETAIL and HINT, else the rule's own help (NULL). */
static char *server_help(const gk_replay_result *res)
{
	if (!res->detail && !res->hint)
		return NULL;
	return gk_asprintf("%s%s%s%s%s", res->detail ? "DETAIL: " : "", res->detail ? res->detail : "",
			   res->detail && res->hint ? " " : "", res->hint ? "HINT: " : "", res->hint ? res->hint : "");
}

/* Statement `index` (1-based) of the migration holding byte `off`, and its
 * text on one line, shortened for the message (malloc'ed; NULL when out
 * of memory or not found). */
static char *statement_at(const gk_replay_migration *m, size_t off, int *index)
{
	char *text = gk_strndup(m->sql, m->len), *out = NULL;
	gk_replay_split sp;
	if (!text || gk_replay_split_sql(&sp, text, m->len) != 0) {
		free(text);
		return NULL;
	}
	for (size_t i = 0; i < sp.n && !out; i++) {
		if (off < sp.stmts[i].start || off > sp.stmts[i].end)
			continue;
		size_t n = sp.stmts[i].end - off;
		out = n > 80 ? gk_asprintf("%.*s...", (int)gk_utf8_whole(text + off, 77), text + off)
			     : gk_strndup(text + off, n);
		if (out)
			gk_one_line(out);
		*index = (int)i + 1;
	}
	gk_replay_split_free(&sp);
	free(text);
	return out;
}

/* At most this many objects are named; the rest are counted. */
#define LEFT_MAX 10

static void name_list(gk_buf *b, const char *verb, char *const *v, size_t n)
{
	if (n == 0)
		return;
	gk_buf_printf(b, "%s%s ", b->len ? "; " : "", verb);
	for (size_t i = 0; i < n && i < LEFT_MAX; i++)
		gk_buf_printf(b, "%s%s", i ? ", " : "", v[i]);
	if (n > LEFT_MAX)
		gk_buf_printf(b, " and %zu more", n - LEFT_MAX);
}

/*
 * What a migration that did not apply left behind, for its message ("" when
 * nothing is known): the statements that stayed committed, as production
 * would keep them, with the objects they created and the columns they
 * changed; and a session left in an aborted transaction (malloc'ed).
 */
static char *left_behind(const gk_replay_result *res)
{
	gk_buf objs = GK_BUF_INIT, out = GK_BUF_INIT;
	name_list(&objs, "created", res->created, res->n_created);
	name_list(&objs, "changed", res->changed, res->n_changed);
	int k = res->committed_statements;
	const char *unit = res->pieces != GK_SPLITTER_SQL ? "piece" : "statement";
	char range[48];
	if (k > 1)
		snprintf(range, sizeof range, "%ss 1-%d", unit, k);
	else
		snprintf(range, sizeof range, "%s 1", unit);
	if (k > 0 && res->failed_statement > k)
		gk_buf_printf(&out, "; %s stayed applied, as in production%s%s", range, objs.len ? ": " : "",
			      objs.len ? objs.data : "");
	else if (objs.len)
		gk_buf_printf(&out, "; what it committed before the failure stayed applied, as in production: %s",
			      objs.data);
	if (res->aborted_session)
		gk_buf_puts(&out, "; it failed inside the file's own BEGIN, which leaves the runner's session in an "
				  "aborted transaction: what the runner sends next fails with 25P02 until a ROLLBACK "
				  "(Prisma then reports 25P02 and cannot record the failure)");
	gk_buf_free(&objs);
	if (objs.failed || out.failed) {
		gk_buf_free(&out);
		return NULL;
	}
	char *s = gk_buf_take(&out);
	return s ? s : gk_strdup("");
}

/* replay-timeout: at the statement that was running (the whole file when
 * the server could not say which one), naming it and the limit. */
static int timeout_finding(const gk_replay_reporter *rr, const gk_replay_migration *m, const gk_replay_result *res,
			   const char *what)
{
	place pl = {0};
	char limit[32], *stmt = NULL;
	gk_format_duration(limit, sizeof limit, m->timeout_s);
	if (res->error_offset >= 0) {
		locate(m, (size_t)res->error_offset, &pl);
		stmt = statement_at(m, (size_t)res->error_offset, &pl.statement_index);
	}
	const char *after = rr->consequence;
	char *left = left_behind(res), *msg;
	if (!left)
		msg = NULL;
	else if (stmt)
		msg = gk_asprintf("%s did not finish within the replay's time limit of %s: statement %d (%s) was "
				  "cancelled%s%s%s", what, limit, pl.statement_index, stmt, left, after ? "; " : "",
				  after ? after : "");
	else
		msg = gk_asprintf("%s did not finish within the replay's time limit of %s and was cancelled (its "
				  "statements run as one query, so which one was running is not known)%s%s%s",
				  what, limit, left, after ? "; " : "", after ? after : "");
	free(left);
	int rc = msg ? add(rr, GK_RULE_ID_replay_timeout, m, &pl, NULL, msg, NULL, true) : GK_ENOMEM;
	free(msg);
	free(stmt);
	free(pl.context);
	return rc;
}

/*
 * "piece 2 of 3 of the file as golang-migrate (x-multi-statement) cuts it at
 * every ';' (` two CREATE TABLE ...`) failed: " for a file sent as a naive
 * splitter's pieces: the piece is what the server was sent, shortened to
 * one line (malloc'ed).
 */
static char *piece_failed(const gk_replay_migration *m, const gk_replay_result *res)
{
	size_t a = res->piece_start, b = res->piece_end;
	if (a > b || b > m->len)
		a = b = 0;
	size_t n = b - a > 60 ? gk_utf8_whole(m->sql + a, 57) : b - a;
	char *text = gk_asprintf("%.*s%s", (int)n, m->sql + a, n < b - a ? "..." : "");
	if (!text)
		return NULL;
	gk_one_line(text);
	const char *who = res->pieces == GK_SPLITTER_EVERY_SEMICOLON
				  ? "Prisma's driver adapter (engine \"js\")" : "golang-migrate (x-multi-statement)";
	char *out = gk_asprintf("piece %d of %d of the file as %s cuts it at every ';' (`%s`) failed: ",
				res->failed_statement, res->n_statements, who, text);
	free(text);
	return out;
}

int gk_replay_report_failure(const gk_replay_reporter *rr, const gk_replay_migration *m, const gk_replay_result *res,
			     const char *what)
{
	if (res->status == GK_REPLAY_TIMEOUT)
		return timeout_finding(rr, m, res, what);
	place pl = {0};
	if (res->error_offset >= 0)
		locate(m, (size_t)res->error_offset, &pl);
	char *help = server_help(res), *msg, *left = left_behind(res), *at = NULL;
	const char *state = res->sqlstate[0] ? res->sqlstate : "none", *after = rr->consequence;
	bool env = res->status == GK_REPLAY_ENVIRONMENT;
	/* Which statement (or naive splitter's piece), when the runner sends
	 * them one by one: the others are the state production is left in. */
	if (res->failed_statement > 0 && res->pieces != GK_SPLITTER_SQL)
		at = piece_failed(m, res);
	else if (res->failed_statement > 0 && res->n_statements > 1 && m->runner != GK_RUNNER_WHOLE &&
		 m->runner != GK_RUNNER_PER_FILE)
		at = gk_asprintf("statement %d of %d failed: ", res->failed_statement, res->n_statements);
	else
		at = gk_strdup("");
	if (!left || !at)
		msg = NULL;
	else if (env)
		msg = gk_asprintf("the shadow database lacks %s, which %s needs: %s%s (SQLSTATE %s)%s%s%s",
				  res->missing ? res->missing : "something", what, at, res->message ? res->message : "",
				  state, left, after ? "; " : "", after ? after : "");
	else
		msg = gk_asprintf("%s does not apply on a database built from the migrations before it: %s%s (SQLSTATE "
				  "%s)%s%s%s", what, at, res->message ? res->message : "", state, left, after ? "; " : "",
				  after ? after : "");
	free(left);
	free(at);
	int rc = msg ? add(rr, env ? GK_RULE_ID_replay_environment : GK_RULE_ID_replay_failed, m, &pl, help, msg,
					NULL, true) : GK_ENOMEM;
	free(msg);
	free(help);
	free(pl.context);
	return rc;
}

/* ---- locks ---------------------------------------------------------------- */

static bool blocks_writes(const char *mode)
{
	return !strcmp(mode, "ShareLock") || !strcmp(mode, "ShareRowExclusiveLock") || !strcmp(mode, "ExclusiveLock");
}

/* The locks of one statement that no lint finding accounts for, sorted
 * into the trace-only finding that names each. */
typedef struct stmt_locks {
	gk_buf list[4];       /* by kind: rewrite, exclusive, share, waiting */
	const gk_replay_lock *first[4]; /* the first relation of each list, for its evidence */
	gk_buf notes;         /* "; on the target: ..." of the relations it blocks */
	const char *rewrite_mode;  /* the mode of the last rewritten relation (borrowed) */
	bool rewrite_mixed;        /* ... and they were held in more than one mode */
	gk_buf rewrite_modes;      /* the rewritten relations with the mode each was held in */
	double held_ms;
} stmt_locks;

enum { REWRITE, EXCLUSIVE, SHARE, WAITING };

static void list_add(stmt_locks *sl, int kind, const gk_replay_lock *l, bool with_mode)
{
	gk_buf *b = &sl->list[kind];
	if (b->len)
		gk_buf_puts(b, ", ");
	else
		sl->first[kind] = l;
	if (with_mode)
		gk_buf_printf(b, "%s (%s)", l->relation, gk_replay_mode_name(l->mode));
	else
		gk_buf_puts(b, l->relation);
}

static void note_add(const gk_replay_reporter *rr, stmt_locks *sl, const char *relation)
{
	char *note = rr->relation_note ? rr->relation_note(rr->note_ctx, relation) : NULL;
	if (!note)
		return;
	gk_buf_printf(&sl->notes, "%s%s", sl->notes.len ? "; " : "; on the target: ", note);
	free(note);
}

/*
 * `covered`: the kinds lint findings on the statement account for
 * (GK_SEEN_*).  A lock requested without lock_timeout is not reported
 * when the timeout is applied outside the files (lock_timeout: external):
 * the shadow cannot see it, the gate checks it on the target.
 */
static void sort_lock(const gk_replay_reporter *rr, stmt_locks *sl, const gk_replay_lock *l, unsigned covered)
{
	bool exclusive = !strcmp(l->mode, "AccessExclusiveLock"), listed = false;
	if (l->rewrite && !(covered & GK_SEEN_REWRITE)) {
		/* The lock the trace saw: a REINDEX rewrites an index under ACCESS
		 * EXCLUSIVE while its table stays readable under SHARE. */
		list_add(sl, REWRITE, l, false), listed = true;
		gk_buf_printf(&sl->rewrite_modes, "%s%s (%s)", sl->rewrite_modes.len ? ", " : "", l->relation,
			      gk_replay_mode_name(l->mode));
		sl->rewrite_mixed = sl->rewrite_mixed || (sl->rewrite_mode && strcmp(sl->rewrite_mode, l->mode));
		sl->rewrite_mode = l->mode;
	}
	else if (!l->rewrite && exclusive && !(covered & GK_SEEN_EXCLUSIVE))
		list_add(sl, EXCLUSIVE, l, false), listed = true;
	else if (!l->rewrite && blocks_writes(l->mode) && !(covered & GK_SEEN_SHARE))
		list_add(sl, SHARE, l, true), listed = true;
	if ((exclusive || blocks_writes(l->mode)) && (l->lock_timeout_ms == 0 || l->timeout_inherited) &&
	    !rr->o->lock_timeout_external &&
	    !(covered & GK_SEEN_WAIT))
		list_add(sl, WAITING, l, true), listed = true;
	if (listed)
		note_add(rr, sl, l->relation);
	if (l->held_ms > sl->held_ms)
		sl->held_ms = l->held_ms;
}

/* "2s", or "1500ms" when not whole seconds. */
static void advice(char *out, size_t size, long ms)
{
	if (ms % 1000 == 0)
		snprintf(out, size, "%lds", ms / 1000);
	else
		snprintf(out, size, "%ldms", ms);
}

static const enum gk_rule_id ids[] = {GK_RULE_ID_observed_table_rewrite, GK_RULE_ID_observed_access_exclusive_lock,
				      GK_RULE_ID_observed_share_lock, GK_RULE_ID_observed_lock_without_timeout};

/* The help of a trace-only finding that recommends a lock_timeout: the one
 * value of lock_timeout_advice (malloc'ed); NULL for the rule's own help. */
static char *help_of(const gk_replay_reporter *rr, int kind)
{
	if (kind != WAITING && kind != EXCLUSIVE)
		return NULL;
	char v[32];
	advice(v, sizeof v, rr->o->lock_timeout_advice_ms);
	if (kind == WAITING)
		return gk_asprintf("Start the migration with `SET lock_timeout = '%s';` (the recommended value, "
				   "lock_timeout_advice in gatekeeper.yml) and retry the deploy when it times out.", v);
	return gk_asprintf("Keep the transaction short, set `lock_timeout = '%s'` (with a retry) so a blocked ALTER "
			   "gives up instead of queueing traffic behind it, and prefer the recipes of the static rules "
			   "that avoid the lock (NOT VALID + VALIDATE, CONCURRENTLY).", v);
}

static int emit_lock(const gk_replay_reporter *rr, const gk_replay_migration *m, const place *pl, int kind,
		     const char *fmt, const stmt_locks *sl)
{
	const gk_buf *list = &sl->list[kind];
	if (!list->len || gk_replay_evidence_suppressed(rr->r, m->path, pl->statement_index, gk_rule_info_of(ids[kind])->id))
		return 0;
	const gk_replay_lock *o = sl->first[kind];
	gk_evidence ev = {.verdict = rr->merge ? GK_EVIDENCE_TRACE_ONLY : GK_EVIDENCE_NONE,
			  .observed = {gk_replay_mode_name(o->mode), o->relation, o->rewrite, o->held_ms,
				       o->lock_timeout_ms}};
	char *msg = gk_asprintf(fmt, list->data, sl->held_ms);
	char *full = msg ? gk_asprintf("%s%s", msg, sl->notes.len ? sl->notes.data : "") : NULL;
	char *help = help_of(rr, kind);
	int rc = full && (help || (kind != WAITING && kind != EXCLUSIVE)) ? add(rr, ids[kind], m, pl, help, full, &ev, false)
									  : GK_ENOMEM;
	free(msg);
	free(full);
	free(help);
	return rc;
}

/* "t under ACCESS EXCLUSIVE" when every rewritten relation was held in one
 * mode, else each with its own: "t (ACCESS EXCLUSIVE), t_idx (SHARE)". */
static void rewrite_modes(stmt_locks *sl)
{
	gk_buf *b = &sl->list[REWRITE];
	if (!b->len)
		return;
	if (!sl->rewrite_mixed) {
		gk_buf_printf(b, " under %s", gk_replay_mode_name(sl->rewrite_mode));
		return;
	}
	gk_buf tmp = *b;
	*b = sl->rewrite_modes;
	sl->rewrite_modes = tmp;
}

static int stmt_findings(const gk_replay_reporter *rr, const gk_replay_migration *m, const gk_replay_result *res,
			 const gk_replay_lock *l, size_t n)
{
	stmt_locks sl = {{GK_BUF_INIT, GK_BUF_INIT, GK_BUF_INIT, GK_BUF_INIT}, {0}, GK_BUF_INIT, NULL, false,
			 GK_BUF_INIT, 0};
	unsigned covered = 0;
	int rc = rr->merge ? gk_replay_evidence_merge(rr->r, m->path, res->locks, res->n_locks, l, n,
						      res->status == GK_REPLAY_OK, &covered)
			   : 0;
	for (size_t i = 0; i < n; i++)
		sort_lock(rr, &sl, &l[i], covered);
	place pl = {.statement_index = l[0].statement_index};
	locate(m, l[0].offset, &pl);
	for (int k = 0; k < 4; k++)
		if (sl.list[k].failed)
			rc = GK_ENOMEM;
	if (sl.notes.failed)
		rc = GK_ENOMEM;
	rewrite_modes(&sl);
	if (sl.rewrite_modes.failed)
		rc = GK_ENOMEM;
	if (rc == 0)
		rc = emit_lock(rr, m, &pl, REWRITE,
			       "rewrote %s (held %.0f ms on the empty shadow; production copies every row)", &sl);
	if (rc == 0)
		rc = emit_lock(rr, m, &pl, EXCLUSIVE,
			       "ACCESS EXCLUSIVE lock on %s, held %.0f ms on the shadow: blocks every read and write until "
			       "the transaction ends", &sl);
	if (rc == 0)
		rc = emit_lock(rr, m, &pl, SHARE, "lock that blocks writes on %s, held %.0f ms on the shadow", &sl);
	if (rc == 0)
		rc = emit_lock(rr, m, &pl, WAITING,
			       "blocking lock on %s requested with no lock_timeout set by the migration (none, or one an "
			       "earlier migration left in the session): behind any conflicting session it waits forever, "
			       "and queries queue behind it", &sl);
	free(pl.context);
	for (int k = 0; k < 4; k++)
		gk_buf_free(&sl.list[k]);
	gk_buf_free(&sl.rewrite_modes);
	gk_buf_free(&sl.notes);
	return rc;
}

/* The locks on the migration's report entry, each at its statement's line. */
static int entry_locks(const gk_replay_reporter *rr, size_t idx, const gk_replay_migration *m,
		       const gk_replay_result *res)
{
	gk_source src;
	if (gk_source_init(&src, m->sql, m->len) != 0)
		return GK_ENOMEM;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < res->n_locks; i++) {
		const gk_replay_lock *l = &res->locks[i];
		gk_observed_lock o = {l->statement_index, 0, l->relation, l->mode, l->held_ms, l->rewrite,
				      l->lock_timeout_ms};
		int col;
		gk_source_pos(&src, l->offset, &o.line, &col);
		rc = gk_report_add_lock(rr->r, idx, &o);
	}
	gk_source_free(&src);
	return rc;
}

int gk_replay_report_stop(gk_report *r, size_t idx, const gk_replay_result *res)
{
	if (res->status == GK_REPLAY_OK || res->status == GK_REPLAY_SKIPPED || res->status == GK_REPLAY_NONE)
		return 0;
	gk_replay_stop st = {
		.failed_statement = res->failed_statement, .n_statements = res->n_statements,
		.committed_statements = res->committed_statements, .aborted_session = res->aborted_session,
		.created = res->created, .n_created = res->n_created, .changed = res->changed, .n_changed = res->n_changed,
	};
	if (!st.failed_statement && !st.n_statements && !st.aborted_session && !st.n_created && !st.n_changed)
		return 0;
	if (res->pieces != GK_SPLITTER_SQL)
		snprintf(st.splitter, sizeof st.splitter, "%s", gk_runner_splitter_name(res->pieces));
	return gk_report_set_replay_stop(r, idx, &st);
}

int gk_replay_report_locks(const gk_replay_reporter *rr, size_t idx, const gk_replay_migration *m,
			   const gk_replay_result *res)
{
	if (rr->merge)
		gk_report_set_evidence_traced(rr->r);
	if (res->n_locks == 0)
		return 0;
	int rc = entry_locks(rr, idx, m, res);
	for (size_t i = 0; rc == 0 && i < res->n_locks;) {
		size_t k = i;
		while (k < res->n_locks && res->locks[k].statement_index == res->locks[i].statement_index)
			k++;
		rc = stmt_findings(rr, m, res, &res->locks[i], k - i);
		i = k;
	}
	return rc;
}
