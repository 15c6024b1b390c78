/*
 * test_field_grants.c - a partner sees of a project's personal data only
 * what the privacy protocol grants its organisation: nothing without
 * 'inlezen', and with 'inlezen' only the categories of its field list
 * (adres, bsn, naam, geboortedatum); of a partner's conflict or vervallen
 * reason only its own; of the projectleider's decision on a conflict
 * nothing; of another project nothing at all.
 *
 * One project (Noord) admits seven partners with different grants:
 *
 *   UWV      leveren, bewerken, inlezen   fields adres, naam
 *   SVB      leveren, inlezen             fields bsn
 *   GGD      leveren, inlezen             fields geboortedatum
 *   Politie  leveren, bewerken            (no inlezen)
 *   BRP      inlezen                      fields [] (none)
 *   ISZW     inlezen                      all fields (the control)
 *   Woco     -                            (not admitted to Noord)
 *
 * and a second project (Zuid) admits Woco with every right and UWV with
 * inlezen of the BSN only.  Every personal-data value holds a canary
 * word: street, huisnummer, toevoeging, postcode, woonplaats, name,
 * birth date, BSN, the selection codes, finding notes, journal notes,
 * the partners' reasons and the projectleider's rationale.  Each canary
 * knows its category, its project and (notes, reasons) the organisation
 * that wrote it.
 *
 * Every call of the test -- the fixture's writes (their replies are reads
 * too) and a battery of every reading method as every user -- is checked:
 * its reply (error replies included) holds no canary its caller may not
 * see.  The policy (may_see) is the design's:
 *
 *   address, name, BSN, birth date  inlezen in that project and the field
 *   selection codes                 inlezen in that project
 *   finding notes                   the organisation that wrote them, or
 *                                   inlezen of every field
 *   journal notes                   inlezen, and the organisation wrote
 *                                   them or every field is granted
 *   a partner's reason              that partner only
 *   the decision on a conflict      the managers only
 *   the privacy officer             nothing
 *
 * A separate check (Subject.Find) asks whether a search answers a partner
 * by a key it may not read: a search by BSN that returns a subject to a
 * partner without the bsn field tells it which address, names or birth
 * dates go with that BSN (and a subject's persons, with it, whose BSN is
 * whose); a search by postcode and huisnummer likewise tells a partner
 * without the adres field where the persons it sees live.
 *
 * At the end every canary must have been seen by someone allowed to (so
 * the battery does reach every kind of data), and every failure is
 * listed, one line each.  IVT_FG_VERBOSE=1 shows what each call showed.
 *
 * A partner that reads only some fields may not deliver subjects
 * (test_deliver_oracle): the match of its delivery with what the project
 * holds would tell it whose address or BSN it is.
 *
 * When written, this found two kinds of leak (the tests fail on them):
 *   - test_write_replies: Subject.Answer replies to a partner without
 *     inlezen (Politie) with the subject's selection codes (and its
 *     person_count and the other partners' answers), where Subject.Create
 *     tells such a deliverer nothing;
 *   - test_find_oracle: Subject.Find answers a partner by BSN without the
 *     bsn field (UWV, GGD, BRP) and by postcode and huisnummer without
 *     the adres field (SVB, GGD, BRP; UWV in Zuid): a BSN's address and
 *     names, an address's BSNs.
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

#define ADMIN 0
#define PL    5001 /* pl: leads both projects */
#define PRV   5020 /* privacy officer */

/* Partner organisations, their user and their grants per project. */
enum { UWV, SVB, GGD, POL, BRP, ISZW, WOCO, NPARTNERS };

#define R_LEV   0x1
#define R_BEW   0x2
#define R_INL   0x4
#define F_ADRES 0x1
#define F_BSN   0x2
#define F_NAAM  0x4
#define F_GEB   0x8
#define F_ALL   0xf

enum { PA, PB, NPROJECTS }; /* Noord, Zuid */

static const struct partner {
	const char *org, *user;
	uid_t uid;
	struct {
		int rights;
		unsigned fields;
		const char *rjson, *fjson; /* Protocol.Grant: NULL none */
	} g[NPROJECTS];
} partners[NPARTNERS] = {
    [UWV] = {"UWV",
             "uwv1",
             5011,
             {{R_LEV | R_BEW | R_INL, F_ADRES | F_NAAM,
               "[\"leveren\",\"bewerken\",\"inlezen\"]",
               "[\"adres\",\"naam\"]"},
              {R_INL, F_BSN, "[\"inlezen\"]", "[\"bsn\"]"}}},
    [SVB] = {"SVB",
             "svb1",
             5012,
             {{R_LEV | R_INL, F_BSN, "[\"leveren\",\"inlezen\"]", "[\"bsn\"]"},
              {0, 0, NULL, NULL}}},
    [GGD] = {"GGD",
             "ggd1",
             5013,
             {{R_LEV | R_INL, F_GEB, "[\"leveren\",\"inlezen\"]",
               "[\"geboortedatum\"]"},
              {0, 0, NULL, NULL}}},
    [POL] = {"Politie",
             "pol1",
             5014,
             {{R_LEV | R_BEW, F_ALL, "[\"leveren\",\"bewerken\"]", NULL},
              {0, 0, NULL, NULL}}},
    [BRP] = {"BRP",
             "brp1",
             5015,
             {{R_INL, 0, "[\"inlezen\"]", "[]"}, {0, 0, NULL, NULL}}},
    [ISZW] = {"ISZW",
              "iszw1",
              5016,
              {{R_INL, F_ALL, "[\"inlezen\"]", NULL}, {0, 0, NULL, NULL}}},
    [WOCO] = {"Woco",
              "woco1",
              5017,
              {{0, 0, NULL, NULL},
               {R_LEV | R_BEW | R_INL, F_ALL,
                "[\"leveren\",\"bewerken\",\"inlezen\"]", NULL}}},
};

/* Every user the battery calls as. */
static const uid_t callers[] = {ADMIN, PL,   PRV,  5011, 5012,
                                5013,  5014, 5015, 5016, 5017};
#define NCALLERS (sizeof(callers) / sizeof(callers[0]))

/* --- the data ------------------------------------------------------------ */

enum { P1, P2, P3, P4, P5, P6, P7, P8, NPERSONS };
static const struct person {
	const char *bsn, *name, *token, *born;
	int project;
} persons[NPERSONS] = {
    {"190100709", "Nq01q Jansen", "Nq01q", "1951-01-01", PA},
    {"190201411", "Nq02q Jansen", "Nq02q", "1952-02-02", PA},
    {"190302100", "Nq03q de Vries", "Nq03q", "1953-03-03", PA},
    {"190402805", "Nq04q de Vries", "Nq04q", "1954-04-04", PA},
    {"190503506", "Nq05q Bakker", "Nq05q", "1955-05-05", PA},
    {"190604207", "Nq06q Visser", "Nq06q", "1956-06-06", PA},
    {"190704901", "Nq07q Smit", "Nq07q", "1957-07-07", PA},
    {"190805602", "Nq08q Mulder", "Nq08q", "1958-08-08", PB},
};

enum { A1, A2, A3, A4, A5, B1, NADDR };
static const struct address {
	const char *street, *token, *nr, *nrtoken, *toev, *pc, *city, *ctoken,
	    *code;
	int project;
} addresses[NADDR] = {
    {"Sq01qstraat", "Sq01q", "97101", "\"huisnummer\":97101", "TQ01Q", "3511XA",
     "Wq01qdorp", "Wq01q", "Cq01q", PA},
    {"Sq02qstraat", "Sq02q", "97102", "\"huisnummer\":97102", "TQ02Q", "3511XB",
     "Wq02qdorp", "Wq02q", "Cq02q", PA},
    {"Sq03qstraat", "Sq03q", "97103", "\"huisnummer\":97103", "TQ03Q", "3511XC",
     "Wq03qdorp", "Wq03q", "Cq03q", PA},
    {"Sq04qstraat", "Sq04q", "97104", "\"huisnummer\":97104", "TQ04Q", "3511XD",
     "Wq04qdorp", "Wq04q", "Cq04q", PA},
    {"Sq05qstraat", "Sq05q", "97105", "\"huisnummer\":97105", "TQ05Q", "3511XE",
     "Wq05qdorp", "Wq05q", "Cq05q", PA},
    {"Sq09qstraat", "Sq09q", "97109", "\"huisnummer\":97109", "TQ09Q", "3521XA",
     "Wq09qdorp", "Wq09q", "Cq09q", PB},
};

/* Who lives where (-1 ends). */
static const int residents[NADDR][3] = {
    [A1] = {P1, P2, -1}, [A2] = {P3, P4, -1}, [A3] = {P5, -1},
    [A4] = {P6, -1},     [A5] = {P7, -1},     [B1] = {P8, -1},
};

enum cat {
	C_ADRES, /* street, huisnummer, toevoeging, postcode, woonplaats */
	C_NAAM,
	C_BSN,
	C_GEB,
	C_CODE,    /* selection codes */
	C_NOTE,    /* finding notes, by owner */
	C_JOURNAL, /* journal notes */
	C_REASON,  /* a partner's vervallen or conflict reason, by owner */
	C_DECISION /* the projectleider's rationale on a conflict */
};

static const char *const cat_names[] = {
    "adres",           "naam",         "bsn",          "geboortedatum", "codes",
    "bevinding.notes", "journal.note", "belang.reden", "besluit",
};

struct canary {
	char token[48];
	enum cat cat;
	int project;
	int owner; /* C_NOTE, C_REASON, C_JOURNAL: the partner; else -1 */
	int seen;  /* shown to someone who may see it */
};

struct fx {
	struct tfix t; /* first: the dispatch hook finds the fx from it */
	int64_t p[NPROJECTS], s[NADDR], day, f[6];
	struct canary can[128];
	size_t ncan;
	int nfail, nfail_fixture, verbose;
	/* Subject.Find answers by a key the grant does not cover, per
	 * partner, search (0 address, 1 BSN) and project; an example */
	int oracle[NPARTNERS][2][NPROJECTS];
	char oracle_eg[NPARTNERS][2][NPROJECTS][96];
	int in_fixture;
	const char *own_input; /* a token the caller sent itself */
};

/* --- the policy ------------------------------------------------------------
 */

static int
partner_of(uid_t uid)
{
	int i;

	for (i = 0; i < NPARTNERS; i++) {
		if (partners[i].uid == uid)
			return i;
	}
	return -1;
}

static const char *
label_of(uid_t uid)
{
	int p = partner_of(uid);

	if (p >= 0)
		return partners[p].user;
	return uid == ADMIN ? "admin"
	       : uid == PL  ? "pl"
	       : uid == PRV ? "prv1"
	                    : "?";
}

static const unsigned cat_field[] = {
    [C_ADRES] = F_ADRES, [C_NAAM] = F_NAAM, [C_BSN] = F_BSN, [C_GEB] = F_GEB};

/* May uid see canary c (see the top)? */
static int
may_see(uid_t uid, const struct canary *c)
{
	int p = partner_of(uid), rights;

	if (uid == ADMIN || uid == PL)
		return 1;
	if (p < 0) /* the privacy officer */
		return 0;
	rights = partners[p].g[c->project].rights;
	switch (c->cat) {
	case C_ADRES:
	case C_NAAM:
	case C_BSN:
	case C_GEB:
		return (rights & R_INL) &&
		       (partners[p].g[c->project].fields & cat_field[c->cat]);
	case C_CODE:
		return (rights & R_INL) != 0;
	/* Free text may name and place anyone, of any category: another
	 * organisation's goes only with inlezen of every field. */
	case C_JOURNAL:
		return (rights & R_INL) &&
		       (c->owner == p ||
		        partners[p].g[c->project].fields == F_ALL);
	case C_NOTE:
		return c->owner == p ||
		       ((rights & R_INL) &&
		        partners[p].g[c->project].fields == F_ALL);
	case C_REASON:
		return c->owner == p;
	case C_DECISION:
		return 0;
	}
	return 0;
}

/* --- helpers ---------------------------------------------------------------
 */

static void failure(struct fx *f, int *counter, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
failure(struct fx *f, int *counter, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("LEAK: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	f->nfail++;
	if (counter != NULL)
		(*counter)++;
}

static void
add_canary(struct fx *f, const char *token, enum cat cat, int project,
           int owner)
{
	struct canary *c;

	assert_true(f->ncan < sizeof(f->can) / sizeof(f->can[0]));
	c = &f->can[f->ncan++];
	memset(c, 0, sizeof(*c));
	snprintf(c->token, sizeof(c->token), "%s", token);
	c->cat = cat;
	c->project = project;
	c->owner = owner;
}

/* Check reply r of method as uid: no canary uid may not see. */
static void
check_reply(struct fx *f, uid_t uid, const char *method, const json_t *r)
{
	char *text = tfix_reply_text(r);
	struct canary *c;
	size_t i;

	for (i = 0; i < f->ncan; i++) {
		c = &f->can[i];
		if (strstr(text, c->token) == NULL)
			continue;
		if (f->own_input != NULL && strcmp(c->token, f->own_input) == 0)
			continue;
		if (may_see(uid, c)) {
			c->seen = 1;
			if (f->verbose)
				fprintf(stderr, "  %s as %s shows %s (%s)\n",
				        method, label_of(uid), c->token,
				        cat_names[c->cat]);
			continue;
		}
		failure(f, f->in_fixture ? &f->nfail_fixture : NULL,
		        "%s as %s (%s): the reply%s shows %s, %s of project "
		        "%s%s%s",
		        method, label_of(uid),
		        partner_of(uid) >= 0 ? partners[partner_of(uid)].org
		                             : "no partner",
		        tfix_error(r) ? " (an error)" : "", c->token,
		        cat_names[c->cat], c->project == PA ? "Noord" : "Zuid",
		        c->owner >= 0 ? ", of " : "",
		        c->owner >= 0 ? partners[c->owner].org : "");
	}
	free(text);
}

static json_t *
checked_call(struct tfix *t, uid_t uid, const char *method, json_t *params)
{
	struct fx *f = (struct fx *)t;
	json_t *r = tfix_dispatch(t, uid, method, params, NULL);

	check_reply(f, uid, method, r);
	return r;
}

/* A checked call; params stolen.  The reply (yours). */
static json_t *
call(struct fx *f, uid_t uid, const char *method, json_t *params)
{
	json_t *r;

	assert_non_null(params);
	r = checked_call(&f->t, uid, method, params);
	json_decref(params);
	return r;
}

/* A checked call that must succeed: its parameters (yours). */
static json_t *
must(struct fx *f, uid_t uid, const char *method, json_t *params)
{
	return tfix_succeeded(call(f, uid, method, params), uid, method);
}

static void
done(struct fx *f, uid_t uid, const char *method, json_t *params)
{
	json_decref(must(f, uid, method, params));
}

static int64_t
must_id(struct fx *f, uid_t uid, const char *method, json_t *params,
        const char *key)
{
	return tfix_id(must(f, uid, method, params), key);
}

/* --- the fixture -----------------------------------------------------------
 */

static void
grant(struct fx *f, int project, int p)
{
	json_t *g;

	if (partners[p].g[project].rjson == NULL)
		return;
	g = json_pack("{s:I,s:s,s:o}", "project", (json_int_t)f->p[project],
	              "partner", partners[p].org, "rights",
	              json_loads(partners[p].g[project].rjson, 0, NULL));
	if (partners[p].g[project].fjson != NULL)
		json_object_set_new(
		    g, "fields",
		    json_loads(partners[p].g[project].fjson, 0, NULL));
	done(f, PL, "nl.ivtd.Protocol.Grant", g);
}

/* Subject.Create of address a with its residents, as uid: the id, or 0
 * when the reply shows no subject (a deliverer that may not read). */
static int64_t
create(struct fx *f, uid_t uid, int a, const char *interests)
{
	const struct address *ad = &addresses[a];
	json_t *p, *list = json_array(), *r, *s;
	int64_t id = 0;
	const int *w;

	for (w = residents[a]; *w >= 0; w++)
		json_array_append_new(
		    list,
		    json_pack("{s:s,s:s,s:s}", "bsn", persons[*w].bsn, "name",
		              persons[*w].name, "birthdate", persons[*w].born));
	p = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:o,s:[s]}", "project",
	              (json_int_t)f->p[ad->project], "street", ad->street,
	              "huisnummer", ad->nr, "toevoeging", ad->toev, "postcode",
	              ad->pc, "woonplaats", ad->city, "persons", list, "codes",
	              ad->code);
	if (interests != NULL)
		json_object_set_new(p, "partners",
		                    json_loads(interests, 0, NULL));
	r = must(f, uid, "nl.ivtd.Subject.Create", p);
	if ((s = json_object_get(r, "subject")) != NULL)
		id = json_integer_value(json_object_get(s, "id"));
	json_decref(r);
	return id;
}

/* The id of the subject at address a, from the database. */
static int64_t
subject_at(struct fx *f, int a)
{
	sqlite3_stmt *st = tfix_prepare(
	    &f->t, "SELECT id FROM subjects WHERE project_id = ?1 AND "
	           "codes LIKE '%' || ?2 || '%'");
	int64_t id = -1;

	sqlite3_bind_int64(st, 1, f->p[addresses[a].project]);
	sqlite3_bind_text(st, 2, addresses[a].code, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	assert_true(id > 0);
	return id;
}

static void
answer(struct fx *f, int p, int a, const char *verdict, const char *reason)
{
	json_t *j = json_pack("{s:I,s:s}", "subject", (json_int_t)f->s[a],
	                      "answer", verdict);

	if (reason != NULL)
		json_object_set_new(j, "reason", json_string(reason));
	done(f, partners[p].uid, "nl.ivtd.Subject.Answer", j);
}

static int64_t
finding(struct fx *f, int p, int a, const char *category, const char *notes,
        const char *action, const char *owner)
{
	json_t *j = json_pack("{s:I,s:s,s:I,s:s,s:s,s:s}", "subject",
	                      (json_int_t)f->s[a], "visit_date", f->t.today,
	                      "day", (json_int_t)f->day, "category", category,
	                      "notes", notes, "action", action);

	if (strcmp(action, "geen") != 0)
		json_object_set_new(j, "due", json_string(f->t.future));
	if (owner != NULL)
		json_object_set_new(j, "owner", json_string(owner));
	return must_id(f, partners[p].uid, "nl.ivtd.Finding.Add", j, "finding");
}

/* Import of address a by uid, through a session. */
static void
import(struct fx *f, uid_t uid, int a, const char *belang)
{
	const struct address *ad = &addresses[a];
	const struct person *pp = &persons[residents[a][0]];
	char csv[1024], token[64];
	json_t *r;

	snprintf(csv, sizeof(csv),
	         "straat;huisnummer;postcode;woonplaats;toevoeging;bsn;naam;"
	         "geboortedatum;belang;indicatoren\n"
	         "%s;%s;%s;%s;%s;%s;%s;%s;%s;%s\n",
	         ad->street, ad->nr, ad->pc, ad->city, ad->toev, pp->bsn,
	         pp->name, pp->born, belang, ad->code);
	r = must(f, uid, "nl.ivtd.Import.Begin",
	         json_pack("{s:I}", "project", (json_int_t)f->p[ad->project]));
	snprintf(token, sizeof(token), "%s",
	         json_string_value(json_object_get(r, "session")));
	json_decref(r);
	r = must(f, uid, "nl.ivtd.Import.Chunk",
	         json_pack("{s:s,s:i,s:s,s:b}", "session", token, "offset", 0,
	                   "data", csv, "last", 1));
	assert_int_equal(json_integer_value(json_object_get(r, "bad")), 0);
	json_decref(r);
	done(f, uid, "nl.ivtd.Import.Commit",
	     json_pack("{s:s}", "session", token));
}

static void
build_fixture(struct fx *f)
{
	static const struct tfix_user staff[] = {
	    {"pl", "projectleider", NULL, PL},
	    {"prv1", "privacy", NULL, PRV},
	};
	const char *names[NPARTNERS];
	struct tfix_user users[NPARTNERS];
	size_t i;
	int a, p;
	const int *w;

	f->in_fixture = 1;
	for (p = 0; p < NPARTNERS; p++) {
		names[p] = partners[p].org;
		users[p] = (struct tfix_user){partners[p].user, "partner",
		                              partners[p].org, partners[p].uid};
	}
	tfix_add_partners(&f->t, names, NPARTNERS);
	tfix_add_users(&f->t, staff, 2);
	tfix_add_users(&f->t, users, NPARTNERS);

	/* The canaries, before any call that could show one. */
	for (i = 0; i < NPERSONS; i++) {
		add_canary(f, persons[i].token, C_NAAM, persons[i].project, -1);
		add_canary(f, persons[i].bsn, C_BSN, persons[i].project, -1);
		add_canary(f, persons[i].born, C_GEB, persons[i].project, -1);
	}
	for (a = 0; a < NADDR; a++) {
		const struct address *ad = &addresses[a];

		add_canary(f, ad->token, C_ADRES, ad->project, -1);
		add_canary(f, ad->nrtoken, C_ADRES, ad->project, -1);
		add_canary(f, ad->toev, C_ADRES, ad->project, -1);
		add_canary(f, ad->pc, C_ADRES, ad->project, -1);
		add_canary(f, ad->ctoken, C_ADRES, ad->project, -1);
		add_canary(f, ad->code, C_CODE, ad->project, -1);
	}
	add_canary(f, "lopend_onderzoek", C_REASON, PA, SVB);
	add_canary(f, "zorgtraject", C_REASON, PA, GGD);
	add_canary(f, "gewijzigde_inkomenssituatie", C_REASON, PA, SVB);
	add_canary(f, "Rq01q", C_DECISION, PA, -1);
	add_canary(f, "Fq01q", C_NOTE, PA, UWV);
	add_canary(f, "Fq02q", C_NOTE, PA, SVB);
	add_canary(f, "Fq03q", C_NOTE, PA, POL);
	add_canary(f, "Fq04q", C_NOTE, PA, UWV);
	add_canary(f, "Fq05q", C_NOTE, PA, GGD);
	add_canary(f, "Fq06q", C_NOTE, PA, UWV);
	add_canary(f, "Jq01q", C_JOURNAL, PA, -1);
	add_canary(f, "Jq02q", C_JOURNAL, PA, UWV);
	add_canary(f, "Jq09q", C_JOURNAL, PB, WOCO);

	f->p[PA] = tfix_project(&f->t, PL, "Project Noord", "3511AA-3511ZZ");
	tfix_operational(&f->t, PL, f->p[PA]);
	f->p[PB] = tfix_project(&f->t, PL, "Project Zuid", "3521AA-3521ZZ");
	tfix_operational(&f->t, PL, f->p[PB]);
	for (p = 0; p < NPARTNERS; p++) {
		grant(f, PA, p);
		grant(f, PB, p);
	}
	/* Noord: the projectleider selects A1, A3 and A4; Politie
	 * delivers A2 (and may not read it back), and imports A5 for SVB
	 * (SVB, reading BSNs only, may not deliver: test_deliver_oracle). */
	f->s[A1] = create(f, PL, A1, "[\"UWV\",\"SVB\",\"GGD\"]");
	assert_int_equal(
	    create(f, partners[POL].uid, A2, "[\"UWV\",\"Politie\"]"), 0);
	f->s[A2] = subject_at(f, A2);
	f->s[A3] = create(f, PL, A3, "[\"SVB\",\"GGD\"]");
	f->s[A4] = create(f, PL, A4, "[\"UWV\"]");
	import(f, partners[POL].uid, A5, "SVB");
	f->s[A5] = subject_at(f, A5);
	/* Zuid: Woco delivers B1. */
	f->s[B1] = create(f, partners[WOCO].uid, B1, "[\"Woco\"]");
	assert_true(f->s[B1] > 0);
	for (a = 0; a < NADDR; a++)
		for (w = residents[a]; *w >= 0; w++)
			assert_int_equal(persons[*w].project,
			                 addresses[a].project);

	/* Actualisation, with reasons of SVB and GGD. */
	done(f, PL, "nl.ivtd.Subject.Actualise",
	     json_pack("{s:I}", "project", (json_int_t)f->p[PA]));
	answer(f, UWV, A1, "relevant", NULL);
	answer(f, SVB, A1, "relevant", NULL);
	answer(f, GGD, A1, "relevant", NULL);
	answer(f, UWV, A2, "relevant", NULL);
	answer(f, POL, A2, "relevant", NULL);
	answer(f, SVB, A3, "conflict", "lopend_onderzoek");
	answer(f, GGD, A3, "conflict", "zorgtraject");
	answer(f, UWV, A4, "relevant", NULL);
	answer(f, SVB, A5, "vervallen", "gewijzigde_inkomenssituatie");
	done(f, PL, "nl.ivtd.Subject.Resolve",
	     json_pack("{s:I,s:b,s:s}", "subject", (json_int_t)f->s[A3],
	               "proceed", 1, "rationale",
	               "Rq01q: doorgaan na overleg"));

	/* A confirmed day today with A1-A3; A4 handed out to uwv1. */
	f->day = must_id(
	    f, PL, "nl.ivtd.Day.Create",
	    json_pack("{s:I,s:s,s:s,s:s,s:[s],s:s,s:[{s:s,s:i},{s:s,s:i},"
	              "{s:s,s:i},{s:s,s:i}],s:[s,s,s],s:s,s:b}",
	              "project", (json_int_t)f->p[PA], "date", f->t.today,
	              "start", "00:00", "end", "23:59", "area", "3511AA-3511ZZ",
	              "meeting_point", "Noordplein", "partners", "partner",
	              "UWV", "staff", 1, "partner", "SVB", "staff", 1,
	              "partner", "GGD", "staff", 1, "partner", "Politie",
	              "staff", 1, "employees", "uwv1", "svb1", "ggd1", "police",
	              "present", "police_informed", 1),
	    "day");
	done(f, PL, "nl.ivtd.Day.Confirm",
	     json_pack("{s:I}", "id", (json_int_t)f->day));
	done(f, PL, "nl.ivtd.Day.Plan",
	     json_pack("{s:I,s:[I,I,I]}", "id", (json_int_t)f->day, "subjects",
	               (json_int_t)f->s[A1], (json_int_t)f->s[A2],
	               (json_int_t)f->s[A3]));
	done(f, PL, "nl.ivtd.Day.Assign",
	     json_pack("{s:I,s:s}", "subject", (json_int_t)f->s[A4], "user",
	               "uwv1"));

	/* Findings with notes, follow-ups owned by others; one updated. */
	f->f[0] = finding(f, UWV, A1, "zwartwerk", "Fq01q: werkplaats",
	                  "nader_onderzoek", "SVB");
	f->f[1] = finding(f, SVB, A1, "geen_bijzonderheden", "Fq02q: niets",
	                  "geen", NULL);
	f->f[2] = finding(f, POL, A2, "brandonveilig", "Fq03q: geen melder",
	                  "handhavingsbesluit", NULL);
	f->f[3] = finding(f, UWV, A2, "uitkeringsfraude", "Fq04q: samenwonend",
	                  "terugvordering", "Politie");
	f->f[4] = finding(f, GGD, A3, "zorgsignaal", "Fq05q: vervuiling",
	                  "zorgmelding", NULL);
	done(f, partners[UWV].uid, "nl.ivtd.Finding.Update",
	     json_pack("{s:I,s:s}", "id", (json_int_t)f->f[0], "notes",
	               "Fq06q: werkplaats bevestigd"));

	/* Journal notes in both projects. */
	done(f, PL, "nl.ivtd.Journal.Add",
	     json_pack("{s:I,s:s,s:s}", "project", (json_int_t)f->p[PA], "kind",
	               "casusbespreking", "note", "Jq01q: casusoverleg"));
	done(f, partners[UWV].uid, "nl.ivtd.Journal.Add",
	     json_pack("{s:I,s:s,s:s}", "project", (json_int_t)f->p[PA], "kind",
	               "overleg", "note", "Jq02q: overleg UWV"));
	done(f, partners[WOCO].uid, "nl.ivtd.Journal.Add",
	     json_pack("{s:I,s:s,s:s}", "project", (json_int_t)f->p[PB], "kind",
	               "overleg", "note", "Jq09q: overleg Woco"));
	f->in_fixture = 0;
}

/* --- the battery
 * -------------------------------------------------------------- */

/*
 * A search answers a partner by a key it may not read: for each subject
 * of the reply, the caller's organisation must be granted the field it
 * searched by (bsn, adres) in that subject's project.
 */
static void
check_find(struct fx *f, uid_t uid, const json_t *params, const json_t *r)
{
	int p = partner_of(uid), by_bsn, q;
	const json_t *s;
	size_t i;

	if (p < 0 || tfix_error(r) != NULL)
		return;
	by_bsn = json_object_get(params, "bsn") != NULL;
	json_array_foreach(
	    json_object_get(json_object_get(r, "parameters"), "subjects"), i, s)
	{
		q = json_integer_value(json_object_get(s, "project")) ==
		            f->p[PA]
		        ? PA
		        : PB;
		if (partners[p].g[q].fields & (by_bsn ? F_BSN : F_ADRES))
			continue;
		if (f->oracle[p][by_bsn][q]++ == 0)
			snprintf(f->oracle_eg[p][by_bsn][q],
			         sizeof(f->oracle_eg[0][0][0]),
			         "subject %lld with pc4 %s, %zu person(s) "
			         "shown, person_count %lld",
			         (long long)json_integer_value(
			             json_object_get(s, "id")),
			         json_string_value(json_object_get(s, "pc4")),
			         json_array_size(json_object_get(s, "persons")),
			         (long long)json_integer_value(
			             json_object_get(s, "person_count")));
	}
}

static void
battery(struct fx *f)
{
	json_t *cases[96];
	const char *methods[96];
	size_t n = 0, i, u;
	int a, q;

#define CASE(m, p) (methods[n] = (m), cases[n++] = (p))
	for (a = 0; a < NADDR; a++)
		CASE("nl.ivtd.Subject.Show",
		     json_pack("{s:I}", "id", (json_int_t)f->s[a]));
	for (q = 0; q < NPROJECTS; q++) {
		CASE("nl.ivtd.Subject.List",
		     json_pack("{s:I}", "project", (json_int_t)f->p[q]));
		CASE("nl.ivtd.Journal.List",
		     json_pack("{s:I}", "project", (json_int_t)f->p[q]));
		CASE("nl.ivtd.Finding.FollowupList",
		     json_pack("{s:I}", "project", (json_int_t)f->p[q]));
		CASE("nl.ivtd.Finding.Report",
		     json_pack("{s:I}", "project", (json_int_t)f->p[q]));
		CASE("nl.ivtd.Project.Show",
		     json_pack("{s:I}", "id", (json_int_t)f->p[q]));
		CASE("nl.ivtd.Project.History",
		     json_pack("{s:I}", "id", (json_int_t)f->p[q]));
		CASE("nl.ivtd.Protocol.Show",
		     json_pack("{s:I}", "project", (json_int_t)f->p[q]));
		CASE("nl.ivtd.Day.List",
		     json_pack("{s:I}", "project", (json_int_t)f->p[q]));
	}
	CASE("nl.ivtd.Subject.List",
	     json_pack("{s:I,s:s}", "project", (json_int_t)f->p[PA], "partner",
	               "GGD"));
	CASE("nl.ivtd.Subject.List",
	     json_pack("{s:I,s:s}", "project", (json_int_t)f->p[PA], "status",
	               "vervallen"));
	for (i = 0; i < NPERSONS; i++)
		CASE("nl.ivtd.Subject.Find",
		     json_pack("{s:s}", "bsn", persons[i].bsn));
	for (a = 0; a < NADDR; a++)
		CASE("nl.ivtd.Subject.Find",
		     json_pack("{s:s,s:s}", "postcode", addresses[a].pc,
		               "huisnummer", addresses[a].nr));
	CASE("nl.ivtd.Day.Show", json_pack("{s:I}", "id", (json_int_t)f->day));
	CASE("nl.ivtd.Day.List", json_object());
	CASE("nl.ivtd.Day.Export",
	     json_pack("{s:I}", "id", (json_int_t)f->day));
	CASE("nl.ivtd.Day.Suggest",
	     json_pack("{s:I}", "id", (json_int_t)f->day));
	CASE("nl.ivtd.Day.Mine", json_object());
	for (a = A1; a <= A5; a++)
		CASE("nl.ivtd.Finding.List",
		     json_pack("{s:I}", "subject", (json_int_t)f->s[a]));
	for (i = 0; i < 5; i++)
		CASE("nl.ivtd.Finding.History",
		     json_pack("{s:I}", "id", (json_int_t)f->f[i]));
	CASE("nl.ivtd.Finding.FollowupList", json_object());
	CASE("nl.ivtd.Finding.FollowupList",
	     json_pack("{s:I,s:b}", "project", (json_int_t)f->p[PA], "overdue",
	               1));
	CASE("nl.ivtd.Project.List", json_object());
	CASE("nl.ivtd.Partner.List", json_object());
	CASE("nl.ivtd.Privacy.Register", json_object());
	CASE("nl.ivtd.Privacy.Inzage",
	     json_pack("{s:s}", "bsn", persons[P1].bsn));
	CASE("nl.ivtd.Audit.List", json_pack("{s:i}", "limit", 1000));
	CASE("nl.ivtd.Audit.List", json_pack("{s:s}", "bsn", persons[P1].bsn));
	CASE("nl.ivtd.Audit.Tail", json_pack("{s:i}", "last", 1000));
	CASE("nl.ivtd.Audit.Verify", json_object());
	CASE("nl.ivtd.Retention.Propose", json_pack("{s:b}", "dry_run", 1));
	CASE("nl.ivtd.WhoAmI", json_object());
#undef CASE
	assert_true(n <= sizeof(cases) / sizeof(cases[0]));
	for (i = 0; i < n; i++) {
		for (u = 0; u < NCALLERS; u++) {
			json_t *r;

			/* The BSN a search or an inzage asks for is the
			 * caller's own input, not a disclosure. */
			f->own_input =
			    json_string_value(json_object_get(cases[i], "bsn"));
			r = call(f, callers[u], methods[i],
			         json_deep_copy(cases[i]));
			f->own_input = NULL;
			if (strcmp(methods[i], "nl.ivtd.Subject.Find") == 0)
				check_find(f, callers[u], cases[i], r);
			json_decref(r);
		}
		json_decref(cases[i]);
	}
}

/* Positive checks: the grants do show what they grant (else the test
 * would pass on a daemon that shows nothing). */
static void
must_show(struct fx *f, uid_t uid, const char *method, json_t *params,
          const char *const *want, const char *const * not )
{
	json_t *r = call(f, uid, method, params);
	char *text = tfix_reply_text(r);

	assert_null(tfix_error(r));
	for (; want != NULL && *want != NULL; want++) {
		if (strstr(text, *want) == NULL)
			fail_msg("%s as %s does not show %s: %s", method,
			         label_of(uid), *want, text);
	}
	for (; not != NULL && *not != NULL; not ++) {
		if (strstr(text, *not ) != NULL)
			fail_msg("%s as %s shows %s: %s", method, label_of(uid),
			         *not, text);
	}
	free(text);
	json_decref(r);
}

/* --- setup and the tests
 * ------------------------------------------------------- */

static int
group_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL || tfix_init(&f->t, "fieldgr") == -1)
		return -1;
	if (tfix_open(&f->t, TFIX_DAEMON) == -1)
		return -1;
	f->t.dispatch = checked_call;
	f->verbose = getenv("IVT_FG_VERBOSE") != NULL;
	*state = f;
	build_fixture(f);
	return 0;
}

/* The replies to the fixture's own calls (Subject.Create, Answer,
 * Resolve, Import, Day.Plan, Finding.Add, ...) held nothing their caller
 * may not see. */
static void
test_write_replies(void **state)
{
	struct fx *f = *state;

	if (f->nfail_fixture > 0)
		fail_msg("%d replies to writes showed what their caller may "
		         "not see (listed above)",
		         f->nfail_fixture);
}

/* Each grant shows what it grants and nothing else, in Subject.Show. */
static void
test_grants_show(void **state)
{
	struct fx *f = *state;
	const char *uwv_yes[] = {
	    "Sq01q", "TQ01Q", "3511XA", "Wq01q", "\"huisnummer\":97101",
	    "Nq01q", "Nq02q", NULL};
	const char *uwv_no[] = {"190100709", "1951-01-01", NULL};
	const char *svb_yes[] = {"190100709", "190201411", NULL};
	const char *svb_no[] = {"Sq01q", "Nq01q", "1951-01-01", "3511XA", NULL};
	const char *ggd_yes[] = {"1951-01-01", "1952-02-02", NULL};
	const char *ggd_no[] = {"Sq01q", "Nq01q", "190100709", NULL};
	const char *iszw_yes[] = {"Sq01q",      "Nq01q", "190100709",
	                          "1951-01-01", "Cq01q", NULL};
	const char *brp_yes[] = {"\"person_count\":2", "Cq01q", NULL};
	const char *brp_no[] = {"Sq01q", "Nq01q", "190100709", "1951-01-01",
	                        NULL};
	json_t *id = json_pack("{s:I}", "id", (json_int_t)f->s[A1]);

	must_show(f, partners[UWV].uid, "nl.ivtd.Subject.Show",
	          json_deep_copy(id), uwv_yes, uwv_no);
	must_show(f, partners[SVB].uid, "nl.ivtd.Subject.Show",
	          json_deep_copy(id), svb_yes, svb_no);
	must_show(f, partners[GGD].uid, "nl.ivtd.Subject.Show",
	          json_deep_copy(id), ggd_yes, ggd_no);
	must_show(f, partners[ISZW].uid, "nl.ivtd.Subject.Show",
	          json_deep_copy(id), iszw_yes, NULL);
	must_show(f, partners[BRP].uid, "nl.ivtd.Subject.Show",
	          json_deep_copy(id), brp_yes, brp_no);
	json_decref(id);
	/* Searches reach subjects for a partner that may read all. */
	must_show(f, partners[ISZW].uid, "nl.ivtd.Subject.Find",
	          json_pack("{s:s}", "bsn", persons[P1].bsn), iszw_yes, NULL);
	must_show(f, partners[ISZW].uid, "nl.ivtd.Subject.Find",
	          json_pack("{s:s,s:s}", "postcode", addresses[A1].pc,
	                    "huisnummer", addresses[A1].nr),
	          iszw_yes, NULL);
	/* Without inlezen, or in another project: refused. */
	{
		json_t *r =
		    call(f, partners[POL].uid, "nl.ivtd.Subject.Show",
		         json_pack("{s:I}", "id", (json_int_t)f->s[A2]));

		assert_string_equal(tfix_error(r), "nl.ivtd.PermissionDenied");
		json_decref(r);
		r = call(f, partners[WOCO].uid, "nl.ivtd.Subject.Show",
		         json_pack("{s:I}", "id", (json_int_t)f->s[A1]));
		assert_string_equal(tfix_error(r), "nl.ivtd.PermissionDenied");
		json_decref(r);
		r = call(f, partners[SVB].uid, "nl.ivtd.Subject.Show",
		         json_pack("{s:I}", "id", (json_int_t)f->s[B1]));
		assert_string_equal(tfix_error(r), "nl.ivtd.PermissionDenied");
		json_decref(r);
	}
}

/* Every reading method as every user: no canary the caller may not see;
 * again after the day was carried out and follow-ups were done. */
static void
test_read_methods(void **state)
{
	struct fx *f = *state;
	size_t i;
	int before = f->nfail - f->nfail_fixture;
	int after;

	battery(f);
	done(f, partners[POL].uid, "nl.ivtd.Finding.FollowupDone",
	     json_pack("{s:I}", "id", (json_int_t)f->f[3]));
	done(f, partners[SVB].uid, "nl.ivtd.Finding.FollowupDone",
	     json_pack("{s:I}", "id", (json_int_t)f->f[0]));
	done(f, PL, "nl.ivtd.Day.Done",
	     json_pack("{s:I}", "id", (json_int_t)f->day));
	battery(f);
	for (i = 0; i < f->ncan; i++) {
		if (!f->can[i].seen)
			failure(f, NULL,
			        "no reply showed %s (%s) to anyone allowed: "
			        "the battery misses a kind of data",
			        f->can[i].token, cat_names[f->can[i].cat]);
	}
	after = f->nfail - f->nfail_fixture;
	fprintf(stderr, "%zu canaries checked\n", f->ncan);
	if (after > before)
		fail_msg("%d replies of reading methods showed what their "
		         "caller may not see (listed above)",
		         after - before);
}

/* Subject.Find answers no partner by a key its grant does not cover
 * (the battery of test_read_methods collected these). */
static void
test_find_oracle(void **state)
{
	struct fx *f = *state;
	int p, k, q, n = 0;

	for (p = 0; p < NPARTNERS; p++)
		for (k = 0; k < 2; k++)
			for (q = 0; q < NPROJECTS; q++) {
				if (f->oracle[p][k][q] == 0)
					continue;
				n++;
				failure(f, NULL,
				        "nl.ivtd.Subject.Find as %s (%s, no "
				        "'%s' field in project %s): %d "
				        "search(es) by %s returned a subject, "
				        "e.g. %s",
				        partners[p].user, partners[p].org,
				        k ? "bsn" : "adres",
				        q == PA ? "Noord" : "Zuid",
				        f->oracle[p][k][q],
				        k ? "BSN" : "postcode and huisnummer",
				        f->oracle_eg[p][k][q]);
			}
	/* The control: a partner with the field does find. */
	assert_true(f->oracle[ISZW][0][PA] == 0 && f->oracle[ISZW][1][PA] == 0);
	if (n > 0)
		fail_msg("Subject.Find answered partners by a key their grant "
		         "does not cover, in %d cases (listed above)",
		         n);
}

/*
 * A partner that reads some fields only may not deliver.  A delivery is
 * matched to the project's subjects by address and BSN, and reading the
 * project shows the match: a partner without 'adres' delivering a
 * guessed address with a marker person saw in Subject.List who lives
 * with the marker; one without 'bsn' delivering a BSN at an address saw
 * from a person count that did not grow that the BSN lives there; an
 * import's "merged" said whether the address was in the project.  Each
 * such delivery is refused, audited and changes nothing, by
 * Subject.Create and by Import.Begin; Politie (leveren without inlezen)
 * and Woco (every field, in Zuid) deliver.
 */
static void
test_deliver_oracle(void **state)
{
	static const int restricted[] = {UWV, SVB, GGD};
	struct fx *f = *state;
	const struct address *ad = &addresses[A1];
	uint64_t sum;
	uid_t uid;
	json_t *r, *p;
	size_t i;

	for (i = 0; i < sizeof(restricted) / sizeof(restricted[0]); i++) {
		uid = partners[restricted[i]].uid;
		sum = tfix_db_sum(&f->t);
		r = call(f, uid, "nl.ivtd.Subject.Create",
		         json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:[{s:s,s:s}]}",
		                   "project", (json_int_t)f->p[PA], "street",
		                   ad->street, "huisnummer", ad->nr,
		                   "toevoeging", ad->toev, "postcode", ad->pc,
		                   "woonplaats", ad->city, "persons", "bsn",
		                   "111222333", "name", "Marker"));
		assert_non_null(tfix_error(r)); /* it was delivered */
		assert_string_equal(tfix_error(r), "nl.ivtd.PermissionDenied");
		assert_non_null(strstr(tfix_reason(r), "'adres' and 'bsn'"));
		json_decref(r);
		assert_true(
		    tfix_last_denied(&f->t, "nl.ivtd.Subject.Create", uid));
		r = call(f, uid, "nl.ivtd.Import.Begin",
		         json_pack("{s:I}", "project", (json_int_t)f->p[PA]));
		assert_string_equal(tfix_error(r), "nl.ivtd.PermissionDenied");
		json_decref(r);
		assert_true(
		    tfix_last_denied(&f->t, "nl.ivtd.Import.Begin", uid));
		assert_true(tfix_db_sum(&f->t) == sum);
	}
	/* The same partner delivers once its list holds both keys (its
	 * reply, showing the address, is not checked against the policy
	 * table, which says SVB reads BSNs only). */
	done(f, PL, "nl.ivtd.Protocol.Grant",
	     json_pack("{s:I,s:s,s:[s],s:[s,s]}", "project",
	               (json_int_t)f->p[PA], "partner", "SVB", "rights",
	               "inlezen", "fields", "adres", "bsn"));
	p = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s}", "project",
	              (json_int_t)f->p[PA], "street", ad->street, "huisnummer",
	              ad->nr, "toevoeging", ad->toev, "postcode", ad->pc,
	              "woonplaats", ad->city);
	json_decref(
	    tfix_succeeded(tfix_dispatch(&f->t, partners[SVB].uid,
	                                 "nl.ivtd.Subject.Create", p, NULL),
	                   partners[SVB].uid, "nl.ivtd.Subject.Create"));
	json_decref(p);
	done(f, PL, "nl.ivtd.Protocol.Grant",
	     json_pack("{s:I,s:s,s:[s],s:[s]}", "project", (json_int_t)f->p[PA],
	               "partner", "SVB", "rights", "inlezen", "fields", "bsn"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_write_replies),
	    cmocka_unit_test(test_grants_show),
	    cmocka_unit_test(test_read_methods),
	    cmocka_unit_test(test_find_oracle),
	    cmocka_unit_test(test_deliver_oracle),
	};

	return cmocka_run_group_tests(tests, group_setup, tfix_teardown);
}
