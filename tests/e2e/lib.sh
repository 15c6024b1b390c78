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
ERRALL="$E2E_DIR/err.all"   # every ivtctl stderr of the test, kept
DPID=""
DRC=0 # exit status of the daemon's last run (stop_daemon, cleanup)
NCHECK=0
PII=()

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

# pii VALUE...: clear personal data the test uses (BSNs, names of
# citizens, street names, note texts).  Once the test has passed, none of
# them may appear in the daemon's log, in what ivtctl wrote to stderr, or
# in the raw bytes of the database, its WAL or a backup: personal data is
# shown only to authorised callers on stdout, and stored sealed.  What a
# test gives ivtctl through ok/fails as --persons (BSNs and names),
# --street, --bsn, --note or --notes is declared automatically; declare
# the rest (CSV files, values the test sends otherwise) with this.
pii() {
	local v
	for v in "$@"; do
		# A short value would be found by chance in binary pages.
		[ "${#v}" -ge 5 ] || die "pii: '$v' is too short to check"
		PII+=("$v")
	done
}

# pii_csv FILE...: declare the streets, BSNs and names of a subject
# import file (the columns straat, bsn and naam; either separator).
pii_csv() {
	local v
	while IFS= read -r -d '' v; do
		[ "${#v}" -lt 5 ] || PII+=("$v")
	done < <(python3 - "$@" <<'PY'
import csv, sys
for path in sys.argv[1:]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        head = f.readline()
        sep = ";" if head.count(";") >= head.count(",") else ","
        f.seek(0)
        for row in csv.DictReader(f, delimiter=sep):
            for k, v in row.items():
                if k and k.strip().lower() in ("straat", "bsn", "naam") and v:
                    sys.stdout.write(v + "\0")
PY
	)
}

# pii_args ARG...: declare the personal data in an ivtctl command line.
pii_args() {
	local a p b n
	while [ $# -gt 1 ]; do
		a=$1
		shift
		case "$a" in
		--street | --note | --notes) [ "${#1}" -lt 5 ] || PII+=("$1") ;;
		--bsn) b=${1//[. ]/}; [ "${#b}" -lt 8 ] || PII+=("$b") ;;
		--persons)
			# BSN[:NAME[:BIRTHDATE]],...
			local IFS=,
			for p in $1; do
				b=${p%%:*}
				b=${b//[. ]/}
				[ "${#b}" -lt 8 ] || PII+=("$b")
				n=${p#*:}
				[ "$n" = "$p" ] && continue
				n=${n%%:*}
				[ "${#n}" -lt 5 ] || PII+=("$n")
			done
			;;
		esac
	done
}

# err_keep: add $ERR to $ERRALL if it changed since the last time, so the
# stderr of commands a test runs by hand (2>"$ERR") is checked as well.
err_keep() {
	[ -s "$ERR" ] || return 0
	cmp -s "$ERR" "$ERR.kept" 2>/dev/null && return 0
	cat "$ERR" >>"$ERRALL"
	cp "$ERR" "$ERR.kept"
}

# pii_check: fail if a declared value is in a log, an ivtctl stderr or a
# database file (see pii).
pii_check() {
	local files=() f v
	err_keep
	[ -e "$DLOG" ] && files+=("$DLOG")
	[ -e "$ERRALL" ] && files+=("$ERRALL")
	for f in "$E2E_DIR"/*.err "$STATE"/* "$E2E_DIR"/*.db "$E2E_DIR"/*.db-wal \
		"$E2E_DIR"/*.bak "$E2E_DIR"/*backup*; do
		[ -f "$f" ] && files+=("$f")
	done
	[ "${#files[@]}" -gt 0 ] || return 0
	for v in "${PII[@]}"; do
		for f in "${files[@]}"; do
			if grep -a -F -q -- "$v" "$f"; then
				echo "FAIL: personal data in ${f#"$E2E_DIR"/}: a value" \
					"declared with pii (#$(pii_index "$v"))" >&2
				return 1
			fi
		done
	done
}

# Which declared value (1-based), so a failure does not print it again.
pii_index() {
	local i
	for i in "${!PII[@]}"; do
		[ "${PII[$i]}" = "$1" ] && { echo $((i + 1)); return; }
	done
}

# sanitizer_check: the daemon's log must hold no sanitizer report (a leak
# found by LeakSanitizer at exit, an ASan or UBSan error) nor a valgrind
# error: a daemon that cleanup stops after the test has its exit status
# checked there, but one the test killed has not, so look at what it
# wrote as well.
SAN_RE='ERROR: (LeakSanitizer|AddressSanitizer)|runtime error:'
SAN_RE+='|==[0-9]+== (Invalid (read|write|free)|Conditional jump|Use of uninit'
SAN_RE+='|Syscall param|Mismatched free|Source and destination overlap'
SAN_RE+='|.* definitely lost)'
sanitizer_check() {
	[ -e "$DLOG" ] || return 0
	grep -a -q -E "$SAN_RE" "$DLOG" || return 0
	echo "FAIL: sanitizer or memcheck report in the daemon log:" >&2
	grep -a -A 30 -E "$SAN_RE" "$DLOG" | head -n 80 >&2
	return 1
}

cleanup() {
	local rc=$?
	if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
		kill -TERM "$DPID" 2>/dev/null || true
		DRC=0
		wait "$DPID" 2>/dev/null || DRC=$?
		DPID=""
		# A passed test whose daemon then failed to shut down cleanly
		# (a leak report aborts it) fails after all.
		if [ "$rc" -eq 0 ] && [ "$DRC" -ne 0 ]; then
			echo "FAIL: ivtd exited with $DRC on SIGTERM at the end" >&2
			tail -n 30 "$DLOG" >&2 2>/dev/null || true
			rc=1
		fi
	fi
	if [ "$rc" -eq 0 ]; then
		sanitizer_check || rc=1
		pii_check || rc=1
	fi
	rm -rf "$E2E_DIR"
	exit "$rc"
}
trap cleanup EXIT

# IVT_VALGRIND=1 runs the daemon under valgrind memcheck (README,
# "Valgrind"): any error or definite leak makes it exit 99, which
# stop_daemon and cleanup report.  Use a build without sanitizers.
IVT_VALGRIND_CMD=()
if [ -n "${IVT_VALGRIND:-}" ]; then
	IVT_VALGRIND_CMD=(valgrind --quiet --error-exitcode=99
		--leak-check=full --errors-for-leak-kinds=definite
		--show-leak-kinds=definite --track-fds=no)
fi

# SLOW: how many times longer a wait may take; valgrind runs the daemon
# some 20 times slower.
SLOW=1
[ -z "${IVT_VALGRIND:-}" ] || SLOW=20

# wait_count N COUNT PID WHAT: until the function COUNT prints at least N,
# while PID lives; at most 30 s (times SLOW).
wait_count() {
	local n=$1 count=$2 pid=$3 what=$4 _
	for _ in $(seq 1 $((300 * SLOW))); do
		[ "$("$count")" -lt "$n" ] || return 0
		kill -0 "$pid" 2>/dev/null || die "$what: process $pid is gone"
		sleep 0.1
	done
	die "$what: $("$count") of $n in $((30 * SLOW)) s"
}

# start_daemon [extra ivtd args]: start and wait for the socket.
start_daemon() {
	"${IVT_VALGRIND_CMD[@]}" "$IVTD" --config "$CONF" "$@" >>"$DLOG" 2>&1 &
	DPID=$!
	local tries=200
	# valgrind runs the daemon some 20 times slower.
	[ -z "${IVT_VALGRIND:-}" ] || tries=1200
	for _ in $(seq 1 "$tries"); do
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
	DRC=$rc
	[ "$rc" -eq 0 ] || die "ivtd exited with $rc on SIGTERM"
	sanitizer_check || die "sanitizer report (see above)"
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
	err_keep
	pii_args "$@"
	"$@" >"$OUT" 2>"$ERR" || die "$desc (exit $?)"
	err_keep
}

# fails DESC ERROR cmd...: cmd must exit 1 naming the varlink error.
fails() {
	local desc=$1 want=$2 rc=0
	shift 2
	NCHECK=$((NCHECK + 1))
	err_keep
	pii_args "$@"
	"$@" >"$OUT" 2>"$ERR" || rc=$?
	err_keep
	[ "$rc" -eq 1 ] || die "$desc: expected exit 1, got $rc"
	grep -q -- "$want" "$ERR" || die "$desc: stderr lacks '$want'"
}

# ... | inq [GREP-OPTIONS] PATTERN: grep -q for the end of a pipeline.
# grep -q exits at the first match, and under pipefail the writer's
# SIGPIPE then fails the pipeline: a match reads as none, now and then.
# This reads all of its input.
inq() { grep -c "$@" >/dev/null; }

# has PATTERN: the last command's stdout matches.
has() { grep -q -- "$1" "$OUT" || die "output lacks '$1'"; }
hasnt() { ! grep -q -- "$1" "$OUT" || die "output has '$1'"; }
# errhas PATTERN: the last command's stderr matches.
errhas() { grep -q -- "$1" "$ERR" || die "stderr lacks '$1'"; }

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
