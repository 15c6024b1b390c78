/*
 * project.c - nl.ivtd.Project: projects, their phases and the GO/NO-GO
 * decisions that move them (see proto/nl.ivtd.Project.varlink).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "date.h"
#include "ivt/wire.h"
#include "postcode.h"
#include "validate.h"
#include "varlink.h"

#define ACTIVITY_PROJECT "ivt-02"
#define REPORT_MONTHS    3 /* final report due after the operational phase */

static const char *const phases[] = {
	"initiatief", "verkennend", "voorbereidend",
	"operationeel", "evaluatie", "afgesloten",
};
#define NPHASES (sizeof(phases) / sizeof(phases[0]))

/* The GO/NO-GO moments of the verkennende fase, in order, with the body
 * that decides each by default. */
static const struct {
	const char *gate;
	const char *body;
} gates[] = {
	{"probleemdefinitie", "gemeente"},
	{"collegebesluit", "college"},
	{"rpf", "rpf"},
	{"lsi", "lsi"},
};
#define NGATES (sizeof(gates) / sizeof(gates[0]))

static int
phase_index(const char *p)
{
	size_t i;

	for (i = 0; i < NPHASES; i++) {
		if (strcmp(phases[i], p) == 0)
			return (int)i;
	}
	return -1;
}

static const char *
col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *v = sqlite3_column_text(st, col);

	return v ? (const char *)v : "";
}

/* Set key to the column's text, or leave it out when the column is NULL. */
static void
set_opt_text(json_t *o, const char *key, sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) != SQLITE_NULL)
		json_object_set_new(o, key, json_string(col_text(st, col)));
}

/* Append every row's first column (text) of st to a new array. */
static json_t *
column_list(sqlite3_stmt *st)
{
	json_t *a = json_array();
	int rc;

	while (a != NULL && (rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(a, json_string(col_text(st, 0)));
	sqlite3_reset(st);
	return a;
}

static json_t *
project_area(struct store *s, int64_t id)
{
	static const char sql[] =
		"SELECT CASE WHEN pc_from = pc_to THEN pc_from "
		"ELSE pc_from || '-' || pc_to END FROM project_areas "
		"WHERE project_id = ? ORDER BY pc_from, pc_to";
	sqlite3_stmt *st;

	if ((st = store_prepare(s, sql)) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	return column_list(st);
}

static json_t *
project_leaders(struct store *s, int64_t id)
{
	static const char sql[] =
		"SELECT u.name FROM project_leaders l JOIN users u "
		"ON u.uid = l.uid WHERE l.project_id = ? ORDER BY u.name";
	sqlite3_stmt *st;

	if ((st = store_prepare(s, sql)) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	return column_list(st);
}

/* Report deadline: three months after the operational phase ended. */
static void
set_report_due(json_t *p, const char *opend)
{
	int32_t end = date_parse(opend), due;
	char buf[16];

	if (end == INT32_MIN)
		return;
	due = date_add_months(end, REPORT_MONTHS);
	date_format(due, buf, sizeof(buf));
	json_object_set_new(p, "report_due", json_string(buf));
	json_object_set_new(p, "report_days_left",
	                    json_integer(due - date_today()));
}

#define PROJECT_COLS                                                       \
	"SELECT id, name, gemeente, problem, themes, legal_basis, purpose, " \
	"phase, planned_start, planned_end, operational_end, "              \
	"protocol_registered, protocol_ref, closed_reason, created, "      \
	"hold_reason, destroyed, retention_days "                          \
	"FROM projects "

/* The full Project object of the current row of st. */
static json_t *
project_row(struct store *s, sqlite3_stmt *st)
{
	char created[32];
	int64_t id = sqlite3_column_int64(st, 0);
	json_t *p, *themes;

	themes = json_loads(col_text(st, 4), JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_array(themes)) {
		json_decref(themes);
		themes = json_array();
	}
	format_time(sqlite3_column_int64(st, 14), created, sizeof(created));
	p = json_pack("{s:I,s:s,s:s,s:s,s:o,s:o*,s:s,s:s,s:o*,s:s,s:s}", "id",
	              (json_int_t)id, "name", col_text(st, 1), "gemeente",
	              col_text(st, 2), "problem", col_text(st, 3), "themes",
	              themes, "area", project_area(s, id), "legal_basis",
	              col_text(st, 5), "purpose", col_text(st, 6), "leaders",
	              project_leaders(s, id), "phase", col_text(st, 7),
	              "created", created);
	if (p == NULL)
		return NULL;
	set_opt_text(p, "planned_start", st, 8);
	set_opt_text(p, "planned_end", st, 9);
	set_opt_text(p, "operational_end", st, 10);
	set_opt_text(p, "protocol_registered", st, 11);
	set_opt_text(p, "protocol_ref", st, 12);
	set_opt_text(p, "closed_reason", st, 13);
	if (sqlite3_column_type(st, 10) != SQLITE_NULL)
		set_report_due(p, col_text(st, 10));
	/* Retention (retention.c): legal hold, destruction, own period. */
	set_opt_text(p, "hold", st, 15);
	if (sqlite3_column_type(st, 16) != SQLITE_NULL) {
		format_time(sqlite3_column_int64(st, 16), created,
		            sizeof(created));
		json_object_set_new(p, "destroyed", json_string(created));
	}
	if (sqlite3_column_type(st, 17) != SQLITE_NULL)
		json_object_set_new(
		    p, "retention_days",
		    json_integer((json_int_t)sqlite3_column_int64(st, 17)));
	return p;
}

/* Reply {"project": <project id>}. */
static int
reply_project(struct call *c, int64_t id)
{
	static const char sql[] = PROJECT_COLS "WHERE id = ?";
	struct store *s = c->ctx->store;
	sqlite3_stmt *st;
	json_t *p = NULL;

	if ((st = store_prepare(s, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		p = project_row(s, st);
	sqlite3_reset(st);
	if (p == NULL)
		return call_internal(c);
	c->reply = json_pack("{s:o}", "project", p);
	return c->reply ? 0 : call_internal(c);
}

/* --- input checks: each returns 0 or fails the call ------------------ */

static int
check_date_opt(struct call *c, const char *param, int32_t *out)
{
	const char *v = ivt_json_str(c->params, param);

	*out = INT32_MIN;
	if (v == NULL)
		return 0;
	if ((*out = date_parse(v)) == INT32_MIN)
		return call_invalid(c, param, "not a date (YYYY-MM-DD)");
	return 0;
}

static int
check_themes(struct call *c, const json_t *themes)
{
	const json_t *v;
	size_t i;

	json_array_foreach(themes, i, v) {
		if (!valid_display_name(json_string_value(v)))
			return call_invalid(c, "themes",
			                    "each theme: 1-128 printable "
			                    "characters");
	}
	return 0;
}

static int
check_area(struct call *c, const json_t *area)
{
	char from[8], to[8];
	const json_t *v;
	size_t i;

	if (json_array_size(area) == 0)
		return call_invalid(c, "area", "at least one postcode");
	json_array_foreach(area, i, v) {
		if (postcode_range(json_string_value(v), from, to) == -1)
			return call_invalid(c, "area",
			                    "postcodes look like 1234AB, ranges "
			                    "like 1234AA-1234ZZ");
	}
	return 0;
}

/* Common field checks for Create and Update (absent fields pass). */
static int
check_fields(struct call *c)
{
	static const struct {
		const char *key;
		size_t max;
		int display; /* one-line name rather than free text */
	} texts[] = {
		{"name", 128, 1},        {"gemeente", 128, 1},
		{"problem", 8192, 0},    {"legal_basis", 1024, 0},
		{"purpose", 2048, 0},
	};
	const json_t *p = c->params;
	const char *v;
	int32_t start, end;
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		if ((v = ivt_json_str(p, texts[i].key)) == NULL)
			continue;
		if (texts[i].display ? !valid_display_name(v)
		                     : !valid_text(v, texts[i].max))
			return call_invalid(c, texts[i].key,
			                    "must not be empty; no control "
			                    "characters");
	}
	if (json_object_get(p, "themes") &&
	    check_themes(c, json_object_get(p, "themes")) == -1)
		return -1;
	if (json_object_get(p, "area") &&
	    check_area(c, json_object_get(p, "area")) == -1)
		return -1;
	if (check_date_opt(c, "planned_start", &start) == -1 ||
	    check_date_opt(c, "planned_end", &end) == -1)
		return -1;
	if (start != INT32_MIN && end != INT32_MIN && end < start)
		return call_invalid(c, "planned_end", "before planned_start");
	return 0;
}

/* --- writers ----------------------------------------------------------- */

static int
store_area(struct call *c, int64_t id, const json_t *area)
{
	static const char del[] =
		"DELETE FROM project_areas WHERE project_id = ?";
	static const char ins[] =
		"INSERT OR IGNORE INTO project_areas (project_id, pc_from, "
		"pc_to) VALUES (?, ?, ?)";
	struct store *s = c->ctx->store;
	char from[8], to[8];
	sqlite3_stmt *st;
	const json_t *v;
	size_t i;

	if ((st = store_prepare(s, del)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, id);
	if (store_step_done(st) == -1)
		return call_internal(c);
	json_array_foreach(area, i, v) {
		(void)postcode_range(json_string_value(v), from, to);
		if ((st = store_prepare(s, ins)) == NULL)
			return call_internal(c);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
		if (store_step_done(st) == -1)
			return call_internal(c);
	}
	return 0;
}

/* uid of an enabled projectleider called name: >0, 0 none, -1 error. */
static int64_t
leader_uid(struct store *s, const char *name)
{
	static const char sql[] =
		"SELECT uid FROM users WHERE name = ? AND "
		"role = 'projectleider' AND disabled = 0";
	sqlite3_stmt *st;
	int64_t uid = -2;
	int rc;

	if ((st = store_prepare(s, sql)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		uid = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	return rc == SQLITE_ROW ? uid : -1;
}

static int
add_leader(struct call *c, int64_t id, int64_t uid)
{
	static const char sql[] =
		"INSERT OR IGNORE INTO project_leaders (project_id, uid) "
		"VALUES (?, ?)";
	sqlite3_stmt *st;

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, uid);
	return store_step_done(st) == -1 ? call_internal(c) : 0;
}

/*
 * Replace the leaders with the named projectleiders (names may be NULL:
 * none).  A projectleider who
 * edits keeps leading: nobody can lock themselves out by accident.
 */
static int
store_leaders(struct call *c, int64_t id, const json_t *names)
{
	static const char del[] =
		"DELETE FROM project_leaders WHERE project_id = ?";
	struct store *s = c->ctx->store;
	sqlite3_stmt *st;
	const json_t *v;
	int64_t uid;
	size_t i;

	if ((st = store_prepare(s, del)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, id);
	if (store_step_done(st) == -1)
		return call_internal(c);
	json_array_foreach(names, i, v) {
		if ((uid = leader_uid(s, json_string_value(v))) == -1)
			return call_internal(c);
		if (uid == 0)
			return call_fail(c, "nl.ivtd.NotFound", "{s:s,s:s}",
			                 "kind", "projectleider", "id",
			                 json_string_value(v));
		if (add_leader(c, id, uid) == -1)
			return -1;
	}
	if (c->who.role == ROLE_PROJECTLEIDER)
		return add_leader(c, id, c->who.uid);
	return 0;
}

static int
project_create(struct call *c)
{
	static const char sql[] =
		"INSERT INTO projects (name, gemeente, problem, themes, "
		"legal_basis, purpose, planned_start, planned_end, created, "
		"created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
		"RETURNING id";
	const json_t *p = c->params;
	json_t *leaders;
	sqlite3_stmt *st;
	char *themes;
	int64_t id = 0;
	int rc;

	if (check_fields(c) == -1)
		return -1;
	if ((themes = json_dumps(json_object_get(p, "themes"),
	                         JSON_COMPACT)) == NULL ||
	    (st = store_prepare(c->ctx->store, sql)) == NULL) {
		free(themes);
		return call_internal(c);
	}
	sqlite3_bind_text(st, 1, ivt_json_str(p, "name"), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ivt_json_str(p, "gemeente"), -1,
	                  SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ivt_json_str(p, "problem"), -1,
	                  SQLITE_STATIC);
	sqlite3_bind_text(st, 4, themes, -1, free);
	sqlite3_bind_text(st, 5, ivt_json_str(p, "legal_basis"), -1,
	                  SQLITE_STATIC);
	sqlite3_bind_text(st, 6, ivt_json_str(p, "purpose"), -1,
	                  SQLITE_STATIC);
	sqlite3_bind_text(st, 7, ivt_json_str(p, "planned_start"), -1,
	                  SQLITE_STATIC);
	sqlite3_bind_text(st, 8, ivt_json_str(p, "planned_end"), -1,
	                  SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, store_now_us());
	sqlite3_bind_int64(st, 10, c->who.uid);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return call_internal(c);
	c->project = id;
	call_object(c, "project:%lld", (long long)id);
	leaders = json_object_get(p, "leaders");
	if (store_area(c, id, json_object_get(p, "area")) == -1 ||
	    store_leaders(c, id, leaders) == -1)
		return -1;
	return reply_project(c, id);
}

/* Update one text column; the column name comes from a fixed table. */
static int
update_column(struct call *c, int64_t id, const char *sql, const char *v)
{
	sqlite3_stmt *st;

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_text(st, 1, v, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, id);
	return store_step_done(st) == -1 ? call_internal(c) : 0;
}

/* Does the project have a leader whose account is enabled?  1, 0, -1. */
static int
has_enabled_leader(struct store *s, int64_t id)
{
	static const char sql[] =
	    "SELECT 1 FROM project_leaders l JOIN users u ON u.uid = l.uid "
	    "WHERE l.project_id = ? AND u.disabled = 0 LIMIT 1";
	sqlite3_stmt *st;

	if ((st = store_prepare(s, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return store_step_exists(st);
}

/*
 * The admin sets a project up (its name, gemeente and leaders); what it
 * is about -- problem, area, purpose (doelbinding), legal basis, themes,
 * planning -- is the projectleiders' decision: the protocol was
 * registered on it, and a wider area widens whose data may be delivered.
 * Leaders it names only while none is left (a new project, or its last
 * leader's account disabled): a project that has one chooses its own, so
 * an admin cannot quietly make a uid of its own the leader of a running
 * project.  0, or -1 with the call refused.
 */
static int
admin_may_update(struct call *c, int64_t id)
{
	static const char *const admin_keys[] = {"id", "name", "gemeente",
	                                         "leaders"};
	json_t *o = (json_t *)c->params, *v; /* foreach is not const */
	const char *key;
	size_t i;
	int r;

	if (c->who.role != ROLE_ADMIN)
		return 0;
	if (json_object_get(o, "leaders") != NULL) {
		if ((r = has_enabled_leader(c->ctx->store, id)) == -1)
			return call_internal(c);
		if (r == 1)
			return call_denied(c, "the project's leaders name "
			                      "further leaders; the admin only "
			                      "when none is left");
	}
	json_object_foreach(o, key, v)
	{
		for (i = 0; i < sizeof(admin_keys) / sizeof(admin_keys[0]); i++)
			if (strcmp(key, admin_keys[i]) == 0)
				break;
		if (i == sizeof(admin_keys) / sizeof(admin_keys[0]))
			return call_denied(c,
			                   "the admin changes a project's "
			                   "name, gemeente and leaders only");
	}
	return 0;
}

static int
project_update(struct call *c)
{
	static const struct {
		const char *key;
		const char *sql;
	} cols[] = {
		{"name", "UPDATE projects SET name = ? WHERE id = ?"},
		{"gemeente", "UPDATE projects SET gemeente = ? WHERE id = ?"},
		{"problem", "UPDATE projects SET problem = ? WHERE id = ?"},
		{"legal_basis",
		 "UPDATE projects SET legal_basis = ? WHERE id = ?"},
		{"purpose", "UPDATE projects SET purpose = ? WHERE id = ?"},
		{"planned_start",
		 "UPDATE projects SET planned_start = ? WHERE id = ?"},
		{"planned_end",
		 "UPDATE projects SET planned_end = ? WHERE id = ?"},
		{"themes", "UPDATE projects SET themes = ? WHERE id = ?"},
	};
	int64_t id = ivt_json_int(c->params, "id", 0);
	const json_t *p = c->params;
	const char *v;
	char *themes;
	char phase[32];
	size_t i;
	int rc;

	if (access_project(c, id, ACC_MANAGE) == -1 ||
	    admin_may_update(c, id) == -1)
		return -1;
	call_object(c, "project:%lld", (long long)id);
	if (access_project_phase(c->ctx->store, id, phase, sizeof(phase)) == 0 &&
	    strcmp(phase, "afgesloten") == 0)
		return call_fail(c, "nl.ivtd.Conflict", "{s:s}", "reason",
		                 "the project is closed");
	if (check_fields(c) == -1)
		return -1;
	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		if (strcmp(cols[i].key, "themes") == 0) {
			if (!json_object_get(p, "themes"))
				continue;
			themes = json_dumps(json_object_get(p, "themes"),
			                    JSON_COMPACT);
			if (themes == NULL)
				return call_internal(c);
			rc = update_column(c, id, cols[i].sql, themes);
			free(themes);
		} else if ((v = ivt_json_str(p, cols[i].key)) != NULL) {
			rc = update_column(c, id, cols[i].sql, v);
		} else {
			continue;
		}
		if (rc == -1)
			return -1;
	}
	if (json_object_get(p, "area") &&
	    store_area(c, id, json_object_get(p, "area")) == -1)
		return -1;
	if (json_object_get(p, "leaders") &&
	    store_leaders(c, id, json_object_get(p, "leaders")) == -1)
		return -1;
	return reply_project(c, id);
}

static int
project_list(struct call *c)
{
	/* Which projects a role sees, one query each (access.h rules). */
	static const char all[] = PROJECT_COLS "ORDER BY id";
	static const char led[] =
		PROJECT_COLS "WHERE id IN (SELECT project_id FROM "
		"project_leaders WHERE uid = ?) ORDER BY id";
	static const char admitted[] =
		PROJECT_COLS "WHERE id IN (SELECT project_id FROM "
		"protocol_grants WHERE partner_id = ? AND "
		"(leveren OR bewerken OR inlezen)) ORDER BY id";
	struct store *s = c->ctx->store;
	json_t *list, *p;
	sqlite3_stmt *st;
	int64_t *ids = NULL;
	size_t n = 0, i;

	switch (c->who.role) {
	case ROLE_PROJECTLEIDER:
		st = store_prepare(s, led);
		if (st)
			sqlite3_bind_int64(st, 1, c->who.uid);
		break;
	case ROLE_PARTNER:
		st = store_prepare(s, admitted);
		if (st)
			sqlite3_bind_int64(st, 1, c->who.partner_id);
		break;
	default:
		st = store_prepare(s, all);
		break;
	}
	if (st == NULL)
		return call_internal(c);
	/* Collect ids first: building a project runs other statements. */
	if (store_ids(st, &ids, &n) == -1 || (list = json_array()) == NULL) {
		free(ids);
		return call_internal(c);
	}
	for (i = 0; i < n; i++) {
		if (reply_project(c, ids[i]) == -1) {
			free(ids);
			json_decref(list);
			return -1;
		}
		p = json_object_get(c->reply, "project");
		json_array_append(list, p);
		json_decref(c->reply);
		c->reply = NULL;
	}
	free(ids);
	c->reply = json_pack("{s:o}", "projects", list);
	return c->reply ? 0 : call_internal(c);
}

static int
project_show(struct call *c)
{
	int64_t id = ivt_json_int(c->params, "id", 0);

	if (access_project(c, id, ACC_META) == -1)
		return -1;
	return reply_project(c, id);
}

/* --- phases and decisions --------------------------------------------- */

static int
add_event(struct call *c, int64_t id, const char *kind, const char *gate,
          int go, const char *body, const char *from, const char *to,
          int32_t date)
{
	static const char sql[] =
		"INSERT INTO project_events (project_id, kind, gate, go, body, "
		"from_phase, to_phase, rationale, event_date, actor, created) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st;
	char d[16];

	date_format(date, d, sizeof(d));
	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, gate, -1, SQLITE_STATIC);
	if (gate != NULL)
		sqlite3_bind_int(st, 4, go);
	sqlite3_bind_text(st, 5, body, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, to, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, ivt_json_str(c->params, "rationale"), -1,
	                  SQLITE_STATIC);
	sqlite3_bind_text(st, 9, d, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 10, c->who.uid);
	sqlite3_bind_int64(st, 11, store_now_us());
	return store_step_done(st) == -1 ? call_internal(c) : 0;
}

static int
set_phase(struct call *c, int64_t id, const char *phase, const char *reason)
{
	static const char sql[] =
		"UPDATE projects SET phase = ?, closed_reason = "
		"coalesce(?, closed_reason) WHERE id = ?";
	sqlite3_stmt *st;

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_text(st, 1, phase, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, reason, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, id);
	return store_step_done(st) == -1 ? call_internal(c) : 0;
}

/* Decision at gate: -1 none, 0 no-go, 1 go, -2 database error. */
static int
gate_decision(struct store *s, int64_t id, const char *gate)
{
	static const char sql[] =
		"SELECT go FROM project_events WHERE project_id = ? AND gate = ?";
	sqlite3_stmt *st;
	int rc, go = -1;

	if ((st = store_prepare(s, sql)) == NULL)
		return -2;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, gate, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		go = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? go : -2;
}

/*
 * The date parameter, or today.  A decision or phase change is recorded
 * once it happened: not in the future.  (An earlier date is fine: a
 * project moved here from elsewhere enters its history afterwards.)
 * INT32_MIN after failing the call.
 */
static int32_t
event_date(struct call *c)
{
	int32_t d;

	if (check_date_opt(c, "date", &d) == -1)
		return INT32_MIN;
	if (d == INT32_MIN)
		return date_today();
	if (d > date_today()) {
		call_invalid(c, "date", "not in the future");
		return INT32_MIN;
	}
	return d;
}

static int
conflict(struct call *c, const char *reason)
{
	return call_fail(c, "nl.ivtd.Conflict", "{s:s}", "reason", reason);
}

static int
project_decide(struct call *c)
{
	int64_t id = ivt_json_int(c->params, "id", 0);
	const char *gate = ivt_json_str(c->params, "gate");
	const char *body = ivt_json_str(c->params, "body");
	int go = json_is_true(json_object_get(c->params, "go"));
	char phase[32], reason[96];
	size_t g, i;
	int32_t date;
	int prev;

	if (access_project(c, id, ACC_MANAGE) == -1)
		return -1;
	call_object(c, "project:%lld gate:%s", (long long)id, gate);
	if (!valid_text(ivt_json_str(c->params, "rationale"), 4096))
		return call_invalid(c, "rationale", "a decision needs a "
		                                    "rationale");
	if ((date = event_date(c)) == INT32_MIN)
		return -1;
	for (g = 0; g < NGATES && strcmp(gates[g].gate, gate) != 0; g++)
		;
	if (g == NGATES)
		return call_invalid(c, "gate", "unknown gate");
	if ((prev = gate_decision(c->ctx->store, id, gate)) == -2)
		return call_internal(c);
	if (prev != -1)
		return conflict(c, "this gate has been decided already");
	if (access_project_phase(c->ctx->store, id, phase, sizeof(phase)) == -1)
		return call_internal(c);
	if (strcmp(phase, "verkennend") != 0)
		return conflict(c, "GO/NO-GO decisions are taken in the "
		                   "verkennende fase");
	for (i = 0; i < g; i++) {
		if (gate_decision(c->ctx->store, id, gates[i].gate) != 1) {
			snprintf(reason, sizeof(reason),
			         "gate %s must be decided GO first",
			         gates[i].gate);
			return conflict(c, reason);
		}
	}
	if (body == NULL)
		body = gates[g].body;
	if (add_event(c, id, "decision", gate, go, body, phase,
	              go ? phase : "afgesloten", date) == -1)
		return -1;
	if (!go) {
		snprintf(reason, sizeof(reason), "NO-GO at gate %s", gate);
		if (set_phase(c, id, "afgesloten", reason) == -1)
			return -1;
	}
	return reply_project(c, id);
}

/*
 * The operational phase ends when its work has: no actiedag still to be
 * carried out or cancelled, no subject still handed out by name.  (Days
 * and hand-outs are refused once it has ended: they would stay open.)
 * NULL when so; *err on a database error.
 */
static const char *
operations_open(struct call *c, int64_t id, int *err)
{
	static const struct {
		const char *sql, *why;
	} open[] = {
	    {"SELECT 1 FROM days WHERE project_id = ? AND status IN "
	     "('concept','bevestigd') LIMIT 1",
	     "an actiedag is still concept or bevestigd: mark it done (day "
	     "done) or cancel it"},
	    {"SELECT 1 FROM assignments a JOIN subjects s ON s.id = "
	     "a.subject_id WHERE s.project_id = ? AND a.active = 1 LIMIT 1",
	     "a subject is still handed out by name: record its visit or "
	     "take it back (subject unassign)"},
	};
	sqlite3_stmt *st;
	size_t i;
	int r;

	for (i = 0; i < sizeof(open) / sizeof(open[0]); i++) {
		if ((st = store_prepare(c->ctx->store, open[i].sql)) == NULL) {
			*err = 1;
			return NULL;
		}
		sqlite3_bind_int64(st, 1, id);
		if ((r = store_step_exists(st)) != 0) {
			*err = r < 0;
			return r < 0 ? NULL : open[i].why;
		}
	}
	return NULL;
}

/* What a phase needs before the project may leave it; NULL when ready. */
static const char *
advance_blocker(struct call *c, int64_t id, int from, int *err)
{
	static const char sql[] =
		"SELECT protocol_registered IS NOT NULL FROM projects "
		"WHERE id = ?";
	sqlite3_stmt *st;
	size_t g;
	int ok = 0;

	*err = 0;
	if (strcmp(phases[from], "afgesloten") == 0)
		return "the project is closed";
	if (strcmp(phases[from], "verkennend") == 0) {
		for (g = 0; g < NGATES; g++) {
			if (gate_decision(c->ctx->store, id, gates[g].gate) != 1)
				return "all four GO/NO-GO moments (probleem"
				       "definitie, collegebesluit, rpf, lsi) "
				       "must be GO";
		}
	}
	if (strcmp(phases[from], "voorbereidend") == 0) {
		if ((st = store_prepare(c->ctx->store, sql)) == NULL) {
			*err = 1;
			return NULL;
		}
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW)
			ok = sqlite3_column_int(st, 0);
		sqlite3_reset(st);
		if (!ok)
			return "the operational phase needs a registered "
			       "privacy protocol (ivtctl protocol register)";
	}
	if (strcmp(phases[from], "operationeel") == 0)
		return operations_open(c, id, err);
	return NULL;
}

static int
project_advance(struct call *c)
{
	static const char opend[] =
		"UPDATE projects SET operational_end = ? WHERE id = ?";
	int64_t id = ivt_json_int(c->params, "id", 0);
	const char *blocker;
	char phase[32], d[16];
	int32_t date;
	int from, err;

	if (access_project(c, id, ACC_MANAGE) == -1)
		return -1;
	call_object(c, "project:%lld", (long long)id);
	if (!valid_text(ivt_json_str(c->params, "rationale"), 4096))
		return call_invalid(c, "rationale", "say why the phase "
		                                    "changes");
	if ((date = event_date(c)) == INT32_MIN)
		return -1;
	if (access_project_phase(c->ctx->store, id, phase, sizeof(phase)) ==
	        -1 ||
	    (from = phase_index(phase)) < 0)
		return call_internal(c);
	if ((blocker = advance_blocker(c, id, from, &err)) != NULL)
		return conflict(c, blocker);
	if (err)
		return call_internal(c);
	if (add_event(c, id, "phase", NULL, 0, NULL, phases[from],
	              phases[from + 1], date) == -1 ||
	    set_phase(c, id, phases[from + 1], NULL) == -1)
		return -1;
	if (strcmp(phases[from], "operationeel") == 0) {
		date_format(date, d, sizeof(d));
		if (update_column(c, id, opend, d) == -1)
			return -1;
	}
	return reply_project(c, id);
}

static json_t *
event_row(sqlite3_stmt *st)
{
	char recorded[32];
	json_t *e;

	format_time(sqlite3_column_int64(st, 9), recorded, sizeof(recorded));
	e = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "kind",
	              col_text(st, 0), "from_phase", col_text(st, 4),
	              "to_phase", col_text(st, 5), "rationale",
	              col_text(st, 6), "date", col_text(st, 7), "actor",
	              col_text(st, 8), "recorded", recorded);
	if (e == NULL)
		return NULL;
	set_opt_text(e, "gate", st, 1);
	set_opt_text(e, "body", st, 3);
	if (sqlite3_column_type(st, 2) != SQLITE_NULL)
		json_object_set_new(e, "go",
		                    json_boolean(sqlite3_column_int(st, 2)));
	return e;
}

static int
project_history(struct call *c)
{
	static const char sql[] =
		"SELECT e.kind, e.gate, e.go, e.body, e.from_phase, e.to_phase, "
		"e.rationale, e.event_date, coalesce(u.name, 'uid ' || e.actor),"
		" e.created FROM project_events e LEFT JOIN users u "
		"ON u.uid = e.actor WHERE e.project_id = ? ORDER BY e.id";
	int64_t id = ivt_json_int(c->params, "id", 0);
	sqlite3_stmt *st;

	if (access_project(c, id, ACC_META) == -1)
		return -1;
	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, id);
	return call_reply_rows(c, st, "events", event_row);
}

const struct method project_methods[] = {
	{"nl.ivtd.Project.Create", project_create,
	 ROLE_ADMIN | ROLE_PROJECTLEIDER, M_WRITE, ACTIVITY_PROJECT},
	{"nl.ivtd.Project.List", project_list, ROLE_ANY, 0, NULL},
	{"nl.ivtd.Project.Show", project_show, ROLE_ANY, 0, NULL},
	{"nl.ivtd.Project.Update", project_update,
	 ROLE_ADMIN | ROLE_PROJECTLEIDER, M_WRITE, ACTIVITY_PROJECT},
	{"nl.ivtd.Project.Decide", project_decide, ROLE_PROJECTLEIDER, M_WRITE,
	 ACTIVITY_PROJECT},
	{"nl.ivtd.Project.Advance", project_advance, ROLE_PROJECTLEIDER, M_WRITE,
	 ACTIVITY_PROJECT},
	{"nl.ivtd.Project.History", project_history, ROLE_ANY, 0, NULL},
	{NULL, NULL, 0, 0, NULL},
};
