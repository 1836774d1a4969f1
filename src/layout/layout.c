/*
 * layout.c - read a migrations folder given as relative paths (see
 * src/layout/layout.h): normalise the paths, detect the tool, let the
 * tool's reader classify each file, then order the migrations the way the
 * tool applies them.
 */
#include "layout/layout_internal.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {
	"auto", "prisma", "flyway", "golang-migrate", "dbmate", "diesel", "plain",
};
_Static_assert(sizeof kind_names / sizeof *kind_names == GK_LAYOUT_PLAIN + 1, "layout kind names");

const char *gk_layout_kind_name(enum gk_layout_kind k)
{
	return (unsigned)k <= GK_LAYOUT_PLAIN ? kind_names[k] : "unknown";
}

int gk_layout_kind_parse(enum gk_layout_kind *out, const char *word)
{
	for (size_t i = 0; i <= GK_LAYOUT_PLAIN; i++)
		if (strcmp(kind_names[i], word) == 0) {
			*out = (enum gk_layout_kind)i;
			return 0;
		}
	/* The Supabase CLI applies the .sql files of supabase/migrations in name order: a plain folder. */
	if (strcmp(word, "supabase") == 0) {
		*out = GK_LAYOUT_PLAIN;
		return 0;
	}
	return GK_ENOTFOUND;
}

/* ---- version comparison ------------------------------------------------ */

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Compare two runs of digits by value, any length (Flyway uses BigInteger). */
static int num_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	while (an && *a == '0')
		a++, an--;
	while (bn && *b == '0')
		b++, bn--;
	if (an != bn)
		return an < bn ? -1 : 1;
	int c = memcmp(a, b, an);
	return c < 0 ? -1 : c > 0;
}

static int bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	if (c)
		return c < 0 ? -1 : 1;
	return an == bn ? 0 : an < bn ? -1 : 1;
}

/* A part is numeric when it is all digits; an exhausted version reads as 0. */
static int part_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	if (all_digits(a, an) && all_digits(b, bn))
		return num_cmp(a, an, b, bn);
	return bytes_cmp(a, an, b, bn);
}

/* Flyway: "1_10" and "1.10" are the same version (the '_' becomes '.'),
 * parts are compared as numbers and missing parts count as 0, so 1.0 == 1. */
static int flyway_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		size_t an = strcspn(a, "._"), bn = strcspn(b, "._");
		int c = part_cmp(a, an, b, bn);
		if (c)
			return c;
		a += an + (a[an] != '\0');
		b += bn + (b[bn] != '\0');
	}
	return 0;
}

/* diesel stores the folder prefix with its dashes removed and sorts those strings. */
static int diesel_cmp(const char *a, const char *b)
{
	for (;;) {
		while (*a == '-')
			a++;
		while (*b == '-')
			b++;
		if (*a != *b || !*a)
			return (unsigned char)*a < (unsigned char)*b ? -1 : (unsigned char)*a > (unsigned char)*b;
		a++, b++;
	}
}

int gk_layout_version_cmp(enum gk_layout_kind kind, const char *a, const char *b)
{
	if (!a || !b)
		return a == b ? 0 : a ? -1 : 1;
	switch (kind) {
	case GK_LAYOUT_FLYWAY:
		return flyway_cmp(a, b);
	case GK_LAYOUT_GOLANG_MIGRATE:
		/* golang-migrate parses the prefix as an unsigned integer. */
		return part_cmp(a, strlen(a), b, strlen(b));
	case GK_LAYOUT_DIESEL:
		return diesel_cmp(a, b);
	default:
		return bytes_cmp(a, strlen(a), b, strlen(b));
	}
}

/* ---- apply order per tool ---------------------------------------------- */

/* Ties end on the key, then the path, so duplicates keep a stable order. */
static int cmp_key_path(const gk_layout_migration *x, const gk_layout_migration *y)
{
	int c = strcmp(x->key, y->key);
	return c ? c : strcmp(x->path, y->path);
}

/* Prisma sorts folder names as bytes. */
static int cmp_prisma(const void *a, const void *b) { return cmp_key_path(a, b); }

/* dbmate and plain apply files in file-name / path order. */
static int cmp_path(const void *a, const void *b)
{
	const gk_layout_migration *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	return c ? c : strcmp(x->key, y->key);
}

/* Flyway: versioned migrations by version, then repeatables by description. */
static int cmp_flyway(const void *a, const void *b)
{
	const gk_layout_migration *x = a, *y = b;
	if (x->repeatable != y->repeatable)
		return x->repeatable ? 1 : -1;
	int c = x->repeatable ? strcmp(x->name, y->name) : gk_layout_version_cmp(GK_LAYOUT_FLYWAY, x->version, y->version);
	return c ? c : cmp_key_path(x, y);
}

static int cmp_golang(const void *a, const void *b)
{
	const gk_layout_migration *x = a, *y = b;
	int c = gk_layout_version_cmp(GK_LAYOUT_GOLANG_MIGRATE, x->version, y->version);
	return c ? c : cmp_key_path(x, y);
}

static int cmp_diesel(const void *a, const void *b)
{
	const gk_layout_migration *x = a, *y = b;
	int c = gk_layout_version_cmp(GK_LAYOUT_DIESEL, x->version, y->version);
	return c ? c : cmp_key_path(x, y);
}

typedef int (*tool_reader)(gk_lb *, const char *const *, size_t);

static const struct tool {
	tool_reader read;
	int (*order)(const void *, const void *);
} tools[] = {
	[GK_LAYOUT_PRISMA] = {gk_layout_prisma, cmp_prisma},
	[GK_LAYOUT_FLYWAY] = {gk_layout_flyway, cmp_flyway},
	[GK_LAYOUT_GOLANG_MIGRATE] = {gk_layout_golang, cmp_golang},
	[GK_LAYOUT_DBMATE] = {gk_layout_dbmate, cmp_path},
	[GK_LAYOUT_DIESEL] = {gk_layout_diesel, cmp_diesel},
	[GK_LAYOUT_PLAIN] = {gk_layout_plain, cmp_path},
};

/* ---- detection --------------------------------------------------------- */

/* How many files look like a migration of each tool. */
typedef struct votes {
	size_t n[GK_LAYOUT_PLAIN + 1];
	size_t dbmate_names;   /* dbmate-like names; only a marker inside makes them dbmate */
	bool lock;
} votes;

static void count_votes(votes *v, const char *const *paths, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *p = paths[i], *base = gk_lp_base(p);
		size_t depth = gk_lp_depth(p);
		char prefix;
		bool up;
		gk_span s1, s2, s3;
		if (strcmp(p, "migration_lock.toml") == 0)
			v->lock = true;
		if (depth == 1 && (strcmp(base, "migration.sql") == 0 || gk_prisma_package_file(base)))
			v->n[GK_LAYOUT_PRISMA]++;
		if (depth == 1 && strcmp(base, "up.sql") == 0)
			v->n[GK_LAYOUT_DIESEL]++;
		if (gk_flyway_match(base, &prefix, &s1, &s2) && prefix != 'U')
			v->n[GK_LAYOUT_FLYWAY]++;
		if (depth == 0 && gk_golang_match(base, &up, &s1, &s2, &s3))
			v->n[GK_LAYOUT_GOLANG_MIGRATE]++;
		if (depth == 0 && gk_dbmate_match(base, &s1, &s2, &s3))
			v->dbmate_names++;
	}
}

/* dbmate files are named like Supabase or golang-migrate ones; what tells
 * them apart is the `-- migrate:up` marker, so look inside a few. */
static bool dbmate_marked(gk_lb *b, const char *const *paths, size_t n)
{
	size_t looked = 0;
	gk_span s1, s2, s3;
	for (size_t i = 0; i < n && looked < 8; i++) {
		if (gk_lp_depth(paths[i]) != 0 || !gk_dbmate_match(paths[i], &s1, &s2, &s3))
			continue;
		char *text = NULL;
		size_t len = 0;
		looked++;
		if (b->read(&text, &len, paths[i], b->payload) < 0)
			continue;
		bool marked = text && gk_dbmate_has_marker(text, len);
		free(text);
		if (marked)
			return true;
	}
	return false;
}

/* The tool with the most matching files; ties go to the more specific
 * pattern (the order of the enum).  Prisma's lock file settles it. */
static enum gk_layout_kind detect(gk_lb *b, const char *const *paths, size_t n)
{
	votes v = {0};
	count_votes(&v, paths, n);
	if (v.lock)
		return GK_LAYOUT_PRISMA;
	enum gk_layout_kind best = GK_LAYOUT_PLAIN;
	size_t most = 0;
	for (int k = GK_LAYOUT_PRISMA; k < GK_LAYOUT_PLAIN; k++)
		if (v.n[k] > most)
			most = v.n[k], best = (enum gk_layout_kind)k;
	if (v.dbmate_names > most && b->read && dbmate_marked(b, paths, n))
		best = GK_LAYOUT_DBMATE;
	return best;
}

/* ---- gk_layout_read ---------------------------------------------------- */

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Sorted, unique paths without "./"; directory entries and empty names dropped. */
static const char **normalise(const char *const *in, size_t n, size_t *out_n)
{
	const char **p = malloc((n ? n : 1) * sizeof *p);
	if (!p)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const char *s = in[i];
		while (s && s[0] == '.' && s[1] == '/')
			s += 2;
		if (s && *s && !gk_lp_ends(s, "/"))
			p[k++] = s;
	}
	qsort(p, k, sizeof *p, cmp_str);
	size_t u = 0;
	for (size_t i = 0; i < k; i++)
		if (u == 0 || strcmp(p[u - 1], p[i]) != 0)
			p[u++] = p[i];
	*out_n = u;
	return p;
}

/* The whole file is the migration for every tool but dbmate. */
static int whole_file_ranges(gk_lb *b)
{
	for (size_t i = 0; i < b->l->n_migrations; i++) {
		gk_layout_migration *m = &b->l->migrations[i];
		m->up_start = 0;
		m->up_end = GK_LAYOUT_END;
		if (!b->read)
			continue;
		char *text;
		int rc = gk_lb_read(b, m->path, &text, &m->up_end);
		free(text);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int build(gk_lb *b, enum gk_layout_kind kind, const char *const *paths, size_t n)
{
	b->l->kind = kind == GK_LAYOUT_AUTO ? detect(b, paths, n) : kind;
	const struct tool *t = &tools[b->l->kind];
	int rc = t->read(b, paths, n);
	if (rc < 0)
		return rc;
	if (b->l->kind != GK_LAYOUT_DBMATE && (rc = whole_file_ranges(b)) < 0)
		return rc;
	if (b->l->n_migrations > 1)
		qsort(b->l->migrations, b->l->n_migrations, sizeof *b->l->migrations, t->order);
	if (b->l->n_stray > 1)
		qsort(b->l->stray, b->l->n_stray, sizeof *b->l->stray, cmp_str);
	if (b->l->n_packages > 1)
		qsort(b->l->packages, b->l->n_packages, sizeof *b->l->packages, cmp_str);
	return 0;
}

int gk_layout_read(gk_layout **out, enum gk_layout_kind kind, const char *const *relpaths, size_t n,
		   gk_layout_read_fn read, void *payload, gk_error *err)
{
	*out = NULL;
	if ((unsigned)kind > GK_LAYOUT_PLAIN)
		return gk_error_set(err, GK_ECONFIG, "unknown migration layout kind %d", (int)kind);
	size_t np = 0;
	const char **paths = normalise(relpaths, n, &np);
	gk_layout *l = calloc(1, sizeof *l);
	if (!paths || !l) {
		free(paths);
		free(l);
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	gk_lb b = {.l = l, .read = read, .payload = payload, .err = err};
	int rc = build(&b, kind, paths, np);
	free(paths);
	if (rc < 0) {
		gk_layout_free(l);
		return rc;
	}
	*out = l;
	return 0;
}

void gk_layout_free(gk_layout *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n_migrations; i++) {
		gk_layout_migration *m = &l->migrations[i];
		free(m->key);
		free(m->version);
		free(m->name);
		free(m->path);
		free(m->down_path);
	}
	free(l->migrations);
	for (size_t i = 0; i < l->n_refused; i++) {
		free(l->refused[i]);
		free(l->refused_why[i]);
	}
	free(l->refused);
	free(l->refused_why);
	for (size_t i = 0; i < l->n_stray; i++)
		free(l->stray[i]);
	free(l->stray);
	for (size_t i = 0; i < l->n_packages; i++)
		free(l->packages[i]);
	free(l->packages);
	free(l->lock_file);
	free(l->provider);
	free(l);
}
