#!/usr/bin/env bash
# End-to-end: a complete project, from creation to the final report —
# GO decisions, protocol, subjects, actualisation, an actiedag planned,
# confirmed and carried out, findings with follow-up, effect measurement
# and the report in every format, the HTML rendered by Chromium.
. "${IVT_E2E_LIB:-$(dirname "$0")/lib.sh}"
. "$(dirname "${IVT_E2E_LIB:-$0}")/fixture.sh"

TODAY=$(date -u +%F)
PAST=$(date -u -d '-30 days' +%F)
FUTURE=$(date -u -d '+30 days' +%F)
start_daemon
fixture_project
ok "grant uwv" pl protocol grant 1 UWV --rights leveren,bewerken,inlezen
ok "grant politie" pl protocol grant 1 Politie --rights leveren

# --- twelve subjects imported from the analysis; UWV has an interest in all
streets=(Dorpsstraat Kerkweg Molenlaan Beukenlaan Eikenlaan Lindelaan
	Esdoornlaan Wilgenlaan Populierlaan Kastanjelaan Berkenlaan Iepenlaan)
pii "${streets[@]}"
{
	echo "straat;huisnummer;postcode;woonplaats;belang;indicatoren"
	for i in $(seq 1 12); do
		echo "${streets[$((i - 1))]};$i;3511AB;Utrecht;UWV;woonfraude"
	done
} >"$E2E_DIR/selectie.csv"
ok "import" pl subject import 1 "$E2E_DIR/selectie.csv"
has "imported 12 rows: 12 new subjects"
ok "actualise" pl subject actualise 1; has "sent 12"
for i in $(seq 1 11); do ok "relevant $i" uwv subject answer "$i" relevant; done
ok "vervallen 12" uwv subject answer 12 vervallen --reason verhuisd

# --- an actiedag today, planned, confirmed, carried out
ok "operationeel" pl project advance 1 --rationale "selectie gereed"
ok "day" pl day create 1 --date "$TODAY" --start 00:00 --end 23:59 \
	--area 3511AA-3511ZZ --meeting-point "Wijkbureau Noord" \
	--partners UWV=1,Politie=1 --staff bob,fay --teams 2 \
	--visits-per-team 8 --police present --police-informed yes
ok "plan" pl day plan 1 $(seq 1 11)
fails "done before confirmed" nl.ivtd.Conflict pl day done 1
ok "confirm" pl day confirm 1
# During the day: a finding names the day its subject is planned on, and
# only a partner on that day records one there.
fails "a planned visit names its day" nl.ivtd.InvalidValue uwv finding add 1 \
	--visit "$TODAY" --category zwartwerk --notes x
errhas "planned on day 1"
ok "grant svb" pl protocol grant 1 SVB --rights leveren
fails "svb was not on the day" nl.ivtd.InvalidValue svb finding add 1 \
	--visit "$TODAY" --day 1 --category zwartwerk --notes x
errhas "not on this day"
ok "revoke svb" pl protocol revoke 1 SVB
ok "not home" uwv finding add 11 --visit "$TODAY" --day 1 \
	--category niet_aangetroffen --notes "Niemand thuis"
ok "still planned" pl subject show 11; has "status ingepland"
# A day on which something was found took place: it is not cancelled,
# and a visit with a finding is not taken off it.
fails "a day with findings stays" nl.ivtd.Conflict pl day cancel 1 \
	--reason "toch niet"
errhas "mark it done"
fails "a visit with findings stays" nl.ivtd.Conflict pl day unplan 1 11
fails "partner may not close a day" nl.ivtd.PermissionDenied uwv day done 1
ok "done" pl day done 1; has "11 planned subjects"
ok "visited" pl subject show 1; has "status gecontroleerd"
# The visits of a day carried out are what it did: still shown.
ok "done day shows its visits" pl day show 1; has "planned 11"
has "Dorpsstraat 1,"

# --- findings: partners record what they found
fails "no findings by the pl" nl.ivtd.PermissionDenied pl finding add 1 \
	--visit "$TODAY" --day 1 --category zwartwerk --notes x
fails "future visit" nl.ivtd.InvalidValue uwv finding add 1 \
	--visit "$FUTURE" --category zwartwerk --notes x
fails "wrong day date" nl.ivtd.InvalidValue uwv finding add 1 \
	--visit "$PAST" --day 1 --category zwartwerk --notes x
fails "follow-up needs due" nl.ivtd.InvalidValue uwv finding add 1 \
	--visit "$TODAY" --day 1 --category zwartwerk --notes x \
	--action terugvordering
fails "bad category" org.varlink.service.InvalidParameter uwv finding add 1 \
	--visit "$TODAY" --day 1 --category diefstal --notes x
fails "not visited" nl.ivtd.Conflict uwv finding add 12 --visit "$TODAY" \
	--category zwartwerk --notes x
for i in 1 2 3 4 5 6; do
	ok "fraud $i" uwv finding add "$i" --visit "$TODAY" --day 1 \
		--category uitkeringsfraude --action terugvordering \
		--due "$FUTURE" --notes "Inkomsten niet gemeld door bewoner $i"
done
for i in 7 8 9; do
	ok "nothing $i" uwv finding add "$i" --visit "$TODAY" --day 1 \
		--category geen_bijzonderheden --notes "Niets aan de hand"
done
ok "address fraud" uwv finding add 10 --visit "$TODAY" --day 1 \
	--category adresfraude --action brp_onderzoek --owner Politie \
	--due "$PAST" --notes "Twee gezinnen ingeschreven, een aangetroffen"
ok "police on 1" pol finding add 1 --visit "$TODAY" --day 1 \
	--category zorgsignaal --action zorgmelding --due "$FUTURE" \
	--notes "Zorgen over kinderen"
ok "list (inlezen)" uwv finding list 1
has "zorgsignaal"; has "Zorgen over kinderen"; has "Inkomsten niet gemeld"
ok "politie: own only" pol finding list 1
has "zorgsignaal"; hasnt "uitkeringsfraude"
# Another organisation's notes need inlezen of every field.
ok "uwv reads names only" pl protocol grant 1 UWV --rights inlezen \
	--fields naam
ok "uwv: own notes only" uwv finding list 1
has "zorgsignaal"; hasnt "Zorgen over kinderen"; has "Inkomsten niet gemeld"
ok "uwv reads all again" pl protocol grant 1 UWV --rights inlezen \
	--fields adres,bsn,naam,geboortedatum
ok "edit" uwv finding update 2 --notes "Inkomsten uit verhuur niet gemeld"
fails "not yours" nl.ivtd.PermissionDenied pol finding update 3 --notes x
ok "history" uwv finding history 2; has "uitkeringsfraude"
ok "latest" uwv finding list 1; has "uit verhuur"

# --- nobody was home at 11: visited again, by name
fails "something was found at 1" nl.ivtd.Conflict pl subject revisit 1
errhas "niet_aangetroffen"
fails "a partner may not" nl.ivtd.PermissionDenied uwv subject revisit 11
fails "not visited yet" nl.ivtd.Conflict pl subject revisit 12
ok "revisit 11" pl subject revisit 11; has "status gereed"
ok "assign 11" pl subject assign 11 --to bob
ok "nobody home again" uwv finding add 11 --visit "$TODAY" \
	--category niet_aangetroffen --notes "Weer niemand thuis"
ok "11 visited" pl subject show 11; has "status afgehandeld"
# A revisit ends the visit by name: the subject is handed out anew.
ok "revisit 11 again" pl subject revisit 11; has "status gereed"
ok "bob: nothing assigned" uwv my; has "assignments (0)"
ok "assign 11 again" pl subject assign 11 --to bob
ok "third visit" uwv finding add 11 --visit "$TODAY" \
	--category geen_bijzonderheden --notes "Bewoner thuis"
ok "11 handled" pl subject show 11; has "status afgehandeld"
# Nothing to follow up: handled at once.  A follow-up opens it again,
# until it is done; another follow-up is a new one.
fails "a follow-up needs its date" nl.ivtd.InvalidValue \
	uwv finding update 14 --action nader_onderzoek
ok "a follow-up after all" uwv finding update 14 --action nader_onderzoek \
	--due "$FUTURE"
ok "11 open" pl subject show 11; has "status gecontroleerd"
ok "followed up" uwv followup done 14
ok "11 handled again" pl subject show 11; has "status afgehandeld"
ok "another follow-up" uwv finding update 14 --action terugvordering
has "terugvordering  *UWV  *[0-9-]*  *no "
ok "11 open again" pl subject show 11; has "status gecontroleerd"
ok "followed up again" uwv followup done 14
ok "11 handled at last" pl subject show 11; has "status afgehandeld"

# --- follow-up
ok "overdue" pl followup list 1 --overdue
has "adresfraude"; hasnt "uitkeringsfraude"
# Follow-ups are listed per project: without one, a usage error.
rc=0; pl followup list >"$OUT" 2>"$ERR" || rc=$?
[ "$rc" -eq 2 ] || die "followup list without a project: exit $rc"
fails "the admin reads no follow-ups" nl.ivtd.PermissionDenied \
	ctl followup list 1
# The owner of a follow-up sees the finding's category, not its notes; a
# category (adresfraude, zorgsignaal) is about the residents, so it is
# audited as such.
ok "politie's follow-ups" pol followup list 1
has "adresfraude"; hasnt "Twee gezinnen"
ok "category audited" ctl --json audit list --org Politie --activity ivt-08
has '"fields": "bevinding.categorie"'
fails "someone else's follow-up" nl.ivtd.PermissionDenied \
	uwv followup done 11
ok "brp done" pol followup done 11
ok "10 afgehandeld" pl subject show 10; has "status afgehandeld"
for f in 3 4 5 6 7; do ok "done $f" uwv followup done "$f"; done
fails "done twice" nl.ivtd.Conflict uwv followup done 3
fails "no follow-up" nl.ivtd.Conflict uwv followup done 8

# --- effect measurement and the evaluation phase
fails "value out of range" nl.ivtd.InvalidValue \
	pl measure set 1 meldingen_overlast 1e300 --phase 0 --source "Politie BVH"
ok "m0" pl measure set 1 meldingen_overlast 40 --phase 0 --source "Politie BVH" \
	--date "$PAST"
ok "m1" pl measure set 1 meldingen_overlast 26 --phase 1 --source "Politie BVH"
ok "l0" pl measure set 1 leegstand 12 --phase 0 --source BAG
ok "l1" pl measure set 1 leegstand 9 --phase 1 --source BAG
ok "m1 corrected" pl measure set 1 meldingen_overlast 25 --phase 1 \
	--source "Politie BVH"
# A value replaces the last; the log keeps each.
ok "measures in the log" priv --json audit list --project 1 --limit 1000
has "measure:meldingen_overlast phase:1 value:26 on:"
has "measure:meldingen_overlast phase:1 value:25 on:"
fails "phase 2" nl.ivtd.InvalidValue pl call nl.ivtd.Finding.MeasureSet \
	'{"project":1,"phase":2,"indicator":"x","value":1,"source":"s"}'
fails "partner may not measure" nl.ivtd.PermissionDenied \
	uwv measure set 1 x 1 --phase 0 --source s
ok "evaluatie" pl project advance 1 --rationale "laatste actiedag"

# --- the report: figures, suppression, formats
ok "report json" pl --json report 1
python3 - "$OUT" <<'PY' || die "report figures"
import json, sys
r = json.load(open(sys.argv[1]))["report"]
def eq(path, want):
    v = r
    for k in path.split("."):
        v = v[k]
    assert v == want, f"{path}: {v!r} != {want!r}"
eq("subjects.total", 12)
# afgehandeld 10: 2-6 and 10 (follow-ups done), 7-9 and 11 (nothing to
# follow up); gecontroleerd 1 (subject 1: two follow-ups open); vervallen
# 1 (12).  The two small cells alone under kleine_aantallen would be
# 12 - 10, so the only named cell goes with them.
by = r["subjects"]["by_status"]
assert list(by) == ["kleine_aantallen"], by
eq("subjects.by_status.kleine_aantallen", 12)
eq("findings.total", 14)
eq("findings.by_partner.UWV", 13)
eq("findings.by_partner.Politie", None)     # 1: suppressed
eq("findings.by_category.uitkeringsfraude", 6)
# geen_bijzonderheden 4, niet_aangetroffen 2, adresfraude and zorgsignaal
# 1 each: none named (one zorgsignaal would point at a household)
assert sorted(r["findings"]["by_category"]) == \
    ["kleine_aantallen", "uitkeringsfraude"], r["findings"]["by_category"]
eq("findings.by_category.kleine_aantallen", 8)
eq("visited", 11)
# 1-6 and 10; nobody home (11) and nothing found (7-9) are no hits
eq("hits", 7)
assert abs(r["hit_rate"] - 0.636) < 0.001, r["hit_rate"]
eq("indicators.woonfraude.selected", 12)
eq("indicators.woonfraude.visited", 11)
eq("indicators.woonfraude.hits", 7)
assert abs(r["indicators"]["woonfraude"]["hit_rate"] - 0.636) < 0.001
eq("followups.total", 9)
eq("followups.done", 7)
assert abs(r["followups"]["completion"] - 7 / 9) < 0.001, r["followups"]
eq("days.used", 1)
e = {x["indicator"]: x for x in r["effect"]}
assert e["meldingen_overlast"]["change"] == -15
assert e["meldingen_overlast"]["change_pct"] == -37.5
assert e["leegstand"]["zero"] == 12 and e["leegstand"]["one"] == 9
assert r["project"]["deadline"] == "on_time"
PY
ok "report text" pl report 1
has "Visited 11, with findings 7, hit rate 63.6%"; has "<5"
has "^  woonfraude  *12  *11  *7  *63.6%"
has "meldingen_overlast"
ok "privacy reads the report" priv report 1
has "kleine_aantallen"; hasnt "zorgsignaal"; hasnt "adresfraude"
# Politie delivers but does not read: the live figures would tell it
# whether its next finding lands where another partner found something.
fails "a partner without inlezen gets no report" nl.ivtd.PermissionDenied \
	pol report 1
ok "uwv (inlezen) reads it" uwv report 1; has "uitkeringsfraude"
ok "report csv" pl report 1 --csv
has '"category","uitkeringsfraude","6"'; has '"partner","Politie","<5"'
has '"indicator","woonfraude.hits","7"'
# The projectleider writes the file: give them a directory of their own.
install -d -o 2001 -g 2001 "$E2E_DIR/pl"
ok "report html" pl report 1 --html "$E2E_DIR/pl/report.html"
cp "$E2E_DIR/pl/report.html" "$E2E_DIR/report.html"
fails "no overwrite" "must not exist" pl report 1 --html "$E2E_DIR/pl/report.html"
grep -q "<svg" "$E2E_DIR/report.html" || die "no charts"
! grep -q "src=\|href=\|@import\|url(" "$E2E_DIR/report.html" ||
	die "the report must not load external assets"
# No personal data in any report format.
for f in "$E2E_DIR/report.html"; do
	for s in Dorpsstraat Kerkweg Inkomsten Zorgen "Twee gezinnen"; do
		! grep -q "$s" "$f" || die "'$s' in the report"
	done
done
ok "report csv again" pl report 1 --csv; hasnt Dorpsstraat
# Render it as a person would see it.
CHROME=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROME" ] || die "chromium is needed to render the report"
"$CHROME" --headless --no-sandbox --disable-gpu --disable-quic \
	--no-first-run --disable-background-networking \
	--disable-component-update --disable-sync \
	--user-data-dir="$E2E_DIR/chrome" --window-size=1000,1400 \
	--screenshot="$E2E_DIR/report.png" "file://$E2E_DIR/report.html" \
	>"$E2E_DIR/chrome.log" 2>&1 || die "chromium failed to render"
[ -s "$E2E_DIR/report.png" ] || die "no screenshot"
python3 - "$E2E_DIR/report.png" <<'PY' || die "screenshot is blank"
import sys, zlib, struct
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
w, h = struct.unpack(">II", data[16:24])
assert w >= 800 and h >= 800, (w, h)
# A blank page compresses to almost nothing; tables and bars do not.
assert len(data) > 20000, len(data)
PY
[ -n "${IVT_KEEP_REPORT_PNG:-}" ] && cp "$E2E_DIR/report.png" "$IVT_KEEP_REPORT_PNG"
stop_daemon
! grep -q "Inkomsten\|Zorgen over" "$STATE/ivtd.db" || die "notes in clear"
done_ok
