/* util_test.c - UTF-8 helpers, escaping of untrusted text, shell quoting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/util.h"

static void test_util__utf8_whole_drops_a_cut_sequence(void **state)
{
	(void)state;
	const char *s = "ab\xc3\xa9\xe2\x98\x95"; /* a b é ☕ */
	assert_int_equal(gk_utf8_whole(s, 7), 7);  /* whole */
	assert_int_equal(gk_utf8_whole(s, 6), 4);  /* ☕ cut after 2 of 3 bytes */
	assert_int_equal(gk_utf8_whole(s, 5), 4);  /* ☕ cut after 1 byte */
	assert_int_equal(gk_utf8_whole(s, 4), 4);  /* é whole */
	assert_int_equal(gk_utf8_whole(s, 3), 2);  /* é cut */
	assert_int_equal(gk_utf8_whole(s, 2), 2);
	assert_int_equal(gk_utf8_whole(s, 0), 0);
	assert_int_equal(gk_utf8_whole("\xf0\x9f\x98", 3), 0); /* 4-byte sequence cut */
}

static void test_util__utf8_valid(void **state)
{
	(void)state;
	size_t bad = 99;
	assert_true(gk_utf8_valid("caf\xc3\xa9", 5, &bad));
	assert_false(gk_utf8_valid("caf\xe9!", 5, &bad));
	assert_int_equal(bad, 3);
	assert_false(gk_utf8_valid("\xc0\xaf", 2, &bad)); /* overlong */
	assert_false(gk_utf8_valid("\xed\xa0\x80", 3, &bad)); /* surrogate */
	assert_false(gk_utf8_valid("ab\xc3", 3, &bad));
	assert_int_equal(bad, 2);
	/* ASCII is checked eight bytes at a time: a bad byte at every offset of
	 * a long run, and a cut sequence at its end, are found where they are. */
	char buf[40];
	for (size_t at = 0; at < 24; at++) {
		memset(buf, 'a', sizeof buf);
		buf[at] = (char)0xe9;
		assert_false(gk_utf8_valid(buf, sizeof buf, &bad));
		assert_int_equal(bad, at);
		memset(buf, 'a', sizeof buf);
		memcpy(buf + at, "\xc3\xa9", 2);
		assert_true(gk_utf8_valid(buf, sizeof buf, NULL));
		assert_false(gk_utf8_valid(buf, at + 1, &bad)); /* the sequence cut after its first byte */
		assert_int_equal(bad, at);
	}
}


/* gk_buf_printf formats into the buffer's spare room, or grows it and
 * formats again: short and long pieces, at every fill, land whole and in
 * order; past cap_max it fails and keeps what it held. */
static void test_util__buf_printf(void **state)
{
	(void)state;
	char big[5000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	gk_buf b = GK_BUF_INIT;
	size_t want = 0;
	for (int i = 0; i < 300; i++) {
		size_t len = (size_t)(i * 37) % (sizeof big - 1);
		gk_buf_printf(&b, "<%d:%.*s>", i, (int)len, big);
		char head[32];
		want += (size_t)snprintf(head, sizeof head, "<%d:", i) + len + 1;
		assert_int_equal(b.len, want);
		assert_int_equal(b.data[b.len], '\0');
		assert_true(b.data[b.len - 1] == '>');
	}
	assert_false(b.failed);
	free(gk_buf_take(&b));
	gk_buf c = GK_BUF_INIT;
	c.cap_max = 64;
	gk_buf_printf(&c, "%s", "0123456789");
	gk_buf_printf(&c, "%.*s", 60, big); /* 70 bytes and the NUL: over */
	assert_true(c.failed);
	assert_int_equal(c.len, 10);
	assert_memory_equal(c.data, "0123456789", 11);
	free(gk_buf_take(&c));
	gk_buf d = GK_BUF_INIT;
	d.cap_max = 64;
	gk_buf_printf(&d, "%.*s", 63, big); /* exactly at the bound */
	assert_false(d.failed);
	assert_int_equal(d.len, 63);
	free(gk_buf_take(&d));
}

static void test_util__visible(void **state)
{
	(void)state;
	char *v = gk_visible("a\x1b[31mred\nb\r\t\x7f\x01", 0);
	assert_string_equal(v, "a\\x1b[31mred\\nb\\r\\t\\x7f\\x01");
	free(v);
	/* A newline cannot start a CI log command: it is no longer a newline. */
	v = gk_visible("x.sql\n::error::pwned", 0);
	assert_null(strchr(v, '\n'));
	assert_string_equal(v, "x.sql\\n::error::pwned");
	free(v);
	/* A path at the start of a line cannot start with "::" or "##". */
	v = gk_visible("::add-mask::x.sql", GK_VIS_LINE_START);
	assert_string_equal(v, "./::add-mask::x.sql");
	free(v);
	v = gk_visible("##[error]x", GK_VIS_LINE_START);
	assert_string_equal(v, "./##[error]x");
	free(v);
	/* Tabs kept on request; UTF-8 kept; C1, bidi overrides and invalid bytes shown. */
	v = gk_visible("\tcaf\xc3\xa9 \xc2\x9b \xe2\x80\xae \xff\\", GK_VIS_TAB);
	assert_string_equal(v, "\tcaf\xc3\xa9 \\u009b \\u202e \\xff\\");
	free(v);
	v = gk_visible(NULL, 0);
	assert_string_equal(v, "");
	free(v);
}

static void test_util__path_escape_is_reversible(void **state)
{
	(void)state;
	/* Two names that differ only in invalid bytes stay distinct; a backslash is doubled. */
	char *a = gk_path_escape("db/\xff.sql"), *b = gk_path_escape("db/\xfe.sql"), *c = gk_path_escape("db/\\xff.sql");
	assert_string_equal(a, "db/\\xff.sql");
	assert_string_equal(b, "db/\\xfe.sql");
	assert_string_equal(c, "db/\\\\xff.sql");
	assert_string_not_equal(a, c);
	free(a), free(b), free(c);
	a = gk_path_escape("caf\xc3\xa9/\n.sql"); /* valid UTF-8 (control characters too: JSON escapes them) */
	assert_string_equal(a, "caf\xc3\xa9/\n.sql");
	free(a);
}

static void test_util__shell_quote(void **state)
{
	(void)state;
	char *q = NULL;
	assert_int_equal(gk_shell_quote(&q, "20240101_init"), 0);
	assert_string_equal(q, "'20240101_init'");
	free(q);
	assert_int_equal(gk_shell_quote(&q, "x\"; rm -rf ~; echo '$(id)`id`"), 0);
	assert_string_equal(q, "'x\"; rm -rf ~; echo '\\''$(id)`id`'");
	free(q);
	assert_int_equal(gk_shell_quote(&q, "a\nb"), 1);
	assert_null(q);
	assert_int_equal(gk_shell_quote(&q, "a\x1b[2Jb"), 1);
}


/* A file is read only if it is still the one judged: a swap is caught. */
static void test_util__read_file_same(void **state)
{
	(void)state;
	char dir[] = "/tmp/gk-util-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *a = gk_asprintf("%s/a.sql", dir), *b = gk_asprintf("%s/b.sql", dir);
	FILE *f = fopen(a, "w");
	fputs("SELECT 1;\n", f);
	fclose(f);
	f = fopen(b, "w");
	fputs("SELECT 2;\n", f);
	fclose(f);
	struct stat st;
	assert_int_equal(stat(a, &st), 0);
	char *text = NULL;
	size_t len = 0;
	assert_int_equal(gk_read_file_same(&text, &len, a, 0, (uint64_t)st.st_dev, (uint64_t)st.st_ino), 0);
	assert_string_equal(text, "SELECT 1;\n");
	free(text);
	/* b replaces a after a was judged */
	assert_int_equal(rename(b, a), 0);
	text = NULL;
	assert_int_equal(gk_read_file_same(&text, &len, a, 0, (uint64_t)st.st_dev, (uint64_t)st.st_ino), -1);
	assert_int_equal(errno, ESTALE);
	assert_null(text);
	unlink(a);
	rmdir(dir);
	free(a);
	free(b);
}

/* lock_timeout values as the server reads them (each checked on PostgreSQL 15
 * with SET lock_timeout = '...'; SHOW, or the error). */
static void test_util__guc_ms(void **state)
{
	(void)state;
	static const struct { const char *in; long ms; } ok[] = {
		{"0", 0}, {"2000", 2000}, {"0.5s", 500}, {"2s", 2000}, {" 2 s ", 2000}, {"1.5ms", 2}, {"2.5ms", 2},
		{"0.5ms", 0}, {"0.6", 1}, {"400us", 0}, {"600us", 1}, {"1500us", 2}, {"1min", 60000}, {"0.5min", 30000},
		{"1h", 3600000}, {"1d", 86400000}, {"0x10", 16}, {"010", 8}, {"1e3", 1000}, {"-1", -1},
		{"0.0001s", 0}, {"1.0005s", 1000}, {"0.001min", 0}, {"0.01min", 1000}, {"0.0004h", 0},
	};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		long v = -99;
		if (gk_parse_guc_ms(ok[i].in, &v) != 0 || v != ok[i].ms)
			fail_msg("'%s': got %ld, want %ld", ok[i].in, v, ok[i].ms);
	}
	static const char *const bad[] = {"", "s", "2S", "2 sec", "2 ms x", "5 years", "nan", "3000000000",
					  "25d", "abc", NULL};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		long v = -99;
		if (gk_parse_guc_ms(bad[i], &v) != -1)
			fail_msg("'%s' parsed as %ld", bad[i] ? bad[i] : "(null)", v);
	}
}

/* Durations of --timeout, --replay-timeout and replay_timeout:. */
static void test_util__durations(void **state)
{
	(void)state;
	static const struct { const char *in; double secs; } ok[] = {
		{"300", 300}, {"90s", 90}, {"5min", 300}, {"5m", 300}, {"1h", 3600}, {"1500ms", 1.5},
		{"0.5", 0.5}, {"24h", 86400}, {"0", 0},
	};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		double v = -1;
		assert_int_equal(gk_parse_duration(ok[i].in, &v), 0);
		assert_true(v == ok[i].secs);
	}
	static const char *const bad[] = {"", "s", "-1", "+1", " 1", "1 s", "5 years", "2d", "25h", "nan", "inf", "1e999"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		double v = -1;
		if (gk_parse_duration(bad[i], &v) != -1)
			fail_msg("'%s' parsed as %g", bad[i], v);
	}
	char buf[32];
	static const struct { double secs; const char *out; } shown[] = {
		{300, "5 min"}, {1, "1 s"}, {1.5, "1.5 s"}, {0.5, "500 ms"}, {7200, "2 h"}, {90, "90 s"},
	};
	for (size_t i = 0; i < sizeof shown / sizeof *shown; i++) {
		gk_format_duration(buf, sizeof buf, shown[i].secs);
		assert_string_equal(buf, shown[i].out);
	}
}

/* "did you mean": typos of a command, an option and a rule id are found;
 * an unrelated word, an exact name and a too-short word get nothing. */
static void test_util__suggest(void **state)
{
	(void)state;
	assert_int_equal(gk_edit_distance("lint", "lint"), 0);
	assert_int_equal(gk_edit_distance("lnit", "lint"), 1);   /* a swap is one edit */
	assert_int_equal(gk_edit_distance("chek", "check"), 1);
	assert_int_equal(gk_edit_distance("", "abc"), 3);
	assert_int_equal(gk_edit_distance("kitten", "sitting"), 3);
	static const char *const names[] = {"lint", "check", "status", "drift", "gate", "rules", "explain", "help"};
	static const struct { const char *word, *want; } cases[] = {
		{"lnit", "lint"}, {"chekc", "check"}, {"stauts", "status"}, {"gaet", "gate"}, {"explian", "explain"},
		{"rule", "rules"}, {"deploy", NULL}, {"lint", NULL}, {"x", NULL}, {"zzzz", NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		gk_suggest s;
		gk_suggest_init(&s, cases[i].word);
		for (size_t k = 0; k < sizeof names / sizeof *names; k++)
			gk_suggest_offer(&s, names[k]);
		if (!cases[i].want ? s.best != NULL : !s.best || strcmp(s.best, cases[i].want) != 0)
			fail_msg("'%s': suggested %s, expected %s", cases[i].word, s.best ? s.best : "nothing",
				 cases[i].want ? cases[i].want : "nothing");
	}
	/* The closest wins over an earlier, farther one. */
	gk_suggest s;
	gk_suggest_init(&s, "fail-levle");
	gk_suggest_offer(&s, "fail-lvl");
	gk_suggest_offer(&s, "fail-level");
	assert_string_equal(s.best, "fail-level");
	/* Names longer than the comparison bound are never suggested. */
	char longname[100];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	gk_suggest_init(&s, "aaaaaaaaa");
	gk_suggest_offer(&s, longname);
	assert_null(s.best);
}

static void test_util__random_hex(void **state)
{
	(void)state;
	char a[33], b[33], big[200];
	assert_int_equal(gk_random_hex(a, 16), 0);
	assert_int_equal(gk_random_hex(b, 16), 0);
	assert_int_equal(strlen(a), 32);
	assert_int_equal(strspn(a, "0123456789abcdef"), 32);
	assert_string_not_equal(a, b); /* 2^-128 */
	assert_int_equal(gk_random_hex(big, 65), -1);
}

/* gk_write_output: a regular file replaced whole, a failing writer's
 * message kept under "cannot write PATH", the old file left alone then,
 * and "-" going to the stream. */
static int write_text(void *ctx, FILE *f, gk_error *err)
{
	(void)err;
	return fputs(ctx, f) < 0 ? GK_EIO : 0;
}

static int write_fails(void *ctx, FILE *f, gk_error *err)
{
	(void)ctx;
	fputs("half", f);
	return gk_error_set(err, GK_EIO, "the writer's own reason");
}

static void test_util__write_output(void **state)
{
	(void)state;
	char dir[] = "/tmp/gk-output-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path = gk_asprintf("%s/out.json", dir);
	gk_error err = {0, ""};
	assert_int_equal(gk_write_output(path, NULL, write_text, "first\n", &err), 0);
	assert_int_equal(gk_write_output(path, NULL, write_fails, NULL, &err), GK_EIO);
	char *want = gk_asprintf("cannot write %s: the writer's own reason", path);
	assert_string_equal(err.msg, want);
	size_t len = 0;
	char *got = NULL;
	assert_int_equal(gk_read_file(&got, &len, path, 1024), 0);
	assert_string_equal(got, "first\n"); /* the failed write left the old file */
	free(got);
	char *missing = gk_asprintf("%s/no/such/dir/out.json", dir);
	assert_int_equal(gk_write_output(missing, NULL, write_text, "x", &err), GK_EIO);
	assert_non_null(strstr(err.msg, "cannot write"));
	char buf[64] = "";
	FILE *mem = fmemopen(buf, sizeof buf, "w");
	assert_int_equal(gk_write_output("-", mem, write_text, "to the stream", &err), 0);
	fclose(mem);
	assert_string_equal(buf, "to the stream");
	unlink(path);
	rmdir(dir);
	free(path), free(want), free(missing);
}

/* gk_grow_large keeps what the array holds across the huge-page
 * threshold, and from there hands out blocks aligned to huge pages. */
static void test_util__grow_large(void **state)
{
	(void)state;
	typedef struct item { size_t n; char pad[40]; } item;
	item *a = NULL;
	size_t cap = 0;
	bool crossed = false;
	for (size_t i = 0; i < 100000; i++) {
		assert_int_equal(gk_grow_large(&a, &cap, i + 1, sizeof *a), 0);
		assert_true(cap > i);
		a[i].n = i * 7;
		/* A block of a huge page or more holds all the whole items it has room for. */
		if (cap * sizeof *a > GK_HUGE_PAGE - sizeof *a) {
			crossed = true;
			assert_int_equal((uintptr_t)a % GK_HUGE_PAGE, 0);
		}
	}
	assert_true(crossed);
	for (size_t i = 0; i < 100000; i++)
		assert_int_equal(a[i].n, i * 7);
	/* A size that does not fit size_t fails, and leaves the array as it was. */
	size_t before = cap;
	assert_int_equal(gk_grow_large(&a, &cap, SIZE_MAX / 8, sizeof *a), -1);
	assert_int_equal(cap, before);
	assert_int_equal(a[99999].n, 99999 * 7);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_util__utf8_whole_drops_a_cut_sequence),
		cmocka_unit_test(test_util__grow_large),
		cmocka_unit_test(test_util__utf8_valid),
		cmocka_unit_test(test_util__buf_printf),
		cmocka_unit_test(test_util__visible),
		cmocka_unit_test(test_util__path_escape_is_reversible),
		cmocka_unit_test(test_util__shell_quote),
		cmocka_unit_test(test_util__read_file_same),
		cmocka_unit_test(test_util__durations),
		cmocka_unit_test(test_util__write_output),
		cmocka_unit_test(test_util__guc_ms),
		cmocka_unit_test(test_util__random_hex),
		cmocka_unit_test(test_util__suggest),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
