/*
 * test_access_matrix.c - every method of every interface, called by every
 * kind of caller, against a policy written from the documentation.
 *
 * The methods come from the interfaces the daemon serves (ctx->ifaces), so
 * a new method is in the matrix at once: its parameters are generated
 * from its input type, and the test fails until the policy table below
 * says who may call it.  Each call is dispatched as the real daemon does
 * (envelope, IDL check, identity, role, handler, audit).  A call counts as
 * allowed when the reply is anything but nl.ivtd.PermissionDenied: a
 * Conflict or InvalidValue means the caller got past authorisation.
 *
 * On every denial nothing may change (a checksum of every table except
 * the audit log is compared) and exactly one audit entry with result
 * "denied" must be added.  An allowed call that changed something is
 * undone by restoring a snapshot, so each cell sees the same fixture.
 * IVT_MATRIX_VERBOSE=1 prints every cell's reply (error names and
 * reasons only, never data).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "date.h"
#include "keys.h"
#include "varlink.h"

/* The callers: the columns of the policy table, in this order. */
enum who {
	W_ADMIN,    /* beheerder */
	W_PL_OWN,   /* projectleider of project 1 */
	W_PL_OTHER, /* projectleider of project 2 only */
	W_LEVEREN,  /* partner admitted to project 1 with leveren only */
	W_BEWERKEN, /* ... bewerken only */
	W_INLEZEN,  /* ... inlezen only */
	W_NONE,     /* partner not admitted to project 1 */
	W_PRIVACY,  /* privacy officer */
	W_UNKNOWN,  /* a uid that is no user */
	NWHO
};

static const struct {
	const char *label;
	uid_t uid;
} callers[NWHO] = {
    {"admin", 0},
    {"projectleider (own project)", 2001},
    {"projectleider (other project)", 2002},
    {"partner with leveren", 2011},
    {"partner with bewerken", 2012},
    {"partner with inlezen", 2013},
    {"partner not admitted", 2014},
    {"privacy officer", 2020},
    {"unknown uid", 4242},
};

/*
 * Who may call what, written from client/ivtctl.1, the comments in
 * the proto/ files and daemon/access.h -- not from the method tables.
 * One column per caller, in enum who order: 'A' allowed, '-' denied.
 * Project-bound calls name project 1 (or its subject, day, finding).
 *
 *   admin       everything (beheer)
 *   PL own      manages the projects they lead
 *   PL other    may create projects and see what it leads: not project 1
 *   partners    what the protocol grants: leveren (deliver: subjects,
 *               journal notes, findings, first answers), bewerken (edit:
 *               changed answers, own findings), inlezen (read personal
 *               data); every admitted partner sees project metadata and
 *               its days; a not admitted partner nothing
 *   privacy     audit log, register, project metadata and aggregates,
 *               never personal data
 *   unknown     only org.varlink.service
 */
static const struct policy {
	const char *allow;
	const char *method;
} policy[] = {
    /* Admin, pl Own, pl other (X), Leveren, Bewerken, Inlezen,
     * Not admitted, Privacy, Unknown:
     *   AOXLBINPU */
    {"AAAAAAAAA", "org.varlink.service.GetInfo"},
    {"AAAAAAAAA", "org.varlink.service.GetInterfaceDescription"},
    {"AAAAAAAA-", "nl.ivtd.WhoAmI"},
    /* "Admin only." */
    {"A--------", "nl.ivtd.Admin.Backup"},
    {"A--------", "nl.ivtd.Key.Rotate"},
    {"A--------", "nl.ivtd.Key.Status"},
    /* "Admin, projectleider, privacy" may list; "a projectleider of each
     * project, or an admin" confirms and runs (Retention.varlink). */
    {"AAA----A-", "nl.ivtd.Retention.Propose"},
    {"AAA----A-", "nl.ivtd.Retention.Show"},
    {"AAA------", "nl.ivtd.Retention.Confirm"},
    {"AAA------", "nl.ivtd.Retention.Run"},
    /* "Leaders, admins and the privacy officer" hold and release; the
     * retention state is shown to the same (project 1). */
    {"AA-----A-", "nl.ivtd.Project.Hold"},
    {"AA-----A-", "nl.ivtd.Project.Release"},
    {"AA-----A-", "nl.ivtd.Project.Retention"},
    /* "Readable by the admin and privacy roles" */
    {"A------A-", "nl.ivtd.Audit.Verify"},
    {"A------A-", "nl.ivtd.Audit.List"},
    {"A------A-", "nl.ivtd.Audit.Tail"},
    {"A------A-", "nl.ivtd.Audit.Export"},
    /* "Days are managed by admins and the project's projectleiders;
     * every partner admitted to the project sees its days" */
    {"AA-------", "nl.ivtd.Day.Create"},
    {"AA-------", "nl.ivtd.Day.Update"},
    {"AA-------", "nl.ivtd.Day.Confirm"},
    {"AA-------", "nl.ivtd.Day.Cancel"},
    {"AA-AAA-A-", "nl.ivtd.Day.List"},
    {"AA-AAA-A-", "nl.ivtd.Day.Show"},
    {"AA-------", "nl.ivtd.Day.Plan"},
    {"AA-------", "nl.ivtd.Day.Unplan"},
    {"AA-------", "nl.ivtd.Day.Suggest"},
    /* the calendar event holds no personal data */
    {"AA-AAA-A-", "nl.ivtd.Day.Export"},
    {"AA-------", "nl.ivtd.Day.Assign"},
    {"AA-------", "nl.ivtd.Day.Unassign"},
    /* "your upcoming days": every user has their own */
    {"AAAAAAAA-", "nl.ivtd.Day.Mine"},
    {"AA-------", "nl.ivtd.Day.Done"},
    /* "Record your organisation's finding (needs leveren)" */
    {"---A-----", "nl.ivtd.Finding.Add"},
    /* "Change your organisation's finding (needs bewerken)"; the
     * fixture finding was recorded by the bewerken partner */
    {"----A----", "nl.ivtd.Finding.Update"},
    /* "Your organisation's findings, and with inlezen everyone's";
     * findings are about a household: not for the privacy officer */
    {"AA-AAA---", "nl.ivtd.Finding.List"},
    /* the history of a finding is that finding: the same readers as
     * List, and the leveren partner did not record it */
    {"AA--AA---", "nl.ivtd.Finding.History"},
    /* open follow-ups of a project: reading findings, needs inlezen;
     * an owner organisation with leveren lists the ones it owns */
    {"AA-A-A---", "nl.ivtd.Finding.FollowupList"},
    /* "The owner organisation marks its follow-up done" (owner: the
     * leveren partner), or the back office: the project's managers */
    {"AA-A-----", "nl.ivtd.Finding.FollowupDone"},
    /* "the projectleider measures the effect" */
    {"AA-------", "nl.ivtd.Finding.MeasureSet"},
    /* "Aggregates only"; "privacy reads the report" */
    {"AA-AAA-A-", "nl.ivtd.Finding.Report"},
    /* journal add "Needs leveren", journal list "needs inlezen" */
    {"AA-A-----", "nl.ivtd.Journal.Add"},
    {"AA---A---", "nl.ivtd.Journal.List"},
    /* "Adding is for admins; every known user may list." */
    {"A--------", "nl.ivtd.Partner.Add"},
    {"AAAAAAAA-", "nl.ivtd.Partner.List"},
    /* "The register is public to every known user." */
    {"AAAAAAAA-", "nl.ivtd.Privacy.Register"},
    {"-------A-", "nl.ivtd.Privacy.Inzage"},
    /* "Admins and projectleiders create projects; a projectleider sees
     * and changes only the projects they lead, a partner only those
     * its organisation is admitted to, the privacy officer all" */
    {"AAA------", "nl.ivtd.Project.Create"},
    {"AAAAAAAA-", "nl.ivtd.Project.List"},
    {"AA-AAA-A-", "nl.ivtd.Project.Show"},
    {"AA-------", "nl.ivtd.Project.Update"},
    {"AA-------", "nl.ivtd.Project.Decide"},
    {"AA-------", "nl.ivtd.Project.Advance"},
    {"AA-AAA-A-", "nl.ivtd.Project.History"},
    {"AA-------", "nl.ivtd.Protocol.Grant"},
    {"AA-------", "nl.ivtd.Protocol.Revoke"},
    {"AA-------", "nl.ivtd.Protocol.Register"},
    {"AA-AAA-A-", "nl.ivtd.Protocol.Show"},
    /* subject add "Needs leveren"; reading needs inlezen */
    {"AA-A-----", "nl.ivtd.Subject.Create"},
    {"AA---A---", "nl.ivtd.Subject.Show"},
    {"AA---A---", "nl.ivtd.Subject.List"},
    /* "in the projects you may read": a search by anyone who may read
     * some personal data finds only that; never the privacy officer */
    {"AAAAAAA--", "nl.ivtd.Subject.Find"},
    {"AA-------", "nl.ivtd.Subject.Actualise"},
    /* "A partner's answer for its organisation; the first answer needs
     * leveren, changing it bewerken" (the bewerken partner answered
     * before, the others not; every partner has an interest) */
    {"---AA----", "nl.ivtd.Subject.Answer"},
    /* "The projectleider decides a conflict." */
    {"AA-------", "nl.ivtd.Subject.Resolve"},
    /* "These commands are for the admin role." */
    /* subject import "needs leveren", as subject add; the other calls
     * act on the caller's own session, which nobody else can name: a
     * caller without one gets NotFound, never another's import */
    {"AA-A-----", "nl.ivtd.Import.Begin"},
    {"AAAAAAAA-", "nl.ivtd.Import.Chunk"},
    {"AAAAAAAA-", "nl.ivtd.Import.Commit"},
    {"AAAAAAAA-", "nl.ivtd.Import.Abort"},
    {"A--------", "nl.ivtd.User.Add"},
    {"A--------", "nl.ivtd.User.List"},
    {"A--------", "nl.ivtd.User.Disable"},
    {"A--------", "nl.ivtd.User.Enable"},
};

/*
 * Cells where the daemon departs from the policy, found by this test and
 * reported; each must still depart (a fix makes the test fail until the
 * entry is removed).
 */
static const struct deviation {
	const char *method;
	enum who who;
	const char *why;
} known[] = {
    {NULL, NWHO, NULL},
};

/*
 * Searches and lists that are open to many callers but must only show
 * what each may see: whether the fixture object (P project 1, S subject
 * 1, F the finding) is among the reply's key, per caller: 'Y' shown,
 * 'N' hidden, '.' not checked (denied).
 */
static const struct visibility {
	const char *see;
	const char *method, *key;
	char object;
} visible[] = {
    /*AOXLBINPU */
    {"YYNYYYNY.", "nl.ivtd.Project.List", "projects", 'P'},
    /* "in the projects you may read" */
    {"YYNNNYN..", "nl.ivtd.Subject.Find", "subjects", 'S'},
    /* the finding is the bewerken partner's own */
    {"YY.NYY...", "nl.ivtd.Finding.List", "findings", 'F'},
};

/*
 * Parameters beyond what the generator derives from the input type.  A
 * string "@NAME" stands for a fixture value (see placeholder()).
 */
static const struct override {
	const char *method;
	const char *params;
} overrides[] = {
    {"org.varlink.service.GetInterfaceDescription",
     "{\"interface\":\"nl.ivtd\"}"},
    {"nl.ivtd.Admin.Backup", "{\"path\":\"@BACKUP\"}"},
    {"nl.ivtd.Day.Create",
     "{\"date\":\"@FUTURE\",\"partners\":[{\"partner\":\"UWV\","
     "\"staff\":1}],\"police\":\"present\",\"police_informed\":true}"},
    {"nl.ivtd.Day.Update", "{\"meeting_point\":\"Buurthuis\"}"},
    {"nl.ivtd.Day.List", "{\"project\":\"@P1\"}"},
    {"nl.ivtd.Day.Plan", "{\"subjects\":[\"@S3\"]}"},
    {"nl.ivtd.Day.Unplan", "{\"subjects\":[\"@S3\"]}"},
    {"nl.ivtd.Day.Assign", "{\"subject\":\"@S3\",\"user\":\"p3\"}"},
    {"nl.ivtd.Finding.Add", "{\"action\":\"geen\"}"},
    {"nl.ivtd.Finding.Update", "{\"notes\":\"Bijgewerkt\"}"},
    {"nl.ivtd.Finding.FollowupList", "{\"project\":\"@P1\"}"},
    {"nl.ivtd.Project.Update", "{\"name\":\"Wijkaanpak Zuid\"}"},
    {"nl.ivtd.Protocol.Grant",
     "{\"partner\":\"GGD\",\"rights\":[\"inlezen\"]}"},
    {"nl.ivtd.Protocol.Revoke", "{\"partner\":\"SVB\"}"},
    {"nl.ivtd.Subject.Create", "{\"persons\":[{\"bsn\":\"123456782\"}]}"},
    {"nl.ivtd.Subject.Find", "{\"bsn\":\"111222333\"}"},
    {"nl.ivtd.Subject.Answer", "{\"subject\":\"@S2\"}"},
    {"nl.ivtd.Subject.Resolve", "{\"subject\":\"@S2\"}"},
    {"nl.ivtd.User.Add", "{\"role\":\"privacy\"}"},
    {"nl.ivtd.User.Disable", "{\"name\":\"priv\"}"},
    {"nl.ivtd.User.Enable", "{\"name\":\"priv\"}"},
};

/* Plausible values for string fields, by field name. */
static const struct {
	const char *field, *value;
} strings[] = {
    {"date", "@TODAY"},
    {"visit_date", "@TODAY"},
    {"start", "09:00"},
    {"end", "17:00"},
    {"street", "Lindelaan"},
    {"huisnummer", "7"},
    {"postcode", "3511AB"},
    {"woonplaats", "Utrecht"},
    {"gemeente", "Utrecht"},
    {"name", "Nieuw"},
    {"problem", "Woonfraude"},
    {"legal_basis", "LSI-convenant"},
    {"purpose", "Handhaving"},
    {"meeting_point", "Wijkbureau Noord"},
    {"rationale", "Akkoord"},
    {"reason", "Weersverwachting"},
    {"note", "Overleg met de partners"},
    {"notes", "Niets aan de hand"},
    {"reference", "AP-2026-119"},
    {"indicator", "leegstand"},
    {"source", "BAG"},
    {"role", "privacy"},
    {"user", "p3"},
    {"partner", "UWV"},
};

/* Required arrays that must not be empty, by field name. */
static const struct {
	const char *field, *value;
} arrays[] = {
    {"area", "[\"3511AB\"]"},
    {"rights", "[\"leveren\"]"},
    {"subjects", "[\"@S3\"]"},
};

struct fx {
	char dir[64];
	struct config cfg;
	struct daemon_ctx ctx;
	sqlite3 *snap;      /* the fixture, to restore after a change */
	uint64_t sum;       /* its checksum */
	int64_t p1, p2;     /* projects */
	int64_t s1, s2, s3; /* subjects */
	int64_t day, finding;
	char today[16], future[16], backup[128];
	int verbose;
};

static const char *
error_of(const json_t *r)
{
	return json_string_value(json_object_get(r, "error"));
}

static const char *
reason_of(const json_t *r)
{
	const json_t *p = json_object_get(r, "parameters");
	const char *s;

	if ((s = json_string_value(json_object_get(p, "reason"))) != NULL)
		return s;
	if ((s = json_string_value(json_object_get(p, "parameter"))) != NULL)
		return s;
	return "";
}

/* Dispatch method(params) as uid; params is borrowed. */
static json_t *
dispatch(struct fx *f, uid_t uid, const char *method, json_t *params)
{
	json_t *msg, *r;
	int close_after;

	msg = json_pack("{s:s,s:O}", "method", method, "parameters", params);
	assert_non_null(msg);
	r = varlink_dispatch(&f->ctx, uid, 1, msg, &close_after);
	json_decref(msg);
	assert_non_null(r);
	return r;
}

/* A fixture call that must succeed; params is stolen.  The reply's
 * parameters, owned by the caller. */
static json_t *
must(struct fx *f, uid_t uid, const char *method, json_t *params)
{
	json_t *r, *p;

	assert_non_null(params);
	r = dispatch(f, uid, method, params);
	json_decref(params);
	if (error_of(r) != NULL)
		fail_msg("fixture: %s: %s (%s)", method, error_of(r),
		         reason_of(r));
	p = json_incref(json_object_get(r, "parameters"));
	json_decref(r);
	return p;
}

/* The same, returning reply.key.id. */
static int64_t
must_id(struct fx *f, uid_t uid, const char *method, json_t *params,
        const char *key)
{
	json_t *p = must(f, uid, method, params);
	json_int_t id;

	id = json_integer_value(json_object_get(json_object_get(p, key), "id"));
	json_decref(p);
	assert_true(id > 0);
	return (int64_t)id;
}

static void
done(struct fx *f, uid_t uid, const char *method, json_t *params)
{
	json_decref(must(f, uid, method, params));
}

/* --- database checksum and snapshot ------------------------------------ */

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The rows of one table, as a sum of row hashes: independent of order,
 * so WITHOUT ROWID tables need no ORDER BY. */
static uint64_t
table_sum(sqlite3 *db, const char *table)
{
	char sql[256];
	sqlite3_stmt *st;
	uint64_t sum = 0, h;
	int i, n, type, len;

	snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"", table);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	n = sqlite3_column_count(st);
	while (sqlite3_step(st) == SQLITE_ROW) {
		h = fnv(0xcbf29ce484222325ULL, table, strlen(table) + 1);
		for (i = 0; i < n; i++) {
			type = sqlite3_column_type(st, i);
			h = fnv(h, &type, sizeof(type));
			if (type == SQLITE_NULL)
				continue;
			if (type == SQLITE_INTEGER) {
				sqlite3_int64 v = sqlite3_column_int64(st, i);
				h = fnv(h, &v, sizeof(v));
				continue;
			}
			if (type == SQLITE_FLOAT) {
				double v = sqlite3_column_double(st, i);
				h = fnv(h, &v, sizeof(v));
				continue;
			}
			len = sqlite3_column_bytes(st, i);
			h = fnv(h, &len, sizeof(len));
			h = fnv(h, sqlite3_column_blob(st, i), (size_t)len);
		}
		sum += h;
	}
	assert_int_equal(sqlite3_finalize(st), SQLITE_OK);
	return sum;
}

/* Every table but the audit log. */
static uint64_t
db_sum(struct fx *f)
{
	static const char sql[] =
	    "SELECT name FROM sqlite_master WHERE type = 'table' AND "
	    "name NOT IN ('audit', 'audit_checkpoint') ORDER BY name";
	sqlite3 *db = f->ctx.store->db;
	sqlite3_stmt *st;
	uint64_t sum = 0;
	char name[128];
	int ntables = 0;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(name, sizeof(name), "%s", sqlite3_column_text(st, 0));
		/* Mixed per table, so a row cannot move unnoticed. */
		sum = sum * 31 + table_sum(db, name);
		ntables++;
	}
	assert_int_equal(sqlite3_finalize(st), SQLITE_OK);
	assert_true(ntables > 10);
	return sum;
}

static void
copy_db(sqlite3 *to, sqlite3 *from)
{
	sqlite3_backup *b;

	b = sqlite3_backup_init(to, "main", from, "main");
	assert_non_null(b);
	assert_int_equal(sqlite3_backup_step(b, -1), SQLITE_DONE);
	assert_int_equal(sqlite3_backup_finish(b), SQLITE_OK);
}

static int64_t
scalar(struct fx *f, const char *sql)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	assert_int_equal(
	    sqlite3_prepare_v2(f->ctx.store->db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* --- the fixture -------------------------------------------------------- */

static void
build_fixture(struct fx *f)
{
	static const char *const gates[] = {"probleemdefinitie",
	                                    "collegebesluit", "rpf", "lsi"};
	static const struct {
		const char *name, *role, *org;
		uid_t uid;
	} users[] = {
	    {"pl_a", "projectleider", NULL, 2001},
	    {"pl_b", "projectleider", NULL, 2002},
	    {"p1", "partner", "UWV", 2011},
	    {"p2", "partner", "SVB", 2012},
	    {"p3", "partner", "Politie", 2013},
	    {"p4", "partner", "GGD", 2014},
	    {"priv", "privacy", NULL, 2020},
	};
	static const char *const partners[] = {"UWV", "SVB", "Politie", "GGD"};
	const uid_t pl = 2001;
	size_t i;

	for (i = 0; i < 4; i++)
		done(f, 0, "nl.ivtd.Partner.Add",
		     json_pack("{s:s,s:s}", "name", partners[i], "kind",
		               "landelijke_dienst"));
	for (i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		json_t *p =
		    json_pack("{s:I,s:s,s:s}", "uid", (json_int_t)users[i].uid,
		              "name", users[i].name, "role", users[i].role);

		if (users[i].org != NULL)
			json_object_set_new(p, "org",
			                    json_string(users[i].org));
		done(f, 0, "nl.ivtd.User.Add", p);
	}
	/* Project 1, led by pl_a, through the gates into operationeel. */
	f->p1 = must_id(f, pl, "nl.ivtd.Project.Create",
	                json_pack("{s:s,s:s,s:s,s:[],s:[s],s:s,s:s}", "name",
	                          "Wijkaanpak Noord", "gemeente", "Utrecht",
	                          "problem", "Woonfraude", "themes", "area",
	                          "3511AA-3511ZZ", "legal_basis",
	                          "LSI-convenant", "purpose", "Handhaving"),
	                "project");
	f->p2 = must_id(f, 2002, "nl.ivtd.Project.Create",
	                json_pack("{s:s,s:s,s:s,s:[],s:[s],s:s,s:s}", "name",
	                          "Wijkaanpak Zuid", "gemeente", "Utrecht",
	                          "problem", "Overbewoning", "themes", "area",
	                          "3521AA-3521ZZ", "legal_basis",
	                          "LSI-convenant", "purpose", "Handhaving"),
	                "project");
	done(f, pl, "nl.ivtd.Project.Advance",
	     json_pack("{s:I,s:s}", "id", (json_int_t)f->p1, "rationale",
	               "start"));
	for (i = 0; i < 4; i++)
		done(f, pl, "nl.ivtd.Project.Decide",
		     json_pack("{s:I,s:s,s:b,s:s}", "id", (json_int_t)f->p1,
		               "gate", gates[i], "go", 1, "rationale",
		               "akkoord"));
	done(f, pl, "nl.ivtd.Project.Advance",
	     json_pack("{s:I,s:s}", "id", (json_int_t)f->p1, "rationale",
	               "alle GO"));
	done(f, pl, "nl.ivtd.Protocol.Register",
	     json_pack("{s:I,s:s,s:s}", "project", (json_int_t)f->p1, "date",
	               f->today, "reference", "AP-2026-118"));
	/* SVB gets leveren for now: to answer and record a finding that it
	 * may later edit with bewerken only. */
	done(f, pl, "nl.ivtd.Protocol.Grant",
	     json_pack("{s:I,s:s,s:[s]}", "project", (json_int_t)f->p1,
	               "partner", "UWV", "rights", "leveren"));
	done(f, pl, "nl.ivtd.Protocol.Grant",
	     json_pack("{s:I,s:s,s:[s,s]}", "project", (json_int_t)f->p1,
	               "partner", "SVB", "rights", "leveren", "bewerken"));
	done(f, pl, "nl.ivtd.Protocol.Grant",
	     json_pack("{s:I,s:s,s:[s]}", "project", (json_int_t)f->p1,
	               "partner", "Politie", "rights", "inlezen"));
	done(f, pl, "nl.ivtd.Project.Advance",
	     json_pack("{s:I,s:s}", "id", (json_int_t)f->p1, "rationale",
	               "selectie"));
	/* s1: a person, nobody interested; s2: every partner interested;
	 * s3: nobody interested, stays gereed. */
	f->s1 = must_id(f, pl, "nl.ivtd.Subject.Create",
	                json_pack("{s:I,s:s,s:s,s:s,s:s,s:[{s:s}]}", "project",
	                          (json_int_t)f->p1, "street", "Dorpsstraat",
	                          "huisnummer", "1", "postcode", "3511AB",
	                          "woonplaats", "Utrecht", "persons", "bsn",
	                          "111222333"),
	                "subject");
	f->s2 = must_id(f, pl, "nl.ivtd.Subject.Create",
	                json_pack("{s:I,s:s,s:s,s:s,s:s,s:[s,s,s,s]}",
	                          "project", (json_int_t)f->p1, "street",
	                          "Kerkweg", "huisnummer", "2", "postcode",
	                          "3511AB", "woonplaats", "Utrecht", "partners",
	                          "UWV", "SVB", "Politie", "GGD"),
	                "subject");
	f->s3 = must_id(f, pl, "nl.ivtd.Subject.Create",
	                json_pack("{s:I,s:s,s:s,s:s,s:s}", "project",
	                          (json_int_t)f->p1, "street", "Molenlaan",
	                          "huisnummer", "3", "postcode", "3511AB",
	                          "woonplaats", "Utrecht"),
	                "subject");
	done(f, pl, "nl.ivtd.Subject.Actualise",
	     json_pack("{s:I}", "project", (json_int_t)f->p1));
	done(f, 2012, "nl.ivtd.Subject.Answer",
	     json_pack("{s:I,s:s}", "subject", (json_int_t)f->s2, "answer",
	               "relevant"));
	/* s1 handed out to Politie's employee, and visited by SVB. */
	done(
	    f, pl, "nl.ivtd.Day.Assign",
	    json_pack("{s:I,s:s}", "subject", (json_int_t)f->s1, "user", "p3"));
	f->finding = must_id(
	    f, 2012, "nl.ivtd.Finding.Add",
	    json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s}", "subject",
	              (json_int_t)f->s1, "visit_date", f->today, "category",
	              "zwartwerk", "notes", "Werkplaats aan huis", "action",
	              "nader_onderzoek", "due", f->future, "owner", "UWV"),
	    "finding");
	done(f, pl, "nl.ivtd.Protocol.Revoke",
	     json_pack("{s:I,s:s,s:[s]}", "project", (json_int_t)f->p1,
	               "partner", "SVB", "rights", "leveren"));
	f->day = must_id(
	    f, pl, "nl.ivtd.Day.Create",
	    json_pack("{s:I,s:s,s:s,s:s,s:[s],s:s,s:[{s:s,s:i}],s:s,s:b}",
	              "project", (json_int_t)f->p1, "date", f->future, "start",
	              "09:00", "end", "17:00", "area", "3511AB",
	              "meeting_point", "Wijkbureau Noord", "partners",
	              "partner", "UWV", "staff", 1, "police", "present",
	              "police_informed", 1),
	    "day");
	done(f, pl, "nl.ivtd.Journal.Add",
	     json_pack("{s:I,s:s,s:s}", "project", (json_int_t)f->p1, "kind",
	               "overleg", "note", "Startoverleg"));
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char path[128], err[256];

	if (f == NULL || crypto_init() == -1)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/ivt-matrix-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	config_defaults(&f->cfg);
	/* Every denial here must leave its entry: the unknown uid calls
	 * every method, far beyond the default allowance (test_limits). */
	f->cfg.denials_burst = 1000000;
	f->cfg.denials_total_burst = 1000000;
	snprintf(path, sizeof(path), "%s/t.db", f->dir);
	/* Admin.Backup copies the database it finds here. */
	snprintf(f->cfg.db_path, sizeof(f->cfg.db_path), "%s", path);
	snprintf(f->backup, sizeof(f->backup), "%s/backup.db", f->dir);
	date_format(date_today(), f->today, sizeof(f->today));
	date_format(date_today() + 7, f->future, sizeof(f->future));
	f->verbose = getenv("IVT_MATRIX_VERBOSE") != NULL;
	f->ctx.cfg = &f->cfg;
	/* Master key and key store (keys.h) in the test directory. */
	snprintf(f->cfg.key_path, sizeof(f->cfg.key_path), "%s/master.key",
	         f->dir);
	f->ctx.store = store_open(path, err, sizeof(err));
	if (f->ctx.store == NULL || keys_open(&f->ctx, 1, err, sizeof(err)) ||
	    varlink_init(&f->ctx, err, sizeof(err)) == -1 ||
	    auth_bootstrap(f->ctx.store, f->ctx.crypto, 0, 1000) == -1)
		return -1;
	*state = f;
	build_fixture(f);
	if (sqlite3_open(":memory:", &f->snap) != SQLITE_OK)
		return -1;
	copy_db(f->snap, f->ctx.store->db);
	f->sum = db_sum(f);
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	sqlite3_close(f->snap);
	varlink_free(&f->ctx);
	keys_close(&f->ctx);
	store_close(f->ctx.store);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* --- parameters from the interface -------------------------------------- */

static const struct idl_type *
resolve_type(const struct idl_interface *iface, const struct idl_type *t)
{
	size_t i;

	while (t->kind == IDL_NAMED) {
		for (i = 0; i < iface->ntypes; i++) {
			if (strcmp(iface->types[i].name, t->ref) == 0)
				break;
		}
		assert_true(i < iface->ntypes);
		t = iface->types[i].type;
	}
	return t;
}

/* The fixture object an int field names: "id" is the object of the
 * method's own interface. */
static json_int_t
int_for(const struct fx *f, const char *iface, const char *field)
{
	if (strcmp(field, "id") == 0) {
		if (strcmp(iface, "nl.ivtd.Project") == 0)
			return f->p1;
		if (strcmp(iface, "nl.ivtd.Subject") == 0)
			return f->s1;
		if (strcmp(iface, "nl.ivtd.Day") == 0)
			return f->day;
		if (strcmp(iface, "nl.ivtd.Finding") == 0)
			return f->finding;
		fail_msg("%s: which fixture object is \"id\"?", iface);
	}
	if (strcmp(field, "project") == 0)
		return f->p1;
	if (strcmp(field, "subject") == 0)
		return f->s1;
	if (strcmp(field, "day") == 0)
		return f->day;
	if (strcmp(field, "uid") == 0)
		return 4000;
	if (strcmp(field, "phase") == 0)
		return 0;
	return 1;
}

static json_t *gen_struct(const struct fx *, const struct idl_interface *,
                          const struct idl_type *);

static json_t *
gen_value(const struct fx *f, const struct idl_interface *iface,
          const char *field, const struct idl_type *t)
{
	size_t i;

	t = resolve_type(iface, t);
	switch (t->kind) {
	case IDL_BOOL:
		return json_false();
	case IDL_INT:
		return json_integer(int_for(f, iface->name, field));
	case IDL_FLOAT:
		return json_real(1.0);
	case IDL_STRING:
		for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
			if (strcmp(strings[i].field, field) == 0)
				return json_string(strings[i].value);
		}
		return json_string("x");
	case IDL_ENUM:
		return json_string(t->fields[0].name);
	case IDL_STRUCT:
		return gen_struct(f, iface, t);
	case IDL_ARRAY:
		for (i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++) {
			if (strcmp(arrays[i].field, field) == 0)
				return json_loads(arrays[i].value, 0, NULL);
		}
		return json_array();
	case IDL_OBJECT:
	case IDL_MAP:
	case IDL_NAMED:
		break;
	}
	return json_object();
}

/* Every required member; optional ones (?T) are left out. */
static json_t *
gen_struct(const struct fx *f, const struct idl_interface *iface,
           const struct idl_type *t)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < t->nfields; i++) {
		if (t->fields[i].type->nullable)
			continue;
		json_object_set_new(
		    o, t->fields[i].name,
		    gen_value(f, iface, t->fields[i].name, t->fields[i].type));
	}
	return o;
}

/* A fixture value for "@NAME", or NULL. */
static json_t *
placeholder(const struct fx *f, const char *s)
{
	if (strcmp(s, "@P1") == 0)
		return json_integer(f->p1);
	if (strcmp(s, "@S2") == 0)
		return json_integer(f->s2);
	if (strcmp(s, "@S3") == 0)
		return json_integer(f->s3);
	if (strcmp(s, "@TODAY") == 0)
		return json_string(f->today);
	if (strcmp(s, "@FUTURE") == 0)
		return json_string(f->future);
	if (strcmp(s, "@BACKUP") == 0)
		return json_string(f->backup);
	fail_msg("unknown placeholder %s", s);
	return NULL;
}

/* Replace every "@NAME" string in v (in place). */
static void
fill(const struct fx *f, json_t *v)
{
	const char *key;
	json_t *e;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, key, e)
		{
			if (json_is_string(e) && json_string_value(e)[0] == '@')
				json_object_set_new(
				    v, key,
				    placeholder(f, json_string_value(e)));
			else
				fill(f, e);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e)
		{
			if (json_is_string(e) && json_string_value(e)[0] == '@')
				json_array_set_new(
				    v, i, placeholder(f, json_string_value(e)));
			else
				fill(f, e);
		}
	}
}

static json_t *
params_for(const struct fx *f, const struct idl_interface *iface,
           const struct idl_method *m, const char *name)
{
	json_t *p = gen_struct(f, iface, m->in), *o;
	size_t i;

	for (i = 0; i < sizeof(overrides) / sizeof(overrides[0]); i++) {
		if (strcmp(overrides[i].method, name) != 0)
			continue;
		o = json_loads(overrides[i].params, 0, NULL);
		assert_non_null(o);
		assert_int_equal(json_object_update(p, o), 0);
		json_decref(o);
	}
	fill(f, p);
	return p;
}

/* --- the matrix -------------------------------------------------------- */

struct tally {
	size_t methods, calls, allowed, denied, restored, failures;
	unsigned char seen_known[sizeof(known) / sizeof(known[0])];
};

static const struct policy *
policy_for(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(policy) / sizeof(policy[0]); i++) {
		if (strcmp(policy[i].method, name) == 0)
			return &policy[i];
	}
	return NULL;
}

static int
known_deviation(struct tally *t, const char *name, enum who w)
{
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (known[i].method != NULL &&
		    strcmp(known[i].method, name) == 0 && known[i].who == w) {
			t->seen_known[i] = 1;
			return 1;
		}
	}
	return 0;
}

/* A denial must change nothing and leave exactly one "denied" entry. */
static void
check_denial(struct fx *f, struct tally *t, const char *name, enum who w,
             int64_t entries_before)
{
	static const char last[] =
	    "SELECT result = 'denied' AND method = ?1 AND actor_uid = ?2 "
	    "FROM audit ORDER BY seq DESC LIMIT 1";
	sqlite3_stmt *st;
	int ok = 0;

	if (scalar(f, "SELECT count(*) FROM audit") != entries_before + 1) {
		print_error("%s as %s: a denial must add one audit entry\n",
		            name, callers[w].label);
		t->failures++;
	}
	assert_int_equal(
	    sqlite3_prepare_v2(f->ctx.store->db, last, -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)callers[w].uid);
	if (sqlite3_step(st) == SQLITE_ROW)
		ok = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (!ok) {
		print_error("%s as %s: no audit entry with result denied\n",
		            name, callers[w].label);
		t->failures++;
	}
	/* Last: a failure restores the fixture, audit log and all. */
	if (db_sum(f) != f->sum) {
		print_error("%s as %s: denied, but the database changed\n",
		            name, callers[w].label);
		t->failures++;
		copy_db(f->ctx.store->db, f->snap);
	}
}

/* Does an allowed reply show exactly what the caller may see? */
static void
check_visible(const struct fx *f, struct tally *t, const char *name,
              const json_t *r, enum who w)
{
	const json_t *list, *e;
	json_int_t id;
	size_t i, j;
	int shown = 0;

	for (i = 0; i < sizeof(visible) / sizeof(visible[0]); i++) {
		if (strcmp(visible[i].method, name) == 0 &&
		    visible[i].see[w] != '.')
			break;
	}
	if (i == sizeof(visible) / sizeof(visible[0]))
		return;
	id = visible[i].object == 'P'   ? f->p1
	     : visible[i].object == 'S' ? f->s1
	                                : f->finding;
	list =
	    json_object_get(json_object_get(r, "parameters"), visible[i].key);
	assert_true(json_is_array(list));
	json_array_foreach(list, j, e)
	{
		if (json_integer_value(json_object_get(e, "id")) == id)
			shown = 1;
	}
	if (shown != (visible[i].see[w] == 'Y')) {
		print_error("%s as %s: the fixture object is %s\n", name,
		            callers[w].label, shown ? "shown" : "missing");
		t->failures++;
	}
}

/* Replies that mean the test, not the policy, is wrong. */
static int
untestable(const char *error)
{
	return error != NULL &&
	       (strcmp(error, "org.varlink.service.InvalidParameter") == 0 ||
	        strcmp(error, "org.varlink.service.MethodNotImplemented") ==
	            0 ||
	        strcmp(error, "nl.ivtd.Internal") == 0);
}

static void
run_cell(struct fx *f, struct tally *t, const char *name, json_t *params,
         const struct policy *pol, enum who w)
{
	int64_t before = scalar(f, "SELECT count(*) FROM audit");
	int want, denied;
	const char *error;
	json_t *r;

	r = dispatch(f, callers[w].uid, name, params);
	error = error_of(r);
	denied =
	    error != NULL && strcmp(error, "nl.ivtd.PermissionDenied") == 0;
	want = pol->allow[w] == 'A';
	t->calls++;
	if (f->verbose)
		print_message("%-44s %-30s %s %s\n", name, callers[w].label,
		              error ? error : "ok", error ? reason_of(r) : "");
	if (untestable(error)) {
		print_error("%s as %s: cannot judge: %s (%s)\n", name,
		            callers[w].label, error, reason_of(r));
		t->failures++;
	} else if (want == denied && !known_deviation(t, name, w)) {
		print_error("%s as %s: policy says %s, daemon %s (%s%s%s)\n",
		            name, callers[w].label, want ? "allowed" : "denied",
		            denied ? "denied" : "allowed", error ? error : "ok",
		            error ? ": " : "", error ? reason_of(r) : "");
		t->failures++;
	}
	if (error == NULL)
		check_visible(f, t, name, r, w);
	json_decref(r);
	if (denied) {
		t->denied++;
		check_denial(f, t, name, w, before);
	} else {
		t->allowed++;
		if (db_sum(f) != f->sum) {
			copy_db(f->ctx.store->db, f->snap);
			t->restored++;
		}
	}
}

static void
test_matrix(void **state)
{
	struct fx *f = *state;
	const struct idl_interface *iface;
	const struct idl_method *m;
	const struct policy *pol;
	struct audit_verify_result vr;
	struct tally t;
	char name[256];
	json_t *params;
	size_t i, j, w, nrows = 0;

	memset(&t, 0, sizeof(t));
	for (i = 0; i < f->ctx.nifaces; i++) {
		iface = f->ctx.ifaces[i];
		for (j = 0; j < iface->nmethods; j++) {
			m = &iface->methods[j];
			snprintf(name, sizeof(name), "%s.%s", iface->name,
			         m->name);
			t.methods++;
			if ((pol = policy_for(name)) == NULL) {
				print_error("%s: not in the policy table\n",
				            name);
				t.failures++;
				continue;
			}
			nrows++;
			assert_int_equal(strlen(pol->allow), NWHO);
			params = params_for(f, iface, m, name);
			for (w = 0; w < NWHO; w++)
				run_cell(f, &t, name, params, pol, (enum who)w);
			json_decref(params);
		}
	}
	if (nrows != sizeof(policy) / sizeof(policy[0])) {
		print_error("the policy table names methods no interface "
		            "has\n");
		t.failures++;
	}
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (known[i].method == NULL || t.seen_known[i])
			continue;
		print_error("%s as %s: listed as a known deviation, but the "
		            "daemon follows the policy now: remove it\n",
		            known[i].method, callers[known[i].who].label);
		t.failures++;
	}
	/* The restores really brought the fixture back, with an intact
	 * audit chain that holds the last method's denials. */
	assert_true(db_sum(f) == f->sum);
	assert_int_equal(
	    audit_verify(f->ctx.store, f->ctx.crypto, &vr, NULL, NULL), 0);
	assert_int_equal(vr.bad_seq, 0);
	print_message("access matrix: %zu methods x %d callers = %zu calls, "
	              "%zu allowed, %zu denied, %zu restores, %zu known "
	              "deviations\n",
	              t.methods, NWHO, t.calls, t.allowed, t.denied, t.restored,
	              sizeof(known) / sizeof(known[0]) - 1);
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (known[i].method != NULL)
			print_message(
			    "known deviation: %s as %s: %s\n", known[i].method,
			    callers[known[i].who].label, known[i].why);
	}
	if (t.failures > 0)
		fail_msg("%zu cells disagree with the policy", t.failures);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_matrix, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
