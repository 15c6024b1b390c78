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

/* Random JSON trees: strings from a nasty alphabet, every type. */
static unsigned long rng_state = 88172645463325252UL;

static unsigned
rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

static void
rnd_string(char *buf, size_t cap, size_t *len, int nul)
{
	static const char *const bits[] = {
		"a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\r", "\b", "\f",
		"\x01", "\x1f", "\x7f", "\xc3\xa9", "\xe2\x82\xac",
		"\xf0\x9f\x98\x80", "\xe2\x80\xa8", "1234", "\0"};
	/* Now and then long enough to cross the encoder's buffer growth. */
	size_t n = rnd(10) == 0 ? 200 + rnd(400) : rnd(12), i, k;
	unsigned nbits = (unsigned)(sizeof(bits) / sizeof(bits[0])) - (nul ? 0 : 1);

	*len = 0;
	for (i = 0; i < n; i++) {
		size_t which = rnd(nbits);

		k = which == sizeof(bits) / sizeof(bits[0]) - 1 ? 1
		                                                : strlen(bits[which]);
		if (*len + k >= cap)
			break;
		memcpy(buf + *len, bits[which], k);
		*len += k;
	}
	buf[*len] = '\0';
}

static json_t *
rnd_value(int depth)
{
	static const json_int_t ints[] = {0, -1, 1, 42, INT64_MAX, INT64_MIN};
	static const double reals[] = {0.0, 1.5, -2.25, 1e300, 3.0, 0.1};
	char s[2048], k[2048];
	size_t len, klen, i, n;
	json_t *v;

	switch (rnd(depth > 4 ? 6 : 8)) {
	case 0: return json_null();
	case 1: return json_boolean(rnd(2));
	case 2: return json_integer(ints[rnd(6)]);
	case 3: return json_real(reals[rnd(6)]);
	case 4:
	case 5:
		rnd_string(s, sizeof(s), &len, 1);
		return json_stringn(s, len);
	case 6:
		v = json_array();
		for (i = 0, n = rnd(5); i < n; i++)
			json_array_append_new(v, rnd_value(depth + 1));
		return v;
	default:
		v = json_object();
		for (i = 0, n = rnd(5); i < n; i++) {
			/* jansson's parser takes no NUL in a key. */
			rnd_string(k, sizeof(k), &klen, 0);
			json_object_setn_new(v, k, klen, rnd_value(depth + 1));
		}
		return v;
	}
}

/* v's encoding, asserted to be jansson's compact dump (and a NUL). */
static char *
encode_as_jansson(json_t *v, size_t *len)
{
	char *buf = ivt_msg_encode(v, len), *ref = json_dumps(v, JSON_COMPACT);

	assert_non_null(buf);
	assert_non_null(ref);
	assert_int_equal(*len, strlen(ref) + 1);
	assert_memory_equal(buf, ref, *len);
	free(ref);
	return buf;
}

/* The encoder writes exactly what jansson's compact dump writes. */
static void
test_encode_same_as_jansson(void **state)
{
	size_t len, i;
	char *buf;
	json_t *v, *back;

	(void)state;
	for (i = 0; i < 20000; i++) {
		v = json_object();
		json_object_set_new(v, "x", rnd_value(0));
		buf = encode_as_jansson(v, &len);
		/* NUL inside strings: valid JSON the daemon's parser refuses. */
		back = json_loadb(buf, len - 1, JSON_ALLOW_NUL, NULL);
		assert_non_null(back);
		assert_true(json_equal(back, v));
		json_decref(back);
		json_decref(v);
		free(buf);
	}
}

/* Every byte that needs care, at every offset of a plain string: the
 * encoder tests plain text eight bytes at a time (plain_words), so each
 * position within and across those words must still be caught. */
static void
test_encode_specials_everywhere(void **state)
{
	static const char *const special[] = {
	    "\"", "\\", "\x01", "\x1f", "\n", "\x7f", " ", "~", "/",
	    "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\x00",
	};
	char str[64];
	size_t len, n, at, k, sl;
	json_t *v;

	(void)state;
	for (k = 0; k < sizeof(special) / sizeof(special[0]); k++) {
		sl = special[k][0] == '\0' ? 1 : strlen(special[k]);
		for (n = 1; n <= 40; n++) {
			for (at = 0; at + sl <= n; at++) {
				memset(str, 'a' + (int)(at % 26), n);
				memcpy(str + at, special[k], sl);
				v = json_pack("{s:s%}", "s", str, n);
				assert_non_null(v);
				free(encode_as_jansson(v, &len));
				json_decref(v);
			}
		}
	}
}

/* Raw bytes as string values (json_stringn_nocheck): where jansson
 * refuses, so does the encoder; otherwise the same bytes. */
static void
test_encode_raw_bytes(void **state)
{
	unsigned char raw[40];
	size_t len, i, k, n;
	char *buf, *ref;
	json_t *v;

	(void)state;
	for (i = 0; i < 50000; i++) {
		n = rnd(sizeof(raw));
		for (k = 0; k < n; k++)
			/* Mostly high bytes, where UTF-8 goes wrong. */
			raw[k] = (unsigned char)(rnd(4) ? 0x80 + rnd(0x80)
			                                : rnd(0x80));
		v = json_object();
		json_object_set_new(v, "s",
		                    json_stringn_nocheck((const char *)raw, n));
		buf = ivt_msg_encode(v, &len);
		ref = json_dumps(v, JSON_COMPACT);
		if (ref == NULL)
			assert_null(buf);
		else {
			assert_non_null(buf);
			assert_int_equal(len, strlen(ref) + 1);
			assert_memory_equal(buf, ref, len);
		}
		free(buf);
		free(ref);
		json_decref(v);
	}
}

/* Invalid UTF-8 (only reachable through *_nocheck) and cycles fail. */
static void
test_encode_refuses(void **state)
{
	static const char *const bad[] = {"\xff", "\xc3", "\xc0\x80",
	                                  "\xed\xa0\x80", "\xf4\x90\x80\x80",
	                                  "a\xe2\x82"};
	json_t *v, *a, *b;
	size_t len, i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = json_object();
		json_object_set_new(v, "s", json_string_nocheck(bad[i]));
		assert_null(json_dumps(v, JSON_COMPACT));
		assert_null(ivt_msg_encode(v, &len));
		json_decref(v);
	}
	/* A key that is not UTF-8: jansson writes broken JSON, we refuse. */
	v = json_object();
	json_object_setn_nocheck(v, "\xff\xfe", 2, json_null());
	assert_null(ivt_msg_encode(v, &len));
	json_decref(v);
	/* Nesting: as deep as the parser reads, no deeper. */
	for (i = 0; i < 2; i++) {
		size_t depth = i == 0 ? 2040 : 2060, k;
		json_t *top = json_array(), *cur = top, *next;
		char *buf, *ref;

		for (k = 0; k < depth; k++) {
			next = json_array();
			json_array_append_new(cur, next);
			cur = next;
		}
		buf = ivt_msg_encode(top, &len);
		if (i == 0) {
			ref = json_dumps(top, JSON_COMPACT);
			assert_non_null(buf);
			assert_string_equal(buf, ref);
			free(ref);
		} else
			assert_null(buf);
		free(buf);
		json_decref(top);
	}
	a = json_object();
	b = json_object();
	json_object_set(a, "b", b);
	json_object_set(b, "a", a);
	assert_null(ivt_msg_encode(a, &len));
	json_object_del(b, "a");
	json_decref(b);
	json_decref(a);
	/* An array is a message body too (export lines). */
	v = json_pack("[i,s]", 1, "x");
	{
		char *buf = ivt_msg_encode(v, &len);

		assert_non_null(buf);
		assert_string_equal(buf, "[1,\"x\"]");
		free(buf);
	}
	json_decref(v);
}

/* Reads straight into the buffer: the same messages as push. */
static void
test_space_commit(void **state)
{
	static const char in[] = "{\"a\":1}\0{\"b\":2}\0{\"c\"";
	struct ivt_framer f;
	const char *msg;
	size_t avail, len, i;
	char *p;

	(void)state;
	ivt_framer_init(&f, 1024);
	for (i = 0; i < sizeof(in) - 1; i++) {
		/* One byte a read, as a slow peer sends. */
		p = ivt_framer_space(&f, 1, &avail);
		assert_non_null(p);
		assert_true(avail >= 1);
		*p = in[i];
		ivt_framer_commit(&f, 1);
		if (i == 7 || i == 15) {
			assert_int_equal(ivt_framer_next(&f, &msg, &len),
			                 IVT_FRAME_MSG);
			assert_int_equal(len, 7);
			assert_memory_equal(msg, in + i - 7, 7);
		}
	}
	assert_int_equal(ivt_framer_next(&f, &msg, &len), IVT_FRAME_MORE);
	assert_int_equal(ivt_framer_pending(&f), 4);
	/* Room asked for is room given, past what is held, grown if need be. */
	p = ivt_framer_space(&f, 70000, &avail);
	assert_non_null(p);
	assert_true(avail >= 70000);
	memset(p, 'x', 70000);
	ivt_framer_commit(&f, 70000);
	assert_int_equal(ivt_framer_pending(&f), 70004);
	assert_int_equal(ivt_framer_next(&f, &msg, &len), IVT_FRAME_TOOBIG);
	ivt_framer_free(&f);
}

/* Compaction wipes what was handed out and keeps what is pending. */
static void
test_compact_wipes(void **state)
{
	static const char in[] = "{\"bsn\":\"111222333\"}\0{\"a\"";
	struct ivt_framer f;
	const char *msg;
	size_t len;

	(void)state;
	ivt_framer_init(&f, 1024);
	push_str(&f, in, sizeof(in) - 1);
	assert_int_equal(ivt_framer_next(&f, &msg, &len), IVT_FRAME_MSG);
	assert_int_equal(ivt_framer_next(&f, &msg, &len), IVT_FRAME_MORE);
	ivt_framer_compact(&f);
	assert_int_equal(ivt_framer_pending(&f), 4);
	assert_memory_equal(f.buf, "{\"a\"", 4);
	/* Nothing of the first message is left in the buffer. */
	assert_null(memmem(f.buf, f.cap, "111222333", 9));
	ivt_framer_free(&f);
}

/* The reply encoder writes exactly what encoding the envelope does. */
static void
test_reply_encode(void **state)
{
	static const char *const tp =
	    "00-0123456789abcdef0123456789abcdef-0123456789abcdef-01";
	json_t *params = json_pack("{s:s,s:[i,s],s:{}}", "naam",
	                           "J\u00f6 \"x\"", "l", 1, "\n", "o");
	const char *errs[] = {NULL, "nl.ivtd.NotFound"};
	char *raw, *a, *b;
	size_t rawlen, alen, blen, i, k, cont;
	json_t *env;

	(void)state;
	assert_non_null(params);
	raw = ivt_msg_encode(params, &rawlen);
	assert_non_null(raw);
	for (i = 0; i < 2; i++) {
		for (k = 0; k < 3; k++) { /* params, none, raw */
			for (cont = 0; cont < 2; cont++) {
				env = json_object();
				if (errs[i] != NULL)
					json_object_set_new(
					    env, "error", json_string(errs[i]));
				json_object_set_new(env, "parameters",
				                    k == 1
				                        ? json_object()
				                        : json_incref(params));
				json_object_set_new(env, "traceparent",
				                    json_string(tp));
				if (cont)
					json_object_set_new(env, "continues",
					                    json_true());
				a = ivt_msg_encode(env, &alen);
				b = ivt_reply_encode(errs[i],
				                     k == 0 ? params : NULL,
				                     k == 2 ? raw : NULL,
				                     k == 2 ? rawlen - 1 : 0,
				                     tp, (int)cont, &blen);
				assert_non_null(a);
				assert_non_null(b);
				assert_int_equal(alen, blen);
				assert_string_equal(a, b);
				ivt_msg_free(a, alen);
				ivt_msg_free(b, blen);
				json_decref(env);
			}
		}
	}
	/* Parameters must be an object. */
	json_decref(params);
	params = json_pack("[i]", 1);
	assert_null(ivt_reply_encode(NULL, params, NULL, 0, tp, 0, &blen));
	json_decref(params);
	ivt_msg_free(raw, rawlen);
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
	    cmocka_unit_test(test_encode_same_as_jansson),
	    cmocka_unit_test(test_encode_specials_everywhere),
	    cmocka_unit_test(test_encode_refuses),
	    cmocka_unit_test(test_encode_raw_bytes),
	    cmocka_unit_test(test_space_commit),
	    cmocka_unit_test(test_compact_wipes),
	    cmocka_unit_test(test_reply_encode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
