/*
 * subject.h - verwondersubjecten: an address and the persons living there,
 * selected for investigation in a project.
 *
 * Every personal-data field is sealed (crypto.h) and bound to its row and
 * column.  Three keyed blind indexes allow exact search without opening
 * the table:
 *   "address"  postcode + huisnummer          (find --address)
 *   "addrkey"  postcode + huisnummer + toevoeging (merging duplicates)
 *   "bsn"      the nine BSN digits             (find --bsn)
 * Only the four digits of the postcode stay in clear: the neighbourhood,
 * which area checks and route planning need.
 */
#ifndef IVTD_SUBJECT_H
#define IVTD_SUBJECT_H

#include <stdint.h>

#include "varlink.h"

#define SUBJECT_STREET_MAX  128
#define SUBJECT_TOEV_MAX    16
#define SUBJECT_CITY_MAX    64
#define SUBJECT_NAME_MAX    128
#define SUBJECT_PERSONS_MAX 32
#define SUBJECT_PARTNERS_MAX 16
#define SUBJECT_CODES_MAX   16
#define SUBJECT_CODE_LEN    32

struct person_in {
	char bsn[10];        /* nine digits, elfproef-valid */
	char name[SUBJECT_NAME_MAX + 1];       /* may be "" */
	char birthdate[11];  /* YYYY-MM-DD or "" */
};

/* One validated, normalised subject, ready to be sealed and stored. */
struct subject_in {
	char street[SUBJECT_STREET_MAX + 1];
	unsigned huisnummer;                 /* 1..99999 */
	char toevoeging[SUBJECT_TOEV_MAX + 1]; /* upper case, may be "" */
	char postcode[7];                    /* 1234AB */
	char woonplaats[SUBJECT_CITY_MAX + 1];
	struct person_in persons[SUBJECT_PERSONS_MAX];
	int npersons;
	int64_t partners[SUBJECT_PARTNERS_MAX]; /* partners with belang */
	int npartners;
	char codes[SUBJECT_CODES_MAX][SUBJECT_CODE_LEN + 1]; /* indicators */
	int ncodes;
};

/*
 * Validators shared by Subject.Create and the CSV import.  Each returns
 * NULL when the value is fine (and stores it normalised in s), else a
 * short reason without the value itself (it may be personal data).
 */
const char *subject_set_street(struct subject_in *s, const char *v);
const char *subject_set_huisnummer(struct subject_in *s, const char *v);
const char *subject_set_toevoeging(struct subject_in *s, const char *v);
const char *subject_set_postcode(struct subject_in *s, const char *v);
const char *subject_set_woonplaats(struct subject_in *s, const char *v);
/* Add a person; bsn required, name and birthdate may be NULL or "". */
const char *subject_add_person(struct subject_in *s, const char *bsn,
                               const char *name, const char *birthdate);
const char *subject_add_code(struct subject_in *s, const char *code);

/* Is the postcode inside the project's area?  1, 0, -1 on error. */
int subject_in_area(struct store *st, int64_t project, const char *postcode);

/*
 * May the caller deliver subjects to the project now?  Needs 'leveren'
 * (the leaders have it, the admin never), the voorbereidende or
 * operationele fase, and a registered privacy protocol: without the
 * registered notification there is no basis to exchange data.  0, or -1 with the call failed.
 */
int subject_may_deliver(struct call *c, int64_t project);

/*
 * Store s in the project inside the caller's transaction: a new subject,
 * or merged into the existing one with the same address (persons,
 * partners and codes added, nothing duplicated).  The subject's address
 * is recorded as disclosed-and-changed in the call's audit (one entry per
 * data subject), under the object "subject:ID" unless the call named
 * one already.  Sets *id and *merged.  0, or -1 with the call failed.
 */
int subject_store(struct call *c, int64_t project, const struct subject_in *s,
                  int64_t *id, int *merged);

/* subject_rpc.c: reading subjects, shared with actualisation. */
#include "access.h"
/* The subject as the caller may see it; audits each disclosure.  Without
 * full only what a visit shows: no partners' answers, no decision on a
 * conflict.  1 found, 0 no such subject, -1 error. */
int subject_view(struct call *c, int64_t id, int full, json_t **out);
/* Reply {"subject": view}: 0; or {} to a caller who may not read the
 * project's subjects (no inlezen): 1; -1 on error (the call failed). */
int subject_reply(struct call *c, int64_t id);
/* Project of a subject: >0, 0 none, -1 error. */
int64_t subject_project(struct store *s, int64_t id);
/*
 * The subject's address pseudonym for audit entries about it: the hex
 * blind index of its whole address (postcode, number, toevoeging), so
 * that an inzage of one flat does not show its neighbours'.  A search by
 * postcode and number (Subject.Find) names that pair's pseudonym, with no
 * project.  0 or -1.
 */
int subject_pseudonym(struct store *s, int64_t id, char hex[65]);

/*
 * SQL condition: the audit entry (columns prefixed A, e.g. "a.") is about
 * the person whose BSN pseudonym is bound as BSN (hex) and whose BSN
 * blind index is bound as IDX: under that pseudonym; under the full
 * address of a subject the person is registered at, in that subject's
 * project (before migration 9, under postcode and number); or a search
 * by the person's postcode and number without a project.
 */
#define SUBJECT_ABOUT_PERSON(A, BSN, IDX)                                      \
	" " A "subject <> '' AND " A "subject IN (SELECT " BSN                 \
	" UNION SELECT lower(hex(s.addr_key)) FROM persons p JOIN subjects s"  \
	" ON s.id = p.subject_id WHERE p.bsn_index = " IDX                     \
	" UNION SELECT lower(hex(s.addr_index)) FROM persons p JOIN subjects"  \
	" s ON s.id = p.subject_id WHERE p.bsn_index = " IDX ")"               \
	" AND (" A "subject = " BSN " OR EXISTS (SELECT 1 FROM persons p"      \
	" JOIN subjects s ON s.id = p.subject_id WHERE p.bsn_index = " IDX     \
	" AND ((" A "project = 0 AND lower(hex(s.addr_index)) = " A "subject)" \
	" OR (" A "project = s.project_id AND (lower(hex(s.addr_key)) = " A    \
	"subject OR (" A "seq < (SELECT seq FROM addr_pseudonym_from) AND"     \
	" lower(hex(s.addr_index)) = " A "subject))))))"

/* Record a change of the subject that discloses nothing (its status, a
 * visit, an answer): an entry for the address and one per person, by
 * pseudonym, without fields, so an inzageverzoek finds it.  Call it after
 * the call's disclosures: a data subject is entered once per call and
 * project.  0 or -1. */
int subject_audit(struct call *c, int64_t id, int64_t project);
/* Set the subject's status; 0 or -1. */
int subject_set_status(struct store *s, int64_t id, const char *status);
/* Move the subject from status `from` to `to`, only if it is in `from`:
 * 1 moved, 0 it was in another status, -1 error. */
int subject_move_status(struct store *s, int64_t id, const char *from,
                        const char *to);
/* The subject's status into buf ("" when there is no such subject);
 * 0 or -1. */
int subject_status(struct store *s, int64_t id, char *buf, size_t len);
/* Check access to a subject's project (NotFound names the subject). */
int subject_access(struct call *c, int64_t id, enum access_need need,
                   int64_t *project);

#endif
