/*
 * cache.c - the persistent folder of a cache cluster.
 *
 * Layout of <cache_dir>/pg<major>/ (one per major version, because a data
 * folder only starts under the major version that made it; another
 * version's folder is simply never looked at):
 *   lock        flock'ed by the one gatekeeper process using the cluster
 *   data/       the cluster, mode 0700, owned by the user the server runs as,
 *               with our marker file data/gatekeeper-cache
 *   data.new/   an initdb in progress, moved to data/ when complete
 *
 * The socket and the logs are not here (cluster.c puts them in a private
 * temporary folder): socket paths are short, and a CI cache must not save
 * either.
 *
 * Folders we create are 0700, or 0711 when root: the unprivileged server
 * user must pass through them to reach data/, without reading them.
 *
 * The lock is taken without waiting: a second gatekeeper (parallel CI
 * jobs sharing a cache) is better served by a private cluster now than by
 * a queue.  It is an flock on its own file, so it goes away with the
 * process however that ends, and it is never inherited by the server
 * (O_CLOEXEC; cluster.c also marks every descriptor close-on-exec).
 *
 * Trust.  A cache folder is untrusted input: a CI cache restores whatever
 * an earlier job (perhaps one running a hostile pull request) saved, and
 * a shared machine may have other users.  Starting a data folder runs its
 * configuration (archive_command, restore_command, shared_preload_libraries
 * run programs and load code), so we start only what we made, and we
 * never chown, wipe or stop anything through a symlink:
 *  - the folders above <cache_dir> are the user's choice ($XDG_CACHE_HOME
 *    or ~/.cache is often a symlink to a bigger disk): they are followed
 *    as they are.  <cache_dir> itself, pg<major>/ and everything below
 *    are ours: we create them, they are opened with O_NOFOLLOW one by one
 *    (openat from the folder above), and used only when owned by the user
 *    we run as and not writable by group or others;
 *  - data/ must be owned by the server's user (ourselves, or `postgres`
 *    when we are root), hold only folders and regular files of that user
 *    (no symlinks, so no tablespace or pg_wal elsewhere; no hard links to
 *    files elsewhere) and carry the marker file we wrote after initdb: the
 *    major version and a random id, owned by the user we run as.  The same
 *    id is stored in the cluster (templates.c checks it before any
 *    template is used);
 *  - what is not ours is not used at all: the run says why (the shadow's
 *    cache note) and takes a private cluster.  What is ours but not right
 *    (no marker: a cache of an older gatekeeper; another version; damage)
 *    is removed and made again, which is safe because it lies in folders
 *    only we can write and is removed without following links;
 *  - before every start the configuration files are rewritten
 *    (gk_cache_reset_config), and cluster.c passes the settings that run
 *    programs or load code on the command line as well, which wins over
 *    postgresql.conf and postgresql.auto.conf.  So an ALTER SYSTEM of an
 *    earlier run's migration does not reach the next run.
 *
 * What a data folder of ours can look like when we get it, and what we do:
 *  - as a clean shutdown left it: nothing;
 *  - a killed run: the server got its parent-death signal and may still be
 *    shutting down; postmaster.pid names it: wait for it (a process of the
 *    server's user working in this very folder, which only we can reach,
 *    while we hold the lock) rather than fail on "lock file already
 *    exists";
 *  - restored by a CI cache (actions/cache is tar): as root, tar restores
 *    owners by name, so the folder is again root's and data/ `postgres`'s;
 *    as another user, everything becomes that user's, which is the user
 *    gatekeeper then runs as.  A mode tar widened (0755) is set back to
 *    0700; a postmaster.pid naming some unrelated live process here is
 *    dropped (PostgreSQL itself removes one whose pid is dead);
 *  - damaged or from another version (PG_VERSION): wiped and initdb'ed;
 *    whatever else does not start is wiped by cluster.c, once.
 */
#include "shadow/shadow_internal.h"
#include "util/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR_MODE(root) ((root) ? 0711 : 0700)
#define MARKER "gatekeeper-cache"
/* A file being written into the data folder (write_at), left by a run
 * killed meanwhile; removed before the folder is checked. */
#define WRITING ".gatekeeper-write"
#define MARKER_MAX 256
/* Deep enough for any data folder (base/<db>/<file>, pg_wal/archive_status,
 * pg_logical/snapshots). */
#define TREE_DEPTH_MAX 16

/* noinline: GCC would warn about the truncation this checks for. */
__attribute__((noinline)) static bool join(char *out, size_t size, const char *dir,
                                          const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);
	return n >= 0 && (size_t)n < size;
}

/* mkdir -p; existing folders are left as they are.  Messages name the
 * cache folder `named`, of which `path` is a part. */
static int make_dirs(const char *path, const char *named, mode_t mode, gk_error *err)
{
	char p[PATH_MAX];
	size_t len = strlen(path);
	if (len >= sizeof p)
		return gk_error_set(err, GK_EINFRA, "the cache folder %s is too long", named);
	memcpy(p, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if ((p[i] != '/' && p[i] != '\0') || p[i - 1] == '/')
			continue;
		char was = p[i];
		p[i] = '\0';
		if (mkdir(p, mode) != 0 && errno != EEXIST)
			return gk_error_set(err, GK_EINFRA, "cannot create the cache folder %s: %s: %s",
			                    named, p, strerror(errno));
		p[i] = was;
	}
	struct stat st;
	if (stat(path, &st) != 0)
		return gk_error_set(err, GK_EINFRA, "cannot create the cache folder %s: %s: %s", named,
		                    path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return gk_error_set(err, GK_EINFRA, "cannot create the cache folder %s: %s is not a folder",
		                    named, path);
	return 0;
}

/* "user NAME" or "uid N", for messages. */
static void user_text(char *out, size_t size, uid_t uid)
{
	struct passwd pw, *found = NULL;
	char buf[1024];
	if (getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found)
		snprintf(out, size, "user %s", found->pw_name);
	else
		snprintf(out, size, "uid %ld", (long)uid);
}

/* GK_EINFRA "<path> belongs to <owner>, not to <want>: ...". */
static int not_owned(const char *path, uid_t owner, uid_t want, const char *want_role,
                     gk_error *err)
{
	char has[96], should[96];
	user_text(has, sizeof has, owner);
	user_text(should, sizeof should, want);
	return gk_error_set(err, GK_EINFRA,
	                    "%s belongs to %s, not to %s (%s): not gatekeeper's, left as it is",
	                    path, has, should, want_role);
}

/*
 * Open the entry `name` of the open folder `parent` (spelled `path` in
 * messages) as a folder of ours: never through a symlink, owned by `uid`,
 * not writable by group or others.  `create`: make it (mode `mode`) when
 * missing; else a missing one gives *fd = -1 and 0.
 */
static int open_own_dir(int parent, const char *name, const char *path, bool create,
                        mode_t mode, uid_t uid, const char *role, int *fd, gk_error *err)
{
	*fd = -1;
	if (create && mkdirat(parent, name, mode) != 0 && errno != EEXIST)
		return gk_error_set(err, GK_EINFRA, "cannot create the cache folder %s: %s", path,
		                    strerror(errno));
	struct stat st;
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno == ENOENT && !create)
			return 0;
		return gk_error_set(err, GK_EINFRA, "cannot use the cache folder %s: %s", path,
		                    strerror(errno));
	}
	if (S_ISLNK(st.st_mode))
		return gk_error_set(err, GK_EINFRA,
		                    "%s is a symbolic link: gatekeeper follows no link inside its cache "
		                    "(name the real folder instead)", path);
	if (!S_ISDIR(st.st_mode))
		return gk_error_set(err, GK_EINFRA, "cannot use the cache folder %s: not a folder", path);
	int d = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d < 0)
		return gk_error_set(err, GK_EINFRA, "cannot open the cache folder %s: %s", path,
		                    strerror(errno));
	/* What we opened, not what lstat saw a moment ago. */
	if (fstat(d, &st) != 0 || st.st_uid != uid) {
		close(d);
		return not_owned(path, st.st_uid, uid, role, err);
	}
	if (st.st_mode & 022) {
		close(d);
		return gk_error_set(err, GK_EINFRA,
		                    "%s is writable by other users (mode %04o)", path,
		                    (unsigned)(st.st_mode & 07777));
	}
	*fd = d;
	return 0;
}

/*
 * Split the cache folder into the user's part (its parent, created when
 * missing and resolved to an absolute path, following symlinks) and our
 * part (its last name).  A last name "." or ".." names an existing folder
 * of the user's choice: resolve it and split again.
 */
static int locate(const char *cache_dir, bool root, char *parent, size_t psize, char *base,
                  size_t bsize, gk_error *err)
{
	char p[PATH_MAX];
	size_t len = strlen(cache_dir);
	if (len == 0)
		return gk_error_set(err, GK_EINFRA, "the cache folder is an empty path");
	if (len >= sizeof p)
		return gk_error_set(err, GK_EINFRA, "the cache folder %s is too long", cache_dir);
	memcpy(p, cache_dir, len + 1);
	while (len > 1 && p[len - 1] == '/')
		p[--len] = '\0';
	char *slash = strrchr(p, '/');
	const char *b = slash ? slash + 1 : p;
	if (strcmp(b, ".") == 0 || strcmp(b, "..") == 0) {
		char abs[PATH_MAX];
		if (!realpath(p, abs))
			return gk_error_set(err, GK_EINFRA, "cannot use the cache folder %s: %s", cache_dir,
			                    strerror(errno));
		if (strcmp(abs, "/") == 0)
			return gk_error_set(err, GK_EINFRA, "the cache folder cannot be /");
		return locate(abs, root, parent, psize, base, bsize, err);
	}
	if (!*b)
		return gk_error_set(err, GK_EINFRA, "the cache folder cannot be /");
	if (strlen(b) >= bsize)
		return gk_error_set(err, GK_EINFRA, "the cache folder %s is too long", cache_dir);
	snprintf(base, bsize, "%s", b);
	const char *par = ".";
	if (slash == p)
		par = "/";
	else if (slash) {
		*slash = '\0';
		par = p;
	}
	int rc = make_dirs(par, cache_dir, DIR_MODE(root), err);
	if (rc)
		return rc;
	char abs[PATH_MAX];
	if (!realpath(par, abs))
		return gk_error_set(err, GK_EINFRA, "cannot use the cache folder %s: %s", cache_dir,
		                    strerror(errno));
	if (strlen(abs) >= psize)
		return gk_error_set(err, GK_EINFRA, "the cache folder %s is too long", cache_dir);
	snprintf(parent, psize, "%s", abs);
	return 0;
}

/* Whether `path` still names the folder open as `fd` (the server gets the
 * path, not the descriptor). */
static bool names_fd(const char *path, int fd)
{
	struct stat a, b;
	return stat(path, &a) == 0 && fstat(fd, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

static int take_lock(gk_cache *c, gk_error *err)
{
	char lock[PATH_MAX];
	join(lock, sizeof lock, c->home, "lock");  /* fits: home has room for data */
	c->lock_fd = openat(c->home_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	struct stat st;
	if (c->lock_fd < 0 || fstat(c->lock_fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		int e = c->lock_fd < 0 ? errno : EINVAL;
		gk_cache_unlock(c);
		return gk_error_set(err, GK_EINFRA, "cannot open the cache's lock file %s: %s", lock,
		                    e == ELOOP ? "a symbolic link" : strerror(e));
	}
	while (flock(c->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EINTR)
			continue;
		int e = errno;
		gk_cache_unlock(c);
		if (e == EWOULDBLOCK)
			return gk_error_set(err, GK_EINFRA,
			                    "the cache folder %s is in use by another gatekeeper process",
			                    c->home);
		return gk_error_set(err, GK_EINFRA, "cannot lock %s: %s", lock, strerror(e));
	}
	return 0;
}

int gk_cache_lock(gk_cache *c, const char *cache_dir, const char *major, bool root,
                  gk_error *err)
{
	c->home_fd = c->lock_fd = -1;
	c->id[0] = '\0';
	char parent[PATH_MAX], base[NAME_MAX + 1], top[PATH_MAX], name[32];
	int rc = locate(cache_dir, root, parent, sizeof parent, base, sizeof base, err);
	if (rc)
		return rc;
	snprintf(name, sizeof name, "pg%s", major);
	/* Absolute: the server resolves -D in the folder it starts in. */
	if (!join(top, sizeof top, strcmp(parent, "/") == 0 ? "" : parent, base) ||
	    !join(c->home, sizeof c->home, top, name) || !join(c->data, sizeof c->data, c->home, "data"))
		return gk_error_set(err, GK_EINFRA, "the cache folder %s is too long", cache_dir);
	int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return gk_error_set(err, GK_EINFRA, "cannot use the cache folder %s: %s", parent,
		                    strerror(errno));
	int tfd;
	rc = open_own_dir(pfd, base, top, true, DIR_MODE(root), geteuid(),
	                  "the user gatekeeper runs as", &tfd, err);
	close(pfd);
	if (rc)
		return rc;
	rc = open_own_dir(tfd, name, c->home, true, DIR_MODE(root), geteuid(),
	                  "the user gatekeeper runs as", &c->home_fd, err);
	close(tfd);
	if (rc)
		return rc;
	if (!names_fd(c->home, c->home_fd)) {
		gk_cache_unlock(c);
		return gk_error_set(err, GK_EINFRA, "the cache folder %s changed while it was opened",
		                    c->home);
	}
	return take_lock(c, err);
}

void gk_cache_unlock(gk_cache *c)
{
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	if (c->home_fd >= 0)
		close(c->home_fd);
	c->lock_fd = c->home_fd = -1;
}

/* ---- a server a killed run left --------------------------------------- */

/* Read a small regular file `name` of `dfd` without following a link;
 * NULL when it is not one.  *st gets its status. */
static char *read_small(int dfd, const char *name, size_t max, struct stat *st)
{
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	char *text = NULL;
	if (fstat(fd, st) == 0 && S_ISREG(st->st_mode) && (size_t)st->st_size <= max &&
	    (text = malloc((size_t)st->st_size + 1)) != NULL) {
		size_t got = 0;
		ssize_t n = 1;
		while (got < (size_t)st->st_size &&
		       ((n = read(fd, text + got, (size_t)st->st_size - got)) > 0 ||
		        (n < 0 && errno == EINTR)))
			got += n > 0 ? (size_t)n : 0;
		text[got] = '\0';
		if (got != (size_t)st->st_size) {
			free(text);
			text = NULL;
		}
	}
	close(fd);
	return text;
}

/* The pid on the first line of data/postmaster.pid; 0 = none. */
static pid_t recorded_postmaster(int dfd)
{
	struct stat st;
	char *text = read_small(dfd, "postmaster.pid", 4096, &st);
	char *end = NULL;
	long pid = text ? strtol(text, &end, 10) : 0;
	if (!text || end == text || pid <= 0 || pid > INT_MAX)
		pid = 0;
	free(text);
	return (pid_t)pid;
}

/* State ('R', 'S', 'Z', ...) and effective uid of a process; false when there
 * is no such process. */
static bool process_info(pid_t pid, char *state, uid_t *uid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *paren = strrchr(buf, ')');
	*state = paren && paren[1] == ' ' ? paren[2] : 0;
	struct stat st;
	snprintf(path, sizeof path, "/proc/%d", (int)pid);
	if (stat(path, &st) != 0)
		return false;
	*uid = st.st_uid;  /* /proc/<pid> belongs to the process's effective uid */
	return *state != 0;
}

/* A postmaster runs in its data folder: compare the process's working
 * folder with ours (paths could be spelled differently, inodes not). */
static bool runs_in(pid_t pid, int dfd)
{
	char cwd[64];
	struct stat a, b;
	snprintf(cwd, sizeof cwd, "/proc/%d/cwd", (int)pid);
	return stat(cwd, &a) == 0 && fstat(dfd, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* See the header comment: we hold the lock and the folder is ours, so a
 * process of the server's user working in it is the server of a killed
 * run of ours; whatever else postmaster.pid names is not ours and is left
 * alone (only the stale file goes). */
static void clear_leftover_server(int dfd, uid_t run_uid)
{
	pid_t pid = recorded_postmaster(dfd);
	char state = 0;
	uid_t uid = 0;
	if (pid <= 0 || !process_info(pid, &state, &uid))
		return;  /* no such process: PostgreSQL removes the file itself */
	if (state != 'Z' && uid == run_uid && runs_in(pid, dfd)) {
		/* A fast shutdown leaves it clean; a stopped one (^Z, a frozen
		 * container) would never get to it. */
		kill(pid, SIGCONT);
		gk_reg_stop_pid(pid, SIGINT);
		return;
	}
	unlinkat(dfd, "postmaster.pid", 0);
}

/* ---- the marker and the data folder's contents ------------------------ */

/* The marker: ours (written by the user we run as, one link), for `major`,
 * with a well-formed id, copied to c->id. */
static bool read_marker(gk_cache *c, int dfd, const char *major)
{
	struct stat st;
	char *text = read_small(dfd, MARKER, MARKER_MAX, &st);
	if (!text)
		return false;
	char want[64], id[40];
	int n = snprintf(want, sizeof want, "gatekeeper cache\nmajor %s\nid ", major);
	bool ok = st.st_uid == geteuid() && st.st_nlink == 1 && n > 0 &&
	          strncmp(text, want, (size_t)n) == 0 && strlen(text + n) == 33 &&
	          strspn(text + n, "0123456789abcdef") == 32 && text[n + 32] == '\n';
	if (ok) {
		memcpy(id, text + n, 32);
		id[32] = '\0';
		memcpy(c->id, id, sizeof c->id);
	}
	free(text);
	return ok;
}

static bool random_id(char out[33])
{
	return gk_random_hex(out, 16) == 0;
}

/* Whether PG_VERSION names `major`. */
static bool same_version(int dfd, const char *major)
{
	struct stat st;
	char *text = read_small(dfd, "PG_VERSION", 64, &st);
	if (!text)
		return false;
	size_t len = strlen(text);
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	bool same = strcmp(text, major) == 0;
	free(text);
	return same;
}

typedef struct tree_walk {
	uid_t run_uid;
	char path[PATH_MAX];  /* relative to data/, for messages */
	const char *data;
	gk_error *err;
} tree_walk;

static int tree_bad(tree_walk *w, const char *why)
{
	return gk_error_set(w->err, GK_EINFRA,
	                    "the cache's data folder %s holds %s (%s): not made by gatekeeper, left "
	                    "as it is", w->data, why, w->path);
}

/* Every entry below the open folder `fd` (closed here) is a folder or a
 * regular file with one link, of the server's user; the marker at the top
 * is ours. */
static int check_below(tree_walk *w, int fd, size_t plen, int depth)
{
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return gk_error_set(w->err, GK_EINFRA, "cannot read %s/%s: %s", w->data, w->path,
		                    strerror(errno));
	}
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		int n = snprintf(w->path + plen, sizeof w->path - plen, "%s%s", plen ? "/" : "",
		                 e->d_name);
		if (n < 0 || (size_t)n >= sizeof w->path - plen) {
			rc = tree_bad(w, "a path too long");
			break;
		}
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			if (errno == ENOENT)
				continue;
			rc = gk_error_set(w->err, GK_EINFRA, "cannot read %s/%s: %s", w->data, w->path,
			                  strerror(errno));
			break;
		}
		bool marker = depth == 0 && strcmp(e->d_name, MARKER) == 0;
		uid_t want = marker ? geteuid() : w->run_uid;
		if (S_ISLNK(st.st_mode))
			rc = tree_bad(w, "a symbolic link");
		else if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
			rc = tree_bad(w, "a special file");
		else if (st.st_uid != want)
			rc = tree_bad(w, "a file of another owner");
		else if (S_ISREG(st.st_mode) && st.st_nlink != 1)
			rc = tree_bad(w, "a file with another name elsewhere (a hard link)");
		else if (S_ISDIR(st.st_mode)) {
			int sub = depth < TREE_DEPTH_MAX
			              ? openat(dirfd(d), e->d_name,
			                       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
			              : -1;
			rc = sub < 0 ? tree_bad(w, "folders nested too deep or unreadable")
			             : check_below(w, sub, plen + (size_t)n, depth + 1);
		}
	}
	w->path[plen] = '\0';
	closedir(d);
	return rc;
}

static int check_tree(const gk_cache *c, int dfd, uid_t run_uid, gk_error *err)
{
	tree_walk w = {run_uid, "", c->data, err};
	int fd = dup(dfd);
	if (fd < 0)
		return gk_error_set(err, GK_EINFRA, "cannot read %s: %s", c->data, strerror(errno));
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	return check_below(&w, fd, 0, 0);
}

/* PostgreSQL refuses a data folder whose mode is not 0700/0750; tar may
 * have restored it wider (never writable by others: that was refused). */
static int fix_mode(const gk_cache *c, int dfd, gk_error *err)
{
	struct stat st;
	if (fstat(dfd, &st) != 0)
		return gk_error_set(err, GK_EINFRA, "cannot use %s: %s", c->data, strerror(errno));
	mode_t mode = st.st_mode & 07777;
	if (mode != 0700 && mode != 0750 && fchmod(dfd, 0700) != 0)
		return gk_error_set(err, GK_EINFRA, "cannot set the mode of %s: %s", c->data,
		                    strerror(errno));
	return 0;
}

/* ---- removing -------------------------------------------------------- */

static int remove_entry(const gk_cache *c, const char *name, gk_error *err)
{
	struct stat st;
	if (gk_reg_remove_at(c->home_fd, name) == 0 ||
	    fstatat(c->home_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return 0;
	return gk_error_set(err, GK_EINFRA, "cannot remove %s/%s: %s", c->home, name,
	                    strerror(errno));
}

int gk_cache_wipe(gk_cache *c, gk_error *err)
{
	c->id[0] = '\0';
	int rc = remove_entry(c, "data", err);
	return rc ? rc : remove_entry(c, "data.new", err);
}

int gk_cache_check(gk_cache *c, const char *major, const gk_run_user *as, bool wipe,
                   bool *need_initdb, gk_error *err)
{
	*need_initdb = true;
	c->id[0] = '\0';
	int rc = remove_entry(c, "data.new", err);
	if (rc)
		return rc;
	uid_t run_uid = as->drop ? as->uid : geteuid();
	int dfd;
	rc = open_own_dir(c->home_fd, "data", c->data, false, 0, run_uid,
	                  as->drop ? "the user the server runs as" : "the user gatekeeper runs as",
	                  &dfd, err);
	if (rc || dfd < 0)
		return rc;  /* not ours: not used; missing: initdb */
	clear_leftover_server(dfd, run_uid);
	if (wipe || !read_marker(c, dfd, major) || !same_version(dfd, major)) {
		close(dfd);
		return gk_cache_wipe(c, err);
	}
	gk_reg_remove_at(dfd, WRITING);
	rc = check_tree(c, dfd, run_uid, err);
	if (!rc)
		rc = fix_mode(c, dfd, err);
	close(dfd);
	if (rc)
		c->id[0] = '\0';
	else
		*need_initdb = false;
	return rc;
}

int gk_cache_initdb_target(gk_cache *c, char *out, size_t size, const gk_run_user *as,
                           gk_error *err)
{
	if (!join(out, size, c->home, "data.new"))
		return gk_error_set(err, GK_EINFRA, "the cache folder %s is too long", c->home);
	int rc = remove_entry(c, "data.new", err);
	if (rc)
		return rc;
	if (mkdirat(c->home_fd, "data.new", 0700) != 0)
		return gk_error_set(err, GK_EINFRA, "cannot create %s: %s", out, strerror(errno));
	if (as->drop && fchownat(c->home_fd, "data.new", as->uid, as->gid, AT_SYMLINK_NOFOLLOW) != 0)
		return gk_error_set(err, GK_EINFRA, "cannot give %s to user %s: %s", out, as->name,
		                    strerror(errno));
	return 0;
}

/* Write `text` as the file `name` of `dfd`: a new file (never through a
 * link, never one someone else holds open) renamed over the old one. */
static int write_at(int dfd, const char *name, const char *text, const gk_run_user *as,
                    mode_t mode, const char *where, gk_error *err)
{
	static const char tmp[] = WRITING;
	gk_reg_remove_at(dfd, tmp);
	int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	size_t len = strlen(text), done = 0;
	bool ok = fd >= 0;
	while (ok && done < len) {
		ssize_t n = write(fd, text + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		ok = n > 0;
		done += ok ? (size_t)n : 0;
	}
	if (ok && as && as->drop)
		ok = fchown(fd, as->uid, as->gid) == 0;
	if (fd >= 0 && close(fd) != 0)
		ok = false;
	if (ok)
		ok = renameat(dfd, tmp, dfd, name) == 0;
	if (ok)
		return 0;
	int e = errno;
	unlinkat(dfd, tmp, 0);
	return gk_error_set(err, GK_EINFRA, "cannot write %s/%s: %s", where, name, strerror(e));
}

int gk_cache_commit(gk_cache *c, const char *major, gk_error *err)
{
	char fresh[PATH_MAX], text[MARKER_MAX];
	join(fresh, sizeof fresh, c->home, "data.new");  /* fits: initdb_target checked */
	if (!random_id(c->id))
		return gk_error_set(err, GK_EINFRA, "no random numbers: %s", strerror(errno));
	snprintf(text, sizeof text, "gatekeeper cache\nmajor %s\nid %s\n", major, c->id);
	int dfd = openat(c->home_fd, "data.new", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return gk_error_set(err, GK_EINFRA, "cannot open %s: %s", fresh, strerror(errno));
	/* Ours, not the server's: it cannot rewrite it (when it is another user). */
	int rc = write_at(dfd, MARKER, text, NULL, 0600, fresh, err);
	close(dfd);
	if (rc)
		return rc;
	if (renameat(c->home_fd, "data.new", c->home_fd, "data") != 0)
		return gk_error_set(err, GK_EINFRA, "cannot move %s to %s: %s", fresh, c->data,
		                    strerror(errno));
	return 0;
}

/* ---- the configuration -------------------------------------------------- */

/*
 * The settings initdb writes into postgresql.conf (it probes some of them,
 * e.g. shared_buffers and max_connections on a small machine, and takes
 * the time zone from the system), which is all we keep of it.  None of
 * them runs a program, loads code, names a file or includes another.
 */
static const char *const kept_settings[] = {
	"max_connections", "shared_buffers", "dynamic_shared_memory_type", "max_wal_size",
	"min_wal_size", "log_timezone", "datestyle", "timezone", "lc_messages", "lc_monetary",
	"lc_numeric", "lc_time", "default_text_search_config",
};

static bool is_kept(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof kept_settings / sizeof *kept_settings; i++)
		if (strlen(kept_settings[i]) == len && strncmp(kept_settings[i], name, len) == 0)
			return true;
	return false;
}

/* One line of postgresql.conf as "name = value\n" when it sets a kept
 * setting to a plain value (a word, or a quoted one without quotes or
 * backslashes in it); anything else is dropped. */
static void keep_line(gk_buf *out, const char *line, size_t len)
{
	static const char word[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";
	char l[512];
	if (len >= sizeof l)
		return;
	memcpy(l, line, len);
	l[len] = '\0';
	const char *p = l + strspn(l, " \t");
	size_t nlen = strspn(p, "abcdefghijklmnopqrstuvwxyz_");
	if (nlen == 0 || !is_kept(p, nlen))
		return;
	const char *name = p;
	p += nlen;
	p += strspn(p, " \t");
	if (*p == '=')
		p++;
	p += strspn(p, " \t");
	const char *value = p;
	size_t vlen;
	if (*p == '\'') {
		vlen = 1 + strspn(p + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
		                         "_.,/ +-:");
		if (p[vlen] != '\'')
			return;
		vlen++;
	} else if ((vlen = strspn(p, word)) == 0)
		return;
	p += vlen;
	p += strspn(p, " \t\r");
	if (*p && *p != '#')
		return;
	gk_buf_printf(out, "%.*s = %.*s\n", (int)nlen, name, (int)vlen, value);
}

static int reset_conf(int dfd, const gk_cache *c, const gk_run_user *as, gk_error *err)
{
	struct stat st;
	char *old = read_small(dfd, "postgresql.conf", 1 << 20, &st);
	gk_buf b = GK_BUF_INIT;
	gk_buf_puts(&b, "# Written by gatekeeper before every start of its cache's server: only\n"
	                "# the settings initdb chose are kept; everything else is dropped.\n");
	for (const char *p = old; p && *p;) {
		size_t len = strcspn(p, "\n");
		keep_line(&b, p, len);
		p += len + (p[len] == '\n');
	}
	free(old);
	if (b.failed) {
		gk_buf_free(&b);
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	int rc = write_at(dfd, "postgresql.conf", b.data, as, 0600, c->data, err);
	gk_buf_free(&b);
	return rc;
}

int gk_cache_reset_config(gk_cache *c, const gk_run_user *as, gk_error *err)
{
	static const char auto_conf[] = "# Do not edit this file manually!\n"
	                                "# It will be overwritten by the ALTER SYSTEM command.\n";
	/* The server listens only on its socket, in a folder only it and we
	 * can enter. */
	static const char hba[] = "# Written by gatekeeper before every start.\n"
	                          "local all all trust\n";
	static const char ident[] = "# Written by gatekeeper before every start.\n";
	/* Each of these makes the server recover from an archive (running
	 * restore_command) or is read by a tool as a command line. */
	static const char *const dropped[] = {"recovery.signal", "standby.signal", "recovery.conf",
	                                      "postmaster.opts"};
	int dfd = openat(c->home_fd, "data", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return gk_error_set(err, GK_EINFRA, "cannot open %s: %s", c->data, strerror(errno));
	int rc = reset_conf(dfd, c, as, err);
	if (!rc)
		rc = write_at(dfd, "postgresql.auto.conf", auto_conf, as, 0600, c->data, err);
	if (!rc)
		rc = write_at(dfd, "pg_hba.conf", hba, as, 0600, c->data, err);
	if (!rc)
		rc = write_at(dfd, "pg_ident.conf", ident, as, 0600, c->data, err);
	for (size_t i = 0; !rc && i < sizeof dropped / sizeof *dropped; i++) {
		struct stat st;
		if (gk_reg_remove_at(dfd, dropped[i]) != 0 &&
		    fstatat(dfd, dropped[i], &st, AT_SYMLINK_NOFOLLOW) == 0)
			rc = gk_error_set(err, GK_EINFRA, "cannot remove %s/%s: %s", c->data, dropped[i],
			                  strerror(errno));
	}
	close(dfd);
	return rc;
}

/* ---- the default place ------------------------------------------------ */

char *gk_shadow_default_cache_dir(void)
{
	/* The XDG spec ignores a relative $XDG_CACHE_HOME. */
	const char *xdg = getenv("XDG_CACHE_HOME");
	if (xdg && xdg[0] == '/')
		return gk_asprintf("%s/gatekeeper", xdg);
	/* Root's home is closed to the unprivileged user the server runs as
	 * (and CI containers run as root): use the system's cache folder. */
	if (geteuid() == 0)
		return gk_strdup("/var/cache/gatekeeper");
	const char *home = getenv("HOME");
	if (home && home[0] == '/')
		return gk_asprintf("%s/.cache/gatekeeper", home);
	return NULL;
}
