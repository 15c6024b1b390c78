/*
 * test_planning.c - the planning rules of actiedagen (daemon/planning.c):
 * statuses, times, areas, the police rule, absent partners, capacity,
 * team choice, suggestions and the iCalendar text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "planning.h"

#define UWV     10
#define POLITIE 11
#define SVB     12

static int32_t today;

/* A concept day in 3511AA-3511ZZ and 3512AB, tomorrow, with UWV (2) and
 * Politie (1), 2 teams of 3 visits. */
static struct plan_day *
new_day(void)
{
	struct plan_day *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	d->id = 1;
	d->project = 7;
	d->date = today + 1;
	d->start = 9 * 60;
	d->end = 17 * 60;
	d->status = DAY_CONCEPT;
	d->teams = 2;
	d->per_team = 3;
	snprintf(d->area[0].from, 7, "3511AA");
	snprintf(d->area[0].to, 7, "3511ZZ");
	snprintf(d->area[1].from, 7, "3512AB");
	snprintf(d->area[1].to, 7, "3512AB");
	d->narea = 2;
	d->partners[0] = UWV;
	d->staff[0] = 2;
	d->partners[1] = POLITIE;
	d->staff[1] = 1;
	d->npartners = 2;
	return d;
}

static struct plan_subject
subj(int64_t id, const char *pc4, int64_t i1, int64_t i2)
{
	struct plan_subject s;

	memset(&s, 0, sizeof(s));
	s.id = id;
	s.project = 7;
	snprintf(s.status, sizeof(s.status), "gereed");
	snprintf(s.pc4, sizeof(s.pc4), "%s", pc4);
	if (i1)
		s.interests[s.ninterests++] = i1;
	if (i2)
		s.interests[s.ninterests++] = i2;
	return s;
}

static void
test_status(void **state)
{
	(void)state;
	assert_int_equal(plan_status_parse("concept"), DAY_CONCEPT);
	assert_int_equal(plan_status_parse("geannuleerd"), DAY_GEANNULEERD);
	assert_int_equal(plan_status_parse("Concept"), -1);
	assert_int_equal(plan_status_parse(NULL), -1);
	assert_string_equal(plan_status_name(DAY_BEVESTIGD), "bevestigd");
	assert_int_equal(plan_police_parse("backup"), POLICE_BACKUP);
	assert_int_equal(plan_police_parse("yes"), -1);
	assert_true(plan_transition_ok(DAY_CONCEPT, DAY_BEVESTIGD));
	assert_true(plan_transition_ok(DAY_CONCEPT, DAY_GEANNULEERD));
	assert_true(plan_transition_ok(DAY_BEVESTIGD, DAY_GEANNULEERD));
	assert_true(plan_transition_ok(DAY_BEVESTIGD, DAY_UITGEVOERD));
	assert_false(plan_transition_ok(DAY_CONCEPT, DAY_UITGEVOERD));
	assert_false(plan_transition_ok(DAY_GEANNULEERD, DAY_CONCEPT));
	assert_false(plan_transition_ok(DAY_GEANNULEERD, DAY_BEVESTIGD));
	assert_false(plan_transition_ok(DAY_UITGEVOERD, DAY_GEANNULEERD));
}

static void
test_time(void **state)
{
	static const char *const bad[] = {
	    "",      "9:00",  "24:00",  "12:60", "12-00", "1200",
	    "12:0a", " 9:00", "09:00 ", "-1:00", "29:00",
	};
	size_t i;

	(void)state;
	assert_int_equal(plan_parse_time("00:00"), 0);
	assert_int_equal(plan_parse_time("09:30"), 570);
	assert_int_equal(plan_parse_time("23:59"), 23 * 60 + 59);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (plan_parse_time(bad[i]) != -1)
			fail_msg("accepted '%s'", bad[i]);
	}
	assert_int_equal(plan_parse_time(NULL), -1);
}

static void
test_area(void **state)
{
	struct plan_day *d = new_day();
	struct plan_range r;

	(void)state;
	snprintf(r.from, 7, "3511CA");
	snprintf(r.to, 7, "3511CZ");
	assert_true(plan_range_within(&r, d->area, d->narea));
	snprintf(r.from, 7, "3512AB");
	snprintf(r.to, 7, "3512AB");
	assert_true(plan_range_within(&r, d->area, d->narea));
	/* Partly outside, or spanning the gap between two elements. */
	snprintf(r.from, 7, "3511AA");
	snprintf(r.to, 7, "3512AB");
	assert_false(plan_range_within(&r, d->area, d->narea));
	snprintf(r.from, 7, "3512AC");
	snprintf(r.to, 7, "3512AC");
	assert_false(plan_range_within(&r, d->area, d->narea));
	assert_true(plan_area_has_pc4(d->area, d->narea, "3511"));
	assert_true(plan_area_has_pc4(d->area, d->narea, "3512"));
	assert_false(plan_area_has_pc4(d->area, d->narea, "3510"));
	assert_false(plan_area_has_pc4(d->area, d->narea, "3513"));
	assert_false(plan_area_has_pc4(d->area, d->narea, "351"));
	assert_false(plan_area_has_pc4(d->area, d->narea, NULL));
	free(d);
}

static void
test_police_rule(void **state)
{
	struct plan_day *d = new_day();

	(void)state;
	assert_int_equal(plan_confirm_missing(d),
	                 PLAN_MISSING_POLICE | PLAN_MISSING_INFORMED);
	d->police_informed = 1;
	assert_int_equal(plan_confirm_missing(d), PLAN_MISSING_POLICE);
	d->police = POLICE_BACKUP;
	assert_int_equal(plan_confirm_missing(d), PLAN_MISSING_CONTACT);
	d->police_contact = 1;
	assert_int_equal(plan_confirm_missing(d), 0);
	d->police_informed = 0;
	assert_int_equal(plan_confirm_missing(d), PLAN_MISSING_INFORMED);
	d->police = POLICE_PRESENT;
	d->police_contact = 0;
	d->police_informed = 1;
	/* present: officers of a police partner on the day */
	assert_int_equal(plan_confirm_missing(d), PLAN_MISSING_OFFICERS);
	d->police_staffed = 1;
	assert_int_equal(plan_confirm_missing(d), 0);
	d->npartners = 0;
	assert_int_equal(plan_confirm_missing(d), PLAN_MISSING_PARTNERS);
	free(d);
}

static void
test_check(void **state)
{
	struct plan_day *d = new_day();
	struct plan_subject s = subj(1, "3511", UWV, POLITIE);
	int64_t absent;

	(void)state;
	assert_int_equal(plan_check(d, today, &s, &absent), PLAN_OK);
	assert_int_equal(absent, 0);
	/* No interest at all: anyone may visit. */
	s = subj(2, "3511", 0, 0);
	assert_int_equal(plan_check(d, today, &s, &absent), PLAN_OK);
	/* An interested partner without staff: refused, named. */
	s = subj(3, "3511", UWV, SVB);
	assert_int_equal(plan_check(d, today, &s, &absent),
	                 PLAN_PARTNER_ABSENT);
	assert_int_equal(absent, SVB);
	s = subj(4, "3600", UWV, 0);
	assert_int_equal(plan_check(d, today, &s, &absent), PLAN_OUTSIDE_AREA);
	s = subj(5, "3511", UWV, 0);
	snprintf(s.status, sizeof(s.status), "in_actualisatie");
	assert_int_equal(plan_check(d, today, &s, &absent), PLAN_NOT_READY);
	snprintf(s.status, sizeof(s.status), "ingepland");
	assert_int_equal(plan_check(d, today, &s, &absent), PLAN_NOT_READY);
	s = subj(6, "3511", 0, 0);
	s.project = 8;
	assert_int_equal(plan_check(d, today, &s, &absent), PLAN_OTHER_PROJECT);
	s = subj(7, "3511", 0, 0);
	d->date = today - 1;
	assert_int_equal(plan_check(d, today, &s, &absent), PLAN_DAY_PAST);
	d->date = today;
	assert_int_equal(plan_check(d, today, &s, &absent), PLAN_OK);
	d->status = DAY_GEANNULEERD;
	assert_int_equal(plan_check(d, today, &s, &absent), PLAN_DAY_CLOSED);
	d->status = DAY_UITGEVOERD;
	assert_int_equal(plan_check(d, today, &s, &absent), PLAN_DAY_CLOSED);
	d->status = DAY_BEVESTIGD;
	assert_int_equal(plan_check(d, today, &s, &absent), PLAN_OK);
	free(d);
}

static void
test_capacity(void **state)
{
	struct plan_day *d = new_day();
	int i, t;

	(void)state;
	assert_int_equal(plan_capacity(d), 6);
	/* Same neighbourhood stays with its team while there is room. */
	assert_int_equal(plan_pick_team(d, "3511", 0), 1);
	assert_int_equal(plan_add_visit(d, 1, 1, "3511"), 0);
	assert_int_equal(plan_pick_team(d, "3511", 0), 1);
	/* Another neighbourhood goes to the emptiest team. */
	assert_int_equal(plan_pick_team(d, "3512", 0), 2);
	for (i = 2; i <= 3; i++)
		assert_int_equal(plan_add_visit(d, i, 1, "3511"), 0);
	assert_int_equal(plan_team_load(d, 1), 3);
	/* Team 1 is full: its neighbourhood moves on to team 2. */
	assert_int_equal(plan_pick_team(d, "3511", 0), 2);
	assert_int_equal(plan_pick_team(d, "3511", 1), 0);
	assert_int_equal(plan_pick_team(d, "3511", 3), 0);
	for (i = 4; i <= 6; i++) {
		t = plan_pick_team(d, "3512", 0);
		assert_int_equal(t, 2);
		assert_int_equal(plan_add_visit(d, i, t, "3512"), 0);
	}
	/* Six of six: nothing fits any more. */
	assert_int_equal(plan_pick_team(d, "3511", 0), 0);
	assert_int_equal(plan_pick_team(d, "3512", 2), 0);
	assert_int_equal(plan_add_visit(d, 9, 3, "3511"), -1);
	free(d);
}

static void
test_recheck(void **state)
{
	struct plan_day *d = new_day();
	struct plan_subject ss[2];
	int64_t subject, absent;

	(void)state;
	ss[0] = subj(1, "3511", UWV, 0);
	ss[1] = subj(2, "3512", POLITIE, 0);
	plan_add_visit(d, 1, 1, "3511");
	plan_add_visit(d, 2, 2, "3512");
	assert_int_equal(plan_recheck(d, ss, 2, &subject, &absent), PLAN_OK);
	/* Politie leaves the day: subject 2 cannot be visited. */
	d->npartners = 1;
	assert_int_equal(plan_recheck(d, ss, 2, &subject, &absent),
	                 PLAN_PARTNER_ABSENT);
	assert_int_equal(subject, 2);
	assert_int_equal(absent, POLITIE);
	d->npartners = 2;
	/* The area shrinks to 3511: subject 2 falls outside. */
	d->narea = 1;
	assert_int_equal(plan_recheck(d, ss, 2, &subject, &absent),
	                 PLAN_OUTSIDE_AREA);
	assert_int_equal(subject, 2);
	d->narea = 2;
	/* One team fewer: team 2's visit has nowhere to go. */
	d->teams = 1;
	assert_int_equal(plan_recheck(d, ss, 2, &subject, &absent), PLAN_FULL);
	d->teams = 2;
	d->per_team = 0;
	assert_int_equal(plan_recheck(d, ss, 2, &subject, &absent), PLAN_FULL);
	free(d);
}

static void
test_staffing(void **state)
{
	struct plan_day *d = new_day();

	(void)state;
	assert_int_equal(plan_staffing_short(d), -1);
	d->named[0] = 2;
	assert_int_equal(plan_staffing_short(d), -1);
	d->named[1] = 2;
	assert_int_equal(plan_staffing_short(d), 1);
	free(d);
}

static void
test_suggest(void **state)
{
	struct plan_day *d = new_day();
	struct plan_subject c[8];
	struct plan_choice out[8], again[8];
	int n;

	(void)state;
	c[0] = subj(1, "3512", UWV, 0);
	c[1] = subj(2, "3511", UWV, POLITIE);
	c[2] = subj(3, "3511", 0, 0);
	c[3] = subj(4, "3600", 0, 0);   /* outside */
	c[4] = subj(5, "3511", SVB, 0); /* SVB absent */
	c[5] = subj(6, "3511", 0, 0);
	c[6] = subj(7, "3511", UWV, 0); /* fourth in 3511: team 2 */
	c[7] = subj(8, "3512", 0, 0);
	/* The day already visits 3512 (team 2, one visit). */
	plan_add_visit(d, 99, 2, "3512");
	n = plan_suggest(d, today, c, 8, out);
	/* Five places are free for six fitting subjects. */
	assert_int_equal(n, 5);
	/* 3512 joins the existing visit first, then the large 3511 group. */
	assert_int_equal(out[0].subject, 1);
	assert_int_equal(out[0].team, 2);
	assert_int_equal(out[1].subject, 8);
	assert_int_equal(out[1].team, 2);
	assert_int_equal(out[2].subject, 2);
	assert_int_equal(out[2].team, 1);
	assert_int_equal(out[2].group, 4);
	assert_int_equal(out[3].subject, 3);
	assert_int_equal(out[3].team, 1);
	assert_int_equal(out[4].subject, 6);
	assert_int_equal(out[4].team, 1);
	/* The rest in candidate order, each with its reason. */
	assert_int_equal(out[5].subject, 4);
	assert_int_equal(out[5].reason, SUGGEST_OUTSIDE_AREA);
	assert_int_equal(out[6].subject, 5);
	assert_int_equal(out[6].reason, SUGGEST_PARTNER_ABSENT);
	assert_int_equal(out[6].partner, SVB);
	assert_int_equal(out[7].subject, 7);
	assert_int_equal(out[7].reason, SUGGEST_NO_ROOM);
	/* The day itself is not changed, and the answer is the same. */
	assert_int_equal(d->nvisits, 1);
	assert_int_equal(plan_suggest(d, today, c, 8, again), 5);
	assert_memory_equal(out, again, sizeof(out));
	/* Planning the suggestion in its order gives the same teams. */
	for (n = 0; n < 5; n++) {
		assert_int_equal(plan_pick_team(d, out[n].pc4, 0), out[n].team);
		plan_add_visit(d, out[n].subject, out[n].team, out[n].pc4);
	}
	/* A cancelled day suggests nothing. */
	d->status = DAY_GEANNULEERD;
	assert_int_equal(plan_suggest(d, today, c, 8, out), 0);
	assert_int_equal(out[0].reason, SUGGEST_NOT_PLANNABLE);
	free(d);
}

/* Every physical line ends in CRLF and has at most 75 octets; no bare
 * CR or LF; no UTF-8 sequence split by folding. */
static void
check_lines(const char *ics, size_t len)
{
	const char *p = ics, *end = ics + len, *crlf;

	while (p < end) {
		crlf = strstr(p, "\r\n");
		assert_non_null(crlf);
		assert_true(crlf - p <= 75);
		assert_null(memchr(p, '\n', (size_t)(crlf - p)));
		assert_null(memchr(p, '\r', (size_t)(crlf - p)));
		/* A continuation line must not start inside a sequence. */
		if (*p == ' ')
			assert_true(((unsigned char)p[1] & 0xc0) != 0x80);
		p = crlf + 2;
	}
}

/* Unfold the calendar (RFC 5545 3.1) into lines. */
static char *
unfold(const char *ics)
{
	char *out = malloc(strlen(ics) + 1), *o = out;
	const char *p;

	assert_non_null(out);
	for (p = ics; *p != '\0'; p++) {
		if (p[0] == '\r' && p[1] == '\n' && p[2] == ' ') {
			p += 2;
			continue;
		}
		*o++ = *p;
	}
	*o = '\0';
	return out;
}

static void
test_ics(void **state)
{
	struct ics_event e;
	char desc[600], *ics, *flat;
	size_t len, i;

	(void)state;
	memset(&e, 0, sizeof(e));
	e.uid = "actiedag-1-abc@ivtd";
	e.dtstamp = 1795000000;
	e.date = date_parse("2026-12-13");
	e.start = 9 * 60;
	e.end = 17 * 60 + 30;
	e.sequence = 2;
	e.status = DAY_BEVESTIGD;
	e.summary = "Actiedag Wijkaanpak Noord; fase 2, week 50";
	e.location = "Politiebureau Noord\\achter";
	/* Long, with multi-byte characters around the fold points. */
	snprintf(desc, sizeof(desc), "Partners: UWV 2, Politie 1\n");
	for (i = 0; i < 40; i++)
		strcat(desc, "\xc3\xa9\xe2\x82\xac");
	e.description = desc;
	assert_non_null(ics = plan_ics(&e, &len));
	assert_int_equal(strlen(ics), len);
	check_lines(ics, len);
	flat = unfold(ics);
	assert_non_null(strstr(flat, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
	assert_non_null(strstr(flat, "\r\nTZID:Europe/Amsterdam\r\n"));
	assert_non_null(strstr(flat, "\r\nUID:actiedag-1-abc@ivtd\r\n"));
	assert_non_null(strstr(flat, "\r\nDTSTAMP:20261118T110640Z"));
	assert_non_null(strstr(
	    flat, "\r\nDTSTART;TZID=Europe/Amsterdam:20261213T090000\r\n"));
	assert_non_null(strstr(
	    flat, "\r\nDTEND;TZID=Europe/Amsterdam:20261213T173000\r\n"));
	assert_non_null(strstr(flat, "\r\nSEQUENCE:2\r\n"));
	assert_non_null(strstr(flat, "\r\nSTATUS:CONFIRMED\r\n"));
	/* TEXT escaping: ; , \ and newlines. */
	assert_non_null(strstr(
	    flat, "\r\nSUMMARY:Actiedag Wijkaanpak Noord\\; fase 2\\, week "
	          "50\r\n"));
	assert_non_null(
	    strstr(flat, "\r\nLOCATION:Politiebureau Noord\\\\achter\r\n"));
	assert_non_null(strstr(flat, "DESCRIPTION:Partners: UWV 2\\, Politie "
	                             "1\\n\xc3\xa9\xe2\x82\xac"));
	assert_non_null(strstr(flat, "END:VEVENT\r\nEND:VCALENDAR\r\n"));
	assert_int_equal(flat[strlen(flat) - 1], '\n');
	free(flat);
	free(ics);
	/* Concept and cancelled days. */
	e.status = DAY_CONCEPT;
	e.description = NULL;
	e.location = "";
	assert_non_null(ics = plan_ics(&e, &len));
	assert_non_null(strstr(ics, "\r\nSTATUS:TENTATIVE\r\n"));
	assert_null(strstr(ics, "LOCATION"));
	assert_null(strstr(ics, "DESCRIPTION"));
	free(ics);
	e.status = DAY_GEANNULEERD;
	assert_non_null(ics = plan_ics(&e, &len));
	assert_non_null(strstr(ics, "\r\nSTATUS:CANCELLED\r\n"));
	free(ics);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_status),  cmocka_unit_test(test_time),
	    cmocka_unit_test(test_area),    cmocka_unit_test(test_police_rule),
	    cmocka_unit_test(test_check),   cmocka_unit_test(test_capacity),
	    cmocka_unit_test(test_recheck), cmocka_unit_test(test_staffing),
	    cmocka_unit_test(test_suggest), cmocka_unit_test(test_ics),
	};

	today = date_today();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
