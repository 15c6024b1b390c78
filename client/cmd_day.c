/*
 * cmd_day.c - actiedagen (nl.ivtd.Day): day create/update/confirm/cancel/
 * list/show/plan/unplan/suggest/export, subject assign/unassign and my.
 * Addresses are printed only as the daemon discloses them; every
 * disclosure is audited there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ivtctl.h"

/* Options shared by create and update, in this order. */
enum {
	O_DATE,
	O_START,
	O_END,
	O_AREA,
	O_MEET,
	O_PARTNERS,
	O_STAFF,
	O_POLICE,
	O_CONTACT,
	O_INFORMED,
	O_TEAMS,
	O_PER_TEAM,
	O_NOPTS,
};

#define DAY_OPTS                                                               \
	{"date", 1, NULL}, {"start", 1, NULL}, {"end", 1, NULL},               \
	    {"area", 1, NULL}, {"meeting-point", 1, NULL},                     \
	    {"partners", 1, NULL}, {"staff", 1, NULL}, {"police", 1, NULL},    \
	    {"police-contact", 1, NULL}, {"police-informed", 1, NULL},         \
	    {"teams", 1, NULL}, {"visits-per-team", 1, NULL},                  \
	{                                                                      \
		NULL, 0, NULL                                                  \
	}

/* "UWV=2,Politie=1" as [{partner, staff}]; NULL after a usage error. */
static json_t *
parse_partners(struct ivtctl *ctx, const char *s, int *status)
{
	json_t *list = split_list(s), *out = json_array(), *v;
	const char *item, *eq;
	long long n;
	size_t i;

	json_array_foreach(list, i, v)
	{
		item = json_string_value(v);
		if ((eq = strrchr(item, '=')) == NULL || eq == item ||
		    parse_ll(eq + 1, 1, 999, &n) == -1) {
			*status = usage_error(ctx, "--partners takes "
			                           "PARTNER=STAFF,... (staff "
			                           "1-999)");
			json_decref(list);
			json_decref(out);
			return NULL;
		}
		json_array_append_new(out, json_pack("{s:s%,s:I}", "partner",
		                                     item, (size_t)(eq - item),
		                                     "staff", (json_int_t)n));
	}
	json_decref(list);
	return out;
}

/* Fill params from the create/update options; 0 or an exit status. */
static int
day_params(struct ivtctl *ctx, const struct opt *o, json_t *params)
{
	static const char *const keys[O_NOPTS] = {
	    "date",           "start", "end", "area",
	    "meeting_point",  NULL,    NULL,  "police",
	    "police_contact", NULL,    NULL,  NULL,
	};
	json_t *partners;
	long long n;
	int i, status = 0;

	for (i = 0; i < O_NOPTS; i++) {
		if (keys[i] != NULL && i != O_AREA)
			set_opt_str(params, keys[i], o[i].value);
	}
	set_opt_list(params, "area", o[O_AREA].value);
	set_opt_list(params, "employees", o[O_STAFF].value);
	if (o[O_PARTNERS].value != NULL) {
		if ((partners = parse_partners(ctx, o[O_PARTNERS].value,
		                               &status)) == NULL)
			return status;
		json_object_set_new(params, "partners", partners);
	}
	if (o[O_INFORMED].value != NULL) {
		if (strcmp(o[O_INFORMED].value, "yes") != 0 &&
		    strcmp(o[O_INFORMED].value, "no") != 0)
			return usage_error(ctx, "--police-informed is yes or "
			                        "no");
		json_object_set_new(
		    params, "police_informed",
		    json_boolean(strcmp(o[O_INFORMED].value, "yes") == 0));
	}
	if (o[O_TEAMS].value != NULL) {
		if (parse_ll(o[O_TEAMS].value, 1, 20, &n) == -1)
			return usage_error(ctx, "--teams is 1 to 20");
		json_object_set_new(params, "teams", json_integer(n));
	}
	if (o[O_PER_TEAM].value != NULL) {
		if (parse_ll(o[O_PER_TEAM].value, 1, 50, &n) == -1)
			return usage_error(ctx, "--visits-per-team is 1 to 50");
		json_object_set_new(params, "visits_per_team", json_integer(n));
	}
	return 0;
}

/* "a, b, c" of a string array. */
static void
join_strings(const json_t *list, char *buf, size_t len)
{
	const json_t *v;
	size_t i, n;

	buf[0] = '\0';
	json_array_foreach(list, i, v)
	{
		n = strlen(buf);
		snprintf(buf + n, len - n, "%s%s", i ? ", " : "",
		         json_string_value(v));
	}
}

/* "UWV 2 (bob, dirk), Politie 1" */
static void
partners_text(const json_t *list, char *buf, size_t len)
{
	const json_t *p, *emp;
	char names[512];
	size_t i, n;

	buf[0] = '\0';
	json_array_foreach(list, i, p)
	{
		emp = json_object_get(p, "employees");
		join_strings(emp, names, sizeof(names));
		n = strlen(buf);
		snprintf(
		    buf + n, len - n, "%s%s %lld%s%s%s", i ? ", " : "",
		    out_str(p, "partner"),
		    (long long)json_integer_value(json_object_get(p, "staff")),
		    json_array_size(emp) ? " (" : "", names,
		    json_array_size(emp) ? ")" : "");
	}
}

static void
print_day_fields(const json_t *d)
{
	char buf[2048], num[32];
	const char *police = out_str(d, "police");

	out_kv("id", out_int(d, "id", num, sizeof(num)));
	out_kv("project", out_int(d, "project", num, sizeof(num)));
	snprintf(buf, sizeof(buf), "%s %s-%s", out_str(d, "date"),
	         out_str(d, "start"), out_str(d, "end"));
	out_kv("date", buf);
	out_kv("status", out_str(d, "status"));
	join_strings(json_object_get(d, "area"), buf, sizeof(buf));
	out_kv("area", buf);
	out_kv("meeting-point", out_str(d, "meeting_point"));
	snprintf(
	    buf, sizeof(buf), "%s%s%s; local police informed: %s", police,
	    out_str(d, "police_contact") ? ", contact " : "",
	    out_str(d, "police_contact") ? out_str(d, "police_contact") : "",
	    json_is_true(json_object_get(d, "police_informed")) ? "yes" : "no");
	out_kv("police", buf);
	snprintf(buf, sizeof(buf),
	         "%lld x %lld visits (capacity %lld, "
	         "planned %lld)",
	         (long long)json_integer_value(json_object_get(d, "teams")),
	         (long long)json_integer_value(
	             json_object_get(d, "visits_per_team")),
	         (long long)json_integer_value(json_object_get(d, "capacity")),
	         (long long)json_integer_value(json_object_get(d, "planned")));
	out_kv("teams", buf);
	partners_text(json_object_get(d, "partners"), buf, sizeof(buf));
	out_kv("partners", buf[0] ? buf : "-");
	if (json_array_size(json_object_get(d, "missing")) > 0) {
		join_strings(json_object_get(d, "missing"), buf, sizeof(buf));
		out_kv("to-confirm", buf);
	}
	if (out_str(d, "cancel_reason") != NULL)
		out_kv("cancelled", out_str(d, "cancel_reason"));
}

static int
print_day(struct ivtctl *ctx, const json_t *res)
{
	const json_t *d;
	char num[32];

	if ((d = reply_get(ctx, res, "day", JSON_OBJECT)) == NULL)
		return IVTCTL_EXIT_CONN;
	print_day_fields(d);
	if (out_int(res, "released", num, sizeof(num)) != NULL)
		printf("released %s subjects (gereed again)\n", num);
	return out_finish();
}

/* "Dorpsstraat 12 A, 3511AB Utrecht", or "-" when not disclosed. */
static void
address_text(const json_t *a, char *buf, size_t len)
{
	const char *t;

	if (a == NULL) {
		snprintf(buf, len, "-");
		return;
	}
	t = out_str(a, "toevoeging");
	snprintf(
	    buf, len, "%s %lld%s%s, %s %s", out_str(a, "street"),
	    (long long)json_integer_value(json_object_get(a, "huisnummer")),
	    t && t[0] ? " " : "", t ? t : "", out_str(a, "postcode"),
	    out_str(a, "woonplaats"));
}

static const char *const visit_headers[] = {
    "TEAM", "SUBJECT", "PC4", "STATUS", "ADDRESS", "PERSONS", "EXPECTED"};

static void
visit_row(struct table *t, const json_t *v, long long team)
{
	const json_t *persons = json_object_get(v, "persons");
	char buf[1024], num[32];

	table_row(t);
	if (team > 0)
		table_cellf(t, "%lld", team);
	else
		table_cell(t, out_int(v, "team", num, sizeof(num)));
	table_cell(t, out_int(v, "subject", num, sizeof(num)));
	table_cell(t, out_str(v, "pc4"));
	table_cell(t, out_str(v, "status"));
	address_text(json_object_get(v, "address"), buf, sizeof(buf));
	table_cell(t, buf);
	if (persons != NULL)
		table_cellf(t, "%zu", json_array_size(persons));
	else
		table_cell(t, NULL);
	join_strings(json_object_get(v, "expected"), buf, sizeof(buf));
	table_cell(t, buf[0] ? buf : NULL);
}

static int
print_show(struct ivtctl *ctx, const json_t *res)
{
	const json_t *d, *teams, *team, *v;
	struct table *t;
	json_int_t planned;
	size_t i, j;

	if ((d = reply_get(ctx, res, "day", JSON_OBJECT)) == NULL ||
	    (teams = reply_get(ctx, res, "teams", JSON_ARRAY)) == NULL)
		return IVTCTL_EXIT_CONN;
	print_day_fields(d);
	putchar('\n');
	if ((t = table_new(7, visit_headers)) == NULL)
		return IVTCTL_EXIT_FAIL;
	json_array_foreach(teams, i, team)
	{
		json_array_foreach(json_object_get(team, "visits"), j, v)
		    visit_row(t, v,
		              (long long)json_integer_value(
		                  json_object_get(team, "team")));
	}
	if (table_print(t, stdout) != 0)
		return IVTCTL_EXIT_FAIL;
	/* Visits the daemon counts but does not show this caller. */
	json_array_foreach(teams, i, team)
	{
		planned = json_integer_value(json_object_get(team, "planned"));
		if (planned > (json_int_t)json_array_size(
		                  json_object_get(team, "visits")))
			printf("team %lld: %lld visit%s, not shown to your "
			       "role\n",
			       (long long)json_integer_value(
			           json_object_get(team, "team")),
			       (long long)planned, planned == 1 ? "" : "s");
	}
	return out_finish();
}

static const char *const day_headers[] = {"ID",      "PROJECT",      "DATE",
                                          "TIME",    "STATUS",       "POLICE",
                                          "PLANNED", "MEETING POINT"};

static void
day_row(struct table *t, const json_t *d)
{
	char num[32];

	table_row(t);
	table_cell(t, out_int(d, "id", num, sizeof(num)));
	table_cell(t, out_int(d, "project", num, sizeof(num)));
	table_cell(t, out_str(d, "date"));
	table_cellf(t, "%s-%s", out_str(d, "start"), out_str(d, "end"));
	table_cell(t, out_str(d, "status"));
	table_cellf(t, "%s%s", out_str(d, "police"),
	            json_is_true(json_object_get(d, "police_informed"))
	                ? ",informed"
	                : "");
	table_cellf(
	    t, "%lld/%lld",
	    (long long)json_integer_value(json_object_get(d, "planned")),
	    (long long)json_integer_value(json_object_get(d, "capacity")));
	table_cell(t, out_str(d, "meeting_point"));
}

static int
print_days(const json_t *list)
{
	const json_t *d;
	struct table *t;
	size_t i;

	if ((t = table_new(8, day_headers)) == NULL)
		return IVTCTL_EXIT_FAIL;
	json_array_foreach(list, i, d) day_row(t, d);
	return table_print(t, stdout) != 0 ? IVTCTL_EXIT_FAIL : 0;
}

static int
print_list(struct ivtctl *ctx, const json_t *res)
{
	const json_t *list;

	if ((list = reply_get(ctx, res, "days", JSON_ARRAY)) == NULL)
		return IVTCTL_EXIT_CONN;
	if (print_days(list) != 0)
		return IVTCTL_EXIT_FAIL;
	return out_finish();
}

int
cmd_day_create(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {DAY_OPTS};
	struct args a;
	json_t *params;
	long long id;
	int rc;

	if (args_id(ctx, argc, argv, opts, 1, 1, &a, &id) == -1)
		return a.status;
	if (!opts[O_DATE].value || !opts[O_START].value || !opts[O_END].value ||
	    !opts[O_AREA].value || !opts[O_MEET].value)
		return usage_error(ctx, "--date, --start, --end, --area and "
		                        "--meeting-point are required");
	if ((params = json_pack("{s:I}", "project", (json_int_t)id)) == NULL)
		return IVTCTL_EXIT_FAIL;
	if ((rc = day_params(ctx, opts, params)) != 0) {
		json_decref(params);
		return rc;
	}
	return run_call(ctx, "nl.ivtd.Day.Create", params, print_day);
}

int
cmd_day_update(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {DAY_OPTS};
	struct args a;
	json_t *params;
	long long id;
	int rc;

	if (args_id(ctx, argc, argv, opts, 1, 1, &a, &id) == -1)
		return a.status;
	if ((params = json_pack("{s:I}", "id", (json_int_t)id)) == NULL)
		return IVTCTL_EXIT_FAIL;
	if ((rc = day_params(ctx, opts, params)) != 0) {
		json_decref(params);
		return rc;
	}
	if (json_object_size(params) == 1) {
		json_decref(params);
		return usage_error(ctx, "nothing to change");
	}
	return run_call(ctx, "nl.ivtd.Day.Update", params, print_day);
}

int
cmd_day_confirm(struct ivtctl *ctx, int argc, char **argv)
{
	return run_id_call(ctx, argc, argv, "nl.ivtd.Day.Confirm", "id",
	                   print_day);
}

int
cmd_day_cancel(struct ivtctl *ctx, int argc, char **argv)
{
	return run_id_opt_call(ctx, argc, argv, "nl.ivtd.Day.Cancel", "id",
	                       "reason", "reason", print_day);
}

int
cmd_day_list(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {{"from", 1, NULL},
	                     {"to", 1, NULL},
	                     {"status", 1, NULL},
	                     {NULL, 0, NULL}};
	struct args a;
	json_t *params;
	long long id;

	if (args_parse(ctx, argc, argv, opts, 0, 1, &a) == -1)
		return a.status;
	if ((params = json_object()) == NULL)
		return IVTCTL_EXIT_FAIL;
	if (a.npos == 1) {
		if (parse_id(ctx, a.pos[0], &id) != 0) {
			json_decref(params);
			return IVTCTL_EXIT_USAGE;
		}
		json_object_set_new(params, "project", json_integer(id));
	}
	set_opt_str(params, "from", opts[0].value);
	set_opt_str(params, "to", opts[1].value);
	set_opt_str(params, "status", opts[2].value);
	return run_call(ctx, "nl.ivtd.Day.List", params, print_list);
}

int
cmd_day_show(struct ivtctl *ctx, int argc, char **argv)
{
	return run_id_call(ctx, argc, argv, "nl.ivtd.Day.Show", "id",
	                   print_show);
}

static int
print_planned(struct ivtctl *ctx, const json_t *res)
{
	const json_t *list, *v, *d;
	struct table *t;
	size_t i;

	if ((d = reply_get(ctx, res, "day", JSON_OBJECT)) == NULL ||
	    (list = reply_get(ctx, res, "planned", JSON_ARRAY)) == NULL)
		return IVTCTL_EXIT_CONN;
	if ((t = table_new(7, visit_headers)) == NULL)
		return IVTCTL_EXIT_FAIL;
	json_array_foreach(list, i, v) visit_row(t, v, 0);
	if (table_print(t, stdout) != 0)
		return IVTCTL_EXIT_FAIL;
	printf("day %lld: %lld of %lld visits planned\n",
	       (long long)json_integer_value(json_object_get(d, "id")),
	       (long long)json_integer_value(json_object_get(d, "planned")),
	       (long long)json_integer_value(json_object_get(d, "capacity")));
	return out_finish();
}

/* DAY SUBJECT... as {id, subjects}; NULL with *status on a usage error. */
static json_t *
day_subjects(struct ivtctl *ctx, struct args *a, int *status)
{
	json_t *params, *ids;
	long long id, sid;
	int i;

	if ((*status = parse_id(ctx, a->pos[0], &id)) != 0)
		return NULL;
	ids = json_array();
	for (i = 1; i < a->npos; i++) {
		if ((*status = parse_id(ctx, a->pos[i], &sid)) != 0) {
			json_decref(ids);
			return NULL;
		}
		json_array_append_new(ids, json_integer(sid));
	}
	params = json_pack("{s:I,s:o}", "id", (json_int_t)id, "subjects", ids);
	if (params == NULL)
		*status = IVTCTL_EXIT_FAIL;
	return params;
}

int
cmd_day_plan(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {{"team", 1, NULL}, {NULL, 0, NULL}};
	struct args a;
	json_t *params;
	long long team;
	int status;

	if (args_parse(ctx, argc, argv, opts, 2, -1, &a) == -1)
		return a.status;
	if ((params = day_subjects(ctx, &a, &status)) == NULL)
		return status;
	if (opts[0].value != NULL) {
		if (parse_ll(opts[0].value, 1, 20, &team) == -1) {
			json_decref(params);
			return usage_error(ctx, "--team is 1 to 20");
		}
		json_object_set_new(params, "team", json_integer(team));
	}
	return run_call(ctx, "nl.ivtd.Day.Plan", params, print_planned);
}

int
cmd_day_unplan(struct ivtctl *ctx, int argc, char **argv)
{
	struct args a;
	json_t *params;
	int status;

	if (args_parse(ctx, argc, argv, NULL, 2, -1, &a) == -1)
		return a.status;
	if ((params = day_subjects(ctx, &a, &status)) == NULL)
		return status;
	return run_call(ctx, "nl.ivtd.Day.Unplan", params, print_day);
}

static const char *const choice_headers[] = {"SUBJECT", "PC4", "TEAM",
                                             "DECISION", "WHY"};

static int
print_suggest(struct ivtctl *ctx, const json_t *res)
{
	const json_t *list, *ch;
	struct table *t;
	char num[32], cmd[8192];
	size_t i, n, len;

	if ((list = reply_get(ctx, res, "choices", JSON_ARRAY)) == NULL)
		return IVTCTL_EXIT_CONN;
	if ((t = table_new(5, choice_headers)) == NULL)
		return IVTCTL_EXIT_FAIL;
	cmd[0] = '\0';
	n = 0;
	json_array_foreach(list, i, ch)
	{
		table_row(t);
		table_cell(t, out_int(ch, "subject", num, sizeof(num)));
		table_cell(t, out_str(ch, "pc4"));
		table_cell(t, out_int(ch, "team", num, sizeof(num)));
		table_cell(t, json_is_true(json_object_get(ch, "included"))
		                  ? "include"
		                  : out_str(ch, "reason"));
		table_cell(t, out_str(ch, "explanation"));
		if (json_is_true(json_object_get(ch, "included"))) {
			len = strlen(cmd);
			snprintf(cmd + len, sizeof(cmd) - len, " %lld",
			         (long long)json_integer_value(
			             json_object_get(ch, "subject")));
			n++;
		}
	}
	if (table_print(t, stdout) != 0)
		return IVTCTL_EXIT_FAIL;
	printf("capacity %s, ", out_int(res, "capacity", num, sizeof(num)));
	printf("free %s, suggested %zu\n",
	       out_int(res, "free", num, sizeof(num)), n);
	if (n > 0)
		printf("accept: ivtctl day plan %s%s\n",
		       out_int(res, "day", num, sizeof(num)), cmd);
	return out_finish();
}

int
cmd_day_suggest(struct ivtctl *ctx, int argc, char **argv)
{
	return run_id_call(ctx, argc, argv, "nl.ivtd.Day.Suggest", "id",
	                   print_suggest);
}

/* Write the calendar as the daemon made it: CRLF line ends kept. */
static int
write_ics(const char *ics, size_t len, const char *path)
{
	size_t i, off = 0;
	ssize_t w;
	int fd = STDOUT_FILENO;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)ics[i];

		if ((ch < 0x20 && ch != '\r' && ch != '\n') || ch == 0x7f) {
			out_err("the calendar holds control characters");
			return IVTCTL_EXIT_CONN;
		}
	}
	fflush(stdout);
	if (path != NULL &&
	    (fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) ==
	        -1) {
		out_err("%s: %s", path, strerror(errno));
		return IVTCTL_EXIT_FAIL;
	}
	while (off < len) {
		if ((w = write(fd, ics + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			out_err("write: %s", strerror(errno));
			break;
		}
		off += (size_t)w;
	}
	if (path != NULL && close(fd) == -1 && off == len) {
		out_err("%s: %s", path, strerror(errno));
		return IVTCTL_EXIT_FAIL;
	}
	return off == len ? 0 : IVTCTL_EXIT_FAIL;
}

int
cmd_day_export(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {
	    {"ics", 0, NULL}, {"output", 1, NULL}, {NULL, 0, NULL}};
	struct args a;
	json_t *res, *ics;
	long long id;
	int rc;

	if (args_id(ctx, argc, argv, opts, 1, 1, &a, &id) == -1)
		return a.status;
	if (opts[0].value == NULL)
		return usage_error(ctx, "give the format: --ics");
	if ((rc = ivtctl_call(ctx, "nl.ivtd.Day.Export",
	                      json_pack("{s:I}", "id", (json_int_t)id),
	                      &res)) != 0)
		return rc;
	if (ctx->json)
		rc = out_json(res);
	else if ((ics = reply_get(ctx, res, "ics", JSON_STRING)) == NULL)
		rc = IVTCTL_EXIT_CONN;
	else
		rc = write_ics(json_string_value(ics), json_string_length(ics),
		               opts[1].value);
	json_decref(res);
	return rc;
}

static int
print_assignment(struct ivtctl *ctx, const json_t *res)
{
	const json_t *a;
	char num[32];

	if ((a = reply_get(ctx, res, "assignment", JSON_OBJECT)) == NULL)
		return IVTCTL_EXIT_CONN;
	out_kv("subject", out_int(a, "subject", num, sizeof(num)));
	out_kv("project", out_int(a, "project", num, sizeof(num)));
	out_kv("assigned-to", out_str(a, "user"));
	out_kv("org", out_str(a, "org"));
	out_kv("assigned", out_time(a, "assigned"));
	out_kv("assigned-by", out_str(a, "assigned_by"));
	return out_finish();
}

int
cmd_subject_assign(struct ivtctl *ctx, int argc, char **argv)
{
	return run_id_opt_call(ctx, argc, argv, "nl.ivtd.Day.Assign", "subject",
	                       "to", "user", print_assignment);
}

static int
print_unassigned(struct ivtctl *ctx, const json_t *res)
{
	const char *status = out_str(res, "status");
	char num[32];

	(void)ctx;
	/* Gereed again, or visited meanwhile: then it keeps its status. */
	printf("subject %s is %s%s\n",
	       out_int(res, "subject", num, sizeof(num)), status,
	       strcmp(status, "gereed") == 0 ? " again" : "");
	return out_finish();
}

int
cmd_subject_unassign(struct ivtctl *ctx, int argc, char **argv)
{
	return run_id_call(ctx, argc, argv, "nl.ivtd.Day.Unassign", "subject",
	                   print_unassigned);
}

static const char *const mine_headers[] = {
    "SUBJECT", "PROJECT", "PC4", "ADDRESS", "PERSONS", "EXPECTED", "ASSIGNED"};

static int
print_mine(struct ivtctl *ctx, const json_t *res)
{
	const json_t *days, *list, *a, *v;
	struct table *t;
	char buf[1024], num[32];
	size_t i;

	if ((days = reply_get(ctx, res, "days", JSON_ARRAY)) == NULL ||
	    (list = reply_get(ctx, res, "assignments", JSON_ARRAY)) == NULL)
		return IVTCTL_EXIT_CONN;
	printf("days (%zu):\n", json_array_size(days));
	if (json_array_size(days) > 0 && print_days(days) != 0)
		return IVTCTL_EXIT_FAIL;
	printf("\nassignments (%zu):\n", json_array_size(list));
	if (json_array_size(list) == 0)
		return out_finish();
	if ((t = table_new(7, mine_headers)) == NULL)
		return IVTCTL_EXIT_FAIL;
	json_array_foreach(list, i, a)
	{
		v = json_object_get(a, "visit");
		table_row(t);
		table_cell(t, out_int(a, "subject", num, sizeof(num)));
		table_cell(t, out_int(a, "project", num, sizeof(num)));
		table_cell(t, out_str(v, "pc4"));
		address_text(json_object_get(v, "address"), buf, sizeof(buf));
		table_cell(t, buf);
		if (json_object_get(v, "persons") != NULL)
			table_cellf(
			    t, "%zu",
			    json_array_size(json_object_get(v, "persons")));
		else
			table_cell(t, NULL);
		join_strings(json_object_get(v, "expected"), buf, sizeof(buf));
		table_cell(t, buf[0] ? buf : NULL);
		table_cell(t, out_time(a, "assigned"));
	}
	if (table_print(t, stdout) != 0)
		return IVTCTL_EXIT_FAIL;
	return out_finish();
}

int
cmd_my(struct ivtctl *ctx, int argc, char **argv)
{
	struct args a;

	if (args_parse(ctx, argc, argv, NULL, 0, 0, &a) == -1)
		return a.status;
	return run_call(ctx, "nl.ivtd.Day.Mine", json_object(), print_mine);
}
