/*
 * day_assign.c - nl.ivtd.Day: subjects handed out by name to a partner's
 * employee outside a day, and the caller's own work (days and assignments).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "day.h"
#include "day_int.h"
#include "ivt/wire.h"
#include "subject.h"

/* May the user receive the subject?  0, or -1 with the call failed. */
static int
check_assignee(struct call *c, const char *user, int64_t project,
               const struct plan_subject *s, int64_t *uid)
{
	static const char sql[] =
	    "SELECT u.uid, u.role, u.partner_id, u.disabled, p.name FROM "
	    "users u LEFT JOIN partners p ON p.id = u.partner_id WHERE "
	    "u.name = ?";
	static const char grant[] =
	    "SELECT inlezen, instr(fields, 'adres') > 0 FROM "
	    "protocol_grants WHERE project_id = ? AND partner_id = ?";
	char org[129] = "", why[300];
	sqlite3_stmt *st;
	int64_t partner = 0;
	int rc, ok = 0, reads = 0;
	size_t i;

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*uid = sqlite3_column_int64(st, 0);
		ok = strcmp(day_col_text(st, 1), "partner") == 0 &&
		     sqlite3_column_int(st, 3) == 0;
		partner = sqlite3_column_int64(st, 2);
		snprintf(org, sizeof(org), "%s", day_col_text(st, 4));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? call_not_found(c, "user", user)
		                         : call_internal(c);
	if (!ok)
		return call_fail(c, "nl.ivtd.Day.NotAssignable", "{s:s,s:s}",
		                 "user", user, "reason",
		                 "not an enabled employee of a partner");
	if ((st = store_prepare(c->ctx->store, grant)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, project);
	sqlite3_bind_int64(st, 2, partner);
	if (sqlite3_step(st) == SQLITE_ROW)
		reads = sqlite3_column_int(st, 0) && sqlite3_column_int(st, 1);
	sqlite3_reset(st);
	if (!reads) {
		snprintf(why, sizeof(why),
		         "the privacy protocol does not let %s read addresses "
		         "in this project",
		         org);
		return call_fail(c, "nl.ivtd.Day.NotAssignable", "{s:s,s:s}",
		                 "user", user, "reason", why);
	}
	for (i = 0; i < s->ninterests; i++) {
		if (s->interests[i] == partner)
			return 0;
	}
	if (s->ninterests == 0)
		return 0;
	snprintf(why, sizeof(why), "%s has no interest in subject %lld", org,
	         (long long)s->id);
	return call_fail(c, "nl.ivtd.Day.NotAssignable", "{s:s,s:s}", "user",
	                 user, "reason", why);
}

static json_t *
assignment_row(struct call *c, sqlite3_stmt *st, int with_visit)
{
	char at[32];
	int64_t subject = sqlite3_column_int64(st, 0);
	int64_t project = sqlite3_column_int64(st, 1);
	json_t *a, *v;
	int can;

	format_time(sqlite3_column_int64(st, 4), at, sizeof(at));
	a = json_pack("{s:I,s:I,s:s,s:s,s:s,s:s}", "subject",
	              (json_int_t)subject, "project", (json_int_t)project,
	              "user", day_col_text(st, 2), "org", day_col_text(st, 3),
	              "assigned", at, "assigned_by", day_col_text(st, 5));
	if (a == NULL || !with_visit)
		return a;
	if ((can = access_can(c, project, ACC_INLEZEN)) == -1 ||
	    (v = day_visit_json(c, subject, 0, can)) == NULL) {
		json_decref(a);
		return NULL;
	}
	json_object_set_new(a, "visit", v);
	return a;
}

#define ASSIGNMENT_COLS                                                        \
	"SELECT a.subject_id, s.project_id, u.name, coalesce(p.name, ''), "    \
	"a.assigned_at, coalesce(b.name, '') FROM assignments a "              \
	"JOIN subjects s ON s.id = a.subject_id "                              \
	"JOIN users u ON u.uid = a.uid "                                       \
	"LEFT JOIN partners p ON p.id = u.partner_id "                         \
	"LEFT JOIN users b ON b.uid = a.assigned_by "

int
day_assign(struct call *c)
{
	static const char ins[] =
	    "INSERT INTO assignments (id, subject_id, uid, active, "
	    "assigned_at, assigned_by) VALUES (" STORE_NEXT_ID(
	        "assignments") ", ?, ?, 1, ?, ?)";
	static const char get[] = ASSIGNMENT_COLS "WHERE a.id = ?";
	int64_t id = ivt_json_int(c->params, "subject", 0), project, uid = 0;
	const char *user = ivt_json_str(c->params, "user");
	int64_t row, on_day = 0, to_uid = 0;
	struct plan_subject s;
	sqlite3_stmt *st;
	json_t *a = NULL;

	if (subject_access(c, id, ACC_HANDLE, &project) == -1 ||
	    day_check_phase(c, project) == -1)
		return -1;
	if (day_load_subject(c, id, &s) != 1)
		return call_internal(c);
	if (strcmp(s.status, "gereed") != 0)
		return day_fail_not_ready(c, &s);
	/* gereed means neither planned nor handed out; say so if not. */
	if (day_active_plan(c->ctx->store, id, &on_day, &to_uid) == -1)
		return call_internal(c);
	if (on_day != 0 || to_uid != 0)
		return call_fail(
		    c, "nl.ivtd.Conflict", "{s:s}", "reason",
		    "the subject is planned or handed out already");
	if (check_assignee(c, user, project, &s, &uid) == -1)
		return -1;
	if ((st = store_prepare(c->ctx->store, ins)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, uid);
	sqlite3_bind_int64(st, 3, store_now_us());
	sqlite3_bind_int64(st, 4, c->who.uid);
	if (store_step_done(st) == -1)
		return call_internal(c);
	/* Before the audit entries below move the last rowid on. */
	row = sqlite3_last_insert_rowid(c->ctx->store->db);
	if (subject_set_status(c->ctx->store, id, "ingepland") == -1 ||
	    subject_audit(c, id, project) == -1 ||
	    (st = store_prepare(c->ctx->store, get)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, row);
	if (sqlite3_step(st) == SQLITE_ROW)
		a = assignment_row(c, st, 0);
	sqlite3_reset(st);
	if (a == NULL)
		return call_internal(c);
	call_object(c, "subject:%lld assign", (long long)id);
	c->reply = json_pack("{s:o}", "assignment", a);
	return c->reply ? 0 : call_internal(c);
}

int
day_end_assignment(struct store *s, int64_t subject)
{
	static const char sql[] =
	    "UPDATE assignments SET active = 0, ended_at = ? WHERE "
	    "subject_id = ? AND active = 1";
	sqlite3_stmt *st;

	if ((st = store_prepare(s, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, store_now_us());
	sqlite3_bind_int64(st, 2, subject);
	if (store_step_done(st) == -1)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

int
day_unassign(struct call *c)
{
	int64_t id = ivt_json_int(c->params, "subject", 0), project;
	char idbuf[32], status[32];
	int r;

	if (subject_access(c, id, ACC_HANDLE, &project) == -1)
		return -1;
	if ((r = day_end_assignment(c->ctx->store, id)) == -1)
		return call_internal(c);
	if (r == 0) {
		snprintf(idbuf, sizeof(idbuf), "%lld", (long long)id);
		return call_not_found(c, "assignment", idbuf);
	}
	if (day_release(c, id, project) == -1 ||
	    subject_status(c->ctx->store, id, status, sizeof(status)) == -1)
		return call_internal(c);
	call_object(c, "subject:%lld unassign", (long long)id);
	c->reply =
	    json_pack("{s:I,s:s}", "subject", (json_int_t)id, "status", status);
	return c->reply ? 0 : call_internal(c);
}

/* --- the caller's own work --------------------------------------------- */

static int
mine_assignments(struct call *c, json_t *list)
{
	static const char sql[] =
	    "SELECT a.subject_id, s.project_id FROM assignments a JOIN "
	    "subjects s ON s.id = a.subject_id WHERE a.uid = ? AND "
	    "a.active = 1 ORDER BY a.assigned_at, a.id LIMIT 1000";
	static const char one[] = ASSIGNMENT_COLS
	    "WHERE a.uid = ? AND a.active = 1 AND a.subject_id = ?";
	int64_t subjects[LIST_MAX], projects[LIST_MAX];
	sqlite3_stmt *st;
	json_t *a;
	size_t i, n;
	int ok;

	/* Collect first: visit_json runs statements of its own. */
	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, c->who.uid);
	if (day_collect(st, subjects, projects, LIST_MAX, &n) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if ((ok = access_can(c, projects[i], ACC_META)) == -1)
			return -1;
		if (!ok)
			continue;
		if ((st = store_prepare(c->ctx->store, one)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, c->who.uid);
		sqlite3_bind_int64(st, 2, subjects[i]);
		a = sqlite3_step(st) == SQLITE_ROW ? assignment_row(c, st, 1)
		                                   : NULL;
		sqlite3_reset(st);
		if (a == NULL)
			return -1;
		json_array_append_new(list, a);
	}
	return 0;
}

static int
mine(struct call *c, struct day_rec *r)
{
	static const char sql[] =
	    "SELECT d.id FROM day_staff s JOIN days d ON d.id = s.day_id "
	    "WHERE s.uid = ? AND d.status IN ('concept','bevestigd') AND "
	    "d.day >= ? ORDER BY d.day, d.start_time, d.id LIMIT ?";
	int64_t *ids;
	char today[16];
	sqlite3_stmt *st;
	json_t *days, *assignments;
	size_t n;
	int rc;

	call_object(c, "mine");
	date_format(date_today(), today, sizeof(today));
	if ((st = store_prepare(c->ctx->store, sql)) == NULL ||
	    (ids = calloc(LIST_MAX, sizeof(*ids))) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, c->who.uid);
	sqlite3_bind_text(st, 2, today, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, LIST_MAX);
	days = json_array();
	assignments = json_array();
	rc = days == NULL || assignments == NULL ||
	     day_collect(st, ids, NULL, LIST_MAX, &n) == -1 ||
	     day_append_days(c, r, ids, n, 1, days) == -1 ||
	     mine_assignments(c, assignments) == -1;
	free(ids);
	if (rc) {
		json_decref(days);
		json_decref(assignments);
		return call_internal(c);
	}
	c->reply =
	    json_pack("{s:o,s:o}", "days", days, "assignments", assignments);
	return c->reply ? 0 : call_internal(c);
}

int
day_mine(struct call *c)
{
	return day_with_rec(c, mine);
}
