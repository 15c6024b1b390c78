/*
 * walcopy.c - copies the WAL back into the database on a thread of its
 * own (walcopy.h says why).
 *
 * The loop's WAL hook runs after every commit with the number of pages
 * in the WAL.  Past the limit it hands a pass to the thread (RUN), which
 * copies on its own connection what the WAL holds as it begins, the
 * loop committing meanwhile.  At the next commit after the pass (DONE)
 * the loop either hands out another pass, while more than a few pages
 * were written during this one, or copies those few itself: the loop is the
 * only writer, so after that the whole WAL is in the database and the
 * next write starts the WAL from its beginning again.  Should the thread
 * fall far behind, the loop copies all of it, as SQLite would have.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>

#include "log.h"
#include "walcopy.h"

/*
 * A pass that left more pages than this behind (written while it ran) is
 * followed by another rather than by a copy in the loop: the loop's copy
 * ends in an fsync of the database that costs about as much per page as
 * a random write.  Measured with ivtbench at 16 connections: a rest of
 * up to 1/8 of the WAL (some 400 pages) cost the loop up to 13 ms, a
 * rest of 64 at most 4 ms; with no rest left to the loop at all the
 * thread ran passes back to back and its fsyncs slowed every commit.
 */
#define WALCOPY_REST 64
/* The WAL at this many times the limit: the loop copies it all itself. */
#define WALCOPY_BEHIND 4

enum walcopy_state { WALCOPY_IDLE, WALCOPY_RUN, WALCOPY_DONE, WALCOPY_QUIT };

struct walcopy {
	struct store *s;
	sqlite3 *db; /* the thread's own connection */
	int frames;  /* the limit */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* Under mu. */
	enum walcopy_state state;
	int rc;     /* of the last pass */
	int copied; /* WAL pages in the database after it */
};

static void *
walcopy_main(void *arg)
{
	struct walcopy *w = arg;
	int rc, logged, copied;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->state != WALCOPY_RUN && w->state != WALCOPY_QUIT)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->state == WALCOPY_QUIT)
			break;
		pthread_mutex_unlock(&w->mu);
		logged = copied = 0;
		rc = sqlite3_wal_checkpoint_v2(
		    w->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &logged, &copied);
		pthread_mutex_lock(&w->mu);
		if (w->state == WALCOPY_RUN) {
			w->rc = rc;
			w->copied = copied;
			w->state = WALCOPY_DONE;
			pthread_cond_broadcast(&w->cv);
		}
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* In the loop: copy what the WAL still holds, as SQLite's own hook
 * would.  A failure is logged and tried again at a later commit; the
 * data stays safe in the WAL. */
static void
copy_rest(sqlite3 *db, const char *name)
{
	int rc = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE,
	                                   NULL, NULL);

	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		log_warn("store: WAL checkpoint failed: %s",
		         sqlite3_errstr(rc));
}

/* SQLite's WAL hook: after every commit, frames pages in the WAL. */
static int
walcopy_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct walcopy *w = arg;
	enum walcopy_state was;
	int rc, copied, again;

	pthread_mutex_lock(&w->mu);
	/*
	 * A destruction's COMMIT (store_flush_wal_after): the store is about
	 * to empty the WAL, and SQLite refuses that at once, without waiting,
	 * while a pass holds the checkpoint lock.  Wait for a pass under way
	 * and hand out none.
	 */
	if (w->s->wal_flush) {
		while (w->state == WALCOPY_RUN)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->state == WALCOPY_DONE)
			w->state = WALCOPY_IDLE;
		pthread_mutex_unlock(&w->mu);
		return SQLITE_OK;
	}
	was = w->state;
	rc = w->rc;
	copied = w->copied;
	/* A pass counted pages of a WAL that has since started over. */
	if (frames < w->frames) {
		if (was == WALCOPY_DONE)
			w->state = WALCOPY_IDLE;
		pthread_mutex_unlock(&w->mu);
		return SQLITE_OK;
	}
	/* A pass that found the lock taken (SQLITE_BUSY) copied nothing:
	 * hand out another rather than copy it all here. */
	again = was == WALCOPY_IDLE ||
	        (was == WALCOPY_DONE &&
	         (rc == SQLITE_BUSY ||
	          (rc == SQLITE_OK && frames - copied > WALCOPY_REST)) &&
	         frames < WALCOPY_BEHIND * w->frames);
	if (again) {
		w->state = WALCOPY_RUN;
		pthread_cond_broadcast(&w->cv);
	} else if (was == WALCOPY_DONE) {
		w->state = WALCOPY_IDLE;
	}
	pthread_mutex_unlock(&w->mu);
	if (was == WALCOPY_DONE && rc != SQLITE_OK && rc != SQLITE_BUSY)
		log_warn("store: WAL checkpoint on the thread failed: %s",
		         sqlite3_errstr(rc));
	if (!again && was == WALCOPY_DONE)
		copy_rest(db, name);
	return SQLITE_OK;
}

static sqlite3 *
open_second(const char *path, char *err, size_t errlen)
{
	const int flags =
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW;
	sqlite3 *db = NULL;

	/* FULL: the pass syncs the WAL before it copies and the database
	 * after, as the loop's own checkpoints do. */
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK ||
	    sqlite3_exec(db,
	                 "PRAGMA synchronous = FULL; PRAGMA trusted_schema = "
	                 "OFF;",
	                 NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open a second connection: %s",
		         db != NULL ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

struct walcopy *
walcopy_start(struct store *s, const char *path, int frames, char *err,
              size_t errlen)
{
	struct walcopy *w;
	sigset_t all, old;
	int rc;

	/* Two connections on two threads need SQLite's own locks of the
	 * file and its WAL index: a library built without them is refused. */
	if (frames <= 0 || !sqlite3_threadsafe() ||
	    (w = calloc(1, sizeof(*w))) == NULL) {
		snprintf(err, errlen, "cannot start the WAL copier");
		return NULL;
	}
	w->s = s;
	w->frames = frames;
	if ((w->db = open_second(path, err, errlen)) == NULL)
		goto fail_db;
	if (pthread_mutex_init(&w->mu, NULL) != 0)
		goto fail_mu;
	if (pthread_cond_init(&w->cv, NULL) != 0)
		goto fail_cv;
	/* Signals stay with the loop (libevent's signal events). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, walcopy_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		goto fail_thread;
	sqlite3_wal_hook(s->db, walcopy_hook, w);
	return w;
fail_thread:
	pthread_cond_destroy(&w->cv);
fail_cv:
	pthread_mutex_destroy(&w->mu);
fail_mu:
	snprintf(err, errlen, "cannot start the WAL copier thread");
	sqlite3_close(w->db);
fail_db:
	free(w);
	return NULL;
}

void
walcopy_stop(struct walcopy *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->state = WALCOPY_QUIT;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	/* Also removes walcopy_hook. */
	sqlite3_wal_autocheckpoint(w->s->db, w->frames);
	sqlite3_close(w->db);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}
