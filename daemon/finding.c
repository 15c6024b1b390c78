/*
 * finding.c - nl.ivtd.Finding: bevindingen per subject, per partner, per
 * visit; their follow-up; edits kept as history, nothing deleted.
 *
 * Notes are free text about a household: sealed, bound to their row, and
 * every read is audited against the subject's pseudonym.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "date.h"
#include "day.h"
#include "ivt/wire.h"
#include "keys.h"
#include "subject.h"
#include "validate.h"

#define ACTIVITY_FINDING  "ivt-07"
#define ACTIVITY_FOLLOWUP "ivt-08"
#define MEASURE_MAX       1e12 /* |indicator value| */
#define NOTES_MAX         8192
#define FOLLOWUP_MAX      1000

#define FINDING_COLS                                                       \
	"SELECT f.id, f.subject_id, s.project_id, p.name, f.visit_date, "  \
	"f.day_id, f.category, f.notes, f.action, o.name, f.due, f.done, " \
	"f.version, coalesce(u.name, 'uid ' || f.created_by), f.created, " \
	"f.partner_id FROM findings f JOIN subjects s ON s.id = "          \
	"f.subject_id JOIN partners p ON p.id = f.partner_id LEFT JOIN "   \
	"partners o ON o.id = f.owner_id LEFT JOIN users u ON u.uid = "    \
	"f.created_by "

static char *
open_notes(struct call *c, int64_t project, const char *table, int64_t id,
           const void *ct, int n)
{
	return crypto_open_text(keys_dek(c->ctx, project, 0), table, "notes",
	                        id, ct, n);
}

/*
 * What a finding discloses of the residents of its address, for the
 * audit entry: its outcome category always (adresfraude, zorgsignaal,
 * ... about these people), its notes when the caller may read them.
 */
#define SHOWN_CATEGORY 1
#define SHOWN_NOTES    2
static const char *const shown_fields[] = {
    [SHOWN_CATEGORY] = "bevinding.categorie",
    [SHOWN_NOTES] = "bevinding.categorie,bevinding.notes",
};

/* The Finding of the current row; notes only when readable.  *shown
 * gets SHOWN_CATEGORY or SHOWN_NOTES, for the caller to audit. */
static json_t *
finding_row(struct call *c, sqlite3_stmt *st, int *shown)
{
	char recorded[32];
	int64_t id = sqlite3_column_int64(st, 0);
	int64_t project = sqlite3_column_int64(st, 2);
	json_t *f;
	char *notes;

	format_time(sqlite3_column_int64(st, 14), recorded, sizeof(recorded));
	f = json_pack("{s:I,s:I,s:I,s:s,s:s,s:s,s:s,s:b,s:I,s:s,s:s}", "id",
	              (json_int_t)id, "subject",
	              (json_int_t)sqlite3_column_int64(st, 1), "project",
	              (json_int_t)project, "partner",
	              sqlite3_column_text(st, 3), "visit_date",
	              sqlite3_column_text(st, 4), "category",
	              sqlite3_column_text(st, 6), "action",
	              sqlite3_column_text(st, 8), "done",
	              sqlite3_column_int(st, 11), "version",
	              (json_int_t)sqlite3_column_int64(st, 12), "recorded_by",
	              sqlite3_column_text(st, 13), "recorded", recorded);
	if (f == NULL)
		return NULL;
	*shown = SHOWN_CATEGORY;
	if (sqlite3_column_type(st, 5) != SQLITE_NULL)
		json_object_set_new(f, "day",
		                    json_integer(sqlite3_column_int64(st, 5)));
	if (sqlite3_column_type(st, 9) != SQLITE_NULL)
		json_object_set_new(
			f, "owner",
			json_string((const char *)sqlite3_column_text(st, 9)));
	if (sqlite3_column_type(st, 10) != SQLITE_NULL)
		json_object_set_new(
			f, "due",
			json_string((const char *)sqlite3_column_text(st, 10)));
	if (access_reads_notes(c, project, sqlite3_column_int64(st, 15)) == 1) {
		notes = open_notes(c, project, "findings", id,
		                   sqlite3_column_blob(st, 7),
		                   sqlite3_column_bytes(st, 7));
		json_object_set_new(f, "notes",
		                    json_string(notes ? notes
		                                      : "[unreadable: sealed "
		                                        "notes damaged]"));
		crypto_free_text(notes);
		*shown = SHOWN_NOTES;
	}
	return f;
}

/* Reply {"finding": ...} for id, audited. */
static int
reply_finding(struct call *c, int64_t id)
{
	static const char sql[] = FINDING_COLS "WHERE f.id = ?";
	sqlite3_stmt *st;
	json_t *f = NULL;
	int64_t subject = 0;
	int shown = SHOWN_CATEGORY;
	char hex[65];

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		f = finding_row(c, st, &shown);
		subject = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (f == NULL)
		return call_internal(c);
	if (subject_pseudonym(c->ctx->store, subject, hex) ||
	    call_disclose(c, hex, "address", shown_fields[shown], c->project)) {
		json_decref(f);
		return call_internal(c);
	}
	c->reply = json_pack("{s:o}", "finding", f);
	return c->reply ? 0 : call_internal(c);
}

/* Seal notes for (table, id) and bind to parameter i. */
static int
bind_notes(struct call *c, int64_t project, sqlite3_stmt *st, int i,
           const char *table, int64_t id, const char *notes)
{
	uint8_t *buf;
	size_t n, len = strlen(notes);

	if ((buf = malloc(len + CRYPTO_SEAL_OVERHEAD)) == NULL)
		return -1;
	if (crypto_seal(keys_dek(c->ctx, project, 1), table, "notes", id,
	                (const uint8_t *)notes, len, buf, &n) == -1) {
		free(buf);
		return -1;
	}
	return sqlite3_bind_blob(st, i, buf, (int)n, free) == SQLITE_OK ? 0
	                                                                : -1;
}

static int64_t
next_row_id(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	int64_t id = -1;

	if ((st = store_prepare(s, sql)) == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

/* Checks shared by Add and Update for owner and due. */
static int
check_followup(struct call *c, int64_t *owner)
{
	const char *name = ivt_json_str(c->params, "owner");
	const char *due = ivt_json_str(c->params, "due");

	if (name != NULL &&
	    (*owner = partner_id_by_name(c->ctx->store, name)) <= 0)
		return *owner < 0 ? call_internal(c)
		                  : call_not_found(c, "partner", name);
	if (due != NULL && date_parse(due) == INT32_MIN)
		return call_invalid(c, "due", "not a date (YYYY-MM-DD)");
	return 0;
}

static int
subject_status_is(struct call *c, int64_t id, const char *const *ok,
                  size_t n, char *status, size_t len)
{
	size_t i;

	if (subject_status(c->ctx->store, id, status, len) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (strcmp(status, ok[i]) == 0)
			return 1;
	}
	return 0;
}

/*
 * A finding on an actiedag: the day is in the subject's project, took
 * place on the visit date, the subject was on it and so was the caller's
 * organisation.  0, or -1 with the call failed.
 */
static int
finding_day_ok(struct call *c, int64_t day, int64_t subject)
{
	static const char sql[] =
	    "SELECT d.day = ?3, d.status IN ('bevestigd','uitgevoerd'), "
	    "EXISTS (SELECT 1 FROM day_partners p WHERE p.day_id = d.id "
	    "AND p.partner_id = ?4) "
	    "FROM days d JOIN day_subjects v ON v.day_id = d.id "
	    "WHERE d.id = ?1 AND v.subject_id = ?2";
	sqlite3_stmt *st;
	int rc, same_date = 0, held = 0, present = 0;

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, day);
	sqlite3_bind_int64(st, 2, subject);
	sqlite3_bind_text(st, 3, ivt_json_str(c->params, "visit_date"), -1,
	                  SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, c->who.partner_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		same_date = sqlite3_column_int(st, 0);
		held = sqlite3_column_int(st, 1);
		present = sqlite3_column_int(st, 2);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return call_invalid(c, "day", "the subject was not planned on "
		                              "this day");
	if (!held)
		return call_invalid(c, "day", "the day was not confirmed");
	if (!same_date)
		return call_invalid(c, "visit_date", "not the date of the day");
	if (!present)
		return call_invalid(c, "day",
		                    "your organisation was not on "
		                    "this day");
	return 0;
}

/*
 * A finding without a day is on a visit by name.  A subject planned on
 * an actiedag is visited on that day: its finding names the day, or the
 * finding would close a visit that has not happened.  0, or -1 with the
 * call failed.
 */
static int
finding_no_day_ok(struct call *c, int64_t subject)
{
	int64_t day = 0, uid = 0;
	char why[96];

	if (day_active_plan(c->ctx->store, subject, &day, &uid) == -1)
		return call_internal(c);
	if (day == 0)
		return 0;
	snprintf(why, sizeof(why),
	         "the subject is planned on day %lld: "
	         "name that day",
	         (long long)day);
	return call_invalid(c, "day", why);
}

/*
 * A visited subject is afgehandeld when it has findings and none of them
 * has a follow-up still open, and gecontroleerd while one has: after a
 * finding is added or changed, or a follow-up done.  (A visit with
 * nothing to follow up, geen_bijzonderheden, is handled at once; a new
 * follow-up opens it again.)  Subjects not visited yet keep their
 * status.  0 or -1.
 */
static int
settle_status(struct store *s, int64_t subject)
{
	static const char sql[] =
	    "UPDATE subjects SET status = CASE WHEN EXISTS (SELECT 1 FROM "
	    "findings f WHERE f.subject_id = subjects.id AND "
	    "f.action <> 'geen' AND f.done = 0) THEN 'gecontroleerd' "
	    "ELSE 'afgehandeld' END, updated = ?2 WHERE id = ?1 AND "
	    "status IN ('gecontroleerd','afgehandeld') AND EXISTS (SELECT 1 "
	    "FROM findings f WHERE f.subject_id = subjects.id) AND status "
	    "<> CASE WHEN EXISTS (SELECT 1 FROM findings f WHERE "
	    "f.subject_id = subjects.id AND f.action <> 'geen' AND "
	    "f.done = 0) THEN 'gecontroleerd' ELSE 'afgehandeld' END";
	sqlite3_stmt *st;

	if ((st = store_prepare(s, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, subject);
	sqlite3_bind_int64(st, 2, store_now_us());
	return store_step_done(st);
}

static int
finding_add(struct call *c)
{
	static const char ins[] =
		"INSERT INTO findings (id, subject_id, partner_id, day_id, "
		"visit_date, category, notes, action, owner_id, due, created, "
		"created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	static const char maxid[] = "SELECT " STORE_NEXT_ID("findings");
	static const char *const visited[] = {"ingepland", "gecontroleerd",
	                                      "afgehandeld"};
	int64_t subject = ivt_json_int(c->params, "subject", 0), project;
	int64_t day = ivt_json_int(c->params, "day", 0), owner, id;
	const char *notes = ivt_json_str(c->params, "notes");
	const char *visit = ivt_json_str(c->params, "visit_date");
	const char *action = ivt_json_str(c->params, "action");
	int32_t vd;
	sqlite3_stmt *st;
	char status[32];
	int r;

	if (c->who.role != ROLE_PARTNER)
		return call_denied(c, "findings are recorded by partners");
	owner = c->who.partner_id;
	if (subject_access(c, subject, ACC_LEVEREN, &project) == -1)
		return -1;
	if ((vd = date_parse(visit)) == INT32_MIN || vd > date_today())
		return call_invalid(c, "visit_date", "a date, not in the future");
	if (!valid_text(notes, NOTES_MAX))
		return call_invalid(c, "notes", "1-8192 bytes of text");
	if (check_followup(c, &owner) == -1)
		return -1;
	if (strcmp(action, "geen") != 0 &&
	    ivt_json_str(c->params, "due") == NULL)
		return call_invalid(c, "due", "a follow-up needs a due date");
	if (day != 0 ? finding_day_ok(c, day, subject) == -1
	             : finding_no_day_ok(c, subject) == -1)
		return -1;
	if ((r = subject_status_is(c, subject, visited, 3, status,
	                           sizeof(status))) != 1)
		return r < 0 ? call_internal(c)
		             : call_fail(c, "nl.ivtd.Conflict", "{s:s}",
		                         "reason",
		                         "findings are recorded for planned or "
		                         "visited subjects");
	if ((id = next_row_id(c->ctx->store, maxid)) < 0 ||
	    (st = store_prepare(c->ctx->store, ins)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, subject);
	sqlite3_bind_int64(st, 3, c->who.partner_id);
	if (day != 0)
		sqlite3_bind_int64(st, 4, day);
	sqlite3_bind_text(st, 5, visit, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, ivt_json_str(c->params, "category"), -1,
	                  SQLITE_STATIC);
	if (bind_notes(c, c->project, st, 7, "findings", id, notes) == -1) {
		sqlite3_reset(st);
		return call_internal(c);
	}
	sqlite3_bind_text(st, 8, action, -1, SQLITE_STATIC);
	if (strcmp(action, "geen") != 0) {
		sqlite3_bind_int64(st, 9, owner);
		sqlite3_bind_text(st, 10, ivt_json_str(c->params, "due"), -1,
		                  SQLITE_STATIC);
	}
	sqlite3_bind_int64(st, 11, store_now_us());
	sqlite3_bind_int64(st, 12, c->who.uid);
	if (store_step_done(st) == -1)
		return call_internal(c);
	call_object(c, "finding:%lld subject:%lld", (long long)id,
	            (long long)subject);
	/* A visit handed out by name has no day to close: the finding
	 * itself says the subject was visited, and the hand-out is done. */
	if ((day == 0 && strcmp(status, "ingepland") == 0 &&
	     (subject_set_status(c->ctx->store, subject, "gecontroleerd") ==
	          -1 ||
	      day_end_assignment(c->ctx->store, subject) == -1)) ||
	    settle_status(c->ctx->store, subject) == -1)
		return call_internal(c);
	return reply_finding(c, id);
}

/* Copy the current version into the history before it changes. */
static int
keep_history(struct call *c, int64_t id)
{
	static const char sql[] =
		"INSERT INTO finding_history (id, finding_id, version, category,"
		" action, owner_id, due, changed_by, changed_at) "
		"SELECT ?, id, version, category, action, owner_id, due, ?, ? "
		"FROM findings WHERE id = ?";
	static const char copy_notes[] =
		"UPDATE finding_history SET notes = ? WHERE id = ?";
	static const char get_notes[] = "SELECT notes FROM findings WHERE id = ?";
	static const char maxid[] =
		"SELECT " STORE_NEXT_ID("finding_history");
	sqlite3_stmt *st;
	int64_t hid;
	char *notes = NULL;
	int rc;

	if ((hid = next_row_id(c->ctx->store, maxid)) < 0 ||
	    (st = store_prepare(c->ctx->store, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, hid);
	sqlite3_bind_int64(st, 2, c->who.uid);
	sqlite3_bind_int64(st, 3, store_now_us());
	sqlite3_bind_int64(st, 4, id);
	if (store_step_done(st) == -1 ||
	    (st = store_prepare(c->ctx->store, get_notes)) == NULL)
		return -1;
	/* Re-seal the old notes for their history row: a sealed field is
	 * bound to its row and cannot simply be copied. */
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		notes = open_notes(c, c->project, "findings", id,
		                   sqlite3_column_blob(st, 0),
		                   sqlite3_column_bytes(st, 0));
	sqlite3_reset(st);
	if (notes == NULL || (st = store_prepare(c->ctx->store, copy_notes)) ==
	                         NULL) {
		crypto_free_text(notes);
		return -1;
	}
	rc = bind_notes(c, c->project, st, 1, "finding_history", hid, notes);
	crypto_free_text(notes);
	if (rc == -1) {
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_bind_int64(st, 2, hid);
	return store_step_done(st);
}

/* Finding's project and partner; 0 found, -1 not found / error. */
static int
finding_owner(struct call *c, int64_t id, int64_t *subject,
              int64_t *partner)
{
	static const char sql[] =
		"SELECT subject_id, partner_id FROM findings WHERE id = ?";
	sqlite3_stmt *st;
	int rc;

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*subject = sqlite3_column_int64(st, 0);
		*partner = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static int
finding_update(struct call *c)
{
	static const char sql[] =
	    "UPDATE findings SET category = coalesce(?1, category), "
	    /* another follow-up is a new one, open (SET reads the old
	     * action) */
	    "done = CASE WHEN ?2 IS NOT NULL AND ?2 <> 'geen' AND "
	    "?2 <> action THEN 0 ELSE done END, "
	    "done_at = CASE WHEN ?2 IS NOT NULL AND ?2 <> 'geen' AND "
	    "?2 <> action THEN NULL ELSE done_at END, "
	    "done_by = CASE WHEN ?2 IS NOT NULL AND ?2 <> 'geen' AND "
	    "?2 <> action THEN NULL ELSE done_by END, "
	    "action = coalesce(?2, action), "
	    "owner_id = coalesce(?3, owner_id, ?6), "
	    "due = coalesce(?4, due), version = version + 1 WHERE id = ?5";
	/* A follow-up needs a due date, also one added by a change. */
	static const char undated[] =
	    "SELECT 1 FROM findings WHERE id = ? AND due IS NULL";
	static const char set_notes[] =
		"UPDATE findings SET notes = ? WHERE id = ?";
	int64_t id = ivt_json_int(c->params, "id", 0), subject, partner,
		project, owner = 0;
	const char *notes = ivt_json_str(c->params, "notes"), *action;
	sqlite3_stmt *st;
	char idbuf[32];
	int r;

	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)id);
	if (finding_owner(c, id, &subject, &partner) == -1)
		return call_not_found(c, "finding", idbuf);
	if (subject_access(c, subject, ACC_BEWERKEN, &project) == -1)
		return -1;
	call_object(c, "finding:%lld subject:%lld", (long long)id,
	            (long long)subject);
	if (c->who.role != ROLE_PARTNER || partner != c->who.partner_id)
		return call_denied(c, "only the organisation that recorded a "
		                      "finding may change it");
	if (notes != NULL && !valid_text(notes, NOTES_MAX))
		return call_invalid(c, "notes", "1-8192 bytes of text");
	if (check_followup(c, &owner) == -1)
		return -1;
	action = ivt_json_str(c->params, "action");
	if (action != NULL && strcmp(action, "geen") != 0 &&
	    ivt_json_str(c->params, "due") == NULL) {
		if ((st = store_prepare(c->ctx->store, undated)) == NULL)
			return call_internal(c);
		sqlite3_bind_int64(st, 1, id);
		if ((r = store_step_exists(st)) != 0)
			return r < 0 ? call_internal(c)
			             : call_invalid(
			                   c, "due",
			                   "a follow-up needs a due date");
	}
	if (keep_history(c, id) == -1 ||
	    (st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_text(st, 1, ivt_json_str(c->params, "category"), -1,
	                  SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ivt_json_str(c->params, "action"), -1,
	                  SQLITE_STATIC);
	if (owner > 0)
		sqlite3_bind_int64(st, 3, owner);
	sqlite3_bind_text(st, 4, ivt_json_str(c->params, "due"), -1,
	                  SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, id);
	/* A follow-up added by a change is, by default, its recorder's. */
	if (action != NULL && strcmp(action, "geen") != 0)
		sqlite3_bind_int64(st, 6, partner);
	if (store_step_done(st) == -1)
		return call_internal(c);
	if (notes != NULL) {
		if ((st = store_prepare(c->ctx->store, set_notes)) == NULL ||
		    bind_notes(c, c->project, st, 1, "findings", id, notes) == -1)
			return call_internal(c);
		sqlite3_bind_int64(st, 2, id);
		if (store_step_done(st) == -1)
			return call_internal(c);
	}
	if (settle_status(c->ctx->store, subject) == -1)
		return call_internal(c);
	return reply_finding(c, id);
}

/*
 * Reply {key: [findings of the bound statement]}, audited per data
 * subject (call_disclose enters each once per call and project): first
 * the subjects whose notes were shown, so their entry names the notes
 * even when another of their findings showed only its category.
 */
static int
reply_findings(struct call *c, sqlite3_stmt *st, const char *key)
{
	json_t *list = json_array(), *f;
	int64_t *seen = NULL, *ns; /* triples: subject, project, shown */
	size_t n = 0, i;
	int rc, shown, pass;
	char hex[65];

	if (list == NULL)
		return call_internal(c);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((f = finding_row(c, st, &shown)) == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		json_array_append_new(list, f);
		if ((ns = reallocarray(seen, 3 * (n + 1), sizeof(*seen))) ==
		    NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		seen = ns;
		seen[3 * n] = sqlite3_column_int64(st, 1);
		seen[3 * n + 1] = sqlite3_column_int64(st, 2);
		seen[3 * n++ + 2] = shown;
	}
	sqlite3_reset(st);
	/* Each under the finding's own project: a follow-up list may span
	 * projects, or be read without access_project (own follow-ups). */
	for (pass = SHOWN_NOTES; pass >= SHOWN_CATEGORY; pass--) {
		for (i = 0; rc == SQLITE_DONE && i < n; i++) {
			if (seen[3 * i + 2] != pass)
				continue;
			if (subject_pseudonym(c->ctx->store, seen[3 * i],
			                      hex) == -1 ||
			    call_disclose(c, hex, "address", shown_fields[pass],
			                  seen[3 * i + 1]) == -1)
				rc = SQLITE_ERROR;
		}
	}
	free(seen);
	if (rc != SQLITE_DONE) {
		json_decref(list);
		return call_internal(c);
	}
	c->reply = json_pack("{s:o}", key, list);
	return c->reply ? 0 : call_internal(c);
}

/*
 * Whose findings in project the caller may read: every organisation's
 * (*only 0), or, for a partner without inlezen, its own organisation's
 * (*only its id).  Findings are personal data, so the admin and the
 * privacy officer get none.  0, or -1 with the call failed.
 */
static int
may_list_findings(struct call *c, int64_t project, int64_t *only)
{
	int r;

	*only = 0;
	if ((r = access_can(c, project, ACC_INLEZEN)) == -1)
		return call_internal(c);
	if (r == 1)
		return 0;
	if (c->who.role != ROLE_PARTNER)
		return call_denied(c, "findings hold personal data");
	if ((r = access_partner_closed(c, project)) != 0)
		return r < 0 ? call_internal(c)
		             : call_denied(c, "the project is closed");
	*only = c->who.partner_id;
	return 0;
}

static int
finding_list(struct call *c)
{
	static const char sql[] =
		FINDING_COLS "WHERE f.subject_id = ?1 AND (?2 = 0 OR "
		"f.partner_id = ?2) ORDER BY f.id";
	int64_t subject = ivt_json_int(c->params, "subject", 0), project;
	sqlite3_stmt *st;
	int64_t only = 0;

	if (subject_access(c, subject, ACC_META, &project) == -1)
		return -1;
	if (may_list_findings(c, project, &only) == -1)
		return -1;
	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, subject);
	sqlite3_bind_int64(st, 2, only);
	return reply_findings(c, st, "findings");
}

static json_t *
change_row(sqlite3_stmt *st)
{
	char at[32];
	json_t *e;

	format_time(sqlite3_column_int64(st, 2), at, sizeof(at));
	e = json_pack("{s:I,s:s,s:s,s:s,s:s}", "version",
	              (json_int_t)sqlite3_column_int64(st, 0), "by",
	              sqlite3_column_text(st, 1), "at", at, "category",
	              sqlite3_column_text(st, 3), "action",
	              sqlite3_column_text(st, 4));
	if (e != NULL && sqlite3_column_type(st, 5) != SQLITE_NULL)
		json_object_set_new(
			e, "owner",
			json_string((const char *)sqlite3_column_text(st, 5)));
	if (e != NULL && sqlite3_column_type(st, 6) != SQLITE_NULL)
		json_object_set_new(
			e, "due",
			json_string((const char *)sqlite3_column_text(st, 6)));
	return e;
}

static int
finding_history(struct call *c)
{
	static const char sql[] =
		"SELECT h.version, coalesce(u.name, 'uid ' || h.changed_by), "
		"h.changed_at, h.category, h.action, o.name, h.due FROM "
		"finding_history h LEFT JOIN users u ON u.uid = h.changed_by "
		"LEFT JOIN partners o ON o.id = h.owner_id WHERE "
		"h.finding_id = ? ORDER BY h.version";
	int64_t id = ivt_json_int(c->params, "id", 0), subject, partner,
		project, only;
	sqlite3_stmt *st;
	char idbuf[32], hex[65];

	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)id);
	if (finding_owner(c, id, &subject, &partner) == -1)
		return call_not_found(c, "finding", idbuf);
	if (subject_access(c, subject, ACC_META, &project) == -1)
		return -1;
	/* The history of a finding is that finding: Finding.List's rules. */
	if (may_list_findings(c, project, &only) == -1)
		return -1;
	if (only != 0 && partner != only)
		return call_denied(c, "another organisation's finding needs "
		                      "inlezen");
	/* Its categories over time are about the residents, as its own. */
	if (subject_pseudonym(c->ctx->store, subject, hex) == -1 ||
	    call_disclose(c, hex, "address", shown_fields[SHOWN_CATEGORY],
	                  project) == -1 ||
	    (st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, id);
	return call_reply_rows(c, st, "changes", change_row);
}

/* --- follow-up --------------------------------------------------------- */

static int
followup_list(struct call *c)
{
	static const char sql[] =
		FINDING_COLS "WHERE f.action <> 'geen' AND f.done = 0 AND "
		"s.project_id = ?1 AND (?2 = 0 OR f.due < ?3) "
		"AND (?4 = 0 OR f.owner_id = ?4) "
		"ORDER BY f.due, f.id LIMIT 1000";
	int64_t project = ivt_json_int(c->params, "project", 0), only = 0;
	int overdue = json_is_true(json_object_get(c->params, "overdue"));
	char today[16];
	sqlite3_stmt *st;

	/*
	 * Reading every follow-up is reading findings: inlezen.  An owner
	 * organisation that delivers (leveren) must still see the work it
	 * owns, or it could never mark it done: its own follow-ups only.
	 */
	if (c->who.role == ROLE_PARTNER &&
	    access_can(c, project, ACC_INLEZEN) != 1 &&
	    access_can(c, project, ACC_LEVEREN) == 1)
		only = c->who.partner_id;
	else if (access_project(c, project, ACC_INLEZEN) == -1)
		return -1;
	date_format(date_today(), today, sizeof(today));
	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, project);
	sqlite3_bind_int(st, 2, overdue);
	sqlite3_bind_text(st, 3, today, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, only);
	return reply_findings(c, st, "findings");
}

static int
followup_done(struct call *c)
{
	static const char get[] =
		"SELECT owner_id, action, done FROM findings WHERE id = ?";
	static const char sql[] =
		"UPDATE findings SET done = 1, done_at = ?, done_by = ? "
		"WHERE id = ?";
	int64_t id = ivt_json_int(c->params, "id", 0), subject, partner,
		project, owner = 0;
	sqlite3_stmt *st;
	char idbuf[32];
	int is_geen = 1, done = 0;

	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)id);
	if (finding_owner(c, id, &subject, &partner) == -1)
		return call_not_found(c, "finding", idbuf);
	if (subject_access(c, subject, ACC_LEVEREN, &project) == -1)
		return -1;
	call_object(c, "finding:%lld subject:%lld", (long long)id,
	            (long long)subject);
	if ((st = store_prepare(c->ctx->store, get)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		owner = sqlite3_column_int64(st, 0);
		is_geen = strcmp((const char *)sqlite3_column_text(st, 1),
		                 "geen") == 0;
		done = sqlite3_column_int(st, 2);
	}
	sqlite3_reset(st);
	if (is_geen || done)
		return call_fail(c, "nl.ivtd.Conflict", "{s:s}", "reason",
		                 is_geen ? "this finding has no follow-up"
		                         : "the follow-up is done already");
	if (c->who.role == ROLE_PARTNER && owner != c->who.partner_id)
		return call_denied(c, "the follow-up belongs to another "
		                      "organisation");
	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, store_now_us());
	sqlite3_bind_int64(st, 2, c->who.uid);
	sqlite3_bind_int64(st, 3, id);
	if (store_step_done(st) == -1 ||
	    settle_status(c->ctx->store, subject) == -1)
		return call_internal(c);
	/* An owner that may not read the notes changed the finding too. */
	if (reply_finding(c, id) == -1)
		return -1;
	return subject_audit(c, subject, project) == -1 ? call_internal(c)
	                                                : 0;
}

/* --- effect measurement ------------------------------------------------ */

static int
measure_set(struct call *c)
{
	static const char sql[] =
		"INSERT INTO measures (project_id, phase, indicator, value, "
		"source, measured_on, set_by, set_at) VALUES (?, ?, ?, ?, ?, ?, "
		"?, ?) ON CONFLICT (project_id, phase, indicator) DO UPDATE SET "
		"value = excluded.value, source = excluded.source, measured_on "
		"= excluded.measured_on, set_by = excluded.set_by, set_at = "
		"excluded.set_at";
	int64_t project = ivt_json_int(c->params, "project", 0);
	int64_t phase = ivt_json_int(c->params, "phase", -1);
	const char *ind = ivt_json_str(c->params, "indicator");
	const char *src = ivt_json_str(c->params, "source");
	const char *ds = ivt_json_str(c->params, "date");
	double value = json_number_value(json_object_get(c->params, "value"));
	struct subject_in tmp;
	sqlite3_stmt *st;
	char d[16], pphase[32];
	int32_t day;

	if (access_project(c, project, ACC_HANDLE) == -1)
		return -1;
	call_object(c, "project:%lld measure", (long long)project);
	if (phase != 0 && phase != 1)
		return call_invalid(c, "phase", "0 (0-meting) or 1 (1-meting)");
	/* The 0-meting is the start, the 1-meting the effect: measured
	 * once the operations have begun, and before the report. */
	if (access_project_phase(c->ctx->store, project, pphase,
	                         sizeof(pphase)) == -1)
		return call_internal(c);
	if (phase == 1 && strcmp(pphase, "operationeel") != 0 &&
	    strcmp(pphase, "evaluatie") != 0)
		return call_fail(c, "nl.ivtd.Conflict", "{s:s}", "reason",
		                 "the 1-meting is set in the operationele or "
		                 "evaluatie fase");
	if (phase == 0 && strcmp(pphase, "evaluatie") == 0)
		return call_fail(c, "nl.ivtd.Conflict", "{s:s}", "reason",
		                 "the 0-meting is set before the evaluatie "
		                 "fase");
	memset(&tmp, 0, sizeof(tmp));
	if (subject_add_code(&tmp, ind) != NULL)
		return call_invalid(c, "indicator",
		                    "1-32 letters, digits, . _ -");
	if (!valid_display_name(src))
		return call_invalid(c, "source", "name the source");
	day = ds ? date_parse(ds) : date_today();
	if (day == INT32_MIN || day > date_today())
		return call_invalid(c, "date", "a date, not in the future");
	/* A count, an amount or a percentage: bounded, so the report's
	 * differences and ratios stay finite. */
	if (!(fabs(value) <= MEASURE_MAX))
		return call_invalid(c, "value", "at most 1e12 either way");
	date_format(day, d, sizeof(d));
	/* A later value replaces this one: the log keeps each (an indicator
	 * is an aggregate, no personal data). */
	call_object(c, "project:%lld measure:%s phase:%lld value:%.17g on:%s",
	            (long long)project, ind, (long long)phase, value, d);
	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, project);
	sqlite3_bind_int64(st, 2, phase);
	sqlite3_bind_text(st, 3, ind, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 4, value);
	sqlite3_bind_text(st, 5, src, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, d, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 7, c->who.uid);
	sqlite3_bind_int64(st, 8, store_now_us());
	return store_step_done(st) == -1 ? call_internal(c) : 0;
}

/* --- the day is over ---------------------------------------------------- */

/*
 * Day.Done: a confirmed day that has taken place becomes uitgevoerd; its
 * planned subjects were visited (gecontroleerd) and its visits are kept
 * as history.
 */
static int
day_done(struct call *c)
{
	static const char get[] =
		"SELECT project_id, status, day FROM days WHERE id = ?";
	static const char visited[] =
		"UPDATE subjects SET status = 'gecontroleerd', updated = ?2 "
		"WHERE status = 'ingepland' AND id IN (SELECT subject_id FROM "
		"day_subjects WHERE day_id = ?1 AND active = 1)";
	static const char close_visits[] =
		"UPDATE day_subjects SET active = 0 WHERE day_id = ?";
	static const char visits[] =
		"SELECT subject_id FROM day_subjects WHERE day_id = ? AND "
		"active = 1 ORDER BY subject_id";
	static const char done[] =
		"UPDATE days SET status = 'uitgevoerd', updated = ?, sequence = "
		"sequence + 1 WHERE id = ?";
	int64_t id = ivt_json_int(c->params, "id", 0), project = 0;
	int64_t *subjects = NULL;
	char status[32] = "", date[16] = "", idbuf[32];
	sqlite3_stmt *st;
	size_t n = 0, i;
	int rc, nvisited;

	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)id);
	call_object(c, "day:%lld done", (long long)id);
	if ((st = store_prepare(c->ctx->store, get)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		project = sqlite3_column_int64(st, 0);
		snprintf(status, sizeof(status), "%s",
		         sqlite3_column_text(st, 1));
		snprintf(date, sizeof(date), "%s", sqlite3_column_text(st, 2));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return call_not_found(c, "day", idbuf);
	if (access_project(c, project, ACC_HANDLE) == -1)
		return -1;
	if (strcmp(status, "bevestigd") != 0)
		return call_fail(c, "nl.ivtd.Conflict", "{s:s}", "reason",
		                 "only a confirmed day can be carried out");
	if (date_parse(date) > date_today())
		return call_fail(c, "nl.ivtd.Conflict", "{s:s}", "reason",
		                 "the day has not taken place yet");
	if ((st = store_prepare(c->ctx->store, visited)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, store_now_us());
	if (store_step_done(st) == -1)
		return call_internal(c);
	nvisited = sqlite3_changes(c->ctx->store->db);
	/* Every visit of the day is closed: recorded per subject. */
	if ((st = store_prepare(c->ctx->store, visits)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, id);
	if (store_ids(st, &subjects, &n) == -1)
		return call_internal(c);
	/* Those whose findings are in already may be handled at once. */
	for (i = 0; i < n && subject_audit(c, subjects[i], project) == 0 &&
	            settle_status(c->ctx->store, subjects[i]) == 0;
	     i++)
		;
	free(subjects);
	if (i < n || (st = store_prepare(c->ctx->store, close_visits)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, id);
	if (store_step_done(st) == -1 ||
	    (st = store_prepare(c->ctx->store, done)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, store_now_us());
	sqlite3_bind_int64(st, 2, id);
	if (store_step_done(st) == -1)
		return call_internal(c);
	c->reply = json_pack("{s:i}", "visited", nvisited);
	return c->reply ? 0 : call_internal(c);
}

/*
 * Subject.Revisit: nobody was found at the visit (every finding on the
 * subject is niet_aangetroffen, or there is none), so it is visited
 * again: gereed, to be planned on another day or handed out by name.
 * The earlier visit and its findings stay as they are.
 */
static int
subject_revisit(struct call *c)
{
	static const char found[] =
	    "SELECT 1 FROM findings WHERE subject_id = ? AND "
	    "category <> 'niet_aangetroffen' LIMIT 1";
	static const char *const visited[] = {"gecontroleerd", "afgehandeld"};
	int64_t id = ivt_json_int(c->params, "subject", 0), project;
	char status[32], phase[32];
	sqlite3_stmt *st;
	int r;

	if (subject_access(c, id, ACC_HANDLE, &project) == -1)
		return -1;
	call_object(c, "subject:%lld revisit", (long long)id);
	if (access_project_phase(c->ctx->store, project, phase,
	                         sizeof(phase)) == -1)
		return call_internal(c);
	if (strcmp(phase, "operationeel") != 0)
		return call_fail(c, "nl.ivtd.Conflict", "{s:s}", "reason",
		                 "visits are made in the operationele fase");
	if ((r = subject_status_is(c, id, visited, 2, status,
	                           sizeof(status))) != 1)
		return r < 0
		           ? call_internal(c)
		           : call_fail(c, "nl.ivtd.Conflict", "{s:s}", "reason",
		                       "only a visited subject is visited "
		                       "again");
	if ((st = store_prepare(c->ctx->store, found)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, id);
	if ((r = store_step_exists(st)) != 0)
		return r < 0 ? call_internal(c)
		             : call_fail(c, "nl.ivtd.Conflict", "{s:s}",
		                         "reason",
		                         "something was found at the visit: "
		                         "only a subject where nobody was "
		                         "found (niet_aangetroffen) is "
		                         "visited again");
	/* A visit by name ends with it: the subject is handed out anew. */
	if (day_end_assignment(c->ctx->store, id) == -1 ||
	    subject_set_status(c->ctx->store, id, "gereed") == -1)
		return call_internal(c);
	return subject_reply(c, id) == -1 ? -1 : 0;
}

const struct method finding_methods[] = {
	{"nl.ivtd.Finding.Add", finding_add, ROLE_PARTNER, M_WRITE,
	 ACTIVITY_FINDING},
	{"nl.ivtd.Finding.Update", finding_update, ROLE_PARTNER, M_WRITE,
	 ACTIVITY_FINDING},
	{"nl.ivtd.Finding.List", finding_list, ROLE_ANY, M_AUDIT,
	 ACTIVITY_FINDING},
	{"nl.ivtd.Finding.History", finding_history, ROLE_ANY, M_AUDIT,
	 ACTIVITY_FINDING},
	{"nl.ivtd.Finding.FollowupList", followup_list, ROLE_ANY, M_AUDIT,
	 ACTIVITY_FOLLOWUP},
	{"nl.ivtd.Finding.FollowupDone", followup_done, ROLE_ANY, M_WRITE,
	 ACTIVITY_FOLLOWUP},
	{"nl.ivtd.Finding.MeasureSet", measure_set, ROLE_PROJECTLEIDER,
	 M_WRITE, NULL},
	{"nl.ivtd.Day.Done", day_done, ROLE_PROJECTLEIDER, M_WRITE, "ivt-06"},
	{"nl.ivtd.Subject.Revisit", subject_revisit, ROLE_PROJECTLEIDER,
	 M_WRITE, "ivt-06"},
	{NULL, NULL, 0, 0, NULL},
};
