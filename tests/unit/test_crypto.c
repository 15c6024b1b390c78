/*
 * test_crypto.c - unit tests of daemon/crypto.c: sealing and its binding to
 * table/column/row/key, blind indexes, audit MAC, signatures, key file
 * handling, and that a sealed value leaves no plaintext in the database.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "crypto.h"

#define MAXPT 256

/* Plaintext that must never appear in the database file. */
static const char secret_pt[] = "123456782 Jansen Dorpsstraat 1";

static void
fill_key(uint8_t key[CRYPTO_KEYBYTES], uint8_t base)
{
	size_t i;

	for (i = 0; i < CRYPTO_KEYBYTES; i++)
		key[i] = (uint8_t)(base + i);
}

static struct crypto *
make_crypto(uint8_t base, uint32_t version)
{
	uint8_t key[CRYPTO_KEYBYTES];
	struct crypto *c;

	fill_key(key, base);
	c = crypto_from_key(key, version);
	assert_non_null(c);
	return c;
}

static struct crypto_dek *
make_dek(uint8_t base, uint32_t version)
{
	uint8_t key[CRYPTO_KEYBYTES];
	struct crypto_dek *k;

	fill_key(key, base);
	k = crypto_dek_from_key(key, version);
	assert_non_null(k);
	return k;
}

/* A fresh temporary directory per test, removed with its contents after. */
static int
tmpdir_setup(void **state)
{
	char *dir;

	dir = strdup("/tmp/test_crypto.XXXXXX");
	if (dir == NULL || mkdtemp(dir) == NULL) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

static int
tmpdir_teardown(void **state)
{
	char *dir = *state;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == -1)
			rc = -1;
	}
	closedir(d);
	if (rmdir(dir) == -1)
		rc = -1;
	free(dir);
	return rc;
}

static void
path_in(char *buf, size_t len, void **state, const char *name)
{
	int n;

	n = snprintf(buf, len, "%s/%s", (const char *)*state, name);
	assert_true(n > 0 && (size_t)n < len);
}

static void
write_file(const char *path, const void *buf, size_t len, mode_t mode)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
	assert_true(fd != -1);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	/* chmod: the umask must not decide the mode under test. */
	assert_int_equal(chmod(path, mode), 0);
}

static void
test_seal_roundtrip(void **state)
{
	static const char *const pts[] = {"", "x", secret_pt,
	                                  "a longer value that spans more "
	                                  "than one Poly1305 block of 16"};
	uint8_t ct[MAXPT + CRYPTO_SEAL_OVERHEAD], out[MAXPT];
	struct crypto_dek *c = make_dek(1, 7);
	size_t i, ptlen, ctlen, outlen;

	(void)state;
	assert_int_equal(crypto_dek_version(c), 7);
	for (i = 0; i < sizeof(pts) / sizeof(pts[0]); i++) {
		ptlen = strlen(pts[i]);
		assert_int_equal(crypto_seal(c, "person", "address", 42,
		                             (const uint8_t *)pts[i], ptlen, ct,
		                             &ctlen),
		                 0);
		assert_int_equal(ctlen, ptlen + CRYPTO_SEAL_OVERHEAD);
		/* Header layout: format 2, key version 7 big-endian. */
		assert_int_equal(ct[0], 2);
		assert_int_equal(ct[1], 0);
		assert_int_equal(ct[2], 0);
		assert_int_equal(ct[3], 0);
		assert_int_equal(ct[4], 7);
		outlen = 999;
		assert_int_equal(crypto_open_field(c, "person", "address", 42,
		                                   ct, ctlen, out, &outlen),
		                 0);
		assert_int_equal(outlen, ptlen);
		assert_memory_equal(out, pts[i], ptlen);
	}
	/* NULL plaintext with length 0 is the empty value too. */
	assert_int_equal(crypto_seal(c, "t", "c", 1, NULL, 0, ct, &ctlen), 0);
	assert_int_equal(ctlen, CRYPTO_SEAL_OVERHEAD);
	assert_int_equal(
	    crypto_open_field(c, "t", "c", 1, ct, ctlen, out, &outlen), 0);
	assert_int_equal(outlen, 0);
	crypto_dek_free(c);
}

/* A text column: a terminated copy, NULL when it does not open. */
static void
test_open_text(void **state)
{
	static const char notes[] = "Overleg met wijkagent";
	uint8_t ct[sizeof(notes) + CRYPTO_SEAL_OVERHEAD];
	struct crypto_dek *c = make_dek(1, 3);
	size_t ctlen;
	char *t;

	(void)state;
	assert_int_equal(crypto_seal(c, "findings", "notes", 9,
	                             (const uint8_t *)notes, strlen(notes), ct,
	                             &ctlen),
	                 0);
	t = crypto_open_text(c, "findings", "notes", 9, ct, (int)ctlen);
	assert_non_null(t);
	assert_string_equal(t, notes);
	crypto_free_text(t);
	/* Another row, a cut or no ciphertext: nothing. */
	assert_null(
	    crypto_open_text(c, "findings", "notes", 10, ct, (int)ctlen));
	assert_null(crypto_open_text(c, "findings", "notes", 9, ct,
	                             CRYPTO_SEAL_OVERHEAD - 1));
	assert_null(crypto_open_text(c, "findings", "notes", 9, NULL, 0));
	crypto_free_text(NULL);
	crypto_dek_free(c);
}

static void
test_seal_random_nonce(void **state)
{
	uint8_t a[64], b[64];
	struct crypto_dek *c = make_dek(1, 1);
	size_t alen, blen;

	(void)state;
	assert_int_equal(
	    crypto_seal(c, "t", "c", 1, (const uint8_t *)"same", 4, a, &alen),
	    0);
	assert_int_equal(
	    crypto_seal(c, "t", "c", 1, (const uint8_t *)"same", 4, b, &blen),
	    0);
	assert_int_equal(alen, blen);
	assert_memory_not_equal(a, b, alen);
	crypto_dek_free(c);
}

static void
test_seal_bitflip(void **state)
{
	uint8_t ct[sizeof(secret_pt) + CRYPTO_SEAL_OVERHEAD], out[MAXPT];
	struct crypto_dek *c = make_dek(1, 1);
	size_t ctlen, outlen, i;
	int bit, opened = 0;

	(void)state;
	assert_int_equal(crypto_seal(c, "person", "address", 1,
	                             (const uint8_t *)secret_pt,
	                             strlen(secret_pt), ct, &ctlen),
	                 0);
	for (i = 0; i < ctlen; i++) {
		for (bit = 0; bit < 8; bit++) {
			ct[i] ^= (uint8_t)(1u << bit);
			if (crypto_open_field(c, "person", "address", 1, ct,
			                      ctlen, out, &outlen) == 0)
				opened++;
			ct[i] ^= (uint8_t)(1u << bit);
		}
	}
	assert_int_equal(opened, 0);
	/* Truncated, or shorter than the overhead: refused too. */
	assert_int_equal(crypto_open_field(c, "person", "address", 1, ct,
	                                   ctlen - 1, out, &outlen),
	                 -1);
	assert_int_equal(crypto_open_field(c, "person", "address", 1, ct,
	                                   CRYPTO_SEAL_OVERHEAD - 1, out,
	                                   &outlen),
	                 -1);
	/* The restored blob still opens: the failures were the flips. */
	assert_int_equal(crypto_open_field(c, "person", "address", 1, ct, ctlen,
	                                   out, &outlen),
	                 0);
	crypto_dek_free(c);
}

static void
test_seal_binding(void **state)
{
	uint8_t ct[sizeof(secret_pt) + CRYPTO_SEAL_OVERHEAD], out[MAXPT];
	uint8_t key[CRYPTO_KEYBYTES];
	struct crypto_dek *c = make_dek(1, 1), *other, *v2;
	size_t ctlen, outlen;

	(void)state;
	assert_int_equal(crypto_seal(c, "person", "address", 5,
	                             (const uint8_t *)secret_pt,
	                             strlen(secret_pt), ct, &ctlen),
	                 0);
	assert_int_equal(crypto_open_field(c, "person", "address", 5, ct, ctlen,
	                                   out, &outlen),
	                 0);
	assert_int_equal(crypto_open_field(c, "person", "address", 6, ct, ctlen,
	                                   out, &outlen),
	                 -1);
	assert_int_equal(crypto_open_field(c, "person", "address", -5, ct,
	                                   ctlen, out, &outlen),
	                 -1);
	assert_int_equal(
	    crypto_open_field(c, "person", "name", 5, ct, ctlen, out, &outlen),
	    -1);
	assert_int_equal(crypto_open_field(c, "company", "address", 5, ct,
	                                   ctlen, out, &outlen),
	                 -1);
	/* Same lengths, one byte apart: the names themselves are bound. */
	assert_int_equal(crypto_open_field(c, "person", "addresz", 5, ct, ctlen,
	                                   out, &outlen),
	                 -1);
	assert_int_equal(crypto_open_field(c, "persoN", "address", 5, ct, ctlen,
	                                   out, &outlen),
	                 -1);
	/* The separator keeps ("ab", "c") apart from ("a", "bc"). */
	assert_int_equal(crypto_open_field(c, "persona", "ddress", 5, ct, ctlen,
	                                   out, &outlen),
	                 -1);

	other = make_dek(2, 1);
	assert_int_equal(crypto_open_field(other, "person", "address", 5, ct,
	                                   ctlen, out, &outlen),
	                 -1);
	crypto_dek_free(other);

	/* Same key bytes, other version: refused by the version check. */
	fill_key(key, 1);
	v2 = crypto_dek_from_key(key, 2);
	assert_non_null(v2);
	assert_int_equal(crypto_open_field(v2, "person", "address", 5, ct,
	                                   ctlen, out, &outlen),
	                 -1);
	/* And by the AEAD even when the blob claims the handle's version. */
	ct[4] = 2;
	assert_int_equal(crypto_open_field(v2, "person", "address", 5, ct,
	                                   ctlen, out, &outlen),
	                 -1);
	crypto_dek_free(v2);
	/* The original with its claim altered fails on the version byte. */
	assert_int_equal(crypto_open_field(c, "person", "address", 5, ct, ctlen,
	                                   out, &outlen),
	                 -1);
	ct[4] = 1;
	ct[0] = 1; /* the format before DEKs */
	assert_int_equal(crypto_open_field(c, "person", "address", 5, ct, ctlen,
	                                   out, &outlen),
	                 -1);
	crypto_dek_free(c);
}

static void
test_bad_args(void **state)
{
	uint8_t ct[64], out[64], h[CRYPTO_HASHBYTES], sig[CRYPTO_SIGBYTES];
	uint8_t pk[CRYPTO_PKBYTES];
	struct crypto *c = make_crypto(1, 1);
	struct crypto_dek *k = make_dek(1, 1);
	size_t len;

	(void)state;
	assert_null(crypto_from_key(NULL, 1));
	assert_int_equal(crypto_seal(NULL, "t", "c", 1, ct, 1, out, &len), -1);
	assert_int_equal(crypto_seal(k, NULL, "c", 1, ct, 1, out, &len), -1);
	assert_int_equal(crypto_seal(k, "t", NULL, 1, ct, 1, out, &len), -1);
	assert_int_equal(crypto_seal(k, "t", "c", 1, NULL, 1, out, &len), -1);
	assert_int_equal(crypto_seal(k, "t", "c", 1, ct, 1, NULL, &len), -1);
	assert_int_equal(crypto_seal(k, "t", "c", 1, ct, 1, out, NULL), -1);
	assert_int_equal(crypto_open_field(k, "t", "c", 1, NULL, 64, out, &len),
	                 -1);
	assert_int_equal(crypto_blind_index(c, NULL, "v", 1, h), -1);
	assert_int_equal(crypto_blind_index(c, "", "v", 1, h), -1);
	assert_int_equal(crypto_blind_index(c, "bsn", NULL, 1, h), -1);
	assert_int_equal(crypto_audit_mac(NULL, "m", 1, h), -1);
	assert_int_equal(crypto_sign_msg(NULL, "m", 1, sig), -1);
	crypto_sign_pk(c, pk);
	assert_int_equal(crypto_verify_msg(pk, NULL, 1, sig), -1);
	assert_int_equal(crypto_key_version(NULL), 0);
	crypto_close(NULL);
	crypto_dek_free(NULL);
	assert_null(crypto_dek_from_key(NULL, 1));
	assert_int_equal(crypto_dek_version(NULL), 0);
	crypto_close(c);
	crypto_dek_free(k);
}

static void
test_blind_index(void **state)
{
	uint8_t a[CRYPTO_HASHBYTES], b[CRYPTO_HASHBYTES];
	uint8_t d[CRYPTO_HASHBYTES], e[CRYPTO_HASHBYTES];
	struct crypto *c = make_crypto(1, 1), *c2 = make_crypto(1, 2);
	struct crypto *other = make_crypto(9, 1);

	(void)state;
	assert_int_equal(crypto_blind_index(c, "bsn", "123456782", 9, a), 0);
	assert_int_equal(crypto_blind_index(c, "bsn", "123456782", 9, b), 0);
	assert_memory_equal(a, b, sizeof(a));
	/* Another value, another purpose, another master key: differ. */
	assert_int_equal(crypto_blind_index(c, "bsn", "123456783", 9, d), 0);
	assert_memory_not_equal(a, d, sizeof(a));
	assert_int_equal(crypto_blind_index(c, "address", "123456782", 9, d),
	                 0);
	assert_memory_not_equal(a, d, sizeof(a));
	assert_int_equal(crypto_blind_index(other, "bsn", "123456782", 9, e),
	                 0);
	assert_memory_not_equal(a, e, sizeof(a));
	/* Not tied to the field key version: indexes survive a bump. */
	assert_int_equal(crypto_blind_index(c2, "bsn", "123456782", 9, e), 0);
	assert_memory_equal(a, e, sizeof(a));
	/* Empty values are allowed and still keyed. */
	assert_int_equal(crypto_blind_index(c, "bsn", NULL, 0, d), 0);
	assert_int_equal(crypto_blind_index(other, "bsn", "", 0, e), 0);
	assert_memory_not_equal(d, e, sizeof(d));
	crypto_close(c);
	crypto_close(c2);
	crypto_close(other);
}

static void
test_audit_mac(void **state)
{
	static const char msg[] = "seq=1 prev=00 method=Person.Get";
	uint8_t a[CRYPTO_HASHBYTES], b[CRYPTO_HASHBYTES], d[CRYPTO_HASHBYTES];
	struct crypto *c = make_crypto(1, 1), *other = make_crypto(2, 1);

	(void)state;
	assert_int_equal(crypto_audit_mac(c, msg, sizeof(msg) - 1, a), 0);
	assert_int_equal(crypto_audit_mac(c, msg, sizeof(msg) - 1, b), 0);
	assert_memory_equal(a, b, sizeof(a));
	assert_int_equal(crypto_audit_mac(other, msg, sizeof(msg) - 1, d), 0);
	assert_memory_not_equal(a, d, sizeof(a));
	assert_int_equal(crypto_audit_mac(c, msg, sizeof(msg) - 2, d), 0);
	assert_memory_not_equal(a, d, sizeof(a));
	/* The audit key is not the blind index key. */
	assert_int_equal(
	    crypto_blind_index(c, "audit", msg, sizeof(msg) - 1, d), 0);
	assert_memory_not_equal(a, d, sizeof(a));
	crypto_close(c);
	crypto_close(other);
}

static void
test_sign_verify(void **state)
{
	char msg[] = "ivtd-audit\n1000\nq83vEjRWeJA=\n";
	uint8_t sig[CRYPTO_SIGBYTES], pk[CRYPTO_PKBYTES], pk2[CRYPTO_PKBYTES];
	struct crypto *c = make_crypto(1, 1), *again = make_crypto(1, 1);
	struct crypto *other = make_crypto(2, 1);
	size_t len = strlen(msg);

	(void)state;
	crypto_sign_pk(c, pk);
	assert_int_equal(crypto_sign_msg(c, msg, len, sig), 0);
	assert_int_equal(crypto_verify_msg(pk, msg, len, sig), 0);
	/* The key pair is derived, not random: same key, same pk. */
	crypto_sign_pk(again, pk2);
	assert_memory_equal(pk, pk2, sizeof(pk));
	msg[12] ^= 1;
	assert_int_equal(crypto_verify_msg(pk, msg, len, sig), -1);
	msg[12] ^= 1;
	assert_int_equal(crypto_verify_msg(pk, msg, len - 1, sig), -1);
	sig[0] ^= 0x80;
	assert_int_equal(crypto_verify_msg(pk, msg, len, sig), -1);
	sig[0] ^= 0x80;
	crypto_sign_pk(other, pk2);
	assert_memory_not_equal(pk, pk2, sizeof(pk));
	assert_int_equal(crypto_verify_msg(pk2, msg, len, sig), -1);
	assert_int_equal(crypto_verify_msg(pk, msg, len, sig), 0);
	crypto_close(c);
	crypto_close(again);
	crypto_close(other);
}

static void
test_hex_random(void **state)
{
	static const uint8_t in[] = {0x00, 0xab, 0x7f, 0xff};
	uint8_t a[16], b[16];
	char hex[2 * sizeof(in) + 1];

	(void)state;
	crypto_hex(in, sizeof(in), hex);
	assert_string_equal(hex, "00ab7fff");
	crypto_hex(in, 0, hex);
	assert_string_equal(hex, "");
	crypto_random(a, sizeof(a));
	crypto_random(b, sizeof(b));
	assert_memory_not_equal(a, b, sizeof(a));
}

static void
test_open_create_reload(void **state)
{
	uint8_t a[CRYPTO_HASHBYTES], b[CRYPTO_HASHBYTES];
	char path[512], err[512];
	struct crypto *c;
	struct stat st;

	path_in(path, sizeof(path), state, "master.key");
	c = crypto_open(path, 1, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(crypto_key_version(c), 1);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, CRYPTO_KEYBYTES);
	assert_int_equal(crypto_blind_index(c, "bsn", "123456782", 9, a), 0);
	crypto_close(c);

	/* Reload, with and without create: the same key, not a new one. */
	c = crypto_open(path, 1, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(crypto_blind_index(c, "bsn", "123456782", 9, b), 0);
	assert_memory_equal(a, b, sizeof(a));
	crypto_close(c);
	c = crypto_open(path, 0, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(crypto_blind_index(c, "bsn", "123456782", 9, b), 0);
	assert_memory_equal(a, b, sizeof(a));
	crypto_close(c);
}

static void
test_open_matches_from_key(void **state)
{
	uint8_t key[CRYPTO_KEYBYTES], a[CRYPTO_HASHBYTES], b[CRYPTO_HASHBYTES];
	char path[512], err[512];
	struct crypto *c, *k;

	path_in(path, sizeof(path), state, "master.key");
	fill_key(key, 3);
	write_file(path, key, sizeof(key), 0600);
	c = crypto_open(path, 0, err, sizeof(err));
	assert_non_null(c);
	k = crypto_from_key(key, 1);
	assert_non_null(k);
	assert_int_equal(crypto_audit_mac(c, "m", 1, a), 0);
	assert_int_equal(crypto_audit_mac(k, "m", 1, b), 0);
	assert_memory_equal(a, b, sizeof(a));
	crypto_close(c);
	crypto_close(k);
}

static void
test_open_refuses_group_mode(void **state)
{
	uint8_t key[CRYPTO_KEYBYTES];
	char path[512], err[512], want[600];

	path_in(path, sizeof(path), state, "master.key");
	fill_key(key, 3);
	write_file(path, key, sizeof(key), 0640);
	assert_null(crypto_open(path, 0, err, sizeof(err)));
	snprintf(want, sizeof(want),
	         "key file %s is accessible by group or others (mode 640); "
	         "chmod 600 it",
	         path);
	assert_string_equal(err, want);
	/* create must not replace or "fix" an existing key. */
	assert_null(crypto_open(path, 1, err, sizeof(err)));
	assert_int_equal(chmod(path, 0604), 0);
	assert_null(crypto_open(path, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "(mode 604)"));
	assert_int_equal(chmod(path, 0600), 0);
	crypto_close(crypto_open(path, 0, err, sizeof(err)));
}

static void
test_open_refuses_wrong_size(void **state)
{
	uint8_t key[CRYPTO_KEYBYTES + 1];
	char path[512], err[512];

	memset(key, 0x41, sizeof(key));
	path_in(path, sizeof(path), state, "short.key");
	write_file(path, key, CRYPTO_KEYBYTES - 1, 0600);
	assert_null(crypto_open(path, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "31 bytes"));
	path_in(path, sizeof(path), state, "long.key");
	write_file(path, key, CRYPTO_KEYBYTES + 1, 0600);
	assert_null(crypto_open(path, 0, err, sizeof(err)));
	path_in(path, sizeof(path), state, "empty.key");
	write_file(path, key, 0, 0600);
	assert_null(crypto_open(path, 0, err, sizeof(err)));
	/* The message never carries key bytes ("AAAA..."). */
	assert_null(strstr(err, "AAAA"));
}

static void
test_open_refuses_symlink(void **state)
{
	uint8_t key[CRYPTO_KEYBYTES];
	char path[512], link[512], dangling[512], err[512];
	struct stat st;

	path_in(path, sizeof(path), state, "real.key");
	path_in(link, sizeof(link), state, "link.key");
	path_in(dangling, sizeof(dangling), state, "dangling.key");
	fill_key(key, 3);
	write_file(path, key, sizeof(key), 0600);
	assert_int_equal(symlink(path, link), 0);
	assert_null(crypto_open(link, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "symbolic link"));
	assert_null(crypto_open(link, 1, err, sizeof(err)));
	/* A dangling link is not followed to create a key elsewhere. */
	path_in(path, sizeof(path), state, "target.key");
	assert_int_equal(symlink(path, dangling), 0);
	assert_null(crypto_open(dangling, 1, err, sizeof(err)));
	assert_int_equal(stat(path, &st), -1);
}

static void
test_open_refuses_other(void **state)
{
	char path[512], err[512];
	struct stat st;

	path_in(path, sizeof(path), state, "missing.key");
	assert_null(crypto_open(path, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "missing.key"));
	assert_int_equal(stat(path, &st), -1);
	/* A directory is not a key file. */
	assert_null(crypto_open((const char *)*state, 0, err, sizeof(err)));
	assert_null(crypto_open(NULL, 1, err, sizeof(err)));
	assert_null(crypto_open("", 1, NULL, 0));
	/* Creating in a missing directory fails cleanly. */
	path_in(path, sizeof(path), state, "nodir/master.key");
	assert_null(crypto_open(path, 1, err, sizeof(err)));
}

static uint8_t *
read_all(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	int fd;

	fd = open(path, O_RDONLY);
	assert_true(fd != -1);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(st.st_size > 0);
	buf = malloc((size_t)st.st_size);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static void
db_insert(sqlite3 *db, int64_t id, const void *blob, size_t len)
{
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "INSERT INTO person(id, address) "
	                                    "VALUES (?1, ?2)",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_bind_int64(st, 1, id), SQLITE_OK);
	assert_int_equal(
	    sqlite3_bind_blob(st, 2, blob, (int)len, SQLITE_TRANSIENT),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	assert_int_equal(sqlite3_finalize(st), SQLITE_OK);
}

static void
test_db_has_no_plaintext(void **state)
{
	static const char control[] = "CONTROL plaintext Kerkstraat 99";
	uint8_t ct[sizeof(secret_pt) + CRYPTO_SEAL_OVERHEAD], out[MAXPT];
	struct crypto_dek *c = make_dek(1, 1);
	size_t ctlen, outlen, filelen;
	char path[512];
	sqlite3_stmt *st;
	uint8_t *file;
	sqlite3 *db;

	path_in(path, sizeof(path), state, "ivtd.db");
	assert_int_equal(crypto_seal(c, "person", "address", 1,
	                             (const uint8_t *)secret_pt,
	                             strlen(secret_pt), ct, &ctlen),
	                 0);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	                              "CREATE TABLE person(id INTEGER PRIMARY "
	                              "KEY, address BLOB)",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	db_insert(db, 1, ct, ctlen);
	/* Unsealed control row: proves the raw scan does find plaintext. */
	db_insert(db, 2, control, strlen(control));
	assert_int_equal(sqlite3_close(db), SQLITE_OK);

	file = read_all(path, &filelen);
	assert_null(memmem(file, filelen, secret_pt, strlen(secret_pt)));
	assert_null(memmem(file, filelen, "Jansen", 6));
	assert_null(memmem(file, filelen, "123456782", 9));
	assert_non_null(memmem(file, filelen, ct, ctlen));
	assert_non_null(memmem(file, filelen, control, strlen(control)));
	free(file);

	/* And the stored blob still opens for its own row. */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT address FROM person "
	                                    "WHERE id = 1",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(crypto_open_field(c, "person", "address", 1,
	                                   sqlite3_column_blob(st, 0),
	                                   (size_t)sqlite3_column_bytes(st, 0),
	                                   out, &outlen),
	                 0);
	assert_int_equal(outlen, strlen(secret_pt));
	assert_memory_equal(out, secret_pt, outlen);
	assert_int_equal(sqlite3_finalize(st), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	crypto_dek_free(c);
}

static int
cmp24(const void *a, const void *b)
{
	return memcmp(a, b, 24);
}

/* Nonces over several pool refills: never the same twice. */
static void
test_nonce_unique(void **state)
{
	enum { N = 2000 }; /* 48 000 bytes: eleven pools */
	uint8_t(*v)[24] = calloc(N, 24);
	size_t i;

	(void)state;
	assert_non_null(v);
	for (i = 0; i < N; i++)
		crypto_nonce(v[i], 24);
	qsort(v, N, 24, cmp24);
	for (i = 1; i < N; i++)
		assert_true(memcmp(v[i - 1], v[i], 24) != 0);
	free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_seal_roundtrip),
	    cmocka_unit_test(test_nonce_unique),
	    cmocka_unit_test(test_open_text),
	    cmocka_unit_test(test_seal_random_nonce),
	    cmocka_unit_test(test_seal_bitflip),
	    cmocka_unit_test(test_seal_binding),
	    cmocka_unit_test(test_bad_args),
	    cmocka_unit_test(test_blind_index),
	    cmocka_unit_test(test_audit_mac),
	    cmocka_unit_test(test_sign_verify),
	    cmocka_unit_test(test_hex_random),
	    cmocka_unit_test_setup_teardown(test_open_create_reload,
	                                    tmpdir_setup, tmpdir_teardown),
	    cmocka_unit_test_setup_teardown(test_open_matches_from_key,
	                                    tmpdir_setup, tmpdir_teardown),
	    cmocka_unit_test_setup_teardown(test_open_refuses_group_mode,
	                                    tmpdir_setup, tmpdir_teardown),
	    cmocka_unit_test_setup_teardown(test_open_refuses_wrong_size,
	                                    tmpdir_setup, tmpdir_teardown),
	    cmocka_unit_test_setup_teardown(test_open_refuses_symlink,
	                                    tmpdir_setup, tmpdir_teardown),
	    cmocka_unit_test_setup_teardown(test_open_refuses_other,
	                                    tmpdir_setup, tmpdir_teardown),
	    cmocka_unit_test_setup_teardown(test_db_has_no_plaintext,
	                                    tmpdir_setup, tmpdir_teardown),
	};

	if (crypto_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
