/*
 * test_wire.c - framing and message parsing (lib/wire.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ivt/wire.h"

static void
push_str(struct ivt_framer *f, const char *s, size_t n)
{
	assert_int_equal(ivt_framer_push(f, s, n), 0);
}

static void
test_one_message(void **state)
{
	struct ivt_framer f;
	const char *msg;
	size_t len;

	(void)state;
	ivt_framer_init(&f, 1024);
	push_str(&f, "{\"a\":1}", 8);
	assert_int_equal(ivt_framer_next(&f, &msg, &len), IVT_FRAME_MSG);
	assert_int_equal(len, 7);
	assert_memory_equal(msg, "{\"a\":1}", 7);
	assert_int_equal(ivt_framer_next(&f, &msg, &len), IVT_FRAME_MORE);
	assert_int_equal(ivt_framer_pending(&f), 0);
	ivt_framer_free(&f);
}

/* Every split point of a message delivers the same message once. */
static void
test_split_reads(void **state)
{
	static const char wire[] = "{\"method\":\"x.Y\"}";
	struct ivt_framer f;
	const char *msg;
	size_t len, cut, i;

	(void)state;
	for (cut = 0; cut <= sizeof(wire); cut++) {
		int got = 0;

		ivt_framer_init(&f, 1024);
		push_str(&f, wire, cut);
		for (i = cut; i < sizeof(wire); i++) {
			if (ivt_framer_next(&f, &msg, &len) == IVT_FRAME_MSG)
				got++;
			push_str(&f, wire + i, 1);
		}
		while (ivt_framer_next(&f, &msg, &len) == IVT_FRAME_MSG) {
			assert_int_equal(len, sizeof(wire) - 1);
			assert_memory_equal(msg, wire, len);
			got++;
		}
		assert_int_equal(got, 1);
		ivt_framer_free(&f);
	}
}

static void
test_pipelined(void **state)
{
	static const char wire[] = "{\"n\":1}\0{\"n\":2}\0{\"n\":3}\0{\"n\"";
	struct ivt_framer f;
	const char *msg;
	size_t len;
	int n = 0;

	(void)state;
	ivt_framer_init(&f, 1024);
	push_str(&f, wire, sizeof(wire) - 1);
	while (ivt_framer_next(&f, &msg, &len) == IVT_FRAME_MSG) {
		char want[32];

		n++;
		snprintf(want, sizeof(want), "{\"n\":%d}", n);
		assert_string_equal(msg, want);
	}
	assert_int_equal(n, 3);
	assert_int_equal(ivt_framer_pending(&f), 4);
	push_str(&f, ":4}", 4);
	assert_int_equal(ivt_framer_next(&f, &msg, &len), IVT_FRAME_MSG);
	assert_string_equal(msg, "{\"n\":4}");
	ivt_framer_free(&f);
}

static void
test_oversize(void **state)
{
	struct ivt_framer f;
	const char *msg;
	size_t len;
	char *big;

	(void)state;
	big = malloc(200);
	assert_non_null(big);
	memset(big, 'x', 200);
	/* Exactly max bytes is fine, max + 1 is not. */
	ivt_framer_init(&f, 100);
	push_str(&f, big, 100);
	assert_int_equal(ivt_framer_next(&f, &msg, &len), IVT_FRAME_MORE);
	push_str(&f, "", 1);
	assert_int_equal(ivt_framer_next(&f, &msg, &len), IVT_FRAME_MSG);
	assert_int_equal(len, 100);
	push_str(&f, big, 101);
	assert_int_equal(ivt_framer_next(&f, &msg, &len), IVT_FRAME_TOOBIG);
	ivt_framer_free(&f);
	/* A terminated message over the limit is refused too. */
	ivt_framer_init(&f, 100);
	big[150] = '\0';
	push_str(&f, big, 151);
	assert_int_equal(ivt_framer_next(&f, &msg, &len), IVT_FRAME_TOOBIG);
	ivt_framer_free(&f);
	free(big);
}

static void
test_parse(void **state)
{
	static const char *const bad[] = {
		"", "{", "[1,2]", "\"str\"", "42", "null", "{\"a\":1,\"a\":2}",
		"{\"a\":1} trailing", "\xff\xfe", "{\"a\":\"\\ud800\"}",
	};
	char err[128];
	json_t *v;
	size_t i;

	(void)state;
	v = ivt_msg_parse("{\"method\":\"a.B\"}", 16, err, sizeof(err));
	assert_non_null(v);
	assert_string_equal(ivt_json_str(v, "method"), "a.B");
	assert_int_equal(ivt_json_int(v, "missing", -7), -7);
	json_decref(v);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = ivt_msg_parse(bad[i], strlen(bad[i]), err, sizeof(err));
		assert_null(v);
		assert_true(strlen(err) > 0);
		/* The error text never echoes the input. */
		if (strlen(bad[i]) > 3)
			assert_null(strstr(err, bad[i]));
	}
}

static void
test_encode(void **state)
{
	json_t *v = json_pack("{s:s,s:i}", "error", "x.Y", "n", 1);
	size_t len;
	char *buf;

	(void)state;
	buf = ivt_msg_encode(v, &len);
	assert_non_null(buf);
	assert_int_equal(buf[len - 1], '\0');
	assert_int_equal(strlen(buf), len - 1);
	json_decref(v);
	v = ivt_msg_parse(buf, len - 1, (char[64]){0}, 64);
	assert_non_null(v);
	assert_string_equal(ivt_json_str(v, "error"), "x.Y");
	json_decref(v);
	free(buf);
}

/* Replies larger than the encoder's first buffer grow it: the bytes
 * must be the same as jansson's own one-shot encoding. */
static void
test_encode_large(void **state)
{
	json_t *v = json_object(), *list = json_array(), *back;
	char *big, *buf, *ref;
	size_t len, i;

	(void)state;
	big = malloc(100000);
	assert_non_null(big);
	memset(big, 'x', 99999);
	big[99999] = '\0';
	json_object_set_new(v, "big", json_string(big));
	for (i = 0; i < 3000; i++)
		json_array_append_new(list, json_integer((json_int_t)i * 7919));
	json_object_set_new(v, "list", list);
	buf = ivt_msg_encode(v, &len);
	assert_non_null(buf);
	ref = json_dumps(v, JSON_COMPACT);
	assert_int_equal(len, strlen(ref) + 1);
	assert_memory_equal(buf, ref, len);
	back = ivt_msg_parse(buf, len - 1, (char[64]){0}, 64);
	assert_true(json_equal(back, v));
	json_decref(back);
	json_decref(v);
	free(ref);
	free(buf);
	free(big);
	/* Not an object or array: nothing to send. */
	v = json_integer(1);
	assert_null(ivt_msg_encode(v, &len));
	json_decref(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_message),
		cmocka_unit_test(test_split_reads),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_encode_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
