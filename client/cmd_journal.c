/*
 * cmd_journal.c - journal add/list (nl.ivtd.Journal).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ivtctl.h"

#define NOTE_MAX 16384

/* Read a note from standard input ("--note -"), at most NOTE_MAX bytes. */
static char *
read_note(void)
{
	char *buf = malloc(NOTE_MAX + 2);
	size_t n;

	if (buf == NULL)
		return NULL;
	n = fread(buf, 1, NOTE_MAX + 1, stdin);
	if (n > NOTE_MAX || ferror(stdin)) {
		free(buf);
		return NULL;
	}
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return buf;
}

static int
print_added(struct ivtctl *ctx, const json_t *res)
{
	char buf[32];

	(void)ctx;
	out_kv("id", out_int(res, "id", buf, sizeof(buf)));
	return out_finish();
}

int
cmd_journal_add(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {{"kind", 1, NULL},
	                     {"note", 1, NULL},
	                     {"date", 1, NULL},
	                     {NULL, 0, NULL}};
	struct args a;
	json_t *params;
	char *note = NULL;
	long long id;

	if (args_id(ctx, argc, argv, opts, 1, 1, &a, &id) == -1)
		return a.status;
	if (opts[0].value == NULL || opts[1].value == NULL)
		return usage_error(ctx, "--kind and --note are required");
	if (strcmp(opts[1].value, "-") == 0 && (note = read_note()) == NULL) {
		out_err("cannot read the note from standard input (at most "
		        "%d bytes)",
		        NOTE_MAX);
		return IVTCTL_EXIT_USAGE;
	}
	params = json_pack("{s:I,s:s,s:s}", "project", (json_int_t)id, "kind",
	                   opts[0].value, "note", note ? note : opts[1].value);
	free(note);
	if (params == NULL)
		return IVTCTL_EXIT_FAIL;
	set_opt_str(params, "date", opts[2].value);
	return run_call(ctx, "nl.ivtd.Journal.Add", params, print_added);
}

static int
print_entries(struct ivtctl *ctx, const json_t *res)
{
	const json_t *list, *e;
	char buf[32];
	size_t i;

	if ((list = reply_get(ctx, res, "entries", JSON_ARRAY)) == NULL)
		return IVTCTL_EXIT_CONN;
	json_array_foreach(list, i, e) {
		printf("#%s %s %s (%s)\n", out_int(e, "id", buf, sizeof(buf)),
		       out_str(e, "date"), out_str(e, "kind"),
		       out_str(e, "author"));
		out_safe(stdout, out_str(e, "note") != NULL
		                     ? out_str(e, "note")
		                     : "(note withheld: your organisation may "
		                       "read only some fields)");
		fputs("\n\n", stdout);
	}
	return out_finish();
}

int
cmd_journal_list(struct ivtctl *ctx, int argc, char **argv)
{
	return run_id_call(ctx, argc, argv, "nl.ivtd.Journal.List", "project",
	                   print_entries);
}
