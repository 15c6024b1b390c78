/*
 * day_int.h - what the files of nl.ivtd.Day share, and nothing else
 * includes: the day record and the loaders, replies and typed errors
 * built on it.  day.c holds the day itself and the method table,
 * day_visit.c the visits planned on a day, day_export.c the calendar
 * file, day_assign.c subjects handed out by name and the caller's own
 * work.
 */
#ifndef IVTD_DAY_INT_H
#define IVTD_DAY_INT_H

#include <stdint.h>

#include "access.h"
#include "planning.h"
#include "varlink.h"

#define EMPLOYEES_MAX  200
#define LIST_MAX       1000
#define LINE_MAX_BYTES 256
#define REASON_MAX     1024

struct day_rec {
	struct plan_day d;
	char meeting_point[LINE_MAX_BYTES + 1];
	char police_contact[LINE_MAX_BYTES + 1];
	char cancel_reason[REASON_MAX + 1];
	int64_t employees[EMPLOYEES_MAX]; /* uids */
	int64_t emp_partner[EMPLOYEES_MAX];
	size_t nemployees;
	size_t loaded_visits; /* before this call planned more */
};

static inline const char *
day_col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *v = sqlite3_column_text(st, col);

	return v ? (const char *)v : "";
}

/* Name of a partner into buf ("?" when it is gone). */
void day_partner_name(struct call *c, int64_t id, char *buf, size_t len);

/* Load day id: 1 loaded, 0 no such day, -1 error. */
int day_load(struct call *c, int64_t id, struct day_rec *r);
/* Load day id and check the caller's access to its project: 0 or -1
 * with the call failed. */
int day_get(struct call *c, int64_t id, enum access_need need,
            struct day_rec *r);
/* A subject as the planning rules see it: 1, 0 no such subject, -1. */
int day_load_subject(struct call *c, int64_t id, struct plan_subject *s);
/* Run fn with a zeroed day record on the heap (it is large). */
int day_with_rec(struct call *c, int (*fn)(struct call *, struct day_rec *));

json_t *day_json(struct call *c, const struct day_rec *r);
json_t *day_area_json(const struct plan_day *d);
/* A visit; its address only when can_read (see day.c). */
json_t *day_visit_json(struct call *c, int64_t subject, int team, int can_read);
/* Append the days in ids (that the caller may see, when check) to list. */
int day_append_days(struct call *c, struct day_rec *r, const int64_t *ids,
                    size_t n, int check, json_t *list);
/* Collect up to max ids from column 0 (and column 1 into b). */
int day_collect(sqlite3_stmt *st, int64_t *a, int64_t *b, size_t max,
                size_t *n);

/* Typed errors: each fails the call and returns -1. */
int day_fail_closed(struct call *c, const struct day_rec *r, const char *why);
int day_fail_capacity(struct call *c, const struct day_rec *r, size_t requested,
                      int team);
int day_fail_verdict(struct call *c, const struct day_rec *r,
                     const struct plan_subject *s, enum plan_verdict v,
                     int64_t absent);
int day_fail_not_ready(struct call *c, const struct plan_subject *s);
/* Days are planned while the project prepares or runs its operations. */
int day_check_phase(struct call *c, int64_t project);
/* End the subject's visit or assignment: ingepland becomes gereed. */
int day_release(struct call *c, int64_t subject, int64_t project);
/* Findings recorded on the day (for the subject, unless 0)?  1, 0, or
 * -1 with the call failed. */
int day_has_findings(struct call *c, int64_t day, int64_t subject);

/* The methods in the other files, for day.c's table. */
int day_plan(struct call *c);
int day_unplan(struct call *c);
int day_suggest(struct call *c);
int day_export(struct call *c);
int day_assign(struct call *c);
int day_unassign(struct call *c);
int day_mine(struct call *c);

#endif
