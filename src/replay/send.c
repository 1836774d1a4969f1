/*
 * send.c - one query sent to the shadow and its outcome read as the
 * replay reports it: the server's SQLSTATE, message, detail, hint, and
 * the error position as a byte offset of the file.  Below replay.c
 * (runner semantics) and trace.c (the lock trace), which both send.
 */
#include "replay/replay_internal.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors ------------------------------------------------------------ */

/* Byte index in `q` of 1-based character `pos` (the server counts
 * characters of the query, we report bytes of the file); -1 when outside. */
static long char_to_byte(const char *q, long pos)
{
	long chars = 0;
	for (size_t i = 0; q[i]; i++) {
		if (((unsigned char)q[i] & 0xC0) == 0x80)
			continue;  /* UTF-8 continuation byte */
		if (++chars == pos)
			return (long)i;
	}
	return -1;
}

/* A copy of `v` of at most GK_REPLAY_TEXT_MAX bytes: cut on a character
 * boundary and marked with "...".  A message can quote data (a value that
 * did not convert, a row that broke a constraint): what it quotes stays
 * short. */
static char *bounded(const char *v, size_t n)
{
	if (n <= GK_REPLAY_TEXT_MAX)
		return gk_strndup(v, n);
	size_t cut = GK_REPLAY_TEXT_MAX - 3;
	while (cut > 0 && ((unsigned char)v[cut] & 0xC0) == 0x80)
		cut--;
	char *out = malloc(cut + 4);
	if (out) {
		memcpy(out, v, cut);
		memcpy(out + cut, "...", 4);
	}
	return out;
}

/* The server's message, detail or hint; never its CONTEXT or the
 * statement, which can echo the data a migration read. */
static char *field(const PGresult *res, int code)
{
	const char *v = PQresultErrorField(res, code);
	return v && *v ? bounded(v, strlen(v)) : NULL;
}

static void set_error(gk_replay_result *r, const PGresult *res, PGconn *c, const char *q,
		      size_t base)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	snprintf(r->sqlstate, sizeof r->sqlstate, "%s", state ? state : "");
	r->message = res ? field(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (!r->message) {
		/* No server error: the connection failed (libpq's own message). */
		const char *m = PQerrorMessage(c);
		size_t n = strlen(m);
		while (n && (m[n - 1] == '\n' || m[n - 1] == ' '))
			n--;
		r->message = bounded(m, n);
	}
	r->detail = res ? field(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	r->hint = res ? field(res, PG_DIAG_MESSAGE_HINT) : NULL;
	const char *pos = res ? PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION) : NULL;
	long b = pos ? char_to_byte(q, atol(pos)) : -1;
	r->error_offset = b < 0 ? -1 : b + (long)base;
	r->status = GK_REPLAY_FAILED;
}

bool gk_replay_outcome(PGconn *c, const PGresult *res, const char *q, size_t base, gk_replay_result *r)
{
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY;
	if (!ok && r)
		set_error(r, res, c, q, base);
	return ok;
}

bool gk_replay_send(PGconn *c, const char *q, size_t base, gk_replay_result *r)
{
	PGresult *res = PQexec(c, q);
	bool ok = gk_replay_outcome(c, res, q, base, r);
	PQclear(res);
	return ok;
}

void gk_replay_point_at(gk_replay_result *r, const char *text, const gk_replay_stmt *s)
{
	if (r->error_offset >= 0 || !r->sqlstate[0])
		return;
	size_t at = s->start;
	while (at < s->end && strchr(" \t\r\n", text[at]))
		at++;
	r->error_offset = (long)at;
}

void gk_replay_stopped_at(gk_replay_result *r, const gk_replay_stmt *s)
{
	free(r->message);
	free(r->detail);
	free(r->hint);
	r->message = r->detail = r->hint = NULL;
	snprintf(r->sqlstate, sizeof r->sqlstate, "57014");
	r->error_offset = (long)s->start;
	r->status = GK_REPLAY_FAILED;
}
