#!/usr/bin/env bash
# End-to-end: actiedagen — a day planned with partners, staff and police,
# the planning rules (ready subjects only, absent interested partners,
# area, capacity, one day at a time), the police rule for confirming,
# suggestions, addresses only for who may read them (audited), the
# iCalendar export parsed by a real parser, assignments by name,
# cancelling, and bad input that changes nothing.
. "${IVT_E2E_LIB:-$(dirname "$0")/lib.sh}"
. "$(dirname "${IVT_E2E_LIB:-$0}")/fixture.sh"

# A python3 with the icalendar package (Debian: python3-icalendar).
PY=""
for p in python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null && "$p" -c 'import icalendar' 2>/dev/null; then
		PY=$p
		break
	fi
done
[ -n "$PY" ] || die "python3-icalendar is needed (scripts/deps.sh)"

BSN1=111222333
pii "$BSN1" "Jan Jansen" Dorpsstraat Kerkweg Molenlaan Beukenlaan Eikenlaan \
	Lindelaan
# The daemon's "today" is UTC.
DAY=$(date -u -d '+30 days' +%F)
DAY2=$(date -u -d '+31 days' +%F)
PAST=$(date -u -d '-1 day' +%F)
CONTACT="Wijkteam Noord 030-1234567"

# usage DESC cmd...: ivtctl must refuse the command line (exit 2).
usage() {
	local desc=$1 rc=0
	shift
	NCHECK=$((NCHECK + 1))
	"$@" >"$OUT" 2>"$ERR" || rc=$?
	[ "$rc" -eq 2 ] || die "$desc: expected exit 2, got $rc"
}
status_is() { # SUBJECT STATUS
	ok "subject $1" pl subject show "$1"
	has "status $2"
}
dirk() { as 2008 "$IVTCTL" --socket "$SOCK" "$@"; }
wim() { as 2009 "$IVTCTL" --socket "$SOCK" "$@"; }

start_daemon
fixture_project
ok "partner woco" ctl partner add Woco --kind woningcorporatie
ok "user dirk" ctl user add dirk --uid 2008 --role partner --org UWV
ok "user wim" ctl user add wim --uid 2009 --role partner --org Woco
ok "grant uwv" pl protocol grant 1 UWV --rights leveren,inlezen \
	--fields adres,bsn
ok "grant politie" pl protocol grant 1 Politie --rights leveren
ok "grant svb" pl protocol grant 1 SVB --rights leveren,bewerken,inlezen

# --- subjects: 1-6 become gereed, 7 stays in actualisation
ok "s1" pl subject add 1 --street Dorpsstraat --nr 12 --postcode 3511AB \
	--city Utrecht --persons "$BSN1:Jan Jansen" --partners UWV,Politie
ok "s2" pl subject add 1 --street Kerkweg --nr 3 --postcode 3512AB \
	--city Utrecht --partners SVB
ok "s3" pl subject add 1 --street Molenlaan --nr 7 --postcode 3511CD \
	--city Utrecht
ok "s4" pl subject add 1 --street Dorpsstraat --nr 14 --postcode 3511AB \
	--city Utrecht --partners UWV
ok "s5" pl subject add 1 --street Beukenlaan --nr 1 --postcode 3511EF \
	--city Utrecht --partners UWV
ok "s6" pl subject add 1 --street Eikenlaan --nr 2 --postcode 3511GH \
	--city Utrecht --partners SVB,UWV
ok "s7" pl subject add 1 --street Lindelaan --nr 9 --postcode 3511KL \
	--city Utrecht --partners UWV
ok "send" pl subject actualise 1
ok "uwv queue" uwv --json subject list 1 --pending
[ "$(grep -c '"id":' "$OUT")" -eq 5 ] || die "uwv has 5 answers to give"
for s in 1 4 5 6; do ok "uwv $s" uwv subject answer "$s" relevant; done
# Still to answer: its own organisation's, or a named partner's.
ok "uwv: one left" uwv --json subject list 1 --pending; has '"id": 7,'
[ "$(grep -c '"id":' "$OUT")" -eq 1 ] || die "uwv has 1 answer left"
ok "pl: SVB's queue" pl --json subject list 1 --partner SVB --pending
has '"id": 2,'; has '"id": 6,'
fails "pending needs a partner" nl.ivtd.InvalidValue pl subject list 1 --pending
ok "pol 1" pol subject answer 1 relevant
for s in 2 6; do ok "svb $s" svb subject answer "$s" relevant; done
for s in 1 2 3 4 5 6; do status_is "$s" gereed; done
status_is 7 in_actualisatie
# A partner with a new interest in a gereed subject answers first.
ok "uwv's interest in 2" pl subject add 1 --street Kerkweg --nr 3 \
	--postcode 3512AB --city Utrecht --partners UWV
status_is 2 in_actualisatie
ok "uwv's queue" uwv --json subject list 1 --pending; has '"id": 2,'
ok "uwv 2" uwv subject answer 2 relevant
status_is 2 gereed

# --- bad input: typed errors, nothing changed
base=(--start 09:00 --end 17:00 --area 3511AA-3511ZZ
	--meeting-point "Politiebureau Noord")
fails "partner may not plan" nl.ivtd.PermissionDenied \
	uwv day create 1 --date "$DAY" "${base[@]}"
fails "privacy may not plan" nl.ivtd.PermissionDenied \
	priv day create 1 --date "$DAY" "${base[@]}"
fails "past date" nl.ivtd.InvalidValue pl day create 1 --date "$PAST" \
	"${base[@]}"
errhas "date"
fails "not a date" nl.ivtd.InvalidValue pl day create 1 --date 2026-02-30 \
	"${base[@]}"
fails "end before start" nl.ivtd.InvalidValue pl day create 1 \
	--date "$DAY" --start 17:00 --end 09:00 --area 3511AA \
	--meeting-point X
errhas "ends before it starts"
fails "bad time" nl.ivtd.InvalidValue pl day create 1 --date "$DAY" \
	--start 25:00 --end 26:00 --area 3511AA --meeting-point X
fails "area outside the project" nl.ivtd.InvalidValue pl day create 1 \
	--date "$DAY" --start 09:00 --end 17:00 --area 3511AA-3512ZZ \
	--meeting-point X
errhas "outside the project's area"
fails "bad area" nl.ivtd.InvalidValue pl day create 1 --date "$DAY" \
	--start 09:00 --end 17:00 --area 12345 --meeting-point X
fails "unknown partner" nl.ivtd.NotFound pl day create 1 --date "$DAY" \
	"${base[@]}" --partners Nope=1
fails "partner not admitted" nl.ivtd.InvalidValue pl day create 1 \
	--date "$DAY" "${base[@]}" --partners Woco=1
errhas "not admitted"
fails "unknown user" nl.ivtd.NotFound pl day create 1 --date "$DAY" \
	"${base[@]}" --partners UWV=1 --staff nobody
fails "not an employee" nl.ivtd.InvalidValue pl day create 1 \
	--date "$DAY" "${base[@]}" --partners UWV=1 --staff alice
fails "employee of a partner not on the day" nl.ivtd.InvalidValue \
	pl day create 1 --date "$DAY" "${base[@]}" --partners UWV=1 \
	--staff fay
fails "more names than staff" nl.ivtd.InvalidValue pl day create 1 \
	--date "$DAY" "${base[@]}" --partners UWV=1 --staff bob,dirk
errhas "more named employees than staff"
fails "teams" nl.ivtd.InvalidValue pl call nl.ivtd.Day.Create \
	"{\"project\":1,\"date\":\"$DAY\",\"start\":\"09:00\",\"end\":\"17:00\",\"area\":[\"3511AA\"],\"meeting_point\":\"X\",\"teams\":21}"
fails "police enum" org.varlink.service.InvalidParameter \
	pl day create 1 --date "$DAY" "${base[@]}" --police maybe
usage "required options" pl day create 1 --date "$DAY" --start 09:00
usage "bad partners" pl day create 1 --date "$DAY" "${base[@]}" \
	--partners UWV
ok "P2" pl project create "Leeg" --gemeente U --problem p --area 3511AA \
	--legal-basis b --purpose d
fails "phase" nl.ivtd.Conflict pl day create 2 --date "$DAY" \
	--start 09:00 --end 17:00 --area 3511AA --meeting-point X
ok "no days yet" pl --json day list; has '"days": \[\]'

# --- a day: UWV 2 (bob, dirk), Politie 1 (fay); one team of two visits
ok "create" pl day create 1 --date "$DAY" "${base[@]}" \
	--partners UWV=2,Politie=1 --staff bob,dirk,fay --visits-per-team 2
has "id 1"; has "status concept"; has "UWV 2 (bob, dirk)"
has "Politie 1 (fay)"; has "capacity 2, planned 0"
has "to-confirm police, police_informed, phase"

# --- planning rules
fails "outside the day's area" nl.ivtd.Day.OutsideArea pl day plan 1 2
fails "interested partner absent" nl.ivtd.Day.PartnerAbsent \
	pl day plan 1 6
errhas "SVB has an interest in subject 6 but no staff"
fails "not ready" nl.ivtd.Day.NotReady pl day plan 1 7
errhas "in_actualisatie"
fails "unknown subject" nl.ivtd.NotFound pl day plan 1 99
fails "listed twice" nl.ivtd.InvalidValue pl call nl.ivtd.Day.Plan \
	'{"id":1,"subjects":[1,1]}'
fails "unknown day" nl.ivtd.NotFound pl day plan 9 1
fails "partner may not plan" nl.ivtd.PermissionDenied uwv day plan 1 1
ok "plan 1 and 3" pl day plan 1 1 3
has "day 1: 2 of 2 visits planned"
status_is 1 ingepland
status_is 3 ingepland
fails "one day at a time" nl.ivtd.Day.AlreadyPlanned pl day plan 1 1
errhas "planned on day 1 already"
fails "capacity" nl.ivtd.Day.CapacityExceeded pl day plan 1 4
errhas "room for 2 visits (1 teams x 2); 2 are planned and 1 more asked"
status_is 4 gereed
ok "second team" pl day update 1 --teams 2
has "capacity 4, planned 2"
# All or nothing: 6 fails, so 4 is not planned either.
fails "all or nothing" nl.ivtd.Day.PartnerAbsent pl day plan 1 4 6
status_is 4 gereed
fails "team full" nl.ivtd.Day.CapacityExceeded pl day plan 1 4 --team 1
errhas "team 1 has 2 of 2"
ok "plan 4" pl day plan 1 4
has "^2  *4  *3511"
# Changes must keep every planned visit possible.
fails "dropping politie" nl.ivtd.Day.PartnerAbsent pl day update 1 \
	--partners UWV=2 --staff bob,dirk
errhas "Politie"
fails "fewer teams" nl.ivtd.Day.CapacityExceeded pl day update 1 --teams 1
fails "past date on update" nl.ivtd.InvalidValue pl day update 1 \
	--date "$PAST"
ok "unchanged" pl day show 1; has "capacity 4, planned 3"; has "Politie 1"

# --- the police rule
fails "no police" nl.ivtd.Day.NotConfirmable pl day confirm 1
errhas "police present or police back-up"; errhas "local police informed"
ok "backup, no contact" pl day update 1 --police backup \
	--police-informed yes
has "to-confirm police_contact, phase"
fails "backup needs a contact" nl.ivtd.Day.NotConfirmable pl day confirm 1
errhas "contact"
ok "contact" pl day update 1 --police-contact "$CONTACT"
fails "needs the operationele fase" nl.ivtd.Day.NotConfirmable \
	pl day confirm 1
errhas "operationele fase"
ok "operationeel" pl project advance 1 --rationale "alle subjecten gereed"
ok "confirm" pl day confirm 1
has "status bevestigd"
fails "confirm twice" nl.ivtd.Conflict pl day confirm 1
fails "a confirmed day stays confirmable" nl.ivtd.Day.NotConfirmable \
	pl day update 1 --police none
ok "still backup" pl day show 1; has "police backup"

# --- who sees what
ok "pl show" pl day show 1
has "Dorpsstraat 12, 3511AB Utrecht"; has "Molenlaan 7"
has "Politie, UWV"
ok "uwv show (inlezen, adres)" uwv day show 1
has "Dorpsstraat 12"; has "^1  *1  *3511"
ok "politie show (no inlezen)" pol day show 1
hasnt "Dorpsstraat"; hasnt "Molenlaan"; has "^1  *1  *3511"
ok "privacy show" priv day show 1; hasnt "Dorpsstraat"; hasnt "3511 "
has "team [12]: [0-9] visits\{0,1\}, not shown to your role"
# The admin runs the system, not the day: the day, no visits.
ok "admin show" ctl --json day show 1
has '"planned": 3'; hasnt '"subject"'; hasnt '"pc4"'; hasnt Dorpsstraat
fails "woco not admitted" nl.ivtd.PermissionDenied wim day show 1
ok "woco lists nothing" wim --json day list; has '"days": \[\]'
ok "politie lists" pol day list 1; has "bevestigd"
ok "politie takes part: names" pol day show 1; has "UWV 2 (bob, dirk)"
ok "svb does not: numbers only" svb day show 1; has "UWV 2"; hasnt "bob"
ok "list by date" pl day list --from "$DAY" --to "$DAY"; has "^1 "
ok "list before" pl --json day list --to "$PAST"; has '"days": \[\]'
fails "list bad date" nl.ivtd.InvalidValue pl day list --from 2026-13-01

# --- suggestions on a second day (area with 3512AB, no SVB)
ok "day 2" pl day create 1 --date "$DAY2" --start 10:00 --end 15:00 \
	--area 3511AA-3511ZZ,3512AB --meeting-point "Wijkbureau" \
	--partners UWV=1 --visits-per-team 3
# Police "present" means officers on the day: the police among its partners.
ok "day 2: police present" pl day update 2 --police present \
	--police-informed yes
fails "present, but no police partner" nl.ivtd.Day.NotConfirmable \
	pl day confirm 2
errhas "the police among the partners"
ok "suggest" pl day suggest 2
cp "$OUT" "$E2E_DIR/suggest1"
has "^5  *3511  *1  *include"
has "^2  *3512  *-  *partner_absent  *SVB has an interest"
has "^6  *3511  *-  *partner_absent"
has "accept: ivtctl day plan 2 5"
ok "suggest again" pl day suggest 2
cmp -s "$OUT" "$E2E_DIR/suggest1" || die "suggest is not deterministic"
accept=$(sed -n 's/^accept: ivtctl //p' "$E2E_DIR/suggest1")
[ -n "$accept" ] || die "no suggestion to accept"
# shellcheck disable=SC2086
ok "accept" pl $accept
status_is 5 ingepland
ok "unplan" pl day unplan 2 5; has "released 1"
status_is 5 gereed
fails "unplan what is not planned" nl.ivtd.NotFound pl day unplan 2 5

# --- iCalendar, parsed by a real parser
# ivtctl runs as alice (2001) and writes the file itself.
install -d -o 2001 -m 0700 "$E2E_DIR/cal"
ICS="$E2E_DIR/cal/day1.ics"
ok "export" pl day export 1 --ics --output "$ICS"
fails "no overwrite" "File exists" pl day export 1 --ics --output "$ICS"
ok "export as partner" pol day export 1 --ics
cmp -s <(grep -v '^DTSTAMP' "$OUT") <(grep -v '^DTSTAMP' "$ICS") ||
	die "export differs per caller"
"$PY" - "$ICS" "$DAY" "$CONTACT" "$BSN1" >"$OUT" 2>"$ERR" <<'PY' ||
import sys, datetime
import icalendar
path, day, contact, bsn = sys.argv[1:5]
raw = open(path, "rb").read()
assert raw.endswith(b"\r\n"), "CRLF at the end"
for line in raw.split(b"\r\n")[:-1]:
    assert len(line) <= 75, "line longer than 75 octets"
    assert b"\n" not in line and b"\r" not in line, "bare CR or LF"
cal = icalendar.Calendar.from_ical(raw)
assert cal["VERSION"] == "2.0" and cal.get("PRODID")
tz = cal.walk("VTIMEZONE")
assert len(tz) == 1 and str(tz[0]["TZID"]) == "Europe/Amsterdam"
events = cal.walk("VEVENT")
assert len(events) == 1, "one event"
e = events[0]
for k in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "SEQUENCE"):
    assert e.get(k) is not None, k
start, end = e.decoded("DTSTART"), e.decoded("DTEND")
assert start.date().isoformat() == day, start
assert (start.hour, start.minute) == (9, 0) and (end.hour, end.minute) == (17, 0)
assert str(e["DTSTART"].params["TZID"]) == "Europe/Amsterdam"
off = start.utcoffset()
assert off in (datetime.timedelta(hours=1), datetime.timedelta(hours=2)), off
assert str(e["SUMMARY"]) == "Actiedag Wijkaanpak Noord"
assert str(e["LOCATION"]) == "Politiebureau Noord"
assert str(e["STATUS"]) == "CONFIRMED"
desc = str(e["DESCRIPTION"])
assert "UWV 2" in desc and "Politie 1" in desc and "achtervang" in desc, desc
text = raw.decode()
for secret in (bsn, "Jan Jansen", "Dorpsstraat", "Molenlaan", contact,
               "bob", "dirk", "fay"):
    assert secret not in text, "personal data in the calendar"
print("ics ok", e["UID"])
PY
	die "the iCalendar export does not validate"
has "ics ok actiedag-1-"

# --- assignments by name, and my
fails "gijs: SVB has no interest" nl.ivtd.Day.NotAssignable \
	pl subject assign 5 --to gijs
errhas "SVB has no interest in subject 5"
fails "fay: Politie may not read" nl.ivtd.Day.NotAssignable \
	pl subject assign 5 --to fay
errhas "does not let Politie read addresses"
fails "carol is no partner employee" nl.ivtd.Day.NotAssignable \
	pl subject assign 5 --to carol
fails "unknown user" nl.ivtd.NotFound pl subject assign 5 --to nobody
fails "planned on a day" nl.ivtd.Day.AlreadyPlanned \
	pl subject assign 1 --to bob
fails "not ready" nl.ivtd.Day.NotReady pl subject assign 7 --to bob
fails "partner may not assign" nl.ivtd.PermissionDenied \
	uwv subject assign 5 --to bob
usage "needs --to" pl subject assign 5
ok "assign" pl subject assign 5 --to bob
has "assigned-to bob"; has "org UWV"
status_is 5 ingepland
fails "assigned: not on a day" nl.ivtd.Day.AlreadyPlanned pl day plan 2 5
errhas "assigned to bob"
ok "bob: my" uwv my
has "days (1)"; has "bevestigd"; has "assignments (1)"
has "Beukenlaan 1, 3511EF Utrecht"
ok "dirk: my" dirk my; has "days (1)"; has "assignments (0)"
ok "gijs: my" svb my; has "days (0)"; has "assignments (0)"
ok "unassign" pl subject unassign 5; has "gereed"
status_is 5 gereed
fails "unassign twice" nl.ivtd.NotFound pl subject unassign 5
ok "bob: nothing assigned" uwv my; has "assignments (0)"

# --- cancel: subjects gereed again, audited; the day is closed
usage "cancel needs a reason" pl day cancel 1
fails "partner may not cancel" nl.ivtd.PermissionDenied \
	uwv day cancel 1 --reason x
ok "cancel" pl day cancel 1 --reason "Politie elders nodig"
has "status geannuleerd"; has "released 3"
for s in 1 3 4; do status_is "$s" gereed; done
fails "cancelled: no plans" nl.ivtd.Day.Closed pl day plan 1 1
fails "cancel twice" nl.ivtd.Day.Closed pl day cancel 1 --reason x
fails "cancelled: no changes" nl.ivtd.Day.Closed pl day update 1 \
	--teams 3
ok "bob: no days" uwv my; has "days (0)"
ok "export cancelled" pl day export 1 --ics; has "STATUS:CANCELLED"
ok "plan again elsewhere" pl day plan 2 3 4 5
has "day 2: 3 of 3 visits planned"

# --- the operational phase ends when its days and hand-outs have
fails "day 2 still to do" nl.ivtd.Conflict pl project advance 1 --rationale x
errhas "actiedag is still concept or bevestigd"

# --- the projectleider takes 7 out of the investigation
usage "drop needs a rationale" pl subject drop 7
fails "a partner may not drop" nl.ivtd.PermissionDenied \
	uwv subject drop 7 --rationale x
fails "planned: not dropped" nl.ivtd.Conflict pl subject drop 3 --rationale x
errhas "take it off its day"
ok "drop 7" pl subject drop 7 --rationale "Buiten doelgroep gevallen"
has "status vervallen"
fails "dropped twice" nl.ivtd.Conflict pl subject drop 7 --rationale x

# --- the audit trail
stop_daemon
db="$STATE/ivtd.db"
q() { sqlite3 "$db" "$1"; }
[ "$(q "SELECT DISTINCT activity FROM audit WHERE method LIKE 'nl.ivtd.Day.%' AND result='allowed'")" = ivt-06 ] ||
	die "actiedagen are processing activity ivt-06"
# Planning 1 and 3: an entry per address, and one per person (BSN).
[ "$(q "SELECT count(*) FROM audit WHERE method='nl.ivtd.Day.Plan' AND result='allowed' AND subject_type='address' AND length(subject)=64")" -ge 6 ] ||
	die "each planned subject is audited by pseudonym"
[ "$(q "SELECT count(*) FROM audit WHERE method='nl.ivtd.Day.Plan' AND subject_type='bsn'")" -ge 1 ] ||
	die "persons of a planned subject are audited"
[ "$(q "SELECT count(*) FROM audit WHERE method='nl.ivtd.Day.Cancel' AND result='allowed' AND subject_type='address'")" -eq 3 ] ||
	die "cancelling audits each released subject"
[ "$(q "SELECT count(*) FROM audit WHERE method='nl.ivtd.Day.Show' AND actor_name='bob' AND subject_type='address' AND fields LIKE '%straat%'")" -ge 3 ] ||
	die "addresses shown to a partner are audited"
[ "$(q "SELECT count(*) FROM audit WHERE method='nl.ivtd.Day.Show' AND actor_name='fay' AND subject <> ''")" -eq 0 ] ||
	die "nothing was disclosed to the police"
[ "$(q "SELECT count(*) FROM audit WHERE method LIKE 'nl.ivtd.Day.%' AND result='denied'")" -ge 5 ] ||
	die "denials are audited"
[ "$(q "SELECT count(*) FROM audit WHERE method='nl.ivtd.Day.Mine' AND actor_name='bob' AND subject_type='address'")" -ge 1 ] ||
	die "my discloses the assigned address, audited"
[ "$(q "SELECT count(*) FROM (SELECT 1 FROM audit WHERE subject <> '' AND method LIKE 'nl.ivtd.Day.%' GROUP BY trace_id, subject, subject_type HAVING count(*) > 1)")" -eq 0 ] ||
	die "one entry per data subject per call"
# Failed calls changed nothing: the refused plans left no visit behind.
[ "$(q "SELECT count(*) FROM day_subjects WHERE subject_id IN (2,6,7)")" -eq 0 ] ||
	die "refused plans left visits"
[ "$(q "SELECT count(*) FROM days")" -eq 2 ] || die "refused creates left days"
for f in "$db" "$db-wal" "$DLOG"; do
	[ -e "$f" ] || continue
	for secret in "$BSN1" "Jan Jansen" "Dorpsstraat" "Beukenlaan" \
		"Buiten doelgroep"; do
		! grep -q "$secret" "$f" || die "'$secret' in clear in $f"
	done
done
start_daemon
ok "verify" ctl audit verify; has intact
stop_daemon
done_ok
