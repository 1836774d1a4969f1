/*
 * extensions.c - a migration's CREATE EXTENSION of an extension on the
 * shadow's allow-list, sent through the shadow's extension door (see "The
 * sandbox" in src/shadow/shadow.h).
 *
 * Migrations run as a role that may not create an extension that needs a
 * superuser.  Creating those before the migration would not do: the
 * statement would then fail with "already exists" unless it says IF NOT
 * EXISTS, a schema the migration makes first would not be there yet, and
 * the extension would stay when the migration fails.  So the statement is
 * replaced, where it stands, by
 *
 *     SELECT pg_catalog.gatekeeper_create_extension(E'name', if_not_exists,
 *         E'schema' | NULL, E'version' | NULL, cascade,
 *         pg_catalog.current_setting('search_path'))
 *
 * which carries it out as the superuser in the migration's own
 * transaction; the rest of the file is sent as written.  A file that does
 * not parse is sent as written (the server will say what is wrong).
 */
#include "replay/replay_internal.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int gk_replay_allow_list(PGconn *c, char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	PGresult *r = PQexec(c, "SELECT pg_catalog.to_regprocedure('pg_catalog.gatekeeper_shadow_extensions()') "
				"IS NOT NULL");
	bool door = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !strcmp(PQgetvalue(r, 0, 0), "t");
	PQclear(r);
	if (!door)
		return 0;
	r = PQexec(c, "SELECT pg_catalog.unnest(pg_catalog.gatekeeper_shadow_extensions())");
	int rows = PQresultStatus(r) == PGRES_TUPLES_OK ? PQntuples(r) : 0;
	int rc = 0;
	if (rows > 0 && !(*out = calloc((size_t)rows, sizeof **out)))
		rc = GK_ENOMEM;
	for (int i = 0; rc == 0 && i < rows; i++) {
		if (!((*out)[i] = gk_strdup(PQgetvalue(r, i, 0))))
			rc = GK_ENOMEM;
		else
			(*n)++;
	}
	PQclear(r);
	if (rc) {
		gk_replay_allow_list_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

void gk_replay_allow_list_free(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

static bool allowed_name(char *const *allowed, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(allowed[i], name))
			return true;
	return false;
}

/* An E'' literal: right whatever standard_conforming_strings the
 * migration set. */
static void put_literal(gk_buf *b, const char *v)
{
	if (!v) {
		gk_buf_puts(b, "NULL");
		return;
	}
	gk_buf_puts(b, "E'");
	for (const char *p = v; *p; p++) {
		if (*p == '\'' || *p == '\\')
			gk_buf_putc(b, *p);
		gk_buf_putc(b, *p);
	}
	gk_buf_putc(b, '\'');
}

static void put_call(gk_buf *b, const gk_replay_ext *e)
{
	gk_buf_puts(b, "SELECT pg_catalog.gatekeeper_create_extension(");
	put_literal(b, e->name);
	gk_buf_puts(b, e->if_not_exists ? ", true, " : ", false, ");
	put_literal(b, e->schema);
	gk_buf_puts(b, ", ");
	put_literal(b, e->version);
	gk_buf_puts(b, e->cascade ? ", true, " : ", false, ");
	gk_buf_puts(b, "pg_catalog.current_setting('search_path'))");
}

static int rewrite(const char *text, size_t len, const gk_replay_split *sp, char *const *allowed,
		   size_t n_allowed, char **out, size_t *out_len, gk_replay_edits *ed)
{
	gk_buf b = GK_BUF_INIT;
	size_t at = 0;
	for (size_t i = 0; i < sp->n_exts; i++) {
		const gk_replay_ext *e = &sp->exts[i];
		if (e->other || !allowed_name(allowed, n_allowed, e->name) || e->start < at || e->end > len)
			continue;
		gk_replay_edit *grown = realloc(ed->v, (ed->n + 1) * sizeof *grown);
		if (!grown) {
			gk_buf_free(&b);
			return GK_ENOMEM;
		}
		ed->v = grown;
		gk_buf_append(&b, text + at, e->start - at);
		size_t new_start = b.len;
		put_call(&b, e);
		ed->v[ed->n++] = (gk_replay_edit){e->start, e->end, new_start, b.len};
		at = e->end;
	}
	if (ed->n == 0) {
		gk_buf_free(&b);
		return 0;
	}
	gk_buf_append(&b, text + at, len - at);
	if (b.failed) {
		gk_buf_free(&b);
		return GK_ENOMEM;
	}
	*out_len = b.len;
	*out = gk_buf_take(&b);
	return *out ? 0 : GK_ENOMEM;
}

int gk_replay_rewrite_extensions(const char *text, size_t len, char *const *allowed, size_t n_allowed,
				 char **out, size_t *out_len, gk_replay_edits *ed)
{
	*out = NULL;
	*out_len = 0;
	ed->v = NULL;
	ed->n = 0;
	/* Most files never name an extension: no second parse for them. */
	if (n_allowed == 0 || !strcasestr(text, "extension"))
		return 0;
	gk_replay_split sp;
	int rc = gk_replay_split_sql(&sp, text, len);
	if (rc)
		return rc;
	if (sp.parsed && sp.n_exts > 0)
		rc = rewrite(text, len, &sp, allowed, n_allowed, out, out_len, ed);
	gk_replay_split_free(&sp);
	if (rc) {
		free(ed->v);
		ed->v = NULL;
		ed->n = 0;
	}
	return rc;
}

long gk_replay_edits_map(const gk_replay_edits *ed, long off)
{
	if (off < 0)
		return off;
	long shift = 0;
	for (size_t i = 0; i < ed->n; i++) {
		const gk_replay_edit *e = &ed->v[i];
		if ((size_t)off < e->new_start)
			break;
		if ((size_t)off < e->new_end)
			return (long)e->orig_start;
		shift = (long)e->new_end - (long)e->orig_end;
	}
	return off - shift;
}
