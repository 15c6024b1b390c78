/*
 * wire.c - NUL-delimited varlink framing and message (de)serialisation.
 */
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

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

/* Move unconsumed bytes to the front so the buffer never creeps. */
static void
framer_compact(struct ivt_framer *f)
{
	if (f->off == 0)
		return;
	memmove(f->buf, f->buf + f->off, f->len - f->off);
	/* The consumed bytes' copies beyond the new end. */
	explicit_bzero(f->buf + f->len - f->off, f->off);
	f->len -= f->off;
	f->off = 0;
}

int
ivt_framer_push(struct ivt_framer *f, const void *data, size_t n)
{
	size_t need, ncap;
	char *nbuf;

	framer_compact(f);
	/*
	 * The caller pushes bounded chunks and drains every complete message
	 * with ivt_framer_next() before the next push; next() reports a message
	 * that outgrows max, so the buffer stays below max + one chunk.
	 */
	if (n > SIZE_MAX / 2 - f->len)
		return -1;
	need = f->len + n + 1;
	if (need > f->cap) {
		ncap = f->cap ? f->cap : 4096;
		while (ncap < need)
			ncap *= 2;
		/* Not realloc: the old block is wiped before it goes. */
		if ((nbuf = malloc(ncap)) == NULL)
			return -1;
		if (f->buf != NULL) {
			memcpy(nbuf, f->buf, f->len);
			explicit_bzero(f->buf, f->cap);
			free(f->buf);
		}
		f->buf = nbuf;
		f->cap = ncap;
	}
	memcpy(f->buf + f->len, data, n);
	f->len += n;
	f->buf[f->len] = '\0'; /* sentinel; not counted in len */
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
	json_error_t jerr;
	json_t *v;

	v = json_loadb(msg, len, JSON_REJECT_DUPLICATES,
	               &jerr);
	if (v == NULL) {
		/* jansson's text may quote input; report only the position. */
		snprintf(err, errlen, "invalid JSON at byte %d", jerr.position);
		return NULL;
	}
	if (!json_is_object(v)) {
		snprintf(err, errlen, "message is not a JSON object");
		json_decref(v);
		return NULL;
	}
	return v;
}

/* Output buffer for one encoding pass; room for the NUL is kept. */
struct enc_buf {
	char *buf;
	size_t len, cap;
};

static int
enc_put(const char *data, size_t n, void *arg)
{
	struct enc_buf *e = arg;
	size_t ncap;
	char *nbuf;

	if (n >= SIZE_MAX / 2 - e->len)
		return -1;
	if (e->len + n + 1 > e->cap) {
		ncap = e->cap ? e->cap : 1024;
		while (ncap < e->len + n + 1)
			ncap *= 2;
		if ((nbuf = realloc(e->buf, ncap)) == NULL)
			return -1;
		e->buf = nbuf;
		e->cap = ncap;
	}
	memcpy(e->buf + e->len, data, n);
	e->len += n;
	return 0;
}

/*
 * One pass into a growing buffer: json_dumpb twice (once to size, once to
 * write) spent more than a third of the daemon's time on small calls.
 */
char *
ivt_msg_encode(const json_t *obj, size_t *len)
{
	struct enc_buf e = {NULL, 0, 0};

	if (json_dump_callback(obj, enc_put, &e, JSON_COMPACT) == -1 ||
	    e.len == 0) {
		free(e.buf);
		return NULL;
	}
	e.buf[e.len] = '\0';
	*len = e.len + 1;
	return e.buf;
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
