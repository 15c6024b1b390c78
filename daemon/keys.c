/*
 * keys.c - master key files, system keys, project data keys, the key store
 * and master key rotation (keys.h tells the design, crypto.h the
 * cryptography).
 *
 * Everything runs on the event loop thread.  Secrets are only in crypto.c
 * handles and in the key store array below, which is sodium_malloc'd.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium/utils.h>

#include "audit.h"
#include "keys.h"
#include "log.h"
#include "varlink.h"

#define STORE_MAGIC "IVTKS01\n"
#define STORE_HDR   8
#define STORE_REC   (8 + 8 + CRYPTO_SHAREBYTES)
#define STORE_MAX   (1 << 20) /* records: far above any real use */
#define DEK_VERSION 1

/* One project's share, as in the key store file. */
struct share {
	int64_t project;
	int64_t kid;
	uint8_t share[CRYPTO_SHAREBYTES];
};

/* An unwrapped DEK, valid while its key row has the same kid. */
struct dek_entry {
	int64_t project;
	int64_t kid;
	struct crypto_dek *dek;
};

struct keys {
	char key_path[PATH_MAX];
	char next_path[PATH_MAX];
	char store_path[PATH_MAX];
	struct crypto *next;  /* rotation target, NULL when none */
	struct share *shares; /* sodium_malloc'd */
	size_t nshares, capshares;
	struct dek_entry *cache;
	size_t ncache, capcache;
	struct event *tick; /* drives rotation steps */
	int pause_ms;       /* IVTD_TEST_ROTATION_PAUSE_MS, tests only */
	/*
	 * A rotation switched the database but not the key files: until they
	 * are, the next key file is the only file of the current key, and
	 * no new rotation may start (it would replace that file).
	 */
	int files_pending;
	/* The key store could not be read back after a failed write: the
	 * shares in memory are not all there, so none is written again. */
	int store_lost;
};

/* --- small file helpers ------------------------------------------------- */

static void
set_err(char *err, size_t errlen, const char *fmt, const char *a)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, fmt, a);
}

/* fsync the directory holding path, so a rename or create is durable. */
static int
fsync_dir_of(const char *path)
{
	char dir[PATH_MAX], *slash;
	int fd, rc;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	if (rc == -1 && errno == EINVAL)
		rc = 0;
	close(fd);
	return rc;
}

static int
write_all(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	ssize_t r;

	while (n > 0) {
		if ((r = write(fd, p, n)) == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static void
put64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--)
		*p++ = (uint8_t)(v >> (i * 8));
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* Test-only pause between rotation steps (ivtd(8), ENVIRONMENT). */
static void
test_pause(const struct keys *k)
{
	struct timespec ts;

	if (k->pause_ms <= 0)
		return;
	ts.tv_sec = k->pause_ms / 1000;
	ts.tv_nsec = (long)(k->pause_ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

/* --- key store ------------------------------------------------------------ */

static int
shares_reserve(struct keys *k, size_t need)
{
	struct share *ns;
	size_t cap;

	if (need <= k->capshares)
		return 0;
	if (need > STORE_MAX)
		return -1;
	cap = k->capshares ? k->capshares * 2 : 64;
	while (cap < need)
		cap *= 2;
	if ((ns = sodium_malloc(cap * sizeof(*ns))) == NULL)
		return -1;
	if (k->nshares > 0)
		memcpy(ns, k->shares, k->nshares * sizeof(*ns));
	if (k->shares != NULL) {
		sodium_memzero(k->shares, k->capshares * sizeof(*k->shares));
		sodium_free(k->shares);
	}
	k->shares = ns;
	k->capshares = cap;
	return 0;
}

static const struct share *
share_find(const struct keys *k, int64_t project, int64_t kid)
{
	size_t i;

	for (i = 0; i < k->nshares; i++) {
		if (k->shares[i].project == project && k->shares[i].kid == kid)
			return &k->shares[i];
	}
	return NULL;
}

/* Remove every share of project from memory; the number removed. */
static size_t
shares_drop(struct keys *k, int64_t project)
{
	size_t i = 0, n = 0;

	while (i < k->nshares) {
		if (k->shares[i].project != project) {
			i++;
			continue;
		}
		k->shares[i] = k->shares[--k->nshares];
		sodium_memzero(&k->shares[k->nshares], sizeof(struct share));
		n++;
	}
	return n;
}

/*
 * Write the key store: a temporary file, fsync, rename over the old one,
 * fsync the directory.  A crash leaves the old or the new store, whole.
 * 0; -1 when the old store is still in place; STORE_UNSYNCED when the new
 * one is in place but its directory could not be synced (a crash may
 * still bring back the old one).
 */
#define STORE_UNSYNCED (-2)
static int
store_save(struct keys *k)
{
	char tmp[PATH_MAX + 8];
	uint8_t rec[STORE_REC];
	size_t i;
	int fd, rc = 0;

	if (k->store_lost) {
		log_err("key store %s: not written until the daemon restarts",
		        k->store_path);
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", k->store_path);
	/* A new file of ours, never one found there: a file planted under
	 * this name would keep its owner and mode, and take the shares. */
	if (unlink(tmp) == -1 && errno != ENOENT) {
		log_err("key store %s: %s", tmp, strerror(errno));
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	          0600);
	if (fd == -1) {
		log_err("key store %s: %s", tmp, strerror(errno));
		return -1;
	}
	if (write_all(fd, STORE_MAGIC, STORE_HDR) == -1)
		rc = -1;
	for (i = 0; rc == 0 && i < k->nshares; i++) {
		put64(rec, (uint64_t)k->shares[i].project);
		put64(rec + 8, (uint64_t)k->shares[i].kid);
		memcpy(rec + 16, k->shares[i].share, CRYPTO_SHAREBYTES);
		rc = write_all(fd, rec, sizeof(rec));
	}
	sodium_memzero(rec, sizeof(rec));
	if (rc == 0 && fsync(fd) == -1)
		rc = -1;
	if (close(fd) == -1)
		rc = -1;
	if (rc == 0 && rename(tmp, k->store_path) == -1)
		rc = -1;
	if (rc == -1) {
		log_err("key store %s: cannot write: %s", k->store_path,
		        strerror(errno));
		unlink(tmp);
		return -1;
	}
	/* The new store is in place but perhaps not durable yet. */
	if (fsync_dir_of(k->store_path) == -1) {
		log_err("key store %s: cannot sync its directory: %s",
		        k->store_path, strerror(errno));
		return STORE_UNSYNCED;
	}
	return 0;
}

/* Read the key store; a missing file is an empty store. */
static int
store_load(struct keys *k, char *err, size_t errlen)
{
	uint8_t rec[STORE_REC], hdr[STORE_HDR];
	struct stat st;
	size_t n, i;
	int fd;

	/* O_NONBLOCK: a FIFO put there must not hold up the start. */
	if ((fd = open(k->store_path,
	               O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		set_err(err, errlen, "cannot open key store %s", k->store_path);
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 077) != 0 || st.st_uid != geteuid() ||
	    st.st_size < STORE_HDR ||
	    (st.st_size - STORE_HDR) % STORE_REC != 0 ||
	    (n = (size_t)(st.st_size - STORE_HDR) / STORE_REC) > STORE_MAX ||
	    read(fd, hdr, STORE_HDR) != STORE_HDR ||
	    memcmp(hdr, STORE_MAGIC, STORE_HDR) != 0 ||
	    shares_reserve(k, n) == -1) {
		close(fd);
		set_err(err, errlen,
		        "key store %s is not a private, well-formed key store "
		        "(mode 0600, ours)",
		        k->store_path);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (read(fd, rec, sizeof(rec)) != (ssize_t)sizeof(rec)) {
			close(fd);
			sodium_memzero(rec, sizeof(rec));
			set_err(err, errlen, "cannot read key store %s",
			        k->store_path);
			return -1;
		}
		k->shares[i].project = (int64_t)get64(rec);
		k->shares[i].kid = (int64_t)get64(rec + 8);
		memcpy(k->shares[i].share, rec + 16, CRYPTO_SHAREBYTES);
	}
	k->nshares = n;
	sodium_memzero(rec, sizeof(rec));
	close(fd);
	return 0;
}

/* --- DEK cache ------------------------------------------------------------ */

static struct dek_entry *
cache_find(struct keys *k, int64_t project)
{
	size_t i;

	for (i = 0; i < k->ncache; i++) {
		if (k->cache[i].project == project)
			return &k->cache[i];
	}
	return NULL;
}

static void
cache_drop(struct keys *k, int64_t project)
{
	struct dek_entry *e = cache_find(k, project);

	if (e == NULL)
		return;
	crypto_dek_free(e->dek);
	*e = k->cache[--k->ncache];
}

static void
cache_clear(struct keys *k)
{
	while (k->ncache > 0)
		crypto_dek_free(k->cache[--k->ncache].dek);
}

/* Take ownership of dek; NULL (dek freed) when out of memory. */
static const struct crypto_dek *
cache_add(struct keys *k, int64_t project, int64_t kid, struct crypto_dek *dek)
{
	struct dek_entry *nc;
	size_t cap;

	cache_drop(k, project);
	if (k->ncache == k->capcache) {
		cap = k->capcache ? k->capcache * 2 : 16;
		if ((nc = realloc(k->cache, cap * sizeof(*nc))) == NULL) {
			crypto_dek_free(dek);
			return NULL;
		}
		k->cache = nc;
		k->capcache = cap;
	}
	k->cache[k->ncache].project = project;
	k->cache[k->ncache].kid = kid;
	k->cache[k->ncache].dek = dek;
	return k->cache[k->ncache++].dek;
}

/* --- master versions ------------------------------------------------------ */

/* The handle for a master version: current or next; NULL otherwise. */
static const struct crypto *
master_for(const struct daemon_ctx *ctx, int64_t version)
{
	if (version == crypto_key_version(ctx->crypto))
		return ctx->crypto;
	if (ctx->keys->next != NULL &&
	    version == crypto_key_version(ctx->keys->next))
		return ctx->keys->next;
	return NULL;
}

struct master_row {
	int64_t version;
	uint8_t check[CRYPTO_HASHBYTES];
	int found;
};

static int
read_master(struct store *s, const char *state, struct master_row *r)
{
	static const char sql[] = "SELECT version, check_value FROM "
	                          "master_keys WHERE state = ?";
	sqlite3_stmt *st;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((st = store_prepare(s, sql)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    sqlite3_column_bytes(st, 1) == CRYPTO_HASHBYTES) {
		r->version = sqlite3_column_int64(st, 0);
		memcpy(r->check, sqlite3_column_blob(st, 1), CRYPTO_HASHBYTES);
		r->found = 1;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static int
matches(const struct crypto *c, const struct master_row *r)
{
	uint8_t check[CRYPTO_HASHBYTES];

	return c != NULL && r->found && crypto_master_check(c, check) == 0 &&
	       sodium_memcmp(check, r->check, sizeof(check)) == 0;
}

/* count(*) of sql with ?1 bound to arg (a query without ?1 ignores it). */
static int64_t
count_sql(struct store *s, const char *sql, int64_t arg)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	if ((st = store_prepare(s, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, arg);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

/* Run sql with ?1 = a, ?2 = b (binding a parameter it lacks is a no-op). */
static int
exec1(struct store *s, const char *sql, int64_t a, int64_t b)
{
	sqlite3_stmt *st;

	if ((st = store_prepare(s, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	return store_step_done(st);
}

static int
insert_master(struct store *s, const struct crypto *c, const char *state)
{
	static const char sql[] =
	    "INSERT INTO master_keys (version, check_value, state, created, "
	    "changed) VALUES (?, ?, ?, ?, ?4)";
	uint8_t check[CRYPTO_HASHBYTES];
	sqlite3_stmt *st;

	if (crypto_master_check(c, check) == -1 ||
	    (st = store_prepare(s, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, crypto_key_version(c));
	sqlite3_bind_blob(st, 2, check, sizeof(check), SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, store_now_us());
	return store_step_done(st);
}

/* An audit entry written by the daemon itself (no caller). */
static int
audit_system(struct daemon_ctx *ctx, const char *method, const char *object)
{
	struct audit_entry e;

	audit_system_entry(&e, method, object);
	return audit_append(ctx->store, ctx->crypto, &e,
	                    ctx->cfg->checkpoint_every) < 0
	           ? -1
	           : 0;
}

/* --- system keys ---------------------------------------------------------- */

/*
 * Load the system keys into the current (and next) handle, or, on the first
 * start with migration 6, store the ones the master key derived so far.
 */
static int
load_system(struct daemon_ctx *ctx, char *err, size_t errlen)
{
	static const char get[] =
	    "SELECT master_version, wrapped FROM system_keys WHERE id = 1";
	static const char put[] = "INSERT INTO system_keys (id, "
	                          "master_version, wrapped) VALUES (1, ?, ?)";
	uint8_t w[CRYPTO_WRAPPED_SYS];
	const struct crypto *m = NULL;
	struct store *s = ctx->store;
	sqlite3_stmt *st;
	int rc = -1, have;

	if ((st = store_prepare(s, get)) == NULL)
		return -1;
	if ((have = sqlite3_step(st) == SQLITE_ROW)) {
		m = master_for(ctx, sqlite3_column_int64(st, 0));
		if (m != NULL &&
		    crypto_unwrap_system(
		        ctx->crypto, m, sqlite3_column_blob(st, 1),
		        (size_t)sqlite3_column_bytes(st, 1)) == 0 &&
		    (ctx->keys->next == NULL ||
		     crypto_unwrap_system(
		         ctx->keys->next, m, sqlite3_column_blob(st, 1),
		         (size_t)sqlite3_column_bytes(st, 1)) == 0))
			rc = 0;
	}
	sqlite3_reset(st);
	if (have) {
		if (rc == -1)
			set_err(err, errlen, "%s",
			        "the system keys do not open with the master "
			        "key: wrong key file or damaged database");
		return rc;
	}
	/* First start: keep the derived keys, so indexes and chain stay. */
	if (store_begin(s) == -1)
		return -1;
	if (crypto_wrap_system(ctx->crypto, ctx->crypto, w) == -1 ||
	    (st = store_prepare(s, put)) == NULL) {
		store_rollback(s);
		return -1;
	}
	sqlite3_bind_int64(st, 1, crypto_key_version(ctx->crypto));
	sqlite3_bind_blob(st, 2, w, sizeof(w), SQLITE_TRANSIENT);
	if (store_step_done(st) == -1 || store_commit(s) == -1) {
		store_rollback(s);
		return -1;
	}
	return 0;
}

/* --- project data keys --------------------------------------------------- */

static int64_t
new_kid(void)
{
	uint64_t v = 0;

	while (v == 0) {
		crypto_random(&v, sizeof(v));
		v &= (uint64_t)INT64_MAX;
	}
	return (int64_t)v;
}

/* Make, store and cache a project's first DEK (caller's transaction). */
static const struct crypto_dek *
dek_create(struct daemon_ctx *ctx, int64_t project)
{
	static const char ins[] =
	    "INSERT INTO project_keys (project_id, kid, master_version, "
	    "wrapped, state, created) VALUES (?, ?, ?, ?, 'active', ?)";
	struct keys *k = ctx->keys;
	uint8_t w[CRYPTO_WRAPPED_DEK];
	struct crypto_dek *dek;
	struct share *sh;
	sqlite3_stmt *st;
	int64_t kid = new_kid();

	if (!ctx->store->in_txn || shares_reserve(k, k->nshares + 1) == -1 ||
	    (dek = crypto_dek_new(DEK_VERSION)) == NULL)
		return NULL;
	sh = &k->shares[k->nshares++];
	sh->project = project;
	sh->kid = kid;
	crypto_random(sh->share, sizeof(sh->share));
	/* The share is durable before any ciphertext can depend on it; a
	 * rolled-back key leaves an unused share, which is harmless. */
	if (crypto_dek_wrap(ctx->crypto, project, (uint64_t)kid, sh->share, dek,
	                    w) == -1 ||
	    store_save(k) != 0 ||
	    (st = store_prepare(ctx->store, ins)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, project);
	sqlite3_bind_int64(st, 2, kid);
	sqlite3_bind_int64(st, 3, crypto_key_version(ctx->crypto));
	sqlite3_bind_blob(st, 4, w, sizeof(w), SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, store_now_us());
	if (store_step_done(st) == -1)
		goto fail;
	return cache_add(k, project, kid, dek);
fail:
	crypto_dek_free(dek);
	log_err("project %lld: cannot create its data key", (long long)project);
	return NULL;
}

/* Unwrap the DEK of the current row of st (kid, master_version, wrapped). */
static struct crypto_dek *
dek_unwrap_row(struct daemon_ctx *ctx, int64_t project, sqlite3_stmt *st,
               int col)
{
	int64_t kid = sqlite3_column_int64(st, col);
	const struct crypto *m =
	    master_for(ctx, sqlite3_column_int64(st, col + 1));
	const struct share *sh = share_find(ctx->keys, project, kid);
	struct crypto_dek *dek;

	if (sh == NULL) {
		log_err("project %lld: its key share is not in the key store",
		        (long long)project);
		return NULL;
	}
	if (m == NULL) {
		log_err("project %lld: its key is wrapped by an unknown master "
		        "key version",
		        (long long)project);
		return NULL;
	}
	dek = crypto_dek_unwrap(m, project, (uint64_t)kid, sh->share,
	                        sqlite3_column_blob(st, col + 2),
	                        (size_t)sqlite3_column_bytes(st, col + 2));
	if (dek == NULL)
		log_err("project %lld: its data key does not unwrap",
		        (long long)project);
	return dek;
}

const struct crypto_dek *
keys_dek(struct daemon_ctx *ctx, int64_t project, int create)
{
	static const char sql[] =
	    "SELECT state = 'active', kid, master_version, wrapped FROM "
	    "project_keys WHERE project_id = ?";
	struct keys *k = ctx->keys;
	struct crypto_dek *dek = NULL;
	struct dek_entry *e;
	sqlite3_stmt *st;
	int64_t kid;
	int rc, active;

	if (k == NULL || project <= 0 ||
	    (st = store_prepare(ctx->store, sql)) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, project);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		/* No row: a rolled-back key may still be cached. */
		cache_drop(k, project);
		return rc == SQLITE_DONE && create ? dek_create(ctx, project)
		                                   : NULL;
	}
	active = sqlite3_column_int(st, 0);
	kid = sqlite3_column_int64(st, 1);
	/*
	 * The row decides, not the cache: a key created in a call that was
	 * rolled back is cached but has no row, and its project id may be
	 * reused.  One indexed lookup per field is cheap next to the AEAD.
	 */
	if (active && (e = cache_find(k, project)) != NULL && e->kid == kid) {
		sqlite3_reset(st);
		return e->dek;
	}
	if (active)
		dek = dek_unwrap_row(ctx, project, st, 1);
	sqlite3_reset(st);
	if (dek == NULL) {
		cache_drop(k, project);
		return NULL;
	}
	return cache_add(k, project, kid, dek);
}

int
keys_has_dek(struct daemon_ctx *ctx, int64_t project)
{
	return (int)count_sql(ctx->store,
	                      "SELECT count(*) FROM project_keys WHERE "
	                      "project_id = ? AND state = 'active'",
	                      project);
}

int
keys_shred(struct daemon_ctx *ctx, int64_t project)
{
	static const char upd[] =
	    "INSERT INTO project_keys (project_id, kid, master_version, "
	    "wrapped, state, created, shredded_at) VALUES (?1, 0, 0, NULL, "
	    "'shredded', ?2, ?2) ON CONFLICT (project_id) DO UPDATE SET "
	    "state = 'shredded', wrapped = NULL, shredded_at = ?2";
	struct keys *k = ctx->keys;

	if (k == NULL || !ctx->store->in_txn ||
	    exec1(ctx->store, upd, project, store_now_us()) == -1)
		return -1;
	store_flush_wal_after(ctx->store);
	cache_drop(k, project);
	/*
	 * The new store is in place unless store_save says -1.  Unsynced is
	 * success here: the destruction commits, and should a crash bring
	 * the old store back, the start removes the share again
	 * (sync_shredded).  Reading the store back after that would lose
	 * the share while the rolled-back database still needs it.
	 */
	if (shares_drop(k, project) > 0 && store_save(k) == -1) {
		/*
		 * The caller rolls the destruction back, so the share must
		 * come back too: the next write of the store (a new project's
		 * key) would otherwise drop it from the file for good.  The
		 * file still holds it (store_save renames only a whole copy).
		 */
		sodium_memzero(k->shares, k->nshares * sizeof(*k->shares));
		k->nshares = 0;
		if (store_load(k, NULL, 0) == -1) {
			k->store_lost = 1;
			log_err("key store %s: cannot read it back after a "
			        "failed write; until the daemon restarts, no "
			        "project key can be made and projects whose "
			        "key is not cached cannot be read",
			        k->store_path);
		}
		return -1;
	}
	return 0;
}

/*
 * Shares of keys the database says were destroyed: a crash between the
 * destruction's commit and the key store write, or a failed write, left
 * them.  Remove them now.
 */
static int
sync_shredded(struct daemon_ctx *ctx)
{
	static const char sql[] = "SELECT project_id FROM project_keys "
	                          "WHERE state = 'shredded'";
	sqlite3_stmt *st;
	size_t n = 0;

	if ((st = store_prepare(ctx->store, sql)) == NULL)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW)
		n += shares_drop(ctx->keys, sqlite3_column_int64(st, 0));
	sqlite3_reset(st);
	if (n == 0)
		return 0;
	log_info("key store: removed %zu shares of destroyed project keys", n);
	return store_save(ctx->keys) == -1 ? -1 : 0;
}

/* --- migration of fields sealed before DEKs ------------------------------ */

/*
 * Every sealed column with the SQL that finds its project.  Format-1
 * fields (first byte 1) are opened with the old field key and sealed again
 * with the project's DEK, row by row in id order.
 */
#define LEGACY(tbl, col, proj)                                                 \
	{                                                                      \
		tbl, col,                                                      \
		    "SELECT t.id, " proj ", t." col " FROM " tbl               \
		    " t WHERE t.id > ? "                                       \
		    "AND substr(t." col                                        \
		    ", 1, 1) = x'01' ORDER BY t.id LIMIT 1",                   \
		    "UPDATE " tbl " SET " col " = ? WHERE id = ?"              \
	}
#define SUBJ_PROJ "t.project_id"
#define PERS_PROJ                                                              \
	"(SELECT s.project_id FROM subjects s WHERE s.id = "                   \
	"t.subject_id)"
#define FIND_PROJ PERS_PROJ
#define HIST_PROJ                                                              \
	"(SELECT s.project_id FROM findings f JOIN subjects s "                \
	"ON s.id = f.subject_id WHERE f.id = t.finding_id)"

static const struct legacy_col {
	const char *table, *column, *select, *update;
} legacy_cols[] = {
    LEGACY("subjects", "street", SUBJ_PROJ),
    LEGACY("subjects", "huisnummer", SUBJ_PROJ),
    LEGACY("subjects", "toevoeging", SUBJ_PROJ),
    LEGACY("subjects", "postcode", SUBJ_PROJ),
    LEGACY("subjects", "woonplaats", SUBJ_PROJ),
    LEGACY("subjects", "resolution", SUBJ_PROJ),
    LEGACY("persons", "bsn", PERS_PROJ),
    LEGACY("persons", "name", PERS_PROJ),
    LEGACY("persons", "birthdate", PERS_PROJ),
    LEGACY("journal", "note", SUBJ_PROJ),
    LEGACY("findings", "notes", FIND_PROJ),
    LEGACY("finding_history", "notes", HIST_PROJ),
};

/* Re-seal one format-1 field; 1 done, 0 left (does not open), -1 error. */
static int
reseal(struct daemon_ctx *ctx, const struct legacy_col *lc, int64_t id,
       int64_t project, const uint8_t *ct, size_t n)
{
	const struct crypto_dek *dek;
	uint8_t *pt, *out;
	size_t ptlen, outlen;
	sqlite3_stmt *st;
	int rc = -1;

	if ((pt = sodium_malloc(n)) == NULL)
		return -1;
	if ((out = malloc(n)) == NULL) {
		sodium_free(pt);
		return -1;
	}
	if (crypto_open_legacy(ctx->crypto, lc->table, lc->column, id, ct, n,
	                       pt, &ptlen) == -1) {
		rc = 0;
	} else if ((dek = keys_dek(ctx, project, 1)) != NULL &&
	           crypto_seal(dek, lc->table, lc->column, id, pt, ptlen, out,
	                       &outlen) == 0 &&
	           sqlite3_prepare_v2(ctx->store->db, lc->update, -1, &st,
	                              NULL) == SQLITE_OK) {
		sqlite3_bind_blob(st, 1, out, (int)outlen, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, id);
		rc = sqlite3_step(st) == SQLITE_DONE ? 1 : -1;
		sqlite3_finalize(st);
	}
	sodium_free(pt);
	free(out);
	return rc;
}

static int
migrate_column(struct daemon_ctx *ctx, const struct legacy_col *lc,
               int64_t *moved, int64_t *bad)
{
	sqlite3_stmt *st;
	int64_t last = 0, id, project;
	uint8_t *ct;
	size_t n;
	int rc;

	if (sqlite3_prepare_v2(ctx->store->db, lc->select, -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	for (;;) {
		sqlite3_bind_int64(st, 1, last);
		if ((rc = sqlite3_step(st)) != SQLITE_ROW)
			break;
		id = sqlite3_column_int64(st, 0);
		project = sqlite3_column_int64(st, 1);
		n = (size_t)sqlite3_column_bytes(st, 2);
		ct = malloc(n ? n : 1);
		if (ct != NULL)
			memcpy(ct, sqlite3_column_blob(st, 2), n);
		sqlite3_reset(st);
		last = id;
		if (ct == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		rc = reseal(ctx, lc, id, project, ct, n);
		free(ct);
		if (rc == -1)
			break;
		*(rc == 1 ? moved : bad) += 1;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* One transaction for all of it: either every field moved, or none. */
static int
migrate_legacy(struct daemon_ctx *ctx)
{
	int64_t moved = 0, bad = 0;
	size_t i;

	if (store_begin(ctx->store) == -1)
		return -1;
	for (i = 0; i < sizeof(legacy_cols) / sizeof(legacy_cols[0]); i++) {
		if (migrate_column(ctx, &legacy_cols[i], &moved, &bad) == -1) {
			store_rollback(ctx->store);
			cache_clear(ctx->keys);
			log_err("cannot move sealed fields to project keys");
			return -1;
		}
	}
	if (store_commit(ctx->store) == -1) {
		cache_clear(ctx->keys);
		return -1;
	}
	if (moved > 0 || bad > 0)
		log_info("sealed %lld fields again with project data keys; "
		         "%lld did not open and were left as they are",
		         (long long)moved, (long long)bad);
	return 0;
}

/* --- rotation ------------------------------------------------------------ */

static int64_t
rotation_left(struct store *s, int64_t next)
{
	int64_t a, b;

	a = count_sql(s,
	              "SELECT count(*) FROM project_keys WHERE state = "
	              "'active' AND master_version <> ?",
	              next);
	b = count_sql(s,
	              "SELECT count(*) FROM system_keys WHERE master_version "
	              "<> ?",
	              next);
	return a < 0 || b < 0 ? -1 : a + b;
}

int
keys_status(struct daemon_ctx *ctx, struct keys_status *st)
{
	struct master_row nx;
	int64_t left;

	memset(st, 0, sizeof(*st));
	st->current = crypto_key_version(ctx->crypto);
	if (read_master(ctx->store, "next", &nx) == -1)
		return -1;
	st->active = count_sql(ctx->store,
	                       "SELECT count(*) FROM project_keys WHERE state "
	                       "= 'active'",
	                       0);
	st->shredded = count_sql(ctx->store,
	                         "SELECT count(*) FROM project_keys WHERE "
	                         "state = 'shredded'",
	                         0);
	st->total = st->active + 1;
	if (!nx.found) {
		st->done = st->total;
		return st->active < 0 || st->shredded < 0 ? -1 : 0;
	}
	st->next = (uint32_t)nx.version;
	if ((left = rotation_left(ctx->store, nx.version)) < 0)
		return -1;
	st->done = st->total - left;
	return 0;
}

/* Re-wrap one project's DEK under the next master key. */
static int
rewrap_project(struct daemon_ctx *ctx, sqlite3_stmt *st)
{
	static const char upd[] = "UPDATE project_keys SET master_version = "
	                          "?, wrapped = ? WHERE project_id = ?";
	struct keys *k = ctx->keys;
	int64_t project = sqlite3_column_int64(st, 0);
	int64_t kid = sqlite3_column_int64(st, 1);
	uint8_t w[CRYPTO_WRAPPED_DEK];
	const struct share *sh;
	struct crypto_dek *dek;
	sqlite3_stmt *u;
	int rc;

	if ((dek = dek_unwrap_row(ctx, project, st, 1)) == NULL)
		return -1;
	sh = share_find(k, project, kid);
	rc =
	    crypto_dek_wrap(k->next, project, (uint64_t)kid, sh->share, dek, w);
	crypto_dek_free(dek);
	if (rc == -1 || (u = store_prepare(ctx->store, upd)) == NULL)
		return -1;
	sqlite3_bind_int64(u, 1, crypto_key_version(k->next));
	sqlite3_bind_blob(u, 2, w, sizeof(w), SQLITE_TRANSIENT);
	sqlite3_bind_int64(u, 3, project);
	return store_step_done(u);
}

static int
rewrap_system(struct daemon_ctx *ctx)
{
	static const char upd[] = "UPDATE system_keys SET master_version = "
	                          "?, wrapped = ? WHERE id = 1";
	uint8_t w[CRYPTO_WRAPPED_SYS];
	sqlite3_stmt *st;

	if (crypto_wrap_system(ctx->keys->next, ctx->crypto, w) == -1 ||
	    (st = store_prepare(ctx->store, upd)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, crypto_key_version(ctx->keys->next));
	sqlite3_bind_blob(st, 2, w, sizeof(w), SQLITE_TRANSIENT);
	return store_step_done(st);
}

/* Re-wrap up to batch keys in one transaction; the number left. */
static int64_t
rotate_batch(struct daemon_ctx *ctx, int64_t next, int batch)
{
	static const char sql[] =
	    "SELECT project_id, kid, master_version, wrapped FROM "
	    "project_keys WHERE state = 'active' AND master_version <> ? "
	    "ORDER BY project_id LIMIT ?";
	struct store *s = ctx->store;
	sqlite3_stmt *st;
	int64_t left;
	int rc, n = 0;

	if (store_begin(s) == -1 || (st = store_prepare(s, sql)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, next);
	sqlite3_bind_int64(st, 2, batch);
	/* Updating the rows stepped over: SQLite allows it, and each row is
	 * read before it changes; the scan is by primary key. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (rewrap_project(ctx, st) == -1) {
			sqlite3_reset(st);
			goto fail;
		}
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto fail;
	if (n < batch &&
	    count_sql(s,
	              "SELECT count(*) FROM system_keys WHERE "
	              "master_version <> ?",
	              next) > 0 &&
	    rewrap_system(ctx) == -1)
		goto fail;
	if ((left = rotation_left(s, next)) < 0 || store_commit(s) == -1)
		goto fail;
	return left;
fail:
	store_rollback(s);
	return -1;
}

/* 1 when the key file at path holds the same key as cur, 0 when not (or
 * it cannot be read). */
static int
file_holds(const char *path, const struct crypto *cur)
{
	uint8_t a[CRYPTO_HASHBYTES], b[CRYPTO_HASHBYTES];
	struct crypto *f;
	char err[512];
	int same;

	if ((f = crypto_open(path, 0, err, sizeof(err))) == NULL)
		return 0;
	same = crypto_master_check(f, a) == 0 &&
	       crypto_master_check(cur, b) == 0 &&
	       sodium_memcmp(a, b, sizeof(a)) == 0;
	crypto_close(f);
	return same;
}

/*
 * The database names the next key (cur, in use) as current: make the
 * files say so.  The old key is overwritten in place, then the new file
 * renamed over it and the directory synced.  Done again after a failure,
 * so first make sure which file holds cur: a key file that already does
 * (the rename went through before) is the only copy of the key in use,
 * and is never overwritten.
 */
static int
switch_files(struct keys *k, const struct crypto *cur)
{
	static const uint8_t zero[CRYPTO_KEYBYTES];
	struct stat st;
	int fd;

	if (lstat(k->next_path, &st) == -1 && errno == ENOENT &&
	    file_holds(k->key_path, cur))
		return fsync_dir_of(k->key_path) == -1 ? -1 : 0;
	if (!file_holds(k->next_path, cur)) {
		log_err("%s does not hold the master key in use: the key "
		        "files are left as they are",
		        k->next_path);
		return -1;
	}
	if ((fd = open(k->key_path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)) != -1) {
		if (write_all(fd, zero, sizeof(zero)) == -1 || fsync(fd) == -1)
			log_warn("cannot overwrite the old master key: %s",
			         strerror(errno));
		close(fd);
	}
	if (rename(k->next_path, k->key_path) == -1 ||
	    fsync_dir_of(k->key_path) == -1) {
		log_err("cannot rename %s to %s: %s", k->next_path, k->key_path,
		        strerror(errno));
		return -1;
	}
	return 0;
}

/* The old key files are gone: their versions are marked so, in the open
 * transaction.  0 or -1. */
static int
mark_destroyed(struct store *s)
{
	return exec1(s,
	             "UPDATE master_keys SET state = 'destroyed', changed = ? "
	             "WHERE state = 'retired'",
	             store_now_us(), 0);
}

/*
 * Everything is wrapped under next: switch the database, then the files.
 * The old key file is overwritten before the new one is renamed over it
 * (on flash and journalling file systems old blocks may survive; ivtd(8)
 * says so).  A crash between the steps is finished by keys_open.
 */
static int
rotate_finish(struct daemon_ctx *ctx)
{
	static const char retire[] =
	    "UPDATE master_keys SET state = 'retired', changed = ? WHERE "
	    "state = 'current'";
	static const char promote[] =
	    "UPDATE master_keys SET state = 'current', changed = ? WHERE "
	    "version = ?";
	struct keys *k = ctx->keys;
	struct store *s = ctx->store;
	uint32_t from = crypto_key_version(ctx->crypto);
	uint32_t to = crypto_key_version(k->next);
	char object[64];
	int64_t now = store_now_us();

	snprintf(object, sizeof(object), "master-key:%u->%u", (unsigned)from,
	         (unsigned)to);
	if (store_begin(s) == -1 || exec1(s, retire, now, 0) == -1 ||
	    exec1(s, promote, now, to) == -1 ||
	    audit_system(ctx, "ivtd.key-rotation", object) == -1 ||
	    store_commit(s) == -1) {
		store_rollback(s);
		return -1;
	}
	/* The database is authoritative from here: new keys are wrapped
	 * under the new version even should the files lag behind. */
	crypto_take(ctx->crypto, k->next);
	k->next = NULL;
	test_pause(k);
	if (switch_files(k, ctx->crypto) == -1) {
		k->files_pending = 1;
		log_err("rotation to master key version %u: the key files were "
		        "not switched; tried again at the next Key.Rotate and "
		        "at start",
		        (unsigned)to);
		return 0;
	}
	if (store_begin(s) == 0 && mark_destroyed(s) == 0 &&
	    store_commit(s) == 0)
		log_info("master key rotated to version %u; version %u "
		         "destroyed",
		         (unsigned)to, (unsigned)from);
	else
		store_rollback(s);
	return 0;
}

int
keys_rotate_step(struct daemon_ctx *ctx, int batch)
{
	struct keys *k = ctx->keys;
	struct master_row nx;
	int64_t left;

	if (k == NULL || ctx->store->in_txn)
		return k == NULL ? -1 : 1;
	if (read_master(ctx->store, "next", &nx) == -1)
		return -1;
	if (!nx.found) {
		/* The call that began it was rolled back: nothing refers to
		 * the new key. */
		if (k->next != NULL) {
			crypto_close(k->next);
			k->next = NULL;
			unlink(k->next_path);
		}
		return 0;
	}
	if (!matches(k->next, &nx)) {
		log_err("rotation: the next master key is not loaded");
		return -1;
	}
	test_pause(k);
	if ((left = rotate_batch(ctx, nx.version, batch)) < 0)
		return -1;
	if (left > 0)
		return 1;
	return rotate_finish(ctx) == -1 ? -1 : 0;
}

static void
schedule(struct keys *k, int ms)
{
	struct timeval tv;

	if (k->tick == NULL)
		return;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(k->tick, &tv);
}

/*
 * The first project whose live data key has no share in the key store,
 * or 0; -1 on error.  Such a key cannot be re-wrapped: a rotation would
 * stop at it for good, and the old master key would never be retired.
 * (After a restore of a database older than the key store, say, or of a
 * key store older than a project.)
 */
static int64_t
missing_share(struct daemon_ctx *ctx)
{
	static const char sql[] = "SELECT project_id, kid FROM project_keys "
	                          "WHERE state = 'active' ORDER BY project_id";
	sqlite3_stmt *st;
	int64_t project = 0;
	int rc;

	if ((st = store_prepare(ctx->store, sql)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (share_find(ctx->keys, sqlite3_column_int64(st, 0),
		               sqlite3_column_int64(st, 1)) == NULL) {
			project = sqlite3_column_int64(st, 0);
			break;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? project : -1;
}

int
keys_rotate_begin(struct daemon_ctx *ctx, struct keys_status *st, char *err,
                  size_t errlen)
{
	struct keys *k = ctx->keys;
	struct store *s = ctx->store;
	uint8_t w[CRYPTO_WRAPPED_SYS];
	struct master_row nx;
	struct crypto *b;
	int64_t v;

	if (k == NULL || read_master(s, "next", &nx) == -1)
		return -1;
	if (nx.found)
		return 1;
	if ((v = missing_share(ctx)) != 0) {
		if (v > 0 && err != NULL && errlen > 0)
			snprintf(err, errlen,
			         "the key store has no share of the data key of "
			         "project %lld: restore the key store that holds "
			         "it",
			         (long long)v);
		return v > 0 ? 3 : -1;
	}
	/* The last rotation's files first: the next key file is still the
	 * current key's only file, and the unlink below would delete it. */
	if (k->files_pending) {
		if (switch_files(k, ctx->crypto) == -1)
			return 2;
		k->files_pending = 0;
		/* Its old version is marked destroyed at the end of this
		 * rotation, with the one it retires. */
		log_info("the key files of the last rotation are switched");
	}
	v = count_sql(s,
	              "SELECT coalesce(max(version), 0) + 1 FROM "
	              "master_keys",
	              0);
	if (v < 2 || v > (int64_t)UINT32_MAX)
		return -1;
	/* No 'next' row: nothing refers to a leftover next key file. */
	if (k->next != NULL) {
		crypto_close(k->next);
		k->next = NULL;
	}
	if (unlink(k->next_path) == -1 && errno != ENOENT) {
		set_err(err, errlen, "cannot remove %s", k->next_path);
		return -1;
	}
	if (crypto_create_key_file(k->next_path, err, errlen) == -1)
		return -1;
	if ((b = crypto_open(k->next_path, 0, err, errlen)) == NULL)
		goto fail;
	crypto_set_version(b, (uint32_t)v);
	/* The new handle carries the same system keys: through a wrap and
	 * unwrap, which also proves the new key works. */
	if (crypto_wrap_system(b, ctx->crypto, w) == -1 ||
	    crypto_unwrap_system(b, b, w, sizeof(w)) == -1 ||
	    insert_master(s, b, "next") == -1) {
		crypto_close(b);
		goto fail;
	}
	k->next = b;
	/* Test knob: a crash here leaves a key file the database never
	 * named, which the next start removes. */
	test_pause(k);
	schedule(k, k->pause_ms);
	return keys_status(ctx, st);
fail:
	unlink(k->next_path);
	return -1;
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon_ctx *ctx = arg;
	struct keys *k = ctx->keys;
	int r;

	(void)fd;
	(void)what;
	/* With the test pause one key per step, so a test can kill the
	 * daemon between any two of them. */
	r = keys_rotate_step(ctx, k->pause_ms > 0 ? 1 : 256);
	if (r == 1)
		schedule(k, k->pause_ms);
	else if (r == -1) {
		log_err("rotation step failed; retrying in 10 s");
		schedule(k, 10000);
	}
}

int
keys_attach(struct daemon_ctx *ctx, struct event_base *base)
{
	struct keys *k = ctx->keys;

	if (k == NULL || (k->tick = evtimer_new(base, tick_cb, ctx)) == NULL)
		return -1;
	if (k->next != NULL)
		schedule(k, 0);
	return 0;
}

/* --- start-up ------------------------------------------------------------ */

static int
paths_init(struct keys *k, const char *key_path)
{
	int a, b, c;

	a = snprintf(k->key_path, sizeof(k->key_path), "%s", key_path);
	b = snprintf(k->next_path, sizeof(k->next_path), "%s.next", key_path);
	c = snprintf(k->store_path, sizeof(k->store_path), "%s.store",
	             key_path);
	return a < 0 || b < 0 || c < 0 || (size_t)b >= sizeof(k->next_path) ||
	               (size_t)c >= sizeof(k->store_path) - 4
	           ? -1
	           : 0;
}

/* A key file that may be absent; *bad when present but unusable. */
static struct crypto *
load_optional(const char *path, int *bad)
{
	struct crypto *c;
	struct stat st;
	char err[512];

	*bad = 0;
	if (lstat(path, &st) == -1)
		return NULL;
	if ((c = crypto_open(path, 0, err, sizeof(err))) == NULL) {
		log_warn("%s", err);
		*bad = 1;
	}
	return c;
}

/* Remove a next key file that no database row names. */
static void
drop_orphan(struct keys *k, struct crypto **b, int bad)
{
	if (*b == NULL && !bad)
		return;
	crypto_close(*b);
	*b = NULL;
	if (unlink(k->next_path) == 0)
		log_warn("removed %s: a rotation that never started (rolled "
		         "back)",
		         k->next_path);
}

static int
begin_fresh(struct daemon_ctx *ctx, struct crypto *a)
{
	struct store *s = ctx->store;

	crypto_set_version(a, 1);
	if (store_begin(s) == -1 || insert_master(s, a, "current") == -1 ||
	    store_commit(s) == -1) {
		store_rollback(s);
		return -1;
	}
	ctx->crypto = a;
	return 0;
}

/*
 * Which key file is which version, and what a crash left behind (keys.h).
 * Sets ctx->crypto and keys->next.
 */
static int
open_masters(struct daemon_ctx *ctx, int create, char *err, size_t errlen)
{
	struct keys *k = ctx->keys;
	struct store *s = ctx->store;
	struct master_row cur, nx;
	struct crypto *a, *b;
	int bad;

	if (read_master(s, "current", &cur) == -1 ||
	    read_master(s, "next", &nx) == -1) {
		set_err(err, errlen, "%s", "cannot read the master key table");
		return -1;
	}
	if ((a = crypto_open(k->key_path, create && !cur.found, err, errlen)) ==
	    NULL)
		return -1;
	b = load_optional(k->next_path, &bad);
	if (!cur.found) {
		drop_orphan(k, &b, bad);
		if (begin_fresh(ctx, a) == 0)
			return 0;
		crypto_close(a);
		set_err(err, errlen, "%s", "cannot record the master key");
		return -1;
	}
	if (!nx.found && !matches(a, &cur) && matches(b, &cur)) {
		/* Crash after the database switched, before the rename. */
		crypto_close(a);
		crypto_set_version(b, (uint32_t)cur.version);
		ctx->crypto = b;
		if (switch_files(k, b) == -1) {
			set_err(err, errlen, "%s",
			        "cannot finish the switch of master key files");
			return -1;
		}
		log_info("finished switching to master key version %lld",
		         (long long)cur.version);
		return 0;
	}
	if (!matches(a, &cur)) {
		crypto_close(a);
		crypto_close(b);
		set_err(err, errlen,
		        "key file %s is not the master key of this database "
		        "(its check value differs)",
		        k->key_path);
		return -1;
	}
	crypto_set_version(a, (uint32_t)cur.version);
	ctx->crypto = a;
	if (!nx.found) {
		drop_orphan(k, &b, bad);
		return 0;
	}
	if (matches(b, &nx)) {
		crypto_set_version(b, (uint32_t)nx.version);
		k->next = b;
		log_info("resuming the rotation to master key version %lld",
		         (long long)nx.version);
		return 0;
	}
	/* The database names a next key that is not there.  Harmless while
	 * nothing is wrapped under it: roll the rotation back. */
	crypto_close(b);
	if (count_sql(s,
	              "SELECT (SELECT count(*) FROM project_keys WHERE "
	              "master_version = ?1 AND state = 'active') + (SELECT "
	              "count(*) FROM system_keys WHERE master_version = ?1)",
	              nx.version) == 0 &&
	    store_begin(s) == 0 &&
	    exec1(s, "DELETE FROM master_keys WHERE state = 'next'", 0, 0) ==
	        0 &&
	    store_commit(s) == 0) {
		unlink(k->next_path);
		log_warn("rolled back the rotation to master key version %lld: "
		         "its key file was missing",
		         (long long)nx.version);
		return 0;
	}
	store_rollback(s);
	set_err(err, errlen,
	        "a rotation was interrupted and its key file %s is missing or "
	        "damaged",
	        k->next_path);
	return -1;
}

/* Projects whose key share is missing cannot be read: say so once. */
static void
check_shares(struct daemon_ctx *ctx)
{
	static const char sql[] = "SELECT project_id, kid FROM project_keys "
	                          "WHERE state = 'active'";
	sqlite3_stmt *st;
	int64_t missing = 0;

	if ((st = store_prepare(ctx->store, sql)) == NULL)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (share_find(ctx->keys, sqlite3_column_int64(st, 0),
		               sqlite3_column_int64(st, 1)) == NULL)
			missing++;
	}
	sqlite3_reset(st);
	if (missing > 0)
		log_warn("%lld project keys have no share in %s: the data of "
		         "those projects cannot be read (destroyed, or the key "
		         "store is not the one of this database)",
		         (long long)missing, ctx->keys->store_path);
}

int
keys_open(struct daemon_ctx *ctx, int create, char *err, size_t errlen)
{
	const char *pause = getenv("IVTD_TEST_ROTATION_PAUSE_MS");
	struct keys *k;
	int r;

	if ((k = calloc(1, sizeof(*k))) == NULL)
		return -1;
	ctx->keys = k;
	ctx->crypto = NULL;
	if (pause != NULL)
		k->pause_ms = (int)strtol(pause, NULL, 10) % 10000;
	if (k->pause_ms < 0)
		k->pause_ms = 0;
	if (paths_init(k, ctx->cfg->key_path) == -1) {
		set_err(err, errlen, "%s", "key file path too long");
		goto fail;
	}
	if (open_masters(ctx, create, err, errlen) == -1)
		goto fail;
	if (load_system(ctx, err, errlen) == -1 ||
	    store_load(k, err, errlen) == -1)
		goto fail;
	if (sync_shredded(ctx) == -1 || migrate_legacy(ctx) == -1) {
		set_err(err, errlen, "%s", "cannot bring the keys up to date");
		goto fail;
	}
	check_shares(ctx);
	/* Finish an interrupted rotation before serving anyone. */
	do {
		r = k->next != NULL ? keys_rotate_step(ctx, 256) : 0;
	} while (r == 1);
	if (k->next != NULL)
		log_err("the interrupted rotation could not be finished; it "
		        "is retried while running");
	return 0;
fail:
	keys_close(ctx);
	return -1;
}

void
keys_close(struct daemon_ctx *ctx)
{
	struct keys *k = ctx->keys;

	if (k != NULL) {
		if (k->tick != NULL)
			event_free(k->tick);
		crypto_close(k->next);
		cache_clear(k);
		free(k->cache);
		if (k->shares != NULL) {
			sodium_memzero(k->shares,
			               k->capshares * sizeof(*k->shares));
			sodium_free(k->shares);
		}
		free(k);
	}
	crypto_close(ctx->crypto);
	ctx->crypto = NULL;
	ctx->keys = NULL;
}
