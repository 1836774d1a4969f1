/*
 * add-column-volatile-default, add-column-rewrite, add-column-required:
 * ALTER TABLE ... ADD COLUMN on a table that already has rows.
 *
 * ADD COLUMN always takes an ACCESS EXCLUSIVE lock (no reads, no writes).
 * Without a default, or since PostgreSQL 11 with a non-volatile default
 * (evaluated once and kept in the catalog as the "missing" value), it only
 * changes the catalog and the lock lasts milliseconds.  Everything that
 * needs a different value per row makes PostgreSQL rewrite the whole table
 * under that lock: a volatile default (random(), gen_random_uuid(), ...),
 * any default before 11, serial and identity columns (a sequence value per
 * row) and stored generated columns (computed per row).  A NOT NULL column
 * with nothing to fill it fails outright on a table with rows.  Tables
 * created earlier in the same change are empty and exempt.
 */
#include "lint/lint_internal.h"

#include <string.h>

/* ---- reading a column definition ---- */

static const PgQuery__Constraint *column_constraint(const PgQuery__ColumnDef *cd, PgQuery__ConstrType t)
{
	for (size_t i = 0; i < cd->n_constraints; i++)
		if (cd->constraints[i]->node_case == PG_QUERY__NODE__NODE_CONSTRAINT &&
		    cd->constraints[i]->constraint->contype == t)
			return cd->constraints[i]->constraint;
	return NULL;
}

/* `NULL` or `NULL::type`: the same as no default at all. */
static bool is_null_const(const PgQuery__Node *e)
{
	while (e && e->node_case == PG_QUERY__NODE__NODE_TYPE_CAST)
		e = e->type_cast->arg;
	return e && e->node_case == PG_QUERY__NODE__NODE_A_CONST && e->a_const->isnull;
}

/* The DEFAULT expression, or NULL when there is none (or it is NULL). */
static const PgQuery__Node *column_default(const PgQuery__ColumnDef *cd)
{
	const PgQuery__Constraint *c = column_constraint(cd, PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT);
	const PgQuery__Node *e = c ? c->raw_expr : cd->raw_default;
	return e && !is_null_const(e) ? e : NULL;
}

static bool is_serial(const PgQuery__ColumnDef *cd)
{
	static const char *const serials[] = {"serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"};
	const char *base = gk_type_base(cd->type_name);
	for (size_t i = 0; i < sizeof serials / sizeof *serials; i++)
		if (strcmp(base, serials[i]) == 0)
			return true;
	return false;
}

/* Identity, serial and generated columns fill every row themselves. */
static bool fills_itself(const PgQuery__ColumnDef *cd)
{
	return is_serial(cd) || (cd->identity && cd->identity[0]) ||
	       column_constraint(cd, PG_QUERY__CONSTR_TYPE__CONSTR_IDENTITY) ||
	       column_constraint(cd, PG_QUERY__CONSTR_TYPE__CONSTR_GENERATED);
}

/*
 * Calls `fn` for every ADD COLUMN of an ALTER TABLE on an existing table.
 * Foreign tables are skipped: they have no local rows to rewrite or check.
 */
typedef void (*column_fn)(gk_lint *l, const gk_stmt *s, const char *table, const PgQuery__ColumnDef *cd);

static void each_added_column(gk_lint *l, const gk_stmt *s, column_fn fn)
{
	const PgQuery__AlterTableStmt *as = gk_lint_alter_existing(l, s);
	if (!as)
		return;
	char table[256];
	gk_rv_name(as->relation, table, sizeof table);
	for (size_t i = 0; i < as->n_cmds; i++) {
		const PgQuery__AlterTableCmd *c = gk_alter_cmd(as, i);
		if (c && c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn && c->def &&
		    c->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF)
			fn(l, s, table, c->def->column_def);
	}
}

/* ---- volatility of a default expression ---- */

/*
 * Functions whose volatility decides whether a default rewrites the table,
 * as pg_proc.provolatile has them (checked on PostgreSQL 15).  Volatile ones
 * are evaluated once per row, so ADD COLUMN must write every row; stable and
 * immutable ones are evaluated once for the whole statement.  Note that
 * txid_current() and pg_current_xact_id() are STABLE (one value per
 * transaction), so they do not rewrite.  Functions not listed here (user
 * functions, most extensions) are unknown: gatekeeper cannot prove them
 * non-volatile.
 */
static const struct known_func {
	const char *name;
	bool is_volatile;
} known_funcs[] = {
	/* volatile: a new value per row */
	{"clock_timestamp", true}, {"currval", true}, {"gen_random_bytes", true}, {"gen_random_uuid", true},
	{"lastval", true}, {"nextval", true}, {"random", true}, {"random_normal", true}, {"setval", true},
	{"timeofday", true}, {"uuid_generate_v1", true}, {"uuid_generate_v1mc", true},
	{"uuid_generate_v4", true}, {"uuidv4", true}, {"uuidv7", true},
	/* stable or immutable: one value for the statement */
	{"abs", false}, {"age", false}, {"array_fill", false}, {"btrim", false}, {"ceil", false},
	{"ceiling", false}, {"concat", false}, {"concat_ws", false}, {"current_database", false},
	{"current_schema", false}, {"current_setting", false}, {"date_part", false}, {"date_trunc", false},
	{"decode", false}, {"encode", false}, {"floor", false}, {"format", false}, {"json_build_array", false},
	{"json_build_object", false}, {"jsonb_build_array", false}, {"jsonb_build_object", false},
	{"left", false}, {"length", false}, {"lower", false}, {"lpad", false}, {"ltrim", false},
	{"make_date", false}, {"make_interval", false}, {"make_time", false}, {"make_timestamp", false},
	{"make_timestamptz", false}, {"md5", false}, {"now", false}, {"pg_current_xact_id", false},
	{"power", false}, {"replace", false}, {"right", false}, {"round", false}, {"rpad", false},
	{"rtrim", false}, {"sqrt", false}, {"statement_timestamp", false}, {"substr", false},
	{"timezone", false}, {"to_char", false}, {"to_date", false}, {"to_json", false}, {"to_jsonb", false},
	{"to_number", false}, {"to_timestamp", false}, {"transaction_timestamp", false}, {"trunc", false},
	{"txid_current", false}, {"upper", false}, {"uuid_nil", false}, {"version", false},
};

enum volatility { VOL_STABLE = 0, VOL_UNKNOWN, VOL_VOLATILE };

typedef struct vol_result {
	enum volatility v;
	const char *schema, *func; /* the function that decided it, as written */
	int loc;
} vol_result;

static void vol_note(vol_result *r, enum volatility v, const char *schema, const char *func, int loc)
{
	if (v > r->v) {
		r->v = v;
		r->schema = schema;
		r->func = func;
		r->loc = loc;
	}
}

static void vol_expr(vol_result *r, const PgQuery__Node *e);

static void vol_list(vol_result *r, PgQuery__Node **items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		vol_expr(r, items[i]);
}

static void vol_func(vol_result *r, const PgQuery__FuncCall *f)
{
	const char *name = gk_names_last(f->funcname, f->n_funcname);
	const char *schema = f->n_funcname > 1 ? gk_node_str(f->funcname[f->n_funcname - 2]) : NULL;
	/* Extensions such as uuid-ossp and pgcrypto live in public (or Supabase's
	 * "extensions"); a name in any other schema is somebody's own function. */
	bool builtin = !schema || strcmp(schema, "pg_catalog") == 0 || strcmp(schema, "public") == 0 ||
		       strcmp(schema, "extensions") == 0;
	for (size_t i = 0; builtin && i < sizeof known_funcs / sizeof *known_funcs; i++)
		if (strcmp(known_funcs[i].name, name) == 0) {
			if (known_funcs[i].is_volatile)
				vol_note(r, VOL_VOLATILE, schema, name, f->location);
			vol_list(r, f->args, f->n_args);
			return;
		}
	vol_note(r, VOL_UNKNOWN, schema, name, f->location);
	vol_list(r, f->args, f->n_args);
}

static void vol_case(vol_result *r, const PgQuery__CaseExpr *c)
{
	vol_expr(r, c->arg);
	vol_expr(r, c->defresult);
	for (size_t i = 0; i < c->n_args; i++)
		if (c->args[i]->node_case == PG_QUERY__NODE__NODE_CASE_WHEN) {
			vol_expr(r, c->args[i]->case_when->expr);
			vol_expr(r, c->args[i]->case_when->result);
		}
}

/* Constants, casts, operators and known functions are not volatile;
 * anything else (sub-selects, parameters, unknown node kinds) is unknown. */
static void vol_expr(vol_result *r, const PgQuery__Node *e)
{
	if (!e)
		return;
	switch (e->node_case) {
	case PG_QUERY__NODE__NODE_A_CONST:
	case PG_QUERY__NODE__NODE_SQLVALUE_FUNCTION: /* current_timestamp, current_user, ...: stable */
		return;
	case PG_QUERY__NODE__NODE_TYPE_CAST: vol_expr(r, e->type_cast->arg); return;
	case PG_QUERY__NODE__NODE_COLLATE_CLAUSE: vol_expr(r, e->collate_clause->arg); return;
	case PG_QUERY__NODE__NODE_A_EXPR:
		vol_expr(r, e->a_expr->lexpr);
		vol_expr(r, e->a_expr->rexpr);
		return;
	case PG_QUERY__NODE__NODE_BOOL_EXPR: vol_list(r, e->bool_expr->args, e->bool_expr->n_args); return;
	case PG_QUERY__NODE__NODE_NULL_TEST: vol_expr(r, e->null_test->arg); return;
	case PG_QUERY__NODE__NODE_BOOLEAN_TEST: vol_expr(r, e->boolean_test->arg); return;
	case PG_QUERY__NODE__NODE_COALESCE_EXPR: vol_list(r, e->coalesce_expr->args, e->coalesce_expr->n_args); return;
	case PG_QUERY__NODE__NODE_MIN_MAX_EXPR: vol_list(r, e->min_max_expr->args, e->min_max_expr->n_args); return;
	case PG_QUERY__NODE__NODE_A_ARRAY_EXPR:
		vol_list(r, e->a_array_expr->elements, e->a_array_expr->n_elements);
		return;
	case PG_QUERY__NODE__NODE_ROW_EXPR: vol_list(r, e->row_expr->args, e->row_expr->n_args); return;
	case PG_QUERY__NODE__NODE_LIST: vol_list(r, e->list->items, e->list->n_items); return;
	case PG_QUERY__NODE__NODE_CASE_EXPR: vol_case(r, e->case_expr); return;
	case PG_QUERY__NODE__NODE_FUNC_CALL: vol_func(r, e->func_call); return;
	default:
		vol_note(r, VOL_UNKNOWN, NULL, NULL, -1);
		return;
	}
}

/* ---- add-column-volatile-default ---- */

static const char help_volatile[] =
	"Add the column without that default (or with a constant one), then `ALTER TABLE ... ALTER COLUMN ... SET "
	"DEFAULT ...` (applies to new rows only, no rewrite) and backfill existing rows in batches of a few "
	"thousand, each in its own transaction.";
static const char help_pre11[] =
	"Before PostgreSQL 11 every non-NULL default rewrites the table. Add the column with no default, then "
	"`ALTER TABLE ... ALTER COLUMN ... SET DEFAULT ...` (new rows only, no rewrite) and backfill existing rows "
	"in batches, each in its own transaction.";

static void volatile_default_column(gk_lint *l, const gk_stmt *s, const char *table, const PgQuery__ColumnDef *cd)
{
	const PgQuery__Node *def = column_default(cd);
	if (!def || fills_itself(cd))
		return;
	if (gk_lint_pg(l) < 11) {
		gk_lint_report(l, s, cd->location, help_pre11,
			       "ADD COLUMN %s with a DEFAULT on existing table %s rewrites the whole table under an %s "
			       "lock on PostgreSQL %d (defaults are metadata-only from 11)",
			       cd->colname, table, gk_stmt_lock_name(s->node, gk_lint_pg(l)), gk_lint_pg(l));
		return;
	}
	vol_result r = {VOL_STABLE, NULL, NULL, -1};
	vol_expr(&r, def);
	if (r.v == VOL_VOLATILE)
		gk_lint_report(l, s, r.loc, NULL,
			       "ADD COLUMN %s on existing table %s has the volatile default %s%s%s(): every row gets its "
			       "own value, so the table is rewritten under an %s lock",
			       cd->colname, table, r.schema ? r.schema : "", r.schema ? "." : "", r.func, gk_stmt_lock_name(s->node, gk_lint_pg(l)));
	else if (r.v == VOL_UNKNOWN && r.func)
		gk_lint_report(l, s, r.loc, NULL,
			       "ADD COLUMN %s on existing table %s: cannot prove the default's function %s%s%s() is not "
			       "volatile; if it is, the table is rewritten under an %s lock",
			       cd->colname, table, r.schema ? r.schema : "", r.schema ? "." : "", r.func, gk_stmt_lock_name(s->node, gk_lint_pg(l)));
	else if (r.v == VOL_UNKNOWN)
		gk_lint_report(l, s, cd->location, NULL,
			       "ADD COLUMN %s on existing table %s: cannot prove the default expression is not volatile; "
			       "if it is, the table is rewritten under an %s lock",
			       cd->colname, table, gk_stmt_lock_name(s->node, gk_lint_pg(l)));
}

static void check_volatile_default(gk_lint *l, const gk_stmt *s)
{
	each_added_column(l, s, volatile_default_column);
}

const gk_rule gk_rule_add_column_volatile_default = {
	.info = {
		.id = "add-column-volatile-default",
		.category = GK_CAT_LOCKING,
		.severity = GK_SEV_ERROR,
		.summary = "ADD COLUMN with a volatile default (any default before PostgreSQL 11) rewrites the table",
		.why = "ADD COLUMN holds an ACCESS EXCLUSIVE lock, which blocks every read and write of the table. With "
		       "a constant or stable default (now(), current_timestamp, a cast constant) PostgreSQL 11+ only "
		       "records the value in the catalog. A volatile default (random(), gen_random_uuid(), "
		       "clock_timestamp(), nextval(), ...) needs a value per row, so the whole table and its indexes "
		       "are rewritten while the lock is held; before PostgreSQL 11 any non-NULL default does this.",
		.help = help_volatile,
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();"},
			{GK_EXAMPLE_BAD, 0, 0, "volatile inside an expression",
			 "ALTER TABLE orders ADD COLUMN score int DEFAULT (random() * 100)::int;"},
			{GK_EXAMPLE_BAD, 0, 0, "a user function might be volatile",
			 "ALTER TABLE orders ADD COLUMN code text DEFAULT app.make_code();"},
			{GK_EXAMPLE_BAD, 10, 0, "before PostgreSQL 11 even a constant default rewrites",
			 "ALTER TABLE orders ADD COLUMN status text DEFAULT 'new';"},
			{GK_EXAMPLE_OK, 0, 0, "stable and constant defaults are metadata-only on PostgreSQL 11+",
			 "ALTER TABLE orders ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(),\n"
			 "  ADD COLUMN status text DEFAULT 'new',\n  ADD COLUMN meta jsonb DEFAULT '{}'::jsonb,\n"
			 "  ADD COLUMN seen_at timestamptz DEFAULT current_timestamp;"},
			{GK_EXAMPLE_OK, 10, 0, "DEFAULT NULL is no default, on any version",
			 "ALTER TABLE orders ADD COLUMN note text DEFAULT NULL;"},
			{GK_EXAMPLE_OK, 0, 0, "a table created in the same migration is empty",
			 "CREATE TABLE orders (id bigint PRIMARY KEY);\n"
			 "ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();"},
			{GK_EXAMPLE_OK, 0, 0, "txid_current() is STABLE in pg_proc: no rewrite",
			 "ALTER TABLE orders ADD COLUMN created_tx bigint DEFAULT txid_current();"},
		},
	},
	.check = check_volatile_default,
};

/* ---- add-column-rewrite ---- */

/* The column's type when it is a domain the model knows with constraints
 * (an array of one is not: PostgreSQL checks no element). */
static const gk_domain *constrained_domain(const gk_lint *l, const PgQuery__ColumnDef *cd)
{
	const PgQuery__TypeName *t = cd->type_name;
	if (!t || !t->n_names || t->n_array_bounds)
		return NULL;
	const char *schema = t->n_names > 1 ? gk_node_str(t->names[t->n_names - 2]) : NULL;
	const gk_domain *d = gk_state_find_domain(l->state, schema, gk_node_str(t->names[t->n_names - 1]));
	return d && (d->n_checks || d->not_null) ? d : NULL;
}

static const char help_domain[] =
	"Add the column with the domain's base type (metadata-only), then check its values with a table "
	"constraint: `ADD CONSTRAINT ... CHECK (...) NOT VALID`, then `VALIDATE CONSTRAINT` in a later migration "
	"(reads and writes go on). From PostgreSQL 19 a default that satisfies the domain's non-volatile "
	"constraints is stored without a rewrite.";

/*
 * A column of a domain with constraints: PostgreSQL up to 18 computes the
 * column (the default, or NULL, cast to the domain) in every row, a
 * rewrite, with or without a DEFAULT (checked on 15 by relfilenode: CHECK,
 * NOT NULL with a default, a NOT VALID CHECK; an array of the domain is no
 * rewrite).  From 19 (commit a0b6ef29a) a value that passes non-volatile
 * constraints is stored once instead; one that fails them, such as the NULL
 * of a NOT NULL domain without a DEFAULT, still rewrites, and fails on a
 * table with rows.  Volatile domain constraints are not known here.
 */
static void domain_column(gk_lint *l, const gk_stmt *s, const char *table, const PgQuery__ColumnDef *cd,
			  const gk_domain *d, const char *type)
{
	bool fails = d->not_null && !column_default(cd);
	const char *what = d->n_checks && d->not_null ? "has a CHECK constraint and is NOT NULL"
			   : d->n_checks		? "has a CHECK constraint"
							: "is NOT NULL";
	if (gk_lint_pg(l) < 19)
		gk_lint_report(l, s, cd->location, help_domain,
			       "ADD COLUMN %s %s on existing table %s: the domain %s, which PostgreSQL %d checks by "
			       "computing the column in every row, so the table is rewritten under an %s lock, with or "
			       "without a DEFAULT%s",
			       cd->colname, type, table, what, gk_lint_pg(l), gk_stmt_lock_name(s->node, gk_lint_pg(l)),
			       fails ? "; with no DEFAULT its NOT NULL also fails the statement on a table with rows" : "");
	else if (fails)
		gk_lint_report(l, s, cd->location, help_domain,
			       "ADD COLUMN %s %s on existing table %s has no DEFAULT, but the domain is NOT NULL: "
			       "PostgreSQL rewrites the table under an %s lock to check every row, and fails on a table "
			       "with rows",
			       cd->colname, type, table, gk_stmt_lock_name(s->node, gk_lint_pg(l)));
}

static void rewrite_column(gk_lint *l, const gk_stmt *s, const char *table, const PgQuery__ColumnDef *cd)
{
	char type[128];
	gk_type_text(cd->type_name, type, sizeof type);
	const gk_domain *d;
	if (is_serial(cd))
		gk_lint_report(l, s, cd->location,
			       "Add a plain nullable bigint column, create the sequence and `ALTER COLUMN ... SET DEFAULT "
			       "nextval(...)` (new rows only), backfill existing rows in batches, then add NOT NULL with a "
			       "validated CHECK (col IS NOT NULL) constraint first.",
			       "ADD COLUMN %s %s on existing table %s takes a sequence value for every row: the table is "
			       "rewritten under an %s lock",
			       cd->colname, type, table, gk_stmt_lock_name(s->node, gk_lint_pg(l)));
	else if ((cd->identity && cd->identity[0]) || column_constraint(cd, PG_QUERY__CONSTR_TYPE__CONSTR_IDENTITY))
		gk_lint_report(l, s, cd->location,
			       "Add a plain nullable column, backfill it in batches, make it NOT NULL (validated CHECK "
			       "(col IS NOT NULL) first, then SET NOT NULL), then `ALTER TABLE ... ALTER COLUMN ... ADD "
			       "GENERATED BY DEFAULT AS IDENTITY`, which only changes the catalog; set the sequence past "
			       "the backfilled values.",
			       "ADD COLUMN %s ... GENERATED AS IDENTITY on existing table %s numbers every row: the table "
			       "is rewritten under an %s lock",
			       cd->colname, table, gk_stmt_lock_name(s->node, gk_lint_pg(l)));
	else if (column_constraint(cd, PG_QUERY__CONSTR_TYPE__CONSTR_GENERATED))
		gk_lint_report(l, s, cd->location,
			       "A stored generated column cannot be added without a rewrite. Add a plain column kept up "
			       "to date by a trigger (or by the application), backfill it in batches, or compute the "
			       "value in a view or at query time.",
			       "ADD COLUMN %s ... GENERATED ALWAYS AS (...) STORED on existing table %s computes and "
			       "stores a value for every row: the table is rewritten under an %s lock",
			       cd->colname, table, gk_stmt_lock_name(s->node, gk_lint_pg(l)));
	else if ((d = constrained_domain(l, cd)))
		domain_column(l, s, table, cd, d, type);
}

static void check_rewrite(gk_lint *l, const gk_stmt *s)
{
	each_added_column(l, s, rewrite_column);
}

const gk_rule gk_rule_add_column_rewrite = {
	.info = {
		.id = "add-column-rewrite",
		.category = GK_CAT_LOCKING,
		.severity = GK_SEV_ERROR,
		.summary = "ADD COLUMN of a serial, identity or stored generated column, or of a domain with "
			   "constraints, rewrites the table",
		.why = "These columns get a different value in every existing row (a sequence value or a computed "
		       "one), so PostgreSQL rewrites the whole table and rebuilds its indexes while holding an ACCESS "
		       "EXCLUSIVE lock: no reads, no writes until it is done. This holds on every PostgreSQL version. "
		       "A column whose type is a domain with a CHECK or NOT NULL constraint (the schema model must "
		       "have seen the domain) is computed in every row too, to check the constraints, with or "
		       "without a DEFAULT, up to PostgreSQL 18 (checked on 15); from 19 only when the value fails "
		       "them, as the NULL of a NOT NULL domain without a DEFAULT does (then the statement also fails "
		       "on a table with rows). An array of the domain checks nothing.",
		.help = "Add a plain nullable column, backfill it in batches, then attach the sequence default or "
			"identity (metadata-only), or keep a computed value up to date with a trigger.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "ALTER TABLE events ADD COLUMN seq bigserial;"},
			{GK_EXAMPLE_BAD, 0, 0, NULL,
			 "ALTER TABLE events ADD COLUMN seq bigint GENERATED BY DEFAULT AS IDENTITY;"},
			{GK_EXAMPLE_BAD, 0, 0, NULL,
			 "ALTER TABLE events ADD COLUMN total numeric GENERATED ALWAYS AS (price * qty) STORED;"},
			{GK_EXAMPLE_BAD, 0, 0, "serial4 is serial", "ALTER TABLE public.events ADD COLUMN n serial4;"},
			{GK_EXAMPLE_BAD, 0, 0, "a domain with a constraint is checked row by row, even without a DEFAULT",
			 "CREATE DOMAIN price AS numeric CHECK (VALUE >= 0);\nALTER TABLE events ADD COLUMN total price;"},
			{GK_EXAMPLE_BAD, 19, 0, "a NOT NULL domain without a DEFAULT on PostgreSQL 19",
			 "CREATE DOMAIN code AS text NOT NULL;\nALTER TABLE events ADD COLUMN c code;"},
			{GK_EXAMPLE_OK, 0, 0, "a plain column is metadata-only", "ALTER TABLE events ADD COLUMN seq bigint;"},
			{GK_EXAMPLE_OK, 0, 0, "a domain without constraints, or an array of one with them",
			 "CREATE DOMAIN label AS text;\nCREATE DOMAIN price AS numeric CHECK (VALUE >= 0);\n"
			 "ALTER TABLE events ADD COLUMN l label, ADD COLUMN history price[];"},
			{GK_EXAMPLE_OK, 19, 0, "PostgreSQL 19 stores a default that passes the domain's constraints",
			 "CREATE DOMAIN price AS numeric CHECK (VALUE >= 0);\nALTER TABLE events ADD COLUMN total price DEFAULT 0;"},
			{GK_EXAMPLE_OK, 0, 0, "identity on an existing NOT NULL column only changes the catalog",
			 "ALTER TABLE events ALTER COLUMN seq ADD GENERATED BY DEFAULT AS IDENTITY;"},
			{GK_EXAMPLE_OK, 0, 0, "a table created in the same migration is empty",
			 "CREATE TABLE events (id bigint);\nALTER TABLE events ADD COLUMN seq bigserial;"},
			{GK_EXAMPLE_OK, 0, 0, "foreign tables have no local rows",
			 "ALTER FOREIGN TABLE remote_events ADD COLUMN seq bigserial;"},
		},
	},
	.check = check_rewrite,
};

/* ---- add-column-required ---- */

static bool column_not_null(const PgQuery__ColumnDef *cd)
{
	return cd->is_not_null || column_constraint(cd, PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL) ||
	       column_constraint(cd, PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY);
}

static void required_column(gk_lint *l, const gk_stmt *s, const char *table, const PgQuery__ColumnDef *cd)
{
	if (!column_not_null(cd) || column_default(cd) || fills_itself(cd))
		return;
	const char *help = gk_lint_pg(l) >= 11
		? "Give the column a constant DEFAULT (metadata-only on PostgreSQL 11+), or add it nullable, backfill "
		  "it in batches, add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL (PostgreSQL 12+ "
		  "skips the scan thanks to the validated check)."
		: "Add the column nullable, backfill it in batches, then SET NOT NULL (this scans the table under an "
		  "ACCESS EXCLUSIVE lock before PostgreSQL 12). A DEFAULT would rewrite the table before PostgreSQL 11.";
	bool pk = !cd->is_not_null && !column_constraint(cd, PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL);
	gk_lint_report(l, s, cd->location, help,
		       pk ? "ADD COLUMN %s PRIMARY KEY (implies NOT NULL) without a DEFAULT on existing table %s fails if "
			    "the table has any rows: they would all be NULL"
			  : "ADD COLUMN %s NOT NULL without a DEFAULT on existing table %s fails if the table has any rows: "
			    "they would all be NULL",
		       cd->colname, table);
}

static void check_required(gk_lint *l, const gk_stmt *s)
{
	each_added_column(l, s, required_column);
}

const gk_rule gk_rule_add_column_required = {
	.info = {
		.id = "add-column-required",
		.category = GK_CAT_COMPATIBILITY,
		.severity = GK_SEV_ERROR,
		.summary = "ADD COLUMN ... NOT NULL without a DEFAULT on an existing table",
		.why = "Existing rows have no value for the new column, so PostgreSQL fails with \"column contains null "
		       "values\" as soon as the table has a row: the migration passes on an empty development database "
		       "and breaks in production. Old application code that inserts without the column fails too.",
		.help = "Give the column a DEFAULT, or add it nullable, backfill, and add NOT NULL afterwards.",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, NULL, "ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;"},
			{GK_EXAMPLE_BAD, 0, 0, "a PRIMARY KEY is NOT NULL too", "ALTER TABLE users ADD COLUMN uid uuid PRIMARY KEY;"},
			{GK_EXAMPLE_BAD, 0, 0, "DEFAULT NULL is no default",
			 "ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL DEFAULT NULL;"},
			{GK_EXAMPLE_BAD, 10, 0, NULL, "ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;"},
			{GK_EXAMPLE_OK, 0, 0, NULL, "ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL DEFAULT 0;"},
			{GK_EXAMPLE_OK, 0, 0, "identity, serial and generated columns fill themselves (see add-column-rewrite)",
			 "ALTER TABLE users ADD COLUMN n bigint NOT NULL GENERATED ALWAYS AS IDENTITY,\n"
			 "  ADD COLUMN m bigserial NOT NULL;"},
			{GK_EXAMPLE_OK, 0, 0, "a table created in the same migration is empty",
			 "CREATE TABLE users (id bigint PRIMARY KEY);\nALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;"},
			{GK_EXAMPLE_OK, 0, 0, "nullable column", "ALTER TABLE users ADD COLUMN tenant_id bigint;"},
		},
	},
	.check = check_required,
};
