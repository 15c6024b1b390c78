/*
 * ivtctl.h - the command-line client of ivtd.
 *
 * As in tmux and OpenSMTPD's smtpctl, every command is one row of a table
 * (ivtctl.c): a noun, a verb, a usage line, a help line and an exec
 * function living in the cmd_<group>.c file of its noun.  Adding a command
 * is: write the exec function, declare it below, add one row.
 */
#ifndef IVTCTL_H
#define IVTCTL_H

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

#include "ivt/wire.h"

#define IVTCTL_DEFAULT_SOCKET "/run/ivtd/ivtd.sock"
#define IVTCTL_REPLY_MAX      (16 * 1024 * 1024)

/* Exit statuses (documented in ivtctl.1). */
#define IVTCTL_EXIT_OK 0 /* success */
#define IVTCTL_EXIT_FAIL                                                       \
	1                   /* the daemon returned an error, or a check failed \
	                     */
#define IVTCTL_EXIT_USAGE 2 /* bad command line */
#define IVTCTL_EXIT_CONN  3 /* cannot connect, connection lost, bad reply */

struct cmd_entry;

struct ivtctl {
	const char *socket_path;
	int json;                    /* --json: print reply parameters */
	int trace;                   /* --trace: print reply traceparents */
	char traceparent[56];        /* sent with every call, "" until set */
	int fd;                      /* -1 until connected */
	struct ivt_framer framer;    /* replies read from fd */
	const struct cmd_entry *cmd; /* command being run, for its usage */
	char secret[16384];          /* an option read from stdin: wiped */
};

struct cmd_entry {
	const char *noun;
	const char *verb;  /* NULL for a command that is a noun alone */
	const char *usage; /* arguments after noun and verb, "" if none */
	const char *help;
	int (*exec)(struct ivtctl *, int argc, char **argv);
};

/*
 * Per-command options: an array terminated by a zeroed entry.  After
 * args_parse() value is the option's argument, "" for a flag that was
 * given, NULL for an absent option.
 */
struct opt {
	const char *name; /* "uid" for --uid */
	int has_arg;
	const char *value;
};

struct args {
	char **pos; /* positional arguments, in order */
	int npos;
	int status; /* exit status when args_parse() returns -1 */
};

/* ivtctl.c */
/*
 * Parse the arguments after NOUN VERB: options (--name value,
 * --name=value, --flag, "--" ends them) anywhere, the global options
 * --json, --trace and --socket, and --help.  Between min and max positional
 * arguments (max < 0: no limit).  Every argument must be valid UTF-8.
 * Returns 0, or -1 when the command must return a->status at once:
 * 0 after --help, 2 after a usage error (already printed).
 */
int args_parse(struct ivtctl *ctx, int argc, char **argv, struct opt *opts,
               int min, int max, struct args *a);
/*
 * An option whose value is personal data (a BSN, a subject's persons) may
 * be given as "-": it is then read, one line, from standard input, so it
 * shows in neither the process list (/proc/PID/cmdline, which every local
 * user can read) nor the shell's history.  It is kept in ctx->secret,
 * wiped at exit.  0, or 2 after a usage error (printed).
 */
int opt_from_stdin(struct ivtctl *ctx, struct opt *o);
/* Print "ivtctl: <msg>" and the command's usage to stderr; returns 2. */
int usage_error(struct ivtctl *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Strict base-10 integer in [min, max].  0 or -1. */
int parse_ll(const char *s, long long min, long long max, long long *out);

/* conn.c */
/* Flags for conn_send(). */
#define CALL_MORE 0x1 /* ask for a stream of replies ("more": true) */

int conn_connect(struct ivtctl *ctx);
void conn_close(struct ivtctl *ctx);
/* Send one call; params may be NULL for {}.  0 or an exit status. */
int conn_send(struct ivtctl *ctx, const char *method, const json_t *params,
              unsigned flags);
/* Read and check one reply; *reply is the whole reply object (new
 * reference).  0 or an exit status (message printed). */
int conn_recv(struct ivtctl *ctx, json_t **reply);
/*
 * Call method with params (reference stolen; NULL means json_pack()
 * failed) and read its single reply.  On success *result holds the reply
 * parameters (new reference) and 0 is returned; otherwise the error is
 * printed and the exit status returned.
 */
int ivtctl_call(struct ivtctl *ctx, const char *method, json_t *params,
                json_t **result);
/*
 * Call method with "more": true and hand every reply's parameters to cb
 * until a reply without "continues": true.  cb returns 0 to go on or an
 * exit status; the first nonzero status stops and is returned.
 */
typedef int (*reply_cb)(struct ivtctl *ctx, json_t *params, void *arg);
int ivtctl_call_more(struct ivtctl *ctx, const char *method, json_t *params,
                     reply_cb cb, void *arg);
/*
 * Member key of reply parameters, of the given type; NULL after printing
 * a malformed-reply error (return IVTCTL_EXIT_CONN then).
 */
json_t *reply_get(struct ivtctl *ctx, const json_t *params, const char *key,
                  json_type type);

/* output.c */
struct table;
struct table *table_new(size_t ncols, const char *const *headers);
void table_row(struct table *t);
/* Cells are copied with control characters replaced; NULL prints "-". */
void table_cell(struct table *t, const char *s);
void table_cellf(struct table *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Print aligned on fp and free.  0 or an exit status. */
int table_print(struct table *t, FILE *fp);
void table_free(struct table *t);

/* Write s with terminal control characters replaced by '?'. */
void out_safe(FILE *fp, const char *s);
/* "key value" line; a NULL value prints "-". */
void out_kv(const char *key, const char *value);
/* A string member of obj, or NULL. */
const char *out_str(const json_t *obj, const char *key);
/* An integer member of obj formatted into buf, or NULL. */
const char *out_int(const json_t *obj, const char *key, char *buf, size_t len);
/* An RFC 3339 time member, passed through as the daemon wrote it. */
const char *out_time(const json_t *obj, const char *key);
/* Print v as indented JSON on stdout, keys in the daemon's order. */
int out_json(const json_t *v);
/* "ivtctl: <error>: <detail>" on stderr for a daemon error reply. */
void out_daemon_error(const char *error, const json_t *params);
/* "ivtctl: <msg>" on stderr. */
void out_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Flush stdout and report a write error.  0 or an exit status. */
int out_finish(void);

/* run.c */
/* Call method and print the reply: JSON with --json, else print(). */
int run_call(struct ivtctl *ctx, const char *method, json_t *params,
             int (*print)(struct ivtctl *, const json_t *));
/* args_parse, then the first positional argument as an id (min >= 1).
 * -1 with a->status set to the exit status. */
int args_id(struct ivtctl *ctx, int argc, char **argv, struct opt *opts,
            int min, int max, struct args *a, long long *id);
/* Commands whose only argument is an id: method({key: id}). */
int run_id_call(struct ivtctl *ctx, int argc, char **argv, const char *method,
                const char *key, int (*print)(struct ivtctl *, const json_t *));
/* Commands ID --OPT VALUE (required): method({idkey: id, key: value}). */
int run_id_opt_call(struct ivtctl *ctx, int argc, char **argv,
                    const char *method, const char *idkey, const char *opt,
                    const char *key,
                    int (*print)(struct ivtctl *, const json_t *));
/* "a,b,c" as a JSON array of strings. */
json_t *split_list(const char *s);
/* Set params[key] when value is given (a list: comma separated). */
void set_opt_str(json_t *params, const char *key, const char *value);
void set_opt_list(json_t *params, const char *key, const char *value);
/* A positive object id; prints usage and returns 2 when it is not. */
int parse_id(struct ivtctl *ctx, const char *s, long long *id);

/* cmd_project.c */
int cmd_project_create(struct ivtctl *, int, char **);
int cmd_project_list(struct ivtctl *, int, char **);
int cmd_project_show(struct ivtctl *, int, char **);
int cmd_project_update(struct ivtctl *, int, char **);
int cmd_project_decide(struct ivtctl *, int, char **);
int cmd_project_advance(struct ivtctl *, int, char **);
int cmd_project_history(struct ivtctl *, int, char **);
int cmd_project_hold(struct ivtctl *, int, char **);
int cmd_project_release(struct ivtctl *, int, char **);
int cmd_project_retention(struct ivtctl *, int, char **);

/* cmd_retention.c */
int cmd_retention_list(struct ivtctl *, int, char **);
int cmd_retention_show(struct ivtctl *, int, char **);
int cmd_retention_confirm(struct ivtctl *, int, char **);
int cmd_retention_run(struct ivtctl *, int, char **);

/* cmd_key.c */
int cmd_key_rotate(struct ivtctl *, int, char **);
int cmd_key_status(struct ivtctl *, int, char **);

/* cmd_protocol.c */
int cmd_protocol_grant(struct ivtctl *, int, char **);
int cmd_protocol_revoke(struct ivtctl *, int, char **);
int cmd_protocol_register(struct ivtctl *, int, char **);
int cmd_protocol_show(struct ivtctl *, int, char **);

/* cmd_subject.c */
int cmd_subject_add(struct ivtctl *, int, char **);
int cmd_subject_show(struct ivtctl *, int, char **);
int cmd_subject_list(struct ivtctl *, int, char **);
int cmd_subject_find(struct ivtctl *, int, char **);
int cmd_subject_actualise(struct ivtctl *, int, char **);
int cmd_subject_answer(struct ivtctl *, int, char **);
int cmd_subject_resolve(struct ivtctl *, int, char **);
int cmd_subject_revisit(struct ivtctl *, int, char **);
int cmd_subject_drop(struct ivtctl *, int, char **);

/* cmd_import.c */
int cmd_subject_import(struct ivtctl *, int, char **);

/* cmd_day.c */
int cmd_subject_assign(struct ivtctl *, int, char **);
int cmd_subject_unassign(struct ivtctl *, int, char **);
int cmd_day_create(struct ivtctl *, int, char **);
int cmd_day_update(struct ivtctl *, int, char **);
int cmd_day_confirm(struct ivtctl *, int, char **);
int cmd_day_cancel(struct ivtctl *, int, char **);
int cmd_day_list(struct ivtctl *, int, char **);
int cmd_day_show(struct ivtctl *, int, char **);
int cmd_day_plan(struct ivtctl *, int, char **);
int cmd_day_unplan(struct ivtctl *, int, char **);
int cmd_day_suggest(struct ivtctl *, int, char **);
int cmd_day_export(struct ivtctl *, int, char **);
int cmd_my(struct ivtctl *, int, char **);

/* cmd_finding.c */
int cmd_finding_add(struct ivtctl *, int, char **);
int cmd_finding_update(struct ivtctl *, int, char **);
int cmd_finding_list(struct ivtctl *, int, char **);
int cmd_finding_history(struct ivtctl *, int, char **);
int cmd_followup_list(struct ivtctl *, int, char **);
int cmd_followup_done(struct ivtctl *, int, char **);
int cmd_measure_set(struct ivtctl *, int, char **);
int cmd_day_done(struct ivtctl *, int, char **);

/* cmd_report.c */
int cmd_report(struct ivtctl *, int, char **);

/* cmd_journal.c */
int cmd_journal_add(struct ivtctl *, int, char **);
int cmd_journal_list(struct ivtctl *, int, char **);

/* cmd_service.c */
int cmd_whoami(struct ivtctl *, int, char **);
int cmd_service_info(struct ivtctl *, int, char **);
int cmd_service_describe(struct ivtctl *, int, char **);
int cmd_call(struct ivtctl *, int, char **);

/* cmd_user.c */
int cmd_user_add(struct ivtctl *, int, char **);
int cmd_user_list(struct ivtctl *, int, char **);
int cmd_user_disable(struct ivtctl *, int, char **);
int cmd_user_enable(struct ivtctl *, int, char **);

/* cmd_partner.c */
int cmd_partner_add(struct ivtctl *, int, char **);
int cmd_partner_list(struct ivtctl *, int, char **);

/* cmd_audit.c */
int cmd_audit_verify(struct ivtctl *, int, char **);
int cmd_audit_list(struct ivtctl *, int, char **);
int cmd_audit_tail(struct ivtctl *, int, char **);
int cmd_audit_export(struct ivtctl *, int, char **);

/* cmd_privacy.c */
int cmd_privacy_register(struct ivtctl *, int, char **);
int cmd_privacy_inzage(struct ivtctl *, int, char **);

/* cmd_backup.c */
int cmd_backup(struct ivtctl *, int, char **);

#endif
