/*
 * cmd_service.c - whoami, introspection (org.varlink.service) and the raw
 * "call" command for scripts and debugging.
 */
#include <stdio.h>
#include <string.h>

#include "ivtctl.h"

int
cmd_whoami(struct ivtctl *ctx, int argc, char **argv)
{
	struct args a;
	json_t *res;
	char buf[32];
	int rc;

	if (args_parse(ctx, argc, argv, NULL, 0, 0, &a) == -1)
		return a.status;
	if ((rc = ivtctl_call(ctx, "nl.ivtd.WhoAmI", json_object(), &res)) != 0)
		return rc;
	if (ctx->json)
		rc = out_json(res);
	else {
		out_kv("uid", out_int(res, "uid", buf, sizeof(buf)));
		out_kv("name", out_str(res, "name"));
		out_kv("role", out_str(res, "role"));
		if (out_str(res, "org") != NULL)
			out_kv("org", out_str(res, "org"));
	}
	json_decref(res);
	return rc;
}

int
cmd_service_info(struct ivtctl *ctx, int argc, char **argv)
{
	struct args a;
	json_t *res, *ifaces, *v;
	size_t i;
	int rc;

	if (args_parse(ctx, argc, argv, NULL, 0, 0, &a) == -1)
		return a.status;
	rc = ivtctl_call(ctx, "org.varlink.service.GetInfo", json_object(),
	                 &res);
	if (rc != 0)
		return rc;
	if (ctx->json)
		rc = out_json(res);
	else if ((ifaces = reply_get(ctx, res, "interfaces", JSON_ARRAY)) ==
	         NULL)
		rc = IVTCTL_EXIT_CONN;
	else {
		out_kv("vendor", out_str(res, "vendor"));
		out_kv("product", out_str(res, "product"));
		out_kv("version", out_str(res, "version"));
		out_kv("url", out_str(res, "url"));
		json_array_foreach(ifaces, i, v)
		    out_kv("interface", json_string_value(v));
	}
	json_decref(res);
	return rc;
}

int
cmd_service_describe(struct ivtctl *ctx, int argc, char **argv)
{
	struct args a;
	json_t *res, *desc;
	const char *text;
	size_t len;
	int rc;

	if (args_parse(ctx, argc, argv, NULL, 1, 1, &a) == -1)
		return a.status;
	rc = ivtctl_call(ctx, "org.varlink.service.GetInterfaceDescription",
	                 json_pack("{s:s}", "interface", a.pos[0]), &res);
	if (rc != 0)
		return rc;
	if (ctx->json)
		rc = out_json(res);
	else if ((desc = reply_get(ctx, res, "description", JSON_STRING)) ==
	         NULL)
		rc = IVTCTL_EXIT_CONN;
	else {
		/* Verbatim: the interface definition is the daemon's own. */
		text = json_string_value(desc);
		len = json_string_length(desc);
		fwrite(text, 1, len, stdout);
		if (len == 0 || text[len - 1] != '\n')
			putchar('\n');
	}
	json_decref(res);
	return rc;
}

static int
print_reply(struct ivtctl *ctx, json_t *params, void *arg)
{
	(void)ctx;
	(void)arg;
	return out_json(params);
}

int
cmd_call(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {{"more", 0, NULL}, {NULL, 0, NULL}};
	struct args a;
	json_error_t jerr;
	json_t *params, *res;
	int rc;

	if (args_parse(ctx, argc, argv, opts, 1, 2, &a) == -1)
		return a.status;
	if (a.pos[0][0] == '\0' || strchr(a.pos[0], '.') == NULL)
		return usage_error(ctx, "METHOD must be a full name such as "
		                        "nl.ivtd.WhoAmI");
	if (a.npos < 2)
		params = json_object();
	else {
		params = json_loads(a.pos[1], JSON_REJECT_DUPLICATES, &jerr);
		if (params == NULL)
			return usage_error(
			    ctx, "JSON-PARAMS: %s at line %d column %d",
			    jerr.text, jerr.line, jerr.column);
		if (!json_is_object(params)) {
			json_decref(params);
			return usage_error(ctx,
			                   "JSON-PARAMS must be a JSON object");
		}
	}
	if (opts[0].value != NULL)
		return ivtctl_call_more(ctx, a.pos[0], params, print_reply,
		                        NULL);
	if ((rc = ivtctl_call(ctx, a.pos[0], params, &res)) != 0)
		return rc;
	rc = out_json(res);
	json_decref(res);
	return rc;
}
