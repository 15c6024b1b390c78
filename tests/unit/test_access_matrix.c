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

#include "tfix.h"

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
 *   admin       the system (users, partners, keys, backup, audit log),
 *               every project's metadata, leaders and retention
 *               (access.h): never personal data, so nothing about
 *               subjects, days' work, findings or the journal, and no
 *               decision of the project's (gates, phases, protocol)
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
    /* "Days are managed by the project's projectleiders; admins and
     * every partner admitted to the project see its days" */
    {"-A-------", "nl.ivtd.Day.Create"},
    {"-A-------", "nl.ivtd.Day.Update"},
    {"-A-------", "nl.ivtd.Day.Confirm"},
    {"-A-------", "nl.ivtd.Day.Cancel"},
    {"AA-AAA-A-", "nl.ivtd.Day.List"},
    {"AA-AAA-A-", "nl.ivtd.Day.Show"},
    {"-A-------", "nl.ivtd.Day.Plan"},
    {"-A-------", "nl.ivtd.Day.Unplan"},
    {"-A-------", "nl.ivtd.Day.Suggest"},
    /* the calendar event holds no personal data */
    {"AA-AAA-A-", "nl.ivtd.Day.Export"},
    {"-A-------", "nl.ivtd.Day.Assign"},
    {"-A-------", "nl.ivtd.Day.Unassign"},
    /* "your upcoming days": every user has their own */
    {"AAAAAAAA-", "nl.ivtd.Day.Mine"},
    {"-A-------", "nl.ivtd.Day.Done"},
    /* "Record your organisation's finding (needs leveren)" */
    {"---A-----", "nl.ivtd.Finding.Add"},
    /* "Change your organisation's finding (needs bewerken)"; the
     * fixture finding was recorded by the bewerken partner */
    {"----A----", "nl.ivtd.Finding.Update"},
    /* "Your organisation's findings, and with inlezen everyone's";
     * findings are about a household: not for the privacy officer */
    {"-A-AAA---", "nl.ivtd.Finding.List"},
    /* the history of a finding is that finding: the same readers as
     * List, and the leveren partner did not record it */
    {"-A--AA---", "nl.ivtd.Finding.History"},
    /* open follow-ups of a project: reading findings, needs inlezen;
     * an owner organisation with leveren lists the ones it owns */
    {"-A-A-A---", "nl.ivtd.Finding.FollowupList"},
    /* "The owner organisation marks its follow-up done" (owner: the
     * leveren partner), or the back office: the project's leaders */
    {"-A-A-----", "nl.ivtd.Finding.FollowupDone"},
    /* "the projectleider measures the effect" */
    {"-A-------", "nl.ivtd.Finding.MeasureSet"},
    /* "Aggregates only"; "privacy reads the report"; a partner needs
     * inlezen (the live figures would answer what it may not read) */
    {"AA---A-A-", "nl.ivtd.Finding.Report"},
    /* journal add "Needs leveren", journal list "needs inlezen" */
    {"-A-A-----", "nl.ivtd.Journal.Add"},
    {"-A---A---", "nl.ivtd.Journal.List"},
    /* "Adding is for admins; every known user may list." */
    {"A--------", "nl.ivtd.Partner.Add"},
    {"AAAAAAAA-", "nl.ivtd.Partner.List"},
    /* "The register is public to every known user." */
    {"AAAAAAAA-", "nl.ivtd.Privacy.Register"},
    {"-------A-", "nl.ivtd.Privacy.Inzage"},
    /* "Admins and projectleiders create projects; a projectleider sees
     * and changes only the projects they lead, a partner only those
     * its organisation is admitted to, the privacy officer all"; the
     * GO/NO-GO decisions, phases and the protocol are the leaders'
     * (an admin names leaders: Project.Update) */
    {"AAA------", "nl.ivtd.Project.Create"},
    {"AAAAAAAA-", "nl.ivtd.Project.List"},
    {"AA-AAA-A-", "nl.ivtd.Project.Show"},
    {"AA-------", "nl.ivtd.Project.Update"},
    {"-A-------", "nl.ivtd.Project.Decide"},
    {"-A-------", "nl.ivtd.Project.Advance"},
    {"AA-AAA-A-", "nl.ivtd.Project.History"},
    {"-A-------", "nl.ivtd.Protocol.Grant"},
    {"-A-------", "nl.ivtd.Protocol.Revoke"},
    {"-A-------", "nl.ivtd.Protocol.Register"},
    {"AA-AAA-A-", "nl.ivtd.Protocol.Show"},
    /* subject add "Needs leveren"; reading needs inlezen */
    {"-A-A-----", "nl.ivtd.Subject.Create"},
    {"-A---A---", "nl.ivtd.Subject.Show"},
    {"-A---A---", "nl.ivtd.Subject.List"},
    /* "in the projects you may read": a search by anyone who may read
     * some personal data finds only that; never the privacy officer */
    {"-AAAAAA--", "nl.ivtd.Subject.Find"},
    {"-A-------", "nl.ivtd.Subject.Actualise"},
    /* "A partner's answer for its organisation; the first answer needs
     * leveren, changing it bewerken" (the bewerken partner answered
     * before, the others not; every partner has an interest) */
    {"---AA----", "nl.ivtd.Subject.Answer"},
    /* "The projectleider decides a conflict." */
    {"-A-------", "nl.ivtd.Subject.Resolve"},
    /* "The project's projectleiders" visit a subject again. */
    {"-A-------", "nl.ivtd.Subject.Revisit"},
    /* "The projectleider takes a subject out of the investigation." */
    {"-A-------", "nl.ivtd.Subject.Drop"},
    /* "These commands are for the admin role." */
    /* subject import "needs leveren", as subject add; the other calls
     * act on the caller's own session, which nobody else can name: a
     * caller without one gets NotFound, never another's import */
    {"-A-A-----", "nl.ivtd.Import.Begin"},
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
    {".YNNNYN..", "nl.ivtd.Subject.Find", "subjects", 'S'},
    /* the finding is the bewerken partner's own */
    {".Y.NYY...", "nl.ivtd.Finding.List", "findings", 'F'},
};

struct fx {
	struct tfix t;      /* t.snap: the fixture, to restore after a change */
	int64_t p1, p2;     /* projects */
	int64_t s1, s2, s3; /* subjects */
	int64_t day, finding;
	char backup[128];
	int verbose;
	struct tfix_name names[8]; /* "@P1": the fields above */
	struct tfix_gen gen;
};

/* --- the fixture -------------------------------------------------------- */

/*
 * The parameters of each method: what tfix_gen derives from the input
 * type, with tfix's overrides for the fixture that this test and
 * test_limits_params share (none of this test's own).  A string "@NAME"
 * stands for a fixture value (names).
 */
static void
setup_gen(struct fx *f)
{
	const struct tfix_name names[] = {
	    {"@P1", &f->p1, NULL},         {"@S1", &f->s1, NULL},
	    {"@S2", &f->s2, NULL},         {"@S3", &f->s3, NULL},
	    {"@DAY", &f->day, NULL},       {"@FINDING", &f->finding, NULL},
	    {"@BACKUP", NULL, f->backup},  {NULL, NULL, NULL},
	};

	assert_int_equal(sizeof(names), sizeof(f->names));
	memcpy(f->names, names, sizeof(names));
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
	/* Project 1, led by pl_a, through the gates into operationeel. */
	tfix_operational(t, pl, f->p1);
	/* SVB gets leveren for now: to answer and record a finding that it
	 * may later edit with bewerken only.  s1: a person, nobody
	 * interested; s2: every partner interested; s3: nobody interested,
	 * stays gereed. */
	tfix_grants_subjects(t, pl, f->p1, s);
	f->s1 = s[0];
	f->s2 = s[1];
	f->s3 = s[2];
	/* s1 handed out to Politie's employee, and visited by SVB. */
	f->finding = tfix_work(t, pl, f->p1, s);
	tfix_done(t, pl, "nl.ivtd.Protocol.Revoke",
	          json_pack("{s:I,s:s,s:[s]}", "project", (json_int_t)f->p1,
	                    "partner", "SVB", "rights", "leveren"));
	f->day = tfix_day(t, pl, f->p1);
	tfix_done(t, pl, "nl.ivtd.Journal.Add",
	          json_pack("{s:I,s:s,s:s}", "project", (json_int_t)f->p1,
	                    "kind", "overleg", "note", "Startoverleg"));
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL || tfix_init(&f->t, "matrix") == -1)
		return -1;
	/* Every denial here must leave its entry: the unknown uid calls
	 * every method, far beyond the default allowance (test_limits). */
	f->t.cfg.denials_burst = 1000000;
	f->t.cfg.denials_total_burst = 1000000;
	if (tfix_open(&f->t, TFIX_DAEMON) == -1)
		return -1;
	/* Admin.Backup writes here (cfg.db_path is the database it copies). */
	snprintf(f->backup, sizeof(f->backup), "%s/backup.db", f->t.dir);
	f->verbose = getenv("IVT_MATRIX_VERBOSE") != NULL;
	*state = f;
	setup_gen(f);
	build_fixture(f);
	tfix_snapshot(&f->t);
	return 0;
}

/* --- parameters from the interface -------------------------------------- */

static json_t *
params_for(const struct fx *f, const struct idl_interface *iface,
           const struct idl_method *m, const char *name)
{
	json_t *p = tfix_gen_params(&f->gen, iface, m, name);

	tfix_fill(&f->t, p, tfix_lookup_names, f->names);
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
	if (tfix_scalar(&f->t, "SELECT count(*) FROM audit") !=
	    entries_before + 1) {
		print_error("%s as %s: a denial must add one audit entry\n",
		            name, callers[w].label);
		t->failures++;
	}
	if (!tfix_last_denied(&f->t, name, callers[w].uid)) {
		print_error("%s as %s: no audit entry with result denied\n",
		            name, callers[w].label);
		t->failures++;
	}
	/* Last: a failure restores the fixture, audit log and all. */
	if (tfix_db_sum(&f->t) != f->t.sum) {
		print_error("%s as %s: denied, but the database changed\n",
		            name, callers[w].label);
		t->failures++;
		tfix_restore(&f->t);
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
	int64_t before = tfix_scalar(&f->t, "SELECT count(*) FROM audit");
	int want, denied;
	const char *error;
	json_t *r;

	r = tfix_call(&f->t, callers[w].uid, name, params);
	error = tfix_error(r);
	denied =
	    error != NULL && strcmp(error, "nl.ivtd.PermissionDenied") == 0;
	want = pol->allow[w] == 'A';
	t->calls++;
	if (f->verbose)
		print_message("%-44s %-30s %s %s\n", name, callers[w].label,
		              error ? error : "ok",
		              error ? tfix_reason(r) : "");
	if (untestable(error)) {
		print_error("%s as %s: cannot judge: %s (%s)\n", name,
		            callers[w].label, error, tfix_reason(r));
		t->failures++;
	} else if (want == denied && !known_deviation(t, name, w)) {
		print_error("%s as %s: policy says %s, daemon %s (%s%s%s)\n",
		            name, callers[w].label, want ? "allowed" : "denied",
		            denied ? "denied" : "allowed", error ? error : "ok",
		            error ? ": " : "", error ? tfix_reason(r) : "");
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
		if (tfix_db_sum(&f->t) != f->t.sum) {
			tfix_restore(&f->t);
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
	for (i = 0; i < f->t.ctx.nifaces; i++) {
		iface = f->t.ctx.ifaces[i];
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
	assert_true(tfix_db_sum(&f->t) == f->t.sum);
	assert_int_equal(
	    audit_verify(f->t.ctx.store, f->t.ctx.crypto, &vr, NULL, NULL), 0);
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
	    cmocka_unit_test_setup_teardown(test_matrix, setup, tfix_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
