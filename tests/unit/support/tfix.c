/*
 * tfix.c - the shared fixture of the unit tests that drive the daemon
 * (tfix.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "date.h"
#include "keys.h"
#include "log.h"
#include "tfix.h"

/* --- the context -------------------------------------------------------- */

int
tfix_init(struct tfix *t, const char *name)
{
	if (crypto_init() == -1)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "/tmp/ivt-%s-XXXXXX", name);
	if (mkdtemp(t->dir) == NULL)
		return -1;
	config_defaults(&t->cfg);
	snprintf(t->db, sizeof(t->db), "%s/t.db", t->dir);
	snprintf(t->cfg.db_path, sizeof(t->cfg.db_path), "%s", t->db);
	snprintf(t->cfg.key_path, sizeof(t->cfg.key_path), "%s/master.key",
	         t->dir);
	date_format(date_today(), t->today, sizeof(t->today));
	date_format(date_today() + 7, t->future, sizeof(t->future));
	t->ctx.cfg = &t->cfg;
	return 0;
}

int
tfix_open(struct tfix *t, enum tfix_mode mode)
{
	static const uint8_t fixed[CRYPTO_KEYBYTES] = {7};
	char err[256];

	if ((t->ctx.store = store_open(t->db, err, sizeof(err))) == NULL)
		return -1;
	if (mode == TFIX_STORE)
		return 0;
	if (mode == TFIX_DAEMON_FIXED_KEY)
		t->ctx.crypto = crypto_from_key(fixed, 1);
	else if (keys_open(&t->ctx, 1, err, sizeof(err)) == -1)
		return -1;
	if (t->ctx.crypto == NULL ||
	    varlink_init(&t->ctx, err, sizeof(err)) == -1)
		return -1;
	t->varlink = 1;
	return auth_bootstrap(t->ctx.store, t->ctx.crypto, 0, 1000);
}

int
tfix_close(struct tfix *t)
{
	char cmd[128];

	if (t->log != NULL) {
		log_set_stream(NULL);
		log_set_level(LOG_INFO);
		fclose(t->log);
		free(t->logbuf);
		t->log = NULL;
		t->logbuf = NULL;
	}
	if (t->snap != NULL)
		sqlite3_close(t->snap);
	if (t->varlink)
		varlink_free(&t->ctx);
	/* The key store's keys, or the fixed master key alone. */
	keys_close(&t->ctx);
	store_close(t->ctx.store);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", t->dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
tfix_teardown(void **state)
{
	struct tfix *t = *state;

	if (tfix_close(t) == -1)
		return -1;
	free(t);
	return 0;
}

/* --- the daemon's log ---------------------------------------------------- */

void
tfix_capture_log(struct tfix *t)
{
	assert_null(t->log);
	t->log = open_memstream(&t->logbuf, &t->loglen);
	assert_non_null(t->log);
	log_set_stream(t->log);
	log_set_level(LOG_DEBUG);
}

const char *
tfix_log(struct tfix *t)
{
	if (t->log == NULL)
		return "";
	assert_int_equal(fflush(t->log), 0);
	return t->logbuf != NULL ? t->logbuf : "";
}

const char *
tfix_log_find(struct tfix *t, size_t from, const char *word)
{
	const char *text = tfix_log(t), *hit;

	if (from > t->loglen)
		from = t->loglen;
	if ((hit = strstr(text + from, word)) == NULL)
		return NULL;
	while (hit > text && hit[-1] != '\n')
		hit--;
	return hit;
}

/* --- calls -------------------------------------------------------------- */

const char *
tfix_error(const json_t *r)
{
	return json_string_value(json_object_get(r, "error"));
}

const char *
tfix_reason(const json_t *r)
{
	const json_t *p = json_object_get(r, "parameters");
	const char *s;

	if ((s = json_string_value(json_object_get(p, "reason"))) != NULL)
		return s;
	if ((s = json_string_value(json_object_get(p, "parameter"))) != NULL)
		return s;
	return "";
}

char *
tfix_reply_text(const json_t *r)
{
	json_t *copy = json_deep_copy(r);
	char *text;

	assert_non_null(copy);
	json_object_del(copy, "traceparent");
	text = json_dumps(copy, JSON_COMPACT);
	json_decref(copy);
	assert_non_null(text);
	return text;
}

json_t *
tfix_dispatch(struct tfix *t, uid_t uid, const char *method, json_t *params,
              const char *traceparent)
{
	json_t *msg, *r;
	int close_after;

	msg = json_pack("{s:s,s:O}", "method", method, "parameters", params);
	assert_non_null(msg);
	if (traceparent != NULL)
		assert_int_equal(json_object_set_new(msg, "traceparent",
		                                     json_string(traceparent)),
		                 0);
	r = varlink_dispatch(&t->ctx, uid, 1, msg, &close_after);
	json_decref(msg);
	assert_non_null(r);
	return r;
}

json_t *
tfix_call(struct tfix *t, uid_t uid, const char *method, json_t *params)
{
	if (t->dispatch != NULL)
		return t->dispatch(t, uid, method, params);
	return tfix_dispatch(t, uid, method, params, NULL);
}

json_t *
tfix_call_text(struct tfix *t, uid_t uid, const char *text)
{
	json_t *msg = json_loads(text, 0, NULL), *r;
	int close_after;

	assert_non_null(msg);
	r = varlink_dispatch(&t->ctx, uid, 1, msg, &close_after);
	json_decref(msg);
	return r;
}

void
tfix_expect_error(struct tfix *t, uid_t uid, const char *text,
                  const char *error)
{
	json_t *r = tfix_call_text(t, uid, text);

	if (r == NULL)
		fail_msg("%s: got no reply", text);
	if (tfix_error(r) == NULL || strcmp(tfix_error(r), error) != 0)
		fail_msg("%s: got %s", text,
		         tfix_error(r) ? tfix_error(r) : "no error");
	json_decref(r);
}

/* What stands in place of e, a new reference; NULL: e itself, filled. */
static json_t *
filled(const struct tfix *t, json_t *e, tfix_lookup_fn *lookup, const void *arg)
{
	const char *s = json_string_value(e);

	if (s == NULL || s[0] != '@') {
		tfix_fill(t, e, lookup, arg);
		return NULL;
	}
	if (strcmp(s, "@TODAY") == 0)
		return json_string(t->today);
	if (strcmp(s, "@FUTURE") == 0)
		return json_string(t->future);
	return lookup(arg, s);
}

void
tfix_fill(const struct tfix *t, json_t *v, tfix_lookup_fn *lookup,
          const void *arg)
{
	const char *key;
	json_t *e, *n;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, key, e)
		{
			if ((n = filled(t, e, lookup, arg)) != NULL)
				json_object_set_new(v, key, n);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e)
		{
			if ((n = filled(t, e, lookup, arg)) != NULL)
				json_array_set_new(v, i, n);
		}
	}
}

json_t *
tfix_succeeded(json_t *r, uid_t uid, const char *method)
{
	json_t *p;

	if (tfix_error(r) != NULL)
		fail_msg("%s as uid %u: %s (%s)", method, (unsigned)uid,
		         tfix_error(r), tfix_reason(r));
	p = json_incref(json_object_get(r, "parameters"));
	json_decref(r);
	return p;
}

int64_t
tfix_id(json_t *p, const char *key)
{
	json_t *v = json_object_get(p, key);
	json_int_t id;

	id = json_is_integer(v) ? json_integer_value(v)
	                        : json_integer_value(json_object_get(v, "id"));
	json_decref(p);
	assert_true(id > 0);
	return (int64_t)id;
}

json_t *
tfix_must(struct tfix *t, uid_t uid, const char *method, json_t *params)
{
	json_t *r;

	assert_non_null(params);
	r = tfix_call(t, uid, method, params);
	json_decref(params);
	return tfix_succeeded(r, uid, method);
}

int64_t
tfix_must_id(struct tfix *t, uid_t uid, const char *method, json_t *params,
             const char *key)
{
	return tfix_id(tfix_must(t, uid, method, params), key);
}

void
tfix_done(struct tfix *t, uid_t uid, const char *method, json_t *params)
{
	json_decref(tfix_must(t, uid, method, params));
}

/* --- fixture steps ------------------------------------------------------ */

void
tfix_add_partners(struct tfix *t, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		tfix_done(t, 0, "nl.ivtd.Partner.Add",
		          json_pack("{s:s,s:s}", "name", names[i], "kind",
		                    strcmp(names[i], "Politie") == 0
		                        ? "politie"
		                        : "landelijke_dienst"));
}

void
tfix_add_users(struct tfix *t, const struct tfix_user *users, size_t n)
{
	json_t *p;
	size_t i;

	for (i = 0; i < n; i++) {
		p = json_pack("{s:I,s:s,s:s}", "uid", (json_int_t)users[i].uid,
		              "name", users[i].name, "role", users[i].role);
		if (users[i].org != NULL)
			json_object_set_new(p, "org",
			                    json_string(users[i].org));
		tfix_done(t, 0, "nl.ivtd.User.Add", p);
	}
}

int64_t
tfix_project(struct tfix *t, uid_t pl, const char *name, const char *area)
{
	return tfix_must_id(t, pl, "nl.ivtd.Project.Create",
	                    json_pack("{s:s,s:s,s:s,s:[],s:[s],s:s,s:s}",
	                              "name", name, "gemeente", "Utrecht",
	                              "problem", "Woonfraude", "themes", "area",
	                              area, "legal_basis", "LSI-convenant",
	                              "purpose", "Handhaving"),
	                    "project");
}

void
tfix_advance(struct tfix *t, uid_t pl, int64_t project)
{
	tfix_done(t, pl, "nl.ivtd.Project.Advance",
	          json_pack("{s:I,s:s}", "id", (json_int_t)project, "rationale",
	                    "verder"));
}

void
tfix_operational(struct tfix *t, uid_t pl, int64_t project)
{
	static const char *const gates[] = {"probleemdefinitie",
	                                    "collegebesluit", "rpf", "lsi"};
	size_t i;

	tfix_advance(t, pl, project);
	for (i = 0; i < sizeof(gates) / sizeof(gates[0]); i++)
		tfix_done(t, pl, "nl.ivtd.Project.Decide",
		          json_pack("{s:I,s:s,s:b,s:s}", "id",
		                    (json_int_t)project, "gate", gates[i], "go",
		                    1, "rationale", "akkoord"));
	tfix_advance(t, pl, project);
	tfix_done(t, pl, "nl.ivtd.Protocol.Register",
	          json_pack("{s:I,s:s,s:s}", "project", (json_int_t)project,
	                    "date", t->today, "reference", "AP-2026-1"));
	tfix_advance(t, pl, project);
}

void
tfix_people_projects(struct tfix *t, int64_t p[2])
{
	static const struct tfix_user users[] = {
	    {"pl_a", "projectleider", NULL, 2001},
	    {"pl_b", "projectleider", NULL, 2002},
	    {"p1", "partner", "UWV", 2011},
	    {"p2", "partner", "SVB", 2012},
	    {"p3", "partner", "Politie", 2013},
	    {"p4", "partner", "GGD", 2014},
	    {"priv", "privacy", NULL, 2020},
	};
	static const char *const partners[] = {"UWV", "SVB", "Politie", "GGD"};

	tfix_add_partners(t, partners, 4);
	tfix_add_users(t, users, sizeof(users) / sizeof(users[0]));
	p[0] = tfix_project(t, 2001, "Wijkaanpak Noord", "3511AA-3511ZZ");
	p[1] = tfix_project(t, 2002, "Wijkaanpak Zuid", "3521AA-3521ZZ");
}

void
tfix_grants_subjects(struct tfix *t, uid_t pl, int64_t project,
                     int64_t s[3])
{
	tfix_done(t, pl, "nl.ivtd.Protocol.Grant",
	          json_pack("{s:I,s:s,s:[s]}", "project", (json_int_t)project,
	                    "partner", "UWV", "rights", "leveren"));
	tfix_done(t, pl, "nl.ivtd.Protocol.Grant",
	          json_pack("{s:I,s:s,s:[s,s]}", "project", (json_int_t)project,
	                    "partner", "SVB", "rights", "leveren", "bewerken"));
	tfix_done(t, pl, "nl.ivtd.Protocol.Grant",
	          json_pack("{s:I,s:s,s:[s]}", "project", (json_int_t)project,
	                    "partner", "Politie", "rights", "inlezen"));
	s[0] = tfix_must_id(
	    t, pl, "nl.ivtd.Subject.Create",
	    json_pack("{s:I,s:s,s:s,s:s,s:s,s:[{s:s}]}", "project",
	              (json_int_t)project, "street", "Dorpsstraat",
	              "huisnummer", "1", "postcode", "3511AB", "woonplaats",
	              "Utrecht", "persons", "bsn", "111222333"),
	    "subject");
	s[1] = tfix_must_id(
	    t, pl, "nl.ivtd.Subject.Create",
	    json_pack("{s:I,s:s,s:s,s:s,s:s,s:[s,s,s,s]}", "project",
	              (json_int_t)project, "street", "Kerkweg", "huisnummer",
	              "2", "postcode", "3511AB", "woonplaats", "Utrecht",
	              "partners", "UWV", "SVB", "Politie", "GGD"),
	    "subject");
	s[2] = tfix_must_id(t, pl, "nl.ivtd.Subject.Create",
	                    json_pack("{s:I,s:s,s:s,s:s,s:s}", "project",
	                              (json_int_t)project, "street", "Molenlaan",
	                              "huisnummer", "3", "postcode", "3511AB",
	                              "woonplaats", "Utrecht"),
	                    "subject");
}

int64_t
tfix_work(struct tfix *t, uid_t pl, int64_t project, const int64_t s[3])
{
	tfix_done(t, pl, "nl.ivtd.Subject.Actualise",
	          json_pack("{s:I}", "project", (json_int_t)project));
	tfix_done(t, 2012, "nl.ivtd.Subject.Answer",
	          json_pack("{s:I,s:s}", "subject", (json_int_t)s[1], "answer",
	                    "relevant"));
	tfix_done(
	    t, pl, "nl.ivtd.Day.Assign",
	    json_pack("{s:I,s:s}", "subject", (json_int_t)s[0], "user", "p3"));
	return tfix_must_id(
	    t, 2012, "nl.ivtd.Finding.Add",
	    json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s}", "subject",
	              (json_int_t)s[0], "visit_date", t->today, "category",
	              "zwartwerk", "notes", "Werkplaats aan huis", "action",
	              "nader_onderzoek", "due", t->future, "owner", "UWV"),
	    "finding");
}

int64_t
tfix_day(struct tfix *t, uid_t pl, int64_t project)
{
	return tfix_must_id(
	    t, pl, "nl.ivtd.Day.Create",
	    json_pack("{s:I,s:s,s:s,s:s,s:[s],s:s,s:[{s:s,s:i}],s:s,s:s,s:b}",
	              "project", (json_int_t)project, "date", t->future,
	              "start", "09:00", "end", "17:00", "area", "3511AB",
	              "meeting_point", "Wijkbureau Noord", "partners",
	              "partner", "UWV", "staff", 1, "police", "backup",
	              "police_contact", "Wijkteam Noord", "police_informed", 1),
	    "day");
}

/* --- parameters from the interface ------------------------------------- */

json_t *
tfix_lookup_names(const void *arg, const char *name)
{
	const struct tfix_name *n;

	for (n = arg; n->name != NULL; n++) {
		if (strcmp(n->name, name) == 0)
			return n->id ? json_integer(*n->id) : json_string(n->str);
	}
	fail_msg("unknown placeholder %s", name);
	return NULL;
}

/* Plausible values for string fields, by field name. */
static const struct tfix_text gen_strings[] = {
    {"date", "@TODAY"},
    {"visit_date", "@TODAY"},
    {"start", "09:00"},
    {"end", "17:00"},
    {"street", "Lindelaan"},
    {"huisnummer", "7"},
    {"postcode", "3511AB"},
    {"woonplaats", "Utrecht"},
    {"gemeente", "Utrecht"},
    {"name", "Nieuw"},
    {"problem", "Woonfraude"},
    {"legal_basis", "LSI-convenant"},
    {"purpose", "Handhaving"},
    {"meeting_point", "Wijkbureau Noord"},
    {"rationale", "Akkoord"},
    {"reason", "Weersverwachting"},
    {"note", "Overleg met de partners"},
    {"notes", "Niets aan de hand"},
    {"reference", "AP-2026-119"},
    {"indicator", "leegstand"},
    {"source", "BAG"},
    {"role", "privacy"},
    {"user", "p3"},
    {"partner", "UWV"},
    {NULL, NULL},
};

/* Required arrays that must not be empty, by field name. */
static const struct tfix_text gen_arrays[] = {
    {"area", "[\"3511AB\"]"},
    {"rights", "[\"leveren\"]"},
    {"subjects", "[\"@S3\"]"},
    {NULL, NULL},
};

/* The fixture object an int field names. */
static const struct tfix_int gen_ints[] = {
    {"nl.ivtd.Project", "id", "@P1", 0},
    {"nl.ivtd.Subject", "id", "@S1", 0},
    {"nl.ivtd.Day", "id", "@DAY", 0},
    {"nl.ivtd.Finding", "id", "@FINDING", 0},
    {NULL, "project", "@P1", 0},
    {NULL, "subject", "@S1", 0},
    {NULL, "day", "@DAY", 0},
    {NULL, "uid", NULL, 4000},
    {NULL, "phase", NULL, 0},
    {NULL, NULL, NULL, 0},
};

/* Parameters beyond what the type gives, for the shared fixture. */
static const struct tfix_text gen_overrides[] = {
    {"org.varlink.service.GetInterfaceDescription",
     "{\"interface\":\"nl.ivtd\"}"},
    {"nl.ivtd.Admin.Backup", "{\"path\":\"@BACKUP\"}"},
    {"nl.ivtd.Day.Create",
     "{\"date\":\"@FUTURE\",\"partners\":[{\"partner\":\"UWV\","
     "\"staff\":1}],\"police\":\"present\",\"police_informed\":true}"},
    {"nl.ivtd.Day.Update", "{\"meeting_point\":\"Buurthuis\"}"},
    {"nl.ivtd.Day.List", "{\"project\":\"@P1\"}"},
    {"nl.ivtd.Day.Plan", "{\"subjects\":[\"@S3\"]}"},
    {"nl.ivtd.Day.Unplan", "{\"subjects\":[\"@S3\"]}"},
    {"nl.ivtd.Day.Assign", "{\"subject\":\"@S3\",\"user\":\"p3\"}"},
    {"nl.ivtd.Finding.Add", "{\"action\":\"geen\"}"},
    {"nl.ivtd.Finding.Update", "{\"notes\":\"Bijgewerkt\"}"},
    {"nl.ivtd.Finding.FollowupList", "{\"project\":\"@P1\"}"},
    {"nl.ivtd.Project.Update", "{\"name\":\"Wijkaanpak Zuid\"}"},
    {"nl.ivtd.Protocol.Grant",
     "{\"partner\":\"GGD\",\"rights\":[\"inlezen\"]}"},
    {"nl.ivtd.Protocol.Revoke", "{\"partner\":\"SVB\"}"},
    {"nl.ivtd.Subject.Create", "{\"persons\":[{\"bsn\":\"123456782\"}]}"},
    {"nl.ivtd.Subject.Find", "{\"bsn\":\"111222333\"}"},
    {"nl.ivtd.Subject.Answer", "{\"subject\":\"@S2\"}"},
    {"nl.ivtd.Subject.Resolve", "{\"subject\":\"@S2\"}"},
    {"nl.ivtd.User.Add", "{\"role\":\"privacy\"}"},
    {"nl.ivtd.User.Disable", "{\"name\":\"priv\"}"},
    {"nl.ivtd.User.Enable", "{\"name\":\"priv\"}"},
    {NULL, NULL},
};

const struct idl_type *
tfix_resolve_type(const struct idl_interface *iface, const struct idl_type *t)
{
	size_t i;

	while (t->kind == IDL_NAMED) {
		for (i = 0; i < iface->ntypes; i++) {
			if (strcmp(iface->types[i].name, t->ref) == 0)
				break;
		}
		assert_true(i < iface->ntypes);
		t = iface->types[i].type;
	}
	return t;
}

static const char *
text_for(const struct tfix_text *table, const char *key)
{
	for (; table != NULL && table->key != NULL; table++) {
		if (strcmp(table->key, key) == 0)
			return table->value;
	}
	return NULL;
}

static const struct tfix_int *
int_entry(const struct tfix_int *table, const char *iface, const char *field)
{
	for (; table != NULL && table->field != NULL; table++) {
		if (strcmp(table->field, field) == 0 &&
		    (table->iface == NULL || strcmp(table->iface, iface) == 0))
			return table;
	}
	return NULL;
}

static json_int_t
gen_int(const struct tfix_gen *g, const char *iface, const char *field)
{
	const struct tfix_int *e = int_entry(g->ints, iface, field);
	json_int_t n;
	json_t *v;

	if (e == NULL)
		e = int_entry(gen_ints, iface, field);
	if (e == NULL) {
		if (strcmp(field, "id") == 0)
			fail_msg("%s: which fixture object is \"id\"?", iface);
		return 1;
	}
	if (e->name == NULL)
		return e->n;
	v = g->lookup(g->arg, e->name);
	assert_true(json_is_integer(v));
	n = json_integer_value(v);
	json_decref(v);
	return n;
}

static json_t *gen_struct(const struct tfix_gen *,
                          const struct idl_interface *,
                          const struct idl_type *);

json_t *
tfix_gen_value(const struct tfix_gen *g, const struct idl_interface *iface,
               const char *field, const struct idl_type *t)
{
	const char *s;

	t = tfix_resolve_type(iface, t);
	switch (t->kind) {
	case IDL_BOOL:
		return json_false();
	case IDL_INT:
		return json_integer(gen_int(g, iface->name, field));
	case IDL_FLOAT:
		return json_real(1.0);
	case IDL_STRING:
		if ((s = text_for(gen_strings, field)) == NULL &&
		    (s = text_for(g->strings, field)) == NULL)
			s = "x";
		return json_string(s);
	case IDL_ENUM:
		return json_string(t->fields[0].name);
	case IDL_STRUCT:
		return gen_struct(g, iface, t);
	case IDL_ARRAY:
		if ((s = text_for(gen_arrays, field)) != NULL)
			return json_loads(s, 0, NULL);
		return json_array();
	case IDL_OBJECT:
	case IDL_MAP:
	case IDL_NAMED:
		break;
	}
	return json_object();
}

/* Every required member; optional ones (?T) are left out. */
static json_t *
gen_struct(const struct tfix_gen *g, const struct idl_interface *iface,
           const struct idl_type *t)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < t->nfields; i++) {
		if (t->fields[i].type->nullable)
			continue;
		json_object_set_new(o, t->fields[i].name,
		                    tfix_gen_value(g, iface, t->fields[i].name,
		                                   t->fields[i].type));
	}
	return o;
}

/* Merge every override of method name in table into p. */
static void
gen_override(json_t *p, const struct tfix_text *table, const char *name)
{
	json_t *o;

	for (; table != NULL && table->key != NULL; table++) {
		if (strcmp(table->key, name) != 0)
			continue;
		o = json_loads(table->value, 0, NULL);
		assert_non_null(o);
		assert_int_equal(json_object_update(p, o), 0);
		json_decref(o);
	}
}

json_t *
tfix_gen_params(const struct tfix_gen *g, const struct idl_interface *iface,
                const struct idl_method *m, const char *name)
{
	json_t *p = gen_struct(g, iface, m->in);

	gen_override(p, gen_overrides, name);
	gen_override(p, g->overrides, name);
	return p;
}

/* --- the database ------------------------------------------------------- */

sqlite3_stmt *
tfix_prepare(struct tfix *t, const char *sql)
{
	sqlite3_stmt *st = NULL;

	assert_int_equal(
	    sqlite3_prepare_v2(t->ctx.store->db, sql, -1, &st, NULL),
	    SQLITE_OK);
	return st;
}

/* The first column of st's first row, or -1; st finalized. */
static int64_t
first_int(sqlite3_stmt *st)
{
	int64_t n = -1;

	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

int64_t
tfix_scalar(struct tfix *t, const char *sql)
{
	return first_int(tfix_prepare(t, sql));
}

int64_t
tfix_scalar_id(struct tfix *t, const char *sql, int64_t a)
{
	sqlite3_stmt *st = tfix_prepare(t, sql);

	sqlite3_bind_int64(st, 1, a);
	return first_int(st);
}

int
tfix_last_denied(struct tfix *t, const char *method, uid_t uid)
{
	sqlite3_stmt *st = tfix_prepare(
	    t, "SELECT result = 'denied' AND method = ?1 AND actor_uid = ?2 "
	       "FROM audit ORDER BY seq DESC LIMIT 1");

	sqlite3_bind_text(st, 1, method, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)uid);
	return first_int(st) == 1;
}

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The rows of one table, as a sum of row hashes: independent of order,
 * so WITHOUT ROWID tables need no ORDER BY. */
static uint64_t
table_sum(sqlite3 *db, const char *table)
{
	char sql[256];
	sqlite3_stmt *st;
	uint64_t sum = 0, h;
	int i, n, type, len;

	snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"", table);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	n = sqlite3_column_count(st);
	while (sqlite3_step(st) == SQLITE_ROW) {
		h = fnv(0xcbf29ce484222325ULL, table, strlen(table) + 1);
		for (i = 0; i < n; i++) {
			type = sqlite3_column_type(st, i);
			h = fnv(h, &type, sizeof(type));
			if (type == SQLITE_NULL)
				continue;
			if (type == SQLITE_INTEGER) {
				sqlite3_int64 v = sqlite3_column_int64(st, i);
				h = fnv(h, &v, sizeof(v));
				continue;
			}
			if (type == SQLITE_FLOAT) {
				double v = sqlite3_column_double(st, i);
				h = fnv(h, &v, sizeof(v));
				continue;
			}
			len = sqlite3_column_bytes(st, i);
			h = fnv(h, &len, sizeof(len));
			h = fnv(h, sqlite3_column_blob(st, i), (size_t)len);
		}
		sum += h;
	}
	assert_int_equal(sqlite3_finalize(st), SQLITE_OK);
	return sum;
}

uint64_t
tfix_db_sum(struct tfix *t)
{
	static const char sql[] =
	    "SELECT name FROM sqlite_master WHERE type = 'table' AND "
	    "name NOT IN ('audit', 'audit_checkpoint') ORDER BY name";
	sqlite3 *db = t->ctx.store->db;
	sqlite3_stmt *st;
	uint64_t sum = 0;
	char name[128];
	int ntables = 0;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(name, sizeof(name), "%s", sqlite3_column_text(st, 0));
		/* Mixed per table, so a row cannot move unnoticed. */
		sum = sum * 31 + table_sum(db, name);
		ntables++;
	}
	assert_int_equal(sqlite3_finalize(st), SQLITE_OK);
	/* An empty or unopened schema would sum to a constant. */
	assert_true(ntables > 10);
	return sum;
}

static void
copy_db(sqlite3 *to, sqlite3 *from)
{
	sqlite3_backup *b;

	b = sqlite3_backup_init(to, "main", from, "main");
	assert_non_null(b);
	assert_int_equal(sqlite3_backup_step(b, -1), SQLITE_DONE);
	assert_int_equal(sqlite3_backup_finish(b), SQLITE_OK);
}

void
tfix_snapshot(struct tfix *t)
{
	if (t->snap == NULL)
		assert_int_equal(sqlite3_open(":memory:", &t->snap), SQLITE_OK);
	copy_db(t->snap, t->ctx.store->db);
	t->sum = tfix_db_sum(t);
}

void
tfix_restore(struct tfix *t)
{
	assert_non_null(t->snap);
	copy_db(t->ctx.store->db, t->snap);
}
