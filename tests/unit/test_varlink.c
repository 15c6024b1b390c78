/*
 * test_varlink.c - dispatch without a socket: envelope and standard
 * errors, identity, and group commit (one transaction, a savepoint per
 * call, a failing call rolled back alone).
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

#include "ivt/wire.h"
#include "tfix.h"

/* A daemon context with a fixed master key, no key store. */
static int
setup(void **state)
{
	struct tfix *f = calloc(1, sizeof(*f));

	if (f == NULL || tfix_init(f, "varlink") == -1 ||
	    tfix_open(f, TFIX_DAEMON_FIXED_KEY) == -1)
		return -1;
	*state = f;
	return 0;
}

static void
test_standard_errors(void **state)
{
	struct tfix *f = *state;
	static const struct {
		const char *msg, *error;
	} cases[] = {
		{"{\"method\":\"nl.ivtd.Nope.X\"}",
		 "org.varlink.service.InterfaceNotFound"},
		{"{\"method\":\"nl.ivtd.User.Nope\"}",
		 "org.varlink.service.MethodNotFound"},
		{"{\"method\":\"nl.ivtd.User.Add\",\"parameters\":{}}",
		 "org.varlink.service.InvalidParameter"},
		{"{\"method\":\"nl.ivtd.WhoAmI\",\"parameters\":[]}",
		 "nl.ivtd.ProtocolError"},
		{"{\"method\":7}", "nl.ivtd.ProtocolError"},
		{"{\"method\":\"nl.ivtd.WhoAmI\",\"more\":\"yes\"}",
		 "nl.ivtd.ProtocolError"},
	};
	json_t *r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tfix_expect_error(f, 0, cases[i].msg, cases[i].error);
	/* An unknown uid is denied; introspection is open to all. */
	tfix_expect_error(f, 4242, "{\"method\":\"nl.ivtd.WhoAmI\"}",
	                  "nl.ivtd.PermissionDenied");
	r = tfix_call_text(f, 4242,
	                   "{\"method\":\"org.varlink.service.GetInfo\"}");
	assert_null(tfix_error(r));
	json_decref(r);
	/* oneway: no reply at all */
	r = tfix_call_text(f, 0,
	                   "{\"method\":\"nl.ivtd.WhoAmI\",\"oneway\":true}");
	assert_null(r);
}

/* Dispatch text as uid in the server's way: the call must be deferred to
 * the group commit. */
static struct call *
deferred(struct tfix *f, uid_t uid, const char *text)
{
	json_t *msg = json_loads(text, 0, NULL), *r;
	struct call *d = NULL;
	int close_after;

	assert_non_null(msg);
	r = varlink_dispatch_batched(&f->ctx, uid, 1, msg, &close_after, &d);
	json_decref(msg);
	assert_null(r);
	assert_non_null(d);
	return d;
}

static void
test_group_commit(void **state)
{
	static const char *const msgs[] = {
		"{\"method\":\"nl.ivtd.Partner.Add\",\"parameters\":"
		"{\"name\":\"UWV\",\"kind\":\"landelijke_dienst\"}}",
		/* fails: the same name, within the same batch */
		"{\"method\":\"nl.ivtd.Partner.Add\",\"parameters\":"
		"{\"name\":\"UWV\",\"kind\":\"zorg\"}}",
		"{\"method\":\"nl.ivtd.Partner.Add\",\"parameters\":"
		"{\"name\":\"SVB\",\"kind\":\"landelijke_dienst\"}}",
		/* denied at once: not deferred */
		"{\"method\":\"nl.ivtd.Partner.Add\",\"parameters\":"
		"{\"name\":\"X\",\"kind\":\"zorg\"}}",
	};
	struct tfix *f = *state;
	struct call *calls[4], *d;
	struct audit_verify_result vr;
	json_t *msg, *r;
	int64_t before;
	size_t i, n = 0;
	int close_after;

	before = tfix_scalar(f, "SELECT count(*) FROM audit");
	for (i = 0; i < 4; i++) {
		msg = json_loads(msgs[i], 0, NULL);
		r = varlink_dispatch_batched(&f->ctx, i == 3 ? 4242 : 0, 1, msg,
		                             &close_after, &d);
		json_decref(msg);
		if (i < 3) {
			assert_null(r);
			assert_non_null(d);
			calls[n++] = d;
		} else {
			assert_null(d);
			assert_string_equal(tfix_error(r),
			                    "nl.ivtd.PermissionDenied");
			json_decref(r);
		}
	}
	/* Nothing is written before the batch runs. */
	assert_int_equal(tfix_scalar(f, "SELECT count(*) FROM partners"), 0);
	varlink_run_batch(&f->ctx, calls, n);
	r = varlink_finish(calls[0]);
	assert_null(tfix_error(r));
	json_decref(r);
	r = varlink_finish(calls[1]);
	assert_string_equal(tfix_error(r), "nl.ivtd.AlreadyExists");
	json_decref(r);
	r = varlink_finish(calls[2]);
	assert_null(tfix_error(r));
	json_decref(r);
	assert_int_equal(tfix_scalar(f, "SELECT count(*) FROM partners"), 2);
	/* Every call is audited: two allowed, one error, one denied. */
	assert_int_equal(tfix_scalar(f, "SELECT count(*) FROM audit") - before,
	                 4);
	assert_int_equal(tfix_scalar(f, "SELECT count(*) FROM audit WHERE "
	                                "result = 'error'"),
	                 1);
	assert_int_equal(audit_verify(f->ctx.store, f->ctx.crypto, &vr, NULL,
	                              NULL),
	                 0);
}

/*
 * A disk that fills up in the middle of a batch: SQLite may then roll the
 * whole transaction back by itself.  Whatever it does, a call reports
 * success exactly when its change is in the database, nothing is left
 * half-open, and the audit chain verifies.
 */
static void
test_group_commit_disk_full(void **state)
{
	enum { N = 60 };
	struct tfix *f = *state;
	struct call *calls[N];
	struct audit_verify_result vr;
	char text[256], sql[128];
	json_t *r;
	size_t i;
	int ok, present, round, failed = 0;

	for (round = 0; round < 6; round++) {
		/* A few pages of room for each round's batch. */
		snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld",
		         (long long)tfix_scalar(f, "PRAGMA page_count") + 3);
		assert_int_equal(sqlite3_exec(f->ctx.store->db, sql, NULL,
		                              NULL, NULL),
		                 SQLITE_OK);
		for (i = 0; i < N; i++) {
			snprintf(text, sizeof(text),
			         "{\"method\":\"nl.ivtd.Partner.Add\",\"parameters\":"
			         "{\"name\":\"Partner %d-%zu with a rather long "
			         "name to fill pages\",\"kind\":\"zorg\"}}",
			         round, i);
			calls[i] = deferred(f, 0, text);
		}
		varlink_run_batch(&f->ctx, calls, N);
		assert_int_equal(sqlite3_get_autocommit(f->ctx.store->db), 1);
		assert_false(f->ctx.store->in_txn);
		for (i = 0; i < N; i++) {
			r = varlink_finish(calls[i]);
			ok = tfix_error(r) == NULL;
			json_decref(r);
			snprintf(sql, sizeof(sql),
			         "SELECT count(*) FROM partners WHERE name = "
			         "'Partner %d-%zu with a rather long name to "
			         "fill pages'",
			         round, i);
			present = (int)tfix_scalar(f, sql);
			assert_int_equal(ok, present);
			failed += !ok;
		}
	}
	/* The test means nothing unless the disk did fill up. */
	assert_true(failed > 0);
	assert_int_equal(sqlite3_exec(f->ctx.store->db,
	                              "PRAGMA max_page_count = 1073741823",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	assert_int_equal(audit_verify(f->ctx.store, f->ctx.crypto, &vr, NULL,
	                              NULL),
	                 0);
}

/*
 * Refusals of an unknown uid while the audit log cannot be written (a
 * full disk): none is lost.  Fewer calls than the allowance, so each
 * would have an entry of its own; those whose entry failed are counted
 * instead, and the count is written once there is room again.
 */
static void
test_refusals_kept_when_audit_fails(void **state)
{
	enum { R = 25 }; /* under unknown_denials_burst */
	struct tfix *f = *state;
	char sql[128];
	int64_t audited, counted;
	int i;

	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld",
	         (long long)tfix_scalar(f, "PRAGMA page_count"));
	assert_int_equal(
	    sqlite3_exec(f->ctx.store->db, sql, NULL, NULL, NULL), SQLITE_OK);
	for (i = 0; i < R; i++)
		tfix_expect_error(f, 4242, "{\"method\":\"nl.ivtd.WhoAmI\"}",
		                  "nl.ivtd.PermissionDenied");
	/* Still full: the minute timer's write fails and keeps the count. */
	assert_int_equal(varlink_audit_refusals(&f->ctx), -1);
	assert_int_equal(sqlite3_exec(f->ctx.store->db,
	                              "PRAGMA max_page_count = 1073741823",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	assert_int_equal(varlink_audit_refusals(&f->ctx), 0);
	audited = tfix_scalar(f, "SELECT count(*) FROM audit WHERE actor_uid = "
	                         "4242 AND result = 'denied'");
	counted =
	    tfix_scalar(f, "SELECT coalesce(sum(CAST(substr(object, "
	                   "instr(object, 'refused:') + 8) AS INTEGER)), 0) "
	                   "FROM audit WHERE method = "
	                   "'ivtd.denials-not-audited' AND object LIKE "
	                   "'uid:4242 %'");
	/* The disk did fill up, and every refusal is accounted for. */
	assert_true(counted > 0);
	assert_int_equal(audited + counted, R);
}

/* The wire reply parsed, without its traceparent, which must name the
 * caller's trace. */
static json_t *
wire_reply(char *buf, size_t len)
{
	json_t *r;

	assert_non_null(buf);
	assert_true(len > 0 && buf[len - 1] == '\0');
	r = json_loadb(buf, len - 1, 0, NULL);
	assert_non_null(r);
	assert_int_equal(strncmp(ivt_json_str(r, "traceparent"),
	                         "00-0af7651916cd43dd8448eb211c80319c-", 36),
	                 0);
	json_object_del(r, "traceparent");
	free(buf);
	return r;
}

/*
 * The server's encoded replies say what the object replies say: answers,
 * errors, a protocol error, oneway, and a deferred call after its batch
 * (one that fails: it runs twice).
 */
static void
test_wire_replies(void **state)
{
	static const char *const msgs[] = {
	    "{\"method\":\"org.varlink.service.GetInfo\"",
	    "{\"method\":\"org.varlink.service.GetInterfaceDescription\","
	    "\"parameters\":{\"interface\":\"nl.ivtd.User\"}",
	    "{\"method\":\"nl.ivtd.WhoAmI\"",
	    "{\"method\":\"nl.ivtd.NoSuch\"",
	    "{\"method\":\"nl.ivtd.WhoAmI\",\"oneway\":true",
	    "{\"method\":\"nl.ivtd.WhoAmI\",\"more\":1",
	    "{\"method\":\"nl.ivtd.Partner.Add\",\"parameters\":"
	    "{\"name\":\"UWV\",\"kind\":\"landelijke_dienst\"}",
	};
	struct tfix *f = *state;
	struct call *d1, *d2;
	json_t *msg, *r1, *r2;
	char text[512], *buf;
	size_t i, len;
	int ca1, ca2;

	/* So that the deferred Partner.Add fails the same way twice. */
	r1 = tfix_call_text(f, 0,
	                    "{\"method\":\"nl.ivtd.Partner.Add\","
	                    "\"parameters\":{\"name\":\"UWV\","
	                    "\"kind\":\"landelijke_dienst\"}}");
	assert_null(tfix_error(r1));
	json_decref(r1);
	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		snprintf(text, sizeof(text),
		         "%s,\"traceparent\":\"00-0af7651916cd43dd8448eb211c8"
		         "0319c-b7ad6b7169203331-01\"}",
		         msgs[i]);
		msg = json_loads(text, 0, NULL);
		assert_non_null(msg);
		r1 = varlink_dispatch_batched(&f->ctx, 0, 1, msg, &ca1, &d1);
		assert_int_equal(varlink_dispatch_wire(&f->ctx, 0, 1, msg, &ca2,
		                                       &d2, &buf, &len),
		                 0);
		json_decref(msg);
		assert_int_equal(ca1, ca2);
		assert_int_equal(d1 != NULL, d2 != NULL);
		if (d1 != NULL) {
			assert_null(r1);
			assert_null(buf);
			varlink_run_batch(&f->ctx, &d1, 1);
			varlink_run_batch(&f->ctx, &d2, 1);
			r1 = varlink_finish(d1);
			assert_int_equal(varlink_finish_wire(d2, &buf, &len),
			                 0);
		}
		if (strstr(msgs[i], "oneway") != NULL) {
			assert_null(r1);
			assert_null(buf);
			continue;
		}
		assert_non_null(r1);
		/* A protocol error names no trace. */
		if (ca1)
			r2 = json_loadb(buf, len - 1, 0, NULL), free(buf);
		else
			r2 = wire_reply(buf, len);
		json_object_del(r1, "traceparent");
		if (!json_equal(r1, r2)) {
			char *x = json_dumps(r1, 0), *y = json_dumps(r2, 0);

			print_error("%s\n%s\n", x, y);
			free(x);
			free(y);
			fail();
		}
		json_decref(r1);
		json_decref(r2);
	}
}

/*
 * A user's refusals wait for the group commit as writes do, a read's
 * (refused in its handler) and a role's (refused before it): no commit
 * of their own each, and every one is audited with the batch.
 */
/* Finish c: refused, and uid 2001 has n denied entries in all. */
static void
expect_denied(struct tfix *f, struct call *c, int64_t n)
{
	json_t *r = varlink_finish(c);

	assert_string_equal(tfix_error(r), "nl.ivtd.PermissionDenied");
	json_decref(r);
	assert_int_equal(tfix_scalar(f, "SELECT count(*) FROM audit WHERE "
	                                "result = 'denied' AND actor_uid = "
	                                "2001"),
	                 n);
}

static void
test_refusals_batched(void **state)
{
	static const struct tfix_user pls[] = {
	    {"alice", "projectleider", NULL, 2001},
	    {"bob", "projectleider", NULL, 2002},
	};
	char show[96];
	const char *msgs[] = {
	    /* the role may not */
	    "{\"method\":\"nl.ivtd.User.List\"}",
	    /* refused by the handler: the project is bob's */
	    show,
	};
	struct tfix *f = *state;
	struct call *calls[2];
	int64_t before;
	size_t i;

	tfix_add_users(f, pls, 2);
	snprintf(show, sizeof(show),
	         "{\"method\":\"nl.ivtd.Project.Show\",\"parameters\":"
	         "{\"id\":%lld}}",
	         (long long)tfix_project(f, 2002, "Noord", "3511AA"));
	before = tfix_scalar(f, "SELECT count(*) FROM audit");
	for (i = 0; i < 2; i++)
		calls[i] = deferred(f, 2001, msgs[i]);
	assert_int_equal(tfix_scalar(f, "SELECT count(*) FROM audit"), before);
	varlink_run_batch(&f->ctx, calls, 2);
	for (i = 0; i < 2; i++)
		expect_denied(f, calls[i], 2);
	assert_int_equal(tfix_scalar(f, "SELECT count(*) FROM audit") - before,
	                 2);
}

/*
 * A batch that cannot begin (another writer holds the database): its
 * write fails as Internal, but a call refused before the batch stays
 * refused; its entry is then tried on its own.
 */
static void
test_refusal_outlives_failed_batch(void **state)
{
	static const struct tfix_user pl = {"alice", "projectleider", NULL,
	                                    2001};
	struct tfix *f = *state;
	struct call *calls[2];
	sqlite3 *other;
	json_t *r;

	tfix_add_users(f, &pl, 1);
	calls[0] =
	    deferred(f, 0,
	             "{\"method\":\"nl.ivtd.Partner.Add\",\"parameters\":"
	             "{\"name\":\"UWV\",\"kind\":\"zorg\"}}");
	calls[1] = deferred(f, 2001, "{\"method\":\"nl.ivtd.User.List\"}");
	assert_int_equal(
	    sqlite3_open(sqlite3_db_filename(f->ctx.store->db, "main"), &other),
	    SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_busy_timeout(f->ctx.store->db, 0);
	varlink_run_batch(&f->ctx, calls, 2);
	r = varlink_finish(calls[0]);
	assert_string_equal(tfix_error(r), "nl.ivtd.Internal");
	json_decref(r);
	r = varlink_finish(calls[1]);
	assert_string_equal(tfix_error(r), "nl.ivtd.PermissionDenied");
	json_decref(r);
	assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(other);
	sqlite3_busy_timeout(f->ctx.store->db, 5000);
}

/* COMMIT fails once: SQLite turns it into a ROLLBACK. */
static int fail_commits;

static int
failing_commit(void *arg)
{
	(void)arg;
	if (fail_commits == 0)
		return 0;
	fail_commits--;
	return 1;
}

/*
 * A write refused by its own handler, in a batch whose COMMIT fails: the
 * refusal stays PermissionDenied and its entry is made on its own, not
 * lost with the batch.
 */
static void
test_handler_refusal_outlives_failed_commit(void **state)
{
	static const struct tfix_user pls[] = {
	    {"alice", "projectleider", NULL, 2001},
	    {"bob", "projectleider", NULL, 2002},
	};
	struct tfix *f = *state;
	char update[128];
	struct call *c;

	tfix_add_users(f, pls, 2);
	snprintf(update, sizeof(update),
	         "{\"method\":\"nl.ivtd.Project.Update\",\"parameters\":"
	         "{\"id\":%lld,\"name\":\"Zuid\"}}",
	         (long long)tfix_project(f, 2002, "Noord", "3511AA"));
	c = deferred(f, 2001, update);
	fail_commits = 1;
	sqlite3_commit_hook(f->ctx.store->db, failing_commit, NULL);
	varlink_run_batch(&f->ctx, &c, 1);
	sqlite3_commit_hook(f->ctx.store->db, NULL, NULL);
	assert_int_equal(fail_commits, 0);
	expect_denied(f, c, 1);
	assert_int_equal(
	    tfix_scalar(f,
	                "SELECT count(*) FROM projects WHERE name = 'Noord'"),
	    1);
}

/* The authorizer refuses to open a savepoint. */
static int
no_savepoint(void *arg, int action, const char *a1, const char *a2,
             const char *a3, const char *a4)
{
	(void)arg;
	(void)a2;
	(void)a3;
	(void)a4;
	return action == SQLITE_SAVEPOINT && a1 != NULL &&
	               strcmp(a1, "BEGIN") == 0
	           ? SQLITE_DENY
	           : SQLITE_OK;
}

/* A refusal whose savepoint cannot be opened is still entered, in the
 * batch's transaction. */
static void
test_refusal_without_savepoint(void **state)
{
	static const struct tfix_user pl = {"alice", "projectleider", NULL,
	                                    2001};
	struct tfix *f = *state;
	struct call *c;

	tfix_add_users(f, &pl, 1);
	c = deferred(f, 2001, "{\"method\":\"nl.ivtd.User.List\"}");
	sqlite3_set_authorizer(f->ctx.store->db, no_savepoint, NULL);
	varlink_run_batch(&f->ctx, &c, 1);
	sqlite3_set_authorizer(f->ctx.store->db, NULL, NULL);
	expect_denied(f, c, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_standard_errors, setup,
	                                    tfix_teardown),
	    cmocka_unit_test_setup_teardown(test_group_commit_disk_full, setup,
	                                    tfix_teardown),
	    cmocka_unit_test_setup_teardown(test_refusals_batched, setup,
	                                    tfix_teardown),
	    cmocka_unit_test_setup_teardown(test_refusal_outlives_failed_batch,
	                                    setup, tfix_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_handler_refusal_outlives_failed_commit, setup,
	        tfix_teardown),
	    cmocka_unit_test_setup_teardown(test_refusal_without_savepoint,
	                                    setup, tfix_teardown),
	    cmocka_unit_test_setup_teardown(test_group_commit, setup,
	                                    tfix_teardown),
	    cmocka_unit_test_setup_teardown(test_refusals_kept_when_audit_fails,
	                                    setup, tfix_teardown),
	    cmocka_unit_test_setup_teardown(test_wire_replies, setup,
	                                    tfix_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
