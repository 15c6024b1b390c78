/*
 * config.c - configuration defaults and the "key = value" file parser.
 *
 * The parser is a fuzz target: it never reads past len and bounds every
 * value it copies.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ivt/wire.h"
#include "store.h"

#define DEFAULT_STATE_DIR "/var/lib/ivtd"
#define DEFAULT_SOCKET    "/run/ivtd/ivtd.sock"

/* Which path fields were set explicitly (so --state-dir leaves them). */
#define SET_SOCKET 0x1
#define SET_DB     0x2
#define SET_KEY    0x4

void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	(void)config_set_state_dir(c, DEFAULT_STATE_DIR, NULL, 0);
	/* The default socket lives in /run; another state_dir moves it. */
	snprintf(c->socket_path, sizeof(c->socket_path), "%s", DEFAULT_SOCKET);
	c->socket_mode = 0660;
	c->max_message = IVT_MSG_MAX_DEFAULT;
	c->max_output = 16 * 1024 * 1024;
	c->max_connections = 256;
	c->max_connections_uid = 32;
	c->idle_timeout = 600;
	c->checkpoint_every = 1000;
	c->wal_pages = STORE_WAL_AUTOCHECKPOINT;
	/* Enough for any honest mistake, far from a flood. */
	c->denials_burst = 30;
	c->denials_per_minute = 60;
	/* Room for a few uids at once, a bound on many uids taking turns. */
	c->denials_total_burst = 120;
	c->denials_total_per_minute = 240;
	/* Five years after closure, as the register (ivt-04..08) says. */
	c->retention_days = 1826;
	c->log_level = LOG_INFO;
}

static int
set_path(char *dst, size_t dstlen, const char *dir, const char *file)
{
	int n = snprintf(dst, dstlen, "%s/%s", dir, file);

	return n < 0 || (size_t)n >= dstlen ? -1 : 0;
}

int
config_set_state_dir(struct config *c, const char *dir, char *err,
                     size_t errlen)
{
	int n;

	n = snprintf(c->state_dir, sizeof(c->state_dir), "%s", dir);
	if (n < 0 || (size_t)n >= sizeof(c->state_dir) ||
	    (!(c->explicit_paths & SET_SOCKET) &&
	     set_path(c->socket_path, sizeof(c->socket_path), dir,
	              "ivtd.sock") == -1) ||
	    (!(c->explicit_paths & SET_DB) &&
	     set_path(c->db_path, sizeof(c->db_path), dir, "ivtd.db") == -1) ||
	    (!(c->explicit_paths & SET_KEY) &&
	     set_path(c->key_path, sizeof(c->key_path), dir, "master.key") ==
	         -1)) {
		if (err)
			snprintf(err, errlen, "state directory path too long");
		return -1;
	}
	if (dir[0] != '/') {
		if (err)
			snprintf(err, errlen, "state directory must be absolute");
		return -1;
	}
	return 0;
}

/* Parse a decimal integer in [lo, hi]; base 8 when octal is set. */
static int
parse_num(const char *v, long long lo, long long hi, int octal, long long *out)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, octal ? 8 : 10);
	if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

static int
copy_str(char *dst, size_t dstlen, const char *v)
{
	size_t n = strlen(v);

	if (n >= dstlen)
		return -1;
	memcpy(dst, v, n + 1);
	return 0;
}

static int
copy_path(struct config *c, char *dst, size_t dstlen, const char *v,
          unsigned flag)
{
	if (v[0] != '/' || copy_str(dst, dstlen, v) == -1)
		return -1;
	c->explicit_paths |= flag;
	return 0;
}

/* The numeric keys: their range, and the field the value goes to. */
enum num_kind { NUM_INT, NUM_SIZE, NUM_MODE };

static const struct num_key {
	const char *key;
	long long min, max;
	int octal;
	enum num_kind kind;
	size_t off;
} num_keys[] = {
	{"socket_mode", 0600, 0777, 1, NUM_MODE,
	 offsetof(struct config, socket_mode)},
	{"max_message", 1024, 64LL << 20, 0, NUM_SIZE,
	 offsetof(struct config, max_message)},
	{"max_output", 64 * 1024, 1LL << 30, 0, NUM_SIZE,
	 offsetof(struct config, max_output)},
	{"max_connections", 1, 65536, 0, NUM_INT,
	 offsetof(struct config, max_connections)},
	{"max_connections_per_uid", 1, 65536, 0, NUM_INT,
	 offsetof(struct config, max_connections_uid)},
	{"unknown_denials_burst", 1, 1000000, 0, NUM_INT,
	 offsetof(struct config, denials_burst)},
	{"unknown_denials_per_minute", 1, 1000000, 0, NUM_INT,
	 offsetof(struct config, denials_per_minute)},
	{"unknown_denials_total_burst", 1, 1000000, 0, NUM_INT,
	 offsetof(struct config, denials_total_burst)},
	{"unknown_denials_total_per_minute", 1, 1000000, 0, NUM_INT,
	 offsetof(struct config, denials_total_per_minute)},
	{"idle_timeout", 0, 86400, 0, NUM_INT,
	 offsetof(struct config, idle_timeout)},
	{"checkpoint_every", 1, 1000000, 0, NUM_INT,
	 offsetof(struct config, checkpoint_every)},
	{"wal_pages", 100, 1000000, 0, NUM_INT,
	 offsetof(struct config, wal_pages)},
	{"retention_days", 0, 36500, 0, NUM_INT,
	 offsetof(struct config, retention_days)},
};

static int
set_num(struct config *c, const struct num_key *nk, const char *v)
{
	char *field = (char *)c + nk->off;
	long long n;
	size_t z;
	mode_t m;
	int i;

	if (parse_num(v, nk->min, nk->max, nk->octal, &n) == -1)
		return -1;
	/* In range, so each conversion keeps the value. */
	switch (nk->kind) {
	case NUM_INT:
		i = (int)n;
		memcpy(field, &i, sizeof(i));
		break;
	case NUM_SIZE:
		z = (size_t)n;
		memcpy(field, &z, sizeof(z));
		break;
	case NUM_MODE:
		m = (mode_t)n;
		memcpy(field, &m, sizeof(m));
		break;
	}
	return 0;
}

/* Apply one key/value pair; -1 on an unknown key or a bad value. */
static int
config_set(struct config *c, const char *k, const char *v, const char **why)
{
	size_t i;

	*why = "invalid value";
	if (strcmp(k, "state_dir") == 0)
		return config_set_state_dir(c, v, NULL, 0);
	if (strcmp(k, "socket") == 0)
		return copy_path(c, c->socket_path, sizeof(c->socket_path), v,
		                 SET_SOCKET);
	if (strcmp(k, "database") == 0)
		return copy_path(c, c->db_path, sizeof(c->db_path), v, SET_DB);
	if (strcmp(k, "key_file") == 0)
		return copy_path(c, c->key_path, sizeof(c->key_path), v, SET_KEY);
	if (strcmp(k, "socket_group") == 0)
		return copy_str(c->socket_group, sizeof(c->socket_group), v);
	if (strcmp(k, "user") == 0)
		return copy_str(c->user, sizeof(c->user), v);
	if (strcmp(k, "log_level") == 0)
		return log_parse_level(v, &c->log_level);
	for (i = 0; i < sizeof(num_keys) / sizeof(num_keys[0]); i++) {
		if (strcmp(k, num_keys[i].key) == 0)
			return set_num(c, &num_keys[i], v);
	}
	*why = "unknown key";
	return -1;
}

/* Trim ASCII white space in place; returns the trimmed start. */
static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

int
config_parse(struct config *c, const char *text, size_t len, char *err,
             size_t errlen)
{
	char line[1024], *k, *v, *eq;
	const char *p = text, *end = text + len, *nl, *why;
	size_t n;
	int lineno = 0;

	while (p < end) {
		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl ? nl : end) - p);
		if (n >= sizeof(line)) {
			snprintf(err, errlen, "line %d: too long", lineno);
			return -1;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl ? nl + 1 : end;
		if (memchr(line, '\0', n) != NULL) {
			snprintf(err, errlen, "line %d: NUL byte", lineno);
			return -1;
		}
		k = trim(line);
		if (*k == '\0' || *k == '#')
			continue;
		if ((eq = strchr(k, '=')) == NULL) {
			snprintf(err, errlen, "line %d: expected key = value",
			         lineno);
			return -1;
		}
		*eq = '\0';
		k = trim(k);
		v = trim(eq + 1);
		if (config_set(c, k, v, &why) == -1) {
			/* Quote the key only: values may be paths or names. */
			snprintf(err, errlen, "line %d: %s for '%.64s'", lineno,
			         why, k);
			return -1;
		}
	}
	return 0;
}

int
config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	ssize_t r;
	size_t got = 0;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) ==
	    -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* Its owner could change it, and it names the user we become. */
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > CONFIG_FILE_MAX || (st.st_mode & 026) != 0 ||
	    (st.st_uid != 0 && st.st_uid != geteuid())) {
		snprintf(err, errlen,
		         "%s: not a regular file of at most %d bytes, or "
		         "writable by group or others, or readable by others, "
		         "or owned by another user than root or us",
		         path, CONFIG_FILE_MAX);
		close(fd);
		return -1;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while (got < (size_t)st.st_size) {
		r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	rc = config_parse(c, buf, got, err, errlen);
	free(buf);
	return rc;
}
