#!/usr/bin/env bash
# make test: go test -race -count=1 (never from the test cache) over the whole module, against the real Mosquitto
# and influxd that the test helpers start (make deps installs them). Ends with
# a line that says which real components ran and how often; when the whole
# suite runs (no TESTFLAGS) and neither ran, it fails: the real-component
# tests must not silently drop out.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
GO=${GO:-go}

record=$(mktemp)
trap 'rm -f "$record"' EXIT
export TIMECLOCK_COMPONENT_LOG=$record

# The helpers' own packages run verbose, so the log shows the real
# components at work (each start logs its binary and version).
verbose=(timeclock/internal/mosquittotest timeclock/internal/influxtest)
mapfile -t others < <("$GO" list ./... | grep -vxF "${verbose[@]/#/-e}")
read -r -a extra <<<"${TESTFLAGS:-}"
status=0
"$GO" test -race -count=1 -timeout 30m "${extra[@]}" "${others[@]}" || status=$?
"$GO" test -race -count=1 -timeout 30m -v "${extra[@]}" "${verbose[@]}" || status=$?

# One line per component: name version ×starts (binary).
summary=$(awk -F'\t' '{k = $1 " " $2 " (" $3 ")"; n[k]++}
	END {for (k in n) {printf "%s%s ×%d", sep, k, n[k]; sep = "; "}}' "$record")
say "real components started: ${summary:-none}"
if [ "$status" = 0 ] && [ -z "${TESTFLAGS:-}" ]; then
	for c in mosquitto influxd; do
		grep -q "^$c	" "$record" || die "no real $c was started: the real-component tests did not run"
	done
fi
exit "$status"
