#!/usr/bin/env bash
# End-to-end: ivtctl backup (nl.ivtd.Admin.Backup).  An online copy taken
# while another client keeps writing must restore: a fresh daemon on the
# copy and the same master key verifies the audit log and has the data.
. "${IVT_E2E_LIB:-$(dirname "$0")/lib.sh}"

start_daemon
ok "partner" ctl partner add UWV --kind landelijke_dienst
ok "user" ctl user add alice --uid 2001 --role projectleider

# --- a writer keeps adding partners; each acknowledged name is recorded
ACKS="$E2E_DIR/acks"
: >"$ACKS"
(
	i=0
	while [ ! -e "$E2E_DIR/stop" ]; do
		i=$((i + 1))
		"$IVTCTL" --socket "$SOCK" partner add "W$i" --kind other \
			>/dev/null 2>&1 && echo "W$i" >>"$ACKS"
	done
) &
WPID=$!
for _ in $(seq 1 200); do
	[ "$(wc -l <"$ACKS")" -ge 5 ] && break
	sleep 0.05
done
before=$(wc -l <"$ACKS")
ok "backup under load" ctl backup "$E2E_DIR/b1.db"
has "^path $E2E_DIR/b1.db$"; has "^pages [1-9]"; has "^bytes [1-9]"
ok "backup --json" ctl --json backup "$E2E_DIR/b2.db"; has '"pages": '
sleep 0.3
touch "$E2E_DIR/stop"
wait "$WPID"
[ "$before" -ge 5 ] || die "writer did not get going"
[ "$(wc -l <"$ACKS")" -gt "$before" ] || die "writer stalled after the backup"
[ "$(stat -c %a "$E2E_DIR/b1.db")" = 600 ] || die "backup is not mode 0600"
sqlite3 "$E2E_DIR/b1.db" "PRAGMA integrity_check" | inq -x ok ||
	die "backup fails integrity_check"

# --- refusals change nothing
fails "existing file" nl.ivtd.AlreadyExists ctl backup "$E2E_DIR/b1.db"
echo keep >"$E2E_DIR/other"
fails "existing other file" nl.ivtd.AlreadyExists ctl backup "$E2E_DIR/other"
[ "$(cat "$E2E_DIR/other")" = keep ] || die "existing file overwritten"
ln -s "$E2E_DIR/target" "$E2E_DIR/link"
fails "dangling symlink" nl.ivtd.AlreadyExists ctl backup "$E2E_DIR/link"
[ ! -e "$E2E_DIR/target" ] || die "backup followed a symbolic link"
fails "relative path" nl.ivtd.InvalidValue ctl backup b3.db
fails "dot path" nl.ivtd.InvalidValue ctl backup "$E2E_DIR/.."
fails "no directory" nl.ivtd.InvalidValue ctl backup "$E2E_DIR/nope/b.db"
fails "live journal name" nl.ivtd.InvalidValue \
	ctl backup "$STATE/ivtd.db-journal"
# A path says where the copy goes: no . or .. to make the audit entry
# name one place and the file land in another; not the key's files.
mkdir "$E2E_DIR/official"
fails "dot dot parts" "must not have empty, . or .. parts" \
	ctl backup "$E2E_DIR/official/../b5.db"
fails "dot parts" "must not have empty, . or .. parts" \
	ctl backup "$E2E_DIR/official/./b5.db"
fails "key store name" "names a file of the master key" \
	ctl backup "$STATE/master.key.store"
fails "next key name" "names a file of the master key" \
	ctl backup "$STATE/master.key.next"
fails "the daemon's own note" "names a file of the daemon's state" \
	ctl backup "$STATE/backup.pending"
fails "too long for the audit log" "is too long" \
	ctl backup "$E2E_DIR/official/$(printf 'x%.0s' $(seq 1 250))"
[ ! -e "$E2E_DIR/b5.db" ] || die "a backup went past its path"
# Not where another user could swap the temporary file for their own.
mkdir -m 777 "$E2E_DIR/open"; chmod 777 "$E2E_DIR/open"
fails "world-writable directory" "directory that others may write to" \
	ctl backup "$E2E_DIR/open/b7.db"
mkdir -m 700 "$E2E_DIR/open/inner"
fails "below a world-writable one" "or below one" \
	ctl backup "$E2E_DIR/open/inner/b7.db"
# A name that only begins like the database's is fine.
ok "a dated name beside the database" ctl backup "$STATE/ivtd.db.2026-11-30"
# Not into a sticky shared directory either: another user could make the
# copy's -wal or -journal there, which a restore would read.  Below one,
# in a directory of our own, is fine.
mkdir "$E2E_DIR/sticky"; chmod 1777 "$E2E_DIR/sticky"
fails "sticky directory" "directory that others may write to" \
	ctl backup "$E2E_DIR/sticky/b7.db"
mkdir -m 700 "$E2E_DIR/sticky/own"
ok "own directory below a sticky one" ctl backup "$E2E_DIR/sticky/own/b7.db"
# The daemon runs as root here: an admin that is not root writes only
# into a directory of its own, not where root's files are.
ok "a second admin" ctl user add dora --uid 2010 --role admin
fails "not root's directory" "not in a directory of yours" \
	as 2010 "$IVTCTL" --socket "$SOCK" backup "$E2E_DIR/b9.db"
install -d -o 2010 -m 0700 "$E2E_DIR/dora"
ok "the admin's own directory" \
	as 2010 "$IVTCTL" --socket "$SOCK" backup "$E2E_DIR/dora/b9.db"
# Not below a sticky one: there it could rename its directory away after
# the check and put a link to one of root's in its place.
install -d -o 2010 -m 0700 "$E2E_DIR/sticky/dora"
fails "the admin's directory in a shared one" "in one that others" \
	as 2010 "$IVTCTL" --socket "$SOCK" backup "$E2E_DIR/sticky/dora/b9.db"
[ ! -e "$E2E_DIR/b9.db" ] || die "a refused backup wrote a file"
# Through a symbolic link to a directory: the entry names where it went.
ln -s "$E2E_DIR/official" "$E2E_DIR/alias"
ok "backup through a link" ctl backup "$E2E_DIR/alias/b6.db"
real=$(realpath "$E2E_DIR/official")/b6.db
[ -f "$real" ] || die "the backup is not in the linked directory"
fails "wrong type" org.varlink.service.InvalidParameter \
	ctl call nl.ivtd.Admin.Backup '{"path":7}'
fails "non-admin" nl.ivtd.PermissionDenied \
	as 2001 "$IVTCTL" --socket "$SOCK" backup "$E2E_DIR/b4.db"
fails "unknown uid" nl.ivtd.PermissionDenied \
	as 54321 "$IVTCTL" --socket "$SOCK" backup "$E2E_DIR/b4.db"
[ ! -e "$E2E_DIR/b3.db" ] && [ ! -e "$E2E_DIR/b4.db" ] &&
	[ ! -e "$STATE/ivtd.db-journal" ] || die "a refused backup wrote a file"
[ -z "$(find "$E2E_DIR" "$STATE" -maxdepth 1 -name '.*.tmp-*')" ] ||
	die "temporary file left"
[ ! -e "$STATE/backup.pending" ] || die "a finished backup is still pending"
rc=0; ctl backup >"$OUT" 2>"$ERR" || rc=$?
[ "$rc" -eq 2 ] || die "backup without FILE: expected exit 2, got $rc"
ok "verify" ctl audit verify; has intact
stop_daemon

# --- the backups are audited with who took them, also when refused
who=$(sqlite3 "$STATE/ivtd.db" "SELECT actor_name || ':' || result FROM audit
	WHERE method = 'nl.ivtd.Admin.Backup' ORDER BY seq")
echo "$who" | inq -x "root:allowed" || die "backup not audited"
[ "$(sqlite3 "$STATE/ivtd.db" "SELECT count(*) FROM audit WHERE
	method = 'nl.ivtd.Admin.Backup' AND object = 'backup:$real'")" = 1 ] ||
	die "the entry does not name where the backup went"
echo "$who" | inq -x "alice:denied" || die "denied backup not audited"
[ "$(echo "$who" | grep -c "root:error")" -ge 6 ] ||
	die "refused backups not audited"

# --- a crash in the middle of a backup: the next start removes the
# partial copy its pending note names, and nothing else
# (the shortest name a backup can have: one character)
printf 'partial' >"$E2E_DIR/official/.b.tmp-AbC123"
printf 'keep' >"$E2E_DIR/official/keep.db"
printf '%s\n' "$(realpath "$E2E_DIR/official")/.b.tmp-AbC123" \
	>"$STATE/backup.pending"
start_daemon
stop_daemon
[ ! -e "$E2E_DIR/official/.b.tmp-AbC123" ] ||
	die "the partial copy of a crashed backup was left"
[ ! -e "$STATE/backup.pending" ] || die "the pending note was left"
grep -q "the partial copy of a backup that a crash interrupted" "$DLOG" ||
	die "no log line for the removed partial copy"
# A note naming any other file removes nothing, nor does one naming a
# directory or a link under a temporary file's name.
mkdir "$E2E_DIR/official/.d.tmp-AbC123"
ln -s keep.db "$E2E_DIR/official/.l.tmp-AbC123"
for victim in keep.db .d.tmp-AbC123 .l.tmp-AbC123; do
	printf '%s\n' "$E2E_DIR/official/$victim" >"$STATE/backup.pending"
	start_daemon
	stop_daemon
	[ -e "$E2E_DIR/official/$victim" ] ||
		die "a pending note removed $victim"
	[ ! -e "$STATE/backup.pending" ] || die "the pending note was left"
done
[ -e "$E2E_DIR/official/keep.db" ] || die "a pending note removed a file"

# --- restore: a new state directory with the copy and the same key
R="$E2E_DIR/restore"
mkdir -m 700 "$R"
cp "$E2E_DIR/b1.db" "$R/ivtd.db"
cp -p "$STATE/master.key" "$R/master.key"
CONF="$E2E_DIR/restore.conf"
SOCK="$R/ivtd.sock"
(umask 077 && printf 'state_dir = %s\nsocket_mode = 0666\nlog_level = debug\n' \
	"$R" >"$CONF")
start_daemon
ok "restored: verify" ctl audit verify; has intact
ok "restored: partners" ctl partner list; has UWV
while read -r name; do
	grep -q " $name " "$OUT" || die "acknowledged $name missing in backup"
done < <(head -n "$before" "$ACKS")
ok "restored: users" ctl user list; has alice
ok "restored: writable" ctl partner add SVB --kind landelijke_dienst
ok "restored: verify again" ctl audit verify; has intact
stop_daemon

# A wrong key does not open the copy: the database knows its master key
# by a check value (keys.h), so ivtd refuses to start on it, and without
# any key file it does not make a new one for a database that has keys.
R2="$E2E_DIR/restore2"
mkdir -m 700 "$R2"
cp "$E2E_DIR/b2.db" "$R2/ivtd.db"
sed "s|$R|$R2|" "$CONF" >"$E2E_DIR/r2.conf" && chmod 600 "$E2E_DIR/r2.conf"
CONF="$E2E_DIR/r2.conf"
SOCK="$R2/ivtd.sock"
rc=0; "$IVTD" --config "$CONF" >"$ERR" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || die "started on a copy without its key"
grep -q "cannot open key file" "$ERR" || die "missing key not reported"
(umask 077 && head -c 32 /dev/urandom >"$R2/master.key")
rc=0; "$IVTD" --config "$CONF" >"$ERR" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || die "started on a copy under another key"
grep -q "is not the master key of this database" "$ERR" ||
	die "wrong key not reported"
done_ok
