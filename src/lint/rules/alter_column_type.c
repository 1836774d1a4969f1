/*
 * alter-column-type: ALTER TABLE ... ALTER COLUMN ... TYPE on an existing
 * table that rewrites it.
 *
 * ALTER COLUMN TYPE always takes an ACCESS EXCLUSIVE lock (no reads, no
 * writes).  When the stored bytes stay valid PostgreSQL only changes the
 * catalog and the lock is brief; otherwise it rewrites every row and
 * rebuilds every index of the table while holding the lock, for as long as
 * the table is big.  The changes that are metadata-only (PostgreSQL 9.2+,
 * checked on 15 by watching pg_class.relfilenode) are widenings:
 * varchar(n) to varchar(m >= n), varchar or text; text to varchar;
 * numeric(p,s) to numeric(q >= p, s) or numeric; varbit(n) to varbit(m >= n)
 * or varbit; timestamp/time precision increases.  timestamp <-> timestamptz
 * is metadata-only from PostgreSQL 12 but only when the session TimeZone
 * has offset zero (UTC).  char(n) changes, arrays of any of these, integer
 * widenings and a USING expression other than the bare column all rewrite.
 * The old type comes from the schema model; when it is unknown the change
 * is reported as possibly rewriting.  Tables created in the same change are
 * empty and exempt.
 */
#include "../lint_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A type as gk_type_text prints it, e.g. "numeric(10,2)" or "varchar(20)[]". */
typedef struct ptype {
	char base[64];
	long mod[2];
	size_t n_mod;
	bool array;
} ptype;

static void parse_type(const char *text, ptype *t)
{
	memset(t, 0, sizeof *t);
	size_t n = strcspn(text, "([");
	if (n >= sizeof t->base)
		n = sizeof t->base - 1;
	memcpy(t->base, text, n);
	const char *p = text + n;
	if (*p == '(')
		while (t->n_mod < 2 && *p && *p != ')') {
			char *end;
			t->mod[t->n_mod++] = strtol(p + 1, &end, 10);
			p = end;
		}
	t->array = strstr(text, "[]") != NULL;
}

static bool is_base(const ptype *t, const char *base) { return strcmp(t->base, base) == 0; }

/* Precision-like typmod: new unconstrained, or at least the old one. */
static bool mod_widens(const ptype *from, const ptype *to)
{
	return to->n_mod == 0 || (from->n_mod > 0 && to->mod[0] >= from->mod[0]);
}

static bool numeric_widens(const ptype *from, const ptype *to)
{
	if (to->n_mod == 0)
		return true;
	long from_scale = from->n_mod > 1 ? from->mod[1] : 0, to_scale = to->n_mod > 1 ? to->mod[1] : 0;
	return from->n_mod > 0 && to_scale == from_scale && to->mod[0] >= from->mod[0];
}

static bool string_widens(const ptype *from, const ptype *to)
{
	bool from_var = is_base(from, "varchar"), from_text = is_base(from, "text");
	if (is_base(to, "text"))
		return from_var || from_text;
	if (!is_base(to, "varchar"))
		return false;
	return to->n_mod == 0 ? from_var || from_text : from_var && mod_widens(from, to);
}

/* True when changing `from` to `to` only changes the catalog (any version >= 9.2). */
static bool metadata_only(const ptype *from, const ptype *to)
{
	static const char *const precision_types[] = {"timestamp", "timestamptz", "time", "timetz", "varbit"};
	if (from->array || to->array)
		return false; /* array coercions always rewrite, even varchar(n)[] to text[] */
	if (is_base(to, "text") || is_base(to, "varchar"))
		return string_widens(from, to);
	if (is_base(from, "numeric") && is_base(to, "numeric"))
		return numeric_widens(from, to);
	for (size_t i = 0; i < sizeof precision_types / sizeof *precision_types; i++)
		if (is_base(from, precision_types[i]) && is_base(to, precision_types[i]))
			return mod_widens(from, to);
	return false;
}

static bool timestamp_zone_change(const ptype *from, const ptype *to)
{
	return !from->array && !to->array && mod_widens(from, to) &&
	       ((is_base(from, "timestamp") && is_base(to, "timestamptz")) ||
		(is_base(from, "timestamptz") && is_base(to, "timestamp")));
}

/* The type as people write it: "bigint" rather than the catalog's "int8". */
static const char *pretty_type(const char *text, char *buf, size_t size)
{
	static const char *const names[][2] = {
		{"bpchar", "char"}, {"int2", "smallint"}, {"int4", "integer"}, {"int8", "bigint"},
		{"float4", "real"}, {"float8", "double precision"}, {"bool", "boolean"}, {"varbit", "bit varying"},
	};
	size_t n = strcspn(text, "([");
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strlen(names[i][0]) == n && strncmp(text, names[i][0], n) == 0) {
			snprintf(buf, size, "%s%s", names[i][1], text + n);
			return buf;
		}
	snprintf(buf, size, "%s", text);
	return buf;
}

/* ---- session TimeZone ---- */

static bool zero_offset_zone(const char *z)
{
	static const char *const zones[] = {"utc", "etc/utc", "uct", "etc/uct", "gmt", "etc/gmt", "gmt0", "etc/gmt0",
					    "universal", "etc/universal", "zulu", "etc/zulu", "z", "greenwich"};
	for (size_t i = 0; i < sizeof zones / sizeof *zones; i++)
		if (strcasecmp(z, zones[i]) == 0)
			return true;
	return false;
}

/*
 * Whether the file itself set a zero-offset TimeZone before statement `s`
 * (the last SET TIME ZONE / SET timezone wins; RESET makes it unknown).
 */
static bool file_sets_utc(const gk_lint *l, const gk_stmt *s)
{
	for (int i = s->index - 1; i >= 0; i--) {
		const PgQuery__Node *n = l->stmts[i].node;
		if (n->node_case != PG_QUERY__NODE__NODE_VARIABLE_SET_STMT)
			continue;
		const PgQuery__VariableSetStmt *vs = n->variable_set_stmt;
		if (vs->kind == PG_QUERY__VARIABLE_SET_KIND__VAR_RESET_ALL)
			return false;
		if (!vs->name || strcmp(vs->name, "timezone") != 0)
			continue;
		if (vs->kind != PG_QUERY__VARIABLE_SET_KIND__VAR_SET_VALUE || vs->n_args != 1 ||
		    vs->args[0]->node_case != PG_QUERY__NODE__NODE_A_CONST)
			return false;
		const PgQuery__AConst *c = vs->args[0]->a_const;
		if (c->val_case == PG_QUERY__A__CONST__VAL_IVAL)
			return c->ival->ival == 0;
		return c->val_case == PG_QUERY__A__CONST__VAL_SVAL && zero_offset_zone(c->sval->sval);
	}
	return false;
}

/* ---- the rule ---- */

static const char help_rewrite[] =
	"Expand and contract: add a new column of the new type, keep it in sync with a trigger, backfill it in "
	"batches, switch the application over, then drop the old column. Or, for a varchar limit, use a CHECK "
	"(length(col) <= n) NOT VALID constraint and VALIDATE it.";
static const char help_unknown[] =
	"gatekeeper only knows the old type of columns defined in the linted files. These changes are "
	"metadata-only: varchar(n) to varchar(m >= n), varchar or text; text to varchar; numeric(p,s) to "
	"numeric(q >= p, s) or numeric; varbit(n) to varbit(m >= n); timestamp/time precision increases; "
	"timestamp to timestamptz on PostgreSQL 12+ when the session TimeZone is UTC. Anything else rewrites: "
	"use expand and contract (new column, trigger, batched backfill, switch, drop the old one).";
static const char help_timezone[] =
	"Run `SET TIME ZONE 'UTC';` earlier in the same migration (the conversion then keeps the stored values "
	"and PostgreSQL 12+ skips the rewrite), and check that the existing values really are UTC.";

static bool using_is_column(const PgQuery__Node *e, const char *col)
{
	if (!e || e->node_case != PG_QUERY__NODE__NODE_COLUMN_REF || !e->column_ref->n_fields)
		return false;
	const PgQuery__ColumnRef *cr = e->column_ref;
	const char *last = gk_node_str(cr->fields[cr->n_fields - 1]);
	return last && strcmp(last, col) == 0;
}

static void known_type_change(gk_lint *l, const gk_stmt *s, const char *table, const char *col, const char *from_type,
			      const char *to_type, int loc)
{
	ptype from, to;
	parse_type(from_type, &from);
	parse_type(to_type, &to);
	if (strcmp(from_type, to_type) == 0 || metadata_only(&from, &to))
		return;
	char from_buf[160], to_buf[160];
	const char *from_text = pretty_type(from_type, from_buf, sizeof from_buf);
	const char *to_text = pretty_type(to_type, to_buf, sizeof to_buf);
	if (!timestamp_zone_change(&from, &to)) {
		gk_lint_report(l, s, loc, help_rewrite,
			       "ALTER COLUMN %s TYPE %s on existing table %s (was %s) rewrites the table and rebuilds its "
			       "indexes under an %s lock",
			       col, to_text, table, from_text, gk_stmt_lock_name(s->node, gk_lint_pg(l)));
	} else if (gk_lint_pg(l) < 12) {
		gk_lint_report(l, s, loc, help_rewrite,
			       "ALTER COLUMN %s TYPE %s on existing table %s (was %s) rewrites the table under an %s "
			       "lock on PostgreSQL %d (from 12 it can be metadata-only in a UTC session)",
			       col, to_text, table, from_text, gk_stmt_lock_name(s->node, gk_lint_pg(l)), gk_lint_pg(l));
	} else if (!file_sets_utc(l, s)) {
		gk_lint_report(l, s, loc, help_timezone,
			       "ALTER COLUMN %s TYPE %s on existing table %s (was %s) is safe only if the session TimeZone "
			       "is UTC; otherwise the table is rewritten under an %s lock",
			       col, to_text, table, from_text, gk_stmt_lock_name(s->node, gk_lint_pg(l)));
	}
}

static void check_cmd(gk_lint *l, const gk_stmt *s, const PgQuery__AlterTableStmt *as, const PgQuery__AlterTableCmd *c)
{
	if (c->subtype != PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType || !c->name || !c->def ||
	    c->def->node_case != PG_QUERY__NODE__NODE_COLUMN_DEF || !c->def->column_def->type_name)
		return;
	const PgQuery__ColumnDef *cd = c->def->column_def;
	char table[256], to[128], shown[160];
	gk_rv_name(as->relation, table, sizeof table);
	gk_type_text(cd->type_name, to, sizeof to);
	pretty_type(to, shown, sizeof shown);
	int loc = cd->type_name->location;
	if (cd->raw_default && !using_is_column(cd->raw_default, c->name)) {
		gk_lint_report(l, s, loc, help_rewrite,
			       "ALTER COLUMN %s TYPE %s USING ... on existing table %s rewrites the table and rebuilds its "
			       "indexes under an %s lock",
			       c->name, shown, table, gk_stmt_lock_name(s->node, gk_lint_pg(l)));
		return;
	}
	const gk_rel *rel = gk_state_find(l->state, as->relation->schemaname, as->relation->relname);
	const gk_column *col = gk_rel_column(rel, c->name);
	if (col && col->type)
		known_type_change(l, s, table, c->name, col->type, to, loc);
	else
		gk_lint_report(l, s, loc, help_unknown,
			       "ALTER COLUMN %s TYPE %s on existing table %s: the old type is unknown, so this may rewrite "
			       "the table and rebuild its indexes under an %s lock",
			       c->name, shown, table, gk_stmt_lock_name(s->node, gk_lint_pg(l)));
}

static void check(gk_lint *l, const gk_stmt *s)
{
	const PgQuery__AlterTableStmt *as = gk_lint_alter_existing(l, s);
	for (size_t i = 0; as && i < as->n_cmds; i++)
		if (gk_alter_cmd(as, i))
			check_cmd(l, s, as, gk_alter_cmd(as, i));
}

const gk_rule gk_rule_alter_column_type = {
	.info = {
		.id = "alter-column-type",
		.category = GK_CAT_LOCKING,
		.severity = GK_SEV_ERROR,
		.summary = "ALTER COLUMN ... TYPE that rewrites an existing table",
		.why = "Changing a column's type holds an ACCESS EXCLUSIVE lock (no reads, no writes). Unless the new "
		       "type is a binary-compatible widening, PostgreSQL rewrites every row and rebuilds every index "
		       "of the table while holding it, for minutes or hours on a large table. Application code that "
		       "still expects the old type may also break.",
		.help = help_rewrite,
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, "the old type is unknown here, so the change may rewrite",
			 "ALTER TABLE users ALTER COLUMN id TYPE bigint;"},
			{GK_EXAMPLE_BAD, 0, 0, "narrowing a varchar rewrites",
			 "ALTER TABLE users ADD COLUMN nick varchar(40);\nALTER TABLE users ALTER COLUMN nick TYPE varchar(20);"},
			{GK_EXAMPLE_BAD, 0, 0, "char(n) is not a safe widening",
			 "ALTER TABLE users ADD COLUMN cc char(2);\nALTER TABLE users ALTER COLUMN cc TYPE char(3);"},
			{GK_EXAMPLE_BAD, 0, 0, "a USING expression rewrites, whatever the types",
			 "ALTER TABLE users ADD COLUMN age text;\nALTER TABLE users ALTER COLUMN age TYPE text USING trim(age);"},
			{GK_EXAMPLE_BAD, 0, 0, "timestamp to timestamptz is safe only in a UTC session",
			 "ALTER TABLE users ADD COLUMN seen timestamp;\nALTER TABLE users ALTER COLUMN seen TYPE timestamptz;"},
			{GK_EXAMPLE_BAD, 11, 0, "before PostgreSQL 12 it rewrites even in a UTC session",
			 "SET TIME ZONE 'UTC';\nALTER TABLE users ADD COLUMN seen timestamp;\n"
			 "ALTER TABLE users ALTER COLUMN seen TYPE timestamptz;"},
			{GK_EXAMPLE_OK, 0, 0, "widenings are metadata-only; a table created in the same migration is exempt",
			 "ALTER TABLE users ADD COLUMN nick varchar(20), ADD COLUMN bal numeric(10,2), ADD COLUMN bio varchar(100);\n"
			 "ALTER TABLE users ALTER COLUMN nick TYPE varchar(40), ALTER COLUMN bal TYPE numeric(12,2),\n"
			 "  ALTER COLUMN bio TYPE text USING bio;\n"
			 "CREATE TABLE audit (id int);\nALTER TABLE audit ALTER COLUMN id TYPE bigint;"},
			{GK_EXAMPLE_OK, 0, 0, "timestamp to timestamptz after SET TIME ZONE 'UTC' (PostgreSQL 12+)",
			 "SET TIME ZONE 'UTC';\nALTER TABLE users ADD COLUMN seen timestamp;\n"
			 "ALTER TABLE users ALTER COLUMN seen TYPE timestamptz;"},
		},
	},
	.check = check,
};
