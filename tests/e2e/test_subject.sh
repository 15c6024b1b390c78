#!/usr/bin/env bash
# End-to-end: verwondersubjecten — sealed personal data, blind-index
# search, per-field visibility, actualisation by the partners with an
# interest, conflicts decided by the projectleider, and the audit trail.
. "${IVT_E2E_LIB:-$(dirname "$0")/lib.sh}"
. "$(dirname "${IVT_E2E_LIB:-$0}")/fixture.sh"

# Test persons: BSNs pass the elfproef; names are made up.
BSN1=111222333
BSN2=123456782
BSN3=999999990
pii "$BSN1" "$BSN2" "$BSN3" "Jan Jansen" "Piet Pietersen" Dorpsstraat \
	Kerkweg Molenlaan
start_daemon
fixture_project

# --- no data before the protocol allows it; bad input changes nothing
ok "P2" pl project create "Leeg" --gemeente U --problem p --area 3511AA \
	--legal-basis b --purpose d
fails "phase" nl.ivtd.Conflict pl subject add 2 --street Dorpsstraat \
	--nr 1 --postcode 3511AA --city Utrecht
fails "bad bsn" nl.ivtd.InvalidValue pl subject add 1 --street Dorpsstraat \
	--nr 12 --postcode 3511AB --city Utrecht --persons 123456789
fails "outside area" nl.ivtd.InvalidValue pl subject add 1 \
	--street Dorpsstraat --nr 12 --postcode 3600AB --city Utrecht
fails "bad nr" nl.ivtd.InvalidValue pl subject add 1 --street D --nr 0 \
	--postcode 3511AB --city Utrecht
fails "future birth" nl.ivtd.InvalidValue pl subject add 1 --street D \
	--nr 1 --postcode 3511AB --city U --persons "$BSN1:A:2999-01-01"
fails "unknown partner" nl.ivtd.NotFound pl subject add 1 --street D \
	--nr 1 --postcode 3511AB --city U --partners Nope
fails "partner without rights" nl.ivtd.PermissionDenied uwv subject add 1 \
	--street D --nr 1 --postcode 3511AB --city U
ok "none yet" pl --json subject list 1; has '"subjects": \[\]'

# --- add subjects; same address merges
ok "add 1" pl subject add 1 --street Dorpsstraat --nr 12 --toev a \
	--postcode 3511ab --city Utrecht \
	--persons "$BSN1:Jan Jansen:1970-05-01" --partners UWV,Politie \
	--codes woonfraude
has "id 1"; has "Dorpsstraat 12 A, 3511AB Utrecht"
ok "add 2" pl subject add 1 --street Kerkweg --nr 3 --postcode 3512AB \
	--city Utrecht --persons "$BSN2:Piet Pietersen,$BSN3" --partners UWV
ok "add 3 (no interest)" pl subject add 1 --street Molenlaan --nr 7 \
	--postcode 3511CD --city Utrecht
# The persons from standard input, out of the process list.
ok "merge" pl subject add 1 --street Dorpsstraat --nr 12 --toev A \
	--postcode "3511 AB" --city Utrecht --persons - \
	--partners SVB --codes overbewoning <<<"$BSN2:Piet Pietersen"
has "merged yes"; has "id 1"; has "persons 2"
ok "list" pl --json subject list 1
[ "$(grep -c '"pc4"' "$OUT")" -eq 3 ] || die "expected 3 subjects"

# --- blind-index search, only where the caller may read
ok "find bsn" pl subject find --bsn "$BSN2"
has "Dorpsstraat"; has "Kerkweg"
ok "find bsn with dots" pl subject find --bsn "1234.56.782"; has Kerkweg
ok "find bsn from stdin" pl subject find --bsn - <<<"$BSN2"; has Kerkweg
ok "find address" pl subject find --address 3511AB 12; has "Dorpsstraat"
ok "find nothing" pl --json subject find --bsn 100000009
has '"subjects": \[\]'
fails "find bad bsn" nl.ivtd.InvalidValue pl subject find --bsn 123456789
fails "privacy may not search" nl.ivtd.PermissionDenied \
	priv subject find --bsn "$BSN2"
ok "uwv finds nothing yet" uwv --json subject find --bsn "$BSN2"
has '"subjects": \[\]'
# The beheerder (root) keeps the system running and needs nobody's data:
# refused, each refusal in the audit log, nothing added.
fails "admin may not read" nl.ivtd.PermissionDenied ctl subject show 1
errhas "the admin role handles no personal data"
fails "admin may not list" nl.ivtd.PermissionDenied ctl subject list 1
fails "admin may not search" nl.ivtd.PermissionDenied \
	ctl subject find --bsn - <<<"$BSN2"
fails "admin may not deliver" nl.ivtd.PermissionDenied ctl subject add 1 \
	--street Molenlaan --nr 9 --postcode 3511CD --city Utrecht
fails "admin may not plan" nl.ivtd.PermissionDenied ctl subject actualise 1
ok "admin refusals audited" priv --json audit list --result denied \
	--actor root
has "Subject.Show"; has "Subject.List"; has "Subject.Find"
has "Subject.Create"; has "Subject.Actualise"
ok "admin added nothing" pl --json subject list 1
[ "$(grep -c '"pc4"' "$OUT")" -eq 3 ] || die "expected 3 subjects"
# What a project needs of its admin is still there: its metadata.
ok "admin sees the project" ctl project show 1; has "Wijkaanpak Noord"

# --- who sees what: protocol rights and fields
ok "grant uwv" pl protocol grant 1 UWV --rights leveren,inlezen \
	--fields adres,bsn
ok "grant politie" pl protocol grant 1 Politie --rights leveren
ok "grant svb" pl protocol grant 1 SVB --rights leveren,bewerken,inlezen
ok "uwv show" uwv subject show 1
has "Dorpsstraat"; has "bsn $BSN1"; hasnt "Jan Jansen"; hasnt "1970"
fails "politie may not read" nl.ivtd.PermissionDenied pol subject show 1
# Delivering is not reading: an address already in the project is merged,
# and the deliverer learns nothing of it, not even that it was there.
ok "politie delivers a known address" pol --json subject add 1 \
	--street Dorpsstraat --nr 12 --toev A --postcode 3511AB --city Utrecht
hasnt '"subject"'; hasnt '"merged"'; hasnt woonfraude; hasnt UWV
ok "politie delivers, text" pol subject add 1 --street Molenlaan --nr 7 \
	--postcode 3511CD --city Utrecht
has "delivered yes"; hasnt Molenlaan; hasnt "id "
fails "privacy may not read" nl.ivtd.PermissionDenied priv subject show 1
# UWV reads addresses and BSNs but no names: it finds by BSN.
ok "uwv finds by bsn" uwv subject find --bsn "$BSN1"; has Dorpsstraat
ok "uwv queue" uwv subject list 1 --partner UWV
has "Dorpsstraat"; has "Kerkweg"; hasnt "Molenlaan"

# --- actualisation
fails "partner may not send" nl.ivtd.PermissionDenied uwv subject actualise 1
fails "answer before sending" nl.ivtd.Conflict uwv subject answer 1 relevant
ok "send" pl subject actualise 1; has "sent 3"; has "1 ready"
fails "send twice" nl.ivtd.Conflict pl subject actualise 1 1
ok "status" pl subject list 1 --status in_actualisatie; has Dorpsstraat
fails "no interest" nl.ivtd.PermissionDenied svb subject answer 2 relevant
fails "vervallen needs reason" nl.ivtd.InvalidValue \
	uwv subject answer 2 vervallen
fails "reason type" nl.ivtd.InvalidValue \
	uwv subject answer 2 vervallen --reason zorgtraject
ok "uwv: 1 relevant" uwv subject answer 1 relevant
has "status in_actualisatie"
# Politie may deliver but not read: its answer is taken, the subject's
# codes and the other partners' answers are not shown to it.
ok "politie: 1 relevant" pol subject answer 1 relevant
has "answered yes"; hasnt woonfraude; hasnt UWV; hasnt "status"
ok "svb: 1 relevant" svb subject answer 1 relevant
ok "1 ready" pl subject show 1; has "status gereed"
ok "uwv: 2 conflict" uwv subject answer 2 conflict --reason zorgtraject
has "status conflict"
# Why a subject is in conflict is for the projectleider and the partner
# that said so; another partner sees the conflict only.
ok "pl sees the reason" pl subject show 2; has "UWV:conflict(zorgtraject)"
ok "uwv sees its own reason" uwv --json subject list 1 --status conflict
has '"reason": "zorgtraject"'
ok "svb sees the conflict" svb --json subject list 1 --status conflict
has '"answer": "conflict"'; hasnt zorgtraject
fails "change needs bewerken" nl.ivtd.PermissionDenied \
	uwv subject answer 2 relevant
fails "partner may not resolve" nl.ivtd.PermissionDenied \
	uwv subject resolve 2 --proceed --rationale x
fails "resolve non-conflict" nl.ivtd.Conflict \
	pl subject resolve 1 --drop --rationale x
ok "resolve" pl subject resolve 2 --drop \
	--rationale "Lopend zorgtraject bij de wijkteams"
has "status vervallen"; has "drop: Lopend zorgtraject"
ok "svb does not see the decision" svb --json subject show 2
has '"status": "vervallen"'; hasnt zorgtraject; hasnt resolution
# A merge writes the address, then shows it with the decision and UWV's
# reason: the entries of the call name all of it (checked below).
ok "merge into a decided subject" pl subject add 1 --street Kerkweg --nr 3 \
	--postcode 3512AB --city Utrecht
has "merged yes"; has "drop: Lopend zorgtraject"; has "conflict(zorgtraject)"
ok "ready list" pl subject list 1 --status gereed
has Dorpsstraat; has Molenlaan; hasnt Kerkweg

# --- revocation takes effect at once
ok "revoke uwv inlezen" pl protocol revoke 1 UWV --rights inlezen
fails "revoked" nl.ivtd.PermissionDenied uwv subject show 1

# --- audit: one entry per data subject, by pseudonym only
stop_daemon
db="$STATE/ivtd.db"
q() { sqlite3 "$db" "$1"; }
n=$(q "SELECT count(*) FROM audit WHERE method='nl.ivtd.Subject.Show' AND actor_name='bob' AND result='allowed'")
[ "$n" -ge 2 ] || die "uwv show should write an entry per data subject ($n)"
[ "$(q "SELECT count(DISTINCT span_id) FROM audit WHERE method='nl.ivtd.Subject.Show' AND actor_name='bob' AND result='allowed'")" -eq "$n" ] ||
	die "each data subject must be its own span"
[ "$(q "SELECT count(DISTINCT trace_id) FROM audit WHERE method='nl.ivtd.Subject.Show' AND actor_name='bob' AND result='allowed'")" -eq 1 ] ||
	die "one call, one trace"
[ "$(q "SELECT fields FROM audit WHERE method='nl.ivtd.Subject.Show' AND actor_name='bob' AND subject_type='bsn' LIMIT 1")" = bsn ] ||
	die "the disclosed fields are recorded"
[ "$(q "SELECT count(*) FROM audit WHERE method='nl.ivtd.Subject.Find' AND subject_type='bsn' AND length(subject)=64")" -ge 3 ] ||
	die "searches are audited by pseudonym"
[ "$(q "SELECT count(*) FROM audit WHERE result='denied' AND method LIKE 'nl.ivtd.Subject.%'")" -ge 5 ] ||
	die "subject denials are audited"
# A call enters a field of a data subject once: a second entry for the
# same subject (and project) only names fields the first did not.
python3 - "$db" <<'PY' || die "a call entered a field of a data subject twice"
import collections, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
seen = collections.defaultdict(set)
for t, s, ty, p, f in c.execute(
        "SELECT trace_id, subject, subject_type, project, fields FROM audit "
        "WHERE result = 'allowed' AND subject <> '' ORDER BY seq"):
    k, fs = (t, s, ty, p), set(x for x in f.split(",") if x)
    assert k not in seen or (fs and not fs & seen[k]), (t, ty, f)
    seen[k] |= fs
PY
trace=$(q "SELECT trace_id FROM audit WHERE method='nl.ivtd.Subject.Create' AND fields LIKE '%besluit%'")
[ "$(q "SELECT group_concat(fields, '|') FROM (SELECT fields FROM audit WHERE trace_id='$trace' AND subject_type='address' ORDER BY seq)")" = \
	"straat,huisnummer,toevoeging,postcode,woonplaats|besluit,belang.reden" ] ||
	die "a merge's entries must name the address, the decision and the reasons"
[ "$(q "SELECT group_concat(DISTINCT object) FROM audit WHERE trace_id='$trace'")" = subject:2 ] ||
	die "a Create's entries name the subject"
[ "$(q "SELECT activity FROM audit WHERE method='nl.ivtd.Subject.Answer' LIMIT 1")" = ivt-05 ] ||
	die "answers are processing activity ivt-05"
# No personal data in clear: database, WAL, daemon log.
for f in "$db" "$db-wal" "$DLOG"; do
	[ -e "$f" ] || continue
	for secret in "$BSN1" "$BSN2" "Jan Jansen" "Pietersen" "Dorpsstraat" \
		"Lopend zorgtraject"; do
		! grep -q "$secret" "$f" || die "'$secret' in clear in $f"
	done
done
start_daemon
ok "verify" ctl audit verify; has intact
# A partner that may read names only finds nobody by BSN or address: the
# search would pair them with what its protocol leaves out.
ok "svb: names only" pl protocol grant 1 SVB --rights leveren,inlezen \
	--fields naam
ok "svb finds no bsn" svb --json subject find --bsn "$BSN1"
has '"subjects": \[\]'
ok "svb finds no address" svb --json subject find --address 3511AB 12
has '"subjects": \[\]'
ok "svb still shows names" svb subject show 1; has "Jan Jansen"
hasnt Dorpsstraat
# Nor may it deliver: the delivery would be merged with the subject at
# that address, and the subject list would then say who lives with the
# person it delivered.
fails "svb may not deliver" "'adres' and 'bsn'" svb subject add 1 \
	--street Dorpsstraat --nr 12 --toev A --postcode 3511AB \
	--city Utrecht --persons 111222333:Marker
hasnt "Jan Jansen"
fails "nor import" nl.ivtd.PermissionDenied svb subject import 1 - \
	</dev/null
ok "the marker was not stored" pl subject show 1; has "Jan Jansen"
hasnt Marker
stop_daemon
done_ok
