/*
 * test_report.c - the final report's aggregation rules: suppression of
 * small counts, rates, effect of an indicator.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "report.h"

static void
test_count(void **state)
{
	json_t *v;
	int64_t n;

	(void)state;
	for (n = 0; n < 12; n++) {
		v = report_count(n);
		if (n >= 1 && n <= 4)
			assert_true(json_is_null(v));
		else
			assert_int_equal(json_integer_value(v), n);
		json_decref(v);
	}
}

static void
test_rate(void **state)
{
	json_t *v;

	(void)state;
	v = report_rate(8, 11);
	assert_true(json_is_real(v));
	assert_true(json_real_value(v) > 0.7269 && json_real_value(v) < 0.7271);
	json_decref(v);
	v = report_rate(0, 10);
	assert_true(json_real_value(v) == 0.0);
	json_decref(v);
	/* A small whole, or a small part, would single people out. */
	v = report_rate(2, 4);
	assert_true(json_is_null(v));
	json_decref(v);
	v = report_rate(1, 40);
	assert_true(json_is_null(v));
	json_decref(v);
	v = report_rate(0, 0);
	assert_true(json_is_null(v));
	json_decref(v);
}

static void
test_effect(void **state)
{
	double z = 40, o = 25, zero = 0;
	json_t *e;

	(void)state;
	e = report_effect(&z, &o);
	assert_true(json_real_value(json_object_get(e, "change")) == -15.0);
	assert_true(json_real_value(json_object_get(e, "change_pct")) ==
	            -37.5);
	json_decref(e);
	/* Only a 0-meting: no change yet. */
	e = report_effect(&z, NULL);
	assert_non_null(json_object_get(e, "zero"));
	assert_null(json_object_get(e, "one"));
	assert_null(json_object_get(e, "change"));
	json_decref(e);
	/* From zero: a change, but no percentage. */
	e = report_effect(&zero, &o);
	assert_true(json_real_value(json_object_get(e, "change")) == 25.0);
	assert_null(json_object_get(e, "change_pct"));
	json_decref(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_effect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
