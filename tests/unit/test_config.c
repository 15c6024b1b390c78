/*
 * test_config.c - defaults, the key = value parser and file checks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

static int
parse(struct config *c, const char *text, char *err, size_t errlen)
{
	return config_parse(c, text, strlen(text), err, errlen);
}

static void
test_defaults(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	assert_string_equal(c.state_dir, "/var/lib/ivtd");
	assert_string_equal(c.socket_path, "/run/ivtd/ivtd.sock");
	assert_string_equal(c.db_path, "/var/lib/ivtd/ivtd.db");
	assert_string_equal(c.key_path, "/var/lib/ivtd/master.key");
	assert_int_equal(c.socket_mode, 0660);
	assert_int_equal(c.max_message, 1024 * 1024);
	/* The allowance shared by unknown uids is wider than one uid's. */
	assert_int_equal(c.denials_burst, 30);
	assert_int_equal(c.denials_per_minute, 60);
	assert_int_equal(c.denials_total_burst, 120);
	assert_int_equal(c.denials_total_per_minute, 240);
}

static void
test_state_dir(void **state)
{
	struct config c;
	char err[128];

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_set_state_dir(&c, "/tmp/x", err, sizeof(err)),
	                 0);
	assert_string_equal(c.socket_path, "/tmp/x/ivtd.sock");
	assert_string_equal(c.db_path, "/tmp/x/ivtd.db");
	assert_string_equal(c.key_path, "/tmp/x/master.key");
	/* An explicit path survives a later state_dir. */
	config_defaults(&c);
	assert_int_equal(parse(&c,
	                       "key_file = /etc/ivtd/key\n"
	                       "state_dir = /srv/ivtd\n",
	                       err, sizeof(err)),
	                 0);
	assert_string_equal(c.key_path, "/etc/ivtd/key");
	assert_string_equal(c.db_path, "/srv/ivtd/ivtd.db");
	assert_int_equal(config_set_state_dir(&c, "relative", err, sizeof(err)),
	                 -1);
}

static void
test_parse_all_keys(void **state)
{
	static const char text[] =
		"# comment\n"
		"\n"
		"  socket = /run/x.sock  \r\n"
		"socket_group=ivtd\n"
		"socket_mode = 0666\n"
		"database = /d/ivtd.db\n"
		"user = ivtd\n"
		"max_message = 2048\n"
		"max_output = 65536\n"
		"max_connections = 10\n"
		"max_connections_per_uid = 2\n"
		"idle_timeout = 0\n"
		"checkpoint_every = 5\n"
		"wal_pages = 250\n"
		"retention_days = 0\n"
		"log_level = debug";
	struct config c;
	char err[128];

	(void)state;
	config_defaults(&c);
	assert_int_equal(parse(&c, text, err, sizeof(err)), 0);
	assert_string_equal(c.socket_path, "/run/x.sock");
	assert_string_equal(c.socket_group, "ivtd");
	assert_int_equal(c.socket_mode, 0666);
	assert_string_equal(c.db_path, "/d/ivtd.db");
	assert_string_equal(c.user, "ivtd");
	assert_int_equal(c.max_message, 2048);
	assert_int_equal(c.max_output, 65536);
	assert_int_equal(c.max_connections, 10);
	assert_int_equal(c.max_connections_uid, 2);
	assert_int_equal(c.idle_timeout, 0);
	assert_int_equal(c.checkpoint_every, 5);
	assert_int_equal(c.wal_pages, 250);
	assert_int_equal(c.retention_days, 0);
	assert_int_equal(c.log_level, LOG_DEBUG);
}

static void
test_parse_errors(void **state)
{
	static const struct {
		const char *text;
		const char *want;
	} bad[] = {
		{"nonsense\n", "line 1: expected"},
		{"\nfoo = 1\n", "line 2: unknown key"},
		{"max_message = 12x\n", "line 1: invalid value"},
		{"max_message = 1\n", "invalid value"},
		{"max_message = 99999999999999999999\n", "invalid value"},
		{"socket_mode = 0999\n", "invalid value"},
		{"socket_mode = 0400\n", "invalid value"},
		{"socket = relative.sock\n", "invalid value"},
		{"log_level = loud\n", "invalid value"},
		{"idle_timeout = -1\n", "invalid value"},
		{"retention_days = -1\n", "invalid value"},
		{"retention_days = 36501\n", "invalid value"},
		{"max_connections =\n", "invalid value"},
	};
	struct config c;
	char err[128], big[2048];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		config_defaults(&c);
		err[0] = '\0';
		assert_int_equal(parse(&c, bad[i].text, err, sizeof(err)), -1);
		if (strstr(err, bad[i].want) == NULL)
			fail_msg("'%s': got '%s'", bad[i].text, err);
	}
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(parse(&c, big, err, sizeof(err)), -1);
	/* A NUL inside the text is refused, not read as an end. */
	assert_int_equal(config_parse(&c, "user = a\0b\n", 11, err,
	                              sizeof(err)),
	                 -1);
}

static void
test_load_file_mode(void **state)
{
	char dir[] = "/tmp/ivt-conf-XXXXXX", path[64], err[256];
	struct config c;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ivtd.conf", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "max_connections = 7\n", 20), 20);
	close(fd);
	config_defaults(&c);
	assert_int_equal(config_load(&c, path, err, sizeof(err)), 0);
	assert_int_equal(c.max_connections, 7);
	chmod(path, 0666);
	assert_int_equal(config_load(&c, path, err, sizeof(err)), -1);
	chmod(path, 0644);
	assert_int_equal(config_load(&c, path, err, sizeof(err)), -1);
	unlink(path);
	assert_int_equal(config_load(&c, path, err, sizeof(err)), -1);
	rmdir(dir);
}

/* Each numeric key at and just past both ends of its range, and the
 * field its value lands in. */
static void
test_numeric_ranges(void **state)
{
	static const struct {
		const char *key;
		long long min, max;
		int octal;
	} keys[] = {
		{"socket_mode", 0600, 0777, 1},
		{"max_message", 1024, 64LL << 20, 0},
		{"max_output", 64 * 1024, 1LL << 30, 0},
		{"max_connections", 1, 65536, 0},
		{"max_connections_per_uid", 1, 65536, 0},
		{"unknown_denials_burst", 1, 1000000, 0},
		{"unknown_denials_per_minute", 1, 1000000, 0},
		{"unknown_denials_total_burst", 1, 1000000, 0},
		{"unknown_denials_total_per_minute", 1, 1000000, 0},
		{"idle_timeout", 0, 86400, 0},
		{"checkpoint_every", 1, 1000000, 0},
		{"wal_pages", 100, 1000000, 0},
		{"retention_days", 0, 36500, 0},
	};
	struct config c;
	char text[128], err[256];
	long long v, got;
	size_t i;
	int end;

	(void)state;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		for (end = 0; end < 4; end++) {
			v = end == 0 ? keys[i].min : end == 1 ? keys[i].max
			  : end == 2 ? keys[i].min - 1 : keys[i].max + 1;
			if (v < 0)
				continue;
			snprintf(text, sizeof(text),
			         keys[i].octal ? "%s = 0%llo\n" : "%s = %lld\n",
			         keys[i].key, v);
			config_defaults(&c);
			if (end >= 2) {
				assert_int_equal(parse(&c, text, err,
				                       sizeof(err)),
				                 -1);
				continue;
			}
			assert_int_equal(parse(&c, text, err, sizeof(err)), 0);
			got = i == 0   ? (long long)c.socket_mode
			    : i == 1   ? (long long)c.max_message
			    : i == 2   ? (long long)c.max_output
			    : i == 3   ? c.max_connections
			    : i == 4   ? c.max_connections_uid
			    : i == 5   ? c.denials_burst
			    : i == 6   ? c.denials_per_minute
			    : i == 7   ? c.denials_total_burst
			    : i == 8   ? c.denials_total_per_minute
			    : i == 9   ? c.idle_timeout
			    : i == 10  ? c.checkpoint_every
			    : i == 11  ? c.wal_pages
			               : c.retention_days;
			assert_int_equal(got, v);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_state_dir),
		cmocka_unit_test(test_parse_all_keys),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_numeric_ranges),
		cmocka_unit_test(test_load_file_mode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
