/*
 * blame.c - which commit gave a file its content, for the reports.
 *
 * Rather than walking the whole history with a path filter (what `git log
 * -1 -- path` does), follow the file's blob id from the starting commit
 * down its parents: while some parent has the same blob, the content came
 * from there (through merges too, like git's history simplification);
 * the first commit none of whose parents has it made the change.  That is
 * one chain of commits, each costing a path lookup in its parents' trees.
 *
 * For head, the chain must stay inside merge-base..head (one revwalk,
 * hidden at the merge base, gives that set): leaving it means the content
 * already existed on the base side and the PR did not touch it.
 */
#include "history_internal.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

void gk_commit_info_clear(gk_commit_info *c)
{
	if (!c)
		return;
	free(c->author);
	free(c->email);
	free(c->subject);
	memset(c, 0, sizeof *c);
}

/* A path split into components, and per commit the ids along it:
 * id[0] is the root tree, id[k] the entry after k components; `found`
 * counts the ids known (n + 1 when the file exists).  Comparing trails
 * level by level means a parent whose folder tree is unchanged costs two
 * small-tree lookups, and the (possibly large) migrations folder tree is
 * only parsed in commits that changed it. */
#define MAX_COMPONENTS 32

typedef struct gk_path {
	char *buf;
	const char *comp[MAX_COMPONENTS];
	size_t n;
} gk_path;

typedef struct trail {
	git_oid id[MAX_COMPONENTS + 1];
	size_t found;
} trail;

static int path_split(gk_path *p, const char *path)
{
	memset(p, 0, sizeof *p);
	if (!(p->buf = gk_strdup(path)))
		return GK_ENOMEM;
	for (char *s = p->buf; s; p->n++) {
		if (p->n == MAX_COMPONENTS)
			return GK_ECONFIG;
		p->comp[p->n] = s;
		if ((s = strchr(s, '/')))
			*s++ = '\0';
	}
	return 0;
}

/* The trail of `p` in commit `c`.  When a level's tree equals the one in
 * `like` (the child commit's trail), everything below is equal too. */
static int trail_of(trail *t, git_commit *c, const gk_path *p, const trail *like)
{
	git_oid_cpy(&t->id[0], git_commit_tree_id(c));
	t->found = 1;
	for (size_t k = 0; k < p->n; k++) {
		if (like && like->found > k && git_oid_equal(&t->id[k], &like->id[k])) {
			memcpy(&t->id[k + 1], &like->id[k + 1], (like->found - k - 1) * sizeof t->id[0]);
			t->found = like->found;
			return 0;
		}
		git_tree *tree = NULL;
		if (git_tree_lookup(&tree, git_commit_owner(c), &t->id[k]) < 0)
			return -1;
		const git_tree_entry *e = git_tree_entry_byname(tree, p->comp[k]);
		git_object_t want = k + 1 < p->n ? GIT_OBJECT_TREE : GIT_OBJECT_BLOB;
		bool ok = e && git_tree_entry_type(e) == want;
		if (ok)
			git_oid_cpy(&t->id[k + 1], git_tree_entry_id(e));
		git_tree_free(tree);
		if (!ok)
			return 0;
		t->found = k + 2;
	}
	return 0;
}

static bool trail_has(const trail *t, const gk_path *p, const git_oid *blob)
{
	return t->found == p->n + 1 && git_oid_equal(&t->id[p->n], blob);
}

typedef struct oid_set {
	git_oid *v;
	size_t n, cap;
} oid_set;

static int cmp_oid(const void *a, const void *b) { return git_oid_cmp(a, b); }

static bool oid_set_has(const oid_set *s, const git_oid *id)
{
	return s->n && bsearch(id, s->v, s->n, sizeof *s->v, cmp_oid) != NULL;
}

/* The commits of merge-base..head, sorted for lookups. */
static int range_commits(oid_set *s, gk_history *h, gk_error *err)
{
	git_revwalk *w = NULL;
	git_oid id;
	int rc = git_revwalk_new(&w, h->repo);
	if (rc == 0)
		rc = git_revwalk_push(w, git_commit_id(h->head_commit));
	if (rc == 0)
		rc = git_revwalk_hide(w, git_commit_id(h->base_commit));
	while (rc == 0 && (rc = git_revwalk_next(&id, w)) == 0) {
		if (gk_grow(&s->v, &s->cap, s->n + 1, sizeof *s->v) < 0) {
			git_revwalk_free(w);
			return gk_error_set(err, GK_ENOMEM, "out of memory");
		}
		git_oid_cpy(&s->v[s->n++], &id);
	}
	git_revwalk_free(w);
	if (rc != GIT_ITEROVER)
		return gk_lg2_error(err, GK_EIO, "walking merge-base..head");
	if (s->n)
		qsort(s->v, s->n, sizeof *s->v, cmp_oid);
	return 0;
}

/* The parent of `c` holding blob `want` at `p`, or NULL; *t becomes its
 * trail.  A missing parent (shallow clone) is an error. */
static int same_parent(git_commit **out, trail *t, git_commit *c, const gk_path *p, const git_oid *want,
		       gk_error *err)
{
	*out = NULL;
	unsigned n = git_commit_parentcount(c);
	for (unsigned i = 0; i < n; i++) {
		git_commit *parent = NULL;
		trail pt;
		if (git_commit_parent(&parent, c, i) < 0 || trail_of(&pt, parent, p, t) < 0) {
			git_commit_free(parent);
			return gk_lg2_error(err, GK_ENOTFOUND, "the history is incomplete (shallow clone?)");
		}
		if (trail_has(&pt, p, want)) {
			*out = parent;
			*t = pt;
			return 0;
		}
		git_commit_free(parent);
	}
	return 0;
}

static int fill_info(gk_commit_info *out, const git_commit *c)
{
	const git_signature *a = git_commit_author(c);
	const char *subject = git_commit_summary((git_commit *)c);
	git_oid_tostr(out->sha, sizeof out->sha, git_commit_id(c));
	out->author = gk_strdup(a->name);
	out->email = gk_strdup(a->email);
	out->subject = gk_strdup(subject ? subject : "");
	out->time = (int64_t)a->when.time;
	out->tz_offset_min = a->when.offset;
	return out->author && out->email && out->subject ? 0 : GK_ENOMEM;
}

/* Follow `p`'s blob down from `start`; `range` (may be NULL) bounds the walk. */
static int follow(gk_commit_info *out, gk_history *h, git_commit *start, const oid_set *range, const gk_path *p,
		  const char *path, gk_error *err)
{
	trail t;
	if (trail_of(&t, start, p, NULL) < 0)
		return gk_lg2_error(err, GK_EIO, path);
	if (t.found != p->n + 1)
		return gk_error_set(err, GK_ENOTFOUND, "%s does not exist at %.12s", path,
				    git_oid_tostr_s(git_commit_id(start)));
	git_oid want = t.id[p->n];
	git_commit *cur = NULL;
	int rc = git_commit_dup(&cur, start);
	while (rc == 0) {
		if (range && !oid_set_has(range, git_commit_id(cur))) {
			rc = gk_error_set(err, GK_ENOTFOUND, "%s was not changed in %.12s..%.12s", path,
					  h->merge_base_hex, h->head_hex);
			break;
		}
		git_commit *next = NULL;
		rc = same_parent(&next, &t, cur, p, &want, err);
		if (rc == 0 && !next) {
			rc = fill_info(out, cur) < 0 ? gk_error_set(err, GK_ENOMEM, "out of memory") : 0;
			break;
		}
		git_commit_free(cur);
		cur = next;
	}
	git_commit_free(cur);
	return rc;
}

int gk_history_commit_for(gk_commit_info *out, gk_history *h, gk_side side, const char *repo_relpath,
			  gk_error *err)
{
	memset(out, 0, sizeof *out);
	if (!gk_history_path_ok(repo_relpath))
		return gk_error_set(err, GK_ECONFIG, "%s: not a repository-relative path", repo_relpath);
	gk_path p;
	int rc = path_split(&p, repo_relpath);
	if (rc < 0) {
		free(p.buf);
		return gk_error_set(err, rc, "%s: %s", repo_relpath, rc == GK_ENOMEM ? "out of memory" : "path too deep");
	}
	oid_set range = {0};
	if (side == GK_SIDE_HEAD)
		rc = range_commits(&range, h, err);
	if (rc == 0)
		rc = follow(out, h, side == GK_SIDE_BASE ? h->base_commit : h->head_commit,
			    side == GK_SIDE_BASE ? NULL : &range, &p, repo_relpath, err);
	free(range.v);
	free(p.buf);
	if (rc < 0)
		gk_commit_info_clear(out);
	return rc;
}
