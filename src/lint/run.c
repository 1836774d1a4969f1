/*
 * run.c - lints many migrations: worker threads read and parse them while
 * one thread runs the rules in input order over the shared schema model
 * (and parses the files ahead when the next one is not parsed yet).
 *
 * Parsing is most of the cost and files are independent, so it runs on
 * every core; the rules need the migrations in order.  Parsers stay at most
 * PARSE_AHEAD files and PARSE_AHEAD_BYTES of SQL ahead of the rules, which
 * bounds the memory held by parse trees however many files there are.  Every thread gets the deep
 * stack the parser needs (GK_SQL_STACK_SIZE).  The rules' thread merges each
 * file's result into the report as soon as it is done with the file, in
 * input order, so the report does not depend on scheduling; the caller
 * waits meanwhile, so the report is written by one thread at a time.
 */
#include "engine.h"
#include "../util/util.h"
#include "layout/layout.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * How far parsers may run ahead of the rules.  A thread that is off its
 * core for a while (another process wants it) must find work when it is
 * back, and the other one must not stop for want of room meanwhile: with
 * a core of two taken by another process, 64 files ahead linted the
 * corpora in 0.235 s (median), 256 in 0.194 s; with both cores free the
 * two are alike.  The bytes bound what the parse trees ahead hold when
 * the files are large (the corpora's average under 1 kB; 256 of them
 * some 1.2 MB more at the peak than 64).
 */
#define PARSE_AHEAD 256
#define PARSE_AHEAD_BYTES ((size_t)16 << 20)
#define MAX_THREADS 64
/* Room the report makes for findings before the run, per file: the 2,659
 * files of a large corpus average under five.  A run with more grows the
 * array (moved once); with fewer, the room is address space never touched. */
#define FINDINGS_PER_FILE 8
#define FINDINGS_RESERVED_MAX ((size_t)1 << 18)

/* ---- stage 1 ---- */

static void classify_read_error(gk_parsed_file *pf, int err)
{
	pf->read_errno = err;
	pf->problem = err == EFBIG ? GK_INPUT_TOO_BIG : err == EISDIR ? GK_INPUT_IS_DIR : GK_INPUT_UNREADABLE;
}

/*
 * A file whose tool is not known but that has dbmate's markers: keep only
 * its up section, what precedes it blanked so that lines and columns stay
 * the file's (as a dbmate folder's layout gives it).  It was read with one
 * byte of slack over the size limit, as the limit applies to the section.
 */
static void find_dbmate(gk_parsed_file *pf)
{
	gk_layout_migration m = {0};
	if (!gk_layout_dbmate_sections(&m, pf->text, pf->len))
		return;
	pf->tool = GK_LAYOUT_DBMATE;
	pf->no_transaction = m.no_transaction;
	if (m.up_end < pf->len) {
		pf->len = m.up_end;
		pf->text[pf->len] = '\0';
	}
	for (size_t i = 0; i < m.up_start && i < pf->len; i++)
		if (pf->text[i] != '\n' && pf->text[i] != '\r')
			pf->text[i] = ' ';
}

static int read_text(gk_parsed_file *pf, const gk_lint_options *o)
{
	const gk_lint_input *in = pf->in;
	bool dbmate = in->find_dbmate && in->tool == GK_LAYOUT_AUTO;
	size_t limit = o->max_file_size && dbmate ? o->max_file_size + 1 : o->max_file_size;
	int rc = in->judged ? gk_read_file_same(&pf->text, &pf->len, in->path, limit, in->dev, in->ino)
			    : gk_read_file(&pf->text, &pf->len, in->path, limit);
	if (rc < 0 && errno == ESTALE) {
		pf->problem = GK_INPUT_REPLACED;
		return -1;
	}
	if (rc < 0) {
		classify_read_error(pf, errno);
		return -1;
	}
	if (dbmate)
		find_dbmate(pf);
	if (o->max_file_size && pf->len > o->max_file_size) {
		classify_read_error(pf, EFBIG);
		return -1;
	}
	return 0;
}

static int load_text(gk_parsed_file *pf, const gk_lint_options *o)
{
	const gk_lint_input *in = pf->in;
	pf->tool = in->tool;
	pf->no_transaction = in->no_transaction;
	if (in->refused) {
		pf->problem = GK_INPUT_REFUSED;
		return -1;
	}
	if (!in->text) {
		if (read_text(pf, o) < 0)
			return -1;
	} else if (o->max_file_size && in->len > o->max_file_size) {
		classify_read_error(pf, EFBIG);
		return -1;
	} else if (!(pf->text = gk_strndup(in->text, in->len))) {
		pf->oom = true;
		return -1;
	} else {
		pf->len = in->len;
	}
	if (in->end && in->end < pf->len) {
		pf->len = in->end;
		pf->text[pf->len] = '\0';
	}
	return 0;
}

static void parse_text(gk_parsed_file *pf, const gk_lint_options *o)
{
	if (load_text(pf, o) < 0)
		return;
	if (gk_source_init(&pf->src, pf->text, pf->len) < 0) {
		pf->oom = true;
		return;
	}
	pf->have_source = true;
	const char *nul = memchr(pf->text, '\0', pf->len);
	if (nul) {
		pf->problem = GK_INPUT_NUL;
		pf->bad_offset = (size_t)(nul - pf->text);
		return;
	}
	if (!gk_utf8_valid(pf->text, pf->len, &pf->bad_offset)) {
		pf->problem = GK_INPUT_UTF8;
		return;
	}
	if (gk_sql_parse(&pf->sql, pf->text, pf->len, pf->src.bom) < 0 ||
	    gk_directives_find(&pf->dirs, &pf->src, &pf->sql) < 0) {
		pf->oom = true;
		return;
	}
	pf->parsed = true;
}

void gk__parse_file(gk_parsed_file *pf, const gk_lint_options *o)
{
	parse_text(pf, o);
	gk__choose_runner(pf, o);
}

void gk__parsed_file_clear(gk_parsed_file *pf)
{
	gk_directives_free(&pf->dirs);
	gk_sql_free(&pf->sql);
	gk_source_free(&pf->src);
	free(pf->text);
	const gk_lint_input *in = pf->in;
	memset(pf, 0, sizeof *pf);
	pf->in = in;
}

/* ---- the pipeline ---- */

typedef struct pipeline {
	const gk_lint_options *o;
	const gk_rule_table *rules;
	/* Files in flight, in a ring: file i in files[i % PARSE_AHEAD] while
	 * it is parsed and linted (parsers stay that many files ahead), its
	 * result in res[i % PARSE_AHEAD] until merged.  A slot per input
	 * (some 1.6 kB each, mostly the runner's reasons) cost a page fault
	 * per two or three files. */
	gk_parsed_file files[PARSE_AHEAD];
	gk_file_result res[PARSE_AHEAD];
	bool *ready;      /* per input */
	size_t n;
	size_t next;      /* next file to parse */
	size_t consumed;  /* files the rules are done with */
	size_t ahead_bytes; /* SQL of the files parsed and not consumed yet */
	pthread_mutex_t mu;
	/* Each side is woken only when it waits for what changed: the rules
	 * for the file they need (`awaited`), the parsers for room ahead
	 * (`parsers_waiting`).  A wake-up of every thread at every file costs
	 * a context switch per thread per file. */
	pthread_cond_t parsed, room;
	size_t awaited;   /* the file the rules wait for; n = none */
	size_t parsers_waiting;
	gk_state state;
	/* The report, written only by the thread that runs the rules while
	 * the pipeline runs (the caller waits for it): each file's result
	 * goes in as soon as the rules are done with it, so that adding the
	 * findings (and their digests) overlaps the parsing of later files. */
	gk_report *r;
	const gk_lint_input *in;
	size_t merged;    /* results merged (and freed), in input order */
	int merge_rc;
	gk_error merge_err;
} pipeline;

static gk_parsed_file *slot_file(pipeline *p, size_t i) { return &p->files[i % PARSE_AHEAD]; }

static gk_file_result *slot_result(pipeline *p, size_t i) { return &p->res[i % PARSE_AHEAD]; }

/* Whether a parser may take the next file (with the lock held): a slot is
 * free and the files ahead hold less than PARSE_AHEAD_BYTES.  With no file
 * ahead they hold none: there is room for the next, however large. */
static bool room_ahead(const pipeline *p)
{
	return p->next < p->consumed + PARSE_AHEAD && p->ahead_bytes < PARSE_AHEAD_BYTES;
}

/* Stage 1 for file i, which the caller took from p->next, into its slot;
 * then it is ready for the rules.  Without the lock. */
static void parse_taken(pipeline *p, size_t i)
{
	gk_parsed_file *pf = slot_file(p, i);
	*pf = (gk_parsed_file){.in = &p->in[i]}; /* the rules cleared it */
	gk__parse_file(pf, p->o);
	pthread_mutex_lock(&p->mu);
	p->ahead_bytes += pf->len;
	p->ready[i] = true;
	if (p->awaited == i)
		pthread_cond_signal(&p->parsed);
	pthread_mutex_unlock(&p->mu);
}

static void *parser(void *arg)
{
	pipeline *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (p->next < p->n && !room_ahead(p)) {
			p->parsers_waiting++;
			pthread_cond_wait(&p->room, &p->mu);
			p->parsers_waiting--;
		}
		size_t i = p->next < p->n ? p->next++ : p->n;
		pthread_mutex_unlock(&p->mu);
		if (i == p->n)
			return NULL;
		parse_taken(p, i);
	}
}

/*
 * The rules' wait for file i, with the lock held.  While the file is not
 * parsed yet, the rules' thread parses the next file there is room for
 * rather than sleep: which of the two stages costs more depends on the
 * files (a history of long views parses slowly and lints fast, one of
 * many small ALTERs the other way round), and either thread then does
 * whichever is left, so that neither waits on the other with work to do.
 * A file not taken by any parser yet is the next one: the rules parse it
 * themselves (and every file, when no parser thread could start).
 */
static void await_parsed(pipeline *p, size_t i)
{
	while (!p->ready[i]) {
		if (p->next < p->n && room_ahead(p)) {
			size_t k = p->next++;
			pthread_mutex_unlock(&p->mu);
			parse_taken(p, k);
			pthread_mutex_lock(&p->mu);
			continue;
		}
		p->awaited = i;
		pthread_cond_wait(&p->parsed, &p->mu);
	}
	p->awaited = p->n;
}

static void merge_next(pipeline *p);

static void *linter(void *arg)
{
	pipeline *p = arg;
	for (size_t i = 0; i < p->n; i++) {
		pthread_mutex_lock(&p->mu);
		await_parsed(p, i);
		pthread_mutex_unlock(&p->mu);
		gk_parsed_file *pf = slot_file(p, i);
		size_t len = pf->len; /* what parse_taken added to ahead_bytes (stage 2 reads it only) */
		gk__lint_parsed(pf, p->o, p->rules, &p->state, slot_result(p, i));
		gk__parsed_file_clear(pf);
		pthread_mutex_lock(&p->mu);
		p->ahead_bytes -= len;
		p->consumed = i + 1;
		if (p->parsers_waiting)
			pthread_cond_broadcast(&p->room);
		pthread_mutex_unlock(&p->mu);
		merge_next(p);
	}
	return NULL;
}

/* Parser threads: as asked, else one per core but the one the rules'
 * thread keeps busy.  With the parse tree taken before it is packed (see
 * src/sql/parse.c), parsing costs about what running the rules does: on
 * 2 cores, 2 parsers beside the rules' thread only queued for the cores
 * (the corpora linted in 0.34 s on average, against 0.31 s with one). */
static size_t parser_threads(const gk_lint_options *o, size_t n)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t t = o->jobs > 0 ? (size_t)o->jobs : (cores > 1 ? (size_t)cores - 1 : 1);
	if (t > n)
		t = n ? n : 1;
	return t > MAX_THREADS - 1 ? MAX_THREADS - 1 : t;
}

static int run_pipeline(pipeline *p, gk_error *err)
{
	pthread_t tids[MAX_THREADS];
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, GK_SQL_STACK_SIZE);
	size_t want = parser_threads(p->o, p->n), started = 0;
	int rc = 0;
	if (pthread_create(&tids[started], &attr, linter, p) != 0)
		rc = gk_error_set(err, GK_ERROR, "cannot start the lint thread");
	else
		started++;
	for (size_t i = 0; rc == 0 && i < want; i++)
		if (pthread_create(&tids[started], &attr, parser, p) == 0)
			started++;
	pthread_attr_destroy(&attr);
	/* No parser thread could start (EAGAIN): the rules' thread parses
	 * every file itself (await_parsed), more slowly but whole. */
	for (size_t i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	return rc;
}

/* ---- merging ---- */

static void free_result(gk_file_result *fr)
{
	for (size_t k = 0; k < fr->n; k++) {
		gk_finding *f = &fr->findings[k];
		free(f->message);
		free(f->help);
		free(f->path);
		free(f->sql);
		free(f->context);
		free(f->about);
		free(f->evidence.predicted.relation);
	}
	free(fr->findings);
}

/* File `in`'s result into the report: its migration, then its findings,
 * moved, not copied, and sorted as the report orders them. */
static int merge_file(gk_report *r, const gk_lint_input *in, gk_file_result *fr, gk_error *err)
{
	if (fr->oom)
		return gk_error_set(err, GK_ENOMEM, "out of memory while linting %s", in->path);
	if (in->role == GK_LINT_CHECK) {
		const gk_runner_choice *c = &fr->choice;
		int idx = gk_report_add_migration(r, in->path, fr->statements, fr->runner);
		if (idx < 0 || gk_report_set_runner_why(r, (size_t)idx, c->tool, c->version, c->source, c->reason) < 0)
			return gk_error_set(err, GK_ENOMEM, "out of memory");
		gk_report_set_statements_total(r, (size_t)idx, fr->statements_total);
	}
	if (gk_report_take_findings(r, fr->findings, fr->n) < 0)
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	return 0;
}

/* The next file's result, in input order; after the first failure the
 * rest are only freed (what is left of a file after running out of
 * memory too). */
static void merge_next(pipeline *p)
{
	size_t i = p->merged++;
	if (p->merge_rc == 0)
		p->merge_rc = merge_file(p->r, &p->in[i], slot_result(p, i), &p->merge_err);
	free_result(slot_result(p, i));
	memset(slot_result(p, i), 0, sizeof(gk_file_result));
}

int gk_lint_run(gk_report *r, const gk_lint_options *o, const gk_rule_table *rules, const gk_lint_input *in, size_t n,
		gk_error *err)
{
	/* On the heap: the ring of files in flight is some 100 kB. */
	pipeline *p = calloc(1, sizeof *p);
	bool *ready = calloc(n ? n : 1, sizeof *ready);
	if (!p || !ready) {
		free(p);
		free(ready);
		return gk_error_set(err, GK_ENOMEM, "out of memory");
	}
	p->o = o;
	p->rules = rules;
	p->n = p->awaited = n;
	p->r = r;
	p->in = in;
	p->ready = ready;
	gk_state_init(&p->state);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->parsed, NULL);
	pthread_cond_init(&p->room, NULL);
	/* A hint: out of memory for the room, the array grows as it fills. */
	size_t room = n < FINDINGS_RESERVED_MAX / FINDINGS_PER_FILE ? n * FINDINGS_PER_FILE : FINDINGS_RESERVED_MAX;
	(void)gk_report_reserve_findings(r, room);
	int rc = n ? run_pipeline(p, err) : 0;
	/* What the lint thread did not merge (it could not start): the files' empty results. */
	while (p->merged < n)
		merge_next(p);
	if (rc == 0 && p->merge_rc != 0 && err)
		*err = p->merge_err;
	int mrc = p->merge_rc;
	pthread_cond_destroy(&p->parsed);
	pthread_cond_destroy(&p->room);
	pthread_mutex_destroy(&p->mu);
	gk_state_free(&p->state);
	free(p);
	free(ready);
	return rc ? rc : mrc;
}
