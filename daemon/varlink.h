/*
 * varlink.h - the method table and the call context.
 *
 * As in tmux's cmd_table, every method is one const entry: its varlink
 * name, the roles that may call it, flags and a handler.  Dispatch does
 * everything that is the same for all methods in one place: envelope
 * checks, interface and method lookup, parameter validation against the
 * varlink interface (proto/), identity and role checks, the transaction,
 * the audit entry, and the reply.  A handler only does its own work.
 */
#ifndef IVTD_VARLINK_H
#define IVTD_VARLINK_H

#include <stdint.h>
#include <jansson.h>

#include "audit.h"
#include "auth.h"
#include "config.h"
#include "crypto.h"
#include "idl.h"
#include "store.h"

struct daemon_ctx {
	const struct config *cfg;
	struct store *store;
	struct crypto *crypto;
	struct keys *keys;      /* project data keys, rotation (keys.h) */
	struct ratelimit *denials; /* audited denials per unknown uid */
	int denials_counting; /* the shared allowance ran out (said once) */
	json_t *info;           /* GetInfo's reply, the same for every call */
	char *info_raw;         /* and encoded once, info_rawlen bytes */
	size_t info_rawlen;
	struct idl_interface **ifaces;
	size_t nifaces;
};

/* Method flags. */
#define M_PUBLIC 0x1 /* callable by any peer, even an unknown uid */
#define M_WRITE  0x2 /* runs in a write transaction and is audited */
#define M_AUDIT  0x4 /* discloses personal data: audited, in a transaction */
#define M_MORE   0x8 /* may answer a "more" call with a stream (with M_AUDIT) */

/*
 * Refusals of unknown uids counted but not yet audited (ratelimit.h) go
 * into the log every minute from a timer, and at shutdown before the
 * closing checkpoint: 0, or -1 when they could not (then they are in the
 * daemon log).
 */
struct event_base;
int varlink_audit_refusals(struct daemon_ctx *ctx);
int varlink_attach(struct daemon_ctx *ctx, struct event_base *base);
void varlink_detach(void);

struct call;
struct seen_slot;
/*
 * The producer of a streaming call's later replies (see varlink_stream_next):
 * 0 nothing now (wait for new audit entries), 1 *params is the next reply
 * and the stream goes on, 2 *params is the last reply, -1 the call failed
 * (call_fail) and its error ends the stream.
 */
typedef int (*stream_fn)(struct call *c, json_t **params);

struct call {
	struct daemon_ctx *ctx;
	struct caller who;
	const char *method;
	const json_t *params;   /* validated against the interface */
	json_t *reply;          /* reply parameters, set by the handler */
	const char *raw;        /* the same already encoded, or NULL */
	size_t rawlen;
	const char *error;      /* error name when the handler fails */
	json_t *error_params;
	char object[256];       /* ids the call touched, for the audit log */
	int64_t project;        /* project the call concerns, 0 if none */
	const char *activity;   /* processing activity, "" if none */
	int64_t ts_start;
	char trace_id[33];      /* W3C trace context: caller's or random */
	char span_id[17];       /* this call's span */
	char parent_span[17];   /* caller's span from traceparent, or "" */
	size_t ndisclosed;      /* audit entries written by call_disclose */
	struct seen_slot *seen; /* data subjects audited, with their fields */
	size_t nseen, capseen;
	/* Set while the call waits for a group commit: */
	const struct method *m;
	int refused;            /* refused already: only its entry is due */
	json_t *msg;            /* holds params alive */
	int oneway;
	/* Streaming: more is set when the peer asked for "more", the method
	 * has M_MORE and the transport can stream.  A handler that starts a
	 * stream sets next (and its own position in cursor or state). */
	int more;
	stream_fn next;
	int64_t cursor;
	void *state;
	void (*state_free)(void *);
};

struct method {
	const char *name;
	int (*fn)(struct call *);
	unsigned roles;
	unsigned flags;
	/* Processing activity (register of processing activities, AVG art.
	 * 30) for methods that touch personal data; NULL otherwise. */
	const char *activity;
};

/* Method tables of the modules, each terminated by a zeroed entry. */
extern const struct method service_methods[];
extern const struct method user_methods[];
extern const struct method partner_methods[];
extern const struct method audit_methods[];
extern const struct method privacy_methods[];
extern const struct method project_methods[];
extern const struct method protocol_methods[];
extern const struct method journal_methods[];
extern const struct method subject_methods[];
extern const struct method actualise_methods[];
extern const struct method admin_methods[];
extern const struct method day_methods[];
extern const struct method finding_methods[];
extern const struct method report_methods[];
extern const struct method retention_methods[];
extern const struct method key_methods[];
extern const struct method import_methods[];

/* Parse the embedded interfaces.  0 on success. */
int varlink_init(struct daemon_ctx *ctx, char *err, size_t errlen);
void varlink_free(struct daemon_ctx *ctx);

/*
 * Handle one decoded message from a peer.  Returns the reply to send, or
 * NULL when none is due (oneway).  *close_after is set when the
 * connection must be closed once the reply is flushed.
 */
json_t *varlink_dispatch(struct daemon_ctx *ctx, uid_t uid, pid_t pid,
                         json_t *msg, int *close_after);

/*
 * Group commit.  The same as varlink_dispatch, except that a call which
 * writes (M_WRITE or M_AUDIT) is not run at once: *deferred gets it and
 * NULL is returned.  The server collects deferred calls from every
 * connection and runs them with varlink_run_batch in one transaction,
 * each in its own savepoint, so one fsync serves them all; a failing
 * call rolls back alone.  varlink_finish then gives each call's reply
 * (NULL for oneway) and frees the call.  No reply is built before the
 * batch committed.
 */
json_t *varlink_dispatch_batched(struct daemon_ctx *ctx, uid_t uid, pid_t pid,
                                 json_t *msg, int *close_after,
                                 struct call **deferred);
void varlink_run_batch(struct daemon_ctx *ctx, struct call **calls, size_t n);
/* A deferred call that cannot join a batch (out of memory): it fails, or
 * if it was refused, stays refused with its entry written on its own. */
void varlink_unbatched(struct call *c);
json_t *varlink_finish(struct call *c);

/*
 * The same two for the server, with the reply encoded for the wire
 * (ivt_reply_encode) instead of built as an object: *buf is NULL when no
 * reply is due (oneway, or the call was deferred).  -1 when out of memory.
 */
int varlink_dispatch_wire(struct daemon_ctx *ctx, uid_t uid, pid_t pid,
                          json_t *msg, int *close_after, struct call **deferred,
                          char **buf, size_t *len);
int varlink_finish_wire(struct call *c, char **buf, size_t *len);
/* A call whose caller is gone: its outcome is logged, no reply is built. */
void varlink_drop(struct call *c);

/*
 * Streams.  A deferred call for which varlink_streaming() is true is not
 * finished after the batch: varlink_stream_start() gives its first reply
 * (with "continues": true) and the server keeps the call.  Whenever new
 * audit entries were committed, or the peer has read what it was sent,
 * the server asks varlink_stream_next() for more: NULL when there is
 * nothing now, else a reply; *done says it was the last (an error, or the
 * producer's end), after which the server frees the call with
 * varlink_call_free().  Before each reply the caller's identity and role
 * are checked again: a user disabled or demoted meanwhile gets
 * PermissionDenied, which ends the stream and is audited.
 */
int varlink_streaming(const struct call *c);
json_t *varlink_stream_start(struct call *c);
json_t *varlink_stream_next(struct call *c, int *done);
void varlink_call_free(struct call *c);

/* An error reply for a message that could not even be decoded. */
json_t *varlink_protocol_error(const char *reason);

/*
 * Fail the call with error name and parameters built by json_pack(fmt).
 * Returns -1 so handlers can `return call_fail(...)`.
 */
int call_fail(struct call *c, const char *error, const char *fmt, ...);
/* Shorthands for the common nl.ivtd errors. */
int call_denied(struct call *c, const char *reason);
int call_not_found(struct call *c, const char *kind, const char *id);
int call_invalid(struct call *c, const char *param, const char *reason);
int call_internal(struct call *c);
/*
 * Record that the call disclosed or changed personal data of one data
 * subject, identified by its pseudonym (subject may be "" for data not
 * tied to one person, such as journal notes).  Writes the audit entry at
 * once, inside the call's transaction (M_WRITE or M_AUDIT methods only):
 * one entry per data subject and project, each a span of the call's
 * trace; a subject met again in the same call and project (a person
 * living at two addresses in a list), or without a project (a search)
 * once an entry of the call names it, is entered again only with the
 * fields no entry of the call named for it yet, so no field is lost and
 * none entered twice (fields: a comma list of the names in varlink.c's
 * field_names).  If the call fails, the rollback takes these entries with
 * it and the dispatcher records the failure instead.  0, or -1 on error.
 */
int call_disclose(struct call *c, const char *subject, const char *type,
                  const char *fields, int64_t project);

/* Record the object ids for the audit entry (printf-style). */
void call_object(struct call *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Step the prepared, bound statement st (NULL: a failed prepare) to its
 * end: [row(st) for every row], or NULL on error.  st is reset.
 */
json_t *rows_json(sqlite3_stmt *st, json_t *(*row)(sqlite3_stmt *));

/*
 * The same as the call's reply: {key: [row(st) for every row]}.
 * Returns 0, or -1 with the call failed.
 */
int call_reply_rows(struct call *c, sqlite3_stmt *st, const char *key,
                    json_t *(*row)(sqlite3_stmt *));

/* RFC 3339 UTC text of a microsecond timestamp. */
void format_time(int64_t us, char *buf, size_t len);

#endif
