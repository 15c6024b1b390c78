/*
 * store.h - SQLite storage: connection, pragmas, migrations, transactions.
 *
 * One connection owned by the event loop thread (and a second one that
 * only copies the WAL back, on a thread of its own: walcopy.h).  WAL
 * mode, foreign keys, busy timeout, secure_delete, trusted_schema off.
 * The schema is created and upgraded by numbered migrations keyed on
 * PRAGMA user_version, each in its own transaction that also bumps the
 * version.  Every write runs inside BEGIN IMMEDIATE ... COMMIT and a
 * reply that reports success is sent only after COMMIT returned.
 */
#ifndef IVTD_STORE_H
#define IVTD_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

struct store {
	sqlite3 *db;
	int in_txn;
	int cache_after; /* page cache size (KiB) to set when the txn ends */
	int wal_flush;   /* checkpoint and empty the WAL after the commit:
	                  * 1, or 2 once that failed (and was logged) */
};

/* Open (creating) the database at path and run pending migrations. */
struct store *store_open(const char *path, char *err, size_t errlen);
void store_close(struct store *s);

/* The schema version this build migrates to. */
int store_schema_version(void);
/* PRAGMA user_version of the open database. */
int store_user_version(struct store *s);

int store_begin(struct store *s);    /* BEGIN IMMEDIATE */
int store_commit(struct store *s);   /* COMMIT; -1 leaves txn rolled back */
void store_rollback(struct store *s);

/*
 * Savepoints inside the open transaction: a group commit runs many calls
 * in one transaction, each in its own savepoint, so one failing call
 * rolls back alone.  0 or -1.
 */
int store_savepoint(struct store *s);
int store_release(struct store *s);
int store_rollback_to(struct store *s);
/*
 * Is the transaction store_begin opened still open?  SQLite rolls a
 * whole transaction back by itself after some errors (SQLITE_FULL,
 * SQLITE_IOERR, SQLITE_NOMEM, ...); a SAVEPOINT after that would start a
 * new one, and its RELEASE commit a call on its own, outside the batch.
 */
int store_txn_open(struct store *s);

/*
 * Prepare a statement, cached by its text pointer: callers pass string
 * literals, so the pointer identifies the statement.  The statement comes
 * back reset with bindings cleared.  NULL on error (logged, no data).
 */
sqlite3_stmt *store_prepare(struct store *s, const char *sql);

/* Execute a statement with no result rows after binding; resets it. */
int store_step_done(sqlite3_stmt *st);

/* Does the bound statement give a row?  1, 0, or -1 on an error
 * (logged); resets it. */
int store_step_exists(sqlite3_stmt *st);

/*
 * The first column of every row of the bound statement, as integers, in
 * *ids (n of them, the array grown by doubling; free it); resets st.
 * For callers that must run other statements per row: collect first.
 * 0, or -1 (nothing to free).
 */
int store_ids(sqlite3_stmt *st, int64_t **ids, size_t *n);

/* Current time in microseconds since the epoch. */
int64_t store_now_us(void);

/*
 * Set the page cache to kib KiB.  A bulk write (the CSV import) raises it
 * for its duration, so index pages stay in memory instead of spilling to
 * the WAL again and again, and lowers it after, giving the memory back.
 * Dirty pages cannot go before the transaction ends, so inside one a
 * smaller size takes effect at its commit or rollback.
 */
/*
 * The WAL file is truncated back to this size when it restarts after a
 * checkpoint: a 100 000-row import grows it by hundreds of MiB, which
 * would otherwise stay on disk for good.
 */
#define STORE_WAL_LIMIT (64 * 1024 * 1024)
/*
 * The page cache between bulk writes.  SQLite's default (2000 KiB) holds
 * too few of the blind-index leaves a write touches at random (address,
 * address key, BSN, audit subject): with it a Subject.Create read about
 * three of them back from the file.  8 MiB is grown only as pages are
 * used, so the idle daemon stays as small.
 */
#define STORE_CACHE_KIB 8192
/*
 * Pages in the WAL before it is copied back (SQLite's default is 1000):
 * in the daemon by the WAL copier's thread (walcopy.h), elsewhere by
 * SQLite inside the commit that passes it.
 * Those random index leaves are rewritten by nearly every batch; a ten
 * times longer WAL copies each back once where it did ten times: at 16
 * connections a Subject.Create costs 10% less CPU and 20% more get done
 * (ivtbench).  The WAL file is then up to some 40 MiB, below
 * STORE_WAL_LIMIT, and stays that size; a destruction empties it at once
 * (store_flush_wal_after).
 */
#define STORE_WAL_AUTOCHECKPOINT 10000
void store_cache_kib(struct store *s, int kib);

/*
 * The open transaction destroys data (retention, key shredding): once it
 * commits, copy the WAL into the database and cut the WAL file to zero,
 * so neither keeps the old pages (secure_delete has zeroed them in the
 * new ones) until some later checkpoint.
 */
void store_flush_wal_after(struct store *s);

/*
 * Ids are never handed out twice.  A destruction deletes rows about data
 * subjects (retention.c) while the audit log, which is kept, names their
 * ids ("subject:12", "finding:3") beside the persons' pseudonyms: a reused
 * id would point that log at someone else.  STORE_KEEP_IDS(t), run before
 * the deletes, keeps table t's highest id in id_floor; STORE_NEXT_ID(t) is
 * an expression for the next id above both.  t is a table with an
 * INTEGER PRIMARY KEY named id (a literal: it is pasted into the SQL).
 */
#define STORE_NEXT_ID(t)                                                       \
	"(SELECT max(coalesce((SELECT max(id) FROM " t "), 0), "               \
	"coalesce((SELECT top FROM id_floor WHERE tbl = '" t "'), 0)) + 1)"
#define STORE_KEEP_IDS(t)                                                      \
	"INSERT INTO id_floor (tbl, top) SELECT '" t "', coalesce(max(id), 0) " \
	"FROM " t " WHERE true ON CONFLICT (tbl) DO UPDATE SET top = "        \
	"max(top, excluded.top)"

#endif
