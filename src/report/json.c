/*
 * json.c - the JSON renderer.  Keys keep a fixed order, positions are
 * 1-based (null when a finding has no position), and the document follows
 * schemas/report/v1.json.  Minor versions only add keys.
 */
#include "gatekeeper/render.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

#define SCHEMA_VERSION "1.0"

static json_t *str_or_null(const char *s) { return s ? json_string(s) : json_null(); }
static json_t *pos_or_null(int v) { return v > 0 ? json_integer(v) : json_null(); }

/* jansson refuses invalid UTF-8; findings are built from valid text, but
 * never lose a finding over it. */
static json_t *text(const char *s)
{
	json_t *j = str_or_null(s);
	return j ? j : json_string("(text not valid UTF-8)");
}

static json_t *finding(const gk_finding *f)
{
	json_t *o = json_object();
	json_object_set_new(o, "rule_id", json_string(f->rule_id));
	json_object_set_new(o, "category", json_string(gk_category_name(f->category)));
	json_object_set_new(o, "severity", json_string(gk_severity_name(f->severity)));
	json_object_set_new(o, "blocking", json_boolean(f->blocking));
	json_object_set_new(o, "message", text(f->message));
	json_object_set_new(o, "help", text(f->help));
	json_object_set_new(o, "path", text(f->path));
	json_object_set_new(o, "line", pos_or_null(f->line));
	json_object_set_new(o, "column", pos_or_null(f->column));
	json_object_set_new(o, "end_line", pos_or_null(f->end_line));
	json_object_set_new(o, "end_column", pos_or_null(f->end_column));
	json_object_set_new(o, "statement_index", pos_or_null(f->statement_index));
	json_object_set_new(o, "sql", text(f->sql));
	return o;
}

static json_t *migration(const gk_migration *m)
{
	json_t *o = json_object();
	json_object_set_new(o, "path", text(m->path));
	json_object_set_new(o, "statements", json_integer(m->statements));
	json_object_set_new(o, "status", json_string(m->status == GK_MIGRATION_FAIL ? "fail" : "pass"));
	json_object_set_new(o, "runner", json_string(gk_runner_name(m->runner)));
	json_object_set_new(o, "findings", json_integer((json_int_t)m->findings));
	json_object_set_new(o, "blocking", json_integer((json_int_t)m->blocking));
	return o;
}

static json_t *summary(const gk_report *r)
{
	json_t *o = json_object(), *by = json_object();
	json_object_set_new(o, "verdict", json_string(r->verdict));
	json_object_set_new(o, "exit_code", json_integer(r->exit_code));
	json_object_set_new(o, "files", json_integer((json_int_t)r->n_migrations));
	json_object_set_new(o, "findings", json_integer((json_int_t)r->n_findings));
	json_object_set_new(o, "blocking", json_integer((json_int_t)r->n_blocking));
	json_object_set_new(by, "error", json_integer((json_int_t)r->by_severity[GK_SEV_ERROR]));
	json_object_set_new(by, "warning", json_integer((json_int_t)r->by_severity[GK_SEV_WARNING]));
	json_object_set_new(by, "info", json_integer((json_int_t)r->by_severity[GK_SEV_INFO]));
	json_object_set_new(o, "by_severity", by);
	return o;
}

static json_t *document(const gk_report *r)
{
	json_t *doc = json_object(), *tool = json_object(), *run = json_object(), *cfg = json_object();
	json_t *migs = json_array(), *finds = json_array(), *errs = json_array();
	json_object_set_new(doc, "schema_version", json_string(SCHEMA_VERSION));
	json_object_set_new(tool, "name", json_string("gatekeeper"));
	json_object_set_new(tool, "version", json_string(GK_VERSION));
	json_object_set_new(doc, "tool", tool);
	json_object_set_new(run, "command", json_string(r->command));
	json_object_set_new(run, "duration_ms", json_integer((json_int_t)llround(r->duration_s * 1000.0)));
	json_object_set_new(doc, "run", run);
	json_object_set_new(cfg, "fail_level", json_string(r->fail_level == GK_SEV_OFF ? "never" : gk_severity_name(r->fail_level)));
	json_object_set_new(cfg, "pg_version", json_integer(r->pg_version));
	json_object_set_new(doc, "config", cfg);
	json_object_set_new(doc, "summary", summary(r));
	for (size_t i = 0; i < r->n_migrations; i++)
		json_array_append_new(migs, migration(&r->migrations[i]));
	json_object_set_new(doc, "migrations", migs);
	for (size_t i = 0; i < r->n_findings; i++)
		json_array_append_new(finds, finding(&r->findings[i]));
	json_object_set_new(doc, "findings", finds);
	for (size_t i = 0; i < r->n_errors; i++) {
		json_t *e = json_object();
		json_object_set_new(e, "kind", json_string(gk_error_kind_name(r->errors[i].kind)));
		json_object_set_new(e, "message", text(r->errors[i].message));
		json_object_set_new(e, "path", text(r->errors[i].path));
		json_array_append_new(errs, e);
	}
	json_object_set_new(doc, "errors", errs);
	return doc;
}

int gk_render_json(const gk_report *r, FILE *out, const gk_render_options *o, gk_error *err)
{
	(void)o;
	json_t *doc = document(r);
	if (!doc)
		return gk_error_set(err, GK_ENOMEM, "out of memory building the JSON report");
	int rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (rc != 0 || fputc('\n', out) == EOF)
		return gk_error_set(err, GK_EIO, "cannot write the JSON report");
	return 0;
}
