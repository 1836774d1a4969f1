/* util.c - strings, buffers, files, time. */
#include "util.h"
#include "dircache.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The capacity gk_grow gives for `need` items: doubled from `cap` (or 8). */
static size_t doubled(size_t cap, size_t need)
{
	size_t ncap = cap ? cap : 8;
	while (ncap < need)
		ncap *= 2;
	return ncap;
}

int gk_grow(void *arr, size_t *cap, size_t need, size_t elem)
{
	void **p = arr;
	if (need <= *cap)
		return 0;
	size_t ncap = doubled(*cap, need);
	void *n = realloc(*p, ncap * elem);
	if (!n)
		return -1;
	*p = n;
	*cap = ncap;
	return 0;
}

int gk_grow_large(void *arr, size_t *cap, size_t need, size_t elem)
{
	void **p = arr;
	if (need <= *cap)
		return 0;
	size_t ncap = doubled(*cap, need);
	if (ncap > (SIZE_MAX - GK_HUGE_PAGE) / elem)
		return -1;
	size_t bytes = ncap * elem;
	if (bytes < GK_HUGE_PAGE)
		return gk_grow(arr, cap, need, elem);
	bytes = (bytes + GK_HUGE_PAGE - 1) / GK_HUGE_PAGE * GK_HUGE_PAGE;
	void *n = aligned_alloc(GK_HUGE_PAGE, bytes);
	if (!n)
		return -1;
	(void)madvise(n, bytes, MADV_HUGEPAGE); /* advice: without it, small pages */
	if (*cap)
		memcpy(n, *p, *cap * elem);
	free(*p);
	*p = n;
	*cap = bytes / elem;
	return 0;
}

/* Room for `n` more bytes and the NUL; false (and failed) when out of
 * memory or past cap_max. */
static bool reserve(gk_buf *b, size_t n)
{
	if (b->failed)
		return false;
	if (b->cap_max && b->len + n + 1 > b->cap_max) {
		b->failed = true;
		return false;
	}
	if (b->len + n + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 256;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		char *d = realloc(b->data, ncap);
		if (!d) {
			b->failed = true;
			return false;
		}
		b->data = d;
		b->cap = ncap;
	}
	return true;
}

void gk_buf_append(gk_buf *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void gk_buf_puts(gk_buf *b, const char *s) { gk_buf_append(b, s, strlen(s)); }
void gk_buf_putc(gk_buf *b, char c) { gk_buf_append(b, &c, 1); }

/* Formatted straight into the buffer's spare room (kept at 256 bytes or
 * more): one pass and no copy when it fits, a second pass after growing
 * when it does not. */
void gk_buf_vprintf(gk_buf *b, const char *fmt, va_list ap)
{
	size_t spare = b->cap_max && b->cap_max - b->len - 1 < 256 ? b->cap_max - b->len - 1 : 256;
	if (b->failed || (b->cap_max && b->len + 1 > b->cap_max) || !reserve(b, spare)) {
		b->failed = true;
		return;
	}
	va_list cp;
	va_copy(cp, ap);
	size_t room = b->cap - b->len;
	if (b->cap_max && room > b->cap_max - b->len)
		room = b->cap_max - b->len; /* what fits under the bound, the NUL included */
	int n = vsnprintf(b->data + b->len, room, fmt, cp);
	va_end(cp);
	if (n >= 0 && (size_t)n < room) {
		b->len += (size_t)n;
		return;
	}
	b->data[b->len] = '\0'; /* what the cut attempt wrote is not the buffer's */
	if (n < 0 || !reserve(b, (size_t)n)) {
		b->failed = true;
		return;
	}
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void gk_buf_printf(gk_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	gk_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

char *gk_buf_take(gk_buf *b)
{
	char *s = b->failed ? NULL : (b->data ? b->data : strdup(""));
	if (b->failed)
		free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = false;
	return s;
}

void gk_buf_free(gk_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *gk_strdup(const char *s) { return s ? strdup(s) : NULL; }

char *gk_strndup(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *gk_asprintf(const char *fmt, ...)
{
	gk_buf b = GK_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	gk_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return gk_buf_take(&b);
}

static int read_file(char **out, size_t *len, const char *path, size_t max_size, const uint64_t *id);

int gk_read_file(char **out, size_t *len, const char *path, size_t max_size)
{
	return read_file(out, len, path, max_size, NULL);
}

int gk_read_file_same(char **out, size_t *len, const char *path, size_t max_size, uint64_t dev, uint64_t ino)
{
	uint64_t id[2] = {dev, ino};
	return read_file(out, len, path, max_size, id);
}

/* Fail with errno `e`, closing `fd` and freeing `buf`. */
static int read_fail(int fd, char *buf, int e)
{
	free(buf);
	close(fd);
	errno = e;
	return -1;
}

/*
 * Everything `fd` gives until the end, into *out (NUL-terminated): at most
 * `max_size` bytes (0 = no limit; more is EFBIG: a device such as
 * /dev/zero never ends).  `hint` is the size to expect (a regular file's),
 * so that a file is read in one read() and a second one that finds the end.
 */
static int read_all(int fd, char **out, size_t *len, size_t max_size, size_t hint)
{
	size_t cap = (hint ? hint : 65536) + 2, n = 0;
	if (max_size && cap > max_size + 2)
		cap = max_size + 2;
	char *buf = malloc(cap);
	if (!buf)
		return read_fail(fd, NULL, ENOMEM);
	for (;;) {
		if (n + 1 == cap) {
			size_t want = cap * 2;
			char *nb = want > cap ? realloc(buf, want) : NULL;
			if (!nb)
				return read_fail(fd, buf, ENOMEM);
			buf = nb;
			cap = want;
		}
		ssize_t r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return read_fail(fd, buf, EIO);
		if (r == 0)
			break;
		n += (size_t)r;
		if (max_size && n > max_size)
			return read_fail(fd, buf, EFBIG);
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/* `id`: the device and inode the file must have (checked on the open file), or NULL. */
static int read_file(char **out, size_t *len, const char *path, size_t max_size, const uint64_t *id)
{
	/* O_NONBLOCK: opening a FIFO without a writer must not hang; reads
	 * block again below (a FIFO with no writer then reads as empty).  A
	 * regular file ignores the flag, so it is cleared only for the others. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) != 0)
		return read_fail(fd, NULL, errno);
	if (id && ((uint64_t)st.st_dev != id[0] || (uint64_t)st.st_ino != id[1]))
		return read_fail(fd, NULL, ESTALE); /* not the file that was judged: swapped since */
	if (S_ISDIR(st.st_mode))
		return read_fail(fd, NULL, EISDIR);
	if (max_size && st.st_size > 0 && (uint64_t)st.st_size > max_size)
		return read_fail(fd, NULL, EFBIG);
	if (!S_ISREG(st.st_mode) && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		return read_fail(fd, NULL, errno);
	return read_all(fd, out, len, max_size, S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size : 0);
}

int gk_parse_duration(const char *s, double *seconds)
{
	static const struct { const char *unit; double factor; } units[] = {
		{"", 1}, {"s", 1}, {"ms", 0.001}, {"min", 60}, {"m", 60}, {"h", 3600},
	};
	char *end;
	errno = 0;
	double v = s ? strtod(s, &end) : -1;
	if (!s || end == s || errno || !(v >= 0) || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return -1;
	for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
		if (strcmp(end, units[i].unit) != 0)
			continue;
		v *= units[i].factor;
		if (v > 86400)
			return -1;
		*seconds = v;
		return 0;
	}
	return -1;
}

/*
 * PostgreSQL's guc.c: parse_int() and convert_to_base_unit() with the
 * time_unit_conversion_table rows for GUC_UNIT_MS, largest unit first.
 */
int gk_parse_guc_ms(const char *value, long *ms)
{
	static const struct { const char *unit; double mult; } units[] = {
		{"d", 86400000.0}, {"h", 3600000.0}, {"min", 60000.0}, {"s", 1000.0}, {"ms", 1.0}, {"us", 0.001},
	};
	if (!value)
		return -1;
	char *end;
	errno = 0;
	double v = (double)strtol(value, &end, 0);
	if (*end == '.' || *end == 'e' || *end == 'E' || errno == ERANGE) {
		errno = 0;
		v = strtod(value, &end);
	}
	if (end == value || errno == ERANGE || isnan(v))
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	if (*end) {
		char unit[4];
		size_t n = 0;
		while (*end && !isspace((unsigned char)*end) && n < sizeof unit - 1)
			unit[n++] = *end++;
		unit[n] = '\0';
		while (isspace((unsigned char)*end))
			end++;
		if (*end)
			return -1; /* unit too long, or something after it */
		size_t i = 0, n_units = sizeof units / sizeof *units;
		while (i < n_units && strcmp(unit, units[i].unit) != 0)
			i++;
		if (i == n_units)
			return -1;
		v *= units[i].mult;
		/* A fraction rounds to the next smaller unit, when there is one. */
		if (i + 1 < n_units)
			v = rint(v / units[i + 1].mult) * units[i + 1].mult;
	}
	v = rint(v);
	if (v > INT32_MAX || v < INT32_MIN)
		return -1;
	*ms = (long)v;
	return 0;
}

void gk_format_duration(char *buf, size_t size, double seconds)
{
	if (seconds < 1)
		snprintf(buf, size, "%.0f ms", seconds * 1000);
	else if (seconds >= 3600 && fmod(seconds, 3600) == 0)
		snprintf(buf, size, "%.0f h", seconds / 3600);
	else if (seconds >= 60 && fmod(seconds, 60) == 0)
		snprintf(buf, size, "%.0f min", seconds / 60);
	else
		snprintf(buf, size, "%g s", seconds);
}

double gk_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool gk_utf8_valid(const char *s, size_t len, size_t *bad_offset)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		/* Eight ASCII bytes at a time: SQL and messages are mostly ASCII. */
		uint64_t w;
		if (len - i >= 8 && (memcpy(&w, p + i, 8), (w & 0x8080808080808080u) == 0)) {
			i += 8;
			continue;
		}
		unsigned char c = p[i];
		size_t n;
		uint32_t cp;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			n = 1;
			cp = c & 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			n = 2;
			cp = c & 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			n = 3;
			cp = c & 0x07;
		} else {
			goto bad;
		}
		for (size_t k = 1; k <= n; k++) {
			if (i + k >= len || (p[i + k] & 0xC0) != 0x80)
				goto bad;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		/* Overlong forms, surrogates and values past U+10FFFF. */
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
			goto bad;
		i += n + 1;
	}
	return true;
bad:
	if (bad_offset)
		*bad_offset = i;
	return false;
}

size_t gk_utf8_whole(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = n, back = 0;
	while (i > 0 && back < 4 && (p[i - 1] & 0xC0) == 0x80)
		i--, back++;
	if (i == 0 || p[i - 1] < 0x80)
		return n; /* ends in ASCII (or no lead byte in reach): nothing cut */
	unsigned char lead = p[i - 1];
	size_t want = (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : (lead & 0xF8) == 0xF0 ? 4 : 1;
	return back + 1 >= want ? n : i - 1;
}

int gk_strcasecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int ca = (unsigned char)*a, cb = (unsigned char)*b;
		if (ca >= 'A' && ca <= 'Z')
			ca += 32;
		if (cb >= 'A' && cb <= 'Z')
			cb += 32;
		if (ca != cb || !ca)
			return ca - cb;
	}
}

void gk_one_line(char *s)
{
	char *w = s;
	for (const char *p = s; *p; p++) {
		bool space = *p == '\n' || *p == '\r' || *p == '\t' || *p == ' ';
		if (!space)
			*w++ = *p;
		else if (w > s && w[-1] != ' ')
			*w++ = ' ';
	}
	while (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
}

char *gk_text_array_literal(const char *const *items, size_t n)
{
	gk_buf b = GK_BUF_INIT;
	gk_buf_putc(&b, '{');
	for (size_t i = 0; i < n; i++) {
		gk_buf_puts(&b, i ? ",\"" : "\"");
		for (const char *p = items[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				gk_buf_putc(&b, '\\');
			gk_buf_putc(&b, *p);
		}
		gk_buf_putc(&b, '"');
	}
	gk_buf_putc(&b, '}');
	if (b.failed) {
		gk_buf_free(&b);
		return NULL;
	}
	return gk_buf_take(&b);
}

/* See util.h. */
void gk_path_normalise(char *p)
{
	char *out = p, *s = p;
	while (*s) {
		while (*s == '/')
			s++;
		char *e = s + strcspn(s, "/");
		size_t n = (size_t)(e - s);
		if (n == 0 || (n == 1 && s[0] == '.')) {
			/* nothing */
		} else if (n == 2 && s[0] == '.' && s[1] == '.') {
			while (out > p && *--out != '/')
				;
		} else {
			*out++ = '/';
			memmove(out, s, n);
			out += n;
		}
		s = e;
	}
	if (out == p)
		*out++ = '/';
	*out = '\0';
}

/* One walk, realpath()'s, serves both: a cache asked once is the file system. */
char *gk_path_canonical(const char *path)
{
	gk_dir_cache *c = gk_dir_cache_new();
	char *r = c ? gk_dir_cache_canonical(c, path) : NULL;
	gk_dir_cache_free(c);
	return r;
}

int gk_random_hex(char *out, size_t nbytes)
{
	unsigned char b[64];
	if (nbytes > sizeof b) {
		errno = EINVAL;
		return -1;
	}
	size_t got = 0;
	while (got < nbytes) {
		ssize_t n = getrandom(b + got, nbytes - got, 0);
		if (n < 0 && errno != EINTR)
			return -1;
		if (n > 0)
			got += (size_t)n;
	}
	for (size_t i = 0; i < nbytes; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	out[2 * nbytes] = '\0';
	return 0;
}
