/*
 * cmd_audit.c - audit verify (of the daemon's log or, offline, of an
 * export), export, list and tail (nl.ivtd.Audit).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ivt/export.h"
#include "ivtctl.h"

#define VERIFY_CHUNK  20000      /* entries per Verify call */
#define PROGRESS_FROM (1L << 20) /* file bytes before a bar is worth it */
#define BAR_WIDTH     30

/* A progress bar on stderr, only when it is a terminal; done > total
 * (a log that grew meanwhile) shows as full. */
static void
progress(const char *what, int64_t done, int64_t total)
{
	int64_t pct;
	int i, fill;

	if (total <= 0 || !isatty(STDERR_FILENO))
		return;
	pct = done >= total ? 100 : done * 100 / total;
	fill = (int)(pct * BAR_WIDTH / 100);
	fprintf(stderr, "\r%s [", what);
	for (i = 0; i < BAR_WIDTH; i++)
		fputc(i < fill ? '#' : ' ', stderr);
	fprintf(stderr, "] %3lld%% %lld/%lld", (long long)pct, (long long)done,
	        (long long)total);
	fflush(stderr);
}

/* Clear the bar's line again. */
static void
progress_done(int64_t total)
{
	if (total > 0 && isatty(STDERR_FILENO))
		fprintf(stderr, "\r%*s\r", BAR_WIDTH + 60, "");
}

/* Print the (summed) verification result; 0, or 1 when broken. */
static int
print_verify(struct ivtctl *ctx, json_t *res)
{
	const char *reason = out_str(res, "reason"), *key;
	char buf[32];
	int ok = json_is_true(json_object_get(res, "ok"));

	if (ctx->json) {
		if (out_json(res) != 0)
			return IVTCTL_EXIT_FAIL;
	} else if (ok) {
		printf("audit log intact: %lld entries, %lld checkpoints\n",
		       ivt_json_int(res, "entries", 0),
		       ivt_json_int(res, "checkpoints", 0));
		if ((key = out_str(res, "public_key")) != NULL) {
			fputs("signing key: ", stdout);
			out_safe(stdout, key);
			putchar('\n');
		}
	} else {
		fputs("audit log BROKEN", stdout);
		if (out_int(res, "bad_seq", buf, sizeof(buf)) != NULL)
			printf(" at entry %s", buf);
		fputs(": ", stdout);
		out_safe(stdout, reason != NULL ? reason : "no reason given");
		putchar('\n');
	}
	return ok ? 0 : IVTCTL_EXIT_FAIL;
}

/*
 * The daemon's log, in chunks of VERIFY_CHUNK entries: each call blocks
 * the daemon only briefly, and the total of the first reply sizes the
 * progress bar.  Each chunk starts from the hash the previous one ended
 * on, so together they check one unbroken chain.
 */
static int
verify_daemon(struct ivtctl *ctx)
{
	json_t *res = NULL, *params;
	const char *hash = "";
	int64_t entries = 0, next = 0, total = 0;
	int rc;

	for (;;) {
		params = json_pack("{s:I}", "limit", (json_int_t)VERIFY_CHUNK);
		if (params != NULL && next > 0) {
			json_object_set_new(params, "after",
			                    json_integer((json_int_t)next));
			json_object_set_new(params, "hash", json_string(hash));
		}
		json_decref(res);
		if ((rc = ivtctl_call(ctx, "nl.ivtd.Audit.Verify", params,
		                      &res)) != 0) {
			progress_done(total);
			return rc;
		}
		if (!json_is_boolean(json_object_get(res, "ok"))) {
			progress_done(total);
			json_decref(res);
			out_err("malformed reply from %s: \"ok\" missing or of "
			        "the wrong type",
			        ctx->socket_path);
			return IVTCTL_EXIT_CONN;
		}
		entries += ivt_json_int(res, "entries", 0);
		if (total == 0)
			total = ivt_json_int(res, "total", 0);
		next = ivt_json_int(res, "next", 0);
		hash = out_str(res, "hash");
		if (!json_is_true(json_object_get(res, "ok")) || next <= 0 ||
		    hash == NULL)
			break;
		if (total > VERIFY_CHUNK)
			progress("verifying", entries, total);
	}
	if (total > VERIFY_CHUNK)
		progress_done(total);
	json_object_set_new(res, "entries", json_integer((json_int_t)entries));
	rc = print_verify(ctx, res);
	json_decref(res);
	return rc;
}

static void
file_progress(long done, void *arg)
{
	long size = *(long *)arg;

	if (size >= PROGRESS_FROM)
		progress("verifying", done, size);
}

/* An export file, offline: the daemon is not asked anything. */
static int
verify_file(struct ivtctl *ctx, const char *path, const char *keyhex)
{
	struct ivt_export_result r;
	uint8_t key[IVT_EXPORT_PKBYTES];
	struct stat sb;
	long size = 0;
	json_t *res;
	FILE *fp;
	int rc;

	if (keyhex != NULL && ivt_unhex(keyhex, key, sizeof(key)) == -1)
		return usage_error(ctx, "--key needs the 64 hex digits that "
		                        "ivtctl audit verify prints");
	if ((fp = fopen(path, "re")) == NULL) {
		out_err("cannot open %s: %s", path, strerror(errno));
		return IVTCTL_EXIT_FAIL;
	}
	if (fstat(fileno(fp), &sb) == 0)
		size = (long)sb.st_size;
	rc = ivt_export_verify(fp, keyhex != NULL ? key : NULL, &r,
	                       file_progress, &size);
	fclose(fp);
	if (size >= PROGRESS_FROM)
		progress_done(size);
	if (rc == -1) {
		out_err("cannot read %s: %s", path, r.reason);
		return IVTCTL_EXIT_FAIL;
	}
	if (ctx->json) {
		res = json_pack("{s:b,s:I,s:I,s:s,s:s,s:s,s:b}", "ok", rc == 0,
		                "entries", (json_int_t)r.entries, "checkpoints",
		                (json_int_t)r.checkpoints, "export_id",
		                r.export_id, "created", r.created, "public_key",
		                r.public_key, "key_checked", keyhex != NULL);
		if (res != NULL && rc == 1) {
			json_object_set_new(res, "line",
			                    json_integer((json_int_t)r.line));
			json_object_set_new(res, "reason",
			                    json_string(r.reason));
		}
		if (res == NULL || out_json(res) != 0) {
			json_decref(res);
			return IVTCTL_EXIT_FAIL;
		}
		json_decref(res);
	} else if (rc == 0) {
		printf("export intact: %lld entries, %lld checkpoints and the "
		       "signed trailer\n",
		       (long long)r.entries, (long long)r.checkpoints);
		printf("export id:   %s\ncreated:     ", r.export_id);
		out_safe(stdout, r.created);
		printf("\nsigning key: %s%s\n", r.public_key,
		       keyhex != NULL ? " (the key given)" : "");
		if (keyhex == NULL)
			puts(
			    "compare the signing key with the daemon's (ivtctl "
			    "audit verify prints it), or pass it with --key");
	} else {
		printf("export BROKEN at line %lld: ", (long long)r.line);
		out_safe(stdout, r.reason);
		putchar('\n');
	}
	return rc == 0 ? 0 : IVTCTL_EXIT_FAIL;
}

/* Exit 0 when the log (or export) is intact, 1 when it is broken (also
 * with --json), so scripts and monitoring can test the status alone. */
int
cmd_audit_verify(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {
	    {"file", 1, NULL}, {"key", 1, NULL}, {NULL, 0, NULL}};
	struct args a;

	if (args_parse(ctx, argc, argv, opts, 0, 0, &a) == -1)
		return a.status;
	if (opts[0].value != NULL)
		return verify_file(ctx, opts[0].value, opts[1].value);
	if (opts[1].value != NULL)
		return usage_error(ctx, "--key goes with --file");
	return verify_daemon(ctx);
}

/* --- export ---------------------------------------------------------- */

struct export_out {
	FILE *fp;
	int64_t done, total;
};

static int
export_batch(struct ivtctl *ctx, json_t *params, void *arg)
{
	struct export_out *x = arg;
	json_t *lines, *l;
	size_t i;

	if ((lines = reply_get(ctx, params, "lines", JSON_ARRAY)) == NULL)
		return IVTCTL_EXIT_CONN;
	json_array_foreach(lines, i, l)
	{
		/* A line holds no newline: the file's lines are its lines. */
		if (!json_is_string(l) ||
		    memchr(json_string_value(l), '\n', json_string_length(l)) !=
		        NULL) {
			out_err("malformed reply from %s: bad export line",
			        ctx->socket_path);
			return IVTCTL_EXIT_CONN;
		}
		if (fwrite(json_string_value(l), 1, json_string_length(l),
		           x->fp) != json_string_length(l) ||
		    fputc('\n', x->fp) == EOF) {
			out_err("cannot write the export: %s", strerror(errno));
			return IVTCTL_EXIT_FAIL;
		}
	}
	x->done = ivt_json_int(params, "done", 0);
	x->total = ivt_json_int(params, "total", 0);
	progress("exporting", x->done, x->total);
	return 0;
}

/*
 * The file is created new (never overwritten) and readable by its owner
 * only: it names staff and pseudonyms.  A failed export leaves no file.
 */
int
cmd_audit_export(struct ivtctl *ctx, int argc, char **argv)
{
	struct export_out x = {NULL, 0, 0};
	struct args a;
	int fd, rc;

	if (args_parse(ctx, argc, argv, NULL, 1, 1, &a) == -1)
		return a.status;
	fd = open(a.pos[0], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1 || (x.fp = fdopen(fd, "w")) == NULL) {
		out_err("cannot create %s: %s", a.pos[0], strerror(errno));
		if (fd != -1) {
			close(fd);
			unlink(a.pos[0]);
		}
		return IVTCTL_EXIT_FAIL;
	}
	rc = ivtctl_call_more(ctx, "nl.ivtd.Audit.Export", json_object(),
	                      export_batch, &x);
	progress_done(x.total);
	if (rc == 0 && (fflush(x.fp) == EOF || fsync(fileno(x.fp)) == -1)) {
		out_err("cannot write %s: %s", a.pos[0], strerror(errno));
		rc = IVTCTL_EXIT_FAIL;
	}
	if (fclose(x.fp) == EOF && rc == 0) {
		out_err("cannot write %s: %s", a.pos[0], strerror(errno));
		rc = IVTCTL_EXIT_FAIL;
	}
	if (rc != 0) {
		unlink(a.pos[0]);
		return rc;
	}
	if (!ctx->json)
		printf("exported %lld entries to %s\n", (long long)x.total,
		       a.pos[0]);
	else
		printf("{\"entries\": %lld}\n", (long long)x.total);
	return 0;
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
	if (opt_from_stdin(ctx, &opts[7]) != 0)
		return IVTCTL_EXIT_USAGE;
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

/* --- tail ------------------------------------------------------------ */

/* One column of a tail line: fixed width so the lines of a stream align
 * without knowing what comes later; "-" when empty. */
static void
tail_col(const char *v, int width)
{
	int n;

	if (v == NULL || v[0] == '\0')
		v = "-";
	out_safe(stdout, v);
	n = (int)strlen(v);
	printf("%*s", n < width ? width - n + 1 : 1, "");
}

static void
tail_line(const json_t *e)
{
	const char *start = out_str(e, "start"), *actor = out_str(e, "actor");
	const char *subject = out_str(e, "subject");
	const char *type = out_str(e, "subject_type"), *err;
	char buf[32], who[48], subj[48], when[24];

	snprintf(when, sizeof(when), "%.19sZ", start != NULL ? start : "?");
	if (actor != NULL)
		snprintf(who, sizeof(who), "%s", actor);
	else
		snprintf(who, sizeof(who), "uid:%s",
		         out_int(e, "actor_uid", buf, sizeof(buf)) ? buf : "?");
	subj[0] = '\0';
	if (subject != NULL)
		snprintf(subj, sizeof(subj), "%s%s%.*s",
		         type != NULL ? type : "", type != NULL ? ":" : "",
		         PSEUDONYM_SHOWN, subject);
	tail_col(out_int(e, "seq", buf, sizeof(buf)), 6);
	tail_col(when, 20);
	tail_col(who, 10);
	tail_col(out_str(e, "role"), 13);
	tail_col(out_str(e, "org"), 10);
	tail_col(short_name(out_str(e, "method")), 20);
	tail_col(out_str(e, "activity"), 6);
	tail_col(out_int(e, "project", buf, sizeof(buf)), 4);
	tail_col(subj, 20);
	tail_col(out_str(e, "result"), 7);
	err = short_name(out_str(e, "error"));
	out_safe(stdout, err != NULL ? err : "-");
	putchar('\n');
}

/* Print one reply of the stream and flush: a reader sees each entry as
 * soon as the daemon committed it. */
static int
tail_batch(struct ivtctl *ctx, json_t *params, void *arg)
{
	json_t *entries, *e;
	size_t i;
	char *line;

	(void)arg;
	if ((entries = reply_get(ctx, params, "entries", JSON_ARRAY)) == NULL)
		return IVTCTL_EXIT_CONN;
	json_array_foreach(entries, i, e)
	{
		if (!ctx->json) {
			tail_line(e);
			continue;
		}
		/* JSON Lines: one compact object per entry. */
		if ((line = json_dumps(e, JSON_COMPACT | JSON_ENSURE_ASCII)) ==
		    NULL) {
			out_err("out of memory");
			return IVTCTL_EXIT_FAIL;
		}
		puts(line);
		free(line);
	}
	return out_finish();
}

int
cmd_audit_tail(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {
	    {"last", 1, NULL}, {"follow", 0, NULL}, {NULL, 0, NULL}};
	struct args a;
	long long last = 10;
	json_t *params;

	if (args_parse(ctx, argc, argv, opts, 0, 0, &a) == -1)
		return a.status;
	if (opts[0].value != NULL &&
	    parse_ll(opts[0].value, 0, 1000, &last) == -1)
		return usage_error(ctx, "--last needs a number from 0 to 1000");
	params = json_pack("{s:I}", "last", (json_int_t)last);
	if (opts[1].value == NULL) {
		json_t *res;
		int rc;

		if ((rc = ivtctl_call(ctx, "nl.ivtd.Audit.Tail", params,
		                      &res)) != 0)
			return rc;
		rc = tail_batch(ctx, res, NULL);
		json_decref(res);
		return rc;
	}
	/* Runs until interrupted, or until the daemon ends the stream. */
	return ivtctl_call_more(ctx, "nl.ivtd.Audit.Tail", params, tail_batch,
	                        NULL);
}
