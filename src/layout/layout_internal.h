/*
 * layout_internal.h - what the per-tool readers of src/layout share.
 *
 * A tool reader gets the normalised paths (sorted, unique, no "./") and
 * adds migrations and stray files to a builder.  The core then orders the
 * migrations with the tool's comparator and fills whole-file ranges.
 * The builder and the helpers below are builder.c's, beneath both the
 * core (layout.c) and the readers.
 */
#ifndef GK_LAYOUT_INTERNAL_H
#define GK_LAYOUT_INTERNAL_H

#include "layout/layout.h"

/* A piece of a path; p == NULL means "absent" (stored as NULL). */
typedef struct gk_span {
	const char *p;
	size_t n;
} gk_span;

#define GK_SPAN_NONE ((gk_span){NULL, 0})

typedef struct gk_lb {
	gk_layout *l;
	size_t cap_m, cap_s, cap_p;
	gk_layout_read_fn read;   /* may be NULL */
	void *payload;
	gk_error *err;
} gk_lb;

/* Paths. */
size_t gk_lp_depth(const char *path);             /* number of '/' */
const char *gk_lp_base(const char *path);         /* after the last '/' */
gk_span gk_lp_dir(const char *path);              /* first component of a depth-1 path */
bool gk_lp_ends(const char *s, const char *suffix);
/* The value of the first `key = value` line of a settings file (Flyway .conf,
 * diesel metadata.toml): from after '=' and blanks to the end of the line;
 * GK_SPAN_NONE when no line sets `key`. */
gk_span gk_lp_setting(const char *text, size_t len, const char *key);
gk_span gk_span_str(const char *s);
bool gk_span_eq(gk_span a, const char *s);

/* Builder.  gk_lb_add returns the new migration (valid until the next add) or NULL on ENOMEM. */
gk_layout_migration *gk_lb_add(gk_lb *b, gk_span key, gk_span version, gk_span name, const char *path);
int gk_lb_stray(gk_lb *b, const char *path);
/* Read through the caller's reader; fills err with the path on failure. */
int gk_lb_read(gk_lb *b, const char *path, char **out, size_t *len);
/* Sort the migrations by key so that gk_lb_find can pair secondary files (down.sql, ...). */
void gk_lb_sort_by_key(gk_lb *b);
gk_layout_migration *gk_lb_find(gk_lb *b, gk_span key);
int gk_lb_oom(gk_lb *b);

/* Per-tool readers (tools.c, flyway.c, dbmate.c). */
int gk_layout_prisma(gk_lb *b, const char *const *paths, size_t n);
int gk_layout_flyway(gk_lb *b, const char *const *paths, size_t n);
int gk_layout_golang(gk_lb *b, const char *const *paths, size_t n);
int gk_layout_dbmate(gk_lb *b, const char *const *paths, size_t n);
int gk_layout_diesel(gk_lb *b, const char *const *paths, size_t n);
int gk_layout_plain(gk_lb *b, const char *const *paths, size_t n);

/* Name matchers used by detection as well as by the readers. */
bool gk_prisma_package_file(const char *base);  /* a file of a Prisma 8 migration package */
bool gk_flyway_match(const char *base, char *prefix, gk_span *version, gk_span *desc);
bool gk_golang_match(const char *base, bool *up, gk_span *key, gk_span *version, gk_span *name);
bool gk_dbmate_match(const char *base, gk_span *key, gk_span *version, gk_span *name);
/* Whether `text` has a dbmate `-- migrate:up` marker line. */
bool gk_dbmate_has_marker(const char *text, size_t len);

#endif
