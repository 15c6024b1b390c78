/*
 * export.c - the self-verifying audit export (format in ivt/export.h):
 * the unkeyed chain, the signed notes, and the offline verifier.
 *
 * The verifier reads the file once, line by line, holding one line at a
 * time.  It checks, in this order, so that the first message names the
 * most likely cause: the line is complete and JSON; an entry's seq is the
 * next one (a deleted, inserted or moved line); a checkpoint's count
 * matches the entries before it; its hash matches the chain (an edited
 * line); its signature; and at the end a signed trailer closes the file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "ivt/export.h"
#include "ivt/hex.h"

#define PROGRESS_LINES 512

int
ivt_export_chain_start(uint8_t h[IVT_EXPORT_HASHBYTES], const char *header,
                       size_t len)
{
	crypto_generichash_state st;

	if (sodium_init() < 0 ||
	    crypto_generichash_init(&st, NULL, 0, IVT_EXPORT_HASHBYTES) != 0 ||
	    crypto_generichash_update(&st, (const uint8_t *)IVT_EXPORT_FORMAT,
	                              sizeof(IVT_EXPORT_FORMAT)) != 0 ||
	    crypto_generichash_update(&st, (const uint8_t *)header, len) != 0 ||
	    crypto_generichash_final(&st, h, IVT_EXPORT_HASHBYTES) != 0)
		return -1;
	return 0;
}

int
ivt_export_chain_step(uint8_t h[IVT_EXPORT_HASHBYTES], const char *line,
                      size_t len)
{
	crypto_generichash_state st;

	if (crypto_generichash_init(&st, NULL, 0, IVT_EXPORT_HASHBYTES) != 0 ||
	    crypto_generichash_update(&st, h, IVT_EXPORT_HASHBYTES) != 0 ||
	    crypto_generichash_update(&st, (const uint8_t *)line, len) != 0 ||
	    crypto_generichash_final(&st, h, IVT_EXPORT_HASHBYTES) != 0)
		return -1;
	return 0;
}

int
ivt_export_note(char *buf, size_t len, const char *export_id, const char *kind,
                int64_t count, const uint8_t h[IVT_EXPORT_HASHBYTES])
{
	char hex[2 * IVT_EXPORT_HASHBYTES + 1];
	int n;

	sodium_bin2hex(hex, sizeof(hex), h, IVT_EXPORT_HASHBYTES);
	n = snprintf(buf, len, "%s\n%s\n%s\n%lld\n%s\n", IVT_EXPORT_FORMAT,
	             export_id, kind, (long long)count, hex);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

int
ivt_unhex(const char *hex, uint8_t *out, size_t n)
{
	size_t i;
	int hi, lo;

	if (hex == NULL || strlen(hex) != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		if ((hi = ivt_hexval(hex[2 * i])) < 0 ||
		    (lo = ivt_hexval(hex[2 * i + 1])) < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* Verifier state between lines. */
struct vstate {
	struct ivt_export_result *r;
	uint8_t pk[IVT_EXPORT_PKBYTES];
	uint8_t h[IVT_EXPORT_HASHBYTES];
	int64_t lineno;
	int64_t expected;   /* entries the header announces */
	int64_t last_cp;    /* line of the last good checkpoint, 0 if none */
	int64_t last_count; /* the entries it covers */
	int trailer;        /* the trailer was read */
};

static int fault(struct vstate *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
fault(struct vstate *v, const char *fmt, ...)
{
	va_list ap;

	v->r->line = v->lineno;
	va_start(ap, fmt);
	vsnprintf(v->r->reason, sizeof(v->r->reason), fmt, ap);
	va_end(ap);
	return 1;
}

/* A string member of at most max bytes, or NULL. */
static const char *
member(const json_t *o, const char *key, size_t max)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || json_string_length(v) > max)
		return NULL;
	return json_string_value(v);
}

static int
header_line(struct vstate *v, const json_t *o, const char *line, size_t len,
            const uint8_t *want_pk)
{
	const char *fmt, *id, *pk, *created;
	json_int_t n;

	fmt = member(o, "format", 64);
	if (strcmp(member(o, "type", 16) ? member(o, "type", 16) : "",
	           "header") != 0 ||
	    fmt == NULL)
		return fault(v, "not an ivtd audit export: no header");
	if (strcmp(fmt, IVT_EXPORT_FORMAT) != 0)
		return fault(v, "unsupported export format");
	id = member(o, "export_id", IVT_EXPORT_IDLEN);
	pk = member(o, "public_key", 2 * IVT_EXPORT_PKBYTES);
	created = member(o, "created", sizeof(v->r->created) - 1);
	n = json_integer_value(json_object_get(o, "entries"));
	if (id == NULL || strlen(id) != IVT_EXPORT_IDLEN || pk == NULL ||
	    ivt_unhex(pk, v->pk, sizeof(v->pk)) == -1 ||
	    !json_is_integer(json_object_get(o, "entries")) || n < 0)
		return fault(v, "malformed header");
	snprintf(v->r->export_id, sizeof(v->r->export_id), "%s", id);
	snprintf(v->r->public_key, sizeof(v->r->public_key), "%s", pk);
	snprintf(v->r->created, sizeof(v->r->created), "%s",
	         created != NULL ? created : "");
	if (want_pk != NULL &&
	    sodium_memcmp(want_pk, v->pk, IVT_EXPORT_PKBYTES) != 0)
		return fault(v, "signed with another key than the one given: "
		                "not this daemon's export");
	v->expected = n;
	if (ivt_export_chain_start(v->h, line, len) == -1)
		return fault(v, "hashing failed");
	return 0;
}

/* A checkpoint or the trailer: count, chain hash, signature. */
static int
signed_line(struct vstate *v, const json_t *o, const char *kind)
{
	const char *hash, *sig;
	char note[IVT_EXPORT_NOTE_MAX];
	uint8_t h[IVT_EXPORT_HASHBYTES], s[IVT_EXPORT_SIGBYTES];
	size_t slen;
	json_int_t count;
	int n;

	count = json_integer_value(json_object_get(o, "count"));
	hash = member(o, "hash", 2 * IVT_EXPORT_HASHBYTES);
	sig = member(o, "signature", 128);
	if (!json_is_integer(json_object_get(o, "count")) || hash == NULL ||
	    sig == NULL || ivt_unhex(hash, h, sizeof(h)) == -1 ||
	    sodium_base642bin(s, sizeof(s), sig, strlen(sig), NULL, &slen, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    slen != sizeof(s))
		return fault(v, "malformed %s line", kind);
	if (count != v->r->entries)
		return fault(v,
		             "the signed %s covers %lld entries but %lld lines "
		             "precede it: entry lines were deleted or inserted",
		             kind, (long long)count, (long long)v->r->entries);
	if (sodium_memcmp(h, v->h, sizeof(h)) != 0)
		return fault(
		    v,
		    "entry lines after line %lld were changed, inserted, "
		    "deleted or reordered: they do not hash to the "
		    "signed %s",
		    (long long)(v->last_cp > 0 ? v->last_cp : 1), kind);
	if ((n = ivt_export_note(note, sizeof(note), v->r->export_id,
	                         strcmp(kind, "trailer") == 0 ? "end"
	                                                      : "checkpoint",
	                         count, h)) == -1 ||
	    crypto_sign_verify_detached(s, (const uint8_t *)note, (size_t)n,
	                                v->pk) != 0)
		return fault(v,
		             "the %s's signature is invalid (forged or "
		             "edited)",
		             kind);
	v->last_cp = v->lineno;
	v->last_count = count;
	return 0;
}

static int
entry_line(struct vstate *v, const json_t *o, const char *line, size_t len)
{
	const json_t *seq = json_object_get(o, "seq");

	if (!json_is_integer(seq))
		return fault(v, "entry without a sequence number");
	if (json_integer_value(seq) != v->r->entries + 1)
		return fault(v,
		             "entry %lld where entry %lld was due: a line was "
		             "deleted, inserted or moved",
		             (long long)json_integer_value(seq),
		             (long long)(v->r->entries + 1));
	if (v->r->entries == v->expected)
		return fault(v, "more entries than the header announces");
	v->r->entries++;
	if (ivt_export_chain_step(v->h, line, len) == -1)
		return fault(v, "hashing failed");
	return 0;
}

/* One line without its "\n".  0 to go on, 1 broken. */
static int
verify_line(struct vstate *v, const char *line, size_t len,
            const uint8_t *want_pk)
{
	json_error_t jerr;
	const char *type;
	json_t *o;
	int rc;

	if (v->trailer)
		return fault(v, "data after the signed trailer");
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(o)) {
		json_decref(o);
		return fault(v, "not a JSON object (the line was damaged)");
	}
	type = member(o, "type", 16);
	if (v->lineno == 1)
		rc = header_line(v, o, line, len, want_pk);
	else if (type != NULL && strcmp(type, "entry") == 0)
		rc = entry_line(v, o, line, len);
	else if (type != NULL && strcmp(type, "checkpoint") == 0) {
		rc = signed_line(v, o, "checkpoint");
		v->r->checkpoints += rc == 0;
	} else if (type != NULL && strcmp(type, "trailer") == 0) {
		rc = signed_line(v, o, "trailer");
		v->trailer = 1;
		if (rc == 0 && v->r->entries != v->expected)
			rc = fault(v,
			           "the header announces %lld entries, the "
			           "trailer signs %lld",
			           (long long)v->expected,
			           (long long)v->r->entries);
	} else
		rc = fault(v, "unknown line type");
	json_decref(o);
	return rc;
}

int
ivt_export_verify(FILE *fp, const uint8_t *pk, struct ivt_export_result *r,
                  void (*progress)(long done, void *arg), void *arg)
{
	struct vstate v;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long done = 0;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	memset(&v, 0, sizeof(v));
	v.r = r;
	if (sodium_init() < 0) {
		snprintf(r->reason, sizeof(r->reason), "libsodium failed");
		return -1;
	}
	errno = 0;
	while (rc == 0 && (n = getline(&line, &cap, fp)) != -1) {
		v.lineno++;
		done += (long)n;
		if (n > IVT_EXPORT_LINE_MAX)
			rc = fault(&v, "line longer than %d bytes",
			           IVT_EXPORT_LINE_MAX);
		else if (line[n - 1] != '\n')
			rc = fault(&v, "the last line is cut off: the file was "
			               "truncated");
		else
			rc = verify_line(&v, line, (size_t)n - 1, pk);
		if (progress != NULL && v.lineno % PROGRESS_LINES == 0)
			progress(done, arg);
	}
	free(line);
	if (progress != NULL)
		progress(done, arg);
	if (rc == 0 && ferror(fp)) {
		snprintf(r->reason, sizeof(r->reason), "read error: %s",
		         strerror(errno));
		return -1;
	}
	if (rc == 0 && v.lineno == 0) {
		v.lineno = 1;
		rc = fault(&v, "empty file: not an ivtd audit export");
	} else if (rc == 0 && !v.trailer) {
		v.lineno++;
		if (v.last_cp > 0)
			rc = fault(
			    &v,
			    "truncated: no signed trailer; the last "
			    "signed checkpoint (line %lld) covers %lld of "
			    "the %lld entries announced",
			    (long long)v.last_cp, (long long)v.last_count,
			    (long long)v.expected);
		else
			rc = fault(&v, "truncated: no signed trailer");
	}
	sodium_memzero(v.h, sizeof(v.h));
	return rc;
}
