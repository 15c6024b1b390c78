/*
 * backup.c - nl.ivtd.Admin.Backup: an online copy of the database.
 *
 * The copy is read through a connection of its own inside one read
 * transaction, so it is one snapshot of the last commit (WAL: a reader
 * and the writer do not wait for each other).  The call itself runs in the
 * dispatcher's write transaction (M_AUDIT), so no commit of ours can land
 * during the copy; the pinned snapshot also keeps the copy consistent, and
 * stops SQLite restarting it, when something outside the daemon writes.
 *
 * The copy is written under a temporary name in the target directory,
 * created exclusively with mode 0600, synced, and only then linked to the
 * requested name.  link() fails when that name exists, so an existing
 * file is never overwritten, and a partial copy never appears under the
 * name.  While it is written its name is kept in the state directory
 * (backup.pending), so that after a crash the next start removes it.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ivt/wire.h"
#include "backup.h"
#include "log.h"
#include "varlink.h"

/* Pages per sqlite3_backup_step(): about 4 MiB with 4 KiB pages. */
#define BACKUP_STEP_PAGES 1024
/* Busy or locked steps in a row before giving up, 10 ms apart. */
#define BACKUP_RETRIES 500
/* ".<name>.tmp-XXXXXX" around the file name. */
#define TMP_EXTRA 13
/* In the state directory: the temporary file of a backup under way. */
#define PENDING "backup.pending"

struct backup {
	char path[PATH_MAX]; /* as requested */
	char dir[PATH_MAX];  /* its directory */
	char tmp[PATH_MAX];  /* temporary name beside it */
	const char *base;    /* file name, into path */
	int fd;              /* the temporary file, -1 when closed */
	int linked;          /* tmp now also has the requested name */
	sqlite3 *src, *dst;
	int pages;
	long long bytes;
};

/*
 * An absolute path without empty, "." or ".." components, so that it says
 * where the copy goes (the audit entry names it); it must fit there
 * whole.  No control characters, which have no business in a backup's
 * name.
 */
static const char *
check_path(const char *path, size_t audit_room)
{
	const unsigned char *p;
	const char *part, *end;
	size_t n;

	if (path[0] != '/')
		return "must be an absolute path";
	for (p = (const unsigned char *)path; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return "must not contain control characters";
	}
	for (part = path + 1;; part = end + 1) {
		end = strchr(part, '/');
		n = end != NULL ? (size_t)(end - part) : strlen(part);
		if (n == 0 || (n == 1 && part[0] == '.') ||
		    (n == 2 && part[0] == '.' && part[1] == '.'))
			return end != NULL
			           ? "must not have empty, . or .. "
			             "parts"
			           : "must name a file, not a directory";
		if (end == NULL)
			break;
	}
	if (strlen(part) + TMP_EXTRA > NAME_MAX ||
	    strlen(path) + TMP_EXTRA >= PATH_MAX || strlen(path) >= audit_room)
		return "is too long";
	return NULL;
}

/* path as it is on disk: its directory with symbolic links resolved, and
 * its name.  0, or -1 when the directory cannot be resolved. */
static int
resolve_beside(const char *path, char out[PATH_MAX])
{
	char dir[PATH_MAX], real[PATH_MAX];
	const char *base = strrchr(path, '/');

	if (base == NULL ||
	    snprintf(dir, sizeof(dir), "%.*s", (int)(base - path), path) >=
	        (int)sizeof(dir) ||
	    realpath(dir[0] != '\0' ? dir : "/", real) == NULL)
		return -1;
	return snprintf(out, PATH_MAX, "%s/%s",
	                strcmp(real, "/") == 0 ? "" : real,
	                base + 1) >= PATH_MAX
	           ? -1
	           : 0;
}

/*
 * Where may a backup go?
 *
 * SQLite opens the temporary copy again by its name: where another user
 * may rename a file or a directory on the way, that user could put one
 * of their own there between mkostemp and that open, and receive the
 * copy.  So every directory from / down to the target's must be a
 * directory (no link), belong to us or root, and be writable by no one
 * else unless it is sticky (then only a file's owner or the directory's
 * may rename it).
 *
 * The target's own directory may not be writable by others even when it
 * is sticky: there another user could make the copy's "-wal" or
 * "-journal" before it is restored, and SQLite would read pages of
 * theirs into it (a user of theirs made admin, say).
 *
 * A daemon that runs as root (no `user` in the config) writes for an
 * admin who may not be root: it writes only into a directory of that
 * admin's own, or an admin could make root's files in /etc or /root.
 * (The admin may rename in it: what they could swap in receives the
 * copy they asked for; SQLite refuses a symbolic link there.)  Its
 * parent may then not be writable by others, sticky or not: in /tmp the
 * admin could rename their own directory away after the check and put a
 * link to one of root's in its place.  (The directories above belong to
 * root or us and cannot be renamed by the admin.)
 *
 * 0, errno of a directory that cannot be looked at, or -1 with *why.
 */
static int
check_dirs(const char *target, uid_t caller, const char **why)
{
	const char *end = strrchr(target, '/');
	char dir[PATH_MAX];
	struct stat st;
	size_t n = 0;
	int last, mine, parent_shared = 0;

	do {
		/* "/", then "/a", "/a/b", ... up to the target's directory. */
		n = n == 0 ? 1 : (size_t)(strchr(target + n + 1, '/') - target);
		snprintf(dir, sizeof(dir), "%.*s", (int)n, target);
		last = target + n == end || (n == 1 && end == target);
		if (lstat(dir, &st) == -1)
			return errno;
		*why = "is in a directory that others may write to (and "
		       "that is not sticky), or that belongs to another "
		       "user, or below one";
		mine = st.st_uid == 0 || st.st_uid == geteuid() ||
		       (last && st.st_uid == caller);
		if (!S_ISDIR(st.st_mode) || !mine ||
		    ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
		     (st.st_mode & S_ISVTX) == 0))
			return -1;
		*why = "is in a directory that others may write to";
		if (last && (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
			return -1;
		*why = "is not in a directory of yours (the daemon runs as "
		       "root)";
		if (last && geteuid() == 0 && caller != 0 &&
		    st.st_uid != caller)
			return -1;
		*why = "is in a directory of yours in one that others may "
		       "write to (the daemon runs as root)";
		if (last && st.st_uid == caller && caller != 0 &&
		    caller != geteuid() && parent_shared)
			return -1;
		parent_shared = (st.st_mode & (S_IWGRP | S_IWOTH)) != 0;
	} while (!last);
	*why = NULL;
	return 0;
}

/* Is target file, or one made beside it under its name and a suffix
 * that starts with sep (SQLite's "-wal", "-journal"; the key store's
 * ".store", ".next")? */
static int
names_file_of(const char *target, const char *file, char sep)
{
	char real[PATH_MAX];
	size_t n;

	if (resolve_beside(file, real) == -1)
		return 0;
	n = strlen(real);
	return strncmp(target, real, n) == 0 &&
	       (target[n] == '\0' || target[n] == sep);
}

/*
 * Refuse a name SQLite would take for a file of the live database (a
 * backup linked in as ivtd.db-journal would be read as a hot journal), or
 * one of the key's files (a backup as master.key.store, made before the
 * store exists, would stop the daemon from starting).  Compared after
 * resolving symbolic links in the directories.
 */
/* File name in the state directory into out.  0, or -1 when too long. */
static int
state_file(const struct config *cfg, const char *name, char out[PATH_MAX])
{
	return snprintf(out, PATH_MAX, "%s/%s", cfg->state_dir, name) >=
	               PATH_MAX
	           ? -1
	           : 0;
}

static const char *
daemon_file(const char *target, const struct config *cfg)
{
	/* The daemon's own notes: a backup there would be taken for one. */
	static const char *const own[] = {PENDING, "ivtd.lock"};
	char path[PATH_MAX];
	size_t i;

	if (names_file_of(target, cfg->db_path, '-'))
		return "names a file of the live database";
	if (names_file_of(target, cfg->key_path, '.'))
		return "names a file of the master key";
	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		if (state_file(cfg, own[i], path) == 0 &&
		    names_file_of(target, path, '\0'))
			return "names a file of the daemon's state";
	}
	return NULL;
}

/* Create the temporary file beside the target.  0, or errno. */
static int
create_tmp(struct backup *b)
{
	int dirlen = (int)(b->base - b->path) - 1, n;

	/* The directory of "/x" is "/", and its temporary "/.x.tmp-...". */
	n = snprintf(b->dir, sizeof(b->dir), "%.*s", dirlen ? dirlen : 1,
	             b->path);
	if (n < 0 || (size_t)n >= sizeof(b->dir))
		return ENAMETOOLONG;
	n = snprintf(b->tmp, sizeof(b->tmp), "%.*s/.%s.tmp-XXXXXX", dirlen,
	             b->path, b->base);
	if (n < 0 || (size_t)n >= sizeof(b->tmp))
		return ENAMETOOLONG;
	/* mkostemp: O_CREAT | O_EXCL, mode 0600; never follows a link. */
	if ((b->fd = mkostemp(b->tmp, O_CLOEXEC)) == -1)
		return errno;
	return 0;
}

/* Open the source in a pinned read transaction, and the destination. */
static int
open_dbs(struct backup *b, const char *db_path)
{
	const int ro =
	    SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW;
	const int rw =
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW;

	if (sqlite3_open_v2(db_path, &b->src, ro, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(b->src, 5000) != SQLITE_OK ||
	    sqlite3_exec(b->src, "BEGIN; SELECT count(*) FROM sqlite_master;",
	                 NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	/*
	 * No journal and no syncs on the copy: a failed copy is thrown away
	 * whole, and the finished file is synced once below.
	 */
	if (sqlite3_open_v2(b->tmp, &b->dst, rw, NULL) != SQLITE_OK ||
	    sqlite3_exec(b->dst,
	                 "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;",
	                 NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	return 0;
}

/* Copy in steps; busy or locked steps are retried for a while. */
static int
copy_pages(struct backup *b)
{
	sqlite3_backup *bk;
	int rc, tries = 0;

	if ((bk = sqlite3_backup_init(b->dst, "main", b->src, "main")) == NULL)
		return -1;
	for (;;) {
		rc = sqlite3_backup_step(bk, BACKUP_STEP_PAGES);
		if (rc == SQLITE_DONE)
			break;
		if (rc == SQLITE_OK) {
			tries = 0;
			continue;
		}
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
			break;
		if (++tries > BACKUP_RETRIES)
			break;
		sqlite3_sleep(10);
	}
	b->pages = sqlite3_backup_pagecount(bk);
	if (sqlite3_backup_finish(bk) != SQLITE_OK || rc != SQLITE_DONE) {
		log_err("backup: copy failed: %s", sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

/* Close both databases, then sync the copy and take its size. */
static int
finish_copy(struct backup *b)
{
	struct stat st;
	int rc = 0;

	if (b->src != NULL) {
		sqlite3_exec(b->src, "COMMIT", NULL, NULL, NULL);
		sqlite3_close(b->src);
		b->src = NULL;
	}
	if (b->dst != NULL && sqlite3_close(b->dst) != SQLITE_OK)
		rc = -1;
	b->dst = NULL;
	if (rc == -1 || fsync(b->fd) == -1 || fstat(b->fd, &st) == -1)
		return -1;
	b->bytes = (long long)st.st_size;
	return 0;
}

/* Give the copy its name, and make the new name durable.  0, or errno. */
static int
publish(struct backup *b)
{
	int dfd, rc = 0;

	if (link(b->tmp, b->path) == -1)
		return errno;
	b->linked = 1;
	if ((dfd = open(b->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fsync(dfd) == -1)
		rc = errno;
	if (dfd != -1)
		close(dfd);
	/* A failed call leaves nothing behind, not even a copy. */
	if (rc != 0 && unlink(b->path) == 0)
		b->linked = 0;
	return rc;
}

static int
pending_path(const struct config *cfg, char out[PATH_MAX])
{
	return state_file(cfg, PENDING, out);
}

/* Name tmp as the backup under way (synced: a crash may come next). */
static int
pending_write(const struct config *cfg, const char *tmp)
{
	char path[PATH_MAX];
	size_t n = strlen(tmp);
	int fd, rc = 0;

	if (pending_path(cfg, path) == -1 ||
	    (fd = open(path,
	               O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	               0600)) == -1)
		return -1;
	if (write(fd, tmp, n) != (ssize_t)n || write(fd, "\n", 1) != 1 ||
	    fsync(fd) == -1)
		rc = -1;
	if (close(fd) == -1)
		rc = -1;
	return rc;
}

static void
pending_clear(const struct config *cfg)
{
	char path[PATH_MAX];

	if (pending_path(cfg, path) == 0)
		unlink(path);
}

/*
 * Is path what create_tmp makes: absolute, named ".NAME.tmp-XXXXXX", a
 * regular file of ours?  Nothing else is removed on the pending file's
 * word, which anyone able to write the state directory could change.
 */
static int
is_our_tmp(const char *path)
{
	const char *base = strrchr(path, '/');
	struct stat st;
	size_t n;

	/* ".X.tmp-XXXXXX": a dot, a name, and 11 more. */
	if (path[0] != '/' || base == NULL || base[1] != '.' ||
	    (n = strlen(base + 1)) < 1 + 1 + 11 ||
	    strncmp(base + 1 + n - 11, ".tmp-", 5) != 0)
		return 0;
	return lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       st.st_uid == geteuid();
}

void
backup_recover(const struct config *cfg)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	/* Only a note as pending_write makes them: a small regular file of
	 * ours (a FIFO put there must not hold up the start). */
	if (pending_path(cfg, path) == -1 ||
	    (fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) ==
	        -1)
		return;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || st.st_size >= PATH_MAX) {
		close(fd);
		log_warn("%s is not a note of this daemon; left as it is",
		         path);
		return;
	}
	n = read(fd, tmp, sizeof(tmp) - 1);
	close(fd);
	if (n > 1 && tmp[n - 1] == '\n') {
		tmp[n - 1] = '\0';
		if (is_our_tmp(tmp) && unlink(tmp) == 0)
			log_info("removed %s, the partial copy of a backup "
			         "that a crash interrupted",
			         tmp);
	}
	unlink(path);
}

/* Release everything; a copy that did not get its name is removed. */
static void
backup_cleanup(struct backup *b, const struct config *cfg)
{
	if (b->src != NULL) {
		sqlite3_exec(b->src, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(b->src);
	}
	if (b->dst != NULL)
		sqlite3_close(b->dst);
	if (b->fd != -1) {
		close(b->fd);
		unlink(b->tmp);
		pending_clear(cfg);
	}
}

static int
backup_fail_errno(struct call *c, int err)
{
	char reason[128];

	if (err == EEXIST)
		return call_fail(c, "nl.ivtd.AlreadyExists", "{s:s,s:s}",
		                 "kind", "file", "id",
		                 ivt_json_str(c->params, "path"));
	snprintf(reason, sizeof(reason), "cannot write a file there: %s",
	         strerror(err));
	return call_invalid(c, "path", reason);
}

static int
admin_backup(struct call *c)
{
	const char *path = ivt_json_str(c->params, "path");
	const size_t room = sizeof(c->object) - sizeof("backup:") + 1;
	char target[PATH_MAX];
	const char *bad;
	struct backup b;
	struct stat st;
	int err, rc = -1;

	if ((bad = check_path(path, room)) != NULL)
		return call_invalid(c, "path", bad);
	call_object(c, "backup:%s", path);
	/*
	 * Where it goes, links in the directories resolved: the audit entry
	 * names that place, and the copy is made there (SQLite opens it
	 * with SQLITE_OPEN_NOFOLLOW, which refuses a link anywhere in the
	 * path).
	 */
	errno = 0;
	if (resolve_beside(path, target) == -1)
		return backup_fail_errno(c, errno != 0 ? errno : ENOENT);
	/* The links may lead anywhere: the same rules for where. */
	if ((bad = check_path(target, room)) != NULL)
		return call_invalid(c, "path", bad);
	call_object(c, "backup:%s", target);
	if ((bad = daemon_file(target, c->ctx->cfg)) != NULL)
		return call_invalid(c, "path", bad);
	if ((err = check_dirs(target, c->who.uid, &bad)) == -1)
		return call_invalid(c, "path", bad);
	if (err != 0)
		return backup_fail_errno(c, err);
	memset(&b, 0, sizeof(b));
	b.fd = -1;
	snprintf(b.path, sizeof(b.path), "%s", target);
	b.base = strrchr(b.path, '/') + 1;
	/* A friendly early answer; link() below is what guarantees it. */
	if (lstat(b.path, &st) == 0)
		return backup_fail_errno(c, EEXIST);
	if ((err = create_tmp(&b)) != 0)
		return backup_fail_errno(c, err);
	if (pending_write(c->ctx->cfg, b.tmp) == -1)
		log_warn("backup: cannot note %s in the state directory; a "
		         "crash now would leave it",
		         b.tmp);
	if (open_dbs(&b, c->ctx->cfg->db_path) == -1 || copy_pages(&b) == -1 ||
	    finish_copy(&b) == -1) {
		rc = call_internal(c);
		goto out;
	}
	if ((err = publish(&b)) != 0) {
		rc = b.linked ? call_internal(c) : backup_fail_errno(c, err);
		goto out;
	}
	log_info("backup by uid %u: %d pages, %lld bytes to %s",
	         (unsigned)c->who.uid, b.pages, b.bytes, target);
	c->reply = json_pack("{s:s,s:i,s:I}", "path", path, "pages", b.pages,
	                     "bytes", (json_int_t)b.bytes);
	rc = c->reply != NULL ? 0 : call_internal(c);
out:
	backup_cleanup(&b, c->ctx->cfg);
	return rc;
}

const struct method admin_methods[] = {
    {"nl.ivtd.Admin.Backup", admin_backup, ROLE_ADMIN, M_AUDIT, NULL},
    {NULL, NULL, 0, 0, NULL},
};
