/*
 * fuzz_encode.c - libFuzzer target: the message encoder (lib/wire.c),
 * differentially against jansson's json_dumps(JSON_COMPACT).
 *
 * Input: a little program that builds a JSON tree.  Each op byte:
 *   0 null, 1 true, 2 false, 3 integer (8 bytes), 4 real (8 bytes),
 *   5 string (length byte, then raw bytes: any byte, also not UTF-8),
 *   6 open an array, 7 open an object, 8 close the innermost.
 * Values go into the innermost open container, under a key read like a
 * string when it is an object.  Then both encode the tree:
 *   - where jansson refuses, so must the encoder;
 *   - where both write, the bytes must be the same;
 *   - the encoder may refuse alone only for what it documents: a key
 *     that is not UTF-8 (jansson writes broken JSON for it) or nesting
 *     deeper than its limit.
 * When the first value is an object, the reply encoder must then write
 * around it what encoding the whole envelope does (reply_same).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ivt/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_OPEN 4096

struct reader {
	const uint8_t *p;
	size_t n;
};

static int
take(struct reader *r, void *out, size_t len)
{
	if (r->n < len)
		return -1;
	memcpy(out, r->p, len);
	r->p += len;
	r->n -= len;
	return 0;
}

/* A string from the input: length byte, then that many raw bytes. */
static int
take_str(struct reader *r, char *buf, size_t *len)
{
	uint8_t n;

	if (take(r, &n, 1) == -1 || take(r, buf, n) == -1)
		return -1;
	*len = n;
	return 0;
}

/* Is s valid UTF-8, as jansson judges it (json_stringn validates)? */
static int
utf8_ok(const char *s, size_t n)
{
	json_t *v = json_stringn(s, n);

	json_decref(v);
	return v != NULL;
}

/*
 * ivt_reply_encode must write what encoding the envelope object does,
 * from the parameters as a tree and spliced in already encoded; both or
 * neither refuse (a key that is not UTF-8 inside the parameters).
 */
static void
reply_same(json_t *params, const char *error, int continues)
{
	static const char tp[] =
	    "00-0123456789abcdef0123456789abcdef-0123456789abcdef-01";
	json_t *env = json_object();
	char *ref, *tree, *raw, *spliced;
	size_t rlen = 0, tlen = 0, rawlen = 0, slen = 0;

	if (error != NULL)
		json_object_set_new(env, "error", json_string(error));
	json_object_set(env, "parameters", params);
	json_object_set_new(env, "traceparent", json_string(tp));
	if (continues)
		json_object_set_new(env, "continues", json_true());
	ref = ivt_msg_encode(env, &rlen);
	tree = ivt_reply_encode(error, params, NULL, 0, tp, continues, &tlen);
	if ((ref == NULL) != (tree == NULL))
		abort();
	if (ref != NULL && (rlen != tlen || memcmp(ref, tree, rlen) != 0))
		abort();
	/* (Alone the parameters may nest one level deeper than inside.) */
	raw = ivt_msg_encode(params, &rawlen);
	if (raw != NULL && ref != NULL) {
		spliced = ivt_reply_encode(error, NULL, raw, rawlen - 1, tp,
		                           continues, &slen);
		if (spliced == NULL || slen != rlen ||
		    memcmp(ref, spliced, rlen) != 0)
			abort();
		ivt_msg_free(spliced, slen);
	}
	ivt_msg_free(raw, rawlen);
	ivt_msg_free(tree, tlen);
	ivt_msg_free(ref, rlen);
	json_decref(env);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_t *stack[MAX_OPEN];
	struct reader r = {data, size};
	json_t *root = json_array(), *v;
	char key[256], str[256], *mine, *ref;
	size_t depth = 0, maxdepth = 0, klen = 0, slen, slen_last = 0, len;
	int bad_key = 0;
	uint8_t op;
	int64_t i64;
	double d;

	stack[0] = root;
	while (take(&r, &op, 1) == 0) {
		v = NULL;
		switch (op % 9) {
		case 0: v = json_null(); break;
		case 1: v = json_true(); break;
		case 2: v = json_false(); break;
		case 3:
			if (take(&r, &i64, sizeof(i64)) == 0)
				v = json_integer(i64);
			break;
		case 4:
			/* jansson holds no NaN or infinity. */
			if (take(&r, &d, sizeof(d)) == 0 && isfinite(d))
				v = json_real(d);
			break;
		case 5:
			if (take_str(&r, str, &slen) == 0) {
				v = json_stringn_nocheck(str, slen);
				slen_last = slen;
			}
			break;
		case 6: v = json_array(); break;
		case 7: v = json_object(); break;
		case 8:
			if (depth > 0)
				depth--;
			continue;
		}
		if (v == NULL)
			break;
		if (json_is_object(stack[depth])) {
			if (take_str(&r, key, &klen) == -1) {
				json_decref(v);
				break;
			}
			if (!utf8_ok(key, klen))
				bad_key = 1;
			json_object_setn_new_nocheck(stack[depth], key, klen, v);
		} else
			json_array_append_new(stack[depth], v);
		if ((json_is_array(v) || json_is_object(v)) &&
		    depth + 1 < MAX_OPEN) {
			stack[++depth] = v;
			if (depth > maxdepth)
				maxdepth = depth;
		}
	}
	mine = ivt_msg_encode(root, &len);
	ref = json_dumps(root, JSON_COMPACT);
	if (ref == NULL) {
		if (mine != NULL)
			abort(); /* wrote what jansson refused */
	} else if (mine == NULL) {
		if (!bad_key && maxdepth < 2048)
			abort(); /* refused what it should write */
	} else if (!bad_key &&
	           (len != strlen(ref) + 1 || memcmp(mine, ref, len) != 0))
		abort(); /* different bytes */
	if (mine != NULL && (len == 0 || mine[len - 1] != '\0'))
		abort();
	ivt_msg_free(mine, len);
	free(ref);
	/* A reply around the first value, when it is an object. */
	v = json_array_get(root, 0);
	str[slen_last] = '\0'; /* the last string, as an error name */
	if (json_is_object(v))
		reply_same(v, slen_last > 0 && utf8_ok(str, slen_last) ? str : NULL,
		           size & 1);
	json_decref(root);
	return 0;
}
