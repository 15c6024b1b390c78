/*
 * log.h - levelled logging to stderr.
 *
 * Messages name ids, methods and error kinds, never personal data: callers
 * pass only values that are safe to keep in a journal.
 */
#ifndef IVTD_LOG_H
#define IVTD_LOG_H

#include <stdio.h>

enum log_level { LOG_ERR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(enum log_level l);
int log_parse_level(const char *s, enum log_level *l);
void log_msg(enum log_level l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * Test hook: write the lines to f instead of stderr (NULL: stderr
 * again).  The unit tests capture the log this way (tfix_capture_log) to
 * check that no personal data reaches it.  The daemon never calls it.
 */
void log_set_stream(FILE *f);

#define log_err(...)   log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
