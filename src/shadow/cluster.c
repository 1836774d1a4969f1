/*
 * cluster.c - the embedded shadow server: a private PostgreSQL cluster.
 *
 * Layout of <tmp>/gatekeeper-shadow-XXXXXX (mkdtemp, mode 0700):
 *   gatekeeper.pid   pid of the gatekeeper process (lets a later run remove
 *                    the folder when that process was killed outright)
 *   data/            the cluster (initdb -N: no fsync, we throw it away)
 *   .s.PGSQL.5432    the server's only socket: listen_addresses='' so no TCP
 *                    at all, and the 0700 folder keeps other users out
 *   initdb.log, postgres.log
 *
 * A cache cluster keeps its data in <cache_dir>/pg<major>/data (cache.c)
 * and everything else in such a temporary folder, without data/.  The
 * socket cannot live next to the data: a socket path has at most 107
 * bytes and cache paths are often longer, and a socket must not be saved
 * by a CI cache.  It is stopped with a fast shutdown (SIGINT), also as its
 * parent-death signal, because an immediate one leaves the folder needing
 * crash recovery; the registry still removes only the temporary folder.
 *
 * Durability is off (fsync, full_page_writes, synchronous_commit,
 * autovacuum): nothing here must survive a crash, and it makes DDL replay
 * several times faster.
 *
 * initdb and postgres refuse to run as root.  When gatekeeper runs as root
 * (CI containers), the folder is given to an unprivileged user and the
 * forked child drops to it (setgroups, setgid, setuid) before exec.  The
 * postmaster runs in its own session, so a Ctrl-C on the terminal reaches
 * only gatekeeper, whose handler stops the server in order (registry.c),
 * and gets SIGQUIT as its parent-death signal, so that even a SIGKILL of
 * gatekeeper takes the server down.
 */
#include "shadow/shadow_internal.h"
#include "util/interrupt.h"
#include "util/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define SOCKET_NAME "/.s.PGSQL.5432"
#define START_TIMEOUT_S 60.0

struct gk_cluster {
	char dir[GK_SHADOW_DIR_MAX];
	char data[PATH_MAX];
	char *base;        /* conninfo without dbname */
	pid_t postmaster;
	int slot;
	int stop_sig;      /* SIGQUIT (throw-away) or SIGINT (cache: a clean stop) */
	bool cached, fresh;
	int major;         /* cache: the server's major version (9 for 9.x) */
	gk_cache cache;
};

/* "<dir>/<name>" into out; false when it does not fit. */
__attribute__((noinline)) static bool path_join(char *out, size_t size, const char *dir,
                                                 const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);
	return n >= 0 && (size_t)n < size;
}

/* ---- finding the binaries -------------------------------------------- */

static bool has_server_bins(const char *dir)
{
	char p[PATH_MAX];
	return path_join(p, sizeof p, dir, "initdb") && access(p, X_OK) == 0 &&
	       path_join(p, sizeof p, dir, "postgres") && access(p, X_OK) == 0;
}

/* Output of `prog arg`, trimmed; NULL when it cannot run or fails. */
static char *run_capture(const char *prog, const char *arg)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) != 0)
		return NULL;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	char *argv[] = {(char *)prog, (char *)arg, NULL};
	pid_t pid;
	int rc = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	gk_buf out = GK_BUF_INIT;
	out.cap_max = PATH_MAX;
	char chunk[256];
	ssize_t n;
	while (rc == 0 && ((n = read(pfd[0], chunk, sizeof chunk)) > 0 || (n < 0 && errno == EINTR)))
		if (n > 0)
			gk_buf_append(&out, chunk, (size_t)n);
	close(pfd[0]);
	int status = 0;
	if (rc == 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	if (rc != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || out.failed || out.len == 0) {
		gk_buf_free(&out);
		return NULL;
	}
	while (out.len > 0 && (out.data[out.len - 1] == '\n' || out.data[out.len - 1] == ' '))
		out.data[--out.len] = '\0';
	return gk_buf_take(&out);
}

/* Version folder names such as "15" or "9.6" as one comparable number. */
static long version_rank(const char *name)
{
	char *end;
	long major = strtol(name, &end, 10);
	if (end == name || major <= 0)
		return -1;
	long minor = 0;
	if (*end == '.') {
		const char *m = end + 1;
		minor = strtol(m, &end, 10);
		if (end == m)
			return -1;
	}
	return *end ? -1 : major * 1000 + minor;
}

static char *newest_under(const char *root)
{
	DIR *d = opendir(root);
	if (!d)
		return NULL;
	char *best = NULL;
	long best_rank = -1;
	struct dirent *e;
	while ((e = readdir(d))) {
		long rank = version_rank(e->d_name);
		if (rank <= best_rank)
			continue;
		char *bin = gk_asprintf("%s/%s/bin", root, e->d_name);
		if (bin && has_server_bins(bin)) {
			free(best);
			best = bin;
			best_rank = rank;
		} else
			free(bin);
	}
	closedir(d);
	return best;
}

int gk_cluster_find_bin(char **out, const gk_bin_search *w, gk_error *err)
{
	*out = NULL;
	if (w->pg_bin) {
		if (!has_server_bins(w->pg_bin))
			return gk_error_set(err, GK_EINFRA,
			                    "no PostgreSQL server binaries (initdb and postgres) in the "
			                    "--pg-bin folder %s", w->pg_bin);
		*out = gk_strdup(w->pg_bin);
		return *out ? 0 : GK_ENOMEM;
	}
	const char *pg_config = w->pg_config ? w->pg_config : "pg_config";
	char *cfg = run_capture(pg_config, "--bindir");
	if (cfg && has_server_bins(cfg)) {
		*out = cfg;
		return 0;
	}
	const char *root = w->search_root ? w->search_root : "/usr/lib/postgresql";
	*out = newest_under(root);
	if (*out) {
		free(cfg);
		return 0;
	}
	char said[PATH_MAX + 64];
	if (cfg)
		snprintf(said, sizeof said, "`%s --bindir` names %s, which lacks them", pg_config, cfg);
	else
		snprintf(said, sizeof said, "`%s --bindir` did not run", pg_config);
	free(cfg);
	return gk_error_set(err, GK_EINFRA,
	                    "no PostgreSQL server binaries (initdb and postgres) found: %s, and no "
	                    "%s/<version>/bin has them; install the PostgreSQL server or pass --pg-bin",
	                    said, root);
}

/*
 * The major version of the server binaries, as PostgreSQL names its
 * folders: "15", "9.6".  `postgres -V` answers before its root check.
 */
static int server_major(char *out, size_t size, const char *bindir, gk_error *err)
{
	char prog[PATH_MAX];
	snprintf(prog, sizeof prog, "%s/postgres", bindir);
	char *said = run_capture(prog, "-V");
	const char *v = said ? strstr(said, "(PostgreSQL) ") : NULL;
	char *end = NULL;
	long major = v ? strtol(v + 13, &end, 10) : 0;
	long minor = major > 0 && major < 10 && *end == '.' ? strtol(end + 1, NULL, 10) : -1;
	free(said);
	if (major > 0 && major < 1000 && minor >= 0 && minor < 100)
		snprintf(out, size, "%d.%d", (int)major, (int)minor);
	else if (major > 0 && major < 1000)
		snprintf(out, size, "%d", (int)major);
	else
		return gk_error_set(err, GK_EINFRA, "cannot tell the version of %s (`postgres -V`)",
		                    prog);
	return 0;
}

/* ---- running initdb and postgres ------------------------------------- */

static int resolve_user(gk_run_user *u, const char *run_as, gk_error *err)
{
	memset(u, 0, sizeof *u);
	if (geteuid() != 0)
		return 0;
	struct passwd pw, *found = NULL;
	char buf[4096];
	const char *names[] = {run_as ? run_as : "postgres", run_as ? NULL : "nobody"};
	for (size_t i = 0; i < 2 && !found && names[i]; i++)
		if (getpwnam_r(names[i], &pw, buf, sizeof buf, &found) != 0)
			found = NULL;
	if (!found)
		return gk_error_set(err, GK_EINFRA,
		                    "running as root, and there is no user %s to run PostgreSQL as "
		                    "(initdb and postgres refuse to run as root)",
		                    run_as ? run_as : "postgres or nobody");
	if (found->pw_uid == 0)
		return gk_error_set(err, GK_EINFRA, "user %s is root; PostgreSQL refuses to run as root",
		                    found->pw_name);
	u->drop = true;
	u->uid = found->pw_uid;
	u->gid = found->pw_gid;
	snprintf(u->name, sizeof u->name, "%s", found->pw_name);
	return 0;
}

typedef struct spawn_req {
	const char *const *argv;  /* argv[0] is the program's path */
	const char *log_path;     /* stdout and stderr, created as the run user */
	const char *cwd;
	const char *hint;         /* how to fix a cwd the run user cannot enter */
	const gk_run_user *as;
	bool server;              /* own session, gets stop_sig when we die */
	int slot;                 /* registry slot to record the child in */
	int stop_sig;
} spawn_req;

enum { STEP_USER = 1, STEP_CWD, STEP_LOG, STEP_EXEC };

/* Report a failed step to the parent and leave.  Async-signal-safe. */
static void child_fail(int fd, int step)
{
	int rep[2] = {step, errno};
	ssize_t w = write(fd, rep, sizeof rep);
	(void)w;
	_exit(127);
}

/* Nothing else of ours (sockets, the caller's pipes) may reach the server:
 * a pipe it held open would never see end-of-file.  close_range (Linux
 * 5.11) marks them all at once; else one by one.  Async-signal-safe. */
static void cloexec_from(int low)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)low, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) == 0)
		return;
#endif
	for (int fd = low; fd < 4096; fd++) {
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0)
			fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
	}
}

/* Between fork and exec: async-signal-safe calls only (the parent may have
 * threads). */
static void child_run(const spawn_req *r, char *const *envp, int fd, pid_t parent, const sigset_t *old)
{
	if (r->as->drop && (setgroups(0, NULL) != 0 || setgid(r->as->gid) != 0 ||
	                    setuid(r->as->uid) != 0))
		child_fail(fd, STEP_USER);
	if (r->server) {
		setsid();
		prctl(PR_SET_PDEATHSIG, r->stop_sig);
		if (getppid() != parent)  /* the parent died before prctl */
			_exit(1);
	}
	if (chdir(r->cwd) != 0)
		child_fail(fd, STEP_CWD);
	int log = open(r->log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (log < 0)
		child_fail(fd, STEP_LOG);
	int nul = open("/dev/null", O_RDONLY);
	if (nul >= 0)
		dup2(nul, 0);
	dup2(log, 1);
	dup2(log, 2);
	cloexec_from(3);
	gk_reg_child_signals(old);
	execve(r->argv[0], (char *const *)r->argv, envp);
	child_fail(fd, STEP_EXEC);
}

/*
 * The environment of initdb and the server: only what PostgreSQL needs.
 * Ours is a CI job's, with its tokens and database URLs, and the server
 * hands its environment to what runs in it (COPY ... PROGRAM, untrusted
 * languages, libpq's PG* variables in dblink and postgres_fdw).  The
 * locale is fixed (initdb gets --locale=C anyway); without TZ initdb
 * reads the system's zone as it would.  `path` is PATH=<bindir>:... with
 * room for PATH_MAX.
 */
static void clean_env(char *env[4], char *path, size_t size, const char *prog)
{
	const char *slash = strrchr(prog, '/');
	int dir = slash ? (int)(slash - prog) : 0;
	snprintf(path, size, "PATH=%.*s%s/usr/bin:/bin", dir, prog, dir ? ":" : "");
	env[0] = path;
	env[1] = (char *)"LANG=C";
	env[2] = (char *)"LC_ALL=C";
	env[3] = NULL;
}

/* *status stays 0 when the program ignores SIGCHLD (children are reaped
 * by the kernel and their status is lost).  An interrupted run
 * (util/interrupt.h) does not wait for the child to finish: it is killed. */
static void wait_child(pid_t pid, int *status)
{
	*status = 0;
	bool killed = false;
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			return;
		if (!killed && gk_interrupted()) {
			kill(pid, SIGKILL);
			killed = true;
		}
		poll(NULL, 0, 10);
	}
}

static int spawn(pid_t *out, const spawn_req *r, gk_error *err)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) != 0)
		return gk_error_set(err, GK_EINFRA, "cannot create a pipe: %s", strerror(errno));
	char *env[4], path[PATH_MAX + 32];
	clean_env(env, path, sizeof path, r->argv[0]);
	sigset_t old;
	gk_reg_block_signals(&old);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0)
		child_run(r, env, pfd[1], parent, &old);
	if (pid > 0)
		gk_reg_set_child(r->slot, pid, r->stop_sig);
	int fork_errno = errno;
	gk_reg_restore_signals(&old);
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		return gk_error_set(err, GK_EINFRA, "cannot fork: %s", strerror(fork_errno));
	}
	int rep[2];
	ssize_t n;
	while ((n = read(pfd[0], rep, sizeof rep)) < 0 && errno == EINTR)
		;
	close(pfd[0]);
	if (n != (ssize_t)sizeof rep) {
		*out = pid;
		return 0;
	}
	int status;
	wait_child(pid, &status);
	gk_reg_set_child(r->slot, 0, 0);
	const char *prog = strrchr(r->argv[0], '/') ? strrchr(r->argv[0], '/') + 1 : r->argv[0];
	switch (rep[0]) {
	case STEP_USER:
		return gk_error_set(err, GK_EINFRA, "cannot switch to user %s to run %s: %s",
		                    r->as->name, prog, strerror(rep[1]));
	case STEP_CWD:
		return gk_error_set(err, GK_EINFRA,
		                    "%s runs as user %s (PostgreSQL refuses root) and cannot enter %s: "
		                    "%s; %s", prog, r->as->name, r->cwd, strerror(rep[1]), r->hint);
	case STEP_LOG:
		return gk_error_set(err, GK_EINFRA, "cannot create %s: %s", r->log_path, strerror(rep[1]));
	default:
		return gk_error_set(err, GK_EINFRA, "cannot run %s: %s", r->argv[0], strerror(rep[1]));
	}
}

/* The last lines of a log, joined with " | ", for an error message. */
static void log_tail(char *out, size_t size, const char *path)
{
	char *text = NULL;
	size_t len = 0;
	out[0] = '\0';
	if (gk_read_file(&text, &len, path, 1 << 20) != 0)
		return;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	size_t start = len, lines = 0;
	while (start > 0 && lines < 3 && len - start < size / 2) {
		start--;
		if (start == 0 || text[start - 1] == '\n')
			lines++;
	}
	gk_buf b = GK_BUF_INIT;
	for (const char *p = text + start; *p; p++)
		if (*p == '\n')
			gk_buf_puts(&b, " | ");
		else
			gk_buf_putc(&b, *p);
	snprintf(out, size, "%s", b.data ? b.data : "(empty log)");
	gk_buf_free(&b);
	free(text);
}

static void describe_status(char *out, size_t size, int status)
{
	if (WIFSIGNALED(status))
		snprintf(out, size, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(out, size, "exit status %d", WEXITSTATUS(status));
}

/* The folder the children start in: where the data folder is, so that a
 * run user who cannot reach it is told so before anything else. */
static void child_cwd(const gk_cluster *c, const char **cwd, const char **hint)
{
	*cwd = c->cached ? c->cache.home : c->dir;
	*hint = c->cached ? "give that user access to the cache folder or choose another one"
	                  : "set TMPDIR to a folder that user can reach";
}

static int run_initdb(gk_cluster *c, const char *bindir, const char *data, const gk_run_user *as,
                      gk_error *err)
{
	char prog[PATH_MAX], log[PATH_MAX];
	snprintf(prog, sizeof prog, "%s/initdb", bindir);
	snprintf(log, sizeof log, "%s/initdb.log", c->dir);
	/* A cache's WAL is saved with it: 1 MB segments instead of 16 (11+). */
	const char *argv[] = {prog, "-D", data, "-U", "gatekeeper", "-A", "trust",
	                      "-E", "UTF8", "--locale=C", "-N",
	                      c->cached && c->major >= 11 ? "--wal-segsize=1" : NULL, NULL};
	spawn_req r = {argv, log, NULL, NULL, as, false, c->slot, SIGKILL};
	child_cwd(c, &r.cwd, &r.hint);
	pid_t pid;
	int rc = spawn(&pid, &r, err);
	if (rc)
		return rc;
	int status;
	wait_child(pid, &status);
	gk_reg_set_child(c->slot, 0, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (gk_interrupted())
		return gk_error_set(err, GK_EINTR, "initdb stopped: the run was interrupted");
	char how[64], tail[700];
	describe_status(how, sizeof how, status);
	log_tail(tail, sizeof tail, log);
	return gk_error_set(err, GK_EINFRA, "initdb failed (%s): %s", how, tail);
}

/*
 * A cache's data folder outlives the run: cache.c rewrites its
 * configuration files before each start, and these settings repeat on the
 * command line what must hold whatever a file says, because command-line
 * settings win over postgresql.conf and postgresql.auto.conf (ALTER
 * SYSTEM), also on a reload.  Nothing may run a program (archiving,
 * recovery, an SSL passphrase), load a library, or write a file outside
 * the data folder.  Each only for the versions that know it: the server
 * refuses to start on an unknown one.
 */
static size_t add_cache_settings(const char **argv, size_t n, int major)
{
	static const struct {
		int since;
		const char *setting;
	} s[] = {
		{11, "min_wal_size=2MB"},  /* see start_postmaster() */
		{0, "shared_preload_libraries="}, {0, "local_preload_libraries="},
		{9, "session_preload_libraries="}, {0, "dynamic_library_path=$libdir"},
		{0, "archive_mode=off"}, {0, "archive_command="}, {15, "archive_library="},
		{12, "restore_command="}, {12, "archive_cleanup_command="},
		{12, "recovery_end_command="}, {0, "ssl=off"}, {11, "ssl_passphrase_command="},
		{11, "jit_provider=llvmjit"}, {0, "logging_collector=off"}, {0, "external_pid_file="},
	};
	for (size_t i = 0; i < sizeof s / sizeof *s; i++)
		if (major >= s[i].since) {
			argv[n++] = "-c";
			argv[n++] = s[i].setting;
		}
	return n;
}

static int start_postmaster(gk_cluster *c, const char *bindir, const gk_run_user *as, gk_error *err)
{
	char prog[PATH_MAX], log[PATH_MAX];
	snprintf(prog, sizeof prog, "%s/postgres", bindir);
	snprintf(log, sizeof log, "%s/postgres.log", c->dir);
	/* ...and keeps few old segments for reuse (the default keeps 80 MB).
	 * A cluster with 16 MB segments refuses this, does not start and is
	 * made again: once, for a cache older than these settings. */
	const char *argv[64] = {prog, "-D", c->data, "-k", c->dir,
	                        "-c", "listen_addresses=", "-c", "port=5432",
	                        "-c", "fsync=off", "-c", "full_page_writes=off",
	                        "-c", "synchronous_commit=off", "-c", "autovacuum=off"};
	size_t n = 17;
	if (c->cached)
		n = add_cache_settings(argv, n, c->major);
	argv[n] = NULL;
	spawn_req r = {argv, log, NULL, NULL, as, true, c->slot, c->stop_sig};
	child_cwd(c, &r.cwd, &r.hint);
	return spawn(&c->postmaster, &r, err);
}

/* Poll until the server accepts connections (typically 0.1 s). */
static int wait_ready(gk_cluster *c, gk_error *err)
{
	char *ping = gk_asprintf("%s dbname=postgres connect_timeout=5", c->base);
	if (!ping)
		return GK_ENOMEM;
	double deadline = gk_now() + START_TIMEOUT_S;
	int rc = 0;
	for (;;) {
		PGPing p = PQping(ping);
		if (p == PQPING_OK)
			break;
		int status;
		if (waitpid(c->postmaster, &status, WNOHANG) == c->postmaster) {
			char how[64], tail[700], log[PATH_MAX];
			c->postmaster = 0;
			gk_reg_set_child(c->slot, 0, 0);
			describe_status(how, sizeof how, status);
			snprintf(log, sizeof log, "%s/postgres.log", c->dir);
			log_tail(tail, sizeof tail, log);
			rc = gk_error_set(err, GK_EINFRA, "PostgreSQL exited during start-up (%s): %s", how,
			                  tail);
			break;
		}
		if (gk_interrupted()) {
			rc = gk_error_set(err, GK_EINTR, "the server's start-up stopped: the run was interrupted");
			break;
		}
		if (p == PQPING_NO_ATTEMPT || gk_now() > deadline) {
			rc = gk_error_set(err, GK_EINFRA,
			                  "PostgreSQL did not accept connections on %s within %.0f s",
			                  c->dir, START_TIMEOUT_S);
			break;
		}
		poll(NULL, 0, 5);
	}
	free(ping);
	return rc;
}

/* ---- the cluster's folder -------------------------------------------- */

static int make_folder(gk_cluster *c, const char *tmp_dir, const gk_run_user *as, gk_error *err)
{
	const char *parent = tmp_dir ? tmp_dir : getenv("TMPDIR");
	if (!parent || !*parent)
		parent = "/tmp";
	size_t plen = strlen(parent);
	while (plen > 1 && parent[plen - 1] == '/')
		plen--;
	char pdir[PATH_MAX];
	snprintf(pdir, sizeof pdir, "%.*s", (int)plen, parent);
	const size_t sun_max = sizeof(((struct sockaddr_un *)0)->sun_path);
	const size_t name_len = strlen("/gatekeeper-shadow-XXXXXX");
	if (plen + name_len + sizeof SOCKET_NAME > sun_max)
		return gk_error_set(err, GK_EINFRA,
		                    "the temporary folder %s is too long for a Unix socket path "
		                    "(at most %zu characters); set TMPDIR to a shorter one",
		                    pdir, sun_max - name_len - sizeof SOCKET_NAME);
	path_join(c->dir, sizeof c->dir, pdir, "gatekeeper-shadow-XXXXXX");  /* fits: checked above */
	gk_cluster_sweep_stale(pdir);
	if (!mkdtemp(c->dir))
		return gk_error_set(err, GK_EINFRA, "cannot create a folder in %s: %s", pdir,
		                    strerror(errno));
	c->slot = gk_reg_add(c->dir);
	if (c->slot < 0) {
		rmdir(c->dir);
		return gk_error_set(err, GK_EINFRA, "too many shadow clusters open in this process");
	}
	char marker[PATH_MAX];
	path_join(marker, sizeof marker, c->dir, "gatekeeper.pid");
	FILE *f = fopen(marker, "w");
	bool written = f && fprintf(f, "%ld\n", (long)getpid()) > 0;
	if (f && fclose(f) != 0)
		written = false;
	if (!written)
		return gk_error_set(err, GK_EINFRA, "cannot write %s: %s", marker, strerror(errno));
	if (as->drop && chown(c->dir, as->uid, as->gid) != 0)
		return gk_error_set(err, GK_EINFRA, "cannot give %s to user %s: %s", c->dir, as->name,
		                    strerror(errno));
	return 0;
}

/* The temporary folder (the socket's, and the whole cluster's when not
 * cached) and the conninfo that reaches it. */
static int make_base(gk_cluster *c, const char *tmp_dir, const gk_run_user *as, gk_error *err)
{
	int rc = make_folder(c, tmp_dir, as, err);
	if (rc)
		return rc;
	c->base = gk_conninfo_add(NULL, "host", c->dir);
	c->base = gk_conninfo_add(c->base, "port", "5432");
	c->base = gk_conninfo_add(c->base, "user", "gatekeeper");
	return c->base ? 0 : gk_error_set(err, GK_ENOMEM, "out of memory");
}

static int start_and_wait(gk_cluster *c, const char *bindir, const gk_run_user *as, gk_error *err)
{
	int rc = start_postmaster(c, bindir, as, err);
	return rc ? rc : wait_ready(c, err);
}

static void stop_server(gk_cluster *c)
{
	if (c->postmaster <= 0)
		return;
	gk_reg_stop_pid(c->postmaster, SIGQUIT);
	gk_reg_set_child(c->slot, 0, 0);
	c->postmaster = 0;
}

/* initdb the cache's cluster beside the data folder and move it into
 * place only when complete: a run killed during initdb leaves no data
 * folder that looks usable. */
static int initdb_cached(gk_cluster *c, const char *bindir, const char *major,
                         const gk_run_user *as, gk_error *err)
{
	char target[PATH_MAX];
	int rc = gk_cache_initdb_target(&c->cache, target, sizeof target, as, err);
	if (!rc)
		rc = run_initdb(c, bindir, target, as, err);
	if (!rc)
		rc = gk_cache_commit(&c->cache, major, err);
	c->fresh = rc == 0;
	return rc;
}

/* A cache's server starts only with the configuration we wrote. */
static int start_cached_server(gk_cluster *c, const char *bindir, const gk_run_user *as,
                               gk_error *err)
{
	int rc = gk_cache_reset_config(&c->cache, as, err);
	return rc ? rc : start_and_wait(c, bindir, as, err);
}

/*
 * The cache is disposable: a data folder that does not start (damaged,
 * restored from another machine's cache with a bad pg_control, killed in a
 * way PostgreSQL will not recover from) is wiped and made again, once.
 */
static int start_cached(gk_cluster *c, const gk_cluster_req *req, const gk_run_user *as,
                        gk_error *err)
{
	char major[16] = "";
	int rc = server_major(major, sizeof major, req->bindir, err);
	c->major = atoi(major);
	if (!rc)
		rc = gk_cache_lock(&c->cache, req->cache_dir, major, as->drop, err);
	bool need_initdb = false;
	if (!rc)
		rc = gk_cache_check(&c->cache, major, as, req->wipe, &need_initdb, err);
	if (!rc)
		rc = make_base(c, req->tmp_dir, as, err);
	if (rc)
		return rc;
	snprintf(c->data, sizeof c->data, "%s", c->cache.data);
	if (need_initdb && (rc = initdb_cached(c, req->bindir, major, as, err)) != 0)
		return rc;
	rc = start_cached_server(c, req->bindir, as, err);
	if (!rc || c->fresh)
		return rc;
	stop_server(c);  /* one that did not answer in time */
	rc = gk_cache_wipe(&c->cache, err);
	if (!rc)
		rc = initdb_cached(c, req->bindir, major, as, err);
	return rc ? rc : start_cached_server(c, req->bindir, as, err);
}

static int start_temporary(gk_cluster *c, const gk_cluster_req *req, const gk_run_user *as,
                           gk_error *err)
{
	int rc = make_base(c, req->tmp_dir, as, err);
	if (rc)
		return rc;
	path_join(c->data, sizeof c->data, c->dir, "data");
	rc = run_initdb(c, req->bindir, c->data, as, err);
	c->fresh = rc == 0;
	return rc ? rc : start_and_wait(c, req->bindir, as, err);
}

int gk_cluster_start(gk_cluster **out, const gk_cluster_req *req, gk_error *err)
{
	*out = NULL;
	gk_run_user as;
	int rc = resolve_user(&as, req->run_as, err);
	if (rc)
		return rc;
	gk_cluster *c = calloc(1, sizeof *c);
	if (!c)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	/* Before the first folder or process exists, so none escapes them. */
	if (req->cleanup_handlers)
		gk_reg_install_handlers();
	c->slot = -1;
	c->cache.lock_fd = c->cache.home_fd = -1;
	c->cached = req->cache_dir != NULL;
	c->stop_sig = c->cached ? SIGINT : SIGQUIT;
	rc = c->cached ? start_cached(c, req, &as, err) : start_temporary(c, req, &as, err);
	if (rc) {
		gk_cluster_stop(c);
		return rc;
	}
	*out = c;
	return 0;
}

const char *gk_cluster_dir(const gk_cluster *c) { return c->dir; }
const char *gk_cluster_cache_home(const gk_cluster *c) { return c->cached ? c->cache.home : NULL; }
bool gk_cluster_fresh(const gk_cluster *c) { return c->fresh; }
const char *gk_cluster_cache_id(const gk_cluster *c) { return c->cached ? c->cache.id : NULL; }
pid_t gk_cluster_postmaster(const gk_cluster *c) { return c->postmaster; }
const char *gk_cluster_conninfo_base(const gk_cluster *c) { return c->base; }

void gk_cluster_stop(gk_cluster *c)
{
	if (!c)
		return;
	/* The server stops before the lock goes: the next holder must not
	 * find it still running on the data folder. */
	if (c->slot >= 0)
		gk_reg_release(c->slot);
	gk_cache_unlock(&c->cache);
	free(c->base);
	free(c);
}

/* ---- folders left by a killed gatekeeper ------------------------------ */

static bool is_stale(const char *path)
{
	char marker[PATH_MAX];
	struct stat st;
	if (!path_join(marker, sizeof marker, path, "gatekeeper.pid"))
		return false;
	/* Only folders a process of our own user marked; a folder without its
	 * marker yet is being created right now. */
	if (stat(marker, &st) != 0 || st.st_uid != geteuid())
		return false;
	FILE *f = fopen(marker, "r");
	long pid = 0;
	if (!f)
		return false;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
		return false;
	/* The pid may belong to another pid namespace sharing this /tmp: a
	 * server that still answers on the socket is not stale. */
	char *ping = gk_conninfo_add(NULL, "host", path);
	ping = gk_conninfo_add(ping, "port", "5432");
	/* A stopped (SIGSTOP) server accepts the connection and never answers:
	 * without a timeout the ping would wait for ever. */
	ping = gk_conninfo_add(ping, "connect_timeout", "2");
	bool answers = ping && PQping(ping) != PQPING_NO_RESPONSE;
	free(ping);
	return !answers;
}

void gk_cluster_sweep_stale(const char *tmp_dir)
{
	DIR *d = opendir(tmp_dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "gatekeeper-shadow-", 18) != 0)
			continue;
		char path[PATH_MAX];
		if (path_join(path, sizeof path, tmp_dir, e->d_name) && is_stale(path))
			gk_reg_remove_tree(path);
	}
	closedir(d);
}
