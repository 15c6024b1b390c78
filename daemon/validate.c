/*
 * validate.c - value checks shared by the method handlers.
 */
#include <string.h>

#include "validate.h"

int
valid_account_name(const char *s)
{
	size_t i, n;

	if (s == NULL || (n = strlen(s)) == 0 || n > 64 || s[0] == '-' ||
	    s[0] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
		      ch == '-'))
			return 0;
	}
	return 1;
}

int
valid_display_name(const char *s)
{
	int visible = 0;
	size_t i, n;

	if (s == NULL || (n = strlen(s)) == 0 || n > 128)
		return 0;
	/* Bytes >= 0x80 are UTF-8 (jansson validated it): allowed. */
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch == 0x7f)
			return 0;
		if (ch != ' ')
			visible = 1;
	}
	return visible;
}

int
valid_text(const char *s, size_t max)
{
	int visible = 0;
	size_t i, n;

	if (s == NULL || (n = strlen(s)) == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f)
			return 0;
		if (ch != ' ' && ch != '\n' && ch != '\t')
			visible = 1;
	}
	return visible;
}

int64_t
partner_id_by_name(struct store *s, const char *name)
{
	static const char sql[] = "SELECT id FROM partners WHERE name = ?";
	sqlite3_stmt *st;
	int64_t id = 0;
	int rc;

	if ((st = store_prepare(s, sql)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? id : -1;
}
