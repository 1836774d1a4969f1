/*
 * nodrift_test.c - no false drift: each shared Prisma corpus (documenso,
 * trigger.dev, langfuse, umami under ../shared/corpora) replayed into two
 * fresh databases, exactly as Prisma applies it (its history table first,
 * each migration.sql as one query), gives two snapshots with no difference
 * and the same bytes.  Without the corpora folder, or without PostgreSQL
 * binaries, the tests skip, saying why.
 */
/* test needs: postgres */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>

#include "catalog/catalog_test_support.h"
#include "gatekeeper/check.h"
#include "replay/replay.h"
#include "replay/corpus_test_support.h"
#include "util/skip_test_support.h"

#ifndef GK_SOURCE_DIR
#define GK_SOURCE_DIR "."
#endif

typedef struct corpus {
	const char *name, *folder, *source;
	size_t count;   /* migrations, as the corpora README says */
} corpus;

static const corpus corpora[] = {
	{"documenso", "documenso__documenso", "packages/prisma/migrations", 163},
	{"trigger.dev", "triggerdotdev__trigger.dev", "internal-packages/database/prisma/migrations", 820},
	{"langfuse", "langfuse__langfuse", "packages/shared/prisma/migrations", 434},
	{"umami", "umami-software__umami", "prisma/migrations", 19},
};

/* The corpus as Prisma applies it: m[0] is its history table. */
static loaded load(const corpus *c)
{
	return load_corpus(c->folder, c->source, GK_LAYOUT_PRISMA, c->count, true);
}

static void replay_all(const db *d, const loaded *ld)
{
	gk_replay_result *r = calloc(ld->n, sizeof *r);
	assert_non_null(r);
	gk_error err = {0, ""};
	if (gk_replay_run(r, d->conninfo, ld->m, ld->n, &err) != 0)
		fail_msg("replay: %s", err.msg);
	for (size_t i = 0; i < ld->n; i++)
		if (r[i].status != GK_REPLAY_OK)
			fail_msg("%s: %s (%s)", ld->m[i].path, gk_replay_status_name(r[i].status),
				 r[i].message ? r[i].message : "");
	gk_replay_results_free(r, ld->n);
	free(r);
}

static void no_false_drift(void **state, const corpus *c)
{
	suite *s = *state;
	if (!have_corpora()) {
		gk_test_skip("%s is absent: the no-false-drift test of %s not run", CORPORA, c->name);
	}
	need_server(s, c->name);
	loaded ld = load(c);
	db a = new_db(s), b = new_db(s);
	double t0 = gk_now();
	replay_all(&a, &ld);
	replay_all(&b, &ld);
	double t1 = gk_now();
	gk_catalog *ca = snapshot(a.conninfo, NULL), *cb = snapshot(b.conninfo, NULL);
	double t2 = gk_now();
	gk_catalog_diff_result *d = NULL;
	gk_error err = {0, ""};
	assert_int_equal(gk_catalog_diff(&d, ca, cb, NULL, &err), 0);
	for (size_t i = 0; i < d->n_changes; i++)
		print_error("%s: %s\n", c->name, d->changes[i].message);
	assert_int_equal(d->n_changes, 0);
	assert_int_equal(d->n_uncompared, 0);
	assert_string_equal(gk_catalog_sha256(ca), gk_catalog_sha256(cb));
	assert_true(gk_catalog_count(ca, "table") > 0);
	print_message("catalog: %s: %zu tables, %zu columns, %zu indexes; two replays %.1f s, two snapshots %.0f ms\n",
		      c->name, gk_catalog_count(ca, "table"), gk_catalog_count(ca, "column"),
		      gk_catalog_count(ca, "index"), t1 - t0, (t2 - t1) * 1000);
	gk_catalog_diff_free(d);
	gk_catalog_free(ca), gk_catalog_free(cb);
	drop_db(s, &a), drop_db(s, &b);
	unload(&ld);
}

#define CORPUS_TEST(fn, i) \
	static void fn(void **state) { no_false_drift(state, &corpora[i]); }
CORPUS_TEST(test_documenso, 0)
CORPUS_TEST(test_trigger_dev, 1)
CORPUS_TEST(test_langfuse, 2)
CORPUS_TEST(test_umami, 3)

static int group_setup(void **state)
{
	if (have_corpora())
		return group_setup_cluster(state);
	*state = calloc(1, sizeof(suite));
	return *state ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_documenso),
		cmocka_unit_test(test_trigger_dev),
		cmocka_unit_test(test_langfuse),
		cmocka_unit_test(test_umami),
	};
	_Static_assert(sizeof corpora / sizeof *corpora == 4, "one test per corpus");
	return cmocka_run_group_tests(tests, group_setup, group_teardown_cluster);
}
