/*
 * diff.c - what differs between two snapshots.
 *
 * Objects are matched by kind and identity, never by position; values are
 * compared as the server rendered them, byte for byte.  Both snapshots
 * must come from the same PostgreSQL major version, since the renderings
 * (pg_get_viewdef above all) change between majors and would all look
 * like drift.
 *
 * What is not compared is said, never silently taken as equal: kinds only
 * one side read, owners/comments/grants read by one side only, and the
 * objects each snapshot lists under not_compared.
 *
 * Under a table (view, materialized view, domain) that one side lacks, the
 * columns, constraints, indexes, triggers, policies and owned sequences are
 * not listed again: the reader needs one line, not fifty.
 */
#include "catalog/catalog_internal.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

typedef struct side {
	const json_t *objects, *nc, *options, *schemas;
	const char *name;
} side;

typedef struct ctx {
	const gk_catalog_diff_options *o;
	side e, a;
	bool skip[3];          /* attributes not compared: owner, comment, grants */
	json_t *gone;          /* identities of tables, views, domains one side lacks */
	gk_catalog_diff_result *out;
	size_t cap_changes, cap_unc, cap_counts;
} ctx;

static const char *const gated_attr[3] = {"owner", "comment", "grants"};
static const char *const gated_option[3] = {"owners", "comments", "grants"};
static const char *const owner_kinds[] = {"table", "view", "materialized_view", "domain"};

const char *gk_catalog_change_kind_name(enum gk_catalog_change_kind k)
{
	static const char *const names[] = {"missing", "unexpected", "changed"};
	return k <= GK_CATALOG_CHANGED ? names[k] : "?";
}

/* ---- scope and ignore ------------------------------------------------------ */

static bool listed(const json_t *schemas, const char *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < json_array_size(schemas); i++)
		if (!strcmp(json_string_value(json_array_get(schemas, i)), name))
			return true;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], name))
			return true;
	return false;
}

static bool in_scope(const ctx *c, const char *kind, const char *id, const json_t *attrs)
{
	if (!c->o->n_schemas && !json_array_size(c->e.schemas) && !json_array_size(c->a.schemas))
		return true;
	if (gk_cat_kind_global(kind))
		return true;
	char schema[256];
	const char *src = id;
	if (!strcmp(kind, "extension"))
		src = json_string_value(json_object_get(attrs, "schema"));
	gk_cat_ident_first(schema, sizeof schema, src ? src : "");
	if (c->o->n_schemas && !listed(NULL, c->o->schemas, c->o->n_schemas, schema))
		return false;
	if (json_array_size(c->e.schemas) && !listed(c->e.schemas, NULL, 0, schema))
		return false;
	return !json_array_size(c->a.schemas) || listed(c->a.schemas, NULL, 0, schema);
}

/* The table (view, domain) an object hangs under, or NULL. */
static char *owner_of(const char *kind, const char *id, const json_t *attrs)
{
	if (!strcmp(kind, "index"))
		return gk_strdup(json_string_value(json_object_get(attrs, "table")));
	if (!strcmp(kind, "sequence")) {
		const char *col = json_string_value(json_object_get(attrs, "owned_by"));
		return col ? gk_strndup(col, gk_cat_ident_parent_len(col)) : NULL;
	}
	if (strcmp(kind, "column") && strcmp(kind, "constraint") && strcmp(kind, "trigger") &&
	    strcmp(kind, "policy"))
		return NULL;
	size_t n = gk_cat_ident_parent_len(id);
	return n ? gk_strndup(id, n) : NULL;
}

static bool ignored(const ctx *c, const char *kind, const char *id, const char *owner)
{
	for (size_t i = 0; i < c->o->n_ignore; i++) {
		if (gk_cat_glob_match(c->o->ignore[i], kind, id))
			return true;
		for (size_t k = 0; owner && k < sizeof owner_kinds / sizeof *owner_kinds; k++)
			if (gk_cat_glob_match(c->o->ignore[i], owner_kinds[k], owner))
				return true;
	}
	return false;
}

/* ---- results ---------------------------------------------------------------- */

static int push_change(ctx *c, gk_catalog_change ch)
{
	gk_catalog_diff_result *r = c->out;
	if (!ch.object_kind || !ch.object || !ch.message ||
	    gk_grow(&r->changes, &c->cap_changes, r->n_changes + 1, sizeof *r->changes) != 0) {
		free(ch.object_kind), free(ch.object), free(ch.attribute);
		free(ch.expected), free(ch.actual), free(ch.message);
		return GK_ENOMEM;
	}
	r->changes[r->n_changes++] = ch;
	return 0;
}

static int push_uncompared(ctx *c, const char *kind, char *reason)
{
	gk_catalog_diff_result *r = c->out;
	char *k = gk_strdup(kind);
	if (!k || !reason || gk_grow(&r->uncompared, &c->cap_unc, r->n_uncompared + 1, sizeof *r->uncompared)) {
		free(k);
		free(reason);
		return GK_ENOMEM;
	}
	r->uncompared[r->n_uncompared++] = (gk_catalog_uncompared){k, reason};
	return 0;
}

static int whole(ctx *c, enum gk_catalog_change_kind k, const char *kind, const char *id)
{
	return push_change(c, (gk_catalog_change){
		k, gk_strdup(kind), gk_strdup(id), NULL, NULL, NULL,
		gk_cat_message(k, kind, id, NULL, NULL, NULL, c->e.name, c->a.name)});
}

static int changed(ctx *c, const char *kind, const char *id, const char *attr, const json_t *ev,
		   const json_t *av)
{
	return push_change(c, (gk_catalog_change){
		GK_CATALOG_CHANGED, gk_strdup(kind), gk_strdup(id), gk_strdup(attr), gk_cat_value_text(ev),
		gk_cat_value_text(av), gk_cat_message(GK_CATALOG_CHANGED, kind, id, attr, ev, av, c->e.name, c->a.name)});
}

/* ---- one object ---------------------------------------------------------------- */

static bool skipped_attr(const ctx *c, const char *attr)
{
	for (int i = 0; i < 3; i++)
		if (c->skip[i] && !strcmp(attr, gated_attr[i]))
			return true;
	return false;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static int compare_attrs(ctx *c, const char *kind, const char *id, const json_t *ea, const json_t *aa)
{
	if (json_equal((json_t *)ea, (json_t *)aa))
		return 0;
	size_t n = 0, cap = json_object_size(ea) + json_object_size(aa);
	const char **names = malloc((cap ? cap : 1) * sizeof *names);
	if (!names)
		return GK_ENOMEM;
	const char *attr;
	json_t *v;
	json_object_foreach((json_t *)ea, attr, v)
		names[n++] = attr;
	json_object_foreach((json_t *)aa, attr, v)
		if (!json_object_get(ea, attr))
			names[n++] = attr;
	qsort(names, n, sizeof *names, cmp_str);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const json_t *ev = json_object_get(ea, names[i]), *av = json_object_get(aa, names[i]);
		/* An attribute one side lacks counts as none. */
		bool same = json_equal(ev ? (json_t *)ev : json_null(), av ? (json_t *)av : json_null());
		if (!same && !skipped_attr(c, names[i]))
			rc = changed(c, kind, id, names[i], ev, av);
	}
	free(names);
	return rc;
}

/* ---- one kind ------------------------------------------------------------------- */

typedef struct keys {
	const char **v;
	size_t n;
} keys;

/* The identities of `objs` in scope and not ignored, sorted; *n_ignored
 * (may be NULL) counts those in scope that are ignored. */
static int collect(const ctx *c, const char *kind, const json_t *objs, keys *k, size_t *n_ignored)
{
	k->n = 0;
	k->v = malloc((json_object_size(objs) + 1) * sizeof *k->v);
	if (!k->v)
		return GK_ENOMEM;
	const char *id;
	json_t *attrs;
	json_object_foreach((json_t *)objs, id, attrs) {
		if (!in_scope(c, kind, id, attrs))
			continue;
		char *owner = c->o->n_ignore ? owner_of(kind, id, attrs) : NULL;
		bool skip = ignored(c, kind, id, owner);
		free(owner);
		if (!skip)
			k->v[k->n++] = id;
		else if (n_ignored)
			(*n_ignored)++;
	}
	qsort(k->v, k->n, sizeof *k->v, cmp_str);
	return 0;
}

static bool under_gone(const ctx *c, const char *kind, const char *id, const json_t *attrs)
{
	char *owner = owner_of(kind, id, attrs);
	bool gone = owner && json_object_get(c->gone, owner);
	free(owner);
	return gone;
}

static int one_side(ctx *c, enum gk_catalog_change_kind k, const char *kind, const char *id, const json_t *objs)
{
	if (under_gone(c, kind, id, json_object_get(objs, id)))
		return 0;
	return whole(c, k, kind, id);
}

static int compare_kind(ctx *c, const char *kind)
{
	const json_t *eo = json_object_get(c->e.objects, kind), *ao = json_object_get(c->a.objects, kind);
	keys ke = {0}, ka = {0};
	gk_catalog_kind_count count = {kind, 0, 0};
	int rc = collect(c, kind, eo, &ke, NULL);
	if (rc == 0)
		rc = collect(c, kind, ao, &ka, &count.ignored);
	count.compared = ka.n;
	if (rc == 0 && gk_grow(&c->out->counts, &c->cap_counts, c->out->n_counts + 1, sizeof *c->out->counts) != 0)
		rc = GK_ENOMEM;
	if (rc == 0)
		c->out->counts[c->out->n_counts++] = count;
	size_t i = 0, j = 0;
	while (rc == 0 && (i < ke.n || j < ka.n)) {
		int d = i == ke.n ? 1 : j == ka.n ? -1 : strcmp(ke.v[i], ka.v[j]);
		if (d < 0)
			rc = one_side(c, GK_CATALOG_MISSING, kind, ke.v[i++], eo);
		else if (d > 0)
			rc = one_side(c, GK_CATALOG_UNEXPECTED, kind, ka.v[j++], ao);
		else {
			rc = compare_attrs(c, kind, ke.v[i], json_object_get(eo, ke.v[i]), json_object_get(ao, ka.v[j]));
			i++, j++;
		}
	}
	free(ke.v);
	free(ka.v);
	return rc;
}

/* Tables (views, domains) one side lacks, whatever the scope: what hangs
 * under them is not listed again. */
static int mark_gone(ctx *c)
{
	for (size_t k = 0; k < sizeof owner_kinds / sizeof *owner_kinds; k++) {
		const json_t *eo = json_object_get(c->e.objects, owner_kinds[k]);
		const json_t *ao = json_object_get(c->a.objects, owner_kinds[k]);
		const char *id;
		json_t *v;
		json_object_foreach((json_t *)eo, id, v)
			if (!json_object_get(ao, id) && json_object_set_new(c->gone, id, json_true()))
				return GK_ENOMEM;
		json_object_foreach((json_t *)ao, id, v)
			if (!json_object_get(eo, id) && json_object_set_new(c->gone, id, json_true()))
				return GK_ENOMEM;
	}
	return 0;
}

/* ---- what is not compared ------------------------------------------------------- */

static int gated_options(ctx *c)
{
	int rc = 0;
	for (int i = 0; rc == 0 && i < 3; i++) {
		bool e = json_is_true(json_object_get(c->e.options, gated_option[i]));
		bool a = json_is_true(json_object_get(c->a.options, gated_option[i]));
		c->skip[i] = !(e && a);
		if (e != a)
			rc = push_uncompared(c, gated_option[i],
					     gk_asprintf("only the snapshot of %s has them (snapshot --%s); not compared",
							 e ? c->e.name : c->a.name, gated_option[i]));
	}
	return rc;
}

/* Up to three identities of a list, in scope and not ignored, and the count. */
static size_t sample(const ctx *c, const char *kind, const json_t *list, gk_buf *b)
{
	size_t n = 0;
	for (size_t i = 0; i < json_array_size(list); i++) {
		const char *id = json_string_value(json_array_get(list, i));
		if (!in_scope(c, kind, id, NULL) || ignored(c, kind, id, NULL))
			continue;
		if (n < 3)
			gk_buf_printf(b, "%s%s", n ? ", " : "", id);
		else if (n == 3)
			gk_buf_puts(b, ", ...");
		n++;
	}
	return n;
}

static int listed_kind(ctx *c, const char *kind)
{
	gk_buf be = GK_BUF_INIT, ba = GK_BUF_INIT;
	size_t ne = sample(c, kind, json_object_get(c->e.nc, kind), &be);
	size_t na = sample(c, kind, json_object_get(c->a.nc, kind), &ba);
	int rc = 0;
	if (ne || na) {
		char *why = gk_asprintf("%zu in %s%s%s%s, %zu in %s%s%s%s; not compared", na, c->a.name,
					na ? " (" : "", na ? ba.data : "", na ? ")" : "", ne, c->e.name, ne ? " (" : "",
					ne ? be.data : "", ne ? ")" : "");
		rc = be.failed || ba.failed ? (free(why), GK_ENOMEM) : push_uncompared(c, kind, why);
	}
	gk_buf_free(&be);
	gk_buf_free(&ba);
	return rc;
}

static size_t count_in_scope(const ctx *c, const char *kind, const json_t *objs)
{
	size_t n = 0;
	const char *id;
	json_t *attrs;
	json_object_foreach((json_t *)objs, id, attrs)
		if (in_scope(c, kind, id, attrs) && !ignored(c, kind, id, NULL))
			n++;
	return n;
}

/* A kind only one snapshot read. */
static int one_sided_kind(ctx *c, const char *kind, const side *has)
{
	size_t n = count_in_scope(c, kind, json_object_get(has->objects, kind));
	if (!n)
		return 0;
	return push_uncompared(c, kind, gk_asprintf("only the snapshot of %s reads them (%zu there); not compared",
						   has->name, n));
}

static int uncompared_kinds(ctx *c)
{
	int rc = 0;
	const char *kind;
	json_t *v;
	json_object_foreach((json_t *)c->e.objects, kind, v)
		if (rc == 0 && !json_object_get(c->a.objects, kind))
			rc = one_sided_kind(c, kind, &c->e);
	json_object_foreach((json_t *)c->a.objects, kind, v)
		if (rc == 0 && !json_object_get(c->e.objects, kind))
			rc = one_sided_kind(c, kind, &c->a);
	json_object_foreach((json_t *)c->e.nc, kind, v)
		if (rc == 0)
			rc = listed_kind(c, kind);
	json_object_foreach((json_t *)c->a.nc, kind, v)
		if (rc == 0 && !json_object_get(c->e.nc, kind))
			rc = listed_kind(c, kind);
	return rc;
}

static int cmp_uncompared(const void *x, const void *y)
{
	return strcmp(((const gk_catalog_uncompared *)x)->kind, ((const gk_catalog_uncompared *)y)->kind);
}

/* ---- the whole diff ------------------------------------------------------------- */

static bool known_kind(const char *kind)
{
	for (size_t i = 0; i < gk_cat_n_kinds; i++)
		if (!strcmp(gk_cat_kinds[i], kind))
			return true;
	return false;
}

/* The kinds both sides read: the known ones in report order, then others. */
static int compare_all(ctx *c)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < gk_cat_n_kinds; i++)
		if (json_object_get(c->e.objects, gk_cat_kinds[i]) && json_object_get(c->a.objects, gk_cat_kinds[i]))
			rc = compare_kind(c, gk_cat_kinds[i]);
	keys others = {0};
	others.v = malloc((json_object_size(c->e.objects) + 1) * sizeof *others.v);
	if (!others.v)
		return GK_ENOMEM;
	const char *kind;
	json_t *v;
	json_object_foreach((json_t *)c->e.objects, kind, v)
		if (!known_kind(kind) && json_object_get(c->a.objects, kind))
			others.v[others.n++] = kind;
	qsort(others.v, others.n, sizeof *others.v, cmp_str);
	for (size_t i = 0; rc == 0 && i < others.n; i++)
		rc = compare_kind(c, others.v[i]);
	free(others.v);
	return rc;
}

static side side_of(const gk_catalog *cat, const char *name)
{
	const json_t *options = json_object_get(cat->doc, "options");
	return (side){json_object_get(cat->doc, "objects"), json_object_get(cat->doc, "not_compared"), options,
		      json_object_get(options, "schemas"), name};
}

static int major(int version_num)
{
	return version_num >= 100000 ? version_num / 10000 : version_num / 100;
}

static int check_versions(const ctx *c, const gk_catalog *e, const gk_catalog *a, gk_error *err)
{
	if (major(e->server_version) == major(a->server_version))
		return 0;
	return gk_error_set(err, GK_ECONFIG,
			    "the snapshots come from different PostgreSQL major versions (%d in %s, %d in %s), "
			    "whose renderings of the same schema differ: take both from servers of the same "
			    "major version",
			    major(a->server_version), c->a.name, major(e->server_version), c->e.name);
}

int gk_catalog_diff(gk_catalog_diff_result **out, const gk_catalog *expected, const gk_catalog *actual,
                    const gk_catalog_diff_options *o, gk_error *err)
{
	static const gk_catalog_diff_options defaults = {0};
	*out = NULL;
	if (!o)
		o = &defaults;
	ctx c = {o, side_of(expected, o->expected_name ? o->expected_name : "the migrations"),
		 side_of(actual, o->actual_name ? o->actual_name : "production"), {false, false, false}, NULL,
		 NULL, 0, 0, 0};
	int rc = check_versions(&c, expected, actual, err);
	if (rc)
		return rc;
	c.out = calloc(1, sizeof *c.out);
	c.gone = json_object();
	rc = c.out && c.gone ? 0 : GK_ENOMEM;
	if (rc == 0)
		rc = gated_options(&c);
	if (rc == 0)
		rc = mark_gone(&c);
	if (rc == 0)
		rc = compare_all(&c);
	if (rc == 0)
		rc = uncompared_kinds(&c);
	json_decref(c.gone);
	if (rc) {
		gk_catalog_diff_free(c.out);
		return gk_error_set(err, rc, "out of memory");
	}
	if (c.out->n_uncompared)
		qsort(c.out->uncompared, c.out->n_uncompared, sizeof *c.out->uncompared, cmp_uncompared);
	*out = c.out;
	return 0;
}

void gk_catalog_diff_free(gk_catalog_diff_result *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n_changes; i++) {
		gk_catalog_change *ch = &d->changes[i];
		free(ch->object_kind), free(ch->object), free(ch->attribute);
		free(ch->expected), free(ch->actual), free(ch->message);
	}
	for (size_t i = 0; i < d->n_uncompared; i++) {
		free(d->uncompared[i].kind);
		free(d->uncompared[i].reason);
	}
	free(d->changes);
	free(d->uncompared);
	free(d->counts);
	free(d);
}
