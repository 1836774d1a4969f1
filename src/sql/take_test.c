/*
 * take_test.c - the trees gk_sql_parse takes before libpg_query packs them
 * (parse.c) are the trees unpacking its bytes gives: each statement's tree
 * packs to the bytes libpg_query packed for it, on statements made to hit
 * every kind of field (strings empty and not, repeated lists, both oneofs,
 * booleans, enums, numbers) and on every file of the shared corpora; and
 * this test program, linked as the gatekeeper program is, takes them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/sql.h"
#include "util/corpus_files_test_support.h"
#include "util/skip_test_support.h"
#include "util/util.h"

typedef struct job {
	const char *text, *name;
	size_t len;
	size_t statements; /* compared */
	bool whole;        /* the whole text parsed (only then are the two compared) */
} job;

/* `m` packed, malloc'ed into *out; its length. */
static size_t packed(const ProtobufCMessage *m, uint8_t **out)
{
	size_t n = protobuf_c_message_get_packed_size(m);
	*out = malloc(n ? n : 1);
	assert_non_null(*out);
	assert_int_equal(protobuf_c_message_pack(m, *out), n);
	return n;
}

/* No string of the tree at `m` is NULL, as none is after unpacking (an
 * absent one is protobuf-c's empty string, which the rules read). */
static void assert_strings_set(const ProtobufCMessage *m, const char *name)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *slot = (const char *)m + f->offset;
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    *(const uint32_t *)((const char *)m + f->quantifier_offset) != f->id)
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)((const char *)m + f->quantifier_offset);
			for (size_t k = 0; f->type == PROTOBUF_C_TYPE_MESSAGE && k < n; k++)
				assert_strings_set((*(ProtobufCMessage *const *const *)slot)[k], name);
		} else if (f->type == PROTOBUF_C_TYPE_STRING && !*(const char *const *)slot) {
			fail_msg("%s: %s.%s is NULL", name, d->name, f->name);
		} else if (f->type == PROTOBUF_C_TYPE_MESSAGE && *(ProtobufCMessage *const *)slot) {
			assert_strings_set(*(ProtobufCMessage *const *)slot, name);
		}
	}
}

static void *compare(void *arg)
{
	job *j = arg;
	size_t from = j->len >= 3 && memcmp(j->text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	/* No capture is open here: libpg_query packs as it always does. */
	PgQueryProtobufParseResult r = pg_query_parse_protobuf(j->text + from);
	if (r.error) {
		pg_query_free_protobuf_parse_result(r);
		return NULL;
	}
	PgQuery__ParseResult *want = pg_query__parse_result__unpack(NULL, r.parse_tree.len, (void *)r.parse_tree.data);
	assert_non_null(want);
	gk_sql got = {0};
	assert_int_equal(gk_sql_parse(&got, j->text, j->len, from), 0);
	j->whole = true;
	if (got.n_errors || got.n_stmts != want->n_stmts || got.n_taken != got.n_stmts)
		fail_msg("%s: %zu statements, %zu taken, %zu errors; libpg_query packed %zu", j->name, got.n_stmts,
			 got.n_taken, got.n_errors, want->n_stmts);
	for (size_t i = 0; i < want->n_stmts; i++) {
		uint8_t *a = NULL, *b = NULL;
		size_t na = want->stmts[i]->stmt ? packed(&want->stmts[i]->stmt->base, &a) : 0;
		size_t nb = got.stmts[i].node ? packed(&got.stmts[i].node->base, &b) : 0;
		if (na != nb || (na && memcmp(a, b, na) != 0))
			fail_msg("%s: statement %zu: its tree packs to %zu bytes, libpg_query's to %zu", j->name, i + 1, nb,
				 na);
		free(a);
		free(b);
		if (got.stmts[i].node)
			assert_strings_set(&got.stmts[i].node->base, j->name);
		j->statements++;
	}
	gk_sql_free(&got);
	pg_query__parse_result__free_unpacked(want, NULL);
	pg_query_free_protobuf_parse_result(r);
	return NULL;
}

static job run(const char *name, const char *text, size_t len)
{
	job j = {.text = text, .name = name, .len = len};
	assert_int_equal(gk_sql_on_deep_stack(compare, &j), 0);
	return j;
}

/* Statements with every kind of field the tree holds. */
static void test_taken_trees_pack_alike(void **state)
{
	(void)state;
	static const char *const texts[] = {
		"SELECT 1",
		"SELECT 1, 'x', '', 1.5, true, NULL, B'101', X'ff', E'\\n', $$body$$, -2147483649, 9223372036854775807",
		"CREATE TABLE \"User\" (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL DEFAULT '',"
		" n numeric(10, 2) CHECK (n > 0), tags text[] DEFAULT ARRAY[]::text[], UNIQUE (email))",
		"ALTER TABLE a ADD COLUMN b int, ALTER COLUMN c SET NOT NULL, DROP CONSTRAINT d, ADD CONSTRAINT e FOREIGN KEY (f)"
		" REFERENCES g (h) ON DELETE CASCADE NOT VALID",
		"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t USING btree (lower(a), b DESC NULLS LAST) INCLUDE (c)"
		" WHERE d IS NOT NULL",
		"WITH x AS (SELECT * FROM a WHERE b IN (1, 2, 3)) UPDATE t SET c = x.d FROM x WHERE t.id = x.id RETURNING *",
		"INSERT INTO t (a, b) VALUES (1, 'x'), (2, DEFAULT) ON CONFLICT (a) DO UPDATE SET b = EXCLUDED.b",
		"CREATE FUNCTION f(a int, OUT b text) RETURNS SETOF record LANGUAGE plpgsql AS $$ BEGIN RETURN; END $$",
		"CREATE TYPE mood AS ENUM ('sad', 'ok', '')",
		"ALTER TYPE mood ADD VALUE IF NOT EXISTS 'happy' BEFORE 'ok'",
		"COMMENT ON COLUMN t.a IS NULL",
		"GRANT SELECT, UPDATE (a) ON ALL TABLES IN SCHEMA s TO r WITH GRANT OPTION",
		"DO $$ BEGIN PERFORM 1; END $$",
		"SELECT CASE WHEN a THEN 1 ELSE 2 END, a::text COLLATE \"C\", interval '1 day', b -> 'k' ->> 0 FROM t",
		"CREATE TABLE p (a int) PARTITION BY RANGE (a); CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (1) TO (10)",
		"SET lock_timeout = '1s'; RESET ALL; BEGIN; COMMIT",
	};
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
		job j = run(texts[i], texts[i], strlen(texts[i]));
		assert_true(j.whole);
		assert_true(j.statements > 0);
	}
}

typedef struct walk {
	size_t files, whole, statements;
} walk;

static void corpus_one(const char *path, const char *text, size_t len, void *ctx)
{
	walk *w = ctx;
	job j = run(path, text, len);
	w->files++;
	w->whole += j.whole;
	w->statements += j.statements;
}

static void test_corpora_trees_pack_alike(void **state)
{
	(void)state;
	walk w = {0};
	if (!each_corpus_file(corpus_one, &w))
		gk_test_skip("%s is absent: the taken trees are not compared on the corpora", CORPUS_FILES);
	print_message("taken trees: %zu statements of %zu corpus files (of %zu) pack as libpg_query packed them\n",
		      w.statements, w.whole, w.files);
	assert_true(w.whole > w.files * 9 / 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_taken_trees_pack_alike),
		cmocka_unit_test(test_corpora_trees_pack_alike),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
