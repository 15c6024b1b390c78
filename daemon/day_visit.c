/*
 * day_visit.c - nl.ivtd.Day: subjects planned onto a day as visits, taken off
 * again, and suggested by the planning rules (planning.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "day_int.h"
#include "ivt/wire.h"
#include "subject.h"

#define CANDIDATES_MAX 5000

/* Subjects of the call, each once. */
static int
subject_ids(struct call *c, int64_t *ids, size_t *n)
{
	const json_t *list = json_object_get(c->params, "subjects"), *v;
	size_t i, j;

	*n = 0;
	json_array_foreach(list, i, v)
	{
		for (j = 0; j < *n; j++) {
			if (ids[j] == json_integer_value(v))
				return call_invalid(
				    c, "subjects", "a subject is listed twice");
		}
		ids[(*n)++] = json_integer_value(v);
	}
	if (*n == 0)
		return call_invalid(c, "subjects", "give at least one subject");
	return 0;
}

static int
plan_one(struct call *c, struct day_rec *r, int64_t id, int want,
         size_t requested, json_t *planned)
{
	static const char sql[] =
	    "INSERT INTO day_subjects (day_id, subject_id, team, active, "
	    "planned_at, planned_by) VALUES (?, ?, ?, 1, ?, ?)";
	struct plan_subject s;
	enum plan_verdict v;
	sqlite3_stmt *st;
	char idbuf[32];
	int64_t absent;
	int team, rc;
	json_t *visit;

	if ((rc = day_load_subject(c, id, &s)) != 1) {
		snprintf(idbuf, sizeof(idbuf), "%lld", (long long)id);
		return rc == 0 ? call_not_found(c, "subject", idbuf)
		               : call_internal(c);
	}
	if ((v = plan_check(&r->d, date_today(), &s, &absent)) != PLAN_OK)
		return day_fail_verdict(c, r, &s, v, absent);
	if ((team = plan_pick_team(&r->d, s.pc4, want)) == 0)
		return day_fail_capacity(c, r, requested, want);
	if (plan_add_visit(&r->d, id, team, s.pc4) == -1 ||
	    (st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, r->d.id);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_int(st, 3, team);
	sqlite3_bind_int64(st, 4, store_now_us());
	sqlite3_bind_int64(st, 5, c->who.uid);
	if (store_step_done(st) == -1 ||
	    subject_set_status(c->ctx->store, id, "ingepland") == -1 ||
	    subject_audit(c, id, r->d.project) == -1 ||
	    (visit = day_visit_json(c, id, team, 0)) == NULL)
		return call_internal(c);
	json_array_append_new(planned, visit);
	return 0;
}

static int
plan(struct call *c, struct day_rec *r)
{
	int64_t ids[1000];
	long long want = ivt_json_int(c->params, "team", 0);
	size_t i, n;
	json_t *planned, *d;

	if (day_get(c, ivt_json_int(c->params, "id", 0), ACC_HANDLE, r) == -1 ||
	    day_check_phase(c, r->d.project) == -1 ||
	    subject_ids(c, ids, &n) == -1)
		return -1;
	if (json_object_get(c->params, "team") != NULL &&
	    !json_is_null(json_object_get(c->params, "team")) &&
	    (want < 1 || want > r->d.teams))
		return call_invalid(c, "team", "not a team of this day");
	if ((planned = json_array()) == NULL)
		return call_internal(c);
	for (i = 0; i < n; i++) {
		/* All or nothing: a failure rolls the whole call back. */
		if (plan_one(c, r, ids[i], (int)want, n, planned) == -1) {
			json_decref(planned);
			return -1;
		}
	}
	call_object(c, "day:%lld plan %zu", (long long)r->d.id, n);
	if (day_load(c, r->d.id, r) != 1 || (d = day_json(c, r)) == NULL) {
		json_decref(planned);
		return call_internal(c);
	}
	c->reply = json_pack("{s:o,s:o}", "day", d, "planned", planned);
	return c->reply ? 0 : call_internal(c);
}

int
day_plan(struct call *c)
{
	return day_with_rec(c, plan);
}

static int
unplan(struct call *c, struct day_rec *r)
{
	static const char sql[] =
	    "DELETE FROM day_subjects WHERE day_id = ? AND subject_id = ? "
	    "AND active = 1";
	int64_t ids[1000];
	sqlite3_stmt *st;
	char idbuf[32];
	size_t i, n;
	json_t *d;
	int rc;

	if (day_get(c, ivt_json_int(c->params, "id", 0), ACC_HANDLE, r) == -1 ||
	    subject_ids(c, ids, &n) == -1)
		return -1;
	if (r->d.status != DAY_CONCEPT && r->d.status != DAY_BEVESTIGD)
		return day_fail_closed(c, r,
		                       "visits of a concept or bevestigd day "
		                       "only");
	for (i = 0; i < n; i++) {
		if ((rc = day_has_findings(c, r->d.id, ids[i])) != 0)
			return rc == -1
			           ? -1
			           : call_fail(c, "nl.ivtd.Conflict", "{s:s}",
			                       "reason",
			                       "findings were recorded on this "
			                       "visit: it took place");
		if ((st = store_prepare(c->ctx->store, sql)) == NULL)
			return call_internal(c);
		sqlite3_bind_int64(st, 1, r->d.id);
		sqlite3_bind_int64(st, 2, ids[i]);
		if (store_step_done(st) == -1)
			return call_internal(c);
		if (sqlite3_changes(c->ctx->store->db) == 0) {
			snprintf(idbuf, sizeof(idbuf), "%lld",
			         (long long)ids[i]);
			return call_not_found(c, "visit", idbuf);
		}
		if (day_release(c, ids[i], r->d.project) == -1)
			return call_internal(c);
	}
	call_object(c, "day:%lld unplan %zu", (long long)r->d.id, n);
	if (day_load(c, r->d.id, r) != 1 || (d = day_json(c, r)) == NULL)
		return call_internal(c);
	c->reply = json_pack("{s:o,s:i}", "day", d, "released", (int)n);
	return c->reply ? 0 : call_internal(c);
}

int
day_unplan(struct call *c)
{
	return day_with_rec(c, unplan);
}

static const char *
reason_code(enum plan_reason r)
{
	switch (r) {
	case SUGGEST_INCLUDED:
		return "included";
	case SUGGEST_OUTSIDE_AREA:
		return "outside_area";
	case SUGGEST_PARTNER_ABSENT:
		return "partner_absent";
	case SUGGEST_NO_ROOM:
		return "no_room";
	case SUGGEST_NOT_PLANNABLE:
		break;
	}
	return "not_plannable";
}

static int
day_visits_pc4(const struct plan_day *d, const char *pc4)
{
	size_t i;

	for (i = 0; i < d->nvisits; i++) {
		if (strcmp(d->visits[i].pc4, pc4) == 0)
			return 1;
	}
	return 0;
}

/* Why a suggestion was made, in words. */
static json_t *
choice_json(struct call *c, const struct day_rec *r,
            const struct plan_choice *o)
{
	char why[300], name[129] = "";
	json_t *j;

	switch (o->reason) {
	case SUGGEST_INCLUDED:
		if (day_visits_pc4(&r->d, o->pc4))
			snprintf(why, sizeof(why),
			         "team %d: joins the day's visits in %s",
			         o->team, o->pc4);
		else
			snprintf(why, sizeof(why),
			         "team %d: %d ready subject%s in %s fit%s the "
			         "day",
			         o->team, o->group, o->group == 1 ? "" : "s",
			         o->pc4, o->group == 1 ? "s" : "");
		break;
	case SUGGEST_OUTSIDE_AREA:
		snprintf(why, sizeof(why), "%s is outside the day's area",
		         o->pc4);
		break;
	case SUGGEST_PARTNER_ABSENT:
		day_partner_name(c, o->partner, name, sizeof(name));
		snprintf(why, sizeof(why),
		         "%s has an interest but no staff on this day", name);
		break;
	case SUGGEST_NO_ROOM:
		snprintf(why, sizeof(why),
		         "no room: the day holds %d visits (%d teams x %d)",
		         plan_capacity(&r->d), r->d.teams, r->d.per_team);
		break;
	case SUGGEST_NOT_PLANNABLE:
		snprintf(why, sizeof(why), "cannot be planned on this day");
		break;
	}
	j = json_pack("{s:I,s:s,s:b,s:s,s:s}", "subject",
	              (json_int_t)o->subject, "pc4", o->pc4, "included",
	              o->reason == SUGGEST_INCLUDED, "reason",
	              reason_code(o->reason), "explanation", why);
	if (j != NULL && o->reason == SUGGEST_INCLUDED)
		json_object_set_new(j, "team", json_integer(o->team));
	if (j != NULL && name[0] != '\0')
		json_object_set_new(j, "partner", json_string(name));
	return j;
}

/* The project's gereed subjects as planning candidates, by id. */
static int
load_candidates(struct call *c, int64_t project, struct plan_subject **out,
                size_t *n)
{
	static const char sql[] =
	    "SELECT id FROM subjects WHERE project_id = ? AND "
	    "status = 'gereed' ORDER BY id LIMIT ?";
	struct plan_subject *ss;
	int64_t *ids;
	sqlite3_stmt *st;
	size_t i;

	*out = NULL;
	if ((st = store_prepare(c->ctx->store, sql)) == NULL ||
	    (ids = calloc(CANDIDATES_MAX, sizeof(*ids))) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, project);
	sqlite3_bind_int(st, 2, CANDIDATES_MAX);
	if (day_collect(st, ids, NULL, CANDIDATES_MAX, n) == -1 ||
	    (ss = calloc(*n + 1, sizeof(*ss))) == NULL) {
		free(ids);
		return -1;
	}
	for (i = 0; i < *n; i++) {
		if (day_load_subject(c, ids[i], &ss[i]) != 1) {
			free(ids);
			free(ss);
			return -1;
		}
	}
	free(ids);
	*out = ss;
	return 0;
}

static int
suggest(struct call *c, struct day_rec *r)
{
	struct plan_subject *cands;
	struct plan_choice *out;
	json_t *choices, *j;
	size_t i, n;
	int rc;

	if (day_get(c, ivt_json_int(c->params, "id", 0), ACC_HANDLE, r) == -1)
		return -1;
	if (r->d.status != DAY_CONCEPT && r->d.status != DAY_BEVESTIGD)
		return day_fail_closed(c, r,
		                       "visits are planned on concept or "
		                       "bevestigd days only");
	if (r->d.date < date_today())
		return day_fail_closed(c, r, "the day has gone by");
	if (load_candidates(c, r->d.project, &cands, &n) == -1)
		return call_internal(c);
	if ((out = calloc(n + 1, sizeof(*out))) == NULL ||
	    plan_suggest(&r->d, date_today(), cands, n, out) < 0) {
		free(out);
		free(cands);
		return call_internal(c);
	}
	choices = json_array();
	for (i = 0, rc = 0; i < n && rc == 0; i++) {
		if ((j = choice_json(c, r, &out[i])) == NULL)
			rc = -1;
		else
			json_array_append_new(choices, j);
	}
	free(out);
	free(cands);
	if (rc == -1) {
		json_decref(choices);
		return call_internal(c);
	}
	c->reply = json_pack("{s:I,s:i,s:i,s:o}", "day", (json_int_t)r->d.id,
	                     "capacity", plan_capacity(&r->d), "free",
	                     plan_capacity(&r->d) - (int)r->d.nvisits,
	                     "choices", choices);
	return c->reply ? 0 : call_internal(c);
}

int
day_suggest(struct call *c)
{
	return day_with_rec(c, suggest);
}
