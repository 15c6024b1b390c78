/*
 * keyrot.c - nl.ivtd.Key: start a master key rotation and follow it
 * (keys.h does the work; the daemon's event loop drives its steps).
 */
#include <stdio.h>

#include "keys.h"
#include "log.h"
#include "varlink.h"

static json_t *
status_json(const struct keys_status *st)
{
	json_t *o;

	o = json_pack("{s:I,s:b,s:I,s:I,s:I,s:I}", "current",
	              (json_int_t)st->current, "rotating", st->next != 0,
	              "done", (json_int_t)st->done, "total",
	              (json_int_t)st->total, "projects", (json_int_t)st->active,
	              "destroyed", (json_int_t)st->shredded);
	if (o != NULL && st->next != 0)
		json_object_set_new(o, "next", json_integer(st->next));
	return o;
}

/* Key.Rotate: write the next master key and start re-wrapping. */
static int
key_rotate(struct call *c)
{
	struct keys_status st;
	char err[256];
	int rc;

	err[0] = '\0';
	rc = keys_rotate_begin(c->ctx, &st, err, sizeof(err));
	if (rc == 1)
		return call_fail(c, "nl.ivtd.Conflict", "{s:s}", "reason",
		                 "a key rotation is running already");
	if (rc == 2)
		return call_fail(c, "nl.ivtd.Conflict", "{s:s}", "reason",
		                 "the key files of the last rotation are not "
		                 "switched yet (see the daemon log)");
	if (rc == 3)
		return call_fail(c, "nl.ivtd.Conflict", "{s:s}", "reason", err);
	if (rc == -1) {
		if (err[0] != '\0')
			log_err("key rotation: %s", err);
		return call_internal(c);
	}
	call_object(c, "master-key:%u->%u", (unsigned)st.current,
	            (unsigned)st.next);
	c->reply = json_pack("{s:o}", "status", status_json(&st));
	return c->reply ? 0 : call_internal(c);
}

static int
key_status(struct call *c)
{
	struct keys_status st;

	if (keys_status(c->ctx, &st) == -1)
		return call_internal(c);
	c->reply = json_pack("{s:o}", "status", status_json(&st));
	return c->reply ? 0 : call_internal(c);
}

const struct method key_methods[] = {
    {"nl.ivtd.Key.Rotate", key_rotate, ROLE_ADMIN, M_WRITE, NULL},
    {"nl.ivtd.Key.Status", key_status, ROLE_ADMIN, 0, NULL},
    {NULL, NULL, 0, 0, NULL},
};
