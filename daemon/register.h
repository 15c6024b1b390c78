/*
 * register.h - the register of processing activities (AVG art. 30; the
 * verwerkingsactiviteitenregister of the Logboek Dataverwerkingen
 * standard).
 *
 * conf/register.tsv is the register: embedded at build time, parsed at
 * start-up, strictly (any malformed line stops the daemon, naming the
 * line).  Every method that touches personal data names an activity in
 * its method table; start-up refuses an activity that is not in the
 * register or that is retired (vervallen), so the audit log only ever
 * points at activities a privacy officer can look up.
 *
 * The parsed register lives in a fixed-size structure holding a copy of
 * the text, with the fields cut out in place: no allocation, nothing to
 * free.
 */
#ifndef IVTD_REGISTER_H
#define IVTD_REGISTER_H

#include <stddef.h>

struct method;

#define REGISTER_MAX       256   /* activities */
#define REGISTER_TEXT_MAX  65536 /* bytes of the register file */
#define REGISTER_FIELD_MAX 1024  /* bytes of one field */
#define REGISTER_LIST_MAX  32    /* items of one list field */
#define REGISTER_NCOLS     10

struct activity {
	const char *id;          /* "ivt-NN" */
	int retired;             /* status vervallen */
	const char *successor;   /* id that replaces it, "" if none */
	const char *name;        /* naam */
	const char *purpose;     /* doel */
	const char *legal_basis; /* grondslag */
	const char *retention;   /* bewaartermijn */
	/* Lists: items separated by ';' (with optional spaces). */
	const char *categories; /* categorieen persoonsgegevens */
	const char *subjects;   /* categorieen betrokkenen */
	const char *recipients; /* ontvangers */
	size_t line;            /* line in the register file */
};

struct activity_register {
	char text[REGISTER_TEXT_MAX + 1];
	struct activity act[REGISTER_MAX];
	size_t n;
};

/*
 * Parse a register file of len bytes into r (which keeps a copy of the
 * text).  0, or -1 with "line N: what" (or what is wrong with the whole
 * file) in err.
 */
int register_parse(struct activity_register *r, const char *text, size_t len,
                   char *err, size_t errlen);

/* The activity with this id, or NULL. */
const struct activity *register_find(const struct activity_register *r,
                                     const char *id);

/*
 * Check that every activity named in the method tables exists in r and
 * is not retired.  0, or -1 naming the method in err.
 */
int register_check_methods(const struct activity_register *r,
                           const struct method *const *tables, size_t ntables,
                           char *err, size_t errlen);

/*
 * Next item of a list field: *p walks the list; the item (trimmed) is
 * put in buf.  1 while there is an item, 0 at the end.
 */
int register_list_next(const char **p, char *buf, size_t len);

/*
 * The daemon's register: parse the embedded conf/register.tsv and check
 * the method tables against it.  Called once at start-up.  0 or -1.
 */
int register_init(const struct method *const *tables, size_t ntables, char *err,
                  size_t errlen);
/* The register loaded by register_init(); NULL before. */
const struct activity_register *register_get(void);

#endif
