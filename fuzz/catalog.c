/*
 * catalog.c - the snapshot JSON loader and the diff (src/catalog).
 *
 * The input is one or two snapshot documents separated by a line "----"
 * (one document is compared with itself).  Each is written to a private
 * folder and loaded like `drift --expected FILE`; two that load are
 * diffed both ways, with and without a schema list and ignore globs.
 * Invariants: a snapshot diffed with itself has no change; writing a
 * loaded snapshot and loading it again gives the same bytes (the
 * canonical form is a fixed point); every change has a kind, an object
 * and a message.
 */
#include "fuzz.h"

#include "catalog/catalog.h"

#include <stdlib.h>
#include <string.h>

static gk_catalog *load(const char *name, const char *text, size_t len)
{
	gk_catalog *cat = NULL;
	gk_error err = {0, ""};
	const char *path = fuzz_file(name, text, len);
	int rc = gk_catalog_load(&cat, path, &err);
	FUZZ_CHECK(rc == 0 ? cat != NULL : cat == NULL && (rc == GK_EPARSE || rc == GK_ENOMEM));
	return cat;
}

static char *written(gk_catalog *cat, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	FUZZ_CHECK(f != NULL);
	FUZZ_CHECK(gk_catalog_write(cat, f, NULL) == 0);
	FUZZ_CHECK(fclose(f) == 0);
	return buf;
}

/* Load what `cat` writes and write it again: the same bytes. */
static void check_canonical(gk_catalog *cat)
{
	size_t len1, len2;
	char *one = written(cat, &len1);
	gk_catalog *again = load("again.json", one, len1);
	FUZZ_CHECK(again != NULL);
	char *two = written(again, &len2);
	FUZZ_CHECK(len1 == len2 && memcmp(one, two, len1) == 0);
	const char *h1 = gk_catalog_sha256(cat), *h2 = gk_catalog_sha256(again);
	FUZZ_CHECK(h1 && h2 && strcmp(h1, h2) == 0);
	gk_catalog_free(again);
	free(one);
	free(two);
}

static size_t diff(const gk_catalog *e, const gk_catalog *a, const gk_catalog_diff_options *o)
{
	gk_catalog_diff_result *d = NULL;
	gk_error err;
	int rc = gk_catalog_diff(&d, e, a, o, &err);
	FUZZ_CHECK(rc == 0 || rc == GK_ECONFIG || rc == GK_ENOMEM);
	size_t n = d ? d->n_changes : 0;
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(d->changes[i].object_kind && d->changes[i].object && d->changes[i].message);
	gk_catalog_diff_free(d);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	char *sep = strstr(text, "\n----\n");
	size_t len1 = sep ? (size_t)(sep - text) : size;
	gk_catalog *e = load("expected.json", text, len1);
	gk_catalog *a = sep ? load("actual.json", sep + 6, size - len1 - 6) : NULL;

	static const char *const schemas[] = {"public"};
	static const char *const ignore[] = {"table:public.tmp_*", "*_old", "column:public.\"User\".*"};
	gk_catalog_diff_options narrow = {schemas, 1, ignore, 3, "the migrations", "production"};
	if (e) {
		check_canonical(e);
		FUZZ_CHECK(diff(e, e, NULL) == 0);
		FUZZ_CHECK(diff(e, e, &narrow) == 0);
		for (const char *k = "table"; k; k = NULL)
			(void)gk_catalog_count(e, k);
	}
	if (e && a) {
		diff(e, a, NULL);
		diff(a, e, NULL);
		diff(e, a, &narrow);
	}
	gk_catalog_free(e);
	gk_catalog_free(a);
	free(text);
	return 0;
}
