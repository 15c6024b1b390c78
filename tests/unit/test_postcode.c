/*
 * test_postcode.c - Dutch postcodes and area ranges.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "postcode.h"

static void
test_normalise(void **state)
{
	static const struct {
		const char *in, *out;
	} good[] = {
		{"1234AB", "1234AB"}, {"1234ab", "1234AB"}, {"1234 AB", "1234AB"},
		{"9999ZZ", "9999ZZ"}, {"1000AA", "1000AA"},
	};
	static const char *const bad[] = {
		"", "1234A", "1234ABC", "0123AB", "12345A", "ABCD12", "1234 A B",
		"1234-AB", "1234SA", "1234SD", "1234ss", " 1234AB", "1234AB ",
		"1234  AB", "12 34AB", "1234\tAB", "１２３４AB",
	};
	char out[8];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(postcode_normalise(good[i].in, out), 0);
		assert_string_equal(out, good[i].out);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (postcode_normalise(bad[i], out) != -1)
			fail_msg("accepted '%s'", bad[i]);
	}
	assert_int_equal(postcode_normalise(NULL, out), -1);
}

static void
test_range(void **state)
{
	char from[8], to[8];

	(void)state;
	assert_int_equal(postcode_range("3511AA-3511ZZ", from, to), 0);
	assert_string_equal(from, "3511AA");
	assert_string_equal(to, "3511ZZ");
	assert_int_equal(postcode_range("3512ab", from, to), 0);
	assert_string_equal(from, "3512AB");
	assert_string_equal(to, "3512AB");
	assert_int_equal(postcode_range("3511 aa-3600zz", from, to), 0);
	assert_string_equal(to, "3600ZZ");
	/* Reversed, half-open or malformed ranges are refused. */
	assert_int_equal(postcode_range("3511ZZ-3511AA", from, to), -1);
	assert_int_equal(postcode_range("3511AA-", from, to), -1);
	assert_int_equal(postcode_range("-3511AA", from, to), -1);
	assert_int_equal(postcode_range("3511AA-3511AB-3511AC", from, to), -1);
	assert_int_equal(postcode_range("3511AA--3511AB", from, to), -1);
	/* Normalised postcodes order as text: the range test is strcmp. */
	assert_true(strcmp("3511AZ", "3511BA") < 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalise),
		cmocka_unit_test(test_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
