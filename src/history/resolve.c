/*
 * resolve.c - a symbolic link of a migration folder resolved inside the
 * repository (for links.c, which lists the links, and tree.c, which reads
 * the file a link names).
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
