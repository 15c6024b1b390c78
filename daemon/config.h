/*
 * config.h - ivtd configuration: built-in defaults, an optional file of
 * "key = value" lines (see ivtd.conf(5)) and command-line overrides.
 */
#ifndef IVTD_CONFIG_H
#define IVTD_CONFIG_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "log.h"

#define CONFIG_FILE_MAX (64 * 1024)

struct config {
	char state_dir[PATH_MAX];
	char socket_path[108]; /* sizeof(sun_path) */
	char socket_group[64]; /* "" keeps the daemon's group */
	mode_t socket_mode;
	char db_path[PATH_MAX];
	char key_path[PATH_MAX];
	char user[64]; /* drop privileges to this user when root */
	size_t max_message;
	size_t max_output;       /* per-connection unsent bytes */
	int max_connections;
	int max_connections_uid;
	int idle_timeout;        /* seconds; 0 disables */
	int checkpoint_every;    /* audit entries per signed checkpoint */
	int wal_pages;           /* WAL pages before they are copied back */
	int denials_burst;       /* audited denials of an unknown uid ... */
	int denials_per_minute;  /* ... and their refill rate */
	int denials_total_burst; /* the same for all unknown uids ... */
	int denials_total_per_minute; /* ... together */
	int retention_days;      /* default retention after closure */
	enum log_level log_level;
	unsigned explicit_paths; /* paths set by key, kept by state_dir */
};

/* Fill built-in defaults. */
void config_defaults(struct config *c);
/*
 * Parse configuration text (need not be NUL-terminated).  Unknown keys,
 * malformed lines and out-of-range values are errors: a typo must not
 * silently run the daemon with a default.  err gets "line N: what".
 */
int config_parse(struct config *c, const char *text, size_t len, char *err,
                 size_t errlen);
/* Read and parse a file; refuses one writable by group/others, readable
 * by others, or larger than CONFIG_FILE_MAX. */
int config_load(struct config *c, const char *path, char *err, size_t errlen);
/* Point socket/database/key inside dir unless set explicitly. */
int config_set_state_dir(struct config *c, const char *dir, char *err,
                         size_t errlen);

#endif
