#!/usr/bin/env bash
# End-to-end: process hardening and service-manager integration.
# Readiness (READY=1, STOPPING=1) over $NOTIFY_SOCKET, path and abstract;
# no core dumps; the switch to the unprivileged "user" of ivtd.conf(5),
# with every file owned by it.
. "${IVT_E2E_LIB:-$(dirname "$0")/lib.sh}"

# A datagram listener standing in for systemd.  On READY=1 it checks that
# the control socket already answers, as sd_notify(3) readiness means.
cat >"$E2E_DIR/notify.py" <<'PY'
import socket, sys
addr, sock, out = sys.argv[1], sys.argv[2], sys.argv[3]
l = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
l.bind("\0" + addr[1:] if addr.startswith("@") else addr)
l.settimeout(60)
with open(out + ".tmp", "w") as f:
    print("listening", file=f, flush=True)
    while True:
        msg = l.recv(4096).decode()
        print(msg, file=f, flush=True)
        if msg == "READY=1":
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                c.connect(sock)
                print("socket answers", file=f, flush=True)
            except OSError as e:
                print("socket does not answer: %s" % e, file=f, flush=True)
            c.close()
        if msg == "STOPPING=1":
            break
import os
os.rename(out + ".tmp", out)
PY

# notify_test ADDR: run the daemon under a listener at ADDR.
notify_test() {
	local addr=$1 got="$E2E_DIR/notify.out" lpid
	rm -f "$got" "$got.tmp"
	python3 "$E2E_DIR/notify.py" "$addr" "$SOCK" "$got" &
	lpid=$!
	for _ in $(seq 1 100); do
		[ -s "$got.tmp" ] && break
		sleep 0.05
	done
	export NOTIFY_SOCKET=$addr
	start_daemon
	unset NOTIFY_SOCKET
	for _ in $(seq 1 100); do
		grep -q "READY=1" "$got.tmp" 2>/dev/null && break
		sleep 0.05
	done
	grep -q "^READY=1$" "$got.tmp" || die "$addr: no READY=1"
	grep -q "^socket answers$" "$got.tmp" ||
		die "$addr: READY=1 before the socket listened"
	grep -q "STOPPING" "$got.tmp" && die "$addr: STOPPING=1 too early"
	stop_daemon
	wait "$lpid" || die "$addr: listener failed"
	grep -q "^STOPPING=1$" "$got" || die "$addr: no STOPPING=1"
	NCHECK=$((NCHECK + 1))
}

notify_test "$E2E_DIR/notify.sock"
notify_test "@ivt-e2e-notify-$$"

# Without NOTIFY_SOCKET nothing is sent, and a bad one does not stop it.
NOTIFY_SOCKET=relative/path start_daemon
grep -q "NOTIFY_SOCKET is not a socket path" "$DLOG" ||
	die "bad NOTIFY_SOCKET not reported"

# --- no core dumps: RLIMIT_CORE is 0 (non-dumpable is checked below)
grep -Eq "^Max core file size +0 +0 " "/proc/$DPID/limits" ||
	die "core limit not 0"
ok "partner as root" ctl partner add UWV --kind landelijke_dienst
stop_daemon

if [ "$(id -u)" -ne 0 ]; then
	echo "$(basename "$0"): not root, skipping the user switch"
	done_ok
	exit 0
fi

# --- not started as root: "user" is ignored with a warning
U="$E2E_DIR/u"
mkdir -m 700 "$U" && chown 2005:2005 "$U"
printf 'state_dir = %s/s\nuser = nobody\n' "$U" >"$U/c.conf"
chown 2005:2005 "$U/c.conf" && chmod 600 "$U/c.conf"
setpriv --reuid=2005 --regid=2005 --clear-groups \
	"$IVTD" --config "$U/c.conf" >"$U/log" 2>&1 &
upid=$!
for _ in $(seq 1 200); do
	[ -S "$U/s/ivtd.sock" ] && break
	kill -0 "$upid" 2>/dev/null || die "unprivileged ivtd exited: $(cat "$U/log")"
	sleep 0.05
done
grep -q "not started as root: running as uid 2005, not as user nobody" \
	"$U/log" || die "no warning that user is ignored"
grep -Eq "^Uid:\s+2005\s" "/proc/$upid/status" || die "unprivileged uid changed"
kill -TERM "$upid"
wait "$upid" || die "unprivileged ivtd failed: $(cat "$U/log")"
NCHECK=$((NCHECK + 1))

# --- a user that does not exist, or root, is refused (exit 1)
for u in ivt-no-such-user root; do
	sed "s/^user = .*//" "$CONF" >"$E2E_DIR/bad.conf"
	echo "user = $u" >>"$E2E_DIR/bad.conf"
	chmod 600 "$E2E_DIR/bad.conf"
	rc=0; "$IVTD" --config "$E2E_DIR/bad.conf" >"$OUT" 2>"$ERR" || rc=$?
	[ "$rc" -eq 1 ] || die "user $u: expected exit 1, got $rc"
	grep -Eq "no such user|is root" "$ERR" || die "user $u: no reason given"
	NCHECK=$((NCHECK + 1))
done
[ ! -e "$SOCK" ] || die "refused start left a socket"

# --- state that others could change is refused (exit 1), and untouched
# refused DESC RC PATTERN [CONFIG]: ivtd must not start (exit RC: 2 for
# a configuration it refuses, 1 for the state), and say why.
refused() {
	local rc=0
	timeout 20 "$IVTD" --config "${4:-$CONF}" >"$OUT" 2>"$ERR" || rc=$?
	[ "$rc" -eq "$2" ] || die "$1: expected exit $2, got $rc"
	cat "$OUT" "$ERR" | grep -q -- "$3" ||
		die "$1: no reason given: $(cat "$OUT" "$ERR")"
	NCHECK=$((NCHECK + 1))
}
chmod 0777 "$STATE"
refused "a state directory others may write to" 1 "state directory"
chmod 0711 "$STATE"
chown 2005 "$STATE/master.key"
refused "a key file of another user" 1 "belongs to uid 2005"
chown 0 "$STATE/master.key"
cp -p "$CONF" "$E2E_DIR/conf.bak"
chown 2005 "$CONF"
refused "a config file of another user" 2 "owned by another user"
cp -p "$E2E_DIR/conf.bak" "$CONF"
# The daemon's user owns the state directory: a hard link it put there
# to a file of root's must not be handed to it at the next start.
echo "root's" >"$E2E_DIR/victim"; chmod 600 "$E2E_DIR/victim"
ln "$E2E_DIR/victim" "$STATE/ivtd.db-shm"
sed "s/^user = .*//" "$CONF" >"$E2E_DIR/nobody.conf"
echo "user = nobody" >>"$E2E_DIR/nobody.conf"
chmod 600 "$E2E_DIR/nobody.conf"
refused "a hard link in the state directory" 1 "one name" \
	"$E2E_DIR/nobody.conf"
[ "$(stat -c %U "$E2E_DIR/victim")" = root ] || die "root's file was given away"
rm "$STATE/ivtd.db-shm"

# --- switch to nobody on the state that root created above.  The socket
# moves to a directory ivtd creates (and so gives to nobody).
nobody_uid=$(id -u nobody)
SOCK="$E2E_DIR/run/ivtd.sock"
conf_add "user = nobody" "socket = $SOCK"
start_daemon
grep -q "running as user nobody" "$DLOG" || die "no log of the switch"
for id in Uid Gid; do
	if [ $id = Uid ]; then want=$nobody_uid; else want=$(id -g nobody); fi
	grep -Eq "^$id:\s+$want\s+$want\s+$want\s+$want$" "/proc/$DPID/status" ||
		die "$id not all $want: $(grep "^$id:" "/proc/$DPID/status")"
done
grep -Eq "^Groups:\s*($(id -G nobody | tr ' ' '|')| )*$" \
	"/proc/$DPID/status" || die "supplementary groups kept"
# Not dumpable: the kernel then keeps /proc/PID owned by root.
[ "$(stat -c %u "/proc/$DPID/status")" = 0 ] ||
	die "process is dumpable (/proc/PID owned by its uid)"
for f in "$STATE" "$STATE/ivtd.db" "$STATE/ivtd.db-wal" "$STATE/master.key" \
	"$STATE/ivtd.lock" "$E2E_DIR/run" "$SOCK"; do
	[ "$(stat -c %U "$f")" = nobody ] || die "$f not owned by nobody"
done
[ "$(stat -c %U "$E2E_DIR")" = root ] || die "a shared directory was taken"
ok "root is still admin" ctl whoami; has admin
ok "data kept" ctl partner list; has UWV
ok "write as nobody" ctl partner add SVB --kind landelijke_dienst
ok "backup as nobody" ctl backup "$STATE/copy.db"
[ "$(stat -c %U "$STATE/copy.db")" = nobody ] || die "backup not nobody's"
ok "audit intact" ctl audit verify; has intact
stop_daemon

# --- a fresh state directory under nobody: files are created by nobody,
# and root, who started the daemon, is its only admin.
STATE="$E2E_DIR/state2"
conf_add "state_dir = $STATE" "socket = $SOCK"
start_daemon
[ "$(stat -c '%U %a' "$STATE/master.key")" = "nobody 600" ] ||
	die "new key not nobody's 0600"
ok "fresh: whoami" ctl whoami; has admin
ok "fresh: users" ctl user list; hasnt nobody
stop_daemon
done_ok
