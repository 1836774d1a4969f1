/*
 * locks.c - which relation locks a statement takes (see locks.h).
 *
 * Every lock level gatekeeper assumes is decided here and nowhere else,
 * as PostgreSQL decides them in AlterTableGetLockLevel() (tablecmds.c).
 * Two tables hold the facts: at_rows[], one row per ALTER TABLE
 * subcommand, and stmt_rows[], one per other statement kind; each row says
 * the mode on the relation the statement names, whether it rewrites
 * (a new relfilenode: the table is copied) and whether it scans (reads the
 * whole table while holding the lock), and from which major version it
 * holds.  A kind with several rows takes the last whose `since` is not
 * above the target's version.  The code below the tables only finds the
 * relations in the tree and the few facts that depend on the statement's
 * details (a constraint's type, a storage parameter, a column's default).
 *
 * The conformance test (locks_conformance_test.c) runs every entry on a
 * PostgreSQL server and compares pg_locks, relfilenode and the table's scan
 * counters with what gk_stmt_locks() says; an entry without a probe fails
 * it.  Relations a statement locks that the tree does not name have rows
 * of their own (implied_rows[]), used by gk_stmt_locks_in() when the
 * schema model (state.c) knows the relation: the referenced table of a
 * foreign key being dropped (with the constraint, or with its table), the
 * partitioned table and the default partition of a partition being
 * dropped, the default partition of ATTACH PARTITION, DETACH PARTITION and
 * CREATE TABLE ... PARTITION OF, the partitions of a partitioned table
 * dropped or truncated, the tables whose foreign keys DROP TABLE ...
 * CASCADE drops or TRUNCATE ... CASCADE follows, the referenced table of
 * a foreign key dropped with its column, the tables whose foreign keys
 * DROP COLUMN ... CASCADE drops.  An index's table is the index entry's
 * table_mode.  Others (the views and other objects CASCADE drops) are not
 * listed: the conformance test names each such lock it sees, and the
 * replay's trace shows them.
 *
 * Not modelled, on purpose: the ACCESS SHARE locks of the relations a query
 * reads (SELECT, INSERT ... SELECT, CREATE VIEW, CREATE TABLE AS) and the
 * ROW SHARE locks of foreign-key checks on the referenced table: they
 * conflict only with ACCESS EXCLUSIVE (and EXCLUSIVE), which the statements
 * that take it already report.
 */
#include "locks.h"
#include "nodes.h"
#include "state.h"

#include <string.h>
#include <strings.h>

static const char *const mode_names[] = {
	"NONE", "ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE",
	"SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE",
};
_Static_assert(sizeof mode_names / sizeof *mode_names == GK_LOCK_ACCESS_EXCLUSIVE + 1, "lock names");

const char *gk_lockmode_name(enum gk_lockmode m) { return mode_names[m]; }

const char *gk_lockmode_blocks(enum gk_lockmode m)
{
	if (m == GK_LOCK_ACCESS_EXCLUSIVE)
		return "blocks all reads and writes";
	if (m >= GK_LOCK_SHARE)
		return "blocks writes";
	if (m == GK_LOCK_SHARE_UPDATE_EXCLUSIVE)
		return "blocks other schema changes and VACUUM";
	return "blocks little";
}

/* Short names for the tables. */
#define AS  GK_LOCK_ACCESS_SHARE
#define RE  GK_LOCK_ROW_EXCLUSIVE
#define SUE GK_LOCK_SHARE_UPDATE_EXCLUSIVE
#define SH  GK_LOCK_SHARE
#define SRE GK_LOCK_SHARE_ROW_EXCLUSIVE
#define EX  GK_LOCK_EXCLUSIVE
#define AE  GK_LOCK_ACCESS_EXCLUSIVE

/* What a row needs from the subcommand beyond its mode. */
enum detail {
	D_NONE,
	D_INTERNAL,       /* made by PostgreSQL while it executes another subcommand; the parser never produces it */
	D_ADD_COLUMN,     /* rewrite by the default; constraints written on the column */
	D_CONSTRAINT,     /* mode, scan and referenced table by the constraint's type */
	D_RELOPTIONS,     /* mode by the storage parameters set */
	D_ATTACH,         /* the partition: ACCESS EXCLUSIVE, scanned */
	D_DETACH,         /* the partition; CONCURRENTLY */
	D_INHERIT,        /* the parent: SHARE UPDATE EXCLUSIVE */
	D_NO_INHERIT,     /* the parent: ACCESS SHARE */
};

typedef struct lock_row {
	int key;                /* ALTER TABLE: the AlterTableType; otherwise a stmt_kind */
	const char *name;       /* the entry, as messages and the conformance test name it */
	int since;              /* first major version the row holds for; 0 = every one gatekeeper knows (9.6+) */
	enum gk_lockmode mode;  /* on the relation the statement names */
	bool rewrite, scan;
	enum detail detail;
} lock_row;

/*
 * ALTER TABLE (and ALTER INDEX / VIEW / MATERIALIZED VIEW / SEQUENCE /
 * FOREIGN TABLE, which share its subcommands), as AlterTableGetLockLevel()
 * of PostgreSQL 15, every subcommand written out.  The strongest mode of a
 * statement's subcommands is the statement's.
 */
static const lock_row at_rows[] = {
	/* May rewrite (a volatile default, identity, stored generated column,
	 * any default before 11) and changes what SELECT sees. */
	{PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn, "ALTER TABLE ADD COLUMN", 0, AE, false, false, D_ADD_COLUMN},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumnRecurse, "ALTER TABLE ADD COLUMN (recursing)", 0, AE, false, false, D_INTERNAL},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumnToView, "ALTER TABLE ADD COLUMN (view)", 0, AE, false, false, D_INTERNAL},
	/* Defaults, NOT NULL, identity, expressions, compression: DML reads
	 * them, so DML must not run while they change ("could be SHARE ROW
	 * EXCLUSIVE", says PostgreSQL, but is not). */
	{PG_QUERY__ALTER_TABLE_TYPE__AT_ColumnDefault, "ALTER TABLE ALTER COLUMN SET/DROP DEFAULT", 0, AE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_CookedColumnDefault, "ALTER TABLE ALTER COLUMN SET DEFAULT (cooked)", 0, AE, false, false, D_INTERNAL},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_DropNotNull, "ALTER TABLE ALTER COLUMN DROP NOT NULL", 0, AE, false, false, D_NONE},
	/* Scans unless a validated CHECK (col IS NOT NULL) proves it (12+):
	 * the set-not-null rule judges that with the schema model. */
	{PG_QUERY__ALTER_TABLE_TYPE__AT_SetNotNull, "ALTER TABLE ALTER COLUMN SET NOT NULL", 0, AE, false, true, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_DropExpression, "ALTER TABLE ALTER COLUMN DROP EXPRESSION", 13, AE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_CheckNotNull, "ALTER TABLE (check NOT NULL of a partition)", 0, AS, false, false, D_INTERNAL},
	/* Planner and maintenance settings: the minimum that keeps catalog
	 * updates from running concurrently. */
	{PG_QUERY__ALTER_TABLE_TYPE__AT_SetStatistics, "ALTER TABLE ALTER COLUMN SET STATISTICS", 0, SUE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_SetOptions, "ALTER TABLE ALTER COLUMN SET (attribute option)", 0, SUE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_ResetOptions, "ALTER TABLE ALTER COLUMN RESET (attribute option)", 0, SUE, false, false, D_NONE},
	/* May add a TOAST table, which a concurrent scan would miss. */
	{PG_QUERY__ALTER_TABLE_TYPE__AT_SetStorage, "ALTER TABLE ALTER COLUMN SET STORAGE", 0, AE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_SetCompression, "ALTER TABLE ALTER COLUMN SET COMPRESSION", 14, AE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumn, "ALTER TABLE DROP COLUMN", 0, AE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumnRecurse, "ALTER TABLE DROP COLUMN (recursing)", 0, AE, false, false, D_INTERNAL},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_AddIndex, "ALTER TABLE ADD INDEX (from ADD CONSTRAINT)", 0, AE, false, true, D_INTERNAL},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_ReAddIndex, "ALTER TABLE re-add index (ALTER COLUMN TYPE)", 0, AE, false, true, D_INTERNAL},
	/* Foreign keys SHARE ROW EXCLUSIVE on both tables (the triggers they
	 * add are CREATE TRIGGER's); every other constraint ACCESS EXCLUSIVE. */
	{PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint, "ALTER TABLE ADD CONSTRAINT", 0, AE, false, false, D_CONSTRAINT},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraintRecurse, "ALTER TABLE ADD CONSTRAINT (recursing)", 0, AE, false, false, D_INTERNAL},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_ReAddConstraint, "ALTER TABLE re-add constraint (ALTER COLUMN TYPE)", 0, AE, false, false, D_INTERNAL},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_ReAddDomainConstraint, "ALTER DOMAIN re-add constraint", 0, AE, false, false, D_INTERNAL},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_AlterConstraint, "ALTER TABLE ALTER CONSTRAINT", 0, AE, false, false, D_NONE},
	/* Reads the table under a lock that lets DML go on.  A foreign key's
	 * referenced table is also read (ROW SHARE), but which constraint the
	 * name is cannot be told from the statement. */
	{PG_QUERY__ALTER_TABLE_TYPE__AT_ValidateConstraint, "ALTER TABLE VALIDATE CONSTRAINT", 0, SUE, false, true, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_ValidateConstraintRecurse, "ALTER TABLE VALIDATE CONSTRAINT (recursing)", 0, SUE, false, true, D_INTERNAL},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_AddIndexConstraint, "ALTER TABLE ADD CONSTRAINT USING INDEX (transformed)", 0, AE, false, false, D_INTERNAL},
	/* Plans may rely on the constraint.  Dropping a foreign key also takes
	 * ACCESS EXCLUSIVE on its referenced table (its triggers go), which the
	 * statement does not name. */
	{PG_QUERY__ALTER_TABLE_TYPE__AT_DropConstraint, "ALTER TABLE DROP CONSTRAINT", 0, AE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_DropConstraintRecurse, "ALTER TABLE DROP CONSTRAINT (recursing)", 0, AE, false, false, D_INTERNAL},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_ReAddComment, "ALTER TABLE re-add comment (ALTER COLUMN TYPE)", 0, AE, false, false, D_INTERNAL},
	/* Rewrites unless the new type is binary-coercible (varchar(n) to a
	 * larger n or to text, ...): the alter-column-type rule judges. */
	{PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType, "ALTER TABLE ALTER COLUMN TYPE", 0, AE, true, true, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnGenericOptions, "ALTER FOREIGN TABLE ALTER COLUMN OPTIONS", 0, AE, false, false, D_NONE},
	/* May take away SELECT privileges. */
	{PG_QUERY__ALTER_TABLE_TYPE__AT_ChangeOwner, "ALTER TABLE OWNER TO", 0, AE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_ClusterOn, "ALTER TABLE CLUSTER ON", 0, SUE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_DropCluster, "ALTER TABLE SET WITHOUT CLUSTER", 0, SUE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_SetLogged, "ALTER TABLE SET LOGGED", 0, AE, true, true, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_SetUnLogged, "ALTER TABLE SET UNLOGGED", 0, AE, true, true, D_NONE},
	/* Before 12 it removed the oid column; from 12 a no-op kept for
	 * compatibility, still under ACCESS EXCLUSIVE. */
	{PG_QUERY__ALTER_TABLE_TYPE__AT_DropOids, "ALTER TABLE SET WITHOUT OIDS", 0, AE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_SetAccessMethod, "ALTER TABLE SET ACCESS METHOD", 15, AE, true, true, D_NONE},
	/* Copies the files: a new relfilenode, as a rewrite. */
	{PG_QUERY__ALTER_TABLE_TYPE__AT_SetTableSpace, "ALTER TABLE SET TABLESPACE", 0, AE, true, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_SetRelOptions, "ALTER TABLE SET (storage parameter)", 0, AE, false, false, D_RELOPTIONS},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_ResetRelOptions, "ALTER TABLE RESET (storage parameter)", 0, AE, false, false, D_RELOPTIONS},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_ReplaceRelOptions, "CREATE OR REPLACE VIEW (options)", 0, AE, false, false, D_INTERNAL},
	/* Triggers fire for DML only: SHARE ROW EXCLUSIVE lets reads go on. */
	{PG_QUERY__ALTER_TABLE_TYPE__AT_EnableTrig, "ALTER TABLE ENABLE TRIGGER", 0, SRE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_EnableAlwaysTrig, "ALTER TABLE ENABLE ALWAYS TRIGGER", 0, SRE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_EnableReplicaTrig, "ALTER TABLE ENABLE REPLICA TRIGGER", 0, SRE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_DisableTrig, "ALTER TABLE DISABLE TRIGGER", 0, SRE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_EnableTrigAll, "ALTER TABLE ENABLE TRIGGER ALL", 0, SRE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_DisableTrigAll, "ALTER TABLE DISABLE TRIGGER ALL", 0, SRE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_EnableTrigUser, "ALTER TABLE ENABLE TRIGGER USER", 0, SRE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_DisableTrigUser, "ALTER TABLE DISABLE TRIGGER USER", 0, SRE, false, false, D_NONE},
	/* Rules rewrite SELECTs too. */
	{PG_QUERY__ALTER_TABLE_TYPE__AT_EnableRule, "ALTER TABLE ENABLE RULE", 0, AE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_EnableAlwaysRule, "ALTER TABLE ENABLE ALWAYS RULE", 0, AE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_EnableReplicaRule, "ALTER TABLE ENABLE REPLICA RULE", 0, AE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_DisableRule, "ALTER TABLE DISABLE RULE", 0, AE, false, false, D_NONE},
	/* The child's row type changes; the parent only gains a child. */
	{PG_QUERY__ALTER_TABLE_TYPE__AT_AddInherit, "ALTER TABLE INHERIT", 0, AE, false, false, D_INHERIT},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_DropInherit, "ALTER TABLE NO INHERIT", 0, AE, false, false, D_NO_INHERIT},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_AddOf, "ALTER TABLE OF", 0, AE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_DropOf, "ALTER TABLE NOT OF", 0, AE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_ReplicaIdentity, "ALTER TABLE REPLICA IDENTITY", 0, AE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_EnableRowSecurity, "ALTER TABLE ENABLE ROW LEVEL SECURITY", 0, AE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_DisableRowSecurity, "ALTER TABLE DISABLE ROW LEVEL SECURITY", 0, AE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_ForceRowSecurity, "ALTER TABLE FORCE ROW LEVEL SECURITY", 0, AE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_NoForceRowSecurity, "ALTER TABLE NO FORCE ROW LEVEL SECURITY", 0, AE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_GenericOptions, "ALTER FOREIGN TABLE OPTIONS", 0, AE, false, false, D_NONE},
	/* The parent: ACCESS EXCLUSIVE in 10 and 11, SHARE UPDATE EXCLUSIVE
	 * from 12.  The partition is locked and scanned for rows outside the
	 * bound (unless a validated CHECK implies it), and so is the default
	 * partition, which the statement does not name. */
	{PG_QUERY__ALTER_TABLE_TYPE__AT_AttachPartition, "ALTER TABLE ATTACH PARTITION", 0, AE, false, false, D_ATTACH},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_AttachPartition, "ALTER TABLE ATTACH PARTITION", 12, SUE, false, false, D_ATTACH},
	/* The partition too, and the default partition (not named), whose
	 * implicit constraint changes.  CONCURRENTLY (14+) is decided in
	 * detail(). */
	{PG_QUERY__ALTER_TABLE_TYPE__AT_DetachPartition, "ALTER TABLE DETACH PARTITION", 0, AE, false, false, D_DETACH},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_DetachPartitionFinalize, "ALTER TABLE DETACH PARTITION FINALIZE", 14, SUE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_AddIdentity, "ALTER TABLE ALTER COLUMN ADD GENERATED AS IDENTITY", 0, AE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_SetIdentity, "ALTER TABLE ALTER COLUMN SET GENERATED", 0, AE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_DropIdentity, "ALTER TABLE ALTER COLUMN DROP IDENTITY", 0, AE, false, false, D_NONE},
	{PG_QUERY__ALTER_TABLE_TYPE__AT_ReAddStatistics, "ALTER TABLE re-add statistics (ALTER COLUMN TYPE)", 0, SUE, false, false, D_INTERNAL},
};

/* Statement kinds other than ALTER TABLE, as stmt_kind() tells them apart. */
enum stmt_kind {
	SK_NONE = 0,
	SK_CREATE_INDEX, SK_CREATE_INDEX_CONC,
	SK_DROP_TABLE, SK_DROP_INDEX, SK_DROP_INDEX_CONC, SK_DROP_VIEW, SK_DROP_MATVIEW, SK_DROP_SEQUENCE,
	SK_DROP_FOREIGN_TABLE, SK_DROP_TRIGGER, SK_DROP_POLICY, SK_DROP_RULE,
	SK_REINDEX_INDEX, SK_REINDEX_TABLE, SK_REINDEX_INDEX_CONC, SK_REINDEX_TABLE_CONC,
	SK_RENAME_RELATION, SK_RENAME_INDEX, SK_RENAME_COLUMN, SK_RENAME_CONSTRAINT, SK_RENAME_TRIGGER,
	SK_RENAME_POLICY, SK_RENAME_RULE,
	SK_ALTER_INDEX_ATTACH,
	SK_TRUNCATE, SK_LOCK, SK_VACUUM, SK_VACUUM_FULL, SK_ANALYZE, SK_CLUSTER, SK_REFRESH, SK_REFRESH_CONC,
	SK_CREATE_TRIGGER, SK_CREATE_RULE, SK_CREATE_POLICY, SK_ALTER_POLICY, SK_CREATE_STATISTICS, SK_COMMENT,
	SK_CREATE_TABLE_REFERENCES, SK_CREATE_TABLE_PARTITION_OF, SK_CREATE_TABLE_INHERITS, SK_CREATE_TABLE_LIKE,
	SK_ALTER_SEQUENCE, SK_INSERT, SK_UPDATE, SK_DELETE,
	/* implied_rows[] */
	SK_DROP_CONSTRAINT_REFERENCED, SK_DROP_TABLE_REFERENCED, SK_DROP_TABLE_PARENT, SK_DROP_TABLE_DEFAULT,
	SK_ATTACH_DEFAULT, SK_DETACH_DEFAULT, SK_CREATE_PARTITION_DEFAULT,
	SK_DROP_TABLE_PARTITIONS, SK_DROP_TABLE_CASCADE, SK_TRUNCATE_PARTITIONS, SK_TRUNCATE_CASCADE,
	SK_DROP_COLUMN_REFERENCED, SK_DROP_COLUMN_CASCADE,
};

/*
 * Every other statement kind that locks an existing relation.  For an
 * index statement `mode` is the index's lock; the lock on its table is in
 * index_table_mode().  Versions before a statement existed (REINDEX
 * CONCURRENTLY before 12, DETACH ... CONCURRENTLY before 14) keep the
 * plain form's row: the statement fails there, which the rules report.
 */
static const lock_row stmt_rows[] = {
	/* SHARE for the whole build: reads go on, writes wait.  On a
	 * partitioned table each partition is locked too (not named). */
	{SK_CREATE_INDEX, "CREATE INDEX", 0, SH, false, true, D_NONE},
	{SK_CREATE_INDEX_CONC, "CREATE INDEX CONCURRENTLY", 0, SUE, false, true, D_NONE},
	/* The relations it locks without naming them (the tables its foreign
	 * keys reference, a partition's parent and default partition, a
	 * partitioned table's partitions, what CASCADE reaches) are in
	 * implied_rows[]. */
	{SK_DROP_TABLE, "DROP TABLE", 0, AE, false, false, D_NONE},
	{SK_DROP_INDEX, "DROP INDEX", 0, AE, false, false, D_NONE},
	/* The index is locked ACCESS EXCLUSIVE only once it is invalid and
	 * every transaction that could use it has ended: no query waits for
	 * that lock, so the row gives the index its table's mode. */
	{SK_DROP_INDEX_CONC, "DROP INDEX CONCURRENTLY", 0, SUE, false, false, D_NONE},
	{SK_DROP_VIEW, "DROP VIEW", 0, AE, false, false, D_NONE},
	{SK_DROP_MATVIEW, "DROP MATERIALIZED VIEW", 0, AE, false, false, D_NONE},
	{SK_DROP_SEQUENCE, "DROP SEQUENCE", 0, AE, false, false, D_NONE},
	{SK_DROP_FOREIGN_TABLE, "DROP FOREIGN TABLE", 0, AE, false, false, D_NONE},
	/* Triggers, policies and rules live in their table's definition. */
	{SK_DROP_TRIGGER, "DROP TRIGGER", 0, AE, false, false, D_NONE},
	{SK_DROP_POLICY, "DROP POLICY", 0, AE, false, false, D_NONE},
	{SK_DROP_RULE, "DROP RULE", 0, AE, false, false, D_NONE},
	/* For an index, rewrite is a new relfilenode of the index and scan a
	 * read of its table. */
	{SK_REINDEX_INDEX, "REINDEX INDEX", 0, AE, true, true, D_NONE},
	/* SHARE on the table, ACCESS EXCLUSIVE on each of its indexes. */
	{SK_REINDEX_TABLE, "REINDEX TABLE", 0, SH, false, true, D_NONE},
	{SK_REINDEX_INDEX_CONC, "REINDEX INDEX CONCURRENTLY", 0, AE, true, true, D_NONE},
	{SK_REINDEX_INDEX_CONC, "REINDEX INDEX CONCURRENTLY", 12, SUE, true, true, D_NONE},
	{SK_REINDEX_TABLE_CONC, "REINDEX TABLE CONCURRENTLY", 0, SH, false, true, D_NONE},
	{SK_REINDEX_TABLE_CONC, "REINDEX TABLE CONCURRENTLY", 12, SUE, false, true, D_NONE},
	{SK_RENAME_RELATION, "ALTER TABLE/VIEW/SEQUENCE RENAME", 0, AE, false, false, D_NONE},
	/* ACCESS EXCLUSIVE on the index until 11, SHARE UPDATE EXCLUSIVE from
	 * 12.  ALTER TABLE ... RENAME naming an index keeps the ACCESS
	 * EXCLUSIVE it asked for (RenameRelation()): the row above. */
	{SK_RENAME_INDEX, "ALTER INDEX RENAME", 0, AE, false, false, D_NONE},
	{SK_RENAME_INDEX, "ALTER INDEX RENAME", 12, SUE, false, false, D_NONE},
	{SK_RENAME_COLUMN, "ALTER TABLE RENAME COLUMN", 0, AE, false, false, D_NONE},
	{SK_RENAME_CONSTRAINT, "ALTER TABLE RENAME CONSTRAINT", 0, AE, false, false, D_NONE},
	{SK_RENAME_TRIGGER, "ALTER TRIGGER RENAME", 0, AE, false, false, D_NONE},
	{SK_RENAME_POLICY, "ALTER POLICY RENAME", 0, AE, false, false, D_NONE},
	{SK_RENAME_RULE, "ALTER RULE RENAME", 0, AE, false, false, D_NONE},
	/* ALTER INDEX's other subcommands are ALTER TABLE's (at_rows), on the
	 * index; attaching an index partition locks the partition's index. */
	{SK_ALTER_INDEX_ATTACH, "ALTER INDEX ATTACH PARTITION", 0, SUE, false, false, D_NONE},
	/* A new, empty relfilenode. */
	{SK_TRUNCATE, "TRUNCATE", 0, AE, true, false, D_NONE},
	{SK_LOCK, "LOCK TABLE", 0, AE, false, false, D_NONE},
	{SK_VACUUM, "VACUUM", 0, SUE, false, true, D_NONE},
	{SK_VACUUM_FULL, "VACUUM FULL", 0, AE, true, true, D_NONE},
	/* Reads a sample of bounded size, not the table. */
	{SK_ANALYZE, "ANALYZE", 0, SUE, false, false, D_NONE},
	{SK_CLUSTER, "CLUSTER", 0, AE, true, true, D_NONE},
	{SK_REFRESH, "REFRESH MATERIALIZED VIEW", 0, AE, true, true, D_NONE},
	/* Compares the new contents with the old and updates them in place:
	 * reads go on, no new relfilenode. */
	{SK_REFRESH_CONC, "REFRESH MATERIALIZED VIEW CONCURRENTLY", 0, EX, false, true, D_NONE},
	{SK_CREATE_TRIGGER, "CREATE TRIGGER", 0, SRE, false, false, D_NONE},
	{SK_CREATE_RULE, "CREATE RULE", 0, AE, false, false, D_NONE},
	{SK_CREATE_POLICY, "CREATE POLICY", 0, AE, false, false, D_NONE},
	{SK_ALTER_POLICY, "ALTER POLICY", 0, AE, false, false, D_NONE},
	{SK_CREATE_STATISTICS, "CREATE STATISTICS", 0, SUE, false, false, D_NONE},
	{SK_COMMENT, "COMMENT ON", 0, SUE, false, false, D_NONE},
	/* The table is new; these are the locks on the tables it names. */
	{SK_CREATE_TABLE_REFERENCES, "CREATE TABLE REFERENCES", 0, SRE, false, false, D_NONE},
	/* The parent's partition descriptor changes; a default partition is
	 * locked and scanned too (not named). */
	{SK_CREATE_TABLE_PARTITION_OF, "CREATE TABLE PARTITION OF", 0, AE, false, false, D_NONE},
	{SK_CREATE_TABLE_INHERITS, "CREATE TABLE INHERITS", 0, SUE, false, false, D_NONE},
	{SK_CREATE_TABLE_LIKE, "CREATE TABLE LIKE", 0, AS, false, false, D_NONE},
	/* nextval() waits for it. */
	{SK_ALTER_SEQUENCE, "ALTER SEQUENCE", 0, SRE, false, false, D_NONE},
	{SK_INSERT, "INSERT", 0, RE, false, false, D_NONE},
	/* Without WHERE every row is visited (scan decided below). */
	{SK_UPDATE, "UPDATE", 0, RE, false, false, D_NONE},
	{SK_DELETE, "DELETE", 0, RE, false, false, D_NONE},
};

/*
 * The relations a statement locks without naming them, found through the
 * schema model; `mode` is the lock on that relation.  What each is, for
 * messages, is implied_why[].
 */
static const lock_row implied_rows[] = {
	/* The foreign key's triggers on the referenced table are dropped
	 * with it (RemoveConstraintById()). */
	{SK_DROP_CONSTRAINT_REFERENCED, "ALTER TABLE DROP CONSTRAINT (referenced table)", 0, AE, false, false, D_NONE},
	{SK_DROP_TABLE_REFERENCED, "DROP TABLE (referenced tables)", 0, AE, false, false, D_NONE},
	/* The parent's partition descriptor changes, and so does the default
	 * partition's implicit constraint (heap_drop_with_catalog()). */
	{SK_DROP_TABLE_PARENT, "DROP TABLE (partitioned table of a partition)", 0, AE, false, false, D_NONE},
	{SK_DROP_TABLE_DEFAULT, "DROP TABLE (default partition)", 0, AE, false, false, D_NONE},
	/* A new bound: the default partition must hold no row of it, so it is
	 * read, unless its constraints prove it (check_default_partition_contents()). */
	{SK_ATTACH_DEFAULT, "ALTER TABLE ATTACH PARTITION (default partition)", 0, AE, false, true, D_NONE},
	{SK_DETACH_DEFAULT, "ALTER TABLE DETACH PARTITION (default partition)", 0, AE, false, false, D_NONE},
	{SK_CREATE_PARTITION_DEFAULT, "CREATE TABLE PARTITION OF (default partition)", 0, AE, false, true, D_NONE},
	/* The partitions, and theirs, depend on the partitioned table and are
	 * dropped with it (findDependentObjects() locks each). */
	{SK_DROP_TABLE_PARTITIONS, "DROP TABLE (partitions of a partitioned table)", 0, AE, false, false, D_NONE},
	/* CASCADE drops the foreign keys of other tables that reference a
	 * dropped table, and a foreign key's table is locked to drop it
	 * (RemoveConstraintById()).  Without CASCADE the statement fails. */
	{SK_DROP_TABLE_CASCADE, "DROP TABLE CASCADE (tables referencing it)", 0, AE, false, false, D_NONE},
	/* A partitioned table has no rows of its own: every partition is
	 * emptied, a new relfilenode each (ExecuteTruncate()). */
	{SK_TRUNCATE_PARTITIONS, "TRUNCATE (partitions of a partitioned table)", 0, AE, true, false, D_NONE},
	/* CASCADE empties the tables whose foreign keys reference a truncated
	 * table, and those referencing them (heap_truncate_find_FKs()). */
	{SK_TRUNCATE_CASCADE, "TRUNCATE CASCADE (tables referencing it)", 0, AE, true, false, D_NONE},
	/* A foreign key on a dropped column goes with it, as DROP CONSTRAINT. */
	{SK_DROP_COLUMN_REFERENCED, "ALTER TABLE DROP COLUMN (referenced table)", 0, AE, false, false, D_NONE},
	/* CASCADE drops the foreign keys that reference a dropped column (or
	 * the key index it is in). */
	{SK_DROP_COLUMN_CASCADE, "ALTER TABLE DROP COLUMN CASCADE (tables referencing it)", 0, AE, false, false, D_NONE},
};

/* `group`: how messages name several of a kind at once, before their names. */
static const struct {
	enum stmt_kind kind;
	const char *why, *group;
} implied_why[] = {
	{SK_DROP_CONSTRAINT_REFERENCED, "the table the dropped foreign key referenced", NULL},
	{SK_DROP_TABLE_REFERENCED, "a table the dropped table's foreign keys referenced", NULL},
	{SK_DROP_TABLE_PARENT, "the partitioned table of the dropped partition", NULL},
	{SK_DROP_TABLE_DEFAULT, "the default partition of the dropped partition's table", NULL},
	{SK_ATTACH_DEFAULT, "the default partition, read for rows of the new partition", NULL},
	{SK_DETACH_DEFAULT, "the default partition, whose bound grows", NULL},
	{SK_CREATE_PARTITION_DEFAULT, "the default partition, read for rows of the new partition", NULL},
	{SK_DROP_TABLE_PARTITIONS, "a partition of the dropped table, dropped with it", "its partitions"},
	{SK_DROP_TABLE_CASCADE, "its foreign key to the dropped table goes with CASCADE",
	 "the referencing tables"},
	{SK_TRUNCATE_PARTITIONS, "a partition of the truncated table, emptied with it", "its partitions"},
	{SK_TRUNCATE_CASCADE, "it references the truncated table, so CASCADE empties it too",
	 "the referencing tables"},
	{SK_DROP_COLUMN_REFERENCED, "the table the dropped column's foreign key referenced", NULL},
	{SK_DROP_COLUMN_CASCADE, "its foreign key to the dropped column goes with CASCADE", "the referencing tables"},
};

#define N_AT (sizeof at_rows / sizeof *at_rows)
#define N_STMT (sizeof stmt_rows / sizeof *stmt_rows)
#define N_IMPLIED (sizeof implied_rows / sizeof *implied_rows)

/* The row of `key` for `pg` (0 = the newest): the last whose since <= pg. */
static const lock_row *find_row(const lock_row *rows, size_t n, int key, int pg)
{
	const lock_row *best = NULL;
	for (size_t i = 0; i < n; i++)
		if (rows[i].key == key && (pg <= 0 || rows[i].since <= pg || !best))
			best = &rows[i];
	return best;
}

const char *gk_lock_entry_name(size_t i)
{
	if (i < N_AT)
		return at_rows[i].name;
	if (i < N_AT + N_STMT)
		return stmt_rows[i - N_AT].name;
	return i < N_AT + N_STMT + N_IMPLIED ? implied_rows[i - N_AT - N_STMT].name : NULL;
}

/* The index's table is locked too: in which mode, for an index entry. */
static enum gk_lockmode index_table_mode(enum stmt_kind k, int pg)
{
	switch (k) {
	case SK_DROP_INDEX: return AE;
	case SK_DROP_INDEX_CONC: return SUE;
	case SK_REINDEX_INDEX: return SH;
	case SK_REINDEX_INDEX_CONC: return pg > 0 && pg < 12 ? SH : SUE;
	default: return GK_LOCK_NONE;
	}
}

/* ---- the relations of a statement ---- */

typedef struct lockset {
	gk_lock *out;
	size_t n, max;
	const char **entries;   /* gk_stmt_lock_entries(): the rows used */
	size_t n_entries, max_entries;
} lockset;

static void used(lockset *ls, const lock_row *r)
{
	if (!r || !ls->entries)
		return;
	for (size_t i = 0; i < ls->n_entries; i++)
		if (ls->entries[i] == r->name)
			return;
	if (ls->n_entries < ls->max_entries)
		ls->entries[ls->n_entries++] = r->name;
}

static void add(lockset *ls, const char *schema, const char *name, bool is_index, enum gk_lockmode mode,
		bool scan, bool rewrite, enum gk_lock_role role, enum gk_lockmode table_mode)
{
	if (!name || mode == GK_LOCK_NONE)
		return;
	for (size_t i = 0; i < ls->n; i++) {
		gk_lock *l = &ls->out[i];
		if (strcmp(l->name, name) == 0 &&
		    strcmp(l->schema ? l->schema : "public", schema ? schema : "public") == 0) {
			if (mode > l->mode)
				l->mode = mode;
			if (table_mode > l->table_mode)
				l->table_mode = table_mode;
			l->scan |= scan;
			l->rewrite |= rewrite;
			return;
		}
	}
	if (ls->n < ls->max)
		ls->out[ls->n++] = (gk_lock){.schema = schema, .name = name, .is_index = is_index, .mode = mode,
					     .rewrite = rewrite, .scan = scan, .role = role, .table_mode = table_mode};
}

static const char *rv_schema(const PgQuery__RangeVar *rv)
{
	return rv->schemaname && *rv->schemaname ? rv->schemaname : NULL;
}

static void add_rv(lockset *ls, const PgQuery__RangeVar *rv, enum gk_lockmode mode, bool scan, bool rewrite,
		   enum gk_lock_role role)
{
	if (rv)
		add(ls, rv_schema(rv), rv->relname, role == GK_LOCK_ROLE_INDEX, mode, scan, rewrite, role, GK_LOCK_NONE);
}

static void add_row_rv(lockset *ls, const lock_row *r, const PgQuery__RangeVar *rv, enum gk_lock_role role)
{
	used(ls, r);
	add_rv(ls, rv, r->mode, r->scan, r->rewrite, role);
}

/*
 * A qualified name as a List of String nodes: the relation is the last
 * `drop` items removed (0 for the relation itself, 1 for a trigger, policy
 * or rule named after its table, or a column).
 */
static void add_names(lockset *ls, const PgQuery__Node *list, size_t drop, const lock_row *r, bool is_index,
		      enum gk_lockmode table_mode)
{
	if (!list || list->node_case != PG_QUERY__NODE__NODE_LIST || list->list->n_items <= drop)
		return;
	const PgQuery__List *l = list->list;
	size_t n = l->n_items - drop;
	const char *name = gk_node_str(l->items[n - 1]);
	const char *schema = n > 1 ? gk_node_str(l->items[n - 2]) : NULL;
	used(ls, r);
	add(ls, schema, name, is_index, r->mode, r->scan, r->rewrite, is_index ? GK_LOCK_ROLE_INDEX : GK_LOCK_ROLE_TABLE,
	    table_mode);
}

/* ---- ALTER TABLE ---- */

/* A column's default or generation rewrites the table: identity, stored
 * generated, serial (a volatile default); before 11 any default.  Whether
 * another default is volatile is the add-column rules' judgement. */
static bool column_def_rewrites(const PgQuery__ColumnDef *cd, int pg)
{
	for (size_t i = 0; i < cd->n_constraints; i++) {
		const PgQuery__Node *c = cd->constraints[i];
		if (c->node_case != PG_QUERY__NODE__NODE_CONSTRAINT)
			continue;
		PgQuery__ConstrType t = c->constraint->contype;
		if (t == PG_QUERY__CONSTR_TYPE__CONSTR_IDENTITY || t == PG_QUERY__CONSTR_TYPE__CONSTR_GENERATED)
			return true;
		if (t == PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT && pg > 0 && pg < 11 && c->constraint->raw_expr &&
		    !(c->constraint->raw_expr->node_case == PG_QUERY__NODE__NODE_A_CONST && c->constraint->raw_expr->a_const->isnull))
			return true;
	}
	const char *base = cd->type_name ? gk_type_base(cd->type_name) : "";
	return !strcmp(base, "serial") || !strcmp(base, "bigserial") || !strcmp(base, "smallserial") ||
	       !strcmp(base, "serial4") || !strcmp(base, "serial8") || !strcmp(base, "serial2");
}

/*
 * Constraints written on an added column: a REFERENCES locks the referenced
 * table like ADD FOREIGN KEY does (SHARE ROW EXCLUSIVE); CHECK, UNIQUE and
 * PRIMARY KEY check or index every existing row, REFERENCES only when the
 * column has a default.  Returns true when the table is scanned.
 */
static bool column_constraints(lockset *ls, const PgQuery__ColumnDef *cd)
{
	/* Without a default the new column is all NULL: PostgreSQL skips
	 * validating its foreign key (parse_utilcmd.c). */
	bool has_default = false, scan = false;
	for (size_t i = 0; i < cd->n_constraints; i++)
		if (cd->constraints[i]->node_case == PG_QUERY__NODE__NODE_CONSTRAINT &&
		    cd->constraints[i]->constraint->contype == PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT)
			has_default = true;
	for (size_t i = 0; i < cd->n_constraints; i++) {
		const PgQuery__Node *c = cd->constraints[i];
		if (c->node_case != PG_QUERY__NODE__NODE_CONSTRAINT)
			continue;
		switch (c->constraint->contype) {
		case PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN:
			add_rv(ls, c->constraint->pktable, SRE, has_default, false, GK_LOCK_ROLE_REFERENCED);
			scan = scan || has_default;
			break;
		case PG_QUERY__CONSTR_TYPE__CONSTR_CHECK:
		case PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE:
		case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY:
			scan = true;
			break;
		default: /* NULL, NOT NULL, DEFAULT, identity, generated, collation, attributes: no scan of their own */
			break;
		}
	}
	return scan;
}

/* Storage parameters PostgreSQL 15 changes under SHARE UPDATE EXCLUSIVE
 * (reloptions.c: they apply to later inserts, plans or vacuums only);
 * `since`: the version that lowered it from ACCESS EXCLUSIVE. */
static const struct {
	const char *name;
	int since;
} sue_reloptions[] = {
	{"fillfactor", 0}, {"toast_tuple_target", 0}, {"parallel_workers", 10},
	{"autovacuum_enabled", 0}, {"autovacuum_vacuum_threshold", 0}, {"autovacuum_vacuum_insert_threshold", 0},
	{"autovacuum_analyze_threshold", 0}, {"autovacuum_vacuum_cost_limit", 0}, {"autovacuum_freeze_min_age", 0},
	{"autovacuum_freeze_max_age", 0}, {"autovacuum_freeze_table_age", 0},
	{"autovacuum_multixact_freeze_min_age", 0}, {"autovacuum_multixact_freeze_max_age", 0},
	{"autovacuum_multixact_freeze_table_age", 0}, {"log_autovacuum_min_duration", 0},
	{"autovacuum_vacuum_cost_delay", 0}, {"autovacuum_vacuum_scale_factor", 0},
	{"autovacuum_vacuum_insert_scale_factor", 0}, {"autovacuum_analyze_scale_factor", 0},
	{"vacuum_index_cleanup", 0}, {"vacuum_truncate", 0}, {"deduplicate_items", 0}, {"pages_per_range", 0},
	{"autosummarize", 0}, {"vacuum_cleanup_index_scale_factor", 0},
};

/* SET/RESET (params): the strongest lock any of them needs.  Others
 * (user_catalog_table, security_barrier, check_option, security_invoker,
 * buffering, fastupdate, ...) need ACCESS EXCLUSIVE, as does one we do not
 * know. */
static enum gk_lockmode reloptions_mode(const PgQuery__Node *def, int pg)
{
	if (!def || def->node_case != PG_QUERY__NODE__NODE_LIST)
		return AE;
	enum gk_lockmode m = GK_LOCK_NONE;
	for (size_t i = 0; i < def->list->n_items; i++) {
		const PgQuery__Node *o = def->list->items[i];
		enum gk_lockmode om = AE;
		if (o->node_case == PG_QUERY__NODE__NODE_DEF_ELEM && o->def_elem->defname)
			for (size_t k = 0; k < sizeof sue_reloptions / sizeof *sue_reloptions; k++)
				if (strcmp(o->def_elem->defname, sue_reloptions[k].name) == 0 &&
				    (pg <= 0 || sue_reloptions[k].since <= pg))
					om = SUE;
		if (om > m)
			m = om;
	}
	return m == GK_LOCK_NONE ? AE : m;
}

typedef struct at_effect {
	enum gk_lockmode mode;
	bool scan, rewrite;
} at_effect;

/* What subcommand c does beyond its row's mode, and the other relations it locks. */
static void detail(lockset *ls, const lock_row *r, const PgQuery__AlterTableCmd *c, int pg, at_effect *e)
{
	switch (r->detail) {
	case D_NONE:
	case D_INTERNAL:
		break;
	case D_ADD_COLUMN:
		if (c->def && c->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF) {
			/* A rewrite reads every row too. */
			bool rw = column_def_rewrites(c->def->column_def, pg);
			e->rewrite = e->rewrite || rw;
			e->scan = column_constraints(ls, c->def->column_def) || e->scan || rw;
		}
		break;
	case D_CONSTRAINT:
		if (c->def && c->def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT) {
			const PgQuery__Constraint *k = c->def->constraint;
			switch (k->contype) {
			case PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN:
				/* Triggers on both tables, as CREATE TRIGGER; both are
				 * read to validate unless NOT VALID. */
				e->mode = SRE;
				add_rv(ls, k->pktable, SRE, !k->skip_validation, false, GK_LOCK_ROLE_REFERENCED);
				e->scan = e->scan || !k->skip_validation;
				break;
			case PG_QUERY__CONSTR_TYPE__CONSTR_CHECK:
				e->scan = e->scan || !k->skip_validation;
				break;
			case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY:
			case PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE:
			case PG_QUERY__CONSTR_TYPE__CONSTR_EXCLUSION:
				/* The index is built under the lock, unless USING INDEX. */
				e->scan = e->scan || !k->indexname || !*k->indexname;
				break;
			default: /* the grammar allows no other table constraint */
				break;
			}
		}
		break;
	case D_RELOPTIONS:
		e->mode = reloptions_mode(c->def, pg);
		break;
	case D_ATTACH:
		if (c->def && c->def->node_case == PG_QUERY__NODE__NODE_PARTITION_CMD)
			add_rv(ls, c->def->partition_cmd->name, AE, true, false, GK_LOCK_ROLE_PARTITION);
		break;
	case D_DETACH:
		if (c->def && c->def->node_case == PG_QUERY__NODE__NODE_PARTITION_CMD) {
			/* CONCURRENTLY (14+) lowers the parent's lock to SHARE
			 * UPDATE EXCLUSIVE; after waiting for every transaction that
			 * saw the partition, its second transaction still takes
			 * ACCESS EXCLUSIVE on the partition. */
			bool conc = c->def->partition_cmd->concurrent && (pg <= 0 || pg >= 14);
			e->mode = conc ? SUE : AE;
			add_rv(ls, c->def->partition_cmd->name, AE, false, false, GK_LOCK_ROLE_PARTITION);
		}
		break;
	case D_INHERIT:
		if (c->def && c->def->node_case == PG_QUERY__NODE__NODE_RANGE_VAR)
			add_rv(ls, c->def->range_var, SUE, false, false, GK_LOCK_ROLE_INHERIT_PARENT);
		break;
	case D_NO_INHERIT:
		if (c->def && c->def->node_case == PG_QUERY__NODE__NODE_RANGE_VAR)
			add_rv(ls, c->def->range_var, AS, false, false, GK_LOCK_ROLE_INHERIT_PARENT);
		break;
	}
}

static void alter_table(lockset *ls, const PgQuery__AlterTableStmt *as, int pg)
{
	bool index = as->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_INDEX;
	at_effect all = {GK_LOCK_NONE, false, false};
	for (size_t i = 0; i < as->n_cmds; i++) {
		if (as->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		const PgQuery__AlterTableCmd *c = as->cmds[i]->alter_table_cmd;
		if (index && c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AttachPartition) {
			/* ALTER INDEX parent ATTACH PARTITION child: the child index
			 * is locked too. */
			const lock_row *r = find_row(stmt_rows, N_STMT, SK_ALTER_INDEX_ATTACH, pg);
			used(ls, r);
			if (r->mode > all.mode)
				all.mode = r->mode;
			if (c->def && c->def->node_case == PG_QUERY__NODE__NODE_PARTITION_CMD)
				add_rv(ls, c->def->partition_cmd->name, AE, false, false, GK_LOCK_ROLE_INDEX);
			continue;
		}
		const lock_row *r = find_row(at_rows, N_AT, c->subtype, pg);
		if (!r)
			continue; /* PG_QUERY__ALTER_TABLE_TYPE__UNDEFINED: no subcommand */
		used(ls, r);
		at_effect e = {r->mode, r->scan, r->rewrite};
		detail(ls, r, c, pg, &e);
		if (e.mode > all.mode)
			all.mode = e.mode;
		all.scan |= e.scan;
		all.rewrite |= e.rewrite;
	}
	if (all.mode == GK_LOCK_NONE || !as->relation)
		return;
	/* The table goes first (callers take the first of equals as the
	 * statement's own), merged with a lock a self-reference took. */
	add_rv(ls, as->relation, all.mode, all.scan, all.rewrite, index ? GK_LOCK_ROLE_INDEX : GK_LOCK_ROLE_TABLE);
	for (size_t i = 0; i < ls->n; i++)
		if (ls->out[i].name == as->relation->relname) {
			gk_lock t = ls->out[i];
			t.role = index ? GK_LOCK_ROLE_INDEX : GK_LOCK_ROLE_TABLE;
			t.is_index = index;
			memmove(ls->out + 1, ls->out, i * sizeof *ls->out);
			ls->out[0] = t;
			break;
		}
}

/* ---- other statements ---- */

static enum gk_lockmode lock_stmt_mode(int32_t mode)
{
	/* LOCK TABLE's mode is PostgreSQL's LOCKMODE number, 1..8 like ours. */
	return mode >= 1 && mode <= 8 ? (enum gk_lockmode)mode : AE;
}

/* As PostgreSQL's defGetBoolean(): no argument means true, and
 * `(FULL false)` or `(CONCURRENTLY off)` turn an option back off. */
static bool option_arg_true(const PgQuery__Node *arg)
{
	if (!arg)
		return true;
	if (arg->node_case == PG_QUERY__NODE__NODE_INTEGER)
		return arg->integer->ival != 0;
	const char *v = gk_node_str(arg);
	return !v || !(strcasecmp(v, "false") == 0 || strcasecmp(v, "off") == 0 || strcasecmp(v, "no") == 0 ||
		       strcmp(v, "0") == 0);
}

bool gk_option_on(PgQuery__Node *const *opts, size_t n, const char *name)
{
	bool on = false;
	for (size_t i = 0; i < n; i++)
		if (opts[i]->node_case == PG_QUERY__NODE__NODE_DEF_ELEM && opts[i]->def_elem->defname &&
		    strcmp(opts[i]->def_elem->defname, name) == 0)
			on = option_arg_true(opts[i]->def_elem->arg); /* the last one wins */
	return on;
}

static enum stmt_kind drop_kind(const PgQuery__DropStmt *ds)
{
	switch (ds->remove_type) {
	case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE: return SK_DROP_TABLE;
	case PG_QUERY__OBJECT_TYPE__OBJECT_INDEX: return ds->concurrent ? SK_DROP_INDEX_CONC : SK_DROP_INDEX;
	case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW: return SK_DROP_VIEW;
	case PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW: return SK_DROP_MATVIEW;
	case PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE: return SK_DROP_SEQUENCE;
	case PG_QUERY__OBJECT_TYPE__OBJECT_FOREIGN_TABLE: return SK_DROP_FOREIGN_TABLE;
	case PG_QUERY__OBJECT_TYPE__OBJECT_TRIGGER: return SK_DROP_TRIGGER;
	case PG_QUERY__OBJECT_TYPE__OBJECT_POLICY: return SK_DROP_POLICY;
	case PG_QUERY__OBJECT_TYPE__OBJECT_RULE: return SK_DROP_RULE;
	default:
		/* Types, domains, functions, schemas, extensions ...: no lock on
		 * a relation the statement names; what CASCADE takes with them
		 * the schema model does not know. */
		return SK_NONE;
	}
}

static void drop(lockset *ls, const PgQuery__DropStmt *ds, int pg)
{
	enum stmt_kind k = drop_kind(ds);
	const lock_row *r = k ? find_row(stmt_rows, N_STMT, k, pg) : NULL;
	if (!r)
		return;
	bool named_by_table = k == SK_DROP_TRIGGER || k == SK_DROP_POLICY || k == SK_DROP_RULE;
	bool index = k == SK_DROP_INDEX || k == SK_DROP_INDEX_CONC;
	for (size_t i = 0; i < ds->n_objects; i++)
		add_names(ls, ds->objects[i], named_by_table ? 1 : 0, r, index, index ? index_table_mode(k, pg) : GK_LOCK_NONE);
}

static void reindex(lockset *ls, const PgQuery__ReindexStmt *rs, int pg)
{
	bool conc = gk_option_on(rs->params, rs->n_params, "concurrently");
	bool index = rs->kind == PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_INDEX;
	if (!rs->relation || (!index && rs->kind != PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_TABLE))
		return; /* SCHEMA, DATABASE, SYSTEM: relations the statement does not name */
	enum stmt_kind k = index ? (conc ? SK_REINDEX_INDEX_CONC : SK_REINDEX_INDEX)
				 : (conc ? SK_REINDEX_TABLE_CONC : SK_REINDEX_TABLE);
	const lock_row *r = find_row(stmt_rows, N_STMT, k, pg);
	used(ls, r);
	add(ls, rv_schema(rs->relation), rs->relation->relname, index, r->mode, r->scan, r->rewrite,
	    index ? GK_LOCK_ROLE_INDEX : GK_LOCK_ROLE_TABLE, index ? index_table_mode(k, pg) : GK_LOCK_NONE);
}

static void rename(lockset *ls, const PgQuery__RenameStmt *rs, int pg)
{
	enum stmt_kind k;
	switch (rs->rename_type) {
	case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW:
	case PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW:
	case PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_FOREIGN_TABLE:
		k = SK_RENAME_RELATION;
		break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_INDEX: k = SK_RENAME_INDEX; break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN: k = SK_RENAME_COLUMN; break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_TABCONSTRAINT: k = SK_RENAME_CONSTRAINT; break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_TRIGGER: k = SK_RENAME_TRIGGER; break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_POLICY: k = SK_RENAME_POLICY; break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_RULE: k = SK_RENAME_RULE; break;
	default:
		/* Schemas, types, functions, domain constraints ...: no relation lock. */
		return;
	}
	add_row_rv(ls, find_row(stmt_rows, N_STMT, k, pg), rs->relation,
		   k == SK_RENAME_INDEX ? GK_LOCK_ROLE_INDEX : GK_LOCK_ROLE_TABLE);
}

/* COMMENT ON a relation, or on a column, constraint, trigger, policy or
 * rule of one (named after its table). */
static void comment(lockset *ls, const PgQuery__CommentStmt *cs, int pg)
{
	const lock_row *r = find_row(stmt_rows, N_STMT, SK_COMMENT, pg);
	switch (cs->objtype) {
	case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW:
	case PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW:
	case PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_FOREIGN_TABLE:
		add_names(ls, cs->object, 0, r, false, GK_LOCK_NONE);
		break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_INDEX:
		add_names(ls, cs->object, 0, r, true, GK_LOCK_NONE);
		break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN:
	case PG_QUERY__OBJECT_TYPE__OBJECT_TABCONSTRAINT:
	case PG_QUERY__OBJECT_TYPE__OBJECT_TRIGGER:
	case PG_QUERY__OBJECT_TYPE__OBJECT_POLICY:
	case PG_QUERY__OBJECT_TYPE__OBJECT_RULE:
		add_names(ls, cs->object, 1, r, false, GK_LOCK_NONE);
		break;
	default: /* objects that are not relations */
		break;
	}
}

/* A REFERENCES to the table being created itself. */
static bool same_rel(const PgQuery__RangeVar *a, const PgQuery__RangeVar *b)
{
	const char *sa = a && rv_schema(a) ? rv_schema(a) : "public", *sb = b && rv_schema(b) ? rv_schema(b) : "public";
	return a && b && a->relname && b->relname && !strcmp(a->relname, b->relname) && !strcmp(sa, sb);
}

/* CREATE TABLE: the table is new; the tables it names are not. */
static void create_table(lockset *ls, const PgQuery__CreateStmt *cs, int pg)
{
	for (size_t i = 0; i < cs->n_inh_relations; i++)
		if (cs->inh_relations[i]->node_case == PG_QUERY__NODE__NODE_RANGE_VAR)
			add_row_rv(ls, find_row(stmt_rows, N_STMT, cs->partbound ? SK_CREATE_TABLE_PARTITION_OF : SK_CREATE_TABLE_INHERITS, pg),
				   cs->inh_relations[i]->range_var,
				   cs->partbound ? GK_LOCK_ROLE_PARTITION_PARENT : GK_LOCK_ROLE_INHERIT_PARENT);
	const lock_row *refs = find_row(stmt_rows, N_STMT, SK_CREATE_TABLE_REFERENCES, pg);
	for (size_t i = 0; i < cs->n_table_elts; i++) {
		const PgQuery__Node *e = cs->table_elts[i];
		if (e->node_case == PG_QUERY__NODE__NODE_CONSTRAINT &&
		    e->constraint->contype == PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN) {
			if (!same_rel(e->constraint->pktable, cs->relation))
				add_row_rv(ls, refs, e->constraint->pktable, GK_LOCK_ROLE_REFERENCED);
		} else if (e->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF) {
			const PgQuery__ColumnDef *cd = e->column_def;
			for (size_t k = 0; k < cd->n_constraints; k++)
				if (cd->constraints[k]->node_case == PG_QUERY__NODE__NODE_CONSTRAINT &&
				    cd->constraints[k]->constraint->contype == PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN &&
				    !same_rel(cd->constraints[k]->constraint->pktable, cs->relation))
					add_row_rv(ls, refs, cd->constraints[k]->constraint->pktable, GK_LOCK_ROLE_REFERENCED);
		} else if (e->node_case == PG_QUERY__NODE__NODE_TABLE_LIKE_CLAUSE) {
			add_row_rv(ls, find_row(stmt_rows, N_STMT, SK_CREATE_TABLE_LIKE, pg), e->table_like_clause->relation,
				   GK_LOCK_ROLE_SOURCE);
		}
	}
}

static void range_vars(lockset *ls, PgQuery__Node *const *rels, size_t n, const lock_row *r)
{
	for (size_t i = 0; i < n; i++)
		if (rels[i]->node_case == PG_QUERY__NODE__NODE_RANGE_VAR)
			add_row_rv(ls, r, rels[i]->range_var, GK_LOCK_ROLE_TABLE);
}

static void stmt_locks(lockset *ls, const PgQuery__Node *n, int pg)
{
	const lock_row *r;
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		if (n->alter_table_stmt->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_TYPE)
			break; /* ALTER TYPE composite ... ADD ATTRIBUTE: a type, no table */
		alter_table(ls, n->alter_table_stmt, pg);
		break;
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		add_row_rv(ls, find_row(stmt_rows, N_STMT, n->index_stmt->concurrent ? SK_CREATE_INDEX_CONC : SK_CREATE_INDEX, pg),
			   n->index_stmt->relation, GK_LOCK_ROLE_TABLE);
		break;
	case PG_QUERY__NODE__NODE_DROP_STMT:
		drop(ls, n->drop_stmt, pg);
		break;
	case PG_QUERY__NODE__NODE_REINDEX_STMT:
		reindex(ls, n->reindex_stmt, pg);
		break;
	case PG_QUERY__NODE__NODE_RENAME_STMT:
		rename(ls, n->rename_stmt, pg);
		break;
	case PG_QUERY__NODE__NODE_TRUNCATE_STMT:
		range_vars(ls, n->truncate_stmt->relations, n->truncate_stmt->n_relations,
			   find_row(stmt_rows, N_STMT, SK_TRUNCATE, pg));
		break;
	case PG_QUERY__NODE__NODE_LOCK_STMT: {
		/* The row names the entry; the mode is the statement's. */
		r = find_row(stmt_rows, N_STMT, SK_LOCK, pg);
		used(ls, r);
		for (size_t i = 0; i < n->lock_stmt->n_relations; i++)
			if (n->lock_stmt->relations[i]->node_case == PG_QUERY__NODE__NODE_RANGE_VAR)
				add_rv(ls, n->lock_stmt->relations[i]->range_var, lock_stmt_mode(n->lock_stmt->mode), false,
				       false, GK_LOCK_ROLE_TABLE);
		break;
	}
	case PG_QUERY__NODE__NODE_VACUUM_STMT: {
		const PgQuery__VacuumStmt *vs = n->vacuum_stmt;
		bool full = vs->is_vacuumcmd && gk_option_on(vs->options, vs->n_options, "full");
		r = find_row(stmt_rows, N_STMT, !vs->is_vacuumcmd ? SK_ANALYZE : full ? SK_VACUUM_FULL : SK_VACUUM, pg);
		for (size_t i = 0; i < vs->n_rels; i++)
			if (vs->rels[i]->node_case == PG_QUERY__NODE__NODE_VACUUM_RELATION)
				add_row_rv(ls, r, vs->rels[i]->vacuum_relation->relation, GK_LOCK_ROLE_TABLE);
		break;
	}
	case PG_QUERY__NODE__NODE_CLUSTER_STMT:
		add_row_rv(ls, find_row(stmt_rows, N_STMT, SK_CLUSTER, pg), n->cluster_stmt->relation, GK_LOCK_ROLE_TABLE);
		break;
	case PG_QUERY__NODE__NODE_REFRESH_MAT_VIEW_STMT:
		add_row_rv(ls, find_row(stmt_rows, N_STMT, n->refresh_mat_view_stmt->concurrent ? SK_REFRESH_CONC : SK_REFRESH, pg),
			   n->refresh_mat_view_stmt->relation, GK_LOCK_ROLE_TABLE);
		break;
	case PG_QUERY__NODE__NODE_CREATE_TRIG_STMT:
		add_row_rv(ls, find_row(stmt_rows, N_STMT, SK_CREATE_TRIGGER, pg), n->create_trig_stmt->relation,
			   GK_LOCK_ROLE_TABLE);
		break;
	case PG_QUERY__NODE__NODE_RULE_STMT:
		add_row_rv(ls, find_row(stmt_rows, N_STMT, SK_CREATE_RULE, pg), n->rule_stmt->relation, GK_LOCK_ROLE_TABLE);
		break;
	case PG_QUERY__NODE__NODE_CREATE_POLICY_STMT:
		add_row_rv(ls, find_row(stmt_rows, N_STMT, SK_CREATE_POLICY, pg), n->create_policy_stmt->table,
			   GK_LOCK_ROLE_TABLE);
		break;
	case PG_QUERY__NODE__NODE_ALTER_POLICY_STMT:
		add_row_rv(ls, find_row(stmt_rows, N_STMT, SK_ALTER_POLICY, pg), n->alter_policy_stmt->table,
			   GK_LOCK_ROLE_TABLE);
		break;
	case PG_QUERY__NODE__NODE_CREATE_STATS_STMT: {
		r = find_row(stmt_rows, N_STMT, SK_CREATE_STATISTICS, pg);
		range_vars(ls, n->create_stats_stmt->relations, n->create_stats_stmt->n_relations, r);
		break;
	}
	case PG_QUERY__NODE__NODE_COMMENT_STMT:
		comment(ls, n->comment_stmt, pg);
		break;
	case PG_QUERY__NODE__NODE_CREATE_STMT:
		create_table(ls, n->create_stmt, pg);
		break;
	case PG_QUERY__NODE__NODE_ALTER_SEQ_STMT:
		add_row_rv(ls, find_row(stmt_rows, N_STMT, SK_ALTER_SEQUENCE, pg), n->alter_seq_stmt->sequence,
			   GK_LOCK_ROLE_TABLE);
		break;
	case PG_QUERY__NODE__NODE_INSERT_STMT:
		add_row_rv(ls, find_row(stmt_rows, N_STMT, SK_INSERT, pg), n->insert_stmt->relation, GK_LOCK_ROLE_TABLE);
		break;
	case PG_QUERY__NODE__NODE_UPDATE_STMT:
		r = find_row(stmt_rows, N_STMT, SK_UPDATE, pg);
		used(ls, r);
		add_rv(ls, n->update_stmt->relation, r->mode, !n->update_stmt->where_clause, false, GK_LOCK_ROLE_TABLE);
		break;
	case PG_QUERY__NODE__NODE_DELETE_STMT:
		r = find_row(stmt_rows, N_STMT, SK_DELETE, pg);
		used(ls, r);
		add_rv(ls, n->delete_stmt->relation, r->mode, !n->delete_stmt->where_clause, false, GK_LOCK_ROLE_TABLE);
		break;
	default:
		/* Every other statement takes no lock on an existing relation
		 * it names, or only the ACCESS SHARE of reading it (see the top
		 * of this file): SELECT, CREATE VIEW/TABLE AS, SET, transaction
		 * control, functions, types, schemas, extensions, grants. */
		break;
	}
}

/* ---- relations the statement does not name ---- */

static bool listed(const lockset *ls, const char *schema, const char *name)
{
	for (size_t i = 0; i < ls->n; i++)
		if (strcmp(ls->out[i].name, name) == 0 &&
		    strcmp(ls->out[i].schema ? ls->out[i].schema : "public", schema ? schema : "public") == 0)
			return true;
	return false;
}

/* Lock the model's relation `r` as implied row `k` says; returns the new
 * entry, or NULL (listed already, or no room).  When `out` is full, the
 * last listed relation of the same kind, if any, counts it in `more`. */
static gk_lock *add_implied(lockset *ls, enum stmt_kind k, const gk_rel *r, enum gk_lock_role role, int pg)
{
	const lock_row *row = find_row(implied_rows, N_IMPLIED, k, pg);
	if (!row || !r || !r->name)
		return NULL;
	used(ls, row);
	const char *why = NULL, *group = NULL;
	for (size_t i = 0; i < sizeof implied_why / sizeof *implied_why; i++)
		if (implied_why[i].kind == k)
			why = implied_why[i].why, group = implied_why[i].group;
	/* Unqualified, as the statements name most tables, unless elsewhere. */
	const char *schema = strcmp(r->schema, "public") == 0 ? NULL : r->schema;
	if (ls->n == ls->max && !listed(ls, schema, r->name)) {
		for (size_t i = ls->n; i-- > 0;)
			if (ls->out[i].implied == why) {
				ls->out[i].more++;
				break;
			}
		return NULL;
	}
	size_t before = ls->n;
	add(ls, schema, r->name, false, row->mode, row->scan, row->rewrite, role, GK_LOCK_NONE);
	if (ls->n == before)
		return NULL;
	ls->out[before].implied = why;
	ls->out[before].implied_group = group;
	return &ls->out[before];
}

static bool is_rel(const gk_rel *a, const gk_rel *b)
{
	return a && b && a == b;
}

/* The default partition of `parent`, unless it is `self` (the partition the statement is about). */
static const gk_rel *default_of(const gk_state *st, const gk_rel *parent, const gk_rel *self)
{
	const gk_rel *d = parent ? gk_state_default_partition(st, parent) : NULL;
	return is_rel(d, self) ? NULL : d;
}

/*
 * ADD COLUMN of a domain with constraints: up to PostgreSQL 18 the column
 * is computed in every row to check them, with or without a DEFAULT, a
 * rewrite; from 19 only a value that fails them is (commit a0b6ef29a), of
 * which the model knows one: the NULL of a NOT NULL domain without a
 * DEFAULT.  An array of the domain checks nothing.
 */
static bool domain_column_rewrites(const PgQuery__ColumnDef *cd, int pg, const gk_state *st)
{
	const PgQuery__TypeName *t = cd->type_name;
	if (!t || !t->n_names || t->n_array_bounds)
		return false;
	const gk_domain *d = gk_state_find_domain(st, t->n_names > 1 ? gk_node_str(t->names[t->n_names - 2]) : NULL,
						  gk_node_str(t->names[t->n_names - 1]));
	if (!d || !(d->n_checks || d->not_null))
		return false;
	if (pg > 0 && pg < 19)
		return true;
	bool has_default = cd->raw_default != NULL;
	for (size_t i = 0; i < cd->n_constraints; i++)
		if (cd->constraints[i]->node_case == PG_QUERY__NODE__NODE_CONSTRAINT &&
		    cd->constraints[i]->constraint->contype == PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT &&
		    cd->constraints[i]->constraint->raw_expr &&
		    !(cd->constraints[i]->constraint->raw_expr->node_case == PG_QUERY__NODE__NODE_A_CONST &&
		      cd->constraints[i]->constraint->raw_expr->a_const->isnull))
			has_default = true;
	return d->not_null && !has_default;
}

/* DROP COLUMN col of t: the tables its foreign keys on the column
 * reference; with CASCADE the tables whose foreign keys reference the
 * column (when they name it: one that references the primary key without
 * naming its columns is not known). */
static void implied_drop_column(lockset *ls, const gk_rel *t, const char *col, bool cascade, int pg,
				const gk_state *st)
{
	for (size_t k = 0; k < t->n_cons; k++) {
		const gk_constraint *c = &t->cons[k];
		const gk_rel *ref = c->ref_name && gk_name_list_has(c->fk_cols, col)
					    ? gk_state_find(st, c->ref_schema, c->ref_name)
					    : NULL;
		if (!is_rel(ref, t))
			add_implied(ls, SK_DROP_COLUMN_REFERENCED, ref, GK_LOCK_ROLE_REFERENCED, pg);
	}
	for (size_t i = 0; cascade && i < st->n_rels; i++) {
		const gk_rel *o = &st->rels[i];
		for (size_t k = 0; o->name && o != t && k < o->n_cons; k++)
			if (o->cons[k].ref_name && strcmp(o->cons[k].ref_name, t->name) == 0 &&
			    strcmp(o->cons[k].ref_schema, t->schema) == 0 && gk_name_list_has(o->cons[k].ref_cols, col)) {
				add_implied(ls, SK_DROP_COLUMN_CASCADE, o, GK_LOCK_ROLE_REFERENCING, pg);
				break;
			}
	}
}

static void implied_alter(lockset *ls, const PgQuery__AlterTableStmt *as, int pg, const gk_state *st)
{
	const gk_rel *t = as->relation ? gk_state_find(st, as->relation->schemaname, as->relation->relname) : NULL;
	if (!t || as->objtype != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE)
		return;
	for (size_t i = 0; i < as->n_cmds; i++) {
		if (as->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		const PgQuery__AlterTableCmd *c = as->cmds[i]->alter_table_cmd;
		const PgQuery__PartitionCmd *pc =
			c->def && c->def->node_case == PG_QUERY__NODE__NODE_PARTITION_CMD ? c->def->partition_cmd : NULL;
		switch (c->subtype) {
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn:
			/* The table is the first lock (alter_table()). */
			if (ls->n && c->def && c->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF &&
			    domain_column_rewrites(c->def->column_def, pg, st))
				ls->out[0].rewrite = ls->out[0].scan = true;
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumn:
			if (c->name)
				implied_drop_column(ls, t, c->name, c->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE, pg, st);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DropConstraint: {
			const gk_constraint *k = c->name ? gk_rel_constraint(t, c->name) : NULL;
			const gk_rel *ref = k && k->ref_name ? gk_state_find(st, k->ref_schema, k->ref_name) : NULL;
			if (!is_rel(ref, t))
				add_implied(ls, SK_DROP_CONSTRAINT_REFERENCED, ref, GK_LOCK_ROLE_REFERENCED, pg);
			break;
		}
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AttachPartition:
			/* A DEFAULT partition being attached is the one read, for
			 * the rows of the other partitions' bounds. */
			if (pc && pc->name && !(pc->bound && pc->bound->is_default))
				add_implied(ls, SK_ATTACH_DEFAULT,
					    default_of(st, t, gk_state_find(st, pc->name->schemaname, pc->name->relname)),
					    GK_LOCK_ROLE_DEFAULT_PARTITION, pg);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DetachPartition:
			/* CONCURRENTLY is refused when a default partition exists. */
			if (pc && pc->name && !pc->concurrent)
				add_implied(ls, SK_DETACH_DEFAULT,
					    default_of(st, t, gk_state_find(st, pc->name->schemaname, pc->name->relname)),
					    GK_LOCK_ROLE_DEFAULT_PARTITION, pg);
			break;
		default: /* every other subcommand locks only what it names */
			break;
		}
	}
}

/* True when `r` is a partition, at any depth, of `top`.  Bounded: untrusted
 * input may make a cycle of partitions. */
static bool descends_from(const gk_state *st, const gk_rel *r, const gk_rel *top)
{
	for (int depth = 0; r && depth < 64; depth++)
		if ((r = gk_state_partition_parent(st, r)) == top)
			return r != NULL;
	return false;
}

/* The partitions of partitioned table `t`, and theirs, in the order the
 * model learnt them.  One partitioned in turn has no file of its own to
 * rewrite: its partitions have. */
static void add_partitions(lockset *ls, enum stmt_kind k, const gk_state *st, const gk_rel *t, int pg)
{
	for (size_t i = 0; t->partitioned && i < st->n_rels; i++) {
		gk_lock *lk = st->rels[i].name && &st->rels[i] != t && descends_from(st, &st->rels[i], t)
				      ? add_implied(ls, k, &st->rels[i], GK_LOCK_ROLE_SUBPARTITION, pg)
				      : NULL;
		if (lk && st->rels[i].partitioned)
			lk->rewrite = false;
	}
}

/* The other tables with a foreign key to `t`. */
static void add_referencing(lockset *ls, enum stmt_kind k, const gk_state *st, const gk_rel *t, int pg)
{
	for (size_t i = 0; i < st->n_rels; i++) {
		const gk_rel *o = &st->rels[i];
		for (size_t c = 0; o->name && o != t && c < o->n_cons; c++)
			if (o->cons[c].ref_name && strcmp(o->cons[c].ref_name, t->name) == 0 &&
			    strcmp(o->cons[c].ref_schema, t->schema) == 0) {
				add_implied(ls, k, o, GK_LOCK_ROLE_REFERENCING, pg);
				break;
			}
	}
}

/* The model's table a statement names as a qualified name (a List of String). */
static const gk_rel *named_rel(const gk_state *st, const PgQuery__Node *o)
{
	if (o->node_case != PG_QUERY__NODE__NODE_LIST || !o->list->n_items)
		return NULL;
	const PgQuery__List *l = o->list;
	const char *name = gk_node_str(l->items[l->n_items - 1]);
	return name ? gk_state_find(st, l->n_items > 1 ? gk_node_str(l->items[l->n_items - 2]) : NULL, name) : NULL;
}

/* DROP TABLE: for each table, the tables its foreign keys reference; for a
 * partition its partitioned table and that table's default partition; for
 * a partitioned table its partitions; with CASCADE the tables whose
 * foreign keys reference it. */
static void implied_drop(lockset *ls, const PgQuery__DropStmt *ds, int pg, const gk_state *st)
{
	if (ds->remove_type != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE)
		return;
	for (size_t i = 0; i < ds->n_objects; i++) {
		const gk_rel *t = named_rel(st, ds->objects[i]);
		if (!t)
			continue;
		for (size_t k = 0; k < t->n_cons; k++) {
			const gk_rel *ref = t->cons[k].ref_name ? gk_state_find(st, t->cons[k].ref_schema, t->cons[k].ref_name)
								: NULL;
			if (!is_rel(ref, t))
				add_implied(ls, SK_DROP_TABLE_REFERENCED, ref, GK_LOCK_ROLE_REFERENCED, pg);
		}
		const gk_rel *parent = gk_state_partition_parent(st, t);
		add_implied(ls, SK_DROP_TABLE_PARENT, parent, GK_LOCK_ROLE_PARTITION_PARENT, pg);
		add_implied(ls, SK_DROP_TABLE_DEFAULT, default_of(st, parent, t), GK_LOCK_ROLE_DEFAULT_PARTITION, pg);
		add_partitions(ls, SK_DROP_TABLE_PARTITIONS, st, t, pg);
		if (ds->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE)
			add_referencing(ls, SK_DROP_TABLE_CASCADE, st, t, pg);
	}
}

/* TRUNCATE: the partitions of a partitioned table; with CASCADE the tables
 * referencing a truncated one, and those referencing them. */
static void implied_truncate(lockset *ls, const PgQuery__TruncateStmt *ts, int pg, const gk_state *st)
{
	for (size_t i = 0; i < ts->n_relations; i++) {
		const PgQuery__Node *n = ts->relations[i];
		if (n->node_case != PG_QUERY__NODE__NODE_RANGE_VAR || !n->range_var->inh)
			continue; /* ONLY: PostgreSQL refuses it for a partitioned table */
		const gk_rel *t = gk_state_find(st, n->range_var->schemaname, n->range_var->relname);
		if (!t || !t->partitioned)
			continue;
		/* It has no storage of its own: its partitions get the new files. */
		for (size_t k = 0; k < ls->n; k++)
			if (!ls->out[k].implied && strcmp(ls->out[k].name, t->name) == 0 &&
			    strcmp(ls->out[k].schema ? ls->out[k].schema : "public", t->schema) == 0)
				ls->out[k].rewrite = false;
		add_partitions(ls, SK_TRUNCATE_PARTITIONS, st, t, pg);
	}
	if (ts->behavior != PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE)
		return;
	/* Every listed relation is truncated: each one's referencing tables
	 * join the list, until it no longer grows. */
	for (size_t i = 0; i < ls->n; i++) {
		const gk_rel *t = gk_state_find(st, ls->out[i].schema, ls->out[i].name);
		if (t && !ls->out[i].is_index)
			add_referencing(ls, SK_TRUNCATE_CASCADE, st, t, pg);
	}
}

/* CREATE TABLE ... PARTITION OF parent FOR VALUES ...: parent's default partition. */
static void implied_create(lockset *ls, const PgQuery__CreateStmt *cs, int pg, const gk_state *st)
{
	if (!cs->partbound || cs->partbound->is_default || !cs->n_inh_relations ||
	    cs->inh_relations[0]->node_case != PG_QUERY__NODE__NODE_RANGE_VAR)
		return;
	const PgQuery__RangeVar *p = cs->inh_relations[0]->range_var;
	add_implied(ls, SK_CREATE_PARTITION_DEFAULT, default_of(st, gk_state_find(st, p->schemaname, p->relname), NULL),
		    GK_LOCK_ROLE_DEFAULT_PARTITION, pg);
}

static void implied_locks(lockset *ls, const PgQuery__Node *n, int pg, const gk_state *st)
{
	if (!st)
		return;
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT: implied_alter(ls, n->alter_table_stmt, pg, st); break;
	case PG_QUERY__NODE__NODE_DROP_STMT: implied_drop(ls, n->drop_stmt, pg, st); break;
	case PG_QUERY__NODE__NODE_CREATE_STMT: implied_create(ls, n->create_stmt, pg, st); break;
	case PG_QUERY__NODE__NODE_TRUNCATE_STMT: implied_truncate(ls, n->truncate_stmt, pg, st); break;
	default: /* the statement names every relation it locks (see the top of this file) */
		break;
	}
}

size_t gk_stmt_locks_in(const PgQuery__Node *n, int pg_version, const gk_state *st, gk_lock *out, size_t max)
{
	lockset ls = {out, 0, max, NULL, 0, 0};
	stmt_locks(&ls, n, pg_version);
	implied_locks(&ls, n, pg_version, st);
	return ls.n;
}

size_t gk_stmt_locks(const PgQuery__Node *n, int pg_version, gk_lock *out, size_t max)
{
	return gk_stmt_locks_in(n, pg_version, NULL, out, max);
}

size_t gk_stmt_lock_entries_in(const PgQuery__Node *n, int pg_version, const gk_state *st, const char **out,
			       size_t max)
{
	gk_lock locks[GK_MAX_LOCKS];
	lockset ls = {locks, 0, GK_MAX_LOCKS, out, 0, max};
	stmt_locks(&ls, n, pg_version);
	implied_locks(&ls, n, pg_version, st);
	return ls.n_entries;
}

size_t gk_stmt_lock_entries(const PgQuery__Node *n, int pg_version, const char **out, size_t max)
{
	return gk_stmt_lock_entries_in(n, pg_version, NULL, out, max);
}

const char *gk_stmt_lock_name(const PgQuery__Node *stmt, int pg_version)
{
	gk_lock locks[GK_MAX_LOCKS];
	return gk_lockmode_name(gk_stmt_locks(stmt, pg_version, locks, GK_MAX_LOCKS) ? locks[0].mode : GK_LOCK_NONE);
}

enum gk_lockmode gk_stmt_lock_on(const PgQuery__Node *stmt, int pg_version, const char *schema, const char *name,
				 gk_lock *out)
{
	gk_lock locks[GK_MAX_LOCKS];
	size_t n = name ? gk_stmt_locks(stmt, pg_version, locks, GK_MAX_LOCKS) : 0;
	const char *want = schema && *schema ? schema : "public";
	for (size_t i = 0; i < n; i++) {
		const char *have = locks[i].schema && *locks[i].schema ? locks[i].schema : "public";
		if (strcmp(locks[i].name, name) == 0 && strcmp(have, want) == 0) {
			if (out)
				*out = locks[i];
			return locks[i].mode;
		}
	}
	return GK_LOCK_NONE;
}
