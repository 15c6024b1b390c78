/*
 * user.c - nl.ivtd.User: mapping Unix uids to users, roles and partner
 * organisations.  Admins only.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "ivt/wire.h"
#include "validate.h"
#include "varlink.h"

#define USER_COLS                                                          \
	"SELECT u.uid, u.name, u.role, p.name, u.disabled, u.created "     \
	"FROM users u LEFT JOIN partners p ON p.id = u.partner_id "

static json_t *
user_json(sqlite3_stmt *st)
{
	char created[32];
	json_t *u;

	format_time(sqlite3_column_int64(st, 5), created, sizeof(created));
	u = json_pack("{s:I,s:s,s:s,s:b,s:s}", "uid",
	              (json_int_t)sqlite3_column_int64(st, 0), "name",
	              (const char *)sqlite3_column_text(st, 1), "role",
	              (const char *)sqlite3_column_text(st, 2), "disabled",
	              sqlite3_column_int(st, 4), "created", created);
	if (u != NULL && sqlite3_column_type(st, 3) != SQLITE_NULL)
		json_object_set_new(
			u, "org",
			json_string((const char *)sqlite3_column_text(st, 3)));
	return u;
}

/* Reply {"user": ...} for the user called name. */
static int
reply_user(struct call *c, const char *name)
{
	static const char sql[] = USER_COLS "WHERE u.name = ?";
	sqlite3_stmt *st;
	json_t *u = NULL;

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		u = user_json(st);
	sqlite3_reset(st);
	if (u == NULL)
		return call_not_found(c, "user", name);
	c->reply = json_pack("{s:o}", "user", u);
	return c->reply ? 0 : call_internal(c);
}

static int
user_exists(struct call *c, int64_t uid, const char *name)
{
	static const char sql[] =
		"SELECT 1 FROM users WHERE uid = ? OR name = ?";
	sqlite3_stmt *st;

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, uid);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	return store_step_exists(st);
}

static int
user_add(struct call *c)
{
	static const char sql[] =
		"INSERT INTO users (uid, name, role, partner_id, created) "
		"VALUES (?, ?, ?, ?, ?)";
	const char *name = ivt_json_str(c->params, "name");
	const char *rolestr = ivt_json_str(c->params, "role");
	const char *org = ivt_json_str(c->params, "org");
	json_int_t uid = ivt_json_int(c->params, "uid", -1);
	int64_t partner = 0;
	sqlite3_stmt *st;
	enum role role;
	int exists;

	call_object(c, "user:%lld", (long long)uid);
	if (uid < 0 || uid > UID_LIMIT)
		return call_invalid(c, "uid", "must be between 0 and 2^31-1");
	if (!valid_account_name(name))
		return call_invalid(c, "name",
		                    "use 1-64 letters, digits, '.', '_', '-'");
	if ((role = role_parse(rolestr)) == ROLE_NONE)
		return call_invalid(
			c, "role", "one of admin, projectleider, partner, privacy");
	if (role == ROLE_PARTNER && org == NULL)
		return call_invalid(c, "org", "required for role partner");
	if (role != ROLE_PARTNER && org != NULL)
		return call_invalid(c, "org", "only partner users have an org");
	if (org != NULL && (partner = partner_id_by_name(c->ctx->store, org)) <= 0)
		return partner < 0 ? call_internal(c)
		                   : call_not_found(c, "partner", org);
	if ((exists = user_exists(c, uid, name)) != 0)
		return exists < 0 ? call_internal(c)
		                  : call_fail(c, "nl.ivtd.AlreadyExists",
		                              "{s:s,s:s}", "kind", "user", "id",
		                              name);
	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, uid);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, role_name(role), -1, SQLITE_STATIC);
	if (partner > 0)
		sqlite3_bind_int64(st, 4, partner);
	sqlite3_bind_int64(st, 5, store_now_us());
	if (store_step_done(st) == -1)
		return call_internal(c);
	return reply_user(c, name);
}

static int
user_list(struct call *c)
{
	static const char sql[] = USER_COLS "ORDER BY u.uid";

	return call_reply_rows(c, store_prepare(c->ctx->store, sql), "users",
	                       user_json);
}

static int
user_set_disabled(struct call *c, int disabled)
{
	static const char sql[] =
		"UPDATE users SET disabled = ? WHERE name = ? RETURNING uid";
	const char *name = ivt_json_str(c->params, "name");
	sqlite3_stmt *st;
	int rc;

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_int(st, 1, disabled);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		call_object(c, "user:%lld",
		            (long long)sqlite3_column_int64(st, 0));
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return call_not_found(c, "user", name);
	if (rc != SQLITE_ROW)
		return call_internal(c);
	return reply_user(c, name);
}

static int
user_disable(struct call *c)
{
	const char *name = ivt_json_str(c->params, "name");

	/* Refusing to lock oneself out keeps at least one admin reachable. */
	if (strcmp(name, c->who.name) == 0)
		return call_fail(c, "nl.ivtd.Conflict", "{s:s}", "reason",
		                 "you cannot disable yourself");
	return user_set_disabled(c, 1);
}

static int
user_enable(struct call *c)
{
	return user_set_disabled(c, 0);
}

const struct method user_methods[] = {
	{"nl.ivtd.User.Add", user_add, ROLE_ADMIN, M_WRITE, "ivt-01"},
	{"nl.ivtd.User.List", user_list, ROLE_ADMIN, 0, "ivt-01"},
	{"nl.ivtd.User.Disable", user_disable, ROLE_ADMIN, M_WRITE, "ivt-01"},
	{"nl.ivtd.User.Enable", user_enable, ROLE_ADMIN, M_WRITE, "ivt-01"},
	{NULL, NULL, 0, 0, NULL},
};
