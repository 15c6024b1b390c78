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
#include "backup.h"
#include "config.h"
#include "crypto.h"
#include "ivt/jparse.h"
#include "ivt/wire.h"
#include "keys.h"
#include "retention.h"
#include "import.h"
#include "log.h"
#include "server.h"
#include "store.h"
#include "varlink.h"
#include "walcopy.h"

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

/*
 * The state directory holds the key, its store and the database: whoever
 * else may write in it could rename the key away, or put files of theirs
 * in place of ours.  It must be ours, and writable by us alone (an
 * existing one keeps its mode: refuse rather than change it silently).
 */
static int
check_state_dir(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) == -1) {
		log_err("%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		log_err("state directory %s must be a directory of uid %u "
		        "that group and others may not write to (mode %o, "
		        "uid %u)",
		        dir, (unsigned)geteuid(),
		        (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
		return -1;
	}
	return 0;
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

/* Directory part of path into buf: "/" for a file in the root. */
static void
dir_of(const char *path, char *buf, size_t len)
{
	char *slash;

	snprintf(buf, len, "%s", path);
	if ((slash = strrchr(buf, '/')) == buf)
		buf[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
}

/*
 * Make the process as hard to read from outside as we can: not dumpable
 * (no core file, no ptrace by the same uid, /proc/PID owned by root) and
 * a core size limit of 0 in case something makes it dumpable again.  The
 * keys live in sodium_malloc memory, but the database pages and the
 * plaintext of a call pass through ordinary memory.
 */
static int
harden_process(void)
{
	const struct rlimit zero = {0, 0};

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1 ||
	    setrlimit(RLIMIT_CORE, &zero) == -1) {
		log_err("cannot disable core dumps: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Every connection costs a descriptor, and running out of them makes
 * accept() fail over and over: raise the soft limit to cover
 * max_connections plus what the daemon itself keeps open (listener,
 * database, WAL, a backup in progress, logs).
 */
static void
raise_nofile(const struct config *cfg)
{
	const rlim_t need = (rlim_t)cfg->max_connections + 64;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= need)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need
	                  ? need
	                  : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur < need)
		log_warn("open file limit %llu is too low for max_connections "
		         "%d; connections beyond it will wait",
		         (unsigned long long)rl.rlim_cur, cfg->max_connections);
}

/*
 * Tell the service manager our state with the sd_notify(3) protocol, as
 * Redis does, without linking libsystemd: one datagram to the AF_UNIX
 * socket named by $NOTIFY_SOCKET, a path or, with a leading '@', an
 * abstract address.  Without the variable this does nothing; a failure is
 * only logged, since a supervisor that cannot be told must not stop the
 * daemon (systemd then times the start out and says so).
 */
static void
notify_manager(const char *state)
{
	const char *addr = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	socklen_t salen;
	size_t len;
	int fd;

	if (addr == NULL || addr[0] == '\0')
		return;
	len = strlen(addr);
	if ((addr[0] != '/' && addr[0] != '@') || len < 2 ||
	    len >= sizeof(sun.sun_path)) {
		log_warn("NOTIFY_SOCKET is not a socket path or abstract "
		         "address; not notifying");
		return;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, addr, len);
	/* An abstract name is exactly len bytes, a leading NUL for '@'. */
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	if (addr[0] == '@')
		sun.sun_path[0] = '\0';
	else
		salen++;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	           (struct sockaddr *)&sun, salen) == -1)
		log_warn("cannot notify the service manager: %s",
		         strerror(errno));
	if (fd != -1)
		close(fd);
}

/*
 * Look up the "user" setting.  Only root can switch users; any other uid
 * keeps running as itself.  A user that does not exist, or that is root,
 * stops the daemon: it must never run as root by mistake.
 */
static int
resolve_user(const struct config *cfg, struct runas *ra)
{
	struct passwd *pw;

	memset(ra, 0, sizeof(*ra));
	if (cfg->user[0] == '\0')
		return 0;
	if (geteuid() != 0) {
		log_warn("not started as root: running as uid %u, not as "
		         "user %s",
		         (unsigned)geteuid(), cfg->user);
		return 0;
	}
	errno = 0;
	if ((pw = getpwnam(cfg->user)) == NULL) {
		log_err("user %s: %s", cfg->user,
		        errno != 0 ? strerror(errno) : "no such user");
		return -1;
	}
	if (pw->pw_uid == 0) {
		log_err("user %s is root; name an unprivileged user",
		        cfg->user);
		return -1;
	}
	ra->drop = 1;
	ra->uid = pw->pw_uid;
	ra->gid = pw->pw_gid;
	snprintf(ra->name, sizeof(ra->name), "%s", pw->pw_name);
	return 0;
}

/* Give one path to the daemon's user; a file that is not there is fine. */
static int
chown_failed(const char *path, const struct runas *ra, const char *why)
{
	log_err("cannot give %s to user %s: %s", path, ra->name, why);
	return -1;
}

static int
chown_path(const char *path, const struct runas *ra)
{
	struct stat st;
	int fd, rc = 0;

	/*
	 * The user owns the state directory and could put a link there in
	 * place of its files: a symbolic link we would follow, or a hard link
	 * to a file of root's that we would hand over.  So: the file itself
	 * (O_PATH | O_NOFOLLOW), a directory or a regular file with no other
	 * name, changed through that descriptor.
	 */
	if ((fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return errno == ENOENT
		           ? 0
		           : chown_failed(path, ra, strerror(errno));
	if (fstat(fd, &st) == -1)
		rc = chown_failed(path, ra, strerror(errno));
	else if (!S_ISDIR(st.st_mode) &&
	         (!S_ISREG(st.st_mode) || st.st_nlink != 1))
		rc = chown_failed(path, ra,
		                  "not a directory or a regular file with one "
		                  "name");
	else if (fchownat(fd, "", ra->uid, ra->gid, AT_EMPTY_PATH) == -1)
		rc = chown_failed(path, ra, strerror(errno));
	close(fd);
	return rc;
}

/* Give a directory to the user, unless anyone may write in it (/tmp). */
static int
chown_dir(const char *path, const struct runas *ra)
{
	struct stat st;

	if (lstat(path, &st) == -1 || !S_ISDIR(st.st_mode)) {
		log_err("%s is not a directory", path);
		return -1;
	}
	if (st.st_mode & S_IWOTH)
		return 0;
	return chown_path(path, ra);
}

/*
 * Is dir ours to hand over: empty but for (a stale) sock?  That is how
 * we made it, or how systemd's RuntimeDirectory= leaves it; a directory
 * with other files in it belongs to someone else and is left alone.
 */
static int
dir_only_socket(const char *dir, const char *sock)
{
	const char *base = strrchr(sock, '/');
	struct dirent *de;
	DIR *d;
	int only = 1;

	base = base != NULL ? base + 1 : sock;
	if ((d = opendir(dir)) == NULL)
		return 0;
	while (only && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0 &&
		    strcmp(de->d_name, base) != 0)
			only = 0;
	}
	closedir(d);
	return only;
}

/*
 * Before dropping privileges: give the user the state directory, the
 * socket directory when it is ours, and the files an earlier run as root
 * left, so that the unprivileged daemon can open and create them.
 * Database and key file outside the state directory are given too, but
 * not their directories.
 */
static int
give_to_user(const struct config *cfg, const struct runas *ra)
{
	static const char *const db_files[] = {"", "-wal", "-shm"};
	static const char *const key_files[] = {".store", ".next"};
	char path[PATH_MAX], sockdir[PATH_MAX];
	size_t i;

	if (chown_dir(cfg->state_dir, ra) == -1)
		return -1;
	dir_of(cfg->socket_path, sockdir, sizeof(sockdir));
	if (strcmp(sockdir, cfg->state_dir) != 0 &&
	    dir_only_socket(sockdir, cfg->socket_path) &&
	    chown_dir(sockdir, ra) == -1)
		return -1;
	if (snprintf(path, sizeof(path), "%s/ivtd.lock", cfg->state_dir) >=
	        (int)sizeof(path) ||
	    chown_path(path, ra) == -1 || chown_path(cfg->key_path, ra) == -1)
		return -1;
	/* The key store and a rotation's next key (keys.h) go with it. */
	for (i = 0; i < sizeof(key_files) / sizeof(key_files[0]); i++) {
		if (snprintf(path, sizeof(path), "%s%s", cfg->key_path,
		             key_files[i]) >= (int)sizeof(path) ||
		    chown_path(path, ra) == -1)
			return -1;
	}
	for (i = 0; i < sizeof(db_files) / sizeof(db_files[0]); i++) {
		if (snprintf(path, sizeof(path), "%s%s", cfg->db_path,
		             db_files[i]) >= (int)sizeof(path) ||
		    chown_path(path, ra) == -1)
			return -1;
	}
	return 0;
}

/*
 * Switch to the user for good: its groups (so a socket_group it belongs
 * to can be given to the socket), then gid, then uid, real, effective and
 * saved alike.  Then prove that root cannot be regained.
 */
static int
drop_privileges(const struct runas *ra)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	if (initgroups(ra->name, ra->gid) == -1 ||
	    setresgid(ra->gid, ra->gid, ra->gid) == -1 ||
	    setresuid(ra->uid, ra->uid, ra->uid) == -1) {
		log_err("cannot switch to user %s: %s", ra->name,
		        strerror(errno));
		return -1;
	}
	if (getresuid(&r, &e, &s) == -1 || getresgid(&rg, &eg, &sg) == -1 ||
	    r != ra->uid || e != ra->uid || s != ra->uid || rg != ra->gid ||
	    eg != ra->gid || sg != ra->gid || setuid(0) != -1 ||
	    seteuid(0) != -1) {
		log_err("privileges were not dropped completely");
		return -1;
	}
	/* A change of credentials resets the dumpable flag. */
	if (harden_process() == -1)
		return -1;
	log_info("running as user %s (uid %u)", ra->name, (unsigned)ra->uid);
	return 0;
}

/* Create the state and socket directories, as the user that started us. */
static int
make_dirs(const struct config *cfg)
{
	char sockdir[PATH_MAX];

	/*
	 * 0711: others may pass through to a socket kept here (--state-dir)
	 * but not list it; every file inside is 0600 under umask 077.
	 */
	if (make_dir(cfg->state_dir, 0711) == -1) {
		log_err("cannot create state directory %s: %s", cfg->state_dir,
		        strerror(errno));
		return -1;
	}
	dir_of(cfg->socket_path, sockdir, sizeof(sockdir));
	if (make_dir(sockdir, 0755) == -1) {
		log_err("cannot create socket directory %s: %s", sockdir,
		        strerror(errno));
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

/*
 * Open key, database and socket, serve until a signal, then shut down.
 * started_by is the real uid that ran ivtd, before any switch of user.
 */
static int
run(struct config *cfg, uid_t started_by)
{
	struct daemon_ctx ctx;
	struct event_base *base = NULL;
	struct event *sigterm = NULL, *sigint = NULL;
	struct server *srv = NULL;
	struct walcopy *walcopy = NULL;
	char err[512];
	int rc = 1;

	memset(&ctx, 0, sizeof(ctx));
	ctx.cfg = cfg;
	if ((ctx.store = store_open(cfg->db_path, err, sizeof(err))) == NULL) {
		log_err("%s", err);
		goto out;
	}
	/* Without it the loop checkpoints as SQLite does by itself. */
	walcopy = walcopy_start(ctx.store, cfg->db_path, cfg->wal_pages, err,
	                        sizeof(err));
	if (walcopy == NULL) {
		log_warn("%s; checkpoints stay in the event loop", err);
		sqlite3_wal_autocheckpoint(ctx.store->db, cfg->wal_pages);
	}
	backup_recover(cfg);
	/* The master key, recognised by the database (keys.h), and what an
	 * interrupted rotation or destruction left: finished before serving. */
	if (keys_open(&ctx, 1, err, sizeof(err)) == -1) {
		log_err("%s", err);
		goto out;
	}
	if (varlink_init(&ctx, err, sizeof(err)) == -1) {
		log_err("%s", err);
		goto out;
	}
	/* The uid that started us, not the one we dropped to, is admin. */
	if (auth_bootstrap(ctx.store, ctx.crypto, started_by,
	                   cfg->checkpoint_every) == -1) {
		log_err("cannot create the first admin");
		goto out;
	}
	if ((base = event_base_new()) == NULL ||
	    (srv = server_new(base, &ctx, err, sizeof(err))) == NULL) {
		log_err("%s", base ? err : "cannot create event loop");
		goto out;
	}
	if (keys_attach(&ctx, base) == -1 ||
	    retention_attach(&ctx, base) == -1 || import_attach(base) == -1 ||
	    varlink_attach(&ctx, base) == -1) {
		log_err("cannot create the key rotation, retention, import and "
		        "audit timers");
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
	notify_manager("READY=1");
	event_base_dispatch(base);
	notify_manager("STOPPING=1");
	rc = 0;
out:
	if (sigterm)
		event_free(sigterm);
	if (sigint)
		event_free(sigint);
	server_free(srv);
	/* Every handled call has committed; counted refusals go in, and the
	 * closing checkpoint seals the tail of the log. */
	if (ctx.store != NULL && ctx.crypto != NULL)
		(void)varlink_audit_refusals(&ctx);
	if (ctx.store != NULL && ctx.crypto != NULL &&
	    audit_checkpoint(ctx.store, ctx.crypto) == -1) {
		log_err("cannot write the closing audit checkpoint");
		rc = 1;
	}
	varlink_free(&ctx);
	/* Frees the timers: before the event base. */
	retention_detach();
	import_detach();
	varlink_detach();
	keys_close(&ctx);
	if (base)
		event_base_free(base);
	walcopy_stop(walcopy);
	store_close(ctx.store);
	if (rc == 0)
		log_info("stopped");
	return rc;
}

int
main(int argc, char **argv)
{
	struct config cfg;
	struct runas ra;
	uid_t started_by = getuid();
	int lockfd, rc;

	signal(SIGPIPE, SIG_IGN);
	ivt_json_wipe_on_free();
	if (harden_process() == -1)
		return 1;
	config_defaults(&cfg);
	if (parse_args(argc, argv, &cfg) == -1)
		return 2;
	log_set_level(cfg.log_level);
	if (crypto_init() == -1) {
		log_err("libsodium initialisation failed");
		return 1;
	}
	umask(077);
	raise_nofile(&cfg);
	if (resolve_user(&cfg, &ra) == -1 || make_dirs(&cfg) == -1)
		return 1;
	if (ra.drop &&
	    (give_to_user(&cfg, &ra) == -1 || drop_privileges(&ra) == -1))
		return 1;
	if (check_state_dir(cfg.state_dir) == -1)
		return 1;
	if ((lockfd = lock_state(cfg.state_dir)) == -1)
		return 1;
	rc = run(&cfg, started_by);
	close(lockfd);
	return rc;
}
