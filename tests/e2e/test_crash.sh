#!/usr/bin/env bash
# End-to-end: crash safety.  A writer adds partners as fast as it can and
# records every acknowledged write; the daemon is killed with SIGKILL at
# random moments and restarted over its stale socket and lock.  At the end
# every acknowledged write is there, each change has its audit entry and
# no entry lacks its change, the database is intact and the audit chain
# verifies.
. "${IVT_E2E_LIB:-$(dirname "$0")/lib.sh}"

KILLS=6
ACKS="$E2E_DIR/acks"
TRIED="$E2E_DIR/tried"

# The writer: one call at a time; a name is written to ACKS only after its
# reply said yes.  On a lost connection it reconnects and goes on with the
# next name, so the fate of the call in flight is unknown (either way is
# fine: only acknowledged writes are promised).
cat >"$E2E_DIR/writer.py" <<'PY'
import json, os, socket, sys, time
sock, acks, tried, stop = sys.argv[1:5]
i = 0
with open(acks, "w") as a, open(tried, "w") as t:
    while not os.path.exists(stop):
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(10)
            s.connect(sock)
        except OSError:
            time.sleep(0.02)
            continue
        try:
            while not os.path.exists(stop):
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
                    sys.exit("unexpected error for %s: %s" % (name, r["error"]))
                a.write(name + "\n")
                a.flush()
        except (OSError, ValueError):
            pass
        finally:
            s.close()
PY

start_daemon
python3 "$E2E_DIR/writer.py" "$SOCK" "$ACKS" "$TRIED" "$E2E_DIR/stop" &
WPID=$!

for k in $(seq 1 "$KILLS"); do
	# 0.3 to 1.5 s of writing, then SIGKILL: no shutdown code runs.
	sleep "0.$((3 + RANDOM % 7))"
	[ $((RANDOM % 3)) -eq 0 ] && sleep 0.5
	kill -KILL "$DPID"
	wait "$DPID" 2>/dev/null || true
	DPID=""
	[ -S "$SOCK" ] || die "kill $k: expected a stale socket to be left"
	acked=$(wc -l <"$ACKS")
	start_daemon
	NCHECK=$((NCHECK + 1))
	kill -0 "$WPID" 2>/dev/null || die "writer died (kill $k)"
	echo "kill $k: $acked writes acknowledged so far"
done
sleep 0.5
touch "$E2E_DIR/stop"
wait "$WPID" || die "writer failed"

total=$(wc -l <"$ACKS")
[ "$total" -ge 20 ] || die "only $total writes acknowledged"
grep -q "another ivtd is running" "$DLOG" && die "a stale lock blocked restart"

# --- every acknowledged write is there
ok "partner list" ctl partner list
awk 'NR > 1 { print $2 }' "$OUT" | sort >"$E2E_DIR/listed"
awk 'NR > 1 && $3 != "other" { exit 1 }' "$OUT" ||
	die "a half-written partner"
lost=$(sort "$ACKS" | comm -23 - "$E2E_DIR/listed" | wc -l)
[ "$lost" -eq 0 ] || die "$lost acknowledged writes lost"
# What is there was tried, and only the calls in flight at a kill may
# have landed without an acknowledgement.
[ -z "$(sort "$TRIED" | comm -13 - "$E2E_DIR/listed")" ] ||
	die "a partner that was never written"
extra=$(sort "$ACKS" | comm -13 - "$E2E_DIR/listed" | wc -l)
[ "$extra" -le "$KILLS" ] || die "$extra unacknowledged writes for $KILLS kills"
ok "audit verify" ctl audit verify; has intact
stop_daemon

# --- each change committed together with its audit entry, and vice versa
q() { sqlite3 "$STATE/ivtd.db" "$1"; }
[ "$(q "PRAGMA integrity_check")" = ok ] || die "integrity_check"
[ "$(q "SELECT count(*) FROM partners p WHERE NOT EXISTS (SELECT 1
	FROM audit a WHERE a.method = 'nl.ivtd.Partner.Add' AND
	a.result = 'allowed' AND a.object = 'partner:' || p.id)")" = 0 ] ||
	die "a partner without its audit entry"
[ "$(q "SELECT count(*) FROM audit a WHERE a.method =
	'nl.ivtd.Partner.Add' AND a.result = 'allowed' AND NOT EXISTS
	(SELECT 1 FROM partners p WHERE a.object = 'partner:' || p.id)")" = 0 ] ||
	die "an audit entry without its partner"
NCHECK=$((NCHECK + 3))
echo "$(basename "$0"): $total acknowledged writes survived $KILLS kills ($extra more landed unacknowledged)"
done_ok
