/*
 * escape.c - untrusted text on its way to a terminal, a CI log, a JSON
 * path field or a shell (see util.h).
 *
 * Migration files, their names, commit authors and subjects and a
 * target's catalog are written by others.  Copied raw into a terminal, an
 * escape sequence can rewrite what the reader sees; copied into a CI log,
 * a newline followed by `::error::`, `::add-mask::` or `::stop-commands::`
 * (GitHub) or `section_start:` (GitLab, with \r and ESC) becomes a command
 * of the log.  One convention everywhere: what could act is shown as a
 * C-like escape, in ASCII, so the reader still sees that it was there.
 */
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

size_t gk_utf8_seq(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	if (n == 0)
		return 0;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	size_t len = (p[0] & 0xE0) == 0xC0 ? 2 : (p[0] & 0xF0) == 0xE0 ? 3 : (p[0] & 0xF8) == 0xF0 ? 4 : 0;
	if (len == 0 || len > n)
		return 0;
	uint32_t v = p[0] & (0x7F >> len);
	for (size_t k = 1; k < len; k++) {
		if ((p[k] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (p[k] & 0x3F);
	}
	static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
	if (v < min[len] || (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
		return 0;
	*cp = v;
	return len;
}

/* Code points that change how text is displayed or where a line ends:
 * C1 controls, line and paragraph separators, bidirectional overrides
 * and isolates ("Trojan Source"). */
static bool invisible_control(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

void gk_buf_put_visible(gk_buf *b, const char *s, size_t n, unsigned flags)
{
	if ((flags & GK_VIS_LINE_START) && n > 0 && (s[0] == ':' || s[0] == '#'))
		gk_buf_puts(b, "./"); /* a path at the start of a line never starts a log command */
	for (size_t i = 0; i < n;) {
		/* A run of printable ASCII is copied as it is, in one piece. */
		size_t run = i;
		while (run < n && (unsigned char)s[run] >= 0x20 && (unsigned char)s[run] < 0x7F)
			run++;
		if (run > i) {
			gk_buf_append(b, s + i, run - i);
			i = run;
			continue;
		}
		uint32_t cp = 0;
		size_t k = gk_utf8_seq(s + i, n - i, &cp);
		if (k == 0) {
			gk_buf_printf(b, "\\x%02x", (unsigned char)s[i]);
			i++;
			continue;
		}
		if (cp == '\n')
			gk_buf_puts(b, "\\n");
		else if (cp == '\r')
			gk_buf_puts(b, "\\r");
		else if (cp == '\t' && !(flags & GK_VIS_TAB))
			gk_buf_puts(b, "\\t");
		else if ((cp < 0x20 && cp != '\t') || cp == 0x7F)
			gk_buf_printf(b, "\\x%02x", (unsigned)cp);
		else if (invisible_control(cp))
			gk_buf_printf(b, "\\u%04x", (unsigned)cp);
		else
			gk_buf_append(b, s + i, k);
		i += k;
	}
}

char *gk_visible(const char *s, unsigned flags)
{
	gk_buf b = GK_BUF_INIT;
	if (s)
		gk_buf_put_visible(&b, s, strlen(s), flags);
	return gk_buf_take(&b);
}

int gk_fput_visible(FILE *out, const char *s, unsigned flags)
{
	char *v = gk_visible(s, flags);
	int rc = v ? fputs(v, out) : EOF;
	free(v);
	return rc == EOF ? -1 : 0;
}

char *gk_path_escape(const char *s)
{
	gk_buf b = GK_BUF_INIT;
	size_t n = s ? strlen(s) : 0;
	for (size_t i = 0; i < n;) {
		size_t run = i;
		while (run < n && (unsigned char)s[run] < 0x80 && s[run] != '\\')
			run++;
		if (run > i) {
			gk_buf_append(&b, s + i, run - i);
			i = run;
			continue;
		}
		uint32_t cp;
		size_t k = gk_utf8_seq(s + i, n - i, &cp);
		if (k == 0)
			gk_buf_printf(&b, "\\x%02x", (unsigned char)s[i]);
		else if (cp == '\\')
			gk_buf_puts(&b, "\\\\");
		else
			gk_buf_append(&b, s + i, k);
		i += k ? k : 1;
	}
	return gk_buf_take(&b);
}

int gk_shell_quote(char **out, const char *s)
{
	*out = NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7F)
			return 1;
	gk_buf b = GK_BUF_INIT;
	gk_buf_putc(&b, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			gk_buf_puts(&b, "'\\''");
		else
			gk_buf_putc(&b, *p);
	}
	gk_buf_putc(&b, '\'');
	*out = gk_buf_take(&b);
	return *out ? 0 : -1;
}
