#!/bin/sh
# Install the Debian packages ivtd needs to build and run; with "test",
# also what the test suite needs (Chromium renders the HTML report, clang
# with libclang-rt builds the libFuzzer targets); with "bench", Redis as
# the benchmark's peer reference (tests/bench/ivtbench).
# Run by run-demo and run-tests; safe to run again.
set -eu
IVT_PKGS="build-essential cmake pkg-config libevent-dev libsqlite3-dev \
libsodium-dev libjansson-dev libcmocka-dev sqlite3 util-linux python3 \
python3-icalendar"
case "${1:-}" in
test) IVT_PKGS="$IVT_PKGS chromium clang libclang-rt-14-dev" ;;
bench) IVT_PKGS="$IVT_PKGS redis-server redis-tools" ;;
esac
missing=""
for p in $IVT_PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
