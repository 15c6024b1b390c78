# fixture.sh - a project ready for subjects, built through ivtctl the way
# a projectleider would.  Source after lib.sh and start_daemon.
#
# Users:    alice 2001 projectleider (leads project 1)
#           bob 2002 partner UWV, fay 2006 partner Politie,
#           gijs 2007 partner SVB, carol 2003 privacy
# Project 1 "Wijkaanpak Noord", area 3511AA-3511ZZ and 3512AB, phase
#           voorbereidend, protocol registered; no partner admitted yet.

pl() { as 2001 "$IVTCTL" --socket "$SOCK" "$@"; }
uwv() { as 2002 "$IVTCTL" --socket "$SOCK" "$@"; }
pol() { as 2006 "$IVTCTL" --socket "$SOCK" "$@"; }
svb() { as 2007 "$IVTCTL" --socket "$SOCK" "$@"; }
priv() { as 2003 "$IVTCTL" --socket "$SOCK" "$@"; }

fixture_project() {
	ok "fixture: partners" ctl partner add UWV --kind landelijke_dienst
	ok "fixture: partners" ctl partner add Politie --kind politie
	ok "fixture: partners" ctl partner add SVB --kind landelijke_dienst
	ok "fixture: users" ctl user add alice --uid 2001 --role projectleider
	ok "fixture: users" ctl user add bob --uid 2002 --role partner --org UWV
	ok "fixture: users" ctl user add fay --uid 2006 --role partner --org Politie
	ok "fixture: users" ctl user add gijs --uid 2007 --role partner --org SVB
	ok "fixture: users" ctl user add carol --uid 2003 --role privacy
	ok "fixture: project" pl project create "Wijkaanpak Noord" \
		--gemeente Utrecht --problem "Woonfraude" \
		--area 3511AA-3511ZZ,3512AB --legal-basis "LSI-convenant" \
		--purpose "Handhaving"
	ok "fixture: verkennend" pl project advance 1 --rationale start
	for gate in probleemdefinitie collegebesluit rpf lsi; do
		ok "fixture: $gate" pl project decide 1 "$gate" --go \
			--rationale akkoord
	done
	ok "fixture: voorbereidend" pl project advance 1 --rationale "alle GO"
	ok "fixture: protocol" pl protocol register 1 --date 2026-11-01 \
		--ref "AP-2026-118"
}
