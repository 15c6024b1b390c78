/*
 * subject.c - verwondersubjecten: validation, sealed storage with blind
 * indexes, and the methods that create, show, list and find them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "bsn.h"
#include "date.h"
#include "ivt/wire.h"
#include "keys.h"
#include "postcode.h"
#include "subject.h"
#include "validate.h"

#define ACTIVITY_SELECT "ivt-04"
#define LIST_DEFAULT    100
#define LIST_MAX        1000
#define FIELD_MAX       256 /* longest sealed field, bytes */

#define ADDRESS_FIELDS "straat,huisnummer,toevoeging,postcode,woonplaats"

/* --- validators -------------------------------------------------------- */

/* Copy a one-line value of 1..max bytes (max 0: may be empty). */
static const char *
set_line(char *dst, size_t dstlen, const char *v, int required)
{
	size_t n;

	if (v == NULL || (n = strlen(v)) == 0)
		return required ? "required" : (dst[0] = '\0', NULL);
	if (n >= dstlen)
		return "too long";
	if (!valid_display_name(v))
		return "control characters or only spaces";
	memcpy(dst, v, n + 1);
	return NULL;
}

const char *
subject_set_street(struct subject_in *s, const char *v)
{
	return set_line(s->street, sizeof(s->street), v, 1);
}

const char *
subject_set_woonplaats(struct subject_in *s, const char *v)
{
	return set_line(s->woonplaats, sizeof(s->woonplaats), v, 1);
}

const char *
subject_set_huisnummer(struct subject_in *s, const char *v)
{
	unsigned n = 0;
	size_t i;

	if (v == NULL || v[0] == '\0' || strlen(v) > 5 || v[0] == '0')
		return "1 to 99999";
	for (i = 0; v[i] != '\0'; i++) {
		if (v[i] < '0' || v[i] > '9')
			return "1 to 99999";
		n = n * 10 + (unsigned)(v[i] - '0');
	}
	s->huisnummer = n;
	return NULL;
}

const char *
subject_set_toevoeging(struct subject_in *s, const char *v)
{
	size_t i, n;

	s->toevoeging[0] = '\0';
	if (v == NULL || (n = strlen(v)) == 0)
		return NULL;
	if (n > SUBJECT_TOEV_MAX)
		return "too long";
	for (i = 0; i < n; i++) {
		char ch = v[i];

		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '-' || ch == ' '))
			return "letters, digits, '-' and spaces only";
		s->toevoeging[i] = ch;
	}
	s->toevoeging[n] = '\0';
	return NULL;
}

const char *
subject_set_postcode(struct subject_in *s, const char *v)
{
	return postcode_normalise(v, s->postcode) == -1 ? "not a postcode "
	                                                  "(1234AB)"
	                                                : NULL;
}

const char *
subject_add_person(struct subject_in *s, const char *bsn, const char *name,
                   const char *birthdate)
{
	struct person_in *p;
	int32_t born;
	int i;

	if (s->npersons == SUBJECT_PERSONS_MAX)
		return "too many persons at one address";
	p = &s->persons[s->npersons];
	memset(p, 0, sizeof(*p));
	if (bsn_normalise(bsn, p->bsn) == -1)
		return "BSN fails the elfproef";
	for (i = 0; i < s->npersons; i++) {
		if (strcmp(s->persons[i].bsn, p->bsn) == 0)
			return NULL; /* same person twice: merge */
	}
	if (set_line(p->name, sizeof(p->name), name, 0) != NULL)
		return "name: too long or control characters";
	if (birthdate != NULL && birthdate[0] != '\0') {
		born = date_parse(birthdate);
		if (born == INT32_MIN || born > date_today())
			return "date of birth is not a past date (YYYY-MM-DD)";
		memcpy(p->birthdate, birthdate, 11);
	}
	s->npersons++;
	return NULL;
}

const char *
subject_add_code(struct subject_in *s, const char *code)
{
	size_t i, n = strlen(code);
	int j;

	if (n == 0 || n > SUBJECT_CODE_LEN)
		return "indicator codes are 1-32 characters";
	for (i = 0; i < n; i++) {
		char ch = code[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' ||
		      ch == '.'))
			return "indicator codes use letters, digits, . _ -";
	}
	for (j = 0; j < s->ncodes; j++) {
		if (strcmp(s->codes[j], code) == 0)
			return NULL;
	}
	if (s->ncodes == SUBJECT_CODES_MAX)
		return "too many indicator codes";
	memcpy(s->codes[s->ncodes++], code, n + 1);
	return NULL;
}

int
subject_in_area(struct store *st, int64_t project, const char *postcode)
{
	static const char sql[] =
		"SELECT 1 FROM project_areas WHERE project_id = ? AND "
		"? BETWEEN pc_from AND pc_to LIMIT 1";
	sqlite3_stmt *q;

	if ((q = store_prepare(st, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, project);
	sqlite3_bind_text(q, 2, postcode, -1, SQLITE_STATIC);
	return store_step_exists(q);
}

/*
 * A delivery is matched to what the project holds: by the whole address
 * to a subject there, by BSN to a person of it.  A partner that reads
 * the project would see the match -- the marker person it delivered now
 * living with others, a person count that did not grow, an import's
 * "merged" -- and so learn whose address or BSN it is, which its field
 * list withholds.  Such a partner may read or deliver, not both, unless
 * its list holds the keys (adres and bsn).  A partner without inlezen
 * sees nothing of a match (Subject.Create tells it nothing).
 */
static int
delivery_shows_nothing_withheld(struct call *c, int64_t project)
{
	const unsigned keys = FIELD_ADRES | FIELD_BSN;
	unsigned bits;
	int rights;

	if (c->who.role != ROLE_PARTNER)
		return 0;
	if ((rights = access_partner_grant(c->ctx->store, project,
	                                   c->who.partner_id, &bits)) == -1)
		return call_internal(c);
	if ((rights & RIGHT_INLEZEN) && (bits & keys) != keys)
		return call_denied(c, "the privacy protocol lets your "
		                      "organisation read only some fields in "
		                      "this project: a delivery is matched by "
		                      "address and BSN, and would show you "
		                      "what the protocol withholds (it needs "
		                      "'adres' and 'bsn', or no 'inlezen')");
	return 0;
}

int
subject_may_deliver(struct call *c, int64_t project)
{
	static const char sql[] =
		"SELECT phase IN ('voorbereidend','operationeel'), "
		"protocol_registered IS NOT NULL FROM projects WHERE id = ?";
	sqlite3_stmt *st;
	int phase_ok = 0, registered = 0;

	if (access_project(c, project, ACC_LEVEREN) == -1 ||
	    delivery_shows_nothing_withheld(c, project) == -1)
		return -1;
	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, project);
	if (sqlite3_step(st) == SQLITE_ROW) {
		phase_ok = sqlite3_column_int(st, 0);
		registered = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	if (!phase_ok)
		return call_fail(c, "nl.ivtd.Conflict", "{s:s}", "reason",
		                 "subjects are selected in the voorbereidende "
		                 "or operationele fase");
	if (!registered)
		return call_fail(c, "nl.ivtd.Conflict", "{s:s}", "reason",
		                 "register the privacy protocol before "
		                 "exchanging personal data");
	return 0;
}

/* --- sealed storage ---------------------------------------------------- */

/* Blind index of a normalised value, as hex for the audit log too. */
static int
blind(struct call *c, const char *purpose, const char *v,
      uint8_t out[CRYPTO_HASHBYTES])
{
	return crypto_blind_index(c->ctx->crypto, purpose, v, strlen(v), out);
}

/* Seal v with the project's data key k and bind it to parameter i. */
static int
bind_sealed(const struct crypto_dek *k, sqlite3_stmt *st, int i,
            const char *table, const char *col, int64_t rowid, const char *v)
{
	uint8_t buf[FIELD_MAX + CRYPTO_SEAL_OVERHEAD];
	size_t n;

	if (k == NULL || strlen(v) > FIELD_MAX ||
	    crypto_seal(k, table, col, rowid, (const uint8_t *)v,
	                strlen(v), buf, &n) == -1)
		return -1;
	return sqlite3_bind_blob(st, i, buf, (int)n, SQLITE_TRANSIENT) ==
	               SQLITE_OK
	           ? 0
	           : -1;
}

/* Next free row id: writes are serialised by BEGIN IMMEDIATE, and the id
 * must be known before sealing because it is bound into each field. */
static int64_t
next_id(struct call *c, const char *sql)
{
	sqlite3_stmt *st;
	int64_t id = -1;

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

static int64_t
find_by_key(struct call *c, int64_t project, const uint8_t key[32])
{
	static const char sql[] =
		"SELECT id FROM subjects WHERE project_id = ? AND addr_key = ?";
	sqlite3_stmt *st;
	int64_t id = 0;
	int rc;

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, project);
	sqlite3_bind_blob(st, 2, key, 32, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? id : -1;
}

/* codes (a JSON array of strings) with s's codes added that it lacks;
 * the compact text to store, or NULL.  Steals codes. */
static char *
merge_codes(json_t *codes, const struct subject_in *s)
{
	const json_t *v;
	char *text;
	size_t i;
	int j, found;

	if (!json_is_array(codes)) {
		json_decref(codes);
		return NULL;
	}
	for (j = 0; j < s->ncodes; j++) {
		found = 0;
		json_array_foreach(codes, i, v) {
			if (strcmp(json_string_value(v), s->codes[j]) == 0)
				found = 1;
		}
		if (!found)
			json_array_append_new(codes, json_string(s->codes[j]));
	}
	text = json_dumps(codes, JSON_COMPACT);
	json_decref(codes);
	return text;
}

static int
insert_subject(struct call *c, int64_t project, const struct subject_in *s,
               const uint8_t idx[32], const uint8_t key[32], int64_t id)
{
	static const char sql[] =
		"INSERT INTO subjects (id, project_id, pc4, addr_index, "
		"addr_key, street, huisnummer, toevoeging, postcode, "
		"woonplaats, codes, created, updated) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	const struct crypto_dek *k = keys_dek(c->ctx, project, 1);
	sqlite3_stmt *st;
	char nr[8], pc4[5], *codes;
	int64_t now = store_now_us();

	snprintf(nr, sizeof(nr), "%u", s->huisnummer);
	memcpy(pc4, s->postcode, 4);
	pc4[4] = '\0';
	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, project);
	sqlite3_bind_text(st, 3, pc4, 4, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 4, idx, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, key, 32, SQLITE_STATIC);
	if (bind_sealed(k, st, 6, "subjects", "street", id, s->street) ||
	    bind_sealed(k, st, 7, "subjects", "huisnummer", id, nr) ||
	    bind_sealed(k, st, 8, "subjects", "toevoeging", id,
	                s->toevoeging) ||
	    bind_sealed(k, st, 9, "subjects", "postcode", id, s->postcode) ||
	    bind_sealed(k, st, 10, "subjects", "woonplaats", id,
	                s->woonplaats)) {
		sqlite3_reset(st);
		return -1;
	}
	/* A new subject gets its codes at once: no second write of the row. */
	if ((codes = merge_codes(json_array(), s)) == NULL) {
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_bind_text(st, 11, codes, -1, free);
	sqlite3_bind_int64(st, 12, now);
	sqlite3_bind_int64(st, 13, now);
	return store_step_done(st);
}

/* Add a person unless the subject has them already (by BSN index). */
static int
store_person(struct call *c, int64_t project, int64_t subject,
             const struct person_in *p, int fresh)
{
	static const char have[] =
		"SELECT 1 FROM persons WHERE subject_id = ? AND bsn_index = ?";
	static const char ins[] =
		"INSERT INTO persons (id, subject_id, bsn_index, bsn, name, "
		"birthdate) VALUES (?, ?, ?, ?, ?, ?)";
	static const char maxid[] = "SELECT " STORE_NEXT_ID("persons");
	const struct crypto_dek *k;
	uint8_t idx[32];
	char hex[65];
	sqlite3_stmt *st;
	int64_t id;
	int rc;

	if (blind(c, "bsn", p->bsn, idx) == -1)
		return -1;
	/* A subject created in this call has no persons yet to compare. */
	rc = SQLITE_DONE;
	if (!fresh) {
		if ((st = store_prepare(c->ctx->store, have)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, subject);
		sqlite3_bind_blob(st, 2, idx, 32, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
	}
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE || (id = next_id(c, maxid)) < 0 ||
	    (st = store_prepare(c->ctx->store, ins)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, subject);
	sqlite3_bind_blob(st, 3, idx, 32, SQLITE_STATIC);
	k = keys_dek(c->ctx, project, 1);
	if (bind_sealed(k, st, 4, "persons", "bsn", id, p->bsn) ||
	    bind_sealed(k, st, 5, "persons", "name", id, p->name) ||
	    bind_sealed(k, st, 6, "persons", "birthdate", id, p->birthdate)) {
		sqlite3_reset(st);
		return -1;
	}
	if (store_step_done(st) == -1)
		return -1;
	crypto_hex(idx, 32, hex);
	return call_disclose(c, hex, "bsn", "bsn,naam,geboortedatum", project);
}

/*
 * Record a partner's interest.  A subject that was gereed is not any
 * more when a new partner has an interest: that partner answers first
 * (its --pending queue), as in the first round.  0 or -1.
 */
static int
store_interest(struct call *c, int64_t subject, int64_t partner)
{
	static const char sql[] =
		"INSERT OR IGNORE INTO interests (subject_id, partner_id) "
		"VALUES (?, ?)";
	sqlite3_stmt *st;

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, subject);
	sqlite3_bind_int64(st, 2, partner);
	if (store_step_done(st) == -1)
		return -1;
	if (sqlite3_changes(c->ctx->store->db) == 0)
		return 0;
	return subject_move_status(c->ctx->store, subject, "gereed",
	                           "in_actualisatie") == -1
	           ? -1
	           : 0;
}

/* Union the indicator codes into the subject's JSON list. */
/* Add s's codes to an existing subject's. */
static int
store_codes(struct call *c, int64_t subject, const struct subject_in *s)
{
	static const char get[] = "SELECT codes FROM subjects WHERE id = ?";
	static const char put[] = "UPDATE subjects SET codes = ? WHERE id = ?";
	sqlite3_stmt *st;
	json_t *codes = NULL;
	char *text;

	if (s->ncodes == 0)
		return 0;
	if ((st = store_prepare(c->ctx->store, get)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, subject);
	if (sqlite3_step(st) == SQLITE_ROW)
		codes = json_loads((const char *)sqlite3_column_text(st, 0), 0,
		                   NULL);
	sqlite3_reset(st);
	if ((text = merge_codes(codes, s)) == NULL ||
	    (st = store_prepare(c->ctx->store, put)) == NULL) {
		free(text);
		return -1;
	}
	sqlite3_bind_text(st, 1, text, -1, free);
	sqlite3_bind_int64(st, 2, subject);
	return store_step_done(st);
}

/* Does a person before persons[i] of s have the same BSN? */
static int
bsn_before(const struct subject_in *s, int i)
{
	int j;

	for (j = 0; j < i; j++) {
		if (strcmp(s->persons[j].bsn, s->persons[i].bsn) == 0)
			return 1;
	}
	return 0;
}

int
subject_store(struct call *c, int64_t project, const struct subject_in *s,
              int64_t *id, int *merged)
{
	static const char maxid[] = "SELECT " STORE_NEXT_ID("subjects");
	uint8_t idx[32], key[32];
	char buf[64], hex[65];
	int i;

	snprintf(buf, sizeof(buf), "%s/%u", s->postcode, s->huisnummer);
	if (blind(c, "address", buf, idx) == -1)
		return call_internal(c);
	snprintf(buf, sizeof(buf), "%s/%u/%s", s->postcode, s->huisnummer,
	         s->toevoeging);
	if (blind(c, "addrkey", buf, key) == -1 ||
	    (*id = find_by_key(c, project, key)) < 0)
		return call_internal(c);
	*merged = *id > 0;
	if (!*merged) {
		if ((*id = next_id(c, maxid)) < 0 ||
		    insert_subject(c, project, s, idx, key, *id) == -1)
			return call_internal(c);
	}
	/* The entries of a Create name the subject (an import names its
	 * project before the first row). */
	if (c->object[0] == '\0')
		call_object(c, "subject:%lld", (long long)*id);
	crypto_hex(key, 32, hex);
	if (call_disclose(c, hex, "address", ADDRESS_FIELDS, project) == -1)
		return call_internal(c);
	for (i = 0; i < s->npersons; i++) {
		if (store_person(c, project, *id, &s->persons[i],
		                 !*merged && !bsn_before(s, i)) == -1)
			return call_internal(c);
	}
	for (i = 0; i < s->npartners; i++) {
		if (store_interest(c, *id, s->partners[i]) == -1)
			return call_internal(c);
	}
	if (*merged && store_codes(c, *id, s) == -1)
		return call_internal(c);
	return 0;
}
