/*
 * csv.h - a streaming CSV reader for the subject import.
 *
 * RFC 4180 as Dutch spreadsheets write it: fields separated by ';' (Excel
 * with a Dutch locale) or ',' (everything else), optionally quoted with
 * '"' ("" inside quotes is one quote, and quotes may hold separators and
 * line breaks), records ended by LF or CRLF, an optional UTF-8 byte order
 * mark.  With sep 0 the separator is taken from the header line: ';' when
 * it has at least as many semicolons as commas.
 *
 * Input arrives in pieces of any size (csv_feed) and every record is
 * handed to a callback as soon as it is complete.  A malformed record (a
 * stray quote, too many fields, a field too long, a NUL byte) does not
 * stop the reader: the callback gets the record with error set, so the
 * import can report every bad row, and reading goes on at the next line.
 * Only an unterminated quote at the end of the input is fatal.
 *
 * Every byte the reader buffered is wiped on csv_free: the input is
 * personal data.
 */
#ifndef IVTD_CSV_H
#define IVTD_CSV_H

#include <stddef.h>

#define CSV_MAX_FIELDS 32   /* per record */
#define CSV_FIELD_MAX  1024 /* bytes per field */
#define CSV_RECORD_MAX 8192 /* bytes per record, all fields together */

struct csv_record {
	size_t line; /* line number (1-based) where the record started */
	int nfields;
	char *field[CSV_MAX_FIELDS]; /* NUL-terminated, unquoted */
	const char *error;           /* NULL, or why the record is malformed */
};

/* Return 0 to go on, anything else to stop; csv_feed returns it. */
typedef int (*csv_cb)(void *arg, const struct csv_record *r);

struct csv;

/* sep is ';', ',' or 0 to detect it from the header.  NULL on ENOMEM. */
struct csv *csv_new(char sep);
/* Wipe and free. */
void csv_free(struct csv *p);

/*
 * Read len bytes.  Complete records go to cb.  Returns 0, the callback's
 * non-zero value if it stopped, or -1 on out of memory.
 */
int csv_feed(struct csv *p, const char *buf, size_t len, csv_cb cb, void *arg);
/*
 * End of input: hand over the last record if it had no line break.
 * Returns as csv_feed, or -2 when the input ended inside quotes
 * (csv_error tells the line).
 */
int csv_finish(struct csv *p, csv_cb cb, void *arg);

/* The separator in use (0 while the header is not complete yet). */
char csv_sep(const struct csv *p);
/* The fatal error of csv_finish and its line, or NULL. */
const char *csv_error(const struct csv *p, size_t *line);

#endif
