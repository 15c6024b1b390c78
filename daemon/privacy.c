/*
 * privacy.c - nl.ivtd.Privacy: the register of processing activities, as
 * the running daemon knows it (public to every known user: the register
 * says what ivtd does with personal data, not whose), and the inzage
 * report of AVG art. 15 (privacy officer only).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium/utils.h>

#include "ivt/wire.h"
#include "bsn.h"
#include "date.h"
#include "register.h"
#include "subject.h"
#include "varlink.h"

/* A ';'-separated register field as a JSON array of strings. */
static json_t *
list_json(const char *field)
{
	char item[REGISTER_FIELD_MAX + 1];
	const char *p = field;
	json_t *a;

	if ((a = json_array()) == NULL)
		return NULL;
	while (register_list_next(&p, item, sizeof(item))) {
		if (json_array_append_new(a, json_string(item)) == -1) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *
activity_json(const struct activity *a)
{
	json_t *o;

	o = json_pack("{s:s,s:b,s:s,s:s,s:s,s:s,s:o,s:o,s:o}", "id", a->id,
	              "retired", a->retired, "name", a->name, "purpose",
	              a->purpose, "legal_basis", a->legal_basis, "retention",
	              a->retention, "categories", list_json(a->categories),
	              "data_subjects", list_json(a->subjects), "recipients",
	              list_json(a->recipients));
	if (o != NULL && a->successor[0] != '\0' &&
	    json_object_set_new(o, "successor", json_string(a->successor)) ==
	        -1) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int
privacy_register(struct call *c)
{
	const struct activity_register *r = register_get();
	json_t *list, *v;
	size_t i;

	if (r == NULL || (list = json_array()) == NULL)
		return call_internal(c);
	for (i = 0; i < r->n; i++) {
		if ((v = activity_json(&r->act[i])) == NULL ||
		    json_array_append_new(list, v) == -1) {
			json_decref(list);
			return call_internal(c);
		}
	}
	c->reply = json_pack("{s:o}", "activities", list);
	return c->reply != NULL ? 0 : call_internal(c);
}

/* --- Inzage (AVG art. 15) ------------------------------------------ */

/*
 * The report a data subject is owed, found through the pseudonyms the
 * daemon already keeps: the BSN's blind index over the persons of every
 * project, and in the audit log that pseudonym and the pseudonym of each
 * address (verwondersubject) the person is registered at -- the latter
 * only in the projects where the person lives there (or without a
 * project, a search by postcode and number), so neighbours at the same
 * address in another project, and in another flat at the same number,
 * stay out (SUBJECT_ABOUT_PERSON).  Only data about this person goes in: other
 * residents of an address have their own pseudonyms and are not named,
 * and of the staff only organisation and role appear, never a name.
 *
 * Sealed values (name, birth date, the address itself, finding notes) are
 * not opened: the report says which fields are held and who received
 * which, and names the subjects, so the copy of the data itself (art. 15
 * lid 3) is made by whoever may read them, with its own audit entry.
 */

#define INZAGE_ACCESS_MAX 5000 /* accesses listed; all are counted */

struct inzage {
	char bsnhex[2 * CRYPTO_HASHBYTES + 1];
	uint8_t bsnidx[CRYPTO_HASHBYTES];
	json_t *activities; /* ids seen, as an object used as a set */
	json_t *fields;     /* personal-data fields disclosed, a set */
	json_t *projects;   /* project ids of the accesses, a set */
};

/* Add each item of a comma-separated list to the set (an object). */
static void
set_add_list(json_t *set, const char *list)
{
	char item[64];
	const char *p = list, *comma;
	size_t n;

	while (p != NULL && *p != '\0') {
		comma = strchr(p, ',');
		n = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (n > 0 && n < sizeof(item)) {
			memcpy(item, p, n);
			item[n] = '\0';
			json_object_set_new(set, item, json_true());
		}
		p = comma != NULL ? comma + 1 : NULL;
	}
}

/* The keys of a set, in the order they were first met. */
static json_t *
set_array(json_t *set)
{
	const char *key;
	json_t *v, *a = json_array();

	json_object_foreach(set, key, v)
	    json_array_append_new(a, json_string(key));
	return a;
}

static const char *
col(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);

	return v != NULL ? v : "";
}

/* Who, without a name: the organisation, or the gemeente's role. */
static json_t *
who_json(sqlite3_stmt *st, int org, int role)
{
	return json_pack("{s:s,s:s}", "organisation",
	                 col(st, org)[0] != '\0' ? col(st, org) : "gemeente",
	                 "role", col(st, role));
}

static const char sql_projects[] =
    "SELECT pr.id, pr.name, pr.gemeente, pr.phase, pr.legal_basis,"
    " pr.purpose,"
    " (SELECT max(e.event_date) FROM project_events e"
    "  WHERE e.project_id = pr.id AND e.to_phase = 'afgesloten'),"
    " group_concat(s.id), group_concat(s.status),"
    " coalesce(pr.retention_days, -1),"
    /* Which optional fields hold a value: a sealed empty string is
     * exactly the overhead long (no need to open anything). */
    " max(length(p.name) > ?2), max(length(p.birthdate) > ?2),"
    " max(length(s.toevoeging) > ?2)"
    " FROM persons p JOIN subjects s ON s.id = p.subject_id"
    " JOIN projects pr ON pr.id = s.project_id"
    " WHERE p.bsn_index = ?1 GROUP BY pr.id ORDER BY pr.id";

static const char sql_findings[] =
    "SELECT f.visit_date, f.category, pa.name FROM findings f"
    " JOIN partners pa ON pa.id = f.partner_id"
    " WHERE f.subject_id IN (SELECT p.subject_id FROM persons p"
    "  JOIN subjects s ON s.id = p.subject_id"
    "  WHERE p.bsn_index = ? AND s.project_id = ?)"
    " ORDER BY f.visit_date, f.id";

/* The findings on the person's addresses in a project (notes stay
 * sealed: they may hold other people's data). */
static json_t *
project_findings(struct call *c, const struct inzage *q, int64_t project)
{
	sqlite3_stmt *st;
	json_t *list = json_array();

	if (list == NULL ||
	    (st = store_prepare(c->ctx->store, sql_findings)) == NULL) {
		json_decref(list);
		return NULL;
	}
	sqlite3_bind_blob(st, 1, q->bsnidx, sizeof(q->bsnidx), SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, project);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(
		    list, json_pack("{s:s,s:s,s:s}", "visit_date", col(st, 0),
		                    "category", col(st, 1), "organisation",
		                    col(st, 2)));
	sqlite3_reset(st);
	return list;
}

/* The subjects of a project row: group_concat'ed ids and statuses, in
 * the same row order, as [{id, status}]. */
static json_t *
subjects_json(const char *ids, const char *statuses)
{
	json_t *list = json_array();
	const char *i = ids, *s = statuses;
	char status[32];
	size_t n;

	while (list != NULL && *i != '\0') {
		n = strcspn(s, ",");
		snprintf(status, sizeof(status), "%.*s", (int)n, s);
		json_array_append_new(
		    list, json_pack("{s:I,s:s}", "id",
		                    (json_int_t)strtoll(i, NULL, 10), "status",
		                    status));
		i += strcspn(i, ",");
		i += *i == ',';
		s += n;
		s += *s == ',';
	}
	return list;
}

static json_t *
project_json(struct call *c, const struct inzage *q, sqlite3_stmt *st)
{
	char end[16], rule[96], person[64], address[64];
	const char *closed = col(st, 6);
	int64_t days, start;
	int64_t id = sqlite3_column_int64(st, 0);
	json_t *p;

	/* The fields that hold a value, not every field there could be. */
	snprintf(person, sizeof(person), "bsn%s%s",
	         sqlite3_column_int(st, 10) ? ",naam" : "",
	         sqlite3_column_int(st, 11) ? ",geboortedatum" : "");
	snprintf(address, sizeof(address),
	         "straat,huisnummer%s,postcode,"
	         "woonplaats",
	         sqlite3_column_int(st, 12) ? ",toevoeging" : "");
	p = json_pack(
	    "{s:I,s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:s,s:o}", "id", (json_int_t)id,
	    "name", col(st, 1), "gemeente", col(st, 2), "phase", col(st, 3),
	    "legal_basis", col(st, 4), "purpose", col(st, 5), "subjects",
	    subjects_json(col(st, 7), col(st, 8)), "fields_person", person,
	    "fields_address", address, "findings", project_findings(c, q, id));
	if (p == NULL)
		return NULL;
	/* The project's own retention period, or the configured one. */
	days = sqlite3_column_int64(st, 9);
	if (days < 0)
		days = c->ctx->cfg->retention_days;
	if (closed[0] != '\0' && (start = date_parse(closed)) >= 0) {
		date_format((int32_t)(start + days), end, sizeof(end));
		json_object_set_new(p, "closed", json_string(closed));
		json_object_set_new(p, "retention_end", json_string(end));
	} else
		json_object_set_new(p, "retention_end", json_null());
	snprintf(rule, sizeof(rule), "%lld dagen na afsluiting van het "
	         "project%s", (long long)days,
	         sqlite3_column_int64(st, 9) < 0 ? " (standaardtermijn)" : "");
	json_object_set_new(p, "retention_rule", json_string(rule));
	return p;
}

static int
inzage_projects(struct call *c, struct inzage *q, json_t **out)
{
	sqlite3_stmt *st;
	json_t *list, *p;
	int rc;

	if ((list = json_array()) == NULL ||
	    (st = store_prepare(c->ctx->store, sql_projects)) == NULL) {
		json_decref(list);
		return -1;
	}
	sqlite3_bind_blob(st, 1, q->bsnidx, sizeof(q->bsnidx), SQLITE_STATIC);
	sqlite3_bind_int(st, 2, CRYPTO_SEAL_OVERHEAD);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((p = project_json(c, q, st)) == NULL ||
		    json_array_append_new(list, p) == -1) {
			rc = SQLITE_NOMEM;
			break;
		}
		/* Data held in a project is registered under ivt-04. */
		json_object_set_new(q->activities, "ivt-04", json_true());
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(list);
		return -1;
	}
	*out = list;
	return 0;
}

/* The audit entries about the person (subject.h).  Shared by both
 * queries below. */
#define INZAGE_WHERE                                                           \
	" FROM audit a WHERE" SUBJECT_ABOUT_PERSON("a.", ":bsn", ":idx")

static const char sql_accesses[] =
    "SELECT a.ts_start, a.org, a.role, a.activity, a.method, a.project,"
    " a.subject_type, a.fields, a.result" INZAGE_WHERE " ORDER BY a.seq";

/* Recipients: who received or read the data, allowed only. */
static const char sql_recipients[] =
    "SELECT a.org, a.role, min(a.ts_start), max(a.ts_start), "
    "count(*)" INZAGE_WHERE " AND a.result = 'allowed' GROUP BY a.org, a.role"
    " ORDER BY min(a.ts_start)";

static void
bind_person(sqlite3_stmt *st, const struct inzage *q)
{
	sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":bsn"),
	                  q->bsnhex, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, sqlite3_bind_parameter_index(st, ":idx"),
	                  q->bsnidx, sizeof(q->bsnidx), SQLITE_STATIC);
}

static json_t *
access_json(sqlite3_stmt *st, struct inzage *q)
{
	char when[32];
	json_t *a;

	format_time(sqlite3_column_int64(st, 0), when, sizeof(when));
	if ((a = who_json(st, 1, 2)) == NULL)
		return NULL;
	json_object_set_new(a, "time", json_string(when));
	json_object_set_new(a, "activity", json_string(col(st, 3)));
	json_object_set_new(a, "method", json_string(col(st, 4)));
	if (sqlite3_column_int64(st, 5) != 0) {
		json_object_set_new(
		    a, "project",
		    json_integer((json_int_t)sqlite3_column_int64(st, 5)));
		json_object_set_new(q->projects, col(st, 5), json_true());
	}
	json_object_set_new(a, "about", json_string(col(st, 6)));
	json_object_set_new(a, "fields", json_string(col(st, 7)));
	json_object_set_new(a, "result", json_string(col(st, 8)));
	if (col(st, 3)[0] != '\0')
		json_object_set_new(q->activities, col(st, 3), json_true());
	set_add_list(q->fields, col(st, 7));
	return a;
}

static int
inzage_accesses(struct call *c, struct inzage *q, json_t *report)
{
	sqlite3_stmt *st;
	json_t *list, *a;
	int64_t n = 0;
	int rc;

	if ((list = json_array()) == NULL ||
	    sqlite3_prepare_v2(c->ctx->store->db, sql_accesses, -1, &st,
	                       NULL) != SQLITE_OK) {
		json_decref(list);
		return -1;
	}
	bind_person(st, q);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (++n > INZAGE_ACCESS_MAX) {
			/* Counted, and their activities and fields kept. */
			json_decref(access_json(st, q));
			continue;
		}
		if ((a = access_json(st, q)) == NULL ||
		    json_array_append_new(list, a) == -1) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(list);
		return -1;
	}
	json_object_set_new(report, "accesses", list);
	json_object_set_new(report, "access_count", json_integer(n));
	return 0;
}

static int
inzage_recipients(struct call *c, struct inzage *q, json_t *report)
{
	char first[32], last[32];
	sqlite3_stmt *st;
	json_t *list, *r;
	int rc;

	if ((list = json_array()) == NULL ||
	    sqlite3_prepare_v2(c->ctx->store->db, sql_recipients, -1, &st,
	                       NULL) != SQLITE_OK) {
		json_decref(list);
		return -1;
	}
	bind_person(st, q);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		format_time(sqlite3_column_int64(st, 2), first, sizeof(first));
		format_time(sqlite3_column_int64(st, 3), last, sizeof(last));
		if ((r = who_json(st, 0, 1)) == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		json_object_set_new(r, "first", json_string(first));
		json_object_set_new(r, "last", json_string(last));
		json_object_set_new(r, "count",
		                    json_integer(sqlite3_column_int64(st, 4)));
		json_array_append_new(list, r);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(list);
		return -1;
	}
	json_object_set_new(report, "recipients", list);
	return 0;
}

/*
 * The projects the person's data was processed in that have destroyed it
 * since (retention): the audit entries stay, in accesses, and the person
 * is owed what they were for and that the data is gone.
 */
static int
inzage_destroyed(struct call *c, struct inzage *q, json_t *report)
{
	static const char sql[] =
	    "SELECT id, name, gemeente, legal_basis, purpose, destroyed FROM "
	    "projects WHERE id = ? AND destroyed IS NOT NULL";
	char when[32];
	sqlite3_stmt *st;
	const char *id;
	json_t *list, *v, *p;
	int rc = SQLITE_DONE;

	if ((list = json_array()) == NULL ||
	    (st = store_prepare(c->ctx->store, sql)) == NULL) {
		json_decref(list);
		return -1;
	}
	json_object_foreach(q->projects, id, v)
	{
		sqlite3_bind_int64(st, 1, strtoll(id, NULL, 10));
		if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			format_time(sqlite3_column_int64(st, 5), when,
			            sizeof(when));
			p = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s}", "id",
			              (json_int_t)sqlite3_column_int64(st, 0),
			              "name", col(st, 1), "gemeente",
			              col(st, 2), "legal_basis", col(st, 3),
			              "purpose", col(st, 4), "destroyed", when);
			rc = p != NULL && json_array_append_new(list, p) == 0
			         ? SQLITE_DONE
			         : SQLITE_NOMEM;
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			break;
	}
	if (rc != SQLITE_DONE) {
		json_decref(list);
		return -1;
	}
	json_object_set_new(report, "destroyed", list);
	return 0;
}

/* The register's entries for every activity the report met. */
static json_t *
inzage_activities(const struct inzage *q)
{
	const struct activity *a;
	const char *id;
	json_t *v, *list = json_array();

	json_object_foreach(q->activities, id, v)
	{
		if ((a = register_find(register_get(), id)) != NULL)
			json_array_append_new(list, activity_json(a));
	}
	return list;
}

static int
inzage_params(struct call *c, struct inzage *q)
{
	const char *bsn = ivt_json_str(c->params, "bsn");
	char norm[10];
	int rc;

	if (bsn == NULL || bsn_normalise(bsn, norm) == -1)
		return call_invalid(c, "bsn",
		                    "not a BSN: nine digits that pass the "
		                    "elfproef");
	rc = crypto_blind_index(c->ctx->crypto, "bsn", norm, strlen(norm),
	                        q->bsnidx);
	explicit_bzero(norm, sizeof(norm));
	if (rc == -1)
		return call_internal(c);
	crypto_hex(q->bsnidx, sizeof(q->bsnidx), q->bsnhex);
	return 0;
}

static int
privacy_inzage(struct call *c)
{
	struct inzage q;
	json_t *report = NULL, *projects = NULL;
	char now[32];
	int rc = -1;

	memset(&q, 0, sizeof(q));
	if (inzage_params(c, &q) == -1)
		return -1;
	q.activities = json_object();
	q.fields = json_object();
	q.projects = json_object();
	format_time(store_now_us(), now, sizeof(now));
	report =
	    json_pack("{s:s,s:s}", "pseudonym", q.bsnhex, "generated", now);
	if (q.activities == NULL || q.fields == NULL || q.projects == NULL ||
	    report == NULL || inzage_projects(c, &q, &projects) == -1 ||
	    json_object_set_new(report, "projects", projects) == -1 ||
	    inzage_accesses(c, &q, report) == -1 ||
	    inzage_destroyed(c, &q, report) == -1 ||
	    inzage_recipients(c, &q, report) == -1)
		goto out;
	json_object_set_new(report, "fields_disclosed", set_array(q.fields));
	json_object_set_new(report, "activities", inzage_activities(&q));
	call_object(c, "inzage");
	/*
	 * Answering the request processes the person's data: recorded under
	 * their pseudonym (ivt-09), after the queries so that the report
	 * does not list its own making.
	 */
	if (call_disclose(c, q.bsnhex, "bsn", "", 0) == -1)
		goto out;
	c->reply = report;
	report = NULL;
	rc = 0;
out:
	json_decref(report);
	json_decref(q.activities);
	json_decref(q.fields);
	json_decref(q.projects);
	sodium_memzero(q.bsnidx, sizeof(q.bsnidx));
	return rc == 0 ? 0 : call_internal(c);
}

const struct method privacy_methods[] = {
    {"nl.ivtd.Privacy.Register", privacy_register, ROLE_ANY, 0, NULL},
    {"nl.ivtd.Privacy.Inzage", privacy_inzage, ROLE_PRIVACY, M_AUDIT, "ivt-09"},
    {NULL, NULL, 0, 0, NULL},
};
