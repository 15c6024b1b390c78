#!/usr/bin/env bash
# End-to-end: the demo run-demo seeds into a fresh daemon — a project
# through its GO decisions with twenty fictitious subjects out for
# actualisation — and a second run leaves an existing daemon alone.
. "${IVT_E2E_LIB:-$(dirname "$0")/lib.sh}"
ROOT=$(cd "$(dirname "${IVT_E2E_LIB:-$0}")/../.." && pwd)
pii_csv "$ROOT/conf/demo-selectie.csv"

# The demo data is fictitious, but handled as the real thing would be.
pii_csv "$ROOT/conf/demo-selectie.csv"
start_daemon
ok "seed" env IVTCTL="$IVTCTL" sh "$ROOT/scripts/demo-seed" "$SOCK"
has "Demo project 1 is ready"
ok "project" ctl project show 1; has "voorbereidend"; has "Demo: Wijkaanpak"
# Root is the admin and reads no subjects; the demo's projectleider does.
fails "admin reads no subjects" nl.ivtd.PermissionDenied ctl subject list 1
ok "subjects" as 1001 "$IVTCTL" --socket "$SOCK" --json subject list 1
[ "$(grep -c '"status": "in_actualisatie"' "$OUT")" -eq 20 ] ||
	die "expected 20 subjects in actualisation"
ok "protocol" ctl protocol show 1; has "UWV"; has "Politie"
ok "again" env IVTCTL="$IVTCTL" sh "$ROOT/scripts/demo-seed" "$SOCK"
hasnt "ready"
ok "one project" ctl --json project list
[ "$(grep -c '"id"' "$OUT")" -eq 1 ] || die "seeded twice"
ok "audit intact" ctl audit verify
stop_daemon
done_ok
