/*
 * locks_held_test.c - locks-held-across-statements where the rule examples
 * cannot show it, because it needs an earlier migration: the table of a
 * dropped index, the tables a statement locks without naming them (the
 * schema model finds them), and the statement the message names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "gatekeeper/lint.h"

static const char schema[] = "CREATE TABLE users (id bigint PRIMARY KEY, email text, code varchar(16));\n"
			     "CREATE INDEX users_email_idx ON users (email);\n"
			     "CREATE INDEX users_email_id_idx ON users (email, id);\n"
			     "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\n"
			     "CREATE TABLE items (id bigint, order_id bigint CONSTRAINT items_order_fk REFERENCES orders (id));\n"
			     "CREATE TABLE events (id bigint, at date) PARTITION BY RANGE (at);\n"
			     "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n"
			     "CREATE TABLE events_default PARTITION OF events DEFAULT;";

/* Lint `sql` as a per-file migration after `schema`, the existing tables. */
static gk_report *lint_after_schema(const char *sql)
{
	gk_lint_options o;
	gk_lint_options_init(&o);
	o.jobs = 1;
	gk_lint_input in[] = {
		{.path = "1.sql", .text = schema, .len = strlen(schema), .role = GK_LINT_CHECK, .new_change = true,
		 .runner = GK_RUNNER_PER_FILE},
		{.path = "2.sql", .text = sql, .len = strlen(sql), .role = GK_LINT_CHECK, .new_change = true,
		 .runner = GK_RUNNER_PER_FILE},
	};
	gk_report *r = gk_report_new("test");
	gk_error err = {0};
	assert_int_equal(gk_lint_inputs(r, &o, in, 2, &err), 0);
	return r;
}

/* The only finding of the rule in 2.sql (NULL when none); fails on more than one. */
static const gk_finding *held(const gk_report *r)
{
	const gk_finding *f = NULL;
	for (size_t i = 0; i < r->n_findings; i++)
		if (strcmp(r->findings[i].rule_id, "locks-held-across-statements") == 0 &&
		    strcmp(r->findings[i].path, "2.sql") == 0) {
			assert_null(f);
			f = &r->findings[i];
		}
	return f;
}

/* DROP INDEX: the lock that matters is on the index's table, known from its CREATE INDEX. */
static void test_locks_held__drop_index_names_its_table(void **state)
{
	(void)state;
	gk_report *r = lint_after_schema("DROP INDEX users_email_idx;\n"
					 "CREATE INDEX users_email_lower_idx ON users (lower(email));");
	const gk_finding *f = held(r);
	assert_non_null(f);
	assert_int_equal(f->line, 2);
	assert_non_null(strstr(f->message, "CREATE INDEX on line 2 builds an index on users"));
	assert_non_null(strstr(f->message, "which on its own would take only SHARE"));
	assert_non_null(strstr(f->message, "the ACCESS EXCLUSIVE lock that DROP INDEX on line 1 took on users (the table "
					   "of index users_email_idx)"));
	gk_report_free(r);
}

/* An index whose CREATE was never seen: its table is named as such. */
static void test_locks_held__drop_index_of_an_unknown_table(void **state)
{
	(void)state;
	gk_report *r = lint_after_schema("DROP INDEX orders_legacy_idx;\nUPDATE orders SET user_id = 0;");
	const gk_finding *f = held(r);
	assert_non_null(f);
	assert_non_null(strstr(f->message, "UPDATE on line 2 updates rows of orders"));
	assert_non_null(strstr(f->message, "took on the table of index orders_legacy_idx"));
	gk_report_free(r);
}

/* After DROP INDEX, a statement that needs ACCESS EXCLUSIVE on that same
 * table anyway changes nothing; on another table it waits for a lock. */
static void test_locks_held__drop_index_then_the_same_table(void **state)
{
	(void)state;
	gk_report *r = lint_after_schema("DROP INDEX users_email_idx;\nALTER TABLE users ADD COLUMN nickname text;");
	assert_null(held(r));
	gk_report_free(r);
	/* A table the same statement locked waits for nobody either. */
	r = lint_after_schema("LOCK TABLE users, orders;\nALTER TABLE orders ADD COLUMN note text;\n"
			      "ALTER TABLE users ADD COLUMN a text;");
	assert_null(held(r));
	gk_report_free(r);
	r = lint_after_schema("DROP INDEX users_email_idx;\nALTER TABLE orders ADD COLUMN note text;");
	const gk_finding *f = held(r);
	assert_non_null(f);
	assert_non_null(strstr(f->message, "ALTER TABLE on line 2 waits for ACCESS EXCLUSIVE on orders"));
	gk_report_free(r);
}

/* Several DROP INDEX on one table, known or not, before the same costly
 * statement: one finding, from the last of them. */
static void test_locks_held__drop_indexes_of_one_table_once(void **state)
{
	(void)state;
	gk_report *r = lint_after_schema("DROP INDEX users_email_idx;\nALTER TABLE users ADD COLUMN nick text;\n"
					 "DROP INDEX users_email_id_idx;\nCREATE INDEX users_nick_idx ON users (nick);");
	const gk_finding *f = held(r);
	assert_non_null(f);
	assert_non_null(strstr(f->message, "lock that ALTER TABLE on line 2 took on users"));
	gk_report_free(r);
	r = lint_after_schema("DROP INDEX a_idx;\nDROP INDEX b_idx;\nDROP INDEX c_idx;\n"
			      "CREATE INDEX users_nick_idx ON users (email);");
	f = held(r);
	assert_non_null(f);
	assert_non_null(strstr(f->message, "DROP INDEX on line 3 took on the table of index c_idx"));
	gk_report_free(r);
}

/* Widening a varchar the model knows rewrites nothing: on a table the
 * transaction already holds it is quick; another type change is not. */
static void test_locks_held__varchar_widening_is_quick(void **state)
{
	(void)state;
	gk_report *r = lint_after_schema("ALTER TABLE users ADD COLUMN a text;\nLOCK TABLE orders;\n"
					 "ALTER TABLE users ALTER COLUMN code TYPE varchar(64);");
	const gk_finding *f = held(r); /* the LOCK TABLE waits; nothing after it is slow */
	assert_non_null(f);
	assert_int_equal(f->line, 2);
	gk_report_free(r);
	r = lint_after_schema("LOCK TABLE orders, users;\nALTER TABLE users ALTER COLUMN code TYPE varchar(64);\n"
			      "ALTER TABLE users ALTER COLUMN code TYPE text;");
	assert_null(held(r));
	gk_report_free(r);
	r = lint_after_schema("LOCK TABLE orders, users;\nALTER TABLE users ALTER COLUMN code TYPE varchar(8);");
	f = held(r);
	assert_non_null(f);
	assert_non_null(strstr(f->message, "changes a column type of users"));
	gk_report_free(r);
}

/* Quick statements on the held table are skipped: the finding is on the
 * first costly one, and names it with its line. */
static void test_locks_held__names_the_costly_statement(void **state)
{
	(void)state;
	gk_report *r = lint_after_schema("ALTER TABLE users ADD COLUMN plan text;\n"
					 "ALTER TABLE users ALTER COLUMN plan SET DEFAULT 'free';\n"
					 "ALTER INDEX users_email_idx RENAME TO users_email_key;\n"
					 "UPDATE pg_index SET indisready = false WHERE indexrelid = 'users_email_key'::regclass;\n"
					 "UPDATE users SET plan = 'free';");
	const gk_finding *f = held(r);
	assert_non_null(f);
	assert_int_equal(f->line, 5); /* not the catalog patch on line 4 */
	assert_non_null(strstr(f->message, "UPDATE on line 5 updates rows of users, while the ACCESS EXCLUSIVE lock "
					   "that ALTER TABLE on line 1 took on users is still held"));
	gk_report_free(r);
}

/* A table created between the lock and the later statement is new, and
 * SELECT ... INTO creates one too; reading an existing table to fill it is
 * a backfill. */
static void test_locks_held__tables_created_in_between(void **state)
{
	(void)state;
	gk_report *r = lint_after_schema("ALTER TABLE users ADD COLUMN team_id bigint;\n"
					 "SELECT 1 AS id INTO teams;\n"
					 "CREATE INDEX teams_id_idx ON teams (id);\n"
					 "CREATE TABLE plans AS SELECT 1 AS id;\n"
					 "ALTER TABLE plans ADD PRIMARY KEY (id);");
	assert_null(held(r));
	gk_report_free(r);
	r = lint_after_schema("ALTER TABLE users ADD COLUMN team_id bigint;\n"
			      "SELECT id, user_id INTO order_copy FROM orders;");
	const gk_finding *f = held(r);
	assert_non_null(f);
	assert_non_null(strstr(f->message, "copies rows of existing tables (SELECT ... INTO) into order_copy"));
	gk_report_free(r);
}

/* DROP TABLE of a table with a foreign key holds its referenced table
 * too: a backfill of that table is slow work under the lock. */
static void test_locks_held__dropped_tables_referenced_table(void **state)
{
	(void)state;
	gk_report *r = lint_after_schema("DROP TABLE items;\nUPDATE orders SET user_id = 0;");
	const gk_finding *f = held(r);
	assert_non_null(f);
	assert_non_null(strstr(f->message, "UPDATE on line 2 updates rows of orders, while the ACCESS EXCLUSIVE lock that "
					   "DROP TABLE on line 1 took on orders (a table the dropped table's foreign keys "
					   "referenced) is still held"));
	gk_report_free(r);
}

/* Dropping a foreign key already holds ACCESS EXCLUSIVE on the table it
 * referenced: a later statement on that table waits for nobody. */
static void test_locks_held__dropped_foreign_key_holds_its_table(void **state)
{
	(void)state;
	gk_report *r = lint_after_schema("ALTER TABLE items DROP CONSTRAINT items_order_fk;\n"
					 "ALTER TABLE orders ADD COLUMN note text;");
	assert_null(held(r));
	gk_report_free(r);
	r = lint_after_schema("ALTER TABLE items DROP CONSTRAINT items_order_fk;\nALTER TABLE users ADD COLUMN note text;");
	const gk_finding *f = held(r);
	assert_non_null(f);
	assert_non_null(strstr(f->message, "ALTER TABLE on line 2 waits for ACCESS EXCLUSIVE on users"));
	gk_report_free(r);
}

/* Dropping a partition holds its partitioned table and the default partition. */
static void test_locks_held__default_partition(void **state)
{
	(void)state;
	gk_report *r = lint_after_schema("DROP TABLE events_2024;\nDELETE FROM events_default WHERE at < '2024-01-01';");
	const gk_finding *f = held(r);
	assert_non_null(f);
	assert_non_null(strstr(f->message, "took on events (the partitioned table of the dropped partition)"));
	assert_non_null(strstr(f->message, "deletes rows of events_default"));
	gk_report_free(r);
}

/* A dropped partitioned table's partitions go with it: nothing is held
 * that anyone should still use. */
static void test_locks_held__partitions_dropped_with_their_table(void **state)
{
	(void)state;
	gk_report *r = lint_after_schema("DROP TABLE events;\nUPDATE users SET code = NULL;");
	assert_null(held(r));
	gk_report_free(r);
	/* TRUNCATE keeps them, locked. */
	r = lint_after_schema("TRUNCATE events;\nUPDATE users SET code = NULL;");
	const gk_finding *f = held(r);
	assert_non_null(f);
	assert_non_null(strstr(f->message, "TRUNCATE on line 1 took on events is still held"));
	gk_report_free(r);
}

/* DROP TABLE ... CASCADE holds the tables whose foreign keys it drops. */
static void test_locks_held__cascade_holds_the_referencing_tables(void **state)
{
	(void)state;
	gk_report *r = lint_after_schema("DROP TABLE orders CASCADE;\nUPDATE users SET code = NULL;");
	const gk_finding *f = held(r);
	assert_non_null(f);
	assert_non_null(strstr(f->message, "UPDATE on line 2 updates rows of users, while the ACCESS EXCLUSIVE lock that "
					   "DROP TABLE on line 1 took on items (its foreign key to the dropped table goes "
					   "with CASCADE) is still held: nobody can read or write items"));
	gk_report_free(r);
	r = lint_after_schema("DROP TABLE orders, items;\nUPDATE users SET code = NULL;");
	assert_null(held(r));
	gk_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_locks_held__drop_index_names_its_table),
		cmocka_unit_test(test_locks_held__drop_index_of_an_unknown_table),
		cmocka_unit_test(test_locks_held__drop_index_then_the_same_table),
		cmocka_unit_test(test_locks_held__drop_indexes_of_one_table_once),
		cmocka_unit_test(test_locks_held__varchar_widening_is_quick),
		cmocka_unit_test(test_locks_held__names_the_costly_statement),
		cmocka_unit_test(test_locks_held__tables_created_in_between),
		cmocka_unit_test(test_locks_held__dropped_tables_referenced_table),
		cmocka_unit_test(test_locks_held__dropped_foreign_key_holds_its_table),
		cmocka_unit_test(test_locks_held__default_partition),
		cmocka_unit_test(test_locks_held__partitions_dropped_with_their_table),
		cmocka_unit_test(test_locks_held__cascade_holds_the_referencing_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
