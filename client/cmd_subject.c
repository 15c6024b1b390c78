/*
 * cmd_subject.c - subject add/show/list/find/actualise/answer/resolve
 * (nl.ivtd.Subject).  Personal data is printed only as the daemon
 * discloses it; every disclosure is audited there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ivtctl.h"

static const char *const subject_headers[] = {
    "ID", "STATUS", "PC4", "ADDRESS", "PERSONS", "INTERESTS", "CODES"};

/* "Dorpsstraat 12A, 1234AB Dorp" when the address was disclosed. */
static void
address_text(const json_t *a, char *buf, size_t len)
{
	json_int_t nr = json_integer_value(json_object_get(a, "huisnummer"));

	if (a == NULL) {
		snprintf(buf, len, "-");
		return;
	}
	snprintf(buf, len, "%s %lld%s%s, %s %s", out_str(a, "street"),
	         (long long)nr, out_str(a, "toevoeging")[0] ? " " : "",
	         out_str(a, "toevoeging"), out_str(a, "postcode"),
	         out_str(a, "woonplaats"));
}

/* "UWV:conflict(zorgtraject),Politie:-": a reason where the caller may
 * see it (a partner sees its own only). */
static void
interests_text(const json_t *list, char *buf, size_t len)
{
	const json_t *e;
	size_t i, n;
	const char *why;

	buf[0] = '\0';
	json_array_foreach(list, i, e) {
		n = strlen(buf);
		why = out_str(e, "reason");
		snprintf(buf + n, len - n, "%s%s:%s%s%s%s", i ? "," : "",
		         out_str(e, "partner"),
		         out_str(e, "answer") ? out_str(e, "answer") : "-",
		         why ? "(" : "", why ? why : "", why ? ")" : "");
	}
}

static void
codes_text(const json_t *list, char *buf, size_t len)
{
	const json_t *e;
	size_t i, n;

	buf[0] = '\0';
	json_array_foreach(list, i, e) {
		n = strlen(buf);
		snprintf(buf + n, len - n, "%s%s", i ? "," : "",
		         json_string_value(e));
	}
}

static void
subject_row(struct table *t, const json_t *s)
{
	char buf[512], num[32];

	table_row(t);
	table_cell(t, out_int(s, "id", num, sizeof(num)));
	table_cell(t, out_str(s, "status"));
	table_cell(t, out_str(s, "pc4"));
	address_text(json_object_get(s, "address"), buf, sizeof(buf));
	table_cell(t, buf);
	table_cell(t, out_int(s, "person_count", num, sizeof(num)));
	interests_text(json_object_get(s, "interests"), buf, sizeof(buf));
	table_cell(t, buf);
	codes_text(json_object_get(s, "codes"), buf, sizeof(buf));
	table_cell(t, buf);
}

static int
print_subjects(struct ivtctl *ctx, const json_t *res)
{
	const json_t *list, *s;
	struct table *t;
	size_t i;

	if ((list = reply_get(ctx, res, "subjects", JSON_ARRAY)) == NULL)
		return IVTCTL_EXIT_CONN;
	if ((t = table_new(7, subject_headers)) == NULL)
		return IVTCTL_EXIT_FAIL;
	json_array_foreach(list, i, s) subject_row(t, s);
	if (table_print(t, stdout) != 0)
		return IVTCTL_EXIT_FAIL;
	if (json_object_get(res, "next") != NULL)
		printf("more: --after %lld\n",
		       (long long)json_integer_value(
			   json_object_get(res, "next")));
	return out_finish();
}

static int
print_subject(struct ivtctl *ctx, const json_t *res)
{
	const json_t *s, *p;
	char buf[512], num[32];
	size_t i;

	if ((s = reply_get(ctx, res, "subject", JSON_OBJECT)) == NULL)
		return IVTCTL_EXIT_CONN;
	out_kv("id", out_int(s, "id", num, sizeof(num)));
	out_kv("project", out_int(s, "project", num, sizeof(num)));
	out_kv("status", out_str(s, "status"));
	address_text(json_object_get(s, "address"), buf, sizeof(buf));
	out_kv("address", buf);
	out_kv("persons", out_int(s, "person_count", num, sizeof(num)));
	json_array_foreach(json_object_get(s, "persons"), i, p) {
		printf("  bsn %s  name ", out_str(p, "bsn") ? out_str(p, "bsn")
		                                           : "-");
		out_safe(stdout, out_str(p, "name") ? out_str(p, "name") : "-");
		printf("  born %s\n", out_str(p, "birthdate")
		                          ? out_str(p, "birthdate")
		                          : "-");
	}
	interests_text(json_object_get(s, "interests"), buf, sizeof(buf));
	out_kv("interests", buf);
	codes_text(json_object_get(s, "codes"), buf, sizeof(buf));
	out_kv("codes", buf);
	if (out_str(s, "resolution") != NULL)
		out_kv("resolution", out_str(s, "resolution"));
	if (json_is_true(json_object_get(res, "merged")))
		out_kv("merged", "yes (same address as an existing subject)");
	return out_finish();
}

/*
 * The subject a write returns, or "done yes" when the daemon shows none:
 * to a partner that may deliver or answer but not read the project's
 * subjects (or, for a delivery, their addresses).
 */
static int
print_subject_or(struct ivtctl *ctx, const json_t *res, const char *done)
{
	if (json_object_get(res, "subject") == NULL) {
		out_kv(done, "yes (not shown: no right to read the project's "
		             "subjects)");
		return out_finish();
	}
	return print_subject(ctx, res);
}

static int
print_added(struct ivtctl *ctx, const json_t *res)
{
	return print_subject_or(ctx, res, "delivered");
}

static int
print_answered(struct ivtctl *ctx, const json_t *res)
{
	return print_subject_or(ctx, res, "answered");
}

/*
 * subject add PROJECT --street S --nr N [--toev T] --postcode PC --city W
 *   [--person BSN[:NAME[:YYYY-MM-DD]]]... as a comma list
 */
int
cmd_subject_add(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {{"street", 1, NULL},   {"nr", 1, NULL},
	                     {"toev", 1, NULL},     {"postcode", 1, NULL},
	                     {"city", 1, NULL},     {"persons", 1, NULL},
	                     {"partners", 1, NULL}, {"codes", 1, NULL},
	                     {NULL, 0, NULL}};
	json_t *params, *persons, *v, *p;
	struct args a;
	long long id;
	size_t i, len;
	char *f1, *f2, *dup;

	if (args_id(ctx, argc, argv, opts, 1, 1, &a, &id) == -1)
		return a.status;
	if (!opts[0].value || !opts[1].value || !opts[3].value ||
	    !opts[4].value)
		return usage_error(ctx, "--street, --nr, --postcode and --city "
		                        "are required");
	if (opt_from_stdin(ctx, &opts[5]) != 0)
		return IVTCTL_EXIT_USAGE;
	params = json_pack("{s:I,s:s,s:s,s:s,s:s}", "project", (json_int_t)id,
	                   "street", opts[0].value, "huisnummer", opts[1].value,
	                   "postcode", opts[3].value, "woonplaats",
	                   opts[4].value);
	if (params == NULL)
		return IVTCTL_EXIT_FAIL;
	set_opt_str(params, "toevoeging", opts[2].value);
	set_opt_list(params, "partners", opts[6].value);
	set_opt_list(params, "codes", opts[7].value);
	if (opts[5].value != NULL) {
		/* BSN[:NAME[:BIRTHDATE]] per person, comma separated */
		persons = split_list(opts[5].value);
		json_array_foreach(persons, i, v) {
			dup = strdup(json_string_value(v));
			if (dup == NULL)
				break;
			len = strlen(dup); /* before the ':'s become NULs */
			p = json_object();
			if ((f1 = strchr(dup, ':')) != NULL) {
				*f1++ = '\0';
				if ((f2 = strchr(f1, ':')) != NULL) {
					*f2++ = '\0';
					json_object_set_new(p, "birthdate",
					                    json_string(f2));
				}
				json_object_set_new(p, "name", json_string(f1));
			}
			json_object_set_new(p, "bsn", json_string(dup));
			explicit_bzero(dup, len);
			free(dup);
			json_array_set_new(persons, i, p);
		}
		json_object_set_new(params, "persons", persons);
	}
	return run_call(ctx, "nl.ivtd.Subject.Create", params, print_added);
}

int
cmd_subject_show(struct ivtctl *ctx, int argc, char **argv)
{
	return run_id_call(ctx, argc, argv, "nl.ivtd.Subject.Show", "id",
	                   print_subject);
}

int
cmd_subject_list(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {{"status", 1, NULL},  {"partner", 1, NULL},
	                     {"after", 1, NULL},   {"limit", 1, NULL},
	                     {"pending", 0, NULL}, {NULL, 0, NULL}};
	struct args a;
	json_t *params;
	long long id, n;

	if (args_id(ctx, argc, argv, opts, 1, 1, &a, &id) == -1)
		return a.status;
	if ((params = json_pack("{s:I}", "project", (json_int_t)id)) == NULL)
		return IVTCTL_EXIT_FAIL;
	set_opt_str(params, "status", opts[0].value);
	set_opt_str(params, "partner", opts[1].value);
	if (opts[4].value != NULL)
		json_object_set_new(params, "pending", json_true());
	if (opts[2].value != NULL) {
		if (parse_ll(opts[2].value, 0, 1LL << 53, &n) == -1) {
			json_decref(params);
			return usage_error(ctx, "--after takes an id");
		}
		json_object_set_new(params, "after", json_integer(n));
	}
	if (opts[3].value != NULL) {
		if (parse_ll(opts[3].value, 1, 1000, &n) == -1) {
			json_decref(params);
			return usage_error(ctx, "--limit is 1 to 1000");
		}
		json_object_set_new(params, "limit", json_integer(n));
	}
	return run_call(ctx, "nl.ivtd.Subject.List", params, print_subjects);
}

int
cmd_subject_find(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {
	    {"bsn", 1, NULL}, {"address", 0, NULL}, {NULL, 0, NULL}};
	struct args a;
	json_t *params;

	if (args_parse(ctx, argc, argv, opts, 0, 2, &a) == -1)
		return a.status;
	if (opt_from_stdin(ctx, &opts[0]) != 0)
		return IVTCTL_EXIT_USAGE;
	if (opts[0].value != NULL && a.npos == 0 && opts[1].value == NULL)
		params = json_pack("{s:s}", "bsn", opts[0].value);
	else if (opts[1].value != NULL && a.npos == 2 && opts[0].value == NULL)
		params = json_pack("{s:s,s:s}", "postcode", a.pos[0],
		                   "huisnummer", a.pos[1]);
	else
		return usage_error(ctx, "use --bsn BSN or --address POSTCODE "
		                        "HUISNUMMER");
	return run_call(ctx, "nl.ivtd.Subject.Find", params, print_subjects);
}

static int
print_sent(struct ivtctl *ctx, const json_t *res)
{
	char a[32], b[32];

	(void)ctx;
	printf("sent %s subjects for actualisation; %s ready at once (no "
	       "partner with an interest)\n",
	       out_int(res, "sent", a, sizeof(a)),
	       out_int(res, "ready", b, sizeof(b)));
	return out_finish();
}

int
cmd_subject_actualise(struct ivtctl *ctx, int argc, char **argv)
{
	struct args a;
	json_t *params, *ids;
	long long id, sid;
	int i;

	if (args_id(ctx, argc, argv, NULL, 1, -1, &a, &id) == -1)
		return a.status;
	if ((params = json_pack("{s:I}", "project", (json_int_t)id)) == NULL)
		return IVTCTL_EXIT_FAIL;
	if (a.npos > 1) {
		ids = json_array();
		for (i = 1; i < a.npos; i++) {
			if (parse_id(ctx, a.pos[i], &sid) != 0) {
				json_decref(ids);
				json_decref(params);
				return IVTCTL_EXIT_USAGE;
			}
			json_array_append_new(ids, json_integer(sid));
		}
		json_object_set_new(params, "subjects", ids);
	}
	return run_call(ctx, "nl.ivtd.Subject.Actualise", params, print_sent);
}

int
cmd_subject_answer(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {{"reason", 1, NULL}, {NULL, 0, NULL}};
	struct args a;
	json_t *params;
	long long id;

	if (args_id(ctx, argc, argv, opts, 2, 2, &a, &id) == -1)
		return a.status;
	params = json_pack("{s:I,s:s}", "subject", (json_int_t)id, "answer",
	                   a.pos[1]);
	if (params == NULL)
		return IVTCTL_EXIT_FAIL;
	set_opt_str(params, "reason", opts[0].value);
	return run_call(ctx, "nl.ivtd.Subject.Answer", params, print_answered);
}

int
cmd_subject_drop(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {{"rationale", 1, NULL}, {NULL, 0, NULL}};
	struct args a;
	long long id;

	if (args_id(ctx, argc, argv, opts, 1, 1, &a, &id) == -1)
		return a.status;
	if (opts[0].value == NULL)
		return usage_error(ctx, "--rationale is required");
	return run_call(ctx, "nl.ivtd.Subject.Drop",
	                json_pack("{s:I,s:s}", "subject", (json_int_t)id,
	                          "rationale", opts[0].value),
	                print_subject);
}

int
cmd_subject_revisit(struct ivtctl *ctx, int argc, char **argv)
{
	return run_id_call(ctx, argc, argv, "nl.ivtd.Subject.Revisit",
	                   "subject", print_subject);
}

int
cmd_subject_resolve(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {{"proceed", 0, NULL},
	                     {"drop", 0, NULL},
	                     {"rationale", 1, NULL},
	                     {NULL, 0, NULL}};
	struct args a;
	long long id;

	if (args_id(ctx, argc, argv, opts, 1, 1, &a, &id) == -1)
		return a.status;
	if ((opts[0].value != NULL) == (opts[1].value != NULL))
		return usage_error(ctx, "give exactly one of --proceed, --drop");
	if (opts[2].value == NULL)
		return usage_error(ctx, "--rationale is required");
	return run_call(ctx, "nl.ivtd.Subject.Resolve",
	                json_pack("{s:I,s:b,s:s}", "subject", (json_int_t)id,
	                          "proceed", opts[0].value != NULL,
	                          "rationale", opts[2].value),
	                print_subject);
}
