#!/usr/bin/env bash
# make profile: CPU, block and mutex profiles of `aggregator serve` under the
# shared peer benchmark (../shared/bench/ours-peer.sh: loadgen → Mosquitto →
# aggregator → InfluxDB 1.8), with the profiler on -debug-listen.
#   N=100000 make profile        taps to publish (default 50000)
#   PROFILE_DIR=out/profile      where the profiles go
#   BENCH_DIR=../shared/bench    where ours-peer.sh is
# Read them with: go tool pprof -top bin/aggregator out/profile/cpu.pprof
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
N=${N:-50000}
out=${PROFILE_DIR:-out/profile}
bench=${BENCH_DIR:-../shared/bench}
port=${DEBUG_PORT:-18960}
[ -x "$bench/ours-peer.sh" ] || die "no $bench/ours-peer.sh (set BENCH_DIR)"
[ -x bin/aggregator ] || die "build first (make build)"
mkdir -p "$out"
# ours-peer.sh runs CHECKOUT/bin/aggregator: a checkout of one file, the real
# binary with the profiler's listener added.
shim=$(mktemp -d)
trap 'rm -rf "$shim"' EXIT
mkdir -p "$shim/bin"
printf '#!/bin/sh\ncmd=$1; shift\nexec %q "$cmd" -debug-listen 127.0.0.1:%s "$@"\n' "$PWD/bin/aggregator" "$port" >"$shim/bin/aggregator"
chmod +x "$shim/bin/aggregator"
"$bench/ours-peer.sh" "$shim" "$N" &
peer=$!
pp=http://127.0.0.1:$port/debug/pprof
for _ in $(seq 200); do curl -sf "$pp/" >/dev/null 2>&1 && break; sleep 0.1; done
curl -sf "$pp/" >/dev/null || die "the aggregator's profiler did not answer on $port"
# Wait for the load to begin (the journal's sequence moving), then profile it.
secs=${SECONDS_PROFILED:-8}
say "profiling ${secs}s of the load"
curl -sf "$pp/profile?seconds=$secs" -o "$out/cpu.pprof" &
cpu=$!
sleep "$secs"
curl -sf "$pp/block" -o "$out/block.pprof"
curl -sf "$pp/mutex" -o "$out/mutex.pprof"
curl -sf "$pp/heap" -o "$out/heap.pprof"
wait $cpu
wait $peer
cp bin/aggregator "$out/aggregator"
say "profiles in $out: go tool pprof -top $out/aggregator $out/cpu.pprof (block.pprof, mutex.pprof, heap.pprof)"
