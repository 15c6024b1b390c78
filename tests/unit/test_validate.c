/*
 * test_validate.c - value checks shared by the handlers: the BSN
 * normaliser with its elfproef, account names, display names and text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "bsn.h"
#include "validate.h"

/* Test BSNs: made up, chosen to pass or fail the elfproef. */
static void
test_bsn_valid(void **state)
{
	static const struct {
		const char *in, *out;
	} good[] = {
	    {"111222333", "111222333"},   {"123456782", "123456782"},
	    {"999999990", "999999990"},   {"1112.22.333", "111222333"},
	    {"111 222 333", "111222333"}, {"11222335", "011222335"},
	    {"011222335", "011222335"},
	};
	char out[10];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(out, 'x', sizeof(out));
		if (bsn_normalise(good[i].in, out) != 0)
			fail_msg("refused case %zu", i);
		assert_string_equal(out, good[i].out);
	}
}

static void
test_bsn_invalid(void **state)
{
	static const char *const bad[] = {
	    "",           "123456789",   "000000000",   "00000000",
	    "111222334",  "1112223330",  "1234567",     "11122233a",
	    "a111222333", ".111222333",  " 111222333",  "111222333 ",
	    "111222333.", "111-222-333", "111222333\n", "1112223331112223331",
	    "123456780",
	};
	char out[10];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (bsn_normalise(bad[i], out) == 0)
			fail_msg("accepted case %zu", i);
	}
	assert_int_equal(bsn_normalise(NULL, out), -1);
}

/* The elfproef itself, against a direct computation over many numbers. */
static void
test_bsn_elfproef(void **state)
{
	char in[16], out[10];
	long n;
	int i, sum, want, got, valid = 0;

	(void)state;
	for (n = 100000000; n < 100000000 + 20000; n++) {
		snprintf(in, sizeof(in), "%ld", n);
		for (sum = 0, i = 0; i < 8; i++)
			sum += (9 - i) * (in[i] - '0');
		sum -= in[8] - '0';
		want = sum % 11 == 0;
		got = bsn_normalise(in, out) == 0;
		if (want != got)
			fail_msg("elfproef wrong for a test number");
		valid += got;
	}
	/* About one in eleven passes. */
	assert_true(valid > 1500 && valid < 2200);
}

static void
test_account_name(void **state)
{
	char longname[66];

	(void)state;
	assert_true(valid_account_name("alice"));
	assert_true(valid_account_name("a.b_c-d9"));
	assert_false(valid_account_name(""));
	assert_false(valid_account_name(NULL));
	assert_false(valid_account_name("-alice"));
	assert_false(valid_account_name(".alice"));
	assert_false(valid_account_name("al ice"));
	assert_false(valid_account_name("al/ice"));
	assert_false(valid_account_name("al\xc3\xa9"));
	memset(longname, 'a', 64);
	longname[64] = '\0';
	assert_true(valid_account_name(longname));
	longname[64] = 'a';
	longname[65] = '\0';
	assert_false(valid_account_name(longname));
}

static void
test_display_name(void **state)
{
	char big[130];

	(void)state;
	assert_true(valid_display_name("UWV"));
	assert_true(valid_display_name("Gemeente 's-Hertogenbosch"));
	assert_true(valid_display_name("Caf\xc3\xa9 de Zon"));
	assert_false(valid_display_name(""));
	assert_false(valid_display_name("   "));
	assert_false(valid_display_name("a\tb"));
	assert_false(valid_display_name("a\nb"));
	assert_false(valid_display_name("a\x7f"));
	assert_false(valid_display_name(NULL));
	memset(big, 'x', 129);
	big[129] = '\0';
	assert_false(valid_display_name(big));
	big[128] = '\0';
	assert_true(valid_display_name(big));
}

static void
test_text(void **state)
{
	(void)state;
	assert_true(valid_text("regel 1\nregel 2\tmet tab", 100));
	assert_false(valid_text(" \n\t ", 100));
	assert_false(valid_text("", 100));
	assert_false(valid_text("a\rb", 100));
	assert_false(valid_text("a\x1b[2J", 100));
	assert_false(valid_text("abcdef", 5));
	assert_true(valid_text("abcde", 5));
	assert_false(valid_text(NULL, 5));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bsn_valid),
	    cmocka_unit_test(test_bsn_invalid),
	    cmocka_unit_test(test_bsn_elfproef),
	    cmocka_unit_test(test_account_name),
	    cmocka_unit_test(test_display_name),
	    cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
