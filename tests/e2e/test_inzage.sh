#!/usr/bin/env bash
# End-to-end: an inzageverzoek (AVG art. 15).  A partner reads a subject;
# the privacy officer finds that read in the inzage report and through
# `audit list --bsn`; another person's data, staff names and the BSN do
# not appear; a denied read shows with --result denied; the retention end
# follows the project's closure.
. "${IVT_E2E_LIB:-$(dirname "$0")/lib.sh}"
. "$(dirname "${IVT_E2E_LIB:-$0}")/fixture.sh"

JAN=111222333    # the citizen who asks
PIET=123456782   # lives at the same address
KEES=100000009   # lives elsewhere, read by SVB only
WIM=300000005    # the flat next door: same number, toevoeging A
pii "$JAN" "$PIET" "$KEES" "$WIM" "Jan Jansen" "Piet Pietersen" \
	"Kees de Vries" "Wim Willems" Dorpsstraat Kerkstraat
adm() { as 0 "$IVTCTL" --socket "$SOCK" "$@"; }

start_daemon
fixture_project
ok "UWV may read" pl protocol grant 1 UWV --rights inlezen
ok "SVB may read" pl protocol grant 1 SVB --rights inlezen
ok "Jan and Piet" pl subject add 1 --street Dorpsstraat --nr 12 \
	--postcode 3511AB --city Utrecht \
	--persons "$JAN:Jan Jansen:1970-05-01,$PIET:Piet Pietersen"
ok "Kees" pl subject add 1 --street Kerkstraat --nr 3 \
	--postcode 3511AC --city Utrecht --persons "$KEES:Kees de Vries"
ok "Wim, next door" pl subject add 1 --street Dorpsstraat --nr 12 \
	--toev A --postcode 3511AB --city Utrecht --persons "$WIM:Wim Willems"
ok "UWV reads Jan's address" uwv subject show 1
ok "SVB reads Kees's address" svb subject show 2
ok "SVB reads Wim's flat" svb subject show 3
fails "Politie is not admitted" nl.ivtd.PermissionDenied pol subject show 1

# --- who may ask
fails "projectleider" nl.ivtd.PermissionDenied pl privacy inzage --bsn "$JAN"
fails "partner" nl.ivtd.PermissionDenied uwv privacy inzage --bsn "$JAN"
fails "admin" nl.ivtd.PermissionDenied adm privacy inzage --bsn "$JAN"
fails "invalid BSN" nl.ivtd.InvalidValue priv privacy inzage --bsn 123456789
rc=0; priv privacy inzage >"$OUT" 2>"$ERR" || rc=$?
[ "$rc" -eq 2 ] || die "inzage without --bsn: exit $rc, not a usage error"

# --- the report
ok "inzage json" priv --json privacy inzage --bsn "$JAN"
has '"destroyed": \[\]'
has '"id": 1,'; has '"name": "Wijkaanpak Noord"'
has '"legal_basis": "LSI-convenant"'; has '"purpose": "Handhaving"'
has '"fields_person": "bsn,naam,geboortedatum"'
has '"fields_address": "straat,huisnummer,postcode,woonplaats"'
has '"status": "geselecteerd"'
# UWV's read of Jan is there, with organisation, time and fields.
has '"organisation": "UWV"'
grep -A12 '"organisation": "UWV"' "$OUT" | inq '"method": "nl.ivtd.Subject.Show"' ||
	die "UWV's read is not in the report"
grep -A12 '"organisation": "UWV"' "$OUT" | inq '"fields": "bsn,naam,geboortedatum"' ||
	die "the fields UWV saw are not in the report"
has '"activity": "ivt-04"'; has '"about": "address"'; has '"about": "bsn"'
# The register's purpose and legal basis for each activity involved.
has '"id": "ivt-04"'; has "Participatiewet"; has '"retention": "5 jaar'
has '"fields_disclosed": \['
# Not in it: Kees and Wim's flat at the same number (read by SVB only),
# Politie's refused read, staff names, the BSN itself, anyone's pseudonym
# but Jan's.
hasnt '"organisation": "SVB"'; hasnt '"organisation": "Politie"'
hasnt bob; hasnt alice; hasnt Jansen; hasnt Pietersen; hasnt "$JAN"
hasnt Willems
jan_ps=$(grep -Eo '"pseudonym": "[0-9a-f]{64}"' "$OUT" | grep -Eo '[0-9a-f]{64}')
[ -n "$jan_ps" ] || die "no pseudonym in the report"
[ "$(grep -Eo '[0-9a-f]{64}' "$OUT" | sort -u)" = "$jan_ps" ] ||
	die "another pseudonym in Jan's report"
# The project is running: no end date yet.
has '"retention_end": null'

# The BSN from standard input, out of the process list: the same report.
ok "inzage --bsn -" priv --json privacy inzage --bsn - <<<"$JAN"
has "\"pseudonym\": \"$jan_ps\""
rc=0; priv privacy inzage --bsn - </dev/null >"$OUT" 2>"$ERR" || rc=$?
[ "$rc" -eq 2 ] && grep -q "nothing on standard input" "$ERR" ||
	die "--bsn - without input: exit $rc"
printf '%s\0x\n' "$JAN" >"$E2E_DIR/nul"
rc=0; priv privacy inzage --bsn - <"$E2E_DIR/nul" >"$OUT" 2>"$ERR" || rc=$?
[ "$rc" -eq 2 ] && grep -q "a NUL byte" "$ERR" ||
	die "--bsn - with a NUL byte: exit $rc"

# Kees's report has SVB's read and not UWV's.
ok "Kees" priv --json privacy inzage --bsn "$KEES"
has '"organisation": "SVB"'; hasnt '"organisation": "UWV"'
# It names the fields held about him, not every field there could be:
# no birth date was given.
has '"fields_person": "bsn,naam"'
# Wim lives in the flat: his address has a toevoeging.
ok "Wim" priv --json privacy inzage --bsn "$WIM"
has '"fields_address": "straat,huisnummer,toevoeging,postcode,woonplaats"'
# Somebody without data in ivtd gets an empty report.
ok "nobody" priv --json privacy inzage --bsn 200000007
has '"projects": \[\]'; has '"access_count": 0'

# --- the same read through the audit log, and the refusal
ok "audit list --bsn" priv --json audit list --bsn "$JAN"
has '"actor": "bob"'; has '"method": "nl.ivtd.Subject.Show"'
hasnt '"org": "SVB"'
ok "audit list --bsn -" priv --json audit list --bsn - <<<"$JAN"
has '"actor": "bob"'; hasnt '"org": "SVB"'
ok "denied" priv --json audit list --result denied --actor fay
has '"method": "nl.ivtd.Subject.Show"'; has '"org": "Politie"'
has '"error": "nl.ivtd.PermissionDenied"'

# --- the inzage is itself processing of Jan's data: audited, ivt-09
ok "inzage logged" priv --json audit list --actor carol --activity ivt-09
has '"method": "nl.ivtd.Privacy.Inzage"'; has "\"subject\": \"$jan_ps\""
ok "refusals logged" priv --json audit list --result denied \
	--activity ivt-09
has '"actor": "alice"'; has '"method": "nl.ivtd.Privacy.Inzage"'
# ... and shows in the next report, as the privacy officer's.
ok "inzage again" priv --json privacy inzage --bsn "$JAN"
grep -B3 -A10 '"method": "nl.ivtd.Privacy.Inzage"' "$OUT" |
	inq '"role": "privacy"' || die "the first inzage is not listed"

# --- text report
ok "text" priv privacy inzage --bsn "$JAN"
has "^Inzage (AVG art. 15) for pseudonym $jan_ps"
has "^project 1  Wijkaanpak Noord (Utrecht)"; has "Received or read by"
has "^UWV "; has "Subject.Show"; has "^ivt-04  "
has "the project is not closed yet"; hasnt Jansen; hasnt "$JAN"

# --- closing the project sets the retention end: closure + 5 years
CLOSED=$(date -u +%F)
# The default retention period is 1826 days (ivtd.conf(5)).
UNTIL=$(date -u -d "$CLOSED +1826 days" +%F)
for p in operationeel evaluatie afgesloten; do
	ok "to $p" pl project advance 1 --rationale "$p" --date "$CLOSED"
done
ok "closed" priv --json privacy inzage --bsn "$JAN"
has "\"closed\": \"$CLOSED\""; has "\"retention_end\": \"$UNTIL\""
ok "closed text" priv privacy inzage --bsn "$JAN"
has "until $UNTIL (closed $CLOSED)"

# The BSN went nowhere.
! grep -q "$JAN" "$DLOG" || die "BSN in the daemon log"
n=$(cat "$STATE"/ivtd.db* | grep -c -a "$JAN" || true)
[ "$n" -eq 0 ] || die "BSN in the database file"
ok "verify" priv audit verify; has intact
stop_daemon
done_ok
