# shellcheck shell=bash
# Shared by the scripts in this directory (sourced, not run).

# say prints a message prefixed with the script's name.
say() { printf '%s: %s\n' "${0##*/}" "$*"; }

# die prints a message and exits 1.
die() { say "$*" >&2; exit 1; }

# as_root runs a command as root: directly when we are root, else with sudo
# when it works without a password prompt.
as_root() {
	if [ "$(id -u)" = 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo -n "$@" || die "need root for: $* (run it with sudo, or as root)"
	else
		die "need root for: $* (no sudo here)"
	fi
}

# influxd_bin prints the influxd to use, as the tests find it:
# $TIMECLOCK_INFLUXD, else .tools/bin/influxd, else influxd in PATH.
influxd_bin() {
	if [ -n "${TIMECLOCK_INFLUXD:-}" ]; then
		echo "$TIMECLOCK_INFLUXD"
	elif [ -x .tools/bin/influxd ]; then
		echo "$PWD/.tools/bin/influxd"
	else
		command -v influxd
	fi
}
