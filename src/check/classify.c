/*
 * classify.c - where each migration of a folder stands between the merge
 * base and head.
 *
 * A migration's identity is its layout key (Prisma folder name, Flyway
 * file name, ...), because that is what the tool records as applied:
 *   - a key on both sides is `modified` when its SQL differs in more than
 *     line endings (Prisma's checksum tolerates CRLF <-> LF, so we do too),
 *     else `unchanged`; the diff says which files changed at all, so an
 *     untouched file is never read twice;
 *   - a key only at head is `renamed` when git's rename detection pairs
 *     its file with the file of a base migration whose key is gone, else
 *     `added`;
 *   - a base key that is neither at head nor renamed is `deleted`.
 */
#include "check_internal.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

const gk_change *gk_check_change_of(const gk_check_folder *f, const char *path)
{
	for (size_t i = 0; i < f->n_changes; i++)
		if (f->changes[i].new_path && strcmp(f->changes[i].new_path, path) == 0)
			return &f->changes[i];
	for (size_t i = 0; i < f->n_changes; i++)
		if (f->changes[i].old_path && strcmp(f->changes[i].old_path, path) == 0)
			return &f->changes[i];
	return NULL;
}

gk_commit_ref gk_check_commit_ref(const gk_commit_info *c)
{
	gk_commit_ref r = {0};
	memcpy(r.sha, c->sha, sizeof r.sha);
	r.author = c->author;
	r.email = c->email;
	r.time = c->time;
	r.tz_offset_min = c->tz_offset_min;
	r.subject = c->subject;
	return r;
}

/* Base migrations sorted by key, so each head key is found in O(log n). */
typedef struct key_index {
	const gk_layout *base;
	size_t *order;   /* indices into base->migrations */
} key_index;

static int cmp_base_key(const void *a, const void *b, void *payload)
{
	const gk_layout *base = payload;
	int c = strcmp(base->migrations[*(const size_t *)a].key, base->migrations[*(const size_t *)b].key);
	return c ? c : (*(const size_t *)a > *(const size_t *)b) - (*(const size_t *)a < *(const size_t *)b);
}

static int key_index_build(key_index *ix, const gk_layout *base)
{
	ix->base = base;
	ix->order = malloc((base->n_migrations ? base->n_migrations : 1) * sizeof *ix->order);
	if (!ix->order)
		return -1;
	for (size_t i = 0; i < base->n_migrations; i++)
		ix->order[i] = i;
	qsort_r(ix->order, base->n_migrations, sizeof *ix->order, cmp_base_key, (void *)base);
	return 0;
}

/* The base migration with key `key` that no head migration claimed yet
 * (duplicate keys are claimed in base order). */
static long base_by_key(const key_index *ix, const bool *used, const char *key)
{
	size_t lo = 0, hi = ix->base->n_migrations;
	while (lo < hi) { /* first position whose key is >= key */
		size_t mid = (lo + hi) / 2;
		if (strcmp(ix->base->migrations[ix->order[mid]].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < ix->base->n_migrations && strcmp(ix->base->migrations[ix->order[lo]].key, key) == 0; lo++)
		if (!used[ix->order[lo]])
			return (long)ix->order[lo];
	return -1;
}

/* Whether the head file differs from the base file in more than line endings. */
static int content_changed(gk_check_folder *f, const gk_layout_migration *b, const gk_layout_migration *m,
			   bool *changed, gk_error *err)
{
	*changed = false;
	char *hp = gk_check_join(f->dir, m->path);
	if (!hp)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	bool touched = strcmp(b->path, m->path) != 0 || gk_check_change_of(f, hp) != NULL;
	free(hp);
	if (!touched)
		return 0;
	const char *bt, *ht;
	size_t bl, hl;
	int rc = gk_side_files_get(&f->base_files, b->path, &bt, &bl, err);
	if (rc == 0)
		rc = gk_side_files_get(&f->head_files, m->path, &ht, &hl, err);
	if (rc < 0)
		return rc;
	*changed = !(bl == hl && memcmp(bt, ht, bl) == 0) && !gk_checksum_equal_prisma(bt, bl, ht, hl);
	return 0;
}

/* A base migration the diff says `m`'s file was renamed from, or -1. */
static long renamed_from(const gk_check_folder *f, const bool *used, const gk_layout_migration *m)
{
	char *hp = gk_check_join(f->dir, m->path);
	const gk_change *c = hp ? gk_check_change_of(f, hp) : NULL;
	free(hp);
	if (!c || c->kind != GK_CHANGE_RENAMED || !c->new_path || !c->old_path)
		return -1;
	for (size_t i = 0; i < f->base->n_migrations; i++) {
		if (used[i])
			continue;
		char *bp = gk_check_join(f->dir, f->base->migrations[i].path);
		bool same = bp && strcmp(bp, c->old_path) == 0;
		free(bp);
		if (same)
			return (long)i;
	}
	return -1;
}

/* The commit that gave a changed migration its content at head; none for uncommitted files. */
static int attribute(gk_check_folder *f, gk_check_item *it, gk_error *err)
{
	char *p = gk_check_join(f->dir, it->head->path);
	if (!p)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	gk_error e = {0};
	int rc = gk_history_commit_for(&it->commit, f->h, GK_SIDE_HEAD, p, &e);
	free(p);
	it->have_commit = rc == 0;
	if (rc == GK_ENOMEM)
		return gk_error_set(err, rc, "%s", e.msg);
	if (rc < 0)
		gk_commit_info_clear(&it->commit); /* uncommitted (--worktree): no commit to name */
	return 0;
}

/* First pass: keys present on both sides. */
static int match_keys(gk_check_folder *f, bool *used, gk_error *err)
{
	key_index ix;
	if (key_index_build(&ix, f->base) < 0)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < f->n_items; i++) {
		gk_check_item *it = &f->items[i];
		long b = base_by_key(&ix, used, it->head->key);
		if (b < 0)
			continue;
		used[b] = true;
		it->base = &f->base->migrations[b];
		bool changed = false;
		rc = content_changed(f, it->base, it->head, &changed, err);
		it->status = changed ? GK_HISTORY_MODIFIED : GK_HISTORY_UNCHANGED;
	}
	free(ix.order);
	return rc;
}

/* Second pass: new keys are renamed or added. */
static void match_renames(gk_check_folder *f, bool *used)
{
	for (size_t i = 0; i < f->n_items; i++) {
		gk_check_item *it = &f->items[i];
		if (it->base)
			continue;
		long b = renamed_from(f, used, it->head);
		if (b >= 0) {
			used[b] = true;
			it->base = &f->base->migrations[b];
		}
		it->status = b >= 0 ? GK_HISTORY_RENAMED : GK_HISTORY_ADDED;
	}
}

static int collect_deleted(gk_check_folder *f, const bool *used, gk_error *err)
{
	f->deleted = calloc(f->base->n_migrations ? f->base->n_migrations : 1, sizeof *f->deleted);
	if (!f->deleted)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	for (size_t i = 0; i < f->base->n_migrations; i++)
		if (!used[i])
			f->deleted[f->n_deleted++] = (gk_check_item){.base = &f->base->migrations[i],
								      .status = GK_HISTORY_DELETED};
	return 0;
}

int gk_check_classify(gk_check_folder *f, gk_error *err)
{
	f->n_items = f->head->n_migrations;
	f->items = calloc(f->n_items ? f->n_items : 1, sizeof *f->items);
	bool *used = calloc(f->base->n_migrations ? f->base->n_migrations : 1, sizeof *used);
	if (!f->items || !used) {
		free(used);
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < f->n_items; i++)
		f->items[i].head = &f->head->migrations[i];
	int rc = match_keys(f, used, err);
	if (rc == 0) {
		match_renames(f, used);
		rc = collect_deleted(f, used, err);
	}
	free(used);
	for (size_t i = 0; rc == 0 && i < f->n_items; i++)
		if (f->items[i].status != GK_HISTORY_UNCHANGED)
			rc = attribute(f, &f->items[i], err);
	return rc;
}
