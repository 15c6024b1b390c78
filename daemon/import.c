/*
 * import.c - bulk import of verwondersubjecten from CSV (nl.ivtd.Import).
 *
 * A file of many thousands of rows does not fit one varlink message, and
 * the import must be all or nothing.  So the client opens a session
 * (Begin), streams the file in chunks (Chunk: every row is validated at
 * once and bad rows are reported by line number, so the user sees
 * progress and errors while sending), and Commit stores every row in one
 * transaction, or nothing when any row was bad.
 *
 * Sessions live in memory only, one per user, and hold the raw text until
 * Commit re-reads it: keeping the text (a few MiB for 100 000 rows) is far
 * smaller than keeping validated records.  The text is personal data, so
 * it is wiped whenever a session ends.  A daemon restart ends every
 * session; nothing of an uncommitted import reaches the disk.
 *
 * Commit runs in one call, so a very large import holds the event loop for
 * its duration (about a second per 10 000-30 000 rows); the limits below
 * bound it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "access.h"
#include "csv.h"
#include "ivt/wire.h"
#include "import.h"
#include "subject.h"
#include "validate.h"
#include "varlink.h"

#define IMPORT_SESSIONS_MAX 16
/*
 * A commit holds the event loop while it stores the rows (about 8 s for
 * 100 000 on a 2-core machine), so the row limit bounds how long other
 * users wait.  The byte limits bound memory: per import, for all imports
 * together, and a partner organisation holds at most IMPORT_ORG_MAX of
 * the sessions, so one organisation cannot lock the others out.
 */
#define IMPORT_BYTES_MAX   (32u * 1024 * 1024)
#define IMPORT_BYTES_TOTAL (128u * 1024 * 1024)
#define IMPORT_ROWS_MAX    200000
#define IMPORT_ORG_MAX     4
#define IMPORT_IDLE_US     (30LL * 60 * 1000000) /* 30 minutes */
#define IMPORT_ERRORS_MAX  1000 /* row errors reported; all are counted */
#define IMPORT_LIST_SEP    '|'  /* between names in belang, indicatoren */
/* Page cache while committing: 100 000 rows touch some 100 MiB of index
 * pages at random; 64 MiB keeps most in memory (twice as fast). */
#define IMPORT_CACHE_KIB (64 * 1024)
/* Lookups every row needs, answered from memory: at most this many area
 * ranges (more: ask the database) and partner names. */
#define IMPORT_AREAS_MAX 256
#define IMPORT_NAMES_MAX 32

/* The documented columns (ivtctl(1)); the first four are required. */
enum column {
	COL_STRAAT,
	COL_HUISNUMMER,
	COL_POSTCODE,
	COL_WOONPLAATS,
	COL_TOEVOEGING,
	COL_BSN,
	COL_NAAM,
	COL_GEBOORTEDATUM,
	COL_BELANG,
	COL_INDICATOREN,
	NCOLUMNS
};
#define NREQUIRED 4

static const char *const column_names[NCOLUMNS] = {
    "straat", "huisnummer", "postcode",      "woonplaats", "toevoeging",
    "bsn",    "naam",       "geboortedatum", "belang",     "indicatoren",
};

struct import {
	char token[33];
	uid_t uid;
	int64_t org; /* partner organisation, 0 for gemeente roles */
	int64_t project;
	int64_t touched; /* last use, for the idle limit */
	struct csv *csv; /* validating reader over the chunks so far */
	int header;      /* the header line was read */
	int header_ok;
	int complete;        /* the last chunk arrived */
	int where[NCOLUMNS]; /* field index of each column, -1 absent */
	int nfields;         /* fields per row: the header's */
	size_t rows, bad;    /* data rows read, rows with an error */
	char *text;          /* every chunk, for Commit to read again */
	size_t len, cap;
	struct subject_in in; /* scratch, wiped after each row */
	int nareas;           /* -1: too many to hold, ask the database */
	struct {
		char from[7], to[7];
	} areas[IMPORT_AREAS_MAX];
	int nnames;
	struct {
		char name[SUBJECT_NAME_MAX + 1];
		int64_t id;
	} names[IMPORT_NAMES_MAX];
};

/* Per-read context handed through the CSV callback. */
struct pass {
	struct call *c;
	struct import *im;
	json_t *errors; /* Chunk: row errors to report, or NULL */
	int store;      /* Commit: store the rows */
	size_t subjects, merged;
};

static struct import *sessions[IMPORT_SESSIONS_MAX];
static size_t import_bytes; /* text buffers of all sessions */
static struct event *sweep; /* drops idle sessions every minute */

static void
import_free(struct import *im)
{
	if (im == NULL)
		return;
	csv_free(im->csv);
	if (im->text != NULL) {
		explicit_bzero(im->text, im->cap);
		free(im->text);
		import_bytes -= im->cap;
	}
	explicit_bzero(im, sizeof(*im));
	free(im);
}

void
import_free_all(void)
{
	size_t i;

	for (i = 0; i < IMPORT_SESSIONS_MAX; i++) {
		import_free(sessions[i]);
		sessions[i] = NULL;
	}
}

/*
 * Drop sessions idle for too long, and with mine the caller's own.  Run on
 * every import call and by a timer each minute: an abandoned import's
 * data leaves memory within a minute of its idle limit.
 */
static void
expire(uid_t uid, int mine)
{
	int64_t now = store_now_us();
	size_t i;

	for (i = 0; i < IMPORT_SESSIONS_MAX; i++) {
		if (sessions[i] != NULL &&
		    ((mine && sessions[i]->uid == uid) ||
		     now - sessions[i]->touched > IMPORT_IDLE_US)) {
			import_free(sessions[i]);
			sessions[i] = NULL;
		}
	}
}

static void
sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	expire((uid_t)-1, 0);
}

int
import_attach(struct event_base *base)
{
	struct timeval minute = {60, 0};

	if ((sweep = event_new(base, -1, EV_PERSIST, sweep_cb, NULL)) == NULL)
		return -1;
	return event_add(sweep, &minute);
}

void
import_detach(void)
{
	/* The sessions themselves end in varlink_free(), with dispatch. */
	if (sweep != NULL)
		event_free(sweep);
	sweep = NULL;
}

/* Sessions held by the caller's organisation (partners only). */
static int
org_sessions(int64_t org)
{
	int i, n = 0;

	for (i = 0; i < IMPORT_SESSIONS_MAX; i++)
		n += sessions[i] != NULL && org != 0 && sessions[i]->org == org;
	return n;
}

static struct import *
find(struct call *c)
{
	const char *token = ivt_json_str(c->params, "session");
	size_t i;

	expire(c->who.uid, 0);
	for (i = 0; i < IMPORT_SESSIONS_MAX; i++) {
		/* Another user's token is as good as none. */
		if (sessions[i] != NULL && sessions[i]->uid == c->who.uid &&
		    strcmp(sessions[i]->token, token) == 0)
			return sessions[i];
	}
	call_not_found(c, "import", token);
	return NULL;
}

static void
forget(struct import *im)
{
	size_t i;

	for (i = 0; i < IMPORT_SESSIONS_MAX; i++) {
		if (sessions[i] == im)
			sessions[i] = NULL;
	}
	import_free(im);
}

/* --- rows -------------------------------------------------------------- */

static void
row_error(struct pass *ps, size_t line, const char *column, const char *why)
{
	json_t *e;

	if (ps->errors == NULL ||
	    json_array_size(ps->errors) >= IMPORT_ERRORS_MAX)
		return;
	/* The reason never holds the value: it may be personal data. */
	e = json_pack("{s:I,s:s,s:s}", "line", (json_int_t)line, "column",
	              column, "reason", why);
	if (e != NULL)
		json_array_append_new(ps->errors, e);
}

static int
read_header(struct pass *ps, const struct csv_record *r)
{
	struct import *im = ps->im;
	char name[32];
	size_t k;
	int i, j;

	im->header = 1;
	im->nfields = r->nfields;
	for (j = 0; j < NCOLUMNS; j++)
		im->where[j] = -1;
	/* A bad header counts as a bad row: Commit refuses the file. */
	im->bad = 1;
	if (r->error != NULL) {
		row_error(ps, r->line, "", r->error);
		return 0;
	}
	for (i = 0; i < r->nfields; i++) {
		/* Spreadsheets add spaces and capitals; names are ASCII. */
		snprintf(name, sizeof(name), "%s", r->field[i]);
		for (k = 0; name[k] != '\0'; k++)
			if (name[k] >= 'A' && name[k] <= 'Z')
				name[k] = (char)(name[k] - 'A' + 'a');
		for (j = 0; j < NCOLUMNS; j++)
			if (strcmp(name, column_names[j]) == 0)
				break;
		if (j == NCOLUMNS) {
			row_error(ps, r->line, "",
			          "unknown column in the header");
			return 0;
		}
		if (im->where[j] != -1) {
			row_error(ps, r->line, column_names[j],
			          "column appears twice in the header");
			return 0;
		}
		im->where[j] = i;
	}
	for (j = 0; j < NREQUIRED; j++) {
		if (im->where[j] == -1) {
			row_error(ps, r->line, column_names[j],
			          "required column missing from the header");
			return 0;
		}
	}
	im->header_ok = 1;
	im->bad = 0;
	return 0;
}

/* The field of column col in r, "" when the file has no such column. */
static const char *
field(const struct import *im, const struct csv_record *r, enum column col)
{
	return im->where[col] == -1 ? "" : r->field[im->where[col]];
}

/*
 * Load the project's area ranges, so that a row's area check is a few
 * string compares instead of a query.  Called at Begin and again at
 * Commit, inside its transaction, so the rows are checked against the
 * area as it is when they are stored.
 */
static int
load_areas(struct call *c, struct import *im)
{
	static const char sql[] = "SELECT pc_from, pc_to FROM project_areas "
	                          "WHERE project_id = ?";
	sqlite3_stmt *st;
	int rc;

	if ((st = store_prepare(c->ctx->store, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, im->project);
	im->nareas = 0;
	im->nnames = 0; /* partners may have changed as well */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (im->nareas == IMPORT_AREAS_MAX) {
			im->nareas = -1;
			break;
		}
		snprintf(im->areas[im->nareas].from, 7, "%s",
		         (const char *)sqlite3_column_text(st, 0));
		snprintf(im->areas[im->nareas].to, 7, "%s",
		         (const char *)sqlite3_column_text(st, 1));
		im->nareas++;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* subject_in_area from memory: 1 inside, 0 outside, -1 error. */
static int
in_area(struct pass *ps, const char *pc)
{
	struct import *im = ps->im;
	int i;

	if (im->nareas < 0)
		return subject_in_area(ps->c->ctx->store, im->project, pc);
	for (i = 0; i < im->nareas; i++) {
		if (strcmp(pc, im->areas[i].from) >= 0 &&
		    strcmp(pc, im->areas[i].to) <= 0)
			return 1;
	}
	return 0;
}

/* partner_id_by_name, remembering the names a file repeats. */
static int64_t
partner_id(struct pass *ps, const char *name)
{
	struct import *im = ps->im;
	int64_t id;
	int i;

	for (i = 0; i < im->nnames; i++) {
		if (strcmp(im->names[i].name, name) == 0)
			return im->names[i].id;
	}
	id = partner_id_by_name(ps->c->ctx->store, name);
	if (id > 0 && im->nnames < IMPORT_NAMES_MAX) {
		snprintf(im->names[im->nnames].name, sizeof(im->names[0].name),
		         "%s", name);
		im->names[im->nnames++].id = id;
	}
	return id;
}

/* Apply each '|'-separated item of v; NULL or the first reason. */
static const char *
each_item(struct pass *ps, const char *v, int partners)
{
	struct subject_in *in = &ps->im->in;
	char item[SUBJECT_NAME_MAX + 1];
	const char *end, *why;
	size_t n;
	int64_t id;

	for (; *v != '\0'; v = *end ? end + 1 : end) {
		if ((end = strchr(v, IMPORT_LIST_SEP)) == NULL)
			end = v + strlen(v);
		n = (size_t)(end - v);
		if (n >= sizeof(item))
			return "name too long";
		memcpy(item, v, n);
		item[n] = '\0';
		if (!partners) {
			if ((why = subject_add_code(in, item)) != NULL)
				return why;
			continue;
		}
		if (in->npartners >= SUBJECT_PARTNERS_MAX)
			return "too many partners";
		if ((id = partner_id(ps, item)) <= 0)
			return id < 0 ? "cannot look up the partner"
			              : "unknown partner";
		in->partners[in->npartners++] = id;
	}
	return NULL;
}

/* Validate one data row into im->in.  NULL, or the reason and *col. */
static const char *
check_row(struct pass *ps, const struct csv_record *r, const char **col)
{
	static const struct {
		enum column col;
		const char *(*set)(struct subject_in *, const char *);
	} address[] = {
	    {COL_STRAAT, subject_set_street},
	    {COL_HUISNUMMER, subject_set_huisnummer},
	    {COL_TOEVOEGING, subject_set_toevoeging},
	    {COL_POSTCODE, subject_set_postcode},
	    {COL_WOONPLAATS, subject_set_woonplaats},
	};
	struct import *im = ps->im;
	const char *why, *bsn;
	size_t i;
	int rc;

	*col = "";
	if (r->error != NULL)
		return r->error;
	if (r->nfields != im->nfields)
		return "number of fields differs from the header";
	for (i = 0; i < sizeof(address) / sizeof(address[0]); i++) {
		*col = column_names[address[i].col];
		if ((why = address[i].set(
		         &im->in, field(im, r, address[i].col))) != NULL)
			return why;
	}
	*col = column_names[COL_POSTCODE];
	if ((rc = in_area(ps, im->in.postcode)) != 1)
		return rc == 0 ? "outside the project area"
		               : "cannot check the project area";
	bsn = field(im, r, COL_BSN);
	*col = column_names[COL_BSN];
	if (*bsn != '\0') {
		if ((why = subject_add_person(
		         &im->in, bsn, field(im, r, COL_NAAM),
		         field(im, r, COL_GEBOORTEDATUM))) != NULL)
			return why;
	} else if (*field(im, r, COL_NAAM) != '\0' ||
	           *field(im, r, COL_GEBOORTEDATUM) != '\0')
		return "a person needs a BSN";
	*col = column_names[COL_BELANG];
	if ((why = each_item(ps, field(im, r, COL_BELANG), 1)) != NULL)
		return why;
	*col = column_names[COL_INDICATOREN];
	return each_item(ps, field(im, r, COL_INDICATOREN), 0);
}

static int
on_record(void *arg, const struct csv_record *r)
{
	struct pass *ps = arg;
	struct import *im = ps->im;
	const char *why, *col;
	int64_t id;
	int merged, rc = 0;

	if (!im->header)
		return read_header(ps, r);
	if (!im->header_ok)
		return 0; /* rows of an unreadable header mean nothing */
	if (++im->rows > IMPORT_ROWS_MAX)
		return 1;
	if ((why = check_row(ps, r, &col)) != NULL) {
		im->bad++;
		row_error(ps, r->line, col, why);
	} else if (ps->store) {
		if (subject_store(ps->c, im->project, &im->in, &id, &merged) ==
		    -1)
			rc = -1;
		ps->subjects += !merged;
		ps->merged += merged != 0;
	}
	explicit_bzero(&im->in, sizeof(im->in));
	return rc;
}

/* --- methods ----------------------------------------------------------- */

static int
import_begin(struct call *c)
{
	int64_t project = ivt_json_int(c->params, "project", 0);
	struct import *im;
	uint8_t raw[16];
	size_t i, own = IMPORT_SESSIONS_MAX;
	int org_used;

	if (subject_may_deliver(c, project) == -1)
		return -1;
	/* The caller's own session is replaced, but only by a session that
	 * can be had: a refused Begin leaves it (and its upload) as it was. */
	expire(c->who.uid, 0);
	for (i = 0; i < IMPORT_SESSIONS_MAX; i++) {
		if (sessions[i] != NULL && sessions[i]->uid == c->who.uid)
			own = i;
	}
	for (i = 0; i < IMPORT_SESSIONS_MAX && sessions[i] != NULL; i++)
		;
	if (i == IMPORT_SESSIONS_MAX)
		i = own;
	org_used = c->who.role == ROLE_PARTNER
	               ? org_sessions(c->who.partner_id) -
	                     (own != IMPORT_SESSIONS_MAX &&
	                      sessions[own]->org == c->who.partner_id)
	               : 0;
	if (i == IMPORT_SESSIONS_MAX || org_used >= IMPORT_ORG_MAX)
		return call_fail(c, "nl.ivtd.Conflict", "{s:s}", "reason",
		                 "too many imports in progress; try later");
	if ((im = calloc(1, sizeof(*im))) == NULL ||
	    (im->csv = csv_new(0)) == NULL) {
		import_free(im);
		return call_internal(c);
	}
	crypto_random(raw, sizeof(raw));
	crypto_hex(raw, sizeof(raw), im->token);
	im->uid = c->who.uid;
	im->org = c->who.role == ROLE_PARTNER ? c->who.partner_id : 0;
	im->project = project;
	im->touched = store_now_us();
	if (load_areas(c, im) == -1) {
		import_free(im);
		return call_internal(c);
	}
	if (own != IMPORT_SESSIONS_MAX) {
		import_free(sessions[own]);
		sessions[own] = NULL;
	}
	sessions[i] = im;
	call_object(c, "project:%lld", (long long)project);
	c->reply = json_pack("{s:s}", "session", im->token);
	return c->reply ? 0 : call_internal(c);
}

/* Keep a copy of data for Commit: 0, 1 over the daemon-wide budget, -1. */
static int
keep_text(struct import *im, const char *data, size_t len)
{
	size_t ncap;
	char *nt;

	if (len == 0)
		return 0;
	if (im->cap - im->len >= len)
		goto copy;
	for (ncap = im->cap ? im->cap : 65536; ncap - im->len < len;)
		ncap *= 2;
	if (ncap > IMPORT_BYTES_MAX) /* the caller checked len fits */
		ncap = IMPORT_BYTES_MAX;
	/* The old block stays until the copy is made: count both. */
	if (import_bytes + ncap > IMPORT_BYTES_TOTAL)
		return 1;
	/* Not realloc: the old block must be wiped, not left to free(). */
	if ((nt = malloc(ncap)) == NULL)
		return -1;
	import_bytes += ncap;
	if (im->len > 0)
		memcpy(nt, im->text, im->len);
	if (im->text != NULL) {
		explicit_bzero(im->text, im->cap);
		free(im->text);
		import_bytes -= im->cap;
	}
	im->text = nt;
	im->cap = ncap;
copy:
	memcpy(im->text + im->len, data, len);
	im->len += len;
	return 0;
}

/* Read data through the session's reader; at the end, finish it. */
static int
feed(struct pass *ps, const char *data, size_t len, int last)
{
	struct import *im = ps->im;
	const char *why;
	size_t line;
	int rc;

	if ((rc = csv_feed(im->csv, data, len, on_record, ps)) != 0 || !last)
		return rc;
	im->complete = 1;
	if ((rc = csv_finish(im->csv, on_record, ps)) == -2) {
		why = csv_error(im->csv, &line);
		im->bad++;
		row_error(ps, line, "", why);
		rc = 0;
	}
	if (rc == 0 && !im->header) {
		im->bad++;
		row_error(ps, 1, "", "the file is empty");
	}
	return rc;
}

static int
pass_failed(struct call *c, struct pass *ps, int rc)
{
	json_decref(ps->errors);
	ps->errors = NULL;
	if (c->error != NULL)
		return -1; /* subject_store failed the call already */
	if (rc == 1)
		return call_invalid(c, "data", "more than 200000 rows");
	return call_internal(c);
}

static int
import_chunk(struct call *c)
{
	const json_t *d = json_object_get(c->params, "data");
	int64_t offset = ivt_json_int(c->params, "offset", -1);
	int last = json_is_true(json_object_get(c->params, "last"));
	struct pass ps = {c, NULL, NULL, 0, 0, 0};
	size_t len = json_string_length(d);
	int rc;

	if ((ps.im = find(c)) == NULL ||
	    subject_may_deliver(c, ps.im->project) == -1)
		return -1;
	/* A resent or lost chunk would double or drop rows. */
	if (ps.im->complete || offset != (int64_t)ps.im->len)
		return call_fail(c, "nl.ivtd.Conflict", "{s:s}", "reason",
		                 "chunk does not continue the import");
	if (ps.im->len + len > IMPORT_BYTES_MAX)
		return call_invalid(c, "data", "import larger than 32 MiB");
	if ((rc = keep_text(ps.im, json_string_value(d), len)) != 0)
		return rc == 1
		           ? call_fail(c, "nl.ivtd.Conflict", "{s:s}", "reason",
		                       "the daemon holds too many "
		                       "imports now; try later")
		           : call_internal(c);
	if ((ps.errors = json_array()) == NULL)
		return call_internal(c);
	if ((rc = feed(&ps, json_string_value(d), len, last)) != 0)
		return pass_failed(c, &ps, rc);
	/* Only progress keeps an import alive, not calls that fail. */
	ps.im->touched = store_now_us();
	c->reply =
	    json_pack("{s:I,s:I,s:o}", "rows", (json_int_t)ps.im->rows, "bad",
	              (json_int_t)ps.im->bad, "errors", ps.errors);
	return c->reply ? 0 : call_internal(c);
}

static int
invalid_rows(struct call *c, struct import *im, json_t *errors)
{
	return call_fail(c, "nl.ivtd.Import.InvalidRows", "{s:I,s:o}", "bad",
	                 (json_int_t)im->bad, "errors",
	                 errors != NULL ? errors : json_array());
}

static int
import_commit(struct call *c)
{
	struct pass ps = {c, NULL, NULL, 1, 0, 0};
	struct import *im;
	int rc, can_read;

	if ((im = ps.im = find(c)) == NULL ||
	    subject_may_deliver(c, im->project) == -1)
		return -1;
	call_object(c, "project:%lld", (long long)im->project);
	if (!im->complete)
		return call_fail(c, "nl.ivtd.Conflict", "{s:s}", "reason",
		                 "the import is not complete");
	if (im->bad > 0)
		return invalid_rows(c, im, NULL);
	if (im->rows == 0)
		return call_invalid(c, "data", "the file has no rows");
	/*
	 * Read everything again, now storing.  The project area or the
	 * partners may have changed since the chunks were checked, so
	 * every row is validated again; one bad row undoes them all.
	 */
	csv_free(im->csv);
	im->csv = NULL;
	if (load_areas(c, im) == -1 || (im->csv = csv_new(0)) == NULL ||
	    (ps.errors = json_array()) == NULL)
		return call_internal(c);
	im->header = im->header_ok = im->complete = 0;
	im->rows = im->bad = 0;
	store_cache_kib(c->ctx->store, IMPORT_CACHE_KIB);
	rc = feed(&ps, im->text, im->len, 1);
	store_cache_kib(c->ctx->store, STORE_CACHE_KIB);
	if (rc != 0)
		return pass_failed(c, &ps, rc);
	if (im->bad > 0)
		return invalid_rows(c, im, ps.errors);
	json_decref(ps.errors);
	/* How many rows met subjects already there says what the project
	 * held: not for a deliverer who may not read (Subject.Create). */
	if ((can_read = access_can(c, im->project, ACC_INLEZEN)) == -1)
		return call_internal(c);
	c->reply =
	    can_read ? json_pack("{s:I,s:I,s:I}", "rows", (json_int_t)im->rows,
	                         "subjects", (json_int_t)ps.subjects, "merged",
	                         (json_int_t)ps.merged)
	             : json_pack("{s:I}", "rows", (json_int_t)im->rows);
	forget(im);
	return c->reply ? 0 : call_internal(c);
}

static int
import_abort(struct call *c)
{
	struct import *im;

	if ((im = find(c)) == NULL)
		return -1;
	call_object(c, "project:%lld", (long long)im->project);
	forget(im);
	c->reply = json_object();
	return c->reply ? 0 : call_internal(c);
}

/* Begin and Abort are audited too: citizens' data is received, or thrown
 * away, even when no commit follows. */
const struct method import_methods[] = {
    {"nl.ivtd.Import.Begin", import_begin, ROLE_ANY, M_WRITE, "ivt-04"},
    {"nl.ivtd.Import.Chunk", import_chunk, ROLE_ANY, 0, "ivt-04"},
    {"nl.ivtd.Import.Commit", import_commit, ROLE_ANY, M_WRITE, "ivt-04"},
    {"nl.ivtd.Import.Abort", import_abort, ROLE_ANY, M_WRITE, "ivt-04"},
    {NULL, NULL, 0, 0, NULL},
};
