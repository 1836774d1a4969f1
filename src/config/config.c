/*
 * config.c - load and check gatekeeper.yml (see gatekeeper/config.h).
 *
 * libyaml's document API builds the node tree; this file only walks it.
 * Every problem names the file, the 1-based line and column of the node
 * at fault (libyaml marks are 0-based) and the values that are allowed,
 * because a configuration mistake that is ignored would silently weaken
 * the gate.  Loading goes on after a problem, so that one run reports
 * every problem of the file (one per node), not one per run.
 */
#include "config/config.h"
#include "gatekeeper/rules.h"
#include "layout/layout.h"
#include "util/util.h"

#include <assert.h>
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

/* A configuration file is a few lines; this only stops a wrong --config
 * (a dump, a binary) from being read whole. */
#define CONFIG_MAX_SIZE ((size_t)1 << 20)

/*
 * Far deeper than any configuration (rules: -> RULE -> severity is three
 * levels) and far below what makes libyaml slow: its scanner looks through
 * one possible key per open flow collection at every token, so 200 KB of
 * `[[[[...` took it tens of seconds to load.
 */
#define CONFIG_MAX_DEPTH 32

#define KEYS_ALLOWED \
	"pg_version, runner, paths, exclude, fail_level, rules, layout, migration_name, replay, shadow_init, " \
	"replay_timeout, shadow_extensions, prisma_version, lock_timeout_advice, lock_timeout, deploy_role, " \
	"flyway_mixed, golang_migrate_multi_statement, prefer_bigint_int_reference, lock_budget, stats, stats_max_age, " \
	"size_thresholds"

/* The problems found so far, each "PATH:LINE:COLUMN: problem". */
typedef struct problems {
	char **msg;
	size_t n, cap;
	size_t line, column;  /* the mark of the last one */
} problems;

typedef struct loader {
	problems *problems;
	const char *path;     /* for messages */
	char *dir;            /* the file's folder with a trailing '/', or "" */
	char *root;           /* where its paths must stay (absolute, resolved); see within_root() */
	yaml_document_t *doc;
	gk_config *c;
	gk_error *err;
} loader;

static int oom(const loader *l) { return gk_error_set(l->err, GK_ENOMEM, "%s: out of memory", l->path); }

/*
 * Record the problem "PATH:LINE:COLUMN: message" at libyaml mark `m` (the
 * first one also goes to l->err) and return GK_ECONFIG; the caller goes on
 * with the next setting.  A second problem at the same place (a value
 * with a NUL byte that is also not a valid value) is one problem.
 */
__attribute__((format(printf, 3, 4)))
static int fail_at(const loader *l, yaml_mark_t m, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	problems *p = l->problems;
	if (p->n > 0 && p->line == m.line && p->column == m.column)
		return GK_ECONFIG;
	char *full = gk_asprintf("%s:%zu:%zu: %s", l->path, m.line + 1, m.column + 1, msg);
	if (!full || gk_grow(&p->msg, &p->cap, p->n + 1, sizeof *p->msg) < 0) {
		free(full);
		return oom(l);
	}
	p->msg[p->n++] = full;
	p->line = m.line;
	p->column = m.column;
	if (p->n == 1)
		gk_error_set(l->err, GK_ECONFIG, "%s", full);
	return GK_ECONFIG;
}

/* The worse of two results: out of memory stops loading, a problem does not. */
static int worse(int a, int b) { return a == GK_ENOMEM || b == GK_ENOMEM ? GK_ENOMEM : a < 0 ? a : b; }

static const char *text(const yaml_node_t *n) { return (const char *)n->data.scalar.value; }

/* YAML's null: an empty plain value, `~` or `null`. */
static bool is_null(const yaml_node_t *n)
{
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	const char *s = text(n);
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
}

/* What the user wrote, for "..., not X" messages. */
static const char *shown(const yaml_node_t *n)
{
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	return is_null(n) ? "empty" : NULL;
}

/* "not 'x'" or "not a list": the tail of every wrong-value message. */
static int wrong(const loader *l, const yaml_node_t *n, const char *what)
{
	const char *s = shown(n);
	if (s)
		return fail_at(l, n->start_mark, "%s, not %s", what, s);
	return fail_at(l, n->start_mark, "%s, not '%.200s'", what, text(n));
}

/* A scalar that libyaml read with an embedded NUL cannot be used as a C string. */
static int check_scalar(const loader *l, const yaml_node_t *n)
{
	if (strlen(text(n)) != n->data.scalar.length)
		return fail_at(l, n->start_mark, "value contains a NUL byte");
	return 0;
}

static int load_pg_version(loader *l, yaml_node_t *v)
{
	const char *what = "pg_version must be a PostgreSQL major version, an integer from 9 to 30";
	if (v->type != YAML_SCALAR_NODE || v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return wrong(l, v, what);
	const char *s = text(v);
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (errno || *s < '0' || *s > '9' || *end || n < 9 || n > 30)
		return wrong(l, v, what);
	l->c->pg_version = (int)n;
	return 0;
}

static int load_runner(loader *l, yaml_node_t *v)
{
	const char *what = "runner must be whole, split, per-file or auto";
	if (v->type != YAML_SCALAR_NODE || is_null(v) || gk_runner_parse(&l->c->runner, text(v)) < 0)
		return wrong(l, v, what);
	l->c->runner_set = true;
	return 0;
}

static int load_fail_level(loader *l, yaml_node_t *v)
{
	const char *what = "fail_level must be error, warning, info or never";
	enum gk_severity s;
	if (v->type != YAML_SCALAR_NODE || is_null(v))
		return wrong(l, v, what);
	if (!strcmp(text(v), "never"))
		s = GK_SEV_OFF;
	else if (gk_severity_parse(&s, text(v)) < 0 || s == GK_SEV_OFF)
		return wrong(l, v, what);
	l->c->fail_level = s;
	l->c->fail_level_set = true;
	return 0;
}

/*
 * Relative paths and globs in the file mean "from the file's folder", so the
 * same file works whatever folder gatekeeper is started from.  Globs that
 * begin with "**" match anywhere and are kept as they are.
 */
static char *resolve(const loader *l, const char *s, bool glob)
{
	if (s[0] == '/' || !l->dir[0] || (glob && !strncmp(s, "**", 2)))
		return strdup(s);
	return gk_asprintf("%s%s", l->dir, s);
}

/*
 * Paths in the file name files gatekeeper reads (migration folders, the
 * shadow's init script), and the file comes with the repository under
 * review: it must not send gatekeeper outside it.  The root is the work
 * tree holding the file (the nearest folder upward with a .git entry),
 * or the file's own folder outside a repository.
 */
static char *containment_root(const char *file_dir)
{
	char *d = realpath(*file_dir ? file_dir : ".", NULL);
	for (size_t n = d ? strlen(d) : 0; d;) {
		char *git = gk_asprintf("%s/.git", strcmp(d, "/") ? d : "");
		struct stat st;
		bool found = git && lstat(git, &st) == 0;
		free(git);
		if (found)
			return d;
		char *slash = strrchr(d, '/');
		if (!slash || n <= 1)
			break;
		d[slash == d ? 1 : (size_t)(slash - d)] = '\0';
		n = strlen(d);
	}
	free(d);
	return realpath(*file_dir ? file_dir : ".", NULL);
}

/* GK_ECONFIG at `n` when resolved path `p` (relative to the working folder, or absolute) leaves the root. */
static int within_root(const loader *l, yaml_node_t *n, const char *what, const char *p)
{
	if (!l->root)
		return 0; /* the file's folder cannot be resolved: nothing to compare with */
	char *real = gk_path_canonical(p);
	if (!real)
		return oom(l);
	size_t rn = strlen(l->root);
	bool in = strncmp(real, l->root, rn) == 0 && (real[rn] == '\0' || real[rn] == '/' || (rn == 1));
	free(real);
	if (in)
		return 0;
	return fail_at(l, n->start_mark, "%s '%.200s' leads outside %s; paths in the configuration must stay inside "
		       "the repository (or the file's folder outside one)", what, text(n), l->root);
}

/* Append one list entry, a non-empty string. */
static int add_item(loader *l, yaml_node_t *e, char ***out, size_t *n, bool glob)
{
	if (e->type != YAML_SCALAR_NODE || is_null(e) || !*text(e))
		return wrong(l, e, glob ? "each exclude entry must be a glob" : "each paths entry must be a file or folder");
	int rc = check_scalar(l, e);
	if (rc < 0)
		return rc;
	char *s = resolve(l, text(e), glob);
	if (!s)
		return oom(l);
	(*out)[(*n)++] = s;
	return glob ? 0 : within_root(l, e, "paths entry", s);
}

/* `key: x`, `key: [x, y]` or an empty value (an empty list). */
static int load_list(loader *l, yaml_node_t *v, char ***out, size_t *n, bool glob)
{
	if (is_null(v))
		return 0;
	if (v->type == YAML_MAPPING_NODE)
		return wrong(l, v, glob ? "exclude must be a glob or a list of globs" : "paths must be a path or a list of paths");
	size_t count = v->type == YAML_SEQUENCE_NODE ? (size_t)(v->data.sequence.items.top - v->data.sequence.items.start) : 1;
	size_t cap = 0;
	if (gk_grow(out, &cap, count, sizeof **out) < 0)
		return oom(l);
	if (v->type == YAML_SCALAR_NODE)
		return add_item(l, v, out, n, glob);
	int rc = 0;
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top && rc != GK_ENOMEM; it++)
		rc = worse(rc, add_item(l, yaml_document_get_node(l->doc, *it), out, n, glob));
	return rc;
}

static int load_paths(loader *l, yaml_node_t *v)
{
	return load_list(l, v, &l->c->paths, &l->c->n_paths, false);
}

static int load_exclude(loader *l, yaml_node_t *v)
{
	return load_list(l, v, &l->c->excludes, &l->c->n_excludes, true);
}

/* "unknown rule 'x'", with the closest id when it looks like a typo of one. */
static int unknown_rule(const loader *l, const yaml_node_t *k)
{
	gk_suggest s;
	gk_suggest_init(&s, text(k));
	for (size_t i = 0; i < gk_rules_count(); i++)
		gk_suggest_offer(&s, gk_rule_at(i)->id);
	return fail_at(l, k->start_mark, "unknown rule '%.200s'%s%s%s (see 'gatekeeper rules')", text(k),
		       s.best ? " (did you mean '" : "", s.best ? s.best : "", s.best ? "'?)" : "");
}

static int load_rule(loader *l, yaml_node_t *k, yaml_node_t *v)
{
	gk_config *c = l->c;
	if (k->type != YAML_SCALAR_NODE || is_null(k) || check_scalar(l, k) < 0)
		return wrong(l, k, "a rule id must be a plain name such as drop-table");
	for (size_t i = 0; i < c->n_rules; i++)
		if (!strcmp(c->rules[i].id, text(k)))
			return fail_at(l, k->start_mark, "duplicate rule '%.200s' (first set at line %d)", text(k),
				       c->rules[i].line);
	int rc = gk_rule_find(text(k)) ? 0 : unknown_rule(l, k);
	enum gk_severity sev;
	if (v->type != YAML_SCALAR_NODE || is_null(v) || gk_severity_parse(&sev, text(v)) < 0) {
		char what[300];
		snprintf(what, sizeof what, "rule '%.200s' must be set to off, info, warning or error", text(k));
		return worse(rc, wrong(l, v, what));
	}
	if (rc < 0)
		return rc;
	gk_config_rule *r = &c->rules[c->n_rules];
	if (!(r->id = strdup(text(k))))
		return oom(l);
	r->severity = sev;
	r->line = (int)k->start_mark.line + 1;
	r->column = (int)k->start_mark.column + 1;
	c->n_rules++;
	return 0;
}

static int load_rules(loader *l, yaml_node_t *v)
{
	if (is_null(v))
		return 0;
	if (v->type != YAML_MAPPING_NODE)
		return wrong(l, v, "rules must be a mapping of rule id to off, info, warning or error");
	size_t n = (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start), cap = 0;
	if (n && gk_grow(&l->c->rules, &cap, n, sizeof *l->c->rules) < 0)
		return oom(l);
	int rc = 0;
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top && rc != GK_ENOMEM; p++)
		rc = worse(rc, load_rule(l, yaml_document_get_node(l->doc, p->key), yaml_document_get_node(l->doc, p->value)));
	return rc;
}

static int load_layout(loader *l, yaml_node_t *v)
{
	const char *what = "layout must be auto, prisma, flyway, golang-migrate, dbmate, diesel or plain";
	if (v->type != YAML_SCALAR_NODE || is_null(v) || gk_layout_kind_parse(&l->c->layout, text(v)) < 0)
		return wrong(l, v, what);
	return 0;
}

/* Compiled here so that a bad pattern is reported at its line, not when `check` first needs it. */
static int load_migration_name(loader *l, yaml_node_t *v)
{
	if (v->type != YAML_SCALAR_NODE || is_null(v) || !*text(v))
		return wrong(l, v, "migration_name must be a POSIX extended regular expression");
	int rc = check_scalar(l, v);
	if (rc < 0)
		return rc;
	regex_t re;
	int c = regcomp(&re, text(v), REG_EXTENDED | REG_NOSUB);
	if (c != 0) {
		char why[200];
		regerror(c, &re, why, sizeof why);
		return fail_at(l, v->start_mark, "migration_name '%.200s' is not a valid POSIX extended regular expression: %s",
			       text(v), why);
	}
	regfree(&re);
	if (!(l->c->migration_name = strdup(text(v))))
		return oom(l);
	return 0;
}

static int load_replay(loader *l, yaml_node_t *v)
{
	const char *t = v->type == YAML_SCALAR_NODE && !is_null(v) ? text(v) : "";
	if (!strcmp(t, "true") || !strcmp(t, "false")) {
		l->c->replay = !strcmp(t, "true") ? 1 : 0;
		return 0;
	}
	return wrong(l, v, "replay must be true or false");
}

static int load_shadow_init(loader *l, yaml_node_t *v)
{
	if (v->type != YAML_SCALAR_NODE || is_null(v) || !*text(v))
		return wrong(l, v, "shadow_init must be the path of an SQL file");
	int rc = check_scalar(l, v);
	if (rc < 0)
		return rc;
	if (!(l->c->shadow_init = resolve(l, text(v), false)))
		return oom(l);
	return within_root(l, v, "shadow_init", l->c->shadow_init);
}

static int load_replay_timeout(loader *l, yaml_node_t *v)
{
	const char *t = v->type == YAML_SCALAR_NODE && !is_null(v) ? text(v) : "";
	double secs;
	if (gk_parse_duration(t, &secs) < 0 || secs <= 0)
		return wrong(l, v, "replay_timeout must be a duration such as 300, 90s or 5min (up to 24h)");
	l->c->replay_timeout_s = secs;
	return 0;
}

/* A released version as package managers pin it: 7, 7.10 or 7.10.1. */
static bool plain_version(const char *s)
{
	int parts = 0;
	for (const char *p = s;; p++) {
		size_t digits = strspn(p, "0123456789");
		if (digits == 0 || digits > 5)
			return false;
		parts++;
		p += digits;
		if (*p == '\0')
			return parts <= 3;
		if (*p != '.')
			return false;
	}
}

static int load_prisma_version(loader *l, yaml_node_t *v)
{
	const char *t = v->type == YAML_SCALAR_NODE && !is_null(v) ? text(v) : "";
	if (!plain_version(t) || strlen(t) >= sizeof ((gk_lint_options *)0)->prisma_version)
		return wrong(l, v, "prisma_version must be a released version such as 7.10.1");
	if (!(l->c->prisma_version = gk_strdup(t)))
		return oom(l);
	return 0;
}

static int load_lock_timeout_advice(loader *l, yaml_node_t *v)
{
	const char *t = v->type == YAML_SCALAR_NODE && !is_null(v) ? text(v) : "";
	double secs;
	/* Past a minute a lock_timeout no longer protects anything: the queue
	 * behind the waiting statement has stalled the application by then. */
	if (gk_parse_duration(t, &secs) < 0 || secs < 0.001 || secs > 60)
		return wrong(l, v, "lock_timeout_advice must be a duration from 1ms to 60s, such as 2s or 500ms");
	l->c->lock_timeout_advice_s = secs;
	return 0;
}

static int load_lock_timeout(loader *l, yaml_node_t *v)
{
	const char *t = v->type == YAML_SCALAR_NODE && !is_null(v) ? text(v) : "";
	if (strcmp(t, "external") == 0)
		l->c->lock_timeout_external = 1;
	else if (strcmp(t, "in-file") == 0)
		l->c->lock_timeout_external = 0;
	else
		return wrong(l, v, "lock_timeout must be external (set by the deploying role or URL) or in-file");
	return 0;
}

/* A role's name as the server stores it: 1 to 63 bytes (NAMEDATALEN - 1),
 * no control characters.  It reaches the server only as a query parameter. */
static int load_deploy_role(loader *l, yaml_node_t *v)
{
	const char *t = v->type == YAML_SCALAR_NODE && !is_null(v) ? text(v) : "";
	size_t n = strlen(t);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f)
			n = 0;
	if (n == 0 || n > 63)
		return wrong(l, v, "deploy_role must be a role's name (1 to 63 bytes, no control characters)");
	if (!(l->c->deploy_role = gk_strdup(t)))
		return oom(l);
	return 0;
}

/* ---- production statistics: stats, stats_max_age, size_thresholds ---- */

static int load_stats(loader *l, yaml_node_t *v)
{
	if (v->type != YAML_SCALAR_NODE || is_null(v) || !*text(v))
		return wrong(l, v, "stats must be the path of a statistics file (gatekeeper stats -o FILE)");
	int rc = check_scalar(l, v);
	if (rc < 0)
		return rc;
	if (!(l->c->stats = resolve(l, text(v), false)))
		return oom(l);
	return within_root(l, v, "stats", l->c->stats);
}

/* "7d", "36h", "90min", "600s", "600": a whole number and a unit. */
static bool parse_age(const char *t, double *secs)
{
	static const struct { const char *unit; double s; } units[] = {
		{"", 1}, {"s", 1}, {"min", 60}, {"h", 3600}, {"d", 86400},
	};
	char *end = NULL;
	long n = strtol(t, &end, 10);
	if (end == t || n <= 0 || n > 3650L * 86400 || *t == '+' || *t == ' ')
		return false;
	for (size_t i = 0; i < sizeof units / sizeof *units; i++)
		if (!strcmp(end, units[i].unit)) {
			*secs = (double)n * units[i].s;
			return *secs <= 3650.0 * 86400;
		}
	return false;
}

static int load_stats_max_age(loader *l, yaml_node_t *v)
{
	const char *t = v->type == YAML_SCALAR_NODE && !is_null(v) ? text(v) : "";
	double secs = 0;
	if (!parse_age(t, &secs))
		return wrong(l, v, "stats_max_age must be a duration such as 7d, 36h, 90min or 600s");
	l->c->stats_max_age_s = secs;
	return 0;
}

/* "1GB", "512 MB", "8kB", "1048576" (units as PostgreSQL's, powers of 1024). */
static bool parse_size(const char *t, long long *bytes)
{
	static const struct { const char *unit; long long m; } units[] = {
		{"", 1}, {"B", 1}, {"bytes", 1}, {"kB", 1LL << 10}, {"MB", 1LL << 20}, {"GB", 1LL << 30}, {"TB", 1LL << 40},
	};
	char *end = NULL;
	long long n = strtoll(t, &end, 10);
	if (end == t || n <= 0 || *t == '+' || *t == ' ')
		return false;
	if (*end == ' ')
		end++;
	for (size_t i = 0; i < sizeof units / sizeof *units; i++)
		if (!gk_strcasecmp(end, units[i].unit)) {
			if (n > (1LL << 62) / units[i].m)
				return false;
			*bytes = n * units[i].m;
			return true;
		}
	return false;
}

static int load_size_threshold(loader *l, yaml_node_t *k, yaml_node_t *v)
{
	gk_size_thresholds *t = &l->c->size_thresholds;
	static const char *const names[] = {"rewrite", "scan", "index_build", "lock", "info_below"};
	long long *slots[] = {&t->rewrite, &t->scan, &t->index_build, &t->lock, &t->info_below};
	const char *key = k->type == YAML_SCALAR_NODE ? text(k) : "";
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		if (strcmp(key, names[i]) != 0)
			continue;
		if (v->type != YAML_SCALAR_NODE || is_null(v) || !parse_size(text(v), slots[i]))
			return wrong(l, v, "a size threshold must be a size such as 1GB, 500MB or 64kB");
		return 0;
	}
	return fail_at(l, k->start_mark, "unknown size threshold '%.100s' (rewrite, scan, index_build, lock, info_below)",
		       key);
}

static int load_size_thresholds(loader *l, yaml_node_t *v)
{
	if (is_null(v))
		return 0;
	if (v->type != YAML_MAPPING_NODE)
		return wrong(l, v, "size_thresholds must be a mapping such as {rewrite: 1GB, info_below: 10MB}");
	int rc = 0;
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top && rc != GK_ENOMEM; p++)
		rc = worse(rc, load_size_threshold(l, yaml_document_get_node(l->doc, p->key),
						   yaml_document_get_node(l->doc, p->value)));
	return rc;
}

static int load_bool(loader *l, yaml_node_t *v, int *dst, const char *what)
{
	const char *t = v->type == YAML_SCALAR_NODE && !is_null(v) ? text(v) : "";
	if (strcmp(t, "true") == 0)
		*dst = 1;
	else if (strcmp(t, "false") == 0)
		*dst = 0;
	else
		return wrong(l, v, what);
	return 0;
}

/* Flyway's `mixed` when no flyway.conf / flyway.toml says it (or to override one). */
static int load_flyway_mixed(loader *l, yaml_node_t *v)
{
	return load_bool(l, v, &l->c->flyway_mixed, "flyway_mixed must be true or false");
}

/* golang-migrate's x-multi-statement lives in the database URL, which the
 * repository does not hold: the project states it here. */
static int load_golang_multi(loader *l, yaml_node_t *v)
{
	return load_bool(l, v, &l->c->golang_multi_statement, "golang_migrate_multi_statement must be true or false");
}

/* prefer-bigint on a foreign key whose referenced key is an integer too. */
static int load_bigint_int_reference(loader *l, yaml_node_t *v)
{
	const char *t = v->type == YAML_SCALAR_NODE && !is_null(v) ? text(v) : "";
	if (!strcmp(t, "report"))
		l->c->bigint_int_reference = 0;
	else if (!strcmp(t, "quiet"))
		l->c->bigint_int_reference = 1;
	else
		return wrong(l, v, "prefer_bigint_int_reference must be report or quiet");
	return 0;
}

/* ---- lock_budget ---------------------------------------------------------
 * The longest a statement may hold each lock in production, as the
 * lock-window estimate predicts it: `access_exclusive: 5s`, `share: 60s`.
 * A mapping from a lock (PostgreSQL's name in snake case; only those that
 * block writes, or VALIDATE's, have windows worth a budget) to a duration.
 */
static const struct budget_key {
	const char *name, *lock;
	size_t offset;
} budget_keys[] = {
	{"access_exclusive", "ACCESS EXCLUSIVE", offsetof(gk_lock_budget, access_exclusive_ms)},
	{"exclusive", "EXCLUSIVE", offsetof(gk_lock_budget, exclusive_ms)},
	{"share_row_exclusive", "SHARE ROW EXCLUSIVE", offsetof(gk_lock_budget, share_row_exclusive_ms)},
	{"share", "SHARE", offsetof(gk_lock_budget, share_ms)},
	{"share_update_exclusive", "SHARE UPDATE EXCLUSIVE", offsetof(gk_lock_budget, share_update_exclusive_ms)},
};
#define N_BUDGET_KEYS (sizeof budget_keys / sizeof *budget_keys)
#define BUDGET_KEYS "access_exclusive, exclusive, share_row_exclusive, share, share_update_exclusive"

double gk_lock_budget_ms(const gk_lock_budget *b, const char *lock)
{
	for (size_t i = 0; b && lock && i < N_BUDGET_KEYS; i++)
		if (!strcmp(budget_keys[i].lock, lock))
			return *(const double *)((const char *)b + budget_keys[i].offset);
	return 0;
}

static int load_budget_entry(loader *l, yaml_node_t *k, yaml_node_t *v)
{
	size_t i = 0;
	if (k->type == YAML_SCALAR_NODE)
		while (i < N_BUDGET_KEYS && strcmp(budget_keys[i].name, text(k)))
			i++;
	if (k->type != YAML_SCALAR_NODE || i == N_BUDGET_KEYS)
		return wrong(l, k, "lock_budget keys are locks: " BUDGET_KEYS);
	const char *t = v->type == YAML_SCALAR_NODE && !is_null(v) ? text(v) : "";
	double secs;
	if (gk_parse_duration(t, &secs) < 0 || secs <= 0)
		return wrong(l, v, "a lock budget must be a duration such as 500ms, 5s or 2min (up to 24h)");
	*(double *)((char *)&l->c->lock_budget + budget_keys[i].offset) = secs * 1000.0;
	return 0;
}

static int load_lock_budget(loader *l, yaml_node_t *v)
{
	if (is_null(v))
		return 0;
	if (v->type != YAML_MAPPING_NODE)
		return wrong(l, v, "lock_budget must be a mapping of lock to duration, e.g. access_exclusive: 5s");
	int rc = 0;
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top && rc != GK_ENOMEM; p++)
		rc = worse(rc, load_budget_entry(l, yaml_document_get_node(l->doc, p->key),
						 yaml_document_get_node(l->doc, p->value)));
	return rc;
}

/* An extension's name as its control file is named: nothing to quote. */
static bool extension_name(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n < 64 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

/* `shadow_extensions: [a, b]`, one name, or an empty value (none at all). */
static int load_shadow_extensions(loader *l, yaml_node_t *v)
{
	const char *what = "shadow_extensions must be a list of extension names";
	if (v->type == YAML_MAPPING_NODE)
		return wrong(l, v, what);
	size_t count = v->type == YAML_SEQUENCE_NODE ? (size_t)(v->data.sequence.items.top - v->data.sequence.items.start)
		     : is_null(v) ? 0 : 1;
	char **names = calloc(count + 1, sizeof *names);
	if (!names)
		return oom(l);
	l->c->shadow_extensions = names;
	int rc = 0;
	for (size_t i = 0, j = 0; i < count; i++) {
		yaml_node_t *e = v->type == YAML_SEQUENCE_NODE
				 ? yaml_document_get_node(l->doc, v->data.sequence.items.start[i]) : v;
		if (e->type != YAML_SCALAR_NODE || is_null(e) || check_scalar(l, e) < 0 || !extension_name(text(e))) {
			rc = wrong(l, e, "each shadow_extensions entry must be an extension's name (letters, digits, '_' "
					 "and '-')");
			if (rc == GK_ENOMEM)
				return rc;
			continue;
		}
		if (!(names[j++] = strdup(text(e))))
			return oom(l);
	}
	return rc;
}

static const struct config_key {
	const char *name;
	int (*load)(loader *l, yaml_node_t *value);
} config_keys[] = {
	{"pg_version", load_pg_version},
	{"runner", load_runner},
	{"paths", load_paths},
	{"exclude", load_exclude},
	{"fail_level", load_fail_level},
	{"rules", load_rules},
	{"layout", load_layout},
	{"migration_name", load_migration_name},
	{"replay", load_replay},
	{"shadow_init", load_shadow_init},
	{"replay_timeout", load_replay_timeout},
	{"shadow_extensions", load_shadow_extensions},
	{"prisma_version", load_prisma_version},
	{"flyway_mixed", load_flyway_mixed},
	{"golang_migrate_multi_statement", load_golang_multi},
	{"prefer_bigint_int_reference", load_bigint_int_reference},
	{"lock_timeout_advice", load_lock_timeout_advice},
	{"lock_timeout", load_lock_timeout},
	{"deploy_role", load_deploy_role},
	{"lock_budget", load_lock_budget},
	{"stats", load_stats},
	{"stats_max_age", load_stats_max_age},
	{"size_thresholds", load_size_thresholds},
};
#define N_KEYS (sizeof config_keys / sizeof *config_keys)

/* "unknown key 'x'", with the closest key when it looks like a typo of one. */
static int unknown_key(const loader *l, const yaml_node_t *k)
{
	gk_suggest s;
	gk_suggest_init(&s, text(k));
	for (size_t i = 0; i < N_KEYS; i++)
		gk_suggest_offer(&s, config_keys[i].name);
	if (s.best)
		return fail_at(l, k->start_mark, "unknown key '%.200s' (did you mean '%s'?)", text(k), s.best);
	return fail_at(l, k->start_mark, "unknown key '%.200s' (allowed: " KEYS_ALLOWED ")", text(k));
}

static int load_top(loader *l, yaml_node_t *root)
{
	int seen[N_KEYS] = {0}; /* 1-based line of the first occurrence */
	if (!root || is_null(root))
		return 0; /* an empty file is an empty configuration */
	if (root->type != YAML_MAPPING_NODE) {
		const char *s = shown(root);
		return fail_at(l, root->start_mark, "the top level must be a mapping of settings (" KEYS_ALLOWED
			       "), not %s", s ? s : "a single value");
	}
	int rc = 0;
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top && rc != GK_ENOMEM; p++) {
		yaml_node_t *k = yaml_document_get_node(l->doc, p->key);
		size_t i = 0;
		if (k->type != YAML_SCALAR_NODE) {
			rc = worse(rc, fail_at(l, k->start_mark, "a key must be a name (" KEYS_ALLOWED "), not %s", shown(k)));
			continue;
		}
		while (i < N_KEYS && strcmp(config_keys[i].name, text(k)) != 0)
			i++;
		if (i == N_KEYS) {
			rc = worse(rc, unknown_key(l, k));
			continue;
		}
		if (seen[i]) {
			rc = worse(rc, fail_at(l, k->start_mark, "duplicate key '%s' (first set at line %d)", text(k), seen[i]));
			continue;
		}
		seen[i] = (int)k->start_mark.line + 1;
		rc = worse(rc, config_keys[i].load(l, yaml_document_get_node(l->doc, p->value)));
	}
	return rc;
}

/* libyaml's reader reports a byte offset only (bad UTF-8, bad control bytes). */
static yaml_mark_t mark_of_offset(const char *s, size_t len, size_t off)
{
	yaml_mark_t m = {0};
	for (size_t i = 0; i < off && i < len; i++) {
		if (s[i] == '\n') {
			m.line++;
			m.column = 0;
		} else if (((unsigned char)s[i] & 0xC0) != 0x80) {
			m.column++;
		}
	}
	return m;
}

static int syntax_error(const loader *l, const yaml_parser_t *p, const char *s, size_t len)
{
	if (p->error == YAML_MEMORY_ERROR)
		return oom(l);
	if (p->error == YAML_READER_ERROR)
		return fail_at(l, mark_of_offset(s, len, p->problem_offset), "invalid YAML: %s",
			       p->problem ? p->problem : "unreadable input");
	return fail_at(l, p->problem_mark, "invalid YAML: %s%s%s", p->context ? p->context : "",
		       p->context ? ", " : "", p->problem ? p->problem : "syntax error");
}

/*
 * Refuse nesting deeper than CONFIG_MAX_DEPTH from libyaml's events, at the
 * first collection too deep, before a document is built (or the rest of
 * the file is read).  A syntax error stops the check: the loader reports it.
 */
static int check_depth(const loader *l, const char *s, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0, rc = 0;
	if (!yaml_parser_initialize(&parser))
		return oom(l);
	yaml_parser_set_input_string(&parser, (const unsigned char *)s, len);
	while (rc == 0 && yaml_parser_parse(&parser, &ev)) {
		yaml_event_type_t t = ev.type;
		if ((t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT) && ++depth > CONFIG_MAX_DEPTH)
			rc = fail_at(l, ev.start_mark, "invalid YAML: nested more than %d levels deep", CONFIG_MAX_DEPTH);
		else if (t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT)
			depth--;
		yaml_event_delete(&ev);
		if (t == YAML_STREAM_END_EVENT)
			break;
	}
	yaml_parser_delete(&parser);
	return rc;
}

/* Parse `s` as exactly one YAML document and load it into l->c. */
static int load_text(loader *l, const char *s, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t doc, next;
	int rc = check_depth(l, s, len);
	if (rc < 0)
		return rc;
	if (!yaml_parser_initialize(&parser))
		return oom(l);
	yaml_parser_set_input_string(&parser, (const unsigned char *)s, len);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = syntax_error(l, &parser, s, len);
		yaml_parser_delete(&parser);
		return rc;
	}
	l->doc = &doc;
	rc = load_top(l, yaml_document_get_root_node(&doc));
	if (rc == 0 && l->problems->n > 0)
		rc = GK_ECONFIG;
	if (rc == 0) {
		/* A second document would be ignored by a naive reader: refuse it. */
		if (!yaml_parser_load(&parser, &next)) {
			rc = syntax_error(l, &parser, s, len);
		} else {
			yaml_node_t *root = yaml_document_get_root_node(&next);
			if (root)
				rc = fail_at(l, next.start_mark, "only one YAML document is allowed in a configuration file");
			yaml_document_delete(&next);
		}
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}

static char *folder_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? gk_strndup(path, (size_t)(slash - path) + 1) : strdup("");
}

void gk_config_problems_free(char **problems, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(problems[i]);
	free(problems);
}

int gk_config_load(gk_config **out, const char *path, gk_error *err)
{
	return gk_config_load_all(out, path, NULL, NULL, err);
}

int gk_config_load_all(gk_config **out, const char *path, char ***all, size_t *n_all, gk_error *err)
{
	assert(out && path && (!all) == (!n_all));
	*out = NULL;
	if (all) {
		*all = NULL;
		*n_all = 0;
	}
	char *s = NULL;
	size_t len = 0;
	if (gk_read_file(&s, &len, path, CONFIG_MAX_SIZE) < 0) {
		if (errno == ENOMEM)
			return gk_error_set(err, GK_ENOMEM, "%s: out of memory", path);
		return gk_error_set(err, GK_EIO, "%s: cannot read the configuration file: %s", path,
				    errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
	}
	gk_config *c = calloc(1, sizeof *c);
	if (c) {
		c->replay = -1;
		c->lock_timeout_external = -1;
		c->flyway_mixed = -1;
		c->golang_multi_statement = -1;
		c->bigint_int_reference = -1;
	}
	problems p = {0};
	loader l = {.problems = &p, .path = path, .c = c, .err = err, .dir = folder_of(path)};
	l.root = l.dir ? containment_root(l.dir) : NULL;
	int rc = c && l.dir && (c->path = strdup(path)) ? load_text(&l, s, len) : oom(&l);
	free(s);
	free(l.dir);
	free(l.root);
	if (rc == GK_ECONFIG && all) {
		*all = p.msg;
		*n_all = p.n;
	} else {
		gk_config_problems_free(p.msg, p.n);
	}
	if (rc < 0) {
		gk_config_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

int gk_config_apply(const gk_config *c, gk_lint_options *o, gk_error *err)
{
	assert(c && o);
	if (c->pg_version)
		o->pg_version = c->pg_version;
	if (c->runner_set)
		o->runner = c->runner;
	if (c->prisma_version)
		snprintf(o->prisma_version, sizeof o->prisma_version, "%s", c->prisma_version);
	if (c->lock_timeout_advice_s > 0)
		o->lock_timeout_advice_ms = (int)(c->lock_timeout_advice_s * 1000 + 0.5);
	if (c->lock_timeout_external >= 0)
		o->lock_timeout_external = c->lock_timeout_external;
	if (c->flyway_mixed >= 0)
		o->flyway_mixed = c->flyway_mixed ? 1 : 0;
	if (c->golang_multi_statement >= 0)
		o->golang_multi_statement = c->golang_multi_statement == 1;
	if (c->bigint_int_reference >= 0)
		o->bigint_int_reference_quiet = c->bigint_int_reference == 1;
	for (size_t i = 0; i < c->n_rules; i++) {
		const gk_config_rule *r = &c->rules[i];
		if (gk_lint_options_set_severity(o, r->id, r->severity) < 0)
			return gk_error_set(err, GK_ECONFIG, "%s:%d:%d: unknown rule '%.200s' (see 'gatekeeper rules')",
					    c->path, r->line, r->column, r->id);
	}
	return 0;
}

/* Whether `dir` is its own parent: the filesystem root. */
static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	if (stat(a, &sa) != 0 || stat(b, &sb) != 0)
		return -1;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Look in one folder; 1 = found (*out set), 0 = not here, <0 = error. */
static int look_in(char **out, const char *dir)
{
	static const char *const names[] = {GK_CONFIG_NAME, GK_CONFIG_NAME_ALT};
	for (size_t i = 0; i < 2; i++) {
		char *p = *dir ? gk_asprintf("%s/%s", dir, names[i]) : strdup(names[i]);
		if (!p)
			return GK_ENOMEM;
		if (is_file(p)) {
			*out = p;
			return 1;
		}
		free(p);
	}
	return 0;
}

int gk_config_find(char **out, const char *start_dir)
{
	assert(out && start_dir);
	*out = NULL;
	struct stat st;
	if (stat(start_dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return GK_EIO;
	/* `dir` is start_dir followed by "/.." steps; "" stands for ".". */
	char *dir = strcmp(start_dir, ".") ? strdup(start_dir) : strdup("");
	int rc = dir ? 0 : GK_ENOMEM;
	while (rc == 0) {
		const char *here = *dir ? dir : ".";
		char *git = gk_asprintf("%s/.git", here), *up = gk_asprintf("%s%s..", dir, *dir ? "/" : "");
		if (!git || !up) {
			rc = GK_ENOMEM;
		} else if ((rc = look_in(out, dir)) == 0) {
			int root = same_file(here, up);
			if (root != 0 || exists(git))
				rc = GK_ENOTFOUND; /* the filesystem root (or unreadable), or the repository root */
		}
		free(git);
		free(dir);
		dir = up;
	}
	free(dir);
	return rc == 1 ? 0 : rc;
}

void gk_config_free(gk_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_paths; i++)
		free(c->paths[i]);
	for (size_t i = 0; i < c->n_excludes; i++)
		free(c->excludes[i]);
	for (size_t i = 0; i < c->n_rules; i++)
		free(c->rules[i].id);
	free(c->paths);
	free(c->excludes);
	free(c->rules);
	free(c->migration_name);
	free(c->shadow_init);
	free(c->prisma_version);
	free(c->deploy_role);
	free(c->stats);
	for (char **e = c->shadow_extensions; e && *e; e++)
		free(*e);
	free(c->shadow_extensions);
	free(c->path);
	free(c);
}
