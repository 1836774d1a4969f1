/*
 * locks_conformance_test.c - the lock table (locks.c) against PostgreSQL.
 *
 * Every entry of the table is run on the embedded server (the installed
 * version) and what the server did is compared with gk_stmt_locks() for
 * the server's major version:
 *
 *   - locks: inside BEGIN ... ROLLBACK, after the statement, this
 *     session's granted relation locks are read from pg_locks, the
 *     strongest mode per relation.  Each relation the table lists must be
 *     locked in exactly that mode; a listed index's table in the entry's
 *     table_mode.  Every other locked relation of the fixture must be one
 *     the probe names as `unnamed` (a lock the statement takes on a
 *     relation its text does not name, in that mode: the table cannot list
 *     it, and says so in locks.c), an index or sequence of a relation that
 *     is locked anyway (they follow their table), or a relation the
 *     statement creates;
 *   - rewrite: relfilenode before and after, for each listed table or
 *     index (sequences get a new one for a single row, not a rewrite);
 *   - scan: the transaction's seq_scan + idx_scan counters of each listed
 *     relation (pg_stat_xact_user_tables), unless the probe says why the
 *     counters cannot tell (DML, whose scan is the table's static
 *     judgement of a missing WHERE).
 *
 * Statements PostgreSQL refuses in a transaction block (the CONCURRENTLY
 * forms, VACUUM) run through the replay's trace, which runs them alone in
 * autocommit and samples pg_locks from a second session; their locks on
 * tables are compared (the index DROP/REINDEX CONCURRENTLY drops is locked
 * only once it is dead, which sampling does not see: the table's mode for
 * it is from the documentation), their scans are the documentation's.
 * DETACH PARTITION ... CONCURRENTLY commits between its two transactions
 * and the trace does not see its locks: its modes (SHARE UPDATE EXCLUSIVE
 * on the parent, ACCESS EXCLUSIVE on the partition at the end) are from
 * the documentation and PostgreSQL's ATExecDetachPartition().
 *
 * Coverage: every entry of the table must have a probe whose statement the
 * table resolves to that entry, or be listed in `unprobed` with why
 * (subcommands PostgreSQL makes internally, which no statement produces).
 * Without PostgreSQL binaries the server tests skip, saying so.
 */
/* test needs: postgres */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pg_query.h>

#include "replay/replay.h"
#include "shadow/shadow.h"
#include "lint/locks.h"
#include "lint/state.h"
#include "util/util.h"
#include "replay/replay_test_support.h"

/* ---- the fixture ------------------------------------------------------ */

#define FIXTURE \
	"CREATE TABLE p (id int PRIMARY KEY, code text);\n" \
	"INSERT INTO p SELECT g, 'c' || g FROM generate_series(1, 100) g;\n" \
	"CREATE TABLE t (id int PRIMARY KEY, a int NOT NULL, b text, p_id int,\n" \
	"  CONSTRAINT t_p_fk FOREIGN KEY (p_id) REFERENCES p (id));\n" \
	"INSERT INTO t SELECT g, g, 'x' || g, g FROM generate_series(1, 100) g;\n" \
	"ALTER TABLE t ADD CONSTRAINT t_a_check CHECK (a > 0) NOT VALID;\n" \
	"ALTER TABLE t ADD CONSTRAINT t_p_fk2 FOREIGN KEY (p_id) REFERENCES p (id) NOT VALID;\n" \
	"CREATE INDEX t_a_idx ON t (a);\n" \
	"CREATE UNIQUE INDEX t_b_uidx ON t (b);\n"

/* Only in the transaction probes' database. */
#define FIXTURE_MORE \
	"CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;\n" \
	"CREATE TRIGGER t_trg BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION trg();\n" \
	"CREATE POLICY t_pol ON t USING (true);\n" \
	"CREATE TABLE loose (id int, k int);\n" \
	"INSERT INTO loose SELECT g, 100 + g FROM generate_series(1, 50) g;\n" \
	"CREATE RULE loose_rule AS ON UPDATE TO loose DO ALSO NOTHING;\n" \
	"CREATE UNLOGGED TABLE ul (id int);\n" \
	"CREATE TABLE parent (id int, k int) PARTITION BY RANGE (k);\n" \
	"CREATE TABLE part1 PARTITION OF parent FOR VALUES FROM (0) TO (100);\n" \
	"CREATE TABLE part_default PARTITION OF parent DEFAULT;\n" \
	"CREATE TABLE part3 PARTITION OF parent FOR VALUES FROM (300) TO (400) PARTITION BY LIST (id);\n" \
	"CREATE TABLE part3a PARTITION OF part3 FOR VALUES IN (1);\n" \
	"INSERT INTO parent SELECT g, g FROM generate_series(0, 99) g;\n" \
	"INSERT INTO parent VALUES (1, 500);\n" \
	"CREATE INDEX parent_k_idx ON ONLY parent (k);\n" \
	"CREATE INDEX part1_k_idx ON part1 (k);\n" \
	"CREATE TABLE inh_parent (id int);\n" \
	"CREATE TABLE inh_child (x int) INHERITS (inh_parent);\n" \
	"CREATE VIEW v AS SELECT id FROM p;\n" \
	"CREATE MATERIALIZED VIEW mv AS SELECT id FROM p;\n" \
	"CREATE UNIQUE INDEX mv_id ON mv (id);\n" \
	"CREATE SEQUENCE s;\n" \
	"CREATE TYPE ct AS (id int, k int);\n" \
	"CREATE TABLE typed (id int, k int);\n" \
	"CREATE TABLE typed2 OF ct;\n" \
	"CREATE TABLE ident (id int NOT NULL, g int GENERATED ALWAYS AS IDENTITY);\n" \
	"CREATE TABLE gen (a int, g int GENERATED ALWAYS AS (a * 2) STORED);\n" \
	"INSERT INTO gen (a) SELECT g FROM generate_series(1, 10) g;\n" \
	"CREATE FOREIGN DATA WRAPPER fdw;\n" \
	"CREATE SERVER srv FOREIGN DATA WRAPPER fdw;\n" \
	"CREATE FOREIGN TABLE ft (a int) SERVER srv;\n" \
	"CREATE TABLE fkc (id int, p_id int REFERENCES p (id));\n" \
	"CREATE DOMAIN pos AS int CHECK (VALUE > 0);\n" \
	"CREATE TABLE a_table_with_a_rather_long_name_for_testing_truncation (\n" \
	"  id int, parent_reference_id int, FOREIGN KEY (parent_reference_id) REFERENCES p (id));\n"

#define TABLESPACE "gk_locks_ts"

/* ---- the probes ------------------------------------------------------- */

typedef struct probe {
	const char *entry;    /* the lock table entry it exercises */
	const char *sql;
	/* Locks PostgreSQL takes on relations the statement does not name,
	 * "name Mode" separated by ", " (e.g. "p AccessExclusiveLock"). */
	const char *unnamed;
	/* Why the scan counters cannot check this entry's scan; NULL: they do. */
	const char *scan_unmeasured;
	/* Why relfilenode cannot check this entry's rewrite; NULL: it does. */
	const char *rewrite_unmeasured;
} probe;

#define EMPTY_INDEX_BUILD "the indexes are rebuilt on the new, empty files, which counts as a scan of nothing"
#define DML "DML's scan is the table's judgement of a missing WHERE, not what the plan reads"

static const probe in_tx[] = {
	/* ALTER TABLE subcommands */
	{"ALTER TABLE ADD COLUMN", "ALTER TABLE t ADD COLUMN c text", NULL, NULL, NULL},
	{"ALTER TABLE ADD COLUMN", "ALTER TABLE t ADD COLUMN c int GENERATED ALWAYS AS IDENTITY", NULL, NULL, NULL},
	{"ALTER TABLE ADD COLUMN", "ALTER TABLE t ADD COLUMN c int DEFAULT 0 CHECK (c >= 0)", NULL, NULL, NULL},
	{"ALTER TABLE ADD COLUMN", "ALTER TABLE t ADD COLUMN c int REFERENCES p (id)", NULL, NULL, NULL},
	/* A domain with a constraint: computed in every row (the schema model knows the domain). */
	{"ALTER TABLE ADD COLUMN", "ALTER TABLE t ADD COLUMN c pos", NULL, NULL, NULL},
	{"ALTER TABLE ADD COLUMN", "ALTER TABLE t ADD COLUMN c pos[]", NULL, NULL, NULL},
	{"ALTER TABLE ALTER COLUMN SET/DROP DEFAULT", "ALTER TABLE t ALTER COLUMN b SET DEFAULT 'y'", NULL, NULL, NULL},
	{"ALTER TABLE ALTER COLUMN DROP NOT NULL", "ALTER TABLE t ALTER COLUMN a DROP NOT NULL", NULL, NULL, NULL},
	{"ALTER TABLE ALTER COLUMN SET NOT NULL", "ALTER TABLE t ALTER COLUMN b SET NOT NULL", NULL, NULL, NULL},
	{"ALTER TABLE ALTER COLUMN DROP EXPRESSION", "ALTER TABLE gen ALTER COLUMN g DROP EXPRESSION", NULL, NULL, NULL},
	{"ALTER TABLE ALTER COLUMN SET STATISTICS", "ALTER TABLE t ALTER COLUMN a SET STATISTICS 200", NULL, NULL, NULL},
	{"ALTER TABLE ALTER COLUMN SET (attribute option)", "ALTER TABLE t ALTER COLUMN a SET (n_distinct = 10)", NULL, NULL, NULL},
	{"ALTER TABLE ALTER COLUMN RESET (attribute option)", "ALTER TABLE t ALTER COLUMN a RESET (n_distinct)", NULL, NULL, NULL},
	{"ALTER TABLE ALTER COLUMN SET STORAGE", "ALTER TABLE t ALTER COLUMN b SET STORAGE EXTERNAL", NULL, NULL, NULL},
	{"ALTER TABLE ALTER COLUMN SET COMPRESSION", "ALTER TABLE t ALTER COLUMN b SET COMPRESSION pglz", NULL, NULL, NULL},
	{"ALTER TABLE DROP COLUMN", "ALTER TABLE t DROP COLUMN b", NULL, NULL, NULL},
	/* t's two foreign keys on p_id go with it: p is locked as DROP CONSTRAINT locks it. */
	{"ALTER TABLE DROP COLUMN (referenced table)", "ALTER TABLE t DROP COLUMN p_id", NULL, NULL, NULL},
	/* The foreign keys of t, fkc and the long-named table reference p (id);
	 * the views on p go too (not tables). */
	{"ALTER TABLE DROP COLUMN CASCADE (tables referencing it)", "ALTER TABLE p DROP COLUMN id CASCADE",
	 "v AccessExclusiveLock, mv AccessExclusiveLock", NULL, NULL},
	{"ALTER TABLE ADD CONSTRAINT", "ALTER TABLE t ADD CONSTRAINT t_c CHECK (a < 1000)", NULL, NULL, NULL},
	{"ALTER TABLE ADD CONSTRAINT", "ALTER TABLE t ADD CONSTRAINT t_c CHECK (a < 1000) NOT VALID", NULL, NULL, NULL},
	{"ALTER TABLE ADD CONSTRAINT", "ALTER TABLE t ADD CONSTRAINT t_fk3 FOREIGN KEY (p_id) REFERENCES p (id)", NULL, NULL, NULL},
	{"ALTER TABLE ADD CONSTRAINT", "ALTER TABLE t ADD CONSTRAINT t_fk3 FOREIGN KEY (p_id) REFERENCES p (id) NOT VALID",
	 NULL, NULL, NULL},
	{"ALTER TABLE ADD CONSTRAINT", "ALTER TABLE t ADD CONSTRAINT t_u UNIQUE (a)", NULL, NULL, NULL},
	{"ALTER TABLE ADD CONSTRAINT", "ALTER TABLE t ADD CONSTRAINT t_u UNIQUE USING INDEX t_b_uidx", NULL, NULL, NULL},
	{"ALTER TABLE ALTER CONSTRAINT", "ALTER TABLE t ALTER CONSTRAINT t_p_fk DEFERRABLE", NULL, NULL, NULL},
	{"ALTER TABLE VALIDATE CONSTRAINT", "ALTER TABLE t VALIDATE CONSTRAINT t_a_check", NULL, NULL, NULL},
	{"ALTER TABLE VALIDATE CONSTRAINT", "ALTER TABLE t VALIDATE CONSTRAINT t_p_fk2", "p RowShareLock", NULL, NULL},
	{"ALTER TABLE DROP CONSTRAINT", "ALTER TABLE t DROP CONSTRAINT t_a_check", NULL, NULL, NULL},
	{"ALTER TABLE DROP CONSTRAINT", "ALTER TABLE t DROP CONSTRAINT t_p_fk", NULL, NULL, NULL},
	{"ALTER TABLE DROP CONSTRAINT (referenced table)", "ALTER TABLE t DROP CONSTRAINT t_p_fk", NULL, NULL, NULL},
	/* Foreign keys written without a name, named as PostgreSQL names them. */
	{"ALTER TABLE DROP CONSTRAINT (referenced table)", "ALTER TABLE fkc DROP CONSTRAINT fkc_p_id_fkey", NULL, NULL, NULL},
	{"ALTER TABLE DROP CONSTRAINT (referenced table)",
	 "ALTER TABLE a_table_with_a_rather_long_name_for_testing_truncation "
	 "DROP CONSTRAINT a_table_with_a_rather_long_name_for_te_parent_reference_id_fkey", NULL, NULL, NULL},
	{"ALTER TABLE ALTER COLUMN TYPE", "ALTER TABLE t ALTER COLUMN a TYPE bigint", NULL, NULL, NULL},
	{"ALTER FOREIGN TABLE ALTER COLUMN OPTIONS", "ALTER FOREIGN TABLE ft ALTER COLUMN a OPTIONS (ADD x 'y')", NULL, NULL, NULL},
	{"ALTER TABLE OWNER TO", "ALTER TABLE t OWNER TO CURRENT_USER", NULL, NULL, NULL},
	{"ALTER TABLE CLUSTER ON", "ALTER TABLE t CLUSTER ON t_a_idx", NULL, NULL, NULL},
	{"ALTER TABLE SET WITHOUT CLUSTER", "ALTER TABLE t SET WITHOUT CLUSTER", NULL, NULL, NULL},
	{"ALTER TABLE SET LOGGED", "ALTER TABLE ul SET LOGGED", NULL, NULL, NULL},
	{"ALTER TABLE SET UNLOGGED", "ALTER TABLE loose SET UNLOGGED", NULL, NULL, NULL},
	{"ALTER TABLE SET WITHOUT OIDS", "ALTER TABLE t SET WITHOUT OIDS", NULL, NULL, NULL},
	{"ALTER TABLE SET ACCESS METHOD", "ALTER TABLE loose SET ACCESS METHOD heap", NULL,
	 "heap is the only table access method built in, and setting the one a table has is a no-op",
	 "likewise: a rewrite needs a second access method"},
	{"ALTER TABLE SET TABLESPACE", "ALTER TABLE loose SET TABLESPACE " TABLESPACE, NULL, NULL, NULL},
	{"ALTER TABLE SET TABLESPACE", "ALTER INDEX t_a_idx SET TABLESPACE " TABLESPACE, NULL, NULL, NULL},
	{"ALTER TABLE SET (storage parameter)", "ALTER TABLE t SET (fillfactor = 70)", NULL, NULL, NULL},
	{"ALTER TABLE SET (storage parameter)", "ALTER TABLE t SET (autovacuum_enabled = false)", NULL, NULL, NULL},
	{"ALTER TABLE SET (storage parameter)", "ALTER TABLE t SET (parallel_workers = 2)", NULL, NULL, NULL},
	{"ALTER TABLE SET (storage parameter)", "ALTER TABLE t SET (user_catalog_table = true)", NULL, NULL, NULL},
	{"ALTER TABLE SET (storage parameter)", "ALTER TABLE t SET (fillfactor = 70, user_catalog_table = true)", NULL, NULL, NULL},
	{"ALTER TABLE SET (storage parameter)", "ALTER INDEX t_a_idx SET (fillfactor = 70)", NULL, NULL, NULL},
	{"ALTER TABLE RESET (storage parameter)", "ALTER TABLE t RESET (fillfactor)", NULL, NULL, NULL},
	{"ALTER TABLE ENABLE TRIGGER", "ALTER TABLE t ENABLE TRIGGER t_trg", NULL, NULL, NULL},
	{"ALTER TABLE ENABLE ALWAYS TRIGGER", "ALTER TABLE t ENABLE ALWAYS TRIGGER t_trg", NULL, NULL, NULL},
	{"ALTER TABLE ENABLE REPLICA TRIGGER", "ALTER TABLE t ENABLE REPLICA TRIGGER t_trg", NULL, NULL, NULL},
	{"ALTER TABLE DISABLE TRIGGER", "ALTER TABLE t DISABLE TRIGGER t_trg", NULL, NULL, NULL},
	{"ALTER TABLE ENABLE TRIGGER ALL", "ALTER TABLE t ENABLE TRIGGER ALL", NULL, NULL, NULL},
	{"ALTER TABLE DISABLE TRIGGER ALL", "ALTER TABLE t DISABLE TRIGGER ALL", NULL, NULL, NULL},
	{"ALTER TABLE ENABLE TRIGGER USER", "ALTER TABLE t ENABLE TRIGGER USER", NULL, NULL, NULL},
	{"ALTER TABLE DISABLE TRIGGER USER", "ALTER TABLE t DISABLE TRIGGER USER", NULL, NULL, NULL},
	{"ALTER TABLE ENABLE RULE", "ALTER TABLE loose ENABLE RULE loose_rule", NULL, NULL, NULL},
	{"ALTER TABLE ENABLE ALWAYS RULE", "ALTER TABLE loose ENABLE ALWAYS RULE loose_rule", NULL, NULL, NULL},
	{"ALTER TABLE ENABLE REPLICA RULE", "ALTER TABLE loose ENABLE REPLICA RULE loose_rule", NULL, NULL, NULL},
	{"ALTER TABLE DISABLE RULE", "ALTER TABLE loose DISABLE RULE loose_rule", NULL, NULL, NULL},
	{"ALTER TABLE INHERIT", "ALTER TABLE loose INHERIT inh_parent", NULL, NULL, NULL},
	{"ALTER TABLE NO INHERIT", "ALTER TABLE inh_child NO INHERIT inh_parent", NULL, NULL, NULL},
	{"ALTER TABLE OF", "ALTER TABLE typed OF ct", "ct AccessShareLock", NULL, NULL},
	{"ALTER TABLE NOT OF", "ALTER TABLE typed2 NOT OF", NULL, NULL, NULL},
	{"ALTER TABLE REPLICA IDENTITY", "ALTER TABLE t REPLICA IDENTITY FULL", NULL, NULL, NULL},
	{"ALTER TABLE ENABLE ROW LEVEL SECURITY", "ALTER TABLE t ENABLE ROW LEVEL SECURITY", NULL, NULL, NULL},
	{"ALTER TABLE DISABLE ROW LEVEL SECURITY", "ALTER TABLE t DISABLE ROW LEVEL SECURITY", NULL, NULL, NULL},
	{"ALTER TABLE FORCE ROW LEVEL SECURITY", "ALTER TABLE t FORCE ROW LEVEL SECURITY", NULL, NULL, NULL},
	{"ALTER TABLE NO FORCE ROW LEVEL SECURITY", "ALTER TABLE t NO FORCE ROW LEVEL SECURITY", NULL, NULL, NULL},
	{"ALTER FOREIGN TABLE OPTIONS", "ALTER FOREIGN TABLE ft OPTIONS (ADD x 'y')", NULL, NULL, NULL},
	{"ALTER TABLE ATTACH PARTITION", "ALTER TABLE parent ATTACH PARTITION loose FOR VALUES FROM (100) TO (200)",
	 NULL, NULL, NULL},
	{"ALTER TABLE ATTACH PARTITION (default partition)",
	 "ALTER TABLE parent ATTACH PARTITION loose FOR VALUES FROM (100) TO (200)", NULL, NULL, NULL},
	{"ALTER TABLE DETACH PARTITION", "ALTER TABLE parent DETACH PARTITION part1", NULL, NULL, NULL},
	{"ALTER TABLE DETACH PARTITION (default partition)", "ALTER TABLE parent DETACH PARTITION part1", NULL, NULL, NULL},
	{"ALTER TABLE ALTER COLUMN ADD GENERATED AS IDENTITY",
	 "ALTER TABLE ident ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY", NULL, NULL, NULL},
	{"ALTER TABLE ALTER COLUMN SET GENERATED", "ALTER TABLE ident ALTER COLUMN g SET GENERATED BY DEFAULT", NULL, NULL, NULL},
	{"ALTER TABLE ALTER COLUMN DROP IDENTITY", "ALTER TABLE ident ALTER COLUMN g DROP IDENTITY", NULL, NULL, NULL},
	{"ALTER INDEX ATTACH PARTITION", "ALTER INDEX parent_k_idx ATTACH PARTITION part1_k_idx",
	 "parent AccessShareLock, part1 AccessShareLock", NULL, NULL},
	/* other statements */
	{"CREATE INDEX", "CREATE INDEX t_b_idx ON t (b)", NULL, NULL, NULL},
	{"CREATE INDEX", "CREATE INDEX parent_id_idx ON parent (id)",
	 "part1 ShareLock, part_default ShareLock, part3 ShareLock, part3a ShareLock",
	 "a partitioned table has no rows of its own: its partitions are read", NULL},
	{"DROP TABLE", "DROP TABLE loose", NULL, NULL, NULL},
	{"DROP TABLE", "DROP TABLE t", NULL, NULL, NULL},
	{"DROP TABLE (referenced tables)", "DROP TABLE t", NULL, NULL, NULL},
	{"DROP TABLE", "DROP TABLE part1", NULL, NULL, NULL},
	{"DROP TABLE (partitioned table of a partition)", "DROP TABLE part1", NULL, NULL, NULL},
	{"DROP TABLE (default partition)", "DROP TABLE part1", NULL, NULL, NULL},
	/* The default partition itself: its table only. */
	{"DROP TABLE (partitioned table of a partition)", "DROP TABLE part_default", NULL, NULL, NULL},
	/* A partitioned table: its partitions at every depth go with it. */
	{"DROP TABLE (partitions of a partitioned table)", "DROP TABLE parent", NULL, NULL, NULL},
	/* A partition that is partitioned itself: its parent, the default
	 * partition and its own partition. */
	{"DROP TABLE (partitions of a partitioned table)", "DROP TABLE part3", NULL, NULL, NULL},
	/* The foreign keys of t, fkc and the long-named table go; so do the
	 * views on p, which the table does not list (not tables). */
	{"DROP TABLE CASCADE (tables referencing it)", "DROP TABLE p CASCADE", "v AccessExclusiveLock, mv AccessExclusiveLock",
	 NULL, NULL},
	{"DROP INDEX", "DROP INDEX t_a_idx", NULL, NULL, NULL},
	{"DROP VIEW", "DROP VIEW v", NULL, NULL, NULL},
	{"DROP MATERIALIZED VIEW", "DROP MATERIALIZED VIEW mv", NULL, NULL, NULL},
	{"DROP SEQUENCE", "DROP SEQUENCE s", NULL, NULL, NULL},
	{"DROP FOREIGN TABLE", "DROP FOREIGN TABLE ft", NULL, NULL, NULL},
	{"DROP TRIGGER", "DROP TRIGGER t_trg ON t", NULL, NULL, NULL},
	{"DROP POLICY", "DROP POLICY t_pol ON t", NULL, NULL, NULL},
	{"DROP RULE", "DROP RULE loose_rule ON loose", NULL, NULL, NULL},
	{"REINDEX INDEX", "REINDEX INDEX t_a_idx", NULL, NULL, NULL},
	{"REINDEX TABLE", "REINDEX TABLE t", NULL, NULL, NULL},
	{"ALTER TABLE/VIEW/SEQUENCE RENAME", "ALTER TABLE loose RENAME TO loose2", NULL, NULL, NULL},
	{"ALTER TABLE/VIEW/SEQUENCE RENAME", "ALTER VIEW v RENAME TO v2", NULL, NULL, NULL},
	{"ALTER TABLE/VIEW/SEQUENCE RENAME", "ALTER SEQUENCE s RENAME TO s2", NULL, NULL, NULL},
	{"ALTER INDEX RENAME", "ALTER INDEX t_a_idx RENAME TO t_a_idx2", NULL, NULL, NULL},
	/* PostgreSQL keeps the ACCESS EXCLUSIVE that ALTER TABLE asked for
	 * when the relation turns out to be an index (RenameRelation()). */
	{"ALTER TABLE/VIEW/SEQUENCE RENAME", "ALTER TABLE t_a_idx RENAME TO t_a_idx2", NULL, NULL, NULL},
	{"ALTER TABLE RENAME COLUMN", "ALTER TABLE t RENAME COLUMN b TO bb", NULL, NULL, NULL},
	{"ALTER TABLE RENAME CONSTRAINT", "ALTER TABLE t RENAME CONSTRAINT t_a_check TO t_a_check2", NULL, NULL, NULL},
	{"ALTER TRIGGER RENAME", "ALTER TRIGGER t_trg ON t RENAME TO t_trg2", NULL, NULL, NULL},
	{"ALTER POLICY RENAME", "ALTER POLICY t_pol ON t RENAME TO t_pol2", NULL, NULL, NULL},
	{"ALTER RULE RENAME", "ALTER RULE loose_rule ON loose RENAME TO loose_rule2", NULL, NULL, NULL},
	{"TRUNCATE", "TRUNCATE loose", NULL, NULL, NULL},
	/* Each partition gets a new file; a partitioned table has none. */
	{"TRUNCATE (partitions of a partitioned table)", "TRUNCATE parent", NULL, EMPTY_INDEX_BUILD, NULL},
	{"TRUNCATE CASCADE (tables referencing it)", "TRUNCATE p CASCADE", NULL, EMPTY_INDEX_BUILD, NULL},
	{"LOCK TABLE", "LOCK TABLE t IN SHARE MODE", NULL, NULL, NULL},
	{"LOCK TABLE", "LOCK TABLE t", NULL, NULL, NULL},
	{"ANALYZE", "ANALYZE t", NULL, NULL, NULL},
	{"CLUSTER", "CLUSTER t USING t_a_idx", NULL, NULL, NULL},
	{"REFRESH MATERIALIZED VIEW", "REFRESH MATERIALIZED VIEW mv", "p AccessShareLock", NULL, NULL},
	{"REFRESH MATERIALIZED VIEW CONCURRENTLY", "REFRESH MATERIALIZED VIEW CONCURRENTLY mv", "p AccessShareLock", NULL, NULL},
	{"CREATE TRIGGER", "CREATE TRIGGER t_trg3 AFTER UPDATE ON t FOR EACH ROW EXECUTE FUNCTION trg()", NULL, NULL, NULL},
	{"CREATE RULE", "CREATE RULE loose_rule2 AS ON DELETE TO loose DO ALSO NOTHING", NULL, NULL, NULL},
	{"CREATE POLICY", "CREATE POLICY t_pol3 ON t USING (false)", NULL, NULL, NULL},
	{"ALTER POLICY", "ALTER POLICY t_pol ON t USING (false)", NULL, NULL, NULL},
	{"CREATE STATISTICS", "CREATE STATISTICS t_st ON a, b FROM t", NULL, NULL, NULL},
	{"COMMENT ON", "COMMENT ON TABLE t IS 'x'", NULL, NULL, NULL},
	{"COMMENT ON", "COMMENT ON COLUMN t.a IS 'x'", NULL, NULL, NULL},
	{"COMMENT ON", "COMMENT ON INDEX t_a_idx IS 'x'", NULL, NULL, NULL},
	{"CREATE TABLE REFERENCES", "CREATE TABLE c1 (id int REFERENCES p (id))", NULL, NULL, NULL},
	{"CREATE TABLE REFERENCES", "CREATE TABLE c2 (id int, FOREIGN KEY (id) REFERENCES p (id))", NULL, NULL, NULL},
	{"CREATE TABLE PARTITION OF", "CREATE TABLE part2 PARTITION OF parent FOR VALUES FROM (200) TO (300)",
	 NULL, NULL, NULL},
	{"CREATE TABLE PARTITION OF (default partition)",
	 "CREATE TABLE part2 PARTITION OF parent FOR VALUES FROM (200) TO (300)", NULL, NULL, NULL},
	{"CREATE TABLE INHERITS", "CREATE TABLE ic () INHERITS (inh_parent)", NULL, NULL, NULL},
	{"CREATE TABLE LIKE", "CREATE TABLE lk (LIKE t)", NULL, NULL, NULL},
	{"ALTER SEQUENCE", "ALTER SEQUENCE s RESTART", NULL, NULL, NULL},
	{"INSERT", "INSERT INTO loose VALUES (1, 1)", NULL, DML, NULL},
	{"UPDATE", "UPDATE t SET b = 'y' WHERE id = 1", NULL, DML, NULL},
	{"UPDATE", "UPDATE t SET b = b || 'y'", NULL, DML, NULL},
	{"DELETE", "DELETE FROM loose WHERE id = 1", NULL, DML, NULL},
};

/* Refused inside a transaction block: traced alone (see the top). */
static const probe alone[] = {
	{"CREATE INDEX CONCURRENTLY", "CREATE INDEX CONCURRENTLY t_b_idx ON t (b)", NULL, NULL, NULL},
	{"DROP INDEX CONCURRENTLY", "DROP INDEX CONCURRENTLY t_a_idx", NULL, NULL, NULL},
	{"REINDEX INDEX CONCURRENTLY", "REINDEX INDEX CONCURRENTLY t_a_idx", NULL, NULL, NULL},
	{"REINDEX TABLE CONCURRENTLY", "REINDEX TABLE CONCURRENTLY t", NULL, NULL, NULL},
};

/*
 * Refused inside a transaction block, and not seen by the trace's sampler:
 * VACUUM's lock does not conflict with the ACCESS SHARE the sampler holds,
 * VACUUM FULL of a small table can end before a sample, DETACH ...
 * CONCURRENTLY commits between its transactions.  A second
 * session holds `blocker` (conflicting with the mode the table gives), and
 * the request the statement then waits with on `rel` is read from
 * pg_locks, and the relfilenode before and after says whether it was
 * rewritten.  For DETACH that is the parent's lock; the partition's ACCESS
 * EXCLUSIVE at its end is PostgreSQL's ATExecDetachPartition().
 */
static const struct {
	const char *entry, *sql, *blocker, *rel;
} waiting[] = {
	{"VACUUM", "VACUUM t", "LOCK TABLE t IN SHARE UPDATE EXCLUSIVE MODE", "t"},
	{"VACUUM FULL", "VACUUM FULL t", "LOCK TABLE t IN ACCESS SHARE MODE", "t"},
	{"ALTER TABLE DETACH PARTITION", "ALTER TABLE parent2 DETACH PARTITION p2part CONCURRENTLY",
	 "LOCK TABLE parent2 IN SHARE UPDATE EXCLUSIVE MODE", "parent2"},
};

/* Entries no statement can produce, and why. */
static const struct {
	const char *entry, *why;
} unprobed[] = {
	{"ALTER TABLE ADD COLUMN (recursing)", "made by PostgreSQL for inheritance children"},
	{"ALTER TABLE ADD COLUMN (view)", "made by CREATE OR REPLACE VIEW"},
	{"ALTER TABLE ALTER COLUMN SET DEFAULT (cooked)", "made by PostgreSQL for partitions"},
	{"ALTER TABLE (check NOT NULL of a partition)", "made by PostgreSQL for partitions"},
	{"ALTER TABLE DROP COLUMN (recursing)", "made by PostgreSQL for inheritance children"},
	{"ALTER TABLE ADD INDEX (from ADD CONSTRAINT)", "made from ADD CONSTRAINT, probed there"},
	{"ALTER TABLE re-add index (ALTER COLUMN TYPE)", "made from ALTER COLUMN TYPE, probed there"},
	{"ALTER TABLE ADD CONSTRAINT (recursing)", "made by PostgreSQL for inheritance children"},
	{"ALTER TABLE re-add constraint (ALTER COLUMN TYPE)", "made from ALTER COLUMN TYPE, probed there"},
	{"ALTER DOMAIN re-add constraint", "made from ALTER COLUMN TYPE on a domain"},
	{"ALTER TABLE VALIDATE CONSTRAINT (recursing)", "made by PostgreSQL for inheritance children"},
	{"ALTER TABLE ADD CONSTRAINT USING INDEX (transformed)", "made from ADD CONSTRAINT ... USING INDEX, probed there"},
	{"ALTER TABLE DROP CONSTRAINT (recursing)", "made by PostgreSQL for inheritance children"},
	{"ALTER TABLE re-add comment (ALTER COLUMN TYPE)", "made from ALTER COLUMN TYPE, probed there"},
	{"CREATE OR REPLACE VIEW (options)", "made by CREATE OR REPLACE VIEW"},
	{"ALTER TABLE re-add statistics (ALTER COLUMN TYPE)", "made from ALTER COLUMN TYPE, probed there"},
	{"ALTER TABLE DETACH PARTITION FINALIZE",
	 "runs only after an interrupted DETACH ... CONCURRENTLY; its mode is the documentation's"},
};

/* ---- helpers ---------------------------------------------------------- */

/* The schema model learnt from the fixture, as lint learns a history: the
 * relations a probe locks without naming them are found through it. */
static gk_state model;

typedef struct parsed {
	PgQueryProtobufParseResult raw;
	PgQuery__ParseResult *tree;
} parsed;

static const PgQuery__Node *parse1(parsed *p, const char *sql)
{
	p->raw = pg_query_parse_protobuf(sql);
	if (p->raw.error)
		fail_msg("%s: %s", sql, p->raw.error->message);
	p->tree = pg_query__parse_result__unpack(NULL, p->raw.parse_tree.len, (const uint8_t *)p->raw.parse_tree.data);
	assert_non_null(p->tree);
	assert_int_equal(p->tree->n_stmts, 1);
	return p->tree->stmts[0]->stmt;
}

static void parsed_free(parsed *p)
{
	pg_query__parse_result__free_unpacked(p->tree, NULL);
	pg_query_free_protobuf_parse_result(p->raw);
}

static const char *const pg_modes[] = {
	"", "AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock",
	"ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock",
};

static enum gk_lockmode mode_of(const char *pg)
{
	for (int m = 1; m <= GK_LOCK_ACCESS_EXCLUSIVE; m++)
		if (strcmp(pg, pg_modes[m]) == 0)
			return (enum gk_lockmode)m;
	fail_msg("unknown lock mode %s", pg);
	return GK_LOCK_NONE;
}

static bool probe_exercises(const probe *pr, int pg)
{
	parsed p;
	const char *entries[16];
	size_t n = gk_stmt_lock_entries_in(parse1(&p, pr->sql), pg, &model, entries, 16);
	bool found = false;
	for (size_t i = 0; i < n; i++)
		found |= strcmp(entries[i], pr->entry) == 0;
	parsed_free(&p);
	return found;
}

static PGresult *q(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	return r;
}

static void exec_ok(PGconn *c, const char *sql)
{
	PQclear(q(c, sql));
}

/* One relation of the fixture as the server saw it, by OID (a statement
 * may drop or rename it). */
typedef struct rel {
	unsigned long oid;
	char name[64];
	char kind;
	char table[64];         /* an index's table, a sequence's owner; "" otherwise */
	unsigned long filenode, filenode_after;
	enum gk_lockmode locked;
	long scans, scans_before;
} rel;

typedef struct rels {
	rel r[96];
	size_t n;
} rels;

static rel *rel_find(rels *rs, const char *name)
{
	for (size_t i = 0; i < rs->n; i++)
		if (strcmp(rs->r[i].name, name) == 0)
			return &rs->r[i];
	return NULL;
}

static rel *rel_oid(rels *rs, const char *oid)
{
	unsigned long o = strtoul(oid, NULL, 10);
	for (size_t i = 0; i < rs->n; i++)
		if (rs->r[i].oid == o)
			return &rs->r[i];
	return NULL;
}

/* The relations of public before the statement: kind, owner table, relfilenode. */
static void read_rels(PGconn *c, rels *rs)
{
	PGresult *r = q(c, "SELECT c.oid, c.relname, c.relkind, "
			   "coalesce(i.indrelid::regclass::text, d.refobjid::regclass::text, ''), c.relfilenode "
			   "FROM pg_class c LEFT JOIN pg_index i ON i.indexrelid = c.oid "
			   "LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid "
			   "AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') AND c.relkind = 'S' "
			   "WHERE c.relnamespace = 'public'::regnamespace ORDER BY c.relname");
	rs->n = 0;
	for (int i = 0; i < PQntuples(r) && rs->n < sizeof rs->r / sizeof *rs->r; i++) {
		rel *x = &rs->r[rs->n++];
		memset(x, 0, sizeof *x);
		x->oid = strtoul(PQgetvalue(r, i, 0), NULL, 10);
		snprintf(x->name, sizeof x->name, "%s", PQgetvalue(r, i, 1));
		x->kind = PQgetvalue(r, i, 2)[0];
		snprintf(x->table, sizeof x->table, "%s", PQgetvalue(r, i, 3));
		x->filenode = x->filenode_after = strtoul(PQgetvalue(r, i, 4), NULL, 10);
	}
	PQclear(r);
}

/* The transaction's scan counters (those not yet flushed from earlier
 * transactions of the session included: callers subtract). */
static void read_scans(PGconn *c, rels *rs, bool before)
{
	PGresult *r = q(c, "SELECT relid, coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_xact_user_tables");
	for (int i = 0; i < PQntuples(r); i++) {
		rel *x = rel_oid(rs, PQgetvalue(r, i, 0));
		if (x)
			*(before ? &x->scans_before : &x->scans) = atol(PQgetvalue(r, i, 1));
	}
	PQclear(r);
}

/* After the statement: this session's granted locks, relfilenodes, scans. */
static void read_after(PGconn *c, rels *rs)
{
	PGresult *r = q(c, "SELECT relation, mode FROM pg_locks WHERE locktype = 'relation' "
			   "AND pid = pg_backend_pid() AND granted");
	for (int i = 0; i < PQntuples(r); i++) {
		rel *x = rel_oid(rs, PQgetvalue(r, i, 0));
		enum gk_lockmode m = mode_of(PQgetvalue(r, i, 1));
		if (x && m > x->locked)
			x->locked = m;
	}
	PQclear(r);
	r = q(c, "SELECT oid, relfilenode FROM pg_class WHERE relnamespace = 'public'::regnamespace");
	for (int i = 0; i < PQntuples(r); i++) {
		rel *x = rel_oid(rs, PQgetvalue(r, i, 0));
		if (x)
			x->filenode_after = strtoul(PQgetvalue(r, i, 1), NULL, 10);
	}
	PQclear(r);
	read_scans(c, rs, false);
}

/* The mode `unnamed` gives `name`, or NONE. */
static enum gk_lockmode unnamed_mode(const char *unnamed, const char *name)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", unnamed ? unnamed : "");
	for (char *save = NULL, *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		while (*item == ' ')
			item++;
		char *sp = strchr(item, ' ');
		if (sp && (size_t)(sp - item) == strlen(name) && strncmp(item, name, strlen(name)) == 0)
			return mode_of(sp + 1);
	}
	return GK_LOCK_NONE;
}

/* The mode the table gives `name` (directly, or as the table of a listed index). */
static enum gk_lockmode table_mode_for(const gk_lock *locks, size_t n, const rels *before, const char *name,
				       const gk_lock **which)
{
	*which = NULL;
	for (size_t i = 0; i < n; i++)
		if (strcmp(locks[i].name, name) == 0) {
			*which = &locks[i];
			return locks[i].mode;
		}
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; locks[i].is_index && k < before->n; k++)
			if (strcmp(before->r[k].name, locks[i].name) == 0 && strcmp(before->r[k].table, name) == 0 &&
			    locks[i].table_mode != GK_LOCK_NONE)
				return locks[i].table_mode;
	return GK_LOCK_NONE;
}

/* ---- the tests -------------------------------------------------------- */

/* Every entry has a probe that the table resolves to it, or a reason. */
static void test_every_entry_probed(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof in_tx / sizeof *in_tx; i++)
		if (!probe_exercises(&in_tx[i], 15))
			fail_msg("probe \"%s\" does not resolve to entry \"%s\"", in_tx[i].sql, in_tx[i].entry);
	for (size_t i = 0; i < sizeof alone / sizeof *alone; i++)
		if (!probe_exercises(&alone[i], 15))
			fail_msg("probe \"%s\" does not resolve to entry \"%s\"", alone[i].sql, alone[i].entry);
	for (size_t i = 0; i < sizeof waiting / sizeof *waiting; i++) {
		probe w = {waiting[i].entry, waiting[i].sql, NULL, NULL, NULL};
		if (!probe_exercises(&w, 15))
			fail_msg("probe \"%s\" does not resolve to entry \"%s\"", w.sql, w.entry);
	}
	size_t entries = 0;
	for (const char *e; (e = gk_lock_entry_name(entries)); entries++) {
		bool covered = false;
		for (size_t i = 0; !covered && i < sizeof in_tx / sizeof *in_tx; i++)
			covered = strcmp(in_tx[i].entry, e) == 0;
		for (size_t i = 0; !covered && i < sizeof alone / sizeof *alone; i++)
			covered = strcmp(alone[i].entry, e) == 0;
		for (size_t i = 0; !covered && i < sizeof waiting / sizeof *waiting; i++)
			covered = strcmp(waiting[i].entry, e) == 0;
		for (size_t i = 0; !covered && i < sizeof unprobed / sizeof *unprobed; i++)
			covered = strcmp(unprobed[i].entry, e) == 0;
		if (!covered)
			fail_msg("lock table entry \"%s\" has no probe", e);
	}
	assert_true(entries > 100);
}

/* The version rows: what changed where (the server here is one version). */
static void test_versions(void **state)
{
	(void)state;
	static const struct {
		const char *sql;
		int pg;
		const char *rel;
		enum gk_lockmode mode;
	} cases[] = {
		{"ALTER INDEX i RENAME TO j", 11, "i", GK_LOCK_ACCESS_EXCLUSIVE},
		{"ALTER INDEX i RENAME TO j", 12, "i", GK_LOCK_SHARE_UPDATE_EXCLUSIVE},
		{"ALTER TABLE p ATTACH PARTITION c FOR VALUES IN (1)", 11, "p", GK_LOCK_ACCESS_EXCLUSIVE},
		{"ALTER TABLE p ATTACH PARTITION c FOR VALUES IN (1)", 12, "p", GK_LOCK_SHARE_UPDATE_EXCLUSIVE},
		{"ALTER TABLE p ATTACH PARTITION c FOR VALUES IN (1)", 12, "c", GK_LOCK_ACCESS_EXCLUSIVE},
		{"ALTER TABLE p DETACH PARTITION c CONCURRENTLY", 13, "p", GK_LOCK_ACCESS_EXCLUSIVE},
		{"ALTER TABLE p DETACH PARTITION c CONCURRENTLY", 14, "p", GK_LOCK_SHARE_UPDATE_EXCLUSIVE},
		{"REINDEX INDEX CONCURRENTLY i", 11, "i", GK_LOCK_ACCESS_EXCLUSIVE},
		{"REINDEX INDEX CONCURRENTLY i", 12, "i", GK_LOCK_SHARE_UPDATE_EXCLUSIVE},
		{"REINDEX TABLE CONCURRENTLY t", 11, "t", GK_LOCK_SHARE},
		{"ALTER TABLE t SET (parallel_workers = 2)", 9, "t", GK_LOCK_ACCESS_EXCLUSIVE},
		{"ALTER TABLE t SET (parallel_workers = 2)", 10, "t", GK_LOCK_SHARE_UPDATE_EXCLUSIVE},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		parsed p;
		enum gk_lockmode m = gk_stmt_lock_on(parse1(&p, cases[i].sql), cases[i].pg, NULL, cases[i].rel, NULL);
		if (m != cases[i].mode)
			fail_msg("%s on %d: %s on %s, want %s", cases[i].sql, cases[i].pg, gk_lockmode_name(m), cases[i].rel,
				 gk_lockmode_name(cases[i].mode));
		parsed_free(&p);
	}
	/* A default rewrote before 11; from 11 a constant one does not. */
	parsed p;
	gk_lock lk;
	const PgQuery__Node *n = parse1(&p, "ALTER TABLE t ADD COLUMN c int DEFAULT 0");
	assert_int_equal(gk_stmt_lock_on(n, 10, NULL, "t", &lk), GK_LOCK_ACCESS_EXCLUSIVE);
	assert_true(lk.rewrite);
	gk_stmt_lock_on(n, 11, NULL, "t", &lk);
	assert_false(lk.rewrite);
	parsed_free(&p);
	/* Roles, and the table of an index. */
	n = parse1(&p, "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES r (id)");
	gk_lock locks[GK_MAX_LOCKS];
	assert_int_equal(gk_stmt_locks(n, 15, locks, GK_MAX_LOCKS), 2);
	assert_string_equal(locks[0].name, "t");
	assert_int_equal(locks[0].role, GK_LOCK_ROLE_TABLE);
	assert_string_equal(locks[1].name, "r");
	assert_int_equal(locks[1].role, GK_LOCK_ROLE_REFERENCED);
	parsed_free(&p);
	n = parse1(&p, "DROP INDEX i");
	assert_int_equal(gk_stmt_locks(n, 15, locks, GK_MAX_LOCKS), 1);
	assert_true(locks[0].is_index);
	assert_int_equal(locks[0].role, GK_LOCK_ROLE_INDEX);
	assert_int_equal(locks[0].table_mode, GK_LOCK_ACCESS_EXCLUSIVE);
	parsed_free(&p);
	/* A table created with a reference to itself locks nothing existing. */
	n = parse1(&p, "CREATE TABLE a (id int PRIMARY KEY, up int REFERENCES a (id))");
	assert_int_equal(gk_stmt_locks(n, 15, locks, GK_MAX_LOCKS), 0);
	parsed_free(&p);
}

/* Apply every statement of sql to st. */
static void learn(gk_state *st, const char *sql)
{
	PgQueryProtobufParseResult raw = pg_query_parse_protobuf(sql);
	if (raw.error)
		fail_msg("%s: %s", sql, raw.error->message);
	PgQuery__ParseResult *tree =
		pg_query__parse_result__unpack(NULL, raw.parse_tree.len, (const uint8_t *)raw.parse_tree.data);
	assert_non_null(tree);
	for (size_t i = 0; i < tree->n_stmts; i++)
		assert_int_equal(gk_state_apply(st, tree->stmts[i]->stmt, 0), 0);
	pg_query__parse_result__free_unpacked(tree, NULL);
	pg_query_free_protobuf_parse_result(raw);
}

/* The relations `sql` locks without naming them, "name MODE" joined by ", ". */
static char *implied_of(const gk_state *st, const char *sql)
{
	parsed p;
	gk_lock locks[GK_MAX_LOCKS];
	size_t n = gk_stmt_locks_in(parse1(&p, sql), 15, st, locks, GK_MAX_LOCKS);
	gk_buf b = GK_BUF_INIT;
	for (size_t i = 0; i < n; i++)
		if (locks[i].implied)
			gk_buf_printf(&b, "%s%s %s", b.len ? ", " : "", locks[i].name, gk_lockmode_name(locks[i].mode));
	parsed_free(&p);
	char *out = gk_strndup(b.data ? b.data : "", b.len);
	gk_buf_free(&b);
	return out;
}

static void assert_implied(const gk_state *st, const char *sql, const char *want)
{
	char *got = implied_of(st, sql);
	if (strcmp(got, want) != 0)
		fail_msg("%s: implied \"%s\", want \"%s\"", sql, got, want);
	free(got);
}

/* The schema model follows what later statements do to the foreign keys
 * and partitions it learnt (renames, DETACH, drops). */
static void test_model_follows(void **state)
{
	(void)state;
	gk_state st;
	gk_state_init(&st);
	learn(&st, "CREATE TABLE p (id int PRIMARY KEY);\n"
		   "CREATE TABLE c (id int, p_id int REFERENCES p, FOREIGN KEY (id, p_id) REFERENCES p2 (a, b));\n"
		   "CREATE TABLE p2 (a int, b int);\n"
		   "CREATE INDEX c_id_idx ON c (id);\n"
		   "CREATE TABLE parent (k int) PARTITION BY RANGE (k);\n"
		   "CREATE TABLE d PARTITION OF parent DEFAULT;\n"
		   "CREATE TABLE x (k int);\n"
		   "ALTER TABLE parent ATTACH PARTITION x FOR VALUES FROM (1) TO (2);\n");
	assert_implied(&st, "ALTER TABLE c DROP CONSTRAINT c_p_id_fkey", "p ACCESS EXCLUSIVE");
	assert_implied(&st, "ALTER TABLE c DROP CONSTRAINT c_id_p_id_fkey", "p2 ACCESS EXCLUSIVE");
	assert_implied(&st, "DROP TABLE c", "p ACCESS EXCLUSIVE, p2 ACCESS EXCLUSIVE");
	assert_implied(&st, "DROP TABLE x", "parent ACCESS EXCLUSIVE, d ACCESS EXCLUSIVE");
	assert_implied(&st, "DROP TABLE d", "parent ACCESS EXCLUSIVE");
	/* The default partition is the one attached: nothing else is read. */
	assert_implied(&st, "ALTER TABLE parent ATTACH PARTITION y DEFAULT", "");
	assert_implied(&st, "CREATE TABLE z PARTITION OF parent FOR VALUES FROM (5) TO (6)", "d ACCESS EXCLUSIVE");
	assert_implied(&st, "CREATE TABLE z PARTITION OF parent DEFAULT", "");
	assert_implied(&st, "ALTER TABLE parent DETACH PARTITION x CONCURRENTLY", "");
	learn(&st, "ALTER TABLE p RENAME TO p3;\n"
		   "ALTER TABLE c RENAME CONSTRAINT c_p_id_fkey TO c_fk;\n"
		   "ALTER TABLE parent RENAME TO parent2;\n"
		   "ALTER TABLE parent2 DETACH PARTITION x;\n");
	assert_implied(&st, "ALTER TABLE c DROP CONSTRAINT c_fk", "p3 ACCESS EXCLUSIVE");
	assert_implied(&st, "ALTER TABLE c DROP CONSTRAINT c_p_id_fkey", "");
	assert_implied(&st, "DROP TABLE x", "");
	assert_implied(&st, "DROP TABLE d", "parent2 ACCESS EXCLUSIVE");
	/* A dropped referenced table takes the foreign keys to it along
	 * (CASCADE); a dropped partitioned table its partitions. */
	learn(&st, "DROP TABLE p3 CASCADE;\nDROP TABLE parent2;\n");
	assert_implied(&st, "DROP TABLE c", "p2 ACCESS EXCLUSIVE");
	assert_null(gk_state_find(&st, NULL, "d"));
	/* Partitions of each other (input PostgreSQL refuses): dropping one ends. */
	learn(&st, "CREATE TABLE a (k int);\nCREATE TABLE b (k int);\n"
		   "ALTER TABLE a ATTACH PARTITION b FOR VALUES IN (1);\nALTER TABLE b ATTACH PARTITION a FOR VALUES IN (1);\n"
		   "DROP TABLE a;\n");
	assert_null(gk_state_find(&st, NULL, "a"));
	assert_null(gk_state_find(&st, NULL, "b"));
	/* A column of a domain with constraints rewrites up to 18; from 19
	 * only a value that fails them does (not probed: the server here is
	 * older; PostgreSQL's commit a0b6ef29a). */
	learn(&st, "CREATE DOMAIN pos AS int CHECK (VALUE > 0);\nCREATE DOMAIN nn AS int NOT NULL;\nCREATE TABLE dt (id int);\n");
	static const struct {
		const char *sql;
		int pg;
		bool rewrite;
	} adds[] = {
		{"ALTER TABLE dt ADD COLUMN c pos", 18, true},       {"ALTER TABLE dt ADD COLUMN c pos", 19, false},
		{"ALTER TABLE dt ADD COLUMN c nn", 19, true},        {"ALTER TABLE dt ADD COLUMN c nn DEFAULT 1", 19, false},
		{"ALTER TABLE dt ADD COLUMN c nn DEFAULT NULL", 19, true}, {"ALTER TABLE dt ADD COLUMN c pos[]", 18, false},
	};
	for (size_t i = 0; i < sizeof adds / sizeof *adds; i++) {
		parsed p;
		gk_lock lk[GK_MAX_LOCKS];
		assert_int_equal(gk_stmt_locks_in(parse1(&p, adds[i].sql), adds[i].pg, &st, lk, GK_MAX_LOCKS), 1);
		if (lk[0].rewrite != adds[i].rewrite)
			fail_msg("%s on %d: rewrite %d", adds[i].sql, adds[i].pg, lk[0].rewrite);
		parsed_free(&p);
	}
	gk_state_free(&st);
}

/* The partitions of a partitioned table DROP TABLE and TRUNCATE name, and
 * the tables CASCADE reaches, as the model knows them. */
static void test_model_partitions_cascade(void **state)
{
	(void)state;
	gk_state st;
	gk_state_init(&st);
	learn(&st, "CREATE TABLE orders (id int, k int) PARTITION BY RANGE (k);\n"
		   "CREATE TABLE orders_2024 PARTITION OF orders FOR VALUES FROM (0) TO (100) PARTITION BY RANGE (id);\n"
		   "CREATE TABLE orders_2024a PARTITION OF orders_2024 FOR VALUES FROM (0) TO (10);\n"
		   "CREATE TABLE orders_2025 PARTITION OF orders FOR VALUES FROM (100) TO (200);\n"
		   "CREATE TABLE p (id int PRIMARY KEY);\n"
		   "CREATE TABLE c (p_id int REFERENCES p);\n"
		   "CREATE TABLE c2 (id int PRIMARY KEY, p_id int, CONSTRAINT c2_fk FOREIGN KEY (p_id) REFERENCES p (id));\n"
		   "CREATE TABLE gc (c2_id int REFERENCES c2 (id));\n"
		   "CREATE TABLE self (id int PRIMARY KEY, up int REFERENCES self);\n");
	assert_implied(&st, "DROP TABLE orders",
		       "orders_2024 ACCESS EXCLUSIVE, orders_2024a ACCESS EXCLUSIVE, orders_2025 ACCESS EXCLUSIVE");
	assert_implied(&st, "DROP TABLE orders_2024", "orders ACCESS EXCLUSIVE, orders_2024a ACCESS EXCLUSIVE");
	assert_implied(&st, "DROP TABLE orders_2025", "orders ACCESS EXCLUSIVE");
	assert_implied(&st, "TRUNCATE orders",
		       "orders_2024 ACCESS EXCLUSIVE, orders_2024a ACCESS EXCLUSIVE, orders_2025 ACCESS EXCLUSIVE");
	assert_implied(&st, "TRUNCATE orders_2025", "");
	/* Without CASCADE PostgreSQL refuses to drop p: no lock to report. */
	assert_implied(&st, "DROP TABLE p", "");
	assert_implied(&st, "DROP TABLE p CASCADE", "c ACCESS EXCLUSIVE, c2 ACCESS EXCLUSIVE");
	/* A table the statement names is locked as dropped, not implied. */
	assert_implied(&st, "DROP TABLE p, c CASCADE", "c2 ACCESS EXCLUSIVE");
	assert_implied(&st, "DROP TABLE self CASCADE", "");
	/* DROP COLUMN: a foreign key on the column; with CASCADE the foreign
	 * keys that name it as the referenced column (c's references p's
	 * primary key without naming it: not known). */
	assert_implied(&st, "ALTER TABLE c DROP COLUMN p_id", "p ACCESS EXCLUSIVE");
	assert_implied(&st, "ALTER TABLE c2 DROP COLUMN p_id", "p ACCESS EXCLUSIVE");
	assert_implied(&st, "ALTER TABLE c2 DROP COLUMN id", "");
	assert_implied(&st, "ALTER TABLE p DROP COLUMN id CASCADE", "c2 ACCESS EXCLUSIVE");
	assert_implied(&st, "ALTER TABLE c2 DROP COLUMN id CASCADE", "gc ACCESS EXCLUSIVE");
	/* TRUNCATE ... CASCADE follows the references further. */
	assert_implied(&st, "TRUNCATE p", "");
	assert_implied(&st, "TRUNCATE p CASCADE", "c ACCESS EXCLUSIVE, c2 ACCESS EXCLUSIVE, gc ACCESS EXCLUSIVE");

	/* A partitioned table has no file of its own, nor has a partitioned
	 * partition; the other partitions get new ones. */
	parsed p;
	gk_lock locks[GK_MAX_LOCKS];
	size_t n = gk_stmt_locks_in(parse1(&p, "TRUNCATE orders"), 15, &st, locks, GK_MAX_LOCKS);
	assert_int_equal(n, 4);
	assert_false(locks[0].rewrite);
	assert_false(locks[1].rewrite);
	assert_true(locks[2].rewrite);
	assert_true(locks[3].rewrite);
	assert_int_equal(locks[1].role, GK_LOCK_ROLE_SUBPARTITION);
	assert_string_equal(locks[1].implied_group, "its partitions");
	parsed_free(&p);

	/* More partitions than the caller's array holds: the last listed one counts the rest. */
	gk_buf b = GK_BUF_INIT;
	gk_buf_printf(&b, "CREATE TABLE big (k int) PARTITION BY LIST (k);\n");
	for (int i = 0; i < 20; i++)
		gk_buf_printf(&b, "CREATE TABLE big_%d PARTITION OF big FOR VALUES IN (%d);\n", i, i);
	learn(&st, b.data);
	gk_buf_free(&b);
	n = gk_stmt_locks_in(parse1(&p, "DROP TABLE big"), 15, &st, locks, GK_MAX_LOCKS);
	assert_int_equal(n, GK_MAX_LOCKS);
	assert_string_equal(locks[GK_MAX_LOCKS - 1].name, "big_14");
	assert_int_equal(locks[GK_MAX_LOCKS - 1].more, 5);
	assert_int_equal(locks[GK_MAX_LOCKS - 2].more, 0);
	parsed_free(&p);

	/* The model follows renames of the columns on either side, and forgets
	 * the foreign keys that go with a dropped column. */
	learn(&st, "ALTER TABLE c2 RENAME COLUMN p_id TO parent_id;\nALTER TABLE p RENAME COLUMN id TO pid;\n");
	assert_implied(&st, "ALTER TABLE c2 DROP COLUMN p_id", "");
	assert_implied(&st, "ALTER TABLE c2 DROP COLUMN parent_id", "p ACCESS EXCLUSIVE");
	assert_implied(&st, "ALTER TABLE p DROP COLUMN id CASCADE", "");
	assert_implied(&st, "ALTER TABLE p DROP COLUMN pid CASCADE", "c2 ACCESS EXCLUSIVE");
	learn(&st, "ALTER TABLE c2 DROP COLUMN parent_id;\n");
	assert_implied(&st, "DROP TABLE c2", "");
	assert_null(gk_rel_constraint(gk_state_find(&st, NULL, "c2"), "c2_fk"));
	learn(&st, "ALTER TABLE c2 DROP COLUMN id CASCADE;\n");
	assert_null(gk_rel_constraint(gk_state_find(&st, NULL, "gc"), "gc_c2_id_fkey"));
	assert_non_null(gk_rel_constraint(gk_state_find(&st, NULL, "c"), "c_p_id_fkey"));
	gk_state_free(&st);
}

static char *tablespace_dir;

/* A directory the server may use for a tablespace (it runs as postgres
 * when we are root). */
static void make_tablespace(PGconn *c)
{
	char tmpl[] = "/tmp/gk-locks-ts-XXXXXX";
	char *dir = mkdtemp(tmpl);
	assert_non_null(dir);
	if (geteuid() == 0) {
		struct passwd *pw = getpwnam("postgres");
		assert_non_null(pw);
		assert_int_equal(chown(dir, pw->pw_uid, pw->pw_gid), 0);
	}
	tablespace_dir = gk_strdup(dir);
	char sql[256];
	snprintf(sql, sizeof sql, "CREATE TABLESPACE " TABLESPACE " LOCATION '%s'", dir);
	exec_ok(c, sql);
}

/* Compare one probe's effects with the table; returns a failure text (malloc'ed) or NULL. */
static char *check_in_tx(PGconn *c, const probe *pr, int pg)
{
	rels rs;
	read_rels(c, &rs);
	exec_ok(c, "BEGIN");
	read_scans(c, &rs, true);
	PGresult *r = PQexec(c, pr->sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
		char *e = gk_asprintf("%s: %s", pr->sql, PQerrorMessage(c));
		PQclear(r);
		exec_ok(c, "ROLLBACK");
		return e;
	}
	PQclear(r);
	read_after(c, &rs);
	exec_ok(c, "ROLLBACK");

	parsed p;
	gk_lock locks[GK_MAX_LOCKS];
	size_t n = gk_stmt_locks_in(parse1(&p, pr->sql), pg, &model, locks, GK_MAX_LOCKS);
	gk_buf b = GK_BUF_INIT;
	/* Every locked relation of the fixture (relations the statement
	 * creates are not in rs). */
	for (size_t i = 0; i < rs.n; i++) {
		const rel *x = &rs.r[i];
		if (x->locked == GK_LOCK_NONE)
			continue;
		const gk_lock *lk;
		enum gk_lockmode want = table_mode_for(locks, n, &rs, x->name, &lk);
		enum gk_lockmode un = unnamed_mode(pr->unnamed, x->name);
		if (want == GK_LOCK_NONE && un != GK_LOCK_NONE)
			want = un;
		if (want == GK_LOCK_NONE && (x->kind == 'i' || x->kind == 'I' || x->kind == 'S') && x->table[0]) {
			/* An index or owned sequence follows its table, when that is locked too. */
			const rel *t = rel_find(&rs, x->table);
			if (t && t->locked != GK_LOCK_NONE)
				continue;
		}
		if (x->locked != want)
			gk_buf_printf(&b, "\n  %s: server %s, table %s", x->name, pg_modes[x->locked],
				      want ? pg_modes[want] : "none");
		if (!lk || x->kind == 'S')
			continue;
		bool rewritten = x->filenode != x->filenode_after;
		if (!pr->rewrite_unmeasured && rewritten != lk->rewrite)
			gk_buf_printf(&b, "\n  %s: server %s, table %s", x->name, rewritten ? "rewrote" : "kept the file",
				      lk->rewrite ? "rewrite" : "no rewrite");
		/* An index's scan is its table's (indexes have no counters). */
		const rel *read = lk->is_index ? rel_find(&rs, x->table) : x;
		long scans = read ? read->scans - read->scans_before : 0;
		if (!pr->scan_unmeasured && (scans > 0) != lk->scan)
			gk_buf_printf(&b, "\n  %s: server %s (%ld scans of %s), table %s", x->name,
				      scans > 0 ? "scanned" : "did not scan", scans, read ? read->name : "?",
				      lk->scan ? "scan" : "no scan");
	}
	/* Every lock the table lists was taken. */
	for (size_t i = 0; i < n; i++) {
		const rel *x = rel_find(&rs, locks[i].name);
		if (!x || x->locked == GK_LOCK_NONE)
			gk_buf_printf(&b, "\n  %s: table %s, server none", locks[i].name, pg_modes[locks[i].mode]);
	}
	parsed_free(&p);
	if (b.len == 0) {
		gk_buf_free(&b);
		return NULL;
	}
	char *out = gk_asprintf("%s:%.*s", pr->sql, (int)b.len, b.data);
	gk_buf_free(&b);
	return out;
}

static void quiet_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static int server_major(PGconn *c)
{
	return PQserverVersion(c) / 10000;
}

static void test_in_transaction(void **state)
{
	(void)state;
	db d = fresh_db();
	char *su = gk_shadow_superuser_conninfo(shared, d.name);
	PGconn *c = PQconnectdb(su);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PQsetNoticeProcessor(c, quiet_notice, NULL);
	make_tablespace(c);
	exec_ok(c, FIXTURE FIXTURE_MORE);
	int pg = server_major(c);
	gk_buf fails = GK_BUF_INIT;
	size_t failed = 0;
	for (size_t i = 0; i < sizeof in_tx / sizeof *in_tx; i++) {
		char *e = check_in_tx(c, &in_tx[i], pg);
		if (e) {
			gk_buf_printf(&fails, "\n%s", e);
			failed++;
			free(e);
		}
	}
	PQfinish(c);
	drop_db(&d);
	free(su);
	if (failed) {
		fprintf(stderr, "%zu of %zu probes differ from the lock table (PostgreSQL %d):%.*s\n", failed,
			sizeof in_tx / sizeof *in_tx, pg, (int)fails.len, fails.data);
		fail_msg("%zu probes differ", failed);
	}
	gk_buf_free(&fails);
}

/* The statements refused in a transaction block, traced alone. */
static void test_alone(void **state)
{
	(void)state;
	gk_buf fails = GK_BUF_INIT;
	size_t failed = 0;
	for (size_t i = 0; i < sizeof alone / sizeof *alone; i++) {
		const probe *pr = &alone[i];
		db d = fresh_db();
		gk_replay_migration m[2] = {
			{"fixture.sql", FIXTURE, strlen(FIXTURE), GK_RUNNER_PER_FILE, false, 0, NULL, GK_SPLITTER_SQL},
			{"probe.sql", pr->sql, strlen(pr->sql), GK_RUNNER_WHOLE, true, 0, NULL, GK_SPLITTER_SQL},
		};
		gk_replay_result r[2];
		gk_error err = {0, ""};
		if (gk_replay_run(r, d.conninfo, m, 2, &err) != 0)
			fail_msg("replay: %s", err.msg);
		if (r[1].status != GK_REPLAY_OK)
			fail_msg("%s: %s", pr->sql, r[1].message ? r[1].message : "failed");
		int pg = gk_shadow_server_version(shared) / 10000;
		parsed p;
		gk_lock locks[GK_MAX_LOCKS];
		size_t n = gk_stmt_locks(parse1(&p, pr->sql), pg, locks, GK_MAX_LOCKS);
		gk_buf b = GK_BUF_INIT;
		/* Each traced relation: a listed table, or the table of a listed
		 * index; an index of a locked table follows it. */
		for (size_t k = 0; k < r[1].n_locks; k++) {
			const char *name = strchr(r[1].locks[k].relation, '.') + 1;
			if (!strcmp(name, "t_a_idx") || !strcmp(name, "t_b_uidx") || !strcmp(name, "t_pkey"))
				continue; /* the fixture's indexes on t, which every probe locks */
			enum gk_lockmode got = mode_of(r[1].locks[k].mode), want = GK_LOCK_NONE;
			for (size_t j = 0; j < n; j++) {
				if (!locks[j].is_index && strcmp(locks[j].name, name) == 0)
					want = locks[j].mode;
				/* The fixture's indexes are all on t. */
				if (locks[j].is_index && strcmp(name, "t") == 0)
					want = locks[j].table_mode;
				if (!locks[j].is_index && strcmp(locks[j].name, name) == 0 && r[1].locks[k].rewrite != locks[j].rewrite)
					gk_buf_printf(&b, "\n  %s: server %s, table %s", name,
						      r[1].locks[k].rewrite ? "rewrote" : "kept the file",
						      locks[j].rewrite ? "rewrite" : "no rewrite");
			}
			if (got != want)
				gk_buf_printf(&b, "\n  %s: server %s, table %s", name, r[1].locks[k].mode,
					      want ? pg_modes[want] : "none");
		}
		for (size_t j = 0; j < n; j++) {
			bool seen = false;
			for (size_t k = 0; k < r[1].n_locks; k++)
				seen |= strcmp(strchr(r[1].locks[k].relation, '.') + 1, locks[j].is_index ? "t" : locks[j].name) == 0;
			if (!seen)
				gk_buf_printf(&b, "\n  %s: table %s, server none", locks[j].name, pg_modes[locks[j].mode]);
		}
		if (b.len) {
			gk_buf_printf(&fails, "\n%s:%.*s", pr->sql, (int)b.len, b.data);
			failed++;
		}
		gk_buf_free(&b);
		parsed_free(&p);
		gk_replay_results_free(r, 2);
		drop_db(&d);
	}
	if (failed) {
		fprintf(stderr, "%zu of %zu traced probes differ from the lock table:%.*s\n", failed,
			sizeof alone / sizeof *alone, (int)fails.len, fails.data);
		fail_msg("%zu traced probes differ", failed);
	}
	gk_buf_free(&fails);
}

/* The lock requests the statements above wait with. */
static void test_waiting(void **state)
{
	(void)state;
	db d = fresh_db();
	char *su = gk_shadow_superuser_conninfo(shared, d.name);
	PGconn *a = PQconnectdb(su), *b = PQconnectdb(su);
	assert_int_equal(PQstatus(a), CONNECTION_OK);
	assert_int_equal(PQstatus(b), CONNECTION_OK);
	exec_ok(a, FIXTURE "CREATE TABLE parent2 (id int, k int) PARTITION BY RANGE (k);\n"
		   "CREATE TABLE p2part PARTITION OF parent2 FOR VALUES FROM (0) TO (100);\n");
	int pg = server_major(a);
	char *pid = gk_asprintf("%d", PQbackendPID(a));
	for (size_t i = 0; i < sizeof waiting / sizeof *waiting; i++) {
		char sql[512];
		snprintf(sql, sizeof sql, "SELECT relfilenode FROM pg_class WHERE oid = 'public.%s'::regclass", waiting[i].rel);
		PGresult *fr = q(b, sql);
		char *node = gk_strdup(PQgetvalue(fr, 0, 0));
		PQclear(fr);
		exec_ok(b, "BEGIN");
		exec_ok(b, waiting[i].blocker);
		assert_int_equal(PQsendQuery(a, waiting[i].sql), 1);
		snprintf(sql, sizeof sql, "SELECT mode FROM pg_locks WHERE pid = %s AND NOT granted "
			 "AND relation = 'public.%s'::regclass", pid, waiting[i].rel);
		char *mode = NULL;
		for (int tries = 0; tries < 500 && !mode; tries++) {
			PGresult *r = q(b, sql);
			if (PQntuples(r))
				mode = gk_strdup(PQgetvalue(r, 0, 0));
			PQclear(r);
			if (!mode)
				usleep(10000);
		}
		exec_ok(b, "ROLLBACK");
		for (PGresult *r; (r = PQgetResult(a));) {
			if (PQresultStatus(r) != PGRES_COMMAND_OK)
				fail_msg("%s: %s", waiting[i].sql, PQerrorMessage(a));
			PQclear(r);
		}
		if (!mode)
			fail_msg("%s did not wait for %s: its lock on %s does not conflict", waiting[i].sql, waiting[i].blocker,
				 waiting[i].rel);
		parsed p;
		gk_lock lk;
		enum gk_lockmode want = gk_stmt_lock_on(parse1(&p, waiting[i].sql), pg, NULL, waiting[i].rel, &lk);
		if (mode_of(mode) != want)
			fail_msg("%s: server requested %s on %s, table %s", waiting[i].sql, mode, waiting[i].rel,
				 gk_lockmode_name(want));
		snprintf(sql, sizeof sql, "SELECT relfilenode FROM pg_class WHERE oid = 'public.%s'::regclass", waiting[i].rel);
		fr = q(b, sql);
		if ((strcmp(node, PQgetvalue(fr, 0, 0)) != 0) != lk.rewrite)
			fail_msg("%s: server %s, table %s", waiting[i].sql, lk.rewrite ? "kept the file" : "rewrote",
				 lk.rewrite ? "rewrite" : "no rewrite");
		PQclear(fr);
		parsed_free(&p);
		free(mode);
		free(node);
	}
	free(pid);
	PQfinish(a);
	PQfinish(b);
	free(su);
	drop_db(&d);
}

/* Learn the fixture's statements, one by one, as lint would. */
static void learn_fixture(void)
{
	gk_state_init(&model);
	PgQueryProtobufParseResult raw = pg_query_parse_protobuf(FIXTURE FIXTURE_MORE);
	assert_null(raw.error);
	PgQuery__ParseResult *tree =
		pg_query__parse_result__unpack(NULL, raw.parse_tree.len, (const uint8_t *)raw.parse_tree.data);
	assert_non_null(tree);
	for (size_t i = 0; i < tree->n_stmts; i++)
		assert_int_equal(gk_state_apply(&model, tree->stmts[i]->stmt, 0), 0);
	pg_query__parse_result__free_unpacked(tree, NULL);
	pg_query_free_protobuf_parse_result(raw);
}

static int group_setup(void **state)
{
	(void)state;
	learn_fixture();
	open_shared();
	return 0;
}

static int teardown(void **state)
{
	int rc = group_teardown(state);
	gk_state_free(&model);
	if (tablespace_dir) {
		/* The cluster and its tablespace are gone; the empty directory stays ours. */
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tablespace_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tablespace_dir);
		free(tablespace_dir);
	}
	return rc;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_entry_probed),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_model_follows),
		cmocka_unit_test(test_model_partitions_cascade),
		cmocka_unit_test(test_in_transaction),
		cmocka_unit_test(test_alone),
		cmocka_unit_test(test_waiting),
	};
	return cmocka_run_group_tests(tests, group_setup, teardown);
}
