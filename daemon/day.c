/*
 * day.c - nl.ivtd.Day: actiedagen, the visits planned on them, and
 * subjects handed out by name (see day.h and proto/nl.ivtd.Day.varlink).
 * The planning rules are pure functions in planning.c; this file loads
 * a day into them, turns their verdicts into typed errors, and stores.
 * The visits, the calendar file and assignments by name are methods of
 * their own files (day_int.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "date.h"
#include "day.h"
#include "day_int.h"
#include "ivt/wire.h"
#include "planning.h"
#include "postcode.h"
#include "subject.h"
#include "validate.h"

#define ACTIVITY_PLAN    "ivt-06"
#define PROJECT_AREA_MAX 1000
#define STAFF_MAX        999

static int
conflict(struct call *c, const char *reason)
{
	return call_fail(c, "nl.ivtd.Conflict", "{s:s}", "reason", reason);
}

/* One line of 1..max bytes: no control characters, not only spaces. */
static int
one_line(const char *s, size_t max)
{
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0 || n > max)
		return 0;
	return valid_text(s, max) && strchr(s, '\n') == NULL &&
	       strchr(s, '\t') == NULL;
}

static void
format_hhmm(int minutes, char buf[8])
{
	snprintf(buf, 8, "%02d:%02d", (minutes / 60) % 24, minutes % 60);
}

/* Name of a partner into buf ("?" when it is gone). */
void
day_partner_name(struct call *c, int64_t id, char *buf, size_t len)
{
	static const char sql[] = "SELECT name FROM partners WHERE id = ?";
	sqlite3_stmt *st;

	snprintf(buf, len, "?");
	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(buf, len, "%s", day_col_text(st, 0));
	sqlite3_reset(st);
}

static void
user_name(struct call *c, int64_t uid, char *buf, size_t len)
{
	static const char sql[] = "SELECT name FROM users WHERE uid = ?";
	sqlite3_stmt *st;

	snprintf(buf, len, "?");
	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return;
	sqlite3_bind_int64(st, 1, uid);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(buf, len, "%s", day_col_text(st, 0));
	sqlite3_reset(st);
}

/* --- loading ----------------------------------------------------------- */

/* Step a bound statement of (from, to) rows into area.  0 or -1. */
static int
load_ranges(sqlite3_stmt *st, struct plan_range *area, size_t max, size_t *n)
{
	int rc;

	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		snprintf(area[*n].from, sizeof(area[*n].from), "%s",
		         day_col_text(st, 0));
		snprintf(area[*n].to, sizeof(area[*n].to), "%s",
		         day_col_text(st, 1));
		(*n)++;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

static int
load_row(struct call *c, int64_t id, struct day_rec *r)
{
	static const char sql[] =
	    "SELECT project_id, day, start_time, end_time, meeting_point, "
	    "police, police_contact, police_informed, teams, "
	    "visits_per_team, status, cancel_reason FROM days WHERE id = ?";
	sqlite3_stmt *st;
	int rc;

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r->d.id = id;
		r->d.project = sqlite3_column_int64(st, 0);
		r->d.date = date_parse(day_col_text(st, 1));
		r->d.start = plan_parse_time(day_col_text(st, 2));
		r->d.end = plan_parse_time(day_col_text(st, 3));
		snprintf(r->meeting_point, sizeof(r->meeting_point), "%s",
		         day_col_text(st, 4));
		r->d.police =
		    (enum police)plan_police_parse(day_col_text(st, 5));
		snprintf(r->police_contact, sizeof(r->police_contact), "%s",
		         day_col_text(st, 6));
		r->d.police_contact = r->police_contact[0] != '\0';
		r->d.police_informed = sqlite3_column_int(st, 7);
		r->d.teams = sqlite3_column_int(st, 8);
		r->d.per_team = sqlite3_column_int(st, 9);
		r->d.status =
		    (enum day_status)plan_status_parse(day_col_text(st, 10));
		snprintf(r->cancel_reason, sizeof(r->cancel_reason), "%s",
		         day_col_text(st, 11));
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static void
count_named(struct day_rec *r)
{
	size_t i, j;

	for (i = 0; i < r->d.npartners; i++) {
		r->d.named[i] = 0;
		for (j = 0; j < r->nemployees; j++)
			r->d.named[i] += r->emp_partner[j] == r->d.partners[i];
	}
}

static int
load_children(struct call *c, struct day_rec *r)
{
	static const char areas[] =
	    "SELECT pc_from, pc_to FROM day_areas WHERE day_id = ? "
	    "ORDER BY pc_from, pc_to";
	static const char partners[] =
	    "SELECT d.partner_id, d.staff, p.kind = 'politie' FROM "
	    "day_partners d JOIN partners p ON p.id = d.partner_id WHERE "
	    "d.day_id = ? ORDER BY p.name";
	static const char staff[] =
	    "SELECT s.uid, u.partner_id FROM day_staff s JOIN users u ON "
	    "u.uid = s.uid WHERE s.day_id = ? ORDER BY s.uid";
	static const char visits[] =
	    "SELECT v.subject_id, v.team, s.pc4 FROM day_subjects v JOIN "
	    "subjects s ON s.id = v.subject_id WHERE v.day_id = ?1 AND "
	    "(v.active = 1 OR ?2) ORDER BY v.team, v.subject_id";
	struct store *s = c->ctx->store;
	sqlite3_stmt *st;
	int rc;

	if ((st = store_prepare(s, areas)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, r->d.id);
	if (load_ranges(st, r->d.area, PLAN_AREA_MAX, &r->d.narea) == -1 ||
	    (st = store_prepare(s, partners)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, r->d.id);
	r->d.npartners = 0;
	r->d.police_staffed = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	       r->d.npartners < PLAN_PARTNERS_MAX) {
		r->d.police_staffed |= sqlite3_column_int(st, 2);
		r->d.partners[r->d.npartners] = sqlite3_column_int64(st, 0);
		r->d.staff[r->d.npartners++] = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	if ((rc != SQLITE_DONE && rc != SQLITE_ROW) ||
	    (st = store_prepare(s, staff)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, r->d.id);
	r->nemployees = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	       r->nemployees < EMPLOYEES_MAX) {
		r->employees[r->nemployees] = sqlite3_column_int64(st, 0);
		r->emp_partner[r->nemployees++] = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	count_named(r);
	if ((rc != SQLITE_DONE && rc != SQLITE_ROW) ||
	    (st = store_prepare(s, visits)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, r->d.id);
	/* Day.Done closed the visits of a day carried out; they are what
	 * the day did, so they are shown.  A cancelled day's are not. */
	sqlite3_bind_int(st, 2, r->d.status == DAY_UITGEVOERD);
	r->d.nvisits = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	       r->d.nvisits < PLAN_VISITS_MAX) {
		r->d.visits[r->d.nvisits].subject = sqlite3_column_int64(st, 0);
		r->d.visits[r->d.nvisits].team = sqlite3_column_int(st, 1);
		snprintf(r->d.visits[r->d.nvisits].pc4,
		         sizeof(r->d.visits[0].pc4), "%s", day_col_text(st, 2));
		r->d.nvisits++;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

/* 1 loaded, 0 no such day, -1 error. */
int
day_load(struct call *c, int64_t id, struct day_rec *r)
{
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = load_row(c, id, r)) != 1)
		return rc;
	if (load_children(c, r) == -1)
		return -1;
	r->loaded_visits = r->d.nvisits;
	return 1;
}

/* Load day id and check the caller's access to its project. */
int
day_get(struct call *c, int64_t id, enum access_need need, struct day_rec *r)
{
	char idbuf[32];
	int rc;

	call_object(c, "day:%lld", (long long)id);
	if ((rc = day_load(c, id, r)) == -1)
		return call_internal(c);
	if (rc == 0) {
		snprintf(idbuf, sizeof(idbuf), "%lld", (long long)id);
		return call_not_found(c, "day", idbuf);
	}
	return access_project(c, r->d.project, need);
}

/* A subject as the planning rules see it: 1, 0 no such subject, -1. */
int
day_load_subject(struct call *c, int64_t id, struct plan_subject *s)
{
	static const char sql[] =
	    "SELECT project_id, status, pc4 FROM subjects WHERE id = ?";
	static const char interests[] =
	    "SELECT partner_id FROM interests WHERE subject_id = ? "
	    "ORDER BY partner_id";
	sqlite3_stmt *st;
	int rc;

	memset(s, 0, sizeof(*s));
	s->id = id;
	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		s->project = sqlite3_column_int64(st, 0);
		snprintf(s->status, sizeof(s->status), "%s",
		         day_col_text(st, 1));
		snprintf(s->pc4, sizeof(s->pc4), "%s", day_col_text(st, 2));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0 : -1;
	if ((st = store_prepare(c->ctx->store, interests)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (s->ninterests == PLAN_INTERESTS_MAX) {
			rc = SQLITE_FULL;
			break;
		}
		s->interests[s->ninterests++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 1 : -1;
}

int
day_active_plan(struct store *s, int64_t subject, int64_t *day, int64_t *uid)
{
	static const char visit[] =
	    "SELECT day_id FROM day_subjects WHERE subject_id = ? AND "
	    "active = 1";
	static const char assigned[] =
	    "SELECT uid FROM assignments WHERE subject_id = ? AND "
	    "active = 1";
	sqlite3_stmt *st;
	int rc;

	*day = *uid = 0;
	if ((st = store_prepare(s, visit)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, subject);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*day = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if ((rc != SQLITE_ROW && rc != SQLITE_DONE) ||
	    (st = store_prepare(s, assigned)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, subject);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*uid = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* --- replies ----------------------------------------------------------- */

json_t *
day_area_json(const struct plan_day *d)
{
	json_t *a = json_array();
	char buf[16];
	size_t i;

	for (i = 0; a != NULL && i < d->narea; i++) {
		if (strcmp(d->area[i].from, d->area[i].to) == 0)
			snprintf(buf, sizeof(buf), "%s", d->area[i].from);
		else
			snprintf(buf, sizeof(buf), "%s-%s", d->area[i].from,
			         d->area[i].to);
		json_array_append_new(a, json_string(buf));
	}
	return a;
}

static json_t *
employees_json(struct call *c, int64_t day, int64_t partner)
{
	static const char sql[] =
	    "SELECT u.name FROM day_staff s JOIN users u ON u.uid = s.uid "
	    "WHERE s.day_id = ? AND u.partner_id = ? ORDER BY u.name";
	sqlite3_stmt *st;
	json_t *a = json_array();

	if (a == NULL || (st = store_prepare(c->ctx->store, sql)) == NULL)
		return a;
	sqlite3_bind_int64(st, 1, day);
	sqlite3_bind_int64(st, 2, partner);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(a, json_string(day_col_text(st, 0)));
	sqlite3_reset(st);
	return a;
}

/*
 * The partners of the day with their staff.  The names of the employees
 * (personal data of staff) only for the day's managers and the partners
 * that take part; other admitted partners see the numbers.
 */
static json_t *
partners_json(struct call *c, const struct day_rec *r)
{
	static const char sql[] =
	    "SELECT p.id, p.name, d.staff FROM day_partners d JOIN partners "
	    "p ON p.id = d.partner_id WHERE d.day_id = ? ORDER BY p.name";
	int64_t ids[PLAN_PARTNERS_MAX];
	char names[PLAN_PARTNERS_MAX][129];
	int staff[PLAN_PARTNERS_MAX];
	sqlite3_stmt *st;
	json_t *a = json_array();
	size_t i, n = 0;
	int names_ok;

	names_ok = access_can(c, r->d.project, ACC_MANAGE) == 1 ||
	           (c->who.role == ROLE_PARTNER &&
	            plan_has_partner(&r->d, c->who.partner_id));
	if (a == NULL || (st = store_prepare(c->ctx->store, sql)) == NULL)
		return a;
	sqlite3_bind_int64(st, 1, r->d.id);
	while (n < PLAN_PARTNERS_MAX && sqlite3_step(st) == SQLITE_ROW) {
		ids[n] = sqlite3_column_int64(st, 0);
		snprintf(names[n], sizeof(names[n]), "%s", day_col_text(st, 1));
		staff[n++] = sqlite3_column_int(st, 2);
	}
	sqlite3_reset(st);
	for (i = 0; i < n; i++)
		json_array_append_new(
		    a, json_pack("{s:s,s:i,s:o}", "partner", names[i], "staff",
		                 staff[i], "employees",
		                 names_ok ? employees_json(c, r->d.id, ids[i])
		                          : json_array()));
	return a;
}

/* What confirming still needs, as names; phase when the project is not
 * in the operationele fase. */
static unsigned
missing_bits(struct call *c, const struct day_rec *r, int *phase_missing)
{
	char phase[32] = "";

	(void)access_project_phase(c->ctx->store, r->d.project, phase,
	                           sizeof(phase));
	*phase_missing = strcmp(phase, "operationeel") != 0;
	return plan_confirm_missing(&r->d);
}

static json_t *
missing_json(unsigned m, int phase_missing)
{
	json_t *a = json_array();

	if (m & PLAN_MISSING_POLICE)
		json_array_append_new(a, json_string("police"));
	if (m & PLAN_MISSING_CONTACT)
		json_array_append_new(a, json_string("police_contact"));
	if (m & PLAN_MISSING_INFORMED)
		json_array_append_new(a, json_string("police_informed"));
	if (m & PLAN_MISSING_PARTNERS)
		json_array_append_new(a, json_string("partners"));
	if (m & PLAN_MISSING_OFFICERS)
		json_array_append_new(a, json_string("police_partner"));
	if (phase_missing)
		json_array_append_new(a, json_string("phase"));
	return a;
}

json_t *
day_json(struct call *c, const struct day_rec *r)
{
	char date[16], start[8], end[8];
	unsigned m;
	int pm;
	json_t *d;

	date_format(r->d.date, date, sizeof(date));
	format_hhmm(r->d.start, start);
	format_hhmm(r->d.end, end);
	m = missing_bits(c, r, &pm);
	if (r->d.status != DAY_CONCEPT)
		m = 0, pm = 0;
	d = json_pack(
	    "{s:I,s:I,s:s,s:s,s:s,s:s,s:o,s:s,s:o,s:s,s:b,s:i,s:i,"
	    "s:i,s:i,s:o}",
	    "id", (json_int_t)r->d.id, "project", (json_int_t)r->d.project,
	    "date", date, "start", start, "end", end, "status",
	    plan_status_name(r->d.status), "area", day_area_json(&r->d),
	    "meeting_point", r->meeting_point, "partners", partners_json(c, r),
	    "police", plan_police_name(r->d.police), "police_informed",
	    r->d.police_informed, "teams", r->d.teams, "visits_per_team",
	    r->d.per_team, "capacity", plan_capacity(&r->d), "planned",
	    (int)r->d.nvisits, "missing", missing_json(m, pm));
	if (d == NULL)
		return NULL;
	if (r->police_contact[0] != '\0')
		json_object_set_new(d, "police_contact",
		                    json_string(r->police_contact));
	if (r->cancel_reason[0] != '\0')
		json_object_set_new(d, "cancel_reason",
		                    json_string(r->cancel_reason));
	return d;
}

/* Reload the day and reply {"day": ...}. */
static int
reply_day(struct call *c, struct day_rec *r)
{
	json_t *d;

	if (day_load(c, r->d.id, r) != 1 || (d = day_json(c, r)) == NULL)
		return call_internal(c);
	c->reply = json_pack("{s:o}", "day", d);
	return c->reply ? 0 : call_internal(c);
}

/* Names of the partners with an interest: expected at the visit. */
static json_t *
expected_json(struct call *c, int64_t subject)
{
	static const char sql[] =
	    "SELECT p.name FROM interests i JOIN partners p ON p.id = "
	    "i.partner_id WHERE i.subject_id = ? ORDER BY p.name";
	sqlite3_stmt *st;
	json_t *a = json_array();

	if (a == NULL || (st = store_prepare(c->ctx->store, sql)) == NULL)
		return a;
	sqlite3_bind_int64(st, 1, subject);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(a, json_string(day_col_text(st, 0)));
	sqlite3_reset(st);
	return a;
}

/*
 * A visit.  With can_read the subject as the caller may see it, through
 * subject_view, which audits every disclosure; otherwise only what is
 * not personal data: id, neighbourhood, status, expected partners.
 */
json_t *
day_visit_json(struct call *c, int64_t subject, int team, int can_read)
{
	static const char sql[] =
	    "SELECT pc4, status FROM subjects WHERE id = ?";
	sqlite3_stmt *st;
	json_t *v = NULL, *view = NULL, *x;

	if (can_read) {
		if (subject_view(c, subject, 0, &view) != 1)
			return NULL;
		v = json_pack("{s:I,s:O,s:O}", "subject", (json_int_t)subject,
		              "pc4", json_object_get(view, "pc4"), "status",
		              json_object_get(view, "status"));
		if (v != NULL && (x = json_object_get(view, "address")) != NULL)
			json_object_set(v, "address", x);
		if (v != NULL && (x = json_object_get(view, "persons")) != NULL)
			json_object_set(v, "persons", x);
		json_decref(view);
	} else {
		if ((st = store_prepare(c->ctx->store, sql)) == NULL)
			return NULL;
		sqlite3_bind_int64(st, 1, subject);
		if (sqlite3_step(st) == SQLITE_ROW)
			v = json_pack("{s:I,s:s,s:s}", "subject",
			              (json_int_t)subject, "pc4",
			              day_col_text(st, 0), "status",
			              day_col_text(st, 1));
		sqlite3_reset(st);
	}
	if (v == NULL)
		return NULL;
	json_object_set_new(v, "expected", expected_json(c, subject));
	if (team > 0)
		json_object_set_new(v, "team", json_integer(team));
	return v;
}

/* --- typed errors ------------------------------------------------------ */

int
day_fail_closed(struct call *c, const struct day_rec *r, const char *why)
{
	return call_fail(c, "nl.ivtd.Day.Closed", "{s:I,s:s,s:s}", "day",
	                 (json_int_t)r->d.id, "status",
	                 plan_status_name(r->d.status), "reason", why);
}

static int
fail_absent(struct call *c, int64_t subject, int64_t partner)
{
	char name[129], why[300];

	day_partner_name(c, partner, name, sizeof(name));
	snprintf(why, sizeof(why),
	         "%s has an interest in subject %lld but no staff on this day",
	         name, (long long)subject);
	return call_fail(c, "nl.ivtd.Day.PartnerAbsent", "{s:I,s:s,s:s}",
	                 "subject", (json_int_t)subject, "partner", name,
	                 "reason", why);
}

static int
fail_outside(struct call *c, const struct plan_subject *s)
{
	char why[128];

	snprintf(why, sizeof(why),
	         "subject %lld lies in %s, outside the day's area",
	         (long long)s->id, s->pc4);
	return call_fail(c, "nl.ivtd.Day.OutsideArea", "{s:I,s:s,s:s}",
	                 "subject", (json_int_t)s->id, "pc4", s->pc4, "reason",
	                 why);
}

int
day_fail_capacity(struct call *c, const struct day_rec *r, size_t requested,
                  int team)
{
	char why[160];
	json_t *p;

	if (team > 0)
		snprintf(why, sizeof(why),
		         "team %d has %d of %d visits planned", team,
		         plan_team_load(&r->d, team), r->d.per_team);
	else if (requested > 0)
		snprintf(why, sizeof(why),
		         "the day has room for %d visits (%d teams x %d); %zu "
		         "are planned and %zu more asked",
		         plan_capacity(&r->d), r->d.teams, r->d.per_team,
		         r->loaded_visits, requested);
	else
		snprintf(why, sizeof(why),
		         "the day would have room for %d visits (%d teams x "
		         "%d); %zu are planned",
		         plan_capacity(&r->d), r->d.teams, r->d.per_team,
		         r->loaded_visits);
	call_fail(c, "nl.ivtd.Day.CapacityExceeded", "{s:i,s:i,s:i,s:s}",
	          "capacity", plan_capacity(&r->d), "planned",
	          (int)r->loaded_visits, "requested", (int)requested, "reason",
	          why);
	p = c->error_params;
	if (team > 0 && p != NULL)
		json_object_set_new(p, "team", json_integer(team));
	return -1;
}

/* The subject is not gereed: planned already, or not ready at all. */
int
day_fail_not_ready(struct call *c, const struct plan_subject *s)
{
	char why[200], user[65];
	int64_t day, uid;
	json_t *p;

	if (day_active_plan(c->ctx->store, s->id, &day, &uid) == -1)
		return call_internal(c);
	if (day == 0 && uid == 0) {
		snprintf(why, sizeof(why),
		         "subject %lld is %s; only gereed subjects are planned",
		         (long long)s->id, s->status);
		return call_fail(c, "nl.ivtd.Day.NotReady", "{s:I,s:s,s:s}",
		                 "subject", (json_int_t)s->id, "status",
		                 s->status, "reason", why);
	}
	if (day != 0)
		snprintf(why, sizeof(why),
		         "subject %lld is planned on day %lld already",
		         (long long)s->id, (long long)day);
	else {
		user_name(c, uid, user, sizeof(user));
		snprintf(why, sizeof(why),
		         "subject %lld is assigned to %s already",
		         (long long)s->id, user);
	}
	call_fail(c, "nl.ivtd.Day.AlreadyPlanned", "{s:I,s:s}", "subject",
	          (json_int_t)s->id, "reason", why);
	if ((p = c->error_params) != NULL) {
		if (day != 0)
			json_object_set_new(p, "day", json_integer(day));
		else
			json_object_set_new(p, "user", json_string(user));
	}
	return -1;
}

/* Turn a verdict of plan_check into the call's error. */
int
day_fail_verdict(struct call *c, const struct day_rec *r,
                 const struct plan_subject *s, enum plan_verdict v,
                 int64_t absent)
{
	char why[128];

	switch (v) {
	case PLAN_OK:
		break;
	case PLAN_DAY_CLOSED:
		return day_fail_closed(c, r,
		                       "visits are planned on concept or "
		                       "bevestigd days only");
	case PLAN_DAY_PAST:
		return day_fail_closed(c, r, "the day has gone by");
	case PLAN_OTHER_PROJECT:
		snprintf(why, sizeof(why),
		         "subject %lld belongs to another project",
		         (long long)s->id);
		return call_invalid(c, "subjects", why);
	case PLAN_NOT_READY:
		return day_fail_not_ready(c, s);
	case PLAN_OUTSIDE_AREA:
		return fail_outside(c, s);
	case PLAN_PARTNER_ABSENT:
		return fail_absent(c, s->id, absent);
	case PLAN_FULL:
		return day_fail_capacity(c, r, 1, 0);
	}
	return call_internal(c);
}

/* Days are planned while the project prepares or runs its operations. */
int
day_check_phase(struct call *c, int64_t project)
{
	char phase[32];

	if (access_project_phase(c->ctx->store, project, phase,
	                         sizeof(phase)) == -1)
		return call_internal(c);
	if (strcmp(phase, "voorbereidend") != 0 &&
	    strcmp(phase, "operationeel") != 0)
		return conflict(c, "actiedagen are planned in the "
		                   "voorbereidende or operationele fase");
	return 0;
}

/* --- input ------------------------------------------------------------- */

static int
apply_times(struct call *c, struct day_rec *r)
{
	const char *s;
	int32_t d;

	if ((s = ivt_json_str(c->params, "date")) != NULL) {
		if ((d = date_parse(s)) == INT32_MIN)
			return call_invalid(c, "date",
			                    "not a date (YYYY-MM-DD)");
		if (d < date_today())
			return call_invalid(c, "date",
			                    "the date is in the past");
		r->d.date = d;
	}
	if ((s = ivt_json_str(c->params, "start")) != NULL &&
	    (r->d.start = plan_parse_time(s)) == -1)
		return call_invalid(c, "start", "not a time (HH:MM)");
	if ((s = ivt_json_str(c->params, "end")) != NULL &&
	    (r->d.end = plan_parse_time(s)) == -1)
		return call_invalid(c, "end", "not a time (HH:MM)");
	if (r->d.end <= r->d.start)
		return call_invalid(c, "end", "the day ends before it starts");
	return 0;
}

static int
apply_area(struct call *c, struct day_rec *r)
{
	static const char sql[] =
	    "SELECT pc_from, pc_to FROM project_areas WHERE project_id = ?";
	const json_t *list = json_object_get(c->params, "area"), *v;
	struct plan_range *proj, *dst;
	sqlite3_stmt *st;
	size_t i, nproj;
	int rc = 0;

	if (list == NULL || json_is_null(list))
		return 0;
	if (json_array_size(list) == 0)
		return call_invalid(c, "area",
		                    "give at least one postcode or "
		                    "range");
	if ((proj = calloc(PROJECT_AREA_MAX, sizeof(*proj))) == NULL ||
	    (st = store_prepare(c->ctx->store, sql)) == NULL) {
		free(proj);
		return call_internal(c);
	}
	sqlite3_bind_int64(st, 1, r->d.project);
	if (load_ranges(st, proj, PROJECT_AREA_MAX, &nproj) == -1) {
		free(proj);
		return call_internal(c);
	}
	r->d.narea = 0;
	json_array_foreach(list, i, v)
	{
		dst = &r->d.area[r->d.narea];
		if (postcode_range(json_string_value(v), dst->from, dst->to) ==
		    -1) {
			rc = call_invalid(c, "area",
			                  "not a postcode or range (1234AB, "
			                  "1234AA-1234ZZ)");
			break;
		}
		if (!plan_range_within(dst, proj, nproj)) {
			rc = call_invalid(c, "area",
			                  "outside the project's area");
			break;
		}
		r->d.narea++;
	}
	free(proj);
	return rc;
}

/* Is the partner the police (kind politie)?  1, 0, or -1. */
static int
partner_is_police(struct call *c, int64_t id)
{
	static const char sql[] =
	    "SELECT 1 FROM partners WHERE id = ? AND kind = 'politie'";
	sqlite3_stmt *st;

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return store_step_exists(st);
}

static int
apply_partners(struct call *c, struct day_rec *r)
{
	const json_t *list = json_object_get(c->params, "partners"), *v;
	const char *name;
	char why[200];
	long long staff;
	int64_t id;
	size_t i, j;
	int rights, police;

	if (list == NULL || json_is_null(list))
		return 0;
	r->d.npartners = 0;
	r->d.police_staffed = 0;
	json_array_foreach(list, i, v)
	{
		name = ivt_json_str(v, "partner");
		staff = ivt_json_int(v, "staff", 0);
		if ((id = partner_id_by_name(c->ctx->store, name)) <= 0)
			return id < 0 ? call_internal(c)
			              : call_not_found(c, "partner", name);
		if (staff < 1 || staff > STAFF_MAX)
			return call_invalid(c, "partners",
			                    "staff is 1 to 999 per partner");
		if ((rights = access_partner_rights(c->ctx->store, r->d.project,
		                                    id)) < 0)
			return call_internal(c);
		if (rights == 0) {
			snprintf(why, sizeof(why),
			         "%s is not admitted to the project's privacy "
			         "protocol",
			         name);
			return call_invalid(c, "partners", why);
		}
		for (j = 0; j < r->d.npartners; j++) {
			if (r->d.partners[j] == id)
				return call_invalid(
				    c, "partners", "a partner is listed twice");
		}
		if ((police = partner_is_police(c, id)) == -1)
			return call_internal(c);
		r->d.police_staffed |= police;
		r->d.partners[r->d.npartners] = id;
		r->d.staff[r->d.npartners++] = (int)staff;
	}
	return 0;
}

static int
apply_employees(struct call *c, struct day_rec *r)
{
	static const char sql[] =
	    "SELECT uid, role, partner_id, disabled FROM users WHERE "
	    "name = ?";
	const json_t *list = json_object_get(c->params, "employees"), *v;
	const char *name;
	sqlite3_stmt *st;
	char why[200];
	int64_t uid = 0, partner = 0;
	size_t i, j;
	int rc, ok = 0;

	if (list == NULL || json_is_null(list))
		return 0;
	r->nemployees = 0;
	json_array_foreach(list, i, v)
	{
		name = json_string_value(v);
		if ((st = store_prepare(c->ctx->store, sql)) == NULL)
			return call_internal(c);
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			uid = sqlite3_column_int64(st, 0);
			partner = sqlite3_column_int64(st, 2);
			ok = strcmp(day_col_text(st, 1), "partner") == 0 &&
			     sqlite3_column_int(st, 3) == 0;
		}
		sqlite3_reset(st);
		if (rc != SQLITE_ROW)
			return rc == SQLITE_DONE
			           ? call_not_found(c, "user", name)
			           : call_internal(c);
		if (!ok) {
			snprintf(why, sizeof(why),
			         "%s is not an enabled employee of a partner",
			         name);
			return call_invalid(c, "employees", why);
		}
		for (j = 0; j < r->nemployees; j++) {
			if (r->employees[j] == uid)
				return call_invalid(
				    c, "employees",
				    "an employee is listed twice");
		}
		r->employees[r->nemployees] = uid;
		r->emp_partner[r->nemployees++] = partner;
	}
	return 0;
}

static int
apply_police(struct call *c, struct day_rec *r)
{
	const char *s;
	const json_t *v;
	long long n;

	if ((s = ivt_json_str(c->params, "police")) != NULL)
		r->d.police = (enum police)plan_police_parse(s);
	if ((s = ivt_json_str(c->params, "police_contact")) != NULL) {
		/* "" clears the contact. */
		if (s[0] != '\0' && !one_line(s, LINE_MAX_BYTES))
			return call_invalid(c, "police_contact",
			                    "one line of text");
		snprintf(r->police_contact, sizeof(r->police_contact), "%s", s);
		r->d.police_contact = s[0] != '\0';
	}
	if ((v = json_object_get(c->params, "police_informed")) != NULL &&
	    json_is_boolean(v))
		r->d.police_informed = json_is_true(v);
	if ((n = ivt_json_int(c->params, "teams", r->d.teams)) < 1 ||
	    n > PLAN_TEAMS_MAX)
		return call_invalid(c, "teams", "1 to 20 teams");
	r->d.teams = (int)n;
	if ((n = ivt_json_int(c->params, "visits_per_team", r->d.per_team)) <
	        1 ||
	    n > PLAN_PER_TEAM_MAX)
		return call_invalid(c, "visits_per_team", "1 to 50 visits");
	r->d.per_team = (int)n;
	return 0;
}

/* Employees belong to partners on the day, within their staff. */
static int
check_staffing(struct call *c, struct day_rec *r)
{
	char name[129], user[65], why[300];
	size_t i;
	int short_idx;

	for (i = 0; i < r->nemployees; i++) {
		if (!plan_has_partner(&r->d, r->emp_partner[i])) {
			user_name(c, r->employees[i], user, sizeof(user));
			day_partner_name(c, r->emp_partner[i], name,
			                 sizeof(name));
			snprintf(why, sizeof(why),
			         "%s works for %s, which is not on the day",
			         user, name);
			return call_invalid(c, "employees", why);
		}
	}
	count_named(r);
	if ((short_idx = plan_staffing_short(&r->d)) >= 0) {
		day_partner_name(c, r->d.partners[short_idx], name,
		                 sizeof(name));
		snprintf(why, sizeof(why),
		         "%s has more named employees than staff", name);
		return call_invalid(c, "partners", why);
	}
	return 0;
}

/* The planned visits still fit the (changed) day. */
static int
check_visits(struct call *c, struct day_rec *r)
{
	struct plan_subject *ss;
	enum plan_verdict v;
	int64_t subject, absent;
	size_t i, n = 0;
	int rc = 0;

	if (r->d.nvisits == 0)
		return 0;
	if ((ss = calloc(r->d.nvisits, sizeof(*ss))) == NULL)
		return call_internal(c);
	for (i = 0; i < r->d.nvisits; i++) {
		if (day_load_subject(c, r->d.visits[i].subject, &ss[n]) != 1) {
			free(ss);
			return call_internal(c);
		}
		n++;
	}
	v = plan_recheck(&r->d, ss, n, &subject, &absent);
	for (i = 0; v != PLAN_OK && i < n; i++) {
		if (ss[i].id != subject)
			continue;
		rc = v == PLAN_FULL ? day_fail_capacity(c, r, 0, 0)
		                    : day_fail_verdict(c, r, &ss[i], v, absent);
		break;
	}
	if (v == PLAN_FULL && rc == 0)
		rc = day_fail_capacity(c, r, 0, 0);
	free(ss);
	return rc;
}

static int
fail_missing(struct call *c, unsigned m, int phase_missing)
{
	char why[400] = "confirming needs:";

	if (m & PLAN_MISSING_POLICE)
		strcat(why, " the police present or police back-up "
		            "arranged;");
	if (m & PLAN_MISSING_CONTACT)
		strcat(why, " the contact of the police back-up;");
	if (m & PLAN_MISSING_INFORMED)
		strcat(why, " the local police informed;");
	if (m & PLAN_MISSING_PARTNERS)
		strcat(why, " partners with staff;");
	if (m & PLAN_MISSING_OFFICERS)
		strcat(why, " the police among the partners, with staff, as "
		            "it is present;");
	if (phase_missing)
		strcat(why, " the project in the operationele fase;");
	why[strlen(why) - 1] = '\0';
	return call_fail(c, "nl.ivtd.Day.NotConfirmable", "{s:o,s:s}",
	                 "missing", missing_json(m, phase_missing), "reason",
	                 why);
}

/* Apply the call's parameters to r and check the whole day. */
static int
apply(struct call *c, struct day_rec *r)
{
	const char *s;

	if (apply_times(c, r) == -1)
		return -1;
	if ((s = ivt_json_str(c->params, "meeting_point")) != NULL) {
		if (!one_line(s, LINE_MAX_BYTES))
			return call_invalid(c, "meeting_point",
			                    "one line of text");
		snprintf(r->meeting_point, sizeof(r->meeting_point), "%s", s);
	}
	if (apply_area(c, r) == -1 || apply_partners(c, r) == -1 ||
	    apply_employees(c, r) == -1 || apply_police(c, r) == -1 ||
	    check_staffing(c, r) == -1 || check_visits(c, r) == -1)
		return -1;
	if (r->d.date < date_today())
		return day_fail_closed(c, r,
		                       "the day has gone by; give a new "
		                       "date");
	/* A confirmed day stays confirmable. */
	if (r->d.status == DAY_BEVESTIGD && plan_confirm_missing(&r->d) != 0)
		return fail_missing(c, plan_confirm_missing(&r->d), 0);
	return 0;
}

/* --- storing ----------------------------------------------------------- */

static int
save_row(struct call *c, struct day_rec *r)
{
	static const char ins[] =
	    "INSERT INTO days (project_id, day, start_time, end_time, "
	    "meeting_point, police, police_contact, police_informed, "
	    "teams, visits_per_team, status, created, created_by, updated) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
	    "?13, ?12)";
	static const char upd[] =
	    "UPDATE days SET project_id = ?1, day = ?2, start_time = ?3, "
	    "end_time = ?4, meeting_point = ?5, police = ?6, "
	    "police_contact = ?7, police_informed = ?8, teams = ?9, "
	    "visits_per_team = ?10, status = ?11, updated = ?12, "
	    "sequence = sequence + 1 WHERE id = ?14";
	char date[16], start[8], end[8];
	sqlite3_stmt *st;

	if ((st = store_prepare(c->ctx->store, r->d.id ? upd : ins)) == NULL)
		return -1;
	date_format(r->d.date, date, sizeof(date));
	format_hhmm(r->d.start, start);
	format_hhmm(r->d.end, end);
	sqlite3_bind_int64(st, 1, r->d.project);
	sqlite3_bind_text(st, 2, date, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, start, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, end, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, r->meeting_point, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, plan_police_name(r->d.police), -1,
	                  SQLITE_STATIC);
	sqlite3_bind_text(st, 7, r->police_contact, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, r->d.police_informed != 0);
	sqlite3_bind_int(st, 9, r->d.teams);
	sqlite3_bind_int(st, 10, r->d.per_team);
	sqlite3_bind_text(st, 11, plan_status_name(r->d.status), -1,
	                  SQLITE_STATIC);
	sqlite3_bind_int64(st, 12, store_now_us());
	if (r->d.id == 0)
		sqlite3_bind_int64(st, 13, c->who.uid);
	else
		sqlite3_bind_int64(st, 14, r->d.id);
	if (store_step_done(st) == -1)
		return -1;
	if (r->d.id == 0)
		r->d.id = sqlite3_last_insert_rowid(c->ctx->store->db);
	return 0;
}

/* Run a statement bound to (day, a, b) for rows of children. */
static int
exec3(struct call *c, const char *sql, int64_t day, int64_t a, int64_t b,
      const char *ta, const char *tb)
{
	sqlite3_stmt *st;

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, day);
	if (ta != NULL) {
		sqlite3_bind_text(st, 2, ta, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, tb, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_int64(st, 2, a);
		sqlite3_bind_int64(st, 3, b);
	}
	return store_step_done(st);
}

static int
save_children(struct call *c, struct day_rec *r)
{
	static const char del_area[] = "DELETE FROM day_areas WHERE day_id = ?";
	static const char del_part[] =
	    "DELETE FROM day_partners WHERE day_id = ?";
	static const char del_staff[] =
	    "DELETE FROM day_staff WHERE day_id = ?";
	static const char ins_area[] =
	    "INSERT OR IGNORE INTO day_areas (day_id, pc_from, pc_to) "
	    "VALUES (?, ?, ?)";
	static const char ins_part[] =
	    "INSERT INTO day_partners (day_id, partner_id, staff) "
	    "VALUES (?, ?, ?)";
	static const char ins_staff[] =
	    "INSERT INTO day_staff (day_id, uid) VALUES (?, ?)";
	static const char *const dels[] = {del_area, del_part, del_staff};
	sqlite3_stmt *st;
	size_t i;

	for (i = 0; i < 3; i++) {
		if ((st = store_prepare(c->ctx->store, dels[i])) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, r->d.id);
		if (store_step_done(st) == -1)
			return -1;
	}
	for (i = 0; i < r->d.narea; i++) {
		if (exec3(c, ins_area, r->d.id, 0, 0, r->d.area[i].from,
		          r->d.area[i].to) == -1)
			return -1;
	}
	for (i = 0; i < r->d.npartners; i++) {
		if (exec3(c, ins_part, r->d.id, r->d.partners[i], r->d.staff[i],
		          NULL, NULL) == -1)
			return -1;
	}
	for (i = 0; i < r->nemployees; i++) {
		if ((st = store_prepare(c->ctx->store, ins_staff)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, r->d.id);
		sqlite3_bind_int64(st, 2, r->employees[i]);
		if (store_step_done(st) == -1)
			return -1;
	}
	return 0;
}

static int
day_save(struct call *c, struct day_rec *r)
{
	if (save_row(c, r) == -1 || save_children(c, r) == -1)
		return call_internal(c);
	call_object(c, "day:%lld", (long long)r->d.id);
	return 0;
}

/* Bump the day's status (and its iCalendar sequence). */
static int
set_status(struct call *c, struct day_rec *r, enum day_status to,
           const char *reason)
{
	static const char sql[] =
	    "UPDATE days SET status = ?, cancel_reason = ?, updated = ?, "
	    "sequence = sequence + 1 WHERE id = ?";
	sqlite3_stmt *st;

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, plan_status_name(to), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, store_now_us());
	sqlite3_bind_int64(st, 4, r->d.id);
	if (store_step_done(st) == -1)
		return -1;
	r->d.status = to;
	return 0;
}

/* --- methods: the day itself ------------------------------------------ */

/* Run fn with a zeroed day record on the heap (it is large). */
int
day_with_rec(struct call *c, int (*fn)(struct call *, struct day_rec *))
{
	struct day_rec *r;
	int rc;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return call_internal(c);
	rc = fn(c, r);
	free(r);
	return rc;
}

static int
create(struct call *c, struct day_rec *r)
{
	r->d.project = ivt_json_int(c->params, "project", 0);
	if (access_project(c, r->d.project, ACC_HANDLE) == -1 ||
	    day_check_phase(c, r->d.project) == -1)
		return -1;
	call_object(c, "project:%lld day", (long long)r->d.project);
	r->d.status = DAY_CONCEPT;
	r->d.police = POLICE_NONE;
	r->d.teams = 1;
	r->d.per_team = PLAN_PER_TEAM_DFLT;
	if (apply(c, r) == -1 || day_save(c, r) == -1)
		return -1;
	return reply_day(c, r);
}

static int
day_create(struct call *c)
{
	return day_with_rec(c, create);
}

static int
update(struct call *c, struct day_rec *r)
{
	if (day_get(c, ivt_json_int(c->params, "id", 0), ACC_HANDLE, r) == -1 ||
	    day_check_phase(c, r->d.project) == -1)
		return -1;
	if (r->d.status != DAY_CONCEPT && r->d.status != DAY_BEVESTIGD)
		return day_fail_closed(c, r,
		                       "only concept or bevestigd days "
		                       "change");
	if (apply(c, r) == -1 || day_save(c, r) == -1)
		return -1;
	return reply_day(c, r);
}

static int
day_update(struct call *c)
{
	return day_with_rec(c, update);
}

static int
confirm(struct call *c, struct day_rec *r)
{
	unsigned m;
	int pm;

	if (day_get(c, ivt_json_int(c->params, "id", 0), ACC_HANDLE, r) == -1)
		return -1;
	if (r->d.status == DAY_BEVESTIGD)
		return conflict(c, "the day is bevestigd already");
	if (!plan_transition_ok(r->d.status, DAY_BEVESTIGD))
		return day_fail_closed(c, r, "only a concept day is confirmed");
	if (r->d.date < date_today())
		return day_fail_closed(c, r, "the day has gone by");
	if ((m = missing_bits(c, r, &pm)) != 0 || pm)
		return fail_missing(c, m, pm);
	if (set_status(c, r, DAY_BEVESTIGD, NULL) == -1)
		return call_internal(c);
	return reply_day(c, r);
}

static int
day_confirm(struct call *c)
{
	return day_with_rec(c, confirm);
}

/*
 * End a subject's visit or assignment: a subject still ingepland is
 * gereed again.  One that was visited meanwhile (a finding on a visit by
 * name) keeps its status: what was found stays found.
 */
int
day_release(struct call *c, int64_t subject, int64_t project)
{
	if (subject_move_status(c->ctx->store, subject, "ingepland",
	                        "gereed") == -1 ||
	    subject_audit(c, subject, project) == -1)
		return -1;
	return 0;
}

/* Were findings recorded on the day (for the subject, unless 0)?  1, 0,
 * or -1 with the call failed. */
int
day_has_findings(struct call *c, int64_t day, int64_t subject)
{
	static const char sql[] = "SELECT 1 FROM findings WHERE day_id = ?1 "
	                          "AND (?2 = 0 OR subject_id = ?2) LIMIT 1";
	sqlite3_stmt *st;
	int rc;

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, day);
	sqlite3_bind_int64(st, 2, subject);
	if ((rc = store_step_exists(st)) == -1)
		return call_internal(c);
	return rc;
}

static int
cancel(struct call *c, struct day_rec *r)
{
	static const char sql[] =
	    "UPDATE day_subjects SET active = 0 WHERE day_id = ? AND "
	    "active = 1";
	const char *why = ivt_json_str(c->params, "reason");
	sqlite3_stmt *st;
	size_t i;
	json_t *d;
	int rc;

	if (day_get(c, ivt_json_int(c->params, "id", 0), ACC_HANDLE, r) == -1)
		return -1;
	if (!plan_transition_ok(r->d.status, DAY_GEANNULEERD))
		return day_fail_closed(c, r,
		                       "only concept or bevestigd days are "
		                       "cancelled");
	if (!valid_text(why, REASON_MAX))
		return call_invalid(c, "reason",
		                    "give a reason (1 to 1024 "
		                    "bytes)");
	if ((rc = day_has_findings(c, r->d.id, 0)) != 0)
		return rc == -1
		           ? -1
		           : conflict(c, "findings were recorded on this "
		                         "day: it took place; mark it done");
	/* The visits stay as history, inactive; the subjects are free. */
	for (i = 0; i < r->d.nvisits; i++) {
		if (day_release(c, r->d.visits[i].subject, r->d.project) == -1)
			return call_internal(c);
	}
	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, r->d.id);
	if (store_step_done(st) == -1 ||
	    set_status(c, r, DAY_GEANNULEERD, why) == -1)
		return call_internal(c);
	i = r->d.nvisits;
	if (day_load(c, r->d.id, r) != 1 || (d = day_json(c, r)) == NULL)
		return call_internal(c);
	c->reply = json_pack("{s:o,s:i}", "day", d, "released", (int)i);
	return c->reply ? 0 : call_internal(c);
}

static int
day_cancel(struct call *c)
{
	return day_with_rec(c, cancel);
}

/* Collect up to max ids from column 0 (and column 1 into b). */
int
day_collect(sqlite3_stmt *st, int64_t *a, int64_t *b, size_t max, size_t *n)
{
	int rc;

	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		a[*n] = sqlite3_column_int64(st, 0);
		if (b != NULL)
			b[*n] = sqlite3_column_int64(st, 1);
		(*n)++;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

/* Append the days in ids (that the caller may see) to list. */
int
day_append_days(struct call *c, struct day_rec *r, const int64_t *ids, size_t n,
                int check, json_t *list)
{
	json_t *d;
	size_t i;
	int ok;

	for (i = 0; i < n; i++) {
		if (day_load(c, ids[i], r) != 1)
			return -1;
		if (check) {
			if ((ok = access_can(c, r->d.project, ACC_META)) == -1)
				return -1;
			if (!ok)
				continue;
		}
		if ((d = day_json(c, r)) == NULL)
			return -1;
		json_array_append_new(list, d);
	}
	return 0;
}

static int
list(struct call *c, struct day_rec *r)
{
	static const char sql[] =
	    "SELECT id FROM days WHERE (?1 IS NULL OR project_id = ?1) AND "
	    "(?2 IS NULL OR day >= ?2) AND (?3 IS NULL OR day <= ?3) AND "
	    "(?4 IS NULL OR status = ?4) ORDER BY day, start_time, id "
	    "LIMIT ?5";
	const json_t *pv = json_object_get(c->params, "project");
	const char *from = ivt_json_str(c->params, "from");
	const char *to = ivt_json_str(c->params, "to");
	int64_t project = ivt_json_int(c->params, "project", 0), *ids;
	sqlite3_stmt *st;
	json_t *days;
	size_t n;
	int rc;

	if (pv != NULL && !json_is_null(pv) &&
	    access_project(c, project, ACC_META) == -1)
		return -1;
	if (from != NULL && date_parse(from) == INT32_MIN)
		return call_invalid(c, "from", "not a date (YYYY-MM-DD)");
	if (to != NULL && date_parse(to) == INT32_MIN)
		return call_invalid(c, "to", "not a date (YYYY-MM-DD)");
	if ((st = store_prepare(c->ctx->store, sql)) == NULL ||
	    (ids = calloc(LIST_MAX, sizeof(*ids))) == NULL)
		return call_internal(c);
	if (project > 0)
		sqlite3_bind_int64(st, 1, project);
	sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, ivt_json_str(c->params, "status"), -1,
	                  SQLITE_STATIC);
	sqlite3_bind_int(st, 5, LIST_MAX);
	days = json_array();
	rc = days == NULL || day_collect(st, ids, NULL, LIST_MAX, &n) == -1 ||
	     day_append_days(c, r, ids, n, project <= 0, days) == -1;
	free(ids);
	if (rc) {
		json_decref(days);
		return call_internal(c);
	}
	c->reply = json_pack("{s:o}", "days", days);
	return c->reply ? 0 : call_internal(c);
}

static int
day_list(struct call *c)
{
	return day_with_rec(c, list);
}

static int
show(struct call *c, struct day_rec *r)
{
	json_t *teams, *team, *visits, *v, *d;
	size_t i;
	int t, can_read, planned;
	/*
	 * A visit names a subject, its neighbourhood, status and the
	 * partners with an interest in it: for the people who run the day.
	 * The admin and the privacy officer see the day and how many
	 * visits each team has.
	 */
	int see =
	    c->who.role == ROLE_PROJECTLEIDER || c->who.role == ROLE_PARTNER;

	if (day_get(c, ivt_json_int(c->params, "id", 0), ACC_META, r) == -1)
		return -1;
	if ((can_read = access_can(c, r->d.project, ACC_INLEZEN)) == -1 ||
	    (d = day_json(c, r)) == NULL)
		return call_internal(c);
	teams = json_array();
	for (t = 1; t <= r->d.teams; t++) {
		visits = json_array();
		for (i = 0, planned = 0; i < r->d.nvisits; i++) {
			if (r->d.visits[i].team != t)
				continue;
			planned++;
			if (!see)
				continue;
			if ((v = day_visit_json(c, r->d.visits[i].subject, 0,
			                        can_read)) == NULL) {
				json_decref(visits);
				json_decref(teams);
				json_decref(d);
				return call_internal(c);
			}
			json_array_append_new(visits, v);
		}
		team = json_pack("{s:i,s:i,s:o}", "team", t, "planned", planned,
		                 "visits", visits);
		json_array_append_new(teams, team);
	}
	c->reply = json_pack("{s:o,s:o}", "day", d, "teams", teams);
	return c->reply ? 0 : call_internal(c);
}

static int
day_show(struct call *c)
{
	return day_with_rec(c, show);
}

/* Planning handles the subjects: the leaders' work, not the admin's. */
#define LEADERS ROLE_PROJECTLEIDER

const struct method day_methods[] = {
    {"nl.ivtd.Day.Create", day_create, LEADERS, M_WRITE, ACTIVITY_PLAN},
    {"nl.ivtd.Day.Update", day_update, LEADERS, M_WRITE, ACTIVITY_PLAN},
    {"nl.ivtd.Day.Confirm", day_confirm, LEADERS, M_WRITE, ACTIVITY_PLAN},
    {"nl.ivtd.Day.Cancel", day_cancel, LEADERS, M_WRITE, ACTIVITY_PLAN},
    {"nl.ivtd.Day.List", day_list, ROLE_ANY, 0, ACTIVITY_PLAN},
    {"nl.ivtd.Day.Show", day_show, ROLE_ANY, M_AUDIT, ACTIVITY_PLAN},
    {"nl.ivtd.Day.Plan", day_plan, LEADERS, M_WRITE, ACTIVITY_PLAN},
    {"nl.ivtd.Day.Unplan", day_unplan, LEADERS, M_WRITE, ACTIVITY_PLAN},
    {"nl.ivtd.Day.Suggest", day_suggest, LEADERS, 0, ACTIVITY_PLAN},
    {"nl.ivtd.Day.Export", day_export, ROLE_ANY, 0, ACTIVITY_PLAN},
    {"nl.ivtd.Day.Assign", day_assign, LEADERS, M_WRITE, ACTIVITY_PLAN},
    {"nl.ivtd.Day.Unassign", day_unassign, LEADERS, M_WRITE, ACTIVITY_PLAN},
    {"nl.ivtd.Day.Mine", day_mine, ROLE_ANY, M_AUDIT, ACTIVITY_PLAN},
    {NULL, NULL, 0, 0, NULL},
};
