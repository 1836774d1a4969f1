/*
 * halves.h - a long run of a report's elements handled by two threads
 * (internal to src/report/).  The JSON, SARIF, GitLab and JUnit reports
 * of a large run are mostly one array: its findings, or its test suites.
 * Writing it is the one part of a run left to a single core once the
 * lint is done (some 18 ms of a 150 ms lint of 2,659 files), so the
 * writers split it: this thread writes the first half to the output
 * while a second writes the other half into memory, which is copied in
 * behind the first.  The bytes are those of one loop (halves_test.c
 * compares the two).  gk_report_finish takes the findings' fingerprint
 * digests the same way, each half with a digest context of its own.
 *
 * The writers (jstream.c, xstream.c) do the splicing; this only runs
 * the two halves.
 */
#ifndef GK_REPORT_HALVES_H
#define GK_REPORT_HALVES_H

#include <stdbool.h>
#include <stddef.h>

/* Fewer elements are written by one loop: a thread costs more than a
 * small array's second half (and most reports are small). */
#define GK_HALVES_MIN 512

/* Writes elements [from, to) of the run, with the half's own context. */
typedef void (*gk_half_fn)(void *half, size_t from, size_t to);

/**
 * Run `write(first, 0, split)` here and `write(second, split, n)` on a
 * thread of its own, where split is gk_halves_split(n), and wait for both.
 * Returns false, having run nothing, when n is below GK_HALVES_MIN, the
 * machine has one core or no thread could start: the caller writes the
 * run itself then.
 */
bool gk_halves_run(size_t n, gk_half_fn write, void *first, void *second);

/** Where gk_halves_run splits a run of n elements. */
size_t gk_halves_split(size_t n);

/* The second half's bytes, in blocks of GK_HALF_BLOCK: never moved, as
 * one growing buffer's copies were, and written out in few large writes
 * (the second half of the corpora's JSON report, 6.5 MB, took 2.7 ms to
 * copy in as the 64 kB its writer flushes at a time, 1.5 ms in 1 MiB). */
#define GK_HALF_BLOCK ((size_t)1 << 20)

typedef struct gk_half_block {
	struct gk_half_block *next;
	size_t len, cap;
	char data[];
} gk_half_block;

typedef struct gk_half_memory {
	gk_half_block *first, *last;
} gk_half_memory;

#define GK_HALF_MEMORY_INIT {NULL, NULL}

/** Keep a copy of s[0..n) at the end; false when out of memory. */
bool gk_half_keep(gk_half_memory *m, const char *s, size_t n);
/** Free every block; `m` is empty after. */
void gk_half_memory_free(gk_half_memory *m);

#endif
