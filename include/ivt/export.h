/*
 * export.h - the self-verifying audit export, shared by ivtd (which writes
 * and signs it) and ivtctl (which checks it offline, without the daemon).
 *
 * The daemon's own chain is keyed with a secret (audit.h), so nobody but
 * the daemon can recompute it.  An export therefore carries a chain of its
 * own that needs no secret, and the daemon signs that chain's state with
 * its Ed25519 key.  The file is JSON Lines (ASCII, one object per line,
 * each line ending in "\n"):
 *
 *   line 1   {"type":"header","format":"ivtd-audit-export/1",
 *             "export_id":"<32 hex>","created":"<RFC 3339>",
 *             "public_key":"<64 hex>","entries":N,"checkpoint_every":K}
 *   then     {"type":"entry","seq":1,...}  one per audit entry, seq 1..N
 *            in order, the members of nl.ivtd.Audit.Entry
 *   every K  {"type":"checkpoint","count":n,"hash":"<64 hex>",
 *            "signature":"<base64>"}  after the n-th entry line
 *   last     {"type":"trailer","count":N,"hash":"<64 hex>",
 *            "signature":"<base64>"}
 *
 * The chain (BLAKE2b-256, unkeyed) covers the exact bytes of each line
 * without its "\n":
 *   h0 = H("ivtd-audit-export/1" || 0x00 || header line)
 *   hn = H(h(n-1) || n-th entry line)
 * Checkpoint and trailer lines are outside the chain: they sign it.  The
 * signed message is the note
 *   "ivtd-audit-export/1\n<export_id>\n<kind>\n<count>\n<hex hash>\n"
 * with kind "checkpoint" or "end".  Because the header is in h0 and the
 * kind is in the note, a line edited, inserted, deleted or moved changes
 * every later hash and fails the next signature; a file cut after any
 * line lacks the signed trailer ("end" cannot be made from a checkpoint's
 * signature); lines of another export do not fit this one's chain.
 *
 * What it cannot show: that the key in the header is the daemon's.  Anyone
 * can write a consistent file with a key of their own, so compare the key
 * with the daemon's (ivtctl audit verify prints it; keep a copy off the
 * host) or pass it to the verifier (ivtctl audit verify --file F --key K).
 */
#ifndef IVT_EXPORT_H
#define IVT_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define IVT_EXPORT_FORMAT    "ivtd-audit-export/1"
#define IVT_EXPORT_HASHBYTES 32
#define IVT_EXPORT_PKBYTES   32
#define IVT_EXPORT_SIGBYTES  64
#define IVT_EXPORT_IDLEN     32 /* hex digits of export_id */
#define IVT_EXPORT_NOTE_MAX  192
#define IVT_EXPORT_LINE_MAX  (512 * 1024) /* bytes of one line */

/* The chain: start from the header line, then step over each entry line.
 * 0, or -1 when libsodium fails. */
int ivt_export_chain_start(uint8_t h[IVT_EXPORT_HASHBYTES], const char *header,
                           size_t len);
int ivt_export_chain_step(uint8_t h[IVT_EXPORT_HASHBYTES], const char *line,
                          size_t len);

/* The note to sign for a checkpoint (kind "checkpoint") or the trailer
 * ("end").  Its length, or -1 when it does not fit. */
int ivt_export_note(char *buf, size_t len, const char *export_id,
                    const char *kind, int64_t count,
                    const uint8_t h[IVT_EXPORT_HASHBYTES]);

struct ivt_export_result {
	int64_t entries; /* entry lines read */
	int64_t
	    checkpoints;  /* checkpoints verified (the trailer not counted) */
	int64_t line;     /* the line at fault, 0 when intact */
	char reason[192]; /* what is wrong, without line contents */
	char public_key[2 * IVT_EXPORT_PKBYTES + 1]; /* the header's key */
	char export_id[IVT_EXPORT_IDLEN + 1];
	char created[40];
};

/*
 * Check the export read from fp.  pk is the key the signatures must be
 * made with, or NULL to take the header's own (then only the file's
 * consistency is shown: see above).  progress (may be NULL) gets the bytes
 * read so far, every few hundred lines.  Returns 0 when intact, 1 when
 * not (r->line, r->reason), -1 when fp cannot be read (r->reason).
 */
int ivt_export_verify(FILE *fp, const uint8_t *pk, struct ivt_export_result *r,
                      void (*progress)(long done, void *arg), void *arg);

/* Exactly 2n lowercase or uppercase hex digits into out.  0 or -1. */
int ivt_unhex(const char *hex, uint8_t *out, size_t n);

#endif
