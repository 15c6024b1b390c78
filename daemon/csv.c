/*
 * csv.c - streaming CSV reader (see csv.h).
 *
 * A byte-at-a-time state machine over a fixed record buffer: no
 * allocation per record, so a 100 000-row import costs one struct.  The
 * first line is held back until it is complete, because the separator
 * and the byte order mark are decided on it.
 */
#include <stdlib.h>
#include <string.h>

#include "csv.h"

enum state {
	S_START,  /* at the start of a field */
	S_PLAIN,  /* inside an unquoted field */
	S_QUOTED, /* inside a quoted field */
	S_QUOTE,  /* a quote inside a quoted field: end, or "" */
};

struct csv {
	char sep;
	int head_done; /* the first line went through the machine */
	enum state state;
	size_t line;     /* current line */
	size_t rec_line; /* line where the record started */
	int nfields;
	size_t off[CSV_MAX_FIELDS]; /* field starts in buf */
	size_t fstart;              /* start of the current field in buf */
	size_t len;                 /* bytes used in buf */
	size_t flen;                /* bytes in the current field */
	int empty;                  /* nothing seen in this record yet */
	const char *error;          /* the record's error */
	const char *fatal;
	size_t fatal_line;
	/* Fields and their NULs; one spare byte per field for the NUL. */
	char buf[CSV_RECORD_MAX + CSV_MAX_FIELDS + 1];
	size_t hlen; /* bytes of the first line held back */
	char head[CSV_RECORD_MAX];
};

struct csv *
csv_new(char sep)
{
	struct csv *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->sep = sep;
	p->line = p->rec_line = 1;
	p->empty = 1;
	return p;
}

void
csv_free(struct csv *p)
{
	if (p == NULL)
		return;
	/* The buffers held citizens' data. */
	explicit_bzero(p, sizeof(*p));
	free(p);
}

char
csv_sep(const struct csv *p)
{
	return p->head_done ? p->sep : 0;
}

const char *
csv_error(const struct csv *p, size_t *line)
{
	if (line != NULL)
		*line = p->fatal_line;
	return p->fatal;
}

static void
bad(struct csv *p, const char *why)
{
	/* The first reason is the one worth reporting. */
	if (p->error == NULL)
		p->error = why;
}

static void
put(struct csv *p, char c)
{
	if (c == '\0') {
		bad(p, "NUL byte in the data");
		return;
	}
	if (p->flen >= CSV_FIELD_MAX) {
		bad(p, "field longer than 1024 bytes");
		return;
	}
	if (p->len >= CSV_RECORD_MAX + (size_t)p->nfields) {
		bad(p, "record longer than 8192 bytes");
		return;
	}
	p->buf[p->len++] = c;
	p->flen++;
}

static void
end_field(struct csv *p)
{
	if (p->nfields >= CSV_MAX_FIELDS) {
		bad(p, "more than 32 fields");
		p->len = p->fstart; /* drop it: the record is bad anyway */
	} else {
		p->buf[p->len++] = '\0';
		p->off[p->nfields++] = p->fstart;
	}
	p->fstart = p->len;
	p->flen = 0;
	p->state = S_START;
}

static void
reset(struct csv *p)
{
	p->nfields = 0;
	p->len = p->flen = p->fstart = 0;
	p->empty = 1;
	p->error = NULL;
	p->state = S_START;
	p->rec_line = p->line;
}

static int
end_record(struct csv *p, csv_cb cb, void *arg)
{
	struct csv_record r;
	int i, rc;

	if (p->empty) { /* a blank line */
		reset(p);
		return 0;
	}
	end_field(p);
	r.line = p->rec_line;
	r.nfields = p->nfields;
	for (i = 0; i < p->nfields; i++)
		r.field[i] = p->buf + p->off[i];
	r.error = p->error;
	rc = cb(arg, &r);
	reset(p);
	return rc;
}

/* One byte through the state machine. */
static int
step(struct csv *p, char c, csv_cb cb, void *arg)
{
	if (c == '\n')
		p->line++;
	switch (p->state) {
	case S_START:
		if (c == '"') {
			p->state = S_QUOTED;
			p->empty = 0;
			return 0;
		}
		/* FALLTHROUGH */
	case S_PLAIN:
		if (c == '\r')
			return 0; /* CRLF, or a stray CR: never data */
		if (c == '\n')
			return end_record(p, cb, arg);
		p->empty = 0;
		if (c == p->sep)
			end_field(p);
		else if (c == '"')
			bad(p, "quote inside an unquoted field");
		else {
			p->state = S_PLAIN;
			put(p, c);
		}
		return 0;
	case S_QUOTED:
		if (c == '"')
			p->state = S_QUOTE;
		else
			put(p, c);
		return 0;
	case S_QUOTE:
		if (c == '"') {
			put(p, c);
			p->state = S_QUOTED;
		} else if (c == p->sep)
			end_field(p);
		else if (c == '\n')
			return end_record(p, cb, arg);
		else if (c != '\r') {
			bad(p, "text after a closing quote");
			p->state = S_PLAIN;
		}
		return 0;
	}
	return 0;
}

static int
run(struct csv *p, const char *buf, size_t len, csv_cb cb, void *arg)
{
	size_t i;
	int rc;

	for (i = 0; i < len; i++) {
		if ((rc = step(p, buf[i], cb, arg)) != 0)
			return rc;
	}
	return 0;
}

/* The first line is complete (or as long as it may be): decide. */
static int
start(struct csv *p, csv_cb cb, void *arg)
{
	static const char bom[] = "\xef\xbb\xbf";
	size_t i, skip = 0, semi = 0, comma = 0;
	int rc;

	if (p->hlen >= 3 && memcmp(p->head, bom, 3) == 0)
		skip = 3;
	if (p->sep == 0) {
		for (i = skip; i < p->hlen; i++) {
			semi += p->head[i] == ';';
			comma += p->head[i] == ',';
		}
		p->sep = semi >= comma ? ';' : ',';
	}
	p->head_done = 1;
	rc = run(p, p->head + skip, p->hlen - skip, cb, arg);
	explicit_bzero(p->head, p->hlen);
	p->hlen = 0;
	return rc;
}

int
csv_feed(struct csv *p, const char *buf, size_t len, csv_cb cb, void *arg)
{
	const char *nl;
	size_t n;
	int rc;

	if (!p->head_done) {
		nl = memchr(buf, '\n', len);
		n = nl != NULL ? (size_t)(nl - buf) + 1 : len;
		if (n > sizeof(p->head) - p->hlen)
			n = sizeof(p->head) - p->hlen;
		memcpy(p->head + p->hlen, buf, n);
		p->hlen += n;
		buf += n;
		len -= n;
		/* An empty first piece leaves hlen 0: nothing to look at. */
		if (p->hlen < sizeof(p->head) &&
		    (p->hlen == 0 || p->head[p->hlen - 1] != '\n'))
			return 0; /* the first line is not complete yet */
		if ((rc = start(p, cb, arg)) != 0)
			return rc;
	}
	return run(p, buf, len, cb, arg);
}

int
csv_finish(struct csv *p, csv_cb cb, void *arg)
{
	int rc;

	if (!p->head_done && (rc = start(p, cb, arg)) != 0)
		return rc;
	if (p->state == S_QUOTED) {
		p->fatal = "the file ends inside a quoted field";
		p->fatal_line = p->rec_line;
		return -2;
	}
	if (p->empty)
		return 0;
	return end_record(p, cb, arg);
}
