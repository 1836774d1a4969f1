/*
 * runner.c - the runner model of one file: which tool sends it, how, and
 * why.  See src/layout/runner.h for the models; each case below says what
 * it was read from.
 */
#include "layout/runner.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gk_runner_settings_init(gk_runner_settings *s, enum gk_layout_kind tool)
{
	memset(s, 0, sizeof *s);
	s->tool = tool;
}

const char *gk_runner_model_text(enum gk_runner r)
{
	switch (r) {
	case GK_RUNNER_WHOLE: return "the file sent as one query (several statements: one implicit transaction)";
	case GK_RUNNER_SPLIT: return "statements sent one by one";
	case GK_RUNNER_PER_FILE: return "the file run in one transaction (BEGIN; file; COMMIT)";
	default: return "decided per file";
	}
}

/* One numeric part of a version at *p, advancing past it and its '.'. */
static long version_part(const char **p)
{
	long v = 0;
	while (isdigit((unsigned char)**p) && v < 1000000)
		v = v * 10 + (*(*p)++ - '0');
	if (**p == '.')
		(*p)++;
	return v;
}

int gk_runner_version_cmp(const char *a, const char *b)
{
	for (int i = 0; i < 3; i++) {
		long x = version_part(&a), y = version_part(&b);
		if (x != y)
			return x < y ? -1 : 1;
	}
	/* "7.4.0-dev.3" comes before "7.4.0". */
	bool pa = *a == '-', pb = *b == '-';
	return pa == pb ? 0 : pa ? -1 : 1;
}

static void set(char *dst, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(dst, size, fmt, ap);
	va_end(ap);
}

static const char *base_name(const char *path)
{
	const char *b = path ? strrchr(path, '/') : NULL;
	return b ? b + 1 : path ? path : "";
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n > t && strcmp(s + n - t, tail) == 0;
}

/*
 * Prisma: SPLIT from 7.4.0 (deploy) and 7.8.0 (shadow), WHOLE before; a
 * split falls back to WHOLE when the splitter cannot parse a statement.
 */
static enum gk_runner prisma_model(const gk_prisma_version *v, const char *first, const gk_runner_sql *sql)
{
	if (v->version[0] && gk_runner_version_cmp(v->version, first) < 0)
		return GK_RUNNER_WHOLE;
	return sql->prisma_unsplittable >= 0 ? GK_RUNNER_WHOLE : GK_RUNNER_SPLIT;
}

/*
 * Prisma 6 with `engine: "js"` (prisma.config.ts; Prisma 7 has no such
 * setting) migrates through the driver adapter's executeScript, which
 * splits the script on every ';' and runs each trimmed piece with its own
 * query (@prisma/adapter-pg 6.19, "FIXME: there's no guarantee that the
 * semicolon is between statements"), deploy and shadow alike.
 */
static bool prisma_js_engine(gk_runner_choice *c, const gk_runner_settings *s)
{
	const gk_prisma_version *v = &s->prisma;
	if (!s->prisma_js_engine || (v->version[0] && gk_runner_version_cmp(v->version, GK_PRISMA_NO_JS_ENGINE) >= 0))
		return false;
	c->deploy = c->shadow = GK_RUNNER_SPLIT;
	c->splitter = GK_SPLITTER_EVERY_SEMICOLON;
	snprintf(c->version, sizeof c->version, "%s", v->version);
	snprintf(c->source, sizeof c->source, "%s", s->prisma_js_source);
	set(c->reason, sizeof c->reason, "prisma %s with engine \"js\" (%s): the driver adapter cuts the file at "
	    "every ';' and sends each piece on its own", v->version[0] ? v->version : "6", s->prisma_js_source);
	return true;
}

static void choose_prisma(gk_runner_choice *c, const gk_runner_settings *s, const gk_runner_sql *sql)
{
	const gk_prisma_version *v = &s->prisma;
	if (prisma_js_engine(c, s))
		return;
	c->deploy = prisma_model(v, GK_PRISMA_SPLIT_DEPLOY, sql);
	c->shadow = prisma_model(v, GK_PRISMA_SPLIT_SHADOW, sql);
	snprintf(c->version, sizeof c->version, "%s", v->version);
	if (!v->version[0]) {
		snprintf(c->source, sizeof c->source, "%s", "default");
		set(c->reason, sizeof c->reason, "Prisma version not found; assuming current Prisma (>= 7.4): %s",
		    gk_runner_model_text(c->deploy));
	} else {
		snprintf(c->source, sizeof c->source, "%s", v->source);
		set(c->reason, sizeof c->reason, "prisma %s (%s): %s", v->version, v->source,
		    gk_runner_model_text(c->deploy));
	}
	bool split_version = !v->version[0] || gk_runner_version_cmp(v->version, GK_PRISMA_SPLIT_DEPLOY) >= 0;
	if (split_version && sql->prisma_unsplittable >= 0) {
		size_t n = strlen(c->reason);
		set(c->reason + n, sizeof c->reason - n, ", because statement %d (%s) is one Prisma's SQL splitter "
		    "cannot parse", sql->prisma_unsplittable + 1, sql->unsplittable_what);
	}
}

/*
 * Flyway splits every file itself and runs the statements in one
 * transaction, unless its parser marks them non-transactional (scan.c).
 * Flyway's DbMigrate: all statements non-transactional -> no transaction;
 * both kinds -> "Detected both transactional and non-transactional
 * statements within the same migration" unless mixed is allowed, in which
 * case the migration runs without a transaction.
 */
static void choose_flyway(gk_runner_choice *c, const gk_runner_settings *s, bool no_tx, const gk_runner_sql *sql)
{
	bool mixed = sql->n_no_tx > 0 && sql->n_no_tx < sql->n_stmts;
	snprintf(c->source, sizeof c->source, "%s", "flyway");
	if (no_tx) {
		c->deploy = GK_RUNNER_SPLIT;
		snprintf(c->source, sizeof c->source, "%s", "script .conf");
		set(c->reason, sizeof c->reason, "flyway (executeInTransaction=false in the script's .conf): %s",
		    gk_runner_model_text(c->deploy));
	} else if (sql->n_stmts > 0 && sql->n_no_tx == sql->n_stmts) {
		c->deploy = GK_RUNNER_SPLIT;
		set(c->reason, sizeof c->reason, "flyway: every statement is one Flyway runs outside a transaction: %s",
		    gk_runner_model_text(c->deploy));
	} else if (mixed && s->flyway_mixed) {
		c->deploy = GK_RUNNER_SPLIT;
		snprintf(c->source, sizeof c->source, "%s", s->flyway_mixed_source[0] ? s->flyway_mixed_source : "mixed");
		set(c->reason, sizeof c->reason, "flyway (mixed = true, %s): transactional and non-transactional "
		    "statements mixed, so no transaction: %s", c->source, gk_runner_model_text(c->deploy));
	} else if (mixed) {
		/* Flyway refuses the file.  The model stays the one Flyway would use
		 * with mixed = true, so that a replay can go on past it; the
		 * refusal itself is the finding flyway-mixed-transaction. */
		c->deploy = GK_RUNNER_SPLIT;
		c->refused = true;
		set(c->reason, sizeof c->reason, "flyway: statement %d runs outside a transaction and statement %d "
		    "inside one, and mixed is not true: Flyway refuses the migration (modelled as with mixed = true: %s)",
		    sql->first_no_tx + 1, sql->first_tx + 1, gk_runner_model_text(GK_RUNNER_SPLIT));
	} else {
		c->deploy = GK_RUNNER_PER_FILE;
		set(c->reason, sizeof c->reason, "flyway: %s", gk_runner_model_text(c->deploy));
	}
}

/*
 * golang-migrate's postgres driver (database/postgres/postgres.go, Run):
 * without x-multi-statement the whole file is one ExecContext; with it
 * multistmt.Parse cuts after every ';' (bytes.Index of the delimiter: a ';'
 * in a string, a comment or a dollar-quoted body cuts too) and runs each
 * piece with its own ExecContext, skipping pieces of white space only.
 * Every release up to 4.19.1 and the main branch of 2026-07 do so; the
 * dollar-aware multistmt.PGParse exists only in an unmerged pull request
 * (golang-migrate#1018).
 */
static void choose_golang(gk_runner_choice *c, const gk_runner_settings *s)
{
	c->deploy = s->golang_multi_statement ? GK_RUNNER_SPLIT : GK_RUNNER_WHOLE;
	c->splitter = s->golang_multi_statement ? GK_SPLITTER_MULTISTMT : GK_SPLITTER_SQL;
	snprintf(c->source, sizeof c->source, "%s", s->golang_multi_statement ? "golang_migrate_multi_statement" : "golang-migrate");
	if (s->golang_multi_statement)
		set(c->reason, sizeof c->reason, "golang-migrate (x-multi-statement): the file cut at every ';', each "
		    "piece sent on its own");
	else
		set(c->reason, sizeof c->reason, "golang-migrate: %s", gk_runner_model_text(c->deploy));
}

/*
 * dbmate (pkg/dbmate/db.go, Migrate): a section with transaction:false is
 * `execMigration(sqlDB)`, i.e. sqlDB.Exec(up.Contents) with no arguments:
 * lib/pq sends it as one simple query.  diesel (diesel_migrations,
 * SqlFileMigration::run) without run_in_transaction calls
 * conn.batch_execute(sql), PQexec of the whole file.  Either way several
 * statements are one implicit transaction: WHOLE, not statement by statement.
 */
static void choose_wrapping(gk_runner_choice *c, enum gk_layout_kind tool, bool no_tx)
{
	c->deploy = no_tx ? GK_RUNNER_WHOLE : GK_RUNNER_PER_FILE;
	const char *why = tool == GK_LAYOUT_DBMATE ? "transaction:false" : "run_in_transaction = false";
	snprintf(c->source, sizeof c->source, "%s", no_tx ? why : gk_layout_kind_name(tool));
	if (no_tx)
		set(c->reason, sizeof c->reason, "%s (%s): %s", gk_layout_kind_name(tool), why,
		    gk_runner_model_text(c->deploy));
	else
		set(c->reason, sizeof c->reason, "%s: %s", gk_layout_kind_name(tool), gk_runner_model_text(c->deploy));
}

void gk_runner_choose(gk_runner_choice *out, const gk_runner_settings *s, enum gk_runner forced, bool no_transaction,
		      const char *path, const gk_runner_sql *sql)
{
	static const gk_runner_settings none = {0};
	static const gk_runner_sql empty = {.first_no_tx = -1, .first_tx = -1, .prisma_unsplittable = -1,
					    .cut_every = {.stmt = -1}};
	memset(out, 0, sizeof *out);
	s = s ? s : &none;
	sql = sql ? sql : &empty;
	out->sql = *sql;
	enum gk_layout_kind tool = s->tool;
	const char *base = base_name(path);
	/* A folder linted without a layout: the file name names the tool. */
	if (tool == GK_LAYOUT_AUTO || tool == GK_LAYOUT_PLAIN) {
		if (strcmp(base, "migration.sql") == 0)
			tool = GK_LAYOUT_PRISMA;
		else if (ends_with(base, ".up.sql"))
			tool = GK_LAYOUT_GOLANG_MIGRATE;
	}
	if (tool != GK_LAYOUT_AUTO && tool != GK_LAYOUT_PLAIN)
		snprintf(out->tool, sizeof out->tool, "%s", gk_layout_kind_name(tool));
	switch (tool) {
	case GK_LAYOUT_PRISMA: choose_prisma(out, s, sql); break;
	case GK_LAYOUT_FLYWAY: choose_flyway(out, s, no_transaction, sql); break;
	case GK_LAYOUT_GOLANG_MIGRATE: choose_golang(out, s); break;
	case GK_LAYOUT_DBMATE:
	case GK_LAYOUT_DIESEL: choose_wrapping(out, tool, no_transaction); break;
	default:
		out->deploy = GK_RUNNER_PER_FILE;
		snprintf(out->source, sizeof out->source, "%s", "default");
		set(out->reason, sizeof out->reason, "no migration tool known: %s", gk_runner_model_text(out->deploy));
		break;
	}
	if (tool != GK_LAYOUT_PRISMA)
		out->shadow = out->deploy;
	if (forced != GK_RUNNER_AUTO) {
		out->deploy = out->shadow = forced;
		out->refused = false;
		out->splitter = GK_SPLITTER_SQL;
		snprintf(out->source, sizeof out->source, "%s", "runner setting");
		set(out->reason, sizeof out->reason, "runner %s set by --runner or runner:: %s", gk_runner_name(forced),
		    gk_runner_model_text(forced));
	}
}

void gk_runner_choose_text(gk_runner_choice *out, const gk_runner_settings *s, enum gk_runner forced,
			   bool no_transaction, const char *path, const char *text, size_t len)
{
	gk_runner_choose_parsed(out, s, forced, no_transaction, path, text, len, NULL);
}

void gk_runner_choose_parsed(gk_runner_choice *out, const gk_runner_settings *s, enum gk_runner forced,
			     bool no_transaction, const char *path, const char *text, size_t len,
			     const struct gk_sql *parsed)
{
	gk_runner_sql sql;
	gk_runner_scan_parsed(&sql, text, len, s ? s->pg_version : 0, parsed);
	gk_runner_choose(out, s, forced, no_transaction, path, &sql);
}

const gk_runner_cut *gk_runner_wrong_cut(const gk_runner_choice *c)
{
	bool naive = c->splitter == GK_SPLITTER_EVERY_SEMICOLON || c->splitter == GK_SPLITTER_MULTISTMT;
	return c->deploy == GK_RUNNER_SPLIT && naive && c->sql.cut_every.stmt >= 0 ? &c->sql.cut_every : NULL;
}

const char *gk_runner_splitter_name(enum gk_splitter sp)
{
	switch (sp) {
	case GK_SPLITTER_EVERY_SEMICOLON: return "every-semicolon";
	case GK_SPLITTER_MULTISTMT: return "multistmt";
	default: return "sql";
	}
}
