/*
 * walcopy.h - copies the WAL back into the database on a thread of its
 * own.
 *
 * SQLite's own checkpoint runs inside the COMMIT that pushes the WAL past
 * its limit, in the event loop: it copies thousands of pages and syncs
 * the database while every client waits (at 16 connections the writes'
 * 99th percentile was 15 ms, nearly all of it that one commit).  Here a
 * second connection, on a thread, copies what the WAL holds while the
 * loop goes on committing; the loop itself copies only the few pages
 * written meanwhile, so the WAL is copied entirely and restarts.
 *
 * Durability does not change: a commit is as durable when it returns as
 * before (synchronous = FULL); a checkpoint only moves committed pages
 * from the WAL into the database file, and a crash in the middle of one
 * is recovered from the WAL as always.
 */
#ifndef IVTD_WALCOPY_H
#define IVTD_WALCOPY_H

#include <stddef.h>

#include "store.h"

struct walcopy;

/*
 * Start copying the WAL of s (the database at path) once it holds frames
 * pages.  Takes over s's checkpoints until walcopy_stop.  NULL on error
 * (err says why; the store then checkpoints in the loop as before).
 */
struct walcopy *walcopy_start(struct store *s, const char *path, int frames,
                              char *err, size_t errlen);

/* Wait for a copy under way, end the thread, give s its own checkpoints
 * back.  NULL is allowed. */
void walcopy_stop(struct walcopy *w);

#endif
