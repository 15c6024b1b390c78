/*
 * cmd_project.c - project create/list/show/update/decide/advance/history
 * (nl.ivtd.Project).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ivtctl.h"

/* Options shared by create and update, in this order. */
#define PROJECT_OPTS                                                           \
	{"gemeente", 1, NULL}, {"problem", 1, NULL}, {"themes", 1, NULL},      \
	    {"area", 1, NULL}, {"legal-basis", 1, NULL}, {"purpose", 1, NULL}, \
	    {"leaders", 1, NULL}, {"start", 1, NULL}, {"end", 1, NULL},        \
	    {"name", 1, NULL},                                                 \
	{                                                                      \
		NULL, 0, NULL                                                  \
	}

static const char *const project_keys[] = {
    "gemeente", "problem", "themes",        "area",        "legal_basis",
    "purpose",  "leaders", "planned_start", "planned_end", "name",
};

/* Copy the given options into params; lists are comma separated. */
static void
project_params(json_t *params, const struct opt *opts)
{
	size_t i;

	for (i = 0; i < sizeof(project_keys) / sizeof(project_keys[0]); i++) {
		if (strcmp(project_keys[i], "themes") == 0 ||
		    strcmp(project_keys[i], "area") == 0 ||
		    strcmp(project_keys[i], "leaders") == 0)
			set_opt_list(params, project_keys[i], opts[i].value);
		else
			set_opt_str(params, project_keys[i], opts[i].value);
	}
}

static void
kv_list(const char *key, const json_t *a)
{
	const json_t *v;
	size_t i;

	printf("%s ", key);
	json_array_foreach(a, i, v)
	{
		if (i > 0)
			fputs(", ", stdout);
		out_safe(stdout, json_string_value(v));
	}
	putchar('\n');
}

static int
print_project(struct ivtctl *ctx, const json_t *res)
{
	const json_t *p = json_object_get(res, "project");
	json_t *left;
	char buf[32];

	if (!json_is_object(p))
		p = reply_get(ctx, res, "project", JSON_OBJECT);
	if (p == NULL)
		return IVTCTL_EXIT_CONN;
	out_kv("id", out_int(p, "id", buf, sizeof(buf)));
	out_kv("name", out_str(p, "name"));
	out_kv("gemeente", out_str(p, "gemeente"));
	out_kv("phase", out_str(p, "phase"));
	kv_list("leaders", json_object_get(p, "leaders"));
	kv_list("themes", json_object_get(p, "themes"));
	kv_list("area", json_object_get(p, "area"));
	out_kv("legal_basis", out_str(p, "legal_basis"));
	out_kv("purpose", out_str(p, "purpose"));
	out_kv("problem", out_str(p, "problem"));
	printf("planned_start %s\nplanned_end %s\n",
	       out_str(p, "planned_start") ? out_str(p, "planned_start") : "-",
	       out_str(p, "planned_end") ? out_str(p, "planned_end") : "-");
	out_kv("protocol_registered", out_str(p, "protocol_registered"));
	out_kv("protocol_ref", out_str(p, "protocol_ref"));
	out_kv("operational_end", out_str(p, "operational_end"));
	if ((left = json_object_get(p, "report_days_left")) != NULL) {
		long long d = json_integer_value(left);

		printf("report_due %s (%lld days %s)\n",
		       out_str(p, "report_due"), d < 0 ? -d : d,
		       d < 0 ? "overdue" : "left");
	}
	if (out_str(p, "closed_reason") != NULL)
		out_kv("closed_reason", out_str(p, "closed_reason"));
	if (out_str(p, "hold") != NULL)
		out_kv("legal_hold", out_str(p, "hold"));
	if (json_object_get(p, "retention_days") != NULL)
		out_kv("retention_days",
		       out_int(p, "retention_days", buf, sizeof(buf)));
	if (out_str(p, "destroyed") != NULL)
		out_kv("destroyed", out_time(p, "destroyed"));
	out_kv("created", out_time(p, "created"));
	return out_finish();
}

int
cmd_project_create(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {PROJECT_OPTS};
	struct args a;
	json_t *params;

	if (args_parse(ctx, argc, argv, opts, 1, 1, &a) == -1)
		return a.status;
	if (opts[0].value == NULL || opts[1].value == NULL ||
	    opts[3].value == NULL || opts[4].value == NULL ||
	    opts[5].value == NULL)
		return usage_error(ctx, "--gemeente, --problem, --area, "
		                        "--legal-basis and --purpose are "
		                        "required");
	if (opts[9].value != NULL)
		return usage_error(ctx, "the name is the first argument");
	if ((params = json_object()) == NULL)
		return IVTCTL_EXIT_FAIL;
	project_params(params, opts);
	json_object_set_new(params, "name", json_string(a.pos[0]));
	if (opts[2].value == NULL)
		json_object_set_new(params, "themes", json_array());
	return run_call(ctx, "nl.ivtd.Project.Create", params, print_project);
}

int
cmd_project_update(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {PROJECT_OPTS};
	struct args a;
	json_t *params;
	long long id;

	if (args_id(ctx, argc, argv, opts, 1, 1, &a, &id) == -1)
		return a.status;
	if ((params = json_pack("{s:I}", "id", (json_int_t)id)) == NULL)
		return IVTCTL_EXIT_FAIL;
	project_params(params, opts);
	return run_call(ctx, "nl.ivtd.Project.Update", params, print_project);
}

static const char *const list_headers[] = {"ID",    "NAME",    "GEMEENTE",
                                           "PHASE", "LEADERS", "REPORT DUE"};

static int
print_list(struct ivtctl *ctx, const json_t *res)
{
	const json_t *list, *p, *v;
	struct table *t;
	char buf[32], leaders[256];
	size_t i, j;

	if ((list = reply_get(ctx, res, "projects", JSON_ARRAY)) == NULL)
		return IVTCTL_EXIT_CONN;
	if ((t = table_new(6, list_headers)) == NULL)
		return IVTCTL_EXIT_FAIL;
	json_array_foreach(list, i, p)
	{
		leaders[0] = '\0';
		json_array_foreach(json_object_get(p, "leaders"), j, v)
		{
			if (j > 0)
				strncat(leaders, ",",
				        sizeof(leaders) - strlen(leaders) - 1);
			strncat(leaders, json_string_value(v),
			        sizeof(leaders) - strlen(leaders) - 1);
		}
		table_row(t);
		table_cell(t, out_int(p, "id", buf, sizeof(buf)));
		table_cell(t, out_str(p, "name"));
		table_cell(t, out_str(p, "gemeente"));
		table_cell(t, out_str(p, "phase"));
		table_cell(t, leaders);
		table_cell(t, out_str(p, "report_due"));
	}
	return table_print(t, stdout);
}

int
cmd_project_list(struct ivtctl *ctx, int argc, char **argv)
{
	struct args a;

	if (args_parse(ctx, argc, argv, NULL, 0, 0, &a) == -1)
		return a.status;
	return run_call(ctx, "nl.ivtd.Project.List", json_object(), print_list);
}

int
cmd_project_show(struct ivtctl *ctx, int argc, char **argv)
{
	return run_id_call(ctx, argc, argv, "nl.ivtd.Project.Show", "id",
	                   print_project);
}

int
cmd_project_decide(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {{"go", 0, NULL},        {"no-go", 0, NULL},
	                     {"rationale", 1, NULL}, {"body", 1, NULL},
	                     {"date", 1, NULL},      {NULL, 0, NULL}};
	struct args a;
	json_t *params;
	long long id;

	if (args_id(ctx, argc, argv, opts, 2, 2, &a, &id) == -1)
		return a.status;
	if ((opts[0].value != NULL) == (opts[1].value != NULL))
		return usage_error(ctx, "give exactly one of --go, --no-go");
	if (opts[2].value == NULL)
		return usage_error(ctx, "--rationale is required");
	params = json_pack("{s:I,s:s,s:b,s:s}", "id", (json_int_t)id, "gate",
	                   a.pos[1], "go", opts[0].value != NULL, "rationale",
	                   opts[2].value);
	if (params == NULL)
		return IVTCTL_EXIT_FAIL;
	set_opt_str(params, "body", opts[3].value);
	set_opt_str(params, "date", opts[4].value);
	return run_call(ctx, "nl.ivtd.Project.Decide", params, print_project);
}

int
cmd_project_advance(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {
	    {"rationale", 1, NULL}, {"date", 1, NULL}, {NULL, 0, NULL}};
	struct args a;
	json_t *params;
	long long id;

	if (args_id(ctx, argc, argv, opts, 1, 1, &a, &id) == -1)
		return a.status;
	if (opts[0].value == NULL)
		return usage_error(ctx, "--rationale is required");
	params = json_pack("{s:I,s:s}", "id", (json_int_t)id, "rationale",
	                   opts[0].value);
	if (params == NULL)
		return IVTCTL_EXIT_FAIL;
	set_opt_str(params, "date", opts[1].value);
	return run_call(ctx, "nl.ivtd.Project.Advance", params, print_project);
}

static const char *const history_headers[] = {"DATE",     "KIND", "GATE",
                                              "DECISION", "BODY", "FROM",
                                              "TO",       "BY",   "RATIONALE"};

static int
print_history(struct ivtctl *ctx, const json_t *res)
{
	const json_t *list, *e, *go;
	struct table *t;
	size_t i;

	if ((list = reply_get(ctx, res, "events", JSON_ARRAY)) == NULL)
		return IVTCTL_EXIT_CONN;
	if ((t = table_new(9, history_headers)) == NULL)
		return IVTCTL_EXIT_FAIL;
	json_array_foreach(list, i, e)
	{
		go = json_object_get(e, "go");
		table_row(t);
		table_cell(t, out_str(e, "date"));
		table_cell(t, out_str(e, "kind"));
		table_cell(t, out_str(e, "gate"));
		table_cell(t, go == NULL         ? NULL
		              : json_is_true(go) ? "GO"
		                                 : "NO-GO");
		table_cell(t, out_str(e, "body"));
		table_cell(t, out_str(e, "from_phase"));
		table_cell(t, out_str(e, "to_phase"));
		table_cell(t, out_str(e, "actor"));
		table_cell(t, out_str(e, "rationale"));
	}
	return table_print(t, stdout);
}

int
cmd_project_history(struct ivtctl *ctx, int argc, char **argv)
{
	return run_id_call(ctx, argc, argv, "nl.ivtd.Project.History", "id",
	                   print_history);
}

/* --- legal hold and retention (nl.ivtd.Project.Hold/Release/Retention) */

static int
print_retention(struct ivtctl *ctx, const json_t *res)
{
	const json_t *r;
	char buf[32];

	if ((r = reply_get(ctx, res, "retention", JSON_OBJECT)) == NULL)
		return IVTCTL_EXIT_CONN;
	out_kv("project", out_int(r, "project", buf, sizeof(buf)));
	out_kv("retention_days",
	       out_int(r, "retention_days", buf, sizeof(buf)));
	out_kv("default",
	       json_is_true(json_object_get(r, "default")) ? "yes" : "no");
	out_kv("closed_on", out_str(r, "closed_on"));
	out_kv("expires", out_str(r, "expires"));
	out_kv("hold", out_str(r, "hold"));
	return out_finish();
}

int
cmd_project_hold(struct ivtctl *ctx, int argc, char **argv)
{
	return run_id_opt_call(ctx, argc, argv, "nl.ivtd.Project.Hold", "id",
	                       "reason", "reason", print_retention);
}

int
cmd_project_release(struct ivtctl *ctx, int argc, char **argv)
{
	return run_id_call(ctx, argc, argv, "nl.ivtd.Project.Release", "id",
	                   print_retention);
}

int
cmd_project_retention(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {
	    {"days", 1, NULL}, {"default", 0, NULL}, {NULL, 0, NULL}};
	struct args a;
	json_t *params;
	long long id, days;

	if (args_id(ctx, argc, argv, opts, 1, 1, &a, &id) == -1)
		return a.status;
	if (opts[0].value != NULL && opts[1].value != NULL)
		return usage_error(ctx, "give --days or --default, not both");
	if ((params = json_pack("{s:I}", "id", (json_int_t)id)) == NULL)
		return IVTCTL_EXIT_FAIL;
	if (opts[0].value != NULL) {
		if (parse_ll(opts[0].value, 0, 36500, &days) == -1) {
			json_decref(params);
			return usage_error(ctx, "--days is 0 to 36500");
		}
		json_object_set_new(params, "days", json_integer(days));
	}
	if (opts[1].value != NULL)
		json_object_set_new(params, "default", json_true());
	return run_call(ctx, "nl.ivtd.Project.Retention", params,
	                print_retention);
}
