/*
 * util.h - small helpers shared by the library and the CLI (not public API).
 */
#ifndef GK_UTIL_H
#define GK_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "gatekeeper/common.h"

/*
 * FNV-1a, the hash of every open-addressing table here (the schema
 * model's names, the lint's per-file indexes, the folder cache): start
 * from GK_HASH_SEED and feed each part.  Inline, as the schema model
 * hashes a name for almost every statement.
 */
#define GK_HASH_SEED ((size_t)1469598103934665603u)

static inline size_t gk_hash_bytes(size_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * (size_t)1099511628211u;
	return h;
}

static inline size_t gk_hash_str(size_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * (size_t)1099511628211u;
	return h;
}

/* Growable string.  `cap_max` bounds its size (0 = unbounded); an append
 * that would pass it, or fails to allocate, sets `failed` and is dropped,
 * so callers check once at the end. */
typedef struct gk_buf {
	char *data;     /* NUL-terminated when len > 0; owned */
	size_t len, cap, cap_max;
	bool failed;
} gk_buf;

#define GK_BUF_INIT { NULL, 0, 0, 0, false }

void gk_buf_append(gk_buf *b, const char *s, size_t n);
void gk_buf_puts(gk_buf *b, const char *s);
void gk_buf_putc(gk_buf *b, char c);
void gk_buf_printf(gk_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void gk_buf_vprintf(gk_buf *b, const char *fmt, va_list ap);
/** Hand the string to the caller (never NULL unless failed); the buffer is reset. */
char *gk_buf_take(gk_buf *b);
void gk_buf_free(gk_buf *b);

/** Fold every run of white space (line ends, tabs) in `s` into one space and
 * trim both ends, in place: libpq's messages span indented lines. */
void gk_one_line(char *s);

/** A PostgreSQL text[] literal {"a","b"} of `items` (malloc'ed; NULL when out
 * of memory), to pass a list as one query parameter. */
char *gk_text_array_literal(const char *const *items, size_t n);

/** strdup that accepts NULL. */
char *gk_strdup(const char *s);
char *gk_strndup(const char *s, size_t n);
/** malloc'ed printf. NULL on failure. */
char *gk_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** Format a diagnostic and hand it to log->fn (gatekeeper/common.h); nothing
 * when `log` or its fn is NULL, or out of memory. */
void gk_log_printf(const gk_log *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes a document to `f`: 0, or a GK_E* code with `err` set. */
typedef int (*gk_output_fn)(void *ctx, FILE *f, gk_error *err);

/*
 * Write a document the user asked for through `fn` (src/util/output.c):
 * to `stream` when `path` is NULL or "-"; to a file that exists and is not
 * regular (a FIFO, /dev/stdout) directly; to any other path through a
 * temporary file beside it, renamed into place once complete.  Every
 * failure is GK_EIO, "cannot write PATH: why" ("standard output" for the
 * stream).
 */
int gk_write_output(const char *path, FILE *stream, gk_output_fn fn, void *ctx, gk_error *err);

/** Grow `*arr` (element size `elem`) so that it holds at least `need` items. 0 or -1. */
int gk_grow(void *arr, size_t *cap, size_t need, size_t elem);

/*
 * gk_grow for an array that can grow to megabytes (a report's findings):
 * from GK_HUGE_PAGE bytes on, each block is aligned to that size and
 * advised to the kernel as huge pages (MADV_HUGEPAGE; ignored where
 * transparent huge pages are off).  Every first touch of a page is a page
 * fault: 10-13 us each on one virtual machine measured (50 MB touched page
 * by page, 128-170 ms; as huge pages, 3 ms), 1.6 us on another (8 MB in a
 * fresh process, 2.9 ms; as huge pages, 0.6 ms, though a huge page the
 * kernel must first find can take milliseconds there).  The findings of
 * the shared corpora (7.5 MB, with each doubling copied into fresh pages)
 * were a third of a lint's faults.  Freed with free().
 */
#define GK_HUGE_PAGE ((size_t)2 << 20)
int gk_grow_large(void *arr, size_t *cap, size_t need, size_t elem);

/** Read a whole file. On success *out is NUL-terminated and malloc'ed. Sets errno on failure. */
int gk_read_file(char **out, size_t *len, const char *path, size_t max_size);
/** gk_read_file of the file judged earlier: the file opened must have device
 * `dev` and inode `ino` (fstat after open), else -1 with errno ESTALE and
 * nothing read. */
int gk_read_file_same(char **out, size_t *len, const char *path, size_t max_size, uint64_t dev, uint64_t ino);

/* One record of Linux's getdents64 system call, which reads a folder
 * without the fstat and fcntl calls of opendir() and fdopendir(). */
struct gk_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/** `path` made absolute, "." and ".." applied, symlinks resolved as far as
 * the path exists (the rest as written); malloc'ed, NULL when out of memory. */
char *gk_path_canonical(const char *path);
/** Drop "." and empty components of the absolute path `p` and apply ".."
 * textually, in place. */
void gk_path_normalise(char *p);

/** A duration such as "300", "300s", "5min", "1h", "500ms" (a bare
 * number is seconds; units as PostgreSQL's).  0, or -1 when malformed,
 * negative or beyond a day. */
int gk_parse_duration(const char *s, double *seconds);

/**
 * A value of a PostgreSQL setting measured in milliseconds (lock_timeout,
 * statement_timeout), read as the server's parse_int() reads it for a
 * GUC_UNIT_MS setting: an integer (decimal, 0x hex or 0 octal) or a
 * fractional number, optional blanks, then an optional unit among us, ms,
 * s, min, h and d (case matters); no unit means milliseconds.  A
 * fractional value in a unit is rounded to the next smaller unit, then the
 * result to whole milliseconds, both as rint() does ("0.5s" is 500,
 * "1.5ms" 2, "0.5ms" 0, "400us" 0).  0 with *ms set, or -1 when the server
 * rejects the value (syntax, unknown unit, outside the int range).
 */
int gk_parse_guc_ms(const char *value, long *ms);

/** "5 min", "1 s", "1.5 s", "500 ms", "2 h" for messages. */
void gk_format_duration(char *buf, size_t size, double seconds);

/** Monotonic seconds. */
double gk_now(void);

/** True when `s` is valid UTF-8; *bad_offset gets the first invalid byte. */
bool gk_utf8_valid(const char *s, size_t len, size_t *bad_offset);

/** Length of `s[0..n)` without a UTF-8 sequence cut off at its end (after truncation). */
size_t gk_utf8_whole(const char *s, size_t n);

/** Length of the valid UTF-8 sequence at s[0..n) (its code point in *cp), 0 when invalid. */
size_t gk_utf8_seq(const char *s, size_t n, uint32_t *cp);

/** 2 * nbytes lowercase hex digits of the kernel's random bytes, and a NUL,
 * into out[2 * nbytes + 1].  0, or -1 (errno) when getrandom fails. */
int gk_random_hex(char *out, size_t nbytes);

/*
 * Untrusted text made safe to show (escape.c).  One convention: newline,
 * carriage return and tab become \n, \r, \t; other C0 controls, DEL and
 * bytes that are not UTF-8 become \xNN; C1 controls, U+2028/U+2029 and the
 * bidirectional overrides and isolates become \uNNNN.  Nothing else
 * changes (a backslash stays one), so the text reads as before but can
 * neither move the cursor, colour, hide text, nor end the line it is on.
 */
#define GK_VIS_TAB 1u         /* keep tabs (a source line, where they align the caret) */
#define GK_VIS_LINE_START 2u  /* a path that starts a line: "./" before a leading ':' or '#', so that
			       * no CI log reads it as a command (::error::, ##[...]) */
void gk_buf_put_visible(gk_buf *b, const char *s, size_t n, unsigned flags);
/** gk_buf_put_visible into a malloc'ed string (NULL s = ""); NULL when out of memory. */
char *gk_visible(const char *s, unsigned flags);
/** fputs of gk_visible(s); 0 or -1. */
int gk_fput_visible(FILE *out, const char *s, unsigned flags);

/** A file name for JSON, reversibly: bytes that are not UTF-8 as \xNN, a
 * backslash doubled, the rest as is (malloc'ed; NULL when out of memory). */
char *gk_path_escape(const char *s);

/** `s` as one POSIX shell word: single-quoted, each ' written '\''.
 * Returns 0 (*out malloc'ed), 1 when `s` holds a control character (a
 * terminal would not show what is pasted; nothing is quoted), -1 when out
 * of memory. */
int gk_shell_quote(char **out, const char *s);

/** Case-insensitive ASCII compare. */
int gk_strcasecmp(const char *a, const char *b);

/** Edits (insert, delete, replace, swap two neighbours) from a to b;
 * (size_t)-1 when either is longer than 64 bytes. */
size_t gk_edit_distance(const char *a, const char *b);

/*
 * "did you mean": offer every known name, then read `best` (NULL when none
 * is close enough to be a likely typo of `word`).  `word` and the
 * candidates are borrowed and must outlive the struct.
 */
typedef struct gk_suggest {
	const char *word;
	const char *best;        /* the closest candidate so far, or NULL */
	size_t best_distance;
	size_t distance;         /* the most edits a suggestion may be away */
} gk_suggest;

void gk_suggest_init(gk_suggest *s, const char *word);
void gk_suggest_offer(gk_suggest *s, const char *candidate);

#endif
