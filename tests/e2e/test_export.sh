#!/usr/bin/env bash
# End-to-end: the self-verifying audit export.  A privacy officer exports
# the log; with the daemon stopped, ivtctl checks the file offline against
# the daemon's signing key; every kind of tampering is caught with a
# message that says what happened.
. "${IVT_E2E_LIB:-$(dirname "$0")/lib.sh}"
pii 111222333 "Jan Jansen" Dorpsstraat
. "$(dirname "${IVT_E2E_LIB:-$0}")/fixture.sh"

adm() { as 2004 "$IVTCTL" --socket "$SOCK" "$@"; }
# The officer writes the export as their own uid.
XDIR="$E2E_DIR/exports"
mkdir "$XDIR"
chmod 1777 "$XDIR"
EXP="$XDIR/audit.jsonl"
BAD="$XDIR/bad.jsonl"

# broken DESC PATTERN FILE: verifying FILE offline exits 1 and says PATTERN.
broken() {
	local desc=$1 want=$2 rc=0
	NCHECK=$((NCHECK + 1))
	ctl audit verify --file "$3" --key "$KEY" >"$OUT" 2>"$ERR" || rc=$?
	[ "$rc" -eq 1 ] || die "$desc: expected exit 1, got $rc"
	grep -q "^export BROKEN at line [0-9]*: .*$want" "$OUT" ||
		die "$desc: output lacks '$want'"
}

start_daemon
fixture_project
ok "second admin" ctl user add dave --uid 2004 --role admin
# More than one export checkpoint's worth of entries, quickly: 1100
# pipelined calls on one connection.
for i in $(seq 1 1100); do
	printf '{"method":"nl.ivtd.Partner.Add","parameters":{"name":"Partner %d","kind":"other"}}\0' "$i"
done | raw >/dev/null
ok "subject" pl protocol grant 1 UWV --rights inlezen
ok "subject" pl subject add 1 --street Dorpsstraat --nr 12 \
	--postcode 3511AB --city Utrecht --persons "111222333:Jan Jansen"
ok "a partner reads it" uwv subject show 1

ok "the daemon's key" priv audit verify
has "audit log intact"
KEY=$(sed -n 's/^signing key: //p' "$OUT")
[[ "$KEY" =~ ^[0-9a-f]{64}$ ]] || die "no signing key printed"
ok "verify --json" priv --json audit verify
has "\"public_key\": \"$KEY\""; has '"ok": true'
n=$(grep -Eo '"entries": [0-9]+' "$OUT" | grep -Eo '[0-9]+')
[ "$n" -gt 1100 ] || die "expected over 1100 entries, got $n"

# --- who may export
fails "partner may not export" nl.ivtd.PermissionDenied \
	uwv audit export "$XDIR/uwv.jsonl"
[ ! -e "$XDIR/uwv.jsonl" ] || die "a refused export left a file"
fails "projectleider may not export" nl.ivtd.PermissionDenied \
	pl audit export "$XDIR/pl.jsonl"
[ ! -e "$XDIR/pl.jsonl" ] || die "a refused export left a file"
fails "only with more" org.varlink.service.ExpectedMore \
	ctl call nl.ivtd.Audit.Export

ok "export" priv audit export "$EXP"
# Every entry up to the export's start (the denials above included).
n=$(head -n 1 "$EXP" | grep -Eo '"entries":[0-9]+' | cut -d: -f2)
[ "$n" -gt 1103 ] || die "the export misses entries ($n)"
has "exported $n entries to $EXP"
[ "$(stat -c %a "$EXP")" = 600 ] || die "export is not mode 0600"
fails "no overwrite" "cannot create" priv audit export "$EXP"
ok "admin may export" adm audit export "$XDIR/admin.jsonl"
ok "the export is logged" priv --json audit list --activity ivt-09 \
	--actor carol
has '"method": "nl.ivtd.Audit.Export"'; has '"object": "audit export:'
# The export is what `audit list` shows, line for line.
head -n 1 "$EXP" | inq '^{"type":"header","format":"ivtd-audit-export/1",' ||
	die "no header line"
[ "$(grep -c '^{"type":"entry",' "$EXP")" -eq "$n" ] || die "entry count"
[ "$(grep -c '^{"type":"checkpoint",' "$EXP")" -eq 1 ] || die "checkpoints"
tail -n 1 "$EXP" | inq "^{\"type\":\"trailer\",\"count\":$n," ||
	die "no trailer"
grep -q '"method":"nl.ivtd.Subject.Show"' "$EXP" || die "the read is missing"
! grep -q 111222333 "$EXP" || die "a BSN in the export"
stop_daemon

# --- offline: the daemon is gone
[ ! -e "$SOCK" ] || die "daemon still there"
ok "offline verify" ctl audit verify --file "$EXP" --key "$KEY"
has "export intact: $n entries, 1 checkpoints and the signed trailer"
has "(the key given)"
ok "without --key" ctl audit verify --file "$EXP"
has "export intact"; has "compare the signing key"
ok "json" ctl --json audit verify --file "$EXP" --key "$KEY"
has '"ok": true'; has '"key_checked": true'
ok "the admin's export too" ctl audit verify --file "$XDIR/admin.jsonl" \
	--key "$KEY"
rc=0; ctl audit verify --file "$EXP" --key abc >"$OUT" 2>"$ERR" || rc=$?
[ "$rc" -eq 2 ] || die "a malformed --key is a usage error"

# Another key: the file is consistent, but not this daemon's.
other=$(printf '%064d' 7)
NCHECK=$((NCHECK + 1))
rc=0; ctl audit verify --file "$EXP" --key "$other" >"$OUT" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && has "another key" || die "another key accepted"

# One line edited (after the checkpoint, so only the trailer sees it).
line=$(grep -n -m 1 '"method":"nl.ivtd.Subject.Show"' "$EXP" | cut -d: -f1)
sed "${line}s/\"org\":\"UWV\"/\"org\":\"SVB\"/" "$EXP" >"$BAD"
! cmp -s "$EXP" "$BAD" || die "the edit did not change the file"
broken "edited line" "were changed, inserted, deleted or reordered" "$BAD"
grep -q "^export BROKEN at line $(wc -l <"$EXP")" "$OUT" ||
	die "the edit is not pinned on the trailer"
# An edit before the checkpoint is caught by the checkpoint.
sed '10s/"actor":"root"/"actor":"eve"/' "$EXP" >"$BAD"
! cmp -s "$EXP" "$BAD" || die "the edit did not change the file"
cp=$(grep -n '^{"type":"checkpoint"' "$EXP" | cut -d: -f1)
broken "edited early line" "signed checkpoint" "$BAD"
grep -q "^export BROKEN at line $cp:" "$OUT" || die "not the checkpoint"

# One line deleted.
sed '500d' "$EXP" >"$BAD"
broken "deleted line" "entry 500 where entry 499 was due" "$BAD"
# The last entry before the trailer deleted: only the count shows it.
sed "$(( $(wc -l <"$EXP") - 1 ))d" "$EXP" >"$BAD"
broken "deleted last entry" "entry lines were deleted or inserted" "$BAD"
# Two lines swapped.
awk 'NR == 20 { hold = $0; next } NR == 21 { print; print hold; next } 1' \
	"$EXP" >"$BAD"
broken "swapped lines" "a line was deleted, inserted or moved" "$BAD"
# A line inserted (a copy of another).
awk 'NR == 30 { print } 1' "$EXP" >"$BAD"
broken "inserted line" "a line was deleted, inserted or moved" "$BAD"

# The tail truncated right after the checkpoint: the trailer is missing.
head -n "$cp" "$EXP" >"$BAD"
broken "truncated after a checkpoint" \
	"truncated: no signed trailer; the last signed checkpoint (line $cp) covers 1000 of the $n entries" "$BAD"
# ... and a trailer forged from the checkpoint's signature.
sed -n "${cp}p" "$EXP" | sed 's/"type":"checkpoint"/"type":"trailer"/' >>"$BAD"
broken "checkpoint passed off as trailer" "signature is invalid" "$BAD"
# Cut in the middle of a line.
head -c "$(( $(stat -c %s "$EXP") - 10 ))" "$EXP" >"$BAD"
broken "cut mid-line" "the last line is cut off" "$BAD"
# Everything but the header gone.
head -n 1 "$EXP" >"$BAD"
broken "only the header" "truncated: no signed trailer" "$BAD"
# Something after the trailer.
{ cat "$EXP"; sed -n 2p "$EXP"; } >"$BAD"
broken "line after the trailer" "data after the signed trailer" "$BAD"
: >"$BAD"
broken "empty file" "empty file" "$BAD"
NCHECK=$((NCHECK + 1))
rc=0; ctl --json audit verify --file "$BAD" >"$OUT" 2>"$ERR" || rc=$?
[ "$rc" -eq 1 ] || die "a broken export with --json exits $rc, not 1"
has '"ok": false'; has '"reason": "empty file'
fails "missing file" "cannot open" ctl audit verify --file "$XDIR/none"

# --- a log cut at its end below a signed checkpoint (the closing one of
# the stop above) is not exported as intact: the export refuses it, as
# verify does
sqlite3 "$STATE/ivtd.db" \
	"DELETE FROM audit WHERE seq > (SELECT max(seq) FROM audit) - 20" ||
	die "cannot cut the log"
start_daemon
rc=0; priv audit verify >"$OUT" 2>"$ERR" || rc=$?
[ "$rc" -eq 1 ] || die "verify of a cut log exits $rc, not 1"
has "truncated below checkpoint"
fails "export refuses the cut" "truncated below checkpoint" \
	priv audit export "$XDIR/cut.jsonl"
[ ! -s "$XDIR/cut.jsonl" ] || die "a cut log was exported"
done_ok
