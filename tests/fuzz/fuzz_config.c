/*
 * fuzz_config.c - libFuzzer target: the ivtd.conf parser
 * (daemon/config.c), given the bytes without a terminator, as
 * config_load hands it a file's contents.
 */
#include <stdint.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	char err[256];

	if (size > CONFIG_FILE_MAX)
		return 0; /* config_load refuses larger files */
	config_defaults(&c);
	log_set_level(LOG_ERR);
	if (config_parse(&c, (const char *)data, size, err, sizeof(err)) == 0) {
		/* What it accepted is terminated and within bounds. */
		if (memchr(c.socket_path, '\0', sizeof(c.socket_path)) ==
		        NULL ||
		    memchr(c.state_dir, '\0', sizeof(c.state_dir)) == NULL ||
		    memchr(c.db_path, '\0', sizeof(c.db_path)) == NULL ||
		    memchr(c.key_path, '\0', sizeof(c.key_path)) == NULL ||
		    c.max_connections <= 0 || c.max_message == 0)
			__builtin_trap();
	} else if (memchr(err, '\0', sizeof(err)) == NULL) {
		__builtin_trap();
	}
	return 0;
}
