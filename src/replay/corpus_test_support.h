/*
 * corpus_test_support.h - a shared migration corpus (../shared/corpora,
 * read in place) as the migrations its tool applies, for the tests that
 * replay one (src/replay/corpora_test.c, src/catalog/nodrift_test.c).
 * Static functions for test programs only, included after <cmocka.h>;
 * each fails the running test on error.
 */
#ifndef GK_CORPUS_TEST_SUPPORT_H
#define GK_CORPUS_TEST_SUPPORT_H

#include <stdlib.h>
#include <sys/stat.h>

#include "gatekeeper/check.h"
#include "layout/layout.h"
#include "replay/replay.h"
#include "layout/runner.h"
#include "shadow/shadow_test_support.h"
#include "util/util.h"

#define CORPORA GK_SOURCE_DIR "/../shared/corpora"

/* Users will not have ../shared: the tests that need it skip. */
static __attribute__((unused)) bool have_corpora(void)
{
	struct stat st;
	return stat(CORPORA, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * The corpus's migrations in the tool's order, each the up range of its
 * file with the tool's runner, after the tool's history table (m[0] when
 * asked for and the tool has one; `first` is the index of the first corpus
 * migration).  Owns the layout and the file texts the migrations point into.
 */
typedef struct loaded {
	gk_layout *layout;
	char **texts;
	gk_replay_migration *m;
	size_t n, first;
} loaded;

static __attribute__((unused)) void load_file(loaded *ld, const char *dir, size_t i)
{
	const gk_layout_migration *lm = &ld->layout->migrations[i];
	char *path = gk_asprintf("%s/%s", dir, lm->path), *text = NULL;
	size_t len = 0;
	if (gk_read_file(&text, &len, path, 0) != 0)
		fail_msg("cannot read %s", path);
	free(path);
	size_t end = lm->up_end == GK_LAYOUT_END ? len : lm->up_end;
	assert_true(lm->up_start <= end && end <= len);
	ld->texts[i] = text;
	/* Sent as the tool would send this file (its statements decide). */
	gk_runner_settings set;
	gk_runner_choice how;
	gk_runner_settings_init(&set, ld->layout->kind);
	gk_runner_choose_text(&how, &set, GK_RUNNER_AUTO, lm->no_transaction, lm->path, text + lm->up_start,
			      end - lm->up_start);
	ld->m[ld->first + i] = (gk_replay_migration){lm->path, text + lm->up_start, end - lm->up_start, how.deploy,
						     false, 0, NULL, how.splitter};
}

/* CORPORA/<folder>/<source>, which must read as `kind` with `count` migrations. */
static __attribute__((unused)) loaded load_corpus(const char *folder, const char *source, enum gk_layout_kind kind,
						  size_t count, bool history_table)
{
	loaded ld = {0};
	char *dir = gk_asprintf("%s/%s/%s", CORPORA, folder, source);
	gk_error err = {0, ""};
	if (gk_layout_read_dir(&ld.layout, GK_LAYOUT_AUTO, dir, &err) != 0)
		fail_msg("%s: %s", folder, err.msg);
	assert_int_equal(ld.layout->kind, kind);
	assert_int_equal(ld.layout->n_migrations, count);
	const char *history = history_table ? gk_layout_history_table_sql(kind) : NULL;
	ld.first = history ? 1 : 0;
	ld.n = ld.first + count;
	ld.texts = calloc(count + 1, sizeof *ld.texts);
	ld.m = calloc(ld.n, sizeof *ld.m);
	assert_true(ld.texts && ld.m);
	if (history)
		ld.m[0] = (gk_replay_migration){"(the tool's history table)", history, strlen(history),
						GK_RUNNER_SPLIT, false, 0, NULL, GK_SPLITTER_SQL};
	for (size_t i = 0; i < count; i++)
		load_file(&ld, dir, i);
	free(dir);
	return ld;
}

static __attribute__((unused)) void unload(loaded *ld)
{
	for (size_t i = 0; ld->layout && i < ld->layout->n_migrations; i++)
		free(ld->texts[i]);
	free(ld->texts);
	free(ld->m);
	gk_layout_free(ld->layout);
}

#endif
