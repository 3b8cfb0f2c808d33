#!/usr/bin/env bash
# make fuzz: runs every FuzzXxx target of the module for FUZZTIME (default
# 10s) each, found with `go test -list '^Fuzz'`. A failing input is saved by
# go test under the package's testdata/fuzz/ — commit it with the fix, so it
# stays a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-10s}

# go test -list prints a package's matching names, then "ok  <package> …".
# A package that does not build is reported (and fails the run at the end);
# the others are fuzzed all the same.
failed=()
listing=$("$GO" test -list '^Fuzz' ./... 2>&1) || true
while read -r first second _; do
	if [ "$first" = FAIL ] && [ -n "$second" ]; then
		failed+=("$second (does not build)")
	fi
done <<<"$listing"
[ ${#failed[@]} -eq 0 ] || printf '%s\n' "$listing" | grep -v -E '^(ok|\?|Fuzz)' >&2
targets=()
names=()
while read -r first second _; do
	case $first in
	Fuzz*) names+=("$first") ;;
	ok)
		for n in "${names[@]}"; do targets+=("$second $n"); done
		names=()
		;;
	esac
done <<<"$listing"
[ ${#targets[@]} -gt 0 ] || die "no fuzz targets found"

say "${#targets[@]} fuzz targets, $FUZZTIME each"
# corpus DIR NAME lists the saved inputs of a target.
corpus() { ls "$1/testdata/fuzz/$2" 2>/dev/null || true; }

out=$(mktemp)
trap 'rm -f "$out"' EXIT
for t in "${targets[@]}"; do
	read -r pkg name <<<"$t"
	say "$pkg $name"
	dir=$("$GO" list -f '{{.Dir}}' "$pkg")
	before=$(corpus "$dir" "$name")
	status=0
	"$GO" test -run '^$' -fuzz "^$name\$" -fuzztime "$FUZZTIME" "$pkg" 2>&1 | tee "$out" || status=$?
	[ "$status" != 0 ] || continue
	# Go 1.26's fuzz coordinator can report its own -fuzztime deadline as
	# a failure (go.dev/issue/75804, fixed in Go 1.27): with no failing
	# input saved, that is not a finding.
	if grep -q '^    context deadline exceeded$' "$out" && [ "$(corpus "$dir" "$name")" = "$before" ]; then
		say "$name: the fuzztime deadline was reported as a failure, without a failing input (go.dev/issue/75804): not a finding"
		continue
	fi
	failed+=("$pkg $name")
done
if [ ${#failed[@]} -gt 0 ]; then
	die "failed: ${failed[*]} (a fuzz failure keeps its input in the package's testdata/fuzz/)"
fi
say "all ${#targets[@]} fuzz targets passed"
