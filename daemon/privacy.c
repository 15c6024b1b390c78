/*
 * privacy.c - nl.ivtd.Privacy: the register of processing activities, as
 * the running daemon knows it.  Public to every known user: the register
 * says what ivtd does with personal data, not whose.
 */
#include "register.h"
#include "varlink.h"

/* A ';'-separated register field as a JSON array of strings. */
static json_t *
list_json(const char *field)
{
	char item[REGISTER_FIELD_MAX + 1];
	const char *p = field;
	json_t *a;

	if ((a = json_array()) == NULL)
		return NULL;
	while (register_list_next(&p, item, sizeof(item))) {
		if (json_array_append_new(a, json_string(item)) == -1) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *
activity_json(const struct activity *a)
{
	json_t *o;

	o = json_pack("{s:s,s:b,s:s,s:s,s:s,s:s,s:o,s:o,s:o}", "id", a->id,
	              "retired", a->retired, "name", a->name, "purpose",
	              a->purpose, "legal_basis", a->legal_basis, "retention",
	              a->retention, "categories", list_json(a->categories),
	              "data_subjects", list_json(a->subjects), "recipients",
	              list_json(a->recipients));
	if (o != NULL && a->successor[0] != '\0' &&
	    json_object_set_new(o, "successor", json_string(a->successor)) ==
	        -1) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int
privacy_register(struct call *c)
{
	const struct activity_register *r = register_get();
	json_t *list, *v;
	size_t i;

	if (r == NULL || (list = json_array()) == NULL)
		return call_internal(c);
	for (i = 0; i < r->n; i++) {
		if ((v = activity_json(&r->act[i])) == NULL ||
		    json_array_append_new(list, v) == -1) {
			json_decref(list);
			return call_internal(c);
		}
	}
	c->reply = json_pack("{s:o}", "activities", list);
	return c->reply != NULL ? 0 : call_internal(c);
}

const struct method privacy_methods[] = {
    {"nl.ivtd.Privacy.Register", privacy_register, ROLE_ANY, 0, NULL},
    {NULL, NULL, 0, 0, NULL},
};
