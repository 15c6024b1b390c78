/*
 * fuzz_csv.c - libFuzzer target: the streaming CSV reader of the subject
 * import (daemon/csv.c).
 *
 * Input: byte 0 picks the separator (detect, ';' or ',') and the size of
 * the pieces the rest arrives in; the rest is the file.  The reader must
 * hand out the same records whether the file comes in one piece or in
 * small ones (an import reads it from a socket in whatever sizes the
 * client sent), and every record must stay within the limits csv.h
 * promises.
 */
#include <stdint.h>
#include <string.h>

#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the records looked like: a running FNV-1a hash and a count. */
struct digest {
	uint64_t h;
	size_t n;
};

static void
mix(struct digest *d, const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++) {
		d->h ^= b[i];
		d->h *= 0x100000001b3ULL;
	}
}

static int
on_record(void *arg, const struct csv_record *r)
{
	struct digest *d = arg;
	size_t len, total = 0;
	int i;

	if (r->nfields < 0 || r->nfields > CSV_MAX_FIELDS)
		__builtin_trap();
	mix(d, &r->line, sizeof(r->line));
	mix(d, &r->nfields, sizeof(r->nfields));
	mix(d, r->error ? "E" : "-", 1);
	for (i = 0; i < r->nfields && r->error == NULL; i++) {
		len = strlen(r->field[i]);
		if (len > CSV_FIELD_MAX)
			__builtin_trap();
		total += len;
		mix(d, r->field[i], len + 1);
	}
	if (total > CSV_RECORD_MAX)
		__builtin_trap();
	d->n++;
	return 0;
}

/* Read size bytes in pieces of chunk; the final status of the reader. */
static int
read_all(char sep, const char *text, size_t size, size_t chunk,
         struct digest *d)
{
	struct csv *p = csv_new(sep);
	size_t off, n;
	int rc = 0;

	if (p == NULL)
		return -1;
	d->h = 0xcbf29ce484222325ULL;
	d->n = 0;
	for (off = 0; rc == 0 && off < size; off += n) {
		n = size - off < chunk ? size - off : chunk;
		rc = csv_feed(p, text + off, n, on_record, d);
	}
	if (rc == 0)
		rc = csv_finish(p, on_record, d);
	mix(d, &rc, sizeof(rc));
	mix(d, csv_sep(p) ? &(char){csv_sep(p)} : "", 1);
	csv_free(p);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char seps[] = {0, ';', ','};
	struct digest whole, pieces;
	size_t chunk;
	char sep;

	if (size < 1)
		return 0;
	sep = seps[(data[0] & 3) % 3];
	chunk = (size_t)(data[0] >> 2) + 1;
	if (read_all(sep, (const char *)data + 1, size - 1, size, &whole) ==
	        -1 ||
	    read_all(sep, (const char *)data + 1, size - 1, chunk, &pieces) ==
	        -1)
		return 0; /* out of memory */
	if (whole.h != pieces.h || whole.n != pieces.n)
		__builtin_trap();
	return 0;
}
