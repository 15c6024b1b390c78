/*
 * partner.c - nl.ivtd.Partner: the organisations (ketenpartners) that take
 * part in projects.
 */
#include <stdio.h>
#include <string.h>

#include "ivt/wire.h"
#include "validate.h"
#include "varlink.h"

static json_t *
partner_json(sqlite3_stmt *st)
{
	char created[32];

	format_time(sqlite3_column_int64(st, 3), created, sizeof(created));
	return json_pack("{s:I,s:s,s:s,s:s}", "id",
	                 (json_int_t)sqlite3_column_int64(st, 0), "name",
	                 (const char *)sqlite3_column_text(st, 1), "kind",
	                 (const char *)sqlite3_column_text(st, 2), "created",
	                 created);
}

static int
partner_add(struct call *c)
{
	static const char sql[] =
		"INSERT INTO partners (name, kind, created) VALUES (?, ?, ?) "
		"RETURNING id, name, kind, created";
	const char *name = ivt_json_str(c->params, "name");
	const char *kind = ivt_json_str(c->params, "kind");
	sqlite3_stmt *st;
	int64_t have;
	json_t *p = NULL;

	if (!valid_display_name(name))
		return call_invalid(c, "name", "must be 1-128 printable "
		                               "characters");
	if ((have = partner_id_by_name(c->ctx->store, name)) != 0)
		return have < 0 ? call_internal(c)
		                : call_fail(c, "nl.ivtd.AlreadyExists",
		                            "{s:s,s:s}", "kind", "partner", "id",
		                            name);
	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, store_now_us());
	if (sqlite3_step(st) == SQLITE_ROW) {
		p = partner_json(st);
		call_object(c, "partner:%lld",
		            (long long)sqlite3_column_int64(st, 0));
	}
	sqlite3_reset(st);
	if (p == NULL)
		return call_internal(c);
	c->reply = json_pack("{s:o}", "partner", p);
	return c->reply ? 0 : call_internal(c);
}

static int
partner_list(struct call *c)
{
	static const char sql[] =
		"SELECT id, name, kind, created FROM partners ORDER BY name";

	return call_reply_rows(c, store_prepare(c->ctx->store, sql), "partners",
	                       partner_json);
}

const struct method partner_methods[] = {
	{"nl.ivtd.Partner.Add", partner_add, ROLE_ADMIN, M_WRITE, NULL},
	{"nl.ivtd.Partner.List", partner_list, ROLE_ANY, 0, NULL},
	{NULL, NULL, 0, 0, NULL},
};
