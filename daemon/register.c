/*
 * register.c - the register of processing activities: parser, checks
 * against the method tables, and the daemon's copy.
 *
 * The file format is documented in conf/register.tsv itself.  The parser
 * is strict on purpose: the register is a legal document and a typo (a
 * stray space in an id, a missing column) must stop the daemon rather than
 * silently detach audit entries from their legal basis.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "register.h"
#include "varlink.h"

/* Generated from conf/register.tsv by cmake/embed_register.cmake. */
extern const unsigned char ivt_register_text[];
extern const size_t ivt_register_len;

static const char *const columns[REGISTER_NCOLS] = {
    "id",        "status",        "opvolger",    "naam",        "doel",
    "grondslag", "bewaartermijn", "categorieen", "betrokkenen", "ontvangers",
};

/* Column indexes. */
enum {
	C_ID,
	C_STATUS,
	C_SUCCESSOR,
	C_NAME,
	C_PURPOSE,
	C_BASIS,
	C_RETENTION,
	C_CATEGORIES,
	C_SUBJECTS,
	C_RECIPIENTS,
};

static struct activity_register the_register;
static int loaded;

static int fail(char *err, size_t errlen, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail(char *err, size_t errlen, size_t line, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (line > 0)
		n = snprintf(err, errlen, "line %zu: ", line);
	if (n < 0 || (size_t)n >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Strict UTF-8 without control characters other than tab. */
static int
text_ok(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned long cp;
	int n, k;

	while (*s != '\0') {
		if (*s < 0x80) {
			if ((*s < 0x20 && *s != '\t') || *s == 0x7f)
				return 0;
			s++;
			continue;
		} else if ((*s & 0xe0) == 0xc0) {
			n = 1;
			cp = *s & 0x1f;
		} else if ((*s & 0xf0) == 0xe0) {
			n = 2;
			cp = *s & 0x0f;
		} else if ((*s & 0xf8) == 0xf0) {
			n = 3;
			cp = *s & 0x07;
		} else
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[k] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
			return 0;
		s += n + 1;
	}
	return 1;
}

/* "ivt-" and 2 to 4 digits. */
static int
id_ok(const char *s)
{
	size_t n;

	if (strncmp(s, "ivt-", 4) != 0)
		return 0;
	n = strspn(s + 4, "0123456789");
	return n >= 2 && n <= 4 && s[4 + n] == '\0';
}

/* Cut line into exactly REGISTER_NCOLS tab-separated fields, in place. */
static int
split(char *line, char **f, size_t lineno, char *err, size_t errlen)
{
	size_t i, n = 0;
	char *p = line, *tab;

	for (;;) {
		if (n == REGISTER_NCOLS)
			return fail(err, errlen, lineno,
			            "more than %d fields (a TAB too many?)",
			            REGISTER_NCOLS);
		f[n++] = p;
		if ((tab = strchr(p, '\t')) == NULL)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	if (n != REGISTER_NCOLS)
		return fail(err, errlen, lineno,
		            "%zu fields, want %d separated by one TAB each", n,
		            REGISTER_NCOLS);
	for (i = 0; i < n; i++) {
		if (f[i][0] == '\0')
			return fail(err, errlen, lineno,
			            "field %s is empty (use '-' for none)",
			            columns[i]);
		if (strlen(f[i]) > REGISTER_FIELD_MAX)
			return fail(err, errlen, lineno,
			            "field %s is longer than %d bytes",
			            columns[i], REGISTER_FIELD_MAX);
		if (f[i][0] == ' ' || f[i][strlen(f[i]) - 1] == ' ')
			return fail(err, errlen, lineno,
			            "field %s starts or ends with a space",
			            columns[i]);
	}
	return 0;
}

int
register_list_next(const char **p, char *buf, size_t len)
{
	const char *s = *p, *e, *end;
	size_t n;

	if (strcmp(s, "-") == 0)
		return 0;
	s += strspn(s, " ");
	if (*s == '\0')
		return 0;
	end = strchr(s, ';');
	if (end == NULL)
		end = s + strlen(s);
	for (e = end; e > s && e[-1] == ' '; e--)
		;
	n = (size_t)(e - s);
	if (len > 0) {
		if (n >= len)
			n = len - 1;
		memcpy(buf, s, n);
		buf[n] = '\0';
	}
	*p = *end == ';' ? end + 1 : end;
	return 1;
}

/* A ';'-separated list: 1 to REGISTER_LIST_MAX non-empty items, or "-"
 * where none is allowed. */
static int
list_ok(const char *v, int may_be_none, const char *col, size_t lineno,
        char *err, size_t errlen)
{
	const char *p = v, *s, *end;
	size_t n = 0;

	if (strcmp(v, "-") == 0) {
		if (may_be_none)
			return 0;
		return fail(err, errlen, lineno, "field %s may not be '-'",
		            col);
	}
	for (;;) {
		s = p + strspn(p, " ");
		end = strchr(s, ';');
		if (end == NULL)
			end = s + strlen(s);
		while (end > s && end[-1] == ' ')
			end--;
		if (end == s || (end - s == 1 && *s == '-'))
			return fail(err, errlen, lineno,
			            "field %s has an empty item", col);
		if (++n > REGISTER_LIST_MAX)
			return fail(err, errlen, lineno,
			            "field %s has more than %d items", col,
			            REGISTER_LIST_MAX);
		if ((p = strchr(s, ';')) == NULL)
			return 0;
		p++;
	}
}

static int
header_line(char **f, size_t lineno, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < REGISTER_NCOLS; i++) {
		if (strcmp(f[i], columns[i]) != 0)
			return fail(
			    err, errlen, lineno,
			    "column header: column %zu is '%.32s', want "
			    "'%s'",
			    i + 1, f[i], columns[i]);
	}
	return 0;
}

static int
activity_line(struct activity_register *r, char **f, size_t lineno, char *err,
              size_t errlen)
{
	struct activity *a;
	int retired;

	if (!id_ok(f[C_ID]))
		return fail(err, errlen, lineno,
		            "id must be ivt- and 2 to 4 digits");
	if (register_find(r, f[C_ID]) != NULL)
		return fail(err, errlen, lineno, "id %s appears twice",
		            f[C_ID]);
	if (strcmp(f[C_STATUS], "actief") == 0)
		retired = 0;
	else if (strcmp(f[C_STATUS], "vervallen") == 0)
		retired = 1;
	else
		return fail(err, errlen, lineno,
		            "status must be actief or vervallen");
	if (strcmp(f[C_SUCCESSOR], "-") != 0) {
		if (!retired)
			return fail(err, errlen, lineno,
			            "an active activity has no opvolger");
		if (!id_ok(f[C_SUCCESSOR]) ||
		    strcmp(f[C_SUCCESSOR], f[C_ID]) == 0)
			return fail(err, errlen, lineno,
			            "opvolger must be '-' or another id");
	}
	if (strcmp(f[C_NAME], "-") == 0 || strcmp(f[C_PURPOSE], "-") == 0 ||
	    strcmp(f[C_BASIS], "-") == 0 || strcmp(f[C_RETENTION], "-") == 0)
		return fail(err, errlen, lineno,
		            "naam, doel, grondslag and bewaartermijn are "
		            "required");
	if (list_ok(f[C_CATEGORIES], 0, columns[C_CATEGORIES], lineno, err,
	            errlen) == -1 ||
	    list_ok(f[C_SUBJECTS], 0, columns[C_SUBJECTS], lineno, err,
	            errlen) == -1 ||
	    list_ok(f[C_RECIPIENTS], 1, columns[C_RECIPIENTS], lineno, err,
	            errlen) == -1)
		return -1;
	if (r->n == REGISTER_MAX)
		return fail(err, errlen, lineno, "more than %d activities",
		            REGISTER_MAX);
	a = &r->act[r->n++];
	a->id = f[C_ID];
	a->retired = retired;
	a->successor = strcmp(f[C_SUCCESSOR], "-") == 0 ? "" : f[C_SUCCESSOR];
	a->name = f[C_NAME];
	a->purpose = f[C_PURPOSE];
	a->legal_basis = f[C_BASIS];
	a->retention = f[C_RETENTION];
	a->categories = f[C_CATEGORIES];
	a->subjects = f[C_SUBJECTS];
	a->recipients = f[C_RECIPIENTS];
	a->line = lineno;
	return 0;
}

int
register_parse(struct activity_register *r, const char *text, size_t len,
               char *err, size_t errlen)
{
	char *p, *nl, *f[REGISTER_NCOLS];
	size_t i, lineno = 0;
	int header = 0;

	r->n = 0;
	if (len > REGISTER_TEXT_MAX)
		return fail(err, errlen, 0, "larger than %d bytes",
		            REGISTER_TEXT_MAX);
	if (len == 0 || text[len - 1] != '\n')
		return fail(
		    err, errlen, 0,
		    "empty, or the last line does not end in a newline");
	memcpy(r->text, text, len);
	r->text[len] = '\0';
	for (p = r->text; p < r->text + len; p = nl + 1) {
		lineno++;
		nl = memchr(p, '\n', (size_t)(r->text + len - p));
		*nl = '\0';
		if (strlen(p) != (size_t)(nl - p) || !text_ok(p))
			return fail(err, errlen, lineno,
			            "not UTF-8 text, or a control character "
			            "(CR?) other than TAB");
		if (*p == '#' || *p == '\0')
			continue;
		if (split(p, f, lineno, err, errlen) == -1)
			return -1;
		if (!header) {
			if (header_line(f, lineno, err, errlen) == -1)
				return -1;
			header = 1;
		} else if (activity_line(r, f, lineno, err, errlen) == -1)
			return -1;
	}
	if (r->n == 0)
		return fail(err, errlen, 0, "no activities");
	for (i = 0; i < r->n; i++) {
		if (r->act[i].successor[0] != '\0' &&
		    register_find(r, r->act[i].successor) == NULL)
			return fail(err, errlen, r->act[i].line,
			            "opvolger %s is not in the register",
			            r->act[i].successor);
	}
	return 0;
}

const struct activity *
register_find(const struct activity_register *r, const char *id)
{
	size_t i;

	if (r == NULL || id == NULL)
		return NULL;
	for (i = 0; i < r->n; i++) {
		if (strcmp(r->act[i].id, id) == 0)
			return &r->act[i];
	}
	return NULL;
}

int
register_check_methods(const struct activity_register *r,
                       const struct method *const *tables, size_t ntables,
                       char *err, size_t errlen)
{
	const struct activity *a;
	const struct method *m;
	size_t i;

	for (i = 0; i < ntables; i++) {
		for (m = tables[i]; m->name != NULL; m++) {
			if (m->activity == NULL)
				continue;
			if ((a = register_find(r, m->activity)) == NULL)
				return fail(err, errlen, 0,
				            "method %s names activity '%.16s', "
				            "which is not in the register",
				            m->name, m->activity);
			if (a->retired)
				return fail(
				    err, errlen, 0,
				    "method %s names activity %s, which "
				    "is vervallen%s%s",
				    m->name, a->id,
				    a->successor[0] ? "; use " : "",
				    a->successor);
		}
	}
	return 0;
}

int
register_init(const struct method *const *tables, size_t ntables, char *err,
              size_t errlen)
{
	char why[256];

	loaded = 0;
	if (register_parse(&the_register, (const char *)ivt_register_text,
	                   ivt_register_len, why, sizeof(why)) == -1 ||
	    register_check_methods(&the_register, tables, ntables, why,
	                           sizeof(why)) == -1) {
		snprintf(err, errlen,
		         "register of processing activities "
		         "(conf/register.tsv): %s",
		         why);
		return -1;
	}
	loaded = 1;
	return 0;
}

const struct activity_register *
register_get(void)
{
	return loaded ? &the_register : NULL;
}
