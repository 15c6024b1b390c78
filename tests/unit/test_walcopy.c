/*
 * test_walcopy.c - the WAL copied back into the database on a thread:
 * the WAL stays short under a stream of commits, nothing committed is
 * lost, and the store gets its own checkpoints back at the end.
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

#include "tfix.h"
#include "walcopy.h"

#define LIMIT   32   /* pages in the WAL before a copy */
#define COMMITS 3000 /* each writes a few pages */

static int
setup(void **state)
{
	struct tfix *f = calloc(1, sizeof(*f));

	if (f == NULL || tfix_init(f, "walcopy") == -1 ||
	    tfix_open(f, TFIX_STORE) == -1)
		return -1;
	*state = f;
	return 0;
}

/* n commits, each a row of 3 000 random bytes and a change to a row
 * written earlier: new pages and old ones, as the daemon's writes. */
static void
commit_many(struct store *s, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		assert_int_equal(store_begin(s), 0);
		assert_int_equal(
		    sqlite3_exec(s->db,
		                 "INSERT INTO t (b) VALUES (randomblob(3000));"
		                 "UPDATE t SET n = n + 1 WHERE id = "
		                 "abs(random()) % (SELECT max(id) FROM t) + 1;",
		                 NULL, NULL, NULL),
		    SQLITE_OK);
		assert_int_equal(store_commit(s), 0);
	}
}

static void
make_table(struct store *s)
{
	assert_int_equal(sqlite3_exec(s->db,
	                              "CREATE TABLE t (id INTEGER PRIMARY KEY, "
	                              "n INTEGER NOT NULL DEFAULT 0, b BLOB)",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
}

static off_t
file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

static void
test_wal_stays_short(void **state)
{
	struct tfix *f = *state;
	struct store *s = f->ctx.store;
	char err[256], wal[160];
	struct walcopy *w;
	sqlite3_stmt *st;

	snprintf(wal, sizeof(wal), "%s-wal", f->db);
	make_table(s);
	w = walcopy_start(s, f->db, LIMIT, err, sizeof(err));
	assert_non_null(w);
	/* The copier took SQLite's own checkpoints over. */
	assert_int_equal(tfix_scalar(f, "PRAGMA wal_autocheckpoint"), 0);
	commit_many(s, COMMITS);
	/*
	 * Some 8 000 pages were written; the WAL restarted again and again
	 * and never held many more than WALCOPY_BEHIND times the limit.
	 * Without copies it would be over 30 MiB.
	 */
	assert_true(file_size(wal) < 2 * 1024 * 1024);
	walcopy_stop(w);
	assert_int_equal(tfix_scalar(f, "PRAGMA wal_autocheckpoint"), LIMIT);
	assert_int_equal(tfix_scalar(f, "SELECT count(*) FROM t"), COMMITS);
	store_close(s);

	/* Everything committed is in the database, read afresh. */
	s = f->ctx.store = store_open(f->db, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(tfix_scalar(f, "SELECT count(*) FROM t"), COMMITS);
	assert_int_equal(tfix_scalar(f, "SELECT sum(length(b)) FROM t"),
	                 (int64_t)COMMITS * 3000);
	assert_int_equal(
	    sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
}

/*
 * A destruction empties the WAL at its commit (store_flush_wal_after)
 * even while the thread copies: the commit waits for the copy, which
 * holds the checkpoint lock the emptying needs.
 */
static void
test_flush_during_copies(void **state)
{
	struct tfix *f = *state;
	struct store *s = f->ctx.store;
	char err[256], wal[160];
	struct walcopy *w;
	int i;

	snprintf(wal, sizeof(wal), "%s-wal", f->db);
	make_table(s);
	w = walcopy_start(s, f->db, LIMIT, err, sizeof(err));
	assert_non_null(w);
	for (i = 0; i < 200; i++) {
		/* Enough pages that the destruction's commit hands out a
		 * copy, or finds one under way. */
		commit_many(s, 12 + i % 5);
		assert_int_equal(store_begin(s), 0);
		assert_int_equal(
		    sqlite3_exec(s->db,
		                 "DELETE FROM t WHERE id = (SELECT "
		                 "min(id) FROM t)",
		                 NULL, NULL, NULL),
		    SQLITE_OK);
		store_flush_wal_after(s);
		assert_int_equal(store_commit(s), 0);
		assert_int_equal(s->wal_flush, 0);
		assert_int_equal(file_size(wal), 0);
	}
	walcopy_stop(w);
}

/* A copier that never got a commit stops cleanly. */
static void
test_stop_idle(void **state)
{
	struct tfix *f = *state;
	struct store *s = f->ctx.store;
	char err[256];
	struct walcopy *w;

	w = walcopy_start(s, f->db, LIMIT, err, sizeof(err));
	assert_non_null(w);
	walcopy_stop(w);
	walcopy_stop(NULL);
	/* No second connection to a database that is not there. */
	assert_null(
	    walcopy_start(s, "/nonexistent/dir/t.db", LIMIT, err, sizeof(err)));
	assert_non_null(strstr(err, "second connection"));
	assert_null(walcopy_start(s, f->db, 0, err, sizeof(err)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_wal_stays_short, setup,
	                                    tfix_teardown),
	    cmocka_unit_test_setup_teardown(test_flush_during_copies, setup,
	                                    tfix_teardown),
	    cmocka_unit_test_setup_teardown(test_stop_idle, setup,
	                                    tfix_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
