/*
 * precondition_find.c - which statements of the pending migrations depend
 * on the target's data, and what to count for each (see preconditions.h).
 *
 * Expressions (a CHECK, a unique index's WHERE or expression keys, a
 * USING) are deparsed from the parse tree by libpg_query's deparser, not
 * cut from the file: the query then holds the expression as PostgreSQL
 * reads it, whatever comments or layout the file had.
 *
 * A narrowing type change fails on a value the new type cannot hold.
 * Counting such rows must not run the cast (one failing row would end the
 * query, and a savepoint per row needs PL/pgSQL or writes), so each
 * supported target type gets a guard written in plain SQL that is true
 * exactly where the conversion would fail:
 *   varchar(n), char(n): the value without trailing spaces is longer than
 *     n characters (PostgreSQL cuts excess spaces, refuses anything else);
 *   smallint, integer, bigint: from a number, rounded out of range; from
 *     text, not an optional sign and digits, or out of range;
 *   an enum recreated by the pending migrations (Prisma's RENAME, CREATE
 *     TYPE, ALTER COLUMN ... TYPE ... USING (col::text::"Enum"), DROP
 *     TYPE): the text is not one of the new labels.
 * Other casts are listed as not run, saying so (PostgreSQL 16's
 * pg_input_is_valid() tests only text input, which is not what a cast
 * from another type does).
 *
 * Statements are parsed on a thread with the parser's stack
 * (GK_SQL_STACK_SIZE), as everywhere a migration is parsed.
 */
#include "target/preconditions.h"
#include "sql/sql.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

void gk_precheck_clear(gk_precheck *c)
{
	free(c->what);
	free(c->table);
	for (size_t k = 0; k < c->n_cols; k++)
		free(c->cols[k]);
	free(c->cols);
	free(c->expr);
	free(c->ref_table);
	for (size_t k = 0; k < c->n_ref_cols; k++)
		free(c->ref_cols[k]);
	free(c->ref_cols);
	free(c->guard);
	free(c->not_run);
	memset(c, 0, sizeof *c);
}

void gk_prechecks_free(gk_precheck *c, size_t n)
{
	for (size_t i = 0; c && i < n; i++)
		gk_precheck_clear(&c[i]);
	free(c);
}

/* ---- names and expressions ------------------------------------------ */

/* An identifier, always double-quoted (exact whatever its case). */
static void put_ident(gk_buf *b, const char *id)
{
	gk_buf_putc(b, '"');
	for (const char *p = id; *p; p++) {
		if (*p == '"')
			gk_buf_putc(b, '"');
		gk_buf_putc(b, *p);
	}
	gk_buf_putc(b, '"');
}

static char *ident(const char *id)
{
	gk_buf b = GK_BUF_INIT;
	put_ident(&b, id);
	return gk_buf_take(&b);
}

static char *range_var(const PgQuery__RangeVar *rv)
{
	gk_buf b = GK_BUF_INIT;
	if (rv->schemaname && *rv->schemaname) {
		put_ident(&b, rv->schemaname);
		gk_buf_putc(&b, '.');
	}
	put_ident(&b, rv->relname);
	return gk_buf_take(&b);
}

static const char *str(const PgQuery__Node *n)
{
	return n && n->node_case == PG_QUERY__NODE__NODE_STRING ? n->string->sval : NULL;
}

/* The last name of a qualified name (a type's, an enum's). */
static const char *last_name(PgQuery__Node *const *names, size_t n)
{
	return n ? str(names[n - 1]) : NULL;
}

/*
 * Expression `e` as SQL, by the deparser: it deparses statements, so the
 * expression goes in as the only target of a SELECT and comes back
 * without "SELECT ".  Malloc'ed; NULL when it cannot be deparsed.
 */
static char *deparse(PgQuery__Node *e)
{
	PgQuery__ResTarget rt = PG_QUERY__RES_TARGET__INIT;
	rt.val = e;
	PgQuery__Node rtn = PG_QUERY__NODE__INIT;
	rtn.node_case = PG_QUERY__NODE__NODE_RES_TARGET;
	rtn.res_target = &rt;
	PgQuery__Node *targets[] = {&rtn};
	PgQuery__SelectStmt sel = PG_QUERY__SELECT_STMT__INIT;
	sel.n_target_list = 1;
	sel.target_list = targets;
	sel.limit_option = PG_QUERY__LIMIT_OPTION__LIMIT_OPTION_DEFAULT;
	sel.op = PG_QUERY__SET_OPERATION__SETOP_NONE;
	PgQuery__Node seln = PG_QUERY__NODE__INIT;
	seln.node_case = PG_QUERY__NODE__NODE_SELECT_STMT;
	seln.select_stmt = &sel;
	PgQuery__RawStmt raw = PG_QUERY__RAW_STMT__INIT;
	raw.stmt = &seln;
	PgQuery__RawStmt *stmts[] = {&raw};
	PgQuery__ParseResult pr = PG_QUERY__PARSE_RESULT__INIT;
	pr.version = PG_VERSION_NUM;
	pr.n_stmts = 1;
	pr.stmts = stmts;
	size_t len = pg_query__parse_result__get_packed_size(&pr);
	uint8_t *data = malloc(len ? len : 1);
	if (!data)
		return NULL;
	pg_query__parse_result__pack(&pr, data);
	PgQueryDeparseResult d = pg_query_deparse_protobuf((PgQueryProtobuf){.len = len, .data = (char *)data});
	free(data);
	char *out = NULL;
	if (!d.error && d.query && strncmp(d.query, "SELECT ", 7) == 0)
		out = gk_strdup(d.query + 7);
	pg_query_free_deparse_result(d);
	return out;
}

/*
 * Expressions from a migration file are evaluated on the target, so they
 * may call only built-in functions without side effects: a CHECK or a
 * USING that calls dblink_exec() or an application's function would run it
 * with the gate's credentials (the read-only transaction stops writes on
 * this connection, not on another one a function opens).  Anything else,
 * and any subquery or schema-qualified operator, is not evaluated.
 */
static const char *const safe_functions[] = {
	"abs", "age", "array_length", "array_lower", "array_ndims", "array_upper", "bit_length", "btrim",
	"cardinality", "ceil", "ceiling", "char_length", "character_length", "clock_timestamp", "concat",
	"concat_ws", "current_date", "date_part", "date_trunc", "extract", "floor", "initcap", "isfinite",
	"json_array_length", "json_typeof", "jsonb_array_length", "jsonb_typeof", "left", "length", "lower",
	"lpad", "ltrim", "make_date", "md5", "mod", "now", "num_nonnulls", "num_nulls", "octet_length",
	"position", "power", "regexp_match", "regexp_replace", "replace", "reverse", "right", "round", "rpad",
	"rtrim", "sign", "split_part", "sqrt", "starts_with", "statement_timestamp", "strpos", "substr",
	"substring", "to_char", "to_date", "to_number", "to_timestamp", "transaction_timestamp", "trim",
	"trunc", "upper",
};

static bool safe_function(const PgQuery__FuncCall *fc)
{
	const char *name = last_name(fc->funcname, fc->n_funcname);
	if (!name || (fc->n_funcname > 1 && strcmp(str(fc->funcname[0]) ? str(fc->funcname[0]) : "", "pg_catalog")))
		return false;
	for (size_t i = 0; i < sizeof safe_functions / sizeof *safe_functions; i++)
		if (strcmp(name, safe_functions[i]) == 0)
			return true;
	return false;
}

typedef struct unsafe_walk {
	bool *oom;
	char *why;
} unsafe_walk;

static char *unsafe(const ProtobufCMessage *msg, bool *oom);

static int unsafe_child(const ProtobufCMessage *child, void *ctx)
{
	unsafe_walk *w = ctx;
	w->why = unsafe(child, w->oom);
	return w->why || *w->oom;
}

/* Why expression `msg` is not evaluated on the target (malloc'ed), or NULL
 * when it is safe; *oom on failure.  Walks every field by protobuf-c's
 * reflection, so that no node type is missed. */
static char *unsafe(const ProtobufCMessage *msg, bool *oom)
{
	if (!msg)
		return NULL;
	if (msg->descriptor == &pg_query__func_call__descriptor && !safe_function((const PgQuery__FuncCall *)msg)) {
		const PgQuery__FuncCall *fc = (const PgQuery__FuncCall *)msg;
		const char *name = last_name(fc->funcname, fc->n_funcname);
		char *why = gk_asprintf("not checked: it calls %s(), and the gate evaluates only built-in functions "
					"without side effects on the target", name ? name : "a function");
		*oom |= !why;
		return why;
	}
	if (msg->descriptor == &pg_query__sub_link__descriptor ||
	    (msg->descriptor == &pg_query__a__expr__descriptor && ((const PgQuery__AExpr *)msg)->n_name > 1)) {
		char *why = gk_strdup(msg->descriptor == &pg_query__sub_link__descriptor
					      ? "not checked: it holds a subquery, which the gate does not evaluate on the target"
					      : "not checked: it names an operator's schema, which the gate does not evaluate "
						"on the target");
		*oom |= !why;
		return why;
	}
	unsafe_walk w = {oom, NULL};
	gk_pb_each_child(msg, unsafe_child, &w);
	return w.why;
}

/* Mark `c` not run when expression `e` is not safe to evaluate. */
static void guard_expr(int *rc, gk_precheck *c, const PgQuery__Node *e)
{
	bool oom = false;
	char *why = c && e ? unsafe(&e->base, &oom) : NULL;
	if (oom)
		*rc = GK_ENOMEM;
	if (why && !c->not_run)
		c->not_run = why;
	else
		free(why);
}

/* ---- what the pending migrations did before ------------------------- */

/* A NOT VALID constraint or an enum the pending migrations define, for a later statement. */
typedef struct defined {
	const char *path;
	char *table;                /* NOT VALID: the table (range_var), else NULL */
	char *name;                 /* the constraint's or the enum's name */
	gk_precheck spec;           /* NOT VALID: the check its VALIDATE runs; enum: guard = labels */
} defined;

typedef struct finder {
	gk_precheck *out;
	size_t n, cap;
	/* What earlier statements did: copies, since each migration's tree is
	 * freed after it. */
	struct { char *schema, *name, *where; } *w;
	size_t n_w, cap_w;
	char *any_write;            /* "path:line" of a DO or CALL, or NULL */
	/* Columns the pending migrations add: not on the target yet. */
	struct { char *table, *name, *where; } *added;
	size_t n_added, cap_added;
	defined *d;
	size_t n_d, cap_d;
	const char *path;
	int line;
	int rc;
} finder;

static bool same_table(const char *s1, const char *n1, const char *s2, const char *n2)
{
	if (strcmp(n1, n2) != 0)
		return false;
	return !s1 || !*s1 || !s2 || !*s2 || strcmp(s1, s2) == 0;
}

/* Why the target's rows of `rv` are not what the statement meets, or NULL. */
static char *changed_before(finder *f, const PgQuery__RangeVar *rv)
{
	for (size_t i = 0; i < f->n_w; i++)
		if (same_table(f->w[i].schema, f->w[i].name, rv->schemaname, rv->relname))
			return gk_asprintf("not checked: %s changes the table's rows before this statement", f->w[i].where);
	if (f->any_write)
		return gk_asprintf("not checked: %s (DO or CALL) may change any table's rows before this statement",
				   f->any_write);
	return NULL;
}

static void note_write(finder *f, const PgQuery__RangeVar *rv)
{
	if (!rv || !rv->relname || f->rc)
		return;
	if (gk_grow(&f->w, &f->cap_w, f->n_w + 1, sizeof *f->w) < 0) {
		f->rc = GK_ENOMEM;
		return;
	}
	f->w[f->n_w].schema = gk_strdup(rv->schemaname ? rv->schemaname : "");
	f->w[f->n_w].name = gk_strdup(rv->relname);
	f->w[f->n_w].where = gk_asprintf("%s:%d", f->path, f->line);
	if (!f->w[f->n_w].schema || !f->w[f->n_w].name || !f->w[f->n_w].where)
		f->rc = GK_ENOMEM;
	f->n_w++;
}

/* ---- adding checks ----------------------------------------------------- */

/* A new check on `rv` (what: malloc'ed, taken), or NULL when out of memory. */
static gk_precheck *add(finder *f, enum gk_precheck_kind kind, const PgQuery__RangeVar *rv, char *what)
{
	if (f->rc || !what || gk_grow(&f->out, &f->cap, f->n + 1, sizeof *f->out) < 0) {
		free(what);
		f->rc = GK_ENOMEM;
		return NULL;
	}
	gk_precheck *c = &f->out[f->n++];
	memset(c, 0, sizeof *c);
	*c = (gk_precheck){.kind = kind, .path = f->path, .line = f->line, .what = what, .table = range_var(rv),
			   .nulls_distinct = true};
	if (!c->table)
		f->rc = GK_ENOMEM;
	else if (kind != GK_PRECHECK_LOSS_ROWS && kind != GK_PRECHECK_LOSS_COLUMN)
		c->not_run = changed_before(f, rv);
	return c;
}

static int push_col(char ***v, size_t *n, char *col)
{
	char **nv = col ? realloc(*v, (*n + 1) * sizeof *nv) : NULL;
	if (!nv) {
		free(col);
		return GK_ENOMEM;
	}
	*v = nv;
	nv[(*n)++] = col;
	return 0;
}

/* A column a pending migration adds is not on the target: nothing there to count. */
static void added_before(finder *f, gk_precheck *c, const char *name)
{
	for (size_t i = 0; c && !c->not_run && f->rc == 0 && i < f->n_added; i++)
		if (strcmp(f->added[i].table, c->table) == 0 && strcmp(f->added[i].name, name) == 0 &&
		    !(c->not_run = gk_asprintf("not checked: %s adds the column, so the target does not have it yet",
					       f->added[i].where)))
			f->rc = GK_ENOMEM;
}

static void col(finder *f, gk_precheck *c, const char *name)
{
	if (c && f->rc == 0 && push_col(&c->cols, &c->n_cols, ident(name)) != 0)
		f->rc = GK_ENOMEM;
	added_before(f, c, name);
}

static void note_added(finder *f, const PgQuery__RangeVar *rv, const char *name)
{
	if (f->rc || gk_grow(&f->added, &f->cap_added, f->n_added + 1, sizeof *f->added) < 0) {
		f->rc = GK_ENOMEM;
		return;
	}
	f->added[f->n_added].table = range_var(rv);
	f->added[f->n_added].name = gk_strdup(name);
	f->added[f->n_added].where = gk_asprintf("%s:%d", f->path, f->line);
	if (!f->added[f->n_added].table || !f->added[f->n_added].name || !f->added[f->n_added].where)
		f->rc = GK_ENOMEM;
	f->n_added++;
}

/* Column names of a constraint's key list (String nodes). */
static void cols_of(finder *f, gk_precheck *c, PgQuery__Node *const *keys, size_t n)
{
	for (size_t i = 0; c && i < n; i++)
		if (str(keys[i]))
			col(f, c, str(keys[i]));
}

static char *list_text(PgQuery__Node *const *keys, size_t n)
{
	gk_buf b = GK_BUF_INIT;
	for (size_t i = 0; i < n; i++)
		gk_buf_printf(&b, "%s%s", i ? ", " : "", str(keys[i]) ? str(keys[i]) : "?");
	return gk_buf_take(&b);
}

/* ---- constraints -------------------------------------------------------- */

static void foreign_key(finder *f, gk_precheck *c, const PgQuery__Constraint *k)
{
	if (!c)
		return;
	cols_of(f, c, k->fk_attrs, k->n_fk_attrs);
	c->ref_table = range_var(k->pktable);
	for (size_t i = 0; f->rc == 0 && i < k->n_pk_attrs; i++)
		if (str(k->pk_attrs[i]) && push_col(&c->ref_cols, &c->n_ref_cols, ident(str(k->pk_attrs[i]))) != 0)
			f->rc = GK_ENOMEM;
	c->match_full = k->fk_matchtype && k->fk_matchtype[0] == 'f';
	if (!c->ref_table)
		f->rc = GK_ENOMEM;
	/* REFERENCES t without columns means t's primary key: the target's
	 * catalog knows it (preconditions.c reads it). */
}

/* Remember a NOT VALID CHECK or FOREIGN KEY for its VALIDATE later. */
static void remember(finder *f, const PgQuery__RangeVar *rv, const PgQuery__Constraint *k)
{
	if (!k->conname || !*k->conname || gk_grow(&f->d, &f->cap_d, f->n_d + 1, sizeof *f->d) < 0) {
		if (k->conname && *k->conname)
			f->rc = GK_ENOMEM;
		return;
	}
	defined *d = &f->d[f->n_d++];
	memset(d, 0, sizeof *d);
	d->path = f->path;
	d->table = range_var(rv);
	d->name = gk_strdup(k->conname);
	d->spec.nulls_distinct = true;
	if (k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_CHECK) {
		d->spec.kind = GK_PRECHECK_CHECK;
		d->spec.expr = deparse(k->raw_expr);
		guard_expr(&f->rc, &d->spec, k->raw_expr);
	} else {
		d->spec.kind = GK_PRECHECK_FOREIGN_KEY;
		finder sub = {.path = f->path};
		foreign_key(&sub, &d->spec, k);
		f->rc = f->rc ? f->rc : sub.rc;
	}
}

static void add_constraint(finder *f, const PgQuery__RangeVar *rv, const PgQuery__Constraint *k)
{
	const char *name = k->conname && *k->conname ? k->conname : NULL;
	char *keys = list_text(k->keys, k->n_keys);
	switch (k->contype) {
	case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY:
	case PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE: {
		bool pk = k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY;
		if (k->indexname && *k->indexname)
			break; /* USING INDEX: the index already proves it unique */
		if (pk) {
			gk_precheck *c = add(f, GK_PRECHECK_NULLS, rv, gk_asprintf("ADD PRIMARY KEY (%s)", keys ? keys : ""));
			cols_of(f, c, k->keys, k->n_keys);
		}
		gk_precheck *c = add(f, GK_PRECHECK_UNIQUE, rv,
				     gk_asprintf("ADD %s (%s)", pk ? "PRIMARY KEY" : "UNIQUE", keys ? keys : ""));
		cols_of(f, c, k->keys, k->n_keys);
		if (c)
			c->nulls_distinct = !k->nulls_not_distinct;
		break;
	}
	case PG_QUERY__CONSTR_TYPE__CONSTR_CHECK:
		if (k->skip_validation) {
			remember(f, rv, k);
			break;
		}
		gk_precheck *c = add(f, GK_PRECHECK_CHECK, rv, name ? gk_asprintf("ADD CONSTRAINT %s CHECK", name)
								  : gk_strdup("ADD CHECK"));
		if (c && !(c->expr = deparse(k->raw_expr)) && !c->not_run)
			c->not_run = gk_strdup("not checked: the CHECK expression could not be deparsed");
		guard_expr(&f->rc, c, k->raw_expr);
		break;
	case PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN:
		if (k->skip_validation) {
			remember(f, rv, k);
			break;
		}
		free(keys);
		keys = list_text(k->fk_attrs, k->n_fk_attrs);
		foreign_key(f, add(f, GK_PRECHECK_FOREIGN_KEY, rv,
				   name ? gk_asprintf("ADD CONSTRAINT %s FOREIGN KEY (%s)", name, keys ? keys : "")
					: gk_asprintf("ADD FOREIGN KEY (%s)", keys ? keys : "")),
			    k);
		break;
	default:
		break;
	}
	free(keys);
}

static void validate(finder *f, const PgQuery__RangeVar *rv, const char *name)
{
	char *table = range_var(rv);
	if (!table) {
		f->rc = GK_ENOMEM;
		return;
	}
	const defined *d = NULL;
	for (size_t i = 0; i < f->n_d; i++)
		if (f->d[i].table && strcmp(f->d[i].table, table) == 0 && strcmp(f->d[i].name, name) == 0)
			d = &f->d[i];
	free(table);
	gk_precheck *c = add(f, d ? d->spec.kind : GK_PRECHECK_VALIDATE, rv,
			     gk_asprintf("VALIDATE CONSTRAINT %s", name));
	if (!c)
		return;
	if (!d) {
		if (!(c->expr = gk_strdup(name)))
			f->rc = GK_ENOMEM;
		return;
	}
	/* The definition from the pending ADD ... NOT VALID. */
	bool oom = false;
	if (d->spec.expr && !(c->expr = gk_strdup(d->spec.expr)))
		oom = true;
	for (size_t i = 0; i < d->spec.n_cols; i++)
		oom |= push_col(&c->cols, &c->n_cols, gk_strdup(d->spec.cols[i])) != 0;
	for (size_t i = 0; i < d->spec.n_ref_cols; i++)
		oom |= push_col(&c->ref_cols, &c->n_ref_cols, gk_strdup(d->spec.ref_cols[i])) != 0;
	if (d->spec.ref_table && !(c->ref_table = gk_strdup(d->spec.ref_table)))
		oom = true;
	c->match_full = d->spec.match_full;
	if (d->spec.not_run && !c->not_run && !(c->not_run = gk_strdup(d->spec.not_run)))
		oom = true;
	if (d->spec.kind == GK_PRECHECK_CHECK && !d->spec.expr && !c->not_run)
		c->not_run = gk_strdup("not checked: the CHECK expression could not be deparsed");
	if (oom)
		f->rc = GK_ENOMEM;
}

/* ---- column changes --------------------------------------------------- */

static bool has_constraint(const PgQuery__ColumnDef *cd, PgQuery__ConstrType t)
{
	for (size_t i = 0; i < cd->n_constraints; i++) {
		const PgQuery__Node *n = cd->constraints[i];
		if (n->node_case == PG_QUERY__NODE__NODE_CONSTRAINT && n->constraint->contype == t)
			return true;
	}
	return false;
}

/* serial, bigserial, smallserial (and serial2/4/8) come with a default. */
static bool serial_type(const PgQuery__TypeName *tn)
{
	const char *t = tn ? last_name(tn->names, tn->n_names) : NULL;
	return t && (strcmp(t, "serial") == 0 || strcmp(t, "bigserial") == 0 || strcmp(t, "smallserial") == 0 ||
		     strcmp(t, "serial2") == 0 || strcmp(t, "serial4") == 0 || strcmp(t, "serial8") == 0);
}

static void add_column(finder *f, const PgQuery__RangeVar *rv, const PgQuery__ColumnDef *cd)
{
	if (cd->colname)
		note_added(f, rv, cd->colname);
	bool not_null = cd->is_not_null || has_constraint(cd, PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL) ||
			has_constraint(cd, PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY);
	bool filled = cd->raw_default || has_constraint(cd, PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT) ||
		      has_constraint(cd, PG_QUERY__CONSTR_TYPE__CONSTR_IDENTITY) ||
		      has_constraint(cd, PG_QUERY__CONSTR_TYPE__CONSTR_GENERATED) || serial_type(cd->type_name);
	if (not_null && !filled)
		add(f, GK_PRECHECK_ROWS, rv, gk_asprintf("ADD COLUMN %s NOT NULL without a default", cd->colname));
}

/* Integer types a change can narrow to, and their range. */
static const struct {
	const char *name;
	const char *lo, *hi;
} int_types[] = {
	{"int2", "-32768", "32767"},
	{"int4", "-2147483648", "2147483647"},
	{"int8", "-9223372036854775808", "9223372036854775807"},
};

static int typmod(const PgQuery__TypeName *tn)
{
	if (tn->n_typmods != 1 || tn->typmods[0]->node_case != PG_QUERY__NODE__NODE_A_CONST)
		return -1;
	const PgQuery__AConst *a = tn->typmods[0]->a_const;
	return a->val_case == PG_QUERY__A__CONST__VAL_IVAL ? a->ival->ival : -1;
}

/* The enum of that name the pending migrations created, or NULL. */
static const defined *new_enum(const finder *f, const char *name)
{
	const defined *e = NULL;
	for (size_t i = 0; name && i < f->n_d; i++)
		if (!f->d[i].table && strcmp(f->d[i].name, name) == 0)
			e = &f->d[i];
	return e;
}

/*
 * The guard of a change to type `tn` of value `v` (SQL), or NULL with
 * *why set when the change is not checked (*why NULL: nothing to check).
 * `cast`: the value comes from an explicit cast in USING (the cast's
 * argument), which behaves as the assignment would except that a cast to
 * varchar(n) cuts instead of failing.
 */
static char *guard(const finder *f, const PgQuery__TypeName *tn, const char *v, bool cast, bool using, char **why)
{
	*why = NULL;
	const char *t = last_name(tn->names, tn->n_names);
	if (!t || tn->n_array_bounds)
		return NULL;
	if ((strcmp(t, "varchar") == 0 || strcmp(t, "bpchar") == 0) && typmod(tn) > 0)
		return cast ? NULL
			    : gk_asprintf("char_length(rtrim((%s)::text, ' ')) > %d", v, typmod(tn));
	/* To bigint without USING: from an integer type it only widens, so no
	 * scan is spent on the common int -> bigint change. */
	bool widening = strcmp(t, "int8") == 0 && !using;
	for (size_t i = 0; !widening && i < sizeof int_types / sizeof *int_types; i++)
		if (strcmp(t, int_types[i].name) == 0)
			return gk_asprintf(
				"CASE WHEN pg_typeof(%1$s) IN ('text'::regtype, 'character varying'::regtype, "
				"'character'::regtype) THEN NOT (btrim((%1$s)::text) ~ '^[-+]?[0-9]+$' AND "
				"btrim((%1$s)::text)::numeric BETWEEN %2$s AND %3$s) "
				"ELSE round((%1$s)::numeric) NOT BETWEEN %2$s AND %3$s END",
				v, int_types[i].lo, int_types[i].hi);
	if (new_enum(f, t))
		return NULL; /* the ENUM check */
	if (cast)
		*why = gk_asprintf("not checked: only casts to varchar(n), char(n), smallint, integer, bigint and enums "
				   "the migrations recreate are checked, not to %s", t);
	return NULL;
}

static void alter_type(finder *f, const PgQuery__RangeVar *rv, const char *column, const PgQuery__ColumnDef *cd)
{
	const PgQuery__TypeName *tn = cd->type_name;
	if (!tn)
		return;
	/* USING x::T (also x::text::T): the value converted is x. */
	PgQuery__Node *u = cd->raw_default;
	bool cast = u && u->node_case == PG_QUERY__NODE__NODE_TYPE_CAST;
	char *v = u ? deparse(cast ? u->type_cast->arg : u) : ident(column);
	if (!v && !u) {
		f->rc = GK_ENOMEM;
		return;
	}
	if (!v) {
		gk_precheck *c = add(f, GK_PRECHECK_FIT, rv, gk_asprintf("ALTER COLUMN %s TYPE", column));
		if (c && !c->not_run)
			c->not_run = gk_strdup("not checked: the USING expression could not be deparsed");
		return;
	}
	const char *t = last_name(tn->names, tn->n_names);
	const defined *e = tn->n_array_bounds ? NULL : new_enum(f, t);
	char *why = NULL, *g = e ? NULL : guard(f, tn, v, cast, u != NULL, &why);
	if (e || g || why) {
		gk_precheck *c = add(f, e ? GK_PRECHECK_ENUM : GK_PRECHECK_FIT, rv,
				     gk_asprintf("ALTER COLUMN %s TYPE %s", column, t ? t : "?"));
		col(f, c, column);
		guard_expr(&f->rc, c, u);
		if (c) {
			c->expr = v;
			v = NULL;
			c->guard = e ? gk_strdup(e->spec.guard) : g;
			g = NULL;
			if (!c->guard && !why && f->rc == 0)
				f->rc = GK_ENOMEM;
			if (why && !c->not_run) {
				c->not_run = why;
				why = NULL;
			}
		}
	}
	free(v);
	free(g);
	free(why);
}

static void alter_table(finder *f, const PgQuery__AlterTableStmt *as)
{
	if (as->objtype != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE || !as->relation)
		return;
	const PgQuery__RangeVar *rv = as->relation;
	for (size_t i = 0; f->rc == 0 && i < as->n_cmds; i++) {
		if (as->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		const PgQuery__AlterTableCmd *c = as->cmds[i]->alter_table_cmd;
		const PgQuery__Node *def = c->def;
		switch (c->subtype) {
		case PG_QUERY__ALTER_TABLE_TYPE__AT_SetNotNull:
			col(f, add(f, GK_PRECHECK_NULLS, rv, gk_asprintf("ALTER COLUMN %s SET NOT NULL", c->name)), c->name);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn:
			if (def && def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF)
				add_column(f, rv, def->column_def);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint:
			if (def && def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT)
				add_constraint(f, rv, def->constraint);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_ValidateConstraint:
			if (c->name)
				validate(f, rv, c->name);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType:
			if (def && def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF)
				alter_type(f, rv, c->name, def->column_def);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumn:
			col(f, add(f, GK_PRECHECK_LOSS_COLUMN, rv, gk_asprintf("DROP COLUMN %s", c->name)), c->name);
			break;
		default:
			break;
		}
	}
}

static void unique_index(finder *f, const PgQuery__IndexStmt *ix)
{
	if (!ix->unique || !ix->relation)
		return;
	gk_precheck *c = add(f, GK_PRECHECK_UNIQUE, ix->relation,
			     ix->idxname && *ix->idxname ? gk_asprintf("CREATE UNIQUE INDEX %s", ix->idxname)
							 : gk_strdup("CREATE UNIQUE INDEX"));
	if (!c)
		return;
	c->nulls_distinct = !ix->nulls_not_distinct;
	for (size_t i = 0; f->rc == 0 && i < ix->n_index_params; i++) {
		const PgQuery__Node *n = ix->index_params[i];
		if (n->node_case != PG_QUERY__NODE__NODE_INDEX_ELEM)
			continue;
		const PgQuery__IndexElem *e = n->index_elem;
		guard_expr(&f->rc, c, e->expr);
		char *k = e->name && *e->name ? ident(e->name) : e->expr ? deparse(e->expr) : NULL;
		if (k) {
			if (!e->name || !*e->name) {
				char *p = gk_asprintf("(%s)", k);
				free(k);
				k = p;
			}
			if (push_col(&c->cols, &c->n_cols, k) != 0)
				f->rc = GK_ENOMEM;
			if (e->name && *e->name)
				added_before(f, c, e->name);
		} else if (!c->not_run) {
			c->not_run = gk_strdup("not checked: an index expression could not be deparsed");
		}
	}
	guard_expr(&f->rc, c, ix->where_clause);
	if (ix->where_clause && !(c->expr = deparse(ix->where_clause)) && !c->not_run)
		c->not_run = gk_strdup("not checked: the index's WHERE could not be deparsed");
}

static void drop(finder *f, const PgQuery__DropStmt *ds)
{
	if (ds->remove_type != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE)
		return;
	for (size_t i = 0; f->rc == 0 && i < ds->n_objects; i++) {
		const PgQuery__Node *o = ds->objects[i];
		if (o->node_case != PG_QUERY__NODE__NODE_LIST)
			continue;
		const PgQuery__List *l = o->list;
		PgQuery__RangeVar rv = PG_QUERY__RANGE_VAR__INIT;
		rv.relname = (char *)str(l->items[l->n_items - 1]);
		rv.schemaname = l->n_items > 1 ? (char *)str(l->items[l->n_items - 2]) : NULL;
		if (rv.relname)
			add(f, GK_PRECHECK_LOSS_ROWS, &rv, gk_strdup("DROP TABLE"));
	}
}

static void create_enum(finder *f, const PgQuery__CreateEnumStmt *ce)
{
	const char *name = last_name(ce->type_name, ce->n_type_name);
	if (!name || gk_grow(&f->d, &f->cap_d, f->n_d + 1, sizeof *f->d) < 0) {
		f->rc = name ? GK_ENOMEM : f->rc;
		return;
	}
	gk_buf b = GK_BUF_INIT;
	for (size_t i = 0; i < ce->n_vals; i++) {
		gk_buf_puts(&b, i ? ", '" : "'");
		for (const char *p = str(ce->vals[i]) ? str(ce->vals[i]) : ""; *p; p++) {
			if (*p == '\'')
				gk_buf_putc(&b, '\'');
			gk_buf_putc(&b, *p);
		}
		gk_buf_putc(&b, '\'');
	}
	defined *d = &f->d[f->n_d++];
	memset(d, 0, sizeof *d);
	d->path = f->path;
	d->name = gk_strdup(name);
	/* An enum without labels: "" (every non-NULL value is removed). */
	d->spec.guard = gk_buf_take(&b);
	if (!ce->n_vals && !d->spec.guard)
		d->spec.guard = gk_strdup("");
	if (!d->name || !d->spec.guard)
		f->rc = GK_ENOMEM;
}

static void statement(finder *f, const PgQuery__Node *n)
{
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		alter_table(f, n->alter_table_stmt);
		break;
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		unique_index(f, n->index_stmt);
		break;
	case PG_QUERY__NODE__NODE_DROP_STMT:
		drop(f, n->drop_stmt);
		break;
	case PG_QUERY__NODE__NODE_TRUNCATE_STMT:
		for (size_t i = 0; i < n->truncate_stmt->n_relations; i++) {
			const PgQuery__Node *r = n->truncate_stmt->relations[i];
			if (r->node_case == PG_QUERY__NODE__NODE_RANGE_VAR) {
				add(f, GK_PRECHECK_LOSS_ROWS, r->range_var, gk_strdup("TRUNCATE"));
				note_write(f, r->range_var);
			}
		}
		break;
	case PG_QUERY__NODE__NODE_CREATE_ENUM_STMT:
		create_enum(f, n->create_enum_stmt);
		break;
	case PG_QUERY__NODE__NODE_INSERT_STMT:
		note_write(f, n->insert_stmt->relation);
		break;
	case PG_QUERY__NODE__NODE_UPDATE_STMT:
		note_write(f, n->update_stmt->relation);
		break;
	case PG_QUERY__NODE__NODE_DELETE_STMT:
		note_write(f, n->delete_stmt->relation);
		break;
	case PG_QUERY__NODE__NODE_MERGE_STMT:
		note_write(f, n->merge_stmt->relation);
		break;
	case PG_QUERY__NODE__NODE_COPY_STMT:
		if (n->copy_stmt->is_from)
			note_write(f, n->copy_stmt->relation);
		break;
	case PG_QUERY__NODE__NODE_DO_STMT:
	case PG_QUERY__NODE__NODE_CALL_STMT:
		if (!f->any_write && !(f->any_write = gk_asprintf("%s:%d", f->path, f->line)))
			f->rc = GK_ENOMEM;
		break;
	default:
		break;
	}
}

/* ---- the run ------------------------------------------------------------ */

typedef struct job {
	finder *f;
	const gk_precheck_input *in;
	size_t n;
} job;

static void find_in(finder *f, const gk_precheck_input *in)
{
	gk_source src;
	gk_sql sql;
	if (gk_source_init(&src, in->text, in->len) != 0) {
		f->rc = GK_ENOMEM;
		return;
	}
	if (gk_sql_parse(&sql, in->text, in->len, 0) != 0) {
		gk_source_free(&src);
		f->rc = GK_ENOMEM;
		return;
	}
	f->path = in->path;
	for (size_t i = 0; f->rc == 0 && i < sql.n_stmts; i++) {
		int column;
		gk_source_pos(&src, sql.stmts[i].start, &f->line, &column);
		statement(f, sql.stmts[i].node);
	}
	gk_sql_free(&sql);
	gk_source_free(&src);
}

static void *find_thread(void *arg)
{
	job *j = arg;
	for (size_t i = 0; j->f->rc == 0 && i < j->n; i++)
		find_in(j->f, &j->in[i]);
	return NULL;
}

static void finder_free(finder *f)
{
	for (size_t i = 0; i < f->n_w; i++) {
		free(f->w[i].schema);
		free(f->w[i].name);
		free(f->w[i].where);
	}
	free(f->w);
	free(f->any_write);
	for (size_t i = 0; i < f->n_added; i++) {
		free(f->added[i].table);
		free(f->added[i].name);
		free(f->added[i].where);
	}
	free(f->added);
	for (size_t i = 0; i < f->n_d; i++) {
		free(f->d[i].table);
		free(f->d[i].name);
		gk_precheck_clear(&f->d[i].spec);
	}
	free(f->d);
}

int gk_precheck_find(const gk_precheck_input *in, size_t n, gk_precheck **out, size_t *n_out)
{
	*out = NULL;
	*n_out = 0;
	finder f = {0};
	job j = {.f = &f, .in = in, .n = n};
	if (gk_sql_on_deep_stack(find_thread, &j) != 0)
		return GK_ENOMEM;
	finder_free(&f);
	if (f.rc != 0) {
		gk_prechecks_free(f.out, f.n);
		return f.rc;
	}
	*out = f.out;
	*n_out = f.n;
	return 0;
}
