/*
 * bsn.h - burgerservicenummer: nine digits passing the elfproef.
 */
#ifndef IVTD_BSN_H
#define IVTD_BSN_H

/*
 * Normalise and check a BSN: digits with optional spaces or dots between
 * them (as people write it); eight digits get the leading zero back.  The
 * elfproef: 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 is a multiple of 11, and not
 * all zeros.  out gets the nine digits.  0 or -1.
 */
int bsn_normalise(const char *in, char out[10]);

#endif
