/*
 * test_names.c - account names, display names and free text, and the
 * BSN elfproef (daemon/validate.c, daemon/bsn.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "bsn.h"
#include "validate.h"

static void
test_account_name(void **state)
{
	static const char *const good[] = {"alice", "a", "j.de-vries_2",
	                                   "ALICE"};
	static const char *const bad[] = {"", "-x", ".x", "a b", "a/b",
	                                  "é", "a\n"};
	char long65[66];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(valid_account_name(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (valid_account_name(bad[i]))
			fail_msg("accepted '%s'", bad[i]);
	memset(long65, 'a', 65);
	long65[65] = '\0';
	assert_false(valid_account_name(long65));
	long65[64] = '\0';
	assert_true(valid_account_name(long65));
	assert_false(valid_account_name(NULL));
}

static void
test_display_and_text(void **state)
{
	(void)state;
	assert_true(valid_display_name("Gemeente 's-Hertogenbosch"));
	assert_true(valid_display_name("Politie Eenheid Midden-Nederland"));
	assert_true(valid_display_name("Zoë"));
	assert_false(valid_display_name(""));
	assert_false(valid_display_name("   "));
	assert_false(valid_display_name("a\tb"));
	assert_false(valid_display_name("a\x1b[31m"));
	assert_false(valid_display_name("a\x7f"));
	assert_true(valid_text("regel 1\nregel 2\tmet tab", 100));
	assert_false(valid_text(" \n\t ", 100));
	assert_false(valid_text("abc", 2));
	assert_false(valid_text("a\rb", 100));
	assert_false(valid_text(NULL, 100));
}

static void
test_bsn(void **state)
{
	static const char *const good[] = {"111222333", "123456782",
	                                   "1234.56.782", "1234 56 782",
	                                   "999999990"};
	static const char *const bad[] = {
		"123456789", "000000000", "12345678x", "1234567821", "1234567",
		"", ".123456782", "123456782.", "123456782 ", "１２３４５６７８２",
	};
	char out[10];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (bsn_normalise(good[i], out) != 0)
			fail_msg("refused '%s'", good[i]);
		assert_int_equal(strlen(out), 9);
	}
	assert_int_equal(bsn_normalise("1234.56.782", out), 0);
	assert_string_equal(out, "123456782");
	/* Eight digits: the leading zero was dropped by a spreadsheet. */
	assert_int_equal(bsn_normalise("11111112", out), 0);
	assert_string_equal(out, "011111112");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (bsn_normalise(bad[i], out) != -1)
			fail_msg("accepted '%s'", bad[i]);
	assert_int_equal(bsn_normalise(NULL, out), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_account_name),
		cmocka_unit_test(test_display_and_text),
		cmocka_unit_test(test_bsn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
