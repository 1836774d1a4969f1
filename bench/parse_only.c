/*
 * parse_only.c - the floor for `make bench`: read each file named on the
 * command line, parse it with libpg_query into the protobuf tree and free
 * it, one file after another on one thread.  Like gatekeeper, it runs the
 * parse on a thread with a deep stack, so the same inputs cannot crash it.
 * Prints the number of files and statements parsed (and failures).
 */
#define _GNU_SOURCE
#include <pg_query.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct job {
	int n;
	char **paths;
	long parsed, failed, bytes;
} job;

static char *slurp(const char *path, long *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0, r;
	do {
		if (n + 65536 + 1 > cap) {
			cap = (n + 65536 + 1) * 2;
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, 65536, f);
		n += r;
	} while (r > 0);
	fclose(f);
	buf[n] = '\0';
	*len = (long)n;
	return buf;
}

static void *run(void *arg)
{
	job *j = arg;
	for (int i = 0; i < j->n; i++) {
		long len = 0;
		char *sql = slurp(j->paths[i], &len);
		if (!sql) {
			j->failed++;
			continue;
		}
		PgQueryProtobufParseResult r = pg_query_parse_protobuf(sql);
		if (r.error)
			j->failed++;
		else
			j->parsed++;
		j->bytes += len;
		pg_query_free_protobuf_parse_result(r);
		free(sql);
	}
	/* No pg_query_exit(): libpg_query frees its per-thread memory context
	 * when the thread ends, and calling it as well frees it twice. */
	return NULL;
}

int main(int argc, char **argv)
{
	job j = {argc - 1, argv + 1, 0, 0, 0};
	pthread_attr_t attr;
	pthread_t t;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, (size_t)1 << 30);
	if (pthread_create(&t, &attr, run, &j) != 0) {
		fprintf(stderr, "parse_only: cannot start the parser thread\n");
		return 2;
	}
	pthread_join(t, NULL);
	printf("parse_only: %ld files parsed, %ld failed, %ld bytes\n", j.parsed, j.failed, j.bytes);
	return 0;
}
