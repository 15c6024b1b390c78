/*
 * cmd_backup.c - backup (nl.ivtd.Admin.Backup).
 */
#include <stdio.h>

#include "ivtctl.h"

/*
 * The daemon writes the file, as its own user and in its own file-system
 * view, so FILE goes as given: a relative name would mean the daemon's
 * working directory, and the daemon refuses it rather than guess.
 */
int
cmd_backup(struct ivtctl *ctx, int argc, char **argv)
{
	struct args a;
	json_t *res;
	char pages[32], bytes[32];
	int rc;

	if (args_parse(ctx, argc, argv, NULL, 1, 1, &a) == -1)
		return a.status;
	rc = ivtctl_call(ctx, "nl.ivtd.Admin.Backup",
	                 json_pack("{s:s}", "path", a.pos[0]), &res);
	if (rc != 0)
		return rc;
	if (ctx->json)
		rc = out_json(res);
	else {
		out_kv("path", out_str(res, "path"));
		out_kv("pages", out_int(res, "pages", pages, sizeof(pages)));
		out_kv("bytes", out_int(res, "bytes", bytes, sizeof(bytes)));
	}
	json_decref(res);
	return rc == 0 ? out_finish() : rc;
}
