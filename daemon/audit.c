/*
 * audit.c - the append-only, hash-chained, signed audit log.
 *
 * Canonical encoding of an entry, the input of the keyed chain hash (all
 * integers big-endian, format version 1):
 *
 *   byte      format version (1)
 *   8 bytes   seq
 *   8 bytes   ts_start
 *   8 bytes   ts_end
 *   8 bytes   actor_uid
 *   8 bytes   project
 *   then each string as a 4-byte length followed by its bytes, in order:
 *             trace_id, span_id, actor_name, role, org, method, activity,
 *             object, subject, subject_type, fields, result, error
 *   32 bytes  prev (hash of the previous entry, zero for the first)
 *
 * Every field is length-prefixed, so no two different entries encode to
 * the same bytes.  A NULL string is encoded (and stored) as "".
 *
 * What verification can and cannot see: an edited, reordered or deleted
 * entry breaks the chain at that entry.  Deleting entries from the end of
 * the log leaves an intact (shorter) chain; that is detected only when a
 * signed checkpoint covers a deleted entry.  Checkpoints are written every
 * AUDIT_CHECKPOINT_EVERY entries and on every shutdown, so only entries
 * appended since the last checkpoint of a running daemon can vanish
 * without trace.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium/utils.h>

#include "audit.h"
#include "crypto.h"
#include "log.h"
#include "store.h"

#define AUDIT_FORMAT    1
#define AUDIT_MAX_FIELD 4096 /* bytes per string field */
#define AUDIT_NINTS     5
#define AUDIT_NSTRS     13
#define AUDIT_PROGRESS  4096 /* entries between progress calls */
#define AUDIT_B64LEN                                                           \
	sodium_base64_ENCODED_LEN(CRYPTO_HASHBYTES,                            \
	                          sodium_base64_VARIANT_ORIGINAL)
/* "ivtd-audit\n" + 20 digits + "\n" + base64 + "\n" */
#define AUDIT_NOTELEN (11 + 21 + AUDIT_B64LEN + 2)

static const char sql_last[] =
    "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1";
static const char sql_insert[] =
    "INSERT INTO audit (seq, ts_start, ts_end, actor_uid, project,"
    " trace_id, span_id, actor_name, role, org, method, activity, object,"
    " subject, subject_type, fields, result, error, prev, hash)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
/* Same column order as sql_insert and the canonical encoding. */
static const char sql_from[] =
    "SELECT seq, ts_start, ts_end, actor_uid, project,"
    " trace_id, span_id, actor_name, role, org, method, activity, object,"
    " subject, subject_type, fields, result, error, prev, hash"
    " FROM audit WHERE seq > ? ORDER BY seq LIMIT ?";
static const char sql_count[] = "SELECT COUNT(*) FROM audit";
static const char sql_hash_at[] = "SELECT hash FROM audit WHERE seq = ?";
static const char sql_cp_max[] = "SELECT MAX(size) FROM audit_checkpoint";
static const char sql_cp_insert[] =
    "INSERT INTO audit_checkpoint (size, ts, root, sig) VALUES (?, ?, ?, ?)";
static const char sql_cp_upto[] =
    "SELECT size, root, sig FROM audit_checkpoint WHERE size <= ?"
    " ORDER BY size";
static const char sql_begin_read[] = "BEGIN DEFERRED";

/* Column indexes in sql_insert and sql_from. */
#define COL_INTS 0
#define COL_STRS (COL_INTS + AUDIT_NINTS)
#define COL_PREV (COL_STRS + AUDIT_NSTRS)
#define COL_HASH (COL_PREV + 1)

struct str {
	const char *p;
	size_t n;
};

/* Woken after every append; see audit_set_hook. */
static void (*append_hook)(void *);
static void *append_hook_arg;

/* An entry as the encoder sees it, from a struct or from a row. */
struct fields {
	int64_t ints[AUDIT_NINTS];
	struct str strs[AUDIT_NSTRS];
	const uint8_t *prev;
};

/* A growing buffer, reused across entries while verifying. */
struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void
put_be64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int
encode(const struct fields *f, struct buf *b)
{
	size_t need, i;
	uint8_t *p, *np;

	need = 1 + 8 * AUDIT_NINTS + 4 * AUDIT_NSTRS + CRYPTO_HASHBYTES;
	for (i = 0; i < AUDIT_NSTRS; i++) {
		/* Rows edited in the file may exceed what append accepts. */
		if (f->strs[i].n > UINT32_MAX)
			return -1;
		need += f->strs[i].n;
	}
	if (need > b->cap) {
		if ((np = realloc(b->p, need)) == NULL) {
			log_err("audit: out of memory");
			return -1;
		}
		b->p = np;
		b->cap = need;
	}
	p = b->p;
	*p++ = AUDIT_FORMAT;
	for (i = 0; i < AUDIT_NINTS; i++, p += 8)
		put_be64(p, (uint64_t)f->ints[i]);
	for (i = 0; i < AUDIT_NSTRS; i++) {
		put_be32(p, (uint32_t)f->strs[i].n);
		p += 4;
		if (f->strs[i].n > 0)
			memcpy(p, f->strs[i].p, f->strs[i].n);
		p += f->strs[i].n;
	}
	memcpy(p, f->prev, CRYPTO_HASHBYTES);
	b->len = need;
	return 0;
}

static int
entry_hash(const struct crypto *c, const struct fields *f, struct buf *b,
           uint8_t out[CRYPTO_HASHBYTES])
{
	if (encode(f, b) == -1)
		return -1;
	if (crypto_audit_mac(c, b->p, b->len, out) != 0) {
		log_err("audit: hashing failed");
		return -1;
	}
	return 0;
}

/* A string of the entry; NULL is "", longer than the limit is refused. */
static int
set_str(struct str *s, const char *p)
{
	if (p == NULL)
		p = "";
	s->n = strnlen(p, AUDIT_MAX_FIELD + 1);
	if (s->n > AUDIT_MAX_FIELD)
		return -1;
	s->p = p;
	return 0;
}

/* A fixed-size id array of the entry, which must be NUL-terminated. */
static int
set_id(struct str *s, const char *p, size_t size)
{
	if (memchr(p, '\0', size) == NULL)
		return -1;
	s->p = p;
	s->n = strlen(p);
	return 0;
}

static int
fields_from_entry(struct fields *f, const struct audit_entry *e, int64_t seq,
                  const uint8_t *prev)
{
	const char *strs[AUDIT_NSTRS - 2] = {
	    e->actor_name, e->role,   e->org,     e->method,
	    e->activity,   e->object, e->subject, e->subject_type,
	    e->fields,     e->result, e->error,
	};
	size_t i;

	f->ints[0] = seq;
	f->ints[1] = e->ts_start;
	f->ints[2] = e->ts_end;
	f->ints[3] = e->actor_uid;
	f->ints[4] = e->project;
	if (set_id(&f->strs[0], e->trace_id, sizeof(e->trace_id)) == -1 ||
	    set_id(&f->strs[1], e->span_id, sizeof(e->span_id)) == -1)
		return -1;
	for (i = 0; i < AUDIT_NSTRS - 2; i++) {
		if (set_str(&f->strs[i + 2], strs[i]) == -1)
			return -1;
	}
	f->prev = prev;
	return 0;
}

/* The row sql_from is on; its text stays valid until the next step. */
static void
fields_from_row(struct fields *f, sqlite3_stmt *st)
{
	const unsigned char *t;
	int i;

	for (i = 0; i < AUDIT_NINTS; i++)
		f->ints[i] = sqlite3_column_int64(st, COL_INTS + i);
	for (i = 0; i < AUDIT_NSTRS; i++) {
		t = sqlite3_column_text(st, COL_STRS + i);
		f->strs[i].p = t != NULL ? (const char *)t : "";
		f->strs[i].n = (size_t)sqlite3_column_bytes(st, COL_STRS + i);
	}
	f->prev = NULL; /* checked separately, see verify_row */
}

/* The 32-byte blob in column col, or NULL when it has another size. */
static const uint8_t *
column_hash(sqlite3_stmt *st, int col, int len)
{
	const void *p = sqlite3_column_blob(st, col);

	if (p == NULL || sqlite3_column_bytes(st, col) != len)
		return NULL;
	return p;
}

/*
 * The last entry: *seq 0 and prev all zero when the log is empty.
 * -1 on a database error or a malformed stored hash.
 */
static int
last_entry(struct store *s, int64_t *seq, uint8_t prev[CRYPTO_HASHBYTES])
{
	sqlite3_stmt *st;
	const uint8_t *h;
	int rc, ret = -1;

	if ((st = store_prepare(s, sql_last)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		*seq = 0;
		memset(prev, 0, CRYPTO_HASHBYTES);
		ret = 0;
	} else if (rc == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0);
		if ((h = column_hash(st, 1, CRYPTO_HASHBYTES)) == NULL)
			log_err("audit: entry %lld has a malformed hash",
			        (long long)*seq);
		else {
			memcpy(prev, h, CRYPTO_HASHBYTES);
			ret = 0;
		}
	} else
		log_err("audit: reading last entry: %s", sqlite3_errstr(rc));
	sqlite3_reset(st);
	return ret;
}

/* The signed note text of a checkpoint (C2SP signed-note body). */
static int
checkpoint_note(int64_t size, const uint8_t root[CRYPTO_HASHBYTES], char *note,
                size_t len)
{
	char b64[AUDIT_B64LEN];
	int n;

	sodium_bin2base64(b64, sizeof(b64), root, CRYPTO_HASHBYTES,
	                  sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(note, len, "ivtd-audit\n%lld\n%s\n", (long long)size, b64);
	if (n < 0 || (size_t)n >= len)
		return -1;
	return n;
}

/* Sign and store a checkpoint inside the current transaction. */
static int
write_checkpoint(struct store *s, const struct crypto *c, int64_t size,
                 const uint8_t root[CRYPTO_HASHBYTES])
{
	char note[AUDIT_NOTELEN];
	uint8_t sig[CRYPTO_SIGBYTES];
	sqlite3_stmt *st;
	int n;

	if ((n = checkpoint_note(size, root, note, sizeof(note))) == -1 ||
	    crypto_sign_msg(c, note, (size_t)n, sig) != 0) {
		log_err("audit: cannot sign checkpoint %lld", (long long)size);
		return -1;
	}
	if ((st = store_prepare(s, sql_cp_insert)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, size) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, store_now_us()) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 3, root, CRYPTO_HASHBYTES, SQLITE_STATIC) !=
	        SQLITE_OK ||
	    sqlite3_bind_blob(st, 4, sig, CRYPTO_SIGBYTES, SQLITE_STATIC) !=
	        SQLITE_OK ||
	    store_step_done(st) == -1) {
		sqlite3_reset(st);
		log_err("audit: cannot store checkpoint %lld", (long long)size);
		return -1;
	}
	return 0;
}

static int
insert_entry(struct store *s, const struct fields *f,
             const uint8_t hash[CRYPTO_HASHBYTES])
{
	sqlite3_stmt *st;
	int i, ok = 1;

	if ((st = store_prepare(s, sql_insert)) == NULL)
		return -1;
	for (i = 0; i < AUDIT_NINTS; i++)
		ok &= sqlite3_bind_int64(st, COL_INTS + i + 1, f->ints[i]) ==
		      SQLITE_OK;
	for (i = 0; i < AUDIT_NSTRS; i++)
		ok &= sqlite3_bind_text(st, COL_STRS + i + 1, f->strs[i].p,
		                        (int)f->strs[i].n,
		                        SQLITE_STATIC) == SQLITE_OK;
	ok &= sqlite3_bind_blob(st, COL_PREV + 1, f->prev, CRYPTO_HASHBYTES,
	                        SQLITE_STATIC) == SQLITE_OK;
	ok &= sqlite3_bind_blob(st, COL_HASH + 1, hash, CRYPTO_HASHBYTES,
	                        SQLITE_STATIC) == SQLITE_OK;
	if (!ok || store_step_done(st) == -1) {
		sqlite3_reset(st);
		log_err("audit: cannot store entry %lld",
		        (long long)f->ints[0]);
		return -1;
	}
	return 0;
}

/*
 * On error the caller rolls back its transaction, which also undoes a
 * half-written entry, so a failed append never consumes a sequence number.
 */
void
audit_system_entry(struct audit_entry *e, const char *method,
                   const char *object)
{
	uint8_t rnd[24];

	memset(e, 0, sizeof(*e));
	e->ts_start = e->ts_end = store_now_us();
	crypto_nonce(rnd, sizeof(rnd));
	crypto_hex(rnd, 16, e->trace_id);
	crypto_hex(rnd + 16, 8, e->span_id);
	e->actor_uid = (int64_t)getuid();
	e->actor_name = "ivtd";
	e->role = "system";
	e->org = e->activity = "";
	e->method = method;
	e->object = object;
	e->subject = e->subject_type = e->fields = e->error = "";
	e->result = "allowed";
}

int64_t
audit_append(struct store *s, const struct crypto *c, struct audit_entry *e,
             int every)
{
	struct fields f;
	struct buf b = {NULL, 0, 0};
	uint8_t prev[CRYPTO_HASHBYTES], hash[CRYPTO_HASHBYTES];
	int64_t last, seq;
	int rc;

	if (!s->in_txn) {
		log_err("audit: append outside a transaction");
		return -1;
	}
	if (last_entry(s, &last, prev) == -1)
		return -1;
	seq = last + 1;
	if (fields_from_entry(&f, e, seq, prev) == -1) {
		log_err("audit: entry %lld has an overlong or unterminated "
		        "field",
		        (long long)seq);
		return -1;
	}
	rc = entry_hash(c, &f, &b, hash);
	free(b.p);
	if (rc == -1 || insert_entry(s, &f, hash) == -1)
		return -1;
	if (every > 0 && seq % every == 0 &&
	    write_checkpoint(s, c, seq, hash) == -1)
		return -1;
	e->seq = seq;
	if (append_hook != NULL)
		append_hook(append_hook_arg);
	return seq;
}

void
audit_set_hook(void (*fn)(void *), void *arg)
{
	append_hook = fn;
	append_hook_arg = fn != NULL ? arg : NULL;
}

int64_t
audit_last_seq(struct store *s)
{
	uint8_t h[CRYPTO_HASHBYTES];
	int64_t seq;

	return last_entry(s, &seq, h) == -1 ? -1 : seq;
}

/* The largest checkpointed size, 0 when there is none. */
static int
latest_checkpoint(struct store *s, int64_t *size)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = store_prepare(s, sql_cp_max)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	*size = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		log_err("audit: reading checkpoints: %s", sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

int
audit_checkpoint(struct store *s, const struct crypto *c)
{
	uint8_t root[CRYPTO_HASHBYTES];
	char hex[2 * CRYPTO_HASHBYTES + 1];
	int64_t last, covered;

	if (store_begin(s) == -1)
		return -1;
	if (last_entry(s, &last, root) == -1 ||
	    latest_checkpoint(s, &covered) == -1)
		goto fail;
	if (last == 0 || covered >= last) {
		/* A checkpoint beyond the end means the log was cut;
		 * audit_verify reports it, a new checkpoint would not help. */
		if (covered > last)
			log_warn("audit: checkpoint %lld is beyond the last "
			         "entry %lld",
			         (long long)covered, (long long)last);
		store_rollback(s);
		return 0;
	}
	if (write_checkpoint(s, c, last, root) == -1)
		goto fail;
	if (store_commit(s) == -1)
		return -1;
	/*
	 * The log line is a copy of the checkpoint outside the database
	 * (journald, syslog): whoever cuts the log's tail together with its
	 * checkpoints in the database cannot take this back.  Compare it with
	 * the size `ivtctl audit verify` reports.  The root hash says nothing
	 * about the entries' content.
	 */
	crypto_hex(root, sizeof(root), hex);
	log_info("audit: checkpoint at entry %lld, chain %s", (long long)last,
	         hex);
	return 0;
fail:
	store_rollback(s);
	return -1;
}

static int
broken(struct audit_verify_result *r, int64_t seq, const char *reason)
{
	r->bad_seq = seq;
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	return 1;
}

/*
 * Check the row st is on against the expected sequence number and the
 * previous hash; on success prev becomes the row's hash.  0 when it is
 * sound, 1 when broken (r filled in), -1 on error.
 */
static int
verify_row(const struct crypto *c, sqlite3_stmt *st, int64_t expect,
           uint8_t prev[CRYPTO_HASHBYTES], struct buf *b,
           struct audit_verify_result *r)
{
	struct fields f;
	const uint8_t *sprev, *shash;
	uint8_t hash[CRYPTO_HASHBYTES];
	int64_t seq = sqlite3_column_int64(st, 0);

	/* A gap is reported first: it names the deleted entry, which the
	 * next entry's prev mismatch would not. */
	if (seq > expect)
		return broken(r, expect, "entry missing (deleted)");
	if (seq < expect)
		return broken(r, expect, "unexpected sequence number");
	sprev = column_hash(st, COL_PREV, CRYPTO_HASHBYTES);
	shash = column_hash(st, COL_HASH, CRYPTO_HASHBYTES);
	if (sprev == NULL || shash == NULL)
		return broken(r, seq, "malformed hash column");
	if (memcmp(sprev, prev, CRYPTO_HASHBYTES) != 0)
		return broken(r, seq,
		              seq == 1 ? "first entry's previous hash is not "
		                         "zero"
		                       : "previous hash does not match the "
		                         "previous entry");
	fields_from_row(&f, st);
	f.prev = sprev;
	if (entry_hash(c, &f, b, hash) == -1)
		return -1;
	if (sodium_memcmp(hash, shash, CRYPTO_HASHBYTES) != 0)
		return broken(r, seq, "entry hash does not match (edited)");
	memcpy(prev, hash, CRYPTO_HASHBYTES);
	return 0;
}

static int
count_entries(struct store *s, int64_t *total)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = store_prepare(s, sql_count)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	*total = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		log_err("audit: counting entries: %s", sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

/* The sound row st is on as an entry for a walk callback. */
static void
entry_from_row(struct audit_entry *e, sqlite3_stmt *st)
{
	struct fields f;
	const char **strs[AUDIT_NSTRS - 2] = {
	    &e->actor_name, &e->role,   &e->org,     &e->method,
	    &e->activity,   &e->object, &e->subject, &e->subject_type,
	    &e->fields,     &e->result, &e->error,
	};
	size_t i;

	fields_from_row(&f, st);
	memset(e, 0, sizeof(*e));
	e->seq = f.ints[0];
	e->ts_start = f.ints[1];
	e->ts_end = f.ints[2];
	e->actor_uid = f.ints[3];
	e->project = f.ints[4];
	snprintf(e->trace_id, sizeof(e->trace_id), "%.*s", (int)f.strs[0].n,
	         f.strs[0].p);
	snprintf(e->span_id, sizeof(e->span_id), "%.*s", (int)f.strs[1].n,
	         f.strs[1].p);
	for (i = 0; i < AUDIT_NSTRS - 2; i++)
		*strs[i] = f.strs[i + 2].p;
}

int
audit_walk(struct store *s, const struct crypto *c, int64_t after,
           const uint8_t prev[CRYPTO_HASHBYTES], int64_t limit,
           audit_walk_fn fn, void *arg, struct audit_verify_result *r)
{
	struct audit_entry e;
	struct buf b = {NULL, 0, 0};
	sqlite3_stmt *st;
	int64_t n = 0;
	int rc, ret = 0;

	r->last = after;
	r->more = 0;
	memcpy(r->hash, prev, CRYPTO_HASHBYTES);
	if ((st = store_prepare(s, sql_from)) == NULL)
		return -1;
	/* One row beyond the limit tells whether more remain. */
	if (sqlite3_bind_int64(st, 1, after) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, limit < 0 ? -1 : limit + 1) !=
	        SQLITE_OK) {
		sqlite3_reset(st);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (limit >= 0 && n == limit) {
			r->more = 1;
			break;
		}
		if ((ret = verify_row(c, st, r->last + 1, r->hash, &b, r)) != 0)
			break;
		if (fn != NULL) {
			entry_from_row(&e, st);
			if (fn(&e, r->hash, arg) != 0) {
				ret = -1;
				break;
			}
		}
		r->last++;
		r->entries++;
		n++;
	}
	if (ret == 0 && rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_err("audit: reading entries: %s", sqlite3_errstr(rc));
		ret = -1;
	}
	sqlite3_reset(st);
	free(b.p);
	return ret;
}

/* The stored hash of entry seq; 1 when there is none. */
static int
hash_at(struct store *s, int64_t seq, uint8_t out[CRYPTO_HASHBYTES])
{
	sqlite3_stmt *st;
	const uint8_t *h;
	int rc, ret = 1;

	if ((st = store_prepare(s, sql_hash_at)) == NULL ||
	    sqlite3_bind_int64(st, 1, seq) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if ((h = column_hash(st, 0, CRYPTO_HASHBYTES)) != NULL) {
			memcpy(out, h, CRYPTO_HASHBYTES);
			ret = 0;
		}
	} else if (rc != SQLITE_DONE) {
		log_err("audit: reading entry %lld: %s", (long long)seq,
		        sqlite3_errstr(rc));
		ret = -1;
	}
	sqlite3_reset(st);
	return ret;
}

/* Check the checkpoint row st is on; the chain up to last is sound. */
static int
verify_checkpoint(struct store *s, sqlite3_stmt *st, int64_t last,
                  const uint8_t pk[CRYPTO_PKBYTES],
                  struct audit_verify_result *r)
{
	char note[AUDIT_NOTELEN], msg[sizeof(r->reason)];
	uint8_t hash[CRYPTO_HASHBYTES];
	const uint8_t *root, *sig;
	int64_t size = sqlite3_column_int64(st, 0);
	int n, rc;

	if (size < 1)
		return broken(r, 1, "checkpoint with an invalid size");
	if (size > last) {
		snprintf(msg, sizeof(msg),
		         "log truncated below checkpoint %lld",
		         (long long)size);
		return broken(r, last + 1, msg);
	}
	root = column_hash(st, 1, CRYPTO_HASHBYTES);
	sig = column_hash(st, 2, CRYPTO_SIGBYTES);
	if (root == NULL || sig == NULL)
		return broken(r, size, "malformed checkpoint");
	if ((rc = hash_at(s, size, hash)) != 0)
		return rc == -1 ? -1
		                : broken(r, size, "checkpoint entry missing");
	if (sodium_memcmp(hash, root, CRYPTO_HASHBYTES) != 0)
		return broken(r, size,
		              "checkpoint root does not match the log");
	if ((n = checkpoint_note(size, root, note, sizeof(note))) == -1 ||
	    crypto_verify_msg(pk, note, (size_t)n, sig) != 0)
		return broken(r, size, "checkpoint signature is invalid");
	return 0;
}

int
audit_check_not_cut(struct store *s, int64_t last,
                    struct audit_verify_result *r)
{
	char msg[sizeof(r->reason)];
	int64_t size;

	if (latest_checkpoint(s, &size) == -1)
		return -1;
	if (size <= last)
		return 0;
	snprintf(msg, sizeof(msg), "log truncated below checkpoint %lld",
	         (long long)size);
	return broken(r, last + 1, msg);
}

int
audit_verify_checkpoints(struct store *s, const struct crypto *c, int64_t last,
                         int64_t upto, struct audit_verify_result *r)
{
	uint8_t pk[CRYPTO_PKBYTES];
	sqlite3_stmt *st;
	int rc, ret = 0;

	crypto_sign_pk(c, pk);
	if ((st = store_prepare(s, sql_cp_upto)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, upto) != SQLITE_OK) {
		sqlite3_reset(st);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((ret = verify_checkpoint(s, st, last, pk, r)) != 0)
			break;
		r->checkpoints++;
	}
	if (ret == 0 && rc != SQLITE_DONE) {
		log_err("audit: reading checkpoints: %s", sqlite3_errstr(rc));
		ret = -1;
	}
	sqlite3_reset(st);
	return ret;
}

/* Begin a read transaction unless one is open; 1 when we own it. */
static int
begin_read(struct store *s)
{
	sqlite3_stmt *st;

	if (s->in_txn)
		return 0;
	if ((st = store_prepare(s, sql_begin_read)) == NULL ||
	    store_step_done(st) == -1)
		return -1;
	return 1;
}

static void
report_broken(int ret, const struct audit_verify_result *r)
{
	if (ret == 1)
		log_warn("audit: chain broken at entry %lld: %s",
		         (long long)r->bad_seq, r->reason);
}

/* The walk callback of audit_verify: progress every few thousand. */
struct progress {
	void (*fn)(int64_t, int64_t, void *);
	void *arg;
	int64_t done, total;
};

static int
progress_cb(const struct audit_entry *e, const uint8_t hash[CRYPTO_HASHBYTES],
            void *arg)
{
	struct progress *p = arg;

	(void)e;
	(void)hash;
	if (++p->done % AUDIT_PROGRESS == 0)
		p->fn(p->done, p->total, p->arg);
	return 0;
}

/*
 * Entries and checkpoints are read in one read transaction, so the count,
 * the chain and the checkpoints come from the same snapshot even if another
 * connection writes meanwhile.
 */
int
audit_verify(struct store *s, const struct crypto *c,
             struct audit_verify_result *r,
             void (*progress)(int64_t done, int64_t total, void *arg),
             void *arg)
{
	static const uint8_t zero[CRYPTO_HASHBYTES];
	struct progress p = {progress, arg, 0, 0};
	int ret, own;

	memset(r, 0, sizeof(*r));
	if ((own = begin_read(s)) == -1)
		return -1;
	ret = count_entries(s, &r->total);
	p.total = r->total;
	if (ret == 0)
		ret = audit_walk(s, c, 0, zero, -1,
		                 progress != NULL ? progress_cb : NULL, &p, r);
	if (ret == 0)
		ret = audit_verify_checkpoints(s, c, r->last, INT64_MAX, r);
	if (own)
		store_rollback(s);
	report_broken(ret, r);
	return ret;
}

int
audit_verify_chunk(struct store *s, const struct crypto *c, int64_t after,
                   const uint8_t prev[CRYPTO_HASHBYTES], int64_t limit,
                   struct audit_verify_result *r)
{
	int ret, own;

	memset(r, 0, sizeof(*r));
	if ((own = begin_read(s)) == -1)
		return -1;
	ret = count_entries(s, &r->total);
	if (ret == 0)
		ret = audit_walk(s, c, after, prev, limit, NULL, NULL, r);
	if (ret == 0 && !r->more)
		ret = audit_verify_checkpoints(s, c, r->last, INT64_MAX, r);
	if (own)
		store_rollback(s);
	report_broken(ret, r);
	return ret;
}
