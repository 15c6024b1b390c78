/*
 * tfix.h - what the unit tests that drive the daemon share: a daemon
 * context on a temporary directory, calls dispatched as the daemon does
 * (envelope, IDL check, identity, role, handler, audit), the fixture
 * steps every such test takes, and a checksum and snapshot of the whole
 * database.  Every helper fails the test (cmocka) rather than return an
 * error, unless it says otherwise.
 *
 * A test's fixture is a struct tfix, or a struct with one as its first
 * member (t); its cmocka setup does
 *
 *	if (f == NULL || tfix_init(&f->t, "idor") == -1)
 *		return -1;
 *	f->t.cfg.retention_days = 0;	(config tweaks go here)
 *	if (tfix_open(&f->t, TFIX_DAEMON) == -1)
 *		return -1;
 *
 * and tfix_teardown is its teardown.
 */
#ifndef IVT_TFIX_H
#define IVT_TFIX_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <jansson.h>
#include <sqlite3.h>

#include "varlink.h"

struct tfix;

/* How a test dispatches a call itself (see tfix.dispatch). */
typedef json_t *tfix_dispatch_fn(struct tfix *t, uid_t uid, const char *method,
                                 json_t *params);

struct tfix {
	char dir[64]; /* /tmp/ivt-<name>-XXXXXX, removed by tfix_close */
	char db[128]; /* dir/t.db, also cfg.db_path (Admin.Backup) */
	char today[16], future[16]; /* YYYY-MM-DD: today, a week ahead */
	struct config cfg;
	struct daemon_ctx ctx;
	int varlink;   /* varlink_init ran: tfix_close frees it */
	sqlite3 *snap; /* tfix_snapshot's copy of the database, or NULL */
	uint64_t sum;  /* and its tfix_db_sum */
	/*
	 * NULL, or where tfix_call (and so tfix_must and the fixture steps)
	 * sends every call instead of tfix_dispatch: a test that checks each
	 * reply (test_audit_coverage) sets it.  Returns the reply.
	 */
	tfix_dispatch_fn *dispatch;
	/* tfix_capture_log: the daemon's log, in memory (open_memstream) */
	FILE *log;
	char *logbuf;
	size_t loglen;
};

/* What tfix_open opens after the store. */
enum tfix_mode {
	TFIX_STORE,  /* nothing: the test opens the keys itself (and
	              * tfix_close closes them) */
	TFIX_DAEMON, /* keys_open (a new master key in dir), varlink_init,
	              * auth_bootstrap (uid 0 is the admin) */
	TFIX_DAEMON_FIXED_KEY, /* the same with a fixed master key from
	                        * crypto_from_key and no key store */
};

/* --- the context -------------------------------------------------------- */

/*
 * crypto_init, the temporary directory, config_defaults with db_path and
 * key_path in it, today and future.  Nothing is open yet: the test may
 * change t->cfg before tfix_open.  0 or -1.
 */
int tfix_init(struct tfix *t, const char *name);
/* Open the store at t->db and what mode says.  0 or -1. */
int tfix_open(struct tfix *t, enum tfix_mode mode);
/* Close what is open and remove the directory.  0 or -1. */
int tfix_close(struct tfix *t);
/*
 * The cmocka teardown of a test whose *state is a calloc'ed struct
 * tfix, or a struct with one as its first member: tfix_close and free.
 */
int tfix_teardown(void **state);

/* --- the daemon's log ---------------------------------------------------- */

/*
 * From now until tfix_close, every line the daemon logs, at every level
 * down to debug, goes to memory instead of stderr (log_set_stream); the
 * test reads it with tfix_log.  tfix_close sets stderr and the default
 * level (info) back.
 */
void tfix_capture_log(struct tfix *t);
/*
 * The text logged since tfix_capture_log ("" without a capture); valid
 * until the next call into the daemon.  Its length is then t->loglen: a
 * test remembers that before a call to find the call's own lines.
 */
const char *tfix_log(struct tfix *t);
/*
 * The first log line that holds word, in the text logged from offset
 * from on (t->loglen as it was before a call: that call's lines), or
 * NULL.  The line runs to the next newline (strcspn(line, "\n")); valid
 * as long as tfix_log's text.
 */
const char *tfix_log_find(struct tfix *t, size_t from, const char *word);

/* --- calls -------------------------------------------------------------- */

/* The reply's error name, or NULL on success. */
const char *tfix_error(const json_t *r);
/* The reply's reason or offending parameter, or "": never personal data. */
const char *tfix_reason(const json_t *r);
/*
 * The reply as compact text without the traceparent (random hex, which
 * could hold any short word), to search it for a word; free() it.
 */
char *tfix_reply_text(const json_t *r);

/*
 * Dispatch method(params) as uid, as the daemon does, with traceparent
 * (NULL: none, the daemon makes one).  params is borrowed.  The reply.
 */
json_t *tfix_dispatch(struct tfix *t, uid_t uid, const char *method,
                      json_t *params, const char *traceparent);
/* The same through t->dispatch when set; params borrowed.  The reply. */
json_t *tfix_call(struct tfix *t, uid_t uid, const char *method,
                  json_t *params);
/* Dispatch a whole message given as JSON text: the reply, NULL for none. */
json_t *tfix_call_text(struct tfix *t, uid_t uid, const char *text);
/* The message text must get the error named. */
void tfix_expect_error(struct tfix *t, uid_t uid, const char *text,
                       const char *error);

/*
 * Replace every string "@NAME" in v, at any depth: "@TODAY" and
 * "@FUTURE" by t's dates, any other by lookup(arg, "@NAME") (a new
 * reference: the test's names for its fixture's objects).
 */
typedef json_t *tfix_lookup_fn(const void *arg, const char *name);
void tfix_fill(const struct tfix *t, json_t *v, tfix_lookup_fn *lookup,
               const void *arg);

/* Reply r (consumed) must be a success: its parameters, yours to free. */
json_t *tfix_succeeded(json_t *r, uid_t uid, const char *method);
/* The object id in reply parameters p (consumed): p.key.id, or p.key when
 * that is a number itself.  Must be positive. */
int64_t tfix_id(json_t *p, const char *key);
/* A call that must succeed; params is stolen.  The reply's parameters. */
json_t *tfix_must(struct tfix *t, uid_t uid, const char *method,
                  json_t *params);
/* The same, for the id of what it made (tfix_id). */
int64_t tfix_must_id(struct tfix *t, uid_t uid, const char *method,
                     json_t *params, const char *key);
/* The same, reply unused. */
void tfix_done(struct tfix *t, uid_t uid, const char *method, json_t *params);

/* --- fixture steps (as admin or as the projectleider pl) ---------------- */

struct tfix_user {
	const char *name, *role, *org; /* org NULL: none */
	uid_t uid;
};

/* Partner.Add of each name, as a landelijke_dienst. */
void tfix_add_partners(struct tfix *t, const char *const *names, size_t n);
/* User.Add of each user. */
void tfix_add_users(struct tfix *t, const struct tfix_user *users, size_t n);
/* Project.Create in Utrecht about Woonfraude over area: its id. */
int64_t tfix_project(struct tfix *t, uid_t pl, const char *name,
                     const char *area);
/* Project.Advance to the next phase. */
void tfix_advance(struct tfix *t, uid_t pl, int64_t project);
/* Through the four gates and the protocol into operationeel. */
void tfix_operational(struct tfix *t, uid_t pl, int64_t project);

/*
 * The start of the fixture the tests of every method share: Partner.Add
 * of UWV, SVB, Politie and GGD; User.Add of pl_a (2001) and pl_b (2002),
 * projectleiders, p1 to p4 (2011 to 2014), partners of those in that
 * order, and priv (2020), privacy; Project.Create of p[0] by pl_a
 * ("Wijkaanpak Noord", 3511AA-3511ZZ) and p[1] by pl_b ("Wijkaanpak
 * Zuid", 3521AA-3521ZZ).
 */
void tfix_people_projects(struct tfix *t, int64_t p[2]);
/*
 * The part of the fixture the tests of every method share (test_access_
 * matrix, test_limits_params), as pl on project (operationeel; partners
 * UWV, SVB, Politie and GGD): Protocol.Grant of leveren to UWV, leveren
 * and bewerken to SVB, inlezen to Politie; then Subject.Create of s[0]
 * (Dorpsstraat 1, a person with bsn 111222333), s[1] (Kerkweg 2, every
 * partner interested) and s[2] (Molenlaan 3, nobody interested).
 */
void tfix_grants_subjects(struct tfix *t, uid_t pl, int64_t project,
                          int64_t s[3]);
/*
 * Then the work on them (the same tests): Subject.Actualise of project,
 * SVB's (uid 2012) answer 'relevant' for s[1], Day.Assign of s[0] to
 * Politie's employee p3, and SVB's finding on s[0] (zwartwerk, a follow-
 * up owned by UWV); returns the finding's id.
 */
int64_t tfix_work(struct tfix *t, uid_t pl, int64_t project,
                  const int64_t s[3]);
/* A day on project in 3511AB after today, UWV with one place, police
 * present and informed; its id. */
int64_t tfix_day(struct tfix *t, uid_t pl, int64_t project);

/* --- parameters from the interface ------------------------------------- */

/*
 * A fixture's names for its objects, for tfix_fill and tfix_gen: "@P1"
 * is *id, or the string str when id is NULL (read at each lookup, so the
 * fields may change after the table is made).  Tables end with name NULL.
 */
struct tfix_name {
	const char *name;
	const int64_t *id;
	const char *str;
};
/* A tfix_lookup_fn: arg is a struct tfix_name table; an unknown name
 * fails the test. */
json_t *tfix_lookup_names(const void *arg, const char *name);

/* Text by key: a string field's value, or a method's parameters (JSON,
 * "@NAME"s allowed).  Tables end with key NULL. */
struct tfix_text {
	const char *key, *value;
};
/* An int field's value: in methods of iface (NULL: any), the fixture
 * object name ("@P1", through the lookup), or n when name is NULL.
 * Tables end with field NULL. */
struct tfix_int {
	const char *iface, *field, *name;
	json_int_t n;
};

/*
 * How to make valid parameters for a method from its input type: every
 * required member, optional ones (?T) left out; false, 1.0 and the first
 * enum value; a string from tfix's table of plausible values by field
 * name, then the test's own strings, else "x"; a required list that
 * may not be empty from tfix's table, else []; an int from the test's
 * ints, then tfix's ("id" names the object of the method's interface:
 * the project, subject s[0], day or finding -- "@P1", "@S1", "@DAY",
 * "@FINDING"; project, subject and day likewise; uid 4000, phase 0;
 * an "id" in no table fails the test), else 1.  Then tfix's overrides
 * for the method and the test's after them are merged in; they name
 * "@P1", "@S2", "@S3", "@BACKUP" and the dates.  lookup(arg) resolves
 * the names of ints when generated; tfix_fill does the rest.
 */
struct tfix_gen {
	const struct tfix_text *strings;   /* NULL: none of the test's own */
	const struct tfix_int *ints;       /* NULL: none */
	const struct tfix_text *overrides; /* NULL: none */
	tfix_lookup_fn *lookup;
	const void *arg;
};

/* t with every IDL_NAMED type replaced by its definition in iface. */
const struct idl_type *tfix_resolve_type(const struct idl_interface *iface,
                                         const struct idl_type *t);
/* A value for a member field (its name, for the tables) of type t. */
json_t *tfix_gen_value(const struct tfix_gen *g,
                       const struct idl_interface *iface, const char *field,
                       const struct idl_type *t);
/* Method m (named name) of iface's parameters, "@NAME"s not filled in. */
json_t *tfix_gen_params(const struct tfix_gen *g,
                        const struct idl_interface *iface,
                        const struct idl_method *m, const char *name);

/* --- the database ------------------------------------------------------- */

/* A statement on the test's database; sqlite3_finalize it. */
sqlite3_stmt *tfix_prepare(struct tfix *t, const char *sql);
/* The first column of the first row of sql, or -1 without a row. */
int64_t tfix_scalar(struct tfix *t, const char *sql);
/* The same with ?1 bound to a. */
int64_t tfix_scalar_id(struct tfix *t, const char *sql, int64_t a);
/* Is the newest audit entry uid's denial of method? */
int tfix_last_denied(struct tfix *t, const char *method, uid_t uid);

/*
 * A checksum of every row of every table but the audit log (which every
 * call, refused or not, adds to): equal sums, equal data.
 */
uint64_t tfix_db_sum(struct tfix *t);
/* Keep a copy of the database in t->snap and its checksum in t->sum. */
void tfix_snapshot(struct tfix *t);
/* Put the snapshot back, audit log and all. */
void tfix_restore(struct tfix *t);

#endif
