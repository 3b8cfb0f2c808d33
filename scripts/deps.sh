#!/usr/bin/env bash
# make deps: installs the real components that the tests and `make run` use,
# and only those that are missing, so it is quick the second time.
#   - mosquitto and mosquitto-clients (Debian packages): the MQTT broker the
#     tests start privately (internal/mosquittotest);
#   - chromium (Debian package): the live page's tests drive it headless,
#     with fonts-noto-cjk for the Japanese text; openssl for the deploy tests;
#   - influxd 1.8.10, built from source into the git-ignored .tools/bin
#     (about a minute): the time-series store (internal/influxtest, make run).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

INFLUXDB_VERSION=v1.8.10
TOOLS=$PWD/.tools/bin
GO=${GO:-go}

have_mosquitto() { command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ]; }

# apt_install installs Debian packages without starting their services: the
# tests start their own brokers, and a system Mosquitto would hold port 1883,
# which `make run` uses.
apt_install() {
	say "installing $* (apt-get)"
	local policy=/usr/sbin/policy-rc.d added=
	if [ ! -e "$policy" ]; then
		as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
		added=1
	fi
	local rc=0
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q || rc=$?
	if [ "$rc" = 0 ]; then
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" || rc=$?
	fi
	if [ -n "$added" ]; then
		as_root rm -f "$policy"
	fi
	[ "$rc" = 0 ] || die "apt-get failed ($rc) installing $*"
}

missing=()
have_mosquitto || missing+=(mosquitto)
command -v mosquitto_pub >/dev/null 2>&1 || missing+=(mosquitto-clients)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# Japanese text on the page and in its screenshots, and the board tables.
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
# The deploy tests make a board CA and client certificates.
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
	command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]}, and no apt-get to install them: install them by hand"
	apt_install "${missing[@]}"
fi

# The influxd in .tools/bin counts only if it was built from the wanted
# version (go version -m reads the module version recorded in the binary).
influxd_ok() {
	[ -x "$TOOLS/influxd" ] &&
		"$GO" version -m "$TOOLS/influxd" 2>/dev/null |
		grep -Eq "^[[:space:]]+mod[[:space:]]+github.com/influxdata/influxdb[[:space:]]+${INFLUXDB_VERSION}[[:space:]]"
}
if [ -n "${TIMECLOCK_INFLUXD:-}" ]; then
	[ -x "$TIMECLOCK_INFLUXD" ] || die "TIMECLOCK_INFLUXD=$TIMECLOCK_INFLUXD is not an executable"
elif ! influxd_ok; then
	say "building influxd $INFLUXDB_VERSION into .tools/bin (about a minute)"
	mkdir -p "$TOOLS"
	GOBIN=$TOOLS "$GO" install "github.com/influxdata/influxdb/cmd/influxd@$INFLUXDB_VERSION"
	influxd_ok || die "influxd $INFLUXDB_VERSION did not build"
fi

mosquitto_bin=$(command -v mosquitto 2>/dev/null || echo /usr/sbin/mosquitto)
say "ready: $("$mosquitto_bin" -h 2>&1 | head -n 1 || true);" \
	"$(chromium --version 2>/dev/null || echo chromium);" \
	"influxd ${TIMECLOCK_INFLUXD:-$INFLUXDB_VERSION}"
