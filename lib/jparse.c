/*
 * jparse.c - the JSON parser for varlink messages.
 *
 * Why not json_loadb: jansson's lexer takes every byte through a callback
 * and a UTF-8 state machine and copies every token into a string buffer
 * first.  Parsing the 41 bytes of a GetInfo call cost it some 12 000
 * instructions, half of all the daemon spent on the call (callgrind).
 * This parser scans the message in place and builds the same jansson
 * tree: the rest of ivtd and ivtctl still works on json_t.
 *
 * "The same" is exact: it accepts what json_loadb(JSON_REJECT_DUPLICATES)
 * accepts with an object or array at the top, and yields an equal tree
 * (json_equal), which fuzz_parse checks against jansson on arbitrary
 * bytes.  So: RFC 8259 grammar; whitespace is space, tab, CR, LF; no
 * control character in a string; \u0000 and lone or mismatched UTF-16
 * surrogates are refused; strings and keys must be UTF-8 (jansson's
 * json_stringn and json_object_setn_new judge that); numbers without a
 * fraction or exponent are integers, refused when they overflow
 * json_int_t; reals are refused when they overflow a double; a repeated
 * key is refused; nesting is limited to JSON_PARSER_MAX_DEPTH.
 *
 * Decoded strings with escapes pass through a scratch buffer, which is
 * wiped before it is freed: messages carry personal data.
 */
#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ivt/hex.h"
#include "ivt/jparse.h"

struct jp {
	const char *start, *p, *end;
};

static json_t *parse_value(struct jp *j, int depth);

static void
skip_ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	                         *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

/* The four hex digits of a \u escape at p (past "\u"); -1 if not. */
static long
hex4(const char *p, const char *end)
{
	long v = 0;
	int i, h;

	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		if ((h = ivt_hexval(p[i])) < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* Append code point cp (valid, not a surrogate) as UTF-8. */
static char *
put_utf8(char *o, long cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xC0 | (cp >> 6));
		*o++ = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xE0 | (cp >> 12));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
		*o++ = (char)(0x80 | (cp & 0x3F));
	} else {
		*o++ = (char)(0xF0 | (cp >> 18));
		*o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
		*o++ = (char)(0x80 | (cp & 0x3F));
	}
	return o;
}

/*
 * Decode the escapes of the string body [s, e) into out (room for e - s
 * bytes: no escape decodes longer than it is written).  The body holds
 * no control character and its escapes are complete (scan_string saw to
 * that); surrogates are checked here.  Its decoded length, or -1.
 */
static long
unescape(const char *s, const char *e, char *out)
{
	char *o = out;
	long cp, lo;

	while (s < e) {
		if (*s != '\\') {
			*o++ = *s++;
			continue;
		}
		s++;
		switch (*s++) {
		case '"':
			*o++ = '"';
			break;
		case '\\':
			*o++ = '\\';
			break;
		case '/':
			*o++ = '/';
			break;
		case 'b':
			*o++ = '\b';
			break;
		case 'f':
			*o++ = '\f';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'u':
			cp = hex4(s, e);
			s += 4;
			if (cp >= 0xDC00 && cp <= 0xDFFF)
				return -1; /* a low surrogate alone */
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (e - s < 6 || s[0] != '\\' || s[1] != 'u' ||
				    (lo = hex4(s + 2, e)) < 0xDC00 ||
				    lo > 0xDFFF)
					return -1;
				s += 6;
				cp = 0x10000 + ((cp - 0xD800) << 10) +
				     (lo - 0xDC00);
			}
			if (cp == 0)
				return -1; /* as jansson without JSON_ALLOW_NUL
				            */
			o = put_utf8(o, cp);
			break;
		default:
			return -1; /* scan_string let no other through */
		}
	}
	return o - out;
}

/*
 * A string at j->p (its opening quote).  Its body is [*s, *e) and
 * *escaped says whether it holds escapes.  -1 on a control character,
 * a bad escape or no closing quote.
 */
static int
scan_string(struct jp *j, const char **s, const char **e, int *escaped)
{
	const char *p = j->p + 1;
	unsigned char c;

	*escaped = 0;
	*s = p;
	while (p < j->end) {
		c = (unsigned char)*p;
		if (c == '"') {
			*e = p;
			j->p = p + 1;
			return 0;
		}
		if (c < 0x20)
			break;
		if (c == '\\') {
			*escaped = 1;
			if (++p == j->end)
				break;
			if (*p == 'u') {
				if (hex4(p + 1, j->end) < 0)
					break;
				p += 4;
			} else if (strchr("\"\\/bfnrt", *p) == NULL ||
			           *p == 0) {
				break;
			}
		}
		p++;
	}
	j->p = p;
	return -1;
}

static void
drop_scratch(char *scratch, size_t len)
{
	if (scratch != NULL) {
		explicit_bzero(scratch, len);
		free(scratch);
	}
}

/*
 * The decoded string at j->p: a pointer to it and its length; *scratch is
 * the buffer to wipe and free afterwards (NULL when the string had no
 * escapes and points into the message).  NULL on error.
 */
static const char *
take_string(struct jp *j, size_t *len, char **scratch)
{
	const char *s, *e;
	int escaped;
	long n;

	*scratch = NULL;
	if (scan_string(j, &s, &e, &escaped) == -1)
		return NULL;
	if (!escaped) {
		*len = (size_t)(e - s);
		return s;
	}
	if ((*scratch = malloc((size_t)(e - s) + 1)) == NULL)
		return NULL;
	if ((n = unescape(s, e, *scratch)) < 0) {
		drop_scratch(*scratch, (size_t)(e - s) + 1);
		*scratch = NULL;
		return NULL;
	}
	*len = (size_t)n;
	return *scratch;
}

static json_t *
parse_string(struct jp *j)
{
	char *scratch;
	const char *s;
	size_t len;
	json_t *v;

	if ((s = take_string(j, &len, &scratch)) == NULL)
		return NULL;
	v = json_stringn(s, len); /* NULL when not UTF-8 */
	drop_scratch(scratch, len);
	return v;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The digits at p, at least one; the end of them, or NULL. */
static const char *
digits(const char *p, const char *end)
{
	if (p == end || !is_digit(*p))
		return NULL;
	while (p < end && is_digit(*p))
		p++;
	return p;
}

static json_t *
parse_number(struct jp *j)
{
	const char *p = j->p, *end = j->end, *t;
	char small[64], *text = small, *stop;
	int is_real = 0;
	size_t n;
	json_t *v = NULL;
	double d;
	long long i;

	if (*p == '-')
		p++;
	if (p < end && *p == '0') {
		p++;
		if (p < end && is_digit(*p))
			return NULL; /* a leading zero */
	} else if ((p = digits(p, end)) == NULL) {
		return NULL;
	}
	if (p < end && *p == '.') {
		if ((p = digits(p + 1, end)) == NULL)
			return NULL;
		is_real = 1;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		t = p + 1;
		if (t < end && (*t == '+' || *t == '-'))
			t++;
		if ((p = digits(t, end)) == NULL)
			return NULL;
		is_real = 1;
	}
	/* strtoll and strtod want a terminated copy of exactly the token. */
	n = (size_t)(p - j->p);
	if (n >= sizeof(small) && (text = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(text, j->p, n);
	text[n] = '\0';
	errno = 0;
	if (is_real) {
		d = strtod(text, &stop);
		if (!(errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL)))
			v = json_real(d);
	} else {
		i = strtoll(text, &stop, 10);
		if (errno != ERANGE)
			v = json_integer(i);
	}
	if (text != small)
		free(text);
	j->p = p;
	return v;
}

/* "true", "false" or "null", not run on into more letters. */
static json_t *
parse_word(struct jp *j, const char *word, size_t n, json_t *v)
{
	const char *after = j->p + n;

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0 ||
	    (after < j->end && ((*after >= 'a' && *after <= 'z') ||
	                        (*after >= 'A' && *after <= 'Z'))))
		return NULL;
	j->p = after;
	return v;
}

/* After whitespace, the character c: consumed and 1, or 0. */
static int
accept(struct jp *j, char c)
{
	skip_ws(j);
	if (j->p < j->end && *j->p == c) {
		j->p++;
		return 1;
	}
	return 0;
}

/* One "key": value into obj; -1 on any error (v is freed then too). */
static int
parse_member(struct jp *j, json_t *obj, int depth)
{
	const char *key;
	char *scratch;
	size_t klen;
	json_t *v = NULL;
	int rc;

	skip_ws(j);
	if (j->p == j->end || *j->p != '"' ||
	    (key = take_string(j, &klen, &scratch)) == NULL)
		return -1;
	if (json_object_getn(obj, key, klen) == NULL && accept(j, ':'))
		v = parse_value(j, depth + 1);
	/* setn_new refuses a key that is not UTF-8, and frees v. */
	rc = v == NULL ? -1 : json_object_setn_new(obj, key, klen, v);
	drop_scratch(scratch, klen);
	return rc;
}

/*
 * The members or elements of an object or array at j->p (its opening
 * bracket), up to the closing one, separated by commas.
 */
static json_t *
parse_container(struct jp *j, int depth, int is_object)
{
	json_t *c = is_object ? json_object() : json_array(), *v;
	char close = is_object ? '}' : ']';

	if (c == NULL)
		return NULL;
	j->p++;
	if (accept(j, close))
		return c;
	for (;;) {
		if (is_object) {
			if (parse_member(j, c, depth) == -1)
				break;
		} else if ((v = parse_value(j, depth + 1)) == NULL ||
		           json_array_append_new(c, v) == -1) {
			break;
		}
		if (accept(j, ','))
			continue;
		if (accept(j, close))
			return c;
		break;
	}
	json_decref(c);
	return NULL;
}

/* A value at j->p, after whitespace; depth counts as jansson's does. */
static json_t *
parse_value(struct jp *j, int depth)
{
	if (depth > JSON_PARSER_MAX_DEPTH)
		return NULL;
	skip_ws(j);
	if (j->p == j->end)
		return NULL;
	switch (*j->p) {
	case '{':
		return parse_container(j, depth, 1);
	case '[':
		return parse_container(j, depth, 0);
	case '"':
		return parse_string(j);
	case 't':
		return parse_word(j, "true", 4, json_true());
	case 'f':
		return parse_word(j, "false", 5, json_false());
	case 'n':
		return parse_word(j, "null", 4, json_null());
	default:
		return *j->p == '-' || is_digit(*j->p) ? parse_number(j) : NULL;
	}
}

json_t *
ivt_json_parse(const char *buf, size_t len, size_t *errpos)
{
	struct jp j = {buf, buf, buf + len};
	json_t *v = NULL;

	skip_ws(&j);
	if (j.p < j.end && (*j.p == '{' || *j.p == '[') &&
	    (v = parse_value(&j, 1)) != NULL) {
		skip_ws(&j);
		if (j.p == j.end)
			return v;
		json_decref(v);
		v = NULL;
	}
	if (errpos != NULL)
		*errpos = (size_t)(j.p - j.start);
	return NULL;
}

/* --- wiping what jansson frees ------------------------------------------ */

static void (*free_after_wipe)(void *) = free;

/* The whole block, not just what was asked for: malloc_usable_size knows
 * it, jansson's free callback is not told. */
static void
wiping_free(void *p)
{
	if (p == NULL)
		return;
	explicit_bzero(p, malloc_usable_size(p));
	free_after_wipe(p);
}

void
ivt_json_wipe_on_free(void)
{
	json_set_alloc_funcs(malloc, wiping_free);
}

void
ivt_json_wipe_then(void (*fn)(void *))
{
	free_after_wipe = fn != NULL ? fn : free;
}
