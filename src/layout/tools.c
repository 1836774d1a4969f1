/*
 * tools.c - the folder-per-migration tools (Prisma, diesel), golang-migrate
 * and plain folders.  Each reader adds the files it applies as migrations
 * and everything else as stray, except files the tool itself uses for
 * something else (named at each reader).
 */
#include "layout/layout_internal.h"
#include "util/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* "<version>_<name>": version up to the first '_' (all of it without one). */
static void split_version(gk_span whole, gk_span *version, gk_span *name)
{
	const char *us = memchr(whole.p, '_', whole.n);
	size_t vn = us ? (size_t)(us - whole.p) : whole.n;
	*version = (gk_span){whole.p, vn};
	*name = us ? (gk_span){us + 1, whole.n - vn - 1} : (gk_span){whole.p + whole.n, 0};
}

/* ---- Prisma ------------------------------------------------------------ */

/*
 * Prisma (prisma-engines migrations_directory.rs) lists the sub-folders of
 * the migrations folder, sorts them by name as bytes and applies
 * <folder>/migration.sql.  Any folder name works: timestamps, umami's
 * "01_init", langfuse's "… copy" and "….sql" folders.  Top-level files
 * other than migration_lock.toml are ignored by Prisma; we list them as
 * stray, like files next to migration.sql (formbricks keeps migration.ts
 * data migrations there, which its own runner executes).
 */

/* The first line that starts with "provider" holds `provider = "postgresql"`. */
static char *lock_provider(const char *text, size_t len)
{
	for (size_t i = 0; i < len;) {
		const char *line = text + i, *eol = memchr(line, '\n', len - i);
		size_t n = eol ? (size_t)(eol - line) : len - i;
		i += n + 1;
		while (n && (*line == ' ' || *line == '\t'))
			line++, n--;
		if (n < 8 || memcmp(line, "provider", 8) != 0)
			continue;
		const char *eq = memchr(line, '=', n);
		if (!eq)
			return NULL;
		const char *s = eq + 1, *e = line + n;
		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (e - s >= 2 && *s == '"' && e[-1] == '"')
			s++, e--;
		return gk_strndup(s, (size_t)(e - s));
	}
	return NULL;
}

static int prisma_lock(gk_lb *b, const char *path)
{
	if (!(b->l->lock_file = strdup(path)))
		return gk_lb_oom(b);
	if (!b->read)
		return 0;
	char *text;
	size_t len;
	int rc = gk_lb_read(b, path, &text, &len);
	if (rc < 0)
		return rc;
	b->l->provider = text ? lock_provider(text, len) : NULL;
	free(text);
	return 0;
}

/* Prisma's version is the leading digits of the folder name, when there are any. */
static gk_span prisma_version(gk_span dir)
{
	size_t n = 0;
	while (n < dir.n && isdigit((unsigned char)dir.p[n]))
		n++;
	return n ? (gk_span){dir.p, n} : GK_SPAN_NONE;
}

/*
 * Prisma 8 replaces <folder>/migration.sql with a migration package
 * (migration.ts, ops.json, migration.json), applied by `db migrate` in one
 * transaction.  A folder holding one and no migration.sql is a migration
 * nothing here reads: it is listed in l->packages (and its files are not
 * stray: they are what Prisma 8 applies).
 */
bool gk_prisma_package_file(const char *base)
{
	return !strcmp(base, "migration.ts") || !strcmp(base, "ops.json") || !strcmp(base, "migration.json");
}

static bool has_sql(const gk_layout *l, gk_span dir)
{
	for (size_t i = 0; i < l->n_migrations; i++)
		if (gk_span_eq(dir, l->migrations[i].key))
			return true;
	return false;
}

static int prisma_package(gk_lb *b, const char *p)
{
	gk_layout *l = b->l;
	gk_span dir = gk_lp_dir(p);
	if (has_sql(l, dir))
		return gk_lb_stray(b, p);
	for (size_t i = 0; i < l->n_packages; i++)
		if (gk_span_eq(dir, l->packages[i]))
			return 0;
	char *name = gk_strndup(dir.p, dir.n);
	if (!name || gk_grow(&l->packages, &b->cap_p, l->n_packages + 1, sizeof *l->packages) < 0) {
		free(name);
		return gk_lb_oom(b);
	}
	l->packages[l->n_packages++] = name;
	return 0;
}

int gk_layout_prisma(gk_lb *b, const char *const *paths, size_t n)
{
	/* Package files are judged once every migration.sql is known. */
	for (size_t i = 0; i < n; i++) {
		const char *p = paths[i];
		int rc = 0;
		if (gk_lp_depth(p) == 1 && gk_prisma_package_file(gk_lp_base(p))) {
			continue;
		} else if (strcmp(p, "migration_lock.toml") == 0) {
			rc = prisma_lock(b, p);
		} else if (gk_lp_depth(p) == 1 && strcmp(gk_lp_base(p), "migration.sql") == 0) {
			gk_span dir = gk_lp_dir(p), ver, name;
			split_version(dir, &ver, &name);
			if (!memchr(dir.p, '_', dir.n))
				name = dir;  /* a folder without '_' is all name */
			if (!gk_lb_add(b, dir, prisma_version(dir), name, p))
				rc = gk_lb_oom(b);
		} else {
			rc = gk_lb_stray(b, p);
		}
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < n; i++) {
		int rc = gk_lp_depth(paths[i]) == 1 && gk_prisma_package_file(gk_lp_base(paths[i]))
				 ? prisma_package(b, paths[i]) : 0;
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- diesel ------------------------------------------------------------ */

/*
 * diesel (diesel_migrations) applies <folder>/up.sql for every sub-folder
 * holding an up.sql, ordered by the folder's version: the part before the
 * first '_' with its dashes removed ("2019-02-26-002946" -> "20190226002946"),
 * compared as a string.  down.sql reverts it; metadata.toml configures it.
 */

/*
 * metadata.toml: diesel declares `#[serde(default)] run_in_transaction: bool`,
 * so a metadata.toml that does not say `run_in_transaction = true` turns the
 * transaction OFF (bool's default is false); without the file it is on.
 */
static bool toml_true(const char *text, size_t len, const char *key)
{
	gk_span v = gk_lp_setting(text, len, key);
	return v.n >= 4 && memcmp(v.p, "true", 4) == 0;
}

static int diesel_metadata(gk_lb *b, gk_layout_migration *m, const char *path)
{
	if (!b->read)
		return 0;
	char *text;
	size_t len;
	int rc = gk_lb_read(b, path, &text, &len);
	if (rc < 0)
		return rc;
	m->no_transaction = !toml_true(text ? text : "", text ? len : 0, "run_in_transaction");
	free(text);
	return 0;
}

/* down.sql and metadata.toml of a folder that has an up.sql. */
static int diesel_secondary(gk_lb *b, const char *p)
{
	const char *base = gk_lp_base(p);
	bool down = strcmp(base, "down.sql") == 0, meta = strcmp(base, "metadata.toml") == 0;
	gk_layout_migration *m = gk_lp_depth(p) == 1 && (down || meta) ? gk_lb_find(b, gk_lp_dir(p)) : NULL;
	if (!m)
		return gk_lb_stray(b, p);
	if (meta)
		return diesel_metadata(b, m, p);
	if (!(m->down_path = strdup(p)))
		return gk_lb_oom(b);
	return 0;
}

int gk_layout_diesel(gk_lb *b, const char *const *paths, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *p = paths[i];
		if (gk_lp_depth(p) != 1 || strcmp(gk_lp_base(p), "up.sql") != 0)
			continue;
		gk_span dir = gk_lp_dir(p), ver, name;
		split_version(dir, &ver, &name);
		if (!gk_lb_add(b, dir, ver, name, p))
			return gk_lb_oom(b);
	}
	gk_lb_sort_by_key(b);
	for (size_t i = 0; i < n; i++) {
		const char *p = paths[i];
		if (gk_lp_depth(p) == 1 && strcmp(gk_lp_base(p), "up.sql") == 0)
			continue;
		int rc = diesel_secondary(b, p);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- golang-migrate ---------------------------------------------------- */

/*
 * golang-migrate (source.DefaultParse) reads the top of the folder only:
 * ^([0-9]+)_(.*)\.(down|up)\.(.*)$, version parsed as an unsigned integer,
 * gaps allowed.  It skips names it cannot parse; we list them as stray, and
 * a .down.sql without its .up.sql too (nothing would ever run it forward).
 */
bool gk_golang_match(const char *base, bool *up, gk_span *key, gk_span *version, gk_span *name)
{
	size_t d = 0;
	while (isdigit((unsigned char)base[d]))
		d++;
	if (d == 0 || base[d] != '_')
		return false;
	size_t suffix = gk_lp_ends(base, ".up.sql") ? 7 : gk_lp_ends(base, ".down.sql") ? 9 : 0;
	size_t len = strlen(base);
	if (!suffix || len - suffix < d + 1)
		return false;
	*up = suffix == 7;
	*key = (gk_span){base, len - suffix};
	*version = (gk_span){base, d};
	*name = (gk_span){base + d + 1, len - suffix - d - 1};
	return true;
}

int gk_layout_golang(gk_lb *b, const char *const *paths, size_t n)
{
	bool up;
	gk_span key, ver, name;
	for (size_t i = 0; i < n; i++)
		if (gk_lp_depth(paths[i]) == 0 && gk_golang_match(paths[i], &up, &key, &ver, &name) && up &&
		    !gk_lb_add(b, key, ver, name, paths[i]))
			return gk_lb_oom(b);
	gk_lb_sort_by_key(b);
	for (size_t i = 0; i < n; i++) {
		const char *p = paths[i];
		bool ok = gk_lp_depth(p) == 0 && gk_golang_match(p, &up, &key, &ver, &name);
		if (ok && up)
			continue;
		gk_layout_migration *m = ok ? gk_lb_find(b, key) : NULL;
		if (m && !m->down_path) {
			if (!(m->down_path = strdup(p)))
				return gk_lb_oom(b);
		} else if (gk_lb_stray(b, p) < 0) {
			return GK_ENOMEM;
		}
	}
	return 0;
}

/* ---- plain ------------------------------------------------------------- */

/* Every *.sql at any depth, in path order (Supabase: supabase/migrations/<ts>_name.sql). */
int gk_layout_plain(gk_lb *b, const char *const *paths, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *p = paths[i], *base = gk_lp_base(p);
		int rc = 0;
		if (gk_lp_ends(base, ".sql") && strlen(base) > 4) {
			if (!gk_lb_add(b, gk_span_str(p), GK_SPAN_NONE, (gk_span){base, strlen(base) - 4}, p))
				rc = gk_lb_oom(b);
		} else {
			rc = gk_lb_stray(b, p);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}
