/*
 * fuzz_varlink.c - libFuzzer target: bytes from a peer through the
 * framing (lib/wire.c), the message decoder and the dispatcher with its
 * envelope checks, parameter validation against proto/, role checks,
 * group commit and every handler the bytes reach.
 *
 * Input: byte 0 picks the caller (admin, projectleider, partner, privacy
 * officer or an unknown uid) and, with bit 0x80, whether the writes run
 * as one group-commit batch at the end (as if each came from its own
 * connection) or each at once; byte 1 is the size of the pieces the
 * stream arrives in; the rest is the stream of NUL-terminated messages.
 *
 * Every input starts from the same state, so a crash reproduces from its
 * input alone: the database (a project with a protocol, partners, users
 * and two subjects) is copied into the daemon's connection with SQLite's
 * backup API, the key store file (keys.h) is written back and the keys
 * are opened again, which also drops data keys cached by the last input.
 * After each input the audit chain must still verify: whatever a peer
 * sends, the log stays intact.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ivt/wire.h"
#include "keys.h"
#include "varlink.h"

#define MSG_MAX   (64 * 1024) /* small, so oversized frames are reached */
#define BATCH_MAX 64

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uid_t callers[] = {0, 2001, 2002, 2003, 4242};

static struct config cfg;
static struct daemon_ctx ctx;
static sqlite3 *tmpl; /* the starting database of every input */
static char keydir[64];
static char store_path[PATH_MAX + 8];
static char store_bytes[65536]; /* the key store file after set-up */
static size_t store_len;

static void
fatal(const char *what)
{
	fprintf(stderr, "fuzz_varlink: set-up failed: %s\n", what);
	abort();
}

/* One call during set-up; it must succeed. */
static void
setup_call(uid_t uid, const char *text)
{
	json_t *msg, *r;
	int close_after;

	if ((msg = json_loads(text, 0, NULL)) == NULL)
		fatal(text);
	r = varlink_dispatch(&ctx, uid, 1, msg, &close_after);
	json_decref(msg);
	if (r == NULL || json_object_get(r, "error") != NULL) {
		if (r != NULL)
			json_dumpf(r, stderr, JSON_COMPACT);
		fatal(text);
	}
	json_decref(r);
}

/* Remove the key files (at exit: libFuzzer ends with exit()). */
static void
remove_keys(void)
{
	static const char *const suffix[] = {"", ".store", ".next",
	                                     ".store.tmp"};
	char path[PATH_MAX + 16];
	size_t i;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", cfg.key_path, suffix[i]);
		unlink(path);
	}
	rmdir(keydir);
}

/* Keep the key store as set-up left it (tmpfs when there is one). */
static void
save_key_store(void)
{
	ssize_t n;
	int fd;

	snprintf(store_path, sizeof(store_path), "%s.store", cfg.key_path);
	if ((fd = open(store_path, O_RDONLY)) == -1)
		fatal("key store");
	n = read(fd, store_bytes, sizeof(store_bytes));
	close(fd);
	if (n <= 0 || (size_t)n == sizeof(store_bytes))
		fatal("key store size");
	store_len = (size_t)n;
}

static void
restore_keys(void)
{
	char err[256], next[PATH_MAX + 8];
	int fd;

	snprintf(next, sizeof(next), "%s.next", cfg.key_path);
	unlink(next);
	if ((fd = open(store_path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    write(fd, store_bytes, store_len) != (ssize_t)store_len)
		fatal("key store restore");
	close(fd);
	keys_close(&ctx);
	if (keys_open(&ctx, 0, err, sizeof(err)) == -1)
		fatal(err);
}

static void
copy_db(sqlite3 *to, sqlite3 *from)
{
	sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");

	if (b == NULL || sqlite3_backup_step(b, -1) != SQLITE_DONE ||
	    sqlite3_backup_finish(b) != SQLITE_OK)
		fatal("database copy");
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const calls[] = {
	    "{\"method\":\"nl.ivtd.Partner.Add\",\"parameters\":"
	    "{\"name\":\"UWV\",\"kind\":\"landelijke_dienst\"}}",
	    "{\"method\":\"nl.ivtd.Partner.Add\",\"parameters\":"
	    "{\"name\":\"Politie\",\"kind\":\"politie\"}}",
	    "{\"method\":\"nl.ivtd.User.Add\",\"parameters\":{\"uid\":2001,"
	    "\"name\":\"alice\",\"role\":\"projectleider\"}}",
	    "{\"method\":\"nl.ivtd.User.Add\",\"parameters\":{\"uid\":2002,"
	    "\"name\":\"bob\",\"role\":\"partner\",\"org\":\"UWV\"}}",
	    "{\"method\":\"nl.ivtd.User.Add\",\"parameters\":{\"uid\":2003,"
	    "\"name\":\"carol\",\"role\":\"privacy\"}}",
	};
	static const char *const pl_calls[] = {
	    "{\"method\":\"nl.ivtd.Project.Create\",\"parameters\":{"
	    "\"name\":\"Noord\",\"gemeente\":\"Utrecht\",\"problem\":\"p\","
	    "\"themes\":[],\"area\":[\"3511AA-3511ZZ\",\"3512AB\"],"
	    "\"legal_basis\":\"b\",\"purpose\":\"d\"}}",
	    "{\"method\":\"nl.ivtd.Project.Advance\",\"parameters\":"
	    "{\"id\":1,\"rationale\":\"start\"}}",
	    "{\"method\":\"nl.ivtd.Project.Decide\",\"parameters\":{\"id\":1,"
	    "\"gate\":\"probleemdefinitie\",\"go\":true,\"rationale\":\"r\"}}",
	    "{\"method\":\"nl.ivtd.Project.Decide\",\"parameters\":{\"id\":1,"
	    "\"gate\":\"collegebesluit\",\"go\":true,\"rationale\":\"r\"}}",
	    "{\"method\":\"nl.ivtd.Project.Decide\",\"parameters\":{\"id\":1,"
	    "\"gate\":\"rpf\",\"go\":true,\"rationale\":\"r\"}}",
	    "{\"method\":\"nl.ivtd.Project.Decide\",\"parameters\":{\"id\":1,"
	    "\"gate\":\"lsi\",\"go\":true,\"rationale\":\"r\"}}",
	    "{\"method\":\"nl.ivtd.Project.Advance\",\"parameters\":"
	    "{\"id\":1,\"rationale\":\"go\"}}",
	    "{\"method\":\"nl.ivtd.Protocol.Register\",\"parameters\":{"
	    "\"project\":1,\"date\":\"2026-01-01\",\"reference\":\"AP\"}}",
	    "{\"method\":\"nl.ivtd.Protocol.Grant\",\"parameters\":{"
	    "\"project\":1,\"partner\":\"UWV\",\"rights\":[\"leveren\","
	    "\"inlezen\"],\"fields\":[\"adres\",\"bsn\"]}}",
	    "{\"method\":\"nl.ivtd.Subject.Create\",\"parameters\":{"
	    "\"project\":1,\"street\":\"Dorpsstraat\",\"huisnummer\":\"12\","
	    "\"postcode\":\"3511AB\",\"woonplaats\":\"Utrecht\",\"persons\":"
	    "[{\"bsn\":\"111222333\",\"name\":\"Jan Jansen\"}],"
	    "\"partners\":[\"UWV\"]}}",
	    "{\"method\":\"nl.ivtd.Subject.Create\",\"parameters\":{"
	    "\"project\":1,\"street\":\"Kerkweg\",\"huisnummer\":\"3\","
	    "\"postcode\":\"3512AB\",\"woonplaats\":\"Utrecht\"}}",
	};
	char err[256];
	size_t i;

	(void)argc;
	(void)argv;
	log_set_level(LOG_ERR);
	if (crypto_init() == -1)
		fatal("crypto_init");
	config_defaults(&cfg);
	cfg.max_message = MSG_MAX;
	ctx.cfg = &cfg;
	snprintf(keydir, sizeof(keydir), "%s/ivt-fuzz-keys.XXXXXX",
	         access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(keydir) == NULL)
		fatal("key directory");
	snprintf(cfg.key_path, sizeof(cfg.key_path), "%s/master.key", keydir);
	atexit(remove_keys);
	if ((ctx.store = store_open(":memory:", err, sizeof(err))) == NULL ||
	    keys_open(&ctx, 1, err, sizeof(err)) == -1 ||
	    varlink_init(&ctx, err, sizeof(err)) == -1 ||
	    auth_bootstrap(ctx.store, ctx.crypto, 0, 1000) == -1)
		fatal("daemon context");
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		setup_call(0, calls[i]);
	for (i = 0; i < sizeof(pl_calls) / sizeof(pl_calls[0]); i++)
		setup_call(2001, pl_calls[i]);
	if (sqlite3_open(":memory:", &tmpl) != SQLITE_OK)
		fatal("template database");
	copy_db(tmpl, ctx.store->db);
	save_key_store();
	return 0;
}

/* Run the batch and drop the replies (the server would send them). */
static void
run_batch(struct call **batch, size_t *n)
{
	size_t i;

	if (*n == 0)
		return;
	varlink_run_batch(&ctx, batch, *n);
	for (i = 0; i < *n; i++)
		json_decref(varlink_finish(batch[i]));
	*n = 0;
}

/* Dispatch one framed message; 0 to read on, -1 when the server would
 * close the connection. */
static int
one_message(uid_t uid, const char *msg, size_t len, struct call **batch,
            size_t *nbatch, int grouped)
{
	struct call *deferred = NULL;
	char err[128];
	json_t *m, *r;
	int close_after = 0;

	if ((m = ivt_msg_parse(msg, len, err, sizeof(err))) == NULL)
		return -1;
	r = varlink_dispatch_batched(&ctx, uid, 1, m, &close_after, &deferred);
	json_decref(m);
	if (deferred != NULL) {
		batch[(*nbatch)++] = deferred;
		if (!grouped || *nbatch == BATCH_MAX)
			run_batch(batch, nbatch);
		return 0;
	}
	json_decref(r);
	return close_after ? -1 : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct call *batch[BATCH_MAX];
	struct audit_verify_result vr;
	struct ivt_framer fr;
	enum ivt_frame_rc rc;
	const char *msg;
	size_t chunk, off, n, len, nbatch = 0;
	uid_t uid;
	int grouped, done = 0;

	if (size < 2)
		return 0;
	uid =
	    callers[(data[0] & 0x7f) % (sizeof(callers) / sizeof(callers[0]))];
	grouped = data[0] & 0x80;
	chunk = (size_t)data[1] + 1;
	data += 2;
	size -= 2;
	copy_db(ctx.store->db, tmpl);
	restore_keys();
	ivt_framer_init(&fr, cfg.max_message);
	for (off = 0; !done && off < size; off += n) {
		n = size - off < chunk ? size - off : chunk;
		if (ivt_framer_push(&fr, data + off, n) == -1)
			abort();
		while (!done && (rc = ivt_framer_next(&fr, &msg, &len)) !=
		                    IVT_FRAME_MORE)
			done = rc == IVT_FRAME_TOOBIG ||
			       one_message(uid, msg, len, batch, &nbatch,
			                   grouped) == -1;
	}
	run_batch(batch, &nbatch);
	ivt_framer_free(&fr);
	if (audit_verify(ctx.store, ctx.crypto, &vr, NULL, NULL) != 0) {
		fprintf(stderr, "fuzz_varlink: audit chain broken\n");
		abort();
	}
	return 0;
}
