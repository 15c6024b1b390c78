/*
 * auth.c - caller identity from the users table, and first-start
 * bootstrap of the admin.
 */
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "auth.h"
#include "log.h"

static const struct {
	enum role role;
	const char *name;
} roles[] = {
    {ROLE_ADMIN, "admin"},
    {ROLE_PROJECTLEIDER, "projectleider"},
    {ROLE_PARTNER, "partner"},
    {ROLE_PRIVACY, "privacy"},
};

const char *
role_name(enum role r)
{
	size_t i;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (roles[i].role == r)
			return roles[i].name;
	}
	return "";
}

enum role
role_parse(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (strcmp(roles[i].name, s) == 0)
			return roles[i].role;
	}
	return ROLE_NONE;
}

static void
copy_col(char *dst, size_t len, sqlite3_stmt *st, int col)
{
	const unsigned char *v = sqlite3_column_text(st, col);

	snprintf(dst, len, "%s", v ? (const char *)v : "");
}

int
auth_lookup(struct store *s, uid_t uid, struct caller *c)
{
	static const char sql[] =
	    "SELECT u.name, u.role, u.partner_id, p.name FROM users u "
	    "LEFT JOIN partners p ON p.id = u.partner_id "
	    "WHERE u.uid = ? AND u.disabled = 0";
	sqlite3_stmt *st;
	int rc;

	c->known = 0;
	c->role = ROLE_NONE;
	c->partner_id = 0;
	c->name[0] = c->org[0] = '\0';
	if ((st = store_prepare(s, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)uid);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		copy_col(c->name, sizeof(c->name), st, 0);
		c->role = role_parse((const char *)sqlite3_column_text(st, 1));
		c->partner_id = sqlite3_column_int64(st, 2);
		copy_col(c->org, sizeof(c->org), st, 3);
		c->known = c->role != ROLE_NONE;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Insert an admin for uid and audit it as done by the daemon itself. */
static int
bootstrap_admin(struct store *s, const struct crypto *c, uid_t uid, int every)
{
	static const char sql[] =
	    "INSERT OR IGNORE INTO users (uid, name, role, created) "
	    "VALUES (?, ?, 'admin', ?)";
	struct audit_entry e;
	struct passwd *pw;
	char name[65], object[64];
	sqlite3_stmt *st;

	/* Account names are staff identities, not citizens' data. */
	pw = getpwuid(uid);
	if (pw != NULL && strlen(pw->pw_name) < sizeof(name))
		snprintf(name, sizeof(name), "%s", pw->pw_name);
	else
		snprintf(name, sizeof(name), "uid%u", (unsigned)uid);
	if ((st = store_prepare(s, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)uid);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, store_now_us());
	if (store_step_done(st) == -1)
		return -1;
	snprintf(object, sizeof(object), "user:%u", (unsigned)uid);
	audit_system_entry(&e, "ivtd.bootstrap", object);
	return audit_append(s, c, &e, every) < 0 ? -1 : 0;
}

int
auth_bootstrap(struct store *s, const struct crypto *c, uid_t uid,
               int checkpoint_every)
{
	sqlite3_stmt *st;
	int empty;

	if ((st = store_prepare(
	         s, "SELECT NOT EXISTS (SELECT 1 FROM users)")) == NULL)
		return -1;
	empty = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (!empty)
		return 0;
	if (store_begin(s) == -1)
		return -1;
	if (bootstrap_admin(s, c, uid, checkpoint_every) == -1 ||
	    (uid != 0 && bootstrap_admin(s, c, 0, checkpoint_every) == -1) ||
	    store_commit(s) == -1) {
		store_rollback(s);
		return -1;
	}
	log_info("first start: uid %u%s made admin", (unsigned)uid,
	         uid != 0 ? " and root" : "");
	return 0;
}
