/*
 * catalog/catalog.h - a snapshot of a database's schema, and the
 * differences between two snapshots (schema drift).
 *
 * A snapshot is read with libpq from pg_catalog only, in ONE transaction
 * (REPEATABLE READ READ ONLY, search_path = '' so that every name the
 * server renders is schema-qualified), on a connection that is read-only
 * from its start (default_transaction_read_only, short statement_timeout
 * and lock_timeout): it never writes to the database it reads.  Values are
 * the server's own renderings (format_type, pg_get_constraintdef,
 * pg_get_indexdef, pg_get_viewdef, pg_get_functiondef, pg_get_triggerdef,
 * pg_get_expr), never re-derived DDL.  A second connection joins the
 * same transaction snapshot (pg_export_snapshot) so that the server renders
 * on two cores; when that cannot be had (a standby, no free connection
 * slot) everything is read on the first.  Rendering an index or a CHECK
 * takes ACCESS SHARE on its table: behind a migration's ACCESS EXCLUSIVE
 * lock the read fails after lock_timeout rather than queueing.
 *
 * The snapshot is a canonical JSON document:
 *
 *   {"format": "gatekeeper-catalog/1",
 *    "server_version": "15.20 (Debian ...)", "server_version_num": 150020,
 *    "options": {"comments": false, "grants": false, "owners": false, "schemas": []},
 *    "kinds": ["column", "composite", ...],          the object kinds read
 *    "objects": {KIND: {IDENTITY: {ATTRIBUTE: VALUE}}},
 *    "not_compared": {KIND: [IDENTITY, ...]}}        present, not read
 *
 * IDENTITY is the object's name path with each part quoted as SQL needs it
 * (quote_ident): `public.users`, `public."User".email`,
 * `public.f(integer, text)` (a routine: its argument types), a constraint,
 * trigger or policy under its table (`public.users.users_pkey`), a domain's
 * CHECK under its domain.  VALUE is a string, a bool, an array of strings
 * or null (none).  Keys are sorted (bytes) at every level, one object per
 * line, and the same database always gives byte-identical JSON: OIDs,
 * column positions and anything else a rebuild of the same schema changes
 * never appear.  Two databases built by the same statements in another
 * order give the same document (as long as the names the server makes up,
 * e.g. of unnamed constraints, do not depend on that order).
 *
 * Kinds and attributes (owner, comment and grants only when asked for):
 *   schema            owner comment grants
 *   extension         version schema owner comment
 *   table             kind ("table", "partitioned table", "foreign table"),
 *                     persistence, row_security, force_row_security,
 *                     replica_identity, partition_key, partition_of,
 *                     partition_bound, parents (inheritance, not
 *                     partitions), options, owner comment grants
 *   column            type not_null default identity identity_options
 *                     generated collation compression comment grants
 *                     (the order of columns is not compared)
 *   constraint        type definition validated deferrable deferred comment
 *                     (definition without DEFERRABLE / NOT VALID: those are
 *                     the booleans)
 *   index             table definition unique valid comment
 *   sequence          type start increment min max cache cycle persistence
 *                     owned_by owner comment grants
 *   enum              labels (in order)
 *   domain            type not_null default collation (CHECKs: constraint)
 *   composite         attributes (in order: "name type [COLLATE c]")
 *   range             subtype opclass collation canonical subdiff
 *   view, materialized_view   definition options owner comment grants
 *   function, procedure       definition owner comment grants
 *   trigger           definition enabled comment (enabled also names the
 *                     partitions whose copy differs: "origin (disabled on
 *                     app.events_2024)")
 *   policy            permissive command roles using with_check comment
 *   (enum/domain/composite/range also owner comment grants)
 *
 * Left out: the system schemas (pg_catalog, information_schema, pg_toast*,
 * pg_temp*), extension members and implicit objects (pg_depend 'e'/'i' on
 * the object's own catalog: an identity column's sequence, a range's
 * multirange type and constructors), the migration tools' history tables
 * (_prisma_migrations, flyway_schema_history, schema_migrations,
 * __diesel_schema_migrations: in any schema, with their columns,
 * constraints, indexes, triggers, policies and owned sequences), what a
 * partition or inheritance child inherits (constraints, indexes and
 * triggers cloned from the parent are compared on the parent), and indexes
 * that back a PRIMARY KEY, UNIQUE or EXCLUDE constraint (compared through
 * the constraint, whose definition carries the index's columns, INCLUDE
 * and NULLS NOT DISTINCT but not its storage parameters; one missing
 * constraint is one finding, not two).
 *
 * Object kinds that exist in user schemas but are not read (aggregates,
 * collations, operators, text search objects, rules, statistics, event
 * triggers, publications, casts, ...) are listed by identity under
 * "not_compared", so that a diff can say so instead of calling them in sync.
 *
 * Ownership: a gk_catalog is owned by its creator and released with
 * gk_catalog_free(); strings it returns are borrowed from it.  A diff
 * result owns all its strings and is released with gk_catalog_diff_free().
 * Errors: GK_EINFRA when the server cannot be reached or a query fails
 * (the message names the host and the reason, never a password),
 * GK_ECONFIG for an unusable URL or an unsupported server (< 14), GK_EIO
 * and GK_EPARSE for files.
 */
#ifndef GK_CATALOG_H
#define GK_CATALOG_H

#include <stdio.h>

#include "gatekeeper/common.h"
#include "gatekeeper/types.h"

typedef struct gk_catalog gk_catalog;

typedef struct gk_catalog_options {
	bool include_grants;     /* "grants": aclexplode() of the ACL, without the owner's own */
	bool include_owners;     /* "owner" */
	bool include_comments;   /* "comment" */
	/* Read only these schemas (exact names); NULL/0 = every user schema. */
	const char *const *schemas;
	size_t n_schemas;
	/* Per statement; 0 = 60000 and 5000 ms. */
	int statement_timeout_ms, lock_timeout_ms;
} gk_catalog_options;

/**
 * Snapshot the database `conninfo` (a libpq URL or key=value string; its
 * own `options` are kept and the read-only settings added).  `o` may be
 * NULL (defaults).  On success *out is the caller's.
 */
int gk_catalog_read(gk_catalog **out, const char *conninfo, const gk_catalog_options *o, gk_error *err);

/** Read a snapshot written by gk_catalog_write(); GK_EIO, GK_EPARSE when
 * it is not one. */
int gk_catalog_load(gk_catalog **out, const char *path, gk_error *err);

/** Write the canonical JSON (with a final newline) to `f`.  GK_EIO. */
int gk_catalog_write(gk_catalog *cat, FILE *f, gk_error *err);

/** SHA-256 of the canonical bytes gk_catalog_write() writes (64 lowercase
 * hex digits; `sha256sum` of the file gives the same); NULL when out of
 * memory.  Owned by `cat`. */
const char *gk_catalog_sha256(gk_catalog *cat);

/** What the snapshot was read with: include_grants, include_owners and
 * include_comments of `o` are set from it (the rest is left alone). */
void gk_catalog_options_of(const gk_catalog *cat, gk_catalog_options *o);

/** server_version_num of the server it was read from, e.g. 150020. */
int gk_catalog_server_version(const gk_catalog *cat);

/** Objects of `kind` in the snapshot (0 for a kind not read). */
size_t gk_catalog_count(const gk_catalog *cat, const char *kind);

/** NULL is a no-op. */
void gk_catalog_free(gk_catalog *cat);

/* ---- differences ------------------------------------------------------ */

enum gk_catalog_change_kind {
	GK_CATALOG_MISSING = 0,   /* expected has it, actual does not */
	GK_CATALOG_UNEXPECTED,    /* actual has it, expected does not */
	GK_CATALOG_CHANGED,       /* both have it; one attribute differs */
};

/** "missing", "unexpected", "changed". */
const char *gk_catalog_change_kind_name(enum gk_catalog_change_kind k);

typedef struct gk_catalog_change {
	enum gk_catalog_change_kind kind;
	char *object_kind;   /* "column" */
	char *object;        /* identity: "public.users.email" */
	char *attribute;     /* CHANGED: "type"; NULL otherwise */
	/* CHANGED: the values (a string as the server renders it, "true" or
	 * "false", an array as compact JSON; NULL = none). */
	char *expected, *actual;
	/* One line for a human: "column public.users.email: type is character
	 * varying(320) in production, text in the migrations". */
	char *message;
} gk_catalog_change;

/* A kind (or "grants", "owners", "comments") present in either snapshot
 * that the diff did not compare, and why, in one line. */
typedef struct gk_catalog_uncompared {
	char *kind;
	char *reason;
} gk_catalog_uncompared;

/* How many objects of a kind the actual side holds that were compared,
 * and how many the `ignore` globs left out (those outside `schemas` are
 * not counted: a snapshot read with a schema list never saw them). */
typedef struct gk_catalog_kind_count {
	const char *kind;             /* static, or owned by the expected catalog: valid while it lives */
	size_t compared, ignored;
} gk_catalog_kind_count;

typedef struct gk_catalog_diff_result {
	gk_catalog_change *changes;   /* sorted: kind order (schema, extension, table, column, ...),
				       * identity (bytes), missing/unexpected/changed, attribute */
	size_t n_changes;
	gk_catalog_uncompared *uncompared;  /* sorted by kind */
	size_t n_uncompared;
	gk_catalog_kind_count *counts;      /* per compared kind, in comparison order */
	size_t n_counts;
} gk_catalog_diff_result;

typedef struct gk_catalog_diff_options {
	/* Compare only these schemas (NULL/0 = all).  A snapshot read with a
	 * schema list narrows the scope further by itself. */
	const char *const *schemas;
	size_t n_schemas;
	/* fnmatch() globs on "kind:identity" ("table:public.tmp_*",
	 * "index:*_old"); a glob without ':' matches the identity of any kind.
	 * Identities are also tried without their quotes, so
	 * "table:public.User*" matches public."UserRole".  Ignoring a table
	 * (view, domain) also ignores what hangs under it. */
	const char *const *ignore;
	size_t n_ignore;
	/* How the two sides are named in messages; NULL = "the migrations"
	 * and "production". */
	const char *expected_name, *actual_name;
} gk_catalog_diff_options;

/**
 * Compare `expected` (e.g. the migrations replayed on a shadow) with
 * `actual` (e.g. production).  `o` may be NULL.  Under a table (view,
 * domain) that is missing or unexpected as a whole, its columns,
 * constraints, indexes, triggers and policies are not listed again.
 * GK_ECONFIG when the snapshots come from different PostgreSQL major
 * versions (the server renderings differ between majors), GK_ENOMEM.
 * On success *out is the caller's (even when empty).
 */
int gk_catalog_diff(gk_catalog_diff_result **out, const gk_catalog *expected, const gk_catalog *actual,
                    const gk_catalog_diff_options *o, gk_error *err);

/** NULL is a no-op. */
void gk_catalog_diff_free(gk_catalog_diff_result *d);

#endif
