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

/* --- inzage ---------------------------------------------------------- */

static const char *const recipient_headers[] = {"ORGANISATION", "ROLE", "FIRST",
                                                "LAST", "COUNT"};
static const char *const access_headers[] = {
    "TIME",    "ORGANISATION", "ROLE",   "ACTIVITY", "METHOD",
    "PROJECT", "ABOUT",        "FIELDS", "RESULT"};

/* Method names without the "nl.ivtd." prefix. */
static const char *
method_short(const char *m)
{
	return m != NULL && strncmp(m, "nl.ivtd.", 8) == 0 ? m + 8 : m;
}

/* A project's id, name and gemeente, the state member key (its phase, or
 * when its data was destroyed), purpose and legal basis. */
static void
print_inzage_head(const json_t *p, const char *key)
{
	printf("project %lld  ", (long long)ivt_json_int(p, "id", 0));
	out_safe(stdout, out_str(p, "name") ? out_str(p, "name") : "-");
	fputs(" (", stdout);
	out_safe(stdout, out_str(p, "gemeente") ? out_str(p, "gemeente") : "-");
	fputs(")\n", stdout);
	wrapped(key, out_str(p, key));
	wrapped("purpose", out_str(p, "purpose"));
	wrapped("legal basis", out_str(p, "legal_basis"));
}

static void
print_inzage_project(const json_t *p)
{
	const json_t *list, *v;
	char buf[512], line[64];
	size_t i, len;

	print_inzage_head(p, "phase");
	buf[0] = '\0';
	len = 0;
	list = json_object_get(p, "subjects");
	json_array_foreach(list, i, v)
	{
		snprintf(line, sizeof(line), "%s%lld (%s)", i > 0 ? "; " : "",
		         (long long)ivt_json_int(v, "id", 0),
		         out_str(v, "status") ? out_str(v, "status") : "?");
		if (len + strlen(line) < sizeof(buf)) {
			memcpy(buf + len, line, strlen(line) + 1);
			len += strlen(line);
		}
	}
	wrapped("subjects", len > 0 ? buf : "-");
	wrapped("person data", out_str(p, "fields_person"));
	wrapped("address data", out_str(p, "fields_address"));
	list = json_object_get(p, "findings");
	if (json_array_size(list) == 0)
		wrapped("findings", "none");
	json_array_foreach(list, i, v)
	{
		snprintf(buf, sizeof(buf), "%s %s (%s)",
		         out_str(v, "visit_date") ? out_str(v, "visit_date")
		                                  : "?",
		         out_str(v, "category") ? out_str(v, "category") : "?",
		         out_str(v, "organisation") ? out_str(v, "organisation")
		                                    : "?");
		wrapped(i == 0 ? "findings" : "", buf);
	}
	if (out_str(p, "retention_end") != NULL) {
		snprintf(buf, sizeof(buf), "until %s (closed %s)",
		         out_str(p, "retention_end"),
		         out_str(p, "closed") ? out_str(p, "closed") : "?");
		wrapped("retention", buf);
	} else
		wrapped("retention", "the project is not closed yet");
	wrapped("", out_str(p, "retention_rule"));
}

static int
print_inzage_tables(const json_t *res)
{
	const json_t *list, *v;
	struct table *t;
	char buf[32];
	size_t i;

	puts("\nReceived or read by");
	if ((t = table_new(5, recipient_headers)) == NULL)
		return IVTCTL_EXIT_FAIL;
	list = json_object_get(res, "recipients");
	json_array_foreach(list, i, v)
	{
		table_row(t);
		table_cell(t, out_str(v, "organisation"));
		table_cell(t, out_str(v, "role"));
		table_cell(t, out_str(v, "first"));
		table_cell(t, out_str(v, "last"));
		table_cell(t, out_int(v, "count", buf, sizeof(buf)));
	}
	if (table_print(t, stdout) != 0)
		return IVTCTL_EXIT_FAIL;
	printf("\nProcessing (%lld)\n", ivt_json_int(res, "access_count", 0));
	if ((t = table_new(9, access_headers)) == NULL)
		return IVTCTL_EXIT_FAIL;
	list = json_object_get(res, "accesses");
	json_array_foreach(list, i, v)
	{
		table_row(t);
		table_cell(t, out_str(v, "time"));
		table_cell(t, out_str(v, "organisation"));
		table_cell(t, out_str(v, "role"));
		table_cell(t, out_str(v, "activity"));
		table_cell(t, method_short(out_str(v, "method")));
		table_cell(t, out_int(v, "project", buf, sizeof(buf)));
		table_cell(t, out_str(v, "about"));
		table_cell(t, out_str(v, "fields"));
		table_cell(t, out_str(v, "result"));
	}
	return table_print(t, stdout);
}

static int
print_inzage(struct ivtctl *ctx, const json_t *res)
{
	const json_t *projects, *acts, *v;
	size_t i;
	int rc;

	if ((projects = reply_get(ctx, res, "projects", JSON_ARRAY)) == NULL ||
	    (acts = reply_get(ctx, res, "activities", JSON_ARRAY)) == NULL)
		return IVTCTL_EXIT_CONN;
	fputs("Inzage (AVG art. 15) for pseudonym ", stdout);
	out_safe(stdout,
	         out_str(res, "pseudonym") ? out_str(res, "pseudonym") : "?");
	fputs("\ngenerated ", stdout);
	out_safe(stdout,
	         out_str(res, "generated") ? out_str(res, "generated") : "?");
	puts("\n");
	if (json_array_size(projects) == 0)
		puts("No project holds data of this person.");
	json_array_foreach(projects, i, v) print_inzage_project(v);
	json_array_foreach(json_object_get(res, "destroyed"), i, v)
	    print_inzage_head(v, "destroyed");
	if ((rc = print_inzage_tables(res)) != 0)
		return rc;
	puts("\nPurposes and legal bases (register of processing activities)");
	json_array_foreach(acts, i, v)
	{
		out_safe(stdout, out_str(v, "id") ? out_str(v, "id") : "?");
		fputs("  ", stdout);
		out_safe(stdout, out_str(v, "name") ? out_str(v, "name") : "-");
		putchar('\n');
		wrapped("purpose", out_str(v, "purpose"));
		wrapped("legal basis", out_str(v, "legal_basis"));
		wrapped("retention", out_str(v, "retention"));
		wrapped_list(v, "categories", "categories");
		wrapped_list(v, "recipients", "recipients");
	}
	putchar('\n');
	wrapped_list(res, "fields_disclosed", "fields shown");
	return 0;
}

int
cmd_privacy_inzage(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {{"bsn", 1, NULL}, {NULL, 0, NULL}};
	struct args a;

	if (args_parse(ctx, argc, argv, opts, 0, 0, &a) == -1)
		return a.status;
	if (opts[0].value == NULL)
		return usage_error(ctx, "--bsn is required");
	if (opt_from_stdin(ctx, &opts[0]) != 0)
		return IVTCTL_EXIT_USAGE;
	/* The daemon checks the elfproef and turns it into a pseudonym. */
	return run_call(ctx, "nl.ivtd.Privacy.Inzage",
	                json_pack("{s:s}", "bsn", opts[0].value), print_inzage);
}
