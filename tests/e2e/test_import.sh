#!/usr/bin/env bash
# End-to-end: bulk import of verwondersubjecten from CSV through ivtctl —
# 1 000 generated rows with merged addresses, all-or-nothing on one bad
# row, both separators, quotes, BOM and CRLF, header errors, stdin,
# rights, and no clear BSN or name in the database file.
. "${IVT_E2E_LIB:-$(dirname "$0")/lib.sh}"
. "$(dirname "${IVT_E2E_LIB:-$0}")/fixture.sh"

start_daemon
fixture_project
ok "grant UWV" pl protocol grant 1 UWV --rights leveren,inlezen
# The generated rows (gen) and the hand-written files below.
pii Teststraat Testpersoon0 Testpersoon999 100000009 Kerkweg \
	"Naam Zonder Bsn" "Lange Nieuwstraat" "Jansen, Jan" 111222333 123456782

# gen FILE ROWS [BADLINE [SEP]]: ROWS data rows, every tenth at the
# address of the row before it (so 10% merge); BADLINE gets a BSN that
# fails the elfproef.  BSNs pass the elfproef, names are made up.
gen() {
	python3 - "$@" <<'PY'
import sys
path, rows = sys.argv[1], int(sys.argv[2])
bad = int(sys.argv[3]) if len(sys.argv) > 3 else 0
sep = sys.argv[4] if len(sys.argv) > 4 else ";"
def bsns():
    n = 100000000
    while True:
        n += 1
        d = [int(c) for c in str(n)]
        if (sum(d[i] * (9 - i) for i in range(8)) - d[8]) % 11 == 0:
            yield str(n)
g = bsns()
with open(path, "w", newline="") as f:
    f.write(sep.join(["straat", "huisnummer", "toevoeging", "postcode",
                      "woonplaats", "bsn", "naam", "geboortedatum",
                      "belang", "indicatoren"]) + "\n")
    nr = 0
    for i in range(rows):
        if i % 10 != 9:
            nr += 1
        pc = "3511%s%s" % (chr(65 + nr // 260 % 26), chr(65 + nr // 10 % 26))
        b = next(g)
        if i + 2 == bad:
            b = "123456789"
        f.write(sep.join(["Teststraat", str(nr % 10 + 1), "", pc, "Utrecht",
                          b, "Testpersoon%d" % i, "1980-01-01", "UWV",
                          "woonfraude"]) + "\n")
PY
}

count_subjects() {
	pl --json subject list 1 --limit 1000 >"$OUT" 2>"$ERR" ||
		die "subject list"
	grep -c '"pc4"' "$OUT" || true
}

# --- 1 000 rows, 100 of them at an address seen on the row before
gen "$E2E_DIR/big.csv" 1000
ok "import 1000" pl subject import 1 "$E2E_DIR/big.csv"
has "imported 1000 rows: 900 new subjects, 100 merged"
[ "$(count_subjects)" -eq 900 ] || die "expected 900 subjects"
ok "imported person findable" pl subject find --bsn 100000009
has "Teststraat"
ok "merged subject has two persons" pl --json subject show 9
has '"person_count": 2'
grep -q "100000009" "$STATE"/*.db* && die "clear BSN in the database file"
grep -q "Testpersoon" "$STATE"/*.db* && die "clear name in the database file"
NCHECK=$((NCHECK + 2))

# --- one bad row: nothing imported, the row named by its line
gen "$E2E_DIR/bad.csv" 50 37
fails "one bad row" "nothing imported" pl subject import 1 "$E2E_DIR/bad.csv"
grep -q "^line 37: bsn: " "$ERR" || die "bad row not named by line"
grep -q "123456789" "$ERR" && die "the bad value was echoed"
grep -q "1 bad row" "$ERR" || die "bad rows not counted"
[ "$(count_subjects)" -eq 900 ] || die "a bad file changed subjects"

# --- several kinds of bad rows in one file, all reported
printf 'straat;huisnummer;postcode;woonplaats;bsn;naam\n%s\n%s\n%s\n%s\n%s\n' \
	'Kerkweg;3;3512AB;Utrecht;;' \
	'Kerkweg;0;3512AB;Utrecht;;' \
	'Kerkweg;4;9999ZZ;Utrecht;;' \
	'Kerkweg;5;3512AB;Utrecht;;Naam Zonder Bsn' \
	'Kerkweg;6;3512AB;Utrecht' >"$E2E_DIR/kinds.csv"
fails "kinds" "4 bad rows: nothing imported" \
	pl subject import 1 "$E2E_DIR/kinds.csv"
grep -q "^line 3: huisnummer: " "$ERR" || die "huisnummer row"
grep -q "^line 4: postcode: outside the project area" "$ERR" || die "area"
grep -q "^line 5: bsn: a person needs a BSN" "$ERR" || die "naam row"
grep -q "^line 6: number of fields differs" "$ERR" || die "short row"
grep -q "^line 2" "$ERR" && die "good row reported"
NCHECK=$((NCHECK + 6))

# --- header errors
printf 'straat;postcode;woonplaats\nKerkweg;3512AB;Utrecht\n' \
	>"$E2E_DIR/nohn.csv"
fails "missing column" "huisnummer: required column missing" \
	pl subject import 1 "$E2E_DIR/nohn.csv"
printf 'straat;huisnummer;postcode;woonplaats;iban\n' >"$E2E_DIR/unk.csv"
fails "unknown column" "line 1: unknown column" \
	pl subject import 1 "$E2E_DIR/unk.csv"
: >"$E2E_DIR/empty.csv"
fails "empty file" "the file is empty" pl subject import 1 "$E2E_DIR/empty.csv"
printf 'straat;huisnummer;postcode;woonplaats\n' >"$E2E_DIR/head.csv"
fails "no rows" "the file has no rows" pl subject import 1 "$E2E_DIR/head.csv"
printf 'straat;huisnummer;postcode;woonplaats\n"Kerkweg;1;3512AB;U\n' \
	>"$E2E_DIR/open.csv"
fails "open quote" "line 2: the file ends inside a quoted field" \
	pl subject import 1 "$E2E_DIR/open.csv"

# --- commas, quotes, a BOM and CRLF as a spreadsheet writes them
printf '\xef\xbb\xbfStraat,Huisnummer,Toevoeging,Postcode,Woonplaats,BSN,Naam,Belang\r\n"Lange Nieuwstraat",7,bis,3512AB,Utrecht,111222333,"Jansen, Jan",UWV|SVB\r\n"Lange Nieuwstraat",7,BIS,3512 AB,Utrecht,123456782,"de ""Boer""",\r\n' \
	>"$E2E_DIR/excel.csv"
ok "comma file" pl subject import 1 "$E2E_DIR/excel.csv"
has "imported 2 rows: 1 new subjects, 1 merged"
ok "find it" pl --json subject find --bsn 111222333
has '"name": "Jansen, Jan"'; has '"toevoeging": "BIS"'; has '"partner": "SVB"'
ok "quoted quotes" pl --json subject find --bsn 123456782
has '"name": "de \\"Boer\\""'

# --- from stdin, quietly; the same address again merges
printf 'straat;huisnummer;postcode;woonplaats\nKerkweg;3;3512AB;Utrecht\nKerkweg;3;3512AB;Utrecht\n' |
	ok "stdin quiet" pl subject import 1 - --quiet
[ ! -s "$OUT" ] || die "--quiet printed something"
printf 'straat;huisnummer;postcode;woonplaats\nKerkweg;3;3512AB;Utrecht\n' |
	ok "stdin json" pl --json subject import 1 -
has '"subjects": 0'; has '"merged": 1'

# --- rights: a partner without leveren, the privacy officer, bad project
fails "svb may not deliver" nl.ivtd.PermissionDenied \
	svb subject import 1 "$E2E_DIR/head.csv"
fails "privacy may not" nl.ivtd.PermissionDenied \
	priv subject import 1 "$E2E_DIR/head.csv"
fails "no such project" nl.ivtd.NotFound pl subject import 9 "$E2E_DIR/head.csv"
fails "no such file" "No such file" pl subject import 1 "$E2E_DIR/none.csv"
ok "uwv delivers" uwv subject import 1 "$E2E_DIR/excel.csv"
has "imported 2 rows: 0 new subjects, 2 merged"
# Delivering without inlezen: how many rows met a subject already there
# would tell what the project held.
ok "grant politie leveren" pl protocol grant 1 Politie --rights leveren
ok "politie delivers" pol subject import 1 "$E2E_DIR/excel.csv"
has "imported 2 rows"; hasnt merged; hasnt "new subjects"
ok "politie delivers, json" pol --json subject import 1 "$E2E_DIR/excel.csv"
has '"rows": 2'; hasnt '"merged"'; hasnt '"subjects"'

# --- sessions: another user's session is not found, offsets must follow
ok "begin" pl --json call nl.ivtd.Import.Begin '{"project":1}'
SESSION=$(sed -n 's/.*"session": "\([0-9a-f]*\)".*/\1/p' "$OUT")
[ -n "$SESSION" ] || die "no session"
fails "foreign session" nl.ivtd.NotFound uwv call nl.ivtd.Import.Chunk \
	"{\"session\":\"$SESSION\",\"offset\":0,\"data\":\"x\"}"
fails "gap" nl.ivtd.Conflict pl call nl.ivtd.Import.Chunk \
	"{\"session\":\"$SESSION\",\"offset\":5,\"data\":\"x\"}"
fails "not complete" nl.ivtd.Conflict pl call nl.ivtd.Import.Commit \
	"{\"session\":\"$SESSION\"}"
ok "abort" pl call nl.ivtd.Import.Abort "{\"session\":\"$SESSION\"}"
fails "aborted" nl.ivtd.NotFound pl call nl.ivtd.Import.Commit \
	"{\"session\":\"$SESSION\"}"

# --- one organisation holds at most 4 imports, so it cannot lock out others
for u in 2101 2102 2103 2104; do
	ok "user $u" ctl user add "uwv$u" --uid "$u" --role partner --org UWV
done
for u in 2002 2101 2102 2103; do
	ok "begin $u" as "$u" "$IVTCTL" --socket "$SOCK" call \
		nl.ivtd.Import.Begin '{"project":1}'
done
fails "fifth of UWV" "too many imports" as 2104 "$IVTCTL" --socket "$SOCK" \
	call nl.ivtd.Import.Begin '{"project":1}'
ok "at the cap, one's own session is replaced" as 2101 "$IVTCTL" \
	--socket "$SOCK" call nl.ivtd.Import.Begin '{"project":1}'
ok "gemeente still may" pl call nl.ivtd.Import.Begin '{"project":1}'
ok "begin audited" ctl --json audit tail --last 1
has '"method":"nl.ivtd.Import.Begin"'; has '"activity":"ivt-04"'

# --- the audit trail has one entry per imported data subject
ok "audit" priv --json audit list --bsn 111222333
has '"activity": "ivt-04"'

stop_daemon
done_ok
