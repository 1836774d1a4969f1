/*
 * parse.c - libpg_query into the typed protobuf tree, statement by statement.
 *
 * libpg_query reports statement ranges that start right after the previous
 * semicolon, so leading blanks and comments are part of them; we move the
 * start to the first token so that findings point at the statement itself.
 *
 * Weak spot: the parser and protobuf-c's unpacker both recurse once per
 * nesting level, so a pathological statement can exhaust any stack.  We
 * parse on threads with a large stack (GK_SQL_STACK_SIZE), refuse overlong
 * statements before parsing and over-deep trees before unpacking; both
 * limits come from measurements (see sql.h).
 */
#include "sql.h"
#include "../util/util.h"

#include <stdlib.h>
#include <string.h>

size_t gk_sql_skip_blanks(const char *t, size_t i, size_t end)
{
	while (i < end) {
		char c = t[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			i++;
		} else if (c == '-' && i + 1 < end && t[i + 1] == '-') {
			while (i < end && t[i] != '\n')
				i++;
		} else if (c == '/' && i + 1 < end && t[i + 1] == '*') {
			/* C-style comments nest in PostgreSQL. */
			int depth = 0;
			do {
				if (t[i] == '/' && i + 1 < end && t[i + 1] == '*') {
					depth++;
					i += 2;
				} else if (t[i] == '*' && i + 1 < end && t[i + 1] == '/') {
					depth--;
					i += 2;
				} else {
					i++;
				}
			} while (depth > 0 && i < end);
		} else {
			break;
		}
	}
	return i;
}

/* End of the last real token in [start, end): trims blanks and comments. */
static size_t last_token_end(const char *t, size_t start, size_t end)
{
	while (end > start && strchr(" \t\r\n\f\v", t[end - 1]))
		end--;
	if (end == start)
		return end;
	/* Only a statement without a terminating ';' can end in comments; ask
	 * the scanner, which knows strings from comments. */
	if (!memmem(t + start, end - start, "--", 2) && !memmem(t + start, end - start, "/*", 2))
		return end;
	char *piece = gk_strndup(t + start, end - start);
	if (!piece)
		return end;
	PgQueryScanResult sr = pg_query_scan(piece);
	size_t last = end;
	if (!sr.error) {
		PgQuery__ScanResult *scan = pg_query__scan_result__unpack(NULL, sr.pbuf.len, (void *)sr.pbuf.data);
		if (scan) {
			for (size_t i = scan->n_tokens; i-- > 0;) {
				PgQuery__Token k = scan->tokens[i]->token;
				if (k != PG_QUERY__TOKEN__SQL_COMMENT && k != PG_QUERY__TOKEN__C_COMMENT) {
					last = start + (size_t)scan->tokens[i]->end;
					break;
				}
			}
			pg_query__scan_result__free_unpacked(scan, NULL);
		}
	}
	pg_query_free_scan_result(sr);
	free(piece);
	return last;
}

static int add_error(gk_sql *s, const char *msg, size_t offset, bool too_complex)
{
	if (gk_grow(&s->errors, &s->cap_errors, s->n_errors + 1, sizeof *s->errors) < 0)
		return -1;
	char *m = gk_strdup(msg);
	if (!m)
		return -1;
	s->errors[s->n_errors++] = (gk_sql_error){m, offset, too_complex};
	return 0;
}

size_t gk_pb_depth(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len, size_t limit)
{
	struct frame {
		size_t end;
		const ProtobufCMessageDescriptor *desc;
	};
	struct frame *stack = NULL;
	size_t cap = 0, n = 0, max = 0, i = 0;
	if (gk_grow(&stack, &cap, 1, sizeof *stack) < 0)
		return limit + 1;
	stack[n++] = (struct frame){len, desc};
	max = 1;
	while (n > 0) {
		if (i >= stack[n - 1].end) {
			n--;
			continue;
		}
		uint64_t tag = 0, v = 0;
		int shift = 0;
		while (i < len && shift < 64) {
			tag |= (uint64_t)(data[i] & 0x7F) << shift;
			shift += 7;
			if (!(data[i++] & 0x80))
				break;
		}
		switch (tag & 7) {
		case 0:
			while (i < len && (data[i++] & 0x80))
				;
			break;
		case 1:
			i += 8;
			break;
		case 5:
			i += 4;
			break;
		case 2: {
			shift = 0;
			while (i < len && shift < 64) {
				v |= (uint64_t)(data[i] & 0x7F) << shift;
				shift += 7;
				if (!(data[i++] & 0x80))
					break;
			}
			const ProtobufCFieldDescriptor *f =
				protobuf_c_message_descriptor_get_field(stack[n - 1].desc, (unsigned)(tag >> 3));
			if (f && f->type == PROTOBUF_C_TYPE_MESSAGE && v <= len - i) {
				if (gk_grow(&stack, &cap, n + 1, sizeof *stack) < 0) {
					free(stack);
					return limit + 1;
				}
				stack[n++] = (struct frame){i + (size_t)v, f->descriptor};
				if (n > max)
					max = n;
				if (max > limit) {
					free(stack);
					return max;
				}
			} else {
				i += (size_t)v;
			}
			break;
		}
		default:
			i = len; /* malformed: stop */
		}
	}
	free(stack);
	return max;
}

/* Parse one piece (NUL-terminated copy or the text itself) at absolute offset `base`. */
static int parse_piece(gk_sql *s, const char *text, const char *piece, size_t base, bool record_error)
{
	PgQueryProtobufParseResult r = pg_query_parse_protobuf(piece);
	if (r.error) {
		int rc = 0;
		if (record_error) {
			size_t at = base + (r.error->cursorpos > 0 ? (size_t)r.error->cursorpos - 1 : 0);
			rc = add_error(s, r.error->message, at, false);
		}
		pg_query_free_protobuf_parse_result(r);
		return rc < 0 ? -1 : 1;
	}
	size_t depth = gk_pb_depth(&pg_query__parse_result__descriptor, (const uint8_t *)r.parse_tree.data,
				   r.parse_tree.len, GK_SQL_MAX_DEPTH);
	if (depth > GK_SQL_MAX_DEPTH) {
		char msg[200];
		snprintf(msg, sizeof msg,
			 "statement nests more than %d levels deep; gatekeeper does not analyse statements this complex",
			 GK_SQL_MAX_DEPTH);
		int rc = add_error(s, msg, gk_sql_skip_blanks(text, base, base + strlen(piece)), true);
		pg_query_free_protobuf_parse_result(r);
		return rc < 0 ? -1 : 1;
	}
	PgQuery__ParseResult *tree =
		pg_query__parse_result__unpack(NULL, r.parse_tree.len, (const uint8_t *)r.parse_tree.data);
	pg_query_free_protobuf_parse_result(r);
	if (!tree)
		return -1;
	if (gk_grow(&s->trees, &s->cap_trees, s->n_trees + 1, sizeof *s->trees) < 0 ||
	    gk_grow(&s->stmts, &s->cap_stmts, s->n_stmts + tree->n_stmts, sizeof *s->stmts) < 0) {
		pg_query__parse_result__free_unpacked(tree, NULL);
		return -1;
	}
	s->trees[s->n_trees++] = tree;
	size_t piece_len = strlen(piece);
	for (size_t i = 0; i < tree->n_stmts; i++) {
		PgQuery__RawStmt *rs = tree->stmts[i];
		size_t a = base + (size_t)rs->stmt_location;
		size_t b = rs->stmt_len ? a + (size_t)rs->stmt_len : base + piece_len;
		size_t start = gk_sql_skip_blanks(text, a, b);
		s->stmts[s->n_stmts++] = (gk_sql_stmt){
			.node = rs->stmt,
			.start = start,
			.end = rs->stmt_len ? b : last_token_end(text, start, b),
			.base = base,
		};
	}
	return 0;
}

/*
 * The whole text did not parse: cut it at every top-level ';' token the
 * scanner finds and parse the pieces one by one.  (libpg_query's own
 * scanner split drops pieces that do not start with a keyword, which is
 * exactly where syntax errors live.)
 */
static int parse_split(gk_sql *s, const char *text, size_t len, size_t from)
{
	PgQueryScanResult sr = pg_query_scan(text + from);
	PgQuery__ScanResult *scan = NULL;
	if (!sr.error)
		scan = pg_query__scan_result__unpack(NULL, sr.pbuf.len, (void *)sr.pbuf.data);
	if (!scan) {
		/* The scanner itself failed (unterminated string or comment):
		 * report the whole-text error, found by a plain parse. */
		pg_query_free_scan_result(sr);
		return parse_piece(s, text, text + from, from, true) < 0 ? -1 : 0;
	}
	pg_query_free_scan_result(sr);
	int rc = 0;
	size_t a = from;
	for (size_t i = 0; i <= scan->n_tokens && rc == 0; i++) {
		bool last = i == scan->n_tokens;
		if (!last && scan->tokens[i]->token != PG_QUERY__TOKEN__ASCII_59)
			continue;
		size_t b = last ? len : from + (size_t)scan->tokens[i]->start;
		if (gk_sql_skip_blanks(text, a, b) < b) {
			if (b - a > GK_SQL_MAX_STMT_BYTES) {
				char msg[160];
				snprintf(msg, sizeof msg, "statement of %zu bytes is longer than the %zu bytes gatekeeper analyses",
					 b - a, GK_SQL_MAX_STMT_BYTES);
				rc = add_error(s, msg, gk_sql_skip_blanks(text, a, b), true);
			} else {
				char *piece = gk_strndup(text + a, b - a);
				if (!piece)
					rc = -1;
				else
					rc = parse_piece(s, text, piece, a, true) < 0 ? -1 : 0;
				free(piece);
			}
		}
		a = b + 1;
	}
	pg_query__scan_result__free_unpacked(scan, NULL);
	return rc;
}

int gk_sql_parse(gk_sql *out, const char *text, size_t len, size_t from)
{
	memset(out, 0, sizeof *out);
	/* Short texts cannot hold a statement past the limit: skip the split. */
	if (len - from <= GK_SQL_MAX_STMT_BYTES) {
		int rc = parse_piece(out, text, text + from, from, false);
		if (rc <= 0)
			return rc;
	}
	return parse_split(out, text, len, from);
}

void gk_sql_free(gk_sql *s)
{
	for (size_t i = 0; i < s->n_trees; i++)
		pg_query__parse_result__free_unpacked(s->trees[i], NULL);
	for (size_t i = 0; i < s->n_errors; i++)
		free(s->errors[i].message);
	free(s->trees);
	free(s->stmts);
	free(s->errors);
	memset(s, 0, sizeof *s);
}
