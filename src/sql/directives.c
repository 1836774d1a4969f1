/*
 * directives.c - `-- gatekeeper:ignore RULE[,RULE] reason: ...` comments.
 *
 * Comments are found with libpg_query's scanner, so a directive inside a
 * string literal or a function body is never mistaken for one.  The scan
 * only runs when the text mentions "gatekeeper:" at all.
 */
#include "sql.h"
#include "../util/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && isspace((unsigned char)*p))
		p++;
	return p;
}

static void trim_end(const char *start, const char **end)
{
	while (*end > start && isspace((unsigned char)(*end)[-1]))
		(*end)--;
}

static int add_rule(gk_directive *d, const char *a, const char *b)
{
	char **r = realloc(d->rules, (d->n_rules + 1) * sizeof *r);
	if (!r)
		return -1;
	d->rules = r;
	if (!(d->rules[d->n_rules] = gk_strndup(a, (size_t)(b - a))))
		return -1;
	d->n_rules++;
	return 0;
}

/* Parse the body after "gatekeeper:"; 1 = parsed, 0 = not a directive, -1 = OOM. */
static int parse_body(gk_directive *d, const char *p, const char *end)
{
	size_t kw;
	if ((size_t)(end - p) >= 11 && strncmp(p, "ignore-file", 11) == 0) {
		d->file_wide = true;
		kw = 11;
	} else if ((size_t)(end - p) >= 6 && strncmp(p, "ignore", 6) == 0) {
		kw = 6;
	} else {
		return 0;
	}
	p += kw;
	if (p < end && !isspace((unsigned char)*p))
		return 0;
	const char *reason = NULL;
	for (const char *q = p; q + 7 <= end; q++)
		if (strncmp(q, "reason:", 7) == 0) {
			reason = q;
			break;
		}
	const char *list_end = reason ? reason : end;
	while (p < list_end) {
		p = skip_space(p, list_end);
		const char *a = p;
		while (p < list_end && *p != ',' && !isspace((unsigned char)*p))
			p++;
		if (p > a && add_rule(d, a, p) < 0)
			return -1;
		p = skip_space(p, list_end);
		if (p < list_end && *p == ',')
			p++;
	}
	if (reason) {
		const char *r = skip_space(reason + 7, end), *re = end;
		trim_end(r, &re);
		if (re > r && !(d->reason = gk_strndup(r, (size_t)(re - r))))
			return -1;
	}
	d->used = calloc(d->n_rules ? d->n_rules : 1, sizeof *d->used);
	return d->used ? 1 : -1;
}

/* Statements in file order that do not overlap: then the searches below
 * can bisect instead of scanning (a file may hold thousands of directives). */
static bool in_order(const gk_sql *sql)
{
	for (size_t i = 0; i < sql->n_stmts; i++)
		if (sql->stmts[i].start > sql->stmts[i].end ||
		    (i + 1 < sql->n_stmts && sql->stmts[i].end > sql->stmts[i + 1].start))
			return false;
	return true;
}

/* How many statements, from the first, have `field` (start or end) below
 * `limit` (or at most `limit` when `or_equal`); all of them when the
 * statements are not in order, so that callers fall back to scanning. */
static size_t count_before(const gk_sql *sql, bool ordered, bool by_end, size_t limit, bool or_equal)
{
	if (!ordered)
		return sql->n_stmts;
	size_t lo = 0, hi = sql->n_stmts;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2, v = by_end ? sql->stmts[mid].end : sql->stmts[mid].start;
		if (v < limit || (or_equal && v == limit))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int statement_for(const gk_source *src, const gk_sql *sql, bool ordered, size_t cstart, size_t cend)
{
	int cline, ccol, sline, scol;
	gk_source_pos(src, cstart, &cline, &ccol);
	/* Inside a statement that spans several lines: in order, only the last
	 * statement starting before the comment can hold it. */
	size_t n = count_before(sql, ordered, false, cstart, false);
	for (size_t i = ordered && n ? n - 1 : 0; i < n; i++)
		if (sql->stmts[i].start < cstart && cend <= sql->stmts[i].end)
			return (int)i;
	/* Trailing: the last statement that ends before the comment on its line. */
	for (size_t i = count_before(sql, ordered, true, cstart, true); i-- > 0;) {
		if (sql->stmts[i].end > cstart)
			continue;
		gk_source_pos(src, sql->stmts[i].end ? sql->stmts[i].end - 1 : 0, &sline, &scol);
		if (sline == cline)
			return (int)i;
		break;
	}
	/* Leading: the next statement, with only blanks and comments between. */
	for (size_t i = ordered ? count_before(sql, ordered, false, cend, false) : 0; i < sql->n_stmts; i++) {
		if (sql->stmts[i].start < cend)
			continue;
		if (gk_sql_skip_blanks(src->text, cend, sql->stmts[i].start) == sql->stmts[i].start)
			return (int)i;
		break;
	}
	return -1;
}

static int add_comment(gk_directives *out, const gk_source *src, const gk_sql *sql, bool ordered, size_t a, size_t b)
{
	const char *t = src->text;
	const char *p = t + a, *end = t + b;
	if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
		p += 2;
	} else if (end - p >= 4 && p[0] == '/' && p[1] == '*') {
		p += 2;
		end -= 2;
	}
	trim_end(p, &end);
	p = skip_space(p, end);
	if ((size_t)(end - p) < 11 || strncmp(p, "gatekeeper:", 11) != 0)
		return 0;
	gk_directive d = {.start = a, .end = b, .stmt = -1};
	int rc = parse_body(&d, p + 11, end);
	if (rc < 0)
		goto fail;
	if (rc == 0) {
		free(d.rules);
		if (gk_grow(&out->malformed, &out->cap_malformed, out->n_malformed + 1, sizeof d) < 0)
			return -1;
		out->malformed[out->n_malformed++] = (gk_directive){.start = a, .end = b, .stmt = -1};
		return 0;
	}
	if (!d.file_wide)
		d.stmt = statement_for(src, sql, ordered, a, b);
	if (gk_grow(&out->items, &out->cap, out->n + 1, sizeof d) < 0)
		goto fail;
	out->items[out->n++] = d;
	return 0;
fail:
	for (size_t i = 0; i < d.n_rules; i++)
		free(d.rules[i]);
	free(d.rules);
	free(d.used);
	free(d.reason);
	return -1;
}

int gk_directives_find(gk_directives *out, const gk_source *src, const gk_sql *sql)
{
	memset(out, 0, sizeof *out);
	const char *body = src->text + src->bom;
	if (!strstr(body, "gatekeeper:"))
		return 0;
	PgQueryScanResult sr = pg_query_scan(body);
	if (sr.error) {
		/* The file has an unterminated literal or comment; the parser
		 * reports that, and no directive can be trusted. */
		pg_query_free_scan_result(sr);
		return 0;
	}
	PgQuery__ScanResult *scan = pg_query__scan_result__unpack(NULL, sr.pbuf.len, (void *)sr.pbuf.data);
	pg_query_free_scan_result(sr);
	if (!scan)
		return -1;
	int rc = 0;
	bool ordered = in_order(sql);
	for (size_t i = 0; i < scan->n_tokens && rc == 0; i++) {
		PgQuery__ScanToken *tk = scan->tokens[i];
		if (tk->token == PG_QUERY__TOKEN__SQL_COMMENT || tk->token == PG_QUERY__TOKEN__C_COMMENT)
			rc = add_comment(out, src, sql, ordered, src->bom + (size_t)tk->start, src->bom + (size_t)tk->end);
	}
	pg_query__scan_result__free_unpacked(scan, NULL);
	return rc;
}

void gk_directives_free(gk_directives *d)
{
	for (size_t i = 0; i < d->n; i++) {
		for (size_t k = 0; k < d->items[i].n_rules; k++)
			free(d->items[i].rules[k]);
		free(d->items[i].rules);
		free(d->items[i].used);
		free(d->items[i].reason);
	}
	free(d->items);
	free(d->malformed);
	memset(d, 0, sizeof *d);
}
