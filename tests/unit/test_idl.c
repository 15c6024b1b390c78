/*
 * test_idl.c - the varlink IDL parser and the parameter checker.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idl.h"

/* The service interface every varlink service provides, as published. */
static const char service_text[] =
    "# The Varlink Service Interface is provided by every varlink service. "
    "It\n"
    "# describes the service and the interfaces it implements.\n"
    "interface org.varlink.service\n"
    "\n"
    "# Get a list of all the interfaces a service provides and "
    "information\n"
    "# about the implementation.\n"
    "method GetInfo() -> (\n"
    "  vendor: string,\n"
    "  product: string,\n"
    "  version: string,\n"
    "  url: string,\n"
    "  interfaces: []string\n"
    ")\n"
    "\n"
    "# Get the description of an interface that is implemented by this "
    "service.\n"
    "method GetInterfaceDescription(interface: string) -> (description: "
    "string)\n"
    "\n"
    "# The requested interface was not found.\n"
    "error InterfaceNotFound (interface: string)\n"
    "\n"
    "# The requested method was not found\n"
    "error MethodNotFound (method: string)\n"
    "\n"
    "# The interface defines the requested method, but the service does "
    "not\n"
    "# implement it.\n"
    "error MethodNotImplemented (method: string)\n"
    "\n"
    "# One of the passed parameters is invalid.\n"
    "error InvalidParameter (parameter: string)\n"
    "\n"
    "# Client is not authorized.\n"
    "error PermissionDenied ()\n";

/* Every construct: named, inline and nested types, limits, nullables. */
static const char rich_text[] =
    "# Exercises every construct of the grammar.\n"
    "interface nl.ivtd.test-rich\n"
    "\n"
    "type Colour (red, green, blue)\n"
    "\n"
    "type Person (\n"
    "  # @limit 9\n"
    "  bsn: string,\n"
    "  name: ?string,\n"
    "  age: int,\n"
    "  score: float,\n"
    "  alive: bool,\n"
    "  extra: object,\n"
    "  colour: Colour,\n"
    "  mood: (happy, sad),\n"
    "  address: ?(\n"
    "    street: string,\n"
    "    # @limit 2\n"
    "    lines: []?string\n"
    "  ),\n"
    "  tags: [string]int,\n"
    "  friends: ?[]?Person\n"
    ")\n"
    "\n"
    "# A linked list: recursion through a named type.\n"
    "type Node (value: int, next: ?Node)\n"
    "\n"
    "# Find people.\n"
    "method Find(\n"
    "  # @limit 3\n"
    "  persons: []Person,\n"
    "  #@limit 4\n"
    "  # (other comments may sit between the limit and its field)\n"
    "\n"
    "  labels: [string]int,\n"
    "  colour: ?Colour,\n"
    "  matrix: [][]float,\n"
    "  opts: ?(verbose: bool, level: (low, high)),\n"
    "  node: ?Node,\n"
    "  # @limit 5\n"
    "  code: ?string,\n"
    "  later: ?Later\n"
    ") -> (count: int, found: []Person)\n"
    "\n"
    "method Ping()->()\n"
    "\n"
    "# Used before it is defined.\n"
    "type Later (x_1: float)\n"
    "\n"
    "error Failed (reason: string, detail: ?object)\n"
    "error Empty ()\n";

static struct idl_interface *
parse_ok(const char *text)
{
	struct idl_interface *iface;
	char err[256];

	iface = idl_parse(text, strlen(text), err, sizeof(err));
	if (iface == NULL)
		fail_msg("parse failed: %s", err);
	assert_ptr_equal(iface->text, text);
	return iface;
}

static const struct idl_field *
field(const struct idl_type *t, const char *name)
{
	size_t i;

	assert_non_null(t);
	for (i = 0; i < t->nfields; i++) {
		if (strcmp(t->fields[i].name, name) == 0)
			return &t->fields[i];
	}
	fail_msg("no field %s", name);
	return NULL;
}

static const struct idl_type *
named(const struct idl_interface *iface, const char *name)
{
	size_t i;

	for (i = 0; i < iface->ntypes; i++) {
		if (strcmp(iface->types[i].name, name) == 0)
			return iface->types[i].type;
	}
	fail_msg("no type %s", name);
	return NULL;
}

static void
test_service(void **state)
{
	struct idl_interface *iface;
	const struct idl_method *m;
	const struct idl_type *t;
	size_t i;

	(void)state;
	iface = parse_ok(service_text);
	assert_string_equal(iface->name, "org.varlink.service");
	assert_int_equal(iface->nmethods, 2);
	assert_int_equal(iface->nerrors, 5);
	assert_int_equal(iface->ntypes, 0);

	m = idl_find_method(iface, "GetInfo");
	assert_non_null(m);
	assert_int_equal(m->in->kind, IDL_STRUCT);
	assert_int_equal(m->in->nfields, 0);
	assert_int_equal(m->out->nfields, 5);
	assert_string_equal(m->out->fields[0].name, "vendor");
	for (i = 0; i < 4; i++) {
		assert_int_equal(m->out->fields[i].type->kind, IDL_STRING);
		assert_false(m->out->fields[i].type->nullable);
		assert_int_equal(m->out->fields[i].limit, 0);
	}
	t = field(m->out, "interfaces")->type;
	assert_int_equal(t->kind, IDL_ARRAY);
	assert_int_equal(t->elem->kind, IDL_STRING);

	m = idl_find_method(iface, "GetInterfaceDescription");
	assert_non_null(m);
	assert_int_equal(m->in->nfields, 1);
	assert_string_equal(m->in->fields[0].name, "interface");
	assert_int_equal(m->in->fields[0].type->kind, IDL_STRING);
	assert_string_equal(m->out->fields[0].name, "description");
	assert_null(idl_find_method(iface, "Nope"));
	assert_null(idl_find_method(iface, "getinfo"));

	assert_true(idl_has_error(iface, "InterfaceNotFound"));
	assert_true(idl_has_error(iface, "MethodNotFound"));
	assert_true(idl_has_error(iface, "MethodNotImplemented"));
	assert_true(idl_has_error(iface, "InvalidParameter"));
	assert_true(idl_has_error(iface, "PermissionDenied"));
	assert_false(idl_has_error(iface, "GetInfo"));
	assert_string_equal(iface->errors[2].params->fields[0].name, "method");
	assert_int_equal(iface->errors[4].params->kind, IDL_STRUCT);
	assert_int_equal(iface->errors[4].params->nfields, 0);
	idl_free(iface);
	idl_free(NULL);
}

static void
test_rich(void **state)
{
	struct idl_interface *iface;
	const struct idl_method *m;
	const struct idl_type *t, *p;
	const struct idl_field *f;

	(void)state;
	iface = parse_ok(rich_text);
	assert_string_equal(iface->name, "nl.ivtd.test-rich");
	assert_int_equal(iface->ntypes, 4);
	assert_int_equal(iface->nmethods, 2);
	assert_int_equal(iface->nerrors, 2);

	t = named(iface, "Colour");
	assert_int_equal(t->kind, IDL_ENUM);
	assert_int_equal(t->nfields, 3);
	assert_string_equal(t->fields[2].name, "blue");
	assert_null(t->fields[2].type);

	p = named(iface, "Person");
	assert_int_equal(p->kind, IDL_STRUCT);
	assert_int_equal(p->nfields, 11);
	f = field(p, "bsn");
	assert_int_equal(f->type->kind, IDL_STRING);
	assert_int_equal(f->limit, 9);
	f = field(p, "name");
	assert_int_equal(f->type->kind, IDL_STRING);
	assert_true(f->type->nullable);
	assert_int_equal(f->limit, 0);
	assert_int_equal(field(p, "age")->type->kind, IDL_INT);
	assert_int_equal(field(p, "score")->type->kind, IDL_FLOAT);
	assert_int_equal(field(p, "alive")->type->kind, IDL_BOOL);
	assert_int_equal(field(p, "extra")->type->kind, IDL_OBJECT);
	t = field(p, "colour")->type;
	assert_int_equal(t->kind, IDL_NAMED);
	assert_string_equal(t->ref, "Colour");
	assert_false(t->nullable);
	t = field(p, "mood")->type;
	assert_int_equal(t->kind, IDL_ENUM);
	assert_int_equal(t->nfields, 2);
	t = field(p, "address")->type;
	assert_int_equal(t->kind, IDL_STRUCT);
	assert_true(t->nullable);
	f = field(t, "lines");
	assert_int_equal(f->limit, 2);
	assert_int_equal(f->type->kind, IDL_ARRAY);
	assert_false(f->type->nullable);
	assert_int_equal(f->type->elem->kind, IDL_STRING);
	assert_true(f->type->elem->nullable);
	t = field(p, "tags")->type;
	assert_int_equal(t->kind, IDL_MAP);
	assert_int_equal(t->elem->kind, IDL_INT);
	t = field(p, "friends")->type;
	assert_int_equal(t->kind, IDL_ARRAY);
	assert_true(t->nullable);
	assert_int_equal(t->elem->kind, IDL_NAMED);
	assert_true(t->elem->nullable);
	assert_string_equal(t->elem->ref, "Person");

	m = idl_find_method(iface, "Find");
	assert_non_null(m);
	assert_int_equal(m->in->nfields, 8);
	assert_int_equal(field(m->in, "persons")->limit, 3);
	f = field(m->in, "labels");
	assert_int_equal(f->limit, 4);
	assert_int_equal(f->type->kind, IDL_MAP);
	assert_true(field(m->in, "colour")->type->nullable);
	t = field(m->in, "matrix")->type;
	assert_int_equal(t->kind, IDL_ARRAY);
	assert_int_equal(t->elem->kind, IDL_ARRAY);
	assert_int_equal(t->elem->elem->kind, IDL_FLOAT);
	t = field(m->in, "opts")->type;
	assert_int_equal(t->kind, IDL_STRUCT);
	assert_int_equal(field(t, "level")->type->kind, IDL_ENUM);
	assert_int_equal(field(m->in, "code")->limit, 5);
	assert_int_equal(field(m->in, "later")->type->kind, IDL_NAMED);
	assert_int_equal(field(m->out, "found")->type->elem->kind, IDL_NAMED);

	m = idl_find_method(iface, "Ping");
	assert_non_null(m);
	assert_int_equal(m->in->nfields, 0);
	assert_int_equal(m->out->nfields, 0);
	assert_int_equal(field(named(iface, "Later"), "x_1")->type->kind,
	                 IDL_FLOAT);
	assert_true(idl_has_error(iface, "Failed"));
	assert_true(idl_has_error(iface, "Empty"));
	idl_free(iface);
}

/* Layout the grammar leaves free: CRLF, comments anywhere, no spaces. */
static void
test_free_form(void **state)
{
	static const char *ok[] = {
	    "interface a.b",
	    "interface Org.Example.Foo-2",
	    "interface a.b\r\nmethod A(x:int)->(y:?[]string)\r\n",
	    "  # lead\n\ninterface a1.b-2.c3 # trailing\nmethod A(\n# c\nx # "
	    "c\n"
	    ": # c\n int # c\n , y: [ string ] ? int) -> ( )",
	    "interface a.b\ntype E (a)\ntype S ()\nmethod A(e: E, s: S) -> ()",
	    "interface a.b\nmethod A(m: [string][string]?[]bool) -> ()",
	    "interface a.b\nmethod A(x: ?(y: ?(z: int))) -> ()",
	    "interface a.b\ntype Tree (children: []Tree)\nmethod A(t: Tree) "
	    "-> ()",
	    "interface a.b\nmethod A(\n# @limits are not directives\nx: int) "
	    "-> ()",
	    "interface a.b\n# @limit 7\n",
	};
	struct idl_interface *iface;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		iface = idl_parse(ok[i], strlen(ok[i]), err, sizeof(err));
		if (i == sizeof(ok) / sizeof(ok[0]) - 1) {
			/* A limit with no field after it is rejected. */
			assert_null(iface);
			assert_string_equal(err,
			                    "line 2: @limit is not directly "
			                    "above a field");
			continue;
		}
		if (iface == NULL)
			fail_msg("case %zu: %s", i, err);
		idl_free(iface);
	}
}

struct bad_case {
	const char *text;
	size_t len; /* 0: strlen(text) */
	int line;
	const char *what; /* expected in the message */
};

static const struct bad_case bad_cases[] = {
    {"", 0, 1, "expected 'interface', got end of text"},
    {"# only a comment\n\n", 0, 3, "expected 'interface'"},
    {"method A() -> ()\n", 0, 1, "expected 'interface', got 'method'"},
    {"interface\n", 0, 2, "expected an interface name"},
    {"interface a.b\ninterface c.d\n", 0, 2, "'interface'"},
    /* truncated text */
    {"interface a.b\nmethod A(x: int", 0, 2, "got end of text"},
    {"interface a.b\nmethod A(x: int) ->", 0, 2, "got end of text"},
    {"interface a.b\nmethod A(x: int) -> (\n", 0, 3, "got end of text"},
    {"interface a.b\ntype T (a,\n", 0, 3, "got end of text"},
    {"interface a.b\nmethod A(x: []", 0, 2, "expected a type"},
    {"interface a.b\nmethod A(x: ?", 0, 2, "expected a type"},
    {"interface a.b\nmethod A(x:", 0, 2, "expected a type"},
    {"interface a.b\nmethod", 0, 2, "expected a method name"},
    {"interface a.b\nmethod A", 0, 2, "expected '('"},
    /* len cuts the text in the middle of a token */
    {"interface a.b\nmethod A(x: string) -> ()\n", 29, 2,
     "expected a type, got 'str'"},
    {"interface a.b\nmethod A(x: string) -> ()\n", 5, 1,
     "expected 'interface', got 'inter'"},
    {"interface a.b\nmethod A() -> ()\n", 11, 1, "bad interface name 'a'"},
    {"interface a.b\nmethod A() -> ()\n", 26, 2, "expected '->', got '-'"},
    {"interface a.b\nmethod A(x: [string]int) -> ()\n", 30, 2,
     "expected ']' or 'string]'"},
    /* duplicates */
    {"interface a.b\nmethod A() -> ()\nmethod A() -> ()\n", 0, 3,
     "duplicate name 'A'"},
    {"interface a.b\ntype A (x: int)\n\nerror A ()\n", 0, 4,
     "duplicate name 'A'"},
    {"interface a.b\nmethod A(x: int,\n  x: string) -> ()\n", 0, 3,
     "duplicate field 'x'"},
    {"interface a.b\nmethod A() -> (x: int, x: int)\n", 0, 2,
     "duplicate field 'x'"},
    {"interface a.b\ntype E (a, b, a)\n", 0, 2, "duplicate field 'a'"},
    /* undefined types, reported where they are used */
    {"interface a.b\n\nmethod A(x: Missing) -> ()\n", 0, 3,
     "undefined type 'Missing'"},
    {"interface a.b\ntype T (x: int)\nerror E (t: []?T,\n u: [string]U)\n", 0,
     4, "undefined type 'U'"},
    {"interface a.b\nmethod GetT() -> ()\nmethod A(x: GetT) -> ()\n", 0, 3,
     "undefined type 'GetT'"},
    /* nullable of nullable */
    {"interface a.b\nmethod A(x: ??string) -> ()\n", 0, 2,
     "'?' on a nullable type"},
    {"interface a.b\nmethod A(x: ?\n ?string) -> ()\n", 0, 3,
     "'?' on a nullable type"},
    /* trailing commas */
    {"interface a.b\nmethod A(x: int,) -> ()\n", 0, 2, "trailing comma"},
    {"interface a.b\nmethod A() -> (x: int,\n)\n", 0, 3, "trailing comma"},
    {"interface a.b\ntype E (a, b,)\n", 0, 2, "trailing comma"},
    {"interface a.b\nmethod A(,) -> ()\n", 0, 2, "expected a field name"},
    /* bad names */
    {"interface org.Ex_ample\n", 0, 1, "bad interface name"},
    {"interface org\n", 0, 1, "bad interface name"},
    {"interface org..example\n", 0, 1, "bad interface name"},
    {"interface org.-example\n", 0, 1, "bad interface name"},
    {"interface org.example-\n", 0, 1, "bad interface name"},
    {"interface org.ex_ample\n", 0, 1, "bad interface name"},
    {"interface 1org.example\n", 0, 1, "bad interface name"},
    {"interface .org.example\n", 0, 1, "bad interface name"},
    {"interface a.b\nmethod getInfo() -> ()\n", 0, 2, "bad name 'getInfo'"},
    {"interface a.b\ntype A_b (x: int)\n", 0, 2, "bad name 'A_b'"},
    {"interface a.b\nerror 1A ()\n", 0, 2, "bad name '1A'"},
    {"interface a.b\nmethod A(x_: int) -> ()\n", 0, 2, "bad field name"},
    {"interface a.b\nmethod A(x__y: int) -> ()\n", 0, 2, "bad field name"},
    {"interface a.b\nmethod A(_x: int) -> ()\n", 0, 2, "bad field name"},
    {"interface a.b\nmethod A(1x: int) -> ()\n", 0, 2, "bad field name"},
    {"interface a.b\nmethod A(x-y: int) -> ()\n", 0, 2, "bad field name"},
    {"interface a.b\ntype E (a, b-c)\n", 0, 2, "bad field name"},
    /* bad types */
    {"interface a.b\nmethod A(x: integer) -> ()\n", 0, 2, "got 'integer'"},
    {"interface a.b\nmethod A(x: [int]string) -> ()\n", 0, 2,
     "expected ']' or 'string]', got 'int'"},
    {"interface a.b\nmethod A(x: [string) -> ()\n", 0, 2, "expected ']'"},
    {"interface a.b\ntype A string\n", 0, 2, "struct or enum"},
    {"interface a.b\ntype A ?(x: int)\n", 0, 2, "struct or enum"},
    {"interface a.b\ntype E (a, b: int)\n", 0, 2, "mixed fields and enum"},
    {"interface a.b\ntype E (a: int, b)\n", 0, 2, "mixed fields and enum"},
    {"interface a.b\nmethod A(a, b) -> ()\n", 0, 2, "not enum values"},
    {"interface a.b\nmethod A() -> (a)\n", 0, 2, "not enum values"},
    {"interface a.b\nerror E (a)\n", 0, 2, "not enum values"},
    /* garbage */
    {"interface a.b\n$$$\n", 0, 2, "got '$'"},
    {"interface a.b\nmethod A() -> () junk\n", 0, 2, "got 'junk'"},
    {"interface a.b\nmethod A() () \n", 0, 2, "expected '->'"},
    {"interface a.b\nmethod A() - ()\n", 0, 2, "expected '->'"},
    {"interface a.b\nmethod A(x int) -> ()\n", 0, 2, "',' or ')'"},
    {"interface a.b\nmethod A() -> ()\n\x01", 0, 3, "byte 0x01"},
    {"interface a.b\nmethod A() -> ()\n\xc3\xa9", 0, 3, "byte 0xc3"},
    {"interface a.b\n\x00method A() -> ()\n", 30, 2, "byte 0x00"},
    {"interface a.b\fmethod A() -> ()\n", 0, 1, "byte 0x0c"},
    /* the @limit extension */
    {"interface a.b\nmethod A(\n# @limit 5\nx: int) -> ()\n", 0, 3,
     "@limit applies to string"},
    {"interface a.b\nmethod A(\n# @limit 5\nx: Later) -> ()\n"
     "type Later (y: int)\n",
     0, 3, "@limit applies to string"},
    {"interface a.b\ntype E (\n# @limit 5\na, b)\n", 0, 3,
     "@limit applies to string"},
    {"interface a.b\n# @limit 5\nmethod A(x: string) -> ()\n", 0, 2,
     "not directly above a field"},
    {"interface a.b\nmethod A(x:\n# @limit 5\nstring) -> ()\n", 0, 3,
     "not directly above a field"},
    {"interface a.b\nmethod A(x: string\n# @limit 5\n) -> ()\n", 0, 3,
     "not directly above a field"},
    {"interface a.b\nmethod A(\n# @limit 0\nx: string) -> ()\n", 0, 3,
     "at least 1"},
    {"interface a.b\nmethod A(\n# @limit x\nx: string) -> ()\n", 0, 3,
     "one number"},
    {"interface a.b\nmethod A(\n# @limit\nx: string) -> ()\n", 0, 3,
     "one number"},
    {"interface a.b\nmethod A(\n# @limit 5 6\nx: string) -> ()\n", 0, 3,
     "one number"},
    {"interface a.b\nmethod A(\n# @limit -5\nx: string) -> ()\n", 0, 3,
     "one number"},
    {"interface a.b\nmethod A(\n# @limit 99999999999999999999999\nx: "
     "string) -> ()\n",
     0, 3, "too large"},
    {"interface a.b\nmethod A(\n# @limit 5\n# @limit 6\nx: string) -> ()\n", 0,
     4, "second @limit"},
};

static void
expect_bad(const char *text, size_t len, int line, const char *what)
{
	struct idl_interface *iface;
	char err[256], prefix[32];
	char *copy;

	/* An exact-size copy, so ASan sees any read past len. */
	copy = malloc(len + 1);
	assert_non_null(copy);
	memcpy(copy, text, len);
	iface = idl_parse(copy, len, err, sizeof(err));
	if (iface != NULL)
		fail_msg("accepted: %.*s", (int)len, text);
	snprintf(prefix, sizeof(prefix), "line %d: ", line);
	if (strncmp(err, prefix, strlen(prefix)) != 0 ||
	    strstr(err, what) == NULL)
		fail_msg("%.*s\n  gave:  %s\n  wanted: %s...%s", (int)len, text,
		         err, prefix, what);
	free(copy);
}

static void
test_reject(void **state)
{
	const struct bad_case *c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		c = &bad_cases[i];
		expect_bad(c->text, c->len ? c->len : strlen(c->text), c->line,
		           c->what);
	}
}

/* Build "interface a.b\nmethod A(x: " open "int" close ") -> ()". */
static char *
nested(const char *open, const char *close, int n)
{
	size_t len;
	char *s, *p;
	int i;

	len = 64 + (size_t)n * (strlen(open) + strlen(close));
	s = p = malloc(len);
	assert_non_null(s);
	p = stpcpy(p, "interface a.b\nmethod A(x: ");
	for (i = 0; i < n; i++)
		p = stpcpy(p, open);
	p = stpcpy(p, "int");
	for (i = 0; i < n; i++)
		p = stpcpy(p, close);
	stpcpy(p, ") -> ()\n");
	return s;
}

static void
test_depth(void **state)
{
	static const struct {
		const char *open, *close;
	} kinds[] = {
	    {"[]", ""},     {"[string]", ""}, {"(a: ", ")"},
	    {"?(a: ", ")"}, {"[]?(a: ", ")"},
	};
	struct idl_interface *iface;
	char err[256];
	size_t k;
	char *s;

	(void)state;
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		/* Within the limit is fine... */
		s = nested(kinds[k].open, kinds[k].close, IDL_DEPTH_MAX / 2);
		iface = idl_parse(s, strlen(s), err, sizeof(err));
		if (iface == NULL)
			fail_msg("%s: %s", s, err);
		idl_free(iface);
		free(s);
		/* ...past it is an error, and far past it no stack crash. */
		s = nested(kinds[k].open, kinds[k].close, IDL_DEPTH_MAX + 1);
		expect_bad(s, strlen(s), 2, "nested too deeply");
		free(s);
		s = nested(kinds[k].open, kinds[k].close, 100000);
		expect_bad(s, strlen(s), 2, "nested too deeply");
		free(s);
	}
}

/* Every prefix, and single-byte corruptions, of a valid text. */
static void
test_prefixes(void **state)
{
	static const char subst[] = "()[]?:,#\n\0-> aZ_.";
	const char *texts[] = {service_text, rich_text};
	struct idl_interface *iface;
	size_t t, i, j, len, accepted;
	char err[64], *buf;

	(void)state;
	for (t = 0; t < 2; t++) {
		len = strlen(texts[t]);
		accepted = 0;
		for (i = 0; i <= len; i++) {
			buf = malloc(i ? i : 1);
			assert_non_null(buf);
			memcpy(buf, texts[t], i);
			iface = idl_parse(buf, i, err, sizeof(err));
			if (iface != NULL)
				accepted++;
			else
				assert_memory_equal(err, "line ", 5);
			idl_free(iface);
			free(buf);
		}
		/* The whole text at least; some cuts between members too. */
		assert_true(accepted >= 1);
		buf = malloc(len);
		assert_non_null(buf);
		for (i = 0; i < len; i++) {
			memcpy(buf, texts[t], len);
			for (j = 0; j < sizeof(subst) - 1; j++) {
				buf[i] = subst[j];
				idl_free(idl_parse(buf, len, err, sizeof(err)));
			}
		}
		free(buf);
	}
}

/* Error buffers of any size, or none, are safe. */
static void
test_err_buffer(void **state)
{
	static const char text[] = "interface a.b\nmethod A(x: ??int) -> ()";
	char err[8];

	(void)state;
	assert_null(idl_parse(text, strlen(text), NULL, 0));
	assert_null(idl_parse(text, strlen(text), err, 0));
	memset(err, 'x', sizeof(err));
	assert_null(idl_parse(text, strlen(text), err, sizeof(err)));
	assert_string_equal(err, "line 2:");
	assert_null(idl_parse(NULL, 0, err, sizeof(err)));
}

/* The daemon's own interfaces, when the source tree is at hand. */
static void
test_proto_files(void **state)
{
	static const char self[] = "tests/unit/test_idl.c";
	char dir[4096], path[4096 + 256 + 2], err[256], *buf;
	const char *file = __FILE__;
	struct idl_interface *iface;
	struct dirent *de;
	size_t n, len, count = 0;
	FILE *fp;
	DIR *d;

	(void)state;
	n = strlen(file);
	if (n < strlen(self) || strcmp(file + n - strlen(self), self) != 0)
		skip();
	snprintf(dir, sizeof(dir), "%.*sproto", (int)(n - strlen(self)), file);
	if ((d = opendir(dir)) == NULL)
		skip();
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 8 || strcmp(de->d_name + len - 8, ".varlink") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fp = fopen(path, "r");
		assert_non_null(fp);
		buf = malloc(1 << 20);
		assert_non_null(buf);
		len = fread(buf, 1, 1 << 20, fp);
		fclose(fp);
		iface = idl_parse(buf, len, err, sizeof(err));
		if (iface == NULL)
			fail_msg("%s: %s", de->d_name, err);
		assert_non_null(strstr(de->d_name, iface->name));
		idl_free(iface);
		free(buf);
		count++;
	}
	closedir(d);
	assert_true(count > 0);
}

/*
 * The checker.  JSON is written with single quotes for legibility and
 * turned into real JSON here.
 */
static json_t *
load(const char *text)
{
	json_error_t jerr;
	json_t *j;
	char *s, *p;

	s = strdup(text);
	assert_non_null(s);
	for (p = s; *p != '\0'; p++) {
		if (*p == '\'')
			*p = '"';
	}
	j = json_loads(s, 0, &jerr);
	if (j == NULL)
		fail_msg("bad test JSON: %s: %s", s, jerr.text);
	free(s);
	return j;
}

/* want NULL: the params must pass; otherwise fail with path want. */
static void
check(const struct idl_interface *iface, const char *method, const char *params,
      const char *want)
{
	const struct idl_method *m;
	char bad[256];
	json_t *j;
	int rc;

	m = idl_find_method(iface, method);
	assert_non_null(m);
	j = params == NULL ? NULL : load(params);
	memset(bad, 'x', sizeof(bad));
	rc = idl_check_params(iface, m, j, bad, sizeof(bad));
	json_decref(j);
	if (want == NULL && rc != 0)
		fail_msg("rejected at '%s': %s", bad, params);
	if (want != NULL && rc != -1)
		fail_msg("accepted, wanted '%s': %s", want, params);
	if (want != NULL && strcmp(bad, want) != 0)
		fail_msg("path '%s', wanted '%s': %s", bad, want, params);
	if (want == NULL)
		assert_string_equal(bad, "");
}

/* One valid person, and variations of it. */
#define PERSON_WITH(x)                                                         \
	"{'bsn': '123456789', 'age': 40, 'score': 1.5, 'alive': true, "        \
	"'extra': {'any': [1]}, 'colour': 'red', 'mood': 'sad', 'tags': {}" x  \
	"}"
#define PERSON PERSON_WITH("")
#define FIND_WITH(persons, x)                                                  \
	"{'persons': [" persons "], 'labels': {}, 'matrix': []" x "}"
#define FIND_P(x) FIND_WITH(PERSON_WITH(x), "")
#define FIND(x)   FIND_WITH(PERSON, x)

struct check_case {
	const char *params;
	const char *path; /* NULL: valid */
};

static const struct check_case check_cases[] = {
    /* valid */
    {FIND(""), NULL},
    {FIND_WITH("", ""), NULL},
    {FIND_WITH(PERSON "," PERSON "," PERSON, ""), NULL},
    {FIND_P(", 'name': 'Jan', 'address': {'street': 'Dorpsstraat', "
            "'lines': ['a', null]}, 'friends': [null, " PERSON "]"),
     NULL},
    {FIND_P(", 'name': null, 'address': null, 'friends': null"), NULL},
    {FIND_P(", 'tags': {'a': 1, 'b': -2}"), NULL},
    {FIND(", 'labels': {'a': 1, 'b': 2, 'c': 3, 'd': 4}, 'colour': 'blue', "
          "'matrix': [[1, 2.5], [], [-1e10]], 'opts': {'verbose': false, "
          "'level': 'high'}, 'node': {'value': 1, 'next': {'value': 2}}, "
          "'code': 'abcde', 'later': {'x_1': 3}"),
     NULL},
    /* nullable fields may be null or absent */
    {FIND(", 'colour': null, 'opts': null, 'node': null, 'code': null"), NULL},
    {FIND(", 'node': {'value': 1, 'next': null}"), NULL},
    /* float takes integers */
    {FIND_P(", 'score': 2"), NULL},

    /* missing required */
    {"{'labels': {}, 'matrix': []}", "persons"},
    {"{}", "persons"},
    {FIND_WITH("{'age': 1}", ""), "persons[0].bsn"},
    {FIND_WITH(PERSON ", {'bsn': '1', 'age': 1}", ""), "persons[1].score"},
    {FIND(", 'opts': {'verbose': true}"), "opts.level"},
    {FIND(", 'node': {'next': {'value': 2}}"), "node.value"},
    {FIND(", 'node': {'value': 1, 'next': {}}"), "node.next.value"},
    /* null for required */
    {"{'persons': null, 'labels': {}, 'matrix': []}", "persons"},
    {FIND_P(", 'age': null"), "persons[0].age"},
    {FIND(", 'matrix': [[1, null]]"), "matrix[0][1]"},
    {FIND_WITH(PERSON ", null", ""), "persons[1]"},
    /* unknown keys, top level and nested, before missing fields */
    {FIND(", 'bogus': 1"), "bogus"},
    {"{'bogus': 1}", "bogus"},
    {FIND_P(", 'x': 1"), "persons[0].x"},
    {FIND(", 'opts': {'verbose': true, 'level': 'low', 'Verbose': 1}"),
     "opts.Verbose"},
    /* wrong type, each kind */
    {FIND_P(", 'alive': 1"), "persons[0].alive"},
    {FIND_P(", 'alive': 'true'"), "persons[0].alive"},
    {FIND_P(", 'age': 1.5"), "persons[0].age"},
    {FIND_P(", 'age': '40'"), "persons[0].age"},
    {FIND_P(", 'age': true"), "persons[0].age"},
    {FIND_P(", 'score': '1.5'"), "persons[0].score"},
    {FIND_P(", 'bsn': 123456789"), "persons[0].bsn"},
    {FIND_P(", 'extra': []"), "persons[0].extra"},
    {FIND_P(", 'extra': 'x'"), "persons[0].extra"},
    {FIND_P(", 'colour': 1"), "persons[0].colour"},
    {FIND_P(", 'mood': {}"), "persons[0].mood"},
    {FIND_P(", 'address': 'x'"), "persons[0].address"},
    {FIND_P(", 'address': []"), "persons[0].address"},
    {FIND_P(", 'friends': {}"), "persons[0].friends"},
    {FIND_P(", 'friends': [1]"), "persons[0].friends[0]"},
    {FIND_P(", 'tags': []"), "persons[0].tags"},
    {FIND_P(", 'tags': {'k': 'v'}"), "persons[0].tags[\"k\"]"},
    {FIND_P(", 'tags': {'k': 1, 'l': 1.5}"), "persons[0].tags[\"l\"]"},
    {FIND_WITH(PERSON, ", 'labels': []"), "labels"},
    {"{'persons': {}, 'labels': {}, 'matrix': []}", "persons"},
    {FIND(", 'matrix': [[1], [2, true]]"), "matrix[1][1]"},
    {FIND(", 'matrix': [1]"), "matrix[0]"},
    {FIND(", 'later': {'x_1': 'no'}"), "later.x_1"},
    {FIND(", 'later': 1"), "later"},
    /* bad enum values, named and inline */
    {FIND_P(", 'colour': 'purple'"), "persons[0].colour"},
    {FIND_P(", 'colour': 'Red'"), "persons[0].colour"},
    {FIND_P(", 'colour': ''"), "persons[0].colour"},
    {FIND_P(", 'mood': 'angry'"), "persons[0].mood"},
    {FIND(", 'colour': 'reds'"), "colour"},
    {FIND(", 'opts': {'verbose': true, 'level': 'medium'}"), "opts.level"},
    /* limits: strings, arrays, maps */
    {FIND_P(", 'bsn': '1234567890'"), "persons[0].bsn"},
    {FIND(", 'code': 'abcdef'"), "code"},
    {FIND_WITH(PERSON "," PERSON "," PERSON "," PERSON, ""), "persons"},
    {FIND(", 'labels': {'a': 1, 'b': 2, 'c': 3, 'd': 4, 'e': 5}"), "labels"},
    {FIND_P(", 'address': {'street': 's', 'lines': ['a', 'b', 'c']}"),
     "persons[0].address.lines"},
    {FIND_P(", 'address': {'street': 's', 'lines': [1]}"),
     "persons[0].address.lines[0]"},
    /* nested struct paths */
    {FIND_WITH(PERSON ", {'age': 1}", ""), "persons[1].bsn"},
    {FIND_WITH(PERSON "," PERSON_WITH(
                   ", 'friends': [null, " PERSON_WITH(", 'colour': 'x'") "]"),
               ""),
     "persons[1].friends[1].colour"},
    {FIND_P(", 'address': {'street': 's', 'lines': [], 'zip': '1'}"),
     "persons[0].address.zip"},
    /* not an object at all */
    {"[]", ""},
    {"[{}]", ""},
};

static void
test_check(void **state)
{
	struct idl_interface *iface;
	char bad[16];
	json_t *j;
	size_t i;

	(void)state;
	iface = parse_ok(rich_text);
	for (i = 0; i < sizeof(check_cases) / sizeof(check_cases[0]); i++)
		check(iface, "Find", check_cases[i].params,
		      check_cases[i].path);
	/* No params at all is {}. */
	check(iface, "Find", NULL, "persons");
	check(iface, "Ping", NULL, NULL);
	check(iface, "Ping", "{}", NULL);
	check(iface, "Ping", "{'x': null}", "x");
	/* A scalar where the params object belongs: the path is empty. */
	j = json_integer(1);
	memset(bad, 'x', sizeof(bad));
	assert_int_equal(idl_check_params(iface, idl_find_method(iface, "Ping"),
	                                  j, bad, sizeof(bad)),
	                 -1);
	assert_string_equal(bad, "");
	json_decref(j);
	idl_free(iface);
}

/* A string of n 'a's as a JSON value, inside {'persons': [...]}. */
static json_t *
with_name(size_t n)
{
	json_t *j, *p, *s;
	char *buf;

	buf = malloc(n + 1);
	assert_non_null(buf);
	memset(buf, 'a', n);
	buf[n] = '\0';
	j = load(FIND(""));
	p = json_array_get(json_object_get(j, "persons"), 0);
	s = json_string(buf);
	assert_non_null(s);
	assert_int_equal(json_object_set_new(p, "name", s), 0);
	free(buf);
	return j;
}

/* Strings without @limit stop at IDL_STRING_MAX. */
static void
test_check_string_max(void **state)
{
	struct idl_interface *iface;
	const struct idl_method *m;
	char bad[64];
	json_t *j;

	(void)state;
	iface = parse_ok(rich_text);
	m = idl_find_method(iface, "Find");
	j = with_name(IDL_STRING_MAX);
	assert_int_equal(idl_check_params(iface, m, j, bad, sizeof(bad)), 0);
	json_decref(j);
	j = with_name(IDL_STRING_MAX + 1);
	assert_int_equal(idl_check_params(iface, m, j, bad, sizeof(bad)), -1);
	assert_string_equal(bad, "persons[0].name");
	json_decref(j);
	idl_free(iface);
}

/* Recursive types: JSON nesting is bounded by IDL_DEPTH_MAX. */
static void
test_check_depth(void **state)
{
	struct idl_interface *iface;
	const struct idl_method *m;
	json_t *j, *node, *next;
	char bad[1024];
	int i, depth;

	(void)state;
	iface = parse_ok(rich_text);
	m = idl_find_method(iface, "Find");
	for (depth = 1; depth < IDL_DEPTH_MAX + 5; depth++) {
		j = load(FIND(""));
		node = json_pack("{s:i}", "value", 0);
		assert_non_null(node);
		assert_int_equal(json_object_set_new(j, "node", node), 0);
		for (i = 1; i < depth; i++) {
			next = json_pack("{s:i}", "value", i);
			assert_non_null(next);
			assert_int_equal(
			    json_object_set_new(node, "next", next), 0);
			node = next;
		}
		if (depth <= IDL_DEPTH_MAX)
			assert_int_equal(
			    idl_check_params(iface, m, j, bad, sizeof(bad)), 0);
		else {
			assert_int_equal(
			    idl_check_params(iface, m, j, bad, sizeof(bad)),
			    -1);
			assert_memory_equal(bad, "node.next.next", 14);
		}
		json_decref(j);
	}
	idl_free(iface);
}

/* Short and missing path buffers truncate, never overflow. */
static void
test_check_bad_buffer(void **state)
{
	struct idl_interface *iface;
	const struct idl_method *m;
	char bad[8];
	json_t *j;

	(void)state;
	iface = parse_ok(rich_text);
	m = idl_find_method(iface, "Find");
	j = load(FIND_WITH(PERSON ", {'age': 1}", ""));
	assert_int_equal(idl_check_params(iface, m, j, bad, sizeof(bad)), -1);
	assert_string_equal(bad, "persons");
	assert_int_equal(idl_check_params(iface, m, j, bad, 1), -1);
	assert_string_equal(bad, "");
	assert_int_equal(idl_check_params(iface, m, j, NULL, 0), -1);
	json_decref(j);
	j = load(FIND(""));
	assert_int_equal(idl_check_params(iface, m, j, NULL, 0), 0);
	json_decref(j);
	idl_free(iface);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_service),
	    cmocka_unit_test(test_rich),
	    cmocka_unit_test(test_free_form),
	    cmocka_unit_test(test_reject),
	    cmocka_unit_test(test_depth),
	    cmocka_unit_test(test_prefixes),
	    cmocka_unit_test(test_err_buffer),
	    cmocka_unit_test(test_proto_files),
	    cmocka_unit_test(test_check),
	    cmocka_unit_test(test_check_string_max),
	    cmocka_unit_test(test_check_depth),
	    cmocka_unit_test(test_check_bad_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
