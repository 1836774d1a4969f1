/*
 * lint_batch.c - the inputs of `gatekeeper lint`: plain files, and folders
 * in a tool layout linted the way the tool applies them.
 *
 * A dbmate file holds its down section after the up one, and golang-migrate
 * and diesel keep down files beside the up ones: a plain walk lints SQL
 * that never runs forward (and fails on dbmate files whose up part does
 * not end in ';').  A layout folder instead yields its migrations in the
 * tool's order, dbmate's up section only (what precedes it blanked, so
 * lines and columns stay the file's), with the tool's runner.
 */
#include "check_internal.h"
#include "util/files.h"
#include "util/dircache.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int own(gk_lint_batch *b, char *s)
{
	if (!s || gk_grow(&b->owned, &b->cap_owned, b->n_owned + 1, sizeof *b->owned) < 0) {
		free(s);
		return GK_ENOMEM;
	}
	b->owned[b->n_owned++] = s;
	return 0;
}

static gk_lint_input *push(gk_lint_batch *b)
{
	if (gk_grow(&b->in, &b->cap, b->n + 1, sizeof *b->in) < 0)
		return NULL;
	gk_lint_input *in = &b->in[b->n++];
	*in = (gk_lint_input){.role = GK_LINT_CHECK, .new_change = true};
	return in;
}

int gk_lint_batch_add_file(gk_lint_batch *b, const char *path)
{
	return gk_lint_batch_add_judged(b, path, NULL, NULL);
}

int gk_lint_batch_add_judged(gk_lint_batch *b, const char *path, const char *refused, const gk_file_id *id)
{
	char *p = gk_strdup(path), *why = refused ? gk_strdup(refused) : NULL;
	if (own(b, p) < 0 || (refused && own(b, why) < 0))
		return GK_ENOMEM;
	gk_lint_input *in = push(b);
	if (!in)
		return GK_ENOMEM;
	in->path = p;
	in->refused = why;
	if (id && id->judged) {
		in->judged = true;
		in->dev = id->dev;
		in->ino = id->ino;
	}
	return 0;
}

static gk_runner_settings *new_settings(gk_lint_batch *b)
{
	gk_runner_settings *s = calloc(1, sizeof *s);
	if (!s || gk_grow(&b->settings, &b->cap_settings, b->n_settings + 1, sizeof *b->settings) < 0) {
		free(s);
		return NULL;
	}
	return b->settings[b->n_settings++] = s;
}

/* The settings of folder `dir`; its folders' facts are asked of the
 * file system once per batch (a Prisma history passed file by file has a
 * folder per migration, all below the same ones). */
static void settings_find(gk_lint_batch *b, gk_runner_settings *s, enum gk_layout_kind tool, const char *dir)
{
	if (!b->dirs)
		b->dirs = gk_dir_cache_new();
	if (b->dirs) {
		gk_runner_settings_find_cached(s, tool, dir, b->dirs);
	} else { /* out of memory for the cache: the same answers, uncached */
		char *root = gk_files_root(dir);
		gk_runner_settings_find_dir(s, tool, dir, root);
		free(root);
	}
}

/* The real parent of the folder `dir` when `dir` is plain (malloc'ed), else NULL. */
static char *plain_parent(gk_lint_batch *b, const char *dir)
{
	if (!b->dirs)
		return NULL;
	char *real = gk_dir_cache_folder_to_list(b->dirs, dir);
	char *slash = real ? strrchr(real, '/') : NULL;
	if (!slash || slash == real || !gk_runner_settings_dir_plain(b->dirs, real)) {
		free(real);
		return NULL;
	}
	*slash = '\0';
	return real;
}

int gk_lint_batch_find_settings(gk_lint_batch *b, size_t from, const char *path, bool is_dir,
				enum gk_layout_kind tool)
{
	if (from >= b->n)
		return 0;
	const char *slash = strrchr(path, '/');
	char *dir = is_dir ? gk_strdup(path)
		: slash ? gk_strndup(path, (size_t)(slash - path) + (slash == path)) : gk_strdup(".");
	/* Files passed one by one mostly share their folder with the previous
	 * one (golang-migrate, dbmate, diesel's up and down), or a plain parent
	 * (Prisma's folder per migration): their settings are the same, and
	 * looking them up again costs a walk to the root. */
	gk_runner_settings *s = NULL;
	char *parent = NULL;
	if (dir && b->last_dir && tool == b->last_tool && strcmp(dir, b->last_dir) == 0) {
		s = b->last_settings;
	} else if (dir && tool == b->last_tool && b->last_parent && (parent = plain_parent(b, dir)) &&
		   strcmp(parent, b->last_parent) == 0) {
		s = b->last_settings;
	} else if (dir && (s = new_settings(b))) {
		settings_find(b, s, tool, dir);
		b->last_tool = tool;
		b->last_settings = s;
		free(b->last_parent);
		b->last_parent = parent ? parent : plain_parent(b, dir);
		parent = NULL;
	}
	if (dir && s) {
		free(b->last_dir);
		b->last_dir = gk_strdup(dir);
	}
	free(parent);
	free(dir);
	if (!s)
		return GK_ENOMEM;
	for (size_t i = from; i < b->n; i++)
		if (!b->in[i].settings)
			b->in[i].settings = s;
	return 0;
}

int gk_lint_batch_append(gk_lint_batch *dst, gk_lint_batch *src)
{
	/* Room first, in all three arrays: then nothing can fail half-way. */
	if (gk_grow(&dst->in, &dst->cap, dst->n + src->n, sizeof *dst->in) < 0 ||
	    gk_grow(&dst->owned, &dst->cap_owned, dst->n_owned + src->n_owned, sizeof *dst->owned) < 0 ||
	    gk_grow(&dst->settings, &dst->cap_settings, dst->n_settings + src->n_settings, sizeof *dst->settings) < 0)
		return GK_ENOMEM;
	if (src->n)
		memcpy(dst->in + dst->n, src->in, src->n * sizeof *src->in);
	if (src->n_owned)
		memcpy(dst->owned + dst->n_owned, src->owned, src->n_owned * sizeof *src->owned);
	if (src->n_settings)
		memcpy(dst->settings + dst->n_settings, src->settings, src->n_settings * sizeof *src->settings);
	dst->n += src->n;
	dst->n_owned += src->n_owned;
	dst->n_settings += src->n_settings;
	/* What src borrowed is dst's now; the rest of it (its folder cache,
	 * its last lookup) is freed with it. */
	src->n = src->n_owned = src->n_settings = 0;
	gk_lint_batch_free(src);
	return 0;
}

void gk_lint_batch_free(gk_lint_batch *b)
{
	for (size_t i = 0; i < b->n_settings; i++)
		free(b->settings[i]);
	free(b->settings);
	free(b->last_dir);
	free(b->last_parent);
	gk_dir_cache_free(b->dirs);
	for (size_t i = 0; i < b->n_owned; i++)
		free(b->owned[i]);
	free(b->owned);
	free(b->in);
	memset(b, 0, sizeof *b);
}

/* Whether an auto-detected layout really describes the folder. */
static bool is_layout(const gk_layout *l, enum gk_layout_kind asked)
{
	if (asked != GK_LAYOUT_AUTO)
		return l->kind != GK_LAYOUT_PRISMA && l->kind != GK_LAYOUT_PLAIN;
	if (l->kind == GK_LAYOUT_PRISMA || l->kind == GK_LAYOUT_PLAIN || l->n_migrations == 0)
		return false;
	size_t stray_sql = 0;
	for (size_t i = 0; i < l->n_stray; i++) {
		size_t n = strlen(l->stray[i]);
		stray_sql += n > 4 && strcmp(l->stray[i] + n - 4, ".sql") == 0;
	}
	return l->n_migrations > stray_sql;
}

static bool excluded(const char *path, const char *const *ex, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (gk_exclude_match(ex[i], path))
			return true;
	return false;
}

/* Keep of `text` (taken) only the up section of `m`, what precedes it blanked. */
static int keep_up_section(gk_lint_batch *b, gk_lint_input *in, char *text, size_t len, const gk_layout_migration *m)
{
	if (own(b, text) < 0)
		return GK_ENOMEM;
	if (m->up_end < len)
		len = m->up_end;
	for (size_t i = 0; i < m->up_start && i < len; i++)
		if (text[i] != '\n' && text[i] != '\r')
			text[i] = ' ';
	in->text = text;
	in->len = len;
	return 0;
}

/* dbmate: the up section, with what precedes it blanked. */
static int up_section(gk_lint_batch *b, gk_lint_input *in, const gk_layout_migration *m, const gk_lint_options *o)
{
	char *text = NULL;
	size_t len = 0;
	size_t limit = o->max_file_size ? o->max_file_size + 1 : 0;
	if (gk_read_file(&text, &len, in->path, limit) < 0)
		return 0; /* leave it to the engine: it reports the file as unreadable or too large */
	return keep_up_section(b, in, text, len, m);
}

int gk_lint_batch_dbmate_files(gk_lint_batch *b, size_t from, enum gk_layout_kind kind, const gk_lint_options *o)
{
	(void)o;
	if (kind != GK_LAYOUT_AUTO && kind != GK_LAYOUT_DBMATE)
		return 0;
	/* Decided when the engine reads the file (gk_lint_input.find_dbmate): read once. */
	for (size_t i = from; i < b->n; i++)
		b->in[i].find_dbmate = true;
	return 0;
}

static int add_migration(gk_lint_batch *b, const char *dir, const gk_layout *l, const gk_layout_migration *m,
			 const gk_lint_options *o, const char *const *ex, size_t n_ex, const gk_runner_settings *settings)
{
	size_t dn = strlen(dir);
	char *path = dn && dir[dn - 1] == '/' ? gk_asprintf("%s%s", dir, m->path) : gk_asprintf("%s/%s", dir, m->path);
	if (!path)
		return GK_ENOMEM;
	if (excluded(path, ex, n_ex)) {
		free(path);
		return 0;
	}
	if (own(b, path) < 0)
		return GK_ENOMEM;
	gk_lint_input *in = push(b);
	if (!in)
		return GK_ENOMEM;
	in->path = path;
	in->tool = l->kind;
	in->settings = settings;
	in->no_transaction = m->no_transaction;
	if (l->kind == GK_LAYOUT_DBMATE)
		return up_section(b, in, m, o);
	return 0;
}

/* Prisma 8 migration packages: one prisma-migration-package finding each,
 * never read. */
static int add_packages(gk_lint_batch *b, const char *dir, const gk_layout *l, const char *const *ex, size_t n_ex)
{
	size_t dn = strlen(dir);
	for (size_t i = 0; l->kind == GK_LAYOUT_PRISMA && i < l->n_packages; i++) {
		char *path = gk_asprintf("%s%s%s", dir, dn && dir[dn - 1] == '/' ? "" : "/", l->packages[i]);
		if (!path)
			return GK_ENOMEM;
		int rc = excluded(path, ex, n_ex) ? 1 : gk_lint_batch_add_judged(b, path, GK_LAYOUT_PACKAGE_NOTE, NULL);
		free(path);
		if (rc < 0)
			return rc;
		if (rc == 0)
			b->in[b->n - 1].refused_package = true;
	}
	return 0;
}

int gk_lint_batch_add_layout(gk_lint_batch *b, const char *dir, enum gk_layout_kind kind, const gk_lint_options *o,
			     const char *const *excludes, size_t n_excludes, gk_error *err)
{
	struct stat st;
	if (kind == GK_LAYOUT_PLAIN || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return 0;
	gk_layout *l = NULL;
	int rc = gk_layout_read_dir(&l, kind, dir, err);
	if (rc < 0)
		return rc;
	/* A Prisma folder is linted file by file (every *.sql), its packages here. */
	if (add_packages(b, dir, l, excludes, n_excludes) < 0)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	bool yes = is_layout(l, kind);
	gk_runner_settings *settings = yes ? new_settings(b) : NULL;
	if (yes && !settings)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	if (settings) {
		settings_find(b, settings, l->kind, dir);
	}
	for (size_t i = 0; yes && rc == 0 && i < l->n_migrations; i++)
		if (add_migration(b, dir, l, &l->migrations[i], o, excludes, n_excludes, settings) < 0)
			rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	/* Links the listing left out: reported by name, never read. */
	size_t dn = strlen(dir);
	for (size_t i = 0; yes && rc == 0 && i < l->n_refused; i++) {
		char *path = gk_asprintf("%s%s%s", dir, dn && dir[dn - 1] == '/' ? "" : "/", l->refused[i]);
		if (!path || (!excluded(path, excludes, n_excludes) && gk_lint_batch_add_judged(b, path, l->refused_why[i], NULL) < 0))
			rc = gk_error_set(err, GK_ENOMEM, "out of memory");
		free(path);
	}
	gk_layout_free(l);
	return rc < 0 ? rc : yes;
}
