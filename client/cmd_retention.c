/*
 * cmd_retention.c - retention list, show, confirm and run
 * (nl.ivtd.Retention).
 */
#include <stdio.h>

#include "ivtctl.h"

static const char *const item_headers[] = {"PROJECT",      "NAME",    "CLOSED",
                                           "DAYS",         "EXPIRED", "STATE",
                                           "CONFIRMED BY", "NOTE"};

static int
print_items(const json_t *items)
{
	const json_t *e;
	struct table *t;
	char p[32], d[32];
	size_t i;

	if ((t = table_new(8, item_headers)) == NULL)
		return IVTCTL_EXIT_FAIL;
	json_array_foreach(items, i, e)
	{
		table_row(t);
		table_cell(t, out_int(e, "project", p, sizeof(p)));
		table_cell(t, out_str(e, "name"));
		table_cell(t, out_str(e, "closed_on"));
		table_cell(t, out_int(e, "retention_days", d, sizeof(d)));
		table_cell(t, out_str(e, "expired_on"));
		table_cell(t, out_str(e, "state"));
		table_cell(t, out_str(e, "confirmed_by"));
		table_cell(t, out_str(e, "note"));
	}
	return table_print(t, stdout);
}

static int
print_proposal(struct ivtctl *ctx, const json_t *res)
{
	const json_t *items;
	char id[32];

	if ((items = reply_get(ctx, res, "items", JSON_ARRAY)) == NULL)
		return IVTCTL_EXIT_CONN;
	if (json_is_true(json_object_get(res, "dry_run")))
		printf("dry run: %zu projects would go on a destruction list\n",
		       json_array_size(items));
	else if (json_object_get(res, "list") != NULL)
		printf("destruction list %s: %zu projects; confirm with "
		       "'ivtctl retention confirm %s'\n",
		       out_int(res, "list", id, sizeof(id)),
		       json_array_size(items), id);
	else
		printf("no project is due for destruction\n");
	if (json_array_size(items) == 0)
		return out_finish();
	return print_items(items);
}

int
cmd_retention_list(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {{"dry-run", 0, NULL}, {NULL, 0, NULL}};
	struct args a;

	if (args_parse(ctx, argc, argv, opts, 0, 0, &a) == -1)
		return a.status;
	return run_call(ctx, "nl.ivtd.Retention.Propose",
	                json_pack("{s:b}", "dry_run", opts[0].value != NULL),
	                print_proposal);
}

static int
print_list(struct ivtctl *ctx, const json_t *res)
{
	const json_t *l, *items;
	char id[32];

	if ((l = reply_get(ctx, res, "list", JSON_OBJECT)) == NULL ||
	    (items = reply_get(ctx, l, "items", JSON_ARRAY)) == NULL)
		return IVTCTL_EXIT_CONN;
	out_kv("list", out_int(l, "id", id, sizeof(id)));
	out_kv("created", out_str(l, "created"));
	out_kv("created_by", out_str(l, "created_by"));
	return print_items(items);
}

int
cmd_retention_show(struct ivtctl *ctx, int argc, char **argv)
{
	return run_id_call(ctx, argc, argv, "nl.ivtd.Retention.Show", "list",
	                   print_list);
}

int
cmd_retention_confirm(struct ivtctl *ctx, int argc, char **argv)
{
	return run_id_call(ctx, argc, argv, "nl.ivtd.Retention.Confirm", "list",
	                   print_list);
}

static const char *const destroyed_headers[] = {
    "LIST",     "PROJECT", "EXPIRED", "CONFIRMED BY",
    "SUBJECTS", "PERSONS", "JOURNAL", "FINDINGS"};

static int
print_destroyed(struct ivtctl *ctx, const json_t *res)
{
	const json_t *list, *e;
	struct table *t;
	char b[4][32], l[32], p[32];
	size_t i;

	if ((list = reply_get(ctx, res, "destroyed", JSON_ARRAY)) == NULL)
		return IVTCTL_EXIT_CONN;
	printf("%zu projects destroyed\n", json_array_size(list));
	if (json_array_size(list) == 0)
		return out_finish();
	if ((t = table_new(8, destroyed_headers)) == NULL)
		return IVTCTL_EXIT_FAIL;
	json_array_foreach(list, i, e)
	{
		table_row(t);
		table_cell(t, out_int(e, "list", l, sizeof(l)));
		table_cell(t, out_int(e, "project", p, sizeof(p)));
		table_cell(t, out_str(e, "expired_on"));
		table_cell(t, out_str(e, "confirmed_by"));
		table_cell(t, out_int(e, "subjects", b[0], sizeof(b[0])));
		table_cell(t, out_int(e, "persons", b[1], sizeof(b[1])));
		table_cell(t, out_int(e, "journal", b[2], sizeof(b[2])));
		table_cell(t, out_int(e, "findings", b[3], sizeof(b[3])));
	}
	return table_print(t, stdout);
}

int
cmd_retention_run(struct ivtctl *ctx, int argc, char **argv)
{
	struct args a;

	if (args_parse(ctx, argc, argv, NULL, 0, 0, &a) == -1)
		return a.status;
	return run_call(ctx, "nl.ivtd.Retention.Run", json_object(),
	                print_destroyed);
}
