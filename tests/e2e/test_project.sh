#!/usr/bin/env bash
# End-to-end: projects, phases and GO/NO-GO decisions, the privacy
# protocol and the journal, for every role.
. "${IVT_E2E_LIB:-$(dirname "$0")/lib.sh}"

start_daemon
pl() { as 2001 "$IVTCTL" --socket "$SOCK" "$@"; }      # alice, leads P1
pl2() { as 2005 "$IVTCTL" --socket "$SOCK" "$@"; }     # erik, other project
uwv() { as 2002 "$IVTCTL" --socket "$SOCK" "$@"; }     # bob, partner UWV
pol() { as 2006 "$IVTCTL" --socket "$SOCK" "$@"; }     # fay, partner Politie
priv() { as 2003 "$IVTCTL" --socket "$SOCK" "$@"; }    # carol, privacy
stranger() { as 54321 "$IVTCTL" --socket "$SOCK" "$@"; }

ok "partner UWV" ctl partner add UWV --kind landelijke_dienst
ok "partner Politie" ctl partner add Politie --kind politie
ok "alice" ctl user add alice --uid 2001 --role projectleider
ok "erik" ctl user add erik --uid 2005 --role projectleider
ok "bob" ctl user add bob --uid 2002 --role partner --org UWV
ok "fay" ctl user add fay --uid 2006 --role partner --org Politie
ok "carol" ctl user add carol --uid 2003 --role privacy

create() {
	"$@" project create "Wijkaanpak Noord" --gemeente Utrecht \
		--problem "Woonfraude en overbewoning in de wijk" \
		--area 3511AA-3511ZZ,3512ab --legal-basis "LSI-convenant 2024" \
		--purpose "Handhaving rechtmatigheid" --themes woonfraude,overlast
}

# --- create; a projectleider leads what they create
ok "pl creates" create pl; has "id 1"; has "leaders alice"
has "area 3511AA-3511ZZ, 3512AB"; has "phase initiatief"
ok "other pl creates" pl2 project create "Zuid" --gemeente Utrecht \
	--problem p --area 3521AA --legal-basis b --purpose d
ok "pl list" pl project list; has "Wijkaanpak Noord"; hasnt "Zuid"
ok "admin list" ctl project list; has "Zuid"; has "Wijkaanpak"
fails "other pl show" nl.ivtd.PermissionDenied pl2 project show 1
fails "other pl update" nl.ivtd.PermissionDenied \
	pl2 project update 1 --name Gekaapt
ok "unchanged" ctl project show 1; has "name Wijkaanpak Noord"
fails "partner may not create" nl.ivtd.PermissionDenied create uwv
fails "privacy may not create" nl.ivtd.PermissionDenied create priv
fails "stranger" nl.ivtd.PermissionDenied stranger project list

# --- bad input changes nothing
fails "bad postcode" nl.ivtd.InvalidValue pl project create X \
	--gemeente U --problem p --area 0123AB --legal-basis b --purpose d
fails "reversed range" nl.ivtd.InvalidValue pl project create X \
	--gemeente U --problem p --area 3511ZZ-3511AA --legal-basis b --purpose d
fails "empty name" nl.ivtd.InvalidValue pl project create " " \
	--gemeente U --problem p --area 3511AA --legal-basis b --purpose d
fails "no area" org.varlink.service.InvalidParameter \
	ctl call nl.ivtd.Project.Create '{"name":"X","gemeente":"U","problem":"p","themes":[],"legal_basis":"b","purpose":"d"}'
long=$(printf 'x%.0s' $(seq 1 129))
fails "overlong name" org.varlink.service.InvalidParameter \
	pl project create "$long" --gemeente U --problem p --area 3511AA \
	--legal-basis b --purpose d
fails "end before start" nl.ivtd.InvalidValue pl project update 1 \
	--start 2027-02-01 --end 2027-01-01
fails "bad date" nl.ivtd.InvalidValue pl project update 1 --start 2027-02-30
fails "unknown leader" nl.ivtd.NotFound pl project update 1 --leaders nobody
# A name in a list is at most 256 bytes: refused before any lookup, and
# not echoed back.
long=$(printf 'x%.0s' $(seq 1 300))
fails "overlong leader" org.varlink.service.InvalidParameter \
	pl project update 1 --leaders "$long"
! grep -q "$long" "$ERR" || die "overlong leader echoed"
ok "leaders unchanged" pl project show 1; has "leaders alice"
fails "unknown project" nl.ivtd.NotFound ctl project show 99
ok "count" ctl project list
[ "$(grep -c '^[0-9]' "$OUT")" -eq 2 ] || die "bad input created a project"
ok "update" pl project update 1 --start 2026-12-01 --end 2027-06-30 \
	--leaders alice,erik
has "planned_start 2026-12-01"; has "leaders alice, erik"
ok "erik now leads" pl2 project show 1
ok "back to alice" pl project update 1 --leaders alice
fails "erik no longer" nl.ivtd.PermissionDenied pl2 project show 1

# --- phases and gates
fails "decide in initiatief" nl.ivtd.Conflict \
	pl project decide 1 probleemdefinitie --go --rationale r
ok "to verkennend" pl project advance 1 --rationale "draagvlak college"
has "phase verkennend"
fails "skip a phase" nl.ivtd.Conflict pl project advance 1 --rationale r
fails "gate out of order" nl.ivtd.Conflict \
	pl project decide 1 rpf --go --rationale r
fails "no rationale" nl.ivtd.InvalidValue \
	pl project decide 1 probleemdefinitie --go --rationale " "
fails "bad gate" org.varlink.service.InvalidParameter \
	pl project decide 1 wethouder --go --rationale r
# A decision is recorded once taken: not dated in the future.
fails "decided tomorrow" nl.ivtd.InvalidValue pl project decide 1 \
	probleemdefinitie --go --rationale r --date "$(date -u -d '+1 day' +%F)"
errhas "not in the future"
# The 1-meting measures the effect: once the operations have begun.
fails "no 1-meting yet" nl.ivtd.Conflict pl measure set 1 x 1 --phase 1 \
	--source s
ok "a 0-meting" pl measure set 1 meldingen 40 --phase 0 --source BVH
ok "gate 1" pl project decide 1 probleemdefinitie --go \
	--rationale "probleem herkend door partners" --date 2026-10-01
fails "same gate twice" nl.ivtd.Conflict \
	pl project decide 1 probleemdefinitie --no-go --rationale r
ok "gate 2" pl project decide 1 collegebesluit --go --rationale "B&W akkoord"
ok "gate 3" pl project decide 1 rpf --go --rationale "RPF akkoord"
fails "partner may not decide" nl.ivtd.PermissionDenied \
	uwv project decide 1 lsi --go --rationale r
# The gates are the projectleider's decisions, not the beheerder's.
fails "admin may not decide" nl.ivtd.PermissionDenied \
	ctl project decide 1 lsi --go --rationale r
# So is what the project is about: the admin names, places and staffs it.
fails "admin may not change the purpose" nl.ivtd.PermissionDenied \
	ctl project update 1 --purpose "Iets anders"
fails "admin may not widen the area" nl.ivtd.PermissionDenied \
	ctl project update 1 --area 1000AA-9999ZZ
# Leaders the admin names only while none is left: alice leads, so the
# admin cannot add a uid of its own choosing.
fails "admin may not add a leader" nl.ivtd.PermissionDenied \
	ctl project update 1 --leaders alice,erik
ok "alice still leads alone" pl project show 1; has "leaders alice$"
# alice leaves: her account is disabled, and the admin names erik.
ok "alice leaves" ctl user disable alice
ok "admin names a leader" ctl project update 1 --leaders erik
has "leaders erik"; has "purpose Handhaving rechtmatigheid"
ok "alice is back" ctl user enable alice
ok "erik hands the project back" pl2 project update 1 --leaders alice
ok "gate 4" pl project decide 1 lsi --go --rationale "LSI akkoord" --body lsi
ok "to voorbereidend" pl project advance 1 --rationale "alle GO"
has "phase voorbereidend"
fails "no protocol yet" nl.ivtd.Conflict pl project advance 1 --rationale r
fails "future registration" nl.ivtd.InvalidValue \
	pl protocol register 1 --date 2999-01-01 --ref M-1
ok "register" pl protocol register 1 --date 2026-11-01 --ref "AP-melding 2026-118"
ok "to operationeel" pl project advance 1 --rationale "start controles"
fails "advanced tomorrow" nl.ivtd.InvalidValue pl project advance 1 \
	--rationale r --date "$(date -u -d '+1 day' +%F)"
ok "to evaluatie" pl project advance 1 --rationale "laatste actiedag" \
	--date 2026-01-10
has "operational_end 2026-01-10"; has "report_due 2026-04-10"; has "overdue"
ok "history" pl project history 1
for w in probleemdefinitie collegebesluit rpf lsi "NO-GO" ; do :; done
has "probleemdefinitie"; has "collegebesluit"; has "GO"; has "B&W akkoord"
has "operationeel"
ok "privacy reads history" priv project history 1

# --- a NO-GO closes the project
ok "P2 verkennend" pl2 project advance 2 --rationale r
ok "P2 no-go" pl2 project decide 2 probleemdefinitie --no-go \
	--rationale "geen draagvlak"
has "phase afgesloten"; has "NO-GO at gate probleemdefinitie"
fails "closed stays closed" nl.ivtd.Conflict pl2 project advance 2 --rationale r
fails "closed: no update" nl.ivtd.Conflict pl2 project update 2 --name Y

# --- privacy protocol: rights per partner, checked on every call
ok "grant" pl protocol grant 1 UWV --rights leveren,inlezen
fails "bad right" org.varlink.service.InvalidParameter \
	pl protocol grant 1 UWV --rights schrijven
fails "unknown partner" nl.ivtd.NotFound pl protocol grant 1 Nope --rights inlezen
fails "partner may not grant" nl.ivtd.PermissionDenied \
	uwv protocol grant 1 Politie --rights inlezen
# Nor may the admin admit anyone to the personal data.
fails "admin may not grant" nl.ivtd.PermissionDenied \
	ctl protocol grant 1 Politie --rights inlezen
ok "politie not admitted" pl --json protocol show 1; hasnt Politie
ok "show" pl protocol show 1; has "UWV"; has "AP-melding"
ok "partner sees project" uwv project show 1
ok "partner list" uwv project list; has "Wijkaanpak"; hasnt "Zuid"
fails "other partner" nl.ivtd.PermissionDenied pol project show 1

# --- journal: sealed, read under inlezen, audited
pii "J. de Vries" "mogelijk onderhuur" "met UWV en Politie"
ok "journal add" pl journal add 1 --kind casusbespreking \
	--note "Casus Dorpsstraat 12: J. de Vries, mogelijk onderhuur"
printf 'Brainstorm\nmet UWV en Politie\n' >"$E2E_DIR/note"
ok "journal add stdin" pl journal add 1 --kind brainstorm --note - \
	--date 2026-09-15 <"$E2E_DIR/note"
fails "bad kind" org.varlink.service.InvalidParameter \
	pl journal add 1 --kind roddel --note x
ok "pl reads journal" pl journal list 1; has "J. de Vries"
ok "uwv reads journal" uwv journal list 1; has "onderhuur"
ok "uwv adds (leveren)" uwv journal add 1 --kind overleg --note "UWV: 3 adressen"
# Notes are free text about anyone: a partner that may read some fields
# only sees the entries, and the notes of its own organisation.
ok "uwv reads names only" pl protocol grant 1 UWV --rights inlezen \
	--fields naam
ok "limited fields shown" pl protocol show 1; has "^UWV .* naam  "
# The log names the rights and fields after each change, for the privacy
# officer to reconstruct the protocol over time.
ok "grant audited" priv --json audit list --project 1 --limit 1000
has "partner:[0-9]* rights:leveren,inlezen fields:naam"
has 'registered:2026-11-01 ref:\\"AP-melding 2026-118\\"'
ok "uwv: own notes only" uwv journal list 1; has "UWV: 3 adressen"
has casusbespreking; has "note withheld"; hasnt "onderhuur"
hasnt "met UWV en Politie"
ok "uwv reads all again" pl protocol grant 1 UWV --rights inlezen \
	--fields adres,bsn,naam,geboortedatum
ok "uwv reads every note" uwv journal list 1; has "onderhuur"
hasnt "note withheld"
fails "privacy may not read notes" nl.ivtd.PermissionDenied priv journal list 1
fails "politie may not read" nl.ivtd.PermissionDenied pol journal list 1
ok "revoke inlezen" pl protocol revoke 1 UWV --rights inlezen
fails "revoked at once" nl.ivtd.PermissionDenied uwv journal list 1
ok "still leveren" uwv journal add 1 --kind overleg --note "UWV: nog 1"
ok "revoke all" pl protocol revoke 1 UWV
fails "no rights, no project" nl.ivtd.PermissionDenied uwv project show 1
fails "revoke twice" nl.ivtd.NotFound pl protocol revoke 1 UWV

# --- the audit log holds the denials and the disclosures, by activity
stop_daemon
db="$STATE/ivtd.db"
q() { sqlite3 "$db" "$1"; }
[ "$(q "SELECT count(*) FROM audit WHERE method='nl.ivtd.Journal.List' AND result='denied'")" -ge 3 ] ||
	die "journal denials not audited"
[ "$(q "SELECT count(*) FROM audit WHERE method='nl.ivtd.Journal.List' AND result='allowed' AND fields='journal.note' AND project=1")" -ge 2 ] ||
	die "journal reads not audited as disclosures"
[ "$(q "SELECT activity FROM audit WHERE method='nl.ivtd.Project.Create' LIMIT 1")" = ivt-02 ] ||
	die "project creation lacks its processing activity"
[ "$(q "SELECT count(*) FROM audit WHERE method='nl.ivtd.Project.Update' AND result='denied' AND actor_name='erik'")" -ge 1 ] ||
	die "denied update not audited"
# Sealed notes leave no plaintext in the database or its WAL.
for f in "$db" "$db-wal"; do
	[ -e "$f" ] || continue
	! grep -q "de Vries" "$f" || die "journal note in clear in $f"
done
start_daemon
ok "verify" ctl audit verify; has intact
stop_daemon
done_ok
