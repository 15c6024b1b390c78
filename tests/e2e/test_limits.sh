#!/usr/bin/env bash
# End-to-end: the per-connection limits of ivtd(8), each hit with a small
# configured value: max_message, max_output (flow control and the hard
# limit), max_connections_per_uid, max_connections, idle_timeout,
# unknown_denials_burst (audited refusals of a uid that is no user) and
# unknown_denials_total_burst (the same for all such uids together).
# After each, the daemon must still serve other clients.
. "${IVT_E2E_LIB:-$(dirname "$0")/lib.sh}"

conf_add "max_message = 1024" "max_output = 65536" \
	"max_connections = 4" "max_connections_per_uid = 2" "idle_timeout = 30" \
	"unknown_denials_burst = 5" "unknown_denials_per_minute = 60"

# A small varlink client for what ivtctl does not do: hold connections,
# pipeline without reading.  Runs as root; a connection "as" another uid
# is made with that effective uid, which is what SO_PEERCRED reports.
cat >"$E2E_DIR/limits.py" <<'PY'
import os, socket, sys, threading, time

SOCK = sys.argv[1]
DESCRIBE = (b'{"method":"org.varlink.service.GetInterfaceDescription",'
            b'"parameters":{"interface":"nl.ivtd"}}\0')
WHOAMI = b'{"method":"nl.ivtd.WhoAmI"}\0'

def connect(uid=0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    if uid:
        os.setegid(uid)
        os.seteuid(uid)
    try:
        s.connect(SOCK)
    finally:
        if uid:
            os.seteuid(0)
            os.setegid(0)
    return s

def call(s, msg=WHOAMI):
    """One call; the reply, or None when the daemon closed on us."""
    buf = b""
    try:
        s.sendall(msg)
        while not buf.endswith(b"\0"):
            chunk = s.recv(65536)
            if not chunk:
                return None
            buf += chunk
    except (BrokenPipeError, ConnectionResetError):
        return None
    return buf[:-1].decode()

def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        sys.exit(1)

def conns():
    r1, r2 = connect(), connect()
    check(call(r1) is not None and call(r2) is not None, "root: 2 connections")
    r3 = connect()
    check(call(r3) is None, "root: third connection refused (per uid)")
    a1 = connect(2001)
    rep = call(a1)
    check(rep is not None and "projectleider" in rep,
          "uid 2001 gets in while root is at its limit")
    b1 = connect(2002)
    rep = call(b1)
    check(rep is not None and "PermissionDenied" in rep,
          "unknown uid 2002 connects (4 of 4)")
    c1 = connect(2003)
    check(call(c1) is None, "uid 2003 refused: max_connections reached")
    check(call(r2) is not None, "held connections still served")
    r1.close()
    time.sleep(0.5)
    c2 = connect(2003)
    check(call(c2) is not None, "uid 2003 gets in once one closed")

def pipeline(n, read):
    """Send n calls in one go; count the replies until EOF."""
    s = connect()
    s.settimeout(20)
    got = []
    def reader():
        buf = b""
        try:
            while buf.count(b"\0") < n:
                chunk = s.recv(1 << 16)
                if not chunk:
                    break
                buf += chunk
        except (ConnectionResetError, socket.timeout):
            pass
        got.append(buf.count(b"\0"))
    t = threading.Thread(target=reader)
    if read:
        t.start()
    try:
        s.sendall(DESCRIBE * n)
    except OSError:
        pass    # dropped while sending
    if not read:
        time.sleep(3)   # over idle_timeout: the replies wait unread
        t.start()
    t.join(30)
    return got[0] if got else -1

def idle():
    quiet, busy = connect(), connect()
    check(call(quiet) is not None and call(busy) is not None,
          "two connections")
    for _ in range(8):              # 2.4 s of calls 0.3 s apart
        time.sleep(0.3)
        check(call(busy) is not None, "busy connection kept")
    check(call(quiet) is None, "quiet connection closed after idle_timeout")

def many(first, n, rounds):
    """rounds times a call from each of n uids that are no user, one
    connection a call; the number of refusals."""
    refused = 0
    for _ in range(rounds):
        for uid in range(first, first + n):
            s = connect(uid)
            rep = call(s)
            s.close()
            if rep is None or "PermissionDenied" not in rep:
                check(False, "uid %d refused" % uid)
            refused += 1
    print(refused)

def slow():
    """A peer that sends three calls a byte at a time, then shuts down
    its side: three replies, in order, then the daemon closes."""
    s = connect()
    data = WHOAMI + DESCRIBE + WHOAMI
    for i in range(len(data)):
        s.send(data[i:i + 1])
        if i % 16 == 0:
            time.sleep(0.001)
    s.shutdown(socket.SHUT_WR)
    buf = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    replies = buf.split(b"\0")
    check(len(replies) == 4 and replies[3] == b"", "three replies, then EOF")
    check(b"uid" in replies[0] and b"description" in replies[1] and
          b"uid" in replies[2], "in order")
    # Enough calls that flow control holds them back, then the end, read
    # slowly so that the socket stays full: the end is seen while replies
    # wait to be written; every one still comes, and only then the close.
    s = connect()
    s.settimeout(20)
    s.sendall(DESCRIBE * 2000)
    s.shutdown(socket.SHUT_WR)
    time.sleep(0.5)
    n = 0
    while True:
        chunk = s.recv(8192)
        if not chunk:
            break
        n += chunk.count(b"\0")
        time.sleep(0.0005)
    check(n == 2000, "2000 pipelined calls and EOF: %d replies" % n)

def refused(uid, n):
    """A user pipelines n calls its role may not make: each refused, in
    order, while another connection is still answered."""
    s = connect(uid)
    s.settimeout(20)
    s.sendall(b'{"method":"nl.ivtd.User.List"}\0' * n)
    other = connect()
    check(call(other) is not None, "served while refusals wait")
    buf = b""
    while buf.count(b"\0") < n:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    replies = buf.split(b"\0")[:-1]
    check(len(replies) == n and
          all(b"nl.ivtd.PermissionDenied" in r for r in replies),
          "%d pipelined refusals: %d refused" % (n, len(replies)))

mode = sys.argv[2]
if mode == "slow":
    slow()
elif mode == "many":
    many(int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
elif mode == "conns":
    conns()
elif mode == "idle":
    idle()
elif mode == "pipeline":
    print(pipeline(int(sys.argv[3]), sys.argv[4] == "read"))
elif mode == "refused":
    refused(int(sys.argv[3]), int(sys.argv[4]))
PY
lim() { python3 "$E2E_DIR/limits.py" "$SOCK" "$@"; }

start_daemon
ok "user 2001" ctl user add alice --uid 2001 --role projectleider

# --- unknown_denials_burst: a uid that is no user is refused every time,
# but only the burst of 5 (plus what refills at 1 a second meanwhile) is
# audited one by one; the rest is counted, and the count audited before
# its next entry once the allowance is back, and at shutdown.  Every
# refusal is accounted for, one way or the other.  A user's refusals are
# all audited.
# denied UID: "audited counted": its own "denied" entries, and the sum of
# the refusals counted for it in ivtd.denials-not-audited entries.
denied() {
	ctl --json audit list --result denied --limit 1000 >"$E2E_DIR/d.json" &&
		ctl --json audit list --actor ivtd --limit 1000 >"$E2E_DIR/c.json" &&
		python3 - "$E2E_DIR/d.json" "$E2E_DIR/c.json" "$1" <<'PY'
import json, sys
uid = int(sys.argv[3])
mine = [e for e in json.load(open(sys.argv[1]))["entries"]
        if e["actor_uid"] == uid]
counts = [int(e["object"].split("refused:")[1])
          for e in json.load(open(sys.argv[2]))["entries"]
          if e["method"] == "ivtd.denials-not-audited"
          and e["object"].startswith("uid:%d " % uid)]
print(len(mine), sum(counts))
PY
}
t0=$(date +%s)
fails "unknown uid" nl.ivtd.PermissionDenied \
	as 54400 "$IVTCTL" --socket "$SOCK" project list
for _ in $(seq 1 11); do
	! as 54400 "$IVTCTL" --socket "$SOCK" project list 2>/dev/null ||
		die "uid 54400 was let in"
done
# The burst, and one more for each second (begun) the calls took.
most=$((5 + $(date +%s) - t0 + 1))
read -r n c <<<"$(denied 54400)"
[ "$n" -ge 5 ] && [ "$n" -le "$most" ] ||
	die "unknown uid: $n of 12 refusals audited ($c counted), expected 5 to $most"
grep -q "uid 54400: refused calls are no longer audited" "$DLOG" ||
	die "no log line when counting starts"
first=$n
for _ in $(seq 1 8); do
	! as 2001 "$IVTCTL" --socket "$SOCK" user list 2>/dev/null ||
		die "projectleider may list users"
done
read -r n c <<<"$(denied 2001)"
[ "$n" -eq 8 ] && [ "$c" -eq 0 ] || die "user: $n of 8 refusals audited"
# Pipelined, a user's refusals wait for group commits like writes (no
# fsync each in the event loop) and are every one audited.
ok "pipelined refusals" lim refused 2001 40
read -r n c <<<"$(denied 2001)"
[ "$n" -eq 48 ] && [ "$c" -eq 0 ] || die "user: $n of 48 refusals audited"
sleep 1.2
fails "unknown uid, allowance back" nl.ivtd.PermissionDenied \
	as 54400 "$IVTCTL" --socket "$SOCK" project list
read -r n c <<<"$(denied 54400)"
[ "$n" -eq $((first + 1)) ] && [ "$c" -eq $((12 - first)) ] ||
	die "after refill: $n audited, $c counted; expected $((first + 1)), $((12 - first))"
# Three more, some counted; the shutdown writes the count before the
# closing checkpoint (checked after the restart below): 16 in all.
for _ in 1 2 3; do
	! as 54400 "$IVTCTL" --socket "$SOCK" project list 2>/dev/null ||
		die "uid 54400 was let in"
done
ok "serving after denials" ctl whoami

# --- a peer that sends a byte at a time and then shuts down its side is
# answered every call, in order, before the daemon closes; so is one that
# pipelines 2000 calls (held back by flow control) and shuts down.
ok "byte by byte" lim slow

# --- max_message: a larger message is refused and the connection closed
pad() { head -c "$1" /dev/zero | tr '\0' x; }
printf '{"method":"nl.ivtd.WhoAmI","parameters":{"p":"%s"}}\0{"method":"nl.ivtd.WhoAmI"}\0' \
	"$(pad 1100)" | raw >"$OUT"
has "nl.ivtd.ProtocolError"; has "message too large"
[ "$(wc -l <"$OUT")" -eq 1 ] || die "oversize: expected one reply, then close"
# The same without a terminator: refused as soon as it passes the limit.
pad 3000 | raw >"$OUT"; has "message too large"
# Just under the limit the message is read (and its parameter refused).
printf '{"method":"nl.ivtd.WhoAmI","parameters":{"p":"%s"}}\0' "$(pad 900)" |
	raw >"$OUT"
has "InvalidParameter"; hasnt "ProtocolError"
grep -q "message over 1024 bytes" "$DLOG" || die "no log line for oversize"
ok "serving after oversize" ctl whoami

# --- max_output, flow control: a client that pipelines 3000 calls (4 MB
# of replies through a 64 KiB limit) and reads gets every reply.
n=$(lim pipeline 3000 read)
[ "$n" -eq 3000 ] || die "pipelining reader got $n of 3000 replies"
grep -q "over max_output" "$DLOG" && die "a reading client was dropped"

# --- max_output, hard limit: one reply larger than 64 KiB drops the
# connection at once (1000 partners make a list of about 90 KB).
python3 - "$SOCK" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
n = 1000
for i in range(n):
    s.sendall(b'{"method":"nl.ivtd.Partner.Add","parameters":'
              b'{"name":"Partner %04d","kind":"other"}}\0' % i)
    buf = b""
    while not buf.endswith(b"\0"):
        buf += s.recv(4096)
    assert b'"error"' not in buf, buf
PY
rc=0; ctl partner list >"$OUT" 2>"$ERR" || rc=$?
[ "$rc" -eq 3 ] || die "list over max_output: expected exit 3, got $rc"
grep -q "uid 0: .* bytes of replies unsent, over max_output" "$DLOG" ||
	die "no log line for max_output"
ok "serving after max_output" ctl whoami

# --- max_connections_per_uid and max_connections (see conns() above)
ok "connection limits" lim conns
grep -q "uid 0: connection limit reached" "$DLOG" || die "no log line (uid)"
grep -q "uid 2003: connection limit reached" "$DLOG" ||
	die "no log line (total)"
ok "serving after connection limits" ctl whoami

stop_daemon

# --- idle_timeout = 1: a quiet connection is closed, a busy one kept; a
# client that pipelines and does not read stalls, with its unsent replies
# below max_output, until the write timeout closes it.
conf_add "idle_timeout = 1"
mark=$(wc -l <"$DLOG")
start_daemon
read -r n c <<<"$(denied 54400)"
[ $((n + c)) -eq 16 ] ||
	die "after restart: $n audited + $c counted refusals, expected 16"
ok "idle" lim idle
grep -q "idle for 1 s; closing connection" "$DLOG" || die "no log line (idle)"
n=$(lim pipeline 2000 noread)
[ "$n" -ge 0 ] && [ "$n" -lt 2000 ] || die "non-reader got $n of 2000 replies"
grep -q "replies not read for 1 s; closing connection" "$DLOG" ||
	die "no log line (non-reader)"
tail -n +"$((mark + 1))" "$DLOG" | inq "over max_output" &&
	die "flow control let output pass max_output"
ok "serving after timeouts" ctl whoami
ok "audit intact" ctl audit verify
stop_daemon

# --- unknown_denials_total_burst: 100 uids that are no user, more than
# the table's 64, take turns, 2 refusals each: within every uid's own
# burst of 5, so without the shared allowance all 200 would be audited.
# With a total burst of 6 refilled at 1 a minute, at most 6 (and one more
# for each minute begun) are audited; the rest is counted, per uid or, for
# uids forgotten meanwhile, as uid:other (no other part of this test has
# more uids than the table, so every uid:other count is from here).  The
# counts are written at shutdown; after the restart, audited and counted
# must add up to exactly 200.
conf_add "unknown_denials_total_burst = 6" \
	"unknown_denials_total_per_minute = 1" "max_connections = 256"
mark=$(wc -l <"$DLOG")
start_daemon
t0=$(date +%s)
n=$(lim many 56000 100 2) || die "refusals of 100 uids: $n"
[ "$n" -eq 200 ] || die "100 uids: $n of 200 calls refused"
most=$((6 + ($(date +%s) - t0) / 60 + 1))
stop_daemon
start_daemon
ctl --json audit list --result denied --limit 1000 >"$E2E_DIR/d.json" ||
	die "audit list (denied)"
ctl --json audit list --actor ivtd --limit 1000 >"$E2E_DIR/c.json" ||
	die "audit list (ivtd)"
res=$(python3 - "$E2E_DIR/d.json" "$E2E_DIR/c.json" <<'PY'
import json, sys
d, c = (json.load(open(f)) for f in sys.argv[1:3])
assert d.get("next") is None and c.get("next") is None, "more than a page"
mine = lambda uid: 56000 <= uid < 56100
audited = [e for e in d["entries"] if mine(e["actor_uid"])]
counts = {}
for e in c["entries"]:
    if e["method"] != "ivtd.denials-not-audited":
        continue
    who, n = e["object"].split(" refused:")
    who = who[len("uid:"):]
    if who == "other" or mine(int(who)):
        counts[who] = counts.get(who, 0) + int(n)
print(len(audited), sum(counts.values()), counts.get("other", 0))
PY
) || die "100 uids: cannot read the audit log"
read -r n c o <<<"$res"
[ "$n" -ge 6 ] && [ "$n" -le "$most" ] ||
	die "100 uids: $n of 200 refusals audited ($c counted), expected 6 to $most"
[ $((n + c)) -eq 200 ] ||
	die "100 uids: $n audited + $c counted refusals, expected 200"
[ "$o" -gt 0 ] || die "100 uids: no count for uids forgotten (uid:other)"
tail -n +"$((mark + 1))" "$DLOG" |
	inq "refused calls of unknown uids are no longer audited" ||
	die "no log line when counting for all uids starts"
ok "audit intact" ctl audit verify
stop_daemon
done_ok
