/*
 * test_jparse.c - the message parser (lib/jparse.c) against jansson's
 * json_loadb(JSON_REJECT_DUPLICATES) on the edges of the grammar: both
 * accept or both refuse, and accepted trees are equal.  fuzz_parse does
 * the same on arbitrary bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ivt/jparse.h"

/* Both parsers on buf; returns 1 when both accepted (equal trees). */
static int
same(const char *buf, size_t len)
{
	json_error_t err;
	json_t *mine, *ref;
	size_t pos = (size_t)-1;
	int ok;

	mine = ivt_json_parse(buf, len, &pos);
	ref = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
	if ((mine == NULL) != (ref == NULL) ||
	    (mine != NULL && !json_equal(mine, ref)))
		fail_msg("differs from jansson on \"%.*s\"", (int)len, buf);
	if (mine == NULL)
		assert_true(pos <= len);
	ok = mine != NULL;
	json_decref(mine);
	json_decref(ref);
	return ok;
}

static int
same_str(const char *s)
{
	return same(s, strlen(s));
}

static void
test_accepts(void **state)
{
	static const char *const good[] = {
	    "{}",
	    "[]",
	    " \t\r\n{ } \n",
	    "{\"a\":1}",
	    "{\"method\":\"org.varlink.service.GetInfo\"}",
	    "[0,-0,1,-1,10,123456789]",
	    "[9223372036854775807]",
	    "[-9223372036854775808]",
	    "[1.5,-0.25,1e3,1E+3,1e-3,0.0,2.5e-400]",
	    "[true,false,null]",
	    "[\"\",\"a\",\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]",
	    "[\"\\u0001\\u001f\\u00e9\\u20AC\\uffff\"]",
	    "[\"\\ud83d\\ude00\"]",
	    "[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"]",
	    "[\"\x7f\"]",
	    "{\"\":1,\"a\":{\"b\":[[],{}]}}",
	    "{\"\\u00e9\":1,\"\xc3\xa9x\":2}",
	    "[true , false ,null ]",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (!same_str(good[i]))
			fail_msg("refused: %s", good[i]);
	}
}

static void
test_refuses(void **state)
{
	static const char *const bad[] = {
	    "",
	    " ",
	    "1",
	    "\"s\"",
	    "true",
	    "null",
	    "{",
	    "[",
	    "}",
	    "]",
	    "{]",
	    "[}",
	    "{\"a\"}",
	    "{\"a\":}",
	    "{\"a\" 1}",
	    "{a:1}",
	    "{\"a\":1,}",
	    "[1,]",
	    "[,1]",
	    "[1 2]",
	    "{\"a\":1}x",
	    "{} {}",
	    "[01]",
	    "[-]",
	    "[1.]",
	    "[.5]",
	    "[1e]",
	    "[1e+]",
	    "[+1]",
	    "[0x1]",
	    "[1.5.2]",
	    "[9223372036854775808]",
	    "[-9223372036854775809]",
	    "[1e309]",
	    "[-1e309]",
	    "[tru]",
	    "[truex]",
	    "[nul]",
	    "[True]",
	    "[NaN]",
	    "[Infinity]",
	    "[\"\\u0000\"]",
	    "[\"\\ud800\"]",
	    "[\"\\udc00\"]",
	    "[\"\\ud800\\u0041\"]",
	    "[\"\\ud800x\"]",
	    "[\"\\u12\"]",
	    "[\"\\x\"]",
	    "[\"\\'\"]",
	    "[\"a\tb\"]",
	    "[\"a\nb\"]",
	    "[\"abc]",
	    "[\"\\\"]",
	    "{\"a\":1,\"a\":2}",
	    "{\"a\":1,\"b\":{},\"a\":[]}",
	    "[\"\xff\"]",
	    "[\"\xc3\"]",
	    "[\"\xc0\xaf\"]",
	    "[\"\xed\xa0\x80\"]",
	    "[\"\xf4\x90\x80\x80\"]",
	    "{\"\xff\":1}",
	    "[\xc3\xa9]",
	    "[1]\xc3\xa9",
	    "{\"\\u0000\":1}",
	    "[\"\\ud83d\\ude00\\ud83d\"]",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (same_str(bad[i]))
			fail_msg("accepted: %s", bad[i]);
	}
}

/* jansson's depth limit: JSON_PARSER_MAX_DEPTH values deep, not one
 * more; and long tokens (a number or an escaped string past the parser's
 * small buffers). */
static void
test_depth_and_length(void **state)
{
	size_t n = JSON_PARSER_MAX_DEPTH, i;
	char *buf = malloc(2 * n + 64);

	(void)state;
	assert_non_null(buf);
	for (i = 0; i < n; i++)
		buf[i] = '[';
	for (i = 0; i < n; i++)
		buf[n + i] = ']';
	assert_true(same(buf, 2 * n)); /* 2048 arrays, the last empty */
	buf[n - 1] = '1';              /* 2047 arrays around a number */
	for (i = 0; i < n - 1; i++)
		buf[n - 1 + 1 + i] = ']';
	assert_true(same(buf, 2 * n - 1));
	memmove(buf + 1, buf, 2 * n); /* 2048 arrays around it: too deep */
	buf[0] = '[';
	buf[2 * n] = ']';
	assert_false(same(buf, 2 * n + 1));
	free(buf);

	buf = malloc(20000);
	assert_non_null(buf);
	buf[0] = '[';
	memset(buf + 1, '1', 300); /* an integer too big */
	buf[301] = ']';
	assert_false(same(buf, 302));
	memcpy(buf + 1, "0.", 2); /* a real with 298 digits */
	assert_true(same(buf, 302));
	buf[1] = '"'; /* a long string with escapes */
	for (i = 2; i < 19990; i += 6)
		memcpy(buf + i, "\\u00e9", 6);
	buf[i] = '"';
	buf[i + 1] = ']';
	assert_true(same(buf, i + 2));
	free(buf);
}

/* No NUL byte is JSON here (it ends a frame), wherever it is. */
static void
test_nul(void **state)
{
	static const char *const with_nul[] = {"[1\0]", "[\"a\0\"]",
	                                       "{\"a\":true\0}", "[]\0"};
	static const size_t lens[] = {4, 6, 12, 3};
	size_t i, pos;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_null(ivt_json_parse(with_nul[i], lens[i], &pos));
}

/* What jansson frees is wiped first (ivt_json_wipe_on_free). */
static size_t freed, dirty;

static void
check_then_free(void *p)
{
	const unsigned char *b = p;
	size_t i, n = malloc_usable_size(p);

	freed++;
	for (i = 0; i < n; i++)
		dirty += b[i] != 0;
	free(p);
}

static void
test_wipe_on_free(void **state)
{
	static const char msg[] = "{\"bsn\":\"111222333\",\"name\":\"Jan\"}";
	json_t *t;

	(void)state;
	ivt_json_wipe_on_free();
	ivt_json_wipe_then(check_then_free);
	t = ivt_json_parse(msg, sizeof(msg) - 1, NULL);
	assert_non_null(t);
	json_decref(t);
	ivt_json_wipe_then(NULL);
	json_set_alloc_funcs(malloc, free);
	assert_true(freed >= 3); /* object, two strings and more */
	assert_int_equal(dirty, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_accepts),
	    cmocka_unit_test(test_refuses),
	    cmocka_unit_test(test_depth_and_length),
	    cmocka_unit_test(test_nul),
	    cmocka_unit_test(test_wipe_on_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
