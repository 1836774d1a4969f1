/*
 * prisma_version.c - the Prisma CLI version a repository deploys with.
 *
 * Lockfiles name the version that is installed; package.json only a range.
 * They are untrusted input: read with a size limit, never assumed to be
 * well formed.  A file that is not what its name claims leaves the version
 * unknown and says so in a note, so the report can name the cause.
 *
 * Formats read (only the parts that name the `prisma` package):
 *   package-lock.json  v2/v3 "packages": {"node_modules/prisma": {"version"}};
 *                      v1 "dependencies": {"prisma": {"version"}}
 *   pnpm-lock.yaml     the "packages:" keys: "/prisma@7.10.1:" (v6),
 *                      "prisma@7.10.1:" (v9), "/prisma/5.1.0:" (v5)
 *   yarn.lock          an entry whose key starts with prisma@ (classic or
 *                      berry), then its `version "x"` / `version: x` line
 *   bun.lock           "prisma": ["prisma@7.10.1", ...] in "packages"
 *   package.json       "dependencies"/"devDependencies": {"prisma": range}
 */
#include "layout/runner.h"
#include "util/files.h"
#include "util/dircache.h"
#include "util/util.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A version as it starts at p ("7.10.1", "7.4.0-dev.3"), copied; false when p holds none. */
static bool copy_version(char *dst, size_t size, const char *p, const char *end)
{
	size_t n = 0;
	if (p >= end || !isdigit((unsigned char)*p))
		return false;
	while (p + n < end && (isalnum((unsigned char)p[n]) || p[n] == '.' || p[n] == '-'))
		n++;
	if (n == 0 || n >= size)
		return false;
	memcpy(dst, p, n);
	dst[n] = '\0';
	return true;
}

static bool has(const char *text, size_t len, const char *what)
{
	return memmem(text, len, what, strlen(what)) != NULL;
}

/* ---- JSON files ---------------------------------------------------------- */

static json_t *load_json(const char *text, size_t len)
{
	json_error_t e;
	return json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
}

static int version_of(char *version, size_t size, json_t *entry)
{
	const char *v = json_string_value(json_object_get(entry, "version"));
	if (!v)
		return GK_EPARSE;
	return copy_version(version, size, v, v + strlen(v)) ? 0 : GK_EPARSE;
}

int gk_runner_prisma_from_package_lock(char *version, size_t size, const char *text, size_t len)
{
	json_t *j = load_json(text, len);
	if (!json_is_object(j)) {
		json_decref(j);
		return GK_EPARSE;
	}
	int rc = GK_ENOTFOUND;
	json_t *e = json_object_get(json_object_get(j, "packages"), "node_modules/prisma");
	if (!e)
		e = json_object_get(json_object_get(j, "dependencies"), "prisma");
	if (e)
		rc = version_of(version, size, e);
	json_decref(j);
	return rc;
}

/* ---- line-oriented lockfiles --------------------------------------------- */

typedef struct line_iter {
	const char *p, *end;
} line_iter;

static bool next_line(line_iter *it, const char **s, const char **e)
{
	if (it->p >= it->end)
		return false;
	*s = it->p;
	const char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
	*e = nl ? nl : it->end;
	it->p = nl ? nl + 1 : it->end;
	if (*e > *s && (*e)[-1] == '\r')
		(*e)--;
	return true;
}

static const char *skip(const char *p, const char *e, const char *chars)
{
	while (p < e && strchr(chars, *p))
		p++;
	return p;
}

static bool starts(const char *p, const char *e, const char *word)
{
	size_t n = strlen(word);
	return (size_t)(e - p) >= n && memcmp(p, word, n) == 0;
}

int gk_runner_prisma_from_pnpm_lock(char *version, size_t size, const char *text, size_t len)
{
	if (!has(text, len, "lockfileVersion"))
		return GK_EPARSE;
	line_iter it = {text, text + len};
	const char *s, *e;
	bool in_packages = false;
	while (next_line(&it, &s, &e)) {
		if (s < e && !isspace((unsigned char)*s)) {
			in_packages = starts(s, e, "packages:");
			continue;
		}
		if (!in_packages)
			continue;
		/* a key of the packages mapping: two spaces, an optional quote and '/' */
		if (!starts(s, e, "  ") || (s + 2 < e && isspace((unsigned char)s[2])))
			continue;
		const char *p = skip(s + 2, e, "'\"/");
		if (starts(p, e, "prisma@") && copy_version(version, size, p + 7, e))
			return 0;
		if (starts(p, e, "prisma/") && copy_version(version, size, p + 7, e))
			return 0;
	}
	return GK_ENOTFOUND;
}

int gk_runner_prisma_from_yarn_lock(char *version, size_t size, const char *text, size_t len)
{
	if (!has(text, len, "yarn lockfile") && !has(text, len, "__metadata:"))
		return GK_EPARSE;
	line_iter it = {text, text + len};
	const char *s, *e;
	bool in_prisma = false;
	while (next_line(&it, &s, &e)) {
		if (s < e && !isspace((unsigned char)*s) && *s != '#') {
			/* `prisma@^7.1.0, prisma@^7.2.0:` or `"prisma@npm:^7.1.0":` */
			const char *p = skip(s, e, "\"");
			in_prisma = starts(p, e, "prisma@");
			continue;
		}
		if (!in_prisma)
			continue;
		const char *p = skip(s, e, " \t");
		if (starts(p, e, "version")) {
			p = skip(p + 7, e, ": \t\"");
			if (copy_version(version, size, p, e))
				return 0;
			return GK_EPARSE;
		}
	}
	return GK_ENOTFOUND;
}

int gk_runner_prisma_from_bun_lock(char *version, size_t size, const char *text, size_t len)
{
	if (!has(text, len, "\"lockfileVersion\""))
		return GK_EPARSE;
	static const char key[] = "\"prisma\": [\"prisma@";
	const char *p = memmem(text, len, key, sizeof key - 1);
	if (!p)
		return GK_ENOTFOUND;
	p += sizeof key - 1;
	return copy_version(version, size, p, text + len) ? 0 : GK_EPARSE;
}

/* ---- package.json ranges ------------------------------------------------- */

/*
 * The lowest version one alternative of a range allows: "^7.4.0", "~7.4",
 * ">=7.4.0 <8", "7.x", "7.4.0 - 7.9.0", "=7.4.0", "v7.4.0".  A part given
 * as x, X or * is 0; missing parts are 0.  False when it names no lower
 * bound ("*", "latest", "<8", "workspace:*", a URL).
 */
static bool range_low(char *dst, size_t size, const char *p, const char *e)
{
	p = skip(p, e, " \t");
	if (starts(p, e, ">=") || starts(p, e, "^") || starts(p, e, "~") || starts(p, e, "="))
		p = skip(p, e, ">=^~ \t");
	else if (starts(p, e, ">"))
		return false; /* an exclusive bound: the lowest allowed is not a plain version */
	if (p < e && (*p == 'v' || *p == 'V'))
		p++;
	long part[3] = {0, 0, 0};
	int n = 0;
	while (n < 3 && p < e && isdigit((unsigned char)*p)) {
		long v = 0;
		while (p < e && isdigit((unsigned char)*p) && v < 100000)
			v = v * 10 + (*p++ - '0');
		part[n++] = v;
		if (p < e && *p == '.' && p + 1 < e && (p[1] == 'x' || p[1] == 'X' || p[1] == '*'))
			break;
		if (p < e && *p == '.')
			p++;
	}
	if (n == 0)
		return false;
	snprintf(dst, size, "%ld.%ld.%ld", part[0], part[1], part[2]);
	return true;
}

static bool lowest_of_range(char *dst, size_t size, const char *range)
{
	const char *p = range, *end = range + strlen(range);
	bool found = false;
	char best[32] = "", cur[32];
	while (p <= end) {
		const char *bar = strstr(p, "||");
		const char *e = bar ? bar : end;
		if (range_low(cur, sizeof cur, p, e) && (!found || gk_runner_version_cmp(cur, best) < 0)) {
			snprintf(best, sizeof best, "%s", cur);
			found = true;
		}
		if (!bar)
			break;
		p = bar + 2;
	}
	if (found)
		snprintf(dst, size, "%s", best);
	return found;
}

int gk_runner_prisma_from_package_json(char *version, size_t size, char *range, size_t range_size,
				       const char *text, size_t len)
{
	json_t *j = load_json(text, len);
	if (!json_is_object(j)) {
		json_decref(j);
		return GK_EPARSE;
	}
	static const char *const sections[] = {"dependencies", "devDependencies"};
	int rc = GK_ENOTFOUND;
	for (size_t i = 0; rc == GK_ENOTFOUND && i < 2; i++) {
		json_t *v = json_object_get(json_object_get(j, sections[i]), "prisma");
		if (!v)
			continue;
		const char *r = json_string_value(v);
		if (!r) {
			rc = GK_EPARSE;
			break;
		}
		snprintf(range, range_size, "%s", r);
		rc = lowest_of_range(version, size, r) ? 0 : GK_EPARSE;
	}
	json_decref(j);
	return rc;
}

/* ---- the search ---------------------------------------------------------- */

typedef int (*parse_fn)(char *version, size_t size, const char *text, size_t len);

static const struct {
	const char *name;
	parse_fn parse;
} lockfiles[] = {
	{"package-lock.json", gk_runner_prisma_from_package_lock},
	{"pnpm-lock.yaml", gk_runner_prisma_from_pnpm_lock},
	{"yarn.lock", gk_runner_prisma_from_yarn_lock},
	{"bun.lock", gk_runner_prisma_from_bun_lock},
};

static void note(gk_prisma_version *out, const char *fmt, const char *path)
{
	if (!out->note[0])
		snprintf(out->note, sizeof out->note, fmt, path);
}

/* "a/b/c" -> "a/b"; "a" -> ""; "" -> false (the root has no parent). */
static bool parent(char *dir)
{
	if (!dir[0])
		return false;
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		dir[0] = '\0';
	return true;
}

static char *join(const char *dir, const char *name)
{
	return dir[0] ? gk_asprintf("%s/%s", dir, name) : gk_strdup(name);
}

/* The lockfiles of one folder: 1 when one named prisma (out set), else 0. */
static int try_lockfiles(gk_prisma_version *out, const char *dir, gk_runner_read_fn read, void *payload)
{
	for (size_t i = 0; i < sizeof lockfiles / sizeof *lockfiles; i++) {
		char *path = join(dir, lockfiles[i].name), *text = NULL;
		size_t len = 0;
		int rc = path ? read(&text, &len, path, GK_RUNNER_LOCKFILE_MAX, payload) : GK_ENOMEM;
		if (rc == 0) {
			rc = lockfiles[i].parse(out->version, sizeof out->version, text, len);
			if (rc == 0)
				snprintf(out->source, sizeof out->source, "%s", path);
			else if (rc == GK_EPARSE)
				note(out, "%s does not parse as its name says; its Prisma version is not used", path);
		} else if (rc != GK_ENOTFOUND && path) {
			note(out, "%s cannot be read (or is larger than 64 MiB); its Prisma version is not used", path);
		}
		free(text);
		free(path);
		if (rc == 0)
			return 1;
		out->version[0] = '\0';
	}
	return 0;
}

/* package.json of one folder: 1 when it names prisma with a usable range. */
static int try_package_json(gk_prisma_version *out, const char *dir, gk_runner_read_fn read, void *payload)
{
	char *path = join(dir, "package.json"), *text = NULL;
	size_t len = 0;
	int rc = path ? read(&text, &len, path, GK_RUNNER_LOCKFILE_MAX, payload) : GK_ENOMEM;
	char range[64] = "";
	if (rc == 0) {
		rc = gk_runner_prisma_from_package_json(out->version, sizeof out->version, range, sizeof range, text, len);
		if (rc == 0)
			snprintf(out->source, sizeof out->source, "%s range %s", path, range);
		else if (rc == GK_EPARSE)
			note(out, range[0] ? "%s: the prisma range names no lowest version" : "%s does not parse as JSON",
			     path);
	}
	if (rc != 0)
		out->version[0] = '\0';
	free(text);
	free(path);
	return rc == 0;
}

void gk_runner_prisma_find(gk_prisma_version *out, const char *dir, gk_runner_read_fn read, void *payload)
{
	memset(out, 0, sizeof *out);
	char *d = gk_strdup(dir ? dir : "");
	if (!d)
		return;
	size_t n = strlen(d);
	while (n && d[n - 1] == '/')
		d[--n] = '\0';
	char *walk = gk_strdup(d);
	bool found = false;
	do {
		found = walk && try_lockfiles(out, walk, read, payload);
	} while (!found && walk && parent(walk));
	free(walk);
	walk = found ? NULL : gk_strdup(d);
	do {
		found = found || (walk && try_package_json(out, walk, read, payload));
	} while (!found && walk && parent(walk));
	free(walk);
	free(d);
}

/* ---- Flyway's mixed -------------------------------------------------------- */

int gk_runner_flyway_mixed(const char *text, size_t len, bool toml)
{
	line_iter it = {text, text + len};
	const char *s, *e;
	int found = GK_ENOTFOUND;
	const char *key = toml ? "mixed" : "flyway.mixed";
	while (next_line(&it, &s, &e)) {
		const char *p = skip(s, e, " \t");
		if (!starts(p, e, key))
			continue;
		p = skip(p + strlen(key), e, " \t");
		if (p >= e || (*p != '=' && *p != ':'))
			continue;
		p = skip(p + 1, e, " \t\"'");
		/* the last assignment wins, as in a properties file */
		found = starts(p, e, "true") ? 1 : 0;
	}
	return found;
}

static void find_flyway(gk_runner_settings *s, const char *dir, gk_runner_read_fn read, void *payload)
{
	static const struct {
		const char *name;
		bool toml;
	} confs[] = {{"flyway.conf", false}, {"conf/flyway.conf", false}, {"flyway.toml", true}};
	char *walk = gk_strdup(dir ? dir : "");
	bool done = false;
	do {
		for (size_t i = 0; walk && !done && i < sizeof confs / sizeof *confs; i++) {
			char *path = join(walk, confs[i].name), *text = NULL;
			size_t len = 0;
			if (path && read(&text, &len, path, GK_RUNNER_LOCKFILE_MAX, payload) == 0) {
				int m = gk_runner_flyway_mixed(text, len, confs[i].toml);
				if (m >= 0) {
					s->flyway_mixed = m == 1;
					snprintf(s->flyway_mixed_source, sizeof s->flyway_mixed_source, "%s", path);
					done = true;
				}
			}
			free(text);
			free(path);
		}
	} while (!done && walk && parent(walk));
	free(walk);
}

/* ---- Prisma's schema engine ------------------------------------------------ */

/* Past a comment or whitespace at p (JavaScript/TypeScript comments). */
static const char *skip_js_space(const char *p, const char *e)
{
	for (;;) {
		while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
			p++;
		if (e - p >= 2 && p[0] == '/' && p[1] == '/') {
			while (p < e && *p != '\n')
				p++;
		} else if (e - p >= 2 && p[0] == '/' && p[1] == '*') {
			const char *end = NULL;
			for (const char *q = p + 2; q + 1 < e && !end; q++)
				if (q[0] == '*' && q[1] == '/')
					end = q + 2;
			p = end ? end : e;
		} else {
			return p;
		}
	}
}

/*
 * `engine: "js"` (or 'js', or `engine: \`js\``) as a property of the
 * configuration object, outside comments.  Only the key and its literal
 * are read: a file that computes the value is taken as not saying it.
 */
bool gk_runner_prisma_js_engine(const char *text, size_t len)
{
	const char *p = text, *e = text + len;
	while ((p = skip_js_space(p, e)) < e) {
		bool key = (size_t)(e - p) > 6 && memcmp(p, "engine", 6) == 0 &&
			   (p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '$' || p[-1] == '.'));
		if (!key) {
			/* strings are skipped whole, so that "engine: 'js'" in one is no key */
			char q = *p++;
			if (q == '"' || q == '\'' || q == '`') {
				while (p < e && *p != q)
					p += *p == '\\' && p + 1 < e ? 2 : 1;
				p += p < e;
			}
			continue;
		}
		const char *v = skip_js_space(p + 6, e);
		if (v < e && *v == ':') {
			v = skip_js_space(v + 1, e);
			if (e - v >= 4 && (v[0] == '"' || v[0] == '\'' || v[0] == '`') && v[1] == 'j' && v[2] == 's' &&
			    v[3] == v[0])
				return true;
		}
		p += 6;
	}
	return false;
}

/* The nearest prisma.config.* from `dir` up to the root. */
static void find_prisma_config(gk_runner_settings *s, const char *dir, gk_runner_read_fn read, void *payload)
{
	static const char *const names[] = {"prisma.config.ts", "prisma.config.mts", "prisma.config.cts",
					    "prisma.config.js", "prisma.config.mjs", "prisma.config.cjs"};
	char *walk = gk_strdup(dir ? dir : "");
	bool found = false;
	do {
		for (size_t i = 0; walk && !found && i < sizeof names / sizeof *names; i++) {
			char *path = join(walk, names[i]), *text = NULL;
			size_t len = 0;
			if (path && read(&text, &len, path, GK_RUNNER_LOCKFILE_MAX, payload) == 0) {
				found = true;
				s->prisma_js_engine = gk_runner_prisma_js_engine(text, len);
				snprintf(s->prisma_js_source, sizeof s->prisma_js_source, "%s", path);
			}
			free(text);
			free(path);
		}
	} while (!found && walk && parent(walk));
	free(walk);
}

void gk_runner_settings_find(gk_runner_settings *s, enum gk_layout_kind tool, const char *dir,
			     gk_runner_read_fn read, void *payload)
{
	gk_runner_settings_init(s, tool);
	if (tool == GK_LAYOUT_PRISMA || tool == GK_LAYOUT_AUTO) {
		gk_runner_prisma_find(&s->prisma, dir, read, payload);
		find_prisma_config(s, dir, read, payload);
	}
	if (tool == GK_LAYOUT_FLYWAY)
		find_flyway(s, dir, read, payload);
}

/* ---- on disk ------------------------------------------------------------- */

/* Files are read from `root`; with `dirs`, a name its folder does not list is not opened. */
typedef struct disk {
	const char *root;
	gk_dir_cache *dirs;
} disk;

/* Whether `path` is known not to exist: its folder's listing lacks it. */
static bool not_listed(gk_dir_cache *dirs, char *path)
{
	char *slash = strrchr(path, '/');
	if (!dirs || !slash || slash == path)
		return false;
	*slash = '\0';
	int has = gk_dir_cache_has(dirs, path, slash + 1);
	*slash = '/';
	return has == 0;
}

static int read_disk(char **out, size_t *len, const char *relpath, size_t limit, void *payload)
{
	const disk *d = payload;
	char *path = d->root[0] ? gk_asprintf("%s/%s", d->root, relpath) : gk_strdup(relpath);
	if (!path)
		return GK_ENOMEM;
	if (not_listed(d->dirs, path)) {
		free(path);
		return GK_ENOTFOUND;
	}
	int rc = gk_read_file(out, len, path, limit);
	int e = errno;
	free(path);
	if (rc < 0)
		return e == ENOENT || e == ENOTDIR ? GK_ENOTFOUND : GK_EIO;
	return 0;
}

static char *canonical(gk_dir_cache *dirs, const char *path)
{
	return dirs ? gk_dir_cache_canonical(dirs, path) : gk_path_canonical(path);
}

/* `dir` relative to `root` (then *base = root) or "" with *base = dir. */
static char *relative(char **base, const char *dir, const char *root, gk_dir_cache *dirs)
{
	char *d = canonical(dirs, dir), *r = root ? canonical(dirs, root) : NULL;
	size_t rn = r ? strlen(r) : 0;
	char *rel = NULL;
	if (d && r && rn == 1 && d[0] == '/')
		rel = gk_strdup(d + 1);
	else if (d && r && strncmp(d, r, rn) == 0 && (d[rn] == '/' || d[rn] == '\0'))
		rel = gk_strdup(d + rn + (d[rn] == '/'));
	if (rel) {
		*base = r;
		free(d);
		return rel;
	}
	free(r);
	*base = d;
	return d ? gk_strdup("") : NULL;
}

static void settings_find_dir(gk_runner_settings *s, enum gk_layout_kind tool, const char *dir, const char *root,
			      gk_dir_cache *dirs)
{
	char *base = NULL, *rel = relative(&base, dir, root, dirs);
	disk d = {base, dirs};
	if (rel && base)
		gk_runner_settings_find(s, tool, rel, read_disk, &d);
	else
		gk_runner_settings_init(s, tool);
	free(rel);
	free(base);
}

void gk_runner_settings_find_dir(gk_runner_settings *s, enum gk_layout_kind tool, const char *dir, const char *root)
{
	settings_find_dir(s, tool, dir, root, NULL);
}

void gk_runner_settings_find_cached(gk_runner_settings *s, enum gk_layout_kind tool, const char *dir,
				    gk_dir_cache *dirs)
{
	char *root = gk_dir_cache_root(dirs, dir);
	settings_find_dir(s, tool, dir, root, dirs);
	free(root);
}

bool gk_runner_settings_dir_plain(gk_dir_cache *dirs, const char *dir)
{
	/* Every name gk_runner_settings_find reads in a folder, and ".git",
	 * which makes a folder the repository's root where the search stops. */
	static const char *const names[] = {
		"package-lock.json", "pnpm-lock.yaml", "yarn.lock", "bun.lock", "package.json",
		"prisma.config.ts", "prisma.config.mts", "prisma.config.cts", "prisma.config.js",
		"prisma.config.mjs", "prisma.config.cjs", "flyway.conf", "conf", "flyway.toml", ".git"};
	const char *const *held;
	size_t n_held;
	if (gk_dir_cache_list(dirs, dir, &held, &n_held) != 1) /* not known */
		return false;
	for (size_t k = 0; k < n_held; k++) /* a migration's folder holds a name or two */
		for (size_t i = 0; i < sizeof names / sizeof *names; i++)
			if (strcmp(held[k], names[i]) == 0)
				return false;
	return true;
}

void gk_runner_prisma_find_dir(gk_prisma_version *out, const char *dir, const char *root)
{
	memset(out, 0, sizeof *out);
	char *base = NULL, *rel = relative(&base, dir, root, NULL);
	disk d = {base, NULL};
	if (rel && base)
		gk_runner_prisma_find(out, rel, read_disk, &d);
	free(rel);
	free(base);
}
