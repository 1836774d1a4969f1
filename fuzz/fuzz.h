/*
 * fuzz.h - what the fuzz targets share.
 *
 * Each fuzz/<name>.c defines LLVMFuzzerTestOneInput() for one kind of
 * untrusted input.  Built with clang -fsanitize=fuzzer it is a libFuzzer
 * binary (`make fuzz`); built with fuzz/main.c it replays files given on
 * its command line, which is how `make check` runs the regression inputs
 * under testdata/fuzz/<name>/ without clang.
 *
 * A target aborts (FUZZ_CHECK) when an invariant that must hold for every
 * input is broken, so that libFuzzer reports it like a crash.
 */
#ifndef GK_FUZZ_H
#define GK_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/** A NUL-terminated malloc'ed copy of the input; aborts when out of memory. */
char *fuzz_strndup(const uint8_t *data, size_t size);

/**
 * Write `size` bytes to the file `name` in a folder private to this
 * process (made on first use, removed at exit) and return its path
 * (static storage, valid until the next call with the same name).
 */
const char *fuzz_file(const char *name, const void *data, size_t size);

/** Abort with a message when `cond` is false. */
#define FUZZ_CHECK(cond)                                                                  \
	do {                                                                              \
		if (!(cond))                                                              \
			fuzz_fail(__FILE__, __LINE__, #cond);                             \
	} while (0)
_Noreturn void fuzz_fail(const char *file, int line, const char *what);

#endif
