/*
 * shadow_internal.h - what the files of src/shadow share (not public API).
 *
 *   registry.c  the private clusters alive in this process; stops and
 *               removes them at exit and on SIGINT/SIGTERM/SIGHUP
 *   cluster.c   finding the binaries, initdb, starting the postmaster
 *   external.c  a shadow database on someone else's server
 *   redact.c    passwords out of URLs, conninfos and messages
 *   shadow.c    the public API on top of those
 */
#ifndef GK_SHADOW_INTERNAL_H
#define GK_SHADOW_INTERNAL_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include <libpq-fe.h>

#include "gatekeeper/shadow.h"

/* ---- registry.c ------------------------------------------------------- */

/* Longest cluster folder: its socket path must fit a sockaddr_un anyway. */
#define GK_SHADOW_DIR_MAX 256

/**
 * Register the folder of a private cluster (already created) so that it is
 * removed however the process ends.  Installs the exit and signal handlers
 * on first use.  Returns the slot, or -1 when the registry is full.
 */
int gk_reg_add(const char *dir);
/** The child to stop (initdb: SIGKILL; postmaster: SIGQUIT) before removal; 0 = none. */
void gk_reg_set_child(int slot, pid_t pid, int stop_sig);
/** Stop the slot's child, remove its folder and free the slot. */
void gk_reg_release(int slot);
/** Send `sig` to `pid`, wait (SIGKILL after 5 s) until it is gone.  Async-signal-safe. */
void gk_reg_stop_pid(pid_t pid, int sig);
/** Remove a folder tree without following symlinks.  Async-signal-safe. 0 or -1. */
int gk_reg_remove_tree(const char *dir);
/** Block the signals the registry handles (around fork); *old gets the previous mask. */
void gk_reg_block_signals(sigset_t *old);
void gk_reg_restore_signals(const sigset_t *old);
/** In a forked child before exec: default dispositions, then mask `old`. */
void gk_reg_child_signals(const sigset_t *old);

/* ---- cluster.c -------------------------------------------------------- */

typedef struct gk_cluster gk_cluster;

/* Where to look for binaries; the tests point these at fake folders. */
typedef struct gk_bin_search {
	const char *pg_bin;       /* explicit folder (--pg-bin); only it is tried */
	const char *pg_config;    /* program to ask for --bindir; NULL = "pg_config" on PATH */
	const char *search_root;  /* NULL = "/usr/lib/postgresql" */
} gk_bin_search;

/** Find a folder holding `initdb` and `postgres`.  *out is malloc'ed. */
int gk_cluster_find_bin(char **out, const gk_bin_search *where, gk_error *err);

/**
 * initdb a private cluster under `tmp_dir` (NULL = $TMPDIR or /tmp) and
 * start it; when root, as `run_as` (NULL = postgres, else nobody).
 */
int gk_cluster_start(gk_cluster **out, const char *bindir, const char *tmp_dir,
                     const char *run_as, gk_error *err);
/** The cluster's folder (socket folder; data in <dir>/data). */
const char *gk_cluster_dir(const gk_cluster *c);
pid_t gk_cluster_postmaster(const gk_cluster *c);
/** "host='<dir>' port=5432 user=gatekeeper" (no dbname). */
const char *gk_cluster_conninfo_base(const gk_cluster *c);
/** Stop the server, remove the folder, free `c`.  NULL is a no-op. */
void gk_cluster_stop(gk_cluster *c);
/** Remove folders of clusters whose gatekeeper process died (killed outright). */
void gk_cluster_sweep_stale(const char *tmp_dir);

/* ---- external.c ------------------------------------------------------- */

typedef struct gk_object_ref { unsigned cls, oid; } gk_object_ref;

/** Objects a borrowed database may hold: schemas and extensions. */
typedef struct gk_kept {
	gk_object_ref *v;
	size_t n;
} gk_kept;

/**
 * List the user objects of the connected database (not system, not
 * extension members, not parts of another object).  With `kept` NULL:
 * fail (GK_ECONFIG) unless only schemas and extensions exist, which are
 * recorded in *kept_out.  The message names up to three objects.
 */
int gk_ext_check_empty(PGconn *c, gk_kept *kept_out, const char *dbname, const char *where,
                       const char *role, gk_error *err);
/** Drop every user object not in `kept`.  0 or GK_EINFRA. */
int gk_ext_reset(PGconn *c, const gk_kept *kept, gk_error *err);

/* ---- redact.c --------------------------------------------------------- */

typedef struct gk_secrets {
	char **v;
	size_t n, cap;
} gk_secrets;

/** gk_shadow_redact() that also collects the passwords it masked (raw and
 * percent-decoded) into `found` (may be NULL). */
char *gk_redact_collect(const char *conninfo, gk_secrets *found);
/** Copy of `msg` with every secret of `conninfo` replaced by "****". */
char *gk_redact_message(const char *msg, const char *conninfo);
void gk_secrets_free(gk_secrets *s);

/** Append key='value' (quoted for conninfo) to a malloc'ed string. */
char *gk_conninfo_add(char *base, const char *key, const char *value);

#endif
