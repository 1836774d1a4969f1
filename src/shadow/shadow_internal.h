/*
 * shadow_internal.h - what the files of src/shadow share (not public API).
 *
 *   registry.c  the private clusters alive in this process; stops and
 *               removes them at exit and on SIGINT/SIGTERM/SIGHUP
 *   cluster.c   finding the binaries, initdb, starting the postmaster
 *   cache.c     the persistent folder of a cache cluster: layout, lock,
 *               repairs of what a killed run or a CI cache restore left
 *   external.c  a shadow database on someone else's server
 *   shadow.c    the public API on top of those
 *   admin.c     errors, the administrative connection, CREATE/DROP DATABASE
 *   templates.c the template cache's bookkeeping (find, store, evict)
 *   chain.c     the chain hash
 */
#ifndef GK_SHADOW_INTERNAL_H
#define GK_SHADOW_INTERNAL_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include <libpq-fe.h>

#include "shadow/shadow.h"
#include "util/redact.h"

/* ---- registry.c ------------------------------------------------------- */

/* Longest cluster folder: its socket path must fit a sockaddr_un anyway. */
#define GK_SHADOW_DIR_MAX 256

/**
 * Register the folder of a private cluster (already created) so that it is
 * removed however the process ends, once gk_reg_install_handlers() ran (and
 * by gk_reg_release() in any case).  Returns the slot, or -1 when the
 * registry is full.  A
 * cache cluster registers only its socket folder: the server is stopped
 * and that folder removed, its data folder (elsewhere) is left alone.
 */
int gk_reg_add(const char *dir);
/** The atexit handler and the SIGINT/SIGTERM/SIGHUP handlers that clean up
 * every registered slot, installed once for the rest of the process (a
 * program's own handler is chained, an ignored signal stays ignored). */
void gk_reg_install_handlers(void);
/** The child to stop before removal (initdb: SIGKILL; postmaster: SIGQUIT, a cache
 * cluster's SIGINT); 0 = none. */
void gk_reg_set_child(int slot, pid_t pid, int stop_sig);
/** Stop the slot's child, remove its folder and free the slot. */
void gk_reg_release(int slot);
/** Send `sig` to `pid`, wait (SIGKILL after 5 s) until it is gone.  Async-signal-safe. */
void gk_reg_stop_pid(pid_t pid, int sig);
/** Remove a folder tree without following symlinks.  Async-signal-safe. 0 or -1. */
int gk_reg_remove_tree(const char *dir);
/** The same for the entry `name` of the open folder `parent` (a symlink
 * itself is removed, never what it points to). */
int gk_reg_remove_at(int parent, const char *name);
/** Block the signals the registry handles (around fork); *old gets the previous mask. */
void gk_reg_block_signals(sigset_t *old);
void gk_reg_restore_signals(const sigset_t *old);
/** In a forked child before exec: default dispositions, then mask `old`. */
void gk_reg_child_signals(const sigset_t *old);

/* ---- cluster.c -------------------------------------------------------- */

typedef struct gk_cluster gk_cluster;

/* The user the server runs as when we are root. */
typedef struct gk_run_user {
	bool drop;         /* false: not root, run as ourselves */
	uid_t uid;
	gid_t gid;
	char name[64];
} gk_run_user;

typedef struct gk_cluster_req {
	const char *bindir;
	const char *tmp_dir;    /* for the cluster (or socket) folder; NULL = $TMPDIR or /tmp */
	const char *run_as;     /* when root; NULL = postgres, else nobody */
	const char *cache_dir;  /* NULL = temporary cluster; else a cache cluster under it */
	bool wipe;              /* cache: recreate the data folder even if it looks fine */
	bool cleanup_handlers;  /* gk_shadow_options.cleanup_handlers */
} gk_cluster_req;

/* Where to look for binaries; the tests point these at fake folders. */
typedef struct gk_bin_search {
	const char *pg_bin;       /* explicit folder (--pg-bin); only it is tried */
	const char *pg_config;    /* program to ask for --bindir; NULL = "pg_config" on PATH */
	const char *search_root;  /* NULL = "/usr/lib/postgresql" */
} gk_bin_search;

/** Find a folder holding `initdb` and `postgres`.  *out is malloc'ed. */
int gk_cluster_find_bin(char **out, const gk_bin_search *where, gk_error *err);

/**
 * Temporary: initdb a private cluster in a new folder under req->tmp_dir
 * and start it.  Cache: take the cache folder's lock (GK_EINFRA "... in use
 * by another gatekeeper process" when another process has it), start the
 * cluster in it, initdb'ing it first when it is missing, damaged, from
 * another version or without our marker, and once more when it does not
 * start; GK_EINFRA, nothing touched, when the folder is not ours (cache.c).
 * Its configuration is reset before the start and the settings that run
 * programs or load code are overridden on the command line.  Either way,
 * when root, the server runs as req->run_as.
 */
int gk_cluster_start(gk_cluster **out, const gk_cluster_req *req, gk_error *err);
/** The cluster's folder (socket folder; data in <dir>/data unless cached). */
const char *gk_cluster_dir(const gk_cluster *c);
/** Cache: <cache_dir>/pg<major>; NULL for a temporary cluster. */
const char *gk_cluster_cache_home(const gk_cluster *c);
/** Cache: initdb ran in this start (nothing was kept). */
bool gk_cluster_fresh(const gk_cluster *c);
/** Cache: the random id of the data folder's marker, which the cluster
 * must also hold (templates.c); NULL for a temporary cluster. */
const char *gk_cluster_cache_id(const gk_cluster *c);
pid_t gk_cluster_postmaster(const gk_cluster *c);
/** "host='<dir>' port=5432 user=gatekeeper" (no dbname). */
const char *gk_cluster_conninfo_base(const gk_cluster *c);
/** Stop the server, remove the folder (a cache cluster: the socket folder;
 * the server gets a fast shutdown), release the cache's lock, free `c`.
 * NULL is a no-op. */
void gk_cluster_stop(gk_cluster *c);
/** Remove folders of clusters whose gatekeeper process died (killed outright). */
void gk_cluster_sweep_stale(const char *tmp_dir);

/* ---- cache.c ---------------------------------------------------------- */

/* A cache cluster's persistent folder: <cache_dir>/pg<major>/ holds `lock`
 * and `data/`; data/ carries the marker file `gatekeeper-cache`. */
typedef struct gk_cache {
	char home[4096];   /* <cache_dir>/pg<major>, absolute */
	char data[4096];   /* <home>/data */
	int home_fd;       /* <home>, opened without following a symlink; -1 = none */
	int lock_fd;       /* flock'ed for the life of the cluster; -1 = none */
	char id[33];       /* the marker's random id, 32 hex digits; "" = none yet */
} gk_cache;

/**
 * Open (creating them when missing) <cache_dir> and <cache_dir>/pg<major>
 * without following a symlink, check that both are ours (owned by the
 * effective user, not writable by group or others), and lock the latter
 * (exclusive, not waiting).  GK_EINFRA with the reason when the folder is
 * not ours or another process holds it.  `root`: the folders it creates
 * must let the server's user through.
 */
int gk_cache_lock(gk_cache *c, const char *cache_dir, const char *major, bool root,
                  gk_error *err);
/**
 * Decide about the data folder without starting it.  GK_EINFRA (the cache
 * is not used, nothing touched) when it is a symlink, not owned by the run
 * user, writable by others, or holds a link, a special file or a file of
 * another owner.  Otherwise it is ours: a server a killed run left on it
 * is stopped, and *need_initdb (after removing it) when it is missing,
 * lacks a valid marker for `major` (an older gatekeeper's or a half-made
 * cache), is not a cluster of `major`, or `wipe`.  Sets c->id when kept.
 */
int gk_cache_check(gk_cache *c, const char *major, const gk_run_user *as, bool wipe,
                   bool *need_initdb, gk_error *err);
/** Remove the data folder (and a half-made one), never through a symlink. */
int gk_cache_wipe(gk_cache *c, gk_error *err);
/** Where initdb makes a new cluster: <home>/data.new, empty and the run user's. */
int gk_cache_initdb_target(gk_cache *c, char *out, size_t size, const gk_run_user *as,
                           gk_error *err);
/** Write the marker (a new random id, in c->id) into a finished initdb and
 * move it into place (data.new -> data). */
int gk_cache_commit(gk_cache *c, const char *major, gk_error *err);
/**
 * Before every start: postgresql.conf reduced to the settings initdb
 * writes (with plain values), postgresql.auto.conf, pg_hba.conf and
 * pg_ident.conf rewritten to known content, and recovery.signal,
 * standby.signal, recovery.conf and postmaster.opts removed.
 */
int gk_cache_reset_config(gk_cache *c, const gk_run_user *as, gk_error *err);
/** Release the lock.  Idempotent. */
void gk_cache_unlock(gk_cache *c);

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

/* ---- shadow.c --------------------------------------------------------- */

struct gk_shadow {
	bool embedded, borrowed, cleaned;
	bool cached;      /* on a cache cluster: templates can be found and kept */
	gk_cluster *cluster;
	char *cache_note; /* why a cache that was asked for is not used */
	char *url;        /* external: as given, to scrub its secrets from messages */
	char *base;       /* conninfo without dbname (may hold a password) */
	char *role_base;  /* the same as the role migrations run as (embedded: GK_SHADOW_ROLE) */
	char *role;       /* that role's name */
	char *sandbox_note; /* external: why migrations are not sandboxed; NULL = they are */
	char **extensions; /* the allow-list (NULL-terminated, owned) */
	char *where;      /* "host H port P" / the cluster's folder, for messages */
	char *dbname;
	char *conninfo;
	PGconn *admin;    /* external only */
	int version;
	char **created;   /* databases we made, dropped on cleanup */
	size_t ncreated, cap;
	gk_kept kept;     /* borrowed: what was there at open */
};

/* ---- admin.c: what shadow.c, sandbox.c and templates.c send ---------- */

/** GK_EINFRA "<what> on <where>: <server message>", without secrets. */
int gk_sh_sql_error(const gk_shadow *s, PGconn *c, PGresult *r, const char *what, gk_error *err);
/** Run a statement that returns no rows; GK_EINFRA "<what> on ..." when it fails. */
int gk_sh_exec(const gk_shadow *s, PGconn *c, const char *sql, const char *what, gk_error *err);
/** Connection for CREATE/DROP DATABASE (a cache cluster: to `postgres`,
 * where the bookkeeping is); release it with gk_sh_admin_done(). */
PGconn *gk_sh_admin_conn(const gk_shadow *s, gk_error *err);
void gk_sh_admin_done(const gk_shadow *s, PGconn *c);
/** CREATE DATABASE <name> TEMPLATE <template_db> (not recorded as ours). */
int gk_sh_create_db(const gk_shadow *s, PGconn *c, const char *name, const char *template_db,
                    gk_error *err);
/** DROP DATABASE IF EXISTS <name>, WITH (FORCE) on 13+. */
int gk_sh_drop_db(const gk_shadow *s, PGconn *c, const char *name, gk_error *err);
/** Index of `name` among the databases this shadow made, or -1. */
ssize_t gk_sh_find_created(const gk_shadow *s, const char *name);
/** libpq's notice processor that drops notices ("drop cascades to ..."):
 * they are not for our user's terminal. */
void gk_sh_quiet(void *arg, const char *message);

/** sandbox.c: give a new database of an embedded shadow to the role and
 * install the extension function in it (as the superuser). */
int gk_sh_prepare_db(const gk_shadow *s, const char *name, gk_error *err);

/* ---- sandbox.c -------------------------------------------------------- */

/** Make GK_SHADOW_ROLE as it must be, on the superuser's connection `c`. */
int gk_sb_make_role(const gk_shadow *s, PGconn *c, gk_error *err);
/** External: s->role from the connection, and s->sandbox_note when that
 * role has a superuser's or a file or program role's power. */
int gk_sb_external_role(gk_shadow *s, PGconn *c, gk_error *err);
/** s->extensions = a copy of `list` (NULL: the default). */
int gk_sb_copy_extensions(gk_shadow *s, const char *const *list, gk_error *err);
void gk_sb_free_extensions(gk_shadow *s);

/* ---- templates.c ------------------------------------------------------ */

/** On a cache cluster just opened: the bookkeeping table, and away with
 * what a killed run left (working databases, half-made templates). */
int gk_tpl_prepare(gk_shadow *s, gk_error *err);
/** Whether `name` has the form of a template's name (gk_tpl_<32 hex>). */
bool gk_tpl_is_template_name(const char *name);

#endif
