/*
 * evidence_test.c - lint predictions judged by the lock trace (evidence.c,
 * the lock findings of report.c), with synthetic lint findings and traces:
 * no server needed.  Also the lint side: the prediction a finding carries,
 * and a suppressed one kept for the merge (engine.c, predict.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "gatekeeper/lint.h"
#include "replay/replay_report.h"
#include "gatekeeper/rules.h"

#define PATH "m/migration.sql"
static const char SQL[] = "ALTER TABLE users ALTER COLUMN age TYPE bigint;\nALTER TABLE users ADD COLUMN x int;\n";

typedef struct fixture {
	gk_report *r;
	gk_lint_options o;
	gk_replay_lock locks[4];
	size_t n_locks;
	enum gk_replay_status status;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	f->r = gk_report_new("check");
	gk_lint_options_init(&f->o);
	f->status = GK_REPLAY_OK;
	assert_true(gk_report_add_migration(f->r, PATH, 2, GK_RUNNER_WHOLE) >= 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	gk_report_free(f->r);
	free(f);
	return 0;
}

/* A lint finding of `rule` on statement `stmt` predicting `lock` on `rel`. */
static void lint(fixture *f, const char *rule, int stmt, const char *lock, const char *rel, bool rewrite,
		 bool suppressed)
{
	const gk_rule_info *ri = gk_rule_find(rule);
	assert_non_null(ri);
	gk_finding fd = {.rule_id = ri->id, .category = ri->category, .severity = GK_SEV_ERROR,
			 .message = "static message", .path = PATH, .line = stmt, .column = 1, .statement_index = stmt,
			 .suppressed = suppressed};
	fd.evidence.kind = gk_rule_prediction(rule);
	fd.evidence.predicted = (gk_lock_fact){.lock = lock, .relation = (char *)rel, .rewrite = rewrite};
	assert_int_equal(gk_report_add_finding(f->r, &fd), 0);
}

static void lock(fixture *f, int stmt, const char *rel, const char *mode, bool rewrite, long timeout_ms)
{
	f->locks[f->n_locks++] = (gk_replay_lock){.statement_index = stmt, .offset = stmt == 1 ? 0 : 48,
						  .relation = (char *)rel, .mode = (char *)mode, .rewrite = rewrite,
						  .held_ms = 13, .lock_timeout_ms = timeout_ms};
}

static void trace_as(fixture *f, bool merge)
{
	gk_replay_migration m = {.path = PATH, .sql = SQL, .len = sizeof SQL - 1, .runner = GK_RUNNER_WHOLE,
				 .trace = true};
	gk_replay_result res = {.status = f->status, .locks = f->locks, .n_locks = f->n_locks};
	gk_replay_reporter rr = {.r = f->r, .o = &f->o, .merge = merge};
	assert_int_equal(gk_replay_report_locks(&rr, 0, &m, &res), 0);
	assert_int_equal(gk_report_set_replay(f->r, 0, f->status, 1, "", NULL, true), 0);
	gk_report_finish(f->r, GK_SEV_ERROR, 0);
}

static void trace(fixture *f) { trace_as(f, true); }

static const gk_finding *find(const fixture *f, const char *rule)
{
	for (size_t i = 0; i < f->r->n_findings; i++)
		if (strcmp(f->r->findings[i].rule_id, rule) == 0)
			return &f->r->findings[i];
	return NULL;
}

/* The example of the issue: one ALTER TABLE, one finding per risk. */
static void test_confirmed(void **state)
{
	fixture *f = *state;
	lint(f, "alter-column-type", 1, "ACCESS EXCLUSIVE", "users", true, false);
	lint(f, "missing-lock-timeout", 1, "ACCESS EXCLUSIVE", "users", true, false);
	lock(f, 1, "public.users", "AccessExclusiveLock", true, 0);
	trace(f);
	assert_int_equal(f->r->n_findings, 2); /* no observed-* beside them */
	const gk_finding *t = find(f, "alter-column-type"), *w = find(f, "missing-lock-timeout");
	assert_non_null(strstr(t->message, "static message; predicted a rewrite of users under ACCESS EXCLUSIVE, "
					  "confirmed by replay (held 13 ms)"));
	assert_non_null(strstr(w->message, "predicted ACCESS EXCLUSIVE on users requested without lock_timeout, "
					  "confirmed by replay (lock_timeout = 0, held 13 ms)"));
	assert_int_equal(t->evidence.verdict, GK_EVIDENCE_CONFIRMED);
	assert_string_equal(t->evidence.observed.lock, "ACCESS EXCLUSIVE");
	assert_string_equal(t->evidence.observed.relation, "public.users");
	assert_true(t->evidence.observed.rewrite);
	assert_int_equal(t->severity, GK_SEV_ERROR);
	assert_true(f->r->evidence.traced);
	assert_int_equal(f->r->evidence.confirmed, 2);
	assert_int_equal(f->r->evidence.corrected, 0);
	assert_int_equal(f->r->evidence.trace_only, 0);
}

/* Quoted names from the trace match the parser's unquoted ones. */
static void test_quoted_relation(void **state)
{
	fixture *f = *state;
	lint(f, "set-not-null", 1, "ACCESS EXCLUSIVE", "User", false, false);
	lock(f, 1, "public.\"User\"", "AccessExclusiveLock", false, 1000);
	trace(f);
	assert_int_equal(f->r->n_findings, 1);
	assert_int_equal(find(f, "set-not-null")->evidence.verdict, GK_EVIDENCE_CONFIRMED);
}

/* A stronger lock than predicted: the finding stands, corrected. */
static void test_corrected(void **state)
{
	fixture *f = *state;
	lint(f, "create-index-non-concurrent", 1, "SHARE", "users", false, false);
	lock(f, 1, "public.users", "AccessExclusiveLock", false, 2000);
	trace(f);
	assert_int_equal(f->r->n_findings, 1);
	const gk_finding *c = find(f, "create-index-non-concurrent");
	assert_int_equal(c->evidence.verdict, GK_EVIDENCE_CORRECTED);
	assert_non_null(strstr(c->message, "predicted SHARE on users; the replay saw ACCESS EXCLUSIVE (held 13 ms)"));
	assert_int_equal(c->severity, GK_SEV_ERROR);
	assert_int_equal(f->r->evidence.corrected, 1);
}

/* No rewrite happened: downgraded to info, the evidence in the message. */
static void test_refuted_rewrite(void **state)
{
	fixture *f = *state;
	lint(f, "alter-column-type", 1, "ACCESS EXCLUSIVE", "users", true, false);
	lock(f, 1, "public.users", "AccessExclusiveLock", false, 2000);
	trace(f);
	const gk_finding *c = find(f, "alter-column-type");
	assert_int_equal(c->evidence.verdict, GK_EVIDENCE_REFUTED);
	assert_int_equal(c->severity, GK_SEV_INFO);
	assert_false(c->blocking);
	assert_non_null(strstr(c->message, "the replay saw ACCESS EXCLUSIVE (held 13 ms) and no rewrite (downgraded to info)"));
	assert_int_equal(f->r->n_findings, 1);
	assert_int_equal(f->r->evidence.corrected, 1);
}

/* A weaker lock, and a lock_timeout in effect, refute too. */
static void test_refuted_weaker_and_timeout(void **state)
{
	fixture *f = *state;
	lint(f, "set-not-null", 1, "ACCESS EXCLUSIVE", "users", false, false);
	lint(f, "missing-lock-timeout", 1, "ACCESS EXCLUSIVE", "users", false, false);
	lock(f, 1, "public.users", "ShareUpdateExclusiveLock", false, 500);
	trace(f);
	const gk_finding *s = find(f, "set-not-null"), *w = find(f, "missing-lock-timeout");
	assert_int_equal(s->evidence.verdict, GK_EVIDENCE_REFUTED);
	assert_non_null(strstr(s->message, "the replay saw only SHARE UPDATE EXCLUSIVE (held 13 ms) (downgraded to info)"));
	assert_int_equal(w->evidence.verdict, GK_EVIDENCE_REFUTED);
	assert_non_null(strstr(w->message, "the replay saw lock_timeout = 500 ms in effect (downgraded to info)"));
	assert_int_equal(f->r->by_severity[GK_SEV_INFO], 2);
}

/* What no rule predicted is trace-only, with the one lock_timeout advice. */
static void test_trace_only(void **state)
{
	fixture *f = *state;
	f->o.lock_timeout_advice_ms = 1500;
	lock(f, 2, "public.users", "AccessExclusiveLock", false, 0);
	trace(f);
	const gk_finding *x = find(f, "observed-access-exclusive-lock"), *w = find(f, "observed-lock-without-timeout");
	assert_non_null(x);
	assert_non_null(w);
	assert_int_equal(x->evidence.verdict, GK_EVIDENCE_TRACE_ONLY);
	assert_int_equal(x->evidence.kind, GK_PREDICT_NONE);
	assert_string_equal(x->evidence.observed.relation, "public.users");
	assert_non_null(strstr(w->help, "SET lock_timeout = '1500ms'"));
	assert_non_null(strstr(x->help, "lock_timeout = '1500ms'"));
	assert_int_equal(f->r->evidence.trace_only, 2);
}

/* lock_timeout: external: the gate checks the role, the trace says nothing of it. */
static void test_external_timeout(void **state)
{
	fixture *f = *state;
	f->o.lock_timeout_external = true;
	lock(f, 2, "public.users", "AccessExclusiveLock", false, 0);
	trace(f);
	assert_non_null(find(f, "observed-access-exclusive-lock"));
	assert_null(find(f, "observed-lock-without-timeout"));
}

/* missing-lock-timeout is one per file: later statements' waits are its risk. */
static void test_wait_covered_by_earlier_statement(void **state)
{
	fixture *f = *state;
	lint(f, "missing-lock-timeout", 1, "ACCESS EXCLUSIVE", "users", false, false);
	lock(f, 1, "public.users", "AccessExclusiveLock", false, 0);
	lock(f, 2, "public.orders", "ShareLock", false, 0);
	trace(f);
	assert_null(find(f, "observed-lock-without-timeout"));
	assert_non_null(find(f, "observed-share-lock")); /* statement 2's lock itself was predicted by nobody */
}

/* Suppressing the lint rule suppresses the observation merged into it;
 * a trace-only finding is suppressed by its own id. */
static void test_suppression(void **state)
{
	fixture *f = *state;
	lint(f, "alter-column-type", 1, "ACCESS EXCLUSIVE", "users", true, true);
	lint(f, "missing-lock-timeout", 1, "ACCESS EXCLUSIVE", "users", true, true);
	lock(f, 1, "public.users", "AccessExclusiveLock", true, 0);
	gk_finding marker = {.rule_id = "observed-access-exclusive-lock", .category = GK_CAT_REPLAY, .path = PATH,
			     .statement_index = 2, .message = "reason", .suppressed = true};
	assert_int_equal(gk_report_add_finding(f->r, &marker), 0);
	lock(f, 2, "public.orders", "AccessExclusiveLock", false, 0);
	trace(f);
	assert_int_equal(f->r->n_findings, 0);
	assert_int_equal(f->r->evidence.trace_only, 0);
}

/* The statement did not run to the end, or an earlier statement holds the
 * lock: a missing lock proves nothing. */
static void test_no_evidence_without_a_complete_trace(void **state)
{
	fixture *f = *state;
	f->status = GK_REPLAY_FAILED;
	lint(f, "set-not-null", 2, "ACCESS EXCLUSIVE", "accounts", false, false);
	lint(f, "create-index-non-concurrent", 2, "SHARE", "users", false, false);
	lock(f, 1, "public.users", "AccessExclusiveLock", false, 1000);
	lock(f, 2, "public.orders", "ShareLock", false, 1000);
	trace(f);
	assert_int_equal(find(f, "set-not-null")->evidence.verdict, GK_EVIDENCE_NONE);
	assert_int_equal(find(f, "create-index-non-concurrent")->evidence.verdict, GK_EVIDENCE_NONE);
	assert_string_equal(find(f, "set-not-null")->message, "static message");
}

/* The lint side: a predicting rule's finding carries the lock table's
 * facts; suppressed, it is kept among r->suppressed. */
static void test_lint_predicts(void **state)
{
	fixture *f = *state;
	static const char sql[] = "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n"
				  "-- gatekeeper:ignore set-not-null reason: users is empty\n"
				  "ALTER TABLE accounts ALTER COLUMN code SET NOT NULL;\n"
				  "-- gatekeeper:ignore observed-share-lock reason: measured\n"
				  "CREATE TABLE t (id int);\n";
	gk_report *r = gk_report_new("lint");
	gk_lint_input in = {.path = "x.sql", .text = sql, .len = sizeof sql - 1, .new_change = true};
	gk_error err = {0};
	assert_int_equal(gk_lint_inputs(r, &f->o, &in, 1, &err), 0);
	const gk_finding *p = NULL;
	for (size_t i = 0; i < r->n_findings; i++) {
		assert_string_not_equal(r->findings[i].rule_id, "unused-suppression");
		if (!strcmp(r->findings[i].rule_id, "set-not-null"))
			p = &r->findings[i];
	}
	assert_non_null(p);
	assert_int_equal(p->evidence.kind, GK_PREDICT_LOCK);
	assert_string_equal(p->evidence.predicted.lock, "ACCESS EXCLUSIVE");
	assert_string_equal(p->evidence.predicted.relation, "users");
	bool hidden_lint = false, hidden_replay = false;
	for (size_t i = 0; i < r->n_suppressed; i++) {
		const gk_finding *s = &r->suppressed[i];
		hidden_lint |= !strcmp(s->rule_id, "set-not-null") && s->statement_index == 2 &&
			       !strcmp(s->evidence.predicted.relation, "accounts");
		hidden_replay |= !strcmp(s->rule_id, "observed-share-lock") && s->statement_index == 3;
	}
	assert_true(hidden_lint);
	assert_true(hidden_replay);
	gk_report_free(r);
}

/* Without merging (`gate`: lint and replay are checks of their own) the
 * observation is a finding of its own and the lint finding is untouched. */
static void test_no_merge(void **state)
{
	fixture *f = *state;
	lint(f, "alter-column-type", 1, "ACCESS EXCLUSIVE", "users", true, false);
	lock(f, 1, "public.users", "AccessExclusiveLock", true, 1000);
	trace_as(f, false);
	assert_string_equal(find(f, "alter-column-type")->message, "static message");
	assert_non_null(find(f, "observed-table-rewrite"));
	assert_int_equal(find(f, "observed-table-rewrite")->evidence.verdict, GK_EVIDENCE_NONE);
	assert_false(f->r->evidence.traced);
}

/* The mapping names rules that exist, none of them a replay rule. */
static void test_mapping(void **state)
{
	(void)state;
	size_t n = 0;
	for (size_t i = 0; i < gk_rules_count(); i++) {
		const gk_rule_info *ri = gk_rule_at(i);
		if (gk_rule_prediction(ri->id) == GK_PREDICT_NONE)
			continue;
		n++;
		assert_int_not_equal(ri->category, GK_CAT_REPLAY);
	}
	assert_int_equal(n, 18);
	assert_int_equal(gk_rule_prediction("missing-lock-timeout"), GK_PREDICT_LOCK_WAIT);
	assert_int_equal(gk_rule_prediction("alter-column-type"), GK_PREDICT_REWRITE);
	assert_int_equal(gk_rule_prediction("remove-enum-value"), GK_PREDICT_REWRITE);
	assert_int_equal(gk_rule_prediction("rename-column"), GK_PREDICT_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_confirmed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quoted_relation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuted_rewrite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuted_weaker_and_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trace_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_external_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_covered_by_earlier_statement, setup, teardown),
		cmocka_unit_test_setup_teardown(test_suppression, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_evidence_without_a_complete_trace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lint_predicts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_merge, setup, teardown),
		cmocka_unit_test(test_mapping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
