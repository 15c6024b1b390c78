/*
 * main.c - ivtd: start-up, the event loop and shutdown.
 *
 * Start-up follows ivtd(8): harden the process, read the configuration,
 * create the state and socket directories, and, when root was asked to
 * run as another user, hand those directories to that user and drop
 * privileges for good before any file of the daemon is opened.  Only then
 * the lock, the key, the database and the socket, so all of them belong to
 * the unprivileged user.  The service manager hears READY=1 once the
 * socket listens and STOPPING=1 when shutdown begins.
 */
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "audit.h"
#include "config.h"
#include "crypto.h"
#include "ivt/wire.h"
#include "log.h"
#include "server.h"
#include "store.h"
#include "varlink.h"

/* The account the daemon runs as after start-up (the "user" setting). */
struct runas {
	int drop; /* 1: root must switch to uid/gid below */
	uid_t uid;
	gid_t gid;
	char name[64];
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: ivtd [--config FILE] [--state-dir DIR] "
	           "[--help] [--version]\n"
	           "Runs in the foreground; see ivtd(8).\n");
}

/* mkdir, then chmod: the mode must not depend on the umask. */
static int
mkdir_mode(const char *path, mode_t mode)
{
	if (mkdir(path, mode) == -1)
		return errno == EEXIST ? 0 : -1;
	return chmod(path, mode);
}

/* mkdir -p for the state (0711) and socket (0755) directories; existing
 * directories keep their mode. */
static int
make_dir(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	char *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -1;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir_mode(buf, 0755) == -1)
			return -1;
		*p = '/';
	}
	return mkdir_mode(buf, mode);
}

/* One daemon per state directory: hold an exclusive lock for our life. */
static int
lock_state(const char *dir)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/ivtd.lock", dir) >=
	    (int)sizeof(path))
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		log_err("%s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		log_err("another ivtd is running on %s", dir);
		close(fd);
		return -1;
	}
	return fd;
}

static int
parse_args(int argc, char **argv, struct config *cfg)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"state-dir", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *conf = NULL, *state = NULL;
	char err[512];
	int ch;

	while ((ch = getopt_long(argc, argv, "c:s:hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 's':
			state = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("ivtd %s\n", IVT_VERSION);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -1;
	}
	if (conf != NULL && config_load(cfg, conf, err, sizeof(err)) == -1) {
		log_err("config %s", err);
		return -1;
	}
	if (state != NULL &&
	    config_set_state_dir(cfg, state, err, sizeof(err)) == -1) {
		log_err("--state-dir: %s", err);
		return -1;
	}
	return 0;
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	log_info("signal %d: shutting down", (int)sig);
	event_base_loopexit(arg, NULL);
}

/* Directory part of path into buf. */
static void
dir_of(const char *path, char *buf, size_t len)
{
	char *slash;

	snprintf(buf, len, "%s", path);
	if ((slash = strrchr(buf, '/')) != NULL && slash != buf)
		*slash = '\0';
}

static int
run(struct config *cfg)
{
	struct daemon_ctx ctx;
	struct event_base *base = NULL;
	struct event *sigterm = NULL, *sigint = NULL;
	struct server *srv = NULL;
	char err[512], sockdir[PATH_MAX];
	int rc = 1;

	memset(&ctx, 0, sizeof(ctx));
	ctx.cfg = cfg;
	if ((ctx.crypto = crypto_open(cfg->key_path, 1, err, sizeof(err))) ==
	    NULL) {
		log_err("%s", err);
		return 1;
	}
	if ((ctx.store = store_open(cfg->db_path, err, sizeof(err))) == NULL) {
		log_err("%s", err);
		goto out;
	}
	if (varlink_init(&ctx, err, sizeof(err)) == -1) {
		log_err("%s", err);
		goto out;
	}
	if (auth_bootstrap(ctx.store, ctx.crypto, getuid(),
	                   cfg->checkpoint_every) == -1) {
		log_err("cannot create the first admin");
		goto out;
	}
	dir_of(cfg->socket_path, sockdir, sizeof(sockdir));
	if (make_dir(sockdir, 0755) == -1) {
		log_err("cannot create socket directory %s", sockdir);
		goto out;
	}
	if ((base = event_base_new()) == NULL ||
	    (srv = server_new(base, &ctx, err, sizeof(err))) == NULL) {
		log_err("%s", base ? err : "cannot create event loop");
		goto out;
	}
	sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	sigint = evsignal_new(base, SIGINT, on_signal, base);
	if (sigterm == NULL || sigint == NULL || evsignal_add(sigterm, NULL) ||
	    evsignal_add(sigint, NULL)) {
		log_err("cannot install signal handlers");
		goto out;
	}
	log_info("ivtd %s ready", IVT_VERSION);
	log_info("state dir %s", cfg->state_dir);
	log_info("socket    %s", cfg->socket_path);
	log_info("database  %s", cfg->db_path);
	log_info("key       %s", cfg->key_path);
	event_base_dispatch(base);
	rc = 0;
out:
	if (sigterm)
		event_free(sigterm);
	if (sigint)
		event_free(sigint);
	server_free(srv);
	if (base)
		event_base_free(base);
	/* Every handled call has committed; seal the tail of the log. */
	if (ctx.store != NULL && audit_checkpoint(ctx.store, ctx.crypto) == -1) {
		log_err("cannot write the closing audit checkpoint");
		rc = 1;
	}
	varlink_free(&ctx);
	store_close(ctx.store);
	crypto_close(ctx.crypto);
	if (rc == 0)
		log_info("stopped");
	return rc;
}

int
main(int argc, char **argv)
{
	struct config cfg;
	int lockfd, rc;

	signal(SIGPIPE, SIG_IGN);
	config_defaults(&cfg);
	if (parse_args(argc, argv, &cfg) == -1)
		return 2;
	log_set_level(cfg.log_level);
	if (crypto_init() == -1) {
		log_err("libsodium initialisation failed");
		return 1;
	}
	umask(077);
	/*
	 * 0711: others may pass through to a socket kept here (--state-dir)
	 * but not list it; every file inside is 0600 under umask 077.
	 */
	if (make_dir(cfg.state_dir, 0711) == -1) {
		log_err("cannot create state directory %s: %s", cfg.state_dir,
		        strerror(errno));
		return 1;
	}
	if ((lockfd = lock_state(cfg.state_dir)) == -1)
		return 1;
	rc = run(&cfg);
	close(lockfd);
	return rc;
}
