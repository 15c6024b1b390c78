/*
 * fuzz_parse.c - libFuzzer target: the message parser (lib/jparse.c),
 * differentially against jansson's json_loadb(JSON_REJECT_DUPLICATES).
 *
 * Any bytes without a NUL: both must accept or both refuse, and what both
 * accept must be equal trees (json_equal: the same types, values, keys and
 * order-free objects).  jansson without JSON_DECODE_ANY takes only an object or
 * an array at the top, as ivt_json_parse does.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ivt/jparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t err;
	json_t *mine, *ref;
	size_t pos;

	mine = ivt_json_parse((const char *)data, size, &pos);
	/*
	 * A message never holds a NUL (it ends the frame).  ivt_json_parse
	 * refuses one anywhere; jansson skips one that follows a number or
	 * a word (its lexer takes a NUL in its look-ahead for "empty"), so
	 * there is nothing to compare.
	 */
	if (memchr(data, 0, size) != NULL) {
		if (mine != NULL)
			abort();
		return 0;
	}
	ref =
	    json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
	if ((mine == NULL) != (ref == NULL))
		abort(); /* one accepts what the other refuses */
	if (mine != NULL && !json_equal(mine, ref))
		abort(); /* different trees */
	if (mine == NULL && pos > size)
		abort();
	json_decref(mine);
	json_decref(ref);
	return 0;
}
