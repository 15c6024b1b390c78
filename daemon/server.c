/*
 * server.c - the control socket.
 *
 * Each connection is a bufferevent; bytes go through the shared framer and
 * every complete message is dispatched at once, so pipelined calls are
 * answered in the order they came.  Limits, after Redis and OpenSMTPD:
 * connections in total and per uid, message size, unsent output per
 * connection (a peer that does not read is dropped, not buffered forever)
 * and an idle timeout.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "ivt/wire.h"
#include "log.h"
#include "server.h"

#define READ_CHUNK (64 * 1024)

struct conn {
	TAILQ_ENTRY(conn) entry;
	struct server *srv;
	struct bufferevent *bev;
	struct ivt_framer fr;
	uid_t uid;
	pid_t pid;
	int closing; /* reply queued; close once it is flushed */
};

TAILQ_HEAD(conn_list, conn);

struct server {
	struct event_base *base;
	struct daemon_ctx *ctx;
	struct evconnlistener *lev;
	struct conn_list conns;
	int nconns;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static void
conn_free(struct conn *c)
{
	TAILQ_REMOVE(&c->srv->conns, c, entry);
	c->srv->nconns--;
	bufferevent_free(c->bev);
	ivt_framer_free(&c->fr);
	free(c);
}

static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (c->closing)
		conn_free(c);
}

/* Queue a reply.  -1 when the connection was dropped. */
static int
conn_send(struct conn *c, json_t *reply)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	size_t len;
	char *buf;

	buf = ivt_msg_encode(reply, &len);
	json_decref(reply);
	if (buf == NULL || evbuffer_add(out, buf, len) == -1) {
		free(buf);
		log_err("uid %u: cannot queue reply; dropping connection",
		        (unsigned)c->uid);
		conn_free(c);
		return -1;
	}
	free(buf);
	if (evbuffer_get_length(out) > c->srv->ctx->cfg->max_output) {
		log_warn("uid %u: client does not read its replies (%zu bytes "
		         "unsent); dropping connection",
		         (unsigned)c->uid, evbuffer_get_length(out));
		conn_free(c);
		return -1;
	}
	return 0;
}

/* Reply with an error and close after the flush. */
static void
conn_fail(struct conn *c, const char *reason)
{
	json_t *r = varlink_protocol_error(reason);

	c->closing = 1;
	bufferevent_disable(c->bev, EV_READ);
	if (r == NULL) {
		conn_free(c);
		return;
	}
	if (conn_send(c, r) == 0 &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_free(c);
}

/* Dispatch one framed message.  -1 when the connection is gone/closing. */
static int
conn_message(struct conn *c, const char *msg, size_t len)
{
	char err[128];
	json_t *m, *reply;
	int close_after;

	if ((m = ivt_msg_parse(msg, len, err, sizeof(err))) == NULL) {
		log_info("uid %u: %s; closing connection", (unsigned)c->uid,
		         err);
		conn_fail(c, err);
		return -1;
	}
	reply = varlink_dispatch(c->srv->ctx, c->uid, c->pid, m, &close_after);
	json_decref(m);
	if (close_after) {
		c->closing = 1;
		bufferevent_disable(c->bev, EV_READ);
	}
	if (reply != NULL && conn_send(c, reply) == -1)
		return -1;
	return c->closing ? -1 : 0;
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	static char chunk[READ_CHUNK];
	struct evbuffer *in = bufferevent_get_input(bev);
	struct conn *c = arg;
	enum ivt_frame_rc rc;
	const char *msg;
	size_t len;
	int n;

	while (!c->closing && evbuffer_get_length(in) > 0) {
		if ((n = evbuffer_remove(in, chunk, sizeof(chunk))) <= 0)
			break;
		if (ivt_framer_push(&c->fr, chunk, (size_t)n) == -1) {
			conn_fail(c, "out of memory");
			return;
		}
		while ((rc = ivt_framer_next(&c->fr, &msg, &len)) ==
		       IVT_FRAME_MSG) {
			if (conn_message(c, msg, len) == -1)
				return;
		}
		if (rc == IVT_FRAME_TOOBIG) {
			log_info("uid %u: message over %zu bytes; closing "
			         "connection",
			         (unsigned)c->uid, c->fr.max);
			conn_fail(c, "message too large");
			return;
		}
	}
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT)
		log_debug("uid %u: idle timeout", (unsigned)c->uid);
	else if (what & BEV_EVENT_ERROR)
		log_debug("uid %u: connection error", (unsigned)c->uid);
	conn_free(c);
}

static int
uid_conns(const struct server *srv, uid_t uid)
{
	const struct conn *c;
	int n = 0;

	TAILQ_FOREACH(c, &srv->conns, entry) {
		if (c->uid == uid)
			n++;
	}
	return n;
}

static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
          struct sockaddr *sa, int salen, void *arg)
{
	const struct config *cfg;
	struct server *srv = arg;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	struct timeval tv;
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
	c->srv = srv;
	c->uid = cred.uid;
	c->pid = cred.pid;
	ivt_framer_init(&c->fr, cfg->max_message);
	TAILQ_INSERT_TAIL(&srv->conns, c, entry);
	srv->nconns++;
	bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb,
	                  c);
	if (cfg->idle_timeout > 0) {
		tv.tv_sec = cfg->idle_timeout;
		tv.tv_usec = 0;
		bufferevent_set_timeouts(c->bev, &tv, &tv);
	}
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
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
	if ((fd = bind_socket(ctx->cfg, err, errlen)) == -1) {
		free(srv);
		return NULL;
	}
	snprintf(srv->path, sizeof(srv->path), "%s", ctx->cfg->socket_path);
	srv->lev = evconnlistener_new(base, accept_cb, srv,
	                              LEV_OPT_CLOSE_ON_FREE |
	                                  LEV_OPT_CLOSE_ON_EXEC,
	                              -1, fd);
	if (srv->lev == NULL) {
		snprintf(err, errlen, "cannot listen on %s", srv->path);
		close(fd);
		unlink(srv->path);
		free(srv);
		return NULL;
	}
	return srv;
}

void
server_free(struct server *srv)
{
	struct conn *c;

	if (srv == NULL)
		return;
	while ((c = TAILQ_FIRST(&srv->conns)) != NULL)
		conn_free(c);
	evconnlistener_free(srv->lev);
	unlink(srv->path);
	free(srv);
}
