#!/usr/bin/env bash
# End-to-end: the walking skeleton.  A real ivtd on a temporary directory,
# driven through ivtctl as root (the first admin) and as other uids.
. "${IVT_E2E_LIB:-$(dirname "$0")/lib.sh}"

# --- versions and help, no daemon needed
ok "ivtd --version" "$IVTD" --version; has "ivtd 0.1.0"
ok "ivtctl --version" "$IVTCTL" --version; has "ivtctl 0.1.0"
ok "ivtctl --help" "$IVTCTL" --help; has "user add"
rc=0; ctl whoami >"$OUT" 2>"$ERR" || rc=$?
[ "$rc" -eq 3 ] || die "no daemon: expected exit 3, got $rc"

start_daemon
[ "$(stat -c %a "$STATE/master.key")" = 600 ] || die "key file mode"
[ "$(stat -c %a "$STATE")" = 711 ] || die "state dir mode"
grep -q "socket    $SOCK" "$DLOG" || die "start-up does not print paths"

# --- a second daemon on the same state refuses to start
rc=0; "$IVTD" --config "$CONF" >"$OUT" 2>"$ERR" || rc=$?
[ "$rc" -ne 0 ] && grep -q "another ivtd is running" "$ERR" ||
	die "second daemon was not refused"

# --- introspection (any varlink client can read the interfaces)
ok "service info" ctl service info
has "nl.ivtd.User"; has "org.varlink.service"
ok "describe" ctl service describe nl.ivtd.User; has "method Add("
fails "describe unknown" org.varlink.service.InterfaceNotFound \
	ctl service describe nl.ivtd.Nope
ok "info as unknown uid" as 54321 "$IVTCTL" --socket "$SOCK" service info

# --- identity: the starting uid (root) is admin
ok "whoami" ctl whoami; has "admin"
ok "whoami json" ctl --json whoami; has '"role": "admin"'

# --- partners and users
ok "partner add" ctl partner add UWV --kind landelijke_dienst
fails "partner twice" nl.ivtd.AlreadyExists ctl partner add UWV --kind zorg
fails "partner bad kind" org.varlink.service.InvalidParameter \
	ctl call nl.ivtd.Partner.Add '{"name":"SVB","kind":"bakkerij"}'
fails "partner empty name" nl.ivtd.InvalidValue \
	ctl call nl.ivtd.Partner.Add '{"name":"  ","kind":"zorg"}'
ok "user add pl" ctl user add alice --uid 2001 --role projectleider
ok "user add partner" ctl user add bob --uid 2002 --role partner --org UWV
ok "user add privacy" ctl user add carol --uid 2003 --role privacy
fails "user dup uid" nl.ivtd.AlreadyExists \
	ctl user add alice2 --uid 2001 --role privacy
fails "partner without org" nl.ivtd.InvalidValue \
	ctl user add dave --uid 2004 --role partner
fails "org unknown" nl.ivtd.NotFound \
	ctl user add dave --uid 2004 --role partner --org Nope
fails "bad role" nl.ivtd.InvalidValue \
	ctl user add dave --uid 2004 --role god
fails "bad name" nl.ivtd.InvalidValue \
	ctl user add "da ve" --uid 2004 --role privacy
ok "user list" ctl user list
has "alice"; has "bob"; has "UWV"; has "projectleider"

ok "pl whoami" as 2001 "$IVTCTL" --socket "$SOCK" whoami; has projectleider
ok "partner whoami" as 2002 "$IVTCTL" --socket "$SOCK" whoami; has UWV
fails "pl may not list users" nl.ivtd.PermissionDenied \
	as 2001 "$IVTCTL" --socket "$SOCK" user list
fails "unknown uid" nl.ivtd.PermissionDenied \
	as 54321 "$IVTCTL" --socket "$SOCK" whoami
fails "privacy may not add users" nl.ivtd.PermissionDenied \
	as 2003 "$IVTCTL" --socket "$SOCK" user add x --uid 9 --role admin

# --- disabling takes effect at once; re-enabling restores
ok "disable" ctl user disable alice
fails "disabled user" nl.ivtd.PermissionDenied \
	as 2001 "$IVTCTL" --socket "$SOCK" whoami
ok "list shows disabled" ctl user list; has "disabled"
ok "enable" ctl user enable alice
ok "enabled again" as 2001 "$IVTCTL" --socket "$SOCK" whoami
fails "disable self" nl.ivtd.Conflict ctl user disable root
fails "disable unknown" nl.ivtd.NotFound ctl user disable nobody

# --- standard varlink errors
fails "unknown method" org.varlink.service.MethodNotFound \
	ctl call nl.ivtd.User.Explode '{}'
fails "unknown interface" org.varlink.service.InterfaceNotFound \
	ctl call com.example.Foo.Bar '{}'
fails "missing parameter" org.varlink.service.InvalidParameter \
	ctl call nl.ivtd.User.Add '{"name":"x"}'
fails "wrong type" org.varlink.service.InvalidParameter \
	ctl call nl.ivtd.User.Add '{"uid":"7","name":"x","role":"admin"}'
fails "unknown parameter" org.varlink.service.InvalidParameter \
	ctl call nl.ivtd.WhoAmI '{"extra":1}'
long=$(printf 'x%.0s' $(seq 1 65))
fails "over limit" org.varlink.service.InvalidParameter \
	ctl user add "$long" --uid 2005 --role privacy

# --- protocol: pipelining, garbage, oversize; the daemon keeps serving
printf '{"method":"org.varlink.service.GetInfo"}\0{"method":"nl.ivtd.WhoAmI"}\0{"method":"nl.ivtd.Nope.X"}\0' |
	raw >"$OUT"
[ "$(wc -l <"$OUT")" -eq 3 ] || die "pipelined: expected 3 replies"
sed -n 1p "$OUT" | inq '"interfaces"' || die "pipelined reply 1"
sed -n 2p "$OUT" | inq '"role":"admin"' || die "pipelined reply 2"
sed -n 3p "$OUT" | inq 'InterfaceNotFound' || die "pipelined reply 3"
printf 'this is not json\0{"method":"nl.ivtd.WhoAmI"}\0' | raw >"$OUT"
[ "$(wc -l <"$OUT")" -eq 1 ] && has ProtocolError ||
	die "garbage must get one error and a closed connection"
printf '[1,2]\0' | raw >"$OUT"; has ProtocolError
printf '{"parameters":{}}\0' | raw >"$OUT"; has ProtocolError
python3 -c 'import sys; sys.stdout.write("{\"method\":\"" + "x"*(1100*1024) + "\"}\0")' |
	raw >"$OUT"
has "message too large"
ok "still serving" ctl whoami

# --- audit chain: intact, then tampered with the sqlite3 shell
ok "verify" ctl audit verify; has "intact"
ok "privacy may verify" as 2003 "$IVTCTL" --socket "$SOCK" audit verify
fails "pl may not verify" nl.ivtd.PermissionDenied \
	as 2001 "$IVTCTL" --socket "$SOCK" audit verify
stop_daemon
n=$(sqlite3 "$STATE/ivtd.db" "SELECT count(*) FROM audit")
[ "$n" -gt 10 ] || die "expected audit entries, got $n"
sqlite3 "$STATE/ivtd.db" \
	"SELECT count(*) FROM audit WHERE result='denied'" | inq -v '^0$' ||
	die "denials are not audited"
cp "$STATE/ivtd.db" "$E2E_DIR/pristine.db"

sqlite3 "$STATE/ivtd.db" "UPDATE audit SET actor_name='mallory' WHERE seq=5"
start_daemon
rc=0; ctl audit verify >"$OUT" 2>"$ERR" || rc=$?
[ "$rc" -eq 1 ] && has "entry 5" || die "edited entry 5 not detected"
stop_daemon

cp "$E2E_DIR/pristine.db" "$STATE/ivtd.db"
sqlite3 "$STATE/ivtd.db" "DELETE FROM audit WHERE seq=7"
start_daemon
rc=0; ctl audit verify >"$OUT" 2>"$ERR" || rc=$?
[ "$rc" -eq 1 ] && has "entry 7" || die "deleted entry 7 not detected"
stop_daemon

# Deleting the tail below the shutdown checkpoint is detected too.
cp "$E2E_DIR/pristine.db" "$STATE/ivtd.db"
sqlite3 "$STATE/ivtd.db" "DELETE FROM audit WHERE seq >= $((n - 1))"
start_daemon
rc=0; ctl audit verify >"$OUT" 2>"$ERR" || rc=$?
[ "$rc" -eq 1 ] && has "truncated" || die "truncated tail not detected"
stop_daemon

# --- the key file must not be readable by others
cp "$E2E_DIR/pristine.db" "$STATE/ivtd.db"
chmod 644 "$STATE/master.key"
rc=0; "$IVTD" --config "$CONF" >"$OUT" 2>"$ERR" || rc=$?
[ "$rc" -ne 0 ] && grep -q "chmod 600" "$ERR" || die "loose key accepted"
chmod 600 "$STATE/master.key"
start_daemon
ok "verify after restore" ctl audit verify; has "intact"
stop_daemon

# --- nothing sensitive in the daemon log: no key bytes, no SQL values
grep -qi "mallory" "$DLOG" && die "daemon log holds row data"
done_ok
