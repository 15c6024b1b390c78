/*
 * journal.c - nl.ivtd.Journal: dated project notes, sealed at rest.
 *
 * Notes may name citizens (a casusbespreking), so the text is sealed with
 * the field key bound to (journal, note, row id) and every read is
 * audited as a disclosure.
 */
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "date.h"
#include "ivt/wire.h"
#include "keys.h"
#include "validate.h"
#include "varlink.h"

#define ACTIVITY_JOURNAL "ivt-02"
#define NOTE_MAX         16384

static int
journal_add(struct call *c)
{
	static const char ins[] =
		"INSERT INTO journal (id, project_id, entry_date, kind, note, "
		"author, created) VALUES (" STORE_NEXT_ID("journal") ", ?, ?, "
		"?, x'', ?, ?) RETURNING id";
	static const char seal[] = "UPDATE journal SET note = ? WHERE id = ?";
	int64_t project = ivt_json_int(c->params, "project", 0), id = 0;
	const char *note = ivt_json_str(c->params, "note");
	const char *ds = ivt_json_str(c->params, "date");
	uint8_t *ct;
	size_t ctlen, len;
	sqlite3_stmt *st;
	char d[16];
	int32_t day;
	int rc;

	if (access_project(c, project, ACC_LEVEREN) == -1)
		return -1;
	if (!valid_text(note, NOTE_MAX))
		return call_invalid(c, "note", "1-16384 bytes of text");
	day = ds ? date_parse(ds) : date_today();
	if (day == INT32_MIN)
		return call_invalid(c, "date", "not a date (YYYY-MM-DD)");
	date_format(day, d, sizeof(d));
	/* Insert first: the row id is part of the sealed note's binding. */
	if ((st = store_prepare(c->ctx->store, ins)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, project);
	sqlite3_bind_text(st, 2, d, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, ivt_json_str(c->params, "kind"), -1,
	                  SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, c->who.uid);
	sqlite3_bind_int64(st, 5, store_now_us());
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return call_internal(c);
	call_object(c, "journal:%lld", (long long)id);
	len = strlen(note);
	if ((ct = malloc(len + CRYPTO_SEAL_OVERHEAD)) == NULL)
		return call_internal(c);
	if (crypto_seal(keys_dek(c->ctx, project, 1), "journal", "note", id,
	                (const uint8_t *)note, len, ct, &ctlen) == -1 ||
	    (st = store_prepare(c->ctx->store, seal)) == NULL) {
		free(ct);
		return call_internal(c);
	}
	sqlite3_bind_blob(st, 1, ct, (int)ctlen, free);
	sqlite3_bind_int64(st, 2, id);
	if (store_step_done(st) == -1)
		return call_internal(c);
	if (call_disclose(c, "", "", "journal.note", project) == -1)
		return call_internal(c);
	c->reply = json_pack("{s:I}", "id", (json_int_t)id);
	return c->reply ? 0 : call_internal(c);
}

static int
journal_list(struct call *c)
{
	static const char sql[] =
	    "SELECT j.id, j.entry_date, j.kind, "
	    "coalesce(u.name, 'uid ' || j.author), j.note, u.partner_id "
	    "FROM journal j "
	    "LEFT JOIN users u ON u.uid = j.author WHERE j.project_id = ? "
	    "ORDER BY j.entry_date, j.id";
	int64_t project = ivt_json_int(c->params, "project", 0);
	json_t *list, *e;
	sqlite3_stmt *st;
	char *note;
	int rc, may, shown = 0;

	if (access_project(c, project, ACC_INLEZEN) == -1)
		return -1;
	call_object(c, "project:%lld journal", (long long)project);
	if ((st = store_prepare(c->ctx->store, sql)) == NULL ||
	    (list = json_array()) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, project);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		e = json_pack("{s:I,s:s,s:s,s:s}", "id",
		              (json_int_t)sqlite3_column_int64(st, 0), "date",
		              (const char *)sqlite3_column_text(st, 1), "kind",
		              (const char *)sqlite3_column_text(st, 2),
		              "author",
		              (const char *)sqlite3_column_text(st, 3));
		/* Notes are free text about anyone: as finding notes. */
		if ((may = access_reads_notes(
		         c, project, sqlite3_column_int64(st, 5))) == -1) {
			json_decref(e);
			rc = SQLITE_ERROR;
			break;
		}
		if (e != NULL && may == 1) {
			note = crypto_open_text(keys_dek(c->ctx, project, 0),
			                        "journal", "note",
			                        sqlite3_column_int64(st, 0),
			                        sqlite3_column_blob(st, 4),
			                        sqlite3_column_bytes(st, 4));
			/* One that does not open was tampered with: say so. */
			json_object_set_new(
			    e, "note",
			    json_string(
			        note ? note
			             : "[unreadable: sealed note damaged]"));
			crypto_free_text(note);
			shown++;
		}
		if (e == NULL || json_array_append_new(list, e) == -1) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(list);
		return call_internal(c);
	}
	if (shown > 0 &&
	    call_disclose(c, "", "", "journal.note", project) == -1) {
		json_decref(list);
		return call_internal(c);
	}
	c->reply = json_pack("{s:o}", "entries", list);
	return c->reply ? 0 : call_internal(c);
}

const struct method journal_methods[] = {
	{"nl.ivtd.Journal.Add", journal_add, ROLE_ANY, M_WRITE,
	 ACTIVITY_JOURNAL},
	{"nl.ivtd.Journal.List", journal_list, ROLE_ANY, M_AUDIT,
	 ACTIVITY_JOURNAL},
	{NULL, NULL, 0, 0, NULL},
};
