/*
 * bsn.c - BSN normalisation and the elfproef.
 */
#include <string.h>

#include "bsn.h"

int
bsn_normalise(const char *in, char out[10])
{
	char d[10];
	size_t i, n = 0;
	int sum = 0;

	if (in == NULL || strlen(in) > 16)
		return -1;
	for (i = 0; in[i] != '\0'; i++) {
		if (in[i] >= '0' && in[i] <= '9') {
			if (n == 9)
				return -1;
			d[n++] = in[i];
		} else if ((in[i] != ' ' && in[i] != '.') || n == 0 ||
		           in[i + 1] == '\0') {
			return -1;
		}
	}
	if (n == 8) {
		memmove(d + 1, d, 8);
		d[0] = '0';
		n = 9;
	}
	if (n != 9)
		return -1;
	for (i = 0; i < 8; i++)
		sum += (int)(9 - i) * (d[i] - '0');
	sum -= d[8] - '0';
	/* d holds nine digits and no NUL: compare, never strspn it. */
	if (sum % 11 != 0 || memcmp(d, "000000000", 9) == 0)
		return -1;
	memcpy(out, d, 9);
	out[9] = '\0';
	return 0;
}
