/*
 * crypto.c - all cryptography of ivtd, on libsodium (1.0.18: no HKDF, so
 * subkeys come from crypto_kdf, which is keyed BLAKE2b).  crypto.h draws
 * the key hierarchy.
 *
 * Subkeys of a master key:
 *   "ivtwrap_" id = 1            XChaCha20-Poly1305 key wrapping DEKs and
 *                                the system keys
 *   "ivtcheck" id = 1            BLAKE2b key of the key check value
 *   "ivtfield" id = 1            the field key before DEKs (format 1, read
 *                                only by the migration, never kept)
 *   "ivtblind", "ivtaudit", "ivtsign_" id = 1: the system keys as first
 *                                derived; afterwards they are unwrapped
 *                                from the database
 * Every secret lives in one sodium_malloc'd region (guard pages, mlock'ed,
 * excluded from core dumps) that is made read-only once set, so a stray
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

#define SEAL_FORMAT     2 /* sealed with a project DEK */
#define SEAL_LEGACY     1 /* sealed with the master-derived field key */
#define SEAL_VEROFF     1
#define SEAL_NONCEOFF   5
#define SEAL_CTOFF      (SEAL_NONCEOFF + SEAL_NONCEBYTES)
#define SEAL_NONCEBYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES

#define WRAP_FORMAT   1
#define WRAP_NONCEOFF 1
#define WRAP_CTOFF    (WRAP_NONCEOFF + SEAL_NONCEBYTES)

_Static_assert(CRYPTO_KEYBYTES == crypto_kdf_KEYBYTES, "master key size");
_Static_assert(CRYPTO_KEYBYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
               "data key size");
_Static_assert(CRYPTO_SEAL_OVERHEAD ==
                   SEAL_CTOFF + crypto_aead_xchacha20poly1305_ietf_ABYTES,
               "seal overhead");
_Static_assert(CRYPTO_WRAP_OVERHEAD ==
                   WRAP_CTOFF + crypto_aead_xchacha20poly1305_ietf_ABYTES,
               "wrap overhead");
_Static_assert(CRYPTO_HASHBYTES >= crypto_generichash_BYTES_MIN &&
                   CRYPTO_HASHBYTES <= crypto_generichash_BYTES_MAX,
               "hash size");
_Static_assert(CRYPTO_KEYBYTES == crypto_generichash_KEYBYTES, "MAC key size");
_Static_assert(CRYPTO_KEYBYTES == crypto_sign_ed25519_SEEDBYTES, "seed size");
_Static_assert(CRYPTO_SIGBYTES == crypto_sign_ed25519_BYTES, "signature size");
_Static_assert(CRYPTO_PKBYTES == crypto_sign_ed25519_PUBLICKEYBYTES, "pk size");

/* The secret part of a master handle: one sodium_malloc region. */
struct crypto_keys {
	uint8_t master[CRYPTO_KEYBYTES];
	uint8_t wrap[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
	uint8_t blind[crypto_generichash_KEYBYTES];
	uint8_t audit[crypto_generichash_KEYBYTES];
	uint8_t sign_sk[crypto_sign_ed25519_SECRETKEYBYTES];
};

struct crypto {
	struct crypto_keys *k;
	uint8_t sign_pk[crypto_sign_ed25519_PUBLICKEYBYTES];
	uint32_t version;
};

/* A data key: the whole struct is one sodium_malloc region. */
struct crypto_dek {
	uint8_t key[CRYPTO_KEYBYTES];
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

/* Install the system keys (blind, audit, signing seed); k is writable. */
static int
set_system(struct crypto *c, const uint8_t *blind, const uint8_t *audit,
           const uint8_t *seed)
{
	memcpy(c->k->blind, blind, CRYPTO_KEYBYTES);
	memcpy(c->k->audit, audit, CRYPTO_KEYBYTES);
	return crypto_sign_ed25519_seed_keypair(c->sign_pk, c->k->sign_sk,
	                                        seed);
}

/*
 * Derive the wrapping key and the first system keys from c->k->master,
 * then lock the region read-only.
 */
static int
crypto_derive(struct crypto *c)
{
	struct crypto_keys *k = c->k;
	uint8_t seed[crypto_sign_ed25519_SEEDBYTES];
	int rc = -1;

	if (crypto_kdf_derive_from_key(k->wrap, sizeof(k->wrap), 1, "ivtwrap_",
	                               k->master) != 0)
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
	if (set_system(c, k->blind, k->audit, seed) != 0)
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

void
crypto_take(struct crypto *dst, struct crypto *src)
{
	struct crypto tmp;

	if (dst == NULL || src == NULL || dst == src)
		return;
	tmp = *dst;
	*dst = *src;
	*src = tmp;
	sodium_memzero(&tmp, sizeof(tmp));
	crypto_close(src);
}

void
crypto_set_version(struct crypto *c, uint32_t version)
{
	if (c != NULL)
		c->version = version;
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

int
crypto_create_key_file(const char *path, char *err, size_t errlen)
{
	int rc;

	set_err(err, errlen, "%s", "");
	if (path == NULL || *path == '\0') {
		set_err(err, errlen, "no key file given");
		return -1;
	}
	if ((rc = create_key(path, err, errlen)) == 1)
		set_err(err, errlen, "key file %s exists already", path);
	return rc == 0 ? 0 : -1;
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
	/* Whoever owns it may chmod it open again. */
	if (st.st_uid != geteuid()) {
		set_err(err, errlen, "key file %s belongs to uid %u, not to us",
		        path, (unsigned int)st.st_uid);
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

	/* O_NONBLOCK: a FIFO put there must not hold up the start. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT && create) {
		if (create_key(path, err, errlen) == -1)
			return -1;
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
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

/* Seal with key in the given format; the AD carries version. */
static int
seal_with(const uint8_t *key, uint8_t format, uint32_t version,
          const char *table, const char *column, int64_t rowid,
          const uint8_t *pt, size_t ptlen, uint8_t *out, size_t *outlen)
{
	unsigned long long ctlen;
	uint8_t *ad;
	size_t adlen;
	int rc;

	if (table == NULL || column == NULL || out == NULL || outlen == NULL ||
	    (pt == NULL && ptlen != 0))
		return -1;
	if (ptlen > SIZE_MAX - CRYPTO_SEAL_OVERHEAD ||
	    ptlen > crypto_aead_xchacha20poly1305_ietf_messagebytes_max())
		return -1;
	if (pt == NULL)
		pt = empty_buf;
	if ((ad = make_ad(table, column, rowid, version, &adlen)) == NULL)
		return -1;
	out[0] = format;
	put_be32(out + SEAL_VEROFF, version);
	/* 192-bit random nonces: collisions are not a concern. */
	crypto_nonce(out + SEAL_NONCEOFF, SEAL_NONCEBYTES);
	rc = crypto_aead_xchacha20poly1305_ietf_encrypt(
	    out + SEAL_CTOFF, &ctlen, pt, ptlen, ad, adlen, NULL,
	    out + SEAL_NONCEOFF, key);
	free(ad);
	if (rc != 0)
		return -1;
	*outlen = SEAL_CTOFF + (size_t)ctlen;
	return 0;
}

static int
open_with(const uint8_t *key, uint8_t format, uint32_t version,
          const char *table, const char *column, int64_t rowid,
          const uint8_t *ct, size_t ctlen, uint8_t *out, size_t *outlen)
{
	unsigned long long ptlen;
	uint8_t *ad;
	size_t adlen;
	int rc;

	if (table == NULL || column == NULL || ct == NULL || out == NULL ||
	    outlen == NULL)
		return -1;
	*outlen = 0;
	if (ctlen < CRYPTO_SEAL_OVERHEAD || ct[0] != format)
		return -1;
	/*
	 * A key has one version.  The AD carries the key's version, so this
	 * check is also what authenticates header bytes 1-4.
	 */
	if (get_be32(ct + SEAL_VEROFF) != version)
		return -1;
	if ((ad = make_ad(table, column, rowid, version, &adlen)) == NULL)
		return -1;
	rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
	    out, &ptlen, NULL, ct + SEAL_CTOFF, ctlen - SEAL_CTOFF, ad, adlen,
	    ct + SEAL_NONCEOFF, key);
	free(ad);
	if (rc != 0)
		return -1;
	*outlen = (size_t)ptlen;
	return 0;
}

int
crypto_seal(const struct crypto_dek *k, const char *table, const char *column,
            int64_t rowid, const uint8_t *pt, size_t ptlen, uint8_t *out,
            size_t *outlen)
{
	if (k == NULL)
		return -1;
	return seal_with(k->key, SEAL_FORMAT, k->version, table, column, rowid,
	                 pt, ptlen, out, outlen);
}

int
crypto_open_field(const struct crypto_dek *k, const char *table,
                  const char *column, int64_t rowid, const uint8_t *ct,
                  size_t ctlen, uint8_t *out, size_t *outlen)
{
	if (k == NULL)
		return -1;
	return open_with(k->key, SEAL_FORMAT, k->version, table, column, rowid,
	                 ct, ctlen, out, outlen);
}

char *
crypto_open_text(const struct crypto_dek *k, const char *table,
                 const char *column, int64_t rowid, const void *ct, int ctlen)
{
	size_t len;
	char *pt;

	if (ct == NULL || ctlen < CRYPTO_SEAL_OVERHEAD ||
	    (pt = malloc((size_t)ctlen - CRYPTO_SEAL_OVERHEAD + 1)) == NULL)
		return NULL;
	if (crypto_open_field(k, table, column, rowid, ct, (size_t)ctlen,
	                      (uint8_t *)pt, &len) == -1) {
		free(pt); /* nothing was opened into it */
		return NULL;
	}
	pt[len] = '\0';
	return pt;
}

void
crypto_free_text(char *text)
{
	if (text == NULL)
		return;
	sodium_memzero(text, strlen(text));
	free(text);
}

int
crypto_is_legacy(const uint8_t *ct, size_t ctlen)
{
	return ct != NULL && ctlen >= CRYPTO_SEAL_OVERHEAD &&
	       ct[0] == SEAL_LEGACY;
}

/* The field key of format 1, derived for one call and wiped after. */
static int
legacy_op(const struct crypto *c, int seal, const char *table,
          const char *column, int64_t rowid, const uint8_t *in, size_t inlen,
          uint8_t *out, size_t *outlen)
{
	uint8_t key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
	int rc;

	if (c == NULL)
		return -1;
	/* Before DEKs every handle had version 1, and so had its field key. */
	if (crypto_kdf_derive_from_key(key, sizeof(key), 1, "ivtfield",
	                               c->k->master) != 0)
		return -1;
	rc = seal ? seal_with(key, SEAL_LEGACY, 1, table, column, rowid, in,
	                      inlen, out, outlen)
	          : open_with(key, SEAL_LEGACY, 1, table, column, rowid, in,
	                      inlen, out, outlen);
	sodium_memzero(key, sizeof(key));
	return rc;
}

int
crypto_open_legacy(const struct crypto *c, const char *table,
                   const char *column, int64_t rowid, const uint8_t *ct,
                   size_t ctlen, uint8_t *out, size_t *outlen)
{
	return legacy_op(c, 0, table, column, rowid, ct, ctlen, out, outlen);
}

int
crypto_seal_legacy(const struct crypto *c, const char *table,
                   const char *column, int64_t rowid, const uint8_t *pt,
                   size_t ptlen, uint8_t *out, size_t *outlen)
{
	return legacy_op(c, 1, table, column, rowid, pt, ptlen, out, outlen);
}

/* --- master key check, key wrapping ------------------------------------ */

int
crypto_master_check(const struct crypto *c, uint8_t out[CRYPTO_HASHBYTES])
{
	static const char msg[] = "ivtd master key check";
	uint8_t key[crypto_generichash_KEYBYTES];
	int rc;

	if (c == NULL || out == NULL)
		return -1;
	if (crypto_kdf_derive_from_key(key, sizeof(key), 1, "ivtcheck",
	                               c->k->master) != 0)
		return -1;
	rc = crypto_generichash(out, CRYPTO_HASHBYTES, (const uint8_t *)msg,
	                        sizeof(msg) - 1, key, sizeof(key));
	sodium_memzero(key, sizeof(key));
	return rc == 0 ? 0 : -1;
}

/*
 * Associated data of a wrapped key: a label and its NUL, the master key
 * version (4 bytes), then ids of 8 bytes each, all big-endian.
 */
struct wrap_ad {
	uint8_t b[16 + 4 + 8 + 8];
	size_t len;
};

static void
wrap_ad_init(struct wrap_ad *ad, const char *label, uint32_t version)
{
	size_t n = strlen(label) + 1;

	memcpy(ad->b, label, n);
	put_be32(ad->b + n, version);
	ad->len = n + 4;
}

static void
wrap_ad_id(struct wrap_ad *ad, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--)
		ad->b[ad->len++] = (uint8_t)(v >> (i * 8));
}

static int
wrap(const uint8_t *key, const struct wrap_ad *ad, const uint8_t *pt,
     size_t ptlen, uint8_t *out)
{
	unsigned long long n;

	out[0] = WRAP_FORMAT;
	randombytes_buf(out + WRAP_NONCEOFF, SEAL_NONCEBYTES);
	return crypto_aead_xchacha20poly1305_ietf_encrypt(
	           out + WRAP_CTOFF, &n, pt, ptlen, ad->b, ad->len, NULL,
	           out + WRAP_NONCEOFF, key) == 0
	           ? 0
	           : -1;
}

/* Unwrap exactly ptlen bytes into pt (secure memory of the caller). */
static int
unwrap(const uint8_t *key, const struct wrap_ad *ad, const uint8_t *in,
       size_t len, uint8_t *pt, size_t ptlen)
{
	unsigned long long n;

	if (in == NULL || len != CRYPTO_WRAP_OVERHEAD + ptlen ||
	    in[0] != WRAP_FORMAT)
		return -1;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
	        pt, &n, NULL, in + WRAP_CTOFF, len - WRAP_CTOFF, ad->b, ad->len,
	        in + WRAP_NONCEOFF, key) != 0 ||
	    n != ptlen)
		return -1;
	return 0;
}

/* System keys as one secret blob: blind || audit || signing seed. */
struct sys_blob {
	uint8_t b[3 * CRYPTO_KEYBYTES];
};

int
crypto_wrap_system(const struct crypto *wrapper, const struct crypto *src,
                   uint8_t out[CRYPTO_WRAPPED_SYS])
{
	struct sys_blob *sb;
	struct wrap_ad ad;
	int rc;

	if (wrapper == NULL || src == NULL || out == NULL ||
	    (sb = sodium_malloc(sizeof(*sb))) == NULL)
		return -1;
	memcpy(sb->b, src->k->blind, CRYPTO_KEYBYTES);
	memcpy(sb->b + CRYPTO_KEYBYTES, src->k->audit, CRYPTO_KEYBYTES);
	rc = crypto_sign_ed25519_sk_to_seed(sb->b + 2 * CRYPTO_KEYBYTES,
	                                    src->k->sign_sk);
	wrap_ad_init(&ad, "ivtd-sys", wrapper->version);
	if (rc == 0)
		rc = wrap(wrapper->k->wrap, &ad, sb->b, sizeof(sb->b), out);
	sodium_memzero(sb, sizeof(*sb));
	sodium_free(sb);
	return rc == 0 ? 0 : -1;
}

int
crypto_unwrap_system(struct crypto *c, const struct crypto *wrapper,
                     const uint8_t *in, size_t len)
{
	struct sys_blob *sb;
	struct wrap_ad ad;
	int rc = -1;

	if (c == NULL || wrapper == NULL ||
	    (sb = sodium_malloc(sizeof(*sb))) == NULL)
		return -1;
	wrap_ad_init(&ad, "ivtd-sys", wrapper->version);
	if (unwrap(wrapper->k->wrap, &ad, in, len, sb->b, sizeof(sb->b)) == 0 &&
	    sodium_mprotect_readwrite(c->k) == 0) {
		rc = set_system(c, sb->b, sb->b + CRYPTO_KEYBYTES,
		                sb->b + 2 * CRYPTO_KEYBYTES) == 0
		         ? 0
		         : -1;
		if (sodium_mprotect_readonly(c->k) != 0)
			rc = -1;
	}
	sodium_memzero(sb, sizeof(*sb));
	sodium_free(sb);
	return rc;
}

/* --- project data keys ------------------------------------------------- */

static struct crypto_dek *
dek_alloc(uint32_t version)
{
	struct crypto_dek *k;

	if (sodium_init() < 0 || (k = sodium_malloc(sizeof(*k))) == NULL)
		return NULL;
	sodium_memzero(k, sizeof(*k));
	k->version = version;
	return k;
}

/* Lock a filled DEK read-only; frees it on failure. */
static struct crypto_dek *
dek_lock(struct crypto_dek *k)
{
	if (sodium_mprotect_readonly(k) != 0) {
		crypto_dek_free(k);
		return NULL;
	}
	return k;
}

struct crypto_dek *
crypto_dek_new(uint32_t version)
{
	struct crypto_dek *k;

	if ((k = dek_alloc(version)) == NULL)
		return NULL;
	crypto_aead_xchacha20poly1305_ietf_keygen(k->key);
	return dek_lock(k);
}

struct crypto_dek *
crypto_dek_from_key(const uint8_t key[CRYPTO_KEYBYTES], uint32_t version)
{
	struct crypto_dek *k;

	if (key == NULL || (k = dek_alloc(version)) == NULL)
		return NULL;
	memcpy(k->key, key, CRYPTO_KEYBYTES);
	return dek_lock(k);
}

void
crypto_dek_free(struct crypto_dek *k)
{
	if (k == NULL)
		return;
	sodium_mprotect_readwrite(k);
	sodium_memzero(k, sizeof(*k));
	sodium_free(k);
}

uint32_t
crypto_dek_version(const struct crypto_dek *k)
{
	return k == NULL ? 0 : k->version;
}

/*
 * The key-encryption key of one project: keyed BLAKE2b under the wrapping
 * key over (project, kid, share).  Without the share (key store) or the
 * master key (key file) it cannot be computed.
 */
static int
project_kek(const struct crypto *master, int64_t project, uint64_t kid,
            const uint8_t share[CRYPTO_SHAREBYTES], uint8_t *kek)
{
	crypto_generichash_state st;
	struct wrap_ad id;
	int rc;

	wrap_ad_init(&id, "ivtd-kek", 0);
	wrap_ad_id(&id, (uint64_t)project);
	wrap_ad_id(&id, kid);
	rc = crypto_generichash_init(&st, master->k->wrap,
	                             sizeof(master->k->wrap), CRYPTO_KEYBYTES);
	if (rc == 0)
		rc = crypto_generichash_update(&st, id.b, id.len);
	if (rc == 0)
		rc = crypto_generichash_update(&st, share, CRYPTO_SHAREBYTES);
	if (rc == 0)
		rc = crypto_generichash_final(&st, kek, CRYPTO_KEYBYTES);
	sodium_memzero(&st, sizeof(st));
	return rc == 0 ? 0 : -1;
}

/* Secrets of one wrap or unwrap: the KEK and the DEK with its version. */
struct dek_blob {
	uint8_t kek[CRYPTO_KEYBYTES];
	uint8_t pt[CRYPTO_KEYBYTES + 4];
};

_Static_assert(CRYPTO_WRAPPED_DEK ==
                   CRYPTO_WRAP_OVERHEAD + sizeof(((struct dek_blob *)0)->pt),
               "wrapped DEK size");

static void
dek_ad(struct wrap_ad *ad, const struct crypto *master, int64_t project,
       uint64_t kid)
{
	wrap_ad_init(ad, "ivtd-dek", master->version);
	wrap_ad_id(ad, (uint64_t)project);
	wrap_ad_id(ad, kid);
}

int
crypto_dek_wrap(const struct crypto *master, int64_t project, uint64_t kid,
                const uint8_t share[CRYPTO_SHAREBYTES],
                const struct crypto_dek *dek, uint8_t out[CRYPTO_WRAPPED_DEK])
{
	struct dek_blob *b;
	struct wrap_ad ad;
	int rc;

	if (master == NULL || share == NULL || dek == NULL || out == NULL ||
	    (b = sodium_malloc(sizeof(*b))) == NULL)
		return -1;
	dek_ad(&ad, master, project, kid);
	rc = project_kek(master, project, kid, share, b->kek);
	if (rc == 0) {
		memcpy(b->pt, dek->key, CRYPTO_KEYBYTES);
		put_be32(b->pt + CRYPTO_KEYBYTES, dek->version);
		rc = wrap(b->kek, &ad, b->pt, sizeof(b->pt), out);
	}
	sodium_memzero(b, sizeof(*b));
	sodium_free(b);
	return rc;
}

struct crypto_dek *
crypto_dek_unwrap(const struct crypto *master, int64_t project, uint64_t kid,
                  const uint8_t share[CRYPTO_SHAREBYTES], const uint8_t *in,
                  size_t len)
{
	struct crypto_dek *k = NULL;
	struct dek_blob *b;
	struct wrap_ad ad;

	if (master == NULL || share == NULL || in == NULL ||
	    (b = sodium_malloc(sizeof(*b))) == NULL)
		return NULL;
	dek_ad(&ad, master, project, kid);
	if (project_kek(master, project, kid, share, b->kek) == 0 &&
	    unwrap(b->kek, &ad, in, len, b->pt, sizeof(b->pt)) == 0)
		k = crypto_dek_from_key(b->pt,
		                        get_be32(b->pt + CRYPTO_KEYBYTES));
	sodium_memzero(b, sizeof(*b));
	sodium_free(b);
	return k;
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
crypto_verify_msg(const uint8_t pk[CRYPTO_PKBYTES], const void *msg, size_t len,
                  const uint8_t sig[CRYPTO_SIGBYTES])
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

/*
 * Nonces and trace ids are drawn for every sealed field and every call:
 * one getrandom(2) each was a tenth of an import's time.  They come from a
 * 4 KiB pool instead, the ChaCha20 stream of a 32-byte seed from the
 * kernel (libsodium reads the kernel 256 bytes a call, so filling the pool
 * straight from it took 16 system calls).  They need to be unpredictable
 * and unique, not secret, and only ivtd's event loop thread draws them
 * (its other thread, walcopy.c, only copies database pages) and it never
 * forks after start, so a pool cannot hand out the same bytes twice.  Used bytes and
 * the seed are wiped so they cannot be read back.
 */
void
crypto_nonce(void *buf, size_t n)
{
	static uint8_t pool[4096];
	static size_t left;
	uint8_t *out = buf;
	size_t take;

	while (n > 0) {
		if (left == 0) {
			uint8_t seed[randombytes_SEEDBYTES];

			randombytes_buf(seed, sizeof(seed));
			randombytes_buf_deterministic(pool, sizeof(pool), seed);
			sodium_memzero(seed, sizeof(seed));
			left = sizeof(pool);
		}
		take = n < left ? n : left;
		memcpy(out, pool + sizeof(pool) - left, take);
		sodium_memzero(pool + sizeof(pool) - left, take);
		left -= take;
		out += take;
		n -= take;
	}
}
