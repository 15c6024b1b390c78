/*
 * protocol.c - nl.ivtd.Protocol: the privacy protocol of a project.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "date.h"
#include "ivt/wire.h"
#include "validate.h"
#include "varlink.h"

#define ACTIVITY_PROTOCOL "ivt-03"

static const struct {
	const char *name;
	int bit;
} rights[] = {
	{"leveren", RIGHT_LEVEREN},
	{"bewerken", RIGHT_BEWERKEN},
	{"inlezen", RIGHT_INLEZEN},
};
#define NRIGHTS (sizeof(rights) / sizeof(rights[0]))

/* Bits of a JSON array of right names (validated by the interface). */
static int
rights_bits(const json_t *a)
{
	const json_t *v;
	size_t i, r;
	int bits = 0;

	json_array_foreach(a, i, v) {
		for (r = 0; r < NRIGHTS; r++) {
			if (strcmp(json_string_value(v), rights[r].name) == 0)
				bits |= rights[r].bit;
		}
	}
	return bits;
}

static json_t *
rights_json(int bits)
{
	json_t *a = json_array();
	size_t r;

	for (r = 0; a != NULL && r < NRIGHTS; r++) {
		if (bits & rights[r].bit)
			json_array_append_new(a, json_string(rights[r].name));
	}
	return a;
}

/* The fields parameter as stored ("adres,bsn"), or NULL when absent. */
static char *
fields_text(const json_t *a)
{
	const json_t *v;
	char *out;
	size_t i;

	if (a == NULL || (out = calloc(1, 64)) == NULL)
		return NULL;
	json_array_foreach(a, i, v) {
		if (strstr(out, json_string_value(v)) != NULL)
			continue;
		if (out[0] != '\0')
			strcat(out, ",");
		strcat(out, json_string_value(v));
	}
	return out;
}

/* Write the partner's rights; a partner without rights is removed.  A
 * NULL fields keeps the categories it had (all, for a new grant). */
static int
store_rights(struct call *c, int64_t project, int64_t partner, int bits,
             char *fields)
{
	static const char del[] = "DELETE FROM protocol_grants "
	                          "WHERE project_id = ? AND partner_id = ?";
	static const char up[] =
		"INSERT INTO protocol_grants (project_id, partner_id, leveren, "
		"bewerken, inlezen, updated, updated_by, fields) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, "
		"coalesce(?8, 'adres,bsn,naam,geboortedatum')) "
		"ON CONFLICT (project_id, partner_id) DO UPDATE SET "
		"leveren = excluded.leveren, bewerken = excluded.bewerken, "
		"inlezen = excluded.inlezen, updated = excluded.updated, "
		"updated_by = excluded.updated_by, "
		"fields = coalesce(?8, fields)";
	sqlite3_stmt *st;

	if ((st = store_prepare(c->ctx->store, bits ? up : del)) == NULL) {
		free(fields);
		return call_internal(c);
	}
	sqlite3_bind_int64(st, 1, project);
	sqlite3_bind_int64(st, 2, partner);
	if (bits) {
		sqlite3_bind_int(st, 3, (bits & RIGHT_LEVEREN) != 0);
		sqlite3_bind_int(st, 4, (bits & RIGHT_BEWERKEN) != 0);
		sqlite3_bind_int(st, 5, (bits & RIGHT_INLEZEN) != 0);
		sqlite3_bind_int64(st, 6, store_now_us());
		sqlite3_bind_int64(st, 7, c->who.uid);
		sqlite3_bind_text(st, 8, fields, -1, free);
	} else {
		free(fields);
	}
	return store_step_done(st) == -1 ? call_internal(c) : 0;
}

/*
 * Name the partner's rights and fields after the change in the call's
 * audit entry: the privacy officer reconstructs from the log who could
 * deliver, edit and read what, and since when.  0 or -1.
 */
static int
audit_grant(struct call *c, int64_t project, int64_t partner)
{
	static const char sql[] =
	    "SELECT leveren, bewerken, inlezen, fields FROM "
	    "protocol_grants WHERE project_id = ? AND partner_id = ?";
	char rights_buf[40] = "";
	sqlite3_stmt *st;
	const char *fields = "";
	int rc;

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, project);
	sqlite3_bind_int64(st, 2, partner);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(rights_buf, sizeof(rights_buf), "%s%s%s",
		         sqlite3_column_int(st, 0) ? ",leveren" : "",
		         sqlite3_column_int(st, 1) ? ",bewerken" : "",
		         sqlite3_column_int(st, 2) ? ",inlezen" : "");
		fields = (const char *)sqlite3_column_text(st, 3);
	}
	call_object(c, "project:%lld partner:%lld rights:%s fields:%s",
	            (long long)project, (long long)partner,
	            rights_buf[0] ? rights_buf + 1 : "none",
	            rc == SQLITE_ROW && fields ? fields : "none");
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Common start of Grant and Revoke: access, partner, current rights. */
static int
grant_target(struct call *c, int64_t *project, int64_t *partner, int *bits)
{
	const char *name = ivt_json_str(c->params, "partner");

	*project = ivt_json_int(c->params, "project", 0);
	if (access_project(c, *project, ACC_MANAGE) == -1)
		return -1;
	if ((*partner = partner_id_by_name(c->ctx->store, name)) <= 0)
		return *partner < 0 ? call_internal(c)
		                    : call_not_found(c, "partner", name);
	call_object(c, "project:%lld partner:%lld", (long long)*project,
	            (long long)*partner);
	if ((*bits = access_partner_rights(c->ctx->store, *project,
	                                   *partner)) == -1)
		return call_internal(c);
	return 0;
}

#define GRANT_COLS                                                         \
	"SELECT p.name, g.leveren, g.bewerken, g.inlezen, g.updated, "       \
	"coalesce(u.name, 'uid ' || g.updated_by), g.fields "                \
	"FROM protocol_grants g JOIN partners p ON p.id = g.partner_id "     \
	"LEFT JOIN users u ON u.uid = g.updated_by "

static json_t *
grant_row(sqlite3_stmt *st)
{
	char updated[32];
	json_t *fields = json_array(), *tmp;
	const char *f = (const char *)sqlite3_column_text(st, 6);
	const char *comma;

	/* "adres,bsn" as ["adres","bsn"] */
	while (fields != NULL && f != NULL && *f != '\0') {
		comma = strchr(f, ',');
		tmp = json_stringn(f, comma ? (size_t)(comma - f) : strlen(f));
		json_array_append_new(fields, tmp);
		f = comma ? comma + 1 : "";
	}
	format_time(sqlite3_column_int64(st, 4), updated, sizeof(updated));
	return json_pack(
		"{s:s,s:o,s:o,s:s,s:s}", "partner",
		(const char *)sqlite3_column_text(st, 0), "rights",
		rights_json((sqlite3_column_int(st, 1) ? RIGHT_LEVEREN : 0) |
	                    (sqlite3_column_int(st, 2) ? RIGHT_BEWERKEN : 0) |
	                    (sqlite3_column_int(st, 3) ? RIGHT_INLEZEN : 0)),
		"fields", fields, "updated", updated, "updated_by",
		(const char *)sqlite3_column_text(st, 5));
}

static int
reply_grant(struct call *c, int64_t project, int64_t partner)
{
	static const char sql[] =
		GRANT_COLS "WHERE g.project_id = ? AND g.partner_id = ?";
	sqlite3_stmt *st;
	json_t *g = NULL;

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, project);
	sqlite3_bind_int64(st, 2, partner);
	if (sqlite3_step(st) == SQLITE_ROW)
		g = grant_row(st);
	sqlite3_reset(st);
	c->reply = g ? json_pack("{s:o}", "grant", g) : NULL;
	return c->reply ? 0 : call_internal(c);
}

static int
protocol_grant(struct call *c)
{
	int64_t project, partner;
	int bits;

	char phase[32];

	if (grant_target(c, &project, &partner, &bits) == -1)
		return -1;
	/* A closed project's data is no longer processed: nobody is
	 * admitted to it any more (revoking stays possible). */
	if (access_project_phase(c->ctx->store, project, phase,
	                         sizeof(phase)) == -1)
		return call_internal(c);
	if (strcmp(phase, "afgesloten") == 0)
		return call_fail(c, "nl.ivtd.Conflict", "{s:s}", "reason",
		                 "the project is closed");
	bits |= rights_bits(json_object_get(c->params, "rights"));
	if (bits == 0)
		return call_invalid(c, "rights", "name at least one right");
	if (store_rights(c, project, partner, bits,
	                 fields_text(json_object_get(c->params, "fields"))) ==
	        -1 ||
	    audit_grant(c, project, partner) == -1)
		return c->error ? -1 : call_internal(c);
	return reply_grant(c, project, partner);
}

static int
protocol_revoke(struct call *c)
{
	const json_t *which = json_object_get(c->params, "rights");
	int64_t project, partner;
	int bits;

	if (grant_target(c, &project, &partner, &bits) == -1)
		return -1;
	if (bits == 0)
		return call_fail(c, "nl.ivtd.NotFound", "{s:s,s:s}", "kind",
		                 "grant", "id",
		                 ivt_json_str(c->params, "partner"));
	bits = which ? bits & ~rights_bits(which) : 0;
	if (store_rights(c, project, partner, bits, NULL) == -1)
		return -1;
	return audit_grant(c, project, partner) == -1 ? call_internal(c) : 0;
}

static int
protocol_register(struct call *c)
{
	static const char sql[] =
		"UPDATE projects SET protocol_registered = ?, protocol_ref = ? "
		"WHERE id = ?";
	int64_t project = ivt_json_int(c->params, "project", 0);
	const char *date = ivt_json_str(c->params, "date");
	const char *ref = ivt_json_str(c->params, "reference");
	char quoted[130], *q;
	sqlite3_stmt *st;

	if (access_project(c, project, ACC_MANAGE) == -1)
		return -1;
	call_object(c, "project:%lld", (long long)project);
	if (date_parse(date) == INT32_MIN)
		return call_invalid(c, "date", "not a date (YYYY-MM-DD)");
	if (date_parse(date) > date_today())
		return call_invalid(c, "date", "a registration cannot be in "
		                               "the future");
	if (!valid_display_name(ref))
		return call_invalid(c, "reference", "1-128 printable "
		                                    "characters");
	/* Which registration, in the log: a later one replaces it here.
	 * Quoted, its own quotes changed, so that free text cannot pass for
	 * another field of the entry. */
	snprintf(quoted, sizeof(quoted), "%s", ref);
	for (q = quoted; *q != '\0'; q++)
		if (*q == '"')
			*q = '\'';
	call_object(c, "project:%lld registered:%s ref:\"%s\"",
	            (long long)project, date, quoted);
	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_text(st, 1, date, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ref, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, project);
	return store_step_done(st) == -1 ? call_internal(c) : 0;
}

static int
protocol_show(struct call *c)
{
	static const char reg[] = "SELECT protocol_registered, protocol_ref "
	                          "FROM projects WHERE id = ?";
	static const char sql[] =
		GRANT_COLS "WHERE g.project_id = ? ORDER BY p.name";
	int64_t project = ivt_json_int(c->params, "project", 0);
	sqlite3_stmt *st;
	json_t *r;

	if (access_project(c, project, ACC_META) == -1)
		return -1;
	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, project);
	if (call_reply_rows(c, st, "grants", grant_row) == -1)
		return -1;
	if ((st = store_prepare(c->ctx->store, reg)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, project);
	r = c->reply;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL) {
		json_object_set_new(
			r, "registered",
			json_string((const char *)sqlite3_column_text(st, 0)));
		json_object_set_new(
			r, "reference",
			json_string((const char *)sqlite3_column_text(st, 1)));
	}
	sqlite3_reset(st);
	return 0;
}

const struct method protocol_methods[] = {
	{"nl.ivtd.Protocol.Grant", protocol_grant, ROLE_PROJECTLEIDER, M_WRITE,
	 ACTIVITY_PROTOCOL},
	{"nl.ivtd.Protocol.Revoke", protocol_revoke, ROLE_PROJECTLEIDER, M_WRITE,
	 ACTIVITY_PROTOCOL},
	{"nl.ivtd.Protocol.Register", protocol_register, ROLE_PROJECTLEIDER,
	 M_WRITE, ACTIVITY_PROTOCOL},
	{"nl.ivtd.Protocol.Show", protocol_show, ROLE_ANY, 0, NULL},
	{NULL, NULL, 0, 0, NULL},
};
