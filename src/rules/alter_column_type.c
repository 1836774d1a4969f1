/*
 * alter-column-type: ALTER TABLE ... ALTER COLUMN ... TYPE on an existing
 * table that rewrites it.
 *
 * ALTER COLUMN TYPE always takes an ACCESS EXCLUSIVE lock (no reads, no
 * writes).  When the stored bytes stay valid PostgreSQL only changes the
 * catalog and the lock is brief; otherwise it rewrites every row and
 * rebuilds every index of the table while holding the lock, for as long as
 * the table is big.
 *
 * PostgreSQL decides it in ATColumnChangeRequiresRewrite, on the planned
 * conversion expression: the change is metadata-only when nothing but
 * binary relabelling is left of it.  Casts that are binary (varchar <->
 * text, cidr -> inet) relabel; a length coercion to the new typmod is
 * simplified away by the type's support function when it cannot fail or
 * change a value (varchar_support, numeric_support, varbit_support,
 * TemporalSimplify):
 *   varchar(n) -> varchar(m >= n), varchar or text; text -> varchar;
 *   numeric(p,s) -> numeric(q >= p, s) or numeric;
 *   varbit(n) -> varbit(m >= n) or varbit;
 *   timestamp, timestamptz, time, timetz: to no precision, to the maximum
 *   precision 6 (even from none: timestamp -> timestamp(6)), or from (p)
 *   to (q >= p); interval(p) -> interval.
 * timestamp <-> timestamptz is a function call that PostgreSQL 12+ skips
 * only when the session TimeZone has a fixed offset of zero (UTC), and
 * only when no precision coercion follows it: the cast's result has no
 * typmod, so `timestamp(3) -> timestamptz(3)` (Prisma's pair) keeps a
 * coercion to (3) and rewrites even in a UTC session, where `timestamptz`
 * and `timestamptz(6)` do not.  char(n) changes, arrays of any of these
 * (an array coercion is never simplified), integer widenings and a USING
 * expression other than the bare column (or the column cast to the new
 * type) all rewrite.  Every pair above was
 * checked on PostgreSQL 15 by watching pg_class.relfilenode.
 *
 * The old type comes from the schema model.  When it is unknown (a file
 * linted without the migrations that created the column) the finding says
 * so and is a warning, not an error asserting a rewrite.  Tables created in
 * the same change are empty and exempt.
 */
#include "lint/lint_internal.h"

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

/* Date/time types whose typmod is a fractional-second precision, at most 6. */
static bool is_temporal(const char *base)
{
	return strcmp(base, "timestamp") == 0 || strcmp(base, "timestamptz") == 0 || strcmp(base, "time") == 0 ||
	       strcmp(base, "timetz") == 0;
}

#define MAX_TEMPORAL_PRECISION 6 /* MAX_TIMESTAMP_PRECISION, MAX_TIME_PRECISION */

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
	/* PostgreSQL lowers a larger precision to the maximum (with a warning). */
	if (is_temporal(t->base) && t->n_mod > 0 && t->mod[0] > MAX_TEMPORAL_PRECISION)
		t->mod[0] = MAX_TEMPORAL_PRECISION;
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

/*
 * TemporalSimplify: the coercion to the new precision goes away when the
 * new one is none or the maximum, or at least the old one.  `from` NULL
 * means a source without a typmod of its own (the result of a cast).
 */
static bool temporal_mod_dropped(const ptype *from, const ptype *to)
{
	if (to->n_mod == 0 || to->mod[0] == MAX_TEMPORAL_PRECISION)
		return true;
	return from && from->n_mod > 0 && to->mod[0] >= from->mod[0];
}

/* True when changing `from` to `to` only changes the catalog (any version >= 9.2). */
static bool metadata_only(const ptype *from, const ptype *to)
{
	if (from->array || to->array)
		return false; /* array coercions always rewrite, even varchar(n)[] to text[] */
	if (is_base(to, "text") || is_base(to, "varchar"))
		return string_widens(from, to);
	if (is_base(from, "numeric") && is_base(to, "numeric"))
		return numeric_widens(from, to);
	if (is_base(from, "varbit") && is_base(to, "varbit"))
		return mod_widens(from, to);
	if (is_temporal(from->base) && strcmp(from->base, to->base) == 0)
		return temporal_mod_dropped(from, to);
	if (is_base(from, "interval") && is_base(to, "interval"))
		return to->n_mod == 0; /* other interval typmods mix fields and precision: not judged */
	return is_base(from, "cidr") && is_base(to, "inet") && to->n_mod == 0; /* a binary cast */
}

static bool timestamp_zone_change(const ptype *from, const ptype *to)
{
	return !from->array && !to->array &&
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
	"gatekeeper only knows the old type of columns defined in the linted files: lint the whole migration "
	"history to have it judged. These changes are metadata-only: varchar(n) to varchar(m >= n), varchar or "
	"text; text to varchar; numeric(p,s) to numeric(q >= p, s) or numeric; varbit(n) to varbit(m >= n); "
	"timestamp/time to no precision, to precision 6 or to a higher one; timestamp to timestamptz (or timestamptz "
	"to timestamp) on PostgreSQL 12+ when the session TimeZone is UTC and the new type has no precision or "
	"precision 6. Anything else rewrites: use expand and contract (new column, trigger, batched backfill, "
	"switch, drop the old one).";
static const char help_timezone[] =
	"Run `SET TIME ZONE 'UTC';` earlier in the same migration (the conversion then keeps the stored values "
	"and PostgreSQL 12+ skips the rewrite), and check that the existing values really are UTC.";
static const char help_zone_precision[] =
	"In a UTC session (`SET TIME ZONE 'UTC';` earlier in the migration, PostgreSQL 12+) a change to the type "
	"without a precision, or with precision 6, skips the rewrite; it keeps every stored value, but new values "
	"then keep up to 6 fractional digits (in Prisma: @db.Timestamptz(6)). Otherwise expand and contract: add a "
	"new column of the new type, keep it in sync with a trigger, backfill it in batches, switch, then drop the "
	"old column.";

/*
 * A USING that is the bare column, or the column cast to the new type
 * (`USING col::text` for TYPE text): the same conversion PostgreSQL applies
 * without USING, so the types decide (checked on 15: varchar(10) to text
 * USING x::text keeps the table's file).
 */
static bool using_is_column(const PgQuery__Node *e, const char *col, const char *to)
{
	if (e && e->node_case == PG_QUERY__NODE__NODE_TYPE_CAST && e->type_cast->type_name) {
		char cast[128];
		if (strcmp(gk_type_text(e->type_cast->type_name, cast, sizeof cast), to) != 0)
			return false;
		e = e->type_cast->arg;
	}
	if (!e || e->node_case != PG_QUERY__NODE__NODE_COLUMN_REF || !e->column_ref->n_fields)
		return false;
	const PgQuery__ColumnRef *cr = e->column_ref;
	const char *last = gk_node_str(cr->fields[cr->n_fields - 1]);
	return last && strcmp(last, col) == 0;
}

/* What the statement does, for the messages: the column, its table and the lock the statement takes on it. */
typedef struct change {
	const char *table, *col, *to_text;
	const char *lock;
	int loc;
} change;

static void known_type_change(gk_lint *l, const gk_stmt *s, const change *c, const char *from_type,
			      const char *to_type)
{
	ptype from, to;
	parse_type(from_type, &from);
	parse_type(to_type, &to);
	if (strcmp(from_type, to_type) == 0 || metadata_only(&from, &to))
		return;
	char from_buf[160];
	const char *from_text = pretty_type(from_type, from_buf, sizeof from_buf);
	if (!timestamp_zone_change(&from, &to)) {
		gk_lint_report(l, s, c->loc, help_rewrite,
			       "ALTER COLUMN %s TYPE %s on existing table %s (was %s) rewrites the table and rebuilds its "
			       "indexes under an %s lock",
			       c->col, c->to_text, c->table, from_text, c->lock);
	} else if (!temporal_mod_dropped(NULL, &to)) {
		gk_lint_report(l, s, c->loc, help_zone_precision,
			       "ALTER COLUMN %s TYPE %s on existing table %s (was %s) rewrites the table and rebuilds its "
			       "indexes under an %s lock, even in a UTC session: the conversion is followed by a "
			       "coercion to precision %ld, which PostgreSQL does not skip",
			       c->col, c->to_text, c->table, from_text, c->lock, to.mod[0]);
	} else if (gk_lint_pg(l) < 12) {
		gk_lint_report(l, s, c->loc, help_rewrite,
			       "ALTER COLUMN %s TYPE %s on existing table %s (was %s) rewrites the table under an %s lock "
			       "on PostgreSQL %d (from 12 it can be metadata-only in a UTC session)",
			       c->col, c->to_text, c->table, from_text, c->lock, gk_lint_pg(l));
	} else if (!file_sets_utc(l, s)) {
		gk_lint_report(l, s, c->loc, help_timezone,
			       "ALTER COLUMN %s TYPE %s on existing table %s (was %s) is safe only if the session TimeZone "
			       "is UTC; otherwise the table is rewritten under an %s lock",
			       c->col, c->to_text, c->table, from_text, c->lock);
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
	enum gk_lockmode mode = gk_stmt_lock_on(s->node, gk_lint_pg(l), as->relation->schemaname,
						as->relation->relname, NULL);
	const change ch = {table, c->name, pretty_type(to, shown, sizeof shown), gk_lockmode_name(mode),
			   cd->type_name->location};
	if (cd->raw_default && !using_is_column(cd->raw_default, c->name, to)) {
		gk_lint_report(l, s, ch.loc, help_rewrite,
			       "ALTER COLUMN %s TYPE %s USING ... on existing table %s rewrites the table and rebuilds its "
			       "indexes under an %s lock",
			       ch.col, ch.to_text, table, ch.lock);
		return;
	}
	const gk_rel *rel = gk_state_find(l->state, as->relation->schemaname, as->relation->relname);
	const gk_column *col = gk_rel_column(rel, c->name);
	if (col && col->type) {
		known_type_change(l, s, &ch, col->type, to);
		return;
	}
	/* Nothing to assert: a warning that says what is not known. */
	gk_lint_report_at_most(l, s, GK_SEV_WARNING, ch.loc, help_unknown,
			       "ALTER COLUMN %s TYPE %s on existing table %s: the old type of %s is unknown (the column "
			       "is not defined in the linted files), so gatekeeper cannot tell whether this rewrites the "
			       "table and rebuilds its indexes under an %s lock or only changes the catalog",
			       ch.col, ch.to_text, table, ch.col, ch.lock);
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
		       "still expects the old type may also break. When the old type is unknown (the column is not "
		       "defined in the linted files) the finding is a warning that says so.",
		.help = help_rewrite,
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, "the old type is unknown here: a warning that the change may rewrite",
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
			{GK_EXAMPLE_BAD, 0, 0, "Prisma's timestamp(3) to timestamptz(3) rewrites even in a UTC session",
			 "SET TIME ZONE 'UTC';\nALTER TABLE users ADD COLUMN seen timestamp(3);\n"
			 "ALTER TABLE users ALTER COLUMN seen TYPE timestamptz(3);"},
			{GK_EXAMPLE_BAD, 0, 0, "a precision below the maximum, from none, rewrites",
			 "ALTER TABLE users ADD COLUMN seen timestamp;\nALTER TABLE users ALTER COLUMN seen TYPE timestamp(3);"},
			{GK_EXAMPLE_OK, 0, 0, "to no precision or to the maximum (6) is metadata-only; cidr to inet is a binary cast",
			 "ALTER TABLE users ADD COLUMN a timestamp, ADD COLUMN b time(3), ADD COLUMN c interval(3), "
			 "ADD COLUMN d cidr;\nALTER TABLE users ALTER COLUMN a TYPE timestamp(6), ALTER COLUMN b TYPE time,\n"
			 "  ALTER COLUMN c TYPE interval, ALTER COLUMN d TYPE inet;"},
			{GK_EXAMPLE_OK, 0, 0, "widenings are metadata-only; a table created in the same migration is exempt",
			 "ALTER TABLE users ADD COLUMN nick varchar(20), ADD COLUMN bal numeric(10,2), ADD COLUMN bio varchar(100);\n"
			 "ALTER TABLE users ALTER COLUMN nick TYPE varchar(40), ALTER COLUMN bal TYPE numeric(12,2),\n"
			 "  ALTER COLUMN bio TYPE text USING bio;\n"
			 "CREATE TABLE audit (id int);\nALTER TABLE audit ALTER COLUMN id TYPE bigint;"},
			{GK_EXAMPLE_OK, 0, 0, "timestamp to timestamptz, or timestamptz(6), after SET TIME ZONE 'UTC' (PostgreSQL 12+)",
			 "SET TIME ZONE 'UTC';\nALTER TABLE users ADD COLUMN seen timestamp, ADD COLUMN paid timestamp(3);\n"
			 "ALTER TABLE users ALTER COLUMN seen TYPE timestamptz, ALTER COLUMN paid TYPE timestamptz(6);"},
		},
	},
	.check = check,
};
