/*
 * cmd_audit.c - audit verify (nl.ivtd.Audit).
 */
#include <stdio.h>

#include "ivtctl.h"

/* Exit 0 when the log is intact, 1 when it is broken (also with --json),
 * so scripts and monitoring can test the status alone. */
int
cmd_audit_verify(struct ivtctl *ctx, int argc, char **argv)
{
	struct args a;
	json_t *res, *ok;
	const char *reason;
	char buf[32];
	int rc;

	if (args_parse(ctx, argc, argv, NULL, 0, 0, &a) == -1)
		return a.status;
	rc = ivtctl_call(ctx, "nl.ivtd.Audit.Verify", json_object(), &res);
	if (rc != 0)
		return rc;
	ok = json_object_get(res, "ok");
	if (!json_is_boolean(ok)) {
		json_decref(res);
		out_err("malformed reply from %s: \"ok\" missing or of the "
		        "wrong type",
		        ctx->socket_path);
		return IVTCTL_EXIT_CONN;
	}
	if (ctx->json)
		rc = out_json(res);
	else if (json_is_true(ok))
		printf("audit log intact: %lld entries, %lld checkpoints\n",
		       ivt_json_int(res, "entries", 0),
		       ivt_json_int(res, "checkpoints", 0));
	else {
		reason = out_str(res, "reason");
		fputs("audit log BROKEN", stdout);
		if (out_int(res, "bad_seq", buf, sizeof(buf)) != NULL)
			printf(" at entry %s", buf);
		fputs(": ", stdout);
		out_safe(stdout, reason != NULL ? reason : "no reason given");
		putchar('\n');
	}
	if (rc == 0 && !json_is_true(ok))
		rc = IVTCTL_EXIT_FAIL;
	json_decref(res);
	return rc;
}
