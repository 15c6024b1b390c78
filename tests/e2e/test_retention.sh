#!/usr/bin/env bash
# End-to-end: retention and crypto-shredding.  Two projects close with a
# retention period of 0 days; the privacy officer lists them, a legal hold
# keeps one off the destruction list (and stops a confirmed destruction),
# the projectleider confirms, retention run destroys: the fields are gone
# and unreadable, the final report still works, the destruction is audited
# and the audit chain intact.  A database backup taken before the run,
# opened with the key directory after it, cannot open the destroyed
# project's fields (its key share is gone); with a key store copy from
# before the run it can, which is the documented limit of the guarantee.
. "${IVT_E2E_LIB:-$(dirname "$0")/lib.sh}"
. "$(dirname "${IVT_E2E_LIB:-$0}")/fixture.sh"

BSN1=111222333
BSN2=123456782
if type pii >/dev/null 2>&1; then
	pii "$BSN1" "$BSN2" "Jan Jansen" "Piet Pietersen" Dorpsstraat Kerkweg \
		"Overleg met wijkagent"
fi
conf_add "retention_days = 0"
start_daemon
fixture_project

db() { python3 - "$STATE/ivtd.db" "$1" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute(sys.argv[2]).fetchone()[0])
PY
}

# Project 2 the same way as the fixture's project 1.
ok "P2" pl project create "Wijkaanpak Zuid" --gemeente Utrecht \
	--problem Woonfraude --area 3511AA-3511ZZ --legal-basis LSI \
	--purpose Handhaving
ok "P2 verkennend" pl project advance 2 --rationale start
for gate in probleemdefinitie collegebesluit rpf lsi; do
	ok "P2 $gate" pl project decide 2 "$gate" --go --rationale akkoord
done
ok "P2 voorbereidend" pl project advance 2 --rationale "alle GO"
ok "P2 protocol" pl protocol register 2 --date 2026-11-01 --ref AP-2

ok "grant uwv" pl protocol grant 1 UWV --rights leveren,inlezen
ok "subject 1" pl subject add 1 --street Dorpsstraat --nr 12 \
	--postcode 3511AB --city Utrecht --persons "$BSN1:Jan Jansen:1970-05-01" \
	--partners UWV --codes woonfraude
ok "journal 1" pl journal add 1 --kind overleg --note "Overleg met wijkagent"
ok "subject 2" pl subject add 2 --street Kerkweg --nr 3 \
	--postcode 3511AC --city Utrecht --persons "$BSN2:Piet Pietersen"
ok "readable" pl subject show 1; has "Jan Jansen"

# Nothing is due while the projects run.
ok "nothing due" priv retention list --dry-run; has "0 projects would go"
# Project 1 gets a finding: its category must not outlive the person.
ok "send" pl subject actualise 1
ok "uwv relevant" uwv subject answer 1 relevant
ok "P1 operationeel" pl project advance 1 --rationale operationeel
ok "assign" pl subject assign 1 --to bob
ok "finding" uwv finding add 1 --visit "$(date +%F)" \
	--category uitkeringsfraude --notes "Overleg met wijkagent"
# The visit ended the hand-out, and keeps what was found (nothing to
# follow up: the visit handled it).
fails "the visit ended the hand-out" nl.ivtd.NotFound pl subject unassign 1
ok "uwv: nothing handed out" uwv my; has "assignments (0)"
ok "still visited" pl subject show 1; has "status afgehandeld"
# One finding: its category is not named, even to the leader.
ok "report before" pl --json report 1; has '"kleine_aantallen"'
hasnt '"uitkeringsfraude"'
# One subject selected for woonfraude: a code of fewer than 5 subjects is
# not named (it would name a suspicion about that household).
has '"indicators": {}'; hasnt woonfraude
for p in 1 2; do
	for why in operationeel evaluatie afgesloten; do
		[ "$p$why" = 1operationeel ] && continue
		ok "P$p $why" pl project advance "$p" --rationale "$why"
	done
done
# Closed: the data stays for accountability only.  Partners no longer
# read it, nobody delivers or edits, and nobody is admitted any more.
fails "closed: a partner reads no more" nl.ivtd.PermissionDenied \
	uwv subject show 1
errhas "the project is closed"
ok "closed: a partner finds nothing" uwv --json subject find --bsn - \
	<<<"$BSN1"
has '"subjects": \[\]'
fails "closed: nothing delivered" nl.ivtd.PermissionDenied \
	pl subject add 1 --street Kerkweg --nr 9 --postcode 3511AC --city Utrecht
fails "closed: nobody admitted" nl.ivtd.Conflict \
	pl protocol grant 1 SVB --rights inlezen
fails "closed: not even its own findings" nl.ivtd.PermissionDenied \
	uwv finding list 1
errhas "closed"
fails "closed: nothing handled" nl.ivtd.PermissionDenied \
	pl subject actualise 1
fails "closed: no subject dropped" nl.ivtd.PermissionDenied \
	pl subject drop 1 --rationale x
ok "closed: the leader still reads, audited" pl subject show 1
has "Jan Jansen"
ok "retention state" pl project retention 1
has "retention_days 0"; has "default yes"; has "expires"

# --- the privacy officer lists; a hold keeps project 2 off the list
ok "privacy dry run" priv retention list --dry-run
has "2 projects would go"; has "Wijkaanpak Noord"; has "Wijkaanpak Zuid"
fails "hold needs a reason" nl.ivtd.InvalidValue \
	priv project hold 2 --reason ""
ok "hold 2" priv project hold 2 --reason "bezwaarprocedure loopt"
ok "hold shown" pl project show 2; has "legal_hold bezwaarprocedure loopt"
has "hold bezwaarprocedure loopt"
fails "partner may not list" nl.ivtd.PermissionDenied uwv retention list
ok "list" priv retention list; has "destruction list 1: 1 projects"
has "Wijkaanpak Noord"; hasnt "Wijkaanpak Zuid"
ok "not listed twice" pl retention list; has "no project is due"
ok "show" pl retention show 1; has "proposed"

# --- only a projectleider of the project or an admin confirms
fails "privacy may not confirm" nl.ivtd.PermissionDenied \
	priv retention confirm 1
ok "other pl" ctl user add dirk --uid 2008 --role projectleider
fails "not her project" nl.ivtd.PermissionDenied \
	as 2008 "$IVTCTL" --socket "$SOCK" retention confirm 1
# A projectleider of none of the list's projects does not see them, nor
# does her run destroy them.
fails "not her list" nl.ivtd.PermissionDenied \
	as 2008 "$IVTCTL" --socket "$SOCK" retention show 1
ok "her run" as 2008 "$IVTCTL" --socket "$SOCK" retention run
has "0 projects destroyed"
ok "run before confirmation" pl retention run; has "0 projects destroyed"
ok "still readable" pl subject show 1; has "Jan Jansen"

# A backup now, and a copy of the key store as a too-long-kept key backup.
ok "backup" ctl backup "$E2E_DIR/before.db"
cp -p "$STATE/master.key.store" "$E2E_DIR/old.store"

ok "confirm" pl retention confirm 1; has "confirmed"; has alice
fails "confirmed already" nl.ivtd.Conflict ctl retention confirm 1
ok "run" pl retention run; has "1 projects destroyed"
# The destruction's commit emptied the WAL: no old page stays in it.
[ "$(stat -c %s "$STATE/ivtd.db-wal")" -eq 0 ] ||
	die "WAL not emptied after the destruction"
ok "run again" ctl retention run; has "0 projects destroyed"
ok "destroyed shown" pl project show 1; has "^destroyed 20"
ok "not held" pl project show 1; hasnt "legal_hold"

# --- the project's personal data is gone, its aggregates are not
fails "subject gone" nl.ivtd.NotFound pl subject show 1
ok "find by bsn" pl subject find --bsn "$BSN1"; hasnt "Dorpsstraat"
ok "journal gone" pl journal list 1; hasnt "wijkagent"
fails "findings gone" nl.ivtd.NotFound pl finding list 1
# Nothing about a data subject stays, not even without its sealed fields:
# the audit log names subject ids beside the person's pseudonyms.
# (Subject 1 is project 1's; project 2 has no findings.)
for t in persons interests findings assignments day_subjects; do
	[ "$(db "SELECT count(*) FROM $t WHERE subject_id = 1")" = 0 ] ||
		die "$t rows kept"
done
[ "$(db "SELECT count(*) FROM finding_history")" = 0 ] ||
	die "finding_history rows kept"
[ "$(db "SELECT count(*) FROM subjects WHERE project_id = 1")" = 0 ] ||
	die "subject rows kept"
ok "destruction entry" ctl --json audit list --activity ivt-10
has "bevinding.categorie"; has "findings 1"
[ "$(db "SELECT state FROM project_keys WHERE project_id = 1")" = shredded ] ||
	die "key not shredded"
[ "$(db "SELECT wrapped IS NULL FROM project_keys WHERE project_id = 1")" = 1 ] ||
	die "wrapped key kept"
ok "report still works" pl report 1; has "Wijkaanpak Noord"
ok "report keeps its counts" pl --json report 1; has '"kleine_aantallen"'
hasnt '"uitkeringsfraude"'
ok "show list" priv retention show 1; has destroyed
# Jan's inzage: no project holds his data now; the one that did says what
# it was for and when the data went, and its processing stays listed.
ok "inzage after destruction" priv --json privacy inzage --bsn - <<<"$BSN1"
has '"projects": \[\]'; has '"method": "nl.ivtd.Subject.Create"'
python3 - "$OUT" <<'PY' || die "destroyed projects in the inzage"
import json, sys
d = json.load(open(sys.argv[1]))["destroyed"]
assert [p["id"] for p in d] == [1], d
assert d[0]["name"] == "Wijkaanpak Noord" and d[0]["destroyed"][:2] == "20"
assert d[0]["purpose"] == "Handhaving", d
PY
ok "inzage text" priv privacy inzage --bsn - <<<"$BSN1"
has "No project holds data of this person"; has "destroyed  *20"
ok "other project untouched" pl subject show 2; has "Piet Pietersen"
fails "no hold on a destroyed project" nl.ivtd.Conflict \
	pl project hold 1 --reason x

# --- audited: what, why, who confirmed; the chain is intact
ok "audit" priv --json audit list --activity ivt-10 --project 1
has "retention-list:1 project:1 destroyed"; has "confirmed by alice"
ok "verify" ctl audit verify; has intact

# --- a legal hold also stops a destruction that was confirmed
# The privacy officer's hold: not for the leader or an admin to lift.
fails "leader may not lift it" "only who placed the hold" \
	pl project release 2
fails "admin may not lift it" "only who placed the hold" \
	ctl project release 2
# Nor make it theirs by placing their own over it.
fails "leader may not hold over it" "held by someone else" \
	pl project hold 2 --reason "eigen reden"
ok "release 2" priv project release 2; hasnt "^hold bezwaar"
fails "release twice" nl.ivtd.Conflict priv project release 2
ok "list 2" pl retention list; has "destruction list 2: 1 projects"
ok "confirm 2" pl retention confirm 2
ok "hold again" priv project hold 2 --reason "verzoek officier van justitie"
ok "held: not destroyed" ctl retention run; has "0 projects destroyed"
ok "held: readable" pl subject show 2; has "Piet Pietersen"
# A project's own period: long again, so nothing is due any more.
ok "own period" pl project retention 2 --days 3650; has "default no"
ok "release 2 again" priv project release 2
# A leader's own hold is the leader's to lift.
ok "leader's hold" pl project hold 2 --reason "nazorg loopt"
ok "leader lifts it" pl project release 2
ok "not due" ctl retention run; has "0 projects destroyed"
ok "still readable" pl subject show 2; has "Piet Pietersen"
stop_daemon

# --- the backup from before the run, with the key directory after it
B="$E2E_DIR/restore"
mkdir -m 711 "$B"
cp "$E2E_DIR/before.db" "$B/ivtd.db"
cp -p "$STATE/master.key" "$STATE/master.key.store" "$B/"
CONF="$E2E_DIR/restore.conf"
SOCK="$B/ivtd.sock"
(umask 077 && printf 'state_dir = %s\nsocket_mode = 0666\nlog_level = debug\n' \
	"$B" >"$CONF")
start_daemon
# The backup still has the subject, its sealed fields and the wrapped key;
# without the share the key cannot be unwrapped.
fails "backup: destroyed project unreadable" nl.ivtd.Internal \
	pl subject show 1
grep -q "project 1: its key share is not in the key store" "$DLOG" ||
	die "no log line for the missing share"
ok "backup: other project readable" pl subject show 2; has "Piet Pietersen"
ok "backup: chain intact" ctl audit verify; has intact
stop_daemon
# The limit of the guarantee (ivtd(8), Crypto-shredding): an old copy of
# the key store still opens it.  Destroy old key store backups.
cp -p "$E2E_DIR/old.store" "$B/master.key.store"
start_daemon
ok "old key store opens it" pl subject show 1; has "Jan Jansen"
stop_daemon
done_ok
