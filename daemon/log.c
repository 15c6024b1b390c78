/*
 * log.c - levelled logging to stderr (journald adds the timestamp when run
 * under systemd; we add one anyway for foreground use).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

static enum log_level cur_level = LOG_INFO;
static const char *const level_names[] = {"error", "warn", "info", "debug"};
static FILE *test_stream; /* log_set_stream: tests only; NULL: stderr */

void
log_set_stream(FILE *f)
{
	test_stream = f;
}

void
log_set_level(enum log_level l)
{
	cur_level = l;
}

int
log_parse_level(const char *s, enum log_level *l)
{
	size_t i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*l = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

void
log_msg(enum log_level l, const char *fmt, ...)
{
	char ts[32];
	struct tm tm;
	time_t now;
	FILE *out = test_stream != NULL ? test_stream : stderr;
	va_list ap;

	if (l > cur_level)
		return;
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(out, "%s ivtd[%s]: ", ts, level_names[l]);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}
