/*
 * validate.h - value checks shared by the method handlers.  The varlink
 * interface already checked types and lengths; these check meaning.
 */
#ifndef IVTD_VALIDATE_H
#define IVTD_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define UID_LIMIT 2147483647LL

/* 1-64 of [A-Za-z0-9._-], not starting with '-' or '.'. */
int valid_account_name(const char *s);
/* 1-128 bytes of printable UTF-8 without control characters, not only
 * spaces: names of organisations, projects and the like. */
int valid_display_name(const char *s);

/* Free text (descriptions, rationales, notes): 1..max bytes, not only
 * white space, no control characters but newline and tab. */
int valid_text(const char *s, size_t max);

/* Partner id for an exact name: >0 found, 0 none, -1 database error. */
int64_t partner_id_by_name(struct store *s, const char *name);

#endif
