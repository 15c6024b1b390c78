/*
 * audit.h - the append-only, hash-chained, signed audit log.
 *
 * Every entry holds the previous entry's hash and its own:
 *   hash = keyed-BLAKE2b(audit key, canonical encoding of the entry
 *                        including seq and prev)
 * The key is derived from the master key, so someone who can edit the
 * database file cannot recompute the chain.  Every `checkpoint_every`
 * entries, and on shutdown, a checkpoint (size, root hash) is signed with
 * Ed25519 in the C2SP signed-note style:
 *   "ivtd-audit\n<size>\n<base64 root hash>\n"
 * Entries are appended inside the caller's transaction, so an entry exists
 * exactly when the change it describes was committed.
 */
#ifndef IVTD_AUDIT_H
#define IVTD_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "store.h"

#define AUDIT_CHECKPOINT_EVERY 1000

struct audit_entry {
	int64_t seq;              /* set by audit_append */
	int64_t ts_start, ts_end; /* microseconds since epoch */
	char trace_id[33];        /* 16 bytes hex */
	char span_id[17];         /* 8 bytes hex */
	int64_t actor_uid;
	const char *actor_name;   /* "" when the uid is unknown */
	const char *role;         /* "" when unknown */
	const char *org;          /* partner organisation or "" */
	const char *method;       /* varlink method */
	const char *activity;     /* processing activity id or "" */
	int64_t project;          /* 0 when none */
	const char *object;       /* object ids, e.g. "user:1001" */
	const char *subject;      /* data subject pseudonym (hex) or "" */
	const char *subject_type; /* e.g. "bsn", "address" or "" */
	const char *fields;       /* personal-data fields, comma separated */
	const char *result;       /* "allowed", "denied" or "error" */
	const char *error;        /* varlink error name or "" */
};

/*
 * Append e inside the current transaction (the caller began it).  Writes a
 * signed checkpoint when the new size is a multiple of every (0: never).
 * Returns the new sequence number, -1 on error.
 */
int64_t audit_append(struct store *s, const struct crypto *c,
                     struct audit_entry *e, int every);

/* Sign a checkpoint for the current size if it is not yet covered.  Runs
 * its own transaction.  0 on success. */
int audit_checkpoint(struct store *s, const struct crypto *c);

struct audit_verify_result {
	int64_t entries;     /* entries checked */
	int64_t checkpoints; /* checkpoints checked */
	int64_t bad_seq;     /* first broken entry (0 when intact) */
	char reason[128];    /* what was wrong, without entry contents */
};

/*
 * Verify the whole chain and every checkpoint signature.  Detects edited,
 * deleted or reordered entries, a forged or edited checkpoint, and a tail
 * truncated below the latest checkpoint.  progress (may be NULL) is called
 * every few thousand entries.  Returns 0 when intact, 1 when broken (see
 * r->bad_seq and r->reason), -1 on a database error.
 */
int audit_verify(struct store *s, const struct crypto *c,
                 struct audit_verify_result *r,
                 void (*progress)(int64_t done, int64_t total, void *arg),
                 void *arg);

#endif
