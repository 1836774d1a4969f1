/* glob.c - glob matching in time linear in pattern x path (see glob.h). */
#include "util/files.h"
#include "glob.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

enum tok_kind {
	T_CHAR,          /* one given character */
	T_ANY,           /* ? : one character but '/' */
	T_CLASS,         /* [...] : one character but '/' that the expression takes */
	T_STAR,          /* * : any run of characters without '/' */
	T_GLOBSTAR,      /* ** : nothing, or any run that ends with '/' */
	T_GLOBSTAR_END,  /* ** ending the pattern: anything */
};

typedef struct tok {
	enum tok_kind kind;
	unsigned char c;        /* T_CHAR */
	const char *cls;        /* T_CLASS: the expression, brackets included */
	size_t cls_len;
	unsigned char *memo;    /* T_CLASS: per character 0 unknown, 1 no, 2 yes */
} tok;

/*
 * The end of the bracket expression at p ('['), just past its ']', or NULL
 * when it is not closed (then '[' is an ordinary character, as for
 * fnmatch).  A ']' right after the '[' or its '!'/'^' is a member, `\`
 * quotes, [:alpha:], [=a=], [.a.] are read whole, and the character that
 * ends a range (a-z) is only itself (a collating [.a.] aside).
 */
static const char *bracket_end(const char *p)
{
	const char *q = p + 1;
	if (*q == '!' || *q == '^')
		q++;
	if (*q == ']')
		q++;
	while (*q && *q != ']') {
		if (*q == '-' && q[1] && q[1] != ']' && !(q[1] == '[' && q[2] == '.')) {
			q += q[1] == '\\' && q[2] ? 3 : 2;
		} else if (*q == '\\' && q[1]) {
			q += 2;
		} else if (*q == '[' && q[1] == ':') {
			/* A class name is lower-case letters ('a' to 'y', as glibc
			 * reads it); otherwise the '[' is itself. */
			const char *e = q + 2;
			while (*e >= 'a' && *e < 'z')
				e++;
			q = e[0] == ':' && e[1] == ']' ? e + 2 : q + 1;
		} else if (*q == '[' && (q[1] == '=' || q[1] == '.')) {
			const char *close = q + 2;
			while (*close && !(close[0] == q[1] && close[1] == ']'))
				close++;
			q = *close ? close + 2 : q + 1;
		} else {
			q++;
		}
	}
	return *q == ']' ? q + 1 : NULL;
}

/* The pattern as tokens; returns their count, or -1 when the pattern can
 * match nothing (a trailing unquoted '\', as fnmatch has it). */
static long tokenize(const char *p, tok *out, size_t *n_classes)
{
	size_t n = 0;
	*n_classes = 0;
	while (*p) {
		tok t = {.kind = T_CHAR, .c = (unsigned char)*p};
		if (p[0] == '*' && p[1] == '*') {
			p += 2;
			if (*p == '/')
				p++;
			t.kind = *p ? T_GLOBSTAR : T_GLOBSTAR_END;
		} else if (*p == '*') {
			t.kind = T_STAR;
			p++;
		} else if (*p == '?') {
			t.kind = T_ANY;
			p++;
		} else if (*p == '[' && bracket_end(p)) {
			const char *e = bracket_end(p);
			t.kind = T_CLASS;
			t.cls = p;
			t.cls_len = (size_t)(e - p);
			(*n_classes)++;
			p = e;
		} else if (*p == '\\') {
			if (!p[1])
				return -1;
			t.c = (unsigned char)p[1];
			p += 2;
		} else {
			p++;
		}
		out[n++] = t;
	}
	return (long)n;
}

static bool class_takes(tok *t, unsigned char c)
{
	if (c == '/')
		return false; /* as with FNM_PATHNAME */
	if (!t->memo[c]) {
		char s[2] = {(char)c, '\0'}, *pat = strndup(t->cls, t->cls_len);
		t->memo[c] = pat && fnmatch(pat, s, FNM_PATHNAME) == 0 ? 2 : 1;
		free(pat);
	}
	return t->memo[c] == 2;
}

/* Add the states reachable without reading: past a star, past a globstar. */
static void close_over(const tok *t, size_t n, unsigned char *on)
{
	for (size_t i = 0; i < n; i++)
		if (on[i] && (t[i].kind == T_STAR || t[i].kind == T_GLOBSTAR || t[i].kind == T_GLOBSTAR_END))
			on[i + 1] = 1;
}

/*
 * The states: on[i] = token i is next to match; gap[i] = inside the run of
 * characters of globstar i, which it leaves only on a '/' (reaching token
 * i + 1) and which, unlike on[i], does not skip to token i + 1 as it is.
 */
static bool run(tok *t, size_t n, unsigned char *mem, const char *path, size_t *steps)
{
	unsigned char *cur = mem, *next = mem + n + 1, *gap = mem + 2 * (n + 1), *next_gap = mem + 3 * (n + 1);
	cur[0] = 1;
	close_over(t, n, cur);
	for (const char *s = path; *s; s++) {
		unsigned char c = (unsigned char)*s;
		bool any = false;
		memset(next, 0, n + 1);
		memset(next_gap, 0, n + 1);
		for (size_t i = 0; i < n; i++) {
			if (gap[i]) {
				++*steps;
				next_gap[i] = 1;
				next[i + 1] |= c == '/';
			}
			if (!cur[i])
				continue;
			++*steps;
			switch (t[i].kind) {
			case T_CHAR:
				next[i + 1] |= c == t[i].c;
				break;
			case T_ANY:
				next[i + 1] |= c != '/';
				break;
			case T_CLASS:
				next[i + 1] |= class_takes(&t[i], c);
				break;
			case T_STAR:
				next[i] |= c != '/';
				break;
			case T_GLOBSTAR:
				next_gap[i] = 1;
				next[i + 1] |= c == '/';
				break;
			case T_GLOBSTAR_END:
				next[i] = 1;
				break;
			}
		}
		close_over(t, n, next);
		for (size_t i = 0; i <= n && !any; i++)
			any = next[i] || next_gap[i];
		if (!any)
			return false;
		unsigned char *swap = cur;
		cur = next;
		next = swap;
		swap = gap;
		gap = next_gap;
		next_gap = swap;
	}
	return cur[n];
}

bool gk_glob_match_counted(const char *pattern, const char *path, size_t *steps)
{
	size_t dummy = 0, n_classes;
	if (!steps)
		steps = &dummy;
	*steps = 0;
	tok *t = malloc((strlen(pattern) + 1) * sizeof *t);
	if (!t)
		return false;
	long n = tokenize(pattern, t, &n_classes);
	bool hit = false;
	unsigned char *mem = n < 0 ? NULL : calloc(4 * ((size_t)n + 1) + 256 * n_classes, 1);
	if (mem) {
		unsigned char *memo = mem + 4 * ((size_t)n + 1);
		for (long i = 0; i < n; i++)
			if (t[i].kind == T_CLASS) {
				t[i].memo = memo;
				memo += 256;
			}
		hit = run(t, (size_t)n, mem, path, steps);
	}
	free(mem);
	free(t);
	return hit;
}

bool gk_glob_match(const char *pattern, const char *path)
{
	return gk_glob_match_counted(pattern, path, NULL);
}
