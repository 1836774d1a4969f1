/*
 * nodes.h - small readers of the parse tree (nodes.c), used by the schema
 * model, the lock table and the rules.  They read the tree only; strings
 * returned point into it or into the caller's buffer.  Internal.
 */
#ifndef GK_LINT_NODES_H
#define GK_LINT_NODES_H

#include <stdbool.h>
#include <stddef.h>
#include <pg_query/pg_query.pb-c.h>

/** String value of a String node, or NULL. */
const char *gk_node_str(const PgQuery__Node *n);

/** "schema.name" or "name" of a RangeVar, into buf. */
const char *gk_rv_name(const PgQuery__RangeVar *rv, char *buf, size_t size);

/** Same relation: names equal, an unqualified name meaning the public schema. */
bool gk_rv_same(const PgQuery__RangeVar *a, const PgQuery__RangeVar *b);

/** The last component of a qualified name list (List of String nodes), or "". */
const char *gk_names_last(PgQuery__Node **names, size_t n);

/** The last identifier of a type name (e.g. "int4" for pg_catalog.int4). */
const char *gk_type_base(const PgQuery__TypeName *t);

/** Integer typmod i of a type (e.g. 20 for varchar(20)), or -1. */
long gk_type_mod(const PgQuery__TypeName *t, size_t i);

/** Name of a TypeName as written, e.g. "varchar(20)", "int4", "timestamp". Into buf. */
const char *gk_type_text(const PgQuery__TypeName *t, char *buf, size_t size);

/** Command i of an ALTER TABLE (NULL if the node is not a command). */
const PgQuery__AlterTableCmd *gk_alter_cmd(const PgQuery__AlterTableStmt *as, size_t i);

#endif
