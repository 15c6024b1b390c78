/*
 * keys.h - the key hierarchy of crypto.h at run time: master key files,
 * the system keys row, project data keys (DEKs) and the key store, and
 * master key rotation.
 *
 * Files, all beside key_file and never in the database or its backups:
 *   key_file          the current master key (32 bytes, mode 0600)
 *   key_file.next     the next master key while a rotation runs
 *   key_file.store    the key store: per project a key id and a random
 *                     32-byte share that is part of the project's
 *                     key-encryption key (crypto.h).  Deleting a project's
 *                     share is what makes its data unreadable in every
 *                     database backup (crypto-shredding).
 *
 * Database (migration 6): master_keys (version, key check value, state
 * current/next/retired/destroyed), system_keys (the wrapped system keys
 * and the master version wrapping them), project_keys (per project key id,
 * master version, wrapped DEK, active/shredded).
 *
 * Rotation: the new key file is written and fsync'ed (with its directory)
 * before the database names it ('next').  Each step re-wraps some keys in
 * a transaction of its own; every wrapped key records its master version,
 * so any mix of versions opens with the two key files.  When none is left
 * the database switches (current -> retired, next -> current), the old key
 * file is overwritten and the new one renamed over it.  Start-up finds
 * whatever a crash left and completes the rotation or, when the database
 * never named the new key, removes it.
 */
#ifndef IVTD_KEYS_H
#define IVTD_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

struct daemon_ctx;
struct event_base;
struct keys;

/*
 * Open the master key file(s) of ctx->cfg->key_path (creating the key when
 * create is set and the database has none yet), recognise them by their
 * check values, finish or roll back an interrupted rotation, load the
 * system keys (storing the derived ones on first use), load the key store,
 * complete shreddings a crash interrupted, and move fields sealed before
 * DEKs existed to their project's DEK.  ctx->store must be open.  Sets
 * ctx->crypto and ctx->keys.  0, or -1 with a reason in err.
 */
int keys_open(struct daemon_ctx *ctx, int create, char *err, size_t errlen);
/* Free the keys and ctx->crypto (wiped). */
void keys_close(struct daemon_ctx *ctx);
/* Drive rotations from the event loop (the daemon; tests run steps). */
int keys_attach(struct daemon_ctx *ctx, struct event_base *base);

/*
 * The data key of a project.  With create set and no key yet, a new one is
 * made: its share is written to the key store (fsync'ed) and its wrapped
 * form inserted in the caller's transaction.  NULL when the project has no
 * key (create unset), its key was destroyed, or on error (logged without
 * data).  The handle stays valid until the next call of keys_dek or
 * keys_shred for the same project.
 */
const struct crypto_dek *keys_dek(struct daemon_ctx *ctx, int64_t project,
                                  int create);
/* Does the project have an active data key?  1, 0, -1 on error. */
int keys_has_dek(struct daemon_ctx *ctx, int64_t project);

/*
 * Crypto-shred a project: mark its key destroyed in the caller's
 * transaction (a project without a key gets a destroyed row, so it never
 * gets one), forget the cached DEK and remove its share from the key store
 * file (fsync'ed).  Call it last in the transaction: the share is gone at
 * once.  Should the commit fail, the data is unreadable but not deleted,
 * and running the destruction again deletes it.  0 or -1.
 */
int keys_shred(struct daemon_ctx *ctx, int64_t project);

struct keys_status {
	uint32_t current;    /* master key version in use */
	uint32_t next;       /* target of a running rotation, 0 when none */
	int64_t done, total; /* wrapped keys (DEKs + system) at next */
	int64_t active;      /* projects with an active DEK */
	int64_t shredded;    /* projects whose DEK was destroyed */
};

/*
 * Begin a rotation in the caller's transaction: write key_file.next with a
 * fresh key (fsync'ed) and record it as the next version.  1 when a
 * rotation is running already, 2 when the key files of the last one could
 * still not be switched (the daemon log says why), 3 when a project's data
 * key has no share in the key store (err names it), 0 started, -1 error
 * (err set).
 */
int keys_rotate_begin(struct daemon_ctx *ctx, struct keys_status *st, char *err,
                      size_t errlen);
/*
 * One rotation step in a transaction of its own: re-wrap up to batch keys;
 * when none is left, switch the database and the key file.  1 when more is
 * to do, 0 when no rotation runs (anymore), -1 on error.
 */
int keys_rotate_step(struct daemon_ctx *ctx, int batch);
int keys_status(struct daemon_ctx *ctx, struct keys_status *st);

#endif
