/*
 * server.c - the control socket.
 *
 * Each connection is a bufferevent; bytes go through the shared framer and
 * complete messages are dispatched in order, so pipelined calls are
 * answered in the order they came.  Limits, after Redis and OpenSMTPD:
 * connections in total and per uid, message size, unsent output per
 * connection and an idle timeout.
 *
 * Output is flow-controlled: once half of max_output waits to be sent, a
 * connection's calls are neither read nor dispatched until its replies
 * have been written below that mark.  A client that pipelines many calls
 * and reads its replies is thus never dropped however far ahead it is,
 * and one that stops reading stalls with bounded memory until the write
 * timeout (idle_timeout) closes it.  A reply that takes the unsent output
 * past max_output drops the connection at once, as in Redis: nothing is
 * buffered beyond it.
 *
 * Group commit: a call that writes is not run when it is read.  It waits
 * in the server's batch, and the connection dispatches nothing more until
 * it is answered (replies stay in order).  Once the event loop has read
 * every connection that was ready, the batch runs in one transaction (one
 * fsync for all of them) and each client is answered after the commit.
 *
 * Streams (varlink "more", e.g. audit tail --follow, audit export): a
 * deferred call whose handler started a stream is not finished after the
 * batch.  Its first reply goes out with "continues": true and the
 * connection keeps the call (conn->stream) and dispatches nothing else
 * until it ends.  Later replies are pulled, never pushed blindly:
 *   - audit.c calls a hook on every append; it only wakes notify_ev, which
 *     runs after the loop turn that wrote, i.e. after its COMMIT (or
 *     ROLLBACK), and marks every stream `behind`;
 *   - stream_push() asks varlink_stream_next() for replies while the
 *     stream is behind and the connection's unsent output is below the
 *     flow-control mark; above it, the write callback resumes once the
 *     peer has read, so a slow reader holds the stream back instead of
 *     growing a buffer (and max_output still drops it if it must);
 *   - varlink_stream_next() looks the caller up again before each reply,
 *     so a user disabled or demoted meanwhile gets PermissionDenied,
 *     audited, which ends the stream;
 *   - the peer closing (EOF) ends the stream and the connection; a stream
 *     has no idle timeout, only the write timeout of an unread reply.
 * A stream never writes audit entries itself except that denial, so
 * streaming the log cannot feed itself.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "ivt/wire.h"
#include "audit.h"
#include "log.h"
#include "server.h"

#define READ_CHUNK (64 * 1024)

struct conn {
	TAILQ_ENTRY(conn) entry;
	struct server *srv;
	struct bufferevent *bev; /* the output side and the socket's owner */
	struct event *rev;       /* input: read straight into fr */
	struct event *idle;      /* the idle clock, while reading */
	struct event *hup;       /* looks for the peer's close while a
	                            stream holds reading back */
	int watching;            /* hup is added */
	int reading;             /* rev is added */
	struct ivt_framer fr;
	uid_t uid;
	pid_t pid;
	int closing; /* reply queued; close once it is flushed */
	int eof;     /* peer sends no more: answer what it sent, then close */
	int blocked; /* waiting for replies to be written (flow control) */
	int waiting; /* a call of ours waits in the batch (group commit) */
	struct call *stream; /* a streaming call in progress, or NULL */
	int behind;          /* the stream may have replies to send */
};

/* A deferred call and the connection to answer (NULL once it closed). */
struct pending {
	struct conn *conn;
	struct call *call;
};

TAILQ_HEAD(conn_list, conn);

struct server {
	struct event_base *base;
	struct daemon_ctx *ctx;
	struct evconnlistener *lev;
	struct event *resume; /* re-enables accepting after an error */
	struct conn_list conns;
	int nconns;
	/*
	 * idle_timeout as a libevent common timeout: every connection's
	 * timer is re-armed on every read, and with one duration for all
	 * that is a move to the end of one queue, not a heap update.  NULL
	 * when there is no idle timeout.
	 */
	const struct timeval *idle;
	struct timeval idle_plain;
	struct event *batch_ev;  /* runs the batch after this loop turn */
	struct event *notify_ev; /* wakes the streams after audit appends */
	struct pending *batch;
	size_t nbatch, capbatch;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

/* The connection's events, and the bufferevent, which closes the socket
 * (after the events on it are gone). */
static void
conn_events_free(struct conn *c)
{
	if (c->rev != NULL)
		event_free(c->rev);
	if (c->idle != NULL)
		event_free(c->idle);
	if (c->hup != NULL)
		event_free(c->hup);
	bufferevent_free(c->bev);
}

static void
conn_free(struct conn *c)
{
	size_t i;

	/* Its deferred call still runs; only the reply has nowhere to go. */
	for (i = 0; c->waiting && i < c->srv->nbatch; i++) {
		if (c->srv->batch[i].conn == c)
			c->srv->batch[i].conn = NULL;
	}
	varlink_call_free(c->stream);
	TAILQ_REMOVE(&c->srv->conns, c, entry);
	c->srv->nconns--;
	conn_events_free(c);
	ivt_framer_free(&c->fr);
	free(c);
}

/*
 * (Re)start the idle clock while c is read, or stop it: none while not
 * reading or while a stream runs (it waits for entries, not idly).  A
 * timer of its own, not a timeout on rev: libevent keeps a persistent
 * event's last timeout and arms it again on its next activation, so a
 * stream's peer that sent a byte was closed as idle.
 */
static void
conn_idle_clock(struct conn *c)
{
	if (c->srv->idle == NULL)
		return;
	if (c->reading && c->stream == NULL) {
		if (event_add(c->idle, c->srv->idle) == -1)
			log_warn("uid %u: cannot set the idle timeout",
			         (unsigned)c->uid);
	} else {
		event_del(c->idle);
	}
}

/* Start or stop reading c's socket, and the idle clock with it. */
static void
conn_reading(struct conn *c, int on)
{
	if (on == c->reading)
		return;
	if (on ? event_add(c->rev, NULL) : event_del(c->rev)) {
		log_warn("uid %u: cannot %s reading", (unsigned)c->uid,
		         on ? "resume" : "stop");
		return;
	}
	c->reading = on;
	conn_idle_clock(c);
}

/*
 * Read while c can use the input: not once it is closing, at its end, or
 * held back by unsent output (flow control); and, while a call of its
 * waits in the batch or a stream runs, no further ahead than one chunk.
 */
static void
conn_want_input(struct conn *c)
{
	const struct timeval second = {1, 0};
	int hold;

	conn_reading(c, !c->closing && !c->eof && !c->blocked &&
	                    ((!c->waiting && c->stream == NULL) ||
	                     ivt_framer_pending(&c->fr) < READ_CHUNK));
	/*
	 * A stream whose peer sent a chunk ahead is no longer read, so its
	 * end (EOF) would not be seen, and with no idle timeout and nothing
	 * to write the connection would stay.  Look for the close once a
	 * second instead (conn_hup_cb): libevent's EV_CLOSED is no help, it
	 * reports a Unix socket's full close (EPOLLHUP) as readable.
	 */
	hold = c->stream != NULL && !c->reading && !c->closing && !c->eof;
	if (hold != c->watching &&
	    (hold ? evtimer_add(c->hup, &second) : evtimer_del(c->hup)) == 0)
		c->watching = hold;
}

/* Write what the socket takes now without blocking; bytes written.  An
 * error is left for the bufferevent to meet on its own write. */
static size_t
direct_write(struct conn *c, const char *buf, size_t len)
{
	ssize_t n;

	n = send(bufferevent_getfd(c->bev), buf, len,
	         MSG_DONTWAIT | MSG_NOSIGNAL);
	return n > 0 ? (size_t)n : 0;
}

/*
 * What the socket did not take stays in buf, referred to by the output
 * buffer, not copied into it: libevent frees its own chains as they are,
 * and replies hold personal data.  Once written (or dropped) it is wiped
 * here; what was sent at once is wiped before it is queued.
 */
static void
reply_unref(const void *data, size_t len, void *buf)
{
	explicit_bzero((void *)(uintptr_t)data, len);
	free(buf);
}

/* Send or queue an encoded reply, which is then freed.  -1 when the
 * connection was dropped (buf NULL: out of memory). */
static int
conn_send_wire(struct conn *c, char *buf, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	size_t done = 0;

	if (buf == NULL)
		goto drop;
	/*
	 * Nothing queued: try the socket at once, as Redis does.  Queuing
	 * first would cost an epoll change, a wake-up and a callback per
	 * reply; only what the socket does not take now is queued.  A
	 * closing connection always queues, so the write callback that
	 * frees it still runs.
	 */
	if (!c->closing && evbuffer_get_length(out) == 0 &&
	    len <= c->srv->ctx->cfg->max_output)
		done = direct_write(c, buf, len);
	if (done == len) {
		ivt_msg_free(buf, len);
	} else {
		explicit_bzero(buf, done);
		if (evbuffer_add_reference(out, buf + done, len - done,
		                           reply_unref, buf) == -1) {
			ivt_msg_free(buf, len);
			goto drop;
		}
	}
	if (evbuffer_get_length(out) > c->srv->ctx->cfg->max_output) {
		/* A reply over the limit is never written, even in part. */
		log_warn("uid %u: %zu bytes of replies unsent, over "
		         "max_output; dropping connection",
		         (unsigned)c->uid, evbuffer_get_length(out));
		conn_free(c);
		return -1;
	}
	return 0;
drop:
	log_err("uid %u: cannot queue reply; dropping connection",
	        (unsigned)c->uid);
	conn_free(c);
	return -1;
}

/* Send or queue a reply.  -1 when the connection was dropped. */
static int
conn_send(struct conn *c, json_t *reply)
{
	size_t len = 0;
	char *buf;

	buf = ivt_msg_encode(reply, &len);
	json_decref(reply);
	return conn_send_wire(c, buf, len);
}

/* Reply with an error and close after the flush. */
static void
conn_fail(struct conn *c, const char *reason)
{
	json_t *r = varlink_protocol_error(reason);

	c->closing = 1;
	conn_want_input(c); /* stops reading and looking */
	if (r == NULL) {
		conn_free(c);
		return;
	}
	if (conn_send(c, r) == 0 &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_free(c);
}

/* Queue a deferred call; the connection waits for its answer. */
static int
batch_add(struct conn *c, struct call *call)
{
	struct server *srv = c->srv;
	struct pending *nb;
	size_t ncap;

	if (srv->nbatch == srv->capbatch) {
		ncap = srv->capbatch ? srv->capbatch * 2 : 64;
		if ((nb = reallocarray(srv->batch, ncap, sizeof(*nb))) ==
		    NULL) {
			/* A refusal is still entered. */
			varlink_unbatched(call);
			varlink_drop(call);
			conn_fail(c, "out of memory");
			return -1;
		}
		srv->batch = nb;
		srv->capbatch = ncap;
	}
	srv->batch[srv->nbatch].conn = c;
	srv->batch[srv->nbatch].call = call;
	srv->nbatch++;
	c->waiting = 1;
	if (srv->nbatch == 1)
		event_active(srv->batch_ev, EV_TIMEOUT, 0);
	return 0;
}

/* Dispatch one framed message.  -1 when the connection is gone/closing. */
static int
conn_message(struct conn *c, const char *msg, size_t len)
{
	struct call *deferred;
	char err[128], *buf;
	size_t blen;
	json_t *m;
	int close_after, rc;

	if ((m = ivt_msg_parse(msg, len, err, sizeof(err))) == NULL) {
		log_info("uid %u: %s; closing connection", (unsigned)c->uid,
		         err);
		conn_fail(c, err);
		return -1;
	}
	rc = varlink_dispatch_wire(c->srv->ctx, c->uid, c->pid, m, &close_after,
	                           &deferred, &buf, &blen);
	json_decref(m);
	if (rc == -1) {
		conn_fail(c, "out of memory");
		return -1;
	}
	if (deferred != NULL)
		return batch_add(c, deferred);
	if (close_after) {
		c->closing = 1;
		conn_want_input(c);
	}
	if (buf != NULL && conn_send_wire(c, buf, blen) == -1)
		return -1;
	return c->closing ? -1 : 0;
}

/* Close c once its replies are written (the write callback frees it). */
static void
conn_close_flushed(struct conn *c)
{
	c->closing = 1;
	conn_want_input(c);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_free(c);
}

/* Next framed message of what was read. */
static enum ivt_frame_rc
conn_next(struct conn *c, const char **msg, size_t *len)
{
	enum ivt_frame_rc rc = ivt_framer_next(&c->fr, msg, len);

	if (rc == IVT_FRAME_TOOBIG) {
		log_info("uid %u: message over %zu bytes; closing connection",
		         (unsigned)c->uid, c->fr.max);
		conn_fail(c, "message too large");
	}
	return rc;
}

/* Unsent output above which a connection's calls wait (flow control). */
static size_t
output_mark(const struct conn *c)
{
	return c->srv->ctx->cfg->max_output / 2;
}

/*
 * Dispatch the calls waiting on c, in order, until none is complete or
 * the unsent output reaches the mark; then stop reading until the write
 * callback finds it written down (see the top of the file).
 */
static void
conn_process(struct conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	const char *msg;
	size_t len;

	while (!c->closing && !c->waiting && c->stream == NULL) {
		if (evbuffer_get_length(out) >= output_mark(c)) {
			c->blocked = 1;
			break;
		}
		switch (conn_next(c, &msg, &len)) {
		case IVT_FRAME_MSG:
			if (conn_message(c, msg, len) == -1)
				return; /* c is gone, or closing */
			continue;
		case IVT_FRAME_MORE:
			/* The requests handled are not kept while idle. */
			ivt_framer_compact(&c->fr);
			if (c->eof) {
				conn_close_flushed(c);
				return;
			}
			break;
		default:
			return; /* c was failed */
		}
		break;
	}
	conn_want_input(c);
}

/* Idle (read) and write timeouts; a stream waits for entries, not idly. */
static void
conn_timeouts(struct conn *c)
{
	struct timeval tv;
	int t = c->srv->ctx->cfg->idle_timeout;

	if (t > 0) {
		tv.tv_sec = t;
		tv.tv_usec = 0;
		bufferevent_set_timeouts(c->bev, NULL, &tv);
	}
	conn_idle_clock(c);
}

/*
 * Send what the stream has while c is below the output mark (see the top
 * of the file).  Once it ends, c goes on with what the peer pipelined.
 */
static void
stream_push(struct conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	json_t *reply;
	int done;

	while (c->stream != NULL && c->behind && !c->closing) {
		if (evbuffer_get_length(out) >= output_mark(c))
			return; /* conn_write_cb comes back */
		reply = varlink_stream_next(c->stream, &done);
		if (done) {
			varlink_call_free(c->stream);
			c->stream = NULL;
			conn_timeouts(c);
		} else if (reply == NULL) {
			c->behind = 0;
			return;
		}
		if (reply != NULL && conn_send(c, reply) == -1)
			return; /* c was dropped */
	}
	if (c->stream == NULL && !c->closing)
		conn_process(c);
}

/* Keep call as c's stream and send its first reply. */
static void
stream_start(struct conn *c, struct call *call)
{
	json_t *reply = varlink_stream_start(call);

	c->stream = call;
	c->behind = 1;
	conn_timeouts(c);
	if (reply == NULL || conn_send(c, reply) == -1) {
		if (reply == NULL)
			conn_fail(c, "out of memory");
		return;
	}
	/* A peer that already shut down its side cannot end the stream by
	 * closing any more: it gets the first reply, then the close. */
	if (c->eof) {
		conn_close_flushed(c);
		return;
	}
	stream_push(c);
}

/* The audit hook: wake the streams once this loop turn is over. */
static void
audit_appended(void *arg)
{
	struct server *srv = arg;

	event_active(srv->notify_ev, EV_TIMEOUT, 0);
}

static void
notify_cb(evutil_socket_t fd, short what, void *arg)
{
	const struct timeval later = {0, 20000};
	struct server *srv = arg;
	struct conn *c, *next;

	(void)fd;
	(void)what;
	/* Never read another writer's uncommitted entries: come back. */
	if (srv->ctx->store->in_txn) {
		event_add(srv->notify_ev, &later);
		return;
	}
	for (c = TAILQ_FIRST(&srv->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->stream != NULL) {
			c->behind = 1;
			/* stream_push may free c, never another connection:
			 * a denial it audits only activates notify_ev again. */
			stream_push(c);
		}
	}
}

static void
conn_idle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	(void)what;
	log_info("uid %u: idle for %d s; closing connection", (unsigned)c->uid,
	         c->srv->ctx->cfg->idle_timeout);
	conn_free(c);
}

/*
 * The peer sends no more (EOF).  A peer may pipeline its calls and shut
 * down its sending side at once (as a shell script piping into a socket
 * does): the replies are due all the same, so answer every complete call
 * and close only once the replies are written.  The write timeout still
 * ends a peer that then stops reading.  The reader of a stream going away
 * ends the stream.
 */
static void
conn_eof(struct conn *c)
{
	c->eof = 1;
	conn_want_input(c);
	if (c->stream != NULL)
		conn_close_flushed(c);
	else if (!c->blocked)
		conn_process(c);
}

/* A held-back stream's peer: gone (see conn_want_input)? */
static void
conn_hup_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct pollfd p;

	(void)fd;
	(void)what;
	p.fd = bufferevent_getfd(c->bev);
	p.events = POLLRDHUP;
	p.revents = 0;
	if (poll(&p, 1, 0) == 1 &&
	    (p.revents & (POLLRDHUP | POLLHUP | POLLERR)))
		conn_eof(c);
}

/*
 * Input: read(2) straight into the framer, which wipes what it lets go
 * (requests carry personal data; libevent's input buffers would be freed
 * as they are), with no FIONREAD probe before each read as bufferevents
 * make: a call costs two system calls, read and send.
 */
static void
conn_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	size_t avail;
	ssize_t n;
	char *p;

	(void)what;
	if ((p = ivt_framer_space(&c->fr, 4096, &avail)) == NULL) {
		conn_fail(c, "out of memory");
		return;
	}
	n = read(fd, p, avail < READ_CHUNK ? avail : READ_CHUNK);
	if (n > 0) {
		ivt_framer_commit(&c->fr, (size_t)n);
		conn_idle_clock(c);
		if (!c->blocked)
			conn_process(c);
	} else if (n == 0) {
		conn_eof(c);
	} else if (errno != EAGAIN && errno != EINTR) {
		log_debug("uid %u: connection error", (unsigned)c->uid);
		conn_free(c);
	}
}

/* Called whenever a write leaves the unsent output below the mark. */
static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	if (c->closing) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			conn_free(c);
		return;
	}
	if (c->stream != NULL) {
		stream_push(c);
		return;
	}
	if (c->blocked) {
		c->blocked = 0;
		conn_process(c);
	}
}

/* Output errors and the write timeout (input has conn_read_cb). */
static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT)
		log_info("uid %u: replies not read for %d s; closing "
		         "connection",
		         (unsigned)c->uid, c->srv->ctx->cfg->idle_timeout);
	else if (what & BEV_EVENT_ERROR)
		log_debug("uid %u: connection error", (unsigned)c->uid);
	conn_free(c);
}

/*
 * Run every deferred call in one transaction, then answer each and let
 * its connection go on with what it pipelined meanwhile.
 */
static void
batch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	struct pending *batch = srv->batch;
	struct call **calls;
	size_t i, n = srv->nbatch;
	struct conn *c;
	char *buf;
	size_t len;
	int rc;

	(void)fd;
	(void)what;
	/* Calls queued while answering go into a fresh batch. */
	srv->batch = NULL;
	srv->nbatch = srv->capbatch = 0;
	if ((calls = calloc(n ? n : 1, sizeof(*calls))) == NULL) {
		log_err("group commit: out of memory");
		for (i = 0; i < n; i++)
			batch[i].call->m = NULL;
	}
	for (i = 0; calls != NULL && i < n; i++)
		calls[i] = batch[i].call;
	if (calls != NULL)
		varlink_run_batch(srv->ctx, calls, n);
	free(calls);
	for (i = 0; i < n; i++) {
		if (calls == NULL)
			varlink_unbatched(batch[i].call);
		if ((c = batch[i].conn) == NULL) {
			varlink_drop(batch[i].call);
			continue;
		}
		c->waiting = 0;
		if (varlink_streaming(batch[i].call)) {
			stream_start(c, batch[i].call);
			continue;
		}
		rc = varlink_finish_wire(batch[i].call, &buf, &len);
		if (rc == -1 || buf != NULL) {
			if (conn_send_wire(c, buf, len) == -1)
				continue; /* c was dropped */
		}
		conn_process(c);
	}
	free(batch);
}

static int
uid_conns(const struct server *srv, uid_t uid)
{
	const struct conn *c;
	int n = 0;

	TAILQ_FOREACH(c, &srv->conns, entry)
	{
		if (c->uid == uid)
			n++;
	}
	return n;
}

static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
          int salen, void *arg)
{
	const struct config *cfg;
	struct server *srv = arg;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	struct conn *c;

	(void)lev;
	(void)sa;
	(void)salen;
	cfg = srv->ctx->cfg;
	/* Unlike tmux's fallback, no credentials means no entry. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == -1 ||
	    clen != sizeof(cred)) {
		log_warn("peer credentials unavailable; refusing connection");
		close(fd);
		return;
	}
	if (srv->nconns >= cfg->max_connections ||
	    uid_conns(srv, cred.uid) >= cfg->max_connections_uid) {
		log_warn("uid %u: connection limit reached; refusing",
		         (unsigned)cred.uid);
		close(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	c->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		free(c);
		return;
	}
	c->rev =
	    event_new(srv->base, fd, EV_READ | EV_PERSIST, conn_read_cb, c);
	c->idle = evtimer_new(srv->base, conn_idle_cb, c);
	c->hup = event_new(srv->base, -1, EV_PERSIST, conn_hup_cb, c);
	if (c->rev == NULL || c->idle == NULL || c->hup == NULL) {
		conn_events_free(c);
		free(c);
		return;
	}
	c->srv = srv;
	c->uid = cred.uid;
	c->pid = cred.pid;
	ivt_framer_init(&c->fr, cfg->max_message);
	TAILQ_INSERT_TAIL(&srv->conns, c, entry);
	srv->nconns++;
	bufferevent_setcb(c->bev, NULL, conn_write_cb, conn_event_cb, c);
	/*
	 * Call the write callback whenever a write leaves output below the
	 * mark, and hand the kernel all that is queued at once (libevent's
	 * default is 16 KiB a turn).  The bufferevent never reads.
	 */
	bufferevent_setwatermark(c->bev, EV_WRITE, output_mark(c), 0);
	bufferevent_set_max_single_write(c->bev, cfg->max_output);
	bufferevent_enable(c->bev, EV_WRITE);
	conn_timeouts(c);
	conn_reading(c, 1);
}

static void
accept_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(srv->lev);
}

/*
 * accept() failed, typically for want of descriptors (EMFILE).  The
 * pending connection keeps the listener readable, so retrying at once
 * would spin: pause accepting for a second while the open connections
 * carry on and, with luck, close.
 */
static void
accept_error_cb(struct evconnlistener *lev, void *arg)
{
	const struct timeval delay = {1, 0};
	struct server *srv = arg;

	log_warn("accept: %s; not accepting for a second",
	         strerror(EVUTIL_SOCKET_ERROR()));
	evconnlistener_disable(lev);
	evtimer_add(srv->resume, &delay);
}

/* Create, bind and secure the listening socket. */
static int
bind_socket(const struct config *cfg, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct group *gr;
	struct stat st;
	mode_t old;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(cfg->socket_path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket path too long");
		return -1;
	}
	memcpy(sun.sun_path, cfg->socket_path, strlen(cfg->socket_path) + 1);
	/* The state lock is held, so a socket left here is stale. */
	if (lstat(cfg->socket_path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(cfg->socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* Bind under a tight umask so there is no window with looser mode. */
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		snprintf(err, errlen, "bind %s: %s", cfg->socket_path,
		         strerror(errno));
		close(fd);
		return -1;
	}
	umask(old);
	if (cfg->socket_group[0] != '\0') {
		if ((gr = getgrnam(cfg->socket_group)) == NULL ||
		    chown(cfg->socket_path, (uid_t)-1, gr->gr_gid) == -1) {
			snprintf(err, errlen, "socket group %s: %s",
			         cfg->socket_group,
			         gr ? strerror(errno) : "no such group");
			goto fail;
		}
	}
	if (chmod(cfg->socket_path, cfg->socket_mode) == -1 ||
	    listen(fd, 128) == -1) {
		snprintf(err, errlen, "socket %s: %s", cfg->socket_path,
		         strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	unlink(cfg->socket_path);
	return -1;
}

struct server *
server_new(struct event_base *base, struct daemon_ctx *ctx, char *err,
           size_t errlen)
{
	struct server *srv;
	int fd;

	if ((srv = calloc(1, sizeof(*srv))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	TAILQ_INIT(&srv->conns);
	srv->base = base;
	srv->ctx = ctx;
	if (ctx->cfg->idle_timeout > 0) {
		srv->idle_plain.tv_sec = ctx->cfg->idle_timeout;
		/* Out of memory: the plain timeval does the same, slower. */
		srv->idle =
		    event_base_init_common_timeout(base, &srv->idle_plain);
		if (srv->idle == NULL)
			srv->idle = &srv->idle_plain;
	}
	if ((srv->batch_ev = event_new(base, -1, 0, batch_cb, srv)) == NULL ||
	    (srv->notify_ev = event_new(base, -1, 0, notify_cb, srv)) == NULL) {
		snprintf(err, errlen, "out of memory");
		if (srv->batch_ev != NULL)
			event_free(srv->batch_ev);
		free(srv);
		return NULL;
	}
	if ((fd = bind_socket(ctx->cfg, err, errlen)) == -1) {
		event_free(srv->batch_ev);
		event_free(srv->notify_ev);
		free(srv);
		return NULL;
	}
	snprintf(srv->path, sizeof(srv->path), "%s", ctx->cfg->socket_path);
	srv->lev = evconnlistener_new(
	    base, accept_cb, srv, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
	    -1, fd);
	if (srv->lev == NULL) {
		snprintf(err, errlen, "cannot listen on %s", srv->path);
		close(fd);
		unlink(srv->path);
		event_free(srv->batch_ev);
		event_free(srv->notify_ev);
		free(srv);
		return NULL;
	}
	if ((srv->resume = evtimer_new(base, accept_resume_cb, srv)) == NULL) {
		snprintf(err, errlen, "out of memory");
		server_free(srv);
		return NULL;
	}
	evconnlistener_set_error_cb(srv->lev, accept_error_cb);
	audit_set_hook(audit_appended, srv);
	return srv;
}

void
server_free(struct server *srv)
{
	struct conn *c;

	if (srv == NULL)
		return;
	/* Calls read before the stop still run and are answered. */
	while (srv->nbatch > 0)
		batch_cb(-1, 0, srv);
	free(srv->batch);
	event_free(srv->batch_ev);
	while ((c = TAILQ_FIRST(&srv->conns)) != NULL)
		conn_free(c);
	audit_set_hook(NULL, NULL);
	event_free(srv->notify_ev);
	if (srv->resume != NULL)
		event_free(srv->resume);
	evconnlistener_free(srv->lev);
	unlink(srv->path);
	free(srv);
}
