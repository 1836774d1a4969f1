/*
 * server_facts_test.c - the facts behind rule messages, checked on the
 * embedded server: alter-column-type, add-foreign-key-validated, prefer-text
 * and create-index-non-concurrent on a partitioned table; and what the docs
 * of the history rules say Prisma does with an edited migration.
 *
 * For every type pair the rule judges, the same change runs on a one-row
 * table of the shadow (under the same session TimeZone) and the test reads
 * pg_class.relfilenode before and after: the rule must report exactly the
 * changes that give the table a new file.  A REFERENCES written on ADD
 * COLUMN is judged the same way by the sequential scans the statement made
 * (pg_stat_xact_user_tables, read in its own transaction).  Also: with the
 * old type unknown the finding is a warning that says so, and prefer-text
 * says that lowering a varchar limit rewrites (the pairs show it does).
 * ADD COLUMN of a domain type: add-column-rewrite reports exactly the
 * columns whose domain makes the server give the table a new file, and the
 * NOT NULL domain without a DEFAULT that fails on a table with rows.
 * detach-partition-non-concurrent's help with a default partition:
 * PostgreSQL refuses CONCURRENTLY then.
 */
/* test needs: postgres */

#include "../replay/replay_test_support.h"

#include "gatekeeper/lint.h"
#include "gatekeeper/rules.h"
#include "lint_test_support.h"

typedef struct pair {
	const char *from, *to;
	const char *using; /* the USING expression of the column x, or NULL */
} pair;

/* From the PostgreSQL sources' rules (ATColumnChangeRequiresRewrite and the
 * types' support functions) and the cases people write: Prisma's
 * timestamp(3) pair, varchar limits, numeric precision, arrays. */
static const pair pairs[] = {
	{"timestamp(3)", "timestamptz(3)", NULL}, {"timestamp", "timestamptz", NULL},
	{"timestamp(3)", "timestamptz", NULL}, {"timestamp(3)", "timestamptz(6)", NULL},
	{"timestamp", "timestamptz(3)", NULL}, {"timestamptz(3)", "timestamp(3)", NULL},
	{"timestamptz", "timestamp", NULL}, {"timestamp", "timestamp(6)", NULL}, {"timestamp", "timestamp(3)", NULL},
	{"timestamp(3)", "timestamp(6)", NULL}, {"timestamp(6)", "timestamp(3)", NULL},
	{"timestamp(3)", "timestamp", NULL}, {"time", "time(6)", NULL}, {"time", "time(3)", NULL},
	{"time(3)", "time", NULL}, {"timetz(2)", "timetz(4)", NULL}, {"varchar", "varchar(10)", NULL},
	{"varchar(10)", "varchar", NULL}, {"varchar(10)", "varchar(5)", NULL}, {"varchar(10)", "varchar(20)", NULL},
	{"text", "varchar(10)", NULL}, {"text", "varchar", NULL}, {"varchar(10)", "text", NULL},
	{"numeric", "numeric(10,2)", NULL}, {"numeric(10,2)", "numeric", NULL},
	{"numeric(10,2)", "numeric(12,2)", NULL}, {"numeric(10,2)", "numeric(12,3)", NULL},
	{"numeric(10)", "numeric(12,0)", NULL}, {"varbit", "varbit(5)", NULL}, {"varbit(5)", "varbit(8)", NULL},
	{"interval(3)", "interval", NULL}, {"varchar(10)[]", "text[]", NULL}, {"text[]", "varchar[]", NULL},
	{"int", "bigint", NULL}, {"smallint", "int", NULL}, {"cidr", "inet", NULL}, {"char(2)", "char(3)", NULL},
	{"char(2)", "text", NULL}, {"varchar(10)", "char(10)", NULL}, {"json", "jsonb", NULL},
	{"varchar(10)", "text", "x::text"}, {"varchar(10)", "varchar(20)", "x::varchar(20)"}, {"text", "text", "x"},
	{"int", "bigint", "x::bigint"}, {"text", "text", "trim(x)"}, {"timestamp", "timestamptz", "x::timestamptz"},
	{"text", "varchar(5)", "x::varchar(5)"},
};

static const char *const zones[] = {"UTC", "America/New_York"};


static const gk_finding *find(const gk_report *r, const char *rule)
{
	for (size_t i = 0; i < r->n_findings; i++)
		if (strcmp(r->findings[i].rule_id, rule) == 0)
			return &r->findings[i];
	return NULL;
}

static void run(PGconn *c, const char *sql)
{
	PGresult *res = PQexec(c, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(res);
}

static char *value(PGconn *c, const char *sql)
{
	PGresult *res = PQexec(c, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	char *v = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return v;
}

static void assert_query_value(PGconn *c, const char *sql, const char *want)
{
	char *v = value(c, sql);
	if (strcmp(v, want) != 0)
		fail_msg("%s: got %s, want %s", sql, v, want);
	free(v);
}

/* Whether the server rewrites a one-row table for the change. */
static bool server_rewrites(PGconn *c, const char *zone, const pair *p)
{
	char sql[512];
	snprintf(sql, sizeof sql,
		 "SET TIME ZONE '%s'; DROP TABLE IF EXISTS m; CREATE TABLE m (x %s); INSERT INTO m VALUES (NULL)", zone,
		 p->from);
	run(c, sql);
	char *before = value(c, "SELECT relfilenode FROM pg_class WHERE relname = 'm'");
	snprintf(sql, sizeof sql, "ALTER TABLE m ALTER COLUMN x TYPE %s%s%s", p->to, p->using ? " USING " : "",
		 p->using ? p->using : "");
	run(c, sql);
	char *after = value(c, "SELECT relfilenode FROM pg_class WHERE relname = 'm'");
	bool rewrote = strcmp(before, after) != 0;
	free(before);
	free(after);
	return rewrote;
}

static void test_alter_column_type__matches_the_server(void **state)
{
	(void)state;
	db d = fresh_db();
	PGconn *c = PQconnectdb(d.conninfo);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	run(c, "SET client_min_messages = warning");
	for (size_t z = 0; z < sizeof zones / sizeof *zones; z++)
		for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
			const pair *p = &pairs[i];
			bool rewrites = server_rewrites(c, zones[z], p);
			char history[128], change[256];
			snprintf(history, sizeof history, "CREATE TABLE m (x %s);", p->from);
			snprintf(change, sizeof change, "SET TIME ZONE '%s';\nALTER TABLE m ALTER COLUMN x TYPE %s%s%s;",
				 zones[z], p->to, p->using ? " USING " : "", p->using ? p->using : "");
			gk_report *r = gk_test_lint_after(NULL, history, change);
			const gk_finding *f = find(r, "alter-column-type");
			if (rewrites != (f != NULL))
				fail_msg("%s -> %s%s%s in %s: the server %s, lint %s", p->from, p->to,
					 p->using ? " USING " : "", p->using ? p->using : "", zones[z],
					 rewrites ? "rewrites" : "does not rewrite", f ? f->message : "is silent");
			if (f)
				assert_int_equal(f->severity, GK_SEV_ERROR);
			gk_report_free(r);
		}
	PQfinish(c);
	drop_db(&d);
}

/* Sequential scans of table c that `stmt` makes, counted in its transaction. */
static long scans_by(PGconn *c, const char *stmt)
{
	run(c, "DROP TABLE IF EXISTS c; DROP TABLE IF EXISTS p; CREATE TABLE p (id int PRIMARY KEY); "
	       "INSERT INTO p SELECT g FROM generate_series(1, 100) g; "
	       "CREATE TABLE c (id int); INSERT INTO c SELECT g FROM generate_series(1, 100) g");
	run(c, "BEGIN");
	char *before = value(c, "SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'c'");
	run(c, stmt);
	char *after = value(c, "SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'c'");
	run(c, "COMMIT");
	long n = atol(after) - atol(before);
	free(before);
	free(after);
	return n;
}

static void test_add_column_references__checked_only_with_a_value(void **state)
{
	(void)state;
	static const char *const adds[] = {
		"ALTER TABLE c ADD COLUMN a int REFERENCES p (id)",
		"ALTER TABLE c ADD COLUMN a int DEFAULT NULL REFERENCES p (id)",
		"ALTER TABLE c ADD COLUMN a int DEFAULT 1 REFERENCES p (id)",
		"ALTER TABLE c ADD COLUMN a int GENERATED ALWAYS AS (1) STORED REFERENCES p (id)",
		"ALTER TABLE c ADD CONSTRAINT k FOREIGN KEY (id) REFERENCES p (id)",
	};
	db d = fresh_db();
	PGconn *c = PQconnectdb(d.conninfo);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	run(c, "SET client_min_messages = warning");
	for (size_t i = 0; i < sizeof adds / sizeof *adds; i++) {
		long scans = scans_by(c, adds[i]);
		char change[256];
		snprintf(change, sizeof change, "%s;", adds[i]);
		gk_report *r = gk_test_lint_after(NULL, "CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE c (id int);", change);
		const gk_finding *f = find(r, "add-foreign-key-validated");
		if ((scans > 0) != (f != NULL))
			fail_msg("%s: the server scans the table %ld times, lint %s", adds[i], scans,
				 f ? f->message : "is silent");
		gk_report_free(r);
	}
	PQfinish(c);
	drop_db(&d);
}

static void test_alter_column_type__unknown_old_type_is_a_warning(void **state)
{
	(void)state;
	gk_report *r = gk_test_lint_after(NULL, NULL, "ALTER TABLE users ALTER COLUMN id TYPE bigint;");
	const gk_finding *f = find(r, "alter-column-type");
	assert_non_null(f);
	assert_int_equal(f->severity, GK_SEV_WARNING);
	assert_non_null(strstr(f->message, "old type of id is unknown"));
	gk_report_free(r);
	/* The same change with the history known is an error. */
	r = gk_test_lint_after(NULL, "CREATE TABLE users (id int);", "ALTER TABLE users ALTER COLUMN id TYPE bigint;");
	f = find(r, "alter-column-type");
	assert_non_null(f);
	assert_int_equal(f->severity, GK_SEV_ERROR);
	assert_null(strstr(f->message, "unknown"));
	gk_report_free(r);
}

/* varchar(10) -> varchar(5) is in the pairs above: the server rewrites. */
static void test_prefer_text__lowering_a_limit_rewrites(void **state)
{
	(void)state;
	gk_report *r = gk_test_lint_after(NULL, NULL, "CREATE TABLE t (name varchar(10));");
	const gk_finding *f = find(r, "prefer-text");
	assert_non_null(f);
	assert_non_null(strstr(f->message, "lowering it rewrites the table"));
	assert_null(strstr(f->message, "scan"));
	const gk_rule_info *info = gk_rule_find("prefer-text");
	assert_null(strstr(info->why, "scan"));
	gk_report_free(r);
}

/* What the server says to `sql` on connection c: "" when it succeeds, else its message. */
static char *outcome(PGconn *c, const char *sql)
{
	PGresult *res = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(res);
	char *v = strdup(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? "" : PQresultErrorMessage(res));
	PQclear(res);
	return v;
}

/* Domains as a history leaves them: constraints added, dropped, renamed. */
static const char domains[] =
	"CREATE DOMAIN pos AS int CHECK (VALUE > 0);\n"
	"CREATE DOMAIN nn AS int NOT NULL;\n"
	"CREATE DOMAIN plain AS int;\n"
	"CREATE DOMAIN nv AS int;\n"
	"ALTER DOMAIN nv ADD CONSTRAINT nv_c CHECK (VALUE > 0) NOT VALID;\n"
	"CREATE DOMAIN gone AS int CONSTRAINT gone_c CHECK (VALUE > 0);\n"
	"ALTER DOMAIN gone DROP CONSTRAINT gone_c;\n"
	"CREATE DOMAIN unnamed AS int CHECK (VALUE > 0);\n"
	"ALTER DOMAIN unnamed DROP CONSTRAINT unnamed_check;\n"
	"CREATE DOMAIN nullable AS int NOT NULL;\n"
	"ALTER DOMAIN nullable DROP NOT NULL;\n"
	"CREATE DOMAIN old_name AS int CHECK (VALUE > 0);\n"
	"ALTER DOMAIN old_name RENAME TO new_name;\n"
	"CREATE TABLE m (id int);\n";

static void test_add_column_domain__rewrites_as_the_server_does(void **state)
{
	(void)state;
	static const char *const columns[] = {
		"pos", "pos DEFAULT 5", "pos DEFAULT NULL", "nn DEFAULT 1", "nn", "nv", "plain", "plain DEFAULT 5",
		"pos[]", "gone", "unnamed", "nullable", "new_name",
	};
	db d = fresh_db();
	PGconn *c = PQconnectdb(d.conninfo);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	run(c, domains);
	for (size_t i = 0; i < sizeof columns / sizeof *columns; i++) {
		run(c, "DROP TABLE m; CREATE TABLE m (id int); INSERT INTO m VALUES (1)");
		char *before = value(c, "SELECT relfilenode FROM pg_class WHERE relname = 'm'");
		char change[128];
		snprintf(change, sizeof change, "ALTER TABLE m ADD COLUMN a %s;", columns[i]);
		char *err = outcome(c, change);
		char *after = value(c, "SELECT relfilenode FROM pg_class WHERE relname = 'm'");
		bool rewrote = strcmp(before, after) != 0, failed = *err != '\0';
		if (failed && !strstr(err, "does not allow null values"))
			fail_msg("%s: %s", change, err);
		gk_report *r = gk_test_lint_after(NULL, domains, change);
		const gk_finding *f = find(r, "add-column-rewrite");
		if ((rewrote || failed) != (f != NULL))
			fail_msg("%s: the server %s, lint %s", change,
				 failed ? "fails" : rewrote ? "rewrites" : "does not rewrite", f ? f->message : "is silent");
		if (f && (strstr(f->message, "fails the statement on a table with rows") != NULL) != failed)
			fail_msg("%s: the server %s, lint says %s", change, failed ? "fails" : "succeeds", f->message);
		gk_report_free(r);
		free(before);
		free(after);
		free(err);
	}
	PQfinish(c);
	drop_db(&d);
}

/* With a default partition the server refuses DETACH ... CONCURRENTLY,
 * which lint then does not recommend; without one it detaches. */
static void test_detach_partition__concurrently_refused_with_a_default_partition(void **state)
{
	(void)state;
	static const char history[] =
		"CREATE TABLE ledger (id bigint, at date) PARTITION BY RANGE (at);\n"
		"CREATE TABLE ledger_2023 PARTITION OF ledger FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');\n"
		"CREATE TABLE ledger_rest PARTITION OF ledger DEFAULT;";
	db d = fresh_db();
	PGconn *c = PQconnectdb(d.conninfo);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	run(c, history);
	char *err = outcome(c, "ALTER TABLE ledger DETACH PARTITION ledger_2023 CONCURRENTLY");
	if (!strstr(err, "default partition"))
		fail_msg("DETACH ... CONCURRENTLY with a default partition: the server says '%s'", err);
	free(err);
	gk_report *r = gk_test_lint_after(NULL, history, "ALTER TABLE ledger DETACH PARTITION ledger_2023;");
	const gk_finding *f = find(r, "detach-partition-non-concurrent");
	assert_non_null(f);
	assert_non_null(strstr(f->help, "refused while the partitioned table has a default partition"));
	gk_report_free(r);
	run(c, "DROP TABLE ledger_rest");
	err = outcome(c, "ALTER TABLE ledger DETACH PARTITION ledger_2023 CONCURRENTLY");
	if (*err)
		fail_msg("DETACH ... CONCURRENTLY without a default partition: the server says '%s'", err);
	free(err);
	PQfinish(c);
	drop_db(&d);
}

/*
 * The partition-by-partition recipe the help gives runs, and ends with a
 * valid index on the parent; CONCURRENTLY on the parent fails, and lint
 * says so when an earlier migration created the table with PARTITION BY.
 */
static void test_create_index__partitioned_table(void **state)
{
	(void)state;
	static const char history[] =
		"CREATE TABLE events (id bigint, at date, kind int) PARTITION BY RANGE (at);\n"
		"CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n"
		"CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');";
	static const struct {
		const char *sql;
		bool fails, reported;
	} steps[] = {
		{"CREATE INDEX CONCURRENTLY events_kind_idx ON events (kind)", true, true},
		{"CREATE INDEX events_at_idx ON events (at)", false, true},
		{"CREATE INDEX events_kind_idx ON ONLY events (kind)", false, false},
		{"CREATE INDEX CONCURRENTLY events_2024_kind_idx ON events_2024 (kind)", false, false},
		{"CREATE INDEX CONCURRENTLY events_2025_kind_idx ON events_2025 (kind)", false, false},
		{"ALTER INDEX events_kind_idx ATTACH PARTITION events_2024_kind_idx", false, false},
		{"ALTER INDEX events_kind_idx ATTACH PARTITION events_2025_kind_idx", false, false},
	};
	db d = fresh_db();
	PGconn *c = PQconnectdb(d.conninfo);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	run(c, history);
	for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
		char *err = outcome(c, steps[i].sql);
		if ((*err != '\0') != steps[i].fails)
			fail_msg("%s: the server says '%s'", steps[i].sql, err);
		if (steps[i].fails)
			assert_non_null(strstr(err, "cannot create index on partitioned table"));
		free(err);
		char change[256];
		snprintf(change, sizeof change, "%s;", steps[i].sql);
		gk_report *r = gk_test_lint_after(NULL, history, change);
		const gk_finding *f = find(r, "create-index-non-concurrent");
		if ((f != NULL) != steps[i].reported)
			fail_msg("%s: lint %s", steps[i].sql, f ? f->message : "is silent");
		if (f) {
			assert_non_null(strstr(f->message, "partitioned table events"));
			assert_non_null(strstr(f->help, "ON ONLY"));
			assert_non_null(strstr(f->help, "ATTACH PARTITION"));
		}
		gk_report_free(r);
	}
	assert_query_value(c, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'events_kind_idx'::regclass", "t");
	PQfinish(c);
	drop_db(&d);
}

/*
 * What Prisma does with an edited applied migration, from its source:
 * `migrate deploy` applies migrations by name and has compared no checksum
 * since 3.12 (prisma/prisma#12381), `migrate dev` asks to reset.  The docs
 * must not say that deploy refuses, or warns today.
 */
static void test_history_docs__prisma_deploy_skips_an_edited_migration(void **state)
{
	(void)state;
	static const char *const ids[] = {"modified-migration", "migration-edited-after-apply"};
	for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
		const gk_rule_info *info = gk_rule_find(ids[i]);
		assert_non_null(info);
		assert_null(strstr(info->why, "refuses to deploy"));
		assert_null(strstr(info->why, "Prisma warns"));
		assert_non_null(strstr(info->why, "3.12"));
		assert_non_null(strstr(info->why, "migrate dev`"));
	}
}

static int group_setup(void **state)
{
	(void)state;
	open_shared();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alter_column_type__unknown_old_type_is_a_warning),
		cmocka_unit_test(test_alter_column_type__matches_the_server),
		cmocka_unit_test(test_add_column_references__checked_only_with_a_value),
		cmocka_unit_test(test_add_column_domain__rewrites_as_the_server_does),
		cmocka_unit_test(test_detach_partition__concurrently_refused_with_a_default_partition),
		cmocka_unit_test(test_prefer_text__lowering_a_limit_rewrites),
		cmocka_unit_test(test_create_index__partitioned_table),
		cmocka_unit_test(test_history_docs__prisma_deploy_skips_an_edited_migration),
	};
	return cmocka_run_group_tests_name("server_facts", tests, group_setup, group_teardown);
}
