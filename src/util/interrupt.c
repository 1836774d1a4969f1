/*
 * interrupt.c - the run's interruption flag, its signal handlers, its time
 * limit, and the watchdog thread that cancels the watched database
 * sessions (see interrupt.h).
 *
 * Why a watchdog thread rather than PQcancel in the signal handler: libpq
 * allows that, but PQcancel opens a connection and waits for the server to
 * close it, which may take long on a slow server, and a handler that
 * blocks holds up the program.  The handler therefore only flips the flag
 * and writes a byte to a pipe; the watchdog, woken by it (or by the next
 * deadline), does the cancelling in an ordinary thread.
 *
 * Slots are shared by the step that watches a session and the watchdog:
 * the step fills a free slot and marks it LIVE; the watchdog takes a LIVE
 * slot as BUSY while it cancels; the step ends the watch by moving LIVE to
 * CLOSING, waiting while the watchdog holds the slot (never long: the
 * watchdog only sends a cancel or shuts a socket down), so that the
 * PGcancel is never freed under the watchdog.
 */
#include "util/interrupt.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { SLOT_FREE, SLOT_FILLING, SLOT_LIVE, SLOT_BUSY, SLOT_CLOSING };
#define SLOTS 64
#define RESEND_S 0.5

typedef struct watch_slot {
	atomic_int state;
	atomic_int expired;   /* its own budget ran out */
	PGcancel *cancel;
	int fd;               /* the session's socket, shut down after the grace time */
	double deadline;      /* 0 = none of its own */
	double first_cancel, last_cancel;
	bool shut;
} watch_slot;

static watch_slot slots[SLOTS];
static atomic_int kind;            /* enum gk_interrupt_kind */
static atomic_int signo;
static atomic_int signals_taken;   /* signals the handler has seen */
static atomic_llong deadline_us;   /* the run's deadline (gk_now() in microseconds), 0 = none */
static atomic_llong limit_ms;
static atomic_int installed;
static int wake_fd[2] = {-1, -1};
static pthread_once_t watchdog_once = PTHREAD_ONCE_INIT;
static atomic_int watchdog_ok;

static const int handled[] = {SIGINT, SIGTERM};
#define NHANDLED (sizeof handled / sizeof *handled)
static struct sigaction previous[NHANDLED];

/* Async-signal-safe: one byte, the pipe never blocks. */
static void wake(void)
{
	if (wake_fd[1] >= 0) {
		ssize_t n = write(wake_fd[1], "x", 1);
		(void)n;  /* a full pipe already holds a wake-up */
	}
}

/* ---- the watchdog --------------------------------------------------------- */

static void cancel_now(watch_slot *s, double now)
{
	char errbuf[256];
	PQcancel(s->cancel, errbuf, sizeof errbuf);
	if (s->first_cancel == 0)
		s->first_cancel = now;
	s->last_cancel = now;
}

/* Act on one slot the watchdog holds; returns when it next needs a look. */
static double tend(watch_slot *s, double now, bool interrupted)
{
	bool own = s->deadline > 0 && now >= s->deadline;
	if (!interrupted && !own)
		return s->deadline > 0 ? s->deadline : INFINITY;
	if (own && !interrupted)
		atomic_store(&s->expired, 1);
	if (s->last_cancel == 0 || now - s->last_cancel >= RESEND_S)
		cancel_now(s, now);
	if (!s->shut && now - s->first_cancel >= GK_WATCH_GRACE_S && s->fd >= 0) {
		/* The server takes no cancel: let the step's read end. */
		shutdown(s->fd, SHUT_RDWR);
		s->shut = true;
	}
	double next = s->last_cancel + RESEND_S;
	return s->shut ? next : fmin(next, s->first_cancel + GK_WATCH_GRACE_S);
}

static double scan(double now)
{
	long long d = atomic_load(&deadline_us);
	if (d > 0 && now * 1e6 >= (double)d) {
		int none = GK_INTERRUPT_NONE;
		atomic_compare_exchange_strong(&kind, &none, GK_INTERRUPT_TIMEOUT);
	}
	bool interrupted = atomic_load(&kind) != GK_INTERRUPT_NONE;
	double next = d > 0 && !interrupted ? (double)d / 1e6 : INFINITY;
	for (size_t i = 0; i < SLOTS; i++) {
		int live = SLOT_LIVE;
		if (!atomic_compare_exchange_strong(&slots[i].state, &live, SLOT_BUSY))
			continue;
		next = fmin(next, tend(&slots[i], now, interrupted));
		atomic_store(&slots[i].state, SLOT_LIVE);
	}
	return next;
}

static void *watchdog(void *arg)
{
	(void)arg;
	for (;;) {
		double now = gk_now(), next = scan(now);
		int ms = -1;
		if (isfinite(next))
			ms = next <= now ? 0 : (int)fmin((next - now) * 1000.0 + 1.0, 60000.0);
		struct pollfd p = {.fd = wake_fd[0], .events = POLLIN};
		if (poll(&p, 1, ms) > 0) {
			char buf[64];
			while (read(wake_fd[0], buf, sizeof buf) > 0)
				;
		}
	}
	return NULL;
}

static void start_watchdog(void)
{
	if (pipe2(wake_fd, O_CLOEXEC | O_NONBLOCK) != 0)
		return;
	/* The watchdog takes no signals: they go to the threads doing the work. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_t tid;
	int rc = pthread_create(&tid, &attr, watchdog, NULL);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		close(wake_fd[0]);
		close(wake_fd[1]);
		wake_fd[0] = wake_fd[1] = -1;
		return;
	}
	atomic_store(&watchdog_ok, 1);
}

static bool ensure_watchdog(void)
{
	pthread_once(&watchdog_once, start_watchdog);
	return atomic_load(&watchdog_ok) != 0;
}

/* ---- signals -------------------------------------------------------------- */

static void on_signal(int sig, siginfo_t *info, void *ctx)
{
	int saved = errno;
	if (atomic_fetch_add(&signals_taken, 1) == 0) {
		int none = GK_INTERRUPT_NONE;
		atomic_compare_exchange_strong(&kind, &none, GK_INTERRUPT_SIGNAL);
		atomic_store(&signo, sig);
		wake();
		errno = saved;
		return;
	}
	/* The second signal: the user means it.  End as the signal would. */
	for (size_t i = 0; i < NHANDLED; i++) {
		if (handled[i] != sig)
			continue;
		gk_sig_chain(sig, info, ctx, &previous[i]);
	}
	errno = saved;
}

int gk_interrupt_install(void)
{
	if (!ensure_watchdog())
		return -1;
	if (atomic_exchange(&installed, 1))
		return 0;
	gk_sig_take(handled, NHANDLED, on_signal, previous);
	return 0;
}

void gk_sig_take(const int *sigs, size_t n, void (*fn)(int, siginfo_t *, void *), struct sigaction *previous)
{
	for (size_t i = 0; i < n; i++) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_sigaction = fn;
		sa.sa_flags = SA_SIGINFO | SA_RESTART;
		sigfillset(&sa.sa_mask);
		if (sigaction(sigs[i], NULL, &previous[i]) != 0)
			continue;
		if (!(previous[i].sa_flags & SA_SIGINFO) && previous[i].sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}

void gk_sig_chain(int sig, siginfo_t *info, void *ctx, const struct sigaction *old)
{
	if ((old->sa_flags & SA_SIGINFO) && old->sa_sigaction)
		old->sa_sigaction(sig, info, ctx);
	else if (!(old->sa_flags & SA_SIGINFO) && old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN)
		old->sa_handler(sig);
	else {
		/* Blocked while the handler runs: delivered with the default
		 * action as soon as it returns. */
		sigaction(sig, old, NULL);
		raise(sig);
	}
}

int gk_interrupt_opt_in(bool handle_signals, gk_error *err)
{
	if (handle_signals && gk_interrupt_install() < 0)
		return gk_error_set(err, GK_ERROR, "cannot start the signal watchdog thread");
	return 0;
}

bool gk_interrupt_handles_signal(int sig)
{
	return (sig == SIGINT || sig == SIGTERM) && atomic_load(&installed) && atomic_load(&signals_taken) == 0;
}

int gk_interrupt_set_deadline(double seconds)
{
	if (!ensure_watchdog())
		return -1;
	atomic_store(&limit_ms, (long long)llround(seconds * 1000.0));
	atomic_store(&deadline_us, (long long)llround((gk_now() + seconds) * 1e6));
	wake();
	return 0;
}

enum gk_interrupt_kind gk_interrupted(void)
{
	return (enum gk_interrupt_kind)atomic_load(&kind);
}

int gk_interrupt_signal(void)
{
	return atomic_load(&signo);
}

double gk_interrupt_limit(void)
{
	return (double)atomic_load(&limit_ms) / 1000.0;
}

void gk_interrupt_describe(char *buf, size_t size)
{
	int sig = atomic_load(&signo);
	switch (gk_interrupted()) {
	case GK_INTERRUPT_NONE:
		snprintf(buf, size, "%s", "");
		return;
	case GK_INTERRUPT_SIGNAL:
		snprintf(buf, size, "interrupted by %s", sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal");
		return;
	case GK_INTERRUPT_TIMEOUT: {
		char limit[32];
		gk_format_duration(limit, sizeof limit, gk_interrupt_limit());
		snprintf(buf, size, "the run's time limit (--timeout %s) ran out", limit);
		return;
	}
	case GK_INTERRUPT_CANCEL:
		snprintf(buf, size, "%s", "cancelled by the program (gk_cancel)");
		return;
	}
}

/* The public face of an interruption, for a program with handlers of its
 * own (gatekeeper/common.h): what a first handled SIGINT does, from any
 * thread or signal handler (gk_interrupt_raise is an atomic
 * compare-and-swap and a write(2) to the watchdog's pipe). */
void gk_cancel(void)
{
	gk_interrupt_raise(GK_INTERRUPT_CANCEL, 0);
}

void gk_cancel_clear(void)
{
	gk_interrupt_reset();
}

void gk_interrupt_raise(enum gk_interrupt_kind k, int sig)
{
	int none = GK_INTERRUPT_NONE;
	if (atomic_compare_exchange_strong(&kind, &none, (int)k))
		atomic_store(&signo, sig);
	wake();
}

void gk_interrupt_reset(void)
{
	atomic_store(&deadline_us, 0);
	atomic_store(&limit_ms, 0);
	atomic_store(&signo, 0);
	atomic_store(&signals_taken, 0);
	atomic_store(&kind, GK_INTERRUPT_NONE);
}

/* ---- watched sessions ----------------------------------------------------- */

int gk_watch_begin(PGconn *c, double budget_s)
{
	if (!c || !ensure_watchdog())
		return -1;
	for (int i = 0; i < SLOTS; i++) {
		watch_slot *s = &slots[i];
		int free_ = SLOT_FREE;
		if (!atomic_compare_exchange_strong(&s->state, &free_, SLOT_FILLING))
			continue;
		s->cancel = PQgetCancel(c);
		if (!s->cancel) {
			atomic_store(&s->state, SLOT_FREE);
			return -1;
		}
		s->fd = PQsocket(c);
		s->deadline = budget_s > 0 ? gk_now() + budget_s : 0;
		s->first_cancel = s->last_cancel = 0;
		s->shut = false;
		atomic_store(&s->expired, 0);
		atomic_store(&s->state, SLOT_LIVE);
		wake();
		return i;
	}
	return -1;
}

bool gk_watch_expired(int slot)
{
	return slot >= 0 && slot < SLOTS && atomic_load(&slots[slot].expired) != 0;
}

void gk_watch_end(int slot)
{
	if (slot < 0 || slot >= SLOTS)
		return;
	watch_slot *s = &slots[slot];
	for (;;) {
		int live = SLOT_LIVE;
		if (atomic_compare_exchange_strong(&s->state, &live, SLOT_CLOSING))
			break;
		if (live != SLOT_BUSY)
			return;  /* not ours to end */
		poll(NULL, 0, 1);
	}
	PQfreeCancel(s->cancel);
	s->cancel = NULL;
	atomic_store(&s->state, SLOT_FREE);
}
