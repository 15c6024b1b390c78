/*
 * auth.h - who is calling: peer uid -> user, role and organisation.
 *
 * The uid comes from the kernel (SO_PEERCRED), never from the message.
 * The user is looked up on every call, so disabling a user or revoking a
 * right takes effect at once, also on connections that are already open.
 */
#ifndef IVTD_AUTH_H
#define IVTD_AUTH_H

#include <stdint.h>
#include <sys/types.h>

#include "store.h"

enum role {
	ROLE_NONE = 0,
	ROLE_ADMIN = 1 << 0,
	ROLE_PROJECTLEIDER = 1 << 1,
	ROLE_PARTNER = 1 << 2,
	ROLE_PRIVACY = 1 << 3,
};
#define ROLE_ANY (ROLE_ADMIN | ROLE_PROJECTLEIDER | ROLE_PARTNER | ROLE_PRIVACY)

struct caller {
	uid_t uid;
	pid_t pid;
	int known;          /* uid maps to an enabled user */
	char name[65];
	enum role role;
	int64_t partner_id; /* 0 unless role partner */
	char org[129];      /* partner name or "" */
};

/* Fill c for uid from the users table.  Returns 0 (c->known says whether
 * the uid is an enabled user), -1 on a database error. */
int auth_lookup(struct store *s, uid_t uid, struct caller *c);

const char *role_name(enum role r);
enum role role_parse(const char *s);

/*
 * On a database without users, make the uid that started the daemon an
 * admin, and root too: somebody must be able to add the others.  Runs its
 * own transaction and writes the audit entries.
 */
struct crypto;
int auth_bootstrap(struct store *s, const struct crypto *c, uid_t uid,
                   int checkpoint_every);

#endif
