/*
 * cmd_finding.c - finding add/update/list/history, followup list/done and
 * measure set (nl.ivtd.Finding).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ivtctl.h"

static const char *const finding_headers[] = {
    "ID", "SUBJECT", "PARTNER", "VISIT", "CATEGORY", "ACTION", "OWNER",
    "DUE", "DONE", "V", "NOTES"};

static void
finding_row(struct table *t, const json_t *f)
{
	char a[32], b[32], v[32];

	table_row(t);
	table_cell(t, out_int(f, "id", a, sizeof(a)));
	table_cell(t, out_int(f, "subject", b, sizeof(b)));
	table_cell(t, out_str(f, "partner"));
	table_cell(t, out_str(f, "visit_date"));
	table_cell(t, out_str(f, "category"));
	table_cell(t, out_str(f, "action"));
	table_cell(t, out_str(f, "owner"));
	table_cell(t, out_str(f, "due"));
	table_cell(t, json_is_true(json_object_get(f, "done")) ? "yes" : "no");
	table_cell(t, out_int(f, "version", v, sizeof(v)));
	table_cell(t, out_str(f, "notes"));
}

static int
print_findings(struct ivtctl *ctx, const json_t *res)
{
	const json_t *list, *f;
	struct table *t;
	size_t i;

	if ((list = reply_get(ctx, res, "findings", JSON_ARRAY)) == NULL)
		return IVTCTL_EXIT_CONN;
	if ((t = table_new(11, finding_headers)) == NULL)
		return IVTCTL_EXIT_FAIL;
	json_array_foreach(list, i, f) finding_row(t, f);
	return table_print(t, stdout);
}

static int
print_finding(struct ivtctl *ctx, const json_t *res)
{
	const json_t *f;
	struct table *t;

	if ((f = reply_get(ctx, res, "finding", JSON_OBJECT)) == NULL)
		return IVTCTL_EXIT_CONN;
	if ((t = table_new(11, finding_headers)) == NULL)
		return IVTCTL_EXIT_FAIL;
	finding_row(t, f);
	return table_print(t, stdout);
}

/* Options of add and update, in this order. */
#define FINDING_OPTS                                                       \
	{"visit", 1, NULL}, {"day", 1, NULL}, {"category", 1, NULL},       \
	    {"notes", 1, NULL}, {"action", 1, NULL}, {"owner", 1, NULL},   \
	    {"due", 1, NULL},                                              \
	{                                                                  \
		NULL, 0, NULL                                              \
	}

static int
finding_params(struct ivtctl *ctx, json_t *params, const struct opt *o)
{
	long long day;

	set_opt_str(params, "visit_date", o[0].value);
	if (o[1].value != NULL) {
		if (parse_id(ctx, o[1].value, &day) != 0)
			return -1;
		json_object_set_new(params, "day", json_integer(day));
	}
	set_opt_str(params, "category", o[2].value);
	set_opt_str(params, "notes", o[3].value);
	set_opt_str(params, "action", o[4].value);
	set_opt_str(params, "owner", o[5].value);
	set_opt_str(params, "due", o[6].value);
	return 0;
}

int
cmd_finding_add(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {FINDING_OPTS};
	struct args a;
	json_t *params;
	long long id;

	if (args_id(ctx, argc, argv, opts, 1, 1, &a, &id) == -1)
		return a.status;
	if (!opts[0].value || !opts[2].value || !opts[3].value)
		return usage_error(ctx, "--visit, --category and --notes are "
		                        "required");
	params = json_pack("{s:I,s:s}", "subject", (json_int_t)id, "action",
	                   opts[4].value ? opts[4].value : "geen");
	if (params == NULL || finding_params(ctx, params, opts) == -1) {
		json_decref(params);
		return IVTCTL_EXIT_USAGE;
	}
	return run_call(ctx, "nl.ivtd.Finding.Add", params, print_finding);
}

int
cmd_finding_update(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {FINDING_OPTS};
	struct args a;
	json_t *params;
	long long id;

	if (args_id(ctx, argc, argv, opts, 1, 1, &a, &id) == -1)
		return a.status;
	if (opts[0].value || opts[1].value)
		return usage_error(ctx, "the visit of a finding does not "
		                        "change");
	params = json_pack("{s:I}", "id", (json_int_t)id);
	if (params == NULL || finding_params(ctx, params, opts) == -1) {
		json_decref(params);
		return IVTCTL_EXIT_USAGE;
	}
	return run_call(ctx, "nl.ivtd.Finding.Update", params, print_finding);
}

int
cmd_finding_list(struct ivtctl *ctx, int argc, char **argv)
{
	return run_id_call(ctx, argc, argv, "nl.ivtd.Finding.List", "subject",
	                   print_findings);
}

static const char *const change_headers[] = {"VERSION", "BY", "AT",
                                             "CATEGORY", "ACTION", "OWNER",
                                             "DUE"};

static int
print_changes(struct ivtctl *ctx, const json_t *res)
{
	const json_t *list, *e;
	struct table *t;
	char v[32];
	size_t i;

	if ((list = reply_get(ctx, res, "changes", JSON_ARRAY)) == NULL)
		return IVTCTL_EXIT_CONN;
	if ((t = table_new(7, change_headers)) == NULL)
		return IVTCTL_EXIT_FAIL;
	json_array_foreach(list, i, e) {
		table_row(t);
		table_cell(t, out_int(e, "version", v, sizeof(v)));
		table_cell(t, out_str(e, "by"));
		table_cell(t, out_time(e, "at"));
		table_cell(t, out_str(e, "category"));
		table_cell(t, out_str(e, "action"));
		table_cell(t, out_str(e, "owner"));
		table_cell(t, out_str(e, "due"));
	}
	return table_print(t, stdout);
}

int
cmd_finding_history(struct ivtctl *ctx, int argc, char **argv)
{
	return run_id_call(ctx, argc, argv, "nl.ivtd.Finding.History", "id",
	                   print_changes);
}

int
cmd_followup_list(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {{"overdue", 0, NULL}, {NULL, 0, NULL}};
	struct args a;
	json_t *params;
	long long id;

	if (args_parse(ctx, argc, argv, opts, 1, 1, &a) == -1)
		return a.status;
	if (parse_id(ctx, a.pos[0], &id) != 0)
		return IVTCTL_EXIT_USAGE;
	if ((params = json_pack("{s:I}", "project", (json_int_t)id)) == NULL)
		return IVTCTL_EXIT_FAIL;
	if (opts[0].value != NULL)
		json_object_set_new(params, "overdue", json_true());
	return run_call(ctx, "nl.ivtd.Finding.FollowupList", params,
	                print_findings);
}

int
cmd_followup_done(struct ivtctl *ctx, int argc, char **argv)
{
	return run_id_call(ctx, argc, argv, "nl.ivtd.Finding.FollowupDone",
	                   "id", print_finding);
}

static int
print_ok(struct ivtctl *ctx, const json_t *res)
{
	(void)ctx;
	(void)res;
	return 0;
}

int
cmd_measure_set(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {{"phase", 1, NULL},
	                     {"source", 1, NULL},
	                     {"date", 1, NULL},
	                     {NULL, 0, NULL}};
	struct args a;
	json_t *params;
	long long id, phase;
	double value;
	char *end;

	if (args_id(ctx, argc, argv, opts, 3, 3, &a, &id) == -1)
		return a.status;
	if (opts[0].value == NULL ||
	    parse_ll(opts[0].value, 0, 1, &phase) == -1)
		return usage_error(ctx, "--phase is 0 (0-meting) or 1 "
		                        "(1-meting)");
	if (opts[1].value == NULL)
		return usage_error(ctx, "--source is required");
	value = strtod(a.pos[2], &end);
	if (end == a.pos[2] || *end != '\0')
		return usage_error(ctx, "'%s' is not a number", a.pos[2]);
	params = json_pack("{s:I,s:I,s:s,s:f,s:s}", "project", (json_int_t)id,
	                   "phase", (json_int_t)phase, "indicator", a.pos[1],
	                   "value", value, "source", opts[1].value);
	if (params == NULL)
		return IVTCTL_EXIT_FAIL;
	set_opt_str(params, "date", opts[2].value);
	return run_call(ctx, "nl.ivtd.Finding.MeasureSet", params, print_ok);
}

static int
print_visited(struct ivtctl *ctx, const json_t *res)
{
	char n[32];

	(void)ctx;
	printf("day carried out; %s planned subjects are now gecontroleerd\n",
	       out_int(res, "visited", n, sizeof(n)));
	return out_finish();
}

int
cmd_day_done(struct ivtctl *ctx, int argc, char **argv)
{
	return run_id_call(ctx, argc, argv, "nl.ivtd.Day.Done", "id",
	                   print_visited);
}
