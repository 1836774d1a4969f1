/*
 * diff_test.c - the comparison of two snapshots.
 *
 * Real renderings: the fixture (catalog_test_support.h) in one database
 * ("the migrations") and the fixture plus drift_sql in another
 * ("production"), where each statement of drift_sql makes one object of
 * each kind missing, unexpected, or changed in each attribute; the diff
 * must list exactly the changes of `expected_changes`, one test per object
 * kind.  Hand-made snapshots test the rest: versions, scope, ignore
 * patterns, what is not compared, messages.
 */
/* test needs: postgres */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <unistd.h>

#include "catalog/catalog_test_support.h"

/* ---- production's drift ------------------------------------------------------ */

static const char *const drift_core[] = {
	"DROP SCHEMA reports",
	"CREATE SCHEMA scratch",
	"DROP TABLE app.t_missing",
	"CREATE TABLE app.t_extra (id integer PRIMARY KEY)",
	"DROP TABLE app.t_kind",
	"CREATE TABLE app.t_kind (id integer, at date) PARTITION BY RANGE (at)",
	"ALTER TABLE app.cache SET LOGGED",
	"ALTER TABLE app.orders ENABLE ROW LEVEL SECURITY",
	"ALTER TABLE app.users NO FORCE ROW LEVEL SECURITY",
	"ALTER TABLE app.orders REPLICA IDENTITY FULL",
	"ALTER TABLE app.logs DETACH PARTITION app.logs_a",
	"ALTER TABLE app.logs ATTACH PARTITION app.logs_a FOR VALUES IN ('a', 'b')",
	"ALTER TABLE app.logs ATTACH PARTITION app.logs_c FOR VALUES IN ('c')",
	"ALTER TABLE app.child_t INHERIT app.base_t",
	"ALTER TABLE app.orders SET (fillfactor = 50)",
	"ALTER TABLE app.orders DROP COLUMN note",
	"ALTER TABLE app.orders ADD COLUMN extra integer",
	"ALTER TABLE app.orders ALTER COLUMN placed TYPE timestamp",
	"ALTER TABLE app.users ALTER COLUMN created_at DROP NOT NULL",
	"ALTER TABLE app.users ALTER COLUMN score SET DEFAULT 1",
	"ALTER TABLE app.orders ALTER COLUMN id SET GENERATED ALWAYS",
	"ALTER TABLE app.users ALTER COLUMN id SET INCREMENT BY 5",
	"ALTER TABLE app.users DROP COLUMN score2, ADD COLUMN score2 integer GENERATED ALWAYS AS (score * 3) STORED",
	"ALTER TABLE app.orders ALTER COLUMN code TYPE text COLLATE \"POSIX\"",
	"ALTER TABLE app.users ALTER COLUMN name SET COMPRESSION default",
	"ALTER TABLE app.users DROP CONSTRAINT users_score_check",
	"ALTER TABLE app.orders ADD CONSTRAINT orders_placed_check CHECK (placed > '2000-01-01')",
	"ALTER TABLE app.cache DROP CONSTRAINT cache_pkey, ADD CONSTRAINT cache_pkey UNIQUE (k)",
	"ALTER TABLE app.orders DROP CONSTRAINT orders_user_fk, ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) "
	"REFERENCES app.users (id) ON DELETE RESTRICT",
	"ALTER TABLE app.orders VALIDATE CONSTRAINT orders_total_positive",
	"ALTER DOMAIN app.email DROP CONSTRAINT email_has_at",
	"DROP INDEX app.orders_placed_idx",
	"CREATE INDEX orders_user_idx ON app.orders (user_id)",
	"DROP INDEX app.users_lower_name_idx",
	"CREATE UNIQUE INDEX users_lower_name_idx ON app.users (lower(name))",
	"DROP INDEX app.order_totals_user_idx",
	"CREATE INDEX order_totals_user_idx ON app.order_totals (user_id)",
	"DELETE FROM app.dups WHERE ctid = (SELECT max(ctid) FROM app.dups)",
	"REINDEX INDEX app.dups_v_idx",
	"DROP SEQUENCE app.seq_gone",
	"CREATE SEQUENCE app.seq_new",
	"ALTER SEQUENCE app.counter AS bigint START WITH 20 INCREMENT BY 7 MINVALUE 5 MAXVALUE 2000 CACHE 3 NO CYCLE "
	"OWNED BY app.orders.total",
	"ALTER SEQUENCE app.counter SET UNLOGGED",
	"ALTER TYPE app.mood ADD VALUE 'angry' BEFORE 'sad'",
	"DROP TYPE app.color",
	"CREATE TYPE app.size AS ENUM ('s')",
	"DROP DOMAIN app.code",
	"CREATE DOMAIN app.code AS varchar(20) COLLATE \"C\"",
	"ALTER DOMAIN app.email DROP NOT NULL",
	"ALTER DOMAIN app.email SET DEFAULT 'a@b'",
	"ALTER TYPE app.address ADD ATTRIBUTE country text",
	"DROP TYPE app.pair",
	"CREATE TYPE app.triple AS (a integer)",
	"DROP TYPE app.intr",
	"CREATE TYPE app.intr AS RANGE (subtype = bigint)",
	"CREATE TYPE app.dr AS RANGE (subtype = date)",
	"CREATE OR REPLACE VIEW app.active_users AS SELECT id, email FROM app.users WHERE score > 1",
	"ALTER VIEW app.active_users SET (security_barrier = false)",
	"DROP VIEW app.v_gone",
	"CREATE VIEW app.v_new AS SELECT 2 AS two",
	"DROP MATERIALIZED VIEW app.mv_gone",
	"CREATE MATERIALIZED VIEW app.mv_new AS SELECT 2 AS two WITH NO DATA",
	"DROP MATERIALIZED VIEW app.mv_def",
	"CREATE MATERIALIZED VIEW app.mv_def WITH (fillfactor = 60) AS SELECT 2 AS one WITH NO DATA",
	"CREATE OR REPLACE FUNCTION app.add(a integer, b integer) RETURNS integer LANGUAGE sql STABLE AS 'SELECT a + b'",
	"DROP FUNCTION app.gone()",
	"CREATE FUNCTION app.add(a bigint, b bigint) RETURNS bigint LANGUAGE sql AS 'SELECT a + b'",
	"CREATE OR REPLACE PROCEDURE app.reset(p_mood app.mood) LANGUAGE sql AS "
	"$$UPDATE app.users SET mood = p_mood WHERE id > 0$$",
	"CREATE PROCEDURE app.noop() LANGUAGE sql AS 'SELECT 1'",
	"DROP TRIGGER users_touch ON app.users",
	"CREATE TRIGGER users_touch BEFORE UPDATE ON app.users FOR EACH ROW EXECUTE FUNCTION app.touch()",
	"ALTER TABLE app.users DISABLE TRIGGER users_touch",
	"ALTER TABLE app.events ENABLE ALWAYS TRIGGER events_audit",
	"DROP TRIGGER orders_audit ON app.orders",
	"CREATE TRIGGER cache_audit AFTER INSERT ON app.cache FOR EACH ROW EXECUTE FUNCTION app.audit()",
	"DROP POLICY users_self ON app.users",
	"CREATE POLICY users_self ON app.users AS PERMISSIVE FOR SELECT TO PUBLIC USING (id > 1)",
	"DROP POLICY users_ins ON app.users",
	"CREATE POLICY users_ins ON app.users FOR UPDATE TO pg_monitor WITH CHECK (score >= 1)",
	"DROP POLICY orders_all ON app.orders",
	"CREATE POLICY cache_read ON app.cache FOR SELECT USING (true)",
	"CREATE AGGREGATE app.mymax(integer) (sfunc = int4larger, stype = integer)",
};

static const char *const drift_ext[] = {
	"DROP EXTENSION pg_trgm",
	"CREATE EXTENSION \"uuid-ossp\"",
	"ALTER EXTENSION hstore UPDATE TO '1.8'",
	"ALTER EXTENSION tablefunc SET SCHEMA app",
};

/* What the diff must say, in its order; `ext`: only with the extensions. */
typedef struct want {
	const char *kind, *object;
	enum gk_catalog_change_kind change;
	const char *attribute;
	bool ext;
} want;

#define M GK_CATALOG_MISSING
#define U GK_CATALOG_UNEXPECTED
#define C GK_CATALOG_CHANGED

static const want expected_changes[] = {
	{"schema", "reports", M, NULL, false},
	{"schema", "scratch", U, NULL, false},
	{"extension", "\"uuid-ossp\"", U, NULL, true},
	{"extension", "hstore", C, "version", true},
	{"extension", "pg_trgm", M, NULL, true},
	{"extension", "tablefunc", C, "schema", true},
	{"table", "app.cache", C, "persistence", false},
	{"table", "app.child_t", C, "parents", false},
	{"table", "app.logs_a", C, "partition_bound", false},
	{"table", "app.logs_c", C, "partition_bound", false},
	{"table", "app.logs_c", C, "partition_of", false},
	{"table", "app.orders", C, "options", false},
	{"table", "app.orders", C, "replica_identity", false},
	{"table", "app.orders", C, "row_security", false},
	{"table", "app.t_extra", U, NULL, false},
	{"table", "app.t_kind", C, "kind", false},
	{"table", "app.t_kind", C, "partition_key", false},
	{"table", "app.t_missing", M, NULL, false},
	{"table", "app.users", C, "force_row_security", false},
	{"column", "app.orders.code", C, "collation", false},
	{"column", "app.orders.extra", U, NULL, false},
	{"column", "app.orders.id", C, "identity", false},
	{"column", "app.orders.note", M, NULL, false},
	{"column", "app.orders.placed", C, "type", false},
	{"column", "app.users.created_at", C, "not_null", false},
	{"column", "app.users.id", C, "identity_options", false},
	{"column", "app.users.name", C, "compression", false},
	{"column", "app.users.score", C, "default", false},
	{"column", "app.users.score2", C, "generated", false},
	{"constraint", "app.cache.cache_pkey", C, "definition", false},
	{"constraint", "app.cache.cache_pkey", C, "type", false},
	{"constraint", "app.email.email_has_at", M, NULL, false},
	{"constraint", "app.orders.orders_placed_check", U, NULL, false},
	{"constraint", "app.orders.orders_total_positive", C, "validated", false},
	{"constraint", "app.orders.orders_user_fk", C, "deferrable", false},
	{"constraint", "app.orders.orders_user_fk", C, "deferred", false},
	{"constraint", "app.orders.orders_user_fk", C, "definition", false},
	{"constraint", "app.users.users_score_check", M, NULL, false},
	{"index", "app.dups_v_idx", C, "valid", false},
	{"index", "app.order_totals_user_idx", C, "definition", false},
	{"index", "app.order_totals_user_idx", C, "unique", false},
	{"index", "app.orders_placed_idx", M, NULL, false},
	{"index", "app.orders_user_idx", U, NULL, false},
	{"index", "app.users_lower_name_idx", C, "definition", false},
	{"sequence", "app.counter", C, "cache", false},
	{"sequence", "app.counter", C, "cycle", false},
	{"sequence", "app.counter", C, "increment", false},
	{"sequence", "app.counter", C, "max", false},
	{"sequence", "app.counter", C, "min", false},
	{"sequence", "app.counter", C, "owned_by", false},
	{"sequence", "app.counter", C, "persistence", false},
	{"sequence", "app.counter", C, "start", false},
	{"sequence", "app.counter", C, "type", false},
	{"sequence", "app.seq_gone", M, NULL, false},
	{"sequence", "app.seq_new", U, NULL, false},
	{"enum", "app.color", M, NULL, false},
	{"enum", "app.mood", C, "labels", false},
	{"enum", "app.size", U, NULL, false},
	{"domain", "app.code", C, "collation", false},
	{"domain", "app.code", C, "type", false},
	{"domain", "app.email", C, "default", false},
	{"domain", "app.email", C, "not_null", false},
	{"composite", "app.address", C, "attributes", false},
	{"composite", "app.pair", M, NULL, false},
	{"composite", "app.triple", U, NULL, false},
	{"range", "app.dr", U, NULL, false},
	{"range", "app.intr", C, "opclass", false},
	{"range", "app.intr", C, "subtype", false},
	{"view", "app.active_users", C, "definition", false},
	{"view", "app.active_users", C, "options", false},
	{"view", "app.v_gone", M, NULL, false},
	{"view", "app.v_new", U, NULL, false},
	{"materialized_view", "app.mv_def", C, "definition", false},
	{"materialized_view", "app.mv_def", C, "options", false},
	{"materialized_view", "app.mv_gone", M, NULL, false},
	{"materialized_view", "app.mv_new", U, NULL, false},
	{"function", "app.add(bigint, bigint)", U, NULL, false},
	{"function", "app.add(integer, integer)", C, "definition", false},
	{"function", "app.gone()", M, NULL, false},
	{"procedure", "app.noop()", U, NULL, false},
	{"procedure", "app.reset(app.mood)", C, "definition", false},
	{"trigger", "app.cache.cache_audit", U, NULL, false},
	{"trigger", "app.events.events_audit", C, "enabled", false},
	{"trigger", "app.orders.orders_audit", M, NULL, false},
	{"trigger", "app.users.users_touch", C, "definition", false},
	{"policy", "app.cache.cache_read", U, NULL, false},
	{"policy", "app.orders.orders_all", M, NULL, false},
	{"policy", "app.users.users_ins", C, "command", false},
	{"policy", "app.users.users_ins", C, "roles", false},
	{"policy", "app.users.users_ins", C, "with_check", false},
	{"policy", "app.users.users_self", C, "permissive", false},
	{"policy", "app.users.users_self", C, "using", false},
};

/* The drift diff, computed once by group_setup. */
typedef struct drift {
	gk_catalog *expected, *actual;
	gk_catalog_diff_result *diff;
} drift;

static const drift *the_drift(void **state, const char *what)
{
	suite *s = *state;
	need_server(s, what);
	return s->extra;
}

static const gk_catalog_change *find_change(const gk_catalog_diff_result *d, const want *w)
{
	for (size_t i = 0; i < d->n_changes; i++) {
		const gk_catalog_change *c = &d->changes[i];
		if (!strcmp(c->object_kind, w->kind) && !strcmp(c->object, w->object) && c->kind == w->change &&
		    (w->attribute ? c->attribute && !strcmp(c->attribute, w->attribute) : !c->attribute))
			return c;
	}
	return NULL;
}

/* Every expected change of `kind` is there. */
static void assert_kind(void **state, const char *kind)
{
	suite *s = *state;
	const drift *dr = the_drift(state, kind);
	for (size_t i = 0; i < sizeof expected_changes / sizeof *expected_changes; i++) {
		const want *w = &expected_changes[i];
		if (strcmp(w->kind, kind) != 0 || (w->ext && !s->have_ext))
			continue;
		if (!find_change(dr->diff, w))
			fail_msg("no %s %s %s %s in the diff", gk_catalog_change_kind_name(w->change), w->kind, w->object,
				 w->attribute ? w->attribute : "");
	}
}

#define KIND_TEST(fn, kind) \
	static void fn(void **state) { assert_kind(state, kind); }
KIND_TEST(test_drift_schema, "schema")
KIND_TEST(test_drift_extension, "extension")
KIND_TEST(test_drift_table, "table")
KIND_TEST(test_drift_column, "column")
KIND_TEST(test_drift_constraint, "constraint")
KIND_TEST(test_drift_index, "index")
KIND_TEST(test_drift_sequence, "sequence")
KIND_TEST(test_drift_enum, "enum")
KIND_TEST(test_drift_domain, "domain")
KIND_TEST(test_drift_composite, "composite")
KIND_TEST(test_drift_range, "range")
KIND_TEST(test_drift_view, "view")
KIND_TEST(test_drift_materialized_view, "materialized_view")
KIND_TEST(test_drift_function, "function")
KIND_TEST(test_drift_procedure, "procedure")
KIND_TEST(test_drift_trigger, "trigger")
KIND_TEST(test_drift_policy, "policy")

/* Exactly the expected changes, in the diff's order, nothing else (what
 * hangs under t_missing and t_extra included). */
static void test_drift_exactly(void **state)
{
	suite *s = *state;
	const drift *dr = the_drift(state, "the whole drift");
	size_t k = 0;
	for (size_t i = 0; i < sizeof expected_changes / sizeof *expected_changes; i++) {
		const want *w = &expected_changes[i];
		if (w->ext && !s->have_ext)
			continue;
		if (k >= dr->diff->n_changes)
			fail_msg("the diff ends before %s %s", w->kind, w->object);
		const gk_catalog_change *c = &dr->diff->changes[k++];
		if (strcmp(c->object_kind, w->kind) || strcmp(c->object, w->object) || c->kind != w->change ||
		    strcmp(c->attribute ? c->attribute : "", w->attribute ? w->attribute : ""))
			fail_msg("change %zu is '%s', want %s %s %s %s", k, c->message, gk_catalog_change_kind_name(w->change),
				 w->kind, w->object, w->attribute ? w->attribute : "");
	}
	for (; k < dr->diff->n_changes; k++)
		print_error("unexpected change: %s\n", dr->diff->changes[k].message);
	assert_int_equal(k, dr->diff->n_changes);
}

static const gk_catalog_change *change(const drift *dr, const char *kind, const char *object, const char *attr)
{
	for (size_t i = 0; i < dr->diff->n_changes; i++) {
		const gk_catalog_change *c = &dr->diff->changes[i];
		if (!strcmp(c->object_kind, kind) && !strcmp(c->object, object) &&
		    !strcmp(c->attribute ? c->attribute : "", attr ? attr : ""))
			return c;
	}
	fail_msg("no change of %s %s %s", kind, object, attr ? attr : "");
	return NULL;
}

static void test_drift_messages(void **state)
{
	const drift *dr = the_drift(state, "the drift messages");
	const gk_catalog_change *c = change(dr, "column", "app.orders.placed", "type");
	assert_string_equal(c->message, "column app.orders.placed: type is timestamp without time zone in production, "
					"date in the migrations");
	assert_string_equal(c->expected, "date");
	assert_string_equal(c->actual, "timestamp without time zone");
	c = change(dr, "column", "app.users.created_at", "not_null");
	assert_string_equal(c->message, "column app.users.created_at: nullable in production, NOT NULL in the migrations");
	assert_string_equal(c->expected, "true");
	c = change(dr, "table", "app.t_missing", NULL);
	assert_string_equal(c->message, "table app.t_missing is in the migrations but not in production");
	assert_null(c->expected);
	c = change(dr, "index", "app.orders_user_idx", NULL);
	assert_string_equal(c->message, "index app.orders_user_idx is in production but not in the migrations");
	c = change(dr, "enum", "app.mood", "labels");
	assert_string_equal(c->message,
			    "enum app.mood: labels are [angry, sad, ok, happy] in production, [sad, ok, happy] in the migrations");
	assert_string_equal(c->actual, "[\"angry\",\"sad\",\"ok\",\"happy\"]");
	c = change(dr, "function", "app.add(integer, integer)", "definition");
	assert_string_equal(c->message, "function app.add(integer, integer): definition differs at line 4: \"STABLE\" in "
					"production, \"IMMUTABLE\" in the migrations");
	c = change(dr, "column", "app.users.score", "default");
	assert_string_equal(c->message, "column app.users.score: default is 1 in production, 0 in the migrations");
	c = change(dr, "sequence", "app.counter", "owned_by");
	assert_string_equal(c->message, "sequence app.counter: owned by is app.orders.total in production, none in the "
					"migrations");
	c = change(dr, "index", "app.dups_v_idx", "valid");
	assert_string_equal(c->message, "index app.dups_v_idx: valid in production, invalid (a failed CREATE INDEX "
					"CONCURRENTLY) in the migrations");
	c = change(dr, "materialized_view", "app.mv_gone", NULL);
	assert_string_equal(c->message, "materialized view app.mv_gone is in the migrations but not in production");
}

static void test_drift_not_compared(void **state)
{
	const drift *dr = the_drift(state, "what the drift does not compare");
	assert_int_equal(dr->diff->n_uncompared, 2);
	assert_string_equal(dr->diff->uncompared[0].kind, "aggregate");
	assert_string_equal(dr->diff->uncompared[0].reason, "2 in production (app.mymax(integer), app.mysum(integer)), "
							     "1 in the migrations (app.mysum(integer)); not compared");
	assert_string_equal(dr->diff->uncompared[1].kind, "rule");
}

/* The same schema, built in another order: nothing to report. */
static void test_no_false_drift_reordered(void **state)
{
	suite *s = *state;
	need_server(s, "the reordered build");
	db a = new_db(s), b = new_db(s);
	build_fixture(s, a.conninfo, false);
	build_fixture(s, b.conninfo, true);
	gk_catalog *ca = snapshot(a.conninfo, NULL), *cb = snapshot(b.conninfo, NULL);
	gk_catalog_diff_result *d = NULL;
	gk_error err = {0, ""};
	assert_int_equal(gk_catalog_diff(&d, ca, cb, NULL, &err), 0);
	for (size_t i = 0; i < d->n_changes; i++)
		print_error("%s\n", d->changes[i].message);
	assert_int_equal(d->n_changes, 0);
	gk_catalog_diff_free(d);
	gk_catalog_free(ca), gk_catalog_free(cb);
	drop_db(s, &a), drop_db(s, &b);
}

/* ---- hand-made snapshots ------------------------------------------------------- */

/* A snapshot from JSON pieces, through a file and gk_catalog_load(). */
static gk_catalog *make_cat(int version, const char *options, const char *objects, const char *not_compared)
{
	char *text = gk_asprintf("{\"format\": \"gatekeeper-catalog/1\", \"server_version\": \"x\", "
				 "\"server_version_num\": %d, \"options\": %s, \"kinds\": [], \"objects\": %s, "
				 "\"not_compared\": %s}",
				 version, options ? options : "{\"grants\": false, \"owners\": false, \"comments\": "
							      "false, \"schemas\": []}",
				 objects, not_compared ? not_compared : "{}");
	char *path = gk_asprintf("/tmp/gk-diff-test-%d.json", (int)getpid());
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	gk_catalog *cat = NULL;
	gk_error err = {0, ""};
	if (gk_catalog_load(&cat, path, &err) != 0)
		fail_msg("%s", err.msg);
	unlink(path);
	free(path);
	free(text);
	return cat;
}

static gk_catalog_diff_result *diff_of(const gk_catalog *e, const gk_catalog *a, const gk_catalog_diff_options *o)
{
	gk_catalog_diff_result *d = NULL;
	gk_error err = {0, ""};
	if (gk_catalog_diff(&d, e, a, o, &err) != 0)
		fail_msg("%s", err.msg);
	return d;
}

/* All messages joined by '\n'. */
static char *messages(const gk_catalog_diff_result *d)
{
	gk_buf b = GK_BUF_INIT;
	for (size_t i = 0; i < d->n_changes; i++)
		gk_buf_printf(&b, "%s\n", d->changes[i].message);
	char *s = gk_buf_take(&b);
	return s ? s : gk_strdup("");
}

static void test_version_mismatch(void **state)
{
	(void)state;
	gk_catalog *e = make_cat(150020, NULL, "{}", NULL), *a = make_cat(160004, NULL, "{}", NULL);
	gk_catalog_diff_result *d = NULL;
	gk_error err = {0, ""};
	assert_int_equal(gk_catalog_diff(&d, e, a, NULL, &err), GK_ECONFIG);
	assert_null(d);
	assert_string_equal(err.msg, "the snapshots come from different PostgreSQL major versions (16 in production, "
				     "15 in the migrations), whose renderings of the same schema differ: take both from "
				     "servers of the same major version");
	gk_catalog_free(a);
	a = make_cat(150004, NULL, "{}", NULL);  /* another minor: fine */
	assert_int_equal(gk_catalog_diff(&d, e, a, NULL, &err), 0);
	assert_int_equal(d->n_changes, 0);
	gk_catalog_diff_free(d);
	gk_catalog_free(e), gk_catalog_free(a);
}

#define TWO_SCHEMAS_E                                                                                          \
	"{\"schema\": {\"public\": {}, \"tmp\": {}}, \"table\": {\"public.t\": {\"kind\": \"table\"}, "           \
	"\"public.tmp_a\": {\"kind\": \"table\"}, \"tmp.x\": {\"kind\": \"table\"}}, \"column\": {\"public.tmp_a.c\": " \
	"{\"type\": \"text\"}, \"public.t.c\": {\"type\": \"text\"}}, \"index\": {\"public.tmp_a_idx\": {\"table\": "  \
	"\"public.tmp_a\", \"definition\": \"x\"}}, \"extension\": {\"e\": {\"schema\": \"tmp\", \"version\": \"1\"}}}"
#define TWO_SCHEMAS_A                                                                                          \
	"{\"schema\": {\"public\": {}}, \"table\": {\"public.t\": {\"kind\": \"table\"}, \"public.tmp_a\": "        \
	"{\"kind\": \"unlogged\"}}, \"column\": {\"public.tmp_a.c\": {\"type\": \"int\"}, \"public.t.c\": "          \
	"{\"type\": \"int\"}}, \"index\": {\"public.tmp_a_idx\": {\"table\": \"public.tmp_a\", \"definition\": "      \
	"\"y\"}}, \"extension\": {}}"

static void test_scope(void **state)
{
	(void)state;
	gk_catalog *e = make_cat(150020, NULL, TWO_SCHEMAS_E, NULL), *a = make_cat(150020, NULL, TWO_SCHEMAS_A, NULL);
	gk_catalog_diff_result *d = diff_of(e, a, NULL);
	char *m = messages(d);
	assert_string_equal(m, "schema tmp is in the migrations but not in production\n"
			       "extension e is in the migrations but not in production\n"
			       "table public.tmp_a: kind is unlogged in production, table in the migrations\n"
			       "table tmp.x is in the migrations but not in production\n"
			       "column public.t.c: type is int in production, text in the migrations\n"
			       "column public.tmp_a.c: type is int in production, text in the migrations\n"
			       "index public.tmp_a_idx: definition is y in production, x in the migrations\n");
	free(m);
	gk_catalog_diff_free(d);

	/* --schema public: tmp, and the extension living in tmp, are out */
	const char *schemas[] = {"public"};
	gk_catalog_diff_options o = {.schemas = schemas, .n_schemas = 1};
	d = diff_of(e, a, &o);
	assert_int_equal(d->n_changes, 4);
	assert_string_equal(d->changes[0].object, "public.tmp_a");
	gk_catalog_diff_free(d);

	/* a snapshot read with a schema list narrows the scope by itself */
	gk_catalog_free(e);
	e = make_cat(150020, "{\"grants\": false, \"owners\": false, \"comments\": false, \"schemas\": [\"public\"]}",
		     TWO_SCHEMAS_E, NULL);
	d = diff_of(e, a, NULL);
	assert_int_equal(d->n_changes, 4);
	gk_catalog_diff_free(d);
	gk_catalog_free(e), gk_catalog_free(a);
}

static void test_ignore_patterns(void **state)
{
	(void)state;
	gk_catalog *e = make_cat(150020, NULL, TWO_SCHEMAS_E, NULL), *a = make_cat(150020, NULL, TWO_SCHEMAS_A, NULL);
	/* a table pattern also ignores what hangs under the table (its columns, its index) */
	const char *ignore[] = {"table:public.tmp_*", "tmp", "*:tmp.*", "extension:e"};
	gk_catalog_diff_options o = {.ignore = ignore, .n_ignore = 4};
	gk_catalog_diff_result *d = diff_of(e, a, &o);
	char *m = messages(d);
	assert_string_equal(m, "column public.t.c: type is int in production, text in the migrations\n");
	free(m);
	gk_catalog_diff_free(d);
	/* "column:*.c" and quotes: a pattern matches the identity with or without them */
	gk_catalog_free(e), gk_catalog_free(a);
	e = make_cat(150020, NULL, "{\"table\": {\"public.\\\"UserRole\\\"\": {\"kind\": \"table\"}}}", NULL);
	a = make_cat(150020, NULL, "{\"table\": {}}", NULL);
	const char *quoted[] = {"table:public.User*"};
	o = (gk_catalog_diff_options){.ignore = quoted, .n_ignore = 1};
	d = diff_of(e, a, &o);
	assert_int_equal(d->n_changes, 0);
	gk_catalog_diff_free(d);
	const char *as_sql[] = {"table:public.\"UserRole\""};
	o.ignore = as_sql;
	d = diff_of(e, a, &o);
	assert_int_equal(d->n_changes, 0);
	gk_catalog_diff_free(d);
	gk_catalog_free(e), gk_catalog_free(a);
}

static void test_under_missing_table(void **state)
{
	(void)state;
	gk_catalog *e = make_cat(150020, NULL,
				 "{\"table\": {\"s.t\": {}}, \"column\": {\"s.t.c\": {}}, \"constraint\": "
				 "{\"s.t.k\": {}, \"s.d.chk\": {}}, \"index\": {\"s.i\": {\"table\": \"s.t\"}}, "
				 "\"trigger\": {\"s.t.tg\": {}}, \"policy\": {\"s.t.p\": {}}, \"sequence\": "
				 "{\"s.t_id_seq\": {\"owned_by\": \"s.t.id\"}}, \"domain\": {\"s.d\": {}}}",
				 NULL);
	gk_catalog *a = make_cat(150020, NULL,
				 "{\"table\": {}, \"column\": {}, \"constraint\": {}, \"index\": {}, \"trigger\": {}, "
				 "\"policy\": {}, \"sequence\": {}, \"domain\": {}}",
				 NULL);
	gk_catalog_diff_result *d = diff_of(e, a, NULL);
	char *m = messages(d);
	assert_string_equal(m, "table s.t is in the migrations but not in production\n"
			       "domain s.d is in the migrations but not in production\n");
	free(m);
	gk_catalog_diff_free(d);
	/* the other way round: unexpected */
	d = diff_of(a, e, NULL);
	assert_int_equal(d->n_changes, 2);
	assert_int_equal(d->changes[0].kind, GK_CATALOG_UNEXPECTED);
	gk_catalog_diff_free(d);
	gk_catalog_free(e), gk_catalog_free(a);
}

static void test_uncompared(void **state)
{
	(void)state;
	gk_catalog *e = make_cat(150020, "{\"grants\": true, \"owners\": true, \"comments\": false, \"schemas\": []}",
				 "{\"table\": {\"s.t\": {\"owner\": \"a\", \"grants\": [\"x SELECT\"]}}, \"widget\": "
				 "{\"s.w\": {}}}",
				 "{\"aggregate\": [\"s.agg(integer)\"], \"cast\": [\"(s.a AS text)\"]}");
	gk_catalog *a = make_cat(150020, "{\"grants\": false, \"owners\": true, \"comments\": true, \"schemas\": []}",
				 "{\"table\": {\"s.t\": {\"owner\": \"b\", \"comment\": \"hi\"}}}",
				 "{\"aggregate\": [\"s.agg(integer)\", \"s.b(integer)\", \"s.c(integer)\", "
				 "\"s.d(integer)\"]}");
	gk_catalog_diff_result *d = diff_of(e, a, NULL);
	/* owners on both sides: compared; grants and comments: one side only */
	char *m = messages(d);
	assert_string_equal(m, "table s.t: owner is b in production, a in the migrations\n");
	free(m);
	assert_int_equal(d->n_uncompared, 5);
	const char *want[][2] = {
		{"aggregate", "4 in production (s.agg(integer), s.b(integer), s.c(integer), ...), 1 in the migrations "
			      "(s.agg(integer)); not compared"},
		{"cast", "0 in production, 1 in the migrations ((s.a AS text)); not compared"},
		{"comments", "only the snapshot of production has them (snapshot --comments); not compared"},
		{"grants", "only the snapshot of the migrations has them (snapshot --grants); not compared"},
		{"widget", "only the snapshot of the migrations reads them (1 there); not compared"},
	};
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(d->uncompared[i].kind, want[i][0]);
		assert_string_equal(d->uncompared[i].reason, want[i][1]);
	}
	gk_catalog_diff_free(d);
	/* the names of the sides are the caller's */
	gk_catalog_diff_options o = {.expected_name = "the shadow", .actual_name = "staging"};
	d = diff_of(e, a, &o);
	assert_string_equal(d->changes[0].message, "table s.t: owner is b in staging, a in the shadow");
	gk_catalog_diff_free(d);
	gk_catalog_free(e), gk_catalog_free(a);
}

static void test_long_values(void **state)
{
	(void)state;
	gk_catalog *e = make_cat(150020, NULL,
				 "{\"view\": {\"s.v\": {\"definition\": \" SELECT a,\\n    b\\n   FROM s.t;\"}, "
				 "\"s.w\": {\"definition\": \"x\"}}}",
				 NULL);
	gk_catalog *a = make_cat(150020, NULL,
				 "{\"view\": {\"s.v\": {\"definition\": \" SELECT a,\\n    c\\n   FROM s.t;\"}, "
				 "\"s.w\": {\"definition\": null}}}",
				 NULL);
	gk_catalog_diff_result *d = diff_of(e, a, NULL);
	char *m = messages(d);
	assert_string_equal(m, "view s.v: definition differs at line 2: \"c\" in production, \"b\" in the migrations\n"
			       "view s.w: definition is none in production, x in the migrations\n");
	free(m);
	assert_null(d->changes[1].actual);
	gk_catalog_diff_free(d);
	gk_catalog_free(e), gk_catalog_free(a);
}

/* ---- main ----------------------------------------------------------------------- */

static int group_setup(void **state)
{
	group_setup_cluster(state);
	suite *s = *state;
	if (!s->shadow)
		return 0;
	drift *dr = calloc(1, sizeof *dr);
	if (!dr)
		return -1;
	db e = new_db(s), a = new_db(s);
	build_fixture(s, e.conninfo, false);
	build_fixture(s, a.conninfo, false);
	exec_all(a.conninfo, drift_core, sizeof drift_core / sizeof *drift_core);
	if (s->have_ext)
		exec_all(a.conninfo, drift_ext, sizeof drift_ext / sizeof *drift_ext);
	dr->expected = snapshot(e.conninfo, NULL);
	dr->actual = snapshot(a.conninfo, NULL);
	dr->diff = diff_of(dr->expected, dr->actual, NULL);
	drop_db(s, &e), drop_db(s, &a);
	s->extra = dr;
	return 0;
}

static int group_teardown(void **state)
{
	suite *s = *state;
	drift *dr = s->extra;
	if (dr) {
		gk_catalog_diff_free(dr->diff);
		gk_catalog_free(dr->expected), gk_catalog_free(dr->actual);
		free(dr);
	}
	return group_teardown_cluster(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drift_schema),
		cmocka_unit_test(test_drift_extension),
		cmocka_unit_test(test_drift_table),
		cmocka_unit_test(test_drift_column),
		cmocka_unit_test(test_drift_constraint),
		cmocka_unit_test(test_drift_index),
		cmocka_unit_test(test_drift_sequence),
		cmocka_unit_test(test_drift_enum),
		cmocka_unit_test(test_drift_domain),
		cmocka_unit_test(test_drift_composite),
		cmocka_unit_test(test_drift_range),
		cmocka_unit_test(test_drift_view),
		cmocka_unit_test(test_drift_materialized_view),
		cmocka_unit_test(test_drift_function),
		cmocka_unit_test(test_drift_procedure),
		cmocka_unit_test(test_drift_trigger),
		cmocka_unit_test(test_drift_policy),
		cmocka_unit_test(test_drift_exactly),
		cmocka_unit_test(test_drift_messages),
		cmocka_unit_test(test_drift_not_compared),
		cmocka_unit_test(test_no_false_drift_reordered),
		cmocka_unit_test(test_version_mismatch),
		cmocka_unit_test(test_scope),
		cmocka_unit_test(test_ignore_patterns),
		cmocka_unit_test(test_under_missing_table),
		cmocka_unit_test(test_uncompared),
		cmocka_unit_test(test_long_values),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
