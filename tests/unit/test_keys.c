/*
 * test_keys.c - the key hierarchy (crypto.h, keys.h): wrapping and
 * unwrapping data and system keys, refusal under another master version,
 * project, key id or share, crypto-shredding (also of a copy of the
 * database taken before), master key rotation with every field still
 * readable, recovery of an interrupted rotation, removal of an orphaned
 * next key, and the move of fields sealed before DEKs.
 */
#include <sys/stat.h>

#include <fcntl.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit.h"
#include "keys.h"
#include "tfix.h"

static void
fill(uint8_t *b, size_t n, uint8_t base)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(base + i);
}

/* --- crypto.c: wrapping ------------------------------------------------- */

static void
test_dek_wrap(void **state)
{
	uint8_t key[CRYPTO_KEYBYTES], share[CRYPTO_SHAREBYTES];
	uint8_t w[CRYPTO_WRAPPED_DEK], ct[64], out[64];
	struct crypto *m1, *m1v2, *other;
	struct crypto_dek *dek, *back;
	size_t ctlen, outlen;

	(void)state;
	fill(key, sizeof(key), 1);
	fill(share, sizeof(share), 50);
	m1 = crypto_from_key(key, 1);
	m1v2 = crypto_from_key(key, 2);
	fill(key, sizeof(key), 2);
	other = crypto_from_key(key, 1);
	assert_non_null(dek = crypto_dek_new(1));
	assert_int_equal(crypto_dek_wrap(m1, 7, 99, share, dek, w), 0);
	assert_int_equal(crypto_seal(dek, "t", "c", 1,
	                             (const uint8_t *)"geheim", 6, ct, &ctlen),
	                 0);
	/* Round trip: the unwrapped key opens what the original sealed. */
	assert_non_null(back =
	                    crypto_dek_unwrap(m1, 7, 99, share, w, sizeof(w)));
	assert_int_equal(crypto_dek_version(back), 1);
	assert_int_equal(
	    crypto_open_field(back, "t", "c", 1, ct, ctlen, out, &outlen), 0);
	assert_memory_equal(out, "geheim", 6);
	crypto_dek_free(back);
	/* Same master bytes, other version; another master; another
	 * project, key id or share; a flipped bit: all refused. */
	assert_null(crypto_dek_unwrap(m1v2, 7, 99, share, w, sizeof(w)));
	assert_null(crypto_dek_unwrap(other, 7, 99, share, w, sizeof(w)));
	assert_null(crypto_dek_unwrap(m1, 8, 99, share, w, sizeof(w)));
	assert_null(crypto_dek_unwrap(m1, 7, 98, share, w, sizeof(w)));
	share[0] ^= 1;
	assert_null(crypto_dek_unwrap(m1, 7, 99, share, w, sizeof(w)));
	share[0] ^= 1;
	w[sizeof(w) - 1] ^= 1;
	assert_null(crypto_dek_unwrap(m1, 7, 99, share, w, sizeof(w)));
	w[sizeof(w) - 1] ^= 1;
	assert_null(crypto_dek_unwrap(m1, 7, 99, share, w, sizeof(w) - 1));
	crypto_dek_free(dek);
	crypto_close(m1);
	crypto_close(m1v2);
	crypto_close(other);
}

static void
test_system_wrap(void **state)
{
	uint8_t key[CRYPTO_KEYBYTES], w[CRYPTO_WRAPPED_SYS];
	uint8_t a[CRYPTO_HASHBYTES], b[CRYPTO_HASHBYTES];
	uint8_t pka[CRYPTO_PKBYTES], pkb[CRYPTO_PKBYTES];
	struct crypto *old, *new, *stale;

	(void)state;
	fill(key, sizeof(key), 1);
	old = crypto_from_key(key, 1);
	fill(key, sizeof(key), 3);
	new = crypto_from_key(key, 2);
	stale = crypto_from_key(key, 1); /* same bytes, version 1 */
	assert_int_equal(crypto_blind_index(old, "bsn", "1", 1, a), 0);
	assert_int_equal(crypto_blind_index(new, "bsn", "1", 1, b), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	/* Wrapped under new, unwrapped into new: new has old's keys. */
	assert_int_equal(crypto_wrap_system(new, old, w), 0);
	assert_int_equal(crypto_unwrap_system(stale, stale, w, sizeof(w)), -1);
	assert_int_equal(crypto_unwrap_system(new, new, w, sizeof(w)), 0);
	assert_int_equal(crypto_blind_index(new, "bsn", "1", 1, b), 0);
	assert_memory_equal(a, b, sizeof(a));
	assert_int_equal(crypto_audit_mac(old, "m", 1, a), 0);
	assert_int_equal(crypto_audit_mac(new, "m", 1, b), 0);
	assert_memory_equal(a, b, sizeof(a));
	crypto_sign_pk(old, pka);
	crypto_sign_pk(new, pkb);
	assert_memory_equal(pka, pkb, sizeof(pka));
	crypto_close(old);
	crypto_close(new);
	crypto_close(stale);
}

/* --- keys.c ------------------------------------------------------------- */

/* The store only: each test opens the keys itself. */
static int
setup(void **state)
{
	struct tfix *f = calloc(1, sizeof(*f));

	if (f == NULL || tfix_init(f, "keys") == -1 ||
	    tfix_open(f, TFIX_STORE) == -1)
		return -1;
	*state = f;
	return 0;
}

static void
must_exec(struct tfix *f, const char *sql)
{
	assert_int_equal(sqlite3_exec(f->ctx.store->db, sql, NULL, NULL, NULL),
	                 SQLITE_OK);
}

static void
open_keys(struct tfix *f)
{
	char err[512];

	if (keys_open(&f->ctx, 1, err, sizeof(err)) == -1)
		fail_msg("keys_open: %s", err);
}

static void
reopen(struct tfix *f)
{
	keys_close(&f->ctx);
	open_keys(f);
}

/* A project row: every NOT NULL column of migration 2. */
static void
add_project(struct tfix *f, int64_t id)
{
	char sql[512];

	snprintf(sql, sizeof(sql),
	         "INSERT INTO projects (id, name, gemeente, problem, themes, "
	         "legal_basis, purpose, created, created_by) VALUES (%lld, "
	         "'p', 'g', 'x', '[]', 'b', 'd', 1, 0)",
	         (long long)id);
	must_exec(f, sql);
}

/* Seal "note P" for journal row id of project p (in a transaction). */
static void
seal_note(struct tfix *f, int64_t p, int64_t id, const char *note)
{
	static const char sql[] = "INSERT INTO journal (id, project_id, "
	                          "entry_date, kind, note, author, created) "
	                          "VALUES (?, ?, '2026-01-01', 'k', ?, 0, 1)";
	uint8_t ct[128];
	const struct crypto_dek *k;
	sqlite3_stmt *st;
	size_t n;

	assert_int_equal(store_begin(f->ctx.store), 0);
	assert_non_null(k = keys_dek(&f->ctx, p, 1));
	assert_int_equal(crypto_seal(k, "journal", "note", id,
	                             (const uint8_t *)note, strlen(note), ct,
	                             &n),
	                 0);
	assert_non_null(st = store_prepare(f->ctx.store, sql));
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, p);
	sqlite3_bind_blob(st, 3, ct, (int)n, SQLITE_TRANSIENT);
	assert_int_equal(store_step_done(st), 0);
	assert_int_equal(store_commit(f->ctx.store), 0);
}

/* 0 when journal row id opens to note, -1 otherwise. */
static int
read_note(struct tfix *f, int64_t id, const char *note)
{
	static const char sql[] = "SELECT project_id, note FROM journal "
	                          "WHERE id = ?";
	uint8_t out[128];
	const struct crypto_dek *k;
	sqlite3_stmt *st;
	size_t n = 0;
	int rc = -1;

	assert_non_null(st = store_prepare(f->ctx.store, sql));
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (k = keys_dek(&f->ctx, sqlite3_column_int64(st, 0), 0)) != NULL &&
	    crypto_open_field(
	        k, "journal", "note", id, sqlite3_column_blob(st, 1),
	        (size_t)sqlite3_column_bytes(st, 1), out, &n) == 0 &&
	    n == strlen(note) && memcmp(out, note, n) == 0)
		rc = 0;
	sqlite3_reset(st);
	return rc;
}

static int
file_exists(struct tfix *f, const char *suffix)
{
	char path[PATH_MAX];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s%s", f->cfg.key_path, suffix) >=
	    (int)sizeof(path))
		return 0;
	return stat(path, &st) == 0;
}

static void
audit_one(struct tfix *f)
{
	struct audit_entry e;

	memset(&e, 0, sizeof(e));
	e.ts_start = e.ts_end = 1;
	snprintf(e.trace_id, sizeof(e.trace_id), "%032d", 1);
	snprintf(e.span_id, sizeof(e.span_id), "%016d", 1);
	e.actor_name = e.role = e.org = e.activity = e.object = e.subject =
	    e.subject_type = e.fields = e.error = "";
	e.method = "test";
	e.result = "allowed";
	assert_int_equal(store_begin(f->ctx.store), 0);
	assert_true(audit_append(f->ctx.store, f->ctx.crypto, &e, 1) > 0);
	assert_int_equal(store_commit(f->ctx.store), 0);
}

static void
assert_audit_intact(struct tfix *f)
{
	struct audit_verify_result r;

	assert_int_equal(
	    audit_verify(f->ctx.store, f->ctx.crypto, &r, NULL, NULL), 0);
}

static void
test_dek_lifecycle(void **state)
{
	struct tfix *f = *state;
	char copy[160], err[256];
	struct store *live;

	open_keys(f);
	assert_int_equal(crypto_key_version(f->ctx.crypto), 1);
	assert_int_equal(tfix_scalar(f, "SELECT count(*) FROM system_keys"), 1);
	assert_true(file_exists(f, ""));
	add_project(f, 1);
	add_project(f, 2);
	/* No key until something is sealed; reading does not make one. */
	assert_null(keys_dek(&f->ctx, 1, 0));
	assert_int_equal(keys_has_dek(&f->ctx, 1), 0);
	seal_note(f, 1, 10, "note one");
	seal_note(f, 2, 20, "note two");
	assert_true(file_exists(f, ".store"));
	assert_int_equal(read_note(f, 10, "note one"), 0);
	/* A different project's key does not open it. */
	must_exec(f, "UPDATE journal SET project_id = 2 WHERE id = 10");
	assert_int_equal(read_note(f, 10, "note one"), -1);
	must_exec(f, "UPDATE journal SET project_id = 1 WHERE id = 10");
	/* After a restart the keys unwrap from the database + key store. */
	reopen(f);
	assert_int_equal(read_note(f, 10, "note one"), 0);
	assert_int_equal(read_note(f, 20, "note two"), 0);
	/* A copy of the database, as a backup would be. */
	snprintf(copy, sizeof(copy), "%s/copy.db", f->dir);
	{
		char sql[256];

		snprintf(sql, sizeof(sql), "VACUUM INTO '%s'", copy);
		must_exec(f, sql);
	}
	/* Shred project 1 (in a transaction, as retention does). */
	assert_int_equal(store_begin(f->ctx.store), 0);
	assert_int_equal(keys_shred(&f->ctx, 1), 0);
	assert_int_equal(store_commit(f->ctx.store), 0);
	assert_int_equal(read_note(f, 10, "note one"), -1);
	assert_int_equal(read_note(f, 20, "note two"), 0);
	assert_int_equal(keys_has_dek(&f->ctx, 1), 0);
	/* A shredded project never gets a new key. */
	assert_int_equal(store_begin(f->ctx.store), 0);
	assert_null(keys_dek(&f->ctx, 1, 1));
	store_rollback(f->ctx.store);
	/* The copy still holds the wrapped key, but the share is gone from
	 * the key store: the copy's ciphertexts stay unreadable. */
	keys_close(&f->ctx);
	live = f->ctx.store;
	assert_non_null(f->ctx.store = store_open(copy, err, sizeof(err)));
	open_keys(f);
	assert_int_equal(tfix_scalar(f,
	                             "SELECT count(*) FROM project_keys WHERE "
	                             "project_id = 1 AND state = 'active'"),
	                 1);
	assert_int_equal(read_note(f, 10, "note one"), -1);
	assert_int_equal(read_note(f, 20, "note two"), 0);
	keys_close(&f->ctx);
	store_close(f->ctx.store);
	f->ctx.store = live;
	open_keys(f);
	assert_int_equal(read_note(f, 20, "note two"), 0);
}

static void
rotate_all(struct tfix *f)
{
	struct keys_status st;
	char err[256];
	int r, steps = 0;

	assert_int_equal(store_begin(f->ctx.store), 0);
	assert_int_equal(keys_rotate_begin(&f->ctx, &st, err, sizeof(err)), 0);
	assert_int_equal(store_commit(f->ctx.store), 0);
	assert_true(file_exists(f, ".next"));
	while ((r = keys_rotate_step(&f->ctx, 1)) == 1)
		steps++;
	assert_int_equal(r, 0);
	assert_true(steps >= 1);
}

static void
test_rotation(void **state)
{
	struct tfix *f = *state;
	uint8_t idx1[CRYPTO_HASHBYTES], idx2[CRYPTO_HASHBYTES];
	struct keys_status st;
	char err[256];
	uint8_t before[CRYPTO_KEYBYTES], after[CRYPTO_KEYBYTES];
	FILE *fp;

	open_keys(f);
	add_project(f, 1);
	add_project(f, 2);
	add_project(f, 3);
	seal_note(f, 1, 10, "een");
	seal_note(f, 2, 20, "twee");
	seal_note(f, 3, 30, "drie");
	audit_one(f);
	assert_int_equal(crypto_blind_index(f->ctx.crypto, "bsn", "9", 1, idx1),
	                 0);
	assert_non_null(fp = fopen(f->cfg.key_path, "rb"));
	assert_int_equal(fread(before, 1, sizeof(before), fp), sizeof(before));
	fclose(fp);
	rotate_all(f);
	assert_int_equal(keys_status(&f->ctx, &st), 0);
	assert_int_equal(st.current, 2);
	assert_int_equal(st.next, 0);
	assert_int_equal(crypto_key_version(f->ctx.crypto), 2);
	assert_false(file_exists(f, ".next"));
	assert_non_null(fp = fopen(f->cfg.key_path, "rb"));
	assert_int_equal(fread(after, 1, sizeof(after), fp), sizeof(after));
	fclose(fp);
	assert_memory_not_equal(before, after, sizeof(before));
	assert_int_equal(tfix_scalar(f,
	                             "SELECT count(*) FROM project_keys WHERE "
	                             "master_version <> 2"),
	                 0);
	assert_int_equal(tfix_scalar(f, "SELECT state = 'destroyed' FROM "
	                                "master_keys WHERE version = 1"),
	                 1);
	/* Fields, blind indexes and the audit chain all survive. */
	assert_int_equal(read_note(f, 10, "een"), 0);
	assert_int_equal(crypto_blind_index(f->ctx.crypto, "bsn", "9", 1, idx2),
	                 0);
	assert_memory_equal(idx1, idx2, sizeof(idx1));
	audit_one(f);
	assert_audit_intact(f);
	reopen(f);
	assert_int_equal(crypto_key_version(f->ctx.crypto), 2);
	assert_int_equal(read_note(f, 20, "twee"), 0);
	assert_audit_intact(f);
	/* A second rotation while one runs is refused. */
	assert_int_equal(store_begin(f->ctx.store), 0);
	assert_int_equal(keys_rotate_begin(&f->ctx, &st, err, sizeof(err)), 0);
	assert_int_equal(keys_rotate_begin(&f->ctx, &st, err, sizeof(err)), 1);
	assert_int_equal(store_commit(f->ctx.store), 0);
	assert_int_equal(st.next, 3);
	while (keys_rotate_step(&f->ctx, 100) == 1)
		;
	assert_int_equal(crypto_key_version(f->ctx.crypto), 3);
	assert_int_equal(read_note(f, 30, "drie"), 0);
}

/* A crash in the middle: some keys at the new version, some at the old. */
static void
test_rotation_interrupted(void **state)
{
	struct tfix *f = *state;
	struct keys_status st;
	char err[256];

	open_keys(f);
	add_project(f, 1);
	add_project(f, 2);
	add_project(f, 3);
	seal_note(f, 1, 10, "een");
	seal_note(f, 2, 20, "twee");
	seal_note(f, 3, 30, "drie");
	audit_one(f);
	assert_int_equal(store_begin(f->ctx.store), 0);
	assert_int_equal(keys_rotate_begin(&f->ctx, &st, err, sizeof(err)), 0);
	assert_int_equal(store_commit(f->ctx.store), 0);
	assert_int_equal(keys_rotate_step(&f->ctx, 1), 1);
	assert_int_equal(tfix_scalar(f,
	                             "SELECT count(*) FROM project_keys WHERE "
	                             "master_version = 2"),
	                 1);
	/* Mixed versions read fine while it runs. */
	assert_int_equal(read_note(f, 10, "een"), 0);
	assert_int_equal(read_note(f, 30, "drie"), 0);
	/* "Crash": stop without finishing, start again. */
	reopen(f);
	assert_int_equal(crypto_key_version(f->ctx.crypto), 2);
	assert_false(file_exists(f, ".next"));
	assert_int_equal(read_note(f, 10, "een"), 0);
	assert_int_equal(read_note(f, 20, "twee"), 0);
	assert_int_equal(read_note(f, 30, "drie"), 0);
	assert_audit_intact(f);
}

static void
copy_file(const char *from, const char *to)
{
	uint8_t buf[CRYPTO_KEYBYTES];
	FILE *fp;

	assert_non_null(fp = fopen(from, "rb"));
	assert_int_equal(fread(buf, 1, sizeof(buf), fp), sizeof(buf));
	fclose(fp);
	unlink(to);
	assert_non_null(fp = fopen(to, "wb"));
	assert_int_equal(fwrite(buf, 1, sizeof(buf), fp), sizeof(buf));
	fclose(fp);
	assert_int_equal(chmod(to, 0600), 0);
}

/*
 * A crash after the database switched to the new version but before the
 * new key file was renamed over the old one: the files are put back in
 * that state, and start-up does the rename.
 */
static void
test_rotation_switch_crash(void **state)
{
	struct tfix *f = *state;
	char old[PATH_MAX + 8], next[PATH_MAX + 8];

	open_keys(f);
	add_project(f, 1);
	seal_note(f, 1, 10, "een");
	snprintf(old, sizeof(old), "%s.old", f->cfg.key_path);
	snprintf(next, sizeof(next), "%s.next", f->cfg.key_path);
	copy_file(f->cfg.key_path, old);
	rotate_all(f);
	keys_close(&f->ctx);
	/* key_file holds the old key again, key_file.next the new one. */
	copy_file(f->cfg.key_path, next);
	copy_file(old, f->cfg.key_path);
	unlink(old);
	open_keys(f);
	assert_int_equal(crypto_key_version(f->ctx.crypto), 2);
	assert_false(file_exists(f, ".next"));
	assert_int_equal(read_note(f, 10, "een"), 0);
	reopen(f);
	assert_int_equal(read_note(f, 10, "een"), 0);
}

/*
 * A rotation of project 1's note whose key files cannot be switched at
 * its end: a non-empty directory (blocker is its content) where the key
 * file was, so the rename fails.
 */
static void
rotate_blocked(struct tfix *f, char blocker[PATH_MAX + 8])
{
	struct keys_status st;
	char err[256];

	open_keys(f);
	add_project(f, 1);
	seal_note(f, 1, 10, "een");
	assert_int_equal(store_begin(f->ctx.store), 0);
	assert_int_equal(keys_rotate_begin(&f->ctx, &st, err, sizeof(err)), 0);
	assert_int_equal(store_commit(f->ctx.store), 0);
	assert_int_equal(unlink(f->cfg.key_path), 0);
	assert_int_equal(mkdir(f->cfg.key_path, 0700), 0);
	snprintf(blocker, PATH_MAX + 8, "%s/x", f->cfg.key_path);
	assert_int_equal(mkdir(blocker, 0700), 0);
	while (keys_rotate_step(&f->ctx, 100) == 1)
		;
}

/*
 * The key files cannot be switched at the end of a rotation (the key file
 * is in the way): the next key file is then the current key's only file.
 * A new rotation is refused, and must not delete it, until the switch
 * works; then it goes ahead, and everything still opens after a restart.
 */
static void
test_rotation_switch_fails(void **state)
{
	struct tfix *f = *state;
	char blocker[PATH_MAX + 8], err[256];
	struct keys_status st;

	rotate_blocked(f, blocker);
	assert_int_equal(crypto_key_version(f->ctx.crypto), 2);
	assert_true(file_exists(f, ".next"));
	/* Its old file was not replaced: version 1 is not destroyed. */
	assert_int_equal(tfix_scalar(f, "SELECT count(*) FROM master_keys "
	                                "WHERE version = 1 AND state = "
	                                "'retired'"),
	                 1);
	/* Refused, and the only file of key 2 is left alone. */
	assert_int_equal(store_begin(f->ctx.store), 0);
	assert_int_equal(keys_rotate_begin(&f->ctx, &st, err, sizeof(err)), 2);
	assert_int_equal(store_commit(f->ctx.store), 0);
	assert_true(file_exists(f, ".next"));
	/* Out of the way: the next rotation switches the files first. */
	assert_int_equal(rmdir(blocker), 0);
	assert_int_equal(rmdir(f->cfg.key_path), 0);
	rotate_all(f);
	assert_int_equal(crypto_key_version(f->ctx.crypto), 3);
	assert_false(file_exists(f, ".next"));
	assert_int_equal(tfix_scalar(f, "SELECT count(*) FROM master_keys "
	                                "WHERE state = 'destroyed'"),
	                 2);
	reopen(f);
	assert_int_equal(crypto_key_version(f->ctx.crypto), 3);
	assert_int_equal(read_note(f, 10, "een"), 0);
}

/*
 * The same failed switch, mended by hand (or a rename that went through
 * whose directory sync failed): the key file already holds the key in
 * use and there is no next file.  The retry must see that, not overwrite
 * the only copy of the key.
 */
static void
test_rotation_switch_mended(void **state)
{
	struct tfix *f = *state;
	char blocker[PATH_MAX + 8], next[PATH_MAX + 8];

	rotate_blocked(f, blocker);
	assert_int_equal(rmdir(blocker), 0);
	assert_int_equal(rmdir(f->cfg.key_path), 0);
	snprintf(next, sizeof(next), "%s.next", f->cfg.key_path);
	assert_int_equal(rename(next, f->cfg.key_path), 0);
	rotate_all(f);
	assert_int_equal(crypto_key_version(f->ctx.crypto), 3);
	reopen(f);
	assert_int_equal(crypto_key_version(f->ctx.crypto), 3);
	assert_int_equal(read_note(f, 10, "een"), 0);
}

/*
 * A destruction whose key store cannot be written is rolled back whole:
 * the project's share stays, also through the next write of the store.
 */
static void
test_shred_save_fails(void **state)
{
	struct tfix *f = *state;
	char tmp[PATH_MAX + 16];

	open_keys(f);
	add_project(f, 1);
	add_project(f, 2);
	seal_note(f, 1, 10, "een");
	/* The store's temporary file cannot be made. */
	snprintf(tmp, sizeof(tmp), "%s.store.tmp", f->cfg.key_path);
	assert_int_equal(mkdir(tmp, 0700), 0);
	assert_int_equal(store_begin(f->ctx.store), 0);
	assert_int_equal(keys_shred(&f->ctx, 1), -1);
	store_rollback(f->ctx.store);
	assert_int_equal(rmdir(tmp), 0);
	/* Project 2's first key writes the store again. */
	seal_note(f, 2, 20, "twee");
	assert_int_equal(read_note(f, 10, "een"), 0);
	reopen(f);
	assert_int_equal(read_note(f, 10, "een"), 0);
	assert_int_equal(read_note(f, 20, "twee"), 0);
}

/* A next key the database never named is removed at start-up. */
static void
test_orphan_next(void **state)
{
	struct tfix *f = *state;
	char path[PATH_MAX + 8], err[256];

	open_keys(f);
	add_project(f, 1);
	seal_note(f, 1, 10, "een");
	keys_close(&f->ctx);
	snprintf(path, sizeof(path), "%s.next", f->cfg.key_path);
	assert_int_equal(crypto_create_key_file(path, err, sizeof(err)), 0);
	open_keys(f);
	assert_false(file_exists(f, ".next"));
	assert_int_equal(crypto_key_version(f->ctx.crypto), 1);
	assert_int_equal(read_note(f, 10, "een"), 0);
	/* And a key file of another database is refused. */
	keys_close(&f->ctx);
	unlink(f->cfg.key_path);
	assert_int_equal(
	    crypto_create_key_file(f->cfg.key_path, err, sizeof(err)), 0);
	assert_int_equal(keys_open(&f->ctx, 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not the master key"));
}

/* Fields sealed before DEKs (format 1) move to their project's DEK. */
static void
test_legacy_migration(void **state)
{
	static const char sql[] = "INSERT INTO journal (id, project_id, "
	                          "entry_date, kind, note, author, created) "
	                          "VALUES (?, 1, '2026-01-01', 'k', ?, 0, 1)";
	struct tfix *f = *state;
	uint8_t key[CRYPTO_KEYBYTES], ct[128];
	struct crypto *old;
	sqlite3_stmt *st;
	size_t n;
	FILE *fp;

	/* A database and key as the previous version left them. */
	fill(key, sizeof(key), 7);
	assert_non_null(fp = fopen(f->cfg.key_path, "wb"));
	assert_int_equal(fwrite(key, 1, sizeof(key), fp), sizeof(key));
	fclose(fp);
	chmod(f->cfg.key_path, 0600);
	old = crypto_from_key(key, 1);
	add_project(f, 1);
	assert_int_equal(crypto_seal_legacy(old, "journal", "note", 10,
	                                    (const uint8_t *)"oud", 3, ct, &n),
	                 0);
	assert_int_equal(crypto_is_legacy(ct, n), 1);
	st = tfix_prepare(f, sql);
	sqlite3_bind_int64(st, 1, 10);
	sqlite3_bind_blob(st, 2, ct, (int)n, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	crypto_close(old);
	open_keys(f);
	assert_int_equal(tfix_scalar(f, "SELECT count(*) FROM journal WHERE "
	                                "substr(note, 1, 1) = x'01'"),
	                 0);
	assert_int_equal(read_note(f, 10, "oud"), 0);
	reopen(f);
	assert_int_equal(read_note(f, 10, "oud"), 0);
}

/*
 * A live data key without its share (a database restored from before a
 * destruction, with today's key store) cannot be re-wrapped: a rotation
 * is refused up front, naming the project, instead of stopping at that
 * key for good with the old master key never retired.
 */
static void
test_rotation_missing_share(void **state)
{
	struct tfix *f = *state;
	struct keys_status st;
	char copy[PATH_MAX], err[256], sql[PATH_MAX + 32];

	open_keys(f);
	add_project(f, 1);
	add_project(f, 2);
	seal_note(f, 1, 10, "note one");
	seal_note(f, 2, 20, "note two");
	snprintf(copy, sizeof(copy), "%s/copy.db", f->dir);
	snprintf(sql, sizeof(sql), "VACUUM INTO '%s'", copy);
	must_exec(f, sql); /* the backup */
	assert_int_equal(store_begin(f->ctx.store), 0);
	assert_int_equal(keys_shred(&f->ctx, 1), 0); /* retention */
	assert_int_equal(store_commit(f->ctx.store), 0);
	/* Restore the backup, with the same key file and key store. */
	keys_close(&f->ctx);
	store_close(f->ctx.store);
	assert_non_null(f->ctx.store = store_open(copy, err, sizeof(err)));
	open_keys(f);
	assert_int_equal(read_note(f, 20, "note two"), 0);
	err[0] = '\0';
	assert_int_equal(store_begin(f->ctx.store), 0);
	assert_int_equal(keys_rotate_begin(&f->ctx, &st, err, sizeof(err)), 3);
	store_rollback(f->ctx.store);
	assert_non_null(strstr(err, "project 1"));
	/* Nothing began: no next key, and the data still reads. */
	assert_int_equal(keys_rotate_step(&f->ctx, 256), 0);
	assert_int_equal(crypto_key_version(f->ctx.crypto), 1);
	assert_int_equal(read_note(f, 20, "note two"), 0);
}

/*
 * A file planted as the key store's temporary name (by whoever may write
 * in its directory) is not written into: it would keep its owner and
 * mode, take every share and become the store.
 */
static void
test_store_tmp_planted(void **state)
{
	struct tfix *f = *state;
	char tmp[PATH_MAX + 16], store[PATH_MAX + 16];
	struct stat st;
	int fd;

	open_keys(f);
	add_project(f, 1);
	snprintf(tmp, sizeof(tmp), "%s.store.tmp", f->cfg.key_path);
	snprintf(store, sizeof(store), "%s.store", f->cfg.key_path);
	assert_true((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0666)) != -1);
	close(fd);
	assert_int_equal(chmod(tmp, 0666), 0);
	if (geteuid() == 0)
		assert_int_equal(chown(tmp, 65534, 65534), 0);
	seal_note(f, 1, 10, "note one"); /* the first key: writes the store */
	assert_int_equal(stat(store, &st), 0);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_true(st.st_size > 8);
	assert_int_equal(read_note(f, 10, "note one"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dek_wrap),
	    cmocka_unit_test(test_system_wrap),
	    cmocka_unit_test_setup_teardown(test_dek_lifecycle, setup,
	                                    tfix_teardown),
	    cmocka_unit_test_setup_teardown(test_rotation, setup,
	                                    tfix_teardown),
	    cmocka_unit_test_setup_teardown(test_rotation_interrupted, setup,
	                                    tfix_teardown),
	    cmocka_unit_test_setup_teardown(test_rotation_switch_crash, setup,
	                                    tfix_teardown),
	    cmocka_unit_test_setup_teardown(test_rotation_switch_fails, setup,
	                                    tfix_teardown),
	    cmocka_unit_test_setup_teardown(test_rotation_switch_mended, setup,
	                                    tfix_teardown),
	    cmocka_unit_test_setup_teardown(test_shred_save_fails, setup,
	                                    tfix_teardown),
	    cmocka_unit_test_setup_teardown(test_orphan_next, setup,
	                                    tfix_teardown),
	    cmocka_unit_test_setup_teardown(test_legacy_migration, setup,
	                                    tfix_teardown),
	    cmocka_unit_test_setup_teardown(test_store_tmp_planted, setup,
	                                    tfix_teardown),
	    cmocka_unit_test_setup_teardown(test_rotation_missing_share, setup,
	                                    tfix_teardown),
	};

	if (crypto_init() == -1)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
