/*
 * compare.c - a live database's migration history against the folder.
 *
 * Each tool records a different amount, so each gets the verdicts its
 * table supports:
 *  - Prisma keeps one row per attempt (a rolled-back migration gets a new
 *    row when applied again).  A migration is failed when a row has neither
 *    finished_at nor rolled_back_at (what `migrate deploy` refuses with
 *    P3009), applied when a row finished and was not rolled back, rolled
 *    back when every row was, and edited when the applied row's checksum no
 *    longer matches the file under Prisma's own tolerance of line endings
 *    (src/history/checksum.c).
 *  - Flyway keeps one row per run: versioned migrations match by version
 *    (numerically, 1.0 == 1), repeatables by description; success = false
 *    is failed, a changed checksum is edited for a versioned migration and
 *    pending for a repeatable (Flyway runs it again).  Versions up to a
 *    BASELINE row count as applied; DELETE rows (repair) take a missing
 *    migration off the list; an undo after the apply makes it pending.
 *  - golang-migrate keeps only its current version and a dirty flag:
 *    files up to the version count as applied (it cannot tell a skipped
 *    file), the version itself is failed when dirty, later ones pending.
 *  - dbmate and diesel keep the versions applied, nothing else.
 * A migration the database has and the folder lacks is missing locally; a
 * pending one that sorts before an applied one is diverged (Prisma and
 * dbmate apply it out of order, golang-migrate never, Flyway only with
 * outOfOrder).  When the database has migrations the folder lacks and the
 * folder has migrations the database lacks, the two histories branched
 * after the last migration they share.
 */
#include "target/target_internal.h"
#include "history/history.h"
#include "util/files.h"
#include "layout/runner.h"
#include "util/util.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Far above any migration file. */
#define MAX_SCRIPT ((size_t)64 << 20)

/* The folders, read. */
typedef struct local_set {
	enum gk_layout_kind kind;
	gk_layout **layouts;
	const char **dirs;
	size_t n;
} local_set;

/* A migration while it is being classified. */
typedef struct entry {
	gk_target_migration m;
	const gk_layout_migration *lm;   /* NULL: missing locally */
	const char *dir;
	const char *version;             /* for the order; borrowed */
	bool repeatable;
	int row;                         /* the history row that decided, or -1 */
	size_t seq;                      /* tie-break: the order it was added in */
} entry;

typedef struct classify {
	const gk_target_history_rows *h;
	const local_set *l;
	enum gk_layout_kind kind;
	entry *e;
	size_t n, cap;
	int *owner;                      /* per history row: its entry, or -1 */
	bool oom;
} classify;

/* ---- the folders ----------------------------------------------------- */

static void local_free(local_set *l)
{
	for (size_t i = 0; i < l->n; i++)
		gk_layout_free(l->layouts[i]);
	free(l->layouts);
	memset(l, 0, sizeof *l);
}

/* Strip one trailing '/' so that paths read "dir/file". */
static const char *trimmed(const char *dir, char *buf, size_t size)
{
	size_t n = strlen(dir);
	if (n > 1 && dir[n - 1] == '/' && n < size) {
		memcpy(buf, dir, n - 1);
		buf[n - 1] = '\0';
		return buf;
	}
	return dir;
}

static int local_read(local_set *l, const char *const *dirs, size_t n, enum gk_layout_kind kind, gk_error *err)
{
	memset(l, 0, sizeof *l);
	l->layouts = calloc(n ? n : 1, sizeof *l->layouts);
	if (!l->layouts)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	l->dirs = (const char **)dirs;
	l->kind = kind;
	for (size_t i = 0; i < n; i++) {
		int rc = gk_layout_read_dir(&l->layouts[i], kind, dirs[i], err);
		if (rc)
			return rc;
		l->n++;
		enum gk_layout_kind k = l->layouts[i]->kind;
		if (k == GK_LAYOUT_PLAIN && kind == GK_LAYOUT_AUTO)
			return gk_error_set(err, GK_ECONFIG,
					    "%s: not a Prisma, Flyway, golang-migrate, dbmate or diesel folder (or empty): "
					    "name the tool with --layout",
					    dirs[i]);
		if (i > 0 && k != l->kind)
			return gk_error_set(err, GK_ECONFIG, "%s is a %s folder and %s a %s one: one history has one tool",
					    dirs[0], gk_layout_kind_name(l->kind), dirs[i], gk_layout_kind_name(k));
		l->kind = k;
	}
	return 0;
}

/* ---- entries --------------------------------------------------------- */

static entry *add_entry(classify *c, const char *key, const char *path, const char *version, bool repeatable)
{
	if (gk_grow(&c->e, &c->cap, c->n + 1, sizeof *c->e) < 0) {
		c->oom = true;
		return NULL;
	}
	entry *e = &c->e[c->n];
	memset(e, 0, sizeof *e);
	e->m.key = gk_strdup(key);
	e->m.path = gk_strdup(path);
	e->version = version;
	e->repeatable = repeatable;
	e->row = -1;
	e->seq = c->n++;
	if (!e->m.key || !e->m.path)
		c->oom = true;
	return e;
}

static void set(classify *c, entry *e, enum gk_applied_status st, const char *at, const char *logs)
{
	e->m.status = st;
	free(e->m.at);
	free(e->m.logs);
	e->m.at = gk_strdup(at);
	e->m.logs = gk_strdup(logs);
	if ((at && !e->m.at) || (logs && !e->m.logs))
		c->oom = true;
}

static void note(classify *c, entry *e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note(classify *c, entry *e, const char *fmt, ...)
{
	gk_buf b = GK_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	gk_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	free(e->m.note);
	e->m.note = gk_buf_take(&b);
	if (!e->m.note)
		c->oom = true;
}

static void checksums(classify *c, entry *e, const char *db, const char *file)
{
	e->m.checksum_db = gk_strdup(db);
	e->m.checksum_file = gk_strdup(file);
	if (!e->m.checksum_db || !e->m.checksum_file)
		c->oom = true;
}

/* The migration's script as the tool reads it (NULL when unreadable). */
static char *read_script(const entry *e, size_t *len)
{
	char *path = gk_asprintf("%s/%s", e->dir, e->lm->path), *text = NULL;
	if (path && gk_read_file(&text, len, path, MAX_SCRIPT) != 0)
		text = NULL;
	free(path);
	return text;
}

/* ---- matching rows to migrations ------------------------------------- */

/* Flyway's description is the file's with '_' read as ' '. */
static bool flyway_desc_eq(const char *recorded, const char *local)
{
	for (; *recorded && *local; recorded++, local++)
		if (*recorded != (*local == '_' ? ' ' : *local))
			return false;
	return *recorded == *local;
}

static bool flyway_skip(const gk_target_row *r)
{
	/* Not a migration run: the baseline marker, created schemas, repair's deletions. */
	return r->type && (strcmp(r->type, "BASELINE") == 0 || strcmp(r->type, "SCHEMA") == 0 ||
			   strcmp(r->type, "DELETE") == 0);
}

static bool matches(enum gk_layout_kind kind, const gk_target_row *r, const gk_layout_migration *m)
{
	switch (kind) {
	case GK_LAYOUT_PRISMA:
		return r->name && strcmp(r->name, m->key) == 0;
	case GK_LAYOUT_FLYWAY:
		if (flyway_skip(r))
			return false;
		if (r->version)
			return !m->repeatable && gk_layout_version_cmp(kind, r->version, m->version) == 0;
		return m->repeatable && r->description && flyway_desc_eq(r->description, m->name);
	case GK_LAYOUT_DBMATE:
		return r->version && m->version && strcmp(r->version, m->version) == 0;
	default:
		return r->version && m->version && gk_layout_version_cmp(kind, r->version, m->version) == 0;
	}
}

/* Add every local migration, in the tool's order per folder, and find its rows. */
static void add_local(classify *c, const local_set *l)
{
	char buf[4096];
	for (size_t d = 0; d < l->n && !c->oom; d++) {
		const char *dir = trimmed(l->dirs[d], buf, sizeof buf);
		const gk_layout *lay = l->layouts[d];
		/* The runner model as the folder's repository states it (the Prisma version of its lockfile). */
		gk_runner_settings set;
		char *root = gk_files_root(l->dirs[d]);
		gk_runner_settings_find_dir(&set, l->kind, l->dirs[d], root);
		free(root);
		for (size_t i = 0; i < lay->n_migrations && !c->oom; i++) {
			const gk_layout_migration *lm = &lay->migrations[i];
			char *path = gk_asprintf("%s/%s", dir, lm->path);
			entry *e = path ? add_entry(c, lm->key, path, lm->version, lm->repeatable) : NULL;
			free(path);
			if (!e) {
				c->oom = true;
				break;
			}
			e->lm = lm;
			e->dir = l->dirs[d];
			e->m.local = true;
			gk_runner_choice how;
			gk_runner_choose(&how, &set, GK_RUNNER_AUTO, lm->no_transaction, lm->path, NULL);
			e->m.runner = how.deploy;
			for (size_t r = 0; r < c->h->n_rows; r++)
				if (c->owner[r] < 0 && matches(c->kind, &c->h->rows[r], lm))
					c->owner[r] = (int)(e - c->e);
		}
	}
}

/* ---- Prisma ---------------------------------------------------------- */

/* Classify from the entry's rows: the last failed, else the last applied. */
static void prisma_entry(classify *c, entry *e, size_t idx)
{
	int failed = -1, applied = -1, rolled = -1;
	for (size_t r = 0; r < c->h->n_rows; r++) {
		const gk_target_row *row = &c->h->rows[r];
		if (c->owner[r] != (int)idx)
			continue;
		if (row->rolled_back_at)
			rolled = (int)r;
		else if (row->finished_at)
			applied = (int)r;
		else
			failed = (int)r;
	}
	if (failed >= 0) {
		const gk_target_row *row = &c->h->rows[failed];
		set(c, e, GK_APPLIED_FAILED, row->started_at, row->logs);
		e->row = failed;
	} else if (applied >= 0) {
		const gk_target_row *row = &c->h->rows[applied];
		set(c, e, GK_APPLIED_APPLIED, row->finished_at, NULL);
		e->row = applied;
		size_t len = 0;
		char *text = e->lm ? read_script(e, &len) : NULL;
		if (text && row->checksum && !gk_checksum_verify_prisma(row->checksum, text, len)) {
			char now[65];
			gk_sha256_hex(now, text, len);
			e->m.status = GK_APPLIED_EDITED;
			checksums(c, e, row->checksum, now);
		}
		free(text);
	} else if (rolled >= 0) {
		set(c, e, GK_APPLIED_ROLLED_BACK, c->h->rows[rolled].rolled_back_at, NULL);
		e->row = rolled;
		note(c, e, "rolled back at %s; the next `prisma migrate deploy` applies it again",
		     c->h->rows[rolled].rolled_back_at);
	} else {
		e->m.status = GK_APPLIED_PENDING;
	}
}

/* ---- Flyway ---------------------------------------------------------- */

static bool is_undo(const gk_target_row *r) { return r->type && strncmp(r->type, "UNDO", 4) == 0; }

static void flyway_entry(classify *c, entry *e, size_t idx)
{
	int last = -1;
	for (size_t r = 0; r < c->h->n_rows; r++)
		if (c->owner[r] == (int)idx)
			last = (int)r;
	if (last < 0 || (is_undo(&c->h->rows[last]) && c->h->rows[last].success)) {
		e->m.status = GK_APPLIED_PENDING;
		if (last >= 0)
			note(c, e, "undone by %s", c->h->rows[last].name ? c->h->rows[last].name : "an undo migration");
		return;
	}
	const gk_target_row *row = &c->h->rows[last];
	e->row = last;
	if (!row->success) {
		set(c, e, GK_APPLIED_FAILED, row->finished_at, NULL);
		return;
	}
	set(c, e, GK_APPLIED_APPLIED, row->finished_at, NULL);
	size_t len = 0;
	char *text = row->checksum ? read_script(e, &len) : NULL;
	if (text) {
		char now[16];
		snprintf(now, sizeof now, "%d", gk_tg_flyway_checksum(text, len));
		if (strcmp(now, row->checksum) != 0 && e->repeatable) {
			e->m.status = GK_APPLIED_PENDING;
			note(c, e, "changed since it last ran at %s: Flyway runs it again", row->finished_at);
		} else if (strcmp(now, row->checksum) != 0) {
			e->m.status = GK_APPLIED_EDITED;
			checksums(c, e, row->checksum, now);
		}
	}
	free(text);
}

/* Versions up to the newest BASELINE row count as applied. */
static const char *flyway_baseline(const gk_target_history_rows *h)
{
	const char *v = NULL;
	for (size_t r = 0; r < h->n_rows; r++)
		if (h->rows[r].type && strcmp(h->rows[r].type, "BASELINE") == 0 && h->rows[r].version)
			v = h->rows[r].version;
	return v;
}

/* ---- golang-migrate, dbmate, diesel ---------------------------------- */

static void version_entry(classify *c, entry *e, size_t idx)
{
	for (size_t r = 0; r < c->h->n_rows; r++)
		if (c->owner[r] == (int)idx) {
			e->row = (int)r;
			set(c, e, c->h->rows[r].success ? GK_APPLIED_APPLIED : GK_APPLIED_FAILED, c->h->rows[r].finished_at,
			    NULL);
		}
	if (e->row < 0)
		e->m.status = GK_APPLIED_PENDING;
}

/* golang-migrate's one row is its current version: files before it were
 * applied on the way there, as far as it knows. */
static void golang_fill(classify *c)
{
	const gk_target_row *cur = c->h->n_rows ? &c->h->rows[c->h->n_rows - 1] : NULL;
	for (size_t i = 0; i < c->n; i++) {
		entry *e = &c->e[i];
		if (e->m.status != GK_APPLIED_PENDING || !cur ||
		    gk_layout_version_cmp(c->kind, e->version, cur->version) >= 0)
			continue;
		e->m.status = GK_APPLIED_APPLIED;
		note(c, e, "golang-migrate records only its current version (%s): every file up to it counts as applied",
		     cur->version);
	}
}

/* ---- what the folder lacks ------------------------------------------- */

/* Whether a row says its migration is (or was attempted to be) applied. */
static bool row_recorded(enum gk_layout_kind kind, const gk_target_row *r)
{
	if (kind == GK_LAYOUT_PRISMA)
		return !r->rolled_back_at;
	if (kind == GK_LAYOUT_FLYWAY)
		return !flyway_skip(r) && !is_undo(r);
	return true;
}

/* Flyway: a later DELETE row (repair) for the same version or description. */
static bool flyway_deleted(const gk_target_history_rows *h, size_t r)
{
	const gk_target_row *x = &h->rows[r];
	for (size_t k = r + 1; k < h->n_rows; k++) {
		const gk_target_row *d = &h->rows[k];
		if (!d->type || strcmp(d->type, "DELETE") != 0)
			continue;
		if (x->version ? d->version && strcmp(d->version, x->version) == 0
			       : !d->version && d->description && x->description && !strcmp(d->description, x->description))
			return true;
	}
	return false;
}

/* The identity of a row's migration, as the entry key. */
static const char *row_key(enum gk_layout_kind kind, const gk_target_row *r)
{
	if (kind == GK_LAYOUT_PRISMA)
		return r->name;
	if (kind == GK_LAYOUT_FLYWAY)
		return r->name ? r->name : r->version ? r->version : r->description;
	return r->version;
}

static entry *find_missing(classify *c, const char *key, size_t from)
{
	for (size_t i = from; i < c->n; i++)
		if (!c->e[i].lm && strcmp(c->e[i].m.key, key) == 0)
			return &c->e[i];
	return NULL;
}

/* One entry per migration the history has and the folder does not; its
 * last row decides, as for a local one. */
/* A history row of a Prisma 8 migration package the folder holds: it is
 * there, unread (prisma-migration-package), not missing. */
static bool is_package(const local_set *l, const char *key)
{
	for (size_t d = 0; l && d < l->n; d++)
		for (size_t i = 0; i < l->layouts[d]->n_packages; i++)
			if (!strcmp(l->layouts[d]->packages[i], key))
				return true;
	return false;
}

static void add_missing(classify *c, const char *dir0)
{
	char buf[4096];
	const char *dir = trimmed(dir0, buf, sizeof buf);
	size_t first_missing = c->n;
	for (size_t r = 0; r < c->h->n_rows && !c->oom; r++) {
		const gk_target_row *row = &c->h->rows[r];
		const char *key = row_key(c->kind, row);
		if (c->owner[r] >= 0 || !key || !row_recorded(c->kind, row) || is_package(c->l, key) ||
		    (c->kind == GK_LAYOUT_FLYWAY && flyway_deleted(c->h, r)))
			continue;
		entry *e = find_missing(c, key, first_missing);
		if (!e) {
			char *path = gk_asprintf("%s/%s", dir, row->name ? row->name : key);
			e = path ? add_entry(c, key, path, row->version, c->kind == GK_LAYOUT_FLYWAY && !row->version)
				 : NULL;
			free(path);
			if (!e) {
				c->oom = true;
				return;
			}
			/* No file: the tool's model without its statements. */
			gk_runner_settings set;
			gk_runner_choice how;
			gk_runner_settings_init(&set, c->kind);
			gk_runner_choose(&how, &set, GK_RUNNER_AUTO, false, NULL, NULL);
			e->m.runner = how.deploy;
		}
		c->owner[r] = (int)(e - c->e);
	}
}

static void classify_missing(classify *c)
{
	for (size_t i = 0; i < c->n; i++) {
		entry *e = &c->e[i];
		if (e->lm)
			continue;
		int last = -1;
		for (size_t r = 0; r < c->h->n_rows; r++)
			if (c->owner[r] == (int)i)
				last = (int)r;
		const gk_target_row *row = &c->h->rows[last];
		bool failed = c->kind == GK_LAYOUT_PRISMA ? !row->finished_at : !row->success;
		e->row = last;
		set(c, e, failed ? GK_APPLIED_FAILED : GK_APPLIED_MISSING,
		    c->kind == GK_LAYOUT_PRISMA && failed ? row->started_at : row->finished_at, row->logs);
		if (failed)
			note(c, e, "its file is not in the folder either");
	}
}

/* ---- order and divergence -------------------------------------------- */

static int entry_cmp(const void *a, const void *b, void *kind_p)
{
	const entry *x = a, *y = b;
	enum gk_layout_kind kind = *(const enum gk_layout_kind *)kind_p;
	int c = 0;
	if (x->repeatable != y->repeatable)
		return x->repeatable ? 1 : -1;
	if (kind == GK_LAYOUT_PRISMA || x->repeatable)
		c = strcmp(x->m.key, y->m.key);
	else
		c = gk_layout_version_cmp(kind, x->version, y->version);
	if (c == 0)
		c = x->seq < y->seq ? -1 : x->seq > y->seq;
	return c;
}

static bool is_applied(enum gk_applied_status s)
{
	return s == GK_APPLIED_APPLIED || s == GK_APPLIED_EDITED || s == GK_APPLIED_FAILED ||
	       s == GK_APPLIED_MISSING || s == GK_APPLIED_RUNNING;
}

/* Pending migrations before the newest applied one, then the branch point. */
static void divergence(classify *c, gk_target_state *s)
{
	size_t last = SIZE_MAX;
	for (size_t i = 0; i < c->n; i++)
		if (!c->e[i].repeatable && is_applied(c->e[i].m.status))
			last = i;
	for (size_t i = 0; last != SIZE_MAX && i < last; i++) {
		entry *e = &c->e[i];
		if (e->m.status != GK_APPLIED_PENDING || e->repeatable)
			continue;
		e->m.status = GK_APPLIED_DIVERGED;
		note(c, e, "sorts before %s, which is applied", c->e[last].m.key);
	}
	bool missing = false, unapplied = false;
	for (size_t i = 0; i < c->n; i++) {
		enum gk_applied_status st = c->e[i].m.status;
		missing |= st == GK_APPLIED_MISSING;
		unapplied |= !c->e[i].repeatable && (st == GK_APPLIED_PENDING || st == GK_APPLIED_DIVERGED);
	}
	s->diverged = missing && unapplied;
	for (size_t i = 0; s->diverged && i < c->n && c->e[i].lm && is_applied(c->e[i].m.status); i++)
		if (c->e[i].m.status == GK_APPLIED_APPLIED || c->e[i].m.status == GK_APPLIED_EDITED) {
			free(s->last_common);
			if (!(s->last_common = gk_strdup(c->e[i].m.key)))
				c->oom = true;
		}
}

/* A deploy holds Prisma's lock: the newest unfinished row is its work. */
static void mark_running(classify *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->e[i].m.status == GK_APPLIED_FAILED && c->e[i].row == (int)c->h->n_rows - 1) {
			c->e[i].m.status = GK_APPLIED_RUNNING;
			note(c, &c->e[i], "being applied by a deploy in progress");
		}
}

/* ---- the whole comparison -------------------------------------------- */

void gk_target_status_free(gk_target_state *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_migrations; i++) {
		gk_target_migration *m = &s->migrations[i];
		free(m->key);
		free(m->path);
		free(m->at);
		free(m->logs);
		free(m->note);
		free(m->checksum_db);
		free(m->checksum_file);
	}
	free(s->migrations);
	for (size_t i = 0; i < s->n_packages; i++)
		free(s->packages[i]);
	free(s->packages);
	free(s->table);
	free(s->last_common);
	free(s);
}

/* The packages of every folder, as folder/name. */
static int list_packages(gk_target_state *s, const local_set *l)
{
	size_t n = 0;
	for (size_t d = 0; d < l->n; d++)
		n += l->layouts[d]->n_packages;
	if (n == 0)
		return 0;
	if (!(s->packages = calloc(n, sizeof *s->packages)))
		return GK_ENOMEM;
	for (size_t d = 0; d < l->n; d++) {
		char buf[4096];
		const char *dir = trimmed(l->dirs[d], buf, sizeof buf);
		for (size_t i = 0; i < l->layouts[d]->n_packages; i++)
			if (!(s->packages[s->n_packages++] = gk_asprintf("%s/%s", dir, l->layouts[d]->packages[i])))
				return GK_ENOMEM;
	}
	return 0;
}

static void classify_local(classify *c)
{
	const char *baseline = c->kind == GK_LAYOUT_FLYWAY ? flyway_baseline(c->h) : NULL;
	for (size_t i = 0; i < c->n; i++) {
		entry *e = &c->e[i];
		if (c->kind == GK_LAYOUT_PRISMA)
			prisma_entry(c, e, i);
		else if (c->kind == GK_LAYOUT_FLYWAY)
			flyway_entry(c, e, i);
		else
			version_entry(c, e, i);
		if (baseline && e->m.status == GK_APPLIED_PENDING && !e->repeatable &&
		    gk_layout_version_cmp(c->kind, e->version, baseline) <= 0) {
			e->m.status = GK_APPLIED_APPLIED;
			note(c, e, "at or below the baseline version %s", baseline);
		}
	}
	if (c->kind == GK_LAYOUT_GOLANG_MIGRATE)
		golang_fill(c);
}

/* Move the entries into the result, in order, and count them. */
static int finish(classify *c, gk_target_state *s, bool running)
{
	qsort_r(c->e, c->n, sizeof *c->e, entry_cmp, &c->kind);
	/* owner[] indexes the unsorted entries; only `row` is needed from here. */
	if (running)
		mark_running(c);
	divergence(c, s);
	s->migrations = calloc(c->n ? c->n : 1, sizeof *s->migrations);
	if (!s->migrations || c->oom)
		return GK_ENOMEM;
	for (size_t i = 0; i < c->n; i++) {
		s->migrations[i] = c->e[i].m;
		memset(&c->e[i].m, 0, sizeof c->e[i].m);
		s->count[s->migrations[i].status]++;
		s->n_local += s->migrations[i].local;
	}
	s->n_migrations = c->n;
	s->n_recorded = c->h->n_rows;
	return 0;
}

static void classify_free(classify *c)
{
	for (size_t i = 0; i < c->n; i++) {
		gk_target_migration *m = &c->e[i].m;
		free(m->key);
		free(m->path);
		free(m->at);
		free(m->logs);
		free(m->note);
		free(m->checksum_db);
		free(m->checksum_file);
	}
	free(c->e);
	free(c->owner);
}

static int compare(gk_target_state **out, const gk_target_history_rows *h, const local_set *l, bool running,
		   gk_error *err)
{
	*out = NULL;
	if (h->kind != l->kind)
		return gk_error_set(err, GK_ECONFIG, "the history is %s's and the folder %s's", gk_layout_kind_name(h->kind),
				    gk_layout_kind_name(l->kind));
	gk_target_state *s = calloc(1, sizeof *s);
	classify c = {.h = h, .l = l, .kind = h->kind};
	c.owner = malloc((h->n_rows ? h->n_rows : 1) * sizeof *c.owner);
	int rc = s && c.owner ? 0 : GK_ENOMEM;
	for (size_t r = 0; rc == 0 && r < h->n_rows; r++)
		c.owner[r] = -1;
	if (rc == 0) {
		s->kind = h->kind;
		s->table_exists = h->exists;
		s->table = gk_strdup(h->table);
		add_local(&c, l);
		classify_local(&c);
		add_missing(&c, l->n ? l->dirs[0] : ".");
		classify_missing(&c);
		rc = !s->table || c.oom ? GK_ENOMEM : finish(&c, s, running);
		if (rc == 0)
			rc = list_packages(s, l);
	}
	classify_free(&c);
	if (rc) {
		gk_target_status_free(s);
		return gk_error_set(err, rc, "out of memory");
	}
	*out = s;
	return 0;
}

int gk_target_status_compare(gk_target_state **out, const gk_target_history_rows *h, const char *const *dirs,
			     size_t n_dirs, enum gk_layout_kind kind, gk_error *err)
{
	*out = NULL;
	local_set l;
	int rc = local_read(&l, dirs, n_dirs, kind == GK_LAYOUT_AUTO ? h->kind : kind, err);
	if (rc == 0)
		rc = compare(out, h, &l, false, err);
	local_free(&l);
	return rc;
}

int gk_target_status(gk_target_state **out, gk_target *t, const char *const *dirs, size_t n_dirs,
		     enum gk_layout_kind kind, const char *table, gk_error *err)
{
	*out = NULL;
	local_set l;
	gk_target_history_rows *h = NULL;
	gk_target_lock_holder lock = {0};
	int rc = local_read(&l, dirs, n_dirs, kind, err);
	if (rc == 0 && (rc = gk_tg_begin(t, err)) == 0) {
		rc = gk_tg_read_history(&h, t, l.kind, table, err);
		if (rc == 0 && l.kind == GK_LAYOUT_PRISMA)
			rc = gk_tg_deploy_lock(t, &lock, err);
		gk_tg_end(t);
	}
	if (rc == 0)
		rc = compare(out, h, &l, lock.held, err);
	if (rc == 0) {
		(*out)->deploy_in_progress = lock.held;
		(*out)->deploy_pid = lock.pid;
	}
	gk_target_history_free(h);
	local_free(&l);
	return rc;
}
