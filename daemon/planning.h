/*
 * planning.h - the planning rules of actiedagen as pure functions: no
 * database, no I/O, so every rule has a unit test (tests/unit/
 * test_planning.c).  day.c and day_visit.c load a day and its
 * candidates into these structures, ask, and write the answer.
 *
 * The rules:
 *   - a visit is planned only on a day that is concept or bevestigd and
 *     not in the past, for a gereed subject of the day's project whose
 *     neighbourhood (pc4) lies in the day's area;
 *   - every partner with an interest (belang) in the subject has staff
 *     on the day, or the visit cannot happen as the protocol intends;
 *   - a team makes at most visits_per_team visits, so the day holds
 *     teams x visits_per_team;
 *   - a day is bevestigd only with the police present, or with police
 *     back-up arranged (and a contact), and the local police informed.
 * Only the four digits of a subject's postcode are in clear (subject.h),
 * so area checks and routes work per neighbourhood.
 */
#ifndef IVTD_PLANNING_H
#define IVTD_PLANNING_H

#include <stddef.h>
#include <stdint.h>

#define PLAN_TEAMS_MAX     20
#define PLAN_PER_TEAM_MAX  50
#define PLAN_PER_TEAM_DFLT 8
#define PLAN_VISITS_MAX    (PLAN_TEAMS_MAX * PLAN_PER_TEAM_MAX)
#define PLAN_PARTNERS_MAX  32
#define PLAN_AREA_MAX      64
#define PLAN_INTERESTS_MAX 64

enum day_status {
	DAY_CONCEPT,
	DAY_BEVESTIGD,
	DAY_UITGEVOERD,
	DAY_GEANNULEERD,
};

enum police {
	POLICE_NONE,
	POLICE_PRESENT,
	POLICE_BACKUP,
};

/* "concept" ... and back; -1 for an unknown name. */
const char *plan_status_name(enum day_status s);
int plan_status_parse(const char *s);
const char *plan_police_name(enum police p);
int plan_police_parse(const char *s);
/* May a day move from one status to another?  1 or 0. */
int plan_transition_ok(enum day_status from, enum day_status to);

/* "HH:MM" (00:00-23:59) to minutes after midnight, or -1. */
int plan_parse_time(const char *s);

struct plan_range {
	char from[7]; /* normalised postcodes, from <= to */
	char to[7];
};

/* Is every postcode of r inside one of the n ranges of area?  1 or 0. */
int plan_range_within(const struct plan_range *r, const struct plan_range *area,
                      size_t n);
/* Does the neighbourhood pc4 ("1234") touch one of the n ranges? */
int plan_area_has_pc4(const struct plan_range *area, size_t n, const char *pc4);

struct plan_visit {
	int64_t subject;
	int team; /* 1..teams */
	char pc4[5];
};

struct plan_day {
	int64_t id;
	int64_t project;
	int32_t date;   /* days since the epoch */
	int start, end; /* minutes after midnight */
	enum day_status status;
	enum police police;
	int police_contact; /* a back-up contact is recorded */
	int police_staffed; /* a partner of kind politie takes part */
	int police_informed;
	int teams;
	int per_team;
	struct plan_range area[PLAN_AREA_MAX];
	size_t narea;
	int64_t partners[PLAN_PARTNERS_MAX]; /* present partners ... */
	int staff[PLAN_PARTNERS_MAX];        /* ... and their staff (>= 1) */
	int named[PLAN_PARTNERS_MAX];        /* named employees of each */
	size_t npartners;
	struct plan_visit visits[PLAN_VISITS_MAX]; /* active visits */
	size_t nvisits;
};

struct plan_subject {
	int64_t id;
	int64_t project;
	char status[24];
	char pc4[5];
	int64_t interests[PLAN_INTERESTS_MAX]; /* partners with a belang */
	size_t ninterests;
};

/* Why a subject cannot be planned (PLAN_OK: it can). */
enum plan_verdict {
	PLAN_OK,
	PLAN_DAY_CLOSED, /* uitgevoerd or geannuleerd */
	PLAN_DAY_PAST,   /* the date has gone by */
	PLAN_OTHER_PROJECT,
	PLAN_NOT_READY, /* not gereed */
	PLAN_OUTSIDE_AREA,
	PLAN_PARTNER_ABSENT, /* *absent names the partner */
	PLAN_FULL,           /* no team has room */
};

/* The capacity of the day: teams x visits per team. */
int plan_capacity(const struct plan_day *d);
/* Visits team t already has. */
int plan_team_load(const struct plan_day *d, int team);
/* Is the partner on the day (with staff)? */
int plan_has_partner(const struct plan_day *d, int64_t partner);

/*
 * Can s be planned on d today (days since the epoch)?  Capacity is not
 * checked here (see plan_pick_team).  On PLAN_PARTNER_ABSENT *absent is
 * the first interested partner without staff, in the order of s.
 */
enum plan_verdict plan_check(const struct plan_day *d, int32_t today,
                             const struct plan_subject *s, int64_t *absent);

/*
 * The team a new visit in pc4 goes to, so teams walk short routes: with
 * want > 0 that team if it has room; otherwise the lowest-numbered team
 * that already visits pc4 and has room, else the team with the most room
 * (lowest number on a tie).  0 when no team has room.
 */
int plan_pick_team(const struct plan_day *d, const char *pc4, int want);
/* Record a visit (the caller picked a team with room).  0, -1 full. */
int plan_add_visit(struct plan_day *d, int64_t subject, int team,
                   const char *pc4);

/*
 * Do the day's visits still fit after its settings changed?  0 when they
 * do; otherwise the verdict and the offending subject (and partner for
 * PLAN_PARTNER_ABSENT).  ss are the planned subjects, in any order.
 */
enum plan_verdict plan_recheck(const struct plan_day *d,
                               const struct plan_subject *ss, size_t n,
                               int64_t *subject, int64_t *absent);

/* What a day lacks to be bevestigd (0: nothing). */
#define PLAN_MISSING_POLICE   0x1 /* neither present nor back-up arranged */
#define PLAN_MISSING_CONTACT  0x2 /* back-up without a contact */
#define PLAN_MISSING_INFORMED 0x4 /* local police not informed */
#define PLAN_MISSING_PARTNERS 0x8 /* nobody to make the visits */
#define PLAN_MISSING_OFFICERS 0x10 /* "present", but no police partner */
unsigned plan_confirm_missing(const struct plan_day *d);

/* Every named employee of a partner counts towards its staff: the
 * index of the first partner with more named employees than staff, or
 * -1 when all fit. */
int plan_staffing_short(const struct plan_day *d);

/* A suggestion for one candidate. */
enum plan_reason {
	SUGGEST_INCLUDED,
	SUGGEST_OUTSIDE_AREA,
	SUGGEST_PARTNER_ABSENT,
	SUGGEST_NO_ROOM,
	SUGGEST_NOT_PLANNABLE, /* day closed or past, not gereed, ... */
};

struct plan_choice {
	int64_t subject;
	enum plan_reason reason;
	int team;        /* SUGGEST_INCLUDED: the team */
	int64_t partner; /* SUGGEST_PARTNER_ABSENT: who is missing */
	int group;       /* ready subjects in its pc4 that fit the day */
	char pc4[5];
};

/*
 * Propose visits for d from the candidates (the project's gereed
 * subjects).  Deterministic: candidates that fit are grouped by pc4;
 * groups the day already visits come first, then larger groups, then by
 * pc4; within a group by subject id; each gets plan_pick_team, so
 * planning the included subjects in the order of out reproduces the
 * teams.  out gets one choice per candidate: the included ones first in
 * planning order, then the rest in candidate order.  d is not changed.
 * Returns the number included, or -1 when out of memory.
 */
int plan_suggest(const struct plan_day *d, int32_t today,
                 const struct plan_subject *cands, size_t n,
                 struct plan_choice *out);

/* --- iCalendar (RFC 5545) ---------------------------------------------- */

struct ics_event {
	const char *uid;
	int64_t dtstamp; /* seconds since the epoch, UTC */
	int32_t date;    /* days since the epoch, local date */
	int start, end;  /* minutes, Europe/Amsterdam local time */
	int sequence;    /* bumped on every change */
	enum day_status status;
	const char *summary;
	const char *location;
	const char *description;
};

/*
 * One VCALENDAR with a VTIMEZONE for Europe/Amsterdam and one VEVENT:
 * CRLF line ends, TEXT values escaped, lines folded at 75 octets without
 * splitting a UTF-8 sequence.  Returns a malloc'd NUL-terminated string
 * (*len its length), or NULL when out of memory.
 */
char *plan_ics(const struct ics_event *e, size_t *len);

#endif
