/*
 * test_csv.c - the streaming CSV reader: quotes, BOM, CRLF, both
 * separators, bad rows, and input split at every possible byte.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "csv.h"

/* Records rendered as "line:f1|f2|...\n" or "line:!reason\n". */
struct out {
	char text[8192];
	size_t len;
	int stop_after; /* stop after this many records (0: never) */
	int n;
};

static int
collect(void *arg, const struct csv_record *r)
{
	struct out *o = arg;
	int i;

	o->len += (size_t)snprintf(o->text + o->len, sizeof(o->text) - o->len,
	                           "%zu:", r->line);
	if (r->error != NULL)
		o->len +=
		    (size_t)snprintf(o->text + o->len, sizeof(o->text) - o->len,
		                     "!%s", r->error);
	else
		for (i = 0; i < r->nfields; i++)
			o->len += (size_t)snprintf(
			    o->text + o->len, sizeof(o->text) - o->len, "%s%s",
			    i ? "|" : "", r->field[i]);
	o->len +=
	    (size_t)snprintf(o->text + o->len, sizeof(o->text) - o->len, "\n");
	o->n++;
	return o->stop_after != 0 && o->n >= o->stop_after ? 7 : 0;
}

/* Parse in as a whole and in pieces of every size 1..7; all must agree. */
static void
parse(const char *in, char sep, const char *want, int want_rc)
{
	struct out whole, piece;
	struct csv *p;
	size_t len = strlen(in), i, step;
	int rc;

	memset(&whole, 0, sizeof(whole));
	assert_non_null(p = csv_new(sep));
	assert_int_equal(csv_feed(p, in, len, collect, &whole), 0);
	rc = csv_finish(p, collect, &whole);
	csv_free(p);
	assert_int_equal(rc, want_rc);
	assert_string_equal(whole.text, want);
	for (step = 1; step <= 7; step++) {
		memset(&piece, 0, sizeof(piece));
		assert_non_null(p = csv_new(sep));
		for (i = 0; i < len; i += step)
			assert_int_equal(
			    csv_feed(p, in + i, len - i < step ? len - i : step,
			             collect, &piece),
			    0);
		assert_int_equal(csv_finish(p, collect, &piece), want_rc);
		csv_free(p);
		assert_string_equal(piece.text, want);
	}
}

static void
test_separators(void **state)
{
	(void)state;
	parse("a;b;c\n1;2;3\n", 0, "1:a|b|c\n2:1|2|3\n", 0);
	parse("a,b,c\n1,2,3\n", 0, "1:a|b|c\n2:1|2|3\n", 0);
	/* Semicolon header: commas in later rows are data. */
	parse("a;b\n1,5;2\n", 0, "1:a|b\n2:1,5|2\n", 0);
	/* A forced separator wins over detection. */
	parse("a;b,c\n", ',', "1:a;b|c\n", 0);
	/* Empty fields and a trailing separator. */
	parse("a;;c;\n", 0, "1:a||c|\n", 0);
}

static void
test_quotes(void **state)
{
	(void)state;
	parse("a;b\n\"x;y\";\"he said \"\"hi\"\"\"\n", 0,
	      "1:a|b\n2:x;y|he said \"hi\"\n", 0);
	/* A quoted line break keeps the record's first line number. */
	parse("a;b\n\"line\nbreak\";z\nq;r\n", 0,
	      "1:a|b\n2:line\nbreak|z\n4:q|r\n", 0);
	parse("a;b\n\"\";\"\"\n", 0, "1:a|b\n2:|\n", 0);
	/* Stray quotes are reported, and reading goes on. */
	parse("a;b\nx\"y;z\n\"x\"y;z\nok;1\n", 0,
	      "1:a|b\n2:!quote inside an unquoted field\n"
	      "3:!text after a closing quote\n4:ok|1\n",
	      0);
	/* The file ends inside quotes: fatal. */
	parse("a;b\n\"open;x\n", 0, "1:a|b\n", -2);
}

static void
test_bom_crlf_blank(void **state)
{
	(void)state;
	parse("\xef\xbb\xbf"
	      "a;b\r\n1;2\r\n",
	      0, "1:a|b\n2:1|2\n", 0);
	parse("a;b\r\n\r\n\n1;2", 0, "1:a|b\n4:1|2\n", 0);
	parse("\"q\"\r\n", 0, "1:q\n", 0);
	parse("", 0, "", 0);
	parse("\xef\xbb\xbf", 0, "", 0);
}

static void
test_limits(void **state)
{
	char big[CSV_FIELD_MAX + 64], many[CSV_MAX_FIELDS * 2 + 8];
	char want[128];
	size_t i;

	(void)state;
	memset(big, 'x', CSV_FIELD_MAX + 1);
	strcpy(big + CSV_FIELD_MAX + 1, "\nok\n");
	parse(big, ';', "1:!field longer than 1024 bytes\n2:ok\n", 0);
	memset(big, 'x', CSV_FIELD_MAX);
	strcpy(big + CSV_FIELD_MAX, "\n");
	{
		struct out o;
		struct csv *p;

		memset(&o, 0, sizeof(o));
		p = csv_new(';');
		assert_int_equal(csv_feed(p, big, strlen(big), collect, &o), 0);
		csv_free(p);
		assert_int_equal(o.n, 1);
		assert_null(strchr(o.text, '!'));
	}
	for (i = 0; i < CSV_MAX_FIELDS + 1; i++) {
		many[2 * i] = 'f';
		many[2 * i + 1] = ';';
	}
	many[2 * CSV_MAX_FIELDS + 1] = '\n';
	many[2 * CSV_MAX_FIELDS + 2] = '\0';
	snprintf(want, sizeof(want), "1:!more than %d fields\n",
	         CSV_MAX_FIELDS);
	parse(many, ';', want, 0);
	parse("a;\0b\n", ';', "1:a|\n", 0); /* strlen stops at the NUL */
	{
		static const char nul[] = "a;x\0y\nok\n";
		struct out o;
		struct csv *p;

		memset(&o, 0, sizeof(o));
		p = csv_new(';');
		assert_int_equal(csv_feed(p, nul, sizeof(nul) - 1, collect, &o),
		                 0);
		csv_free(p);
		assert_string_equal(o.text, "1:!NUL byte in the data\n2:ok\n");
	}
}

static void
test_callback_stops(void **state)
{
	struct out o;
	struct csv *p;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.stop_after = 2;
	p = csv_new(0);
	assert_int_equal(csv_feed(p, "a\nb\nc\n", 6, collect, &o), 7);
	csv_free(p);
	assert_string_equal(o.text, "1:a\n2:b\n");
	memset(&o, 0, sizeof(o));
	/* An empty first piece (an empty chunk) is nothing. */
	assert_non_null(p = csv_new(0));
	assert_int_equal(csv_feed(p, "", 0, collect, &o), 0);
	assert_int_equal(csv_feed(p, "a;b\n", 4, collect, &o), 0);
	csv_free(p);
	assert_string_equal(o.text, "1:a|b\n");
	memset(&o, 0, sizeof(o));
	assert_int_equal(csv_sep(p = csv_new(0)), 0);
	assert_int_equal(csv_feed(p, "x,y", 3, collect, &o), 0);
	assert_int_equal(csv_sep(p), 0); /* header not complete */
	assert_int_equal(csv_finish(p, collect, &o), 0);
	assert_int_equal(csv_sep(p), ',');
	csv_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_separators),
	    cmocka_unit_test(test_quotes),
	    cmocka_unit_test(test_bom_crlf_blank),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_callback_stops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
