/*
 * expected.c - the schema a target should have, built on the shadow from
 * the migrations its history records as applied (see plan/plan.h).
 *
 * Why exactly the applied set: a migration still pending is not drift, and
 * one that failed or was rolled back left nothing the history vouches for.
 * Both sides are read by the same catalog code from servers of the same
 * major version (the server renders every definition, and renderings change
 * between majors), so that equal schemas give equal snapshots.
 *
 * With the template cache, the expected schema of an applied set is kept as
 * a template named by the chain hash of its migrations: the scheduled drift
 * job and every gate until the next deploy clone it instead of replaying.
 */
#include "plan/plan.h"
#include "replay/replay_report.h"
#include "util/dburl.h"
#include "rules/rules.h"
#include "util/files.h"
#include "lint/lint.h"
#include "layout/runner.h"
#include "util/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* 2: templates hold objects of the replay role, not of the superuser. */
#define SEED_TAG "gatekeeper expected schema 2"

bool gk_drift_is_applied(enum gk_applied_status s)
{
	return s == GK_APPLIED_APPLIED || s == GK_APPLIED_EDITED;
}

bool gk_drift_is_pending(enum gk_applied_status s)
{
	return s == GK_APPLIED_PENDING || s == GK_APPLIED_DIVERGED || s == GK_APPLIED_ROLLED_BACK;
}

/* ---- the plan ------------------------------------------------------------- */

void gk_drift_plan_free(gk_drift_plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->texts[i]);
	free(p->texts);
	free(p->m);
	free(p->tm);
	free(p->hash);
	free(p->search_path);
	memset(p, 0, sizeof *p);
}

void gk_drift_plan_set_timeout(gk_drift_plan *p, double secs)
{
	for (size_t i = 0; i < p->n; i++)
		p->m[i].timeout_s = secs > 0 ? secs : GK_REPLAY_TIMEOUT_DEFAULT_S;
}

/* Add an entry; takes `text` in every case. */
static int add(gk_drift_plan *p, const char *path, char *text, size_t len, enum gk_runner runner,
	       const gk_target_migration *tm)
{
	size_t cap_t = p->cap, cap_tm = p->cap;
	if (!text || gk_grow(&p->m, &p->cap, p->n + 1, sizeof *p->m) < 0 ||
	    gk_grow(&p->texts, &cap_t, p->n + 1, sizeof *p->texts) < 0 ||
	    gk_grow(&p->tm, &cap_tm, p->n + 1, sizeof *p->tm) < 0) {
		free(text);
		return GK_ENOMEM;
	}
	p->texts[p->n] = text;
	p->tm[p->n] = tm;
	p->m[p->n++] = (gk_replay_migration){path, text, len, runner, false, GK_REPLAY_TIMEOUT_DEFAULT_S, NULL, GK_SPLITTER_SQL};
	return 0;
}

/* The migration's SQL as its tool sends it: dbmate's up section, what
 * precedes it blanked so that positions stay those of the file. */
static int read_migration(char **out, size_t *len, const char *path, const gk_layout_migration *m, gk_error *err)
{
	if (gk_read_file(out, len, path, 64u << 20) < 0)
		return gk_error_set(err, GK_ECONFIG, "%s: cannot be read: %s", path, strerror(errno));
	if (m->up_end != GK_LAYOUT_END && m->up_end < *len)
		(*out)[*len = m->up_end] = '\0';
	for (size_t i = 0; i < m->up_start && i < *len; i++)
		if ((*out)[i] != '\n' && (*out)[i] != '\r')
			(*out)[i] = ' ';
	return 0;
}

/* The layout migration of the folders whose joined path is `path`. */
static const gk_layout_migration *find_file(gk_layout *const *layouts, const char *const *dirs, size_t n_dirs,
					    const char *path)
{
	for (size_t d = 0; d < n_dirs; d++) {
		size_t dl = strlen(dirs[d]);
		if (strncmp(path, dirs[d], dl) != 0 || path[dl] != '/')
			continue;
		for (size_t i = 0; i < layouts[d]->n_migrations; i++)
			if (!strcmp(layouts[d]->migrations[i].path, path + dl + 1))
				return &layouts[d]->migrations[i];
	}
	return NULL;
}

/* The folders of one plan: their layouts and runner settings. */
typedef struct folders {
	const char *const *dirs;
	size_t n;
	gk_layout **layouts;
	gk_runner_settings *settings;
	const gk_lint_options *lint;  /* --prisma-version, runner: and the like */
} folders;

/*
 * The model the runner sends the file with, from its statements, as the
 * lint and the check decide it (a Flyway file of CONCURRENTLY alone runs
 * outside a transaction; a Prisma file with a DO block is one query).
 */
static enum gk_runner file_runner(const folders *f, size_t d, enum gk_layout_kind kind, const gk_layout_migration *lm,
				  const char *path, const char *text, size_t len, enum gk_splitter *splitter)
{
	gk_lint_input in = {.path = path, .tool = kind, .settings = &f->settings[d], .no_transaction = lm->no_transaction};
	gk_runner_choice c;
	gk_lint_runner(&c, f->lint, &in, text, len, NULL);
	*splitter = c.splitter;
	return c.deploy;
}

static int add_migration(gk_drift_plan *p, const folders *f, enum gk_layout_kind kind, const gk_target_migration *tm,
			 gk_error *err)
{
	const gk_layout_migration *lm = NULL;
	size_t d = 0;
	for (; d < f->n && !lm; d++)
		lm = find_file(f->layouts + d, f->dirs + d, 1, tm->path);
	if (!lm)
		return gk_error_set(err, GK_ECONFIG, "%s: on the target's history, but not found in the folder's layout",
				    tm->path);
	char *text = NULL;
	size_t len = 0;
	int rc = read_migration(&text, &len, tm->path, lm, err);
	enum gk_splitter splitter = GK_SPLITTER_SQL;
	enum gk_runner runner = rc == 0 ? file_runner(f, d - 1, kind, lm, tm->path, text, len, &splitter) : tm->runner;
	if (rc == 0 && add(p, tm->path, text, len, runner, tm) < 0)
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	if (rc == 0)
		p->m[p->n - 1].splitter = splitter;
	return rc;
}

/* The migrations of `st` that pass `which`, in the tool's order. */
static int add_migrations(gk_drift_plan *p, const gk_target_state *st, const char *const *dirs, size_t n_dirs,
			  const gk_lint_options *lint, bool (*which)(enum gk_applied_status), gk_error *err)
{
	folders f = {dirs, n_dirs, calloc(n_dirs + 1, sizeof *f.layouts), calloc(n_dirs + 1, sizeof *f.settings), lint};
	int rc = f.layouts && f.settings ? 0 : gk_error_set(err, GK_ENOMEM, "out of memory");
	for (size_t d = 0; rc == 0 && d < n_dirs; d++) {
		rc = gk_layout_read_dir(&f.layouts[d], st->kind, dirs[d], err);
		char *root = rc == 0 ? gk_files_root(dirs[d]) : NULL;
		if (rc == 0)
			gk_runner_settings_find_dir(&f.settings[d], st->kind, dirs[d], root);
		free(root);
	}
	for (size_t i = 0; rc == 0 && i < st->n_migrations; i++) {
		const gk_target_migration *tm = &st->migrations[i];
		if (which(tm->status))
			rc = add_migration(p, &f, st->kind, tm, err);
	}
	for (size_t d = 0; f.layouts && d < n_dirs; d++)
		gk_layout_free(f.layouts[d]);
	free(f.layouts);
	free(f.settings);
	return rc;
}

/* "name" as SQL quotes an identifier (malloc'ed). */
static char *quote_ident(const char *name)
{
	gk_buf b = GK_BUF_INIT;
	gk_buf_putc(&b, '"');
	for (const char *c = name; *c; c++) {
		if (*c == '"')
			gk_buf_putc(&b, '"');
		gk_buf_putc(&b, *c);
	}
	gk_buf_putc(&b, '"');
	return gk_buf_take(&b);
}

/* Prisma's ?schema=: `prisma migrate deploy` creates the schema and runs
 * the migrations with it as search_path.  The prelude is part of the
 * cache's chain seed, so each schema gets its own templates. */
static int add_prisma_schema(gk_drift_plan *p, const char *schema, gk_error *err)
{
	char *q = quote_ident(schema);
	char *sql = q ? gk_asprintf("CREATE SCHEMA IF NOT EXISTS %s;\n", q) : NULL;
	p->search_path = q;
	if (!sql || add(p, "(prisma schema)", sql, strlen(sql), GK_RUNNER_SPLIT, NULL) < 0)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	return 0;
}

/* What the tool makes before its first migration, then the user's init file. */
static int add_preludes(gk_drift_plan *p, enum gk_layout_kind kind, const char *prisma_schema, const char *shadow_init,
			gk_error *err)
{
	if (kind == GK_LAYOUT_PRISMA && prisma_schema && *prisma_schema && add_prisma_schema(p, prisma_schema, err) < 0)
		return GK_ENOMEM;
	const char *history = gk_layout_history_table_sql(kind);
	if (history && add(p, "(history table)", gk_strdup(history), strlen(history), GK_RUNNER_SPLIT, NULL) < 0)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	if (!shadow_init)
		return 0;
	char *text;
	size_t len;
	if (gk_read_file(&text, &len, shadow_init, 64u << 20) < 0)
		return gk_error_set(err, GK_ECONFIG, "shadow init file %s: cannot be read: %s", shadow_init,
				    strerror(errno));
	p->has_init = true;
	return add(p, shadow_init, text, len, GK_RUNNER_SPLIT, NULL) < 0 ? gk_error_set(err, GK_ENOMEM, "out of memory")
									 : 0;
}

int gk_drift_plan_build(gk_drift_plan *p, const gk_target_state *st, const char *const *dirs, size_t n_dirs,
			const gk_lint_options *lint, const char *shadow_init, const char *prisma_schema, bool pending,
			gk_error *err)
{
	memset(p, 0, sizeof *p);
	int rc = add_preludes(p, st->kind, prisma_schema, shadow_init, err);
	p->n_pre = p->n;
	if (rc == 0)
		rc = add_migrations(p, st, dirs, n_dirs, lint, gk_drift_is_applied, err);
	p->n_expected = p->n;
	if (rc == 0 && pending)
		rc = add_migrations(p, st, dirs, n_dirs, lint, gk_drift_is_pending, err);
	for (size_t i = p->n_expected; i < p->n; i++)
		p->m[i].trace = true;
	return rc;
}

/* ---- the expected database ------------------------------------------------ */

/* Chain hashes of the expected migrations (hash[i] after entry n_pre + i),
 * seeded with the preludes' bytes. */
static int chain(gk_drift_plan *p, gk_error *err)
{
	gk_buf seed = GK_BUF_INIT;
	gk_buf_puts(&seed, SEED_TAG);
	for (size_t i = 0; i < p->n_pre; i++)
		gk_buf_printf(&seed, "%c%s", 0, p->texts[i]);
	size_t seed_len = seed.len;
	char *seed_text = gk_buf_take(&seed);
	p->hash = calloc(p->n_expected - p->n_pre + 1, sizeof *p->hash);
	if (!seed_text || !p->hash) {
		free(seed_text);
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	int rc = gk_replay_chain(p->hash, seed_text, seed_len, p->m + p->n_pre, p->n_expected - p->n_pre, err);
	free(seed_text);
	return rc;
}

/* The longest cached prefix of the expected migrations: *tpl names its
 * template (NULL: none) and *from the first entry still to replay. */
static int find_template(gk_shadow *s, gk_drift_plan *p, size_t *from, char **tpl, gk_error *err)
{
	*tpl = NULL;
	*from = 0;
	size_t n = p->n_expected - p->n_pre;
	if (!gk_shadow_cached(s) || n == 0)
		return 0;
	const char **h = NULL;
	int rc = chain(p, err);
	if (rc == 0 && !(h = calloc(n, sizeof *h)))
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	for (size_t i = 0; rc == 0 && i < n; i++)
		h[i] = p->hash[i];
	size_t k = 0;
	if (rc == 0)
		rc = gk_shadow_template_find(&k, tpl, s, h, n, err);
	if (rc == 0 && *tpl)
		*from = p->n_pre + k;
	free(h);
	return rc;
}

/* Keep the expected schema for the next run (the last link names it). */
static void store(gk_shadow *s, const gk_drift_plan *p, const char *dbname, const gk_log *log)
{
	gk_error keep = {0};
	if (gk_shadow_template_store(s, dbname, p->hash[p->n_expected - p->n_pre - 1], &keep) < 0)
		gk_log_printf(log, "replay cache: could not keep the expected schema: %s", keep.msg);
}

void gk_drift_expected_free(gk_drift_expected *e, const gk_drift_plan *p)
{
	free(e->conninfo);
	free(e->dbname);
	if (e->res)
		gk_replay_results_free(e->res, p->n);
	free(e->res);
	memset(e, 0, sizeof *e);
}

/* `conninfo` (key=value) with options='-c search_path=X' added: in
 * `options` a space or backslash of X needs a backslash, and in the
 * quoted conninfo value a quote or backslash needs one more. */
static char *with_search_path(char *conninfo, const char *search_path)
{
	gk_buf opt = GK_BUF_INIT, b = GK_BUF_INIT;
	gk_buf_puts(&opt, "-c search_path=");
	for (const char *c = search_path; *c; c++) {
		if (*c == ' ' || *c == '\\')
			gk_buf_putc(&opt, '\\');
		gk_buf_putc(&opt, *c);
	}
	char *o = gk_buf_take(&opt);
	gk_buf_puts(&b, conninfo);
	gk_buf_puts(&b, " options='");
	for (const char *c = o ? o : ""; *c; c++) {
		if (*c == '\'' || *c == '\\')
			gk_buf_putc(&b, '\\');
		gk_buf_putc(&b, *c);
	}
	gk_buf_putc(&b, '\'');
	free(conninfo);
	char *out = o ? gk_buf_take(&b) : NULL;
	gk_buf_free(&b);
	free(o);
	return out;
}

static int new_database(gk_drift_expected *e, gk_shadow *s, const gk_drift_plan *p, const char *tpl, gk_error *err)
{
	int rc = 0;
	if (tpl) {
		rc = gk_shadow_new_database(&e->conninfo, &e->dbname, s, tpl, err);
	} else {
		e->conninfo = gk_strdup(gk_shadow_conninfo(s));
		e->dbname = gk_strdup(gk_shadow_dbname(s));
		if (!e->conninfo || !e->dbname)
			rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	if (rc == 0 && p->search_path) { /* every session on it: the replay's and the snapshot's (which sets its own) */
		e->conninfo = with_search_path(e->conninfo, p->search_path);
		if (!e->conninfo)
			rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	return rc;
}

int gk_drift_expected_copy(char **conninfo, gk_shadow *s, const gk_drift_plan *p, const gk_drift_expected *e,
			   gk_error *err)
{
	*conninfo = NULL;
	int rc = gk_shadow_new_database(conninfo, NULL, s, e->dbname, err);
	if (rc == 0 && p->search_path && !(*conninfo = with_search_path(*conninfo, p->search_path)))
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	return rc;
}

int gk_drift_expected_build(gk_drift_expected *e, gk_shadow *s, gk_drift_plan *p, const gk_log *log, gk_error *err)
{
	memset(e, 0, sizeof *e);
	double t0 = gk_now();
	e->res = calloc(p->n + 1, sizeof *e->res);
	if (!e->res)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	for (size_t i = 0; i < p->n; i++) {
		e->res[i].status = GK_REPLAY_SKIPPED;
		e->res[i].error_offset = -1;
	}
	char *tpl = NULL;
	size_t from = 0;
	int rc = find_template(s, p, &from, &tpl, err);
	if (rc == 0)
		rc = new_database(e, s, p, tpl, err);
	free(tpl);
	for (size_t i = 0; i < from; i++)
		e->res[i].status = GK_REPLAY_OK;
	e->reused = from > p->n_pre ? from - p->n_pre : 0;
	/* The init file runs as the shadow's superuser, migrations as its role. */
	char *init_ci = rc == 0 && p->has_init ? gk_shadow_superuser_conninfo(s, e->dbname) : NULL;
	if (init_ci)
		p->m[p->n_pre - 1].conninfo = init_ci;
	if (rc == 0 && from < p->n_expected)
		rc = gk_replay_run(e->res + from, e->conninfo, p->m + from, p->n_expected - from, err);
	if (init_ci)
		p->m[p->n_pre - 1].conninfo = NULL;
	free(init_ci);
	e->bad = p->n_expected;
	for (size_t i = 0; rc == 0 && i < p->n_expected && e->bad == p->n_expected; i++)
		if (e->res[i].status != GK_REPLAY_OK)
			e->bad = i;
	if (rc == 0 && e->bad == p->n_expected && p->hash && from < p->n_expected)
		store(s, p, e->dbname, log);
	e->duration_ms = (gk_now() - t0) * 1000.0;
	return rc;
}

int gk_drift_report_unbuilt(gk_report *r, const gk_lint_options *o, const gk_drift_plan *p,
			    const gk_drift_expected *e)
{
	if (e->bad >= p->n_expected)
		return 0;
	gk_replay_reporter rr = {.r = r, .o = o,
				 .consequence = "the expected schema could not be built, so drift was not checked"};
	const char *what = p->tm[e->bad] ? "this applied migration" : "the shadow init file";
	const char *path = p->m[e->bad].path;
	/* Our own preludes, "(history table)" and "(prisma schema)", are not the user's file. */
	if (!p->tm[e->bad] && (!strcmp(path, "(history table)") || !strcmp(path, "(prisma schema)")))
		return gk_report_add_error(r, GK_ERRKIND_INTERNAL, NULL, "replay: the tool's %s does not apply: %s",
					   path[1] == 'h' ? "history table" : "schema from ?schema=",
					   e->res[e->bad].message ? e->res[e->bad].message : "unknown error") < 0 ? GK_ENOMEM : 0;
	return gk_replay_report_failure(&rr, &p->m[e->bad], &e->res[e->bad], what);
}

/* ---- comparing ------------------------------------------------------------ */

static enum gk_rule_id rule_of(enum gk_catalog_change_kind k)
{
	return k == GK_CATALOG_MISSING ? GK_RULE_ID_drift_missing
	       : k == GK_CATALOG_UNEXPECTED ? GK_RULE_ID_drift_unexpected : GK_RULE_ID_drift_changed;
}

/* ---- edited migrations ------------------------------------------------------ */

/* The name an edited migration would use for an object: the table of a
 * column, constraint, trigger or policy (public.users.email: users), the
 * object's own name otherwise (public.users_email_idx, public.f(integer):
 * f), without quotes.  Written into `buf`. */
static void object_name(char *buf, size_t size, const char *kind, const char *identity)
{
	const char *part[8];
	size_t len[8], n = 0;
	for (const char *p = identity; *p && n < 8;) {
		const char *start = p;
		bool quoted = *p == '"';
		if (quoted) {
			for (p++; *p && !(*p == '"' && p[1] != '"'); p += *p == '"' ? 2 : 1)
				;
			part[n] = start + 1;
			len[n++] = (size_t)(p - start - 1);
			if (*p)
				p++;
		} else {
			p += strcspn(p, ".(");
			part[n] = start;
			len[n++] = (size_t)(p - start);
		}
		if (*p != '.')
			break;
		p++;
	}
	bool child = !strcmp(kind, "column") || !strcmp(kind, "constraint") || !strcmp(kind, "trigger") ||
		     !strcmp(kind, "policy");
	size_t k = n >= 2 && child ? n - 2 : n ? n - 1 : 0;
	snprintf(buf, size, "%.*s", n ? (int)len[k] : 0, n ? part[k] : "");
}

static bool word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' ||
	       (unsigned char)c >= 0x80;
}

/* Does `sql` name `name` as a whole word (case-insensitively, as an
 * unquoted identifier folds)? */
static bool names(const char *sql, size_t len, const char *name)
{
	size_t n = strlen(name);
	if (n == 0)
		return false;
	for (size_t i = 0; i + n <= len; i++)
		if (strncasecmp(sql + i, name, n) == 0 && (i == 0 || !word_char(sql[i - 1])) &&
		    (i + n == len || !word_char(sql[i + n])))
			return true;
	return false;
}

/* The edited migrations of the plan that name the change's object,
 * appended to `b` ("a, b"); how many. */
static size_t edited_touching(gk_buf *b, const gk_drift_plan *p, const gk_catalog_change *c)
{
	char name[256];
	object_name(name, sizeof name, c->object_kind, c->object);
	size_t n = 0;
	for (size_t i = p ? p->n_pre : 0; p && i < p->n_expected; i++)
		if (p->tm[i] && p->tm[i]->status == GK_APPLIED_EDITED && names(p->m[i].sql, p->m[i].len, name)) {
			gk_buf_printf(b, "%s%s", n ? ", " : "", p->m[i].path);
			n++;
		}
	return n;
}

/* The finding's message, with a word on the edited migrations that touch
 * its object: the expected schema replays them as the files are now,
 * which the target never saw, so the difference may be the edit. */
static char *message_of(const gk_drift_plan *p, const gk_catalog_change *c)
{
	gk_buf b = GK_BUF_INIT;
	gk_buf_puts(&b, c->message);
	gk_buf e = GK_BUF_INIT;
	size_t n = edited_touching(&e, p, c);
	char *list = gk_buf_take(&e);
	if (n && list)
		gk_buf_printf(&b, " (%s, which touch%s this object, %s edited after %s applied: the migrations' side "
			      "replays the file%s as %s now, so this may be the edit rather than a change on the target)",
			      list, n == 1 ? "es" : "", n == 1 ? "was" : "were", n == 1 ? "it was" : "they were",
			      n == 1 ? "" : "s", n == 1 ? "it is" : "they are");
	free(list);
	gk_buf_free(&e);
	return gk_buf_take(&b);
}

/* One note per edited migration the expected side replayed, before the
 * comparison's own notes. */
static int note_edited(gk_report *r, const gk_drift_plan *p)
{
	for (size_t i = p ? p->n_pre : 0; p && i < p->n_expected; i++) {
		if (!p->tm[i] || p->tm[i]->status != GK_APPLIED_EDITED)
			continue;
		char *note = gk_asprintf("%s was edited after it was applied (its checksum differs from the history "
					 "table's): the expected schema replays the file as it is now, which the target "
					 "never saw; drift findings on the objects it touches say so",
					 p->m[i].path);
		int rc = note ? gk_report_add_note(r, note) : GK_ENOMEM;
		free(note);
		if (rc)
			return rc;
	}
	return 0;
}

static int report_diff(gk_report *r, const gk_lint_options *o, const gk_catalog_diff_result *d,
		       const gk_drift_plan *p)
{
	int rc = note_edited(r, p);
	for (size_t i = 0; rc == 0 && i < d->n_changes; i++) {
		const gk_catalog_change *c = &d->changes[i];
		char *msg = message_of(p, c);
		if (!msg)
			return GK_ENOMEM;
		gk_finding f = {.message = msg, .object_kind = c->object_kind, .object = c->object,
				.attribute = c->attribute, .expected = c->expected, .actual = c->actual};
		rc = gk_rule_add_finding(r, o, rule_of(c->kind), &f);
		free(msg);
	}
	for (size_t i = 0; rc == 0 && i < d->n_uncompared; i++) {
		char *note = gk_asprintf("%s: not compared: %s", d->uncompared[i].kind, d->uncompared[i].reason);
		rc = note ? gk_report_add_note(r, note) : GK_ENOMEM;
		free(note);
	}
	return rc;
}

/* What the comparison covered, on the report. */
static int record_scope(gk_report *r, const char *libpq_url, const gk_catalog_diff_options *dopt,
			const gk_drift_scope *sc, const gk_catalog_diff_result *d)
{
	size_t applied = 0;
	for (size_t i = sc->plan ? sc->plan->n_pre : 0; sc->plan && i < sc->plan->n_expected; i++)
		applied += sc->plan->tm[i] != NULL;
	char *shown = gk_shadow_redact(libpq_url);
	int rc = shown ? gk_report_set_drift_scope(r, shown, sc->snapshot, applied, dopt->schemas, dopt->n_schemas,
						   sc->schemas_from, dopt->ignore, dopt->n_ignore)
		       : GK_ENOMEM;
	free(shown);
	for (size_t i = 0; rc == 0 && i < d->n_counts; i++)
		rc = gk_report_add_drift_kind(r, d->counts[i].kind, d->counts[i].compared, d->counts[i].ignored);
	return rc;
}

int gk_drift_compare(gk_report *r, const gk_lint_options *o, const gk_catalog *expected, const char *target_url,
		     const gk_catalog_options *co, const gk_catalog_diff_options *dopt, const gk_drift_scope *sc,
		     gk_error *err)
{
	gk_catalog *actual = NULL;
	gk_dburl u;
	int rc = gk_dburl_parse(&u, "the target database URL", target_url, err);
	if (rc == 0)
		rc = gk_catalog_read(&actual, u.libpq, co, err);
	if (rc < 0) {
		gk_dburl_free(&u);
		return rc;
	}
	gk_catalog_diff_result *d = NULL;
	rc = gk_catalog_diff(&d, expected, actual, dopt, err);
	if (rc == 0 && (record_scope(r, u.libpq, dopt, sc, d) < 0 || report_diff(r, o, d, sc->plan) < 0))
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	gk_dburl_free(&u);
	gk_catalog_diff_free(d);
	gk_catalog_free(actual);
	return rc;
}

int gk_drift_infra(gk_report *r, int rc, const gk_error *err)
{
	if (rc != GK_EINFRA)
		return rc;
	return gk_report_add_error(r, GK_ERRKIND_DB_CONNECT, NULL, "%s", err->msg) < 0 ? GK_ENOMEM : 0;
}
