/*
 * wire.c - NUL-delimited varlink framing and message (de)serialisation.
 */
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "ivt/jparse.h"
#include "ivt/wire.h"

void
ivt_framer_init(struct ivt_framer *f, size_t max)
{
	memset(f, 0, sizeof(*f));
	f->max = max;
}

/*
 * Messages carry personal data (a CSV import, a subject's fields), so no
 * byte of one is left behind in memory given back: freed, moved or
 * outgrown buffers are wiped first.
 */
void
ivt_framer_free(struct ivt_framer *f)
{
	if (f->buf != NULL)
		explicit_bzero(f->buf, f->cap);
	free(f->buf);
	memset(f, 0, sizeof(*f));
}

size_t
ivt_framer_pending(const struct ivt_framer *f)
{
	return f->len - f->off;
}

/* Move unconsumed bytes to the front so the buffer never creeps, and
 * wipe the consumed ones. */
void
ivt_framer_compact(struct ivt_framer *f)
{
	if (f->off == 0)
		return;
	memmove(f->buf, f->buf + f->off, f->len - f->off);
	/* The consumed bytes' copies beyond the new end. */
	explicit_bzero(f->buf + f->len - f->off, f->off);
	f->len -= f->off;
	f->off = 0;
}

char *
ivt_framer_space(struct ivt_framer *f, size_t n, size_t *avail)
{
	size_t need, ncap;
	char *nbuf;

	ivt_framer_compact(f);
	/*
	 * The caller adds bounded amounts and drains every complete message
	 * with ivt_framer_next() before adding more (or stops adding once a
	 * chunk waits); next() reports a message that outgrows max, so the
	 * buffer stays below max + a chunk or two.
	 */
	if (n > SIZE_MAX / 4 - f->len)
		return NULL;
	need = f->len + n + 1; /* + the sentinel NUL */
	if (need > f->cap) {
		ncap = f->cap ? f->cap : 4096;
		while (ncap < need)
			ncap *= 2;
		/* Not realloc: the old block is wiped before it goes. */
		if ((nbuf = malloc(ncap)) == NULL)
			return NULL;
		if (f->buf != NULL) {
			memcpy(nbuf, f->buf, f->len);
			explicit_bzero(f->buf, f->cap);
			free(f->buf);
		}
		f->buf = nbuf;
		f->cap = ncap;
	}
	*avail = f->cap - f->len - 1;
	return f->buf + f->len;
}

void
ivt_framer_commit(struct ivt_framer *f, size_t n)
{
	f->len += n;
	f->buf[f->len] = '\0'; /* sentinel; not counted in len */
}

int
ivt_framer_push(struct ivt_framer *f, const void *data, size_t n)
{
	size_t avail;
	char *p;

	if ((p = ivt_framer_space(f, n, &avail)) == NULL)
		return -1;
	memcpy(p, data, n);
	ivt_framer_commit(f, n);
	return 0;
}

enum ivt_frame_rc
ivt_framer_next(struct ivt_framer *f, const char **msg, size_t *len)
{
	const char *start, *nul;
	size_t avail;

	if (f->buf == NULL)
		return IVT_FRAME_MORE;
	start = f->buf + f->off;
	avail = f->len - f->off;
	nul = memchr(start, '\0', avail);
	if (nul == NULL)
		return avail > f->max ? IVT_FRAME_TOOBIG : IVT_FRAME_MORE;
	if ((size_t)(nul - start) > f->max)
		return IVT_FRAME_TOOBIG;
	*msg = start;
	*len = (size_t)(nul - start);
	f->off += *len + 1;
	return IVT_FRAME_MSG;
}

json_t *
ivt_msg_parse(const char *msg, size_t len, char *err, size_t errlen)
{
	size_t pos = 0;
	json_t *v;

	/* Not json_loadb: see jparse.c.  Only the position is reported. */
	v = ivt_json_parse(msg, len, &pos);
	if (v == NULL) {
		snprintf(err, errlen, "invalid JSON at byte %zu", pos);
		return NULL;
	}
	if (!json_is_object(v)) {
		snprintf(err, errlen, "message is not a JSON object");
		json_decref(v);
		return NULL;
	}
	return v;
}

/*
 * The encoder.  jansson's json_dump_callback spent 44 000 instructions on
 * a 400-byte reply (a "%p" snprintf and a hash-table insert per object to
 * detect cycles, a UTF-8 decode per character, a callback per token),
 * more than the audited read it answered.  This one writes the same bytes
 * as json_dumps(JSON_COMPACT) -- test_wire compares the two -- straight
 * into one buffer: runs of plain characters are copied whole, cycles are
 * caught by the depth limit.  It refuses two things jansson writes:
 * nesting deeper than ENC_MAX_DEPTH, and an object key that is not UTF-8
 * (only json_object_setn_nocheck makes one; jansson 2.14 then writes
 * JSON that parses into something else).
 */
/* jansson's parser limit: what we read, we can write. */
#define ENC_MAX_DEPTH 2048

/* Output buffer for one encoding pass; room for the NUL is kept. */
struct enc_buf {
	char *buf;
	size_t len, cap;
};

/* Room for n more bytes and the NUL; an outgrown block is wiped. */
static int
enc_reserve(struct enc_buf *e, size_t n)
{
	size_t ncap;
	char *nbuf;

	if (n >= SIZE_MAX / 4 - e->len)
		return -1;
	if (e->len + n + 1 <= e->cap)
		return 0;
	ncap = e->cap ? e->cap : 1024;
	while (ncap < e->len + n + 1)
		ncap *= 2;
	if ((nbuf = malloc(ncap)) == NULL)
		return -1;
	if (e->buf != NULL) {
		memcpy(nbuf, e->buf, e->len);
		explicit_bzero(e->buf, e->cap);
		free(e->buf);
	}
	e->buf = nbuf;
	e->cap = ncap;
	return 0;
}

/* Called for every token: the common case, room left, is inline. */
static inline int
enc_put(struct enc_buf *e, const char *data, size_t n)
{
	if (e->cap - e->len <= n && enc_reserve(e, n) == -1)
		return -1;
	memcpy(e->buf + e->len, data, n);
	e->len += n;
	return 0;
}

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0. */
static size_t
utf8_seq(const unsigned char *p, size_t avail)
{
	uint32_t cp;
	size_t n, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1fu;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0fu;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07u;
	else
		return 0;
	if (n > avail)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3fu);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF, as jansson. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/* Does byte c end a run of plain characters: a control, '"', '\\', or
 * from 0x80 on (UTF-8, checked)?  One compare for the common case. */
static inline int
enc_special(unsigned char c)
{
	return (unsigned char)(c - 0x20) >= 0x60 || c == '"' || c == '\\';
}

/*
 * Bytes at p that are plain (see enc_special), counted eight at a time
 * while whole words are: replies are mostly plain text, and a test per
 * byte was a quarter of encoding GetInfo.  A multiple of 8; the caller
 * goes on byte by byte.
 */
static size_t
plain_words(const unsigned char *p, size_t n)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t highs = 0x8080808080808080ULL;
	uint64_t w, q, b;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		q = w ^ (ones * '"');
		b = w ^ (ones * '\\');
		/* A high bit (UTF-8); else, all bytes below 0x80, a byte
		 * below 0x20, or a zero byte in q ('"') or b ('\\'): the
		 * classic (x - 0x01..) & ~x & 0x80.. tests. */
		if ((w & highs) != 0 || ((w - ones * 0x20) & ~w & highs) != 0 ||
		    ((q - ones) & ~q & highs) != 0 ||
		    ((b - ones) & ~b & highs) != 0)
			break;
	}
	return i;
}

/* Room for n more bytes (and the final NUL) at e->buf + e->len. */
static inline int
enc_room(struct enc_buf *e, size_t n)
{
	return e->cap - e->len > n || enc_reserve(e, n) == 0 ? 0 : -1;
}

/*
 * The string with its quotes.  Room is made once for the plain case (n
 * bytes and two quotes) and again only at an escape, which takes up to
 * five bytes more: replies are mostly short plain strings, for which the
 * checks per token were most of the cost.
 */
static int
enc_string(struct enc_buf *e, const char *str, size_t n)
{
	static const char hex[] = "0123456789ABCDEF"; /* as jansson */
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run, k;
	char *o;

	if (n > SIZE_MAX / 4 || enc_room(e, n + 2) == -1)
		return -1;
	e->buf[e->len++] = '"';
	while (i < n) {
		/* Plain ASCII needs nothing: copy the run at once. */
		run = i + plain_words(s + i, n - i);
		while (run < n && !enc_special(s[run]))
			run++;
		memcpy(e->buf + e->len, str + i, run - i);
		e->len += run - i;
		if ((i = run) == n)
			break;
		if (s[i] >= 0x80) {
			/* As many bytes out as in: the room is there. */
			if ((k = utf8_seq(s + i, n - i)) == 0)
				return -1;
			memcpy(e->buf + e->len, str + i, k);
			e->len += k;
			i += k;
			continue;
		}
		/* This byte and the rest, the escape up to six bytes. */
		if (enc_room(e, n - i + 6) == -1)
			return -1;
		o = e->buf + e->len;
		o[0] = '\\';
		k = 2;
		switch (s[i]) {
		case '"':
			o[1] = '"';
			break;
		case '\\':
			o[1] = '\\';
			break;
		case '\b':
			o[1] = 'b';
			break;
		case '\f':
			o[1] = 'f';
			break;
		case '\n':
			o[1] = 'n';
			break;
		case '\r':
			o[1] = 'r';
			break;
		case '\t':
			o[1] = 't';
			break;
		default:
			memcpy(o + 1, "u00", 3);
			o[4] = hex[s[i] >> 4];
			o[5] = hex[s[i] & 0xf];
			k = 6;
		}
		e->len += k;
		i++;
	}
	e->buf[e->len++] = '"';
	return 0;
}

/* Decimal digits of v at the end of buf[24]; their count.  snprintf
 * cost more than the rest of a typical reply's encoding. */
static size_t
enc_int(char buf[24], json_int_t v)
{
	/* Unsigned, so that INT64_MIN's magnitude fits. */
	unsigned long long u =
	    v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	size_t n = 0;

	do {
		buf[23 - n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		buf[23 - n++] = '-';
	return n;
}

/* A real as jansson writes it ("%.17g" with its fix-ups): rare here. */
static int
enc_real(struct enc_buf *e, const json_t *v)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	int rc;

	if (s == NULL)
		return -1;
	rc = enc_put(e, s, strlen(s));
	free(s);
	return rc;
}

static int
enc_value(struct enc_buf *e, const json_t *v, int depth)
{
	char num[24];
	void *it;
	size_t i, n;

	if (depth > ENC_MAX_DEPTH)
		return -1;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (enc_put(e, "{", 1) == -1)
			return -1;
		/* json_t * is const in spirit: iteration does not modify. */
		for (it = json_object_iter((json_t *)v), i = 0; it != NULL;
		     it = json_object_iter_next((json_t *)v, it), i++) {
			if ((i > 0 && enc_put(e, ",", 1) == -1) ||
			    enc_string(e, json_object_iter_key(it),
			               json_object_iter_key_len(it)) == -1 ||
			    enc_put(e, ":", 1) == -1 ||
			    enc_value(e, json_object_iter_value(it),
			              depth + 1) == -1)
				return -1;
		}
		return enc_put(e, "}", 1);
	case JSON_ARRAY:
		if (enc_put(e, "[", 1) == -1)
			return -1;
		for (i = 0; i < json_array_size(v); i++) {
			if ((i > 0 && enc_put(e, ",", 1) == -1) ||
			    enc_value(e, json_array_get(v, i), depth + 1) == -1)
				return -1;
		}
		return enc_put(e, "]", 1);
	case JSON_STRING:
		return enc_string(e, json_string_value(v),
		                  json_string_length(v));
	case JSON_INTEGER:
		n = enc_int(num, json_integer_value(v));
		return enc_put(e, num + sizeof(num) - n, n);
	case JSON_REAL:
		return enc_real(e, v);
	case JSON_TRUE:
		return enc_put(e, "true", 4);
	case JSON_FALSE:
		return enc_put(e, "false", 5);
	case JSON_NULL:
		return enc_put(e, "null", 4);
	}
	return -1;
}

/* The message in e terminated, *len counting the NUL; or, when the
 * encoding failed (rc != 0), wiped and freed. */
static char *
enc_finish(struct enc_buf *e, int rc, size_t *len)
{
	if (rc != 0) {
		if (e->buf != NULL)
			explicit_bzero(e->buf, e->cap);
		free(e->buf);
		return NULL;
	}
	e->buf[e->len] = '\0';
	*len = e->len + 1;
	return e->buf;
}

/* One NUL-terminated message; *len counts the NUL (it is the delimiter). */
char *
ivt_msg_encode(const json_t *obj, size_t *len)
{
	struct enc_buf e = {NULL, 0, 0};

	return enc_finish(&e,
	                  obj == NULL ||
	                      !(json_is_object(obj) || json_is_array(obj)) ||
	                      enc_value(&e, obj, 0) == -1,
	                  len);
}

/*
 * A reply straight from its parts, without building the envelope as an
 * object first (two objects, a string and their hash tables a call, only
 * to be walked once and freed).  The bytes are those ivt_msg_encode()
 * writes for the object {"error":E,"parameters":P,"traceparent":T,
 * "continues":true}, E and "continues" only when given; raw, when not
 * NULL, is P already encoded (a compact JSON object) and params is then
 * not looked at.
 */
#define ENC_LIT(e, lit) enc_put((e), (lit), sizeof(lit) - 1)

char *
ivt_reply_encode(const char *error, const json_t *params, const char *raw,
                 size_t rawlen, const char *traceparent, int continues,
                 size_t *len)
{
	struct enc_buf e = {NULL, 0, 0};
	int rc = 0;

	if (error != NULL)
		rc = ENC_LIT(&e, "{\"error\":") == -1 ||
		     enc_string(&e, error, strlen(error)) == -1 ||
		     ENC_LIT(&e, ",\"parameters\":") == -1;
	else
		rc = ENC_LIT(&e, "{\"parameters\":") == -1;
	if (rc == 0 && raw != NULL)
		rc = enc_put(&e, raw, rawlen);
	else if (rc == 0 && params != NULL)
		rc = json_is_object(params) ? enc_value(&e, params, 1) : -1;
	else if (rc == 0)
		rc = enc_put(&e, "{}", 2);
	if (rc == 0)
		rc = ENC_LIT(&e, ",\"traceparent\":") == -1 ||
		     enc_string(&e, traceparent, strlen(traceparent)) == -1 ||
		     (continues && ENC_LIT(&e, ",\"continues\":true") == -1) ||
		     enc_put(&e, "}", 1) == -1;
	return enc_finish(&e, rc, len);
}

void
ivt_msg_free(char *buf, size_t len)
{
	if (buf != NULL)
		explicit_bzero(buf, len);
	free(buf);
}

const char *
ivt_json_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

long long
ivt_json_int(const json_t *obj, const char *key, long long dflt)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? json_integer_value(v) : dflt;
}
