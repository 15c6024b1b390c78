/*
 * idl.c - varlink interface definitions: parser and parameter checker.
 *
 * The parser is recursive descent straight over the text.  Like the config
 * parser it is a fuzz target: it never reads past len, bounds nesting at
 * IDL_DEPTH_MAX, and hangs every allocation off the interface (or off the
 * type being built) as soon as it is made, so one idl_free or type_free
 * cleans up after an error at any point.
 *
 * Beyond the varlink grammar the parser is deliberately strict, because
 * the files are ours and a mistake in them weakens parameter checking
 * silently: a "# @limit N" comment that does not sit directly above a
 * string, array or map field is an error, not something to ignore.
 *
 * Paths reported by idl_check_params: struct fields are joined with ".",
 * array elements are "[i]" and map values are "[\"key\"]" with the key
 * copied verbatim, e.g. persons[1].bsn or labels["k"].  When params
 * itself is not an object the path is empty.  Unknown keys in an object
 * are reported before missing or mistyped fields.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idl.h"

/* At most this much of a name or word is quoted in an error message. */
#define QUOTE_MAX 64

/* A reference to a named type, resolved once the whole text is read. */
struct idl_ref {
	const char *name; /* into the text, not NUL-terminated */
	size_t len;
	size_t line;
};

struct parser {
	const char *p;
	const char *end;
	size_t line;

	char *err;
	size_t errlen;
	int failed;

	/* A "# @limit N" comment waiting for its field. */
	size_t limit;
	size_t limit_line;
	const char *limit_at; /* where skipping stopped after the comment */

	struct idl_ref *refs;
	size_t nrefs;
	size_t refcap;

	struct idl_interface *iface;
	size_t methodcap;
	size_t errorcap;
	size_t typecap;
};

static struct idl_type *parse_type(struct parser *, int);

/*
 * Record the first error only: later ones are consequences of it.
 * Always returns -1 so callers can return perr(...).
 */
static int __attribute__((format(printf, 3, 4)))
perr(struct parser *ps, size_t line, const char *fmt, ...)
{
	va_list ap;
	char msg[256];

	if (ps->failed)
		return -1;
	ps->failed = 1;
	if (ps->err == NULL || ps->errlen == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(ps->err, ps->errlen, "line %zu: %s", line, msg);
	return -1;
}

/* Length of a word as an int for "%.*s", capped for error messages. */
static int
qlen(size_t n)
{
	return (int)(n > QUOTE_MAX ? QUOTE_MAX : n);
}

static int
is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static int
is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_alnum(char c)
{
	return is_lower(c) || is_upper(c) || is_digit(c);
}

/*
 * Words are read greedily over every character any kind of name may
 * hold, then validated as what the grammar expects at that point; that
 * gives "bad field name 'a-b'" rather than a confusing error at the '-'.
 */
static int
is_word(char c)
{
	return is_alnum(c) || c == '_' || c == '-' || c == '.';
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static char *
copy_name(const char *s, size_t n)
{
	char *p;

	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static int
name_eq(const char *name, const char *s, size_t n)
{
	return strlen(name) == n && memcmp(name, s, n) == 0;
}

/*
 * Make room for element n of an array of cap elements.  Returns the
 * (possibly moved) array, or NULL with the old one still valid.
 */
static void *
grow(void *array, size_t *cap, size_t n, size_t size)
{
	size_t newcap;
	void *p;

	if (n < *cap)
		return array;
	newcap = *cap == 0 ? 8 : *cap * 2;
	if (newcap > SIZE_MAX / size)
		return NULL;
	if ((p = realloc(array, newcap * size)) == NULL)
		return NULL;
	*cap = newcap;
	return p;
}

static void
type_free(struct idl_type *t)
{
	size_t i;

	if (t == NULL)
		return;
	free(t->ref);
	type_free(t->elem);
	for (i = 0; i < t->nfields; i++) {
		free(t->fields[i].name);
		type_free(t->fields[i].type);
	}
	free(t->fields);
	free(t);
}

static struct idl_type *
new_type(struct parser *ps, enum idl_kind kind)
{
	struct idl_type *t;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		perr(ps, ps->line, "out of memory");
		return NULL;
	}
	t->kind = kind;
	return t;
}

/* Describe what stands at the current position, for "expected" errors. */
static int
unexpected(struct parser *ps, const char *what)
{
	const char *s = ps->p;
	unsigned char c;
	size_t n = 0;

	if (s >= ps->end)
		return perr(ps, ps->line, "expected %s, got end of text", what);
	while (s + n < ps->end && is_word(s[n]))
		n++;
	if (n > 0)
		return perr(ps, ps->line, "expected %s, got '%.*s'", what,
		            qlen(n), s);
	c = (unsigned char)*s;
	if (c > ' ' && c < 0x7f)
		return perr(ps, ps->line, "expected %s, got '%c'", what, c);
	return perr(ps, ps->line, "expected %s, got byte 0x%02x", what, c);
}

/* The same for a word already consumed. */
static int
bad_word(struct parser *ps, const char *s, size_t n, const char *what)
{
	return perr(ps, ps->line, "expected %s, got '%.*s'", what, qlen(n), s);
}

/*
 * A comment body (after '#', up to the newline) that reads "@limit N".
 * Anything else starting with "@limit" and a blank is a malformed
 * directive and an error; other comments are just comments.
 */
static int
limit_comment(struct parser *ps, const char *s, const char *e)
{
	size_t n = 0, digits = 0;

	while (s < e && is_blank(*s))
		s++;
	if ((size_t)(e - s) < 6 || memcmp(s, "@limit", 6) != 0)
		return 0;
	s += 6;
	if (s < e && !is_blank(*s))
		return 0; /* "@limits ..." is prose */
	while (s < e && is_blank(*s))
		s++;
	for (; s < e && is_digit(*s); s++, digits++) {
		if (n > (SIZE_MAX - 9) / 10)
			return perr(ps, ps->line, "@limit too large");
		n = n * 10 + (size_t)(*s - '0');
	}
	while (s < e && is_blank(*s))
		s++;
	if (digits == 0 || s != e)
		return perr(ps, ps->line, "@limit wants one number");
	if (n == 0)
		return perr(ps, ps->line, "@limit must be at least 1");
	if (ps->limit != 0)
		return perr(ps, ps->line, "second @limit for one field");
	ps->limit = n;
	ps->limit_line = ps->line;
	return 0;
}

/*
 * Skip blanks, newlines and comments up to the next token.  A pending
 * @limit must be claimed by the very next token, a field name; if the
 * position moved since it was seen, some other token took its place.
 */
static int
skip_ws(struct parser *ps)
{
	const char *s;

	if (ps->limit != 0 && ps->p != ps->limit_at)
		return perr(ps, ps->limit_line,
		            "@limit is not directly above a field");
	while (ps->p < ps->end) {
		if (*ps->p == '\n') {
			ps->line++;
			ps->p++;
		} else if (is_blank(*ps->p))
			ps->p++;
		else if (*ps->p == '#') {
			s = ++ps->p;
			while (ps->p < ps->end && *ps->p != '\n')
				ps->p++;
			if (limit_comment(ps, s, ps->p) == -1)
				return -1;
		} else
			break;
	}
	if (ps->limit != 0 && ps->limit_at == NULL)
		ps->limit_at = ps->p;
	return 0;
}

/* Skip to the next token and report whether it is the character c. */
static int
at(struct parser *ps, char c)
{
	if (skip_ws(ps) == -1)
		return -1;
	return ps->p < ps->end && *ps->p == c;
}

static int
expect(struct parser *ps, char c, const char *what)
{
	int r;

	if ((r = at(ps, c)) == -1)
		return -1;
	if (r == 0)
		return unexpected(ps, what);
	ps->p++;
	return 0;
}

/* Read the next word; *n is 0 if none stands there. */
static int
word(struct parser *ps, const char **s, size_t *n)
{
	if (skip_ws(ps) == -1)
		return -1;
	*s = ps->p;
	while (ps->p < ps->end && is_word(*ps->p))
		ps->p++;
	*n = (size_t)(ps->p - *s);
	return 0;
}

static int
word_is(const char *s, size_t n, const char *kw)
{
	return name_eq(kw, s, n);
}

/* Type, method and error names: [A-Z][A-Za-z0-9]* */
static int
valid_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !is_upper(s[0]))
		return 0;
	for (i = 1; i < n; i++) {
		if (!is_alnum(s[i]))
			return 0;
	}
	return 1;
}

/* Field and enum value names: [A-Za-z]([_]?[A-Za-z0-9])* */
static int
valid_field(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !(is_lower(s[0]) || is_upper(s[0])))
		return 0;
	for (i = 1; i < n; i++) {
		if (s[i] == '_' && i + 1 < n && is_alnum(s[i + 1]))
			i++;
		else if (!is_alnum(s[i]))
			return 0;
	}
	return 1;
}

/*
 * Interface names: dot-separated segments of [A-Za-z0-9-], at least two,
 * no segment empty or starting or ending with '-', the first starting
 * with a letter.  The spec allowed only lower case until 2021; upper case
 * is in now (nl.ivtd.User, io.systemd.Resolve).
 */
static int
valid_iface(const char *s, size_t n)
{
	size_t i, seg = 0, nseg = 1;

	if (n == 0 || !(is_lower(s[0]) || is_upper(s[0])))
		return 0;
	for (i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (i == seg || s[seg] == '-' || s[i - 1] == '-')
				return 0;
			if (i < n)
				nseg++;
			seg = i + 1;
		} else if (!is_alnum(s[i]) && s[i] != '-')
			return 0;
	}
	return nseg >= 2;
}

static int
add_ref(struct parser *ps, const char *s, size_t n)
{
	struct idl_ref *r;

	r = grow(ps->refs, &ps->refcap, ps->nrefs, sizeof(*r));
	if (r == NULL)
		return perr(ps, ps->line, "out of memory");
	ps->refs = r;
	r[ps->nrefs].name = s;
	r[ps->nrefs].len = n;
	r[ps->nrefs].line = ps->line;
	ps->nrefs++;
	return 0;
}

/* A type given by a word: a basic type or a reference to a named one. */
static struct idl_type *
parse_word_type(struct parser *ps)
{
	static const struct {
		const char *name;
		enum idl_kind kind;
	} basic[] = {
	    {"bool", IDL_BOOL},     {"int", IDL_INT},
	    {"float", IDL_FLOAT},   {"string", IDL_STRING},
	    {"object", IDL_OBJECT},
	};
	struct idl_type *t;
	const char *s;
	size_t n, i;

	if (word(ps, &s, &n) == -1)
		return NULL;
	if (n == 0) {
		unexpected(ps, "a type");
		return NULL;
	}
	for (i = 0; i < sizeof(basic) / sizeof(basic[0]); i++) {
		if (word_is(s, n, basic[i].name))
			return new_type(ps, basic[i].kind);
	}
	if (!valid_name(s, n)) {
		bad_word(ps, s, n, "a type");
		return NULL;
	}
	if (add_ref(ps, s, n) == -1 || (t = new_type(ps, IDL_NAMED)) == NULL)
		return NULL;
	if ((t->ref = copy_name(s, n)) == NULL) {
		perr(ps, ps->line, "out of memory");
		type_free(t);
		return NULL;
	}
	return t;
}

/* "[]T" or "[string]T", after the '['. */
static struct idl_type *
parse_container(struct parser *ps, int depth)
{
	struct idl_type *t, *elem;
	enum idl_kind kind = IDL_ARRAY;
	const char *s;
	size_t n;
	int r;

	if ((r = at(ps, ']')) == -1)
		return NULL;
	if (r == 0) {
		if (word(ps, &s, &n) == -1)
			return NULL;
		if (n == 0) {
			unexpected(ps, "']' or 'string]'");
			return NULL;
		}
		if (!word_is(s, n, "string")) {
			/* Varlink maps have string keys only. */
			bad_word(ps, s, n, "']' or 'string]'");
			return NULL;
		}
		if ((r = at(ps, ']')) != 1) {
			if (r == 0)
				unexpected(ps, "']'");
			return NULL;
		}
		kind = IDL_MAP;
	}
	ps->p++;
	if ((elem = parse_type(ps, depth + 1)) == NULL)
		return NULL;
	if ((t = new_type(ps, kind)) == NULL) {
		type_free(elem);
		return NULL;
	}
	t->elem = elem;
	return t;
}

/*
 * One entry of a parenthesised list: "name: T" in a struct or "name" in
 * an enum.  The first entry decides which of the two the list is.
 */
static int
parse_item(struct parser *ps, struct idl_type *t, size_t *cap, int depth)
{
	struct idl_field *f;
	struct idl_type *ft = NULL;
	const char *s;
	size_t n, i, limit, limit_line, line;
	int is_field;

	if (word(ps, &s, &n) == -1)
		return -1;
	if (n == 0) {
		if (ps->p < ps->end && *ps->p == ')')
			return perr(ps, ps->line, "trailing comma");
		return unexpected(ps, "a field name");
	}
	/* The word claims any @limit comment above it. */
	limit = ps->limit;
	limit_line = ps->limit_line;
	ps->limit = 0;
	ps->limit_at = NULL;
	line = ps->line;
	if (!valid_field(s, n))
		return perr(ps, line, "bad field name '%.*s'", qlen(n), s);
	for (i = 0; i < t->nfields; i++) {
		if (name_eq(t->fields[i].name, s, n))
			return perr(ps, line, "duplicate field '%.*s'", qlen(n),
			            s);
	}
	if ((is_field = at(ps, ':')) == -1)
		return -1;
	if (t->nfields == 0)
		t->kind = is_field ? IDL_STRUCT : IDL_ENUM;
	else if (is_field != (t->kind == IDL_STRUCT))
		return perr(ps, line, "mixed fields and enum values");
	if (is_field) {
		ps->p++;
		/* The struct around it already counted this level. */
		if ((ft = parse_type(ps, depth)) == NULL)
			return -1;
	}
	if (limit != 0 &&
	    (ft == NULL || (ft->kind != IDL_STRING && ft->kind != IDL_ARRAY &&
	                    ft->kind != IDL_MAP))) {
		type_free(ft);
		return perr(ps, limit_line,
		            "@limit applies to string, array and map fields");
	}
	if ((f = grow(t->fields, cap, t->nfields, sizeof(*f))) == NULL) {
		type_free(ft);
		return perr(ps, line, "out of memory");
	}
	t->fields = f;
	f += t->nfields;
	if ((f->name = copy_name(s, n)) == NULL) {
		type_free(ft);
		return perr(ps, line, "out of memory");
	}
	f->type = ft;
	f->limit = limit;
	t->nfields++;
	return 0;
}

/* A struct or enum, after the '('.  "()" is the empty struct. */
static struct idl_type *
parse_fields(struct parser *ps, int depth)
{
	struct idl_type *t;
	size_t cap = 0;
	int r;

	if (depth > IDL_DEPTH_MAX) {
		perr(ps, ps->line, "types nested too deeply");
		return NULL;
	}
	if ((t = new_type(ps, IDL_STRUCT)) == NULL)
		return NULL;
	if ((r = at(ps, ')')) == -1)
		goto fail;
	while (r == 0) {
		if (parse_item(ps, t, &cap, depth) == -1)
			goto fail;
		if ((r = at(ps, ')')) == -1)
			goto fail;
		if (r == 0 && expect(ps, ',', "',' or ')'") == -1)
			goto fail;
	}
	ps->p++;
	return t;
fail:
	type_free(t);
	return NULL;
}

static struct idl_type *
parse_type(struct parser *ps, int depth)
{
	struct idl_type *t;
	int r;

	if (depth > IDL_DEPTH_MAX) {
		perr(ps, ps->line, "types nested too deeply");
		return NULL;
	}
	if (skip_ws(ps) == -1)
		return NULL;
	if (ps->p < ps->end && *ps->p == '?') {
		ps->p++;
		if ((r = at(ps, '?')) != 0) {
			if (r == 1)
				perr(ps, ps->line, "'?' on a nullable type");
			return NULL;
		}
		/* Same depth: the check above stops a second '?'. */
		if ((t = parse_type(ps, depth)) == NULL)
			return NULL;
		t->nullable = 1;
		return t;
	}
	if (ps->p < ps->end && *ps->p == '[') {
		ps->p++;
		return parse_container(ps, depth);
	}
	if (ps->p < ps->end && *ps->p == '(') {
		ps->p++;
		return parse_fields(ps, depth + 1);
	}
	return parse_word_type(ps);
}

static int
member_exists(const struct idl_interface *iface, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < iface->ntypes; i++) {
		if (name_eq(iface->types[i].name, s, n))
			return 1;
	}
	for (i = 0; i < iface->nmethods; i++) {
		if (name_eq(iface->methods[i].name, s, n))
			return 1;
	}
	for (i = 0; i < iface->nerrors; i++) {
		if (name_eq(iface->errors[i].name, s, n))
			return 1;
	}
	return 0;
}

/* A member's name: valid and not yet used by any type, method or error. */
static char *
member_name(struct parser *ps, const char *what)
{
	const char *s;
	size_t n;
	char *name;

	if (word(ps, &s, &n) == -1)
		return NULL;
	if (n == 0) {
		unexpected(ps, what);
		return NULL;
	}
	if (!valid_name(s, n)) {
		perr(ps, ps->line, "bad name '%.*s'", qlen(n), s);
		return NULL;
	}
	if (member_exists(ps->iface, s, n)) {
		perr(ps, ps->line, "duplicate name '%.*s'", qlen(n), s);
		return NULL;
	}
	if ((name = copy_name(s, n)) == NULL)
		perr(ps, ps->line, "out of memory");
	return name;
}

/* A parenthesised list that must be a struct: method and error fields. */
static struct idl_type *
parse_struct(struct parser *ps, const char *what)
{
	struct idl_type *t;
	size_t line;

	if (expect(ps, '(', "'('") == -1)
		return NULL;
	line = ps->line;
	if ((t = parse_fields(ps, 0)) == NULL)
		return NULL;
	if (t->kind != IDL_STRUCT) {
		type_free(t);
		perr(ps, line, "%s must be fields, not enum values", what);
		return NULL;
	}
	return t;
}

static int
parse_typedef(struct parser *ps)
{
	struct idl_interface *iface = ps->iface;
	struct idl_typedef *td;
	char *name;

	if ((name = member_name(ps, "a type name")) == NULL)
		return -1;
	td = grow(iface->types, &ps->typecap, iface->ntypes, sizeof(*td));
	if (td == NULL) {
		free(name);
		return perr(ps, ps->line, "out of memory");
	}
	iface->types = td;
	td += iface->ntypes++;
	td->name = name;
	td->type = NULL;
	/* Named types are structs or enums, never aliases of other types. */
	if (expect(ps, '(', "'(' (a struct or enum)") == -1 ||
	    (td->type = parse_fields(ps, 0)) == NULL)
		return -1;
	return 0;
}

static int
parse_method(struct parser *ps)
{
	struct idl_interface *iface = ps->iface;
	struct idl_method *m;
	char *name;

	if ((name = member_name(ps, "a method name")) == NULL)
		return -1;
	m = grow(iface->methods, &ps->methodcap, iface->nmethods, sizeof(*m));
	if (m == NULL) {
		free(name);
		return perr(ps, ps->line, "out of memory");
	}
	iface->methods = m;
	m += iface->nmethods++;
	m->name = name;
	m->in = m->out = NULL;
	if ((m->in = parse_struct(ps, "method parameters")) == NULL)
		return -1;
	if (skip_ws(ps) == -1)
		return -1;
	if (ps->end - ps->p < 2 || ps->p[0] != '-' || ps->p[1] != '>')
		return unexpected(ps, "'->'");
	ps->p += 2;
	if ((m->out = parse_struct(ps, "method results")) == NULL)
		return -1;
	return 0;
}

static int
parse_error(struct parser *ps)
{
	struct idl_interface *iface = ps->iface;
	struct idl_error *e;
	char *name;

	if ((name = member_name(ps, "an error name")) == NULL)
		return -1;
	e = grow(iface->errors, &ps->errorcap, iface->nerrors, sizeof(*e));
	if (e == NULL) {
		free(name);
		return perr(ps, ps->line, "out of memory");
	}
	iface->errors = e;
	e += iface->nerrors++;
	e->name = name;
	e->params = NULL;
	if ((e->params = parse_struct(ps, "error parameters")) == NULL)
		return -1;
	return 0;
}

static int
parse_interface(struct parser *ps)
{
	const char *s;
	size_t n;

	if (word(ps, &s, &n) == -1)
		return -1;
	if (!word_is(s, n, "interface"))
		return n == 0 ? unexpected(ps, "'interface'")
		              : bad_word(ps, s, n, "'interface'");
	if (word(ps, &s, &n) == -1)
		return -1;
	if (n == 0)
		return unexpected(ps, "an interface name");
	if (!valid_iface(s, n))
		return perr(ps, ps->line, "bad interface name '%.*s'", qlen(n),
		            s);
	if ((ps->iface->name = copy_name(s, n)) == NULL)
		return perr(ps, ps->line, "out of memory");
	for (;;) {
		if (word(ps, &s, &n) == -1)
			return -1;
		if (n == 0 && ps->p == ps->end)
			break;
		if (word_is(s, n, "type")) {
			if (parse_typedef(ps) == -1)
				return -1;
		} else if (word_is(s, n, "method")) {
			if (parse_method(ps) == -1)
				return -1;
		} else if (word_is(s, n, "error")) {
			if (parse_error(ps) == -1)
				return -1;
		} else if (n == 0)
			return unexpected(ps, "'type', 'method' or 'error'");
		else
			return bad_word(ps, s, n,
			                "'type', 'method' or 'error'");
	}
	if (ps->limit != 0)
		return perr(ps, ps->limit_line,
		            "@limit is not directly above a field");
	return 0;
}

static const struct idl_typedef *
find_type(const struct idl_interface *iface, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < iface->ntypes; i++) {
		if (name_eq(iface->types[i].name, s, n))
			return &iface->types[i];
	}
	return NULL;
}

/* Types may be used before they are defined, so resolve at the end. */
static int
check_refs(struct parser *ps)
{
	const struct idl_ref *r;
	size_t i;

	for (i = 0; i < ps->nrefs; i++) {
		r = &ps->refs[i];
		if (find_type(ps->iface, r->name, r->len) == NULL)
			return perr(ps, r->line, "undefined type '%.*s'",
			            qlen(r->len), r->name);
	}
	return 0;
}

struct idl_interface *
idl_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct parser ps;
	struct idl_interface *iface;
	int rc;

	memset(&ps, 0, sizeof(ps));
	ps.line = 1;
	ps.err = err;
	ps.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (text == NULL) {
		perr(&ps, 1, "no text");
		return NULL;
	}
	if ((iface = calloc(1, sizeof(*iface))) == NULL) {
		perr(&ps, 1, "out of memory");
		return NULL;
	}
	iface->text = text;
	ps.iface = iface;
	ps.p = text;
	ps.end = text + len;
	rc = parse_interface(&ps);
	if (rc == 0)
		rc = check_refs(&ps);
	free(ps.refs);
	if (rc == -1) {
		idl_free(iface);
		return NULL;
	}
	return iface;
}

void
idl_free(struct idl_interface *iface)
{
	size_t i;

	if (iface == NULL)
		return;
	for (i = 0; i < iface->nmethods; i++) {
		free(iface->methods[i].name);
		type_free(iface->methods[i].in);
		type_free(iface->methods[i].out);
	}
	free(iface->methods);
	for (i = 0; i < iface->nerrors; i++) {
		free(iface->errors[i].name);
		type_free(iface->errors[i].params);
	}
	free(iface->errors);
	for (i = 0; i < iface->ntypes; i++) {
		free(iface->types[i].name);
		type_free(iface->types[i].type);
	}
	free(iface->types);
	free(iface->name);
	free(iface);
}

const struct idl_method *
idl_find_method(const struct idl_interface *iface, const char *name)
{
	size_t i;

	for (i = 0; i < iface->nmethods; i++) {
		if (strcmp(iface->methods[i].name, name) == 0)
			return &iface->methods[i];
	}
	return NULL;
}

int
idl_has_error(const struct idl_interface *iface, const char *name)
{
	size_t i;

	for (i = 0; i < iface->nerrors; i++) {
		if (strcmp(iface->errors[i].name, name) == 0)
			return 1;
	}
	return 0;
}

/*
 * Parameter checking.  The path of the value being checked is built in
 * the caller's buffer as the walk descends; each sibling overwrites its
 * predecessor from the same offset, so on failure the buffer holds the
 * path of the offending value and nothing has to be copied.
 */
struct checker {
	const struct idl_interface *iface;
	char *buf;
	size_t cap;
};

static int check_value(struct checker *, const struct idl_type *, size_t,
                       const json_t *, size_t, int);

/* Append to the path at pos; returns the new end (truncated if full). */
static size_t __attribute__((format(printf, 3, 4)))
path_add(struct checker *ck, size_t pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ck->cap == 0 || pos >= ck->cap - 1)
		return pos;
	va_start(ap, fmt);
	n = vsnprintf(ck->buf + pos, ck->cap - pos, fmt, ap);
	va_end(ap);
	if (n < 0) {
		ck->buf[pos] = '\0';
		return pos;
	}
	if ((size_t)n >= ck->cap - pos)
		return ck->cap - 1;
	return pos + (size_t)n;
}

static const struct idl_field *
find_field(const struct idl_type *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nfields; i++) {
		if (strcmp(t->fields[i].name, name) == 0)
			return &t->fields[i];
	}
	return NULL;
}

static size_t
path_field(struct checker *ck, size_t pos, const char *name)
{
	return path_add(ck, pos, pos == 0 ? "%s" : ".%s", name);
}

/* obj may be NULL, meaning {}: params are optional on the wire. */
static int
check_struct(struct checker *ck, const struct idl_type *t, const json_t *obj,
             size_t pos, int depth)
{
	const struct idl_field *f;
	const char *key;
	json_t *o = (json_t *)obj, *v; /* json_object_foreach is not const */
	size_t i;

	if (depth > IDL_DEPTH_MAX || (obj != NULL && !json_is_object(obj)))
		return -1;
	/*
	 * Unknown keys first.  Looking a key up again also catches one with
	 * an embedded NUL, which handlers could otherwise never see.
	 */
	json_object_foreach(o, key, v)
	{
		if (find_field(t, key) == NULL ||
		    json_object_get(o, key) != v) {
			path_field(ck, pos, key);
			return -1;
		}
	}
	for (i = 0; i < t->nfields; i++) {
		f = &t->fields[i];
		if ((v = json_object_get(o, f->name)) == NULL) {
			if (f->type->nullable)
				continue;
			path_field(ck, pos, f->name);
			return -1;
		}
		if (check_value(ck, f->type, f->limit, v,
		                path_field(ck, pos, f->name), depth) == -1)
			return -1;
	}
	return 0;
}

static int
check_array(struct checker *ck, const struct idl_type *t, size_t limit,
            const json_t *v, size_t pos, int depth)
{
	size_t i;

	if (depth > IDL_DEPTH_MAX || !json_is_array(v))
		return -1;
	if (limit != 0 && json_array_size(v) > limit)
		return -1;
	for (i = 0; i < json_array_size(v); i++) {
		if (check_value(ck, t->elem, 0, json_array_get(v, i),
		                path_add(ck, pos, "[%zu]", i), depth) == -1)
			return -1;
	}
	return 0;
}

static int
check_map(struct checker *ck, const struct idl_type *t, size_t limit,
          const json_t *obj, size_t pos, int depth)
{
	const char *key;
	json_t *o = (json_t *)obj, *v;

	if (depth > IDL_DEPTH_MAX || !json_is_object(obj))
		return -1;
	if (limit != 0 && json_object_size(obj) > limit)
		return -1;
	json_object_foreach(o, key, v)
	{
		if (check_value(ck, t->elem, 0, v,
		                path_add(ck, pos, "[\"%s\"]", key),
		                depth) == -1)
			return -1;
	}
	return 0;
}

static int
check_enum(const struct idl_type *t, const json_t *v)
{
	size_t i;

	if (!json_is_string(v))
		return -1;
	/* By length too: a JSON string may hold a NUL. */
	for (i = 0; i < t->nfields; i++) {
		if (name_eq(t->fields[i].name, json_string_value(v),
		            json_string_length(v)))
			return 0;
	}
	return -1;
}

/*
 * Check v against t.  On failure the path is left at pos or below it.
 * limit is the field's @limit and applies only to this level.
 */
static int
check_value(struct checker *ck, const struct idl_type *t, size_t limit,
            const json_t *v, size_t pos, int depth)
{
	const struct idl_typedef *td;

	if (json_is_null(v))
		return t->nullable ? 0 : -1;
	switch (t->kind) {
	case IDL_BOOL:
		return json_is_boolean(v) ? 0 : -1;
	case IDL_INT:
		return json_is_integer(v) ? 0 : -1;
	case IDL_FLOAT:
		return json_is_number(v) ? 0 : -1;
	case IDL_STRING:
		if (!json_is_string(v))
			return -1;
		return json_string_length(v) <= (limit ? limit : IDL_STRING_MAX)
		           ? 0
		           : -1;
	case IDL_OBJECT:
		return json_is_object(v) ? 0 : -1;
	case IDL_ENUM:
		return check_enum(t, v);
	case IDL_STRUCT:
		return check_struct(ck, t, v, pos, depth + 1);
	case IDL_ARRAY:
		return check_array(ck, t, limit, v, pos, depth + 1);
	case IDL_MAP:
		return check_map(ck, t, limit, v, pos, depth + 1);
	case IDL_NAMED:
		/* A struct or enum: recursion through it still nests. */
		td = find_type(ck->iface, t->ref, strlen(t->ref));
		return td == NULL ? -1
		                  : check_value(ck, td->type, 0, v, pos, depth);
	}
	return -1;
}

int
idl_check_params(const struct idl_interface *iface, const struct idl_method *m,
                 const json_t *params, char *bad, size_t badlen)
{
	struct checker ck;

	ck.iface = iface;
	ck.buf = bad;
	ck.cap = bad == NULL ? 0 : badlen;
	if (ck.cap > 0)
		bad[0] = '\0';
	if (m == NULL || m->in == NULL)
		return -1;
	if (check_struct(&ck, m->in, params, 0, 0) == -1)
		return -1;
	if (ck.cap > 0)
		bad[0] = '\0';
	return 0;
}
