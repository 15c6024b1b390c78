/*
 * postcode.c - Dutch postcode validation and ranges.
 *
 * Normalised postcodes compare correctly with strcmp (four digits, then
 * two capitals), so a range is simply FROM <= pc <= TO; the store indexes
 * them as text.
 */
#include <ctype.h>
#include <string.h>

#include "postcode.h"

int
postcode_normalise(const char *in, char out[POSTCODE_LEN + 1])
{
	size_t i, n, j = 0;

	if (in == NULL || (n = strlen(in)) < 6 || n > 7)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)in[i];

		if (j < 4) {
			if (!isdigit(ch))
				return -1;
		} else if (ch == ' ' && j == 4 && n == 7 && i == 4) {
			continue;
		} else if (j < 6 && isalpha(ch)) {
			ch = (unsigned char)toupper(ch);
		} else {
			return -1;
		}
		out[j++] = (char)ch;
	}
	if (j != 6)
		return -1;
	out[6] = '\0';
	if (out[0] == '0' || strcmp(out + 4, "SA") == 0 ||
	    strcmp(out + 4, "SD") == 0 || strcmp(out + 4, "SS") == 0)
		return -1;
	return 0;
}

int
postcode_range(const char *in, char from[POSTCODE_LEN + 1],
               char to[POSTCODE_LEN + 1])
{
	char buf[32];
	const char *dash;
	size_t n;

	if (in == NULL || (n = strlen(in)) >= sizeof(buf))
		return -1;
	if ((dash = strchr(in, '-')) == NULL) {
		if (postcode_normalise(in, from) == -1)
			return -1;
		memcpy(to, from, POSTCODE_LEN + 1);
		return 0;
	}
	memcpy(buf, in, (size_t)(dash - in));
	buf[dash - in] = '\0';
	if (postcode_normalise(buf, from) == -1 ||
	    postcode_normalise(dash + 1, to) == -1 || strcmp(from, to) > 0)
		return -1;
	return 0;
}
