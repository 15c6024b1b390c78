/*
 * postcode.h - Dutch postcodes ("1234AB") and project areas made of
 * postcodes and ranges ("1234AA-1234ZZ").
 */
#ifndef IVTD_POSTCODE_H
#define IVTD_POSTCODE_H

#include <stddef.h>

#define POSTCODE_LEN 6

/*
 * Normalise a postcode: optional single space between digits and letters,
 * letters in either case.  out gets "1234AB" (7 bytes).  The first digit
 * is never 0 and SA, SD and SS are not issued (PostNL): both refused.
 * Returns 0 or -1.
 */
int postcode_normalise(const char *in, char out[POSTCODE_LEN + 1]);

/* An area element: a postcode or "FROM-TO" with FROM <= TO.  Fills the
 * normalised bounds (a single postcode gives from == to).  0 or -1. */
int postcode_range(const char *in, char from[POSTCODE_LEN + 1],
                   char to[POSTCODE_LEN + 1]);

#endif
