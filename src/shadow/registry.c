/*
 * registry.c - the private clusters alive in this process, so that each one
 * is stopped and its folder removed however the process ends: a normal
 * return from main, exit() (atexit handler), SIGINT, SIGTERM or SIGHUP.
 * Those handlers are process-wide, so they are installed only when a
 * cluster is started with gk_shadow_options.cleanup_handlers (the CLI's
 * jobs set it); without them the caller stops its clusters itself
 * (gk_shadow_close()) and the slots only serve gk_reg_release().
 *
 * The folder of a slot is the temporary one: for a throw-away cluster
 * everything, for a cache cluster only its socket and logs.  The cache's
 * data folder is never registered, so nothing here removes it; its server
 * is stopped with the slot's signal (SIGINT, a fast shutdown, leaving the
 * folder clean for the next run).
 *
 * This is the one piece of global state of the module.  It is a fixed
 * array of slots whose state is a lock-free atomic, because the signal
 * handler must be able to read it at any moment: it may interrupt
 * gk_reg_add() or gk_reg_release() half-way.  Everything the handler runs
 * is async-signal-safe: kill, waitpid, poll (as a sleep), and a folder
 * removal written with openat/getdents64/unlinkat (no malloc, no stdio).
 *
 * A forked child inherits the slots but not the clusters: every slot
 * remembers the pid that made it, and only that process acts on it.  So a
 * child that calls exit() does not stop its parent's server.
 *
 * Signals: if the program already had a handler for a signal, it is called
 * after the clusters are gone; if the signal was ignored it stays ignored
 * (then the process does not end and needs no cleanup); otherwise the
 * default action is restored and the signal raised again, so the exit
 * status still says "killed by SIGINT".
 */
#include "shadow/shadow_internal.h"
#include "util/interrupt.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

enum { SLOT_FREE, SLOT_FILLING, SLOT_LIVE, SLOT_CLOSING, SLOT_DEAD };
#define SLOTS 32

typedef struct reg_slot {
	atomic_int state;
	atomic_int pid;       /* child to stop first, 0 = none */
	atomic_int stop_sig;
	pid_t owner;          /* the process that registered it */
	char dir[GK_SHADOW_DIR_MAX];
} reg_slot;

static reg_slot slots[SLOTS];
static const int handled[] = {SIGINT, SIGTERM, SIGHUP};
#define NHANDLED (sizeof handled / sizeof *handled)
static struct sigaction previous[NHANDLED];
static pthread_once_t install_once = PTHREAD_ONCE_INIT;

/* ---- async-signal-safe pieces ---------------------------------------- */

/* True once `pid` has exited (reaped here, or reaped elsewhere when the
 * program ignores SIGCHLD). */
static bool child_gone(pid_t pid)
{
	int status;
	pid_t r = waitpid(pid, &status, WNOHANG);
	if (r == pid)
		return true;
	if (r < 0 && errno == ECHILD)
		return kill(pid, 0) < 0 && errno == ESRCH;
	return false;
}

void gk_reg_stop_pid(pid_t pid, int sig)
{
	if (pid <= 0)
		return;
	kill(pid, sig);
	/* An immediate shutdown (SIGQUIT) takes milliseconds; SIGKILL is the
	 * fallback for a server stuck in I/O.  Give up after 10 s in all. */
	for (int waited_ms = 0; !child_gone(pid); waited_ms += 2) {
		if (waited_ms == 5000)
			kill(pid, SIGKILL);
		if (waited_ms >= 10000)
			return;
		poll(NULL, 0, 2);
	}
}

static int remove_at(int parent, const char *name, int depth);

/* Remove every entry of the open folder `fd`.  Entries removed while
 * reading may make getdents skip others, so read again until a pass finds
 * nothing left (bounded). */
static void empty_dir(int fd, int depth)
{
	char buf[4096] __attribute__((aligned(8)));
	for (int pass = 0; pass < 8; pass++) {
		bool any = false;
		lseek(fd, 0, SEEK_SET);
		long n;
		while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
			for (long off = 0; off < n;) {
				struct gk_dirent64 *d = (struct gk_dirent64 *)(buf + off);
				off += d->d_reclen;
				if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
					continue;
				any = true;
				remove_at(fd, d->d_name, depth + 1);
			}
		}
		if (!any)
			return;
	}
}

static int remove_at(int parent, const char *name, int depth)
{
	if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
		return 0;
	if ((errno != EISDIR && errno != EPERM) || depth > 64)
		return -1;
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	empty_dir(fd, depth);
	close(fd);
	return unlinkat(parent, name, AT_REMOVEDIR) == 0 || errno == ENOENT ? 0 : -1;
}

int gk_reg_remove_tree(const char *dir)
{
	return remove_at(AT_FDCWD, dir, 0);
}

int gk_reg_remove_at(int parent, const char *name)
{
	return remove_at(parent, name, 0);
}

static void cleanup_slot(reg_slot *s)
{
	/* Load, not exchange: if a signal interrupts gk_reg_release() while it
	 * waits for the server, the handler must still wait for it before
	 * removing the folder under it. */
	pid_t pid = atomic_load(&s->pid);
	if (pid > 0) {
		gk_reg_stop_pid(pid, atomic_load(&s->stop_sig));
		atomic_store(&s->pid, 0);
	}
	gk_reg_remove_tree(s->dir);
}

static void cleanup_all(void)
{
	pid_t me = getpid();
	for (size_t i = 0; i < SLOTS; i++) {
		reg_slot *s = &slots[i];
		int st = atomic_load(&s->state);
		if ((st != SLOT_LIVE && st != SLOT_CLOSING) || s->owner != me)
			continue;
		cleanup_slot(s);
		atomic_store(&s->state, SLOT_DEAD);
	}
}

static void on_signal(int sig, siginfo_t *info, void *ctx)
{
	int saved = errno;
	/* A program that ends its runs in order on a signal (util/interrupt.h)
	 * stops its clusters itself; a second signal finds them here. */
	if (!gk_interrupt_handles_signal(sig))
		cleanup_all();
	for (size_t i = 0; i < NHANDLED; i++) {
		if (handled[i] != sig)
			continue;
		gk_sig_chain(sig, info, ctx, &previous[i]);
	}
	errno = saved;
}

/* ---- installation and slots ------------------------------------------- */

static void at_exit(void)
{
	cleanup_all();
}

static void install(void)
{
	atexit(at_exit);
	gk_sig_take(handled, NHANDLED, on_signal, previous);
}

void gk_reg_install_handlers(void)
{
	pthread_once(&install_once, install);
}

int gk_reg_add(const char *dir)
{
	if (strlen(dir) >= GK_SHADOW_DIR_MAX)
		return -1;
	for (int i = 0; i < SLOTS; i++) {
		reg_slot *s = &slots[i];
		int expected = SLOT_FREE;
		if (!atomic_compare_exchange_strong(&s->state, &expected, SLOT_FILLING))
			continue;
		s->owner = getpid();
		strcpy(s->dir, dir);
		atomic_store(&s->pid, 0);
		atomic_store(&s->stop_sig, 0);
		atomic_store(&s->state, SLOT_LIVE);
		return i;
	}
	return -1;
}

void gk_reg_set_child(int slot, pid_t pid, int stop_sig)
{
	if (slot < 0 || slot >= SLOTS)
		return;
	atomic_store(&slots[slot].stop_sig, stop_sig);
	atomic_store(&slots[slot].pid, pid);
}

void gk_reg_release(int slot)
{
	if (slot < 0 || slot >= SLOTS)
		return;
	reg_slot *s = &slots[slot];
	int expected = SLOT_LIVE;
	/* A slot the signal handler already cleaned up is SLOT_DEAD: only free it. */
	if (atomic_compare_exchange_strong(&s->state, &expected, SLOT_CLOSING))
		cleanup_slot(s);
	atomic_store(&s->state, SLOT_FREE);
}

void gk_reg_block_signals(sigset_t *old)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < NHANDLED; i++)
		sigaddset(&set, handled[i]);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

void gk_reg_restore_signals(const sigset_t *old)
{
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

void gk_reg_child_signals(const sigset_t *old)
{
	struct sigaction dfl;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	for (size_t i = 0; i < NHANDLED; i++) {
		struct sigaction cur;
		/* Keep an inherited SIG_IGN (nohup), drop our handler. */
		if (sigaction(handled[i], NULL, &cur) == 0 && !(cur.sa_flags & SA_SIGINFO) &&
		    cur.sa_handler == SIG_IGN)
			continue;
		sigaction(handled[i], &dfl, NULL);
	}
	sigprocmask(SIG_SETMASK, old, NULL);
}
