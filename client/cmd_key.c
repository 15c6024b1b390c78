/*
 * cmd_key.c - key rotate and key status (nl.ivtd.Key).
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "ivtctl.h"

static void
print_status(const json_t *st)
{
	char b[6][32];

	out_kv("current", out_int(st, "current", b[0], sizeof(b[0])));
	out_kv("rotating",
	       json_is_true(json_object_get(st, "rotating")) ? "yes" : "no");
	out_kv("next", out_int(st, "next", b[1], sizeof(b[1])));
	out_kv("done", out_int(st, "done", b[2], sizeof(b[2])));
	out_kv("total", out_int(st, "total", b[3], sizeof(b[3])));
	out_kv("projects", out_int(st, "projects", b[4], sizeof(b[4])));
	out_kv("destroyed", out_int(st, "destroyed", b[5], sizeof(b[5])));
}

static int
status_print(struct ivtctl *ctx, const json_t *res)
{
	const json_t *st;

	if ((st = reply_get(ctx, res, "status", JSON_OBJECT)) == NULL)
		return IVTCTL_EXIT_CONN;
	print_status(st);
	return out_finish();
}

int
cmd_key_status(struct ivtctl *ctx, int argc, char **argv)
{
	struct args a;

	if (args_parse(ctx, argc, argv, NULL, 0, 0, &a) == -1)
		return a.status;
	return run_call(ctx, "nl.ivtd.Key.Status", json_object(), status_print);
}

/* One progress line on stderr: "rotating 1 -> 2: 5/12 keys". */
static void
progress(const json_t *st, json_int_t to)
{
	fprintf(stderr, "\rrotating master key to version %lld: %lld/%lld keys",
	        (long long)to,
	        (long long)json_integer_value(json_object_get(st, "done")),
	        (long long)json_integer_value(json_object_get(st, "total")));
	fflush(stderr);
}

/*
 * Start the rotation, then follow it with Key.Status every 100 ms until
 * the daemon uses the new version (unless --no-wait), or no longer
 * rotates to it.
 */
int
cmd_key_rotate(struct ivtctl *ctx, int argc, char **argv)
{
	const struct timespec tick = {0, 100 * 1000 * 1000};
	struct opt opts[] = {{"no-wait", 0, NULL}, {NULL, 0, NULL}};
	const json_t *st;
	struct args a;
	json_t *res;
	json_int_t to;
	int rc, tty = isatty(2);

	if (args_parse(ctx, argc, argv, opts, 0, 0, &a) == -1)
		return a.status;
	if ((rc = ivtctl_call(ctx, "nl.ivtd.Key.Rotate", json_object(),
	                      &res)) != 0)
		return rc;
	if ((st = reply_get(ctx, res, "status", JSON_OBJECT)) == NULL) {
		json_decref(res);
		return IVTCTL_EXIT_CONN;
	}
	to = json_integer_value(json_object_get(st, "next"));
	if (opts[0].value != NULL) {
		rc = ctx->json ? out_json(res) : status_print(ctx, res);
		json_decref(res);
		return rc;
	}
	for (;;) {
		if ((st = reply_get(ctx, res, "status", JSON_OBJECT)) == NULL) {
			json_decref(res);
			return IVTCTL_EXIT_CONN;
		}
		if (tty && !ctx->json)
			progress(st, to);
		if (json_integer_value(json_object_get(st, "current")) >= to)
			break;
		/* No rotation runs, and it did not get there: it was rolled
		 * back (the daemon log says why).  Waiting would be for good. */
		if (json_integer_value(json_object_get(st, "next")) != to) {
			json_decref(res);
			if (tty && !ctx->json)
				fputc('\n', stderr);
			out_err("the rotation to master key version %lld stopped "
			        "before it finished; see the daemon log",
			        (long long)to);
			return IVTCTL_EXIT_FAIL;
		}
		json_decref(res);
		nanosleep(&tick, NULL);
		if ((rc = ivtctl_call(ctx, "nl.ivtd.Key.Status", json_object(),
		                      &res)) != 0)
			return rc;
	}
	if (tty && !ctx->json)
		fputc('\n', stderr);
	rc = ctx->json ? out_json(res) : status_print(ctx, res);
	json_decref(res);
	return rc;
}
