/*
 * cmd_user.c - user add/list/disable/enable (nl.ivtd.User).
 */
#include <stdio.h>
#include <string.h>

#include "ivtctl.h"

/* uid_t is 32 bits and (uid_t)-1 means "no uid". */
#define UID_MAX_VALID 4294967294LL

static const char *const user_headers[] = {"UID", "NAME",   "ROLE",
                                           "ORG", "STATUS", "CREATED"};

static void
user_row(struct table *t, const json_t *u)
{
	json_t *disabled = json_object_get(u, "disabled");
	char buf[32];

	table_row(t);
	table_cell(t, out_int(u, "uid", buf, sizeof(buf)));
	table_cell(t, out_str(u, "name"));
	table_cell(t, out_str(u, "role"));
	table_cell(t, out_str(u, "org"));
	table_cell(t, json_is_boolean(disabled)
	                  ? (json_is_true(disabled) ? "disabled" : "active")
	                  : NULL);
	table_cell(t, out_time(u, "created"));
}

/* Print the {user: User} reply of Add, Disable and Enable. */
static int
print_user(struct ivtctl *ctx, json_t *res)
{
	struct table *t;
	json_t *u;

	if (ctx->json)
		return out_json(res);
	if ((u = reply_get(ctx, res, "user", JSON_OBJECT)) == NULL)
		return IVTCTL_EXIT_CONN;
	if ((t = table_new(6, user_headers)) != NULL)
		user_row(t, u);
	return table_print(t, stdout);
}

int
cmd_user_add(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {{"uid", 1, NULL},
	                     {"role", 1, NULL},
	                     {"org", 1, NULL},
	                     {NULL, 0, NULL}};
	struct args a;
	json_t *res;
	long long uid;
	int rc;

	if (args_parse(ctx, argc, argv, opts, 1, 1, &a) == -1)
		return a.status;
	if (opts[0].value == NULL)
		return usage_error(ctx, "--uid is required");
	if (opts[1].value == NULL)
		return usage_error(ctx, "--role is required");
	if (parse_ll(opts[0].value, 0, UID_MAX_VALID, &uid) == -1)
		return usage_error(ctx, "--uid must be a number from 0 to %lld",
		                   UID_MAX_VALID);
	/* Roles are checked by the daemon: one list, in proto/. */
	rc = ivtctl_call(ctx, "nl.ivtd.User.Add",
	                 json_pack("{s:I, s:s, s:s, s:s*}", "uid",
	                           (json_int_t)uid, "name", a.pos[0], "role",
	                           opts[1].value, "org", opts[2].value),
	                 &res);
	if (rc != 0)
		return rc;
	rc = print_user(ctx, res);
	json_decref(res);
	return rc;
}

int
cmd_user_list(struct ivtctl *ctx, int argc, char **argv)
{
	struct args a;
	struct table *t;
	json_t *res, *users, *u;
	size_t i;
	int rc;

	if (args_parse(ctx, argc, argv, NULL, 0, 0, &a) == -1)
		return a.status;
	if ((rc = ivtctl_call(ctx, "nl.ivtd.User.List", json_object(), &res)) !=
	    0)
		return rc;
	if (ctx->json)
		rc = out_json(res);
	else if ((users = reply_get(ctx, res, "users", JSON_ARRAY)) == NULL)
		rc = IVTCTL_EXIT_CONN;
	else {
		if ((t = table_new(6, user_headers)) != NULL)
			json_array_foreach(users, i, u) user_row(t, u);
		rc = table_print(t, stdout);
	}
	json_decref(res);
	return rc;
}

static int
user_by_name(struct ivtctl *ctx, int argc, char **argv, const char *method)
{
	struct args a;
	json_t *res;
	int rc;

	if (args_parse(ctx, argc, argv, NULL, 1, 1, &a) == -1)
		return a.status;
	rc = ivtctl_call(ctx, method, json_pack("{s:s}", "name", a.pos[0]),
	                 &res);
	if (rc != 0)
		return rc;
	rc = print_user(ctx, res);
	json_decref(res);
	return rc;
}

int
cmd_user_disable(struct ivtctl *ctx, int argc, char **argv)
{
	return user_by_name(ctx, argc, argv, "nl.ivtd.User.Disable");
}

int
cmd_user_enable(struct ivtctl *ctx, int argc, char **argv)
{
	return user_by_name(ctx, argc, argv, "nl.ivtd.User.Enable");
}
