/*
 * fuzz_idl.c - libFuzzer target: the varlink IDL parser (daemon/idl.c)
 * and the parameter checker on what it parsed.
 *
 * Input: an interface description, optionally followed by a NUL byte and
 * a JSON value that is checked as the parameters of every method of the
 * interface (types that refer to themselves, deep nesting, limits).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "idl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *nul;
	struct idl_interface *iface;
	size_t i, tlen = size;
	char err[256], bad[256];
	json_t *params = NULL;

	if ((nul = memchr(text, '\0', size)) != NULL) {
		tlen = (size_t)(nul - text);
		params =
		    json_loadb(nul + 1, size - tlen - 1,
		               JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
	}
	/* The parser gets exactly the bytes: no terminator to lean on. */
	if ((iface = idl_parse(text, tlen, err, sizeof(err))) != NULL) {
		for (i = 0; params != NULL && i < iface->nmethods; i++)
			(void)idl_check_params(iface, &iface->methods[i],
			                       params, bad, sizeof(bad));
		idl_free(iface);
	}
	json_decref(params);
	return 0;
}
