/*
 * audit_export.c - nl.ivtd.Audit.Export.
 *
 * The daemon's chain is keyed, so an offline verifier cannot recompute
 * it; the export carries an unkeyed chain of its own over the exact bytes
 * of its lines, and the daemon signs that chain's state in checkpoints and
 * a final trailer (include/ivt/export.h has the format and the reasoning).
 * The daemon signs only what it has checked: while exporting it verifies
 * its own keyed chain entry by entry, and its signed checkpoints at the
 * end, and a broken log ends the export with nl.ivtd.Audit.LogBroken
 * instead of a signed trailer.
 *
 * The export is a stream (varlink more; server.c pulls replies while the
 * reader keeps up): the first reply holds the header line, each later one
 * the lines of EXPORT_CHUNK entries, the last one the trailer.  It covers
 * the entries that existed when the call started; the state between
 * replies lives in the call, never in the client, so a client cannot make
 * the daemon sign a chain it did not build.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium/utils.h>

#include "ivt/export.h"
#include "audit_export.h"
#include "log.h"

/* Entries per reply: bounded so a reply of the longest entries stays far
 * below the client's 16 MiB reply limit. */
#define EXPORT_CHUNK 128
#define SIG_B64LEN                                                             \
	sodium_base64_ENCODED_LEN(CRYPTO_SIGBYTES,                             \
	                          sodium_base64_VARIANT_ORIGINAL)

struct export_state {
	char id[IVT_EXPORT_IDLEN + 1];
	uint8_t chain[IVT_EXPORT_HASHBYTES]; /* the export's chain */
	uint8_t prev[CRYPTO_HASHBYTES];      /* keyed hash of entry `done` */
	int64_t done, total;
	json_t *lines; /* of the reply being built */
	const struct crypto *crypto;
	int failed;
};

static void
state_free(void *p)
{
	struct export_state *x = p;

	json_decref(x->lines);
	sodium_memzero(x, sizeof(*x));
	free(x);
}

/* Append text as a line of the reply; with chain set it extends the
 * chain.  0 or -1. */
static int
add_line(struct export_state *x, json_t *obj, int chain)
{
	char *text;
	int rc = -1;

	text = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(obj);
	if (text == NULL || strlen(text) > IVT_EXPORT_LINE_MAX)
		goto out;
	if (chain && ivt_export_chain_step(x->chain, text, strlen(text)) == -1)
		goto out;
	rc = json_array_append_new(x->lines, json_string(text));
out:
	free(text);
	return rc;
}

/* A signed line: "checkpoint" after x->done entries, or the "trailer". */
static int
add_signed(struct export_state *x, const char *type)
{
	char note[IVT_EXPORT_NOTE_MAX], hex[2 * IVT_EXPORT_HASHBYTES + 1];
	char b64[SIG_B64LEN];
	uint8_t sig[CRYPTO_SIGBYTES];
	int n;

	n = ivt_export_note(note, sizeof(note), x->id,
	                    strcmp(type, "trailer") == 0 ? "end" : "checkpoint",
	                    x->done, x->chain);
	if (n == -1 || crypto_sign_msg(x->crypto, note, (size_t)n, sig) != 0)
		return -1;
	crypto_hex(x->chain, sizeof(x->chain), hex);
	sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig),
	                  sodium_base64_VARIANT_ORIGINAL);
	return add_line(x,
	                json_pack("{s:s,s:I,s:s,s:s}", "type", type, "count",
	                          (json_int_t)x->done, "hash", hex, "signature",
	                          b64),
	                0);
}

/* audit_walk callback: one verified entry as a line. */
static int
entry_cb(const struct audit_entry *e, const uint8_t hash[CRYPTO_HASHBYTES],
         void *arg)
{
	struct export_state *x = arg;
	json_t *o, *line;

	if ((o = audit_entry_json(e, hash)) == NULL ||
	    (line = json_pack("{s:s}", "type", "entry")) == NULL ||
	    json_object_update(line, o) == -1) {
		json_decref(o);
		return -1;
	}
	json_decref(o);
	if (add_line(x, line, 1) == -1)
		return -1;
	x->done++;
	memcpy(x->prev, hash, CRYPTO_HASHBYTES);
	if (x->done % AUDIT_EXPORT_CHECKPOINT_EVERY == 0 &&
	    add_signed(x, "checkpoint") == -1)
		return -1;
	return 0;
}

static int
log_broken(struct call *c, const struct audit_verify_result *r)
{
	return call_fail(c, "nl.ivtd.Audit.LogBroken", "{s:I,s:s}", "bad_seq",
	                 (json_int_t)r->bad_seq, "reason", r->reason);
}

/* The reply parameters around the lines built so far. */
static json_t *
chunk_reply(struct export_state *x)
{
	json_t *p =
	    json_pack("{s:o,s:I,s:I}", "lines", x->lines, "done",
	              (json_int_t)x->done, "total", (json_int_t)x->total);

	x->lines = json_array();
	return p;
}

static int
export_next(struct call *c, json_t **params)
{
	struct export_state *x = c->state;
	struct audit_verify_result r;
	int64_t n, last, before = x->done;
	int rc;

	if (x->lines == NULL)
		return call_internal(c);
	memset(&r, 0, sizeof(r));
	n = x->total - x->done;
	if (n > EXPORT_CHUNK)
		n = EXPORT_CHUNK;
	if (n > 0) {
		rc = audit_walk(c->ctx->store, c->ctx->crypto, before, x->prev,
		                n, entry_cb, x, &r);
		if (rc == 1)
			return log_broken(c, &r);
		if (rc == -1)
			return call_internal(c);
		/* The log never shrinks; if it did, it was cut. */
		if (x->done != before + n) {
			r.bad_seq = x->done + 1;
			snprintf(r.reason, sizeof(r.reason),
			         "entries missing at the end (deleted)");
			return log_broken(c, &r);
		}
		if (x->done < x->total)
			return (*params = chunk_reply(x)) != NULL
			           ? 1
			           : call_internal(c);
	}
	/* Every entry is out: the daemon's own checkpoints, then the
	 * trailer. */
	rc = audit_verify_checkpoints(c->ctx->store, c->ctx->crypto, x->total,
	                              x->total, &r);
	/* Checkpoints past x->total were not read above: those made while
	 * the export ran are fine, one past today's end means a cut. */
	if (rc == 0 && (last = audit_last_seq(c->ctx->store)) < 0)
		rc = -1;
	if (rc == 0)
		rc = audit_check_not_cut(c->ctx->store, last, &r);
	if (rc == 1)
		return log_broken(c, &r);
	if (rc == -1 || add_signed(x, "trailer") == -1)
		return call_internal(c);
	return (*params = chunk_reply(x)) != NULL ? 2 : call_internal(c);
}

int
audit_export(struct call *c)
{
	struct export_state *x;
	uint8_t rnd[IVT_EXPORT_IDLEN / 2], pk[CRYPTO_PKBYTES];
	char pkhex[2 * CRYPTO_PKBYTES + 1], created[32];
	struct audit_verify_result r;
	json_t *header;
	char *text;
	int rc;

	if (!c->more)
		return call_fail(c, "org.varlink.service.ExpectedMore", "{}");
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return call_internal(c);
	c->state = x;
	c->state_free = state_free;
	x->crypto = c->ctx->crypto;
	if ((x->total = audit_last_seq(c->ctx->store)) < 0 ||
	    (x->lines = json_array()) == NULL)
		return call_internal(c);
	/* A log cut at its end is refused before a line goes out. */
	memset(&r, 0, sizeof(r));
	if ((rc = audit_check_not_cut(c->ctx->store, x->total, &r)) != 0)
		return rc == 1 ? log_broken(c, &r) : call_internal(c);
	crypto_random(rnd, sizeof(rnd));
	crypto_hex(rnd, sizeof(rnd), x->id);
	crypto_sign_pk(c->ctx->crypto, pk);
	crypto_hex(pk, sizeof(pk), pkhex);
	format_time(store_now_us(), created, sizeof(created));
	header = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:i}", "type", "header",
	                   "format", IVT_EXPORT_FORMAT, "export_id", x->id,
	                   "created", created, "public_key", pkhex, "entries",
	                   (json_int_t)x->total, "checkpoint_every",
	                   AUDIT_EXPORT_CHECKPOINT_EVERY);
	if (header == NULL ||
	    (text = json_dumps(header, JSON_COMPACT | JSON_ENSURE_ASCII)) ==
	        NULL) {
		json_decref(header);
		return call_internal(c);
	}
	json_decref(header);
	if (ivt_export_chain_start(x->chain, text, strlen(text)) == -1 ||
	    json_array_append_new(x->lines, json_string(text)) == -1) {
		free(text);
		return call_internal(c);
	}
	free(text);
	if ((c->reply = chunk_reply(x)) == NULL)
		return call_internal(c);
	call_object(c, "audit export:%s entries:%lld", x->id,
	            (long long)x->total);
	c->next = export_next;
	return 0;
}
