/*
 * audit_rpc.c - nl.ivtd.Audit: the audit log's methods.  Readable by the
 * admin and privacy roles; no method edits or deletes entries.
 */
#include "varlink.h"

static int
audit_verify_method(struct call *c)
{
	struct audit_verify_result r;
	int rc;

	rc = audit_verify(c->ctx->store, c->ctx->crypto, &r, NULL, NULL);
	if (rc == -1)
		return call_internal(c);
	c->reply = json_pack("{s:b,s:I,s:I}", "ok", rc == 0, "entries",
	                     (json_int_t)r.entries, "checkpoints",
	                     (json_int_t)r.checkpoints);
	if (c->reply == NULL)
		return call_internal(c);
	if (rc == 1) {
		json_object_set_new(c->reply, "bad_seq",
		                    json_integer((json_int_t)r.bad_seq));
		json_object_set_new(c->reply, "reason", json_string(r.reason));
	}
	return 0;
}

const struct method audit_methods[] = {
	{"nl.ivtd.Audit.Verify", audit_verify_method, ROLE_ADMIN | ROLE_PRIVACY,
	 0, NULL},
	{NULL, NULL, 0, 0, NULL},
};
