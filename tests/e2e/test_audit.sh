#!/usr/bin/env bash
# End-to-end: the privacy officer's tools — the register of processing
# activities, reviewing the audit log with filters, searching it by BSN
# through the blind index (never in clear), trace context, and who may
# read the log at all.
. "${IVT_E2E_LIB:-$(dirname "$0")/lib.sh}"
. "$(dirname "${IVT_E2E_LIB:-$0}")/fixture.sh"

# Test BSNs: the first passes the elfproef, the second does not.
BSN=111222333
BAD_BSN=123456789
pii "$BSN" "$BAD_BSN" 123456782 "Jan Jansen" Dorpsstraat
adm() { as 2004 "$IVTCTL" --socket "$SOCK" "$@"; }
TODAY=$(date -u +%F)
TOMORROW=$(date -u -d tomorrow +%F)
YESTERDAY=$(date -u -d yesterday +%F)

# Every "actor" of the last --json output is $1 (and there is one).
only_actor() {
	local all mine
	all=$(grep -c '"actor":' "$OUT" || true)
	mine=$(grep -c "\"actor\": \"$1\"" "$OUT" || true)
	[ "$all" -gt 0 ] && [ "$all" -eq "$mine" ] ||
		die "expected only entries of $1 ($mine of $all)"
}
# Number of entries in the last --json output.
nentries() { grep -c '"seq":' "$OUT" || true; }

# wait_for PATTERN FILE: PATTERN shows up in FILE within 10 s.
wait_for() {
	for _ in $(seq 1 200); do
		grep -q -- "$1" "$2" && return 0
		sleep 0.05
	done
	cp "$2" "$OUT"
	die "'$1' did not appear in $(basename "$2")"
}

# A short idle timeout: a stream must outlive it (it waits for entries,
# it is not idle).
conf_add "idle_timeout = 2"
start_daemon
fixture_project
ok "second admin" ctl user add dave --uid 2004 --role admin

# --- the register: public to every known role, ivt-01 .. ivt-10
ok "register" priv privacy register
for i in 01 02 03 04 05 06 07 08 09 10; do has "^ivt-$i "; done
has "legal basis"; has "Participatiewet"; has "retention"
ok "register brief" pl privacy register --brief; has "ivt-10  actief"
ok "register as partner" uwv --json privacy register
has '"id": "ivt-04"'; has '"legal_basis": '; has '"recipients": \['
has '"categories": \['; has '"retired": false'
[ "$(grep -c '"id": "ivt-' "$OUT")" -eq 10 ] || die "expected 10 activities"
fails "register needs a known user" nl.ivtd.PermissionDenied \
	as 54321 "$IVTCTL" --socket "$SOCK" privacy register

# --- a denied call is listed with its actor
fails "pl may not add users" nl.ivtd.PermissionDenied \
	pl user add mallory --uid 3000 --role admin
fails "partner may not list users" nl.ivtd.PermissionDenied uwv user list
ok "denied" priv audit list --result denied
has alice; has "User.Add"; has PermissionDenied; has "ivt-01"
ok "denied json" priv --json audit list --result denied
has '"actor": "alice"'; has '"error": "nl.ivtd.PermissionDenied"'
hasnt '"result": "allowed"'; hasnt '"result": "error"'

# --- filters
ok "by actor" priv --json audit list --actor alice; only_actor alice
has "Project.Create"; hasnt '"actor": "root"'
ok "by org" priv --json audit list --org UWV; only_actor bob
has '"org": "UWV"'
ok "by activity" priv --json audit list --activity ivt-01
has "User.Add"; hasnt "Partner.Add"; hasnt "Project.Create"
[ "$(grep -c '"activity": "ivt-01"' "$OUT")" -eq "$(nentries)" ] ||
	die "activity filter let other activities through"
ok "by project" priv --json audit list --project 1 --actor alice
has "Project.Advance"; has '"project": 1'; hasnt '"project": 2'
ok "project without entries" priv --json audit list --project 99
has '"entries": \[\]'
ok "today" priv --json audit list --from "$TODAY" --to "$TODAY"
[ "$(nentries)" -gt 5 ] || die "today's entries missing"
ok "from tomorrow" priv --json audit list --from "$TOMORROW"
has '"entries": \[\]'
ok "until yesterday" priv --json audit list --to "$YESTERDAY"
has '"entries": \[\]'
ok "date-time" priv --json audit list --from "${YESTERDAY}T23:59:59Z" \
	--to "${TOMORROW}T00:00:00.5Z" --limit 3
[ "$(nentries)" -eq 3 ] || die "date-time range"
ok "combined" priv --json audit list --actor alice --activity ivt-02 \
	--result allowed --from "$TODAY"
only_actor alice; has "Project.Decide"; hasnt "PermissionDenied"

# --- paging
ok "page 1" priv --json audit list --limit 2
[ "$(nentries)" -eq 2 ] || die "limit 2"
has '"seq": 1,'; has '"seq": 2,'; has '"next": 2'
ok "page 2" priv --json audit list --limit 2 --after 2
has '"seq": 3,'; hasnt '"seq": 2,'; has '"next": 4'
ok "table says there is more" priv audit list --limit 1
grep -q "add --after 1" "$ERR" || die "no hint for the next page"

# --- bad input: typed errors
fails "limit too big" nl.ivtd.InvalidValue priv audit list --limit 1001
fails "limit zero" nl.ivtd.InvalidValue priv audit list --limit 0
fails "bad result" org.varlink.service.InvalidParameter \
	priv audit list --result maybe
fails "unknown activity" nl.ivtd.InvalidValue \
	priv audit list --activity ivt-99
fails "bad from" nl.ivtd.InvalidValue priv audit list --from yesterday
fails "bad to" nl.ivtd.InvalidValue priv audit list --to 2026-02-30
fails "offset time" nl.ivtd.InvalidValue \
	priv audit list --from 2026-01-01T10:00:00+01:00
fails "to before from" nl.ivtd.InvalidValue \
	priv audit list --from "$TODAY" --to "$YESTERDAY"
fails "bad actor" nl.ivtd.InvalidValue priv audit list --actor "a b"
fails "too long" org.varlink.service.InvalidParameter \
	priv audit list --actor "$(printf 'a%.0s' $(seq 1 65))"
fails "project 0" nl.ivtd.InvalidValue \
	ctl call nl.ivtd.Audit.List '{"project":0}'

# --- only privacy and admin read the log; a refusal is itself logged
ok "admin may read" adm --json audit list --limit 1
fails "pl may not read" nl.ivtd.PermissionDenied pl audit list
fails "partner may not read" nl.ivtd.PermissionDenied \
	uwv audit list --bsn "$BSN"
fails "unknown uid" nl.ivtd.PermissionDenied \
	as 54321 "$IVTCTL" --socket "$SOCK" audit list
fails "partner may not verify" nl.ivtd.PermissionDenied uwv audit verify
ok "refusals listed" priv --json audit list --result denied \
	--activity ivt-09
has '"actor": "alice"'; has '"actor": "bob"'; has '"actor_uid": 54321'
has "nl.ivtd.Audit.List"; has "nl.ivtd.Audit.Verify"
# Nobody changes the log: the interface has no such method.
ok "audit interface" ctl service describe nl.ivtd.Audit
[ "$(sed -n 's/^method \([A-Za-z]*\).*/\1/p' "$OUT" | sort | tr '\n' ' ')" = \
	"Export List Tail Verify " ] || die "Audit has a method that is not read-only"
fails "no delete" org.varlink.service.MethodNotFound \
	ctl call nl.ivtd.Audit.Delete '{}'
# Reading the log is itself logged (activity ivt-09).
ok "reads logged" priv --json audit list --actor carol --activity ivt-09
has '"method": "nl.ivtd.Audit.List"'

# --- search by BSN: the daemon turns it into the pseudonym
fails "invalid bsn" nl.ivtd.InvalidValue priv audit list --bsn "$BAD_BSN"
fails "bsn letters" nl.ivtd.InvalidValue priv audit list --bsn 11122233x
ok "no subjects yet" priv --json audit list --bsn "$BSN"
has '"entries": \[\]'
# The search is in the log: a pseudonym, never the BSN.
ok "search logged" priv --json audit list --actor carol \
	--activity ivt-09 --after 0
has '"subject_type": "bsn"'; has '"object": "audit search:bsn"'
grep -Eq '"subject": "[0-9a-f]{64}"' "$OUT" || die "no pseudonym"
pseudonym=$(grep -Eo '"subject": "[0-9a-f]{64}"' "$OUT" | tail -n 1 |
	grep -Eo '[0-9a-f]{64}')
# The same person written differently: the same pseudonym, which now
# finds the earlier search.
ok "search again" priv --json audit list --bsn "1112.22.333"
has "\"subject\": \"$pseudonym\""; [ "$(nentries)" -eq 1 ] ||
	die "expected exactly the first search"
ok "other person" priv --json audit list --bsn 123456782
has '"entries": \[\]'

# A subject with that person: its registration is found by BSN, with
# the address it lives at.
ok "subject" pl subject add 1 --street Dorpsstraat --nr 12 \
	--postcode 3511AB --city Utrecht --persons "$BSN:Jan Jansen:1970-05-01"
ok "subject shown" pl subject show 1
ok "inzage" priv --json audit list --bsn "$BSN"
has '"method": "nl.ivtd.Subject.Create"'; has '"method": "nl.ivtd.Subject.Show"'
has '"subject_type": "address"'; has '"fields": "bsn,naam,geboortedatum"'
hasnt '"actor": "root"'
ok "inzage table" priv audit list --bsn "$BSN"
has "Subject.Create"; has "bsn:${pseudonym:0:12}"
# A search by person is the privacy officer's: the admin, which handles
# no personal data, may not use the log to look a person up.
fails "admin may not search by person" nl.ivtd.PermissionDenied \
	ctl audit list --bsn - <<<"$BSN"
ok "that refusal audited" priv --json audit list --result denied \
	--actor root --activity ivt-09
has '"method": "nl.ivtd.Audit.List"'

# The BSN appears nowhere: not in any reply, not in the database file.
ok "all entries" priv --json audit list --limit 1000
! grep -q "$BSN" "$OUT" || die "BSN in audit list output"
n=$(cat "$STATE"/ivtd.db* | grep -c -a "$BSN" || true)
[ "$n" -eq 0 ] || die "BSN in the database file ($n)"
! grep -q "$BSN" "$DLOG" || die "BSN in the daemon log"

# --- trace context: ivtctl sends one per run; the reply names the span
ok "traced write" ctl --trace partner add Belastingdienst \
	--kind landelijke_dienst
grep -Eq '^traceparent: 00-[0-9a-f]{32}-[0-9a-f]{16}-01$' "$ERR" ||
	die "no traceparent on stderr"
tp=$(sed -n 's/^traceparent: //p' "$ERR")
trace=$(echo "$tp" | cut -d- -f2)
span=$(echo "$tp" | cut -d- -f3)
ok "trace in log" priv --json audit list --actor root
has "\"trace_id\": \"$trace\""; has "\"span_id\": \"$span\""
grep -A12 "\"trace_id\": \"$trace\"" "$OUT" | inq "Partner.Add" ||
	die "the traced entry is not the Partner.Add"
ok "trace after the verb" ctl partner list --trace
grep -q '^traceparent: 00-' "$ERR" || die "--trace after the verb"
ok "no trace unasked" ctl partner list
! grep -q traceparent "$ERR" || die "traceparent printed unasked"
# Each run is its own trace.
ok "traced again" ctl --trace whoami
[ "$(sed -n 's/^traceparent: //p' "$ERR" | cut -d- -f2)" != "$trace" ] ||
	die "two runs share a trace id"
# Any varlink client may pass its own; a malformed one is replaced.
printf '%s\0' '{"method":"nl.ivtd.Partner.Add","parameters":{"name":"SVB2","kind":"other"},"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}' |
	raw >"$OUT"
has '"traceparent":"00-0af7651916cd43dd8448eb211c80319c-'
ok "caller's trace" priv --json audit list --actor root
has '"trace_id": "0af7651916cd43dd8448eb211c80319c"'
printf '%s\0' '{"method":"nl.ivtd.WhoAmI","traceparent":"00-00000000000000000000000000000000-b7ad6b7169203331-01"}' |
	raw >"$OUT"
grep -Eq '"traceparent":"00-[0-9a-f]{32}-' "$OUT" &&
	hasnt '"traceparent":"00-00000000000000000000000000000000' ||
	die "all-zero trace id accepted"

# --- tail: the last entries, and --follow streams new ones (varlink more)
ok "tail" priv audit tail --last 3
[ "$(wc -l <"$OUT")" -eq 3 ] || die "tail --last 3"
ok "tail json" priv --json audit tail --last 2
[ "$(grep -c '^{"seq":' "$OUT")" -eq 2 ] || die "tail --json lines"
fails "partner may not tail" nl.ivtd.PermissionDenied uwv audit tail
fails "partner may not follow" nl.ivtd.PermissionDenied \
	uwv audit tail --follow
fails "pl may not follow" nl.ivtd.PermissionDenied pl audit tail --follow
rc=0; priv audit tail --last 1001 >"$OUT" 2>"$ERR" || rc=$?
[ "$rc" -eq 2 ] || die "tail --last 1001: exit $rc, not a usage error"

TAIL="$E2E_DIR/tail.out"
priv audit tail --follow --last 0 >"$TAIL" 2>"$E2E_DIR/tail.err" &
TPID=$!
# The stream's first news is its own start.
wait_for "Audit.Tail" "$TAIL"
ok "a write by root" ctl partner add Inspectie --kind landelijke_dienst
fails "a denial of bob" nl.ivtd.PermissionDenied uwv user list
ok "a subject read" pl subject show 1
wait_for "Partner.Add" "$TAIL"
wait_for "bob .*User.List .*PermissionDenied" "$TAIL"
wait_for "alice .*Subject.Show .*address:" "$TAIL"
# Longer than idle_timeout without news: the stream stays open.
sleep 3
kill -0 "$TPID" || die "tail --follow ended while idle"
ok "news after a quiet spell" ctl partner add Belastingdienst2 \
	--kind landelijke_dienst
wait_for "root .*Partner.Add" "$TAIL"
kill "$TPID"; wait "$TPID" 2>/dev/null || true
# The daemon noticed the reader went away and goes on as before.
ok "after the reader left" priv audit tail --last 1

# A stream's reader that sends something (here half a next call) is
# still not idle: the stream outlives idle_timeout and brings news.
cat >"$E2E_DIR/stream.py" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.settimeout(10)
def read_until(mark, why):
    buf = b""
    while mark not in buf:
        chunk = s.recv(65536)
        if not chunk:
            sys.exit(why)
        buf += chunk
s.sendall(b'{"method":"nl.ivtd.Audit.Tail","parameters":{"last":0},'
          b'"more":true}\0')
read_until(b"\0", "closed before the first reply")
s.sendall(b'{"method"')
time.sleep(3)                       # past idle_timeout = 2
open(sys.argv[2], "w").close()      # the shell now writes an entry
read_until(b"Partner.Add", "stream closed after its reader sent a byte")
PY
python3 "$E2E_DIR/stream.py" "$SOCK" "$E2E_DIR/stream.go" &
SPID=$!
wait_for_file() { local i; for i in $(seq 100); do [ -e "$1" ] && return 0; sleep 0.1; done; return 1; }
wait_for_file "$E2E_DIR/stream.go" || die "stream client stuck"
ok "news for a reader that sent a byte" ctl partner add Douane \
	--kind landelijke_dienst
wait "$SPID" || die "a stream whose reader sent a byte was closed as idle"

# A stream's reader that sent more than a chunk ahead (so the daemon holds
# its reading back) and then went away: the daemon notices and lets the
# connection go, though it reads nothing more and the stream has no idle
# timeout.
nfd() { ls "/proc/$DPID/fd" | wc -l; }
before=$(nfd)
python3 - "$SOCK" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.settimeout(10)
s.sendall(b'{"method":"nl.ivtd.Audit.Tail","parameters":{"last":0},'
          b'"more":true}\0')
buf = b""
while b"\0" not in buf:
    buf += s.recv(65536)
s.sendall(b'{"method":"' + b"x" * 200000)
s.close()
PY
for i in $(seq 50); do [ "$(nfd)" -le "$before" ] && break; sleep 0.1; done
[ "$(nfd)" -le "$before" ] || die "a gone stream reader's connection stayed"

# JSON Lines with --follow, as an admin who is then disabled: the stream
# ends with PermissionDenied, and the refusal is in the log.
adm --json audit tail --follow --last 0 >"$TAIL" 2>"$E2E_DIR/tail.err" &
TPID=$!
wait_for '"method":"nl.ivtd.Audit.Tail"' "$TAIL"
ok "disable dave" ctl user disable dave
rc=0; wait "$TPID" || rc=$?
[ "$rc" -eq 1 ] || die "disabled admin's tail exited $rc, not 1"
grep -q PermissionDenied "$E2E_DIR/tail.err" ||
	{ cp "$E2E_DIR/tail.err" "$ERR"; die "no PermissionDenied on stderr"; }
# Nothing after the disabling reached the disabled user.
! grep -q '"method":"nl.ivtd.User.Disable"' "$TAIL" ||
	die "a disabled user's stream showed a later entry"
ok "stream end logged" priv --json audit list --result denied \
	--activity ivt-09
grep -B3 -A14 '"actor_uid": 2004' "$OUT" | inq "nl.ivtd.Audit.Tail" ||
	die "the ended stream's denial is not in the log"
ok "enable dave" ctl user enable dave

ok "verify" priv audit verify; has intact
stop_daemon
done_ok
