/*
 * crypto.h - all cryptography of ivtd, on libsodium.
 *
 * Key hierarchy (ivtd(8), KEYS, tells the operator's side):
 *
 *   master key, version N      32 random bytes in key_file (mode 0600),
 *   |                          never in the database.  Subkeys by crypto_kdf:
 *   |-- "ivtwrap_"  key-wrapping key: wraps everything below
 *   `-- "ivtcheck"  key check value stored in the database, so a key file
 *                   is recognised (which version is it?) without trying it
 *
 *   system keys (one row, wrapped by the master key; survive rotation)
 *   |-- blind index base key   (keyed BLAKE2b, per purpose)
 *   |-- audit chain MAC key    (keyed BLAKE2b)
 *   `-- Ed25519 signing seed   (audit checkpoints)
 *
 *   project data key (DEK), one per project: 32 random bytes, wrapped with
 *   XChaCha20-Poly1305 under a per-project key-encryption key
 *       KEK = BLAKE2b(key = wrapping key, "ivtd-kek" || project || kid ||
 *                     share)
 *   where share is 32 random bytes kept in the key store file beside the
 *   master key, not in the database.  The associated data of a wrapped DEK
 *   binds project id, key id and master version.  Every sealed field of a
 *   project is sealed with its DEK; destroying the DEK (row and share)
 *   makes every copy of those ciphertexts unreadable (crypto-shredding).
 *
 * Rotating the master key re-wraps the system keys and every DEK: sealed
 * fields, blind indexes, the audit chain and the signing key stay as they
 * are.  When the system keys are first stored they are taken from the
 * values the master key derived before this hierarchy existed ("ivtblind",
 * "ivtaudit", "ivtsign_"), so older databases keep their indexes and chain.
 *
 * Every secret lives in sodium_malloc'd (guard-paged, mlock'ed) memory that
 * is read-only while in use and wiped on free.  Keys never enter logs or
 * replies; only wrapped keys enter the database.
 *
 * Sealed field format (all integers big-endian):
 *   byte 0      format version (2: sealed with a project DEK; 1 was the
 *               master-derived field key before DEKs, read only to migrate)
 *   bytes 1-4   DEK version
 *   bytes 5-28  XChaCha20 nonce (random)
 *   bytes 29-   ciphertext || Poly1305 tag
 * The associated data binds table, column, row id and key version, so a
 * ciphertext copied to another row or column fails to open.
 */
#ifndef IVTD_CRYPTO_H
#define IVTD_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_KEYBYTES      32
#define CRYPTO_HASHBYTES     32 /* blind index, audit chain hashes */
#define CRYPTO_SIGBYTES      64
#define CRYPTO_PKBYTES       32
#define CRYPTO_SHAREBYTES    32 /* per-project share in the key store */
#define CRYPTO_SEAL_OVERHEAD (1 + 4 + 24 + 16)
/* format || nonce || wrapped key || tag */
#define CRYPTO_WRAP_OVERHEAD (1 + 24 + 16)
#define CRYPTO_WRAPPED_DEK   (CRYPTO_WRAP_OVERHEAD + CRYPTO_KEYBYTES + 4)
#define CRYPTO_WRAPPED_SYS   (CRYPTO_WRAP_OVERHEAD + 3 * CRYPTO_KEYBYTES)

struct crypto;     /* one master key version and the system keys */
struct crypto_dek; /* one project's data key */

/* Initialise libsodium.  0 on success. */
int crypto_init(void);

/*
 * Load the master key from path, creating it (mode 0600, O_EXCL) when it
 * does not exist and create is set.  Refuses a key file that is not a
 * regular file, is readable or writable by group or others, or is not
 * exactly 32 bytes.  The handle has version 1 and the system keys derived
 * from this master until crypto_set_version / crypto_unwrap_system say
 * otherwise (keys.c does, from the database).  err gets a reason without
 * key material.
 */
struct crypto *crypto_open(const char *path, int create, char *err,
                           size_t errlen);
/*
 * Create a new key file with a fresh random master key: O_EXCL and
 * O_NOFOLLOW, mode 0600, data and directory entry fsync'ed before
 * returning.  0, or -1 with err set (a partial file is removed).
 */
int crypto_create_key_file(const char *path, char *err, size_t errlen);
/* Build from raw key bytes (tests).  Copies the key. */
struct crypto *crypto_from_key(const uint8_t key[CRYPTO_KEYBYTES],
                               uint32_t version);
/* Wipe and free all key material. */
void crypto_close(struct crypto *c);

/*
 * dst takes the keys and version of src, and src is freed with dst's old
 * keys (wiped).  Rotation uses it so the daemon's handle keeps its
 * address: whatever holds the pointer across calls stays valid.
 */
void crypto_take(struct crypto *dst, struct crypto *src);

uint32_t crypto_key_version(const struct crypto *c);
void crypto_set_version(struct crypto *c, uint32_t version);

/* Key check value of the master key: a PRF output, not secret, that tells
 * whether a key file is the one a database expects. */
int crypto_master_check(const struct crypto *c, uint8_t out[CRYPTO_HASHBYTES]);

/*
 * System keys (blind index, audit MAC, signing seed) of src, wrapped under
 * the master key of wrapper (version bound into the associated data).
 * out holds CRYPTO_WRAPPED_SYS bytes.  0 or -1.
 */
int crypto_wrap_system(const struct crypto *wrapper, const struct crypto *src,
                       uint8_t out[CRYPTO_WRAPPED_SYS]);
/*
 * Unwrap system keys wrapped under wrapper's master key and install them in
 * c (which may be wrapper itself).  -1, leaving c unchanged, when the blob
 * is damaged or wrapped under another master key or version.
 */
int crypto_unwrap_system(struct crypto *c, const struct crypto *wrapper,
                         const uint8_t *in, size_t len);

/* A new random data key, or one from given bytes (tests). NULL on error. */
struct crypto_dek *crypto_dek_new(uint32_t version);
struct crypto_dek *crypto_dek_from_key(const uint8_t key[CRYPTO_KEYBYTES],
                                       uint32_t version);
void crypto_dek_free(struct crypto_dek *k);
uint32_t crypto_dek_version(const struct crypto_dek *k);
/*
 * Wrap dek for (project, kid) under master and share; out holds
 * CRYPTO_WRAPPED_DEK bytes.  The DEK version travels inside the blob.
 */
int crypto_dek_wrap(const struct crypto *master, int64_t project, uint64_t kid,
                    const uint8_t share[CRYPTO_SHAREBYTES],
                    const struct crypto_dek *dek,
                    uint8_t out[CRYPTO_WRAPPED_DEK]);
/* NULL when any of master, version, project, kid, share or blob differs. */
struct crypto_dek *crypto_dek_unwrap(const struct crypto *master,
                                     int64_t project, uint64_t kid,
                                     const uint8_t share[CRYPTO_SHAREBYTES],
                                     const uint8_t *in, size_t len);

/*
 * Seal plaintext pt (ptlen bytes) for (table, column, rowid) with a
 * project's data key.  out must hold ptlen + CRYPTO_SEAL_OVERHEAD bytes;
 * *outlen gets the length.
 */
int crypto_seal(const struct crypto_dek *k, const char *table,
                const char *column, int64_t rowid, const uint8_t *pt,
                size_t ptlen, uint8_t *out, size_t *outlen);
/*
 * Open a sealed field.  out must hold ctlen - CRYPTO_SEAL_OVERHEAD bytes.
 * -1 when the ciphertext was altered, belongs to another row/column, or
 * was sealed with another key or key version.
 */
int crypto_open_field(const struct crypto_dek *k, const char *table,
                      const char *column, int64_t rowid, const uint8_t *ct,
                      size_t ctlen, uint8_t *out, size_t *outlen);
/*
 * The same for a text column of any length (notes): a NUL-terminated
 * copy to give back with crypto_free_text, which wipes it; NULL when the
 * field does not open (or out of memory).
 */
char *crypto_open_text(const struct crypto_dek *k, const char *table,
                       const char *column, int64_t rowid, const void *ct,
                       int ctlen);
void crypto_free_text(char *text);
/*
 * Format 1, before project data keys: sealed with the field key the master
 * key derived ("ivtfield", id 1).  Only the one-time migration to DEKs
 * (keys.c) opens these.
 */
int crypto_is_legacy(const uint8_t *ct, size_t ctlen);
int crypto_open_legacy(const struct crypto *c, const char *table,
                       const char *column, int64_t rowid, const uint8_t *ct,
                       size_t ctlen, uint8_t *out, size_t *outlen);
/* Seal in format 1 (tests of the migration only). */
int crypto_seal_legacy(const struct crypto *c, const char *table,
                       const char *column, int64_t rowid, const uint8_t *pt,
                       size_t ptlen, uint8_t *out, size_t *outlen);

/*
 * Blind index: keyed BLAKE2b of the already normalised value, with a
 * per-purpose key (purpose names the index, e.g. "bsn", "address") so equal
 * values in different indexes do not match.  Leaks equality and frequency
 * within one index; documented in ivtd(8).
 */
int crypto_blind_index(const struct crypto *c, const char *purpose,
                       const void *value, size_t len,
                       uint8_t out[CRYPTO_HASHBYTES]);

/* Keyed BLAKE2b with the audit chain key (not derivable without the master
 * key, so editing the database cannot recompute the chain). */
int crypto_audit_mac(const struct crypto *c, const void *msg, size_t len,
                     uint8_t out[CRYPTO_HASHBYTES]);

/* Ed25519 signing with the system signing key pair. */
int crypto_sign_msg(const struct crypto *c, const void *msg, size_t len,
                    uint8_t sig[CRYPTO_SIGBYTES]);
void crypto_sign_pk(const struct crypto *c, uint8_t pk[CRYPTO_PKBYTES]);
/* Verify with a public key alone (offline verification of exports). */
int crypto_verify_msg(const uint8_t pk[CRYPTO_PKBYTES], const void *msg,
                      size_t len, const uint8_t sig[CRYPTO_SIGBYTES]);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void crypto_hex(const uint8_t *in, size_t n, char *out);
/* Random bytes straight from the kernel (keys, shares, tokens). */
void crypto_random(void *buf, size_t n);
/* Random bytes from a pool refilled from the kernel: for values that must
 * be unique and unpredictable but are not secret (nonces, trace ids). */
void crypto_nonce(void *buf, size_t n);

#endif
