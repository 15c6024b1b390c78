/*
 * idl.h - varlink interface definitions: parser and parameter checker.
 *
 * The proto/ directory is the single source of the wire interface.  The files
 * are compiled into the daemon as text; at start-up each is parsed into an
 * idl_interface, which serves GetInterfaceDescription and validates every
 * call's parameters before a handler sees them, so handlers can trust
 * types, required fields and size limits.
 *
 * Grammar: https://varlink.org/Interface-Definition (interface, type,
 * method, error; bool, int, float, string, object, enums, structs, []T,
 * [string]T, ?T, named types).  One extension, kept inside comments so any
 * varlink tool still reads the files: a comment line of the form
 *     # @limit N
 * directly above a field limits a string to N bytes or an array/map to N
 * elements.  Strings without a limit are capped at IDL_STRING_MAX: that
 * is every item of a list of strings (an @limit counts the items) and
 * every name, code or identifier; free text states its own @limit.
 */
#ifndef IVTD_IDL_H
#define IVTD_IDL_H

#include <stddef.h>
#include <jansson.h>

/*
 * Enough for any name, postcode range, code or varlink interface name.
 * Anything longer is text, and its field says how long with an @limit.
 */
#define IDL_STRING_MAX 256
#define IDL_DEPTH_MAX  32

enum idl_kind {
	IDL_BOOL,
	IDL_INT,
	IDL_FLOAT,
	IDL_STRING,
	IDL_OBJECT, /* any JSON object ("object" keyword) */
	IDL_ENUM,
	IDL_STRUCT,
	IDL_ARRAY,  /* []T */
	IDL_MAP,    /* [string]T */
	IDL_NAMED,  /* reference to a type alias in the same interface */
};

struct idl_type;

struct idl_field {
	char *name;
	struct idl_type *type;
	size_t limit; /* from "# @limit N"; 0: default */
};

struct idl_type {
	enum idl_kind kind;
	int nullable;            /* ?T */
	struct idl_type *elem;   /* ARRAY, MAP */
	char *ref;               /* NAMED */
	struct idl_field *fields; /* STRUCT; ENUM uses only names */
	size_t nfields;
};

struct idl_method {
	char *name;
	struct idl_type *in;  /* always a STRUCT */
	struct idl_type *out; /* always a STRUCT */
};

struct idl_error {
	char *name;
	struct idl_type *params; /* STRUCT */
};

struct idl_typedef {
	char *name;
	struct idl_type *type;
};

struct idl_interface {
	char *name;        /* e.g. "nl.ivtd.User" */
	const char *text;  /* the description as given to idl_parse (not owned) */
	struct idl_method *methods;
	size_t nmethods;
	struct idl_error *errors;
	size_t nerrors;
	struct idl_typedef *types;
	size_t ntypes;
};

/*
 * Parse an interface description.  text must stay valid while the result
 * is used.  On a syntax error returns NULL and puts "line N: what" in err.
 * Rejects duplicate member names and references to undefined types.
 */
struct idl_interface *idl_parse(const char *text, size_t len, char *err,
                                size_t errlen);
void idl_free(struct idl_interface *iface);

const struct idl_method *idl_find_method(const struct idl_interface *iface,
                                         const char *name);
int idl_has_error(const struct idl_interface *iface, const char *name);

/*
 * Check call parameters against a method's input struct.  params may be
 * NULL (treated as {}).  Fields not marked ?T are required; unknown fields
 * are rejected; strings must be valid UTF-8 (jansson guarantees it) within
 * the field's limit; ints must be integers, floats any number.  On failure
 * returns -1 and writes the offending parameter's path (e.g. "name" or
 * "persons[2].bsn") to bad, as varlink's InvalidParameter wants.
 */
int idl_check_params(const struct idl_interface *iface,
                     const struct idl_method *m, const json_t *params,
                     char *bad, size_t badlen);

#endif
