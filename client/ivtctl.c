/*
 * ivtctl.c - command table, command line and option parsing, main().
 *
 * Grammar: ivtctl [--socket PATH] [--json] [--trace] NOUN VERB [ARGS]
 *         [--OPTIONS]
 * The global options may also follow the verb.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ivt/jparse.h"
#include "ivtctl.h"

/* One row per command; rows of a noun stay together for the help text. */
static const struct cmd_entry cmd_table[] = {
    {"whoami", NULL, "", "show who the daemon thinks you are", cmd_whoami},
    {"user", "add", "NAME --uid N --role ROLE [--org PARTNER]",
     "map a uid to a new user; ROLE is admin, projectleider, partner or\n"
     "privacy, and a partner user needs --org",
     cmd_user_add},
    {"user", "list", "", "list all users", cmd_user_list},
    {"user", "disable", "NAME", "disable a user: every later call is denied",
     cmd_user_disable},
    {"user", "enable", "NAME", "enable a disabled user again", cmd_user_enable},
    {"partner", "add", "NAME --kind KIND",
     "add a ketenpartner; KIND is gemeente_afdeling, landelijke_dienst,\n"
     "politie, zorg, woningcorporatie, nutsbedrijf or other",
     cmd_partner_add},
    {"partner", "list", "", "list all ketenpartners", cmd_partner_list},
    {"project", "create",
     "NAME --gemeente G --problem TEXT --area PC[,PC-PC...] --legal-basis TEXT\n"
     "      --purpose TEXT [--themes T,...] [--leaders USER,...] [--start DATE]\n"
     "      [--end DATE]",
     "create a project in phase initiatief; a projectleider who creates it\n"
     "leads it; postcodes look like 1234AB, ranges like 1234AA-1234ZZ",
     cmd_project_create},
    {"project", "list", "", "list the projects you may see", cmd_project_list},
    {"project", "show", "ID",
     "show a project, with the final report's deadline", cmd_project_show},
    {"project", "update",
     "ID [--name N] [--gemeente G] [--problem T] [--area ...] [--themes ...]\n"
     "      [--legal-basis T] [--purpose T] [--leaders ...] [--start D] [--end D]",
     "change the given fields of a project", cmd_project_update},
    {"project", "decide",
     "ID GATE --go|--no-go --rationale TEXT [--body BODY] [--date DATE]",
     "record a GO/NO-GO decision; GATE is probleemdefinitie, collegebesluit,\n"
     "rpf or lsi (in that order); a NO-GO closes the project",
     cmd_project_decide},
    {"project", "advance", "ID --rationale TEXT [--date DATE]",
     "move the project one phase forward", cmd_project_advance},
    {"project", "history", "ID", "every decision and phase change",
     cmd_project_history},
    {"project", "hold", "ID --reason TEXT",
     "legal hold: the project's personal data is never destroyed while held",
     cmd_project_hold},
    {"project", "release", "ID", "lift a legal hold", cmd_project_release},
    {"project", "retention", "ID [--days N | --default]",
     "show the retention period after closure, set the project's own (0 to\n"
     "36500 days) or return to the configured default",
     cmd_project_retention},
    {"retention", "list", "[--dry-run]",
     "put the closed projects whose retention ended, not under hold, on a\n"
     "new destruction list (--dry-run: only show them)",
     cmd_retention_list},
    {"retention", "show", "LIST", "show a destruction list",
     cmd_retention_show},
    {"retention", "confirm", "LIST",
     "confirm the destruction of the list's projects you lead (admin: all)",
     cmd_retention_confirm},
    {"retention", "run", "",
     "destroy every confirmed project that is due: personal data deleted,\n"
     "its data key crypto-shredded; audited",
     cmd_retention_run},
    {"protocol", "grant", "PROJECT PARTNER --rights R[,R...] [--fields F,...]",
     "admit a partner with rights leveren, bewerken and/or inlezen;\n"
     "--fields limits what it may read: adres, bsn, naam, geboortedatum",
     cmd_protocol_grant},
    {"protocol", "revoke", "PROJECT PARTNER [--rights R[,R...]]",
     "take rights away (all when --rights is absent), at once",
     cmd_protocol_revoke},
    {"protocol", "register", "PROJECT --date DATE --ref REFERENCE",
     "record the registration of the data-protection notification",
     cmd_protocol_register},
    {"protocol", "show", "PROJECT", "the partners and their rights",
     cmd_protocol_show},
    {"subject", "add",
     "PROJECT --street S --nr N [--toev T] --postcode PC --city PLACE\n"
     "      [--persons BSN[:NAME[:BIRTHDATE]],...] [--partners P,...]\n"
     "      [--codes C,...]",
     "add a verwondersubject (merged with an existing one at the same\n"
     "address); --partners names the partners with an interest",
     cmd_subject_add},
    {"subject", "import", "PROJECT FILE|- [--quiet]",
     "import subjects from a CSV file (see FILES FORMAT in ivtctl(1)):\n"
     "every row or none; bad rows are listed by line number",
     cmd_subject_import},
    {"subject", "show", "ID", "show a subject as you may see it (audited)",
     cmd_subject_show},
    {"subject", "list",
     "PROJECT [--status S] [--partner P] [--pending] [--after ID]\n"
     "      [--limit N]",
     "list a project's subjects; --partner gives that partner's work queue,\n"
     "--pending what it has still to answer (a partner: its own)",
     cmd_subject_list},
    {"subject", "find", "--bsn BSN | --address POSTCODE HUISNUMMER",
     "find subjects in the projects you may read, through the blind index",
     cmd_subject_find},
    {"subject", "actualise", "PROJECT [SUBJECT...]",
     "send selected subjects (default: all geselecteerd) to the partners\n"
     "with an interest", cmd_subject_actualise},
    {"subject", "answer", "SUBJECT relevant|vervallen|conflict [--reason R]",
     "your organisation's answer; vervallen and conflict need --reason",
     cmd_subject_answer},
    {"subject", "resolve", "SUBJECT --proceed|--drop --rationale TEXT",
     "decide a conflict as projectleider", cmd_subject_resolve},
    {"subject", "drop", "SUBJECT --rationale TEXT",
     "take a subject that is not planned out of the investigation\n"
     "(vervallen), as projectleider", cmd_subject_drop},
    {"subject", "revisit", "SUBJECT",
     "visit a gecontroleerd subject again where nobody was found\n"
     "(niet_aangetroffen): gereed again", cmd_subject_revisit},
    {"subject", "assign", "SUBJECT --to USER",
     "hand a gereed subject out by name to a partner's employee, outside\n"
     "a day", cmd_subject_assign},
    {"subject", "unassign", "SUBJECT",
     "take an assignment back: the subject is gereed again",
     cmd_subject_unassign},
    {"day", "create",
     "PROJECT --date DATE --start HH:MM --end HH:MM --area PC[,PC-PC...]\n"
     "      --meeting-point TEXT [--partners P=N,...] [--staff USER,...]\n"
     "      [--police present|backup|none] [--police-contact TEXT]\n"
     "      [--police-informed yes|no] [--teams N] [--visits-per-team N]",
     "plan an actiedag (concept): partners with their staff, named\n"
     "employees, police; it holds teams x visits-per-team visits (default\n"
     "1 x 8)", cmd_day_create},
    {"day", "update", "DAY [the options of day create]",
     "change a concept or bevestigd day; lists replace the old ones",
     cmd_day_update},
    {"day", "confirm", "DAY",
     "confirm a day: needs police present or back-up arranged, the local\n"
     "police informed and the operationele fase", cmd_day_confirm},
    {"day", "cancel", "DAY --reason TEXT",
     "cancel a day; its subjects are gereed again", cmd_day_cancel},
    {"day", "list", "[PROJECT] [--from DATE] [--to DATE] [--status S]",
     "the days you may see, by date", cmd_day_list},
    {"day", "show", "DAY",
     "a day with its visits per team; addresses only as the protocol\n"
     "lets you read them (audited)", cmd_day_show},
    {"day", "plan", "DAY SUBJECT... [--team N]",
     "plan gereed subjects on the day (all or none)", cmd_day_plan},
    {"day", "unplan", "DAY SUBJECT...",
     "take subjects off the day: gereed again", cmd_day_unplan},
    {"day", "suggest", "DAY",
     "propose ready subjects that fit the day, grouped by neighbourhood,\n"
     "with the reason for each", cmd_day_suggest},
    {"day", "export", "DAY --ics [--output FILE]",
     "the day as an iCalendar event, without personal data", cmd_day_export},
    {"my", NULL, "", "your upcoming actiedagen and the subjects assigned to "
     "you", cmd_my},
    {"day", "done", "DAY",
     "the day took place: its planned subjects become gecontroleerd",
     cmd_day_done},
    {"finding", "add",
     "SUBJECT --visit DATE [--day DAY] --category C --notes TEXT\n"
     "      [--action A --due DATE [--owner PARTNER]]",
     "record what your organisation found at a visit (needs leveren);\n"
     "C: geen_bijzonderheden, niet_aangetroffen, adresfraude,\n"
     "onrechtmatige_bewoning, uitkeringsfraude, zwartwerk, brandonveilig,\n"
     "illegale_verhuur, zorgsignaal, overig; A: brp_onderzoek,\n"
     "terugvordering, handhavingsbesluit, zorgmelding, nader_onderzoek, geen",
     cmd_finding_add},
    {"finding", "update",
     "ID [--category C] [--notes TEXT] [--action A] [--owner P] [--due D]",
     "change your organisation's finding; the old version is kept",
     cmd_finding_update},
    {"finding", "list", "SUBJECT",
     "findings on a subject: your own, and with inlezen all (audited)",
     cmd_finding_list},
    {"finding", "history", "ID", "every earlier version of a finding",
     cmd_finding_history},
    {"followup", "list", "PROJECT [--overdue]",
     "open follow-ups, by due date", cmd_followup_list},
    {"followup", "done", "FINDING",
     "mark a follow-up done; a subject whose follow-ups are all done\n"
     "becomes afgehandeld", cmd_followup_done},
    {"measure", "set",
     "PROJECT INDICATOR VALUE --phase 0|1 --source SOURCE [--date DATE]",
     "record an indicator of the 0-meting or 1-meting", cmd_measure_set},
    {"report", NULL, "PROJECT [--csv | --html FILE]",
     "the final report: aggregates only, counts below 5 suppressed;\n"
     "--html writes one self-contained file with charts", cmd_report},
    {"journal", "add", "PROJECT --kind KIND --note TEXT|- [--date DATE]",
     "add a journal entry (KIND: overleg, brainstorm, casusbespreking,\n"
     "besluit, overig); --note - reads the note from standard input",
     cmd_journal_add},
    {"journal", "list", "PROJECT", "read the project journal (audited)",
     cmd_journal_list},
    {"audit", "verify", "[--file FILE [--key KEY]]",
     "check the audit log's hash chain and checkpoint signatures; with\n"
     "--file, check an export offline, without the daemon, against KEY\n"
     "(the signing key that verify prints)",
     cmd_audit_verify},
    {"audit", "export", "FILE",
     "write the audit log to a new FILE as a self-verifying export\n"
     "(admin and privacy only)",
     cmd_audit_export},
    {"audit", "list",
     "[--actor NAME] [--org ORG] [--project N] [--activity ID]\n"
     "      [--result R] [--from T] [--to T] [--bsn BSN] [--after SEQ]\n"
     "      [--limit N]",
     "review the audit log (admin and privacy only); R is allowed, denied\n"
     "or error; T a date or UTC date-time; --bsn searches by pseudonym",
     cmd_audit_list},
    {"audit", "tail", "[--last N] [--follow]",
     "the last N entries (default 10); --follow keeps printing new entries\n"
     "as they are committed, until interrupted (admin and privacy only)",
     cmd_audit_tail},
    {"privacy", "register", "[--brief]",
     "the register of processing activities (AVG art. 30): purpose, legal\n"
     "basis, retention, data and recipients; --brief: ids and names only",
     cmd_privacy_register},
    {"privacy", "inzage", "--bsn BSN",
     "the report a citizen is owed under AVG art. 15: projects, data held,\n"
     "who received or read it and when, purposes, legal bases, retention\n"
     "(privacy officer only; audited)",
     cmd_privacy_inzage},
    {"key", "rotate", "[--no-wait]",
     "new master key version: re-wrap every key online, with progress;\n"
     "the old version is destroyed at the end",
     cmd_key_rotate},
    {"key", "status", "", "master key version and a running rotation",
     cmd_key_status},
    {"backup", NULL, "FILE",
     "write an online copy of the database to FILE, an absolute path that\n"
     "does not exist yet; the daemon writes it, as its own user",
     cmd_backup},
    {"service", "info", "",
     "show the daemon's vendor, product, version and interfaces",
     cmd_service_info},
    {"service", "describe", "INTERFACE",
     "print the varlink description of an interface", cmd_service_describe},
    {"call", NULL, "METHOD [JSON-PARAMS] [--more]",
     "call any method with a parameters object (default {}) and print the\n"
     "reply parameters as JSON; --more asks for a stream of replies",
     cmd_call},
};
#define NCMDS (sizeof(cmd_table) / sizeof(cmd_table[0]))

static const char *const global_usage =
    "usage: ivtctl [--socket PATH] [--json] [--trace] NOUN VERB [ARGS] "
    "[OPTIONS]\n"
    "       ivtctl --help | --version\n";

static void
usage_cmd(FILE *fp, const struct cmd_entry *ce)
{
	fprintf(fp, "ivtctl %s", ce->noun);
	if (ce->verb != NULL)
		fprintf(fp, " %s", ce->verb);
	if (ce->usage[0] != '\0')
		fprintf(fp, " %s", ce->usage);
	fputc('\n', fp);
}

/* Help text, every line indented. */
static void
print_help(FILE *fp, const char *help, const char *indent)
{
	const char *nl;

	while ((nl = strchr(help, '\n')) != NULL) {
		fprintf(fp, "%s%.*s\n", indent, (int)(nl - help), help);
		help = nl + 1;
	}
	fprintf(fp, "%s%s\n", indent, help);
}

static void
list_cmds(FILE *fp, const char *noun)
{
	size_t i;

	for (i = 0; i < NCMDS; i++) {
		if (noun != NULL && strcmp(cmd_table[i].noun, noun) != 0)
			continue;
		fputs("  ", fp);
		usage_cmd(fp, &cmd_table[i]);
		print_help(fp, cmd_table[i].help, "      ");
	}
}

static void
usage_all(FILE *fp)
{
	fputs(global_usage, fp);
	fputs("\noptions:\n"
	      "  --socket PATH  daemon socket (default $IVTD_SOCKET, "
	      "else " IVTCTL_DEFAULT_SOCKET ")\n"
	      "  --json         print the reply parameters as JSON\n"
	      "  --trace        print each reply's W3C traceparent to stderr\n"
	      "  -h, --help     show this help; after a noun, its verbs\n"
	      "  --version      print the version\n"
	      "\ncommands:\n",
	      fp);
	list_cmds(fp, NULL);
}

int
usage_error(struct ivtctl *ctx, const char *fmt, ...)
{
	va_list ap;

	fputs("ivtctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (ctx->cmd != NULL) {
		fputs("usage: ", stderr);
		usage_cmd(stderr, ctx->cmd);
	} else
		fputs(global_usage, stderr);
	return IVTCTL_EXIT_USAGE;
}

int
parse_ll(const char *s, long long min, long long max, long long *out)
{
	const char *p = s;
	char *end;
	long long v;

	/* strtoll() would skip white space and accept a '+'. */
	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Strict UTF-8: no overlong forms, surrogates or code points > U+10FFFF. */
static int
utf8_valid(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned long cp;
	int n, k;

	while (*s != '\0') {
		if (*s < 0x80) {
			s++;
			continue;
		} else if ((*s & 0xe0) == 0xc0) {
			n = 1;
			cp = *s & 0x1f;
		} else if ((*s & 0xf0) == 0xe0) {
			n = 2;
			cp = *s & 0x0f;
		} else if ((*s & 0xf8) == 0xf0) {
			n = 3;
			cp = *s & 0x07;
		} else
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[k] & 0xc0) != 0x80)
				return 0; /* also stops at the NUL */
			cp = (cp << 6) | (s[k] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		s += n + 1;
	}
	return 1;
}

/*
 * Does arg spell --name or --name=value?  *inl is the inline value or
 * NULL.
 */
static int
opt_match(const char *arg, const char *name, const char **inl)
{
	size_t len = strlen(name);

	if (arg[0] != '-' || arg[1] != '-' || strncmp(arg + 2, name, len) != 0)
		return 0;
	if (arg[2 + len] == '\0')
		*inl = NULL;
	else if (arg[2 + len] == '=')
		*inl = arg + 3 + len;
	else
		return 0;
	return 1;
}

/*
 * Take the value of an option at argv[*i]: inline, or the next argument
 * (taken verbatim, so "--uid -1" reaches the range check).
 */
static const char *
opt_value(int argc, char **argv, int *i, const char *inl)
{
	if (inl != NULL)
		return inl;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

int
opt_from_stdin(struct ivtctl *ctx, struct opt *o)
{
	size_t n = 0;
	ssize_t r;
	char ch;

	if (o->value == NULL || strcmp(o->value, "-") != 0)
		return 0;
	if (isatty(0))
		fprintf(stderr, "%s: ", o->name);
	/* A byte at a time, so no stdio buffer keeps a copy. */
	while ((r = read(0, &ch, 1)) == 1 && ch != '\n') {
		if (n + 1 >= sizeof(ctx->secret))
			return usage_error(ctx, "--%s -: the line is too long",
			                   o->name);
		/* It would cut the value short without a word. */
		if (ch == '\0')
			return usage_error(
			    ctx, "--%s -: a NUL byte in the line", o->name);
		ctx->secret[n++] = ch;
	}
	if (r == -1 || (r == 0 && n == 0))
		return usage_error(ctx, "--%s -: nothing on standard input",
		                   o->name);
	if (n > 0 && ctx->secret[n - 1] == '\r')
		n--;
	ctx->secret[n] = '\0';
	if (!utf8_valid(ctx->secret))
		return usage_error(ctx, "--%s -: not valid UTF-8", o->name);
	o->value = ctx->secret;
	return 0;
}

int
args_parse(struct ivtctl *ctx, int argc, char **argv, struct opt *opts, int min,
           int max, struct args *a)
{
	struct opt *o;
	const char *arg, *inl, *val;
	int i, nopts = 0, matched;

	a->pos = argv;
	a->npos = 0;
	a->status = IVTCTL_EXIT_USAGE;
	for (o = opts; o != NULL && o->name != NULL; o++)
		o->value = NULL;
	for (i = 0; i < argc; i++) {
		arg = argv[i];
		if (!utf8_valid(arg)) {
			usage_error(ctx, "argument %d is not valid UTF-8",
			            i + 1);
			return -1;
		}
		if (nopts || arg[0] != '-' || arg[1] == '\0') {
			/* Positionals move to the front, in order. */
			argv[a->npos++] = argv[i];
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			nopts = 1;
			continue;
		}
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			fputs("usage: ", stdout);
			usage_cmd(stdout, ctx->cmd);
			print_help(stdout, ctx->cmd->help, "");
			a->status = IVTCTL_EXIT_OK;
			return -1;
		}
		matched = 0;
		for (o = opts; o != NULL && o->name != NULL; o++) {
			if (!opt_match(arg, o->name, &inl))
				continue;
			matched = 1;
			if (o->value != NULL) {
				usage_error(ctx, "--%s given twice", o->name);
				return -1;
			}
			if (!o->has_arg) {
				if (inl != NULL) {
					usage_error(ctx, "--%s takes no value",
					            o->name);
					return -1;
				}
				o->value = "";
				break;
			}
			val = opt_value(argc, argv, &i, inl);
			if (val == NULL) {
				usage_error(ctx, "--%s needs a value", o->name);
				return -1;
			}
			if (!utf8_valid(val)) {
				usage_error(ctx, "--%s is not valid UTF-8",
				            o->name);
				return -1;
			}
			o->value = val;
			break;
		}
		if (matched)
			continue;
		/* The global options, also accepted after the verb. */
		if (opt_match(arg, "json", &inl) && inl == NULL) {
			ctx->json = 1;
			continue;
		}
		if (opt_match(arg, "trace", &inl) && inl == NULL) {
			ctx->trace = 1;
			continue;
		}
		if (opt_match(arg, "socket", &inl)) {
			if ((val = opt_value(argc, argv, &i, inl)) == NULL) {
				usage_error(ctx, "--socket needs a value");
				return -1;
			}
			ctx->socket_path = val;
			continue;
		}
		usage_error(ctx, "unknown option %s", arg);
		return -1;
	}
	if (a->npos < min) {
		usage_error(ctx, "missing argument");
		return -1;
	}
	if (max >= 0 && a->npos > max) {
		usage_error(ctx, "too many arguments");
		return -1;
	}
	a->status = IVTCTL_EXIT_OK;
	return 0;
}

/* Global options before the noun.  Returns the index of the noun, or -1
 * with *status set when ivtctl must exit. */
static int
parse_global(struct ivtctl *ctx, int argc, char **argv, int *status)
{
	const char *arg, *inl, *val;
	int i;

	for (i = 1; i < argc; i++) {
		arg = argv[i];
		if (arg[0] != '-' || arg[1] == '\0')
			break;
		if (strcmp(arg, "--") == 0)
			return i + 1;
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			usage_all(stdout);
			*status = IVTCTL_EXIT_OK;
			return -1;
		}
		if (strcmp(arg, "--version") == 0) {
			printf("ivtctl %s\n", IVT_VERSION);
			*status = IVTCTL_EXIT_OK;
			return -1;
		}
		if (strcmp(arg, "--json") == 0) {
			ctx->json = 1;
			continue;
		}
		if (strcmp(arg, "--trace") == 0) {
			ctx->trace = 1;
			continue;
		}
		if (opt_match(arg, "socket", &inl)) {
			if ((val = opt_value(argc, argv, &i, inl)) == NULL) {
				*status =
				    usage_error(ctx, "--socket needs a value");
				return -1;
			}
			ctx->socket_path = val;
			continue;
		}
		*status = usage_error(ctx, "unknown option %s", arg);
		return -1;
	}
	return i;
}

static const struct cmd_entry *
find_cmd(const char *noun, const char *verb)
{
	size_t i;

	for (i = 0; i < NCMDS; i++) {
		if (strcmp(cmd_table[i].noun, noun) != 0)
			continue;
		if (verb == NULL || cmd_table[i].verb == NULL ||
		    strcmp(cmd_table[i].verb, verb) == 0)
			return &cmd_table[i];
	}
	return NULL;
}

/* Find the command at argv[i]; returns it with *next the index of its
 * first argument, or NULL with *status set. */
static const struct cmd_entry *
lookup(struct ivtctl *ctx, int argc, char **argv, int i, int *next, int *status)
{
	const struct cmd_entry *ce;
	const char *noun = argv[i], *verb;

	if ((ce = find_cmd(noun, NULL)) == NULL) {
		*status = usage_error(ctx, "unknown command %s", noun);
		return NULL;
	}
	if (ce->verb == NULL) {
		*next = i + 1;
		return ce;
	}
	verb = i + 1 < argc ? argv[i + 1] : NULL;
	if (verb != NULL &&
	    (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0)) {
		printf("usage: ivtctl %s VERB ...\n\n%s commands:\n", noun,
		       noun);
		list_cmds(stdout, noun);
		*status = IVTCTL_EXIT_OK;
		return NULL;
	}
	if (verb == NULL || (ce = find_cmd(noun, verb)) == NULL) {
		if (verb == NULL)
			out_err("%s: missing verb", noun);
		else
			out_err("unknown command %s %s", noun, verb);
		fprintf(stderr, "%s commands:\n", noun);
		list_cmds(stderr, noun);
		*status = IVTCTL_EXIT_USAGE;
		return NULL;
	}
	*next = i + 2;
	return ce;
}

int
main(int argc, char **argv)
{
	struct ivtctl ctx;
	const char *env;
	int i, next = 0, status = IVTCTL_EXIT_OK, rc;

	ivt_json_wipe_on_free(); /* replies hold personal data */
	memset(&ctx, 0, sizeof(ctx));
	ctx.fd = -1;
	ivt_framer_init(&ctx.framer, IVTCTL_REPLY_MAX);

	if ((i = parse_global(&ctx, argc, argv, &status)) < 0)
		goto out;
	if (i >= argc) {
		status = usage_error(&ctx, "missing command");
		goto out;
	}
	if ((ctx.cmd = lookup(&ctx, argc, argv, i, &next, &status)) == NULL)
		goto out;
	if (ctx.socket_path == NULL) {
		env = getenv("IVTD_SOCKET");
		ctx.socket_path =
		    env != NULL && env[0] != '\0' ? env : IVTCTL_DEFAULT_SOCKET;
	}
	status = ctx.cmd->exec(&ctx, argc - next, argv + next);
out:
	conn_close(&ctx);
	ivt_framer_free(&ctx.framer);
	explicit_bzero(ctx.secret, sizeof(ctx.secret));
	rc = out_finish();
	return status != IVTCTL_EXIT_OK ? status : rc;
}
