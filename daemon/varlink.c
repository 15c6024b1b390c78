/*
 * varlink.c - interface registry and method dispatch.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "ivt/wire.h"
#include "log.h"
#include "import.h"
#include "ratelimit.h"
#include "register.h"
#include "varlink.h"

extern const char *const ivt_proto_text[];
extern const size_t ivt_proto_count;

static const struct method *const method_tables[] = {
	service_methods,
	user_methods,
	partner_methods,
	audit_methods,
	privacy_methods,
	project_methods,
	protocol_methods,
	journal_methods,
	subject_methods,
	actualise_methods,
	admin_methods,
	day_methods,
	finding_methods,
	report_methods,
	import_methods,
	retention_methods,
	key_methods,
};

#define NTABLES (sizeof(method_tables) / sizeof(method_tables[0]))
#define METHOD_NAME_MAX 255

int
varlink_init(struct daemon_ctx *ctx, char *err, size_t errlen)
{
	char perr[256];
	size_t i;

	ctx->ifaces = calloc(ivt_proto_count, sizeof(*ctx->ifaces));
	if (ctx->ifaces == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < ivt_proto_count; i++) {
		ctx->ifaces[i] = idl_parse(ivt_proto_text[i],
		                           strlen(ivt_proto_text[i]), perr,
		                           sizeof(perr));
		if (ctx->ifaces[i] == NULL) {
			snprintf(err, errlen, "embedded interface %zu: %s", i,
			         perr);
			varlink_free(ctx);
			return -1;
		}
		ctx->nifaces = i + 1;
	}
	if (ctx->cfg != NULL &&
	    (ctx->denials = ratelimit_new(
	         (unsigned)ctx->cfg->denials_burst,
	         (unsigned)ctx->cfg->denials_per_minute,
	         (unsigned)ctx->cfg->denials_total_burst,
	         (unsigned)ctx->cfg->denials_total_per_minute)) == NULL) {
		snprintf(err, errlen, "out of memory");
		varlink_free(ctx);
		return -1;
	}
	/* Every activity a method names must be in the register. */
	if (register_init(method_tables, NTABLES, err, errlen) == -1) {
		varlink_free(ctx);
		return -1;
	}
	return 0;
}

void
varlink_free(struct daemon_ctx *ctx)
{
	size_t i;

	import_free_all();
	ratelimit_free(ctx->denials);
	ctx->denials = NULL;
	json_decref(ctx->info);
	ctx->info = NULL;
	ivt_msg_free(ctx->info_raw, ctx->info_rawlen);
	ctx->info_raw = NULL;
	ctx->info_rawlen = 0;
	for (i = 0; i < ctx->nifaces; i++)
		idl_free(ctx->ifaces[i]);
	free(ctx->ifaces);
	ctx->ifaces = NULL;
	ctx->nifaces = 0;
}

static const struct idl_interface *
find_iface(const struct daemon_ctx *ctx, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ctx->nifaces; i++) {
		if (strlen(ctx->ifaces[i]->name) == len &&
		    memcmp(ctx->ifaces[i]->name, name, len) == 0)
			return ctx->ifaces[i];
	}
	return NULL;
}

static const struct method *
find_handler(const char *name)
{
	const struct method *m;
	size_t i;

	for (i = 0; i < NTABLES; i++) {
		for (m = method_tables[i]; m->name != NULL; m++) {
			if (strcmp(m->name, name) == 0)
				return m;
		}
	}
	return NULL;
}

void
format_time(int64_t us, char *buf, size_t len)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
call_fail(struct call *c, const char *error, const char *fmt, ...)
{
	json_error_t jerr;
	va_list ap;

	c->error = error;
	json_decref(c->error_params);
	va_start(ap, fmt);
	c->error_params = json_vpack_ex(&jerr, 0, fmt, ap);
	va_end(ap);
	if (c->error_params == NULL)
		c->error_params = json_object();
	return -1;
}

int
call_denied(struct call *c, const char *reason)
{
	return call_fail(c, "nl.ivtd.PermissionDenied", "{s:s}", "reason",
	                 reason);
}

int
call_not_found(struct call *c, const char *kind, const char *id)
{
	return call_fail(c, "nl.ivtd.NotFound", "{s:s,s:s}", "kind", kind,
	                 "id", id);
}

int
call_invalid(struct call *c, const char *param, const char *reason)
{
	return call_fail(c, "nl.ivtd.InvalidValue", "{s:s,s:s}", "parameter",
	                 param, "reason", reason);
}

int
call_internal(struct call *c)
{
	return call_fail(c, "nl.ivtd.Internal", "{s:s}", "reason",
	                 "the daemon could not complete the call; "
	                 "nothing was changed");
}

void
call_object(struct call *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->object, sizeof(c->object), fmt, ap);
	va_end(ap);
}

json_t *
rows_json(sqlite3_stmt *st, json_t *(*row)(sqlite3_stmt *))
{
	json_t *list, *v;
	int rc;

	if (st == NULL || (list = json_array()) == NULL)
		return NULL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((v = row(st)) == NULL ||
		    json_array_append_new(list, v) == -1) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(list);
		return NULL;
	}
	return list;
}

int
call_reply_rows(struct call *c, sqlite3_stmt *st, const char *key,
                json_t *(*row)(sqlite3_stmt *))
{
	json_t *list;

	if ((list = rows_json(st, row)) == NULL)
		return call_internal(c);
	c->reply = json_pack("{s:o}", key, list);
	return c->reply ? 0 : call_internal(c);
}

json_t *
varlink_protocol_error(const char *reason)
{
	return json_pack("{s:s,s:{s:s}}", "error", "nl.ivtd.ProtocolError",
	                 "parameters", "reason", reason);
}

/* The audit entry of call c, with the call's fields filled in. */
static void
call_entry(const struct call *c, struct audit_entry *e, const char *result)
{
	memset(e, 0, sizeof(*e));
	e->ts_start = c->ts_start;
	e->ts_end = store_now_us();
	memcpy(e->trace_id, c->trace_id, sizeof(e->trace_id));
	memcpy(e->span_id, c->span_id, sizeof(e->span_id));
	e->actor_uid = c->who.uid;
	e->actor_name = c->who.known ? c->who.name : "";
	e->role = c->who.known ? role_name(c->who.role) : "";
	e->org = c->who.org;
	e->method = c->method;
	e->activity = c->activity ? c->activity : "";
	e->project = c->project;
	e->object = c->object;
	e->subject = e->subject_type = e->fields = "";
	e->result = result;
	e->error = c->error ? c->error : "";
}

/*
 * The personal-data fields an audit entry can name, one bit each, so that
 * a call records each field of a data subject once: a second disclosure
 * of the subject in the same call is entered only for fields not named
 * yet (a merged Subject.Create writes the address, then shows it with the
 * decision on a conflict and the partners' reasons).
 */
static const char *const field_names[] = {
    "straat",       "huisnummer",          "toevoeging",
    "postcode",     "woonplaats",          "bsn",
    "naam",         "geboortedatum",       "besluit",
    "belang.reden", "bevinding.categorie", "bevinding.notes",
    "journal.note",
};
#define NFIELD_NAMES (sizeof(field_names) / sizeof(field_names[0]))

/* The bits of a comma list of field names; -1 for a name not listed (a
 * bug: an entry must not lose a field). */
static int
field_bits(const char *list, uint32_t *bits)
{
	const char *p = list, *end;
	size_t i, n;

	*bits = 0;
	while (*p != '\0') {
		end = strchr(p, ',');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		for (i = 0; i < NFIELD_NAMES; i++) {
			if (strlen(field_names[i]) == n &&
			    memcmp(field_names[i], p, n) == 0)
				break;
		}
		if (i == NFIELD_NAMES) {
			log_err("audit: a disclosure names an unknown field");
			return -1;
		}
		*bits |= 1u << i;
		p += n + (end != NULL);
	}
	return 0;
}

/* The names of bits, in the order of field_names (buf holds them all). */
static void
field_list(uint32_t bits, char *buf, size_t len)
{
	size_t i, off = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < NFIELD_NAMES; i++) {
		if (!(bits & (1u << i)))
			continue;
		n = snprintf(buf + off, len - off, "%s%s", off ? "," : "",
		             field_names[i]);
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
	}
}

struct seen_slot {
	uint64_t key;    /* 0: empty */
	uint32_t fields; /* field_names bits entered for it so far */
};

/*
 * Add key with fields to the call's set of data subjects: 1 when the key
 * was new, 0 when not; *fresh gets the fields not entered for it before.
 */
static int
seen_insert(struct call *c, uint64_t key, uint32_t fields, uint32_t *fresh)
{
	struct seen_slot *ns;
	size_t i, j, ncap;

	key |= 1; /* 0 marks an empty slot */
	if ((c->nseen + 1) * 2 > c->capseen) {
		ncap = c->capseen ? c->capseen * 2 : 64;
		if ((ns = calloc(ncap, sizeof(*ns))) == NULL)
			return -1;
		for (i = 0; i < c->capseen; i++) {
			if (c->seen[i].key == 0)
				continue;
			for (j = c->seen[i].key % ncap; ns[j].key != 0;
			     j = (j + 1) % ncap)
				;
			ns[j] = c->seen[i];
		}
		free(c->seen);
		c->seen = ns;
		c->capseen = ncap;
	}
	for (j = key % c->capseen; c->seen[j].key != 0;
	     j = (j + 1) % c->capseen) {
		if (c->seen[j].key == key) {
			*fresh = fields & ~c->seen[j].fields;
			c->seen[j].fields |= fields;
			return 0;
		}
	}
	c->seen[j].key = key;
	c->seen[j].fields = fields;
	c->nseen++;
	*fresh = fields;
	return 1;
}

/*
 * Remember a data subject and the fields disclosed of it: 1 when it was
 * new, 0 when not (*fresh: the fields new for it).  Open addressing on
 * the pseudonym's first 64 bits (keyed hash output: uniform), mixed with
 * its type.  Sized for imports of hundreds of thousands of subjects.
 * Data held in a project is remembered per project: one person's data in
 * two projects (a search across them) are two disclosures, each with its
 * project and fields.  Without a project (a search, an inzage) the
 * subject is new only if no entry of the call named it yet.
 */
static int
seen_add(struct call *c, const char *subject, const char *type, int64_t project,
         uint32_t fields, uint32_t *fresh)
{
	uint64_t key = 0;
	uint32_t any;
	size_t i;
	int isnew;

	for (i = 0; i < 16 && subject[i] != '\0'; i++)
		key = key << 4 |
		      (uint64_t)(subject[i] <= '9' ? subject[i] - '0'
		                                   : (subject[i] | 0x20) - 'a' + 10);
	key ^= (uint64_t)(unsigned char)type[0] << 56;
	if (project == 0)
		return seen_insert(c, key, fields, fresh);
	isnew = seen_insert(c, key ^ (uint64_t)project * 0x9e3779b97f4a7c15ULL,
	                    fields, fresh);
	if (isnew != -1 && seen_insert(c, key, fields, &any) == -1)
		return -1;
	return isnew;
}

int
call_disclose(struct call *c, const char *subject, const char *type,
              const char *fields, int64_t project)
{
	struct audit_entry e;
	char only[256];
	uint8_t rnd[8];
	uint32_t bits, fresh;
	int isnew;

	if (!c->ctx->store->in_txn)
		return -1; /* a method without M_WRITE/M_AUDIT: a bug */
	if (field_bits(fields, &bits) == -1)
		return -1;
	if (subject[0] != '\0') {
		isnew =
		    seen_add(c, subject, type,
		             project != 0 ? project : c->project, bits, &fresh);
		if (isnew == -1)
			return -1;
		if (isnew == 0 && fresh == 0)
			return 0; /* entered already in this call */
		if (isnew == 0) {
			field_list(fresh, only, sizeof(only));
			fields = only;
		}
	}
	call_entry(c, &e, "allowed");
	e.subject = subject;
	e.subject_type = type;
	e.fields = fields;
	if (project != 0)
		e.project = project;
	/* The first subject is the call's own span; the rest get new ones. */
	if (c->ndisclosed > 0) {
		crypto_nonce(rnd, sizeof(rnd));
		crypto_hex(rnd, sizeof(rnd), e.span_id);
	}
	if (audit_append(c->ctx->store, c->ctx->crypto, &e,
	                 c->ctx->cfg->checkpoint_every) < 0)
		return -1;
	c->ndisclosed++;
	return 0;
}

/*
 * The call's own audit entry, inside the open transaction.  A successful
 * call whose data subjects were recorded by call_disclose needs no more.
 */
static int
audit_call(struct call *c, const char *result)
{
	struct audit_entry e;

	if (c->ndisclosed > 0 && strcmp(result, "allowed") == 0)
		return 0;
	call_entry(c, &e, result);
	return audit_append(c->ctx->store, c->ctx->crypto, &e,
	                    c->ctx->cfg->checkpoint_every) < 0
	           ? -1
	           : 0;
}

/* Audit an outcome in a transaction of its own (denials, failed writes). */
static void
audit_alone(struct call *c, const char *result)
{
	struct store *s = c->ctx->store;

	if (store_begin(s) == -1 || audit_call(c, result) == -1 ||
	    store_commit(s) == -1) {
		store_rollback(s);
		log_err("audit: cannot record %s call to %s", result,
		        c->method);
	}
}

/* "uid:N", or "uid:other" for uids the rate limiter forgot. */
static void
uid_text(char *buf, size_t len, uint64_t uid)
{
	if (uid == RATELIMIT_OTHER)
		snprintf(buf, len, "uid:other");
	else
		snprintf(buf, len, "uid:%llu", (unsigned long long)uid);
}

/* A system entry: count refusals of uid were answered but not audited. */
static int
audit_unaudited(struct daemon_ctx *ctx, uint64_t uid, uint64_t count)
{
	struct audit_entry e;
	char object[64], who[32];

	uid_text(who, sizeof(who), uid);
	snprintf(object, sizeof(object), "%s refused:%llu", who,
	         (unsigned long long)count);
	audit_system_entry(&e, "ivtd.denials-not-audited", object);
	return audit_append(ctx->store, ctx->crypto, &e,
	                    ctx->cfg->checkpoint_every) < 0
	           ? -1
	           : 0;
}

/* The rate limiter's clock: the wall clock may step back. */
static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
varlink_audit_refusals(struct daemon_ctx *ctx)
{
	uint64_t keys[RATELIMIT_DRAIN_MAX], counts[RATELIMIT_DRAIN_MAX];
	struct store *s = ctx->store;
	char who[32];
	size_t i, n;

	if (ctx->denials == NULL || s->in_txn ||
	    (n = ratelimit_drain(ctx->denials, keys, counts)) == 0)
		return 0;
	if (store_begin(s) == 0) {
		for (i = 0; i < n; i++) {
			if (audit_unaudited(ctx, keys[i], counts[i]) == -1)
				break;
		}
		if (i == n && store_commit(s) == 0)
			return 0;
		store_rollback(s);
	}
	/* Pending again for the next minute (or only in the daemon log, at
	 * shutdown): every refusal is an entry or in a counted one. */
	for (i = 0; i < n; i++) {
		ratelimit_restore(ctx->denials, keys[i], counts[i]);
		uid_text(who, sizeof(who), keys[i]);
		log_err("audit: cannot record %llu refused calls of %s yet",
		        (unsigned long long)counts[i], who);
	}
	return -1;
}

static void
refusals_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)varlink_audit_refusals(arg);
}

static struct event *refusals_tick;

int
varlink_attach(struct daemon_ctx *ctx, struct event_base *base)
{
	struct timeval minute = {60, 0};

	refusals_tick = event_new(base, -1, EV_PERSIST, refusals_cb, ctx);
	return refusals_tick == NULL ? -1 : event_add(refusals_tick, &minute);
}

void
varlink_detach(void)
{
	if (refusals_tick != NULL)
		event_free(refusals_tick);
	refusals_tick = NULL;
}

/*
 * A refusal of a uid that is no (enabled) user: audited as any denial up
 * to unknown_denials_burst per uid and unknown_denials_total_burst for
 * all of them, then only counted until the allowance comes back
 * (ratelimit.h); the count goes into the log before the next entry of
 * that uid, in the same transaction, or with the minute timer.
 */
static void
audit_unknown_denial(struct call *c)
{
	struct store *s = c->ctx->store;
	uint64_t uid = (uint64_t)c->who.uid, refused = 0, evicted = 0,
		 ekey = 0;
	int r = 1;

	if (c->ctx->denials != NULL)
		r = ratelimit_take(c->ctx->denials, uid, mono_us(), &refused,
		                   &evicted, &ekey);
	if (r == 0 && refused == 1)
		log_warn("uid %llu: refused calls are no longer audited "
		         "one by one, but counted (unknown_denials_burst)",
		         (unsigned long long)uid);
	/* Said once, not per uid: an attacker taking turns with many uids
	 * would make that a flood too. */
	if (r == -1 && !c->ctx->denials_counting)
		log_warn("refused calls of unknown uids are no longer audited "
		         "one by one, but counted "
		         "(unknown_denials_total_burst)");
	c->ctx->denials_counting =
	    r == -1 || (r == 0 && c->ctx->denials_counting);
	if (r != 1)
		return;
	if (evicted > 0)
		log_warn("uid %llu forgotten with %llu refused calls not "
		         "audited one by one; the count is audited",
		         (unsigned long long)ekey, (unsigned long long)evicted);
	if (store_begin(s) == -1 ||
	    (evicted > 0 && audit_unaudited(c->ctx, ekey, evicted) == -1) ||
	    (refused > 0 && audit_unaudited(c->ctx, uid, refused) == -1) ||
	    audit_call(c, "denied") == -1 || store_commit(s) == -1) {
		store_rollback(s);
		/* This refusal and the counts handed over are counted again,
		 * for the minute timer's entry. */
		if (c->ctx->denials != NULL) {
			ratelimit_restore(c->ctx->denials, uid, refused + 1);
			if (evicted > 0)
				ratelimit_restore(c->ctx->denials, ekey,
				                  evicted);
		}
		log_err("audit: cannot record denied call to %s of uid %llu "
		        "(with %llu refusals counted before; %llu of uid "
		        "%llu); counted instead",
		        c->method, (unsigned long long)uid,
		        (unsigned long long)refused, (unsigned long long)evicted,
		        (unsigned long long)ekey);
	}
}

static int
is_denial(const struct call *c)
{
	return c->error != NULL &&
	       strcmp(c->error, "nl.ivtd.PermissionDenied") == 0;
}

/* A call whose work did not last after all: its reply goes, and it
 * fails as internal. */
static void
call_undone(struct call *c)
{
	json_decref(c->reply);
	c->reply = NULL;
	call_internal(c);
}

/*
 * A call of a batch that did not commit, once the batch is rolled back:
 * it failed, unless it was refused before the batch (audit_denial), which
 * stays refused and is entered on its own.
 */
void
varlink_unbatched(struct call *c)
{
	if (c->refused) {
		audit_alone(c, "denied");
		return;
	}
	call_undone(c);
}

/* The same inside the batch: a refusal waits for the batch's end. */
static void
batch_call_failed(struct call *c)
{
	if (!c->refused)
		call_undone(c);
}

/* Run one writing call inside the open transaction, in a savepoint. */
static void
run_in_savepoint(struct call *c)
{
	struct store *s = c->ctx->store;
	int rc;

	/* After SQLite rolled the batch back, nothing more may run in it:
	 * its COMMIT fails and every call of the batch with it. */
	if (!store_txn_open(s) || store_savepoint(s) == -1) {
		/* Without a savepoint a refusal's entry goes straight into
		 * the open transaction: it changes nothing else. */
		if (c->refused && store_txn_open(s) &&
		    audit_call(c, "denied") == -1)
			log_err("audit: cannot record denied call to %s",
			        c->method);
		batch_call_failed(c);
		return;
	}
	/* A call refused before the batch only needs its entry (below). */
	rc = c->refused ? -1 : c->m->fn(c);
	/* Refused by its handler: now refused like a call refused before
	 * the batch, so that a batch that fails keeps it a refusal (entered
	 * on its own by varlink_unbatched). */
	if (rc == -1 && is_denial(c))
		c->refused = 1;
	if (rc == 0 && audit_call(c, "allowed") == 0) {
		if (store_release(s) == 0)
			return;
	}
	if (!store_txn_open(s)) {
		/* Gone with the whole transaction; no entry outside it. */
		log_err("transaction rolled back during %s", c->method);
		batch_call_failed(c);
		return;
	}
	/* Nothing of the call stays, not even its disclosure entries. */
	if (store_rollback_to(s) == -1)
		log_err("cannot roll back a failed %s", c->method);
	c->ndisclosed = 0;
	c->nseen = 0;
	if (c->seen != NULL)
		memset(c->seen, 0, c->capseen * sizeof(*c->seen));
	if (rc == 0)
		call_undone(c);
	if (audit_call(c, is_denial(c) ? "denied" : "error") == -1)
		log_err("audit: cannot record failed call to %s", c->method);
}

void
varlink_run_batch(struct daemon_ctx *ctx, struct call **calls, size_t n)
{
	size_t i;

	if (n == 0)
		return;
	if (store_begin(ctx->store) == -1) {
		for (i = 0; i < n; i++)
			varlink_unbatched(calls[i]);
		return;
	}
	for (i = 0; i < n; i++)
		run_in_savepoint(calls[i]);
	if (store_commit(ctx->store) == 0)
		return;
	/* Nothing was committed: no call may report success. */
	log_err("group commit of %zu calls failed", n);
	for (i = 0; i < n; i++)
		varlink_unbatched(calls[i]);
}

/*
 * Run the handler at once.  Writes and disclosures run in a transaction
 * of their own with their audit entry (a batch of one), so the entry
 * exists exactly when the change does; the reply is built only after
 * COMMIT returned.  1 when a read was refused: its entry is still due
 * (audit_denial).
 */
static int
run_call(struct call *c, const struct method *m)
{
	c->m = m;
	if (!(m->flags & (M_WRITE | M_AUDIT)))
		return m->fn(c) == -1 && is_denial(c) ? 1 : 0;
	varlink_run_batch(c->ctx, &c, 1);
	return 0;
}

/*
 * The entry of a refused call.  In the server it waits for the next group
 * commit like a write (run_in_savepoint enters it), so that a user who
 * pipelines refused calls shares fsyncs with everyone and cannot hold
 * the event loop in one fsync per refusal; elsewhere, in a transaction of
 * its own.
 */
static void
audit_denial(struct call *c, const struct method *m, struct call **deferred)
{
	if (deferred == NULL) {
		audit_alone(c, "denied");
		return;
	}
	c->m = m;
	c->refused = 1;
	*deferred = c;
}

/*
 * W3C traceparent "00-<32 hex trace>-<16 hex span>-<2 hex flags>": keep
 * the caller's trace id so its entries link to the caller's own log.
 * Anything malformed is ignored and a fresh trace started.
 */
static int
parse_traceparent(const char *tp, char trace[33], char parent[17])
{
	size_t i;

	if (tp == NULL || strlen(tp) != 55 || strncmp(tp, "00-", 3) != 0 ||
	    tp[35] != '-' || tp[52] != '-')
		return -1;
	for (i = 3; i < 55; i++) {
		if (i == 35 || i == 52)
			continue;
		if (!((tp[i] >= '0' && tp[i] <= '9') ||
		      (tp[i] >= 'a' && tp[i] <= 'f')))
			return -1;
	}
	/* All-zero ids are invalid per the W3C spec. */
	if (strspn(tp + 3, "0") >= 32 || strspn(tp + 36, "0") >= 16)
		return -1;
	memcpy(trace, tp + 3, 32);
	trace[32] = '\0';
	memcpy(parent, tp + 36, 16);
	parent[16] = '\0';
	return 0;
}

/* Envelope checks: method string, parameters object, boolean flags. */
static const char *
check_envelope(json_t *msg, int *oneway)
{
	const char *flags[] = {"oneway", "more", "upgrade"};
	json_t *v;
	size_t i;

	v = json_object_get(msg, "method");
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > METHOD_NAME_MAX)
		return "missing or invalid \"method\"";
	v = json_object_get(msg, "parameters");
	if (v != NULL && !json_is_object(v))
		return "\"parameters\" must be an object";
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		v = json_object_get(msg, flags[i]);
		if (v != NULL && !json_is_boolean(v))
			return "call flags must be booleans";
	}
	if (json_is_true(json_object_get(msg, "upgrade")))
		return "protocol upgrades are not supported";
	*oneway = json_is_true(json_object_get(msg, "oneway"));
	return NULL;
}

/* Resolve interface, method, handler and parameters; NULL on error. */
static const struct method *
resolve(struct call *c)
{
	const struct idl_interface *iface;
	const struct idl_method *im;
	const struct method *m;
	const char *dot;
	char bad[256];

	dot = strrchr(c->method, '.');
	if (dot == NULL || dot == c->method ||
	    (iface = find_iface(c->ctx, c->method,
	                        (size_t)(dot - c->method))) == NULL) {
		char name[METHOD_NAME_MAX + 1];

		snprintf(name, sizeof(name), "%.*s",
		         dot ? (int)(dot - c->method) : 0, c->method);
		call_fail(c, "org.varlink.service.InterfaceNotFound", "{s:s}",
		          "interface", name);
		return NULL;
	}
	if ((im = idl_find_method(iface, dot + 1)) == NULL) {
		call_fail(c, "org.varlink.service.MethodNotFound", "{s:s}",
		          "method", c->method);
		return NULL;
	}
	if ((m = find_handler(c->method)) == NULL) {
		call_fail(c, "org.varlink.service.MethodNotImplemented",
		          "{s:s}", "method", c->method);
		return NULL;
	}
	if (idl_check_params(iface, im, c->params, bad, sizeof(bad)) == -1) {
		call_fail(c, "org.varlink.service.InvalidParameter", "{s:s}",
		          "parameter", bad);
		return NULL;
	}
	return m;
}

/* Identity and role check: 0 allowed; -1 refused; 1 refused and its
 * audit entry still due (audit_denial). */
static int
authorize(struct call *c, const struct method *m, uid_t uid)
{
	if (m->flags & M_PUBLIC)
		return 0;
	if (auth_lookup(c->ctx->store, uid, &c->who) == -1) {
		call_internal(c);
		return -1;
	}
	if (!c->who.known) {
		call_denied(c, "unknown or disabled user");
		audit_unknown_denial(c);
		return -1;
	}
	if (!(m->roles & c->who.role)) {
		call_denied(c, "role may not call this method");
		return 1;
	}
	return 0;
}

static json_t *
build_reply(struct call *c)
{
	json_t *params = c->error ? c->error_params : c->reply;

	/* "O" takes a reference to what the call owns; "o" a new {}. */
	if (c->error != NULL)
		return params ? json_pack("{s:s,s:O}", "error", c->error,
		                          "parameters", params)
		              : json_pack("{s:s,s:o}", "error", c->error,
		                          "parameters", json_object());
	return params ? json_pack("{s:O}", "parameters", params)
	              : json_pack("{s:o}", "parameters", json_object());
}

/* The reply names the call's trace and span, so a caller can find its
 * own entries in the audit log (ivtctl --trace): "00-trace-span-01". */
static void
traceparent_text(const struct call *c, char tp[56])
{
	memcpy(tp, "00-", 3);
	memcpy(tp + 3, c->trace_id, 32);
	tp[35] = '-';
	memcpy(tp + 36, c->span_id, 16);
	memcpy(tp + 52, "-01", 4);
}

static json_t *
traceparent(const struct call *c)
{
	char tp[56];

	traceparent_text(c, tp);
	return json_string(tp);
}

static void
reply_log(const struct call *c)
{
	/* A method name that is not one of ours is the caller's text, which
	 * could hold anything (personal data too): not logged. */
	if (c->error != NULL)
		log_debug("%s: %s (uid %u)",
		          find_handler(c->method) != NULL ? c->method
		                                          : "unknown method",
		          c->error, (unsigned)c->who.uid);
}

/* The reply to c as it stands; continues marks one of a stream. */
static json_t *
make_reply(struct call *c, int continues)
{
	json_t *r;

	reply_log(c);
	r = build_reply(c);
	if (r != NULL) {
		json_object_set_new(r, "traceparent", traceparent(c));
		if (continues)
			json_object_set_new(r, "continues", json_true());
	}
	return r;
}

void
varlink_call_free(struct call *c)
{
	if (c == NULL)
		return;
	if (c->state != NULL && c->state_free != NULL)
		c->state_free(c->state);
	json_decref(c->reply);
	json_decref(c->error_params);
	json_decref(c->msg);
	free(c->seen);
	free(c);
}

json_t *
varlink_finish(struct call *c)
{
	json_t *r = c->oneway ? NULL : make_reply(c, 0);

	varlink_call_free(c);
	return r;
}

void
varlink_drop(struct call *c)
{
	reply_log(c);
	varlink_call_free(c);
}

int
varlink_finish_wire(struct call *c, char **buf, size_t *len)
{
	char tp[56];
	int rc = 0;

	*buf = NULL;
	*len = 0;
	if (!c->oneway) {
		reply_log(c);
		traceparent_text(c, tp);
		*buf = c->error != NULL
		           ? ivt_reply_encode(c->error, c->error_params, NULL,
		                              0, tp, 0, len)
		           : ivt_reply_encode(NULL, c->reply, c->raw, c->rawlen,
		                              tp, 0, len);
		rc = *buf != NULL ? 0 : -1;
	}
	varlink_call_free(c);
	return rc;
}

int
varlink_streaming(const struct call *c)
{
	return c->more && c->next != NULL && c->error == NULL;
}

json_t *
varlink_stream_start(struct call *c)
{
	json_t *r = make_reply(c, 1);

	json_decref(c->reply);
	c->reply = NULL;
	return r;
}

json_t *
varlink_stream_next(struct call *c, int *done)
{
	json_t *params = NULL, *r;
	int rc;

	*done = 1;
	/* The role is checked again for every reply, as for every call. */
	if (auth_lookup(c->ctx->store, c->who.uid, &c->who) == -1)
		rc = call_internal(c);
	else if (!c->who.known || !(c->m->roles & c->who.role)) {
		call_denied(c, !c->who.known ? "unknown or disabled user"
		                             : "role may not call this method");
		audit_alone(c, "denied");
		rc = -1;
	} else
		rc = c->next(c, &params);
	if (rc == 0) {
		json_decref(params);
		*done = 0;
		return NULL;
	}
	if (rc != -1 && params != NULL &&
	    (r = json_pack("{s:o}", "parameters", params)) != NULL) {
		json_object_set_new(r, "traceparent", traceparent(c));
		if (rc == 1)
			json_object_set_new(r, "continues", json_true());
		*done = rc != 1;
		return r;
	}
	/* The producer failed (or gave nothing to send): end with its error. */
	if (rc != -1 || c->error == NULL)
		call_internal(c);
	return make_reply(c, 0);
}

/*
 * The call for msg, run unless it is deferred (then *deferred is it too);
 * NULL for a malformed envelope (*early is then the error reply) or when
 * out of memory (*early NULL).
 */
static struct call *
dispatch(struct daemon_ctx *ctx, uid_t uid, pid_t pid, json_t *msg,
         int *close_after, struct call **deferred, json_t **early)
{
	const struct method *m;
	const char *bad;
	struct call *c;
	uint8_t rnd[24];
	int oneway = 0, more, rc;

	*close_after = 0;
	*early = NULL;
	if (deferred != NULL)
		*deferred = NULL;
	if ((bad = check_envelope(msg, &oneway)) != NULL) {
		*close_after = 1;
		*early = varlink_protocol_error(bad);
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->ctx = ctx;
	c->who.uid = uid;
	c->who.pid = pid;
	c->oneway = oneway;
	c->msg = json_incref(msg);
	c->method = json_string_value(json_object_get(msg, "method"));
	c->params = json_object_get(msg, "parameters");
	c->activity = "";
	c->ts_start = store_now_us();
	crypto_nonce(rnd, sizeof(rnd));
	if (parse_traceparent(ivt_json_str(msg, "traceparent"), c->trace_id,
	                      c->parent_span) == -1)
		crypto_hex(rnd, 16, c->trace_id);
	crypto_hex(rnd + 16, 8, c->span_id);

	if ((m = resolve(c)) != NULL) {
		if (m->activity != NULL)
			c->activity = m->activity;
		/* Only the server (deferred) can keep a stream going. */
		more = json_is_true(json_object_get(msg, "more"));
		c->more = more && !oneway && deferred != NULL &&
		          (m->flags & M_MORE);
		if ((rc = authorize(c, m, uid)) == 0) {
			if (deferred != NULL && (m->flags & (M_WRITE | M_AUDIT))) {
				c->m = m;
				*deferred = c;
				return c;
			}
			rc = run_call(c, m);
		}
		if (rc == 1)
			audit_denial(c, m, deferred);
	}
	return c;
}

json_t *
varlink_dispatch_batched(struct daemon_ctx *ctx, uid_t uid, pid_t pid,
                         json_t *msg, int *close_after, struct call **deferred)
{
	json_t *early;
	struct call *c;

	c = dispatch(ctx, uid, pid, msg, close_after, deferred, &early);
	if (c == NULL || (deferred != NULL && *deferred != NULL))
		return early;
	return varlink_finish(c);
}

int
varlink_dispatch_wire(struct daemon_ctx *ctx, uid_t uid, pid_t pid, json_t *msg,
                      int *close_after, struct call **deferred, char **buf,
                      size_t *len)
{
	json_t *early;
	struct call *c;

	*buf = NULL;
	*len = 0;
	c = dispatch(ctx, uid, pid, msg, close_after, deferred, &early);
	if (c == NULL) {
		if (early == NULL)
			return -1;
		*buf = ivt_msg_encode(early, len);
		json_decref(early);
		return *buf != NULL ? 0 : -1;
	}
	if (deferred != NULL && *deferred != NULL)
		return 0;
	return varlink_finish_wire(c, buf, len);
}

json_t *
varlink_dispatch(struct daemon_ctx *ctx, uid_t uid, pid_t pid, json_t *msg,
                 int *close_after)
{
	return varlink_dispatch_batched(ctx, uid, pid, msg, close_after, NULL);
}
