/*
 * parse.c - libpg_query into the typed protobuf tree, statement by statement.
 *
 * libpg_query reports statement ranges that start right after the previous
 * semicolon, so leading blanks and comments are part of them; we move the
 * start to the first token so that findings point at the statement itself.
 *
 * A file is parsed whole when it can be; when it does not parse (or is too
 * long to parse at once) it is cut at the scanner's ';' tokens and each
 * piece is parsed alone, so the statements around a syntax error are still
 * analysed.  Error positions are converted from PostgreSQL's character
 * cursor to byte offsets.
 *
 * Weak spot: the parser and protobuf-c's unpacker both recurse once per
 * nesting level, so a pathological statement can exhaust any stack.  We
 * parse on threads with a large stack (GK_SQL_STACK_SIZE), refuse overlong
 * statements before parsing and over-deep trees before unpacking; both
 * limits come from measurements (see sql.h).  Each statement is unpacked
 * alone (into one arena per file), so one refused statement does not cost
 * its neighbours.
 */
#include "sql.h"
#include "../util/util.h"

#include <pthread.h>
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

static int add_error(gk_sql *s, const char *msg, size_t offset, bool too_complex, size_t start, size_t end)
{
	if (gk_grow(&s->errors, &s->cap_errors, s->n_errors + 1, sizeof *s->errors) < 0)
		return -1;
	char *m = gk_strdup(msg);
	if (!m)
		return -1;
	s->errors[s->n_errors++] = (gk_sql_error){m, offset, too_complex, start, end, false};
	return 0;
}

/* Words that start a statement and never continue one (up to PostgreSQL 18). */
static bool starts_statement(PgQuery__Token t)
{
	switch (t) {
	case PG_QUERY__TOKEN__ALTER:
	case PG_QUERY__TOKEN__CREATE:
	case PG_QUERY__TOKEN__DROP:
	case PG_QUERY__TOKEN__GRANT:
	case PG_QUERY__TOKEN__REVOKE:
	case PG_QUERY__TOKEN__COMMENT:
	case PG_QUERY__TOKEN__TRUNCATE:
	case PG_QUERY__TOKEN__COMMIT:
		return true;
	default:
		return false;
	}
}

/*
 * Is the syntax error at piece[at] one in every version, rather than
 * syntax the PostgreSQL 15 grammar does not know?  Two shapes are: a
 * statement whose first token is a plain identifier (every statement of
 * every version starts with a keyword: a typo such as SELEC), and a
 * statement the grammar accepts up to a word that can only start another
 * statement (a ';' left out, often before a dbmate `-- migrate:down`).
 */
static bool error_in_every_version(const char *piece, size_t first, size_t at)
{
	PgQueryScanResult sr = pg_query_scan(piece + at);
	PgQuery__ScanResult *scan = NULL;
	bool any = false;
	if (!sr.error && (scan = pg_query__scan_result__unpack(NULL, sr.pbuf.len, (void *)sr.pbuf.data))) {
		PgQuery__Token t = scan->n_tokens ? scan->tokens[0]->token : PG_QUERY__TOKEN__NUL;
		if (at == first)
			any = t == PG_QUERY__TOKEN__IDENT;
		else if (starts_statement(t)) {
			char *head = gk_strndup(piece, at);
			if (head) {
				PgQueryProtobufParseResult r = pg_query_parse_protobuf(head);
				any = !r.error;
				pg_query_free_protobuf_parse_result(r);
				free(head);
			}
		}
		pg_query__scan_result__free_unpacked(scan, NULL);
	}
	pg_query_free_scan_result(sr);
	return any;
}

/* ---- the arena the trees are unpacked into ---- */

typedef struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	max_align_t data[];
} arena_block;

struct gk_sql_arena {
	arena_block *head;
	size_t next_cap;
};

#define ARENA_FIRST_BLOCK ((size_t)16 << 10)
#define ARENA_MAX_BLOCK ((size_t)1 << 20)

static void *arena_alloc(void *ctx, size_t size)
{
	struct gk_sql_arena *a = ctx;
	size = (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	arena_block *b = a->head;
	if (!b || b->cap - b->used < size) {
		size_t cap = a->next_cap > size ? a->next_cap : size;
		if (!(b = malloc(sizeof *b + cap)))
			return NULL;
		b->used = 0;
		b->cap = cap;
		b->next = a->head;
		a->head = b;
		if (a->next_cap < ARENA_MAX_BLOCK)
			a->next_cap *= 2;
	}
	void *p = (char *)b->data + b->used;
	b->used += size;
	return p;
}

/* Nodes are never freed one by one; the arena goes as a whole. */
static void arena_free(void *ctx, void *p)
{
	(void)ctx;
	(void)p;
}

static void arena_destroy(struct gk_sql_arena *a)
{
	if (!a)
		return;
	for (arena_block *b = a->head, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

/* ---- taking the tree before libpg_query packs it ---- */

/*
 * pg_query_parse_protobuf builds the parse tree as protobuf-c structs,
 * packs them into bytes (pg_query__parse_result__get_packed_size, then
 * __pack, both called through the library's PLT) and frees the structs;
 * the lint then unpacked those bytes into the same structs again.  Packing
 * costs 1.9 billion instructions on the shared corpora, more than the
 * parse itself (protobuf-c sizes every nested message again at each level
 * up), and unpacking 0.6 billion: together three fifths of a lint.
 *
 * So the program defines those two functions itself (the link exports
 * them: see the Makefile's TAKE_TREE), and the library's calls reach
 * them.  While parse_piece has a capture open on its thread, the first
 * one copies each statement's tree into the gk_sql's arena and says the
 * result packs to nothing; otherwise both do what the library's do.  A
 * program linked without the export (an embedder of libgatekeeper.a) gets
 * the packed bytes and unpacks them as before: the answer is the same,
 * which take_test checks statement by statement on the shared corpora.
 */
typedef struct taken_stmt {
	int32_t location, len;
	PgQuery__Node *node;
	bool too_deep;        /* nests past GK_SQL_MAX_DEPTH: not copied */
} taken_stmt;

typedef struct capture {
	struct gk_sql_arena *arena;
	taken_stmt *stmts;
	size_t n, cap;
	bool taken;           /* copied: the result packs to nothing */
	bool oom;             /* out of memory while copying: packed as usual */
} capture;

static _Thread_local capture *open_capture;

typedef struct copier {
	capture *c;
	bool too_deep;
} copier;

/* Size of one item of a repeated field of `type` (protobuf-c's own layout). */
static size_t item_size(ProtobufCType type)
{
	switch (type) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE: return 8;
	case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE: return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
	default: return 4; /* int32, sint32, sfixed32, uint32, fixed32, float, enum */
	}
}

/* A string as unpacking leaves it: the empty one is protobuf-c's, as a
 * field packing omits. */
static char *copy_string(copier *k, const char *s)
{
	if (!s || !*s)
		return (char *)protobuf_c_empty_string;
	size_t n = strlen(s) + 1;
	char *o = arena_alloc(k->c->arena, n);
	if (!o) {
		k->c->oom = true;
		return (char *)protobuf_c_empty_string;
	}
	return memcpy(o, s, n);
}

static ProtobufCBinaryData copy_bytes(copier *k, ProtobufCBinaryData b)
{
	ProtobufCBinaryData o = {0, NULL};
	if (b.len == 0)
		return o;
	if (!(o.data = arena_alloc(k->c->arena, b.len))) {
		k->c->oom = true;
		return (ProtobufCBinaryData){0, NULL};
	}
	memcpy(o.data, b.data, b.len);
	o.len = b.len;
	return o;
}

static void *copy_message(copier *k, const ProtobufCMessage *m, size_t level);

/* One value of field `f` at `slot` (in the copy), copied in place. */
static void copy_value(copier *k, const ProtobufCFieldDescriptor *f, void *slot, size_t level)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_MESSAGE:
		if (*(void **)slot)
			*(void **)slot = copy_message(k, *(const ProtobufCMessage **)slot, level + 1);
		break;
	case PROTOBUF_C_TYPE_STRING:
		*(char **)slot = copy_string(k, *(const char **)slot);
		break;
	case PROTOBUF_C_TYPE_BYTES:
		*(ProtobufCBinaryData *)slot = copy_bytes(k, *(ProtobufCBinaryData *)slot);
		break;
	default:
		break; /* a number: copied with the message */
	}
}

/*
 * A deep copy of message `m`, at nesting `level` (a RawStmt is 1), into the
 * arena: what unpacking its packed bytes gives.  Past GK_SQL_MAX_DEPTH it
 * stops (too_deep), as the depth check on packed bytes would refuse it.
 * Each level costs this walk one frame; the parse thread's stack is sized
 * for the parser's own recursion at this depth (see sql.h).
 */
static void *copy_message(copier *k, const ProtobufCMessage *m, size_t level)
{
	if (level >= GK_SQL_MAX_DEPTH) {
		k->too_deep = true;
		return NULL;
	}
	const ProtobufCMessageDescriptor *d = m->descriptor;
	ProtobufCMessage *o = arena_alloc(k->c->arena, d->sizeof_message);
	if (!o) {
		k->c->oom = true;
		return NULL;
	}
	memcpy(o, m, d->sizeof_message);
	o->n_unknown_fields = 0;
	o->unknown_fields = NULL;
	/* A Node, one oneof of every node type (most of the tree): its set
	 * member found by number, not among some 250. */
	if (d == &pg_query__node__descriptor) {
		const PgQuery__Node *n = (const PgQuery__Node *)o;
		const ProtobufCFieldDescriptor *f =
			n->node_case ? protobuf_c_message_descriptor_get_field(d, (unsigned)n->node_case) : NULL;
		if (f)
			copy_value(k, f, (char *)o + f->offset, level);
		return k->too_deep || k->c->oom ? NULL : o;
	}
	for (unsigned i = 0; i < d->n_fields && !k->too_deep && !k->c->oom; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		char *slot = (char *)o + f->offset;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)((const char *)o + f->quantifier_offset);
			void *items = *(void **)slot;
			if (n == 0 || !items) {
				*(void **)slot = NULL;
				*(size_t *)((char *)o + f->quantifier_offset) = 0;
				continue;
			}
			size_t size = item_size(f->type);
			char *copy = arena_alloc(k->c->arena, n * size);
			if (!copy) {
				k->c->oom = true;
				break;
			}
			memcpy(copy, items, n * size);
			*(void **)slot = copy;
			if (f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_STRING ||
			    f->type == PROTOBUF_C_TYPE_BYTES)
				for (size_t j = 0; j < n; j++)
					copy_value(k, f, copy + j * size, level);
			continue;
		}
		/* A oneof's members share their storage: only the set one is read. */
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    *(const uint32_t *)((const char *)o + f->quantifier_offset) != f->id)
			continue;
		copy_value(k, f, slot, level);
	}
	return o;
}

/* Copy the statements of `m` into the open capture; -1 when out of memory. */
static int take_tree(capture *c, const PgQuery__ParseResult *m)
{
	for (size_t i = 0; i < m->n_stmts; i++) {
		const PgQuery__RawStmt *rs = m->stmts[i];
		if (gk_grow(&c->stmts, &c->cap, c->n + 1, sizeof *c->stmts) < 0)
			return -1;
		copier k = {.c = c};
		/* The statement's node is level 2: the RawStmt around it is 1. */
		PgQuery__Node *node = rs->stmt ? copy_message(&k, &rs->stmt->base, 2) : NULL;
		if (c->oom)
			return -1;
		c->stmts[c->n++] = (taken_stmt){rs->stmt_location, rs->stmt_len, k.too_deep ? NULL : node, k.too_deep};
	}
	return 0;
}

size_t pg_query__parse_result__get_packed_size(const PgQuery__ParseResult *message)
{
	capture *c = open_capture;
	if (c && !c->taken && !c->oom) {
		if (take_tree(c, message) == 0) {
			c->taken = true;
			return 0;
		}
		c->oom = true;
		c->n = 0;
	}
	return protobuf_c_message_get_packed_size(&message->base);
}

size_t pg_query__parse_result__pack(const PgQuery__ParseResult *message, uint8_t *out)
{
	capture *c = open_capture;
	if (c && c->taken)
		return 0;
	return protobuf_c_message_pack(&message->base, out);
}

/* ---- reading packed protobuf without unpacking it ---- */

typedef struct pb_field {
	unsigned num;
	unsigned wire;         /* 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32 */
	uint64_t value;        /* varint value, or the length of a wire-2 field */
	const uint8_t *data;   /* wire 2: the field's bytes */
} pb_field;

static bool pb_varint(const uint8_t *d, size_t len, size_t *i, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; *i < len && shift < 64; shift += 7) {
		uint8_t b = d[(*i)++];
		*v |= (uint64_t)(b & 0x7F) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

/* The field at *i in d[0..len); false at the end or on malformed input. */
static bool pb_next(const uint8_t *d, size_t len, size_t *i, pb_field *f)
{
	uint64_t tag;
	if (*i >= len || !pb_varint(d, len, i, &tag))
		return false;
	f->num = (unsigned)(tag >> 3);
	f->wire = (unsigned)(tag & 7);
	f->data = NULL;
	switch (f->wire) {
	case 0:
		return pb_varint(d, len, i, &f->value);
	case 1:
	case 5: {
		size_t w = f->wire == 1 ? 8 : 4;
		if (len - *i < w)
			return false;
		*i += w;
		return true;
	}
	case 2:
		if (!pb_varint(d, len, i, &f->value) || f->value > len - *i)
			return false;
		f->data = d + *i;
		*i += (size_t)f->value;
		return true;
	default:
		return false;
	}
}

static unsigned pb_field_num(const ProtobufCMessageDescriptor *desc, const char *name)
{
	const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(desc, name);
	return f ? f->id : 0;
}

/* Iterative on purpose: it runs before unpacking, which is what recurses. */
size_t gk_pb_depth(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len, size_t limit)
{
	struct frame {
		size_t end;
		const ProtobufCMessageDescriptor *desc;
	};
	struct frame *stack = NULL;
	size_t cap = 0, n = 0, max = 1, i = 0;
	if (gk_grow(&stack, &cap, 1, sizeof *stack) < 0)
		return limit + 1;
	stack[n++] = (struct frame){len, desc};
	while (n > 0 && max <= limit) {
		if (i >= stack[n - 1].end) {
			n--;
			continue;
		}
		pb_field f;
		if (!pb_next(data, stack[n - 1].end, &i, &f))
			break; /* malformed: unpack will refuse it */
		const ProtobufCFieldDescriptor *fd =
			f.wire == 2 ? protobuf_c_message_descriptor_get_field(stack[n - 1].desc, f.num) : NULL;
		if (!fd || fd->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if (gk_grow(&stack, &cap, n + 1, sizeof *stack) < 0) {
			max = limit + 1;
			break;
		}
		i = (size_t)(f.data - data); /* descend into the sub-message */
		stack[n++] = (struct frame){i + (size_t)f.value, fd->descriptor};
		if (n > max)
			max = n;
	}
	free(stack);
	return max;
}

/* ---- the scanner's tokens, read in place ---- */

/*
 * Unpacking a ScanResult allocates every token, which costs more than the
 * scan itself: the runner scan of every file reads them here instead.
 */
void gk_scan_tokens_init(gk_scan_tokens *it, const PgQueryScanResult *sr)
{
	*it = (gk_scan_tokens){0};
	if (sr->error || !sr->pbuf.data)
		return;
	it->data = (const uint8_t *)sr->pbuf.data;
	it->len = sr->pbuf.len;
	it->f_tokens = pb_field_num(&pg_query__scan_result__descriptor, "tokens");
	it->f_start = pb_field_num(&pg_query__scan_token__descriptor, "start");
	it->f_end = pb_field_num(&pg_query__scan_token__descriptor, "end");
	it->f_token = pb_field_num(&pg_query__scan_token__descriptor, "token");
	it->f_keyword_kind = pb_field_num(&pg_query__scan_token__descriptor, "keyword_kind");
}

bool gk_scan_tokens_next(gk_scan_tokens *it, PgQuery__ScanToken *t)
{
	pb_field f;
	while (pb_next(it->data, it->len, &it->i, &f)) {
		if (f.wire != 2 || f.num != it->f_tokens)
			continue;
		*t = (PgQuery__ScanToken)PG_QUERY__SCAN_TOKEN__INIT;
		pb_field g;
		for (size_t k = 0; pb_next(f.data, (size_t)f.value, &k, &g);) {
			if (g.wire != 0)
				continue;
			if (g.num == it->f_start)
				t->start = (int32_t)g.value;
			else if (g.num == it->f_end)
				t->end = (int32_t)g.value;
			else if (g.num == it->f_token)
				t->token = (PgQuery__Token)g.value;
			else if (g.num == it->f_keyword_kind)
				t->keyword_kind = (PgQuery__KeywordKind)g.value;
		}
		return true;
	}
	return false;
}

/*
 * Byte offset of 1-based character position `cursorpos` in `piece`.
 * PostgreSQL reports error positions in characters of the server encoding
 * (UTF-8 here), while node locations are bytes.
 */
static size_t cursor_offset(const char *piece, int cursorpos)
{
	size_t i = 0;
	for (int chars = 1; chars < cursorpos && piece[i]; chars++)
		do
			i++;
		while (((unsigned char)piece[i] & 0xC0) == 0x80);
	return i;
}

/*
 * Add one packed RawStmt of a piece at `base`: unpacked alone, so that a
 * statement too deep to unpack safely is refused while its neighbours are
 * still analysed.
 */
/* The arena of `s`'s trees, made at its first statement; NULL when out of memory. */
static struct gk_sql_arena *sql_arena(gk_sql *s)
{
	if (!s->arena && (s->arena = calloc(1, sizeof *s->arena)) != NULL)
		s->arena->next_cap = ARENA_FIRST_BLOCK;
	return s->arena;
}

/* Statement text[a, b) of a piece: its tree `node`, or the refusal of one
 * nesting too deep (`too_deep`).  `whole` when the statement ends at the
 * piece's end (no stmt_len): its end is its last token's. */
static int add_stmt(gk_sql *s, const char *text, size_t base, size_t a, size_t b, bool whole,
		    const PgQuery__Node *node, bool too_deep)
{
	size_t start = gk_sql_skip_blanks(text, a, b);
	size_t end = whole ? last_token_end(text, start, b) : b;
	if (too_deep) {
		char msg[200];
		snprintf(msg, sizeof msg,
			 "statement nests more than %d levels deep; gatekeeper does not analyse statements this complex",
			 GK_SQL_MAX_DEPTH);
		return add_error(s, msg, start, true, start, end);
	}
	if (gk_grow(&s->stmts, &s->cap_stmts, s->n_stmts + 1, sizeof *s->stmts) < 0)
		return -1;
	s->stmts[s->n_stmts++] = (gk_sql_stmt){.node = node, .start = start, .end = end, .base = base};
	return 0;
}

static int add_raw_stmt(gk_sql *s, const char *text, size_t base, size_t piece_len, const uint8_t *d, size_t len)
{
	unsigned f_loc = pb_field_num(&pg_query__raw_stmt__descriptor, "stmt_location");
	unsigned f_len = pb_field_num(&pg_query__raw_stmt__descriptor, "stmt_len");
	uint64_t loc = 0, slen = 0;
	pb_field f;
	for (size_t i = 0; pb_next(d, len, &i, &f);) {
		if (f.wire == 0 && f.num == f_loc)
			loc = f.value;
		else if (f.wire == 0 && f.num == f_len)
			slen = f.value;
	}
	size_t a = base + (size_t)loc;
	size_t b = slen ? a + (size_t)slen : base + piece_len;
	/* Each level costs at least 2 bytes (tag, length), so only a long
	 * statement can be too deep.  +1: the ParseResult is a level too. */
	if (len / 2 + 2 > GK_SQL_MAX_DEPTH &&
	    gk_pb_depth(&pg_query__raw_stmt__descriptor, d, len, GK_SQL_MAX_DEPTH) + 1 > GK_SQL_MAX_DEPTH)
		return add_stmt(s, text, base, a, b, !slen, NULL, true);
	if (!sql_arena(s))
		return -1;
	ProtobufCAllocator alloc = {.alloc = arena_alloc, .free = arena_free, .allocator_data = s->arena};
	PgQuery__RawStmt *rs = pg_query__raw_stmt__unpack(&alloc, len, d);
	if (!rs)
		return -1;
	return add_stmt(s, text, base, a, b, !slen, rs->stmt, false);
}

/* The statements the capture took, as add_raw_stmt adds packed ones. */
static int add_taken(gk_sql *s, const char *text, size_t base, size_t piece_len, const capture *c)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < c->n; i++) {
		const taken_stmt *t = &c->stmts[i];
		size_t a = base + (size_t)t->location;
		size_t b = t->len ? a + (size_t)t->len : base + piece_len;
		rc = add_stmt(s, text, base, a, b, !t->len, t->node, t->too_deep);
		s->n_taken += rc == 0 && !t->too_deep;
	}
	return rc;
}

/*
 * Parse one piece (NUL-terminated copy or the text itself) at absolute
 * offset `base`.  Returns 0 when parsed, 1 on a syntax error (recorded only
 * when `record_error`), -1 when out of memory.
 */
static int parse_piece(gk_sql *s, const char *text, const char *piece, size_t base, bool record_error)
{
	capture c = {.arena = sql_arena(s)};
	open_capture = c.arena ? &c : NULL;
	PgQueryProtobufParseResult r = pg_query_parse_protobuf(piece);
	open_capture = NULL;
	int rc = 0;
	if (c.taken && !r.error) {
		rc = add_taken(s, text, base, strlen(piece), &c);
		free(c.stmts);
		pg_query_free_protobuf_parse_result(r);
		return rc;
	}
	free(c.stmts);
	if (r.error) {
		if (record_error) {
			size_t end = base + strlen(piece), start = gk_sql_skip_blanks(text, base, end);
			size_t at = r.error->cursorpos > 0 ? base + cursor_offset(piece, r.error->cursorpos) : start;
			rc = add_error(s, r.error->message, at, false, start, last_token_end(text, start, end));
			if (rc == 0)
				s->errors[s->n_errors - 1].any_version = error_in_every_version(piece, start - base, at - base);
		}
		pg_query_free_protobuf_parse_result(r);
		return rc < 0 ? -1 : 1;
	}
	const uint8_t *d = (const uint8_t *)r.parse_tree.data;
	size_t len = r.parse_tree.len, piece_len = strlen(piece);
	unsigned f_stmts = pb_field_num(&pg_query__parse_result__descriptor, "stmts");
	pb_field f;
	for (size_t i = 0; rc == 0 && pb_next(d, len, &i, &f);)
		if (f.wire == 2 && f.num == f_stmts)
			rc = add_raw_stmt(s, text, base, piece_len, f.data, (size_t)f.value);
	pg_query_free_protobuf_parse_result(r);
	return rc;
}

static int parse_split(gk_sql *s, const char *text, size_t len, size_t from, bool tail);

/*
 * The scanner stopped at an unterminated literal, quoted identifier or
 * comment: report it where it starts, and still parse the complete
 * statements before it (their scan ends before the broken token).
 */
static int scanner_failed(gk_sql *s, const char *text, size_t len, size_t from, const PgQueryError *e)
{
	size_t at = from + (e->cursorpos > 0 ? cursor_offset(text + from, e->cursorpos) : 0);
	char *prefix = gk_strndup(text, at);
	if (!prefix)
		return -1;
	int rc = parse_split(s, prefix, at, from, false);
	free(prefix);
	if (rc < 0 || add_error(s, e->message ? e->message : "cannot scan the SQL text", at, false, at, len) < 0)
		return -1;
	s->errors[s->n_errors - 1].any_version = true; /* no version closes a literal or comment for you */
	return 0;
}

/* Parse text[a, b) alone, refusing it when it is longer than the limit. */
static int parse_range(gk_sql *s, const char *text, size_t a, size_t b)
{
	if (gk_sql_skip_blanks(text, a, b) == b)
		return 0;
	if (b - a > GK_SQL_MAX_STMT_BYTES) {
		char msg[160];
		snprintf(msg, sizeof msg, "statement of %zu bytes is longer than the %zu bytes gatekeeper analyses",
			 b - a, GK_SQL_MAX_STMT_BYTES);
		size_t start = gk_sql_skip_blanks(text, a, b);
		return add_error(s, msg, start, true, start, last_token_end(text, start, b));
	}
	char *piece = gk_strndup(text + a, b - a);
	if (!piece)
		return -1;
	int rc = parse_piece(s, text, piece, a, true) < 0 ? -1 : 0;
	free(piece);
	return rc;
}

/*
 * The whole text did not parse, or is too long to parse at once: cut it at
 * every top-level ';' token the scanner finds and parse the pieces one by
 * one.  (libpg_query's own scanner split drops pieces that do not start
 * with a keyword, which is exactly where syntax errors live.)  `tail`:
 * also parse what follows the last ';'.
 */
static int parse_split(gk_sql *s, const char *text, size_t len, size_t from, bool tail)
{
	PgQueryScanResult sr = pg_query_scan(text + from);
	PgQuery__ScanResult *scan = NULL;
	if (!sr.error)
		scan = pg_query__scan_result__unpack(NULL, sr.pbuf.len, (void *)sr.pbuf.data);
	if (!scan) {
		/* Only the first failure is reported: the prefix before it scans. */
		int rc = !sr.error ? -1 : tail ? scanner_failed(s, text, len, from, sr.error) : 0;
		pg_query_free_scan_result(sr);
		return rc;
	}
	pg_query_free_scan_result(sr);
	int rc = 0;
	size_t a = from;
	int atomic = 0; /* depth inside BEGIN ATOMIC ... END, whose ';' do not end the statement */
	for (size_t i = 0; i < scan->n_tokens && rc == 0; i++) {
		PgQuery__Token k = scan->tokens[i]->token;
		if (k == PG_QUERY__TOKEN__ATOMIC && i > 0 && scan->tokens[i - 1]->token == PG_QUERY__TOKEN__BEGIN_P)
			atomic++;
		else if (atomic && k == PG_QUERY__TOKEN__CASE)
			atomic++;
		else if (atomic && k == PG_QUERY__TOKEN__END_P)
			atomic--;
		if (k != PG_QUERY__TOKEN__ASCII_59 || atomic)
			continue;
		size_t b = from + (size_t)scan->tokens[i]->start;
		rc = parse_range(s, text, a, b);
		a = b + 1;
	}
	if (rc == 0 && tail)
		rc = parse_range(s, text, a, len);
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
	return parse_split(out, text, len, from, true);
}

void gk_sql_free(gk_sql *s)
{
	arena_destroy(s->arena);
	for (size_t i = 0; i < s->n_errors; i++)
		free(s->errors[i].message);
	free(s->stmts);
	free(s->errors);
	memset(s, 0, sizeof *s);
}

int gk_sql_on_deep_stack(void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	pthread_t tid;
	if (pthread_attr_init(&attr) != 0)
		return -1;
	int rc = pthread_attr_setstacksize(&attr, GK_SQL_STACK_SIZE);
	if (rc == 0)
		rc = pthread_create(&tid, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	if (rc != 0)
		return -1;
	pthread_join(tid, NULL);
	return 0;
}

int gk_pb_each_child(const ProtobufCMessage *msg, int (*visit)(const ProtobufCMessage *child, void *ctx), void *ctx)
{
	const ProtobufCMessageDescriptor *d = msg->descriptor;
	const char *base = (const char *)msg;
	int rc = 0;
	for (unsigned i = 0; rc == 0 && i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)(base + f->quantifier_offset);
			ProtobufCMessage *const *items = *(ProtobufCMessage *const *const *)(base + f->offset);
			for (size_t k = 0; rc == 0 && k < n; k++)
				rc = items[k] ? visit(items[k], ctx) : 0;
		} else if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) ||
			   *(const uint32_t *)(base + f->quantifier_offset) == f->id) {
			const ProtobufCMessage *child = *(ProtobufCMessage *const *)(base + f->offset);
			rc = child ? visit(child, ctx) : 0;
		}
	}
	return rc;
}
