/*
 * test_export.c - the offline verifier of audit exports (lib/export.c):
 * a well-formed export passes; every edit, insertion, deletion, move,
 * truncation and forgery fails, at the right line, with a reason that
 * says what happened.
 *
 * Exports are built here the way the daemon builds them (the same chain
 * and notes from ivt/export.h), signed with a key pair of the test's own.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ivt/export.h"

#define MAXLINES  64
#define EXPORT_ID "00112233445566778899aabbccddeeff"

static uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
static uint8_t other_pk[crypto_sign_PUBLICKEYBYTES];
static uint8_t other_sk[crypto_sign_SECRETKEYBYTES];

/* An export as lines (without "\n"), to be tampered with. */
struct exp {
	char *line[MAXLINES];
	int n;
};

static void add(struct exp *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
add(struct exp *x, const char *fmt, ...)
{
	va_list ap;
	char buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	assert_true(x->n < MAXLINES);
	x->line[x->n] = strdup(buf);
	assert_non_null(x->line[x->n]);
	x->n++;
}

static void
add_signed(struct exp *x, const char *type, int64_t count,
           const uint8_t h[IVT_EXPORT_HASHBYTES])
{
	char note[IVT_EXPORT_NOTE_MAX], hex[65], b64[100];
	uint8_t sig[crypto_sign_BYTES];
	int n;

	n = ivt_export_note(note, sizeof(note), EXPORT_ID,
	                    strcmp(type, "trailer") == 0 ? "end" : "checkpoint",
	                    count, h);
	assert_true(n > 0);
	crypto_sign_detached(sig, NULL, (const uint8_t *)note, (size_t)n, sk);
	sodium_bin2hex(hex, sizeof(hex), h, IVT_EXPORT_HASHBYTES);
	sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig),
	                  sodium_base64_VARIANT_ORIGINAL);
	add(x,
	    "{\"type\":\"%s\",\"count\":%lld,\"hash\":\"%s\","
	    "\"signature\":\"%s\"}",
	    type, (long long)count, hex, b64);
}

/* n entries, a checkpoint after every `every`, and the trailer. */
static void
build(struct exp *x, int n, int every)
{
	uint8_t h[IVT_EXPORT_HASHBYTES];
	char hex[65];
	int i;

	memset(x, 0, sizeof(*x));
	sodium_bin2hex(hex, sizeof(hex), pk, sizeof(pk));
	add(x,
	    "{\"type\":\"header\",\"format\":\"%s\",\"export_id\":\"%s\","
	    "\"created\":\"2026-11-23T10:00:00Z\",\"public_key\":\"%s\","
	    "\"entries\":%d,\"checkpoint_every\":%d}",
	    IVT_EXPORT_FORMAT, EXPORT_ID, hex, n, every);
	assert_int_equal(
	    ivt_export_chain_start(h, x->line[0], strlen(x->line[0])), 0);
	for (i = 1; i <= n; i++) {
		add(x,
		    "{\"type\":\"entry\",\"seq\":%d,\"actor\":\"user%d\","
		    "\"org\":\"UWV\",\"result\":\"allowed\"}",
		    i, i % 3);
		assert_int_equal(
		    ivt_export_chain_step(h, x->line[x->n - 1],
		                          strlen(x->line[x->n - 1])),
		    0);
		if (i % every == 0)
			add_signed(x, "checkpoint", i, h);
	}
	add_signed(x, "trailer", n, h);
}

static void
drop(struct exp *x)
{
	int i;

	for (i = 0; i < x->n; i++)
		free(x->line[i]);
	x->n = 0;
}

static void
del(struct exp *x, int i)
{
	free(x->line[i]);
	memmove(&x->line[i], &x->line[i + 1],
	        (size_t)(x->n - i - 1) * sizeof(x->line[0]));
	x->n--;
}

static void
replace(struct exp *x, int i, const char *from, const char *to)
{
	char buf[1024], *p = strstr(x->line[i], from);

	assert_non_null(p);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(p - x->line[i]),
	         x->line[i], to, p + strlen(from));
	free(x->line[i]);
	x->line[i] = strdup(buf);
}

/* Verify x as a file (cut: bytes to leave off the end). */
static int
check_cut(const struct exp *x, const uint8_t *key, size_t cut,
          struct ivt_export_result *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *w, *fp;
	int i, rc;

	w = open_memstream(&buf, &len);
	assert_non_null(w);
	for (i = 0; i < x->n; i++)
		fprintf(w, "%s\n", x->line[i]);
	assert_int_equal(fclose(w), 0);
	assert_true(cut <= len);
	if (len - cut == 0) {
		fp = fopen("/dev/null", "r");
	} else
		fp = fmemopen(buf, len - cut, "r");
	assert_non_null(fp);
	rc = ivt_export_verify(fp, key, r, NULL, NULL);
	fclose(fp);
	free(buf);
	return rc;
}

static int
check(const struct exp *x, const uint8_t *key, struct ivt_export_result *r)
{
	return check_cut(x, key, 0, r);
}

/* Broken at line (1-based) with a reason containing want. */
static void
assert_broken(const struct exp *x, int64_t line, const char *want)
{
	struct ivt_export_result r;

	assert_int_equal(check(x, pk, &r), 1);
	if (strstr(r.reason, want) == NULL || r.line != line)
		fail_msg("line %lld: %s (wanted line %lld: %s)",
		         (long long)r.line, r.reason, (long long)line, want);
}

static void
test_intact(void **state)
{
	struct ivt_export_result r;
	struct exp x;
	char hex[65];

	(void)state;
	build(&x, 25, 10);
	assert_int_equal(check(&x, pk, &r), 0);
	assert_int_equal(r.entries, 25);
	assert_int_equal(r.checkpoints, 2);
	assert_int_equal(r.line, 0);
	assert_string_equal(r.export_id, EXPORT_ID);
	sodium_bin2hex(hex, sizeof(hex), pk, sizeof(pk));
	assert_string_equal(r.public_key, hex);
	assert_string_equal(r.created, "2026-11-23T10:00:00Z");
	/* Without a key the header's own is used. */
	assert_int_equal(check(&x, NULL, &r), 0);
	drop(&x);
	/* An empty log exports as a header and a trailer. */
	build(&x, 0, 10);
	assert_int_equal(check(&x, pk, &r), 0);
	assert_int_equal(r.entries, 0);
	drop(&x);
}

static void
test_other_key(void **state)
{
	struct ivt_export_result r;
	struct exp x;

	(void)state;
	build(&x, 5, 10);
	assert_int_equal(check(&x, other_pk, &r), 1);
	assert_int_equal(r.line, 1);
	assert_non_null(strstr(r.reason, "another key"));
	drop(&x);
}

static void
test_edited(void **state)
{
	struct exp x;

	(void)state;
	/* Lines: 0 header, 1-10 entries, 11 checkpoint, 12-21, 22 cp,
	 * 23-27 entries 21-25, 28 trailer. */
	build(&x, 25, 10);
	replace(&x, 5, "UWV", "SVB");
	assert_broken(&x, 12, "were changed");
	drop(&x);
	build(&x, 25, 10);
	replace(&x, 25, "allowed", "denied");
	assert_broken(&x, 29, "do not hash to the signed trailer");
	drop(&x);
	/* The header is in the chain too. */
	build(&x, 25, 10);
	replace(&x, 0, "2026-11-23", "2026-11-24");
	assert_broken(&x, 12, "were changed");
	drop(&x);
	/* A line that is no longer JSON. */
	build(&x, 25, 10);
	replace(&x, 3, "}", "");
	assert_broken(&x, 4, "not a JSON object");
	drop(&x);
	/* Duplicate keys are refused, not resolved either way. */
	build(&x, 25, 10);
	replace(&x, 3, "\"org\":\"UWV\"", "\"org\":\"UWV\",\"org\":\"SVB\"");
	assert_broken(&x, 4, "not a JSON object");
	drop(&x);
}

static void
test_deleted_inserted_moved(void **state)
{
	struct exp x;
	char *t;

	(void)state;
	build(&x, 25, 10);
	del(&x, 4); /* entry 4, line 5 */
	assert_broken(&x, 5, "entry 5 where entry 4 was due");
	drop(&x);
	/* The last entry before a checkpoint: the count shows it. */
	build(&x, 25, 10);
	del(&x, 10);
	assert_broken(&x, 11, "covers 10 entries but 9 lines precede it");
	drop(&x);
	/* Moved: entries 3 and 4 swapped. */
	build(&x, 25, 10);
	t = x.line[3];
	x.line[3] = x.line[4];
	x.line[4] = t;
	assert_broken(&x, 4, "entry 4 where entry 3 was due");
	drop(&x);
	/* Inserted: entry 7 twice. */
	build(&x, 25, 10);
	add(&x, "%s", x.line[7]);
	t = x.line[x.n - 1];
	memmove(&x.line[8], &x.line[7], (size_t)(x.n - 8) * sizeof(x.line[0]));
	x.line[7] = t;
	assert_broken(&x, 9, "entry 7 where entry 8 was due");
	drop(&x);
	/* A renumbered deletion still fails the chain. */
	build(&x, 25, 10);
	del(&x, 24); /* entry 22 */
	replace(&x, 24, "\"seq\":23", "\"seq\":22");
	replace(&x, 25, "\"seq\":24", "\"seq\":23");
	replace(&x, 26, "\"seq\":25", "\"seq\":24");
	assert_broken(&x, 28, "covers 25 entries but 24");
	drop(&x);
	/* A checkpoint deleted loses nothing: the trailer covers all. */
	build(&x, 25, 10);
	del(&x, 11);
	{
		struct ivt_export_result r;

		assert_int_equal(check(&x, pk, &r), 0);
		assert_int_equal(r.checkpoints, 1);
	}
	drop(&x);
}

static void
test_truncated(void **state)
{
	struct ivt_export_result r;
	struct exp x;

	(void)state;
	/* Cut right after the second checkpoint (line 23). */
	build(&x, 25, 10);
	while (x.n > 23)
		del(&x, x.n - 1);
	assert_broken(&x, 24,
	              "truncated: no signed trailer; the last signed "
	              "checkpoint (line 23) covers 20 of the 25 entries");
	drop(&x);
	/* Cut after an entry line. */
	build(&x, 25, 10);
	while (x.n > 26)
		del(&x, x.n - 1);
	assert_broken(&x, 27, "truncated: no signed trailer");
	drop(&x);
	/* Cut inside a line. */
	build(&x, 25, 10);
	assert_int_equal(check_cut(&x, pk, 5, &r), 1);
	assert_int_equal(r.line, 29);
	assert_non_null(strstr(r.reason, "cut off"));
	/* Uncut, the same export is intact. */
	assert_int_equal(check_cut(&x, pk, 0, &r), 0);
	drop(&x);
	memset(&x, 0, sizeof(x));
	assert_broken(&x, 1, "empty file");
}

static void
test_forged(void **state)
{
	static uint8_t sk_saved[crypto_sign_SECRETKEYBYTES];
	struct exp x;

	(void)state;
	/* The checkpoint's signature passed off as the trailer's. */
	build(&x, 20, 10);
	del(&x, x.n - 1); /* trailer */
	add(&x, "%s", x.line[x.n - 1]);
	replace(&x, x.n - 1, "checkpoint", "trailer");
	assert_broken(&x, 24, "trailer's signature is invalid");
	drop(&x);
	/* A signature changed. */
	build(&x, 20, 10);
	{
		char *p = strstr(x.line[11], "\"signature\":\"") + 13;

		*p = *p == 'A' ? 'B' : 'A';
	}
	assert_broken(&x, 12, "checkpoint's signature is invalid");
	drop(&x);
	/* The whole file re-signed with another key: consistent, but not
	 * ours (and with the header's key swapped in, not the given one). */
	memcpy(sk_saved, sk, sizeof(sk));
	memcpy(sk, other_sk, sizeof(sk));
	build(&x, 5, 10);
	memcpy(sk, sk_saved, sizeof(sk));
	assert_broken(&x, 7, "trailer's signature is invalid");
	drop(&x);
	/* A malformed signature. */
	build(&x, 5, 10);
	del(&x, x.n - 1);
	add(&x,
	    "{\"type\":\"trailer\",\"count\":5,\"hash\":\"%064d\","
	    "\"signature\":\"AAAA\"}",
	    0);
	assert_broken(&x, 7, "malformed trailer");
	drop(&x);
	/* Lines after the trailer. */
	build(&x, 5, 10);
	add(&x, "%s", x.line[1]);
	assert_broken(&x, 8, "data after the signed trailer");
	drop(&x);
	/* A header that announces more than the trailer signs. */
	build(&x, 5, 10);
	replace(&x, 0, "\"entries\":5", "\"entries\":6");
	assert_broken(&x, 7, "do not hash");
	drop(&x);
	/* Not an export at all, or another format. */
	build(&x, 5, 10);
	replace(&x, 0, "\"header\"", "\"entry\"");
	assert_broken(&x, 1, "no header");
	drop(&x);
	build(&x, 5, 10);
	replace(&x, 0, "export/1", "export/2");
	assert_broken(&x, 1, "unsupported export format");
	drop(&x);
	build(&x, 5, 10);
	replace(&x, 3, "\"entry\"", "\"note\"");
	assert_broken(&x, 4, "unknown line type");
	drop(&x);
}

static void
test_note_and_hex(void **state)
{
	uint8_t h[IVT_EXPORT_HASHBYTES], b[2];
	char note[IVT_EXPORT_NOTE_MAX], small[16];

	(void)state;
	memset(h, 0xab, sizeof(h));
	assert_int_equal(
	    ivt_export_note(note, sizeof(note), EXPORT_ID, "end", 42, h),
	    20 + 33 + 4 + 3 + 65);
	assert_string_equal(note, "ivtd-audit-export/1\n" EXPORT_ID "\nend\n"
	                          "42\nabababababababababababababababab"
	                          "abababababababababababababababab\n");
	assert_int_equal(
	    ivt_export_note(small, sizeof(small), EXPORT_ID, "end", 42, h), -1);
	assert_int_equal(ivt_unhex("0aFf", b, 2), 0);
	assert_int_equal(b[0], 0x0a);
	assert_int_equal(b[1], 0xff);
	assert_int_equal(ivt_unhex("0a", b, 2), -1);
	assert_int_equal(ivt_unhex("0g00", b, 2), -1);
	assert_int_equal(ivt_unhex(NULL, b, 2), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_intact),
	    cmocka_unit_test(test_other_key),
	    cmocka_unit_test(test_edited),
	    cmocka_unit_test(test_deleted_inserted_moved),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_forged),
	    cmocka_unit_test(test_note_and_hex),
	};

	if (sodium_init() < 0)
		return 1;
	crypto_sign_keypair(pk, sk);
	crypto_sign_keypair(other_pk, other_sk);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
