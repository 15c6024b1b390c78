/*
 * cmd_import.c - ivtctl subject import: stream a CSV file to the daemon.
 *
 * The file goes in chunks cut at line ends (so no chunk splits a UTF-8
 * character), each answered with the rows checked so far and the bad
 * ones, which are printed as they come.  Only when every row was good is
 * the import committed; otherwise it is aborted and nothing changes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ivtctl.h"

/* Well under the daemon's 256 KiB per chunk and 1 MiB per message, even
 * when JSON escaping doubles some bytes. */
#define CHUNK_MAX (128 * 1024)

struct import_run {
	struct ivtctl *ctx;
	const char *session;
	FILE *fp;
	long long total; /* file size, 0 when unknown (a pipe) */
	long long sent;  /* bytes acknowledged */
	long long rows, bad, shown;
	int progress; /* draw a progress bar on stderr */
	double start, drawn;
	char buf[CHUNK_MAX];
	size_t have; /* bytes in buf not sent yet */
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
draw(struct import_run *r, int final)
{
	double t = now(), el = t - r->start, rate;

	if (!r->progress || (!final && t - r->drawn < 0.1))
		return;
	r->drawn = t;
	rate = el > 0 ? (double)r->rows / el : 0;
	fprintf(stderr, "\r\033[Kimport: %lld rows", r->rows);
	if (r->total > 0)
		fprintf(stderr, " (%3lld%%)", r->sent * 100 / r->total);
	fprintf(stderr, ", %.0f rows/s", rate);
	if (r->bad > 0)
		fprintf(stderr, ", %lld bad", r->bad);
	if (r->total > 0 && r->sent > 0 && !final)
		fprintf(stderr, ", ETA %.0f s",
		        el * (double)(r->total - r->sent) / (double)r->sent);
	if (final)
		fputc('\n', stderr);
	fflush(stderr);
}

/* Print the row errors of a reply; they hold no values, only reasons. */
static void
print_errors(struct import_run *r, const json_t *errors)
{
	const json_t *e;
	const char *col;
	size_t i;

	if (r->progress && json_array_size(errors) > 0)
		fputs("\r\033[K", stderr);
	json_array_foreach(errors, i, e)
	{
		col = out_str(e, "column");
		fprintf(stderr, "line %" JSON_INTEGER_FORMAT ": ",
		        json_integer_value(json_object_get(e, "line")));
		if (col != NULL && *col != '\0') {
			out_safe(stderr, col);
			fputs(": ", stderr);
		}
		out_safe(stderr, out_str(e, "reason"));
		fputc('\n', stderr);
		r->shown++;
	}
}

/*
 * Fill buf and return how many bytes to send: up to the last line end,
 * or everything at the end of the file.  *last is set when nothing
 * follows.
 */
static int
next_chunk(struct import_run *r, size_t *n, int *last)
{
	size_t got, cut;

	got = fread(r->buf + r->have, 1, sizeof(r->buf) - r->have, r->fp);
	r->have += got;
	if (ferror(r->fp)) {
		out_err("cannot read the file: %s", strerror(errno));
		return IVTCTL_EXIT_FAIL;
	}
	*last = feof(r->fp) != 0;
	if (*last) {
		*n = r->have;
		return 0;
	}
	for (cut = r->have; cut > 0 && r->buf[cut - 1] != '\n'; cut--)
		;
	if (cut == 0) {
		out_err("line %lld and on: a line longer than %d bytes",
		        r->rows + 2, CHUNK_MAX);
		return IVTCTL_EXIT_FAIL;
	}
	*n = cut;
	return 0;
}

static int
send_chunk(struct import_run *r, size_t n, int last)
{
	json_t *data, *res;
	int rc;

	if ((data = json_stringn(r->buf, n)) == NULL) {
		out_err("the file is not valid UTF-8 (after line %lld)",
		        r->rows + 1);
		return IVTCTL_EXIT_FAIL;
	}
	rc = ivtctl_call(r->ctx, "nl.ivtd.Import.Chunk",
	                 json_pack("{s:s,s:I,s:o,s:b}", "session", r->session,
	                           "offset", (json_int_t)r->sent, "data", data,
	                           "last", last),
	                 &res);
	if (rc != 0)
		return rc;
	r->sent += (long long)n;
	memmove(r->buf, r->buf + n, r->have - n);
	r->have -= n;
	r->rows = json_integer_value(json_object_get(res, "rows"));
	r->bad = json_integer_value(json_object_get(res, "bad"));
	print_errors(r, json_object_get(res, "errors"));
	json_decref(res);
	draw(r, 0);
	return 0;
}

static int
report_bad(struct import_run *r)
{
	if (r->shown < r->bad)
		out_err("and %lld more bad rows", r->bad - r->shown);
	out_err("%lld bad row%s: nothing imported", r->bad,
	        r->bad == 1 ? "" : "s");
	return IVTCTL_EXIT_FAIL;
}

/* Commit; an InvalidRows reply (the project changed meanwhile) is
 * printed row by row like the chunks' errors. */
static int
commit(struct import_run *r, int quiet)
{
	json_t *params, *reply, *p;
	const char *err;
	int rc;

	if ((params = json_pack("{s:s}", "session", r->session)) == NULL)
		return IVTCTL_EXIT_FAIL;
	rc = conn_send(r->ctx, "nl.ivtd.Import.Commit", params, 0);
	json_decref(params);
	if (rc != 0 || (rc = conn_recv(r->ctx, &reply)) != 0)
		return rc;
	p = json_object_get(reply, "parameters");
	err = out_str(reply, "error");
	if (err != NULL && strcmp(err, "nl.ivtd.Import.InvalidRows") == 0) {
		print_errors(r, json_object_get(p, "errors"));
		r->bad = json_integer_value(json_object_get(p, "bad"));
		rc = report_bad(r);
	} else if (err != NULL) {
		out_daemon_error(err, p);
		rc = IVTCTL_EXIT_FAIL;
	} else if (r->ctx->json)
		rc = out_json(p);
	else if (!quiet && json_object_get(p, "subjects") == NULL)
		printf("imported %" JSON_INTEGER_FORMAT " rows\n",
		       json_integer_value(json_object_get(p, "rows")));
	else if (!quiet)
		printf("imported %" JSON_INTEGER_FORMAT
		       " rows: %" JSON_INTEGER_FORMAT " new subjects, "
		       "%" JSON_INTEGER_FORMAT " merged into one at the same "
		       "address\n",
		       json_integer_value(json_object_get(p, "rows")),
		       json_integer_value(json_object_get(p, "subjects")),
		       json_integer_value(json_object_get(p, "merged")));
	json_decref(reply);
	return rc;
}

static int
stream(struct import_run *r, int quiet)
{
	size_t n;
	int rc, last = 0;

	while (!last) {
		if ((rc = next_chunk(r, &n, &last)) != 0 ||
		    (rc = send_chunk(r, n, last)) != 0)
			return rc;
	}
	draw(r, 1);
	if (r->bad > 0)
		return report_bad(r);
	if (r->progress)
		fprintf(stderr, "import: committing %lld rows\n", r->rows);
	return commit(r, quiet);
}

static int
open_input(struct import_run *r, const char *path)
{
	struct stat sb;

	if (strcmp(path, "-") == 0)
		r->fp = stdin;
	else if ((r->fp = fopen(path, "rb")) == NULL) {
		out_err("%s: %s", path, strerror(errno));
		return IVTCTL_EXIT_FAIL;
	}
	if (fstat(fileno(r->fp), &sb) == 0 && S_ISREG(sb.st_mode))
		r->total = (long long)sb.st_size;
	return 0;
}

/* ivtctl subject import PROJECT FILE [--quiet] */
int
cmd_subject_import(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {{"quiet", 0, NULL}, {NULL, 0, NULL}};
	struct import_run *r;
	struct args a;
	json_t *res, *ab = NULL;
	long long id;
	int rc;

	if (args_id(ctx, argc, argv, opts, 2, 2, &a, &id) == -1)
		return a.status;
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		out_err("out of memory");
		return IVTCTL_EXIT_FAIL;
	}
	r->ctx = ctx;
	r->progress = opts[0].value == NULL && isatty(STDERR_FILENO);
	r->start = now();
	if ((rc = open_input(r, a.pos[1])) != 0)
		goto out;
	rc = ivtctl_call(ctx, "nl.ivtd.Import.Begin",
	                 json_pack("{s:I}", "project", (json_int_t)id), &res);
	if (rc != 0)
		goto out;
	r->session = out_str(res, "session");
	if (r->session == NULL)
		rc = IVTCTL_EXIT_CONN;
	else if ((rc = stream(r, opts[0].value != NULL)) != 0 && ctx->fd != -1)
		/* Free the daemon's copy of the data at once. */
		(void)ivtctl_call(ctx, "nl.ivtd.Import.Abort",
		                  json_pack("{s:s}", "session", r->session),
		                  &ab);
	json_decref(ab);
	json_decref(res);
out:
	if (r->fp != NULL && r->fp != stdin)
		fclose(r->fp);
	/* The buffer held citizens' data. */
	explicit_bzero(r, sizeof(*r));
	free(r);
	return rc;
}
