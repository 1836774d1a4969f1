/*
 * replay.c - apply migrations to a shadow server with their runner's
 * transaction semantics, and tell the migration's failures from the
 * environment's.
 *
 * Why the runner matters: PostgreSQL decides "inside a transaction block"
 * from how the statements arrive.  Prisma sends a file as one simple query,
 * so two statements form an implicit transaction and CREATE INDEX
 * CONCURRENTLY fails (25001) although it would succeed alone; Flyway and
 * dbmate wrap each file in BEGIN/COMMIT, so a failure anywhere rolls the
 * whole file back.  Replaying any other way would pass migrations that fail
 * in production, or the reverse.
 *
 * Environment failures: a shadow built from the migrations alone lacks what
 * production got from elsewhere (an extension's files, roles, schemas made
 * by hand).  Those are reported as GK_REPLAY_ENVIRONMENT with the missing
 * piece named, so that the user fixes the shadow (an init script) rather
 * than the migration.  A syntax error stays the migration's fault: the
 * server cannot tell "newer syntax" from "wrong syntax".
 */
#include "replay/replay_internal.h"
#include "sql/sql.h"
#include "util/util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

const char *gk_replay_status_name(enum gk_replay_status s)
{
	switch (s) {
	case GK_REPLAY_OK: return "ok";
	case GK_REPLAY_FAILED: return "failed";
	case GK_REPLAY_ENVIRONMENT: return "environment";
	case GK_REPLAY_SKIPPED: return "skipped";
	}
	return "unknown";
}

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

static char *field(const PGresult *res, int code)
{
	const char *v = PQresultErrorField(res, code);
	return v && *v ? gk_strdup(v) : NULL;
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
		r->message = gk_strndup(m, n);
	}
	r->detail = res ? field(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	r->hint = res ? field(res, PG_DIAG_MESSAGE_HINT) : NULL;
	const char *pos = res ? PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION) : NULL;
	long b = pos ? char_to_byte(q, atol(pos)) : -1;
	r->error_offset = b < 0 ? -1 : b + (long)base;
	r->status = GK_REPLAY_FAILED;
}

bool gk_replay_send(PGconn *c, const char *q, size_t base, gk_replay_result *r)
{
	PGresult *res = PQexec(c, q);
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY;
	if (!ok && r)
		set_error(r, res, c, q, base);
	PQclear(res);
	return ok;
}

/* Quiet control statements of the runner model (BEGIN, COMMIT, ROLLBACK). */
static bool control(PGconn *c, const char *q)
{
	PGresult *res = PQexec(c, q);
	bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	return ok;
}

/* ---- environment or migration? -------------------------------------------- */

/* The first "quoted" name in `msg`, malloc'ed; NULL when none. */
static char *quoted(const char *msg)
{
	const char *a = msg ? strchr(msg, '"') : NULL;
	const char *b = a ? strchr(a + 1, '"') : NULL;
	return b ? gk_strndup(a + 1, (size_t)(b - a - 1)) : NULL;
}

/* Name of the extension from ".../name.control" in a PG <= 15 message. */
static char *control_file_name(const char *msg)
{
	const char *end = msg ? strstr(msg, ".control\"") : NULL;
	if (!end)
		return NULL;
	const char *s = end;
	while (s > msg && s[-1] != '/' && s[-1] != '"')
		s--;
	return gk_strndup(s, (size_t)(end - s));
}

/* PG <= 15: 58P01 "could not open extension control file ".../x.control"";
 * PG >= 16: 0A000 "extension "x" is not available".  A missing shared
 * library ("$libdir/x") is the extension's files lacking too. */
static char *missing_extension(const gk_replay_result *r)
{
	char *name = NULL;
	if (!strcmp(r->sqlstate, "58P01") && (name = control_file_name(r->message)))
		return name;
	if (!strcmp(r->sqlstate, "0A000") && strstr(r->message, "is not available") &&
	    !strncmp(r->message, "extension \"", 11))
		return quoted(r->message);
	if (!strcmp(r->sqlstate, "58P01") && strstr(r->message, "\"$libdir/"))
		return gk_strdup(strstr(r->message, "\"$libdir/") + 9);
	return NULL;
}

typedef struct schema_search {
	const gk_replay_migration *m;
	size_t n;
} schema_search;

/* Does any migration in `later` create schema `name`?  Then the order of
 * the migrations is at fault, not the environment. */
static int created_later(const schema_search *later, const char *name, bool *found)
{
	*found = false;
	for (size_t i = 0; i < later->n && !*found; i++) {
		char *text = gk_strndup(later->m[i].sql, later->m[i].len);
		gk_replay_split sp;
		if (!text || gk_replay_split_sql(&sp, text, later->m[i].len) != 0) {
			free(text);
			return GK_ENOMEM;
		}
		for (size_t k = 0; k < sp.n_schemas; k++)
			*found = *found || !strcmp(sp.schemas[k], name);
		gk_replay_split_free(&sp);
		free(text);
	}
	return 0;
}

static char *with_kind(const char *kind, char *name)
{
	char *s = name ? gk_asprintf("%s %s", kind, name) : NULL;
	free(name);
	return s;
}

/* Decide whether a failure is the environment's; sets status and missing. */
static int classify(gk_replay_result *r, const schema_search *later)
{
	if (!r->message)
		return 0;
	char *what = with_kind("extension", missing_extension(r));
	/* 42704 from GRANT / OWNER TO, 22023 from SET ROLE (a setting's check). */
	if (!what && (!strcmp(r->sqlstate, "42704") || !strcmp(r->sqlstate, "22023")) &&
	    !strncmp(r->message, "role \"", 6) && strstr(r->message, "does not exist"))
		what = with_kind("role", quoted(r->message));
	if (!what && !strcmp(r->sqlstate, "3F000") && !strncmp(r->message, "schema \"", 8)) {
		char *name = quoted(r->message);
		bool found = false;
		if (name && created_later(later, name, &found) != 0) {
			free(name);
			return GK_ENOMEM;
		}
		if (found)
			free(name);
		else
			what = with_kind("schema", name);
	}
	if (what) {
		r->status = GK_REPLAY_ENVIRONMENT;
		r->missing = what;
	}
	return 0;
}

/* ---- runner models ------------------------------------------------------ */

/* Leave no transaction open after a failure, whatever the file did. */
static void settle(PGconn *c)
{
	if (PQtransactionStatus(c) != PQTRANS_IDLE)
		control(c, "ROLLBACK");
}

static void apply_plain(PGconn *c, const gk_replay_migration *m, const char *text,
			gk_replay_result *r)
{
	if (m->runner == GK_RUNNER_PER_FILE && !control(c, "BEGIN")) {
		set_error(r, NULL, c, "", 0);
		return;
	}
	bool ok = gk_replay_send(c, text, 0, r);
	if (ok && m->runner == GK_RUNNER_PER_FILE && !gk_replay_send(c, "COMMIT", 0, r)) {
		ok = false;
		r->error_offset = -1;  /* e.g. a deferred constraint: no place in the file */
	}
	if (ok)
		r->status = GK_REPLAY_OK;
	settle(c);
}

static int apply_one(PGconn *c, const gk_replay_migration *m, const schema_search *later,
		     gk_replay_result *r)
{
	char *text = gk_strndup(m->sql, m->len);
	if (!text)
		return GK_ENOMEM;
	double t0 = gk_now();
	/* A file the front end cannot split is run whole, untraced. */
	int rc = m->trace ? gk_replay_trace(c, m, text, r) : 1;
	if (rc == 1) {
		rc = 0;
		apply_plain(c, m, text, r);
	}
	r->duration_ms = (gk_now() - t0) * 1000.0;
	free(text);
	if (rc == 0 && r->status == GK_REPLAY_FAILED && PQstatus(c) == CONNECTION_OK)
		rc = classify(r, later);
	return rc;
}

static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static PGconn *connect_shadow(const char *conninfo, gk_error *err)
{
	PGconn *c = PQconnectdb(conninfo);
	if (!c || PQstatus(c) != CONNECTION_OK) {
		gk_error_set(err, GK_EINFRA, "replay: cannot connect to the shadow server: %s",
			     c ? PQerrorMessage(c) : "out of memory");
		PQfinish(c);
		return NULL;
	}
	/* The server counts error positions in characters: make them UTF-8's. */
	PQsetClientEncoding(c, "UTF8");
	PQsetNoticeProcessor(c, quiet_notices, NULL);
	return c;
}

int gk_replay_run(gk_replay_result *out, const char *conninfo, const gk_replay_migration *m,
		  size_t n, gk_error *err)
{
	return gk_replay_run_progress(out, conninfo, m, n, NULL, NULL, err);
}

int gk_replay_run_progress(gk_replay_result *out, const char *conninfo, const gk_replay_migration *m,
			   size_t n, gk_replay_progress_fn progress, void *ctx, gk_error *err)
{
	for (size_t i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof out[i]);
		out[i].status = GK_REPLAY_SKIPPED;
		out[i].error_offset = -1;
	}
	PGconn *c = connect_shadow(conninfo, err);
	if (!c)
		return GK_EINFRA;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		schema_search later = {m + i + 1, n - i - 1};
		if (progress)
			progress(ctx, i, n, &m[i]);
		rc = apply_one(c, &m[i], &later, &out[i]);
		if (rc == 0 && PQstatus(c) != CONNECTION_OK)
			rc = gk_error_set(err, GK_EINFRA,
					  "replay: the shadow server went away during %s: %s",
					  m[i].path ? m[i].path : "a migration",
					  out[i].message ? out[i].message : "connection lost");
		else if (rc == GK_ENOMEM)
			gk_error_set(err, GK_ENOMEM, "replay: out of memory");
		if (out[i].status != GK_REPLAY_OK)
			break;
	}
	PQfinish(c);
	return rc;
}

void gk_replay_results_free(gk_replay_result *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++) {
		free(r[i].message);
		free(r[i].detail);
		free(r[i].hint);
		free(r[i].missing);
		for (size_t k = 0; k < r[i].n_locks; k++) {
			free(r[i].locks[k].relation);
			free(r[i].locks[k].mode);
		}
		free(r[i].locks);
		memset(&r[i], 0, sizeof r[i]);
	}
}

/* ---- splitting ------------------------------------------------------------ */

typedef struct split_job {
	gk_replay_split *out;
	const char *text;
	size_t len;
	int rc;
} split_job;

static int add_stmt(gk_replay_split *s, size_t *cap, const gk_sql_stmt *st)
{
	if (gk_grow(&s->stmts, cap, s->n + 1, sizeof *s->stmts) != 0)
		return GK_ENOMEM;
	int k = st->node ? (int)st->node->node_case : 0;
	s->stmts[s->n++] = (gk_replay_stmt){st->start, st->end,
					    k == PG_QUERY__NODE__NODE_TRANSACTION_STMT};
	if (k != PG_QUERY__NODE__NODE_CREATE_SCHEMA_STMT || !st->node->create_schema_stmt->schemaname)
		return 0;
	char **grown = realloc(s->schemas, (s->n_schemas + 1) * sizeof *grown);
	if (!grown)
		return GK_ENOMEM;
	s->schemas = grown;
	s->schemas[s->n_schemas] = gk_strdup(st->node->create_schema_stmt->schemaname);
	return s->schemas[s->n_schemas++] ? 0 : GK_ENOMEM;
}

static void *split_thread(void *arg)
{
	split_job *j = arg;
	gk_sql sql;
	if (gk_sql_parse(&sql, j->text, j->len, 0) != 0) {
		j->rc = GK_ENOMEM;
		return NULL;
	}
	size_t cap = 0;
	j->out->parsed = sql.n_errors == 0;
	for (size_t i = 0; i < sql.n_stmts && j->rc == 0; i++)
		j->rc = add_stmt(j->out, &cap, &sql.stmts[i]);
	gk_sql_free(&sql);
	return NULL;
}

int gk_replay_split_sql(gk_replay_split *out, const char *text, size_t len)
{
	memset(out, 0, sizeof *out);
	split_job j = {out, text, len, 0};
	pthread_attr_t attr;
	pthread_t tid;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, GK_SQL_STACK_SIZE);
	int started = pthread_create(&tid, &attr, split_thread, &j);
	pthread_attr_destroy(&attr);
	if (started != 0)
		return GK_ENOMEM;
	pthread_join(tid, NULL);
	if (j.rc != 0)
		gk_replay_split_free(out);
	return j.rc;
}

void gk_replay_split_free(gk_replay_split *s)
{
	for (size_t i = 0; i < s->n_schemas; i++)
		free(s->schemas[i]);
	free(s->schemas);
	free(s->stmts);
	memset(s, 0, sizeof *s);
}
