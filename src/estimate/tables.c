/*
 * tables.c - production sizes: the statistics snapshot's tables
 * (schemas/stats/v1.json) or the "TABLE=N" test hook.
 */
#include "estimate/estimate.h"
#include "catalog/stats.h"
#include "util/util.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

void gk_estimate_tables_free(gk_estimate_tables *ts)
{
	for (size_t i = 0; ts && i < ts->n; i++) {
		free(ts->t[i].schema);
		free(ts->t[i].name);
	}
	if (ts) {
		free(ts->t);
		ts->t = NULL;
		ts->n = 0;
	}
}

static int add(gk_estimate_tables *ts, const char *schema, size_t schema_len, const char *name, size_t name_len,
	       double rows, double heap, double total, gk_error *err)
{
	gk_estimate_table *t = realloc(ts->t, (ts->n + 1) * sizeof *t);
	if (!t)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	ts->t = t;
	t += ts->n;
	*t = (gk_estimate_table){.schema = gk_strndup(schema, schema_len), .name = gk_strndup(name, name_len),
				 .rows = rows, .heap_bytes = heap, .total_bytes = total};
	if (!t->schema || !t->name) {
		free(t->schema);
		free(t->name);
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	ts->n++;
	return 0;
}

int gk_estimate_tables_from_stats(gk_estimate_tables *ts, const gk_stats *s, gk_error *err)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < gk_stats_count(s); i++) {
		const gk_stats_table *t = gk_stats_table_at(s, i);
		long long rows = gk_stats_rows(t);
		if (rows > 0)
			rc = add(ts, t->schema, strlen(t->schema), t->name, strlen(t->name), (double)rows,
				 (double)t->heap_bytes, (double)t->total_bytes, err);
	}
	return rc;
}

int gk_estimate_tables_add_rows(gk_estimate_tables *ts, const char *spec, gk_error *err)
{
	const char *eq = strrchr(spec, '=');
	if (!eq || eq == spec || !eq[1])
		return gk_error_set(err, GK_ECONFIG, "--rows '%s': expected TABLE=ROWS, e.g. public.orders=41M", spec);
	char *end = NULL;
	errno = 0;
	double n = strtod(eq + 1, &end);
	double mult = 1;
	if (end && *end && !end[1])
		mult = *end == 'k' ? 1e3 : *end == 'M' ? 1e6 : *end == 'G' ? 1e9 : 0;
	else if (end && *end)
		mult = 0;
	if (errno || end == eq + 1 || mult == 0 || !(n >= 0) || n * mult > 1e15)
		return gk_error_set(err, GK_ECONFIG, "--rows '%s': '%s' is not a row count (a number, k, M or G after it)",
				    spec, eq + 1);
	const char *dot = memchr(spec, '.', (size_t)(eq - spec));
	if (dot)
		return add(ts, spec, (size_t)(dot - spec), dot + 1, (size_t)(eq - dot - 1), n * mult, -1, -1, err);
	return add(ts, "public", 6, spec, (size_t)(eq - spec), n * mult, -1, -1, err);
}

static double number(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : -1;
}

int gk_estimate_tables_load(gk_estimate_tables *ts, const char *path, gk_error *err)
{
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je);
	if (!root) {
		if (je.line < 1)
			return gk_error_set(err, GK_EIO, "%s: %s", path, je.text);
		return gk_error_set(err, GK_ECONFIG, "%s:%d:%d: %s", path, je.line, je.column, je.text);
	}
	json_t *fmt = json_object_get(root, "format"), *tables = json_object_get(root, "tables");
	int rc = 0;
	if (!json_is_string(fmt) || strncmp(json_string_value(fmt), "gatekeeper-stats/", 17) || !json_is_array(tables))
		rc = gk_error_set(err, GK_ECONFIG, "%s: not a statistics snapshot of `gatekeeper stats` "
					       "(format gatekeeper-stats/1 with a tables array)", path);
	size_t i;
	json_t *t;
	json_array_foreach(tables, i, t) {
		if (rc < 0)
			break;
		json_t *s = json_object_get(t, "schema"), *n = json_object_get(t, "name");
		if (!json_is_string(s) || !json_is_string(n)) {
			rc = gk_error_set(err, GK_ECONFIG, "%s: table %zu has no schema and name", path, i + 1);
			break;
		}
		rc = add(ts, json_string_value(s), json_string_length(s), json_string_value(n), json_string_length(n),
			 number(t, "reltuples"), number(t, "heap_bytes"), number(t, "total_bytes"), err);
	}
	json_decref(root);
	return rc;
}

const gk_estimate_table *gk_estimate_tables_find(const gk_estimate_tables *ts, const char *schema,
						 const char *name)
{
	const char *sch = schema && *schema ? schema : "public";
	for (size_t i = 0; ts && i < ts->n; i++)
		if (!strcmp(ts->t[i].schema, sch) && !strcmp(ts->t[i].name, name))
			return &ts->t[i];
	return NULL;
}
