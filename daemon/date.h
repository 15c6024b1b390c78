/*
 * date.h - calendar dates as "YYYY-MM-DD" (what projects, decisions and
 * actiedagen are planned in), parsed strictly.
 */
#ifndef IVTD_DATE_H
#define IVTD_DATE_H

#include <stddef.h>
#include <stdint.h>

/* Days since 1970-01-01 of a strict "YYYY-MM-DD" (years 1900-2999), or
 * INT32_MIN when the text is not a real calendar date. */
int32_t date_parse(const char *s);
/* Format days since the epoch as "YYYY-MM-DD" (buf of 11 bytes). */
void date_format(int32_t days, char *buf, size_t len);
/* Today (UTC) in days since the epoch. */
int32_t date_today(void);
/* The same day n months later, clamped to the month's end (31 Jan + 1
 * month = 28/29 Feb). */
int32_t date_add_months(int32_t days, int n);

#endif
