/*
 * test_register.c - the register of processing activities: the embedded
 * conf/register.tsv, the strict parser (every malformed line named by
 * number) and the start-up check of the method tables.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "register.h"
#include "varlink.h"

#define HEADER                                                                 \
	"id\tstatus\topvolger\tnaam\tdoel\tgrondslag\tbewaartermijn\t"         \
	"categorieen\tbetrokkenen\tontvangers\n"
#define ROW(id, status, succ)                                                  \
	id "\t" status "\t" succ "\tNaam\tDoel\tart. 6 lid 1 sub e AVG\t"      \
	   "5 jaar\tBSN; NAW\tbewoners\tketenpartners\n"

static struct activity_register reg;

static int
parse(const char *text, char *err, size_t errlen)
{
	err[0] = '\0';
	return register_parse(&reg, text, strlen(text), err, errlen);
}

/* The register in the repository loads and covers the method tables. */
static void
test_embedded(void **state)
{
	struct daemon_ctx ctx;
	const struct activity_register *r;
	const struct activity *a;
	char err[512], id[8];
	int i;

	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	if (varlink_init(&ctx, err, sizeof(err)) != 0)
		fail_msg("varlink_init: %s", err);
	varlink_free(&ctx);
	assert_non_null(r = register_get());
	assert_true(r->n >= 10);
	for (i = 1; i <= 10; i++) {
		snprintf(id, sizeof(id), "ivt-%02d", i);
		assert_non_null(a = register_find(r, id));
		assert_false(a->retired);
		assert_true(strlen(a->purpose) > 20);
		assert_true(strlen(a->legal_basis) > 10);
		assert_true(strlen(a->retention) > 3);
	}
	assert_non_null(strstr(register_find(r, "ivt-04")->categories, "BSN"));
	assert_null(register_find(r, "ivt-99"));
}

static void
test_parse_ok(void **state)
{
	static const char text[] =
	    "# comment\n"
	    "\n" HEADER "# another comment\n" ROW("ivt-01", "actief", "-")
	        ROW("ivt-02", "vervallen", "ivt-03")
	            ROW("ivt-03", "actief", "-");
	const struct activity *a;
	char err[256], item[64];
	const char *p;
	int n = 0;

	(void)state;
	if (parse(text, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(reg.n, 3);
	a = register_find(&reg, "ivt-01");
	assert_non_null(a);
	assert_false(a->retired);
	assert_string_equal(a->successor, "");
	assert_string_equal(a->name, "Naam");
	assert_string_equal(a->retention, "5 jaar");
	assert_int_equal(a->line, 5);
	a = register_find(&reg, "ivt-02");
	assert_true(a->retired);
	assert_string_equal(a->successor, "ivt-03");
	p = a->categories;
	while (register_list_next(&p, item, sizeof(item))) {
		assert_string_equal(item, n == 0 ? "BSN" : "NAW");
		n++;
	}
	assert_int_equal(n, 2);
	/* "-" is an empty list. */
	p = "-";
	assert_int_equal(register_list_next(&p, item, sizeof(item)), 0);
}

/* Each malformed register is refused, naming the line. */
static void
test_parse_errors(void **state)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
	    {"", "empty"},
	    {HEADER ROW("ivt-01", "actief", "-") "ivt-02", "newline"},
	    {"# only comments\n", "no activities"},
	    {HEADER, "no activities"},
	    {ROW("ivt-01", "actief", "-"), "line 1: column header"},
	    {"id\tstatus\n", "line 1: 2 fields"},
	    {HEADER "ivt-01\tactief\t-\n", "line 2: 3 fields"},
	    {HEADER "ivt-01\tactief\t-\tN\tD\tG\tB\tC\tS\tR\tX\n",
	     "line 2: more than 10"},
	    {HEADER "ivt-01\tactief\t-\tN\t\tG\tB\tC\tS\tR\n",
	     "line 2: field doel is empty"},
	    {HEADER "ivt-01\tactief\t-\tN\tD\tG\tB\tC\tS\tR\r\n",
	     "line 2: not UTF-8"},
	    {HEADER "ivt-01\tactief\t-\tN\xff\tD\tG\tB\tC\tS\tR\n",
	     "line 2: not UTF-8"},
	    {HEADER ROW("ivt-01 ", "actief", "-"), "line 2: field id"},
	    {HEADER ROW("IVT-01", "actief", "-"), "line 2: id must be"},
	    {HEADER ROW("ivt-1", "actief", "-"), "line 2: id must be"},
	    {HEADER ROW("ivt-01", "actief", "-") ROW("ivt-01", "actief", "-"),
	     "line 3: id ivt-01 appears twice"},
	    {HEADER ROW("ivt-01", "retired", "-"), "line 2: status"},
	    {HEADER ROW("ivt-01", "actief", "ivt-02")
	         ROW("ivt-02", "actief", "-"),
	     "line 2: an active activity has no opvolger"},
	    {HEADER ROW("ivt-01", "vervallen", "ivt-01"),
	     "line 2: opvolger must be"},
	    {HEADER ROW("ivt-01", "actief",
	                "-") "\n# x\n" ROW("ivt-02", "vervallen", "ivt-09"),
	     "line 5: opvolger ivt-09 is not in the register"},
	    {HEADER "ivt-01\tactief\t-\t-\tD\tG\tB\tC\tS\tR\n",
	     "line 2: naam, doel"},
	    {HEADER "ivt-01\tactief\t-\tN\tD\tG\tB\tBSN;;NAW\tS\tR\n",
	     "line 2: field categorieen has an empty item"},
	    {HEADER "ivt-01\tactief\t-\tN\tD\tG\tB\t-\tS\tR\n",
	     "line 2: field categorieen may not be"},
	};
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i].text, err, sizeof(err)) != -1)
			fail_msg("case %zu accepted", i);
		if (strstr(err, bad[i].want) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err,
			         bad[i].want);
	}
}

static void
test_limits(void **state)
{
	static char text[REGISTER_TEXT_MAX + 2];
	char err[256];
	size_t n;

	(void)state;
	memset(text, '#', sizeof(text) - 1);
	text[sizeof(text) - 2] = '\n';
	assert_int_equal(
	    register_parse(&reg, text, sizeof(text) - 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "larger than"));
	/* A field of 1025 bytes. */
	n = (size_t)snprintf(text, sizeof(text),
	                     "%sivt-01\tactief\t-\t%0*d"
	                     "\tD\tG\tB\tC\tS\tR\n",
	                     HEADER, REGISTER_FIELD_MAX + 1, 0);
	assert_int_equal(register_parse(&reg, text, n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than"));
	/* A NUL byte inside a line. */
	n = (size_t)snprintf(text, sizeof(text), "%s%s", HEADER,
	                     ROW("ivt-01", "actief", "-"));
	text[strlen(HEADER) + 3] = '\0';
	assert_int_equal(register_parse(&reg, text, n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line 2"));
}

static int
noop(struct call *c)
{
	(void)c;
	return 0;
}

static void
test_check_methods(void **state)
{
	static const struct method good[] = {
	    {"nl.ivtd.X.A", noop, ROLE_ANY, 0, "ivt-01"},
	    {"nl.ivtd.X.B", noop, ROLE_ANY, 0, NULL},
	    {NULL, NULL, 0, 0, NULL},
	};
	static const struct method unknown[] = {
	    {"nl.ivtd.X.C", noop, ROLE_ANY, 0, "ivt-07"},
	    {NULL, NULL, 0, 0, NULL},
	};
	static const struct method retired[] = {
	    {"nl.ivtd.X.D", noop, ROLE_ANY, 0, "ivt-02"},
	    {NULL, NULL, 0, 0, NULL},
	};
	const struct method *tables[2] = {good, NULL};
	char err[256];

	(void)state;
	if (parse(HEADER ROW("ivt-01", "actief", "-")
	              ROW("ivt-02", "vervallen", "ivt-03")
	                  ROW("ivt-03", "actief", "-"),
	          err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(
	    register_check_methods(&reg, tables, 1, err, sizeof(err)), 0);
	tables[1] = unknown;
	assert_int_equal(
	    register_check_methods(&reg, tables, 2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nl.ivtd.X.C"));
	assert_non_null(strstr(err, "not in the register"));
	tables[1] = retired;
	assert_int_equal(
	    register_check_methods(&reg, tables, 2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nl.ivtd.X.D"));
	assert_non_null(strstr(err, "use ivt-03"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_embedded),
	    cmocka_unit_test(test_parse_ok),
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_check_methods),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
