/*
 * state_types.c - the enum types of the schema model and their values, and
 * the domains and their constraints.
 *
 * Rules ask which values an enum has before a statement (Prisma removes
 * values by recreating the type, and the values it drops are those of the
 * old type missing from the new one), and whether a domain has
 * constraints (adding a column of it rewrites the table).  A history has
 * few of either, so they live in plain arrays searched linearly.  A
 * dropped type keeps its slot with a NULL name.
 */
#include "state.h"
#include "../util/util.h"

#include <stdlib.h>
#include <string.h>

static const char *public_or(const char *s) { return s && *s ? s : "public"; }

static const char *str_of(const PgQuery__Node *n)
{
	return n && n->node_case == PG_QUERY__NODE__NODE_STRING ? n->string->sval : NULL;
}

/* schema and name of a qualified name list (List of String nodes). */
static bool split_name(PgQuery__Node *const *names, size_t n, const char **schema, const char **name)
{
	if (n == 0 || n > 3)
		return false;
	*name = str_of(names[n - 1]);
	*schema = n > 1 ? str_of(names[n - 2]) : NULL;
	return *name != NULL;
}

static gk_enum_type *find(const gk_state *st, const char *schema, const char *name)
{
	schema = public_or(schema);
	for (size_t i = st->n_enums; i-- > 0;) {
		gk_enum_type *e = &st->enums[i];
		if (e->name && strcmp(e->name, name) == 0 && strcmp(e->schema, schema) == 0)
			return e;
	}
	return NULL;
}

const gk_enum_type *gk_state_find_enum(const gk_state *st, const char *schema, const char *name)
{
	return name ? find(st, schema, name) : NULL;
}

bool gk_enum_has(const gk_enum_type *e, const char *val)
{
	for (size_t i = 0; e && i < e->n_vals; i++)
		if (strcmp(e->vals[i], val) == 0)
			return true;
	return false;
}

static void enum_clear(gk_enum_type *e)
{
	for (size_t i = 0; i < e->n_vals; i++)
		free(e->vals[i]);
	free(e->vals);
	free(e->schema);
	free(e->name);
	memset(e, 0, sizeof *e);
}

static int add_value(gk_enum_type *e, const char *val)
{
	if (!val || gk_enum_has(e, val))
		return 0;
	if (gk_grow(&e->vals, &e->cap_vals, e->n_vals + 1, sizeof *e->vals) < 0)
		return -1;
	if (!(e->vals[e->n_vals] = gk_strdup(val)))
		return -1;
	e->n_vals++;
	return 0;
}

static int create_enum(gk_state *st, const PgQuery__CreateEnumStmt *ce)
{
	const char *schema, *name;
	if (!split_name(ce->type_name, ce->n_type_name, &schema, &name))
		return 0;
	gk_enum_type *old = find(st, schema, name);
	if (old)
		enum_clear(old); /* the server refuses it; the model keeps the newer values */
	if (gk_grow(&st->enums, &st->cap_enums, st->n_enums + 1, sizeof *st->enums) < 0)
		return -1;
	gk_enum_type *e = &st->enums[st->n_enums++];
	memset(e, 0, sizeof *e);
	e->change = st->in_change ? st->change : 0;
	e->schema = gk_strdup(public_or(schema));
	e->name = gk_strdup(name);
	if (!e->schema || !e->name)
		return -1;
	for (size_t i = 0; i < ce->n_vals; i++)
		if (add_value(e, str_of(ce->vals[i])) < 0)
			return -1;
	return 0;
}

static int alter_enum(gk_state *st, const PgQuery__AlterEnumStmt *ae)
{
	const char *schema, *name;
	gk_enum_type *e;
	bool rename = ae->old_val && *ae->old_val; /* protobuf-c leaves unset strings "" */
	if (!split_name(ae->type_name, ae->n_type_name, &schema, &name) || !(e = find(st, schema, name)) ||
	    !ae->new_val || !*ae->new_val)
		return 0;
	if (rename)
		for (size_t i = 0; i < e->n_vals; i++)
			if (strcmp(e->vals[i], ae->old_val) == 0) {
				char *v = gk_strdup(ae->new_val);
				if (!v)
					return -1;
				free(e->vals[i]);
				e->vals[i] = v;
				return 0;
			}
	return rename ? 0 : add_value(e, ae->new_val);
}

/* ALTER TYPE a RENAME TO b (the type keeps its schema). */
static int rename_type(gk_state *st, const PgQuery__RenameStmt *rs)
{
	const char *schema, *name;
	if (rs->rename_type != PG_QUERY__OBJECT_TYPE__OBJECT_TYPE || !rs->newname || !rs->object ||
	    rs->object->node_case != PG_QUERY__NODE__NODE_LIST ||
	    !split_name(rs->object->list->items, rs->object->list->n_items, &schema, &name))
		return 0;
	gk_enum_type *e = find(st, schema, name);
	if (!e)
		return 0;
	char *n = gk_strdup(rs->newname);
	if (!n)
		return -1;
	free(e->name);
	e->name = n;
	return 0;
}

static void drop_types(gk_state *st, const PgQuery__DropStmt *ds)
{
	if (ds->remove_type != PG_QUERY__OBJECT_TYPE__OBJECT_TYPE)
		return;
	for (size_t i = 0; i < ds->n_objects; i++) {
		const PgQuery__Node *o = ds->objects[i];
		const char *schema, *name;
		/* DROP TYPE names a TypeName; older trees a List of names. */
		if (o->node_case == PG_QUERY__NODE__NODE_TYPE_NAME &&
		    split_name(o->type_name->names, o->type_name->n_names, &schema, &name)) {
			gk_enum_type *e = find(st, schema, name);
			if (e)
				enum_clear(e);
		} else if (o->node_case == PG_QUERY__NODE__NODE_LIST &&
			   split_name(o->list->items, o->list->n_items, &schema, &name)) {
			gk_enum_type *e = find(st, schema, name);
			if (e)
				enum_clear(e);
		}
	}
}

/* ---- domains ---- */

static gk_domain *find_domain(const gk_state *st, const char *schema, const char *name)
{
	schema = public_or(schema);
	for (size_t i = st->n_domains; i-- > 0;) {
		gk_domain *d = &st->domains[i];
		if (d->name && strcmp(d->name, name) == 0 && strcmp(d->schema, schema) == 0)
			return d;
	}
	return NULL;
}

const gk_domain *gk_state_find_domain(const gk_state *st, const char *schema, const char *name)
{
	return name ? find_domain(st, schema, name) : NULL;
}

static void domain_clear(gk_domain *d)
{
	for (size_t i = 0; i < d->n_checks; i++)
		free(d->checks[i]);
	free(d->checks);
	free(d->schema);
	free(d->name);
	memset(d, 0, sizeof *d);
}

/* A CHECK constraint, or NOT NULL; an unnamed CHECK is named as
 * PostgreSQL names it ("<domain>_check"), for a later DROP CONSTRAINT. */
static int domain_constraint(gk_domain *d, const PgQuery__Constraint *c)
{
	if (c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL) {
		d->not_null = true;
		return 0;
	}
	if (c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_NULL) {
		d->not_null = false;
		return 0;
	}
	if (c->contype != PG_QUERY__CONSTR_TYPE__CONSTR_CHECK)
		return 0;
	if (gk_grow(&d->checks, &d->cap_checks, d->n_checks + 1, sizeof *d->checks) < 0)
		return -1;
	char *name = c->conname && *c->conname ? gk_strdup(c->conname) : gk_asprintf("%s_check", d->name);
	if (!name)
		return -1;
	d->checks[d->n_checks++] = name;
	return 0;
}

static int create_domain(gk_state *st, const PgQuery__CreateDomainStmt *cd)
{
	const char *schema, *name;
	if (!split_name(cd->domainname, cd->n_domainname, &schema, &name))
		return 0;
	gk_domain *old = find_domain(st, schema, name);
	if (old)
		domain_clear(old); /* the server refuses it; the model keeps the newer one */
	if (gk_grow(&st->domains, &st->cap_domains, st->n_domains + 1, sizeof *st->domains) < 0)
		return -1;
	gk_domain *d = &st->domains[st->n_domains++];
	memset(d, 0, sizeof *d);
	d->schema = gk_strdup(public_or(schema));
	d->name = gk_strdup(name);
	if (!d->schema || !d->name)
		return -1;
	for (size_t i = 0; i < cd->n_constraints; i++)
		if (cd->constraints[i]->node_case == PG_QUERY__NODE__NODE_CONSTRAINT &&
		    domain_constraint(d, cd->constraints[i]->constraint) < 0)
			return -1;
	return 0;
}

/* ALTER DOMAIN: SET/DROP NOT NULL ('O', 'N'), ADD/DROP CONSTRAINT ('C', 'X'). */
static int alter_domain(gk_state *st, const PgQuery__AlterDomainStmt *ad)
{
	const char *schema, *name;
	gk_domain *d;
	if (!ad->subtype || !split_name(ad->type_name, ad->n_type_name, &schema, &name) ||
	    !(d = find_domain(st, schema, name)))
		return 0;
	switch (ad->subtype[0]) {
	case 'O': d->not_null = true; return 0;
	case 'N': d->not_null = false; return 0;
	case 'C':
		return ad->def && ad->def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT
			       ? domain_constraint(d, ad->def->constraint) : 0;
	case 'X':
		for (size_t i = 0; ad->name && i < d->n_checks; i++)
			if (strcmp(d->checks[i], ad->name) == 0) {
				free(d->checks[i]);
				d->checks[i] = d->checks[--d->n_checks];
				break;
			}
		return 0;
	default: /* SET/DROP DEFAULT, VALIDATE CONSTRAINT: the constraints stay */
		return 0;
	}
}

static void drop_domains(gk_state *st, const PgQuery__DropStmt *ds)
{
	for (size_t i = 0; ds->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_DOMAIN && i < ds->n_objects; i++) {
		const PgQuery__Node *o = ds->objects[i];
		const char *schema, *name;
		gk_domain *d = NULL;
		if (o->node_case == PG_QUERY__NODE__NODE_TYPE_NAME &&
		    split_name(o->type_name->names, o->type_name->n_names, &schema, &name))
			d = find_domain(st, schema, name);
		else if (o->node_case == PG_QUERY__NODE__NODE_LIST &&
			 split_name(o->list->items, o->list->n_items, &schema, &name))
			d = find_domain(st, schema, name);
		if (d)
			domain_clear(d);
	}
}

static int rename_domain(gk_state *st, const PgQuery__RenameStmt *rs)
{
	const char *schema, *name;
	if (rs->rename_type != PG_QUERY__OBJECT_TYPE__OBJECT_DOMAIN || !rs->newname || !*rs->newname || !rs->object ||
	    rs->object->node_case != PG_QUERY__NODE__NODE_LIST ||
	    !split_name(rs->object->list->items, rs->object->list->n_items, &schema, &name))
		return 0;
	gk_domain *d = find_domain(st, schema, name);
	if (!d)
		return 0;
	char *n = gk_strdup(rs->newname);
	if (!n)
		return -1;
	free(d->name);
	d->name = n;
	return 0;
}

int gk_state_apply_types(gk_state *st, const PgQuery__Node *n)
{
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_CREATE_DOMAIN_STMT:
		return create_domain(st, n->create_domain_stmt);
	case PG_QUERY__NODE__NODE_ALTER_DOMAIN_STMT:
		return alter_domain(st, n->alter_domain_stmt);
	case PG_QUERY__NODE__NODE_CREATE_ENUM_STMT:
		return create_enum(st, n->create_enum_stmt);
	case PG_QUERY__NODE__NODE_ALTER_ENUM_STMT:
		return alter_enum(st, n->alter_enum_stmt);
	case PG_QUERY__NODE__NODE_RENAME_STMT:
		return rename_type(st, n->rename_stmt) < 0 ? -1 : rename_domain(st, n->rename_stmt);
	case PG_QUERY__NODE__NODE_DROP_STMT:
		drop_types(st, n->drop_stmt);
		drop_domains(st, n->drop_stmt);
		return 0;
	default:
		return 0;
	}
}

void gk_state_free_types(gk_state *st)
{
	for (size_t i = 0; i < st->n_enums; i++)
		enum_clear(&st->enums[i]);
	free(st->enums);
	st->enums = NULL;
	st->n_enums = st->cap_enums = 0;
	for (size_t i = 0; i < st->n_domains; i++)
		domain_clear(&st->domains[i]);
	free(st->domains);
	st->domains = NULL;
	st->n_domains = st->cap_domains = 0;
}
