/*
 * cmd_privacy.c - privacy register (nl.ivtd.Privacy).
 */
#include <stdio.h>
#include <string.h>

#include "ivtctl.h"

#define WRAP_WIDTH  78
#define LABEL_WIDTH 15

static const char *const brief_headers[] = {"ID", "STATUS", "NAME"};

/*
 * Print text word-wrapped after a label, continuation lines indented to
 * the text column.  Words longer than a line are printed whole.
 */
static void
wrapped(const char *label, const char *text)
{
	const char *p = text, *sp;
	size_t col, n;
	char word[1024];

	printf("  %-*s", LABEL_WIDTH, label);
	col = 2 + LABEL_WIDTH;
	if (text == NULL) {
		puts("-");
		return;
	}
	while (*p != '\0') {
		p += strspn(p, " ");
		if (*p == '\0')
			break;
		sp = strchr(p, ' ');
		n = sp != NULL ? (size_t)(sp - p) : strlen(p);
		if (col > 2 + LABEL_WIDTH && col + 1 + n > WRAP_WIDTH) {
			printf("\n%*s", 2 + LABEL_WIDTH, "");
			col = 2 + LABEL_WIDTH;
		} else if (col > 2 + LABEL_WIDTH) {
			putchar(' ');
			col++;
		}
		snprintf(word, sizeof(word), "%.*s", (int)n, p);
		out_safe(stdout, word);
		col += n;
		p += n;
	}
	putchar('\n');
}

/* A list member as "a; b; c" (the register's own notation). */
static void
wrapped_list(const json_t *a, const char *key, const char *label)
{
	const json_t *list = json_object_get(a, key), *v;
	char buf[4096];
	size_t i, len = 0;
	int n;

	buf[0] = '\0';
	json_array_foreach(list, i, v)
	{
		if (!json_is_string(v))
			continue;
		n = snprintf(buf + len, sizeof(buf) - len, "%s%s",
		             len > 0 ? "; " : "", json_string_value(v));
		if (n < 0 || (size_t)n >= sizeof(buf) - len)
			break;
		len += (size_t)n;
	}
	wrapped(label, len > 0 ? buf : "-");
}

static int
print_register(struct ivtctl *ctx, const json_t *res)
{
	const json_t *acts, *a;
	const char *succ;
	size_t i;

	if ((acts = reply_get(ctx, res, "activities", JSON_ARRAY)) == NULL)
		return IVTCTL_EXIT_CONN;
	json_array_foreach(acts, i, a)
	{
		if (i > 0)
			putchar('\n');
		out_safe(stdout, out_str(a, "id") ? out_str(a, "id") : "?");
		fputs("  ", stdout);
		out_safe(stdout, out_str(a, "name") ? out_str(a, "name") : "-");
		if (json_is_true(json_object_get(a, "retired"))) {
			fputs("  (vervallen", stdout);
			if ((succ = out_str(a, "successor")) != NULL) {
				fputs(", opvolger ", stdout);
				out_safe(stdout, succ);
			}
			putchar(')');
		}
		putchar('\n');
		wrapped("purpose", out_str(a, "purpose"));
		wrapped("legal basis", out_str(a, "legal_basis"));
		wrapped("retention", out_str(a, "retention"));
		wrapped_list(a, "categories", "categories");
		wrapped_list(a, "data_subjects", "data subjects");
		wrapped_list(a, "recipients", "recipients");
	}
	return 0;
}

static int
print_brief(struct ivtctl *ctx, const json_t *res)
{
	const json_t *acts, *a;
	struct table *t;
	size_t i;

	if ((acts = reply_get(ctx, res, "activities", JSON_ARRAY)) == NULL)
		return IVTCTL_EXIT_CONN;
	if ((t = table_new(3, brief_headers)) == NULL) {
		out_err("out of memory");
		return IVTCTL_EXIT_FAIL;
	}
	json_array_foreach(acts, i, a)
	{
		table_row(t);
		table_cell(t, out_str(a, "id"));
		table_cell(t, json_is_true(json_object_get(a, "retired"))
		                  ? "vervallen"
		                  : "actief");
		table_cell(t, out_str(a, "name"));
	}
	return table_print(t, stdout);
}

int
cmd_privacy_register(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {{"brief", 0, NULL}, {NULL, 0, NULL}};
	struct args a;

	if (args_parse(ctx, argc, argv, opts, 0, 0, &a) == -1)
		return a.status;
	return run_call(ctx, "nl.ivtd.Privacy.Register", json_object(),
	                opts[0].value != NULL ? print_brief : print_register);
}
