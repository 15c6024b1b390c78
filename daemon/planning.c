/*
 * planning.c - the planning rules of actiedagen and their iCalendar form
 * (see planning.h).  Pure: no database, no I/O.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "date.h"
#include "planning.h"

static const char *const status_names[] = {
    "concept",
    "bevestigd",
    "uitgevoerd",
    "geannuleerd",
};
static const char *const police_names[] = {"none", "present", "backup"};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *
plan_status_name(enum day_status s)
{
	return (size_t)s < NELEM(status_names) ? status_names[s] : "?";
}

int
plan_status_parse(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < NELEM(status_names); i++) {
		if (strcmp(s, status_names[i]) == 0)
			return (int)i;
	}
	return -1;
}

const char *
plan_police_name(enum police p)
{
	return (size_t)p < NELEM(police_names) ? police_names[p] : "?";
}

int
plan_police_parse(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < NELEM(police_names); i++) {
		if (strcmp(s, police_names[i]) == 0)
			return (int)i;
	}
	return -1;
}

/*
 * concept -> bevestigd -> uitgevoerd, and either of the first two ->
 * geannuleerd.  A confirmed day may go back to concept (plans change);
 * uitgevoerd and geannuleerd are final.
 */
int
plan_transition_ok(enum day_status from, enum day_status to)
{
	switch (from) {
	case DAY_CONCEPT:
		return to == DAY_BEVESTIGD || to == DAY_GEANNULEERD;
	case DAY_BEVESTIGD:
		return to == DAY_CONCEPT || to == DAY_UITGEVOERD ||
		       to == DAY_GEANNULEERD;
	case DAY_UITGEVOERD:
	case DAY_GEANNULEERD:
		break;
	}
	return 0;
}

int
plan_parse_time(const char *s)
{
	int h, m;

	if (s == NULL || strlen(s) != 5 || s[2] != ':')
		return -1;
	if (s[0] < '0' || s[0] > '2' || s[1] < '0' || s[1] > '9' ||
	    s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9')
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	return h > 23 ? -1 : h * 60 + m;
}

int
plan_range_within(const struct plan_range *r, const struct plan_range *area,
                  size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(r->from, area[i].from) >= 0 &&
		    strcmp(r->to, area[i].to) <= 0)
			return 1;
	}
	return 0;
}

/* A range touches pc4 when some postcode 'pc4AA'..'pc4ZZ' lies in it:
 * compare on the first four characters. */
int
plan_area_has_pc4(const struct plan_range *area, size_t n, const char *pc4)
{
	size_t i;

	if (pc4 == NULL || strlen(pc4) != 4)
		return 0;
	for (i = 0; i < n; i++) {
		if (strncmp(pc4, area[i].from, 4) >= 0 &&
		    strncmp(pc4, area[i].to, 4) <= 0)
			return 1;
	}
	return 0;
}

int
plan_capacity(const struct plan_day *d)
{
	return d->teams * d->per_team;
}

int
plan_team_load(const struct plan_day *d, int team)
{
	size_t i;
	int n = 0;

	for (i = 0; i < d->nvisits; i++)
		n += d->visits[i].team == team;
	return n;
}

int
plan_has_partner(const struct plan_day *d, int64_t partner)
{
	size_t i;

	for (i = 0; i < d->npartners; i++) {
		if (d->partners[i] == partner && d->staff[i] > 0)
			return 1;
	}
	return 0;
}

/* The rules about the subject and the day's area and partners. */
static enum plan_verdict
check_fit(const struct plan_day *d, const struct plan_subject *s,
          int64_t *absent)
{
	size_t i;

	if (!plan_area_has_pc4(d->area, d->narea, s->pc4))
		return PLAN_OUTSIDE_AREA;
	for (i = 0; i < s->ninterests; i++) {
		if (!plan_has_partner(d, s->interests[i])) {
			*absent = s->interests[i];
			return PLAN_PARTNER_ABSENT;
		}
	}
	return PLAN_OK;
}

enum plan_verdict
plan_check(const struct plan_day *d, int32_t today,
           const struct plan_subject *s, int64_t *absent)
{
	*absent = 0;
	if (d->status != DAY_CONCEPT && d->status != DAY_BEVESTIGD)
		return PLAN_DAY_CLOSED;
	if (d->date < today)
		return PLAN_DAY_PAST;
	if (s->project != d->project)
		return PLAN_OTHER_PROJECT;
	if (strcmp(s->status, "gereed") != 0)
		return PLAN_NOT_READY;
	return check_fit(d, s, absent);
}

static int
team_has_pc4(const struct plan_day *d, int team, const char *pc4)
{
	size_t i;

	for (i = 0; i < d->nvisits; i++) {
		if (d->visits[i].team == team &&
		    strcmp(d->visits[i].pc4, pc4) == 0)
			return 1;
	}
	return 0;
}

int
plan_pick_team(const struct plan_day *d, const char *pc4, int want)
{
	int t, best = 0, room, best_room = 0;

	if (d->nvisits >= PLAN_VISITS_MAX)
		return 0;
	if (want > 0)
		return want <= d->teams && plan_team_load(d, want) < d->per_team
		           ? want
		           : 0;
	for (t = 1; t <= d->teams; t++) {
		if (plan_team_load(d, t) < d->per_team &&
		    team_has_pc4(d, t, pc4))
			return t;
	}
	for (t = 1; t <= d->teams; t++) {
		room = d->per_team - plan_team_load(d, t);
		if (room > best_room) {
			best = t;
			best_room = room;
		}
	}
	return best;
}

int
plan_add_visit(struct plan_day *d, int64_t subject, int team, const char *pc4)
{
	struct plan_visit *v;

	if (d->nvisits >= PLAN_VISITS_MAX || team < 1 || team > d->teams)
		return -1;
	v = &d->visits[d->nvisits++];
	v->subject = subject;
	v->team = team;
	snprintf(v->pc4, sizeof(v->pc4), "%s", pc4);
	return 0;
}

enum plan_verdict
plan_recheck(const struct plan_day *d, const struct plan_subject *ss, size_t n,
             int64_t *subject, int64_t *absent)
{
	enum plan_verdict v;
	size_t i;
	int t;

	*subject = *absent = 0;
	for (i = 0; i < n; i++) {
		if ((v = check_fit(d, &ss[i], absent)) != PLAN_OK) {
			*subject = ss[i].id;
			return v;
		}
	}
	for (i = 0; i < d->nvisits; i++) {
		t = d->visits[i].team;
		if (t > d->teams || plan_team_load(d, t) > d->per_team) {
			*subject = d->visits[i].subject;
			return PLAN_FULL;
		}
	}
	return PLAN_OK;
}

unsigned
plan_confirm_missing(const struct plan_day *d)
{
	unsigned m = 0;

	if (d->police == POLICE_NONE)
		m |= PLAN_MISSING_POLICE;
	if (d->police == POLICE_BACKUP && !d->police_contact)
		m |= PLAN_MISSING_CONTACT;
	/* Present means officers on the day: a police partner with staff. */
	if (d->police == POLICE_PRESENT && !d->police_staffed)
		m |= PLAN_MISSING_OFFICERS;
	if (!d->police_informed)
		m |= PLAN_MISSING_INFORMED;
	if (d->npartners == 0)
		m |= PLAN_MISSING_PARTNERS;
	return m;
}

int
plan_staffing_short(const struct plan_day *d)
{
	size_t i;

	for (i = 0; i < d->npartners; i++) {
		if (d->named[i] > d->staff[i])
			return (int)i;
	}
	return -1;
}

/* --- suggestions ------------------------------------------------------- */

struct cand {
	const struct plan_subject *s;
	size_t index; /* in the candidate list */
	int existing; /* the day visits this pc4 already */
	int group;    /* fitting candidates in this pc4 */
};

static int
cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	int c;

	if (x->existing != y->existing)
		return y->existing - x->existing;
	if (x->group != y->group)
		return y->group - x->group;
	if ((c = strcmp(x->s->pc4, y->s->pc4)) != 0)
		return c;
	return x->s->id < y->s->id ? -1 : x->s->id > y->s->id;
}

static int
day_has_pc4(const struct plan_day *d, const char *pc4)
{
	size_t i;

	for (i = 0; i < d->nvisits; i++) {
		if (strcmp(d->visits[i].pc4, pc4) == 0)
			return 1;
	}
	return 0;
}

static void
choice_init(struct plan_choice *o, const struct plan_subject *s)
{
	memset(o, 0, sizeof(*o));
	o->subject = s->id;
	snprintf(o->pc4, sizeof(o->pc4), "%s", s->pc4);
}

/* The fitting candidates, grouped and ordered (see plan_suggest). */
static size_t
order_fitting(const struct plan_day *d, int32_t today,
              const struct plan_subject *cands, size_t n, struct cand *fit,
              enum plan_verdict *verdict, int64_t *absent)
{
	size_t i, j, nfit = 0;

	for (i = 0; i < n; i++) {
		verdict[i] = plan_check(d, today, &cands[i], &absent[i]);
		if (verdict[i] != PLAN_OK)
			continue;
		fit[nfit].s = &cands[i];
		fit[nfit].index = i;
		fit[nfit].existing = day_has_pc4(d, cands[i].pc4);
		nfit++;
	}
	for (i = 0; i < nfit; i++) {
		fit[i].group = 0;
		for (j = 0; j < nfit; j++)
			fit[i].group +=
			    strcmp(fit[i].s->pc4, fit[j].s->pc4) == 0;
	}
	qsort(fit, nfit, sizeof(*fit), cand_cmp);
	return nfit;
}

static enum plan_reason
reason_of(enum plan_verdict v)
{
	switch (v) {
	case PLAN_OUTSIDE_AREA:
		return SUGGEST_OUTSIDE_AREA;
	case PLAN_PARTNER_ABSENT:
		return SUGGEST_PARTNER_ABSENT;
	case PLAN_FULL:
		return SUGGEST_NO_ROOM;
	default:
		return SUGGEST_NOT_PLANNABLE;
	}
}

int
plan_suggest(const struct plan_day *d, int32_t today,
             const struct plan_subject *cands, size_t n,
             struct plan_choice *out)
{
	struct plan_day *work;
	struct cand *fit;
	enum plan_verdict *verdict;
	int64_t *absent;
	char *placed;
	int *group;
	size_t i, nfit, k = 0;
	int team, included = 0;

	work = malloc(sizeof(*work));
	fit = calloc(n + 1, sizeof(*fit));
	verdict = calloc(n + 1, sizeof(*verdict));
	absent = calloc(n + 1, sizeof(*absent));
	placed = calloc(n + 1, 1);
	group = calloc(n + 1, sizeof(*group));
	if (work == NULL || fit == NULL || verdict == NULL || absent == NULL ||
	    placed == NULL || group == NULL) {
		included = -1;
		goto out;
	}
	memcpy(work, d, sizeof(*work));
	nfit = order_fitting(d, today, cands, n, fit, verdict, absent);
	for (i = 0; i < nfit; i++)
		group[fit[i].index] = fit[i].group;
	for (i = 0; i < nfit; i++) {
		team = plan_pick_team(work, fit[i].s->pc4, 0);
		if (team == 0) {
			verdict[fit[i].index] = PLAN_FULL;
			continue;
		}
		plan_add_visit(work, fit[i].s->id, team, fit[i].s->pc4);
		choice_init(&out[k], fit[i].s);
		out[k].reason = SUGGEST_INCLUDED;
		out[k].team = team;
		out[k].group = fit[i].group;
		placed[fit[i].index] = 1;
		k++;
		included++;
	}
	for (i = 0; i < n; i++) {
		if (placed[i])
			continue;
		choice_init(&out[k], &cands[i]);
		out[k].reason = reason_of(verdict[i]);
		out[k].partner = absent[i];
		out[k].group = group[i];
		k++;
	}
out:
	free(work);
	free(fit);
	free(verdict);
	free(absent);
	free(placed);
	free(group);
	return included;
}

/* --- iCalendar ---------------------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
	int oom;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	char *np;
	size_t cap;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 1024;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((np = realloc(b->p, cap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/*
 * Write one content line, folded (RFC 5545 3.1): at most 75 octets per
 * physical line, continuation lines start with a space, and a UTF-8
 * sequence is never split.
 */
static void
ics_line(struct buf *b, const char *line)
{
	size_t n = strlen(line), max = 75, take;

	while (n > max) {
		take = max;
		while (take > 1 && ((unsigned char)line[take] & 0xc0) == 0x80)
			take--;
		buf_add(b, line, take);
		buf_add(b, "\r\n ", 3);
		line += take;
		n -= take;
		max = 74; /* the leading space counts */
	}
	buf_add(b, line, n);
	buf_add(b, "\r\n", 2);
}

/* name:value with value escaped as TEXT (RFC 5545 3.3.11). */
static void
ics_text(struct buf *b, const char *name, const char *value)
{
	struct buf l = {0};
	const char *p;
	char ch;

	buf_add(&l, name, strlen(name));
	buf_add(&l, ":", 1);
	for (p = value; p != NULL && *p != '\0'; p++) {
		ch = *p;
		if (ch == '\\' || ch == ';' || ch == ',') {
			buf_add(&l, "\\", 1);
			buf_add(&l, p, 1);
		} else if (ch == '\n')
			buf_add(&l, "\\n", 2);
		else if ((unsigned char)ch < 0x20 || ch == 0x7f)
			buf_add(&l, " ", 1);
		else
			buf_add(&l, p, 1);
	}
	if (l.oom)
		b->oom = 1;
	else
		ics_line(b, l.p);
	free(l.p);
}

static void ics_fmt(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
ics_fmt(struct buf *b, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ics_line(b, line);
}

/* Europe/Amsterdam: CET/CEST, the EU rules since 1996. */
static const char *const vtimezone[] = {
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Amsterdam",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
};

static const char *
ics_status(enum day_status s)
{
	switch (s) {
	case DAY_CONCEPT:
		return "TENTATIVE";
	case DAY_GEANNULEERD:
		return "CANCELLED";
	case DAY_BEVESTIGD:
	case DAY_UITGEVOERD:
		break;
	}
	return "CONFIRMED";
}

char *
plan_ics(const struct ics_event *e, size_t *len)
{
	struct buf b = {0};
	char date[16], ymd[9], stamp[32];
	time_t t = (time_t)e->dtstamp;
	struct tm tm;
	size_t i;

	date_format(e->date, date, sizeof(date));
	snprintf(ymd, sizeof(ymd), "%.4s%.2s%.2s", date, date + 5, date + 8);
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	ics_line(&b, "BEGIN:VCALENDAR");
	ics_line(&b, "VERSION:2.0");
	ics_line(&b, "PRODID:-//ivtd//Actiedagen//NL");
	ics_line(&b, "CALSCALE:GREGORIAN");
	for (i = 0; i < NELEM(vtimezone); i++)
		ics_line(&b, vtimezone[i]);
	ics_line(&b, "BEGIN:VEVENT");
	ics_text(&b, "UID", e->uid);
	ics_fmt(&b, "DTSTAMP:%s", stamp);
	ics_fmt(&b, "SEQUENCE:%d", e->sequence);
	ics_fmt(&b, "DTSTART;TZID=Europe/Amsterdam:%sT%02d%02d00", ymd,
	        e->start / 60, e->start % 60);
	ics_fmt(&b, "DTEND;TZID=Europe/Amsterdam:%sT%02d%02d00", ymd,
	        e->end / 60, e->end % 60);
	ics_text(&b, "SUMMARY", e->summary);
	if (e->location != NULL && e->location[0] != '\0')
		ics_text(&b, "LOCATION", e->location);
	if (e->description != NULL && e->description[0] != '\0')
		ics_text(&b, "DESCRIPTION", e->description);
	ics_fmt(&b, "STATUS:%s", ics_status(e->status));
	ics_line(&b, "TRANSP:OPAQUE");
	ics_line(&b, "END:VEVENT");
	ics_line(&b, "END:VCALENDAR");
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}
