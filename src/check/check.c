/*
 * check.c - `gatekeeper check`: per migration folder, layout at the merge
 * base and at head, classification, history findings, then the lint of
 * the change over one schema model.
 *
 * The model must know what production already has before it judges the
 * change: every migration before the change (unchanged ones, and deleted
 * ones, which production applied) is a CONTEXT input that only teaches the
 * model; the change's migrations are CHECK inputs sharing one change, so a
 * table created in one new migration is still new in the next.  Each
 * folder gets its own model: folders of a monorepo are separate databases.
 */
#include "check_internal.h"
#include "util/files.h"
#include "replay/replay.h"
#include "util/interrupt.h"
#include "util/util.h"

#include <assert.h>
#include <limits.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void gk_check_options_init(gk_check_options *o)
{
	memset(o, 0, sizeof *o);
	gk_lint_options_init(&o->lint);
	o->layout = GK_LAYOUT_AUTO;
	o->replay_timeout_s = GK_REPLAY_TIMEOUT_DEFAULT_S;
}

/* gk_runner_read_fn over the head commit's tree (or the working tree). */
static int read_head(char **out, size_t *len, const char *relpath, size_t limit, void *payload)
{
	int rc = gk_history_read(out, len, payload, GK_SIDE_HEAD, relpath, NULL);
	if (rc == 0 && *len > limit) {
		free(*out);
		*out = NULL;
		return GK_EIO;
	}
	return rc == GK_ENOTFOUND ? GK_ENOTFOUND : rc < 0 ? GK_EIO : 0;
}

/* ---- folders ------------------------------------------------------------ */

/* `dir` as given -> repo-relative without a trailing '/' ("" = the root). */
static int repo_relative(char **out, gk_history *h, const char *dir, gk_error *err)
{
	const char *wd = gk_history_workdir(h);
	if (!wd) { /* bare repository: folders are named from its root */
		while (dir[0] == '.' && dir[1] == '/')
			dir += 2;
		*out = gk_strdup(strcmp(dir, ".") ? dir : "");
		size_t n = *out ? strlen(*out) : 0;
		while (n && (*out)[n - 1] == '/')
			(*out)[--n] = '\0';
		return *out ? 0 : gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	char *d = gk_path_canonical(dir), *w = gk_path_canonical(wd);
	int rc = d && w ? 0 : gk_error_set(err, GK_ENOMEM, "out of memory");
	size_t wn = w ? strlen(w) : 0;
	if (rc == 0 && strcmp(d, w) == 0)
		*out = gk_strdup("");
	else if (rc == 0 && strncmp(d, w, wn) == 0 && (d[wn] == '/' || (wn == 1 && w[0] == '/')))
		*out = gk_strdup(d + wn + (d[wn] == '/'));
	else if (rc == 0)
		rc = gk_error_set(err, GK_ECONFIG, "%s is outside the repository %s; name a migration folder inside it", dir, w);
	if (rc == 0 && !*out)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	free(d);
	free(w);
	return rc;
}

typedef struct dir_list {
	char **dirs;
	size_t n, cap;
} dir_list;

static void dir_list_free(dir_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->dirs[i]);
	free(l->dirs);
}

static int dir_list_add(dir_list *l, char *d, gk_error *err)
{
	for (size_t i = 0; d && i < l->n; i++)
		if (strcmp(l->dirs[i], d) == 0) { /* named twice: check it once */
			free(d);
			return 0;
		}
	if (!d || gk_grow(&l->dirs, &l->cap, l->n + 1, sizeof *l->dirs) < 0) {
		free(d);
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	l->dirs[l->n++] = d;
	return 0;
}

/* No folder named: every folder holding a Prisma migration_lock.toml at head. */
static int find_lock_folders(dir_list *l, gk_history *h, gk_error *err)
{
	char **paths;
	size_t n;
	int rc = gk_history_list(&paths, &n, h, GK_SIDE_HEAD, "", err);
	if (rc < 0)
		return rc;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const char *slash = strrchr(paths[i], '/'), *base = slash ? slash + 1 : paths[i];
		if (strcmp(base, "migration_lock.toml") == 0)
			rc = dir_list_add(l, gk_strndup(paths[i], slash ? (size_t)(slash - paths[i]) : 0), err);
	}
	gk_history_paths_free(paths, n);
	if (rc == 0 && l->n == 0)
		rc = gk_error_set(err, GK_ECONFIG,
				  "no migration folder given and no migration_lock.toml at head; name the folders "
				  "(gatekeeper check DIR...) or set `paths` in gatekeeper.yml");
	return rc;
}

static int folders(dir_list *l, gk_history *h, const gk_check_options *o, gk_error *err)
{
	if (o->n_dirs == 0)
		return find_lock_folders(l, h, err);
	for (size_t i = 0; i < o->n_dirs; i++) {
		char *d = NULL;
		int rc = repo_relative(&d, h, o->dirs[i], err);
		if (rc == 0)
			rc = dir_list_add(l, d, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- layouts ------------------------------------------------------------ */

/* Layouts whose reader needs file contents (dbmate sections, diesel and
 * Flyway per-script settings).  The others need only names on the base
 * side, which spares reading every base blob; head files are read anyway,
 * for the lint. */
static bool needs_contents(enum gk_layout_kind k)
{
	return k == GK_LAYOUT_DBMATE || k == GK_LAYOUT_DIESEL || k == GK_LAYOUT_FLYWAY || k == GK_LAYOUT_AUTO;
}

/*
 * The kind of a side's folder.  Names alone tell every layout but dbmate,
 * whose files look like plain SQL until their `-- migrate:up` marker is
 * read, so contents are read only when the names say plain.
 */
static int detect_kind(enum gk_layout_kind *kind, gk_side_files *s, gk_error *err)
{
	gk_layout *probe;
	int rc = gk_layout_read(&probe, GK_LAYOUT_AUTO, (const char *const *)s->paths, s->n, NULL, s, err);
	if (rc == 0 && probe->kind == GK_LAYOUT_PLAIN) {
		gk_layout_free(probe);
		rc = gk_layout_read(&probe, GK_LAYOUT_AUTO, (const char *const *)s->paths, s->n, gk_side_files_read, s,
				    err);
	}
	if (rc < 0)
		return rc;
	*kind = probe->kind;
	gk_layout_free(probe);
	return 0;
}

/* `want_text`: the lint will need every file anyway (head side, unless --no-lint). */
static int read_layout(gk_layout **out, gk_side_files *s, enum gk_layout_kind kind, bool want_text, gk_error *err)
{
	bool contents = want_text || needs_contents(kind);
	return gk_layout_read(out, kind, (const char *const *)s->paths, s->n, contents ? gk_side_files_read : NULL,
			      s, err);
}

/* Both layouts, in the kind detected at head (or at the base when head has none). */
static int read_layouts(gk_check_folder *f, gk_error *err)
{
	enum gk_layout_kind kind = f->o->layout;
	if (f->base_files.n == 0 && f->head_files.n == 0)
		return gk_error_set(err, GK_ECONFIG, "%s: no files in this folder at head or at the merge base with %s",
				    *f->dir ? f->dir : ".", gk_history_base_ref(f->h));
	int rc = 0;
	if (kind == GK_LAYOUT_AUTO)
		rc = detect_kind(&kind, f->head_files.n ? &f->head_files : &f->base_files, err);
	if (rc == 0)
		rc = read_layout(&f->head, &f->head_files, kind, !f->o->no_lint, err);
	if (rc == 0)
		rc = read_layout(&f->base, &f->base_files, f->head->kind, false, err);
	/* The tool's settings as committed at head: the lockfile that will deploy. */
	if (rc == 0)
		gk_runner_settings_find(&f->runner, f->head->kind, f->dir, read_head, f->h);
	return rc;
}

/* ---- the lint of the change -------------------------------------------- */

typedef struct entry {
	gk_check_item *it;
	bool deleted;
} entry;

/* The tool's apply order, for placing deleted migrations among the head ones. */
static int order_cmp(enum gk_layout_kind k, const gk_layout_migration *a, const gk_layout_migration *b)
{
	if (k == GK_LAYOUT_DBMATE || k == GK_LAYOUT_PLAIN)
		return strcmp(a->path, b->path);
	if (k == GK_LAYOUT_PRISMA)
		return strcmp(a->key, b->key);
	if (a->repeatable != b->repeatable)
		return a->repeatable ? 1 : -1;
	int c = a->repeatable ? 0 : gk_layout_version_cmp(k, a->version, b->version);
	return c ? c : strcmp(a->key, b->key);
}

/* Head migrations and deleted ones merged in apply order. */
static entry *merge_entries(const gk_check_folder *f, size_t *n)
{
	entry *e = calloc(f->n_items + f->n_deleted + 1, sizeof *e);
	if (!e)
		return NULL;
	size_t i = 0, d = 0, k = 0;
	while (i < f->n_items || d < f->n_deleted) {
		bool take_deleted = d < f->n_deleted &&
				    (i == f->n_items || order_cmp(f->head->kind, f->deleted[d].base, f->items[i].head) < 0);
		e[k++] = take_deleted ? (entry){&f->deleted[d++], true} : (entry){&f->items[i++], false};
	}
	*n = k;
	return e;
}

typedef struct lint_plan {
	entry *e;
	size_t n;
	gk_lint_input *in;
	char **paths, **texts;   /* owned per input */
} lint_plan;

static void plan_free(lint_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->paths ? p->paths[i] : NULL);
		free(p->texts ? p->texts[i] : NULL);
	}
	free(p->paths);
	free(p->texts);
	free(p->in);
	free(p->e);
}

static bool excluded(const gk_check_options *o, const char *path)
{
	for (size_t i = 0; i < o->n_excludes; i++)
		if (gk_exclude_match(o->excludes[i], path))
			return true;
	return false;
}

/*
 * Added migrations that follow each other form the change: what one creates
 * is still new (empty, unused) in the next.  A modified or renamed migration
 * was applied already, so what it creates exists: it starts a change of its
 * own, and so does each unchanged migration linted with --all.
 */
static int plan_input(gk_check_folder *f, lint_plan *p, size_t i, bool *prev_added, gk_error *err)
{
	const gk_check_item *it = p->e[i].it;
	const gk_layout_migration *m = p->e[i].deleted ? it->base : it->head;
	gk_lint_input *in = &p->in[i];
	bool changed = it->status != GK_HISTORY_UNCHANGED, added = it->status == GK_HISTORY_ADDED;
	if (!(p->paths[i] = gk_check_join(f->dir, m->path)))
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	in->path = p->paths[i];
	bool lint = !p->e[i].deleted && (changed || f->o->all) && !excluded(f->o, in->path);
	in->role = lint ? GK_LINT_CHECK : GK_LINT_CONTEXT;
	if (lint) {
		in->new_change = !(added && *prev_added);
		*prev_added = added;
	}
	in->tool = f->head->kind;
	in->settings = &f->runner;
	in->no_transaction = m->no_transaction;
	return gk_check_migration_text(p->e[i].deleted ? &f->base_files : &f->head_files, m, in, &p->texts[i], err);
}

static int set_history(gk_report *r, const gk_check_folder *f, size_t idx, const gk_check_item *it)
{
	gk_commit_ref c = gk_check_commit_ref(&it->commit);
	char *old = NULL;
	if (it->status == GK_HISTORY_RENAMED && it->base && !(old = gk_check_join(f->dir, it->base->path)))
		return GK_ENOMEM;
	int rc = gk_report_set_history(r, idx, it->status, old, it->have_commit ? &c : NULL);
	free(old);
	return rc;
}

static int record_deleted(gk_report *r, gk_check_folder *f, gk_error *err)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < f->n_deleted; i++) {
		int k = gk_check_add_unlinted(r, f, f->deleted[i].base);
		rc = k < 0 ? k : gk_report_set_history(r, (size_t)k, GK_HISTORY_DELETED, NULL, NULL);
	}
	return rc < 0 ? gk_error_set(err, GK_ENOMEM, "out of memory") : 0;
}

/* Report entries after the lint: history per linted migration, then the deleted ones. */
static int record_entries(gk_report *r, gk_check_folder *f, const lint_plan *p, size_t first, gk_error *err)
{
	size_t idx = first;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < p->n; i++)
		if (p->in[i].role == GK_LINT_CHECK) {
			p->e[i].it->report_idx = (int)idx;
			rc = set_history(r, f, idx++, p->e[i].it);
		}
	return rc < 0 ? gk_error_set(err, GK_ENOMEM, "out of memory") : record_deleted(r, f, err);
}

/* --no-lint: list the changed migrations with their history, lint nothing. */
static int record_history_only(gk_report *r, gk_check_folder *f, gk_error *err)
{
	size_t n = 0;
	entry *e = merge_entries(f, &n);
	int rc = e ? 0 : GK_ENOMEM;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (e[i].deleted || e[i].it->status == GK_HISTORY_UNCHANGED)
			continue;
		int k = gk_check_add_unlinted(r, f, e[i].it->head);
		if (k >= 0)
			e[i].it->report_idx = k;
		rc = k < 0 ? k : set_history(r, f, (size_t)k, e[i].it);
	}
	free(e);
	return rc < 0 ? gk_error_set(err, GK_ENOMEM, "out of memory") : record_deleted(r, f, err);
}

static int lint_change(gk_report *r, gk_check_folder *f, gk_error *err)
{
	lint_plan p = {0};
	p.e = merge_entries(f, &p.n);
	p.in = calloc(p.n + 1, sizeof *p.in);
	p.paths = calloc(p.n + 1, sizeof *p.paths);
	p.texts = calloc(p.n + 1, sizeof *p.texts);
	int rc = p.e && p.in && p.paths && p.texts ? 0 : gk_error_set(err, GK_ENOMEM, "out of memory");
	bool prev_added = false;
	for (size_t i = 0; rc == 0 && i < p.n; i++)
		rc = plan_input(f, &p, i, &prev_added, err);
	size_t first = r->n_migrations;
	if (rc == 0)
		rc = gk_lint_inputs(r, &f->o->lint, p.in, p.n, err);
	if (rc == 0)
		rc = record_entries(r, f, &p, first, err);
	plan_free(&p);
	return rc;
}

/* ---- one folder, the run ------------------------------------------------ */

static void folder_free(gk_check_folder *f)
{
	for (size_t i = 0; f->items && i < f->n_items; i++)
		gk_commit_info_clear(&f->items[i].commit);
	free(f->items);
	free(f->deleted);
	gk_changes_free(f->changes, f->n_changes);
	gk_layout_free(f->base);
	gk_layout_free(f->head);
	gk_side_files_free(&f->base_files);
	gk_side_files_free(&f->head_files);
	gk_history_links_free(f->links, f->n_links);
}

/* Between two steps: GK_EINTR once the run is interrupted (util/interrupt.h). */
static int stop_here(gk_error *err)
{
	char why[128];
	gk_interrupt_describe(why, sizeof why);
	return why[0] ? gk_error_set(err, GK_EINTR, "%s", why) : 0;
}

/* An interrupted run says which folders it did not finish. */
static int note_unchecked(gk_report *r, const dir_list *dirs, size_t from, gk_error *err)
{
	char why[128];
	gk_interrupt_describe(why, sizeof why);
	for (size_t i = from; i < dirs->n; i++) {
		char *note = gk_asprintf("%s: %s (%s)", *dirs->dirs[i] ? dirs->dirs[i] : ".",
					 i == from ? "not finished" : "not checked", why);
		if (!note || gk_report_add_note(r, note) < 0) {
			free(note);
			return gk_error_set(err, GK_ENOMEM, "out of memory");
		}
		free(note);
	}
	return GK_EINTR;
}

static int check_folder(gk_report *r, const gk_check_options *o, gk_history *h, char *dir, gk_check_replay *rp,
			gk_error *err)
{
	gk_check_folder f = {.o = o, .h = h, .dir = dir};
	int rc = gk_side_files_list(&f.head_files, h, GK_SIDE_HEAD, dir, err);
	if (rc == 0)
		rc = gk_history_links(&f.links, &f.n_links, h, GK_SIDE_HEAD, *dir ? dir : ".", err);
	if (rc == 0)
		rc = gk_history_diff(&f.changes, &f.n_changes, h, *dir ? dir : ".", err);
	if (rc == 0) /* the diff tells the base's files: no second tree walk */
		rc = gk_side_files_derive_base(&f.base_files, &f.head_files, f.changes, f.n_changes, err);
	if (rc == 0)
		rc = read_layouts(&f, err);
	/* A lockfile that does not parse: the model is the default one, and the report says why. */
	if (rc == 0 && f.runner.prisma.note[0] && gk_report_add_note(r, f.runner.prisma.note) < 0)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	if (rc == 0)
		rc = gk_check_classify(&f, err);
	for (size_t i = 0; rc == 0 && i < f.n_items; i++)
		f.items[i].report_idx = -1;
	if (rc == 0)
		rc = gk_check_history_findings(r, &f, err);
	if (rc == 0)
		rc = stop_here(err);
	if (rc == 0)
		rc = o->no_lint ? record_history_only(r, &f, err) : lint_change(r, &f, err);
	if (rc == 0 && rp)
		rc = stop_here(err);
	if (rc == 0 && rp)
		rc = gk_check_replay_folder(rp, r, &f, err);
	folder_free(&f);
	return rc;
}

static int check_pattern(const char *pattern, gk_error *err)
{
	if (!pattern)
		return 0;
	regex_t re;
	int c = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB);
	if (c == 0) {
		regfree(&re);
		return 0;
	}
	char why[256];
	regerror(c, &re, why, sizeof why);
	return gk_error_set(err, GK_ECONFIG, "migration name pattern '%s' is not a valid POSIX extended regular expression: %s",
			    pattern, why);
}

int gk_check_run(gk_report *r, const gk_check_options *options, gk_error *err)
{
	assert(r && options && (options->dirs || options->n_dirs == 0));
	gk_check_options o = *options;  /* the replay may set the lint's version */
	int rc = gk_interrupt_opt_in(o.handle_signals, err);
	if (rc == 0)
		rc = check_pattern(o.name_pattern, err);
	if (rc == 0)
		rc = gk_check_rows_valid(&o, err);
	if (rc < 0)
		return rc;
	gk_history *h = NULL;
	if ((rc = gk_history_open(&h, &o.git, err)) < 0)
		return rc;
	dir_list dirs = {0};
	gk_check_replay rp = {0};
	rc = gk_report_set_git(r, gk_history_base_ref(h), gk_history_merge_base(h), gk_history_head(h));
	if (rc < 0)
		rc = gk_error_set(err, rc, "out of memory");
	if (rc == 0)
		rc = folders(&dirs, h, &o, err);
	if (rc == 0 && gk_check_estimate_note(r, &o) < 0)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	/* The shadow first: its version decides the lint's. */
	if (rc == 0 && o.replay)
		rc = gk_check_replay_open(&rp, r, &o, err);
	size_t done = 0;
	for (; rc == 0 && done < dirs.n; done++) {
		rc = stop_here(err);
		if (rc == 0)
			rc = check_folder(r, &o, h, dirs.dirs[done], o.replay ? &rp : NULL, err);
		if (rc != 0)
			break;
	}
	if (rc == GK_EINTR)
		rc = note_unchecked(r, &dirs, done, err);
	if (rc == 0)
		rc = gk_check_production(r, &o, err);
	if (o.replay)
		gk_check_replay_close(&rp);
	dir_list_free(&dirs);
	gk_history_free(h);
	return rc;
}
