/*
 * identifier-too-long
 *
 * PostgreSQL keeps identifiers in NAMEDATALEN - 1 = 63 bytes.  A longer one
 * is not an error: the scanner cuts it to 63 bytes (at a character
 * boundary) with only a NOTICE, so the object gets a different name than
 * the one in the migration.  Tools that compare names later (Prisma's drift
 * check, formbricks#9102; `DROP INDEX` with the long name in a later
 * migration) then see a mismatch.  No lock is involved and no version
 * changes the limit (it is a compile-time constant).
 *
 * The parse tree already holds the truncated names, so the rule takes the
 * names a statement defines (table, column, index, constraint, sequence,
 * type, schema, view, function, trigger, policy, and RENAME's new name),
 * and for those that may have been cut (60-63 bytes) looks in the
 * statement's tokens for the longer identifier that was cut to it.  Only
 * definitions are reported, not references: a reference is cut the same
 * way and finds the object, and the definition was reported where it was made.
 */
#include "lint/lint_internal.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_BYTES 63   /* NAMEDATALEN - 1 */
#define MIN_CUT_BYTES 60    /* a cut drops at most 3 bytes of a 4-byte character */
#define MAX_DEFS 32

typedef struct defname {
	const char *name;
	const char *kind;
} defname;

typedef struct defs {
	defname d[MAX_DEFS];
	size_t n;
} defs;

/* Remember a defined name when it is long enough to be the result of a cut. */
static void def(defs *ds, const char *name, const char *kind)
{
	if (name && strlen(name) >= MIN_CUT_BYTES && ds->n < MAX_DEFS)
		ds->d[ds->n++] = (defname){name, kind};
}

static void def_last(defs *ds, PgQuery__Node **names, size_t n, const char *kind)
{
	def(ds, n ? gk_node_str(names[n - 1]) : NULL, kind);
}

static void def_strings(defs *ds, PgQuery__Node **names, size_t n, const char *kind)
{
	for (size_t i = 0; i < n; i++)
		def(ds, gk_node_str(names[i]), kind);
}

static void def_constraint(defs *ds, const PgQuery__Node *n)
{
	if (n && n->node_case == PG_QUERY__NODE__NODE_CONSTRAINT)
		def(ds, n->constraint->conname, "constraint");
}

static void def_column(defs *ds, const PgQuery__ColumnDef *cd)
{
	def(ds, cd->colname, "column");
	for (size_t i = 0; i < cd->n_constraints; i++)
		def_constraint(ds, cd->constraints[i]);
}

static void def_table_elts(defs *ds, PgQuery__Node **elts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (elts[i]->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF)
			def_column(ds, elts[i]->column_def);
		else
			def_constraint(ds, elts[i]);
	}
}

static void def_alter(defs *ds, const PgQuery__AlterTableStmt *as)
{
	for (size_t i = 0; i < as->n_cmds; i++) {
		if (as->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		const PgQuery__AlterTableCmd *c = as->cmds[i]->alter_table_cmd;
		if (c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn && c->def &&
		    c->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF)
			def_column(ds, c->def->column_def);
		else if (c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint)
			def_constraint(ds, c->def);
	}
}

static void def_table_as(defs *ds, const PgQuery__CreateTableAsStmt *ct)
{
	if (!ct->into)
		return;
	bool matview = ct->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW;
	if (ct->into->rel)
		def(ds, ct->into->rel->relname, matview ? "materialized view" : "table");
	def_strings(ds, ct->into->col_names, ct->into->n_col_names, "column");
}

/* The names statement `n` defines (CREATE SCHEMA may hold further statements). */
static void collect(defs *ds, const PgQuery__Node *n)
{
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_CREATE_STMT:
		if (n->create_stmt->relation)
			def(ds, n->create_stmt->relation->relname, "table");
		def_table_elts(ds, n->create_stmt->table_elts, n->create_stmt->n_table_elts);
		break;
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		def_alter(ds, n->alter_table_stmt);
		break;
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		def(ds, n->index_stmt->idxname, "index");
		break;
	case PG_QUERY__NODE__NODE_CREATE_SEQ_STMT:
		if (n->create_seq_stmt->sequence)
			def(ds, n->create_seq_stmt->sequence->relname, "sequence");
		break;
	case PG_QUERY__NODE__NODE_CREATE_SCHEMA_STMT:
		def(ds, n->create_schema_stmt->schemaname, "schema");
		for (size_t i = 0; i < n->create_schema_stmt->n_schema_elts; i++)
			collect(ds, n->create_schema_stmt->schema_elts[i]);
		break;
	case PG_QUERY__NODE__NODE_VIEW_STMT:
		if (n->view_stmt->view)
			def(ds, n->view_stmt->view->relname, "view");
		def_strings(ds, n->view_stmt->aliases, n->view_stmt->n_aliases, "column");
		break;
	case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT:
		def_table_as(ds, n->create_table_as_stmt);
		break;
	case PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT:
		def_last(ds, n->create_function_stmt->funcname, n->create_function_stmt->n_funcname,
			 n->create_function_stmt->is_procedure ? "procedure" : "function");
		break;
	case PG_QUERY__NODE__NODE_CREATE_TRIG_STMT:
		def(ds, n->create_trig_stmt->trigname, "trigger");
		break;
	case PG_QUERY__NODE__NODE_CREATE_ENUM_STMT:
		def_last(ds, n->create_enum_stmt->type_name, n->create_enum_stmt->n_type_name, "type");
		break;
	case PG_QUERY__NODE__NODE_CREATE_RANGE_STMT:
		def_last(ds, n->create_range_stmt->type_name, n->create_range_stmt->n_type_name, "type");
		break;
	case PG_QUERY__NODE__NODE_CREATE_DOMAIN_STMT:
		def_last(ds, n->create_domain_stmt->domainname, n->create_domain_stmt->n_domainname, "domain");
		break;
	case PG_QUERY__NODE__NODE_COMPOSITE_TYPE_STMT:
		if (n->composite_type_stmt->typevar)
			def(ds, n->composite_type_stmt->typevar->relname, "type");
		def_table_elts(ds, n->composite_type_stmt->coldeflist, n->composite_type_stmt->n_coldeflist);
		break;
	case PG_QUERY__NODE__NODE_DEFINE_STMT:
		if (n->define_stmt->kind == PG_QUERY__OBJECT_TYPE__OBJECT_TYPE)
			def_last(ds, n->define_stmt->defnames, n->define_stmt->n_defnames, "type");
		break;
	case PG_QUERY__NODE__NODE_CREATE_POLICY_STMT:
		def(ds, n->create_policy_stmt->policy_name, "policy");
		break;
	case PG_QUERY__NODE__NODE_RENAME_STMT:
		def(ds, n->rename_stmt->newname, "new");
		break;
	default:
		break;
	}
}

/* ---- identifiers as the scanner sees them ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void put_utf8(gk_buf *b, unsigned long cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	gk_buf_append(b, u, n);
}

/* A \XXXX or \+XXXXXX escape of a U&"..." identifier at t[*i]; false if not one. */
static bool unicode_escape(gk_buf *b, const char *t, size_t len, size_t *i)
{
	size_t digits = t[*i + 1] == '+' ? 6 : 4, from = *i + 1 + (t[*i + 1] == '+');
	unsigned long cp = 0;
	if (from + digits > len)
		return false;
	for (size_t k = 0; k < digits; k++) {
		int h = hexval(t[from + k]);
		if (h < 0)
			return false;
		cp = cp * 16 + (unsigned long)h;
	}
	put_utf8(b, cp);
	*i = from + digits;
	return true;
}

/* The inside of a "..." token: "" is one ", and in U&"..." \XXXX escapes are decoded. */
static void unquote(gk_buf *b, const char *t, size_t len, bool unicode)
{
	for (size_t i = 1; i + 1 < len;) {
		if (t[i] == '"' && t[i + 1] == '"') {
			gk_buf_putc(b, '"');
			i += 2;
			continue;
		}
		if (unicode && t[i] == '\\' && t[i + 1] == '\\') {
			gk_buf_putc(b, '\\');
			i += 2;
			continue;
		}
		if (unicode && t[i] == '\\' && unicode_escape(b, t, len - 1, &i))
			continue;
		gk_buf_putc(b, t[i++]);
	}
}

/*
 * The identifier a token denotes, as PostgreSQL has it before the cut:
 * quotes removed, unquoted ASCII letters folded to lower case, U&"..."
 * escapes decoded (with the default \ escape character; UESCAPE is rare
 * enough to ignore).
 */
static char *identifier(const char *t, size_t len, bool unicode)
{
	gk_buf b = GK_BUF_INIT;
	if (unicode && len >= 4) {
		t += 2;  /* U& */
		len -= 2;
	}
	if (len >= 2 && t[0] == '"')
		unquote(&b, t, len, unicode);
	else
		for (size_t i = 0; i < len; i++)
			gk_buf_putc(&b, t[i] >= 'A' && t[i] <= 'Z' ? (char)(t[i] - 'A' + 'a') : t[i]);
	return gk_buf_take(&b);
}

/* Length of the first at most `max` bytes of s that end on a character boundary. */
static size_t clip(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

/* ---- the check ---- */

typedef struct token_hit {
	char *ident;     /* owned, the full identifier */
	int loc;         /* node-location offset of the token */
} token_hit;

/*
 * Bytes of the token at t.  The scanner's end offset is wrong for U&"..."
 * (it covers one byte), so quoted tokens are measured to their closing quote.
 */
static size_t token_len(const char *t, size_t avail, const PgQuery__ScanToken *tk)
{
	size_t i = tk->token == PG_QUERY__TOKEN__UIDENT && avail >= 2 ? 2 : 0;
	if (i >= avail || t[i] != '"')
		return (size_t)(tk->end - tk->start);
	for (i++; i < avail; i++)
		if (t[i] == '"') {
			if (i + 1 < avail && t[i + 1] == '"')
				i++;
			else
				return i + 1;
		}
	return avail;
}

/* First identifier token over 63 bytes that PostgreSQL cuts to `name`. */
static bool find_cut(const gk_lint *l, const gk_stmt *s, const PgQuery__ScanResult *scan, const char *name,
		     token_hit *hit)
{
	for (size_t i = 0; i < scan->n_tokens; i++) {
		const PgQuery__ScanToken *tk = scan->tokens[i];
		if (tk->token != PG_QUERY__TOKEN__IDENT && tk->token != PG_QUERY__TOKEN__UIDENT)
			continue;
		const char *t = l->src->text + s->start + tk->start;
		size_t len = token_len(t, s->end - s->start - (size_t)tk->start, tk);
		if (len <= NAME_MAX_BYTES)
			continue;  /* the identifier is never longer than its token */
		char *id = identifier(t, len, tk->token == PG_QUERY__TOKEN__UIDENT);
		if (!id)
			return false;
		size_t n = strlen(id);
		if (n > NAME_MAX_BYTES && clip(id, n, NAME_MAX_BYTES) == strlen(name) &&
		    memcmp(id, name, strlen(name)) == 0) {
			*hit = (token_hit){id, (int)(s->start - s->base) + tk->start};
			return true;
		}
		free(id);
	}
	return false;
}

static void report(gk_lint *l, const gk_stmt *s, const defname *d, const token_hit *hit)
{
	size_t n = strlen(hit->ident);
	size_t shown = clip(hit->ident, n, 120);
	if (strcmp(d->kind, "new") == 0)
		gk_lint_report(l, s, hit->loc, NULL,
			       "new name \"%.*s%s\" is %zu bytes; PostgreSQL silently truncates it to 63 bytes: \"%s\"",
			       (int)shown, hit->ident, shown < n ? "..." : "", n, d->name);
	else
		gk_lint_report(l, s, hit->loc, NULL,
			       "%s name \"%.*s%s\" is %zu bytes; PostgreSQL silently truncates it to 63 bytes: \"%s\"",
			       d->kind, (int)shown, hit->ident, shown < n ? "..." : "", n, d->name);
}

static void check(gk_lint *l, const gk_stmt *s)
{
	defs ds = {.n = 0};
	collect(&ds, s->node);
	if (!ds.n || s->end <= s->start)
		return;
	char *text = gk_strndup(l->src->text + s->start, s->end - s->start);
	PgQueryScanResult sr = text ? pg_query_scan(text) : (PgQueryScanResult){0};
	PgQuery__ScanResult *scan = text && !sr.error
		? pg_query__scan_result__unpack(NULL, sr.pbuf.len, (void *)sr.pbuf.data) : NULL;
	for (size_t i = 0; scan && i < ds.n; i++) {
		token_hit hit;
		if (find_cut(l, s, scan, ds.d[i].name, &hit)) {
			report(l, s, &ds.d[i], &hit);
			free(hit.ident);
		}
	}
	if (scan)
		pg_query__scan_result__free_unpacked(scan, NULL);
	if (text)
		pg_query_free_scan_result(sr);
	free(text);
}

const gk_rule gk_rule_identifier_too_long = {
	.info = {
		.id = "identifier-too-long",
		.category = GK_CAT_HYGIENE,
		.severity = GK_SEV_ERROR,
		.summary = "identifier longer than 63 bytes, which PostgreSQL silently truncates",
		.why = "Names are limited to 63 bytes (NAMEDATALEN - 1). Longer ones are cut with only a NOTICE, so the "
		       "database object is not called what the migration says: later migrations, ORMs and drift checks "
		       "(Prisma, formbricks#9102) that use the full name fail or see drift, and two long names with the "
		       "same first 63 bytes collide. The limit is in bytes: a non-ASCII character takes 2-4 of them.",
		.help = "Shorten the name to at most 63 bytes (count UTF-8 bytes, not characters). In Prisma, give the "
			"index or constraint a short name with map: \"...\".",
		.examples = {
			{GK_EXAMPLE_BAD, 0, 0, "a 66-byte index name",
			 "CREATE INDEX user_notification_preferences_organization_id_channel_type_key_idx\n"
			 "  ON user_notification_preferences (organization_id, channel_type);"},
			{GK_EXAMPLE_BAD, 0, 0, "Prisma's generated foreign key name",
			 "ALTER TABLE \"SurveyAttributeFilter\" ADD CONSTRAINT \"SurveyAttributeFilter_attributeClassId_surveyId_environmentId_fkey\"\n"
			 "  FOREIGN KEY (\"attributeClassId\", \"surveyId\", \"environmentId\") REFERENCES \"AttributeClass\"(\"id\", \"surveyId\", \"environmentId\");"},
			{GK_EXAMPLE_BAD, 0, 0, "32 characters but 64 bytes: each \xc3\xa9 is 2 bytes",
			 "CREATE TABLE \"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\" (id bigint);"},
			{GK_EXAMPLE_BAD, 0, 0, "a rename to a long name, unquoted (folded to lower case)",
			 "ALTER TABLE orders RENAME COLUMN total TO Total_Amount_Including_Taxes_And_Shipping_Costs_In_Minor_Currency_Units;"},
			{GK_EXAMPLE_BAD, 0, 0, "U&\"...\" escapes are decoded before counting: 32 x U+00E9 = 64 bytes",
			 "ALTER TABLE t ADD COLUMN U&\"\\00e9\\00e9\\00e9\\00e9\\00e9\\00e9\\00e9\\00e9\\00e9\\00e9\\00e9\\00e9\\00e9\\00e9\\00e9\\00e9"
			 "\\00e9\\00e9\\00e9\\00e9\\00e9\\00e9\\00e9\\00e9\\00e9\\00e9\\00e9\\00e9\\00e9\\00e9\\00e9\\00e9\" int;"},
			{GK_EXAMPLE_OK, 0, 0, "exactly 63 bytes is allowed",
			 "CREATE INDEX abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcdefgh ON t (a);"},
			{GK_EXAMPLE_OK, 0, 0, "31 two-byte characters are 62 bytes",
			 "CREATE TABLE \"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\" (id bigint);"},
			{GK_EXAMPLE_OK, 0, 0, "long text in a string or comment is not an identifier",
			 "-- a_comment_that_is_much_longer_than_sixty_three_bytes_and_names_nothing_at_all\n"
			 "COMMENT ON TABLE t IS 'a_string_that_is_much_longer_than_sixty_three_bytes_and_names_nothing';"},
		},
	},
	.check = check,
};
