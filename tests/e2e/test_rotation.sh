#!/usr/bin/env bash
# End-to-end: master key rotation.  Under load (a client writing journal
# notes and reading subjects the whole time) a rotation completes without
# one failed call or lost write; then the daemon is killed (SIGKILL) at many
# points of a slowed-down rotation, and after every restart the rotation is
# finished or rolled back, no next key file is left, every field is
# readable and the audit chain verifies.  The slowing is the test-only
# IVTD_TEST_ROTATION_PAUSE_MS (ivtd(8)).
. "${IVT_E2E_LIB:-$(dirname "$0")/lib.sh}"
. "$(dirname "${IVT_E2E_LIB:-$0}")/fixture.sh"

NPROJ=5
# Waits scale with the daemon's speed (valgrind runs it some 20 times
# slower, lib.sh).  Each waits for a condition; the bound only limits how
# long a daemon that makes no progress is waited for.
export IVTD_TEST_ROTATION_PAUSE_MS=60
start_daemon
fixture_project

bsn() { # an elfproef-valid BSN for i (1..9): 10000000i-ish search
	python3 - "$1" <<'PY'
import sys
i = int(sys.argv[1])
for n in range(100000000 + i * 1000, 100000000 + i * 1000 + 1000):
    d = [int(c) for c in "%09d" % n]
    s = sum(d[k] * (9 - k) for k in range(8)) - d[8]
    if s % 11 == 0:
        print("%09d" % n)
        break
PY
}

# Projects 2..NPROJ like the fixture's project 1; a subject in each.
for p in $(seq 2 "$NPROJ"); do
	ok "P$p" pl project create "Project $p" --gemeente Utrecht \
		--problem Woonfraude --area 3511AA-3511ZZ --legal-basis LSI \
		--purpose Handhaving
	ok "P$p verkennend" pl project advance "$p" --rationale start
	for gate in probleemdefinitie collegebesluit rpf lsi; do
		ok "P$p $gate" pl project decide "$p" "$gate" --go --rationale ok
	done
	ok "P$p voorbereidend" pl project advance "$p" --rationale "alle GO"
	ok "P$p protocol" pl protocol register "$p" --date 2026-11-01 --ref A
done
declare -A BSNS
for p in $(seq 1 "$NPROJ"); do
	BSNS[$p]=$(bsn "$p")
	ok "subject $p" pl subject add "$p" --street "Rotatiestraat" --nr "$p" \
		--postcode 3511AB --city Utrecht \
		--persons "${BSNS[$p]}:Persoon Nummer$p:1980-01-0$p"
	ok "journal $p" pl journal add "$p" --kind overleg \
		--note "Notitie van project $p"
done

# every_field_readable: each subject shows its person, each journal its
# note, the blind index still finds each BSN.
every_field_readable() {
	local p
	for p in $(seq 1 "$NPROJ"); do
		ok "$1: subject $p" pl subject show "$p"
		has "Persoon Nummer$p"; has "Rotatiestraat"
		ok "$1: journal $p" pl journal list "$p"
		has "Notitie van project $p"
		ok "$1: find $p" pl subject find --bsn "${BSNS[$p]}"
		has "Rotatiestraat"
	done
}

version() { ctl --json key status | python3 -c \
	'import json,sys; s=json.load(sys.stdin)["status"]; print(s["current"], int(s["rotating"]))'; }

ok "status" ctl key status; has "current 1"; has "rotating no"
has "projects $NPROJ"
fails "admin only" nl.ivtd.PermissionDenied pl key rotate
fails "admin only" nl.ivtd.PermissionDenied priv key status

# --- rotation under load --------------------------------------------------
LOAD_STOP="$E2E_DIR/load.stop"
LOAD_LOG="$E2E_DIR/load.log"
nacked() { grep -c '^acked' "$LOAD_LOG" || true; }
# wait_load N: until the load has N acknowledged writes.
wait_load() { wait_count "$1" nacked "$LOADPID" "the load's writes"; }
load() {
	local n=0
	while [ ! -e "$LOAD_STOP" ]; do
		n=$((n + 1))
		if as 2001 "$IVTCTL" --socket "$SOCK" journal add 1 \
			--kind overleg --note "load $n" >/dev/null 2>>"$LOAD_LOG"
		then
			echo "acked $n" >>"$LOAD_LOG"
		else
			echo "FAILED write $n" >>"$LOAD_LOG"
		fi
		as 2001 "$IVTCTL" --socket "$SOCK" subject show $((n % NPROJ + 1)) \
			>/dev/null 2>>"$LOAD_LOG" ||
			echo "FAILED read $n" >>"$LOAD_LOG"
	done
}
: >"$LOAD_LOG"
load &
LOADPID=$!
# The load runs before, (most likely) during and after the rotation:
# writes acknowledged before it starts and after it has finished.
wait_load 2
ok "rotate under load" ctl key rotate; has "current 2"; has "rotating no"
wait_load $(($(nacked) + 2))
touch "$LOAD_STOP"
wait "$LOADPID"
! grep -q FAILED "$LOAD_LOG" || die "calls failed during the rotation: \
$(grep -c FAILED "$LOAD_LOG")"
acked=$(grep -c '^acked' "$LOAD_LOG")
[ "$acked" -ge 3 ] || die "the load made only $acked writes"
ok "load notes" pl --json journal list 1
n=$(grep -c '"load [0-9]*"' "$OUT" || true)
[ "$n" -eq "$acked" ] || die "$acked notes acknowledged, $n stored"
[ ! -e "$STATE/master.key.next" ] || die "next key left behind"
every_field_readable "after rotation"
ok "verify" ctl audit verify; has intact
ok "rotation audited" ctl --json audit list --actor ivtd
has "master-key:1->2"
fails "one at a time" nl.ivtd.Conflict sh -c \
	"$IVTCTL --socket $SOCK key rotate --no-wait >/dev/null &&
	 $IVTCTL --socket $SOCK key rotate --no-wait"
# Let that rotation finish (the daemon drives it on its own).
for _ in $(seq 1 $((300 * SLOW))); do
	[ "$(version)" = "3 0" ] && break
	sleep 0.1
done
[ "$(version)" = "3 0" ] || die "rotation to 3 did not finish"

# --- SIGKILL at many points of a slowed rotation --------------------------
stop_daemon
export IVTD_TEST_ROTATION_PAUSE_MS=250
start_daemon
before=3
# Killed while the Rotate call itself waits (new key file written, not yet
# committed): the database never named it, so the restart removes it.
# The call pauses IVTD_TEST_ROTATION_PAUSE_MS after writing the file:
# kill as soon as it is there, however long the daemon took to get there.
"$IVTCTL" --socket "$SOCK" key rotate --no-wait >/dev/null 2>&1 &
ROTPID=$!
for _ in $(seq 1 $((1000 * SLOW))); do
	[ ! -e "$STATE/master.key.next" ] || break
	kill -0 "$ROTPID" 2>/dev/null || break
	sleep 0.01
done
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null || true
wait "$ROTPID" 2>/dev/null || true
[ -e "$STATE/master.key.next" ] || die "no next key while Rotate waited"
start_daemon
[ "$(version)" = "3 0" ] || die "uncommitted rotation not rolled back"
[ ! -e "$STATE/master.key.next" ] || die "orphaned next key kept"
grep -q "a rotation that never started" "$DLOG" || die "rollback not logged"
every_field_readable "rolled back"
for delay in 0.05 0.15 0.3 0.45 0.6 0.8 1.0 1.2 1.4 1.7 2.0; do
	ok "rotate ($delay)" ctl key rotate --no-wait
	sleep "$delay"
	kill -KILL "$DPID"
	wait "$DPID" 2>/dev/null || true
	DPID=""
	start_daemon
	read -r cur rot < <(version)
	[ "$rot" = 0 ] || die "rotation still running after restart ($delay)"
	[ "$cur" = "$before" ] || [ "$cur" = $((before + 1)) ] ||
		die "version $cur after a rotation from $before"
	[ ! -e "$STATE/master.key.next" ] ||
		die "next key left behind after restart ($delay)"
	echo "kill after ${delay}s: version $before -> $cur"
	before=$cur
	every_field_readable "killed after $delay s"
	ok "verify after kill ($delay)" ctl audit verify; has intact
done
[ "$before" -ge 6 ] || die "too few rotations completed ($before)"
# The kills must have hit running rotations, not only finished ones.
resumed=$(grep -c "resuming the rotation" "$DLOG" || true)
switched=$(grep -c "finished switching to master key" "$DLOG" || true)
echo "restarts that resumed a rotation: $resumed, that finished its switch: $switched"
[ "$resumed" -ge 3 ] || die "only $resumed kills hit a running rotation"
stop_daemon
done_ok
