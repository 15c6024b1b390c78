/*
 * crypto.h - all cryptography of ivtd, on libsodium.
 *
 * One master key (32 random bytes in a file of mode 0600) is the root of
 * every secret.  Purpose subkeys are derived with crypto_kdf and live in
 * sodium_malloc'd, mlock'ed, guard-paged memory that is wiped on free.
 * Keys never enter the database, logs or replies.
 *
 * Sealed field format (all integers big-endian):
 *   byte 0      format version (1)
 *   bytes 1-4   key version
 *   bytes 5-28  XChaCha20 nonce (random)
 *   bytes 29-   ciphertext || Poly1305 tag
 * The associated data binds table, column, row id and key version, so a
 * ciphertext copied to another row or column fails to open.
 */
#ifndef IVTD_CRYPTO_H
#define IVTD_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_KEYBYTES     32
#define CRYPTO_HASHBYTES    32 /* blind index, audit chain hashes */
#define CRYPTO_SIGBYTES     64
#define CRYPTO_PKBYTES      32
#define CRYPTO_SEAL_OVERHEAD (1 + 4 + 24 + 16)

struct crypto; /* opaque: master key, subkeys, signing key pair */

/* Initialise libsodium.  0 on success. */
int crypto_init(void);

/*
 * Load the master key from path, creating it (mode 0600, O_EXCL) when it
 * does not exist and create is set.  Refuses a key file that is not a
 * regular file, is readable or writable by group or others, or is not
 * exactly 32 bytes.  err gets a reason without key material.
 */
struct crypto *crypto_open(const char *path, int create, char *err,
                           size_t errlen);
/* Build from raw key bytes (tests, key rotation).  Copies the key. */
struct crypto *crypto_from_key(const uint8_t key[CRYPTO_KEYBYTES],
                               uint32_t version);
/* Wipe and free all key material. */
void crypto_close(struct crypto *c);

uint32_t crypto_key_version(const struct crypto *c);

/*
 * Seal plaintext pt (ptlen bytes) for (table, column, rowid).  out must
 * hold ptlen + CRYPTO_SEAL_OVERHEAD bytes; *outlen gets the length.
 */
int crypto_seal(const struct crypto *c, const char *table, const char *column,
                int64_t rowid, const uint8_t *pt, size_t ptlen, uint8_t *out,
                size_t *outlen);
/*
 * Open a sealed field.  out must hold ctlen - CRYPTO_SEAL_OVERHEAD bytes.
 * -1 when the ciphertext was altered, belongs to another row/column, or
 * uses a key version this handle does not have.
 */
int crypto_open_field(const struct crypto *c, const char *table,
                      const char *column, int64_t rowid, const uint8_t *ct,
                      size_t ctlen, uint8_t *out, size_t *outlen);

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

/* Ed25519 signing with the key pair derived from the master key. */
int crypto_sign_msg(const struct crypto *c, const void *msg, size_t len,
                         uint8_t sig[CRYPTO_SIGBYTES]);
void crypto_sign_pk(const struct crypto *c, uint8_t pk[CRYPTO_PKBYTES]);
/* Verify with a public key alone (offline verification of exports). */
int crypto_verify_msg(const uint8_t pk[CRYPTO_PKBYTES], const void *msg,
                           size_t len, const uint8_t sig[CRYPTO_SIGBYTES]);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void crypto_hex(const uint8_t *in, size_t n, char *out);
/* Random bytes (trace ids, nonces). */
void crypto_random(void *buf, size_t n);

#endif
