/*
 * test_report.c - the final report's aggregation rules: suppression of
 * small counts, rates, effect of an indicator; and the breakdowns of a
 * report frozen before small cells were merged.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "report.h"
#include "store.h"
#include "tfix.h"

#define PL 2001 /* pl_a, who leads p[0] (tfix_people_projects) */

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

/* Finding.Report of a project whose counts frozen is the stored JSON. */
static json_t *
report_of_frozen(struct tfix *t, const char *frozen)
{
	static const char sql[] =
	    "INSERT INTO report_frozen (project_id, counts) VALUES (?, ?)";
	int64_t p[2];
	sqlite3_stmt *st;
	json_t *r;

	tfix_people_projects(t, p);
	assert_non_null(st = store_prepare(t->ctx.store, sql));
	sqlite3_bind_int64(st, 1, p[0]);
	sqlite3_bind_text(st, 2, frozen, -1, SQLITE_STATIC);
	assert_int_equal(store_step_done(st), 0);
	r = tfix_must(t, PL, "nl.ivtd.Finding.Report",
	              json_pack("{s:I}", "project", (json_int_t)p[0]));
	return r;
}

/*
 * A report frozen by an earlier version named its small cells (null):
 * read now, they are merged, and since 1 alone would be the total minus
 * the rest, the smallest named cell goes with it.  With the total itself
 * suppressed the merged sum is unknown: null.
 */
static void
test_frozen_merged(void **state)
{
	static const char frozen[] =
	    "{\"subjects\":{\"by_status\":{\"gecontroleerd\":null,"
	    "\"afgehandeld\":7,\"vervallen\":9},\"total\":17},"
	    "\"findings\":{\"by_category\":{\"zorgsignaal\":null},"
	    "\"by_partner\":{\"UWV\":null},\"total\":null}}";
	struct tfix *t = *state;
	json_t *r, *rep, *st, *cat;

	r = report_of_frozen(t, frozen);
	rep = json_object_get(r, "report");
	st = json_object_get(json_object_get(rep, "subjects"), "by_status");
	assert_int_equal(json_object_size(st), 2);
	assert_int_equal(json_integer_value(json_object_get(st, "vervallen")),
	                 9);
	/* 17 - 7 - 9 = 1, with afgehandeld's 7 */
	assert_int_equal(
	    json_integer_value(json_object_get(st, "kleine_aantallen")), 8);
	cat = json_object_get(json_object_get(rep, "findings"), "by_category");
	assert_int_equal(json_object_size(cat), 1);
	assert_true(json_is_null(json_object_get(cat, "kleine_aantallen")));
	/* partners are not data subjects: as they were */
	assert_true(json_is_null(json_object_get(
	    json_object_get(json_object_get(rep, "findings"), "by_partner"),
	    "UWV")));
	json_decref(r);
}

static int
setup(void **state)
{
	struct tfix *t = calloc(1, sizeof(*t));

	if (t == NULL || tfix_init(t, "report") == -1 ||
	    tfix_open(t, TFIX_DAEMON) == -1)
		return -1;
	*state = t;
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_count),
	    cmocka_unit_test(test_rate),
	    cmocka_unit_test(test_effect),
	    cmocka_unit_test_setup_teardown(test_frozen_merged, setup,
	                                    tfix_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
