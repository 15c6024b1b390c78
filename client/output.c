/*
 * output.c - what ivtctl prints: aligned tables, key/value lines, JSON
 * and error messages.
 *
 * Text from the daemon may hold anything a user typed, so human output
 * replaces terminal control characters (C0, DEL and C1) with '?'.  JSON
 * output needs no such care: jansson escapes control characters.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ivtctl.h"

#define TABLE_GAP 2 /* spaces between columns */

/* Length of the control character sequence at s, 0 if none.  Strings
 * from jansson are valid UTF-8, so C1 controls are 0xc2 0x80..0x9f. */
static size_t
ctrl_len(const unsigned char *s)
{
	if (*s < 0x20 || *s == 0x7f)
		return 1;
	if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f)
		return 2;
	return 0;
}

/* A copy of s with control characters replaced; NULL if out of memory. */
static char *
sanitize(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	char *out, *p;
	size_t n;

	if ((out = malloc(strlen(str) + 1)) == NULL)
		return NULL;
	for (p = out; *s != '\0'; s += n) {
		if ((n = ctrl_len(s)) != 0)
			*p++ = '?';
		else {
			*p++ = (char)*s;
			n = 1;
		}
	}
	*p = '\0';
	return out;
}

void
out_safe(FILE *fp, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	for (; *s != '\0'; s += n) {
		if ((n = ctrl_len(s)) != 0)
			fputc('?', fp);
		else {
			fputc(*s, fp);
			n = 1;
		}
	}
}

/* Columns a string takes: one per code point (no wide-character
 * tables; names are mostly Latin script). */
static size_t
display_width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

struct table {
	size_t ncols;
	size_t ncells; /* header cells included */
	size_t cap;
	char **cells;
	int failed; /* out of memory on the way */
};

static void
table_add(struct table *t, const char *s)
{
	char **ncells, *c;
	size_t ncap;

	if (t->failed)
		return;
	if (t->ncells == t->cap) {
		ncap = t->cap != 0 ? t->cap * 2 : 64;
		if (ncap > SIZE_MAX / sizeof(*t->cells) ||
		    (ncells = realloc(t->cells, ncap * sizeof(*ncells))) ==
		        NULL) {
			t->failed = 1;
			return;
		}
		t->cells = ncells;
		t->cap = ncap;
	}
	if ((c = sanitize(s != NULL ? s : "-")) == NULL) {
		t->failed = 1;
		return;
	}
	t->cells[t->ncells++] = c;
}

struct table *
table_new(size_t ncols, const char *const *headers)
{
	struct table *t;
	size_t i;

	if (ncols == 0 || (t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->ncols = ncols;
	for (i = 0; i < ncols; i++)
		table_add(t, headers[i]);
	return t;
}

void
table_row(struct table *t)
{
	/* Complete a short row, so a forgotten cell cannot shift columns. */
	while (!t->failed && t->ncells % t->ncols != 0)
		table_add(t, NULL);
}

void
table_cell(struct table *t, const char *s)
{
	table_add(t, s);
}

void
table_cellf(struct table *t, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* Only short numbers are formatted; refuse to truncate silently. */
	table_add(t, n < 0 || (size_t)n >= sizeof(buf) ? "?" : buf);
}

void
table_free(struct table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

int
table_print(struct table *t, FILE *fp)
{
	size_t *width, i, col, w;

	if (t == NULL) {
		out_err("out of memory");
		return IVTCTL_EXIT_FAIL;
	}
	table_row(t);
	if (t->failed || (width = calloc(t->ncols, sizeof(*width))) == NULL) {
		table_free(t);
		out_err("out of memory");
		return IVTCTL_EXIT_FAIL;
	}
	for (i = 0; i < t->ncells; i++) {
		w = display_width(t->cells[i]);
		if (w > width[i % t->ncols])
			width[i % t->ncols] = w;
	}
	for (i = 0; i < t->ncells; i++) {
		col = i % t->ncols;
		fputs(t->cells[i], fp);
		if (col == t->ncols - 1) {
			fputc('\n', fp);
			continue;
		}
		for (w = display_width(t->cells[i]); w < width[col] + TABLE_GAP;
		     w++)
			fputc(' ', fp);
	}
	free(width);
	table_free(t);
	return 0;
}

void
out_kv(const char *key, const char *value)
{
	printf("%s ", key);
	out_safe(stdout, value != NULL ? value : "-");
	putchar('\n');
}

const char *
out_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

const char *
out_int(const json_t *obj, const char *key, char *buf, size_t len)
{
	json_t *v = json_object_get(obj, key);
	int n;

	if (!json_is_integer(v))
		return NULL;
	n = snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	return n < 0 || (size_t)n >= len ? NULL : buf;
}

const char *
out_time(const json_t *obj, const char *key)
{
	/* Already RFC 3339 UTC; no local-time conversion, so scripts and
	 * humans see the same text. */
	return json_string_value(json_object_get(obj, key));
}

int
out_json(const json_t *v)
{
	/* No JSON_SORT_KEYS: keys keep the order the daemon sent. */
	if (json_dumpf(v, stdout, JSON_INDENT(2)) == -1) {
		out_err("cannot write JSON output");
		return IVTCTL_EXIT_FAIL;
	}
	putchar('\n');
	return 0;
}

void
out_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("ivtctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Every scalar parameter as key=value, for errors we have no words for. */
static void
error_generic(const json_t *params)
{
	const char *key, *sep = ": ";
	json_t *v;

	json_object_foreach((json_t *)params, key, v)
	{
		fputs(sep, stderr);
		out_safe(stderr, key);
		fputc('=', stderr);
		if (json_is_string(v))
			out_safe(stderr, json_string_value(v));
		else if (json_is_integer(v))
			fprintf(stderr, "%" JSON_INTEGER_FORMAT,
			        json_integer_value(v));
		else if (json_is_boolean(v))
			fputs(json_is_true(v) ? "true" : "false", stderr);
		else
			fputs("...", stderr);
		sep = ", ";
	}
}

void
out_daemon_error(const char *error, const json_t *params)
{
	const char *kind, *id, *param, *reason, *iface, *method;

	fflush(stdout);
	fputs("ivtctl: ", stderr);
	out_safe(stderr, error != NULL ? error : "unknown error");
	kind = out_str(params, "kind");
	id = out_str(params, "id");
	param = out_str(params, "parameter");
	reason = out_str(params, "reason");
	iface = out_str(params, "interface");
	method = out_str(params, "method");
	if (kind != NULL && id != NULL) {
		fputs(": ", stderr);
		out_safe(stderr, kind);
		fputs(" '", stderr);
		out_safe(stderr, id);
		fputc('\'', stderr);
	} else if (param != NULL) {
		fputs(": ", stderr);
		out_safe(stderr, param);
	} else if (iface != NULL) {
		fputs(": interface ", stderr);
		out_safe(stderr, iface);
	} else if (method != NULL) {
		fputs(": method ", stderr);
		out_safe(stderr, method);
	} else if (reason == NULL && json_is_object(params))
		error_generic(params);
	if (reason != NULL) {
		fputs(": ", stderr);
		out_safe(stderr, reason);
	}
	fputc('\n', stderr);
}

int
out_finish(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "ivtctl: cannot write to stdout: %s\n",
		        strerror(errno));
		return IVTCTL_EXIT_FAIL;
	}
	return 0;
}
