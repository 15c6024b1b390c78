/*
 * tfix.c - the shared fixture of the unit tests that drive the daemon
 * (tfix.h).
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

#include "date.h"
#include "keys.h"
#include "log.h"
#include "tfix.h"

/* --- the context -------------------------------------------------------- */

int
tfix_init(struct tfix *t, const char *name)
{
	if (crypto_init() == -1)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "/tmp/ivt-%s-XXXXXX", name);
	if (mkdtemp(t->dir) == NULL)
		return -1;
	config_defaults(&t->cfg);
	snprintf(t->db, sizeof(t->db), "%s/t.db", t->dir);
	snprintf(t->cfg.db_path, sizeof(t->cfg.db_path), "%s", t->db);
	snprintf(t->cfg.key_path, sizeof(t->cfg.key_path), "%s/master.key",
	         t->dir);
	date_format(date_today(), t->today, sizeof(t->today));
	date_format(date_today() + 7, t->future, sizeof(t->future));
	t->ctx.cfg = &t->cfg;
	return 0;
}

int
tfix_open(struct tfix *t, enum tfix_mode mode)
{
	static const uint8_t fixed[CRYPTO_KEYBYTES] = {7};
	char err[256];

	if ((t->ctx.store = store_open(t->db, err, sizeof(err))) == NULL)
		return -1;
	if (mode == TFIX_STORE)
		return 0;
	if (mode == TFIX_DAEMON_FIXED_KEY)
		t->ctx.crypto = crypto_from_key(fixed, 1);
	else if (keys_open(&t->ctx, 1, err, sizeof(err)) == -1)
		return -1;
	if (t->ctx.crypto == NULL ||
	    varlink_init(&t->ctx, err, sizeof(err)) == -1)
		return -1;
	t->varlink = 1;
	return auth_bootstrap(t->ctx.store, t->ctx.crypto, 0, 1000);
}

int
tfix_close(struct tfix *t)
{
	char cmd[128];

	if (t->log != NULL) {
		log_set_stream(NULL);
		log_set_level(LOG_INFO);
		fclose(t->log);
		free(t->logbuf);
		t->log = NULL;
		t->logbuf = NULL;
	}
	if (t->snap != NULL)
		sqlite3_close(t->snap);
	if (t->varlink)
		varlink_free(&t->ctx);
	/* The key store's keys, or the fixed master key alone. */
	keys_close(&t->ctx);
	store_close(t->ctx.store);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", t->dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
tfix_teardown(void **state)
{
	struct tfix *t = *state;

	if (tfix_close(t) == -1)
		return -1;
	free(t);
	return 0;
}

/* --- the daemon's log ---------------------------------------------------- */

void
tfix_capture_log(struct tfix *t)
{
	assert_null(t->log);
	t->log = open_memstream(&t->logbuf, &t->loglen);
	assert_non_null(t->log);
	log_set_stream(t->log);
	log_set_level(LOG_DEBUG);
}

const char *
tfix_log(struct tfix *t)
{
	if (t->log == NULL)
		return "";
	assert_int_equal(fflush(t->log), 0);
	return t->logbuf != NULL ? t->logbuf : "";
}

const char *
tfix_log_find(struct tfix *t, size_t from, const char *word)
{
	const char *text = tfix_log(t), *hit;

	if (from > t->loglen)
		from = t->loglen;
	if ((hit = strstr(text + from, word)) == NULL)
		return NULL;
	while (hit > text && hit[-1] != '\n')
		hit--;
	return hit;
}

/* --- calls -------------------------------------------------------------- */

const char *
tfix_error(const json_t *r)
{
	return json_string_value(json_object_get(r, "error"));
}

const char *
tfix_reason(const json_t *r)
{
	const json_t *p = json_object_get(r, "parameters");
	const char *s;

	if ((s = json_string_value(json_object_get(p, "reason"))) != NULL)
		return s;
	if ((s = json_string_value(json_object_get(p, "parameter"))) != NULL)
		return s;
	return "";
}

char *
tfix_reply_text(const json_t *r)
{
	json_t *copy = json_deep_copy(r);
	char *text;

	assert_non_null(copy);
	json_object_del(copy, "traceparent");
	text = json_dumps(copy, JSON_COMPACT);
	json_decref(copy);
	assert_non_null(text);
	return text;
}

json_t *
tfix_dispatch(struct tfix *t, uid_t uid, const char *method, json_t *params,
              const char *traceparent)
{
	json_t *msg, *r;
	int close_after;

	msg = json_pack("{s:s,s:O}", "method", method, "parameters", params);
	assert_non_null(msg);
	if (traceparent != NULL)
		assert_int_equal(json_object_set_new(msg, "traceparent",
		                                     json_string(traceparent)),
		                 0);
	r = varlink_dispatch(&t->ctx, uid, 1, msg, &close_after);
	json_decref(msg);
	assert_non_null(r);
	return r;
}

json_t *
tfix_call(struct tfix *t, uid_t uid, const char *method, json_t *params)
{
	if (t->dispatch != NULL)
		return t->dispatch(t, uid, method, params);
	return tfix_dispatch(t, uid, method, params, NULL);
}

json_t *
tfix_call_text(struct tfix *t, uid_t uid, const char *text)
{
	json_t *msg = json_loads(text, 0, NULL), *r;
	int close_after;

	assert_non_null(msg);
	r = varlink_dispatch(&t->ctx, uid, 1, msg, &close_after);
	json_decref(msg);
	return r;
}

void
tfix_expect_error(struct tfix *t, uid_t uid, const char *text,
                  const char *error)
{
	json_t *r = tfix_call_text(t, uid, text);

	if (r == NULL)
		fail_msg("%s: got no reply", text);
	if (tfix_error(r) == NULL || strcmp(tfix_error(r), error) != 0)
		fail_msg("%s: got %s", text,
		         tfix_error(r) ? tfix_error(r) : "no error");
	json_decref(r);
}

/* What stands in place of e, a new reference; NULL: e itself, filled. */
static json_t *
filled(const struct tfix *t, json_t *e, tfix_lookup_fn *lookup, const void *arg)
{
	const char *s = json_string_value(e);

	if (s == NULL || s[0] != '@') {
		tfix_fill(t, e, lookup, arg);
		return NULL;
	}
	if (strcmp(s, "@TODAY") == 0)
		return json_string(t->today);
	if (strcmp(s, "@FUTURE") == 0)
		return json_string(t->future);
	return lookup(arg, s);
}

void
tfix_fill(const struct tfix *t, json_t *v, tfix_lookup_fn *lookup,
          const void *arg)
{
	const char *key;
	json_t *e, *n;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, key, e)
		{
			if ((n = filled(t, e, lookup, arg)) != NULL)
				json_object_set_new(v, key, n);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e)
		{
			if ((n = filled(t, e, lookup, arg)) != NULL)
				json_array_set_new(v, i, n);
		}
	}
}

json_t *
tfix_succeeded(json_t *r, uid_t uid, const char *method)
{
	json_t *p;

	if (tfix_error(r) != NULL)
		fail_msg("%s as uid %u: %s (%s)", method, (unsigned)uid,
		         tfix_error(r), tfix_reason(r));
	p = json_incref(json_object_get(r, "parameters"));
	json_decref(r);
	return p;
}

int64_t
tfix_id(json_t *p, const char *key)
{
	json_t *v = json_object_get(p, key);
	json_int_t id;

	id = json_is_integer(v) ? json_integer_value(v)
	                        : json_integer_value(json_object_get(v, "id"));
	json_decref(p);
	assert_true(id > 0);
	return (int64_t)id;
}

json_t *
tfix_must(struct tfix *t, uid_t uid, const char *method, json_t *params)
{
	json_t *r;

	assert_non_null(params);
	r = tfix_call(t, uid, method, params);
	json_decref(params);
	return tfix_succeeded(r, uid, method);
}

int64_t
tfix_must_id(struct tfix *t, uid_t uid, const char *method, json_t *params,
             const char *key)
{
	return tfix_id(tfix_must(t, uid, method, params), key);
}

void
tfix_done(struct tfix *t, uid_t uid, const char *method, json_t *params)
{
	json_decref(tfix_must(t, uid, method, params));
}

/* --- fixture steps ------------------------------------------------------ */

void
tfix_add_partners(struct tfix *t, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		tfix_done(t, 0, "nl.ivtd.Partner.Add",
		          json_pack("{s:s,s:s}", "name", names[i], "kind",
		                    "landelijke_dienst"));
}

void
tfix_add_users(struct tfix *t, const struct tfix_user *users, size_t n)
{
	json_t *p;
	size_t i;

	for (i = 0; i < n; i++) {
		p = json_pack("{s:I,s:s,s:s}", "uid", (json_int_t)users[i].uid,
		              "name", users[i].name, "role", users[i].role);
		if (users[i].org != NULL)
			json_object_set_new(p, "org",
			                    json_string(users[i].org));
		tfix_done(t, 0, "nl.ivtd.User.Add", p);
	}
}

int64_t
tfix_project(struct tfix *t, uid_t pl, const char *name, const char *area)
{
	return tfix_must_id(t, pl, "nl.ivtd.Project.Create",
	                    json_pack("{s:s,s:s,s:s,s:[],s:[s],s:s,s:s}",
	                              "name", name, "gemeente", "Utrecht",
	                              "problem", "Woonfraude", "themes", "area",
	                              area, "legal_basis", "LSI-convenant",
	                              "purpose", "Handhaving"),
	                    "project");
}

void
tfix_advance(struct tfix *t, uid_t pl, int64_t project)
{
	tfix_done(t, pl, "nl.ivtd.Project.Advance",
	          json_pack("{s:I,s:s}", "id", (json_int_t)project, "rationale",
	                    "verder"));
}

void
tfix_operational(struct tfix *t, uid_t pl, int64_t project)
{
	static const char *const gates[] = {"probleemdefinitie",
	                                    "collegebesluit", "rpf", "lsi"};
	size_t i;

	tfix_advance(t, pl, project);
	for (i = 0; i < sizeof(gates) / sizeof(gates[0]); i++)
		tfix_done(t, pl, "nl.ivtd.Project.Decide",
		          json_pack("{s:I,s:s,s:b,s:s}", "id",
		                    (json_int_t)project, "gate", gates[i], "go",
		                    1, "rationale", "akkoord"));
	tfix_advance(t, pl, project);
	tfix_done(t, pl, "nl.ivtd.Protocol.Register",
	          json_pack("{s:I,s:s,s:s}", "project", (json_int_t)project,
	                    "date", t->today, "reference", "AP-2026-1"));
	tfix_advance(t, pl, project);
}

/* --- the database ------------------------------------------------------- */

sqlite3_stmt *
tfix_prepare(struct tfix *t, const char *sql)
{
	sqlite3_stmt *st = NULL;

	assert_int_equal(
	    sqlite3_prepare_v2(t->ctx.store->db, sql, -1, &st, NULL),
	    SQLITE_OK);
	return st;
}

/* The first column of st's first row, or -1; st finalized. */
static int64_t
first_int(sqlite3_stmt *st)
{
	int64_t n = -1;

	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

int64_t
tfix_scalar(struct tfix *t, const char *sql)
{
	return first_int(tfix_prepare(t, sql));
}

int64_t
tfix_scalar_id(struct tfix *t, const char *sql, int64_t a)
{
	sqlite3_stmt *st = tfix_prepare(t, sql);

	sqlite3_bind_int64(st, 1, a);
	return first_int(st);
}

int
tfix_last_denied(struct tfix *t, const char *method, uid_t uid)
{
	sqlite3_stmt *st = tfix_prepare(
	    t, "SELECT result = 'denied' AND method = ?1 AND actor_uid = ?2 "
	       "FROM audit ORDER BY seq DESC LIMIT 1");

	sqlite3_bind_text(st, 1, method, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)uid);
	return first_int(st) == 1;
}

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The rows of one table, as a sum of row hashes: independent of order,
 * so WITHOUT ROWID tables need no ORDER BY. */
static uint64_t
table_sum(sqlite3 *db, const char *table)
{
	char sql[256];
	sqlite3_stmt *st;
	uint64_t sum = 0, h;
	int i, n, type, len;

	snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"", table);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	n = sqlite3_column_count(st);
	while (sqlite3_step(st) == SQLITE_ROW) {
		h = fnv(0xcbf29ce484222325ULL, table, strlen(table) + 1);
		for (i = 0; i < n; i++) {
			type = sqlite3_column_type(st, i);
			h = fnv(h, &type, sizeof(type));
			if (type == SQLITE_NULL)
				continue;
			if (type == SQLITE_INTEGER) {
				sqlite3_int64 v = sqlite3_column_int64(st, i);
				h = fnv(h, &v, sizeof(v));
				continue;
			}
			if (type == SQLITE_FLOAT) {
				double v = sqlite3_column_double(st, i);
				h = fnv(h, &v, sizeof(v));
				continue;
			}
			len = sqlite3_column_bytes(st, i);
			h = fnv(h, &len, sizeof(len));
			h = fnv(h, sqlite3_column_blob(st, i), (size_t)len);
		}
		sum += h;
	}
	assert_int_equal(sqlite3_finalize(st), SQLITE_OK);
	return sum;
}

uint64_t
tfix_db_sum(struct tfix *t)
{
	static const char sql[] =
	    "SELECT name FROM sqlite_master WHERE type = 'table' AND "
	    "name NOT IN ('audit', 'audit_checkpoint') ORDER BY name";
	sqlite3 *db = t->ctx.store->db;
	sqlite3_stmt *st;
	uint64_t sum = 0;
	char name[128];
	int ntables = 0;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(name, sizeof(name), "%s", sqlite3_column_text(st, 0));
		/* Mixed per table, so a row cannot move unnoticed. */
		sum = sum * 31 + table_sum(db, name);
		ntables++;
	}
	assert_int_equal(sqlite3_finalize(st), SQLITE_OK);
	/* An empty or unopened schema would sum to a constant. */
	assert_true(ntables > 10);
	return sum;
}

static void
copy_db(sqlite3 *to, sqlite3 *from)
{
	sqlite3_backup *b;

	b = sqlite3_backup_init(to, "main", from, "main");
	assert_non_null(b);
	assert_int_equal(sqlite3_backup_step(b, -1), SQLITE_DONE);
	assert_int_equal(sqlite3_backup_finish(b), SQLITE_OK);
}

void
tfix_snapshot(struct tfix *t)
{
	if (t->snap == NULL)
		assert_int_equal(sqlite3_open(":memory:", &t->snap), SQLITE_OK);
	copy_db(t->snap, t->ctx.store->db);
	t->sum = tfix_db_sum(t);
}

void
tfix_restore(struct tfix *t)
{
	assert_non_null(t->snap);
	copy_db(t->ctx.store->db, t->snap);
}
