/*
 * date.c - proleptic Gregorian dates without the C library's time zone
 * machinery: the algorithms of Howard Hinnant's days_from_civil.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "date.h"

static int32_t
days_from_civil(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t)(era * 146097 + doe - 719468);
}

static void
civil_from_days(int32_t z, int *y, int *m, int *d)
{
	int era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

static int
month_days(int y, int m)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30,
	                            31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : mdays[m - 1];
}

static int
digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int32_t
date_parse(const char *s)
{
	int y, m, d;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    digits(s, 4, &y) == -1 || digits(s + 5, 2, &m) == -1 ||
	    digits(s + 8, 2, &d) == -1)
		return INT32_MIN;
	if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 ||
	    d > month_days(y, m))
		return INT32_MIN;
	return days_from_civil(y, m, d);
}

void
date_format(int32_t days, char *buf, size_t len)
{
	int y, m, d;

	civil_from_days(days, &y, &m, &d);
	snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
}

int32_t
date_today(void)
{
	return (int32_t)(time(NULL) / 86400);
}

int32_t
date_add_months(int32_t days, int n)
{
	int y, m, d, idx;

	civil_from_days(days, &y, &m, &d);
	idx = y * 12 + (m - 1) + n;
	y = idx / 12;
	m = idx % 12 + 1;
	if (d > month_days(y, m))
		d = month_days(y, m);
	return days_from_civil(y, m, d);
}
