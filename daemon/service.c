/*
 * service.c - org.varlink.service introspection and nl.ivtd.WhoAmI.
 */
#include <string.h>

#include "ivt/wire.h"
#include "varlink.h"

static int
service_get_info(struct call *c)
{
	json_t *list;
	size_t i;

	/* Built once: the protocol floor should not rebuild 20 strings. */
	if (c->ctx->info == NULL) {
		if ((list = json_array()) == NULL)
			return call_internal(c);
		for (i = 0; i < c->ctx->nifaces; i++)
			json_array_append_new(
			    list, json_string(c->ctx->ifaces[i]->name));
		c->ctx->info = json_pack(
		    "{s:s,s:s,s:s,s:s,s:o}", "vendor", "ivtd project",
		    "product", "ivtd", "version", IVT_VERSION, "url",
		    "https://varlink.org", "interfaces", list);
		if (c->ctx->info == NULL)
			return call_internal(c);
		/* And encoded once: the server sends these bytes. */
		c->ctx->info_raw =
		    ivt_msg_encode(c->ctx->info, &c->ctx->info_rawlen);
	}
	/* The reply holds a reference; nothing modifies it. */
	c->reply = json_incref(c->ctx->info);
	if (c->ctx->info_raw != NULL) {
		c->raw = c->ctx->info_raw;
		c->rawlen = c->ctx->info_rawlen - 1; /* without the NUL */
	}
	return 0;
}

static int
service_get_description(struct call *c)
{
	const char *name = ivt_json_str(c->params, "interface");
	size_t i;

	for (i = 0; i < c->ctx->nifaces; i++) {
		if (strcmp(c->ctx->ifaces[i]->name, name) == 0) {
			c->reply = json_pack("{s:s}", "description",
			                     c->ctx->ifaces[i]->text);
			return c->reply ? 0 : call_internal(c);
		}
	}
	return call_fail(c, "org.varlink.service.InterfaceNotFound", "{s:s}",
	                 "interface", name);
}

static int
whoami(struct call *c)
{
	c->reply = json_pack("{s:I,s:s,s:s}", "uid", (json_int_t)c->who.uid,
	                     "name", c->who.name, "role",
	                     role_name(c->who.role));
	if (c->reply == NULL)
		return call_internal(c);
	if (c->who.org[0] != '\0')
		json_object_set_new(c->reply, "org", json_string(c->who.org));
	return 0;
}

const struct method service_methods[] = {
	{"org.varlink.service.GetInfo", service_get_info, 0, M_PUBLIC, NULL},
	{"org.varlink.service.GetInterfaceDescription",
	 service_get_description, 0, M_PUBLIC, NULL},
	{"nl.ivtd.WhoAmI", whoami, ROLE_ANY, 0, NULL},
	{NULL, NULL, 0, 0, NULL},
};
