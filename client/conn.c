/*
 * conn.c - talk varlink to ivtd over its Unix socket.
 *
 * Blocking I/O: a call is one NUL-terminated JSON object out, and one
 * reply in (or several, each with "continues": true but the last, when
 * the call asked for "more").  Replies are cut from the stream by the
 * shared framer, which holds at most IVTCTL_REPLY_MAX bytes of one reply.
 */
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ivtctl.h"

#define READ_CHUNK 65536

static int
conn_lost(struct ivtctl *ctx, int err)
{
	out_err("connection to %s lost: %s", ctx->socket_path, strerror(err));
	conn_close(ctx);
	return IVTCTL_EXIT_CONN;
}

static int
malformed(struct ivtctl *ctx, const char *why)
{
	out_err("malformed reply from %s: %s", ctx->socket_path, why);
	conn_close(ctx);
	return IVTCTL_EXIT_CONN;
}

/*
 * A connect() interrupted by a signal goes on in the background: wait for
 * it and fetch its result instead of calling connect() again.
 */
static int
connect_wait(int fd)
{
	struct pollfd pfd;
	socklen_t len;
	int err, rc;

	pfd.fd = fd;
	pfd.events = POLLOUT;
	do {
		rc = poll(&pfd, 1, -1);
	} while (rc == -1 && errno == EINTR);
	if (rc == -1)
		return -1;
	len = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		return -1;
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

int
conn_connect(struct ivtctl *ctx)
{
	struct sockaddr_un sun;
	size_t len;
	int fd, saved;

	if (ctx->fd != -1)
		return 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	len = strlen(ctx->socket_path);
	if (len == 0 || len >= sizeof(sun.sun_path)) {
		errno = len == 0 ? ENOENT : ENAMETOOLONG;
		goto fail;
	}
	memcpy(sun.sun_path, ctx->socket_path, len + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 &&
	    (errno != EINTR || connect_wait(fd) == -1)) {
		saved = errno;
		close(fd);
		errno = saved;
		goto fail;
	}
	ctx->fd = fd;
	return 0;
fail:
	out_err("cannot connect to %s: %s", ctx->socket_path, strerror(errno));
	return IVTCTL_EXIT_CONN;
}

void
conn_close(struct ivtctl *ctx)
{
	if (ctx->fd == -1)
		return;
	close(ctx->fd);
	ctx->fd = -1;
	/* Bytes of an old connection must not prefix the next one's. */
	ivt_framer_free(&ctx->framer);
	ivt_framer_init(&ctx->framer, IVTCTL_REPLY_MAX);
}

static int
write_all(struct ivtctl *ctx, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(ctx->fd, buf, len, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return conn_lost(ctx, errno);
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * One W3C traceparent per ivtctl run, "00-<trace id>-<span id>-01", sent
 * with every call: the daemon keeps the trace id in the audit entries of
 * the calls, so a run can be found in the log.  Without randomness none
 * is sent and the daemon starts a trace of its own.
 */
static const char *
traceparent(struct ivtctl *ctx)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[24];
	char *p = ctx->traceparent;
	size_t i;

	if (ctx->traceparent[0] != '\0')
		return ctx->traceparent;
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return NULL;
	p += snprintf(p, sizeof(ctx->traceparent), "00-");
	for (i = 0; i < sizeof(rnd); i++) {
		if (i == 16)
			*p++ = '-';
		*p++ = hex[rnd[i] >> 4];
		*p++ = hex[rnd[i] & 0xf];
	}
	memcpy(p, "-01", 4);
	/* All-zero ids are invalid (odds 2^-64): then send none. */
	if (strspn(ctx->traceparent + 3, "0") >= 32 ||
	    strspn(ctx->traceparent + 36, "0") >= 16)
		ctx->traceparent[0] = '\0';
	return ctx->traceparent[0] != '\0' ? ctx->traceparent : NULL;
}

int
conn_send(struct ivtctl *ctx, const char *method, const json_t *params,
          unsigned flags)
{
	const char *tp;
	json_t *msg, *p;
	char *buf;
	size_t len;
	int rc;

	if (ctx->fd == -1 && (rc = conn_connect(ctx)) != 0)
		return rc;
	tp = traceparent(ctx);
	p = params != NULL ? json_deep_copy(params) : json_object();
	msg = json_object();
	if (msg == NULL || p == NULL ||
	    json_object_set_new(msg, "method", json_string(method)) != 0 ||
	    json_object_set_new(msg, "parameters", p) != 0 ||
	    (tp != NULL &&
	     json_object_set_new(msg, "traceparent", json_string(tp)) != 0) ||
	    ((flags & CALL_MORE) &&
	     json_object_set_new(msg, "more", json_true()) != 0)) {
		/* set_new consumed p even when it failed, unless msg is NULL */
		if (msg == NULL)
			json_decref(p);
		json_decref(msg);
		out_err("cannot encode the call to %s", method);
		return IVTCTL_EXIT_FAIL;
	}
	buf = ivt_msg_encode(msg, &len);
	json_decref(msg);
	if (buf == NULL) {
		out_err("cannot encode the call to %s", method);
		return IVTCTL_EXIT_FAIL;
	}
	rc = write_all(ctx, buf, len);
	ivt_msg_free(buf, len);
	return rc;
}

/* Check the reply envelope; the parse already made sure it is an object. */
static const char *
check_envelope(const json_t *reply)
{
	const json_t *v;

	if ((v = json_object_get(reply, "error")) != NULL &&
	    (!json_is_string(v) || json_string_length(v) == 0))
		return "\"error\" is not a string";
	if ((v = json_object_get(reply, "parameters")) != NULL &&
	    !json_is_object(v))
		return "\"parameters\" is not an object";
	if ((v = json_object_get(reply, "continues")) != NULL &&
	    !json_is_boolean(v))
		return "\"continues\" is not a boolean";
	return NULL;
}

/* --trace: the daemon's traceparent of a reply, once per call. */
static void
print_trace(const json_t *reply)
{
	static char last[64];
	const char *tp =
	    json_string_value(json_object_get(reply, "traceparent"));

	if (tp == NULL || strlen(tp) >= sizeof(last) || strcmp(tp, last) == 0)
		return;
	memcpy(last, tp, strlen(tp) + 1);
	fputs("traceparent: ", stderr);
	out_safe(stderr, tp);
	fputc('\n', stderr);
}

int
conn_recv(struct ivtctl *ctx, json_t **reply)
{
	char buf[READ_CHUNK], err[128];
	const char *msg, *why;
	size_t len;
	ssize_t n;
	json_t *v;

	*reply = NULL;
	if (ctx->fd == -1)
		return conn_lost(ctx, ENOTCONN);
	for (;;) {
		switch (ivt_framer_next(&ctx->framer, &msg, &len)) {
		case IVT_FRAME_MSG:
			goto parse;
		case IVT_FRAME_TOOBIG:
			return malformed(ctx, "reply larger than 16 MiB");
		case IVT_FRAME_MORE:
			break;
		}
		n = recv(ctx->fd, buf, sizeof(buf), 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return conn_lost(ctx, errno);
		}
		if (n == 0) {
			out_err("connection to %s closed by the daemon%s",
			        ctx->socket_path,
			        ivt_framer_pending(&ctx->framer) > 0
			            ? " in the middle of a reply"
			            : "");
			conn_close(ctx);
			return IVTCTL_EXIT_CONN;
		}
		if (ivt_framer_push(&ctx->framer, buf, (size_t)n) == -1) {
			out_err("out of memory");
			conn_close(ctx);
			return IVTCTL_EXIT_FAIL;
		}
	}
parse:
	if ((v = ivt_msg_parse(msg, len, err, sizeof(err))) == NULL)
		return malformed(ctx, err);
	if ((why = check_envelope(v)) != NULL) {
		json_decref(v);
		return malformed(ctx, why);
	}
	if (ctx->trace)
		print_trace(v);
	*reply = v;
	return 0;
}

/* The reply's parameters, {} when it has none; NULL if out of memory. */
static json_t *
reply_params(json_t *reply)
{
	json_t *p = json_object_get(reply, "parameters");

	return p != NULL ? json_incref(p) : json_object();
}

/* Print a daemon error reply; IVTCTL_EXIT_FAIL. */
static int
reply_error(json_t *reply)
{
	out_daemon_error(json_string_value(json_object_get(reply, "error")),
	                 json_object_get(reply, "parameters"));
	return IVTCTL_EXIT_FAIL;
}

int
ivtctl_call(struct ivtctl *ctx, const char *method, json_t *params,
            json_t **result)
{
	json_t *reply;
	int rc;

	*result = NULL;
	if (params == NULL) {
		out_err("out of memory");
		return IVTCTL_EXIT_FAIL;
	}
	rc = conn_send(ctx, method, params, 0);
	json_decref(params);
	if (rc != 0 || (rc = conn_recv(ctx, &reply)) != 0)
		return rc;
	if (json_object_get(reply, "error") != NULL)
		rc = reply_error(reply);
	else if (json_is_true(json_object_get(reply, "continues"))) {
		/* Only a call with "more" may be answered by a stream. */
		rc = malformed(ctx, "unexpected \"continues\"");
	} else if ((*result = reply_params(reply)) == NULL) {
		out_err("out of memory");
		rc = IVTCTL_EXIT_FAIL;
	}
	json_decref(reply);
	return rc;
}

int
ivtctl_call_more(struct ivtctl *ctx, const char *method, json_t *params,
                 reply_cb cb, void *arg)
{
	json_t *reply, *p;
	int rc, more;

	if (params == NULL) {
		out_err("out of memory");
		return IVTCTL_EXIT_FAIL;
	}
	rc = conn_send(ctx, method, params, CALL_MORE);
	json_decref(params);
	if (rc != 0)
		return rc;
	do {
		if ((rc = conn_recv(ctx, &reply)) != 0)
			return rc;
		if (json_object_get(reply, "error") != NULL) {
			rc = reply_error(reply);
			json_decref(reply);
			return rc;
		}
		more = json_is_true(json_object_get(reply, "continues"));
		p = reply_params(reply);
		json_decref(reply);
		if (p == NULL) {
			out_err("out of memory");
			return IVTCTL_EXIT_FAIL;
		}
		rc = cb(ctx, p, arg);
		json_decref(p);
		if (rc != 0)
			return rc;
	} while (more);
	return 0;
}

json_t *
reply_get(struct ivtctl *ctx, const json_t *params, const char *key,
          json_type type)
{
	json_t *v = json_object_get(params, key);

	if (v == NULL || json_typeof(v) != type) {
		out_err("malformed reply from %s: \"%s\" missing or of the "
		        "wrong type",
		        ctx->socket_path, key);
		conn_close(ctx);
		return NULL;
	}
	return v;
}
