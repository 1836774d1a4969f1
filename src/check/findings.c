/*
 * findings.c - the history findings of one migration folder (category
 * `history`; ids, severities and docs in src/rules/history.c).
 *
 * They judge the change, not the SQL: what the branch does to migrations
 * that production (the merge base) already has, and whether the new ones
 * still form one line.  Findings about a whole file have no position
 * (line 0); an edited migration points at its first changed line.
 * Messages name the migration, the base and the commit responsible.
 */
#include "check_internal.h"
#include "gatekeeper/rules.h"
#include "util/util.h"

#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct emitter {
	gk_report *r;
	gk_check_folder *f;
	int rc;   /* sticky GK_ENOMEM */
} emitter;

typedef gk_check_place place;

static void emit(emitter *e, enum gk_rule_id id, const char *path, const place *pl, const char *help, const char *fmt,
		 ...) __attribute__((format(printf, 6, 7)));

static void emit(emitter *e, enum gk_rule_id id, const char *path, const place *pl, const char *help, const char *fmt,
		 ...)
{
	if (e->rc < 0)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	e->rc = gk_check_add_finding(e->r, &e->f->o->lint, id, path, pl, help, msg);
}

/* A finding of rule `id` at the user's severity (see gk_rule_add_finding). */
int gk_check_add_finding(gk_report *r, const gk_lint_options *o, enum gk_rule_id id, const char *path,
			 const gk_check_place *pl, const char *help, const char *msg)
{
	gk_finding fd = {.message = (char *)msg, .help = (char *)help, .path = (char *)path};
	if (pl) {
		fd.line = pl->line, fd.column = pl->column, fd.end_line = pl->end_line, fd.end_column = pl->end_column;
		fd.statement_index = pl->statement_index;
		fd.context = pl->context;
	}
	return gk_rule_add_finding(r, o, id, &fd);
}

static const char *base_ref(const emitter *e) { return gk_history_base_ref(e->f->h); }

/* "commit 1a2b3c4 by Alice, 2024-05-01: \"subject\"", or "not committed yet". */
static void describe_commit(const gk_check_item *it, char *buf, size_t size)
{
	if (!it->have_commit) {
		snprintf(buf, size, "not committed yet");
		return;
	}
	char date[16] = "";
	time_t t = (time_t)(it->commit.time + (int64_t)it->commit.tz_offset_min * 60);
	struct tm tm;
	if (gmtime_r(&t, &tm))
		strftime(date, sizeof date, "%Y-%m-%d", &tm);
	snprintf(buf, size, "commit %.7s by %s, %s: \"%.120s\"", it->commit.sha,
		 it->commit.author ? it->commit.author : "?", date, it->commit.subject ? it->commit.subject : "");
}

/* Repo-relative path of a migration's SQL file.  NULL when out of memory (sticky). */
static char *path_of(emitter *e, const gk_layout_migration *m)
{
	char *p = gk_check_join(e->f->dir, m->path);
	if (!p)
		e->rc = GK_ENOMEM;
	return p;
}

static const char *tool_name(enum gk_layout_kind k)
{
	switch (k) {
	case GK_LAYOUT_PRISMA: return "Prisma";
	case GK_LAYOUT_FLYWAY: return "Flyway";
	case GK_LAYOUT_GOLANG_MIGRATE: return "golang-migrate";
	case GK_LAYOUT_DBMATE: return "dbmate";
	case GK_LAYOUT_DIESEL: return "diesel";
	default: return "the migration runner";
	}
}

/* ---- modified-migration ---------------------------------------------- */

static size_t cps(const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += ((unsigned char)s[i] & 0xC0) != 0x80;
	return k;
}

/* Offset in `h` of the first byte that differs from `b`, "\r\n" and "\n" counting as equal. */
static size_t first_difference(const char *b, size_t bl, const char *h, size_t hl)
{
	size_t i = 0, j = 0;
	while (i < bl && j < hl) {
		if (b[i] == '\r' && i + 1 < bl && b[i + 1] == '\n')
			i++;
		if (h[j] == '\r' && j + 1 < hl && h[j + 1] == '\n')
			j++;
		if (b[i] != h[j])
			break;
		i++, j++;
	}
	return j;
}

/* The first changed line of the head file: its line, the span from the change to the line's end. */
static place changed_line(const char *b, size_t bl, const char *h, size_t hl)
{
	size_t off = first_difference(b, bl, h, hl);
	if (off >= hl && hl > 0)
		off = hl - 1; /* the head file is the base file cut short: point at its last line */
	if (off > 0 && off < hl && h[off] == '\n' && h[off - 1] != '\n')
		off--; /* a change at a line's end belongs to that line */
	size_t start = off;
	while (start > 0 && h[start - 1] != '\n')
		start--;
	size_t end = off;
	while (end < hl && h[end] != '\n')
		end++;
	size_t eol = end > start && h[end - 1] == '\r' ? end - 1 : end;
	place p = {.line = 1};
	for (size_t i = 0; i < start; i++)
		p.line += h[i] == '\n';
	p.column = (int)cps(h + start, off - start) + 1;
	p.end_line = p.line;
	p.end_column = (int)cps(h + start, eol - start);
	if (p.end_column < p.column)
		p.end_column = p.column;
	p.context = gk_strndup(h + start, eol - start);
	return p;
}

static const char *modified_help(enum gk_layout_kind k)
{
	if (k == GK_LAYOUT_PRISMA)
		return "Revert the edit and put the change in a new migration. `prisma migrate deploy` applies "
		       "migrations by name and compares no checksum: it skips the edited one without a word on every "
		       "database that already applied it; `prisma migrate dev` finds the checksum changed and wants "
		       "to reset the database.";
	if (k == GK_LAYOUT_FLYWAY)
		return "Revert the edit and put the change in a new migration. `flyway migrate` fails validation "
		       "on an applied migration whose checksum changed; `flyway repair` would only hide the edit.";
	return "Revert the edit and put the change in a new migration. Databases that already applied this "
	       "migration never run the edited version, so they silently differ from new ones.";
}

static void modified(emitter *e, const gk_check_item *it)
{
	const char *bt, *ht;
	size_t bl, hl;
	if (gk_side_files_get(&e->f->base_files, it->base->path, &bt, &bl, NULL) < 0 ||
	    gk_side_files_get(&e->f->head_files, it->head->path, &ht, &hl, NULL) < 0)
		return; /* classified as modified, so both were read already */
	place pl = changed_line(bt, bl, ht, hl);
	char *path = path_of(e, it->head), commit[256];
	describe_commit(it, commit, sizeof commit);
	if (path && pl.context)
		emit(e, GK_RULE_ID_modified_migration, path, &pl, modified_help(e->f->head->kind),
		     "migration %s was edited after it reached %s (%s); databases that applied it will not run the edit",
		     it->head->key, base_ref(e), commit);
	else
		e->rc = GK_ENOMEM;
	free(pl.context);
	free(path);
}

/* ---- deleted-migration, renamed-migration ------------------------------ */

static void deleted(emitter *e, const gk_check_item *it)
{
	char *path = path_of(e, it->base);
	if (path)
		emit(e, GK_RULE_ID_deleted_migration, path, NULL, NULL,
		     "migration %s exists on %s but was deleted; databases that applied it keep its changes",
		     it->base->key, base_ref(e));
	free(path);
}

static void renamed(emitter *e, const gk_check_item *it)
{
	char *path = path_of(e, it->head), commit[256];
	describe_commit(it, commit, sizeof commit);
	if (path)
		emit(e, GK_RULE_ID_renamed_migration, path, NULL, NULL,
		     "migration %s on %s was renamed to %s (%s); %s sees a deleted migration and a new one to apply",
		     it->base->key, base_ref(e), it->head->key, commit, tool_name(e->f->head->kind));
	free(path);
}

/* ---- out-of-order-migration -------------------------------------------- */

/* The base migration with the highest version (repeatables and unversioned ones aside). */
static const gk_layout_migration *newest_base(const gk_check_folder *f)
{
	const gk_layout_migration *best = NULL;
	for (size_t i = 0; i < f->base->n_migrations; i++) {
		const gk_layout_migration *m = &f->base->migrations[i];
		if (m->version && !m->repeatable &&
		    (!best || gk_layout_version_cmp(f->head->kind, m->version, best->version) > 0))
			best = m;
	}
	return best;
}

static void out_of_order(emitter *e, const gk_check_item *it, const gk_layout_migration *newest)
{
	const gk_layout_migration *m = it->head;
	if (!newest || !m->version || m->repeatable || gk_layout_version_cmp(e->f->head->kind, m->version, newest->version) >= 0)
		return;
	char *path = path_of(e, m), commit[256];
	describe_commit(it, commit, sizeof commit);
	if (path)
		emit(e, GK_RULE_ID_out_of_order_migration, path, NULL, NULL,
		     "new migration %s (version %s, %s) sorts before %s, the newest migration on %s",
		     m->key, m->version, commit, newest->key, base_ref(e));
	free(path);
}

/* ---- duplicate-version -------------------------------------------------- */

static bool item_changed(const gk_check_item *it) { return it->status != GK_HISTORY_UNCHANGED; }

static void duplicates(emitter *e)
{
	gk_check_folder *f = e->f;
	for (size_t i = 0; i < f->n_items; i++) {
		const gk_layout_migration *m = f->items[i].head;
		if (!m->version || m->repeatable || (!f->o->all && !item_changed(&f->items[i])))
			continue;
		for (size_t k = 0; k < f->n_items; k++) {
			const gk_layout_migration *o = f->items[k].head;
			if (k == i || !o->version || o->repeatable || gk_layout_version_cmp(f->head->kind, m->version, o->version))
				continue;
			char *path = path_of(e, m);
			if (path)
				emit(e, GK_RULE_ID_duplicate_version, path, NULL, NULL,
				     "migration %s has version %s, the same as migration %s", m->key, m->version, o->key);
			free(path);
			break; /* one finding per migration, naming the first twin */
		}
	}
}

/* ---- lock-file-mismatch ------------------------------------------------ */

static bool provider_ok(const char *p)
{
	/* Prisma accepts "postgres" as another spelling of "postgresql". */
	return p && (strcmp(p, "postgresql") == 0 || strcmp(p, "postgres") == 0);
}

static void lock_file(emitter *e)
{
	gk_check_folder *f = e->f;
	if (f->head->kind != GK_LAYOUT_PRISMA)
		return;
	char *path = gk_check_join(f->dir, "migration_lock.toml");
	if (!path) {
		e->rc = GK_ENOMEM;
		return;
	}
	const char *bt, *ht;
	size_t bl, hl;
	bool at_base = f->base->lock_file != NULL;
	if (!f->head->lock_file && at_base)
		emit(e, GK_RULE_ID_lock_file_mismatch, path, NULL, NULL,
		     "%s exists on %s but was deleted; Prisma needs it to check the migrations' provider", path, base_ref(e));
	else if (!f->head->lock_file)
		emit(e, GK_RULE_ID_lock_file_mismatch, path, NULL, NULL,
		     "Prisma migration folder %s has no migration_lock.toml", *f->dir ? f->dir : ".");
	else if (!provider_ok(f->head->provider) && f->head->provider)
		emit(e, GK_RULE_ID_lock_file_mismatch, path, NULL, NULL,
		     "%s names provider \"%s\"; these migrations are checked for postgresql", path, f->head->provider);
	else if (!provider_ok(f->head->provider))
		emit(e, GK_RULE_ID_lock_file_mismatch, path, NULL, NULL, "%s has no `provider = \"postgresql\"` line", path);
	else if (at_base && gk_side_files_get(&f->base_files, "migration_lock.toml", &bt, &bl, NULL) == 0 &&
		 gk_side_files_get(&f->head_files, "migration_lock.toml", &ht, &hl, NULL) == 0 &&
		 !(bl == hl && memcmp(bt, ht, bl) == 0) && !gk_checksum_equal_prisma(bt, bl, ht, hl))
		emit(e, GK_RULE_ID_lock_file_mismatch, path, NULL, NULL,
		     "%s was edited since %s; Prisma writes this file itself", path, base_ref(e));
	free(path);
}

/* ---- stray-file --------------------------------------------------------- */

static const char *recognised(enum gk_layout_kind k)
{
	switch (k) {
	case GK_LAYOUT_PRISMA: return "Prisma only applies <folder>/migration.sql";
	case GK_LAYOUT_FLYWAY: return "Flyway only applies V<version>__<desc>.sql and R__<desc>.sql";
	case GK_LAYOUT_GOLANG_MIGRATE: return "golang-migrate only reads <version>_<name>.up.sql/.down.sql at the top of the folder";
	case GK_LAYOUT_DBMATE: return "dbmate only applies <version>_<name>.sql at the top of the folder";
	case GK_LAYOUT_DIESEL: return "diesel only applies <version>_<name>/up.sql";
	default: return "only *.sql files are migrations";
	}
}

static void stray(emitter *e)
{
	gk_check_folder *f = e->f;
	for (size_t i = 0; i < f->head->n_stray && e->rc == 0; i++) {
		char *path = gk_check_join(f->dir, f->head->stray[i]);
		if (!path) {
			e->rc = GK_ENOMEM;
			return;
		}
		const gk_change *c = gk_check_change_of(f, path);
		bool touched = c && c->new_path && strcmp(c->new_path, path) == 0;
		if (f->o->all || touched)
			emit(e, GK_RULE_ID_stray_file, path, NULL, NULL, "%s is not a migration of the %s layout (%s)", path,
			     gk_layout_kind_name(f->head->kind), recognised(f->head->kind));
		free(path);
	}
}

/* ---- prisma-migration-package --------------------------------------------- */

/* Whether the change added or edited a file under folder `dir`. */
static bool touched_under(const gk_check_folder *f, const char *dir)
{
	size_t n = strlen(dir);
	for (size_t i = 0; i < f->n_changes; i++) {
		const char *p = f->changes[i].new_path;
		if (p && strncmp(p, dir, n) == 0 && p[n] == '/')
			return true;
	}
	return false;
}

/* Prisma 8 migration packages at head: not read, so said (those the change
 * touches; all with --all). */
static void packages(emitter *e)
{
	gk_check_folder *f = e->f;
	for (size_t i = 0; f->head->kind == GK_LAYOUT_PRISMA && i < f->head->n_packages && e->rc == 0; i++) {
		char *path = gk_check_join(f->dir, f->head->packages[i]);
		if (!path) {
			e->rc = GK_ENOMEM;
			return;
		}
		if (f->o->all || touched_under(f, path))
			emit(e, GK_RULE_ID_prisma_migration_package, path, NULL, NULL, "%s: %s", path, GK_LAYOUT_PACKAGE_NOTE);
		free(path);
	}
}

/* ---- symlinked-migration ------------------------------------------------ */

/*
 * Every symlink and submodule of the folder at head, changed or not: what
 * the runner applies through a link can change without the link changing.
 * A link that resolves inside the repository was listed as a file and is
 * checked as its target; the others are not read at all.
 */
static void links(emitter *e)
{
	gk_check_folder *f = e->f;
	for (size_t i = 0; i < f->n_links && e->rc == 0; i++) {
		const gk_history_link *l = &f->links[i];
		char *path = gk_check_join(f->dir, l->path);
		if (!path) {
			e->rc = GK_ENOMEM;
			return;
		}
		if (l->kind == GK_LINK_SUBMODULE)
			emit(e, GK_RULE_ID_symlinked_migration, path, NULL, NULL,
			     "%s is a submodule (commit %.12s): the runner would apply another repository's files, which "
			     "cannot be checked", path, l->text);
		else if (l->target)
			emit(e, GK_RULE_ID_symlinked_migration, path, NULL, NULL,
			     "%s is a symbolic link: the runner would apply %s (checked here as that file)", path, l->target);
		else
			emit(e, GK_RULE_ID_symlinked_migration, path, NULL, NULL,
			     "%s is a symbolic link (%s): the runner would apply '%s', which gatekeeper does not read; "
			     "it is neither linted nor replayed", path, l->why, l->text);
		free(path);
	}
}

/* ---- migration-name ----------------------------------------------------- */

static void names(emitter *e)
{
	gk_check_folder *f = e->f;
	const char *pattern = f->o->name_pattern;
	if (!pattern && f->head->kind != GK_LAYOUT_PRISMA)
		return; /* no convention to enforce */
	regex_t re;
	if (regcomp(&re, pattern ? pattern : GK_CHECK_PRISMA_NAME, REG_EXTENDED | REG_NOSUB) != 0)
		return; /* validated by gk_check_run; the default compiles */
	for (size_t i = 0; i < f->n_items; i++) {
		const gk_check_item *it = &f->items[i];
		if (it->status != GK_HISTORY_ADDED || regexec(&re, it->head->key, 0, NULL, 0) == 0)
			continue;
		char *path = path_of(e, it->head);
		if (path && pattern)
			emit(e, GK_RULE_ID_migration_name, path, NULL, NULL,
			     "new migration %s does not match the naming pattern '%s' (migration_name)", it->head->key, pattern);
		else if (path)
			emit(e, GK_RULE_ID_migration_name, path, NULL, NULL,
			     "new migration %s is not named <14-digit timestamp>_<verb>_<snake_case>, e.g. 20240501120000_add_user_email",
			     it->head->key);
		free(path);
	}
	regfree(&re);
}

/* ---- all of them -------------------------------------------------------- */

int gk_check_history_findings(gk_report *r, gk_check_folder *f, gk_error *err)
{
	emitter e = {.r = r, .f = f};
	const gk_layout_migration *newest = newest_base(f);
	for (size_t i = 0; i < f->n_items; i++) {
		const gk_check_item *it = &f->items[i];
		if (it->status == GK_HISTORY_MODIFIED)
			modified(&e, it);
		else if (it->status == GK_HISTORY_RENAMED)
			renamed(&e, it);
		else if (it->status == GK_HISTORY_ADDED)
			out_of_order(&e, it, newest);
	}
	for (size_t i = 0; i < f->n_deleted; i++)
		deleted(&e, &f->deleted[i]);
	duplicates(&e);
	lock_file(&e);
	stray(&e);
	packages(&e);
	links(&e);
	names(&e);
	return e.rc < 0 ? gk_error_set(err, e.rc, "out of memory") : 0;
}
