/*
 * catalog_test.c - snapshots of real databases on the embedded cluster:
 * every object kind with its attributes, what is left out (extension
 * members, implicit objects, history tables, partition clones), byte-for-
 * byte determinism (also across a rebuild in another order), the options,
 * a role with nothing but CONNECT, the read-only connection, passwords kept
 * out of messages, files, and `gatekeeper snapshot` itself.
 */
/* test needs: postgres */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include "catalog/catalog_test_support.h"
#include "../../cmd/gatekeeper/cmd.h"

/* The fixture's database, built once by fixture_setup. */
typedef struct fixture {
	db d;
	gk_catalog *cat;
} fixture;

static const fixture *fx(void **state, const char *what)
{
	suite *s = *state;
	need_server(s, what);
	return s->extra;
}

static const char *attr_str(const gk_catalog *cat, const char *kind, const char *id, const char *attr)
{
	const json_t *o = object_of(cat, kind, id);
	if (!o)
		fail_msg("no %s %s in the snapshot", kind, id);
	const json_t *v = json_object_get(o, attr);
	if (!v)
		fail_msg("%s %s has no attribute %s", kind, id, attr);
	return json_string_value(v);  /* NULL for null (and for non-strings) */
}

static void assert_attr(const gk_catalog *cat, const char *kind, const char *id, const char *attr, const char *want)
{
	const char *got = attr_str(cat, kind, id, attr);
	if (!want && !got)
		return;
	if (!want || !got || strcmp(want, got) != 0)
		fail_msg("%s %s %s: got %s, want %s", kind, id, attr, got ? got : "null", want ? want : "null");
}

static void assert_bool(const gk_catalog *cat, const char *kind, const char *id, const char *attr, bool want)
{
	attr_str(cat, kind, id, attr);
	const json_t *v = json_object_get(object_of(cat, kind, id), attr);
	if (!json_is_boolean(v) || json_is_true(v) != want)
		fail_msg("%s %s %s: want %s", kind, id, attr, want ? "true" : "false");
}

/* The array attribute as "a|b|c". */
static void assert_list(const gk_catalog *cat, const char *kind, const char *id, const char *attr, const char *want)
{
	attr_str(cat, kind, id, attr);
	const json_t *v = json_object_get(object_of(cat, kind, id), attr);
	gk_buf b = GK_BUF_INIT;
	for (size_t i = 0; i < json_array_size(v); i++)
		gk_buf_printf(&b, "%s%s", i ? "|" : "", json_string_value(json_array_get(v, i)));
	if (strcmp(b.data ? b.data : "", want) != 0)
		fail_msg("%s %s %s: got %s, want %s", kind, id, attr, b.data ? b.data : "", want);
	gk_buf_free(&b);
}

static void assert_absent(const gk_catalog *cat, const char *kind, const char *id)
{
	if (object_of(cat, kind, id))
		fail_msg("%s %s should not be in the snapshot", kind, id);
}

/* ---- what a snapshot holds ------------------------------------------------ */

static void test_tables_and_columns(void **state)
{
	const gk_catalog *c = fx(state, "the table snapshot")->cat;
	assert_attr(c, "table", "app.events", "kind", "partitioned table");
	assert_attr(c, "table", "app.events", "partition_key", "RANGE (at)");
	assert_attr(c, "table", "app.events_2024", "partition_of", "app.events");
	assert_attr(c, "table", "app.events_2024", "partition_bound", "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')");
	assert_attr(c, "table", "app.cache", "persistence", "unlogged");
	assert_list(c, "table", "app.cache", "options", "autovacuum_enabled=false|fillfactor=70");
	assert_bool(c, "table", "app.users", "row_security", true);
	assert_bool(c, "table", "app.users", "force_row_security", true);
	assert_attr(c, "table", "app.users", "replica_identity", "default");
	assert_non_null(object_of(c, "table", "public.\"Mixed Case\""));

	assert_attr(c, "column", "app.users.id", "identity", "always");
	assert_attr(c, "column", "app.users.id", "identity_options",
		    "START 100 INCREMENT 2 MINVALUE 1 MAXVALUE 9223372036854775807 CACHE 1 NO CYCLE");
	assert_attr(c, "column", "app.users.score2", "generated", "(score * 2) STORED");
	assert_attr(c, "column", "app.users.score2", "default", NULL);
	assert_attr(c, "column", "app.users.name", "collation", "\"C\"");
	assert_attr(c, "column", "app.users.name", "compression", "pglz");
	assert_attr(c, "column", "app.users.mood", "default", "'ok'::app.mood");
	assert_attr(c, "column", "app.users.mood", "type", "app.mood");
	assert_attr(c, "column", "app.users.serial_no", "default", "nextval('app.users_serial_no_seq'::regclass)");
	assert_bool(c, "column", "app.users.created_at", "not_null", true);
	assert_attr(c, "column", "app.orders.total", "type", "numeric(10,2)");
	assert_attr(c, "column", "public.\"Mixed Case\".\"select\"", "type", "text");
	/* the domain's collation is the domain's, not the column's */
	assert_attr(c, "column", "app.users.email", "collation", NULL);
}

static void test_constraints_and_indexes(void **state)
{
	const gk_catalog *c = fx(state, "the constraint snapshot")->cat;
	const char *fk = "app.orders.orders_user_fk";
	assert_attr(c, "constraint", fk, "type", "foreign key");
	assert_attr(c, "constraint", fk, "definition", "FOREIGN KEY (user_id) REFERENCES app.users(id) ON DELETE CASCADE");
	assert_bool(c, "constraint", fk, "deferrable", true);
	assert_bool(c, "constraint", fk, "deferred", true);
	assert_bool(c, "constraint", "app.orders.orders_total_positive", "validated", false);
	assert_attr(c, "constraint", "app.orders.orders_total_positive", "definition", "CHECK (total > 0::numeric)");
	assert_attr(c, "constraint", "app.excl.excl_r_excl", "type", "exclusion");
	assert_attr(c, "constraint", "app.users.users_email_key", "definition", "UNIQUE (email)");
	assert_attr(c, "constraint", "app.email.email_has_at", "definition", "CHECK (VALUE ~~ '%@%'::text)");
	assert_attr(c, "constraint", "public.\"Mixed Case\".\"Mixed Case_pkey\"", "definition", "PRIMARY KEY (\"Id\")");

	assert_attr(c, "index", "app.users_lower_name_idx", "definition",
		    "CREATE UNIQUE INDEX users_lower_name_idx ON app.users USING btree (lower(name)) WHERE name IS NOT NULL");
	assert_bool(c, "index", "app.users_lower_name_idx", "unique", true);
	assert_attr(c, "index", "app.users_lower_name_idx", "table", "app.users");
	assert_bool(c, "index", "app.dups_v_idx", "valid", false);
	assert_attr(c, "index", "app.orders_placed_idx", "definition",
		    "CREATE INDEX orders_placed_idx ON app.orders USING brin (placed)");
	assert_attr(c, "index", "app.order_totals_user_idx", "table", "app.order_totals");
	/* backing a constraint: compared through the constraint */
	assert_absent(c, "index", "app.users_pkey");
	assert_absent(c, "index", "app.users_email_key");
}

static void test_types_and_sequences(void **state)
{
	const gk_catalog *c = fx(state, "the type snapshot")->cat;
	assert_list(c, "enum", "app.mood", "labels", "sad|ok|happy");
	assert_attr(c, "domain", "app.email", "type", "text");
	assert_attr(c, "domain", "app.email", "default", "'x@y'::text");
	assert_attr(c, "domain", "app.email", "collation", "\"C\"");
	assert_bool(c, "domain", "app.email", "not_null", true);
	assert_list(c, "composite", "app.address", "attributes", "street text|city text COLLATE \"C\"|zip integer");
	assert_attr(c, "range", "app.floatrange", "subtype", "double precision");
	assert_attr(c, "range", "app.floatrange", "opclass", "float8_ops");
	assert_attr(c, "range", "app.floatrange", "subdiff", "float8mi(double precision,double precision)");

	assert_attr(c, "sequence", "app.counter", "type", "integer");
	assert_attr(c, "sequence", "app.counter", "start", "10");
	assert_attr(c, "sequence", "app.counter", "increment", "5");
	assert_attr(c, "sequence", "app.counter", "max", "1000");
	assert_attr(c, "sequence", "app.counter", "cache", "2");
	assert_bool(c, "sequence", "app.counter", "cycle", true);
	assert_attr(c, "sequence", "app.users_serial_no_seq", "owned_by", "app.users.serial_no");
	/* an identity's sequence is implicit: reported under its column */
	assert_absent(c, "sequence", "app.users_id_seq");
}

static void test_views_routines_triggers_policies(void **state)
{
	const gk_catalog *c = fx(state, "the view snapshot")->cat;
	assert_attr(c, "view", "app.active_users", "definition",
		    " SELECT users.id,\n    users.email\n   FROM app.users\n  WHERE users.score > 0;");
	assert_list(c, "view", "app.active_users", "options", "security_barrier=true");
	assert_non_null(object_of(c, "materialized_view", "app.order_totals"));
	assert_attr(c, "function", "app.add(integer, integer)", "definition",
		    "CREATE OR REPLACE FUNCTION app.add(a integer, b integer)\n RETURNS integer\n LANGUAGE sql\n"
		    " IMMUTABLE\nAS $function$SELECT a + b$function$\n");
	assert_non_null(object_of(c, "procedure", "app.reset(app.mood)"));
	assert_absent(c, "function", "app.reset(app.mood)");
	assert_attr(c, "trigger", "app.users.users_touch", "enabled", "disabled");
	assert_attr(c, "trigger", "app.users.users_touch", "definition",
		    "CREATE TRIGGER users_touch BEFORE UPDATE ON app.users FOR EACH ROW WHEN (old.score IS DISTINCT "
		    "FROM new.score) EXECUTE FUNCTION app.touch()");
	assert_bool(c, "policy", "app.users.users_self", "permissive", false);
	assert_attr(c, "policy", "app.users.users_self", "command", "SELECT");
	assert_list(c, "policy", "app.users.users_self", "roles", "PUBLIC");
	assert_attr(c, "policy", "app.users.users_self", "using", "(id > 0)");
	assert_attr(c, "policy", "app.users.users_ins", "with_check", "(score >= 0)");
	assert_attr(c, "policy", "app.users.users_ins", "using", NULL);
}

static void test_schemas_extensions_not_compared(void **state)
{
	suite *s = *state;
	const gk_catalog *c = fx(state, "the schema snapshot")->cat;
	assert_non_null(object_of(c, "schema", "app"));
	assert_non_null(object_of(c, "schema", "public"));
	if (s->have_ext) {
		assert_attr(c, "extension", "citext", "schema", "public");
		assert_attr(c, "extension", "hstore", "version", "1.7");
		assert_attr(c, "column", "app.users.nick", "type", "public.citext");
		assert_attr(c, "column", "app.users.secret", "default", "public.gen_random_bytes(8)");
	}
	const json_t *nc = json_object_get(c->doc, "not_compared");
	assert_string_equal(json_string_value(json_array_get(json_object_get(nc, "aggregate"), 0)),
			    "app.mysum(integer)");
	assert_string_equal(json_string_value(json_array_get(json_object_get(nc, "rule"), 0)),
			    "app.cache.cache_no_delete");
	assert_int_equal(json_object_size(nc), 2);  /* extension members are not listed */
	assert_int_equal(gk_catalog_server_version(c) / 10000, 15);
	assert_int_equal(gk_catalog_count(c, "table"), 15);
	assert_int_equal(gk_catalog_count(c, "nothing"), 0);
}

static void test_exclusions(void **state)
{
	const gk_catalog *c = fx(state, "the exclusions")->cat;
	/* history tables, with their columns, keys and indexes */
	assert_absent(c, "table", "public._prisma_migrations");
	assert_absent(c, "column", "public._prisma_migrations.checksum");
	assert_absent(c, "constraint", "public._prisma_migrations._prisma_migrations_pkey");
	assert_absent(c, "table", "public.flyway_schema_history");
	assert_absent(c, "index", "public.flyway_schema_history_s_idx");
	/* what partitions inherit is compared on the parent */
	assert_absent(c, "constraint", "app.events_2024.events_2024_pkey");
	assert_absent(c, "constraint", "app.events_2024.events_id_positive");
	assert_absent(c, "trigger", "app.events_2024.events_audit");
	assert_absent(c, "index", "app.events_2024_payload_idx");
	assert_non_null(object_of(c, "trigger", "app.events.events_audit"));
	/* extension members and implicit objects: nothing of citext, pgcrypto,
	 * no multirange type, no range constructor */
	const char *id;
	json_t *v;
	json_object_foreach(json_object_get(json_object_get(c->doc, "objects"), "function"), id, v)
		if (strncmp(id, "app.", 4) != 0)
			fail_msg("function %s is an extension member", id);
	assert_int_equal(gk_catalog_count(c, "function"), 4);
	assert_int_equal(gk_catalog_count(c, "range"), 2);
	assert_absent(c, "schema", "pg_catalog");
	assert_absent(c, "schema", "information_schema");
	assert_absent(c, "schema", "pg_toast");
}

/* ---- determinism ---------------------------------------------------------- */

static char *sha256_hex(const char *s)
{
	unsigned char md[32];
	unsigned n = 0;
	assert_int_equal(EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL), 1);
	char *hex = malloc(65);
	for (unsigned i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return hex;
}

static void test_deterministic(void **state)
{
	suite *s = *state;
	const fixture *f = fx(state, "determinism");
	gk_catalog *a = snapshot(f->d.conninfo, NULL), *b = snapshot(f->d.conninfo, NULL);
	char *ba = bytes_of(a), *bb = bytes_of(b);
	assert_string_equal(ba, bb);
	char *hex = sha256_hex(ba);
	assert_string_equal(gk_catalog_sha256(a), hex);
	free(hex);

	/* the same schema built in another order: the same bytes */
	db other = new_db(s);
	build_fixture(s, other.conninfo, true);
	gk_catalog *o = snapshot(other.conninfo, NULL);
	char *bo = bytes_of(o);
	if (strcmp(ba, bo) != 0) {
		gk_catalog_diff_result *d = NULL;
		assert_int_equal(gk_catalog_diff(&d, a, o, NULL, NULL), 0);
		for (size_t i = 0; i < d->n_changes; i++)
			print_error("%s\n", d->changes[i].message);
		gk_catalog_diff_free(d);
		fail_msg("the reordered build gives another snapshot");
	}
	assert_string_equal(gk_catalog_sha256(o), gk_catalog_sha256(a));
	free(ba), free(bb), free(bo);
	gk_catalog_free(a), gk_catalog_free(b), gk_catalog_free(o);
	drop_db(s, &other);
}

/* ---- options ------------------------------------------------------------------ */

static void test_grants_owners_comments(void **state)
{
	suite *s = *state;
	need_server(s, "the options");
	db d = new_db(s);
	exec_sql(d.conninfo, "CREATE SCHEMA app; CREATE TABLE app.t (id integer, secret text); "
			     "CREATE FUNCTION app.f() RETURNS integer LANGUAGE sql AS 'SELECT 1'; "
			     "COMMENT ON TABLE app.t IS 'people'; COMMENT ON COLUMN app.t.id IS 'key'; "
			     "GRANT SELECT ON app.t TO pg_monitor; GRANT INSERT (id) ON app.t TO pg_monitor; "
			     "GRANT USAGE ON SCHEMA app TO pg_monitor WITH GRANT OPTION; "
			     "REVOKE EXECUTE ON FUNCTION app.f() FROM PUBLIC");
	gk_catalog_options o = {.include_grants = true, .include_owners = true, .include_comments = true};
	gk_catalog *c = snapshot(d.conninfo, &o);
	assert_attr(c, "table", "app.t", "comment", "people");
	assert_attr(c, "table", "app.t", "owner", "gatekeeper");
	assert_list(c, "table", "app.t", "grants", "pg_monitor SELECT");
	assert_attr(c, "column", "app.t.id", "comment", "key");
	assert_list(c, "column", "app.t.id", "grants", "pg_monitor INSERT");
	assert_attr(c, "column", "app.t.secret", "grants", NULL);
	assert_list(c, "schema", "app", "grants", "pg_monitor USAGE WITH GRANT OPTION");
	assert_attr(c, "function", "app.f()", "grants", NULL);
	assert_attr(c, "function", "app.f()", "owner", "gatekeeper");
	gk_catalog_free(c);

	/* without the options the attributes are absent, not null */
	c = snapshot(d.conninfo, NULL);
	assert_null(json_object_get(object_of(c, "table", "app.t"), "comment"));
	assert_null(json_object_get(object_of(c, "table", "app.t"), "owner"));
	assert_null(json_object_get(object_of(c, "table", "app.t"), "grants"));
	gk_catalog_free(c);
	drop_db(s, &d);
}

static void test_schema_scope(void **state)
{
	suite *s = *state;
	const fixture *f = fx(state, "the schema scope");
	const char *schemas[] = {"public", "app", "app"};
	gk_catalog_options o = {.schemas = schemas, .n_schemas = 3};
	gk_catalog *c = snapshot(f->d.conninfo, &o);
	char *text = bytes_of(c);
	assert_non_null(strstr(text, "\"schemas\": [\"app\", \"public\"]"));
	free(text);
	gk_catalog_free(c);
	schemas[0] = "public";
	o.n_schemas = 1;
	c = snapshot(f->d.conninfo, &o);
	assert_non_null(object_of(c, "table", "public.\"Mixed Case\""));
	assert_absent(c, "table", "app.users");
	assert_absent(c, "schema", "app");
	assert_int_equal(gk_catalog_count(c, "enum"), 0);
	if (s->have_ext)
		assert_non_null(object_of(c, "extension", "citext"));
	assert_int_equal(json_object_size(json_object_get(c->doc, "not_compared")), 0);
	gk_catalog_free(c);
}

/* ---- who may read, and how ------------------------------------------------------- */

static void test_read_only_role(void **state)
{
	suite *s = *state;
	const fixture *f = fx(state, "the read-only role");
	exec_sql(super_conninfo(s->shadow), "DO $$BEGIN CREATE ROLE catalog_reader LOGIN; "
						"EXCEPTION WHEN duplicate_object THEN NULL; END$$");
	char *as_reader = gk_asprintf("%s user=catalog_reader", f->d.conninfo);
	gk_catalog *c = snapshot(as_reader, NULL);
	char *mine = bytes_of(f->cat), *theirs = bytes_of(c);
	assert_string_equal(mine, theirs);
	free(mine), free(theirs), free(as_reader);
	gk_catalog_free(c);
}

static void test_connection_is_read_only(void **state)
{
	const fixture *f = fx(state, "the read-only connection");
	PGconn *c = NULL;
	gk_error err = {0, ""};
	assert_int_equal(gk_cat_connect(&c, f->d.conninfo, NULL, &err), 0);
	PGresult *r = PQexec(c, "CREATE TABLE app.written (id integer)");
	assert_int_equal(PQresultStatus(r), PGRES_FATAL_ERROR);
	assert_string_equal(PQresultErrorField(r, PG_DIAG_SQLSTATE), "25006");  /* read_only_sql_transaction */
	PQclear(r);
	r = PQexec(c, "SELECT current_setting('statement_timeout'), current_setting('lock_timeout'), "
		      "current_setting('application_name')");
	assert_string_equal(PQgetvalue(r, 0, 0), "1min");
	assert_string_equal(PQgetvalue(r, 0, 1), "5s");
	assert_string_equal(PQgetvalue(r, 0, 2), "gatekeeper snapshot");
	PQclear(r);
	PQfinish(c);
	/* the URL's own options are kept */
	char *ci = gk_asprintf("%s options='-c work_mem=2MB'", f->d.conninfo);
	assert_int_equal(gk_cat_connect(&c, ci, NULL, &err), 0);
	r = PQexec(c, "SELECT current_setting('work_mem'), current_setting('default_transaction_read_only')");
	assert_string_equal(PQgetvalue(r, 0, 0), "2MB");
	assert_string_equal(PQgetvalue(r, 0, 1), "on");
	PQclear(r);
	PQfinish(c);
	free(ci);
}

/* A migration holding ACCESS EXCLUSIVE on a table: rendering its index
 * needs ACCESS SHARE, so the snapshot gives up after lock_timeout instead
 * of queueing behind it (and everyone else behind the snapshot). */
static void test_lock_timeout(void **state)
{
	const fixture *f = fx(state, "the lock timeout");
	PGconn *holder = PQconnectdb(f->d.conninfo);
	assert_int_equal(PQstatus(holder), CONNECTION_OK);
	PQclear(PQexec(holder, "BEGIN; LOCK TABLE app.users IN ACCESS EXCLUSIVE MODE"));
	gk_catalog_options o = {.lock_timeout_ms = 200};
	gk_catalog *c = NULL;
	gk_error err = {0, ""};
	double t0 = gk_now();
	assert_int_equal(gk_catalog_read(&c, f->d.conninfo, &o, &err), GK_EINFRA);
	assert_true(gk_now() - t0 < 3.0);
	assert_null(c);
	if (!strstr(err.msg, "lock timeout") || !strstr(err.msg, "reading the"))
		fail_msg("%s", err.msg);
	PQclear(PQexec(holder, "ROLLBACK"));
	PQfinish(holder);
}

static void test_password_never_shown(void **state)
{
	(void)state;
	static const struct {
		const char *url, *secret, *shown;
	} cases[] = {
		{"postgresql://u:S3cretPw@127.0.0.1:1/x", "S3cretPw", "127.0.0.1"},
		{"postgresql://u:S3cr/etPw@127.0.0.1:1/x", "S3cr", "cannot connect"},
		{"postgresql://u:S3c@retPw@127.0.0.1:1/x", "S3c", "cannot connect"},
		{"host=127.0.0.1 port=1 user=u password=S3cretPw dbname=x", "S3cretPw", "127.0.0.1"},
		{"postgresql://u:S3cretPw@127.0.0.1:1/x?bogus=1", "S3cretPw", "bogus"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		gk_catalog *c = NULL;
		gk_error err = {0, ""};
		int rc = gk_catalog_read(&c, cases[i].url, NULL, &err);
		assert_true(rc == GK_EINFRA || rc == GK_ECONFIG);
		assert_null(c);
		if (strstr(err.msg, cases[i].secret) || !strstr(err.msg, cases[i].shown))
			fail_msg("%s: %s", cases[i].url, err.msg);
	}
}

/* ---- files ------------------------------------------------------------------------ */

static char *temp_path(const char *name)
{
	return gk_asprintf("%s/gk-catalog-test-%d-%s", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid(),
			   name);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_load_write_roundtrip(void **state)
{
	const fixture *f = fx(state, "the file round trip");
	char *path = temp_path("snap.json");
	FILE *out = fopen(path, "w");
	gk_error err = {0, ""};
	assert_int_equal(gk_catalog_write(f->cat, out, &err), 0);
	fclose(out);
	gk_catalog *back = NULL;
	assert_int_equal(gk_catalog_load(&back, path, &err), 0);
	char *a = bytes_of(f->cat), *b = bytes_of(back);
	assert_string_equal(a, b);
	assert_string_equal(gk_catalog_sha256(back), gk_catalog_sha256(f->cat));
	assert_int_equal(gk_catalog_server_version(back), gk_catalog_server_version(f->cat));
	free(a), free(b);
	gk_catalog_free(back);

	write_text(path, "{\"format\": \"gatekeeper-catalog/1\", \"objects\": []}");
	assert_int_equal(gk_catalog_load(&back, path, &err), GK_EPARSE);
	assert_null(back);
	write_text(path, "{\"format\": \"something-else\"}");
	assert_int_equal(gk_catalog_load(&back, path, &err), GK_EPARSE);
	assert_non_null(strstr(err.msg, "format"));
	write_text(path, "{not json");
	assert_int_equal(gk_catalog_load(&back, path, &err), GK_EPARSE);
	assert_non_null(strstr(err.msg, ":1:"));
	unlink(path);
	assert_int_equal(gk_catalog_load(&back, path, &err), GK_EIO);
	free(path);
}

/* ---- the command ---------------------------------------------------------------- */

/* Run `gatekeeper snapshot ARGS` in this process; stdout and stderr are
 * captured into *out and *err (malloc'ed). */
static int run_snapshot(char **out, char **errout, const char *const *args, size_t n)
{
	char *po = temp_path("stdout"), *pe = temp_path("stderr");
	fflush(stdout), fflush(stderr);
	int so = dup(STDOUT_FILENO), se = dup(STDERR_FILENO);
	int fo = open(po, O_WRONLY | O_CREAT | O_TRUNC, 0600), fe = open(pe, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fo, STDOUT_FILENO), dup2(fe, STDERR_FILENO);
	close(fo), close(fe);
	char *argv[16];
	for (size_t i = 0; i < n; i++)
		argv[i] = (char *)args[i];
	argv[n] = NULL;
	int code = gk_cmd_snapshot.run((int)n, argv);
	fflush(stdout), fflush(stderr);
	dup2(so, STDOUT_FILENO), dup2(se, STDERR_FILENO);
	close(so), close(se);
	size_t len;
	assert_int_equal(gk_read_file(out, &len, po, 0), 0);
	assert_int_equal(gk_read_file(errout, &len, pe, 0), 0);
	unlink(po), unlink(pe);
	free(po), free(pe);
	return code;
}

static void test_cli_snapshot(void **state)
{
	const fixture *f = fx(state, "gatekeeper snapshot");
	char *path = temp_path("cli.json"), *out, *err;
	const char *args[] = {"--database", f->d.conninfo, "-o", path, "--schema", "app"};
	assert_int_equal(run_snapshot(&out, &err, args, 6), 0);
	assert_string_equal(out, "");
	char *text = NULL;
	size_t len;
	assert_int_equal(gk_read_file(&text, &len, path, 0), 0);
	char *hex = sha256_hex(text), *want = gk_asprintf("%s  %s\n", hex, path);
	assert_string_equal(err, want);  /* sha256sum -c reads this */
	assert_non_null(strstr(text, "\"schemas\": [\"app\"]"));
	free(text), free(hex), free(want), free(out), free(err);
	unlink(path);

	/* standard output, the URL from $DATABASE_URL */
	setenv("DATABASE_URL", f->d.conninfo, 1);
	assert_int_equal(run_snapshot(&out, &err, args, 0), 0);
	unsetenv("DATABASE_URL");
	assert_non_null(strstr(out, "\"format\": \"gatekeeper-catalog/1\""));
	hex = sha256_hex(out);
	want = gk_asprintf("%s  -\n", hex);
	assert_string_equal(err, want);
	free(hex), free(want), free(out), free(err);

	/* an output that cannot be written: exit 4, nothing left behind */
	char *bad = gk_asprintf("%s.missing-dir/x.json", path);
	const char *unwritable[] = {"--database", f->d.conninfo, "-o", bad};
	assert_int_equal(run_snapshot(&out, &err, unwritable, 4), 4);
	assert_non_null(strstr(err, "cannot write"));
	free(out), free(err), free(bad), free(path);
}

static void test_cli_errors(void **state)
{
	(void)state;
	char *out, *err;
	unsetenv("DATABASE_URL");
	assert_int_equal(run_snapshot(&out, &err, NULL, 0), 2);
	assert_non_null(strstr(err, "--database"));
	free(out), free(err);
	const char *extra[] = {"--database", "postgresql://x/y", "positional"};
	assert_int_equal(run_snapshot(&out, &err, extra, 3), 2);
	free(out), free(err);
	const char *bad[] = {"--bogus"};
	assert_int_equal(run_snapshot(&out, &err, bad, 1), 2);
	free(out), free(err);

	const char *down[] = {"--database", "postgresql://u:S3cretPw@127.0.0.1:1/x"};
	assert_int_equal(run_snapshot(&out, &err, down, 2), 3);
	assert_string_equal(out, "");
	assert_null(strstr(err, "S3cretPw"));
	assert_non_null(strstr(err, "127.0.0.1"));
	assert_non_null(strstr(err, "u:****@"));
	free(out), free(err);
	const char *url[] = {"--database", "postgresql://u:S3cretPw@h/x?nonsense=1"};
	assert_int_equal(run_snapshot(&out, &err, url, 2), 2);
	assert_null(strstr(err, "S3cretPw"));
	free(out), free(err);
}

/* ---- main ------------------------------------------------------------------------- */

static int group_setup(void **state)
{
	group_setup_cluster(state);
	suite *s = *state;
	if (!s->shadow)
		return 0;
	fixture *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	f->d = new_db(s);
	build_fixture(s, f->d.conninfo, false);
	f->cat = snapshot(f->d.conninfo, NULL);
	s->extra = f;
	return 0;
}

static int group_teardown(void **state)
{
	suite *s = *state;
	fixture *f = s->extra;
	if (f) {
		gk_catalog_free(f->cat);
		free(f->d.conninfo);
		free(f->d.name);
		free(f);
	}
	return group_teardown_cluster(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables_and_columns),
		cmocka_unit_test(test_constraints_and_indexes),
		cmocka_unit_test(test_types_and_sequences),
		cmocka_unit_test(test_views_routines_triggers_policies),
		cmocka_unit_test(test_schemas_extensions_not_compared),
		cmocka_unit_test(test_exclusions),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_grants_owners_comments),
		cmocka_unit_test(test_schema_scope),
		cmocka_unit_test(test_read_only_role),
		cmocka_unit_test(test_connection_is_read_only),
		cmocka_unit_test(test_lock_timeout),
		cmocka_unit_test(test_password_never_shown),
		cmocka_unit_test(test_load_write_roundtrip),
		cmocka_unit_test(test_cli_snapshot),
		cmocka_unit_test(test_cli_errors),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
