/*
 * jparse.h - the JSON parser for varlink messages (lib/jparse.c): the
 * tree json_loadb(JSON_REJECT_DUPLICATES) would give for an object or
 * array at the top, at a fraction of its cost.
 */
#ifndef IVT_JPARSE_H
#define IVT_JPARSE_H

#include <stddef.h>
#include <jansson.h>

/* Parse buf[0..len) (no terminator needed).  NULL when it is not JSON
 * that jansson accepts, with *errpos (when not NULL) near the offending
 * byte; never a message that could quote the input. */
json_t *ivt_json_parse(const char *buf, size_t len, size_t *errpos);

/*
 * Make jansson wipe every block it frees: trees hold personal data (a
 * request's BSNs, an import's CSV chunk, a reply's decrypted fields), and
 * freed memory is handed out again.  Call before the first jansson use.
 * ivt_json_wipe_then is for tests: the free behind the wipe (free).
 */
void ivt_json_wipe_on_free(void);
void ivt_json_wipe_then(void (*fn)(void *));

#endif
