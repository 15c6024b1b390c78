/*
 * report.c - nl.ivtd.Finding.Report: the figures of the final report.
 *
 * Hit rate: of the visited subjects (gecontroleerd or afgehandeld), the
 * share with at least one finding other than geen_bijzonderheden and
 * niet_aangetroffen (nobody home is no result).  Per indicator code (the
 * selection's reasons, Subject.codes) the same figures, so the project
 * tells its analysts (O&A) which indicators found something (seed 002,
 * 4.4: "toetsen indicatoren en terugkoppelen").
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "date.h"
#include "ivt/wire.h"
#include "report.h"
#include "varlink.h"

json_t *
report_count(int64_t n)
{
	if (n > 0 && n < REPORT_SUPPRESS)
		return json_null();
	return json_integer(n);
}

json_t *
report_rate(int64_t part, int64_t whole)
{
	if (whole < REPORT_SUPPRESS)
		return json_null();
	/* A rate also reveals a small numerator: 1 of 40 visits. */
	if (part > 0 && part < REPORT_SUPPRESS)
		return json_null();
	return json_real(round((double)part / (double)whole * 1000.0) / 1000.0);
}

json_t *
report_effect(const double *zero, const double *one)
{
	json_t *e = json_object();

	if (e == NULL)
		return NULL;
	if (zero != NULL)
		json_object_set_new(e, "zero", json_real(*zero));
	if (one != NULL)
		json_object_set_new(e, "one", json_real(*one));
	if (zero != NULL && one != NULL) {
		json_object_set_new(e, "change", json_real(*one - *zero));
		if (*zero != 0.0)
			json_object_set_new(
				e, "change_pct",
				json_real(round((*one - *zero) / fabs(*zero) *
				                1000.0) /
				          10.0));
	}
	return e;
}

/* The key that small cells of a breakdown about subjects merge into. */
#define REPORT_OTHER "kleine_aantallen"

/*
 * Put small, the sum of the cells of o left unnamed (-1: unknown), under
 * REPORT_OTHER.  A sum of 1 to 4 would itself be suppressed, yet the
 * total minus the named cells gives it: then the smallest named cell is
 * added to it too (secondary suppression), so no count below
 * REPORT_SUPPRESS can be worked out.
 */
static void
put_small(json_t *o, int64_t small)
{
	const char *key, *min_key = NULL;
	json_int_t min = 0;
	json_t *v;

	if (small > 0 && small < REPORT_SUPPRESS) {
		json_object_foreach(o, key, v)
		{
			if (json_is_integer(v) &&
			    (min_key == NULL || json_integer_value(v) < min)) {
				min = json_integer_value(v);
				min_key = key;
			}
		}
		if (min_key != NULL) {
			small += min;
			json_object_del(o, min_key);
		}
	}
	if (small != 0)
		json_object_set_new(o, REPORT_OTHER,
		                    small < 0 ? json_null()
		                              : report_count(small));
}

/*
 * A breakdown frozen before small cells were merged ({key: count or null}
 * and the total beside it): merged now as count_by would.  The unnamed
 * sum is the total minus the named cells, unknown when the total itself
 * was suppressed.
 */
static void
merge_frozen(json_t *o, const json_t *total)
{
	json_int_t named = 0;
	const char *key;
	json_t *v, *tmp;

	if (!json_is_object(o) || json_object_get(o, REPORT_OTHER) != NULL)
		return;
	json_object_foreach_safe(o, tmp, key, v)
	{
		if (json_is_integer(v))
			named += json_integer_value(v);
		else
			json_object_del(o, key);
	}
	put_small(o, json_is_integer(total) ? json_integer_value(total) - named
	                                    : -1);
}

/*
 * Run a "SELECT key, count" query for the project into an object.  With
 * merge, cells below REPORT_SUPPRESS are not named but added up under
 * REPORT_OTHER (put_small): a status or finding category shown as
 * suppressed would still say that one to four subjects have it, and the
 * total minus the other cells would give the count (one finding of
 * 'zorgsignaal' in a small project points at a household).  Without
 * merge (partners, who are not data subjects) such cells are null.
 */
static json_t *
count_by(struct store *s, const char *sql, int64_t project, int merge,
         int64_t *total)
{
	sqlite3_stmt *st;
	json_t *o = json_object();
	int64_t n, small = 0;

	*total = 0;
	if (o == NULL || (st = store_prepare(s, sql)) == NULL) {
		json_decref(o);
		return NULL;
	}
	sqlite3_bind_int64(st, 1, project);
	while (sqlite3_step(st) == SQLITE_ROW) {
		n = sqlite3_column_int64(st, 1);
		*total += n;
		if (merge && n < REPORT_SUPPRESS)
			small += n;
		else
			json_object_set_new(
			    o, (const char *)sqlite3_column_text(st, 0),
			    report_count(n));
	}
	sqlite3_reset(st);
	if (merge)
		put_small(o, small);
	return o;
}

static int64_t
scalar(struct store *s, const char *sql, int64_t project)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	if ((st = store_prepare(s, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, project);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

static json_t *
effects(struct call *c, int64_t project)
{
	static const char sql[] =
		"SELECT indicator, max(CASE WHEN phase = 0 THEN value END), "
		"max(CASE WHEN phase = 1 THEN value END), "
		"max(CASE WHEN phase = 0 THEN 1 END), "
		"max(CASE WHEN phase = 1 THEN 1 END), "
		"group_concat(DISTINCT source) FROM measures WHERE "
		"project_id = ? GROUP BY indicator ORDER BY indicator";
	sqlite3_stmt *st;
	json_t *list = json_array(), *e;
	double z, o;

	if (list == NULL || (st = store_prepare(c->ctx->store, sql)) == NULL) {
		json_decref(list);
		return NULL;
	}
	sqlite3_bind_int64(st, 1, project);
	while (sqlite3_step(st) == SQLITE_ROW) {
		z = sqlite3_column_double(st, 1);
		o = sqlite3_column_double(st, 2);
		e = report_effect(sqlite3_column_type(st, 3) != SQLITE_NULL ? &z
		                                                            : NULL,
		                  sqlite3_column_type(st, 4) != SQLITE_NULL ? &o
		                                                            : NULL);
		json_object_set_new(e, "indicator",
		                    json_string((const char *)sqlite3_column_text(
					    st, 0)));
		json_object_set_new(e, "source",
		                    json_string((const char *)sqlite3_column_text(
					    st, 5)));
		json_array_append_new(list, e);
	}
	sqlite3_reset(st);
	return list;
}

/* Project header: name, phase, deadline. */
static json_t *
project_head(struct call *c, int64_t project)
{
	static const char sql[] =
		"SELECT name, gemeente, phase, operational_end FROM projects "
		"WHERE id = ?";
	sqlite3_stmt *st;
	json_t *h = NULL;
	int32_t end, due;
	char buf[16];

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, project);
	if (sqlite3_step(st) == SQLITE_ROW) {
		h = json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)project,
		              "name", sqlite3_column_text(st, 0), "gemeente",
		              sqlite3_column_text(st, 1), "phase",
		              sqlite3_column_text(st, 2));
		end = date_parse((const char *)sqlite3_column_text(st, 3));
		if (h != NULL && end != INT32_MIN) {
			due = date_add_months(end, 3);
			date_format(end, buf, sizeof(buf));
			json_object_set_new(h, "operational_end",
			                    json_string(buf));
			date_format(due, buf, sizeof(buf));
			json_object_set_new(h, "report_due", json_string(buf));
			json_object_set_new(h, "report_days_left",
			                    json_integer(due - date_today()));
			json_object_set_new(
				h, "deadline",
				json_string(due >= date_today() ? "on_time"
				                                : "overdue"));
		} else if (h != NULL) {
			json_object_set_new(h, "deadline", json_string("open"));
		}
	}
	sqlite3_reset(st);
	return h;
}

/* Actiedagen carried out, and all that were not cancelled. */
static int
report_days(struct call *c, int64_t project, int64_t *used, int64_t *planned)
{
	static const char sql_used[] =
		"SELECT count(*) FROM days WHERE project_id = ? AND "
		"status = 'uitgevoerd'";
	static const char sql_planned[] =
		"SELECT count(*) FROM days WHERE project_id = ? AND "
		"status <> 'geannuleerd'";

	*used = scalar(c->ctx->store, sql_used, project);
	*planned = scalar(c->ctx->store, sql_planned, project);
	return *used < 0 || *planned < 0 ? -1 : 0;
}

/*
 * What the report counts of subjects and findings: {subjects, findings,
 * visited, hits, hit_rate, followups}, small counts already suppressed.
 * NULL on a database error.
 */
/* A subject with a result: a finding that found something. */
#define HIT                                                                    \
	"EXISTS (SELECT 1 FROM findings f WHERE f.subject_id = s.id AND "      \
	"f.category NOT IN ('geen_bijzonderheden','niet_aangetroffen'))"
#define VISITED "s.status IN ('gecontroleerd','afgehandeld')"

/*
 * Per indicator code: selected, visited, hits and hit rate.  NULL on an
 * error.  Only codes of at least REPORT_SUPPRESS subjects are named: a
 * code is a reason to suspect a household, and one given to a single
 * address would name that suspicion even with its counts suppressed.
 * The other counts are suppressed below REPORT_SUPPRESS as everywhere.
 */
static json_t *
indicators(struct store *s, int64_t project)
{
	static const char sql[] =
	    "SELECT j.value, count(*), sum(" VISITED "), sum(" VISITED
	    " AND " HIT ") FROM subjects s, json_each(s.codes) j WHERE "
	    "s.project_id = ?1 AND j.type = 'text' GROUP BY j.value "
	    "HAVING count(*) >= ?2 ORDER BY j.value LIMIT 1000";
	sqlite3_stmt *st;
	json_t *out = json_object(), *o;
	int64_t vis, hit;
	int rc;

	if (out == NULL || (st = store_prepare(s, sql)) == NULL) {
		json_decref(out);
		return NULL;
	}
	sqlite3_bind_int64(st, 1, project);
	sqlite3_bind_int(st, 2, REPORT_SUPPRESS);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		vis = sqlite3_column_int64(st, 2);
		hit = sqlite3_column_int64(st, 3);
		o = json_pack("{s:o,s:o,s:o,s:o}", "selected",
		              report_count(sqlite3_column_int64(st, 1)),
		              "visited", report_count(vis), "hits",
		              report_count(hit), "hit_rate",
		              report_rate(hit, vis));
		if (o == NULL ||
		    json_object_set_new(
		        out, (const char *)sqlite3_column_text(st, 0), o) == -1)
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static json_t *
report_counts(struct store *s, int64_t project)
{
	static const char by_status[] =
		"SELECT status, count(*) FROM subjects WHERE project_id = ? "
		"GROUP BY status ORDER BY status";
	static const char by_cat[] =
		"SELECT f.category, count(*) FROM findings f JOIN subjects s ON "
		"s.id = f.subject_id WHERE s.project_id = ? GROUP BY f.category "
		"ORDER BY f.category";
	static const char by_partner[] =
		"SELECT p.name, count(*) FROM findings f JOIN subjects s ON "
		"s.id = f.subject_id JOIN partners p ON p.id = f.partner_id "
		"WHERE s.project_id = ? GROUP BY p.name ORDER BY p.name";
	static const char visited[] =
		"SELECT count(*) FROM subjects WHERE project_id = ? AND status "
		"IN ('gecontroleerd','afgehandeld')";
	static const char hits[] =
	    "SELECT count(*) FROM subjects s WHERE s.project_id = ? AND "
	    "s.status IN ('gecontroleerd','afgehandeld') AND " HIT;
	static const char fu_total[] =
		"SELECT count(*) FROM findings f JOIN subjects s ON s.id = "
		"f.subject_id WHERE s.project_id = ? AND f.action <> 'geen'";
	static const char fu_done[] =
		"SELECT count(*) FROM findings f JOIN subjects s ON s.id = "
		"f.subject_id WHERE s.project_id = ? AND f.action <> 'geen' AND "
		"f.done = 1";
	int64_t nsub, ncat, npart, nvis, nhit, ftot, fdone;
	json_t *status, *cats, *parts, *ind;

	nvis = scalar(s, visited, project);
	nhit = scalar(s, hits, project);
	ftot = scalar(s, fu_total, project);
	fdone = scalar(s, fu_done, project);
	if (nvis < 0 || nhit < 0 || ftot < 0 || fdone < 0)
		return NULL;
	/* Arguments are evaluated in no set order: count first. */
	status = count_by(s, by_status, project, 1, &nsub);
	cats = count_by(s, by_cat, project, 1, &ncat);
	parts = count_by(s, by_partner, project, 0, &npart);
	ind = indicators(s, project);
	if (status == NULL || cats == NULL || parts == NULL || ind == NULL) {
		json_decref(status);
		json_decref(cats);
		json_decref(parts);
		json_decref(ind);
		return NULL;
	}
	return json_pack(
	    "{s:{s:o,s:o},s:{s:o,s:o,s:o},s:o,s:o,s:o,"
	    "s:{s:o,s:o,s:o},s:o}",
	    "subjects", "by_status", status, "total", report_count(nsub),
	    "findings", "by_category", cats, "by_partner", parts, "total",
	    report_count(ncat), "visited", report_count(nvis), "hits",
	    report_count(nhit), "hit_rate", report_rate(nhit, nvis),
	    "followups", "total", report_count(ftot), "done",
	    report_count(fdone), "completion", report_rate(fdone, ftot),
	    "indicators", ind);
}

int
report_freeze(struct store *s, int64_t project)
{
	static const char sql[] =
	    "INSERT OR REPLACE INTO report_frozen (project_id, counts) "
	    "VALUES (?, ?)";
	sqlite3_stmt *st;
	json_t *counts;
	char *text;

	if ((counts = report_counts(s, project)) == NULL)
		return -1;
	text = json_dumps(counts, JSON_COMPACT);
	json_decref(counts);
	if (text == NULL || (st = store_prepare(s, sql)) == NULL) {
		free(text);
		return -1;
	}
	sqlite3_bind_int64(st, 1, project);
	sqlite3_bind_text(st, 2, text, -1, free);
	return store_step_done(st);
}

/* The counts frozen at the project's destruction; NULL if there are none
 * (or on an error: then the live tables are counted, which is safe). */
static json_t *
frozen_counts(struct store *s, int64_t project)
{
	static const char sql[] =
	    "SELECT counts FROM report_frozen WHERE project_id = ?";
	sqlite3_stmt *st;
	json_t *counts = NULL, *by;

	if ((st = store_prepare(s, sql)) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, project);
	if (sqlite3_step(st) == SQLITE_ROW)
		counts = json_loads((const char *)sqlite3_column_text(st, 0), 0,
		                    NULL);
	sqlite3_reset(st);
	/* Frozen by an earlier version: its small cells are merged now. */
	if (counts != NULL) {
		by = json_object_get(counts, "subjects");
		merge_frozen(json_object_get(by, "by_status"),
		             json_object_get(by, "total"));
		by = json_object_get(counts, "findings");
		merge_frozen(json_object_get(by, "by_category"),
		             json_object_get(by, "total"));
	}
	return counts;
}

static int
finding_report(struct call *c)
{
	int64_t project = ivt_json_int(c->params, "project", 0);
	int64_t used, planned;
	json_t *r, *counts;

	/*
	 * A partner that may not read the findings would learn from the
	 * live figures what its own writes change: whether "hits" grows
	 * with its finding tells whether another partner found something
	 * at that address.  Partners need inlezen; the leaders, the admin
	 * and the privacy officer write no findings.
	 */
	if (access_project(c, project,
	                   c->who.role == ROLE_PARTNER ? ACC_INLEZEN
	                                               : ACC_META) == -1)
		return -1;
	call_object(c, "project:%lld report", (long long)project);
	if ((counts = frozen_counts(c->ctx->store, project)) == NULL &&
	    (counts = report_counts(c->ctx->store, project)) == NULL)
		return call_internal(c);
	if (report_days(c, project, &used, &planned) == -1) {
		json_decref(counts);
		return call_internal(c);
	}
	r = json_pack("{s:o*,s:o*,s:{s:I,s:I},s:i}", "project",
	              project_head(c, project), "effect", effects(c, project),
	              "days", "used", (json_int_t)used, "planned",
	              (json_int_t)planned, "suppressed_below", REPORT_SUPPRESS);
	if (r == NULL || json_object_update(r, counts) == -1) {
		json_decref(r);
		json_decref(counts);
		return call_internal(c);
	}
	json_decref(counts);
	c->reply = json_pack("{s:o}", "report", r);
	return c->reply ? 0 : call_internal(c);
}

const struct method report_methods[] = {
	{"nl.ivtd.Finding.Report", finding_report, ROLE_ANY, 0, NULL},
	{NULL, NULL, 0, 0, NULL},
};
