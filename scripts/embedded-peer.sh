#!/usr/bin/env bash
# The shared peer benchmark (../shared/bench/ours-peer.sh) with the
# aggregator's embedded broker instead of an external Mosquitto: the same
# loadgen, roster and InfluxDB, the taps published straight into
# `aggregator serve -broker-listen`. Run it alternately with ours-peer.sh to
# compare the two brokers.
#   scripts/embedded-peer.sh [N]        (default 100000; make build first)
#   BENCH_DIR=../shared/bench           where ours-peer.sh is
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
N=${1:-100000}
bench=${BENCH_DIR:-../shared/bench}
[ -f "$bench/ours-peer.sh" ] || die "no $bench/ours-peer.sh (set BENCH_DIR)"
[ -x bin/aggregator ] || die "build first (make build)"
variant=$(mktemp "$bench/.embedded-peer.XXXXXX.sh")
trap 'rm -f "$variant"' EXIT
# Two edits, each checked: no Mosquitto is started, and the aggregator
# listens on the port the loadgen publishes to.
sed -e 's|^mosquitto -c .*$|mqp=|' \
	-e 's|-mqtt-url tcp://127.0.0.1:\$MQ|-broker-listen 127.0.0.1:$MQ|' "$bench/ours-peer.sh" >"$variant"
grep -q '^mqp=$' "$variant" && grep -q -- '-broker-listen 127.0.0.1:\$MQ' "$variant" ||
	die "$bench/ours-peer.sh changed: its Mosquitto start or -mqtt-url line is not where this script expects"
chmod +x "$variant"
"$variant" "$PWD" "$N" | sed 's/^ours:/ours (embedded broker):/'
