/*
 * day_export.c - nl.ivtd.Day.Export: a day as an iCalendar event (RFC 5545) for
 * the partners' agendas; it carries no personal data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "day_int.h"
#include "ivt/wire.h"

static const char *
police_text(const struct day_rec *r)
{
	switch (r->d.police) {
	case POLICE_PRESENT:
		return "aanwezig";
	case POLICE_BACKUP:
		return r->d.police_contact ? "achtervang geregeld"
		                           : "achtervang (nog geen contact)";
	case POLICE_NONE:
		break;
	}
	return "geen";
}

/* The event's description: no personal data, only the organisation of
 * the day (partners and their numbers, police, teams). */
static char *
ics_description(struct call *c, const struct day_rec *r, const char *area)
{
	char *text = NULL, name[129];
	size_t len = 0, i;
	FILE *fp;

	if ((fp = open_memstream(&text, &len)) == NULL)
		return NULL;
	fprintf(fp,
	        "Status: %s\nGebied: %s\nPolitie: %s; lokale politie "
	        "geïnformeerd: %s\nTeams: %d x %d bezoeken (%zu gepland)"
	        "\nPartners:",
	        plan_status_name(r->d.status), area, police_text(r),
	        r->d.police_informed ? "ja" : "nee", r->d.teams, r->d.per_team,
	        r->d.nvisits);
	for (i = 0; i < r->d.npartners; i++) {
		day_partner_name(c, r->d.partners[i], name, sizeof(name));
		fprintf(fp, "%s %s %d", i ? "," : "", name, r->d.staff[i]);
	}
	if (r->d.npartners == 0)
		fputs(" nog geen", fp);
	if (fclose(fp) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static int
export_ics(struct call *c, struct day_rec *r)
{
	static const char sql[] =
	    "SELECT p.name, d.sequence FROM days d JOIN projects p ON "
	    "p.id = d.project_id WHERE d.id = ?";
	char uid[96], key[32], hex[65], summary[160] = "Actiedag";
	char area[64], file[64];
	uint8_t idx[32];
	struct ics_event e;
	sqlite3_stmt *st;
	json_t *a;
	char *desc, *ics;
	size_t len;

	if (day_get(c, ivt_json_int(c->params, "id", 0), ACC_META, r) == -1)
		return -1;
	memset(&e, 0, sizeof(e));
	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, r->d.id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(summary, sizeof(summary), "Actiedag %s",
		         day_col_text(st, 0));
		e.sequence = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	/* A stable UID that differs between installations: keyed. */
	snprintf(key, sizeof(key), "day/%lld", (long long)r->d.id);
	if (crypto_blind_index(c->ctx->crypto, "ics-uid", key, strlen(key),
	                       idx) == -1)
		return call_internal(c);
	crypto_hex(idx, 16, hex);
	snprintf(uid, sizeof(uid), "actiedag-%lld-%s@ivtd", (long long)r->d.id,
	         hex);
	a = day_area_json(&r->d);
	snprintf(area, sizeof(area), "%s%s",
	         json_string_value(json_array_get(a, 0)),
	         json_array_size(a) > 1 ? " e.a." : "");
	json_decref(a);
	if ((desc = ics_description(c, r, area)) == NULL)
		return call_internal(c);
	e.uid = uid;
	e.dtstamp = store_now_us() / 1000000;
	e.date = r->d.date;
	e.start = r->d.start;
	e.end = r->d.end;
	e.status = r->d.status;
	e.summary = summary;
	e.location = r->meeting_point;
	e.description = desc;
	ics = plan_ics(&e, &len);
	free(desc);
	if (ics == NULL)
		return call_internal(c);
	snprintf(file, sizeof(file), "actiedag-%lld.ics", (long long)r->d.id);
	c->reply = json_pack("{s:s%,s:s}", "ics", ics, len, "filename", file);
	free(ics);
	return c->reply ? 0 : call_internal(c);
}

int
day_export(struct call *c)
{
	return day_with_rec(c, export_ics);
}
