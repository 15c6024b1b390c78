/*
 * crypto.c - all cryptography of ivtd, on libsodium (1.0.18: no HKDF, so
 * subkeys come from crypto_kdf, which is keyed BLAKE2b).
 *
 * Key hierarchy, all from the one master key:
 *   "ivtfield" id = key version  XChaCha20-Poly1305 key for sealed fields
 *   "ivtblind" id = 1            base key for blind indexes
 *   "ivtaudit" id = 1            BLAKE2b key of the audit chain MAC
 *   "ivtsign_" id = 1            Ed25519 seed of the signing key pair
 * Every secret lives in one sodium_malloc'd region (guard pages, mlock'ed,
 * excluded from core dumps) that is made read-only once derived, so a stray
 * write through a bad pointer faults instead of silently changing a key.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Only the parts of libsodium this module uses. */
#include <sodium/core.h>
#include <sodium/crypto_aead_xchacha20poly1305.h>
#include <sodium/crypto_generichash.h>
#include <sodium/crypto_kdf.h>
#include <sodium/crypto_sign_ed25519.h>
#include <sodium/randombytes.h>
#include <sodium/utils.h>

#include "crypto.h"

#define SEAL_FORMAT     1
#define SEAL_VEROFF     1
#define SEAL_NONCEOFF   5
#define SEAL_CTOFF      (SEAL_NONCEOFF + SEAL_NONCEBYTES)
#define SEAL_NONCEBYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES

_Static_assert(CRYPTO_KEYBYTES == crypto_kdf_KEYBYTES, "master key size");
_Static_assert(CRYPTO_SEAL_OVERHEAD ==
                   SEAL_CTOFF + crypto_aead_xchacha20poly1305_ietf_ABYTES,
               "seal overhead");
_Static_assert(CRYPTO_HASHBYTES >= crypto_generichash_BYTES_MIN &&
                   CRYPTO_HASHBYTES <= crypto_generichash_BYTES_MAX,
               "hash size");
_Static_assert(CRYPTO_SIGBYTES == crypto_sign_ed25519_BYTES, "signature size");
_Static_assert(CRYPTO_PKBYTES == crypto_sign_ed25519_PUBLICKEYBYTES, "pk size");

/* The secret part of a handle: one sodium_malloc region. */
struct crypto_keys {
	uint8_t master[CRYPTO_KEYBYTES];
	uint8_t field[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
	uint8_t blind[crypto_generichash_KEYBYTES];
	uint8_t audit[crypto_generichash_KEYBYTES];
	uint8_t sign_sk[crypto_sign_ed25519_SECRETKEYBYTES];
};

struct crypto {
	struct crypto_keys *k;
	uint8_t sign_pk[crypto_sign_ed25519_PUBLICKEYBYTES];
	uint32_t version;
};

/* Stand-in for a NULL pointer with length 0, so libsodium never sees NULL. */
static const uint8_t empty_buf[1];

static void set_err(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
crypto_init(void)
{
	/* 1 means already initialised, which is fine. */
	return sodium_init() < 0 ? -1 : 0;
}

/*
 * A handle with a zeroed, still writable key region.  sodium_init is
 * idempotent and sodium_malloc needs it, so call it here too.
 */
static struct crypto *
crypto_alloc(uint32_t version)
{
	struct crypto *c;

	if (sodium_init() < 0)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->k = sodium_malloc(sizeof(*c->k))) == NULL) {
		free(c);
		return NULL;
	}
	sodium_memzero(c->k, sizeof(*c->k));
	c->version = version;
	return c;
}

/* Derive every subkey from c->k->master, then lock the region read-only. */
static int
crypto_derive(struct crypto *c)
{
	struct crypto_keys *k = c->k;
	uint8_t seed[crypto_sign_ed25519_SEEDBYTES];
	int rc = -1;

	if (crypto_kdf_derive_from_key(k->field, sizeof(k->field), c->version,
	                               "ivtfield", k->master) != 0)
		goto out;
	if (crypto_kdf_derive_from_key(k->blind, sizeof(k->blind), 1,
	                               "ivtblind", k->master) != 0)
		goto out;
	if (crypto_kdf_derive_from_key(k->audit, sizeof(k->audit), 1,
	                               "ivtaudit", k->master) != 0)
		goto out;
	if (crypto_kdf_derive_from_key(seed, sizeof(seed), 1, "ivtsign_",
	                               k->master) != 0)
		goto out;
	if (crypto_sign_ed25519_seed_keypair(c->sign_pk, k->sign_sk, seed) != 0)
		goto out;
	if (sodium_mprotect_readonly(k) != 0)
		goto out;
	rc = 0;
out:
	sodium_memzero(seed, sizeof(seed));
	return rc;
}

struct crypto *
crypto_from_key(const uint8_t key[CRYPTO_KEYBYTES], uint32_t version)
{
	struct crypto *c;

	if (key == NULL)
		return NULL;
	if ((c = crypto_alloc(version)) == NULL)
		return NULL;
	memcpy(c->k->master, key, CRYPTO_KEYBYTES);
	if (crypto_derive(c) != 0) {
		crypto_close(c);
		return NULL;
	}
	return c;
}

void
crypto_close(struct crypto *c)
{
	if (c == NULL)
		return;
	if (c->k != NULL) {
		/* The region is read-only after derivation: unlock to wipe. */
		sodium_mprotect_readwrite(c->k);
		sodium_memzero(c->k, sizeof(*c->k));
		sodium_free(c->k);
	}
	sodium_memzero(c, sizeof(*c));
	free(c);
}

uint32_t
crypto_key_version(const struct crypto *c)
{
	return c == NULL ? 0 : c->version;
}

/* read(2) exactly n bytes; -1 on error or early end of file. */
static int
read_full(int fd, uint8_t *buf, size_t n)
{
	ssize_t r;

	while (n > 0) {
		r = read(fd, buf, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {
			errno = EIO;
			return -1;
		}
		buf += r;
		n -= (size_t)r;
	}
	return 0;
}

static int
write_full(int fd, const uint8_t *buf, size_t n)
{
	ssize_t r;

	while (n > 0) {
		r = write(fd, buf, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		buf += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Make a new file's directory entry durable, so a crash cannot lose it. */
static int
fsync_parent(const char *path)
{
	char *copy;
	int fd, rc;

	if ((copy = strdup(path)) == NULL)
		return -1;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd == -1)
		return -1;
	rc = fsync(fd);
	/* Some file systems cannot fsync a directory: nothing more to do. */
	if (rc == -1 && errno == EINVAL)
		rc = 0;
	close(fd);
	return rc;
}

/*
 * Create a new key file: 0 when created, 1 when it already exists (another
 * process won the race: load theirs), -1 on error.  O_EXCL so an existing key
 * is never overwritten; O_NOFOLLOW so a planted symlink cannot redirect the
 * write.  A partial file is removed, or the next start would refuse it for its
 * size.
 */
static int
create_key(const char *path, char *err, size_t errlen)
{
	uint8_t key[CRYPTO_KEYBYTES];
	int fd, saved;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	          0600);
	if (fd == -1 && errno == EEXIST)
		return 1;
	if (fd == -1) {
		set_err(err, errlen, "cannot create key file %s: %s", path,
		        strerror(errno));
		return -1;
	}
	randombytes_buf(key, sizeof(key));
	if (write_full(fd, key, sizeof(key)) == -1 || fsync(fd) == -1) {
		saved = errno;
		sodium_memzero(key, sizeof(key));
		close(fd);
		unlink(path);
		set_err(err, errlen, "cannot write key file %s: %s", path,
		        strerror(saved));
		return -1;
	}
	sodium_memzero(key, sizeof(key));
	if (close(fd) == -1 || fsync_parent(path) == -1) {
		set_err(err, errlen, "cannot sync key file %s: %s", path,
		        strerror(errno));
		return -1;
	}
	return 0;
}

/* Refuse anything but a private regular file of exactly the key size. */
static int
check_key_file(int fd, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) == -1) {
		set_err(err, errlen, "cannot stat key file %s: %s", path,
		        strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		set_err(err, errlen, "key file %s is not a regular file", path);
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		set_err(err, errlen,
		        "key file %s is accessible by group or others "
		        "(mode %o); chmod 600 it",
		        path, (unsigned int)(st.st_mode & 07777));
		return -1;
	}
	if (st.st_size != CRYPTO_KEYBYTES) {
		set_err(err, errlen, "key file %s has %lld bytes, expected %d",
		        path, (long long)st.st_size, CRYPTO_KEYBYTES);
		return -1;
	}
	return 0;
}

/* Open the key file for reading, creating it first when allowed. */
static int
open_key_file(const char *path, int create, char *err, size_t errlen)
{
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT && create) {
		if (create_key(path, err, errlen) == -1)
			return -1;
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd == -1) {
		if (errno == ELOOP)
			set_err(err, errlen, "key file %s is a symbolic link",
			        path);
		else
			set_err(err, errlen, "cannot open key file %s: %s",
			        path, strerror(errno));
	}
	return fd;
}

struct crypto *
crypto_open(const char *path, int create, char *err, size_t errlen)
{
	struct crypto *c;
	int fd;

	set_err(err, errlen, "%s", "");
	if (path == NULL || *path == '\0') {
		set_err(err, errlen, "no key file given");
		return NULL;
	}
	if ((fd = open_key_file(path, create, err, errlen)) == -1)
		return NULL;
	if (check_key_file(fd, path, err, errlen) == -1) {
		close(fd);
		return NULL;
	}
	if ((c = crypto_alloc(1)) == NULL) {
		set_err(err, errlen, "cannot allocate secure memory");
		close(fd);
		return NULL;
	}
	/* Straight into guarded memory: no copy of the key on the stack. */
	if (read_full(fd, c->k->master, CRYPTO_KEYBYTES) == -1) {
		set_err(err, errlen, "cannot read key file %s: %s", path,
		        strerror(errno));
		close(fd);
		crypto_close(c);
		return NULL;
	}
	close(fd);
	if (crypto_derive(c) == -1) {
		set_err(err, errlen, "cannot derive keys");
		crypto_close(c);
		return NULL;
	}
	return c;
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/*
 * Associated data: table, 0, column, 0, rowid (8 bytes BE), key version
 * (4 bytes BE).  Names are C strings, so the 0 separators make the encoding
 * unambiguous.  Returns a malloc'd buffer (nothing secret in it).
 */
static uint8_t *
make_ad(const char *table, const char *column, int64_t rowid, uint32_t version,
        size_t *adlen)
{
	size_t tlen = strlen(table), clen = strlen(column), len;
	uint64_t r = (uint64_t)rowid;
	uint8_t *ad, *p;
	int i;

	if (tlen > SIZE_MAX / 2 || clen > SIZE_MAX / 2 - 14)
		return NULL;
	len = tlen + 1 + clen + 1 + 8 + 4;
	if ((p = ad = malloc(len)) == NULL)
		return NULL;
	memcpy(p, table, tlen + 1);
	p += tlen + 1;
	memcpy(p, column, clen + 1);
	p += clen + 1;
	for (i = 7; i >= 0; i--)
		*p++ = (uint8_t)(r >> (i * 8));
	put_be32(p, version);
	*adlen = len;
	return ad;
}

int
crypto_seal(const struct crypto *c, const char *table, const char *column,
            int64_t rowid, const uint8_t *pt, size_t ptlen, uint8_t *out,
            size_t *outlen)
{
	unsigned long long ctlen;
	uint8_t *ad;
	size_t adlen;
	int rc;

	if (c == NULL || table == NULL || column == NULL || out == NULL ||
	    outlen == NULL || (pt == NULL && ptlen != 0))
		return -1;
	if (ptlen > SIZE_MAX - CRYPTO_SEAL_OVERHEAD ||
	    ptlen > crypto_aead_xchacha20poly1305_ietf_messagebytes_max())
		return -1;
	if (pt == NULL)
		pt = empty_buf;
	if ((ad = make_ad(table, column, rowid, c->version, &adlen)) == NULL)
		return -1;
	out[0] = SEAL_FORMAT;
	put_be32(out + SEAL_VEROFF, c->version);
	/* 192-bit random nonces: collisions are not a concern. */
	randombytes_buf(out + SEAL_NONCEOFF, SEAL_NONCEBYTES);
	rc = crypto_aead_xchacha20poly1305_ietf_encrypt(
	    out + SEAL_CTOFF, &ctlen, pt, ptlen, ad, adlen, NULL,
	    out + SEAL_NONCEOFF, c->k->field);
	free(ad);
	if (rc != 0)
		return -1;
	*outlen = SEAL_CTOFF + (size_t)ctlen;
	return 0;
}

int
crypto_open_field(const struct crypto *c, const char *table, const char *column,
                  int64_t rowid, const uint8_t *ct, size_t ctlen, uint8_t *out,
                  size_t *outlen)
{
	unsigned long long ptlen;
	uint8_t *ad;
	size_t adlen;
	int rc;

	if (c == NULL || table == NULL || column == NULL || ct == NULL ||
	    out == NULL || outlen == NULL)
		return -1;
	*outlen = 0;
	if (ctlen < CRYPTO_SEAL_OVERHEAD || ct[0] != SEAL_FORMAT)
		return -1;
	/*
	 * A handle has one field key; other versions need another handle.
	 * The AD carries the handle's version, so this check is also what
	 * authenticates header bytes 1-4.
	 */
	if (get_be32(ct + SEAL_VEROFF) != c->version)
		return -1;
	if ((ad = make_ad(table, column, rowid, c->version, &adlen)) == NULL)
		return -1;
	rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
	    out, &ptlen, NULL, ct + SEAL_CTOFF, ctlen - SEAL_CTOFF, ad, adlen,
	    ct + SEAL_NONCEOFF, c->k->field);
	free(ad);
	if (rc != 0)
		return -1;
	*outlen = (size_t)ptlen;
	return 0;
}

/*
 * Two keyed BLAKE2b-256 steps: purpose key = H(key = blind base key,
 * msg = purpose), index = H(key = purpose key, msg = value).  Each purpose
 * thus has an independent PRF key, so equal values in different indexes
 * give unrelated outputs, and the per-purpose key never outlives the call.
 * An empty purpose is refused: it would mean a caller forgot to name one.
 */
int
crypto_blind_index(const struct crypto *c, const char *purpose,
                   const void *value, size_t len, uint8_t out[CRYPTO_HASHBYTES])
{
	uint8_t pkey[crypto_generichash_KEYBYTES];
	int rc;

	if (c == NULL || purpose == NULL || *purpose == '\0' || out == NULL ||
	    (value == NULL && len != 0))
		return -1;
	if (value == NULL)
		value = empty_buf;
	rc = crypto_generichash(pkey, sizeof(pkey), (const uint8_t *)purpose,
	                        strlen(purpose), c->k->blind,
	                        sizeof(c->k->blind));
	if (rc == 0)
		rc = crypto_generichash(out, CRYPTO_HASHBYTES, value, len, pkey,
		                        sizeof(pkey));
	sodium_memzero(pkey, sizeof(pkey));
	return rc == 0 ? 0 : -1;
}

int
crypto_audit_mac(const struct crypto *c, const void *msg, size_t len,
                 uint8_t out[CRYPTO_HASHBYTES])
{
	if (c == NULL || out == NULL || (msg == NULL && len != 0))
		return -1;
	if (msg == NULL)
		msg = empty_buf;
	if (crypto_generichash(out, CRYPTO_HASHBYTES, msg, len, c->k->audit,
	                       sizeof(c->k->audit)) != 0)
		return -1;
	return 0;
}

int
crypto_sign_msg(const struct crypto *c, const void *msg, size_t len,
                     uint8_t sig[CRYPTO_SIGBYTES])
{
	if (c == NULL || sig == NULL || (msg == NULL && len != 0))
		return -1;
	if (msg == NULL)
		msg = empty_buf;
	if (crypto_sign_ed25519_detached(sig, NULL, msg, len, c->k->sign_sk) !=
	    0)
		return -1;
	return 0;
}

void
crypto_sign_pk(const struct crypto *c, uint8_t pk[CRYPTO_PKBYTES])
{
	if (pk == NULL)
		return;
	if (c == NULL) {
		memset(pk, 0, CRYPTO_PKBYTES);
		return;
	}
	memcpy(pk, c->sign_pk, CRYPTO_PKBYTES);
}

int
crypto_verify_msg(const uint8_t pk[CRYPTO_PKBYTES], const void *msg,
                       size_t len, const uint8_t sig[CRYPTO_SIGBYTES])
{
	if (pk == NULL || sig == NULL || (msg == NULL && len != 0))
		return -1;
	if (msg == NULL)
		msg = empty_buf;
	if (crypto_sign_ed25519_verify_detached(sig, msg, len, pk) != 0)
		return -1;
	return 0;
}

void
crypto_hex(const uint8_t *in, size_t n, char *out)
{
	if (out == NULL)
		return;
	if (in == NULL || n == 0) {
		*out = '\0';
		return;
	}
	sodium_bin2hex(out, 2 * n + 1, in, n);
}

void
crypto_random(void *buf, size_t n)
{
	if (buf == NULL || n == 0)
		return;
	randombytes_buf(buf, n);
}
