/*
 * stats_test.c - statistics snapshots (catalog/stats.h): a file read back
 * with every key checked, the messages of bad files, and snapshots taken
 * on the embedded cluster of tables whose sizes and counters are known
 * (without PostgreSQL binaries those tests skip, saying why).
 */
/* test needs: postgres */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "catalog/catalog_test_support.h"
#include "catalog/stats.h"
#include "gatekeeper/rules.h"

static const char good[] =
	"{\"format\": \"gatekeeper-stats/1\", \"server_version\": \"16.4\", \"server_version_num\": 160004,\n"
	" \"taken_at\": \"2026-01-02T00:00:00Z\", \"stats_reset\": \"2026-01-01T00:00:00Z\", \"tables\": [\n"
	"  {\"schema\": \"public\", \"name\": \"orders\", \"kind\": \"table\", \"reltuples\": 41000000,\n"
	"   \"total_bytes\": 19327352832, \"heap_bytes\": 15000000000, \"n_tup_ins\": 86400000, \"n_tup_upd\": 86400000,\n"
	"   \"n_tup_del\": 0, \"n_live_tup\": 40000000, \"n_dead_tup\": 1000, \"last_vacuum\": null,\n"
	"   \"last_autovacuum\": \"2026-01-01T12:00:00Z\", \"last_analyze\": null, \"last_autoanalyze\": null,\n"
	"   \"indexes\": [{\"name\": \"orders_pkey\", \"total_bytes\": 900000000, \"reltuples\": 41000000, \"idx_scan\": 7}]},\n"
	"  {\"schema\": \"app\", \"name\": \"tiny\", \"kind\": \"table\", \"reltuples\": -1, \"total_bytes\": 8192,\n"
	"   \"heap_bytes\": 8192, \"n_tup_ins\": 3, \"n_tup_upd\": 0, \"n_tup_del\": 0, \"n_live_tup\": 3,\n"
	"   \"n_dead_tup\": 0, \"last_vacuum\": null, \"last_autovacuum\": null, \"last_analyze\": null,\n"
	"   \"last_autoanalyze\": null, \"indexes\": []}]}\n";

static void test_parse(void **state)
{
	(void)state;
	gk_stats *s = NULL;
	gk_error err = {0, ""};
	assert_int_equal(gk_stats_parse(&s, good, sizeof good - 1, "stats.json", &err), 0);
	assert_int_equal(gk_stats_count(s), 2);
	assert_int_equal(gk_stats_server_version(s), 160004);
	assert_int_equal(gk_stats_taken_at(s), 1767312000LL);
	const gk_stats_table *t = gk_stats_find(s, NULL, "orders");
	assert_non_null(t);
	assert_int_equal(gk_stats_rows(t), 41000000);
	assert_int_equal(t->total_bytes, 19327352832LL);
	assert_string_equal(t->last_autovacuum, "2026-01-01T12:00:00Z");
	assert_null(t->last_vacuum);
	/* 172.8M writes over the day since the reset. */
	assert_true(t->writes_per_second > 1999.9 && t->writes_per_second < 2000.1);
	const gk_stats_index *ix = NULL;
	assert_ptr_equal(gk_stats_find_index(s, "public", "orders_pkey", &ix), t);
	assert_string_equal(ix->name, "orders_pkey");
	assert_null(gk_stats_find(s, "public", "tiny"));
	const gk_stats_table *tiny = gk_stats_find(s, "app", "tiny");
	assert_non_null(tiny);
	/* Never analyzed: the live count stands in. */
	assert_int_equal(gk_stats_rows(tiny), 3);
	gk_stats_free(s);
}

static void expect_error(const char *text, const char *want)
{
	gk_stats *s = NULL;
	gk_error err = {0, ""};
	assert_int_equal(gk_stats_parse(&s, text, strlen(text), "stats.json", &err), GK_EPARSE);
	assert_null(s);
	if (!strstr(err.msg, want))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, want);
}

static char *replaced(const char *from, const char *to)
{
	const char *at = strstr(good, from);
	assert_non_null(at);
	return gk_asprintf("%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
}

static void test_bad_files(void **state)
{
	(void)state;
	expect_error("{\"format\": ", "stats.json:1:");
	expect_error("[]", "stats.json: not a JSON object");
	char *t = replaced("gatekeeper-stats/1", "gatekeeper-stats/2");
	expect_error(t, "format is \"gatekeeper-stats/2\"");
	free(t);
	t = replaced("\"heap_bytes\": 8192", "\"heap_bytes\": \"8k\"");
	expect_error(t, "stats.json: tables[1].heap_bytes: expected a non-negative integer");
	free(t);
	t = replaced("\"idx_scan\": 7", "\"idx_scan\": -7");
	expect_error(t, "tables[0].idx_scan");
	free(t);
	t = replaced("2026-01-02T00:00:00Z", "yesterday");
	expect_error(t, "stats.json: taken_at: expected a UTC time");
	free(t);
	t = replaced("\"kind\": \"table\"", "\"kind\": \"view\"");
	expect_error(t, "tables[0].kind");
	free(t);
}

/* ---- findings in production (stats_context.c) -------------------------- */

static void add(gk_report *r, const char *rule, enum gk_severity sev, enum gk_prediction kind, const char *lock,
		const char *rel, bool rewrite, bool scan)
{
	gk_finding f = {.rule_id = rule, .severity = sev, .message = (char *)"msg", .path = (char *)"m.sql"};
	f.evidence.kind = kind;
	f.evidence.predicted = (gk_lock_fact){.lock = lock, .relation = (char *)rel, .rewrite = rewrite, .scan = scan};
	assert_int_equal(gk_report_add_finding(r, &f), 0);
}

static void test_annotate(void **state)
{
	(void)state;
	gk_stats *s = NULL;
	gk_error err = {0, ""};
	assert_int_equal(gk_stats_parse(&s, good, sizeof good - 1, "stats.json", &err), 0);
	gk_report *r = gk_report_new("check");
	add(r, "alter-column-type", GK_SEV_WARNING, GK_PREDICT_REWRITE, "ACCESS EXCLUSIVE", "orders", true, true);
	add(r, "set-not-null", GK_SEV_ERROR, GK_PREDICT_LOCK, "ACCESS EXCLUSIVE", "app.tiny", false, true);
	add(r, "drop-index-non-concurrent", GK_SEV_WARNING, GK_PREDICT_LOCK, "ACCESS EXCLUSIVE", "public.orders_pkey",
	    false, false);
	add(r, "create-index-non-concurrent", GK_SEV_ERROR, GK_PREDICT_LOCK, "SHARE", "public.unknown", false, true);
	add(r, "rename-column", GK_SEV_WARNING, GK_PREDICT_NONE, NULL, NULL, false, false);
	gk_size_thresholds t = {.rewrite = 1LL << 30, .info_below = 1LL << 20};
	assert_int_equal(gk_stats_annotate(r, s, "stats file", &t, &err), 0);
	const gk_finding *f = r->findings;
	assert_string_equal(f[0].production.summary,
			    "rewrites public.orders (41M rows, 18 GB, ~2,000 writes/s) under ACCESS EXCLUSIVE");
	assert_string_equal(f[0].production.relation, "public.orders");
	assert_string_equal(f[0].production.source, "stats file");
	assert_int_equal(f[0].production.rows, 41000000);
	assert_int_equal(f[0].severity, GK_SEV_ERROR);
	assert_string_equal(f[0].message, "msg (public.orders is 18 GB in production, over the rewrite size threshold of "
					  "1.0 GB: warning raised to error)");
	/* Tiny: an error falls to info, saying so; never analyzed, 3 live rows. */
	assert_string_equal(f[1].production.summary, "scans app.tiny (3 rows, 8.0 kB, no writes) under ACCESS EXCLUSIVE");
	assert_int_equal(f[1].severity, GK_SEV_INFO);
	assert_non_null(strstr(f[1].production.size_rule, "app.tiny is 8.0 kB in production, under the info_below size "
							 "threshold of 1.0 MB: error lowered to info"));
	/* An index: its size and its table's. */
	assert_string_equal(f[2].production.summary, "locks index public.orders_pkey (858 MB) of public.orders (41M rows, "
						     "18 GB, ~2,000 writes/s) under ACCESS EXCLUSIVE");
	assert_int_equal(f[2].severity, GK_SEV_WARNING); /* no lock threshold set */
	assert_null(f[2].production.size_rule);
	/* Not in the statistics, or no prediction: left alone. */
	assert_null(f[3].production.summary);
	assert_int_equal(f[3].severity, GK_SEV_ERROR);
	assert_null(f[4].production.summary);
	assert_string_equal(f[4].message, "msg");

	/* Staleness: a stats-stale warning on the file past the maximum age
	 * (the default, then a configured one), none within it; off is off. */
	gk_lint_options lo;
	gk_lint_options_init(&lo);
	size_t before = r->n_findings;
	assert_int_equal(gk_stats_check_age(r, &lo, s, "stats.json", 0, gk_stats_taken_at(s) + 6 * 86400, &err), 0);
	assert_int_equal(r->n_findings, before);
	assert_int_equal(gk_stats_check_age(r, &lo, s, "stats.json", 0, gk_stats_taken_at(s) + 8 * 86400, &err), 0);
	assert_int_equal(r->n_findings, before + 1);
	const gk_finding *st = &r->findings[before];
	assert_string_equal(st->rule_id, "stats-stale");
	assert_int_equal(st->severity, GK_SEV_WARNING);
	assert_string_equal(st->path, "stats.json");
	assert_int_equal(st->line, 0);
	assert_string_equal(st->message, "stale statistics: stats.json was taken 8.0 days ago, more than stats_max_age "
					 "(7.0 days); its production sizes are still used and may be out of date");
	assert_int_equal(r->n_notes, 0);
	assert_int_equal(gk_stats_check_age(r, &lo, s, "stats.json", 3600, gk_stats_taken_at(s) + 7200, &err), 0);
	assert_int_equal(r->n_findings, before + 2);
	assert_non_null(strstr(r->findings[before + 1].message, "taken 0.1 days ago, more than stats_max_age (0.0 days)"));
	assert_int_equal(gk_lint_options_set_severity(&lo, "stats-stale", GK_SEV_OFF), 0);
	assert_int_equal(gk_stats_check_age(r, &lo, s, "stats.json", 0, gk_stats_taken_at(s) + 8 * 86400, &err), 0);
	assert_int_equal(r->n_findings, before + 2);
	gk_report_free(r);
	gk_stats_free(s);
}

/* ---- on a server ------------------------------------------------------- */

/* Counters reach the statistics views when a backend flushes them (at
 * the latest when it exits, which is after its client has left): wait. */
static void wait_for(const char *conninfo, const char *sql, const char *want)
{
	for (int i = 0; i < 100; i++) {
		char *v = query_value(conninfo, sql);
		bool ok = !strcmp(v, want);
		free(v);
		if (ok)
			return;
		usleep(100000);
	}
	fail_msg("%s never gave %s", sql, want);
}

static gk_stats *take(const char *conninfo, int sample)
{
	gk_stats *s = NULL;
	gk_error err = {0, ""};
	gk_stats_options o = {.sample_seconds = sample};
	if (gk_stats_take(&s, conninfo, &o, &err) != 0)
		fail_msg("stats: %s", err.msg);
	return s;
}

static long long value_ll(const char *conninfo, const char *sql)
{
	char *v = query_value(conninfo, sql);
	long long n = strtoll(v, NULL, 10);
	free(v);
	return n;
}

static void test_take(void **state)
{
	suite *su = *state;
	need_server(su, "taking statistics");
	db d = new_db(su);
	exec_sql(d.conninfo, "CREATE SCHEMA app");
	exec_sql(d.conninfo, "CREATE TABLE app.orders (id bigint PRIMARY KEY, note text)");
	exec_sql(d.conninfo, "CREATE INDEX orders_note_idx ON app.orders (note)");
	exec_sql(d.conninfo, "INSERT INTO app.orders SELECT g, 'n' || g FROM generate_series(1, 5000) g");
	exec_sql(d.conninfo, "UPDATE app.orders SET note = 'x' WHERE id <= 100");
	exec_sql(d.conninfo, "DELETE FROM app.orders WHERE id > 4990");
	exec_sql(d.conninfo, "VACUUM ANALYZE app.orders");
	exec_sql(d.conninfo, "CREATE TABLE public.empty (id int)");
	wait_for(d.conninfo, "SELECT n_tup_ins || '/' || n_tup_upd || '/' || n_tup_del FROM pg_stat_user_tables "
			     "WHERE relname = 'orders'", "5000/100/10");
	gk_stats *s = take(d.conninfo, 0);
	assert_int_equal(gk_stats_server_version(s), value_ll(d.conninfo, "SHOW server_version_num"));
	assert_true(llabs(gk_stats_taken_at(s) - (long long)time(NULL)) < 60);
	/* Sorted by schema, then name: app before public. */
	assert_int_equal(gk_stats_count(s), 2);
	assert_string_equal(gk_stats_table_at(s, 0)->name, "orders");
	assert_string_equal(gk_stats_table_at(s, 1)->name, "empty");
	const gk_stats_table *t = gk_stats_find(s, "app", "orders");
	assert_non_null(t);
	assert_int_equal(t->reltuples, 4990);
	assert_int_equal(t->n_live_tup, 4990);
	assert_int_equal(t->n_tup_ins, 5000);
	assert_int_equal(t->n_tup_upd, 100);
	assert_int_equal(t->n_tup_del, 10);
	assert_int_equal(t->heap_bytes, value_ll(d.conninfo, "SELECT pg_relation_size('app.orders')"));
	assert_int_equal(t->total_bytes, value_ll(d.conninfo, "SELECT pg_total_relation_size('app.orders')"));
	assert_non_null(t->last_vacuum);
	assert_non_null(t->last_analyze);
	assert_false(t->sampled);
	assert_int_equal(t->n_indexes, 2);
	assert_string_equal(t->indexes[0].name, "orders_note_idx");
	assert_string_equal(t->indexes[1].name, "orders_pkey");
	assert_int_equal(t->indexes[1].total_bytes, value_ll(d.conninfo, "SELECT pg_relation_size('app.orders_pkey')"));
	const gk_stats_table *e = gk_stats_find(s, NULL, "empty");
	assert_non_null(e);
	assert_int_equal(e->reltuples, -1);
	assert_int_equal(e->heap_bytes, 0);

	/* Written, it reads back the same; written twice, the same bytes
	 * (nothing changed in between but the time, which is whole seconds). */
	char *a = NULL, *b = NULL;
	size_t la = 0, lb = 0;
	FILE *f = open_memstream(&a, &la);
	gk_error err = {0, ""};
	assert_int_equal(gk_stats_write(s, f, &err), 0);
	fclose(f);
	gk_stats *back = NULL;
	assert_int_equal(gk_stats_parse(&back, a, la, "written", &err), 0);
	f = open_memstream(&b, &lb);
	assert_int_equal(gk_stats_write(back, f, &err), 0);
	fclose(f);
	assert_string_equal(a, b);
	/* Nothing but sizes and counters: no row value reached the file. */
	assert_null(strstr(a, "n4000"));
	assert_non_null(strstr(a, "\"format\": \"gatekeeper-stats/1\""));
	free(a);
	free(b);
	gk_stats_free(back);
	gk_stats_free(s);
	drop_db(su, &d);
}

/* Writes made while the sample runs. */
static void *writer(void *arg)
{
	usleep(300000);
	exec_sql(arg, "INSERT INTO app.hot SELECT g FROM generate_series(1, 30) g");
	exec_sql(arg, "UPDATE app.hot SET id = id + 100 WHERE id <= 10");
	return NULL;
}

/* A partitioned table holds no rows itself: its entry sums its leaf
 * partitions' rows and sizes (listed too); and the names the replay's
 * trace writes (quote_ident) find tables and indexes. */
static void test_partitioned(void **state)
{
	suite *su = *state;
	need_server(su, "taking statistics");
	db d = new_db(su);
	exec_sql(d.conninfo, "CREATE TABLE events (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at)");
	exec_sql(d.conninfo, "CREATE TABLE events_1 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')");
	exec_sql(d.conninfo, "CREATE TABLE events_2 PARTITION OF events FOR VALUES FROM ('2024-02-01') TO ('2024-03-01')");
	exec_sql(d.conninfo, "INSERT INTO events SELECT g, '2024-01-01'::date + (g % 50) FROM generate_series(1, 2000) g");
	exec_sql(d.conninfo, "CREATE TABLE \"Booking\" (id int)");
	exec_sql(d.conninfo, "ANALYZE events");
	gk_stats *s = take(d.conninfo, 0);
	const gk_stats_table *e = gk_stats_find(s, NULL, "events");
	assert_non_null(e);
	assert_string_equal(e->kind, "partitioned table");
	const gk_stats_table *p1 = gk_stats_find(s, NULL, "events_1"), *p2 = gk_stats_find(s, NULL, "events_2");
	assert_non_null(p1);
	assert_non_null(p2);
	assert_int_equal(e->reltuples, 2000);
	assert_int_equal(e->reltuples, p1->reltuples + p2->reltuples);
	assert_int_equal(e->total_bytes, p1->total_bytes + p2->total_bytes);
	assert_int_equal(e->heap_bytes, p1->heap_bytes + p2->heap_bytes);
	assert_true(e->total_bytes > 0);
	const gk_stats_index *ix = NULL;
	assert_ptr_equal(gk_stats_find_quoted(s, "public.events", &ix), e);
	assert_null(ix);
	assert_ptr_equal(gk_stats_find_quoted(s, "public.events_1_pkey", &ix), p1);
	assert_non_null(ix);
	assert_string_equal(ix->name, "events_1_pkey");
	assert_non_null(gk_stats_find_quoted(s, "public.\"Booking\"", &ix));
	assert_null(gk_stats_find_quoted(s, "public.booking", &ix));
	gk_stats_free(s);
	drop_db(su, &d);
}

static void test_sample(void **state)
{
	suite *su = *state;
	need_server(su, "sampling statistics");
	db d = new_db(su);
	exec_sql(d.conninfo, "CREATE SCHEMA app");
	exec_sql(d.conninfo, "CREATE TABLE app.hot (id int)");
	exec_sql(d.conninfo, "CREATE TABLE app.cold (id int)");
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, writer, d.conninfo), 0);
	gk_stats *s = take(d.conninfo, 2);
	pthread_join(th, NULL);
	const gk_stats_table *hot = gk_stats_find(s, "app", "hot"), *cold = gk_stats_find(s, "app", "cold");
	assert_non_null(hot);
	assert_true(hot->sampled);
	assert_int_equal(hot->sample_ins, 30);
	assert_int_equal(hot->sample_upd, 10);
	assert_int_equal(hot->sample_del, 0);
	/* 40 writes over 2 seconds. */
	assert_true(hot->writes_per_second > 19.9 && hot->writes_per_second < 20.1);
	assert_true(cold->sampled);
	assert_true(cold->writes_per_second == 0);
	gk_stats_free(s);
	drop_db(su, &d);
}

static void test_refused(void **state)
{
	suite *su = *state;
	need_server(su, "a refused connection");
	gk_stats *s = NULL;
	gk_error err = {0, ""};
	int rc = gk_stats_take(&s, "postgresql://gk:s3cret-pw@127.0.0.1:1/nope?connect_timeout=2", NULL, &err);
	assert_true(rc == GK_EINFRA || rc == GK_ECONFIG);
	assert_null(s);
	assert_null(strstr(err.msg, "s3cret-pw"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_annotate),
		cmocka_unit_test(test_take),
		cmocka_unit_test(test_partitioned),
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, group_setup_cluster, group_teardown_cluster);
}
