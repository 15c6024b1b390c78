/*
 * test_audit.c - the hash-chained, signed audit log: appending,
 * checkpoints, and detection of edited, deleted and truncated entries and
 * forged checkpoints.
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

/* Not <sodium.h>: its crypto_sign_msg() conflicts with crypto.h. */
#include <sodium/utils.h>

#include "audit.h"
#include "crypto.h"
#include "log.h"
#include "store.h"

#define NENTRIES 2500
#define BATCH    250

struct fixture {
	char dir[64];
	char path[128];
	struct store *s;
	struct crypto *c;
};

static const uint8_t key_a[CRYPTO_KEYBYTES] = {
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
    0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16,
    0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20,
};

static int
setup(void **state)
{
	struct fixture *fx;
	char err[256];

	fx = calloc(1, sizeof(*fx));
	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/ivtd-audit-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/ivtd.db", fx->dir);
	fx->s = store_open(fx->path, err, sizeof(err));
	assert_non_null(fx->s);
	fx->c = crypto_from_key(key_a, 1);
	assert_non_null(fx->c);
	*state = fx;
	return 0;
}

static void
unlink_in(const char *dir, const char *name)
{
	char p[160];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	(void)unlink(p);
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	store_close(fx->s);
	crypto_close(fx->c);
	unlink_in(fx->dir, "ivtd.db");
	unlink_in(fx->dir, "ivtd.db-wal");
	unlink_in(fx->dir, "ivtd.db-shm");
	assert_int_equal(rmdir(fx->dir), 0);
	free(fx);
	return 0;
}

static void
fill_entry(struct audit_entry *e, int64_t i, char *buf, size_t len)
{
	memset(e, 0, sizeof(*e));
	e->ts_start = 1700000000000000 + i * 10;
	e->ts_end = e->ts_start + 5;
	snprintf(e->trace_id, sizeof(e->trace_id), "%032llx",
	         (unsigned long long)i);
	snprintf(e->span_id, sizeof(e->span_id), "%016llx",
	         (unsigned long long)i);
	e->actor_uid = 1000 + i % 7;
	e->actor_name = "alice";
	e->role = "projectleider";
	e->org = "";
	e->method = "nl.example.ivt.Person.Get";
	e->activity = "act-1";
	e->project = i % 3;
	snprintf(buf, len, "person:%lld", (long long)i);
	e->object = buf;
	e->subject = "a1b2c3";
	e->subject_type = "bsn";
	e->fields = "name,address";
	e->result = i % 5 == 0 ? "denied" : "allowed";
	e->error = i % 5 == 0 ? "nl.example.ivt.PermissionDenied" : "";
}

/* Append n entries in transactions of BATCH entries. */
static void
append_n(struct fixture *fx, int64_t n)
{
	struct audit_entry e;
	char obj[64];
	int64_t i, seq;

	for (i = 0; i < n; i++) {
		if (i % BATCH == 0)
			assert_int_equal(store_begin(fx->s), 0);
		fill_entry(&e, i, obj, sizeof(obj));
		seq = audit_append(fx->s, fx->c, &e, AUDIT_CHECKPOINT_EVERY);
		assert_true(seq > 0);
		assert_int_equal(e.seq, seq);
		if (i % BATCH == BATCH - 1 || i == n - 1)
			assert_int_equal(store_commit(fx->s), 0);
	}
}

static void
exec(struct fixture *fx, const char *sql)
{
	assert_int_equal(sqlite3_exec(fx->s->db, sql, NULL, NULL, NULL),
	                 SQLITE_OK);
}

static int64_t
count(struct fixture *fx, const char *sql)
{
	sqlite3_stmt *st;
	int64_t n;

	assert_int_equal(sqlite3_prepare_v2(fx->s->db, sql, -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int
verify(struct fixture *fx, struct audit_verify_result *r)
{
	return audit_verify(fx->s, fx->c, r, NULL, NULL);
}

static void
expect_broken(struct fixture *fx, int64_t bad_seq)
{
	struct audit_verify_result r;

	assert_int_equal(verify(fx, &r), 1);
	assert_int_equal(r.bad_seq, bad_seq);
	assert_true(r.reason[0] != '\0');
}

static void
test_intact(void **state)
{
	struct fixture *fx = *state;
	struct audit_verify_result r;

	append_n(fx, NENTRIES);
	assert_int_equal(verify(fx, &r), 0);
	assert_int_equal(r.entries, NENTRIES);
	assert_int_equal(r.checkpoints, 2);
	assert_int_equal(r.bad_seq, 0);
	assert_int_equal(count(fx, "SELECT MIN(seq) FROM audit"), 1);
	assert_int_equal(count(fx, "SELECT MAX(seq) FROM audit"), NENTRIES);
}

static void
test_empty(void **state)
{
	struct fixture *fx = *state;
	struct audit_verify_result r;

	assert_int_equal(verify(fx, &r), 0);
	assert_int_equal(r.entries, 0);
	assert_int_equal(r.checkpoints, 0);
	assert_int_equal(audit_checkpoint(fx->s, fx->c), 0);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM audit_checkpoint"), 0);
}

/* Edit one column of entry 1234; verification must stop there. */
static void
edit_and_expect(void **state, const char *sql)
{
	struct fixture *fx = *state;

	append_n(fx, NENTRIES);
	exec(fx, sql);
	expect_broken(fx, 1234);
}

static void
test_edit_actor_name(void **state)
{
	edit_and_expect(state, "UPDATE audit SET actor_name = 'x' "
	                       "WHERE seq = 1234");
}

static void
test_edit_result(void **state)
{
	/* 1234 was allowed. */
	edit_and_expect(state, "UPDATE audit SET result = 'denied' "
	                       "WHERE seq = 1234");
}

static void
test_edit_error(void **state)
{
	edit_and_expect(state, "UPDATE audit SET error = 'x' "
	                       "WHERE seq = 1234");
}

static void
test_edit_object(void **state)
{
	edit_and_expect(state, "UPDATE audit SET object = 'person:1' "
	                       "WHERE seq = 1234");
}

static void
test_edit_subject(void **state)
{
	edit_and_expect(state, "UPDATE audit SET subject = '' "
	                       "WHERE seq = 1234");
}

static void
test_edit_ts_start(void **state)
{
	edit_and_expect(state, "UPDATE audit SET ts_start = ts_start + 1 "
	                       "WHERE seq = 1234");
}

static void
test_edit_actor_uid(void **state)
{
	edit_and_expect(state, "UPDATE audit SET actor_uid = 0 "
	                       "WHERE seq = 1234");
}

static void
test_edit_trace_id(void **state)
{
	edit_and_expect(state, "UPDATE audit SET trace_id = '' "
	                       "WHERE seq = 1234");
}

static void
test_edit_hash(void **state)
{
	edit_and_expect(state, "UPDATE audit SET hash = zeroblob(32) "
	                       "WHERE seq = 1234");
}

static void
test_edit_prev(void **state)
{
	edit_and_expect(state, "UPDATE audit SET prev = zeroblob(32) "
	                       "WHERE seq = 1234");
}

/* Moving a field between adjacent strings must change the hash. */
static void
test_edit_shift_between_fields(void **state)
{
	edit_and_expect(state, "UPDATE audit SET subject_type = '', "
	                       "fields = 'bsn' || fields WHERE seq = 1234");
}

static void
test_first_prev_not_zero(void **state)
{
	struct fixture *fx = *state;
	struct audit_verify_result r;

	append_n(fx, 10);
	exec(fx, "UPDATE audit SET prev = randomblob(32) WHERE seq = 1");
	assert_int_equal(verify(fx, &r), 1);
	assert_int_equal(r.bad_seq, 1);
	assert_non_null(strstr(r.reason, "first"));
}

static void
test_delete_middle(void **state)
{
	struct fixture *fx = *state;
	struct audit_verify_result r;

	append_n(fx, NENTRIES);
	exec(fx, "DELETE FROM audit WHERE seq = 777");
	assert_int_equal(verify(fx, &r), 1);
	assert_int_equal(r.bad_seq, 777);
	assert_int_equal(r.entries, 776);
	assert_non_null(strstr(r.reason, "missing"));
}

static void
test_reorder(void **state)
{
	struct fixture *fx = *state;

	append_n(fx, NENTRIES);
	exec(fx, "UPDATE audit SET seq = -1 WHERE seq = 100;"
	         "UPDATE audit SET seq = 100 WHERE seq = 101;"
	         "UPDATE audit SET seq = 101 WHERE seq = -1;");
	expect_broken(fx, 100);
}

static void
test_truncate(void **state)
{
	struct fixture *fx = *state;
	struct audit_verify_result r;

	append_n(fx, NENTRIES);
	/* Cutting the tail above the last checkpoint cannot be seen. */
	exec(fx, "DELETE FROM audit WHERE seq > 2000");
	assert_int_equal(verify(fx, &r), 0);
	assert_int_equal(r.entries, 2000);
	/* Cutting below a checkpoint can. */
	exec(fx, "DELETE FROM audit WHERE seq >= 1990");
	assert_int_equal(verify(fx, &r), 1);
	assert_int_equal(r.bad_seq, 1990);
	assert_int_equal(r.entries, 1989);
	assert_non_null(strstr(r.reason, "truncated"));
	assert_non_null(strstr(r.reason, "2000"));
}

static void
test_checkpoint_root_edited(void **state)
{
	struct fixture *fx = *state;

	append_n(fx, NENTRIES);
	exec(fx, "UPDATE audit_checkpoint SET root = zeroblob(32) "
	         "WHERE size = 1000");
	expect_broken(fx, 1000);
}

static void
test_checkpoint_sig_edited(void **state)
{
	struct fixture *fx = *state;

	append_n(fx, NENTRIES);
	exec(fx, "UPDATE audit_checkpoint SET sig = randomblob(64) "
	         "WHERE size = 2000");
	expect_broken(fx, 2000);
}

static void
test_checkpoint_size_edited(void **state)
{
	struct fixture *fx = *state;

	append_n(fx, NENTRIES);
	exec(fx, "UPDATE audit_checkpoint SET size = 1001 WHERE size = 1000");
	expect_broken(fx, 1001);
}

/* A checkpoint with the right root but no valid signature. */
static void
test_checkpoint_forged(void **state)
{
	struct fixture *fx = *state;
	struct audit_verify_result r;

	append_n(fx, NENTRIES);
	exec(fx, "INSERT INTO audit_checkpoint (size, ts, root, sig) "
	         "SELECT 1500, 0, hash, zeroblob(64) FROM audit "
	         "WHERE seq = 1500");
	assert_int_equal(verify(fx, &r), 1);
	assert_int_equal(r.bad_seq, 1500);
	assert_non_null(strstr(r.reason, "signature"));
}

/* The signed text is exactly the documented note. */
static void
test_checkpoint_note_format(void **state)
{
	struct fixture *fx = *state;
	uint8_t pk[CRYPTO_PKBYTES];
	char b64[64], note[128];
	sqlite3_stmt *st;
	int n;

	append_n(fx, 1000);
	assert_int_equal(sqlite3_prepare_v2(fx->s->db,
	                                    "SELECT c.root, c.sig, a.hash "
	                                    "FROM audit_checkpoint c "
	                                    "JOIN audit a ON a.seq = c.size "
	                                    "WHERE c.size = 1000",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_bytes(st, 0), CRYPTO_HASHBYTES);
	assert_int_equal(sqlite3_column_bytes(st, 1), CRYPTO_SIGBYTES);
	assert_memory_equal(sqlite3_column_blob(st, 0),
	                    sqlite3_column_blob(st, 2), CRYPTO_HASHBYTES);
	sodium_bin2base64(b64, sizeof(b64), sqlite3_column_blob(st, 0),
	                  CRYPTO_HASHBYTES, sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(note, sizeof(note), "ivtd-audit\n1000\n%s\n", b64);
	crypto_sign_pk(fx->c, pk);
	assert_int_equal(crypto_verify_msg(pk, note, (size_t)n,
	                                        sqlite3_column_blob(st, 1)),
	                 0);
	sqlite3_finalize(st);
}

/* The chain is keyed: another master key cannot verify entry 1. */
static void
test_wrong_key(void **state)
{
	struct fixture *fx = *state;
	struct audit_verify_result r;
	uint8_t key_b[CRYPTO_KEYBYTES];
	struct crypto *other;

	append_n(fx, NENTRIES);
	memcpy(key_b, key_a, sizeof(key_b));
	key_b[0] ^= 0x80;
	other = crypto_from_key(key_b, 1);
	assert_non_null(other);
	assert_int_equal(audit_verify(fx->s, other, &r, NULL, NULL), 1);
	assert_int_equal(r.bad_seq, 1);
	assert_int_equal(r.entries, 0);
	crypto_close(other);
}

static void
test_rollback_keeps_seq(void **state)
{
	struct fixture *fx = *state;
	struct audit_verify_result r;
	struct audit_entry e;
	char obj[64];

	fill_entry(&e, 1, obj, sizeof(obj));
	assert_int_equal(store_begin(fx->s), 0);
	assert_int_equal(audit_append(fx->s, fx->c, &e, 0), 1);
	assert_int_equal(store_commit(fx->s), 0);

	assert_int_equal(store_begin(fx->s), 0);
	assert_int_equal(audit_append(fx->s, fx->c, &e, 0), 2);
	store_rollback(fx->s);

	assert_int_equal(store_begin(fx->s), 0);
	assert_int_equal(audit_append(fx->s, fx->c, &e, 0), 2);
	assert_int_equal(audit_append(fx->s, fx->c, &e, 0), 3);
	assert_int_equal(store_commit(fx->s), 0);

	assert_int_equal(verify(fx, &r), 0);
	assert_int_equal(r.entries, 3);
}

static void
test_shutdown_checkpoint(void **state)
{
	struct fixture *fx = *state;
	struct audit_verify_result r;

	append_n(fx, NENTRIES);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM audit_checkpoint"), 2);
	assert_int_equal(audit_checkpoint(fx->s, fx->c), 0);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM audit_checkpoint"), 3);
	assert_int_equal(count(fx, "SELECT MAX(size) FROM audit_checkpoint"),
	                 NENTRIES);
	/* Idempotent: the tail is already covered. */
	assert_int_equal(audit_checkpoint(fx->s, fx->c), 0);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM audit_checkpoint"), 3);
	assert_false(fx->s->in_txn);
	assert_int_equal(verify(fx, &r), 0);
	assert_int_equal(r.checkpoints, 3);
	/* Now even the last entry cannot vanish unnoticed. */
	exec(fx, "DELETE FROM audit WHERE seq = 2500");
	assert_int_equal(verify(fx, &r), 1);
	assert_int_equal(r.bad_seq, NENTRIES);
	assert_non_null(strstr(r.reason, "truncated"));
}

/* A checkpoint exactly at a multiple is not written twice. */
static void
test_shutdown_checkpoint_on_boundary(void **state)
{
	struct fixture *fx = *state;

	append_n(fx, 1000);
	assert_int_equal(audit_checkpoint(fx->s, fx->c), 0);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM audit_checkpoint"), 1);
}

static void
test_null_and_limits(void **state)
{
	struct fixture *fx = *state;
	struct audit_verify_result r;
	struct audit_entry e;
	char *big;

	memset(&e, 0, sizeof(e));
	/* Outside a transaction. */
	assert_int_equal(audit_append(fx->s, fx->c, &e, 0), -1);

	assert_int_equal(store_begin(fx->s), 0);
	/* All strings NULL: stored and hashed as "". */
	assert_int_equal(audit_append(fx->s, fx->c, &e, 0), 1);
	big = malloc(4098);
	assert_non_null(big);
	memset(big, 'a', 4097);
	big[4097] = '\0';
	e.fields = big;
	assert_int_equal(audit_append(fx->s, fx->c, &e, 0), -1);
	big[4096] = '\0';
	assert_int_equal(audit_append(fx->s, fx->c, &e, 0), 2);
	/* An unterminated id is refused. */
	memset(e.span_id, 'f', sizeof(e.span_id));
	assert_int_equal(audit_append(fx->s, fx->c, &e, 0), -1);
	assert_int_equal(store_commit(fx->s), 0);
	free(big);

	assert_int_equal(count(fx, "SELECT COUNT(*) FROM audit WHERE "
	                           "seq = 1 AND actor_name = '' AND "
	                           "error = ''"),
	                 1);
	assert_int_equal(verify(fx, &r), 0);
	assert_int_equal(r.entries, 2);
}

struct progress_log {
	int calls;
	int64_t last_done, total;
};

static void
progress_cb(int64_t done, int64_t total, void *arg)
{
	struct progress_log *p = arg;

	p->calls++;
	assert_true(done > p->last_done);
	p->last_done = done;
	p->total = total;
}

static void
test_progress(void **state)
{
	struct fixture *fx = *state;
	struct audit_verify_result r;
	struct progress_log p = {0, 0, 0};

	append_n(fx, 2 * 4096 + 10);
	assert_int_equal(audit_verify(fx->s, fx->c, &r, progress_cb, &p), 0);
	assert_int_equal(p.calls, 2);
	assert_int_equal(p.last_done, 2 * 4096);
	assert_int_equal(p.total, 2 * 4096 + 10);
	assert_int_equal(r.checkpoints, 8);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_intact),
	    T(test_empty),
	    T(test_edit_actor_name),
	    T(test_edit_result),
	    T(test_edit_error),
	    T(test_edit_object),
	    T(test_edit_subject),
	    T(test_edit_ts_start),
	    T(test_edit_actor_uid),
	    T(test_edit_trace_id),
	    T(test_edit_hash),
	    T(test_edit_prev),
	    T(test_edit_shift_between_fields),
	    T(test_first_prev_not_zero),
	    T(test_delete_middle),
	    T(test_reorder),
	    T(test_truncate),
	    T(test_checkpoint_root_edited),
	    T(test_checkpoint_sig_edited),
	    T(test_checkpoint_size_edited),
	    T(test_checkpoint_forged),
	    T(test_checkpoint_note_format),
	    T(test_wrong_key),
	    T(test_rollback_keeps_seq),
	    T(test_shutdown_checkpoint),
	    T(test_shutdown_checkpoint_on_boundary),
	    T(test_null_and_limits),
	    T(test_progress),
	};

	if (crypto_init() != 0)
		return 1;
	/* Expected breaks log warnings; keep the test output readable. */
	log_set_level(LOG_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
