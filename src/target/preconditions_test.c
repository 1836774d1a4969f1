/*
 * preconditions_test.c - the gate's data preconditions
 * (src/target/preconditions.c) on the embedded server: each kind passing
 * and failing (precondition-failed), the data destroyed by DROP TABLE,
 * DROP COLUMN and TRUNCATE (data-loss-estimate), sample mode, a check
 * that runs out of time, one behind a lock and one the role may not read
 * (notes, never a pass), a statement after pending DML on its table (not
 * checked), and expressions that would call other than built-in functions;
 * the counts on each finding (gk_finding.precondition) and in the JSON
 * report's `precondition`.
 */
/* test needs: postgres */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "gatekeeper/render.h"
#include "target/preconditions.h"
#include "target/target_test_support.h"

#include <jansson.h>
#include <stdio.h>

/* The pending migration `text` checked on `url`: the report (finished). */
static gk_report *check_on(const char *url, const char *text, bool sample, int timeout_ms)
{
	gk_target *t = target_or_fail(url);
	gk_report *r = gk_report_new("gate");
	gk_lint_options o;
	gk_lint_options_init(&o);
	gk_precheck_input in = {.path = "m/migration.sql", .text = text, .len = strlen(text)};
	gk_precheck_options po = {.sample = sample, .timeout_ms = timeout_ms};
	gk_error err = {0, ""};
	if (gk_target_data_checks(r, &o, t, &in, 1, &po, &err) != 0)
		fail_msg("gk_target_data_checks: %s", err.msg);
	gk_target_close(t);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	return r;
}

static gk_report *check(const db *d, const char *text) { return check_on(d->conninfo, text, false, 0); }

/* Exactly one finding of `rule`, its message holding each of the NULL-ended strings. */
static void expect_finding(gk_report *r, const char *rule, ...)
{
	if (r->n_findings != 1)
		fail_msg("%zu findings, wanted one %s (first: %s)", r->n_findings, rule,
			 r->n_findings ? r->findings[0].message : "-");
	assert_string_equal(r->findings[0].rule_id, rule);
	va_list ap;
	va_start(ap, rule);
	for (const char *s; (s = va_arg(ap, const char *));)
		if (!strstr(r->findings[0].message, s))
			fail_msg("\"%s\" not in \"%s\"", s, r->findings[0].message);
	va_end(ap);
	gk_report_free(r);
}

static void expect_none(gk_report *r)
{
	if (r->n_findings != 0)
		fail_msg("unexpected finding: %s: %s", r->findings[0].rule_id, r->findings[0].message);
	assert_int_equal(r->exit_code, GK_EXIT_PASS);
	gk_report_free(r);
}

/* No finding, and a note holding `s`. */
static void expect_note(gk_report *r, const char *s)
{
	if (r->n_findings != 0)
		fail_msg("unexpected finding: %s", r->findings[0].message);
	bool seen = false;
	for (size_t i = 0; i < r->n_notes; i++)
		seen |= strstr(r->notes[i], s) != NULL;
	if (!seen)
		fail_msg("no note with \"%s\" (%zu notes%s%s)", s, r->n_notes, r->n_notes ? ": " : "",
			 r->n_notes ? r->notes[0] : "");
	gk_report_free(r);
}

#define FAILED "precondition-failed"

static void test_not_null(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	sql(&d, "CREATE TABLE users (id int, email text, name text); "
		"INSERT INTO users VALUES (1, 'a', 'x'), (2, NULL, 'y'), (3, NULL, NULL), (3, 'c', 'z')");
	gk_report *r = check(&d, "ALTER TABLE users ALTER COLUMN email SET NOT NULL;");
	assert_int_equal(r->exit_code, GK_EXIT_FAIL);
	assert_int_equal(r->findings[0].line, 1);
	expect_finding(r, FAILED, "ALTER COLUMN email SET NOT NULL will fail on the target", "2 rows of users",
		       "NULL in email", NULL);
	expect_none(check(&d, "-- names are set\nALTER TABLE public.users ALTER COLUMN id SET NOT NULL;"));
	/* ADD PRIMARY KEY: the NULLs and the duplicates, each a finding. */
	r = check(&d, "ALTER TABLE users ADD PRIMARY KEY (id, name);");
	assert_int_equal(r->n_findings, 1); /* (3, NULL) is NULL, not a duplicate: only the NULL check fails */
	expect_finding(r, FAILED, "ADD PRIMARY KEY (id, name)", "1 row of users has NULL in id, name", NULL);
	r = check(&d, "ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY (id);");
	expect_finding(r, FAILED, "ADD PRIMARY KEY (id)", "1 duplicate group of (id), 2 rows", NULL);
	drop_db(s, &d);
}

static void test_add_column_required(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	sql(&d, "CREATE TABLE \"Booking\" (id int); CREATE TABLE empty (id int); "
		"INSERT INTO \"Booking\" SELECT generate_series(1, 500)");
	expect_finding(check(&d, "ALTER TABLE \"Booking\" ADD COLUMN \"note\" TEXT NOT NULL;"), FAILED,
		       "ADD COLUMN note NOT NULL without a default will fail", "\"Booking\" has 500 rows", NULL);
	expect_none(check(&d, "ALTER TABLE empty ADD COLUMN note text NOT NULL;"));
	expect_none(check(&d, "ALTER TABLE \"Booking\" ADD COLUMN note text NOT NULL DEFAULT '';\n"
			      "ALTER TABLE \"Booking\" ADD COLUMN n2 bigserial NOT NULL;\n"
			      "ALTER TABLE \"Booking\" ADD COLUMN n3 int GENERATED ALWAYS AS IDENTITY;"));
	/* A table the pending migrations create is not on the target: nothing to count. */
	expect_none(check(&d, "CREATE TABLE fresh (id int);\nALTER TABLE fresh ADD COLUMN x int NOT NULL;"));
	drop_db(s, &d);
}

static void test_unique(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	sql(&d, "CREATE TABLE users (id int, email text, active bool); "
		"INSERT INTO users VALUES (1, 'a', true), (2, 'a', false), (3, 'A', true), (4, NULL, true), "
		"(5, NULL, true), (6, 'b', true), (7, 'b', true), (8, 'b', false)");
	expect_finding(check(&d, "CREATE UNIQUE INDEX CONCURRENTLY users_email ON users (email);"), FAILED,
		       "CREATE UNIQUE INDEX users_email will fail", "2 duplicate groups of (email), 5 rows in all", NULL);
	/* Expressions and a partial index: lower(email) where active. */
	expect_finding(check(&d, "CREATE UNIQUE INDEX u ON users (lower(email)) WHERE active;"), FAILED,
		       "2 duplicate groups of ((lower(email))), 4 rows", NULL);
	expect_none(check(&d, "ALTER TABLE users ADD CONSTRAINT users_id UNIQUE (id);"));
	expect_none(check(&d, "CREATE UNIQUE INDEX u2 ON users (email) WHERE id < 2 OR email IS NULL;"));
	/* NULLS NOT DISTINCT (PostgreSQL 15): the two NULLs collide too. */
	expect_finding(check(&d, "CREATE UNIQUE INDEX u3 ON users (email) NULLS NOT DISTINCT WHERE id >= 4;"), FAILED,
		       "2 duplicate groups of (email), 5 rows", NULL);
	drop_db(s, &d);
}

static void test_check(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	sql(&d, "CREATE TABLE orders (id int, amount numeric, qty int); "
		"INSERT INTO orders VALUES (1, 10, 1), (2, -5, 1), (3, NULL, 0), (4, 0, 2); "
		"ALTER TABLE orders ADD CONSTRAINT qty_positive CHECK (qty > 0) NOT VALID; "
		"ALTER TABLE orders ADD CONSTRAINT id_positive CHECK (id > 0) NOT VALID");
	expect_finding(check(&d, "ALTER TABLE orders ADD CONSTRAINT amount_positive CHECK (amount /* money */ > 0);"),
		       FAILED, "ADD CONSTRAINT amount_positive CHECK will fail", "2 rows of orders violate", NULL);
	expect_none(check(&d, "ALTER TABLE orders ADD CHECK (amount > -10 AND id BETWEEN 1 AND 4);"));
	/* NOT VALID skips the old rows; its VALIDATE later in the pending migrations does not. */
	expect_none(check(&d, "ALTER TABLE orders ADD CONSTRAINT a CHECK (amount > 0) NOT VALID;"));
	expect_finding(check(&d, "ALTER TABLE orders ADD CONSTRAINT a CHECK (amount > 0) NOT VALID;\n"
				 "ALTER TABLE orders VALIDATE CONSTRAINT a;"),
		       FAILED, "VALIDATE CONSTRAINT a will fail", "2 rows of orders violate", NULL);
	/* VALIDATE of a constraint the target has: its expression from the catalog. */
	expect_finding(check(&d, "ALTER TABLE orders VALIDATE CONSTRAINT qty_positive;"), FAILED,
		       "VALIDATE CONSTRAINT qty_positive will fail", "1 row of orders violates", NULL);
	expect_none(check(&d, "ALTER TABLE orders VALIDATE CONSTRAINT id_positive;"));
	expect_note(check(&d, "ALTER TABLE orders VALIDATE CONSTRAINT nope;"), "has no CHECK or FOREIGN KEY of that name");
	/* The migration's expressions run on the target: only built-in functions without side effects. */
	sql(&d, "CREATE FUNCTION touch(numeric) RETURNS bool LANGUAGE sql AS 'SELECT true'");
	expect_note(check(&d, "ALTER TABLE orders ADD CONSTRAINT t CHECK (touch(amount));"),
		    "not checked: it calls touch(), and the gate evaluates only built-in functions");
	expect_note(check(&d, "ALTER TABLE orders ADD CONSTRAINT t CHECK (public.abs(amount) > 0) NOT VALID;\n"
			      "ALTER TABLE orders VALIDATE CONSTRAINT t;"),
		    "not checked: it calls abs()");
	expect_note(check(&d, "ALTER TABLE orders ADD CHECK (amount OPERATOR(public.>) 0);"),
		    "names an operator's schema");
	expect_finding(check(&d, "ALTER TABLE orders ADD CHECK (abs(amount) > 0 AND pg_catalog.length(id::text) > 0);"),
		       FAILED, "1 row of orders violates", NULL);
	drop_db(s, &d);
}

static void test_foreign_key(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	sql(&d, "CREATE TABLE users (id int PRIMARY KEY, org int, UNIQUE (id, org)); "
		"INSERT INTO users VALUES (1, 1), (2, 1); "
		"CREATE TABLE posts (id int, user_id int, org int); "
		"INSERT INTO posts VALUES (1, 1, 1), (2, 7, 1), (3, 9, NULL), (4, NULL, NULL), (5, 2, 1); "
		"ALTER TABLE posts ADD CONSTRAINT posts_user FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID");
	expect_finding(check(&d, "ALTER TABLE posts ADD CONSTRAINT \"posts_user_id_fkey\" FOREIGN KEY (\"user_id\") "
				 "REFERENCES \"users\"(\"id\") ON DELETE CASCADE;"),
		       FAILED, "ADD CONSTRAINT posts_user_id_fkey FOREIGN KEY (user_id) will fail",
		       "2 rows of posts reference no row", NULL);
	/* REFERENCES users: its primary key, read from the target. */
	expect_finding(check(&d, "ALTER TABLE posts ADD FOREIGN KEY (user_id) REFERENCES users;"), FAILED,
		       "2 rows of posts reference no row", NULL);
	/* MATCH SIMPLE: a row with a NULL in the key is never an orphan; MATCH FULL: a partial one is. */
	expect_finding(check(&d, "ALTER TABLE posts ADD FOREIGN KEY (user_id, org) REFERENCES users (id, org);"), FAILED,
		       "1 row of posts references no row", NULL);
	expect_finding(check(&d, "ALTER TABLE posts ADD FOREIGN KEY (user_id, org) REFERENCES users (id, org) "
				 "MATCH FULL;"),
		       FAILED, "2 rows of posts reference no row", NULL);
	expect_finding(check(&d, "ALTER TABLE posts VALIDATE CONSTRAINT posts_user;"), FAILED,
		       "VALIDATE CONSTRAINT posts_user will fail", "2 rows", NULL);
	sql(&d, "DELETE FROM posts WHERE user_id > 2");
	expect_none(check(&d, "ALTER TABLE posts ADD FOREIGN KEY (user_id) REFERENCES users (id);\n"
			      "ALTER TABLE posts VALIDATE CONSTRAINT posts_user;"));
	drop_db(s, &d);
}

static void test_narrowing(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	sql(&d, "CREATE TABLE t (code varchar(20), big bigint, n numeric, txt text, sp char(10)); "
		"INSERT INTO t VALUES ('abc', 1, 1.4, '12', 'ab'), ('abcdef', 3000000000, 2.5, ' 7 ', 'ab   '), "
		"('ab   ', -5, 32767.4, 'x1', NULL), (NULL, NULL, 40000, NULL, 'abcd')");
	expect_finding(check(&d, "ALTER TABLE t ALTER COLUMN code TYPE varchar(3);"), FAILED,
		       "ALTER COLUMN code TYPE varchar will fail", "1 row of t holds", NULL);
	expect_none(check(&d, "ALTER TABLE t ALTER COLUMN code TYPE varchar(6);"));
	expect_finding(check(&d, "ALTER TABLE t ALTER COLUMN sp TYPE char(3);"), FAILED, "1 row", NULL);
	expect_finding(check(&d, "ALTER TABLE t ALTER COLUMN big TYPE integer;"), FAILED,
		       "ALTER COLUMN big TYPE int4 will fail", "1 row of t holds a value of big", NULL);
	expect_none(check(&d, "ALTER TABLE t ALTER COLUMN big TYPE bigint;"));
	expect_finding(check(&d, "ALTER TABLE t ALTER COLUMN txt TYPE bigint USING txt::bigint;"), FAILED, "1 row", NULL);
	expect_finding(check(&d, "ALTER TABLE t ALTER COLUMN n TYPE smallint;"), FAILED, "1 row", NULL);
	/* USING: the cast's argument is what is converted. */
	expect_finding(check(&d, "ALTER TABLE t ALTER COLUMN txt TYPE integer USING txt::integer;"), FAILED,
		       "1 row of t", NULL);
	expect_none(check(&d, "ALTER TABLE t ALTER COLUMN txt TYPE integer USING NULLIF(txt, 'x1')::integer;"));
	/* A USING cast to a type without a guard is listed as not checked. */
	expect_note(check(&d, "ALTER TABLE t ALTER COLUMN txt TYPE uuid USING txt::uuid;"), "not checked: only casts");
	expect_note(check(&d, "ALTER TABLE t ALTER COLUMN txt TYPE integer USING (SELECT 1);"), "holds a subquery");
	drop_db(s, &d);
}

static void test_enum_recreation(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	sql(&d, "CREATE TYPE \"Role\" AS ENUM ('USER', 'ADMIN', 'GUEST'); "
		"CREATE TABLE \"User\" (id int, \"role\" \"Role\"); "
		"INSERT INTO \"User\" VALUES (1, 'USER'), (2, 'GUEST'), (3, NULL), (4, 'GUEST')");
	/* What `prisma migrate dev` writes when a value is removed. */
	const char *removes_guest =
		"-- AlterEnum\n"
		"BEGIN;\n"
		"CREATE TYPE \"Role_new\" AS ENUM ('USER', 'ADMIN');\n"
		"ALTER TABLE \"User\" ALTER COLUMN \"role\" TYPE \"Role_new\" USING (\"role\"::text::\"Role_new\");\n"
		"ALTER TYPE \"Role\" RENAME TO \"Role_old\";\n"
		"ALTER TYPE \"Role_new\" RENAME TO \"Role\";\n"
		"DROP TYPE \"Role_old\";\n"
		"COMMIT;\n";
	gk_report *r = check(&d, removes_guest);
	assert_int_equal(r->findings[0].line, 4);
	expect_finding(r, FAILED, "ALTER COLUMN role TYPE Role_new will fail",
		       "2 rows of \"User\" hold a value of role that the recreated enum no longer has", NULL);
	sql(&d, "UPDATE \"User\" SET \"role\" = 'USER' WHERE \"role\" = 'GUEST'");
	expect_none(check(&d, removes_guest));
	drop_db(s, &d);
}

static void test_data_loss(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	sql(&d, "CREATE TABLE old (id int, legacy text); "
		"INSERT INTO old SELECT g, CASE WHEN g %% 4 = 0 THEN NULL ELSE 'v' END FROM generate_series(1, 1000) g; "
		"CREATE TABLE logs (id int); INSERT INTO logs SELECT generate_series(1, 30); ANALYZE old; ANALYZE logs");
	gk_report *r = check(&d, "ALTER TABLE old DROP COLUMN legacy;");
	assert_int_equal(r->findings[0].severity, GK_SEV_INFO);
	assert_int_equal(r->exit_code, GK_EXIT_PASS);
	expect_finding(r, "data-loss-estimate", "DROP COLUMN legacy on old destroys 750 non-null values (of 1000 rows)",
		       NULL);
	expect_finding(check(&d, "DROP TABLE IF EXISTS public.old CASCADE;"), "data-loss-estimate",
		       "DROP TABLE destroys the rows of public.old: 1000 rows", NULL);
	expect_finding(check(&d, "TRUNCATE logs;"), "data-loss-estimate", "TRUNCATE destroys the rows of logs: 30 rows",
		       NULL);
	/* Sample mode: from the statistics, without reading the table. */
	expect_finding(check_on(d.conninfo, "ALTER TABLE old DROP COLUMN legacy;", true, 0), "data-loss-estimate",
		       "destroys ~750 non-null values (of ~1000 rows) (estimated from the statistics)", NULL);
	expect_finding(check_on(d.conninfo, "DROP TABLE logs;", true, 0), "data-loss-estimate", "~30 rows", NULL);
	drop_db(s, &d);
}

static void test_sample(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	sql(&d, "CREATE TABLE big (id int, v int); "
		"INSERT INTO big SELECT g, CASE WHEN g IN (5, 150000) THEN NULL ELSE g END FROM generate_series(1, 200000) g");
	/* The first 100000 rows hold one NULL: found, as "at least". */
	expect_finding(check_on(d.conninfo, "ALTER TABLE big ALTER COLUMN v SET NOT NULL;", true, 0), FAILED,
		       "at least 1 row of big has NULL in v", NULL);
	expect_finding(check(&d, "ALTER TABLE big ALTER COLUMN v SET NOT NULL;"), FAILED, "2 rows of big", NULL);
	/* Duplicates and orphans within the sample. */
	sql(&d, "CREATE TABLE ref (id int PRIMARY KEY); INSERT INTO ref SELECT generate_series(1, 10); "
		"CREATE TABLE dup (v int); "
		"INSERT INTO dup SELECT CASE WHEN g <= 3 THEN 0 ELSE g END FROM generate_series(1, 200000) g");
	expect_finding(check_on(d.conninfo, "CREATE UNIQUE INDEX dup_v ON dup (v);", true, 0), FAILED,
		       "at least 1 duplicate group of (v), 3 rows", NULL);
	expect_finding(check_on(d.conninfo, "ALTER TABLE dup ADD FOREIGN KEY (v) REFERENCES ref (id);", true, 0),
		       FAILED, "at least 99993 rows of dup reference no row", NULL);
	expect_finding(check(&d, "ALTER TABLE dup ADD FOREIGN KEY (v) REFERENCES ref (id);"), FAILED,
		       "199993 rows of dup reference no row", NULL);
	/* None in the sample proves nothing: a note says so, no pass. */
	sql(&d, "UPDATE big SET v = 0 WHERE id = 5");
	expect_note(check_on(d.conninfo, "ALTER TABLE big ALTER COLUMN v SET NOT NULL;", true, 0),
		    "no violation among the first 100000 rows read (a sample, not a proof)");
	drop_db(s, &d);
}

static void test_timeout(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	sql(&d, "CREATE TABLE big (id int, v int); INSERT INTO big SELECT g, g FROM generate_series(1, 300000) g");
	/* 1 ms cannot count 300000 rows twice over: not run, never passed. */
	gk_report *r = check_on(d.conninfo, "ALTER TABLE big ADD CONSTRAINT c CHECK (v > 0 AND v::text <> 'x');", false, 1);
	assert_int_equal(r->exit_code, GK_EXIT_PASS);
	expect_note(r, "did not finish within 1 ms (statement_timeout)");
	/* The next check has its own transaction and time. */
	r = check_on(d.conninfo, "ALTER TABLE big ADD CONSTRAINT c CHECK (v > 0 AND v::text <> 'x');\n"
				 "ALTER TABLE big ADD CONSTRAINT d CHECK (v > 1);", false, 5000);
	expect_finding(r, FAILED, "1 row of big violates", NULL);
	/* A check never queues behind a lock: the session's lock_timeout ends it, reported as not run. */
	PGconn *holder = connect_as_super(&d);
	exec_on(holder, "BEGIN; LOCK TABLE big IN ACCESS EXCLUSIVE MODE");
	expect_note(check(&d, "ALTER TABLE big ALTER COLUMN v SET NOT NULL;"),
		    "not run: a lock on the table was not granted within the session's lock_timeout");
	PQfinish(holder);
	drop_db(s, &d);
}

static void test_role_without_select(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	sql(&d, "CREATE TABLE secret (id int, v text); INSERT INTO secret VALUES (1, NULL); "
		"CREATE TABLE open (id int); INSERT INTO open VALUES (1)");
	char *role = unique(s, "reader");
	make_reader(&d, role, "x");
	sql(&d, "GRANT SELECT ON open TO %s", role);
	char *url = url_for(&d, role, "x", NULL);
	expect_note(check_on(url, "ALTER TABLE secret ALTER COLUMN v SET NOT NULL;", false, 0),
		    "not run: permission denied for table secret (the role needs SELECT on it)");
	/* The checks it may read still run. */
	gk_report *r = check_on(url, "ALTER TABLE secret ALTER COLUMN v SET NOT NULL;\n"
				     "ALTER TABLE open ADD COLUMN x int NOT NULL;", false, 0);
	expect_finding(r, FAILED, "open has 1 row", NULL);
	free(url);
	free(role);
	drop_db(s, &d);
}

static void test_changed_before(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	sql(&d, "CREATE TABLE users (id int, email text); INSERT INTO users VALUES (1, NULL)");
	/* The backfill runs first: the target's NULL is not what SET NOT NULL meets. */
	expect_note(check(&d, "UPDATE users SET email = '' WHERE email IS NULL;\n"
			      "ALTER TABLE users ALTER COLUMN email SET NOT NULL;"),
		    "not checked: m/migration.sql:1 changes the table's rows before this statement");
	expect_note(check(&d, "DO $$ BEGIN PERFORM 1; END $$;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;"),
		    "(DO or CALL) may change any table's rows");
	/* A column the pending migrations add is not on the target yet. */
	expect_note(check(&d, "ALTER TABLE users ADD COLUMN plan text DEFAULT 'free';\n"
			      "ALTER TABLE users ALTER COLUMN plan SET NOT NULL;\n"
			      "CREATE UNIQUE INDEX users_plan ON users (plan);"),
		    "not checked: m/migration.sql:1 adds the column, so the target does not have it yet");
	/* DML on another table changes nothing here. */
	expect_finding(check(&d, "INSERT INTO other VALUES (1);\nALTER TABLE users ALTER COLUMN email SET NOT NULL;"),
		       FAILED, "1 row of users has NULL", NULL);
	drop_db(s, &d);
}

/* Values never reach a message, and the finder's parse of what it supports. */
static void test_counts_only(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	sql(&d, "CREATE TABLE t (v text); INSERT INTO t VALUES ('s3cr3t-value'), ('s3cr3t-value'), ('n0t-a-number')");
	gk_report *r = check(&d, "CREATE UNIQUE INDEX t_v ON t (v);\nALTER TABLE t ALTER COLUMN v TYPE int USING v::int;");
	assert_int_equal(r->n_findings, 2);
	for (size_t i = 0; i < r->n_findings; i++) {
		assert_null(strstr(r->findings[i].message, "s3cr3t"));
		assert_null(strstr(r->findings[i].message, "n0t"));
	}
	gk_report_free(r);
	/* A query that fails on a value: SQLSTATE only, no message. */
	expect_note(check(&d, "ALTER TABLE t ALTER COLUMN v TYPE int USING (v::numeric)::int;"),
		    "SQLSTATE 22P02; its message is not shown");
	drop_db(s, &d);
}

/* The first finding's counts are `kind`, `rows`, `groups`, `values`, `sampled`, `estimated`. */
static void expect_counts(gk_report *r, const char *kind, long long rows, long long groups, long long values,
			  bool sampled, bool estimated)
{
	assert_true(r->n_findings >= 1);
	const gk_precondition *p = &r->findings[0].precondition;
	if (!p->kind)
		fail_msg("no counts on %s: %s", r->findings[0].rule_id, r->findings[0].message);
	assert_string_equal(p->kind, kind);
	assert_int_equal(p->rows, rows);
	assert_int_equal(p->groups, groups);
	assert_int_equal(p->values, values);
	assert_int_equal(p->sampled, sampled);
	assert_int_equal(p->estimated, estimated);
}

/* The JSON report of `r`, parsed. */
static json_t *as_json(const gk_report *r)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	gk_render_options o = {0};
	gk_error err = {0, ""};
	assert_int_equal(gk_render_json(r, f, &o, &err), 0);
	fclose(f);
	json_error_t je;
	json_t *doc = json_loadb(buf, n, 0, &je);
	if (!doc)
		fail_msg("not JSON: %s", je.text);
	free(buf);
	return doc;
}

/* Each kind's counts are in the report model (put there by the gate's
 * check, not read from the message) and in the JSON report; a finding
 * of another rule has none. */
static void test_counts_in_the_model(void **state)
{
	suite *s = *state;
	db d = fresh_db(s);
	sql(&d, "CREATE TABLE users (id int, email text); "
		"INSERT INTO users VALUES (1, 'a'), (2, NULL), (3, NULL), (3, 'a'), (4, 'a'); ANALYZE users");
	gk_report *r = check(&d, "ALTER TABLE users ALTER COLUMN email SET NOT NULL;");
	expect_counts(r, "nulls", 2, -1, -1, false, false);
	json_t *doc = as_json(r);
	json_t *p = json_object_get(json_array_get(json_object_get(doc, "findings"), 0), "precondition");
	assert_string_equal(json_string_value(json_object_get(p, "kind")), "nulls");
	assert_int_equal(json_integer_value(json_object_get(p, "rows")), 2);
	assert_true(json_is_null(json_object_get(p, "groups")));
	assert_true(json_is_null(json_object_get(p, "values")));
	assert_true(json_is_false(json_object_get(p, "sampled")));
	assert_true(json_is_false(json_object_get(p, "estimated")));
	json_decref(doc);
	gk_report_free(r);

	r = check(&d, "CREATE UNIQUE INDEX u ON users (email);");
	expect_counts(r, "unique", 3, 1, -1, false, false); /* one group ('a'), three rows */
	doc = as_json(r);
	p = json_object_get(json_array_get(json_object_get(doc, "findings"), 0), "precondition");
	assert_int_equal(json_integer_value(json_object_get(p, "groups")), 1);
	json_decref(doc);
	gk_report_free(r);

	r = check(&d, "ALTER TABLE users ADD COLUMN n int NOT NULL;");
	expect_counts(r, "rows", 5, -1, -1, false, false);
	gk_report_free(r);
	r = check_on(d.conninfo, "ALTER TABLE users ALTER COLUMN email SET NOT NULL;", true, 0);
	expect_counts(r, "nulls", 2, -1, -1, true, false);
	gk_report_free(r);
	r = check(&d, "ALTER TABLE users DROP COLUMN email;");
	expect_counts(r, "loss_column", 5, -1, 3, false, false);
	doc = as_json(r);
	p = json_object_get(json_array_get(json_object_get(doc, "findings"), 0), "precondition");
	assert_int_equal(json_integer_value(json_object_get(p, "values")), 3);
	json_decref(doc);
	gk_report_free(r);
	r = check_on(d.conninfo, "DROP TABLE users;", true, 0);
	expect_counts(r, "loss_rows", 5, -1, -1, true, true); /* --data-checks sample: from the statistics */
	gk_report_free(r);

	/* Not a precondition finding: no counts, no key. */
	r = gk_report_new("gate");
	gk_finding f = {.rule_id = "set-not-null", .message = (char *)"m", .path = (char *)"a.sql", .line = 1};
	assert_int_equal(gk_report_add_finding(r, &f), 0);
	gk_report_finish(r, GK_SEV_ERROR, 0);
	assert_null(r->findings[0].precondition.kind);
	doc = as_json(r);
	assert_null(json_object_get(json_array_get(json_object_get(doc, "findings"), 0), "precondition"));
	json_decref(doc);
	gk_report_free(r);
	drop_db(s, &d);
}

/* How many checks the finder lists for `text` (no server needed). */
static size_t found(const char *text)
{
	gk_precheck_input in = {.path = "m.sql", .text = text, .len = strlen(text)};
	gk_precheck *c = NULL;
	size_t n = 0;
	assert_int_equal(gk_precheck_find(&in, 1, &c, &n), 0);
	gk_prechecks_free(c, n);
	return n;
}

static void test_find(void **state)
{
	(void)state;
	/* int -> bigint without USING only widens: no scan is spent on it. */
	assert_int_equal(found("ALTER TABLE t ALTER COLUMN id TYPE bigint;"), 0);
	assert_int_equal(found("ALTER TABLE t ALTER COLUMN id TYPE integer;"), 1);
	assert_int_equal(found("ALTER TABLE t ALTER COLUMN id TYPE bigint USING id::bigint;"), 1);
	/* Nothing in the data decides these. */
	assert_int_equal(found("CREATE INDEX i ON t (a); ALTER TABLE t ADD COLUMN b int; "
			       "ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0; ALTER TABLE t ALTER COLUMN a TYPE text; "
			       "ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX i; SELECT 1;"), 0);
	/* One statement, several commands: one check each. */
	assert_int_equal(found("ALTER TABLE t ALTER COLUMN a SET NOT NULL, ADD PRIMARY KEY (b), DROP COLUMN c;"), 4);
	assert_int_equal(found("DROP TABLE a, b; TRUNCATE c, d;"), 4);
	assert_int_equal(found("not sql at all ("), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_not_null),
		cmocka_unit_test(test_add_column_required),
		cmocka_unit_test(test_unique),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_foreign_key),
		cmocka_unit_test(test_narrowing),
		cmocka_unit_test(test_enum_recreation),
		cmocka_unit_test(test_data_loss),
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_role_without_select),
		cmocka_unit_test(test_changed_before),
		cmocka_unit_test(test_counts_only),
		cmocka_unit_test(test_counts_in_the_model),
	};
	return cmocka_run_group_tests_name("target preconditions", tests, group_start, group_stop);
}
