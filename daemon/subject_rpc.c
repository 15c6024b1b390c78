/*
 * subject_rpc.c - nl.ivtd.Subject: create, show, list and find
 * verwondersubjecten, with per-field visibility and audited disclosure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "bsn.h"
#include "ivt/wire.h"
#include "keys.h"
#include "postcode.h"
#include "subject.h"
#include "validate.h"

#define ACTIVITY_SELECT "ivt-04"
#define LIST_DEFAULT    100
#define LIST_MAX        1000
#define FIND_MAX        100

/* Visible fields for the caller (access already checked for inlezen). */
static int
visible_fields(struct call *c, int64_t project, unsigned *bits)
{
	if (c->who.role == ROLE_PARTNER)
		return access_partner_fields(c->ctx->store, project,
		                             c->who.partner_id, bits);
	*bits = c->who.role == ROLE_PROJECTLEIDER ? FIELD_ALL : 0;
	return 0;
}

/* Open sealed column col of the current row into out (NUL-terminated),
 * with k, the data key of the row's project (NULL: fails). */
static int
open_col(const struct crypto_dek *k, sqlite3_stmt *st, int col,
         const char *table, const char *name, int64_t rowid, char *out,
         size_t outlen)
{
	const void *ct = sqlite3_column_blob(st, col);
	int n = sqlite3_column_bytes(st, col);
	size_t len;

	if (k == NULL || ct == NULL || n < CRYPTO_SEAL_OVERHEAD ||
	    (size_t)n - CRYPTO_SEAL_OVERHEAD >= outlen ||
	    crypto_open_field(k, table, name, rowid, ct, (size_t)n,
	                      (uint8_t *)out, &len) == -1)
		return -1;
	out[len] = '\0';
	return 0;
}

static json_t *
subject_address(const struct crypto_dek *k, sqlite3_stmt *st, int64_t id)
{
	char street[300], nr[16], toev[32], pc[16], city[128];

	if (open_col(k, st, 5, "subjects", "street", id, street,
	             sizeof(street)) ||
	    open_col(k, st, 6, "subjects", "huisnummer", id, nr, sizeof(nr)) ||
	    open_col(k, st, 7, "subjects", "toevoeging", id, toev,
	             sizeof(toev)) ||
	    open_col(k, st, 8, "subjects", "postcode", id, pc, sizeof(pc)) ||
	    open_col(k, st, 9, "subjects", "woonplaats", id, city,
	             sizeof(city)))
		return NULL;
	return json_pack("{s:s,s:I,s:s,s:s,s:s}", "street", street,
	                 "huisnummer", (json_int_t)strtol(nr, NULL, 10),
	                 "toevoeging", toev, "postcode", pc, "woonplaats",
	                 city);
}

/* The persons of a subject, with the visible fields; audits each. */
static int
subject_persons(struct call *c, const struct crypto_dek *k, int64_t subject,
                int64_t project, unsigned bits, json_t *list, int *count)
{
	static const char sql[] =
		"SELECT id, bsn_index, bsn, name, birthdate FROM persons "
		"WHERE subject_id = ? ORDER BY id";
	char buf[300], hex[65], fields[64];
	sqlite3_stmt *st;
	json_t *p;
	int64_t pid;
	int rc, err = 0;

	snprintf(fields, sizeof(fields), "%s%s%s",
	         bits & FIELD_BSN ? "bsn," : "",
	         bits & FIELD_NAAM ? "naam," : "",
	         bits & FIELD_GEB ? "geboortedatum," : "");
	if (fields[0] != '\0')
		fields[strlen(fields) - 1] = '\0';
	*count = 0;
	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, subject);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		(*count)++;
		if (fields[0] == '\0')
			continue;
		pid = sqlite3_column_int64(st, 0);
		p = json_object();
		if ((bits & FIELD_BSN) && open_col(k, st, 2, "persons", "bsn",
		                                   pid, buf, sizeof(buf)) == 0)
			json_object_set_new(p, "bsn", json_string(buf));
		if ((bits & FIELD_NAAM) &&
		    open_col(k, st, 3, "persons", "name", pid, buf,
		             sizeof(buf)) == 0 &&
		    buf[0] != '\0')
			json_object_set_new(p, "name", json_string(buf));
		if ((bits & FIELD_GEB) &&
		    open_col(k, st, 4, "persons", "birthdate", pid, buf,
		             sizeof(buf)) == 0 &&
		    buf[0] != '\0')
			json_object_set_new(p, "birthdate", json_string(buf));
		json_array_append_new(list, p);
		crypto_hex(sqlite3_column_blob(st, 1), 32, hex);
		if (call_disclose(c, hex, "bsn", fields, project) == -1) {
			err = 1;
			break;
		}
	}
	sqlite3_reset(st);
	return err || (rc != SQLITE_DONE && rc != SQLITE_ROW) ? -1 : 0;
}

/*
 * The partners' answers; *reasons is set when one gives a reason.  A
 * partner sees the reason of its own organisation only: that another
 * has a care or re-integration trajectory at this address is not its
 * business (need to know), that the subject is in conflict is.
 */
static json_t *
subject_interests(struct call *c, int64_t subject, int *reasons)
{
	static const char sql[] =
		"SELECT p.name, i.answer, i.reason, i.partner_id FROM "
		"interests i JOIN partners p ON p.id = i.partner_id WHERE "
		"i.subject_id = ? ORDER BY p.name";
	sqlite3_stmt *st;
	json_t *list = json_array(), *e;

	if (list == NULL || (st = store_prepare(c->ctx->store, sql)) == NULL)
		return list;
	sqlite3_bind_int64(st, 1, subject);
	while (sqlite3_step(st) == SQLITE_ROW) {
		e = json_pack("{s:s}", "partner", sqlite3_column_text(st, 0));
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			json_object_set_new(
				e, "answer",
				json_string((const char *)sqlite3_column_text(
					st, 1)));
		if (sqlite3_column_type(st, 2) != SQLITE_NULL &&
		    (c->who.role != ROLE_PARTNER ||
		     sqlite3_column_int64(st, 3) == c->who.partner_id)) {
			json_object_set_new(
				e, "reason",
				json_string((const char *)sqlite3_column_text(
					st, 2)));
			*reasons = 1;
		}
		json_array_append_new(list, e);
	}
	sqlite3_reset(st);
	return list;
}

int
subject_view(struct call *c, int64_t id, int full, json_t **out)
{
	static const char sql[] =
		"SELECT id, project_id, status, pc4, codes, street, huisnummer, "
		"toevoeging, postcode, woonplaats, addr_key, resolution "
		"FROM subjects WHERE id = ?";
	char hex[65] = "", res[4200], fields[96] = "";
	const struct crypto_dek *k = NULL;
	sqlite3_stmt *st;
	json_t *v = NULL, *addr = NULL, *persons;
	int64_t project = 0;
	unsigned bits = 0;
	int count = 0, reasons = 0, rc;

	*out = NULL;
	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? 0 : -1;
	}
	project = sqlite3_column_int64(st, 1);
	if (visible_fields(c, project, &bits) == -1)
		goto fail;
	/* One key lookup for all fields (nothing below calls keys_dek);
	 * without a key every open_col fails, as each lookup would. */
	if (bits != 0)
		k = keys_dek(c->ctx, project, 0);
	v = json_pack("{s:I,s:I,s:s,s:s,s:o}", "id", (json_int_t)id,
	              "project", (json_int_t)project, "status",
	              sqlite3_column_text(st, 2), "pc4",
	              sqlite3_column_text(st, 3), "codes",
	              json_loads((const char *)sqlite3_column_text(st, 4), 0,
	                         NULL));
	if (v == NULL)
		goto fail;
	if (sqlite3_column_bytes(st, 10) == 32)
		crypto_hex(sqlite3_column_blob(st, 10), 32, hex);
	if (bits & FIELD_ADRES) {
		if ((addr = subject_address(k, st, id)) == NULL)
			goto fail;
		json_object_set_new(v, "address", addr);
		strcat(fields, ",straat,huisnummer,toevoeging,postcode,"
		               "woonplaats");
	}
	/* The decision on a conflict explains the conflict, whose reason
	 * is not another partner's business (subject_interests). */
	if (full && bits == FIELD_ALL && c->who.role != ROLE_PARTNER &&
	    sqlite3_column_type(st, 11) != SQLITE_NULL &&
	    open_col(k, st, 11, "subjects", "resolution", id, res,
	             sizeof(res)) == 0) {
		json_object_set_new(v, "resolution", json_string(res));
		strcat(fields, ",besluit");
	}
	explicit_bzero(res, sizeof(res));
	sqlite3_reset(st);
	if (full) {
		json_object_set_new(v, "interests",
		                    subject_interests(c, id, &reasons));
		if (reasons)
			strcat(fields, ",belang.reden");
	}
	/* What the reply shows of the address: its fields, the decision on
	 * a conflict and the partners' reasons, under its pseudonym. */
	if (fields[0] != '\0' &&
	    call_disclose(c, hex, "address", fields + 1, project) == -1)
		goto fail2;
	persons = json_array();
	json_object_set_new(v, "persons", persons);
	if (subject_persons(c, k, id, project, bits, persons, &count) == -1)
		goto fail2;
	json_object_set_new(v, "person_count", json_integer(count));
	*out = v;
	return 1;
fail:
	sqlite3_reset(st);
fail2:
	json_decref(v);
	return -1;
}

/* Project of a subject: >0, 0 none, -1 error. */
int64_t
subject_project(struct store *s, int64_t id)
{
	static const char sql[] = "SELECT project_id FROM subjects WHERE id = ?";
	sqlite3_stmt *st;
	int64_t p = 0;
	int rc;

	if ((st = store_prepare(s, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		p = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? p : -1;
}

int
subject_pseudonym(struct store *s, int64_t id, char hex[65])
{
	static const char sql[] =
		"SELECT addr_key FROM subjects WHERE id = ?";
	sqlite3_stmt *st;
	int rc;

	if ((st = store_prepare(s, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32)
		crypto_hex(sqlite3_column_blob(st, 0), 32, hex);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
subject_audit(struct call *c, int64_t id, int64_t project)
{
	static const char sql[] =
		"SELECT bsn_index FROM persons WHERE subject_id = ? ORDER BY id";
	sqlite3_stmt *st;
	char hex[65] = "";
	int rc;

	if (subject_pseudonym(c->ctx->store, id, hex) == -1 ||
	    call_disclose(c, hex, "address", "", project) == -1 ||
	    (st = store_prepare(c->ctx->store, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) != 32)
			continue;
		crypto_hex(sqlite3_column_blob(st, 0), 32, hex);
		if (call_disclose(c, hex, "bsn", "", project) == -1) {
			rc = SQLITE_ERROR;
			break;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
subject_set_status(struct store *s, int64_t id, const char *status)
{
	static const char sql[] =
		"UPDATE subjects SET status = ?, updated = ? WHERE id = ?";
	sqlite3_stmt *st;

	if ((st = store_prepare(s, sql)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, store_now_us());
	sqlite3_bind_int64(st, 3, id);
	return store_step_done(st);
}

int
subject_move_status(struct store *s, int64_t id, const char *from,
                    const char *to)
{
	static const char sql[] = "UPDATE subjects SET status = ?, updated = ? "
	                          "WHERE id = ? AND status = ?";
	sqlite3_stmt *st;

	if ((st = store_prepare(s, sql)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, to, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, store_now_us());
	sqlite3_bind_int64(st, 3, id);
	sqlite3_bind_text(st, 4, from, -1, SQLITE_STATIC);
	if (store_step_done(st) == -1)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

int
subject_status(struct store *s, int64_t id, char *buf, size_t len)
{
	static const char sql[] = "SELECT status FROM subjects WHERE id = ?";
	sqlite3_stmt *st;
	int rc;

	buf[0] = '\0';
	if ((st = store_prepare(s, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		snprintf(buf, len, "%s", sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Access to a subject's project, with NotFound naming the subject. */
int
subject_access(struct call *c, int64_t id, enum access_need need,
               int64_t *project)
{
	char idbuf[32];

	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)id);
	call_object(c, "subject:%lld", (long long)id);
	if ((*project = subject_project(c->ctx->store, id)) < 0)
		return call_internal(c);
	if (*project == 0)
		return call_not_found(c, "subject", idbuf);
	return access_project(c, *project, need);
}

int
subject_reply(struct call *c, int64_t id)
{
	int64_t project = subject_project(c->ctx->store, id);
	json_t *v;
	int can;

	/*
	 * A partner that may deliver or edit but not read (no inlezen) is
	 * told nothing of the subject, not even its codes, residents or the
	 * other partners' answers: {} (the subject is optional).
	 */
	if (project <= 0 || (can = access_can(c, project, ACC_INLEZEN)) == -1)
		return call_internal(c);
	if (can == 0) {
		c->reply = json_object();
		return c->reply != NULL ? 1 : call_internal(c);
	}
	if (subject_view(c, id, 1, &v) != 1)
		return call_internal(c);
	c->reply = json_pack("{s:o}", "subject", v);
	return c->reply ? 0 : call_internal(c);
}

/* --- Create ------------------------------------------------------------ */

static int
fill_persons(struct call *c, struct subject_in *in)
{
	const json_t *p;
	const char *why;
	size_t i;

	json_array_foreach(json_object_get(c->params, "persons"), i, p) {
		why = subject_add_person(in, ivt_json_str(p, "bsn"),
		                         ivt_json_str(p, "name"),
		                         ivt_json_str(p, "birthdate"));
		if (why != NULL)
			return call_invalid(c, "persons", why);
	}
	return 0;
}

static int
fill_partners_codes(struct call *c, struct subject_in *in)
{
	const json_t *v;
	const char *why;
	int64_t id;
	size_t i;

	json_array_foreach(json_object_get(c->params, "partners"), i, v) {
		id = partner_id_by_name(c->ctx->store, json_string_value(v));
		if (id <= 0)
			return id < 0 ? call_internal(c)
			              : call_not_found(c, "partner",
			                               json_string_value(v));
		in->partners[in->npartners++] = id;
	}
	json_array_foreach(json_object_get(c->params, "codes"), i, v) {
		if ((why = subject_add_code(in, json_string_value(v))) != NULL)
			return call_invalid(c, "codes", why);
	}
	return 0;
}

static int
subject_create(struct call *c)
{
	static const struct {
		const char *key;
		const char *(*set)(struct subject_in *, const char *);
	} fields[] = {
		{"street", subject_set_street},
		{"huisnummer", subject_set_huisnummer},
		{"toevoeging", subject_set_toevoeging},
		{"postcode", subject_set_postcode},
		{"woonplaats", subject_set_woonplaats},
	};
	int64_t project = ivt_json_int(c->params, "project", 0), id;
	struct subject_in *in;
	const char *why;
	size_t i;
	unsigned bits;
	int merged, rc = -1;

	if (subject_may_deliver(c, project) == -1)
		return -1;
	if ((in = calloc(1, sizeof(*in))) == NULL)
		return call_internal(c);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		why = fields[i].set(in, ivt_json_str(c->params, fields[i].key));
		if (why != NULL) {
			call_invalid(c, fields[i].key, why);
			goto out;
		}
	}
	if ((rc = subject_in_area(c->ctx->store, project, in->postcode)) != 1) {
		if (rc == 0)
			call_invalid(c, "postcode",
			             "outside the project area");
		else
			call_internal(c);
		rc = -1;
		goto out;
	}
	if (fill_persons(c, in) == -1 || fill_partners_codes(c, in) == -1 ||
	    subject_store(c, project, in, &id, &merged) == -1) {
		rc = -1;
		goto out;
	}
	/*
	 * subject_store audited each data subject it stored; the reply
	 * shows the subject as the caller may read it, with the persons who
	 * lived at a merged address already: subject_view audits those
	 * (the ones just stored are not entered twice).  A partner that
	 * may deliver but not read (leveren without inlezen) is told
	 * nothing, not even whether the address was in the project.  The
	 * address given is the key the subject was found by: a partner
	 * that may read the project but not its addresses would learn who
	 * lives there (Find keeps the same rule), so it is told nothing
	 * either.
	 */
	if (visible_fields(c, project, &bits) == -1) {
		rc = call_internal(c);
		goto out;
	}
	if ((bits & FIELD_ADRES) == 0) {
		c->reply = json_object();
		rc = c->reply != NULL ? 0 : call_internal(c);
		goto out;
	}
	if ((rc = subject_reply(c, id)) == 0)
		json_object_set_new(c->reply, "merged", json_boolean(merged));
	rc = rc == -1 ? -1 : 0;
out:
	explicit_bzero(in, sizeof(*in));
	free(in);
	return rc;
}

static int
subject_show(struct call *c)
{
	int64_t id = ivt_json_int(c->params, "id", 0), project;

	if (subject_access(c, id, ACC_INLEZEN, &project) == -1)
		return -1;
	return subject_reply(c, id) == -1 ? -1 : 0;
}

/* Append subject views of ids to a new array under key in the reply. */
static int
reply_views(struct call *c, const int64_t *ids, size_t n, const char *key)
{
	json_t *list = json_array(), *v;
	size_t i;

	if (list == NULL)
		return call_internal(c);
	for (i = 0; i < n; i++) {
		if (subject_view(c, ids[i], 1, &v) != 1) {
			json_decref(list);
			return call_internal(c);
		}
		json_array_append_new(list, v);
	}
	c->reply = json_pack("{s:o}", key, list);
	return c->reply ? 0 : call_internal(c);
}

/* Step st collecting column 0 (ids), at most max. */
static int
collect_ids(sqlite3_stmt *st, int64_t *ids, size_t max, size_t *n)
{
	int rc;

	*n = 0;
	while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
		ids[(*n)++] = sqlite3_column_int64(st, 0);
	if (*n < max && rc != SQLITE_DONE) {
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return 0;
}

static int
subject_list(struct call *c)
{
	static const char sql[] =
	    "SELECT id FROM subjects WHERE project_id = ?1 AND "
	    "(?2 IS NULL OR status = ?2) AND (?3 IS NULL OR id IN ("
	    "SELECT subject_id FROM interests WHERE partner_id = ?3 AND "
	    "(?6 = 0 OR answer IS NULL))) "
	    "AND id > ?4 ORDER BY id LIMIT ?5";
	int64_t project = ivt_json_int(c->params, "project", 0);
	int64_t limit = ivt_json_int(c->params, "limit", LIST_DEFAULT);
	const char *partner = ivt_json_str(c->params, "partner");
	int pending = json_is_true(json_object_get(c->params, "pending"));
	int64_t pid = 0, *ids;
	sqlite3_stmt *st;
	size_t n;
	int rc;

	if (access_project(c, project, ACC_INLEZEN) == -1)
		return -1;
	if (limit < 1 || limit > LIST_MAX)
		return call_invalid(c, "limit", "1 to 1000");
	if (partner != NULL &&
	    (pid = partner_id_by_name(c->ctx->store, partner)) <= 0)
		return pid < 0 ? call_internal(c)
		               : call_not_found(c, "partner", partner);
	/* Still to answer: a partner's own queue unless it names another. */
	if (pending && partner == NULL) {
		if (c->who.role != ROLE_PARTNER)
			return call_invalid(
			    c, "pending",
			    "name the partner whose answers are "
			    "pending");
		pid = c->who.partner_id;
	}
	if ((st = store_prepare(c->ctx->store, sql)) == NULL ||
	    (ids = calloc((size_t)limit + 1, sizeof(*ids))) == NULL)
		return call_internal(c);
	sqlite3_bind_int64(st, 1, project);
	sqlite3_bind_text(st, 2, ivt_json_str(c->params, "status"), -1,
	                  SQLITE_STATIC);
	if (pid > 0)
		sqlite3_bind_int64(st, 3, pid);
	sqlite3_bind_int64(st, 4, ivt_json_int(c->params, "after", 0));
	sqlite3_bind_int64(st, 5, limit + 1);
	sqlite3_bind_int(st, 6, pending);
	call_object(c, "project:%lld subjects", (long long)project);
	if (collect_ids(st, ids, (size_t)limit + 1, &n) == -1) {
		free(ids);
		return call_internal(c);
	}
	rc = reply_views(c, ids, n > (size_t)limit ? (size_t)limit : n,
	                 "subjects");
	if (rc == 0 && n > (size_t)limit)
		json_object_set_new(c->reply, "next",
		                    json_integer(ids[limit - 1]));
	free(ids);
	return rc;
}

/* --- Find -------------------------------------------------------------- */

/*
 * The ids sql finds by blind index idx that the caller may read, and by
 * a field it may read (need: FIELD_BSN or FIELD_ADRES): a partner whose
 * protocol leaves out the BSN must not find subjects by BSN, which would tell
 * it whose address, name or birth date goes with a BSN it holds.
 */
static int
find_query(struct call *c, const char *sql, const uint8_t idx[32],
           unsigned need, int64_t *ids, size_t *n)
{
	sqlite3_stmt *st;
	int64_t cand[FIND_MAX], project;
	size_t i, m;
	unsigned bits;
	int r;

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, idx, 32, SQLITE_STATIC);
	if (collect_ids(st, cand, FIND_MAX, &m) == -1)
		return -1;
	/* Only what the caller may read; the rest stays invisible. */
	for (*n = 0, i = 0; i < m; i++) {
		project = subject_project(c->ctx->store, cand[i]);
		if ((r = access_can(c, project, ACC_INLEZEN)) == -1 ||
		    (r == 1 && visible_fields(c, project, &bits) == -1))
			return -1;
		if (r == 1 && (bits & need) != 0)
			ids[(*n)++] = cand[i];
	}
	return 0;
}

static int
subject_find(struct call *c)
{
	static const char by_bsn[] =
		"SELECT DISTINCT subject_id FROM persons WHERE bsn_index = ? "
		"ORDER BY subject_id";
	static const char by_addr[] =
		"SELECT id FROM subjects WHERE addr_index = ? ORDER BY id";
	const char *bsn = ivt_json_str(c->params, "bsn");
	const char *pc = ivt_json_str(c->params, "postcode");
	const char *nr = ivt_json_str(c->params, "huisnummer");
	struct subject_in in;
	uint8_t idx[32];
	char norm[64], hex[65];
	int64_t ids[FIND_MAX];
	size_t n;

	if ((bsn != NULL) == (pc != NULL || nr != NULL))
		return call_invalid(c, "bsn", "search by BSN, or by postcode "
		                              "and huisnummer");
	if (bsn != NULL) {
		if (bsn_normalise(bsn, norm) == -1)
			return call_invalid(c, "bsn", "fails the elfproef");
	} else {
		if (pc == NULL || subject_set_postcode(&in, pc) != NULL)
			return call_invalid(c, "postcode", "not a postcode");
		if (subject_set_huisnummer(&in, nr) != NULL)
			return call_invalid(c, "huisnummer", "1 to 99999");
		snprintf(norm, sizeof(norm), "%s/%u", in.postcode,
		         in.huisnummer);
	}
	if (crypto_blind_index(c->ctx->crypto, bsn ? "bsn" : "address", norm,
	                       strlen(norm), idx) == -1)
		return call_internal(c);
	explicit_bzero(norm, sizeof(norm));
	crypto_hex(idx, 32, hex);
	call_object(c, "search:%s", bsn ? "bsn" : "address");
	if (find_query(c, bsn ? by_bsn : by_addr, idx,
	               bsn ? FIELD_BSN : FIELD_ADRES, ids, &n) == -1 ||
	    reply_views(c, ids, n, "subjects") == -1)
		return -1;
	/* The search itself is a processing of this subject's data: its
	 * entry, unless a result disclosed the subject already. */
	if (call_disclose(c, hex, bsn ? "bsn" : "address", "", 0) == -1)
		return call_internal(c);
	return 0;
}

const struct method subject_methods[] = {
	{"nl.ivtd.Subject.Create", subject_create, ROLE_ANY, M_WRITE,
	 ACTIVITY_SELECT},
	{"nl.ivtd.Subject.Show", subject_show, ROLE_ANY, M_AUDIT,
	 ACTIVITY_SELECT},
	{"nl.ivtd.Subject.List", subject_list, ROLE_ANY, M_AUDIT,
	 ACTIVITY_SELECT},
	{"nl.ivtd.Subject.Find", subject_find,
	 ROLE_PROJECTLEIDER | ROLE_PARTNER, M_AUDIT, ACTIVITY_SELECT},
	{NULL, NULL, 0, 0, NULL},
};
