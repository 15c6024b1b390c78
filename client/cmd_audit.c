/*
 * cmd_audit.c - audit verify and list (nl.ivtd.Audit).
 */
#include <stdio.h>
#include <string.h>

#include "ivtctl.h"

/* Exit 0 when the log is intact, 1 when it is broken (also with --json),
 * so scripts and monitoring can test the status alone. */
int
cmd_audit_verify(struct ivtctl *ctx, int argc, char **argv)
{
	struct args a;
	json_t *res, *ok;
	const char *reason;
	char buf[32];
	int rc;

	if (args_parse(ctx, argc, argv, NULL, 0, 0, &a) == -1)
		return a.status;
	rc = ivtctl_call(ctx, "nl.ivtd.Audit.Verify", json_object(), &res);
	if (rc != 0)
		return rc;
	ok = json_object_get(res, "ok");
	if (!json_is_boolean(ok)) {
		json_decref(res);
		out_err("malformed reply from %s: \"ok\" missing or of the "
		        "wrong type",
		        ctx->socket_path);
		return IVTCTL_EXIT_CONN;
	}
	if (ctx->json)
		rc = out_json(res);
	else if (json_is_true(ok))
		printf("audit log intact: %lld entries, %lld checkpoints\n",
		       ivt_json_int(res, "entries", 0),
		       ivt_json_int(res, "checkpoints", 0));
	else {
		reason = out_str(res, "reason");
		fputs("audit log BROKEN", stdout);
		if (out_int(res, "bad_seq", buf, sizeof(buf)) != NULL)
			printf(" at entry %s", buf);
		fputs(": ", stdout);
		out_safe(stdout, reason != NULL ? reason : "no reason given");
		putchar('\n');
	}
	if (rc == 0 && !json_is_true(ok))
		rc = IVTCTL_EXIT_FAIL;
	json_decref(res);
	return rc;
}

static const char *const entry_headers[] = {
    "SEQ",      "TIME",    "ACTOR",   "ROLE",   "ORG",   "METHOD",
    "ACTIVITY", "PROJECT", "SUBJECT", "RESULT", "ERROR",
};
#define ENTRY_COLS      (sizeof(entry_headers) / sizeof(entry_headers[0]))
#define PSEUDONYM_SHOWN 12 /* hex digits of a pseudonym in the table */

/* Method and error names without the common "nl.ivtd." prefix. */
static const char *
short_name(const char *s)
{
	if (s != NULL && strncmp(s, "nl.ivtd.", 8) == 0 && s[8] != '\0')
		return s + 8;
	return s;
}

static void
entry_row(struct table *t, const json_t *e)
{
	const char *start = out_str(e, "start"), *actor = out_str(e, "actor");
	const char *subject = out_str(e, "subject");
	const char *type = out_str(e, "subject_type");
	char buf[32];

	table_row(t);
	table_cell(t, out_int(e, "seq", buf, sizeof(buf)));
	/* To the second: the exact times are in --json. */
	if (start != NULL && strlen(start) > 19)
		table_cellf(t, "%.19sZ", start);
	else
		table_cell(t, start);
	if (actor != NULL)
		table_cell(t, actor);
	else
		table_cellf(t, "uid:%s",
		            out_int(e, "actor_uid", buf, sizeof(buf)) ? buf
		                                                      : "?");
	table_cell(t, out_str(e, "role"));
	table_cell(t, out_str(e, "org"));
	table_cell(t, short_name(out_str(e, "method")));
	table_cell(t, out_str(e, "activity"));
	table_cell(t, out_int(e, "project", buf, sizeof(buf)));
	if (subject != NULL)
		table_cellf(t, "%s%s%.*s", type != NULL ? type : "",
		            type != NULL ? ":" : "", PSEUDONYM_SHOWN, subject);
	else
		table_cell(t, NULL);
	table_cell(t, out_str(e, "result"));
	table_cell(t, short_name(out_str(e, "error")));
}

static int
print_entries(struct ivtctl *ctx, const json_t *res)
{
	struct table *t;
	json_t *entries, *e, *next;
	size_t i;
	int rc;

	if ((entries = reply_get(ctx, res, "entries", JSON_ARRAY)) == NULL)
		return IVTCTL_EXIT_CONN;
	if ((t = table_new(ENTRY_COLS, entry_headers)) == NULL) {
		out_err("out of memory");
		return IVTCTL_EXIT_FAIL;
	}
	json_array_foreach(entries, i, e) entry_row(t, e);
	rc = table_print(t, stdout);
	next = json_object_get(res, "next");
	if (rc == 0 && json_is_integer(next))
		fprintf(stderr, "more entries: add --after %lld\n",
		        (long long)json_integer_value(next));
	return rc;
}

int
cmd_audit_list(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {
	    {"actor", 1, NULL},    {"org", 1, NULL},    {"project", 1, NULL},
	    {"activity", 1, NULL}, {"result", 1, NULL}, {"from", 1, NULL},
	    {"to", 1, NULL},       {"bsn", 1, NULL},    {"after", 1, NULL},
	    {"limit", 1, NULL},    {NULL, 0, NULL},
	};
	struct args a;
	long long project, after, limit;
	json_t *params;

	if (args_parse(ctx, argc, argv, opts, 0, 0, &a) == -1)
		return a.status;
	if ((params = json_object()) == NULL) {
		out_err("out of memory");
		return IVTCTL_EXIT_FAIL;
	}
	set_opt_str(params, "actor", opts[0].value);
	set_opt_str(params, "org", opts[1].value);
	if (opts[2].value != NULL) {
		if (parse_id(ctx, opts[2].value, &project) != 0) {
			json_decref(params);
			return IVTCTL_EXIT_USAGE;
		}
		json_object_set_new(params, "project",
		                    json_integer((json_int_t)project));
	}
	set_opt_str(params, "activity", opts[3].value);
	set_opt_str(params, "result", opts[4].value);
	set_opt_str(params, "from", opts[5].value);
	set_opt_str(params, "to", opts[6].value);
	/* The daemon checks the BSN and turns it into a pseudonym. */
	set_opt_str(params, "bsn", opts[7].value);
	if (opts[8].value != NULL) {
		if (parse_ll(opts[8].value, 0, 1LL << 53, &after) == -1) {
			json_decref(params);
			return usage_error(ctx,
			                   "--after needs a sequence number");
		}
		json_object_set_new(params, "after",
		                    json_integer((json_int_t)after));
	}
	if (opts[9].value != NULL) {
		/* The range (1 to 1000) is the daemon's to check. */
		if (parse_ll(opts[9].value, -(1LL << 53), 1LL << 53, &limit) ==
		    -1) {
			json_decref(params);
			return usage_error(ctx, "--limit needs a number");
		}
		json_object_set_new(params, "limit",
		                    json_integer((json_int_t)limit));
	}
	return run_call(ctx, "nl.ivtd.Audit.List", params, print_entries);
}
