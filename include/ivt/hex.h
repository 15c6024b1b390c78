/*
 * hex.h - one hex digit's value, for the parsers of lib/ (\u escapes,
 * export hashes).
 */
#ifndef IVT_HEX_H
#define IVT_HEX_H

/* 0-15, or -1 when c is not a hex digit. */
static inline int
ivt_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
