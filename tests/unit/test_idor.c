/*
 * test_idor.c - no method lets a caller reach an object of another
 * project through its id (insecure direct object references).
 *
 * Two running projects: Alfa, led by pl_alfa, with UWV and Politie
 * admitted with every right; and Bravo, led by bob, with SVB.  Bravo has
 * an object of every kind that has an id of its own: subjects in every
 * status (one in which UWV has an interest although it is not admitted),
 * a confirmed day with a visit and findings, a concept day, assignments
 * (one to UWV's employee), a journal entry, a measurement, an import
 * session, and closed and destroyed projects on destruction lists.  UWV
 * was admitted to Bravo once, recorded a finding there, got a subject
 * and a place on a day, and was then revoked: its retired admission must
 * reach nothing any more.
 *
 * Every method that takes such an id is called by pl_alfa and by both
 * partners with Bravo's ids, alone and together with Alfa's project or
 * day, and must be refused with the error the method documents
 * (PermissionDenied, audited, or NotFound / InvalidValue where the
 * object is looked up inside the caller's own project).  A refusal
 * changes nothing (a checksum of every table but the audit log), and no
 * reply -- refusal or the searches and lists that are allowed -- holds
 * any of Bravo's data: its addresses, persons, notes, project names or
 * day details are all marked with canary words that must not appear.
 * Nor may any error reply, not even one to bob, who may read them, nor
 * anything the daemon logs, at any level down to debug (tfix_capture_log),
 * while the fixture is built or a case runs.
 * Positive controls show that the same calls on Alfa's own objects get
 * through, so a refusal is not an accident of the parameters.
 *
 * test_retention_list: a destruction list with a project of each leader;
 * pl_alfa sees, confirms and destroys only her own (this found the hole
 * fixed in retention.c: Show, Confirm and Run showed, and Run destroyed,
 * other projects' items).  IVT_IDOR_VERBOSE=1 prints every call's reply
 * (error names and reasons only).
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

#include "retention.h"
#include "tfix.h"

/* Users. */
#define ADMIN 0
#define ALFA  3001 /* pl_alfa: leads Alfa (and Alfa gesloten) */
#define BOB   3002 /* bob: leads every Bravo project */
#define UWV   3011 /* uwv1: UWV, admitted to Alfa; to Bravo once */
#define SVB   3012 /* svb1: SVB, admitted to Bravo only */
#define POL   3013 /* pol1: Politie, admitted to Alfa only */

/* Callers of a case, as a mask. */
#define C_PL   0x1 /* pl_alfa */
#define C_UWV  0x2
#define C_POL  0x4
#define C_PART (C_UWV | C_POL)
#define C_ALL  (C_PL | C_PART)
#define C_BOB  0x8 /* bob: a control on Bravo's own data */

static const struct {
	unsigned bit;
	uid_t uid;
	const char *label;
} callers[] = {
    {C_PL, ALFA, "pl_alfa"},
    {C_UWV, UWV, "UWV (Alfa; Bravo revoked)"},
    {C_POL, POL, "Politie (Alfa only)"},
    {C_BOB, BOB, "bob (Bravo)"},
};

/*
 * Bravo's data as it could show in a reply: every value below is
 * Bravo's only.  Alfa's data uses none of these words.
 */
static const char *const canaries[] = {
    "Kanarie", "Bravo",     "Berend",    "Botter",    "Bella",
    "Bram",    "222333406", "555666700", "777888907", "1961-02-03",
    "3600",    "3601",      "bob",
};

#define PD  "nl.ivtd.PermissionDenied"
#define NF  "nl.ivtd.NotFound"
#define INV "nl.ivtd.InvalidValue"
#define OK  NULL

/*
 * One call: method, callers, parameters (JSON with ' for "; a string
 * "@NAME" is a fixture value, see placeholder()), and the error every
 * caller must get, or OK for a call that must succeed; contains names a
 * word the reply must hold (a control that the call did reach data).
 */
static const struct idor_case {
	const char *method;
	unsigned who;
	const char *params;
	const char *want;
	const char *contains;
} cases[] = {
    /* --- projects: Bravo by id; closed and destroyed ones too ---- */
    {"nl.ivtd.Project.Show", C_ALL, "{'id':'@pB'}", PD, NULL},
    {"nl.ivtd.Project.Show", C_ALL, "{'id':'@pBd'}", PD, NULL},
    {"nl.ivtd.Project.Show", C_ALL, "{'id':'@pBc'}", PD, NULL},
    {"nl.ivtd.Project.Show", C_PL, "{'id':'@pA'}", OK, "Alfa"},
    {"nl.ivtd.Project.Update", C_ALL, "{'id':'@pB','name':'Overgenomen'}", PD,
     NULL},
    {"nl.ivtd.Project.Update", C_PL, "{'id':'@pB','leaders':['pl_alfa']}", PD,
     NULL},
    {"nl.ivtd.Project.Decide", C_ALL,
     "{'id':'@pB','gate':'lsi','go':false,'rationale':'stop'}", PD, NULL},
    {"nl.ivtd.Project.Advance", C_ALL, "{'id':'@pB','rationale':'verder'}", PD,
     NULL},
    {"nl.ivtd.Project.History", C_ALL, "{'id':'@pB'}", PD, NULL},
    {"nl.ivtd.Project.History", C_ALL, "{'id':'@pBd'}", PD, NULL},
    {"nl.ivtd.Project.Hold", C_ALL, "{'id':'@pB','reason':'bezwaar'}", PD,
     NULL},
    {"nl.ivtd.Project.Hold", C_ALL, "{'id':'@pBc','reason':'bezwaar'}", PD,
     NULL},
    {"nl.ivtd.Project.Release", C_ALL, "{'id':'@pB'}", PD, NULL},
    {"nl.ivtd.Project.Retention", C_ALL, "{'id':'@pB'}", PD, NULL},
    {"nl.ivtd.Project.Retention", C_ALL, "{'id':'@pBc','days':3650}", PD, NULL},
    {"nl.ivtd.Project.Retention", C_ALL, "{'id':'@pBc','default':true}", PD,
     NULL},
    {"nl.ivtd.Project.List", C_ALL, "{}", OK, NULL},
    /* --- the privacy protocol ------------------------------------ */
    {"nl.ivtd.Protocol.Grant", C_ALL,
     "{'project':'@pB','partner':'UWV','rights':['inlezen']}", PD, NULL},
    {"nl.ivtd.Protocol.Revoke", C_ALL, "{'project':'@pB','partner':'SVB'}", PD,
     NULL},
    {"nl.ivtd.Protocol.Register", C_ALL,
     "{'project':'@pB','date':'@TODAY','reference':'AP-X'}", PD, NULL},
    {"nl.ivtd.Protocol.Show", C_ALL, "{'project':'@pB'}", PD, NULL},
    /* --- subjects ------------------------------------------------- */
    {"nl.ivtd.Subject.Create", C_ALL,
     "{'project':'@pB','street':'Appelhof','huisnummer':'8','postcode':"
     "'3600AB','woonplaats':'Utrecht'}",
     PD, NULL},
    {"nl.ivtd.Subject.Show", C_ALL, "{'id':'@sB1'}", PD, NULL},
    {"nl.ivtd.Subject.Show", C_ALL, "{'id':'@sB5'}", PD, NULL},
    {"nl.ivtd.Subject.Show", C_ALL, "{'id':'@sB6'}", PD, NULL},
    /* A destroyed subject is gone, and its id is not handed out again. */
    {"nl.ivtd.Subject.Show", C_ALL, "{'id':'@sBd'}", NF, NULL},
    {"nl.ivtd.Subject.Show", C_PL | C_UWV, "{'id':'@sA1'}", OK, "Appel"},
    {"nl.ivtd.Subject.Show", C_BOB, "{'id':'@sB1'}", OK, "Berend"},
    {"nl.ivtd.Subject.List", C_ALL, "{'project':'@pB'}", PD, NULL},
    {"nl.ivtd.Subject.List", C_ALL, "{'project':'@pBd'}", PD, NULL},
    {"nl.ivtd.Subject.List", C_ALL, "{'project':'@pB','partner':'UWV'}", PD,
     NULL},
    {"nl.ivtd.Subject.Find", C_ALL, "{'bsn':'222333406'}", OK, NULL},
    {"nl.ivtd.Subject.Find", C_ALL, "{'bsn':'777888907'}", OK, NULL},
    {"nl.ivtd.Subject.Find", C_ALL, "{'postcode':'3600AB','huisnummer':'1'}",
     OK, NULL},
    {"nl.ivtd.Subject.Find", C_PL | C_UWV, "{'bsn':'333444504'}", OK, "Appel"},
    {"nl.ivtd.Subject.Actualise", C_ALL, "{'project':'@pB'}", PD, NULL},
    /* Bravo's values as invalid input to Alfa: refused, not echoed */
    {"nl.ivtd.Subject.Create", C_PL,
     "{'project':'@pA','street':'Kanarieweg','huisnummer':'1','postcode':"
     "'3600','woonplaats':'Bravodorp','persons':[{'bsn':'222333406',"
     "'name':'Berend Botter','birthdate':'1961-02-03'}]}",
     INV, NULL},
    {"nl.ivtd.Subject.Create", C_PL,
     "{'project':'@pA','street':'Kanarieweg','huisnummer':'1','postcode':"
     "'3600AB','woonplaats':'Bravodorp','persons':[{'bsn':'222333406',"
     "'name':'Berend Botter','birthdate':'1961-02-03'}]}",
     INV, NULL},
    {"nl.ivtd.Subject.Create", C_PL,
     "{'project':'@pA','street':'Kanarieweg','huisnummer':'1','postcode':"
     "'3511AB','woonplaats':'Bravodorp','persons':[{'bsn':'222333407',"
     "'name':'Berend Botter','birthdate':'1961-02-03'}]}",
     INV, NULL},
    {"nl.ivtd.Subject.Find", C_ALL, "{'postcode':'3600','huisnummer':'1'}", INV,
     NULL},
    {"nl.ivtd.Finding.Add", C_PART,
     "{'subject':'@sA2','visit_date':'@TODAY','day':'@dA','category':"
     "'Kanarie','notes':'Berend Botter','action':'geen'}",
     "org.varlink.service.InvalidParameter", NULL},
    /* Alfa's project, Bravo's subject: not a subject of this project */
    {"nl.ivtd.Subject.Actualise", C_PL, "{'project':'@pA','subjects':['@sB4']}",
     NF, NULL},
    {"nl.ivtd.Subject.Actualise", C_PART,
     "{'project':'@pA','subjects':['@sB4']}", PD, NULL},
    /* UWV has an interest in sB5, but no admission to Bravo */
    {"nl.ivtd.Subject.Answer", C_ALL, "{'subject':'@sB5','answer':'relevant'}",
     PD, NULL},
    {"nl.ivtd.Subject.Answer", C_ALL,
     "{'subject':'@sB5','answer':'conflict','reason':'zorgtraject'}", PD, NULL},
    /* No interest: Politie may not answer for sA3, UWV may */
    {"nl.ivtd.Subject.Answer", C_POL, "{'subject':'@sA3','answer':'relevant'}",
     PD, NULL},
    {"nl.ivtd.Subject.Answer", C_UWV, "{'subject':'@sA3','answer':'relevant'}",
     OK, "Appel"},
    {"nl.ivtd.Subject.Resolve", C_ALL,
     "{'subject':'@sB3','proceed':true,'rationale':'doorgaan'}", PD, NULL},
    /* --- import: Bravo's project, bob's session ------------------- */
    {"nl.ivtd.Import.Begin", C_ALL, "{'project':'@pB'}", PD, NULL},
    {"nl.ivtd.Import.Chunk", C_ALL,
     "{'session':'@TOKEN','offset':0,'data':'straat;huisnummer;postcode;"
     "woonplaats\\nAppelhof;8;3600AB;Utrecht\\n','last':true}",
     NF, NULL},
    {"nl.ivtd.Import.Commit", C_ALL, "{'session':'@TOKEN'}", NF, NULL},
    {"nl.ivtd.Import.Abort", C_ALL, "{'session':'@TOKEN'}", NF, NULL},
    /* --- journal --------------------------------------------------- */
    {"nl.ivtd.Journal.Add", C_ALL,
     "{'project':'@pB','kind':'overleg','note':'Notitie'}", PD, NULL},
    {"nl.ivtd.Journal.List", C_ALL, "{'project':'@pB'}", PD, NULL},
    {"nl.ivtd.Journal.List", C_ALL, "{'project':'@pBd'}", PD, NULL},
    /* --- days ------------------------------------------------------ */
    {"nl.ivtd.Day.Create", C_ALL,
     "{'project':'@pB','date':'@FUTURE','start':'09:00','end':'17:00',"
     "'area':['3600AB'],'meeting_point':'Appelplein'}",
     PD, NULL},
    /* Alfa's day with Bravo's partner or area */
    {"nl.ivtd.Day.Create", C_PL,
     "{'project':'@pA','date':'@FUTURE','start':'09:00','end':'17:00',"
     "'area':['3511AB'],'meeting_point':'Appelplein','partners':[{"
     "'partner':'SVB','staff':1}]}",
     INV, NULL},
    {"nl.ivtd.Day.Create", C_PL,
     "{'project':'@pA','date':'@FUTURE','start':'09:00','end':'17:00',"
     "'area':['3600AB'],'meeting_point':'Appelplein'}",
     INV, NULL},
    {"nl.ivtd.Day.Update", C_ALL, "{'id':'@dB2','meeting_point':'Appelplein'}",
     PD, NULL},
    {"nl.ivtd.Day.Confirm", C_ALL, "{'id':'@dB2'}", PD, NULL},
    {"nl.ivtd.Day.Cancel", C_ALL, "{'id':'@dB1','reason':'regen'}", PD, NULL},
    {"nl.ivtd.Day.Cancel", C_ALL, "{'id':'@dB2','reason':'regen'}", PD, NULL},
    {"nl.ivtd.Day.List", C_ALL, "{'project':'@pB'}", PD, NULL},
    {"nl.ivtd.Day.List", C_ALL, "{}", OK, "Alfaplein"},
    {"nl.ivtd.Day.Show", C_ALL, "{'id':'@dB1'}", PD, NULL},
    {"nl.ivtd.Day.Show", C_ALL, "{'id':'@dA'}", OK, "Alfaplein"},
    {"nl.ivtd.Day.Plan", C_ALL, "{'id':'@dB2','subjects':['@sA1']}", PD, NULL},
    {"nl.ivtd.Day.Plan", C_ALL, "{'id':'@dB2','subjects':['@sB7']}", PD, NULL},
    /* Alfa's day, Bravo's subject: gereed, planned, assigned */
    {"nl.ivtd.Day.Plan", C_PL, "{'id':'@dA','subjects':['@sB7']}", INV, NULL},
    {"nl.ivtd.Day.Plan", C_PL, "{'id':'@dA','subjects':['@sB1']}", INV, NULL},
    {"nl.ivtd.Day.Plan", C_PL, "{'id':'@dA','subjects':['@sB2']}", INV, NULL},
    {"nl.ivtd.Day.Plan", C_PL, "{'id':'@dA','subjects':['@sA1','@sB7']}", INV,
     NULL},
    {"nl.ivtd.Day.Plan", C_PL, "{'id':'@dA','subjects':['@sA1']}", OK,
     "Alfaplein"},
    {"nl.ivtd.Day.Unplan", C_ALL, "{'id':'@dB1','subjects':['@sB1']}", PD,
     NULL},
    {"nl.ivtd.Day.Unplan", C_PL, "{'id':'@dA','subjects':['@sB1']}", NF, NULL},
    {"nl.ivtd.Day.Unplan", C_PL, "{'id':'@dA','subjects':['@sA2']}", OK, NULL},
    {"nl.ivtd.Day.Suggest", C_ALL, "{'id':'@dB2'}", PD, NULL},
    {"nl.ivtd.Day.Export", C_ALL, "{'id':'@dB1'}", PD, NULL},
    {"nl.ivtd.Day.Export", C_ALL, "{'id':'@dA'}", OK, "Alfaplein"},
    {"nl.ivtd.Day.Assign", C_ALL, "{'subject':'@sB7','user':'uwv1'}", PD, NULL},
    /* Alfa's subject to an employee without interest, or of Bravo */
    {"nl.ivtd.Day.Assign", C_PL, "{'subject':'@sA1','user':'pol1'}",
     "nl.ivtd.Day.NotAssignable", NULL},
    {"nl.ivtd.Day.Assign", C_PL, "{'subject':'@sA1','user':'svb1'}",
     "nl.ivtd.Day.NotAssignable", NULL},
    {"nl.ivtd.Day.Assign", C_PL, "{'subject':'@sA1','user':'uwv1'}", OK, NULL},
    {"nl.ivtd.Day.Unassign", C_ALL, "{'subject':'@sB2'}", PD, NULL},
    /* assigned to UWV's employee while UWV was admitted */
    {"nl.ivtd.Day.Unassign", C_ALL, "{'subject':'@sB6'}", PD, NULL},
    /* uwv1 is named on Bravo's day and has sB6: revoked, so not shown */
    {"nl.ivtd.Day.Mine", C_ALL, "{}", OK, NULL},
    {"nl.ivtd.Day.Done", C_ALL, "{'id':'@dB1'}", PD, NULL},
    /* --- findings -------------------------------------------------- */
    {"nl.ivtd.Finding.Add", C_ALL,
     "{'subject':'@sB1','visit_date':'@TODAY','category':'overig','notes':"
     "'Appelnotitie','action':'geen'}",
     PD, NULL},
    {"nl.ivtd.Finding.Add", C_ALL,
     "{'subject':'@sB1','visit_date':'@TODAY','day':'@dB1','category':"
     "'overig','notes':'Appelnotitie','action':'geen'}",
     PD, NULL},
    /* Alfa's subject on Bravo's day */
    {"nl.ivtd.Finding.Add", C_PART,
     "{'subject':'@sA2','visit_date':'@TODAY','day':'@dB1','category':"
     "'overig','notes':'Appelnotitie','action':'geen'}",
     INV, NULL},
    {"nl.ivtd.Finding.Add", C_PART,
     "{'subject':'@sA2','visit_date':'@TODAY','day':'@dA','category':"
     "'overig','notes':'Appelnotitie','action':'geen'}",
     OK, "Appelnotitie"},
    {"nl.ivtd.Finding.Update", C_ALL, "{'id':'@fB','notes':'Appelnotitie'}", PD,
     NULL},
    /* UWV's own finding in Bravo, recorded before the revocation */
    {"nl.ivtd.Finding.Update", C_ALL,
     "{'id':'@fBu','category':'overig','notes':'Appelnotitie'}", PD, NULL},
    {"nl.ivtd.Finding.List", C_ALL, "{'subject':'@sB1'}", PD, NULL},
    {"nl.ivtd.Finding.History", C_ALL, "{'id':'@fB'}", PD, NULL},
    {"nl.ivtd.Finding.History", C_ALL, "{'id':'@fBu'}", PD, NULL},
    {"nl.ivtd.Finding.FollowupList", C_ALL, "{'project':'@pB'}", PD, NULL},
    {"nl.ivtd.Finding.FollowupList", C_ALL, "{'project':'@pB','overdue':true}",
     PD, NULL},
    {"nl.ivtd.Finding.FollowupList", C_ALL, "{'project':'@pA'}", OK, NULL},
    /* fB's follow-up is owned by UWV */
    {"nl.ivtd.Finding.FollowupDone", C_ALL, "{'id':'@fB'}", PD, NULL},
    {"nl.ivtd.Finding.MeasureSet", C_ALL,
     "{'project':'@pB','phase':1,'indicator':'leegstand','value':1.0,"
     "'source':'BAG'}",
     PD, NULL},
    {"nl.ivtd.Finding.Report", C_ALL, "{'project':'@pB'}", PD, NULL},
    {"nl.ivtd.Finding.Report", C_ALL, "{'project':'@pBd'}", PD, NULL},
    {"nl.ivtd.Day.Show", C_BOB, "{'id':'@dB1'}", OK, "Kanarie"},
    /* --- destruction lists ---------------------------------------- */
    /* L0 holds only destroyed Bravo, L2 only Bravo gesloten twee */
    {"nl.ivtd.Retention.Show", C_PL, "{'list':'@L0'}", PD, NULL},
    {"nl.ivtd.Retention.Show", C_PL, "{'list':'@L2'}", PD, NULL},
    {"nl.ivtd.Retention.Show", C_BOB, "{'list':'@L2'}", OK, "Bravo"},
    /* L1 holds Alfa gesloten and Bravo gesloten (confirmed by bob) */
    {"nl.ivtd.Retention.Show", C_PL, "{'list':'@L1'}", OK, "Alfa gesloten"},
    {"nl.ivtd.Retention.Confirm", C_PL, "{'list':'@L0'}", PD, NULL},
    {"nl.ivtd.Retention.Confirm", C_PL, "{'list':'@L2'}", PD, NULL},
    {"nl.ivtd.Retention.Propose", C_PL, "{'dry_run':true}", OK, NULL},
};

struct fx {
	struct tfix t; /* t.snap: the fixture, to restore after a change */
	int64_t pA, pB, pBd, pAc, pBc, pBc2;
	int64_t sA1, sA2, sA3;
	int64_t sB1, sB2, sB3, sB4, sB5, sB6, sB7, sBd;
	int64_t dA, dB1, dB2, fB, fBu, L0, L1, L2;
	char token[64];
	int verbose;
};

/* --- the fixture -------------------------------------------------------- */

/* Closed at once by a NO-GO: due for destruction (retention 0 days). */
static int64_t
closed(struct tfix *t, uid_t pl, const char *name, const char *area)
{
	int64_t id = tfix_project(t, pl, name, area);

	tfix_advance(t, pl, id);
	tfix_done(t, pl, "nl.ivtd.Project.Decide",
	          json_pack("{s:I,s:s,s:b,s:s}", "id", (json_int_t)id, "gate",
	                    "probleemdefinitie", "go", 0, "rationale", "geen"));
	return id;
}

static void
grant_all(struct tfix *t, uid_t pl, int64_t id, const char *partner)
{
	tfix_done(t, pl, "nl.ivtd.Protocol.Grant",
	          json_pack("{s:I,s:s,s:[s,s,s]}", "project", (json_int_t)id,
	                    "partner", partner, "rights", "leveren", "bewerken",
	                    "inlezen"));
}

/* A subject; person "bsn:name:birthdate" or NULL, interests NULL or a
 * JSON array text. */
static int64_t
subject(struct tfix *t, uid_t pl, int64_t id, const char *street,
        const char *nr, const char *pc, const char *city, const char *bsn,
        const char *name, const char *born, const char *interests)
{
	json_t *p = json_pack("{s:I,s:s,s:s,s:s,s:s}", "project",
	                      (json_int_t)id, "street", street, "huisnummer",
	                      nr, "postcode", pc, "woonplaats", city);

	if (bsn != NULL)
		json_object_set_new(p, "persons",
		                    json_pack("[{s:s,s:s,s:s}]", "bsn", bsn,
		                              "name", name, "birthdate", born));
	if (interests != NULL)
		json_object_set_new(p, "partners",
		                    json_loads(interests, 0, NULL));
	return tfix_must_id(t, pl, "nl.ivtd.Subject.Create", p, "subject");
}

static void
answer(struct tfix *t, uid_t uid, int64_t s, const char *verdict,
       const char *reason)
{
	json_t *p =
	    json_pack("{s:I,s:s}", "subject", (json_int_t)s, "answer", verdict);

	if (reason != NULL)
		json_object_set_new(p, "reason", json_string(reason));
	tfix_done(t, uid, "nl.ivtd.Subject.Answer", p);
}

static void
build_fixture(struct fx *f)
{
	static const struct tfix_user users[] = {
	    {"pl_alfa", "projectleider", NULL, ALFA},
	    {"bob", "projectleider", NULL, BOB},
	    {"uwv1", "partner", "UWV", UWV},
	    {"svb1", "partner", "SVB", SVB},
	    {"pol1", "partner", "Politie", POL},
	};
	static const char *const partners[] = {"UWV", "SVB", "Politie"};
	struct tfix *t = &f->t;
	json_t *p, *r;

	tfix_add_partners(t, partners, 3);
	tfix_add_users(t, users, sizeof(users) / sizeof(users[0]));

	/* --- Bravo: a project that is destroyed (list L0) ------------- */
	f->pBd = tfix_project(t, BOB, "Bravo vernietigd", "3601AA-3601ZZ");
	tfix_operational(t, BOB, f->pBd);
	f->sBd = subject(t, BOB, f->pBd, "Kanariesteeg", "9", "3601AB",
	                 "Kanariedorp", "777888907", "Bram Kanarie",
	                 "1950-01-01", NULL);
	tfix_done(t, BOB, "nl.ivtd.Journal.Add",
	          json_pack("{s:I,s:s,s:s}", "project", (json_int_t)f->pBd,
	                    "kind", "overleg", "note",
	                    "Kanarie-overleg over Bram"));
	tfix_advance(t, BOB, f->pBd); /* evaluatie */
	tfix_advance(t, BOB, f->pBd); /* afgesloten */
	f->L0 = tfix_must_id(t, BOB, "nl.ivtd.Retention.Propose", json_object(),
	                     "list");
	tfix_done(t, BOB, "nl.ivtd.Retention.Confirm",
	          json_pack("{s:I}", "list", (json_int_t)f->L0));
	r = tfix_must(t, BOB, "nl.ivtd.Retention.Run", json_object());
	assert_int_equal(json_array_size(json_object_get(r, "destroyed")), 1);
	json_decref(r);

	/* --- Bravo: the running project ------------------------------- */
	f->pB = tfix_project(t, BOB, "Project Bravo", "3600AA-3600ZZ");
	tfix_operational(t, BOB, f->pB);
	grant_all(t, BOB, f->pB, "SVB");
	grant_all(t, BOB, f->pB, "UWV"); /* revoked below */
	f->sB1 =
	    subject(t, BOB, f->pB, "Kanarieweg", "1", "3600AB", "Bravodorp",
	            "222333406", "Berend Botter", "1961-02-03", "[\"SVB\"]");
	/* The audit log names the destroyed subject's id: never again. */
	assert_true(f->sB1 > f->sBd);
	f->sB2 =
	    subject(t, BOB, f->pB, "Kanariestraat", "2", "3600AC", "Bravodorp",
	            "555666700", "Bella Kanarie", "1972-03-04", "[\"SVB\"]");
	f->sB3 = subject(t, BOB, f->pB, "Kanarielaan", "3", "3600AD",
	                 "Bravodorp", NULL, NULL, NULL, "[\"SVB\"]");
	f->sB5 = subject(t, BOB, f->pB, "Kanariehof", "5", "3600AF",
	                 "Bravodorp", NULL, NULL, NULL, "[\"SVB\",\"UWV\"]");
	f->sB6 = subject(t, BOB, f->pB, "Kanarieplein", "6", "3600AG",
	                 "Bravodorp", NULL, NULL, NULL, NULL);
	f->sB7 = subject(t, BOB, f->pB, "Kanariekade", "7", "3600AH",
	                 "Bravodorp", NULL, NULL, NULL, NULL);
	tfix_done(t, BOB, "nl.ivtd.Subject.Actualise",
	          json_pack("{s:I}", "project", (json_int_t)f->pB));
	/* sB4 stays geselecteerd: created after the actualisation */
	f->sB4 = subject(t, BOB, f->pB, "Kanariepad", "4", "3600AE",
	                 "Bravodorp", NULL, NULL, NULL, "[\"SVB\"]");
	answer(t, SVB, f->sB1, "relevant", NULL);
	answer(t, SVB, f->sB2, "relevant", NULL);
	answer(t, SVB, f->sB3, "conflict", "zorgtraject");
	answer(t, SVB, f->sB5, "relevant", NULL); /* UWV still to answer */
	/* dB1: today, confirmed, sB1 visited, uwv1 named on it */
	f->dB1 = tfix_must_id(
	    t, BOB, "nl.ivtd.Day.Create",
	    json_pack("{s:I,s:s,s:s,s:s,s:[s],s:s,s:[{s:s,s:i},{s:s,s:i}],"
	              "s:[s,s],s:s,s:s,s:b}",
	              "project", (json_int_t)f->pB, "date", t->today, "start",
	              "09:00", "end", "17:00", "area", "3600AA-3600ZZ",
	              "meeting_point", "Kanarieplein 1", "partners", "partner",
	              "SVB", "staff", 2, "partner", "UWV", "staff", 1,
	              "employees", "svb1", "uwv1", "police", "backup",
	              "police_contact", "Brigadier Kanarie", "police_informed",
	              1),
	    "day");
	tfix_done(t, BOB, "nl.ivtd.Day.Confirm",
	          json_pack("{s:I}", "id", (json_int_t)f->dB1));
	tfix_done(t, BOB, "nl.ivtd.Day.Plan",
	          json_pack("{s:I,s:[I]}", "id", (json_int_t)f->dB1, "subjects",
	                    (json_int_t)f->sB1));
	f->fB = tfix_must_id(
	    t, SVB, "nl.ivtd.Finding.Add",
	    json_pack("{s:I,s:s,s:I,s:s,s:s,s:s,s:s,s:s}", "subject",
	              (json_int_t)f->sB1, "visit_date", t->today, "day",
	              (json_int_t)f->dB1, "category", "zwartwerk", "notes",
	              "Kanarie-notitie: werkplaats", "action",
	              "nader_onderzoek", "due", t->future, "owner", "UWV"),
	    "finding");
	tfix_done(t, SVB, "nl.ivtd.Finding.Update",
	          json_pack("{s:I,s:s}", "id", (json_int_t)f->fB, "notes",
	                    "Kanarie-notitie: bijgewerkt"));
	f->fBu = tfix_must_id(
	    t, UWV, "nl.ivtd.Finding.Add",
	    json_pack("{s:I,s:s,s:I,s:s,s:s,s:s}", "subject",
	              (json_int_t)f->sB1, "visit_date", t->today, "day",
	              (json_int_t)f->dB1, "category", "uitkeringsfraude",
	              "notes", "UWV Kanarie-bevinding", "action", "geen"),
	    "finding");
	/* dB2: a concept day in the future */
	f->dB2 = tfix_must_id(
	    t, BOB, "nl.ivtd.Day.Create",
	    json_pack("{s:I,s:s,s:s,s:s,s:[s],s:s,s:[{s:s,s:i}]}", "project",
	              (json_int_t)f->pB, "date", t->future, "start", "10:00",
	              "end", "16:00", "area", "3600AA-3600ZZ", "meeting_point",
	              "Bravo-buurthuis", "partners", "partner", "SVB", "staff",
	              1),
	    "day");
	tfix_done(t, BOB, "nl.ivtd.Day.Assign",
	          json_pack("{s:I,s:s}", "subject", (json_int_t)f->sB2, "user",
	                    "svb1"));
	tfix_done(t, BOB, "nl.ivtd.Day.Assign",
	          json_pack("{s:I,s:s}", "subject", (json_int_t)f->sB6, "user",
	                    "uwv1"));
	tfix_done(t, BOB, "nl.ivtd.Journal.Add",
	          json_pack("{s:I,s:s,s:s}", "project", (json_int_t)f->pB,
	                    "kind", "casusbespreking", "note",
	                    "Kanarie: Berend Botter"));
	tfix_done(t, BOB, "nl.ivtd.Finding.MeasureSet",
	          json_pack("{s:I,s:i,s:s,s:f,s:s}", "project",
	                    (json_int_t)f->pB, "phase", 0, "indicator",
	                    "leegstand", "value", 3.0, "source", "BAG"));
	/* UWV's admission to Bravo ends: everything it had there too. */
	tfix_done(t, BOB, "nl.ivtd.Protocol.Revoke",
	          json_pack("{s:I,s:s}", "project", (json_int_t)f->pB,
	                    "partner", "UWV"));
	p = tfix_must(t, BOB, "nl.ivtd.Import.Begin",
	              json_pack("{s:I}", "project", (json_int_t)f->pB));
	snprintf(f->token, sizeof(f->token), "%s",
	         json_string_value(json_object_get(p, "session")));
	json_decref(p);
	assert_true(strlen(f->token) > 0);

	/* --- Alfa ------------------------------------------------------ */
	f->pA = tfix_project(t, ALFA, "Project Alfa", "3511AA-3511ZZ");
	tfix_operational(t, ALFA, f->pA);
	grant_all(t, ALFA, f->pA, "UWV");
	grant_all(t, ALFA, f->pA, "Politie");
	f->sA1 =
	    subject(t, ALFA, f->pA, "Appelstraat", "1", "3511AB", "Utrecht",
	            "333444504", "Anna Appel", "1980-04-05", "[\"UWV\"]");
	f->sA2 = subject(t, ALFA, f->pA, "Appelweg", "2", "3511AC", "Utrecht",
	                 NULL, NULL, NULL, NULL);
	f->sA3 = subject(t, ALFA, f->pA, "Appellaan", "3", "3511AD", "Utrecht",
	                 "444555602", "Aart Appel", "1985-06-07", "[\"UWV\"]");
	tfix_done(t, ALFA, "nl.ivtd.Subject.Actualise",
	          json_pack("{s:I}", "project", (json_int_t)f->pA));
	answer(t, UWV, f->sA1, "relevant", NULL);
	f->dA = tfix_must_id(
	    t, ALFA, "nl.ivtd.Day.Create",
	    json_pack("{s:I,s:s,s:s,s:s,s:[s],s:s,s:[{s:s,s:i},{s:s,s:i}],"
	              "s:s,s:b}",
	              "project", (json_int_t)f->pA, "date", t->today, "start",
	              "09:00", "end", "17:00", "area", "3511AA-3511ZZ",
	              "meeting_point", "Alfaplein", "partners", "partner",
	              "UWV", "staff", 1, "partner", "Politie", "staff", 1,
	              "police", "present", "police_informed", 1),
	    "day");
	tfix_done(t, ALFA, "nl.ivtd.Day.Confirm",
	          json_pack("{s:I}", "id", (json_int_t)f->dA));
	tfix_done(t, ALFA, "nl.ivtd.Day.Plan",
	          json_pack("{s:I,s:[I]}", "id", (json_int_t)f->dA, "subjects",
	                    (json_int_t)f->sA2));

	/* --- closed projects on destruction lists ---------------------- */
	f->pAc = closed(t, ALFA, "Alfa gesloten", "3512AA-3512ZZ");
	f->pBc = closed(t, BOB, "Bravo gesloten", "3602AA-3602ZZ");
	f->L1 = tfix_must_id(t, ADMIN, "nl.ivtd.Retention.Propose",
	                     json_object(), "list");
	tfix_done(t, BOB, "nl.ivtd.Retention.Confirm",
	          json_pack("{s:I}", "list", (json_int_t)f->L1));
	f->pBc2 = closed(t, BOB, "Bravo gesloten twee", "3603AA-3603ZZ");
	f->L2 = tfix_must_id(t, BOB, "nl.ivtd.Retention.Propose", json_object(),
	                     "list");
	/* The fixture is what the comment at the top says. */
	assert_int_equal(tfix_scalar_id(t,
	                                "SELECT count(*) FROM retention_items "
	                                "WHERE list_id = ?1",
	                                f->L1),
	                 2);
	assert_int_equal(
	    tfix_scalar_id(
	        t, "SELECT count(*) FROM interests WHERE subject_id = ?1",
	        f->sB5),
	    2);
	assert_int_equal(
	    tfix_scalar_id(t,
	                   "SELECT count(*) FROM protocol_grants WHERE "
	                   "project_id = ?1 AND (leveren OR bewerken "
	                   "OR inlezen)",
	                   f->pB),
	    1);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL || tfix_init(&f->t, "idor") == -1)
		return -1;
	tfix_capture_log(&f->t);
	f->t.cfg.retention_days = 0; /* closed projects are due at once */
	if (tfix_open(&f->t, TFIX_DAEMON) == -1)
		return -1;
	f->verbose = getenv("IVT_IDOR_VERBOSE") != NULL;
	*state = f;
	build_fixture(f);
	tfix_snapshot(&f->t);
	return 0;
}

/* --- parameters ---------------------------------------------------------- */

/* The fixture value of "@NAME" (tfix_fill knows @TODAY and @FUTURE). */
static json_t *
placeholder(const void *arg, const char *s)
{
	const struct fx *f = arg;
	const struct {
		const char *name;
		int64_t v;
	} ids[] = {
	    {"@pA", f->pA},   {"@pB", f->pB},   {"@pBd", f->pBd},
	    {"@pAc", f->pAc}, {"@pBc", f->pBc}, {"@pBc2", f->pBc2},
	    {"@sA1", f->sA1}, {"@sA2", f->sA2}, {"@sA3", f->sA3},
	    {"@sB1", f->sB1}, {"@sB2", f->sB2}, {"@sB3", f->sB3},
	    {"@sB4", f->sB4}, {"@sB5", f->sB5}, {"@sB6", f->sB6},
	    {"@sB7", f->sB7}, {"@sBd", f->sBd}, {"@dA", f->dA},
	    {"@dB1", f->dB1}, {"@dB2", f->dB2}, {"@fB", f->fB},
	    {"@fBu", f->fBu}, {"@L0", f->L0},   {"@L1", f->L1},
	    {"@L2", f->L2},
	};
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		if (strcmp(ids[i].name, s) == 0) {
			assert_true(ids[i].v > 0);
			return json_integer(ids[i].v);
		}
	}
	if (strcmp(s, "@TOKEN") == 0)
		return json_string(f->token);
	fail_msg("unknown placeholder %s", s);
	return NULL;
}

static json_t *
params_of(const struct fx *f, const char *text)
{
	char buf[1024];
	json_error_t err;
	json_t *p;
	size_t i;

	assert_true(strlen(text) < sizeof(buf));
	for (i = 0; text[i] != '\0'; i++)
		buf[i] = text[i] == '\'' ? '"' : text[i];
	buf[i] = '\0';
	if ((p = json_loads(buf, 0, &err)) == NULL)
		fail_msg("bad case parameters %s: %s", text, err.text);
	tfix_fill(&f->t, p, placeholder, f);
	return p;
}

/* --- the checks ---------------------------------------------------------- */

/* The first canary in the reply (error parameters included), or NULL.
 * The traceparent is random hex: left out. */
static const char *
canary_in(const json_t *r)
{
	char *text = tfix_reply_text(r);
	const char *found = NULL;
	size_t i;

	for (i = 0; found == NULL && i < sizeof(canaries) / sizeof(canaries[0]);
	     i++) {
		if (strstr(text, canaries[i]) != NULL)
			found = canaries[i];
	}
	free(text);
	return found;
}

/* The number of canaries in what the daemon logged from offset from on,
 * each printed with its line. */
static int
canaries_logged(struct fx *f, size_t from, const char *what)
{
	const char *line;
	int n = 0;
	size_t i;

	for (i = 0; i < sizeof(canaries) / sizeof(canaries[0]); i++) {
		if ((line = tfix_log_find(&f->t, from, canaries[i])) == NULL)
			continue;
		print_error("%s: the daemon logged Bravo's \"%s\": %.*s\n",
		            what, canaries[i], (int)strcspn(line, "\n"), line);
		n++;
	}
	return n;
}

static int
contains(const json_t *r, const char *word)
{
	char *text = json_dumps(r, JSON_COMPACT);
	int yes;

	assert_non_null(text);
	yes = strstr(text, word) != NULL;
	free(text);
	return yes;
}

/* Run one case as one caller; the number of failures. */
static int
run_one(struct fx *f, const struct idor_case *k, uid_t uid, const char *who)
{
	json_t *params = params_of(f, k->params), *r;
	const char *error, *leak;
	char what[256];
	int failures = 0;
	size_t logged;

	tfix_log(&f->t);
	logged = f->t.loglen;
	r = tfix_call(&f->t, uid, k->method, params);
	json_decref(params);
	error = tfix_error(r);
	if (f->verbose)
		print_message("%-32s %-28s %-44s %s %s\n", k->method, who,
		              k->params, error ? error : "ok",
		              error ? tfix_reason(r) : "");
	if (k->want == NULL && error != NULL) {
		print_error("%s %s as %s: must succeed, got %s (%s)\n",
		            k->method, k->params, who, error, tfix_reason(r));
		failures++;
	} else if (k->want != NULL &&
	           (error == NULL || strcmp(error, k->want) != 0)) {
		print_error("%s %s as %s: must be refused with %s, got %s "
		            "(%s)\n",
		            k->method, k->params, who, k->want,
		            error ? error : "success",
		            error ? tfix_reason(r) : "");
		failures++;
	}
	if ((uid != BOB || error != NULL) && (leak = canary_in(r)) != NULL) {
		print_error("%s %s as %s: the %s shows Bravo's data "
		            "(\"%s\")\n",
		            k->method, k->params, who,
		            error ? "error reply" : "reply", leak);
		failures++;
	}
	snprintf(what, sizeof(what), "%s %s as %s", k->method, k->params, who);
	failures += canaries_logged(f, logged, what);
	if (k->contains != NULL && error == NULL && !contains(r, k->contains)) {
		print_error("%s %s as %s: the reply lacks \"%s\"\n", k->method,
		            k->params, who, k->contains);
		failures++;
	}
	if (error != NULL && strcmp(error, PD) == 0 &&
	    !tfix_last_denied(&f->t, k->method, uid)) {
		print_error("%s %s as %s: the denial is not audited\n",
		            k->method, k->params, who);
		failures++;
	}
	json_decref(r);
	if (tfix_db_sum(&f->t) != f->t.sum) {
		if (error != NULL) {
			print_error("%s %s as %s: refused, but the database "
			            "changed\n",
			            k->method, k->params, who);
			failures++;
		}
		/* Each call sees the same fixture. */
		tfix_restore(&f->t);
		assert_true(tfix_db_sum(&f->t) == f->t.sum);
	}
	return failures;
}

static void
test_idor(void **state)
{
	struct fx *f = *state;
	struct audit_verify_result vr;
	size_t i, j, calls = 0;
	int failures = 0;
	json_t *params, *r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (j = 0; j < sizeof(callers) / sizeof(callers[0]); j++) {
			if ((cases[i].who & callers[j].bit) == 0)
				continue;
			failures += run_one(f, &cases[i], callers[j].uid,
			                    callers[j].label);
			calls++;
		}
	}
	/* bob's import survived every attempt on it. */
	params = json_pack("{s:s}", "session", f->token);
	r = tfix_call(&f->t, BOB, "nl.ivtd.Import.Abort", params);
	json_decref(params);
	if (tfix_error(r) != NULL) {
		print_error("bob's import session was ended by another "
		            "caller: %s\n",
		            tfix_error(r));
		failures++;
	}
	json_decref(r);
	assert_int_equal(
	    audit_verify(f->t.ctx.store, f->t.ctx.crypto, &vr, NULL, NULL), 0);
	assert_int_equal(vr.bad_seq, 0);
	/* The whole log, the fixture's calls included; debug lines too. */
	failures += canaries_logged(f, 0, "idor");
	if (strstr(tfix_log(&f->t), "ivtd[debug]: ") == NULL) {
		print_error("no debug line was logged: is the log captured?\n");
		failures++;
	}
	print_message("idor: %zu cases, %zu calls\n",
	              sizeof(cases) / sizeof(cases[0]), calls);
	if (failures > 0)
		fail_msg("%d failures: calls that reach another project's "
		         "objects, or show or log its data (listed above)",
		         failures);
}

/* Is the project's item on the destruction list in this state? */
static int
item_is(struct fx *f, int64_t list, int64_t project, const char *state)
{
	static const char sql[] =
	    "SELECT state = ?3 FROM retention_items WHERE list_id = ?1 AND "
	    "project_id = ?2";
	sqlite3_stmt *st = tfix_prepare(&f->t, sql);
	int yes = 0;

	sqlite3_bind_int64(st, 1, list);
	sqlite3_bind_int64(st, 2, project);
	sqlite3_bind_text(st, 3, state, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		yes = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return yes;
}

/*
 * A destruction list that holds projects of two leaders: each leader
 * sees, confirms and destroys their own only.
 */
static void
test_retention_list(void **state)
{
	struct fx *f = *state;
	const json_t *items;
	json_t *r;
	const char *leak;

	/* pl_alfa confirms the list: only Alfa gesloten changes. */
	assert_true(item_is(f, f->L1, f->pBc, "confirmed"));
	assert_true(item_is(f, f->L1, f->pAc, "proposed"));
	r = tfix_must(&f->t, ALFA, "nl.ivtd.Retention.Confirm",
	              json_pack("{s:I}", "list", (json_int_t)f->L1));
	if ((leak = canary_in(r)) != NULL)
		fail_msg("Retention.Confirm shows Bravo's \"%s\"", leak);
	items = json_object_get(json_object_get(r, "list"), "items");
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(json_integer_value(json_object_get(
	                     json_array_get(items, 0), "project")),
	                 f->pAc);
	json_decref(r);
	assert_true(item_is(f, f->L1, f->pAc, "confirmed"));
	assert_true(item_is(f, f->L1, f->pBc, "confirmed"));
	assert_int_equal(
	    tfix_scalar_id(&f->t,
	                   "SELECT confirmed_by FROM retention_items WHERE "
	                   "project_id = ?1",
	                   f->pBc),
	    BOB);

	/* pl_alfa runs the destruction: Bravo gesloten, confirmed by bob
	 * and due, is not hers to destroy or to see. */
	r = tfix_must(&f->t, ALFA, "nl.ivtd.Retention.Run", json_object());
	if ((leak = canary_in(r)) != NULL)
		fail_msg("Retention.Run shows Bravo's \"%s\"", leak);
	items = json_object_get(r, "destroyed");
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(json_integer_value(json_object_get(
	                     json_array_get(items, 0), "project")),
	                 f->pAc);
	json_decref(r);
	assert_int_equal(
	    tfix_scalar_id(&f->t,
	                   "SELECT destroyed IS NOT NULL FROM projects "
	                   "WHERE id = ?1",
	                   f->pAc),
	    1);
	assert_int_equal(
	    tfix_scalar_id(&f->t,
	                   "SELECT destroyed IS NULL FROM projects "
	                   "WHERE id = ?1",
	                   f->pBc),
	    1);
	assert_true(item_is(f, f->L1, f->pBc, "confirmed"));

	/* bob's own run still destroys it. */
	r = tfix_must(&f->t, BOB, "nl.ivtd.Retention.Run", json_object());
	assert_int_equal(json_array_size(json_object_get(r, "destroyed")), 1);
	json_decref(r);
	assert_true(item_is(f, f->L1, f->pBc, "destroyed"));
	if (canaries_logged(f, 0, "retention") > 0)
		fail_msg("the daemon logged Bravo's data");
}

/*
 * A project destroyed by a version before schema 8 kept its rows about
 * data subjects; retention_finish_earlier deletes them at start, keeps
 * the report's counts and enters it.  Simulated on destroyed Bravo: its
 * counts forgotten, a subject row with its status and codes back.
 */
static void
test_finish_earlier(void **state)
{
	struct fx *f = *state;
	sqlite3 *db = f->t.ctx.store->db;
	char sql[512];

	snprintf(sql, sizeof(sql),
	         "DELETE FROM report_frozen WHERE project_id = %lld;"
	         "INSERT INTO subjects (id, project_id, status, pc4, "
	         "addr_index, addr_key, street, huisnummer, toevoeging, "
	         "postcode, woonplaats, codes, created, updated) VALUES "
	         "(%lld, %lld, 'gecontroleerd', '3601', zeroblob(32), "
	         "randomblob(32), x'', x'', x'', x'', x'', '[\"kanarie\"]', "
	         "0, 0)",
	         (long long)f->pBd, (long long)f->sBd, (long long)f->pBd);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(retention_finish_earlier(&f->t.ctx), 0);
	assert_int_equal(tfix_scalar_id(&f->t,
	                                "SELECT count(*) FROM subjects WHERE "
	                                "project_id = ?1",
	                                f->pBd),
	                 0);
	assert_int_equal(tfix_scalar_id(&f->t,
	                                "SELECT count(*) FROM report_frozen "
	                                "WHERE project_id = ?1",
	                                f->pBd),
	                 1);
	assert_int_equal(tfix_scalar(&f->t,
	                             "SELECT count(*) FROM audit WHERE object "
	                             "LIKE '%destruction finished%'"),
	                 1);
	/* Done: a second start finds nothing to finish. */
	assert_int_equal(retention_finish_earlier(&f->t.ctx), 0);
	assert_int_equal(tfix_scalar(&f->t,
	                             "SELECT count(*) FROM audit WHERE object "
	                             "LIKE '%destruction finished%'"),
	                 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_idor),
	    cmocka_unit_test(test_retention_list),
	    cmocka_unit_test(test_finish_earlier),
	};

	return cmocka_run_group_tests(tests, setup, tfix_teardown);
}
