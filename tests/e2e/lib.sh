# lib.sh - shared harness for the end-to-end tests: a real ivtd on a
# temporary directory, driven through ivtctl.  Sourced by tests/e2e/test_*.sh.
set -euo pipefail

: "${IVTD:?set IVTD to the ivtd binary}"
: "${IVTCTL:?set IVTCTL to the ivtctl binary}"

E2E_DIR=$(mktemp -d /tmp/ivt-e2e.XXXXXX)
# Other uids (setpriv) must reach the socket, not the state directory.
chmod 755 "$E2E_DIR"
STATE="$E2E_DIR/state"
SOCK="$E2E_DIR/ivtd.sock"
CONF="$E2E_DIR/ivtd.conf"
DLOG="$E2E_DIR/ivtd.log"
OUT="$E2E_DIR/out"
ERR="$E2E_DIR/err"
DPID=""
NCHECK=0

(umask 077 && cat >"$CONF" <<CONF
# e2e: the socket is open to every uid so tests can call as unknown ones.
state_dir = $STATE
socket = $SOCK
socket_mode = 0666
log_level = debug
CONF
)

# conf_add LINE...: append lines to the daemon's configuration; a key set
# again overrides the earlier value.  Call before start_daemon.
conf_add() { printf '%s\n' "$@" >>"$CONF"; }

die() {
	echo "FAIL: $*" >&2
	echo "--- stdout:" >&2; cat "$OUT" >&2 2>/dev/null || true
	echo "--- stderr:" >&2; cat "$ERR" >&2 2>/dev/null || true
	echo "--- daemon log (tail):" >&2; tail -n 30 "$DLOG" >&2 2>/dev/null || true
	exit 1
}

cleanup() {
	if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
		kill -TERM "$DPID" 2>/dev/null || true
		wait "$DPID" 2>/dev/null || true
	fi
	rm -rf "$E2E_DIR"
}
trap cleanup EXIT

# start_daemon [extra ivtd args]: start and wait for the socket.
start_daemon() {
	"$IVTD" --config "$CONF" "$@" >>"$DLOG" 2>&1 &
	DPID=$!
	for _ in $(seq 1 200); do
		[ -S "$SOCK" ] && "$IVTCTL" --socket "$SOCK" service info \
			>/dev/null 2>&1 && return 0
		kill -0 "$DPID" 2>/dev/null || die "ivtd exited during start"
		sleep 0.05
	done
	die "ivtd did not open $SOCK"
}

# stop_daemon: SIGTERM, and the daemon must exit 0 (a sanitizer report
# or a failed shutdown checkpoint makes it exit non-zero).
stop_daemon() {
	local rc=0
	kill -TERM "$DPID"
	wait "$DPID" || rc=$?
	DPID=""
	[ "$rc" -eq 0 ] || die "ivtd exited with $rc on SIGTERM"
	[ ! -e "$SOCK" ] || die "socket left behind after shutdown"
}

ctl() { "$IVTCTL" --socket "$SOCK" "$@"; }

# as UID cmd...: run cmd as another uid (no account needed).
as() {
	local uid=$1
	shift
	setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@"
}

# ok DESC cmd...: cmd must succeed; its stdout is in $OUT.
ok() {
	local desc=$1
	shift
	NCHECK=$((NCHECK + 1))
	"$@" >"$OUT" 2>"$ERR" || die "$desc (exit $?)"
}

# fails DESC ERROR cmd...: cmd must exit 1 naming the varlink error.
fails() {
	local desc=$1 want=$2 rc=0
	shift 2
	NCHECK=$((NCHECK + 1))
	"$@" >"$OUT" 2>"$ERR" || rc=$?
	[ "$rc" -eq 1 ] || die "$desc: expected exit 1, got $rc"
	grep -q -- "$want" "$ERR" || die "$desc: stderr lacks '$want'"
}

# has PATTERN: the last command's stdout matches.
has() { grep -q -- "$1" "$OUT" || die "output lacks '$1'"; }
hasnt() { ! grep -q -- "$1" "$OUT" || die "output has '$1'"; }

# raw: send stdin bytes to the socket as they are, print what comes back
# (NULs turned into newlines).  For protocol-level tests.
cat >"$E2E_DIR/raw.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
data = sys.stdin.buffer.read()
try:
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
except (BrokenPipeError, ConnectionResetError):
    pass
s.settimeout(10)
buf = b""
while True:
    try:
        chunk = s.recv(65536)
    except ConnectionResetError:
        break
    if not chunk:
        break
    buf += chunk
sys.stdout.write(buf.replace(b"\0", b"\n").decode())
PY
raw() { python3 "$E2E_DIR/raw.py" "$SOCK"; }

done_ok() { echo "$(basename "$0"): $NCHECK checks passed"; }
