/*
 * retention.c - destruction lists, confirmation, legal hold and the
 * destruction itself (retention.h tells what is kept and what goes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "access.h"
#include "date.h"
#include "ivt/wire.h"
#include "keys.h"
#include "log.h"
#include "report.h"
#include "retention.h"
#include "validate.h"
#include "varlink.h"

#define ACTIVITY_RETENTION "ivt-10"
#define DAY_SECONDS        (24 * 60 * 60)

/* Categories that a destruction removes, for the audit entry. */
#define DESTROYED_FIELDS                                                       \
	"adres,bsn,naam,geboortedatum,status,indicatoren,belang,belang.reden," \
	"besluit,journaal.note,bevinding.categorie,bevinding.notes,"           \
	"bevinding.actie"

/* The closure date of every closed project. */
#define CLOSED_SQL                                                             \
	"(SELECT project_id, max(event_date) AS closed FROM project_events "   \
	"WHERE to_phase = 'afgesloten' GROUP BY project_id)"

static struct event *daily;

static void
today(char buf[16])
{
	date_format(date_today(), buf, 16);
}

/* --- lists --------------------------------------------------------------- */

static json_t *
item_row(sqlite3_stmt *st)
{
	json_t *o;

	o = json_pack("{s:I,s:s,s:s,s:I,s:s,s:s}", "project",
	              (json_int_t)sqlite3_column_int64(st, 0), "name",
	              (const char *)sqlite3_column_text(st, 1), "closed_on",
	              (const char *)sqlite3_column_text(st, 2),
	              "retention_days", (json_int_t)sqlite3_column_int64(st, 3),
	              "expired_on", (const char *)sqlite3_column_text(st, 4),
	              "state", (const char *)sqlite3_column_text(st, 5));
	if (o == NULL)
		return NULL;
	if (sqlite3_column_type(st, 6) != SQLITE_NULL)
		json_object_set_new(
		    o, "confirmed_by",
		    json_string((const char *)sqlite3_column_text(st, 6)));
	if (sqlite3_column_type(st, 7) != SQLITE_NULL)
		json_object_set_new(
		    o, "note",
		    json_string((const char *)sqlite3_column_text(st, 7)));
	return o;
}

/* Is the call limited to the projects its caller leads? */
static int
is_leader(const struct call *c)
{
	return c != NULL && c->who.role == ROLE_PROJECTLEIDER;
}

/* Parameter i: the projectleider's uid, or NULL for no limit (not 0,
 * which is a uid too). */
static void
bind_leader(sqlite3_stmt *st, int i, const struct call *c)
{
	if (is_leader(c))
		sqlite3_bind_int64(st, i, (sqlite3_int64)c->who.uid);
	else
		sqlite3_bind_null(st, i);
}

/*
 * Expired, closed, not destroyed, not held, and not on a list already;
 * for a projectleider only the projects they lead.  Columns as item_row.
 */
static const char due_sql[] =
    "SELECT p.id, p.name, c.closed, coalesce(p.retention_days, ?1), "
    "date(c.closed, '+' || coalesce(p.retention_days, ?1) || ' days') "
    "AS expires, 'proposed', NULL, NULL FROM projects p JOIN " CLOSED_SQL
    " c ON c.project_id = p.id WHERE p.phase = 'afgesloten' AND "
    "p.destroyed IS NULL AND p.hold_reason IS NULL AND expires <= ?2 AND "
    "(?3 IS NULL OR p.id IN (SELECT project_id FROM project_leaders WHERE "
    "uid = ?3)) AND NOT EXISTS (SELECT 1 FROM retention_items i WHERE "
    "i.project_id = p.id AND i.state IN ('proposed','confirmed')) "
    "ORDER BY p.id";

static sqlite3_stmt *
due_projects(struct call *c)
{
	sqlite3_stmt *st;
	char d[16];

	if ((st = store_prepare(c->ctx->store, due_sql)) == NULL)
		return NULL;
	today(d);
	sqlite3_bind_int64(st, 1, c->ctx->cfg->retention_days);
	sqlite3_bind_text(st, 2, d, -1, SQLITE_TRANSIENT);
	bind_leader(st, 3, c);
	return st;
}

/* The items of list ?1; for a projectleider (?2) the projects they lead. */
static const char items_sql[] =
    "SELECT i.project_id, p.name, i.closed_on, i.retention_days, "
    "i.expired_on, i.state, coalesce(u.name, 'uid ' || i.confirmed_by), "
    "i.note FROM retention_items i JOIN projects p ON p.id = "
    "i.project_id LEFT JOIN users u ON u.uid = i.confirmed_by WHERE "
    "i.list_id = ?1 AND (?2 IS NULL OR i.project_id IN (SELECT project_id "
    "FROM project_leaders WHERE uid = ?2)) ORDER BY i.project_id";


/*
 * Reply {"list": {id, created, items}} for list id; 0 not found.  A
 * projectleider sees only the items of projects they lead, and is denied
 * a list without any: other projects' names are not theirs to see.
 */
static int
reply_list(struct call *c, int64_t id)
{
	static const char get[] =
	    "SELECT l.created, coalesce(u.name, 'uid ' || l.created_by) "
	    "FROM retention_lists l LEFT JOIN users u ON u.uid = "
	    "l.created_by WHERE l.id = ?";
	char created[32], by[80];
	sqlite3_stmt *st;
	json_t *items;
	int rc;

	if ((st = store_prepare(c->ctx->store, get)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		format_time(sqlite3_column_int64(st, 0), created,
		            sizeof(created));
		snprintf(by, sizeof(by), "%s", sqlite3_column_text(st, 1));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0 : call_internal(c);
	if ((st = store_prepare(c->ctx->store, items_sql)) != NULL) {
		sqlite3_bind_int64(st, 1, id);
		bind_leader(st, 2, c);
	}
	if ((items = rows_json(st, item_row)) == NULL)
		return call_internal(c);
	if (is_leader(c) && json_array_size(items) == 0) {
		json_decref(items);
		return call_denied(c, "the list holds no project you lead");
	}
	c->reply =
	    json_pack("{s:{s:I,s:s,s:s,s:o}}", "list", "id", (json_int_t)id,
	              "created", created, "created_by", by, "items", items);
	return c->reply ? 1 : call_internal(c);
}

static int
new_list(struct call *c, int64_t *id)
{
	static const char sql[] = "INSERT INTO retention_lists (created, "
	                          "created_by) VALUES (?, ?) RETURNING id";
	sqlite3_stmt *st;
	int rc;

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, store_now_us());
	sqlite3_bind_int64(st, 2, c->who.uid);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static int
add_item(struct call *c, int64_t list, sqlite3_stmt *due)
{
	static const char sql[] =
	    "INSERT INTO retention_items (list_id, project_id, closed_on, "
	    "retention_days, expired_on) VALUES (?, ?, ?, ?, ?)";
	sqlite3_stmt *st;

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, list);
	sqlite3_bind_int64(st, 2, sqlite3_column_int64(due, 0));
	sqlite3_bind_text(st, 3, (const char *)sqlite3_column_text(due, 2), -1,
	                  SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, sqlite3_column_int64(due, 3));
	sqlite3_bind_text(st, 5, (const char *)sqlite3_column_text(due, 4), -1,
	                  SQLITE_TRANSIENT);
	return store_step_done(st);
}

/*
 * Retention.Propose: the projects due for destruction; unless dry_run,
 * stored as a new destruction list.
 */
static int
retention_propose(struct call *c)
{
	int dry = json_is_true(json_object_get(c->params, "dry_run"));
	json_t *items, *v;
	sqlite3_stmt *st;
	int64_t list = 0;
	int rc;

	if ((items = json_array()) == NULL || (st = due_projects(c)) == NULL) {
		json_decref(items);
		return call_internal(c);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!dry && list == 0 && new_list(c, &list) == -1)
			break;
		if ((!dry && add_item(c, list, st) == -1) ||
		    (v = item_row(st)) == NULL ||
		    json_array_append_new(items, v) == -1)
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(items);
		return call_internal(c);
	}
	call_object(c, "retention-list:%lld%s", (long long)list,
	            dry ? " dry-run" : "");
	c->reply = json_pack("{s:b,s:o}", "dry_run", dry, "items", items);
	if (c->reply != NULL && list != 0)
		json_object_set_new(c->reply, "list", json_integer(list));
	return c->reply ? 0 : call_internal(c);
}

static int
retention_show(struct call *c)
{
	int64_t id = ivt_json_int(c->params, "list", 0);
	char idbuf[32];
	int rc;

	call_object(c, "retention-list:%lld", (long long)id);
	if ((rc = reply_list(c, id)) == 0) {
		snprintf(idbuf, sizeof(idbuf), "%lld", (long long)id);
		return call_not_found(c, "retention list", idbuf);
	}
	return rc < 0 ? -1 : 0;
}

/* --- confirmation -------------------------------------------------------- */

static int
is_held(struct store *s, int64_t project)
{
	static const char sql[] =
	    "SELECT hold_reason IS NOT NULL FROM projects WHERE id = ?";
	sqlite3_stmt *st;
	int held = 1; /* an error counts as held: never destroy by doubt */

	if ((st = store_prepare(s, sql)) == NULL)
		return 1;
	sqlite3_bind_int64(st, 1, project);
	if (sqlite3_step(st) == SQLITE_ROW)
		held = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return held;
}

static int
set_item(struct call *c, int64_t list, int64_t project, const char *state,
         const char *note)
{
	static const char sql[] =
	    "UPDATE retention_items SET state = ?1, note = ?2, "
	    "confirmed_by = CASE WHEN ?1 = 'confirmed' THEN ?3 ELSE "
	    "confirmed_by END, confirmed_at = CASE WHEN ?1 = 'confirmed' "
	    "THEN ?4 ELSE confirmed_at END, done_at = CASE WHEN ?1 = "
	    "'destroyed' THEN ?4 ELSE done_at END WHERE list_id = ?5 AND "
	    "project_id = ?6";
	sqlite3_stmt *st;

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	if (note != NULL)
		sqlite3_bind_text(st, 2, note, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, c->who.uid);
	sqlite3_bind_int64(st, 4, store_now_us());
	sqlite3_bind_int64(st, 5, list);
	sqlite3_bind_int64(st, 6, project);
	return store_step_done(st);
}

/*
 * Retention.Confirm: the caller confirms every proposed item of the list
 * that they may: all for an admin, the projects they lead for a
 * projectleider.  A project put under hold since is left proposed.
 */
static int
retention_confirm(struct call *c)
{
	static const char sql[] =
	    "SELECT project_id FROM retention_items WHERE list_id = ? AND "
	    "state = 'proposed' ORDER BY project_id";
	int64_t list = ivt_json_int(c->params, "list", 0), p, *ps = NULL;
	size_t n = 0, cap = 0, i;
	int mine = 0, done = 0, rc, lead;
	sqlite3_stmt *st;
	char idbuf[32];
	void *np;

	call_object(c, "retention-list:%lld", (long long)list);
	if ((rc = reply_list(c, list)) <= 0) {
		snprintf(idbuf, sizeof(idbuf), "%lld", (long long)list);
		return rc < 0 ? -1 : call_not_found(c, "retention list", idbuf);
	}
	json_decref(c->reply);
	c->reply = NULL;
	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, list);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((np = realloc(ps, cap * sizeof(*ps))) == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			ps = np;
		}
		ps[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	for (i = 0; rc == SQLITE_DONE && i < n; i++) {
		p = ps[i];
		lead = c->who.role == ROLE_ADMIN ||
		       access_is_leader(c->ctx->store, p, c->who.uid) == 1;
		if (!lead)
			continue;
		mine++;
		if (is_held(c->ctx->store, p))
			continue;
		if (set_item(c, list, p, "confirmed", NULL) == -1)
			rc = SQLITE_ERROR;
		done++;
	}
	free(ps);
	if (rc != SQLITE_DONE)
		return call_internal(c);
	if (n > 0 && mine == 0)
		return call_denied(c, "only a projectleider of the project or "
		                      "an admin confirms its destruction");
	if (done == 0)
		return call_fail(c, "nl.ivtd.Conflict", "{s:s}", "reason",
		                 "nothing on the list is left to confirm");
	return reply_list(c, list) == 1 ? 0 : call_internal(c);
}

/* --- destruction --------------------------------------------------------- */

struct destroyed {
	int64_t list, project;
	char expired[16];
	char confirmed_by[80];
	int subjects, persons, journal, findings;
};

/* Run sql with ?1 = project; the number of rows changed, -1 on error. */
static int
wipe(struct store *s, const char *sql, int64_t project)
{
	sqlite3_stmt *st;

	if ((st = store_prepare(s, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, project);
	if (store_step_done(st) == -1)
		return -1;
	return sqlite3_changes(s->db);
}

/*
 * Delete the personal data of a project (retention.h): the report's
 * counts are kept (report_freeze), every row about a data subject goes.
 * Rows that stayed, even without a sealed field, would keep statuses,
 * indicator codes and finding categories linked to the person: the audit
 * log, which is kept, names the subject's id beside its pseudonyms.
 */
static int
wipe_project(struct store *s, struct destroyed *d)
{
#define OF_PROJECT "(SELECT id FROM subjects WHERE project_id = ?1)"
	static const char history[] =
	    "DELETE FROM finding_history WHERE finding_id IN (SELECT id FROM "
	    "findings WHERE subject_id IN " OF_PROJECT ")";
	static const char findings[] =
	    "DELETE FROM findings WHERE subject_id IN " OF_PROJECT;
	static const char interests[] =
	    "DELETE FROM interests WHERE subject_id IN " OF_PROJECT;
	static const char planned[] =
	    "DELETE FROM day_subjects WHERE subject_id IN " OF_PROJECT;
	static const char assigned[] =
	    "DELETE FROM assignments WHERE subject_id IN " OF_PROJECT;
	static const char persons[] =
	    "DELETE FROM persons WHERE subject_id IN " OF_PROJECT;
	static const char subjects[] =
	    "DELETE FROM subjects WHERE project_id = ?1";
	static const char journal[] = "DELETE FROM journal WHERE project_id "
	                              "= ?1";
	static const char *const keep_ids[] = {
	    STORE_KEEP_IDS("subjects"),        STORE_KEEP_IDS("persons"),
	    STORE_KEEP_IDS("findings"),        STORE_KEEP_IDS("finding_history"),
	    STORE_KEEP_IDS("assignments"),     STORE_KEEP_IDS("journal"),
	};
	/* A destruction an earlier version began keeps its date. */
	static const char mark[] = "UPDATE projects SET destroyed = "
	                           "coalesce(destroyed, ?2) WHERE id = ?1";
#undef OF_PROJECT
	sqlite3_stmt *st;
	size_t i;

	for (i = 0; i < sizeof(keep_ids) / sizeof(keep_ids[0]); i++) {
		if ((st = store_prepare(s, keep_ids[i])) == NULL ||
		    store_step_done(st) == -1)
			return -1;
	}
	if (report_freeze(s, d->project) == -1 ||
	    wipe(s, history, d->project) < 0 ||
	    (d->findings = wipe(s, findings, d->project)) < 0 ||
	    wipe(s, interests, d->project) < 0 ||
	    wipe(s, planned, d->project) < 0 ||
	    wipe(s, assigned, d->project) < 0 ||
	    (d->persons = wipe(s, persons, d->project)) < 0 ||
	    (d->subjects = wipe(s, subjects, d->project)) < 0 ||
	    (d->journal = wipe(s, journal, d->project)) < 0 ||
	    (st = store_prepare(s, mark)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, d->project);
	sqlite3_bind_int64(st, 2, store_now_us());
	store_flush_wal_after(s);
	return store_step_done(st);
}

/* The audit entry of one destruction: what, why, who confirmed. */
static int
audit_destruction(struct daemon_ctx *ctx, struct call *c,
                  const struct destroyed *d)
{
	struct audit_entry e;
	char object[256] = "";

	/* The daily timer destroys as the daemon; a call as its caller. */
	audit_system_entry(&e, "ivtd.retention-daily", object);
	if (c != NULL) {
		e.ts_start = c->ts_start;
		memcpy(e.trace_id, c->trace_id, sizeof(e.trace_id));
		e.actor_uid = c->who.uid;
		e.actor_name = c->who.name;
		e.role = role_name(c->who.role);
		e.org = c->who.org;
		e.method = c->method;
	}
	if (d->list == 0) /* retention_finish_earlier */
		snprintf(object, sizeof(object),
		         "project:%lld destruction finished: the rows an "
		         "earlier version kept are deleted; subjects %d, "
		         "persons %d, journal %d, findings %d",
		         (long long)d->project, d->subjects, d->persons,
		         d->journal, d->findings);
	else
		snprintf(
		    object, sizeof(object),
		    "retention-list:%lld project:%lld destroyed; retention "
		    "ended %s; confirmed by %s; subjects %d, persons %d, "
		    "journal %d, findings %d",
		    (long long)d->list, (long long)d->project, d->expired,
		    d->confirmed_by, d->subjects, d->persons, d->journal,
		    d->findings);
	e.activity = ACTIVITY_RETENTION;
	e.project = d->project;
	e.object = object;
	e.fields = DESTROYED_FIELDS;
	return audit_append(ctx->store, ctx->crypto, &e,
	                    ctx->cfg->checkpoint_every) < 0
	           ? -1
	           : 0;
}

/*
 * Confirmed items whose project is still closed, expired, not held and
 * not destroyed; for a projectleider (?2) the projects they lead.  The
 * expiry is checked again: a changed retention period or a hold since
 * confirmation wins.
 */
static const char confirmed_sql[] =
    "SELECT i.list_id, i.project_id, date(c.closed, '+' || "
    "coalesce(p.retention_days, ?1) || ' days') AS expires, "
    "coalesce(u.name, 'uid ' || i.confirmed_by), p.hold_reason IS NOT "
    "NULL FROM retention_items i JOIN projects p ON p.id = i.project_id "
    "JOIN " CLOSED_SQL " c ON c.project_id = p.id LEFT JOIN users u ON "
    "u.uid = i.confirmed_by WHERE i.state = 'confirmed' AND p.phase = "
    "'afgesloten' AND p.destroyed IS NULL AND (?2 IS NULL OR i.project_id IN "
    "(SELECT project_id FROM project_leaders WHERE uid = ?2)) ORDER BY "
    "i.list_id, i.project_id";

static int
exec_item_done(struct daemon_ctx *ctx, const struct destroyed *d)
{
	static const char sql[] =
	    "UPDATE retention_items SET state = 'destroyed', done_at = ? "
	    "WHERE list_id = ? AND project_id = ?";
	sqlite3_stmt *st;

	if ((st = store_prepare(ctx->store, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, store_now_us());
	sqlite3_bind_int64(st, 2, d->list);
	sqlite3_bind_int64(st, 3, d->project);
	return store_step_done(st);
}

#define RUN_MAX 10000 /* projects per run; the rest go the next time */

/*
 * Destroy every confirmed project that is due, in the open transaction
 * (a projectleider's call: the projects they lead; the others are left
 * to their own leaders, an admin or the daily run); out (may be NULL)
 * gets an item per project.  Crypto-shredding comes last (keys_shred):
 * if anything before fails, nothing is destroyed.
 */
static int
run_confirmed(struct daemon_ctx *ctx, struct call *c, json_t *out)
{
	struct destroyed *ds = NULL, *d;
	size_t n = 0, i;
	sqlite3_stmt *st;
	char d0[16];
	int rc;

	today(d0);
	if ((ds = calloc(RUN_MAX, sizeof(*ds))) == NULL ||
	    (st = store_prepare(ctx->store, confirmed_sql)) == NULL) {
		free(ds);
		return -1;
	}
	sqlite3_bind_int64(st, 1, ctx->cfg->retention_days);
	bind_leader(st, 2, c);
	while (n < RUN_MAX && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		/* Never while held; not before the period ends. */
		if (sqlite3_column_int(st, 4) ||
		    strcmp((const char *)sqlite3_column_text(st, 2), d0) > 0)
			continue;
		d = &ds[n++];
		d->list = sqlite3_column_int64(st, 0);
		d->project = sqlite3_column_int64(st, 1);
		snprintf(d->expired, sizeof(d->expired), "%s",
		         sqlite3_column_text(st, 2));
		snprintf(d->confirmed_by, sizeof(d->confirmed_by), "%s",
		         sqlite3_column_text(st, 3));
	}
	if (n == RUN_MAX)
		rc = SQLITE_DONE;
	sqlite3_reset(st);
	for (i = 0; rc == SQLITE_DONE && i < n; i++) {
		d = &ds[i];
		if (wipe_project(ctx->store, d) == -1 ||
		    audit_destruction(ctx, c, d) == -1 ||
		    exec_item_done(ctx, d) == -1)
			rc = SQLITE_ERROR;
		else if (out != NULL)
			json_array_append_new(
			    out,
			    json_pack("{s:I,s:I,s:s,s:s,s:i,s:i,s:i,s:i}",
			              "list", (json_int_t)d->list, "project",
			              (json_int_t)d->project, "expired_on",
			              d->expired, "confirmed_by",
			              d->confirmed_by, "subjects", d->subjects,
			              "persons", d->persons, "journal",
			              d->journal, "findings", d->findings));
	}
	for (i = 0; rc == SQLITE_DONE && i < n; i++) {
		if (keys_shred(ctx, ds[i].project) == -1)
			rc = SQLITE_ERROR;
		else
			log_info("retention: project %lld destroyed (list "
			         "%lld)",
			         (long long)ds[i].project,
			         (long long)ds[i].list);
	}
	free(ds);
	return rc == SQLITE_DONE ? (int)n : -1;
}

static int
retention_run(struct call *c)
{
	json_t *out = json_array();
	int n;

	if (out == NULL)
		return call_internal(c);
	if ((n = run_confirmed(c->ctx, c, out)) < 0) {
		json_decref(out);
		return call_internal(c);
	}
	call_object(c, "retention-run: %d destroyed", n);
	c->reply = json_pack("{s:o}", "destroyed", out);
	return c->reply ? 0 : call_internal(c);
}

/* --- legal hold, retention period ---------------------------------------- */

/* May the caller manage retention of the project?  Leaders and admins
 * (ACC_MANAGE), and the privacy officer, who may see every project. */
static int
retention_access(struct call *c, int64_t id)
{
	return access_project(
	    c, id, c->who.role == ROLE_PRIVACY ? ACC_META : ACC_MANAGE);
}

static int
not_destroyed(struct call *c, int64_t id)
{
	static const char sql[] = "SELECT destroyed IS NOT NULL FROM projects "
	                          "WHERE id = ?";
	sqlite3_stmt *st;
	int gone = 1;

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		gone = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return gone ? call_fail(c, "nl.ivtd.Conflict", "{s:s}", "reason",
	                        "the project's personal data was destroyed")
	            : 0;
}

static int
reply_state(struct call *c, int64_t id)
{
	static const char sql[] =
	    "SELECT p.retention_days, p.hold_reason, c.closed FROM projects "
	    "p LEFT JOIN " CLOSED_SQL " c ON c.project_id = p.id WHERE p.id "
	    "= ?";
	sqlite3_stmt *st;
	json_t *r = NULL;
	int64_t days;
	char exp[16];

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		days = sqlite3_column_type(st, 0) == SQLITE_NULL
		           ? c->ctx->cfg->retention_days
		           : sqlite3_column_int64(st, 0);
		r = json_pack("{s:I,s:I,s:b}", "project", (json_int_t)id,
		              "retention_days", (json_int_t)days, "default",
		              sqlite3_column_type(st, 0) == SQLITE_NULL);
		if (r != NULL && sqlite3_column_type(st, 1) != SQLITE_NULL)
			json_object_set_new(
			    r, "hold",
			    json_string(
			        (const char *)sqlite3_column_text(st, 1)));
		if (r != NULL && sqlite3_column_type(st, 2) != SQLITE_NULL) {
			date_format(
			    date_parse(
			        (const char *)sqlite3_column_text(st, 2)) +
			        (int32_t)days,
			    exp, sizeof(exp));
			json_object_set_new(
			    r, "closed_on",
			    json_string(
			        (const char *)sqlite3_column_text(st, 2)));
			json_object_set_new(r, "expires", json_string(exp));
		}
	}
	sqlite3_reset(st);
	if (r == NULL)
		return call_internal(c);
	c->reply = json_pack("{s:o}", "retention", r);
	return c->reply ? 0 : call_internal(c);
}

/* Is the project under legal hold, and by whom (*by, a uid)?  1 held,
 * 0 not (or no such project), -1 error. */
static int
hold_placer(struct call *c, int64_t id, int64_t *by)
{
	static const char sql[] =
	    "SELECT hold_by FROM projects WHERE id = ? AND hold_reason IS "
	    "NOT NULL";
	sqlite3_stmt *st;
	int rc;

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	/* A hold without its placer (NULL) is nobody's: -1 is no uid. */
	*by = rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER
	          ? sqlite3_column_int64(st, 0)
	          : -1;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* May the caller change a hold placed by uid by (lift it, or place its
 * own over it)?  Its placer, or a privacy officer. */
static int
hold_is_mine(const struct call *c, int64_t by)
{
	return by == (int64_t)c->who.uid || c->who.role == ROLE_PRIVACY;
}

static int
project_hold(struct call *c)
{
	static const char sql[] =
	    "UPDATE projects SET hold_reason = ?, hold_by = ?, hold_since "
	    "= ? WHERE id = ?";
	int64_t id = ivt_json_int(c->params, "id", 0), by;
	const char *why = ivt_json_str(c->params, "reason");
	sqlite3_stmt *st;
	int held;

	if (retention_access(c, id) == -1 || not_destroyed(c, id) == -1)
		return -1;
	call_object(c, "project:%lld hold", (long long)id);
	if (!valid_text(why, 1024))
		return call_invalid(c, "reason", "a legal hold needs a reason");
	/* Placing one's own over another's hold would make it one's own to
	 * lift. */
	if ((held = hold_placer(c, id, &by)) == -1)
		return call_internal(c);
	if (held && !hold_is_mine(c, by))
		return call_denied(c, "the project is held by someone else");
	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_text(st, 1, why, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, c->who.uid);
	sqlite3_bind_int64(st, 3, store_now_us());
	sqlite3_bind_int64(st, 4, id);
	if (store_step_done(st) == -1)
		return call_internal(c);
	return reply_state(c, id);
}

/*
 * Project.Release.  A hold is lifted by whoever placed it, or by a privacy
 * officer: not by a leader or an admin over someone else's hold, since
 * they are the ones who confirm and run the destruction it stops.
 */
static int
project_release(struct call *c)
{
	static const char sql[] =
	    "UPDATE projects SET hold_reason = NULL, hold_by = NULL, "
	    "hold_since = NULL WHERE id = ?";
	int64_t id = ivt_json_int(c->params, "id", 0), by;
	sqlite3_stmt *st;
	int held;

	if (retention_access(c, id) == -1)
		return -1;
	call_object(c, "project:%lld release", (long long)id);
	if ((held = hold_placer(c, id, &by)) == -1)
		return call_internal(c);
	if (!held)
		return call_fail(c, "nl.ivtd.Conflict", "{s:s}", "reason",
		                 "the project is not under legal hold");
	if (!hold_is_mine(c, by))
		return call_denied(c, "only who placed the hold, or a privacy "
		                      "officer, may lift it");
	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, id);
	if (store_step_done(st) == -1)
		return call_internal(c);
	return reply_state(c, id);
}

/* Project.Retention: show, or set (days) or reset (default) the period. */
static int
project_retention(struct call *c)
{
	static const char sql[] =
	    "UPDATE projects SET retention_days = ? WHERE id = ?";
	int64_t id = ivt_json_int(c->params, "id", 0);
	json_t *days = json_object_get(c->params, "days");
	int reset = json_is_true(json_object_get(c->params, "default"));
	sqlite3_stmt *st;

	if (days == NULL && !reset)
		return access_project(c, id, ACC_META) == -1
		           ? -1
		           : reply_state(c, id);
	if (access_project(c, id, ACC_MANAGE) == -1 ||
	    not_destroyed(c, id) == -1)
		return -1;
	call_object(c, "project:%lld retention", (long long)id);
	if (days != NULL && reset)
		return call_invalid(c, "days",
		                    "give days or default, not both");
	if (days != NULL &&
	    (json_integer_value(days) < 0 || json_integer_value(days) > 36500))
		return call_invalid(c, "days", "0 to 36500");
	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	if (days != NULL)
		sqlite3_bind_int64(st, 1, json_integer_value(days));
	sqlite3_bind_int64(st, 2, id);
	if (store_step_done(st) == -1)
		return call_internal(c);
	return reply_state(c, id);
}

/* --- daily timer --------------------------------------------------------- */

static void
daily_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon_ctx *ctx = arg;
	struct store *s = ctx->store;
	int n;

	(void)fd;
	(void)what;
	if (s->in_txn)
		return;
	if (store_begin(s) == -1)
		return;
	if ((n = run_confirmed(ctx, NULL, NULL)) < 0 || store_commit(s) == -1) {
		store_rollback(s);
		log_err("retention: the daily run failed; it is retried "
		        "tomorrow");
		return;
	}
	if (n > 0)
		log_info("retention: daily run destroyed %d projects", n);
}

static void
first_cb(evutil_socket_t fd, short what, void *arg)
{
	struct timeval day = {DAY_SECONDS, 0};

	daily_cb(fd, what, arg);
	event_del(daily);
	event_assign(daily, event_get_base(daily), -1, EV_PERSIST, daily_cb,
	             arg);
	event_add(daily, &day);
}

int
retention_finish_earlier(struct daemon_ctx *ctx)
{
	static const char sql[] =
	    "SELECT id FROM projects WHERE destroyed IS NOT NULL AND id NOT IN "
	    "(SELECT project_id FROM report_frozen) ORDER BY id";
	struct store *s = ctx->store;
	struct destroyed d;
	sqlite3_stmt *st;
	int64_t *ids;
	size_t n, i;

	if ((st = store_prepare(s, sql)) == NULL ||
	    store_ids(st, &ids, &n) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		memset(&d, 0, sizeof(d));
		d.project = ids[i];
		if (store_begin(s) == -1 || wipe_project(s, &d) == -1 ||
		    audit_destruction(ctx, NULL, &d) == -1 ||
		    store_commit(s) == -1) {
			store_rollback(s);
			log_err("retention: cannot finish the destruction of "
			        "project %lld; tried again at the next start",
			        (long long)ids[i]);
			free(ids);
			return -1;
		}
		log_info("retention: project %lld: the rows an earlier version "
		         "kept after its destruction are deleted",
		         (long long)ids[i]);
	}
	free(ids);
	return 0;
}

int
retention_attach(struct daemon_ctx *ctx, struct event_base *base)
{
	struct timeval first = {5 * 60, 0};

	/* A failure is logged; the daemon serves, and tries at next start. */
	(void)retention_finish_earlier(ctx);
	if ((daily = evtimer_new(base, first_cb, ctx)) == NULL)
		return -1;
	return evtimer_add(daily, &first);
}

void
retention_detach(void)
{
	if (daily != NULL)
		event_free(daily);
	daily = NULL;
}

#define R_ALL     (ROLE_ADMIN | ROLE_PROJECTLEIDER | ROLE_PRIVACY)
#define R_DESTROY (ROLE_ADMIN | ROLE_PROJECTLEIDER)

const struct method retention_methods[] = {
    {"nl.ivtd.Retention.Propose", retention_propose, R_ALL, M_WRITE,
     ACTIVITY_RETENTION},
    {"nl.ivtd.Retention.Show", retention_show, R_ALL, 0, NULL},
    {"nl.ivtd.Retention.Confirm", retention_confirm, R_DESTROY, M_WRITE,
     ACTIVITY_RETENTION},
    {"nl.ivtd.Retention.Run", retention_run, R_DESTROY, M_WRITE,
     ACTIVITY_RETENTION},
    {"nl.ivtd.Project.Hold", project_hold, R_ALL, M_WRITE, ACTIVITY_RETENTION},
    {"nl.ivtd.Project.Release", project_release, R_ALL, M_WRITE,
     ACTIVITY_RETENTION},
    {"nl.ivtd.Project.Retention", project_retention, R_ALL, M_WRITE,
     ACTIVITY_RETENTION},
    {NULL, NULL, 0, 0, NULL},
};
