/*
 * cache.c - the persistent folder of a cache cluster.
 *
 * Layout of <cache_dir>/pg<major>/ (one per major version, because a data
 * folder only starts under the major version that made it; another
 * version's folder is simply never looked at):
 *   lock        flock'ed by the one gatekeeper process using the cluster
 *   data/       the cluster, mode 0700, owned by the user the server runs as
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
 * What a data folder can look like when we get it, and what we do:
 *  - as a clean shutdown left it: nothing;
 *  - a killed run: the server got its parent-death signal and may still be
 *    shutting down; postmaster.pid names it: wait for it (it is ours, we
 *    hold the lock) rather than fail on "lock file already exists";
 *  - restored by a CI cache on another machine: owned by a different uid
 *    or with other modes (tar), and a postmaster.pid, if any, names a pid
 *    of that machine: give the folder to the run user, fix its mode, and
 *    drop a postmaster.pid whose pid is some unrelated live process here
 *    (PostgreSQL itself removes one whose pid is dead);
 *  - damaged or from another version (PG_VERSION): wiped and initdb'ed;
 *    whatever else does not start is wiped by cluster.c, once.
 */
#include "shadow/shadow_internal.h"
#include "util/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR_MODE(root) ((root) ? 0711 : 0700)

/* noinline: GCC would warn about the truncation this checks for. */
__attribute__((noinline)) static bool join(char *out, size_t size, const char *dir,
                                          const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);
	return n >= 0 && (size_t)n < size;
}

/* mkdir -p; existing folders are left as they are. */
static int make_dirs(const char *path, mode_t mode, gk_error *err)
{
	char p[PATH_MAX];
	size_t len = strlen(path);
	if (len >= sizeof p)
		return gk_error_set(err, GK_EINFRA, "the cache folder %s is too long", path);
	memcpy(p, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if ((p[i] != '/' && p[i] != '\0') || p[i - 1] == '/')
			continue;
		char was = p[i];
		p[i] = '\0';
		if (mkdir(p, mode) != 0 && errno != EEXIST)
			return gk_error_set(err, GK_EINFRA, "cannot create the cache folder %s: %s", p,
			                    strerror(errno));
		p[i] = was;
	}
	struct stat st;
	if (stat(path, &st) != 0)
		return gk_error_set(err, GK_EINFRA, "cannot use the cache folder %s: %s", path,
		                    strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return gk_error_set(err, GK_EINFRA, "cannot use the cache folder %s: not a folder", path);
	return 0;
}

int gk_cache_lock(gk_cache *c, const char *cache_dir, const char *major, bool root,
                  gk_error *err)
{
	if (!*cache_dir)
		return gk_error_set(err, GK_EINFRA, "the cache folder is an empty path");
	int rc = make_dirs(cache_dir, DIR_MODE(root), err);
	if (rc)
		return rc;
	/* Absolute: the server resolves -D in the folder it starts in. */
	char abs[PATH_MAX], name[32], lock[PATH_MAX];
	if (!realpath(cache_dir, abs))
		return gk_error_set(err, GK_EINFRA, "cannot use the cache folder %s: %s", cache_dir,
		                    strerror(errno));
	snprintf(name, sizeof name, "pg%s", major);
	if (!join(c->home, sizeof c->home, abs, name) || !join(c->data, sizeof c->data, c->home, "data") ||
	    !join(lock, sizeof lock, c->home, "lock"))
		return gk_error_set(err, GK_EINFRA, "the cache folder %s is too long", abs);
	if ((rc = make_dirs(c->home, DIR_MODE(root), err)) != 0)
		return rc;
	c->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (c->lock_fd < 0)
		return gk_error_set(err, GK_EINFRA, "cannot open the cache's lock file %s: %s", lock,
		                    strerror(errno));
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

void gk_cache_unlock(gk_cache *c)
{
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	c->lock_fd = -1;
}

/* ---- repairs --------------------------------------------------------- */

/* chown -R without following symlinks, below the open folder `fd`, which
 * it closes. */
static int chown_below(int fd, uid_t uid, gid_t gid, int depth)
{
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fchownat(dirfd(d), e->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0) {
			rc = -1;
			break;
		}
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode))
			continue;
		int sub = depth < 64 ? openat(dirfd(d), e->d_name,
		                              O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
		rc = sub < 0 ? -1 : chown_below(sub, uid, gid, depth + 1);
	}
	closedir(d);
	return rc;
}

/* PostgreSQL refuses a data folder that is not its user's or whose mode
 * is not 0700/0750; tar (a CI cache) keeps the uid of another machine. */
static int fix_owner_and_mode(const gk_cache *c, const struct stat *st, const gk_run_user *as,
                              gk_error *err)
{
	if (as->drop && (st->st_uid != as->uid || st->st_gid != as->gid)) {
		int fd = open(c->data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		bool done = fd >= 0 && fchown(fd, as->uid, as->gid) == 0;
		if (done)
			done = chown_below(fd, as->uid, as->gid, 0) == 0;  /* closes fd */
		else if (fd >= 0)
			close(fd);
		if (!done)
			return gk_error_set(err, GK_EINFRA, "cannot give the cache folder %s to user %s: %s",
			                    c->data, as->name, strerror(errno));
	}
	mode_t mode = st->st_mode & 07777;
	if (mode != 0700 && mode != 0750 && chmod(c->data, 0700) != 0)
		return gk_error_set(err, GK_EINFRA, "cannot set the mode of %s: %s", c->data,
		                    strerror(errno));
	return 0;
}

/* The pid on the first line of data/postmaster.pid; 0 = none. */
static pid_t recorded_postmaster(const gk_cache *c, char *pidfile, size_t size)
{
	long pid = 0;
	FILE *f = join(pidfile, size, c->data, "postmaster.pid") ? fopen(pidfile, "r") : NULL;
	if (f) {
		if (fscanf(f, "%ld", &pid) != 1 || pid <= 0 || pid > INT_MAX)
			pid = 0;
		fclose(f);
	}
	return (pid_t)pid;
}

/* 'R', 'S', 'Z', ... from /proc/<pid>/stat; 0 when there is no such process. */
static char process_state(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' ? paren[2] : 0;
}

/* A postmaster runs in its data folder: compare the process's working
 * folder with ours (paths could be spelled differently, inodes not). */
static bool runs_in(pid_t pid, const char *dir)
{
	char cwd[64];
	struct stat a, b;
	snprintf(cwd, sizeof cwd, "/proc/%d/cwd", (int)pid);
	return stat(cwd, &a) == 0 && stat(dir, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* See the header comment: we hold the lock, so whatever postmaster.pid
 * names is a server of a killed run, or nothing of ours. */
static void clear_leftover_server(const gk_cache *c)
{
	char pidfile[PATH_MAX];
	pid_t pid = recorded_postmaster(c, pidfile, sizeof pidfile);
	char state = pid > 0 ? process_state(pid) : 0;
	if (state == 0)
		return;  /* no such process: PostgreSQL removes the file itself */
	if (state != 'Z' && runs_in(pid, c->data)) {
		/* A fast shutdown leaves it clean; a stopped one (^Z, a frozen
		 * container) would never get to it. */
		kill(pid, SIGCONT);
		gk_reg_stop_pid(pid, SIGINT);
		return;
	}
	unlink(pidfile);
}

/* Whether PG_VERSION names `major`. */
static bool same_version(const gk_cache *c, const char *major)
{
	char path[PATH_MAX], *text = NULL;
	size_t len = 0;
	if (!join(path, sizeof path, c->data, "PG_VERSION") ||
	    gk_read_file(&text, &len, path, 64) != 0)
		return false;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	bool same = strcmp(text, major) == 0;
	free(text);
	return same;
}

static int remove_if_there(const char *path, gk_error *err)
{
	struct stat st;
	if (gk_reg_remove_tree(path) == 0 || lstat(path, &st) != 0)
		return 0;
	return gk_error_set(err, GK_EINFRA, "cannot remove %s: %s", path, strerror(errno));
}

static int remove_half_made(const gk_cache *c, gk_error *err)
{
	char fresh[PATH_MAX];
	if (!join(fresh, sizeof fresh, c->home, "data.new"))
		return gk_error_set(err, GK_EINFRA, "the cache folder %s is too long", c->home);
	return remove_if_there(fresh, err);
}

int gk_cache_wipe(gk_cache *c, gk_error *err)
{
	int rc = remove_if_there(c->data, err);
	return rc ? rc : remove_half_made(c, err);
}

int gk_cache_check(gk_cache *c, const char *major, const gk_run_user *as, bool wipe,
                   bool *need_initdb, gk_error *err)
{
	*need_initdb = true;
	int rc = remove_half_made(c, err);
	if (rc)
		return rc;
	struct stat st;
	bool usable = !wipe && stat(c->data, &st) == 0 && S_ISDIR(st.st_mode) &&
	              same_version(c, major);
	if (!usable)
		return gk_cache_wipe(c, err);
	*need_initdb = false;
	clear_leftover_server(c);
	return fix_owner_and_mode(c, &st, as, err);
}

int gk_cache_initdb_target(gk_cache *c, char *out, size_t size, const gk_run_user *as,
                           gk_error *err)
{
	if (!join(out, size, c->home, "data.new"))
		return gk_error_set(err, GK_EINFRA, "the cache folder %s is too long", c->home);
	int rc = remove_if_there(out, err);
	if (rc)
		return rc;
	if (mkdir(out, 0700) != 0)
		return gk_error_set(err, GK_EINFRA, "cannot create %s: %s", out, strerror(errno));
	if (as->drop && chown(out, as->uid, as->gid) != 0)
		return gk_error_set(err, GK_EINFRA, "cannot give %s to user %s: %s", out, as->name,
		                    strerror(errno));
	return 0;
}

int gk_cache_commit(gk_cache *c, gk_error *err)
{
	char fresh[PATH_MAX];
	join(fresh, sizeof fresh, c->home, "data.new");  /* fits: initdb_target checked */
	if (rename(fresh, c->data) != 0)
		return gk_error_set(err, GK_EINFRA, "cannot move %s to %s: %s", fresh, c->data,
		                    strerror(errno));
	return 0;
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
