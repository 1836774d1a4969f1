/*
 * remove-enum-value: an enum type recreated without some of its values.
 *
 * PostgreSQL cannot drop a value from an enum, so Prisma Migrate (and
 * people by hand) recreate the type:
 *
 *   CREATE TYPE "X_new" AS ENUM (...);
 *   ALTER TABLE t ALTER COLUMN c TYPE "X_new" USING (c::text::"X_new");
 *   ALTER TYPE "X" RENAME TO "X_old";
 *   ALTER TYPE "X_new" RENAME TO "X";
 *   DROP TYPE "X_old";
 *
 * A recreation is a CREATE TYPE ... AS ENUM whose type a later statement of
 * the file renames to the name of another enum.  The values it removes are
 * those of the old type (known from the schema model) missing from the new
 * list: the cast fails for any row that still holds one, and code still
 * deployed that writes one fails once the migration ran.  Each ALTER COLUMN
 * of the recreation also rewrites its table under the lock locks.c names.
 * One finding per recreation, on its first ALTER COLUMN, and it covers the
 * alter-column-type findings of the recreation's ALTER COLUMNs: they would
 * tell the rewrite again.  A recreation that removes nothing (a reorder) is
 * left to alter-column-type.  Types and tables created in the same change
 * have no rows and no code using them.
 */
#include "lint/lint_internal.h"

#include <stdio.h>
#include <string.h>

#define MAX_ALTERS 16

static const char *str_of(const PgQuery__Node *n) { return gk_node_str(n); }

/* `names` (a qualified name list) is schema.name, schema NULL = public. */
static bool names_are(PgQuery__Node *const *names, size_t n, const char *schema, const char *name)
{
	if (n == 0 || !str_of(names[n - 1]) || strcmp(str_of(names[n - 1]), name) != 0)
		return false;
	const char *sch = n > 1 ? str_of(names[n - 2]) : NULL;
	return strcmp(sch && *sch ? sch : "public", schema && *schema ? schema : "public") == 0;
}

/* ALTER TYPE schema.name RENAME TO x: x, else NULL. */
static const char *renamed_to(const PgQuery__Node *n, const char *schema, const char *name)
{
	if (n->node_case != PG_QUERY__NODE__NODE_RENAME_STMT)
		return NULL;
	const PgQuery__RenameStmt *rs = n->rename_stmt;
	if (rs->rename_type != PG_QUERY__OBJECT_TYPE__OBJECT_TYPE || !rs->object ||
	    rs->object->node_case != PG_QUERY__NODE__NODE_LIST ||
	    !names_are(rs->object->list->items, rs->object->list->n_items, schema, name))
		return NULL;
	return rs->newname;
}

/* The first ALTER COLUMN ... TYPE schema.name of an ALTER TABLE, or NULL. */
static const PgQuery__AlterTableCmd *casts_to(const PgQuery__AlterTableStmt *as, const char *schema, const char *name)
{
	for (size_t i = 0; as && i < as->n_cmds; i++) {
		const PgQuery__AlterTableCmd *c = gk_alter_cmd(as, i);
		if (c && c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType && c->def &&
		    c->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF && c->def->column_def->type_name &&
		    names_are(c->def->column_def->type_name->names, c->def->column_def->type_name->n_names, schema, name))
			return c;
	}
	return NULL;
}

typedef struct recreation {
	const char *old_name;        /* the type the new one replaces */
	const gk_stmt *alters[MAX_ALTERS];
	const PgQuery__AlterTableCmd *cmds[MAX_ALTERS];
	size_t n_alters, more;       /* more: ALTER COLUMNs beyond MAX_ALTERS */
} recreation;

/* The rest of the file after CREATE TYPE schema.name: is it a recreation,
 * and which ALTER COLUMNs on existing tables convert to the new type? */
static bool find_recreation(const gk_lint *l, const gk_stmt *s, const char *schema, const char *name, recreation *r)
{
	memset(r, 0, sizeof *r);
	for (size_t i = (size_t)s->index + 1; i < l->n_stmts && !r->old_name; i++) {
		const gk_stmt *t = &l->stmts[i];
		r->old_name = renamed_to(t->node, schema, name);
		const PgQuery__AlterTableStmt *as = gk_lint_alter_existing(l, t);
		const PgQuery__AlterTableCmd *c = as ? casts_to(as, schema, name) : NULL;
		if (!c)
			continue;
		if (r->n_alters == MAX_ALTERS) {
			r->more++;
			continue;
		}
		r->alters[r->n_alters] = t;
		r->cmds[r->n_alters++] = c;
	}
	return r->old_name && r->n_alters > 0;
}

/* The values of the old type missing from the new list, quoted, into buf; their count. */
static size_t removed_values(const gk_enum_type *old, const PgQuery__CreateEnumStmt *ce, char *buf, size_t size)
{
	size_t n = 0, len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < old->n_vals; i++) {
		bool kept = false;
		for (size_t k = 0; k < ce->n_vals && !kept; k++)
			kept = str_of(ce->vals[k]) && strcmp(str_of(ce->vals[k]), old->vals[i]) == 0;
		if (kept)
			continue;
		if (len < size)
			len += (size_t)snprintf(buf + len, size - len, "%s'%s'", n ? ", " : "", old->vals[i]);
		n++;
	}
	return n;
}

static void check(gk_lint *l, const gk_stmt *s)
{
	if (s->node->node_case != PG_QUERY__NODE__NODE_CREATE_ENUM_STMT)
		return;
	const PgQuery__CreateEnumStmt *ce = s->node->create_enum_stmt;
	size_t nn = ce->n_type_name;
	if (nn == 0 || !str_of(ce->type_name[nn - 1]))
		return;
	const char *name = str_of(ce->type_name[nn - 1]);
	const char *schema = nn > 1 ? str_of(ce->type_name[nn - 2]) : NULL;
	recreation r;
	if (!find_recreation(l, s, schema, name, &r))
		return;
	const gk_enum_type *old = gk_state_find_enum(l->state, schema, r.old_name);
	if (old && gk_state_is_new(l->state, old->change))
		return;
	char removed[400], what[600];
	if (old) {
		size_t n = removed_values(old, ce, removed, sizeof removed);
		if (n == 0)
			return; /* a reorder or additions: only the rewrite, which alter-column-type tells */
		snprintf(what, sizeof what, "without %s %s: the cast fails for rows that still hold %s, and running code "
			 "that writes %s breaks",
			 n > 1 ? "its values" : "its value", removed, n > 1 ? "them" : "it", n > 1 ? "them" : "it");
	} else {
		snprintf(what, sizeof what, "whose old values are unknown (its CREATE TYPE is not in the linted files): any "
			 "value missing from the new list fails the cast for rows that still hold it and breaks running "
			 "code that writes it");
	}
	const gk_stmt *first = r.alters[0];
	const PgQuery__RangeVar *rv = first->node->alter_table_stmt->relation;
	char table[256], others[64] = "";
	gk_rv_name(rv, table, sizeof table);
	if (r.n_alters + r.more > 1)
		snprintf(others, sizeof others, " (and %zu more ALTER COLUMN)", r.n_alters + r.more - 1);
	enum gk_lockmode m = gk_stmt_lock_on(first->node, gk_lint_pg(l), rv->schemaname, rv->relname, NULL);
	int line, col;
	gk_source_pos(l->src, s->start, &line, &col);
	for (size_t i = 0; i < r.n_alters; i++)
		gk_lint_cover(l, r.alters[i], GK_RULE_ID_alter_column_type);
	gk_lint_report(l, first, r.cmds[0]->def->column_def->type_name->location, NULL,
		       "ALTER COLUMN %s TYPE %s recreates enum %s (CREATE TYPE on line %d) %s; it also rewrites %s%s "
		       "under %s (%s)",
		       r.cmds[0]->name ? r.cmds[0]->name : "?", name, r.old_name, line, what, table, others,
		       gk_lockmode_name(m), gk_lockmode_blocks(m));
}

const gk_rule gk_rule_remove_enum_value = {
	.info = {
		.id = "remove-enum-value",
		.category = GK_CAT_COMPATIBILITY,
		.severity = GK_SEV_ERROR,
		.summary = "an enum recreated without some of its values (Prisma's CREATE TYPE \"X_new\" ... RENAME)",
		.why = "PostgreSQL cannot drop an enum value, so the type is recreated: a new type with the remaining "
		       "values, every column converted with USING (col::text::\"X_new\"), the types renamed, the old one "
		       "dropped. The cast fails for every row that still holds a removed value, so the migration stops "
		       "halfway on a database that has such rows (Prisma warns about it when it writes the migration, "
		       "not when it runs). Code still running that writes a removed value fails as soon as the "
		       "migration is applied. And each converted column rewrites its table under ACCESS EXCLUSIVE, "
		       "reads included, for as long as the table is big. gatekeeper knows the old values from the "
		       "CREATE TYPE and ALTER TYPE ... ADD VALUE of earlier migrations. Among peers, strong_migrations "
		       "and squawk report enum value renames, not removals.",
		.help = "Remove values in steps: first deploy code that no longer writes them, then migrate the rows "
			"off them (UPDATE t SET c = 'other' WHERE c = 'removed', in batches), and only then recreate the "
			"type, in a migration of its own with a short lock_timeout, when the table is small enough for "
			"the rewrite. On a large table keep the value in the type and forbid it with a CHECK constraint "
			"added NOT VALID and validated, or use a lookup table instead of an enum.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, "Prisma's recreation; the old values are unknown here (see remove_enum_value_test.c)",
			 "CREATE TYPE \"Status_new\" AS ENUM ('draft', 'live');\n"
			 "ALTER TABLE \"Post\" ALTER COLUMN \"status\" DROP DEFAULT;\n"
			 "ALTER TABLE \"Post\" ALTER COLUMN \"status\" TYPE \"Status_new\" USING (\"status\"::text::\"Status_new\");\n"
			 "ALTER TABLE \"Page\" ALTER COLUMN \"status\" TYPE \"Status_new\" USING (\"status\"::text::\"Status_new\");\n"
			 "ALTER TYPE \"Status\" RENAME TO \"Status_old\";\n"
			 "ALTER TYPE \"Status_new\" RENAME TO \"Status\";\n"
			 "DROP TYPE \"Status_old\";", 1},
			{GK_EXAMPLE_OK, 0, 0, "a type and table created in the same change hold no rows",
			 "CREATE TYPE \"Status\" AS ENUM ('draft', 'live', 'archived');\n"
			 "CREATE TABLE \"Post\" (id int, status \"Status\");\n"
			 "CREATE TYPE \"Status_new\" AS ENUM ('draft', 'live');\n"
			 "ALTER TABLE \"Post\" ALTER COLUMN \"status\" TYPE \"Status_new\" USING (\"status\"::text::\"Status_new\");\n"
			 "ALTER TYPE \"Status\" RENAME TO \"Status_old\";\n"
			 "ALTER TYPE \"Status_new\" RENAME TO \"Status\";\n"
			 "DROP TYPE \"Status_old\";"},
			{GK_EXAMPLE_OK, 0, 0, "a plain new enum type is no recreation",
			 "CREATE TYPE \"Status_new\" AS ENUM ('draft', 'live');\n"
			 "ALTER TABLE \"Post\" ADD COLUMN \"state\" \"Status_new\";"},
		},
	},
	.check = check,
};
