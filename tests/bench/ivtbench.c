/*
 * ivtbench.c - how fast is ivtd, next to Redis on the same machine.
 *
 * Starts its own ivtd on a scratch directory; as the invoking uid (root,
 * the bootstrap admin) adds a projectleider, and as that projectleider
 * (the admin handles no personal data) sets up a project, then measures,
 * each for --seconds:
 *
 *   GetInfo         org.varlink.service.GetInfo: the protocol floor
 *   audited read    nl.ivtd.Subject.Show of one subject: decrypt plus an
 *                   audit entry committed before the reply
 *   durable write   nl.ivtd.Subject.Create of a new subject
 *
 * each over 1 and over 16 connections.  Every connection runs a closed
 * loop, as redis-benchmark does without -P: one call in flight, the next
 * sent when its reply is in, no pipelining.  All connections are driven
 * by one poll() loop in one thread, so the client costs a fraction of
 * what the daemon spends per call.  Then it imports --rows CSV rows with
 * `ivtctl subject import`, fills the project up to --subjects subjects,
 * and reads the daemon's resident set (VmRSS) idle and after.  When
 * redis-server is installed, Redis PING over a Unix socket at the same
 * connection counts is the peer reference, driven by the same closed loop
 * (so the ratio compares the servers, not two clients); redis-benchmark's
 * own figure, when it is installed, is printed beside it as a cross-check.
 *
 * Client and server each run on a CPU of their own (see place); GetInfo
 * and PING at one connection are measured once more with both on one
 * CPU: a diagnostic, no target.
 *
 * Output: a table with the targets of issue 8 next to the figures, and
 * one JSON line (fields that could not be measured are null).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ivt/wire.h"

#ifndef IVT_BENCH_BUILD
#define IVT_BENCH_BUILD "unknown"
#endif

#define MAXCONN     16
#define REQ_MAX     1024
#define FRAME_MAX   (16 * 1024 * 1024)
#define DRAIN_LIMIT 60.0 /* seconds without a reply: the daemon is stuck */

static struct opts {
	char ivtd[PATH_MAX];
	char ivtctl[PATH_MAX];
	char parent[PATH_MAX]; /* where the scratch directory goes */
	double seconds;
	long subjects;
	long rows;
	const char *only; /* measure just this workload (for profiling) */
	int keep;
	int redis;
	int pin; /* client and server each on a CPU of its own (place) */
} opt;

static char scratch[PATH_MAX];
static char sockpath[108];
static pid_t daemon_pid = -1;
/*
 * The projectleider the workloads run as, added by the admin: the admin
 * (root, who starts the benchmark) may not create or read subjects.
 */
#define LEADER_UID 4001
static int as_leader; /* ivtd_connect connects as LEADER_UID */
static pid_t redis_pid = -1;
static char redis_sock[108];

/* Figures; NAN when not measured. */
static struct results {
	double getinfo[2], show[2], create[2]; /* as the scheduler placed us */
	/* GetInfo and Redis PING (driven by our own closed loop) with client
	 * and server pinned to a CPU each (see place): the comparison. */
	double getinfo_pin[2];
	double ping[2];
	double ping_rb[2]; /* the same, by redis-benchmark (a cross-check) */
	/* 1 connection, client and server on one CPU (see place). */
	double getinfo_cpu1, ping_cpu1;
	/* Latency in microseconds of the counted calls: [workload][1 or 16
	 * connections][median, 99th percentile]. */
	double lat[3][2][2];
	double import_s, import_rows;
	long rss_idle, rss_full; /* KiB, -1 when unknown */
	long nsubjects;
	double
	    fsync_us; /* median 4 KiB write + fdatasync on the scratch disk */
	const char *import_note;
	int unplaced; /* GetInfo / PING could not be pinned (see place) */
} res;

static void die(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "ivtbench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	if (daemon_pid > 0)
		kill(daemon_pid, SIGKILL);
	if (redis_pid > 0)
		kill(redis_pid, SIGKILL);
	if (scratch[0] != '\0')
		fprintf(stderr, "ivtbench: scratch directory %s kept\n",
		        scratch);
	exit(1);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sleep_s(double s)
{
	struct timespec ts;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

static void
path_join(char *dst, size_t len, const char *dir, const char *file)
{
	if ((size_t)snprintf(dst, len, "%s/%s", dir, file) >= len)
		die("path too long: %s/%s", dir, file);
}

/* --- processes ---------------------------------------------------------- */

/*
 * fork and exec argv with stdout and stderr to logfile (NULL: inherit);
 * as the projectleider (see LEADER_UID) with its standard input from
 * leader_stdin when that is not NULL.
 */
static pid_t
spawn_as(char *const argv[], const char *logfile, const char *leader_stdin)
{
	pid_t pid;
	int fd;

	if ((pid = fork()) == -1)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		if (logfile != NULL) {
			fd = open(logfile, O_WRONLY | O_CREAT | O_APPEND, 0600);
			if (fd == -1 || dup2(fd, 1) == -1 || dup2(fd, 2) == -1)
				_exit(127);
			close(fd);
		}
		/* Opened as root: the scratch files are root's own. */
		if (leader_stdin != NULL &&
		    ((fd = open(leader_stdin, O_RDONLY)) == -1 ||
		     dup2(fd, 0) == -1 || close(fd) == -1 ||
		     setresuid(LEADER_UID, LEADER_UID, LEADER_UID) == -1))
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static pid_t
spawn(char *const argv[], const char *logfile)
{
	return spawn_as(argv, logfile, NULL);
}

/* Wait for pid; its exit status, or -1 when it did not exit normally. */
static int
reap(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) == -1) {
		if (errno != EINTR)
			return -1;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int
unix_connect(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * A connection to ivtd as the projectleider once it exists: the daemon
 * knows the caller by the effective uid at connect() (SO_PEERCRED), so
 * only that call runs with it.  The group stays root's, for the socket
 * (0660).
 */
static int
ivtd_connect(void)
{
	int fd, err;

	if (as_leader && seteuid(LEADER_UID) == -1)
		die("seteuid %d: %s", LEADER_UID, strerror(errno));
	fd = unix_connect(sockpath);
	err = errno;
	if (as_leader && seteuid(0) == -1)
		die("seteuid 0: %s", strerror(errno));
	errno = err;
	return fd;
}

/* Wait up to 10 s until path accepts connections and pid still lives. */
static void
wait_socket(const char *path, pid_t pid, const char *what)
{
	int fd, i;

	for (i = 0; i < 200; i++) {
		if ((fd = unix_connect(path)) != -1) {
			close(fd);
			return;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid)
			die("%s exited during start (see %s)", what, scratch);
		sleep_s(0.05);
	}
	die("%s did not open %s", what, path);
}

/* VmRSS of pid in KiB, or -1. */
static long
rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	}
	fclose(f);
	return kib;
}

/* --- the daemon ---------------------------------------------------------- */

static void
daemon_start(void)
{
	char conf[PATH_MAX], state[PATH_MAX], log[PATH_MAX];
	char *argv[4];
	FILE *f;
	int fd;

	path_join(conf, sizeof(conf), scratch, "ivtd.conf");
	path_join(state, sizeof(state), scratch, "state");
	path_join(log, sizeof(log), scratch, "ivtd.log");
	path_join(sockpath, sizeof(sockpath), scratch, "ivtd.sock");
	if ((fd = open(conf, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1 ||
	    (f = fdopen(fd, "w")) == NULL)
		die("%s: %s", conf, strerror(errno));
	/* Defaults otherwise: durability (synchronous=FULL) included. */
	fprintf(f, "state_dir = %s\nsocket = %s\nlog_level = info\n", state,
	        sockpath);
	if (fclose(f) == EOF)
		die("%s: %s", conf, strerror(errno));
	argv[0] = opt.ivtd;
	argv[1] = (char *)"--config";
	argv[2] = conf;
	argv[3] = NULL;
	daemon_pid = spawn(argv, log);
	wait_socket(sockpath, daemon_pid, "ivtd");
}

static void
daemon_stop(void)
{
	int rc;

	if (daemon_pid <= 0)
		return;
	kill(daemon_pid, SIGTERM);
	rc = reap(daemon_pid);
	daemon_pid = -1;
	if (rc != 0)
		die("ivtd exited with %d on SIGTERM", rc);
}

/* --- one blocking call, for the set-up ---------------------------------- */

static json_t *
rpc(int fd, const char *method, json_t *params)
{
	struct ivt_framer fr;
	json_t *msg, *reply;
	const char *m, *e;
	char buf[65536], err[128];
	char *out;
	size_t len, off;
	ssize_t n;

	msg = json_pack("{s:s,s:o}", "method", method, "parameters",
	                params ? params : json_object());
	if (msg == NULL || (out = ivt_msg_encode(msg, &len)) == NULL)
		die("%s: cannot encode", method);
	json_decref(msg);
	for (off = 0; off < len; off += (size_t)n) {
		if ((n = write(fd, out + off, len - off)) <= 0)
			die("%s: write: %s", method, strerror(errno));
	}
	free(out);
	ivt_framer_init(&fr, FRAME_MAX);
	while (ivt_framer_next(&fr, &m, &len) != IVT_FRAME_MSG) {
		if ((n = read(fd, buf, sizeof(buf))) <= 0)
			die("%s: connection closed", method);
		if (ivt_framer_push(&fr, buf, (size_t)n) == -1)
			die("out of memory");
	}
	if ((reply = ivt_msg_parse(m, len, err, sizeof(err))) == NULL)
		die("%s: %s", method, err);
	ivt_framer_free(&fr);
	if ((e = ivt_json_str(reply, "error")) != NULL)
		die("%s failed: %s", method, e);
	return reply;
}

static void
rpc_ok(int fd, const char *method, const char *fmt, ...)
{
	json_error_t jerr;
	json_t *params;
	va_list ap;

	va_start(ap, fmt);
	params = json_vpack_ex(&jerr, 0, fmt, ap);
	va_end(ap);
	if (params == NULL)
		die("%s: %s", method, jerr.text);
	json_decref(rpc(fd, method, params));
}

/* A project in phase voorbereidend with its protocol registered: ready
 * for subjects.  Its area covers every postcode. */
static void
setup_project(void)
{
	static const char *const gates[] = {"probleemdefinitie",
	                                    "collegebesluit", "rpf", "lsi"};
	size_t i;
	int fd;

	if ((fd = unix_connect(sockpath)) == -1)
		die("connect %s: %s", sockpath, strerror(errno));
	rpc_ok(fd, "nl.ivtd.User.Add", "{s:i,s:s,s:s}", "uid", LEADER_UID,
	       "name", "bench-pl", "role", "projectleider");
	close(fd);
	as_leader = 1;
	if ((fd = ivtd_connect()) == -1)
		die("connect %s: %s", sockpath, strerror(errno));
	rpc_ok(fd, "nl.ivtd.Project.Create", "{s:s,s:s,s:s,s:[],s:[s],s:s,s:s}",
	       "name", "Benchmark", "gemeente", "Utrecht", "problem",
	       "benchmark", "themes", "area", "1000AA-9999ZZ", "legal_basis",
	       "benchmark", "purpose", "benchmark");
	rpc_ok(fd, "nl.ivtd.Project.Advance", "{s:i,s:s}", "id", 1, "rationale",
	       "benchmark");
	for (i = 0; i < sizeof(gates) / sizeof(gates[0]); i++)
		rpc_ok(fd, "nl.ivtd.Project.Decide", "{s:i,s:s,s:b,s:s}", "id",
		       1, "gate", gates[i], "go", 1, "rationale", "benchmark");
	rpc_ok(fd, "nl.ivtd.Project.Advance", "{s:i,s:s}", "id", 1, "rationale",
	       "benchmark");
	rpc_ok(fd, "nl.ivtd.Protocol.Register", "{s:i,s:s,s:s}", "project", 1,
	       "date", "2026-01-01", "reference", "benchmark");
	/* Subject 1: the one the audited-read benchmark shows. */
	rpc_ok(fd, "nl.ivtd.Subject.Create",
	       "{s:i,s:s,s:s,s:s,s:s,s:[{s:s,s:s,s:s}]}", "project", 1,
	       "street", "Dorpsstraat", "huisnummer", "12", "postcode",
	       "3511AB", "woonplaats", "Utrecht", "persons", "bsn", "111222333",
	       "name", "Jan Jansen", "birthdate", "1970-05-01");
	res.nsubjects = 1;
	close(fd);
}

/* --- made-up subjects ----------------------------------------------------- */

/* A BSN that passes the elfproef, different for every n < 10^7. */
static void
make_bsn(long n, char out[24])
{
	long base;
	int i, sum, d9;

	for (base = 10000000 + n * 9;; base++) {
		snprintf(out, 24, "%08ld", base % 100000000);
		for (i = 0, sum = 0; i < 8; i++)
			sum += (9 - i) * (out[i] - '0');
		if ((d9 = sum % 11) < 10)
			break;
	}
	out[8] = (char)('0' + d9);
	out[9] = '\0';
}

/*
 * A distinct address for subject n of series s (0: Create, 1: import):
 * 9000 four-digit parts times 400 letter pairs without the unused SA, SD
 * and SS, and the series as the house number, so no two merge.
 */
static void
make_address(long n, int s, char pc[24], char nr[24])
{
	static const char letters[] = "ABCDEFGHJKLMNPRTVWXZ";
	long pair = (n / 9000) % 400;

	snprintf(pc, 24, "%04ld%c%c", 1000 + n % 9000, letters[pair / 20],
	         letters[pair % 20]);
	snprintf(nr, 24, "%ld", 1 + s + 2 * (n / 3600000));
}

/* --- the closed-loop load ------------------------------------------------- */

struct workload {
	const char *name;
	int idx; /* into res.lat */
	/* Write the next call (with its NUL) into buf; its length. */
	size_t (*next)(char *buf, size_t cap);
	int resp; /* Redis: replies are lines, not NUL-ended frames */
};

static long create_seq; /* next subject of series 0 */

static size_t
fixed_call(char *buf, size_t cap, const char *text)
{
	size_t n = strlen(text) + 1;

	if (n > cap)
		die("call too long");
	memcpy(buf, text, n);
	return n;
}

static size_t
next_getinfo(char *buf, size_t cap)
{
	return fixed_call(buf, cap,
	                  "{\"method\":\"org.varlink.service.GetInfo\"}");
}

static size_t
next_show(char *buf, size_t cap)
{
	return fixed_call(buf, cap,
	                  "{\"method\":\"nl.ivtd.Subject.Show\","
	                  "\"parameters\":{\"id\":1}}");
}

static size_t
next_create(char *buf, size_t cap)
{
	char pc[24], nr[24], bsn[24];
	int n;

	make_address(create_seq, 0, pc, nr);
	make_bsn(create_seq, bsn);
	create_seq++;
	n = snprintf(buf, cap,
	             "{\"method\":\"nl.ivtd.Subject.Create\",\"parameters\":"
	             "{\"project\":1,\"street\":\"Benchstraat\","
	             "\"huisnummer\":\"%s\",\"postcode\":\"%s\","
	             "\"woonplaats\":\"Utrecht\",\"persons\":[{\"bsn\":"
	             "\"%s\",\"name\":\"Bench Persoon\",\"birthdate\":"
	             "\"1980-01-01\"}],\"codes\":[\"bench\"]}}",
	             nr, pc, bsn);
	if (n < 0 || (size_t)n + 1 > cap)
		die("call too long");
	return (size_t)n + 1; /* the NUL snprintf wrote ends the frame */
}

/* PING as redis-benchmark sends it (PING_MBULK); the reply is +PONG. */
static size_t
next_ping(char *buf, size_t cap)
{
	return fixed_call(buf, cap, "*1\r\n$4\r\nPING\r\n") - 1;
}

static const struct workload wl_getinfo = {"GetInfo", 0, next_getinfo, 0};
static const struct workload wl_show = {"Subject.Show", 1, next_show, 0};
static const struct workload wl_create = {"Subject.Create", 2, next_create, 0};
static const struct workload wl_ping = {"Redis PING", -1, next_ping, 1};

struct lconn {
	int fd;
	struct ivt_framer fr;
	char req[REQ_MAX];
	size_t reqlen, reqoff; /* the call in flight and how much is sent */
	int busy;              /* a call is in flight */
	int midline;           /* RESP: within a reply line */
	int error;             /* RESP: that line is an error (-ERR) */
	double t_sent;         /* when it was sent */
};

struct load {
	const struct workload *w;
	struct lconn c[MAXCONN];
	int n;
	double t_count, t_stop; /* replies in [t_count, t_stop) count */
	double t_last;          /* last reply: a stalled daemon ends the run */
	long max_calls;         /* stop sending after this many; 0: no cap */
	long sent, counted, ok, errors;
	float *lat; /* microseconds of each counted call */
	size_t nlat, caplat;
};

static void
lconn_send(struct load *l, struct lconn *c)
{
	ssize_t n;

	while (c->reqoff < c->reqlen) {
		n = write(c->fd, c->req + c->reqoff, c->reqlen - c->reqoff);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return; /* poll() says when to go on */
		if (n <= 0)
			die("%s: write: %s", l->w->name, strerror(errno));
		c->reqoff += (size_t)n;
	}
}

/* Start the next call on c unless the run is over. */
static void
lconn_next(struct load *l, struct lconn *c, double t)
{
	if (t >= l->t_stop || (l->max_calls && l->sent >= l->max_calls))
		return;
	c->reqlen = l->w->next(c->req, sizeof(c->req));
	c->reqoff = 0;
	c->busy = 1;
	c->t_sent = t;
	l->sent++;
	lconn_send(l, c);
}

static void
lconn_reply(struct load *l, struct lconn *c, const char *msg, size_t len)
{
	double t = now();

	if (!c->busy)
		die("%s: reply without a call", l->w->name);
	c->busy = 0;
	l->t_last = t;
	/* Errors are {"error":...}; anything else is a reply. */
	if (len >= 8 && memcmp(msg, "{\"error\"", 8) == 0) {
		if (l->errors++ == 0)
			fprintf(stderr, "ivtbench: %s: %.*s\n", l->w->name,
			        (int)(len > 200 ? 200 : len), msg);
	} else {
		l->ok++;
	}
	if (t >= l->t_count && t < l->t_stop) {
		l->counted++;
		if (l->nlat == l->caplat) {
			l->caplat = l->caplat ? l->caplat * 2 : 65536;
			if ((l->lat = realloc(
			         l->lat, l->caplat * sizeof(*l->lat))) == NULL)
				die("out of memory");
		}
		l->lat[l->nlat++] = (float)((t - c->t_sent) * 1e6);
	}
	lconn_next(l, c, t);
}

/* Redis replies: one line each, "-..." for an error (PING only). */
static void
lconn_read_resp(struct load *l, struct lconn *c, const char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!c->midline) {
			c->midline = 1;
			c->error = buf[i] == '-';
		}
		if (buf[i] == '\n') {
			c->midline = 0;
			lconn_reply(l, c,
			            c->error ? "{\"error\":\"redis\"}" : "+",
			            c->error ? 16 : 1);
		}
	}
}

static void
lconn_read(struct load *l, struct lconn *c)
{
	static char chunk[65536];
	const char *msg;
	size_t len;
	ssize_t n;

	n = read(c->fd, chunk, sizeof(chunk));
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0)
		die("%s: the server closed a connection", l->w->name);
	if (l->w->resp) {
		lconn_read_resp(l, c, chunk, (size_t)n);
		return;
	}
	if (ivt_framer_push(&c->fr, chunk, (size_t)n) == -1)
		die("out of memory");
	for (;;) {
		switch (ivt_framer_next(&c->fr, &msg, &len)) {
		case IVT_FRAME_MSG:
			lconn_reply(l, c, msg, len);
			break;
		case IVT_FRAME_MORE:
			return;
		default:
			die("%s: reply too large", l->w->name);
		}
	}
}

static int
load_busy(const struct load *l)
{
	int i;

	for (i = 0; i < l->n; i++) {
		if (l->c[i].busy)
			return 1;
	}
	return 0;
}

static void
load_open(struct load *l, int nconn, const char *path)
{
	int i;

	for (i = 0; i < nconn; i++) {
		l->c[i].fd = strcmp(path, sockpath) == 0 ? ivtd_connect()
		                                         : unix_connect(path);
		if (l->c[i].fd == -1)
			die("connect %s: %s", path, strerror(errno));
		if (fcntl(l->c[i].fd, F_SETFL, O_NONBLOCK) == -1)
			die("fcntl: %s", strerror(errno));
		ivt_framer_init(&l->c[i].fr, FRAME_MAX);
	}
	l->n = nconn;
}

static void
load_close(struct load *l)
{
	int i;

	for (i = 0; i < l->n; i++) {
		close(l->c[i].fd);
		ivt_framer_free(&l->c[i].fr);
	}
}

/* One poll() round over every connection. */
static void
load_poll(struct load *l)
{
	struct pollfd pfd[MAXCONN];
	int i;

	for (i = 0; i < l->n; i++) {
		pfd[i].fd = l->c[i].fd;
		pfd[i].events = POLLIN;
		if (l->c[i].reqoff < l->c[i].reqlen)
			pfd[i].events |= POLLOUT;
	}
	if (poll(pfd, (nfds_t)l->n, 100) == -1 && errno != EINTR)
		die("poll: %s", strerror(errno));
	for (i = 0; i < l->n; i++) {
		if (pfd[i].revents & POLLOUT)
			lconn_send(l, &l->c[i]);
		if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
			lconn_read(l, &l->c[i]);
	}
}

/*
 * Run w over nconn connections: a warm-up of a tenth of the time, then
 * count replies for `seconds`; with max_calls, send that many calls
 * instead.  Returns calls per second (of the counted window, or of the
 * whole run with max_calls).
 */
static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return x < y ? -1 : x > y;
}

/* Median and 99th percentile of the counted calls into p[2]. */
static void
percentiles(struct load *l, double p[2])
{
	p[0] = p[1] = NAN;
	if (l->nlat == 0)
		return;
	qsort(l->lat, l->nlat, sizeof(*l->lat), cmp_float);
	p[0] = l->lat[l->nlat / 2];
	p[1] = l->lat[(size_t)((double)l->nlat * 0.99)];
}

static double
run_load(const struct workload *w, int nconn, double seconds, long max_calls,
         double lat[2])
{
	struct load *l;
	double t0, rate;
	int i;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		die("out of memory");
	l->w = w;
	l->max_calls = max_calls;
	load_open(l, nconn, w->resp ? redis_sock : sockpath);
	t0 = now();
	if (max_calls) {
		l->t_count = t0;
		l->t_stop = HUGE_VAL;
	} else {
		l->t_count = t0 + (seconds / 10 < 0.2 ? 0.2 : seconds / 10);
		l->t_stop = l->t_count + seconds;
	}
	for (i = 0; i < nconn; i++)
		lconn_next(l, &l->c[i], t0);
	/* Calls in flight when time is up are answered, not counted. */
	l->t_last = t0;
	while (load_busy(l)) {
		if (now() > l->t_last + DRAIN_LIMIT)
			die("%s: no reply for %.0f s", w->name, DRAIN_LIMIT);
		load_poll(l);
	}
	if (max_calls)
		rate = (double)l->counted / (now() - t0);
	else
		rate = (double)l->counted / seconds;
	if (l->errors)
		die("%s: %ld of %ld calls failed", w->name, l->errors,
		    l->ok + l->errors);
	if (w == &wl_create)
		res.nsubjects += l->ok;
	if (lat != NULL)
		percentiles(l, lat);
	load_close(l);
	free(l->lat);
	free(l);
	return rate;
}

/* --- import ------------------------------------------------------------- */

/* Does this ivtctl have `subject import`?  Its usage names it. */
static int
have_import(void)
{
	char log[PATH_MAX], *argv[5];
	char line[512];
	int found = 0;
	FILE *f;

	path_join(log, sizeof(log), scratch, "ivtctl-help.txt");
	argv[0] = opt.ivtctl;
	argv[1] = (char *)"--help";
	argv[2] = NULL;
	reap(spawn(argv, log));
	if ((f = fopen(log, "r")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, "subject import") != NULL;
	fclose(f);
	return found;
}

/* rows made-up subjects, one person each, as a projectleider's export. */
static void
write_csv(const char *path, long rows)
{
	char pc[24], nr[24], bsn[24];
	FILE *f;
	long i;

	if ((f = fopen(path, "w")) == NULL)
		die("%s: %s", path, strerror(errno));
	fprintf(f, "straat;huisnummer;toevoeging;postcode;woonplaats;bsn;"
	           "naam;geboortedatum\n");
	for (i = 0; i < rows; i++) {
		make_address(i, 1, pc, nr);
		make_bsn(5000000 + i, bsn);
		fprintf(f,
		        "Importlaan;%s;;%s;Utrecht;%s;Import Persoon;"
		        "1975-06-15\n",
		        nr, pc, bsn);
	}
	if (fclose(f) == EOF)
		die("%s: %s", path, strerror(errno));
}

static void
run_import(void)
{
	char csv[PATH_MAX], log[PATH_MAX], *argv[9];
	double t0;
	int rc;

	res.import_s = res.import_rows = NAN;
	if (opt.rows == 0) {
		res.import_note = "skipped (--rows 0)";
		return;
	}
	if (!have_import()) {
		res.import_note = "n/a (import not available)";
		return;
	}
	path_join(csv, sizeof(csv), scratch, "import.csv");
	path_join(log, sizeof(log), scratch, "ivtctl-import.log");
	write_csv(csv, opt.rows);
	argv[0] = opt.ivtctl;
	argv[1] = (char *)"--socket";
	argv[2] = sockpath;
	argv[3] = (char *)"subject";
	argv[4] = (char *)"import";
	argv[5] = (char *)"1";
	argv[6] = (char *)"-";
	argv[7] = (char *)"--quiet";
	argv[8] = NULL;
	t0 = now();
	rc = reap(spawn_as(argv, log, csv));
	res.import_s = now() - t0;
	if (rc != 0)
		die("ivtctl subject import exited with %d (see %s)", rc, log);
	res.import_rows = (double)opt.rows / res.import_s;
	res.nsubjects += opt.rows;
}

/* --- Redis ---------------------------------------------------------------- */

/* Is prog an executable in PATH?  Its full path goes to out. */
static int
in_path(const char *prog, char *out, size_t len)
{
	const char *p = getenv("PATH"), *colon;
	size_t n;

	for (; p != NULL && *p != '\0'; p = colon ? colon + 1 : NULL) {
		colon = strchr(p, ':');
		n = colon ? (size_t)(colon - p) : strlen(p);
		if ((size_t)snprintf(out, len, "%.*s/%s", (int)n, p, prog) <
		        len &&
		    access(out, X_OK) == 0)
			return 1;
	}
	return 0;
}

/* Requests per second of PING_MBULK in redis-benchmark's CSV output. */
static double
redis_bench(const char *bench, const char *sock, int nconn, long n)
{
	char cmd[PATH_MAX * 2 + 128], line[512];
	double rps = NAN;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
	         "'%s' -s '%s' -c %d -n %ld -t ping --csv 2>/dev/null", bench,
	         sock, nconn, n);
	if ((p = popen(cmd, "r")) == NULL)
		die("redis-benchmark: %s", strerror(errno));
	while (fgets(line, sizeof(line), p) != NULL) {
		if (strncmp(line, "\"PING_MBULK\",\"", 14) == 0)
			rps = strtod(line + 14, NULL);
	}
	if (pclose(p) != 0 || !(rps > 0))
		die("redis-benchmark failed");
	return rps;
}

/*
 * Where client and server run.  Left to the scheduler, a closed loop at
 * one connection is placed differently from run to run: sometimes both
 * on one CPU, where a round trip costs a few microseconds, sometimes on
 * two, where on a virtual machine waking the other process costs more
 * than all the work of a call (README, Benchmark); in one afternoon
 * GetInfo / PING at one connection came out anywhere from 0.8 to 5.  So
 * the two are compared with the server on the first CPU we may use and
 * ourselves (and so the children we start) on the second (apart = 1):
 * both alike, a wake-up in every round trip.  The diagnostic rows put
 * both on the first CPU (apart = 0): no wake-up, what is left is the
 * client's and server's own work per call and two context switches.
 * Audited reads and writes stay where the scheduler puts them: pinned,
 * each fsync's wake-up landed on an idle CPU and halved them.  saved
 * keeps the masks for unplace().  0, or -1 when affinity is not ours to
 * set or there is one CPU.
 */
static void unplace(pid_t server, cpu_set_t saved[2]);

static int
place(pid_t server, cpu_set_t saved[2], int apart)
{
	cpu_set_t one, other;
	int cpu, cpu2;

	if (!opt.pin ||
	    sched_getaffinity(server, sizeof(saved[0]), &saved[0]) == -1 ||
	    sched_getaffinity(0, sizeof(saved[1]), &saved[1]) == -1)
		return -1;
	for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &saved[1]); cpu++)
		;
	for (cpu2 = cpu + 1; cpu2 < CPU_SETSIZE && !CPU_ISSET(cpu2, &saved[1]);
	     cpu2++)
		;
	if (cpu == CPU_SETSIZE || (apart && cpu2 == CPU_SETSIZE))
		return -1;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	CPU_ZERO(&other);
	CPU_SET(apart ? cpu2 : cpu, &other);
	if (sched_setaffinity(server, sizeof(one), &one) == -1 ||
	    sched_setaffinity(0, sizeof(other), &other) == -1) {
		unplace(server, saved);
		return -1;
	}
	return 0;
}

static void
unplace(pid_t server, cpu_set_t saved[2])
{
	(void)sched_setaffinity(server, sizeof(saved[0]), &saved[0]);
	(void)sched_setaffinity(0, sizeof(saved[1]), &saved[1]);
}

/*
 * Redis PING, driven by the same closed loop as the daemon's calls, so the
 * ratio compares the two servers and nothing else; then, as a cross-check,
 * by redis-benchmark when it is installed (its own client, ae event loop
 * and latency histogram, costs a little more per call than ours).
 */
static void
run_redis(void)
{
	char server[PATH_MAX], bench[PATH_MAX], log[PATH_MAX];
	char *argv[16];
	cpu_set_t saved[2];
	double guess;
	int i, have_bench, placed;

	res.ping[0] = res.ping[1] = res.ping_cpu1 = NAN;
	res.ping_rb[0] = res.ping_rb[1] = NAN;
	if (!opt.redis || !in_path("redis-server", server, sizeof(server)))
		return;
	have_bench = in_path("redis-benchmark", bench, sizeof(bench));
	path_join(redis_sock, sizeof(redis_sock), scratch, "redis.sock");
	path_join(log, sizeof(log), scratch, "redis.log");
	i = 0;
	argv[i++] = server;
	argv[i++] = (char *)"--port";
	argv[i++] = (char *)"0";
	argv[i++] = (char *)"--unixsocket";
	argv[i++] = redis_sock;
	argv[i++] = (char *)"--save";
	argv[i++] = (char *)"";
	argv[i++] = (char *)"--appendonly";
	argv[i++] = (char *)"no";
	argv[i++] = (char *)"--dir";
	argv[i++] = scratch;
	argv[i] = NULL;
	redis_pid = spawn(argv, log);
	wait_socket(redis_sock, redis_pid, "redis-server");
	/* Pinned as GetInfo was, or (could not pin) like it, as placed. */
	placed = !res.unplaced && place(redis_pid, saved, 1) == 0;
	for (i = 0; i < 2; i++)
		res.ping[i] =
		    run_load(&wl_ping, i ? MAXCONN : 1, opt.seconds, 0, NULL);
	if (placed)
		unplace(redis_pid, saved);
	for (i = 0; have_bench && i < 2; i++) {
		/* redis-benchmark counts calls, not time: size the run. */
		guess = redis_bench(bench, redis_sock, i ? MAXCONN : 1, 20000);
		res.ping_rb[i] = redis_bench(bench, redis_sock, i ? MAXCONN : 1,
		                             (long)(guess * opt.seconds) + 1);
	}
	if (place(redis_pid, saved, 0) == 0) {
		res.ping_cpu1 = run_load(&wl_ping, 1, opt.seconds, 0, NULL);
		unplace(redis_pid, saved);
	}
	kill(redis_pid, SIGTERM);
	reap(redis_pid);
	redis_pid = -1;
}

/* --- the disk's floor ---------------------------------------------------- */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * What one durable commit costs on the scratch disk at the least: the
 * median of 4 KiB overwrites each followed by fdatasync, as the WAL's
 * commit frame is.  A closed-loop audited read at one connection waits
 * for one, so it can never beat 1 / (1 / GetInfo + fsync).
 */
static void
measure_fsync(void)
{
	enum { N = 200 };
	char path[PATH_MAX], page[4096];
	double t[N], t0;
	int fd, i;

	res.fsync_us = NAN;
	path_join(path, sizeof(path), scratch, "fsync.probe");
	if ((fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) ==
	    -1)
		return;
	memset(page, 'x', sizeof(page));
	for (i = 0; i < N; i++) {
		t0 = now();
		if (pwrite(fd, page, sizeof(page), (off_t)(i % 16) * 4096) !=
		        (ssize_t)sizeof(page) ||
		    fdatasync(fd) == -1)
			break;
		t[i] = now() - t0;
	}
	close(fd);
	unlink(path);
	if (i < N)
		return;
	/* The first ones allocate blocks; the median ignores them. */
	qsort(t, N, sizeof(t[0]), cmp_double);
	res.fsync_us = t[N / 2] * 1e6;
}

/* --- report ------------------------------------------------------------- */

static void
fmt_rate(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "n/a");
	else
		snprintf(buf, len, "%.0f", v);
}

static void
fmt_ratio(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "n/a");
	else
		snprintf(buf, len, "%.2f", v);
}

static const char *
verdict(int ok, double v)
{
	return isnan(v) ? "n/a" : ok ? "PASS" : "MISS";
}

static void
row2(const char *what, double a, double b, int ratio, const char *target,
     const char *result)
{
	char x[32], y[32];

	(ratio ? fmt_ratio : fmt_rate)(x, sizeof(x), a);
	(ratio ? fmt_ratio : fmt_rate)(y, sizeof(y), b);
	printf("%-36s %10s %10s   %-18s %s\n", what, x, y, target, result);
}

static void
json_num(const char *key, double v, const char *fmt)
{
	printf(",\"%s\":", key);
	if (isnan(v))
		printf("null");
	else
		printf(fmt, v);
}

static const char *const lat_names[3] = {"getinfo", "show", "create"};

/* One cell: "median / p99" in microseconds, or n/a. */
static void
fmt_lat(char *buf, size_t len, const double p[2])
{
	if (isnan(p[0]))
		snprintf(buf, len, "n/a");
	else
		snprintf(buf, len, "%.0f / %.0f", p[0], p[1]);
}

/* Round trips as the clients saw them: the median and the 99th
 * percentile, which says whether a busy daemon keeps anyone waiting. */
static void
latency_table(void)
{
	static const char *const rows[3] = {"GetInfo", "Subject.Show",
	                                    "Subject.Create"};
	char a[48], b[48];
	int i;

	printf("%-36s %15s %15s\n", "latency, us: median / 99th pct", "1 conn",
	       "16 conns");
	for (i = 0; i < 3; i++) {
		fmt_lat(a, sizeof(a), res.lat[i][0]);
		fmt_lat(b, sizeof(b), res.lat[i][1]);
		printf("%-36s %15s %15s\n", rows[i], a, b);
	}
	printf("\n");
}

/* "show_p50_us_16": ... for every workload and connection count. */
static void
json_latency(void)
{
	char key[32];
	int i, j;

	for (i = 0; i < 3; i++) {
		for (j = 0; j < 2; j++) {
			snprintf(key, sizeof(key), "%s_p50_us_%d", lat_names[i],
			         j ? MAXCONN : 1);
			json_num(key, res.lat[i][j][0], "%.0f");
			snprintf(key, sizeof(key), "%s_p99_us_%d", lat_names[i],
			         j ? MAXCONN : 1);
			json_num(key, res.lat[i][j][1], "%.0f");
		}
	}
}

static void
report(void)
{
	double gp[2], rb[2], sg[2], wr, imp = res.import_s, bound, cpu1;
	char v1[64], v2[64];
	int i;

	for (i = 0; i < 2; i++) {
		gp[i] = res.getinfo_pin[i] / res.ping[i];
		rb[i] = res.getinfo[i] / res.ping_rb[i];
		sg[i] = res.show[i] / res.getinfo[i];
	}
	wr = res.create[1] / res.create[0];
	cpu1 = res.getinfo_cpu1 / res.ping_cpu1;
	/* 1 / (1/GetInfo + fsync), over GetInfo: the closed loop's bound. */
	bound = 1 / (1 + res.fsync_us * 1e-6 * res.getinfo[0]);
	printf("\nivtbench: ivtd %s, %s build; %.1f s per figure; closed "
	       "loop: one call in flight per connection, no pipelining\n\n",
	       IVT_VERSION, IVT_BENCH_BUILD, opt.seconds);
	printf("%-36s %10s %10s   %-18s %s\n", "calls/s", "1 conn", "16 conns",
	       "target", "result");
	/* The comparison: both pinned alike (see place). */
	row2(res.unplaced ? "Redis PING (unix socket)"
	                  : "Redis PING (unix socket), pinned",
	     res.ping[0], res.ping[1], 0, "", "");
	row2(res.unplaced ? "GetInfo" : "GetInfo, pinned", res.getinfo_pin[0],
	     res.getinfo_pin[1], 0, "", "");
	snprintf(v1, sizeof(v1), "%s / %s", verdict(gp[0] >= 0.9, gp[0]),
	         verdict(gp[1] >= 0.9, gp[1]));
	row2("  GetInfo / PING", gp[0], gp[1], 1, ">= 0.90", v1);
	/* As the scheduler places them, like the calls below. */
	row2("GetInfo, not pinned", res.getinfo[0], res.getinfo[1], 0, "", "");
	/* Not a target: Redis's own client as a cross-check. */
	row2("  Redis PING by redis-benchmark", res.ping_rb[0], res.ping_rb[1],
	     0, "", "cross-check");
	row2("  GetInfo / that", rb[0], rb[1], 1, "", "");
	/* Not a target: the same two paths without the wake-ups. */
	row2("  one CPU for both: Redis PING", res.ping_cpu1, NAN, 0, "",
	     "diagnostic");
	row2("  one CPU for both: GetInfo", res.getinfo_cpu1, NAN, 0, "", "");
	row2("  one CPU for both: GetInfo / PING", cpu1, NAN, 1, "", "");
	row2("Subject.Show (audited read)", res.show[0], res.show[1], 0, "",
	     "");
	snprintf(v1, sizeof(v1), "%s / %s", verdict(sg[0] >= 0.5, sg[0]),
	         verdict(sg[1] >= 0.5, sg[1]));
	row2("  Show / GetInfo", sg[0], sg[1], 1, ">= 0.50", v1);
	fmt_ratio(v2, sizeof(v2), bound);
	printf("%-36s %10s %10s   %s\n", "  at most, one fsync per call", v2,
	       "", "(fsync below)");
	row2("Subject.Create (durable write)", res.create[0], res.create[1], 0,
	     "", "");
	row2("  writes 16 conns / 1 conn", NAN, wr, 1, ">= 5",
	     verdict(wr >= 5, wr));
	if (isnan(imp)) {
		printf("%-36s %21s   %-18s %s\n", "import CSV rows",
		       res.import_note, "< 10 s", "n/a");
	} else {
		snprintf(v1, sizeof(v1), "%.2f s", imp);
		snprintf(v2, sizeof(v2), "import %ld rows", opt.rows);
		/* The target is for 100 000 rows. */
		printf("%-36s %10s %10.0f   %-18s %s\n", v2, v1,
		       res.import_rows, "< 10 s (rows/s)",
		       opt.rows == 100000 ? verdict(imp < 10, imp) : "n/a");
	}
	printf("%-36s %7ld KiB %10s   %-18s %s\n", "daemon RSS idle",
	       res.rss_idle, "", "< 16 MiB",
	       verdict(res.rss_idle < 16 * 1024, (double)res.rss_idle));
	snprintf(v2, sizeof(v2), "daemon RSS, %ld subjects", res.nsubjects);
	printf("%-36s %7ld KiB\n", v2, res.rss_full);
	if (isnan(res.fsync_us))
		printf("%-36s %10s\n\n", "fsync of 4 KiB, scratch disk", "n/a");
	else
		printf("%-36s %7.0f us\n\n", "fsync of 4 KiB, scratch disk",
		       res.fsync_us);
	latency_table();

	printf("{\"ivtbench\":1,\"version\":\"%s\",\"build\":\"%s\","
	       "\"seconds\":%.1f,\"pipelined\":false,\"pinned\":%s",
	       IVT_VERSION, IVT_BENCH_BUILD, opt.seconds,
	       res.unplaced ? "false" : "true");
	json_num("getinfo_pinned_1", res.getinfo_pin[0], "%.0f");
	json_num("getinfo_pinned_16", res.getinfo_pin[1], "%.0f");
	json_num("getinfo_1", res.getinfo[0], "%.0f");
	json_num("getinfo_16", res.getinfo[1], "%.0f");
	json_num("redis_ping_1", res.ping[0], "%.0f");
	json_num("redis_ping_16", res.ping[1], "%.0f");
	json_num("getinfo_vs_ping_1", gp[0], "%.3f");
	json_num("getinfo_vs_ping_16", gp[1], "%.3f");
	json_num("redis_benchmark_ping_1", res.ping_rb[0], "%.0f");
	json_num("redis_benchmark_ping_16", res.ping_rb[1], "%.0f");
	json_num("getinfo_vs_redis_benchmark_1", rb[0], "%.3f");
	json_num("getinfo_vs_redis_benchmark_16", rb[1], "%.3f");
	json_num("getinfo_1_one_cpu", res.getinfo_cpu1, "%.0f");
	json_num("redis_ping_1_one_cpu", res.ping_cpu1, "%.0f");
	json_num("getinfo_vs_ping_1_one_cpu", cpu1, "%.3f");
	json_num("show_1", res.show[0], "%.0f");
	json_num("show_16", res.show[1], "%.0f");
	json_num("show_vs_getinfo_1", sg[0], "%.3f");
	json_num("show_vs_getinfo_16", sg[1], "%.3f");
	json_num("show_vs_getinfo_1_bound", bound, "%.3f");
	json_num("create_1", res.create[0], "%.0f");
	json_num("create_16", res.create[1], "%.0f");
	json_num("create_16_vs_1", wr, "%.2f");
	printf(",\"import_rows\":%ld", opt.rows);
	json_num("import_seconds", res.import_s, "%.3f");
	json_num("import_rows_per_s", res.import_rows, "%.0f");
	json_num("fsync_us", res.fsync_us, "%.0f");
	json_latency();
	printf(",\"rss_idle_kib\":%ld,\"rss_full_kib\":%ld,\"subjects\":%ld}\n",
	       res.rss_idle, res.rss_full, res.nsubjects);
}

/* --- main --------------------------------------------------------------- */

static void
usage(FILE *f)
{
	fprintf(f, "usage: ivtbench [--seconds N] [--subjects N] [--rows N] "
	           "[--ivtd PATH]\n"
	           "                [--ivtctl PATH] [--dir DIR] [--no-redis] "
	           "[--keep]\n"
	           "                [--no-pin] [--only getinfo|show|create]\n");
}

/* Default: the binary of the same build, two levels up from us. */
static void
sibling(char *out, size_t len, const char *name)
{
	char self[PATH_MAX], *slash;
	ssize_t n;

	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
		die("cannot find myself: %s", strerror(errno));
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) != NULL)
		*slash = '\0';
	if ((size_t)snprintf(out, len, "%s/../../%s", self, name) >= len)
		die("path too long");
}

static void
set_path(char *dst, const char *src)
{
	if (strlen(src) >= PATH_MAX)
		die("path too long");
	memcpy(dst, src, strlen(src) + 1);
}

static void
parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"seconds", required_argument, NULL, 's'},
	    {"subjects", required_argument, NULL, 'n'},
	    {"rows", required_argument, NULL, 'r'},
	    {"ivtd", required_argument, NULL, 'd'},
	    {"ivtctl", required_argument, NULL, 'c'},
	    {"dir", required_argument, NULL, 'D'},
	    {"no-redis", no_argument, NULL, 'R'},
	    {"no-pin", no_argument, NULL, 'P'},
	    {"keep", no_argument, NULL, 'k'},
	    {"only", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *tmp = getenv("TMPDIR");
	char *end;
	int ch;

	opt.seconds = 3;
	opt.subjects = opt.rows = 100000;
	opt.redis = 1;
	opt.pin = 1;
	sibling(opt.ivtd, sizeof(opt.ivtd), "ivtd");
	sibling(opt.ivtctl, sizeof(opt.ivtctl), "ivtctl");
	set_path(opt.parent, tmp && *tmp ? tmp : "/tmp");
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			opt.seconds = strtod(optarg, &end);
			if (*end || !(opt.seconds >= 0.1 && opt.seconds <= 600))
				die("--seconds: 0.1 to 600");
			break;
		case 'n':
		case 'r':
			errno = 0;
			*(ch == 'n' ? &opt.subjects : &opt.rows) =
			    strtol(optarg, &end, 10);
			if (*end || errno ||
			    *(ch == 'n' ? &opt.subjects : &opt.rows) < 0 ||
			    *(ch == 'n' ? &opt.subjects : &opt.rows) > 3000000)
				die("--subjects/--rows: 0 to 3000000");
			break;
		case 'd':
			set_path(opt.ivtd, optarg);
			break;
		case 'c':
			set_path(opt.ivtctl, optarg);
			break;
		case 'D':
			set_path(opt.parent, optarg);
			break;
		case 'R':
			opt.redis = 0;
			break;
		case 'P':
			opt.pin = 0;
			break;
		case 'k':
			opt.keep = 1;
			break;
		case 'o':
			if (strcmp(optarg, "getinfo") &&
			    strcmp(optarg, "show") && strcmp(optarg, "create"))
				die("--only: getinfo, show or create");
			opt.only = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind != argc) {
		usage(stderr);
		exit(2);
	}
	if (access(opt.ivtd, X_OK) == -1 || access(opt.ivtctl, X_OK) == -1)
		die("no ivtd or ivtctl at %s, %s: use --ivtd and --ivtctl",
		    opt.ivtd, opt.ivtctl);
}

static void
progress(const char *what)
{
	fprintf(stderr, "ivtbench: %s\n", what);
}

/* Both connection counts of w, into r[0] and r[1]. */
static void
measure(const struct workload *w, double r[2])
{
	char msg[128];

	r[0] = r[1] = NAN;
	res.lat[w->idx][0][0] = res.lat[w->idx][0][1] = NAN;
	res.lat[w->idx][1][0] = res.lat[w->idx][1][1] = NAN;
	if (opt.only && strcasestr(w->name, opt.only) == NULL)
		return;
	snprintf(msg, sizeof(msg), "%s, 1 and %d connections", w->name,
	         MAXCONN);
	progress(msg);
	r[0] = run_load(w, 1, opt.seconds, 0, res.lat[w->idx][0]);
	r[1] = run_load(w, MAXCONN, opt.seconds, 0, res.lat[w->idx][1]);
}

/* GetInfo once more pinned, for the comparison with PING (see place). */
static void
measure_pinned(void)
{
	cpu_set_t saved[2];

	res.getinfo_pin[0] = res.getinfo[0];
	res.getinfo_pin[1] = res.getinfo[1];
	if (isnan(res.getinfo[0]))
		return;
	if (place(daemon_pid, saved, 1) == -1) {
		res.unplaced = 1;
		return;
	}
	progress("GetInfo, 1 and 16 connections, pinned");
	res.getinfo_pin[0] = run_load(&wl_getinfo, 1, opt.seconds, 0, NULL);
	res.getinfo_pin[1] =
	    run_load(&wl_getinfo, MAXCONN, opt.seconds, 0, NULL);
	unplace(daemon_pid, saved);
}

int
main(int argc, char **argv)
{
	char cmd[PATH_MAX + 16];
	cpu_set_t saved[2];

	signal(SIGPIPE, SIG_IGN);
	parse_args(argc, argv);
	if (geteuid() != 0)
		die("run as root: the benchmark adds a projectleider (uid %d) "
		    "and works as it, since the admin reads no personal data",
		    LEADER_UID);
	path_join(scratch, sizeof(scratch), opt.parent, "ivtbench.XXXXXX");
	/* 0711: the projectleider passes through to the socket. */
	if (mkdtemp(scratch) == NULL || chmod(scratch, 0711) == -1)
		die("mkdtemp %s: %s", scratch, strerror(errno));
	progress("starting ivtd");
	measure_fsync();
	daemon_start();
	setup_project();
	sleep_s(0.5);
	res.rss_idle = rss_kib(daemon_pid);
	measure(&wl_getinfo, res.getinfo);
	measure_pinned();
	res.getinfo_cpu1 = NAN;
	if (!isnan(res.getinfo[0]) && place(daemon_pid, saved, 0) == 0) {
		progress("GetInfo, 1 connection on one CPU");
		res.getinfo_cpu1 =
		    run_load(&wl_getinfo, 1, opt.seconds, 0, NULL);
		unplace(daemon_pid, saved);
	}
	measure(&wl_show, res.show);
	measure(&wl_create, res.create);
	res.import_s = res.import_rows = NAN;
	if (opt.only == NULL) { /* a profile of one workload: no import */
		progress("import");
		run_import();
	}
	if (opt.only == NULL && res.nsubjects < opt.subjects) {
		snprintf(cmd, sizeof(cmd), "filling up to %ld subjects",
		         opt.subjects);
		progress(cmd);
		run_load(&wl_create, MAXCONN, 0, opt.subjects - res.nsubjects,
		         NULL);
	}
	res.rss_full = rss_kib(daemon_pid);
	daemon_stop();
	progress("Redis");
	run_redis();
	report();
	if (!opt.keep) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
		if (system(cmd) != 0)
			fprintf(stderr, "ivtbench: cannot remove %s\n",
			        scratch);
	} else {
		fprintf(stderr, "ivtbench: scratch directory %s kept\n",
		        scratch);
	}
	return 0;
}
