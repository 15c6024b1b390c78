/*
 * run.c - the shape every simple command shares: call one method, then
 * print the reply as JSON (--json) or through the command's printer.
 */
#include <string.h>

#include "ivtctl.h"

int
run_call(struct ivtctl *ctx, const char *method, json_t *params,
         int (*print)(struct ivtctl *, const json_t *))
{
	json_t *res;
	int rc;

	if ((rc = ivtctl_call(ctx, method, params, &res)) != 0)
		return rc;
	rc = ctx->json || print == NULL ? out_json(res) : print(ctx, res);
	json_decref(res);
	return rc;
}

int
run_id_opt_call(struct ivtctl *ctx, int argc, char **argv, const char *method,
                const char *idkey, const char *opt, const char *key,
                int (*print)(struct ivtctl *, const json_t *))
{
	struct opt opts[] = {{opt, 1, NULL}, {NULL, 0, NULL}};
	struct args a;
	long long id;

	if (args_id(ctx, argc, argv, opts, 1, 1, &a, &id) == -1)
		return a.status;
	if (opts[0].value == NULL)
		return usage_error(ctx, "--%s is required", opt);
	return run_call(
	    ctx, method,
	    json_pack("{s:I,s:s}", idkey, (json_int_t)id, key, opts[0].value),
	    print);
}

json_t *
split_list(const char *s)
{
	const char *p = s, *comma;
	json_t *a = json_array();

	while (a != NULL && s != NULL) {
		comma = strchr(p, ',');
		json_array_append_new(
		    a,
		    json_stringn(p, comma ? (size_t)(comma - p) : strlen(p)));
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return a;
}

void
set_opt_str(json_t *params, const char *key, const char *value)
{
	if (value != NULL)
		json_object_set_new(params, key, json_string(value));
}

void
set_opt_list(json_t *params, const char *key, const char *value)
{
	if (value != NULL)
		json_object_set_new(params, key, split_list(value));
}

int
parse_id(struct ivtctl *ctx, const char *s, long long *id)
{
	if (parse_ll(s, 1, (1LL << 53), id) == -1)
		return usage_error(ctx, "'%s' is not an id", s);
	return 0;
}

int
args_id(struct ivtctl *ctx, int argc, char **argv, struct opt *opts, int min,
        int max, struct args *a, long long *id)
{
	if (args_parse(ctx, argc, argv, opts, min, max, a) == -1)
		return -1;
	if (parse_id(ctx, a->pos[0], id) != 0) {
		a->status = IVTCTL_EXIT_USAGE;
		return -1;
	}
	return 0;
}

int
run_id_call(struct ivtctl *ctx, int argc, char **argv, const char *method,
            const char *key, int (*print)(struct ivtctl *, const json_t *))
{
	struct args a;
	long long id;

	if (args_id(ctx, argc, argv, NULL, 1, 1, &a, &id) == -1)
		return a.status;
	return run_call(ctx, method, json_pack("{s:I}", key, (json_int_t)id),
	                print);
}
