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

/*
 * Fill e for an entry the daemon writes itself, with no caller: actor
 * "ivtd" (its uid, role system), a fresh trace, result allowed, every
 * other text "".  method and object are kept by reference.
 */
void audit_system_entry(struct audit_entry *e, const char *method,
                        const char *object);

/* Sign a checkpoint for the current size if it is not yet covered.  Runs
 * its own transaction.  0 on success. */
int audit_checkpoint(struct store *s, const struct crypto *c);

struct audit_verify_result {
	int64_t entries;     /* entries checked */
	int64_t checkpoints; /* checkpoints checked */
	int64_t bad_seq;     /* first broken entry (0 when intact) */
	char reason[128];    /* what was wrong, without entry contents */
	int64_t total;       /* entries in the log (chunked verification) */
	int64_t last;        /* last entry found sound */
	uint8_t hash[CRYPTO_HASHBYTES]; /* its chain hash (zero for none) */
	int more; /* audit_walk stopped at limit, entries remain */
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

/*
 * Chunked verification, so that a long log does not stall the daemon and
 * a client can show progress: check at most limit entries after `after`,
 * whose chain hash the previous chunk returned in r->hash (prev; all zero
 * for after 0).  When no entries remain (r->more is 0) the checkpoints are
 * verified too.  Each chunk reads one snapshot; the log is append-only, so
 * the chunks together check the log as it was when each was read.  Same
 * return values as audit_verify; r->total, r->last and r->hash are set.
 */
int audit_verify_chunk(struct store *s, const struct crypto *c, int64_t after,
                       const uint8_t prev[CRYPTO_HASHBYTES], int64_t limit,
                       struct audit_verify_result *r);

/*
 * Walk the entries after `after` (whose hash is prev) in order, verifying
 * each, and hand each sound one to fn (may be NULL) with its hash; the
 * strings of e are valid during the call only.  Stops after limit entries
 * (< 0: no limit), at the first broken entry, or when fn returns nonzero.
 * Sets r->last, r->hash and r->more and adds to r->entries.  Returns 0,
 * 1 when broken (r->bad_seq, r->reason), -1 on error or when fn failed.
 */
typedef int (*audit_walk_fn)(const struct audit_entry *e,
                             const uint8_t hash[CRYPTO_HASHBYTES], void *arg);
int audit_walk(struct store *s, const struct crypto *c, int64_t after,
               const uint8_t prev[CRYPTO_HASHBYTES], int64_t limit,
               audit_walk_fn fn, void *arg, struct audit_verify_result *r);

/*
 * Verify every checkpoint of size <= upto against the chain, which the
 * caller found sound up to entry last: signature, root, and no checkpoint
 * beyond last.  0, 1 when broken, -1 on error.
 */
int audit_verify_checkpoints(struct store *s, const struct crypto *c,
                             int64_t last, int64_t upto,
                             struct audit_verify_result *r);

/* The sequence number of the last entry, 0 when empty; -1 on error. */
int64_t audit_last_seq(struct store *s);

/*
 * Is there a checkpoint beyond entry last, i.e. was the log cut below it?
 * For readers that verify only up to some entry (the export) and so never
 * read the checkpoints past it.  0, 1 when cut (r filled in), -1 on error.
 */
int audit_check_not_cut(struct store *s, int64_t last,
                        struct audit_verify_result *r);

/*
 * Call fn(arg) after every append (inside the appending transaction, which
 * may still roll back): the server uses it to wake audit streams once the
 * loop turn that wrote is over.  One hook; fn NULL removes it.
 */
void audit_set_hook(void (*fn)(void *), void *arg);

#endif
