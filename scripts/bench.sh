#!/usr/bin/env bash
# make bench: runs the module's benchmarks and keeps the raw output in
# docs/bench/latest.txt (the curated figures are in docs/BENCHMARKS.md).
#   BENCH=Engine make bench      only benchmarks matching a pattern
#   BENCHFLAGS='-count=6' ...    more runs, for benchstat
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
GO=${GO:-go}

out=docs/bench/latest.txt
mkdir -p "${out%/*}"
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT

read -r -a extra <<<"${BENCHFLAGS:-}"
cmd=("$GO" test -run '^$' -bench "${BENCH:-.}" -benchmem "${extra[@]}" ./...)
status=0
"${cmd[@]}" 2>&1 | tee "$raw" || status=$?
{
	echo "# ${cmd[*]}"
	echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
		"$("$GO" version | cut -d' ' -f3-) $(nproc) cores"
	# Packages without benchmarks add nothing to read.
	grep -v -E '^(\?|ok)[[:space:]].*(\[no test files\]|[0-9.]+s)$|^PASS$' "$raw" || true
} >"$out"
[ "$status" = 0 ] || die "benchmarks failed (status $status); output so far in $out"
say "wrote $out"
