/*
 * test_limits_params.c - every input of every method is bounded.
 *
 * The methods and their parameters come from the interfaces the daemon
 * serves (ctx->ifaces), so a new method or parameter is covered at once.
 * Every string, array and int a caller can send, at any depth (members of
 * structs, items of lists), is a slot.  For each slot the method is called,
 * as a caller whose role may call it, with otherwise valid parameters and
 * the slot set to
 *
 *   string  its limit (@limit, else IDL_STRING_MAX) + 1 bytes, and 64 KiB
 *   array   its limit + 1 items
 *   int     INT64_MIN, -1, 0 and INT64_MAX
 *
 * and the test asserts that a value outside the slot's bound is refused
 * with a documented error (InvalidParameter naming the slot for a string
 * or list too long; InvalidValue for an int out of range, NotFound for an
 * id that names nothing), never PermissionDenied for the role nor
 * Internal; that nothing changed but the audit log (a checksum of every
 * other table); that no new audit entry holds any of the value or is
 * large; that the refusal does not echo the value; and that no call is
 * slow.  A string of exactly its limit and a list of exactly its limit of
 * items must get past the interface (the limit is the one stated) and be
 * quick too: 100 000 subjects to Subject.Actualise once took 36 s under
 * ASan.  Besides, every string and list must have a limit within a sane
 * ceiling, and every int a range in the table below: the test fails for a
 * slot it knows nothing about, so a new parameter needs a bound to pass.
 *
 * IVT_LIMITS_VERBOSE=1 prints every slot with its bound and every call's
 * result (error names and parameters only).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tfix.h"

/* The over-long string every slot must refuse, whatever its limit. */
#define LONG_STRING 65536
/* The most a string slot may take without a reason in ceilings[]. */
#define STRING_CEILING 16384
/* A refusal this long echoes what it refused. */
#define REPLY_MAX 2048
/* The text of one audit entry beyond this is a giant entry. */
#define AUDIT_ENTRY_MAX 1024
/* No single call may take this long (ASan build). */
#define CALL_SECONDS 5.0
/* The over-long value's letter: a run of it marks a leak. */
#define MARK 'Q'
#define MARK_RUN "QQQQQQQQQQQQQQQQ"

/* The managers: the admin, pl_a (the projectleider of p1) and pl_b (of
 * p2).  A value they may not use is refused for what it is, never as
 * PermissionDenied. */
#define ADMIN 0
#define PL    2001
#define PL_B  2002

/* Who calls each method: admin unless the method is the projectleider's
 * own (the admin never handles personal data: access.h) or a partner's
 * or privacy's (the users of build_fixture). */
static const struct {
	const char *method;
	uid_t uid;
} callers[] = {
    {"nl.ivtd.Day.Create", PL},
    {"nl.ivtd.Day.Update", PL},
    {"nl.ivtd.Day.Confirm", PL},
    {"nl.ivtd.Day.Cancel", PL},
    {"nl.ivtd.Day.Plan", PL},
    {"nl.ivtd.Day.Unplan", PL},
    {"nl.ivtd.Day.Suggest", PL},
    {"nl.ivtd.Day.Assign", PL},
    {"nl.ivtd.Day.Unassign", PL},
    {"nl.ivtd.Day.Done", PL},
    {"nl.ivtd.Finding.List", PL},
    {"nl.ivtd.Finding.History", PL},
    {"nl.ivtd.Finding.FollowupList", PL},
    {"nl.ivtd.Finding.FollowupDone", PL},
    {"nl.ivtd.Finding.MeasureSet", PL},
    {"nl.ivtd.Import.Begin", PL},
    {"nl.ivtd.Import.Chunk", PL},
    {"nl.ivtd.Import.Commit", PL},
    {"nl.ivtd.Import.Abort", PL},
    {"nl.ivtd.Journal.Add", PL},
    {"nl.ivtd.Journal.List", PL},
    {"nl.ivtd.Subject.Create", PL},
    {"nl.ivtd.Subject.Show", PL},
    {"nl.ivtd.Subject.List", PL},
    {"nl.ivtd.Subject.Find", PL},
    {"nl.ivtd.Subject.Actualise", PL},
    {"nl.ivtd.Subject.Resolve", PL},
    {"nl.ivtd.Subject.Revisit", PL},
    {"nl.ivtd.Subject.Drop", PL},
    {"nl.ivtd.Project.Advance", PL},
    /* the admin may change only name, gemeente and leaders */
    {"nl.ivtd.Project.Update", PL},
    {"nl.ivtd.Protocol.Grant", PL},
    {"nl.ivtd.Protocol.Revoke", PL},
    /* these two act on p2 (see overrides) */
    {"nl.ivtd.Project.Decide", PL_B},
    {"nl.ivtd.Protocol.Register", PL_B},
    {"nl.ivtd.Finding.Add", 2011},    /* UWV, leveren */
    {"nl.ivtd.Finding.Update", 2012}, /* SVB, bewerken, recorded it */
    {"nl.ivtd.Subject.Answer", 2011}, /* UWV answers s2 first */
    {"nl.ivtd.Privacy.Inzage", 2020}, /* the privacy officer */
};

/*
 * String slots whose domain needs more than STRING_CEILING, and why.
 */
static const struct {
	const char *slot;
	const char *why;
} ceilings[] = {
    {"nl.ivtd.Import.Chunk data",
     "a piece of a CSV file; the import's total is capped at 32 MiB"},
};

/* What the tested values of an int slot may mean. */
enum range_kind {
	R_ID,     /* names an object: no tested value names one */
	R_RANGE,  /* values outside lo..hi are refused */
	R_FILTER, /* a filter or cursor: any value, it matches nothing */
	R_ID0,    /* an id, or 0 meaning what leaving it out means */
};

/*
 * The documented range of every int slot, by "method path" or, with a
 * NULL method, by field name for every method.  From the proto/ comments.
 */
static const struct range {
	const char *method; /* NULL: any method */
	const char *path;
	enum range_kind kind;
	long long lo, hi;
} ranges[] = {
    {NULL, "id", R_ID, 0, 0},
    {NULL, "project", R_ID, 0, 0},
    {NULL, "subject", R_ID, 0, 0},
    {NULL, "day", R_ID, 0, 0},
    {NULL, "list", R_ID, 0, 0},
    {NULL, "subjects[0]", R_ID, 0, 0},
    /* "after > 0 needs the hash of entry after"; limit "1 to 1000000" */
    {"nl.ivtd.Audit.Verify", "after", R_RANGE, 0, INT64_MAX},
    {"nl.ivtd.Audit.Verify", "limit", R_RANGE, 1, 1000000},
    /* a filter: entries of a project that does not exist are none */
    {"nl.ivtd.Audit.List", "project", R_FILTER, 0, 0},
    {"nl.ivtd.Audit.List", "limit", R_RANGE, 1, 1000},
    {"nl.ivtd.Audit.List", "after", R_RANGE, 0, INT64_MAX},
    {"nl.ivtd.Audit.Tail", "last", R_RANGE, 0, 1000},
    {"nl.ivtd.Day.Create", "teams", R_RANGE, 1, 20},
    {"nl.ivtd.Day.Create", "visits_per_team", R_RANGE, 1, 50},
    {"nl.ivtd.Day.Create", "partners[0].staff", R_RANGE, 1, 999},
    {"nl.ivtd.Day.Update", "teams", R_RANGE, 1, 20},
    {"nl.ivtd.Day.Update", "visits_per_team", R_RANGE, 1, 50},
    {"nl.ivtd.Day.Update", "partners[0].staff", R_RANGE, 1, 999},
    /* a team of the day: 1 to its teams (the fixture day has 1) */
    {"nl.ivtd.Day.Plan", "team", R_RANGE, 1, 1},
    /* the day of the visit, if any: 0 reads as none */
    {"nl.ivtd.Finding.Add", "day", R_ID0, 0, 0},
    {"nl.ivtd.Finding.MeasureSet", "phase", R_RANGE, 0, 1},
    /* must continue the import: the bytes sent so far (none yet) */
    {"nl.ivtd.Import.Chunk", "offset", R_RANGE, 0, 0},
    /* "0 to 36500" */
    {"nl.ivtd.Project.Retention", "days", R_RANGE, 0, 36500},
    /* a cursor: subjects after it, in id order */
    {"nl.ivtd.Subject.List", "after", R_FILTER, 0, 0},
    {"nl.ivtd.Subject.List", "limit", R_RANGE, 1, 1000},
    /* "between 0 and 2^31-1" */
    {"nl.ivtd.User.Add", "uid", R_RANGE, 0, 2147483647LL},
};

/*
 * Parameters beyond what tfix_gen derives from the input type and tfix's
 * overrides (for the fixture this test shares with test_access_matrix),
 * so that the unchanged call succeeds.  "@NAME" stands for a fixture
 * value (names).
 */
static const struct tfix_text overrides[] = {
    {"nl.ivtd.Day.Plan", "{\"subjects\":[\"@S4\"]}"},
    {"nl.ivtd.Day.Assign", "{\"subject\":\"@S4\"}"},
    {"nl.ivtd.Day.Unassign", "{\"subject\":\"@S1\"}"},
    {"nl.ivtd.Finding.Add", "{\"subject\":\"@S1\"}"},
    /* s1 was visited; s2 is in actualisation */
    {"nl.ivtd.Subject.Drop", "{\"subject\":\"@S2\"}"},
    {"nl.ivtd.Project.Decide", "{\"id\":\"@P2\"}"},
    {"nl.ivtd.Protocol.Register", "{\"project\":\"@P2\"}"},
    {"nl.ivtd.Retention.Show", "{\"list\":\"@LIST\"}"},
    {"nl.ivtd.Retention.Confirm", "{\"list\":\"@LIST\"}"},
    {"nl.ivtd.Privacy.Inzage", "{\"bsn\":\"111222333\"}"},
    {"nl.ivtd.Import.Chunk", "{\"offset\":0}"},
    {NULL, NULL},
};

/* Int fields beyond tfix's. */
static const struct tfix_int ints[] = {
    {NULL, "list", "@LIST", 0},
    {NULL, "offset", NULL, 0},
    {NULL, NULL, NULL, 0},
};

/*
 * Methods whose unchanged call cannot succeed in this fixture, and the
 * error it gets instead.  Their slots are still tested: a refusal must
 * then name the slot (InvalidParameter) or be a refusal of its value.
 */
static const struct {
	const char *method, *error;
} base_errors[] = {
    /* must be called with "more" */
    {"nl.ivtd.Audit.Export", "org.varlink.service.ExpectedMore"},
    /* s2 has interests and is not in conflict */
    {"nl.ivtd.Subject.Resolve", "nl.ivtd.Conflict"},
    /* the day is not bevestigd, the import not complete, the project
     * not held: these take nothing but the object's id */
    {"nl.ivtd.Day.Done", "nl.ivtd.Conflict"},
    /* and the subject was not visited, or something was found */
    {"nl.ivtd.Subject.Revisit", "nl.ivtd.Conflict"},
    /* s1's visit by name ended its hand-out */
    {"nl.ivtd.Day.Unassign", "nl.ivtd.NotFound"},
    /* the operational phase ends when its days have (one is concept) */
    {"nl.ivtd.Project.Advance", "nl.ivtd.Conflict"},
    {"nl.ivtd.Import.Commit", "nl.ivtd.Conflict"},
    {"nl.ivtd.Project.Release", "nl.ivtd.Conflict"},
};

/* Values for string fields beyond tfix's, by field name. */
static const struct tfix_text strings[] = {
    {"bsn", "123456782"},
    {"session", "@SESSION"},
    {"data", "straat;huisnummer;postcode;woonplaats\n"},
    {NULL, NULL},
};

struct fx {
	struct tfix t;      /* t.snap: the fixture, restored after a change */
	int64_t p1, p2;     /* projects */
	int64_t s1, s2, s3, s4; /* subjects */
	int64_t day, finding, list;
	char backup[128];
	char session[128]; /* of the last Import.Begin */
	int verbose;
	struct tfix_name names[12]; /* "@P1": the fields above */
	struct tfix_gen gen;
};

/* --- the fixture -------------------------------------------------------- */

/* The fixture's names, and the tables above, for tfix_gen and tfix_fill. */
static void
setup_gen(struct fx *f)
{
	const struct tfix_name names[] = {
	    {"@P1", &f->p1, NULL},          {"@P2", &f->p2, NULL},
	    {"@S1", &f->s1, NULL},          {"@S2", &f->s2, NULL},
	    {"@S3", &f->s3, NULL},          {"@S4", &f->s4, NULL},
	    {"@DAY", &f->day, NULL},        {"@FINDING", &f->finding, NULL},
	    {"@LIST", &f->list, NULL},      {"@BACKUP", NULL, f->backup},
	    {"@SESSION", NULL, f->session}, {NULL, NULL, NULL},
	};

	assert_int_equal(sizeof(names), sizeof(f->names));
	memcpy(f->names, names, sizeof(names));
	f->gen.strings = strings;
	f->gen.ints = ints;
	f->gen.overrides = overrides;
	f->gen.lookup = tfix_lookup_names;
	f->gen.arg = f->names;
}

static void
build_fixture(struct fx *f)
{
	struct tfix *t = &f->t;
	const uid_t pl = 2001;
	int64_t p[2], s[3];

	tfix_people_projects(t, p);
	f->p1 = p[0];
	f->p2 = p[1];
	/* p2: through the gates, so Advance, Decide and Register have work */
	tfix_advance(t, 2002, f->p2);
	tfix_operational(t, pl, f->p1);
	/* s1: a person; s2: every partner interested; s3: planned on the
	 * day; s4: stays gereed. */
	tfix_grants_subjects(t, pl, f->p1, s);
	f->s1 = s[0];
	f->s2 = s[1];
	f->s3 = s[2];
	f->s4 = tfix_must_id(t, pl, "nl.ivtd.Subject.Create",
	                     json_pack("{s:I,s:s,s:s,s:s,s:s}", "project",
	                               (json_int_t)f->p1, "street", "Beukenlaan",
	                               "huisnummer", "4", "postcode", "3511AB",
	                               "woonplaats", "Utrecht"),
	                     "subject");
	f->finding = tfix_work(t, pl, f->p1, s);
	f->day = tfix_day(t, pl, f->p1);
	tfix_done(t, pl, "nl.ivtd.Day.Plan",
	          json_pack("{s:I,s:[I]}", "id", (json_int_t)f->day, "subjects",
	                    (json_int_t)f->s3));
	tfix_done(t, pl, "nl.ivtd.Journal.Add",
	          json_pack("{s:I,s:s,s:s}", "project", (json_int_t)f->p1,
	                    "kind", "overleg", "note", "Startoverleg"));
	/* A destruction list to show and confirm: a closed project (a
	 * NO-GO) with a retention period of 0 days. */
	tfix_done(t, 0, "nl.ivtd.Project.Retention",
	          json_pack("{s:I,s:i}", "id", (json_int_t)f->p2, "days", 0));
	tfix_done(t, PL_B, "nl.ivtd.Project.Decide",
	          json_pack("{s:I,s:s,s:b,s:s}", "id", (json_int_t)f->p2, "gate",
	                    "probleemdefinitie", "go", 0, "rationale", "nee"));
	f->p2 = tfix_project(t, 2002, "Wijkaanpak West", "3521AA-3521ZZ");
	tfix_advance(t, 2002, f->p2);
	f->list = tfix_must_id(t, 0, "nl.ivtd.Retention.Propose", json_object(),
	                       "list");
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL || tfix_init(&f->t, "limits") == -1)
		return -1;
	if (tfix_open(&f->t, TFIX_DAEMON) == -1)
		return -1;
	snprintf(f->backup, sizeof(f->backup), "%s/backup.db", f->t.dir);
	f->verbose = getenv("IVT_LIMITS_VERBOSE") != NULL;
	*state = f;
	setup_gen(f);
	build_fixture(f);
	tfix_snapshot(&f->t);
	return 0;
}

/* --- slots -------------------------------------------------------------- */

enum slot_kind { S_STRING, S_ARRAY, S_INT, S_OTHER };

#define STEPS_MAX 8

/* One value a caller can send: the way to it from the parameters. */
struct slot {
	enum slot_kind kind;
	size_t limit; /* the field's @limit, 0 none (items: none) */
	size_t nsteps;
	const char *field[STEPS_MAX];          /* NULL: item [0] */
	const struct idl_type *type[STEPS_MAX]; /* resolved, of each step */
	char path[256]; /* as idl_check_params names it */
};

typedef void slot_fn(void *arg, const struct slot *s);

static void
slot_path(struct slot *s)
{
	size_t i, n = 0;

	s->path[0] = '\0';
	for (i = 0; i < s->nsteps; i++) {
		if (s->field[i] == NULL)
			n += (size_t)snprintf(s->path + n, sizeof(s->path) - n,
			                      "[0]");
		else
			n += (size_t)snprintf(s->path + n, sizeof(s->path) - n,
			                      "%s%s", i ? "." : "", s->field[i]);
		assert_true(n < sizeof(s->path));
	}
}

static void walk_struct(const struct idl_interface *, const struct idl_type *,
                        struct slot *, slot_fn *, void *);

/* The value at the slot's last step, of type t (resolved). */
static void
walk_value(const struct idl_interface *iface, const struct idl_type *t,
           size_t limit, struct slot *s, slot_fn *fn, void *arg)
{
	assert_true(s->nsteps <= STEPS_MAX);
	s->type[s->nsteps - 1] = t;
	s->limit = limit;
	slot_path(s);
	switch (t->kind) {
	case IDL_STRING:
		s->kind = S_STRING;
		fn(arg, s);
		break;
	case IDL_INT:
		s->kind = S_INT;
		fn(arg, s);
		break;
	case IDL_ARRAY:
		s->kind = S_ARRAY;
		fn(arg, s);
		assert_true(s->nsteps < STEPS_MAX);
		s->field[s->nsteps++] = NULL;
		walk_value(iface, tfix_resolve_type(iface, t->elem), 0, s, fn,
		           arg);
		s->nsteps--;
		break;
	case IDL_STRUCT:
		walk_struct(iface, t, s, fn, arg);
		break;
	case IDL_MAP:
	case IDL_OBJECT:
		/* No bound this test knows how to probe: it fails. */
		s->kind = S_OTHER;
		fn(arg, s);
		break;
	case IDL_BOOL:
	case IDL_FLOAT:
	case IDL_ENUM:
	case IDL_NAMED:
		break;
	}
}

static void
walk_struct(const struct idl_interface *iface, const struct idl_type *t,
            struct slot *s, slot_fn *fn, void *arg)
{
	size_t i;

	for (i = 0; i < t->nfields; i++) {
		assert_true(s->nsteps < STEPS_MAX);
		s->field[s->nsteps++] = t->fields[i].name;
		walk_value(iface, tfix_resolve_type(iface, t->fields[i].type),
		           t->fields[i].limit, s, fn, arg);
		s->nsteps--;
	}
}

/*
 * Put v (stolen) at the slot in params, making what is missing on the way
 * from the interface (a member left out as optional, an empty list).
 */
static void
slot_set(const struct fx *f, const struct idl_interface *iface,
         const struct slot *s, json_t *params, json_t *v)
{
	json_t *cur = params, *next;
	const char *name = NULL;
	size_t i;

	for (i = 0; i < s->nsteps; i++) {
		int last = i + 1 == s->nsteps;

		if (s->field[i] != NULL) {
			name = s->field[i];
			assert_true(json_is_object(cur));
			if (last) {
				json_object_set_new(cur, name, v);
				return;
			}
			next = json_object_get(cur, name);
			if (next == NULL || json_is_null(next)) {
				next = tfix_gen_value(&f->gen, iface, name,
				                      s->type[i]);
				json_object_set_new(cur, name, next);
			}
		} else {
			assert_true(json_is_array(cur));
			if (last) {
				if (json_array_size(cur) == 0)
					json_array_append_new(cur, v);
				else
					json_array_set_new(cur, 0, v);
				return;
			}
			if (json_array_size(cur) == 0)
				json_array_append_new(
				    cur, tfix_gen_value(&f->gen, iface, name,
				                        s->type[i]));
			next = json_array_get(cur, 0);
		}
		cur = next;
	}
	json_decref(v);
	fail_msg("%s: empty slot", s->path);
}

/* An item for a list at the slot: its first one, or a generated one. */
static json_t *
slot_item(const struct fx *f, const struct idl_interface *iface,
          const struct slot *s, const json_t *params)
{
	const json_t *cur = params;
	const struct idl_type *at = s->type[s->nsteps - 1];
	size_t i;

	for (i = 0; i < s->nsteps && cur != NULL; i++)
		cur = s->field[i] ? json_object_get(cur, s->field[i])
		                  : json_array_get(cur, 0);
	if (json_array_size(cur) > 0)
		return json_deep_copy(json_array_get(cur, 0));
	return tfix_gen_value(&f->gen, iface, s->field[s->nsteps - 1],
	                      tfix_resolve_type(iface, at->elem));
}

/* --- calls -------------------------------------------------------------- */

struct run {
	struct fx *f;
	const struct idl_interface *iface;
	const char *method;
	uid_t uid;
	json_t *base;    /* unchanged parameters, "@NAME"s not filled */
	size_t slots, calls, refused, accepted, restores, capped;
	size_t failures;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uid_t
caller_for(const char *method)
{
	size_t i;

	for (i = 0; i < sizeof(callers) / sizeof(callers[0]); i++) {
		if (strcmp(callers[i].method, method) == 0)
			return callers[i].uid;
	}
	return ADMIN;
}

static const char *
base_error(const char *method)
{
	size_t i;

	for (i = 0; i < sizeof(base_errors) / sizeof(base_errors[0]); i++) {
		if (strcmp(base_errors[i].method, method) == 0)
			return base_errors[i].error;
	}
	return NULL;
}

/* Fill in "@NAME"s; an import's calls get a new session of their own. */
static void
fill(struct run *r, json_t *p)
{
	struct fx *f = r->f;
	json_t *b;

	if (strncmp(r->method, "nl.ivtd.Import.", 15) == 0 &&
	    strcmp(r->method, "nl.ivtd.Import.Begin") != 0) {
		b = tfix_must(&f->t, r->uid, "nl.ivtd.Import.Begin",
		              json_pack("{s:I}", "project", (json_int_t)f->p1));
		snprintf(f->session, sizeof(f->session), "%s",
		         json_string_value(json_object_get(b, "session")));
		json_decref(b);
	}
	tfix_fill(&f->t, p, tfix_lookup_names, f->names);
}

static void
fail_call(struct run *r, const char *path, const char *what, const char *fmt,
          ...) __attribute__((format(printf, 4, 5)));

static void
fail_call(struct run *r, const char *path, const char *what, const char *fmt,
          ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	print_error("%s %s = %s: %s\n", r->method, path, what, msg);
	r->failures++;
}

/*
 * Does any audit entry after seq hold a run of the mark (with mark), or
 * is it large?
 */
static int64_t
audit_leaks(struct fx *f, int64_t after, int mark)
{
	sqlite3_stmt *st = tfix_prepare(
	    &f->t,
	    "SELECT count(*) FROM audit WHERE seq > ?1 AND ("
	    "(?4 AND instr(actor_name || org || method || activity || "
	    "object || subject || subject_type || fields || error, ?2) > 0) "
	    "OR length(actor_name || org || method || activity || object || "
	    "subject || subject_type || fields || error) > ?3)");
	int64_t n = -1;

	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_text(st, 2, MARK_RUN, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, AUDIT_ENTRY_MAX);
	sqlite3_bind_int(st, 4, mark);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Errors that refuse a value, documented in nl.ivtd and varlink. */
static int
refusal(const char *error)
{
	static const char *const ok[] = {
	    "org.varlink.service.InvalidParameter",
	    "nl.ivtd.InvalidValue",
	    "nl.ivtd.NotFound",
	    "nl.ivtd.Conflict",
	    "nl.ivtd.AlreadyExists",
	};
	size_t i;

	for (i = 0; error != NULL && i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (strcmp(error, ok[i]) == 0)
			return 1;
	}
	return 0;
}

/* What a probe's value must get. */
enum expect {
	E_IDL,    /* over a stated size: InvalidParameter naming the slot */
	E_REFUSE, /* out of range: refused (a refusal error) */
	E_ANY,    /* in range: anything but Internal */
	E_FITS,   /* at the stated size: the same, and not refused for it */
};

static int
is_error(const char *error, const char *name)
{
	return error != NULL && strcmp(error, name) == 0;
}

/* Judge the reply to a probe of slot s. */
static void
judge(struct run *r, const struct slot *s, const char *what,
      const json_t *reply, enum expect e)
{
	const char *error = tfix_error(reply), *why = tfix_reason(reply);
	char *text;

	if (is_error(error, "nl.ivtd.PermissionDenied") &&
	    (strcmp(why, "role may not call this method") == 0 ||
	     strcmp(why, "unknown or disabled user") == 0))
		fail_call(r, s->path, what,
		          "the caller's role may not call it: the test is "
		          "wrong");
	else if (is_error(error, "nl.ivtd.Internal"))
		fail_call(r, s->path, what, "nl.ivtd.Internal");
	else if ((e == E_IDL || e == E_REFUSE) && error == NULL)
		fail_call(r, s->path, what, "accepted");
	else if (e == E_IDL &&
	         (!is_error(error, "org.varlink.service.InvalidParameter") ||
	          strcmp(why, s->path) != 0))
		fail_call(r, s->path, what,
		          "refused with %s (%s), not InvalidParameter (%s)",
		          error, why, s->path);
	else if (e == E_REFUSE && !refusal(error) &&
	         !(is_error(error, "nl.ivtd.PermissionDenied") &&
	           r->uid != ADMIN && r->uid != PL && r->uid != PL_B))
		fail_call(r, s->path, what, "refused with %s (%s)", error, why);
	else if (e == E_FITS &&
	         is_error(error, "org.varlink.service.InvalidParameter") &&
	         strcmp(why, s->path) == 0)
		fail_call(r, s->path, what,
		          "refused by the interface: the limit is not %zu",
		          s->limit);
	/* A refusal of what is too long must not repeat it. */
	if (error != NULL && e != E_FITS) {
		text = tfix_reply_text(reply);
		if (strlen(text) > REPLY_MAX || strstr(text, MARK_RUN) != NULL)
			fail_call(r, s->path, what,
			          "the refusal echoes the value (%zu bytes)",
			          strlen(text));
		free(text);
	}
}

/* Call with params (consumed) and judge the outcome. */
static void
probe(struct run *r, const struct slot *s, const char *what, json_t *params,
      enum expect e)
{
	struct fx *f = r->f;
	int64_t before;
	double t0, dt;
	json_t *msg, *reply;
	char *text;
	size_t size;
	int refused;

	fill(r, params);
	msg = json_pack("{s:s,s:O}", "method", r->method, "parameters", params);
	text = json_dumps(msg, JSON_COMPACT);
	assert_non_null(text);
	size = strlen(text);
	free(text);
	json_decref(msg);
	r->calls++;
	if (size + 1 > f->t.cfg.max_message) {
		/* The server would not even read it (max_message). */
		r->capped++;
		json_decref(params);
		if (f->verbose)
			print_message("%-40s %-24s %-12s over max_message\n",
			              r->method, s->path, what);
		if (e == E_FITS)
			fail_call(r, s->path, what,
			          "a value the interface allows does not fit "
			          "in max_message");
		return;
	}
	before = tfix_scalar(&f->t, "SELECT coalesce(max(seq), 0) FROM audit");
	t0 = now_s();
	reply = tfix_call(&f->t, r->uid, r->method, params);
	dt = now_s() - t0;
	json_decref(params);
	refused = tfix_error(reply) != NULL;
	if (f->verbose)
		print_message("%-40s %-24s %-12s %s %s\n", r->method, s->path,
		              what, refused ? tfix_error(reply) : "ok",
		              tfix_reason(reply));
	if (dt > CALL_SECONDS)
		fail_call(r, s->path, what, "took %.1f s", dt);
	judge(r, s, what, reply, e);
	json_decref(reply);
	if (audit_leaks(f, before, e == E_IDL || e == E_REFUSE) != 0)
		fail_call(r, s->path, what,
		          "an audit entry holds the value or is large");
	if (refused)
		r->refused++;
	else
		r->accepted++;
	if (tfix_db_sum(&f->t) != f->t.sum) {
		if (refused)
			fail_call(r, s->path, what,
			          "refused, but the database changed");
		tfix_restore(&f->t);
		r->restores++;
	}
}

static json_t *
long_string(size_t n)
{
	char *b = malloc(n + 1);
	json_t *v;

	assert_non_null(b);
	memset(b, MARK, n);
	b[n] = '\0';
	v = json_stringn(b, n);
	free(b);
	assert_non_null(v);
	return v;
}

static const struct range *
range_for(const char *method, const char *path)
{
	const char *last = strrchr(path, '.');
	size_t i;

	/* A method's own entry first, then the field's name anywhere. */
	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		if (ranges[i].method != NULL &&
		    strcmp(ranges[i].method, method) == 0 &&
		    strcmp(ranges[i].path, path) == 0)
			return &ranges[i];
	}
	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		if (ranges[i].method == NULL &&
		    strcmp(ranges[i].path, last ? last + 1 : path) == 0)
			return &ranges[i];
	}
	return NULL;
}

/* Why the slot may exceed STRING_CEILING, or NULL: it may not. */
static const char *
ceiling_reason(const char *method, const char *path)
{
	char key[512];
	size_t i;

	snprintf(key, sizeof(key), "%s %s", method, path);
	for (i = 0; i < sizeof(ceilings) / sizeof(ceilings[0]); i++) {
		if (strcmp(ceilings[i].slot, key) == 0)
			return ceilings[i].why;
	}
	return NULL;
}

static void
probe_string(struct run *r, const struct slot *s)
{
	size_t limit = s->limit ? s->limit : IDL_STRING_MAX;
	const char *why;
	json_t *p;
	char what[32];

	if (r->f->verbose)
		print_message("slot %s %s: string, %zu bytes%s\n", r->method,
		              s->path, limit, s->limit ? "" : " (default)");
	if (limit > STRING_CEILING) {
		why = ceiling_reason(r->method, s->path);
		if (why == NULL)
			fail_call(r, s->path, "-",
			          "may be %zu bytes: more than %d without a "
			          "reason",
			          limit, STRING_CEILING);
		else if (r->f->verbose)
			print_message("slot %s %s: over %d bytes: %s\n",
			              r->method, s->path, STRING_CEILING, why);
	}
	/* At the limit: the interface lets it through (the limit is exact). */
	snprintf(what, sizeof(what), "%zu bytes", limit);
	p = json_deep_copy(r->base);
	slot_set(r->f, r->iface, s, p, long_string(limit));
	probe(r, s, what, p, E_FITS);
	/* One over: the interface refuses it, naming the slot. */
	snprintf(what, sizeof(what), "%zu bytes", limit + 1);
	p = json_deep_copy(r->base);
	slot_set(r->f, r->iface, s, p, long_string(limit + 1));
	probe(r, s, what, p, E_IDL);
	/* 64 KiB, whatever the limit: refused unless a stated limit allows
	 * it. */
	if (s->limit >= LONG_STRING)
		return;
	p = json_deep_copy(r->base);
	slot_set(r->f, r->iface, s, p, long_string(LONG_STRING));
	probe(r, s, "64 KiB", p, E_IDL);
}

static void
probe_array(struct run *r, const struct slot *s)
{
	json_t *p, *list, *item;
	char what[32];
	size_t i, n;

	if (r->f->verbose)
		print_message("slot %s %s: array, %zu items\n", r->method,
		              s->path, s->limit);
	if (s->limit == 0) {
		fail_call(r, s->path, "-", "a list without @limit");
		return;
	}
	/* limit items are let through and quick; limit + 1 are refused. */
	for (n = s->limit; n <= s->limit + 1; n++) {
		p = json_deep_copy(r->base);
		item = slot_item(r->f, r->iface, s, p);
		list = json_array();
		for (i = 0; i < n; i++)
			json_array_append(list, item);
		json_decref(item);
		slot_set(r->f, r->iface, s, p, list);
		snprintf(what, sizeof(what), "%zu items", n);
		probe(r, s, what, p, n > s->limit ? E_IDL : E_FITS);
	}
}

static void
probe_int(struct run *r, const struct slot *s)
{
	static const struct {
		json_int_t v;
		const char *what;
	} values[] = {
	    {INT64_MIN, "INT64_MIN"},
	    {-1, "-1"},
	    {0, "0"},
	    {INT64_MAX, "INT64_MAX"},
	};
	const struct range *rg = range_for(r->method, s->path);
	int out;
	json_t *p;
	size_t i;

	if (rg == NULL) {
		fail_call(r, s->path, "-", "an int without a known range");
		return;
	}
	if (r->f->verbose)
		print_message("slot %s %s: int, %s %lld..%lld\n", r->method,
		              s->path,
		              rg->kind == R_ID       ? "id"
		              : rg->kind == R_ID0    ? "id or 0"
		              : rg->kind == R_FILTER ? "filter"
		                                     : "range",
		              rg->lo, rg->hi);
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		out = rg->kind == R_ID ||
		      (rg->kind == R_ID0 && values[i].v != 0) ||
		      (rg->kind == R_RANGE &&
		       (values[i].v < rg->lo || values[i].v > rg->hi));
		p = json_deep_copy(r->base);
		slot_set(r->f, r->iface, s, p, json_integer(values[i].v));
		probe(r, s, values[i].what, p, out ? E_REFUSE : E_ANY);
	}
}

static void
on_slot(void *arg, const struct slot *s)
{
	struct run *r = arg;

	r->slots++;
	switch (s->kind) {
	case S_STRING:
		probe_string(r, s);
		break;
	case S_ARRAY:
		probe_array(r, s);
		break;
	case S_INT:
		probe_int(r, s);
		break;
	case S_OTHER:
		fail_call(r, s->path, "-",
		          "an object or map: no bound this test can probe");
		break;
	}
}

/* The unchanged call must succeed (or fail as base_errors says). */
static void
run_base(struct run *r)
{
	struct fx *f = r->f;
	const char *want = base_error(r->method), *error;
	json_t *p = json_deep_copy(r->base), *reply;

	fill(r, p);
	reply = tfix_call(&f->t, r->uid, r->method, p);
	json_decref(p);
	error = tfix_error(reply);
	if (f->verbose)
		print_message("%-40s %-24s %-12s %s %s\n", r->method, "-",
		              "unchanged", error ? error : "ok",
		              error ? tfix_reason(reply) : "");
	if ((want == NULL) != (error == NULL) ||
	    (want != NULL && strcmp(want, error) != 0)) {
		print_error("%s as uid %u, unchanged: %s (%s), not %s\n",
		            r->method, (unsigned)r->uid, error ? error : "ok",
		            error ? tfix_reason(reply) : "", want ? want : "ok");
		r->failures++;
	}
	json_decref(reply);
	if (tfix_db_sum(&f->t) != f->t.sum)
		tfix_restore(&f->t);
}

static void
test_limits(void **state)
{
	struct fx *f = *state;
	const struct idl_method *m;
	struct audit_verify_result vr;
	struct run total, r;
	struct slot s;
	char name[256];
	size_t i, j;
	double t0 = now_s();

	memset(&total, 0, sizeof(total));
	for (i = 0; i < f->t.ctx.nifaces; i++) {
		for (j = 0; j < f->t.ctx.ifaces[i]->nmethods; j++) {
			memset(&r, 0, sizeof(r));
			r.f = f;
			r.iface = f->t.ctx.ifaces[i];
			m = &r.iface->methods[j];
			snprintf(name, sizeof(name), "%s.%s", r.iface->name,
			         m->name);
			r.method = name;
			r.uid = caller_for(name);
			r.base = tfix_gen_params(&f->gen, r.iface, m, name);
			run_base(&r);
			memset(&s, 0, sizeof(s));
			walk_struct(r.iface, m->in, &s, on_slot, &r);
			json_decref(r.base);
			total.slots += r.slots;
			total.calls += r.calls;
			total.refused += r.refused;
			total.accepted += r.accepted;
			total.restores += r.restores;
			total.capped += r.capped;
			total.failures += r.failures;
		}
	}
	/* Not vacuous: the interfaces have some 180 slots. */
	assert_true(total.slots >= 150);
	/* The restores brought the fixture back, with an intact chain. */
	assert_true(tfix_db_sum(&f->t) == f->t.sum);
	assert_int_equal(
	    audit_verify(f->t.ctx.store, f->t.ctx.crypto, &vr, NULL, NULL), 0);
	assert_int_equal(vr.bad_seq, 0);
	print_message("limits: %zu slots, %zu calls: %zu refused, %zu "
	              "accepted (within bounds), %zu restores, %zu over "
	              "max_message; %.1f s\n",
	              total.slots, total.calls, total.refused, total.accepted,
	              total.restores, total.capped, now_s() - t0);
	if (total.failures > 0)
		fail_msg("%zu inputs are not bounded as they should be",
		         total.failures);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_limits, setup, tfix_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
