/*
 * cmd_protocol.c - protocol grant/revoke/register/show (nl.ivtd.Protocol).
 */
#include <stdio.h>
#include <string.h>

#include "ivtctl.h"

static int
print_nothing(struct ivtctl *ctx, const json_t *res)
{
	(void)ctx;
	(void)res;
	return 0;
}

static int
grant_call(struct ivtctl *ctx, int argc, char **argv, const char *method,
           int need_rights)
{
	struct opt opts[] = {
	    {"rights", 1, NULL}, {"fields", 1, NULL}, {NULL, 0, NULL}};
	struct args a;
	json_t *params;
	long long id;

	if (args_id(ctx, argc, argv, opts, 2, 2, &a, &id) == -1)
		return a.status;
	if (need_rights && opts[0].value == NULL)
		return usage_error(ctx, "--rights is required");
	params = json_pack("{s:I,s:s}", "project", (json_int_t)id, "partner",
	                   a.pos[1]);
	if (params == NULL)
		return IVTCTL_EXIT_FAIL;
	set_opt_list(params, "rights", opts[0].value);
	set_opt_list(params, "fields", opts[1].value);
	return run_call(ctx, method, params, print_nothing);
}

int
cmd_protocol_grant(struct ivtctl *ctx, int argc, char **argv)
{
	return grant_call(ctx, argc, argv, "nl.ivtd.Protocol.Grant", 1);
}

int
cmd_protocol_revoke(struct ivtctl *ctx, int argc, char **argv)
{
	return grant_call(ctx, argc, argv, "nl.ivtd.Protocol.Revoke", 0);
}

int
cmd_protocol_register(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {
	    {"date", 1, NULL}, {"ref", 1, NULL}, {NULL, 0, NULL}};
	struct args a;
	long long id;

	if (args_id(ctx, argc, argv, opts, 1, 1, &a, &id) == -1)
		return a.status;
	if (opts[0].value == NULL || opts[1].value == NULL)
		return usage_error(ctx, "--date and --ref are required");
	return run_call(ctx, "nl.ivtd.Protocol.Register",
	                json_pack("{s:I,s:s,s:s}", "project", (json_int_t)id,
	                          "date", opts[0].value, "reference",
	                          opts[1].value),
	                print_nothing);
}

static const char *const grant_headers[] = {
    "PARTNER", "LEVEREN", "BEWERKEN", "INLEZEN", "FIELDS", "UPDATED", "BY"};

static const char *
has_right(const json_t *g, const char *right)
{
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(g, "rights"), i, v) {
		if (strcmp(json_string_value(v), right) == 0)
			return "yes";
	}
	return "no";
}

/* The fields a partner may read, comma-separated into buf. */
static const char *
grant_fields(const json_t *g, char *buf, size_t len)
{
	const json_t *v;
	size_t i, n = 0;
	int w;

	buf[0] = '\0';
	json_array_foreach(json_object_get(g, "fields"), i, v) {
		w = snprintf(buf + n, len - n, "%s%s", n ? "," : "",
		             json_string_value(v));
		if (w < 0 || (size_t)w >= len - n)
			break;
		n += (size_t)w;
	}
	return n ? buf : "-";
}

static int
print_protocol(struct ivtctl *ctx, const json_t *res)
{
	const json_t *grants, *g;
	struct table *t;
	char fields[128];
	size_t i;

	if ((grants = reply_get(ctx, res, "grants", JSON_ARRAY)) == NULL)
		return IVTCTL_EXIT_CONN;
	out_kv("registered", out_str(res, "registered"));
	out_kv("reference", out_str(res, "reference"));
	putchar('\n');
	if ((t = table_new(7, grant_headers)) == NULL)
		return IVTCTL_EXIT_FAIL;
	json_array_foreach(grants, i, g) {
		table_row(t);
		table_cell(t, out_str(g, "partner"));
		table_cell(t, has_right(g, "leveren"));
		table_cell(t, has_right(g, "bewerken"));
		table_cell(t, has_right(g, "inlezen"));
		table_cell(t, grant_fields(g, fields, sizeof(fields)));
		table_cell(t, out_time(g, "updated"));
		table_cell(t, out_str(g, "updated_by"));
	}
	return table_print(t, stdout);
}

int
cmd_protocol_show(struct ivtctl *ctx, int argc, char **argv)
{
	return run_id_call(ctx, argc, argv, "nl.ivtd.Protocol.Show", "project",
	                   print_protocol);
}
