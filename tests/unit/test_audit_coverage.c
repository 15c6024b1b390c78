/*
 * test_audit_coverage.c - every reply that discloses personal data has an
 * audit entry, in the same call, for each data subject it shows, naming
 * the fields shown; every change of a subject's data has an entry naming
 * the subject.
 *
 * The fixture puts a canary word in every personal-data value: each
 * person's BSN, name and birth date, each address's street, toevoeging,
 * postcode and woonplaats, each finding's notes, the projectleider's
 * rationale on a conflict, a partner's conflict reason and a journal
 * note.  Each canary knows whose it is (the pseudonym: the blind index of
 * the BSN or of the whole address, as the daemon computes it), which
 * field it is, and in which project it is held.
 *
 * Every call of the test -- the ones that build the fixture and a battery
 * of every reading method called as admin, projectleider, a partner that
 * reads everything (UWV), a partner that reads only the BSN (SVB), a
 * partner without inlezen (Politie) and the privacy officer -- is
 * dispatched as the daemon does, with its own W3C trace id.  Then:
 *
 *   - for every canary in the reply (error parameters included), the
 *     call's trace has an "allowed" entry naming that pseudonym, that
 *     project and a field list holding that field (project "any" only
 *     where one value is held in two projects: a BSN, a postcode);
 *   - a write lists the entries it must leave (the inverse: the subjects
 *     and fields it changed), and each must be in its trace;
 *   - a refusal has a "denied" entry in its trace;
 *   - no entry of the call holds a canary (pseudonyms, never clear text);
 *   - no error reply holds a canary, whoever the caller;
 *   - nothing the daemon logged during the call, at any level down to
 *     debug (tfix_capture_log), holds a canary;
 *   - values of rejected input appear nowhere: import rows with a bad
 *     field, and calls with an invalid value (a BSN that fails the
 *     elfproef, an overlong name, a malformed postcode or date, ...)
 *     whose other values are canaries too.
 * At the end no audit entry and no log line holds a canary, debug lines
 * were logged (so the log was captured), and every canary was seen in
 * some reply (so the battery does reach every kind of personal data).
 *
 * Failures are collected and printed together, one line each; set
 * IVT_COVERAGE_VERBOSE=1 to see which method disclosed which canary.
 *
 * This found the gaps fixed with it: Subject.Create merged into an
 * address showed its other residents unaudited; a search across two
 * projects recorded only the first project's disclosure of a person or
 * address; follow-up lists recorded notes without their project; the
 * projectleider's rationale (besluit) and the partners' reasons
 * (belang.reden) were shown without being named, also to a partner
 * without inlezen; Subject.Actualise, Subject.Answer, Day.Done and
 * Finding.FollowupDone changed subjects without an entry naming them.
 * The log check found that an error reply to a method the daemon does
 * not know logged the caller's method name, which could hold anything.
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
#define PL    3101 /* pl_noord: leads both projects */
#define UWV   3111 /* uwv1: reads everything in Noord; adres,naam in Zuid */
#define SVB   3112 /* svb1: leveren and inlezen, the BSN only */
#define POL   3113 /* pol1: leveren and bewerken, no inlezen */
#define PRV   3120 /* prv1: privacy officer */

static const struct {
	uid_t uid;
	const char *label;
} users[] = {
    {ADMIN, "admin"}, {PL, "pl_noord"}, {UWV, "uwv1"},
    {SVB, "svb1"},    {POL, "pol1"},    {PRV, "prv1"},
};
#define NUSERS (sizeof(users) / sizeof(users[0]))

/* Persons; the token (first word of the name) is the name's canary. */
enum {
	P1, P2, P3, /* at A1 */
	P4, P5,     /* at A2; P5 also lives at B1 in project Zuid (as P9) */
	P6,         /* at A3 */
	P7,         /* at A4 */
	P8,         /* merged into A1 by UWV */
	P9,         /* P5's BSN in project Zuid, with other name and date */
	P10, P11,   /* imported: new at A5, merged into A4 */
	NPERSONS
};
static const struct person {
	const char *bsn, *name, *token, *born;
} persons[NPERSONS] = {
    {"190100709", "Pq01q Jansen", "Pq01q", "1951-01-01"},
    {"190201411", "Pq02q Jansen", "Pq02q", "1952-02-02"},
    {"190302100", "Pq03q Jansen", "Pq03q", "1953-03-03"},
    {"190402805", "Pq04q de Vries", "Pq04q", "1954-04-04"},
    {"190503506", "Pq05q Bakker", "Pq05q", "1955-05-05"},
    {"190604207", "Pq06q Visser", "Pq06q", "1956-06-06"},
    {"190704901", "Pq07q Smit", "Pq07q", "1957-07-07"},
    {"190805602", "Pq08q Jansen", "Pq08q", "1958-08-08"},
    {"190503506", "Pq09q Bakker", "Pq09q", "1959-09-09"},
    {"190906303", "Pq10q Meijer", "Pq10q", "1960-10-10"},
    {"191007006", "Pq11q Mulder", "Pq11q", "1961-11-11"},
};

/* Addresses; B1 has A1's postcode and huisnummer, not its toevoeging:
 * each has its own pseudonym, and a search by both finds the two. */
enum { A1, A2, A3, A4, A5, B1, NADDR };
static const struct address {
	const char *street, *token, *nr, *toev, *pc, *city, *ctoken;
} addresses[NADDR] = {
    {"Sq01qstraat", "Sq01q", "1", "TQ01Q", "3511KA", "Wq01qdorp", "Wq01q"},
    {"Sq02qstraat", "Sq02q", "2", "", "3511KB", "Wq02qdorp", "Wq02q"},
    {"Sq03qstraat", "Sq03q", "3", "", "3511KC", "Wq03qdorp", "Wq03q"},
    {"Sq04qstraat", "Sq04q", "4", "", "3511KD", "Wq04qdorp", "Wq04q"},
    {"Sq10qstraat", "Sq10q", "10", "", "3511KE", "Wq10qdorp", "Wq10q"},
    {"Sq09qstraat", "Sq09q", "1", "", "3511KA", "Wq09qdorp", "Wq09q"},
};

#define ADDRESS_FIELDS "straat,huisnummer,toevoeging,postcode,woonplaats"
#define PERSON_FIELDS  "bsn,naam,geboortedatum"
#define REASON         "lopend_onderzoek" /* SVB's conflict reason at A3 */

enum kind { K_BSN, K_ADDR, K_JOURNAL, K_NEVER };

struct canary {
	char token[48];
	enum kind kind;
	char pseudo[65];
	char alt[65]; /* another pseudonym that holds it too, or "" */
	const char *field;
	int64_t project; /* 0: held in more than one project */
	int seen;
};

/* An entry a write must leave: kind K_BSN (person idx), K_ADDR (address
 * idx) or K_JOURNAL; fields NULL for any, else each must be listed. */
struct want {
	enum kind kind;
	int idx;
	const char *fields;
	int64_t project;
};

struct fx {
	struct tfix t; /* first: checked_call finds the fx from it */
	int64_t pA, pB, s[NADDR], dA, f1, f3, f4;
	char pperson[NPERSONS][65], paddr[NADDR][65];
	struct canary can[160];
	size_t ncan;
	unsigned long ntrace;
	int nfail, verbose;
};

/* --- helpers ------------------------------------------------------------- */

static void
failure(struct fx *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
failure(struct fx *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("GAP: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	f->nfail++;
}

static const char *
label_of(uid_t uid)
{
	size_t i;

	for (i = 0; i < NUSERS; i++) {
		if (users[i].uid == uid)
			return users[i].label;
	}
	return "?";
}

static void
pseudonym(struct fx *f, const char *purpose, const char *v, char hex[65])
{
	uint8_t idx[CRYPTO_HASHBYTES];

	assert_int_equal(
	    crypto_blind_index(f->t.ctx.crypto, purpose, v, strlen(v), idx), 0);
	crypto_hex(idx, sizeof(idx), hex);
}

static void
add_canary(struct fx *f, const char *token, enum kind kind,
           const char *pseudo, const char *field, int64_t project)
{
	struct canary *c;

	assert_true(f->ncan < sizeof(f->can) / sizeof(f->can[0]));
	c = &f->can[f->ncan++];
	memset(c, 0, sizeof(*c));
	snprintf(c->token, sizeof(c->token), "%s", token);
	c->kind = kind;
	if (pseudo != NULL)
		snprintf(c->pseudo, sizeof(c->pseudo), "%s", pseudo);
	c->field = field;
	c->project = project;
}

/* The person's name and birth date are held in project; the BSN of P5
 * and P9 is one value in two projects. */
static void
canary_person(struct fx *f, int i, int64_t project)
{
	const struct person *p = &persons[i];

	add_canary(f, p->token, K_BSN, f->pperson[i], "naam", project);
	add_canary(f, p->born, K_BSN, f->pperson[i], "geboortedatum", project);
	add_canary(f, p->bsn, K_BSN, f->pperson[i], "bsn",
	           i == P5 || i == P9 ? 0 : project);
}

static void
canary_address(struct fx *f, int i, int64_t project)
{
	const struct address *a = &addresses[i];

	add_canary(f, a->token, K_ADDR, f->paddr[i], "straat", project);
	add_canary(f, a->ctoken, K_ADDR, f->paddr[i], "woonplaats", project);
	if (a->toev[0] != '\0')
		add_canary(f, a->toev, K_ADDR, f->paddr[i], "toevoeging",
		           project);
	/* A1 and B1 share the postcode: one canary, either project and
	 * either address. */
	if (i != B1)
		add_canary(f, a->pc, K_ADDR, f->paddr[i], "postcode",
		           i == A1 ? 0 : project);
	if (i == A1)
		snprintf(f->can[f->ncan - 1].alt, sizeof(f->can[0].alt), "%s",
		         f->paddr[B1]);
}

/* Does the comma-separated list hold every item of want? */
static int
fields_cover(const char *list, const char *want)
{
	char item[64];
	const char *p = want, *q, *l;
	size_t n;

	while (*p != '\0') {
		n = strcspn(p, ",");
		if (n == 0 || n >= sizeof(item))
			return 0;
		memcpy(item, p, n);
		item[n] = '\0';
		for (l = list;; l = q + 1) {
			q = l + strcspn(l, ",");
			if ((size_t)(q - l) == n && strncmp(l, item, n) == 0)
				break;
			if (*q == '\0')
				return 0;
		}
		p += n;
		p += *p == ',';
	}
	return 1;
}

/*
 * Is there an entry in the trace with result, subject_type and subject
 * (NULL: any) and project (project < 0: any) whose fields cover fields
 * (NULL: any)?
 */
static int
has_entry(struct fx *f, const char *trace, const char *result,
          const char *type, const char *subject, int64_t project,
          const char *fields)
{
	sqlite3_stmt *st = tfix_prepare(
	    &f->t, "SELECT fields FROM audit WHERE trace_id = ?1 AND "
	           "result = ?2 AND (?3 IS NULL OR subject_type = ?3) AND "
	           "(?4 IS NULL OR subject = ?4) AND (?5 < 0 OR project = ?5)");
	int found = 0;

	sqlite3_bind_text(st, 1, trace, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, result, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, subject, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, project);
	while (!found && sqlite3_step(st) == SQLITE_ROW)
		found = fields == NULL ||
		        fields_cover((const char *)sqlite3_column_text(st, 0),
		                     fields);
	sqlite3_finalize(st);
	return found;
}

/* The first canary in the text columns of the entries of trace (NULL:
 * every entry), or NULL. */
static const char *
canary_in_log(struct fx *f, const char *trace)
{
	static const char sql[] =
	    "SELECT actor_name || '|' || role || '|' || org || '|' || method "
	    "|| '|' || activity || '|' || object || '|' || subject || '|' || "
	    "subject_type || '|' || fields || '|' || result || '|' || error "
	    "FROM audit WHERE ?1 IS NULL OR trace_id = ?1";
	sqlite3_stmt *st = tfix_prepare(&f->t, sql);
	const char *found = NULL, *text;
	size_t i;

	sqlite3_bind_text(st, 1, trace, -1, SQLITE_STATIC);
	while (found == NULL && sqlite3_step(st) == SQLITE_ROW) {
		text = (const char *)sqlite3_column_text(st, 0);
		for (i = 0; found == NULL && i < f->ncan; i++) {
			if (strstr(text, f->can[i].token) != NULL)
				found = f->can[i].token;
		}
	}
	sqlite3_finalize(st);
	return found;
}

static const char *
type_name(enum kind k)
{
	return k == K_BSN ? "bsn" : k == K_ADDR ? "address" : "";
}

/* --- the checked call ------------------------------------------------------ */

/* A failure for every canary in the daemon's log from offset from on. */
static void
check_log(struct fx *f, size_t from, const char *method, const char *who)
{
	const char *line;
	size_t i;

	for (i = 0; i < f->ncan; i++) {
		if ((line = tfix_log_find(&f->t, from, f->can[i].token)) !=
		    NULL)
			failure(f, "%s as %s: the daemon logged %s: %.*s",
			        method, who, f->can[i].token,
			        (int)strcspn(line, "\n"), line);
	}
}

/* Check the reply r of method as uid, traced as trace, and what the daemon
 * logged from offset logged on (see the top). */
static void
check_reply(struct fx *f, uid_t uid, const char *method, const char *trace,
            const json_t *r, const struct want *wants, size_t logged)
{
	const char *who = label_of(uid), *leak;
	char *text = tfix_reply_text(r);
	struct canary *c;
	size_t i;

	for (i = 0; i < f->ncan; i++) {
		c = &f->can[i];
		if (strstr(text, c->token) == NULL)
			continue;
		if (tfix_error(r) != NULL) {
			failure(f, "%s as %s: the error reply (%s) holds %s",
			        method, who, tfix_error(r), c->token);
			continue;
		}
		if (c->kind == K_NEVER) {
			failure(f,
			        "%s as %s: the reply echoes %s, a value "
			        "that was refused",
			        method, who, c->token);
			continue;
		}
		c->seen = 1;
		if (f->verbose)
			fprintf(stderr, "  %s as %s discloses %s (%s)\n",
			        method, who, c->token, c->field);
		if (!has_entry(f, trace, "allowed", type_name(c->kind),
		               c->kind == K_JOURNAL ? "" : c->pseudo,
		               c->project == 0 ? -1 : c->project, c->field) &&
		    (c->alt[0] == '\0' ||
		     !has_entry(f, trace, "allowed", type_name(c->kind), c->alt,
		                c->project == 0 ? -1 : c->project, c->field)))
			failure(f,
			        "%s as %s: the reply shows %s (field %s of %s "
			        "%.12s, project %lld) but the call has no "
			        "audit entry for it with that field",
			        method, who, c->token, c->field,
			        type_name(c->kind), c->pseudo,
			        (long long)c->project);
	}
	free(text);
	for (i = 0; wants != NULL && wants[i].project != 0; i++) {
		const struct want *w = &wants[i];
		const char *subject = w->kind == K_BSN    ? f->pperson[w->idx]
		                      : w->kind == K_ADDR ? f->paddr[w->idx]
		                                          : "";

		if (!has_entry(f, trace, "allowed", type_name(w->kind),
		               subject, w->project, w->fields))
			failure(f,
			        "%s as %s: changed the data of %s %.12s "
			        "(fields %s, project %lld) without an audit "
			        "entry naming it",
			        method, who, type_name(w->kind), subject,
			        w->fields ? w->fields : "any",
			        (long long)w->project);
	}
	if (tfix_error(r) != NULL &&
	    strcmp(tfix_error(r), "nl.ivtd.PermissionDenied") == 0 &&
	    !has_entry(f, trace, "denied", NULL, NULL, -1, NULL))
		failure(f, "%s as %s: refused without a denied entry", method,
		        who);
	if ((leak = canary_in_log(f, trace)) != NULL)
		failure(f, "%s as %s: audit entry holds %s in clear", method,
		        who, leak);
	check_log(f, logged, method, who);
}

/*
 * Dispatch method(params) as uid with a trace of its own, and check the
 * reply (see the top); params is borrowed, wants lists the entries a
 * write must leave (ends with a zero project).  The reply.
 */
static json_t *
checked(struct fx *f, uid_t uid, const char *method, json_t *params,
        const struct want *wants)
{
	char trace[33], tp[64];
	size_t logged;
	json_t *r;

	tfix_log(&f->t);
	logged = f->t.loglen;
	f->ntrace++;
	snprintf(trace, sizeof(trace), "a0d17c0e%024lx", f->ntrace);
	snprintf(tp, sizeof(tp), "00-%s-%016lx-01", trace, f->ntrace);
	r = tfix_dispatch(&f->t, uid, method, params, tp);
	assert_non_null(strstr(
	    json_string_value(json_object_get(r, "traceparent")), trace));
	check_reply(f, uid, method, trace, r, wants, logged);
	return r;
}

/* tfix's calls (tfix_must, the fixture steps) are checked as well: t is
 * the first member of struct fx. */
static json_t *
checked_call(struct tfix *t, uid_t uid, const char *method, json_t *params)
{
	return checked((struct fx *)t, uid, method, params, NULL);
}

/*
 * A checked call; params is stolen.  With must_ok the call must succeed.
 * Returns the reply's parameters (owned by the caller), or NULL on an
 * error.
 */
static json_t *
call(struct fx *f, uid_t uid, const char *method, json_t *params,
     const struct want *wants, int must_ok)
{
	json_t *r, *p = NULL;

	assert_non_null(params);
	r = checked(f, uid, method, params, wants);
	json_decref(params);
	if (must_ok)
		return tfix_succeeded(r, uid, method);
	if (tfix_error(r) == NULL)
		p = json_incref(json_object_get(r, "parameters"));
	json_decref(r);
	return p;
}

static void
ok(struct fx *f, uid_t uid, const char *method, json_t *params,
   const struct want *wants)
{
	json_decref(call(f, uid, method, params, wants, 1));
}

static int64_t
ok_id(struct fx *f, uid_t uid, const char *method, json_t *params,
      const struct want *wants, const char *key)
{
	return tfix_id(call(f, uid, method, params, wants, 1), key);
}

/* --- the fixture ------------------------------------------------------------ */

static void
grant(struct fx *f, int64_t project, const char *partner, const char *rights,
      const char *fields)
{
	json_t *p = json_pack("{s:I,s:s,s:o}", "project", (json_int_t)project,
	                      "partner", partner, "rights",
	                      json_loads(rights, 0, NULL));

	if (fields != NULL)
		json_object_set_new(p, "fields", json_loads(fields, 0, NULL));
	ok(f, PL, "nl.ivtd.Protocol.Grant", p, NULL);
}

/* Subject.Create at address a with persons (-1 ends), as uid; every new
 * person and the address must be in the call's audit. */
static int64_t
subject(struct fx *f, uid_t uid, int64_t project, int a, const int *who,
        const char *interests)
{
	const struct address *ad = &addresses[a];
	struct want w[8];
	json_t *p, *list = json_array();
	int64_t id;
	size_t n = 0;

	memset(w, 0, sizeof(w));
	w[n++] = (struct want){K_ADDR, a, ADDRESS_FIELDS, project};
	for (; *who >= 0; who++) {
		json_array_append_new(
		    list, json_pack("{s:s,s:s,s:s}", "bsn", persons[*who].bsn,
		                    "name", persons[*who].name, "birthdate",
		                    persons[*who].born));
		w[n++] = (struct want){K_BSN, *who, PERSON_FIELDS, project};
	}
	p = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:o}", "project",
	              (json_int_t)project, "street", ad->street, "huisnummer",
	              ad->nr, "toevoeging", ad->toev, "postcode", ad->pc,
	              "woonplaats", ad->city, "persons", list);
	if (interests != NULL)
		json_object_set_new(p, "partners",
		                    json_loads(interests, 0, NULL));
	id = ok_id(f, uid, "nl.ivtd.Subject.Create", p, w, "subject");
	return id;
}

static void
answer(struct fx *f, uid_t uid, int a, const char *verdict,
       const char *reason)
{
	struct want w[2] = {{K_ADDR, a, reason ? "belang.reden" : NULL, f->pA},
	                    {0, 0, NULL, 0}};
	json_t *p = json_pack("{s:I,s:s}", "subject", (json_int_t)f->s[a],
	                      "answer", verdict);

	if (reason != NULL)
		json_object_set_new(p, "reason", json_string(reason));
	ok(f, uid, "nl.ivtd.Subject.Answer", p, w);
}

/* An import of text by the projectleider: committed when it has no bad
 * rows, else nbad bad rows and the error's reply checked (values of bad
 * rows never echoed). */
static void
import(struct fx *f, const char *text, const struct want *w, int nbad)
{
	int good = nbad == 0;
	json_t *p;
	char token[64];

	p = call(f, PL, "nl.ivtd.Import.Begin",
	         json_pack("{s:I}", "project", (json_int_t)f->pA), NULL, 1);
	snprintf(token, sizeof(token), "%s",
	         json_string_value(json_object_get(p, "session")));
	json_decref(p);
	p = call(f, PL, "nl.ivtd.Import.Chunk",
	         json_pack("{s:s,s:i,s:s,s:b}", "session", token, "offset", 0,
	                   "data", text, "last", 1),
	         NULL, 1);
	assert_int_equal(json_integer_value(json_object_get(p, "bad")), nbad);
	if (f->verbose && nbad > 0) {
		char *e =
		    json_dumps(json_object_get(p, "errors"), JSON_COMPACT);

		fprintf(stderr, "  Import.Chunk: %s\n", e ? e : "?");
		free(e);
	}
	json_decref(p);
	p = call(f, PL, "nl.ivtd.Import.Commit",
	         json_pack("{s:s}", "session", token), w, good);
	json_decref(p);
	if (!good)
		ok(f, PL, "nl.ivtd.Import.Abort",
		   json_pack("{s:s}", "session", token), NULL);
}

static void
build_fixture(struct fx *f)
{
	static const struct tfix_user people[] = {
	    {"pl_noord", "projectleider", NULL, PL},
	    {"uwv1", "partner", "UWV", UWV},
	    {"svb1", "partner", "SVB", SVB},
	    {"pol1", "partner", "Politie", POL},
	    {"prv1", "privacy", NULL, PRV},
	};
	static const char *const partners[] = {"UWV", "SVB", "Politie"};
	static const int at_a1[] = {P1, P2, P3, -1}, at_a2[] = {P4, P5, -1},
			 at_a3[] = {P6, -1}, at_a4[] = {P7, -1},
			 merge[] = {P8, -1}, at_b1[] = {P9, -1};
	char buf[64], bad[512], good[512];
	size_t i;
	int a;

	for (i = 0; i < NPERSONS; i++)
		pseudonym(f, "bsn", persons[i].bsn, f->pperson[i]);
	/* The whole address, as subject_pseudonym names it. */
	for (a = 0; a < NADDR; a++) {
		snprintf(buf, sizeof(buf), "%s/%s/%s", addresses[a].pc,
		         addresses[a].nr, addresses[a].toev);
		pseudonym(f, "addrkey", buf, f->paddr[a]);
	}
	tfix_add_partners(&f->t, partners, 3);
	tfix_add_users(&f->t, people, sizeof(people) / sizeof(people[0]));

	/* Noord: UWV reads all, SVB only the BSN, Politie nothing. */
	f->pA = tfix_project(&f->t, PL, "Project Noord", "3511AA-3511ZZ");
	tfix_operational(&f->t, PL, f->pA);
	grant(f, f->pA, "UWV", "[\"leveren\",\"bewerken\",\"inlezen\"]", NULL);
	grant(f, f->pA, "SVB", "[\"leveren\",\"inlezen\"]", "[\"bsn\"]");
	grant(f, f->pA, "Politie", "[\"leveren\",\"bewerken\"]", NULL);
	/* Zuid, over the same area: UWV reads addresses and names. */
	f->pB = tfix_project(&f->t, PL, "Project Zuid", "3511AA-3511ZZ");
	tfix_operational(&f->t, PL, f->pB);
	grant(f, f->pB, "UWV", "[\"inlezen\"]", "[\"adres\",\"naam\"]");

	for (i = 0; i < NPERSONS; i++)
		canary_person(f, (int)i, i == P9 ? f->pB : f->pA);
	for (a = 0; a < NADDR; a++)
		canary_address(f, a, a == B1 ? f->pB : f->pA);
	add_canary(f, "Xq01q", K_NEVER, NULL, NULL, 0);
	add_canary(f, "Xq02q", K_NEVER, NULL, NULL, 0);
	add_canary(f, "Xq03q", K_NEVER, NULL, NULL, 0);
	add_canary(f, "Xq04q", K_NEVER, NULL, NULL, 0);
	add_canary(f, "Xq05q", K_NEVER, NULL, NULL, 0);

	/* Several persons per address; UWV then delivers one more at A1:
	 * its reply shows A1's other residents too. */
	f->s[A1] = subject(f, PL, f->pA, A1, at_a1, "[\"UWV\",\"SVB\"]");
	f->s[A2] = subject(f, PL, f->pA, A2, at_a2, "[\"UWV\",\"Politie\"]");
	f->s[A3] = subject(f, PL, f->pA, A3, at_a3, "[\"SVB\",\"Politie\"]");
	f->s[A4] = subject(f, PL, f->pA, A4, at_a4, "[\"UWV\"]");
	assert_int_equal(subject(f, UWV, f->pA, A1, merge, NULL), f->s[A1]);
	f->s[B1] = subject(f, PL, f->pB, B1, at_b1, NULL);

	/* Refused input is not echoed: outside the area, a bad BSN. */
	assert_null(call(f, PL, "nl.ivtd.Subject.Create",
	                 json_pack("{s:I,s:s,s:s,s:s,s:s}", "project",
	                           (json_int_t)f->pA, "street", "Xq05qstraat",
	                           "huisnummer", "7", "postcode", "9999XB",
	                           "woonplaats", "Xq05qdorp"),
	                 NULL, 0));
	assert_null(call(f, PL, "nl.ivtd.Subject.Create",
	                 json_pack("{s:I,s:s,s:s,s:s,s:s,s:[{s:s,s:s}]}",
	                           "project", (json_int_t)f->pA, "street",
	                           "Xq05qstraat", "huisnummer", "7",
	                           "postcode", "3511KF", "woonplaats",
	                           "Xq05qdorp", "persons", "bsn", "123456789",
	                           "name", "Xq04q Fout"),
	                 NULL, 0));

	/* An import with bad rows (values never echoed), then a good one:
	 * a new address and a person added at A4. */
	snprintf(bad, sizeof(bad),
	         "straat;huisnummer;postcode;woonplaats;bsn;naam\n"
	         "Xq01qstraat;5;9999XA;Xq02qdorp;;\n"
	         "Sq10qstraat;10;3511KE;Wq10qdorp;123456789;Xq03q Fout\n");
	import(f, bad, NULL, 2);
	snprintf(good, sizeof(good),
	         "straat;huisnummer;postcode;woonplaats;bsn;naam;"
	         "geboortedatum;belang\n"
	         "%s;%s;%s;%s;%s;%s;%s;UWV\n%s;%s;%s;%s;%s;%s;%s;UWV\n",
	         addresses[A5].street, addresses[A5].nr, addresses[A5].pc,
	         addresses[A5].city, persons[P10].bsn, persons[P10].name,
	         persons[P10].born, addresses[A4].street, addresses[A4].nr,
	         addresses[A4].pc, addresses[A4].city, persons[P11].bsn,
	         persons[P11].name, persons[P11].born);
	{
		const struct want w[] = {
		    {K_ADDR, A5, ADDRESS_FIELDS, f->pA},
		    {K_BSN, P10, PERSON_FIELDS, f->pA},
		    {K_ADDR, A4, ADDRESS_FIELDS, f->pA},
		    {K_BSN, P11, PERSON_FIELDS, f->pA},
		    {0, 0, NULL, 0},
		};
		import(f, good, w, 0);
	}

	/* Sent for actualisation: a change of every subject's status. */
	{
		const struct want w[] = {
		    {K_ADDR, A1, NULL, f->pA}, {K_ADDR, A2, NULL, f->pA},
		    {K_ADDR, A3, NULL, f->pA}, {K_ADDR, A4, NULL, f->pA},
		    {K_ADDR, A5, NULL, f->pA}, {0, 0, NULL, 0},
		};
		ok(f, PL, "nl.ivtd.Subject.Actualise",
		   json_pack("{s:I}", "project", (json_int_t)f->pA), w);
	}
	add_canary(f, REASON, K_ADDR, f->paddr[A3], "belang.reden", f->pA);
	answer(f, UWV, A1, "relevant", NULL);
	answer(f, SVB, A1, "relevant", NULL);
	answer(f, UWV, A2, "relevant", NULL);
	answer(f, POL, A2, "relevant", NULL);
	answer(f, SVB, A3, "conflict", REASON);
	answer(f, POL, A3, "relevant", NULL); /* shows SVB's reason */
	answer(f, UWV, A4, "relevant", NULL);
	add_canary(f, "Rq01q", K_ADDR, f->paddr[A3], "besluit", f->pA);
	{
		const struct want w[] = {{K_ADDR, A3, "besluit", f->pA},
		                         {0, 0, NULL, 0}};
		ok(f, PL, "nl.ivtd.Subject.Resolve",
		   json_pack("{s:I,s:b,s:s}", "subject", (json_int_t)f->s[A3],
		             "proceed", 1, "rationale",
		             "Rq01q: doorgaan na overleg"),
		   w);
	}

	/* A confirmed day today with A1-A3; A4 handed out to uwv1. */
	f->dA = ok_id(
	    f, PL, "nl.ivtd.Day.Create",
	    json_pack("{s:I,s:s,s:s,s:s,s:[s],s:s,s:[{s:s,s:i},{s:s,s:i},"
	              "{s:s,s:i}],s:[s],s:s,s:b}",
	              "project", (json_int_t)f->pA, "date", f->t.today, "start",
	              "00:00", "end", "23:59", "area", "3511AA-3511ZZ",
	              "meeting_point", "Noordplein", "partners", "partner",
	              "UWV", "staff", 1, "partner", "SVB", "staff", 1,
	              "partner", "Politie", "staff", 1, "employees", "uwv1",
	              "police", "present", "police_informed", 1),
	    NULL, "day");
	ok(f, PL, "nl.ivtd.Day.Confirm",
	   json_pack("{s:I}", "id", (json_int_t)f->dA), NULL);
	{
		const struct want w[] = {
		    {K_ADDR, A1, NULL, f->pA}, {K_ADDR, A2, NULL, f->pA},
		    {K_ADDR, A3, NULL, f->pA}, {K_BSN, P1, NULL, f->pA},
		    {K_BSN, P8, NULL, f->pA},  {K_BSN, P5, NULL, f->pA},
		    {K_BSN, P6, NULL, f->pA},  {0, 0, NULL, 0},
		};
		ok(f, PL, "nl.ivtd.Day.Plan",
		   json_pack("{s:I,s:[I,I,I]}", "id", (json_int_t)f->dA,
		             "subjects", (json_int_t)f->s[A1],
		             (json_int_t)f->s[A2], (json_int_t)f->s[A3]),
		   w);
	}
	{
		const struct want w[] = {{K_ADDR, A4, NULL, f->pA},
		                         {0, 0, NULL, 0}};
		ok(f, PL, "nl.ivtd.Day.Assign",
		   json_pack("{s:I,s:s}", "subject", (json_int_t)f->s[A4],
		             "user", "uwv1"),
		   w);
	}

	/* Findings with notes: UWV's (follow-up owned by SVB, then
	 * updated), SVB's, Politie's own follow-up, and UWV's follow-up
	 * owned by Politie (which Politie may not read). */
	add_canary(f, "Fq01q", K_ADDR, f->paddr[A1], "bevinding.notes", f->pA);
	add_canary(f, "Fq02q", K_ADDR, f->paddr[A1], "bevinding.notes", f->pA);
	add_canary(f, "Fq03q", K_ADDR, f->paddr[A2], "bevinding.notes", f->pA);
	add_canary(f, "Fq04q", K_ADDR, f->paddr[A2], "bevinding.notes", f->pA);
	add_canary(f, "Fq05q", K_ADDR, f->paddr[A1], "bevinding.notes", f->pA);
	{
		const struct want w1[] = {{K_ADDR, A1, "bevinding.notes", f->pA},
		                          {0, 0, NULL, 0}};
		const struct want w2[] = {{K_ADDR, A2, "bevinding.notes", f->pA},
		                          {0, 0, NULL, 0}};

		f->f1 = ok_id(
		    f, UWV, "nl.ivtd.Finding.Add",
		    json_pack("{s:I,s:s,s:I,s:s,s:s,s:s,s:s,s:s}", "subject",
		              (json_int_t)f->s[A1], "visit_date", f->t.today,
		              "day", (json_int_t)f->dA, "category", "zwartwerk",
		              "notes", "Fq01q: werkplaats in de schuur",
		              "action", "nader_onderzoek", "due", f->t.future,
		              "owner", "SVB"),
		    w1, "finding");
		ok(f, SVB, "nl.ivtd.Finding.Add",
		   json_pack("{s:I,s:s,s:I,s:s,s:s,s:s}", "subject",
		             (json_int_t)f->s[A1], "visit_date", f->t.today,
		             "day", (json_int_t)f->dA, "category",
		             "geen_bijzonderheden", "notes", "Fq02q: niets",
		             "action", "geen"),
		   w1);
		f->f3 =
		    ok_id(f, POL, "nl.ivtd.Finding.Add",
		          json_pack("{s:I,s:s,s:I,s:s,s:s,s:s,s:s}", "subject",
		                    (json_int_t)f->s[A2], "visit_date",
		                    f->t.today, "day", (json_int_t)f->dA,
		                    "category", "brandonveilig", "notes",
		                    "Fq03q: geen melder", "action",
		                    "handhavingsbesluit", "due", f->t.future),
		          w2, "finding");
		f->f4 = ok_id(
		    f, UWV, "nl.ivtd.Finding.Add",
		    json_pack("{s:I,s:s,s:I,s:s,s:s,s:s,s:s,s:s}", "subject",
		              (json_int_t)f->s[A2], "visit_date", f->t.today,
		              "day", (json_int_t)f->dA, "category",
		              "uitkeringsfraude", "notes", "Fq04q: samenwonend",
		              "action", "terugvordering", "due", f->t.future,
		              "owner", "Politie"),
		    w2, "finding");
		ok(f, UWV, "nl.ivtd.Finding.Update",
		   json_pack("{s:I,s:s}", "id", (json_int_t)f->f1, "notes",
		             "Fq05q: werkplaats bevestigd"),
		   w1);
	}
	add_canary(f, "Jq01q", K_JOURNAL, NULL, "journal.note", f->pA);
	{
		const struct want w[] = {{K_JOURNAL, 0, "journal.note", f->pA},
		                         {0, 0, NULL, 0}};
		ok(f, PL, "nl.ivtd.Journal.Add",
		   json_pack("{s:I,s:s,s:s}", "project", (json_int_t)f->pA,
		             "kind", "casusbespreking", "note",
		             "Jq01q: casusoverleg"),
		   w);
	}
}

/* --- invalid values -------------------------------------------------------- */

#define BAD_BSN  "987654320" /* fails the elfproef */
#define BAD_DATE "1931-02-30"
/* Valid BSNs that are never stored: each comes with a bad value. */
#define NEW_BSN1 "193708012"
#define NEW_BSN2 "193809023"
#define NEW_BSN3 "193910032"

/* A checked call that must be refused; params is stolen. */
static void
refused(struct fx *f, uid_t uid, const char *method, json_t *params)
{
	json_t *r;

	assert_non_null(params);
	r = checked(f, uid, method, params, NULL);
	json_decref(params);
	if (tfix_error(r) == NULL)
		failure(f, "%s as %s: an invalid value was accepted", method,
		        label_of(uid));
	else if (f->verbose)
		fprintf(stderr, "  %s as %s refused: %s (%s)\n", method,
		        label_of(uid), tfix_error(r), tfix_reason(r));
	json_decref(r);
}

/* Subject.Create in Noord with one person (bsn NULL: none). */
static json_t *
create(struct fx *f, const char *street, const char *nr, const char *toev,
       const char *pc, const char *city, const char *bsn, const char *name,
       const char *born)
{
	json_t *p =
	    json_pack("{s:I,s:s,s:s,s:s,s:s,s:s}", "project", (json_int_t)f->pA,
	              "street", street, "huisnummer", nr, "toevoeging", toev,
	              "postcode", pc, "woonplaats", city);

	if (bsn != NULL)
		json_object_set_new(p, "persons",
		                    json_pack("[{s:s,s:s,s:s}]", "bsn", bsn,
		                              "name", name, "birthdate", born));
	return p;
}

/* word followed by n copies of c, in a static buffer: one at a time. */
static const char *
longword(const char *word, char c, size_t n)
{
	static char buf[17000];

	assert_true(strlen(word) + n < sizeof(buf));
	snprintf(buf, sizeof(buf), "%s", word);
	memset(buf + strlen(word), c, n);
	buf[strlen(word) + n] = '\0';
	return buf;
}

/*
 * Names the daemon does not know, holding a canary: a method, an
 * interface, a parameter.  The varlink errors for them name the caller's
 * own text back to it, as the standard says, so the reply is not
 * checked; the log and the audit log hold none of it.  (The daemon
 * logged an unknown method's name at debug level until this test.)
 */
static void
unknown_names(struct fx *f)
{
	static const struct {
		const char *method, *params, *error;
	} calls[] = {
	    {"nl.ivtd.Subject.Xq48q", "{}",
	     "org.varlink.service.MethodNotFound"},
	    {"nl.ivtd.Xq48q.Show", "{}",
	     "org.varlink.service.InterfaceNotFound"},
	    {"Xq48q 190100709", "{}", "org.varlink.service.InterfaceNotFound"},
	    {"nl.ivtd.Subject.Show", "{\"id\": 1, \"Xq48q\": 1}",
	     "org.varlink.service.InvalidParameter"},
	};
	json_t *p, *r;
	size_t i, from;

	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		tfix_log(&f->t);
		from = f->t.loglen;
		p = json_loads(calls[i].params, 0, NULL);
		assert_non_null(p);
		r = tfix_dispatch(&f->t, PL, calls[i].method, p, NULL);
		json_decref(p);
		if (tfix_error(r) == NULL ||
		    strcmp(tfix_error(r), calls[i].error) != 0)
			failure(f, "%s: got %s, not %s", calls[i].method,
			        tfix_error(r) ? tfix_error(r) : "success",
			        calls[i].error);
		json_decref(r);
		check_log(f, from, calls[i].method, "pl_noord");
	}
}

/*
 * Invalid values that are personal data, each in a call whose other
 * values are canaries as well: every call is refused, and neither its
 * reply nor the log nor the audit log echoes any of them (check_reply).
 */
static void
invalid_input(struct fx *f)
{
	static const char *const never[] = {
	    BAD_BSN,      BAD_DATE,     NEW_BSN1,     NEW_BSN2,
	    NEW_BSN3,     "1932-03-03", "1933-04-04", "1934-05-05",
	    "1935-06-06", "1936-07-07", "1937-08-08", "Xq06q",
	    "Xq07q",      "Xq08q",      "Xq09q",      "Xq10q",
	    "Xq11q",      "XQ12Q",      "Xq13q",      "Xq14q",
	    "Xq15q",      "Xq16q",      "Xq17q",      "Xq18q",
	    "Xq19q",      "Xq20q",      "Xq21q",      "Xq22q",
	    "Xq23q",      "Xq24q",      "Xq25q",      "Xq26q",
	    "Xq27q",      "Xq28q",      "Xq29q",      "Xq30q",
	    "Xq31q",      "Xq32q",      "Xq33q",      "Xq34q",
	    "Xq35q",      "Xq36q",      "Xq37q",      "Xq38q",
	    "Xq39q",      "Xq40q",      "Xq41q",      "Xq42q",
	    "Xq43q",      "Xq44q",      "Xq45q",      "Xq46q",
	    "Xq47q",      "Xq48q",
	};
	char csv[2048];
	int n;
	size_t i;

	for (i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		add_canary(f, never[i], K_NEVER, NULL, NULL, 0);

	/* Subject.Create: one bad value among canaries. */
	refused(f, PL, "nl.ivtd.Subject.Create",
	        create(f, "Xq06qstraat", "7", "", "3511KF", "Xq07qdorp",
	               BAD_BSN, "Xq08q Fout", "1932-03-03"));
	refused(f, PL, "nl.ivtd.Subject.Create",
	        create(f, "Xq09qstraat", "7", "", "3511KF", "Xq09qdorp",
	               NEW_BSN1, longword("Xq10q ", 'a', 200), "1933-04-04"));
	refused(f, PL, "nl.ivtd.Subject.Create",
	        create(f, "Xq09qstraat", "7", "", "3511KF", "Xq09qdorp",
	               NEW_BSN1, "Xq11q\nFout", "1933-04-04"));
	refused(f, PL, "nl.ivtd.Subject.Create",
	        create(f, "Xq13qstraat", "7", "XQ12Q", "Xq14q", "Xq15qdorp",
	               NEW_BSN1, "Xq16q Fout", "1933-04-04"));
	refused(f, PL, "nl.ivtd.Subject.Create",
	        create(f, "Xq13qstraat", "7", "", "3511KF", "Xq15qdorp",
	               NEW_BSN1, "Xq16q Fout", BAD_DATE));
	refused(f, PL, "nl.ivtd.Subject.Create",
	        create(f, "Xq13qstraat", "Xq17q", "", "3511KF", "Xq15qdorp",
	               NEW_BSN1, "Xq16q Fout", "1933-04-04"));
	refused(f, PL, "nl.ivtd.Subject.Create",
	        create(f, "Xq13qstraat", "7", "XQ12Q!", "3511KF", "Xq15qdorp",
	               NEW_BSN1, "Xq16q Fout", "1933-04-04"));
	refused(f, PL, "nl.ivtd.Subject.Create",
	        create(f, "Xq13qstraat", "7", longword("XQ12Q", 'A', 20),
	               "3511KF", "Xq15qdorp", NEW_BSN1, "Xq16q Fout",
	               "1933-04-04"));
	refused(f, PL, "nl.ivtd.Subject.Create",
	        create(f, longword("Xq18q", 's', 200), "7", "", "3511KF",
	               "Xq15qdorp", NEW_BSN1, "Xq16q Fout", "1933-04-04"));
	refused(f, PL, "nl.ivtd.Subject.Create",
	        create(f, "Xq13qstraat", "7", "", "3511KF",
	               longword("Xq19q", 'd', 100), NEW_BSN1, "Xq16q Fout",
	               "1933-04-04"));
	refused(f, PL, "nl.ivtd.Subject.Create",
	        create(f, "Xq13qstraat", "7", "", "3511KF", "Xq15qdorp",
	               longword(NEW_BSN1, '0', 10), "Xq16q Fout",
	               "1933-04-04"));

	/* Searches and requests with a bad BSN or postcode. */
	refused(f, PL, "nl.ivtd.Subject.Find",
	        json_pack("{s:s}", "bsn", BAD_BSN));
	refused(f, PL, "nl.ivtd.Subject.Find",
	        json_pack("{s:s,s:s}", "postcode", "Xq14q", "huisnummer", "1"));
	refused(f, PL, "nl.ivtd.Subject.Find",
	        json_pack("{s:s,s:s}", "postcode", "3511KA", "huisnummer",
	                  "Xq17q"));
	refused(f, PRV, "nl.ivtd.Privacy.Inzage",
	        json_pack("{s:s}", "bsn", BAD_BSN));
	refused(f, PRV, "nl.ivtd.Audit.List",
	        json_pack("{s:s}", "bsn", BAD_BSN));

	/* Notes, reasons and rationales: overlong or with a bad neighbour. */
	refused(f, UWV, "nl.ivtd.Finding.Add",
	        json_pack("{s:I,s:s,s:s,s:s,s:s}", "subject",
	                  (json_int_t)f->s[A1], "visit_date", f->t.today,
	                  "category", "Xq20q", "notes", "Xq21q: notitie",
	                  "action", "geen"));
	refused(f, UWV, "nl.ivtd.Finding.Add",
	        json_pack("{s:I,s:s,s:s,s:s,s:s}", "subject",
	                  (json_int_t)f->s[A1], "visit_date", BAD_DATE,
	                  "category", "overig", "notes", "Xq22q: notitie",
	                  "action", "geen"));
	refused(f, UWV, "nl.ivtd.Finding.Add",
	        json_pack("{s:I,s:s,s:s,s:s,s:s}", "subject",
	                  (json_int_t)f->s[A1], "visit_date", f->t.today,
	                  "category", "overig", "notes",
	                  longword("Xq23q", 'n', 8200), "action", "geen"));
	refused(f, PL, "nl.ivtd.Journal.Add",
	        json_pack("{s:I,s:s,s:s}", "project", (json_int_t)f->pA, "kind",
	                  "casusbespreking", "note",
	                  longword("Xq24q", 'j', 16400)));
	refused(f, PL, "nl.ivtd.Journal.Add",
	        json_pack("{s:I,s:s,s:s,s:s}", "project", (json_int_t)f->pA,
	                  "kind", "casusbespreking", "note", "Xq25q: overleg",
	                  "date", BAD_DATE));
	refused(f, UWV, "nl.ivtd.Subject.Answer",
	        json_pack("{s:I,s:s,s:s}", "subject", (json_int_t)f->s[A1],
	                  "answer", "conflict", "reason", "Xq26q"));
	refused(f, PL, "nl.ivtd.Subject.Resolve",
	        json_pack("{s:I,s:b,s:s}", "subject", (json_int_t)f->s[A3],
	                  "proceed", 1, "rationale",
	                  longword("Xq27q", 'r', 4100)));

	/* An import whose every row has one bad field among canaries. */
	n = snprintf(csv, sizeof(csv),
	         "straat;huisnummer;postcode;woonplaats;bsn;naam;"
	         "geboortedatum;belang\n"
	         "Xq28qstraat;5;Xq29q;Xq30qdorp;%s;Xq31q Fout;1934-05-05;\n"
	         "Xq32qstraat;6;3511KG;Xq33qdorp;%s;Xq34q Fout;1935-06-06;\n"
	         "Xq35qstraat;7;3511KH;Xq36qdorp;%s;Xq37q Fout;%s;\n"
	         "Xq38qstraat;8;3511KJ;Xq39qdorp;%s;Xq40q Fout;1936-07-07;"
	         "Xq41q\n"
	         "Xq42qstraat;9;3511KL\n"
	         "Xq43qstraat;10;3511KM;Xq44qdorp;%s;%s;1937-08-08;\n",
	         NEW_BSN1, BAD_BSN, NEW_BSN2, BAD_DATE, NEW_BSN3, NEW_BSN3,
	         longword("Xq45q", 'x', 200));
	assert_true(n > 0 && (size_t)n < sizeof(csv));
	import(f, csv, NULL, 6);
	/* No header: the first row is taken for one. */
	import(f, "Xq46qstraat;5;3511KA;Xq47qdorp\n", NULL, 1);
	unknown_names(f);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL || tfix_init(&f->t, "coverage") == -1)
		return -1;
	tfix_capture_log(&f->t);
	if (tfix_open(&f->t, TFIX_DAEMON) == -1)
		return -1;
	f->t.dispatch = checked_call;
	f->verbose = getenv("IVT_COVERAGE_VERBOSE") != NULL;
	*state = f;
	return 0;
}

/* --- the battery of reading methods ------------------------------------------ */

/* Every reading method, called by every user; the canary check of call()
 * is the test. */
static void
battery(struct fx *f)
{
	const char *find_a1[] = {addresses[A1].pc, addresses[A1].nr};
	json_t *cases[64];
	const char *methods[64];
	size_t n = 0, i, u;

#define CASE(m, p) (methods[n] = (m), cases[n++] = (p))
	for (i = 0; i < NADDR; i++) {
		if (i != A5)
			CASE("nl.ivtd.Subject.Show",
			     json_pack("{s:I}", "id", (json_int_t)f->s[i]));
	}
	CASE("nl.ivtd.Subject.List",
	     json_pack("{s:I}", "project", (json_int_t)f->pA));
	CASE("nl.ivtd.Subject.List",
	     json_pack("{s:I}", "project", (json_int_t)f->pB));
	CASE("nl.ivtd.Subject.List", json_pack("{s:I,s:s}", "project",
	                                       (json_int_t)f->pA, "partner",
	                                       "UWV"));
	CASE("nl.ivtd.Subject.Find", json_pack("{s:s}", "bsn", persons[P1].bsn));
	CASE("nl.ivtd.Subject.Find", json_pack("{s:s}", "bsn", persons[P5].bsn));
	CASE("nl.ivtd.Subject.Find", json_pack("{s:s,s:s}", "postcode",
	                                       find_a1[0], "huisnummer",
	                                       find_a1[1]));
	CASE("nl.ivtd.Day.Show", json_pack("{s:I}", "id", (json_int_t)f->dA));
	CASE("nl.ivtd.Day.List", json_object());
	CASE("nl.ivtd.Day.Export", json_pack("{s:I}", "id", (json_int_t)f->dA));
	CASE("nl.ivtd.Day.Suggest", json_pack("{s:I}", "id", (json_int_t)f->dA));
	CASE("nl.ivtd.Day.Mine", json_object());
	CASE("nl.ivtd.Finding.List",
	     json_pack("{s:I}", "subject", (json_int_t)f->s[A1]));
	CASE("nl.ivtd.Finding.List",
	     json_pack("{s:I}", "subject", (json_int_t)f->s[A2]));
	CASE("nl.ivtd.Finding.History",
	     json_pack("{s:I}", "id", (json_int_t)f->f1));
	CASE("nl.ivtd.Finding.FollowupList",
	     json_pack("{s:I}", "project", (json_int_t)f->pA));
	CASE("nl.ivtd.Finding.FollowupList", json_object());
	CASE("nl.ivtd.Finding.Report",
	     json_pack("{s:I}", "project", (json_int_t)f->pA));
	CASE("nl.ivtd.Journal.List",
	     json_pack("{s:I}", "project", (json_int_t)f->pA));
	CASE("nl.ivtd.Project.Show", json_pack("{s:I}", "id", (json_int_t)f->pA));
	CASE("nl.ivtd.Project.History",
	     json_pack("{s:I}", "id", (json_int_t)f->pA));
	CASE("nl.ivtd.Project.List", json_object());
	CASE("nl.ivtd.Protocol.Show",
	     json_pack("{s:I}", "project", (json_int_t)f->pA));
	CASE("nl.ivtd.Privacy.Inzage", json_pack("{s:s}", "bsn", persons[P1].bsn));
	CASE("nl.ivtd.Privacy.Inzage", json_pack("{s:s}", "bsn", persons[P5].bsn));
	CASE("nl.ivtd.Privacy.Register", json_object());
	CASE("nl.ivtd.Audit.List", json_pack("{s:i}", "limit", 1000));
	CASE("nl.ivtd.Audit.List", json_pack("{s:s}", "bsn", persons[P1].bsn));
	CASE("nl.ivtd.Audit.Tail", json_pack("{s:i}", "last", 1000));
	CASE("nl.ivtd.Audit.Verify", json_object());
	CASE("nl.ivtd.Retention.Propose", json_pack("{s:b}", "dry_run", 1));
	CASE("nl.ivtd.WhoAmI", json_object());
	CASE("nl.ivtd.Partner.List", json_object());
	CASE("nl.ivtd.User.List", json_object());
	CASE("nl.ivtd.Key.Status", json_object());
#undef CASE
	assert_true(n <= sizeof(cases) / sizeof(cases[0]));
	for (i = 0; i < n; i++) {
		for (u = 0; u < NUSERS; u++)
			json_decref(call(f, users[u].uid, methods[i],
			                 json_deep_copy(cases[i]), NULL, 0));
		json_decref(cases[i]);
	}
}

/* --- the test ------------------------------------------------------------------ */

static void
test_audit_coverage(void **state)
{
	struct fx *f = *state;
	const char *leak;
	size_t i;

	build_fixture(f);
	invalid_input(f);
	battery(f);

	/* Changes after the reads: follow-ups done (Politie, without
	 * inlezen, and SVB, reading the BSN only, may not read UWV's notes
	 * on the follow-ups they own), the day carried out, the handed-out
	 * subject taken back. */
	{
		const struct want w4[] = {{K_ADDR, A2, NULL, f->pA},
		                          {0, 0, NULL, 0}};
		const struct want w1[] = {{K_ADDR, A1, NULL, f->pA},
		                          {0, 0, NULL, 0}};
		const struct want wd[] = {
		    {K_ADDR, A1, NULL, f->pA}, {K_ADDR, A2, NULL, f->pA},
		    {K_ADDR, A3, NULL, f->pA}, {0, 0, NULL, 0}};
		const struct want wu[] = {{K_ADDR, A4, NULL, f->pA},
		                          {0, 0, NULL, 0}};

		ok(f, POL, "nl.ivtd.Finding.FollowupDone",
		   json_pack("{s:I}", "id", (json_int_t)f->f4), w4);
		ok(f, SVB, "nl.ivtd.Finding.FollowupDone",
		   json_pack("{s:I}", "id", (json_int_t)f->f1), w1);
		ok(f, PL, "nl.ivtd.Day.Done",
		   json_pack("{s:I}", "id", (json_int_t)f->dA), wd);
		ok(f, PL, "nl.ivtd.Day.Unassign",
		   json_pack("{s:I}", "subject", (json_int_t)f->s[A4]), wu);
	}
	battery(f);

	if ((leak = canary_in_log(f, NULL)) != NULL)
		failure(f, "the audit log holds %s in clear", leak);
	/* The whole log, setup included; debug lines were captured too. */
	check_log(f, 0, "the run", "anyone");
	if (strstr(tfix_log(&f->t), "ivtd[debug]: ") == NULL)
		failure(f, "no debug line was logged: is the log captured?");
	for (i = 0; i < f->ncan; i++) {
		if (f->can[i].kind != K_NEVER && !f->can[i].seen)
			failure(f, "no reply showed %s (field %s): the battery "
			           "misses a kind of personal data",
			        f->can[i].token, f->can[i].field);
	}
	fprintf(stderr, "%lu calls checked, %zu canaries\n", f->ntrace,
	        f->ncan);
	if (f->nfail > 0)
		fail_msg("%d audit coverage gaps (listed above)", f->nfail);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_audit_coverage, setup,
	                                    tfix_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
