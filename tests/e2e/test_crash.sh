#!/usr/bin/env bash
# End-to-end: crash safety.  A writer adds partners as fast as it can and
# records every acknowledged write; the daemon is killed with SIGKILL at
# random moments while it writes and restarted over its stale socket and
# lock.  At the end every acknowledged write is there, only a call in
# flight at a kill may have landed unacknowledged, each change has its
# audit entry and no entry lacks its change, the database is intact and
# the audit chain verifies.
. "${IVT_E2E_LIB:-$(dirname "$0")/lib.sh}"

KILLS=6
ACKS="$E2E_DIR/acks"
TRIED="$E2E_DIR/tried"
INFLIGHT="$E2E_DIR/inflight"
# Waits scale with the daemon's speed (valgrind runs it some 20 times
# slower, lib.sh).  No check rests on one: each only bounds how long a
# daemon that makes no progress is waited for.

# The writer: one call at a time; a name is written to ACKS only after its
# reply said yes.  When the connection is cut with a call in flight, the
# name goes to INFLIGHT (its fate is unknown: only acknowledged writes are
# promised), and the writer reconnects and goes on with the next name.  A
# reply that does not come within the timeout fails the writer: a daemon
# that hangs must not pass for one that was killed.
cat >"$E2E_DIR/writer.py" <<'PY'
import json, os, socket, sys, time
sock, acks, tried, inflight, stop = sys.argv[1:6]
timeout = float(sys.argv[6])
i = 0

def stopped():
    # The stop file, or the test gone (its directory removed).
    return os.path.exists(stop) or not os.path.isdir(os.path.dirname(stop))

with open(acks, "w") as a, open(tried, "w") as t, open(inflight, "w") as f:
    while not stopped():
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(sock)
        except socket.timeout:
            sys.exit("writer: connect took over %g s" % timeout)
        except OSError:
            # The stale socket of a killed daemon, or none yet.
            s.close()
            time.sleep(0.02)
            continue
        name = None
        try:
            while not stopped():
                i += 1
                name = "C%d" % i
                print(name, file=t, flush=True)
                s.sendall(json.dumps({"method": "nl.ivtd.Partner.Add",
                    "parameters": {"name": name, "kind": "other"}}).encode()
                    + b"\0")
                buf = b""
                while not buf.endswith(b"\0"):
                    chunk = s.recv(4096)
                    if not chunk:
                        raise ConnectionResetError
                    buf += chunk
                r = json.loads(buf[:-1])
                if "error" in r:
                    sys.exit("writer: unexpected error for %s: %s" %
                             (name, r["error"]))
                a.write(name + "\n")
                a.flush()
                name = None
        except socket.timeout:
            sys.exit("writer: no reply to %s within %g s" % (name, timeout))
        except OSError:
            if name is not None:
                print(name, file=f, flush=True)
        finally:
            s.close()
PY

nacks() { wc -l <"$ACKS"; }

# wait_acks N WHY: until the writer has N acknowledged writes.
wait_acks() { wait_count "$1" nacks "$WPID" "acknowledged writes ($2)"; }

# The WAL copier (walcopy.c) at its smallest, so that kills also land
# while its thread copies the WAL back into the database.
conf_add "wal_pages = 100"
start_daemon
: >"$ACKS"
python3 "$E2E_DIR/writer.py" "$SOCK" "$ACKS" "$TRIED" "$INFLIGHT" \
	"$E2E_DIR/stop" $((60 * SLOW)) &
WPID=$!

for k in $(seq 1 "$KILLS"); do
	# Kill a daemon that is writing: once the writer is through to it (a
	# few acknowledged writes, however loaded the machine), 0.3 to 1.5 s
	# more of writing, then SIGKILL: no shutdown code runs.
	wait_acks $(($(nacks) + 3)) "before kill $k"
	sleep "0.$((3 + RANDOM % 7))"
	[ $((RANDOM % 3)) -eq 0 ] && sleep 0.5
	kill -0 "$DPID" 2>/dev/null || die "ivtd exited on its own before kill $k"
	kill -KILL "$DPID"
	wait "$DPID" 2>/dev/null || true
	DPID=""
	[ -S "$SOCK" ] || die "kill $k: expected a stale socket to be left"
	acked=$(nacks)
	start_daemon
	NCHECK=$((NCHECK + 1))
	kill -0 "$WPID" 2>/dev/null || die "writer died (kill $k)"
	echo "kill $k: $acked writes acknowledged so far"
done
# The last daemon takes writes as well before the writer stops.
wait_acks $(($(nacks) + 3)) "after the last restart"
touch "$E2E_DIR/stop"
wait "$WPID" || die "writer failed"

total=$(nacks)
[ "$total" -ge $((3 * (KILLS + 1))) ] || die "only $total writes acknowledged"
grep -q "another ivtd is running" "$DLOG" && die "a stale lock blocked restart"
grep -q "WAL checkpoint" "$DLOG" && die "a copy of the WAL failed"
inflight=$(wc -l <"$INFLIGHT")

# --- every acknowledged write is there
ok "partner list" ctl partner list
awk 'NR > 1 { print $2 }' "$OUT" | sort >"$E2E_DIR/listed"
awk 'NR > 1 && $3 != "other" { exit 1 }' "$OUT" ||
	die "a half-written partner"
lost=$(sort "$ACKS" | comm -23 - "$E2E_DIR/listed" | wc -l)
[ "$lost" -eq 0 ] || die "$lost acknowledged writes lost"
# What is there was tried, and what is there unacknowledged was in flight
# when a kill cut its connection.  A kill may cut more than one call (the
# writer reconnects at once and can get into the backlog of the dying
# daemon's listener), but only the one call the daemon had read can land.
[ -z "$(sort "$TRIED" | comm -13 - "$E2E_DIR/listed")" ] ||
	die "a partner that was never written"
sort "$ACKS" | comm -13 - "$E2E_DIR/listed" >"$E2E_DIR/extra"
extra=$(wc -l <"$E2E_DIR/extra")
[ -z "$(sort "$INFLIGHT" | comm -13 - "$E2E_DIR/extra")" ] ||
	die "an unacknowledged write landed that was not in flight at a kill"
[ "$extra" -le "$KILLS" ] || die "$extra unacknowledged writes for $KILLS kills"
ok "audit verify" ctl audit verify; has intact
stop_daemon

# --- each change committed together with its audit entry, and vice versa
# (set differences: a correlated subquery per row grows with the square
# of the rows, 10 to 20 s for the 7 000 to 11 000 a fast machine writes)
q() { sqlite3 "$STATE/ivtd.db" "$1"; }
ADDS="SELECT object FROM audit WHERE method = 'nl.ivtd.Partner.Add'
	AND result = 'allowed'"
ROWS="SELECT 'partner:' || id FROM partners"
[ "$(q "PRAGMA integrity_check")" = ok ] || die "integrity_check"
[ "$(q "SELECT count(*) FROM ($ROWS EXCEPT $ADDS)")" = 0 ] ||
	die "a partner without its audit entry"
[ "$(q "SELECT count(*) FROM ($ADDS EXCEPT $ROWS)")" = 0 ] ||
	die "an audit entry without its partner"
[ "$(q "SELECT count(*) FROM ($ADDS)")" = \
	"$(q "SELECT count(*) FROM partners")" ] ||
	die "a partner with more than one audit entry"
NCHECK=$((NCHECK + 4))
echo "$(basename "$0"): $total acknowledged writes survived $KILLS kills" \
	"($extra more landed unacknowledged, of $inflight cut off in flight)"
done_ok
