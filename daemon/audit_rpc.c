/*
 * audit_rpc.c - nl.ivtd.Audit: the audit log's methods.  Readable by the
 * admin and privacy roles; no method edits or deletes entries.
 *
 * List builds its WHERE clause from a fixed set of fragments, one per
 * filter, each with its own named parameter: the SQL text depends only on
 * which filters are present, never on their values, which are all bound.
 * A search by BSN is turned into the BSN's blind index at once; the BSN
 * itself goes nowhere, and the search is audited by that pseudonym.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ivt/export.h"
#include "ivt/wire.h"
#include "audit_export.h"
#include "bsn.h"
#include "date.h"
#include "log.h"
#include "register.h"
#include "subject.h"
#include "validate.h"
#include "varlink.h"

#define ACTIVITY_AUDIT   "ivt-09"
#define VERIFY_CHUNK_MAX 1000000
#define TAIL_DEFAULT     10
#define TAIL_BATCH       200 /* entries per streamed reply */
#define LIST_DEFAULT     100
#define LIST_MAX         1000
#define US_PER_SEC       1000000LL
#define US_PER_DAY       (86400LL * US_PER_SEC)

/*
 * Without limit the whole log is checked in one call.  With limit it is
 * checked in chunks (see audit_verify_chunk): the reply's next and hash
 * are the after and hash of the following call, absent on the last chunk,
 * whose checkpoints are verified too.  ivtctl uses chunks, so a long log
 * neither stalls the daemon's other clients nor hides its progress.
 */
static int
audit_verify_method(struct call *c)
{
	struct audit_verify_result r;
	uint8_t prev[CRYPTO_HASHBYTES], pk[CRYPTO_PKBYTES];
	char hex[2 * CRYPTO_HASHBYTES + 1], pkhex[2 * CRYPTO_PKBYTES + 1];
	int64_t after, limit;
	int rc;

	after = ivt_json_int(c->params, "after", 0);
	limit = ivt_json_int(c->params, "limit", 0);
	memset(prev, 0, sizeof(prev));
	if (after < 0)
		return call_invalid(c, "after", "a sequence number, 0 or more");
	if (json_object_get(c->params, "limit") != NULL &&
	    (limit < 1 || limit > VERIFY_CHUNK_MAX))
		return call_invalid(c, "limit", "1 to 1000000");
	if (after > 0 && ivt_unhex(ivt_json_str(c->params, "hash"), prev,
	                           sizeof(prev)) == -1)
		return call_invalid(c, "hash",
		                    "the hash of entry `after`, from the "
		                    "previous chunk");
	if (limit > 0)
		rc = audit_verify_chunk(c->ctx->store, c->ctx->crypto, after,
		                        prev, limit, &r);
	else if (after > 0)
		return call_invalid(c, "after", "needs limit");
	else
		rc =
		    audit_verify(c->ctx->store, c->ctx->crypto, &r, NULL, NULL);
	if (rc == -1)
		return call_internal(c);
	crypto_sign_pk(c->ctx->crypto, pk);
	crypto_hex(pk, sizeof(pk), pkhex);
	c->reply = json_pack("{s:b,s:I,s:I,s:I,s:s}", "ok", rc == 0, "entries",
	                     (json_int_t)r.entries, "checkpoints",
	                     (json_int_t)r.checkpoints, "total",
	                     (json_int_t)r.total, "public_key", pkhex);
	if (c->reply == NULL)
		return call_internal(c);
	if (rc == 1) {
		json_object_set_new(c->reply, "bad_seq",
		                    json_integer((json_int_t)r.bad_seq));
		json_object_set_new(c->reply, "reason", json_string(r.reason));
	} else if (r.more) {
		crypto_hex(r.hash, sizeof(r.hash), hex);
		json_object_set_new(c->reply, "next",
		                    json_integer((json_int_t)r.last));
		json_object_set_new(c->reply, "hash", json_string(hex));
	}
	return 0;
}

/* --- List ----------------------------------------------------------- */

/* The filters of List, each a fixed SQL fragment with its parameter. */
enum {
	F_ACTOR,
	F_ORG,
	F_PROJECT,
	F_ACTIVITY,
	F_RESULT,
	F_FROM,
	F_TO,
	F_BSN,
	F_COUNT,
};

static const char *const fragments[F_COUNT] = {
    [F_ACTOR] = " AND actor_name = :actor",
    [F_ORG] = " AND org = :org",
    [F_PROJECT] = " AND project = :project",
    [F_ACTIVITY] = " AND activity = :activity",
    [F_RESULT] = " AND result = :result",
    [F_FROM] = " AND ts_start >= :from",
    [F_TO] = " AND ts_start < :to",
    /* The entries about the person, as an inzage finds them. */
    [F_BSN] = " AND" SUBJECT_ABOUT_PERSON("audit.", ":bsn", ":bsnidx"),
};

static const char sql_head[] =
    "SELECT seq, ts_start, ts_end, trace_id, span_id, actor_uid,"
    " actor_name, role, org, method, activity, project, object, subject,"
    " subject_type, fields, result, error, hash"
    " FROM audit WHERE seq > :after";
static const char sql_tail[] = " ORDER BY seq LIMIT :limit";

struct list_query {
	int has[F_COUNT];
	const char *actor, *org, *activity, *result;
	int64_t project, from, to, after, limit;
	uint8_t bsnidx[CRYPTO_HASHBYTES];
	char bsnhex[2 * CRYPTO_HASHBYTES + 1];
};

/* Two digits at s into *v, within [min, max]. */
static int
two_digits(const char *s, int min, int max, int *v)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	*v = (s[0] - '0') * 10 + (s[1] - '0');
	return *v >= min && *v <= max ? 0 : -1;
}

/*
 * An RFC 3339 date ("2026-11-01": the whole day) or UTC date-time
 * ("2026-11-01T09:30:00Z", optionally with up to six fraction digits) as
 * the half-open range [*lo, *hi) of microseconds it covers.  0 or -1.
 */
static int
parse_when(const char *s, int64_t *lo, int64_t *hi)
{
	char day[11];
	int32_t days;
	int h, m, sec, n;
	int64_t frac = 0, step = US_PER_SEC;
	size_t len = strlen(s);

	if (len < 10)
		return -1;
	memcpy(day, s, 10);
	day[10] = '\0';
	if ((days = date_parse(day)) == INT32_MIN)
		return -1;
	*lo = (int64_t)days * US_PER_DAY;
	if (len == 10) {
		*hi = *lo + US_PER_DAY;
		return 0;
	}
	if (len < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
	    two_digits(s + 11, 0, 23, &h) == -1 ||
	    two_digits(s + 14, 0, 59, &m) == -1 ||
	    two_digits(s + 17, 0, 59, &sec) == -1)
		return -1;
	s += 19;
	if (*s == '.') {
		for (n = 0, s++; *s >= '0' && *s <= '9' && n < 6; s++, n++)
			frac = frac * 10 + (*s - '0');
		if (n == 0)
			return -1;
		for (step = 1; n < 6; n++)
			frac *= 10;
	}
	if (strcmp(s, "Z") != 0)
		return -1;
	*lo += ((int64_t)h * 3600 + m * 60 + sec) * US_PER_SEC + frac;
	*hi = *lo + step;
	return 0;
}

/* Check the parameters and fill q.  0, or -1 with the call failed. */
static int
list_params(struct call *c, struct list_query *q)
{
	const json_t *p = c->params;
	const char *bsn, *from, *to;
	char norm[10];
	int64_t lo, hi;

	memset(q, 0, sizeof(*q));
	q->limit = ivt_json_int(p, "limit", LIST_DEFAULT);
	q->after = ivt_json_int(p, "after", 0);
	if (q->limit < 1 || q->limit > LIST_MAX)
		return call_invalid(c, "limit", "1 to 1000");
	if (q->after < 0)
		return call_invalid(c, "after", "a sequence number, 0 or more");
	if ((q->actor = ivt_json_str(p, "actor")) != NULL) {
		if (!valid_account_name(q->actor))
			return call_invalid(c, "actor", "not a user name");
		q->has[F_ACTOR] = 1;
	}
	if ((q->org = ivt_json_str(p, "org")) != NULL) {
		if (!valid_display_name(q->org))
			return call_invalid(c, "org", "not a partner name");
		q->has[F_ORG] = 1;
	}
	if (json_object_get(p, "project") != NULL) {
		if ((q->project = ivt_json_int(p, "project", 0)) < 1)
			return call_invalid(c, "project", "a project id");
		q->has[F_PROJECT] = 1;
	}
	if ((q->activity = ivt_json_str(p, "activity")) != NULL) {
		if (register_find(register_get(), q->activity) == NULL)
			return call_invalid(c, "activity",
			                    "not in the register of processing "
			                    "activities");
		q->has[F_ACTIVITY] = 1;
	}
	if ((q->result = ivt_json_str(p, "result")) != NULL)
		q->has[F_RESULT] = 1;
	if ((from = ivt_json_str(p, "from")) != NULL) {
		if (parse_when(from, &q->from, &hi) == -1)
			return call_invalid(
			    c, "from", "an RFC 3339 date or UTC date-time");
		q->has[F_FROM] = 1;
	}
	if ((to = ivt_json_str(p, "to")) != NULL) {
		if (parse_when(to, &lo, &q->to) == -1)
			return call_invalid(
			    c, "to", "an RFC 3339 date or UTC date-time");
		if (from != NULL && q->to <= q->from)
			return call_invalid(c, "to", "before from");
		q->has[F_TO] = 1;
	}
	if ((bsn = ivt_json_str(p, "bsn")) != NULL) {
		/*
		 * A search by person is an inzageverzoek: the privacy
		 * officer's.  For the admin it would be a way round the
		 * rule that it handles no personal data -- given a BSN,
		 * the projects, partners and steps that concern that
		 * person and their address.
		 */
		if (c->who.role != ROLE_PRIVACY)
			return call_denied(c, "only the privacy officer "
			                      "searches the log by person");
		if (bsn_normalise(bsn, norm) == -1)
			return call_invalid(c, "bsn",
			                    "not a BSN: nine digits that pass "
			                    "the elfproef");
		if (crypto_blind_index(c->ctx->crypto, "bsn", norm,
		                       strlen(norm), q->bsnidx) == -1) {
			explicit_bzero(norm, sizeof(norm));
			return call_internal(c);
		}
		explicit_bzero(norm, sizeof(norm));
		crypto_hex(q->bsnidx, sizeof(q->bsnidx), q->bsnhex);
		q->has[F_BSN] = 1;
	}
	return 0;
}

/* Bind :name to a text or an integer, when the statement has it. */
static void
bind_text(sqlite3_stmt *st, const char *name, const char *v)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i > 0)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static void
bind_int(sqlite3_stmt *st, const char *name, int64_t v)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i > 0)
		sqlite3_bind_int64(st, i, v);
}

/* Prepare the query for q's filters and bind their values; NULL on
 * error.  Not cached: the text varies with the filters given. */
static sqlite3_stmt *
list_prepare(struct store *s, const struct list_query *q)
{
	char sql[1024];
	const char *part;
	sqlite3_stmt *st = NULL;
	size_t len, i, n;

	/* Every fragment fits: sizeof(sql) exceeds their sum. */
	len = strlen(sql_head);
	memcpy(sql, sql_head, len + 1);
	for (i = 0; i <= F_COUNT; i++) {
		if (i < F_COUNT && !q->has[i])
			continue;
		part = i == F_COUNT ? sql_tail : fragments[i];
		n = strlen(part);
		if (len + n >= sizeof(sql))
			return NULL;
		memcpy(sql + len, part, n + 1);
		len += n;
	}
	if (sqlite3_prepare_v3(s->db, sql, -1, 0, &st, NULL) != SQLITE_OK) {
		log_err("audit list: prepare: %s", sqlite3_errmsg(s->db));
		sqlite3_finalize(st);
		return NULL;
	}
	bind_int(st, ":after", q->after);
	bind_int(st, ":limit", q->limit + 1);
	bind_text(st, ":actor", q->actor);
	bind_text(st, ":org", q->org);
	bind_int(st, ":project", q->project);
	bind_text(st, ":activity", q->activity);
	bind_text(st, ":result", q->result);
	bind_int(st, ":from", q->from);
	bind_int(st, ":to", q->to);
	if (q->has[F_BSN]) {
		bind_text(st, ":bsn", q->bsnhex);
		sqlite3_bind_blob(st,
		                  sqlite3_bind_parameter_index(st, ":bsnidx"),
		                  q->bsnidx, sizeof(q->bsnidx), SQLITE_STATIC);
	}
	return st;
}

/* RFC 3339 UTC with microseconds. */
static void
format_us(int64_t us, char *buf, size_t len)
{
	time_t t = (time_t)(us / US_PER_SEC);
	struct tm tm;
	char s[32];
	int n;

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	/* Checked so -O2's truncation analysis is satisfied; the callers'
	 * buffers hold any year strftime can print here. */
	n = snprintf(buf, len, "%s.%06lldZ", s, (long long)(us % US_PER_SEC));
	if (n < 0 || (size_t)n >= len)
		buf[0] = '\0';
}

/* Set obj[key] to v when it is not empty. */
static void
set_nonempty(json_t *obj, const char *key, const char *v)
{
	if (v != NULL && v[0] != '\0')
		json_object_set_new(obj, key, json_string(v));
}

json_t *
audit_entry_json(const struct audit_entry *e,
                 const uint8_t hash[CRYPTO_HASHBYTES])
{
	char start[40], end[40], hex[2 * CRYPTO_HASHBYTES + 1] = "";
	json_t *o;

	format_us(e->ts_start, start, sizeof(start));
	format_us(e->ts_end, end, sizeof(end));
	if (hash != NULL)
		crypto_hex(hash, CRYPTO_HASHBYTES, hex);
	o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:I}", "seq", (json_int_t)e->seq,
	              "start", start, "end", end, "trace_id", e->trace_id,
	              "span_id", e->span_id, "actor_uid",
	              (json_int_t)e->actor_uid);
	if (o == NULL)
		return NULL;
	set_nonempty(o, "actor", e->actor_name);
	set_nonempty(o, "role", e->role);
	set_nonempty(o, "org", e->org);
	set_nonempty(o, "method", e->method);
	set_nonempty(o, "activity", e->activity);
	if (e->project != 0)
		json_object_set_new(o, "project",
		                    json_integer((json_int_t)e->project));
	set_nonempty(o, "object", e->object);
	set_nonempty(o, "subject", e->subject);
	set_nonempty(o, "subject_type", e->subject_type);
	set_nonempty(o, "fields", e->fields);
	set_nonempty(o, "result", e->result);
	set_nonempty(o, "error", e->error);
	json_object_set_new(o, "hash", json_string(hex));
	return o;
}

static const char *
column_str(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);

	return v != NULL ? v : "";
}

/* A row of sql_head (or sql_tail_from) as an Entry. */
static json_t *
entry_row(sqlite3_stmt *st)
{
	struct audit_entry e;

	memset(&e, 0, sizeof(e));
	e.seq = sqlite3_column_int64(st, 0);
	e.ts_start = sqlite3_column_int64(st, 1);
	e.ts_end = sqlite3_column_int64(st, 2);
	snprintf(e.trace_id, sizeof(e.trace_id), "%s", column_str(st, 3));
	snprintf(e.span_id, sizeof(e.span_id), "%s", column_str(st, 4));
	e.actor_uid = sqlite3_column_int64(st, 5);
	e.actor_name = column_str(st, 6);
	e.role = column_str(st, 7);
	e.org = column_str(st, 8);
	e.method = column_str(st, 9);
	e.activity = column_str(st, 10);
	e.project = sqlite3_column_int64(st, 11);
	e.object = column_str(st, 12);
	e.subject = column_str(st, 13);
	e.subject_type = column_str(st, 14);
	e.fields = column_str(st, 15);
	e.result = column_str(st, 16);
	e.error = column_str(st, 17);
	return audit_entry_json(&e,
	                        sqlite3_column_bytes(st, 18) == CRYPTO_HASHBYTES
	                            ? sqlite3_column_blob(st, 18)
	                            : NULL);
}

static int
audit_list(struct call *c)
{
	struct list_query q;
	sqlite3_stmt *st;
	json_t *entries, *last;
	size_t n;
	int rc;

	if (list_params(c, &q) == -1)
		return -1;
	if ((st = list_prepare(c->ctx->store, &q)) == NULL)
		return call_internal(c);
	rc = call_reply_rows(c, st, "entries", entry_row);
	sqlite3_finalize(st);
	if (rc == -1)
		return -1;
	/* One row more than asked says whether a next page exists. */
	entries = json_object_get(c->reply, "entries");
	if ((n = json_array_size(entries)) > (size_t)q.limit) {
		json_array_remove(entries, n - 1);
		last = json_array_get(entries, n - 2);
		json_object_set(c->reply, "next", json_object_get(last, "seq"));
	}
	call_object(c, "audit%s", q.has[F_BSN] ? " search:bsn" : "");
	/*
	 * Searching the log for a person is itself a processing of that
	 * person's data: record it, after the query so the search does not
	 * find its own entry.
	 */
	if (q.has[F_BSN] && call_disclose(c, q.bsnhex, "bsn", "", 0) == -1)
		return call_internal(c);
	return 0;
}

/* --- Tail ----------------------------------------------------------- */

static const char sql_tail_from[] =
    "SELECT seq, ts_start, ts_end, trace_id, span_id, actor_uid,"
    " actor_name, role, org, method, activity, project, object, subject,"
    " subject_type, fields, result, error, hash"
    " FROM audit WHERE seq > ? ORDER BY seq LIMIT ?";

/* {entries: [...]} of at most limit entries after *after, which moves to
 * the last one given; NULL on error. */
static json_t *
entries_after(struct call *c, int64_t *after, int64_t limit)
{
	sqlite3_stmt *st;
	json_t *list;
	size_t n;

	if ((st = store_prepare(c->ctx->store, sql_tail_from)) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, *after);
	sqlite3_bind_int64(st, 2, limit);
	if ((list = rows_json(st, entry_row)) == NULL)
		return NULL;
	if ((n = json_array_size(list)) > 0)
		*after =
		    ivt_json_int(json_array_get(list, n - 1), "seq", *after);
	return json_pack("{s:o}", "entries", list);
}

/* The stream of Tail: what was committed since the last reply. */
static int
tail_next(struct call *c, json_t **params)
{
	json_t *p;
	int64_t before = c->cursor;

	if ((p = entries_after(c, &c->cursor, TAIL_BATCH)) == NULL)
		return call_internal(c);
	if (c->cursor == before) {
		json_decref(p);
		return 0;
	}
	*params = p;
	return 1;
}

/*
 * The last entries; with "more" the call stays open and every entry
 * committed later follows (see server.c).  The stream starts after the
 * entries of this reply, so the call's own entry is its first news.
 */
static int
audit_tail(struct call *c)
{
	int64_t n = ivt_json_int(c->params, "last", TAIL_DEFAULT), last;

	if (n < 0 || n > LIST_MAX)
		return call_invalid(c, "last", "0 to 1000");
	if ((last = audit_last_seq(c->ctx->store)) < 0)
		return call_internal(c);
	c->cursor = last > n ? last - n : 0;
	if ((c->reply = entries_after(c, &c->cursor, n)) == NULL)
		return call_internal(c);
	c->cursor = last;
	call_object(c, "audit tail%s", c->more ? " follow" : "");
	if (c->more)
		c->next = tail_next;
	return 0;
}

const struct method audit_methods[] = {
    {"nl.ivtd.Audit.Verify", audit_verify_method, ROLE_ADMIN | ROLE_PRIVACY, 0,
     ACTIVITY_AUDIT},
    {"nl.ivtd.Audit.List", audit_list, ROLE_ADMIN | ROLE_PRIVACY, M_AUDIT,
     ACTIVITY_AUDIT},
    {"nl.ivtd.Audit.Tail", audit_tail, ROLE_ADMIN | ROLE_PRIVACY,
     M_AUDIT | M_MORE, ACTIVITY_AUDIT},
    {"nl.ivtd.Audit.Export", audit_export, ROLE_ADMIN | ROLE_PRIVACY,
     M_AUDIT | M_MORE, ACTIVITY_AUDIT},
    {NULL, NULL, 0, 0, NULL},
};
