/*
 * links.c - symbolic links and submodules in a migration folder.
 *
 * git stores a symlink as a blob (mode 120000) holding the link's text and
 * a submodule as a gitlink (mode 160000) naming a commit of another
 * repository.  A migration runner reading a checkout follows the link and
 * applies whatever it points at, so a link must neither be skipped (the
 * migration would be invisible to the check) nor followed blindly (it may
 * point at /etc/passwd or at a file outside the checkout).
 *
 * A link is resolved inside the repository only, one path component at a
 * time, the way the kernel would in a checkout: relative text is read from
 * the link's folder, "." and ".." are applied to the components seen so
 * far, a component that is itself a link is expanded in turn (at most
 * GK_LINK_MAX_DEPTH links in all), and the result must be a regular file.
 * Absolute text, a ".." above the repository root, a submodule, a missing
 * component or too many links refuse the link, with the reason.  Nothing
 * outside the repository is ever opened: a commit side looks entries up
 * in the commit's tree, the working-tree side uses lstat and readlink on
 * paths below the working tree whose every component was checked first.
 */
#include "history_internal.h"
#include "util/util.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- resolution over an abstract tree ----------------------------------- */

int gk__link_resolve(char **out, const char **why, gk_link_lookup_fn lookup, void *ctx, const char *link_path,
		     const char *text)
{
	*out = NULL;
	*why = NULL;
	gk_buf cur = GK_BUF_INIT;    /* resolved folder so far, repo-relative, no trailing '/' */
	gk_buf rest = GK_BUF_INIT;   /* components still to walk */
	const char *slash = strrchr(link_path, '/');
	if (slash)
		gk_buf_append(&cur, link_path, (size_t)(slash - link_path));
	gk_buf_puts(&rest, text);
	int links = 1, rc = 0;
	if (text[0] == '/')
		*why = "an absolute path";
	while (rc == 0 && !*why && !cur.failed && !rest.failed && rest.len > 0) {
		/* Take the first component off `rest`. */
		size_t skip = strspn(rest.data, "/");
		size_t n = strcspn(rest.data + skip, "/");
		char *comp = gk_strndup(rest.data + skip, n);
		size_t used = skip + n;
		memmove(rest.data, rest.data + used, rest.len - used + 1);
		rest.len -= used;
		bool last = rest.data[strspn(rest.data, "/")] == '\0';
		if (!comp) {
			rc = GK_ENOMEM;
		} else if (n == 0 || strcmp(comp, ".") == 0) {
			/* nothing */
		} else if (strcmp(comp, "..") == 0) {
			if (cur.len == 0) {
				*why = "outside the repository";
			} else {
				char *up = strrchr(cur.data, '/');
				cur.len = up ? (size_t)(up - cur.data) : 0;
				if (cur.data)
					cur.data[cur.len] = '\0';
			}
		} else {
			size_t before = cur.len;
			if (cur.len)
				gk_buf_putc(&cur, '/');
			gk_buf_puts(&cur, comp);
			enum gk_link_node kind = GK_NODE_MISSING;
			char *ltext = NULL;
			if (!cur.failed && (rc = lookup(&kind, &ltext, cur.data, ctx)) < 0)
				break;
			switch (kind) {
			case GK_NODE_DIR:
				if (last)
					*why = "a folder, not a file";
				break;
			case GK_NODE_FILE:
				if (!last)
					*why = "a path through a file";
				break;
			case GK_NODE_LINK:
				if (++links > GK_LINK_MAX_DEPTH) {
					*why = "a chain of too many symbolic links";
				} else if (ltext[0] == '/') {
					*why = "an absolute path, through another link";
				} else {
					/* Splice the link's text in front of what is left, from the link's folder. */
					cur.len = before;
					if (cur.data)
						cur.data[cur.len] = '\0';
					gk_buf tmp = GK_BUF_INIT;
					gk_buf_puts(&tmp, ltext);
					gk_buf_putc(&tmp, '/');
					gk_buf_append(&tmp, rest.data ? rest.data : "", rest.len);
					gk_buf_free(&rest);
					rest = tmp;
				}
				break;
			case GK_NODE_MISSING:
				*why = "a path that does not exist";
				break;
			case GK_NODE_OTHER:
				*why = "a submodule or special file";
				break;
			}
			free(ltext);
		}
		free(comp);
	}
	if (rc == 0 && (cur.failed || rest.failed))
		rc = GK_ENOMEM;
	if (rc == 0 && !*why && cur.len == 0)
		*why = "a folder, not a file";
	if (rc == 0 && !*why)
		*out = gk_buf_take(&cur);
	gk_buf_free(&cur);
	gk_buf_free(&rest);
	return rc < 0 ? rc : (*out || *why ? 0 : GK_ENOMEM);
}

/* ---- commit trees --------------------------------------------------------- */

int gk__tree_lookup(enum gk_link_node *kind, char **text, const char *path, void *ctx)
{
	git_tree *root = ctx;
	git_tree_entry *e = NULL;
	*text = NULL;
	*kind = GK_NODE_MISSING;
	int rc = git_tree_entry_bypath(&e, root, path);
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return GK_EIO;
	switch (git_tree_entry_filemode(e)) {
	case GIT_FILEMODE_TREE: *kind = GK_NODE_DIR; break;
	case GIT_FILEMODE_BLOB:
	case GIT_FILEMODE_BLOB_EXECUTABLE: *kind = GK_NODE_FILE; break;
	case GIT_FILEMODE_LINK: {
		git_blob *b = NULL;
		rc = git_blob_lookup(&b, git_tree_owner(root), git_tree_entry_id(e)) < 0 ? GK_EIO : 0;
		size_t n = b ? (size_t)git_blob_rawsize(b) : 0;
		if (rc == 0 && memchr(git_blob_rawcontent(b), '\0', n)) {
			*kind = GK_NODE_OTHER; /* no path holds a NUL byte */
		} else if (rc == 0) {
			*text = gk_strndup(git_blob_rawcontent(b), n);
			*kind = GK_NODE_LINK;
			rc = *text ? 0 : GK_ENOMEM;
		}
		git_blob_free(b);
		break;
	}
	default: *kind = GK_NODE_OTHER; break;
	}
	git_tree_entry_free(e);
	return rc;
}

/* ---- the working tree ---------------------------------------------------- */

int gk__workdir_lookup(enum gk_link_node *kind, char **text, const char *path, void *ctx)
{
	const char *workdir = ctx; /* ends with '/' */
	*text = NULL;
	*kind = GK_NODE_MISSING;
	if (strcmp(path, ".git") == 0 || strncmp(path, ".git/", 5) == 0) {
		*kind = GK_NODE_OTHER; /* the repository's own files are not part of its tree */
		return 0;
	}
	char *full = gk_asprintf("%s%s", workdir, path);
	if (!full)
		return GK_ENOMEM;
	struct stat st;
	int rc = 0;
	if (lstat(full, &st) != 0) {
		/* missing */
	} else if (S_ISDIR(st.st_mode)) {
		*kind = GK_NODE_DIR;
	} else if (S_ISREG(st.st_mode)) {
		*kind = GK_NODE_FILE;
	} else if (S_ISLNK(st.st_mode)) {
		char buf[PATH_MAX];
		ssize_t n = readlink(full, buf, sizeof buf - 1);
		if (n < 0) {
			*kind = GK_NODE_MISSING;
		} else {
			*text = gk_strndup(buf, (size_t)n);
			*kind = GK_NODE_LINK;
			rc = *text ? 0 : GK_ENOMEM;
		}
	} else {
		*kind = GK_NODE_OTHER;
	}
	free(full);
	return rc;
}

/* ---- listing ------------------------------------------------------------- */

typedef struct link_vec {
	gk_history_link *v;
	size_t n, cap;
	int rc;
} link_vec;

static void push_link(link_vec *lv, gk_link_kind kind, char *path, char *text, char *target, const char *why)
{
	if (lv->rc == 0 && (!path || !text || gk_grow(&lv->v, &lv->cap, lv->n + 1, sizeof *lv->v) < 0))
		lv->rc = GK_ENOMEM;
	if (lv->rc < 0) {
		free(path);
		free(text);
		free(target);
		return;
	}
	lv->v[lv->n++] = (gk_history_link){.kind = kind, .path = path, .text = text, .target = target, .why = why};
}

typedef struct walk_ctx {
	link_vec *lv;
	git_tree *root;   /* the commit's whole tree, to resolve in */
	const char *dir;  /* the folder walked, repo-relative ("" = root) */
	bool gitlinks_only;
} walk_ctx;

static int walk_links(const char *sub, const git_tree_entry *e, void *payload)
{
	walk_ctx *w = payload;
	git_filemode_t m = git_tree_entry_filemode(e);
	if (m != GIT_FILEMODE_LINK && m != GIT_FILEMODE_COMMIT)
		return 0;
	if (m == GIT_FILEMODE_LINK && w->gitlinks_only)
		return 0;
	char *rel = gk_asprintf("%s%s", sub, git_tree_entry_name(e));
	char *full = rel ? gk_asprintf("%s%s%s", w->dir, *w->dir ? "/" : "", rel) : NULL;
	if (m == GIT_FILEMODE_COMMIT) {
		push_link(w->lv, GK_LINK_SUBMODULE, rel, gk_strdup(git_oid_tostr_s(git_tree_entry_id(e))), NULL,
			  "a submodule: another repository's files");
	} else {
		enum gk_link_node kind;
		char *text = NULL, *target = NULL;
		const char *why = NULL;
		int rc = full ? gk__tree_lookup(&kind, &text, full, w->root) : GK_ENOMEM;
		if (rc == 0 && kind == GK_NODE_LINK)
			rc = gk__link_resolve(&target, &why, gk__tree_lookup, w->root, full, text);
		else if (rc == 0)
			why = "not readable as a link";
		if (rc < 0)
			w->lv->rc = rc;
		push_link(w->lv, GK_LINK_SYMLINK, rel, text ? text : gk_strdup(""), target, why);
	}
	free(full);
	return w->lv->rc < 0 ? -1 : 0;
}

static int links_of_commit(link_vec *lv, git_commit *c, const char *dir, bool gitlinks_only, gk_error *err)
{
	git_tree *root = NULL, *t = NULL;
	if (git_commit_tree(&root, c) < 0)
		return gk_lg2_error(err, GK_EIO, "reading a commit's tree");
	git_tree_entry *e = NULL;
	int rc = 0;
	if (!*dir) {
		t = root;
	} else if ((rc = git_tree_entry_bypath(&e, root, dir)) == 0 && git_tree_entry_type(e) == GIT_OBJECT_TREE) {
		rc = git_tree_lookup(&t, git_commit_owner(c), git_tree_entry_id(e)) < 0 ? gk_lg2_error(err, GK_EIO, dir) : 0;
	} else {
		rc = rc == 0 || rc == GIT_ENOTFOUND ? 0 : gk_lg2_error(err, GK_EIO, dir);
	}
	walk_ctx w = {lv, root, dir, gitlinks_only};
	if (rc == 0 && t && git_tree_walk(t, GIT_TREEWALK_PRE, walk_links, &w) < 0 && lv->rc == 0)
		rc = gk_lg2_error(err, GK_EIO, "walking a tree");
	if (rc == 0 && lv->rc < 0)
		rc = gk_error_set(err, lv->rc, lv->rc == GK_ENOMEM ? "out of memory" : "reading a symbolic link");
	git_tree_entry_free(e);
	if (t != root)
		git_tree_free(t);
	git_tree_free(root);
	return rc;
}

/* Symlinks below `dir` in the working tree, as git status lists them. */
static int links_of_workdir(link_vec *lv, gk_history *h, const char *dir, gk_error *err)
{
	char **paths = NULL;
	size_t n = 0;
	int rc = gk__workdir_symlinks(&paths, &n, h, dir, err);
	const char *wd = git_repository_workdir(h->repo);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char *full = gk_asprintf("%s%s%s", dir, *dir ? "/" : "", paths[i]);
		enum gk_link_node kind = GK_NODE_MISSING;
		char *text = NULL, *target = NULL;
		const char *why = NULL;
		rc = full ? gk__workdir_lookup(&kind, &text, full, (void *)wd) : GK_ENOMEM;
		if (rc == 0 && kind == GK_NODE_LINK)
			rc = gk__link_resolve(&target, &why, gk__workdir_lookup, (void *)wd, full, text);
		else if (rc == 0)
			why = "not readable as a link";
		free(full);
		push_link(lv, GK_LINK_SYMLINK, gk_strdup(paths[i]), text ? text : gk_strdup(""), target, why);
		if (rc == 0)
			rc = lv->rc;
		if (rc < 0)
			rc = gk_error_set(err, rc, "out of memory");
	}
	gk_history_paths_free(paths, n);
	return rc;
}

static int cmp_link(const void *a, const void *b)
{
	return strcmp(((const gk_history_link *)a)->path, ((const gk_history_link *)b)->path);
}

int gk_history_links(gk_history_link **out, size_t *out_n, gk_history *h, gk_side side, const char *dir,
		     gk_error *err)
{
	*out = NULL;
	*out_n = 0;
	char *nd = gk_history_norm_dir(dir);
	if (!nd)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	link_vec lv = {0};
	bool wt = side == GK_SIDE_HEAD && h->worktree;
	/* The working tree: its symlinks on disk; submodules as committed at head. */
	int rc = links_of_commit(&lv, gk_history_side_commit(h, side), nd, wt, err);
	if (rc == 0 && wt)
		rc = links_of_workdir(&lv, h, nd, err);
	free(nd);
	if (rc < 0) {
		gk_history_links_free(lv.v, lv.n);
		return rc;
	}
	if (lv.n)
		qsort(lv.v, lv.n, sizeof *lv.v, cmp_link);
	*out = lv.v;
	*out_n = lv.n;
	return 0;
}

void gk_history_links_free(gk_history_link *l, size_t n)
{
	for (size_t i = 0; l && i < n; i++) {
		free(l[i].path);
		free(l[i].text);
		free(l[i].target);
	}
	free(l);
}
