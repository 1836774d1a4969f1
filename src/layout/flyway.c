/*
 * flyway.c - Flyway's migration folder.
 *
 * Flyway scans its locations recursively and recognises files by name:
 *   V<version>__<desc>.sql  versioned, applied in VERSION order: '_' in the
 *                           version means '.', parts compare as numbers, so
 *                           V1_10 runs after V1_9 (name order gets this wrong);
 *   B<version>__<desc>.sql  baseline migration (Teams); ordered like V;
 *   R__<desc>.sql           repeatable, applied after every versioned one,
 *                           ordered by description;
 *   U<version>__<desc>.sql  undo (Teams): never applied forward, ignored;
 *   <event>[__<desc>].sql   SQL callbacks (beforeMigrate.sql, ...), run around
 *                           commands rather than as migrations, ignored;
 *   <script>.conf           per-script configuration; `executeInTransaction=false`
 *                           runs that script outside a transaction.
 * The key of a migration is its file name, as Flyway records it.
 */
#include "layout/layout_internal.h"
#include "util/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Digit groups separated by single '.' or '_' ("1", "1_10", "2.3.1"). */
static bool valid_version(const char *s, size_t n)
{
	bool want_digit = true;
	for (size_t i = 0; i < n; i++) {
		bool digit = isdigit((unsigned char)s[i]) != 0;
		if (!digit && (want_digit || (s[i] != '.' && s[i] != '_')))
			return false;
		want_digit = !digit;
	}
	return n > 0 && !want_digit;
}

bool gk_flyway_match(const char *base, char *prefix, gk_span *version, gk_span *desc)
{
	char c = base[0];
	if ((c != 'V' && c != 'B' && c != 'R' && c != 'U') || !gk_lp_ends(base, ".sql"))
		return false;
	size_t end = strlen(base) - 4;  /* before ".sql" */
	const char *sep = strstr(base + 1, "__");
	if (!sep || (size_t)(sep - base) + 2 > end)
		return false;
	size_t vn = (size_t)(sep - base) - 1;
	if (c == 'R' ? vn != 0 : !valid_version(base + 1, vn))
		return false;
	*prefix = c;
	*version = c == 'R' ? GK_SPAN_NONE : (gk_span){base + 1, vn};
	*desc = (gk_span){sep + 2, end - (size_t)(sep + 2 - base)};
	return true;
}

/* Flyway's callback events that have SQL callbacks (flyway-core Event). */
static const char *const callback_events[] = {
	"beforeMigrate", "beforeRepeatables", "beforeEachMigrate", "beforeEachMigrateStatement",
	"afterEachMigrateStatement", "afterEachMigrateStatementError", "afterEachMigrate",
	"afterEachMigrateError", "afterMigrate", "afterMigrateApplied", "afterVersioned",
	"afterMigrateError", "beforeUndo", "beforeEachUndo", "beforeEachUndoStatement",
	"afterEachUndoStatement", "afterEachUndoStatementError", "afterEachUndo", "afterEachUndoError",
	"afterUndo", "afterUndoError", "beforeClean", "afterClean", "afterCleanError", "beforeInfo",
	"afterInfo", "afterInfoError", "beforeValidate", "afterValidate", "afterValidateError",
	"beforeBaseline", "afterBaseline", "afterBaselineError", "beforeRepair", "afterRepair",
	"afterRepairError", "createSchema", "beforeConnect", "afterConnect",
};

static bool is_callback(const char *base)
{
	if (!gk_lp_ends(base, ".sql"))
		return false;
	for (size_t i = 0; i < sizeof callback_events / sizeof *callback_events; i++) {
		size_t n = strlen(callback_events[i]);
		if (strncmp(base, callback_events[i], n) == 0 &&
		    (strcmp(base + n, ".sql") == 0 || strncmp(base + n, "__", 2) == 0))
			return true;
	}
	return false;
}

/* `executeInTransaction=false` in a script config file (key=value lines). */
static bool conf_no_transaction(const char *text, size_t len)
{
	gk_span v = gk_lp_setting(text, len, "executeInTransaction");
	return v.n >= 5 && strncasecmp(v.p, "false", 5) == 0;
}

static int add_script(gk_lb *b, const char *p, const char *base, char prefix, gk_span ver, gk_span desc)
{
	gk_layout_migration *m = gk_lb_add(b, gk_span_str(base), ver, desc, p);
	if (!m)
		return gk_lb_oom(b);
	m->repeatable = prefix == 'R';
	return 0;
}

static int add_conf(gk_lb *b, const char *p, const char *base)
{
	gk_layout_migration *m = gk_lb_find(b, (gk_span){base, strlen(base) - 5});
	if (!m)
		return gk_lb_stray(b, p);
	if (!b->read)
		return 0;
	char *text;
	size_t len;
	int rc = gk_lb_read(b, p, &text, &len);
	if (rc < 0)
		return rc;
	m->no_transaction = text && conf_no_transaction(text, len);
	free(text);
	return 0;
}

int gk_layout_flyway(gk_lb *b, const char *const *paths, size_t n)
{
	char prefix;
	gk_span ver, desc;
	for (size_t i = 0; i < n; i++) {
		const char *base = gk_lp_base(paths[i]);
		if (gk_flyway_match(base, &prefix, &ver, &desc) && prefix != 'U' &&
		    add_script(b, paths[i], base, prefix, ver, desc) < 0)
			return GK_ENOMEM;
	}
	gk_lb_sort_by_key(b);
	for (size_t i = 0; i < n; i++) {
		const char *p = paths[i], *base = gk_lp_base(p);
		int rc = 0;
		if (gk_flyway_match(base, &prefix, &ver, &desc) || is_callback(base))
			continue;  /* a migration, an undo script or a callback */
		if (gk_lp_ends(base, ".sql.conf"))
			rc = add_conf(b, p, base);
		else
			rc = gk_lb_stray(b, p);
		if (rc < 0)
			return rc;
	}
	return 0;
}
