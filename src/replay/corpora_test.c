/*
 * corpora_test.c - every real migration history in ../shared/corpora
 * replays on the embedded PostgreSQL exactly as the corpora README (and
 * each MANIFEST.txt) says: the clean ones apply fully, the others stop at
 * the named migration, with the environment's failures (a missing
 * extension, role, or newer server) told from the migration's own.
 *
 * Each corpus is read with the layout module, applied in the tool's order
 * with the tool's runner after the tool's own history table, into a fresh
 * database of ONE embedded cluster shared by the whole program (a cluster
 * start costs about a second; trigger.dev alone is 820 files).  Without the
 * corpora folder, or without PostgreSQL binaries, the tests skip, saying
 * why.
 */
/* test needs: postgres */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gatekeeper/check.h"
#include "layout/layout.h"
#include "replay/replay.h"
#include "shadow/shadow.h"
#include "util/util.h"
#include "replay/corpus_test_support.h"
#include "util/skip_test_support.h"

#ifndef GK_SOURCE_DIR
#define GK_SOURCE_DIR "."
#endif

/* What the README says of one corpus on PostgreSQL 15. */
typedef struct corpus {
	const char *name, *folder, *source;  /* test name; corpus folder; migrations folder in it */
	enum gk_layout_kind kind;
	size_t count;                 /* migrations in the layout */
	const char *stop;             /* key of the migration the run stops at; NULL: all apply */
	enum gk_replay_status status; /* ... and how it ends there */
	const char *sqlstate;         /* its SQLSTATE; NULL: not checked */
	const char *missing;          /* GK_REPLAY_ENVIRONMENT: the piece named */
	const char *message;          /* words of its error message; NULL: not checked */
	size_t skipping;              /* migrations that apply when each failure is skipped and
				       * the run goes on (the MANIFEST's "if failures are
				       * skipped" figure, re-measured for lemmy); 0: not checked */
	bool no_history;              /* without the tool's history table */
	const char *setup;            /* SQL run on the fresh database first; NULL: none */
	const char *cleanup;          /* SQL run on the shadow afterwards (cluster-wide objects) */
} corpus;

/* Which of 0A000 / 58P01 a missing extension gives depends on the server's
 * minor version (see replay_test.c): not checked. */
static const corpus corpora[] = {
	{.name = "documenso", .folder = "documenso__documenso",
	 .source = "packages/prisma/migrations", .kind = GK_LAYOUT_PRISMA, .count = 163},
	{.name = "trigger.dev", .folder = "triggerdotdev__trigger.dev",
	 .source = "internal-packages/database/prisma/migrations", .kind = GK_LAYOUT_PRISMA,
	 .count = 820},
	{.name = "langfuse", .folder = "langfuse__langfuse",
	 .source = "packages/shared/prisma/migrations", .kind = GK_LAYOUT_PRISMA, .count = 434},
	{.name = "umami", .folder = "umami-software__umami", .source = "prisma/migrations",
	 .kind = GK_LAYOUT_PRISMA, .count = 19},
	/* pgvector is not packaged for PostgreSQL 15 here.  Skipping that file,
	 * 164 apply (the 2 other failures follow from it). */
	{.name = "formbricks", .folder = "formbricks__formbricks",
	 .source = "packages/database/migration", .kind = GK_LAYOUT_PRISMA, .count = 167,
	 .stop = "20241017124431_add_documents_and_insights", .status = GK_REPLAY_ENVIRONMENT,
	 .missing = "extension vector", .skipping = 164},
	/* PostgreSQL 16 syntax: a subquery in FROM without an alias.  Skipping
	 * failures, 315 apply (27 fail, all following from the first).  The
	 * MANIFEST says 321 (21 fail): that figure was measured statement by
	 * statement in autocommit, where the statements of a failing file before
	 * its error stay, and without diesel's table (so 2025-08-01-000017 failed
	 * too); psql gives 321 that way and 315 with each file in a transaction,
	 * as diesel runs it, and diesel's table.  309 as the shadow's role, not
	 * a superuser: 000019, 000039 and 000041 disable the foreign keys'
	 * system triggers (DISABLE TRIGGER ALL), which only a superuser may,
	 * and three later files build on what they make. */
	{.name = "lemmy", .folder = "LemmyNet__lemmy", .source = "migrations",
	 .kind = GK_LAYOUT_DIESEL, .count = 342, .stop = "2025-08-01-000016_smoosh-tables-together",
	 .status = GK_REPLAY_ENVIRONMENT, .sqlstate = "42601",
	 .missing = "PostgreSQL 16 or newer (subquery in FROM without an alias)",
	 .message = "subquery in FROM must have an alias", .skipping = 309},
	/* 0030 alters golang-migrate's own table: all apply once it exists ... */
	{.name = "harbor", .folder = "goharbor__harbor", .source = "make/migrations/postgresql",
	 .kind = GK_LAYOUT_GOLANG_MIGRATE, .count = 39},
	/* ... and without it the run stops there. */
	{.name = "harbor without golang-migrate's table", .folder = "goharbor__harbor",
	 .source = "make/migrations/postgresql", .kind = GK_LAYOUT_GOLANG_MIGRATE, .count = 39,
	 .stop = "0030_2.0.0_schema", .status = GK_REPLAY_FAILED, .sqlstate = "42P01",
	 .message = "relation \"schema_migrations\" does not exist", .no_history = true},
	{.name = "kestra", .folder = "kestra-io__kestra",
	 .source = "jdbc-postgres/src/main/resources/migrations/postgres", .kind = GK_LAYOUT_FLYWAY,
	 .count = 26},
	/* The project makes this role in its db_init scripts, not in a migration. */
	{.name = "UPchieve", .folder = "UPchieve__subway", .source = "database/migrations",
	 .kind = GK_LAYOUT_DBMATE, .count = 282,
	 .stop = "20251009150451_change-owner-for-users-unlocked-subjects-mview",
	 .status = GK_REPLAY_ENVIRONMENT, .missing = "role mat_view_owners"},
	/* ... and with the role: a column no migration creates (the project's
	 * schema drift), the migration's own failure; the file after it applies. */
	{.name = "UPchieve with its role", .folder = "UPchieve__subway",
	 .source = "database/migrations", .kind = GK_LAYOUT_DBMATE, .count = 282,
	 .stop = "20260622211455_add-comments", .status = GK_REPLAY_FAILED, .sqlstate = "42703",
	 .message = "column \"progress_report_id\" of relation \"upchieve.users_surveys\" does not exist",
	 .skipping = 281,
	 /* As an init file would give it to the replay's role, which is no
	  * superuser: a role to hand the view to, and CREATE for that role on
	  * the schemas the migrations make. */
	 .setup = "CREATE ROLE mat_view_owners; GRANT mat_view_owners TO " GK_SHADOW_ROLE "; "
		  "ALTER DEFAULT PRIVILEGES FOR ROLE " GK_SHADOW_ROLE " GRANT CREATE ON SCHEMAS TO mat_view_owners",
	 .cleanup = "DROP ROLE mat_view_owners"},
	/* Needs the Supabase baseline; the first statement of the first file
	 * asks for the http extension (in a schema `extensions` that is missing
	 * too, but the server looks for the extension first). */
	{.name = "chatbot-ui", .folder = "mckaywrigley__chatbot-ui", .source = "supabase/migrations",
	 .kind = GK_LAYOUT_PLAIN, .count = 25, .stop = "20240108234540_setup.sql",
	 .status = GK_REPLAY_ENVIRONMENT, .missing = "extension http"},
};

/* The cluster every test uses: made by group_setup, handed to each test as
 * its state, closed and freed by group_teardown. */
typedef struct suite {
	gk_shadow *shadow;  /* NULL: no PostgreSQL (err says why) or no corpora */
	gk_error err;
} suite;

/* ---- skipping ---------------------------------------------------------- */

static void need_corpora_and_server(const suite *s, const char *name)
{
	if (!have_corpora()) {
		gk_test_skip("%s is absent: the corpus replay of %s not run", CORPORA, name);
	}
	if (!s->shadow) {
		gk_test_skip("no embedded PostgreSQL (%s): the corpus replay of %s not run", s->err.msg, name);
	}
}

/* ---- databases ---------------------------------------------------------- */

typedef struct db {
	char *conninfo, *name;
} db;

static db new_db(const suite *s)
{
	db d = {NULL, NULL};
	gk_error err = {0, ""};
	if (gk_shadow_new_database(&d.conninfo, &d.name, s->shadow, NULL, &err) != 0)
		fail_msg("new database: %s", err.msg);
	return d;
}

static void drop_db(const suite *s, db *d)
{
	gk_error err = {0, ""};
	if (gk_shadow_drop_database(s->shadow, d->name, &err) != 0)
		fail_msg("drop database: %s", err.msg);
	free(d->conninfo);
	free(d->name);
}

/* Run `sql` on its own connection to `conninfo`. */
static void exec_sql(const char *conninfo, const char *sql)
{
	PGconn *c = PQconnectdb(conninfo);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PGresult *res = PQexec(c, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(res);
	PQfinish(c);
}

/* ---- a corpus as migrations --------------------------------------------- */

static loaded load(const corpus *c)
{
	return load_corpus(c->folder, c->source, c->kind, c->count, !c->no_history);
}

/* Index in ld->m of the migration with layout key `key`. */
static size_t index_of(const loaded *ld, const char *key)
{
	for (size_t i = 0; i < ld->layout->n_migrations; i++)
		if (!strcmp(ld->layout->migrations[i].key, key))
			return ld->first + i;
	fail_msg("no migration %s", key);
	return 0;
}

/* ---- replaying ----------------------------------------------------------- */

static gk_replay_result *replay(const db *d, const gk_replay_migration *m, size_t n)
{
	gk_replay_result *r = calloc(n ? n : 1, sizeof *r);
	assert_non_null(r);
	gk_error err = {0, ""};
	if (gk_replay_run(r, d->conninfo, m, n, &err) != 0)
		fail_msg("replay: %s", err.msg);
	return r;
}

static void assert_result(const gk_replay_migration *m, const gk_replay_result *r,
			  enum gk_replay_status want)
{
	if (r->status != want)
		fail_msg("%s: %s, want %s (%s %s%s%s)", m->path, gk_replay_status_name(r->status),
			 gk_replay_status_name(want), r->sqlstate, r->message ? r->message : "",
			 r->missing ? "; missing " : "", r->missing ? r->missing : "");
}

/* Everything before `stop` applied, `stop` ended as the corpus says, the
 * rest was skipped.  stop == ld->n: everything applied. */
static void assert_outcome(const corpus *c, const loaded *ld, const gk_replay_result *r,
			   size_t stop)
{
	for (size_t i = 0; i < stop; i++)
		assert_result(&ld->m[i], &r[i], GK_REPLAY_OK);
	if (stop == ld->n)
		return;
	assert_result(&ld->m[stop], &r[stop], c->status);
	if (c->sqlstate)
		assert_string_equal(r[stop].sqlstate, c->sqlstate);
	if (c->missing) {
		assert_non_null(r[stop].missing);
		assert_string_equal(r[stop].missing, c->missing);
	} else {
		assert_null(r[stop].missing);
	}
	if (c->message && !strstr(r[stop].message, c->message))
		fail_msg("%s: '%s', want '%s'", ld->m[stop].path, r[stop].message, c->message);
	for (size_t i = stop + 1; i < ld->n; i++)
		assert_result(&ld->m[i], &r[i], GK_REPLAY_SKIPPED);
}

/* Go on after the migration at `stop` as if each failure were skipped by
 * hand: the number of the corpus's migrations after `stop` that apply. */
static size_t applied_skipping(const db *d, const loaded *ld, size_t stop)
{
	size_t applied = 0;
	for (size_t from = stop + 1; from < ld->n;) {
		gk_replay_result *r = replay(d, ld->m + from, ld->n - from);
		size_t ok = 0;
		while (from + ok < ld->n && r[ok].status == GK_REPLAY_OK)
			ok++;
		gk_replay_results_free(r, ld->n - from);
		free(r);
		applied += ok;
		from += ok + 1;
	}
	return applied;
}

static void replay_corpus(const suite *s, const corpus *c)
{
	need_corpora_and_server(s, c->name);
	loaded ld = load(c);
	size_t stop = c->stop ? index_of(&ld, c->stop) : ld.n;
	db d = new_db(s);
	if (c->setup) {
		/* What an init file would do: as the superuser. */
		char *su = gk_shadow_superuser_conninfo(s->shadow, d.name);
		exec_sql(su, c->setup);
		free(su);
	}
	double t0 = gk_now();
	gk_replay_result *r = replay(&d, ld.m, ld.n);
	print_message("replay: %s: %zu migrations, %zu applied, %.1f s\n", c->name, c->count,
		      stop - ld.first, gk_now() - t0);
	assert_outcome(c, &ld, r, stop);
	gk_replay_results_free(r, ld.n);
	free(r);
	if (c->skipping)
		assert_int_equal(stop - ld.first + applied_skipping(&d, &ld, stop), c->skipping);
	drop_db(s, &d);
	if (c->cleanup)
		exec_sql(super_conninfo(s->shadow), c->cleanup);
	unload(&ld);
}

/* One test per entry of corpora[], named after the corpus. */
#define CORPUS_TEST_FN(i, fn) \
	static void fn(void **state) { replay_corpus(*state, &corpora[i]); }
CORPUS_TEST_FN(0, test_documenso)
CORPUS_TEST_FN(1, test_trigger_dev)
CORPUS_TEST_FN(2, test_langfuse)
CORPUS_TEST_FN(3, test_umami)
CORPUS_TEST_FN(4, test_formbricks)
CORPUS_TEST_FN(5, test_lemmy)
CORPUS_TEST_FN(6, test_harbor)
CORPUS_TEST_FN(7, test_harbor_without_history_table)
CORPUS_TEST_FN(8, test_kestra)
CORPUS_TEST_FN(9, test_upchieve)
CORPUS_TEST_FN(10, test_upchieve_with_role)
CORPUS_TEST_FN(11, test_chatbot_ui)

/*
 * The lock trace on a real history: trigger.dev's last migration (a lone
 * CREATE INDEX CONCURRENTLY, which Prisma runs in autocommit) traced on top
 * of the 819 before it.  It applies as it does untraced, the index is
 * there, and the trace shows the SHARE UPDATE EXCLUSIVE lock it held on the
 * table.
 */
static void test_trace_last_trigger_dev(void **state)
{
	const suite *s = *state;
	const corpus *c = &corpora[1];
	need_corpora_and_server(s, "the trace of trigger.dev's last migration");
	loaded ld = load(c);
	db d = new_db(s);
	gk_replay_result *r = replay(&d, ld.m, ld.n - 1);
	for (size_t i = 0; i + 1 < ld.n; i++)
		assert_result(&ld.m[i], &r[i], GK_REPLAY_OK);
	gk_replay_results_free(r, ld.n - 1);
	free(r);

	gk_replay_migration last = ld.m[ld.n - 1];
	last.trace = true;
	r = replay(&d, &last, 1);
	assert_result(&last, &r[0], GK_REPLAY_OK);
	/* The SHARE UPDATE EXCLUSIVE lock it holds while it runs. */
	assert_int_equal(r[0].n_locks, 1);
	assert_int_equal(r[0].locks[0].statement_index, 1);
	assert_string_equal(r[0].locks[0].relation, "public.\"WorkerDeployment\"");
	assert_string_equal(r[0].locks[0].mode, "ShareUpdateExclusiveLock");
	gk_replay_results_free(r, 1);
	free(r);
	exec_sql(d.conninfo, "DO $$ BEGIN PERFORM 'public.\"WorkerDeployment_environmentId_"
			     "externalId_idx\"'::regclass; END $$");
	drop_db(s, &d);
	unload(&ld);
}

/*
 * harbor's 0170_2.14.0 widens ids to bigint: ALTER TABLE ... TYPE BIGINT
 * rewrites the table (and its indexes) under ACCESS EXCLUSIVE, ALTER
 * SEQUENCE ... AS BIGINT gives the sequence a new relfilenode but copies no
 * rows: its lock is recorded, never as a rewrite.
 */
static void test_trace_harbor_sequences(void **state)
{
	const suite *s = *state;
	const corpus *c = &corpora[6];
	need_corpora_and_server(s, "the trace of harbor's 0170 migration");
	loaded ld = load(c);
	size_t at = 0;
	while (at < ld.n && !strstr(ld.m[at].path, "0170_2.14.0_schema"))
		at++;
	assert_true(at < ld.n);
	db d = new_db(s);
	gk_replay_result *r = replay(&d, ld.m, at);
	for (size_t i = 0; i < at; i++)
		assert_result(&ld.m[i], &r[i], GK_REPLAY_OK);
	gk_replay_results_free(r, at);
	free(r);

	gk_replay_migration m = ld.m[at];
	m.trace = true;
	r = replay(&d, &m, 1);
	assert_result(&m, &r[0], GK_REPLAY_OK);
	bool table_rewrite = false, seq_lock = false;
	for (size_t k = 0; k < r[0].n_locks; k++) {
		const gk_replay_lock *l = &r[0].locks[k];
		if (strstr(l->relation, "_id_seq")) {
			seq_lock = true;
			assert_false(l->rewrite);
		}
		if (!strcmp(l->relation, "public.role_permission") && l->statement_index == 1) {
			table_rewrite = l->rewrite;
			assert_string_equal(l->mode, "AccessExclusiveLock");
		}
	}
	assert_true(seq_lock);
	assert_true(table_rewrite);
	gk_replay_results_free(r, 1);
	free(r);
	drop_db(s, &d);
	unload(&ld);
}

/* ---- main ---------------------------------------------------------------- */

static int group_setup(void **state)
{
	suite *s = calloc(1, sizeof *s);
	if (!s)
		return -1;
	/* No corpora: every test skips, no need for a cluster. */
	if (have_corpora() && gk_shadow_open(&s->shadow, NULL, &s->err) != 0)
		s->shadow = NULL;
	*state = s;
	return 0;
}

static int group_teardown(void **state)
{
	suite *s = *state;
	gk_shadow_close(s->shadow);
	free(s);
	return 0;
}

int main(void)
{
	/* test_upchieve_with_role must run after test_upchieve: the role is the
	 * cluster's, and the first run needs it absent. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_documenso),
		cmocka_unit_test(test_trigger_dev),
		cmocka_unit_test(test_langfuse),
		cmocka_unit_test(test_umami),
		cmocka_unit_test(test_formbricks),
		cmocka_unit_test(test_lemmy),
		cmocka_unit_test(test_harbor),
		cmocka_unit_test(test_harbor_without_history_table),
		cmocka_unit_test(test_kestra),
		cmocka_unit_test(test_upchieve),
		cmocka_unit_test(test_upchieve_with_role),
		cmocka_unit_test(test_chatbot_ui),
		cmocka_unit_test(test_trace_last_trigger_dev),
		cmocka_unit_test(test_trace_harbor_sequences),
	};
	_Static_assert(sizeof corpora / sizeof *corpora == 12, "one test per corpus run");
	if (getenv("GK_TEST_FILTER")) /* e.g. GK_TEST_FILTER='test_trace*' */
		cmocka_set_test_filter(getenv("GK_TEST_FILTER"));
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
