/*
 * test_store.c - migrations, pragmas, transactions and the statement cache.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

struct fixture {
	char dir[64];
	char path[96];
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/ivt-store-XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	snprintf(fx->path, sizeof(fx->path), "%s/t.db", fx->dir);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	char p[128];

	snprintf(p, sizeof(p), "%s-wal", fx->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", fx->path);
	unlink(p);
	unlink(fx->path);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static int
pragma_int(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	int v = -1;

	assert_int_equal(sqlite3_prepare_v2(s->db, sql, -1, &st, NULL),
	                 SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
test_migrate_fresh(void **state)
{
	struct fixture *fx = *state;
	char err[256];
	struct store *s;
	sqlite3_stmt *st;

	s = store_open(fx->path, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(store_user_version(s), store_schema_version());
	assert_int_equal(pragma_int(s, "PRAGMA foreign_keys"), 1);
	assert_int_equal(pragma_int(s, "PRAGMA secure_delete"), 1);
	assert_int_equal(pragma_int(s, "PRAGMA synchronous"), 2); /* FULL */
	assert_int_equal(pragma_int(s, "PRAGMA cache_size"), -STORE_CACHE_KIB);
	assert_int_equal(pragma_int(s, "PRAGMA wal_autocheckpoint"),
	                 STORE_WAL_AUTOCHECKPOINT);
	assert_int_equal(pragma_int(s, "PRAGMA journal_size_limit"),
	                 STORE_WAL_LIMIT);
	assert_int_equal(sqlite3_prepare_v2(s->db, "PRAGMA journal_mode", -1,
	                                    &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	store_close(s);
	/* Reopening runs no migration again and keeps the version. */
	s = store_open(fx->path, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(store_user_version(s), store_schema_version());
	store_close(s);
}

static void
test_newer_schema_refused(void **state)
{
	struct fixture *fx = *state;
	char err[256], sql[64];
	struct store *s;

	s = store_open(fx->path, err, sizeof(err));
	assert_non_null(s);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	         store_schema_version() + 1);
	assert_int_equal(sqlite3_exec(s->db, sql, NULL, NULL, NULL), SQLITE_OK);
	store_close(s);
	s = store_open(fx->path, err, sizeof(err));
	assert_null(s);
	assert_non_null(strstr(err, "newer"));
}

static void
test_strict_and_foreign_keys(void **state)
{
	struct fixture *fx = *state;
	char err[256];
	struct store *s;

	s = store_open(fx->path, err, sizeof(err));
	assert_non_null(s);
	/* STRICT: a text uid is refused. */
	assert_int_not_equal(
		sqlite3_exec(s->db,
	                     "INSERT INTO users (uid,name,role,created) "
	                     "VALUES ('x','a','admin',1)",
	                     NULL, NULL, NULL),
		SQLITE_OK);
	/* Foreign key: a partner user needs an existing partner. */
	assert_int_not_equal(
		sqlite3_exec(s->db,
	                     "INSERT INTO users (uid,name,role,partner_id,"
	                     "created) VALUES (5,'p','partner',99,1)",
	                     NULL, NULL, NULL),
		SQLITE_OK);
	/* The role/partner check: admin with a partner is refused. */
	assert_int_equal(sqlite3_exec(s->db,
	                              "INSERT INTO partners (name,kind,created)"
	                              " VALUES ('UWV','landelijke_dienst',1)",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	assert_int_not_equal(
		sqlite3_exec(s->db,
	                     "INSERT INTO users (uid,name,role,partner_id,"
	                     "created) VALUES (6,'q','admin',1,1)",
	                     NULL, NULL, NULL),
		SQLITE_OK);
	store_close(s);
}

static void
test_transactions(void **state)
{
	static const char ins[] =
		"INSERT INTO partners (name, kind, created) VALUES (?, 'zorg', 1)";
	static const char cnt[] = "SELECT count(*) FROM partners";
	struct fixture *fx = *state;
	sqlite3_stmt *st;
	char err[256];
	struct store *s;

	s = store_open(fx->path, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_begin(s), -1); /* no nesting */
	st = store_prepare(s, ins);
	assert_non_null(st);
	sqlite3_bind_text(st, 1, "A", -1, SQLITE_STATIC);
	assert_int_equal(store_step_done(st), 0);
	store_rollback(s);
	assert_int_equal(store_begin(s), 0);
	st = store_prepare(s, ins);
	/* The cache hands back the same statement, reset and unbound. */
	assert_ptr_equal(st, store_prepare(s, ins));
	sqlite3_bind_text(st, 1, "B", -1, SQLITE_STATIC);
	assert_int_equal(store_step_done(st), 0);
	assert_int_equal(store_commit(s), 0);
	st = store_prepare(s, cnt);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 1);
	sqlite3_reset(st);
	store_close(s);
}

/* store_step_exists: 1 for a row, 0 for none, and the statement reset. */
static void
test_step_exists(void **state)
{
	static const char by_name[] = "SELECT 1 FROM partners WHERE name = ?";
	static const char ins[] =
		"INSERT INTO partners (name, kind, created) VALUES ('A', "
		"'zorg', 1)";
	struct fixture *fx = *state;
	sqlite3_stmt *st;
	char err[256];
	struct store *s;

	assert_non_null(s = store_open(fx->path, err, sizeof(err)));
	assert_non_null(st = store_prepare(s, by_name));
	sqlite3_bind_text(st, 1, "A", -1, SQLITE_STATIC);
	assert_int_equal(store_step_exists(st), 0);
	assert_int_equal(store_step_done(store_prepare(s, ins)), 0);
	/* reset, bindings kept: the same question again */
	assert_int_equal(store_step_exists(st), 1);
	sqlite3_bind_text(st, 1, "B", -1, SQLITE_STATIC);
	assert_int_equal(store_step_exists(st), 0);
	store_close(s);
}

static int
count_partners(struct store *s)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT count(*) FROM partners");
	int n;

	assert_non_null(st);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return n;
}

static void
add_partner(struct store *s, const char *name)
{
	static const char ins[] =
		"INSERT INTO partners (name, kind, created) VALUES (?, 'zorg', 1)";
	sqlite3_stmt *st = store_prepare(s, ins);

	assert_non_null(st);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	assert_int_equal(store_step_done(st), 0);
}

/* The savepoints a group commit puts around each call: a failed call
 * goes, the others stay, and the savepoint stack is empty after each. */
static void
test_savepoints(void **state)
{
	struct fixture *fx = *state;
	char err[256];
	struct store *s;
	int round;

	s = store_open(fx->path, err, sizeof(err));
	assert_non_null(s);
	for (round = 0; round < 3; round++) {
		int before = count_partners(s);
		char a[16], b[16];

		snprintf(a, sizeof(a), "kept%d", round);
		snprintf(b, sizeof(b), "gone%d", round);
		assert_int_equal(store_begin(s), 0);
		assert_int_equal(store_savepoint(s), 0);
		add_partner(s, a);
		assert_int_equal(store_release(s), 0);
		assert_int_equal(store_savepoint(s), 0);
		add_partner(s, b);
		assert_int_equal(store_rollback_to(s), 0);
		/* Nothing left to release: the stack is empty. */
		assert_int_equal(store_release(s), -1);
		assert_int_equal(store_commit(s), 0);
		assert_int_equal(count_partners(s), before + 1);
	}
	/* Outside a transaction a savepoint starts one; RELEASE ends it. */
	assert_int_equal(store_savepoint(s), 0);
	add_partner(s, "alone");
	assert_int_equal(store_release(s), 0);
	assert_int_equal(sqlite3_get_autocommit(s->db), 1);
	assert_int_equal(count_partners(s), 4);
	store_close(s);
}

static off_t
wal_size(const struct fixture *fx)
{
	char p[128];
	struct stat st;

	snprintf(p, sizeof(p), "%s-wal", fx->path);
	return stat(p, &st) == 0 ? st.st_size : -1;
}

/* A secret overwritten in a transaction marked as a destruction: after
 * the commit the WAL is empty and no byte of the secret is in either
 * file; an ordinary commit leaves its pages in the WAL. */
static void
test_flush_wal_after_destruction(void **state)
{
	struct fixture *fx = *state;
	static const char secret[] = "Xq9-secret-of-a-destroyed-project";
	char err[256], sql[256], p[128], *buf;
	struct store *s;
	FILE *f;
	size_t n;
	int i;

	s = store_open(fx->path, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(sqlite3_exec(s->db, "CREATE TABLE t (v BLOB)", NULL,
	                              NULL, NULL),
	                 SQLITE_OK);
	snprintf(sql, sizeof(sql), "INSERT INTO t VALUES ('%s')", secret);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(sqlite3_exec(s->db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(store_commit(s), 0);
	assert_true(wal_size(fx) > 0);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(sqlite3_exec(s->db, "UPDATE t SET v = x''", NULL,
	                              NULL, NULL),
	                 SQLITE_OK);
	store_flush_wal_after(s);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(wal_size(fx), 0);
	for (i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), i ? "%s-wal" : "%s", fx->path);
		assert_non_null(f = fopen(p, "rb"));
		assert_non_null(buf = malloc(1 << 20));
		n = fread(buf, 1, 1 << 20, f);
		fclose(f);
		assert_null(memmem(buf, n, secret, strlen(secret)));
		free(buf);
	}
	/* A rolled-back destruction flushes nothing. */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(sqlite3_exec(s->db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_begin(s), 0);
	store_flush_wal_after(s);
	store_rollback(s);
	assert_true(wal_size(fx) > 0);
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrate_fresh, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_strict_and_foreign_keys,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_transactions, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_step_exists, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_savepoints, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_flush_wal_after_destruction,
		                                setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
