/*
 * cmd_partner.c - partner add/list (nl.ivtd.Partner).
 */
#include <stdio.h>
#include <string.h>

#include "ivtctl.h"

static const char *const partner_headers[] = {"ID", "NAME", "KIND", "CREATED"};

static void
partner_row(struct table *t, const json_t *p)
{
	char buf[32];

	table_row(t);
	table_cell(t, out_int(p, "id", buf, sizeof(buf)));
	table_cell(t, out_str(p, "name"));
	table_cell(t, out_str(p, "kind"));
	table_cell(t, out_time(p, "created"));
}

int
cmd_partner_add(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {{"kind", 1, NULL}, {NULL, 0, NULL}};
	struct args a;
	struct table *t;
	json_t *res, *p;
	int rc;

	if (args_parse(ctx, argc, argv, opts, 1, 1, &a) == -1)
		return a.status;
	if (opts[0].value == NULL)
		return usage_error(ctx, "--kind is required");
	/* Kinds are checked by the daemon against proto/: one list. */
	rc = ivtctl_call(
	    ctx, "nl.ivtd.Partner.Add",
	    json_pack("{s:s, s:s}", "name", a.pos[0], "kind", opts[0].value),
	    &res);
	if (rc != 0)
		return rc;
	if (ctx->json)
		rc = out_json(res);
	else if ((p = reply_get(ctx, res, "partner", JSON_OBJECT)) == NULL)
		rc = IVTCTL_EXIT_CONN;
	else {
		if ((t = table_new(4, partner_headers)) != NULL)
			partner_row(t, p);
		rc = table_print(t, stdout);
	}
	json_decref(res);
	return rc;
}

int
cmd_partner_list(struct ivtctl *ctx, int argc, char **argv)
{
	struct args a;
	struct table *t;
	json_t *res, *partners, *p;
	size_t i;
	int rc;

	if (args_parse(ctx, argc, argv, NULL, 0, 0, &a) == -1)
		return a.status;
	rc = ivtctl_call(ctx, "nl.ivtd.Partner.List", json_object(), &res);
	if (rc != 0)
		return rc;
	if (ctx->json)
		rc = out_json(res);
	else if ((partners = reply_get(ctx, res, "partners", JSON_ARRAY)) ==
	         NULL)
		rc = IVTCTL_EXIT_CONN;
	else {
		if ((t = table_new(4, partner_headers)) != NULL)
			json_array_foreach(partners, i, p) partner_row(t, p);
		rc = table_print(t, stdout);
	}
	json_decref(res);
	return rc;
}
