/*
 * directives.c - the `gatekeeper:` comment scanner (src/sql/directives.c)
 * on a parsed file.
 *
 * The input is one SQL file.  It is parsed on a thread with the stack the
 * parser needs, as the lint does, then its directives are found.
 * Invariants: every directive and malformed comment lies inside the text
 * and is attached to an existing statement (or none); a suppressed rule id
 * is never empty; positions of the source index stay inside it.
 */
#include "fuzz.h"

#include "sql/sql.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct job {
	const char *text;
	size_t len;
};

static void check_directive(const gk_directive *d, const struct job *j, size_t n_stmts)
{
	FUZZ_CHECK(d->start <= d->end && d->end <= j->len);
	FUZZ_CHECK(d->stmt >= -1 && (d->stmt < 0 || (size_t)d->stmt < n_stmts));
	for (size_t k = 0; k < d->n_rules; k++)
		FUZZ_CHECK(d->rules[k] != NULL && d->rules[k][0] != '\0');
}

static void *run(void *arg)
{
	const struct job *j = arg;
	gk_source src;
	FUZZ_CHECK(gk_source_init(&src, j->text, j->len) == 0);
	gk_sql sql;
	FUZZ_CHECK(gk_sql_parse(&sql, j->text, j->len, src.bom) == 0);
	for (size_t i = 0; i < sql.n_stmts; i++)
		FUZZ_CHECK(sql.stmts[i].start <= sql.stmts[i].end && sql.stmts[i].end <= j->len);
	gk_directives d;
	FUZZ_CHECK(gk_directives_find(&d, &src, &sql) == 0);
	for (size_t i = 0; i < d.n; i++) {
		check_directive(&d.items[i], j, sql.n_stmts);
		int line, col;
		gk_source_pos(&src, d.items[i].start, &line, &col);
		FUZZ_CHECK(line >= 1 && (size_t)line <= src.n_lines && col >= 1);
		size_t a, b;
		gk_source_line(&src, line, &a, &b);
		FUZZ_CHECK(a <= b && b <= j->len);
	}
	for (size_t i = 0; i < d.n_malformed; i++)
		FUZZ_CHECK(d.malformed[i].start <= d.malformed[i].end && d.malformed[i].end <= j->len);
	gk_directives_free(&d);
	gk_sql_free(&sql);
	gk_source_free(&src);
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct job j = {fuzz_strndup(data, size), size};
	pthread_attr_t attr;
	pthread_t t;
	FUZZ_CHECK(pthread_attr_init(&attr) == 0);
	FUZZ_CHECK(pthread_attr_setstacksize(&attr, GK_SQL_STACK_SIZE) == 0);
	FUZZ_CHECK(pthread_create(&t, &attr, run, &j) == 0);
	pthread_join(t, NULL);
	pthread_attr_destroy(&attr);
	free((char *)j.text);
	return 0;
}
