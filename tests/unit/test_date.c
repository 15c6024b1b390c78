/*
 * test_date.c - strict calendar dates and month arithmetic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "date.h"

static void
test_parse(void **state)
{
	static const char *const bad[] = {
		"", "2026-1-01", "2026-13-01", "2026-00-10", "2026-02-29",
		"2100-02-29", "2026-04-31", "2026/01/01", "20260101",
		"2026-01-01T00", "1899-12-31", "3000-01-01", "2026-01-0a",
		" 2026-01-01",
	};
	char buf[16];
	size_t i;

	(void)state;
	assert_int_equal(date_parse("1970-01-01"), 0);
	assert_int_equal(date_parse("1970-01-02"), 1);
	assert_int_equal(date_parse("1969-12-31"), -1);
	assert_true(date_parse("2024-02-29") != INT32_MIN);
	assert_true(date_parse("2000-02-29") != INT32_MIN);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (date_parse(bad[i]) != INT32_MIN)
			fail_msg("accepted '%s'", bad[i]);
	}
	assert_int_equal(date_parse(NULL), INT32_MIN);
	/* Round trip over a few decades, every day. */
	for (i = 0; i < 40000; i++) {
		date_format((int32_t)i - 20000, buf, sizeof(buf));
		assert_int_equal(date_parse(buf), (int32_t)i - 20000);
	}
}

static void
test_add_months(void **state)
{
	char buf[16];

	(void)state;
	date_format(date_add_months(date_parse("2026-01-10"), 3), buf,
	            sizeof(buf));
	assert_string_equal(buf, "2026-04-10");
	date_format(date_add_months(date_parse("2026-11-30"), 3), buf,
	            sizeof(buf));
	assert_string_equal(buf, "2027-02-28");
	date_format(date_add_months(date_parse("2027-11-30"), 3), buf,
	            sizeof(buf));
	assert_string_equal(buf, "2028-02-29");
	date_format(date_add_months(date_parse("2026-10-31"), 3), buf,
	            sizeof(buf));
	assert_string_equal(buf, "2027-01-31");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_add_months),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
