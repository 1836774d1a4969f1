/*
 * layout.c - each migration tool's file names and Prisma's
 * migration_lock.toml (src/layout).
 *
 * The input is text: a first line naming the layout ("auto", "prisma",
 * "flyway", ...; anything else is auto), then one relative path per line
 * up to an empty line, then the content every file read by the layout gets
 * (a migration_lock.toml, a dbmate file with its markers, a Flyway .conf,
 * a diesel metadata.toml).  The layout is read with and without a reader.
 * Invariants: every migration has a key and a path among the inputs, its
 * byte range lies inside the content, and versions compare consistently
 * (antisymmetric) in the layout's order.
 */
#include "fuzz.h"

#include "layout/layout.h"

#include <stdlib.h>
#include <string.h>

struct input {
	char **paths;
	size_t n;
	const char *content;
	size_t len;
};

static int reader(char **out, size_t *len, const char *relpath, void *payload)
{
	(void)relpath;
	const struct input *in = payload;
	*out = malloc(in->len + 1);
	if (!*out)
		return GK_ENOMEM;
	memcpy(*out, in->content, in->len);
	(*out)[in->len] = '\0';
	*len = in->len;
	return 0;
}

static bool is_input(const struct input *in, const char *path)
{
	for (size_t i = 0; i < in->n; i++) {
		const char *p = in->paths[i];
		while (p[0] == '.' && p[1] == '/')
			p += 2;
		if (strcmp(p, path) == 0)
			return true;
	}
	return false;
}

static int sign(int v) { return (v > 0) - (v < 0); }

static void check(const gk_layout *l, const struct input *in, bool with_reader)
{
	FUZZ_CHECK(l->kind != GK_LAYOUT_AUTO);
	for (size_t i = 0; i < l->n_migrations; i++) {
		const gk_layout_migration *m = &l->migrations[i];
		FUZZ_CHECK(m->key != NULL && m->path != NULL && is_input(in, m->path));
		FUZZ_CHECK(!m->down_path || is_input(in, m->down_path));
		if (with_reader)
			FUZZ_CHECK(m->up_start <= m->up_end && m->up_end <= in->len);
		if (i > 0) {
			const char *a = l->migrations[i - 1].version, *b = m->version;
			FUZZ_CHECK(sign(gk_layout_version_cmp(l->kind, a, b)) ==
				   -sign(gk_layout_version_cmp(l->kind, b, a)));
		}
	}
	for (size_t i = 0; i < l->n_stray; i++)
		FUZZ_CHECK(l->stray[i] != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	char *end = strstr(text, "\n\n");
	struct input in = {NULL, 0, end ? end + 2 : text + size, 0};
	in.len = (size_t)(text + size - in.content);
	if (end)
		*end = '\0';

	char *line = text, *next;
	enum gk_layout_kind kind = GK_LAYOUT_AUTO;
	if ((next = strchr(line, '\n')))
		*next++ = '\0';
	if (gk_layout_kind_parse(&kind, line) != 0)
		kind = GK_LAYOUT_AUTO;
	in.paths = calloc(size + 1, sizeof *in.paths);
	FUZZ_CHECK(in.paths != NULL);
	for (line = next; line; line = next) {
		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		in.paths[in.n++] = line;
	}

	for (int with_reader = 0; with_reader <= 1; with_reader++) {
		gk_layout *l = NULL;
		gk_error err;
		int rc = gk_layout_read(&l, kind, (const char *const *)in.paths, in.n, with_reader ? reader : NULL,
					&in, &err);
		FUZZ_CHECK(rc == 0 || rc == GK_ENOMEM || rc == GK_EIO);
		if (rc == 0)
			check(l, &in, with_reader);
		gk_layout_free(l);
	}
	free(in.paths);
	free(text);
	return 0;
}
