/*
 * Column type hygiene: prefer-bigint, prefer-identity, prefer-text,
 * prefer-timestamptz, prefer-jsonb.
 *
 * These rules take no lock of their own: they judge the type a column is
 * declared with, because changing it later is what hurts.  Changing a
 * column's type (int -> bigint, timestamp -> timestamptz, json -> jsonb,
 * char(n) -> text) rewrites the table and its indexes under an ACCESS
 * EXCLUSIVE lock held for the whole rewrite, so the cheap moment to choose
 * well is when the column is created.  They apply to tables created in the
 * change too: that is exactly where the choice is made.
 *
 * Columns are declared in CREATE TABLE, ALTER TABLE ... ADD COLUMN and
 * ALTER TABLE ... ALTER COLUMN ... TYPE.  Identity columns exist from
 * PostgreSQL 10; before that serial is the only choice, so prefer-identity
 * is silent there.
 */
#include "lint/lint_internal.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One column declaration found in a statement. */
typedef struct coldecl {
	const PgQuery__RangeVar *rel;
	const char *col;
	const PgQuery__TypeName *type;
	const PgQuery__ColumnDef *def;        /* NULL for ALTER COLUMN ... TYPE */
	const PgQuery__CreateStmt *create;    /* the CREATE TABLE it is in, or NULL */
	/* The CREATE TABLE's table constraints (a table may have thousands of
	 * columns and few of these); NULL = look through create's elements. */
	PgQuery__Constraint *const *cons;
	size_t n_cons;
} coldecl;

typedef void (*col_fn)(gk_lint *l, const gk_stmt *s, const coldecl *c);

static void each_alter_column(gk_lint *l, const gk_stmt *s, const PgQuery__AlterTableStmt *as, col_fn fn)
{
	if (as->objtype != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE)
		return;
	for (size_t i = 0; i < as->n_cmds; i++) {
		if (as->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		const PgQuery__AlterTableCmd *c = as->cmds[i]->alter_table_cmd;
		if (!c->def || c->def->node_case != PG_QUERY__NODE__NODE_COLUMN_DEF)
			continue;
		const PgQuery__ColumnDef *cd = c->def->column_def;
		if (c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn && cd->colname && cd->type_name)
			fn(l, s, &(coldecl){as->relation, cd->colname, cd->type_name, cd, NULL, NULL, 0});
		else if (c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType && c->name && cd->type_name)
			fn(l, s, &(coldecl){as->relation, c->name, cd->type_name, NULL, NULL, NULL, 0});
	}
}

/* Call fn for every column the statement declares. */
static void each_column(gk_lint *l, const gk_stmt *s, col_fn fn)
{
	const PgQuery__Node *n = s->node;
	if (n->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_STMT) {
		each_alter_column(l, s, n->alter_table_stmt, fn);
		return;
	}
	if (n->node_case != PG_QUERY__NODE__NODE_CREATE_STMT)
		return;
	const PgQuery__CreateStmt *cs = n->create_stmt;
	PgQuery__Constraint **cons = malloc((cs->n_table_elts ? cs->n_table_elts : 1) * sizeof *cons);
	size_t n_cons = 0;
	for (size_t i = 0; cons && i < cs->n_table_elts; i++)
		if (cs->table_elts[i]->node_case == PG_QUERY__NODE__NODE_CONSTRAINT)
			cons[n_cons++] = cs->table_elts[i]->constraint;
	for (size_t i = 0; i < cs->n_table_elts; i++) {
		const PgQuery__Node *e = cs->table_elts[i];
		if (e->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF && e->column_def->colname && e->column_def->type_name)
			fn(l, s, &(coldecl){cs->relation, e->column_def->colname, e->column_def->type_name, e->column_def, cs,
					    cons, n_cons});
	}
	free(cons);
}

/*
 * The base name of a built-in type, or "" for a user type: a type written
 * with a schema other than pg_catalog (myschema.json) is not the built-in.
 */
static const char *builtin(const PgQuery__TypeName *t)
{
	if (!t || t->n_names == 0 || t->n_names > 2)
		return "";
	if (t->n_names == 2) {
		const char *schema = gk_node_str(t->names[0]);
		if (!schema || strcmp(schema, "pg_catalog") != 0)
			return "";
	}
	return gk_type_base(t);
}

static bool is_one_of(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

static const char *const serial_types[] = {"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2", NULL};

/* "orders.user_id" for messages. */
static const char *col_name(const coldecl *c, char *buf, size_t size)
{
	char rel[256];
	snprintf(buf, size, "%s.%s", gk_rv_name(c->rel, rel, sizeof rel), c->col);
	return buf;
}

/* ================= prefer-bigint ================= */

/*
 * Which columns are keys.  A 4-byte integer overflows at 2,147,483,647;
 * ids only grow, and by the time one overflows its table is big, so the fix
 * (a rewrite of the table and of every referencing table) is at its most
 * expensive.  Counters and quantities are not flagged: their range is a
 * property of the domain, not of the table's age.  A column is a key when
 * it is (part of) the primary key or a foreign key declared with it, or
 * when its name says it holds an id: `id`, `..._id`, or camelCase `...Id`
 * (Prisma's `userId`).
 */
static bool named_like_id(const char *name)
{
	size_t n = strlen(name);
	if (gk_strcasecmp(name, "id") == 0)
		return true;
	if (n > 3 && gk_strcasecmp(name + n - 3, "_id") == 0)
		return true;
	/* camelCase: a lower-case letter or digit, then "Id" at the end. */
	return n > 2 && strcmp(name + n - 2, "Id") == 0 &&
	       ((name[n - 3] >= 'a' && name[n - 3] <= 'z') || (name[n - 3] >= '0' && name[n - 3] <= '9'));
}

static bool names_contain(PgQuery__Node **names, size_t n, const char *col)
{
	for (size_t i = 0; i < n; i++) {
		const char *s = gk_node_str(names[i]);
		if (s && strcmp(s, col) == 0)
			return true;
	}
	return false;
}

static const char *key_kind(const PgQuery__Constraint *k)
{
	if (k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY)
		return "a primary key";
	if (k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN)
		return "a foreign key";
	return NULL;
}

/* Why the column counts as a key, or NULL when it does not. */
static const char *key_reason(const coldecl *c)
{
	for (size_t i = 0; c->def && i < c->def->n_constraints; i++) {
		const PgQuery__Node *k = c->def->constraints[i];
		if (k->node_case == PG_QUERY__NODE__NODE_CONSTRAINT && key_kind(k->constraint))
			return key_kind(k->constraint);
	}
	size_t n = c->cons ? c->n_cons : c->create ? c->create->n_table_elts : 0;
	for (size_t i = 0; i < n; i++) {
		const PgQuery__Node *e = c->cons ? NULL : c->create->table_elts[i];
		if (e && e->node_case != PG_QUERY__NODE__NODE_CONSTRAINT)
			continue;
		const PgQuery__Constraint *k = e ? e->constraint : c->cons[i];
		if ((k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY && names_contain(k->keys, k->n_keys, c->col)) ||
		    (k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN && names_contain(k->fk_attrs, k->n_fk_attrs, c->col)))
			return key_kind(k);
	}
	return named_like_id(c->col) ? "named like an id" : NULL;
}

/* Human name of a 2- or 4-byte integer type, or NULL for other types. */
static const char *small_int_name(const char *base)
{
	static const char *const map[][2] = {
		{"int4", "integer"}, {"int2", "smallint"}, {"serial", "serial"}, {"serial4", "serial"},
		{"smallserial", "smallserial"}, {"serial2", "smallserial"},
	};
	for (size_t i = 0; i < sizeof map / sizeof *map; i++)
		if (strcmp(base, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

/*
 * The key a foreign key column references, when the column is in one: the
 * referenced table and column (the constraint's pk_attrs at the column's
 * place).  NULL when the column is in no foreign key, or references a
 * table's primary key without naming its columns (the model does not
 * record which columns that is).
 */
static const char *referenced_column(const PgQuery__Constraint *k, const char *col, const PgQuery__RangeVar **table)
{
	if (k->contype != PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN || !k->pktable)
		return NULL;
	size_t at = 0;
	if (k->n_fk_attrs) { /* a table constraint: the column's place in FOREIGN KEY (...) */
		while (at < k->n_fk_attrs && !(gk_node_str(k->fk_attrs[at]) && strcmp(gk_node_str(k->fk_attrs[at]), col) == 0))
			at++;
		if (at == k->n_fk_attrs)
			return NULL;
	}
	if (at >= k->n_pk_attrs)
		return NULL;
	*table = k->pktable;
	return gk_node_str(k->pk_attrs[at]);
}

/*
 * The 2- or 4-byte integer type of the key that column `col` references,
 * as the model knows it, else NULL; *ref gets "table.column".
 */
static const char *small_int_reference(const gk_lint *l, const PgQuery__Constraint *k, const char *col, char *ref,
				       size_t size)
{
	const PgQuery__RangeVar *t = NULL;
	const char *pkcol = referenced_column(k, col, &t);
	const gk_rel *r = pkcol ? gk_state_find(l->state, t->schemaname, t->relname) : NULL;
	const gk_column *c = r ? gk_rel_column(r, pkcol) : NULL;
	const char *type = c && c->type ? small_int_name(c->type) : NULL;
	if (type) {
		char rel[256];
		snprintf(ref, size, "%s.%s", gk_rv_name(t, rel, sizeof rel), pkcol);
	}
	return type;
}

/* The foreign key constraints a declared column is in: its own, then the table's. */
static const char *declared_reference(const gk_lint *l, const coldecl *c, char *ref, size_t size)
{
	for (size_t i = 0; c->def && i < c->def->n_constraints; i++) {
		const PgQuery__Node *k = c->def->constraints[i];
		const char *type = k->node_case == PG_QUERY__NODE__NODE_CONSTRAINT
					   ? small_int_reference(l, k->constraint, c->col, ref, size) : NULL;
		if (type)
			return type;
	}
	size_t n = c->cons ? c->n_cons : c->create ? c->create->n_table_elts : 0;
	for (size_t i = 0; i < n; i++) {
		const PgQuery__Node *e = c->cons ? NULL : c->create->table_elts[i];
		if (e && e->node_case != PG_QUERY__NODE__NODE_CONSTRAINT)
			continue;
		const char *type = small_int_reference(l, e ? e->constraint : c->cons[i], c->col, ref, size);
		if (type)
			return type;
	}
	return NULL;
}

static const char help_int_reference[] =
	"Widen the referenced key to bigint together with every foreign key that references it, in one planned "
	"change (each widening rewrites its table), or keep both: widening this column alone gains nothing, since "
	"it can only hold values of the key it references. `prefer_bigint_int_reference: quiet` in gatekeeper.yml "
	"silences these findings.";

/*
 * A foreign key to a 2- or 4-byte key: report that the key must widen too,
 * or nothing (prefer_bigint_int_reference: quiet).  False when the column
 * references no such key, so the ordinary finding applies.
 */
static bool report_int_reference(gk_lint *l, const gk_stmt *s, int loc, const char *col, const char *type,
				 const char *ref, const char *ref_type)
{
	if (!ref_type)
		return false;
	if (!l->opts->bigint_int_reference_quiet)
		gk_lint_report(l, s, loc, help_int_reference,
			       "column %s is %s and a foreign key to %s, which is %s too: ids only grow, and widening "
			       "the column alone gains nothing; %s must become bigint as well",
			       col, type, ref, ref_type, ref);
	return true;
}

static const char *bigint_help(const gk_lint *l)
{
	if (gk_lint_pg(l) < 10)
		return "Use bigint for keys (bigserial for generated ids), and bigint for the foreign keys that reference them.";
	return NULL;
}

static void bigint_column(gk_lint *l, const gk_stmt *s, const coldecl *c)
{
	const char *type = small_int_name(builtin(c->type));
	const char *why = type && c->type->n_array_bounds == 0 ? key_reason(c) : NULL;
	if (!why)
		return;
	char col[400], ref[300];
	const char *ref_type = declared_reference(l, c, ref, sizeof ref);
	if (report_int_reference(l, s, c->type->location, col_name(c, col, sizeof col), type, ref, ref_type))
		return;
	/* Declared without a foreign key that an ALTER TABLE later in the file
	 * adds (Prisma's order): judged there, once the model knows both tables. */
	if (c->def && strcmp(why, "a foreign key") != 0 && (c->create || gk_state_find(l->state, c->rel->schemaname,
										       c->rel->relname)) &&
	    gk_lint_later_foreign_key(l, s, c->rel, c->col))
		return;
	gk_lint_report(l, s, c->type->location, bigint_help(l),
		       "column %s is %s (%s, at most %s) and is %s; ids only grow, use bigint",
		       col_name(c, col, sizeof col), type, strstr(type, "small") ? "2 bytes" : "4 bytes",
		       strstr(type, "small") ? "32767" : "2147483647", why);
}

/*
 * ALTER TABLE ... ADD PRIMARY KEY / FOREIGN KEY on a table created in this
 * change (Prisma adds its foreign keys this way, after the CREATE TABLEs):
 * the key columns were declared in this change, the model knows their
 * types, and those of the referenced key.  Columns named like ids declared
 * in another file were reported there; one declared earlier in this file
 * is judged here.
 */
static void bigint_added_key(gk_lint *l, const gk_stmt *s, const PgQuery__RangeVar *rv, const PgQuery__Constraint *k)
{
	const gk_rel *r = rv ? gk_state_find(l->state, rv->schemaname, rv->relname) : NULL;
	bool pk = k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY;
	PgQuery__Node **cols = pk ? k->keys : k->fk_attrs;
	size_t n = pk ? k->n_keys : k->n_fk_attrs;
	for (size_t i = 0; r && key_kind(k) && i < n; i++) {
		const char *name = gk_node_str(cols[i]);
		const gk_column *c = name ? gk_rel_column(r, name) : NULL;
		const char *type = c && c->type ? small_int_name(c->type) : NULL;
		/* A column declared earlier in this file was left to this statement;
		 * one named like an id declared elsewhere was reported there. */
		bool left_here = !pk && gk_lint_foreign_key_of_earlier_column(l, s, rv, name);
		if (!type || !(left_here || (gk_state_is_new(l->state, r->change) && !named_like_id(name))))
			continue;
		char rel[256], col[400], ref[300];
		snprintf(col, sizeof col, "%s.%s", gk_rv_name(rv, rel, sizeof rel), name);
		if (report_int_reference(l, s, k->location, col, type, ref, small_int_reference(l, k, name, ref, sizeof ref)))
			continue;
		gk_lint_report(l, s, k->location, bigint_help(l),
			       "column %s is %s and becomes %s here; ids only grow, declare it bigint", col, type,
			       key_kind(k));
	}
}

static void check_bigint(gk_lint *l, const gk_stmt *s)
{
	each_column(l, s, bigint_column);
	if (s->node->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_STMT)
		return;
	const PgQuery__AlterTableStmt *as = s->node->alter_table_stmt;
	for (size_t i = 0; i < as->n_cmds; i++) {
		const PgQuery__Node *c = as->cmds[i];
		if (c->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_CMD &&
		    c->alter_table_cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint && c->alter_table_cmd->def &&
		    c->alter_table_cmd->def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT)
			bigint_added_key(l, s, as->relation, c->alter_table_cmd->def->constraint);
	}
}

const gk_rule gk_rule_prefer_bigint = {
	.info = {
		.id = "prefer-bigint",
		.category = GK_CAT_HYGIENE,
		.severity = GK_SEV_WARNING,
		.summary = "integer or smallint (or serial) used for a primary key, foreign key or id column",
		.why = "A 4-byte integer id runs out at 2,147,483,647 (smallint at 32,767), and inserts then fail. "
		       "Widening it later rewrites the table, its indexes and every referencing table under an ACCESS "
		       "EXCLUSIVE lock, when the table is at its biggest. A column counts as a key when it is in the "
		       "primary key or a foreign key, or is named `id`, `..._id` or `...Id`; plain counters are not flagged, "
		       "nor are arrays (no foreign key can be declared on one). A foreign key to a key that is itself "
		       "integer (when the linted files define it) is reported as such: that key must widen too; "
		       "`prefer_bigint_int_reference: quiet` in gatekeeper.yml silences those.",
		.help = "Declare keys as bigint (bigint GENERATED ALWAYS AS IDENTITY for generated ids) and the foreign "
			"keys that reference them as bigint too. The 4 extra bytes per row are cheap; the conversion is not.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, "Prisma's Int @id @default(autoincrement())",
			 "CREATE TABLE \"User\" (\n  \"id\" SERIAL NOT NULL,\n  CONSTRAINT \"User_pkey\" PRIMARY KEY (\"id\")\n);"},
			{GK_EXAMPLE_BAD, 0, 0, "a foreign key column added to an existing table",
			 "ALTER TABLE orders ADD COLUMN customer integer REFERENCES customers (id);"},
			{GK_EXAMPLE_BAD, 0, 0, "named like an id, camelCase too", "CREATE TABLE posts (\"authorId\" int NOT NULL);"},
			{GK_EXAMPLE_BAD, 0, 0, "becomes a key in a later ALTER TABLE",
			 "CREATE TABLE posts (author int4 NOT NULL);\n"
			 "ALTER TABLE posts ADD CONSTRAINT posts_author_fkey FOREIGN KEY (author) REFERENCES users (id);"},
			{GK_EXAMPLE_BAD, 9, 0, "the same on PostgreSQL 9.6 (recipe: bigserial)",
			 "CREATE TABLE users (id serial PRIMARY KEY);"},
			{GK_EXAMPLE_OK, 0, 0, NULL,
			 "CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, org_id bigint REFERENCES orgs);"},
			{GK_EXAMPLE_OK, 0, 0, "counters and words ending in 'id' are not keys",
			 "CREATE TABLE items (quantity integer NOT NULL, paid smallint, valid int, \"void\" int);"},
			{GK_EXAMPLE_BAD, 0, 0, "a foreign key to an integer key: that key must widen too",
			 "CREATE TABLE users (id int PRIMARY KEY);\nCREATE TABLE orders (user_id int REFERENCES users (id));", 2},
			{GK_EXAMPLE_BAD, 0, 0, "Prisma's order: the foreign key is added after the tables, judged there",
			 "CREATE TABLE \"Post\" (\"authorId\" INTEGER NOT NULL);\n"
			 "CREATE TABLE \"User\" (\"id\" BIGINT NOT NULL, CONSTRAINT \"User_pkey\" PRIMARY KEY (\"id\"));\n"
			 "ALTER TABLE \"Post\" ADD CONSTRAINT \"Post_authorId_fkey\" FOREIGN KEY (\"authorId\") "
			 "REFERENCES \"User\"(\"id\");", 1},
			{GK_EXAMPLE_OK, 0, 0, "an array of ids is never a key (no foreign key can be declared on it), whatever its name",
			 "ALTER TABLE posts ADD COLUMN tag_id int[];\n"
			 "CREATE TABLE t (ids int[], tag_ids integer[], \"tagIds\" INTEGER[], user_id int4 ARRAY, id int[]);\n"
			 "ALTER TABLE t ADD CONSTRAINT t_ids_fkey FOREIGN KEY (ids) REFERENCES x (id);\n"
			 "ALTER TABLE t ALTER COLUMN tag_ids TYPE int[];"},
		},
	},
	.check = check_bigint,
};

/* ================= prefer-identity ================= */

static void identity_column(gk_lint *l, const gk_stmt *s, const coldecl *c)
{
	const char *base = builtin(c->type);
	if (!c->def || !is_one_of(base, serial_types))
		return;
	char col[400];
	gk_lint_report(l, s, c->type->location, NULL,
		       "column %s is %s, a legacy shorthand for a separately owned sequence; use GENERATED ALWAYS AS IDENTITY",
		       col_name(c, col, sizeof col), base);
}

/* Identity columns arrived in PostgreSQL 10: before it serial is right
 * (the rule's pg_min). */
static void check_identity(gk_lint *l, const gk_stmt *s) { each_column(l, s, identity_column); }

const gk_rule gk_rule_prefer_identity = {
	.info = {
		.id = "prefer-identity",
		.category = GK_CAT_HYGIENE,
		.severity = GK_SEV_WARNING,
		.pg_min = 10,
		.summary = "serial / bigserial / smallserial column instead of an identity column (PostgreSQL 10+)",
		.why = "serial is a macro: it creates a sequence, a DEFAULT nextval() and an OWNED BY link. The sequence "
		       "needs its own GRANTs, CREATE TABLE ... LIKE copies the default so two tables share one sequence, "
		       "and an INSERT with an explicit id silently leaves the sequence behind until inserts collide. "
		       "An identity column (SQL standard, PostgreSQL 10+) is part of the column; GENERATED ALWAYS rejects "
		       "explicit ids unless OVERRIDING SYSTEM VALUE is given.",
		.help = "Write `id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY` (or BY DEFAULT if code inserts ids). "
			"Prisma emits SERIAL for @default(autoincrement()); edit the generated SQL or suppress with a reason.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "CREATE TABLE users (id bigserial PRIMARY KEY);"},
			{GK_EXAMPLE_BAD, 0, 0, "Prisma's autoincrement()", "CREATE TABLE \"Post\" (\"id\" SERIAL NOT NULL);"},
			{GK_EXAMPLE_BAD, 10, 0, "PostgreSQL 10 has identity columns", "ALTER TABLE events ADD COLUMN seq smallserial;"},
			{GK_EXAMPLE_OK, 0, 0, NULL, "CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);"},
			{GK_EXAMPLE_OK, 9, 0, "PostgreSQL 9.6 has no identity columns", "CREATE TABLE users (id bigserial PRIMARY KEY);"},
			{GK_EXAMPLE_OK, 0, 0, "a type of that name in another schema is not the macro",
			 "CREATE TABLE t (n myschema.serial);"},
		},
	},
	.check = check_identity,
};

/* ================= prefer-text ================= */

static void text_column(gk_lint *l, const gk_stmt *s, const coldecl *c)
{
	const char *base = builtin(c->type);
	long n = gk_type_mod(c->type, 0);
	bool varchar = strcmp(base, "varchar") == 0 && n > 0;
	if (!varchar && strcmp(base, "bpchar") != 0)
		return;
	char col[400], help[600];
	col_name(c, col, sizeof col);
	if (n > 0)
		snprintf(help, sizeof help, "Use text; if the length limit matters, add CHECK (length(%s) <= %ld), which "
			 "can later be replaced with NOT VALID + VALIDATE without blocking writes.", c->col, n);
	else
		snprintf(help, sizeof help, "Use text.");
	if (varchar)
		gk_lint_report(l, s, c->type->location, help,
			       "column %s is varchar(%ld): changing the limit later locks the table (%s), and lowering it "
			       "rewrites the table",
			       col, n, gk_lockmode_name(GK_LOCK_ACCESS_EXCLUSIVE));
	else if (n > 0)
		gk_lint_report(l, s, c->type->location, help,
			       "column %s is char(%ld): values are blank-padded to the length, and changing it rewrites the table",
			       col, n);
	else
		gk_lint_report(l, s, c->type->location, help,
			       "column %s is bpchar: trailing blanks are dropped from comparisons and lost on casts to text", col);
}

static void check_text(gk_lint *l, const gk_stmt *s) { each_column(l, s, text_column); }

const gk_rule gk_rule_prefer_text = {
	.info = {
		.id = "prefer-text",
		.category = GK_CAT_HYGIENE,
		.severity = GK_SEV_INFO,
		.summary = "varchar(n) or char(n) column instead of text",
		.why = "In PostgreSQL varchar(n) is text with a length check and no speed benefit. Raising the limit "
		       "later takes an ACCESS EXCLUSIVE lock (brief, no rewrite); lowering it, or any change of char(n), "
		       "rewrites the table and its indexes under that lock. char(n) pads values with spaces, which then "
		       "compare and concatenate surprisingly. Prisma emits VARCHAR(n) for @db.VarChar(n), so this is "
		       "advice, not an error.",
		.help = "Use text, with CHECK (length(col) <= n) when the limit is a real rule; a CHECK can be swapped "
			"for another with ADD CONSTRAINT ... NOT VALID and VALIDATE CONSTRAINT, which do not block writes.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "CREATE TABLE users (email varchar(255) NOT NULL);"},
			{GK_EXAMPLE_BAD, 0, 0, "Prisma's @db.VarChar(n)", "ALTER TABLE \"User\" ADD COLUMN \"name\" VARCHAR(100);"},
			{GK_EXAMPLE_BAD, 0, 0, "char(n) and character(n)", "CREATE TABLE countries (code character(2) PRIMARY KEY);"},
			{GK_EXAMPLE_BAD, 0, 0, "plain char means char(1)", "CREATE TABLE flags (f char);"},
			{GK_EXAMPLE_OK, 0, 0, NULL, "CREATE TABLE users (email text NOT NULL CHECK (length(email) <= 255));"},
			{GK_EXAMPLE_OK, 0, 0, "varchar without a length has no limit to change", "CREATE TABLE notes (body varchar);"},
			{GK_EXAMPLE_OK, 0, 0, "\"char\" (quoted) is the internal one-byte type, not char(n)",
			 "CREATE TABLE t (kind \"char\");"},
		},
	},
	.check = check_text,
};

/* ================= prefer-timestamptz ================= */

static void timestamptz_column(gk_lint *l, const gk_stmt *s, const coldecl *c)
{
	if (strcmp(builtin(c->type), "timestamp") != 0)
		return;
	char col[400], type[64];
	gk_lint_report(l, s, c->type->location, NULL,
		       "column %s is %s without time zone: it stores no offset, so values depend on the writer's time zone",
		       col_name(c, col, sizeof col), gk_type_text(c->type, type, sizeof type));
}

static void check_timestamptz(gk_lint *l, const gk_stmt *s) { each_column(l, s, timestamptz_column); }

const gk_rule gk_rule_prefer_timestamptz = {
	.info = {
		.id = "prefer-timestamptz",
		.category = GK_CAT_HYGIENE,
		.severity = GK_SEV_WARNING,
		.summary = "timestamp without time zone column",
		.why = "timestamp stores a wall-clock reading with no zone: the same instant written from servers or "
		       "sessions in different zones gives different values, and comparing with now() (a timestamptz) "
		       "converts with the session's TimeZone. timestamptz stores an absolute instant in the same 8 bytes. "
		       "Converting later rewrites the table under ACCESS EXCLUSIVE. Prisma's DateTime becomes TIMESTAMP(3), "
		       "so Prisma schemas trigger this on purpose.",
		.help = "Use timestamptz (timestamp with time zone); in Prisma, annotate DateTime fields with @db.Timestamptz(3).",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, "Prisma's DateTime",
			 "CREATE TABLE \"User\" (\"createdAt\" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP);"},
			{GK_EXAMPLE_BAD, 0, 0, NULL, "ALTER TABLE events ADD COLUMN happened_at timestamp without time zone;"},
			{GK_EXAMPLE_BAD, 0, 0, "changing a column to timestamp", "ALTER TABLE events ALTER COLUMN at TYPE timestamp;"},
			{GK_EXAMPLE_OK, 0, 0, NULL, "CREATE TABLE events (happened_at timestamptz NOT NULL DEFAULT now());"},
			{GK_EXAMPLE_OK, 0, 0, "spelled out", "CREATE TABLE events (happened_at timestamp(3) with time zone);"},
			{GK_EXAMPLE_OK, 0, 0, "dates and times of day are other types", "CREATE TABLE shifts (day date, starts time);"},
		},
	},
	.check = check_timestamptz,
};

/* ================= prefer-jsonb ================= */

static void jsonb_column(gk_lint *l, const gk_stmt *s, const coldecl *c)
{
	if (strcmp(builtin(c->type), "json") != 0)
		return;
	char col[400];
	gk_lint_report(l, s, c->type->location, NULL,
		       "column %s is json%s: stored as text, reparsed on every access, with no equality operator or GIN index",
		       col_name(c, col, sizeof col), c->type->n_array_bounds ? "[]" : "");
}

static void check_jsonb(gk_lint *l, const gk_stmt *s) { each_column(l, s, jsonb_column); }

const gk_rule gk_rule_prefer_jsonb = {
	.info = {
		.id = "prefer-jsonb",
		.category = GK_CAT_HYGIENE,
		.severity = GK_SEV_WARNING,
		.summary = "json column instead of jsonb",
		.why = "json keeps the input text: every ->, ->> or containment test parses it again. It has no equality "
		       "operator, so DISTINCT, GROUP BY, UNION and unique constraints on it fail, and it cannot have a GIN "
		       "index. jsonb is parsed once. Converting later rewrites the table under ACCESS EXCLUSIVE.",
		.help = "Use jsonb. Keep json only when the exact input text (key order, duplicate keys, whitespace) must be preserved.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "CREATE TABLE events (payload json NOT NULL);"},
			{GK_EXAMPLE_BAD, 0, 0, "added later, or as an array", "ALTER TABLE events ADD COLUMN extra json[];"},
			{GK_EXAMPLE_OK, 0, 0, NULL, "CREATE TABLE events (payload jsonb NOT NULL);"},
			{GK_EXAMPLE_OK, 0, 0, "casting to json in a query is not a column",
			 "UPDATE events SET note = payload::json->>'note' WHERE id = 1;"},
		},
	},
	.check = check_jsonb,
};
