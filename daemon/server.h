/*
 * server.h - the control socket: accept, peer credentials, per-connection
 * framing, limits, and replies in request order.
 */
#ifndef IVTD_SERVER_H
#define IVTD_SERVER_H

#include <event2/event.h>

#include "varlink.h"

struct server;

/* Bind the socket at cfg->socket_path (mode and group from cfg) and start
 * accepting on base.  NULL with err filled on failure. */
struct server *server_new(struct event_base *base, struct daemon_ctx *ctx,
                          char *err, size_t errlen);
/* Close every connection and the socket, and unlink it. */
void server_free(struct server *srv);

#endif
