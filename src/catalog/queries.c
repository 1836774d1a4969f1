/*
 * queries.c - the catalog queries of a snapshot, one per object kind (or
 * per pair of kinds sharing attributes), and their rows as JSON objects.
 *
 * Each query is written as an inner SELECT that finds the objects (user
 * schemas, not extension members nor implicit objects, not the migration
 * tools' history tables) and an outer one that renders them.  The inner
 * one ends in OFFSET 0 so that the planner cannot evaluate the renderers
 * (pg_get_indexdef and friends, the costly part) below a join or a sort,
 * i.e. on rows the filters throw away: without it the index query of a
 * 2,000-table schema rendered its 4,000 constraint indexes too.
 *
 * Row layout: the kind, the identity, then one column per attribute of
 * the spec.  Owner, comment and grants columns are selected only when the
 * option asks for them, and their attributes are then absent, not null, so
 * that a diff can tell "not read" from "none".  Mappings of catalog codes
 * to words happen in SQL, so that this file only copies text, booleans and
 * JSON arrays.  pg_catalog only: information_schema hides rows the role
 * has no privilege on, pg_catalog does not.
 */
#include "catalog/catalog_internal.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* ---- SQL fragments ------------------------------------------------------ */

/* $1 is the schema list (text[]) or NULL. */
#define USER_NS(n)                                                                          \
	n ".nspname <> ALL ('{pg_catalog,information_schema}') AND " n ".nspname !~ '^pg_(toast|temp_)'" \
	" AND ($1::text[] IS NULL OR " n ".nspname::text = ANY ($1::text[]))"
/* Extension members and implicit objects, on the object's own catalog.
 * objsubid = 0: a partitioned table's identity column has an 'i' row
 * (objsubid = attnum) on the table itself.  NOT IN over a subquery becomes
 * one hashed subplan; NOT EXISTS let the planner pick a nested loop over
 * 8,000 pg_depend rows per trigger (80 ms for 100 triggers). */
#define NOTEXT(cat, o)                                                                             \
	o " NOT IN (SELECT d.objid FROM pg_depend d WHERE d.classid = 'pg_" cat "'::regclass AND " \
	"d.objsubid = 0 AND d.deptype IN ('e', 'i'))"
#define HISTORY_NAMES "('_prisma_migrations', 'flyway_schema_history', 'schema_migrations', '__diesel_schema_migrations')"
#define NOT_HISTORY(c) c ".relname NOT IN " HISTORY_NAMES
#define QI2(n, o) "quote_ident(" n ") || '.' || quote_ident(" o ")"
/* Privileges other than the owner's own, "grantee PRIVILEGE [WITH GRANT
 * OPTION]", sorted; a NULL ACL is the type's default (acldefault). */
#define GRANTS(acl, type, owner)                                                                       \
	"(SELECT to_json(array_agg(g ORDER BY g COLLATE \"C\"))::text FROM (SELECT CASE WHEN a.grantee = 0 " \
	"THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END || ' ' || a.privilege_type || CASE WHEN "         \
	"a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END AS g FROM aclexplode(COALESCE(" acl           \
	", acldefault('" type "', " owner "))) a WHERE a.grantee <> " owner ") x)"
#define SORTED_ARRAY(arr) \
	"(SELECT to_json(array_agg(o ORDER BY o COLLATE \"C\"))::text FROM unnest(" arr ") o)"
#define OWNER(o) {"owner", T_TEXT, G_OWNER, "pg_get_userbyid(" o ")"}
#define COMMENT(oid, cat) {"comment", T_TEXT, G_COMMENT, "obj_description(" oid ", '" cat "')"}

/* ---- the specs ---------------------------------------------------------- */

enum col_type { T_TEXT, T_BOOL, T_JSON };
enum col_gate { G_ALWAYS, G_OWNER, G_COMMENT, G_GRANTS };

typedef struct col {
	const char *attr;
	enum col_type type;
	enum col_gate gate;
	const char *sql;     /* over the inner query's columns, as s.* */
} col;

#define MAX_COLS 16

typedef struct query {
	const char *what;    /* for messages: "tables" */
	const char *kind;    /* SQL: the kind of the row */
	const char *ident;   /* SQL: its identity */
	const char *inner;
	col cols[MAX_COLS];  /* ends at attr NULL */
} query;

const char *const gk_cat_kinds[] = {
	"schema", "extension", "table", "column", "constraint", "index", "sequence", "enum", "domain",
	"composite", "range", "view", "materialized_view", "function", "procedure", "trigger", "policy",
};
const size_t gk_cat_n_kinds = sizeof gk_cat_kinds / sizeof *gk_cat_kinds;

static const query q_schema = {
	"schemas", "'schema'", "quote_ident(s.nspname)",
	"SELECT n.oid, n.nspname, n.nspowner, n.nspacl FROM pg_namespace n WHERE " USER_NS("n")
	" AND " NOTEXT("namespace", "n.oid"),
	{OWNER("s.nspowner"), COMMENT("s.oid", "pg_namespace"),
	 {"grants", T_JSON, G_GRANTS, GRANTS("s.nspacl", "n", "s.nspowner")}, {0}}};

static const query q_extension = {
	"extensions", "'extension'", "quote_ident(s.extname)",
	"SELECT e.oid, e.extname, e.extversion, e.extowner, n.nspname FROM pg_extension e "
	"JOIN pg_namespace n ON n.oid = e.extnamespace WHERE " USER_NS("n"),
	{{"version", T_TEXT, G_ALWAYS, "s.extversion"}, {"schema", T_TEXT, G_ALWAYS, "quote_ident(s.nspname)"},
	 OWNER("s.extowner"), COMMENT("s.oid", "pg_extension"), {0}}};

#define PARENTS(cond, agg)                                                                             \
	"(SELECT " agg " FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON " \
	"pn.oid = p.relnamespace WHERE i.inhrelid = s.oid AND " cond ")"

static const query q_table = {
	"tables", "'table'", QI2("s.nspname", "s.relname"),
	"SELECT c.oid, c.relname, n.nspname, c.relkind, c.relpersistence, c.relrowsecurity, "
	"c.relforcerowsecurity, c.relreplident, c.relispartition, c.relpartbound, c.reloptions, c.relowner, "
	"c.relacl FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', "
	"'p', 'f') AND " USER_NS("n") " AND " NOT_HISTORY("c") " AND " NOTEXT("class", "c.oid"),
	{{"kind", T_TEXT, G_ALWAYS,
	  "CASE s.relkind WHEN 'p' THEN 'partitioned table' WHEN 'f' THEN 'foreign table' ELSE 'table' END"},
	 {"persistence", T_TEXT, G_ALWAYS, "CASE s.relpersistence WHEN 'u' THEN 'unlogged' ELSE 'permanent' END"},
	 {"row_security", T_BOOL, G_ALWAYS, "s.relrowsecurity"},
	 {"force_row_security", T_BOOL, G_ALWAYS, "s.relforcerowsecurity"},
	 {"replica_identity", T_TEXT, G_ALWAYS,
	  "CASE s.relreplident WHEN 'd' THEN 'default' WHEN 'n' THEN 'nothing' WHEN 'f' THEN 'full' ELSE "
	  "(SELECT 'using index ' || quote_ident(i.relname) FROM pg_index x JOIN pg_class i ON i.oid = "
	  "x.indexrelid WHERE x.indrelid = s.oid AND x.indisreplident) END"},
	 {"partition_key", T_TEXT, G_ALWAYS, "CASE WHEN s.relkind = 'p' THEN pg_get_partkeydef(s.oid) END"},
	 {"partition_of", T_TEXT, G_ALWAYS,
	  "CASE WHEN s.relispartition THEN " PARENTS("true", QI2("pn.nspname", "p.relname")) " END"},
	 {"partition_bound", T_TEXT, G_ALWAYS,
	  "CASE WHEN s.relispartition THEN pg_get_expr(s.relpartbound, s.oid) END"},
	 {"parents", T_JSON, G_ALWAYS,
	  "CASE WHEN NOT s.relispartition THEN " PARENTS(
		  "true", "to_json(array_agg(" QI2("pn.nspname", "p.relname") " ORDER BY i.inhseqno))::text") " END"},
	 {"options", T_JSON, G_ALWAYS, SORTED_ARRAY("s.reloptions")},
	 OWNER("s.relowner"), COMMENT("s.oid", "pg_class"),
	 {"grants", T_JSON, G_GRANTS, GRANTS("s.relacl", "r", "s.relowner")}, {0}}};

static const query q_column = {
	"columns", "'column'", QI2("s.nspname", "s.relname") " || '.' || quote_ident(s.attname)",
	"SELECT c.oid AS relid, c.relname, c.relowner, n.nspname, a.attnum, a.attname, a.atttypid, "
	"a.atttypmod, a.attnotnull, a.attidentity, a.attgenerated, a.attcollation, t.typcollation, "
	"a.attcompression, a.attacl, ad.adbin FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
	"JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN "
	"pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum WHERE a.attnum > 0 AND NOT "
	"a.attisdropped AND c.relkind IN ('r', 'p', 'f') AND " USER_NS("n") " AND " NOT_HISTORY("c")
	" AND " NOTEXT("class", "c.oid"),
	{{"type", T_TEXT, G_ALWAYS, "format_type(s.atttypid, s.atttypmod)"},
	 {"not_null", T_BOOL, G_ALWAYS, "s.attnotnull"},
	 /* A default has no Vars: without the relation, pg_get_expr() need not
	  * open it (a seventh of this query on 2,000 tables). */
	 {"default", T_TEXT, G_ALWAYS, "CASE WHEN s.attgenerated = '' THEN pg_get_expr(s.adbin, 0) END"},
	 {"identity", T_TEXT, G_ALWAYS, "CASE s.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END"},
	 {"identity_options", T_TEXT, G_ALWAYS,
	  "CASE WHEN s.attidentity <> '' THEN (SELECT format('START %s INCREMENT %s MINVALUE %s MAXVALUE %s "
	  "CACHE %s %sCYCLE', q.seqstart, q.seqincrement, q.seqmin, q.seqmax, q.seqcache, CASE WHEN "
	  "q.seqcycle THEN '' ELSE 'NO ' END) FROM pg_depend d JOIN pg_sequence q ON q.seqrelid = d.objid "
	  "WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = s.relid AND d.refobjsubid = s.attnum "
	  "AND d.classid = 'pg_class'::regclass AND d.deptype = 'i') END"},
	 {"generated", T_TEXT, G_ALWAYS,
	  "CASE WHEN s.attgenerated <> '' THEN pg_get_expr(s.adbin, s.relid) || CASE s.attgenerated WHEN 's' "
	  "THEN ' STORED' ELSE ' VIRTUAL' END END"},
	 {"collation", T_TEXT, G_ALWAYS,
	  "CASE WHEN s.attcollation <> s.typcollation THEN s.attcollation::regcollation::text END"},
	 {"compression", T_TEXT, G_ALWAYS, "CASE s.attcompression WHEN 'p' THEN 'pglz' WHEN 'l' THEN 'lz4' END"},
	 {"comment", T_TEXT, G_COMMENT, "col_description(s.relid, s.attnum)"},
	 {"grants", T_JSON, G_GRANTS, GRANTS("s.attacl", "c", "s.relowner")}, {0}}};

/* DEFERRABLE, INITIALLY DEFERRED and NOT VALID end the server's rendering;
 * they are attributes of their own, so one change is one finding. */
static const query q_constraint = {
	"constraints", "'constraint'", QI2("s.nspname", "s.parent") " || '.' || quote_ident(s.conname)",
	"SELECT con.oid, con.conname, con.contype, con.convalidated, con.condeferrable, con.condeferred, "
	"n.nspname, COALESCE(c.relname, ty.typname) AS parent FROM pg_constraint con JOIN pg_namespace n ON "
	"n.oid = con.connamespace LEFT JOIN pg_class c ON c.oid = con.conrelid LEFT JOIN pg_type ty ON "
	"ty.oid = con.contypid WHERE con.contype IN ('c', 'f', 'p', 'u', 'x') AND con.conparentid = 0 AND "
	"con.conislocal AND " USER_NS("n") " AND (c.oid IS NOT NULL OR ty.oid IS NOT NULL) AND (c.oid IS "
	"NULL OR (c.relkind IN ('r', 'p', 'f') AND " NOT_HISTORY("c") " AND " NOTEXT("class", "c.oid") "))"
	" AND (ty.oid IS NULL OR " NOTEXT("type", "ty.oid") ")",
	{{"type", T_TEXT, G_ALWAYS,
	  "CASE s.contype WHEN 'c' THEN 'check' WHEN 'f' THEN 'foreign key' WHEN 'p' THEN 'primary key' WHEN "
	  "'u' THEN 'unique' ELSE 'exclusion' END"},
	 {"definition", T_TEXT, G_ALWAYS,
	  "regexp_replace(pg_get_constraintdef(s.oid, true), '( DEFERRABLE)?( INITIALLY DEFERRED)?( NOT "
	  "VALID)?$', '')"},
	 {"validated", T_BOOL, G_ALWAYS, "s.convalidated"},
	 {"deferrable", T_BOOL, G_ALWAYS, "s.condeferrable"},
	 {"deferred", T_BOOL, G_ALWAYS, "s.condeferred"},
	 COMMENT("s.oid", "pg_constraint"), {0}}};

static const query q_index = {
	"indexes", "'index'", QI2("s.nspname", "s.iname"),
	"SELECT x.indexrelid, i.relname AS iname, t.relname AS tname, n.nspname, x.indisunique, x.indisvalid "
	"FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid JOIN "
	"pg_namespace n ON n.oid = t.relnamespace WHERE " USER_NS("n") " AND " NOT_HISTORY("t") " AND "
	NOTEXT("class", "t.oid") " AND NOT i.relispartition AND NOT EXISTS (SELECT 1 FROM pg_constraint k "
	"WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u', 'x'))",
	{{"table", T_TEXT, G_ALWAYS, QI2("s.nspname", "s.tname")},
	 {"definition", T_TEXT, G_ALWAYS, "pg_get_indexdef(s.indexrelid, 0, true)"},
	 {"unique", T_BOOL, G_ALWAYS, "s.indisunique"},
	 {"valid", T_BOOL, G_ALWAYS, "s.indisvalid"},
	 COMMENT("s.indexrelid", "pg_class"), {0}}};

/* Identity sequences are implicit ('i': reported under their column);
 * serial ones ('a') are objects of their own, with the column they belong to. */
static const query q_sequence = {
	"sequences", "'sequence'", QI2("s.nspname", "s.relname"),
	"SELECT c.oid, c.relname, n.nspname, c.relowner, c.relacl, c.relpersistence, q.seqtypid, q.seqstart, "
	"q.seqincrement, q.seqmin, q.seqmax, q.seqcache, q.seqcycle, o.owned_by FROM pg_sequence q JOIN "
	"pg_class c ON c.oid = q.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN LATERAL "
	"(SELECT " QI2("tn.nspname", "t.relname") " || '.' || quote_ident(a.attname) AS owned_by, t.relname "
	"AS owner_table FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid "
	"= t.relnamespace JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid WHERE "
	"d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.objsubid = 0 AND d.refclassid = "
	"'pg_class'::regclass AND d.deptype = 'a' LIMIT 1) o ON true WHERE " USER_NS("n") " AND "
	NOTEXT("class", "c.oid") " AND (o.owner_table IS NULL OR o.owner_table NOT IN " HISTORY_NAMES ")",
	{{"type", T_TEXT, G_ALWAYS, "format_type(s.seqtypid, NULL)"},
	 {"start", T_TEXT, G_ALWAYS, "s.seqstart::text"},
	 {"increment", T_TEXT, G_ALWAYS, "s.seqincrement::text"},
	 {"min", T_TEXT, G_ALWAYS, "s.seqmin::text"},
	 {"max", T_TEXT, G_ALWAYS, "s.seqmax::text"},
	 {"cache", T_TEXT, G_ALWAYS, "s.seqcache::text"},
	 {"cycle", T_BOOL, G_ALWAYS, "s.seqcycle"},
	 {"persistence", T_TEXT, G_ALWAYS, "CASE s.relpersistence WHEN 'u' THEN 'unlogged' ELSE 'permanent' END"},
	 {"owned_by", T_TEXT, G_ALWAYS, "s.owned_by"},
	 OWNER("s.relowner"), COMMENT("s.oid", "pg_class"),
	 {"grants", T_JSON, G_GRANTS, GRANTS("s.relacl", "s", "s.relowner")}, {0}}};

#define TYPE_INNER(extra_cols, extra_from, cond)                                                    \
	"SELECT t.oid, t.typname, n.nspname, t.typowner, t.typacl" extra_cols " FROM pg_type t JOIN " \
	"pg_namespace n ON n.oid = t.typnamespace" extra_from " WHERE " cond " AND " USER_NS("n")      \
	" AND " NOTEXT("type", "t.oid")
#define TYPE_COMMON                                                               \
	OWNER("s.typowner"), COMMENT("s.oid", "pg_type"),                         \
	{"grants", T_JSON, G_GRANTS, GRANTS("s.typacl", "T", "s.typowner")}, {0}

static const query q_enum = {
	"enum types", "'enum'", QI2("s.nspname", "s.typname"), TYPE_INNER("", "", "t.typtype = 'e'"),
	{{"labels", T_JSON, G_ALWAYS,
	  "(SELECT to_json(array_agg(e.enumlabel ORDER BY e.enumsortorder))::text FROM pg_enum e WHERE "
	  "e.enumtypid = s.oid)"},
	 TYPE_COMMON}};

static const query q_domain = {
	"domains", "'domain'", QI2("s.nspname", "s.typname"),
	TYPE_INNER(", t.typbasetype, t.typtypmod, t.typnotnull, t.typdefaultbin, t.typcollation, b.typcollation "
		   "AS basecoll", " JOIN pg_type b ON b.oid = t.typbasetype", "t.typtype = 'd'"),
	{{"type", T_TEXT, G_ALWAYS, "format_type(s.typbasetype, s.typtypmod)"},
	 {"not_null", T_BOOL, G_ALWAYS, "s.typnotnull"},
	 {"default", T_TEXT, G_ALWAYS, "pg_get_expr(s.typdefaultbin, 0)"},
	 {"collation", T_TEXT, G_ALWAYS,
	  "CASE WHEN s.typcollation <> s.basecoll THEN s.typcollation::regcollation::text END"},
	 TYPE_COMMON}};

static const query q_composite = {
	"composite types", "'composite'", QI2("s.nspname", "s.typname"),
	TYPE_INNER(", t.typrelid", " JOIN pg_class r ON r.oid = t.typrelid", "t.typtype = 'c' AND r.relkind = 'c'"),
	{{"attributes", T_JSON, G_ALWAYS,
	  "(SELECT to_json(array_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod) || "
	  "CASE WHEN a.attcollation <> at.typcollation THEN ' COLLATE ' || a.attcollation::regcollation::text "
	  "ELSE '' END ORDER BY a.attnum))::text FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid "
	  "WHERE a.attrelid = s.typrelid AND a.attnum > 0 AND NOT a.attisdropped)"},
	 TYPE_COMMON}};

static const query q_range = {
	"range types", "'range'", QI2("s.nspname", "s.typname"),
	TYPE_INNER(", r.rngsubtype, r.rngsubopc, r.rngcollation, r.rngcanonical, r.rngsubdiff, st.typcollation "
		   "AS subcoll", " JOIN pg_range r ON r.rngtypid = t.oid JOIN pg_type st ON st.oid = r.rngsubtype",
		   "t.typtype = 'r'"),
	{{"subtype", T_TEXT, G_ALWAYS, "format_type(s.rngsubtype, NULL)"},
	 {"opclass", T_TEXT, G_ALWAYS,
	  "(SELECT CASE WHEN cn.nspname = 'pg_catalog' THEN quote_ident(oc.opcname) ELSE "
	  QI2("cn.nspname", "oc.opcname") " END FROM pg_opclass oc JOIN pg_namespace cn ON cn.oid = "
	  "oc.opcnamespace WHERE oc.oid = s.rngsubopc)"},
	 {"collation", T_TEXT, G_ALWAYS,
	  "CASE WHEN s.rngcollation <> 0 AND s.rngcollation <> s.subcoll THEN "
	  "s.rngcollation::regcollation::text END"},
	 {"canonical", T_TEXT, G_ALWAYS,
	  "CASE WHEN s.rngcanonical <> 0 THEN s.rngcanonical::regprocedure::text END"},
	 {"subdiff", T_TEXT, G_ALWAYS, "CASE WHEN s.rngsubdiff <> 0 THEN s.rngsubdiff::regprocedure::text END"},
	 TYPE_COMMON}};

static const query q_view = {
	"views", "CASE s.relkind WHEN 'v' THEN 'view' ELSE 'materialized_view' END",
	QI2("s.nspname", "s.relname"),
	"SELECT c.oid, c.relname, n.nspname, c.relkind, c.reloptions, c.relowner, c.relacl FROM pg_class c "
	"JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm') AND " USER_NS("n")
	" AND " NOT_HISTORY("c") " AND " NOTEXT("class", "c.oid"),
	{{"definition", T_TEXT, G_ALWAYS, "pg_get_viewdef(s.oid, true)"},
	 {"options", T_JSON, G_ALWAYS, SORTED_ARRAY("s.reloptions")},
	 OWNER("s.relowner"), COMMENT("s.oid", "pg_class"),
	 {"grants", T_JSON, G_GRANTS, GRANTS("s.relacl", "r", "s.relowner")}, {0}}};

/* Keyed by argument types (oidvectortypes: with search_path '' user types
 * come schema-qualified), not by pg_get_function_identity_arguments,
 * which also prints argument names that do not identify a routine. */
static const query q_routine = {
	"functions and procedures", "CASE s.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END",
	QI2("s.nspname", "s.proname") " || '(' || oidvectortypes(s.proargtypes) || ')'",
	"SELECT p.oid, p.proname, n.nspname, p.prokind, p.proargtypes, p.proowner, p.proacl FROM pg_proc p "
	"JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.prokind IN ('f', 'p', 'w') AND " USER_NS("n")
	" AND " NOTEXT("proc", "p.oid"),
	{{"definition", T_TEXT, G_ALWAYS, "pg_get_functiondef(s.oid)"},
	 OWNER("s.proowner"), COMMENT("s.oid", "pg_proc"),
	 {"grants", T_JSON, G_GRANTS, GRANTS("s.proacl", "f", "s.proowner")}, {0}}};

#define TRIGGER_STATE(e) \
	"CASE " e " WHEN 'O' THEN 'origin' WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica' ELSE 'always' END"

/* A partition's copy of a trigger is not an object of its own (the parent's
 * definition is the copy's), but its state is: DISABLE TRIGGER on the
 * partition changes the copy alone, and the trigger silently stops firing
 * for that partition's rows.  So `enabled` names the partitions, at any
 * depth, whose copy differs: "origin (disabled on app.events_2024)". */
static const query q_trigger = {
	"triggers", "'trigger'", QI2("s.nspname", "s.relname") " || '.' || quote_ident(s.tgname)",
	"SELECT tg.oid, tg.tgname, tg.tgenabled, c.relname, n.nspname FROM pg_trigger tg JOIN pg_class c ON "
	"c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT tg.tgisinternal AND "
	"tg.tgparentid = 0 AND " USER_NS("n") " AND " NOT_HISTORY("c") " AND " NOTEXT("class", "c.oid")
	" AND " NOTEXT("trigger", "tg.oid"),
	{{"definition", T_TEXT, G_ALWAYS, "pg_get_triggerdef(s.oid, true)"},
	 {"enabled", T_TEXT, G_ALWAYS,
	  TRIGGER_STATE("s.tgenabled") " || COALESCE((WITH RECURSIVE k AS (SELECT c.oid, c.tgrelid, c.tgenabled "
	  "FROM pg_trigger c WHERE c.tgparentid = s.oid UNION ALL SELECT c.oid, c.tgrelid, c.tgenabled FROM "
	  "pg_trigger c JOIN k ON c.tgparentid = k.oid) SELECT ' (' || string_agg(" TRIGGER_STATE("k.tgenabled")
	  " || ' on ' || " QI2("kn.nspname", "kc.relname") ", ', ' ORDER BY kn.nspname, kc.relname) || ')' FROM k "
	  "JOIN pg_class kc ON kc.oid = k.tgrelid JOIN pg_namespace kn ON kn.oid = kc.relnamespace "
	  "WHERE k.tgenabled <> s.tgenabled), '')"},
	 COMMENT("s.oid", "pg_trigger"), {0}}};

static const query q_policy = {
	"policies", "'policy'", QI2("s.nspname", "s.relname") " || '.' || quote_ident(s.polname)",
	"SELECT pol.oid, pol.polname, pol.polrelid, pol.polpermissive, pol.polcmd, pol.polroles, pol.polqual, "
	"pol.polwithcheck, c.relname, n.nspname FROM pg_policy pol JOIN pg_class c ON c.oid = pol.polrelid "
	"JOIN pg_namespace n ON n.oid = c.relnamespace WHERE " USER_NS("n") " AND " NOT_HISTORY("c")
	" AND " NOTEXT("class", "c.oid"),
	{{"permissive", T_BOOL, G_ALWAYS, "s.polpermissive"},
	 {"command", T_TEXT, G_ALWAYS,
	  "CASE s.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN "
	  "'DELETE' ELSE 'ALL' END"},
	 {"roles", T_JSON, G_ALWAYS,
	  "(SELECT to_json(array_agg(r ORDER BY r COLLATE \"C\"))::text FROM (SELECT CASE WHEN x = 0 THEN "
	  "'PUBLIC' ELSE pg_get_userbyid(x) END AS r FROM unnest(s.polroles) x) y)"},
	 {"using", T_TEXT, G_ALWAYS, "pg_get_expr(s.polqual, s.polrelid)"},
	 {"with_check", T_TEXT, G_ALWAYS, "pg_get_expr(s.polwithcheck, s.polrelid)"},
	 COMMENT("s.oid", "pg_policy"), {0}}};

/* ---- kinds present but not read ------------------------------------------ */

/* (kind, identity) of every object of a kind the snapshot does not
 * compare, so that a diff can name them instead of calling them in sync.
 * OIDs below 16384 (FirstNormalObjectId) are initdb's. */
#define NS_OBJ(kind, cat, alias, name, nsp)                                                       \
	"SELECT '" kind "', " QI2("n.nspname", alias "." name) " FROM pg_" cat " " alias               \
	" JOIN pg_namespace n ON n.oid = " alias "." nsp " WHERE " USER_NS("n") " AND " NOTEXT(cat, \
	alias ".oid")
#define GLOBAL_OBJ(kind, cat, alias, name_sql)                                                     \
	"SELECT '" kind "', " name_sql " FROM pg_" cat " " alias " WHERE " alias ".oid >= 16384 AND " \
	NOTEXT(cat, alias ".oid")

static const char not_compared_sql[] =
	"SELECT 'aggregate', " QI2("n.nspname", "p.proname") " || '(' || oidvectortypes(p.proargtypes) || ')' "
	"FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.prokind = 'a' AND " USER_NS("n")
	" AND " NOTEXT("proc", "p.oid")
	" UNION ALL " NS_OBJ("collation", "collation", "co", "collname", "collnamespace")
	" UNION ALL " NS_OBJ("conversion", "conversion", "cv", "conname", "connamespace")
	" UNION ALL SELECT 'operator', quote_ident(n.nspname) || '.' || o.oprname || '(' || CASE WHEN o.oprleft = 0 THEN "
	"'NONE' ELSE format_type(o.oprleft, NULL) END || ', ' || format_type(o.oprright, NULL) || ')' FROM "
	"pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace WHERE " USER_NS("n") " AND "
	NOTEXT("operator", "o.oid")
	" UNION ALL " NS_OBJ("operator_class", "opclass", "oc", "opcname", "opcnamespace")
	" UNION ALL " NS_OBJ("operator_family", "opfamily", "of", "opfname", "opfnamespace")
	" UNION ALL " NS_OBJ("text_search_configuration", "ts_config", "tc", "cfgname", "cfgnamespace")
	" UNION ALL " NS_OBJ("text_search_dictionary", "ts_dict", "td", "dictname", "dictnamespace")
	" UNION ALL " NS_OBJ("text_search_parser", "ts_parser", "tp", "prsname", "prsnamespace")
	" UNION ALL " NS_OBJ("text_search_template", "ts_template", "tt", "tmplname", "tmplnamespace")
	" UNION ALL " NS_OBJ("statistics", "statistic_ext", "st", "stxname", "stxnamespace")
	" UNION ALL SELECT 'rule', " QI2("n.nspname", "c.relname") " || '.' || quote_ident(r.rulename) FROM "
	"pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace "
	"WHERE r.rulename <> '_RETURN' AND " USER_NS("n") " AND " NOT_HISTORY("c") " AND "
	NOTEXT("class", "c.oid")
	" UNION ALL SELECT 'event_trigger', quote_ident(e.evtname) FROM pg_event_trigger e WHERE "
	NOTEXT("event_trigger", "e.oid")
	" UNION ALL SELECT 'publication', quote_ident(p.pubname) FROM pg_publication p"
	" UNION ALL SELECT 'subscription', quote_ident(s.subname) FROM pg_subscription s WHERE s.subdbid = "
	"(SELECT oid FROM pg_database WHERE datname = current_database())"
	" UNION ALL " GLOBAL_OBJ("foreign_data_wrapper", "foreign_data_wrapper", "w", "quote_ident(w.fdwname)")
	" UNION ALL " GLOBAL_OBJ("foreign_server", "foreign_server", "fs", "quote_ident(fs.srvname)")
	" UNION ALL " GLOBAL_OBJ("cast", "cast", "ca",
				 "'(' || format_type(ca.castsource, NULL) || ' AS ' || format_type(ca.casttarget, NULL) || ')'")
	" UNION ALL " GLOBAL_OBJ("language", "language", "l", "quote_ident(l.lanname)")
	" UNION ALL " GLOBAL_OBJ("transform", "transform", "tr",
				 "format_type(tr.trftype, NULL) || ' LANGUAGE ' || (SELECT quote_ident(lanname) FROM "
				 "pg_language WHERE oid = tr.trflang)")
	" UNION ALL " GLOBAL_OBJ("access_method", "am", "am", "quote_ident(am.amname)")
	" UNION ALL SELECT 'default_privileges', pg_get_userbyid(da.defaclrole) || ' ' || CASE "
	"da.defaclobjtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences' WHEN 'f' THEN 'functions' WHEN "
	"'T' THEN 'types' ELSE 'schemas' END || COALESCE(' in ' || (SELECT quote_ident(nspname) FROM "
	"pg_namespace WHERE oid = da.defaclnamespace), '') FROM pg_default_acl da";

static const char *const global_kinds[] = {
	"event_trigger", "publication", "subscription", "foreign_data_wrapper", "foreign_server",
	"cast", "language", "transform", "access_method", "default_privileges",
};

bool gk_cat_kind_global(const char *kind)
{
	for (size_t i = 0; i < sizeof global_kinds / sizeof *global_kinds; i++)
		if (!strcmp(global_kinds[i], kind))
			return true;
	return false;
}

/* ---- rows into objects ---------------------------------------------------- */

json_t *gk_cat_string(const char *s, size_t len)
{
	size_t bad;
	if (gk_utf8_valid(s, len, &bad))
		return json_stringn_nocheck(s, len);
	/* SQL_ASCII databases hand out bytes as stored. */
	gk_buf b = GK_BUF_INIT;
	for (size_t i = 0; i < len; i += bad + 1) {
		if (gk_utf8_valid(s + i, len - i, &bad)) {
			gk_buf_append(&b, s + i, len - i);
			break;
		}
		gk_buf_append(&b, s + i, bad);
		gk_buf_puts(&b, "\xef\xbf\xbd");
	}
	json_t *v = b.failed ? NULL : json_stringn_nocheck(b.data ? b.data : "", b.len);
	gk_buf_free(&b);
	return v;
}

static bool gated_in(const col *k, const gk_catalog_options *o)
{
	switch (k->gate) {
	case G_OWNER: return o->include_owners;
	case G_COMMENT: return o->include_comments;
	case G_GRANTS: return o->include_grants;
	default: return true;
	}
}

static char *build_sql(const query *q, const gk_catalog_options *o)
{
	gk_buf b = GK_BUF_INIT;
	gk_buf_printf(&b, "SELECT %s, %s", q->kind, q->ident);
	for (const col *k = q->cols; k->attr; k++)
		if (gated_in(k, o))
			gk_buf_printf(&b, ", %s", k->sql);
	gk_buf_printf(&b, " FROM (%s OFFSET 0) s", q->inner);
	if (b.failed) {
		gk_buf_free(&b);
		return NULL;
	}
	return gk_buf_take(&b);
}

static json_t *cell(const PGresult *r, int row, int colno, enum col_type t)
{
	if (PQgetisnull(r, row, colno))
		return json_null();
	const char *v = PQgetvalue(r, row, colno);
	size_t len = (size_t)PQgetlength(r, row, colno);
	if (t == T_BOOL)
		return json_boolean(v[0] == 't');
	if (t == T_TEXT)
		return gk_cat_string(v, len);
	json_t *a = json_loadb(v, len, JSON_DECODE_ANY, NULL);
	if (a && !json_is_array(a)) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static int add_row(json_t *objects, const query *q, const gk_catalog_options *o, const PGresult *r,
		   int row, gk_error *err)
{
	json_t *kind = json_object_get(objects, PQgetvalue(r, row, 0));
	const char *id = PQgetvalue(r, row, 1);
	json_t *attrs = json_object();
	if (!kind || !attrs) {
		json_decref(attrs);
		return gk_error_set(err, GK_ERROR, "reading %s: unexpected kind '%s'", q->what, PQgetvalue(r, row, 0));
	}
	int colno = 2;
	for (const col *k = q->cols; k->attr; k++) {
		if (!gated_in(k, o))
			continue;
		json_t *v = cell(r, row, colno++, k->type);
		if (!v || json_object_set_new_nocheck(attrs, k->attr, v) != 0) {
			json_decref(attrs);
			return gk_error_set(err, GK_ENOMEM, "reading %s: cannot store %s of %s", q->what, k->attr, id);
		}
	}
	json_t *key = gk_cat_string(id, strlen(id));
	int rc = 0;
	if (!key || json_object_get(kind, json_string_value(key))) {
		json_decref(attrs);
		rc = gk_error_set(err, key ? GK_ERROR : GK_ENOMEM, "reading %s: %s %s appears twice", q->what,
				  PQgetvalue(r, row, 0), id);
	} else if (json_object_set_new_nocheck(kind, json_string_value(key), attrs) != 0) {
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	json_decref(key);
	return rc;
}

static int add_not_compared(json_t *nc, const char *kind, const char *id)
{
	json_t *list = json_object_get(nc, kind);
	if (!list) {
		list = json_array();
		if (!list || json_object_set_new(nc, kind, list) != 0)
			return GK_ENOMEM;
	}
	return json_array_append_new(list, gk_cat_string(id, strlen(id))) ? GK_ENOMEM : 0;
}

static int cmp_json_strings(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

int gk_cat_sort_not_compared(json_t *nc)
{
	const char *kind;
	json_t *list;
	json_object_foreach(nc, kind, list) {
		size_t n = json_array_size(list);
		json_t **v = malloc((n ? n : 1) * sizeof *v);
		if (!v)
			return GK_ENOMEM;
		for (size_t i = 0; i < n; i++)
			v[i] = json_incref(json_array_get(list, i));
		qsort(v, n, sizeof *v, cmp_json_strings);
		json_array_clear(list);
		for (size_t i = 0; i < n; i++)
			json_array_append_new(list, v[i]);
		free(v);
	}
	return 0;
}

/* ---- jobs ------------------------------------------------------------------ */

/* The queries and the lane (connection) each runs on when there are two,
 * split so that the lanes take about as long on 2,000 tables: index
 * definitions (the costliest) with views and triggers on one, constraint
 * definitions, columns and tables on the other.  Fixed, not "the next job
 * to whichever lane is idle", so that a run does the same work on the same
 * backend every time.  NULL is the list of objects not compared. */
static const struct job {
	const query *q;
	unsigned lane;
} jobs[] = {
	{&q_index, 0}, {&q_view, 0}, {&q_trigger, 0}, {&q_routine, 0}, {&q_sequence, 0}, {&q_policy, 0},
	{&q_schema, 0}, {&q_extension, 0},
	{&q_constraint, 1}, {&q_column, 1}, {&q_table, 1}, {NULL, 1}, {&q_enum, 1}, {&q_domain, 1},
	{&q_composite, 1}, {&q_range, 1},
};

size_t gk_cat_n_jobs(void)
{
	return sizeof jobs / sizeof *jobs;
}

unsigned gk_cat_job_lane(size_t i)
{
	return jobs[i].lane;
}

const char *gk_cat_job_what(size_t i)
{
	return jobs[i].q ? jobs[i].q->what : "objects a snapshot does not compare";
}

char *gk_cat_job_sql(size_t i, const gk_catalog_options *o)
{
	return jobs[i].q ? build_sql(jobs[i].q, o) : gk_strdup(not_compared_sql);
}

int gk_cat_job_store(size_t i, const PGresult *r, json_t *objects, json_t *nc, const gk_catalog_options *o,
		     gk_error *err)
{
	int rc = 0;
	for (int row = 0; rc == 0 && row < PQntuples(r); row++) {
		if (jobs[i].q)
			rc = add_row(objects, jobs[i].q, o, r, row, err);
		else if (add_not_compared(nc, PQgetvalue(r, row, 0), PQgetvalue(r, row, 1)) != 0)
			rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	return rc;
}

char *gk_cat_scope_literal(const gk_catalog_options *o)
{
	return o->n_schemas ? gk_text_array_literal(o->schemas, o->n_schemas) : NULL;
}
