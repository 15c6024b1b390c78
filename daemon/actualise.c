/*
 * actualise.c - actualisation of verwondersubjecten by the partners with
 * an interest, and the projectleider's decision on conflicts.
 *
 * A subject in actualisation becomes
 *   conflict   as soon as one partner reports a conflict (a running care or
 *              re-integration trajectory): only the projectleider can
 *              decide to proceed or drop;
 *   vervallen  as soon as one partner reports it is no longer relevant;
 *   gereed     when every interested partner answered 'relevant'.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "ivt/wire.h"
#include "keys.h"
#include "subject.h"
#include "validate.h"

#define ACTIVITY_ACTUALISE "ivt-05"

static const char *const vervallen_reasons[] = {
	"verhuisd", "overleden", "gewijzigde_inkomenssituatie",
	"onbekend_adres", "anders",
};
static const char *const conflict_reasons[] = {
	"zorgtraject", "reintegratietraject", "lopend_onderzoek", "anders",
};

static int
in_list(const char *v, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++) {
		if (strcmp(v, list[i]) == 0)
			return 1;
	}
	return 0;
}

/* The status the answers add up to (see the comment at the top). */
static int
recompute(struct call *c, int64_t id)
{
	static const char sql[] =
		"SELECT count(*), sum(answer = 'relevant'), "
		"sum(answer = 'vervallen'), sum(answer = 'conflict') "
		"FROM interests WHERE subject_id = ?";
	sqlite3_stmt *st;
	int64_t n = 0, rel = 0, verv = 0, confl = 0;
	const char *status;

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		n = sqlite3_column_int64(st, 0);
		rel = sqlite3_column_int64(st, 1);
		verv = sqlite3_column_int64(st, 2);
		confl = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	if (confl > 0)
		status = "conflict";
	else if (verv > 0)
		status = "vervallen";
	else if (rel == n)
		status = "gereed";
	else
		status = "in_actualisatie";
	return subject_set_status(c->ctx->store, id, status);
}

/* Send one subject: pending answers for every interest, or ready at once
 * when nobody has an interest.  *ready is set when it became gereed. */
static int
send_one(struct call *c, int64_t id, int *ready)
{
	static const char reset[] =
		"UPDATE interests SET answer = NULL, reason = NULL, "
		"answered_by = NULL, answered_at = NULL WHERE subject_id = ?";
	static const char count[] =
		"SELECT count(*) FROM interests WHERE subject_id = ?";
	sqlite3_stmt *st;
	int64_t n = 0;

	if ((st = store_prepare(c->ctx->store, reset)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (store_step_done(st) == -1 ||
	    (st = store_prepare(c->ctx->store, count)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	*ready = n == 0;
	return subject_set_status(c->ctx->store, id,
	                          n == 0 ? "gereed" : "in_actualisatie");
}

static int
subject_actualise(struct call *c)
{
	static const char all[] =
		"SELECT id FROM subjects WHERE project_id = ? AND "
		"status = 'geselecteerd' ORDER BY id";
	static const char one[] =
		"SELECT status FROM subjects WHERE id = ? AND project_id = ?";
	int64_t project = ivt_json_int(c->params, "project", 0), id;
	const json_t *list = json_object_get(c->params, "subjects"), *v;
	sqlite3_stmt *st;
	int64_t *ids = NULL;
	size_t n = 0, i;
	int sent = 0, ready = 0, r, rc;
	char idbuf[32];

	if (access_project(c, project, ACC_HANDLE) == -1)
		return -1;
	call_object(c, "project:%lld actualise", (long long)project);
	if (list == NULL) {
		if ((st = store_prepare(c->ctx->store, all)) == NULL)
			return call_internal(c);
		sqlite3_bind_int64(st, 1, project);
		if (store_ids(st, &ids, &n) == -1)
			return call_internal(c);
	} else if (json_array_size(list) > 0) {
		/* At most 100000 (the interface's @limit): one allocation. */
		if ((ids = calloc(json_array_size(list), sizeof(*ids))) ==
		    NULL)
			return call_internal(c);
		json_array_foreach(list, i, v)
			ids[n++] = json_integer_value(v);
	}
	for (i = 0; i < n; i++) {
		if ((st = store_prepare(c->ctx->store, one)) == NULL)
			goto internal;
		sqlite3_bind_int64(st, 1, ids[i]);
		sqlite3_bind_int64(st, 2, project);
		rc = sqlite3_step(st);
		r = rc == SQLITE_ROW &&
		    strcmp((const char *)sqlite3_column_text(st, 0),
		           "geselecteerd") == 0;
		sqlite3_reset(st);
		if (rc != SQLITE_ROW) {
			snprintf(idbuf, sizeof(idbuf), "%lld",
			         (long long)ids[i]);
			free(ids);
			return call_not_found(c, "subject", idbuf);
		}
		if (!r) {
			free(ids);
			return call_fail(c, "nl.ivtd.Conflict", "{s:s}",
			                 "reason",
			                 "only geselecteerd subjects are sent "
			                 "for actualisation");
		}
		id = ids[i];
		if (send_one(c, id, &r) == -1 ||
		    subject_audit(c, id, project) == -1)
			goto internal;
		sent++;
		ready += r;
	}
	free(ids);
	c->reply = json_pack("{s:i,s:i}", "sent", sent, "ready", ready);
	return c->reply ? 0 : call_internal(c);
internal:
	free(ids);
	return call_internal(c);
}

/* The caller's organisation's interest in the subject: 1 pending, 2
 * answered, 0 none, -1 error. */
static int
own_interest(struct call *c, int64_t id)
{
	static const char sql[] =
		"SELECT answer IS NOT NULL FROM interests WHERE "
		"subject_id = ? AND partner_id = ?";
	sqlite3_stmt *st;
	int rc, r = 0;

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, c->who.partner_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		r = sqlite3_column_int(st, 0) ? 2 : 1;
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? r : -1;
}

static int
subject_answer(struct call *c)
{
	static const char sql[] =
		"UPDATE interests SET answer = ?, reason = ?, answered_by = ?, "
		"answered_at = ? WHERE subject_id = ? AND partner_id = ?";
	int64_t id = ivt_json_int(c->params, "subject", 0), project;
	const char *answer = ivt_json_str(c->params, "answer");
	const char *reason = ivt_json_str(c->params, "reason");
	sqlite3_stmt *st;
	char status[32];
	int have;

	if (c->who.role != ROLE_PARTNER)
		return call_denied(c, "partners answer for their organisation");
	if (subject_access(c, id, ACC_META, &project) == -1)
		return -1;
	if ((have = own_interest(c, id)) == -1)
		return call_internal(c);
	if (have == 0)
		return call_denied(c, "your organisation has no interest in "
		                      "this subject");
	/* A first answer delivers data; changing one edits it. */
	if (access_project(c, project, have == 1 ? ACC_LEVEREN
	                                         : ACC_BEWERKEN) == -1)
		return -1;
	if (subject_status(c->ctx->store, id, status, sizeof(status)) == -1)
		return call_internal(c);
	if (strcmp(status, "in_actualisatie") != 0 &&
	    strcmp(status, "vervallen") != 0 && strcmp(status, "conflict") != 0 &&
	    strcmp(status, "gereed") != 0)
		return call_fail(c, "nl.ivtd.Conflict", "{s:s}", "reason",
		                 "the subject is not in actualisation");
	if (strcmp(answer, "relevant") == 0 && reason != NULL)
		return call_invalid(c, "reason", "only for vervallen or "
		                                 "conflict");
	if (strcmp(answer, "vervallen") == 0 &&
	    !in_list(reason, vervallen_reasons,
	             sizeof(vervallen_reasons) / sizeof(vervallen_reasons[0])))
		return call_invalid(c, "reason",
		                    "verhuisd, overleden, gewijzigde_inkomens"
		                    "situatie, onbekend_adres or anders");
	if (strcmp(answer, "conflict") == 0 &&
	    !in_list(reason, conflict_reasons,
	             sizeof(conflict_reasons) / sizeof(conflict_reasons[0])))
		return call_invalid(c, "reason",
		                    "zorgtraject, reintegratietraject, "
		                    "lopend_onderzoek or anders");
	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return call_internal(c);
	sqlite3_bind_text(st, 1, answer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, c->who.uid);
	sqlite3_bind_int64(st, 4, store_now_us());
	sqlite3_bind_int64(st, 5, id);
	sqlite3_bind_int64(st, 6, c->who.partner_id);
	if (store_step_done(st) == -1 || recompute(c, id) == -1)
		return call_internal(c);
	/* The answer changes the subject also for a partner that may read
	 * none of it: after the reply's disclosures, the rest by pseudonym. */
	if (subject_reply(c, id) == -1)
		return -1;
	return subject_audit(c, id, project) == -1 ? call_internal(c) : 0;
}

/*
 * The projectleider's decision on a subject, proceed (gereed) or drop
 * (vervallen), with its rationale.  The rationale may describe a
 * citizen's situation: sealed.  0, or -1 with the call failed.
 */
static int
decide(struct call *c, int64_t id, int64_t project, int proceed,
       const char *why)
{
	static const char sql[] =
	    "UPDATE subjects SET resolution = ? WHERE id = ?";
	uint8_t buf[4200 + CRYPTO_SEAL_OVERHEAD];
	char text[4200];
	sqlite3_stmt *st;
	size_t n;

	snprintf(text, sizeof(text), "%s: %s", proceed ? "proceed" : "drop",
	         why);
	if (crypto_seal(keys_dek(c->ctx, project, 1), "subjects", "resolution",
	                id, (const uint8_t *)text, strlen(text), buf,
	                &n) == -1 ||
	    (st = store_prepare(c->ctx->store, sql)) == NULL) {
		explicit_bzero(text, sizeof(text));
		return call_internal(c);
	}
	explicit_bzero(text, sizeof(text));
	sqlite3_bind_blob(st, 1, buf, (int)n, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, id);
	if (store_step_done(st) == -1 ||
	    subject_set_status(c->ctx->store, id,
	                       proceed ? "gereed" : "vervallen") == -1)
		return call_internal(c);
	return subject_reply(c, id) == -1 ? -1 : 0;
}

/* The subject, its rationale and status for a decision: 0, or -1. */
static int
decision_target(struct call *c, int64_t *id, int64_t *project, const char **why,
                char status[32])
{
	*id = ivt_json_int(c->params, "subject", 0);
	*why = ivt_json_str(c->params, "rationale");
	if (subject_access(c, *id, ACC_HANDLE, project) == -1)
		return -1;
	if (!valid_text(*why, 4096))
		return call_invalid(c, "rationale",
		                    "a decision needs a "
		                    "rationale");
	if (subject_status(c->ctx->store, *id, status, 32) == -1)
		return call_internal(c);
	return 0;
}

static int
subject_resolve(struct call *c)
{
	int proceed = json_is_true(json_object_get(c->params, "proceed"));
	int64_t id, project;
	const char *why;
	char status[32];

	if (decision_target(c, &id, &project, &why, status) == -1)
		return -1;
	if (strcmp(status, "conflict") != 0)
		return call_fail(c, "nl.ivtd.Conflict", "{s:s}", "reason",
		                 "the subject has no conflict to resolve");
	return decide(c, id, project, proceed, why);
}

/*
 * Subject.Drop: the projectleider takes a subject out of the
 * investigation (vervallen) before it is planned: the selection is the
 * project's choice (seed 002, 4.2).  A planned subject is taken off its
 * day or assignment first.
 */
static int
subject_drop(struct call *c)
{
	static const char *const open[] = {"geselecteerd", "in_actualisatie",
	                                   "conflict", "gereed"};
	int64_t id, project;
	const char *why;
	char status[32];
	size_t i;

	/* (A closed project's subjects are not handled: ACC_HANDLE.) */
	if (decision_target(c, &id, &project, &why, status) == -1)
		return -1;
	for (i = 0; i < sizeof(open) / sizeof(open[0]); i++) {
		if (strcmp(status, open[i]) == 0)
			return decide(c, id, project, 0, why);
	}
	return call_fail(c, "nl.ivtd.Conflict", "{s:s}", "reason",
	                 strcmp(status, "ingepland") == 0
	                     ? "the subject is planned: take it off its day "
	                       "or assignment first"
	                     : "the subject is out of the selection already, "
	                       "or was visited");
}

const struct method actualise_methods[] = {
    {"nl.ivtd.Subject.Actualise", subject_actualise, ROLE_PROJECTLEIDER,
     M_WRITE, ACTIVITY_ACTUALISE},
    {"nl.ivtd.Subject.Answer", subject_answer, ROLE_PARTNER, M_WRITE,
     ACTIVITY_ACTUALISE},
    {"nl.ivtd.Subject.Resolve", subject_resolve, ROLE_PROJECTLEIDER, M_WRITE,
     ACTIVITY_ACTUALISE},
    {"nl.ivtd.Subject.Drop", subject_drop, ROLE_PROJECTLEIDER, M_WRITE,
     ACTIVITY_ACTUALISE},
    {NULL, NULL, 0, 0, NULL},
};
