/*
 * access.c - the project access rules (see access.h).
 */
#include <stdio.h>
#include <string.h>

#include "access.h"

static const struct {
	const char *name;
	unsigned bit;
} field_names[] = {
    {"adres", FIELD_ADRES},
    {"bsn", FIELD_BSN},
    {"naam", FIELD_NAAM},
    {"geboortedatum", FIELD_GEB},
};

int
access_partner_grant(struct store *s, int64_t project, int64_t partner,
                     unsigned *fields)
{
	static const char sql[] =
	    "SELECT leveren, bewerken, inlezen, fields FROM protocol_grants "
	    "WHERE project_id = ? AND partner_id = ?";
	const char *f;
	sqlite3_stmt *st;
	size_t i;
	int rc, rights = 0;

	if (fields != NULL)
		*fields = 0;
	if ((st = store_prepare(s, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, project);
	sqlite3_bind_int64(st, 2, partner);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		rights = (sqlite3_column_int(st, 0) ? RIGHT_LEVEREN : 0) |
		         (sqlite3_column_int(st, 1) ? RIGHT_BEWERKEN : 0) |
		         (sqlite3_column_int(st, 2) ? RIGHT_INLEZEN : 0);
		f = (const char *)sqlite3_column_text(st, 3);
		for (i = 0; fields != NULL && (rights & RIGHT_INLEZEN) &&
		            i < sizeof(field_names) / sizeof(field_names[0]);
		     i++) {
			if (strstr(f, field_names[i].name) != NULL)
				*fields |= field_names[i].bit;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? rights : -1;
}

int
access_partner_rights(struct store *s, int64_t project, int64_t partner)
{
	return access_partner_grant(s, project, partner, NULL);
}

int
access_partner_fields(struct store *s, int64_t project, int64_t partner,
                      unsigned *bits)
{
	return access_partner_grant(s, project, partner, bits) == -1 ? -1 : 0;
}

int
access_reads_all(struct call *c, int64_t project)
{
	unsigned bits;

	switch (c->who.role) {
	case ROLE_PROJECTLEIDER:
		return access_can(c, project, ACC_INLEZEN);
	case ROLE_PARTNER:
		if (access_partner_fields(c->ctx->store, project,
		                          c->who.partner_id, &bits) == -1)
			return -1;
		return bits == FIELD_ALL ? access_can(c, project, ACC_INLEZEN)
		                         : 0;
	default:
		return 0;
	}
}

int
access_reads_notes(struct call *c, int64_t project, int64_t org)
{
	int closed;

	if ((closed = access_partner_closed(c, project)) != 0)
		return closed < 0 ? -1 : 0;
	if (c->who.role == ROLE_PARTNER && org != 0 && org == c->who.partner_id)
		return 1;
	return access_reads_all(c, project);
}

int
access_partner_closed(struct call *c, int64_t project)
{
	char phase[32];

	if (c->who.role != ROLE_PARTNER)
		return 0;
	if (access_project_phase(c->ctx->store, project, phase,
	                         sizeof(phase)) == -1)
		return -1;
	return strcmp(phase, "afgesloten") == 0;
}

int
access_is_leader(struct store *s, int64_t project, int64_t uid)
{
	static const char sql[] =
		"SELECT 1 FROM project_leaders WHERE project_id = ? AND uid = ?";
	sqlite3_stmt *st;

	if ((st = store_prepare(s, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, project);
	sqlite3_bind_int64(st, 2, uid);
	return store_step_exists(st);
}

int
access_project_phase(struct store *s, int64_t id, char *buf, size_t len)
{
	static const char sql[] = "SELECT phase FROM projects WHERE id = ?";
	sqlite3_stmt *st;
	int rc;

	if ((st = store_prepare(s, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(buf, len, "%s",
		         (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static const char *
need_name(enum access_need need)
{
	switch (need) {
	case ACC_META:
		return "no access to this project";
	case ACC_MANAGE:
		return "only the project's projectleiders may change it";
	case ACC_LEVEREN:
		return "the privacy protocol does not grant your organisation "
		       "'leveren' in this project";
	case ACC_BEWERKEN:
		return "the privacy protocol does not grant your organisation "
		       "'bewerken' in this project";
	case ACC_INLEZEN:
		return "the privacy protocol does not grant your organisation "
		       "'inlezen' in this project";
	case ACC_HANDLE:
		return "only the project's projectleiders handle its subjects";
	}
	return "denied";
}

/* Does a partner organisation with these rights meet the need? */
static int
partner_meets(int rights, enum access_need need)
{
	switch (need) {
	case ACC_META:
		return rights != 0;
	case ACC_LEVEREN:
		return (rights & RIGHT_LEVEREN) != 0;
	case ACC_BEWERKEN:
		return (rights & RIGHT_BEWERKEN) != 0;
	case ACC_INLEZEN:
		return (rights & RIGHT_INLEZEN) != 0;
	case ACC_MANAGE:
	case ACC_HANDLE:
		return 0;
	}
	return 0;
}

#define CLOSED_WHY                                                             \
	"the project is closed: its personal data is no longer delivered, "    \
	"edited, handled or read by partners"

/*
 * 1 allowed, 0 not, -1 error; *exists says whether the project is there,
 * *closed whether the refusal is the closed project's.
 *
 * A closed project (afgesloten) has served its purpose (doelbinding): the
 * data stays only for accountability until its retention ends.  Nobody
 * delivers or edits any more, and partners no longer read; its leaders
 * still read, audited, to answer for what was done.
 */
static int
allowed(struct call *c, int64_t id, enum access_need need, int *exists,
        int *closed)
{
	struct store *s = c->ctx->store;
	char phase[32];
	int r;

	*closed = 0;
	*exists = access_project_phase(s, id, phase, sizeof(phase)) == 0;
	if (!*exists)
		return 0;
	if (strcmp(phase, "afgesloten") == 0 &&
	    (need == ACC_LEVEREN || need == ACC_BEWERKEN ||
	     need == ACC_HANDLE ||
	     (need == ACC_INLEZEN && c->who.role == ROLE_PARTNER))) {
		*closed = 1;
		return 0;
	}
	switch (c->who.role) {
	case ROLE_ADMIN:
		/*
		 * The beheerder keeps the system going and sets projects
		 * up (leaders, retention) but has no need for the personal
		 * data itself: deliver, edit and read are the leaders' and
		 * the partners'.  Least privilege, so a stolen or careless
		 * admin account reads nobody's data.  (The project's own
		 * decisions, gates and protocol, are kept from it by the
		 * method tables.)
		 */
		return need == ACC_META || need == ACC_MANAGE;
	case ROLE_PROJECTLEIDER:
		return access_is_leader(s, id, c->who.uid);
	case ROLE_PARTNER:
		if ((r = access_partner_rights(s, id, c->who.partner_id)) == -1)
			return -1;
		return partner_meets(r, need);
	case ROLE_PRIVACY:
		return need == ACC_META;
	case ROLE_NONE:
		break;
	}
	return 0;
}

int
access_can(struct call *c, int64_t id, enum access_need need)
{
	int exists, closed;

	return allowed(c, id, need, &exists, &closed);
}

int
access_project(struct call *c, int64_t id, enum access_need need)
{
	char idbuf[32];
	int exists, closed, r;

	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)id);
	if ((r = allowed(c, id, need, &exists, &closed)) == -1)
		return call_internal(c);
	if (!exists)
		return call_not_found(c, "project", idbuf);
	c->project = id;
	if (r)
		return 0;
	if (closed)
		return call_denied(c, CLOSED_WHY);
	/* The admin is refused only what touches personal data. */
	return call_denied(c, c->who.role == ROLE_ADMIN
	                          ? "the admin role handles no personal data"
	                          : need_name(need));
}
